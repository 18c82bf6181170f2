//! The records an organisation holds about one person: the six employment checks, CSTF
//! competences and immunisations with occupational health clearance.
//!
//! Spreads are chosen so that compliance looks like a real trust's: most training in date, a
//! steady few percent due within the month, roughly one in eight expired, a few missing; DBS and
//! right-to-work rechecks falling due over time. Every value is built to pass the domain's own
//! validation at `today` (the generator's tests hold that). This module must not do I/O.

use chrono::NaiveDate;
use domain::checks::{
    AssuranceLevel, CheckDetails, CheckOutcome, DbsCertificateNumber, DbsCheck, DbsLevel, DbsWorkforce,
    EmploymentCheck, EmploymentHistoryCheck, EppClearance, FitnessOutcome, IdentityCheck, IdentityDocument,
    IdentityRoute, ProfessionalRegistrationCheck, Reference, RightToWorkCheck, RightToWorkPermission, RightToWorkRoute,
    UpdateService, WorkHealthCheck,
};
use domain::cstf::{Competence, CompetenceRef, CompetenceSource, CstfSubject, national_entry};
use domain::immunisation::{
    Antigen, Dose, Immunisation, ImmunisationStatus, OhClearance, Serology, SerologyResult, SerologyTest,
};
use rand::Rng;
use rand_chacha::ChaCha8Rng;

use crate::names::{IDSPS, PROVIDERS, REFEREES};
use crate::person::{Identity, minus, plus, season_start};
use crate::rng::{chance, one_of};
use crate::roles::Role;

/// The CSTF levels a role needs: clinical roles take the higher levels.
pub fn required_competences(role: &Role) -> Vec<CompetenceRef> {
    use CstfSubject as S;
    let c = role.clinical;
    let resus = match (c, role.staff_group) {
        (true, domain::assignment::StaffGroup::MedicalAndDental) => 3,
        (true, _) => 2,
        (false, _) => 1,
    };
    [
        (S::ConflictResolution, 1),
        (S::EqualityDiversityHumanRights, 1),
        (S::FireSafety, 1),
        (S::HealthSafetyWelfare, 1),
        (S::InfectionPreventionControl, if c { 2 } else { 1 }),
        (S::InformationGovernance, 1),
        (S::MovingHandling, if c { 2 } else { 1 }),
        (S::PreventingRadicalisation, if c { 3 } else { 1 }),
        (S::Resuscitation, resus),
        (S::SafeguardingAdults, if c { 2 } else { 1 }),
        (S::SafeguardingChildren, if c { 2 } else { 1 }),
    ]
    .into_iter()
    .map(|(s, l)| CompetenceRef::cstf(s, l))
    .collect()
}

/// The immunisations a role's occupational health record covers.
pub fn required_antigens(role: &Role) -> &'static [Antigen] {
    if role.clinical { &[Antigen::HepatitisB, Antigen::Mmr, Antigen::Varicella, Antigen::Tuberculosis] } else { &[] }
}

fn check(details: CheckDetails, outcome: CheckOutcome, done: Option<NaiveDate>, serial: u64) -> EmploymentCheck {
    let year = done.map_or(0, |d| chrono::Datelike::year(&d));
    EmploymentCheck {
        details,
        outcome,
        completed_on: done,
        checked_by: "HR Recruitment Team".to_owned(),
        evidence_ref: Some(format!("HR-{year}-{:06}", serial % 1_000_000)),
        expires_on: None,
        notes: None,
    }
}

