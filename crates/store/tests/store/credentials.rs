//! The credential ledger: status list indexes, sources, status changes, automatic revocation when a
//! source record is replaced or deleted, and issuer keys. The store signs nothing, so the issuing
//! closure here returns a placeholder instead of an SD-JWT.

use chrono::Utc;
use domain::assignment::AssignmentStatus;
use store::testing::each_backend;
use store::{CredentialStatus, Dataset, IssueOutcome, IssuedCredential, NewKey, Page, StoreError, oh_source_id};

use crate::common::*;

fn key(kid: &str) -> NewKey<'_> {
    NewKey { kid, alg: "ES256", material: b"not a real key", kek_id: "kek-test", public_jwk: r#"{"kty":"EC"}"# }
}

/// Issues a credential resting on `sources`; returns the ledger entry and the closure's output.
async fn issue(ds: &Dataset<'_>, person_id: &str, sources: &[&str]) -> (IssuedCredential, String) {
    let sources: Vec<String> = sources.iter().map(|s| s.to_string()).collect();
    ds.issue_credential(person_id, |slot| {
        assert_eq!(slot.key.material(), b"not a real key");
        assert_eq!(slot.key.kek_id(), Some("kek-test"));
        Ok::<_, StoreError>(IssueOutcome {
            credential_type: "criminal_record".into(),
            vct: "https://x.test/vct/staff-passport/dbs".into(),
            sources,
            issued_at: Utc::now(),
            expires_at: None,
            value: format!("signed {} at {}/{}", slot.sources.person.value.family_name, slot.list_id, slot.index),
        })
    })
    .await
    .unwrap()
}

#[tokio::test]
async fn issuing_allocates_increasing_indexes_and_records_sources() {
    each_backend(|store| async move {
        let (org, a) = org(&store, "RJ1").await;
        let ds = store.dataset(&a);
        let p = ds.create_person(&person(1)).await.unwrap();
        let refused = ds
            .issue_credential(&p.id, |_| -> Result<IssueOutcome<()>, StoreError> { unreachable!("no key yet") })
            .await
            .unwrap_err();
        assert!(matches!(refused, StoreError::Invalid(ref f) if f.field == "issuer_key"), "{refused:?}");
        store.issuing().install_first_key(&org.id, &key("k1")).await.unwrap();
        let again = store.issuing().install_first_key(&org.id, &key("k2")).await;
        assert!(matches!(again, Err(StoreError::Conflict { .. })), "{again:?}");

        let check = ds.add_check(&p.id, &dbs_check("2025-01-10")).await.unwrap();
        let (first, text) = issue(&ds, &p.id, &[&check.id]).await;
        assert_eq!((first.list_id, first.status_index, first.kid.as_str()), (1, 0, "k1"));
        assert_eq!(text, "signed Okafor001 at 1/0");
        let (second, _) = issue(&ds, &p.id, &[&check.id]).await;
        assert_eq!(second.status_index, 1);

        // A closure that fails leaves nothing behind.
        let failed = ds
            .issue_credential(&p.id, |_| -> Result<IssueOutcome<()>, StoreError> {
                Err(StoreError::invalid("type", "nothing to vouch for"))
            })
            .await;
        assert!(failed.is_err());
        let listed = ds.list_credentials(&p.id).await.unwrap();
        assert_eq!(listed.len(), 2);
        assert_eq!(listed[0].sources, std::slice::from_ref(&check.id));
        assert_eq!(listed[0].status, CredentialStatus::Valid);
        let (third, _) = issue(&ds, &p.id, &[]).await;
        assert!(third.status_index > second.status_index, "indexes only go up");

        let list = store.issuing().status_list(&org.id, 1).await.unwrap().unwrap();
        assert!(list.entries.is_empty());
        assert_eq!(list.size, store::STATUS_LIST_SIZE);
        assert!(store.issuing().status_list(&org.id, 2).await.unwrap().is_none());

        // Another organisation sees none of it.
        let (_, b) = crate::common::org(&store, "RRK").await;
        assert!(matches!(store.dataset(&b).get_credential(&first.id).await, Err(StoreError::NotFound)));
        assert!(matches!(
            store.dataset(&b).set_credential_status(&first.id, CredentialStatus::Revoked, None).await,
            Err(StoreError::NotFound)
        ));
    })
    .await;
}

