//! Identity check (NHS Employment Check Standards: identity; domain.md §3.1).
//!
//! The route says how identity was established; the assurance level is the GPG45 profile met.
//! A smartcard RA check counts at the level it states, no higher: a smartcard is not assumed to
//! be "high" just because an RA issued it.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::error::{ValidationErrors, indexed};
use crate::person::SmartcardUuid;

/// How identity was established.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum IdentityRoute {
    /// Original documents seen in person by the employer.
    DocumentsInPerson,
    /// A certified digital identity service provider (UK digital identity and attributes trust
    /// framework).
    Idsp,
    /// The person holds an NHS smartcard issued after a Registration Authority identity check.
    SmartcardRa,
}

/// GPG45 identity profile level ("very high" is not used here).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum AssuranceLevel {
    Low,
    Medium,
    High,
}

impl AssuranceLevel {
    pub fn as_str(self) -> &'static str {
        match self {
            AssuranceLevel::Low => "low",
            AssuranceLevel::Medium => "medium",
            AssuranceLevel::High => "high",
        }
    }
}

/// Types of identity document seen (the documents themselves are never stored).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum IdentityDocument {
    Passport,
    PhotocardDrivingLicence,
    BiometricResidencePermit,
    NationalIdentityCard,
    BirthCertificate,
    UtilityBill,
    BankStatement,
    CouncilTaxStatement,
    Other,
}

/// The typed details of an identity check.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct IdentityCheck {
    pub route: IdentityRoute,
    /// The GPG45 level the evidence reached; for a smartcard, the level the RA record states.
    pub assurance: AssuranceLevel,
    #[serde(default)]
    pub documents_seen: Vec<IdentityDocument>,
    /// Name of the IDSP, for the `idsp` route (e.g. "Yoti").
    #[serde(default)]
    pub idsp_name: Option<String>,
    /// The smartcard UUID, required for the `smartcard_ra` route.
    #[serde(default)]
    pub smartcard_uuid: Option<SmartcardUuid>,
}

impl IdentityCheck {
    /// The level this check counts at when compared with a requirement. Every route, the
    /// smartcard included, counts at its own stated level.
    pub fn effective_assurance(&self) -> AssuranceLevel {
        self.assurance
    }

    pub fn validate(&self) -> Result<(), ValidationErrors> {
        let mut errors = ValidationErrors::new();
        match self.route {
            IdentityRoute::SmartcardRa if self.smartcard_uuid.is_none() => {
                errors.add("smartcard_uuid", "is required for a smartcard RA identity check");
            }
            IdentityRoute::Idsp if self.idsp_name.as_deref().is_none_or(|n| n.trim().is_empty()) => {
                errors.add("idsp_name", "is required for an IDSP identity check");
            }
            IdentityRoute::DocumentsInPerson if self.documents_seen.is_empty() => {
                errors.add("documents_seen", "list at least one document seen in person");
            }
            _ => {}
        }
        for (i, doc) in self.documents_seen.iter().enumerate() {
            if self.documents_seen[..i].contains(doc) && *doc != IdentityDocument::Other {
                errors.add(indexed("documents_seen", i), "is listed twice");
            }
        }
        errors.into_result()
    }
}
