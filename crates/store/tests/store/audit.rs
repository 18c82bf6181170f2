//! The audit trail: appended on reads and writes, verified, tamper detected.

use store::testing::each_backend;
use store::{Page, Store};

use crate::common::{org, person};

/// Runs a raw statement, bypassing the store (what an attacker with database access could do).
async fn tamper(store: &Store, sql: &str) {
    sqlx::query(sql).execute(store.raw_pool()).await.unwrap();
}

#[tokio::test]
async fn reads_and_writes_of_a_person_are_audited_with_the_actor() {
    each_backend(|store| async move {
        let (_, a) = org(&store, "RJ1").await;
        let ds = store.dataset(&a);
        let p = ds.create_person(&person(1)).await.unwrap();
        ds.get_person(&p.id).await.unwrap();
        ds.update_person(&p.id, &person(1)).await.unwrap();

        let trail = ds.audit_for_subject(&p.id, &Page::default()).await.unwrap().items;
        let actions: Vec<&str> = trail.iter().map(|e| e.action.as_str()).collect();
        assert_eq!(actions, ["person.update", "person.read", "person.create"]);
        assert!(trail.iter().all(|e| e.actor == "system:test" && e.org_id == a.org_id()));
        // Reading the trail is itself recorded.
        let again = ds.audit_for_subject(&p.id, &Page::first(1)).await.unwrap();
        assert_eq!(again.items[0].action, "audit.read");
        assert!(again.next.is_some());
    })
    .await;
}

#[tokio::test]
async fn failed_lookups_leave_no_audit_entry_and_chain_verifies() {
    each_backend(|store| async move {
        let (_, a) = org(&store, "RJ1").await;
        let ds = store.dataset(&a);
        let p = ds.create_person(&person(1)).await.unwrap();
        ds.list_people(&Page::default()).await.unwrap();
        assert!(ds.get_person("missing").await.is_err());
        let report = store.verify_audit().await.unwrap();
        assert!(report.is_ok(), "{report:?}");
        // registry: org create; org chain: org create, person create, person list.
        assert_eq!(report.entries_checked, 4);
        let trail = ds.audit_for_subject(&p.id, &Page::default()).await.unwrap();
        assert_eq!(trail.items.len(), 1);
    })
    .await;
}

async fn three_entries(store: &Store) -> String {
    let (_, a) = org(store, "RJ1").await;
    let ds = store.dataset(&a);
    let p = ds.create_person(&person(1)).await.unwrap();
    ds.get_person(&p.id).await.unwrap();
    ds.get_person(&p.id).await.unwrap();
    assert!(store.verify_audit().await.unwrap().is_ok());
    a.org_id().to_owned()
}

#[tokio::test]
async fn edited_audit_row_is_named() {
    each_backend(|store| async move {
        let org_id = three_entries(&store).await;
        tamper(
            &store,
            &format!("UPDATE audit_log SET actor = 'user:someone-else' WHERE org_id = '{org_id}' AND seq = 2"),
        )
        .await;
        let bad = store.verify_audit().await.unwrap().first_bad.expect("tamper detected");
        assert_eq!((bad.org_id.as_str(), bad.seq), (org_id.as_str(), 2));
        assert_eq!(bad.ods_code.as_deref(), Some("RJ1"));
        assert!(bad.reason.contains("altered"), "{}", bad.reason);
    })
    .await;
}

#[tokio::test]
async fn deleted_audit_row_is_named() {
    each_backend(|store| async move {
        let org_id = three_entries(&store).await;
        tamper(&store, &format!("DELETE FROM audit_log WHERE org_id = '{org_id}' AND seq = 2")).await;
        let bad = store.verify_audit().await.unwrap().first_bad.expect("gap detected");
        assert_eq!((bad.org_id.as_str(), bad.seq), (org_id.as_str(), 2));
        assert!(bad.reason.contains("missing"), "{}", bad.reason);
    })
    .await;
}

#[tokio::test]
async fn deleted_last_audit_row_is_named() {
    each_backend(|store| async move {
        let org_id = three_entries(&store).await;
        tamper(&store, &format!("DELETE FROM audit_log WHERE org_id = '{org_id}' AND seq = 4")).await;
        let bad = store.verify_audit().await.unwrap().first_bad.expect("truncation detected");
        assert_eq!((bad.org_id.as_str(), bad.seq), (org_id.as_str(), 4));
    })
    .await;
}

#[tokio::test]
async fn edited_and_rehashed_row_is_named() {
    each_backend(|store| async move {
        let org_id = three_entries(&store).await;
        // Changing the hash column alone (as if recomputed after an edit) breaks the successor link.
        tamper(
            &store,
            &format!("UPDATE audit_log SET hash = '{}' WHERE org_id = '{org_id}' AND seq = 2", "ab".repeat(32)),
        )
        .await;
        let bad = store.verify_audit().await.unwrap().first_bad.expect("detected");
        assert_eq!(bad.seq, 2, "{bad:?}");
    })
    .await;
}

