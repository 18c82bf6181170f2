//! Compliance inputs and role requirements.

use domain::compliance::{ComplianceStatus, evaluate};
use domain::cstf::{Catalogue, CompetenceRef, CstfSubject};
use domain::requirements::{CompetenceRequirement, RoleRequirements};
use store::testing::each_backend;
use store::{Page, StoreError};

use crate::common::*;

fn role(code: &str) -> RoleRequirements {
    RoleRequirements {
        role_code: code.to_owned(),
        title: "Staff nurse".to_owned(),
        checks: vec![],
        competences: vec![CompetenceRequirement { competence: CompetenceRef::cstf(CstfSubject::FireSafety, 1) }],
        immunisations: vec![],
        epp_required: false,
        agreement_required: false,
    }
}

#[tokio::test]
async fn role_requirements_are_put_replaced_listed_and_deleted() {
    each_backend(|store| async move {
        let (_, a) = org(&store, "RJ1").await;
        let (_, b) = org(&store, "RRK").await;
        let ds = store.dataset(&a);
        ds.put_role_requirements(&role("NUR-B5")).await.unwrap();
        let mut changed = role("NUR-B5");
        changed.title = "Senior staff nurse".to_owned();
        ds.put_role_requirements(&changed).await.unwrap();
        ds.put_role_requirements(&role("HCA-B3")).await.unwrap();
        assert_eq!(ds.get_role_requirements("NUR-B5").await.unwrap().value, changed);
        let page = ds.list_role_requirements(&Page::first(1)).await.unwrap();
        assert_eq!(page.items[0].id, "HCA-B3");
        let rest = ds.list_role_requirements(&Page { after: page.next, limit: 10 }).await.unwrap();
        assert_eq!(rest.items.len(), 1);
        assert_eq!(ds.all_role_requirements().await.unwrap().len(), 2);

        let ds_b = store.dataset(&b);
        assert!(matches!(ds_b.get_role_requirements("NUR-B5").await, Err(StoreError::NotFound)));
        assert!(ds_b.all_role_requirements().await.unwrap().is_empty());
        assert!(matches!(ds_b.delete_role_requirements("NUR-B5").await, Err(StoreError::NotFound)));

        ds.delete_role_requirements("NUR-B5").await.unwrap();
        assert!(matches!(ds.get_role_requirements("NUR-B5").await, Err(StoreError::NotFound)));
    })
    .await;
}

#[tokio::test]
async fn person_record_carries_every_record_and_evaluates() {
    each_backend(|store| async move {
        let (_, a) = org(&store, "RJ1").await;
        let ds = store.dataset(&a);
        let p = ds.create_person(&person(1)).await.unwrap();
        ds.add_assignment(&p.id, &applicant("NUR-B5")).await.unwrap();
        ds.add_check(&p.id, &dbs_check("2025-01-10")).await.unwrap();
        ds.add_competence(&p.id, &fire_safety("2025-03-01")).await.unwrap();
        ds.add_immunisation(&p.id, &flu_vaccine("2025-10-01")).await.unwrap();
        ds.set_oh_clearance(&p.id, &oh_clearance("2025-01-01")).await.unwrap();

        let rec = ds.person_record(&p.id).await.unwrap();
        assert_eq!(rec.id, p.id);
        let r = &rec.value;
        assert_eq!(r.person, person(1));
        assert_eq!((r.assignments.len(), r.checks.len(), r.competences.len(), r.immunisations.len()), (1, 1, 1, 1));
        assert_eq!(r.oh_clearance, Some(oh_clearance("2025-01-01")));

        let result = evaluate(r, &role("NUR-B5"), &Catalogue::national(), date("2025-06-01"), 30);
        assert_eq!(result.overall, ComplianceStatus::Met);

        let (_, b) = org(&store, "RRK").await;
        assert!(matches!(store.dataset(&b).person_record(&p.id).await, Err(StoreError::NotFound)));
    })
    .await;
}

