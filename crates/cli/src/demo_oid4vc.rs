//! The wallet walk-through `passport demo` prints: for the first organisation, its OpenID4VCI
//! issuer metadata URL and a ready credential offer (link and PIN) for a worker whose records
//! support every credential their role needs; for the second organisation (or the first when
//! alone), a verifier request link for that role. With `passport wallet` a newcomer can then
//! receive, present and read the ready-to-work result.

use chrono::Utc;
use credentials::oid4vc::vci::{WELL_KNOWN_CREDENTIAL_ISSUER, well_known_url};
use domain::org::OdsCode;
use domain::passport::PassportType;
use server::AppState;
use server::oid4vp;
use store::Page;

/// What the walk-through prints.
pub struct Walkthrough {
    pub issuer_metadata: String,
    pub person_id: String,
    pub worker: String,
    pub offer_link: String,
    pub pin: String,
    pub types: Vec<PassportType>,
    pub verifier_ods: String,
    pub verifier_token: String,
    pub role_code: String,
    pub request_id: String,
    pub request_link: String,
}

/// Builds an offer and a request in the running demo world; `None` when no worker of the first
/// organisation can be issued everything their role needs.
pub async fn prepare(
    state: &AppState,
    issuer_ods: &str,
    verifier: (&str, &str),
) -> anyhow::Result<Option<Walkthrough>> {
    let store = &state.store;
    let scope = store.registry().system_scope(&OdsCode::parse(issuer_ods)?, "demo").await?;
    let dataset = store.dataset(&scope);
    let org = store.registry().get_organisation(scope.org_id()).await?;
    let today = Utc::now().date_naive();
    let people = dataset.list_people(&Page { after: None, limit: 200 }).await?;
    // A compliant worker whose every needed credential can be issued; else the first issuable one.
    let mut chosen = None;
    for person in people.items {
        let record = dataset.person_record(&person.id).await?.value;
        let Some(role_code) = record.assignments.iter().find(|a| a.is_current(today)).map(|a| a.role.clone()) else {
            continue;
        };
        let Ok(role) = dataset.get_role_requirements(&role_code).await else { continue };
        let types = domain::passport::types_for(&role.value);
        if !server::issuer::issuable(&record, issuer_ods, &org.name, &types, today) {
            continue;
        }
        let compliance = dataset.person_compliance(&person.id, today, state.due_within_days).await?;
        let compliant = compliance.overall.is_compliant();
        if chosen.is_none() || compliant {
            chosen = Some((person.id.clone(), record.person.clone(), role_code, types));
        }
        if compliant {
            break;
        }
    }
    if let Some((person_id, person, role_code, types)) = chosen {
        let offer = server::oid4vci::create_offer(state, &scope, &person_id, &types).await?;
        let verifier_scope = store.registry().system_scope(&OdsCode::parse(verifier.0)?, "demo").await?;
        let request = oid4vp::create_request(state, &verifier_scope, &role_code)
            .await
            .map_err(|e| anyhow::anyhow!("presentation request: {e}"))?;
        let issuer = server::issuer::issuer_id(state.public_url(), issuer_ods);
        return Ok(Some(Walkthrough {
            issuer_metadata: well_known_url(&issuer, WELL_KNOWN_CREDENTIAL_ISSUER),
            person_id: person_id.clone(),
            worker: format!("{} {}", person.given_name, person.family_name),
            offer_link: offer.link,
            pin: offer.pin,
            types,
            verifier_ods: verifier.0.to_owned(),
            verifier_token: verifier.1.to_owned(),
            role_code,
            request_id: request.id,
            request_link: request.link,
        }));
    }
    Ok(None)
}

/// Prints the walk-through; every command works verbatim in a fresh shell (the wallet at `wallet_file`).
pub fn print(base: &str, w: &Walkthrough, wallet_file: &std::path::Path) {
    use crate::demo::{command, curl, passport, quote};
    let types: Vec<&str> = w.types.iter().map(|t| t.key()).collect();
    println!("\nWallet walk-through (OpenID4VCI + OpenID4VP; links valid 15 and 10 minutes):");
    println!("  issuer metadata  {}", w.issuer_metadata);
    println!("  offer for {} ({})", w.worker, types.join(", "));
    println!("    link  {}", w.offer_link);
    println!("    PIN   {}", w.pin);
    println!("  {} verifier request for role {}", w.verifier_ods, w.role_code);
    println!("    link  {}", w.request_link);
    println!("  then (the wallet's passphrase comes from PASSPORT_WALLET_PASSPHRASE, or is asked for):");
    let wallet = format!(
        "PASSPORT_WALLET_PASSPHRASE=demo {} wallet --file {}",
        passport(),
        quote(&wallet_file.to_string_lossy())
    );
    command(format!("{wallet} create"));
    command(format!("{wallet} receive {} --pin {}", quote(&w.offer_link), quote(&w.pin)));
    command(format!("{wallet} list"));
    command(format!("{wallet} present --yes {}", quote(&w.request_link)));
    println!("  the ready-to-work result, as {} sees it:", w.verifier_ods);
    command(curl(&w.verifier_token, &format!("{base}/api/v1/presentation-requests/{}", w.request_id)));
}
