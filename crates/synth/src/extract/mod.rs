//! The CSV extract format (docs/import-format.md): one file per record kind, each row keyed by
//! the person's National Insurance Number.
//!
//! | file | modelled on | one row per |
//! |---|---|---|
//! | `people.csv` | ESR staff extract | person |
//! | `assignments.csv` | ESR assignment extract | assignment |
//! | `checks.csv` | pre-employment checks log | employment check |
//! | `competences.csv` | LMS competence export (ESR `NHS|CSTF|…|` names) | completed competence |
//! | `immunisations.csv` | occupational health export | antigen |
//! | `clearances.csv` (optional) | occupational health export | OH clearance |
//!
//! Reading validates every row with the domain's own rules and reports a bad row as
//! [`RowError`]s (file, line, column, reason) without stopping: the caller loads the good rows.
//! Columns are found by header name, in any order; unknown columns are ignored (real extracts
//! carry many more). Writing produces exactly what reading accepts. No file system access here.

mod columns;
mod read;
mod rows;
mod write;

pub use read::{FileError, Parsed, RowError, read_rows};
pub use rows::{ExtractKind, ExtractValue};
pub use write::ExtractWriter;
