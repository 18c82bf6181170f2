//! The registry operator's pages: the organisations of the registry, registering one (the same store
//! call as the API's `POST /organisations`), and one organisation with its issuer keys and whether the
//! trust list this deployment signs names it and each key. Operators see no personal data, so every
//! dataset page is a 404 to them, and these pages are a 404 to organisation users.

use askama::Template;
use axum::Router;
use axum::extract::{Form, Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use credentials::trust::TrustSource;
use domain::org::{NewOrganisation, OdsCode, OrgKind};
use serde::Deserialize;
use store::{OrgStatus, Page, RegistryScope, StoreError};

use super::people::words;
use super::{Chrome, FormErrors, Signed, WebError, WebResult, long_date, render};
use crate::AppState;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/registry/organisations", get(organisations))
        .route("/registry/organisations/new", get(new_form).post(register))
        .route("/registry/organisations/{ods_code}", get(organisation))
}

/// The registry scope of an operator's session; anyone else gets 404.
fn operator(signed: &Signed) -> Result<RegistryScope, WebError> {
    signed.session.principal.registry_scope().ok_or(WebError::NotFound)
}

fn status_tag(status: OrgStatus) -> (&'static str, &'static str) {
    match status {
        OrgStatus::Active => ("Active", "nhsuk-tag--green"),
        OrgStatus::Suspended => ("Suspended", "nhsuk-tag--grey"),
    }
}

struct OrgRow {
    ods: String,
    name: String,
    kind: String,
    status: (&'static str, &'static str),
    trusted: bool,
    created: String,
}

#[derive(Template)]
#[template(path = "registry.html")]
struct RegistryPage {
    chrome: Chrome,
    organisations: Vec<OrgRow>,
}

/// The registry's organisations. Role: registry operator.
async fn organisations(State(state): State<AppState>, signed: Signed) -> WebResult<Response> {
    operator(&signed)?;
    let listed = state.store.registry().list_organisations(&Page::first(store::MAX_PAGE)).await?;
    let organisations = listed
        .items
        .into_iter()
        .map(|o| OrgRow {
            ods: o.ods_code.as_str().to_owned(),
            name: o.name,
            kind: words(&o.kind),
            status: status_tag(o.status),
            trusted: o.status == OrgStatus::Active,
            created: long_date(o.created_at.date_naive()),
        })
        .collect();
    Ok(render(&RegistryPage { chrome: signed.chrome(&state, "/registry/organisations").await, organisations }))
}

#[derive(Debug, Default, Deserialize)]
struct RegisterForm {
    #[serde(default)]
    csrf_token: String,
    #[serde(default)]
    ods_code: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    kind: String,
}

