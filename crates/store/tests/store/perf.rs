//! Timing smoke test for the national-scale targets (issue 4), SQLite only, ignored by default:
//! `cargo test --release -p store --test store -- --ignored --nocapture perf`.

use std::time::Instant;

use domain::compliance::{OrgSummary, PersonRecord, evaluate};
use domain::cstf::{Catalogue, CompetenceRef, CstfSubject};
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
    };
    let catalogue = Catalogue::national();
    for _ in 0..3 {
        let t = Instant::now();
        let mut summary = OrgSummary::default();
        let mut page = Page::first(500);
        let mut load = std::time::Duration::ZERO;
        loop {
            let t_load = Instant::now();
            let got = ds.person_records(&page).await.unwrap();
            load += t_load.elapsed();
            for r in &got.items {
                summary.add(r.id.clone(), &evaluate(&r.value, &role, &catalogue, date("2025-06-01"), 30));
            }
            match got.next {
                Some(n) => page.after = Some(n),
                None => break,
            }
        }
        assert_eq!(summary.people, people as usize);
        eprintln!("summary of {people}: {:?} (loading {:?})", t.elapsed(), load);
    }
    {
        use sqlx::Row;
        let pool = store.raw_pool();
        for table in ["people", "assignments", "employment_checks", "competences", "immunisations", "oh_clearances"] {
            let row =
                sqlx::query(&format!("SELECT count(*), sum(length(doc)) FROM {table}")).fetch_one(pool).await.unwrap();
            eprintln!("{table}: {} rows, {} bytes of JSON", row.get::<i64, _>(0), row.get::<i64, _>(1));
        }
        let t = Instant::now();
        let rows = sqlx::query(
            "SELECT p.id, p.doc, (SELECT string_agg(x.doc, ' ' ORDER BY x.id) FROM competences x \
             WHERE x.org_id = p.org_id AND x.person_id = p.id) AS c, \
             (SELECT string_agg(x.doc, ' ' ORDER BY x.id) FROM employment_checks x \
             WHERE x.org_id = p.org_id AND x.person_id = p.id) AS e, \
             (SELECT string_agg(x.doc, ' ' ORDER BY x.id) FROM immunisations x \
             WHERE x.org_id = p.org_id AND x.person_id = p.id) AS i FROM people p",
        )
        .fetch_all(pool)
        .await
        .unwrap();
        eprintln!("raw fetch of {} aggregated rows: {:?}", rows.len(), t.elapsed());
        let t = Instant::now();
        let rows = sqlx::query("SELECT id FROM people").fetch_all(pool).await.unwrap();
        eprintln!("raw fetch of {} ids: {:?}", rows.len(), t.elapsed());
        let t = Instant::now();
        let rows = sqlx::query("SELECT doc FROM competences").fetch_all(pool).await.unwrap();
        eprintln!("raw fetch of {} competence docs: {:?}", rows.len(), t.elapsed());
        let t = Instant::now();
        let mut n = 0;
        for row in &rows {
            let doc: String = row.get(0);
            let c: domain::cstf::Competence = serde_json::from_str(&doc).unwrap();
            n += c.completed_on.to_string().len() & 1;
        }
        eprintln!("decode of {} competence docs: {:?} ({n})", rows.len(), t.elapsed());
    }
    let t = Instant::now();
    for n in 0..1000u32 {
        let ni = person(n * 7 % people).ni_number.unwrap();
        ds.find_person_by_ni(&ni).await.unwrap();
    }
    eprintln!("1000 lookups by NI number: {:?}", t.elapsed());
    db.cleanup().await;
}
