//! Inter-authority transfer in the portal, for HR: a person's "Transfer in (IAT)" page (the
//! worker's consent and HR's paper statements, the earlier NHS records that match, taking the
//! automatic match or proposing a manual one, the transfers into the record, a transfer from another
//! deployment), a transfer's report (what was copied or kept and why, provenance, stage 2), and the
//! queue (manual matches waiting for a second user's approval, recent transfers).
//!
//! Every action goes through the API's own functions (`api::transfers::*_for`), so the consent,
//! match, approval and stage rules are theirs; a refusal (`no_consent`, `same_approver`, …) comes
//! back as the field it names, in words, in the NHS error summary. Roles: hr, admin.

use std::collections::{BTreeSet, HashMap};

use askama::Template;
use axum::Router;
use axum::extract::{Form, Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use chrono::{DateTime, Utc};
use domain::compliance::{ComplianceStatus, NonCompliantPerson};
use domain::org::OdsCode;
use domain::transfer::{
    ConsentInput, ConsentMethod, ConsentState, Decision, MatchClass, MatchField, TransferRefusal, TransferStatus,
    TransferSummary,
};
use serde::Deserialize;
use store::Page;

use super::people::words;
use super::{Chrome, FormErrors, Signed, WebError, WebResult, long_date, render};
use crate::AppState;
use crate::api::transfers::{
    ROLES, approve_for, automatic_for, propose_for, record_consent_for, remote_for, stage1_for, stage2_for,
};
use crate::error::ApiError;
use crate::extract::OrgCaller;

const PAGE_SIZE: u32 = 25;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/people/{person_id}/transfer", get(person))
        .route("/people/{person_id}/transfer/{action}", post(person_action))
        .route("/transfers", get(queue))
        .route("/transfers/{transfer_id}", get(report))
        .route("/transfers/{transfer_id}/{action}", post(transfer_action))
}

/// An API field as words, for an error message.
fn label(field: &str) -> &'static str {
    match field {
        "consent" => "Consent",
        "status" => "Approval",
        "approved_by" => "Approver",
        "assignment" => "Applicant assignment",
        "source_person_id" => "Match",
        "source_ods" => "Previous employer",
        "evidence_ref" => "Evidence reference",
        _ => "Transfer",
    }
}

/// Every refusal, to recognise one in a problem's text.
const REFUSALS: [TransferRefusal; 7] = [
    TransferRefusal::NoConsent,
    TransferRefusal::ConsentWithdrawn,
    TransferRefusal::NoMatch,
    TransferRefusal::Ambiguous,
    TransferRefusal::NoApplicantAssignment,
    TransferRefusal::NotApproved,
    TransferRefusal::SameApprover,
];

/// A refusal or invalid field in words, with the refusal's code: `no_consent: the worker…` on
/// `consent` becomes "Consent: the worker… (no_consent)".
fn message(field: &str, problem: &str) -> String {
    let refusal = REFUSALS
        .iter()
        .find(|r| problem == r.message() || problem.strip_prefix(r.code()).is_some_and(|rest| rest.starts_with(": ")));
    match refusal {
        Some(r) => format!("{}: {} ({})", label(field), r.message(), r.code()),
        None if problem.starts_with("is ") || problem.starts_with("must ") => format!("{} {problem}", label(field)),
        None => format!("{}: {problem}", label(field)),
    }
}

/// The form errors an API refusal becomes, each at the page element `anchor` names for its field.
fn refusal(error: ApiError, anchor: impl Fn(&str) -> String) -> Result<FormErrors, WebError> {
    let mut errors = FormErrors::default();
    match error {
        ApiError::Invalid(fields) => {
            for f in fields {
                errors.add(&anchor(&f.field), message(&f.field, &f.problem));
            }
        }
        ApiError::Conflict { field, problem } => errors.add(&anchor(&field), message(&field, &problem)),
        other => return Err(other.into()),
    }
    Ok(errors)
}

fn when(at: DateTime<Utc>) -> String {
    at.format("%-d %B %Y at %H:%M UTC").to_string()
}

/// `user:<id>` as the user's name, `automatic` and `system:…` in words.
struct Names(HashMap<String, String>);

impl Names {
    async fn of(state: &AppState, caller: &OrgCaller) -> Names {
        let users = state.store.auth().list_users(&caller.scope).await.unwrap_or_default();
        Names(users.into_iter().map(|u| (format!("user:{}", u.id), u.display_name)).collect())
    }

    fn get(&self, actor: &str) -> String {
        match actor {
            "automatic" => "the automatic match rule (all three facts match)".to_owned(),
            a => self.0.get(a).cloned().unwrap_or_else(|| a.trim_start_matches("system:").to_owned()),
        }
    }
}