#[tokio::test]
async fn replacing_or_deleting_a_source_revokes_what_rests_on_it() {
    each_backend(|store| async move {
        let (org, a) = org(&store, "RJ1").await;
        store.issuing().install_first_key(&org.id, &key("k1")).await.unwrap();
        let ds = store.dataset(&a);
        let p = ds.create_person(&person(1)).await.unwrap();
        let check = ds.add_check(&p.id, &dbs_check("2025-01-10")).await.unwrap();
        let fire = ds.add_competence(&p.id, &fire_safety("2025-03-01")).await.unwrap();
        let flu = ds.add_immunisation(&p.id, &flu_vaccine("2025-10-01")).await.unwrap();
        let job = ds.add_assignment(&p.id, &applicant("NUR")).await.unwrap();
        ds.set_oh_clearance(&p.id, &oh_clearance("2025-10-01")).await.unwrap();
        let oh = oh_source_id(&p.id);

        let (on_check, _) = issue(&ds, &p.id, &[&check.id]).await;
        let (on_training, _) = issue(&ds, &p.id, &[&fire.id]).await;
        let (on_health, _) = issue(&ds, &p.id, &[&flu.id, &oh]).await;
        let (on_job, _) = issue(&ds, &p.id, &[&job.id]).await;
        let (on_oh, _) = issue(&ds, &p.id, &[&oh]).await;
        let status = |id: String| async move { ds.get_credential(&id).await.unwrap().status };

        ds.update_check(&check.id, &dbs_check("2025-02-10")).await.unwrap();
        assert_eq!(status(on_check.id.clone()).await, CredentialStatus::Revoked);
        assert_eq!(status(on_training.id.clone()).await, CredentialStatus::Valid, "unrelated credential untouched");

        ds.delete_competence(&fire.id).await.unwrap();
        assert_eq!(status(on_training.id.clone()).await, CredentialStatus::Revoked);

        ds.set_oh_clearance(&p.id, &oh_clearance("2025-11-01")).await.unwrap();
        assert_eq!(status(on_health.id.clone()).await, CredentialStatus::Revoked);
        assert_eq!(status(on_oh.id.clone()).await, CredentialStatus::Revoked);

        ds.transition_assignment(&job.id, AssignmentStatus::Active, date("2026-01-05")).await.unwrap();
        assert_eq!(status(on_job.id.clone()).await, CredentialStatus::Revoked, "any change to the assignment");

        let reason = ds.get_credential(&on_check.id).await.unwrap().status_reason.unwrap();
        assert!(reason.contains("replaced"), "{reason}");
        let list = store.issuing().status_list(&org.id, 1).await.unwrap().unwrap();
        let mut revoked: Vec<i64> = list.entries.iter().map(|(i, _)| *i).collect();
        revoked.sort();
        assert_eq!(revoked, [0, 1, 2, 3, 4]);
        assert!(list.entries.iter().all(|(_, s)| *s == CredentialStatus::Revoked));

        let trail = ds.audit_for_subject(&p.id, &Page { after: None, limit: 200 }).await.unwrap();
        let actions: Vec<&str> = trail.items.iter().map(|e| e.action.as_str()).collect();
        assert_eq!(actions.iter().filter(|a| **a == "credential.issue").count(), 5);
        assert_eq!(actions.iter().filter(|a| **a == "credential.revoke").count(), 5, "{actions:?}");
        assert!(store.verify_audit().await.unwrap().is_ok());
    })
    .await;
}

#[tokio::test]
async fn suspend_reinstate_and_final_revocation() {
    each_backend(|store| async move {
        let (org, a) = org(&store, "RJ1").await;
        store.issuing().install_first_key(&org.id, &key("k1")).await.unwrap();
        let ds = store.dataset(&a);
        let p = ds.create_person(&person(1)).await.unwrap();
        let (c, _) = issue(&ds, &p.id, &[]).await;
        let s = ds.set_credential_status(&c.id, CredentialStatus::Suspended, Some("investigation")).await.unwrap();
        assert_eq!((s.status, s.status_reason.as_deref()), (CredentialStatus::Suspended, Some("investigation")));
        let list = store.issuing().status_list(&org.id, 1).await.unwrap().unwrap();
        assert_eq!(list.entries, [(0, CredentialStatus::Suspended)]);
        assert!(ds.set_credential_status(&c.id, CredentialStatus::Suspended, None).await.is_err());
        ds.set_credential_status(&c.id, CredentialStatus::Valid, None).await.unwrap();
        assert!(store.issuing().status_list(&org.id, 1).await.unwrap().unwrap().entries.is_empty());
        assert!(ds.set_credential_status(&c.id, CredentialStatus::Valid, None).await.is_err(), "not suspended");
        ds.set_credential_status(&c.id, CredentialStatus::Revoked, None).await.unwrap();
        let refused = ds.set_credential_status(&c.id, CredentialStatus::Valid, None).await.unwrap_err();
        assert!(matches!(refused, StoreError::Invalid(ref f) if f.field == "status"), "{refused:?}");
    })
    .await;
}

