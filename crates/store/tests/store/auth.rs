//! Passwords, tokens and principals.

use store::testing::each_backend;
use store::{OrgStatus, RegistryScope, Role, StoreError, TOKEN_PREFIX};

use crate::common::{PASSWORD, org, user};

#[tokio::test]
async fn password_login_gives_scope_and_roles() {
    each_backend(|store| async move {
        let (rj1, scope) = org(&store, "RJ1").await;
        let id = user(&store, &scope, "Hr.Lead@nhs.net", &[Role::Hr, Role::Admin]).await;
        let p = store.auth().login("rj1", "hr.lead@NHS.net", PASSWORD).await.unwrap();
        assert_eq!(p.user_id, id);
        assert!(p.has_role(Role::Hr) && p.has_role(Role::Admin) && !p.has_role(Role::Verifier));
        assert!(!p.operator);
        assert_eq!(p.scope.expect("org scope").org_id(), rj1.id);
    })
    .await;
}

#[tokio::test]
async fn wrong_password_unknown_user_and_wrong_org_are_unauthenticated() {
    each_backend(|store| async move {
        let (_, scope) = org(&store, "RJ1").await;
        org(&store, "RRK").await;
        user(&store, &scope, "a@nhs.net", &[Role::Hr]).await;
        let auth = store.auth();
        for (ods, email, password) in [
            ("RJ1", "a@nhs.net", "wrong password!"),
            ("RJ1", "b@nhs.net", PASSWORD),
            ("RRK", "a@nhs.net", PASSWORD),
            ("XXX", "a@nhs.net", PASSWORD),
        ] {
            let err = auth.login(ods, email, password).await.unwrap_err();
            assert!(matches!(err, StoreError::Unauthenticated), "{ods} {email}: {err:?}");
        }
    })
    .await;
}

#[tokio::test]
async fn token_authenticates_until_revoked() {
    each_backend(|store| async move {
        let (rj1, scope) = org(&store, "RJ1").await;
        let id = user(&store, &scope, "a@nhs.net", &[Role::Training]).await;
        let auth = store.auth();
        let issued = auth.issue_token(&scope, &id, "laptop").await.unwrap();
        assert!(issued.token.starts_with(TOKEN_PREFIX));
        assert_eq!(issued.token.len(), TOKEN_PREFIX.len() + 64);

        let p = auth.authenticate_token(&issued.token).await.unwrap();
        assert_eq!(p.user_id, id);
        assert_eq!(p.roles, vec![Role::Training]);
        assert_eq!(p.scope.unwrap().org_id(), rj1.id);

        let listed = auth.list_tokens(&scope, &id).await.unwrap();
        assert_eq!(listed.len(), 1);
        assert_eq!(listed[0].revoked_at, None);

        auth.revoke_token(&scope, &issued.id).await.unwrap();
        let err = auth.authenticate_token(&issued.token).await.unwrap_err();
        assert!(matches!(err, StoreError::Unauthenticated));
        assert!(auth.list_tokens(&scope, &id).await.unwrap()[0].revoked_at.is_some());
        // A revoked token cannot be revoked again.
        assert!(matches!(auth.revoke_token(&scope, &issued.id).await, Err(StoreError::NotFound)));
        // user.create, token.issue and token.revoke are on the organisation's chain.
        let report = store.verify_audit().await.unwrap();
        assert!(report.is_ok(), "{report:?}");
        assert_eq!(report.entries_checked, 2 + 3);
    })
    .await;
}

#[tokio::test]
async fn invalid_tokens_are_unauthenticated() {
    each_backend(|store| async move {
        let auth = store.auth();
        let well_formed_unknown = format!("{TOKEN_PREFIX}{}", "ab".repeat(32));
        for token in ["", "sp_", "Bearer x", "sp_short", well_formed_unknown.as_str()] {
            let err = auth.authenticate_token(token).await.unwrap_err();
            assert!(matches!(err, StoreError::Unauthenticated), "{token:?}");
        }
    })
    .await;
}

