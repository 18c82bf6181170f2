//! Recording or correcting an immunisation: antigen, status, up to three doses and two serology
//! results, history of disease or BCG scar. Read into the API's own `Immunisation` and checked by
//! `validate_entered` (the rule that a passport conclusion is written only by a host review
//! included); every problem is named by its field and nothing is stored until all are right.
//!
//! Role: occupational health, as the API's `/people/{person_id}/immunisations` routes.

use axum::Router;
use axum::extract::{Form, Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use domain::immunisation::Immunisation;
use serde_json::Value;
use store::Role;

use super::forms::{self, Field, Input, RecordFormPage, Submitted};
use super::{FormErrors, Signed, WebError, WebResult, render};
use crate::AppState;

/// Who may record immunisations (as the API).
pub const WRITERS: &[Role] = &[Role::OccupationalHealth];

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/people/{person_id}/immunisations/new", get(new_form).post(create))
        .route("/people/{person_id}/immunisations/{record_id}", get(edit_form).post(update))
}

const TESTS: &[(&str, &str)] = &[
    ("anti_hbs", "Anti-HBs (hepatitis B surface antibody)"),
    ("measles_igg", "Measles IgG"),
    ("rubella_igg", "Rubella IgG"),
    ("varicella_igg", "Varicella IgG"),
    ("igra", "IGRA (tuberculosis)"),
];
const RESULTS: &[(&str, &str)] = &[("positive", "Positive"), ("negative", "Negative"), ("equivocal", "Equivocal")];

macro_rules! dose {
    ($i:literal, $section:literal) => {
        [
            Field::new(concat!("doses[", $i, "].given_on"), concat!("Dose ", $section, ": date given"), Input::Date)
                .required()
                .group(concat!("doses[", $i, "]"))
                .section(concat!("Dose ", $section)),
            Field::new(
                concat!("doses[", $i, "].product"),
                concat!("Dose ", $section, ": product (optional)"),
                Input::Text,
            )
            .group(concat!("doses[", $i, "]"))
            .section(concat!("Dose ", $section)),
            Field::new(concat!("doses[", $i, "].batch"), concat!("Dose ", $section, ": batch (optional)"), Input::Text)
                .group(concat!("doses[", $i, "]"))
                .section(concat!("Dose ", $section)),
        ]
    };
}

macro_rules! serology {
    ($i:literal, $section:literal) => {
        [
            Field::new(concat!("serology[", $i, "].test"), concat!("Test ", $section, ": test"), Input::Choice(TESTS))
                .required()
                .group(concat!("serology[", $i, "]"))
                .section(concat!("Serology or screening test ", $section)),
            Field::new(concat!("serology[", $i, "].taken_on"), concat!("Test ", $section, ": date taken"), Input::Date)
                .required()
                .group(concat!("serology[", $i, "]"))
                .section(concat!("Serology or screening test ", $section)),
            Field::new(
                concat!("serology[", $i, "].result"),
                concat!("Test ", $section, ": result"),
                Input::Choice(RESULTS),
            )
            .required()
            .group(concat!("serology[", $i, "]"))
            .section(concat!("Serology or screening test ", $section)),
            Field::new(
                concat!("serology[", $i, "].level_miu_ml"),
                concat!("Test ", $section, ": level in mIU/mL"),
                Input::Number,
            )
            .hint("For anti-HBs")
            .group(concat!("serology[", $i, "]"))
            .section(concat!("Serology or screening test ", $section)),
        ]
    };
}

/// Every field of the form, in order.
fn fields() -> Vec<Field> {
    let mut fields = vec![
        Field::new(
            "antigen",
            "Antigen",
            Input::Choice(&[
                ("hepatitis_b", "Hepatitis B"),
                ("mmr", "Measles, mumps and rubella"),
                ("varicella", "Varicella (chickenpox)"),
                ("tuberculosis", "Tuberculosis (BCG)"),
                ("seasonal_flu", "Seasonal influenza"),
                ("covid_19", "COVID-19"),
            ]),
        )
        .required(),
        Field::new(
            "status",
            "Status",
            Input::Choice(&[
                ("immune", "Immune"),
                ("in_course", "Vaccinated, course in progress"),
                ("complete", "Course complete"),
                ("declined", "Declined"),
                ("exempt", "Exempt"),
                ("unknown", "Unknown"),
            ]),
        )
        .required(),
    ];
    fields.extend(dose!("0", "1"));
    fields.extend(dose!("1", "2"));
    fields.extend(dose!("2", "3"));
    fields.extend(serology!("0", "1"));
    fields.extend(serology!("1", "2"));
    fields.extend([
        Field::new("history_of_disease", "Reliable history of chickenpox or shingles", Input::YesNo)
            .hint("Varicella only")
            .section("History"),
        Field::new("bcg_scar", "BCG scar seen", Input::YesNo).hint("Tuberculosis only").section("History"),
        Field::new("recorded_by", "Recorded by (optional)", Input::Text).section("History"),
        Field::new("notes", "Notes (optional)", Input::Area).section("History"),
    ]);
    fields
}

/// Reads and checks the form with the domain's rules for an entered record.
fn parse(form: &Submitted, today: chrono::NaiveDate) -> Result<Immunisation, FormErrors> {
    let fields = fields();
    let immunisation: Immunisation = forms::parse(&fields, form, Value::Object(Default::default()))?;
    match immunisation.validate_entered(today) {
        Ok(()) => Ok(immunisation),
        Err(invalid) => {
            let mut errors = FormErrors::default();
            for e in invalid.errors() {
                forms::add_domain_error(&mut errors, &fields, &e.field, &e.problem);
            }
            Err(errors)
        }
    }
}

