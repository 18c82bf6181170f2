//! `passport bench`: the national-scale measurements of issue 4, on a fresh database.
//!
//! 1. generate + load a synthetic workforce of `--people` in `--organisations` (wall time);
//! 2. peak resident memory of this process (`VmHWM` from /proc/self/status);
//! 3. person lookup by NI number and date of birth: the national transfer match across datasets
//!    (`ix_people_ni_dob`) and the scoped, audited `find_person_by_ni` in the employer's dataset
//!    (p50, p99);
//! 4. the compliance summary of the largest organisation (`Dataset::compliance_summary`, what
//!    the API serves): the first in a newly opened store on the loaded database, as after a
//!    restart (its SQLite page cache empty); again with the file also dropped from the OS page
//!    cache, as after a reboot; and warm, the next one in the same store;
//! 5. one person's compliance (`Dataset::person_compliance`), p50 and p99;
//! 6. the portal's pages as HR of the largest organisation (`bench_portal`, `--no-portal` skips);
//! 7. inter-authority transfers into a new employer: match, stage 1 and a `--cohort` of
//!    applicants as one job (`bench_transfer`, `--cohort 0` skips);
//! 8. the database's size on disk.
//!
//! Writes JSON (`--json`) and prints a table with the targets beside the figures.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};
use chrono::NaiveDate;
use clap::Args;
use rand::{Rng, SeedableRng};
use serde::Serialize;
use store::{OrgScope, Store};

use crate::generate::{self, GenerateArgs};

/// Arguments of `passport bench`.
#[derive(Args, Debug, Clone)]
pub struct BenchArgs {
    #[arg(long, default_value_t = 100_000)]
    pub people: u64,
    #[arg(long, default_value_t = 25)]
    pub organisations: usize,
    /// Seed of the synthetic workforce.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// SQLite file to create (must not exist yet); default bench-<people>.db in the current
    /// directory. A postgres:// URL may be given with --database-url instead.
    #[arg(long, value_name = "FILE")]
    pub db: Option<PathBuf>,
    #[arg(long = "database-url")]
    pub database_url: Option<String>,
    /// Lookups and single-person compliance evaluations to time.
    #[arg(long, default_value_t = 2000)]
    pub samples: usize,
    /// People per load transaction.
    #[arg(long, default_value_t = 1000)]
    pub batch: usize,
    /// Where to write the JSON results.
    #[arg(long, default_value = "bench.json")]
    pub json: PathBuf,
    /// Delete the SQLite database afterwards (it is kept by default).
    #[arg(long)]
    pub remove: bool,
    /// Skip the portal's page timings (people search, a person's page, the dashboard).
    #[arg(long)]
    pub no_portal: bool,
    /// Applicants of the transfer cohort run as one job (0 skips the transfer measurements).
    #[arg(long, default_value_t = 10_000)]
    pub cohort: usize,
}

/// Percentiles of a set of timings, in milliseconds.
#[derive(Debug, Clone, Serialize)]
pub struct Timing {
    pub samples: usize,
    pub p50_ms: f64,
    pub p95_ms: f64,
    pub p99_ms: f64,
    pub max_ms: f64,
}

impl Timing {
    pub(crate) fn of(mut durations: Vec<Duration>) -> Timing {
        durations.sort();
        let at = |q: f64| {
            let i = ((durations.len() as f64 * q).ceil() as usize).clamp(1, durations.len().max(1)) - 1;
            durations.get(i).map_or(0.0, |d| d.as_secs_f64() * 1000.0)
        };
        Timing { samples: durations.len(), p50_ms: at(0.50), p95_ms: at(0.95), p99_ms: at(0.99), max_ms: at(1.0) }
    }
}

