//! CSV import rows (docs/import-format.md): every extract kind reads arbitrary bytes as a file,
//! row by row, validating each row into domain values or naming its errors.
#![no_main]

use libfuzzer_sys::fuzz_target;
use synth::extract::{ExtractKind, read_rows};

fuzz_target!(|data: &[u8]| {
    let Some((&pick, rest)) = data.split_first() else { return };
    let kind = ExtractKind::ALL[usize::from(pick) % ExtractKind::ALL.len()];
    let today = chrono::NaiveDate::from_ymd_opt(2026, 6, 1).unwrap_or_default();
    if let Ok(rows) = read_rows(kind, "fuzz.csv", rest, today) {
        for row in rows.take(10_000) {
            let _ = row;
        }
    }
});
