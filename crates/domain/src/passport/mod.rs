//! The Digital Staff Passport's credential types (domain.md §7) and the pure mapping from a
//! person's records to the claims of each: identity and right to work, professional registration,
//! criminal record (DBS), occupational health, CSTF training and employment.
//!
//! Each mapping picks the records it vouches for (latest clear check of a kind, current
//! competences, the active assignment), returns their store ids as `sources` so the store can
//! revoke the credential when one of them changes, and a validity that fits what it carries
//! (training ends with its earliest competence expiry, right to work with the permission, DBS with
//! the recheck policy). Nothing here signs, encodes or knows the SD-JWT format: the server turns
//! [`PassportClaims`] into an SD-JWT VC with every top-level claim (and array element) disclosable.

use chrono::{Duration, NaiveDate};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};
use utoipa::ToSchema;

use crate::assignment::{Assignment, AssignmentStatus};
use crate::checks::{CheckDetails, CheckKind, EmploymentCheck};
use crate::cstf::{Catalogue, Competence, CompetenceRef};
use crate::dates::add_months;
use crate::error::FieldError;
use crate::immunisation::{Immunisation, OhClearance};
use crate::person::Person;

/// The six passport credential types. JSON: the key (`criminal_record`); the short slug of its
/// `vct` (`dbs`) is accepted too.
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
}

impl PassportType {
    pub const ALL: [PassportType; 6] = [
        PassportType::IdentityAndRightToWork,
        PassportType::ProfessionalRegistration,
        PassportType::CriminalRecord,
        PassportType::OccupationalHealth,
        PassportType::Training,
        PassportType::Employment,
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
        }
    }

    /// The last segment of the `vct` URL, e.g. `dbs`.
    pub fn slug(self) -> &'static str {
        match self {
            PassportType::IdentityAndRightToWork => "identity",
            PassportType::ProfessionalRegistration => "registration",
            PassportType::CriminalRecord => "dbs",
            PassportType::OccupationalHealth => "occupational-health",
            PassportType::Training => "training",
            PassportType::Employment => "employment",
        }
    }

    /// `{base}/vct/staff-passport/{slug}`: the type URL, where its type metadata is served.
    pub fn vct(self, base: &str) -> String {
        format!("{}/vct/staff-passport/{}", base.trim_end_matches('/'), self.slug())
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
            ],
            PassportType::Training => &[NAMES[0], NAMES[1], ("competences", "CSTF competences")],
            PassportType::Employment => &[NAMES[0], NAMES[1], ("employment", "Employment")],
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
    pub claims: Map<String, Value>,
    /// Store ids of the records vouched for: a change to any of them revokes the credential.
    pub sources: Vec<String>,
    /// The last day the credential is valid (inclusive).
    pub valid_until: NaiveDate,
}

