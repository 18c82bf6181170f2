//! Whether a workforce sharing agreement covers a visiting worker for a role at a host: what a
//! host's ready-to-work answer says when the role needs an agreement for temporary staff. It names
//! the deployment that covers the worker, or why none does (none at all, not started, awaiting a
//! signature, ended, withdrawn).
//!
//! The worker is recognised by what their presentation proves: the employer is the organisation
//! that issued the presented credentials, and the holder key they are bound to is the key the
//! worker signed the deployment with. Before the worker has signed, the deployment's names stand
//! in for the key, which is enough to say "awaiting your signature" but never enough to cover.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::{AgreementBody, AgreementDocument, AgreementState, Deployment, Lifecycle, Period, SignerRole};
use crate::org::OdsCode;

/// What the host knows of the worker from their presentation.
#[derive(Debug, Clone, Copy)]
pub struct Presenter<'a> {
    /// The organisation that issued the presented credentials: the worker's employer.
    pub employer: &'a OdsCode,
    /// The JWK thumbprint of the holder key the presented credentials are bound to.
    pub holder: Option<&'a str>,
    pub given_name: Option<&'a str>,
    pub family_name: Option<&'a str>,
}

/// One stored agreement version the host is party to.
#[derive(Debug, Clone, Copy)]
pub struct Candidate<'a> {
    pub document: &'a AgreementDocument,
    pub lifecycle: &'a Lifecycle,
}

/// How the worker stands, best first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum CoverStatus {
    /// The host employs the worker: no agreement is needed.
    OwnStaff,
    /// An active deployment, signed by all three parties, covers the worker for the role today.
    Covered,
    /// Signed by all, but its period has not started.
    NotStarted,
    /// Proposed, and a party (perhaps the worker) has not signed.
    AwaitingSignatures,
    /// Its period is over.
    Ended,
    /// A party withdrew it.
    Withdrawn,
    /// No deployment with the worker's employer names this worker for this role.
    None,
}

/// The agreement part of a ready-to-work answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct AgreementCover {
    pub status: CoverStatus,
    /// Whether the worker may work the role here as far as agreements go.
    pub covered: bool,
    /// The deployment named (the covering one, or the nearest to covering).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub agreement_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub period: Option<Period>,
    /// In words, for the host's page.
    pub reason: String,
}

impl AgreementCover {
    /// Not covered, for want of anything to decide on (say, no credential named the employer).
    pub fn none(reason: impl Into<String>) -> Self {
        Self::without(CoverStatus::None, reason.into())
    }

    fn without(status: CoverStatus, reason: String) -> Self {
        AgreementCover {
            status,
            covered: status == CoverStatus::OwnStaff,
            agreement_id: None,
            version: None,
            period: None,
            reason,
        }
    }
}

/// Whether the worker's passport holder key, or before they signed their names, are this deployment's.
fn names_the_worker(deployment: &Deployment, lifecycle: &Lifecycle, presenter: &Presenter) -> bool {
    let signed_with = lifecycle.signatures.iter().find(|s| s.signer == SignerRole::Worker).map(|s| s.holder.as_deref());
    match signed_with {
        Some(Some(key)) => presenter.holder == Some(key),
        // Not signed by the worker yet (or signed before keys were recorded): the names decide.
        _ => {
            let same = |a: &str, b: Option<&str>| b.is_some_and(|b| a.trim().eq_ignore_ascii_case(b.trim()));
            same(&deployment.worker.given_name, presenter.given_name)
                && same(&deployment.worker.family_name, presenter.family_name)
        }
    }
}

fn describe(id: &str, state: &AgreementState, period: Period) -> (CoverStatus, String) {
    match state {
        AgreementState::Active => {
            (CoverStatus::Covered, format!("covered by deployment {id}, {} to {}", period.start, period.end))
        }
        AgreementState::Signed => (CoverStatus::NotStarted, format!("deployment {id} starts on {}", period.start)),
        AgreementState::Proposed { awaiting } => {
            let who: Vec<String> = awaiting.iter().map(ToString::to_string).collect();
            (CoverStatus::AwaitingSignatures, format!("deployment {id} awaits the signature of {}", who.join(" and ")))
        }
        AgreementState::Ended => (CoverStatus::Ended, format!("deployment {id} ended on {}", period.end)),
        AgreementState::Withdrawn { by, reason } => {
            (CoverStatus::Withdrawn, format!("deployment {id} was withdrawn by {by}: {reason}"))
        }
        // Callers drop drafts and superseded versions before describing.
        AgreementState::Draft | AgreementState::Superseded { .. } => {
            (CoverStatus::None, format!("deployment {id} is not in force"))
        }
    }
}

