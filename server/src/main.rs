//! `taka`: the server binary. Wiring only: configuration, database, routes, listener.

use app::domain::Role;
use app::server::secret::Secret;
use app::server::service::{Limits, NewUser, Policy, TokenScope};
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
        #[arg(long, env = "TAKA_DEMO", value_parser = clap::builder::BoolishValueParser::new(), default_value_t = false, action = clap::ArgAction::Set)]
        demo: bool,
        /// Development only: cookies without `Secure` and the `__Host-` prefix, for plain
        /// HTTP on localhost (`make run` sets it). Never on a served portal.
        #[arg(long, env = "TAKA_DEV_INSECURE_COOKIES", value_parser = clap::builder::BoolishValueParser::new(), default_value_t = false, action = clap::ArgAction::Set)]
        dev_insecure_cookies: bool,
        /// Run the background jobs (mail delivery, service-level sweep) in this process.
        #[arg(long, env = "TAKA_JOBS", value_parser = clap::builder::BoolishValueParser::new(), default_value_t = true, action = clap::ArgAction::Set)]
        jobs: bool,
    },
    /// Create a personal API token for a user; it is printed once.
    CreateToken {
        username: String,
        /// What the token is for, e.g. "monthly report"
        #[arg(long, default_value = "cli")]
        name: String,
        /// Days until it stops working (1-365)
        #[arg(long, default_value_t = app::server::service::DEFAULT_TOKEN_DAYS)]
        days: i64,
        /// Limit it to reading analytics
        #[arg(long, default_value_t = false)]
        analytics_only: bool,
    },
    /// Fill the database with a realistic generated data set (for benchmarks).
    Generate {
        #[arg(long, default_value_t = 10_000)]
        requests: u64,
        #[arg(long, default_value_t = 50)]
        institutions: u32,
        #[arg(long, default_value_t = 500)]
        services: u32,
        /// Years of history, ending today
        #[arg(long, default_value_t = 3)]
        years: u32,
        #[arg(long, default_value_t = 2026)]
        seed: u64,
    },
    /// Check service levels once (mark at-risk and breached requests, escalate) and exit.
    Sweep,
    /// Set a service's service-level targets.
    Sla {
        /// Service code, e.g. VNP-KOKU-CIRSANA
        service: String,
        #[arg(long)]
        register_hours: u32,
        #[arg(long)]
        decide_days: u32,
        #[arg(long)]
        fulfil_days: u32,
        /// Percent of requests that must meet the targets
        #[arg(long, default_value_t = 95)]
        target: u32,
    },
    /// Set a service's automation (recorded in the audit log as from the command line), e.g.
    /// --json '{"auto_register":true,"assign":"least_open","auto_approve":true,
    /// "approve_when":[{"field":"fee_paid","op":"equals","value":"yes"}],
    /// "remind_information_days":5,"remind_assignee":true}'
    Automation {
        /// Service code, e.g. PMLP-IZZINA
        service: String,
        /// The settings as JSON; missing keys are off
        #[arg(long)]
        json: String,
    },
    /// Business calendars: show a year, set a day, add a calendar, assign one.
    Calendar {
        #[command(subcommand)]
        command: CalendarCommand,
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

#[derive(Subcommand)]
enum CalendarCommand {
    /// List a calendar's holidays and transferred working days of a year.
    Show {
        #[arg(default_value = "LV")]
        calendar: String,
        #[arg(long)]
        year: Option<i32>,
    },
    /// Make a day a holiday, a working day (with hours, e.g. a transferred Saturday) or
    /// return it to the normal week.
    Set {
        calendar: String,
        /// YYYY-MM-DD
        day: String,
        /// holiday, working or normal
        kind: String,
        /// HH:MM-HH:MM, for working days (default: the calendar's usual hours)
        #[arg(long)]
        hours: Option<String>,
        #[arg(long)]
        note: Option<String>,
    },
    /// Add a calendar (e.g. another country): time zone and Monday..Sunday hours.
    Add {
        code: String,
        #[arg(long, default_value = "Europe/Riga")]
        time_zone: String,
        /// Seven entries, Monday first, each HH:MM-HH:MM or "-" for a day off
        #[arg(
            long,
            value_delimiter = ',',
            default_value = "08:30-17:00,08:30-17:00,08:30-17:00,08:30-17:00,08:30-17:00,-,-"
        )]
        week: Vec<String>,
    },
    /// Use a calendar for an institution.
    Assign {
        institution: String,
        calendar: String,
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
    // Links in messages: PUBLIC_URL, else the address this server listens on.
    let public_url = std::env::var("PUBLIC_URL").unwrap_or_else(|_| {
        std::env::var("LEPTOS_SITE_ADDR")
            .map(|a| format!("http://{a}"))
            .unwrap_or_else(|_| app::server::service::DEFAULT_PUBLIC_URL.into())
    });
    let secret = Secret::load(
        std::env::var("TAKA_SECRET").ok().as_deref(),
        std::path::Path::new(&std::env::var("TAKA_DATA_DIR").unwrap_or_else(|_| "data".into())),
    )?;
    if std::env::var("TAKA_SECRET").is_err() && db.backend == app::server::db::Backend::Postgres {
        tracing::warn!(
            "TAKA_SECRET is not set: this server uses the secret in its data folder; every server of one database needs the same"
        );
    }
    let mut taka = Taka::new(db.clone())
        .with_public_url(&public_url)
        .with_secret(secret)
        .with_policy(policy()?);
    if let Some(oidc) = oidc(&public_url)? {
        taka = taka.with_oidc(oidc);
    }
    taka.prepare()
        .await
        .map_err(|e| format!("calendars: {e}"))?;
    let command = match cli.command {
        Some(c) => c,
        None => Command::Serve {
            demo: env_flag("TAKA_DEMO", false)?,
            dev_insecure_cookies: env_flag("TAKA_DEV_INSECURE_COOKIES", false)?,
            jobs: env_flag("TAKA_JOBS", true)?,
        },
    };
    match command {
        Command::Sweep => {
            let r = taka.sla_sweep().await.map_err(|e| format!("sweep: {e}"))?;
            println!(
                "at risk: {}, breached: {}, services escalated: {}, reminders: {}",
                r.at_risk, r.breached, r.services, r.reminders
            );
        }
        Command::Calendar { command } => calendar(&taka, command).await?,
        Command::CreateToken {
            username,
            name,
            days,
            analytics_only,
        } => {
            let scope = if analytics_only {
                TokenScope::Analytics
            } else {
                TokenScope::Full
            };
            let token = taka
                .create_token(&username, &name, days, scope)
                .await
                .map_err(|e| describe(app::error::AppError::from(e)))?;
            println!("{token}");
        }
        Command::Generate {
            requests,
            institutions,
            services,
            years,
            seed,
        } => {
            let started = std::time::Instant::now();
            let made = app::server::generate::generate(
                &taka,
                app::server::generate::Plan {
                    requests,
                    institutions,
                    services,
                    years,
                    seed,
                },
            )
            .await
            .map_err(|e| format!("generate: {e}"))?;
            println!(
                "generated {made} requests in {:.1} s",
                started.elapsed().as_secs_f64()
            );
        }
        Command::Sla {
            service,
            register_hours,
            decide_days,
            fulfil_days,
            target,
        } => {
            let targets = app::domain::Targets {
                register_hours,
                decide_days,
                fulfil_days,
                target_pct: target,
            };
            taka.set_service_targets(&service, targets)
                .await
                .map_err(|e| describe(app::error::AppError::from(e)))?;
            println!(
                "{service}: {register_hours} h to register, {decide_days} d to decide, {fulfil_days} d to fulfil, target {target} %"
            );
        }
        Command::Automation { service, json } => {
            let automation: app::domain::automation::Automation =
                serde_json::from_str(&json).map_err(|e| format!("--json: {e}"))?;
            taka.set_automation_cli(&service, &automation)
                .await
                .map_err(|e| describe(app::error::AppError::from(e)))?;
            println!("{service}: automation set");
        }
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
            dev_insecure_cookies,
            jobs,
        } => {
            let policy = Policy {
                secure_cookies: !dev_insecure_cookies,
                ..taka.policy().clone()
            };
            let taka = taka.with_policy(policy);
            if dev_insecure_cookies {
                tracing::warn!(
                    "TAKA_DEV_INSECURE_COOKIES: cookies are not Secure (development only)"
                );
            }
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
                taka: taka.clone(),
                settings: Arc::new(Settings {
                    trusted_proxies: trusted_proxies()?,
                }),
            };
            let jobs = if jobs {
                let mailer = mailer(load_demo)?;
                match &mailer {
                    Some(m) => tracing::info!("mail goes to {}", m.describe()),
                    None => tracing::warn!(
                        "SMTP_URL is not set: messages wait in the outbox until it is"
                    ),
                }
                Some(tokio::spawn(app::server::mailer::run_jobs(
                    taka.clone(),
                    mailer,
                    std::time::Duration::from_secs(60),
                )))
            } else {
                None
            };
            let listener = tokio::net::TcpListener::bind(addr).await?;
            tracing::info!(address = %addr, database = %app::server::db::redact(&cli.database_url), "listening");
            axum::serve(
                listener,
                web::router(state).into_make_service_with_connect_info::<std::net::SocketAddr>(),
            )
            .with_graceful_shutdown(shutdown_signal())
            .await?;
            if let Some(j) = jobs {
                j.abort();
            }
            tracing::info!("stopped");
        }
    }
    db.close().await;
    Ok(())
}

