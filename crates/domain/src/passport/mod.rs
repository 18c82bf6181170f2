//! The Digital Staff Passport's credential types (domain.md §7), in one definition: the typed
//! claims of each ([`claims`]), the mapping from a person's records to them ([`map`]), what a host
//! asks for a role ([`ask`]), the rules that decide a requirement from presented claims
//! ([`ready`], the compliance rules themselves), the `vct` of each type and the JSON Schema of its
//! claims ([`schema`]).
//!
//! Nothing here signs, encodes or knows the SD-JWT format: the server turns [`PassportClaims`]
//! into an SD-JWT VC with every top-level claim (and array element) disclosable, and turns
//! [`ask::Plan`] into a DCQL query. No other crate reads a claim by its name.
//!
//! A type's `vct` is a versioned URN, the same on every deployment
//! (`urn:nhs:staff-passport:dbs:1`), so a wallet holding credentials from one deployment answers
//! a request from any other. A change that a verifier of the previous version would misread gets
//! a new version number.

pub mod ask;
pub mod claims;
mod map;
pub mod ready;
pub mod schema;

pub use ask::{Plan, plan, types_for};
pub use claims::{ClaimsError, CredentialClaims};
pub use map::map;
pub use ready::{Readiness, Undecided, decide_presented};

use chrono::{Duration, NaiveDate};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use utoipa::ToSchema;

use crate::assignment::Assignment;
use crate::checks::EmploymentCheck;
use crate::cstf::Competence;
use crate::error::FieldError;
use crate::immunisation::{Immunisation, OhClearance};
use crate::person::Person;

/// The first part of every passport `vct`.
pub const VCT_PREFIX: &str = "urn:nhs:staff-passport:";
/// The version of the claims' shape (the last part of a `vct`).
pub const VCT_VERSION: u32 = 1;

/// The seven passport credential types. JSON: the key (`criminal_record`); the slug of its `vct`
/// (`dbs`) is accepted too.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum PassportType {
    #[serde(alias = "identity")]
    IdentityAndRightToWork,
    #[serde(alias = "registration")]
    ProfessionalRegistration,
    #[serde(alias = "dbs")]
    CriminalRecord,
    #[serde(alias = "occupational-health")]
    OccupationalHealth,
    Training,
    Employment,
    #[serde(alias = "employment-history")]
    EmploymentHistory,
}

impl PassportType {
    pub const ALL: [PassportType; 7] = [
        PassportType::IdentityAndRightToWork,
        PassportType::ProfessionalRegistration,
        PassportType::CriminalRecord,
        PassportType::OccupationalHealth,
        PassportType::Training,
        PassportType::Employment,
        PassportType::EmploymentHistory,
    ];