/// Everything `passport bench` measures.
#[derive(Debug, Clone, Serialize)]
pub struct BenchResult {
    pub people: u64,
    pub organisations: usize,
    pub seed: u64,
    pub as_of: NaiveDate,
    pub backend: String,
    pub rows_loaded: u64,
    pub people_records: u64,
    pub load_seconds: f64,
    pub load_rows_per_second: f64,
    pub peak_rss_mib: f64,
    pub lookup_national_ni_dob: Timing,
    pub lookup_scoped_ni: Timing,
    pub largest_org: String,
    pub largest_org_people: usize,
    /// First summary of a newly opened store on the loaded database (the OS page cache holds
    /// whatever the load left in it).
    pub largest_org_summary_cold_ms: f64,
    /// First summary of a newly opened store after the database file's pages were dropped from
    /// the OS page cache too (SQLite only).
    pub largest_org_summary_cold_os_ms: Option<f64>,
    /// The next summary in the same store.
    pub largest_org_summary_warm_ms: f64,
    pub largest_org_compliant: usize,
    pub person_compliance: Timing,
    /// The portal's pages for the largest organisation's HR, served by this process.
    pub portal: Option<crate::bench_portal::PortalTimings>,
    /// Inter-authority transfers into a new employer: match, stage 1, a cohort.
    pub transfer: Option<crate::bench_transfer::TransferTimings>,
    pub database_bytes: Option<u64>,
}

/// Drops the SQLite database's files from the OS page cache (`posix_fadvise(DONTNEED)` through
/// GNU dd's `nocache` flag, after an `fdatasync` so no page is dirty), so that the next read comes
/// from the disk as after a reboot.
fn drop_os_cache(db: &std::path::Path) -> Result<()> {
    for suffix in ["", "-wal"] {
        let file = format!("{}{suffix}", db.display());
        if !std::path::Path::new(&file).exists() {
            continue;
        }
        for args in [
            vec![format!("of={file}"), "oflag=nocache".into(), "conv=notrunc,fdatasync".into(), "count=0".into()],
            vec![format!("if={file}"), "iflag=nocache".into(), "count=0".into()],
        ] {
            let status = std::process::Command::new("dd")
                .args(&args)
                .stderr(std::process::Stdio::null())
                .status()
                .context("running dd to drop the OS page cache")?;
            if !status.success() {
                bail!("dd {} failed: {status}", args.join(" "));
            }
        }
    }
    Ok(())
}

/// Peak resident set size so far, from the kernel (`VmHWM`), in MiB.
pub fn peak_rss_mib() -> Option<f64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kib: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib / 1024.0)
}

