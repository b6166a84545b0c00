//! The database connection and the one place where SQLite and PostgreSQL differ.
//!
//! Queries are written once with `$1` placeholders and portable SQL (both backends accept
//! `$N`, `RETURNING` and `ON CONFLICT`). What differs — migrations, connection pragmas and
//! how writers are serialised — lives here.

use sqlx::any::{AnyPoolOptions, install_default_drivers};
use sqlx::{AnyPool, Executor};
use std::time::Duration;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// Connection pools. On SQLite all writes go through a single connection, so writers queue
/// in the process instead of failing with SQLITE_BUSY; readers use their own pool (WAL lets
/// them read while a write is in progress). On PostgreSQL both are the same pool.
#[derive(Clone, Debug)]
pub struct Db {
    pub read: AnyPool,
    pub write: AnyPool,
    pub backend: Backend,
}

impl Db {
    /// Connect to `url`: `sqlite://path?mode=rwc` or `postgres://...`.
    pub async fn connect(url: &str) -> Result<Db, sqlx::Error> {
        install_default_drivers();
        if url.starts_with("sqlite:") {
            ensure_sqlite_dir(url);
            let url = &sqlite_creating(url);
            let write = sqlite_pool(1).connect(url).await?;
            let read = sqlite_pool(8).connect(url).await?;
            Ok(Db {
                read,
                write,
                backend: Backend::Sqlite,
            })
        } else if url.starts_with("postgres:") || url.starts_with("postgresql:") {
            let pool = AnyPoolOptions::new()
                .max_connections(16)
                .acquire_timeout(Duration::from_secs(10))
                .connect(url)
                .await?;
            Ok(Db {
                read: pool.clone(),
                write: pool,
                backend: Backend::Postgres,
            })
        } else {
            Err(sqlx::Error::Configuration(
                format!(
                    "unsupported DATABASE_URL scheme (use sqlite: or postgres:): {}",
                    redact(url)
                )
                .into(),
            ))
        }
    }

    /// Apply the migrations of this backend.
    pub async fn migrate(&self) -> Result<(), sqlx::migrate::MigrateError> {
        match self.backend {
            Backend::Sqlite => sqlx::migrate!("./migrations/sqlite").run(&self.write).await,
            Backend::Postgres => {
                sqlx::migrate!("./migrations/postgres")
                    .run(&self.write)
                    .await
            }
        }
    }

    pub async fn close(&self) {
        self.write.close().await;
        self.read.close().await;
    }
}

fn sqlite_pool(max: u32) -> AnyPoolOptions {
    AnyPoolOptions::new()
        .max_connections(max)
        .min_connections(1)
        .acquire_timeout(Duration::from_secs(30))
        .after_connect(|conn, _meta| {
            Box::pin(async move {
                // WAL with synchronous FULL: every commit is on disk when it returns.
                conn.execute(
                    "PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL; \
                     PRAGMA foreign_keys = ON; PRAGMA busy_timeout = 10000;",
                )
                .await?;
                Ok(())
            })
        })
}

/// Create the folder of a SQLite file if it is missing (`sqlite://data/taka.db`).
/// A SQLite URL that creates its file when missing (`mode=rwc`), unless it names a mode.
fn sqlite_creating(url: &str) -> String {
    let (path, query) = url.split_once('?').unwrap_or((url, ""));
    if path.ends_with(":memory:") || query.split('&').any(|p| p.starts_with("mode=")) {
        return url.to_string();
    }
    if query.is_empty() {
        format!("{path}?mode=rwc")
    } else {
        format!("{path}?{query}&mode=rwc")
    }
}

fn ensure_sqlite_dir(url: &str) {
    let path = url
        .trim_start_matches("sqlite://")
        .trim_start_matches("sqlite:")
        .split('?')
        .next()
        .unwrap_or("");
    if path.is_empty() || path == ":memory:" {
        return;
    }
    if let Some(parent) = std::path::Path::new(path).parent()
        && !parent.as_os_str().is_empty()
    {
        let _ = std::fs::create_dir_all(parent);
    }
}

/// A URL for logs: the password, if any, replaced.
pub fn redact(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(s), Some(at)) if at > s => {
            let creds = &url[s + 3..at];
            match creds.split_once(':') {
                Some((user, _)) => format!("{}{}:***{}", &url[..s + 3], user, &url[at..]),
                None => url.to_string(),
            }
        }
        _ => url.to_string(),
    }
}

/// Whether an error is a unique-constraint violation (both backends).
pub fn is_unique_violation(e: &sqlx::Error) -> bool {
    match e {
        sqlx::Error::Database(db) => {
            db.is_unique_violation()
                || db.code().as_deref() == Some("23505")
                || db.message().contains("UNIQUE constraint failed")
        }
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn sqlite_files_are_created() {
        assert_eq!(
            super::sqlite_creating("sqlite://data/new.db"),
            "sqlite://data/new.db?mode=rwc"
        );
        assert_eq!(
            super::sqlite_creating("sqlite:x.db?cache=shared"),
            "sqlite:x.db?cache=shared&mode=rwc"
        );
        assert_eq!(
            super::sqlite_creating("sqlite://x.db?mode=ro"),
            "sqlite://x.db?mode=ro"
        );
        assert_eq!(super::sqlite_creating("sqlite::memory:"), "sqlite::memory:");
    }

    #[test]
    fn redacts_passwords() {
        assert_eq!(
            super::redact("postgres://u:secret@h/db"),
            "postgres://u:***@h/db"
        );
        assert_eq!(super::redact("sqlite://data/x.db"), "sqlite://data/x.db");
    }
}
