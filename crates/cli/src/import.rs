//! `passport import`: loads an ESR-style CSV extract (docs/import-format.md) into one
//! organisation's dataset.
//!
//! Every row is validated by the domain's rules; a bad row is reported with file, line, column and
//! reason and the rest still load. Good rows go to the store in batches, one transaction each
//! (`Dataset::import_batch`), and every batch commits a checkpoint — the file's name and content
//! fingerprint, and the last line included — in the same transaction. Killed at any point (even
//! `kill -9`) and run again, the import skips exactly the lines already committed: no duplicates,
//! nothing lost. The same file imported twice is a no-op; a changed file is a new import.
//!
//! Exit statuses: see [`EXIT_STATUSES`], which `--help` shows.

use std::collections::HashMap;
use std::io::{BufReader, Read};
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use chrono::NaiveDate;
use clap::Args;
use domain::compliance::PersonRecord;
use domain::org::{NewOrganisation, OdsCode, OrgKind};
use domain::person::NiNumber;
use serde::Serialize;
use store::{
    Checkpoint, ComplianceBasis, ImportBatch, ImportRecord, OrgScope, PersonRef, RegistryScope, Source, Store,
    StoreError,
};
use synth::extract::{ExtractKind, ExtractValue, RowError, read_rows};

use crate::generate::Progress;

/// Shown by `passport import --help`, so scripts can rely on them without reading the source.
pub const EXIT_STATUSES: &str = "Exit status: 0 every row loaded (or was loaded by an earlier run); \
3 some rows were rejected (each named as file:line: column: reason), the rest loaded; \
4 a file could not be read at all (named), the other files loaded; \
1 the import could not run (database, organisation, directory).";

/// Arguments of `passport import`.
#[derive(Args, Debug, Clone)]
pub struct ImportArgs {
    /// ODS code of the organisation whose dataset receives the extract.
    #[arg(long)]
    pub org: String,
    /// Directory holding people.csv, assignments.csv, checks.csv, competences.csv,
    /// immunisations.csv and (optionally) clearances.csv.
    #[arg(long)]
    pub dir: PathBuf,
    #[arg(long = "database-url", env = "PASSPORT_DATABASE_URL", default_value = "sqlite://passport.db")]
    pub database_url: String,
    /// The day to validate against (no date may be after it); defaults to today.
    #[arg(long, value_name = "YYYY-MM-DD")]
    pub as_of: Option<NaiveDate>,
    /// Rows per transaction.
    #[arg(long, default_value_t = 5000)]
    pub batch: usize,
    /// Register the organisation first if it is not registered, with the name and kind listed for
    /// it in DIR/../organisations.csv (as `passport generate --csv` writes), else its ODS code.
    #[arg(long)]
    pub register: bool,
    /// Also write the full report (counts per file, every bad row) as JSON to this file.
    #[arg(long, value_name = "FILE")]
    pub report: Option<PathBuf>,
}

/// Counts for one file.
#[derive(Debug, Clone, Default, Serialize)]
pub struct FileReport {
    pub file: String,
    /// Data rows read (blank lines are not rows).
    pub rows: u64,
    /// Rows written by this run.
    pub loaded: u64,
    /// Rows at or before the committed checkpoint of an earlier run of the same file.
    pub already_loaded: u64,
    /// People rows whose NI number was already in the dataset (kept as they were).
    pub already_present: u64,
    /// Bad rows (see `errors`).
    pub rejected: u64,
    /// The file could not be read at all (see `errors`, line 1): nothing of it loaded.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub unreadable: bool,
}

/// The whole run.
#[derive(Debug, Clone, Default, Serialize)]
pub struct ImportReport {
    pub organisation: String,
    pub files: Vec<FileReport>,
    pub errors: Vec<RowError>,
}

const PRINTED_ERRORS: usize = 100;

pub async fn run(args: ImportArgs) -> Result<()> {
    let report = import(&args).await?;
    print_report(&report);
    if let Some(path) = &args.report {
        std::fs::write(path, serde_json::to_vec_pretty(&report)?)
            .with_context(|| format!("writing {}", path.display()))?;
    }
    if report.files.iter().any(|f| f.unreadable) {
        std::process::exit(4);
    }
    if report.files.iter().any(|f| f.rejected > 0) {
        std::process::exit(3);
    }
    Ok(())
}

fn print_report(report: &ImportReport) {
    for e in report.errors.iter().take(PRINTED_ERRORS) {
        eprintln!("{e}");
    }
    if report.errors.len() > PRINTED_ERRORS {
        eprintln!("… and {} more problems (use --report FILE for all)", report.errors.len() - PRINTED_ERRORS);
    }
    println!("import into {}:", report.organisation);
    println!(
        "{:<20} {:>10} {:>10} {:>15} {:>16} {:>9}",
        "file", "rows", "loaded", "already loaded", "already present", "rejected"
    );
    for f in &report.files {
        println!(
            "{:<20} {:>10} {:>10} {:>15} {:>16} {:>9}",
            f.file, f.rows, f.loaded, f.already_loaded, f.already_present, f.rejected
        );
    }
}

