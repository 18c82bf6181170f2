//! `passport transfer …`: inter-authority transfers straight on the database, as trusted local
//! tooling (a system scope on `--ods`, audited as `system:cli transfer …`).
//!
//! - `consent`: record the worker's consent (or `--withdraw`), paper with `--evidence`.
//! - `match`: the earlier records that match an applicant (JSON).
//! - `run`: match automatically and run stage 1, or run a named transfer; prints the report.
//! - `show`: a person's transfers, or one transfer's report.
//! - `cohort`: a CSV of applicants (`ni_number,date_of_birth,surname,role,start_date`) transferred
//!   as one job with a per-person report and a progress bar. Safe to kill and rerun: a line
//!   already transferred is skipped, and every step of a line is idempotent (see the store's
//!   `transfer_cohort.rs`); the job's id is the SHA-256 of the file, so rerunning the same file
//!   continues the same job.
//! - `align`: record whether an organisation declared CSTF alignment.

use std::collections::BTreeMap;
use std::path::PathBuf;

use anyhow::{Context, bail};
use chrono::NaiveDate;
use clap::{Args, Subcommand};
use domain::assignment::{Band, StaffGroup};
use domain::org::OdsCode;
use domain::person::NiNumber;
use domain::transfer::{ConsentInput, ConsentMethod};
use serde::Serialize;
use store::{CohortEntry, CohortOutcome, CohortResult, OrgScope, RegistryScope, Store};

use crate::generate::Progress;

#[derive(Subcommand)]
pub enum TransferCommand {
    /// Record the worker's consent to a transfer (or its withdrawal).
    Consent(ConsentArgs),
    /// The earlier records in other organisations that match an applicant.
    Match(PersonArgs),
    /// Run stage 1: the automatic match for `--ni`, or the transfer `--transfer`.
    Run(RunArgs),
    /// A person's transfers (`--ni`) or one transfer's report (`--transfer`).
    Show(RunArgs),
    /// Transfer a cohort of applicants from a CSV file as one job.
    Cohort(CohortArgs),
    /// Record whether an organisation declared its training aligned to the CSTF.
    Align {
        #[command(flatten)]
        org: OrgArgs,
        /// Record that it is *not* aligned.
        #[arg(long)]
        no: bool,
    },
}

#[derive(Args, Clone)]
pub struct OrgArgs {
    /// ODS code of the organisation (the new employer, except for `align`).
    #[arg(long)]
    pub ods: String,
    #[arg(long = "database-url", env = "PASSPORT_DATABASE_URL", default_value = "sqlite://passport.db")]
    pub database_url: String,
}

#[derive(Args, Clone)]
pub struct PersonArgs {
    #[command(flatten)]
    pub org: OrgArgs,
    /// The applicant's NI number in that organisation's dataset.
    #[arg(long)]
    pub ni: String,
}

#[derive(Args, Clone)]
pub struct ConsentArgs {
    #[command(flatten)]
    pub person: PersonArgs,
    /// Record a withdrawal instead of consent.
    #[arg(long)]
    pub withdraw: bool,
    /// How the worker stated it: paper, self_service or wallet.
    #[arg(long, default_value = "paper")]
    pub method: String,
    /// Where the evidence is held (required for paper).
    #[arg(long)]
    pub evidence: Option<String>,
}

#[derive(Args, Clone)]
pub struct RunArgs {
    #[command(flatten)]
    pub org: OrgArgs,
    #[arg(long, conflicts_with = "transfer", required_unless_present = "transfer")]
    pub ni: Option<String>,
    /// A transfer id.
    #[arg(long)]
    pub transfer: Option<String>,
}

#[derive(Args, Clone)]
pub struct CohortArgs {
    #[command(flatten)]
    pub org: OrgArgs,
    /// CSV with a header: ni_number,date_of_birth,surname,role,start_date.
    #[arg(long)]
    pub csv: PathBuf,
    /// Staff group of applicant assignments the job creates.
    #[arg(long, default_value = "medical_and_dental")]
    pub staff_group: String,
    /// Band or grade of applicant assignments the job creates.
    #[arg(long, default_value = "ST1")]
    pub band: String,
    /// Also write the per-person report as JSON to this file.
    #[arg(long)]
    pub report: Option<PathBuf>,
}

async fn open(org: &OrgArgs, why: &str) -> anyhow::Result<(Store, OrgScope)> {
    let store = Store::connect(&org.database_url).await.with_context(|| format!("opening {}", org.database_url))?;
    let code = OdsCode::parse(&org.ods).map_err(|e| anyhow::anyhow!("--ods: {e}"))?;
    let scope = store.registry().system_scope(&code, &format!("cli transfer {why}")).await?;
    Ok((store, scope))
}

async fn person_id(store: &Store, scope: &OrgScope, ni: &str) -> anyhow::Result<String> {
    let ni = NiNumber::parse(ni).map_err(|e| anyhow::anyhow!("--ni: {e}"))?;
    Ok(store.dataset(scope).find_person_by_ni(&ni).await.context("no person with that NI number here")?.id)
}

fn print<T: Serialize>(value: &T) -> anyhow::Result<()> {
    println!("{}", serde_json::to_string_pretty(value)?);
    Ok(())
}