/// How `presenter` stands at `host` for `role_code` on `today`, given the host's agreements.
pub fn cover(
    host: &OdsCode,
    role_code: &str,
    presenter: &Presenter,
    candidates: &[Candidate],
    today: NaiveDate,
) -> AgreementCover {
    if presenter.employer == host {
        return AgreementCover::without(CoverStatus::OwnStaff, "employed here: no agreement is needed".into());
    }
    let best = candidates
        .iter()
        .filter_map(|c| {
            let AgreementBody::Deployment(d) = &c.document.body else { return None };
            let applies = &d.host.ods_code == host
                && &d.employer.ods_code == presenter.employer
                && d.roles.iter().any(|r| r == role_code)
                && names_the_worker(d, c.lifecycle, presenter);
            let state = c.lifecycle.state(c.document, today);
            let in_force = !matches!(state, AgreementState::Draft | AgreementState::Superseded { .. });
            (applies && in_force).then(|| (describe(&c.document.id, &state, d.period), c, d.period))
        })
        // Best status first; among equals the latest period.
        .min_by(|a, b| a.0.0.cmp(&b.0.0).then(b.2.end.cmp(&a.2.end)));
    match best {
        Some(((status, reason), c, period)) => AgreementCover {
            status,
            covered: status == CoverStatus::Covered,
            agreement_id: Some(c.document.id.clone()),
            version: Some(c.document.version),
            period: Some(period),
            reason,
        },
        None => AgreementCover::without(
            CoverStatus::None,
            format!("no workforce sharing agreement with {} covers this worker for {role_code}", presenter.employer),
        ),
    }
}

#[cfg(test)]
mod tests {
    use chrono::{TimeZone, Utc};

    use super::*;
    use crate::agreement::tests::deployment;
    use crate::agreement::{Signature, Withdrawal};

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    fn ods(code: &str) -> OdsCode {
        OdsCode::parse(code).unwrap()
    }

    /// Proposed and signed by both organisations and, when `worker_key` is given, the worker.
    fn signed(worker_key: Option<&str>) -> Lifecycle {
        let at = Utc.with_ymd_and_hms(2026, 12, 1, 9, 0, 0).unwrap();
        let mut life = Lifecycle { proposed_at: Some(at), ..Default::default() };
        life.signatures.push(Signature::by(SignerRole::Organisation(ods("RJ1")), at));
        life.signatures.push(Signature::by(SignerRole::Organisation(ods("RJZ")), at));
        if let Some(key) = worker_key {
            life.signatures.push(Signature { signer: SignerRole::Worker, signed_at: at, holder: Some(key.into()) });
        }
        life
    }

    fn ada<'a>(employer: &'a OdsCode, key: &'a str) -> Presenter<'a> {
        Presenter { employer, holder: Some(key), given_name: Some("ada"), family_name: Some("OKAFOR") }
    }

    fn run(
        doc: &AgreementDocument,
        life: &Lifecycle,
        presenter: &Presenter,
        role: &str,
        today: NaiveDate,
    ) -> AgreementCover {
        cover(&ods("RJZ"), role, presenter, &[Candidate { document: doc, lifecycle: life }], today)
    }

    #[test]
    fn an_active_deployment_signed_with_the_presenting_key_covers_and_is_named() {
        let (doc, life, rj1) = (deployment(), signed(Some("key-1")), ods("RJ1"));
        let c = run(&doc, &life, &ada(&rj1, "key-1"), "BANK-RN", d(2027, 2, 1));
        assert_eq!(c.status, CoverStatus::Covered);
        assert!(c.covered);
        assert_eq!(c.agreement_id.as_deref(), Some(doc.id.as_str()));
        assert_eq!(c.period, Some(Period { start: d(2027, 1, 4), end: d(2027, 3, 31) }));
        assert!(c.reason.contains("2027-03-31"), "{}", c.reason);
    }

