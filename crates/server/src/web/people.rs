//! Finding people and a person's page: assignments, the six employment checks, competences,
//! immunisations, compliance with every gap named, and the passport credentials (offer to a wallet,
//! suspend, revoke).

use askama::Template;
use axum::Router;
use axum::extract::{Form, Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use domain::compliance::ComplianceStatus;
use domain::passport::PassportType;
use serde::{Deserialize, Serialize};
use store::{CredentialStatus, Page, Role};

use super::{Chrome, FormErrors, Signed, WebError, WebResult, long_date, render};
use crate::AppState;
use crate::oid4vci;

/// Roles that may read people's records (as the API: hr, training, occupational health).
pub const READERS: &[Role] = crate::api::people::READERS;

/// People per page of search results.
const PAGE_SIZE: u32 = 25;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/people", get(search))
        .route("/people/{person_id}", get(person))
        .route("/people/{person_id}/offers", post(offer))
        .route("/credentials/{credential_id}/status", post(credential_status))
}

/// A value's JSON name in words: `due_soon` → "due soon".
pub fn words<T: Serialize>(value: &T) -> String {
    match serde_json::to_value(value) {
        Ok(serde_json::Value::String(s)) => s.replace('_', " "),
        _ => String::new(),
    }
}

/// The NHS tag colour for a compliance status.
pub fn status_tag(status: ComplianceStatus) -> (&'static str, &'static str) {
    match status {
        ComplianceStatus::Met => ("Met", "nhsuk-tag--green"),
        ComplianceStatus::DueSoon => ("Due soon", "nhsuk-tag--yellow"),
        ComplianceStatus::Expired => ("Expired", "nhsuk-tag--red"),
        ComplianceStatus::Missing => ("Missing", "nhsuk-tag--orange"),
    }
}

#[derive(Deserialize)]
struct SearchQuery {
    #[serde(default)]
    q: String,
    after: Option<String>,
}

struct PersonRow {
    id: String,
    name: String,
    date_of_birth: String,
    ni_number: String,
}

#[derive(Template)]
#[template(path = "people.html")]
struct PeoplePage {
    chrome: Chrome,
    q: String,
    people: Vec<PersonRow>,
    next: Option<String>,
    searched: bool,
}

/// Find people by name, NI number or record id. Roles: hr, training, occupational_health.
async fn search(
    State(state): State<AppState>,
    signed: Signed,
    Query(query): Query<SearchQuery>,
) -> WebResult<Response> {
    let caller = signed.require(READERS)?;
    let page = Page { after: query.after.filter(|a| !a.is_empty()), limit: PAGE_SIZE };
    let found = state.store.dataset(&caller.scope).search_people(&query.q, &page).await?;
    let people = found
        .items
        .into_iter()
        .map(|r| PersonRow {
            name: format!("{}, {}", r.value.family_name, r.value.given_name),
            date_of_birth: long_date(r.value.date_of_birth),
            ni_number: r.value.ni_number.map(|n| n.as_str().to_owned()).unwrap_or_default(),
            id: r.id,
        })
        .collect();
    let next = found.next.map(|after| {
        let q: String = form_urlencoded::Serializer::new(String::new())
            .append_pair("q", &query.q)
            .append_pair("after", &after)
            .finish();
        format!("/people?{q}")
    });
    let chrome = signed.chrome(&state, "/people").await;
    Ok(render(&PeoplePage { chrome, searched: !query.q.trim().is_empty(), q: query.q, people, next }))
}

struct Row {
    cells: Vec<String>,
    /// A link to correct the record: (href, what it is, for the link's hidden text).
    edit: Option<(String, String)>,
}

struct ComplianceRow {
    label: String,
    tag: (&'static str, &'static str),
    reason: String,
    expires: String,
}

struct CredentialRow {
    id: String,
    kind: String,
    status: String,
    tag: &'static str,
    issued: String,
    live: bool,
}

