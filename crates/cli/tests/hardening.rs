//! The real `passport serve` under abuse (issue 14): thousands of half-sent requests, and a flood of
//! password logins. Memory is read from the server's own `/proc/PID/status`.

use std::io::Write;
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use domain::org::{NewOrganisation, OdsCode, OrgKind};
use store::{NewUser, OrgScope, RegistryScope, Role, Store};

const PASSWORD: &str = "tangerine lighthouse orbit";

struct Server {
    child: Child,
    addr: SocketAddr,
    dir: PathBuf,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

impl Server {
    fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    /// A line of the server's `/proc/PID/status`, in kB.
    fn status_kb(&self, field: &str) -> u64 {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.child.id())).unwrap();
        let line = status.lines().find(|l| l.starts_with(field)).unwrap_or_else(|| panic!("no {field}"));
        line.split_whitespace().nth(1).unwrap().parse().unwrap()
    }
}

/// An organisation RJ1 with an admin user who has a password (real argon2id parameters), then
/// `passport serve` on it.
async fn start(extra: &[&str]) -> Server {
    let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_nanos();
    let dir = std::env::temp_dir().join(format!("passport-hardening-{}-{nanos}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let url = format!("sqlite://{}/p.db", dir.display());
    let store = Store::connect(&url).await.unwrap();
    let new =
        NewOrganisation { ods_code: OdsCode::parse("RJ1").unwrap(), name: "Trust".into(), kind: OrgKind::AcuteTrust };
    let org = store.registry().create_organisation(&RegistryScope::system("test"), &new).await.unwrap();
    let scope = OrgScope::system(org.id, "test");
    let admin = NewUser {
        email: "admin@rj1.test".into(),
        display_name: "Admin".into(),
        roles: vec![Role::Admin],
        password: Some(PASSWORD.into()),
    };
    store.auth().create_user(&scope, admin).await.unwrap();
    store.close().await;
    let addr = TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap();
    let child = Command::new(env!("CARGO_BIN_EXE_passport"))
        .args(["serve", "--database-url", &url, "--listen", &addr.to_string()])
        .args(extra)
        .env("PASSPORT_LOG", "warn")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let server = Server { child, addr, dir };
    let client = reqwest::Client::new();
    for _ in 0..200 {
        if client.get(server.url("/health")).send().await.is_ok() {
            return server;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("passport serve did not start");
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    sorted[((sorted.len() as f64 * p).ceil() as usize).clamp(1, sorted.len()) - 1]
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn five_thousand_half_open_connections_leave_normal_requests_fast_and_are_closed() {
    let server = start(&["--header-timeout-secs", "4"]).await;
    let started = Instant::now();
    let addr = server.addr;
    // Half-open: a request head that never ends.
    let slow = tokio::task::spawn_blocking(move || {
        let mut conns = Vec::with_capacity(5_000);
        for _ in 0..5_000 {
            let mut stream = TcpStream::connect(addr).expect("connect");
            stream.write_all(b"GET /health HTTP/1.1\r\nHost: slow\r\nX-Slow: ").expect("write");
            conns.push(stream);
        }
        conns
    })
    .await
    .unwrap();
    let opened = started.elapsed();
    let client = reqwest::Client::new();
    let mut latencies = Vec::new();
    for _ in 0..200 {
        let t = Instant::now();
        let response = client.get(server.url("/health")).send().await.expect("normal request answered");
        assert_eq!(response.status(), 200);
        latencies.push(t.elapsed());
    }
    latencies.sort();
    let (p50, p99) = (percentile(&latencies, 0.5), percentile(&latencies, 0.99));
    let rss = server.status_kb("VmRSS:");
    let hwm = server.status_kb("VmHWM:");
    println!(
        "5000 half-open connections opened in {opened:?}; 200 requests p50 {p50:?} p99 {p99:?}; \
         server VmRSS {} MB, VmHWM {} MB",
        rss / 1024,
        hwm / 1024
    );
    assert!(p99 <= Duration::from_millis(500), "p99 {p99:?} with 5000 half-open connections");
    assert!(hwm <= 300 * 1024, "server peak RSS {} MB", hwm / 1024);

    // The header-read timeout closes them: each sees end of stream (or a reset).
    tokio::time::sleep(Duration::from_secs(5)).await;
    let closed = tokio::task::spawn_blocking(move || {
        use std::io::Read;
        slow.iter()
            .filter(|s| {
                s.set_read_timeout(Some(Duration::from_millis(200))).unwrap();
                let mut buf = [0u8; 512];
                // hyper may answer 408 before closing; read until end of stream.
                loop {
                    let mut reader: &TcpStream = s;
                    match reader.read(&mut buf) {
                        Ok(0) => return true,
                        Ok(_) => continue,
                        Err(e) => {
                            return e.kind() != std::io::ErrorKind::WouldBlock
                                && e.kind() != std::io::ErrorKind::TimedOut;
                        }
                    }
                }
            })
            .count()
    })
    .await
    .unwrap();
    println!("{closed} of 5000 closed by the server after the header timeout");
    assert_eq!(closed, 5_000, "half-open connections left open past the header timeout");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_login_flood_keeps_memory_bounded_and_an_account_locks_after_ten_failures() {
    let server = start(&[]).await;
    // One account guessed from its own address (127.0.0.2), so the flood's address lock below is apart.
    let guesser =
        reqwest::Client::builder().local_address("127.0.0.2".parse::<std::net::IpAddr>().unwrap()).build().unwrap();
    let login = |client: &reqwest::Client, email: &str, password: &str| {
        let body = serde_json::json!({"ods_code": "RJ1", "email": email, "password": password});
        client.post(server.url("/api/v1/auth/token")).json(&body).send()
    };
    for attempt in 1..=10 {
        let response = login(&guesser, "admin@rj1.test", "not the password").await.unwrap();
        assert_eq!(response.status(), 401, "attempt {attempt}");
    }
    let t = Instant::now();
    let eleventh = login(&guesser, "admin@rj1.test", "not the password").await.unwrap();
    let refused_in = t.elapsed();
    assert_eq!(eleventh.status(), 429);
    assert!(eleventh.headers().contains_key("retry-after"));
    let right = login(&guesser, "admin@rj1.test", PASSWORD).await.unwrap();
    assert_eq!(right.status(), 429, "the right password is refused too while the account is locked");
    println!("11th wrong password refused with 429 in {refused_in:?}");

    // 256 logins at once, each of an unknown account (each would cost a 19 MiB argon2id run).
    let rss_before = server.status_kb("VmRSS:");
    let client = reqwest::Client::new();
    let mut tasks = Vec::new();
    for i in 0..256 {
        let client = client.clone();
        let url = server.url("/api/v1/auth/token");
        tasks.push(tokio::spawn(async move {
            let body = serde_json::json!({"ods_code": "RJ1", "email": format!("nobody{i}@rj1.test"), "password": "guess guess guess"});
            client.post(url).json(&body).send().await.map(|r| r.status().as_u16())
        }));
    }
    let mut peak_rss = 0;
    let mut statuses = std::collections::BTreeMap::new();
    for task in tasks {
        peak_rss = peak_rss.max(server.status_kb("VmRSS:"));
        *statuses.entry(task.await.unwrap().expect("answered")).or_insert(0) += 1;
    }
    let hwm = server.status_kb("VmHWM:");
    println!(
        "256 concurrent logins: {statuses:?}; server RSS before {} MB, sampled peak {} MB, VmHWM {} MB",
        rss_before / 1024,
        peak_rss / 1024,
        hwm / 1024
    );
    assert!(statuses.keys().all(|s| [401, 429, 503].contains(s)), "{statuses:?}");
    assert!(statuses.contains_key(&401), "some logins were checked: {statuses:?}");
    assert!(hwm <= 250 * 1024, "server peak RSS {} MB", hwm / 1024);
}