#[tokio::test]
async fn person_records_page_through_the_whole_dataset_with_their_own_records() {
    each_backend(|store| async move {
        let (_, a) = org(&store, "RJ1").await;
        let (_, b) = org(&store, "RRK").await;
        let ds = store.dataset(&a);
        let mut ids = vec![];
        for n in 0..5u32 {
            let p = ds.create_person(&person(n)).await.unwrap();
            for _ in 0..n {
                ds.add_competence(&p.id, &fire_safety("2025-03-01")).await.unwrap();
            }
            if n % 2 == 0 {
                ds.set_oh_clearance(&p.id, &oh_clearance("2025-01-01")).await.unwrap();
            }
            ids.push((p.id, n));
        }
        // Another organisation's people never appear.
        let other = store.dataset(&b).create_person(&person(7)).await.unwrap();
        store.dataset(&b).add_competence(&other.id, &fire_safety("2025-03-01")).await.unwrap();

        let mut seen = vec![];
        let mut page = Page::first(2);
        loop {
            let got = ds.person_records(&page).await.unwrap();
            seen.extend(got.items);
            match got.next {
                Some(next) => page.after = Some(next),
                None => break,
            }
        }
        assert_eq!(seen.len(), 5);
        for rec in &seen {
            let n = ids.iter().find(|(id, _)| *id == rec.id).expect("own person").1;
            assert_eq!(rec.value.person, person(n));
            assert_eq!(rec.value.competences.len(), n as usize);
            assert_eq!(rec.value.oh_clearance.is_some(), n % 2 == 0);
        }
    })
    .await;
}

/// Three people in NUR-B5 (needs fire safety): in date, expired, never trained; one with no role.
async fn ward(store: &store::Store, scope: &store::OrgScope) -> Vec<String> {
    let ds = store.dataset(scope);
    ds.put_role_requirements(&role("NUR-B5")).await.unwrap();
    let mut ids = vec![];
    for (n, trained) in [(1, Some("2025-03-01")), (2, Some("2022-01-01")), (3, None), (4, Some("2025-03-01"))] {
        let p = ds.create_person(&person(n)).await.unwrap();
        if n != 4 {
            ds.add_assignment(&p.id, &applicant("NUR-B5")).await.unwrap();
        }
        if let Some(on) = trained {
            ds.add_competence(&p.id, &fire_safety(on)).await.unwrap();
        }
        ids.push(p.id);
    }
    ids
}

#[tokio::test]
async fn summary_counts_statuses_and_names_gaps() {
    each_backend(|store| async move {
        let (_, a) = org(&store, "RJ1").await;
        let ids = ward(&store, &a).await;
        let ds = store.dataset(&a);
        let today = date("2025-06-01");
        for _ in 0..2 {
            // Second round is served from the cache and must agree.
            let s = ds.compliance_summary(today, 30).await.unwrap();
            // The person with no role is not in post for any role: not counted.
            assert_eq!(s.people, 3);
            assert_eq!((s.by_status.met, s.by_status.expired, s.by_status.missing), (1, 1, 1));
            assert_eq!(s.compliant, 1);
            let mut listed: Vec<(String, ComplianceStatus, Vec<String>)> = s
                .non_compliant
                .into_iter()
                .map(|p| (p.id, p.overall, p.gaps.iter().map(|g| g.to_string()).collect()))
                .collect();
            listed.sort();
            let mut want = vec![
                (ids[1].clone(), ComplianceStatus::Expired, vec!["competence:cstf:fire_safety:1".to_owned()]),
                (ids[2].clone(), ComplianceStatus::Missing, vec!["competence:cstf:fire_safety:1".to_owned()]),
            ];
            want.sort();
            assert_eq!(listed, want);
        }
        assert_eq!(ds.person_compliance(&ids[1], today, 30).await.unwrap().overall, ComplianceStatus::Expired);
        assert_eq!(ds.person_compliance(&ids[3], today, 30).await.unwrap().overall, ComplianceStatus::Met);
    })
    .await;
}

