//! `passport backup`: a consistent copy of a SQLite database, taken while the server keeps writing.
//!
//! SQLite's `VACUUM INTO` copies the database as one read transaction sees it: in WAL mode a reader never
//! blocks the writer and sees no half-committed transaction, so the copy is the database at one instant,
//! compacted, with every committed write up to then (the WAL folded in). The copy is then opened and checked
//! (`PRAGMA integrity_check`, and the audit chains recomputed) before the command reports success.
//!
//! PostgreSQL has its own online tool: `pg_dump --format=custom` (README, "Backups").
//! The key-encryption key (`FILE.key`, or `PASSPORT_KEK`) is deliberately not in the copy: keep it apart.

use std::path::{Path, PathBuf};

use anyhow::{Context, bail};
use clap::Args;
use sqlx::Connection;
use sqlx::sqlite::SqliteConnectOptions;

#[derive(Args, Debug)]
pub struct BackupArgs {
    /// The database to copy: `sqlite://FILE`.
    #[arg(long = "database-url", env = "PASSPORT_DATABASE_URL", default_value = "sqlite://passport.db")]
    pub database_url: String,
    /// Where to write the copy; must not exist yet.
    #[arg(long)]
    pub out: PathBuf,
    /// Skip checking the copy (integrity check and audit chains) afterwards.
    #[arg(long)]
    pub no_verify: bool,
}

/// The file of a `sqlite:` URL, or why the URL is not one.
fn sqlite_file(url: &str) -> anyhow::Result<PathBuf> {
    if url.starts_with("postgres://") || url.starts_with("postgresql://") {
        bail!(
            "passport backup copies SQLite databases; for PostgreSQL use its online dump, e.g. \
             `pg_dump --format=custom --file passport.dump '{url}'` (restore with pg_restore; README, \"Backups\")"
        );
    }
    let Some(rest) = url.strip_prefix("sqlite:") else {
        bail!("malformed database URL `{url}`: expected sqlite://FILE (or postgres://… for pg_dump)");
    };
    let path = rest.trim_start_matches("//");
    let path = path.split('?').next().unwrap_or(path);
    if path.is_empty() || path == ":memory:" {
        bail!("malformed database URL `{url}`: no database file in it");
    }
    Ok(PathBuf::from(path))
}

pub async fn run(args: BackupArgs) -> anyhow::Result<()> {
    let source = sqlite_file(&args.database_url)?;
    if !source.is_file() {
        bail!("SQLite database `{}` does not exist", source.display());
    }
    if args.out.exists() {
        bail!("`{}` exists already; a backup never overwrites a file", args.out.display());
    }
    let started = std::time::Instant::now();
    copy(&source, &args.out).await?;
    let bytes = std::fs::metadata(&args.out).with_context(|| format!("reading {}", args.out.display()))?.len();
    eprintln!(
        "copied {} to {} ({:.1} MiB) in {:.1} s",
        source.display(),
        args.out.display(),
        bytes as f64 / 1_048_576.0,
        started.elapsed().as_secs_f64()
    );
    if !args.no_verify {
        let entries = check(&args.out).await?;
        eprintln!("the copy opens, passes SQLite's integrity check, and its audit chains verify ({entries} entries)");
    }
    eprintln!(
        "note: the key-encryption key ({}.key or PASSPORT_KEK) is not in the copy; back it up separately",
        source.display()
    );
    Ok(())
}

/// `VACUUM INTO` from a read-only connection: one read transaction, so one instant of the database.
async fn copy(source: &Path, out: &Path) -> anyhow::Result<()> {
    let options = SqliteConnectOptions::new().filename(source).read_only(true);
    let mut conn = sqlx::SqliteConnection::connect_with(&options)
        .await
        .with_context(|| format!("opening {}", source.display()))?;
    // A writer holding the database briefly makes the read wait rather than fail.
    sqlx::query("PRAGMA busy_timeout = 10000").execute(&mut conn).await?;
    sqlx::query("VACUUM INTO ?")
        .bind(out.to_string_lossy().into_owned())
        .execute(&mut conn)
        .await
        .with_context(|| format!("copying {} to {}", source.display(), out.display()))?;
    conn.close().await.ok();
    Ok(())
}

/// Opens the copy: SQLite's integrity check, then every audit chain recomputed. Returns the audit entries.
async fn check(copy: &Path) -> anyhow::Result<u64> {
    {
        let options = SqliteConnectOptions::new().filename(copy).read_only(true);
        let mut conn = sqlx::SqliteConnection::connect_with(&options)
            .await
            .with_context(|| format!("opening the copy {}", copy.display()))?;
        let (verdict,): (String,) = sqlx::query_as("PRAGMA integrity_check").fetch_one(&mut conn).await?;
        if verdict != "ok" {
            bail!("the copy {} fails SQLite's integrity check: {verdict}", copy.display());
        }
        conn.close().await.ok();
    }
    let url = format!("sqlite://{}", copy.display());
    let store = store::Store::open_existing(&url).await.with_context(|| format!("opening the copy {url}"))?;
    let report = store.verify_audit().await.context("verifying the copy's audit chains")?;
    if let Some(bad) = &report.first_bad {
        bail!("the copy's audit chain is broken: {bad:?}");
    }
    Ok(report.entries_checked)
}
