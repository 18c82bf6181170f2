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

#[tokio::test]
async fn sqlite_memory_works() {
    let store = Store::connect("sqlite::memory:").await.unwrap();
    assert!(store.verify_audit().await.unwrap().is_ok());
}
