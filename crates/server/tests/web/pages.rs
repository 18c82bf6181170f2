//! The HR, host, registry and admin pages over plain HTTP, on every configured backend: each form's bad
//! input is an error summary naming the field with nothing stored, good input is stored and shown, a
//! missing or wrong CSRF token is 403, another organisation's ids and roles that may not see a page
//! are 404.

use serde_json::Value;
use store::{OrgScope, Role};
use testkit::{TestApp, each_backend, fixed_now};
use wallet::{KdfParams, Wallet, issuance, presentation};

use crate::http::Browser;
use crate::world::{self, World};

const WRONG_CSRF: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// The error summary's links: (href, text).
fn summary(page: &str) -> Vec<(String, String)> {
    let Some(start) = page.find("nhsuk-error-summary__list") else { return Vec::new() };
    let end = page[start..].find("</ul>").map_or(page.len(), |e| start + e);
    page[start..end]
        .split("<a href=\"")
        .skip(1)
        .map(|s| {
            let href = s.split('"').next().unwrap().to_owned();
            let text = s.split('>').nth(1).unwrap_or_default().split('<').next().unwrap_or_default().to_owned();
            (href, text)
        })
        .collect()
}

fn names(page: &str, field: &str) -> bool {
    summary(page).iter().any(|(href, _)| href == &format!("#{field}"))
        && page.contains(&format!("id=\"{field}-error\""))
}

fn pairs<'a>(list: &'a [(&'a str, String)]) -> Vec<(&'a str, &'a str)> {
    list.iter().map(|(k, v)| (*k, v.as_str())).collect()
}

async fn hr<'a>(app: &'a TestApp, w: &World) -> Browser<'a> {
    let mut hr = Browser::new(app);
    assert_eq!(hr.sign_in("RJ1", &w.hr_email, Some(0)).await, (303, Some("/".to_owned())));
    hr
}

#[tokio::test]
async fn employment_check_form_names_bad_fields_stores_nothing_then_records_and_corrects() {
    each_backend(|app| async move {
        let w = world::build(&app).await;
        let a = OrgScope::system(&w.a_id, "test");
        let mut hr = hr(&app, &w).await;
        let person = format!("/people/{}", w.worker_id);
        // The person's page offers it; the form starts with the choice of standard.
        let (status, page, _) = hr.get(&person).await;
        assert_eq!(status, 200);
        assert!(page.contains(&format!("href=\"{person}/checks/new\"")), "no link to the check form");
        let (status, page, _) = hr.get(&format!("{person}/checks/new")).await;
        assert_eq!(status, 200);
        assert!(page.contains("value=\"right_to_work\""));
        let (status, page, _) = hr.get(&format!("{person}/checks/new?kind=right_to_work")).await;
        assert_eq!(status, 200);
        let csrf = Browser::csrf_of(&page);

        // Time-limited permission without its end date, a Home Office check without a share code, and a
        // completion date that is not a date: each named, nothing stored.
        let bad = [
            ("csrf_token", csrf.clone()),
            ("kind", "right_to_work".into()),
            ("details.route", "home_office_online".into()),
            ("details.permission", "time_limited".into()),
            ("outcome", "clear".into()),
            ("completed_on", "31/02/2026".into()),
            ("checked_by", "HR Officer".into()),
        ];
        let (status, page, _) = hr.post(&format!("{person}/checks/new"), &pairs(&bad)).await;
        assert_eq!(status, 422, "{page}");
        assert!(page.contains("There is a problem"));
        assert!(names(&page, "completed_on"), "{:?}", summary(&page));
        let dataset = app.store.dataset(&a);
        assert_eq!(dataset.list_checks(&w.worker_id).await.unwrap().len(), 1, "nothing stored");
        // With the date right, the domain's own rules speak, field by field.
        let mut fixed = bad.to_vec();
        fixed[5].1 = "3/5/2026".into();
        let (status, page, _) = hr.post(&format!("{person}/checks/new"), &pairs(&fixed)).await;
        assert_eq!(status, 422);
        assert!(names(&page, "details-permission_expires_on"), "{:?}", summary(&page));
        assert!(names(&page, "details-share_code"), "{:?}", summary(&page));
        assert!(page.contains("value=\"HR Officer\""), "what was typed is kept");
        assert_eq!(dataset.list_checks(&w.worker_id).await.unwrap().len(), 1, "nothing stored");

        // CSRF missing or wrong: 403, nothing stored.
        let mut no_token = fixed.clone();
        no_token.remove(0);
        no_token.push(("details.permission_expires_on", "1/9/2027".into()));
        no_token.push(("details.share_code", "ABC123DEF".into()));
        assert_eq!(hr.post(&format!("{person}/checks/new"), &pairs(&no_token)).await.0, 403);
        let mut wrong = no_token.clone();
        wrong.push(("csrf_token", WRONG_CSRF.into()));
        assert_eq!(hr.post(&format!("{person}/checks/new"), &pairs(&wrong)).await.0, 403);
        assert_eq!(dataset.list_checks(&w.worker_id).await.unwrap().len(), 1, "nothing stored");

        // Good input: stored, and the person's page says so and lists it.
        let mut good = no_token.clone();
        good.push(("csrf_token", csrf.clone()));
        let (status, _, location) = hr.post(&format!("{person}/checks/new"), &pairs(&good)).await;
        assert_eq!((status, location.as_deref()), (303, Some(format!("{person}?saved=check").as_str())));
        let checks = dataset.list_checks(&w.worker_id).await.unwrap();
        assert_eq!(checks.len(), 2);
        let rtw = checks.iter().find(|c| c.value.kind().key() == "right_to_work").unwrap();
        assert_eq!(rtw.value.expires_on().unwrap().to_string(), "2027-09-01");
        let (_, page, _) = hr.get(&format!("{person}?saved=check")).await;
        assert!(page.contains("Employment check saved") && page.contains("Right to work check"));

        // Correct it: the form comes back filled in; a bad change is refused, a good one stored.
        let edit = format!("{person}/checks/{}", rtw.id);
        let (status, page, _) = hr.get(&edit).await;
        assert_eq!(status, 200);
        assert!(page.contains("value=\"1/9/2027\"") && page.contains("value=\"ABC123DEF\""), "filled in");
        let mut change = good.clone();
        change.retain(|(k, _)| *k != "kind");
        change.retain(|(k, _)| *k != "details.follow_up_on");
        change.push(("details.follow_up_on", "1/10/2027".into()));
        let (status, page, _) = hr.post(&edit, &pairs(&change)).await;
        assert_eq!(status, 422, "a follow-up after the permission ends");
        assert!(names(&page, "details-follow_up_on"), "{:?}", summary(&page));
        change.retain(|(k, _)| *k != "details.follow_up_on");
        change.push(("details.follow_up_on", "1/8/2027".into()));
        let (status, _, _) = hr.post(&edit, &pairs(&change)).await;
        assert_eq!(status, 303);
        let stored = dataset.get_check(&rtw.id).await.unwrap();
        let Value::String(follow) = serde_json::to_value(&stored.value).unwrap()["details"]["follow_up_on"].clone()
        else {
            panic!("no follow-up date stored")
        };
        assert_eq!(follow, "2027-08-01");
        app
    })
    .await;
}

