//! The transfer pages over plain HTTP: HR records the worker's paper consent (a missing choice or
//! evidence reference named, nothing stored), finds the earlier record, takes the automatic match
//! and runs stage 1 from the pages, and reads the report; a withdrawal is then a refusal in words. A
//! partial match is proposed by one HR user, refused to that user's approval (on the report and in
//! the queue), approved by another and run. Other organisations and roles without HR get 404;
//! forms need the session's CSRF token.

use domain::assignment::Assignment;
use domain::checks::EmploymentCheck;
use domain::person::Person;
use domain::transfer::{ConsentInput, ConsentMethod};
use store::{OrgScope, Role};
use testkit::{TestApp, each_backend, fixtures};

use crate::http::Browser;
use crate::world::{self, World};

/// A person (dob 1988-03-14) in `org_id`'s dataset, with a DBS check at the earlier employer or an
/// applicant assignment at the new one.
pub async fn person(app: &TestApp, org_id: &str, family: &str, ni: &str, applicant: bool) -> String {
    let scope = OrgScope::system(org_id, "test");
    let dataset = app.store.dataset(&scope);
    let person: Person = serde_json::from_value(fixtures::person(family, ni)).unwrap();
    let id = dataset.create_person(&person).await.expect("person").id;
    if applicant {
        let assignment: Assignment = serde_json::from_value(fixtures::assignment("BANK-RN", "applicant")).unwrap();
        dataset.add_assignment(&id, &assignment).await.expect("assignment");
    } else {
        let dbs: EmploymentCheck =
            serde_json::from_value(fixtures::dbs_check("enhanced_adults", "2025-11-02")).unwrap();
        dataset.add_check(&id, &dbs).await.expect("dbs");
        let assignment: Assignment = serde_json::from_value(fixtures::assignment("BANK-RN", "active")).unwrap();
        dataset.add_assignment(&id, &assignment).await.expect("assignment");
    }
    id
}

/// Where a redirect to `/transfers/{id}?saved=…` points: the transfer id.
fn transfer_id(location: &str) -> String {
    location.trim_start_matches("/transfers/").split('?').next().unwrap().to_owned()
}

async fn hr<'a>(app: &'a TestApp, w: &World) -> (Browser<'a>, String) {
    let mut browser = Browser::new(app);
    browser.sign_in("RJ1", &w.hr_email, Some(0)).await;
    let (status, page, _) = browser.get("/transfers").await;
    assert_eq!(status, 200, "{page}");
    let csrf = Browser::csrf_of(&page);
    (browser, csrf)
}

