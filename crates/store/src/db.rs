//! Connecting, configuring and migrating the database; shared SQL helpers.
//!
//! **Why `AnyPool`.** The repository code is written once against sqlx's `Any` driver: every query
//! uses `$1` placeholders (accepted by both SQLite and PostgreSQL) and only portable types (TEXT,
//! BIGINT/INTEGER), so there is exactly one code path to test and to keep correct. An enum over two
//! typed pools would double every query or force generic bounds over `sqlx::Database` through the
//! whole crate. What `Any` costs us (no compile-time checked queries, values converted through
//! `AnyValue`) is small next to that. Dialect differences are confined here: how a transaction
//! begins (SQLite needs `BEGIN IMMEDIATE` because every request appends to the audit log, and a
//! deferred read transaction that later writes fails with `SQLITE_BUSY_SNAPSHOT` under
//! concurrency), the SQLite pragmas, anonymous `?` placeholders in statements with thousands of
//! parameters ([`placeholder`]), and the separate migration folders.
//!
//! This module must not know about records or tenancy.

use std::path::Path;
use std::str::FromStr;
use std::time::Duration;

use chrono::{DateTime, NaiveDate, SecondsFormat, Utc};
use sqlx::any::{AnyConnectOptions, AnyPoolOptions};
use sqlx::{AnyPool, Connection, Executor};

use crate::error::{Result, StoreError};

static SQLITE_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/sqlite");
static POSTGRES_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/postgres");

/// Which database engine a store runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// Tunables that are not part of the URL.
#[derive(Debug, Clone, Default)]
pub struct StoreOptions {
    /// Use minimal argon2id parameters. Only for tests and demos: such hashes are cheap to brute
    /// force. Hashes carry their own parameters, so verifying works whatever was used to create them.
    pub insecure_fast_password_hashing: bool,
    /// Pool size; defaults to 8 on PostgreSQL and 1 on SQLite. Every audited call writes, and
    /// SQLite admits one writer at a time: with more connections the waiting writers sleep in
    /// SQLite's busy handler (back-off up to 100 ms) instead of queueing fairly in the pool, and
    /// each switch of connection discards the page cache. Measured with 16 concurrent readers:
    /// one connection gave the best throughput and a 4–7x lower worst-case latency than four
    /// (`perf_concurrent_reads_by_pool_size`).
    pub max_connections: Option<u32>,
    /// Refuse a SQLite database file that does not exist instead of creating it, naming the file:
    /// for tools that inspect an existing database (`audit verify`, `verify`), where a mistyped
    /// path must not produce an empty database that then looks intact.
    pub must_exist: bool,
}

/// Opens the pool for `url`, refusing unknown schemes, and applies migrations.
pub(crate) async fn open(url: &str, options: &StoreOptions) -> Result<(AnyPool, Backend)> {
    sqlx::any::install_default_drivers();
    let backend = if url.starts_with("sqlite:") {
        Backend::Sqlite
    } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
        Backend::Postgres
    } else {
        let problem = match url.split_once(':') {
            Some((scheme, _)) if !scheme.is_empty() && !scheme.contains(['/', ' ', '@']) => {
                format!("unsupported scheme `{scheme}:`")
            }
            _ => "no scheme".to_owned(),
        };
        return Err(malformed(url, &problem));
    };
    let pool = match backend {
        Backend::Sqlite => open_sqlite(url, options).await?,
        Backend::Postgres => {
            // sqlx would only say "error with configuration"; a parse failure is named as the URL's fault.
            sqlx::postgres::PgConnectOptions::from_str(url).map_err(|e| malformed(url, &e.to_string()))?;
            let pool = AnyPoolOptions::new()
                .max_connections(options.max_connections.unwrap_or(8))
                .acquire_timeout(Duration::from_secs(10))
                .connect(url)
                .await?;
            POSTGRES_MIGRATIONS.run(&pool).await?;
            pool
        }
    };
    Ok((pool, backend))
}

/// A database URL that cannot be used as given; any password in it is left out of the message.
fn malformed(url: &str, problem: &str) -> StoreError {
    let shown = match (url.split_once("://"), url.rfind('@')) {
        (Some((scheme, _)), Some(at)) => format!("{scheme}://…{}", &url[at..]),
        _ => url.to_owned(),
    };
    StoreError::Config(format!(
        "malformed database URL `{shown}`: {problem} (expected sqlite://FILE or postgres://USER@HOST/DATABASE)"
    ))
}