    /// The JSON / database key, e.g. `criminal_record`.
    pub fn key(self) -> &'static str {
        match self {
            PassportType::IdentityAndRightToWork => "identity_and_right_to_work",
            PassportType::ProfessionalRegistration => "professional_registration",
            PassportType::CriminalRecord => "criminal_record",
            PassportType::OccupationalHealth => "occupational_health",
            PassportType::Training => "training",
            PassportType::Employment => "employment",
            PassportType::EmploymentHistory => "employment_history",
        }
    }

    /// The type's short name in its `vct` and metadata path, e.g. `dbs`.
    pub fn slug(self) -> &'static str {
        match self {
            PassportType::IdentityAndRightToWork => "identity",
            PassportType::ProfessionalRegistration => "registration",
            PassportType::CriminalRecord => "dbs",
            PassportType::OccupationalHealth => "occupational-health",
            PassportType::Training => "training",
            PassportType::Employment => "employment",
            PassportType::EmploymentHistory => "employment-history",
        }
    }

    /// The type's `vct` (SD-JWT VC §3.2.2.1.1): `urn:nhs:staff-passport:{slug}:{version}`, the
    /// same on every deployment.
    pub fn vct(self) -> String {
        format!("{VCT_PREFIX}{}:{VCT_VERSION}", self.slug())
    }

    /// The type a `vct` names (this version only).
    pub fn from_vct(vct: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|t| t.vct() == vct)
    }

    /// By key (`criminal_record`) or slug (`dbs`).
    pub fn parse(input: &str) -> Result<Self, FieldError> {
        let input = input.trim();
        Self::ALL.into_iter().find(|t| t.key() == input || t.slug() == input).ok_or_else(|| {
            let keys: Vec<&str> = Self::ALL.iter().map(|t| t.key()).collect();
            FieldError::new("type", format!("{input:?} is not a passport credential type ({})", keys.join(", ")))
        })
    }

    /// Display name for type metadata and wallets.
    pub fn name(self) -> &'static str {
        match self {
            PassportType::IdentityAndRightToWork => "NHS staff passport: identity and right to work",
            PassportType::ProfessionalRegistration => "NHS staff passport: professional registration",
            PassportType::CriminalRecord => "NHS staff passport: criminal record (DBS) check",
            PassportType::OccupationalHealth => "NHS staff passport: occupational health and immunisations",
            PassportType::Training => "NHS staff passport: statutory and mandatory training (CSTF)",
            PassportType::Employment => "NHS staff passport: employment",
            PassportType::EmploymentHistory => "NHS staff passport: employment history and references",
        }
    }

    /// The top-level claims this type carries, with a display label each (type metadata).
    pub fn claim_labels(self) -> &'static [(&'static str, &'static str)] {
        const NAMES: [(&str, &str); 2] = [("given_name", "Given name"), ("family_name", "Family name")];
        match self {
            PassportType::IdentityAndRightToWork => &[
                NAMES[0],
                NAMES[1],
                ("birthdate", "Date of birth"),
                ("identity", "Identity check"),
                ("right_to_work", "Right to work"),
            ],
            PassportType::ProfessionalRegistration => {
                &[NAMES[0], NAMES[1], ("registration", "Professional registration")]
            }
            PassportType::CriminalRecord => &[NAMES[0], NAMES[1], ("dbs", "DBS check")],
            PassportType::OccupationalHealth => &[
                NAMES[0],
                NAMES[1],
                ("immunisations", "Immunisations"),
                ("oh_clearance", "Occupational health clearance"),
                ("work_health", "Work health assessment"),
            ],
            PassportType::Training => &[NAMES[0], NAMES[1], ("competences", "CSTF competences")],
            PassportType::Employment => &[NAMES[0], NAMES[1], ("employment", "Employment")],
            PassportType::EmploymentHistory => {
                &[NAMES[0], NAMES[1], ("employment_history", "Employment history and references")]
            }
        }
    }
}

/// Validity rules that are policy, not law (domain.md marks them unconfirmed): configurable.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PassportPolicy {
    /// DBS recheck period counted from the certificate (or last Update Service check).
    pub dbs_recheck_months: u32,
    /// Upper bound on any credential's validity, when nothing in the records ends sooner.
    pub max_validity_months: u32,
    /// Occupational health credentials without a review date are re-issued yearly (seasonal vaccines).
    pub oh_validity_months: u32,
}

impl Default for PassportPolicy {
    fn default() -> Self {
        PassportPolicy { dbs_recheck_months: 36, max_validity_months: 36, oh_validity_months: 12 }
    }
}

/// A record with its store id.
#[derive(Debug, Clone, PartialEq)]
pub struct Sourced<T> {
    pub id: String,
    pub value: T,
}

/// Everything a mapping may draw on. `oh_clearance`'s id is whatever the store names it by.
#[derive(Debug, Clone, Default)]
pub struct PassportInput<'a> {
    pub person: Option<&'a Person>,
    pub employer_ods: &'a str,
    pub employer_name: &'a str,
    pub checks: &'a [Sourced<EmploymentCheck>],
    pub competences: &'a [Sourced<Competence>],
    pub immunisations: &'a [Sourced<Immunisation>],
    pub assignments: &'a [Sourced<Assignment>],
    pub oh_clearance: Option<&'a Sourced<OhClearance>>,
}

