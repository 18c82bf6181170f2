//! What the CLI tests that run `passport serve` share: the server child (killed when dropped) on a
//! free loopback port, started on a given database. Each test binary uses part of it.
#![allow(dead_code)]

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

pub const EXE: &str = env!("CARGO_BIN_EXE_passport");

/// A running `passport serve`, killed when dropped, however the test ends.
pub struct Server(std::process::Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// `passport serve` on `database_url` at a free loopback port, once it accepts connections; its base URL.
pub fn serve(database_url: &str) -> (Server, String) {
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let listen = format!("127.0.0.1:{port}");
    let base = format!("http://{listen}");
    let child = Command::new(EXE)
        .args(["serve", "--listen", &listen, "--public-url", &base, "--database-url", database_url])
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
    (server, base)
}