async fn page(
    state: &AppState,
    signed: &Signed,
    person_id: &str,
    record_id: Option<&str>,
    form: &Submitted,
    errors: FormErrors,
) -> WebResult<Response> {
    let caller = signed.require(WRITERS)?;
    let person = state.store.dataset(&caller.scope).get_person(person_id).await?;
    let status = if errors.is_empty() { StatusCode::OK } else { StatusCode::UNPROCESSABLE_ENTITY };
    let page = RecordFormPage {
        chrome: signed.chrome(state, "/people").await,
        fields: forms::views(&fields(), form, &errors),
        errors,
        person_id: person_id.to_owned(),
        name: format!("{} {}", person.value.given_name, person.value.family_name),
        heading: if record_id.is_some() { "Correct an immunisation" } else { "Record an immunisation" }.into(),
        intro: "Leave a dose or a test empty if there is none.".into(),
        method: "post",
        action: match record_id {
            Some(id) => format!("/people/{person_id}/immunisations/{id}"),
            None => format!("/people/{person_id}/immunisations/new"),
        },
        hidden: vec![],
        save: "Save immunisation",
    };
    Ok((status, render(&page)).into_response())
}

/// The empty form. Role: occupational health.
async fn new_form(State(state): State<AppState>, signed: Signed, Path(person_id): Path<String>) -> WebResult<Response> {
    let form = Submitted(vec![("recorded_by".into(), signed.session.display_name.clone())]);
    page(&state, &signed, &person_id, None, &form, FormErrors::default()).await
}

/// Records an immunisation, or shows the form again with its errors (nothing stored). Role:
/// occupational health.
async fn create(
    State(state): State<AppState>,
    signed: Signed,
    Path(person_id): Path<String>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> WebResult<Response> {
    let form = Submitted(pairs);
    signed.check_csrf(form.get("csrf_token"))?;
    let caller = signed.require(WRITERS)?;
    match parse(&form, state.today()) {
        Ok(immunisation) => {
            state.store.dataset(&caller.scope).add_immunisation(&person_id, &immunisation).await?;
            Ok(Redirect::to(&format!("/people/{person_id}?saved=immunisation")).into_response())
        }
        Err(errors) => page(&state, &signed, &person_id, None, &form, errors).await,
    }
}

/// A recorded immunisation in the form, to correct it. One that holds a passport conclusion from
/// a host review is not corrected here (the form cannot carry that conclusion). Role: occupational
/// health.
async fn edit_form(
    State(state): State<AppState>,
    signed: Signed,
    Path((person_id, record_id)): Path<(String, String)>,
) -> WebResult<Response> {
    let caller = signed.require(WRITERS)?;
    let record = state.store.dataset(&caller.scope).get_immunisation(&record_id).await?;
    if record.person_id.as_deref() != Some(person_id.as_str()) || record.value.passport.is_some() {
        return Err(WebError::NotFound);
    }
    let stored = serde_json::to_value(&record.value).map_err(|e| WebError::Internal(e.to_string()))?;
    let form = Submitted::from_value(&fields(), &stored);
    page(&state, &signed, &person_id, Some(&record_id), &form, FormErrors::default()).await
}

/// Replaces a recorded immunisation. Role: occupational health.
async fn update(
    State(state): State<AppState>,
    signed: Signed,
    Path((person_id, record_id)): Path<(String, String)>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> WebResult<Response> {
    let form = Submitted(pairs);
    signed.check_csrf(form.get("csrf_token"))?;
    let caller = signed.require(WRITERS)?;
    let dataset = state.store.dataset(&caller.scope);
    let record = dataset.get_immunisation(&record_id).await?;
    if record.person_id.as_deref() != Some(person_id.as_str()) || record.value.passport.is_some() {
        return Err(WebError::NotFound);
    }
    match parse(&form, state.today()) {
        Ok(immunisation) => {
            dataset.update_immunisation(&record_id, &immunisation).await?;
            Ok(Redirect::to(&format!("/people/{person_id}?saved=immunisation")).into_response())
        }
        Err(errors) => page(&state, &signed, &person_id, Some(&record_id), &form, errors).await,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn form(pairs: &[(&str, &str)]) -> Submitted {
        Submitted(pairs.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect())
    }

    #[test]
    fn the_domain_rules_name_their_fields() {
        let today = chrono::NaiveDate::from_ymd_opt(2026, 12, 3).unwrap();
        let good = [
            ("antigen", "hepatitis_b"),
            ("status", "immune"),
            ("doses[0].given_on", "1/2/2024"),
            ("serology[0].test", "anti_hbs"),
            ("serology[0].taken_on", "1/6/2024"),
            ("serology[0].result", "positive"),
            ("serology[0].level_miu_ml", "120"),
        ];
        let imm = parse(&form(&good), today).unwrap();
        assert_eq!(imm.doses.len(), 1);
        assert_eq!(imm.serology[0].level_miu_ml, Some(120.0));
        // A varicella test for hepatitis B, and a BCG scar on hepatitis B.
        let mut bad = good.to_vec();
        bad[3] = ("serology[0].test", "varicella_igg");
        bad.push(("bcg_scar", "yes"));
        let errors = parse(&form(&bad), today).unwrap_err();
        assert!(errors.has("serology-0-test") && errors.has("bcg_scar"), "{errors:?}");
        // A dose in the future.
        let mut bad = good.to_vec();
        bad[2] = ("doses[0].given_on", "1/1/2027");
        assert!(parse(&form(&bad), today).unwrap_err().has("doses-0-given_on"));
    }
}
