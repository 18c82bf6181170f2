//! Compliance: how a person's record stands against a role's requirements, and the
//! organisation-wide summary.
//!
//! [`evaluate`] gives one [`RequirementResult`] per requirement, each met, due soon, expired or
//! missing, with a reason a person can act on. It is pure and cheap (no look-ups beyond the
//! person's own records and the catalogue's constant-time table), because it runs for every person
//! in an organisation at once. Stable requirement ids: `check:criminal_record`,
//! `competence:cstf:fire_safety:1`, `competence:local:SHARPS-1`, `immunisation:hepatitis_b`, `epp`.

mod evidence;
mod rules;
mod summary;

pub use evidence::{Evidence, ImmunityEvidence};
pub use summary::{NonCompliantPerson, OrgSummary, StatusCounts};

use std::borrow::Cow;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::assignment::Assignment;
use crate::checks::EmploymentCheck;
use crate::cstf::{Catalogue, Competence};
use crate::error::{FieldError, ValidationErrors, indexed};
use crate::immunisation::{Immunisation, OhClearance};
use crate::person::Person;
use crate::requirements::{Requirement, RoleRequirements};

/// Where one requirement stands. Ordered from best to worst, so the overall status is the maximum.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ComplianceStatus {
    Met,
    /// Met today, but expires within the caller's window.
    DueSoon,
    /// Was met, and has expired.
    Expired,
    /// Never met, or the evidence does not reach the required level.
    Missing,
}

impl ComplianceStatus {
    /// Met or due soon: the person may work in the role today.
    pub fn is_compliant(self) -> bool {
        matches!(self, ComplianceStatus::Met | ComplianceStatus::DueSoon)
    }

    pub fn as_str(self) -> &'static str {
        match self {
            ComplianceStatus::Met => "met",
            ComplianceStatus::DueSoon => "due_soon",
            ComplianceStatus::Expired => "expired",
            ComplianceStatus::Missing => "missing",
        }
    }
}

/// The outcome for one requirement.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct RequirementResult {
    /// Stable id, e.g. `check:criminal_record`. (`Cow` so that evaluating thousands of people
    /// does not allocate the same static ids over and over; it reads as a `&str`.)
    #[schema(value_type = String)]
    pub requirement: Cow<'static, str>,
    /// Human label, e.g. "Criminal record (DBS) check".
    #[schema(value_type = String)]
    pub label: Cow<'static, str>,
    pub status: ComplianceStatus,
    /// Last day the evidence counts, when it expires.
    pub expires_on: Option<NaiveDate>,
    /// Why, e.g. "DBS level standard is below the required enhanced_adults".
    pub reason: String,
}

/// A person's compliance with one role.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct PersonCompliance {
    /// The worst item status; `met` when the role requires nothing.
    pub overall: ComplianceStatus,
    pub items: Vec<RequirementResult>,
}

impl PersonCompliance {
    pub fn is_compliant(&self) -> bool {
        self.overall.is_compliant()
    }

    /// Items that stop the person working in the role.
    pub fn gaps(&self) -> impl Iterator<Item = &RequirementResult> {
        self.items.iter().filter(|i| !i.status.is_compliant())
    }
}

/// Everything compliance looks at for one person.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PersonRecord {
    pub person: Person,
    #[serde(default)]
    pub assignments: Vec<Assignment>,
    #[serde(default)]
    pub checks: Vec<EmploymentCheck>,
    #[serde(default)]
    pub competences: Vec<Competence>,
    #[serde(default)]
    pub immunisations: Vec<Immunisation>,
    #[serde(default)]
    pub oh_clearance: Option<OhClearance>,
}

impl PersonRecord {
    /// Validates every part, with paths from the record's root (`checks[2].details.issued_on`);
    /// `Ok` carries the person's warnings (`person.date_of_birth`).
    pub fn validate(&self, today: NaiveDate) -> Result<Vec<FieldError>, ValidationErrors> {
        let mut errors = ValidationErrors::new();
        let warnings = match self.person.validate(today) {
            Ok(warnings) => warnings.into_iter().map(|w| w.under("person")).collect(),
            Err(e) => {
                errors.merge("person", Err(e));
                Vec::new()
            }
        };
        for (i, a) in self.assignments.iter().enumerate() {
            errors.merge(&indexed("assignments", i), a.validate());
        }
        for (i, c) in self.checks.iter().enumerate() {
            errors.merge(&indexed("checks", i), c.validate(today));
        }
        for (i, c) in self.competences.iter().enumerate() {
            errors.merge(&indexed("competences", i), c.validate(today));
        }
        for (i, imm) in self.immunisations.iter().enumerate() {
            errors.merge(&indexed("immunisations", i), imm.validate(today));
        }
        if let Some(oh) = &self.oh_clearance {
            errors.merge("oh_clearance", oh.validate(today));
        }
        errors.into_result().map(|()| warnings)
    }
}

/// Evaluates `record` against `role` on `today`; anything expiring within `due_within_days`
/// days (inclusive) is due soon.
pub fn evaluate(
    record: &PersonRecord,
    role: &RoleRequirements,
    catalogue: &Catalogue,
    today: NaiveDate,
    due_within_days: u32,
) -> PersonCompliance {
    let window = rules::Window { today, due_within_days: i64::from(due_within_days) };
    let size = role.checks.len() + role.competences.len() + role.immunisations.len() + usize::from(role.epp_required);
    let mut items = Vec::with_capacity(size);
    items.extend(role.checks.iter().map(|req| rules::check(req, &record.checks, window)));
    items.extend(role.competences.iter().map(|req| rules::competence(req, &record.competences, catalogue, window)));
    if !role.immunisations.is_empty() {
        let immunities: Vec<ImmunityEvidence> = record
            .immunisations
            .iter()
            .filter(|i| role.immunisations.contains(&i.antigen))
            .map(ImmunityEvidence::of)
            .collect();
        items.extend(role.immunisations.iter().map(|antigen| rules::immunisation(*antigen, &immunities, window)));
    }
    if role.epp_required {
        items.push(rules::epp(record.oh_clearance.as_ref(), &record.checks, window));
    }
    let overall = items.iter().map(|i| i.status).max().unwrap_or(ComplianceStatus::Met);
    PersonCompliance { overall, items }
}

/// Decides one requirement on `evidence`, by the same rule [`evaluate`] applies to a person's
/// records: what a host does with the claims of presented credentials.
pub fn decide(
    requirement: &Requirement,
    evidence: &Evidence,
    catalogue: &Catalogue,
    today: NaiveDate,
    due_within_days: u32,
) -> RequirementResult {
    let window = rules::Window { today, due_within_days: i64::from(due_within_days) };
    match requirement {
        Requirement::Check(req) => rules::check(req, &evidence.checks, window),
        Requirement::Competence(req) => rules::competence(req, &evidence.competences, catalogue, window),
        Requirement::Immunisation(antigen) => rules::immunisation(*antigen, &evidence.immunities, window),
        Requirement::Epp => rules::epp(evidence.oh_clearance.as_ref(), &evidence.checks, window),
    }
}

/// The label of the EPP requirement, as compliance results give it.
pub const EPP_LABEL: &str = rules::EPP_LABEL;

#[cfg(test)]
mod tests;
