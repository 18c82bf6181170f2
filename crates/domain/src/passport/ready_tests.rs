//! The host's rules as a table (a row per requirement kind and outcome, the false-ready cases of
//! issue 9 among them), the schema of every type against what the issuer makes, and a property:
//! the host's answer from the credentials a person's records give equals the issuer's compliance
//! for those records.

use chrono::{Duration, NaiveDate};
use proptest::prelude::*;
use serde_json::{Value, json};

use super::*;
use crate::checks::{
    AssuranceLevel, CheckDetails, CheckKind, CheckOutcome, DbsCertificateNumber, DbsCheck, DbsLevel, DbsWorkforce,
    EmploymentHistoryCheck, EppClearance, FitnessOutcome, IdentityCheck, IdentityRoute, ProfessionalRegistrationCheck,
    Reference, RightToWorkCheck, RightToWorkPermission, RightToWorkRoute, UpdateService, WorkHealthCheck,
};
use crate::compliance::{PersonRecord, evaluate};
use crate::cstf::{Catalogue, CompetenceRef, CompetenceSource, CstfSubject};
use crate::immunisation::{Antigen, Dose, ImmunisationStatus, Serology, SerologyResult, SerologyTest};
use crate::person::{ProfessionalRegistration, Register, RegistrationStatus};
use crate::requirements::{CheckRequirement, CompetenceRequirement, Requirement, RoleRequirements};

const TODAY: &str = "2026-06-01";

fn d(s: &str) -> NaiveDate {
    s.parse().unwrap()
}

fn checked(on: &str) -> Value {
    json!({"outcome": "clear", "checked_on": on})
}

fn with(mut a: Value, b: Value) -> Value {
    for (k, v) in b.as_object().unwrap() {
        a[k] = v.clone();
    }
    a
}

fn check(kind: CheckKind) -> CheckRequirement {
    CheckRequirement::of(kind)
}

fn cstf(subject: CstfSubject, level: u8) -> Requirement {
    Requirement::Competence(CompetenceRequirement { competence: CompetenceRef::cstf(subject, level) })
}

