//! Test support: a fresh, throw-away database per test on each backend.
//!
//! SQLite always (a temp file, removed afterwards); PostgreSQL when `PASSPORT_TEST_DATABASE_URL`
//! names a server database we may connect to (a uniquely named database is created from it and
//! dropped afterwards). Public so the server's and CLI's tests reuse it; it is never used by
//! production code paths. Password hashing uses cheap parameters here.

use std::future::Future;
use std::io::Write;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};

use sqlx::{Connection, Executor};

use crate::{Backend, Store, StoreOptions};

/// Environment variable naming the PostgreSQL server used by tests.
pub const POSTGRES_ENV: &str = "PASSPORT_TEST_DATABASE_URL";

/// A fresh database and a store connected to it.
#[derive(Debug)]
pub struct TestDb {
    pub store: Store,
    url: String,
    cleanup: Cleanup,
}

#[derive(Debug)]
enum Cleanup {
    File(PathBuf),
    Postgres { admin_url: String, name: String },
}

/// Production defaults except cheap password hashing, and a small PostgreSQL pool because tests
/// run in parallel against one server.
fn test_options(backend: Backend) -> StoreOptions {
    let max_connections = match backend {
        Backend::Sqlite => None,
        Backend::Postgres => Some(4),
    };
    StoreOptions { insecure_fast_password_hashing: true, max_connections, ..StoreOptions::default() }
}

impl TestDb {
    /// A new SQLite database in a temp file.
    pub async fn sqlite() -> TestDb {
        let path = std::env::temp_dir().join(format!("passport-test-{}.db", uuid::Uuid::new_v4()));
        let url = format!("sqlite://{}", path.display());
        let store = Store::connect_with(&url, test_options(Backend::Sqlite)).await.expect("open SQLite test database");
        TestDb { store, url, cleanup: Cleanup::File(path) }
    }

    /// A new database on the PostgreSQL server `admin_url` points at.
    pub async fn postgres(admin_url: &str) -> TestDb {
        let name = format!("passport_test_{}", uuid::Uuid::new_v4().simple());
        let mut admin =
            sqlx::postgres::PgConnection::connect(admin_url).await.expect("connect to PASSPORT_TEST_DATABASE_URL");
        admin.execute(format!("CREATE DATABASE \"{name}\"").as_str()).await.expect("create test database");
        admin.close().await.ok();
        let url = replace_database(admin_url, &name);
        let store =
            Store::connect_with(&url, test_options(Backend::Postgres)).await.expect("open PostgreSQL test database");
        TestDb { store, url, cleanup: Cleanup::Postgres { admin_url: admin_url.to_owned(), name } }
    }

    /// The URL of this database, for starting another component (e.g. the server) on it.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// Closes the store and removes the database.
    pub async fn cleanup(self) {
        self.store.close().await;
        match self.cleanup {
            Cleanup::File(path) => {
                for suffix in crate::SQLITE_FILE_SUFFIXES {
                    let mut p = path.clone().into_os_string();
                    p.push(suffix);
                    std::fs::remove_file(p).ok();
                }
            }
            Cleanup::Postgres { admin_url, name } => {
                if let Ok(mut admin) = sqlx::postgres::PgConnection::connect(&admin_url).await {
                    let sql = format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)");
                    admin.execute(sql.as_str()).await.ok();
                    admin.close().await.ok();
                }
            }
        }
    }
}

/// Swaps the database name in a `postgres://…/name?params` URL.
fn replace_database(url: &str, name: &str) -> String {
    let (base, query) = url.split_once('?').map_or((url, None), |(b, q)| (b, Some(q)));
    let scheme_end = base.find("://").map_or(0, |i| i + 3);
    let host_part = match base[scheme_end..].find('/') {
        Some(i) => &base[..scheme_end + i],
        None => base,
    };
    match query {
        Some(q) => format!("{host_part}/{name}?{q}"),
        None => format!("{host_part}/{name}"),
    }
}

/// The backends tests should run on: SQLite always, PostgreSQL if configured. Prints (uncaptured,
/// once per process) a visible line when PostgreSQL is skipped.
pub fn backends() -> Vec<Backend> {
    static SKIP_NOTICE: AtomicBool = AtomicBool::new(false);
    let mut out = vec![Backend::Sqlite];
    match std::env::var(POSTGRES_ENV) {
        Ok(url) if !url.trim().is_empty() => out.push(Backend::Postgres),
        _ => {
            if !SKIP_NOTICE.swap(true, Ordering::Relaxed) {
                // Written to the raw handle on purpose: libtest captures `eprintln!` but not this.
                let _ = writeln!(std::io::stderr(), "skipped: {POSTGRES_ENV} not set, store tests run on SQLite only");
            }
        }
    }
    out
}

/// A fresh database on `backend`.
pub async fn fresh(backend: Backend) -> TestDb {
    match backend {
        Backend::Sqlite => TestDb::sqlite().await,
        Backend::Postgres => {
            let url = std::env::var(POSTGRES_ENV).expect(POSTGRES_ENV);
            TestDb::postgres(url.trim()).await
        }
    }
}

/// Runs `test` once per configured backend, each on a fresh database that is removed afterwards
/// (also when the test panics; the panic is then re-raised naming the backend).
pub async fn each_backend<F, Fut>(test: F)
where
    F: Fn(Store) -> Fut,
    Fut: Future<Output = ()> + Send + 'static,
{
    for backend in backends() {
        let db = fresh(backend).await;
        let outcome = tokio::spawn(test(db.store.clone())).await;
        db.cleanup().await;
        if let Err(err) = outcome {
            if err.is_panic() {
                let _ = writeln!(std::io::stderr(), "test failed on {backend:?}");
                std::panic::resume_unwind(err.into_panic());
            }
            panic!("test task on {backend:?} failed: {err}");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::replace_database;

    #[test]
    fn database_name_is_replaced() {
        assert_eq!(
            replace_database("postgres://postgres@127.0.0.1:5432/test", "x"),
            "postgres://postgres@127.0.0.1:5432/x"
        );
        assert_eq!(
            replace_database("postgres://u:p@h/test?sslmode=disable", "x"),
            "postgres://u:p@h/x?sslmode=disable"
        );
        assert_eq!(replace_database("postgres://h:5432", "x"), "postgres://h:5432/x");
    }
}
