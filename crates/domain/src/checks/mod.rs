//! The six NHS Employment Check Standards as typed records (domain.md §3).
//!
//! An [`EmploymentCheck`] is the common envelope (outcome, dates, who checked, evidence reference)
//! around [`CheckDetails`], one typed struct per standard. JSON shape:
//!
//! ```json
//! {"details": {"kind": "criminal_record", "level": "enhanced_adults",
//!              "certificate_number": "001234567890", "issued_on": "2025-01-10",
//!              "workforce": "adult"},
//!  "outcome": "clear", "completed_on": "2025-01-14", "checked_by": "j.smith",
//!  "evidence_ref": "HR-2025-0142", "expires_on": null, "notes": null}
//! ```
//!
//! `details` is internally tagged by `kind` (snake_case of [`CheckKind`]). Recheck policy (e.g. DBS
//! every three years) is not decided here: callers pass it as `max_age_months`.

mod dbs;
mod history;
mod identity;
mod registration;
mod right_to_work;
mod work_health;

pub use dbs::{DbsCertificateNumber, DbsCheck, DbsLevel, DbsWorkforce, UpdateService};
pub use history::{EmploymentHistoryCheck, Reference};
pub use identity::{AssuranceLevel, IdentityCheck, IdentityDocument, IdentityRoute};
pub use registration::ProfessionalRegistrationCheck;
pub use right_to_work::{RightToWorkCheck, RightToWorkPermission, RightToWorkRoute};
pub use work_health::{EppClearance, FitnessOutcome, WorkHealthCheck};

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::dates::add_months;
use crate::error::ValidationErrors;
use crate::newtype::{check_optional_text, check_text, not_future};

/// Which of the six standards a check belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum CheckKind {
    Identity,
    RightToWork,
    ProfessionalRegistration,
    EmploymentHistory,
    CriminalRecord,
    WorkHealth,
}

impl CheckKind {
    pub const ALL: [CheckKind; 6] = [
        CheckKind::Identity,
        CheckKind::RightToWork,
        CheckKind::ProfessionalRegistration,
        CheckKind::EmploymentHistory,
        CheckKind::CriminalRecord,
        CheckKind::WorkHealth,
    ];

    /// Stable key, the JSON name: `criminal_record`.
    pub fn key(self) -> &'static str {
        match self {
            CheckKind::Identity => "identity",
            CheckKind::RightToWork => "right_to_work",
            CheckKind::ProfessionalRegistration => "professional_registration",
            CheckKind::EmploymentHistory => "employment_history",
            CheckKind::CriminalRecord => "criminal_record",
            CheckKind::WorkHealth => "work_health",
        }
    }

    /// Stable id of the requirement in compliance results: `check:criminal_record`.
    pub fn requirement_id(self) -> &'static str {
        match self {
            CheckKind::Identity => "check:identity",
            CheckKind::RightToWork => "check:right_to_work",
            CheckKind::ProfessionalRegistration => "check:professional_registration",
            CheckKind::EmploymentHistory => "check:employment_history",
            CheckKind::CriminalRecord => "check:criminal_record",
            CheckKind::WorkHealth => "check:work_health",
        }
    }

    /// The label as it reads mid-sentence: "no criminal record (DBS) check recorded".
    pub fn phrase(self) -> &'static str {
        match self {
            CheckKind::Identity => "identity check",
            CheckKind::RightToWork => "right to work check",
            CheckKind::ProfessionalRegistration => "professional registration check",
            CheckKind::EmploymentHistory => "employment history and references check",
            CheckKind::CriminalRecord => "criminal record (DBS) check",
            CheckKind::WorkHealth => "work health assessment",
        }
    }

    /// Human label.
    pub fn label(self) -> &'static str {
        match self {
            CheckKind::Identity => "Identity check",
            CheckKind::RightToWork => "Right to work check",
            CheckKind::ProfessionalRegistration => "Professional registration check",
            CheckKind::EmploymentHistory => "Employment history and references",
            CheckKind::CriminalRecord => "Criminal record (DBS) check",
            CheckKind::WorkHealth => "Work health assessment",
        }
    }
}

/// The typed details of one check; JSON is tagged by `kind`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum CheckDetails {
    Identity(IdentityCheck),
    RightToWork(RightToWorkCheck),
    ProfessionalRegistration(ProfessionalRegistrationCheck),
    EmploymentHistory(EmploymentHistoryCheck),
    CriminalRecord(DbsCheck),
    WorkHealth(WorkHealthCheck),
}

impl CheckDetails {
    pub fn kind(&self) -> CheckKind {
        match self {
            CheckDetails::Identity(_) => CheckKind::Identity,
            CheckDetails::RightToWork(_) => CheckKind::RightToWork,
            CheckDetails::ProfessionalRegistration(_) => CheckKind::ProfessionalRegistration,
            CheckDetails::EmploymentHistory(_) => CheckKind::EmploymentHistory,
            CheckDetails::CriminalRecord(_) => CheckKind::CriminalRecord,
            CheckDetails::WorkHealth(_) => CheckKind::WorkHealth,
        }
    }

