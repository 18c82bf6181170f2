//! Who used the worker's data: every read, change, credential issue, presentation to a host and transfer of
//! their records in every organisation holding one, from those organisations' audit chains, newest first,
//! with the organisation, the role of whoever did it (never their name) and the time.

use askama::Template;
use axum::Router;
use axum::extract::State;
use axum::response::Response;
use axum::routing::get;
use store::{AccessActor, Role};

use super::Worker;
use crate::AppState;
use crate::web::{Chrome, WebResult, render};

pub fn router() -> Router<AppState> {
    Router::new().route("/me/access-log", get(access_log))
}

/// An audited action in words; actions without an entry here are shown by their code in words.
fn describe(action: &str) -> String {
    let known = match action {
        "person.read" => "Read your record",
        "person.create" => "Created your record",
        "person.update" => "Changed your personal details",
        "person.update_contact" => "Changed your contact details",
        "self_service.read" => "Viewed your record in self-service",
        "compliance.read" => "Read your compliance",
        "audit.read" => "Read who used your data",
        "contact_history.read" => "Read the history of your contact details",
        "credential.issue" => "Issued a passport credential to your wallet",
        "credential.revoke" => "Revoked a passport credential",
        "credential.read" | "credential.list" => "Read your passport credentials",
        "credential_offer.create" => "Made an offer of credentials for your wallet",
        "credential_offer.fetch" => "Your wallet fetched a credential offer",
        "credential.presented" => "Checked passport credentials you presented",
        "presentation.review" => "Reviewed credentials you presented",
        "presentation.review.read" => "Read the review of credentials you presented",
        "iat.match" | "iat.matched" => "Matched your record for an inter-authority transfer",
        "transfer.approved" => "Approved a transfer of your records",
        "transfer.released" | "transfer.released_history" => "Released your records to a new employer",
        "transfer.read" | "transfer.list" => "Read transfers of your records",
        "transfer.consent_read" => "Read your consent to transfers",
        "service_history.read" => "Read your service history",
        "oh_clearance.set" => "Recorded an occupational health clearance",
        "oh_clearance.read" => "Read your occupational health clearance",
        "worker_invitation.create" => "Invited you to self-service",
        "worker.link" => "Linked your record to this account",
        "agreement.create" => "Proposed a sharing agreement naming you",
        _ => "",
    };
    if !known.is_empty() {
        return known.to_owned();
    }
    // Child records are audited `<noun>.<verb>` (`employment_check.create`, `competence.update`, …).
    let (noun, verb) = action.rsplit_once('.').unwrap_or((action, ""));
    let noun = noun.replace(['.', '_'], " ");
    match verb {
        "create" => format!("Recorded your {noun}"),
        "update" => format!("Changed your {noun}"),
        "delete" => format!("Removed your {noun}"),
        "read" | "list" => format!("Read your {noun}"),
        _ => {
            let words = action.replace(['.', '_'], " ");
            let mut chars = words.chars();
            chars.next().map(|c| c.to_uppercase().chain(chars).collect()).unwrap_or_default()
        }
    }
}

fn roles_text(roles: &[Role]) -> String {
    let names: Vec<String> = roles.iter().map(|r| r.as_str().replace('_', " ")).collect();
    if names.is_empty() { "no role".to_owned() } else { names.join(", ") }
}

struct EntryRow {
    at: String,
    organisation: String,
    who: String,
    what: String,
}

#[derive(Template)]
#[template(path = "me_access.html")]
struct AccessPage {
    chrome: Chrome,
    entries: Vec<EntryRow>,
}

/// Who read, changed, issued from or transferred your records, newest first. Role: worker.
async fn access_log(State(state): State<AppState>, worker: Worker) -> WebResult<Response> {
    let log = state.store.me(&worker.scope).access_log().await?;
    let entries = log
        .into_iter()
        .map(|e| EntryRow {
            at: e.at.format("%-d %B %Y, %H:%M UTC").to_string(),
            organisation: format!("{} ({})", e.organisation, e.ods_code),
            who: match e.actor {
                AccessActor::You => "You".to_owned(),
                AccessActor::Staff { roles } => format!("Staff: {}", roles_text(&roles)),
                AccessActor::OtherOrganisation { ods_code, roles } => {
                    format!("Staff of {ods_code}: {}", roles_text(&roles))
                }
                AccessActor::System { reason } => format!("The system ({reason})"),
            },
            what: describe(&e.action),
        })
        .collect();
    Ok(render(&AccessPage { chrome: worker.chrome("/me/access-log"), entries }))
}

#[cfg(test)]
mod tests {
    use super::describe;

    #[test]
    fn actions_read_as_words_known_or_not() {
        assert_eq!(describe("person.read"), "Read your record");
        assert_eq!(describe("employment_check.create"), "Recorded your employment check");
        assert_eq!(describe("competence.delete"), "Removed your competence");
        assert_eq!(describe("iat.stage2_something"), "Iat stage2 something");
        assert_eq!(describe(""), "");
    }
}
