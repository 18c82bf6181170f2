//! The organisation-wide view: how many people are in each overall status, and who is not
//! compliant, by an id the caller chooses (the store's person id). Built in one pass over an
//! iterator so a caller can stream results without holding them all.

use std::borrow::{Borrow, Cow};

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::{ComplianceStatus, PersonCompliance};

/// People counted by overall status.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct StatusCounts {
    pub met: usize,
    pub due_soon: usize,
    pub expired: usize,
    pub missing: usize,
}

impl StatusCounts {
    pub fn add(&mut self, status: ComplianceStatus) {
        match status {
            ComplianceStatus::Met => self.met += 1,
            ComplianceStatus::DueSoon => self.due_soon += 1,
            ComplianceStatus::Expired => self.expired += 1,
            ComplianceStatus::Missing => self.missing += 1,
        }
    }

    pub fn total(&self) -> usize {
        self.met + self.due_soon + self.expired + self.missing
    }
}

/// One person who may not work in their role today.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct NonCompliantPerson {
    pub id: String,
    /// Filled in by whoever lists the person to a reader (the summary itself works on ids).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub given_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub family_name: Option<String>,
    pub overall: ComplianceStatus,
    /// Requirement ids that are expired or missing, e.g. `check:criminal_record`.
    #[schema(value_type = Vec<String>)]
    pub gaps: Vec<Cow<'static, str>>,
}

/// Compliance across an organisation.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct OrgSummary {
    pub people: usize,
    /// Met or due soon.
    pub compliant: usize,
    pub by_status: StatusCounts,
    /// In the order the results were given.
    pub non_compliant: Vec<NonCompliantPerson>,
}

impl OrgSummary {
    /// Builds the summary from `(id, compliance)` pairs.
    pub fn from_results<I, S, P>(results: I) -> Self
    where
        I: IntoIterator<Item = (S, P)>,
        S: Into<String>,
        P: Borrow<PersonCompliance>,
    {
        let mut summary = Self::default();
        for (id, compliance) in results {
            summary.add(id, compliance.borrow());
        }
        summary
    }

    /// Adds one person.
    pub fn add(&mut self, id: impl Into<String>, compliance: &PersonCompliance) {
        self.people += 1;
        self.by_status.add(compliance.overall);
        if compliance.is_compliant() {
            self.compliant += 1;
        } else {
            self.non_compliant.push(NonCompliantPerson {
                id: id.into(),
                given_name: None,
                family_name: None,
                overall: compliance.overall,
                gaps: compliance.gaps().map(|g| g.requirement.clone()).collect(),
            });
        }
    }
}
