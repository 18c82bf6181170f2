//! The claims of each passport credential type, typed: what the issuer writes and what a host
//! reads back, in one definition.
//!
//! Every top-level claim (and every element of a top-level array) is selectively disclosable, so
//! a host sees only what the holder disclosed: top-level claims are `Option` here, and a
//! requirement whose claim was withheld is answered "not disclosed" rather than guessed at.
//! Inside a claim every member is present, because an object is disclosed whole. The issuer
//! always writes every top-level claim its records support; the JSON Schema of each type
//! ([`super::schema`]) says which are required.
//!
//! Each check claim carries what the compliance rules read ([`Checked`]: outcome, date, an
//! explicit recheck date), so a host rebuilds the same [`EmploymentCheck`] the issuer decided on
//! ([`CredentialClaims::add_evidence`]) and runs the same rule.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::PassportType;
use crate::checks::{
    AssuranceLevel, CheckDetails, CheckOutcome, DbsCertificateNumber, DbsCheck, DbsLevel, DbsWorkforce,
    EmploymentCheck, EmploymentHistoryCheck, EppClearance, FitnessOutcome, IdentityCheck, IdentityRoute,
    ProfessionalRegistrationCheck, Reference, RightToWorkCheck, RightToWorkPermission, RightToWorkRoute, UpdateService,
    WorkHealthCheck,
};
use crate::compliance::{Evidence, ImmunityEvidence};
use crate::cstf::{Competence, CompetenceRef, CompetenceSource, CstfSubject};
use crate::immunisation::OhClearance;
use crate::person::{ProfessionalRegistration, Register, RegistrationStatus};

/// Who a rebuilt check says made it: the host knows only that a passport vouched for it.
const CHECKED_BY_PASSPORT: &str = "passport";

/// Why presented claims cannot be read as their type.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct ClaimsError(pub String);

/// The holder's names, in every type.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Names {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub given_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub family_name: Option<String>,
}

/// The envelope of a check as a credential carries it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Checked {
    /// `clear` or `clear_with_conditions` (a passport never carries another outcome).
    pub outcome: CheckOutcome,
    /// When the check was completed (for DBS: when the employer checked the certificate).
    pub checked_on: NaiveDate,
    /// An explicit expiry or recheck date the employer set on the check.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub recheck_on: Option<NaiveDate>,
}

impl Checked {
    pub(super) fn of(check: &EmploymentCheck) -> Option<Self> {
        Some(Checked { outcome: check.outcome, checked_on: check.completed_on?, recheck_on: check.expires_on })
    }

    fn check(&self, details: CheckDetails) -> EmploymentCheck {
        EmploymentCheck {
            details,
            outcome: self.outcome,
            completed_on: Some(self.checked_on),
            checked_by: CHECKED_BY_PASSPORT.into(),
            evidence_ref: None,
            expires_on: self.recheck_on,
            notes: None,
        }
    }
}

/// `identity`: how identity was verified and to what GPG45 level.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IdentityClaim {
    pub route: IdentityRoute,
    /// The level the check counts at.
    pub assurance: AssuranceLevel,
    #[serde(flatten)]
    pub checked: Checked,
}

/// `right_to_work`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RightToWorkClaim {
    pub permission: RightToWorkPermission,
    /// When time-limited permission ends.
    #[serde(default)]
    pub expires_on: Option<NaiveDate>,
    #[serde(default)]
    pub follow_up_on: Option<NaiveDate>,
    pub route: RightToWorkRoute,
    #[serde(flatten)]
    pub checked: Checked,
}

/// `registration`: a professional registration and its check.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RegistrationClaim {
    pub register: Register,
    pub number: String,
    pub status: RegistrationStatus,
    /// Renewal date of the registration.
    #[serde(default)]
    pub expires_on: Option<NaiveDate>,
    #[serde(default)]
    pub conditions: Vec<String>,
    #[serde(default)]
    pub qualifications_verified: Vec<String>,
    #[serde(flatten)]
    pub checked: Checked,
}

