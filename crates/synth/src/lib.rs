//! Synthetic NHS workforce and the CSV import format.
//!
//! - [`Plan`] decides, from a seed, the organisations of a country (ODS-shaped codes, kinds,
//!   skewed sizes) and which people once worked elsewhere;
//! - [`Generator`] streams each organisation's [`StaffRecord`]s — people, assignments, the six
//!   employment checks, CSTF competences, immunisations — deterministic per (seed, today), every
//!   one valid by the domain's own validation;
//! - [`extract`] is the documented CSV format (docs/import-format.md): row types, a reader that
//!   validates every row and reports bad ones by file, line, field and reason, and a writer.
//!
//! Pure: no files, clock or database here. Readers and writers are generic over
//! `std::io::Read`/`Write`; the CLI and the store's bulk loader do the I/O.

pub mod extract;
mod generate;
mod names;
mod person;
mod plan;
mod records;
mod rng;
pub mod roles;

pub use generate::{Generator, StaffRecord};
pub use person::NiSpace;
pub use plan::{EARLIER_EMPLOYMENT_PERCENT, GenerateConfig, OrgPlan, Plan};
pub use records::{required_antigens, required_competences};
