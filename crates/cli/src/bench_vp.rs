//! `passport bench-vp`: the OpenID4VP response path over HTTP on loopback, from `direct_post` to
//! the stored ready-to-work result (issue 5's benchmark).
//!
//! Setup (not timed): a fresh database with an issuing and a verifying organisation, one worker
//! with a DBS check, fire safety and hepatitis B, the three credentials issued to a holder key,
//! a role needing all three, `--requests` presentation requests created and their request
//! objects fetched, and one `vp_token` form body built per request (three presentations, each
//! with its KB-JWT for that request's nonce), on a few concurrent tasks. Timed: the bodies posted
//! to the response endpoint by `--concurrency` connections; each answer must be 2xx and every
//! result must then read ready.
//!
//! The load comes from `wrk` in its own process (`--load wrk`, the default when wrk is on PATH;
//! `bench_vp/wrk.rs`), so the CPU per presentation is the server's alone. `--load internal`
//! posts with reqwest inside the server's process instead (the fallback: clients and server share
//! the process and its figures).

mod internal;
mod prepare;
mod wrk;

use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail, ensure};
use clap::{Args, ValueEnum};
use credentials::jws::{Signer, SoftwareEs256Key};
use credentials::oid4vc::matching::HeldCredential;
use domain::org::{NewOrganisation, OdsCode, OrgKind};
use domain::passport::PassportType;
use serde::Serialize;
use serde_json::{Value, json};
use server::AppState;
use store::{OrgScope, RegistryScope, Store};

/// Where the load comes from.
#[derive(ValueEnum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum Load {
    /// wrk (`apt-get install -y wrk`) in a separate process.
    Wrk,
    /// reqwest clients inside the server's process.
    Internal,
}

/// Arguments of `passport bench-vp`.
#[derive(Args, Debug, Clone)]
pub struct BenchVpArgs {
    /// Presentations to post (each answers its own request).
    #[arg(long, default_value_t = 5000)]
    pub requests: usize,
    /// Concurrent HTTP connections (wrk's -c, or reqwest clients).
    #[arg(long, default_value_t = 32)]
    pub concurrency: usize,
    /// Load generator (default: wrk when it is on PATH, else internal).
    #[arg(long, value_enum)]
    pub load: Option<Load>,
    /// wrk threads (-t); the server keeps the other cores.
    #[arg(long, default_value_t = 1)]
    pub threads: usize,
    /// Print the figures as one JSON object instead of the table.
    #[arg(long)]
    pub json: bool,
    /// Database: a fresh SQLite file in a temporary directory unless a postgres:// URL of an
    /// empty database is given.
    #[arg(long)]
    pub database_url: Option<String>,
    /// Connection pool size (default: the store's, 1 on SQLite and 8 on PostgreSQL).
    #[arg(long)]
    pub connections: Option<u32>,
}

fn from_json<T: serde::de::DeserializeOwned>(v: Value) -> Result<T> {
    serde_json::from_value(v).context("bench fixture")
}

