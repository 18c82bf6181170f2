//! The background job of `passport serve` that keeps every organisation's compliance cache current.
//!
//! A person's cached compliance is valid until the first day on which time alone could change it
//! (an expiry, the start of a due-soon window, a new flu season, at most 31 days). Writes keep it
//! current; this job recomputes what has aged, so the first summary of the day never pays for
//! thousands of people. It runs shortly after start and then every hour (a new day is picked up
//! within the hour). It owns no rule: it calls the store's `Dataset::refresh_compliance`.

use std::time::Duration;

use store::{ComplianceBasis, OrgScope, Page};

use crate::state::AppState;

/// How often the job looks for aged results.
pub const INTERVAL: Duration = Duration::from_secs(3600);

/// Runs forever; spawn it. Errors are logged and retried on the next round.
pub async fn run(state: AppState) {
    tokio::time::sleep(Duration::from_secs(5)).await;
    loop {
        if let Err(error) = refresh_all(&state).await {
            tracing::warn!(%error, "compliance refresh failed; retrying in an hour");
        }
        tokio::time::sleep(INTERVAL).await;
    }
}

/// One round over every organisation; returns how many people were recomputed.
#[tracing::instrument(name = "compliance_refresh", skip_all)]
pub async fn refresh_all(state: &AppState) -> store::Result<usize> {
    let on = ComplianceBasis { today: state.today(), due_within_days: state.due_within_days };
    let mut page = Page::first(100);
    let mut total = 0;
    loop {
        let orgs = state.store.registry().list_organisations(&page).await?;
        for org in &orgs.items {
            let scope = OrgScope::system(org.id.clone(), "compliance refresh");
            let n = state.store.dataset(&scope).refresh_compliance(on).await?;
            if n > 0 {
                tracing::info!(org = %org.ods_code, people = n, "compliance refreshed");
            }
            total += n;
        }
        match orgs.next {
            Some(next) => page.after = Some(next),
            None => return Ok(total),
        }
    }
}

#[cfg(test)]
mod tests {
    use domain::org::{NewOrganisation, OdsCode, OrgKind};
    use store::RegistryScope;
    use store::testing::TestDb;

    use super::*;

    #[tokio::test]
    async fn a_round_computes_what_is_missing_and_then_nothing() {
        let db = TestDb::sqlite().await;
        let new = NewOrganisation {
            ods_code: OdsCode::parse("RJ1").unwrap(),
            name: "Test organisation".to_owned(),
            kind: OrgKind::AcuteTrust,
        };
        let org = db.store.registry().create_organisation(&RegistryScope::system("test"), &new).await.unwrap();
        let scope = OrgScope::system(org.id.clone(), "test");
        let person = testkit_person();
        db.store.dataset(&scope).create_person(&person).await.unwrap();
        let state = AppState::new(db.store.clone());
        assert_eq!(refresh_all(&state).await.unwrap(), 1, "the new person had no cached result");
        assert_eq!(refresh_all(&state).await.unwrap(), 0, "nothing has aged since");
        db.cleanup().await;
    }

    fn testkit_person() -> domain::person::Person {
        serde_json::from_value(serde_json::json!({
            "given_name": "Amara",
            "family_name": "Okafor",
            "date_of_birth": "1990-04-02",
        }))
        .unwrap()
    }
}
