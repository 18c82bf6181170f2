//! Cohort transfers (the September rotation) over the API: a list of applicants, as JSON or as the
//! CLI's CSV, matched and transferred as one job with a per-person report. Roles: hr, admin.
//!
//! Every row is checked before anything is stored, each problem named by row and field
//! (`applicants[3].date_of_birth`; `line[4].date_of_birth` in a CSV, the header being line 1).
//! The job then runs in the background ([`crate::cohort_jobs`]), since a large cohort takes minutes:
//! the answer is 202 with the job's id, and `GET /transfer-cohorts/{id}` reports each line as it
//! settles. The same list submitted again is the same job, rerun: lines already transferred are
//! left as they are (the store's `transfer_cohort.rs`).

use std::collections::BTreeMap;

use axum::Json;
use axum::extract::{DefaultBodyLimit, Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use bytes::Bytes;
use chrono::{DateTime, NaiveDate, Utc};
use domain::assignment::{Assignment, AssignmentStatus, Band, StaffGroup};
use domain::error::{FieldError, join_path};
use domain::person::NiNumber;
use serde::{Deserialize, Serialize};
use store::{CohortEntry, CohortLine, CohortReport};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::AppState;
use crate::error::{ApiError, ApiResult, Problem};
use crate::extract::OrgCaller;

/// Largest cohort body accepted (a 20,000-line JSON list is about 3 MB).
pub const MAX_COHORT_BYTES: usize = 8 * 1024 * 1024;
/// Most applicants in one cohort.
pub const MAX_APPLICANTS: usize = 20_000;
/// Problems reported for one submission; past this the list is cut short.
const MAX_PROBLEMS: usize = 100;
/// The CLI's defaults for the applicant assignments a job creates.
const DEFAULT_STAFF_GROUP: &str = "medical_and_dental";
const DEFAULT_BAND: &str = "ST1";
/// The CSV's columns: the five the CLI reads, then the two optional ones.
const COLUMNS: [&str; 7] = ["ni_number", "date_of_birth", "surname", "role", "start_date", "staff_group", "band"];

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(submit)).routes(routes!(report)).layer(DefaultBodyLimit::max(MAX_COHORT_BYTES))
}

/// One applicant as sent. Every field is checked and every problem named, so none is left to serde.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ApplicantRow {
    #[serde(default)]
    pub ni_number: String,
    /// `YYYY-MM-DD`.
    #[serde(default)]
    pub date_of_birth: String,
    #[serde(default)]
    pub surname: String,
    /// The new role; an applicant assignment with this role and start date is created if missing.
    #[serde(default)]
    pub role: String,
    /// `YYYY-MM-DD`.
    #[serde(default)]
    pub start_date: String,
    /// Staff group of the applicant assignment created (default `medical_and_dental`).
    #[serde(default)]
    pub staff_group: Option<String>,
    /// Band or grade of the applicant assignment created (default `ST1`).
    #[serde(default)]
    pub band: Option<String>,
}

/// A cohort as JSON.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CohortRequest {
    pub applicants: Vec<ApplicantRow>,
}

/// One line of the per-person report.
#[derive(Debug, Serialize, ToSchema)]
pub struct CohortLineView {
    /// The CSV line (the header being line 1), or the position in the JSON list from 1.
    pub line: i64,
    pub ni_number: String,
    pub surname: String,
    /// `transferred`, `no_consent`, `no_match`, `ambiguous` or `error`.
    pub outcome: String,
    /// The transfer made (its report is `GET /transfers/{transfer_id}`).
    pub transfer_id: Option<String>,
    /// What happened, in words.
    pub detail: String,
}

/// A cohort job and its report so far.
#[derive(Debug, Serialize, ToSchema)]
pub struct CohortView {
    pub id: String,
    /// `queued`, `running`, `done` or `failed` (a fault stopped the runner: submit the same list
    /// again to continue).
    pub status: String,
    /// Applicants in the cohort.
    pub lines: i64,
    /// Lines not settled yet.
    pub pending: i64,
    /// Settled lines by outcome.
    pub counts: BTreeMap<String, i64>,
    pub created_at: DateTime<Utc>,
    pub started_at: Option<DateTime<Utc>>,
    pub finished_at: Option<DateTime<Utc>>,
    pub failure: Option<String>,
    /// Each settled line, by line (left out of the 202 answer).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub results: Option<Vec<CohortLineView>>,
}

