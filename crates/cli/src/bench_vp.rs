//! `passport bench-vp`: the OpenID4VP response path over HTTP on loopback, from `direct_post` to
//! the stored ready-to-work result (issue 5's benchmark).
//!
//! Setup (not timed): a fresh database with an issuing and a verifying organisation, one worker
//! with a DBS check, fire safety and hepatitis B, the three credentials issued to a holder key,
//! a role needing all three, `--requests` presentation requests created and their request
//! objects fetched, and one `vp_token` form body built per request (three presentations, each
//! with its KB-JWT for that request's nonce). Timed: `--concurrency` clients posting the bodies
//! to the response endpoint; each answer must be 200 and every result must then read ready.
//! The server runs in this process on the same cores as the clients, so the figures are a floor.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail, ensure};
use clap::Args;
use credentials::jws::{Signer, SoftwareEs256Key};
use credentials::oid4vc::matching::{self, HeldCredential};
use credentials::oid4vc::vp::{AuthorizationResponse, ReceivedRequestObject, RequestLink, VpToken};
use credentials::sdjwt::KeyBinding;
use domain::org::{NewOrganisation, OdsCode, OrgKind};
use domain::passport::PassportType;
use serde_json::{Value, json};
use server::AppState;
use store::{OrgScope, RegistryScope, Store};

/// Arguments of `passport bench-vp`.
#[derive(Args, Debug, Clone)]
pub struct BenchVpArgs {
    /// Presentations to post (each answers its own request).
    #[arg(long, default_value_t = 5000)]
    pub requests: usize,
    /// Concurrent HTTP clients.
    #[arg(long, default_value_t = 32)]
    pub concurrency: usize,
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
    ds.add_immunisation(&person.id, &from_json(json!({"antigen": "hepatitis_b", "status": "immune"}))?).await?;
    store
        .dataset(&b)
        .put_role_requirements(&from_json(json!({"role_code": "BENCH", "title": "Bank Nurse",
            "checks": [{"kind": "criminal_record", "min_dbs_level": "enhanced_adults"}],
            "competences": [{"competence": {"kind": "cstf", "subject": "fire_safety", "level": 1}}],
            "immunisations": ["hepatitis_b"]}))?)
        .await?;
    Ok((a, b, person.id))
}

/// CPU time of this process so far (user + system), from /proc/self/stat (clock ticks of 10 ms).
fn cpu_time() -> Option<Duration> {
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    let fields: Vec<&str> = stat.rsplit_once(')')?.1.split_whitespace().collect();
    let ticks: u64 = fields.get(11)?.parse::<u64>().ok()? + fields.get(12)?.parse::<u64>().ok()?;
    Some(Duration::from_millis(ticks * 10))
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i.min(sorted.len() - 1)]
}

