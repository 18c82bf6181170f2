//! Connecting: schemes, file creation, migrations.

use store::{Store, StoreError};

#[tokio::test]
async fn unknown_scheme_is_refused_naming_it() {
    let err = Store::connect("mysql://localhost/x").await.unwrap_err();
    assert!(matches!(err, StoreError::Config(_)), "{err:?}");
    assert!(err.to_string().contains("mysql:"), "{err}");
}

#[tokio::test]
async fn sqlite_file_is_created_on_first_run_and_reopened() {
    let dir = std::env::temp_dir().join(format!("passport-connect-{}", uuid::Uuid::new_v4()));
    std::fs::create_dir(&dir).unwrap();
    let path = dir.join("passport.db");
    let url = format!("sqlite://{}", path.display());
    let store = Store::connect(&url).await.unwrap();
    assert!(path.exists());
    store.close().await;
    // Reopening runs migrations again without error.
    let store = Store::connect(&url).await.unwrap();
    let report = store.verify_audit().await.unwrap();
    assert!(report.is_ok());
    store.close().await;
    std::fs::remove_dir_all(dir).ok();
}

#[tokio::test]
async fn sqlite_in_a_missing_directory_is_refused() {
    let url = "sqlite:///definitely/not/here/passport.db";
    let err = Store::connect(url).await.unwrap_err();
    assert!(matches!(err, StoreError::Config(_)), "{err:?}");
}

/// Issue 14 finding 5 / issue 15 item 5: tools that inspect a database (`audit verify`, `verify`)
/// must not turn a mistyped path into an empty database that then "verifies".
#[tokio::test]
async fn open_existing_refuses_a_missing_file_naming_it_and_creates_nothing() {
    let dir = std::env::temp_dir().join(format!("passport-existing-{}", uuid::Uuid::new_v4()));
    std::fs::create_dir(&dir).unwrap();
    let path = dir.join("pasport.db");
    let err = Store::open_existing(&format!("sqlite://{}", path.display())).await.unwrap_err();
    assert!(matches!(err, StoreError::Config(_)), "{err:?}");
    assert!(err.to_string().contains("pasport.db") && err.to_string().contains("does not exist"), "{err}");
    assert_eq!(std::fs::read_dir(&dir).unwrap().count(), 0, "nothing created");
    // An existing database opens.
    Store::connect(&format!("sqlite://{}", path.display())).await.unwrap().close().await;
    let store = Store::open_existing(&format!("sqlite://{}", path.display())).await.unwrap();
    assert!(store.verify_audit().await.unwrap().is_ok());
    store.close().await;
    std::fs::remove_dir_all(dir).ok();
}

/// Issue 14 finding 8: the database holds personal data and sealed keys; its files are owner-only,
/// including the write-ahead log, shared memory and lock sidecars, and an existing file left
/// world-readable by an older version is narrowed.
#[cfg(unix)]
#[tokio::test]
async fn sqlite_files_are_created_owner_only() {
    use std::os::unix::fs::PermissionsExt;
    let dir = std::env::temp_dir().join(format!("passport-mode-{}", uuid::Uuid::new_v4()));
    std::fs::create_dir(&dir).unwrap();
    let path = dir.join("passport.db");
    let url = format!("sqlite://{}", path.display());
    let store = Store::connect(&url).await.unwrap();
    let registry = store::RegistryScope::system("test");
    let new = domain::org::NewOrganisation {
        ods_code: domain::org::OdsCode::parse("RJ1").unwrap(),
        name: "Guy's".into(),
        kind: domain::org::OrgKind::AcuteTrust,
    };
    store.registry().create_organisation(&registry, &new).await.unwrap();
    let mode = |p: &std::path::Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
    for suffix in store::SQLITE_FILE_SUFFIXES {
        let file = std::path::PathBuf::from(format!("{}{suffix}", path.display()));
        if file.exists() {
            assert_eq!(mode(&file), 0o600, "{}", file.display());
        } else {
            assert!(!suffix.is_empty(), "the database file exists");
        }
    }
    assert!(std::path::Path::new(&format!("{}-wal", path.display())).exists(), "WAL checked too");
    store.close().await;
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
    Store::connect(&url).await.unwrap().close().await;
    assert_eq!(mode(&path), 0o600, "narrowed on open");
    std::fs::remove_dir_all(dir).ok();
}

#[tokio::test]
async fn sqlite_memory_works() {
    let store = Store::connect("sqlite::memory:").await.unwrap();
    assert!(store.verify_audit().await.unwrap().is_ok());
}

#[tokio::test]
async fn sqlite_file_runs_in_wal_mode_with_foreign_keys() {
    use sqlx::Row;
    let db = store::testing::TestDb::sqlite().await;
    let pool = db.store.raw_pool();
    let mode: String = sqlx::query("PRAGMA journal_mode").fetch_one(pool).await.unwrap().get(0);
    assert_eq!(mode, "wal");
    let fk: i64 = sqlx::query("PRAGMA foreign_keys").fetch_one(pool).await.unwrap().get(0);
    assert_eq!(fk, 1);
    db.cleanup().await;
}

/// The two migration histories must describe the same schema: same files, same statements once
/// the one known dialect difference (SQLite INTEGER vs PostgreSQL BIGINT) and comments are set
/// aside.
#[test]
fn migrations_are_kept_in_step() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("migrations");
    let list = |dir: &str| {
        let mut names: Vec<String> =
            std::fs::read_dir(root.join(dir)).unwrap().map(|e| e.unwrap().file_name().into_string().unwrap()).collect();
        names.sort();
        names
    };
    let (sqlite, postgres) = (list("sqlite"), list("postgres"));
    assert_eq!(sqlite, postgres);
    let normalise = |dir: &str, name: &str| {
        std::fs::read_to_string(root.join(dir).join(name))
            .unwrap()
            .lines()
            .filter(|l| !l.trim_start().starts_with("--"))
            .collect::<Vec<_>>()
            .join("\n")
            .replace("BIGINT", "INTEGER")
    };
    for name in &sqlite {
        assert_eq!(normalise("sqlite", name), normalise("postgres", name), "{name} differs");
    }
}

#[tokio::test]
async fn two_stores_opening_a_fresh_file_at_once_both_migrate_cleanly() {
    for _ in 0..5 {
        let path = std::env::temp_dir().join(format!("passport-race-{}.db", uuid::Uuid::new_v4()));
        let url = format!("sqlite://{}", path.display());
        let (a, b) = tokio::join!(store::Store::connect(&url), store::Store::connect(&url));
        a.expect("first opener migrates");
        b.expect("second opener waits, then finds the schema current");
        for suffix in store::SQLITE_FILE_SUFFIXES {
            std::fs::remove_file(format!("{}{suffix}", path.display())).ok();
        }
    }
}