impl CohortView {
    fn new(report: CohortReport, with_results: bool) -> Self {
        let mut counts = BTreeMap::new();
        for r in &report.results {
            *counts.entry(r.outcome.as_str().to_owned()).or_insert(0) += 1;
        }
        let who: BTreeMap<i64, &CohortEntry> = report.applicants.iter().map(|a| (a.line, &a.entry)).collect();
        let results = with_results.then(|| {
            report
                .results
                .iter()
                .map(|r| CohortLineView {
                    line: r.line,
                    ni_number: who.get(&r.line).map(|e| e.ni_number.as_str().to_owned()).unwrap_or_default(),
                    surname: who.get(&r.line).map(|e| e.surname.clone()).unwrap_or_default(),
                    outcome: r.outcome.as_str().to_owned(),
                    transfer_id: r.transfer_id.clone(),
                    detail: r.detail.clone(),
                })
                .collect()
        });
        let job = report.job;
        CohortView {
            pending: (job.lines - report.results.len() as i64).max(0),
            id: job.id,
            status: job.status.as_str().to_owned(),
            lines: job.lines,
            counts,
            created_at: job.created_at,
            started_at: job.started_at,
            finished_at: job.finished_at,
            failure: job.failure,
            results,
        }
    }
}

/// Every problem of one submission.
#[derive(Default)]
struct Problems(Vec<FieldError>);

impl Problems {
    fn add(&mut self, field: String, problem: impl Into<String>) {
        if self.0.len() < MAX_PROBLEMS {
            self.0.push(FieldError::new(field, problem));
        }
    }
}

fn date(text: &str) -> Result<NaiveDate, &'static str> {
    let text = text.trim();
    if text.is_empty() {
        return Err("is required");
    }
    text.parse().map_err(|_| "is not a YYYY-MM-DD date")
}

/// One row into the store's entry, every problem named under `at` (`applicants[3]`, `line[4]`).
fn entry(row: &ApplicantRow, at: &str, problems: &mut Problems) -> Option<CohortEntry> {
    let before = problems.0.len();
    let field = |name: &str| join_path(at, name);
    let required = |name: &str, text: &str, problems: &mut Problems| {
        let text = text.trim();
        if text.is_empty() {
            problems.add(field(name), "is required");
        }
        text.to_owned()
    };
    let ni = match row.ni_number.trim() {
        "" => {
            problems.add(field("ni_number"), "is required");
            None
        }
        text => NiNumber::parse(text).map_err(|e| problems.add(field("ni_number"), e.problem)).ok(),
    };
    let date_of_birth = date(&row.date_of_birth).map_err(|p| problems.add(field("date_of_birth"), p)).ok();
    let surname = required("surname", &row.surname, problems);
    if surname.chars().count() > 100 {
        problems.add(field("surname"), "is longer than 100 characters");
    }
    let role = required("role", &row.role, problems);
    let start_date = date(&row.start_date).map_err(|p| problems.add(field("start_date"), p)).ok();
    let staff_group = StaffGroup::parse(row.staff_group.as_deref().map(str::trim).unwrap_or(DEFAULT_STAFF_GROUP))
        .map_err(|e| problems.add(field("staff_group"), e.problem))
        .ok();
    let band = Band::parse(row.band.as_deref().map(str::trim).unwrap_or(DEFAULT_BAND))
        .map_err(|e| problems.add(field("band"), e.problem))
        .ok();
    let (Some(ni_number), Some(date_of_birth), Some(start_date), Some(staff_group), Some(band)) =
        (ni, date_of_birth, start_date, staff_group, band)
    else {
        return None;
    };
    // The assignment the job would create, checked by the domain's own rule now rather than
    // failing its line later.
    let assignment = Assignment {
        role: role.clone(),
        staff_group,
        band: band.clone(),
        start_date,
        end_date: None,
        status: AssignmentStatus::Applicant,
    };
    if let Err(invalid) = assignment.validate() {
        for e in invalid.errors() {
            problems.add(field(&e.field), e.problem.clone());
        }
    }
    (problems.0.len() == before).then_some(CohortEntry {
        ni_number,
        date_of_birth,
        surname,
        role,
        start_date,
        staff_group,
        band,
    })
}

