//! Compliance cases as tables: met, due soon, expired, missing, level too low, and the
//! organisation summary; plus a property test that evaluation never panics.

use super::*;
use crate::checks::{
    AssuranceLevel, CheckDetails, CheckKind, CheckOutcome, DbsCertificateNumber, DbsCheck, DbsLevel, DbsWorkforce,
    EppClearance, IdentityCheck, IdentityRoute, RightToWorkCheck, RightToWorkPermission, RightToWorkRoute,
};
use crate::cstf::{CompetenceRef, CompetenceSource, CstfSubject};
use crate::immunisation::{Antigen, Dose, ImmunisationStatus, Serology, SerologyResult, SerologyTest};
use crate::person::{NiNumber, SmartcardUuid};
use crate::requirements::{CheckRequirement, CompetenceRequirement};

fn d(s: &str) -> NaiveDate {
    s.parse().unwrap()
}

const TODAY: &str = "2026-11-25";

fn person() -> Person {
    Person {
        given_name: "Sam".into(),
        family_name: "Patel".into(),
        date_of_birth: d("1988-06-01"),
        ni_number: Some(NiNumber::parse("AB123456C").unwrap()),
        address: None,
        email: None,
        phone: None,
        registrations: vec![],
        smartcard_uuid: None,
    }
}

fn record() -> PersonRecord {
    PersonRecord {
        person: person(),
        assignments: vec![],
        checks: vec![],
        competences: vec![],
        immunisations: vec![],
        oh_clearance: None,
    }
}

fn envelope(details: CheckDetails, completed: &str) -> EmploymentCheck {
    EmploymentCheck {
        details,
        outcome: CheckOutcome::Clear,
        completed_on: Some(d(completed)),
        checked_by: "hr".into(),
        evidence_ref: None,
        expires_on: None,
        notes: None,
    }
}

fn dbs(level: DbsLevel, issued: &str) -> EmploymentCheck {
    envelope(
        CheckDetails::CriminalRecord(DbsCheck {
            level,
            certificate_number: DbsCertificateNumber::parse("001234567890").unwrap(),
            issued_on: d(issued),
            workforce: DbsWorkforce::AdultAndChild,
            update_service: None,
        }),
        issued,
    )
}

fn identity(route: IdentityRoute, assurance: AssuranceLevel) -> EmploymentCheck {
    envelope(
        CheckDetails::Identity(IdentityCheck {
            route,
            assurance,
            documents_seen: vec![],
            idsp_name: None,
            smartcard_uuid: Some(SmartcardUuid::parse("555012345678").unwrap()),
        }),
        "2024-01-01",
    )
}

fn learned(subject: CstfSubject, level: u8, on: &str) -> Competence {
    Competence {
        competence: CompetenceRef::cstf(subject, level),
        completed_on: d(on),
        source: CompetenceSource::ELearning,
        provider: None,
    }
}

fn role() -> RoleRequirements {
    RoleRequirements {
        role_code: "NUR-B5".into(),
        title: "Staff nurse".into(),
        checks: vec![],
        competences: vec![],
        immunisations: vec![],
        epp_required: false,
        agreement_required: false,
    }
}

fn dbs_role(min: DbsLevel) -> RoleRequirements {
    RoleRequirements {
        checks: vec![CheckRequirement {
            min_dbs_level: Some(min),
            max_age_months: Some(36),
            ..CheckRequirement::of(CheckKind::CriminalRecord)
        }],
        ..role()
    }
}

fn run(record: &PersonRecord, role: &RoleRequirements) -> PersonCompliance {
    evaluate(record, role, &Catalogue::national(), d(TODAY), 30)
}

#[test]
fn person_record_validation_reports_paths_from_the_root() {
    let mut r = record();
    assert_eq!(r.validate(d(TODAY)), Ok(vec![]));
    r.checks.push(dbs(DbsLevel::Enhanced, "2027-01-01"));
    r.competences.push(learned(CstfSubject::FireSafety, 3, "2025-01-01"));
    r.person.date_of_birth = d("2030-01-01");
    let errors = r.validate(d(TODAY)).unwrap_err();
    for field in ["checks[0].details.issued_on", "competences[0].competence.level", "person.date_of_birth"] {
        assert!(errors.has_field(field), "{field} missing from {errors}");
    }
}