/// (row name, requirement, type presented, its disclosed claims, met, words the reason must hold)
fn rows() -> Vec<(&'static str, Requirement, PassportType, Value, bool, &'static str)> {
    use PassportType as T;
    let identity = |route: &str, assurance: &str| json!({"given_name": "Amara", "identity": with(json!({"route": route, "assurance": assurance}), checked("2025-09-01"))});
    let dbs = |level: &str, issued: &str| {
        json!({"dbs": with(json!({"level": level, "workforce": "adult", "certificate_number": "001234567890",
                                  "issued_on": issued, "update_service": false}), checked(issued))})
    };
    let history = |from: &str, to: &str| {
        json!({"employment_history": with(json!({"covered_from": from, "covered_to": to, "gaps_explained": true,
              "references": [{"referee": "Ward manager", "organisation": "RJ1", "received_on": "2026-01-10"}]}),
              checked("2026-01-12"))})
    };
    let registration = |status: &str, renewal: &str| {
        json!({"registration": with(json!({"register": "nmc", "number": "12A3456E", "status": status,
                                           "expires_on": renewal}), checked("2025-09-01"))})
    };
    let training = |subject: &str, level: u8, completed: &str| json!({"competences": [{"subject": subject, "name": subject, "level": level, "completed": completed}]});
    let immunity = |antigen: &str, extra: Value| json!({"immunisations": [with(json!({"antigen": antigen, "status": "immune"}), extra)]});
    let dbs_req = |min: Option<DbsLevel>, months: Option<u32>| {
        Requirement::Check(CheckRequirement {
            min_dbs_level: min,
            max_age_months: months,
            ..check(CheckKind::CriminalRecord)
        })
    };
    let high = Requirement::Check(CheckRequirement {
        min_assurance: Some(AssuranceLevel::High),
        ..check(CheckKind::Identity)
    });
    let years = |m: u32| {
        Requirement::Check(CheckRequirement { min_history_months: Some(m), ..check(CheckKind::EmploymentHistory) })
    };
    vec![
        // Identity assurance.
        (
            "medium smartcard vs high",
            high.clone(),
            T::IdentityAndRightToWork,
            identity("smartcard_ra", "medium"),
            false,
            "identity assurance medium (smartcard RA check, counted at its stated level) is below the required high",
        ),
        ("high vs high", high, T::IdentityAndRightToWork, identity("documents_in_person", "high"), true, ""),
        // DBS age and level.
        (
            "13-month DBS vs 1-month limit",
            dbs_req(None, Some(1)),
            T::CriminalRecord,
            dbs("enhanced_adults", "2025-05-01"),
            false,
            "expired 2025-06-01",
        ),
        (
            "2-week DBS vs 1-month limit",
            dbs_req(None, Some(1)),
            T::CriminalRecord,
            dbs("enhanced_adults", "2026-05-18"),
            true,
            "",
        ),
        (
            "enhanced vs enhanced with adults' list",
            dbs_req(Some(DbsLevel::EnhancedAdults), None),
            T::CriminalRecord,
            dbs("enhanced", "2026-01-10"),
            false,
            "DBS level enhanced is below the required enhanced_adults",
        ),
        (
            "both lists vs adults' list",
            dbs_req(Some(DbsLevel::EnhancedAdults), Some(36)),
            T::CriminalRecord,
            dbs("enhanced_both", "2024-01-10"),
            true,
            "",
        ),
        // Employment history.
        (
            "12 months of history vs 36",
            years(36),
            T::EmploymentHistory,
            history("2025-01-01", "2026-01-01"),
            false,
            "employment history covers 2025-01-01 to 2026-01-01, less than the required 36 months",
        ),
        ("37 months of history vs 36", years(36), T::EmploymentHistory, history("2022-12-01", "2026-01-01"), true, ""),
        // Registration.
        (
            "lapsed registration",
            Requirement::Check(check(CheckKind::ProfessionalRegistration)),
            T::ProfessionalRegistration,
            registration("lapsed", "2027-03-31"),
            false,
            "NMC registration 12A3456E is lapsed",
        ),
        (
            "registration past its renewal",
            Requirement::Check(check(CheckKind::ProfessionalRegistration)),
            T::ProfessionalRegistration,
            registration("registered", "2026-03-31"),
            false,
            "expired 2026-03-31",
        ),
        (
            "registered",
            Requirement::Check(check(CheckKind::ProfessionalRegistration)),
            T::ProfessionalRegistration,
            registration("registered", "2027-03-31"),
            true,
            "",
        ),
        // Right to work.
        (
            "time-limited permission ended",
            Requirement::Check(check(CheckKind::RightToWork)),
            T::IdentityAndRightToWork,
            json!({"right_to_work": with(json!({"permission": "time_limited", "expires_on": "2026-02-28",
                                             "route": "home_office_online"}), checked("2025-03-01"))}),
            false,
            "expired 2026-02-28",
        ),
        // Competences.
        (
            "expired fire safety",
            cstf(CstfSubject::FireSafety, 1),
            T::Training,
            training("fire_safety", 1, "2024-03-01"),
            false,
            "expired 2026-03-01",
        ),
        (
            "fire safety in date",
            cstf(CstfSubject::FireSafety, 1),
            T::Training,
            training("fire_safety", 1, "2025-03-01"),
            true,
            "",
        ),
        (
            "level 1 vs level 2",
            cstf(CstfSubject::InfectionPreventionControl, 2),
            T::Training,
            training("infection_prevention_control", 1, "2026-03-01"),
            false,
            "not completed",
        ),
        (
            "level 3 counts for level 1",
            cstf(CstfSubject::SafeguardingAdults, 1),
            T::Training,
            training("safeguarding_adults", 3, "2025-03-01"),
            true,
            "",
        ),
        // Immunisations.
        (
            "hepatitis B responder",
            Requirement::Immunisation(Antigen::HepatitisB),
            T::OccupationalHealth,
            immunity(
                "hepatitis_b",
                json!({"protected": true, "basis": "anti-HBs 120 mIU/mL on 2024-02-01 (responder)"}),
            ),
            true,
            "",
        ),
        (
            "hepatitis B non-responder",
            Requirement::Immunisation(Antigen::HepatitisB),
            T::OccupationalHealth,
            immunity("hepatitis_b", json!({"protected": false, "basis": "non-responder"})),
            false,
            "non-responder",
        ),
        (
            "flu last season",
            Requirement::Immunisation(Antigen::SeasonalFlu),
            T::OccupationalHealth,
            immunity("seasonal_flu", json!({"status": "complete", "last_dose_on": "2025-08-20"})),
            false,
            "not vaccinated this season",
        ),
        // EPP.
        (
            "EPP cleared",
            Requirement::Epp,
            T::OccupationalHealth,
            json!({"oh_clearance": {"epp": "cleared", "cleared_on": "2025-10-01", "review_on": "2026-10-01"}}),
            true,
            "",
        ),
        (
            "EPP not cleared",
            Requirement::Epp,
            T::OccupationalHealth,
            json!({"oh_clearance": {"epp": "not_cleared", "cleared_on": "2025-10-01"}}),
            false,
            "EPP as not cleared",
        ),
        (
            "EPP review passed",
            Requirement::Epp,
            T::OccupationalHealth,
            json!({"oh_clearance": {"epp": "cleared", "cleared_on": "2025-01-01", "review_on": "2026-01-01"}}),
            false,
            "expired 2026-01-01",
        ),
        // Work health.
        (
            "unfit",
            Requirement::Check(check(CheckKind::WorkHealth)),
            T::OccupationalHealth,
            json!({"work_health": with(json!({"fitness": "unfit", "epp_clearance": "not_applicable",
                                           "assessed_on": "2026-01-01"}), checked("2026-01-01"))}),
            false,
            "work health outcome is unfit",
        ),
    ]
}