#[derive(Template)]
#[template(path = "registry_new.html")]
struct RegisterPage {
    chrome: Chrome,
    errors: FormErrors,
    form: RegisterForm,
    kinds: Vec<(String, &'static str)>,
}

fn kind_key(kind: OrgKind) -> String {
    words(&kind).replace(' ', "_")
}

async fn register_page(state: &AppState, signed: &Signed, form: RegisterForm, errors: FormErrors) -> Response {
    let status = if errors.is_empty() { StatusCode::OK } else { StatusCode::UNPROCESSABLE_ENTITY };
    let page = RegisterPage {
        chrome: signed.chrome(state, "/registry/organisations").await,
        errors,
        form,
        kinds: OrgKind::ALL.iter().map(|k| (kind_key(*k), k.label())).collect(),
    };
    (status, render(&page)).into_response()
}

/// The form to register an organisation. Role: registry operator.
async fn new_form(State(state): State<AppState>, signed: Signed) -> WebResult<Response> {
    operator(&signed)?;
    Ok(register_page(&state, &signed, RegisterForm::default(), FormErrors::default()).await)
}

/// Reads the form into the API's `NewOrganisation`, checked by its own rules.
fn parse(form: &RegisterForm) -> Result<NewOrganisation, FormErrors> {
    let mut errors = FormErrors::default();
    let ods = if form.ods_code.trim().is_empty() {
        errors.add("ods_code", "Enter the ODS code");
        None
    } else {
        OdsCode::parse(&form.ods_code).map_err(|e| errors.add("ods_code", format!("ODS code: {}", e.problem))).ok()
    };
    if form.name.trim().is_empty() {
        errors.add("name", "Enter the organisation's name");
    }
    let kind = OrgKind::ALL.into_iter().find(|k| kind_key(*k) == form.kind);
    if kind.is_none() {
        errors.add("kind", "Select what kind of organisation it is");
    }
    let (Some(ods_code), Some(kind)) = (ods, kind) else { return Err(errors) };
    if !errors.is_empty() {
        return Err(errors);
    }
    let new = NewOrganisation { ods_code, name: form.name.trim().to_owned(), kind };
    if let Err(invalid) = new.validate() {
        for e in invalid.errors() {
            errors.add("name", format!("Name: {}", e.problem));
        }
        return Err(errors);
    }
    Ok(new)
}

/// Registers an organisation, or shows the form again with its errors (nothing stored). Role:
/// registry operator.
async fn register(
    State(state): State<AppState>,
    signed: Signed,
    Form(form): Form<RegisterForm>,
) -> WebResult<Response> {
    signed.check_csrf(&form.csrf_token)?;
    let scope = operator(&signed)?;
    let new = match parse(&form) {
        Ok(new) => new,
        Err(errors) => return Ok(register_page(&state, &signed, form, errors).await),
    };
    match state.store.registry().create_organisation(&scope, &new).await {
        Ok(org) => {
            // The next trust list names it at once, rather than after the cached one's minute.
            state.issuer_cache.invalidate().await;
            Ok(Redirect::to(&format!("/registry/organisations/{}?saved=1", org.ods_code.as_str())).into_response())
        }
        Err(StoreError::Conflict { .. }) => {
            let mut errors = FormErrors::default();
            errors.add(
                "ods_code",
                format!("An organisation with ODS code {} is registered already", new.ods_code.as_str()),
            );
            Ok(register_page(&state, &signed, form, errors).await)
        }
        Err(other) => Err(other.into()),
    }
}

struct KeyRow {
    kid: String,
    alg: String,
    created: String,
    retired: String,
    listed: (&'static str, &'static str),
}

#[derive(Template)]
#[template(path = "registry_org.html")]
struct OrganisationPage {
    chrome: Chrome,
    name: String,
    details: Vec<(&'static str, String)>,
    status: (&'static str, &'static str),
    listed: bool,
    sequence: u64,
    keys: Vec<KeyRow>,
    saved: bool,
}

#[derive(Deserialize)]
struct SavedQuery {
    saved: Option<String>,
}

/// One organisation: details, issuer keys and its trust list status. Role: registry operator.
async fn organisation(
    State(state): State<AppState>,
    signed: Signed,
    Path(ods_code): Path<String>,
    axum::extract::Query(query): axum::extract::Query<SavedQuery>,
) -> WebResult<Response> {
    operator(&signed)?;
    let ods = OdsCode::parse(&ods_code).map_err(|_| WebError::NotFound)?;
    let org = state.store.registry().find_by_ods(&ods).await?;
    let trust = crate::issuer::trust_list(&state).await?;
    let issuer = crate::issuer::issuer_id(state.public_url(), org.ods_code.as_str());
    let keys = state
        .store
        .issuing()
        .public_keys(&org.id)
        .await?
        .into_iter()
        .map(|k| {
            let listed = match trust.index.resolve(&issuer, &k.kid) {
                Ok(_) => ("Trusted", "nhsuk-tag--green"),
                Err(credentials::VerifyError::IssuerSuspended(_)) => ("Issuer suspended", "nhsuk-tag--grey"),
                Err(_) => ("Not listed yet", "nhsuk-tag--yellow"),
            };
            KeyRow {
                kid: k.kid,
                alg: k.alg,
                created: long_date(k.created_at.date_naive()),
                retired: k.retired_at.map(|t| long_date(t.date_naive())).unwrap_or_else(|| "In use".into()),
                listed,
            }
        })
        .collect();
    let page = OrganisationPage {
        chrome: signed.chrome(&state, "/registry/organisations").await,
        details: vec![
            ("ODS code", org.ods_code.as_str().to_owned()),
            ("Kind", org.kind.label().to_owned()),
            ("Issuer identifier", issuer.clone()),
            ("Registered", long_date(org.created_at.date_naive())),
        ],
        name: org.name,
        status: status_tag(org.status),
        listed: trust.index.lists_issuer(&issuer),
        sequence: trust.index.sequence,
        keys,
        saved: query.saved.is_some(),
    };
    Ok(render(&page))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_wrong_field_is_named() {
        let good = RegisterForm {
            ods_code: " rj1 ".into(),
            name: "Northshire".into(),
            kind: "acute_trust".into(),
            ..Default::default()
        };
        let new = parse(&good).unwrap();
        assert_eq!(new.ods_code.as_str(), "RJ1");
        let errors = parse(&RegisterForm::default()).unwrap_err();
        assert!(errors.has("ods_code") && errors.has("name") && errors.has("kind"));
        let errors = parse(&RegisterForm { ods_code: "R!".into(), ..good }).unwrap_err();
        assert!(errors.get("ods_code").unwrap().contains("letters and digits"), "{errors:?}");
    }
}