async fn world(store: &Store) -> Result<(OrgScope, OrgScope, String)> {
    let registry = RegistryScope::system("bench-vp");
    let mut scopes = Vec::new();
    for (ods, name) in [("RJ1", "Issuing Trust"), ("RRK", "Host Trust")] {
        let new = NewOrganisation { ods_code: OdsCode::parse(ods)?, name: name.into(), kind: OrgKind::AcuteTrust };
        let org = store.registry().create_organisation(&registry, &new).await?;
        scopes.push(OrgScope::system(org.id, "bench-vp"));
    }
    let (a, b) = (scopes.remove(0), scopes.remove(0));
    let ds = store.dataset(&a);
    let person = ds
        .create_person(&from_json(json!({"given_name": "Amara", "family_name": "Okafor",
            "date_of_birth": "1988-03-14", "ni_number": "AB123456C"}))?)
        .await?;
    let today = chrono::Utc::now().date_naive();
    let issued = (today - chrono::Days::new(200)).to_string();
    ds.add_check(
        &person.id,
        &from_json(json!({"details": {"kind": "criminal_record", "level": "enhanced_adults",
            "certificate_number": "001234567890", "issued_on": issued, "workforce": "adult_and_child"},
            "outcome": "clear", "completed_on": issued, "checked_by": "hr"}))?,
    )
    .await?;
    ds.add_competence(
        &person.id,
        &from_json(json!({"competence": {"kind": "cstf", "subject": "fire_safety", "level": 1},
            "completed_on": issued, "source": "e_learning"}))?,
    )
    .await?;
    ds.add_immunisation(
        &person.id,
        &from_json(json!({"antigen": "hepatitis_b", "status": "immune",
            "serology": [{"test": "anti_hbs", "taken_on": issued, "result": "positive", "level_miu_ml": 120.0}]}))?,
    )
    .await?;
    store
        .dataset(&b)
        .put_role_requirements(&from_json(json!({"role_code": "BENCH", "title": "Bank Nurse",
            "checks": [{"kind": "criminal_record", "min_dbs_level": "enhanced_adults"}],
            "competences": [{"competence": {"kind": "cstf", "subject": "fire_safety", "level": 1}}],
            "immunisations": ["hepatitis_b"]}))?)
        .await?;
    Ok((a, b, person.id))
}

/// "requirement: reason" for each unmet requirement of a stored result, so that a failed run
/// says why rather than only how many.
fn unmet_requirements(result: &Value) -> Vec<String> {
    let requirements = result["requirements"].as_array().map(Vec::as_slice).unwrap_or_default();
    requirements
        .iter()
        .filter(|r| r["met"] != json!(true))
        .map(|r| format!("{}: {}", r["requirement"].as_str().unwrap_or("?"), r["reason"].as_str().unwrap_or("?")))
        .collect()
}

/// CPU time so far (user + system) of this process and of its reaped children, from
/// /proc/self/stat (clock ticks of 10 ms).
fn cpu_times() -> Option<(Duration, Duration)> {
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    let fields: Vec<&str> = stat.rsplit_once(')')?.1.split_whitespace().collect();
    let ticks = |i: usize| fields.get(i)?.parse::<u64>().ok();
    let own = ticks(11)? + ticks(12)?;
    let children = ticks(13)? + ticks(14)?;
    Some((Duration::from_millis(own * 10), Duration::from_millis(children * 10)))
}

/// Latency of the timed posts.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Latencies {
    pub p50: Duration,
    /// wrk reports it; the internal driver does not.
    pub p75: Option<Duration>,
    pub p90: Duration,
    pub p99: Duration,
    pub max: Duration,
}

/// What one timed run measured, from either driver.
pub struct Timed {
    wall: Duration,
    rate: f64,
    latencies: Latencies,
    server_cpu: Option<Duration>,
    load_cpu: Option<Duration>,
}

/// The figures, as `--json` prints them.
#[derive(Debug, Serialize)]
struct Figures {
    load: &'static str,
    backend: String,
    presentations: usize,
    body_bytes_average: usize,
    concurrency: usize,
    wrk_threads: Option<usize>,
    pool_connections: Option<u32>,
    cores: usize,
    prepare_seconds: f64,
    wall_seconds: f64,
    presentations_per_second: f64,
    latency_p50_ms: f64,
    latency_p75_ms: Option<f64>,
    latency_p90_ms: f64,
    latency_p99_ms: f64,
    latency_max_ms: f64,
    /// This process's CPU per presentation: the server's alone with wrk, server and clients with
    /// the internal load.
    process_cpu_ms_per_presentation: Option<f64>,
    process_cpu_percent_of_one_core: Option<f64>,
    /// wrk's own CPU (None for the internal load, whose CPU is in the process figure).
    load_cpu_ms_per_presentation: Option<f64>,
    results_ready: usize,
}

