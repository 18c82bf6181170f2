//! Organisations: the ODS code that identifies them and the kind of organisation.
//!
//! ODS codes come in several shapes (trusts `RJ1`, sites `RJ121`, ICBs `QE1`, practices `A81001`,
//! digit-led commissioner codes `15N`); domain.md §1 says to validate only the common shape
//! (upper-case alphanumeric, 3–6 characters) and keep the kind alongside. No registry look-ups here.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::error::{FieldError, ValidationErrors};
use crate::newtype::{check_text, string_newtype};

/// An Organisation Data Service code, upper-case, e.g. `RJ1`, `RJ121`, `A81001`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, ToSchema)]
#[serde(try_from = "String", into = "String")]
#[schema(value_type = String, example = "RJ1")]
pub struct OdsCode(String);

string_newtype!(OdsCode);

impl OdsCode {
    /// Accepts surrounding spaces and lower case; stores upper case.
    pub fn parse(input: &str) -> Result<Self, FieldError> {
        let code = input.trim().to_ascii_uppercase();
        let field = "ods_code";
        if code.is_empty() {
            return Err(FieldError::new(field, "must not be empty"));
        }
        if !code.chars().all(|c| c.is_ascii_alphanumeric()) {
            return Err(FieldError::new(field, format!("{code:?} must contain only letters and digits")));
        }
        if !(3..=6).contains(&code.len()) {
            return Err(FieldError::new(
                field,
                format!("{code:?} must be 3 to 6 characters, found {}", code.chars().count()),
            ));
        }
        Ok(Self(code))
    }
}

/// What sort of organisation holds a dataset (domain.md §1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum OrgKind {
    AcuteTrust,
    MentalHealthTrust,
    CommunityTrust,
    AmbulanceTrust,
    SpecialistTrust,
    Icb,
    GpPractice,
    Hospice,
    LocalAuthority,
    IndependentProvider,
    Other,
}

impl OrgKind {
    pub const ALL: [OrgKind; 11] = [
        OrgKind::AcuteTrust,
        OrgKind::MentalHealthTrust,
        OrgKind::CommunityTrust,
        OrgKind::AmbulanceTrust,
        OrgKind::SpecialistTrust,
        OrgKind::Icb,
        OrgKind::GpPractice,
        OrgKind::Hospice,
        OrgKind::LocalAuthority,
        OrgKind::IndependentProvider,
        OrgKind::Other,
    ];

    /// Human label, e.g. "Acute trust".
    pub fn label(self) -> &'static str {
        match self {
            OrgKind::AcuteTrust => "Acute trust",
            OrgKind::MentalHealthTrust => "Mental health trust",
            OrgKind::CommunityTrust => "Community trust",
            OrgKind::AmbulanceTrust => "Ambulance trust",
            OrgKind::SpecialistTrust => "Specialist trust",
            OrgKind::Icb => "Integrated care board",
            OrgKind::GpPractice => "GP practice",
            OrgKind::Hospice => "Hospice",
            OrgKind::LocalAuthority => "Local authority",
            OrgKind::IndependentProvider => "Independent provider",
            OrgKind::Other => "Other",
        }
    }

    /// Whether the organisation belongs to the NHS family (NHS-to-NHS moves have national terms).
    pub fn is_nhs(self) -> bool {
        matches!(
            self,
            OrgKind::AcuteTrust
                | OrgKind::MentalHealthTrust
                | OrgKind::CommunityTrust
                | OrgKind::AmbulanceTrust
                | OrgKind::SpecialistTrust
                | OrgKind::Icb
                | OrgKind::GpPractice
        )
    }
}

/// The body of a request to register an organisation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewOrganisation {
    pub ods_code: OdsCode,
    pub name: String,
    pub kind: OrgKind,
}

impl NewOrganisation {
    pub const NAME_MAX: usize = 200;

    pub fn validate(&self) -> Result<(), ValidationErrors> {
        let mut errors = ValidationErrors::new();
        errors.check("", check_text("name", &self.name, Self::NAME_MAX));
        errors.into_result()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn valid_ods_codes_are_normalised() {
        let cases = [
            ("RJ1", "RJ1"),
            ("rrk", "RRK"),
            (" RTH ", "RTH"),
            ("RJ121", "RJ121"),
            ("QE1", "QE1"),
            ("15N", "15N"),
            ("A81001", "A81001"),
            ("8HV48", "8HV48"),
        ];
        for (input, want) in cases {
            assert_eq!(OdsCode::parse(input).unwrap().as_str(), want, "{input:?}");
        }
    }

    #[test]
    fn invalid_ods_codes_are_refused_naming_the_field() {
        for input in ["", "  ", "R1", "A810012", "RJ-1", "R J1", "RJ1!", "ÄB1"] {
            let err = OdsCode::parse(input).expect_err(input);
            assert_eq!(err.field, "ods_code", "{input:?}");
        }
    }

    #[test]
    fn ods_code_json_round_trips_and_refuses_bad_values() {
        let code: OdsCode = serde_json::from_str("\"rj1\"").unwrap();
        assert_eq!(serde_json::to_string(&code).unwrap(), "\"RJ1\"");
        let err = serde_json::from_str::<OdsCode>("\"R\"").unwrap_err();
        assert!(err.to_string().contains("ods_code"), "{err}");
    }

    #[test]
    fn new_organisation_needs_a_name_and_refuses_unknown_fields() {
        let org: NewOrganisation =
            serde_json::from_str(r#"{"ods_code":"RJ1","name":" ","kind":"acute_trust"}"#).unwrap();
        assert!(org.validate().unwrap_err().has_field("name"));
        let unknown = r#"{"ods_code":"RJ1","name":"Guy's","kind":"acute_trust","x":1}"#;
        assert!(serde_json::from_str::<NewOrganisation>(unknown).is_err());
    }

    #[test]
    fn org_kinds_serialise_in_snake_case() {
        assert_eq!(serde_json::to_string(&OrgKind::MentalHealthTrust).unwrap(), "\"mental_health_trust\"");
        assert_eq!(OrgKind::ALL.len(), 11);
    }
}
