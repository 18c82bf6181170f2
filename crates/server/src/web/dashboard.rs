//! The compliance dashboard: people by overall status, people in each role by status, the gaps by CSTF
//! subject and by kind of requirement (server-rendered SVG charts, each with its table), the
//! non-compliant people by name with every gap named, and the checks and training that expire in the
//! next 30, 60 and 90 days (NHS tabs; without script, three sections one after another).
//!
//! Every figure comes from the store in a fixed number of queries, whatever the number of people.

use std::collections::BTreeMap;

use askama::Template;
use axum::Router;
use axum::extract::State;
use axum::response::Response;
use axum::routing::get;
use domain::cstf::CstfSubject;

use super::charts::{self, GREEN, ORANGE, RED, YELLOW};
use super::{Chrome, Signed, WebResult, render};
use crate::AppState;

/// Non-compliant people listed by name (named in one read; each name is audited).
const LISTED: usize = 50;
/// Expiring records listed at most (the soonest first).
const EXPIRING_LISTED: u32 = 300;
/// The expiry windows, in days.
const WINDOWS: [u32; 3] = [30, 60, 90];

pub fn router() -> Router<AppState> {
    Router::new().route("/dashboard", get(dashboard))
}

struct ExpiringRow {
    person_id: String,
    name: String,
    what: String,
    expires: String,
    days: i64,
}

/// One expiry window: records expiring from today to some days ahead (each window holds the shorter ones).
struct Window {
    id: &'static str,
    title: String,
    rows: Vec<ExpiringRow>,
}

struct RoleRow {
    role: String,
    met: usize,
    due_soon: usize,
    expired: usize,
    missing: usize,
}

struct Gapped {
    id: String,
    name: String,
    status: (&'static str, &'static str),
    gaps: Vec<String>,
}

#[derive(Template)]
#[template(path = "dashboard.html")]
struct DashboardPage {
    chrome: Chrome,
    people: usize,
    compliant: usize,
    status_chart: String,
    status_rows: Vec<(String, usize)>,
    subject_chart: String,
    subject_rows: Vec<(String, usize)>,
    role_chart: String,
    role_rows: Vec<RoleRow>,
    windows: Vec<Window>,
    expiring_capped: bool,
    kind_rows: Vec<(String, usize)>,
    non_compliant: usize,
    listed: Vec<Gapped>,
    due_days: u32,
}

/// A gap's requirement id in words: `competence:cstf:fire_safety:1` → "Fire Safety level 1".
fn gap_words(gap: &str) -> String {
    let parts: Vec<&str> = gap.split(':').collect();
    match parts.as_slice() {
        ["competence", "cstf", subject, level] => match CstfSubject::parse(subject) {
            Ok(s) => format!("{} level {level}", s.name()),
            Err(_) => gap.to_owned(),
        },
        [kind, rest @ ..] => format!("{} {}", kind.replace('_', " "), rest.join(" ").replace('_', " ")),
        _ => gap.to_owned(),
    }
}

