//! Table tests of the transfer rules.

use chrono::{DateTime, NaiveDate, TimeZone, Utc};

use super::*;
use crate::assignment::{Assignment, AssignmentStatus, Band, StaffGroup};
use crate::checks::{
    CheckDetails, CheckOutcome, DbsCertificateNumber, DbsCheck, DbsLevel, DbsWorkforce, EmploymentCheck,
};
use crate::cstf::{Competence, CompetenceRef, CompetenceSource, CstfSubject};
use crate::immunisation::{Antigen, Dose, EppClearance, Immunisation, ImmunisationStatus, OhClearance};
use crate::org::OdsCode;
use crate::person::{NiNumber, Person, ProfessionalRegistration, Register, RegistrationStatus};

fn d(s: &str) -> NaiveDate {
    s.parse().unwrap()
}

fn t(h: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 9, 1, h, 0, 0).unwrap()
}

#[test]
fn surnames_normalise_for_case_spaces_hyphens_and_diacritics() {
    let table = [
        ("Smith", "smith"),
        ("  SMITH ", "smith"),
        ("Smith-Jones", "smithjones"),
        ("Smith Jones", "smithjones"),
        ("O'Brien", "obrien"),
        ("Núñez", "nunez"),
        ("Nu\u{0301}n\u{0303}ez", "nunez"), // decomposed (NFD) input
        ("Łukasiewicz", "lukasiewicz"),
        ("Øvergård", "overgard"),
        ("Straße", "strasse"),
        ("Œuvre", "oeuvre"),
        ("Dvořák", "dvorak"),
        ("Çelik", "celik"),
        ("Ångström", "angstrom"),
        ("Иванов", "иванов"),
        ("", ""),
    ];
    for (input, expected) in table {
        assert_eq!(normalise_surname(input), expected, "{input:?}");
    }
}

#[test]
fn classification_needs_all_three_for_automatic_and_two_for_partial() {
    let ni = NiNumber::parse("AB123456C").unwrap();
    let other_ni = NiNumber::parse("AB654321C").unwrap();
    let dob = d("1990-04-12");
    let applicant = MatchKey { ni_number: Some(&ni), date_of_birth: dob, surname: "Núñez-García" };
    let table: [(MatchKey, MatchClass, &[MatchField]); 7] = [
        (MatchKey { ni_number: Some(&ni), date_of_birth: dob, surname: "NUNEZ GARCIA" }, MatchClass::Automatic, &[]),
        (
            MatchKey { ni_number: Some(&ni), date_of_birth: dob, surname: "Smith" },
            MatchClass::Partial,
            &[MatchField::Surname],
        ),
        (
            MatchKey { ni_number: Some(&ni), date_of_birth: d("1990-04-21"), surname: "Nunez-Garcia" },
            MatchClass::Partial,
            &[MatchField::DateOfBirth],
        ),
        (
            MatchKey { ni_number: Some(&other_ni), date_of_birth: dob, surname: "nunezgarcia" },
            MatchClass::Partial,
            &[MatchField::NiNumber],
        ),
        (
            MatchKey { ni_number: None, date_of_birth: dob, surname: "Nunez Garcia" },
            MatchClass::Partial,
            &[MatchField::NiNumber],
        ),
        (
            MatchKey { ni_number: Some(&ni), date_of_birth: d("1991-01-01"), surname: "Smith" },
            MatchClass::NoMatch,
            &[MatchField::DateOfBirth, MatchField::Surname],
        ),
        (
            MatchKey { ni_number: None, date_of_birth: d("1991-01-01"), surname: "Nunez Garcia" },
            MatchClass::NoMatch,
            &[MatchField::NiNumber, MatchField::DateOfBirth],
        ),
    ];
    for (candidate, class, differs) in table {
        let outcome = classify(&applicant, &candidate);
        assert_eq!(outcome.class, class, "{candidate:?}");
        assert_eq!(outcome.differs, differs, "{candidate:?}");
    }
    // An applicant without an NI number can at best match partially.
    let no_ni = MatchKey { ni_number: None, date_of_birth: dob, surname: "Núñez-García" };
    assert_eq!(classify(&no_ni, &no_ni.clone()).class, MatchClass::Partial);
}

fn assignment(status: AssignmentStatus, start: &str, end: Option<&str>) -> Assignment {
    Assignment {
        role: "NURSE-B5".to_owned(),
        staff_group: StaffGroup::AdministrativeAndClerical,
        band: Band::parse("5").unwrap(),
        start_date: d(start),
        end_date: end.map(d),
        status,
    }
}

