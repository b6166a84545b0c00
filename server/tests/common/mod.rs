//! Test support: a fresh, migrated database per test (a SQLite file or a new PostgreSQL
//! database), the demo catalogue and staff, and the real HTTP server on a free port.
#![allow(dead_code)]

pub mod smtp;

use app::server::db::Db;
use app::server::service::StaffContext;
use app::server::{AppState, Settings, Taka, demo, web};
use std::sync::Arc;

pub use app::server::demo::DEMO_PASSWORD;

#[derive(Clone, Copy, Debug)]
pub enum Backend {
    Sqlite,
    Postgres,
}

pub struct TestApp {
    pub taka: Taka,
    pub addr: String,
    pub http: reqwest::Client,
    cleanup: Option<(String, String)>,
    sqlite_file: Option<std::path::PathBuf>,
}

fn unique(prefix: &str) -> String {
    use std::time::{SystemTime, UNIX_EPOCH};
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or(0);
    format!(
        "{prefix}_{}_{}",
        std::process::id(),
        nanos % 1_000_000_000_000
    )
}

/// The PostgreSQL server tests use (`TAKA_TEST_POSTGRES`, default: the local server).
pub fn postgres_admin_url() -> String {
    std::env::var("TAKA_TEST_POSTGRES")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".into())
}

impl TestApp {
    pub async fn spawn(backend: Backend) -> TestApp {
        Self::spawn_with(backend, |taka, _| taka).await
    }

    /// A test app whose service layer `configure` finishes, knowing the address it will
    /// serve at (a sign-in provider must know where to send people back).
    pub async fn spawn_with(
        backend: Backend,
        configure: impl FnOnce(Taka, &str) -> Taka,
    ) -> TestApp {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let addr = format!("http://{}", listener.local_addr().expect("addr"));
        let (url, cleanup, sqlite_file) = match backend {
            Backend::Sqlite => {
                let path = std::env::temp_dir().join(format!("{}.db", unique("taka_test")));
                (
                    format!("sqlite://{}?mode=rwc", path.display()),
                    None,
                    Some(path),
                )
            }
            Backend::Postgres => {
                let admin = postgres_admin_url();
                let name = unique("taka_test");
                let mut conn = <sqlx::PgConnection as sqlx::Connection>::connect(&admin)
                    .await
                    .expect("PostgreSQL must be reachable for the PostgreSQL tests (see README)");
                sqlx::Executor::execute(&mut conn, format!("CREATE DATABASE {name}").as_str())
                    .await
                    .expect("create db");
                let base = admin
                    .rsplit_once('/')
                    .map(|(b, _)| b.to_string())
                    .unwrap_or(admin.clone());
                (format!("{base}/{name}"), Some((admin, name)), None)
            }
        };
        let db = Db::connect(&url).await.expect("connect");
        db.migrate().await.expect("migrate");
        // The tests' webhook receivers listen on 127.0.0.1 over plain HTTP.
        let taka = Taka::new(db).with_policy(app::server::service::Policy {
            webhooks_allow_local: true,
            ..Default::default()
        });
        let taka = configure(taka, &addr);
        taka.prepare().await.expect("calendars");
        demo::load_catalogue(&taka).await.expect("catalogue");
        let options = leptos::config::LeptosOptions::builder()
            .output_name("taka")
            .site_root("target/site")
            .build();
        let state = AppState {
            leptos_options: options,
            taka: taka.clone(),
            settings: Arc::new(Settings::default()),
        };
        tokio::spawn(async move {
            let _ = axum::serve(
                listener,
                web::router(state).into_make_service_with_connect_info::<std::net::SocketAddr>(),
            )
            .await;
        });
        // A timeout, so a dropped or stuck answer fails the test instead of hanging it.
        let http = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .timeout(std::time::Duration::from_secs(60))
            .build()
            .expect("client");
        TestApp {
            taka,
            addr,
            http,
            cleanup,
            sqlite_file,
        }
    }