#[tokio::test]
async fn immunisation_form_is_occupational_healths_and_names_what_the_green_book_rules_refuse() {
    each_backend(|app| async move {
        let w = world::build(&app).await;
        let a = OrgScope::system(&w.a_id, "test");
        world::user(&app, &w.a_id, "oh@rj1.test", &[Role::OccupationalHealth]).await;
        let mut oh = Browser::new(&app);
        assert_eq!(oh.sign_in("RJ1", "oh@rj1.test", None).await.0, 303);
        let person = format!("/people/{}", w.worker_id);
        let (_, page, _) = oh.get(&person).await;
        assert!(page.contains(&format!("href=\"{person}/immunisations/new\"")));
        assert!(!page.contains(&format!("href=\"{person}/checks/new\"")), "no check form for OH");
        let (status, page, _) = oh.get(&format!("{person}/immunisations/new")).await;
        assert_eq!(status, 200);
        let csrf = Browser::csrf_of(&page);
        let dataset = app.store.dataset(&a);

        // A varicella test on MMR, a BCG scar on MMR, a dose in the future: each named, nothing stored.
        let bad = [
            ("csrf_token", csrf.clone()),
            ("antigen", "mmr".into()),
            ("status", "complete".into()),
            ("doses[0].given_on", "1/1/2027".into()),
            ("serology[0].test", "varicella_igg".into()),
            ("serology[0].taken_on", "1/2/2024".into()),
            ("serology[0].result", "positive".into()),
            ("bcg_scar", "yes".into()),
        ];
        let (status, page, _) = oh.post(&format!("{person}/immunisations/new"), &pairs(&bad)).await;
        assert_eq!(status, 422, "{page}");
        for field in ["doses-0-given_on", "serology-0-test", "bcg_scar"] {
            assert!(names(&page, field), "{field}: {:?}", summary(&page));
        }
        assert_eq!(dataset.list_immunisations(&w.worker_id).await.unwrap().len(), 1, "nothing stored");
        // A test half filled in names its missing parts.
        let half = [
            ("csrf_token", csrf.clone()),
            ("antigen", "mmr".into()),
            ("status", "complete".into()),
            ("serology[1].result", "positive".into()),
        ];
        let (status, page, _) = oh.post(&format!("{person}/immunisations/new"), &pairs(&half)).await;
        assert_eq!(status, 422);
        assert!(names(&page, "serology-1-test") && names(&page, "serology-1-taken_on"), "{:?}", summary(&page));

        // CSRF missing: 403.
        let good = [
            ("antigen", "mmr".to_owned()),
            ("status", "complete".into()),
            ("doses[0].given_on", "1/1/2001".into()),
            ("doses[1].given_on", "1/3/2001".into()),
            ("doses[1].batch", "MMR-22".into()),
        ];
        assert_eq!(oh.post(&format!("{person}/immunisations/new"), &pairs(&good)).await.0, 403);
        let mut with_token = good.to_vec();
        with_token.push(("csrf_token", csrf.clone()));
        let (status, _, location) = oh.post(&format!("{person}/immunisations/new"), &pairs(&with_token)).await;
        assert_eq!((status, location.as_deref()), (303, Some(format!("{person}?saved=immunisation").as_str())));
        let stored = dataset.list_immunisations(&w.worker_id).await.unwrap();
        let mmr = stored.iter().find(|i| i.value.antigen.key() == "mmr").expect("stored");
        assert_eq!(mmr.value.doses.len(), 2);
        assert_eq!(mmr.value.doses[1].batch.as_deref(), Some("MMR-22"));
        let (_, page, _) = oh.get(&format!("{person}?saved=immunisation")).await;
        assert!(page.contains("Immunisation saved") && page.contains("Measles, mumps and rubella"));
        // Correcting it: filled in, and saved.
        let edit = format!("{person}/immunisations/{}", mmr.id);
        let (status, page, _) = oh.get(&edit).await;
        assert_eq!(status, 200);
        assert!(page.contains("value=\"MMR-22\""));
        with_token.push(("notes", "Second dose from GP record".into()));
        assert_eq!(oh.post(&edit, &pairs(&with_token)).await.0, 303);
        assert_eq!(
            dataset.get_immunisation(&mmr.id).await.unwrap().value.notes.as_deref(),
            Some("Second dose from GP record")
        );

        // HR (who holds no occupational health role) may not see it; OH no check form.
        let mut hr = hr(&app, &w).await;
        assert_eq!(hr.get(&format!("{person}/immunisations/new")).await.0, 404);
        assert_eq!(hr.get(&edit).await.0, 404);
        assert_eq!(oh.get(&format!("{person}/checks/new")).await.0, 404);
        app
    })
    .await;
}

