//! Core Skills Training Framework competences (domain.md §4): subjects, competence references,
//! completed competences and their expiry.
//!
//! Expiry is always derived (completion date + the catalogue's refresher period), never supplied
//! by the caller, so a change of policy in the catalogue changes every expiry at once. The table
//! itself lives in `catalogue`; ESR's `NHS|CSTF|…|` names in `esr_name`.

mod catalogue;
mod esr_name;

pub use catalogue::{
    CSTF_TABLE, Catalogue, CatalogueItem, CatalogueOverrides, CstfEntry, LocalCompetence, RefresherOverride, catalogue,
    check_local_code, levels_of, national_entry,
};
pub use esr_name::{EsrCompetence, format_esr_name, parse_esr_name};

pub use crate::dates::add_months;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::error::{FieldError, ValidationErrors};
use crate::newtype::{check_optional_text, check_text, not_future};

/// The 11 CSTF subjects.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case", try_from = "String")]
pub enum CstfSubject {
    ConflictResolution,
    EqualityDiversityHumanRights,
    FireSafety,
    HealthSafetyWelfare,
    InfectionPreventionControl,
    InformationGovernance,
    MovingHandling,
    PreventingRadicalisation,
    Resuscitation,
    SafeguardingAdults,
    SafeguardingChildren,
}

impl CstfSubject {
    pub const ALL: [CstfSubject; 11] = [
        CstfSubject::ConflictResolution,
        CstfSubject::EqualityDiversityHumanRights,
        CstfSubject::FireSafety,
        CstfSubject::HealthSafetyWelfare,
        CstfSubject::InfectionPreventionControl,
        CstfSubject::InformationGovernance,
        CstfSubject::MovingHandling,
        CstfSubject::PreventingRadicalisation,
        CstfSubject::Resuscitation,
        CstfSubject::SafeguardingAdults,
        CstfSubject::SafeguardingChildren,
    ];

    /// Position in [`Self::ALL`].
    pub(crate) fn index(self) -> usize {
        self as usize
    }

    /// Stable key, the JSON name: `fire_safety`.
    pub fn key(self) -> &'static str {
        match self {
            CstfSubject::ConflictResolution => "conflict_resolution",
            CstfSubject::EqualityDiversityHumanRights => "equality_diversity_human_rights",
            CstfSubject::FireSafety => "fire_safety",
            CstfSubject::HealthSafetyWelfare => "health_safety_welfare",
            CstfSubject::InfectionPreventionControl => "infection_prevention_control",
            CstfSubject::InformationGovernance => "information_governance",
            CstfSubject::MovingHandling => "moving_handling",
            CstfSubject::PreventingRadicalisation => "preventing_radicalisation",
            CstfSubject::Resuscitation => "resuscitation",
            CstfSubject::SafeguardingAdults => "safeguarding_adults",
            CstfSubject::SafeguardingChildren => "safeguarding_children",
        }
    }

    /// The subject as ESR names it: `Fire Safety`.
    pub fn name(self) -> &'static str {
        match self {
            CstfSubject::ConflictResolution => "Conflict Resolution",
            CstfSubject::EqualityDiversityHumanRights => "Equality, Diversity and Human Rights",
            CstfSubject::FireSafety => "Fire Safety",
            CstfSubject::HealthSafetyWelfare => "Health, Safety and Welfare",
            CstfSubject::InfectionPreventionControl => "Infection Prevention and Control",
            CstfSubject::InformationGovernance => "Information Governance and Data Security",
            CstfSubject::MovingHandling => "Moving and Handling",
            CstfSubject::PreventingRadicalisation => "Preventing Radicalisation",
            CstfSubject::Resuscitation => "Resuscitation",
            CstfSubject::SafeguardingAdults => "Safeguarding Adults",
            CstfSubject::SafeguardingChildren => "Safeguarding Children",
        }
    }

    /// Accepts the key (`fire_safety`) or the ESR name (`Fire Safety`, any case).
    pub fn parse(input: &str) -> Result<Self, FieldError> {
        let wanted = input.trim();
        Self::ALL
            .into_iter()
            .find(|s| s.key() == wanted || s.name().eq_ignore_ascii_case(wanted))
            .ok_or_else(|| FieldError::new("subject", format!("{wanted:?} is not a CSTF subject")))
    }
}

