//! Issue 14 findings 2, 4, 7 and 9 over HTTP: login throttling (the 11th wrong password costs no hash),
//! token expiry, listing and revocation, disabling a user, the password rule, and what every answer
//! carries (problem details, security headers, `no-store`, CORS on the wallet-facing routes only).

use serde_json::{Value, json};
use testkit::{TestApp, each_backend};

const PASSWORD: &str = "tangerine lighthouse orbit";

async fn login(app: &TestApp, email: &str, password: &str) -> reqwest::Response {
    let body = json!({"ods_code": "RJ1", "email": email, "password": password});
    app.client.post(app.url("/api/v1/auth/token")).json(&body).send().await.unwrap()
}

/// A user of RJ1 with a password; returns their id.
async fn user_with_password(app: &TestApp, admin: &str, email: &str, roles: &[&str]) -> String {
    let body = json!({"email": email, "display_name": "Someone", "roles": roles, "password": PASSWORD});
    let (status, user) = app.post(admin, "/api/v1/users", &body).await;
    assert_eq!(status, 201, "{user}");
    user["id"].as_str().unwrap().to_owned()
}

#[tokio::test]
async fn the_eleventh_wrong_password_is_refused_without_computing_a_hash() {
    each_backend(|app| async move {
        let org = app.organisation("RJ1", "Trust").await;
        user_with_password(&app, &org.admin_token, "hr@rj1.test", &["hr"]).await;
        for attempt in 1..=10 {
            assert_eq!(login(&app, "hr@rj1.test", "wrong wrong wrong").await.status(), 401, "attempt {attempt}");
        }
        let hashes = app.store.auth().password_hashes();
        let eleventh = login(&app, "hr@rj1.test", "wrong wrong wrong").await;
        assert_eq!(eleventh.status(), 429);
        assert!(eleventh.headers()["retry-after"].to_str().unwrap().parse::<u64>().unwrap() > 0);
        assert_eq!(eleventh.headers()["content-type"], "application/problem+json");
        let right = login(&app, "hr@rj1.test", PASSWORD).await;
        assert_eq!(right.status(), 429, "locked: even the right password waits");
        assert_eq!(app.store.auth().password_hashes(), hashes, "a refusal while locked computed a hash");
        // An unknown account is locked the same way, so a lock says nothing about existence.
        for _ in 0..10 {
            assert_eq!(login(&app, "nobody@rj1.test", "wrong wrong wrong").await.status(), 401);
        }
        assert_eq!(login(&app, "nobody@rj1.test", "wrong wrong wrong").await.status(), 429);
        // Another account is unaffected.
        user_with_password(&app, &org.admin_token, "training@rj1.test", &["training"]).await;
        assert_eq!(login(&app, "training@rj1.test", PASSWORD).await.status(), 201);
        app
    })
    .await;
}

#[tokio::test]
async fn a_common_password_is_refused_naming_password() {
    each_backend(|app| async move {
        let org = app.organisation("RJ1", "Trust").await;
        for password in ["password12", "qwertyuiop", "Manchester1!"] {
            let body = json!({"email": "a@rj1.test", "display_name": "A", "roles": ["hr"], "password": password});
            let (status, problem) = app.post(&org.admin_token, "/api/v1/users", &body).await;
            assert_eq!(status, 422, "{password}: {problem}");
            assert_eq!(problem["errors"][0]["field"], "password", "{problem}");
        }
        let body = json!({"email": "a@rj1.test", "display_name": "A", "roles": ["hr"], "password": PASSWORD});
        assert_eq!(app.post(&org.admin_token, "/api/v1/users", &body).await.0, 201);
        app
    })
    .await;
}

#[tokio::test]
async fn tokens_expire_are_listed_and_revoked_and_a_disabled_user_is_shut_out() {
    each_backend(|app| async move {
        let org = app.organisation("RJ1", "Trust").await;
        let id = user_with_password(&app, &org.admin_token, "hr@rj1.test", &["hr"]).await;
        let issued: Value = login(&app, "hr@rj1.test", PASSWORD).await.json().await.unwrap();
        let token = issued["token"].as_str().unwrap().to_owned();
        let expires: chrono::DateTime<chrono::Utc> = issued["expires_at"].as_str().unwrap().parse().unwrap();
        let days = (expires - chrono::Utc::now()).num_days();
        assert!((29..=30).contains(&days), "a login token lives 30 days, not {days}");

        // Own tokens: listed, and one revoked ends it.
        let (status, second) = app.post(&token, &format!("/api/v1/users/{id}/tokens"), &json!({"label": "rota"})).await;
        assert_eq!(status, 201);
        let (status, list) = app.get(&token, &format!("/api/v1/users/{id}/tokens")).await;
        assert_eq!(status, 200);
        assert_eq!(list.as_array().unwrap().len(), 2, "{list}");
        assert!(list.to_string().find("sp_").is_none(), "a listing never shows a secret");
        let second_id = second["id"].as_str().unwrap();
        let (status, _) = app.delete(&token, &format!("/api/v1/users/{id}/tokens/{second_id}")).await;
        assert_eq!(status, 204);
        assert_eq!(app.get(second["token"].as_str().unwrap(), "/api/v1/people").await.0, 401);
        assert_eq!(app.get(&token, "/api/v1/people").await.0, 200);

        // A token past its expiry is refused (issued by a store whose tokens live 300 ms).
        let short = app.store.clone().with_token_ttl(chrono::Duration::milliseconds(300));
        let scope = store::OrgScope::system(&org.id, "test");
        let brief = short.auth().issue_token(&scope, &id, "brief").await.unwrap().token;
        assert_eq!(app.get(&brief, "/api/v1/people").await.0, 200);
        tokio::time::sleep(std::time::Duration::from_millis(400)).await;
        assert_eq!(app.get(&brief, "/api/v1/people").await.0, 401, "an expired token still works");

        // An admin revokes every token of a user, then disables them: tokens and password stop working.
        let (status, revoked) = app.delete(&org.admin_token, &format!("/api/v1/users/{id}/tokens")).await;
        assert_eq!(status, 200);
        assert!(revoked["revoked"].as_u64().unwrap() >= 1, "{revoked}");
        assert_eq!(app.get(&token, "/api/v1/people").await.0, 401);
        let fresh: Value = login(&app, "hr@rj1.test", PASSWORD).await.json().await.unwrap();
        let (status, user) = app.post(&org.admin_token, &format!("/api/v1/users/{id}/disable"), &json!({})).await;
        assert_eq!((status, &user["disabled"]), (200, &json!(true)));
        assert_eq!(app.get(fresh["token"].as_str().unwrap(), "/api/v1/people").await.0, 401);
        assert_eq!(login(&app, "hr@rj1.test", PASSWORD).await.status(), 401);
        // Someone else's tokens are not a non-admin's business.
        let other = user_with_password(&app, &org.admin_token, "t@rj1.test", &["training"]).await;
        let t: Value = login(&app, "t@rj1.test", PASSWORD).await.json().await.unwrap();
        let (status, _) = app.get(t["token"].as_str().unwrap(), &format!("/api/v1/users/{id}/tokens")).await;
        assert_eq!(status, 404);
        let (status, _) = app.post(&org.admin_token, &format!("/api/v1/users/{other}/enable"), &json!({})).await;
        assert_eq!(status, 200);
        app
    })
    .await;
}

