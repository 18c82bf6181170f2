//! Recording or correcting an employment check (one of the six NHS Employment Check Standards): choose
//! the standard, then a form of its typed details and the common outcome, dates and evidence reference.
//! The form is read into the API's own `EmploymentCheck` and checked by its `validate`; every problem is
//! named by its field and nothing is stored until every field is right. A correction keeps the standard.
//!
//! Role: hr, as the API's `/people/{person_id}/checks` routes.

use axum::Router;
use axum::extract::{Form, Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use domain::checks::{CheckKind, EmploymentCheck};
use serde::Deserialize;
use serde_json::json;
use store::Role;

use super::forms::{self, Field, Input, RecordFormPage, Submitted};
use super::{FormErrors, Signed, WebError, WebResult, render};
use crate::AppState;

/// Who may record checks (as the API).
pub const WRITERS: &[Role] = &[Role::Hr];

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/people/{person_id}/checks/new", get(new_form).post(create))
        .route("/people/{person_id}/checks/{record_id}", get(edit_form).post(update))
}

const OUTCOMES: &[(&str, &str)] = &[
    ("clear", "Clear"),
    ("clear_with_conditions", "Clear with conditions"),
    ("not_clear", "Not clear"),
    ("in_progress", "In progress"),
];

/// The envelope every check has.
const COMMON: &[Field] = &[
    Field::new("outcome", "Outcome", Input::Choice(OUTCOMES)).required().section("Outcome"),
    Field::new("completed_on", "Date the check was completed", Input::Date)
        .hint("For example 27/3/2024. Needed unless the check is in progress")
        .section("Outcome"),
    Field::new("checked_by", "Checked by", Input::Text).required().section("Outcome"),
    Field::new("evidence_ref", "Evidence reference (optional)", Input::Text)
        .hint("Where the evidence seen is filed, never the documents themselves")
        .section("Outcome"),
    Field::new("expires_on", "Expiry or recheck date (optional)", Input::Date)
        .hint("Leave empty to use the date the details carry, if any")
        .section("Outcome"),
    Field::new("notes", "Notes (optional)", Input::Area).section("Outcome"),
];

const IDENTITY: &[Field] = &[
    Field::new(
        "details.route",
        "How identity was established",
        Input::Choice(&[
            ("documents_in_person", "Original documents seen in person"),
            ("idsp", "A certified digital identity service provider (IDSP)"),
            ("smartcard_ra", "NHS smartcard after a Registration Authority check"),
        ]),
    )
    .required(),
    Field::new(
        "details.assurance",
        "Identity assurance level (GPG45)",
        Input::Choice(&[("low", "Low"), ("medium", "Medium"), ("high", "High")]),
    )
    .required(),
    Field::new(
        "details.documents_seen",
        "Documents seen",
        Input::Many(&[
            ("passport", "Passport"),
            ("photocard_driving_licence", "Photocard driving licence"),
            ("biometric_residence_permit", "Biometric residence permit"),
            ("national_identity_card", "National identity card"),
            ("birth_certificate", "Birth certificate"),
            ("utility_bill", "Utility bill"),
            ("bank_statement", "Bank statement"),
            ("council_tax_statement", "Council tax statement"),
            ("other", "Other"),
        ]),
    )
    .hint("For documents seen in person"),
    Field::new("details.idsp_name", "IDSP name", Input::Text).hint("For an IDSP check, for example Yoti"),
    Field::new("details.smartcard_uuid", "Smartcard UUID", Input::Text).hint("For a smartcard check: 12 digits"),
];

const RIGHT_TO_WORK: &[Field] = &[
    Field::new(
        "details.route",
        "How right to work was checked",
        Input::Choice(&[
            ("manual_document", "Original documents checked by hand"),
            ("home_office_online", "Home Office online check (share code)"),
            ("idsp", "A digital identity service provider (British and Irish passports)"),
        ]),
    )
    .required(),
    Field::new(
        "details.permission",
        "Permission to work",
        Input::Choice(&[("unlimited", "Unlimited"), ("time_limited", "Time-limited")]),
    )
    .required(),
    Field::new("details.permission_expires_on", "Date permission ends", Input::Date)
        .hint("For time-limited permission. For example 27/3/2027"),
    Field::new("details.follow_up_on", "Follow-up check date (optional)", Input::Date),
    Field::new("details.share_code", "Share code", Input::Text)
        .hint("For a Home Office online check: 9 letters and digits"),
];

