//! The workforce sharing agreements of the demo world, made through the running server's API as
//! the parties would make them: the registry operator publishes the NHS core terms; the
//! organisations' admins sign an umbrella agreement; one worker's deployment from the first
//! organisation to the second is signed by both HR teams and by the worker's own wallet (through
//! OpenID4VP transaction data), so it is active; and a deployment for the walk-through's worker is
//! proposed, with the commands that sign it as the host and, with the demo wallet, as the worker.

use anyhow::{Context, bail};
use chrono::{Days, Utc};
use domain::passport::PassportType;
use serde_json::{Value, json};
use server::AppState;
use store::Page;

const TERMS_ID: &str = "nhs-core-terms";
const TERMS_VERSION: &str = "2026.1";
const TERMS: &str = "NHS workforce sharing core terms 2026.1. The worker stays employed by their home organisation \
throughout and attends the host under a licence to attend. The host does not repeat the pre-employment checks or \
the statutory and mandatory training the home organisation has verified, and tells the home organisation of any \
concern about the worker's conduct or practice. Each party keeps the personal data it receives only for the \
deployment and shares it only as these terms allow.";

/// A party as the demo knows it: ODS code, admin token, HR token.
pub struct Party<'a> {
    pub ods: &'a str,
    pub admin_token: &'a str,
    pub hr_token: &'a str,
}

/// What is printed.
pub struct Agreements {
    umbrella_id: String,
    active_id: String,
    active_worker: String,
    proposed_id: String,
    proposed_worker: String,
    host: String,
    host_hr_token: String,
    employer_hr_token: String,
    signing_link: String,
    terms_file: std::path::PathBuf,
    operator_file: std::path::PathBuf,
}

struct Api<'a> {
    base: &'a str,
    http: reqwest::Client,
}

impl Api<'_> {
    async fn call(&self, token: &str, path: &str, body: Option<Value>) -> anyhow::Result<Value> {
        let url = format!("{}{path}", self.base);
        let request = match body {
            Some(body) => self.http.post(&url).json(&body),
            None => self.http.get(&url),
        };
        let response = request.bearer_auth(token).send().await.with_context(|| url.clone())?;
        let status = response.status();
        let answer: Value = response.json().await.unwrap_or(Value::Null);
        if !status.is_success() {
            bail!("{path}: {status}: {answer}");
        }
        Ok(answer)
    }

    async fn post(&self, token: &str, path: &str, body: Value) -> anyhow::Result<Value> {
        self.call(token, path, Some(body)).await
    }
}

fn id_of(v: &Value) -> anyhow::Result<String> {
    Ok(v["id"].as_str().context("no id in the answer")?.to_owned())
}

/// A person of `employer` with a current assignment other than `skip` (the walk-through's
/// worker): the worker of the active deployment. Their id and name.
async fn other_worker(state: &AppState, employer: &str, skip: &str) -> anyhow::Result<(String, String)> {
    let scope = state.store.registry().system_scope(&domain::org::OdsCode::parse(employer)?, "demo").await?;
    let dataset = state.store.dataset(&scope);
    let today = Utc::now().date_naive();
    for person in dataset.list_people(&Page { after: None, limit: 200 }).await?.items {
        if person.id == skip {
            continue;
        }
        let record = dataset.person_record(&person.id).await?.value;
        if record.assignments.iter().any(|a| a.is_current(today)) {
            let p = &record.person;
            return Ok((person.id, format!("{} {}", p.given_name, p.family_name)));
        }
    }
    bail!("no other worker at {employer} with a current assignment")
}

fn deployment(person_id: &str, host: &str, umbrella: &str, start: chrono::NaiveDate, days: u64) -> Value {
    json!({"kind": "deployment", "person_id": person_id, "host_ods": host, "roles": ["BANK-RN"],
        "period": {"start": start, "end": start + Days::new(days)}, "umbrella_id": umbrella,
        "bespoke_terms": {"car_parking": "staff car park B, permit from the host's security office",
                          "pay_variation": "the host's bank rate, recharged to the host monthly"},
        "core_terms": {"id": TERMS_ID, "version": TERMS_VERSION}})
}

