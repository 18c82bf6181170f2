//! `passport audit verify` finds an audit row edited behind the application's back and names it.

use std::process::Command;

use sqlx::Row;
use store::testing::TestDb;
use store::{OrgScope, RegistryScope};

fn verify(url: &str) -> (bool, String) {
    let output = Command::new(env!("CARGO_BIN_EXE_passport"))
        .args(["audit", "verify", "--database-url", url])
        .output()
        .expect("run passport audit verify");
    (output.status.success(), String::from_utf8_lossy(&output.stdout).into_owned())
}

#[tokio::test]
async fn an_edited_audit_row_is_named_by_audit_verify() {
    let db = TestDb::sqlite().await;
    let store = db.store.clone();
    let new = domain::org::NewOrganisation {
        ods_code: domain::org::OdsCode::parse("RJ1").unwrap(),
        name: "Guy's and St Thomas'".to_owned(),
        kind: domain::org::OrgKind::AcuteTrust,
    };
    let org = store.registry().create_organisation(&RegistryScope::system("test"), &new).await.unwrap();
    let scope = OrgScope::system(org.id.clone(), "test");
    let person: domain::person::Person = serde_json::from_value(serde_json::json!({
        "given_name": "Amara", "family_name": "Okafor", "date_of_birth": "1988-03-14", "ni_number": "AB123456C"
    }))
    .unwrap();
    let dataset = store.dataset(&scope);
    let id = dataset.create_person(&person).await.unwrap().id;
    for _ in 0..3 {
        dataset.get_person(&id).await.unwrap();
    }

    let (ok, out) = verify(db.url());
    assert!(ok, "intact trail reported broken: {out}");
    assert!(out.contains("intact"), "{out}");

    // Rewrite who read the record in the third entry of the organisation's chain.
    let row = sqlx::query("SELECT seq FROM audit_log WHERE org_id = $1 ORDER BY seq LIMIT 1 OFFSET 2")
        .bind(&org.id)
        .fetch_one(store.raw_pool())
        .await
        .unwrap();
    let seq: i64 = row.try_get(0).unwrap();
    sqlx::query("UPDATE audit_log SET actor = 'user:nobody' WHERE org_id = $1 AND seq = $2")
        .bind(&org.id)
        .bind(seq)
        .execute(store.raw_pool())
        .await
        .unwrap();

    let (ok, out) = verify(db.url());
    assert!(!ok, "tampering went unnoticed: {out}");
    assert!(out.contains(&format!("entry #{seq}")), "the edited entry #{seq} is not named: {out}");
    assert!(out.contains("RJ1"), "the chain's organisation is not named: {out}");
    db.cleanup().await;
}