/// `dbs`: a DBS certificate and its check.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DbsClaim {
    pub level: DbsLevel,
    pub workforce: DbsWorkforce,
    pub certificate_number: String,
    pub issued_on: NaiveDate,
    /// Subscribed to the DBS Update Service.
    pub update_service: bool,
    /// The last Update Service status check; a recheck policy counts from it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_status_check_on: Option<NaiveDate>,
    #[serde(flatten)]
    pub checked: Checked,
}

/// One reference obtained for the employment history check.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReferenceClaim {
    pub referee: String,
    #[serde(default)]
    pub organisation: Option<String>,
    pub received_on: NaiveDate,
}

/// `employment_history`: the period the history check covered, the references obtained, whether
/// every gap was explained, and when it was checked.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EmploymentHistoryClaim {
    pub covered_from: NaiveDate,
    pub covered_to: NaiveDate,
    #[serde(default)]
    pub references: Vec<ReferenceClaim>,
    pub gaps_explained: bool,
    #[serde(flatten)]
    pub checked: Checked,
}

/// `work_health`: the outcome of the work health assessment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WorkHealthClaim {
    pub fitness: FitnessOutcome,
    pub epp_clearance: EppClearance,
    pub assessed_on: NaiveDate,
    #[serde(flatten)]
    pub checked: Checked,
}

/// `oh_clearance`: occupational health's clearance, EPP included.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OhClearanceClaim {
    pub epp: EppClearance,
    pub cleared_on: NaiveDate,
    #[serde(default)]
    pub restrictions: Option<String>,
    #[serde(default)]
    pub review_on: Option<NaiveDate>,
}

/// One element of `competences`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CompetenceClaim {
    /// The CSTF subject key (`fire_safety`), or `local:CODE`.
    pub subject: String,
    pub name: String,
    /// The CSTF level; none for a local competence.
    #[serde(default)]
    pub level: Option<u8>,
    pub completed: NaiveDate,
    /// The issuer's catalogue expiry, for display; the host's rule counts from `completed`.
    #[serde(default)]
    pub expires: Option<NaiveDate>,
    /// A local competence's refresher period.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub refresher_months: Option<u32>,
}

/// `employer` in `employment`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EmployerClaim {
    pub ods_code: String,
    pub name: String,
}

/// `employment`: the current assignment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EmploymentClaim {
    pub employer: EmployerClaim,
    pub role: String,
    /// The ESR staff group name.
    pub staff_group: String,
    pub band: String,
    pub start_date: NaiveDate,
    #[serde(default)]
    pub end_date: Option<NaiveDate>,
}

/// Identity and right to work (`identity_and_right_to_work`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct IdentityCredential {
    #[serde(flatten)]
    pub names: Names,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub birthdate: Option<NaiveDate>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub identity: Option<IdentityClaim>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub right_to_work: Option<RightToWorkClaim>,
}

/// Professional registration (`professional_registration`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RegistrationCredential {
    #[serde(flatten)]
    pub names: Names,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub registration: Option<RegistrationClaim>,
}

/// Criminal record check (`criminal_record`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DbsCredential {
    #[serde(flatten)]
    pub names: Names,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dbs: Option<DbsClaim>,
}

/// Occupational health (`occupational_health`): immunity per antigen, the clearance, the work
/// health assessment.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct OccupationalHealthCredential {
    #[serde(flatten)]
    pub names: Names,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub immunisations: Option<Vec<ImmunityEvidence>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub oh_clearance: Option<OhClearanceClaim>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub work_health: Option<WorkHealthClaim>,
}

/// Statutory and mandatory training (`training`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct TrainingCredential {
    #[serde(flatten)]
    pub names: Names,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub competences: Option<Vec<CompetenceClaim>>,
}

/// Current employment (`employment`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct EmploymentCredential {
    #[serde(flatten)]
    pub names: Names,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub employment: Option<EmploymentClaim>,
}

/// Employment history and references (`employment_history`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct EmploymentHistoryCredential {
    #[serde(flatten)]
    pub names: Names,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub employment_history: Option<EmploymentHistoryClaim>,
}