/// Makes the agreements (see the module comment). `walkthrough` is the walk-through worker's
/// person id and name at `parties[0]`, whose wallet (the demo's) will hold that organisation's
/// credentials once the walk-through's commands have run.
pub async fn prepare(
    state: &AppState,
    base: &str,
    operator_token: &str,
    parties: &[Party<'_>],
    walkthrough: (&str, &str),
    files: &std::path::Path,
) -> anyhow::Result<Agreements> {
    let [employer, host, ..] = parties else { bail!("agreements need two organisations") };
    let api = Api { base, http: reqwest::Client::new() };
    let terms = json!({"id": TERMS_ID, "version": TERMS_VERSION, "family": "nhs",
        "title": "NHS workforce sharing core terms", "body": TERMS});
    api.post(operator_token, "/api/v1/core-terms", terms).await?;
    for p in parties {
        api.post(p.admin_token, "/api/v1/core-terms/accept", json!({"id": TERMS_ID, "version": TERMS_VERSION})).await?;
    }

    // The umbrella: the first organisation's admin drafts and proposes it, the others sign.
    let today = Utc::now().date_naive();
    let others: Vec<&str> = parties[1..].iter().map(|p| p.ods).collect();
    let umbrella = json!({"kind": "umbrella", "title": "Northshire system workforce sharing agreement",
        "parties": others, "period": {"start": today - Days::new(90), "end": today + Days::new(3 * 365)},
        "scope": {"staff_groups": ["nursing_and_midwifery_registered", "medical_and_dental"],
                  "purposes": ["mutual aid", "bank work across the system", "rotation"]},
        "core_terms": {"id": TERMS_ID, "version": TERMS_VERSION}});
    let umbrella_id = id_of(&api.post(employer.admin_token, "/api/v1/agreements", umbrella).await?)?;
    api.post(employer.admin_token, &format!("/api/v1/agreements/{umbrella_id}/propose"), json!({})).await?;
    for p in &parties[1..] {
        api.post(p.admin_token, &format!("/api/v1/agreements/{umbrella_id}/sign"), json!({})).await?;
    }

    // The active deployment, signed by the worker's own wallet.
    let (worker_id, active_worker) = other_worker(state, employer.ods, walkthrough.0).await?;
    let body = deployment(&worker_id, host.ods, &umbrella_id, today - Days::new(14), 90);
    let active_id = id_of(&api.post(employer.hr_token, "/api/v1/agreements", body).await?)?;
    api.post(employer.hr_token, &format!("/api/v1/agreements/{active_id}/propose"), json!({})).await?;
    api.post(host.hr_token, &format!("/api/v1/agreements/{active_id}/sign"), json!({})).await?;
    sign_as_worker(&api, employer.hr_token, &worker_id, &active_id, &files.join("deployed-worker-wallet.json")).await?;

    // The walk-through worker's deployment, waiting for the host and the worker.
    let body = deployment(walkthrough.0, host.ods, &umbrella_id, today + Days::new(7), 60);
    let proposed_id = id_of(&api.post(employer.hr_token, "/api/v1/agreements", body).await?)?;
    api.post(employer.hr_token, &format!("/api/v1/agreements/{proposed_id}/propose"), json!({})).await?;
    let link =
        api.post(employer.hr_token, &format!("/api/v1/agreements/{proposed_id}/worker-signing"), json!({})).await?;

    let (terms_file, operator_file) = (files.join("core-terms.txt"), files.join("operator-jwks.json"));
    std::fs::write(&terms_file, TERMS).with_context(|| format!("writing {}", terms_file.display()))?;
    let operator = server::issuer::trust_list(state).await.map_err(|e| anyhow::anyhow!("trust list: {e}"))?;
    let jwks = json!({"keys": [operator.operator_jwk]});
    std::fs::write(&operator_file, jwks.to_string()).with_context(|| format!("writing {}", operator_file.display()))?;
    Ok(Agreements {
        umbrella_id,
        active_id,
        active_worker,
        proposed_id,
        proposed_worker: walkthrough.1.to_owned(),
        host: host.ods.to_owned(),
        host_hr_token: host.hr_token.to_owned(),
        employer_hr_token: employer.hr_token.to_owned(),
        signing_link: link["link"].as_str().context("no signing link")?.to_owned(),
        terms_file,
        operator_file,
    })
}

/// The worker's signature, as their wallet gives it: a credential issued to a wallet of their
/// own, then the signing request answered with it.
async fn sign_as_worker(
    api: &Api<'_>,
    hr_token: &str,
    person_id: &str,
    agreement_id: &str,
    wallet_file: &std::path::Path,
) -> anyhow::Result<()> {
    let now = Utc::now().timestamp();
    if wallet_file.exists() {
        std::fs::remove_file(wallet_file).with_context(|| format!("removing {}", wallet_file.display()))?;
    }
    let mut wallet = wallet::Wallet::create(wallet_file, "demo", wallet::KdfParams::default(), now)?;
    let path = format!("/api/v1/people/{person_id}/credentials");
    let mut issued = None;
    for kind in PassportType::ALL {
        let body = json!({"type": kind.key(), "holder_jwk": wallet.holder_jwk()});
        if let Ok(answer) = api.post(hr_token, &path, body).await {
            issued = Some(answer);
            break;
        }
    }
    let issued = issued.context("no credential could be issued to the deployed worker")?;
    let raw = issued["credential"].as_str().context("no credential in the answer")?;
    wallet.add(wallet::StoredCredential::from_issued(raw, None, now)?)?;
    let created = api.post(hr_token, &format!("/api/v1/agreements/{agreement_id}/worker-signing"), json!({})).await?;
    let link = created["link"].as_str().context("no signing link")?;
    let client = wallet::client();
    let plan = wallet::presentation::prepare(&wallet, &client, link, now).await?;
    wallet::presentation::submit(&wallet, &client, &plan, now).await?;
    Ok(())
}

/// Prints the agreements and the commands that sign and verify the proposed one.
pub fn print(base: &str, a: &Agreements, wallet_file: &std::path::Path) {
    use crate::demo::{command, curl, passport, quote};
    let bin = passport();
    println!("\nWorkforce sharing agreements (core terms {TERMS_ID} {TERMS_VERSION}):");
    println!("  umbrella    {}  signed by every organisation (active)", a.umbrella_id);
    println!(
        "  deployment  {}  {} to {}, signed by both organisations and the worker's wallet (active)",
        a.active_id, a.active_worker, a.host
    );
    println!(
        "  deployment  {}  {} to {}, proposed: sign it as the host, then as the worker with the demo wallet",
        a.proposed_id, a.proposed_worker, a.host
    );
    println!("  (after the walk-through above; the worker's link is valid 15 minutes)");
    let as_host = format!("--server {} --token {}", quote(base), quote(&a.host_hr_token));
    let as_employer = format!("--server {} --token {}", quote(base), quote(&a.employer_hr_token));
    command(format!("{bin} agreement sign {} {as_host}", a.proposed_id));
    command(format!(
        "PASSPORT_WALLET_PASSPHRASE=demo {bin} wallet --file {} present --yes {}",
        quote(&wallet_file.to_string_lossy()),
        quote(&a.signing_link)
    ));
    command(format!("{bin} agreement show {} {as_employer}", a.proposed_id));
    println!("  then export it and check every signature offline, with the trust list and the operator's key:");
    let export = wallet_file.with_file_name("signed-agreement.json");
    let export = quote(&export.to_string_lossy());
    command(format!("{bin} agreement export {} --out {export} {as_employer}", a.proposed_id));
    command(format!(
        "{bin} agreement verify {export} --trust-list {} --operator-jwk {} --terms {}",
        quote(&format!("{base}/trust-list")),
        quote(&a.operator_file.to_string_lossy()),
        quote(&a.terms_file.to_string_lossy())
    ));
    println!(
        "  a fresh worker link:  {}",
        curl(&a.employer_hr_token, &format!("{base}/api/v1/agreements/{}/worker-signing", a.proposed_id)).replacen(
            "curl",
            "curl -X POST",
            1
        )
    );
}
