//! Random sequences of API calls from several organisations: no response ever carries another organisation's
//! data, and every organisation sees exactly what it wrote.

use std::collections::HashMap;

use proptest::prelude::*;
use serde_json::json;
use testkit::{TestApp, fixtures};

#[derive(Debug, Clone)]
enum Op {
    CreatePerson { org: usize },
    ReadPerson { org: usize, target: usize },
    AddCompetence { org: usize, target: usize },
    ListPeople { org: usize },
    ListCompetences { org: usize, target: usize },
    Compliance { org: usize, target: usize },
    Summary { org: usize },
}

const ORGS: usize = 3;

fn op() -> impl Strategy<Value = Op> {
    let org = 0..ORGS;
    prop_oneof![
        org.clone().prop_map(|org| Op::CreatePerson { org }),
        (org.clone(), any::<usize>()).prop_map(|(org, target)| Op::ReadPerson { org, target }),
        (org.clone(), any::<usize>()).prop_map(|(org, target)| Op::AddCompetence { org, target }),
        org.clone().prop_map(|org| Op::ListPeople { org }),
        (org.clone(), any::<usize>()).prop_map(|(org, target)| Op::ListCompetences { org, target }),
        (org.clone(), any::<usize>()).prop_map(|(org, target)| Op::Compliance { org, target }),
        org.prop_map(|org| Op::Summary { org }),
    ]
}

/// Valid, distinct NI numbers (prefix AB is allocated; suffixes A–D).
fn ni(n: usize) -> String {
    format!("AB{:06}{}", n, ['A', 'B', 'C', 'D'][n % 4])
}

struct World {
    tokens: Vec<String>,
    /// (owning org, person id, family name) in creation order.
    people: Vec<(usize, String, String)>,
}

impl World {
    fn foreign_markers(&self, org: usize) -> Vec<&str> {
        self.people.iter().filter(|(o, ..)| *o != org).flat_map(|(_, id, name)| [id.as_str(), name.as_str()]).collect()
    }
}

async fn run(app: &TestApp, world: &mut World, ops: &[Op]) {
    for op in ops {
        let (org, response, target_owner) = match op {
            Op::CreatePerson { org } => {
                let n = world.people.len();
                let name = format!("Org{org}Person{n}");
                let (status, body) =
                    app.post(&world.tokens[*org], "/api/v1/people", &fixtures::person(&name, &ni(n))).await;
                assert_eq!(status, 201, "{body}");
                world.people.push((*org, body["id"].as_str().unwrap().to_owned(), name));
                (*org, body, None)
            }
            Op::ListPeople { org } => (*org, app.get(&world.tokens[*org], "/api/v1/people?limit=500").await.1, None),
            Op::Summary { org } => (*org, app.get(&world.tokens[*org], "/api/v1/compliance").await.1, None),
            Op::ReadPerson { org, target }
            | Op::AddCompetence { org, target }
            | Op::ListCompetences { org, target }
            | Op::Compliance { org, target } => {
                if world.people.is_empty() {
                    continue;
                }
                let (owner, id, _) = world.people[target % world.people.len()].clone();
                let token = &world.tokens[*org];
                let (status, body) = match op {
                    Op::ReadPerson { .. } => app.get(token, &format!("/api/v1/people/{id}")).await,
                    Op::AddCompetence { .. } => {
                        let body = fixtures::competence("conflict_resolution", 1, "2025-01-10");
                        app.post(token, &format!("/api/v1/people/{id}/competences"), &body).await
                    }
                    Op::ListCompetences { .. } => app.get(token, &format!("/api/v1/people/{id}/competences")).await,
                    _ => app.get(token, &format!("/api/v1/people/{id}/compliance?role=ANY")).await,
                };
                let expected_ok = if matches!(op, Op::AddCompetence { .. }) { 201 } else { 200 };
                let expected_ok = if matches!(op, Op::Compliance { .. }) { 200 } else { expected_ok };
                if owner == *org {
                    assert_eq!(status, expected_ok, "{op:?}: {body}");
                } else {
                    assert_eq!(status, 404, "{op:?} crossed organisations: {body}");
                }
                (*org, body, Some(owner))
            }
        };
        let _ = target_owner;
        for marker in world.foreign_markers(org) {
            assert!(!response.to_string().contains(marker), "{op:?} leaked {marker}: {response}");
        }
    }
    // Finally each organisation lists exactly its own people.
    for org in 0..ORGS {
        let (_, body) = app.get(&world.tokens[org], "/api/v1/people?limit=500").await;
        let mut listed: Vec<String> =
            body["items"].as_array().unwrap().iter().map(|p| p["id"].as_str().unwrap().to_owned()).collect();
        let mut own: Vec<String> =
            world.people.iter().filter(|(o, ..)| *o == org).map(|(_, id, _)| id.clone()).collect();
        listed.sort();
        own.sort();
        assert_eq!(listed, own, "organisation {org}");
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 12, max_shrink_iters: 20, ..ProptestConfig::default() })]
    #[test]
    fn no_response_carries_another_organisations_data(ops in proptest::collection::vec(op(), 1..30)) {
        let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
        runtime.block_on(async {
            // SQLite only: the property is about the request path, which is backend-independent, and the
            // PostgreSQL run of the isolation test covers that backend.
            let app = TestApp::spawn(store::Backend::Sqlite).await;
            let mut tokens = Vec::new();
            let codes = ["RJ1", "RRK", "RTH"];
            let mut ids = HashMap::new();
            for (i, code) in codes.iter().enumerate() {
                let org = app.organisation(code, &format!("Org {i}")).await;
                ids.insert(i, org.id.clone());
                tokens.push(org.admin_token);
                let (status, _) = app
                    .send_json("PUT", &tokens[i], "/api/v1/roles/ANY", &json!({"role_code": "ANY", "title": "Any role"}))
                    .await;
                assert_eq!(status, 200);
            }
            let mut world = World { tokens, people: Vec::new() };
            run(&app, &mut world, &ops).await;
            app.stop().await;
        });
    }
}