async fn open_sqlite(url: &str, options: &StoreOptions) -> Result<AnyPool> {
    let rest = url.trim_start_matches("sqlite:").trim_start_matches("//");
    let (path, query) = rest.split_once('?').unwrap_or((rest, ""));
    let memory = path == ":memory:" || path.is_empty() || query.contains("mode=memory");
    // A mistyped directory is refused instead of silently starting an empty database elsewhere; the file
    // itself is created on first run.
    let parent = Path::new(path).parent().filter(|p| !p.as_os_str().is_empty());
    if !memory
        && let Some(dir) = parent
        && !dir.is_dir()
    {
        return Err(StoreError::Config(format!("SQLite directory `{}` does not exist", dir.display())));
    }
    if !memory && options.must_exist && !Path::new(path).is_file() {
        return Err(StoreError::Config(format!("SQLite database `{path}` does not exist")));
    }
    if !memory {
        restrict_files(path)?;
    }
    // sqlx takes no lock around SQLite set-up: two processes opening a fresh file at once (a server and an
    // import, say) would both switch it to WAL and run 0001, and one would fail ("database is locked", "table
    // already exists"). An exclusive advisory lock held from here until migrations are done serialises them.
    // It is taken on a sidecar file, never on the database itself: closing any descriptor of the database file
    // drops every POSIX lock this process holds on it, SQLite's included, and another process could then
    // corrupt it.
    let migration_lock = if memory { None } else { Some(lock_file(path).await?) };
    let url = if memory {
        url.to_owned()
    } else {
        let mut params: Vec<&str> = query.split('&').filter(|p| !p.is_empty()).collect();
        if !params.iter().any(|p| p.starts_with("mode=")) {
            params.push("mode=rwc");
        }
        let url = format!("sqlite://{path}?{}", params.join("&"));
        // WAL is a property of the file: set it once, on a private connection, before pooling.
        let opts =
            sqlx::sqlite::SqliteConnectOptions::from_str(&url)?.journal_mode(sqlx::sqlite::SqliteJournalMode::Wal);
        let conn = sqlx::sqlite::SqliteConnection::connect_with(&opts).await?;
        conn.close().await?;
        url
    };
    let connect = AnyConnectOptions::from_str(&url)?;
    let pool = AnyPoolOptions::new()
        // An in-memory database exists per connection: keep exactly one.
        .max_connections(if memory { 1 } else { options.max_connections.unwrap_or(1) })
        .min_connections(if memory { 1 } else { 0 })
        // SQLite connections are cheap to keep and their page cache is worth keeping warm.
        .idle_timeout(None)
        .max_lifetime(None)
        .acquire_timeout(Duration::from_secs(30))
        .after_connect(|conn, _meta| {
            Box::pin(async move {
                conn.execute(
                    // 8 MiB page cache per connection. SQLite scans its page hash at every commit
                    // (pcache1Truncate), so a bigger cache costs every write: 32 MiB took 3.4 % of the
                    // verifier's CPU under load. At 100k people 8 MiB measured the same as 32 MiB for
                    // loads, lookups and compliance summaries (the OS caches the file).
                    "PRAGMA foreign_keys = ON; PRAGMA synchronous = NORMAL; \
                     PRAGMA busy_timeout = 10000; PRAGMA cache_size = -8192; \
                     PRAGMA temp_store = MEMORY;",
                )
                .await?;
                Ok(())
            })
        })
        .connect_with(connect)
        .await?;
    SQLITE_MIGRATIONS.run(&pool).await?;
    drop(migration_lock);
    Ok(pool)
}

/// Every file a SQLite database at `path` may consist of is `path` followed by one of these: the database,
/// SQLite's write-ahead log and shared memory, and our migration lock. Remove them all to remove a database.
pub const SQLITE_FILE_SUFFIXES: [&str; 4] = ["", "-wal", "-shm", "-lock"];

/// Creates the database file owner-only (0600) if it is missing, and narrows an existing database
/// and its sidecars to 0600: they hold personal data and sealed keys. SQLite creates its `-wal`
/// and `-shm` files with the database file's permissions; our `-lock` file is created 0600.
fn restrict_files(path: &str) -> Result<()> {
    let named = |e: std::io::Error, file: &str| StoreError::Config(format!("SQLite file `{file}`: {e}"));
    let mut create = std::fs::OpenOptions::new();
    create.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut create, 0o600);
    match create.open(path) {
        Ok(_) => {}
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {}
        Err(e) => return Err(named(e, path)),
    }
    #[cfg(unix)]
    for suffix in SQLITE_FILE_SUFFIXES {
        use std::os::unix::fs::PermissionsExt;
        let file = format!("{path}{suffix}");
        let Ok(meta) = std::fs::metadata(&file) else { continue };
        if meta.permissions().mode() & 0o077 != 0 {
            std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o600)).map_err(|e| named(e, &file))?;
        }
    }
    Ok(())
}

/// The sidecar file that serialises migrations of the database at `path`.
fn lock_path(path: &str) -> String {
    format!("{path}-lock")
}

