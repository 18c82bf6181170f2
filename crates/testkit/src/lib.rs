//! Test support for the HTTP integration tests: the real application on 127.0.0.1 port 0 over a fresh
//! database per test (SQLite always, PostgreSQL when configured), plus fixtures made through the store.

use std::sync::Arc;

use chrono::{DateTime, TimeZone, Utc};
use domain::org::{NewOrganisation, OdsCode, OrgKind};
use serde_json::Value;
use server::AppState;
use store::testing::TestDb;
use store::{Backend, NewUser, OrgScope, RegistryScope, Role, Store};
use tokio::sync::oneshot;

pub mod fixtures;

pub use store::testing::backends;

/// The instant every test server believes it is, so date rules give the same answers on any day.
pub fn fixed_now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 6, 1, 12, 0, 0).single().expect("valid fixed time")
}

/// A running application and a client for it. Dropping it without `stop` leaks the temp database only.
pub struct TestApp {
    pub base: String,
    pub client: reqwest::Client,
    pub store: Store,
    pub backend: Backend,
    /// The running server's state (shared: its caches are the server's).
    pub state: AppState,
    db: Option<TestDb>,
    shutdown: Option<oneshot::Sender<()>>,
    server: Option<tokio::task::JoinHandle<()>>,
}

/// An organisation made for a test, with an admin user's token.
#[derive(Clone, Debug)]
pub struct OrgFixture {
    pub id: String,
    pub ods: String,
    pub admin_token: String,
}

impl TestApp {
    pub async fn spawn(backend: Backend) -> TestApp {
        Prepared::new(backend).await.start()
    }

    /// Stops the server and removes the database.
    pub async fn stop(mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if let Some(server) = self.server.take() {
            let _ = server.await;
        }
        if let Some(db) = self.db.take() {
            db.cleanup().await;
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.base, path)
    }

    /// A registry operator and their token.
    pub async fn operator_token(&self) -> String {
        let scope = RegistryScope::system("test");
        let email = format!("operator-{}@registry.test", uuid_like());
        let operator =
            self.store.auth().create_operator(&scope, &email, "Test Operator", None).await.expect("operator");
        self.store.auth().issue_operator_token(&scope, &operator.id, "test").await.expect("operator token").token
    }

    /// A registered organisation with an admin user holding every role.
    pub async fn organisation(&self, ods: &str, name: &str) -> OrgFixture {
        let scope = RegistryScope::system("test");
        let new = NewOrganisation {
            ods_code: OdsCode::parse(ods).expect("valid ODS code in fixture"),
            name: name.to_owned(),
            kind: OrgKind::AcuteTrust,
        };
        let org = self.store.registry().create_organisation(&scope, &new).await.expect("organisation");
        let token = self.user_token(&org.id, &Role::ALL, "admin").await;
        OrgFixture { id: org.id, ods: ods.to_owned(), admin_token: token }
    }

    /// A user of `org_id` with `roles`, and their token.
    pub async fn user_token(&self, org_id: &str, roles: &[Role], label: &str) -> String {
        let scope = OrgScope::system(org_id, "test");
        let user = self
            .store
            .auth()
            .create_user(
                &scope,
                NewUser {
                    email: format!("{label}-{}@org.test", uuid_like()),
                    display_name: label.to_owned(),
                    roles: roles.to_vec(),
                    password: None,
                },
            )
            .await
            .expect("user");
        self.store.auth().issue_token(&scope, &user.id, label).await.expect("token").token
    }

    pub async fn get(&self, token: &str, path: &str) -> (u16, Value) {
        let response = self.client.get(self.url(path)).bearer_auth(token).send().await.expect("request");
        read(response).await
    }

    pub async fn delete(&self, token: &str, path: &str) -> (u16, Value) {
        let response = self.client.delete(self.url(path)).bearer_auth(token).send().await.expect("request");
        read(response).await
    }

    pub async fn send_json(&self, method: &str, token: &str, path: &str, body: &Value) -> (u16, Value) {
        self.send_raw(method, token, path, body.to_string()).await
    }

