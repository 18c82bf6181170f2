//! Timing smoke test for the national-scale targets (issue 4), SQLite only, ignored by default:
//! `cargo test --release -p store --test store -- --ignored --nocapture perf`.

use std::time::Instant;

use domain::compliance::PersonRecord;
use domain::cstf::{CompetenceRef, CstfSubject};
use domain::requirements::{CompetenceRequirement, RoleRequirements};
use store::testing::TestDb;
use store::{ImportBatch, Page};

use crate::common::*;

fn record(n: u32) -> PersonRecord {
    let mut competences = vec![];
    for subject in [CstfSubject::FireSafety, CstfSubject::ConflictResolution, CstfSubject::HealthSafetyWelfare] {
        for year in ["2023-03-01", "2024-03-01", "2025-03-01"] {
            let mut c = fire_safety(year);
            c.competence = CompetenceRef::cstf(subject, 1);
            competences.push(c);
        }
    }
    competences.truncate(11);
    PersonRecord {
        person: person(n),
        assignments: vec![applicant("NUR-B5")],
        checks: (0..6).map(|_| dbs_check("2025-01-10")).collect(),
        competences,
        immunisations: (0..6).map(|_| flu_vaccine("2025-10-01")).collect(),
        oh_clearance: Some(oh_clearance("2025-01-01")),
    }
}

#[tokio::test]
#[ignore = "timing; run in release"]
async fn perf_compliance_summary_of_20k_people() {
    let db = TestDb::sqlite().await;
    let store = db.store.clone();
    let (_, a) = org(&store, "RJ1").await;
    let ds = store.dataset(&a);
    let people: u32 = std::env::var("PERF_PEOPLE").ok().and_then(|v| v.parse().ok()).unwrap_or(20_000);
    let t = Instant::now();
    for start in (0..people).step_by(1000) {
        let batch = ImportBatch { people: (start..start + 1000).map(record).collect(), ..Default::default() };
        ds.import_batch(&batch).await.unwrap();
    }
    eprintln!("import {people} people: {:?}", t.elapsed());

    let role = RoleRequirements {
        role_code: "NUR-B5".into(),
        title: "Nurse".into(),
        checks: vec![],
        competences: vec![CompetenceRequirement { competence: CompetenceRef::cstf(CstfSubject::FireSafety, 1) }],
        immunisations: vec![],
        epp_required: false,
        agreement_required: false,
    };
    ds.put_role_requirements(&role).await.unwrap();
    let today = date("2025-06-01");

    let t = Instant::now();
    let mut page = Page::first(500);
    let mut loaded = 0;
    loop {
        let got = ds.person_records(&page).await.unwrap();
        loaded += got.items.len();
        match got.next {
            Some(n) => page.after = Some(n),
            None => break,
        }
    }
    eprintln!("load every PersonRecord ({loaded}): {:?}", t.elapsed());

    let t = Instant::now();
    let cold = ds.compliance_summary(today, 30).await.unwrap();
    eprintln!("summary, cold cache: {:?}", t.elapsed());
    assert_eq!(cold.people, people as usize);
    for _ in 0..3 {
        let t = Instant::now();
        let warm = ds.compliance_summary(today, 30).await.unwrap();
        eprintln!("summary, warm cache: {:?} ({} non-compliant)", t.elapsed(), warm.non_compliant.len());
    }

    // The dashboard's other two reads, on the warm cache.
    for (window, limit) in [(90, 300), (800, 10), (800, 300)] {
        let t = Instant::now();
        let by_role = ds.compliance_by_role(today).await.unwrap();
        let by_role_time = t.elapsed();
        let t = Instant::now();
        let expiring = ds.expiring(today, window, limit).await.unwrap();
        eprintln!(
            "by role: {by_role_time:?} ({} roles); expiring within {window} days: {:?} ({} listed)",
            by_role.len(),
            t.elapsed(),
            expiring.len()
        );
    }

    let t = Instant::now();
    let report = store.verify_audit().await.unwrap();
    assert!(report.is_ok());
    eprintln!("verify audit ({} entries): {:?}", report.entries_checked, t.elapsed());

    let ids: Vec<String> = ds.list_people(&Page::first(500)).await.unwrap().items.into_iter().map(|r| r.id).collect();
    let mut times = vec![];
    for id in ids.iter().cycle().take(1000) {
        let t = Instant::now();
        ds.person_compliance(id, today, 30).await.unwrap();
        times.push(t.elapsed());
    }
    times.sort();
    eprintln!("person compliance: p50 {:?} p99 {:?}", times[500], times[990]);

    let mut times = vec![];
    for n in 0..1000u32 {
        let ni = person(n * 7 % people).ni_number.unwrap();
        let t = Instant::now();
        ds.find_person_by_ni(&ni).await.unwrap();
        times.push(t.elapsed());
    }
    times.sort();
    eprintln!("lookup by NI number: p50 {:?} p99 {:?}", times[500], times[990]);
    db.cleanup().await;
}

/// Many concurrent audited reads (each one a write transaction on SQLite): how the pool size
/// affects throughput and tail latency.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "timing; run in release"]
async fn perf_concurrent_reads_by_pool_size() {
    for pool in [1u32, 2, 4] {
        let path = std::env::temp_dir().join(format!("passport-perf-{}.db", uuid::Uuid::new_v4()));
        let url = format!("sqlite://{}", path.display());
        let options = store::StoreOptions {
            insecure_fast_password_hashing: true,
            max_connections: Some(pool),
            ..store::StoreOptions::default()
        };
        let store = store::Store::connect_with(&url, options).await.unwrap();
        let (_, a) = org(&store, "RJ1").await;
        let batch = ImportBatch { people: (0..200).map(record).collect(), ..Default::default() };
        let ids: Vec<String> =
            store.dataset(&a).import_batch(&batch).await.unwrap().people.into_iter().flatten().collect();
        let t = Instant::now();
        let mut tasks = vec![];
        for w in 0..16 {
            let (store, a, ids) = (store.clone(), a.clone(), ids.clone());
            tasks.push(tokio::spawn(async move {
                let mut times = vec![];
                for id in ids.iter().skip(w).step_by(4).take(50) {
                    let t = Instant::now();
                    store.dataset(&a).get_person(id).await.unwrap();
                    times.push(t.elapsed());
                }
                times
            }));
        }
        let mut times = vec![];
        for task in tasks {
            times.extend(task.await.unwrap());
        }
        times.sort();
        let n = times.len();
        eprintln!(
            "pool {pool}: {n} reads in {:?}, p50 {:?} p99 {:?} max {:?}",
            t.elapsed(),
            times[n / 2],
            times[n * 99 / 100],
            times[n - 1]
        );
        store.close().await;
        std::fs::remove_file(&path).ok();
    }
}