const REGISTRATION: &[Field] = &[
    Field::new(
        "details.registration.register",
        "Register",
        Input::Choice(&[
            ("gmc", "General Medical Council (GMC)"),
            ("nmc", "Nursing and Midwifery Council (NMC)"),
            ("hcpc", "Health and Care Professions Council (HCPC)"),
            ("gphc", "General Pharmaceutical Council (GPhC)"),
            ("gdc", "General Dental Council (GDC)"),
            ("goc", "General Optical Council (GOC)"),
            ("swe", "Social Work England"),
        ]),
    )
    .required(),
    Field::new("details.registration.number", "Registration number", Input::Text).required(),
    Field::new(
        "details.registration.status",
        "Registration status",
        Input::Choice(&[
            ("registered", "Registered"),
            ("registered_with_conditions", "Registered with conditions"),
            ("provisional", "Provisional"),
            ("suspended", "Suspended"),
            ("lapsed", "Lapsed"),
            ("removed", "Removed"),
        ]),
    )
    .required(),
    Field::new("details.registration.expires_on", "Renewal date (optional)", Input::Date),
    Field::new("details.conditions", "Conditions on the registration", Input::Lines).hint("One a line"),
    Field::new("details.qualifications_verified", "Qualifications verified", Input::Lines).hint("One a line"),
];

const HISTORY: &[Field] = &[
    Field::new("details.covered_from", "Period covered from", Input::Date).required(),
    Field::new("details.covered_to", "Period covered to", Input::Date).required(),
    Field::new("details.gaps_explained", "Every gap in the period was explained", Input::YesNo),
    Field::new("details.gap_notes", "Notes on gaps (optional)", Input::Area),
    Field::new("details.references[0].referee", "Referee", Input::Text)
        .required()
        .group("details.references[0]")
        .hint("For example Ward manager, Ward 7")
        .section("First reference"),
    Field::new("details.references[0].organisation", "Referee's organisation (optional)", Input::Text)
        .group("details.references[0]")
        .section("First reference"),
    Field::new("details.references[0].received_on", "Date received", Input::Date)
        .required()
        .group("details.references[0]")
        .section("First reference"),
    Field::new("details.references[1].referee", "Second referee", Input::Text)
        .required()
        .group("details.references[1]")
        .section("Second reference"),
    Field::new("details.references[1].organisation", "Second referee's organisation (optional)", Input::Text)
        .group("details.references[1]")
        .section("Second reference"),
    Field::new("details.references[1].received_on", "Date second reference received", Input::Date)
        .required()
        .group("details.references[1]")
        .section("Second reference"),
];

const DBS: &[Field] = &[
    Field::new(
        "details.level",
        "Certificate level",
        Input::Choice(&[
            ("basic", "Basic"),
            ("standard", "Standard"),
            ("enhanced", "Enhanced"),
            ("enhanced_adults", "Enhanced with adults' barred list"),
            ("enhanced_children", "Enhanced with children's barred list"),
            ("enhanced_both", "Enhanced with both barred lists"),
        ]),
    )
    .required(),
    Field::new("details.certificate_number", "Certificate number", Input::Text).required().hint("12 digits"),
    Field::new("details.issued_on", "Date issued", Input::Date).required().hint("For example 27/3/2024"),
    Field::new(
        "details.workforce",
        "Workforce",
        Input::Choice(&[
            ("adult", "Adult"),
            ("child", "Child"),
            ("adult_and_child", "Adult and child"),
            ("other", "Other"),
        ]),
    )
    .required(),
    Field::new("details.update_service.subscription_id", "Update Service subscription id", Input::Text)
        .required()
        .group("details.update_service")
        .hint("Leave empty if the person does not subscribe")
        .section("DBS Update Service"),
    Field::new("details.update_service.last_status_check_on", "Last status check (optional)", Input::Date)
        .group("details.update_service")
        .section("DBS Update Service"),
];

const WORK_HEALTH: &[Field] = &[
    Field::new(
        "details.outcome",
        "Assessment outcome",
        Input::Choice(&[
            ("fit", "Fit"),
            ("fit_with_adjustments", "Fit with adjustments"),
            ("unfit", "Unfit"),
            ("pending", "Pending"),
        ]),
    )
    .required(),
    Field::new("details.adjustments", "Adjustments", Input::Area).hint("For a fit-with-adjustments outcome"),
    Field::new(
        "details.epp_clearance",
        "Exposure-prone procedures clearance",
        Input::Choice(&[("cleared", "Cleared"), ("not_cleared", "Not cleared"), ("not_applicable", "Not applicable")]),
    )
    .required(),
    Field::new("details.assessed_by", "Assessed by", Input::Text).required(),
    Field::new("details.assessed_on", "Date assessed", Input::Date).required(),
];

/// The fields of a check of `kind`: its details, then the common envelope.
fn fields(kind: CheckKind) -> Vec<Field> {
    let details = match kind {
        CheckKind::Identity => IDENTITY,
        CheckKind::RightToWork => RIGHT_TO_WORK,
        CheckKind::ProfessionalRegistration => REGISTRATION,
        CheckKind::EmploymentHistory => HISTORY,
        CheckKind::CriminalRecord => DBS,
        CheckKind::WorkHealth => WORK_HEALTH,
    };
    details
        .iter()
        .map(|f| if f.section.is_empty() { f.section("Details") } else { *f })
        .chain(COMMON.iter().copied())
        .collect()
}