    pub async fn post(&self, token: &str, path: &str, body: &Value) -> (u16, Value) {
        self.send_json("POST", token, path, body).await
    }

    /// A request with a literal body (for malformed JSON).
    pub async fn send_raw(&self, method: &str, token: &str, path: &str, body: String) -> (u16, Value) {
        let method = reqwest::Method::from_bytes(method.as_bytes()).expect("method");
        let response = self
            .client
            .request(method, self.url(path))
            .bearer_auth(token)
            .header("content-type", "application/json")
            .body(body)
            .send()
            .await
            .expect("request");
        read(response).await
    }
}

async fn read(response: reqwest::Response) -> (u16, Value) {
    let status = response.status().as_u16();
    let text = response.text().await.expect("body");
    let value = if text.is_empty() { Value::Null } else { serde_json::from_str(&text).unwrap_or(Value::String(text)) };
    (status, value)
}

fn uuid_like() -> String {
    use std::sync::atomic::{AtomicU64, Ordering};
    static NEXT: AtomicU64 = AtomicU64::new(0);
    format!("{}-{}", std::process::id(), NEXT.fetch_add(1, Ordering::Relaxed))
}

/// A deployment before its server starts: database, state and bound listener.
struct Prepared {
    backend: Backend,
    db: TestDb,
    state: AppState,
    listener: tokio::net::TcpListener,
    base: String,
}

impl Prepared {
    async fn new(backend: Backend) -> Prepared {
        let db = store::testing::fresh(backend).await;
        let mut state = AppState::new(db.store.clone());
        state.clock = Arc::new(fixed_now);
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind an ephemeral port");
        let base = format!("http://{}", listener.local_addr().expect("local address"));
        Prepared { backend, db, state, listener, base }
    }

    fn start(self) -> TestApp {
        let Prepared { backend, db, state, listener, base } = self;
        let store = db.store.clone();
        let (tx, rx) = oneshot::channel::<()>();
        let serving = state.clone();
        let server = tokio::spawn(async move {
            server::serve(listener, serving, async {
                let _ = rx.await;
            })
            .await
            .expect("server runs");
        });
        TestApp {
            base,
            client: reqwest::Client::new(),
            store,
            backend,
            state,
            db: Some(db),
            shutdown: Some(tx),
            server: Some(server),
        }
    }
}

/// `n` deployments on `backend`, each its own server and database, where each `(truster, trusted)`
/// pair configures the truster with the trusted deployment's registry operator (its trust list URL
/// and key, as `passport serve --trust-operator` does). Each state knows its public URL, so issuer
/// identifiers computed from `TestApp::state` are the served ones.
pub async fn spawn_deployments(backend: Backend, n: usize, trusts: &[(usize, usize)]) -> Vec<TestApp> {
    let mut prepared = Vec::with_capacity(n);
    let mut operators = Vec::with_capacity(n);
    for _ in 0..n {
        let mut p = Prepared::new(backend).await;
        p.state.public_url = Some(p.base.clone());
        let own = server::issuer::trust_list(&p.state).await.expect("own trust list");
        operators.push(server::federation::TrustedOperator {
            trust_list_url: format!("{}/trust-list", p.base),
            key: own.operator_jwk.clone(),
        });
        // The list just built names no organisation yet: the first served one is built afresh.
        p.state.issuer_cache.invalidate().await;
        prepared.push(p);
    }
    for (i, p) in prepared.iter_mut().enumerate() {
        let trusted = trusts.iter().filter(|(from, _)| *from == i).map(|(_, to)| operators[*to].clone()).collect();
        p.state.federation = Arc::new(server::federation::Federation::new(trusted, server::federation::STATUS_MAX_AGE));
    }
    prepared.into_iter().map(Prepared::start).collect()
}

/// Runs `test` against a fresh app on every configured backend; the test hands the app back to be stopped.
pub async fn each_backend<F, Fut>(test: F)
where
    F: Fn(TestApp) -> Fut,
    Fut: Future<Output = TestApp>,
{
    for backend in backends() {
        let app = TestApp::spawn(backend).await;
        test(app).await.stop().await;
    }
}
