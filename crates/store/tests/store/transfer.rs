//! Inter-authority transfer: matching, consent, stage 1 (all or nothing, idempotent, newer local
//! records kept, provenance, both audit chains), stage 2 on the start date, the worker's view.

use domain::assignment::AssignmentStatus;
use domain::person::{ProfessionalRegistration, Register, RegistrationStatus};
use domain::transfer::{ConsentInput, ConsentMethod, Decision, MatchClass, TransferRefusal, TransferStatus};
use store::testing::each_backend;
use store::{OrgScope, Page, RegistryScope, Role, Source, Store, StoreError};

use crate::common::{PASSWORD, applicant, date, dbs_check, fire_safety, flu_vaccine, oh_clearance, org, person, user};

/// The old employer (RRK) holds person 1 with a DBS check, fire safety, flu and OH clearance and
/// a left assignment; the new employer (RJ1) holds the applicant with an applicant assignment.
struct World {
    old: OrgScope,
    new: OrgScope,
    earlier: String,
    applicant: String,
}

async fn world(store: &Store) -> World {
    let (_, old) = org(store, "RRK").await;
    let (_, new) = org(store, "RJ1").await;
    let ds = store.dataset(&old);
    let mut p = person(1);
    p.registrations = vec![
        ProfessionalRegistration::new(
            Register::Nmc,
            "12A3456E",
            RegistrationStatus::Registered,
            Some(date("2027-01-31")),
        )
        .unwrap(),
    ];
    let earlier = ds.create_person(&p).await.unwrap().id;
    ds.add_check(&earlier, &dbs_check("2025-01-10")).await.unwrap();
    ds.add_competence(&earlier, &fire_safety("2025-03-01")).await.unwrap();
    ds.add_immunisation(&earlier, &flu_vaccine("2025-10-01")).await.unwrap();
    ds.set_oh_clearance(&earlier, &oh_clearance("2024-05-05")).await.unwrap();
    let mut job = applicant("NURSE-B5");
    job.start_date = date("2020-02-03");
    let job = ds.add_assignment(&earlier, &job).await.unwrap();
    ds.transition_assignment(&job.id, AssignmentStatus::Active, date("2020-02-03")).await.unwrap();
    ds.transition_assignment(&job.id, AssignmentStatus::Left, date("2026-08-31")).await.unwrap();

    let mut new_person = person(1);
    new_person.family_name = format!("  {} ", new_person.family_name.to_uppercase()); // normalised away
    let applicant_id = store.dataset(&new).create_person(&new_person).await.unwrap().id;
    let mut offer = applicant("NURSE-B6");
    offer.start_date = date("2026-09-07");
    store.dataset(&new).add_assignment(&applicant_id, &offer).await.unwrap();
    World { old, new, earlier, applicant: applicant_id }
}

fn consent(given: bool) -> ConsentInput {
    ConsentInput { given, method: ConsentMethod::Paper, evidence_ref: Some("SCAN-42".into()) }
}

async fn actions(store: &Store, scope: &OrgScope, person: &str) -> Vec<String> {
    let page = Page { after: None, limit: 500 };
    store.dataset(scope).audit_for_subject(person, &page).await.unwrap().items.into_iter().map(|e| e.action).collect()
}

