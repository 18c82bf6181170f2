//! Worker accounts and self-service: invitations (expired, reused, another organisation's), one account
//! gathering records from two organisations, contact changes with their history, the access log.

use chrono::{Duration, TimeZone, Utc};
use store::testing::each_backend;
use store::{AcceptInvitation, AccessActor, ContactDetails, OrgScope, Role, Source, Store, StoreError, WorkerScope};

use crate::common::{PASSWORD, org, person, user};

const WORKER_PASSWORD: &str = "my own long password";

fn now() -> chrono::DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 6, 1, 12, 0, 0).unwrap()
}

fn field_of(result: Result<impl std::fmt::Debug, StoreError>) -> String {
    match result {
        Err(StoreError::Invalid(e)) => format!("{}: {}", e.field, e.problem),
        other => panic!("expected Invalid, got {other:?}"),
    }
}

/// Invites the person and accepts at `ods`, returning the worker's scope.
async fn enrol(store: &Store, scope: &OrgScope, ods: &str, person_id: &str, email: &str) -> WorkerScope {
    let invitation = store.auth().invite_worker(scope, person_id, email, now()).await.unwrap();
    let accept = AcceptInvitation { ods_code: ods, token: &invitation.token, password: WORKER_PASSWORD };
    let principal = store.auth().accept_invitation(&accept, now() + Duration::hours(1)).await.unwrap();
    assert_eq!(principal.roles, vec![Role::Worker]);
    assert!(principal.scope.is_none(), "a worker account belongs to no organisation");
    principal.worker_scope().expect("worker scope")
}

#[tokio::test]
async fn invitation_is_refused_when_expired_reused_or_presented_elsewhere() {
    each_backend(|store| async move {
        let (_, a) = org(&store, "RJ1").await;
        let (_, b) = org(&store, "RRK").await;
        let pid = store.dataset(&a).create_person(&person(1)).await.unwrap().id;
        let auth = store.auth();

        // B's HR cannot invite A's person.
        assert!(matches!(auth.invite_worker(&b, &pid, "w@nhs.net", now()).await, Err(StoreError::NotFound)));

        let invitation = auth.invite_worker(&a, &pid, "W@nhs.net", now()).await.unwrap();
        assert_eq!(invitation.expires_at, now() + Duration::hours(72));
        assert_eq!(invitation.email, "w@nhs.net");
        let accept =
            |ods: &'static str| AcceptInvitation { ods_code: ods, token: &invitation.token, password: WORKER_PASSWORD };
        let late = now() + Duration::hours(72);
        assert!(field_of(auth.accept_invitation(&accept("RJ1"), late).await).starts_with("token: has expired"));
        let on_time = now() + Duration::hours(71);
        assert_eq!(field_of(auth.accept_invitation(&accept("RRK"), on_time).await), "token: is not an invitation");
        let short = AcceptInvitation { password: "short", ..accept("RJ1") };
        assert!(field_of(auth.accept_invitation(&short, on_time).await).starts_with("password:"));
        auth.accept_invitation(&accept("RJ1"), on_time).await.unwrap();
        assert_eq!(field_of(auth.accept_invitation(&accept("RJ1"), on_time).await), "token: has already been used");
        let forged = AcceptInvitation { token: "spw_0000", ..accept("RJ1") };
        assert_eq!(field_of(auth.accept_invitation(&forged, on_time).await), "token: is not an invitation");

        // The linked record cannot be invited again; the worker can log in and gets a working token.
        assert!(matches!(
            auth.invite_worker(&a, &pid, "w@nhs.net", now()).await,
            Err(StoreError::Conflict { field, .. }) if field == "person_id"
        ));
        let principal = auth.worker_login("w@nhs.net", WORKER_PASSWORD).await.unwrap();
        let token = auth.issue_worker_token(&principal.worker_scope().unwrap(), "test").await.unwrap();
        let again = auth.authenticate_token(&token.token).await.unwrap();
        assert_eq!(again.user_id, principal.user_id);
        assert!(again.scope.is_none() && again.worker_scope().is_some());
        assert!(matches!(auth.worker_login("w@nhs.net", "wrong password!").await, Err(StoreError::Unauthenticated)));
        // No organisation user login reaches a worker account.
        assert!(auth.login("RJ1", "w@nhs.net", WORKER_PASSWORD).await.is_err());
        assert!(store.verify_audit().await.unwrap().is_ok());
    })
    .await;
}