    fn validate(&self, today: NaiveDate) -> Result<(), ValidationErrors> {
        match self {
            CheckDetails::Identity(d) => d.validate(),
            CheckDetails::RightToWork(d) => d.validate(),
            CheckDetails::ProfessionalRegistration(d) => d.validate(),
            CheckDetails::EmploymentHistory(d) => d.validate(today),
            CheckDetails::CriminalRecord(d) => d.validate(today),
            CheckDetails::WorkHealth(d) => d.validate(today),
        }
    }

    /// The date the details themselves stop counting, if they carry one.
    fn inherent_expiry(&self) -> Option<NaiveDate> {
        match self {
            CheckDetails::RightToWork(d) => d.expires_on(),
            CheckDetails::ProfessionalRegistration(d) => d.registration.expires_on,
            _ => None,
        }
    }

    /// A date the details say happened, which must not be after the check was completed.
    fn event_date(&self) -> Option<(&'static str, NaiveDate)> {
        match self {
            CheckDetails::CriminalRecord(d) => Some(("details.issued_on", d.issued_on)),
            CheckDetails::WorkHealth(d) => Some(("details.assessed_on", d.assessed_on)),
            _ => None,
        }
    }
}

/// Result of a check.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum CheckOutcome {
    Clear,
    ClearWithConditions,
    NotClear,
    InProgress,
}

impl CheckOutcome {
    /// Whether the check lets the person work (with or without conditions).
    pub fn is_clear(self) -> bool {
        matches!(self, CheckOutcome::Clear | CheckOutcome::ClearWithConditions)
    }

    pub fn as_str(self) -> &'static str {
        match self {
            CheckOutcome::Clear => "clear",
            CheckOutcome::ClearWithConditions => "clear with conditions",
            CheckOutcome::NotClear => "not clear",
            CheckOutcome::InProgress => "in progress",
        }
    }
}

/// One employment check record.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EmploymentCheck {
    pub details: CheckDetails,
    pub outcome: CheckOutcome,
    /// Required unless the outcome is `in_progress`.
    #[serde(default)]
    pub completed_on: Option<NaiveDate>,
    /// The user who made the check.
    pub checked_by: String,
    /// Reference to the evidence held (documents seen), never the documents.
    #[serde(default)]
    pub evidence_ref: Option<String>,
    /// An explicit expiry or recheck date; when absent it is derived (see [`Self::expires_on`]).
    #[serde(default)]
    pub expires_on: Option<NaiveDate>,
    #[serde(default)]
    pub notes: Option<String>,
}

impl EmploymentCheck {
    pub fn kind(&self) -> CheckKind {
        self.details.kind()
    }

    /// The explicit expiry if set, otherwise the one the details carry (time-limited right to
    /// work, registration renewal date). Recheck policies are applied by [`Self::due_on`].
    pub fn expires_on(&self) -> Option<NaiveDate> {
        self.expires_on.or_else(|| self.details.inherent_expiry())
    }

    /// The date a recheck policy counts from: for DBS the last Update Service status check or the
    /// issue date, otherwise the completion date.
    pub fn recheck_anchor(&self) -> Option<NaiveDate> {
        match &self.details {
            CheckDetails::CriminalRecord(d) => Some(d.recheck_anchor()),
            _ => self.completed_on,
        }
    }

    /// The earlier of [`Self::expires_on`] and, when a policy gives `max_age_months`, the recheck
    /// anchor plus that many months.
    pub fn due_on(&self, max_age_months: Option<u32>) -> Option<NaiveDate> {
        let by_policy = max_age_months.and_then(|months| add_months(self.recheck_anchor()?, months));
        match (self.expires_on(), by_policy) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        }
    }

    pub fn validate(&self, today: NaiveDate) -> Result<(), ValidationErrors> {
        let mut errors = ValidationErrors::new();
        errors.merge("details", self.details.validate(today));
        errors.check("", check_text("checked_by", &self.checked_by, 200));
        errors.check("", check_optional_text("evidence_ref", self.evidence_ref.as_deref(), 200));
        errors.check("", check_optional_text("notes", self.notes.as_deref(), 4000));
        match (self.outcome, self.completed_on) {
            (CheckOutcome::InProgress, _) => {}
            (_, None) => errors.add("completed_on", format!("is required for a {} outcome", self.outcome.as_str())),
            (_, Some(done)) => {
                errors.check("", not_future("completed_on", done, today));
                if let Some((field, happened)) = self.details.event_date()
                    && happened > done
                {
                    errors.add(field, format!("{happened} is after the check was completed on {done}"));
                }
            }
        }
        if let (Some(expiry), Some(done)) = (self.expires_on, self.completed_on)
            && expiry < done
        {
            errors.add("expires_on", format!("{expiry} is before the check was completed on {done}"));
        }
        errors.into_result()
    }
}

#[cfg(test)]
mod tests;
