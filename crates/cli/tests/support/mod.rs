//! What the CLI tests that run the binary share: a scratch directory, `passport …` with the
//! server environment cleared, its JSON output, and `passport serve` as a child process (killed
//! when dropped) on a loopback port. Each test binary uses part of it.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

pub const EXE: &str = env!("CARGO_BIN_EXE_passport");

/// A fresh directory under the system temp dir, unique to this process and moment.
pub fn temp_dir(name: &str) -> PathBuf {
    let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_nanos();
    let dir = std::env::temp_dir().join(format!("passport-{name}-{}-{nanos}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// `passport args…` with no server or token from the environment; stderr echoed on failure.
pub fn passport(args: &[&str]) -> Output {
    let out = Command::new(EXE).args(args).env_remove("PASSPORT_SERVER").env_remove("PASSPORT_TOKEN").output().unwrap();
    if !out.status.success() {
        eprintln!("passport {args:?}: {}", String::from_utf8_lossy(&out.stderr));
    }
    out
}

pub fn stdout_json(out: &Output) -> Value {
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&out.stdout)))
}

pub fn path(p: &Path) -> &str {
    p.to_str().unwrap()
}

/// A running `passport serve`, killed when dropped, however the test ends.
pub struct Server(std::process::Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

/// `passport serve` on `database_url` at `port` with `extra` flags, once it accepts connections.
pub fn serve_on(database_url: &str, port: u16, extra: &[&str]) -> Server {
    let listen = format!("127.0.0.1:{port}");
    let base = format!("http://{listen}");
    let child = Command::new(EXE)
        .args(["serve", "--listen", &listen, "--public-url", &base, "--database-url", database_url])
        .args(extra)
        .env_remove("PASSPORT_TRUST_OPERATORS")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let server = Server(child);
    let deadline = Instant::now() + Duration::from_secs(60);
    while std::net::TcpStream::connect(&listen).is_err() {
        assert!(Instant::now() < deadline, "server did not start");
        std::thread::sleep(Duration::from_millis(50));
    }
    server
}

/// [`serve_on`] a free port with no extra flags; the server and its base URL.
pub fn serve(database_url: &str) -> (Server, String) {
    let port = free_port();
    (serve_on(database_url, port, &[]), format!("http://127.0.0.1:{port}"))
}
