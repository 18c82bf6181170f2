//! Workforce sharing agreements in the portal, for each organisation party: the list (with the
//! host's visiting workers), one agreement with its terms, signatures and history, the actions a
//! party takes (propose, sign, withdraw with a reason, ask the worker's wallet to sign), the signed
//! export, and the employer's form to draft a deployment. Every action goes through the same
//! functions as the API (`api::agreements`), so the lifecycle rules and signatures are theirs.

use askama::Template;
use axum::Router;
use axum::extract::{Form, Path, Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use credentials::agreement::PartyAction;
use domain::agreement::{
    AgreementBody, AgreementDocument, AgreementState, Article6Basis, Article9Condition, BespokeTerms, DataSharingBasis,
    Period, SignerRole,
};
use serde::Deserialize;
use store::{Page, Role, StoredAgreement};

use super::{Chrome, FormErrors, Signed, WebError, WebResult, long_date, parse_date, render};
use crate::AppState;
use crate::api::agreements::{DeploymentInput, TermsChoice, act_on, draft_deployment};
use crate::error::ApiError;
use crate::extract::OrgCaller;

const PAGE_SIZE: u32 = 50;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/agreements", get(list))
        .route("/agreements/new", get(new_form).post(create))
        .route("/agreements/{id}", get(show))
        .route("/agreements/{id}/export", get(export))
        .route("/agreements/{id}/{action}", post(action))
}

/// The parts an organisation plays, as the list's filter offers them.
const PARTS: [(&str, &str); 4] =
    [("", "All"), ("host", "Visiting workers"), ("employer", "Our staff deployed"), ("party", "Umbrella agreements")];

/// One agreement as a row or a heading: who, where, when, and its state today.
struct Summary {
    id: String,
    version: u32,
    kind: &'static str,
    title: String,
    roles: String,
    period: String,
    state: &'static str,
    tag: &'static str,
}

fn state_tag(state: &AgreementState) -> &'static str {
    match state {
        AgreementState::Active => "nhsuk-tag--green",
        AgreementState::Signed => "nhsuk-tag--blue",
        AgreementState::Proposed { .. } => "nhsuk-tag--yellow",
        AgreementState::Withdrawn { .. } => "nhsuk-tag--red",
        AgreementState::Draft | AgreementState::Ended | AgreementState::Superseded { .. } => "nhsuk-tag--grey",
    }
}

fn summary(a: &StoredAgreement, today: chrono::NaiveDate) -> Summary {
    let state = a.lifecycle.state(&a.document, today);
    let period = a.document.period();
    let (kind, title, roles) = match &a.document.body {
        AgreementBody::Deployment(d) => (
            "Deployment",
            format!("{} {}: {} to {}", d.worker.given_name, d.worker.family_name, d.employer.name, d.host.name),
            d.roles.join(", "),
        ),
        AgreementBody::Umbrella(u) => ("Umbrella", u.title.clone(), String::new()),
    };
    Summary {
        id: a.id.clone(),
        version: a.version,
        kind,
        title,
        roles,
        period: format!("{} to {}", long_date(period.start), long_date(period.end)),
        state: state.key(),
        tag: state_tag(&state),
    }
}

#[derive(Debug, Default, Deserialize)]
struct ListQuery {
    #[serde(default)]
    part: String,
    #[serde(default)]
    after: Option<String>,
}

#[derive(Template)]
#[template(path = "agreements.html")]
struct ListPage {
    chrome: Chrome,
    part: String,
    parts: Vec<(&'static str, &'static str)>,
    rows: Vec<Summary>,
    next: Option<String>,
}

/// The agreements this organisation is party to, by part. Roles: hr, admin.
async fn list(State(state): State<AppState>, signed: Signed, Query(query): Query<ListQuery>) -> WebResult<Response> {
    let caller = signed.require(&[Role::Hr])?;
    let part = PARTS.iter().map(|p| p.0).find(|p| !p.is_empty() && *p == query.part);
    let page = Page { after: query.after.filter(|a| !a.is_empty()), limit: PAGE_SIZE };
    let found = state.store.agreements(&caller.scope).list(&page, part).await?;
    let today = state.today();
    let page = ListPage {
        chrome: signed.chrome(&state, "/agreements").await,
        part: part.unwrap_or_default().to_owned(),
        parts: PARTS.to_vec(),
        rows: found.items.iter().map(|a| summary(a, today)).collect(),
        next: found.next,
    };
    Ok(render(&page))
}