pub async fn run(args: BenchVpArgs) -> Result<()> {
    ensure!(
        args.requests > 0 && args.concurrency > 0 && args.threads > 0,
        "--requests, --concurrency and --threads must be positive"
    );
    let load = match args.load {
        Some(Load::Wrk) if !wrk::available() => bail!("wrk is not on PATH (install it: apt-get install -y wrk)"),
        Some(load) => load,
        None if wrk::available() => Load::Wrk,
        None => {
            eprintln!("bench-vp: wrk not found on PATH, so the load is internal (install wrk: apt-get install -y wrk)");
            Load::Internal
        }
    };
    // wrk needs a connection per thread, and each thread at least one body.
    let threads = args.threads.min(args.concurrency).min(args.requests);
    let stamp = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH)?.as_nanos();
    let file = std::env::temp_dir().join(format!("passport-bench-vp-{}-{stamp}.db", std::process::id()));
    let url = args.database_url.clone().unwrap_or_else(|| format!("sqlite://{}", file.display()));
    let options = store::StoreOptions { max_connections: args.connections, ..Default::default() };
    let store = Store::connect_with(&url, options).await.with_context(|| format!("connecting to {url}"))?;
    let (a, b, person) = world(&store).await?;

    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let base = format!("http://{}", listener.local_addr()?);
    let mut state = AppState::new(store.clone());
    state.public_url = Some(base.clone());
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let serving = tokio::spawn(server::serve(listener, state.clone(), async {
        let _ = stopped.await;
    }));

    let holder = SoftwareEs256Key::generate().map_err(|e| anyhow::anyhow!("{e}"))?;
    let mut held = Vec::new();
    for kind in [PassportType::CriminalRecord, PassportType::Training, PassportType::OccupationalHealth] {
        let (_, raw) = server::issuer::issue(&state, &a, &person, kind, holder.public_jwk())
            .await
            .map_err(|e| anyhow::anyhow!("issuing {}: {e}", kind.key()))?;
        held.push(HeldCredential::parse(&raw).map_err(|e| anyhow::anyhow!("{e}"))?);
    }

    eprintln!("bench-vp: preparing {} presentation requests and answers …", args.requests);
    let preparing = Instant::now();
    let prepare::Prepared { ids, bodies, response_uri } =
        prepare::prepare(&state, &b, held, holder, args.requests).await?;
    let prepare_seconds = preparing.elapsed().as_secs_f64();
    let average_body = bodies.iter().map(String::len).sum::<usize>() / bodies.len();

    let timed = match load {
        Load::Wrk => {
            eprintln!("bench-vp: posting with wrk, {threads} thread(s) and {} connections …", args.concurrency);
            if !args.concurrency.is_multiple_of(threads) {
                eprintln!("bench-vp: wrk opens {} connections per thread", args.concurrency / threads);
            }
            let concurrency = args.concurrency;
            let outcome =
                tokio::task::spawn_blocking(move || wrk::run(&bodies, &response_uri, threads, concurrency)).await??;
            Timed {
                wall: outcome.duration,
                rate: outcome.requests_per_second,
                latencies: outcome.latencies,
                server_cpu: outcome.server_cpu,
                load_cpu: outcome.wrk_cpu,
            }
        }
        Load::Internal => {
            eprintln!("bench-vp: posting with {} in-process clients …", args.concurrency);
            internal::post(bodies, &response_uri, args.concurrency).await?
        }
    };

    let dataset = store.dataset(&b);
    let (mut ready, mut unmet) = (0, Vec::new());
    for id in &ids {
        let record = dataset.get_presentation_request(id).await?;
        let result: Value = serde_json::from_str(record.result_doc.as_deref().context("no result recorded")?)?;
        ready += usize::from(result["ready"] == json!(true));
        if unmet.is_empty() {
            unmet = unmet_requirements(&result);
        }
    }
    ensure!(ready == ids.len(), "only {ready} of {} results read ready; unmet: {}", ids.len(), unmet.join("; "));
    let _ = stop.send(());
    serving.await??;
    store.close().await;
    if args.database_url.is_none() {
        for suffix in store::SQLITE_FILE_SUFFIXES {
            let _ = std::fs::remove_file(format!("{}{suffix}", file.display()));
        }
    }

    // Figures to a thousandth (of a millisecond, a percent), so the JSON reads cleanly.
    let round = |x: f64| (x * 1000.0).round() / 1000.0;
    let ms = |d: Duration| round(d.as_secs_f64() * 1000.0);
    let per = |cpu: Option<Duration>| cpu.map(|c| round(c.as_secs_f64() * 1000.0 / args.requests as f64));
    let l = timed.latencies;
    let figures = Figures {
        load: if load == Load::Wrk { "wrk" } else { "internal" },
        backend: format!("{:?}", store.backend()),
        presentations: args.requests,
        body_bytes_average: average_body,
        concurrency: args.concurrency,
        wrk_threads: (load == Load::Wrk).then_some(threads),
        pool_connections: args.connections,
        cores: std::thread::available_parallelism().map_or(1, |n| n.get()),
        prepare_seconds: round(prepare_seconds),
        wall_seconds: round(timed.wall.as_secs_f64()),
        presentations_per_second: round(timed.rate),
        latency_p50_ms: ms(l.p50),
        latency_p75_ms: l.p75.map(ms),
        latency_p90_ms: ms(l.p90),
        latency_p99_ms: ms(l.p99),
        latency_max_ms: ms(l.max),
        process_cpu_ms_per_presentation: per(timed.server_cpu),
        process_cpu_percent_of_one_core: timed
            .server_cpu
            .map(|c| round(100.0 * c.as_secs_f64() / timed.wall.as_secs_f64())),
        load_cpu_ms_per_presentation: per(timed.load_cpu),
        results_ready: ready,
    };
    if args.json {
        println!("{}", serde_json::to_string(&figures)?);
    } else {
        print_table(&figures);
    }
    Ok(())
}

