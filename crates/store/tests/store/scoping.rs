//! Tenancy: one organisation's scope never sees another's rows, by id or by list.

use store::testing::each_backend;
use store::{Page, StoreError};

use crate::common::{org, person};

#[tokio::test]
async fn cross_org_read_update_and_list_are_not_found_or_empty() {
    each_backend(|store| async move {
        let (_, a) = org(&store, "RJ1").await;
        let (_, b) = org(&store, "RRK").await;
        let theirs = store.dataset(&a).create_person(&person(1)).await.unwrap();
        let ds_b = store.dataset(&b);

        assert!(matches!(ds_b.get_person(&theirs.id).await, Err(StoreError::NotFound)));
        assert!(matches!(ds_b.update_person(&theirs.id, &person(9)).await, Err(StoreError::NotFound)));
        let ni = person(1).ni_number.unwrap();
        assert!(matches!(ds_b.find_person_by_ni(&ni).await, Err(StoreError::NotFound)));
        assert!(ds_b.list_people(&Page::default()).await.unwrap().items.is_empty());
        // A cursor from A's list gives B nothing either.
        let page = Page { after: Some(theirs.id.clone()), limit: 10 };
        assert!(ds_b.list_people(&page).await.unwrap().items.is_empty());
        assert!(matches!(ds_b.audit_for_subject(&theirs.id, &Page::default()).await, Err(StoreError::NotFound)));

        // A's record is untouched.
        assert_eq!(store.dataset(&a).get_person(&theirs.id).await.unwrap().value, person(1));
    })
    .await;
}

#[tokio::test]
async fn missing_and_foreign_ids_fail_the_same_way() {
    each_backend(|store| async move {
        let (_, a) = org(&store, "RJ1").await;
        let (_, b) = org(&store, "RRK").await;
        let theirs = store.dataset(&a).create_person(&person(1)).await.unwrap();
        let foreign = store.dataset(&b).get_person(&theirs.id).await.unwrap_err();
        let missing = store.dataset(&b).get_person("no-such-id").await.unwrap_err();
        assert_eq!(foreign.to_string(), missing.to_string());
    })
    .await;
}

#[tokio::test]
async fn transfer_match_finds_other_organisations_records_and_audits_both_sides() {
    each_backend(|store| async move {
        let (rrk, b) = org(&store, "RRK").await;
        let (_, c) = org(&store, "RTH").await;
        let (_, a) = org(&store, "RJ1").await;
        let earlier = store.dataset(&b).create_person(&person(1)).await.unwrap();
        // Same NI number, different date of birth: not the same person.
        let mut other_dob = person(1);
        other_dob.date_of_birth = "1991-01-01".parse().unwrap();
        store.dataset(&c).create_person(&other_dob).await.unwrap();
        let applicant = store.dataset(&a).create_person(&person(1)).await.unwrap();

        let found = store.dataset(&a).transfer_matches(&applicant.id).await.unwrap();
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].ods_code.as_str(), "RRK");
        assert_eq!((found[0].org_id.as_str(), found[0].person_id.as_str()), (rrk.id.as_str(), earlier.id.as_str()));

        // The matched organisation can see who looked at its person, and from where.
        let trail = store.dataset(&b).audit_for_subject(&earlier.id, &Page::default()).await.unwrap().items;
        let looked = trail.iter().find(|e| e.action == "iat.matched").expect("audited at the source");
        assert_eq!(looked.actor, "iat:RJ1:system:test");
        let mine = store.dataset(&a).audit_for_subject(&applicant.id, &Page::default()).await.unwrap().items;
        assert!(mine.iter().any(|e| e.action == "iat.match"));
        assert!(store.verify_audit().await.unwrap().is_ok());

        // Someone else's person id is not an applicant of mine.
        assert!(matches!(store.dataset(&a).transfer_matches(&earlier.id).await, Err(StoreError::NotFound)));
    })
    .await;
}
