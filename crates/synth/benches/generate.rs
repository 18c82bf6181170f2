//! Criterion benchmarks for the CPU side of national-scale loading: generating one person's
//! records, writing them as extract rows, and parsing + validating extract rows. The database
//! side is measured end to end by `passport bench`.

use chrono::NaiveDate;
use criterion::{Criterion, Throughput, black_box, criterion_group, criterion_main};
use synth::extract::{ExtractKind, ExtractWriter, read_rows};
use synth::{GenerateConfig, Generator, Plan};

fn benches(c: &mut Criterion) {
    let today = NaiveDate::from_ymd_opt(2026, 11, 25).unwrap();
    let g = Generator::new(Plan::new(GenerateConfig { seed: 1, people: 100_000, organisations: 10, today }));
    let mut serial = 0u64;
    c.bench_function("generate_one_person", |b| {
        b.iter(|| {
            serial = (serial + 1) % 100_000;
            black_box(g.current(serial))
        })
    });

    let records: Vec<_> = g.records(0).take(1000).collect();
    let mut w = ExtractWriter::new(|_| Ok(Vec::new())).unwrap();
    for r in &records {
        w.write_staff(r).unwrap();
    }
    let files = w.finish().unwrap();
    let (_, competences) = files.iter().find(|(k, _)| *k == ExtractKind::Competences).unwrap();
    let rows = competences.iter().filter(|b| **b == b'\n').count() as u64 - 1;
    let mut group = c.benchmark_group("extract");
    group.throughput(Throughput::Elements(rows));
    group.bench_function("parse_and_validate_competence_rows", |b| {
        b.iter(|| {
            let n = read_rows(ExtractKind::Competences, "competences.csv", competences.as_slice(), today)
                .unwrap()
                .filter(Result::is_ok)
                .count();
            assert_eq!(n as u64, rows);
        })
    });
    group.finish();
}

criterion_group!(generate, benches);
criterion_main!(generate);
