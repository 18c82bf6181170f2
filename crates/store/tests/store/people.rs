//! People: CRUD, paging, NI number uniqueness.

use store::testing::each_backend;
use store::{Page, Source, StoreError};

use crate::common::{org, person};

#[tokio::test]
async fn person_is_created_read_updated() {
    each_backend(|store| async move {
        let (_, scope) = org(&store, "RJ1").await;
        let ds = store.dataset(&scope);
        let created = ds.create_person(&person(1)).await.unwrap();
        assert_eq!(created.provenance.recorded_by, "system:test");
        assert_eq!(created.provenance.source, Source::Local);

        let read = ds.get_person(&created.id).await.unwrap();
        assert_eq!(read.value, person(1));
        assert_eq!(read.id, created.id);

        let mut changed = person(1);
        changed.family_name = "Okafor-Smith".to_owned();
        let updated = ds.update_person(&created.id, &changed).await.unwrap();
        assert_eq!(updated.value.family_name, "Okafor-Smith");
        assert_eq!(ds.get_person(&created.id).await.unwrap().value, changed);

        let ni = person(1).ni_number.unwrap();
        assert_eq!(ds.find_person_by_ni(&ni).await.unwrap().id, created.id);
        let dob = person(1).date_of_birth;
        assert_eq!(ds.find_person_by_ni_dob(&ni, dob).await.unwrap().id, created.id);
        let other_dob = dob.succ_opt().unwrap();
        assert!(matches!(ds.find_person_by_ni_dob(&ni, other_dob).await, Err(StoreError::NotFound)));
    })
    .await;
}

#[tokio::test]
async fn duplicate_ni_number_in_one_organisation_is_conflict_naming_ni_number() {
    each_backend(|store| async move {
        let (_, a) = org(&store, "RJ1").await;
        let (_, b) = org(&store, "RRK").await;
        store.dataset(&a).create_person(&person(1)).await.unwrap();
        // The same person may be employed by another organisation too.
        store.dataset(&b).create_person(&person(1)).await.unwrap();
        let err = store.dataset(&a).create_person(&person(1)).await.unwrap_err();
        match err {
            StoreError::Conflict { field, .. } => assert_eq!(field, "ni_number"),
            other => panic!("expected conflict, got {other:?}"),
        }
        // Also on update.
        let second = store.dataset(&a).create_person(&person(2)).await.unwrap();
        let err = store.dataset(&a).update_person(&second.id, &person(1)).await.unwrap_err();
        assert!(matches!(err, StoreError::Conflict { ref field, .. } if field == "ni_number"));
    })
    .await;
}

#[tokio::test]
async fn people_without_ni_number_may_coexist() {
    each_backend(|store| async move {
        let (_, a) = org(&store, "RJ1").await;
        let ds = store.dataset(&a);
        for n in 0..2 {
            let mut p = person(n);
            p.ni_number = None;
            ds.create_person(&p).await.unwrap();
        }
    })
    .await;
}

#[tokio::test]
async fn people_are_listed_by_family_name_in_pages() {
    each_backend(|store| async move {
        let (_, a) = org(&store, "RJ1").await;
        let ds = store.dataset(&a);
        for n in [5, 3, 1, 4, 2] {
            ds.create_person(&person(n)).await.unwrap();
        }
        let mut names = vec![];
        let mut page = Page::first(2);
        loop {
            let got = ds.list_people(&page).await.unwrap();
            assert!(got.items.len() <= 2);
            names.extend(got.items.into_iter().map(|r| r.value.family_name));
            match got.next {
                Some(next) => page.after = Some(next),
                None => break,
            }
        }
        let want: Vec<String> = (1..=5).map(|n| format!("Okafor{n:03}")).collect();
        assert_eq!(names, want);
    })
    .await;
}

#[tokio::test]
async fn imported_scope_stamps_provenance() {
    each_backend(|store| async move {
        let (_, a) = org(&store, "RJ1").await;
        let iat = a.clone().with_source(Source::Iat { from_ods: "RRK".to_owned() });
        let rec = store.dataset(&iat).create_person(&person(1)).await.unwrap();
        let read = store.dataset(&a).get_person(&rec.id).await.unwrap();
        assert_eq!(read.provenance.source, Source::Iat { from_ods: "RRK".to_owned() });
        assert_eq!(read.provenance, rec.provenance);
    })
    .await;
}
