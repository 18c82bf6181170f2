//! Inter-authority transfer in the portal, for HR: a person's "Transfer in (IAT)" page (the
//! worker's consent and HR's paper statements, the earlier NHS records that match, taking the
//! automatic match or proposing a manual one, the transfers into the record, a transfer from another
//! deployment), a transfer's report (what was copied or kept and why, provenance, stage 2), and the
//! queue (manual matches waiting for a second user's approval, recent transfers).
//!
//! Every action goes through the API's own functions (`api::transfers::*_for`), so the consent,
//! match, approval and stage rules are theirs; a refusal (`no_consent`, `same_approver`, …) comes
//! back as the field it names, in words, in the NHS error summary. Roles: hr, admin.
//!
//! `person.rs` is the person's page, `report.rs` a transfer's report, the queue and the actions on a
//! transfer; this module holds what both say the same way (refusals in words, names, tags).

mod person;
mod report;

use std::collections::HashMap;

use axum::Router;
use chrono::{DateTime, Utc};
use domain::transfer::{MatchClass, MatchField, TransferRefusal, TransferStatus, TransferSummary};

use super::{FormErrors, WebError, long_date};
use crate::AppState;
use crate::error::ApiError;
use crate::extract::OrgCaller;

pub fn router() -> Router<AppState> {
    Router::new().merge(person::router()).merge(report::router())
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
        let errors = refusal(same, person::anchor).unwrap();
        assert_eq!(errors.items[0].field, "transfers");
        assert_eq!(
            errors.items[0].message,
            "Approver: a manual match must be approved by someone other than its proposer (same_approver)"
        );
    }
}
