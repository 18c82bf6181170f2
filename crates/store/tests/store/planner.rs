//! The query planner reads a person's records through the person index once statistics exist
//! (SQLite): without them it walked the whole organisation's primary key to avoid sorting a few rows.

use store::ImportBatch;
use store::testing::TestDb;

use crate::common::*;

#[tokio::test]
async fn a_persons_checks_are_read_through_the_person_index_after_a_bulk_load() {
    let db = TestDb::sqlite().await;
    let store = db.store.clone();
    let (_, a) = org(&store, "RJ1").await;
    let people = (0..300).map(|n| domain::compliance::PersonRecord {
        person: person(n),
        assignments: vec![],
        checks: (0..3).map(|_| dbs_check("2025-01-10")).collect(),
        competences: vec![],
        immunisations: vec![],
        oh_clearance: None,
    });
    store.begin_bulk_load().await.unwrap();
    store.dataset(&a).import_batch(&ImportBatch { people: people.collect(), ..Default::default() }).await.unwrap();
    store.end_bulk_load().await.unwrap();
    let rows = sqlx::query(
        "EXPLAIN QUERY PLAN SELECT id, doc FROM employment_checks WHERE org_id = 'o' AND person_id = 'p' ORDER BY id",
    )
    .fetch_all(store.raw_pool())
    .await
    .unwrap();
    let plan: Vec<String> = rows.iter().map(|r| sqlx::Row::try_get::<String, _>(r, 3).unwrap_or_default()).collect();
    let plan = plan.join(" | ");
    assert!(plan.contains("ix_employment_checks_person"), "the plan walks another index: {plan}");
}
