//! `passport generate` is deterministic per seed, writes what the plan says, and a re-run into the
//! same database adds nothing (SQLite always; PostgreSQL when `PASSPORT_TEST_DATABASE_URL` is set).

use std::path::{Path, PathBuf};
use std::process::Command;

fn temp_dir(name: &str) -> PathBuf {
    let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_nanos();
    let dir = std::env::temp_dir().join(format!("passport-{name}-{}-{nanos}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn passport(args: &[&str]) -> std::process::Output {
    let out =
        Command::new(env!("CARGO_BIN_EXE_passport")).args(args).env_remove("PASSPORT_DATABASE_URL").output().unwrap();
    assert!(out.status.success(), "passport {args:?}: {}", String::from_utf8_lossy(&out.stderr));
    out
}

fn generate_csv(dir: &Path, seed: &str) {
    let dir = dir.to_str().unwrap();
    passport(&[
        "generate",
        "--people",
        "1500",
        "--organisations",
        "4",
        "--seed",
        seed,
        "--as-of",
        "2026-11-25",
        "--csv",
        dir,
    ]);
}

/// Every file under `dir`, relative path → bytes.
fn files(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            for (name, bytes) in files(&path) {
                out.push((format!("{}/{name}", path.file_name().unwrap().to_string_lossy()), bytes));
            }
        } else {
            out.push((path.file_name().unwrap().to_string_lossy().into_owned(), std::fs::read(&path).unwrap()));
        }
    }
    out.sort();
    out
}

fn data_rows(dir: &Path, file: &str) -> u64 {
    let mut n = 0;
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path().join(file);
        if path.is_file() {
            n += std::fs::read_to_string(path).unwrap().lines().count() as u64 - 1;
        }
    }
    n
}

#[test]
fn same_seed_writes_byte_identical_extracts_and_another_seed_does_not() {
    let root = temp_dir("gen-det");
    generate_csv(&root.join("a"), "7");
    generate_csv(&root.join("b"), "7");
    generate_csv(&root.join("c"), "8");
    let a = files(&root.join("a"));
    assert_eq!(a.len(), 1 + 4 * 6, "organisations.csv and six files per organisation");
    assert_eq!(a, files(&root.join("b")));
    assert_ne!(a, files(&root.join("c")));
    std::fs::remove_dir_all(root).unwrap();
}

/// Generates into the database at `url` and checks every table against a CSV run of the same
/// seed; a second run adds nothing.
fn generate_into_database_matches_the_plan(url: &str) {
    let root = temp_dir("gen-db");
    generate_csv(&root.join("csv"), "3");
    let args = [
        "generate",
        "--people",
        "1500",
        "--organisations",
        "4",
        "--seed",
        "3",
        "--as-of",
        "2026-11-25",
        "--batch",
        "100",
        "--database-url",
        url,
    ];
    passport(&args);
    let rt = tokio::runtime::Runtime::new().unwrap();
    let count = |table: &'static str| {
        rt.block_on(async {
            let store = store::Store::connect(url).await.unwrap();
            let n: i64 =
                sqlx::query_scalar(&format!("SELECT COUNT(*) FROM {table}")).fetch_one(store.raw_pool()).await.unwrap();
            store.close().await;
            n as u64
        })
    };
    let tables = [
        ("people", "people.csv"),
        ("assignments", "assignments.csv"),
        ("employment_checks", "checks.csv"),
        ("competences", "competences.csv"),
        ("immunisations", "immunisations.csv"),
        ("oh_clearances", "clearances.csv"),
    ];
    let csv = root.join("csv");
    for (table, file) in tables {
        assert_eq!(count(table), data_rows(&csv, file), "{table} matches {file}");
    }
    assert_eq!(count("organisations"), 4);
    let before: Vec<u64> = tables.iter().map(|(t, _)| count(t)).collect();
    let out = passport(&args);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("0 people records"), "{stderr}");
    let after: Vec<u64> = tables.iter().map(|(t, _)| count(t)).collect();
    assert_eq!(before, after);
    std::fs::remove_dir_all(root).unwrap();
}

#[test]
fn generate_into_sqlite_writes_the_plan_and_a_rerun_adds_nothing() {
    // A plain file, not store::testing::TestDb: this process must not keep a second store open on the
    // file while it opens and closes others: closing any descriptor of a SQLite file drops every POSIX
    // lock this process holds on it, and each Store::connect opens and closes one for its migration lock.
    let dir = temp_dir("sqlite");
    let url = format!("sqlite://{}", dir.join("t.db").display());
    generate_into_database_matches_the_plan(&url);
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn generate_into_postgres_writes_the_plan_and_a_rerun_adds_nothing() {
    let Some(admin) = std::env::var(store::testing::POSTGRES_ENV).ok().filter(|u| !u.trim().is_empty()) else {
        eprintln!("skipped: {} not set", store::testing::POSTGRES_ENV);
        return;
    };
    let rt = tokio::runtime::Runtime::new().unwrap();
    let db = rt.block_on(store::testing::TestDb::postgres(admin.trim()));
    generate_into_database_matches_the_plan(db.url());
    rt.block_on(db.cleanup());
}