#[test]
fn fast_date_text_matches_display() {
    for date in ["2027-01-10", "0001-12-31", "1999-09-09", "2026-11-25", "9999-12-31"] {
        let mut text = String::new();
        rules::push_date(&mut text, d(date));
        assert_eq!(text, d(date).to_string());
    }
    let far = NaiveDate::from_ymd_opt(12345, 6, 7).unwrap();
    let mut text = String::new();
    rules::push_date(&mut text, far);
    assert_eq!(text, far.to_string());
}

#[test]
fn role_with_no_requirements_is_met() {
    let c = run(&record(), &role());
    assert_eq!(c.overall, ComplianceStatus::Met);
    assert!(c.items.is_empty());
}

#[test]
fn dbs_status_follows_the_recheck_policy() {
    // (issued, status): 36-month policy, today 2026-11-25, 30-day window.
    let table = [
        ("2025-01-10", ComplianceStatus::Met),
        ("2023-12-20", ComplianceStatus::DueSoon),
        ("2023-11-25", ComplianceStatus::DueSoon),
        ("2023-11-24", ComplianceStatus::Expired),
        ("2020-01-01", ComplianceStatus::Expired),
    ];
    for (issued, want) in table {
        let mut r = record();
        r.checks.push(dbs(DbsLevel::EnhancedAdults, issued));
        let c = run(&r, &dbs_role(DbsLevel::EnhancedAdults));
        assert_eq!(c.items[0].status, want, "issued {issued}: {:?}", c.items[0]);
        assert_eq!(c.items[0].requirement, "check:criminal_record");
    }
}

#[test]
fn expired_dbs_makes_role_non_compliant() {
    let mut r = record();
    r.checks.push(dbs(DbsLevel::EnhancedAdults, "2022-01-10"));
    let c = run(&r, &dbs_role(DbsLevel::EnhancedAdults));
    assert_eq!(c.overall, ComplianceStatus::Expired);
    assert!(!c.is_compliant());
    assert_eq!(c.items[0].expires_on, Some(d("2025-01-10")));
    assert!(c.items[0].reason.contains("expired 2025-01-10"), "{}", c.items[0].reason);
}

#[test]
fn dbs_level_below_the_requirement_is_missing_with_the_reason() {
    let mut r = record();
    r.checks.push(dbs(DbsLevel::Standard, "2025-06-01"));
    let c = run(&r, &dbs_role(DbsLevel::EnhancedAdults));
    assert_eq!(c.items[0].status, ComplianceStatus::Missing);
    assert_eq!(c.items[0].reason, "DBS level standard is below the required enhanced_adults");
}

#[test]
fn a_sufficient_dbs_wins_over_an_older_insufficient_one() {
    let mut r = record();
    r.checks.push(dbs(DbsLevel::Standard, "2025-06-01"));
    r.checks.push(dbs(DbsLevel::EnhancedBoth, "2024-06-01"));
    let c = run(&r, &dbs_role(DbsLevel::EnhancedChildren));
    assert_eq!(c.items[0].status, ComplianceStatus::Met, "{:?}", c.items[0]);
}

#[test]
fn missing_check_says_nothing_is_recorded() {
    let c = run(&record(), &dbs_role(DbsLevel::Enhanced));
    assert_eq!(c.overall, ComplianceStatus::Missing);
    assert_eq!(c.items[0].reason, "no criminal record (DBS) check recorded");
}

#[test]
fn not_clear_and_in_progress_checks_do_not_count() {
    let mut r = record();
    let mut not_clear = dbs(DbsLevel::Enhanced, "2025-06-01");
    not_clear.outcome = CheckOutcome::NotClear;
    r.checks.push(not_clear);
    let c = run(&r, &dbs_role(DbsLevel::Enhanced));
    assert_eq!(c.items[0].status, ComplianceStatus::Missing);
    assert!(c.items[0].reason.contains("not clear"), "{}", c.items[0].reason);

    let mut r = record();
    let mut pending = dbs(DbsLevel::Enhanced, "2025-06-01");
    pending.outcome = CheckOutcome::InProgress;
    pending.completed_on = None;
    r.checks.push(pending);
    let c = run(&r, &dbs_role(DbsLevel::Enhanced));
    assert_eq!(c.items[0].reason, "check in progress");
}