#[tokio::test]
async fn automatic_match_copies_the_data_set_with_provenance_and_audits_both_chains() {
    each_backend(|store| async move {
        let w = world(&store).await;
        let new = store.dataset(&w.new);
        new.record_transfer_consent(&w.applicant, &consent(true)).await.unwrap();

        let candidates = new.transfer_candidates(&w.applicant).await.unwrap();
        assert_eq!(candidates.len(), 1);
        assert_eq!(candidates[0].class, MatchClass::Automatic);
        assert_eq!(candidates[0].person_id, w.earlier);

        let proposal = new.auto_transfer(&w.applicant).await.unwrap().unwrap();
        assert_eq!(proposal.transfer.status, TransferStatus::Approved);
        let report = new.run_transfer(&proposal.transfer.id).await.unwrap().unwrap();
        assert_eq!(report.transfer.status, TransferStatus::Stage1Done);
        let copied: Vec<&str> =
            report.lines.iter().filter(|l| l.decision == Decision::Copied).map(|l| l.item.as_str()).collect();
        assert_eq!(copied, ["criminal_record", "local:RRK.FS.1", "seasonal_flu", "oh_clearance", "nmc"]);
        assert!(report.lines.iter().filter(|l| l.decision == Decision::Copied).all(|l| l.record_id.is_some()));

        // The copies carry the old employer as their source, and the applicant record now holds them.
        let checks = new.list_checks(&w.applicant).await.unwrap();
        assert_eq!(checks.len(), 1);
        assert_eq!(checks[0].provenance.source, Source::Iat { from_ods: "RRK".into() });
        assert_eq!(checks[0].value.evidence_ref.as_deref(), Some("HR-1"));
        let competences = new.list_competences(&w.applicant).await.unwrap();
        assert_eq!(competences[0].value.competence.key(), "local:RRK.FS.1", "RRK did not declare CSTF alignment");
        assert!(new.get_oh_clearance(&w.applicant).await.unwrap().is_some());
        assert_eq!(new.get_person(&w.applicant).await.unwrap().value.registrations.len(), 1);

        // Both chains record it; the worker's view lists it.
        assert!(actions(&store, &w.new, &w.applicant).await.contains(&"transfer.stage1".to_owned()));
        let theirs = actions(&store, &w.old, &w.earlier).await;
        assert!(theirs.contains(&"transfer.released".to_owned()), "{theirs:?}");
        assert!(theirs.contains(&"iat.matched".to_owned()), "{theirs:?}");
        let mine = new.transfers_for_person(&w.applicant).await.unwrap();
        assert_eq!(mine.len(), 1);
        assert_eq!(mine[0].source_ods.as_str(), "RRK");
        assert_eq!(new.transfer_report(&mine[0].id).await.unwrap().lines, report.lines);
        assert!(store.verify_audit().await.unwrap().is_ok());
    })
    .await;
}

#[tokio::test]
async fn national_competences_travel_only_from_cstf_aligned_organisations() {
    each_backend(|store| async move {
        let w = world(&store).await;
        store.registry().set_cstf_alignment(&RegistryScope::system("test"), w.old.org_id(), true).await.unwrap();
        assert!(store.registry().cstf_aligned(w.old.org_id()).await.unwrap());
        let new = store.dataset(&w.new);
        new.record_transfer_consent(&w.applicant, &consent(true)).await.unwrap();
        let proposal = new.auto_transfer(&w.applicant).await.unwrap().unwrap();
        new.run_transfer(&proposal.transfer.id).await.unwrap().unwrap();
        let competences = new.list_competences(&w.applicant).await.unwrap();
        assert_eq!(competences[0].value.competence.key(), "cstf:fire_safety:1");
    })
    .await;
}

#[tokio::test]
async fn partial_match_needs_a_manual_proposal_and_a_second_users_approval() {
    each_backend(|store| async move {
        let w = world(&store).await;
        // The applicant married: surname differs, NI number and date of birth agree.
        let new = store.dataset(&w.new);
        let mut renamed = new.get_person(&w.applicant).await.unwrap().value;
        renamed.family_name = "Adeyemi".into();
        new.update_person(&w.applicant, &renamed).await.unwrap();
        new.record_transfer_consent(&w.applicant, &consent(true)).await.unwrap();

        assert_eq!(new.auto_transfer(&w.applicant).await.unwrap().unwrap_err(), TransferRefusal::Ambiguous);
        let candidates = new.transfer_candidates(&w.applicant).await.unwrap();
        assert_eq!(candidates[0].class, MatchClass::Partial);

        let hr1 = user(&store, &w.new, "hr1@rj1.nhs.uk", &[Role::Hr]).await;
        let hr2 = user(&store, &w.new, "hr2@rj1.nhs.uk", &[Role::Hr]).await;
        let _ = (hr1, hr2);
        let login = |email: &'static str| {
            let store = store.clone();
            async move { store.auth().login("RJ1", email, PASSWORD).await.unwrap().scope.unwrap() }
        };
        let first = login("hr1@rj1.nhs.uk").await;
        let second = login("hr2@rj1.nhs.uk").await;
        let rrk = candidates[0].ods_code.clone();
        let proposal = store.dataset(&first).propose_transfer(&w.applicant, &rrk, &w.earlier).await.unwrap();
        assert_eq!(proposal.transfer.status, TransferStatus::Proposed);
        // Never automatic: stage 1 refuses until approved, and the proposer cannot approve.
        let id = proposal.transfer.id.clone();
        assert_eq!(store.dataset(&first).run_transfer(&id).await.unwrap().unwrap_err(), TransferRefusal::NotApproved);
        assert!(new.list_checks(&w.applicant).await.unwrap().is_empty());
        let own = store.dataset(&first).approve_transfer(&id).await.unwrap_err();
        assert!(matches!(own, StoreError::Invalid(ref e) if e.field == "approved_by"), "{own:?}");
        let queue = store.dataset(&second).list_transfers(Some(TransferStatus::Proposed), &Page::default()).await;
        assert_eq!(queue.unwrap().items.len(), 1);
        let approved = store.dataset(&second).approve_transfer(&id).await.unwrap();
        assert_eq!(approved.status, TransferStatus::Approved);
        assert!(approved.approved_by.unwrap().contains(&second_id(&store, "hr2@rj1.nhs.uk").await));
        store.dataset(&second).run_transfer(&id).await.unwrap().unwrap();
        assert_eq!(new.list_checks(&w.applicant).await.unwrap().len(), 1);

        // A record that matches on one fact only cannot be proposed.
        let unrelated = store.dataset(&w.old).create_person(&person(7)).await.unwrap().id;
        let err = new.propose_transfer(&w.applicant, &rrk, &unrelated).await.unwrap_err();
        assert!(matches!(err, StoreError::Invalid(ref e) if e.field == "source_person_id"), "{err:?}");
    })
    .await;
}

