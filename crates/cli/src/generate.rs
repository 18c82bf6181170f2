//! `passport generate`: a synthetic national workforce, straight into a database or as CSV
//! extracts in the import format (docs/import-format.md).
//!
//! Deterministic per (`--seed`, `--as-of`). Into a database, each organisation is registered if
//! missing, gets the synthetic roles' requirements, and is loaded in batches through the store's
//! bulk path (`Dataset::import_batch`), one transaction per batch with a checkpoint: killed and run
//! again with the same arguments, it resumes after the last committed batch and ends with exactly
//! the same rows. Generation runs on its own thread, one batch ahead of the database.
//!
//! Also home to the progress reporter shared by `import` and `bench`.

use std::io::{IsTerminal, Write as _};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use anyhow::{Context, Result};
use chrono::NaiveDate;
use clap::Args;
use domain::compliance::PersonRecord;
use domain::org::NewOrganisation;
use store::{
    Checkpoint, ComplianceBasis, ImportBatch, OrgScope, Organisation, RegistryScope, Source, Store, StoreError,
};
use synth::extract::ExtractWriter;
use synth::{GenerateConfig, Generator, OrgPlan, Plan, StaffRecord};

/// Arguments of `passport generate`.
#[derive(Args, Debug, Clone)]
pub struct GenerateArgs {
    /// People in the country (each with one current employer; about 5 % also have a record at an
    /// earlier employer).
    #[arg(long, default_value_t = 10_000)]
    pub people: u64,
    /// Organisations (trusts, ICBs, practices, hospices, …).
    #[arg(long, default_value_t = 10)]
    pub organisations: usize,
    /// Seed of the generator: the same seed (and --as-of) gives the same workforce.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// The day the data is "as of" (every date is relative to it); defaults to today. Give it to
    /// reproduce a run exactly on another day.
    #[arg(long, value_name = "YYYY-MM-DD")]
    pub as_of: Option<NaiveDate>,
    /// Load into this database (default sqlite://passport.db); ignored with --csv.
    #[arg(long = "database-url", env = "PASSPORT_DATABASE_URL")]
    pub database_url: Option<String>,
    /// Write CSV extracts instead: DIR/organisations.csv and DIR/<ODS>/<kind>.csv.
    #[arg(long, value_name = "DIR")]
    pub csv: Option<PathBuf>,
    /// People per transaction when loading.
    #[arg(long, default_value_t = 1000)]
    pub batch: usize,
}

impl GenerateArgs {
    pub fn generator(&self) -> Generator {
        let today = self.as_of.unwrap_or_else(|| chrono::Utc::now().date_naive());
        Generator::new(Plan::new(GenerateConfig {
            seed: self.seed,
            people: self.people,
            organisations: self.organisations.max(1),
            today,
        }))
    }
}

pub async fn run(args: GenerateArgs) -> Result<()> {
    let started = Instant::now();
    let generator = Arc::new(args.generator());
    let plan = &generator.plan;
    eprintln!(
        "generate: {} people in {} organisations, seed {}, as of {} (largest: {} {} staff)",
        plan.config.people,
        plan.orgs.len(),
        plan.config.seed,
        plan.config.today,
        plan.largest().ods_code,
        plan.largest().staff
    );
    if let Some(dir) = &args.csv {
        let rows = write_csv(&generator, dir)?;
        eprintln!("generate: wrote {rows} rows under {} in {:.1?}", dir.display(), started.elapsed());
        return Ok(());
    }
    let url = args.database_url.clone().unwrap_or_else(|| "sqlite://passport.db".to_owned());
    let store = Store::connect(&url).await.with_context(|| format!("opening {url}"))?;
    let stats = load(&store, generator.clone(), args.batch).await?;
    eprintln!(
        "generate: {} people records ({} already present), {} rows, in {:.1?}",
        stats.people, stats.already_present, stats.rows, stats.elapsed
    );
    Ok(())
}

/// What a load wrote.
#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct LoadStats {
    /// People records written (current and former staff, across organisations).
    pub people: u64,
    /// People skipped because their NI number was already in that dataset.
    pub already_present: u64,
    /// People plus every per-person record written.
    pub rows: u64,
    #[serde(skip)]
    pub elapsed: Duration,
}