/// Session and abuse-limit settings: `TAKA_SESSION_IDLE_MINUTES` (default 30),
/// `TAKA_LIMIT_SCALE` (multiplies every abuse limit; 0 turns them off, for benchmarks),
/// file quotas `TAKA_MAX_FILE_MB` (25), `TAKA_MAX_REQUEST_MB` (60), `TAKA_MAX_DAILY_MB`
/// (500; 0: none), and `CLAMD_URL` (`tcp://host:port` or `unix:///path`).
fn policy() -> Result<Policy, String> {
    let mut policy = Policy::default();
    if let Ok(v) = std::env::var("TAKA_SESSION_IDLE_MINUTES") {
        let minutes: i64 = v
            .trim()
            .parse()
            .ok()
            .filter(|m| (1..=24 * 60).contains(m))
            .ok_or("TAKA_SESSION_IDLE_MINUTES must be a number of minutes, 1-1440")?;
        policy.session_idle_seconds = minutes * 60;
    }
    if let Ok(v) = std::env::var("TAKA_LIMIT_SCALE") {
        let factor: f64 = v
            .trim()
            .parse()
            .ok()
            .filter(|f: &f64| f.is_finite() && *f >= 0.0)
            .ok_or("TAKA_LIMIT_SCALE must be a number, 0 or more")?;
        policy.limits = Limits::default().scaled(factor);
    }
    // File sizes in MB (decimal, as people see them): one file, one request's files, one client's uploads a day.
    for (name, slot) in [
        ("TAKA_MAX_FILE_MB", &mut policy.files.max_file_bytes),
        ("TAKA_MAX_REQUEST_MB", &mut policy.files.max_request_bytes),
        ("TAKA_MAX_DAILY_MB", &mut policy.files.max_daily_bytes),
    ] {
        if let Ok(v) = std::env::var(name) {
            let mb: u64 = v
                .trim()
                .parse()
                .ok()
                .filter(|m| *m <= 100_000)
                .ok_or(format!("{name} must be a whole number of MB"))?;
            *slot = mb * 1_000_000;
        }
    }
    if let Ok(url) = std::env::var("CLAMD_URL")
        && !url.trim().is_empty()
    {
        app::server::clamd::Clamd::from_url(url.trim()).map_err(|e| format!("CLAMD_URL: {e}"))?;
        policy.files.clamd_url = Some(url.trim().to_string());
    }
    policy.webhooks_allow_local = env_flag("TAKA_WEBHOOKS_ALLOW_LOCAL", false)?;
    if policy.webhooks_allow_local {
        tracing::warn!(
            "TAKA_WEBHOOKS_ALLOW_LOCAL: webhooks may go to plain HTTP and local addresses (development only)"
        );
    }
    Ok(policy)
}