#[tokio::test]
async fn record_forms_of_another_organisations_person_are_not_found() {
    each_backend(|app| async move {
        let w = world::build(&app).await;
        world::user(&app, &w.b_id, "all@rrk.test", &[Role::Hr, Role::OccupationalHealth]).await;
        let mut b = Browser::new(&app);
        b.sign_in("RRK", "all@rrk.test", None).await;
        let a = OrgScope::system(&w.a_id, "test");
        let check = app.store.dataset(&a).list_checks(&w.worker_id).await.unwrap()[0].id.clone();
        let imm = app.store.dataset(&a).list_immunisations(&w.worker_id).await.unwrap()[0].id.clone();
        let person = format!("/people/{}", w.worker_id);
        for path in [
            format!("{person}/checks/new"),
            format!("{person}/checks/new?kind=criminal_record"),
            format!("{person}/checks/{check}"),
            format!("{person}/immunisations/new"),
            format!("{person}/immunisations/{imm}"),
        ] {
            let (status, page, _) = b.get(&path).await;
            assert_eq!(status, 404, "{path}");
            assert!(!page.contains("Okafor"));
        }
        let (_, page, _) = b.get("/people").await;
        let csrf = Browser::csrf_of(&page);
        let form =
            [("csrf_token", csrf.as_str()), ("kind", "criminal_record"), ("antigen", "mmr"), ("status", "unknown")];
        for path in
            [format!("{person}/checks/new"), format!("{person}/checks/{check}"), format!("{person}/immunisations/new")]
        {
            assert_eq!(b.post(&path, &form).await.0, 404, "{path}");
        }
        // B's own person with A's record id: not found either.
        let scope = OrgScope::system(&w.b_id, "test");
        let p: domain::person::Person =
            serde_json::from_value(testkit::fixtures::person("Evans", "AB123460C")).unwrap();
        let own = app.store.dataset(&scope).create_person(&p).await.unwrap().id;
        assert_eq!(b.get(&format!("/people/{own}/checks/{check}")).await.0, 404);
        assert_eq!(b.get(&format!("/people/{own}/checks/new?kind=identity")).await.0, 200);
        app
    })
    .await;
}