#[tokio::test]
async fn one_account_gathers_records_from_two_organisations_and_sees_no_one_else() {
    each_backend(|store| async move {
        let (_, a) = org(&store, "RJ1").await;
        let (_, b) = org(&store, "RRK").await;
        let in_a = store.dataset(&a).create_person(&person(1)).await.unwrap().id;
        let in_b = store.dataset(&b).create_person(&person(2)).await.unwrap().id;
        let other = store.dataset(&b).create_person(&person(3)).await.unwrap().id;
        let worker = enrol(&store, &a, "RJ1", &in_a, "w@nhs.net").await;

        // B's invitation for the same email links to the same account, only with its password.
        let invitation = store.auth().invite_worker(&b, &in_b, "w@nhs.net", now()).await.unwrap();
        let wrong = AcceptInvitation { ods_code: "RRK", token: &invitation.token, password: "not my password" };
        assert!(field_of(store.auth().accept_invitation(&wrong, now()).await).starts_with("password:"));
        let right = AcceptInvitation { password: WORKER_PASSWORD, ..wrong };
        let principal = store.auth().accept_invitation(&right, now()).await.unwrap();
        assert_eq!(principal.user_id, worker.account_id());

        let me = store.me(&worker);
        let orgs = me.organisations().await.unwrap();
        let codes: Vec<_> = orgs.iter().map(|o| (o.ods_code.as_str(), o.person_id.as_str())).collect();
        assert_eq!(codes, vec![("RJ1", in_a.as_str()), ("RRK", in_b.as_str())]);
        assert_eq!(me.record("RJ1").await.unwrap().record.person.family_name, "Okafor001");
        assert_eq!(me.record("rrk").await.unwrap().record.person.family_name, "Okafor002");

        // A second worker sees only their own.
        let second = enrol(&store, &b, "RRK", &other, "x@nhs.net").await;
        let theirs = store.me(&second);
        assert!(matches!(theirs.record("RJ1").await, Err(StoreError::NotFound)));
        assert_eq!(theirs.record("RRK").await.unwrap().record.person.family_name, "Okafor003");
        assert!(matches!(theirs.credentials("RJ1").await, Err(StoreError::NotFound)));
    })
    .await;
}

#[tokio::test]
async fn contact_change_is_stamped_self_service_and_kept_for_hr() {
    each_backend(|store| async move {
        let (_, a) = org(&store, "RJ1").await;
        let pid = store.dataset(&a).create_person(&person(1)).await.unwrap().id;
        let worker = enrol(&store, &a, "RJ1", &pid, "w@nhs.net").await;
        let contact: ContactDetails = serde_json::from_value(serde_json::json!({
            "address": {"lines": ["2 New Road"], "town": "Leeds", "postcode": "ls1 4ap"},
            "phone": "0113 000 0000", "email": "new@nhs.net"
        }))
        .unwrap();
        let updated = store.me(&worker).update_contact("RJ1", &contact).await.unwrap();
        assert_eq!(updated.provenance.source, Source::SelfService);

        let hr = store.dataset(&a);
        let read = hr.get_person(&pid).await.unwrap();
        assert_eq!(read.provenance.source, Source::SelfService);
        assert_eq!(read.provenance.recorded_by, format!("user:{}", worker.account_id()));
        assert_eq!(read.value.address.unwrap().postcode.as_str(), "LS1 4AP");
        assert_eq!(read.value.family_name, "Okafor001", "only contact details change");
        let history = hr.contact_history(&pid).await.unwrap();
        assert_eq!(history.len(), 1);
        assert_eq!(history[0].before.email.as_deref(), Some("amara1@nhs.net"));
        assert_eq!(history[0].after.email.as_deref(), Some("new@nhs.net"));
        assert_eq!(history[0].provenance.source, Source::SelfService);
    })
    .await;
}

#[tokio::test]
async fn access_log_names_an_hr_read_made_a_moment_before() {
    each_backend(|store| async move {
        let (_, a) = org(&store, "RJ1").await;
        let pid = store.dataset(&a).create_person(&person(1)).await.unwrap().id;
        let worker = enrol(&store, &a, "RJ1", &pid, "w@nhs.net").await;
        user(&store, &a, "hr@rj1.nhs.uk", &[Role::Hr]).await;
        let hr = store.auth().login("RJ1", "hr@rj1.nhs.uk", PASSWORD).await.unwrap();
        store.dataset(hr.scope.as_ref().unwrap()).get_person(&pid).await.unwrap();

        let log = store.me(&worker).access_log().await.unwrap();
        let newest = &log[0];
        assert_eq!(newest.action, "person.read", "{log:#?}");
        assert_eq!(newest.ods_code, "RJ1");
        assert_eq!(newest.actor, AccessActor::Staff { roles: vec![Role::Hr] });
        assert!(log.iter().any(|e| e.action == "worker.link" && e.actor == AccessActor::You), "{log:#?}");
        assert!(log.iter().any(|e| e.action == "person.create" && matches!(e.actor, AccessActor::System { .. })));
    })
    .await;
}