/// The claims of one credential, the records they came from, and how long it may be valid.
#[derive(Debug, Clone, PartialEq)]
pub struct PassportClaims {
    pub kind: PassportType,
    pub claims: CredentialClaims,
    /// Store ids of the records vouched for: a change to any of them revokes the credential.
    pub sources: Vec<String>,
    /// The last day the credential is valid (inclusive).
    pub valid_until: NaiveDate,
}

impl PassportClaims {
    /// The claims as the credential's JSON object.
    pub fn to_json(&self) -> Map<String, Value> {
        self.claims.to_json()
    }
}

/// Unix seconds at which a credential valid through `valid_until` (inclusive) expires: the
/// following midnight, UTC.
pub fn exp_of(valid_until: NaiveDate) -> i64 {
    (valid_until + Duration::days(1)).and_hms_opt(0, 0, 0).map_or(i64::MAX, |t| t.and_utc().timestamp())
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::checks::CheckOutcome;
    use crate::cstf::Catalogue;

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    fn person() -> Person {
        serde_json::from_value(json!({"given_name": "Amara", "family_name": "Okafor", "date_of_birth": "1988-03-14"}))
            .unwrap()
    }

    fn check(id: &str, v: Value) -> Sourced<EmploymentCheck> {
        Sourced { id: id.into(), value: serde_json::from_value(v).unwrap() }
    }

    fn dbs(id: &str, issued: &str, outcome: &str) -> Sourced<EmploymentCheck> {
        check(
            id,
            json!({"details": {"kind": "criminal_record", "level": "enhanced_adults", "certificate_number": "001234567890",
                               "issued_on": issued, "workforce": "adult"},
                   "outcome": outcome, "completed_on": issued, "checked_by": "hr"}),
        )
    }

    fn competence(id: &str, subject: &str, level: u8, done: &str) -> Sourced<Competence> {
        Sourced {
            id: id.into(),
            value: serde_json::from_value(json!({"competence": {"kind": "cstf", "subject": subject, "level": level},
                                                 "completed_on": done, "source": "e_learning"}))
            .unwrap(),
        }
    }

    /// The mapping, and its claims as the credential's JSON.
    fn run(kind: PassportType, input: &PassportInput<'_>, today: &str) -> Result<(PassportClaims, Value), FieldError> {
        let out = map(kind, input, &Catalogue::national(), &PassportPolicy::default(), d(today))?;
        let json = Value::Object(out.to_json());
        Ok((out, json))
    }

    #[test]
    fn types_parse_by_key_or_slug_and_name_their_vct() {
        for t in PassportType::ALL {
            assert_eq!(PassportType::parse(t.key()).unwrap(), t);
            assert_eq!(PassportType::parse(t.slug()).unwrap(), t);
            assert_eq!(serde_json::to_value(t).unwrap(), json!(t.key()));
            assert_eq!(serde_json::from_value::<PassportType>(json!(t.slug())).unwrap(), t);
        }
        assert_eq!(PassportType::CriminalRecord.vct(), "urn:nhs:staff-passport:dbs:1");
        for t in PassportType::ALL {
            assert_eq!(PassportType::from_vct(&t.vct()), Some(t));
        }
        assert_eq!(PassportType::from_vct("https://x.test/vct/staff-passport/dbs"), None);
        assert_eq!(PassportType::parse("passport").unwrap_err().field, "type");
    }

    #[test]
    fn dbs_uses_the_latest_clear_check_and_the_recheck_policy() {
        let p = person();
        let checks = [
            dbs("old", "2023-01-10", "clear"),
            dbs("new", "2025-01-10", "clear"),
            dbs("bad", "2025-06-01", "not_clear"),
        ];
        let input = PassportInput { person: Some(&p), checks: &checks, ..Default::default() };
        let (out, claims) = run(PassportType::CriminalRecord, &input, "2026-06-01").unwrap();
        assert_eq!(out.sources, ["new"]);
        assert_eq!(out.valid_until, d("2028-01-10"), "three years from the certificate");
        assert_eq!(claims["dbs"]["level"], "enhanced_adults");
        assert_eq!(claims["given_name"], "Amara");
        let old_only = [dbs("old", "2023-01-10", "clear")];
        let input = PassportInput { person: Some(&p), checks: &old_only, ..Default::default() };
        let err = run(PassportType::CriminalRecord, &input, "2026-06-01").unwrap_err();
        assert!(err.problem.contains("expired on 2026-01-10"), "{err}");
        let input = PassportInput { person: Some(&p), ..Default::default() };
        assert!(run(PassportType::CriminalRecord, &input, "2026-06-01").unwrap_err().problem.contains("no clear DBS"));
    }

    #[test]
    fn training_has_one_element_per_current_competence_and_ends_with_the_earliest() {
        let p = person();
        let comps = [
            competence("f1", "fire_safety", 1, "2024-01-01"),
            competence("f2", "fire_safety", 1, "2025-09-01"),
            competence("ig", "information_governance", 1, "2025-12-01"),
            competence("old", "conflict_resolution", 1, "2020-01-01"),
        ];
        let input = PassportInput { person: Some(&p), competences: &comps, ..Default::default() };
        let (out, claims) = run(PassportType::Training, &input, "2026-06-01").unwrap();
        let items = claims["competences"].as_array().unwrap();
        assert_eq!(items.len(), 2, "{items:?}");
        assert_eq!(out.sources, ["f2", "ig"]);
        assert_eq!(items[0]["subject"], "fire_safety");
        assert_eq!(items[0]["completed"], "2025-09-01");
        assert_eq!(items[0]["expires"], "2027-09-01");
        assert_eq!(out.valid_until, d("2026-12-01"), "information governance is yearly");
    }

    #[test]
    fn right_to_work_validity_ends_with_the_permission() {
        let p = person();
        let checks = [
            check(
                "id",
                json!({"details": {"kind": "identity", "route": "documents_in_person", "assurance": "medium",
                                           "documents_seen": ["passport"]},
                               "outcome": "clear", "completed_on": "2025-09-01", "checked_by": "hr"}),
            ),
            check(
                "rtw",
                json!({"details": {"kind": "right_to_work", "route": "home_office_online",
                                            "permission": "time_limited", "permission_expires_on": "2027-02-28",
                                            "share_code": "W12345678"},
                                "outcome": "clear", "completed_on": "2025-09-01", "checked_by": "hr"}),
            ),
        ];
        let input = PassportInput { person: Some(&p), checks: &checks, ..Default::default() };
        let (out, claims) = run(PassportType::IdentityAndRightToWork, &input, "2026-06-01").unwrap();
        assert_eq!(out.valid_until, d("2027-02-28"));
        assert_eq!(out.sources, ["id", "rtw"]);
        assert_eq!(claims["birthdate"], "1988-03-14");
        assert_eq!(claims["right_to_work"]["permission"], "time_limited");
        // Each part is carried while in date; the credential needs one of them.
        let only_id = &checks[..1];
        let input = PassportInput { person: Some(&p), checks: only_id, ..Default::default() };
        let (_, claims) = run(PassportType::IdentityAndRightToWork, &input, "2026-06-01").unwrap();
        assert_eq!(claims["identity"]["assurance"], "medium");
        assert!(claims.get("right_to_work").is_none(), "{claims}");
        let (out, claims) = run(
            PassportType::IdentityAndRightToWork,
            &PassportInput { checks: &checks, ..input.clone() },
            "2027-03-01",
        )
        .unwrap();
        assert!(claims.get("right_to_work").is_none(), "expired permission is left out: {claims}");
        assert_eq!(out.sources, ["id"]);
        let input = PassportInput { person: Some(&p), ..Default::default() };
        assert!(run(PassportType::IdentityAndRightToWork, &input, "2026-06-01").is_err());
    }

    #[test]
    fn employment_needs_an_active_assignment_and_names_the_employer() {
        let p = person();
        let a = |id: &str, status: &str| Sourced {
            id: id.into(),
            value: serde_json::from_value::<Assignment>(
                json!({"role": "NUR-ED", "staff_group": "nursing_and_midwifery_registered",
                "band": "band_5", "start_date": "2026-01-05", "status": status}),
            )
            .unwrap(),
        };
        let assignments = [a("app", "applicant")];
        let input = PassportInput {
            person: Some(&p),
            employer_ods: "RJ1",
            employer_name: "Guy's",
            assignments: &assignments,
            ..Default::default()
        };
        assert!(run(PassportType::Employment, &input, "2026-06-01").is_err());
        let assignments = [a("app", "applicant"), a("act", "active")];
        let input = PassportInput { assignments: &assignments, ..input };
        let (out, claims) = run(PassportType::Employment, &input, "2026-06-01").unwrap();
        assert_eq!(out.sources, ["act"]);
        assert_eq!(claims["employment"]["employer"]["ods_code"], "RJ1");
        assert_eq!(claims["employment"]["staff_group"], "Nursing and Midwifery Registered");
        assert_eq!(out.valid_until, d("2029-06-01"), "capped by the policy maximum");
    }

    #[test]
    fn occupational_health_carries_each_antigen_and_the_clearance() {
        let p = person();
        let imms = [Sourced {
            id: "hb".into(),
            value: serde_json::from_value(json!({"antigen": "hepatitis_b", "status": "immune"})).unwrap(),
        }];
        let oh = Sourced {
            id: "oh_clearance:p1".into(),
            value: serde_json::from_value(
                json!({"epp": "cleared", "cleared_on": "2025-10-01", "cleared_by": "oh", "review_on": "2026-10-01"}),
            )
            .unwrap(),
        };
        let input =
            PassportInput { person: Some(&p), immunisations: &imms, oh_clearance: Some(&oh), ..Default::default() };
        let (out, claims) = run(PassportType::OccupationalHealth, &input, "2026-06-01").unwrap();
        assert_eq!(out.sources, ["hb", "oh_clearance:p1"]);
        assert_eq!(claims["immunisations"][0]["antigen"], "hepatitis_b");
        assert_eq!(claims["oh_clearance"]["epp"], "cleared");
        assert_eq!(out.valid_until, d("2026-10-01"));
    }

    #[test]
    fn registration_that_may_not_practise_is_refused() {
        let p = person();
        let reg = |status: &str| {
            check(
                "r",
                json!({"details": {"kind": "professional_registration",
                "registration": {"register": "nmc", "number": "12A3456E", "status": status, "expires_on": "2027-03-31"}},
                "outcome": "clear", "completed_on": "2025-09-01", "checked_by": "hr"}),
            )
        };
        let checks = [reg("registered")];
        let input = PassportInput { person: Some(&p), checks: &checks, ..Default::default() };
        let (out, claims) = run(PassportType::ProfessionalRegistration, &input, "2026-06-01").unwrap();
        assert_eq!(out.valid_until, d("2027-03-31"));
        assert_eq!(claims["registration"]["number"], "12A3456E");
        let checks = [reg("suspended")];
        let input = PassportInput { person: Some(&p), checks: &checks, ..Default::default() };
        assert!(run(PassportType::ProfessionalRegistration, &input, "2026-06-01").is_err());
        assert_eq!(CheckOutcome::Clear.as_str(), "clear");
    }

    #[test]
    fn exp_is_the_midnight_after_the_last_valid_day() {
        assert_eq!(exp_of(d("1970-01-01")), 86_400);
    }
}

#[cfg(test)]
mod ready_tests;