/// A cheap content fingerprint (FNV-1a, 64 bits) and the line count, in one pass.
fn fingerprint(path: &Path) -> Result<(u64, u64, u64)> {
    let mut file = std::fs::File::open(path).with_context(|| format!("opening {}", path.display()))?;
    let mut buf = vec![0u8; 1 << 20];
    let (mut hash, mut len, mut lines) = (0xcbf2_9ce4_8422_2325u64, 0u64, 0u64);
    loop {
        let n = file.read(&mut buf)?;
        if n == 0 {
            break;
        }
        for b in &buf[..n] {
            hash = (hash ^ u64::from(*b)).wrapping_mul(0x0100_0000_01b3);
            lines += u64::from(*b == b'\n');
        }
        len += n as u64;
    }
    Ok((hash, len, lines))
}

async fn organisation_scope(store: &Store, args: &ImportArgs) -> Result<OrgScope> {
    let ods = OdsCode::parse(&args.org).map_err(|e| anyhow::anyhow!("--org: {}", e.problem))?;
    let org = match store.registry().find_by_ods(&ods).await {
        Ok(org) => org,
        Err(StoreError::NotFound) if args.register => {
            let (name, kind) = listed_organisation(&args.dir, &ods).unwrap_or((ods.to_string(), OrgKind::Other));
            let new = NewOrganisation { ods_code: ods.clone(), name, kind };
            store.registry().create_organisation(&RegistryScope::system("import"), &new).await?
        }
        Err(StoreError::NotFound) => {
            bail!("organisation {ods} is not registered (register it, or pass --register)")
        }
        Err(e) => return Err(e.into()),
    };
    Ok(OrgScope::system(org.id, "import").with_source(Source::Import))
}

/// The name and kind `DIR/../organisations.csv` lists for `ods`, if any.
fn listed_organisation(dir: &Path, ods: &OdsCode) -> Option<(String, OrgKind)> {
    let index = dir.parent()?.join("organisations.csv");
    let mut reader = csv::Reader::from_path(index).ok()?;
    for row in reader.records().flatten() {
        if row.get(0).map(str::trim) == Some(ods.as_str()) {
            let kind = serde_json::from_value(serde_json::Value::String(row.get(2)?.to_owned())).ok()?;
            return Some((row.get(1)?.to_owned(), kind));
        }
    }
    None
}

/// Runs the import and returns its report (printing progress only).
pub async fn import(args: &ImportArgs) -> Result<ImportReport> {
    let store = Store::connect(&args.database_url).await.with_context(|| format!("opening {}", args.database_url))?;
    let scope = organisation_scope(&store, args).await?;
    let today = args.as_of.unwrap_or_else(|| chrono::Utc::now().date_naive());
    let present: Vec<(ExtractKind, PathBuf)> =
        ExtractKind::ALL.into_iter().map(|k| (k, args.dir.join(k.file_name()))).filter(|(_, p)| p.is_file()).collect();
    if present.is_empty() {
        bail!(
            "{} holds none of people.csv, assignments.csv, checks.csv, competences.csv, immunisations.csv",
            args.dir.display()
        );
    }
    let mut prints = Vec::with_capacity(present.len());
    for (_, path) in &present {
        prints.push(fingerprint(path)?);
    }
    let total_lines: u64 = prints.iter().map(|(_, _, lines)| lines.saturating_sub(1)).sum();
    let progress = Progress::new("import", total_lines);
    let mut report = ImportReport { organisation: args.org.to_uppercase(), ..Default::default() };
    store.begin_bulk_load().await?;
    let mut loader = Loader { store: &store, scope: &scope, batch: args.batch.max(1), seen: HashMap::new() };
    for ((kind, path), (hash, len, _)) in present.iter().zip(prints) {
        let source = format!("import:{}:{len}:{hash:016x}", kind.file_name());
        let file = loader.file(*kind, path, &source, today, &progress, &mut report.errors).await?;
        report.files.push(file);
    }
    store.end_bulk_load().await?;
    progress.finish();
    // Everyone's compliance, computed once now that all their records are in (per batch it would
    // be computed once per file), so the organisation's first summary is not the one to pay.
    store.dataset(&scope).refresh_compliance(ComplianceBasis::new(today)).await?;
    store.close().await;
    Ok(report)
}

struct Loader<'a> {
    store: &'a Store,
    scope: &'a OrgScope,
    batch: usize,
    /// NI number → line of its first row in people.csv, to refuse duplicates within the file.
    seen: HashMap<NiNumber, u64>,
}

