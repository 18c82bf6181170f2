//! Per-person records: checks, competences, immunisations, assignments, OH clearance.

use domain::assignment::AssignmentStatus;
use store::testing::each_backend;
use store::{Page, StoreError};

use crate::common::*;

#[tokio::test]
async fn checks_are_added_listed_updated_and_deleted() {
    each_backend(|store| async move {
        let (_, a) = org(&store, "RJ1").await;
        let ds = store.dataset(&a);
        let p = ds.create_person(&person(1)).await.unwrap();
        let c = ds.add_check(&p.id, &dbs_check("2025-01-10")).await.unwrap();
        assert_eq!(c.person_id.as_deref(), Some(p.id.as_str()));
        assert_eq!(ds.get_check(&c.id).await.unwrap().value, dbs_check("2025-01-10"));

        let newer = dbs_check("2025-06-01");
        ds.update_check(&c.id, &newer).await.unwrap();
        let listed = ds.list_checks(&p.id).await.unwrap();
        assert_eq!(listed.len(), 1);
        assert_eq!(listed[0].value, newer);

        ds.delete_check(&c.id).await.unwrap();
        assert!(ds.list_checks(&p.id).await.unwrap().is_empty());
        assert!(matches!(ds.get_check(&c.id).await, Err(StoreError::NotFound)));
    })
    .await;
}

#[tokio::test]
async fn competences_and_immunisations_round_trip() {
    each_backend(|store| async move {
        let (_, a) = org(&store, "RJ1").await;
        let ds = store.dataset(&a);
        let p = ds.create_person(&person(1)).await.unwrap();
        let c = ds.add_competence(&p.id, &fire_safety("2025-03-01")).await.unwrap();
        ds.add_competence(&p.id, &fire_safety("2023-03-01")).await.unwrap();
        assert_eq!(ds.get_competence(&c.id).await.unwrap().value, fire_safety("2025-03-01"));
        assert_eq!(ds.list_competences(&p.id).await.unwrap().len(), 2);
        ds.update_competence(&c.id, &fire_safety("2025-04-01")).await.unwrap();
        ds.delete_competence(&c.id).await.unwrap();
        assert_eq!(ds.list_competences(&p.id).await.unwrap().len(), 1);

        let i = ds.add_immunisation(&p.id, &flu_vaccine("2025-10-01")).await.unwrap();
        assert_eq!(ds.get_immunisation(&i.id).await.unwrap().value, flu_vaccine("2025-10-01"));
        ds.update_immunisation(&i.id, &flu_vaccine("2025-10-02")).await.unwrap();
        assert_eq!(ds.list_immunisations(&p.id).await.unwrap()[0].value, flu_vaccine("2025-10-02"));
        ds.delete_immunisation(&i.id).await.unwrap();
        assert!(ds.list_immunisations(&p.id).await.unwrap().is_empty());
    })
    .await;
}

#[tokio::test]
async fn records_for_a_missing_person_are_not_found() {
    each_backend(|store| async move {
        let (_, a) = org(&store, "RJ1").await;
        let ds = store.dataset(&a);
        assert!(matches!(ds.add_check("nobody", &dbs_check("2025-01-10")).await, Err(StoreError::NotFound)));
        assert!(matches!(ds.list_competences("nobody").await, Err(StoreError::NotFound)));
        assert!(matches!(ds.get_oh_clearance("nobody").await, Err(StoreError::NotFound)));
    })
    .await;
}

#[tokio::test]
async fn assignment_status_follows_domain_transitions() {
    each_backend(|store| async move {
        let (_, a) = org(&store, "RJ1").await;
        let ds = store.dataset(&a);
        let p = ds.create_person(&person(1)).await.unwrap();
        let asg = ds.add_assignment(&p.id, &applicant("NUR-B5")).await.unwrap();

        // Left → Active is illegal; Applicant → Active → Left is fine.
        let active = ds.transition_assignment(&asg.id, AssignmentStatus::Active, date("2026-02-01")).await.unwrap();
        assert_eq!(active.value.status, AssignmentStatus::Active);
        assert_eq!(active.value.start_date, date("2026-02-01"));
        let left = ds.transition_assignment(&asg.id, AssignmentStatus::Left, date("2026-06-30")).await.unwrap();
        assert_eq!(left.value.end_date, Some(date("2026-06-30")));
        let err = ds.transition_assignment(&asg.id, AssignmentStatus::Active, date("2026-07-01")).await.unwrap_err();
        assert!(matches!(err, StoreError::Invalid(ref e) if e.field == "status"), "{err:?}");
        assert_eq!(ds.get_assignment(&asg.id).await.unwrap().value.status, AssignmentStatus::Left);

        // A plain update cannot smuggle a status change.
        let mut sneaky = left.value.clone();
        sneaky.status = AssignmentStatus::Active;
        let err = ds.update_assignment(&asg.id, &sneaky).await.unwrap_err();
        assert!(matches!(err, StoreError::Invalid(ref e) if e.field == "status"));
        let mut renamed = left.value.clone();
        renamed.role = "NUR-B6".to_owned();
        ds.update_assignment(&asg.id, &renamed).await.unwrap();
        assert_eq!(ds.list_assignments(&p.id).await.unwrap()[0].value.role, "NUR-B6");
    })
    .await;
}