async fn second_id(store: &Store, email: &str) -> String {
    store.auth().login("RJ1", email, PASSWORD).await.unwrap().user_id
}

#[tokio::test]
async fn without_consent_or_after_withdrawal_nothing_is_copied() {
    each_backend(|store| async move {
        let w = world(&store).await;
        let new = store.dataset(&w.new);
        let id = new.auto_transfer(&w.applicant).await.unwrap().unwrap().transfer.id;
        assert_eq!(new.run_transfer(&id).await.unwrap().unwrap_err(), TransferRefusal::NoConsent);
        new.record_transfer_consent(&w.applicant, &consent(true)).await.unwrap();
        new.record_transfer_consent(
            &w.applicant,
            &ConsentInput { given: false, method: ConsentMethod::SelfService, evidence_ref: None },
        )
        .await
        .unwrap();
        assert_eq!(new.run_transfer(&id).await.unwrap().unwrap_err(), TransferRefusal::ConsentWithdrawn);
        assert!(new.list_checks(&w.applicant).await.unwrap().is_empty());
        assert!(new.list_competences(&w.applicant).await.unwrap().is_empty());
        assert!(new.get_oh_clearance(&w.applicant).await.unwrap().is_none());
        assert_eq!(new.transfers_for_person(&w.applicant).await.unwrap()[0].status, TransferStatus::Approved);
        let actions = actions(&store, &w.new, &w.applicant).await;
        assert!(actions.contains(&"transfer.consent_withdrawn".to_owned()), "{actions:?}");
        // A paper consent without evidence is refused, naming the field.
        let bad = ConsentInput { given: true, method: ConsentMethod::Paper, evidence_ref: None };
        let err = new.record_transfer_consent(&w.applicant, &bad).await.unwrap_err();
        assert!(matches!(err, StoreError::Invalid(ref e) if e.field == "evidence_ref"), "{err:?}");
    })
    .await;
}

#[tokio::test]
async fn rerunning_a_transfer_changes_nothing() {
    each_backend(|store| async move {
        let w = world(&store).await;
        let new = store.dataset(&w.new);
        new.record_transfer_consent(&w.applicant, &consent(true)).await.unwrap();
        let id = new.auto_transfer(&w.applicant).await.unwrap().unwrap().transfer.id;
        let first = new.run_transfer(&id).await.unwrap().unwrap();
        let heads = store.audit_heads().await.unwrap();
        let again = new.run_transfer(&id).await.unwrap().unwrap();
        assert_eq!(again, first);
        assert_eq!(store.audit_heads().await.unwrap(), heads, "a rerun writes nothing, not even audit");
        // A second automatic pass finds the same transfer rather than making another.
        let same = new.auto_transfer(&w.applicant).await.unwrap().unwrap();
        assert!(!same.created);
        assert_eq!(same.transfer.id, id);
        assert_eq!(new.list_checks(&w.applicant).await.unwrap().len(), 1);
        assert_eq!(new.list_immunisations(&w.applicant).await.unwrap().len(), 1);
    })
    .await;
}