/// The claims of one credential of any type.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CredentialClaims {
    Identity(IdentityCredential),
    Registration(RegistrationCredential),
    Dbs(DbsCredential),
    OccupationalHealth(OccupationalHealthCredential),
    Training(TrainingCredential),
    Employment(EmploymentCredential),
    EmploymentHistory(EmploymentHistoryCredential),
}

impl CredentialClaims {
    pub fn kind(&self) -> PassportType {
        match self {
            CredentialClaims::Identity(_) => PassportType::IdentityAndRightToWork,
            CredentialClaims::Registration(_) => PassportType::ProfessionalRegistration,
            CredentialClaims::Dbs(_) => PassportType::CriminalRecord,
            CredentialClaims::OccupationalHealth(_) => PassportType::OccupationalHealth,
            CredentialClaims::Training(_) => PassportType::Training,
            CredentialClaims::Employment(_) => PassportType::Employment,
            CredentialClaims::EmploymentHistory(_) => PassportType::EmploymentHistory,
        }
    }

    pub fn names(&self) -> &Names {
        match self {
            CredentialClaims::Identity(c) => &c.names,
            CredentialClaims::Registration(c) => &c.names,
            CredentialClaims::Dbs(c) => &c.names,
            CredentialClaims::OccupationalHealth(c) => &c.names,
            CredentialClaims::Training(c) => &c.names,
            CredentialClaims::Employment(c) => &c.names,
            CredentialClaims::EmploymentHistory(c) => &c.names,
        }
    }

    /// The claims as the JSON object the credential carries (registered claims excluded).
    pub fn to_json(&self) -> Map<String, Value> {
        let value = match self {
            CredentialClaims::Identity(c) => serde_json::to_value(c),
            CredentialClaims::Registration(c) => serde_json::to_value(c),
            CredentialClaims::Dbs(c) => serde_json::to_value(c),
            CredentialClaims::OccupationalHealth(c) => serde_json::to_value(c),
            CredentialClaims::Training(c) => serde_json::to_value(c),
            CredentialClaims::Employment(c) => serde_json::to_value(c),
            CredentialClaims::EmploymentHistory(c) => serde_json::to_value(c),
        };
        match value {
            Ok(Value::Object(map)) => map,
            // Plain structs of strings, dates and enums always serialise to an object.
            _ => Map::new(),
        }
    }

    /// Reads the disclosed claims of a `kind` credential (registered claims such as `iss` and
    /// `vct` are ignored).
    pub fn from_disclosed(kind: PassportType, claims: &Value) -> Result<Self, ClaimsError> {
        fn read<T: serde::de::DeserializeOwned>(claims: &Value) -> Result<T, ClaimsError> {
            T::deserialize(claims).map_err(|e| ClaimsError(e.to_string()))
        }
        Ok(match kind {
            PassportType::IdentityAndRightToWork => CredentialClaims::Identity(read(claims)?),
            PassportType::ProfessionalRegistration => CredentialClaims::Registration(read(claims)?),
            PassportType::CriminalRecord => CredentialClaims::Dbs(read(claims)?),
            PassportType::OccupationalHealth => CredentialClaims::OccupationalHealth(read(claims)?),
            PassportType::Training => CredentialClaims::Training(read(claims)?),
            PassportType::Employment => CredentialClaims::Employment(read(claims)?),
            PassportType::EmploymentHistory => CredentialClaims::EmploymentHistory(read(claims)?),
        })
    }

