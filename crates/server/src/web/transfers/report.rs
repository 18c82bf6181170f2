//! A transfer's report (where it stands, each record copied, kept or left out and why, where it came
//! from, the service history), the queue (manual matches waiting for approval, every transfer), and
//! the actions on a transfer (approve, stage 1, stage 2). Roles: hr, admin.

use std::collections::{BTreeSet, HashMap};

use askama::Template;
use axum::Router;
use axum::extract::{Form, Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use domain::compliance::{ComplianceStatus, NonCompliantPerson};
use domain::transfer::{Decision, TransferStatus, TransferSummary};
use serde::Deserialize;
use store::Page;

use super::{Names, TransferRow, class_words, refusal, status_tag, transfer_row, when};
use crate::AppState;
use crate::api::transfers::{ROLES, approve_for, stage1_for, stage2_for};
use crate::extract::OrgCaller;
use crate::web::people::words;
use crate::web::{Chrome, FormErrors, Signed, WebError, WebResult, long_date, render};

const PAGE_SIZE: u32 = 25;

pub(super) fn router() -> Router<AppState> {
    Router::new()
        .route("/transfers", get(queue))
        .route("/transfers/{transfer_id}", get(show))
        .route("/transfers/{transfer_id}/{action}", post(act))
}

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
async fn show(
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
async fn act(
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