fn status_tag(status: TransferStatus) -> (&'static str, &'static str) {
    match status {
        TransferStatus::Proposed => ("Waiting for approval", "nhsuk-tag--yellow"),
        TransferStatus::Approved => ("Approved", "nhsuk-tag--blue"),
        TransferStatus::Stage1Done => ("Stage 1 done", "nhsuk-tag--green"),
        TransferStatus::Stage2Done => ("Stage 2 done", "nhsuk-tag--green"),
    }
}

fn class_words(class: MatchClass) -> (&'static str, &'static str) {
    match class {
        MatchClass::Automatic => ("Automatic", "nhsuk-tag--green"),
        MatchClass::Partial => ("Partial", "nhsuk-tag--yellow"),
        MatchClass::NoMatch => ("No match", "nhsuk-tag--grey"),
    }
}

/// What differs between the applicant and an earlier record, in words.
fn differs(fields: &[MatchField]) -> String {
    let named: Vec<&str> = fields
        .iter()
        .map(|f| match f {
            MatchField::NiNumber => "NI number",
            MatchField::DateOfBirth => "date of birth",
            MatchField::Surname => "surname",
        })
        .collect();
    match named.as_slice() {
        [] => "Nothing".to_owned(),
        [one] => format!("The {one} differs"),
        _ => format!("The {} differ", named.join(" and ")),
    }
}

/// A transfer as a row of the person's page or the queue.
struct TransferRow {
    id: String,
    person: String,
    from: String,
    class: (&'static str, &'static str),
    status: (&'static str, &'static str),
    proposed: String,
    proposed_by: String,
    runnable: bool,
}

fn transfer_row(t: &TransferSummary, person: String, names: &Names) -> TransferRow {
    TransferRow {
        id: t.id.clone(),
        person,
        from: t.source_ods.as_str().to_owned(),
        class: class_words(t.match_class),
        status: status_tag(t.status),
        proposed: long_date(t.proposed_at.date_naive()),
        proposed_by: names.get(&t.proposed_by),
        runnable: t.status == TransferStatus::Approved,
    }
}

