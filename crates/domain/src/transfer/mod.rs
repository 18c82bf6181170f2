//! Inter-Authority Transfer (domain.md §2): the pure rules by which a worker's Portable Data Set
//! follows them from a previous NHS employer to the new one.
//!
//! - [`consent`]: the worker's consent (given or withdrawn, when, how); no transfer without
//!   current consent.
//! - [`matching`]: finding the previous record on NI number, date of birth and surname (normalised
//!   for case, spaces, hyphens and diacritics); all three agree → automatic, two of three → a manual
//!   proposal that a second user approves, never automatic; the most recent employment wins.
//! - [`remote`]: the signed request and answer when the previous employer is served by another
//!   deployment, and the rules each side checks.
//! - [`pds`]: what the Portable Data Set holds (employment check outcomes and dates but never
//!   documents, CSTF competences — national only from organisations that declared CSTF alignment —,
//!   immunisations, OH clearance, professional registrations) and the merge rule: a record the new
//!   employer already holds that is as recent or newer is kept, and the report says why.
//!
//! No I/O and no clock here: the store reads the records and passes `now`/`today` in.

pub mod consent;
pub mod matching;
pub mod pds;
pub mod remote;
pub mod view;

pub use consent::{ConsentInput, ConsentMethod, ConsentRecord, ConsentState, consent_state};
pub use matching::{
    Candidate, MatchClass, MatchDecision, MatchField, MatchKey, MatchOutcome, Recency, classify, decide,
    normalise_surname, recency,
};
pub use pds::{
    Decision, LocalHoldings, MergePlan, PdsItem, PdsKind, PortableDataSet, ReportLine, ServiceEntry, SourceRecords,
    merge, merge_personal, portable_competence, service_history,
};
pub use view::{MatchCandidate, TransferReport, TransferStatus, TransferSummary};

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// Why a transfer does not go ahead; each has a stable code for reports and API problems.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum TransferRefusal {
    /// The worker never gave consent.
    NoConsent,
    /// The worker withdrew consent.
    ConsentWithdrawn,
    /// No earlier record matches.
    NoMatch,
    /// Only partial matches, or equally recent automatic matches: HR must choose.
    Ambiguous,
    /// The applicant has no applicant assignment (the offer is not accepted).
    NoApplicantAssignment,
    /// A manual match not yet approved by a second user.
    NotApproved,
    /// The proposer tried to approve their own manual match.
    SameApprover,
}

impl TransferRefusal {
    pub fn code(self) -> &'static str {
        match self {
            TransferRefusal::NoConsent => "no_consent",
            TransferRefusal::ConsentWithdrawn => "consent_withdrawn",
            TransferRefusal::NoMatch => "no_match",
            TransferRefusal::Ambiguous => "ambiguous",
            TransferRefusal::NoApplicantAssignment => "no_applicant_assignment",
            TransferRefusal::NotApproved => "not_approved",
            TransferRefusal::SameApprover => "same_approver",
        }
    }

    pub fn message(self) -> &'static str {
        match self {
            TransferRefusal::NoConsent => "the worker has not consented to a transfer",
            TransferRefusal::ConsentWithdrawn => "the worker withdrew consent to a transfer",
            TransferRefusal::NoMatch => "no earlier NHS record matches",
            TransferRefusal::Ambiguous => "the match needs an HR decision (partial or tied matches)",
            TransferRefusal::NoApplicantAssignment => "the person has no applicant assignment (offer not accepted)",
            TransferRefusal::NotApproved => "the manual match has not been approved by a second user",
            TransferRefusal::SameApprover => "a manual match must be approved by someone other than its proposer",
        }
    }
}

#[cfg(test)]
mod tests;
