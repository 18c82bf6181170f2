//! The shapes a transfer takes when stored and shown (API, CLI, the worker's view): plain data,
//! so the store returns them and the server documents them without a copy of each.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::{MatchClass, MatchField, Recency, ReportLine, ServiceEntry};
use crate::org::OdsCode;

/// Where a transfer is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum TransferStatus {
    /// A partial match proposed by HR, waiting for a second user's approval.
    Proposed,
    /// Ready for stage 1 (automatic match, or approved manual match).
    Approved,
    /// Stage 1 copied the Portable Data Set into the applicant record.
    Stage1Done,
    /// Stage 2 brought the service history and personal details on the start date.
    Stage2Done,
}

impl TransferStatus {
    pub const ALL: [TransferStatus; 4] =
        [TransferStatus::Proposed, TransferStatus::Approved, TransferStatus::Stage1Done, TransferStatus::Stage2Done];

    pub fn as_str(self) -> &'static str {
        match self {
            TransferStatus::Proposed => "proposed",
            TransferStatus::Approved => "approved",
            TransferStatus::Stage1Done => "stage1_done",
            TransferStatus::Stage2Done => "stage2_done",
        }
    }

    pub fn parse(s: &str) -> Option<TransferStatus> {
        Self::ALL.into_iter().find(|t| t.as_str() == s)
    }
}

/// An earlier record found for an applicant, with how well it matches. Reveals where the record
/// is, never its contents.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct MatchCandidate {
    pub ods_code: OdsCode,
    pub organisation_name: String,
    /// The person's id in *that* organisation's dataset.
    pub person_id: String,
    pub class: MatchClass,
    pub differs: Vec<MatchField>,
    #[serde(default)]
    pub recency: Option<Recency>,
}

/// One transfer, as listed (HR queue, the worker's view).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct TransferSummary {
    pub id: String,
    /// The applicant in the new employer's dataset.
    pub person_id: String,
    pub source_ods: OdsCode,
    pub source_person_id: String,
    pub match_class: MatchClass,
    pub status: TransferStatus,
    pub proposed_by: String,
    pub proposed_at: DateTime<Utc>,
    #[serde(default)]
    pub approved_by: Option<String>,
    #[serde(default)]
    pub approved_at: Option<DateTime<Utc>>,
    #[serde(default)]
    pub stage1_at: Option<DateTime<Utc>>,
    #[serde(default)]
    pub stage2_at: Option<DateTime<Utc>>,
}

/// A transfer with what each stage copied, kept or left out, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct TransferReport {
    pub transfer: TransferSummary,
    pub lines: Vec<ReportLine>,
    pub service_history: Vec<ServiceEntry>,
}