#[tokio::test]
async fn summary_follows_writes_requirement_changes_and_time() {
    each_backend(|store| async move {
        let (_, a) = org(&store, "RJ1").await;
        let (_, b) = org(&store, "RRK").await;
        let ids = ward(&store, &a).await;
        let ds = store.dataset(&a);
        let today = date("2025-06-01");
        assert_eq!(ds.compliance_summary(today, 30).await.unwrap().compliant, 1);

        // Training the missing person is seen at once.
        ds.add_competence(&ids[2], &fire_safety("2025-05-01")).await.unwrap();
        assert_eq!(ds.compliance_summary(today, 30).await.unwrap().compliant, 2);

        // Dropping the requirement makes everyone in the role compliant.
        let mut none = role("NUR-B5");
        none.competences.clear();
        ds.put_role_requirements(&none).await.unwrap();
        assert_eq!(ds.compliance_summary(today, 30).await.unwrap().compliant, 3);
        ds.put_role_requirements(&role("NUR-B5")).await.unwrap();

        // Time passing: fire safety completed 2025-03-01 lasts two years (due soon, then expired).
        let later = ds.compliance_summary(date("2027-02-20"), 30).await.unwrap();
        assert!(later.by_status.due_soon >= 1, "{later:?}");
        let much_later = ds.compliance_summary(date("2027-06-01"), 30).await.unwrap();
        assert_eq!(much_later.compliant, 0, "everyone's training has expired: {much_later:?}");

        // Another organisation sees none of it.
        let other = store.dataset(&b).compliance_summary(today, 30).await.unwrap();
        assert_eq!(other.people, 0);
        assert!(matches!(store.dataset(&b).person_compliance(&ids[0], today, 30).await, Err(StoreError::NotFound)));
        assert!(store.verify_audit().await.unwrap().is_ok());
    })
    .await;
}

#[tokio::test]
async fn bulk_imported_records_refresh_the_summary() {
    each_backend(|store| async move {
        let (_, a) = org(&store, "RJ1").await;
        let ids = ward(&store, &a).await;
        let ds = store.dataset(&a);
        let today = date("2025-06-01");
        assert_eq!(ds.compliance_summary(today, 30).await.unwrap().compliant, 1);
        let batch = store::ImportBatch {
            records: vec![
                (store::PersonRef::Id(ids[1].clone()), store::ImportRecord::Competence(fire_safety("2025-05-01"))),
                (store::PersonRef::Id(ids[2].clone()), store::ImportRecord::Competence(fire_safety("2025-05-01"))),
            ],
            ..Default::default()
        };
        ds.import_batch(&batch).await.unwrap();
        assert_eq!(ds.compliance_summary(today, 30).await.unwrap().compliant, 3);
    })
    .await;
}

#[tokio::test]
async fn a_role_without_recorded_requirements_is_a_gap_not_a_pass() {
    each_backend(|store| async move {
        let (_, a) = org(&store, "RJ1").await;
        let ds = store.dataset(&a);
        let p = ds.create_person(&person(1)).await.unwrap();
        ds.add_assignment(&p.id, &applicant("UNCONFIGURED")).await.unwrap();
        let today = date("2025-06-01");
        let result = ds.person_compliance(&p.id, today, 30).await.unwrap();
        assert_eq!(result.overall, ComplianceStatus::Missing);
        assert_eq!(result.items[0].requirement, "role:UNCONFIGURED");
        let summary = ds.compliance_summary(today, 30).await.unwrap();
        assert_eq!((summary.people, summary.compliant), (1, 0));
        assert_eq!(summary.non_compliant[0].gaps[0], "role:UNCONFIGURED");
    })
    .await;
}

/// The dataset's cached results: (person, overall, gaps, valid_until, computed_at), by person.
async fn cached(store: &store::Store, scope: &store::OrgScope) -> Vec<(String, String, String, String, String)> {
    sqlx::query_as(
        "SELECT person_id, overall, gaps, valid_until, computed_at FROM compliance_cache WHERE org_id = $1 \
         ORDER BY person_id",
    )
    .bind(scope.org_id())
    .fetch_all(store.raw_pool())
    .await
    .unwrap()
}

fn staff(n: u32, trained: Option<&str>, in_post: bool) -> domain::compliance::PersonRecord {
    domain::compliance::PersonRecord {
        person: person(n),
        assignments: if in_post { vec![applicant("NUR-B5")] } else { vec![] },
        checks: vec![],
        competences: trained.map(fire_safety).into_iter().collect(),
        immunisations: vec![],
        oh_clearance: None,
    }
}

