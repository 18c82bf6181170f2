//! The worker's own records: the organisations holding one, the record in each (personal details,
//! assignments, checks without certificate numbers, competences with expiry, immunisations), compliance per
//! role, credentials and an offer to collect them with a wallet, the talent profile PDF, and transfers with
//! the worker's consent to them.
//!
//! The organisation is named by its ODS code in the path and resolved through the account's links: an
//! organisation that holds no record of this worker is the 404 page, whoever else's it is.

use askama::Template;
use axum::Router;
use axum::extract::{Form, Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use chrono::NaiveDate;
use domain::transfer::ConsentState;
use serde::Deserialize;
use store::{CredentialStatus, MyOrganisation, Source};

use super::Worker;
use crate::AppState;
use crate::api::me::{CheckSummary, CompetenceSummary, collectable, offer_own, role_compliance};
use crate::error::ApiError;
use crate::oid4vci::CreatedOffer;
use crate::web::people::{status_tag, words};
use crate::web::{Chrome, FormErrors, WebError, WebResult, long_date, render};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/me", get(home))
        .route("/me/organisations/{ods}", get(record))
        .route("/me/organisations/{ods}/compliance", get(compliance))
        .route("/me/organisations/{ods}/credentials", get(credentials).post(offer))
        .route("/me/organisations/{ods}/talent-profile.pdf", get(talent_profile))
        .route("/me/organisations/{ods}/transfers", get(transfers).post(consent))
        .route("/me/organisations/{ods}/transfers/wallet", post(wallet_consent))
}

fn date_or(date: Option<NaiveDate>, none: &str) -> String {
    date.map(long_date).unwrap_or_else(|| none.to_owned())
}

/// A table's rows.
pub struct Row {
    pub cells: Vec<String>,
    /// Always `None` here: the shared table template offers HR a correction link; a worker corrects nothing.
    pub edit: Option<(String, String)>,
}

/// Links between the pages about one organisation's record.
pub struct OrgNav {
    pub ods: String,
    pub name: String,
    /// The page shown: `record`, `compliance`, `credentials`, `contact`, `transfers`.
    pub current: &'static str,
}

impl OrgNav {
    pub fn of(organisation: &MyOrganisation, current: &'static str) -> Self {
        OrgNav { ods: organisation.ods_code.clone(), name: organisation.name.clone(), current }
    }

    /// (href, label, is current) of each page.
    pub fn links(&self) -> Vec<(String, &'static str, bool)> {
        let base = format!("/me/organisations/{}", self.ods);
        [
            ("record", "", "Your record"),
            ("compliance", "/compliance", "Your compliance"),
            ("credentials", "/credentials", "Your credentials"),
            ("contact", "/contact", "Change your contact details"),
            ("transfers", "/transfers", "Transfers and consent"),
        ]
        .into_iter()
        .map(|(key, tail, label)| (format!("{base}{tail}"), label, key == self.current))
        .collect()
    }
}

// ---- Home ----

#[derive(Template)]
#[template(path = "me_home.html")]
struct HomePage {
    chrome: Chrome,
    name: String,
    organisations: Vec<(String, String, String)>,
}

/// The organisations holding a record of yours. Role: worker.
async fn home(State(state): State<AppState>, worker: Worker) -> WebResult<Response> {
    let organisations = state.store.me(&worker.scope).organisations().await?;
    let page = HomePage {
        chrome: worker.chrome("/me"),
        name: worker.signed.session.display_name.clone(),
        organisations: organisations
            .into_iter()
            .map(|o| (o.ods_code, o.name, long_date(o.linked_at.date_naive())))
            .collect(),
    };
    Ok(render(&page))
}

// ---- The record ----