fn kind_of(key: &str) -> Option<CheckKind> {
    CheckKind::ALL.into_iter().find(|k| k.key() == key)
}

/// Reads and checks the form with the domain's rules.
fn parse(kind: CheckKind, form: &Submitted, today: chrono::NaiveDate) -> Result<EmploymentCheck, FormErrors> {
    let fields = fields(kind);
    let check: EmploymentCheck = forms::parse(&fields, form, json!({"details": {"kind": kind.key()}}))?;
    match check.validate(today) {
        Ok(()) => Ok(check),
        Err(invalid) => {
            let mut errors = FormErrors::default();
            for e in invalid.errors() {
                forms::add_domain_error(&mut errors, &fields, &e.field, &e.problem);
            }
            Err(errors)
        }
    }
}

#[derive(Deserialize)]
struct KindQuery {
    kind: Option<String>,
}

struct Shown<'a> {
    person_id: &'a str,
    record_id: Option<&'a str>,
    kind: CheckKind,
    form: &'a Submitted,
    errors: FormErrors,
}

async fn page(state: &AppState, signed: &Signed, shown: Shown<'_>) -> WebResult<Response> {
    let caller = signed.require(WRITERS)?;
    let person = state.store.dataset(&caller.scope).get_person(shown.person_id).await?;
    let status = if shown.errors.is_empty() { StatusCode::OK } else { StatusCode::UNPROCESSABLE_ENTITY };
    let person_id = shown.person_id;
    let page = RecordFormPage {
        chrome: signed.chrome(state, "/people").await,
        fields: forms::views(&fields(shown.kind), shown.form, &shown.errors),
        errors: shown.errors,
        person_id: person_id.to_owned(),
        name: format!("{} {}", person.value.given_name, person.value.family_name),
        heading: match shown.record_id {
            Some(_) => format!("Correct the {}", shown.kind.phrase()),
            None => format!("Record a {}", shown.kind.phrase()),
        },
        intro: String::new(),
        method: "post",
        action: match shown.record_id {
            Some(id) => format!("/people/{person_id}/checks/{id}"),
            None => format!("/people/{person_id}/checks/new"),
        },
        hidden: if shown.record_id.is_some() { vec![] } else { vec![("kind", shown.kind.key().to_owned())] },
        save: "Save check",
    };
    Ok((status, render(&page)).into_response())
}

/// Choose the standard, or (with `?kind=`) the empty form of its check. Role: hr.
async fn new_form(
    State(state): State<AppState>,
    signed: Signed,
    Path(person_id): Path<String>,
    Query(query): Query<KindQuery>,
) -> WebResult<Response> {
    let caller = signed.require(WRITERS)?;
    let chosen = query.kind.as_deref().map(|k| kind_of(k).ok_or(()));
    match chosen {
        Some(Ok(kind)) => {
            let form = Submitted(vec![("checked_by".into(), signed.session.display_name.clone())]);
            page(
                &state,
                &signed,
                Shown { person_id: &person_id, record_id: None, kind, form: &form, errors: FormErrors::default() },
            )
            .await
        }
        _ => {
            let person = state.store.dataset(&caller.scope).get_person(&person_id).await?;
            const CHOOSE: &[Field] = &[Field::new(
                "kind",
                "Which employment check?",
                Input::Choice(&[
                    ("identity", "Identity check"),
                    ("right_to_work", "Right to work check"),
                    ("professional_registration", "Professional registration check"),
                    ("employment_history", "Employment history and references"),
                    ("criminal_record", "Criminal record (DBS) check"),
                    ("work_health", "Work health assessment"),
                ]),
            )
            .required()];
            let mut errors = FormErrors::default();
            if matches!(chosen, Some(Err(()))) || query.kind.as_deref() == Some("") {
                errors.add("kind", "Select the employment check to record");
            }
            let status = if errors.is_empty() { StatusCode::OK } else { StatusCode::UNPROCESSABLE_ENTITY };
            let page = RecordFormPage {
                chrome: signed.chrome(&state, "/people").await,
                fields: forms::views(CHOOSE, &Submitted::default(), &errors),
                errors,
                name: format!("{} {}", person.value.given_name, person.value.family_name),
                person_id: person_id.clone(),
                heading: "Record an employment check".into(),
                intro: "The six NHS Employment Check Standards each have their own details.".into(),
                method: "get",
                action: format!("/people/{person_id}/checks/new"),
                hidden: vec![],
                save: "Continue",
            };
            Ok((status, render(&page)).into_response())
        }
    }
}

