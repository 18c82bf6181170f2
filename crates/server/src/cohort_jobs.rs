//! The runner of cohort transfer jobs (`api::transfer_cohorts`): one task per job, outside any
//! request, working through the job's lines in order with [`store::Dataset::cohort_line`].
//!
//! A runner holds a lease on its job and renews it as it goes; when the process dies, the lease
//! lapses and [`resume_unfinished`] (run as the server starts) takes the job over. Lines are
//! idempotent in the store, so a line run twice (a runner killed mid-line) transfers once.

use std::time::Duration;

use store::{OrgScope, StoreError};
use tracing::Instrument;

use crate::AppState;

/// How long a runner's claim on a job lasts without renewal.
pub const LEASE: Duration = Duration::from_secs(120);
/// Lines between lease renewals (well under a lease's worth of work).
const RENEW_EVERY: usize = 20;

/// Runs job `id` of `scope`'s organisation in the background, as `scope`'s actor (the user who
/// submitted it). Does nothing if another runner holds the job or it is finished.
pub fn spawn(state: AppState, scope: OrgScope, id: String) {
    let span = tracing::info_span!("transfer_cohort", org = %scope.org_id(), cohort = %id);
    tokio::spawn(
        async move {
            if let Err(error) = run(&state, &scope, &id, false).await {
                tracing::error!(%error, "cohort job stopped");
            }
        }
        .instrument(span),
    );
}

/// Resumes every job left queued or running by an earlier process (as `system:transfer cohort`).
pub fn resume_unfinished(state: &AppState) {
    let state = state.clone();
    tokio::spawn(async move {
        let pending = match state.store.unfinished_cohorts().await {
            Ok(pending) => pending,
            Err(error) => {
                tracing::error!(%error, "could not list unfinished cohort jobs");
                return;
            }
        };
        for (org_id, id) in pending {
            let scope = OrgScope::system(org_id, "transfer cohort resumed");
            let span = tracing::info_span!("transfer_cohort", org = %scope.org_id(), cohort = %id);
            let state = state.clone();
            tokio::spawn(
                async move {
                    if let Err(error) = run(&state, &scope, &id, true).await {
                        tracing::error!(%error, "resumed cohort job stopped");
                    }
                }
                .instrument(span),
            );
        }
    });
}

async fn run(state: &AppState, scope: &OrgScope, id: &str, resume: bool) -> Result<(), StoreError> {
    let dataset = state.store.dataset(scope);
    let lines = match dataset.claim_cohort(id, LEASE).await? {
        Some(lines) => lines,
        // The last process's lease may still run: wait it out once, then take over.
        None if resume => {
            tokio::time::sleep(LEASE).await;
            match dataset.claim_cohort(id, LEASE).await? {
                Some(lines) => lines,
                None => return Ok(()),
            }
        }
        None => return Ok(()),
    };
    tracing::info!(lines = lines.len(), "cohort job started");
    for (n, line) in lines.iter().enumerate() {
        if n > 0 && n % RENEW_EVERY == 0 {
            dataset.renew_cohort_lease(id, LEASE).await?;
        }
        if let Err(error) = dataset.cohort_line(id, line.line, &line.entry).await {
            let why = "a fault stopped the job (logged); submit the same list again to continue";
            dataset.finish_cohort(id, Some(why)).await?;
            return Err(error);
        }
    }
    dataset.finish_cohort(id, None).await?;
    tracing::info!("cohort job done");
    Ok(())
}
