//! Workforce sharing agreements (Enabling Staff Movement): the documents the parties sign and the
//! rules over them.
//!
//! Two kinds: an **umbrella** agreement between two or more organisations (core terms version,
//! organisation-level bespoke terms, period, scope), and a **deployment** of one worker from the
//! employing organisation to a host ("licence to attend": the worker stays employed by the home
//! organisation) for roles and dates, with bespoke local terms, under an umbrella or on its own.
//!
//! What is signed is the [`AgreementDocument`] itself, as RFC 8785 canonical JSON; the signing and
//! the signature formats live in `credentials::agreement`. This module owns the shapes, their
//! validation and the lifecycle ([`state`]); it knows nothing of keys or storage.

pub mod cover;
pub mod state;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::error::{FieldError, ValidationErrors, indexed};
use crate::org::{OdsCode, OrgKind};

pub use cover::{AgreementCover, Candidate, CoverStatus, Presenter, cover};
pub use state::{AgreementState, Lifecycle, LifecycleError, Signature, SignerRole, Withdrawal};

/// Which set of core terms applies: within the NHS family, or with a party outside it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum TermsFamily {
    Nhs,
    NonNhs,
}

/// A reference to one version of the registry operator's core terms, pinned by its SHA-256.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TermsRef {
    /// e.g. `nhs-core-terms`.
    pub id: String,
    /// e.g. `2026.1`.
    pub version: String,
    /// Lower-case hex SHA-256 of the terms text as published.
    pub sha256: String,
}

/// Bespoke local terms: structured fields for the common ones, free text for the rest. Each is
/// optional; an empty one means "as the core terms say".
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BespokeTerms {
    /// Pay variation while deployed, e.g. "host pays enhanced bank rate; recharged monthly".
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pay_variation: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub car_parking: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub travel: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub it_access: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub supervision: Option<String>,
    /// Anything else, in the parties' words.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub other: Option<String>,
}

/// UK GDPR Article 6 lawful basis for sharing personal data with a party outside the NHS family.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Article6Basis {
    /// 6(1)(b)
    Contract,
    /// 6(1)(c)
    LegalObligation,
    /// 6(1)(d)
    VitalInterests,
    /// 6(1)(e)
    PublicTask,
    /// 6(1)(f)
    LegitimateInterests,
    /// 6(1)(a)
    Consent,
}

/// UK GDPR Article 9(2) condition for special category data (health: immunisations, work health).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Article9Condition {
    /// 9(2)(b), with DPA 2018 Sch. 1 para 1
    EmploymentSocialSecurity,
    /// 9(2)(h), with DPA 2018 Sch. 1 para 2
    HealthOrSocialCare,
    /// 9(2)(i)
    PublicHealth,
    /// 9(2)(a)
    ExplicitConsent,
    /// 9(2)(c)
    VitalInterests,
}

/// Why personal data may cross to a party outside the NHS family.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DataSharingBasis {
    pub article_6: Article6Basis,
    pub article_9: Article9Condition,
    /// The purpose, in words, e.g. "to deploy registered nurses to the hospice's inpatient unit".
    pub purpose: String,
}

/// A period, both ends inclusive.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Period {
    pub start: NaiveDate,
    pub end: NaiveDate,
}

impl Period {
    pub fn contains(&self, day: NaiveDate) -> bool {
        self.start <= day && day <= self.end
    }
}

/// What an umbrella agreement covers.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Scope {
    /// Staff groups (ESR names or our keys), e.g. `nursing_and_midwifery_registered`.
    #[serde(default)]
    pub staff_groups: Vec<String>,
    /// Purposes, e.g. "mutual aid", "rotation", "split post", "training pathway".
    #[serde(default)]
    pub purposes: Vec<String>,
}

/// One organisation party, with the kind that decides which core terms apply.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OrgParty {
    pub ods_code: OdsCode,
    pub name: String,
    pub kind: OrgKind,
}

/// The worker party: named, and bound to the holder key of their passport credentials.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct WorkerParty {
    /// The worker's person id in the employing organisation's dataset.
    pub person_id: String,
    pub given_name: String,
    pub family_name: String,
}

/// A reference to another signed agreement version (an umbrella, or the version amended).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AgreementRef {
    pub id: String,
    pub version: u32,
    /// Hex SHA-256 of that version's canonical JSON.
    pub sha256: String,
}

/// An umbrella agreement between organisations.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Umbrella {
    pub title: String,
    pub parties: Vec<OrgParty>,
    pub period: Period,
    #[serde(default)]
    pub scope: Scope,
    #[serde(default)]
    pub bespoke_terms: BespokeTerms,
}

/// One worker's temporary deployment to a host.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Deployment {
    pub worker: WorkerParty,
    pub employer: OrgParty,
    pub host: OrgParty,
    /// Role codes at the host.
    pub roles: Vec<String>,
    pub period: Period,
    #[serde(default)]
    pub bespoke_terms: BespokeTerms,
    /// The umbrella agreement it falls under, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub umbrella: Option<AgreementRef>,
}

/// The two kinds of agreement.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum AgreementBody {
    Umbrella(Umbrella),
    Deployment(Deployment),
}

/// Media type marker inside every signed document, so a signature over one cannot be replayed as
/// another kind of document.
pub const DOCUMENT_TYPE: &str = "staff-passport-agreement/v1";