/// Citizen sign-in: `TAKA_OIDC_ISSUER`, `TAKA_OIDC_CLIENT_ID` and `TAKA_OIDC_CLIENT_SECRET`
/// turn it on; `TAKA_OIDC_REDIRECT_URI` (default `{PUBLIC_URL}/signin/callback`),
/// `TAKA_OIDC_SCOPES` (`openid profile email`), `TAKA_OIDC_PERSON_CLAIM` (`personal_code`)
/// and `TAKA_OIDC_NAME` (what the button names) are optional.
fn oidc(public_url: &str) -> Result<Option<app::server::oidc::Oidc>, String> {
    let var = |name: &str| {
        std::env::var(name)
            .ok()
            .map(|v| v.trim().to_string())
            .filter(|v| !v.is_empty())
    };
    let Some(issuer) = var("TAKA_OIDC_ISSUER") else {
        return Ok(None);
    };
    let config = app::server::oidc::OidcConfig {
        issuer,
        client_id: var("TAKA_OIDC_CLIENT_ID")
            .ok_or("TAKA_OIDC_CLIENT_ID is needed with TAKA_OIDC_ISSUER")?,
        client_secret: var("TAKA_OIDC_CLIENT_SECRET")
            .ok_or("TAKA_OIDC_CLIENT_SECRET is needed with TAKA_OIDC_ISSUER")?,
        redirect_uri: var("TAKA_OIDC_REDIRECT_URI")
            .unwrap_or_else(|| format!("{}/signin/callback", public_url.trim_end_matches('/'))),
        scopes: var("TAKA_OIDC_SCOPES").unwrap_or_else(|| "openid profile email".into()),
        person_claim: var("TAKA_OIDC_PERSON_CLAIM").unwrap_or_else(|| "personal_code".into()),
        display_name: var("TAKA_OIDC_NAME").unwrap_or_else(|| "OpenID Connect".into()),
    };
    app::server::oidc::Oidc::new(config)
        .map(Some)
        .map_err(|e| format!("TAKA_OIDC_ISSUER: {e}"))
}

