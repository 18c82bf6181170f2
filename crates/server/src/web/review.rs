//! The host's review of an answered presentation request: for each requirement, accept the presented
//! credential into the host's records (provenance `passport`) or bypass it with a reason, after naming
//! the worker as the host knows them, and optionally take them on as an applicant for the request's role.
//! The decisions go through the API's own `record_review`, so the
//! page and `POST /presentation-requests/{id}/review` refuse alike; each refusal is shown on its field.
//! Once recorded, the page shows the review.
//!
//! Roles: verifier, hr (as the API).

use askama::Template;
use axum::Router;
use axum::extract::{Form, Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use domain::assignment::{Band, StaffGroup};
use serde::Deserialize;
use store::{ReviewDecision, StoreError};

use super::forms::Submitted;
use super::verify::VERIFIERS;
use super::{Chrome, FormErrors, Signed, WebError, WebResult, long_date, parse_date, render};
use crate::AppState;
use crate::api::review::{ApplicantInput, BypassInput, ReviewInput, WorkerInput, record_review};
use crate::error::ApiError;
use crate::oid4vp::ReadyResult;

pub fn router() -> Router<AppState> {
    Router::new().route("/verify/{request_id}/review", get(show).post(submit))
}

/// One requirement of the answer, as the form offers it.
struct ItemView {
    index: usize,
    label: String,
    met: bool,
    /// The presented credential can be accepted (met, with a credential and issuer).
    acceptable: bool,
    reason: String,
    issuer: String,
    decision: String,
    bypass_reason: String,
    decision_error: Option<String>,
    reason_error: Option<String>,
}

#[derive(Template)]
#[template(path = "verify_review.html")]
struct ReviewPage {
    chrome: Chrome,
    id: String,
    role: String,
    errors: FormErrors,
    given_name: String,
    family_name: String,
    date_of_birth: String,
    ni_number: String,
    items: Vec<ItemView>,
    applicant: bool,
    staff_group: String,
    band: String,
    start_date: String,
    staff_groups: Vec<(&'static str, &'static str)>,
}

struct DecidedRow {
    label: String,
    decision: (&'static str, &'static str),
    detail: String,
}

#[derive(Template)]
#[template(path = "verify_reviewed.html")]
struct ReviewedPage {
    chrome: Chrome,
    id: String,
    saved: bool,
    person_link: Option<String>,
    person_created: bool,
    reviewed: String,
    rows: Vec<DecidedRow>,
}

#[derive(Deserialize)]
struct SavedQuery {
    saved: Option<String>,
}

/// The answer of an answered request of the caller's organisation, else 404.
async fn answer(state: &AppState, signed: &Signed, request_id: &str) -> WebResult<(String, ReadyResult)> {
    let caller = signed.require(VERIFIERS)?;
    let record = state.store.dataset(&caller.scope).get_presentation_request(request_id).await?;
    let doc = record.result_doc.as_deref().ok_or(WebError::NotFound)?;
    let result: ReadyResult = serde_json::from_str(doc).map_err(|e| WebError::Internal(e.to_string()))?;
    Ok((record.role_code, result))
}

fn form_page(
    id: &str,
    role: String,
    result: &ReadyResult,
    form: &Submitted,
    errors: FormErrors,
    chrome: Chrome,
) -> Response {
    let items = result
        .requirements
        .iter()
        .enumerate()
        .map(|(i, o)| ItemView {
            index: i,
            label: o.label.clone(),
            met: o.met,
            acceptable: o.met && o.issued_by.is_some() && o.credential.as_ref().is_some_and(|c| c.id.is_some()),
            reason: o.reason.clone().unwrap_or_default().replace('_', " "),
            issuer: o.issued_by.as_ref().map(|i| format!("{} ({})", i.organisation, i.ods_code)).unwrap_or_default(),
            decision: form.get(&format!("decision-{i}")).to_owned(),
            bypass_reason: form.get(&format!("reason-{i}")).to_owned(),
            decision_error: errors.get(&format!("decision-{i}")).map(str::to_owned),
            reason_error: errors.get(&format!("reason-{i}")).map(str::to_owned),
        })
        .collect();
    let status = if errors.is_empty() { StatusCode::OK } else { StatusCode::UNPROCESSABLE_ENTITY };
    let page = ReviewPage {
        chrome,
        id: id.to_owned(),
        role,
        errors,
        given_name: form.get("given_name").to_owned(),
        family_name: form.get("family_name").to_owned(),
        date_of_birth: form.get("date_of_birth").to_owned(),
        ni_number: form.get("ni_number").to_owned(),
        items,
        applicant: !form.get("applicant").is_empty(),
        staff_group: form.get("applicant_staff_group").to_owned(),
        band: form.get("applicant_band").to_owned(),
        start_date: form.get("applicant_start_date").to_owned(),
        staff_groups: StaffGroup::ALL.iter().map(|g| (g.key(), g.esr_name())).collect(),
    };
    (status, render(&page)).into_response()
}

/// The review form of an answered request, or the review once recorded. Roles: verifier, hr.
async fn show(
    State(state): State<AppState>,
    signed: Signed,
    Path(request_id): Path<String>,
    Query(query): Query<SavedQuery>,
) -> WebResult<Response> {
    let caller = signed.require(VERIFIERS)?;
    let (role, result) = answer(&state, &signed, &request_id).await?;
    match state.store.dataset(&caller.scope).get_review(&request_id).await {
        Ok(review) => {
            let may_read = caller.require(super::people::READERS).is_ok();
            let rows = review
                .items
                .iter()
                .map(|item| {
                    let label = result
                        .requirements
                        .iter()
                        .find(|o| o.requirement == item.requirement)
                        .map(|o| o.label.clone())
                        .unwrap_or_else(|| item.requirement.clone());
                    match item.decision {
                        ReviewDecision::Accepted => DecidedRow {
                            label,
                            decision: ("Accepted", "nhsuk-tag--green"),
                            detail: format!(
                                "From {}{}",
                                item.issuer_ods.as_deref().unwrap_or("a passport"),
                                item.expires_on.map(|d| format!(", counts until {}", long_date(d))).unwrap_or_default()
                            ),
                        },
                        ReviewDecision::Bypassed => DecidedRow {
                            label,
                            decision: ("Bypassed", "nhsuk-tag--yellow"),
                            detail: item.reason.clone().unwrap_or_default(),
                        },
                    }
                })
                .collect();
            let page = ReviewedPage {
                chrome: signed.chrome(&state, "/verify").await,
                id: request_id,
                saved: query.saved.is_some(),
                person_link: may_read.then(|| format!("/people/{}", review.person_id)),
                person_created: review.person_created,
                reviewed: review.reviewed_at.format("%-d %B %Y %H:%M").to_string(),
                rows,
            };
            Ok(render(&page))
        }
        Err(StoreError::NotFound) => {
            let form = Submitted(vec![
                ("given_name".into(), result.given_name.clone().unwrap_or_default()),
                ("family_name".into(), result.family_name.clone().unwrap_or_default()),
            ]);
            let chrome = signed.chrome(&state, "/verify").await;
            Ok(form_page(&request_id, role, &result, &form, FormErrors::default(), chrome))
        }
        Err(other) => Err(other.into()),
    }
}

/// Where each entry of the API's input came from, to put its errors on the right field.
struct Built {
    input: ReviewInput,
    /// `accept[k]` is the requirement at `accepted[k]` of the answer.
    accepted: Vec<usize>,
    bypassed: Vec<usize>,
}

/// Reads the form into the API's review input; what only the form can get wrong (a date that is not
/// one, a decision that is not offered) is named here, the rest by the API's rules.
fn build(result: &ReadyResult, form: &Submitted) -> Result<Built, FormErrors> {
    let mut errors = FormErrors::default();
    for (field, what) in [("given_name", "given name"), ("family_name", "family name"), ("ni_number", "NI number")] {
        if form.get(field).trim().is_empty() {
            errors.add(field, format!("Enter the worker's {what}"));
        }
    }
    let date_of_birth = match parse_date(form.get("date_of_birth")) {
        Ok(d) => Some(d),
        Err(message) => {
            errors.add("date_of_birth", format!("Date of birth: {}", message.to_lowercase()));
            None
        }
    };
    let (mut accept, mut accepted, mut bypass, mut bypassed) = (vec![], vec![], vec![], vec![]);
    for (i, o) in result.requirements.iter().enumerate() {
        match form.get(&format!("decision-{i}")) {
            "accept" => {
                accept.push(o.requirement.clone());
                accepted.push(i);
            }
            "bypass" => {
                let reason = form.get(&format!("reason-{i}")).trim();
                bypass.push(BypassInput {
                    requirement: o.requirement.clone(),
                    reason: Some(reason.to_owned()).filter(|r| !r.is_empty()),
                });
                bypassed.push(i);
            }
            "" | "later" => {}
            _ => errors.add(&format!("decision-{i}"), format!("{}: choose from the options shown", o.label)),
        }
    }
    if accept.is_empty() && bypass.is_empty() && !result.requirements.is_empty() {
        errors.add("decision-0", "Accept or bypass at least one requirement");
    }
    let applicant = if form.get("applicant").is_empty() {
        None
    } else {
        let staff_group = StaffGroup::parse(form.get("applicant_staff_group"))
            .map_err(|_| errors.add("applicant_staff_group", "Select the staff group they join"))
            .ok();
        let band = match form.get("applicant_band").trim() {
            "" => {
                errors.add("applicant_band", "Enter the band, for example 5");
                None
            }
            text => Band::parse(text).map_err(|e| errors.add("applicant_band", format!("Band: {}", e.problem))).ok(),
        };
        let start_date = parse_date(form.get("applicant_start_date"))
            .map_err(|m| errors.add("applicant_start_date", format!("Planned start date: {}", m.to_lowercase())))
            .ok();
        match (staff_group, band, start_date) {
            (Some(staff_group), Some(band), Some(start_date)) => Some(ApplicantInput { staff_group, band, start_date }),
            _ => None,
        }
    };
    let Some(date_of_birth) = date_of_birth.filter(|_| errors.is_empty()) else { return Err(errors) };
    let worker = WorkerInput {
        given_name: form.get("given_name").trim().to_owned(),
        family_name: form.get("family_name").trim().to_owned(),
        date_of_birth,
        ni_number: form.get("ni_number").trim().to_owned(),
    };
    Ok(Built { input: ReviewInput { worker, accept, bypass, applicant }, accepted, bypassed })
}

/// The form field an API error names: `worker.ni_number` → `ni_number`, `bypass[1].reason` → the
/// reason of the second bypassed requirement, `accept[0]` → the first accepted one's decision.
fn field_of(built: &Built, api_field: &str) -> String {
    let index = |rest: &str| rest.split(']').next().and_then(|n| n.parse::<usize>().ok());
    if let Some(rest) = api_field.strip_prefix("worker.") {
        return match rest {
            "given_name" | "family_name" | "date_of_birth" | "ni_number" => rest.to_owned(),
            _ => "given_name".to_owned(),
        };
    }
    if let Some(rest) = api_field.strip_prefix("applicant.") {
        return match rest {
            "staff_group" | "band" | "start_date" => format!("applicant_{rest}"),
            _ => "applicant_band".to_owned(),
        };
    }
    if let Some(rest) = api_field.strip_prefix("bypass[")
        && let Some(i) = index(rest).and_then(|k| built.bypassed.get(k))
    {
        return if rest.ends_with(".reason") { format!("reason-{i}") } else { format!("decision-{i}") };
    }
    if let Some(rest) = api_field.strip_prefix("accept[")
        && let Some(i) = index(rest).and_then(|k| built.accepted.get(k))
    {
        return format!("decision-{i}");
    }
    "decision-0".to_owned()
}

/// Records the decisions, or shows the form again with each refusal on its field (nothing stored).
/// Roles: verifier, hr.
async fn submit(
    State(state): State<AppState>,
    signed: Signed,
    Path(request_id): Path<String>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> WebResult<Response> {
    let form = Submitted(pairs);
    signed.check_csrf(form.get("csrf_token"))?;
    let caller = signed.require(VERIFIERS)?;
    let (role, result) = answer(&state, &signed, &request_id).await?;
    let errors = match build(&result, &form) {
        Err(errors) => errors,
        Ok(built) => match record_review(&state, &caller.scope, &request_id, &built.input).await {
            Ok(_) => return Ok(Redirect::to(&format!("/verify/{request_id}/review?saved=1")).into_response()),
            Err(ApiError::Invalid(fields)) => {
                let mut errors = FormErrors::default();
                for f in fields {
                    let field = field_of(&built, &f.field);
                    if !errors.has(&field) {
                        errors.add(&field, sentence(&f.field, &f.problem, &result, &built));
                    }
                }
                errors
            }
            // Reviewed already (by someone else meanwhile): show that review.
            Err(ApiError::Conflict { .. }) => {
                return Ok(Redirect::to(&format!("/verify/{request_id}/review")).into_response());
            }
            Err(other) => return Err(other.into()),
        },
    };
    let chrome = signed.chrome(&state, "/verify").await;
    Ok(form_page(&request_id, role, &result, &form, errors, chrome))
}

/// The API's problem as a sentence that names what it is about.
fn sentence(api_field: &str, problem: &str, result: &ReadyResult, built: &Built) -> String {
    let field = field_of(built, api_field);
    if let Some(i) =
        field.strip_prefix("reason-").or(field.strip_prefix("decision-")).and_then(|n| n.parse::<usize>().ok())
        && let Some(o) = result.requirements.get(i)
    {
        if field.starts_with("reason-") && problem.contains("needs a reason") {
            return format!("Enter why {} is bypassed", o.label);
        }
        return format!("{}: {problem}", o.label);
    }
    let label = match field.as_str() {
        "applicant_staff_group" => "Staff group",
        "applicant_band" => "Band",
        "applicant_start_date" => "Planned start date",
        "given_name" => "Given name",
        "family_name" => "Family name",
        "date_of_birth" => "Date of birth",
        _ => "NI number",
    };
    format!("{label}: {problem}")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn built() -> Built {
        let worker = WorkerInput {
            given_name: "A".into(),
            family_name: "B".into(),
            date_of_birth: chrono::NaiveDate::from_ymd_opt(1990, 1, 1).unwrap(),
            ni_number: "AB123456C".into(),
        };
        Built {
            input: ReviewInput { worker, accept: vec![], bypass: vec![], applicant: None },
            accepted: vec![0, 2],
            bypassed: vec![1],
        }
    }

    #[test]
    fn api_fields_land_on_the_form_field() {
        let b = built();
        assert_eq!(field_of(&b, "worker.ni_number"), "ni_number");
        assert_eq!(field_of(&b, "worker.family_name"), "family_name");
        assert_eq!(field_of(&b, "bypass[0].reason"), "reason-1");
        assert_eq!(field_of(&b, "accept[1]"), "decision-2");
        assert_eq!(field_of(&b, "accept"), "decision-0");
        assert_eq!(field_of(&b, "applicant.band"), "applicant_band");
    }
}
