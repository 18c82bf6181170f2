//! Immunisations and occupational health clearance (domain.md §5, UK Green Book).
//!
//! Records hold the evidence (doses, serology, history); whether an antigen is satisfied for
//! occupational health is decided by the plain functions in `rules`, from that evidence, not from
//! the recorded status alone. No clinical advice beyond those rules.

mod rules;

pub use rules::{OhAssessment, assess, season_start};

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::error::{ValidationErrors, indexed};
use crate::newtype::{check_optional_text, check_text, not_future};

pub use crate::checks::EppClearance;

/// Antigens tracked for healthcare workers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Antigen {
    HepatitisB,
    /// Measles, mumps and rubella.
    Mmr,
    Varicella,
    /// Tuberculosis (BCG).
    Tuberculosis,
    SeasonalFlu,
    #[serde(rename = "covid_19")]
    Covid19,
}

impl Antigen {
    pub const ALL: [Antigen; 6] = [
        Antigen::HepatitisB,
        Antigen::Mmr,
        Antigen::Varicella,
        Antigen::Tuberculosis,
        Antigen::SeasonalFlu,
        Antigen::Covid19,
    ];

    /// Stable key, the JSON name: `hepatitis_b`.
    pub fn key(self) -> &'static str {
        match self {
            Antigen::HepatitisB => "hepatitis_b",
            Antigen::Mmr => "mmr",
            Antigen::Varicella => "varicella",
            Antigen::Tuberculosis => "tuberculosis",
            Antigen::SeasonalFlu => "seasonal_flu",
            Antigen::Covid19 => "covid_19",
        }
    }

    /// Stable id of the requirement in compliance results: `immunisation:hepatitis_b`.
    pub fn requirement_id(self) -> &'static str {
        match self {
            Antigen::HepatitisB => "immunisation:hepatitis_b",
            Antigen::Mmr => "immunisation:mmr",
            Antigen::Varicella => "immunisation:varicella",
            Antigen::Tuberculosis => "immunisation:tuberculosis",
            Antigen::SeasonalFlu => "immunisation:seasonal_flu",
            Antigen::Covid19 => "immunisation:covid_19",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Antigen::HepatitisB => "Hepatitis B",
            Antigen::Mmr => "Measles, mumps and rubella",
            Antigen::Varicella => "Varicella (chickenpox)",
            Antigen::Tuberculosis => "Tuberculosis (BCG)",
            Antigen::SeasonalFlu => "Seasonal influenza",
            Antigen::Covid19 => "COVID-19",
        }
    }

    /// Offered each season rather than given once.
    pub fn is_seasonal(self) -> bool {
        matches!(self, Antigen::SeasonalFlu | Antigen::Covid19)
    }
}

/// Recorded status (domain.md §5).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ImmunisationStatus {
    Immune,
    /// Vaccinated, course in progress.
    InCourse,
    /// Course complete.
    Complete,
    Declined,
    Exempt,
    Unknown,
}

/// One dose given.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Dose {
    pub given_on: NaiveDate,
    #[serde(default)]
    pub product: Option<String>,
    #[serde(default)]
    pub batch: Option<String>,
}

/// Laboratory tests recorded as serology or screening.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum SerologyTest {
    /// Hepatitis B surface antibody; needs `level_miu_ml`.
    AntiHbs,
    MeaslesIgg,
    RubellaIgg,
    VaricellaIgg,
    /// Interferon-gamma release assay for TB.
    Igra,
}

/// Qualitative result.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum SerologyResult {
    Positive,
    Negative,
    Equivocal,
}

/// One serology or screening result.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Serology {
    pub test: SerologyTest,
    pub taken_on: NaiveDate,
    pub result: SerologyResult,
    /// Anti-HBs level in mIU/mL (required for `anti_hbs`).
    #[serde(default)]
    pub level_miu_ml: Option<f64>,
}

impl Serology {
    /// Anti-HBs at or above this is a responder (Green Book ch. 18).
    pub const HEP_B_RESPONDER_MIU_ML: f64 = 10.0;

    /// Whether the result counts as positive; for anti-HBs the level decides.
    pub fn is_positive(&self) -> bool {
        match (self.test, self.level_miu_ml) {
            (SerologyTest::AntiHbs, Some(level)) => level >= Self::HEP_B_RESPONDER_MIU_ML,
            (SerologyTest::AntiHbs, None) => false,
            _ => self.result == SerologyResult::Positive,
        }
    }
}

/// A person's record for one antigen.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Immunisation {
    pub antigen: Antigen,
    pub status: ImmunisationStatus,
    #[serde(default)]
    pub doses: Vec<Dose>,
    #[serde(default)]
    pub serology: Vec<Serology>,
    /// Reliable history of the disease (varicella: chickenpox or shingles).
    #[serde(default)]
    pub history_of_disease: bool,
    /// BCG scar seen (tuberculosis).
    #[serde(default)]
    pub bcg_scar: bool,
    /// The occupational health professional who recorded it.
    #[serde(default)]
    pub recorded_by: Option<String>,
    #[serde(default)]
    pub notes: Option<String>,
    /// What occupational health at another organisation concluded, from a passport credential
    /// this organisation's reviewer accepted. No clinical detail travels in a credential, so the
    /// rule reads this conclusion where this record's own evidence does not meet it. Written only
    /// by a host review, never entered.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub passport: Option<crate::compliance::ImmunityEvidence>,
}