/// Every row checked, with the line each is reported under; NI numbers must not repeat.
fn entries(rows: Vec<(i64, String, ApplicantRow)>) -> Result<Vec<CohortLine>, ApiError> {
    let mut problems = Problems::default();
    if rows.is_empty() {
        problems.add("applicants".to_owned(), "has no applicant");
    }
    if rows.len() > MAX_APPLICANTS {
        problems.add("applicants".to_owned(), format!("has {} applicants; at most {MAX_APPLICANTS}", rows.len()));
    }
    let mut seen: BTreeMap<String, String> = BTreeMap::new();
    let mut lines = Vec::with_capacity(rows.len());
    for (line, at, row) in &rows {
        if let Some(entry) = entry(row, at, &mut problems) {
            let ni = entry.ni_number.as_str().to_owned();
            match seen.get(&ni) {
                Some(first) => problems.add(join_path(at, "ni_number"), format!("repeats the NI number of {first}")),
                None => {
                    seen.insert(ni, at.clone());
                }
            }
            lines.push(CohortLine { line: *line, entry });
        }
    }
    if problems.0.is_empty() { Ok(lines) } else { Err(ApiError::Invalid(problems.0)) }
}

/// The CLI's CSV: a header naming the columns (any order; `staff_group` and `band` optional).
fn csv_rows(body: &[u8]) -> Result<Vec<(i64, String, ApplicantRow)>, ApiError> {
    let mut reader = csv::ReaderBuilder::new().flexible(true).trim(csv::Trim::All).from_reader(body);
    let header = reader.headers().map_err(|e| ApiError::invalid("header", format!("is not readable CSV: {e}")))?;
    let mut at = [None; 7];
    for (i, name) in header.iter().enumerate() {
        match COLUMNS.iter().position(|c| *c == name) {
            Some(c) => at[c] = Some(i),
            None => return Err(ApiError::invalid("header", format!("has an unknown column {name:?}"))),
        }
    }
    let missing: Vec<&str> = COLUMNS[..5].iter().zip(&at).filter(|(_, i)| i.is_none()).map(|(c, _)| *c).collect();
    if !missing.is_empty() {
        return Err(ApiError::invalid("header", format!("lacks the column(s) {}", missing.join(", "))));
    }
    let mut rows = vec![];
    for record in reader.records() {
        let record = record.map_err(|e| {
            let line = e.position().map(|p| p.line()).unwrap_or_default();
            ApiError::invalid(format!("line[{line}]"), format!("is not readable CSV: {e}"))
        })?;
        let line = record.position().map(|p| p.line() as i64).unwrap_or_default();
        let cell = |c: usize| at[c].and_then(|i| record.get(i)).unwrap_or_default().to_owned();
        let optional = |c: usize| Some(cell(c)).filter(|v| !v.is_empty());
        let row = ApplicantRow {
            ni_number: cell(0),
            date_of_birth: cell(1),
            surname: cell(2),
            role: cell(3),
            start_date: cell(4),
            staff_group: optional(5),
            band: optional(6),
        };
        rows.push((line, format!("line[{line}]"), row));
    }
    Ok(rows)
}

fn media_type(headers: &HeaderMap) -> String {
    let content_type = headers.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or("");
    content_type.split(';').next().unwrap_or("").trim().to_ascii_lowercase()
}

/// Submit a cohort: `{"applicants": [{ni_number, date_of_birth, surname, role, start_date}]}`, or
/// `text/csv` with those columns (`staff_group`, `band` optional; defaults `medical_and_dental`,
/// `ST1`). Every row is checked first (422 naming each row and field; nothing stored). The job then
/// runs in the background: 202 with its id and `Location`; poll `GET /transfer-cohorts/{id}`. The
/// same list again is the same job, rerun (lines transferred before are left alone). Roles: hr,
/// admin.
#[utoipa::path(post, path = "/transfer-cohorts", tag = "transfers", security(("bearer" = [])),
    request_body(description = "The applicants, as JSON or CSV", content(
        (CohortRequest = "application/json"),
        (String = "text/csv", example = json!("ni_number,date_of_birth,surname,role,start_date\nAB123456C,1994-03-12,Okafor,ST1-SURGERY,2026-09-02\n")))),
    responses((status = 202, body = CohortView, description = "queued (or rerun); `Location` is its report",
            headers(("Location" = String, description = "the job's report"))),
        (status = 413, body = Problem, description = "the body is larger than 8 MiB"),
        (status = 415, body = Problem, description = "the body is neither `application/json` nor `text/csv`"),
        (status = 422, body = Problem, description = "a row or field is invalid; `errors` names each (nothing stored)")))]