#[tokio::test]
async fn a_newer_local_record_is_kept_and_the_report_says_why() {
    each_backend(|store| async move {
        let w = world(&store).await;
        let new = store.dataset(&w.new);
        let local = new.add_check(&w.applicant, &dbs_check("2026-06-01")).await.unwrap();
        new.record_transfer_consent(&w.applicant, &consent(true)).await.unwrap();
        let id = new.auto_transfer(&w.applicant).await.unwrap().unwrap().transfer.id;
        let report = new.run_transfer(&id).await.unwrap().unwrap();
        let line = report.lines.iter().find(|l| l.item == "criminal_record").unwrap();
        assert_eq!(line.decision, Decision::Kept);
        assert_eq!(line.record_id.as_deref(), Some(local.id.as_str()));
        assert!(line.reason.contains("2026-06-01"), "{}", line.reason);
        let checks = new.list_checks(&w.applicant).await.unwrap();
        assert_eq!(checks.len(), 1);
        assert_eq!(checks[0].id, local.id);
    })
    .await;
}

#[tokio::test]
async fn stage_two_brings_service_history_on_the_start_date() {
    each_backend(|store| async move {
        let w = world(&store).await;
        let new = store.dataset(&w.new);
        new.record_transfer_consent(&w.applicant, &consent(true)).await.unwrap();
        let id = new.auto_transfer(&w.applicant).await.unwrap().unwrap().transfer.id;
        // Stage 2 before stage 1 is refused.
        assert_eq!(new.run_transfer_stage2(&id).await.unwrap().unwrap_err(), TransferRefusal::NotApproved);
        new.run_transfer(&id).await.unwrap().unwrap();
        // The old record's phone number changed after the new record was made.
        let mut old_person = store.dataset(&w.old).get_person(&w.earlier).await.unwrap().value;
        old_person.phone = Some("07700900123".into());
        store.dataset(&w.old).update_person(&w.earlier, &old_person).await.unwrap();

        assert_eq!(new.run_due_stage2(date("2026-09-06")).await.unwrap(), 0, "not yet started");
        let offer = new.list_assignments(&w.applicant).await.unwrap().remove(0);
        new.transition_assignment(&offer.id, AssignmentStatus::Active, date("2026-09-07")).await.unwrap();

        let report = new.transfer_report(&id).await.unwrap();
        assert_eq!(report.transfer.status, TransferStatus::Stage2Done);
        assert_eq!(report.service_history.len(), 1);
        assert_eq!(report.service_history[0].role, "NURSE-B5");
        assert_eq!(report.service_history[0].end_date, Some(date("2026-08-31")));
        assert_eq!(new.service_history(&w.applicant).await.unwrap(), report.service_history);
        assert_eq!(new.get_person(&w.applicant).await.unwrap().value.phone.as_deref(), Some("07700900123"));
        assert!(actions(&store, &w.new, &w.applicant).await.contains(&"transfer.stage2".to_owned()));
        assert!(actions(&store, &w.old, &w.earlier).await.contains(&"transfer.released_history".to_owned()));
        // The daily job has nothing left to do.
        assert_eq!(new.run_due_stage2(date("2026-09-30")).await.unwrap(), 0);
    })
    .await;
}

#[tokio::test]
async fn the_daily_job_runs_stage_two_for_start_dates_passed() {
    each_backend(|store| async move {
        let w = world(&store).await;
        let new = store.dataset(&w.new);
        new.record_transfer_consent(&w.applicant, &consent(true)).await.unwrap();
        let id = new.auto_transfer(&w.applicant).await.unwrap().unwrap().transfer.id;
        new.run_transfer(&id).await.unwrap().unwrap();
        assert_eq!(new.run_due_stage2(date("2026-09-08")).await.unwrap(), 1);
        assert_eq!(new.transfer_report(&id).await.unwrap().transfer.status, TransferStatus::Stage2Done);
    })
    .await;
}

#[tokio::test]
async fn the_most_recent_employment_wins_among_automatic_matches() {
    each_backend(|store| async move {
        let w = world(&store).await;
        // A second, still-open employment at RTH is more recent than RRK's ended one.
        let (_, rth) = org(&store, "RTH").await;
        let there = store.dataset(&rth).create_person(&person(1)).await.unwrap().id;
        let mut job = applicant("HCA");
        job.start_date = date("2021-01-04");
        let job = store.dataset(&rth).add_assignment(&there, &job).await.unwrap();
        store.dataset(&rth).transition_assignment(&job.id, AssignmentStatus::Active, date("2021-01-04")).await.unwrap();
        let new = store.dataset(&w.new);
        let proposal = new.auto_transfer(&w.applicant).await.unwrap().unwrap();
        assert_eq!(proposal.transfer.source_ods.as_str(), "RTH");
        assert_eq!(proposal.transfer.source_person_id, there);
    })
    .await;
}