pub async fn run(args: BenchVpArgs) -> Result<()> {
    ensure!(args.requests > 0 && args.concurrency > 0, "--requests and --concurrency must be positive");
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

    eprintln!("preparing {} presentation requests and answers …", args.requests);
    let client = reqwest::Client::builder().pool_max_idle_per_host(args.concurrency).build()?;
    let now = chrono::Utc::now().timestamp();
    let mut ids = Vec::with_capacity(args.requests);
    let mut bodies = Vec::with_capacity(args.requests);
    let mut response_uri = String::new();
    for _ in 0..args.requests {
        let created =
            server::oid4vp::create_request(&state, &b, "BENCH").await.map_err(|e| anyhow::anyhow!("request: {e}"))?;
        let link = RequestLink::parse(&created.link).map_err(|e| anyhow::anyhow!("{e}"))?;
        let object = client.get(&link.request_uri).send().await?.error_for_status()?.text().await?;
        let request = ReceivedRequestObject::parse(&object).map_err(|e| anyhow::anyhow!("{e}"))?.request;
        let query = request.dcql_query.as_ref().context("no DCQL query")?;
        let selection = matching::select(query, &held).map_err(|u| anyhow::anyhow!("unmatched {:?}", u.missing))?;
        let mut vp_token = VpToken::new();
        for (query_id, picks) in &selection.picks {
            for pick in picks {
                let h = &held[pick.held];
                let indices = matching::disclosure_indices(&h.sd, &pick.pointers)?;
                let kb = KeyBinding { signer: &holder, nonce: &request.nonce, aud: &request.client_id, iat: now };
                let shown = matching::present(h, &indices, Some(&kb))?;
                vp_token.entry(query_id.clone()).or_default().push(Value::String(shown));
            }
        }
        response_uri = request.response_uri.clone().context("no response_uri")?;
        bodies.push(AuthorizationResponse::VpToken { vp_token, state: request.state.clone() }.to_form());
        ids.push(created.id);
    }
    let average_body = bodies.iter().map(String::len).sum::<usize>() / bodies.len();

    eprintln!("posting with {} clients …", args.concurrency);
    let bodies = Arc::new(bodies);
    let next = Arc::new(AtomicUsize::new(0));
    let started = Instant::now();
    let cpu_before = cpu_time();
    let mut workers = Vec::new();
    for _ in 0..args.concurrency {
        let (client, bodies, next, uri) = (client.clone(), bodies.clone(), next.clone(), response_uri.clone());
        workers.push(tokio::spawn(async move {
            let mut latencies = Vec::new();
            loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                let Some(body) = bodies.get(i) else { break };
                let t = Instant::now();
                let resp = client
                    .post(&uri)
                    .header("content-type", "application/x-www-form-urlencoded")
                    .body(body.clone())
                    .send()
                    .await?;
                let status = resp.status();
                let text = resp.text().await?;
                latencies.push(t.elapsed());
                if !status.is_success() {
                    bail!("answer {i}: HTTP {status}: {text}");
                }
            }
            Ok::<_, anyhow::Error>(latencies)
        }));
    }
    let mut latencies = Vec::with_capacity(args.requests);
    for w in workers {
        latencies.extend(w.await??);
    }
    let elapsed = started.elapsed();
    let cpu = cpu_time().zip(cpu_before).map(|(after, before)| after.saturating_sub(before));
    latencies.sort();

    let dataset = store.dataset(&b);
    let mut ready = 0;
    for id in &ids {
        let record = dataset.get_presentation_request(id).await?;
        let result: Value = serde_json::from_str(record.result_doc.as_deref().context("no result recorded")?)?;
        ready += usize::from(result["ready"] == json!(true));
    }
    ensure!(ready == ids.len(), "only {ready} of {} results read ready", ids.len());
    let _ = stop.send(());
    serving.await??;
    store.close().await;
    if args.database_url.is_none() {
        for suffix in store::SQLITE_FILE_SUFFIXES {
            let _ = std::fs::remove_file(format!("{}{suffix}", file.display()));
        }
    }

    let rate = args.requests as f64 / elapsed.as_secs_f64();
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    println!("OpenID4VP direct_post → stored result, loopback HTTP ({:?})", store.backend());
    println!("  presentations       {} (3 credentials each, body ~{} bytes)", args.requests, average_body);
    println!(
        "  concurrency         {} (pool: {})",
        args.concurrency,
        args.connections.map_or("default".into(), |c| c.to_string())
    );
    println!("  wall time           {:.2} s", elapsed.as_secs_f64());
    println!("  throughput          {rate:.0} presentations/s   (goal ≥ 5000/s)");
    println!(
        "  latency p50 / p90 / p99 / max   {:.2} / {:.2} / {:.2} / {:.2} ms   (goal p99 ≤ 20 ms)",
        ms(percentile(&latencies, 0.50)),
        ms(percentile(&latencies, 0.90)),
        ms(percentile(&latencies, 0.99)),
        ms(latencies[latencies.len() - 1])
    );
    if let Some(cpu) = cpu {
        let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
        println!(
            "  CPU (server + clients)  {:.0}% of one core, {cores} cores; {:.2} ms CPU per presentation",
            100.0 * cpu.as_secs_f64() / elapsed.as_secs_f64(),
            ms(cpu) / args.requests as f64
        );
    }
    println!("  results read ready  {ready}/{}", ids.len());
    Ok(())
}