#[test]
fn each_requirement_kind_is_decided_from_presented_claims_with_its_reason() {
    let catalogue = Catalogue::national();
    for (row, requirement, kind, claims, met, words) in rows() {
        let presented = CredentialClaims::from_disclosed(kind, &claims).unwrap_or_else(|e| panic!("{row}: {e}"));
        let got = decide_presented(&requirement, &[presented], &catalogue, d(TODAY), 30)
            .unwrap_or_else(|e| panic!("{row}: {e}"));
        assert_eq!(got.met(), met, "{row}: {:?}", got.result);
        assert_eq!(got.result.requirement, requirement.id(), "{row}");
        if !met {
            let reason = got.reason().unwrap();
            assert!(reason.contains(words), "{row}: {reason:?} does not say {words:?}");
        }
    }
}

#[test]
fn a_withheld_or_malformed_claim_is_not_guessed_at() {
    let catalogue = Catalogue::national();
    let dbs = Requirement::Check(check(CheckKind::CriminalRecord));
    let names_only =
        CredentialClaims::from_disclosed(PassportType::CriminalRecord, &json!({"given_name": "A"})).unwrap();
    let err = decide_presented(&dbs, &[names_only], &catalogue, d(TODAY), 30).unwrap_err();
    assert_eq!(err, Undecided::NotDisclosed("dbs"));
    assert_eq!(err.to_string(), "claims_missing: dbs");
    let bad_number = json!({"dbs": with(json!({"level": "basic", "workforce": "adult", "certificate_number": "12",
                             "issued_on": "2026-01-01", "update_service": false}), checked("2026-01-01"))});
    let claims = CredentialClaims::from_disclosed(PassportType::CriminalRecord, &bad_number).unwrap();
    assert!(matches!(decide_presented(&dbs, &[claims], &catalogue, d(TODAY), 30), Err(Undecided::Invalid(_))));
    let unknown_level = json!({"dbs": with(json!({"level": "super", "workforce": "adult",
                              "certificate_number": "001234567890", "issued_on": "2026-01-01",
                              "update_service": false}), checked("2026-01-01"))});
    assert!(CredentialClaims::from_disclosed(PassportType::CriminalRecord, &unknown_level).is_err());
}

#[test]
fn every_role_field_is_asked_for_and_epp_takes_either_claim() {
    let role = RoleRequirements {
        role_code: "R".into(),
        title: "R".into(),
        checks: CheckKind::ALL.iter().map(|k| check(*k)).collect(),
        competences: vec![CompetenceRequirement { competence: CompetenceRef::cstf(CstfSubject::FireSafety, 1) }],
        immunisations: vec![Antigen::HepatitisB],
        epp_required: true,
        agreement_required: false,
    };
    let plan = plan(&role).unwrap();
    assert_eq!(plan.requirements.len(), role.items().len());
    let ids: Vec<&str> = plan.asks.iter().map(|a| a.id.as_str()).collect();
    assert_eq!(
        ids,
        [
            "identity_and_right_to_work",
            "professional_registration",
            "employment_history",
            "criminal_record",
            "occupational_health",
            "competence_fire_safety",
            "immunisation_hepatitis_b",
            "epp"
        ]
    );
    let epp = plan.asks.iter().find(|a| a.id == "epp").unwrap();
    assert_eq!(epp.claim_sets, [vec!["oh_clearance".to_owned()], vec!["work_health".to_owned()]]);
    let first = &plan.asks[0];
    let paths: Vec<Value> = first.claims.iter().map(|c| c.path_json()).collect();
    assert_eq!(paths, [json!(["identity"]), json!(["right_to_work"]), json!(["given_name"]), json!(["family_name"])]);
    assert_eq!(plan.asks[5].claims[0].path_json(), json!(["competences", null, "subject"]));
    assert_eq!(types_for(&role).len(), 6);
}