/// `TAKA_TRUSTED_PROXIES`: addresses of reverse proxies whose `X-Forwarded-For` is believed.
fn trusted_proxies() -> Result<Vec<std::net::IpAddr>, String> {
    std::env::var("TAKA_TRUSTED_PROXIES")
        .unwrap_or_default()
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(|s| {
            s.parse()
                .map_err(|_| format!("TAKA_TRUSTED_PROXIES: not an IP address: {s}"))
        })
        .collect()
}

/// Where mail goes: `SMTP_URL`; else `MAIL_DIR` (a folder of .eml files); in demo mode
/// `data/mail` by default, so a newcomer can read what would have been sent.
fn mailer(demo: bool) -> Result<Option<app::server::mailer::Mailer>, String> {
    use app::server::mailer::Mailer;
    let from =
        std::env::var("MAIL_FROM").unwrap_or_else(|_| "Taka <noreply@taka.localhost>".into());
    if let Ok(url) = std::env::var("SMTP_URL")
        && !url.is_empty()
    {
        return Mailer::smtp(&url, &from).map(Some);
    }
    match std::env::var("MAIL_DIR") {
        Ok(dir) if !dir.is_empty() => Mailer::folder(dir, &from).map(Some),
        _ if demo => Mailer::folder("data/mail", &from).map(Some),
        _ => Ok(None),
    }
}

