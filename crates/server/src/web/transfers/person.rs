//! A person's "Transfer in (IAT)" page: the worker's consent and HR's paper statements, the earlier
//! NHS records that match (on request), taking the automatic match or proposing a manual one, the
//! transfers into the record, and a transfer from another deployment. Roles: hr, admin.

use askama::Template;
use axum::Router;
use axum::extract::{Form, Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use domain::org::OdsCode;
use domain::transfer::{ConsentInput, ConsentMethod, ConsentState, TransferStatus};
use serde::Deserialize;

use super::{Names, TransferRow, class_words, differs, refusal, transfer_row, when};
use crate::AppState;
use crate::api::transfers::{ROLES, automatic_for, propose_for, record_consent_for, remote_for};
use crate::error::ApiError;
use crate::web::people::words;
use crate::web::{Chrome, FormErrors, Signed, WebError, WebResult, long_date, render};

pub(super) fn router() -> Router<AppState> {
    Router::new()
        .route("/people/{person_id}/transfer", get(show))
        .route("/people/{person_id}/transfer/{action}", post(act))
}

struct CandidateRow {
    organisation: String,
    ods: String,
    person_id: String,
    class: (&'static str, &'static str),
    differs: String,
    recency: String,
}

#[derive(Template)]
#[template(path = "transfer_person.html")]
struct PersonPage {
    chrome: Chrome,
    errors: FormErrors,
    notice: Option<&'static str>,
    id: String,
    name: String,
    consent: String,
    consent_tag: (&'static str, &'static str),
    statements: Vec<Vec<String>>,
    given: String,
    evidence_ref: String,
    searched: bool,
    candidates: Vec<CandidateRow>,
    any_automatic: bool,
    transfers: Vec<TransferRow>,
    remote: bool,
    source_ods: String,
}

/// What a form sent back, to show again with its errors.
#[derive(Debug, Default, Deserialize)]
struct PersonForm {
    #[serde(default)]
    csrf_token: String,
    #[serde(default)]
    given: String,
    #[serde(default)]
    evidence_ref: String,
    #[serde(default)]
    source_ods: String,
    #[serde(default)]
    source_person_id: String,
}

/// What the person's page shows besides the records: the matches (on request), a form sent back,
/// its errors, a notice.
struct Shown {
    searched: bool,
    form: PersonForm,
    errors: FormErrors,
    notice: Option<&'static str>,
}

impl Shown {
    fn refused(searched: bool, form: PersonForm, errors: FormErrors) -> Self {
        Shown { searched, form, errors, notice: None }
    }
}

async fn person_page(state: &AppState, signed: &Signed, person_id: &str, shown: Shown) -> WebResult<Response> {
    let Shown { searched, form, errors, notice } = shown;
    let caller = signed.require(ROLES)?;
    let dataset = state.store.dataset(&caller.scope);
    let person = dataset.get_person(person_id).await?;
    let names = Names::of(state, &caller).await;
    let (consent, statements) = dataset.transfer_consent(person_id).await?;
    let (consent, consent_tag) = match consent {
        ConsentState::None => {
            ("The worker has not said whether they consent.".to_owned(), ("Not given", "nhsuk-tag--grey"))
        }
        ConsentState::Given { since } => {
            (format!("The worker consents, since {}.", long_date(since.date_naive())), ("Given", "nhsuk-tag--green"))
        }
        ConsentState::Withdrawn { since } => (
            format!("The worker withdrew consent on {}.", long_date(since.date_naive())),
            ("Withdrawn", "nhsuk-tag--red"),
        ),
    };
    let statements = statements
        .iter()
        .rev()
        .map(|s| {
            vec![
                when(s.at),
                (if s.given { "Consent given" } else { "Consent withdrawn" }).to_owned(),
                words(&s.method),
                s.evidence_ref.clone().unwrap_or_default(),
                names.get(&s.recorded_by),
            ]
        })
        .collect();
    // Matching reads other organisations' datasets and is audited on their chains: only on request.
    let candidates: Vec<CandidateRow> = if searched {
        dataset
            .transfer_candidates(person_id)
            .await?
            .into_iter()
            .map(|c| CandidateRow {
                organisation: c.organisation_name,
                ods: c.ods_code.as_str().to_owned(),
                person_id: c.person_id,
                class: class_words(c.class),
                differs: differs(&c.differs),
                recency: match c.recency {
                    Some(r) if r.open => format!("In post since {}", long_date(r.last_date)),
                    Some(r) => format!("Left on {}", long_date(r.last_date)),
                    None => "No assignment recorded".to_owned(),
                },
            })
            .collect()
    } else {
        vec![]
    };
    let name = format!("{} {}", person.value.given_name, person.value.family_name);
    let transfers =
        dataset.transfers_for_person(person_id).await?.iter().map(|t| transfer_row(t, name.clone(), &names)).collect();
    let status = if errors.is_empty() { StatusCode::OK } else { StatusCode::UNPROCESSABLE_ENTITY };
    let page = PersonPage {
        chrome: signed.chrome(state, "/people").await,
        errors,
        notice,
        id: person_id.to_owned(),
        name,
        consent,
        consent_tag,
        statements,
        given: form.given,
        evidence_ref: form.evidence_ref,
        searched,
        any_automatic: candidates.iter().any(|c| c.class.0 == "Automatic"),
        candidates,
        transfers,
        remote: state.federation.trusts_others(),
        source_ods: form.source_ods,
    };
    Ok((status, render(&page)).into_response())
}

#[derive(Debug, Default, Deserialize)]
struct PersonQuery {
    #[serde(default)]
    find: String,
    #[serde(default)]
    saved: String,
}

/// A person's transfer page; `?find=yes` looks for earlier NHS records. Roles: hr, admin.
async fn show(
    State(state): State<AppState>,
    signed: Signed,
    Path(person_id): Path<String>,
    Query(query): Query<PersonQuery>,
) -> WebResult<Response> {
    let shown = Shown {
        searched: query.find == "yes",
        form: PersonForm::default(),
        errors: FormErrors::default(),
        notice: (query.saved == "consent").then_some("The worker's statement was recorded."),
    };
    person_page(&state, &signed, &person_id, shown).await
}

/// Where an error about `field` points on the person's page.
pub(super) fn anchor(field: &str) -> String {
    match field {
        "evidence_ref" => "evidence_ref",
        "given" => "given-yes",
        "consent" => "consent",
        "source_ods" => "source_ods",
        "source_person_id" => "candidates",
        _ => "transfers",
    }
    .to_owned()
}

/// Record a statement, take the automatic match, propose a manual one, or transfer from another
/// deployment. Roles: hr, admin.
async fn act(
    State(state): State<AppState>,
    signed: Signed,
    Path((person_id, action)): Path<(String, String)>,
    Form(form): Form<PersonForm>,
) -> WebResult<Response> {
    signed.check_csrf(&form.csrf_token)?;
    let caller = signed.require(ROLES)?;
    let to_report = |id: &str, saved: &str| Redirect::to(&format!("/transfers/{id}?saved={saved}")).into_response();
    let (outcome, searched) = match action.as_str() {
        "consent" => {
            let given = match form.given.as_str() {
                "yes" => true,
                "no" => false,
                _ => {
                    let mut errors = FormErrors::default();
                    errors.add("given-yes", "Choose whether the worker consents or withdraws consent");
                    return person_page(&state, &signed, &person_id, Shown::refused(false, form, errors)).await;
                }
            };
            let evidence = Some(form.evidence_ref.trim().to_owned()).filter(|e| !e.is_empty());
            let input = ConsentInput { given, method: ConsentMethod::Paper, evidence_ref: evidence };
            match record_consent_for(&state, &caller, &person_id, &input).await {
                Ok(_) => {
                    return Ok(Redirect::to(&format!("/people/{person_id}/transfer?saved=consent")).into_response());
                }
                Err(e) => (e, false),
            }
        }
        "automatic" => match automatic_for(&state, &caller, &person_id).await {
            Ok(p) => return Ok(to_report(&p.transfer.id, "automatic")),
            Err(e) => (e, true),
        },
        "propose" => {
            let ods = match OdsCode::parse(form.source_ods.trim()) {
                Ok(ods) => ods,
                Err(_) => return Err(WebError::NotFound),
            };
            match propose_for(&state, &caller, &person_id, &ods, form.source_person_id.trim()).await {
                Ok(p) => {
                    let saved = if p.transfer.status == TransferStatus::Proposed { "proposed" } else { "automatic" };
                    return Ok(to_report(&p.transfer.id, saved));
                }
                Err(e) => (e, true),
            }
        }
        "remote" => {
            let ods = match OdsCode::parse(form.source_ods.trim()) {
                Ok(ods) => ods,
                Err(e) => {
                    let mut errors = FormErrors::default();
                    errors.add("source_ods", format!("Previous employer's ODS code {}", e.problem));
                    return person_page(&state, &signed, &person_id, Shown::refused(false, form, errors)).await;
                }
            };
            match remote_for(&state, &caller, &person_id, &ods).await {
                Ok(report) => return Ok(to_report(&report.transfer.id, "remote")),
                // The other deployment did not answer (502): said on the field, not as a failed page.
                Err(ApiError::Status { detail, .. }) => (ApiError::invalid("source_ods", detail), false),
                Err(e) => (e, false),
            }
        }
        _ => return Err(WebError::NotFound),
    };
    let anchor = |field: &str| if action == "remote" { "source_ods".to_owned() } else { anchor(field) };
    let errors = refusal(outcome, anchor)?;
    person_page(&state, &signed, &person_id, Shown::refused(searched, form, errors)).await
}