// ---- the property: host readiness equals issuer-side compliance ----

fn clear(details: CheckDetails, on: NaiveDate, outcome: CheckOutcome, expires: Option<NaiveDate>) -> EmploymentCheck {
    EmploymentCheck {
        details,
        completed_on: (outcome != CheckOutcome::InProgress).then_some(on),
        outcome,
        checked_by: "hr".into(),
        evidence_ref: None,
        expires_on: expires,
        notes: None,
    }
}

fn today() -> NaiveDate {
    d(TODAY)
}

fn ago(days: i64) -> NaiveDate {
    today() - Duration::days(days)
}

fn outcome() -> impl Strategy<Value = CheckOutcome> {
    prop_oneof![
        6 => Just(CheckOutcome::Clear),
        1 => Just(CheckOutcome::ClearWithConditions),
        1 => Just(CheckOutcome::NotClear),
        1 => Just(CheckOutcome::InProgress),
    ]
}

/// An explicit expiry on a check: usually none, sometimes past, sometimes future.
fn explicit_expiry() -> impl Strategy<Value = Option<NaiveDate>> {
    prop_oneof![4 => Just(None), 1 => (-400i64..400).prop_map(|n| Some(today() + Duration::days(n)))]
}

fn assurance() -> impl Strategy<Value = AssuranceLevel> {
    prop_oneof![Just(AssuranceLevel::Low), Just(AssuranceLevel::Medium), Just(AssuranceLevel::High)]
}

fn dbs_level() -> impl Strategy<Value = DbsLevel> {
    proptest::sample::select(DbsLevel::ALL.to_vec())
}

type Check = Option<EmploymentCheck>;

fn identity() -> impl Strategy<Value = Check> {
    let route = prop_oneof![Just(IdentityRoute::DocumentsInPerson), Just(IdentityRoute::SmartcardRa)];
    proptest::option::of((route, assurance(), 0i64..1500, outcome(), explicit_expiry()).prop_map(
        |(route, assurance, age, outcome, expires)| {
            let details =
                IdentityCheck { route, assurance, documents_seen: vec![], idsp_name: None, smartcard_uuid: None };
            clear(CheckDetails::Identity(details), ago(age), outcome, expires)
        },
    ))
}

fn right_to_work() -> impl Strategy<Value = Check> {
    let permission = prop_oneof![
        Just((RightToWorkPermission::Unlimited, None)),
        (-300i64..700).prop_map(|n| (RightToWorkPermission::TimeLimited, Some(today() + Duration::days(n)))),
    ];
    proptest::option::of((permission, 0i64..1500, outcome()).prop_map(|((permission, until), age, outcome)| {
        let details = RightToWorkCheck {
            route: RightToWorkRoute::HomeOfficeOnline,
            permission,
            permission_expires_on: until,
            follow_up_on: None,
            share_code: None,
        };
        clear(CheckDetails::RightToWork(details), ago(age), outcome, None)
    }))
}

fn registration() -> impl Strategy<Value = Check> {
    let status = prop_oneof![
        4 => Just(RegistrationStatus::Registered),
        1 => Just(RegistrationStatus::RegisteredWithConditions),
        1 => Just(RegistrationStatus::Lapsed),
        1 => Just(RegistrationStatus::Suspended),
    ];
    proptest::option::of((status, -200i64..700, 0i64..900, outcome()).prop_map(|(status, renewal, age, outcome)| {
        let registration =
            ProfessionalRegistration::new(Register::Nmc, "12A3456E", status, Some(today() + Duration::days(renewal)))
                .unwrap();
        let details =
            ProfessionalRegistrationCheck { registration, conditions: vec![], qualifications_verified: vec![] };
        clear(CheckDetails::ProfessionalRegistration(details), ago(age), outcome, None)
    }))
}