/// Good rows waiting for the next transaction, with their lines for reporting.
#[derive(Default)]
struct Pending {
    batch: ImportBatch,
    people_lines: Vec<u64>,
    record_lines: Vec<u64>,
    last_line: u64,
}

impl Pending {
    fn len(&self) -> usize {
        self.batch.people.len() + self.batch.records.len()
    }
}

fn import_record(value: ExtractValue) -> Option<ImportRecord> {
    Some(match value {
        ExtractValue::Assignment(v) => ImportRecord::Assignment(v),
        ExtractValue::Check(v) => ImportRecord::Check(v),
        ExtractValue::Competence(v) => ImportRecord::Competence(v),
        ExtractValue::Immunisation(v) => ImportRecord::Immunisation(v),
        ExtractValue::Clearance(v) => ImportRecord::OhClearance(v),
        ExtractValue::Person(_) => return None,
    })
}

impl Loader<'_> {
    async fn file(
        &mut self,
        kind: ExtractKind,
        path: &Path,
        source: &str,
        today: NaiveDate,
        progress: &Progress,
        errors: &mut Vec<RowError>,
    ) -> Result<FileReport> {
        let name = kind.file_name();
        let mut report = FileReport { file: name.to_owned(), ..Default::default() };
        let dataset = self.store.dataset(self.scope);
        let committed = dataset.import_checkpoint(source).await?.unwrap_or(0).max(0) as u64;
        let file = std::fs::File::open(path).with_context(|| format!("opening {}", path.display()))?;
        let input = BufReader::with_capacity(1 << 20, file);
        let rows = match read_rows(kind, name, input, today) {
            Ok(rows) => rows,
            Err(e) => {
                errors.push(RowError { file: e.file, line: 1, field: "(header)".into(), reason: e.reason });
                report.unreadable = true;
                return Ok(report);
            }
        };
        let mut pending = Pending::default();
        for row in rows {
            report.rows += 1;
            progress.inc(1);
            let parsed = match row {
                Ok(parsed) => parsed,
                Err(problems) => {
                    report.rejected += 1;
                    errors.extend(problems);
                    continue;
                }
            };
            if let ExtractValue::Person(_) = &parsed.value {
                if let Some(first) = self.seen.get(&parsed.ni) {
                    report.rejected += 1;
                    errors.push(RowError {
                        file: name.to_owned(),
                        line: parsed.line,
                        field: "National Insurance Number".into(),
                        reason: format!("{} is already on line {first}", parsed.ni),
                    });
                    continue;
                }
                self.seen.insert(parsed.ni.clone(), parsed.line);
            }
            if parsed.line <= committed {
                report.already_loaded += 1;
                continue;
            }
            pending.last_line = parsed.line;
            match parsed.value {
                ExtractValue::Person(person) => {
                    pending.batch.people.push(PersonRecord {
                        person,
                        assignments: vec![],
                        checks: vec![],
                        competences: vec![],
                        immunisations: vec![],
                        oh_clearance: None,
                    });
                    pending.people_lines.push(parsed.line);
                }
                other => {
                    let record = import_record(other).expect("not a person");
                    pending.batch.records.push((PersonRef::Ni(parsed.ni), record));
                    pending.record_lines.push(parsed.line);
                }
            }
            if pending.len() >= self.batch {
                self.flush(std::mem::take(&mut pending), source, name, &mut report, errors).await?;
            }
        }
        if pending.len() > 0 {
            self.flush(pending, source, name, &mut report, errors).await?;
        }
        Ok(report)
    }

    async fn flush(
        &self,
        mut pending: Pending,
        source: &str,
        name: &str,
        report: &mut FileReport,
        errors: &mut Vec<RowError>,
    ) -> Result<()> {
        pending.batch.checkpoint = Some(Checkpoint { source: source.to_owned(), position: pending.last_line as i64 });
        let outcome = self.store.dataset(self.scope).import_batch(&pending.batch).await?;
        for (id, line) in outcome.people.iter().zip(&pending.people_lines) {
            match id {
                Some(_) => report.loaded += 1,
                None => {
                    report.already_present += 1;
                    errors.push(RowError {
                        file: name.to_owned(),
                        line: *line,
                        field: "National Insurance Number".into(),
                        reason: "a person with this NI number is already in the dataset; row skipped".into(),
                    });
                }
            }
        }
        for i in &outcome.unknown_people {
            report.rejected += 1;
            errors.push(RowError {
                file: name.to_owned(),
                line: pending.record_lines[*i],
                field: "National Insurance Number".into(),
                reason: "no person with this NI number in the dataset (add them to people.csv)".into(),
            });
        }
        report.loaded += (pending.batch.records.len() - outcome.unknown_people.len()) as u64;
        Ok(())
    }
}
