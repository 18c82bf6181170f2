//! The newcomer's path: `passport demo` builds a world, serves it, and every command it prints works pasted
//! as it stands into a fresh shell — `sh -c LINE` with an empty environment but for `PATH`, from another
//! directory — including the wallet walk-through from receiving credentials to the verifier's result.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// A printed command: a line marked `$ ` (crate::demo::command), or a bare `curl …` line.
fn printed_command(line: &str) -> Option<&str> {
    let line = line.trim_start();
    line.strip_prefix("$ ").or_else(|| line.starts_with("curl ").then_some(line))
}

/// Signs in as a browser would at the printed page with the printed email and password (the form's
/// double-submit token and cookie, then the session cookie), and reads the worker's records with it.
fn worker_signs_in_to_the_portal(page: &str, email: &str, password: &str) {
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    runtime.block_on(async {
        let client = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
        let cookie_of = |response: &reqwest::Response, name: &str| -> String {
            let set = response.headers().get_all("set-cookie").iter().filter_map(|v| v.to_str().ok());
            let pair = set.map(|v| v.split(';').next().unwrap_or_default()).find(|p| p.starts_with(name));
            pair.unwrap_or_else(|| panic!("no {name} cookie")).to_owned()
        };
        let form = client.get(page).send().await.expect("the sign-in page");
        assert_eq!(form.status(), 200, "{page}");
        let login_cookie = cookie_of(&form, "passport_login_csrf=");
        let html = form.text().await.unwrap();
        let csrf = html.split("name=\"csrf_token\" value=\"").nth(1).and_then(|t| t.split('"').next()).unwrap();
        let encode = |s: &str| s.replace('%', "%25").replace('@', "%40").replace('+', "%2B").replace('&', "%26");
        let body = format!("csrf_token={csrf}&email={}&password={}", encode(email), encode(password));
        let signed = client
            .post(page)
            .header("cookie", &login_cookie)
            .header("content-type", "application/x-www-form-urlencoded")
            .body(body)
            .send()
            .await
            .expect("sign in");
        assert_eq!(signed.status(), 303, "the printed worker sign-in is refused");
        assert_eq!(signed.headers()["location"], "/me");
        let session = cookie_of(&signed, "passport_session=");
        let records = page.replace("/me/login", "/me");
        let mine = client.get(&records).header("cookie", &session).send().await.expect("the records page");
        assert_eq!(mine.status(), 200);
        let html = mine.text().await.unwrap();
        assert!(html.contains("Your records") && html.contains("/me/organisations/"), "{html}");
    });
}

#[test]
fn every_command_the_demo_prints_works_verbatim_in_a_fresh_shell() {
    let dir = std::env::temp_dir().join(format!("passport-demo-test-{}", std::process::id()));
    let shell_dir = dir.join("elsewhere");
    std::fs::create_dir_all(&shell_dir).unwrap();
    let file = dir.join("passport-demo.db");
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
    let deadline = Instant::now() + Duration::from_secs(180);
    let mut commands = Vec::new();
    let mut serving = false;
    let (mut worker, mut portal) = (None, None);
    while Instant::now() < deadline && !serving {
        let Ok(line) = rx.recv_timeout(Duration::from_secs(5)) else { continue };
        if let Some(command) = printed_command(&line) {
            commands.push(command.to_owned());
        } else if line.starts_with("Serving on") {
            serving = true;
        } else if let Some(rest) = line.strip_prefix("  worker   ") {
            // "  worker   EMAIL  password PASSWORD"
            let words: Vec<&str> = rest.split_whitespace().collect();
            if let [email, "password", password] = words[..] {
                worker = Some((email.to_owned(), password.to_owned()));
            }
        } else if let Some(rest) = line.strip_prefix("  portal   ") {
            portal = rest.split_whitespace().next().map(str::to_owned);
        }
    }
    assert!(serving, "demo did not say it is serving");
    let (email, password) = worker.expect("the demo prints the worker's email and password");
    let portal = portal.expect("the demo prints the worker's portal sign-in page");
    worker_signs_in_to_the_portal(&portal, &email, &password);
    let passport = std::fs::canonicalize(env!("CARGO_BIN_EXE_passport")).unwrap();
    assert!(
        commands.iter().any(|c| c.contains(&*passport.to_string_lossy()) && c.contains(" wallet ")),
        "the wallet walk-through names this binary by its path: {commands:#?}"
    );
    assert!(!commands.iter().any(|c| c.starts_with("passport ")), "no bare `passport`: {commands:#?}");

    let mut outputs = Vec::new();
    for command in &commands {
        let out = Command::new("sh")
            .args(["-c", command])
            .env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .current_dir(&shell_dir)
            .stdin(Stdio::null())
            .output()
            .expect("run sh");
        assert!(
            out.status.success(),
            "printed command failed ({}):\n$ {command}\nstdout: {}\nstderr: {}",
            out.status,
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        outputs.push((command.clone(), String::from_utf8_lossy(&out.stdout).into_owned()));
    }

    // The first curl line is the organisation's compliance: data, with varied compliance.
    let (_, compliance) = outputs.iter().find(|(c, _)| c.contains("/api/v1/compliance")).expect("a compliance curl");
    let body: serde_json::Value = serde_json::from_str(compliance).expect("compliance JSON");
    assert!(body["summary"]["people"].as_u64().is_some_and(|n| n > 0), "the organisation has staff: {body}");
    assert!(body["summary"]["non_compliant"].as_array().is_some_and(|l| !l.is_empty()), "varied: {body}");
    // The walk-through ends with the verifier's result: answered and ready.
    let (_, result) =
        outputs.iter().rfind(|(c, _)| c.contains("/api/v1/presentation-requests/")).expect("a result curl");
    let result: serde_json::Value = serde_json::from_str(result).expect("result JSON");
    assert_eq!(result["result"]["ready"], true, "the presented credentials make the worker ready: {result}");
    // The proposed deployment, signed as the host and then by the demo wallet, verifies offline with all
    // three signatures.
    let json_of = |needle: &str| -> serde_json::Value {
        let (_, out) = outputs.iter().find(|(c, _)| c.contains(needle)).unwrap_or_else(|| panic!("no {needle}"));
        serde_json::from_str(out).unwrap_or_else(|e| panic!("{needle}: {e}: {out}"))
    };
    let (_, signing) = outputs.iter().rfind(|(c, _)| c.contains(" present --yes ")).unwrap();
    assert!(signing.contains("you sign:\n  Sign agreement"), "the wallet shows what it signs: {signing}");
    let shown = json_of(" agreement show ");
    assert_eq!(shown["state"], "signed", "{shown}");
    assert_eq!(shown["awaiting"], serde_json::json!([]), "{shown}");
    let report = json_of(" agreement verify ");
    assert_eq!(report["valid"], true, "{report}");
    assert_eq!(report["signatures"].as_array().map(Vec::len), Some(3), "{report}");

    child.kill().ok();
    child.wait().ok();
    std::fs::remove_dir_all(&dir).ok();
}
