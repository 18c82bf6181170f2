//! The lifecycle of one agreement version: draft → proposed → signed by each party → active on the
//! start date → ended after the end date; withdrawn by any party with a reason; superseded by an
//! amendment (the next version, signed again). The state is derived from the facts (who signed,
//! who withdrew, whether a later version is in force) and today's date, never stored on its own,
//! so it cannot drift from them.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::AgreementDocument;
use crate::org::OdsCode;

/// Who signs: an organisation (by ODS code) or the worker of a deployment.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, ToSchema)]
#[serde(tag = "party", content = "ods_code", rename_all = "snake_case")]
pub enum SignerRole {
    Organisation(OdsCode),
    Worker,
}

impl std::fmt::Display for SignerRole {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            SignerRole::Organisation(ods) => write!(f, "organisation {ods}"),
            SignerRole::Worker => f.write_str("the worker"),
        }
    }
}

/// One party's signature, as a fact.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Signature {
    pub signer: SignerRole,
    pub signed_at: DateTime<Utc>,
    /// For the worker: the JWK thumbprint (RFC 7638) of the holder key their wallet signed with,
    /// the key their passport credentials are bound to. A host recognises the worker by it when
    /// they present those credentials.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub holder: Option<String>,
}

impl Signature {
    /// An organisation's signature (or a worker's whose key is not known).
    pub fn by(signer: SignerRole, signed_at: DateTime<Utc>) -> Self {
        Signature { signer, signed_at, holder: None }
    }
}

/// A withdrawal: by a party, with a reason (itself signed by that party).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Withdrawal {
    pub by: SignerRole,
    pub reason: String,
    pub at: DateTime<Utc>,
}

/// Facts about one version.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Lifecycle {
    /// When the proposer sent it to the other parties; a draft until then.
    pub proposed_at: Option<DateTime<Utc>>,
    pub signatures: Vec<Signature>,
    pub withdrawal: Option<Withdrawal>,
    /// A later version of the same agreement that every party signed.
    pub superseded_by: Option<u32>,
}

/// The derived state.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum AgreementState {
    Draft,
    /// Proposed; some parties have not signed yet.
    Proposed {
        awaiting: Vec<SignerRole>,
    },
    /// Every party has signed; the period has not started.
    Signed,
    Active,
    Ended,
    Withdrawn {
        by: SignerRole,
        reason: String,
    },
    Superseded {
        by_version: u32,
    },
}

impl AgreementState {
    pub fn key(&self) -> &'static str {
        match self {
            AgreementState::Draft => "draft",
            AgreementState::Proposed { .. } => "proposed",
            AgreementState::Signed => "signed",
            AgreementState::Active => "active",
            AgreementState::Ended => "ended",
            AgreementState::Withdrawn { .. } => "withdrawn",
            AgreementState::Superseded { .. } => "superseded",
        }
    }

    /// In force today: signed by all and inside its period.
    pub fn is_active(&self) -> bool {
        matches!(self, AgreementState::Active)
    }
}

/// Why an action on an agreement is refused; each has a stable code.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LifecycleError {
    #[error("{0} is not a party to this agreement")]
    NotAParty(SignerRole),
    #[error("{0} has already signed this version")]
    AlreadySigned(SignerRole),
    #[error("the agreement is a draft: it must be proposed before anyone signs")]
    NotProposed,
    #[error("the agreement was withdrawn")]
    Withdrawn,
    #[error("the agreement was superseded by version {0}")]
    Superseded(u32),
    #[error("the agreement's period ended on {0}")]
    PastEnd(NaiveDate),
    #[error("a withdrawal needs a reason")]
    ReasonRequired,
    #[error("the agreement has already been proposed")]
    AlreadyProposed,
}

impl LifecycleError {
    pub fn code(&self) -> &'static str {
        match self {
            LifecycleError::NotAParty(_) => "not_a_party",
            LifecycleError::AlreadySigned(_) => "already_signed",
            LifecycleError::NotProposed => "not_proposed",
            LifecycleError::Withdrawn => "withdrawn",
            LifecycleError::Superseded(_) => "superseded",
            LifecycleError::PastEnd(_) => "past_end",
            LifecycleError::ReasonRequired => "reason_required",
            LifecycleError::AlreadyProposed => "already_proposed",
        }
    }
}

impl Lifecycle {
    pub fn signed_by(&self, who: &SignerRole) -> bool {
        self.signatures.iter().any(|s| &s.signer == who)
    }

    /// The state of `doc` on `today`.
    pub fn state(&self, doc: &AgreementDocument, today: NaiveDate) -> AgreementState {
        if let Some(w) = &self.withdrawal {
            return AgreementState::Withdrawn { by: w.by.clone(), reason: w.reason.clone() };
        }
        if let Some(v) = self.superseded_by {
            return AgreementState::Superseded { by_version: v };
        }
        if self.proposed_at.is_none() {
            return AgreementState::Draft;
        }
        let awaiting: Vec<SignerRole> = doc.required_signers().into_iter().filter(|s| !self.signed_by(s)).collect();
        let period = doc.period();
        if !awaiting.is_empty() {
            return if today > period.end { AgreementState::Ended } else { AgreementState::Proposed { awaiting } };
        }
        if today < period.start {
            AgreementState::Signed
        } else if today <= period.end {
            AgreementState::Active
        } else {
            AgreementState::Ended
        }
    }

    /// Refuses a proposal unless this is a draft.
    pub fn can_propose(&self) -> Result<(), LifecycleError> {
        self.open()?;
        if self.proposed_at.is_some() {
            return Err(LifecycleError::AlreadyProposed);
        }
        Ok(())
    }

    /// Whether `who` may sign `doc` on `today`.
    pub fn can_sign(&self, doc: &AgreementDocument, who: &SignerRole, today: NaiveDate) -> Result<(), LifecycleError> {
        self.open()?;
        if !doc.required_signers().contains(who) {
            return Err(LifecycleError::NotAParty(who.clone()));
        }
        if self.proposed_at.is_none() {
            return Err(LifecycleError::NotProposed);
        }
        if self.signed_by(who) {
            return Err(LifecycleError::AlreadySigned(who.clone()));
        }
        let end = doc.period().end;
        if today > end {
            return Err(LifecycleError::PastEnd(end));
        }
        Ok(())
    }

    /// Whether `who` may withdraw with `reason`.
    pub fn can_withdraw(&self, doc: &AgreementDocument, who: &SignerRole, reason: &str) -> Result<(), LifecycleError> {
        self.open()?;
        if !doc.required_signers().contains(who) {
            return Err(LifecycleError::NotAParty(who.clone()));
        }
        if reason.trim().is_empty() {
            return Err(LifecycleError::ReasonRequired);
        }
        Ok(())
    }

    fn open(&self) -> Result<(), LifecycleError> {
        if self.withdrawal.is_some() {
            return Err(LifecycleError::Withdrawn);
        }
        if let Some(v) = self.superseded_by {
            return Err(LifecycleError::Superseded(v));
        }
        Ok(())
    }
}