#[tokio::test]
async fn the_dashboard_counts_by_role_and_lists_what_expires_in_30_60_and_90_days() {
    each_backend(|app| async move {
        let w = world::build(&app).await;
        let a = OrgScope::system(&w.a_id, "test");
        let dataset = app.store.dataset(&a);
        let today = fixed_now().date_naive();
        let days = |n: u64| (today + chrono::Days::new(n)).format("%Y-%m-%d").to_string();
        let check = |v: Value| serde_json::from_value::<domain::checks::EmploymentCheck>(v).unwrap();
        // Right to work ends in 20 days; identity rechecked in 50; registration renewal in 80; one in 120.
        let rtw = serde_json::json!({"details": {"kind": "right_to_work", "route": "manual_document",
            "permission": "time_limited", "permission_expires_on": days(20)},
            "outcome": "clear", "completed_on": "2026-01-05", "checked_by": "hr"});
        let mut identity: Value = testkit::fixtures::identity_check();
        identity["expires_on"] = days(50).into();
        let registration = serde_json::json!({"details": {"kind": "professional_registration",
            "registration": {"register": "nmc", "number": "12A3456E", "status": "registered", "expires_on": days(80)}},
            "outcome": "clear", "completed_on": "2026-01-05", "checked_by": "hr"});
        let mut history = serde_json::json!({"details": {"kind": "employment_history", "covered_from": "2023-01-01",
            "covered_to": "2026-01-01", "gaps_explained": true}, "outcome": "clear", "completed_on": "2026-01-05",
            "checked_by": "hr"});
        history["expires_on"] = days(120).into();
        for c in [rtw, identity, registration, history] {
            dataset.add_check(&w.worker_id, &check(c)).await.unwrap();
        }
        // A DBS that would expire in 10 days but is superseded by the world's one that does not expire.
        let mut old_dbs = testkit::fixtures::dbs_check("enhanced_adults", "2023-06-01");
        old_dbs["expires_on"] = days(10).into();
        dataset.add_check(&w.worker_id, &check(old_dbs)).await.unwrap();
        // Byrne, who holds no role, has a check expiring too: not in post, not listed.
        let byrne = dataset.search_people("Byrne", &store::Page::first(5)).await.unwrap().items[0].id.clone();
        let mut b_rtw = serde_json::json!({"details": {"kind": "right_to_work", "route": "manual_document",
            "permission": "time_limited", "permission_expires_on": days(15)},
            "outcome": "clear", "completed_on": "2026-01-05", "checked_by": "hr"});
        b_rtw["notes"] = "no role".into();
        dataset.add_check(&byrne, &check(b_rtw)).await.unwrap();

        let mut hr = hr(&app, &w).await;
        let (status, page, _) = hr.get("/dashboard").await;
        assert_eq!(status, 200);
        // By role: Okafor is in BANK-RN and missing fire safety.
        let by_role = page.split("id=\"by-role\"").nth(1).expect("a by-role table").split("</table>").next().unwrap();
        assert!(by_role.contains("BANK-RN"), "{by_role}");
        let cells: Vec<&str> =
            by_role.split("nhsuk-table__cell--numeric\">").skip(1).map(|c| c.split('<').next().unwrap()).collect();
        assert_eq!(cells, ["0", "0", "0", "1"], "met, due soon, expired, missing");
        assert!(page.contains("id=\"role-chart\""), "a chart of roles");
        // Expiring: each window holds the shorter ones, soonest first, linked to the person.
        let panel = |id: &str| {
            page.split(&format!("id=\"{id}\"")).nth(1).unwrap().split("nhsuk-tabs__panel").next().unwrap().to_owned()
        };
        let (d30, d60, d90) = (panel("expiring-30"), panel("expiring-60"), panel("expiring-90"));
        assert!(d30.contains("Right to work check") && !d30.contains("Identity check"), "{d30}");
        assert!(d60.contains("Right to work check") && d60.contains("Identity check") && !d60.contains("Professional"));
        assert!(d90.contains("Professional registration check") && !d90.contains("Employment history"), "{d90}");
        assert!(d90.find("Right to work").unwrap() < d90.find("Identity check").unwrap(), "soonest first");
        assert!(d30.contains(&format!("href=\"/people/{}\"", w.worker_id)) && d30.contains("Okafor, Amara"));
        for panel in [&d30, &d60, &d90] {
            assert!(!panel.contains("Criminal record"), "a superseded DBS is not listed");
            assert!(!panel.contains("Byrne"), "someone not in post is not listed");
        }
        assert!(
            page.contains("Next 30 days (1)") && page.contains("Next 60 days (2)") && page.contains("Next 90 days (3)")
        );
        // Named in one read: the non-compliant list still names Okafor.
        assert!(page.split("id=\"non-compliant\"").nth(1).unwrap().contains("Okafor, Amara"));

        // A verifier, and another organisation's HR, see none of it.
        let mut host = Browser::new(&app);
        host.sign_in("RRK", &w.host_email, None).await;
        assert_eq!(host.get("/dashboard").await.0, 404);
        world::user(&app, &w.b_id, "hr@rrk.test", &[Role::Hr]).await;
        let mut b_hr = Browser::new(&app);
        b_hr.sign_in("RRK", "hr@rrk.test", None).await;
        let (status, page, _) = b_hr.get("/dashboard").await;
        assert_eq!(status, 200);
        assert!(!page.contains("Okafor") && page.contains("Next 30 days (0)"));
        app
    })
    .await;
}