    #[test]
    fn another_key_another_role_or_another_employer_is_not_covered() {
        let (doc, life, rj1, rxx) = (deployment(), signed(Some("key-1")), ods("RJ1"), ods("RXX"));
        let day = d(2027, 2, 1);
        for (presenter, role) in
            [(ada(&rj1, "key-2"), "BANK-RN"), (ada(&rj1, "key-1"), "THEATRES-RN"), (ada(&rxx, "key-1"), "BANK-RN")]
        {
            let c = run(&doc, &life, &presenter, role, day);
            assert_eq!(c.status, CoverStatus::None, "{presenter:?} {role}");
            assert!(!c.covered);
            assert_eq!(c.agreement_id, None);
        }
    }

    #[test]
    fn each_state_short_of_active_is_named_and_does_not_cover() {
        let (doc, rj1) = (deployment(), ods("RJ1"));
        let key = ada(&rj1, "key-1");
        let before = run(&doc, &signed(Some("key-1")), &key, "BANK-RN", d(2027, 1, 3));
        assert_eq!((before.status, before.covered), (CoverStatus::NotStarted, false));
        assert!(before.reason.contains("starts on 2027-01-04"), "{}", before.reason);

        let after = run(&doc, &signed(Some("key-1")), &key, "BANK-RN", d(2027, 4, 1));
        assert_eq!((after.status, after.covered), (CoverStatus::Ended, false));
        assert!(after.reason.contains("ended on 2027-03-31"), "{}", after.reason);

        // Before the worker signs, their names find the deployment: awaiting, never covering.
        let awaiting = run(&doc, &signed(None), &key, "BANK-RN", d(2027, 2, 1));
        assert_eq!((awaiting.status, awaiting.covered), (CoverStatus::AwaitingSignatures, false));
        assert!(awaiting.reason.contains("the worker"), "{}", awaiting.reason);

        let mut withdrawn = signed(Some("key-1"));
        let at = Utc.with_ymd_and_hms(2027, 1, 20, 9, 0, 0).unwrap();
        let by = SignerRole::Organisation(ods("RJZ"));
        withdrawn.withdrawal = Some(Withdrawal { by, reason: "ward closed".into(), at });
        let w = run(&doc, &withdrawn, &key, "BANK-RN", d(2027, 2, 1));
        assert_eq!((w.status, w.covered), (CoverStatus::Withdrawn, false));
        assert!(w.reason.contains("ward closed"), "{}", w.reason);

        // A draft was never proposed, and a superseded version is replaced: neither is named.
        let draft = run(&doc, &Lifecycle::default(), &key, "BANK-RN", d(2027, 2, 1));
        assert_eq!(draft.status, CoverStatus::None);
        let superseded = Lifecycle { superseded_by: Some(2), ..signed(Some("key-1")) };
        assert_eq!(run(&doc, &superseded, &key, "BANK-RN", d(2027, 2, 1)).status, CoverStatus::None);
    }

    #[test]
    fn the_best_of_several_versions_wins_and_own_staff_need_none() {
        let (old, rj1) = (deployment(), ods("RJ1"));
        let mut amendment = deployment();
        amendment.version = 2;
        let AgreementBody::Deployment(body) = &mut amendment.body else { unreachable!() };
        body.period.end = d(2027, 6, 30);
        // The amendment awaits the worker; the first version still covers.
        let (old_life, new_life) = (signed(Some("key-1")), signed(None));
        let candidates = [
            Candidate { document: &amendment, lifecycle: &new_life },
            Candidate { document: &old, lifecycle: &old_life },
        ];
        let c = cover(&ods("RJZ"), "BANK-RN", &ada(&rj1, "key-1"), &candidates, d(2027, 2, 1));
        assert_eq!((c.status, c.version), (CoverStatus::Covered, Some(1)));

        let rjz = ods("RJZ");
        let own = cover(&rjz, "BANK-RN", &ada(&rjz, "key-9"), &[], d(2027, 2, 1));
        assert_eq!((own.status, own.covered), (CoverStatus::OwnStaff, true));
    }
}