#[tokio::test]
async fn a_bulk_import_stores_each_persons_compliance_with_the_batch() {
    each_backend(|store| async move {
        let (_, a) = org(&store, "RJ1").await;
        let ds = store.dataset(&a);
        ds.put_role_requirements(&role("NUR-B5")).await.unwrap();
        let today = date("2025-06-01");
        let batch = store::ImportBatch {
            people: vec![
                staff(1, Some("2025-03-01"), true),
                staff(2, Some("2022-01-01"), true),
                staff(3, None, true),
                staff(4, Some("2025-03-01"), false),
            ],
            compliance: Some(store::ComplianceBasis { today, due_within_days: 30 }),
            ..Default::default()
        };
        let ids: Vec<String> = ds.import_batch(&batch).await.unwrap().people.into_iter().map(Option::unwrap).collect();

        // Everyone's result was stored with the batch …
        let filled = cached(&store, &a).await;
        assert_eq!(filled.len(), 4);
        let overall = |id: &str| filled.iter().find(|c| c.0 == id).map(|c| c.1.clone()).unwrap();
        assert_eq!(
            [&overall(&ids[0]), &overall(&ids[1]), &overall(&ids[2]), &overall(&ids[3])],
            ["met", "expired", "missing", "none"]
        );
        // … and the summary is served from it (nothing recomputed) …
        let summary = ds.compliance_summary(today, 30).await.unwrap();
        assert_eq!(cached(&store, &a).await, filled, "the summary recomputed cached results");
        assert_eq!((summary.people, summary.compliant), (3, 1));
        // … and agrees with a fresh evaluation of everyone.
        sqlx::query("DELETE FROM compliance_cache").execute(store.raw_pool()).await.unwrap();
        assert_eq!(ds.compliance_summary(today, 30).await.unwrap(), summary);
        let fresh = cached(&store, &a).await;
        let key = |rows: &[(String, String, String, String, String)]| {
            rows.iter().map(|r| (r.0.clone(), r.1.clone(), r.2.clone(), r.3.clone())).collect::<Vec<_>>()
        };
        assert_eq!(key(&fresh), key(&filled));
    })
    .await;
}

#[tokio::test]
async fn a_write_after_a_bulk_import_still_drops_the_cached_result() {
    each_backend(|store| async move {
        let (_, a) = org(&store, "RJ1").await;
        let ds = store.dataset(&a);
        ds.put_role_requirements(&role("NUR-B5")).await.unwrap();
        let today = date("2025-06-01");
        let on = Some(store::ComplianceBasis { today, due_within_days: 30 });
        let batch = store::ImportBatch {
            people: vec![staff(1, None, true), staff(2, None, true)],
            compliance: on,
            ..Default::default()
        };
        let ids: Vec<String> = ds.import_batch(&batch).await.unwrap().people.into_iter().map(Option::unwrap).collect();
        assert_eq!(cached(&store, &a).await.len(), 2);

        ds.add_competence(&ids[0], &fire_safety("2025-05-01")).await.unwrap();
        let rows = cached(&store, &a).await;
        assert_eq!(rows.iter().map(|r| r.0.as_str()).collect::<Vec<_>>(), [ids[1].as_str()]);
        assert_eq!(ds.compliance_summary(today, 30).await.unwrap().compliant, 1);

        // Records imported for someone already there are evaluated with their batch too.
        let records = store::ImportBatch {
            records: vec![(
                store::PersonRef::Id(ids[1].clone()),
                store::ImportRecord::Competence(fire_safety("2025-05-01")),
            )],
            compliance: on,
            ..Default::default()
        };
        ds.import_batch(&records).await.unwrap();
        let rows = cached(&store, &a).await;
        assert!(rows.iter().all(|r| r.1 == "met"), "{rows:?}");
        assert_eq!(rows.len(), 2);
    })
    .await;
}

#[tokio::test]
async fn refresh_recomputes_only_what_time_has_aged() {
    each_backend(|store| async move {
        let (_, a) = org(&store, "RJ1").await;
        let ids = ward(&store, &a).await;
        let ds = store.dataset(&a);
        let today = date("2025-06-01");
        // Nothing cached yet: everyone is computed, then nobody until a result ages.
        assert_eq!(
            ds.refresh_compliance(store::ComplianceBasis { today, due_within_days: 30 }).await.unwrap(),
            ids.len()
        );
        assert_eq!(ds.refresh_compliance(store::ComplianceBasis { today, due_within_days: 30 }).await.unwrap(), 0);
        let later = date("2025-08-01"); // past every result's valid_until (at most 31 days)
        assert_eq!(
            ds.refresh_compliance(store::ComplianceBasis { today: later, due_within_days: 30 }).await.unwrap(),
            ids.len()
        );
    })
    .await;
}