async fn calendar(taka: &Taka, command: CalendarCommand) -> Result<(), Box<dyn std::error::Error>> {
    let explain = |e: app::server::error::ServiceError| describe(app::error::AppError::from(e));
    match command {
        CalendarCommand::Show { calendar, year } => {
            let year = year.unwrap_or_else(|| {
                chrono::Datelike::year(&app::server::service::local_date(taka.now()))
            });
            for (day, kind, hours, note) in
                taka.calendar_days(&calendar, year).await.map_err(explain)?
            {
                println!(
                    "{day}  {kind:<8} {:<12} {}",
                    hours.unwrap_or_default(),
                    note.unwrap_or_default()
                );
            }
        }
        CalendarCommand::Set {
            calendar,
            day,
            kind,
            hours,
            note,
        } => {
            taka.set_calendar_day(&calendar, &day, &kind, hours.as_deref(), note.as_deref())
                .await
                .map_err(explain)?;
            println!("{calendar} {day}: {kind}");
        }
        CalendarCommand::Add {
            code,
            time_zone,
            week,
        } => {
            if week.len() != 7 {
                return Err("--week needs seven entries, Monday first".into());
            }
            let mut days: [Option<String>; 7] = Default::default();
            for (i, d) in week.iter().enumerate() {
                days[i] = (d.trim() != "-").then(|| d.trim().to_string());
            }
            let id = taka
                .create_calendar(&code, &time_zone, &days)
                .await
                .map_err(explain)?;
            println!("created calendar {code} ({id})");
        }
        CalendarCommand::Assign {
            institution,
            calendar,
        } => {
            taka.assign_calendar(&institution, &calendar)
                .await
                .map_err(explain)?;
            println!("{institution} uses calendar {calendar}");
        }
    }
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

/// A boolean setting: unset is `default`; the usual spellings (true/false, yes/no, on/off,
/// 1/0, y/n, t/f, any case) as clap's `BoolishValueParser` reads them; anything else is refused.
fn env_flag(name: &str, default: bool) -> Result<bool, String> {
    match std::env::var(name) {
        Err(_) => Ok(default),
        Ok(v) => flag(&v).ok_or_else(|| {
            format!("{name}={v}: use true or false (yes/no, on/off and 1/0 are also understood)")
        }),
    }
}

fn flag(v: &str) -> Option<bool> {
    match v.trim().to_ascii_lowercase().as_str() {
        "1" | "true" | "t" | "yes" | "y" | "on" => Some(true),
        "0" | "false" | "f" | "no" | "n" | "off" | "" => Some(false),
        _ => None,
    }
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

#[cfg(test)]
mod tests {
    #[test]
    fn boolean_settings() {
        for v in ["1", "true", "TRUE", "yes", "Y", "on", " t "] {
            assert_eq!(super::flag(v), Some(true), "{v}");
        }
        for v in ["0", "false", "No", "off", "n", "F", ""] {
            assert_eq!(super::flag(v), Some(false), "{v}");
        }
        assert_eq!(super::flag("maybe"), None);
        // The same spellings as clap's parser for the command-line form.
        let p = clap::builder::BoolishValueParser::new();
        let cmd = clap::Command::new("t");
        for v in ["1", "true", "yes", "Y", "on", "0", "false", "No", "off"] {
            let parsed =
                clap::builder::TypedValueParser::parse_ref(&p, &cmd, None, std::ffi::OsStr::new(v))
                    .expect(v);
            assert_eq!(Some(parsed), super::flag(v), "{v}");
        }
    }
}
