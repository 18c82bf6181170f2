//! Operations against a served demo world: `/metrics` scraped and parsed as Prometheus (OpenMetrics) text,
//! the health probes, the request id, and `passport backup` taken while the server keeps writing (every
//! audited read appends to the audit chain), then the copy opened, its audit chains verified and its row
//! counts consistent with the chain heads.

use std::collections::HashMap;
use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// `name{labels} value` samples of a Prometheus / OpenMetrics text page; panics on a malformed line.
fn parse(text: &str) -> Vec<(String, HashMap<String, String>, f64)> {
    let mut samples = Vec::new();
    for line in text.lines().filter(|l| !l.is_empty() && !l.starts_with('#')) {
        let (series, value) = line.rsplit_once(' ').unwrap_or_else(|| panic!("no value: {line}"));
        let value: f64 = value.parse().unwrap_or_else(|_| panic!("bad value: {line}"));
        let (name, labels) = match series.split_once('{') {
            Some((name, rest)) => {
                let body = rest.strip_suffix('}').unwrap_or_else(|| panic!("unclosed labels: {line}"));
                let labels = body
                    .split("\",")
                    .filter(|p| !p.is_empty())
                    .map(|pair| {
                        let (k, v) = pair.split_once("=\"").unwrap_or_else(|| panic!("bad label: {line}"));
                        (k.to_owned(), v.trim_end_matches('"').to_owned())
                    })
                    .collect();
                (name, labels)
            }
            None => (series, HashMap::new()),
        };
        assert!(name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == ':'), "metric name: {line}");
        samples.push((name.to_owned(), labels, value));
    }
    samples
}

#[tokio::test]
async fn metrics_health_request_ids_and_a_backup_while_the_server_writes() {
    let dir = std::env::temp_dir().join(format!("passport-ops-test-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("ops.db");
    let mut child = Command::new(env!("CARGO_BIN_EXE_passport"))
        .args(["demo", "--listen", "127.0.0.1:0", "--file"])
        .arg(&file)
        .current_dir(&dir)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("start passport demo");
    let stdout = child.stdout.take().unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    let (mut base, mut token) = (None, None);
    let deadline = Instant::now() + Duration::from_secs(180);
    while Instant::now() < deadline {
        let Ok(line) = rx.recv_timeout(Duration::from_secs(5)) else { continue };
        if let Some(b) = line.strip_prefix("Server:") {
            base = Some(b.trim().to_owned());
        } else if let Some(t) = line.trim_start().strip_prefix("token") {
            token.get_or_insert_with(|| t.trim().to_owned());
        } else if line.starts_with("Serving on") {
            break;
        }
    }
    let (base, token) = (base.expect("server address"), token.expect("an admin token"));
    let http = reqwest::Client::new();

    // Probes and the request id.
    assert_eq!(http.get(format!("{base}/health/live")).send().await.unwrap().status(), 200);
    assert_eq!(http.get(format!("{base}/health/ready")).send().await.unwrap().status(), 200);
    let answer = http
        .get(format!("{base}/api/v1/compliance"))
        .bearer_auth(&token)
        .header("x-request-id", "trace-abc.123")
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status(), 200);
    assert_eq!(answer.headers()["x-request-id"], "trace-abc.123", "a sane caller id is echoed");
    let answer = http.get(format!("{base}/api/v1/compliance")).bearer_auth(&token).send().await.unwrap();
    let generated = answer.headers()["x-request-id"].to_str().unwrap().to_owned();
    assert_eq!(generated.len(), 36, "a UUID is generated when none is given: {generated}");

    // /metrics parses, and counts what just happened by route template and status.
    let scrape = http.get(format!("{base}/metrics")).send().await.unwrap();
    assert_eq!(scrape.status(), 200);
    assert!(scrape.headers()["content-type"].to_str().unwrap().starts_with("application/openmetrics-text"));
    let text = scrape.text().await.unwrap();
    assert!(text.trim_end().ends_with("# EOF"), "{text}");
    let samples = parse(&text);
    let find = |name: &str, want: &[(&str, &str)]| {
        samples
            .iter()
            .filter(|(n, labels, _)| {
                n == name && want.iter().all(|(k, v)| labels.get(*k).map(String::as_str) == Some(*v))
            })
            .map(|(_, _, v)| *v)
            .sum::<f64>()
    };
    let compliance = [("method", "GET"), ("route", "/api/v1/compliance"), ("status", "200")];
    assert!(find("passport_http_requests_total", &compliance) >= 2.0, "{text}");
    let route = [("route", "/api/v1/compliance"), ("le", "+Inf")];
    assert!(find("passport_http_request_duration_seconds_bucket", &route) >= 2.0, "{text}");
    assert!(find("passport_db_pool_connections", &[("state", "size")]) >= 1.0, "{text}");

    // A backup while the server writes: every audited read appends to the organisation's audit chain.
    let writer = {
        let (http, base, token) = (http.clone(), base.clone(), token.clone());
        tokio::spawn(async move {
            let mut done = 0u32;
            let until = Instant::now() + Duration::from_secs(6);
            while Instant::now() < until {
                let r = http.get(format!("{base}/api/v1/people?limit=20")).bearer_auth(&token).send().await.unwrap();
                assert_eq!(r.status(), 200);
                done += 1;
            }
            done
        })
    };
    tokio::time::sleep(Duration::from_millis(500)).await;
    let copy = dir.join("copy.db");
    let backup = tokio::task::spawn_blocking({
        let (file, copy) = (file.clone(), copy.clone());
        move || {
            Command::new(env!("CARGO_BIN_EXE_passport"))
                .args(["backup", "--database-url"])
                .arg(format!("sqlite://{}", file.display()))
                .arg("--out")
                .arg(&copy)
                .output()
                .expect("run passport backup")
        }
    })
    .await
    .unwrap();
    let reads = writer.await.unwrap();
    assert!(backup.status.success(), "backup failed: {}", String::from_utf8_lossy(&backup.stderr));
    assert!(reads > 5, "the server was being written to during the backup ({reads} audited reads)");

    // The restored copy opens, its chains verify, and each chain's rows match its head.
    let restored = dir.join("restored.db");
    std::fs::copy(&copy, &restored).unwrap();
    let store = store::Store::open_existing(&format!("sqlite://{}", restored.display())).await.expect("copy opens");
    let report = store.verify_audit().await.unwrap();
    assert!(report.is_ok(), "audit chains of the copy: {:?}", report.first_bad);
    assert!(report.entries_checked > 0);
    let pool = sqlx::SqlitePool::connect(&format!("sqlite://{}", restored.display())).await.unwrap();
    let mismatched: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM audit_heads h WHERE h.seq <> (SELECT MAX(seq) FROM audit_log l WHERE l.org_id = h.org_id)",
    )
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_eq!(mismatched, 0, "every chain head is its chain's last row");
    let people: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM people").fetch_one(&pool).await.unwrap();
    assert!(people > 0, "the copy holds the demo's people");

    child.kill().ok();
    child.wait().ok();
    std::fs::remove_dir_all(&dir).ok();
}