impl TryFrom<String> for CstfSubject {
    type Error = FieldError;
    fn try_from(s: String) -> Result<Self, FieldError> {
        Self::parse(&s)
    }
}

/// Which competence: a national CSTF subject at a level, or an organisation's local one.
///
/// JSON: `{"kind":"cstf","subject":"fire_safety","level":1}` or
/// `{"kind":"local","code":"SHARPS-1","name":"Sharps safety","refresher_months":24}`.
/// In a role requirement, a CSTF level is the minimum: a higher level of the same subject meets it.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum CompetenceRef {
    Cstf {
        subject: CstfSubject,
        level: u8,
    },
    Local {
        code: String,
        name: String,
        #[serde(default)]
        refresher_months: Option<u32>,
    },
}

impl CompetenceRef {
    pub fn cstf(subject: CstfSubject, level: u8) -> Self {
        CompetenceRef::Cstf { subject, level }
    }

    /// Stable string key: `cstf:fire_safety:1`, `local:SHARPS-1`.
    pub fn key(&self) -> String {
        match self {
            CompetenceRef::Cstf { subject, level } => format!("cstf:{}:{level}", subject.key()),
            CompetenceRef::Local { code, .. } => format!("local:{code}"),
        }
    }

    /// Human label: `Fire Safety`, `Safeguarding Adults level 2`, or the local name.
    pub fn label(&self) -> String {
        match self {
            CompetenceRef::Cstf { subject, level } => {
                if levels_of(*subject).nth(1).is_some() {
                    format!("{} level {level}", subject.name())
                } else {
                    subject.name().to_owned()
                }
            }
            CompetenceRef::Local { name, .. } => name.clone(),
        }
    }

    /// Checks the level exists nationally, or the local code and name are well formed.
    pub fn validate(&self) -> Result<(), ValidationErrors> {
        let mut errors = ValidationErrors::new();
        match self {
            CompetenceRef::Cstf { subject, level } => {
                if national_entry(*subject, *level).is_none() {
                    let levels: Vec<String> = levels_of(*subject).map(|l| l.to_string()).collect();
                    errors.add(
                        "level",
                        format!("{} has no level {level} (levels: {})", subject.name(), levels.join(", ")),
                    );
                }
            }
            CompetenceRef::Local { code, name, refresher_months } => {
                errors.check("", check_local_code(code));
                errors.check("", check_text("name", name, 200));
                if *refresher_months == Some(0) {
                    errors.add("refresher_months", "must be at least 1 month");
                }
            }
        }
        errors.into_result()
    }
}

/// Where a completed competence came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum CompetenceSource {
    ELearning,
    FaceToFace,
    Assessment,
    /// Imported from another learning management system.
    Imported,
    /// Copied by an Inter-Authority Transfer.
    IatTransfer,
    /// Taken from a presented passport credential.
    Passport,
}

/// A competence a person completed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Competence {
    pub competence: CompetenceRef,
    pub completed_on: NaiveDate,
    pub source: CompetenceSource,
    /// Training provider, e.g. "e-Learning for Healthcare".
    #[serde(default)]
    pub provider: Option<String>,
}

impl Competence {
    /// Expiry under the national catalogue.
    pub fn expires_on(&self) -> Option<NaiveDate> {
        self.expires_on_in(&Catalogue::national())
    }

    /// Expiry under an organisation's catalogue: completion + refresher period. `None` when the
    /// competence never needs refreshing (or the CSTF level does not exist).
    pub fn expires_on_in(&self, catalogue: &Catalogue) -> Option<NaiveDate> {
        add_months(self.completed_on, catalogue.refresher_months(&self.competence)?)
    }

    pub fn validate(&self, today: NaiveDate) -> Result<(), ValidationErrors> {
        let mut errors = ValidationErrors::new();
        errors.merge("competence", self.competence.validate());
        errors.check("", not_future("completed_on", self.completed_on, today));
        errors.check("", check_optional_text("provider", self.provider.as_deref(), 200));
        errors.into_result()
    }
}

#[cfg(test)]
mod tests;
