//! The worker account `passport demo` makes: a worker of the demo world invited to self-service by their
//! organisation and, when the same person (NI number) also has a record in another demo organisation (bank
//! work, an earlier employer), by that one too, so the one account shows both. Printed with its sign-in.

use anyhow::Context;
use chrono::Utc;
use domain::org::OdsCode;
use store::{AcceptInvitation, OrgScope, Page, Store};

/// The worker's sign-in, as printed.
pub struct DemoWorker {
    pub email: String,
    pub password: String,
    pub token: String,
    pub name: String,
    pub organisations: Vec<String>,
}

/// Invites a worker of `ods_codes[0]` (and their record in any other of `ods_codes`) and accepts.
pub async fn create(store: &Store, ods_codes: &[String]) -> anyhow::Result<Option<DemoWorker>> {
    let mut scopes = vec![];
    for ods in ods_codes {
        let ods = OdsCode::parse(ods).map_err(|e| anyhow::anyhow!("{e}"))?;
        scopes.push((ods.as_str().to_owned(), store.registry().system_scope(&ods, "demo").await?));
    }
    let Some((first_ods, first)) = scopes.first() else { return Ok(None) };
    let people = store.dataset(first).list_people(&Page { after: None, limit: 200 }).await?.items;
    let Some(fallback) = people.first() else { return Ok(None) };
    // Prefer someone whose NI number also has a record in another demo organisation.
    let mut chosen: (&store::Record<domain::person::Person>, Vec<(String, OrgScope, String)>) = (fallback, vec![]);
    'people: for person in &people {
        let Some(ni) = &person.value.ni_number else { continue };
        for (ods, scope) in &scopes[1..] {
            if let Ok(other) = store.dataset(scope).find_person_by_ni(ni).await {
                chosen = (person, vec![(ods.clone(), scope.clone(), other.id)]);
                break 'people;
            }
        }
    }
    let (person, others) = chosen;
    let email = format!("worker@{}.demo", first_ods.to_lowercase());
    let password = crate::demo::password();
    let now = Utc::now();
    let mut links = vec![(first_ods.clone(), first.clone(), person.id.clone())];
    links.extend(others);
    let mut organisations = vec![];
    for (ods, scope, person_id) in &links {
        let invitation = store.auth().invite_worker(scope, person_id, &email, now).await?;
        let accept = AcceptInvitation { ods_code: ods, token: &invitation.token, password: &password };
        store.auth().accept_invitation(&accept, now).await.with_context(|| format!("accepting {ods}'s invitation"))?;
        organisations.push(ods.clone());
    }
    let principal = store.auth().worker_login(&email, &password).await?;
    let scope = principal.worker_scope().context("a worker account")?;
    let token = store.auth().issue_worker_token(&scope, "demo").await?.token;
    let name = format!("{} {}", person.value.given_name, person.value.family_name);
    Ok(Some(DemoWorker { email, password, token, name, organisations }))
}

/// Prints the worker's sign-in (portal page, email, password, API token) and a first self-service call.
pub fn print(base: &str, worker: &DemoWorker) {
    println!("\nWorker self-service ({}, records in {})", worker.name, worker.organisations.join(" and "));
    println!("  worker   {}  password {}", worker.email, worker.password);
    println!("  portal   {base}/me/login  (sign in with this email and password)");
    println!("  token    {}", worker.token);
    println!("  curl -s -H 'Authorization: Bearer {}' {base}/api/v1/me", worker.token);
    if let Some(ods) = worker.organisations.first() {
        println!(
            "  curl -s -H 'Authorization: Bearer {}' {base}/api/v1/me/organisations/{ods}/talent-profile.pdf -o profile.pdf",
            worker.token
        );
    }
}