/// Waits for an exclusive advisory lock on the database's sidecar lock file (released when dropped).
async fn lock_file(path: &str) -> Result<std::fs::File> {
    let path = path.to_owned();
    let locked = tokio::task::spawn_blocking(move || {
        let mut options = std::fs::OpenOptions::new();
        options.create(true).truncate(false).write(true);
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
        let file = options.open(lock_path(&path))?;
        file.lock()?;
        Ok::<_, std::io::Error>(file)
    })
    .await
    .map_err(|e| StoreError::Config(format!("migration lock task failed: {e}")))?;
    locked.map_err(|e| StoreError::Config(format!("cannot lock the SQLite file for migration: {e}")))
}

/// Begins a transaction that will write (every audited call writes): `BEGIN IMMEDIATE` on SQLite so
/// the write lock is taken up front and waited for with the busy timeout.
pub(crate) async fn begin(pool: &AnyPool, backend: Backend) -> Result<sqlx::Transaction<'static, sqlx::Any>> {
    Ok(match backend {
        Backend::Sqlite => pool.begin_with("BEGIN IMMEDIATE").await?,
        Backend::Postgres => pool.begin().await?,
    })
}

/// The `n`th (1-based) bind placeholder of a statement with very many parameters. SQLite gets
/// anonymous `?`: sqlx-sqlite looks each numbered `$n` up by name (`sqlite3_bind_parameter_name`,
/// a linear scan), which is quadratic in the parameter count and dominated bulk inserts of
/// thousands of values. PostgreSQL needs `$n`. Bind in order either way.
pub(crate) fn placeholder(backend: Backend, n: usize) -> String {
    match backend {
        Backend::Sqlite => "?".to_owned(),
        Backend::Postgres => format!("${n}"),
    }
}

/// Now as stored: RFC 3339, UTC, fixed microsecond width so text order is time order.
pub(crate) fn timestamp(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(SecondsFormat::Micros, true)
}

pub(crate) fn now() -> String {
    timestamp(Utc::now())
}

pub(crate) fn parse_timestamp(s: &str, table: &'static str) -> Result<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(s)
        .map(|t| t.with_timezone(&Utc))
        .map_err(|e| StoreError::Corrupt { table, reason: format!("timestamp {s:?}: {e}") })
}

/// Dates as stored: ISO `YYYY-MM-DD`.
pub(crate) fn date(d: NaiveDate) -> String {
    d.format("%Y-%m-%d").to_string()
}

/// A new record id: a UUID with the version 7 layout (48-bit Unix milliseconds, then 74 random
/// bits), monotonic within this process (RFC 9562 §6.2 method 2: within one millisecond the random
/// part is incremented). Time-ordered ids keep inserts at the right edge of the `(org_id, id)` and
/// `(org_id, person_id, …)` B-trees instead of scattering them, which matters when loading
/// millions of rows, and make "order by id" mean "order of creation"; the random bits keep them
/// unguessable. (Built by hand: the workspace enables only uuid's `v4` feature.)
pub(crate) fn new_id() -> String {
    use rand::RngCore;
    static LAST: std::sync::Mutex<u128> = std::sync::Mutex::new(0);
    const RANDOM_BITS: u32 = 74;
    let millis = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_millis() as u64)
        & ((1 << 48) - 1);
    let mut random = [0u8; 16];
    rand::thread_rng().fill_bytes(&mut random);
    let random = u128::from_le_bytes(random) & ((1u128 << RANDOM_BITS) - 1);
    let mut value = (u128::from(millis) << RANDOM_BITS) | random;
    {
        let mut last = LAST.lock().unwrap_or_else(|e| e.into_inner());
        if value <= *last {
            value = *last + 1;
        }
        *last = value;
    }
    // Spread into the UUID fields: 48-bit time | version 7 | 12 random | variant 10 | 62 random.
    let time = value >> RANDOM_BITS;
    let rand_hi = (value >> 62) & 0xfff;
    let rand_lo = value & ((1u128 << 62) - 1);
    let bits = (time << 80) | (0x7 << 76) | (rand_hi << 64) | (0b10 << 62) | rand_lo;
    uuid::Uuid::from_u128(bits).to_string()
}

/// Serialises a domain value for a `doc` column.
pub(crate) fn to_doc<T: serde::Serialize>(value: &T) -> Result<String> {
    serde_json::to_string(value).map_err(|e| StoreError::Corrupt { table: "(encode)", reason: e.to_string() })
}

/// Reads a `doc` column back into its domain type.
pub(crate) fn from_doc<T: serde::de::DeserializeOwned>(doc: &str, table: &'static str) -> Result<T> {
    serde_json::from_str(doc).map_err(|e| StoreError::Corrupt { table, reason: e.to_string() })
}

#[cfg(test)]
mod tests {
    #[test]
    fn ids_are_version_7_and_increase() {
        let ids: Vec<String> = (0..1000).map(|_| super::new_id()).collect();
        for pair in ids.windows(2) {
            assert!(pair[0] < pair[1], "{pair:?}");
        }
        let id = uuid::Uuid::parse_str(&ids[0]).unwrap();
        assert_eq!(id.get_version_num(), 7);
        assert_eq!(id.get_variant(), uuid::Variant::RFC4122);
    }
}
