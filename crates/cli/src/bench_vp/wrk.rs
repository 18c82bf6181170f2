//! The wrk driver of `passport bench-vp`: the prepared bodies go to a file (one URL-encoded form
//! body per line), a Lua script makes each wrk thread post its own share of the lines exactly once
//! (line i to thread i mod threads) and stop when every one of them is answered, and wrk's report
//! is parsed.
//!
//! Two wrk 4.1 details the script and this driver handle (checked against the Debian 4.1.0
//! package): wrk calls `request()` once on thread 0 before the run to check the request parses,
//! so that first call on thread 0 must not use up a body; and wrk's main thread sleeps for the
//! whole `-d` duration even when every thread has stopped, so the script reports each finished
//! thread on stderr and, once all have, this driver sends wrk SIGINT, on which it prints its
//! report for the time actually run.

use std::io::{BufRead, BufReader, Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail, ensure};

use super::{Latencies, cpu_times};

/// Upper bound of a run; wrk is interrupted as soon as every body is answered.
const DURATION: &str = "600s";
/// No answer to any thread for this long (a request lost to a socket error) ends the run.
const STALL: Duration = Duration::from_secs(60);

/// Whether a `wrk` executable is on PATH.
pub fn available() -> bool {
    std::env::var_os("PATH").is_some_and(|path| std::env::split_paths(&path).any(|dir| dir.join("wrk").is_file()))
}

/// What a wrk run measured.
#[derive(Debug)]
pub struct Outcome {
    /// wrk's own figures: its run time, its Requests/sec, its latency distribution.
    pub duration: Duration,
    pub requests_per_second: f64,
    pub latencies: Latencies,
    /// CPU time of the wrk process (user + system), from this process's children's times.
    pub wrk_cpu: Option<Duration>,
    /// CPU time of this process (the server) while wrk ran.
    pub server_cpu: Option<Duration>,
}