/// Records a check, or shows the form again with its errors (nothing stored). Role: hr.
async fn create(
    State(state): State<AppState>,
    signed: Signed,
    Path(person_id): Path<String>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> WebResult<Response> {
    let form = Submitted(pairs);
    signed.check_csrf(form.get("csrf_token"))?;
    let caller = signed.require(WRITERS)?;
    let kind = kind_of(form.get("kind")).ok_or(WebError::NotFound)?;
    match parse(kind, &form, state.today()) {
        Ok(check) => {
            state.store.dataset(&caller.scope).add_check(&person_id, &check).await?;
            Ok(Redirect::to(&format!("/people/{person_id}?saved=check")).into_response())
        }
        Err(errors) => {
            page(&state, &signed, Shown { person_id: &person_id, record_id: None, kind, form: &form, errors }).await
        }
    }
}

/// A recorded check in its form, to correct it. Role: hr.
async fn edit_form(
    State(state): State<AppState>,
    signed: Signed,
    Path((person_id, record_id)): Path<(String, String)>,
) -> WebResult<Response> {
    let caller = signed.require(WRITERS)?;
    let record = state.store.dataset(&caller.scope).get_check(&record_id).await?;
    if record.person_id.as_deref() != Some(person_id.as_str()) {
        return Err(WebError::NotFound);
    }
    let kind = record.value.kind();
    let stored = serde_json::to_value(&record.value).map_err(|e| WebError::Internal(e.to_string()))?;
    let form = Submitted::from_value(&fields(kind), &stored);
    page(
        &state,
        &signed,
        Shown { person_id: &person_id, record_id: Some(&record_id), kind, form: &form, errors: FormErrors::default() },
    )
    .await
}

/// Replaces a recorded check (credentials resting on it are revoked by the store). Role: hr.
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
    let record = dataset.get_check(&record_id).await?;
    if record.person_id.as_deref() != Some(person_id.as_str()) {
        return Err(WebError::NotFound);
    }
    let kind = record.value.kind();
    match parse(kind, &form, state.today()) {
        Ok(check) => {
            dataset.update_check(&record_id, &check).await?;
            Ok(Redirect::to(&format!("/people/{person_id}?saved=check")).into_response())
        }
        Err(errors) => {
            page(
                &state,
                &signed,
                Shown { person_id: &person_id, record_id: Some(&record_id), kind, form: &form, errors },
            )
            .await
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn today() -> chrono::NaiveDate {
        chrono::NaiveDate::from_ymd_opt(2026, 12, 3).unwrap()
    }

    fn dbs(pairs: &[(&str, &str)]) -> Submitted {
        let mut form: Vec<(String, String)> = [
            ("details.level", "enhanced_adults"),
            ("details.certificate_number", "001234567890"),
            ("details.issued_on", "10/1/2025"),
            ("details.workforce", "adult"),
            ("outcome", "clear"),
            ("completed_on", "14/1/2025"),
            ("checked_by", "J Smith"),
        ]
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect();
        for (k, v) in pairs {
            form.retain(|(name, _)| name != k);
            form.push(((*k).to_owned(), (*v).to_owned()));
        }
        Submitted(form)
    }

    #[test]
    fn a_good_dbs_check_is_read_and_each_wrong_field_named() {
        let check = parse(CheckKind::CriminalRecord, &dbs(&[]), today()).unwrap();
        assert_eq!(check.kind(), CheckKind::CriminalRecord);
        let errors =
            parse(CheckKind::CriminalRecord, &dbs(&[("details.certificate_number", "123")]), today()).unwrap_err();
        assert!(errors.has("details-certificate_number"), "{errors:?}");
        // The domain's rule: issued after the check was completed.
        let errors = parse(CheckKind::CriminalRecord, &dbs(&[("details.issued_on", "1/2/2025")]), today()).unwrap_err();
        assert!(errors.has("details-issued_on"), "{errors:?}");
        let errors = parse(CheckKind::CriminalRecord, &dbs(&[("completed_on", "")]), today()).unwrap_err();
        assert!(errors.has("completed_on"), "{errors:?}");
        // Update Service: filled in, its subscription id is needed.
        let errors = parse(
            CheckKind::CriminalRecord,
            &dbs(&[("details.update_service.last_status_check_on", "1/2/2025")]),
            today(),
        )
        .unwrap_err();
        assert!(errors.has("details-update_service-subscription_id"), "{errors:?}");
    }

    #[test]
    fn a_stored_check_fills_its_form_and_reads_back_the_same() {
        let check = parse(CheckKind::CriminalRecord, &dbs(&[]), today()).unwrap();
        let value = serde_json::to_value(&check).unwrap();
        let again = parse(
            CheckKind::CriminalRecord,
            &Submitted::from_value(&fields(CheckKind::CriminalRecord), &value),
            today(),
        )
        .unwrap();
        assert_eq!(again, check);
    }
}