#[test]
fn recency_prefers_open_employment_then_the_latest_date() {
    use AssignmentStatus::*;
    let table: [(&[Assignment], Option<Recency>); 4] = [
        (&[], None),
        (
            &[assignment(Left, "2015-01-01", Some("2020-01-01"))],
            Some(Recency { open: false, last_date: d("2020-01-01") }),
        ),
        (
            &[assignment(Left, "2015-01-01", Some("2020-01-01")), assignment(Active, "2018-03-01", None)],
            Some(Recency { open: true, last_date: d("2018-03-01") }),
        ),
        (
            &[assignment(Active, "2019-03-01", Some("2024-02-28"))],
            Some(Recency { open: false, last_date: d("2024-02-28") }),
        ),
    ];
    for (assignments, expected) in table {
        assert_eq!(recency(assignments), expected, "{assignments:?}");
    }
    assert!(Recency { open: true, last_date: d("2001-01-01") } > Recency { open: false, last_date: d("2025-01-01") });
}

#[test]
fn decision_takes_the_most_recent_automatic_match_and_never_a_partial_one() {
    let old = Some(Recency { open: false, last_date: d("2020-01-01") });
    let newer = Some(Recency { open: false, last_date: d("2024-01-01") });
    let c = |class, recency| Candidate { class, recency };
    use MatchClass::*;
    let table: Vec<(Vec<Candidate>, MatchDecision)> = vec![
        (vec![], MatchDecision::NoMatch),
        (vec![c(NoMatch, old)], MatchDecision::NoMatch),
        (vec![c(Automatic, old)], MatchDecision::Automatic { index: 0 }),
        (vec![c(Automatic, old), c(Automatic, newer)], MatchDecision::Automatic { index: 1 }),
        (vec![c(Partial, newer), c(Automatic, old)], MatchDecision::Automatic { index: 1 }),
        (vec![c(Partial, newer)], MatchDecision::NeedsDecision { indexes: vec![0] }),
        (
            vec![c(Partial, old), c(NoMatch, old), c(Partial, newer)],
            MatchDecision::NeedsDecision { indexes: vec![0, 2] },
        ),
        (vec![c(Automatic, newer), c(Automatic, newer)], MatchDecision::NeedsDecision { indexes: vec![0, 1] }),
    ];
    for (candidates, expected) in table {
        assert_eq!(decide(&candidates), expected, "{candidates:?}");
    }
}

fn consent(given: bool, at: DateTime<Utc>) -> ConsentRecord {
    ConsentRecord { given, method: ConsentMethod::SelfService, evidence_ref: None, at, recorded_by: "user:x".into() }
}

#[test]
fn the_latest_consent_statement_decides() {
    let table: Vec<(Vec<ConsentRecord>, Result<(), TransferRefusal>)> = vec![
        (vec![], Err(TransferRefusal::NoConsent)),
        (vec![consent(true, t(9))], Ok(())),
        (vec![consent(true, t(9)), consent(false, t(10))], Err(TransferRefusal::ConsentWithdrawn)),
        (vec![consent(false, t(10)), consent(true, t(9))], Err(TransferRefusal::ConsentWithdrawn)),
        (vec![consent(true, t(9)), consent(false, t(10)), consent(true, t(11))], Ok(())),
        (vec![consent(true, t(9)), consent(false, t(9))], Err(TransferRefusal::ConsentWithdrawn)),
    ];
    for (records, expected) in table {
        assert_eq!(consent_state(&records).permits_transfer(), expected, "{records:?}");
    }
}

#[test]
fn paper_consent_needs_an_evidence_reference() {
    let input =
        |method, evidence: Option<&str>| ConsentInput { given: true, method, evidence_ref: evidence.map(Into::into) };
    let table = [
        (input(ConsentMethod::Paper, Some("SCAN-2026-0042")), None),
        (input(ConsentMethod::Paper, None), Some("evidence_ref")),
        (input(ConsentMethod::Paper, Some("  ")), Some("evidence_ref")),
        (input(ConsentMethod::SelfService, None), None),
        (input(ConsentMethod::Wallet, None), None),
        (input(ConsentMethod::Wallet, Some(&"x".repeat(201))), Some("evidence_ref")),
    ];
    for (consent, field) in table {
        match (consent.validate(), field) {
            (Ok(()), None) => {}
            (Err(e), Some(f)) => assert!(e.has_field(f), "{consent:?}: {e}"),
            (other, _) => panic!("{consent:?}: {other:?}"),
        }
    }
}

