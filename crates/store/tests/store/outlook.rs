//! The dashboard's outlook queries: people in post by role and status, and what expires soon (the
//! current record only, people in post only, names filled in, another organisation's never seen);
//! and the organisation-wide TOTP requirement.

use domain::requirements::{CompetenceRequirement, RoleRequirements};
use store::testing::each_backend;
use store::{ExpiringKind, Role, StoreError};

use crate::common::*;

fn role(code: &str) -> RoleRequirements {
    RoleRequirements {
        role_code: code.to_owned(),
        title: "Staff nurse".to_owned(),
        checks: vec![],
        competences: vec![CompetenceRequirement {
            competence: domain::cstf::CompetenceRef::cstf(domain::cstf::CstfSubject::FireSafety, 1),
        }],
        immunisations: vec![],
        epp_required: false,
        agreement_required: false,
    }
}

#[tokio::test]
async fn expiring_lists_current_records_of_people_in_post_soonest_first() {
    each_backend(|store| async move {
        let (_, a) = org(&store, "RJ1").await;
        let (_, b) = org(&store, "RRK").await;
        let today = date("2026-06-01");
        let ds = store.dataset(&a);
        ds.put_role_requirements(&role("NUR-B5")).await.unwrap();
        let in_post = ds.create_person(&person(1)).await.unwrap().id;
        ds.add_assignment(&in_post, &applicant("NUR-B5")).await.unwrap();
        let no_role = ds.create_person(&person(2)).await.unwrap().id;
        // Fire safety every 24 months: done 2024-06-20 expires 2026-06-20 (in 19 days).
        ds.add_competence(&in_post, &fire_safety("2024-06-20")).await.unwrap();
        ds.add_competence(&no_role, &fire_safety("2024-06-10")).await.unwrap();
        // A DBS expiring in 45 days, and an older one expiring in 5 that it supersedes.
        let mut dbs = dbs_check("2025-01-10");
        dbs.expires_on = Some(date("2026-07-16"));
        ds.add_check(&in_post, &dbs).await.unwrap();
        // Recorded twice by mistake: listed once.
        ds.add_check(&in_post, &dbs).await.unwrap();
        let mut old = dbs_check("2022-01-10");
        old.expires_on = Some(date("2026-06-06"));
        ds.add_check(&in_post, &old).await.unwrap();
        // Already expired: not "expiring".
        let mut gone = dbs_check("2020-01-10");
        gone.details = domain::checks::CheckDetails::WorkHealth(domain::checks::WorkHealthCheck {
            outcome: domain::checks::FitnessOutcome::Fit,
            adjustments: None,
            epp_clearance: domain::checks::EppClearance::NotApplicable,
            assessed_by: "oh".into(),
            assessed_on: date("2020-01-10"),
        });
        gone.expires_on = Some(date("2026-05-01"));
        ds.add_check(&in_post, &gone).await.unwrap();
        // The summary decides who is in post (its cache), as the dashboard calls it first.
        ds.compliance_summary(today, 30).await.unwrap();

        let listed = ds.expiring(today, 90, 100).await.unwrap();
        let seen: Vec<(ExpiringKind, &str, String)> =
            listed.iter().map(|e| (e.kind, e.label.as_str(), e.expires_on.to_string())).collect();
        assert_eq!(
            seen,
            [
                (ExpiringKind::Competence, "Fire Safety", "2026-06-20".to_owned()),
                (ExpiringKind::Check, "Criminal record (DBS) check", "2026-07-16".to_owned()),
            ]
        );
        assert!(listed.iter().all(|e| e.person_id == in_post && !e.family_name.is_empty()));
        assert_eq!(ds.expiring(today, 30, 100).await.unwrap().len(), 1, "the window bounds it");
        assert_eq!(ds.expiring(today, 90, 1).await.unwrap().len(), 1, "the limit bounds it");
        // Renewed: the new fire safety record replaces the expiring one.
        ds.add_competence(&in_post, &fire_safety("2026-05-20")).await.unwrap();
        ds.compliance_summary(today, 30).await.unwrap();
        assert_eq!(ds.expiring(today, 30, 100).await.unwrap().len(), 0);
        // Another organisation sees none of it.
        store.dataset(&b).compliance_summary(today, 30).await.unwrap();
        assert!(store.dataset(&b).expiring(today, 90, 100).await.unwrap().is_empty());
    })
    .await;
}

#[tokio::test]
async fn compliance_by_role_counts_people_in_post_by_overall_status() {
    each_backend(|store| async move {
        let (_, a) = org(&store, "RJ1").await;
        let today = date("2026-06-01");
        let ds = store.dataset(&a);
        ds.put_role_requirements(&role("NUR-B5")).await.unwrap();
        for n in 1..=3 {
            let id = ds.create_person(&person(n)).await.unwrap().id;
            ds.add_assignment(&id, &applicant("NUR-B5")).await.unwrap();
            if n == 1 {
                ds.add_competence(&id, &fire_safety("2026-01-10")).await.unwrap();
                ds.add_assignment(&id, &applicant("HCA-B3")).await.unwrap();
            }
        }
        ds.create_person(&person(4)).await.unwrap();
        ds.compliance_summary(today, 30).await.unwrap();
        let counts = ds.compliance_by_role(today).await.unwrap();
        let view: Vec<(&str, usize, usize)> = counts.iter().map(|c| (c.role.as_str(), c.met, c.missing)).collect();
        // HCA-B3 has no requirements recorded: its holder is missing them (overall), also counted under NUR-B5.
        assert_eq!(view, [("HCA-B3", 0, 1), ("NUR-B5", 0, 3)]);
        assert_eq!(counts[1].total(), 3);
    })
    .await;
}

#[tokio::test]
async fn an_organisation_wide_totp_requirement_applies_to_its_users_only() {
    each_backend(|store| async move {
        let (_, a) = org(&store, "RJ1").await;
        let (_, b) = org(&store, "RRK").await;
        let a_user = user(&store, &a, "x@rj1.test", &[Role::Training]).await;
        let b_user = user(&store, &b, "y@rrk.test", &[Role::Training]).await;
        let auth = store.auth();
        assert!(!auth.org_totp_required(&a).await.unwrap());
        assert!(!auth.totp_state(&a_user).await.unwrap().required);
        auth.set_org_totp_required(&a, true).await.unwrap();
        assert!(auth.org_totp_required(&a).await.unwrap());
        assert!(auth.totp_state(&a_user).await.unwrap().required);
        assert!(!auth.totp_state(&b_user).await.unwrap().required, "another organisation's user");
        auth.set_org_totp_required(&a, false).await.unwrap();
        assert!(!auth.totp_state(&a_user).await.unwrap().required);
        // A user's own requirement still stands alone.
        auth.set_totp_required(&a, &a_user, true).await.unwrap();
        assert!(auth.totp_state(&a_user).await.unwrap().required);
        let gone = store::OrgScope::system("no-such-org", "test");
        assert!(matches!(auth.set_org_totp_required(&gone, true).await, Err(StoreError::NotFound)));
    })
    .await;
}
