//! Employment history and references check (domain.md §3.4).
//!
//! The period covered is usually at least the last three years; that is a matter for the role's
//! requirement, not a validation error.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::dates::add_months;
use crate::error::{ValidationErrors, indexed};
use crate::newtype::{check_optional_text, check_text, not_future};

/// One reference obtained.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Reference {
    /// Who gave it, e.g. "Ward manager, Ward 7".
    pub referee: String,
    /// Their organisation.
    #[serde(default)]
    pub organisation: Option<String>,
    #[serde(default)]
    pub requested_on: Option<NaiveDate>,
    pub received_on: NaiveDate,
}

/// The typed details of an employment history check.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EmploymentHistoryCheck {
    pub covered_from: NaiveDate,
    pub covered_to: NaiveDate,
    #[serde(default)]
    pub references: Vec<Reference>,
    /// Whether every gap in the period was explained.
    pub gaps_explained: bool,
    #[serde(default)]
    pub gap_notes: Option<String>,
}

impl EmploymentHistoryCheck {
    pub fn reference_count(&self) -> usize {
        self.references.len()
    }

    /// Whether the period covered spans at least `months` months.
    pub fn covers_months(&self, months: u32) -> bool {
        add_months(self.covered_from, months).is_some_and(|end| end <= self.covered_to)
    }

    pub fn validate(&self, today: NaiveDate) -> Result<(), ValidationErrors> {
        let mut errors = ValidationErrors::new();
        if self.covered_to < self.covered_from {
            errors.add("covered_to", format!("{} is before covered_from {}", self.covered_to, self.covered_from));
        }
        errors.check("", not_future("covered_to", self.covered_to, today));
        errors.check("", check_optional_text("gap_notes", self.gap_notes.as_deref(), 2000));
        for (i, r) in self.references.iter().enumerate() {
            let at = indexed("references", i);
            errors.check(&at, check_text("referee", &r.referee, 200));
            errors.check(&at, check_optional_text("organisation", r.organisation.as_deref(), 200));
            errors.check(&at, not_future("received_on", r.received_on, today));
            if let Some(asked) = r.requested_on
                && asked > r.received_on
            {
                errors.add(
                    format!("{at}.received_on"),
                    format!("{} is before it was requested on {asked}", r.received_on),
                );
            }
        }
        errors.into_result()
    }
}