/// The six checks (five for unregistered roles) made when an assignment began on `start`, with
/// DBS rechecks up to `until` (today, or the leaving date for a former employer's record).
/// An applicant's are still in progress, apart from identity and right to work.
pub fn employment_checks(
    id: &Identity,
    start: NaiveDate,
    applicant: bool,
    rng: &mut ChaCha8Rng,
    until: NaiveDate,
) -> Vec<EmploymentCheck> {
    let role = id.role;
    let today = until;
    let done = minus(start, rng.gen_range(5..45)).min(until);
    let pending = |rng: &mut ChaCha8Rng| applicant && chance(rng, 80.0);
    let mut out = Vec::with_capacity(6);

    let identity = match rng.gen_range(0..100) {
        0..15 if id.person.smartcard_uuid.is_some() => IdentityCheck {
            route: IdentityRoute::SmartcardRa,
            assurance: AssuranceLevel::Medium,
            documents_seen: vec![],
            idsp_name: None,
            smartcard_uuid: id.person.smartcard_uuid.clone(),
        },
        15..30 => IdentityCheck {
            route: IdentityRoute::Idsp,
            assurance: if chance(rng, 30.0) { AssuranceLevel::High } else { AssuranceLevel::Medium },
            documents_seen: vec![],
            idsp_name: Some((*one_of(rng, IDSPS)).to_owned()),
            smartcard_uuid: None,
        },
        _ => IdentityCheck {
            route: IdentityRoute::DocumentsInPerson,
            assurance: AssuranceLevel::Medium,
            documents_seen: vec![IdentityDocument::Passport, IdentityDocument::UtilityBill],
            idsp_name: None,
            smartcard_uuid: None,
        },
    };
    out.push(check(CheckDetails::Identity(identity), CheckOutcome::Clear, Some(done), id.serial));

    let rtw = if chance(rng, 12.0) {
        let expiry = plus(today, rng.gen_range(-90..1500)).max(plus(done, 180));
        RightToWorkCheck {
            route: RightToWorkRoute::HomeOfficeOnline,
            permission: RightToWorkPermission::TimeLimited,
            permission_expires_on: Some(expiry),
            follow_up_on: Some(minus(expiry, 28)),
            share_code: Some(format!("W{:08}", rng.gen_range(0..100_000_000u32))),
        }
    } else {
        RightToWorkCheck {
            route: if chance(rng, 30.0) { RightToWorkRoute::Idsp } else { RightToWorkRoute::ManualDocument },
            permission: RightToWorkPermission::Unlimited,
            permission_expires_on: None,
            follow_up_on: None,
            share_code: None,
        }
    };
    out.push(check(CheckDetails::RightToWork(rtw), CheckOutcome::Clear, Some(done), id.serial));

    if let Some(registration) = id.person.registrations.first() {
        let details = ProfessionalRegistrationCheck {
            registration: registration.clone(),
            conditions: vec![],
            qualifications_verified: vec![format!("{} qualification", role.title)],
        };
        out.push(check(CheckDetails::ProfessionalRegistration(details), CheckOutcome::Clear, Some(done), id.serial));
    }

    let covered_from = minus(start, 3 * 365);
    let covered_to = minus(start, 1).min(today).max(covered_from);
    let history_pending = pending(rng);
    let references = if history_pending {
        vec![]
    } else {
        (0..2)
            .map(|_| {
                let received = minus(done, rng.gen_range(1..20));
                Reference {
                    referee: (*one_of(rng, REFEREES)).to_owned(),
                    organisation: None,
                    requested_on: Some(minus(received, rng.gen_range(3..14))),
                    received_on: received,
                }
            })
            .collect()
    };
    let history =
        EmploymentHistoryCheck { covered_from, covered_to, references, gaps_explained: true, gap_notes: None };
    out.push(outcome_of(CheckDetails::EmploymentHistory(history), history_pending, done, id.serial));

    let (level, workforce) = match (role.clinical, rng.gen_range(0..10)) {
        (true, 0..6) => (DbsLevel::EnhancedBoth, DbsWorkforce::AdultAndChild),
        (true, _) => (DbsLevel::EnhancedAdults, DbsWorkforce::Adult),
        (false, 0..3) => (DbsLevel::Standard, DbsWorkforce::Other),
        (false, _) => (DbsLevel::Basic, DbsWorkforce::Other),
    };
    // DBS is rechecked every three years (or kept current through the Update Service), so most
    // long-serving staff hold a recent certificate rather than their pre-employment one.
    let mut issued = minus(done, rng.gen_range(0..10));
    let mut dbs_done = done;
    if (until - issued).num_days() > 900 && chance(rng, 88.0) {
        issued = minus(until, rng.gen_range(5..1000)).max(issued);
        dbs_done = plus(issued, rng.gen_range(0..10)).min(until);
    }
    let update_service = chance(rng, 35.0).then(|| UpdateService {
        subscription_id: format!("C{:010}", rng.gen_range(0..10_000_000_000u64)),
        last_status_check_on: Some(minus(until, rng.gen_range(0..365)).max(issued)),
    });
    let dbs = DbsCheck {
        level,
        certificate_number: DbsCertificateNumber::parse(&format!("00{:010}", rng.gen_range(0..10_000_000_000u64)))
            .expect("12 digits"),
        issued_on: issued,
        workforce,
        update_service,
    };
    let dbs_pending = pending(rng);
    out.push(outcome_of(CheckDetails::CriminalRecord(dbs), dbs_pending, dbs_done, id.serial));

    let (fitness, adjustments) = match rng.gen_range(0..100) {
        0..8 => (FitnessOutcome::FitWithAdjustments, Some("Phased return; no night shifts".to_owned())),
        _ => (FitnessOutcome::Fit, None),
    };
    let health_pending = pending(rng);
    let health = WorkHealthCheck {
        outcome: if health_pending { FitnessOutcome::Pending } else { fitness },
        adjustments: if health_pending { None } else { adjustments },
        epp_clearance: if role.epp { EppClearance::Cleared } else { EppClearance::NotApplicable },
        assessed_by: "Occupational Health".to_owned(),
        assessed_on: minus(done, rng.gen_range(0..5)),
    };
    out.push(outcome_of(CheckDetails::WorkHealth(health), health_pending, done, id.serial));
    out
}