impl Immunisation {
    pub fn antigen(&self) -> Antigen {
        self.antigen
    }

    pub fn validate(&self, today: NaiveDate) -> Result<(), ValidationErrors> {
        let mut errors = ValidationErrors::new();
        for (i, dose) in self.doses.iter().enumerate() {
            let at = indexed("doses", i);
            errors.check(&at, not_future("given_on", dose.given_on, today));
            errors.check(&at, check_optional_text("product", dose.product.as_deref(), 100));
            errors.check(&at, check_optional_text("batch", dose.batch.as_deref(), 50));
        }
        for (i, s) in self.serology.iter().enumerate() {
            let at = indexed("serology", i);
            errors.check(&at, not_future("taken_on", s.taken_on, today));
            match (s.test, s.level_miu_ml) {
                (SerologyTest::AntiHbs, None) => {
                    errors.add(format!("{at}.level_miu_ml"), "is required for anti-HBs");
                }
                (_, Some(level)) if !level.is_finite() || level < 0.0 => {
                    errors.add(format!("{at}.level_miu_ml"), "must be a number of at least 0");
                }
                (SerologyTest::AntiHbs, Some(level)) => {
                    let positive = level >= Serology::HEP_B_RESPONDER_MIU_ML;
                    if positive != (s.result == SerologyResult::Positive) {
                        errors.add(
                            format!("{at}.result"),
                            format!(
                                "{level} mIU/mL is {} (responder at 10 or more)",
                                if positive { "positive" } else { "negative" }
                            ),
                        );
                    }
                }
                _ => {}
            }
            if !test_fits(self.antigen, s.test) {
                errors.add(format!("{at}.test"), format!("is not a test for {}", self.antigen.label()));
            }
        }
        if self.history_of_disease && self.antigen != Antigen::Varicella {
            errors.add("history_of_disease", "is recorded for varicella only");
        }
        if self.bcg_scar && self.antigen != Antigen::Tuberculosis {
            errors.add("bcg_scar", "is recorded for tuberculosis only");
        }
        errors.check("", check_optional_text("recorded_by", self.recorded_by.as_deref(), 200));
        errors.check("", check_optional_text("notes", self.notes.as_deref(), 4000));
        if let Some(p) = &self.passport {
            if p.antigen != self.antigen {
                errors.add("passport.antigen", format!("is not {}", self.antigen.label()));
            }
            if let Some(on) = p.last_dose_on {
                errors.check("passport", not_future("last_dose_on", on, today));
            }
            errors.check("passport", check_optional_text("basis", p.basis.as_deref(), 4000));
        }
        errors.into_result()
    }

    /// [`Self::validate`] for a record entered by occupational health: the `passport`
    /// conclusion is written only by accepting a credential in a host review.
    pub fn validate_entered(&self, today: NaiveDate) -> Result<(), ValidationErrors> {
        let mut errors = match self.validate(today) {
            Ok(()) => ValidationErrors::new(),
            Err(errors) => errors,
        };
        if self.passport.is_some() {
            errors.add("passport", "is written only by accepting a passport credential in a host review");
        }
        errors.into_result()
    }
}

fn test_fits(antigen: Antigen, test: SerologyTest) -> bool {
    matches!(
        (antigen, test),
        (Antigen::HepatitisB, SerologyTest::AntiHbs)
            | (Antigen::Mmr, SerologyTest::MeaslesIgg | SerologyTest::RubellaIgg)
            | (Antigen::Varicella, SerologyTest::VaricellaIgg)
            | (Antigen::Tuberculosis, SerologyTest::Igra)
    )
}

/// Occupational health clearance for a person, including exposure-prone procedures.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OhClearance {
    /// EPP clearance after hepatitis B, hepatitis C and HIV testing on identity-validated samples.
    pub epp: EppClearance,
    pub cleared_on: NaiveDate,
    pub cleared_by: String,
    /// Restrictions on practice, if any.
    #[serde(default)]
    pub restrictions: Option<String>,
    /// When OH should review the clearance, if it set a date.
    #[serde(default)]
    pub review_on: Option<NaiveDate>,
}

impl OhClearance {
    pub fn validate(&self, today: NaiveDate) -> Result<(), ValidationErrors> {
        let mut errors = ValidationErrors::new();
        errors.check("", not_future("cleared_on", self.cleared_on, today));
        errors.check("", check_text("cleared_by", &self.cleared_by, 200));
        errors.check("", check_optional_text("restrictions", self.restrictions.as_deref(), 2000));
        if let Some(review) = self.review_on
            && review < self.cleared_on
        {
            errors.add("review_on", format!("{review} is before the clearance on {}", self.cleared_on));
        }
        errors.into_result()
    }
}

#[cfg(test)]
mod tests;
