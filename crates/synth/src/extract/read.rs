//! Reading one extract file: header check, then one validated value or a list of [`RowError`]s
//! per data row. A bad row never stops the file; only an unreadable header does ([`FileError`]).

use std::io::Read;

use chrono::NaiveDate;
use domain::person::NiNumber;

use super::rows::{self, ExtractKind, ExtractValue};

/// One problem with one row: where it is and what is wrong, in words an HR team can act on.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct RowError {
    pub file: String,
    /// 1-based line in the file (the header is line 1).
    pub line: u64,
    /// The column, as named in the header row.
    pub field: String,
    pub reason: String,
}

impl std::fmt::Display for RowError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}:{}: {}: {}", self.file, self.line, self.field, self.reason)
    }
}

/// A file that cannot be read at all (missing columns, not CSV).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{file}: {reason}")]
pub struct FileError {
    pub file: String,
    pub reason: String,
}

/// A good row.
#[derive(Debug, Clone, PartialEq)]
pub struct Parsed {
    pub line: u64,
    pub ni: NiNumber,
    pub value: ExtractValue,
}

/// Reads every row of a file of `kind`, named `file` in reports, validating at `today`.
///
/// Returns an iterator so that files of any size stream through in constant memory.
pub fn read_rows<R: Read>(
    kind: ExtractKind,
    file: &str,
    input: R,
    today: NaiveDate,
) -> Result<impl Iterator<Item = Result<Parsed, Vec<RowError>>>, FileError> {
    let mut reader = csv::ReaderBuilder::new().flexible(true).trim(csv::Trim::None).from_reader(input);
    let file_error = |reason: String| FileError { file: file.to_owned(), reason };
    let headers = reader.headers().map_err(|e| file_error(format!("header row: {e}")))?.clone();
    let index =
        |name: &str| headers.iter().position(|h| h.trim().trim_start_matches('\u{feff}').eq_ignore_ascii_case(name));
    let missing: Vec<&str> = kind.required_columns().iter().copied().filter(|c| index(c).is_none()).collect();
    if !missing.is_empty() {
        return Err(file_error(format!("missing column(s): {}", missing.join(", "))));
    }
    let positions: Vec<(&'static str, Option<usize>)> = kind.columns().iter().map(|c| (*c, index(c))).collect();
    let file = file.to_owned();
    let mut record = csv::StringRecord::new();
    let mut done = false;
    Ok(std::iter::from_fn(move || {
        if done {
            return None;
        }
        loop {
            match reader.read_record(&mut record) {
                Ok(false) => {
                    done = true;
                    return None;
                }
                Ok(true) => {}
                Err(e) => {
                    let line = e.position().map_or(0, csv::Position::line);
                    // A broken quote can swallow the rest of the file; stop after reporting it.
                    done = matches!(e.kind(), csv::ErrorKind::Io(_));
                    return Some(Err(vec![RowError {
                        file: file.clone(),
                        line,
                        field: "(row)".into(),
                        reason: format!("not readable as CSV: {e}"),
                    }]));
                }
            }
            if record.iter().all(|cell| cell.trim().is_empty()) {
                continue; // blank lines are not rows
            }
            let line = record.position().map_or(0, csv::Position::line);
            // No column holds a line break, so one means a quote left open: it swallowed the lines up to
            // the next quote, which would otherwise surface as odd values (or vanish) lines later.
            if record.iter().any(|cell| cell.contains(['\n', '\r'])) {
                let end = reader.position().line().saturating_sub(1).max(line);
                return Some(Err(vec![RowError {
                    file: file.clone(),
                    line,
                    field: "(row)".into(),
                    reason: format!(
                        "a quoted value is not closed on its line (lines {line} to {end} were read as one row); \
                         close the quote, or write a quote inside a value as \"\""
                    ),
                }]));
            }
            let row = rows::RowView { record: &record, positions: &positions };
            return Some(match rows::parse_row(kind, row, today) {
                Ok((ni, value)) => Ok(Parsed { line, ni, value }),
                Err(problems) => Err(problems
                    .into_iter()
                    .map(|(field, reason)| RowError { file: file.clone(), line, field, reason })
                    .collect()),
            });
        }
    }))
}