/// A row of a summary list.
struct Row {
    key: &'static str,
    value: String,
}

fn bespoke_rows(terms: &BespokeTerms) -> Vec<Row> {
    [
        ("Pay variation", &terms.pay_variation),
        ("Car parking", &terms.car_parking),
        ("Travel", &terms.travel),
        ("IT access", &terms.it_access),
        ("Supervision", &terms.supervision),
        ("Other terms", &terms.other),
    ]
    .into_iter()
    .filter_map(|(key, value)| value.clone().map(|value| Row { key, value }))
    .collect()
}

fn document_rows(doc: &AgreementDocument) -> Vec<Row> {
    let mut rows = Vec::new();
    match &doc.body {
        AgreementBody::Deployment(d) => {
            let worker = format!("{} {}", d.worker.given_name, d.worker.family_name);
            rows.push(Row { key: "Worker", value: worker });
            rows.push(Row { key: "Employer", value: format!("{} ({})", d.employer.name, d.employer.ods_code) });
            rows.push(Row { key: "Host", value: format!("{} ({})", d.host.name, d.host.ods_code) });
            rows.push(Row { key: "Roles at the host", value: d.roles.join(", ") });
            if let Some(u) = &d.umbrella {
                rows.push(Row { key: "Under umbrella agreement", value: format!("{} version {}", u.id, u.version) });
            }
        }
        AgreementBody::Umbrella(u) => {
            rows.push(Row { key: "Title", value: u.title.clone() });
            let parties: Vec<String> = u.parties.iter().map(|p| format!("{} ({})", p.name, p.ods_code)).collect();
            rows.push(Row { key: "Organisations", value: parties.join("; ") });
            if !u.scope.staff_groups.is_empty() {
                rows.push(Row { key: "Staff groups", value: u.scope.staff_groups.join(", ") });
            }
            if !u.scope.purposes.is_empty() {
                rows.push(Row { key: "Purposes", value: u.scope.purposes.join(", ") });
            }
        }
    }
    let period = doc.period();
    rows.push(Row { key: "Period", value: format!("{} to {}", long_date(period.start), long_date(period.end)) });
    let terms = &doc.core_terms;
    rows.push(Row {
        key: "Core terms",
        value: format!("{} version {} (SHA-256 {})", terms.id, terms.version, terms.sha256),
    });
    if let Some(basis) = &doc.data_sharing {
        let value = format!(
            "{}; {}; purpose: {}",
            super::people::words(&basis.article_6),
            super::people::words(&basis.article_9),
            basis.purpose
        );
        rows.push(Row { key: "Data sharing basis (UK GDPR)", value });
    }
    let bespoke = match &doc.body {
        AgreementBody::Deployment(d) => &d.bespoke_terms,
        AgreementBody::Umbrella(u) => &u.bespoke_terms,
    };
    rows.extend(bespoke_rows(bespoke));
    rows
}

/// The actions this organisation may take on the agreement now.
#[derive(Default)]
struct Actions {
    propose: bool,
    sign: bool,
    withdraw: bool,
    worker_signing: bool,
}

#[derive(Template)]
#[template(path = "agreement.html")]
struct ShowPage {
    chrome: Chrome,
    errors: FormErrors,
    head: Summary,
    state_words: String,
    rows: Vec<Row>,
    /// Who signed and when, in words.
    signatures: Vec<String>,
    versions: Vec<Summary>,
    actions: Actions,
    reason: String,
    saved: Option<&'static str>,
    /// The worker's signing link and its QR code, just made.
    signing: Option<(String, String)>,
}

fn signer_words(who: &SignerRole, doc: &AgreementDocument) -> String {
    match who {
        SignerRole::Worker => "The worker, with their wallet".to_owned(),
        SignerRole::Organisation(ods) => {
            let name = doc.organisations().into_iter().find(|p| &p.ods_code == ods).map(|p| p.name.clone());
            format!("{} ({ods})", name.unwrap_or_default())
        }
    }
}