pub async fn run(command: TransferCommand) -> anyhow::Result<()> {
    match command {
        TransferCommand::Consent(args) => {
            let (store, scope) = open(&args.person.org, "consent").await?;
            let id = person_id(&store, &scope, &args.person.ni).await?;
            let method = ConsentMethod::parse(&args.method)
                .with_context(|| format!("--method {:?}: paper, self_service or wallet", args.method))?;
            let input = ConsentInput { given: !args.withdraw, method, evidence_ref: args.evidence };
            print(&store.dataset(&scope).record_transfer_consent(&id, &input).await?)
        }
        TransferCommand::Match(args) => {
            let (store, scope) = open(&args.org, "match").await?;
            let id = person_id(&store, &scope, &args.ni).await?;
            print(&store.dataset(&scope).transfer_candidates(&id).await?)
        }
        TransferCommand::Run(args) => {
            let (store, scope) = open(&args.org, "run").await?;
            let dataset = store.dataset(&scope);
            let transfer = match (&args.transfer, &args.ni) {
                (Some(id), _) => id.clone(),
                (None, Some(ni)) => {
                    let id = person_id(&store, &scope, ni).await?;
                    match dataset.auto_transfer(&id).await? {
                        Ok(p) => p.transfer.id,
                        Err(refusal) => bail!("{}: {}", refusal.code(), refusal.message()),
                    }
                }
                (None, None) => bail!("give --ni or --transfer"),
            };
            match dataset.run_transfer(&transfer).await? {
                Ok(report) => print(&report),
                Err(refusal) => bail!("{}: {}", refusal.code(), refusal.message()),
            }
        }
        TransferCommand::Show(args) => {
            let (store, scope) = open(&args.org, "show").await?;
            match (&args.transfer, &args.ni) {
                (Some(id), _) => print(&store.dataset(&scope).transfer_report(id).await?),
                (None, Some(ni)) => {
                    let id = person_id(&store, &scope, ni).await?;
                    print(&store.dataset(&scope).transfers_for_person(&id).await?)
                }
                (None, None) => bail!("give --ni or --transfer"),
            }
        }
        TransferCommand::Cohort(args) => cohort(args).await,
        TransferCommand::Align { org, no } => {
            let store = Store::connect(&org.database_url).await?;
            let code = OdsCode::parse(&org.ods).map_err(|e| anyhow::anyhow!("--ods: {e}"))?;
            let found = store.registry().find_by_ods(&code).await.context("no organisation with that ODS code")?;
            store.registry().set_cstf_alignment(&RegistryScope::system("cli transfer align"), &found.id, !no).await?;
            println!("{code}: CSTF alignment {}", if no { "not declared" } else { "declared" });
            Ok(())
        }
    }
}

/// One CSV line, parsed, or why it could not be.
fn parse_line(record: &csv::StringRecord, staff_group: StaffGroup, band: &Band) -> Result<CohortEntry, String> {
    let field =
        |i: usize, name: &str| record.get(i).map(str::trim).filter(|s| !s.is_empty()).ok_or(format!("{name}: missing"));
    let date = |i: usize, name: &str| -> Result<NaiveDate, String> {
        field(i, name)?.parse().map_err(|_| format!("{name}: not a YYYY-MM-DD date"))
    };
    Ok(CohortEntry {
        ni_number: NiNumber::parse(field(0, "ni_number")?).map_err(|e| e.to_string())?,
        date_of_birth: date(1, "date_of_birth")?,
        surname: field(2, "surname")?.to_owned(),
        role: field(3, "role")?.to_owned(),
        start_date: date(4, "start_date")?,
        staff_group,
        band: band.clone(),
    })
}

#[derive(Serialize)]
struct CohortReport {
    cohort_id: String,
    lines: usize,
    by_outcome: BTreeMap<&'static str, usize>,
    results: Vec<CohortResult>,
}

async fn cohort(args: CohortArgs) -> anyhow::Result<()> {
    let text = std::fs::read_to_string(&args.csv).with_context(|| format!("reading {}", args.csv.display()))?;
    let staff_group = StaffGroup::parse(&args.staff_group).map_err(|e| anyhow::anyhow!("--staff-group: {e}"))?;
    let band = Band::parse(&args.band).map_err(|e| anyhow::anyhow!("--band: {e}"))?;
    let (store, scope) = open(&args.org, "cohort").await?;
    let dataset = store.dataset(&scope);
    let cohort_id = store::secret_hash(&text);
    let mut reader = csv::ReaderBuilder::new().flexible(true).from_reader(text.as_bytes());
    let records: Vec<csv::StringRecord> = reader.records().collect::<Result<_, _>>().context("reading the CSV")?;
    let progress = Progress::new("transfer cohort", records.len() as u64);
    let mut results = Vec::with_capacity(records.len());
    for (i, record) in records.iter().enumerate() {
        let line = i as i64 + 2; // the header is line 1
        let result = match parse_line(record, staff_group, &band) {
            Ok(entry) => dataset.cohort_line(&cohort_id, line, &entry).await?,
            Err(problem) => {
                CohortResult { line, outcome: CohortOutcome::Error, transfer_id: None, detail: problem, earlier: false }
            }
        };
        results.push(result);
        progress.inc(1);
    }
    progress.finish();
    let mut by_outcome = BTreeMap::new();
    for r in &results {
        *by_outcome.entry(r.outcome.as_str()).or_insert(0) += 1;
    }
    let report = CohortReport { cohort_id, lines: results.len(), by_outcome, results };
    if let Some(path) = &args.report {
        std::fs::write(path, serde_json::to_string_pretty(&report)?)
            .with_context(|| format!("writing {}", path.display()))?;
    }
    let earlier = report.results.iter().filter(|r| r.earlier).count();
    eprintln!("cohort {}: {} lines ({earlier} settled by an earlier run)", &report.cohort_id[..12], report.lines);
    for (outcome, n) in &report.by_outcome {
        eprintln!("  {outcome}: {n}");
    }
    for r in report.results.iter().filter(|r| r.outcome != CohortOutcome::Transferred) {
        eprintln!("  line {}: {} — {}", r.line, r.outcome.as_str(), r.detail);
    }
    print(&report.by_outcome)
}