/// A's HR offers Okafor's credentials and the wallet takes them (A's issuer key is made then).
async fn wallet_with_credentials(app: &TestApp, w: &World, dir: &std::path::Path) -> Wallet {
    let a = OrgScope::system(&w.a_id, "test");
    let fire: domain::cstf::Competence = serde_json::from_value(serde_json::json!({
        "competence": {"kind": "cstf", "subject": "fire_safety", "level": 1},
        "completed_on": "2026-05-01", "source": "e_learning"}))
    .unwrap();
    app.store.dataset(&a).add_competence(&w.worker_id, &fire).await.unwrap();
    let mut hr = hr(app, w).await;
    let (_, page, _) = hr.get(&format!("/people/{}", w.worker_id)).await;
    let csrf = Browser::csrf_of(&page);
    let (status, page, _) = hr
        .post(
            &format!("/people/{}/offers", w.worker_id),
            &[
                ("csrf_token", csrf.as_str()),
                ("types", "criminal_record"),
                ("types", "training"),
                ("types", "occupational_health"),
            ],
        )
        .await;
    assert_eq!(status, 200, "{page}");
    let pin = page.split("id=\"offer-pin\">").nth(1).unwrap().split('<').next().unwrap().to_owned();
    let link = page
        .split("id=\"offer-link\" href=\"")
        .nth(1)
        .unwrap()
        .split('"')
        .next()
        .unwrap()
        .replace("&amp;", "&")
        .replace("&#38;", "&");
    let now = fixed_now().timestamp();
    let fast = KdfParams { m_cost: 64, t_cost: 1, p_cost: 1 };
    let mut held = Wallet::create(&dir.join("w.json"), "pw", fast, now).unwrap();
    let http = wallet::client();
    let offer = issuance::fetch_offer(&http, &link).await.expect("offer");
    issuance::receive(&mut held, &http, &offer, Some(&pin), now).await.expect("credentials");
    held
}

/// The wallet answers B's host asking for BANK-RN: the id of B's answered request.
async fn answered_request(app: &TestApp, w: &World, host: &mut Browser<'_>) -> String {
    let dir = tempfile::tempdir().unwrap();
    let held = wallet_with_credentials(app, w, dir.path()).await;
    let (now, http) = (fixed_now().timestamp(), wallet::client());

    let (_, page, _) = host.get("/verify").await;
    let csrf = Browser::csrf_of(&page);
    let (_, _, location) = host.post("/verify", &[("csrf_token", csrf.as_str()), ("role_code", "BANK-RN")]).await;
    let request = location.expect("to the request");
    let (_, page, _) = host.get(&request).await;
    let link = page
        .split("id=\"request-link\" href=\"")
        .nth(1)
        .unwrap()
        .split('"')
        .next()
        .unwrap()
        .replace("&amp;", "&")
        .replace("&#38;", "&");
    let plan = presentation::prepare(&held, &http, &link, now).await.unwrap_or_else(|e| panic!("{e:?}: {link}"));
    presentation::submit(&held, &http, &plan, now).await.expect("answer");
    request.trim_start_matches("/verify/").to_owned()
}

