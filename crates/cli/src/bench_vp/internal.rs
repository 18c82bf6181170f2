//! The internal load of `passport bench-vp`: reqwest clients inside the server's process (the
//! fallback when wrk is missing; clients and server share the cores and the CPU figure).

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use anyhow::{Result, bail};

use super::{Latencies, Timed, cpu_times};

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i.min(sorted.len() - 1)]
}

/// The internal load: `concurrency` reqwest clients in this process taking the bodies in turn.
pub async fn post(bodies: Vec<String>, uri: &str, concurrency: usize) -> Result<Timed> {
    let client = reqwest::Client::builder().pool_max_idle_per_host(concurrency).build()?;
    let bodies = Arc::new(bodies);
    let next = Arc::new(AtomicUsize::new(0));
    let started = Instant::now();
    let cpu_before = cpu_times();
    let mut workers = Vec::new();
    for _ in 0..concurrency {
        let (client, bodies, next, uri) = (client.clone(), bodies.clone(), next.clone(), uri.to_owned());
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
    let mut latencies = Vec::with_capacity(bodies.len());
    for w in workers {
        latencies.extend(w.await??);
    }
    let wall = started.elapsed();
    let server_cpu = cpu_times().zip(cpu_before).map(|(after, before)| after.0.saturating_sub(before.0));
    latencies.sort();
    let at = |p| percentile(&latencies, p);
    let latencies = Latencies { p50: at(0.50), p75: None, p90: at(0.90), p99: at(0.99), max: at(1.0) };
    Ok(Timed { wall, rate: bodies.len() as f64 / wall.as_secs_f64(), latencies, server_cpu, load_cpu: None })
}
