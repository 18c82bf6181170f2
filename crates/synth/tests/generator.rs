//! The generator at small scale: deterministic per seed, every record valid by the domain's own
//! validation, and the shares the issue asks for (earlier employment, concurrent assignments).

use chrono::NaiveDate;
use domain::assignment::AssignmentStatus;
use synth::{GenerateConfig, Generator, Plan, StaffRecord};

fn today() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 11, 25).unwrap()
}

fn generator(seed: u64, people: u64, organisations: usize) -> Generator {
    Generator::new(Plan::new(GenerateConfig { seed, people, organisations, today: today() }))
}

fn all(g: &Generator) -> Vec<(usize, StaffRecord)> {
    (0..g.plan.orgs.len()).flat_map(|i| g.records(i).map(move |r| (i, r))).collect()
}

#[test]
fn same_seed_gives_the_same_workforce_and_another_seed_does_not() {
    let a = all(&generator(7, 3000, 12));
    let b = all(&generator(7, 3000, 12));
    assert_eq!(a, b);
    let c = all(&generator(8, 3000, 12));
    assert_ne!(a, c);
}

#[test]
fn an_organisation_generated_alone_equals_the_same_organisation_in_a_full_run() {
    let g = generator(11, 2000, 8);
    let full = all(&g);
    let alone: Vec<StaffRecord> = generator(11, 2000, 8).records(5).collect();
    let from_full: Vec<StaffRecord> = full.into_iter().filter(|(i, _)| *i == 5).map(|(_, r)| r).collect();
    assert_eq!(alone, from_full);
}

#[test]
fn every_generated_record_passes_domain_validation() {
    let g = generator(3, 5000, 15);
    let t = today();
    let mut rows = 0;
    for (_, r) in all(&g) {
        let warnings = r.person.validate(t).unwrap_or_else(|e| panic!("{}: {e}", r.serial));
        assert!(warnings.is_empty(), "{}: {warnings:?}", r.serial);
        for a in &r.assignments {
            a.validate().unwrap_or_else(|e| panic!("{} assignment: {e}", r.serial));
        }
        for c in &r.checks {
            c.validate(t).unwrap_or_else(|e| panic!("{} {:?}: {e}\n{c:?}", r.serial, c.kind()));
        }
        for c in &r.competences {
            c.validate(t).unwrap_or_else(|e| panic!("{} competence: {e}", r.serial));
        }
        for i in &r.immunisations {
            i.validate(t).unwrap_or_else(|e| panic!("{} {:?}: {e}", r.serial, i.antigen));
        }
        if let Some(c) = &r.clearance {
            c.validate(t).unwrap_or_else(|e| panic!("{} clearance: {e}", r.serial));
        }
        rows += r.row_count();
    }
    assert!(rows > 5000 * 15, "{rows} rows");
}

#[test]
fn every_former_employment_record_passes_domain_validation_at_scale() {
    // Former staff are rare (5 %) and those who are now applicants rarer still (1 % of them):
    // check every one of 100,000 people's earlier-employer records.
    let g = generator(13, 100_000, 30);
    let t = today();
    for org in 0..g.plan.orgs.len() {
        for serial in g.plan.leavers_of(org) {
            let r = g.former(*serial);
            r.person.validate(t).unwrap_or_else(|e| panic!("{serial}: {e}"));
            let left = &r.assignments[0];
            left.validate().unwrap_or_else(|e| panic!("{serial}: {e}"));
            assert!(left.end_date.unwrap() <= t, "{serial} left in the future");
            for c in &r.checks {
                c.validate(t).unwrap_or_else(|e| panic!("{serial} {:?}: {e}", c.kind()));
            }
            for c in &r.competences {
                c.validate(t).unwrap_or_else(|e| panic!("{serial} competence: {e}"));
            }
            for i in &r.immunisations {
                i.validate(t).unwrap_or_else(|e| panic!("{serial} {:?}: {e}", i.antigen));
            }
            if let Some(c) = &r.clearance {
                c.validate(t).unwrap_or_else(|e| panic!("{serial} clearance: {e}"));
            }
        }
    }
}

#[test]
fn shares_of_earlier_employment_and_concurrent_assignments_are_as_specified() {
    let g = generator(5, 20_000, 20);
    let records = all(&g);
    let current: Vec<&StaffRecord> =
        records.iter().filter(|(i, r)| g.plan.home_of(r.serial) == *i).map(|(_, r)| r).collect();
    assert_eq!(current.len(), 20_000);
    let former = records.len() - current.len();
    assert!((800..1200).contains(&former), "{former} former-employment records (≈5 %)");
    let two = current.iter().filter(|r| r.assignments.len() == 2).count();
    assert!((250..550).contains(&two), "{two} people with two assignments (≈2 %)");
    // A former employer's record has the same NI number and date of birth, and ended before the
    // current assignment started.
    for (i, r) in records.iter().filter(|(i, r)| g.plan.home_of(r.serial) != *i) {
        let now = g.current(r.serial);
        assert_eq!(now.person.ni_number, r.person.ni_number);
        assert_eq!(now.person.date_of_birth, r.person.date_of_birth);
        let left = &r.assignments[0];
        assert_eq!(left.status, AssignmentStatus::Left, "org {i}");
        assert!(left.end_date.unwrap() <= now.assignments[0].start_date);
    }
}

#[test]
fn ni_numbers_are_unique_within_each_organisation() {
    let g = generator(9, 10_000, 10);
    for i in 0..10 {
        let mut seen = std::collections::HashSet::new();
        for r in g.records(i) {
            assert!(seen.insert(r.person.ni_number.clone().unwrap()), "org {i} serial {}", r.serial);
        }
    }
}

#[test]
fn generated_staff_are_mostly_compliant_with_their_roles_requirements() {
    use domain::compliance::{ComplianceStatus, OrgSummary, PersonRecord, evaluate};
    let g = generator(21, 3000, 3);
    let catalogue = domain::cstf::Catalogue::national();
    let mut summary = OrgSummary::default();
    for r in g.records(0).filter(|r| g.plan.home_of(r.serial) == 0) {
        let role = synth::roles::requirements(synth::roles::by_code(&r.assignments[0].role).unwrap());
        let record = PersonRecord {
            person: r.person.clone(),
            assignments: r.assignments.clone(),
            checks: r.checks.clone(),
            competences: r.competences.clone(),
            immunisations: r.immunisations.clone(),
            oh_clearance: r.clearance.clone(),
        };
        summary.add(r.serial.to_string(), &evaluate(&record, &role, &catalogue, today(), 30));
    }
    // A realistic spread: some fully compliant, most with a gap somewhere, every status present.
    let s = &summary.by_status;
    assert!(s.met > 0 && s.due_soon > 0 && s.expired > 0 && s.missing > 0, "{s:?}");
    let share = summary.compliant * 100 / summary.people;
    assert!((25..=80).contains(&share), "{share}% compliant: {s:?}");
    let _ = ComplianceStatus::Met;
}