fn state_words(state: &AgreementState, doc: &AgreementDocument) -> String {
    match state {
        AgreementState::Draft => {
            "A draft: the employer proposes it to the other parties, signing it as it does.".into()
        }
        AgreementState::Proposed { awaiting } => {
            let who: Vec<String> = awaiting.iter().map(|s| signer_words(s, doc)).collect();
            format!("Waiting for the signature of: {}.", who.join("; "))
        }
        AgreementState::Signed => format!("Signed by every party; in force from {}.", long_date(doc.period().start)),
        AgreementState::Active => format!("In force until {}.", long_date(doc.period().end)),
        AgreementState::Ended => format!("Ended on {}.", long_date(doc.period().end)),
        AgreementState::Withdrawn { by, reason } => {
            format!("Withdrawn by {}: {reason}", signer_words(by, doc))
        }
        AgreementState::Superseded { by_version } => format!("Replaced by version {by_version}."),
    }
}

async fn show_page(
    state: &AppState,
    signed: &Signed,
    id: &str,
    errors: FormErrors,
    saved: Option<&'static str>,
    signing: Option<(String, String)>,
) -> WebResult<Response> {
    let caller = signed.require(&[Role::Hr])?;
    let agreements = state.store.agreements(&caller.scope);
    let history = agreements.history(id).await?;
    let current = history.last().ok_or(WebError::NotFound)?;
    let org = state.store.registry().get_organisation(caller.scope.org_id()).await?;
    let today = state.today();
    let doc = &current.document;
    let life = &current.lifecycle;
    let derived = life.state(doc, today);
    let me = SignerRole::Organisation(org.ods_code.clone());
    let may_act = match doc.body {
        AgreementBody::Umbrella(_) => caller.roles.contains(&Role::Admin),
        AgreementBody::Deployment(_) => true,
    };
    let is_employer = matches!(&doc.body, AgreementBody::Deployment(d) if d.employer.ods_code == org.ods_code);
    let open = !matches!(
        derived,
        AgreementState::Withdrawn { .. } | AgreementState::Superseded { .. } | AgreementState::Ended
    );
    let actions = Actions {
        propose: may_act
            && life.can_propose().is_ok()
            && (is_employer || matches!(doc.body, AgreementBody::Umbrella(_))),
        sign: may_act && life.proposed_at.is_some() && life.can_sign(doc, &me, today).is_ok(),
        withdraw: may_act && open && life.proposed_at.is_some(),
        worker_signing: matches!(derived, AgreementState::Proposed { ref awaiting } if awaiting.contains(&SignerRole::Worker)),
    };
    let signatures = life
        .signatures
        .iter()
        .map(|s| format!("{} on {}", signer_words(&s.signer, doc), s.signed_at.format("%-d %B %Y at %H:%M UTC")))
        .collect();
    let status = if errors.is_empty() { StatusCode::OK } else { StatusCode::UNPROCESSABLE_ENTITY };
    let page = ShowPage {
        chrome: signed.chrome(state, "/agreements").await,
        errors,
        head: summary(current, today),
        state_words: state_words(&derived, doc),
        rows: document_rows(doc),
        signatures,
        versions: history.iter().rev().map(|a| summary(a, today)).collect(),
        actions,
        reason: String::new(),
        saved,
        signing,
    };
    Ok((status, render(&page)).into_response())
}

#[derive(Debug, Default, Deserialize)]
struct ShowQuery {
    #[serde(default)]
    saved: String,
}

/// One agreement: terms, state, signatures, versions and the actions open to this party. Roles:
/// hr, admin.
async fn show(
    State(state): State<AppState>,
    signed: Signed,
    Path(id): Path<String>,
    Query(query): Query<ShowQuery>,
) -> WebResult<Response> {
    let saved = match query.saved.as_str() {
        "created" => Some("The draft was saved. Check it, then propose it to the host."),
        "propose" => Some("Proposed and signed for your organisation."),
        "sign" => Some("Signed for your organisation."),
        "withdraw" => Some("Withdrawn. The other parties see your reason."),
        _ => None,
    };
    show_page(&state, &signed, &id, FormErrors::default(), saved, None).await
}

#[derive(Debug, Default, Deserialize)]
struct ActionForm {
    #[serde(default)]
    csrf_token: String,
    #[serde(default)]
    reason: String,
}