pub async fn run(args: BenchArgs) -> Result<()> {
    let (url, file) = match (&args.database_url, &args.db) {
        (Some(url), _) => (url.clone(), None),
        (None, path) => {
            let path = path.clone().unwrap_or_else(|| PathBuf::from(format!("bench-{}.db", args.people)));
            if path.exists() {
                bail!("{} exists; bench measures a fresh load (remove it or pick another --db)", path.display());
            }
            (format!("sqlite://{}", path.display()), Some(path))
        }
    };
    let gen_args = GenerateArgs {
        people: args.people,
        organisations: args.organisations,
        seed: args.seed,
        as_of: None,
        database_url: Some(url.clone()),
        csv: None,
        batch: args.batch,
    };
    let generator = Arc::new(gen_args.generator());
    let today = generator.plan.config.today;
    let store = Store::connect(&url).await.with_context(|| format!("opening {url}"))?;

    eprintln!("bench: generating and loading {} people in {} organisations", args.people, args.organisations);
    let started = Instant::now();
    let stats = generate::load(&store, generator.clone(), args.batch).await?;
    let load = started.elapsed();
    let rss_after_load = peak_rss_mib();
    eprintln!("bench: loaded {} rows in {:.1?}", stats.rows, load);

    let orgs = generate::ensure_organisations(&store, &generator.plan).await?;
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(args.seed ^ 0xbe4c);
    // Lookups: random people of the country, found by NI number and date of birth.
    let mut national = Vec::with_capacity(args.samples);
    let mut scoped = Vec::with_capacity(args.samples);
    for _ in 0..args.samples {
        let serial = rng.gen_range(0..generator.plan.config.people);
        let person = generator.current(serial).person;
        let ni = person.ni_number.clone().expect("generated people have NI numbers");
        let t = Instant::now();
        let matches = store.national_match_count(ni.as_str(), person.date_of_birth).await?;
        national.push(t.elapsed());
        if matches == 0 {
            bail!("lookup of serial {serial} found nothing");
        }
        let home = &orgs[generator.plan.home_of(serial)];
        let scope = OrgScope::system(home.id.clone(), "bench");
        let t = Instant::now();
        let found = store.dataset(&scope).find_person_by_ni(&ni).await?;
        scoped.push(t.elapsed());
        if found.value.date_of_birth != person.date_of_birth {
            bail!("lookup of serial {serial} found someone else");
        }
    }

    // Compliance summary of the largest organisation (the store's, which GET /api/v1/compliance
    // serves), as after a restart: this store is closed and a new one opened on the same database
    // (empty SQLite page cache, new connections), and its first summary is timed. With a SQLite
    // file, the file's pages are then also dropped from the OS page cache and it is timed again in
    // yet another store; the warm figure is the next summary in that store.
    let largest = generator.plan.largest();
    let org = &orgs[largest.index];
    let scope = OrgScope::system(org.id.clone(), "bench");
    store.close().await;
    let summary_time = |store: Store| {
        let scope = scope.clone();
        async move {
            let t = Instant::now();
            let summary = store.dataset(&scope).compliance_summary(today, 30).await?;
            anyhow::Ok((store, summary, t.elapsed()))
        }
    };
    let reopen = || async { Store::connect(&url).await.with_context(|| format!("reopening {url}")) };
    let (store, summary, summary_cold) = summary_time(reopen().await?).await?;
    let summary_cold_os = match &file {
        Some(f) => {
            store.close().await;
            drop_os_cache(f)?;
            let (store, _, elapsed) = summary_time(reopen().await?).await?;
            Some((store, elapsed))
        }
        None => None,
    };
    let (store, summary_cold_os) = match summary_cold_os {
        Some((store, elapsed)) => (store, Some(elapsed)),
        None => (store, None),
    };
    let dataset = store.dataset(&scope);
    let t = Instant::now();
    let again = dataset.compliance_summary(today, 30).await?;
    let summary_warm = t.elapsed();
    if again.people != summary.people {
        bail!("the second summary counted {} people, the first {}", again.people, summary.people);
    }

    // One person's compliance, for random people of the largest organisation.
    let ids: Vec<String> = store.person_ids(&scope).await?;
    let mut single = Vec::with_capacity(args.samples);
    for _ in 0..args.samples.min(ids.len()) {
        let id = &ids[rng.gen_range(0..ids.len())];
        let t = Instant::now();
        dataset.person_compliance(id, today, 30).await?;
        single.push(t.elapsed());
    }
    let portal = if args.no_portal {
        None
    } else {
        eprintln!("bench: timing the portal's pages as the largest organisation's HR");
        let samples = args.samples.min(500);
        Some(crate::bench_portal::measure(&store, &org.id, largest.ods_code.as_str(), &ids, samples, &mut rng).await?)
    };

    let transfer = if args.cohort == 0 {
        None
    } else {
        eprintln!("bench: inter-authority transfers into a new employer (match, stage 1, a cohort of {})", args.cohort);
        let samples = args.samples.min(1000);
        Some(crate::bench_transfer::measure(&store, &generator, samples, args.cohort, &mut rng).await?)
    };

    let database_bytes = file.as_ref().map(|f| {
        ["", "-wal", "-shm"]
            .iter()
            .filter_map(|suffix| std::fs::metadata(format!("{}{suffix}", f.display())).ok())
            .map(|m| m.len())
            .sum()
    });
    let result = BenchResult {
        people: args.people,
        organisations: generator.plan.orgs.len(),
        seed: args.seed,
        as_of: today,
        backend: format!("{:?}", store.backend()),
        rows_loaded: stats.rows,
        people_records: stats.people,
        load_seconds: load.as_secs_f64(),
        load_rows_per_second: stats.rows as f64 / load.as_secs_f64().max(0.001),
        peak_rss_mib: peak_rss_mib().or(rss_after_load).unwrap_or(0.0),
        lookup_national_ni_dob: Timing::of(national),
        lookup_scoped_ni: Timing::of(scoped),
        largest_org: largest.ods_code.to_string(),
        largest_org_people: summary.people,
        largest_org_summary_cold_ms: summary_cold.as_secs_f64() * 1000.0,
        largest_org_summary_cold_os_ms: summary_cold_os.map(|d| d.as_secs_f64() * 1000.0),
        largest_org_summary_warm_ms: summary_warm.as_secs_f64() * 1000.0,
        largest_org_compliant: summary.compliant,
        person_compliance: Timing::of(single),
        portal,
        transfer,
        database_bytes,
    };
    store.close().await;
    std::fs::write(&args.json, serde_json::to_vec_pretty(&result)?)
        .with_context(|| format!("writing {}", args.json.display()))?;
    print_table(&result);
    eprintln!("bench: results written to {}", args.json.display());
    if let (true, Some(f)) = (args.remove, &file) {
        for suffix in store::SQLITE_FILE_SUFFIXES {
            let _ = std::fs::remove_file(format!("{}{suffix}", f.display()));
        }
    }
    Ok(())
}