#[tokio::test]
async fn hr_records_consent_takes_the_automatic_match_and_runs_stage_one_from_the_pages() {
    each_backend(|app| async move {
        let w = world::build(&app).await;
        person(&app, &w.b_id, "Adeyemi", "JK123456B", false).await;
        let applicant = person(&app, &w.a_id, "Adeyemi", "JK123456B", true).await;
        let (mut hr, csrf) = hr(&app, &w).await;
        let page_path = format!("/people/{applicant}/transfer");

        // The person's page links here; the menu has the queue.
        let (_, page, _) = hr.get(&format!("/people/{applicant}")).await;
        assert!(page.contains(&format!("href=\"{page_path}\"")) && page.contains("href=\"/transfers\""), "{page}");
        let (status, page, _) = hr.get(&page_path).await;
        assert_eq!(status, 200, "{page}");
        assert!(page.contains("has not said whether they consent") && page.contains("id=\"find-matches\""), "{page}");

        // Each missing piece is named, and nothing is stored.
        let consent = format!("{page_path}/consent");
        let (status, page, _) = hr.post(&consent, &[("csrf_token", &csrf), ("evidence_ref", "SCAN-42")]).await;
        assert_eq!(status, 422);
        assert!(page.contains("href=\"#given-yes\""), "{page}");
        let (status, page, _) = hr.post(&consent, &[("csrf_token", &csrf), ("given", "yes")]).await;
        assert_eq!(status, 422);
        assert!(
            page.contains("href=\"#evidence_ref\"")
                && page.contains("Evidence reference is required for a paper consent"),
            "{page}"
        );
        let a_scope = OrgScope::system(&w.a_id, "test");
        let (_, statements) = app.store.dataset(&a_scope).transfer_consent(&applicant).await.unwrap();
        assert!(statements.is_empty(), "nothing stored from refused forms");
        assert_eq!(hr.post(&consent, &[("given", "yes"), ("evidence_ref", "SCAN-42")]).await.0, 403);

        let form = [("csrf_token", csrf.as_str()), ("given", "yes"), ("evidence_ref", "SCAN-42")];
        let (status, _, location) = hr.post(&consent, &form).await;
        assert_eq!((status, location.as_deref()), (303, Some(format!("{page_path}?saved=consent").as_str())));
        let (_, page, _) = hr.get(&format!("{page_path}?saved=consent")).await;
        assert!(page.contains("The worker consents, since") && page.contains("SCAN-42"), "{page}");
        assert!(page.contains("hr.officer"), "recorded by, by name: {page}");

        // The earlier record, then the automatic match and stage 1.
        let (_, page, _) = hr.get(&format!("{page_path}?find=yes")).await;
        assert!(page.contains("Westvale Community Health (RRK)") && page.contains(">Automatic<"), "{page}");
        assert!(page.contains("id=\"take-automatic\""), "{page}");
        let (status, _, location) = hr.post(&format!("{page_path}/automatic"), &[("csrf_token", &csrf)]).await;
        assert_eq!(status, 303);
        let location = location.unwrap();
        assert!(location.ends_with("?saved=automatic"), "{location}");
        let id = transfer_id(&location);
        let report = format!("/transfers/{id}");
        let (_, page, _) = hr.get(&location).await;
        assert!(page.contains(">Approved<") && page.contains("id=\"run\""), "{page}");
        let (status, _, location) = hr.post(&format!("{report}/run"), &[("csrf_token", &csrf)]).await;
        assert_eq!((status, location.as_deref()), (303, Some(format!("{report}?saved=run").as_str())));
        let (_, page, _) = hr.get(&format!("{report}?saved=run")).await;
        assert!(page.contains(">Stage 1 done<") && page.contains(">Copied<"), "{page}");
        assert!(page.contains("criminal record") && page.contains("at RRK"), "provenance: {page}");
        assert!(page.contains("id=\"stage2\""), "{page}");
        let (_, page, _) = hr.get(&page_path).await;
        assert!(page.contains(&format!("href=\"{report}\"")) && page.contains(">Stage 1 done<"), "{page}");

        // The worker withdraws on paper: stage 2 is refused, in words, with its code.
        let form = [("csrf_token", csrf.as_str()), ("given", "no"), ("evidence_ref", "LETTER-7")];
        assert_eq!(hr.post(&consent, &form).await.0, 303);
        let (status, page, _) = hr.post(&format!("{report}/stage2"), &[("csrf_token", &csrf)]).await;
        assert_eq!(status, 422);
        assert!(
            page.contains("href=\"#state\"")
                && page.contains("Consent: the worker withdrew consent to a transfer (consent_withdrawn)"),
            "{page}"
        );

        // Not HR, or another organisation: not found.
        let mut verifier = Browser::new(&app);
        verifier.sign_in("RRK", &w.host_email, None).await;
        for p in ["/transfers".to_owned(), report.clone(), page_path.clone()] {
            assert_eq!(verifier.get(&p).await.0, 404, "{p}");
        }
        world::user(&app, &w.b_id, "hr@rrk.test", &[Role::Hr]).await;
        let mut other = Browser::new(&app);
        other.sign_in("RRK", "hr@rrk.test", None).await;
        assert_eq!(other.get(&report).await.0, 404);
        assert_eq!(other.get(&page_path).await.0, 404);
        let (_, page, _) = other.get("/transfers").await;
        assert!(!page.contains(&id) && page.contains("No transfers yet"), "{page}");
        app
    })
    .await;
}

