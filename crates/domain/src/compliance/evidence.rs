//! The evidence view the compliance rules decide on, shared by both sides of the passport: the
//! issuer evaluates its own records through it, and a host evaluates what presented credentials
//! carry through it ([`crate::passport::ready`]), so one rule decides both.
//!
//! Checks, competences and the occupational health clearance are the records themselves (a
//! credential carries every field their rules read). Immunisations are not: their rules read
//! clinical detail (serology levels, dose lists) that occupational health does not pass on, so
//! [`ImmunityEvidence`] holds what the rules conclude from it that does not depend on the date,
//! plus the one date a seasonal rule needs (the last dose).

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::checks::EmploymentCheck;
use crate::cstf::Competence;
use crate::immunisation::{Antigen, Dose, Immunisation, ImmunisationStatus, OhAssessment, OhClearance, assess};

/// What occupational health vouches for about one antigen: everything the immunisation rules
/// need, and no clinical detail.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct ImmunityEvidence {
    pub antigen: Antigen,
    pub status: ImmunisationStatus,
    /// The latest dose given; seasonal antigens (flu, COVID-19) count it for its season.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_dose_on: Option<NaiveDate>,
    /// Antigens whose rule does not depend on the date: whether it is met.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub protected: Option<bool>,
    /// Antigens whose rule does not depend on the date: the rule's words, e.g. "2 documented
    /// MMR doses".
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub basis: Option<String>,
}

impl ImmunityEvidence {
    /// The evidence a record gives: its own, or where that does not meet the rule, the
    /// conclusion of a passport credential the organisation accepted for it.
    pub fn of(record: &Immunisation) -> Self {
        let own = Self::own(record);
        match &record.passport {
            Some(presented) if presented.antigen == record.antigen => own.or_presented(presented),
            _ => own,
        }
    }

    /// `self`, or for what it does not meet, `presented`: the later last dose (the seasonal
    /// rule reads only that), and `presented`'s conclusion where this one is not a met one.
    fn or_presented(mut self, presented: &ImmunityEvidence) -> Self {
        self.last_dose_on = self.last_dose_on.max(presented.last_dose_on);
        if self.protected != Some(true) && presented.protected.is_some() {
            self.status = presented.status;
            self.protected = presented.protected;
            self.basis = presented.basis.as_ref().map(|b| format!("{b} (accepted from a passport credential)"));
        }
        self
    }

    /// The record as a host keeps an accepted credential's conclusion: status and last dose
    /// as presented, the conclusion itself under `passport`.
    pub fn into_record(self) -> Immunisation {
        let mut record = self.bare_record();
        record.passport = Some(self);
        record
    }

    /// A record with only this evidence's status and last dose: what the seasonal rule reads.
    fn bare_record(&self) -> Immunisation {
        Immunisation {
            antigen: self.antigen,
            status: self.status,
            doses: self
                .last_dose_on
                .map(|given_on| Dose { given_on, product: None, batch: None })
                .into_iter()
                .collect(),
            serology: Vec::new(),
            history_of_disease: false,
            bcg_scar: false,
            recorded_by: None,
            notes: None,
            passport: None,
        }
    }

    /// The evidence the record's own clinical detail gives.
    fn own(record: &Immunisation) -> Self {
        let last_dose_on = record.doses.iter().map(|d| d.given_on).max();
        let (protected, basis) = if record.antigen.is_seasonal() {
            (None, None)
        } else {
            // Non-seasonal rules never read the date (immunisation::rules), so any day will do.
            let a = assess(record, NaiveDate::MIN);
            (Some(a.met), Some(a.reason))
        };
        ImmunityEvidence { antigen: record.antigen, status: record.status, last_dose_on, protected, basis }
    }

    /// The immunisation rule on `today`, over this evidence.
    pub fn assess(&self, today: NaiveDate) -> OhAssessment {
        if self.antigen.is_seasonal() {
            // The seasonal rule reads the status and the doses; the latest dose decides it.
            return assess(&self.bare_record(), today);
        }
        match (self.protected, &self.basis) {
            (Some(met), Some(reason)) => OhAssessment { met, expires_on: None, reason: reason.clone() },
            _ => OhAssessment {
                met: false,
                expires_on: None,
                reason: format!("occupational health did not say whether {} is satisfied", self.antigen.label()),
            },
        }
    }
}

/// Everything the rules decide a role's requirements on, owned: built from presented
/// credentials by a host.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Evidence {
    pub checks: Vec<EmploymentCheck>,
    pub competences: Vec<Competence>,
    pub immunities: Vec<ImmunityEvidence>,
    pub oh_clearance: Option<OhClearance>,
}