fn print_table(r: &BenchResult) {
    let mib = |b: Option<u64>| b.map_or("-".to_owned(), |b| format!("{:.0} MiB", b as f64 / 1048576.0));
    println!("passport bench: {} people, {} organisations, seed {}, {}", r.people, r.organisations, r.seed, r.backend);
    println!("{:<44} {:>16} {:>12}", "measure", "value", "target");
    let rows = [
        ("generate + load", format!("{:.1} s", r.load_seconds), "≤ 300 s"),
        ("rows loaded", format!("{}", r.rows_loaded), ""),
        ("load rate", format!("{:.0} rows/s", r.load_rows_per_second), ""),
        ("peak RSS (VmHWM)", format!("{:.0} MiB", r.peak_rss_mib), "≤ 1024 MiB"),
        ("lookup NI+DOB, national: p50", format!("{:.3} ms", r.lookup_national_ni_dob.p50_ms), ""),
        ("lookup NI+DOB, national: p99", format!("{:.3} ms", r.lookup_national_ni_dob.p99_ms), "≤ 5 ms"),
        ("lookup NI in dataset (audited): p50", format!("{:.3} ms", r.lookup_scoped_ni.p50_ms), ""),
        ("lookup NI in dataset (audited): p99", format!("{:.3} ms", r.lookup_scoped_ni.p99_ms), "≤ 5 ms"),
        ("compliance summary, largest org (new store)", format!("{:.0} ms", r.largest_org_summary_cold_ms), "≤ 150 ms"),
        (
            "  … new store, file out of the OS cache",
            r.largest_org_summary_cold_os_ms.map_or("-".to_owned(), |ms| format!("{ms:.0} ms")),
            "≤ 150 ms",
        ),
        ("compliance summary, largest org (warm)", format!("{:.0} ms", r.largest_org_summary_warm_ms), "≤ 150 ms"),
        ("  people in the summary", format!("{}", r.largest_org_people), ""),
        ("one person's compliance: p50", format!("{:.3} ms", r.person_compliance.p50_ms), ""),
        ("one person's compliance: p99", format!("{:.3} ms", r.person_compliance.p99_ms), ""),
        ("database size", mib(r.database_bytes), ""),
    ];
    let portal = r.portal.as_ref().map(|p| {
        [
            ("portal: people search p95", format!("{:.1} ms", p.people_search.p95_ms), "≤ 100 ms"),
            ("portal: a person's page p95", format!("{:.1} ms", p.person_page.p95_ms), "≤ 100 ms"),
            ("portal: dashboard p95", format!("{:.1} ms", p.dashboard.p95_ms), "≤ 300 ms"),
        ]
    });
    let transfer = r.transfer.as_ref().map(|t| {
        [
            ("transfer: match p99", format!("{:.1} ms", t.matched.p99_ms), "≤ 20 ms"),
            ("transfer: stage 1 copy p99", format!("{:.1} ms", t.stage1.p99_ms), "≤ 50 ms"),
            ("transfer: cohort", format!("{} in {:.1} s", t.cohort_people, t.cohort_seconds), "≤ 60 s"),
        ]
    });
    let rows = rows.into_iter().chain(portal.into_iter().flatten()).chain(transfer.into_iter().flatten());
    for (name, value, target) in rows {
        println!("{name:<44} {value:>16} {target:>12}");
    }
}
