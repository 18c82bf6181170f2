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

fn unique() -> String {
    let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_nanos();
    format!("{}-{nanos}", std::process::id())
}

fn passport(args: &[&str], envs: &[(&str, &str)]) -> (bool, String) {
    let output = Command::new(env!("CARGO_BIN_EXE_passport"))
        .args(args)
        .envs(envs.iter().copied())
        .output()
        .expect("run passport");
    let text = format!("{}{}", String::from_utf8_lossy(&output.stdout), String::from_utf8_lossy(&output.stderr));
    (output.status.success(), text)
}

/// Issue 14, finding 5: cut the tail off a chain and rewrite `audit_heads` to match. `audit verify` alone
/// cannot tell; with a checkpoint taken before (signed by the registry key, kept outside the database)
/// it names the chain and the missing entry.
#[tokio::test]
async fn a_truncated_tail_with_a_rewritten_head_is_caught_with_a_checkpoint() {
    let db = TestDb::sqlite().await;
    let store = db.store.clone();
    let new = domain::org::NewOrganisation {
        ods_code: domain::org::OdsCode::parse("RJ1").unwrap(),
        name: "Guy's and St Thomas'".to_owned(),
        kind: domain::org::OrgKind::AcuteTrust,
    };
    let org = store.registry().create_organisation(&RegistryScope::system("test"), &new).await.unwrap();
    let scope = OrgScope::system(org.id.clone(), "test");
    let dataset = store.dataset(&scope);
    for _ in 0..4 {
        dataset.list_people(&store::Page::default()).await.unwrap();
    }
    let dir = std::env::temp_dir().join(format!("passport-checkpoints-{}", unique()));
    std::fs::create_dir(&dir).unwrap();
    let kek = [("PASSPORT_KEY_FILE", dir.join("kek").display().to_string())];
    let kek: Vec<(&str, &str)> = kek.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let dir_text = dir.display().to_string();
    let (ok, out) = passport(&["audit", "checkpoint", "--database-url", db.url(), "--out", &dir_text], &kek);
    assert!(ok, "{out}");
    let checkpoint = out.lines().find(|l| l.ends_with(".jws")).expect("the file written is printed").to_owned();
    let token = std::fs::read_to_string(&checkpoint).unwrap();
    assert_eq!(token.split('.').count(), 3, "a compact JWS");
    let (ok, out) = passport(&["audit", "verify", "--database-url", db.url(), "--checkpoint", &dir_text], &kek);
    assert!(ok && out.contains("intact"), "{out}");

    // The attack: delete the last entry and point the head at the one before.
    let last: i64 = sqlx::query("SELECT MAX(seq) FROM audit_log WHERE org_id = $1")
        .bind(&org.id)
        .fetch_one(store.raw_pool())
        .await
        .unwrap()
        .try_get(0)
        .unwrap();
    let before: String = sqlx::query("SELECT hash FROM audit_log WHERE org_id = $1 AND seq = $2")
        .bind(&org.id)
        .bind(last - 1)
        .fetch_one(store.raw_pool())
        .await
        .unwrap()
        .try_get(0)
        .unwrap();
    sqlx::query("DELETE FROM audit_log WHERE org_id = $1 AND seq = $2")
        .bind(&org.id)
        .bind(last)
        .execute(store.raw_pool())
        .await
        .unwrap();
    sqlx::query("UPDATE audit_heads SET seq = $2, hash = $3 WHERE org_id = $1")
        .bind(&org.id)
        .bind(last - 1)
        .bind(&before)
        .execute(store.raw_pool())
        .await
        .unwrap();
    let (ok, out) = verify(db.url());
    assert!(ok, "without a checkpoint the cut is invisible (the finding): {out}");
    let (ok, out) = passport(&["audit", "verify", "--database-url", db.url(), "--checkpoint", &checkpoint], &kek);
    assert!(!ok, "truncation went unnoticed: {out}");
    assert!(out.contains("RJ1") && out.contains(&format!("entry #{last}")) && out.contains("truncated"), "{out}");

    // A forged checkpoint (signature broken) is refused, not trusted.
    let mut forged = token.trim().to_owned();
    forged.truncate(forged.len() - 4);
    forged.push_str("AAAA");
    let forged_path = dir.join("forged.jws");
    std::fs::write(&forged_path, forged).unwrap();
    let (ok, out) = passport(
        &["audit", "verify", "--database-url", db.url(), "--checkpoint", &forged_path.display().to_string()],
        &kek,
    );
    assert!(!ok && out.contains("not valid"), "{out}");
    std::fs::remove_dir_all(dir).ok();
    db.cleanup().await;
}

/// Issue 14 finding 5, issue 15 item 5: a mistyped path is refused, naming the file, and nothing is created.
#[test]
fn audit_verify_and_verify_refuse_a_database_that_does_not_exist() {
    let dir = std::env::temp_dir().join(format!("passport-missing-{}", unique()));
    std::fs::create_dir(&dir).unwrap();
    let url = format!("sqlite://{}/pasport.db", dir.display());
    let (ok, out) = passport(&["audit", "verify", "--database-url", &url], &[]);
    assert!(!ok, "{out}");
    assert!(out.contains("pasport.db") && out.contains("does not exist"), "{out}");
    let presentation = dir.join("p.txt");
    std::fs::write(&presentation, "x~").unwrap();
    let p = presentation.display().to_string();
    let (ok, out) = passport(&["verify", "--database-url", &url, "--presentation", &p], &[]);
    assert!(!ok, "{out}");
    assert!(out.contains("pasport.db") && out.contains("does not exist"), "{out}");
    let (ok, out) =
        passport(&["audit", "checkpoint", "--database-url", &url, "--out", &dir.display().to_string()], &[]);
    assert!(!ok && out.contains("does not exist"), "{out}");
    let left: Vec<_> = std::fs::read_dir(&dir).unwrap().map(|e| e.unwrap().file_name()).collect();
    assert_eq!(left, vec![std::ffi::OsString::from("p.txt")], "nothing created");
    std::fs::remove_dir_all(dir).ok();
}