#[tokio::test]
async fn oh_clearance_is_set_replaced_and_read() {
    each_backend(|store| async move {
        let (_, a) = org(&store, "RJ1").await;
        let ds = store.dataset(&a);
        let p = ds.create_person(&person(1)).await.unwrap();
        assert_eq!(ds.get_oh_clearance(&p.id).await.unwrap(), None);
        ds.set_oh_clearance(&p.id, &oh_clearance("2025-01-01")).await.unwrap();
        ds.set_oh_clearance(&p.id, &oh_clearance("2025-02-01")).await.unwrap();
        let got = ds.get_oh_clearance(&p.id).await.unwrap().unwrap();
        assert_eq!(got.value, oh_clearance("2025-02-01"));
    })
    .await;
}

#[tokio::test]
async fn cross_org_records_are_not_found() {
    each_backend(|store| async move {
        let (_, a) = org(&store, "RJ1").await;
        let (_, b) = org(&store, "RRK").await;
        let ds_a = store.dataset(&a);
        let ds_b = store.dataset(&b);
        let p = ds_a.create_person(&person(1)).await.unwrap();
        let check = ds_a.add_check(&p.id, &dbs_check("2025-01-10")).await.unwrap();
        let comp = ds_a.add_competence(&p.id, &fire_safety("2025-03-01")).await.unwrap();
        let imm = ds_a.add_immunisation(&p.id, &flu_vaccine("2025-10-01")).await.unwrap();
        let asg = ds_a.add_assignment(&p.id, &applicant("NUR")).await.unwrap();
        ds_a.set_oh_clearance(&p.id, &oh_clearance("2025-01-01")).await.unwrap();

        let nf = |r: Result<_, StoreError>| matches!(r, Err(StoreError::NotFound));
        assert!(nf(ds_b.get_check(&check.id).await.map(|_| ())));
        assert!(nf(ds_b.update_check(&check.id, &dbs_check("2025-01-11")).await.map(|_| ())));
        assert!(nf(ds_b.delete_check(&check.id).await));
        assert!(nf(ds_b.list_checks(&p.id).await.map(|_| ())));
        assert!(nf(ds_b.get_competence(&comp.id).await.map(|_| ())));
        assert!(nf(ds_b.delete_competence(&comp.id).await));
        assert!(nf(ds_b.get_immunisation(&imm.id).await.map(|_| ())));
        assert!(nf(ds_b.get_assignment(&asg.id).await.map(|_| ())));
        assert!(nf(ds_b
            .transition_assignment(&asg.id, AssignmentStatus::Active, date("2026-02-01"))
            .await
            .map(|_| ())));
        assert!(nf(ds_b.get_oh_clearance(&p.id).await.map(|_| ())));
        assert!(nf(ds_b.set_oh_clearance(&p.id, &oh_clearance("2025-01-01")).await.map(|_| ())));
        // B cannot attach records to A's person either.
        assert!(nf(ds_b.add_check(&p.id, &dbs_check("2025-01-10")).await.map(|_| ())));

        // Nothing of A's changed.
        assert_eq!(ds_a.list_checks(&p.id).await.unwrap().len(), 1);
        assert_eq!(ds_a.get_assignment(&asg.id).await.unwrap().value.status, AssignmentStatus::Applicant);
    })
    .await;
}

#[tokio::test]
async fn record_reads_and_writes_appear_in_the_persons_trail() {
    each_backend(|store| async move {
        let (_, a) = org(&store, "RJ1").await;
        let ds = store.dataset(&a);
        let p = ds.create_person(&person(1)).await.unwrap();
        let c = ds.add_check(&p.id, &dbs_check("2025-01-10")).await.unwrap();
        ds.get_check(&c.id).await.unwrap();
        ds.list_competences(&p.id).await.unwrap();
        let trail = ds.audit_for_subject(&p.id, &Page::default()).await.unwrap().items;
        let actions: Vec<&str> = trail.iter().map(|e| e.action.as_str()).collect();
        assert_eq!(actions, ["competence.list", "employment_check.read", "employment_check.create", "person.create"]);
        assert!(store.verify_audit().await.unwrap().is_ok());
    })
    .await;
}