/// Maps `input` to the claims of a `kind` credential issued on `today`, or names (field `type`) why
/// the records cannot support one.
pub fn map(
    kind: PassportType,
    input: &PassportInput<'_>,
    catalogue: &Catalogue,
    policy: &PassportPolicy,
    today: NaiveDate,
) -> Result<PassportClaims, FieldError> {
    let refuse = |why: String| FieldError::new("type", format!("cannot issue {}: {why}", kind.key()));
    let person = input.person.ok_or_else(|| refuse("no person".into()))?;
    let mut claims = Map::new();
    claims.insert("given_name".into(), json!(person.given_name.trim()));
    claims.insert("family_name".into(), json!(person.family_name.trim()));
    let mut sources = Vec::new();
    let mut ends: Vec<Option<NaiveDate>> = vec![add_months(today, policy.max_validity_months)];

    match kind {
        PassportType::IdentityAndRightToWork => {
            let id = latest_clear(input.checks, CheckKind::Identity)
                .ok_or_else(|| refuse("no clear identity check".into()))?;
            let rtw = latest_clear(input.checks, CheckKind::RightToWork)
                .ok_or_else(|| refuse("no clear right to work check".into()))?;
            claims.insert("birthdate".into(), json!(person.date_of_birth));
            if let CheckDetails::Identity(d) = &id.value.details {
                claims.insert(
                    "identity".into(),
                    json!({"route": d.route, "assurance": d.effective_assurance(), "checked_on": id.value.completed_on}),
                );
            }
            if let CheckDetails::RightToWork(d) = &rtw.value.details {
                claims.insert(
                    "right_to_work".into(),
                    json!({"permission": d.permission, "expires_on": d.expires_on(), "follow_up_on": d.follow_up_on,
                           "route": d.route, "checked_on": rtw.value.completed_on}),
                );
                ends.push(d.follow_up_on.or(d.expires_on()));
            }
            ends.extend([id.value.expires_on, rtw.value.expires_on()]);
            sources.extend([id.id.clone(), rtw.id.clone()]);
        }
        PassportType::ProfessionalRegistration => {
            let check = latest_clear(input.checks, CheckKind::ProfessionalRegistration)
                .ok_or_else(|| refuse("no clear professional registration check".into()))?;
            let CheckDetails::ProfessionalRegistration(d) = &check.value.details else { unreachable!("kind checked") };
            if !d.registration.status.may_practise() {
                return Err(refuse(format!("registration is {}", d.registration.status.as_str())));
            }
            claims.insert(
                "registration".into(),
                json!({"register": d.registration.register, "number": d.registration.number.as_str(),
                       "status": d.registration.status, "expires_on": d.registration.expires_on,
                       "conditions": d.conditions, "qualifications_verified": d.qualifications_verified,
                       "checked_on": check.value.completed_on}),
            );
            ends.push(check.value.expires_on());
            sources.push(check.id.clone());
        }
        PassportType::CriminalRecord => {
            let check = latest_clear(input.checks, CheckKind::CriminalRecord)
                .ok_or_else(|| refuse("no clear DBS check".into()))?;
            let CheckDetails::CriminalRecord(d) = &check.value.details else { unreachable!("kind checked") };
            claims.insert(
                "dbs".into(),
                json!({"level": d.level, "workforce": d.workforce, "certificate_number": d.certificate_number.as_str(),
                       "issued_on": d.issued_on, "update_service": d.update_service.is_some(),
                       "checked_on": check.value.completed_on}),
            );
            ends.push(check.value.due_on(Some(policy.dbs_recheck_months)));
            sources.push(check.id.clone());
        }
        PassportType::OccupationalHealth => {
            if input.immunisations.is_empty() && input.oh_clearance.is_none() {
                return Err(refuse("no immunisation or occupational health clearance recorded".into()));
            }
            let items: Vec<Value> = input
                .immunisations
                .iter()
                .map(|i| {
                    let last_dose = i.value.doses.iter().map(|d| d.given_on).max();
                    json!({"antigen": i.value.antigen, "status": i.value.status, "last_dose_on": last_dose})
                })
                .collect();
            claims.insert("immunisations".into(), Value::Array(items));
            sources.extend(input.immunisations.iter().map(|i| i.id.clone()));
            ends.push(add_months(today, policy.oh_validity_months));
            if let Some(oh) = input.oh_clearance {
                claims.insert(
                    "oh_clearance".into(),
                    json!({"epp": oh.value.epp, "cleared_on": oh.value.cleared_on,
                           "restrictions": oh.value.restrictions, "review_on": oh.value.review_on}),
                );
                ends.push(oh.value.review_on);
                sources.push(oh.id.clone());
            }
        }
        PassportType::Training => {
            let current = current_competences(input.competences, catalogue, today);
            if current.is_empty() {
                return Err(refuse("no competence in date".into()));
            }
            let items: Vec<Value> = current
                .iter()
                .map(|(c, expires)| {
                    let (subject, level) = match &c.value.competence {
                        CompetenceRef::Cstf { subject, level } => (subject.key().to_owned(), Some(*level)),
                        CompetenceRef::Local { code, .. } => (format!("local:{code}"), None),
                    };
                    json!({"subject": subject, "name": c.value.competence.label(), "level": level,
                           "completed": c.value.completed_on, "expires": expires})
                })
                .collect();
            claims.insert("competences".into(), Value::Array(items));
            ends.extend(current.iter().map(|(_, e)| *e));
            sources.extend(current.iter().map(|(c, _)| c.id.clone()));
        }
        PassportType::Employment => {
            let a = input
                .assignments
                .iter()
                .filter(|a| a.value.status == AssignmentStatus::Active && a.value.end_date.is_none_or(|e| e >= today))
                .max_by_key(|a| a.value.start_date)
                .ok_or_else(|| refuse("no active assignment".into()))?;
            claims.insert(
                "employment".into(),
                json!({"employer": {"ods_code": input.employer_ods, "name": input.employer_name},
                       "role": a.value.role.trim(), "staff_group": a.value.staff_group.esr_name(),
                       "band": a.value.band.as_string(), "start_date": a.value.start_date,
                       "end_date": a.value.end_date}),
            );
            ends.push(a.value.end_date);
            sources.push(a.id.clone());
        }
    }
    let valid_until = ends.into_iter().flatten().min().ok_or_else(|| refuse("no validity".into()))?;
    if valid_until < today {
        return Err(refuse(format!("the records it rests on expired on {valid_until}")));
    }
    Ok(PassportClaims { kind, claims, sources, valid_until })
}