#[tokio::test]
async fn another_organisation_cannot_revoke_or_issue_tokens_for_my_users() {
    each_backend(|store| async move {
        let (_, a) = org(&store, "RJ1").await;
        let (_, b) = org(&store, "RRK").await;
        let id = user(&store, &a, "a@nhs.net", &[Role::Admin]).await;
        let auth = store.auth();
        let issued = auth.issue_token(&a, &id, "t").await.unwrap();
        assert!(matches!(auth.revoke_token(&b, &issued.id).await, Err(StoreError::NotFound)));
        assert!(matches!(auth.issue_token(&b, &id, "t").await, Err(StoreError::NotFound)));
        assert!(matches!(auth.get_user(&b, &id).await, Err(StoreError::NotFound)));
        assert!(auth.authenticate_token(&issued.token).await.is_ok());
    })
    .await;
}

#[tokio::test]
async fn disabled_user_and_suspended_organisation_cannot_authenticate() {
    each_backend(|store| async move {
        let (rj1, scope) = org(&store, "RJ1").await;
        let id = user(&store, &scope, "a@nhs.net", &[Role::Hr]).await;
        let auth = store.auth();
        let token = auth.issue_token(&scope, &id, "t").await.unwrap().token;

        auth.set_disabled(&scope, &id, true).await.unwrap();
        assert!(auth.authenticate_token(&token).await.is_err());
        assert!(auth.login("RJ1", "a@nhs.net", PASSWORD).await.is_err());
        auth.set_disabled(&scope, &id, false).await.unwrap();
        assert!(auth.authenticate_token(&token).await.is_ok());

        let registry = store.registry();
        let op = RegistryScope::system("test");
        registry.set_status(&op, &rj1.id, OrgStatus::Suspended).await.unwrap();
        assert!(auth.authenticate_token(&token).await.is_err());
        assert!(auth.login("RJ1", "a@nhs.net", PASSWORD).await.is_err());
    })
    .await;
}

#[tokio::test]
async fn operator_logs_in_and_gets_registry_scope_only() {
    each_backend(|store| async move {
        let auth = store.auth();
        let op = auth
            .create_operator(&RegistryScope::system("bootstrap"), "Ops@Registry.nhs.uk", "Ops", Some(PASSWORD))
            .await
            .unwrap();
        assert!(op.operator && op.org_id.is_none());
        let p = auth.operator_login("ops@registry.nhs.uk", PASSWORD).await.unwrap();
        assert!(p.operator && p.scope.is_none() && p.roles.is_empty());
        assert!(p.registry_scope().is_some());

        let token = auth.issue_operator_token(&p.registry_scope().unwrap(), &op.id, "cli").await.unwrap();
        let p2 = auth.authenticate_token(&token.token).await.unwrap();
        assert!(p2.operator && p2.scope.is_none());
        // An operator is not an organisation user.
        assert!(auth.login("RJ1", "ops@registry.nhs.uk", PASSWORD).await.is_err());
    })
    .await;
}

#[tokio::test]
async fn duplicate_email_in_one_organisation_is_conflict_naming_email() {
    each_backend(|store| async move {
        let (_, a) = org(&store, "RJ1").await;
        let (_, b) = org(&store, "RRK").await;
        user(&store, &a, "a@nhs.net", &[Role::Hr]).await;
        // The same email in another organisation is a different account.
        user(&store, &b, "a@nhs.net", &[Role::Hr]).await;
        let err = store
            .auth()
            .create_user(
                &a,
                store::NewUser {
                    email: "A@nhs.net".into(),
                    display_name: "x".into(),
                    roles: vec![Role::Hr],
                    password: None,
                },
            )
            .await
            .unwrap_err();
        assert!(matches!(err, StoreError::Conflict { ref field, .. } if field == "email"), "{err:?}");
    })
    .await;
}

#[tokio::test]
async fn short_password_is_invalid() {
    each_backend(|store| async move {
        let (_, a) = org(&store, "RJ1").await;
        let id = user(&store, &a, "a@nhs.net", &[Role::Hr]).await;
        let err = store.auth().set_password(&a, &id, "short").await.unwrap_err();
        assert!(matches!(err, StoreError::Invalid(ref e) if e.field == "password"));
    })
    .await;
}