/// The compliance dashboard of the caller's organisation. Roles: hr, training, occupational_health.
async fn dashboard(State(state): State<AppState>, signed: Signed) -> WebResult<Response> {
    let caller = signed.require(super::people::READERS)?;
    let dataset = state.store.dataset(&caller.scope);
    let summary = dataset.compliance_summary(state.today(), state.due_within_days).await?;
    let s = &summary.by_status;
    let status_rows = vec![
        ("Met".to_owned(), s.met, GREEN),
        (format!("Due within {} days", state.due_within_days), s.due_soon, YELLOW),
        ("Expired".to_owned(), s.expired, RED),
        ("Missing".to_owned(), s.missing, ORANGE),
    ];
    let mut by_subject: BTreeMap<&'static str, usize> = BTreeMap::new();
    let mut by_kind: BTreeMap<String, usize> = BTreeMap::new();
    for person in &summary.non_compliant {
        for gap in &person.gaps {
            let mut parts = gap.split(':');
            let kind = parts.next().unwrap_or_default();
            *by_kind.entry(kind.replace('_', " ")).or_default() += 1;
            if kind == "competence"
                && parts.next() == Some("cstf")
                && let Some(subject) = parts.next().and_then(|s| CstfSubject::parse(s).ok())
            {
                *by_subject.entry(subject.name()).or_default() += 1;
            }
        }
    }
    let subject_rows: Vec<(String, usize, &str)> = CstfSubject::ALL
        .iter()
        .map(|s| (s.name().to_owned(), by_subject.get(s.name()).copied().unwrap_or(0), RED))
        .collect();
    let mut named: Vec<_> = summary.non_compliant.iter().take(LISTED).cloned().collect();
    dataset.name_people(&mut named).await?;
    let listed = named
        .into_iter()
        .map(|person| Gapped {
            name: match (&person.family_name, &person.given_name) {
                (Some(family), Some(given)) => format!("{family}, {given}"),
                _ => person.id.clone(),
            },
            status: super::people::status_tag(person.overall),
            gaps: person.gaps.iter().map(|g| gap_words(g)).collect(),
            id: person.id,
        })
        .collect();
    let today = state.today();
    let by_role = dataset.compliance_by_role(today).await?;
    let role_bars: Vec<(String, usize, &str)> = by_role
        .iter()
        .flat_map(|r| {
            [
                (format!("{}: compliant", r.role), r.met + r.due_soon, GREEN),
                (format!("{}: not compliant", r.role), r.expired + r.missing, RED),
            ]
        })
        .collect();
    let role_rows = by_role
        .into_iter()
        .map(|r| RoleRow { role: r.role, met: r.met, due_soon: r.due_soon, expired: r.expired, missing: r.missing })
        .collect();
    let horizon = WINDOWS[WINDOWS.len() - 1];
    let expiring = dataset.expiring(today, horizon, EXPIRING_LISTED).await?;
    let expiring_capped = expiring.len() as u32 >= EXPIRING_LISTED;
    let mut windows: Vec<Window> = Vec::new();
    for to in WINDOWS {
        let rows = expiring
            .iter()
            .map(|e| (e, (e.expires_on - today).num_days()))
            .filter(|(_, days)| *days <= i64::from(to))
            .map(|(e, days)| ExpiringRow {
                person_id: e.person_id.clone(),
                name: format!("{}, {}", e.family_name, e.given_name),
                what: e.label.clone(),
                expires: super::long_date(e.expires_on),
                days,
            })
            .collect();
        let id = match to {
            30 => "expiring-30",
            60 => "expiring-60",
            _ => "expiring-90",
        };
        windows.push(Window { id, title: format!("Next {to} days"), rows });
    }
    let page = DashboardPage {
        chrome: signed.chrome(&state, "/dashboard").await,
        people: summary.people,
        compliant: summary.compliant,
        status_chart: charts::bars("status-chart", "People by overall compliance status", &status_rows),
        status_rows: status_rows.iter().map(|(l, v, _)| (l.clone(), *v)).collect(),
        subject_chart: charts::bars("subject-chart", "Gaps by CSTF subject", &subject_rows),
        subject_rows: subject_rows.iter().map(|(l, v, _)| (l.clone(), *v)).collect(),
        role_chart: charts::bars("role-chart", "People compliant and not compliant in each role", &role_bars),
        role_rows,
        windows,
        expiring_capped,
        kind_rows: by_kind.into_iter().collect(),
        non_compliant: summary.non_compliant.len(),
        listed,
        due_days: state.due_within_days,
    };
    Ok(render(&page))
}

#[cfg(test)]
mod tests {
    use super::gap_words;

    #[test]
    fn gaps_are_named_in_words() {
        assert_eq!(gap_words("competence:cstf:fire_safety:1"), "Fire Safety level 1");
        assert_eq!(gap_words("check:criminal_record"), "check criminal record");
    }
}