fn history() -> impl Strategy<Value = Check> {
    proptest::option::of((0i64..2000, 0i64..400, any::<bool>(), outcome(), explicit_expiry()).prop_map(
        |(span, age, gaps_explained, outcome, expires)| {
            let covered_to = ago(age + 10);
            let details = EmploymentHistoryCheck {
                covered_from: covered_to - Duration::days(span),
                covered_to,
                references: vec![Reference {
                    referee: "Ward manager".into(),
                    organisation: None,
                    requested_on: None,
                    received_on: ago(age + 5),
                }],
                gaps_explained,
                gap_notes: None,
            };
            clear(CheckDetails::EmploymentHistory(details), ago(age), outcome, expires)
        },
    ))
}

/// DBS certificates within the passport's 36-month recheck policy (older ones are never carried,
/// whatever a role without `max_age_months` would accept).
fn dbs() -> impl Strategy<Value = Check> {
    let status_check = proptest::option::of(proptest::option::of(0i64..300));
    proptest::option::of((dbs_level(), 0i64..1090, status_check, outcome()).prop_map(
        |(level, age, update, outcome)| {
            let issued_on = ago(age);
            let details = DbsCheck {
                level,
                certificate_number: DbsCertificateNumber::parse("001234567890").unwrap(),
                issued_on,
                workforce: DbsWorkforce::Adult,
                update_service: update.map(|last| UpdateService {
                    subscription_id: "U1".into(),
                    last_status_check_on: last.map(|n| ago(n.min(age))),
                }),
            };
            clear(CheckDetails::CriminalRecord(details), issued_on, outcome, None)
        },
    ))
}

fn work_health() -> impl Strategy<Value = Check> {
    let fitness = prop_oneof![
        Just(FitnessOutcome::Fit),
        Just(FitnessOutcome::FitWithAdjustments),
        Just(FitnessOutcome::Unfit),
        Just(FitnessOutcome::Pending)
    ];
    let epp =
        prop_oneof![Just(EppClearance::Cleared), Just(EppClearance::NotCleared), Just(EppClearance::NotApplicable)];
    proptest::option::of((fitness, epp, 0i64..900, outcome(), explicit_expiry()).prop_map(
        |(fitness, epp, age, outcome, expires)| {
            let details = WorkHealthCheck {
                outcome: fitness,
                adjustments: None,
                epp_clearance: epp,
                assessed_by: "oh".into(),
                assessed_on: ago(age),
            };
            clear(CheckDetails::WorkHealth(details), ago(age), outcome, expires)
        },
    ))
}

/// The competences the property uses: a role asks for these exact levels, a worker holds some.
const SUBJECTS: [(CstfSubject, u8); 4] = [
    (CstfSubject::FireSafety, 1),
    (CstfSubject::InfectionPreventionControl, 2),
    (CstfSubject::InformationGovernance, 1),
    (CstfSubject::SafeguardingAdults, 2),
];

fn competences() -> impl Strategy<Value = Vec<crate::cstf::Competence>> {
    proptest::collection::vec(proptest::option::of(0i64..1300), SUBJECTS.len()).prop_map(|ages| {
        ages.iter()
            .zip(SUBJECTS)
            .filter_map(|(age, (subject, level))| {
                age.map(|a| crate::cstf::Competence {
                    competence: CompetenceRef::cstf(subject, level),
                    completed_on: ago(a),
                    source: CompetenceSource::ELearning,
                    provider: None,
                })
            })
            .collect()
    })
}

fn immunisations() -> impl Strategy<Value = Vec<crate::immunisation::Immunisation>> {
    let status = prop_oneof![
        Just(ImmunisationStatus::Immune),
        Just(ImmunisationStatus::Complete),
        Just(ImmunisationStatus::InCourse),
        Just(ImmunisationStatus::Declined),
        Just(ImmunisationStatus::Exempt),
    ];
    let one = (
        proptest::sample::select(Antigen::ALL.to_vec()),
        status,
        proptest::collection::vec(0i64..800, 0..3),
        proptest::option::of(0.0f64..300.0),
        any::<bool>(),
    )
        .prop_map(|(antigen, status, doses, level, positive)| {
            let test = match antigen {
                Antigen::HepatitisB => Some(SerologyTest::AntiHbs),
                Antigen::Mmr => Some(SerologyTest::MeaslesIgg),
                Antigen::Varicella => Some(SerologyTest::VaricellaIgg),
                Antigen::Tuberculosis => Some(SerologyTest::Igra),
                _ => None,
            };
            let serology = match (test, level) {
                (Some(test), Some(level)) => vec![Serology {
                    test,
                    taken_on: ago(30),
                    result: if positive { SerologyResult::Positive } else { SerologyResult::Negative },
                    level_miu_ml: (test == SerologyTest::AntiHbs).then_some(level),
                }],
                _ => vec![],
            };
            crate::immunisation::Immunisation {
                antigen,
                status,
                doses: doses.iter().map(|n| Dose { given_on: ago(*n), product: None, batch: None }).collect(),
                serology,
                history_of_disease: positive && antigen == Antigen::Varicella,
                bcg_scar: false,
                recorded_by: None,
                notes: None,
                passport: None,
            }
        });
    proptest::collection::vec(one, 0..4)
}