#[tokio::test]
async fn rotation_retires_the_old_key_and_keeps_it_listed() {
    each_backend(|store| async move {
        let (org, a) = org(&store, "RJ1").await;
        store.issuing().install_first_key(&org.id, &key("k1")).await.unwrap();
        let ds = store.dataset(&a);
        let p = ds.create_person(&person(1)).await.unwrap();
        let (old, _) = issue(&ds, &p.id, &[]).await;
        ds.rotate_issuer_key(&key("k2")).await.unwrap();
        let (new, _) = issue(&ds, &p.id, &[]).await;
        assert_eq!((old.kid.as_str(), new.kid.as_str()), ("k1", "k2"));
        let keys = store.issuing().public_keys(&org.id).await.unwrap();
        assert_eq!(keys.len(), 2);
        assert!(keys.iter().find(|k| k.kid == "k1").unwrap().retired_at.is_some());
        assert!(keys.iter().find(|k| k.kid == "k2").unwrap().retired_at.is_none());
        assert_eq!(store.issuing().all_public_keys().await.unwrap().len(), 2);
        let signing = store.issuing().signing_key(&org.id).await.unwrap().unwrap();
        assert_eq!(signing.kid, "k2");
        assert!(!format!("{signing:?}").contains("not a real key"), "Debug must not show key material");
        assert!(store.issuing().signing_key(store::REGISTRY_CHAIN).await.unwrap().is_none());
    })
    .await;
}

#[tokio::test]
async fn an_imported_clearance_revokes_what_rested_on_the_old_one() {
    each_backend(|store| async move {
        let (org, a) = org(&store, "RJ1").await;
        store.issuing().install_first_key(&org.id, &key("k1")).await.unwrap();
        let ds = store.dataset(&a);
        let p = ds.create_person(&person(1)).await.unwrap();
        let q = ds.create_person(&person(2)).await.unwrap();
        ds.set_oh_clearance(&p.id, &oh_clearance("2025-10-01")).await.unwrap();
        ds.set_oh_clearance(&q.id, &oh_clearance("2025-10-01")).await.unwrap();
        let (on_p, _) = issue(&ds, &p.id, &[&oh_source_id(&p.id)]).await;
        let (on_q, _) = issue(&ds, &q.id, &[&oh_source_id(&q.id)]).await;
        let batch = store::ImportBatch {
            people: vec![],
            records: vec![
                (store::PersonRef::Id(p.id.clone()), store::ImportRecord::OhClearance(oh_clearance("2025-12-01"))),
                (store::PersonRef::Id(q.id.clone()), store::ImportRecord::Competence(fire_safety("2025-12-01"))),
            ],
            checkpoint: None,
            compliance: None,
        };
        ds.import_batch(&batch).await.unwrap();
        assert_eq!(ds.get_credential(&on_p.id).await.unwrap().status, CredentialStatus::Revoked);
        assert_eq!(
            ds.get_credential(&on_q.id).await.unwrap().status,
            CredentialStatus::Valid,
            "a new record revokes nothing"
        );
    })
    .await;
}

#[tokio::test]
async fn a_new_name_revokes_the_holders_credentials_a_new_address_does_not() {
    each_backend(|store| async move {
        let (org, a) = org(&store, "RJ1").await;
        store.issuing().install_first_key(&org.id, &key("k1")).await.unwrap();
        let ds = store.dataset(&a);
        let p = ds.create_person(&person(1)).await.unwrap();
        let (c, _) = issue(&ds, &p.id, &[]).await;
        let mut moved = person(1);
        moved.email = Some("new.address@nhs.net".into());
        ds.update_person(&p.id, &moved).await.unwrap();
        assert_eq!(ds.get_credential(&c.id).await.unwrap().status, CredentialStatus::Valid);
        let mut renamed = moved.clone();
        renamed.family_name = "Okafor-Smith".into();
        ds.update_person(&p.id, &renamed).await.unwrap();
        let after = ds.get_credential(&c.id).await.unwrap();
        assert_eq!(after.status, CredentialStatus::Revoked);
        assert!(after.status_reason.unwrap().contains("name"));
    })
    .await;
}