fn outcome_of(details: CheckDetails, pending: bool, done: NaiveDate, serial: u64) -> EmploymentCheck {
    if pending {
        check(details, CheckOutcome::InProgress, None, serial)
    } else {
        check(details, CheckOutcome::Clear, Some(done), serial)
    }
}

/// Training records, most recent completion of each required competence, as of `until` (today
/// for current staff, the leaving date for a former employer's record).
pub fn competences(role: &Role, rng: &mut ChaCha8Rng, until: NaiveDate) -> Vec<Competence> {
    let mut out = Vec::with_capacity(11);
    for competence in required_competences(role) {
        if chance(rng, 1.5) {
            continue; // never done
        }
        let months = match &competence {
            CompetenceRef::Cstf { subject, level } => {
                national_entry(*subject, *level).map_or(36, |e| e.refresher_months)
            }
            CompetenceRef::Local { .. } => 36,
        };
        let period = i64::from(months) * 30;
        let ago = rng.gen_range(0..period + period / 20);
        let face_to_face = matches!(
            &competence,
            CompetenceRef::Cstf { subject: CstfSubject::Resuscitation | CstfSubject::MovingHandling, level: 2.. }
        );
        let source = if face_to_face || chance(rng, 20.0) {
            CompetenceSource::FaceToFace
        } else if chance(rng, 5.0) {
            CompetenceSource::Assessment
        } else {
            CompetenceSource::ELearning
        };
        let provider = match source {
            CompetenceSource::ELearning => PROVIDERS[0],
            _ => *one_of(rng, &PROVIDERS[1..]),
        };
        out.push(Competence {
            competence,
            completed_on: minus(until, ago),
            source,
            provider: Some(provider.to_owned()),
        });
    }
    out
}

fn dose(on: NaiveDate) -> Dose {
    Dose { given_on: on, product: None, batch: None }
}