#[tokio::test]
async fn host_review_names_each_refusal_then_accepts_and_bypasses() {
    each_backend(|app| async move {
        let w = world::build(&app).await;
        let mut host = Browser::new(&app);
        host.sign_in("RRK", &w.host_email, None).await;
        let id = answered_request(&app, &w, &mut host).await;
        let (_, page, _) = host.get(&format!("/verify/{id}")).await;
        assert!(page.contains(&format!("href=\"/verify/{id}/review\"")), "the result links to the review");
        let review = format!("/verify/{id}/review");
        let (status, page, _) = host.get(&review).await;
        assert_eq!(status, 200, "{page}");
        assert!(page.contains("value=\"Okafor\""), "the presented family name is filled in");
        let csrf = Browser::csrf_of(&page);
        let b = OrgScope::system(&w.b_id, "test");
        let record = app.store.dataset(&b).get_presentation_request(&id).await.unwrap();
        let result: Value = serde_json::from_str(record.result_doc.as_deref().unwrap()).unwrap();
        let index = |req: &str| {
            result["requirements"].as_array().unwrap().iter().position(|o| o["requirement"] == req).unwrap()
        };
        let (dbs, fire, hep) =
            (index("check:criminal_record"), index("competence:cstf:fire_safety:1"), index("immunisation:hepatitis_b"));
        let (d_dbs, d_fire, d_hep, r_hep) =
            (format!("decision-{dbs}"), format!("decision-{fire}"), format!("decision-{hep}"), format!("reason-{hep}"));

        // Someone else's surname, a date of birth that is not one, and a bypass without a reason.
        let bad = [
            ("csrf_token", csrf.clone()),
            ("given_name", "Amara".into()),
            ("family_name", "Smith".into()),
            ("date_of_birth", "14/13/1988".into()),
            ("ni_number", "AB123456C".into()),
            (d_dbs.as_str(), "accept".into()),
            (d_hep.as_str(), "bypass".into()),
            ("applicant", "yes".into()),
            ("applicant_staff_group", "nursing_and_midwifery_registered".into()),
            ("applicant_start_date", "5/1/2027".into()),
        ];
        let (status, page, _) = host.post(&review, &pairs(&bad)).await;
        assert_eq!(status, 422, "{page}");
        assert!(names(&page, "date_of_birth"), "{:?}", summary(&page));
        assert!(names(&page, "applicant_band"), "the applicant's band: {:?}", summary(&page));
        let mut next = bad.to_vec();
        next[3].1 = "14/3/1988".into();
        next.push(("applicant_band", "5".into()));
        let (status, page, _) = host.post(&review, &pairs(&next)).await;
        assert_eq!(status, 422);
        assert!(names(&page, "family_name"), "not the worker who presented: {:?}", summary(&page));
        next[2].1 = "Okafor".into();
        let (status, page, _) = host.post(&review, &pairs(&next)).await;
        assert_eq!(status, 422);
        assert!(names(&page, &r_hep), "{:?}", summary(&page));
        assert!(summary(&page).iter().any(|(_, t)| t.contains("Enter why")), "{:?}", summary(&page));
        assert!(app.store.dataset(&b).get_review(&id).await.is_err(), "nothing recorded");
        // Nothing decided at all.
        let none = [
            ("csrf_token", csrf.clone()),
            ("given_name", "Amara".into()),
            ("family_name", "Okafor".into()),
            ("date_of_birth", "14/3/1988".into()),
            ("ni_number", "AB123456C".into()),
        ];
        let (status, page, _) = host.post(&review, &pairs(&none)).await;
        assert_eq!(status, 422);
        assert!(names(&page, "decision-0"), "{:?}", summary(&page));

        // CSRF missing or wrong.
        let mut good = next.clone();
        good.push((r_hep.as_str(), "OH appointment booked for the first shift".into()));
        good.push((d_fire.as_str(), "accept".into()));
        let mut no_token = good.clone();
        no_token.remove(0);
        assert_eq!(host.post(&review, &pairs(&no_token)).await.0, 403);
        no_token.push(("csrf_token", WRONG_CSRF.into()));
        assert_eq!(host.post(&review, &pairs(&no_token)).await.0, 403);
        assert!(app.store.dataset(&b).get_review(&id).await.is_err(), "nothing recorded");

        // Another organisation's users, and a role that may not review, see nothing.
        world::user(&app, &w.a_id, "verifier@rj1.test", &[Role::Verifier]).await;
        let mut a_verifier = Browser::new(&app);
        a_verifier.sign_in("RJ1", "verifier@rj1.test", None).await;
        assert_eq!(a_verifier.get(&review).await.0, 404);
        world::user(&app, &w.b_id, "trainer@rrk.test", &[Role::Training]).await;
        let mut trainer = Browser::new(&app);
        trainer.sign_in("RRK", "trainer@rrk.test", None).await;
        assert_eq!(trainer.get(&review).await.0, 404);
        let (_, page, _) = trainer.get("/people").await;
        let t_csrf = Browser::csrf_of(&page);
        let mut as_trainer = good.clone();
        as_trainer[0].1 = t_csrf;
        assert_eq!(trainer.post(&review, &pairs(&as_trainer)).await.0, 404);

        // Accept DBS and training, bypass hepatitis B: recorded, and shown.
        let (status, _, location) = host.post(&review, &pairs(&good)).await;
        assert_eq!((status, location.as_deref()), (303, Some(format!("{review}?saved=1").as_str())));
        let stored = app.store.dataset(&b).get_review(&id).await.unwrap();
        assert_eq!(stored.items.len(), 3);
        assert!(stored.person_created);
        let assignments = app.store.dataset(&b).list_assignments(&stored.person_id).await.unwrap();
        assert_eq!(assignments.len(), 1, "taken on as an applicant");
        assert_eq!(
            (assignments[0].value.role.as_str(), assignments[0].value.status.as_str()),
            ("BANK-RN", "applicant")
        );
        assert_eq!(assignments[0].value.start_date.to_string(), "2027-01-05");
        let (status, page, _) = host.get(&format!("{review}?saved=1")).await;
        assert_eq!(status, 200);
        assert!(page.contains("Review recorded") && page.contains("OH appointment booked for the first shift"));
        assert_eq!(page.matches("Accepted").count(), 2, "{page}");
        assert!(page.contains("From RJ1"));
        // A verifier reads no records: no link to the person.
        assert!(!page.contains("id=\"reviewed-person\""));
        // A second submission shows the recorded review rather than a second one.
        let (status, _, location) = host.post(&review, &pairs(&good)).await;
        assert_eq!((status, location.as_deref()), (303, Some(review.as_str())));
        app
    })
    .await;
}