fn script(bodies: &Path, threads: usize) -> String {
    format!(
        r#"-- passport bench-vp: each thread posts its share of the bodies file once, then stops.
local BODIES = [==[{bodies}]==]
local THREADS = {threads}
local next_id = 0

function setup(thread)
  thread:set("id", next_id)
  next_id = next_id + 1
end

function init(args)
  bodies, sent, answered, failed = {{}}, 0, 0, 0
  local i = 0
  for line in io.lines(BODIES) do
    if i % THREADS == id then bodies[#bodies + 1] = line end
    i = i + 1
  end
  headers = {{ ["Content-Type"] = "application/x-www-form-urlencoded" }}
  checked = id ~= 0
end

function request()
  if not checked then
    -- wrk's check of the request format before the run: nothing is sent.
    checked = true
    return wrk.format("POST", nil, headers, bodies[1])
  end
  if sent == #bodies then return "" end
  sent = sent + 1
  return wrk.format("POST", nil, headers, bodies[sent])
end

function response(status, headers, body)
  answered = answered + 1
  if status ~= 200 then
    failed = failed + 1
    if failed <= 3 then
      io.stderr:write("bench-vp failed " .. status .. " " .. string.gsub(string.sub(body, 1, 300), "\n", " ") .. "\n")
    end
  end
  if answered % 500 == 0 then io.stderr:write("bench-vp progress\n") end
  if answered == #bodies then
    io.stderr:write(string.format("bench-vp done %d %d %d %d\n", id, #bodies, sent, failed))
    wrk.thread:stop()
  end
end
"#,
        bodies = bodies.display()
    )
}

/// Posts every body once to `uri` with wrk and checks that each got a 2xx answer.
/// Blocking: call it from `spawn_blocking`, not on the server's runtime threads.
pub fn run(bodies: &[String], uri: &str, threads: usize, connections: usize) -> Result<Outcome> {
    ensure!(threads >= 1 && threads <= connections && threads <= bodies.len(), "wrk needs 1 ≤ threads ≤ connections");
    let stamp = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH)?.as_nanos();
    let dir = std::env::temp_dir().join(format!("passport-bench-vp-wrk-{}-{stamp}", std::process::id()));
    std::fs::create_dir(&dir).with_context(|| format!("creating {}", dir.display()))?;
    let result = run_in(&dir, bodies, uri, threads, connections);
    let _ = std::fs::remove_dir_all(&dir);
    result
}

fn run_in(dir: &Path, bodies: &[String], uri: &str, threads: usize, connections: usize) -> Result<Outcome> {
    let bodies_file: PathBuf = dir.join("bodies.txt");
    let mut out = std::io::BufWriter::new(std::fs::File::create(&bodies_file)?);
    for body in bodies {
        ensure!(!body.contains('\n') && !body.is_empty(), "a form body is empty or holds a newline");
        out.write_all(body.as_bytes())?;
        out.write_all(b"\n")?;
    }
    out.flush()?;
    drop(out);
    let script_file = dir.join("post.lua");
    std::fs::write(&script_file, script(&bodies_file, threads))?;

    let cpu_before = cpu_times();
    let mut child = Command::new("wrk")
        .arg(format!("-t{threads}"))
        .arg(format!("-c{connections}"))
        .arg(format!("-d{DURATION}"))
        .args(["--timeout", "30s", "--latency", "-s"])
        .arg(&script_file)
        .arg(uri)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .context("starting wrk")?;
    let mut stdout = child.stdout.take().context("wrk stdout")?;
    let reading = std::thread::spawn(move || {
        let mut text = String::new();
        stdout.read_to_string(&mut text).map(|_| text)
    });
    let (tx, rx) = mpsc::channel();
    let stderr = child.stderr.take().context("wrk stderr")?;
    std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            if tx.send(line).is_err() {
                break;
            }
        }
    });

    let (mut done, mut posted, mut failed, mut problems) = (0, 0, 0u64, Vec::new());
    let mut last_news = Instant::now();
    let (mut interrupted, mut short) = (false, false);
    while done < threads {
        match rx.recv_timeout(Duration::from_secs(1)) {
            Ok(line) => {
                last_news = Instant::now();
                let fields: Vec<&str> = line.split_whitespace().collect();
                match fields.as_slice() {
                    ["bench-vp", "done", _id, share, sent, bad] => {
                        // Counted, not returned on: wrk must be stopped whatever a thread says.
                        done += 1;
                        if share != sent {
                            short = true;
                            problems.push(format!("a wrk thread sent {sent} of its {share} bodies"));
                        }
                        posted += share.parse::<usize>().unwrap_or(0);
                        failed += bad.parse::<u64>().unwrap_or(1);
                    }
                    ["bench-vp", "progress"] => {}
                    _ => problems.push(line),
                }
            }
            Err(mpsc::RecvTimeoutError::Timeout) if last_news.elapsed() < STALL => {}
            Err(_) => {
                // wrk ended early or a request got no answer: stop it and report what it says.
                problems.push(format!("wrk stopped or stalled after {done} of {threads} threads finished"));
                interrupted = true;
                break;
            }
        }
    }
    let status = interrupt(&mut child)?;
    let cpu_after = cpu_times();
    let text = reading.join().map_err(|_| anyhow::anyhow!("reading wrk's output"))??;
    let report = parse(&text);
    if interrupted || !status.success() || report.is_err() {
        bail!("wrk run failed ({status}):\n{text}\n{}", problems.join("\n"));
    }
    let report = report?;
    let detail = || format!("\n{text}\n{}", problems.join("\n"));
    ensure!(failed == 0 && report.non_2xx == 0, "{} answers were not 2xx{}", failed.max(report.non_2xx), detail());
    ensure!(report.socket_errors == 0, "wrk saw {} socket errors{}", report.socket_errors, detail());
    ensure!(
        !short && posted == bodies.len() && report.requests == bodies.len() as u64,
        "wrk answered {} requests (threads report {posted}) for {} bodies{}",
        report.requests,
        bodies.len(),
        detail()
    );
    let delta = |pick: fn((Duration, Duration)) -> Duration| {
        cpu_after.zip(cpu_before).map(|(a, b)| pick(a).saturating_sub(pick(b)))
    };
    Ok(Outcome {
        duration: report.duration,
        requests_per_second: report.requests_per_second,
        latencies: report.latencies,
        wrk_cpu: delta(|(_, children)| children),
        server_cpu: delta(|(own, _)| own),
    })
}