#[derive(Template)]
#[template(path = "me_record.html")]
struct RecordPage {
    chrome: Chrome,
    nav: OrgNav,
    details: Vec<(&'static str, String)>,
    changed: String,
    assignments: Vec<Row>,
    checks: Vec<Row>,
    competences: Vec<Row>,
    immunisations: Vec<Row>,
    oh_clearance: Option<String>,
    notice: Option<&'static str>,
}

#[derive(Deserialize)]
struct RecordQuery {
    saved: Option<String>,
}

/// Your record in one organisation. Role: worker.
async fn record(
    State(state): State<AppState>,
    worker: Worker,
    Path(ods): Path<String>,
    axum::extract::Query(query): axum::extract::Query<RecordQuery>,
) -> WebResult<Response> {
    let mine = state.store.me(&worker.scope).record(&ods).await?;
    let r = &mine.record;
    let p = &r.person;
    let not_recorded = || "Not recorded".to_owned();
    let details = vec![
        ("Name", format!("{} {}", p.given_name, p.family_name)),
        ("Date of birth", long_date(p.date_of_birth)),
        ("NI number", p.ni_number.as_ref().map(|n| n.as_str().to_owned()).unwrap_or_else(not_recorded)),
        ("Address", p.address.as_ref().map(address_text).unwrap_or_else(not_recorded)),
        ("Phone", p.phone.clone().unwrap_or_else(not_recorded)),
        ("Email", p.email.clone().unwrap_or_else(not_recorded)),
    ];
    let when = long_date(mine.provenance.recorded_at.date_naive());
    let changed = match mine.provenance.source {
        Source::SelfService => format!("You last changed these details on {when}."),
        _ => format!("Your organisation last changed these details on {when}."),
    };
    let assignments = r
        .assignments
        .iter()
        .map(|a| Row {
            edit: None,
            cells: vec![
                a.role.clone(),
                words(&a.staff_group),
                a.band.as_string().replace('_', " "),
                words(&a.status),
                long_date(a.start_date),
                date_or(a.end_date, ""),
            ],
        })
        .collect();
    let checks = r
        .checks
        .iter()
        .map(|c| {
            let c = CheckSummary::of(c);
            let label = match &c.level {
                Some(level) => format!("{} ({})", c.label, level.replace('_', " ")),
                None => c.label,
            };
            Row {
                edit: None,
                cells: vec![
                    label,
                    words(&c.outcome),
                    date_or(c.completed_on, "Not completed"),
                    date_or(c.expires_on, "Does not expire"),
                ],
            }
        })
        .collect();
    let competences = r
        .competences
        .iter()
        .map(|c| {
            let c = CompetenceSummary::of(c);
            Row { edit: None, cells: vec![c.name, long_date(c.completed_on), date_or(c.expires_on, "Does not expire")] }
        })
        .collect();
    let immunisations = r
        .immunisations
        .iter()
        .map(|i| Row { edit: None, cells: vec![i.antigen().label().to_owned(), words(&i.status)] })
        .collect();
    let oh_clearance = r.oh_clearance.as_ref().map(|c| format!("{}, {}", words(&c.epp), long_date(c.cleared_on)));
    let notice = match query.saved.as_deref() {
        Some("contact") => Some("Your contact details have been changed"),
        _ => None,
    };
    let page = RecordPage {
        chrome: worker.chrome("/me"),
        nav: OrgNav::of(&mine.organisation, "record"),
        details,
        changed,
        assignments,
        checks,
        competences,
        immunisations,
        oh_clearance,
        notice,
    };
    Ok(render(&page))
}

/// An address on one line: "12 High Street, Leeds, LS1 4AP" (HR's person page shows it so too).
pub fn address_text(address: &domain::person::Address) -> String {
    let mut parts: Vec<&str> = address.lines.iter().map(|l| l.trim()).filter(|l| !l.is_empty()).collect();
    parts.push(address.town.trim());
    parts.push(address.postcode.as_str());
    parts.join(", ")
}

// ---- Compliance ----

struct RoleRows {
    title: String,
    overall: (&'static str, &'static str),
    items: Vec<ItemRow>,
}

struct ItemRow {
    label: String,
    tag: (&'static str, &'static str),
    reason: String,
    expires: String,
}

#[derive(Template)]
#[template(path = "me_compliance.html")]
struct CompliancePage {
    chrome: Chrome,
    nav: OrgNav,
    roles: Vec<RoleRows>,
}

/// Your compliance with each role you hold in one organisation: met, due (and when), missing. Role: worker.
async fn compliance(State(state): State<AppState>, worker: Worker, Path(ods): Path<String>) -> WebResult<Response> {
    let mine = state.store.me(&worker.scope).record(&ods).await?;
    let roles = role_compliance(&state, &mine)
        .into_iter()
        .map(|role| RoleRows {
            title: format!("{} ({})", role.title, role.role_code),
            overall: status_tag(role.compliance.overall),
            items: role
                .compliance
                .items
                .iter()
                .map(|item| ItemRow {
                    label: item.label.to_string(),
                    tag: status_tag(item.status),
                    reason: item.reason.clone(),
                    expires: date_or(item.expires_on, ""),
                })
                .collect(),
        })
        .collect();
    let page =
        CompliancePage { chrome: worker.chrome("/me"), nav: OrgNav::of(&mine.organisation, "compliance"), roles };
    Ok(render(&page))
}

// ---- Credentials and offers ----

struct CredentialRow {
    kind: String,
    status: &'static str,
    tag: &'static str,
    issued: String,
    expires: String,
}

#[derive(Template)]
#[template(path = "me_credentials.html")]
struct CredentialsPage {
    chrome: Chrome,
    nav: OrgNav,
    errors: FormErrors,
    credentials: Vec<CredentialRow>,
    /// (key, label) of each type the record supports today.
    collectable: Vec<(&'static str, String)>,
    /// The offer just made: its QR code and PIN, shown once.
    offer: Option<CreatedOffer>,
    offer_expires: String,
}

async fn credentials_page(
    state: &AppState,
    worker: &Worker,
    ods: &str,
    errors: FormErrors,
    offer: Option<CreatedOffer>,
) -> WebResult<Response> {
    let me = state.store.me(&worker.scope);
    let mine = me.record(ods).await?;
    let credentials = me
        .credentials(ods)
        .await?
        .into_iter()
        .map(|c| {
            let (status, tag) = match c.status {
                CredentialStatus::Valid => ("Valid", "nhsuk-tag--green"),
                CredentialStatus::Suspended => ("Suspended", "nhsuk-tag--yellow"),
                CredentialStatus::Revoked => ("Revoked", "nhsuk-tag--red"),
            };
            CredentialRow {
                kind: c.credential_type.replace('_', " "),
                status,
                tag,
                issued: long_date(c.issued_at.date_naive()),
                expires: date_or(c.expires_at.map(|e| e.date_naive()), "Does not expire"),
            }
        })
        .collect();
    let collectable = collectable(state, &mine).into_iter().map(|t| (t.key(), t.key().replace('_', " "))).collect();
    let page = CredentialsPage {
        chrome: worker.chrome("/me"),
        nav: OrgNav::of(&mine.organisation, "credentials"),
        offer_expires: offer.as_ref().map(|o| o.expires_at.format("%H:%M UTC").to_string()).unwrap_or_default(),
        errors,
        credentials,
        collectable,
        offer,
    };
    let status = if page.errors.is_empty() { StatusCode::OK } else { StatusCode::UNPROCESSABLE_ENTITY };
    Ok((status, render(&page)).into_response())
}

/// Your passport credentials from one organisation (status, expiry) and the form to collect more with
/// your wallet. Role: worker.
async fn credentials(State(state): State<AppState>, worker: Worker, Path(ods): Path<String>) -> WebResult<Response> {
    credentials_page(&state, &worker, &ods, FormErrors::default(), None).await
}

/// An offer of your own credentials: the QR code and PIN, shown once. Role: worker.
async fn offer(
    State(state): State<AppState>,
    worker: Worker,
    Path(ods): Path<String>,
    body: axum::body::Bytes,
) -> WebResult<Response> {
    let (csrf, types) = crate::web::people::offer_form(&body);
    worker.check_csrf(&csrf)?;
    match offer_own(&state, &worker.scope, &ods, &types).await {
        Ok(offer) => credentials_page(&state, &worker, &ods, FormErrors::default(), Some(offer)).await,
        Err(ApiError::Invalid(fields)) => {
            let mut errors = FormErrors::default();
            for f in fields {
                let message = if f.field == "types" {
                    "Select at least one credential to collect".to_owned()
                } else {
                    format!("Your record does not support this credential today: {}", f.problem)
                };
                errors.add("types", message);
            }
            credentials_page(&state, &worker, &ods, errors, None).await
        }
        Err(other) => Err(other.into()),
    }
}

/// Your talent profile from one organisation, as a signed PDF. Role: worker.
async fn talent_profile(State(state): State<AppState>, worker: Worker, Path(ods): Path<String>) -> WebResult<Response> {
    Ok(crate::talent_profile::pdf_download(&state, &worker.scope, &ods).await?)
}

// ---- Transfers and consent ----

#[derive(Template)]
#[template(path = "me_transfers.html")]
struct TransfersPage {
    chrome: Chrome,
    nav: OrgNav,
    consent: String,
    given: bool,
    statements: Vec<Row>,
    transfers: Vec<Row>,
    /// A request for the worker's wallet to sign: its link and QR code (SVG).
    signing: Option<(String, String)>,
}

/// Your consent to inter-authority transfers of this record, and the transfers into it. Role: worker.
async fn transfers(State(state): State<AppState>, worker: Worker, Path(ods): Path<String>) -> WebResult<Response> {
    transfers_page(&state, &worker, &ods, None).await
}

async fn transfers_page(
    state: &AppState,
    worker: &Worker,
    ods: &str,
    signing: Option<(String, String)>,
) -> WebResult<Response> {
    let ods = ods.to_owned();
    let me = state.store.me(&worker.scope);
    let link = me.link(&ods).await?;
    let (consent, statements) = me.transfer_consent(&ods).await?;
    let (consent, given) = match consent {
        ConsentState::None => ("You have not said whether you consent.".to_owned(), false),
        ConsentState::Given { since } => (format!("You consent, since {}.", long_date(since.date_naive())), true),
        ConsentState::Withdrawn { since } => {
            (format!("You withdrew your consent on {}.", long_date(since.date_naive())), false)
        }
    };
    let statements = statements
        .iter()
        .rev()
        .map(|s| Row {
            edit: None,
            cells: vec![
                long_date(s.at.date_naive()),
                (if s.given { "Given" } else { "Withdrawn" }).to_owned(),
                words(&s.method),
            ],
        })
        .collect();
    let transfers = me
        .transfers(&ods)
        .await?
        .iter()
        .map(|t| Row {
            edit: None,
            cells: vec![t.source_ods.as_str().to_owned(), words(&t.status), long_date(t.proposed_at.date_naive())],
        })
        .collect();
    let page = TransfersPage {
        chrome: worker.chrome("/me"),
        nav: OrgNav::of(&link.organisation, "transfers"),
        consent,
        given,
        statements,
        transfers,
        signing,
    };
    Ok(render(&page))
}

/// Makes a request for your wallet to sign your consent (or its withdrawal), and shows its QR code
/// and link. The statement is recorded when the wallet answers. Role: worker.
async fn wallet_consent(
    State(state): State<AppState>,
    worker: Worker,
    Path(ods): Path<String>,
    Form(form): Form<ConsentForm>,
) -> WebResult<Response> {
    worker.check_csrf(&form.csrf_token)?;
    let given = match form.given.as_str() {
        "yes" => true,
        "no" => false,
        _ => return Err(WebError::NotFound),
    };
    let link = state.store.me(&worker.scope).link(&ods).await?;
    let created = crate::transfer_consent_vp::create(&state, link.scope(), link.person_id(), given).await?;
    let qr = created.qr_svg.clone();
    transfers_page(&state, &worker, &ods, Some((created.link, qr))).await
}

#[derive(Deserialize)]
struct ConsentForm {
    #[serde(default)]
    csrf_token: String,
    #[serde(default)]
    given: String,
}

/// Give or withdraw your consent to transfers of this record. Role: worker.
async fn consent(
    State(state): State<AppState>,
    worker: Worker,
    Path(ods): Path<String>,
    Form(form): Form<ConsentForm>,
) -> WebResult<Response> {
    worker.check_csrf(&form.csrf_token)?;
    let given = match form.given.as_str() {
        "yes" => true,
        "no" => false,
        _ => return Err(WebError::NotFound),
    };
    state.store.me(&worker.scope).set_transfer_consent(&ods, given).await?;
    let link = state.store.me(&worker.scope).link(&ods).await?;
    Ok(Redirect::to(&format!("/me/organisations/{}/transfers", link.organisation.ods_code)).into_response())
}