fn print_table(f: &Figures) {
    let load = match f.wrk_threads {
        Some(t) => format!("wrk, separate process, {t} thread(s)"),
        None => "internal: reqwest in the server's process".to_owned(),
    };
    println!("OpenID4VP direct_post → stored result, loopback HTTP ({})", f.backend);
    println!("  presentations       {} (3 credentials each, body ~{} bytes)", f.presentations, f.body_bytes_average);
    println!("  load                {load}");
    let pool = f.pool_connections.map_or("default".into(), |c| c.to_string());
    println!("  concurrency         {} connections (pool: {pool})", f.concurrency);
    println!("  prepared in         {:.1} s (not timed)", f.prepare_seconds);
    println!("  wall time           {:.2} s", f.wall_seconds);
    println!("  throughput          {:.0} presentations/s   (goal ≥ 5000/s)", f.presentations_per_second);
    println!(
        "  latency p50 / p90 / p99 / max   {:.2} / {:.2} / {:.2} / {:.2} ms   (goal p99 ≤ 20 ms)",
        f.latency_p50_ms, f.latency_p90_ms, f.latency_p99_ms, f.latency_max_ms
    );
    let who = if f.wrk_threads.is_some() { "CPU (server)" } else { "CPU (server + clients)" };
    if let (Some(per), Some(pct)) = (f.process_cpu_ms_per_presentation, f.process_cpu_percent_of_one_core) {
        println!("  {who:<19} {pct:.0}% of one core, {} cores; {per:.2} ms CPU per presentation", f.cores);
    }
    if let Some(per) = f.load_cpu_ms_per_presentation {
        println!("  CPU (wrk)           {per:.2} ms CPU per presentation (its own process)");
    }
    println!("  results read ready  {}/{}", f.results_ready, f.presentations);
}