#[tokio::test]
async fn the_operator_registers_an_organisation_and_sees_its_keys_and_trust_list_status() {
    each_backend(|app| async move {
        let w = world::build(&app).await;
        let mut operator = Browser::new(&app);
        operator.sign_in("", &w.operator_email, None).await;
        let (status, page, _) = operator.get("/registry/organisations").await;
        assert_eq!(status, 200);
        assert!(
            page.contains("href=\"/registry/organisations/new\"")
                && page.contains("href=\"/registry/organisations/RJ1\"")
        );
        let (status, page, _) = operator.get("/registry/organisations/new").await;
        assert_eq!(status, 200);
        let csrf = Browser::csrf_of(&page);
        let count =
            || async { app.store.registry().list_organisations(&store::Page::first(100)).await.unwrap().items.len() };
        let before = count().await;

        // Bad ODS code, no name, no kind: each named; an ODS code taken already: named.
        let (status, page, _) = operator
            .post(
                "/registry/organisations/new",
                &[("csrf_token", csrf.as_str()), ("ods_code", "R!1"), ("name", " "), ("kind", "")],
            )
            .await;
        assert_eq!(status, 422);
        for field in ["ods_code", "name", "kind"] {
            assert!(names(&page, field), "{field}: {:?}", summary(&page));
        }
        let taken = [("csrf_token", csrf.as_str()), ("ods_code", "rj1"), ("name", "Again"), ("kind", "acute_trust")];
        let (status, page, _) = operator.post("/registry/organisations/new", &taken).await;
        assert_eq!(status, 422);
        assert!(names(&page, "ods_code") && page.contains("registered already"), "{:?}", summary(&page));
        assert_eq!(count().await, before, "nothing stored");
        // CSRF missing or wrong.
        let good = [("ods_code", "rx9"), ("name", "Eastmoor Hospice"), ("kind", "hospice")];
        assert_eq!(operator.post("/registry/organisations/new", &good).await.0, 403);
        let mut wrong = good.to_vec();
        wrong.push(("csrf_token", WRONG_CSRF));
        assert_eq!(operator.post("/registry/organisations/new", &wrong).await.0, 403);
        assert_eq!(count().await, before, "nothing stored");
        // Registered: the same store call as the API's, then its page.
        let mut good = good.to_vec();
        good.push(("csrf_token", csrf.as_str()));
        let (status, _, location) = operator.post("/registry/organisations/new", &good).await;
        assert_eq!((status, location.as_deref()), (303, Some("/registry/organisations/RX9?saved=1")));
        let org = app.store.registry().find_by_ods(&domain::org::OdsCode::parse("RX9").unwrap()).await.unwrap();
        assert_eq!(org.name, "Eastmoor Hospice");
        let (status, page, _) = operator.get("/registry/organisations/RX9?saved=1").await;
        assert_eq!(status, 200);
        assert!(page.contains("Organisation registered") && page.contains("Eastmoor Hospice"));
        assert!(page.contains("id=\"no-keys\""), "no key before it first issues");
        assert!(page.contains("Named on the"), "an active organisation is on the trust list");

        // A's key, once made, is listed and trusted.
        let dir = tempfile::tempdir().unwrap();
        wallet_with_credentials(&app, &w, dir.path()).await;
        let (_, page, _) = operator.get("/registry/organisations/RJ1").await;
        let keys =
            page.split("id=\"keys\"").nth(1).unwrap_or_else(|| panic!("{page}")).split("</table>").next().unwrap();
        assert!(keys.contains("ES256") && keys.contains("Trusted"), "{keys}");
        assert_eq!(operator.get("/registry/organisations/ZZZ9").await.0, 404);

        // Organisation users, admins included, see none of it.
        world::user(&app, &w.a_id, "admin@rj1.test", &[Role::Admin]).await;
        let mut admin = Browser::new(&app);
        admin.sign_in("RJ1", "admin@rj1.test", None).await;
        for path in ["/registry/organisations/new", "/registry/organisations/RJ1"] {
            assert_eq!(admin.get(path).await.0, 404, "{path}");
        }
        let (_, page, _) = admin.get("/admin/security").await;
        let a_csrf = Browser::csrf_of(&page);
        let mut as_admin = good.clone();
        as_admin.retain(|(k, _)| *k != "csrf_token");
        as_admin.push(("csrf_token", a_csrf.as_str()));
        as_admin[0].1 = "rx8";
        assert_eq!(admin.post("/registry/organisations/new", &as_admin).await.0, 404);
        assert_eq!(count().await, before + 1);
        app
    })
    .await;
}

