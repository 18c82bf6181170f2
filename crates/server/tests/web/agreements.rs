//! The agreement pages over plain HTTP: the employer's HR drafts a deployment (each bad field named,
//! nothing stored), proposes it; the host's HR finds it among its visiting workers, signs, and shows
//! the worker a signing QR code; a withdrawal needs a reason; the signed export carries both
//! signatures. Organisations that are not parties, and roles without HR, get 404; forms need the
//! session's CSRF token.

use domain::agreement::TermsFamily;
use store::{OrgScope, RegistryScope, Role};
use testkit::each_backend;

use crate::http::Browser;
use crate::world;

/// Where a redirect to `/agreements/{id}?saved=…` points: the agreement id.
fn agreement_id(location: &str) -> String {
    location.trim_start_matches("/agreements/").split('?').next().unwrap().to_owned()
}

#[tokio::test]
async fn parties_draft_propose_sign_and_withdraw_a_deployment_in_the_portal() {
    each_backend(|app| async move {
        let w = world::build(&app).await;
        let body = "NHS core terms: the worker stays employed by the home organisation (licence to attend).";
        app.store
            .publish_core_terms(
                &RegistryScope::system("test"),
                "nhs-core-terms",
                "2026.1",
                TermsFamily::Nhs,
                "NHS core terms",
                body,
            )
            .await
            .unwrap();
        world::user(&app, &w.b_id, "hr@rrk.test", &[Role::Hr]).await;
        let c = app.organisation("R1H", "Outside Trust").await;
        world::user(&app, &c.id, "hr@r1h.test", &[Role::Hr]).await;

        let mut employer = Browser::new(&app);
        employer.sign_in("RJ1", &w.hr_email, Some(0)).await;
        let new = format!("/agreements/new?person_id={}", w.worker_id);
        let (status, page, _) = employer.get(&new).await;
        assert_eq!(status, 200, "{page}");
        assert!(page.contains("Draft a deployment") && page.contains("NHS core terms (version 2026.1)"), "{page}");
        let csrf = Browser::csrf_of(&page);
        let person = w.worker_id.as_str();

        // Every wrong field is named, and nothing is stored.
        let bad = [("csrf_token", csrf.as_str()), ("person_id", person), ("end", "31/02/2026")];
        let (status, page, _) = employer.post("/agreements/new", &bad).await;
        assert_eq!(status, 422, "{page}");
        for field in ["host_ods", "roles", "start", "end", "core_terms"] {
            assert!(page.contains(&format!("href=\"#{field}\"")), "{field} not in the error summary");
        }
        let good = |host: &'static str| -> Vec<(&'static str, String)> {
            [
                ("csrf_token", csrf.as_str()),
                ("person_id", person),
                ("host_ods", host),
                ("roles", "BANK-RN"),
                ("start", "1/5/2026"),
                ("end", "30/9/2026"),
                ("core_terms", "nhs-core-terms@2026.1"),
                ("car_parking", "Staff car park B"),
            ]
            .into_iter()
            .map(|(k, v)| (k, v.to_owned()))
            .collect()
        };
        let unknown = good("ZZ9");
        let unknown: Vec<(&str, &str)> = unknown.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let (status, page, _) = employer.post("/agreements/new", &unknown).await;
        assert_eq!(status, 422);
        assert!(page.contains("href=\"#host_ods\"") && page.contains("not a registered organisation"), "{page}");
        let a_scope = OrgScope::system(&w.a_id, "test");
        let listed = app.store.agreements(&a_scope).list(&store::Page::first(10), None).await.unwrap();
        assert!(listed.items.is_empty(), "nothing stored from refused forms");

        let form = good("RRK");
        let form: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let (status, _, location) = employer.post("/agreements/new", &form).await;
        assert_eq!(status, 303);
        let id = agreement_id(&location.unwrap());
        let path = format!("/agreements/{id}");
        let (status, page, _) = employer.get(&format!("{path}?saved=created")).await;
        assert_eq!(status, 200);
        assert!(page.contains(">draft<") && page.contains("Staff car park B") && page.contains("id=\"propose\""));
        // Without the session's token the action is refused.
        assert_eq!(employer.post(&format!("{path}/propose"), &[]).await.0, 403);
        let (status, _, _) = employer.post(&format!("{path}/propose"), &[("csrf_token", &csrf)]).await;
        assert_eq!(status, 303);

        // The host's HR sees a visiting worker, signs, and asks the worker's wallet to sign.
        let mut host = Browser::new(&app);
        host.sign_in("RRK", "hr@rrk.test", None).await;
        let (status, page, _) = host.get("/agreements?part=host").await;
        assert_eq!(status, 200);
        assert!(page.contains(&id) && page.contains("Okafor") && page.contains("BANK-RN"), "{page}");
        let (_, page, _) = host.get(&path).await;
        assert!(page.contains(">proposed<") && page.contains("id=\"sign\""), "{page}");
        let host_csrf = Browser::csrf_of(&page);
        assert_eq!(host.post(&format!("{path}/sign"), &[("csrf_token", &host_csrf)]).await.0, 303);
        let (_, page, _) = host.get(&path).await;
        assert!(page.contains("The worker, with their wallet") && page.contains("id=\"ask-worker\""), "{page}");
        assert!(!page.contains("id=\"sign\""), "signed once only");
        let (status, page, _) = host.post(&format!("{path}/worker-signing"), &[("csrf_token", &host_csrf)]).await;
        assert_eq!(status, 200);
        assert!(page.contains("openid4vp://") && page.contains("id=\"signing-link\""), "{page}");

        // Anyone's verify reads both organisations' signatures from the export.
        let (status, export, headers) = host.get(&format!("{path}/export")).await;
        assert_eq!(status, 200);
        assert!(headers["content-disposition"].to_str().unwrap().starts_with("attachment"));
        let export: serde_json::Value = serde_json::from_str(&export).unwrap();
        assert_eq!(export["signatures"].as_array().unwrap().len(), 2, "{export}");

        // Not a party, or no HR role: not found.
        let mut outsider = Browser::new(&app);
        outsider.sign_in("R1H", "hr@r1h.test", None).await;
        for p in [path.clone(), format!("{path}/export")] {
            assert_eq!(outsider.get(&p).await.0, 404, "{p}");
        }
        let (_, page, _) = outsider.get("/agreements").await;
        assert!(!page.contains(&id));
        let outsider_csrf = Browser::csrf_of(&page);
        assert_eq!(
            outsider.post(&format!("{path}/withdraw"), &[("csrf_token", &outsider_csrf), ("reason", "x")]).await.0,
            404
        );
        let mut verifier = Browser::new(&app);
        verifier.sign_in("RRK", &w.host_email, None).await;
        assert_eq!(verifier.get("/agreements").await.0, 404);
        assert_eq!(verifier.get(&path).await.0, 404);

        // The worker sees it among their agreements and makes the signing request for their own wallet;
        // another worker and staff cannot.
        crate::me::with_workers(&app, &w).await;
        let mut worker = Browser::new(&app);
        worker.worker_sign_in(crate::me::WORKER_EMAIL, world::PASSWORD).await;
        let (status, page, _) = worker.get("/me/agreements").await;
        assert_eq!(status, 200);
        assert!(
            page.contains(&id) && page.contains("Staff car park B") && page.contains("Sign with your wallet"),
            "{page}"
        );
        let sign = format!("/me/agreements/{id}/sign");
        assert_eq!(worker.post(&sign, &[]).await.0, 403);
        let (status, page, _) = worker.post(&sign, &[("csrf_token", &Browser::csrf_of(&page))]).await;
        assert_eq!(status, 200);
        assert!(page.contains("id=\"signing-link\"") && page.contains("openid4vp://"), "{page}");
        let mut other = Browser::new(&app);
        other.worker_sign_in("other.worker@example.nhs.uk", world::PASSWORD).await;
        let (_, page, _) = other.get("/me/agreements").await;
        assert!(!page.contains(&id) && page.contains("You have no agreements yet"), "{page}");
        assert_eq!(other.post(&sign, &[("csrf_token", &Browser::csrf_of(&page))]).await.0, 404);
        assert_eq!(employer.get("/me/agreements").await.0, 404);

        // A withdrawal needs a reason, then shows it.
        let (status, page, _) =
            host.post(&format!("{path}/withdraw"), &[("csrf_token", &host_csrf), ("reason", " ")]).await;
        assert_eq!(status, 422);
        assert!(page.contains("href=\"#reason\""), "{page}");
        let reason = [("csrf_token", host_csrf.as_str()), ("reason", "Ward closed for refurbishment")];
        assert_eq!(host.post(&format!("{path}/withdraw"), &reason).await.0, 303);
        let (_, page, _) = employer.get(&path).await;
        assert!(page.contains(">withdrawn<") && page.contains("Ward closed for refurbishment"), "{page}");
        assert!(!page.contains("id=\"withdraw\""), "nothing left to withdraw");
        app
    })
    .await;
}
