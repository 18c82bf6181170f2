//! Cohort jobs (migration 0160): the same list is the same job; a runner's claim is exclusive
//! until its lease lapses, then another takes over (a restart); a finished job submitted again is
//! queued again; another organisation's job is not found.

use std::time::Duration;

use domain::assignment::{Band, StaffGroup};
use domain::person::NiNumber;
use store::testing::each_backend;
use store::{CohortEntry, CohortLine, CohortStatus, StoreError};

use crate::common::{date, org};

fn lines() -> Vec<CohortLine> {
    let entry = CohortEntry {
        ni_number: NiNumber::parse("AB123456C").unwrap(),
        date_of_birth: date("1988-03-14"),
        surname: "Okafor".into(),
        role: "ST1-SURGERY".into(),
        start_date: date("2026-09-02"),
        staff_group: StaffGroup::MedicalAndDental,
        band: Band::parse("ST1").unwrap(),
    };
    vec![CohortLine { line: 2, entry }]
}

#[tokio::test]
async fn a_cohort_job_is_claimed_once_taken_over_after_its_lease_lapses_and_rerun_when_resubmitted() {
    each_backend(|store| async move {
        let (_, scope) = org(&store, "RJ1").await;
        let ds = store.dataset(&scope);
        let (job, created) = ds.submit_cohort(&lines()).await.unwrap();
        assert!(created);
        assert_eq!((job.status, job.lines), (CohortStatus::Queued, 1));
        let (again, created) = ds.submit_cohort(&lines()).await.unwrap();
        assert_eq!((again.id.as_str(), created), (job.id.as_str(), false), "the same list is the same job");
        assert_eq!(store.unfinished_cohorts().await.unwrap(), [(scope.org_id().to_owned(), job.id.clone())]);

        // A runner that died at once (a lease of zero): the next claim takes over.
        assert_eq!(ds.claim_cohort(&job.id, Duration::ZERO).await.unwrap(), Some(lines()));
        tokio::time::sleep(Duration::from_millis(5)).await;
        assert!(ds.claim_cohort(&job.id, Duration::from_secs(60)).await.unwrap().is_some(), "lease lapsed");
        assert_eq!(ds.claim_cohort(&job.id, Duration::from_secs(60)).await.unwrap(), None, "held by a runner");
        ds.renew_cohort_lease(&job.id, Duration::from_secs(60)).await.unwrap();

        ds.finish_cohort(&job.id, None).await.unwrap();
        let report = ds.cohort_report(&job.id).await.unwrap();
        assert_eq!(report.job.status, CohortStatus::Done);
        assert!(report.job.finished_at.is_some() && report.job.started_at.is_some());
        assert_eq!(report.applicants, lines());
        assert!(store.unfinished_cohorts().await.unwrap().is_empty());
        assert_eq!(ds.claim_cohort(&job.id, Duration::from_secs(60)).await.unwrap(), None, "finished");

        // Submitted again: queued again, under the same id.
        let (rerun, created) = ds.submit_cohort(&lines()).await.unwrap();
        assert_eq!((rerun.id.as_str(), rerun.status, created), (job.id.as_str(), CohortStatus::Queued, false));
        assert!(ds.claim_cohort(&job.id, Duration::from_secs(60)).await.unwrap().is_some());

        let (_, other) = org(&store, "RRK").await;
        let found = store.dataset(&other).cohort_report(&job.id).await;
        assert!(matches!(found, Err(StoreError::NotFound)), "{found:?}");
        assert_eq!(store.dataset(&other).claim_cohort(&job.id, Duration::ZERO).await.unwrap(), None);
    })
    .await;
}
