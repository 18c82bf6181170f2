//! Assignments: a person's role at an organisation, with staff group, band, dates and status.
//!
//! The status moves one way only: Applicant → Active → Left, or Applicant → Left when an applicant
//! withdraws. Anything else is refused with a [`FieldError`] on `status`. Dates come in as
//! parameters; no clock is read here.

mod band;
mod staff_group;

pub use band::{AfcBand, Band};
pub use staff_group::StaffGroup;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::error::{FieldError, ValidationErrors};
use crate::newtype::check_text;

/// Where an assignment is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum AssignmentStatus {
    /// Offered or in pre-employment checks; IAT runs at this stage.
    Applicant,
    /// Started work.
    Active,
    /// Left, or withdrew as an applicant.
    Left,
}

impl AssignmentStatus {
    /// Whether the status may change from `self` to `to`.
    pub fn can_become(self, to: AssignmentStatus) -> bool {
        use AssignmentStatus::{Active, Applicant, Left};
        matches!((self, to), (Applicant, Active) | (Applicant, Left) | (Active, Left))
    }

    pub fn as_str(self) -> &'static str {
        match self {
            AssignmentStatus::Applicant => "applicant",
            AssignmentStatus::Active => "active",
            AssignmentStatus::Left => "left",
        }
    }
}

/// A person's assignment to a role.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Assignment {
    /// The role code; it names the [`crate::requirements::RoleRequirements`] that apply.
    pub role: String,
    pub staff_group: StaffGroup,
    pub band: Band,
    /// Planned start while an applicant; actual start once active.
    pub start_date: NaiveDate,
    #[serde(default)]
    pub end_date: Option<NaiveDate>,
    pub status: AssignmentStatus,
}

impl Assignment {
    pub const ROLE_MAX: usize = 100;

    pub fn validate(&self) -> Result<(), ValidationErrors> {
        let mut errors = ValidationErrors::new();
        errors.check("", check_text("role", &self.role, Self::ROLE_MAX));
        if let Some(end) = self.end_date
            && end < self.start_date
        {
            errors.add("end_date", format!("{end} is before the start date {}", self.start_date));
        }
        if self.status == AssignmentStatus::Left && self.end_date.is_none() {
            errors.add("end_date", "is required once the assignment has ended");
        }
        errors.into_result()
    }

    /// Moves the status to `to` on date `on`.
    ///
    /// Becoming active sets the start date to `on`; leaving sets the end date to `on`. An applicant
    /// who withdraws before the planned start keeps that start date and ends on it, so the record
    /// never ends before it starts.
    pub fn transition(&mut self, to: AssignmentStatus, on: NaiveDate) -> Result<(), FieldError> {
        if !self.status.can_become(to) {
            return Err(FieldError::new(
                "status",
                format!("cannot change from {} to {}", self.status.as_str(), to.as_str()),
            ));
        }
        match to {
            AssignmentStatus::Active => self.start_date = on,
            AssignmentStatus::Left if self.status == AssignmentStatus::Active => {
                if on < self.start_date {
                    return Err(FieldError::new(
                        "end_date",
                        format!("{on} is before the start date {}", self.start_date),
                    ));
                }
                self.end_date = Some(on);
            }
            AssignmentStatus::Left => self.end_date = Some(on.max(self.start_date)),
            AssignmentStatus::Applicant => {}
        }
        self.status = to;
        Ok(())
    }

    /// Whether the assignment is live on `day` (active and within its dates).
    pub fn is_current(&self, day: NaiveDate) -> bool {
        self.status == AssignmentStatus::Active && self.start_date <= day && self.end_date.is_none_or(|end| day <= end)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use AssignmentStatus::{Active, Applicant, Left};

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    fn applicant() -> Assignment {
        Assignment {
            role: "NUR-B5-ED".into(),
            staff_group: StaffGroup::NursingAndMidwiferyRegistered,
            band: Band::parse("5").unwrap(),
            start_date: d("2026-01-05"),
            end_date: None,
            status: Applicant,
        }
    }

    #[test]
    fn status_transitions_follow_the_table() {
        let table = [
            (Applicant, Applicant, false),
            (Applicant, Active, true),
            (Applicant, Left, true),
            (Active, Applicant, false),
            (Active, Active, false),
            (Active, Left, true),
            (Left, Applicant, false),
            (Left, Active, false),
            (Left, Left, false),
        ];
        for (from, to, allowed) in table {
            assert_eq!(from.can_become(to), allowed, "{from:?} -> {to:?}");
            let mut a = applicant();
            a.status = from;
            a.end_date = (from == Left).then(|| d("2026-02-01"));
            let result = a.transition(to, d("2026-01-10"));
            assert_eq!(result.is_ok(), allowed, "{from:?} -> {to:?}");
            if let Err(e) = result {
                assert_eq!(e.field, "status");
                assert_eq!(a.status, from, "refused transition leaves the status alone");
            }
        }
    }

    #[test]
    fn starting_and_leaving_set_the_dates() {
        let mut a = applicant();
        a.transition(Active, d("2026-01-12")).unwrap();
        assert_eq!(a.start_date, d("2026-01-12"));
        a.transition(Left, d("2026-06-30")).unwrap();
        assert_eq!(a.end_date, Some(d("2026-06-30")));
        assert_eq!(a.validate(), Ok(()));
    }

    #[test]
    fn leaving_before_the_start_date_is_refused() {
        let mut a = applicant();
        a.transition(Active, d("2026-01-12")).unwrap();
        let err = a.transition(Left, d("2026-01-01")).unwrap_err();
        assert_eq!(err.field, "end_date");
        assert_eq!(a.status, Active);
    }

    #[test]
    fn withdrawn_applicant_never_ends_before_starting() {
        let mut a = applicant();
        a.transition(Left, d("2025-12-01")).unwrap();
        assert_eq!(a.end_date, Some(a.start_date));
        assert_eq!(a.validate(), Ok(()));
    }

    #[test]
    fn end_before_start_is_refused() {
        let mut a = applicant();
        a.end_date = Some(d("2025-01-01"));
        assert!(a.validate().unwrap_err().has_field("end_date"));
    }
}
