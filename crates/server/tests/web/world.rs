//! The world the portal tests start from: organisation A (RJ1) with an HR and training officer who must
//! use TOTP and a worker, Okafor, who has a DBS check and hepatitis B but no fire safety yet; organisation
//! B (RRK), a host with a verifier and the BANK-RN role (enhanced DBS, fire safety, hepatitis B); and a
//! registry operator.

use std::collections::HashMap;

use domain::assignment::Assignment;
use domain::checks::EmploymentCheck;
use domain::immunisation::Immunisation;
use domain::person::Person;
use domain::requirements::RoleRequirements;
use serde_json::json;
use store::{NewUser, OrgScope, RegistryScope, Role};
use testkit::{TestApp, fixtures};

pub const PASSWORD: &str = "Portal-test-passphrase-7";

pub struct World {
    pub a_id: String,
    pub b_id: String,
    pub hr_email: String,
    pub hr_user: String,
    pub host_email: String,
    pub operator_email: String,
    pub worker_id: String,
}

pub async fn user(app: &TestApp, org_id: &str, email: &str, roles: &[Role]) -> String {
    let scope = OrgScope::system(org_id, "test");
    let new = NewUser {
        email: email.to_owned(),
        display_name: email.split('@').next().unwrap_or("user").to_owned(),
        roles: roles.to_vec(),
        password: Some(PASSWORD.to_owned()),
    };
    app.store.auth().create_user(&scope, new).await.expect("user").id
}

pub async fn build(app: &TestApp) -> World {
    let a = app.organisation("RJ1", "Northshire Hospitals NHS Trust").await;
    let b = app.organisation("RRK", "Westvale Community Health").await;
    let hr_email = "hr.officer@rj1.test".to_owned();
    let hr_user = user(app, &a.id, &hr_email, &[Role::Hr, Role::Training]).await;
    app.store.auth().set_totp_required(&OrgScope::system(&a.id, "test"), &hr_user, true).await.expect("require TOTP");
    let host_email = "ward.manager@rrk.test".to_owned();
    user(app, &b.id, &host_email, &[Role::Verifier]).await;
    let operator_email = "operator@registry.test".to_owned();
    app.store
        .auth()
        .create_operator(&RegistryScope::system("test"), &operator_email, "Registry Operator", Some(PASSWORD))
        .await
        .expect("operator");

    let scope = OrgScope::system(&a.id, "test");
    let dataset = app.store.dataset(&scope);
    let person: Person = serde_json::from_value(fixtures::person("Okafor", "AB123456C")).unwrap();
    let worker_id = dataset.create_person(&person).await.expect("person").id;
    let dbs: EmploymentCheck = serde_json::from_value(fixtures::dbs_check("enhanced_adults", "2025-11-02")).unwrap();
    dataset.add_check(&worker_id, &dbs).await.expect("dbs");
    let hep_b: Immunisation = serde_json::from_value(fixtures::hep_b_immune()).unwrap();
    dataset.add_immunisation(&worker_id, &hep_b).await.expect("hep b");
    for (family, ni) in [("Abbott", "AB123457C"), ("Byrne", "AB123458C"), ("Chen", "AB123459C")] {
        let p: Person = serde_json::from_value(fixtures::person(family, ni)).unwrap();
        dataset.create_person(&p).await.expect("person");
    }

    let role: RoleRequirements = serde_json::from_value(json!({"role_code": "BANK-RN", "title": "Bank Nurse",
        "checks": [{"kind": "criminal_record", "min_dbs_level": "enhanced_adults"}],
        "competences": [{"competence": {"kind": "cstf", "subject": "fire_safety", "level": 1}}],
        "immunisations": ["hepatitis_b"]}))
    .unwrap();
    let b_scope = OrgScope::system(&b.id, "test");
    app.store.dataset(&b_scope).put_role_requirements(&role).await.expect("role");
    // A employs Okafor in the same role, so their page and A's dashboard show the fire safety gap.
    dataset.put_role_requirements(&role).await.expect("role at A");
    let assignment: Assignment = serde_json::from_value(fixtures::assignment("BANK-RN", "active")).unwrap();
    dataset.add_assignment(&worker_id, &assignment).await.expect("assignment");
    World { a_id: a.id, b_id: b.id, hr_email, hr_user, host_email, operator_email, worker_id }
}

/// A minimal cookie jar for the HTTP tests (reqwest is built without its cookie store here).
#[derive(Default, Clone)]
pub struct Jar(pub HashMap<String, String>);

impl Jar {
    pub fn take(&mut self, response: &reqwest::Response) {
        for value in response.headers().get_all("set-cookie") {
            let text = value.to_str().unwrap_or_default();
            let pair = text.split(';').next().unwrap_or_default();
            if let Some((k, v)) = pair.split_once('=') {
                if v.is_empty() || text.contains("Max-Age=0") {
                    self.0.remove(k);
                } else {
                    self.0.insert(k.to_owned(), v.to_owned());
                }
            }
        }
    }

    pub fn header(&self) -> String {
        self.0.iter().map(|(k, v)| format!("{k}={v}")).collect::<Vec<_>>().join("; ")
    }
}