fn dbs(completed: &str, outcome: CheckOutcome) -> EmploymentCheck {
    EmploymentCheck {
        details: CheckDetails::CriminalRecord(DbsCheck {
            level: DbsLevel::EnhancedAdults,
            certificate_number: DbsCertificateNumber::parse("001234567890").unwrap(),
            issued_on: d(completed),
            workforce: DbsWorkforce::AdultAndChild,
            update_service: None,
        }),
        outcome,
        completed_on: Some(d(completed)),
        checked_by: "hr".into(),
        evidence_ref: Some("EV-1".into()),
        expires_on: None,
        notes: Some("private note".into()),
    }
}

fn training(subject: CstfSubject, level: u8, on: &str) -> Competence {
    Competence {
        competence: CompetenceRef::cstf(subject, level),
        completed_on: d(on),
        source: CompetenceSource::ELearning,
        provider: None,
    }
}

fn flu(on: &str) -> Immunisation {
    Immunisation {
        antigen: Antigen::SeasonalFlu,
        status: ImmunisationStatus::Complete,
        doses: vec![Dose { given_on: d(on), product: None, batch: None }],
        serology: vec![],
        history_of_disease: false,
        bcg_scar: false,
        recorded_by: None,
        notes: Some("note".into()),
        passport: None,
    }
}

fn records() -> SourceRecords {
    SourceRecords {
        checks: vec![
            PdsItem::new("c1", dbs("2025-01-10", CheckOutcome::Clear)),
            PdsItem::new("c2", EmploymentCheck { completed_on: None, ..dbs("2025-02-01", CheckOutcome::InProgress) }),
        ],
        competences: vec![
            PdsItem::new("k1", training(CstfSubject::FireSafety, 1, "2025-03-01")),
            PdsItem::new(
                "k2",
                Competence {
                    competence: CompetenceRef::Local {
                        code: "SHARPS".into(),
                        name: "Sharps".into(),
                        refresher_months: Some(24),
                    },
                    ..training(CstfSubject::FireSafety, 1, "2025-03-02")
                },
            ),
        ],
        immunisations: vec![PdsItem::new("i1", flu("2025-10-01"))],
        oh_clearance: Some(PdsItem::new(
            "oh1",
            OhClearance {
                epp: EppClearance::Cleared,
                cleared_on: d("2024-05-05"),
                cleared_by: "dr".into(),
                restrictions: None,
                review_on: None,
            },
        )),
        registrations: vec![PdsItem::new(
            "p1",
            ProfessionalRegistration::new(
                Register::Nmc,
                "12A3456E",
                RegistrationStatus::Registered,
                Some(d("2027-01-31")),
            )
            .unwrap(),
        )],
    }
}

fn rj1() -> OdsCode {
    OdsCode::parse("RJ1").unwrap()
}

#[test]
fn the_data_set_leaves_notes_and_unfinished_checks_behind() {
    let pds = PortableDataSet::build(rj1(), "Guy's".into(), "p".into(), true, records());
    assert_eq!(pds.checks.len(), 1);
    assert_eq!(pds.checks[0].value.notes, None);
    assert_eq!(pds.checks[0].value.evidence_ref.as_deref(), Some("EV-1"));
    assert_eq!(pds.excluded.len(), 1);
    assert_eq!(pds.excluded[0].source_record_id.as_deref(), Some("c2"));
    assert!(pds.immunisations.iter().all(|i| i.value.notes.is_none()));
    assert!(pds.competences.iter().all(|c| c.value.source == CompetenceSource::IatTransfer));
}

#[test]
fn national_competences_only_from_aligned_organisations() {
    let table = [
        (true, training(CstfSubject::FireSafety, 1, "2025-01-01"), "cstf:fire_safety:1"),
        (false, training(CstfSubject::FireSafety, 1, "2025-01-01"), "local:RJ1.FS.1"),
        (false, training(CstfSubject::InfectionPreventionControl, 2, "2025-01-01"), "local:RJ1.IPC.2"),
        (
            true,
            Competence {
                competence: CompetenceRef::Local {
                    code: "SHARPS".into(),
                    name: "Sharps".into(),
                    refresher_months: None,
                },
                ..training(CstfSubject::FireSafety, 1, "2025-01-01")
            },
            "local:RJ1.SHARPS",
        ),
    ];
    for (aligned, competence, key) in table {
        let out = portable_competence(&rj1(), aligned, competence.clone());
        assert_eq!(out.competence.key(), key, "{competence:?}");
        out.competence.validate().unwrap();
        assert_eq!(out.completed_on, competence.completed_on);
    }
    // The local copy keeps the national refresher period, so it expires as the original would.
    let local = portable_competence(&rj1(), false, training(CstfSubject::FireSafety, 1, "2025-01-01"));
    assert_eq!(local.expires_on(), training(CstfSubject::FireSafety, 1, "2025-01-01").expires_on());
}