#[tokio::test]
async fn an_admin_requires_totp_of_everyone_and_sign_in_then_insists_on_enrolment() {
    each_backend(|app| async move {
        let w = world::build(&app).await;
        world::user(&app, &w.a_id, "admin@rj1.test", &[Role::Admin]).await;
        world::user(&app, &w.a_id, "trainer@rj1.test", &[Role::Training]).await;
        // Before: the trainer signs in with a password only.
        let mut trainer = Browser::new(&app);
        assert_eq!(trainer.sign_in("RJ1", "trainer@rj1.test", None).await, (303, Some("/".to_owned())));
        let mut admin = Browser::new(&app);
        admin.sign_in("RJ1", "admin@rj1.test", None).await;
        let (status, page, _) = admin.get("/admin/security").await;
        assert_eq!(status, 200);
        assert!(page.contains("href=\"/admin/security\""), "in the admin's menu");
        let csrf = Browser::csrf_of(&page);
        // No choice: named. CSRF missing or wrong: 403. Nothing changes.
        let (status, page, _) = admin.post("/admin/security", &[("csrf_token", csrf.as_str())]).await;
        assert_eq!(status, 422);
        assert!(names(&page, "totp_required"), "{:?}", summary(&page));
        assert_eq!(admin.post("/admin/security", &[("totp_required", "yes")]).await.0, 403);
        assert_eq!(admin.post("/admin/security", &[("totp_required", "yes"), ("csrf_token", WRONG_CSRF)]).await.0, 403);
        let a = OrgScope::system(&w.a_id, "test");
        assert!(!app.store.auth().org_totp_required(&a).await.unwrap());
        // Required.
        let (status, _, location) =
            admin.post("/admin/security", &[("totp_required", "yes"), ("csrf_token", csrf.as_str())]).await;
        assert_eq!((status, location.as_deref()), (303, Some("/admin/security?saved=1")));
        assert!(app.store.auth().org_totp_required(&a).await.unwrap());
        let (_, page, _) = admin.get("/admin/security?saved=1").await;
        assert!(page.contains("Every user of the organisation must give a code"));
        // The trainer's next sign-in insists on enrolment; B's users are unaffected.
        let mut trainer = Browser::new(&app);
        let (status, location) = trainer.sign_in("RJ1", "trainer@rj1.test", None).await;
        assert_eq!((status, location.as_deref()), (303, Some("/login/totp")));
        let (_, page, _) = trainer.get("/login/totp").await;
        assert!(page.contains("Set up your authenticator app"));
        assert_eq!(trainer.get("/people").await.0, 303, "no page before the second factor");
        let mut trainer = Browser::new(&app);
        assert_eq!(trainer.sign_in("RJ1", "trainer@rj1.test", Some(0)).await, (303, Some("/".to_owned())));
        let mut host = Browser::new(&app);
        assert_eq!(host.sign_in("RRK", &w.host_email, None).await, (303, Some("/".to_owned())));

        // Only an admin: not HR, not another organisation's admin (who sees their own flag).
        let mut hr = hr(&app, &w).await;
        assert_eq!(hr.get("/admin/security").await.0, 404);
        let (_, page, _) = hr.get("/people").await;
        let hr_csrf = Browser::csrf_of(&page);
        assert_eq!(
            hr.post("/admin/security", &[("totp_required", "no"), ("csrf_token", hr_csrf.as_str())]).await.0,
            404
        );
        assert!(app.store.auth().org_totp_required(&a).await.unwrap());
        world::user(&app, &w.b_id, "admin@rrk.test", &[Role::Admin]).await;
        let mut b_admin = Browser::new(&app);
        b_admin.sign_in("RRK", "admin@rrk.test", None).await;
        let (status, page, _) = b_admin.get("/admin/security").await;
        assert_eq!(status, 200);
        assert!(!page.contains("Every user of the organisation must give a code"));
        // Stopping it: sign-in with a password only again for someone never enrolled.
        let (status, _, _) =
            admin.post("/admin/security", &[("totp_required", "no"), ("csrf_token", csrf.as_str())]).await;
        assert_eq!(status, 303);
        world::user(&app, &w.a_id, "new@rj1.test", &[Role::Training]).await;
        let mut fresh = Browser::new(&app);
        assert_eq!(fresh.sign_in("RJ1", "new@rj1.test", None).await, (303, Some("/".to_owned())));
        app
    })
    .await;
}
