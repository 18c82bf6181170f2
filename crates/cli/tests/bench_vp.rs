//! `passport bench-vp` end to end on a small run: with wrk as the separate load process (skipped
//! when wrk is not installed) and with the internal load; each must exit 0, name the throughput
//! and read every result ready.

use std::process::Command;

fn bench_vp(load: &str) {
    let output = Command::new(env!("CARGO_BIN_EXE_passport"))
        .args(["bench-vp", "--requests", "40", "--concurrency", "4", "--load", load])
        .env("PASSPORT_LOG", "warn")
        .output()
        .expect("run passport bench-vp");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "bench-vp --load {load} failed:\n{stdout}\n{stderr}");
    assert!(stdout.contains("throughput") && stdout.contains("presentations/s"), "no throughput in:\n{stdout}");
    assert!(stdout.contains("results read ready  40/40"), "not all results ready:\n{stdout}");
}

fn wrk_installed() -> bool {
    std::env::var_os("PATH").is_some_and(|path| std::env::split_paths(&path).any(|dir| dir.join("wrk").is_file()))
}

#[test]
fn bench_vp_with_wrk() {
    if !wrk_installed() {
        eprintln!("skipped: wrk not installed");
        return;
    }
    bench_vp("wrk");
}

#[test]
fn bench_vp_internal() {
    bench_vp("internal");
}