#[tokio::test]
async fn swapped_audit_rows_are_detected() {
    each_backend(|store| async move {
        let org_id = three_entries(&store).await;
        for sql in [
            format!("UPDATE audit_log SET seq = 100 WHERE org_id = '{org_id}' AND seq = 2"),
            format!("UPDATE audit_log SET seq = 2 WHERE org_id = '{org_id}' AND seq = 3"),
            format!("UPDATE audit_log SET seq = 3 WHERE org_id = '{org_id}' AND seq = 100"),
        ] {
            tamper(&store, &sql).await;
        }
        let bad = store.verify_audit().await.unwrap().first_bad.expect("detected");
        assert_eq!(bad.seq, 2, "{bad:?}");
    })
    .await;
}

#[tokio::test]
async fn concurrent_writers_keep_one_unbroken_chain() {
    each_backend(|store| async move {
        let (_, a) = org(&store, "RJ1").await;
        let mut tasks = vec![];
        for n in 0..16 {
            let store = store.clone();
            let a = a.clone();
            tasks.push(tokio::spawn(async move {
                let ds = store.dataset(&a);
                let p = ds.create_person(&person(n)).await.unwrap();
                ds.get_person(&p.id).await.unwrap();
            }));
        }
        for t in tasks {
            t.await.unwrap();
        }
        let report = store.verify_audit().await.unwrap();
        assert!(report.is_ok(), "{report:?}");
        assert_eq!(report.entries_checked, 2 + 32);
    })
    .await;
}

/// Finding 5 of issue 14: an attacker with database access cuts the tail off a chain and rewrites
/// `audit_heads` to match. The chain alone then verifies; a checkpoint taken before does not.
#[tokio::test]
async fn truncated_tail_with_rewritten_head_is_caught_by_a_checkpoint() {
    each_backend(|store| async move {
        let org_id = three_entries(&store).await;
        let checkpoint = store.audit_heads().await.unwrap();
        let head = checkpoint.iter().find(|h| h.chain == org_id).expect("org chain in checkpoint");
        assert_eq!(head.seq, 4);
        assert!(head.at.is_some());
        assert!(store.verify_audit_against(&checkpoint).await.unwrap().is_ok());

        let (seq3_hash,): (String,) =
            sqlx::query_as(&format!("SELECT hash FROM audit_log WHERE org_id = '{org_id}' AND seq = 3"))
                .fetch_one(store.raw_pool())
                .await
                .unwrap();
        tamper(&store, &format!("DELETE FROM audit_log WHERE org_id = '{org_id}' AND seq = 4")).await;
        tamper(&store, &format!("UPDATE audit_heads SET seq = 3, hash = '{seq3_hash}' WHERE org_id = '{org_id}'"))
            .await;
        assert!(store.verify_audit().await.unwrap().is_ok(), "without an anchor the cut is invisible");

        let bad = store.verify_audit_against(&checkpoint).await.unwrap().first_bad.expect("truncation detected");
        assert_eq!((bad.org_id.as_str(), bad.seq), (org_id.as_str(), 4));
        assert!(bad.reason.contains("truncated") && bad.reason.contains("#3"), "{}", bad.reason);
        assert_eq!(bad.ods_code.as_deref(), Some("RJ1"));
    })
    .await;
}

/// A tail rewritten consistently (entries replaced and re-chained, head to match) keeps every
/// link valid; the checkpointed entry's hash no longer matches.
#[tokio::test]
async fn rewritten_tail_is_caught_by_a_checkpoint() {
    each_backend(|store| async move {
        let org_id = three_entries(&store).await;
        let checkpoint = store.audit_heads().await.unwrap();
        let head = checkpoint.iter().find(|h| h.chain == org_id).unwrap().clone();
        // Replace the last entry by one that claims another action: re-hash it as the store would
        // by writing it through the store (delete, rewind the head, append anew).
        let (seq3_hash,): (String,) =
            sqlx::query_as(&format!("SELECT hash FROM audit_log WHERE org_id = '{org_id}' AND seq = 3"))
                .fetch_one(store.raw_pool())
                .await
                .unwrap();
        tamper(&store, &format!("DELETE FROM audit_log WHERE org_id = '{org_id}' AND seq = 4")).await;
        tamper(&store, &format!("UPDATE audit_heads SET seq = 3, hash = '{seq3_hash}' WHERE org_id = '{org_id}'"))
            .await;
        let scope = store::OrgScope::system(org_id.clone(), "rewrite");
        store.dataset(&scope).list_people(&Page::default()).await.unwrap();
        assert!(store.verify_audit().await.unwrap().is_ok(), "the rewritten chain is self-consistent");

        let bad = store.verify_audit_against(&checkpoint).await.unwrap().first_bad.expect("rewrite detected");
        assert_eq!((bad.org_id.as_str(), bad.seq), (org_id.as_str(), head.seq));
        assert!(bad.reason.contains("rewritten"), "{}", bad.reason);
        // Growth since the checkpoint is fine.
        let fresh = store.audit_heads().await.unwrap();
        store.dataset(&scope).list_people(&Page::default()).await.unwrap();
        assert!(store.verify_audit_against(&fresh).await.unwrap().is_ok());
    })
    .await;
}
