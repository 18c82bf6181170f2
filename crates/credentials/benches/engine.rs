//! Criterion benchmarks: issue one passport credential; verify a presentation with KB-JWT
//! including status and trust lookups from memory; and, as the yardstick, raw ES256 sign and
//! verify on the same machine. The goal is issue and verify at ≥ 70 % of the raw rates.

#[path = "../tests/common/mod.rs"]
mod common;

use common::*;
use credentials::jws::{Signer, VerifyingKey};
use credentials::vc;
use credentials::verify::VerifyOptions;
use criterion::{Criterion, black_box, criterion_group, criterion_main};
use rand::SeedableRng;

fn benches(c: &mut Criterion) {
    let w = World::new();
    let spec = w.spec(0);
    let presentation = w.presentation();
    let signing_input = presentation.split('~').next().unwrap().rsplit_once('.').unwrap().0.to_owned();
    let signature = w.issuer.sign(signing_input.as_bytes()).unwrap();
    let vk = VerifyingKey::from_jwk(&w.issuer.public_jwk()).unwrap();
    let mut rng = rand::rngs::StdRng::seed_from_u64(1);

    c.bench_function("raw_es256_sign", |b| b.iter(|| w.issuer.sign(black_box(signing_input.as_bytes())).unwrap()));
    c.bench_function("raw_es256_verify", |b| {
        b.iter(|| assert!(vk.verify(black_box(signing_input.as_bytes()), black_box(&signature))))
    });
    c.bench_function("issue_passport_credential", |b| {
        b.iter(|| vc::issue_vc(black_box(&spec), &w.issuer, &mut rng).unwrap())
    });
    c.bench_function("verify_presentation_with_kb_status_trust", |b| {
        b.iter(|| w.verify(black_box(&presentation)).unwrap())
    });
    let no_kb = presentation[..=presentation.rfind('~').unwrap()].to_owned();
    let opts = VerifyOptions { require_key_binding: false, ..w.opts() };
    c.bench_function("verify_presentation_without_kb", |b| b.iter(|| w.verify_with(black_box(&no_kb), &opts).unwrap()));
}

criterion_group! {
    name = engine;
    config = Criterion::default().sample_size(30).measurement_time(std::time::Duration::from_secs(3));
    targets = benches
}
criterion_main!(engine);