/// Registers the plan's organisations (if missing) and returns them in plan order.
pub async fn ensure_organisations(store: &Store, plan: &Plan) -> Result<Vec<Organisation>> {
    let operator = RegistryScope::system("generate");
    let mut out = Vec::with_capacity(plan.orgs.len());
    for org in &plan.orgs {
        out.push(ensure_organisation(store, &operator, org).await?);
    }
    Ok(out)
}

async fn ensure_organisation(store: &Store, operator: &RegistryScope, org: &OrgPlan) -> Result<Organisation> {
    match store.registry().find_by_ods(&org.ods_code).await {
        Ok(found) => Ok(found),
        Err(StoreError::NotFound) => {
            let new = NewOrganisation { ods_code: org.ods_code.clone(), name: org.name.clone(), kind: org.kind };
            Ok(store.registry().create_organisation(operator, &new).await?)
        }
        Err(e) => Err(e.into()),
    }
}

/// The checkpoint name of a generated load: any change of arguments starts a new one.
fn checkpoint_source(plan: &Plan) -> String {
    let c = &plan.config;
    format!("generate:seed={}:people={}:orgs={}:as_of={}", c.seed, c.people, plan.orgs.len(), c.today)
}

fn person_record(r: StaffRecord) -> PersonRecord {
    PersonRecord {
        person: r.person,
        assignments: r.assignments,
        checks: r.checks,
        competences: r.competences,
        immunisations: r.immunisations,
        oh_clearance: r.clearance,
    }
}

/// Loads every organisation of the generator's plan into `store`, resuming where a previous run
/// with the same arguments stopped.
pub async fn load(store: &Store, generator: Arc<Generator>, batch: usize) -> Result<LoadStats> {
    let started = Instant::now();
    let plan = &generator.plan;
    let orgs = ensure_organisations(store, plan).await?;
    let source = checkpoint_source(plan);
    let mut starts = Vec::with_capacity(orgs.len());
    for org in &orgs {
        let scope = OrgScope::system(org.id.clone(), "generate").with_source(Source::Import);
        let dataset = store.dataset(&scope);
        let defined: std::collections::HashSet<String> =
            dataset.all_role_requirements().await?.into_iter().map(|r| r.role_code).collect();
        for role in synth::roles::all_requirements() {
            if !defined.contains(&role.role_code) {
                dataset.put_role_requirements(&role).await?;
            }
        }
        starts.push(dataset.import_checkpoint(&source).await?.unwrap_or(0).max(0) as u64);
    }
    let total: u64 = (0..orgs.len()).map(|i| plan.records_in(i)).sum();
    let done_before: u64 = starts.iter().sum();
    let progress = Progress::new("generate", total);
    progress.inc(done_before);
    store.begin_bulk_load().await?;

    // Generation thread: generates each batch and prepares it for the store (documents encoded,
    // compliance evaluated: `ImportPreparer::prepare`), at most two ahead of the database, so that
    // this CPU work runs on the other core while the database writes the previous batch.
    let scopes: Vec<OrgScope> =
        orgs.iter().map(|o| OrgScope::system(o.id.clone(), "generate").with_source(Source::Import)).collect();
    let mut preparers = Vec::with_capacity(scopes.len());
    for scope in &scopes {
        preparers.push(store.dataset(scope).import_preparer().await?);
    }
    type Prepared = (usize, u64, store::Result<store::PreparedBatch>);
    let (tx, mut rx) = tokio::sync::mpsc::channel::<Prepared>(2);
    let producer = {
        let generator = generator.clone();
        let starts = starts.clone();
        let source = source.clone();
        let basis = ComplianceBasis::new(plan.config.today);
        std::thread::spawn(move || {
            for (index, start) in starts.into_iter().enumerate() {
                let end = generator.plan.records_in(index);
                let mut k = start;
                while k < end {
                    let upto = (k + batch.max(1) as u64).min(end);
                    let people: Vec<PersonRecord> =
                        (k..upto).map(|n| person_record(generator.record_at(index, n))).collect();
                    let n = people.len() as u64;
                    let batch = ImportBatch {
                        people,
                        records: vec![],
                        checkpoint: Some(Checkpoint { source: source.clone(), position: upto as i64 }),
                        // Each person's compliance is stored with them, so no summary starts cold.
                        compliance: Some(basis),
                    };
                    if tx.blocking_send((index, n, preparers[index].prepare(batch))).is_err() {
                        return; // the loader stopped
                    }
                    k = upto;
                }
            }
        })
    };

    let mut stats = LoadStats::default();
    while let Some((index, n, prepared)) = rx.recv().await {
        let report = store.dataset(&scopes[index]).import_prepared(prepared?).await?;
        let skipped = report.people.iter().filter(|p| p.is_none()).count() as u64;
        stats.people += n - skipped;
        stats.already_present += skipped;
        stats.rows += (n - skipped) + report.records_inserted as u64;
        progress.inc(n);
    }
    producer.join().map_err(|_| anyhow::anyhow!("the generator thread panicked"))?;
    store.end_bulk_load().await?;
    progress.finish();
    stats.elapsed = started.elapsed();
    Ok(stats)
}