/// Sends wrk SIGINT until it exits (one sent before wrk set its handler would be ignored) and
/// reaps it, so that its CPU time is added to this process's children's times.
fn interrupt(child: &mut std::process::Child) -> Result<std::process::ExitStatus> {
    for _ in 0..10 {
        let _ = Command::new("kill").arg("-INT").arg(child.id().to_string()).status();
        for _ in 0..50 {
            if let Some(status) = child.try_wait()? {
                return Ok(status);
            }
            std::thread::sleep(Duration::from_millis(10));
        }
    }
    child.kill()?;
    Ok(child.wait()?)
}

/// wrk's printed report, the parts the bench uses.
#[derive(Debug, PartialEq)]
struct Report {
    requests: u64,
    duration: Duration,
    requests_per_second: f64,
    latencies: Latencies,
    non_2xx: u64,
    socket_errors: u64,
}

/// A wrk time such as `812.00us`, `1.25ms`, `2.01s` or `1.00m`.
fn time(text: &str) -> Option<Duration> {
    let split = text.find(|c: char| c.is_ascii_alphabetic())?;
    let (number, unit) = text.split_at(split);
    let number: f64 = number.parse().ok()?;
    let seconds = match unit {
        "us" => number / 1e6,
        "ms" => number / 1e3,
        "s" => number,
        "m" => number * 60.0,
        "h" => number * 3600.0,
        _ => return None,
    };
    Some(Duration::from_secs_f64(seconds))
}

fn parse(text: &str) -> Result<Report> {
    let (mut requests, mut duration, mut rate, mut max) = (None, None, None, None);
    let mut percentiles = [None; 4];
    let (mut non_2xx, mut socket_errors) = (0, 0);
    for line in text.lines() {
        let words: Vec<&str> = line.split_whitespace().collect();
        match words.as_slice() {
            ["Latency", _avg, _stdev, m, _] => max = time(m),
            [p, t] if p.ends_with('%') => {
                let slot = ["50%", "75%", "90%", "99%"].iter().position(|q| q == p);
                if let Some(slot) = slot {
                    percentiles[slot] = time(t);
                }
            }
            [n, "requests", "in", d, ..] => {
                requests = n.parse().ok();
                duration = time(d.trim_end_matches(','));
            }
            ["Requests/sec:", r] => rate = r.parse().ok(),
            ["Non-2xx", "or", "3xx", "responses:", n] => non_2xx = n.parse()?,
            ["Socket", "errors:", rest @ ..] => {
                socket_errors = rest.iter().filter_map(|w| w.trim_end_matches(',').parse::<u64>().ok()).sum()
            }
            _ => {}
        }
    }
    let [p50, p75, p90, p99] = percentiles;
    let missing = || anyhow::anyhow!("unexpected wrk output");
    Ok(Report {
        requests: requests.ok_or_else(missing)?,
        duration: duration.ok_or_else(missing)?,
        requests_per_second: rate.ok_or_else(missing)?,
        latencies: Latencies {
            p50: p50.ok_or_else(missing)?,
            p75,
            p90: p90.ok_or_else(missing)?,
            p99: p99.ok_or_else(missing)?,
            max: max.ok_or_else(missing)?,
        },
        non_2xx,
        socket_errors,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_wrk_4_1_report() {
        let text = "Running 10m test @ http://127.0.0.1:40000/oid4vp/response
  1 threads and 16 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency     4.54ms    3.46ms  51.99ms   93.29%
    Req/Sec     3.27k    13.84     4.12k    78.07%
  Latency Distribution
     50%  812.00us
     75%    4.11ms
     90%    7.97ms
     99%   18.49ms
  20000 requests in 1.00m, 110.24KB read
  Non-2xx or 3xx responses: 2
  Socket errors: connect 0, read 1, write 0, timeout 3
Requests/sec:   3266.10
Transfer/sec:     11.00KB
";
        let r = parse(text).unwrap();
        assert_eq!(r.requests, 20000);
        assert_eq!(r.duration, Duration::from_secs(60));
        assert_eq!(r.requests_per_second, 3266.10);
        assert_eq!(r.latencies.p50, Duration::from_micros(812));
        assert_eq!(r.latencies.p99, Duration::from_secs_f64(0.01849));
        assert_eq!(r.latencies.max, Duration::from_secs_f64(0.05199));
        assert_eq!((r.non_2xx, r.socket_errors), (2, 4));
        assert!(parse("unable to connect to 127.0.0.1:1 Connection refused").is_err());
    }
}