async fn submit(
    State(state): State<AppState>,
    caller: OrgCaller,
    headers: HeaderMap,
    body: Bytes,
) -> ApiResult<Response> {
    caller.require(super::transfers::ROLES)?;
    let rows = match media_type(&headers).as_str() {
        "text/csv" => csv_rows(&body)?,
        t if t == "application/json" || t.ends_with("+json") => {
            let request: CohortRequest = crate::json::parse_body(&body)?;
            request
                .applicants
                .into_iter()
                .enumerate()
                .map(|(i, row)| (i as i64 + 1, format!("applicants[{i}]"), row))
                .collect()
        }
        other => {
            return Err(ApiError::UnsupportedMediaType(format!(
                "Send the cohort as `application/json` or `text/csv`, not `{other}`."
            )));
        }
    };
    let lines = entries(rows)?;
    let dataset = state.store.dataset(&caller.scope);
    let (job, _) = dataset.submit_cohort(&lines).await?;
    crate::cohort_jobs::spawn(state.clone(), caller.scope.clone(), job.id.clone());
    let report = dataset.cohort_report(&job.id).await?;
    let location = format!("/api/v1/transfer-cohorts/{}", job.id);
    let mut response = (StatusCode::ACCEPTED, Json(CohortView::new(report, false))).into_response();
    if let Ok(value) = HeaderValue::from_str(&location) {
        response.headers_mut().insert(header::LOCATION, value);
    }
    Ok(response)
}

/// A cohort job: where it is, counts by outcome, and each settled line (`transferred`,
/// `no_consent`, `no_match`, `ambiguous`, `error`, with the transfer made and what happened).
/// Another organisation's id is 404. Roles: hr, admin.
#[utoipa::path(get, path = "/transfer-cohorts/{cohort_id}", tag = "transfers", security(("bearer" = [])),
    params(("cohort_id" = String, Path)),
    responses((status = 200, body = CohortView), (status = 404, body = Problem)))]
async fn report(
    State(state): State<AppState>,
    caller: OrgCaller,
    Path(cohort_id): Path<String>,
) -> ApiResult<Json<CohortView>> {
    caller.require(super::transfers::ROLES)?;
    let report = state.store.dataset(&caller.scope).cohort_report(&cohort_id).await?;
    Ok(Json(CohortView::new(report, true)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(ni: &str, dob: &str) -> ApplicantRow {
        ApplicantRow {
            ni_number: ni.into(),
            date_of_birth: dob.into(),
            surname: "Okafor".into(),
            role: "ST1-SURGERY".into(),
            start_date: "2026-09-02".into(),
            ..Default::default()
        }
    }

    fn fields(error: ApiError) -> Vec<String> {
        match error {
            ApiError::Invalid(errors) => errors.into_iter().map(|e| e.field).collect(),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn every_bad_row_is_named_by_row_and_field() {
        let rows = vec![
            (1, "applicants[0]".to_owned(), row("AB123456C", "1994-03-12")),
            (2, "applicants[1]".to_owned(), row("AB12", "12/03/1994")),
            (
                3,
                "applicants[2]".to_owned(),
                ApplicantRow { staff_group: Some("porters".into()), ..row("CE123456A", "1994-03-12") },
            ),
            (4, "applicants[3]".to_owned(), row("AB123456C", "1994-03-12")),
        ];
        let named = fields(entries(rows).unwrap_err());
        for f in [
            "applicants[1].ni_number",
            "applicants[1].date_of_birth",
            "applicants[2].staff_group",
            "applicants[3].ni_number",
        ] {
            assert!(named.contains(&f.to_owned()), "{f} not in {named:?}");
        }
        assert!(!named.iter().any(|f| f.starts_with("applicants[0]")), "{named:?}");
    }

    #[test]
    fn a_csv_is_read_by_column_name_with_file_line_numbers() {
        let text = "surname,ni_number,date_of_birth,role,start_date\nOkafor,AB123456C,1994-03-12,ST1,2026-09-02\n\
                    Smith,CE123456A,not-a-date,ST1,2026-09-02\n";
        let rows = csv_rows(text.as_bytes()).unwrap();
        assert_eq!(rows[0].0, 2);
        assert_eq!(rows[0].2.surname, "Okafor");
        assert_eq!(fields(entries(rows).unwrap_err()), ["line[3].date_of_birth"]);
        let missing = csv_rows(b"ni_number,surname\nAB123456C,Okafor\n").unwrap_err();
        assert_eq!(fields(missing), ["header"]);
    }
}