#[test]
fn smartcard_identity_counts_at_its_stated_level() {
    let req = RoleRequirements {
        checks: vec![CheckRequirement {
            min_assurance: Some(AssuranceLevel::High),
            ..CheckRequirement::of(CheckKind::Identity)
        }],
        ..role()
    };
    // (assurance stated on the smartcard RA check, status against a "high" requirement)
    let table = [
        (AssuranceLevel::High, ComplianceStatus::Met),
        (AssuranceLevel::Medium, ComplianceStatus::Missing),
        (AssuranceLevel::Low, ComplianceStatus::Missing),
    ];
    for (stated, want) in table {
        let mut r = record();
        r.checks.push(identity(IdentityRoute::SmartcardRa, stated));
        let c = run(&r, &req);
        assert_eq!(c.items[0].status, want, "{stated:?}: {:?}", c.items[0]);
        if want == ComplianceStatus::Missing {
            assert!(c.items[0].reason.contains("smartcard"), "{}", c.items[0].reason);
        }
    }
}

#[test]
fn employment_history_shorter_than_required_is_missing() {
    use crate::checks::EmploymentHistoryCheck;
    let req = RoleRequirements {
        checks: vec![CheckRequirement {
            min_history_months: Some(36),
            ..CheckRequirement::of(CheckKind::EmploymentHistory)
        }],
        ..role()
    };
    let history = |from: &str| {
        envelope(
            CheckDetails::EmploymentHistory(EmploymentHistoryCheck {
                covered_from: d(from),
                covered_to: d("2025-01-01"),
                references: vec![],
                gaps_explained: true,
                gap_notes: None,
            }),
            "2025-01-02",
        )
    };
    let mut r = record();
    r.checks.push(history("2022-01-01"));
    assert_eq!(run(&r, &req).items[0].status, ComplianceStatus::Met);
    r.checks[0] = history("2023-01-01");
    let item = &run(&r, &req).items[0];
    assert_eq!(item.status, ComplianceStatus::Missing);
    assert!(item.reason.contains("less than the required 36 months"), "{}", item.reason);
}

#[test]
fn time_limited_right_to_work_falls_due_with_the_permission() {
    let req = RoleRequirements { checks: vec![CheckRequirement::of(CheckKind::RightToWork)], ..role() };
    let rtw = |until: &str| {
        envelope(
            CheckDetails::RightToWork(RightToWorkCheck {
                route: RightToWorkRoute::HomeOfficeOnline,
                permission: RightToWorkPermission::TimeLimited,
                permission_expires_on: Some(d(until)),
                follow_up_on: None,
                share_code: Some("ABC123XYZ".into()),
            }),
            "2024-01-01",
        )
    };
    for (until, want) in [
        ("2027-06-30", ComplianceStatus::Met),
        ("2026-12-10", ComplianceStatus::DueSoon),
        ("2026-11-25", ComplianceStatus::DueSoon),
        ("2026-11-24", ComplianceStatus::Expired),
    ] {
        let mut r = record();
        r.checks.push(rtw(until));
        assert_eq!(run(&r, &req).items[0].status, want, "{until}");
    }
}

#[test]
fn competence_status_follows_the_refresher_period() {
    let req = RoleRequirements {
        competences: vec![CompetenceRequirement {
            competence: CompetenceRef::cstf(CstfSubject::InformationGovernance, 1),
        }],
        ..role()
    };
    // Information Governance refreshes yearly.
    for (done, want) in [
        ("2026-03-01", ComplianceStatus::Met),
        ("2025-12-01", ComplianceStatus::DueSoon),
        ("2025-11-24", ComplianceStatus::Expired),
    ] {
        let mut r = record();
        r.competences.push(learned(CstfSubject::InformationGovernance, 1, done));
        let item = &run(&r, &req).items[0];
        assert_eq!(item.status, want, "{done}: {item:?}");
        assert_eq!(item.requirement, "competence:cstf:information_governance:1");
    }
    let item = &run(&record(), &req).items[0];
    assert_eq!(item.status, ComplianceStatus::Missing);
    assert_eq!(item.reason, "Information Governance and Data Security not completed");
}

