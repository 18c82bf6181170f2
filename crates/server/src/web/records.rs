//! Recording or correcting a competence: a form checked field by field with the domain's own rules, an
//! NHS error summary naming each wrong field, and nothing stored until every field is right.

use askama::Template;
use axum::Router;
use axum::extract::{Form, Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use domain::cstf::{Competence, CompetenceRef, CompetenceSource, CstfSubject};
use serde::Deserialize;
use store::Role;

use super::{Chrome, FormErrors, Signed, WebResult, parse_date, render};
use crate::AppState;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/people/{person_id}/competences/new", get(new_form).post(create))
        .route("/people/{person_id}/competences/{record_id}", get(edit_form).post(update))
}

/// The form as typed (kept to show it again with the errors).
#[derive(Debug, Default, Deserialize)]
struct CompetenceForm {
    #[serde(default)]
    csrf_token: String,
    #[serde(default)]
    subject: String,
    #[serde(default)]
    level: String,
    #[serde(default)]
    completed_on: String,
    #[serde(default)]
    source: String,
    #[serde(default)]
    provider: String,
}

const SOURCES: [(CompetenceSource, &str); 3] = [
    (CompetenceSource::ELearning, "e-learning"),
    (CompetenceSource::FaceToFace, "Face to face"),
    (CompetenceSource::Assessment, "Assessment"),
];

fn source_key(source: CompetenceSource) -> String {
    super::people::words(&source).replace(' ', "_")
}

