//! Work health assessment (domain.md §3.6), including exposure-prone procedure (EPP) clearance.
//!
//! [`EppClearance`] is defined here and reused by occupational health clearance in
//! `immunisation`, so both speak the same three values.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::error::ValidationErrors;
use crate::newtype::{check_optional_text, check_text, not_future};

/// Outcome of a work health assessment.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum FitnessOutcome {
    Fit,
    FitWithAdjustments,
    Unfit,
    Pending,
}

impl FitnessOutcome {
    pub fn as_str(self) -> &'static str {
        match self {
            FitnessOutcome::Fit => "fit",
            FitnessOutcome::FitWithAdjustments => "fit with adjustments",
            FitnessOutcome::Unfit => "unfit",
            FitnessOutcome::Pending => "pending",
        }
    }

    pub fn is_fit(self) -> bool {
        matches!(self, FitnessOutcome::Fit | FitnessOutcome::FitWithAdjustments)
    }
}

/// Clearance to perform exposure-prone procedures.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum EppClearance {
    Cleared,
    NotCleared,
    NotApplicable,
}

impl EppClearance {
    pub fn as_str(self) -> &'static str {
        match self {
            EppClearance::Cleared => "cleared",
            EppClearance::NotCleared => "not cleared",
            EppClearance::NotApplicable => "not applicable",
        }
    }
}

/// The typed details of a work health assessment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct WorkHealthCheck {
    pub outcome: FitnessOutcome,
    /// Required when the outcome is `fit_with_adjustments`.
    #[serde(default)]
    pub adjustments: Option<String>,
    pub epp_clearance: EppClearance,
    /// The occupational health professional or service.
    pub assessed_by: String,
    pub assessed_on: NaiveDate,
}

impl WorkHealthCheck {
    pub fn validate(&self, today: NaiveDate) -> Result<(), ValidationErrors> {
        let mut errors = ValidationErrors::new();
        if self.outcome == FitnessOutcome::FitWithAdjustments
            && self.adjustments.as_deref().is_none_or(|a| a.trim().is_empty())
        {
            errors.add("adjustments", "describe the adjustments for a fit-with-adjustments outcome");
        }
        errors.check("", check_optional_text("adjustments", self.adjustments.as_deref(), 2000));
        errors.check("", check_text("assessed_by", &self.assessed_by, 200));
        errors.check("", not_future("assessed_on", self.assessed_on, today));
        errors.into_result()
    }
}
