//! The worker's consent to an Inter-Authority Transfer: given or withdrawn, when, and how (through
//! self-service, through their wallet, or on paper recorded by HR with an evidence reference).
//! The latest statement counts; a withdrawal stops any transfer that has not yet copied.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::TransferRefusal;
use crate::error::ValidationErrors;
use crate::newtype::check_optional_text;

/// How the worker stated their consent.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ConsentMethod {
    /// The worker, signed in to self-service.
    SelfService,
    /// Signed by the worker's wallet key (OpenID4VP transaction data).
    Wallet,
    /// A paper form HR holds; `evidence_ref` says where.
    Paper,
}

impl ConsentMethod {
    pub fn as_str(self) -> &'static str {
        match self {
            ConsentMethod::SelfService => "self_service",
            ConsentMethod::Wallet => "wallet",
            ConsentMethod::Paper => "paper",
        }
    }

    pub fn parse(s: &str) -> Option<ConsentMethod> {
        [ConsentMethod::SelfService, ConsentMethod::Wallet, ConsentMethod::Paper].into_iter().find(|m| m.as_str() == s)
    }
}

/// A consent statement as the API and CLI accept it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ConsentInput {
    /// `true`: consent given; `false`: withdrawn.
    pub given: bool,
    pub method: ConsentMethod,
    /// Where the evidence is held (required for `paper`), e.g. the scanned form's reference.
    #[serde(default)]
    pub evidence_ref: Option<String>,
}

impl ConsentInput {
    pub const EVIDENCE_MAX: usize = 200;

    pub fn validate(&self) -> Result<(), ValidationErrors> {
        let mut errors = ValidationErrors::new();
        errors.check("", check_optional_text("evidence_ref", self.evidence_ref.as_deref(), Self::EVIDENCE_MAX));
        let blank = self.evidence_ref.as_deref().is_none_or(|e| e.trim().is_empty());
        if self.method == ConsentMethod::Paper && blank {
            errors.add("evidence_ref", "is required for a paper consent (where the signed form is held)");
        }
        errors.into_result()
    }
}

/// A stored consent statement.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct ConsentRecord {
    pub given: bool,
    pub method: ConsentMethod,
    pub evidence_ref: Option<String>,
    pub at: DateTime<Utc>,
    /// `user:<id>` or `system:<reason>` of whoever recorded it.
    pub recorded_by: String,
}

/// The worker's consent as it stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum ConsentState {
    None,
    Given { since: DateTime<Utc> },
    Withdrawn { since: DateTime<Utc> },
}

impl ConsentState {
    /// `Ok` only when consent is currently given.
    pub fn permits_transfer(self) -> Result<(), TransferRefusal> {
        match self {
            ConsentState::Given { .. } => Ok(()),
            ConsentState::None => Err(TransferRefusal::NoConsent),
            ConsentState::Withdrawn { .. } => Err(TransferRefusal::ConsentWithdrawn),
        }
    }
}

/// The latest statement wins; of two at the same instant, the later in `records` (stored order).
pub fn consent_state(records: &[ConsentRecord]) -> ConsentState {
    let latest = records.iter().enumerate().max_by_key(|(i, r)| (r.at, *i)).map(|(_, r)| r);
    match latest {
        None => ConsentState::None,
        Some(r) if r.given => ConsentState::Given { since: r.at },
        Some(r) => ConsentState::Withdrawn { since: r.at },
    }
}