/// The form errors an API refusal becomes on a page (`field` where the page has no such input).
fn refusal(error: ApiError, field: &str) -> Result<FormErrors, WebError> {
    let mut errors = FormErrors::default();
    match error {
        ApiError::Invalid(fields) => {
            for f in fields {
                errors.add(field, format!("{}: {}", f.field, f.problem));
            }
        }
        ApiError::Conflict { problem, .. } => errors.add(field, problem),
        other => return Err(other.into()),
    }
    Ok(errors)
}

/// Propose, sign, withdraw (with a reason) or ask the worker's wallet to sign. Roles: hr (deployments),
/// admin (umbrella agreements).
async fn action(
    State(state): State<AppState>,
    signed: Signed,
    Path((id, action)): Path<(String, String)>,
    Form(form): Form<ActionForm>,
) -> WebResult<Response> {
    signed.check_csrf(&form.csrf_token)?;
    let caller: OrgCaller = signed.require(&[Role::Hr])?;
    let (party_action, audit, propose) = match action.as_str() {
        "propose" => (PartyAction::Sign, "agreement.propose", true),
        "sign" => (PartyAction::Sign, "agreement.sign", false),
        "withdraw" => {
            if form.reason.trim().is_empty() {
                let mut errors = FormErrors::default();
                errors.add("reason", "Enter why you are withdrawing from the agreement");
                return show_page(&state, &signed, &id, errors, None, None).await;
            }
            (PartyAction::Withdraw { reason: form.reason.trim().to_owned() }, "agreement.withdraw", false)
        }
        "worker-signing" => {
            return match crate::agreements_vp::create(&state, &caller.scope, &id).await {
                Ok(created) => {
                    let qr = crate::oid4vci::qr_svg(&created.link)?;
                    show_page(&state, &signed, &id, FormErrors::default(), None, Some((created.link, qr))).await
                }
                Err(e) => show_page(&state, &signed, &id, refusal(e, "actions")?, None, None).await,
            };
        }
        _ => return Err(WebError::NotFound),
    };
    match act_on(&state, &caller, &id, party_action, audit, propose).await {
        Ok(_) => Ok(Redirect::to(&format!("/agreements/{id}?saved={action}")).into_response()),
        Err(e) => show_page(&state, &signed, &id, refusal(e, "actions")?, None, None).await,
    }
}

/// The signed agreement (JWS JSON General Serialization) as a file, for `passport agreement verify`.
/// Roles: hr, admin.
async fn export(State(state): State<AppState>, signed: Signed, Path(id): Path<String>) -> WebResult<Response> {
    let caller = signed.require(&[Role::Hr])?;
    let current = state.store.agreements(&caller.scope).get(&id, None).await?;
    let disposition = format!("attachment; filename=\"agreement-{id}-v{}.json\"", current.version);
    Ok((
        [(header::CONTENT_TYPE, "application/json".to_owned()), (header::CONTENT_DISPOSITION, disposition)],
        current.signed,
    )
        .into_response())
}

/// The deployment form as typed.
#[derive(Debug, Default, Deserialize)]
struct DeploymentForm {
    #[serde(default)]
    csrf_token: String,
    #[serde(default)]
    person_id: String,
    #[serde(default)]
    host_ods: String,
    #[serde(default)]
    roles: String,
    #[serde(default)]
    start: String,
    #[serde(default)]
    end: String,
    #[serde(default)]
    core_terms: String,
    #[serde(default)]
    pay_variation: String,
    #[serde(default)]
    car_parking: String,
    #[serde(default)]
    travel: String,
    #[serde(default)]
    it_access: String,
    #[serde(default)]
    supervision: String,
    #[serde(default)]
    other: String,
    #[serde(default)]
    article_6: String,
    #[serde(default)]
    article_9: String,
    #[serde(default)]
    purpose: String,
}

const ARTICLE_6: [(Article6Basis, &str); 6] = [
    (Article6Basis::Contract, "6(1)(b) contract"),
    (Article6Basis::LegalObligation, "6(1)(c) legal obligation"),
    (Article6Basis::VitalInterests, "6(1)(d) vital interests"),
    (Article6Basis::PublicTask, "6(1)(e) public task"),
    (Article6Basis::LegitimateInterests, "6(1)(f) legitimate interests"),
    (Article6Basis::Consent, "6(1)(a) consent"),
];

