//! The inter-authority transfer part of `passport bench`: on the loaded national database, a new
//! employer (an organisation of its own, so its applicants meet no staff of theirs) takes on
//! people who work elsewhere today, as the September rotation does.
//!
//! - **match**: the candidates for one applicant across every dataset (`transfer_candidates`,
//!   what HR's match page and the API serve: automatic and partial matches, audited on both
//!   chains);
//! - **stage 1**: copying the Portable Data Set of the automatic match into the applicant record
//!   (`run_transfer`, one transaction);
//! - **cohort**: a list of applicants run as one job, line by line, as `passport transfer cohort`
//!   does (`cohort_line`: find the applicant, add the applicant assignment, check consent, match,
//!   propose, stage 1, record the line's outcome).
//!
//! Setting up (the applicant records and their paper consents) is not timed.

use std::collections::{BTreeMap, HashSet};
use std::time::Instant;

use anyhow::{Result, bail};
use chrono::{Days, NaiveDate};
use domain::assignment::{Assignment, AssignmentStatus, Band, StaffGroup};
use domain::org::{NewOrganisation, OdsCode, OrgKind};
use domain::transfer::{ConsentInput, ConsentMethod};
use rand::Rng;
use serde::Serialize;
use store::{CohortEntry, CohortOutcome, OrgScope, RegistryScope, Store, StoreError};
use synth::Generator;

use crate::bench::Timing;

/// The new employer's ODS code: six characters, a shape the generator never makes.
const NEW_EMPLOYER: &str = "ZZBEN1";
const ROLE: &str = "ST1-ROTATION";

/// What the transfer part measured.
#[derive(Debug, Clone, Serialize)]
pub struct TransferTimings {
    /// Applicants timed one by one for the match and stage 1.
    pub samples: usize,
    pub matched: Timing,
    pub stage1: Timing,
    /// Stage 1 runs that copied at least one record.
    pub stage1_copied_any: usize,
    pub cohort_people: usize,
    pub cohort_seconds: f64,
    pub cohort_outcomes: BTreeMap<&'static str, usize>,
    /// Creating the applicant records and consents (not part of any figure above).
    pub setup_seconds: f64,
}

/// Runs the transfer measurements for `samples` applicants one by one and a cohort of `cohort`.
pub async fn measure(
    store: &Store,
    generator: &Generator,
    samples: usize,
    cohort: usize,
    rng: &mut impl Rng,
) -> Result<TransferTimings> {
    let today = generator.plan.config.today;
    let people = generator.plan.config.people;
    if (samples + cohort) as u64 > people / 2 {
        bail!("{samples} samples and a cohort of {cohort} need at least {} people", 2 * (samples + cohort));
    }
    let org = new_employer(store).await?;
    let scope = OrgScope::system(org, "bench transfer");
    let dataset = store.dataset(&scope);

    let mut serials = HashSet::with_capacity(samples + cohort);
    while serials.len() < samples + cohort {
        serials.insert(rng.gen_range(0..people));
    }
    let serials: Vec<u64> = serials.into_iter().collect();
    let start = today.checked_add_days(Days::new(28)).unwrap_or(today);

    let setup = Instant::now();
    let mut applicants = Vec::with_capacity(serials.len());
    for &serial in &serials {
        let person = generator.current(serial).person;
        let id = match dataset.create_person(&person).await {
            Ok(created) => created.id,
            // A rerun on the same database: the applicant is there already.
            Err(StoreError::Conflict { .. }) => {
                let ni = person.ni_number.as_ref().expect("generated people have NI numbers");
                dataset.find_person_by_ni(ni).await?.id
            }
            Err(e) => return Err(e.into()),
        };
        let consent =
            ConsentInput { given: true, method: ConsentMethod::Paper, evidence_ref: Some(format!("BENCH-{serial}")) };
        dataset.record_transfer_consent(&id, &consent).await?;
        applicants.push((id, person));
    }
    for (id, _) in &applicants[..samples] {
        dataset.add_assignment(id, &applicant_assignment(start)).await?;
    }
    let setup_seconds = setup.elapsed().as_secs_f64();

    let mut matched = Vec::with_capacity(samples);
    let mut stage1 = Vec::with_capacity(samples);
    let mut copied_any = 0;
    for (id, _) in &applicants[..samples] {
        let t = Instant::now();
        let candidates = dataset.transfer_candidates(id).await?;
        matched.push(t.elapsed());
        if candidates.is_empty() {
            bail!("applicant {id} matched no one: the generator's person should match their own record");
        }
        let proposal = match dataset.auto_transfer(id).await? {
            Ok(proposal) => proposal,
            Err(refusal) => bail!("applicant {id}: no automatic transfer ({})", refusal.message()),
        };
        let t = Instant::now();
        let report = match dataset.run_transfer(&proposal.transfer.id).await? {
            Ok(report) => report,
            Err(refusal) => bail!("applicant {id}: stage 1 refused ({})", refusal.message()),
        };
        stage1.push(t.elapsed());
        copied_any += usize::from(report.lines.iter().any(|l| l.decision == domain::transfer::Decision::Copied));
    }

    let cohort_id = format!("bench-{}", generator.plan.config.seed);
    let entries: Vec<CohortEntry> = applicants[samples..]
        .iter()
        .map(|(_, person)| CohortEntry {
            ni_number: person.ni_number.clone().expect("generated people have NI numbers"),
            date_of_birth: person.date_of_birth,
            surname: person.family_name.clone(),
            role: ROLE.to_owned(),
            start_date: start,
            staff_group: StaffGroup::MedicalAndDental,
            band: Band::parse("ST1").expect("a valid grade"),
        })
        .collect();
    let progress = crate::generate::Progress::new("bench: transfer cohort", entries.len() as u64);
    let mut outcomes: BTreeMap<&'static str, usize> = BTreeMap::new();
    let t = Instant::now();
    for (i, entry) in entries.iter().enumerate() {
        let result = dataset.cohort_line(&cohort_id, i as i64 + 2, entry).await?;
        *outcomes.entry(result.outcome.as_str()).or_default() += 1;
        progress.inc(1);
    }
    let cohort_seconds = t.elapsed().as_secs_f64();
    progress.finish();
    if outcomes.get(CohortOutcome::Transferred.as_str()).copied().unwrap_or(0) == 0 {
        bail!("the cohort transferred no one: {outcomes:?}");
    }
    Ok(TransferTimings {
        samples,
        matched: Timing::of(matched),
        stage1: Timing::of(stage1),
        stage1_copied_any: copied_any,
        cohort_people: entries.len(),
        cohort_seconds,
        cohort_outcomes: outcomes,
        setup_seconds,
    })
}

fn applicant_assignment(start: NaiveDate) -> Assignment {
    Assignment {
        role: ROLE.to_owned(),
        staff_group: StaffGroup::MedicalAndDental,
        band: Band::parse("ST1").expect("a valid grade"),
        start_date: start,
        end_date: None,
        status: AssignmentStatus::Applicant,
    }
}

/// The new employer's organisation id, registered on first use.
async fn new_employer(store: &Store) -> Result<String> {
    let ods = OdsCode::parse(NEW_EMPLOYER).expect("a valid ODS code");
    match store.registry().find_by_ods(&ods).await {
        Ok(found) => Ok(found.id),
        Err(StoreError::NotFound) => {
            let new = NewOrganisation { ods_code: ods, name: "Bench New Employer".into(), kind: OrgKind::AcuteTrust };
            Ok(store.registry().create_organisation(&RegistryScope::system("bench"), &new).await?.id)
        }
        Err(e) => Err(e.into()),
    }
}
