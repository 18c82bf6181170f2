//! The host's side: whether the claims a worker presented meet one requirement of a role, by the
//! compliance rules the issuer applies to its own records ([`crate::compliance::decide`]). The
//! claims are read back as the records they describe, so every field of the requirement is
//! decided exactly as compliance decides it (DBS level and age, assurance level, history period,
//! registration status and renewal, competence level and refresher, immunity, EPP clearance).

use chrono::NaiveDate;

use super::claims::CredentialClaims;
use crate::checks::CheckKind;
use crate::compliance::{Evidence, RequirementResult, decide};
use crate::cstf::Catalogue;
use crate::requirements::Requirement;

/// A requirement decided from presented claims.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Readiness {
    /// The compliance rule's result (status, expiry and its reason).
    pub result: RequirementResult,
}

impl Readiness {
    /// Met today (due soon counts).
    pub fn met(&self) -> bool {
        self.result.status.is_compliant()
    }

    /// Why not met, when not: the rule's own words.
    pub fn reason(&self) -> Option<&str> {
        (!self.met()).then_some(self.result.reason.as_str())
    }
}

/// Why a requirement could not be decided from what was presented.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Undecided {
    /// The credential was presented without the claim the requirement reads.
    #[error("claims_missing: {0}")]
    NotDisclosed(&'static str),
    /// A claim did not read as its type.
    #[error("claims_invalid: {0}")]
    Invalid(String),
}

/// The claim a requirement is decided on, when the credential was presented without it.
fn missing_claim(requirement: &Requirement, claims: &CredentialClaims) -> Option<&'static str> {
    use CredentialClaims as C;
    let (name, present) = match (requirement, claims) {
        (Requirement::Check(r), C::Identity(c)) if r.kind == CheckKind::Identity => ("identity", c.identity.is_some()),
        (Requirement::Check(r), C::Identity(c)) if r.kind == CheckKind::RightToWork => {
            ("right_to_work", c.right_to_work.is_some())
        }
        (Requirement::Check(_), C::Registration(c)) => ("registration", c.registration.is_some()),
        (Requirement::Check(_), C::Dbs(c)) => ("dbs", c.dbs.is_some()),
        (Requirement::Check(_), C::EmploymentHistory(c)) => ("employment_history", c.employment_history.is_some()),
        (Requirement::Check(_), C::OccupationalHealth(c)) => ("work_health", c.work_health.is_some()),
        (Requirement::Competence(_), C::Training(c)) => ("competences", c.competences.is_some()),
        (Requirement::Immunisation(_), C::OccupationalHealth(c)) => ("immunisations", c.immunisations.is_some()),
        (Requirement::Epp, C::OccupationalHealth(c)) => {
            ("oh_clearance", c.oh_clearance.is_some() || c.work_health.is_some())
        }
        _ => return None,
    };
    (!present).then_some(name)
}

/// Decides `requirement` on the claims presented for it, on `today`; `due_within_days` as in
/// compliance (due soon still counts as met).
pub fn decide_presented(
    requirement: &Requirement,
    presented: &[CredentialClaims],
    catalogue: &Catalogue,
    today: NaiveDate,
    due_within_days: u32,
) -> Result<Readiness, Undecided> {
    let mut evidence = Evidence::default();
    for claims in presented {
        if let Some(missing) = missing_claim(requirement, claims) {
            return Err(Undecided::NotDisclosed(missing));
        }
        claims.add_evidence(&mut evidence).map_err(|e| Undecided::Invalid(e.0))?;
    }
    Ok(Readiness { result: decide(requirement, &evidence, catalogue, today, due_within_days) })
}
