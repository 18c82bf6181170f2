//! Professional registration and qualifications check (domain.md §3.3).
//!
//! Reuses [`ProfessionalRegistration`], so the number is validated against its register.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::error::{ValidationErrors, indexed};
use crate::newtype::check_text;
use crate::person::{ProfessionalRegistration, RegistrationStatus};

/// The typed details of a professional registration check.
///
/// JSON: `{"kind":"professional_registration","registration":{"register":"gmc","number":"1234567",
/// "status":"registered","expires_on":null},"conditions":[],"qualifications_verified":["MBBS"]}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ProfessionalRegistrationCheck {
    pub registration: ProfessionalRegistration,
    /// Conditions, undertakings or annotations on the register entry.
    #[serde(default)]
    pub conditions: Vec<String>,
    /// Qualifications whose certificates were verified.
    #[serde(default)]
    pub qualifications_verified: Vec<String>,
}

impl ProfessionalRegistrationCheck {
    pub fn validate(&self) -> Result<(), ValidationErrors> {
        let mut errors = ValidationErrors::new();
        if self.registration.status == RegistrationStatus::RegisteredWithConditions && self.conditions.is_empty() {
            errors.add("conditions", "list the conditions on the registration");
        }
        for (i, c) in self.conditions.iter().enumerate() {
            errors.check("", check_text(&indexed("conditions", i), c, 500));
        }
        for (i, q) in self.qualifications_verified.iter().enumerate() {
            errors.check("", check_text(&indexed("qualifications_verified", i), q, 200));
        }
        errors.into_result()
    }
}