#[test]
fn merge_keeps_newer_or_equal_local_records_and_says_why() {
    let pds = PortableDataSet::build(rj1(), "Guy's".into(), "p".into(), true, records());
    let mut local = LocalHoldings::default();
    local.check("L-dbs", &dbs("2025-06-01", CheckOutcome::Clear)); // newer: kept
    local.competence("L-fire", &training(CstfSubject::FireSafety, 1, "2025-03-01")); // same day: kept
    local.immunisation("L-flu", &flu("2024-10-01")); // older: copied
    let plan = merge(&pds, &local);
    let line = |item: &str| {
        plan.report
            .iter()
            .find(|l| l.item == item && l.decision != Decision::Excluded)
            .unwrap_or_else(|| panic!("{item}"))
    };
    let table = [
        ("criminal_record", Decision::Kept, Some("L-dbs")),
        ("cstf:fire_safety:1", Decision::Kept, Some("L-fire")),
        ("local:RJ1.SHARPS", Decision::Copied, None),
        ("seasonal_flu", Decision::Copied, None),
        ("oh_clearance", Decision::Copied, None),
        ("nmc", Decision::Copied, None),
    ];
    for (item, decision, kept_id) in table {
        let l = line(item);
        assert_eq!(l.decision, decision, "{l:?}");
        assert_eq!(l.record_id.as_deref(), kept_id, "{l:?}");
        assert!(!l.reason.is_empty());
    }
    // The excluded in-progress check is reported too, and only copies are planned.
    assert!(plan.report.iter().any(|l| l.decision == Decision::Excluded));
    assert_eq!((plan.checks.len(), plan.competences.len(), plan.immunisations.len()), (0, 1, 1));
    assert!(plan.oh_clearance.is_some());
    assert_eq!(plan.copied(), 4);
    // Merging the same data set onto what it would produce copies nothing (idempotent).
    let mut after = local.clone();
    for c in &plan.competences {
        after.competence("x", &c.value);
    }
    for i in &plan.immunisations {
        after.immunisation("y", &i.value);
    }
    after.oh_clearance("z", &plan.oh_clearance.as_ref().unwrap().value);
    for r in &plan.registrations {
        after.registration("w", &r.value);
    }
    assert_eq!(merge(&pds, &after).copied(), 0);
}

#[test]
fn service_history_lists_started_assignments_oldest_first() {
    use AssignmentStatus::*;
    let history = service_history(
        &rj1(),
        "Guy's",
        &[
            assignment(Active, "2022-09-01", None),
            assignment(Applicant, "2026-09-01", None),
            assignment(Left, "2019-08-07", Some("2022-08-31")),
        ],
    );
    let dates: Vec<_> = history.iter().map(|e| (e.start_date, e.end_date)).collect();
    assert_eq!(dates, vec![(d("2019-08-07"), Some(d("2022-08-31"))), (d("2022-09-01"), None)]);
}

#[test]
fn personal_details_come_from_whichever_record_changed_last() {
    let base = Person {
        given_name: "Amara".into(),
        family_name: "Okafor".into(),
        date_of_birth: d("1990-04-12"),
        ni_number: None,
        address: None,
        email: Some("new@nhs.net".into()),
        phone: None,
        registrations: vec![],
        smartcard_uuid: None,
    };
    let source = Person { email: Some("old@nhs.net".into()), phone: Some("07700900123".into()), ..base.clone() };
    // Local newer: email kept, phone filled.
    let (merged, report) = merge_personal(&base, t(10), &source, t(9));
    assert_eq!(merged.email.as_deref(), Some("new@nhs.net"));
    assert_eq!(merged.phone.as_deref(), Some("07700900123"));
    assert_eq!(report.len(), 2);
    // Source newer: both taken.
    let (merged, _) = merge_personal(&base, t(9), &source, t(10));
    assert_eq!(merged.email.as_deref(), Some("old@nhs.net"));
    assert_eq!(merged.family_name, "Okafor");
}