const ARTICLE_9: [(Article9Condition, &str); 5] = [
    (Article9Condition::EmploymentSocialSecurity, "9(2)(b) employment and social security"),
    (Article9Condition::HealthOrSocialCare, "9(2)(h) health or social care"),
    (Article9Condition::PublicHealth, "9(2)(i) public health"),
    (Article9Condition::ExplicitConsent, "9(2)(a) explicit consent"),
    (Article9Condition::VitalInterests, "9(2)(c) vital interests"),
];

fn key_of<T: serde::Serialize>(value: &T) -> String {
    serde_json::to_value(value).ok().and_then(|v| v.as_str().map(str::to_owned)).unwrap_or_default()
}

#[derive(Template)]
#[template(path = "agreement_form.html")]
struct FormPage {
    chrome: Chrome,
    errors: FormErrors,
    name: String,
    form: DeploymentForm,
    terms: Vec<(String, String)>,
    article_6: Vec<(String, &'static str)>,
    article_9: Vec<(String, &'static str)>,
}

fn optional(text: &str) -> Option<String> {
    Some(text.trim().to_owned()).filter(|t| !t.is_empty())
}

/// The form as the API's input, or every field's problem.
fn parse(form: &DeploymentForm) -> Result<DeploymentInput, FormErrors> {
    let mut errors = FormErrors::default();
    if form.host_ods.trim().is_empty() {
        errors.add("host_ods", "Enter the host organisation's ODS code, for example RJZ");
    }
    let roles: Vec<String> =
        form.roles.split(',').map(str::trim).filter(|r| !r.is_empty()).map(str::to_owned).collect();
    if roles.is_empty() {
        errors.add("roles", "Enter at least one role code at the host, for example BANK-RN");
    }
    let start = parse_date(&form.start).map_err(|m| errors.add("start", m)).ok();
    let end = parse_date(&form.end).map_err(|m| errors.add("end", m)).ok();
    let terms = form.core_terms.split_once('@');
    if terms.is_none() {
        errors.add("core_terms", "Choose the core terms the deployment is made under");
    }
    let article_6 = ARTICLE_6.iter().map(|a| a.0).find(|a| key_of(a) == form.article_6);
    let article_9 = ARTICLE_9.iter().map(|a| a.0).find(|a| key_of(a) == form.article_9);
    let data_sharing = match (article_6, article_9, optional(&form.purpose)) {
        (None, None, None) => None,
        (Some(article_6), Some(article_9), Some(purpose)) => Some(DataSharingBasis { article_6, article_9, purpose }),
        (a6, a9, purpose) => {
            if a6.is_none() {
                errors.add("article_6", "Choose the UK GDPR Article 6 basis");
            }
            if a9.is_none() {
                errors.add("article_9", "Choose the UK GDPR Article 9 condition");
            }
            if purpose.is_none() {
                errors.add("purpose", "Enter the purpose of sharing the worker's data");
            }
            None
        }
    };
    let (Some(start), Some(end), Some((terms_id, terms_version)), true) = (start, end, terms, errors.is_empty()) else {
        return Err(errors);
    };
    Ok(DeploymentInput {
        person_id: form.person_id.trim().to_owned(),
        host_ods: form.host_ods.trim().to_uppercase(),
        roles,
        period: Period { start, end },
        bespoke_terms: BespokeTerms {
            pay_variation: optional(&form.pay_variation),
            car_parking: optional(&form.car_parking),
            travel: optional(&form.travel),
            it_access: optional(&form.it_access),
            supervision: optional(&form.supervision),
            other: optional(&form.other),
        },
        umbrella_id: None,
        core_terms: TermsChoice { id: terms_id.to_owned(), version: terms_version.to_owned() },
        data_sharing,
    })
}

/// The domain's and the API's field names, as this form's inputs.
fn form_field(field: &str) -> &'static str {
    match field {
        f if f.starts_with("host") => "host_ods",
        f if f.starts_with("roles") => "roles",
        "period.end" => "end",
        f if f.starts_with("period") => "start",
        "data_sharing.purpose" => "purpose",
        f if f.starts_with("data_sharing") => "article_6",
        f if f.starts_with("core_terms") => "core_terms",
        _ => "host_ods",
    }
}

async fn form_page(state: &AppState, signed: &Signed, form: DeploymentForm, errors: FormErrors) -> WebResult<Response> {
    let caller = signed.require(&[Role::Hr])?;
    let person = state.store.dataset(&caller.scope).get_person(&form.person_id).await?;
    let terms = state.store.list_core_terms().await?;
    let status = if errors.is_empty() { StatusCode::OK } else { StatusCode::UNPROCESSABLE_ENTITY };
    let page = FormPage {
        chrome: signed.chrome(state, "/agreements").await,
        errors,
        name: format!("{} {}", person.value.given_name, person.value.family_name),
        form,
        terms: terms
            .iter()
            .map(|t| (format!("{}@{}", t.id, t.version), format!("{} (version {})", t.title, t.version)))
            .collect(),
        article_6: ARTICLE_6.iter().map(|(a, label)| (key_of(a), *label)).collect(),
        article_9: ARTICLE_9.iter().map(|(a, label)| (key_of(a), *label)).collect(),
    };
    Ok((status, render(&page)).into_response())
}

#[derive(Debug, Default, Deserialize)]
struct NewQuery {
    #[serde(default)]
    person_id: String,
}

/// The empty deployment form for one of the organisation's people. Role: hr.
async fn new_form(State(state): State<AppState>, signed: Signed, Query(query): Query<NewQuery>) -> WebResult<Response> {
    let form = DeploymentForm { person_id: query.person_id, ..Default::default() };
    form_page(&state, &signed, form, FormErrors::default()).await
}

/// Drafts the deployment, or shows the form again with each problem (nothing stored). Role: hr.
async fn create(
    State(state): State<AppState>,
    signed: Signed,
    Form(form): Form<DeploymentForm>,
) -> WebResult<Response> {
    signed.check_csrf(&form.csrf_token)?;
    let caller = signed.require(&[Role::Hr])?;
    let input = match parse(&form) {
        Ok(input) => input,
        Err(errors) => return form_page(&state, &signed, form, errors).await,
    };
    match draft_deployment(&state, &caller, input).await {
        Ok(stored) => Ok(Redirect::to(&format!("/agreements/{}?saved=created", stored.id)).into_response()),
        Err(ApiError::Invalid(fields)) => {
            let mut errors = FormErrors::default();
            for f in fields {
                errors.add(form_field(&f.field), f.problem);
            }
            form_page(&state, &signed, form, errors).await
        }
        Err(e) => Err(e.into()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn form() -> DeploymentForm {
        DeploymentForm {
            person_id: "p1".into(),
            host_ods: "rjz".into(),
            roles: "BANK-RN, THEATRES-RN".into(),
            start: "1/5/2026".into(),
            end: "2026-09-30".into(),
            core_terms: "nhs-core-terms@2026.1".into(),
            car_parking: "staff car park B".into(),
            ..Default::default()
        }
    }

    #[test]
    fn a_good_form_becomes_the_apis_input() {
        let input = parse(&form()).unwrap();
        assert_eq!(input.host_ods, "RJZ");
        assert_eq!(input.roles, ["BANK-RN", "THEATRES-RN"]);
        assert_eq!(input.period.end, chrono::NaiveDate::from_ymd_opt(2026, 9, 30).unwrap());
        assert_eq!(input.bespoke_terms.car_parking.as_deref(), Some("staff car park B"));
        assert_eq!(input.bespoke_terms.travel, None);
        assert_eq!((input.core_terms.id.as_str(), input.core_terms.version.as_str()), ("nhs-core-terms", "2026.1"));
        assert!(input.data_sharing.is_none());
    }

    #[test]
    fn each_wrong_field_is_named() {
        let errors = parse(&DeploymentForm::default()).unwrap_err();
        for field in ["host_ods", "roles", "start", "end", "core_terms"] {
            assert!(errors.has(field), "{field}");
        }
        let half_basis = DeploymentForm { article_6: "public_task".into(), ..form() };
        let errors = parse(&half_basis).unwrap_err();
        assert!(errors.has("article_9") && errors.has("purpose") && !errors.has("article_6"));
        let basis = DeploymentForm {
            article_6: "public_task".into(),
            article_9: "health_or_social_care".into(),
            purpose: "hospice inpatient unit".into(),
            ..form()
        };
        assert!(parse(&basis).unwrap().data_sharing.is_some());
        assert_eq!(form_field("period.end"), "end");
        assert_eq!(form_field("data_sharing"), "article_6");
    }
}