fn header<'a>(response: &'a reqwest::Response, name: &str) -> Option<&'a str> {
    response.headers().get(name).map(|v| v.to_str().unwrap())
}

#[tokio::test]
async fn every_error_is_a_problem_and_every_answer_carries_security_headers() {
    each_backend(|app| async move {
        let org = app.organisation("RJ1", "Trust").await;
        let send = |method: &str, path: &str| {
            let method = reqwest::Method::from_bytes(method.as_bytes()).unwrap();
            app.client.request(method, app.url(path)).bearer_auth(&org.admin_token).send()
        };
        // Unmatched routes, a method not allowed, a path that is not UTF-8, a query value of the wrong type.
        for (method, path, status) in [
            ("GET", "/no/such/route", 404),
            ("GET", "/api/v1/no-such-thing", 404),
            ("DELETE", "/api/v1/people", 405),
            ("GET", "/api/v1/people/%FF%FE", 400),
            ("GET", "/api/v1/people?limit=many", 422),
        ] {
            let response = send(method, path).await.unwrap();
            assert_eq!(response.status().as_u16(), status, "{method} {path}");
            assert_eq!(header(&response, "content-type"), Some("application/problem+json"), "{method} {path}");
            if status == 405 {
                assert!(header(&response, "allow").is_some_and(|a| a.contains("GET")));
            }
            let problem: Value = response.json().await.unwrap();
            assert_eq!(problem["status"], status, "{problem}");
            assert!(problem["type"].as_str().unwrap().starts_with("https://"), "{problem}");
        }
        // OAuth endpoints answer OAuth errors.
        let response = app.client.get(app.url("/issuers/RJ1/token")).send().await.unwrap();
        assert_eq!(response.status(), 405);
        let error: Value = response.json().await.unwrap();
        assert_eq!(error["error"], "invalid_request", "{error}");

        // Security headers everywhere; personal data is never cached.
        for path in ["/health", "/api/v1/people", "/no/such/route", "/openapi.json"] {
            let response = send("GET", path).await.unwrap();
            assert_eq!(header(&response, "x-content-type-options"), Some("nosniff"), "{path}");
            assert_eq!(header(&response, "x-frame-options"), Some("DENY"), "{path}");
            assert_eq!(header(&response, "referrer-policy"), Some("no-referrer"), "{path}");
            assert!(header(&response, "content-security-policy").is_some_and(|c| c.contains("frame-ancestors 'none'")));
        }
        let people = send("GET", "/api/v1/people").await.unwrap();
        assert_eq!(header(&people, "cache-control"), Some("no-store"));
        assert_eq!(header(&people, "access-control-allow-origin"), None, "no CORS on the API");

        // CORS on the wallet-facing routes, preflight included; not on the API.
        let metadata =
            app.client.get(app.url("/.well-known/openid-credential-issuer/issuers/RJ1")).send().await.unwrap();
        assert_eq!(header(&metadata, "access-control-allow-origin"), Some("*"));
        let preflight = |path: &str| {
            app.client
                .request(reqwest::Method::OPTIONS, app.url(path))
                .header("origin", "https://wallet.example")
                .header("access-control-request-method", "POST")
                .header("access-control-request-headers", "authorization, content-type")
                .send()
        };
        let allowed = preflight("/issuers/RJ1/credential").await.unwrap();
        assert_eq!(allowed.status(), 204);
        assert_eq!(header(&allowed, "access-control-allow-origin"), Some("*"));
        assert!(header(&allowed, "access-control-allow-methods").is_some_and(|m| m.contains("POST")));
        let refused = preflight("/api/v1/people").await.unwrap();
        assert_eq!(header(&refused, "access-control-allow-origin"), None);
        app
    })
    .await;
}
