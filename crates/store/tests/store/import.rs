//! Bulk import: batches, skips, checkpoints, audit.

use domain::compliance::PersonRecord;
use store::testing::each_backend;
use store::{Checkpoint, ImportBatch, ImportRecord, Page, PersonRef};

use crate::common::*;

fn full_record(n: u32) -> PersonRecord {
    PersonRecord {
        person: person(n),
        assignments: vec![applicant("NUR-B5")],
        checks: vec![dbs_check("2025-01-10")],
        competences: vec![fire_safety("2025-03-01"), fire_safety("2023-03-01")],
        immunisations: vec![flu_vaccine("2025-10-01")],
        oh_clearance: Some(oh_clearance("2025-01-01")),
    }
}

#[tokio::test]
async fn batch_loads_people_with_records_and_skips_existing_ni_numbers() {
    each_backend(|store| async move {
        let (_, a) = org(&store, "RJ1").await;
        let ds = store.dataset(&a);
        let existing = ds.create_person(&person(2)).await.unwrap();

        let batch = ImportBatch {
            people: vec![full_record(1), full_record(2), full_record(3)],
            records: vec![
                (PersonRef::Id(existing.id.clone()), ImportRecord::Competence(fire_safety("2025-05-01"))),
                (PersonRef::Ni(person(2).ni_number.unwrap()), ImportRecord::OhClearance(oh_clearance("2025-02-02"))),
                (PersonRef::Id("nobody".to_owned()), ImportRecord::Check(dbs_check("2025-01-10"))),
                (PersonRef::Ni(person(99).ni_number.unwrap()), ImportRecord::Check(dbs_check("2025-01-10"))),
            ],
            checkpoint: Some(Checkpoint { source: "staff.csv".to_owned(), position: 42 }),
            compliance: None,
        };
        let report = ds.import_batch(&batch).await.unwrap();
        assert!(report.people[0].is_some() && report.people[1].is_none() && report.people[2].is_some());
        assert_eq!(report.unknown_people, vec![2, 3]);
        assert_eq!(report.records_inserted, 2 * 6 + 2);
        assert_eq!(ds.import_checkpoint("staff.csv").await.unwrap(), Some(42));
        assert_eq!(ds.import_checkpoint("other.csv").await.unwrap(), None);

        let one = ds.person_record(report.people[0].as_ref().unwrap()).await.unwrap();
        assert_eq!(one.value, full_record(1));
        let two = ds.person_record(&existing.id).await.unwrap();
        assert_eq!(two.value.competences, vec![fire_safety("2025-05-01")]);
        assert_eq!(two.value.oh_clearance, Some(oh_clearance("2025-02-02")));
        assert!(two.value.checks.is_empty(), "the skipped duplicate's records were not attached");

        let mut total = 0;
        let mut page = Page::first(500);
        loop {
            let got = ds.person_records(&page).await.unwrap();
            total += got.items.len();
            match got.next {
                Some(n) => page.after = Some(n),
                None => break,
            }
        }
        assert_eq!(total, 3);

        // Each imported or touched person has an audit entry, and the bulk-appended chain verifies.
        let trail = ds.audit_for_subject(&existing.id, &Page::default()).await.unwrap().items;
        assert!(trail.iter().any(|e| e.action == "records.import"));
        let report = store.verify_audit().await.unwrap();
        assert!(report.is_ok(), "{report:?}");
    })
    .await;
}

#[tokio::test]
async fn rerunning_a_committed_batch_adds_no_people() {
    each_backend(|store| async move {
        let (_, a) = org(&store, "RJ1").await;
        let ds = store.dataset(&a);
        let batch = ImportBatch { people: (0..50).map(full_record).collect(), ..Default::default() };
        let first = ds.import_batch(&batch).await.unwrap();
        assert!(first.people.iter().all(Option::is_some));
        let again = ds.import_batch(&batch).await.unwrap();
        assert!(again.people.iter().all(Option::is_none));
        assert_eq!(again.records_inserted, 0);
        assert_eq!(ds.list_people(&Page::first(500)).await.unwrap().items.len(), 50);
    })
    .await;
}

#[tokio::test]
async fn empty_batch_is_fine() {
    each_backend(|store| async move {
        let (_, a) = org(&store, "RJ1").await;
        let report = store.dataset(&a).import_batch(&ImportBatch::default()).await.unwrap();
        assert!(report.people.is_empty());
        assert!(store.verify_audit().await.unwrap().is_ok());
    })
    .await;
}