#[test]
fn higher_cstf_level_meets_a_lower_requirement_but_not_the_reverse() {
    let req = |level| RoleRequirements {
        competences: vec![CompetenceRequirement {
            competence: CompetenceRef::cstf(CstfSubject::SafeguardingAdults, level),
        }],
        ..role()
    };
    let mut r = record();
    r.competences.push(learned(CstfSubject::SafeguardingAdults, 3, "2025-01-01"));
    let item = &run(&r, &req(2)).items[0];
    assert_eq!(item.status, ComplianceStatus::Met);
    assert!(item.reason.contains("at level 3"), "{}", item.reason);

    let mut r = record();
    r.competences.push(learned(CstfSubject::SafeguardingAdults, 1, "2025-01-01"));
    assert_eq!(run(&r, &req(2)).items[0].status, ComplianceStatus::Missing);
}

#[test]
fn organisation_override_shortens_competence_expiry() {
    use crate::cstf::{CatalogueOverrides, RefresherOverride};
    let catalogue = Catalogue::with_overrides(&CatalogueOverrides {
        refreshers: vec![RefresherOverride { subject: CstfSubject::FireSafety, level: 1, refresher_months: 12 }],
        local: vec![],
    })
    .unwrap();
    let req = RoleRequirements {
        competences: vec![CompetenceRequirement { competence: CompetenceRef::cstf(CstfSubject::FireSafety, 1) }],
        ..role()
    };
    let mut r = record();
    r.competences.push(learned(CstfSubject::FireSafety, 1, "2025-06-01"));
    let national = evaluate(&r, &req, &Catalogue::national(), d(TODAY), 30);
    let local = evaluate(&r, &req, &catalogue, d(TODAY), 30);
    assert_eq!(national.overall, ComplianceStatus::Met);
    assert_eq!(local.overall, ComplianceStatus::Expired);
}

#[test]
fn local_competence_is_matched_by_code() {
    let local = |months| CompetenceRef::Local {
        code: "SHARPS-1".into(),
        name: "Sharps safety".into(),
        refresher_months: months,
    };
    let req = RoleRequirements { competences: vec![CompetenceRequirement { competence: local(None) }], ..role() };
    let mut r = record();
    r.competences.push(Competence {
        competence: local(Some(12)),
        completed_on: d("2024-01-01"),
        source: CompetenceSource::FaceToFace,
        provider: None,
    });
    let item = &run(&r, &req).items[0];
    assert_eq!(item.requirement, "competence:local:SHARPS-1");
    assert_eq!(item.status, ComplianceStatus::Expired);
}

fn immunisation(antigen: Antigen) -> Immunisation {
    Immunisation {
        antigen,
        status: ImmunisationStatus::Complete,
        doses: vec![],
        serology: vec![],
        history_of_disease: false,
        bcg_scar: false,
        recorded_by: None,
        notes: None,
        passport: None,
    }
}

#[test]
fn immunisations_are_met_by_the_oh_rules() {
    let req =
        RoleRequirements { immunisations: vec![Antigen::HepatitisB, Antigen::Mmr, Antigen::SeasonalFlu], ..role() };
    let mut r = record();
    let mut hep_b = immunisation(Antigen::HepatitisB);
    hep_b.serology.push(Serology {
        test: SerologyTest::AntiHbs,
        taken_on: d("2020-01-01"),
        result: SerologyResult::Positive,
        level_miu_ml: Some(120.0),
    });
    r.immunisations.push(hep_b);
    let mut mmr = immunisation(Antigen::Mmr);
    mmr.doses.push(Dose { given_on: d("1990-01-01"), product: None, batch: None });
    r.immunisations.push(mmr);
    let mut flu = immunisation(Antigen::SeasonalFlu);
    flu.doses.push(Dose { given_on: d("2025-10-10"), product: None, batch: None });
    r.immunisations.push(flu);

    let c = run(&r, &req);
    let status: Vec<_> = c.items.iter().map(|i| (&*i.requirement, i.status)).collect();
    assert_eq!(
        status,
        [
            ("immunisation:hepatitis_b", ComplianceStatus::Met),
            ("immunisation:mmr", ComplianceStatus::Missing),
            ("immunisation:seasonal_flu", ComplianceStatus::Expired),
        ]
    );
    assert!(c.items[1].reason.contains("1 of 2"), "{}", c.items[1].reason);
}

