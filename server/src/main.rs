//! `taka`: the server binary. Wiring only: configuration, database, routes, listener.

use app::domain::Role;
use app::server::service::NewUser;
use app::server::{AppState, Settings, Taka, db::Db, demo, web};
use clap::{Parser, Subcommand};
use std::io::Read;
use std::sync::Arc;

#[derive(Parser)]
#[command(name = "taka", about = "Taka: public service request management")]
struct Cli {
    /// Database: a SQLite file (default) or a PostgreSQL server.
    #[arg(
        long,
        env = "DATABASE_URL",
        default_value = "sqlite://data/taka.db?mode=rwc",
        global = true
    )]
    database_url: String,
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand)]
enum Command {
    /// Serve the portal and the API (the default).
    Serve {
        /// Load demo data into an empty database.
        #[arg(long, env = "TAKA_DEMO", default_value_t = false, action = clap::ArgAction::Set)]
        demo: bool,
        /// Mark cookies Secure (set when served over HTTPS).
        #[arg(long, env = "TAKA_SECURE_COOKIES", default_value_t = false, action = clap::ArgAction::Set)]
        secure_cookies: bool,
    },
    /// Apply database migrations and exit.
    Migrate,
    /// Create a staff account; the password is read from standard input.
    CreateUser {
        username: String,
        #[arg(long)]
        name: String,
        /// provider, owner, portfolio_owner or admin
        #[arg(long)]
        role: String,
        /// Institution code, e.g. VNP
        #[arg(long)]
        institution: String,
        /// Service codes (for providers and service owners), comma separated
        #[arg(long, value_delimiter = ',')]
        services: Vec<String>,
        #[arg(long)]
        email: Option<String>,
    },
}

#[tokio::main]
async fn main() {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| "info,sqlx=warn,tower_http=info".into()),
        )
        .init();
    if let Err(e) = run(Cli::parse()).await {
        tracing::error!("{e}");
        eprintln!("taka: {e}");
        std::process::exit(1);
    }
}

async fn run(cli: Cli) -> Result<(), Box<dyn std::error::Error>> {
    let db = Db::connect(&cli.database_url).await?;
    db.migrate().await?;
    let taka = Taka::new(db.clone());
    match cli.command.unwrap_or(Command::Serve {
        demo: env_flag("TAKA_DEMO"),
        secure_cookies: env_flag("TAKA_SECURE_COOKIES"),
    }) {
        Command::Migrate => {
            tracing::info!(database = %app::server::db::redact(&cli.database_url), "migrations applied");
        }
        Command::CreateUser {
            username,
            name,
            role,
            institution,
            services,
            email,
        } => {
            let role = Role::parse(&role)
                .ok_or("role must be provider, owner, portfolio_owner or admin")?;
            let mut password = String::new();
            std::io::stdin().read_to_string(&mut password)?;
            let password = password.trim_end_matches(['\r', '\n']).to_string();
            let id = taka
                .create_user(NewUser {
                    username,
                    display_name: name,
                    email,
                    password,
                    role,
                    institution_code: institution,
                    service_codes: services,
                })
                .await
                .map_err(|e| describe(app::error::AppError::from(e)))?;
            println!("created user {id}");
        }
        Command::Serve {
            demo: load_demo,
            secure_cookies,
        } => {
            if load_demo {
                let made = demo::load(&taka)
                    .await
                    .map_err(|e| format!("demo data: {e}"))?;
                if made > 0 {
                    tracing::info!(
                        requests = made,
                        "demo data loaded; staff password: {}",
                        demo::DEMO_PASSWORD
                    );
                }
            }
            let conf = leptos::config::get_configuration(None)?;
            let options = conf.leptos_options;
            let addr = options.site_addr;
            let state = AppState {
                leptos_options: options,
                taka,
                settings: Arc::new(Settings { secure_cookies }),
            };
            let listener = tokio::net::TcpListener::bind(addr).await?;
            tracing::info!(address = %addr, database = %app::server::db::redact(&cli.database_url), "listening");
            axum::serve(listener, web::router(state))
                .with_graceful_shutdown(shutdown_signal())
                .await?;
            tracing::info!("stopped");
        }
    }
    db.close().await;
    Ok(())
}

/// An error for the operator, in English, with the fields that were wrong.
fn describe(e: app::error::AppError) -> String {
    let locale = app::i18n::Locale::en;
    let mut text = app::i18n_text::app_error(locale, &e);
    if let Some(fields) = e.field_errors() {
        for (field, err) in fields {
            text.push_str(&format!(
                "\n  {field}: {}",
                app::i18n_text::field_error(locale, err)
            ));
        }
    }
    text
}

fn env_flag(name: &str) -> bool {
    std::env::var(name)
        .map(|v| matches!(v.as_str(), "1" | "true" | "yes" | "on"))
        .unwrap_or(false)
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        if let Ok(mut s) = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        {
            s.recv().await;
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = term => {},
    }
    tracing::info!("shutting down");
}