fn oh_clearance() -> impl Strategy<Value = Option<crate::immunisation::OhClearance>> {
    let epp =
        prop_oneof![Just(EppClearance::Cleared), Just(EppClearance::NotCleared), Just(EppClearance::NotApplicable)];
    proptest::option::of((epp, proptest::option::of(-300i64..300)).prop_map(|(epp, review)| {
        crate::immunisation::OhClearance {
            epp,
            cleared_on: ago(400),
            cleared_by: "oh".into(),
            restrictions: None,
            review_on: review.map(|n| today() + Duration::days(n)),
        }
    }))
}

fn record() -> impl Strategy<Value = PersonRecord> {
    let checks = (identity(), right_to_work(), registration(), history(), dbs(), work_health());
    (checks, competences(), immunisations(), oh_clearance()).prop_map(|(c, competences, immunisations, oh)| {
        let person = serde_json::from_value(
            json!({"given_name": "Amara", "family_name": "Okafor", "date_of_birth": "1988-03-14"}),
        )
        .unwrap();
        PersonRecord {
            person,
            assignments: vec![],
            checks: [c.0, c.1, c.2, c.3, c.4, c.5].into_iter().flatten().collect(),
            competences,
            immunisations,
            oh_clearance: oh,
        }
    })
}

fn role() -> impl Strategy<Value = RoleRequirements> {
    let checks = (
        proptest::option::of(proptest::option::of(assurance())),
        any::<bool>(),
        any::<bool>(),
        proptest::option::of(proptest::option::of(prop_oneof![Just(12u32), Just(36), Just(60)])),
        proptest::option::of((proptest::option::of(dbs_level()), proptest::option::of(1u32..48))),
        any::<bool>(),
    );
    let competences = proptest::collection::vec(any::<bool>(), SUBJECTS.len());
    let antigens = proptest::sample::subsequence(Antigen::ALL.to_vec(), 0..=Antigen::ALL.len());
    (checks, competences, antigens, any::<bool>()).prop_map(|(c, wanted, immunisations, epp_required)| {
        let mut checks = Vec::new();
        if let Some(min) = c.0 {
            checks.push(CheckRequirement { min_assurance: min, ..check(CheckKind::Identity) });
        }
        if c.1 {
            checks.push(check(CheckKind::RightToWork));
        }
        if c.2 {
            checks.push(check(CheckKind::ProfessionalRegistration));
        }
        if let Some(months) = c.3 {
            checks.push(CheckRequirement { min_history_months: months, ..check(CheckKind::EmploymentHistory) });
        }
        if let Some((min, age)) = c.4 {
            checks.push(CheckRequirement {
                min_dbs_level: min,
                max_age_months: age,
                ..check(CheckKind::CriminalRecord)
            });
        }
        if c.5 {
            checks.push(check(CheckKind::WorkHealth));
        }
        RoleRequirements {
            role_code: "PROP".into(),
            title: "Property".into(),
            checks,
            competences: wanted
                .iter()
                .zip(SUBJECTS)
                .filter(|(w, _)| **w)
                .map(|(_, (s, l))| CompetenceRequirement { competence: CompetenceRef::cstf(s, l) })
                .collect(),
            immunisations,
            epp_required,
            agreement_required: false,
        }
    })
}