#[test]
fn an_accepted_passport_conclusion_counts_where_the_records_own_evidence_does_not() {
    let req = RoleRequirements { immunisations: vec![Antigen::HepatitisB, Antigen::SeasonalFlu], ..role() };
    let presented = |antigen, protected: Option<bool>, last_dose: Option<&str>| ImmunityEvidence {
        antigen,
        status: ImmunisationStatus::Immune,
        last_dose_on: last_dose.map(d),
        protected,
        basis: protected.map(|_| "anti-HBs 120 mIU/mL on 2020-01-01 (responder)".to_owned()),
    };
    let mut r = record();
    r.immunisations.push(presented(Antigen::HepatitisB, Some(true), None).into_record());
    r.immunisations.push(presented(Antigen::SeasonalFlu, None, Some("2026-10-01")).into_record());
    let c = run(&r, &req);
    assert_eq!(c.items[0].status, ComplianceStatus::Met, "{:?}", c.items[0]);
    assert!(c.items[0].reason.contains("passport"), "{}", c.items[0].reason);
    assert_eq!(c.items[1].status, ComplianceStatus::Met, "the presented last dose counts for its season");

    // A presented "not protected" does not spoil the record's own met evidence.
    let mut own = immunisation(Antigen::HepatitisB);
    own.serology.push(Serology {
        test: SerologyTest::AntiHbs,
        taken_on: d("2020-01-01"),
        result: SerologyResult::Positive,
        level_miu_ml: Some(50.0),
    });
    own.passport = Some(presented(Antigen::HepatitisB, Some(false), None));
    let evidence = ImmunityEvidence::of(&own);
    assert_eq!(evidence.protected, Some(true));
    assert!(!evidence.basis.unwrap().contains("passport"));
    // A conclusion for another antigen is never read, and refused on validation.
    own.passport = Some(presented(Antigen::Mmr, Some(true), None));
    own.serology.clear();
    assert_eq!(ImmunityEvidence::of(&own).protected, Some(false));
    let errors = own.validate(d("2026-12-01")).unwrap_err();
    assert!(format!("{errors:?}").contains("passport.antigen"), "{errors:?}");
    // Occupational health cannot type one in.
    own.passport = Some(presented(Antigen::HepatitisB, Some(true), None));
    assert!(own.validate(d("2026-12-01")).is_ok());
    let errors = own.validate_entered(d("2026-12-01")).unwrap_err();
    assert!(format!("{errors:?}").contains("\"passport\""), "{errors:?}");
}

#[test]
fn epp_needs_clearance_when_the_role_requires_it() {
    let req = RoleRequirements { epp_required: true, ..role() };
    let c = run(&record(), &req);
    assert_eq!(c.items[0].requirement, "epp");
    assert_eq!(c.items[0].status, ComplianceStatus::Missing);

    let mut r = record();
    r.oh_clearance = Some(OhClearance {
        epp: EppClearance::Cleared,
        cleared_on: d("2025-01-01"),
        cleared_by: "OH".into(),
        restrictions: None,
        review_on: Some(d("2026-12-01")),
    });
    assert_eq!(run(&r, &req).items[0].status, ComplianceStatus::DueSoon);
    r.oh_clearance.as_mut().unwrap().epp = EppClearance::NotCleared;
    let item = &run(&r, &req).items[0];
    assert_eq!(item.status, ComplianceStatus::Missing);
    assert!(item.reason.contains("not cleared"), "{}", item.reason);
}