/// Writes the plan as CSV extracts; returns the number of data rows written.
pub fn write_csv(generator: &Generator, dir: &Path) -> Result<u64> {
    let plan = &generator.plan;
    std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    let mut index = csv::Writer::from_path(dir.join("organisations.csv"))?;
    index.write_record(["ODS Code", "Name", "Kind", "Staff", "People Records"])?;
    let total: u64 = (0..plan.orgs.len()).map(|i| plan.records_in(i)).sum();
    let progress = Progress::new("generate", total);
    let mut rows = 0u64;
    for org in &plan.orgs {
        let kind = serde_json::to_value(org.kind)?.as_str().unwrap_or_default().to_owned();
        index.write_record([
            org.ods_code.as_str(),
            &org.name,
            &kind,
            &org.staff.to_string(),
            &plan.records_in(org.index).to_string(),
        ])?;
        let org_dir = dir.join(org.ods_code.as_str());
        std::fs::create_dir_all(&org_dir)?;
        let mut writer = ExtractWriter::new(|kind| {
            std::fs::File::create(org_dir.join(kind.file_name())).map(std::io::BufWriter::new)
        })?;
        for record in generator.records(org.index) {
            rows += record.row_count() as u64;
            writer.write_staff(&record)?;
            progress.inc(1);
        }
        for (_, mut file) in writer.finish()? {
            file.flush()?;
        }
    }
    index.flush()?;
    progress.finish();
    Ok(rows)
}

/// Progress on stderr: an indicatif bar with rate and ETA on a terminal, otherwise a plain line
/// every few seconds (logs and CI stay readable).
pub struct Progress {
    label: &'static str,
    total: u64,
    bar: Option<indicatif::ProgressBar>,
    done: AtomicU64,
    started: Instant,
    last_line: std::sync::Mutex<Instant>,
}

impl Progress {
    pub fn new(label: &'static str, total: u64) -> Progress {
        let bar = std::io::stderr().is_terminal().then(|| {
            let bar = indicatif::ProgressBar::new(total);
            bar.set_style(
                indicatif::ProgressStyle::with_template(
                    "{msg} [{elapsed_precise}] {wide_bar} {human_pos}/{human_len} {per_sec} ETA {eta}",
                )
                .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
            );
            bar.set_message(label);
            bar
        });
        Progress {
            label,
            total,
            bar,
            done: AtomicU64::new(0),
            started: Instant::now(),
            last_line: std::sync::Mutex::new(Instant::now()),
        }
    }

    pub fn inc(&self, n: u64) {
        let done = self.done.fetch_add(n, Ordering::Relaxed) + n;
        if let Some(bar) = &self.bar {
            bar.inc(n);
            return;
        }
        let mut last = self.last_line.lock().unwrap_or_else(|e| e.into_inner());
        if last.elapsed() >= Duration::from_secs(5) {
            *last = Instant::now();
            eprintln!("{}", self.line(done));
        }
    }

    fn line(&self, done: u64) -> String {
        let secs = self.started.elapsed().as_secs_f64().max(0.001);
        let rate = done as f64 / secs;
        let eta = if rate > 0.0 { (self.total.saturating_sub(done)) as f64 / rate } else { 0.0 };
        format!("{}: {done}/{} ({rate:.0}/s, ETA {eta:.0}s)", self.label, self.total)
    }

    pub fn finish(&self) {
        match &self.bar {
            Some(bar) => bar.finish(),
            None => eprintln!("{}", self.line(self.done.load(Ordering::Relaxed))),
        }
    }
}