    pub async fn staff(&self, username: &str) -> StaffContext {
        let (token, _) = self
            .taka
            .sign_in(
                username,
                DEMO_PASSWORD,
                &app::server::service::Client::local(),
            )
            .await
            .expect("sign in");
        self.taka
            .staff_for_session(&token, app::domain::Lang::Lv)
            .await
            .expect("session")
            .expect("valid session")
    }

    /// The `Cookie` header of a browser signed in as `username`.
    pub async fn session_cookie(&self, username: &str) -> String {
        let (token, _) = self
            .taka
            .sign_in(
                username,
                DEMO_PASSWORD,
                &app::server::service::Client::local(),
            )
            .await
            .expect("sign in");
        format!("{}={token}", app::server::SESSION_COOKIE)
    }

    /// The same database through a service layer whose clock stands at `at` (move it
    /// with `.clock().set(..)`).
    pub fn taka_at(&self, at: i64) -> Taka {
        self.taka
            .clone_with_clock(app::server::service::Clock::manual(at))
    }

    pub async fn count(&self, table: &str) -> i64 {
        let (n,): (i64,) = sqlx::query_as(&format!("SELECT COUNT(*) FROM {table}"))
            .fetch_one(&self.taka.db.read)
            .await
            .expect("count");
        n
    }

    /// Submit `body` through `POST /api/v1/requests`; the new request's reference and code.
    pub async fn submit_api(&self, body: &serde_json::Value) -> (String, String) {
        let created: serde_json::Value = self
            .http
            .post(self.url("/api/v1/requests"))
            .json(body)
            .send()
            .await
            .expect("submit")
            .json()
            .await
            .expect("json");
        let field = |name: &str| created[name].as_str().expect(name).to_string();
        (field("reference"), field("tracking_code"))
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.addr, path)
    }

    /// Drop the PostgreSQL database or delete the SQLite file.
    pub async fn cleanup(self) {
        self.taka.db.close().await;
        if let Some((admin, name)) = self.cleanup
            && let Ok(mut conn) = <sqlx::PgConnection as sqlx::Connection>::connect(&admin).await
        {
            let drop = format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)");
            let _ = sqlx::Executor::execute(&mut conn, drop.as_str()).await;
        }
        if let Some(path) = self.sqlite_file {
            for suffix in ["", "-wal", "-shm"] {
                let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
            }
        }
    }
}

/// The refusal a service call ended with (the test fails on success or a fault).
pub fn app_err<T: std::fmt::Debug>(
    r: Result<T, app::server::error::ServiceError>,
) -> app::error::AppError {
    match r {
        Err(app::server::error::ServiceError::App(e)) => e,
        other => panic!("expected a refusal, got {other:?}"),
    }
}

/// A residential parking permit request (a demo service), in Latvian, from `email`.
pub fn parking_request(email: &str) -> app::server::service::NewRequest {
    app::server::service::NewRequest {
        service_code: "VNP-STAVATLAUJA".into(),
        values: [
            ("plate", "KL-1234"),
            ("address", "Rīgas iela 1, Valmiera"),
            ("zone", "a"),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect(),
        contact_name: "Anna Bērziņa".into(),
        contact_email: email.into(),
        contact_phone: "+37120000000".into(),
        lang: app::domain::Lang::Lv,
        channel: app::domain::Channel::Web,
        idempotency: None,
        files: Default::default(),
        origin: Default::default(),
    }
}

/// The `Cookie` header a browser sends after the tracking form accepted `code` for
/// `reference` (the test server has secure cookies, as a served portal does).
pub fn tracking_cookie(reference: &str, code: &str) -> String {
    format!(
        "{}={}~{}",
        app::server::TRACKING_COOKIE,
        reference,
        app::domain::normalise_tracking_code(code)
    )
}

/// Run one async scenario against both backends, as two tests.
#[macro_export]
macro_rules! both_backends {
    ($($name:ident),* $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    let app = $crate::common::TestApp::spawn($crate::common::Backend::Sqlite).await;
                    super::$name(&app).await;
                    app.cleanup().await;
                }
            )*
        }
        mod postgres {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    let app = $crate::common::TestApp::spawn($crate::common::Backend::Postgres).await;
                    super::$name(&app).await;
                    app.cleanup().await;
                }
            )*
        }
    };
}