// ---- a person's "Transfer in (IAT)" page ------------------------------------------------------

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
async fn person(
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
fn person_anchor(field: &str) -> String {
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
async fn person_action(
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
    let anchor = |field: &str| if action == "remote" { "source_ods".to_owned() } else { person_anchor(field) };
    let errors = refusal(outcome, anchor)?;
    person_page(&state, &signed, &person_id, Shown::refused(searched, form, errors)).await
}

// ---- a transfer's report ----------------------------------------------------------------------

struct LineRow {
    item: String,
    kind: String,
    decision: (&'static str, &'static str),
    reason: String,
    provenance: String,
}

/// The actions open on a transfer now.
#[derive(Default)]
struct Actions {
    approve: bool,
    run: bool,
    stage2: bool,
}

#[derive(Template)]
#[template(path = "transfer_report.html")]
struct ReportPage {
    chrome: Chrome,
    errors: FormErrors,
    notice: Option<&'static str>,
    id: String,
    person_id: String,
    name: String,
    from: String,
    status: (&'static str, &'static str),
    status_words: String,
    details: Vec<(&'static str, String)>,
    actions: Actions,
    lines: Vec<LineRow>,
    history: Vec<Vec<String>>,
}

fn status_words(t: &TransferSummary) -> String {
    match t.status {
        TransferStatus::Proposed => {
            "A partial match: another HR user or an admin must approve it before stage 1 can run.".to_owned()
        }
        TransferStatus::Approved => {
            "Approved. Stage 1 copies the Portable Data Set into the applicant record when you \
            run it (the worker's consent and an applicant assignment are needed)."
                .to_owned()
        }
        TransferStatus::Stage1Done => format!(
            "Stage 1 copied the records below on {}. Stage 2 (NHS service history and personal details) runs on \
             the start date, or now.",
            t.stage1_at.map(|a| long_date(a.date_naive())).unwrap_or_default()
        ),
        TransferStatus::Stage2Done => format!(
            "Both stages are done: stage 2 brought the service history on {}.",
            t.stage2_at.map(|a| long_date(a.date_naive())).unwrap_or_default()
        ),
    }
}

fn saved_notice(saved: &str) -> Option<&'static str> {
    Some(match saved {
        "automatic" => "Matched and approved. Run stage 1 to copy the records.",
        "proposed" => "Proposed. Another HR user or an admin must approve this partial match before stage 1.",
        "approve" => "Approved. Stage 1 can run now.",
        "run" => "Stage 1 done: each record below was copied, kept or left out.",
        "stage2" => "Stage 2 done: the NHS service history is below.",
        "remote" => "Transferred from the previous employer's deployment.",
        _ => return None,
    })
}

async fn report_page(
    state: &AppState,
    signed: &Signed,
    transfer_id: &str,
    errors: FormErrors,
    notice: Option<&'static str>,
) -> WebResult<Response> {
    let caller = signed.require(ROLES)?;
    let dataset = state.store.dataset(&caller.scope);
    let report = dataset.transfer_report(transfer_id).await?;
    let t = &report.transfer;
    let person = dataset.get_person(&t.person_id).await?;
    let names = Names::of(state, &caller).await;
    let mut details = vec![
        ("Previous employer", t.source_ods.as_str().to_owned()),
        ("Record there", t.source_person_id.clone()),
        ("Match", class_words(t.match_class).0.to_owned()),
        ("Proposed", format!("{} by {}", when(t.proposed_at), names.get(&t.proposed_by))),
    ];
    match (&t.approved_by, t.approved_at) {
        (Some(by), Some(at)) => details.push(("Approved", format!("{} by {}", when(at), names.get(by)))),
        _ => details.push(("Approved", "Not yet".to_owned())),
    }
    details.push(("Stage 1", t.stage1_at.map(when).unwrap_or_else(|| "Not run".to_owned())));
    details.push(("Stage 2", t.stage2_at.map(when).unwrap_or_else(|| "Not run".to_owned())));
    let lines = report
        .lines
        .iter()
        .map(|l| {
            let source = l.source_record_id.as_deref().map(|s| format!("from record {s} at {}", t.source_ods));
            let copy = l.record_id.as_deref().map(|r| format!("here {r}"));
            LineRow {
                item: l.item.replace([':', '_'], " "),
                kind: words(&l.kind),
                decision: match l.decision {
                    Decision::Copied => ("Copied", "nhsuk-tag--green"),
                    Decision::Kept => ("Kept", "nhsuk-tag--blue"),
                    Decision::Excluded => ("Left out", "nhsuk-tag--grey"),
                },
                reason: l.reason.clone(),
                provenance: [source, copy].into_iter().flatten().collect::<Vec<_>>().join("; "),
            }
        })
        .collect();
    let history = report
        .service_history
        .iter()
        .map(|e| {
            vec![
                format!("{} ({})", e.organisation_name, e.organisation_ods),
                e.role.clone(),
                long_date(e.start_date),
                e.end_date.map(long_date).unwrap_or_else(|| "In post".to_owned()),
            ]
        })
        .collect();
    let status = if errors.is_empty() { StatusCode::OK } else { StatusCode::UNPROCESSABLE_ENTITY };
    let page = ReportPage {
        chrome: signed.chrome(state, "/transfers").await,
        errors,
        notice,
        id: t.id.clone(),
        person_id: t.person_id.clone(),
        name: format!("{} {}", person.value.given_name, person.value.family_name),
        from: t.source_ods.as_str().to_owned(),
        status: status_tag(t.status),
        status_words: status_words(t),
        details,
        actions: Actions {
            approve: t.status == TransferStatus::Proposed,
            run: t.status == TransferStatus::Approved,
            stage2: t.status == TransferStatus::Stage1Done,
        },
        lines,
        history,
    };
    Ok((status, render(&page)).into_response())
}

#[derive(Debug, Default, Deserialize)]
struct SavedQuery {
    #[serde(default)]
    saved: String,
    #[serde(default)]
    after: Option<String>,
}

/// A transfer: where it stands, what each stage copied, kept or left out and why, where each copy
/// came from, the service history, and the actions open now. Roles: hr, admin.
async fn report(
    State(state): State<AppState>,
    signed: Signed,
    Path(transfer_id): Path<String>,
    Query(query): Query<SavedQuery>,
) -> WebResult<Response> {
    report_page(&state, &signed, &transfer_id, FormErrors::default(), saved_notice(&query.saved)).await
}

// ---- the queue ----------------------------------------------------------------------------------

#[derive(Template)]
#[template(path = "transfer_queue.html")]
struct QueuePage {
    chrome: Chrome,
    errors: FormErrors,
    notice: Option<&'static str>,
    waiting: Vec<TransferRow>,
    recent: Vec<TransferRow>,
    next: Option<String>,
}

/// The people the rows are about, by id, named in one read (each audited as read).
async fn people_named(
    state: &AppState,
    caller: &OrgCaller,
    ids: BTreeSet<String>,
) -> WebResult<HashMap<String, String>> {
    let mut people: Vec<NonCompliantPerson> = ids
        .into_iter()
        .map(|id| NonCompliantPerson {
            id,
            given_name: None,
            family_name: None,
            overall: ComplianceStatus::Missing,
            gaps: vec![],
        })
        .collect();
    state.store.dataset(&caller.scope).name_people(&mut people).await?;
    Ok(people
        .into_iter()
        .map(|p| {
            let name = format!("{} {}", p.given_name.unwrap_or_default(), p.family_name.unwrap_or_default());
            (p.id, name.trim().to_owned())
        })
        .collect())
}

async fn queue_page(
    state: &AppState,
    signed: &Signed,
    after: Option<String>,
    errors: FormErrors,
    notice: Option<&'static str>,
) -> WebResult<Response> {
    let caller = signed.require(ROLES)?;
    let dataset = state.store.dataset(&caller.scope);
    let waiting = dataset.list_transfers(Some(TransferStatus::Proposed), &Page::first(100)).await?;
    let recent =
        dataset.list_transfers(None, &Page { after: after.filter(|a| !a.is_empty()), limit: PAGE_SIZE }).await?;
    let ids = waiting.items.iter().chain(&recent.items).map(|t| t.person_id.clone()).collect();
    let named = people_named(state, &caller, ids).await?;
    let names = Names::of(state, &caller).await;
    let row = |t: &TransferSummary| transfer_row(t, named.get(&t.person_id).cloned().unwrap_or_default(), &names);
    let status = if errors.is_empty() { StatusCode::OK } else { StatusCode::UNPROCESSABLE_ENTITY };
    let page = QueuePage {
        chrome: signed.chrome(state, "/transfers").await,
        errors,
        notice,
        waiting: waiting.items.iter().map(row).collect(),
        recent: recent.items.iter().map(row).collect(),
        next: recent.next,
    };
    Ok((status, render(&page)).into_response())
}

/// Manual matches waiting for approval, and the organisation's transfers, newest first. Roles: hr,
/// admin.
async fn queue(State(state): State<AppState>, signed: Signed, Query(query): Query<SavedQuery>) -> WebResult<Response> {
    let notice = (query.saved == "approve").then_some("Approved. Stage 1 can run now.");
    queue_page(&state, &signed, query.after, FormErrors::default(), notice).await
}

#[derive(Debug, Default, Deserialize)]
struct ActionForm {
    #[serde(default)]
    csrf_token: String,
    /// `queue` when the action was taken from the queue (errors are shown there).
    #[serde(default)]
    back: String,
}

/// Approve a manual match (not its proposer), run stage 1, or run stage 2 now. Roles: hr, admin.
async fn transfer_action(
    State(state): State<AppState>,
    signed: Signed,
    Path((transfer_id, action)): Path<(String, String)>,
    Form(form): Form<ActionForm>,
) -> WebResult<Response> {
    signed.check_csrf(&form.csrf_token)?;
    let caller = signed.require(ROLES)?;
    let done = match action.as_str() {
        "approve" => approve_for(&state, &caller, &transfer_id).await.map(|_| ()),
        "run" => stage1_for(&state, &caller, &transfer_id).await.map(|_| ()),
        "stage2" => stage2_for(&state, &caller, &transfer_id).await.map(|_| ()),
        _ => return Err(WebError::NotFound),
    };
    let from_queue = form.back == "queue";
    match done {
        Ok(()) if from_queue => Ok(Redirect::to(&format!("/transfers?saved={action}")).into_response()),
        Ok(()) => Ok(Redirect::to(&format!("/transfers/{transfer_id}?saved={action}")).into_response()),
        Err(e) if from_queue => {
            let button = format!("{action}-{transfer_id}");
            let errors = refusal(e, |_| button.clone())?;
            queue_page(&state, &signed, None, errors, None).await
        }
        Err(e) => {
            // The approve button is there to link to; any other refusal is about the state shown.
            let errors = refusal(e, |field| if field == "approved_by" { "approve" } else { "state" }.to_owned())?;
            report_page(&state, &signed, &transfer_id, errors, None).await
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_refusal_reads_as_words_with_its_code() {
        assert_eq!(
            message("consent", "no_consent: the worker has not consented to a transfer"),
            "Consent: the worker has not consented to a transfer (no_consent)"
        );
        assert_eq!(
            message("evidence_ref", "is required for a paper consent (where the signed form is held)"),
            "Evidence reference is required for a paper consent (where the signed form is held)"
        );
        let same = ApiError::invalid("approved_by", TransferRefusal::SameApprover.message());
        let errors = refusal(same, person_anchor).unwrap();
        assert_eq!(errors.items[0].field, "transfers");
        assert_eq!(
            errors.items[0].message,
            "Approver: a manual match must be approved by someone other than its proposer (same_approver)"
        );
    }
}
