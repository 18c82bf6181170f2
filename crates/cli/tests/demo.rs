//! The newcomer's path: `passport demo` builds a world, serves it, and its printed curl line returns data.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

#[tokio::test]
async fn demo_serves_and_its_curl_line_returns_data() {
    let file = std::env::temp_dir().join(format!("passport-demo-test-{}.db", std::process::id()));
    let mut child = Command::new(env!("CARGO_BIN_EXE_passport"))
        .args(["demo", "--listen", "127.0.0.1:0", "--file"])
        .arg(&file)
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
    let deadline = Instant::now() + Duration::from_secs(120);
    let mut curl = None;
    let mut serving = false;
    while Instant::now() < deadline && !(serving && curl.is_some()) {
        let Ok(line) = rx.recv_timeout(Duration::from_secs(5)) else { continue };
        if line.trim_start().starts_with("curl") && curl.is_none() {
            curl = Some(line);
        } else if line.starts_with("Serving on") {
            serving = true;
        }
    }
    let curl = curl.expect("demo printed a curl line");
    assert!(serving, "demo did not say it is serving");
    // curl -s -H 'Authorization: Bearer TOKEN' URL
    let token = curl.split("Bearer ").nth(1).and_then(|rest| rest.split('\'').next()).expect("token in curl line");
    let url = curl.rsplit(' ').next().expect("url in curl line").trim_matches('\'');
    let response = reqwest::Client::new().get(url).bearer_auth(token).send().await.expect("request");
    assert_eq!(response.status(), 200);
    let body: serde_json::Value = response.json().await.unwrap();
    let people = body["summary"]["people"].as_u64().expect("a compliance summary");
    assert!(people > 0, "the demo organisation has staff: {body}");
    assert!(body["summary"]["non_compliant"].as_array().is_some_and(|l| !l.is_empty()), "varied compliance: {body}");
    child.kill().ok();
    child.wait().ok();
    for suffix in store::SQLITE_FILE_SUFFIXES {
        std::fs::remove_file(format!("{}{suffix}", file.display())).ok();
    }
}