/// Every credential the issuer can make from `record` on `today`, as a host reads them back.
fn issued(record: &PersonRecord) -> Vec<(PassportClaims, Value)> {
    fn by_position<T: Clone>(items: &[T]) -> Vec<Sourced<T>> {
        items.iter().enumerate().map(|(i, v)| Sourced { id: i.to_string(), value: v.clone() }).collect()
    }
    let (checks, competences) = (by_position(&record.checks), by_position(&record.competences));
    let immunisations = by_position(&record.immunisations);
    let oh = record.oh_clearance.clone().map(|value| Sourced { id: "oh".into(), value });
    let input = PassportInput {
        person: Some(&record.person),
        employer_ods: "RJ1",
        employer_name: "A",
        checks: &checks,
        competences: &competences,
        immunisations: &immunisations,
        assignments: &[],
        oh_clearance: oh.as_ref(),
    };
    PassportType::ALL
        .into_iter()
        .filter_map(|kind| map(kind, &input, &Catalogue::national(), &PassportPolicy::default(), today()).ok())
        .map(|out| {
            let mut payload = out.to_json();
            payload.insert("iss".into(), json!("https://a.example/issuers/RJ1"));
            payload.insert("vct".into(), json!(out.kind.vct()));
            payload.insert("iat".into(), json!(1_780_000_000));
            (out, Value::Object(payload))
        })
        .collect()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(400))]

    #[test]
    fn the_hosts_answer_from_presented_credentials_equals_issuer_compliance(record in record(), role in role()) {
        let catalogue = Catalogue::national();
        let compliance = evaluate(&record, &role, &catalogue, today(), 30);
        let credentials = issued(&record);
        for (out, payload) in &credentials {
            let schema = schema::json_schema(out.kind, "test");
            prop_assert_eq!(schema::validate(&schema, payload), Ok(()), "{}", payload);
        }
        for (requirement, issuer_side) in role.items().iter().zip(&compliance.items) {
            let kind = ask::answered_by(requirement);
            let presented: Vec<CredentialClaims> = credentials
                .iter()
                .filter(|(out, _)| out.kind == kind)
                .map(|(_, payload)| CredentialClaims::from_disclosed(kind, payload).unwrap())
                .collect();
            let host = if presented.is_empty() {
                None
            } else {
                decide_presented(requirement, &presented, &catalogue, today(), 30).ok()
            };
            let host_met = host.as_ref().is_some_and(Readiness::met);
            prop_assert_eq!(
                host_met,
                issuer_side.status.is_compliant(),
                "{}: issuer says {:?}, host says {:?}",
                requirement.id(),
                issuer_side,
                host.map(|h| h.result)
            );
            if let Some(host) = host.filter(Readiness::met) {
                prop_assert_eq!(&host.result, issuer_side);
            }
        }
    }
}

#[test]
fn the_schema_refuses_what_the_issuer_never_writes() {
    let schema = schema::json_schema(PassportType::CriminalRecord, "x");
    let good = json!({"iss": "i", "vct": "urn:nhs:staff-passport:dbs:1", "iat": 1, "given_name": "A", "family_name": "B",
        "dbs": with(json!({"level": "basic", "workforce": "adult", "certificate_number": "001234567890",
                           "issued_on": "2026-01-01", "update_service": false}), checked("2026-01-02"))});
    assert_eq!(schema::validate(&schema, &good), Ok(()));
    for (broken, why) in [
        (with(good.clone(), json!({"vct": "https://a.example/vct/staff-passport/dbs"})), "/vct"),
        (with(good.clone(), json!({"extra": 1})), "/extra: not allowed"),
        (with(good.clone(), json!({"dbs": {"level": "super"}})), "/dbs/level"),
        (with(good.clone(), json!({"given_name": 7})), "/given_name"),
    ] {
        let errors = schema::validate(&schema, &broken).unwrap_err();
        assert!(errors.iter().any(|e| e.contains(why)), "{why}: {errors:?}");
    }
    let mut missing = good.clone();
    missing.as_object_mut().unwrap().remove("dbs");
    assert!(schema::validate(&schema, &missing).unwrap_err().iter().any(|e| e.contains("dbs is required")));
    let identity = schema::json_schema(PassportType::IdentityAndRightToWork, "x");
    let neither = json!({"iss": "i", "vct": PassportType::IdentityAndRightToWork.vct(), "iat": 1, "given_name": "A",
                         "family_name": "B", "birthdate": "1990-01-01"});
    assert!(schema::validate(&identity, &neither).is_err());
    assert!(schema::validate(&json!({"type": "string", "maxLength": 2}), &json!("abc")).is_err(), "unknown keyword");
}