/// The most recently completed clear check of `kind`.
fn latest_clear(checks: &[Sourced<EmploymentCheck>], kind: CheckKind) -> Option<&Sourced<EmploymentCheck>> {
    checks
        .iter()
        .filter(|c| c.value.kind() == kind && c.value.outcome.is_clear())
        .max_by_key(|c| (c.value.completed_on, c.id.clone()))
}

/// The latest record of each competence that is still in date on `today`, with its expiry, in a
/// stable order (by key).
fn current_competences<'a>(
    all: &'a [Sourced<Competence>],
    catalogue: &Catalogue,
    today: NaiveDate,
) -> Vec<(&'a Sourced<Competence>, Option<NaiveDate>)> {
    let mut latest: std::collections::BTreeMap<String, &Sourced<Competence>> = Default::default();
    for c in all {
        let key = c.value.competence.key();
        if latest.get(&key).is_none_or(|prev| prev.value.completed_on < c.value.completed_on) {
            latest.insert(key, c);
        }
    }
    latest
        .into_values()
        .map(|c| (c, c.value.expires_on_in(catalogue)))
        .filter(|(_, expires)| expires.is_none_or(|e| e >= today))
        .collect()
}

/// Unix seconds at which a credential valid through `valid_until` (inclusive) expires: the
/// following midnight, UTC.
pub fn exp_of(valid_until: NaiveDate) -> i64 {
    (valid_until + Duration::days(1)).and_hms_opt(0, 0, 0).map_or(i64::MAX, |t| t.and_utc().timestamp())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::CheckOutcome;

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

    fn run(kind: PassportType, input: &PassportInput<'_>, today: &str) -> Result<PassportClaims, FieldError> {
        map(kind, input, &Catalogue::national(), &PassportPolicy::default(), d(today))
    }

    #[test]
    fn types_parse_by_key_or_slug_and_name_their_vct() {
        for t in PassportType::ALL {
            assert_eq!(PassportType::parse(t.key()).unwrap(), t);
            assert_eq!(PassportType::parse(t.slug()).unwrap(), t);
            assert_eq!(serde_json::to_value(t).unwrap(), json!(t.key()));
            assert_eq!(serde_json::from_value::<PassportType>(json!(t.slug())).unwrap(), t);
        }
        assert_eq!(PassportType::CriminalRecord.vct("https://x.test/"), "https://x.test/vct/staff-passport/dbs");
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
        let out = run(PassportType::CriminalRecord, &input, "2026-06-01").unwrap();
        assert_eq!(out.sources, ["new"]);
        assert_eq!(out.valid_until, d("2028-01-10"), "three years from the certificate");
        assert_eq!(out.claims["dbs"]["level"], "enhanced_adults");
        assert_eq!(out.claims["given_name"], "Amara");
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
        let out = run(PassportType::Training, &input, "2026-06-01").unwrap();
        let items = out.claims["competences"].as_array().unwrap();
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
        let out = run(PassportType::IdentityAndRightToWork, &input, "2026-06-01").unwrap();
        assert_eq!(out.valid_until, d("2027-02-28"));
        assert_eq!(out.sources, ["id", "rtw"]);
        assert_eq!(out.claims["birthdate"], "1988-03-14");
        assert_eq!(out.claims["right_to_work"]["permission"], "time_limited");
        let only_id = &checks[..1];
        let input = PassportInput { person: Some(&p), checks: only_id, ..Default::default() };
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
        let out = run(PassportType::Employment, &input, "2026-06-01").unwrap();
        assert_eq!(out.sources, ["act"]);
        assert_eq!(out.claims["employment"]["employer"]["ods_code"], "RJ1");
        assert_eq!(out.claims["employment"]["staff_group"], "Nursing and Midwifery Registered");
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
        let out = run(PassportType::OccupationalHealth, &input, "2026-06-01").unwrap();
        assert_eq!(out.sources, ["hb", "oh_clearance:p1"]);
        assert_eq!(out.claims["immunisations"][0]["antigen"], "hepatitis_b");
        assert_eq!(out.claims["oh_clearance"]["epp"], "cleared");
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
        let out = run(PassportType::ProfessionalRegistration, &input, "2026-06-01").unwrap();
        assert_eq!(out.valid_until, d("2027-03-31"));
        assert_eq!(out.claims["registration"]["number"], "12A3456E");
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