#[derive(Template)]
#[template(path = "person.html")]
struct PersonPage {
    chrome: Chrome,
    id: String,
    name: String,
    details: Vec<(&'static str, String)>,
    assignments: Vec<Row>,
    checks: Vec<Row>,
    competences: Vec<Row>,
    immunisations: Vec<Row>,
    overall: (&'static str, &'static str),
    compliance: Vec<ComplianceRow>,
    gaps: usize,
    credentials: Vec<CredentialRow>,
    can_train: bool,
    can_check: bool,
    can_immunise: bool,
    can_issue: bool,
    contact_changes: Vec<Row>,
    offer_types: Vec<(&'static str, String)>,
    notice: Option<&'static str>,
}

#[derive(Deserialize)]
struct PersonQuery {
    saved: Option<String>,
}

fn date_or(date: Option<chrono::NaiveDate>, none: &str) -> String {
    date.map(long_date).unwrap_or_else(|| none.to_owned())
}

/// A person's page. Roles: hr, training, occupational_health.
async fn person(
    State(state): State<AppState>,
    signed: Signed,
    Path(person_id): Path<String>,
    Query(query): Query<PersonQuery>,
) -> WebResult<Response> {
    let caller = signed.require(READERS)?;
    let dataset = state.store.dataset(&caller.scope);
    let person = dataset.get_person(&person_id).await?;
    let p = &person.value;
    let today = state.today();
    let mut details = vec![("Date of birth", long_date(p.date_of_birth))];
    details.push((
        "NI number",
        p.ni_number.as_ref().map(|n| n.as_str().to_owned()).unwrap_or_else(|| "Not recorded".into()),
    ));
    let address = p.address.as_ref().map(super::me::address_text);
    details.push(("Address", address.unwrap_or_else(|| "Not recorded".into())));
    details.push(("Phone", p.phone.clone().unwrap_or_else(|| "Not recorded".into())));
    details.push(("Email", p.email.clone().unwrap_or_else(|| "Not recorded".into())));
    details.push(("Record id", person.id.clone()));
    let assignments = dataset
        .list_assignments(&person_id)
        .await?
        .into_iter()
        .map(|a| Row {
            edit: None,
            cells: vec![
                a.value.role.clone(),
                words(&a.value.staff_group),
                a.value.band.as_string(),
                words(&a.value.status),
                long_date(a.value.start_date),
            ],
        })
        .collect();
    let can_check = caller.require(super::checks::WRITERS).is_ok();
    let can_train = caller.require(&[Role::Training]).is_ok();
    let can_immunise = caller.require(super::immunisations::WRITERS).is_ok();
    let checks = dataset
        .list_checks(&person_id)
        .await?
        .into_iter()
        .map(|c| Row {
            edit: can_check
                .then(|| (format!("/people/{person_id}/checks/{}", c.id), c.value.kind().label().to_owned())),
            cells: vec![
                c.value.kind().label().to_owned(),
                words(&c.value.outcome),
                date_or(c.value.completed_on, "Not completed"),
                date_or(c.value.expires_on(), "Does not expire"),
            ],
        })
        .collect();
    let competences = dataset
        .list_competences(&person_id)
        .await?
        .into_iter()
        .map(|c| Row {
            edit: can_train.then(|| (format!("/people/{person_id}/competences/{}", c.id), c.value.competence.label())),
            cells: vec![
                c.value.competence.label(),
                long_date(c.value.completed_on),
                date_or(c.value.expires_on(), "Does not expire"),
                words(&c.value.source),
            ],
        })
        .collect();
    let immunisations = dataset
        .list_immunisations(&person_id)
        .await?
        .into_iter()
        .map(|i| Row {
            edit: (can_immunise && i.value.passport.is_none())
                .then(|| (format!("/people/{person_id}/immunisations/{}", i.id), i.value.antigen.label().to_owned())),
            cells: vec![i.value.antigen.label().to_owned(), words(&i.value.status), i.value.doses.len().to_string()],
        })
        .collect();
    let result = dataset.person_compliance(&person_id, today, state.due_within_days).await?;
    let compliance: Vec<ComplianceRow> = result
        .items
        .iter()
        .map(|item| ComplianceRow {
            label: item.label.to_string(),
            tag: status_tag(item.status),
            reason: item.reason.clone(),
            expires: date_or(item.expires_on, ""),
        })
        .collect();
    let gaps = result.items.iter().filter(|i| !i.status.is_compliant()).count();
    let can_issue = caller.require(&[Role::Hr]).is_ok();
    let credentials = if can_issue {
        dataset
            .list_credentials(&person_id)
            .await?
            .into_iter()
            .map(|c| {
                let (status, tag) = match c.status {
                    CredentialStatus::Valid => ("Valid", "nhsuk-tag--green"),
                    CredentialStatus::Suspended => ("Suspended", "nhsuk-tag--yellow"),
                    CredentialStatus::Revoked => ("Revoked", "nhsuk-tag--red"),
                };
                CredentialRow {
                    live: c.status == CredentialStatus::Valid,
                    kind: c.credential_type.replace('_', " "),
                    status: status.to_owned(),
                    tag,
                    issued: long_date(c.issued_at.date_naive()),
                    id: c.id,
                }
            })
            .collect()
    } else {
        Vec::new()
    };
    // What the worker changed themselves, newest first (HR's view of self-service).
    let contact_changes = if can_issue {
        let contact = |c: &store::ContactDetails| {
            let address = c.address.as_ref().map(super::me::address_text).unwrap_or_else(|| "no address".into());
            [Some(address), c.phone.clone(), c.email.clone()].into_iter().flatten().collect::<Vec<_>>().join("; ")
        };
        dataset
            .contact_history(&person_id)
            .await?
            .iter()
            .map(|c| Row {
                cells: vec![long_date(c.provenance.recorded_at.date_naive()), contact(&c.before), contact(&c.after)],
                edit: None,
            })
            .collect()
    } else {
        Vec::new()
    };
    let notice = match query.saved.as_deref() {
        Some("competence") => Some("Competence saved"),
        Some("check") => Some("Employment check saved"),
        Some("immunisation") => Some("Immunisation saved"),
        Some("credential") => Some("Credential status changed"),
        _ => None,
    };
    let page = PersonPage {
        chrome: signed.chrome(&state, "/people").await,
        id: person.id.clone(),
        name: format!("{} {}", p.given_name, p.family_name),
        details,
        assignments,
        checks,
        competences,
        immunisations,
        overall: status_tag(result.overall),
        compliance,
        gaps,
        credentials,
        can_train,
        can_check,
        can_immunise,
        can_issue,
        contact_changes,
        offer_types: PassportType::ALL.iter().map(|t| (t.key(), t.key().replace('_', " "))).collect(),
        notice,
    };
    Ok(render(&page))
}

#[derive(Template)]
#[template(path = "offer.html")]
struct OfferPage {
    chrome: Chrome,
    person_id: String,
    name: String,
    offer: oid4vci::CreatedOffer,
    expires: String,
}

#[derive(Template)]
#[template(path = "offer_error.html")]
struct OfferErrorPage {
    chrome: Chrome,
    person_id: String,
    errors: FormErrors,
}

/// An offer form's CSRF token and chosen credential types. The repeated `types` fields are parsed by
/// hand: serde_urlencoded has no sequences.
pub(super) fn offer_form(body: &[u8]) -> (String, Vec<PassportType>) {
    let mut csrf = String::new();
    let mut types = Vec::new();
    for (key, value) in form_urlencoded::parse(body) {
        match key.as_ref() {
            "csrf_token" => csrf = value.into_owned(),
            "types" => types.extend(PassportType::ALL.into_iter().filter(|t| t.key() == value)),
            _ => {}
        }
    }
    (csrf, types)
}

/// Offer a person's credentials to their wallet: the QR code, link and PIN, shown once. Role: hr.
async fn offer(
    State(state): State<AppState>,
    signed: Signed,
    Path(person_id): Path<String>,
    body: axum::body::Bytes,
) -> WebResult<Response> {
    let (csrf, types) = offer_form(&body);
    signed.check_csrf(&csrf)?;
    let caller = signed.require(&[Role::Hr])?;
    let person = state.store.dataset(&caller.scope).get_person(&person_id).await?;
    if types.is_empty() {
        let mut errors = FormErrors::default();
        errors.add("types", "Select at least one credential to offer");
        let page = OfferErrorPage { chrome: signed.chrome(&state, "/people").await, person_id, errors };
        return Ok((axum::http::StatusCode::UNPROCESSABLE_ENTITY, render(&page)).into_response());
    }
    let offer = oid4vci::create_offer(&state, &caller.scope, &person_id, &types).await?;
    let page = OfferPage {
        chrome: signed.chrome(&state, "/people").await,
        name: format!("{} {}", person.value.given_name, person.value.family_name),
        expires: offer.expires_at.format("%H:%M UTC").to_string(),
        person_id,
        offer,
    };
    Ok(render(&page))
}

#[derive(Deserialize)]
struct StatusForm {
    #[serde(default)]
    csrf_token: String,
    #[serde(default)]
    action: String,
}

/// Suspend, revoke or reinstate a credential, then back to its person. Role: hr.
async fn credential_status(
    State(state): State<AppState>,
    signed: Signed,
    Path(credential_id): Path<String>,
    Form(form): Form<StatusForm>,
) -> WebResult<Response> {
    signed.check_csrf(&form.csrf_token)?;
    let caller = signed.require(&[Role::Hr])?;
    let to = match form.action.as_str() {
        "suspend" => CredentialStatus::Suspended,
        "revoke" => CredentialStatus::Revoked,
        "reinstate" => CredentialStatus::Valid,
        _ => return Err(WebError::NotFound),
    };
    let reason = format!("{} in the portal", form.action);
    let updated = state.store.dataset(&caller.scope).set_credential_status(&credential_id, to, Some(&reason)).await?;
    Ok(Redirect::to(&format!("/people/{}?saved=credential", updated.person_id)).into_response())
}
