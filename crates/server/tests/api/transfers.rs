//! Inter-authority transfer over HTTP: consent, automatic match, stage 1 and its report, refusals
//! as 422 problems naming the field, partial match → proposal → approval by a second user.

use serde_json::json;
use testkit::{each_backend, fixtures};

use crate::flows::{add, person};

#[tokio::test]
async fn consent_match_and_stage_one_over_the_api() {
    each_backend(|app| async move {
        let old = app.organisation("RRK", "Old Trust").await;
        let new = app.organisation("RJ1", "New Trust").await;
        let earlier = person(&app, &old.admin_token, "Núñez-García", "AB123456C").await;
        add(
            &app,
            &old.admin_token,
            &format!("/api/v1/people/{earlier}/checks"),
            &fixtures::dbs_check("enhanced_adults", "2025-11-02"),
        )
        .await;
        let applicant = person(&app, &new.admin_token, "nunez garcia", "AB123456C").await;
        let base = format!("/api/v1/people/{applicant}");
        add(&app, &new.admin_token, &format!("{base}/assignments"), &fixtures::assignment("NURSE", "applicant")).await;
        let t = &new.admin_token;

        let (status, matches) = app.get(t, &format!("{base}/transfer-matches")).await;
        assert_eq!(status, 200, "{matches}");
        assert_eq!(matches[0]["class"], "automatic");
        assert_eq!(matches[0]["ods_code"], "RRK");

        let (status, transfer) = app.post(t, &format!("{base}/transfers/automatic"), &json!({})).await;
        assert_eq!(status, 201, "{transfer}");
        assert_eq!(transfer["status"], "approved");
        let run = format!("/api/v1/transfers/{}/run", transfer["id"].as_str().unwrap());

        // No consent: 422 naming the field, nothing copied.
        let (status, problem) = app.post(t, &run, &json!({})).await;
        assert_eq!(status, 422, "{problem}");
        assert!(problem.to_string().contains("consent"), "{problem}");
        let (status, problem) =
            app.post(t, &format!("{base}/transfer-consent"), &json!({"given": true, "method": "paper"})).await;
        assert_eq!(status, 422, "{problem}");
        assert!(problem.to_string().contains("evidence_ref"), "{problem}");
        let (status, _) = app
            .post(
                t,
                &format!("{base}/transfer-consent"),
                &json!({"given": true, "method": "paper", "evidence_ref": "SCAN-1"}),
            )
            .await;
        assert_eq!(status, 201);

        let (status, report) = app.post(t, &run, &json!({})).await;
        assert_eq!(status, 200, "{report}");
        assert_eq!(report["transfer"]["status"], "stage1_done");
        let copied: Vec<_> = report["lines"].as_array().unwrap().iter().filter(|l| l["decision"] == "copied").collect();
        assert_eq!(copied.len(), 1, "{report}");
        let (_, checks) = app.get(t, &format!("{base}/checks")).await;
        assert_eq!(checks[0]["provenance"]["source"], "iat");
        assert_eq!(checks[0]["provenance"]["source_ods"], "RRK");
        // Rerun: the same report.
        let (_, again) = app.post(t, &run, &json!({})).await;
        assert_eq!(again, report);
        let (status, mine) = app.get(t, &format!("{base}/transfers")).await;
        assert_eq!(status, 200);
        assert_eq!(mine.as_array().unwrap().len(), 1);
        let (status, queue) = app.get(t, "/api/v1/transfers?status=stage1_done").await;
        assert_eq!(status, 200, "{queue}");
        assert_eq!(queue["items"].as_array().unwrap().len(), 1);
        app
    })
    .await;
}