#[tokio::test]
async fn a_partial_match_is_approved_by_a_second_hr_user_not_its_proposer() {
    each_backend(|app| async move {
        let w = world::build(&app).await;
        let earlier = person(&app, &w.b_id, "Kowalski", "AB654321A", false).await;
        let applicant = person(&app, &w.a_id, "Kowalska", "AB654321A", true).await;
        let a_scope = OrgScope::system(&w.a_id, "test");
        let paper = ConsentInput { given: true, method: ConsentMethod::Paper, evidence_ref: Some("SCAN-9".into()) };
        app.store.dataset(&a_scope).record_transfer_consent(&applicant, &paper).await.unwrap();
        let (mut hr, csrf) = hr(&app, &w).await;
        let page_path = format!("/people/{applicant}/transfer");

        let (_, page, _) = hr.get(&format!("{page_path}?find=yes")).await;
        assert!(page.contains(">Partial<") && page.contains("The surname differs"), "{page}");
        assert!(!page.contains("id=\"take-automatic\""), "no automatic match to take: {page}");
        let (status, page, _) = hr.post(&format!("{page_path}/automatic"), &[("csrf_token", &csrf)]).await;
        assert_eq!(status, 422);
        assert!(page.contains("href=\"#candidates\"") && page.contains("(ambiguous)"), "{page}");
        let propose = [("csrf_token", csrf.as_str()), ("source_ods", "RRK"), ("source_person_id", earlier.as_str())];
        let (status, _, location) = hr.post(&format!("{page_path}/propose"), &propose).await;
        assert_eq!(status, 303);
        let location = location.unwrap();
        assert!(location.ends_with("?saved=proposed"), "{location}");
        let id = transfer_id(&location);
        let report = format!("/transfers/{id}");
        let (_, page, _) = hr.get(&report).await;
        assert!(page.contains(">Waiting for approval<") && page.contains("id=\"approve\""), "{page}");
        // Stage 1 before approval is refused too.
        let (status, page, _) = hr.post(&format!("{report}/run"), &[("csrf_token", &csrf)]).await;
        assert_eq!(status, 422);
        assert!(page.contains("(not_approved)"), "{page}");

        // The proposer may not approve: on the report, and in the queue.
        let (status, page, _) = hr.post(&format!("{report}/approve"), &[("csrf_token", &csrf)]).await;
        assert_eq!(status, 422);
        let words = "Approver: a manual match must be approved by someone other than its proposer (same_approver)";
        assert!(page.contains("href=\"#approve\"") && page.contains(words), "{page}");
        let (_, page, _) = hr.get("/transfers").await;
        assert!(page.contains(&format!("id=\"approve-{id}\"")) && page.contains("Kowalska"), "{page}");
        let back = [("csrf_token", csrf.as_str()), ("back", "queue")];
        let (status, page, _) = hr.post(&format!("{report}/approve"), &back).await;
        assert_eq!(status, 422);
        assert!(page.contains(&format!("href=\"#approve-{id}\"")) && page.contains(words), "{page}");

        // Another HR user approves from the queue, and runs stage 1.
        world::user(&app, &w.a_id, "second.hr@rj1.test", &[Role::Hr]).await;
        let mut second = Browser::new(&app);
        second.sign_in("RJ1", "second.hr@rj1.test", None).await;
        let (_, page, _) = second.get("/transfers").await;
        let csrf2 = Browser::csrf_of(&page);
        let back = [("csrf_token", csrf2.as_str()), ("back", "queue")];
        let (status, _, location) = second.post(&format!("{report}/approve"), &back).await;
        assert_eq!((status, location.as_deref()), (303, Some("/transfers?saved=approve")));
        let (_, page, _) = second.get("/transfers?saved=approve").await;
        assert!(page.contains("id=\"none-waiting\"") && page.contains("Kowalska"), "{page}");
        let (_, page, _) = second.get(&report).await;
        assert!(page.contains(">Approved<") && page.contains("second.hr"), "{page}");
        let (status, _, _) = second.post(&format!("{report}/run"), &[("csrf_token", &csrf2)]).await;
        assert_eq!(status, 303);
        let (_, page, _) = second.get(&report).await;
        assert!(page.contains(">Stage 1 done<") && page.contains(">Copied<"), "{page}");
        app
    })
    .await;
}