    /// Adds what these claims vouch for to `evidence`, as the records the compliance rules read.
    /// Fails when a value does not parse as the domain type (a registration number that does not
    /// fit its register, a malformed certificate number).
    pub fn add_evidence(&self, evidence: &mut Evidence) -> Result<(), ClaimsError> {
        match self {
            CredentialClaims::Identity(c) => {
                if let Some(id) = &c.identity {
                    let details = IdentityCheck {
                        route: id.route,
                        assurance: id.assurance,
                        documents_seen: Vec::new(),
                        idsp_name: None,
                        smartcard_uuid: None,
                    };
                    evidence.checks.push(id.checked.check(CheckDetails::Identity(details)));
                }
                if let Some(rtw) = &c.right_to_work {
                    let details = RightToWorkCheck {
                        route: rtw.route,
                        permission: rtw.permission,
                        permission_expires_on: rtw.expires_on,
                        follow_up_on: rtw.follow_up_on,
                        share_code: None,
                    };
                    evidence.checks.push(rtw.checked.check(CheckDetails::RightToWork(details)));
                }
            }
            CredentialClaims::Registration(c) => {
                if let Some(r) = &c.registration {
                    let registration = ProfessionalRegistration::new(r.register, &r.number, r.status, r.expires_on)
                        .map_err(|e| ClaimsError(format!("registration.{e}")))?;
                    let details = ProfessionalRegistrationCheck {
                        registration,
                        conditions: r.conditions.clone(),
                        qualifications_verified: r.qualifications_verified.clone(),
                    };
                    evidence.checks.push(r.checked.check(CheckDetails::ProfessionalRegistration(details)));
                }
            }
            CredentialClaims::Dbs(c) => {
                if let Some(d) = &c.dbs {
                    let certificate_number = DbsCertificateNumber::parse(&d.certificate_number)
                        .map_err(|e| ClaimsError(format!("dbs.{e}")))?;
                    let update_service = d.update_service.then(|| UpdateService {
                        subscription_id: String::new(),
                        last_status_check_on: d.last_status_check_on,
                    });
                    let details = DbsCheck {
                        level: d.level,
                        certificate_number,
                        issued_on: d.issued_on,
                        workforce: d.workforce,
                        update_service,
                    };
                    evidence.checks.push(d.checked.check(CheckDetails::CriminalRecord(details)));
                }
            }
            CredentialClaims::OccupationalHealth(c) => {
                evidence.immunities.extend(c.immunisations.iter().flatten().cloned());
                if let Some(oh) = &c.oh_clearance {
                    evidence.oh_clearance = Some(OhClearance {
                        epp: oh.epp,
                        cleared_on: oh.cleared_on,
                        cleared_by: CHECKED_BY_PASSPORT.into(),
                        restrictions: oh.restrictions.clone(),
                        review_on: oh.review_on,
                    });
                }
                if let Some(wh) = &c.work_health {
                    let details = WorkHealthCheck {
                        outcome: wh.fitness,
                        adjustments: None,
                        epp_clearance: wh.epp_clearance,
                        assessed_by: CHECKED_BY_PASSPORT.into(),
                        assessed_on: wh.assessed_on,
                    };
                    evidence.checks.push(wh.checked.check(CheckDetails::WorkHealth(details)));
                }
            }
            CredentialClaims::Training(c) => {
                for (i, item) in c.competences.iter().flatten().enumerate() {
                    let competence = match item.subject.strip_prefix("local:") {
                        Some(code) => CompetenceRef::Local {
                            code: code.to_owned(),
                            name: item.name.clone(),
                            refresher_months: item.refresher_months,
                        },
                        None => {
                            let subject = CstfSubject::parse(&item.subject)
                                .map_err(|e| ClaimsError(format!("competences[{i}].{e}")))?;
                            let level = item
                                .level
                                .ok_or_else(|| ClaimsError(format!("competences[{i}].level: missing for CSTF")))?;
                            CompetenceRef::Cstf { subject, level }
                        }
                    };
                    evidence.competences.push(Competence {
                        competence,
                        completed_on: item.completed,
                        source: CompetenceSource::Passport,
                        provider: None,
                    });
                }
            }
            CredentialClaims::EmploymentHistory(c) => {
                if let Some(h) = &c.employment_history {
                    let details = EmploymentHistoryCheck {
                        covered_from: h.covered_from,
                        covered_to: h.covered_to,
                        references: h
                            .references
                            .iter()
                            .map(|r| Reference {
                                referee: r.referee.clone(),
                                organisation: r.organisation.clone(),
                                requested_on: None,
                                received_on: r.received_on,
                            })
                            .collect(),
                        gaps_explained: h.gaps_explained,
                        gap_notes: None,
                    };
                    evidence.checks.push(h.checked.check(CheckDetails::EmploymentHistory(details)));
                }
            }
            CredentialClaims::Employment(_) => {}
        }
        Ok(())
    }
}