#[derive(Template)]
#[template(path = "competence_form.html")]
struct CompetencePage {
    chrome: Chrome,
    errors: FormErrors,
    person_id: String,
    name: String,
    action: String,
    heading: &'static str,
    form: CompetenceForm,
    subjects: Vec<(&'static str, &'static str)>,
    sources: Vec<(String, &'static str)>,
}

/// Parses and checks the form with the domain's rules; every problem is named by its field.
fn parse(form: &CompetenceForm, today: chrono::NaiveDate) -> Result<Competence, FormErrors> {
    let mut errors = FormErrors::default();
    let subject = CstfSubject::parse(&form.subject).ok();
    if subject.is_none() {
        errors.add("subject", "Select the CSTF subject");
    }
    let level = match form.level.trim() {
        "" => Some(1),
        text => text.parse::<u8>().ok(),
    };
    if level.is_none() {
        errors.add("level", "Enter the level as a number, for example 1");
    }
    let completed_on = match parse_date(&form.completed_on) {
        Ok(date) => Some(date),
        Err(message) => {
            errors.add("completed_on", message);
            None
        }
    };
    let source = SOURCES.iter().map(|(s, _)| *s).find(|s| source_key(*s) == form.source);
    if source.is_none() {
        errors.add("source", "Select how the competence was completed");
    }
    let (Some(subject), Some(level), Some(completed_on), Some(source)) = (subject, level, completed_on, source) else {
        return Err(errors);
    };
    let provider = Some(form.provider.trim().to_owned()).filter(|p| !p.is_empty());
    let competence = Competence { competence: CompetenceRef::cstf(subject, level), completed_on, source, provider };
    if let Err(invalid) = competence.validate(today) {
        for e in invalid.errors() {
            let field = match e.field.as_str() {
                f if f.ends_with("level") => "level",
                "completed_on" => "completed_on",
                "provider" => "provider",
                _ => "subject",
            };
            let message = match field {
                "completed_on" => "The date the competence was completed must be today or in the past".to_owned(),
                _ => e.problem.to_string(),
            };
            errors.add(field, message);
        }
        return Err(errors);
    }
    Ok(competence)
}

async fn page(
    state: &AppState,
    signed: &Signed,
    person_id: String,
    record_id: Option<&str>,
    form: CompetenceForm,
    errors: FormErrors,
) -> WebResult<Response> {
    let caller = signed.require(&[Role::Training])?;
    let person = state.store.dataset(&caller.scope).get_person(&person_id).await?;
    let status = if errors.is_empty() { StatusCode::OK } else { StatusCode::UNPROCESSABLE_ENTITY };
    let page = CompetencePage {
        chrome: signed.chrome(state, "/people").await,
        errors,
        name: format!("{} {}", person.value.given_name, person.value.family_name),
        action: match record_id {
            Some(id) => format!("/people/{person_id}/competences/{id}"),
            None => format!("/people/{person_id}/competences/new"),
        },
        heading: if record_id.is_some() { "Correct a competence" } else { "Record a competence" },
        person_id,
        form,
        subjects: CstfSubject::ALL.iter().map(|s| (s.key(), s.name())).collect(),
        sources: SOURCES.iter().map(|(s, label)| (source_key(*s), *label)).collect(),
    };
    Ok((status, render(&page)).into_response())
}

/// The empty form. Role: training.
async fn new_form(State(state): State<AppState>, signed: Signed, Path(person_id): Path<String>) -> WebResult<Response> {
    page(&state, &signed, person_id, None, CompetenceForm::default(), FormErrors::default()).await
}

/// Records a competence, or shows the form again with its errors (nothing stored). Role: training.
async fn create(
    State(state): State<AppState>,
    signed: Signed,
    Path(person_id): Path<String>,
    Form(form): Form<CompetenceForm>,
) -> WebResult<Response> {
    signed.check_csrf(&form.csrf_token)?;
    let caller = signed.require(&[Role::Training])?;
    match parse(&form, state.today()) {
        Ok(competence) => {
            state.store.dataset(&caller.scope).add_competence(&person_id, &competence).await?;
            Ok(Redirect::to(&format!("/people/{person_id}?saved=competence")).into_response())
        }
        Err(errors) => page(&state, &signed, person_id, None, form, errors).await,
    }
}

/// A recorded competence in the form, to correct it. Role: training.
async fn edit_form(
    State(state): State<AppState>,
    signed: Signed,
    Path((person_id, record_id)): Path<(String, String)>,
) -> WebResult<Response> {
    let caller = signed.require(&[Role::Training])?;
    let record = state.store.dataset(&caller.scope).get_competence(&record_id).await?;
    if record.person_id.as_deref() != Some(person_id.as_str()) {
        return Err(super::WebError::NotFound);
    }
    let c = &record.value;
    let (subject, level) = match &c.competence {
        CompetenceRef::Cstf { subject, level } => (subject.key().to_owned(), level.to_string()),
        CompetenceRef::Local { .. } => (String::new(), String::new()),
    };
    let form = CompetenceForm {
        csrf_token: String::new(),
        subject,
        level,
        completed_on: c.completed_on.format("%d/%m/%Y").to_string(),
        source: source_key(c.source),
        provider: c.provider.clone().unwrap_or_default(),
    };
    page(&state, &signed, person_id, Some(&record_id), form, FormErrors::default()).await
}

/// Replaces a recorded competence (credentials resting on it are revoked by the store). Role: training.
async fn update(
    State(state): State<AppState>,
    signed: Signed,
    Path((person_id, record_id)): Path<(String, String)>,
    Form(form): Form<CompetenceForm>,
) -> WebResult<Response> {
    signed.check_csrf(&form.csrf_token)?;
    let caller = signed.require(&[Role::Training])?;
    let dataset = state.store.dataset(&caller.scope);
    let record = dataset.get_competence(&record_id).await?;
    if record.person_id.as_deref() != Some(person_id.as_str()) {
        return Err(super::WebError::NotFound);
    }
    match parse(&form, state.today()) {
        Ok(competence) => {
            dataset.update_competence(&record_id, &competence).await?;
            Ok(Redirect::to(&format!("/people/{person_id}?saved=competence")).into_response())
        }
        Err(errors) => page(&state, &signed, person_id, Some(&record_id), form, errors).await,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn form(date: &str) -> CompetenceForm {
        CompetenceForm {
            subject: "fire_safety".into(),
            level: "1".into(),
            completed_on: date.into(),
            source: "e_learning".into(),
            ..Default::default()
        }
    }

    #[test]
    fn each_wrong_field_is_named() {
        let today = chrono::NaiveDate::from_ymd_opt(2026, 12, 3).unwrap();
        assert!(parse(&form("1/11/2026"), today).is_ok());
        let errors = parse(&form("31/02/2026"), today).unwrap_err();
        assert!(errors.has("completed_on") && errors.items.len() == 1);
        let errors = parse(&form("2027-01-01"), today).unwrap_err();
        assert!(errors.has("completed_on"));
        let errors = parse(&CompetenceForm { level: "9".into(), ..form("1/11/2026") }, today).unwrap_err();
        assert!(errors.has("level"));
        let errors = parse(&CompetenceForm::default(), today).unwrap_err();
        assert!(errors.has("subject") && errors.has("completed_on") && errors.has("source"));
    }
}