#[test]
fn overall_is_the_worst_item() {
    let req = RoleRequirements {
        competences: vec![
            CompetenceRequirement { competence: CompetenceRef::cstf(CstfSubject::FireSafety, 1) },
            CompetenceRequirement { competence: CompetenceRef::cstf(CstfSubject::InformationGovernance, 1) },
        ],
        ..role()
    };
    let mut r = record();
    r.competences.push(learned(CstfSubject::FireSafety, 1, "2026-01-01"));
    r.competences.push(learned(CstfSubject::InformationGovernance, 1, "2025-12-10"));
    assert_eq!(run(&r, &req).overall, ComplianceStatus::DueSoon);
    r.competences.pop();
    assert_eq!(run(&r, &req).overall, ComplianceStatus::Missing);
}

#[test]
fn org_summary_counts_people_and_names_the_non_compliant() {
    let mut good = record();
    good.checks.push(dbs(DbsLevel::EnhancedBoth, "2025-06-01"));
    let mut old = record();
    old.checks.push(dbs(DbsLevel::EnhancedBoth, "2021-06-01"));
    let req = dbs_role(DbsLevel::Enhanced);
    let results = [("p1", run(&good, &req)), ("p2", run(&old, &req)), ("p3", run(&record(), &req))];
    let summary = OrgSummary::from_results(results.iter().map(|(id, c)| (*id, c)));
    assert_eq!(summary.people, 3);
    assert_eq!(summary.compliant, 1);
    assert_eq!(summary.by_status, StatusCounts { met: 1, due_soon: 0, expired: 1, missing: 1 });
    let ids: Vec<_> = summary.non_compliant.iter().map(|p| p.id.as_str()).collect();
    assert_eq!(ids, ["p2", "p3"]);
    assert_eq!(summary.non_compliant[0].gaps, ["check:criminal_record"]);
    assert_eq!(summary.by_status.total(), 3);
}

#[test]
fn compliance_json_uses_snake_case_statuses() {
    let c = run(&record(), &dbs_role(DbsLevel::Enhanced));
    let json = serde_json::to_value(&c).unwrap();
    assert_eq!(json["overall"], "missing");
    assert_eq!(json["items"][0]["status"], "missing");
    assert_eq!(ComplianceStatus::DueSoon.as_str(), "due_soon");
}

mod properties {
    use super::*;
    use proptest::prelude::*;

    fn any_date() -> impl Strategy<Value = NaiveDate> {
        (0i64..40_000).prop_map(|days| d("1950-01-01") + chrono::Duration::days(days))
    }

    fn any_subject() -> impl Strategy<Value = CstfSubject> {
        prop::sample::select(CstfSubject::ALL.to_vec())
    }

    proptest! {
        #[test]
        fn compliance_never_panics(
            today in any_date(),
            window in 0u32..100_000,
            done in prop::collection::vec((any_subject(), 0u8..6, any_date()), 0..8),
            wanted in prop::collection::vec((any_subject(), 0u8..6), 0..8),
            dbs_dates in prop::collection::vec((any_date(), 0usize..6), 0..4),
            age in prop::option::of(0u32..1_000_000),
            epp in any::<bool>(),
        ) {
            let mut r = record();
            r.competences = done.into_iter().map(|(s, l, on)| Competence {
                competence: CompetenceRef::cstf(s, l),
                completed_on: on,
                source: CompetenceSource::Imported,
                provider: None,
            }).collect();
            r.checks = dbs_dates.into_iter().map(|(on, level)| {
                let mut c = dbs(DbsLevel::ALL[level], "2020-01-01");
                c.completed_on = Some(on);
                c
            }).collect();
            let req = RoleRequirements {
                checks: vec![CheckRequirement {
                    max_age_months: age,
                    min_dbs_level: Some(DbsLevel::EnhancedAdults),
                    ..CheckRequirement::of(CheckKind::CriminalRecord)
                }],
                competences: wanted.into_iter().map(|(s, l)| CompetenceRequirement {
                    competence: CompetenceRef::cstf(s, l),
                }).collect(),
                immunisations: Antigen::ALL.to_vec(),
                epp_required: epp,
                ..role()
            };
            let c = evaluate(&r, &req, &Catalogue::national(), today, window);
            let size = req.checks.len() + req.competences.len() + req.immunisations.len() + usize::from(epp);
            prop_assert_eq!(c.items.len(), size);
            let worst = c.items.iter().map(|i| i.status).max().unwrap();
            prop_assert_eq!(c.overall, worst);
        }
    }
}
