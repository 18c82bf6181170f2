//! Compliance for a whole organisation: issue 4 asks for 20 000 people in at most 150 ms.
//! Run with `cargo bench -p domain --bench compliance`.

use chrono::{Duration, NaiveDate};
use criterion::{Criterion, criterion_group, criterion_main};
use domain::checks::{
    AssuranceLevel, CheckDetails, CheckKind, CheckOutcome, DbsCertificateNumber, DbsCheck, DbsLevel, DbsWorkforce,
    EmploymentCheck, EppClearance, FitnessOutcome, IdentityCheck, IdentityRoute, RightToWorkCheck,
    RightToWorkPermission, RightToWorkRoute, WorkHealthCheck,
};
use domain::compliance::{OrgSummary, PersonRecord, evaluate};
use domain::cstf::{CSTF_TABLE, Catalogue, Competence, CompetenceRef, CompetenceSource};
use domain::immunisation::{Antigen, Dose, Immunisation, ImmunisationStatus, Serology, SerologyResult, SerologyTest};
use domain::person::{NiNumber, Person};
use domain::requirements::{CheckRequirement, CompetenceRequirement, RoleRequirements};

fn day(n: i64) -> NaiveDate {
    NaiveDate::from_ymd_opt(2020, 1, 1).unwrap() + Duration::days(n)
}

fn check(details: CheckDetails, on: NaiveDate) -> EmploymentCheck {
    EmploymentCheck {
        details,
        outcome: CheckOutcome::Clear,
        completed_on: Some(on),
        checked_by: "hr".into(),
        evidence_ref: None,
        expires_on: None,
        notes: None,
    }
}

fn person_record(i: i64) -> PersonRecord {
    let on = day(i % 2000);
    let checks = vec![
        check(
            CheckDetails::Identity(IdentityCheck {
                route: IdentityRoute::DocumentsInPerson,
                assurance: AssuranceLevel::Medium,
                documents_seen: vec![domain::checks::IdentityDocument::Passport],
                idsp_name: None,
                smartcard_uuid: None,
            }),
            on,
        ),
        check(
            CheckDetails::RightToWork(RightToWorkCheck {
                route: RightToWorkRoute::ManualDocument,
                permission: RightToWorkPermission::Unlimited,
                permission_expires_on: None,
                follow_up_on: None,
                share_code: None,
            }),
            on,
        ),
        check(
            CheckDetails::CriminalRecord(DbsCheck {
                level: DbsLevel::ALL[(i % 6) as usize],
                certificate_number: DbsCertificateNumber::parse("001234567890").unwrap(),
                issued_on: on,
                workforce: DbsWorkforce::AdultAndChild,
                update_service: None,
            }),
            on,
        ),
        check(
            CheckDetails::WorkHealth(WorkHealthCheck {
                outcome: FitnessOutcome::Fit,
                adjustments: None,
                epp_clearance: EppClearance::NotApplicable,
                assessed_by: "OH".into(),
                assessed_on: on,
            }),
            on,
        ),
    ];
    let competences = CSTF_TABLE
        .iter()
        .enumerate()
        .filter(|(n, _)| (i + *n as i64) % 7 != 0)
        .map(|(n, e)| Competence {
            competence: CompetenceRef::cstf(e.subject, e.level),
            completed_on: day((i * 13 + n as i64 * 97) % 2500),
            source: CompetenceSource::ELearning,
            provider: None,
        })
        .collect();
    let dose = |n: i64| Dose { given_on: day(n), product: None, batch: None };
    let immunisations = vec![
        Immunisation {
            antigen: Antigen::HepatitisB,
            status: ImmunisationStatus::Immune,
            doses: vec![dose(1), dose(30), dose(180)],
            serology: vec![Serology {
                test: SerologyTest::AntiHbs,
                taken_on: day(240),
                result: SerologyResult::Positive,
                level_miu_ml: Some(100.0),
            }],
            history_of_disease: false,
            bcg_scar: false,
            recorded_by: None,
            notes: None,
            passport: None,
        },
        Immunisation {
            antigen: Antigen::Mmr,
            status: ImmunisationStatus::Complete,
            doses: vec![dose(1), dose(400)],
            serology: vec![],
            history_of_disease: false,
            bcg_scar: false,
            recorded_by: None,
            notes: None,
            passport: None,
        },
        Immunisation {
            antigen: Antigen::SeasonalFlu,
            status: ImmunisationStatus::Complete,
            doses: vec![dose(2100 + i % 300)],
            serology: vec![],
            history_of_disease: false,
            bcg_scar: false,
            recorded_by: None,
            notes: None,
            passport: None,
        },
    ];
    PersonRecord {
        person: Person {
            given_name: "Sam".into(),
            family_name: "Patel".into(),
            date_of_birth: day(-10_000),
            ni_number: Some(NiNumber::parse("AB123456C").unwrap()),
            address: None,
            email: None,
            phone: None,
            registrations: vec![],
            smartcard_uuid: None,
        },
        assignments: vec![],
        checks,
        competences,
        immunisations,
        oh_clearance: None,
    }
}

fn role() -> RoleRequirements {
    RoleRequirements {
        role_code: "NUR-B5".into(),
        title: "Staff nurse".into(),
        checks: vec![
            CheckRequirement {
                min_assurance: Some(AssuranceLevel::Medium),
                ..CheckRequirement::of(CheckKind::Identity)
            },
            CheckRequirement::of(CheckKind::RightToWork),
            CheckRequirement::of(CheckKind::ProfessionalRegistration),
            CheckRequirement::of(CheckKind::EmploymentHistory),
            CheckRequirement {
                min_dbs_level: Some(DbsLevel::EnhancedAdults),
                max_age_months: Some(36),
                ..CheckRequirement::of(CheckKind::CriminalRecord)
            },
            CheckRequirement::of(CheckKind::WorkHealth),
        ],
        competences: CSTF_TABLE
            .iter()
            .filter(|e| e.level == 1)
            .map(|e| CompetenceRequirement { competence: CompetenceRef::cstf(e.subject, e.level) })
            .collect(),
        immunisations: vec![Antigen::HepatitisB, Antigen::Mmr, Antigen::Varicella, Antigen::SeasonalFlu],
        epp_required: true,
        agreement_required: false,
    }
}

fn org_compliance(c: &mut Criterion) {
    let people: Vec<PersonRecord> = (0..20_000).map(person_record).collect();
    let role = role();
    let catalogue = Catalogue::national();
    let today = day(2520);
    let mut group = c.benchmark_group("compliance");
    group.sample_size(10);
    group.bench_function("evaluate_and_summarise_20000_people", |b| {
        b.iter(|| {
            OrgSummary::from_results(
                people.iter().enumerate().map(|(i, p)| (i.to_string(), evaluate(p, &role, &catalogue, today, 30))),
            )
        });
    });
    group.finish();
}

criterion_group!(benches, org_compliance);
criterion_main!(benches);
