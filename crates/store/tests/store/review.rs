//! The host's review of an answered presentation request: accepted items become the host's own
//! records (source `passport`, the issuer's ODS code) and count in its compliance; the worker is
//! matched by NI number, date of birth and surname or created; a request is reviewed once, only
//! when answered, and only by its own organisation.

use store::testing::each_backend;
use store::{
    AcceptedItem, BypassedItem, NewPresentationRequest, NewReview, PassportRecord, ReviewDecision, Source, StoreError,
};

use crate::common::*;

async fn answered(ds: &store::Dataset<'_>, state: &str) -> String {
    let new = NewPresentationRequest { role_code: "BANK-HCA", state, request_doc: "{}", expires_at: 4_000_000_000 };
    let id = ds.create_presentation_request(&new).await.unwrap();
    ds.record_presentation_result(&id, &format!("vp-{state}"), r#"{"ready":true}"#).await.unwrap();
    id
}

fn accepted_dbs() -> AcceptedItem {
    AcceptedItem {
        requirement: "check:criminal_record".into(),
        issuer_ods: "RJ1".into(),
        credential_id: "https://a.example/statuslists/RJ1/1#0".into(),
        expires_on: None,
        records: vec![PassportRecord::Check(dbs_check("2025-11-02"))],
    }
}

fn review<'a>(request_id: &'a str, worker: &'a domain::person::Person) -> NewReview<'a> {
    NewReview {
        request_id,
        worker,
        accepted: vec![accepted_dbs()],
        bypassed: vec![BypassedItem { requirement: "immunisation:hepatitis_b".into(), reason: "booked".into() }],
        applicant: None,
    }
}

#[tokio::test]
async fn a_review_records_accepted_items_with_provenance_and_is_made_once() {
    each_backend(|store| async move {
        let (_, host) = org(&store, "RRK").await;
        let (_, other) = org(&store, "RJ2").await;
        let ds = store.dataset(&host);
        let worker = person(1);
        let pending =
            NewPresentationRequest { role_code: "R", state: "s-0", request_doc: "{}", expires_at: 4_000_000_000 };
        let unanswered = ds.create_presentation_request(&pending).await.unwrap();
        assert!(
            matches!(ds.record_review(&review(&unanswered, &worker)).await, Err(StoreError::Invalid(e)) if e.field == "request")
        );

        let id = &answered(&ds, "s-1").await;
        // Another organisation cannot review it, nor read the review.
        assert!(matches!(store.dataset(&other).record_review(&review(id, &worker)).await, Err(StoreError::NotFound)));
        let made = ds.record_review(&review(id, &worker)).await.unwrap();
        assert!(made.person_created);
        assert!(matches!(store.dataset(&other).get_review(id).await, Err(StoreError::NotFound)));
        assert_eq!(ds.get_review(id).await.unwrap(), made);
        let accepted = made.items.iter().find(|i| i.decision == ReviewDecision::Accepted).unwrap();
        assert_eq!(accepted.record_ids.len(), 1);
        let checks = ds.list_checks(&made.person_id).await.unwrap();
        assert_eq!(checks.len(), 1);
        assert_eq!(checks[0].id, accepted.record_ids[0]);
        assert_eq!(checks[0].provenance.source, Source::Passport { issuer_ods: Some("RJ1".into()) });
        // Once only.
        assert!(matches!(ds.record_review(&review(id, &worker)).await, Err(StoreError::Conflict { .. })));

        // A second request for the same worker matches them.
        let second = &answered(&ds, "s-2").await;
        let again = ds.record_review(&review(second, &worker)).await.unwrap();
        assert_eq!((again.person_id.as_str(), again.person_created), (made.person_id.as_str(), false));
        // The same NI number with another surname is not matched silently.
        let third = &answered(&ds, "s-3").await;
        let mut impostor = person(1);
        impostor.family_name = "Smith".into();
        let refused = ds
            .record_review(&NewReview { request_id: third, worker: &impostor, accepted: vec![], bypassed: vec![], applicant: None })
            .await;
        assert!(matches!(refused, Err(StoreError::Invalid(e)) if e.field == "worker"));
    })
    .await;
}
