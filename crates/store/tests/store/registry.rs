//! The registry of organisations.

use domain::org::{NewOrganisation, OrgKind};
use store::testing::each_backend;
use store::{OrgStatus, Page, RegistryScope, StoreError};

use crate::common::{ods, org};

#[tokio::test]
async fn organisations_are_created_found_and_listed() {
    each_backend(|store| async move {
        let (rj1, _) = org(&store, "RJ1").await;
        let (rrk, _) = org(&store, "RRK").await;
        let registry = store.registry();
        assert_eq!(registry.get_organisation(&rj1.id).await.unwrap(), rj1);
        assert_eq!(registry.find_by_ods(&ods("rrk")).await.unwrap(), rrk);
        assert_eq!(rj1.status, OrgStatus::Active);

        let first = registry.list_organisations(&Page::first(1)).await.unwrap();
        assert_eq!(first.items, vec![rj1.clone()]);
        let cursor = first.next.clone().expect("a second page");
        let second = registry.list_organisations(&Page { after: Some(cursor), limit: 1 }).await.unwrap();
        assert_eq!(second.items, vec![rrk]);
        assert_eq!(second.next, None);
    })
    .await;
}

#[tokio::test]
async fn duplicate_ods_code_is_conflict_naming_ods_code() {
    each_backend(|store| async move {
        org(&store, "RTH").await;
        let again = NewOrganisation { ods_code: ods("RTH"), name: "Impostor".to_owned(), kind: OrgKind::Other };
        let err = store.registry().create_organisation(&RegistryScope::system("test"), &again).await.unwrap_err();
        match err {
            StoreError::Conflict { field, .. } => assert_eq!(field, "ods_code"),
            other => panic!("expected conflict, got {other:?}"),
        }
    })
    .await;
}

#[tokio::test]
async fn page_limit_above_500_is_invalid() {
    each_backend(|store| async move {
        let err = store.registry().list_organisations(&Page::first(501)).await.unwrap_err();
        assert!(matches!(err, StoreError::Invalid(ref e) if e.field == "limit"), "{err:?}");
    })
    .await;
}

#[tokio::test]
async fn unknown_organisation_is_not_found() {
    each_backend(|store| async move {
        let err = store.registry().get_organisation("nope").await.unwrap_err();
        assert!(matches!(err, StoreError::NotFound));
    })
    .await;
}