/// The document every party signs. Its RFC 8785 canonical form is the JWS payload.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AgreementDocument {
    /// Always [`DOCUMENT_TYPE`].
    #[serde(rename = "type")]
    pub doc_type: String,
    /// Stable across versions (a UUID).
    pub id: String,
    /// 1 for the first; an amendment is the next version, signed again.
    pub version: u32,
    /// The version this one amends.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub amends: Option<AgreementRef>,
    /// The registry operator's identifier (whose core terms and trust list apply).
    pub registry: String,
    pub core_terms: TermsRef,
    /// Required when any party is outside the NHS family.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub data_sharing: Option<DataSharingBasis>,
    /// What is agreed: `{"kind": "umbrella" | "deployment", …}`.
    #[serde(rename = "agreement")]
    pub body: AgreementBody,
}

impl AgreementDocument {
    /// The organisation parties, in document order.
    pub fn organisations(&self) -> Vec<&OrgParty> {
        match &self.body {
            AgreementBody::Umbrella(u) => u.parties.iter().collect(),
            AgreementBody::Deployment(d) => vec![&d.employer, &d.host],
        }
    }

    pub fn period(&self) -> Period {
        match &self.body {
            AgreementBody::Umbrella(u) => u.period,
            AgreementBody::Deployment(d) => d.period,
        }
    }

    /// Every signer the agreement needs: each organisation, and the worker of a deployment.
    pub fn required_signers(&self) -> Vec<SignerRole> {
        let mut out: Vec<SignerRole> =
            self.organisations().into_iter().map(|p| SignerRole::Organisation(p.ods_code.clone())).collect();
        if matches!(self.body, AgreementBody::Deployment(_)) {
            out.push(SignerRole::Worker);
        }
        out
    }

    /// The core terms family the parties require: non-NHS as soon as one party is outside it.
    pub fn terms_family(&self) -> TermsFamily {
        if self.organisations().iter().all(|p| p.kind.is_nhs()) { TermsFamily::Nhs } else { TermsFamily::NonNhs }
    }

    /// Checks the document's own consistency; `terms_family_of` says which family the named core
    /// terms belong to (the registry knows), or `None` when it does not know them.
    pub fn validate(&self, terms_family_of: impl Fn(&TermsRef) -> Option<TermsFamily>) -> Result<(), ValidationErrors> {
        let mut errors = ValidationErrors::default();
        if self.doc_type != DOCUMENT_TYPE {
            errors.push(FieldError::new("type", format!("must be {DOCUMENT_TYPE}")));
        }
        if self.id.trim().is_empty() {
            errors.push(FieldError::new("id", "must not be empty"));
        }
        if self.version == 0 {
            errors.push(FieldError::new("version", "starts at 1"));
        }
        match (&self.amends, self.version) {
            (None, v) if v > 1 => {
                errors.push(FieldError::new("amends", "a version after 1 names the version it amends"))
            }
            (Some(prev), v) if prev.version + 1 != v || prev.id != self.id => {
                errors.push(FieldError::new("amends", "must name the previous version of the same agreement"))
            }
            _ => {}
        }
        check_sha256(&self.core_terms.sha256, "core_terms.sha256", &mut errors);
        match terms_family_of(&self.core_terms) {
            None => errors.push(FieldError::new("core_terms", "unknown core terms id or version")),
            Some(family) if family != self.terms_family() => errors.push(FieldError::new(
                "core_terms",
                match self.terms_family() {
                    TermsFamily::Nhs => "all parties are NHS bodies: use the NHS core terms",
                    TermsFamily::NonNhs => "a party is outside the NHS family: use the non-NHS core terms",
                },
            )),
            Some(_) => {}
        }
        match (self.terms_family(), &self.data_sharing) {
            (TermsFamily::NonNhs, None) => errors.push(FieldError::new(
                "data_sharing",
                "a party is outside the NHS family: state the UK GDPR Article 6 basis, Article 9 condition and purpose",
            )),
            (_, Some(basis)) if basis.purpose.trim().is_empty() => {
                errors.push(FieldError::new("data_sharing.purpose", "must not be empty"))
            }
            _ => {}
        }
        let period = self.period();
        if period.end < period.start {
            errors.push(FieldError::new("period.end", "is before the start"));
        }
        match &self.body {
            AgreementBody::Umbrella(u) => {
                if u.title.trim().is_empty() {
                    errors.push(FieldError::new("title", "must not be empty"));
                }
                if u.parties.len() < 2 {
                    errors.push(FieldError::new("parties", "an umbrella agreement needs two or more organisations"));
                }
                for (i, p) in u.parties.iter().enumerate() {
                    if u.parties[..i].iter().any(|q| q.ods_code == p.ods_code) {
                        errors.push(FieldError::new(indexed("parties", i), format!("{} is listed twice", p.ods_code)));
                    }
                }
            }
            AgreementBody::Deployment(d) => {
                if d.employer.ods_code == d.host.ods_code {
                    errors.push(FieldError::new("host", "must differ from the employer"));
                }
                if d.roles.is_empty() || d.roles.iter().any(|r| r.trim().is_empty()) {
                    errors.push(FieldError::new("roles", "name at least one role at the host"));
                }
                if d.worker.person_id.trim().is_empty() {
                    errors.push(FieldError::new("worker.person_id", "must not be empty"));
                }
                if d.worker.given_name.trim().is_empty() || d.worker.family_name.trim().is_empty() {
                    errors.push(FieldError::new("worker", "given and family names are required"));
                }
                if let Some(u) = &d.umbrella {
                    check_sha256(&u.sha256, "umbrella.sha256", &mut errors);
                }
            }
        }
        errors.into_result()
    }
}

fn check_sha256(hex: &str, field: &str, errors: &mut ValidationErrors) {
    if hex.len() != 64 || !hex.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b)) {
        errors.push(FieldError::new(field, "must be 64 lower-case hex digits (SHA-256)"));
    }
}

#[cfg(test)]
mod tests;