fn blank(antigen: Antigen, status: ImmunisationStatus) -> Immunisation {
    Immunisation {
        antigen,
        status,
        doses: vec![],
        serology: vec![],
        history_of_disease: false,
        bcg_scar: false,
        recorded_by: Some("Occupational Health".to_owned()),
        notes: None,
        passport: None,
    }
}

/// Occupational health immunisation records (clinical staff), plus the seasonal vaccines offered
/// to everyone; `start` is when occupational health first saw them.
pub fn immunisations(id: &Identity, start: NaiveDate, rng: &mut ChaCha8Rng, today: NaiveDate) -> Vec<Immunisation> {
    let dob = id.person.date_of_birth;
    let seen = minus(start, rng.gen_range(10..60)).min(today);
    let mut out = Vec::with_capacity(6);
    for antigen in required_antigens(id.role) {
        if chance(rng, 3.0) {
            continue; // no record yet
        }
        let record = match antigen {
            Antigen::HepatitisB => {
                let first = minus(seen, rng.gen_range(200..3000));
                let mut r = blank(*antigen, ImmunisationStatus::Complete);
                r.doses = vec![dose(first), dose(plus(first, 30)), dose(plus(first, 180))];
                let responder = chance(rng, 95.0);
                let level =
                    if responder { rng.gen_range(10.0..1000.0f64).round() } else { rng.gen_range(0.0..9.0f64).round() };
                r.serology = vec![Serology {
                    test: SerologyTest::AntiHbs,
                    taken_on: plus(first, 240).min(today),
                    result: if responder { SerologyResult::Positive } else { SerologyResult::Negative },
                    level_miu_ml: Some(level),
                }];
                r
            }
            Antigen::Mmr => {
                let mut r = blank(*antigen, ImmunisationStatus::Complete);
                r.doses = vec![dose(plus(dob, 400)), dose(plus(dob, 1500))];
                r
            }
            Antigen::Varicella => {
                let mut r = blank(*antigen, ImmunisationStatus::Immune);
                if chance(rng, 85.0) {
                    r.history_of_disease = true;
                } else {
                    r.serology = vec![Serology {
                        test: SerologyTest::VaricellaIgg,
                        taken_on: seen,
                        result: SerologyResult::Positive,
                        level_miu_ml: None,
                    }];
                }
                r
            }
            _ => {
                let mut r = blank(*antigen, ImmunisationStatus::Immune);
                if chance(rng, 70.0) {
                    r.bcg_scar = true;
                } else {
                    r.status = ImmunisationStatus::Complete;
                    r.serology = vec![Serology {
                        test: SerologyTest::Igra,
                        taken_on: seen,
                        result: SerologyResult::Negative,
                        level_miu_ml: None,
                    }];
                }
                r
            }
        };
        out.push(record);
    }
    let season = season_start(today);
    for (antigen, uptake) in [(Antigen::SeasonalFlu, 65.0), (Antigen::Covid19, 45.0)] {
        if today < plus(season, 1) || chance(rng, 10.0) {
            continue;
        }
        let span = (today - season).num_days();
        let record = if chance(rng, uptake) {
            let mut r = blank(antigen, ImmunisationStatus::Complete);
            r.doses = vec![dose(plus(season, rng.gen_range(0..span)))];
            r
        } else {
            blank(antigen, ImmunisationStatus::Declined)
        };
        out.push(record);
    }
    out
}

/// Occupational health clearance for clinical staff.
pub fn clearance(role: &Role, start: NaiveDate, rng: &mut ChaCha8Rng, today: NaiveDate) -> Option<OhClearance> {
    role.clinical.then(|| OhClearance {
        epp: if role.epp { EppClearance::Cleared } else { EppClearance::NotApplicable },
        cleared_on: minus(start, rng.gen_range(1..30)).min(today),
        cleared_by: "Occupational Health".to_owned(),
        restrictions: None,
        review_on: None,
    })
}
