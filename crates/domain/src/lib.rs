//! Staff Passport domain: the pure types and rules of NHS workforce records.
//!
//! People, organisations, assignments, the six NHS Employment Check Standards, CSTF competences,
//! immunisations, role requirements and compliance. This crate does no I/O, no async and never
//! reads a clock: `today` is always a parameter. Every value the HTTP API accepts or returns is
//! defined here with serde and OpenAPI (utoipa) derives.

pub mod assignment;
pub mod checks;
pub mod compliance;
pub mod cstf;
pub mod error;
pub mod immunisation;
pub mod org;
pub mod person;
pub mod requirements;

mod newtype;

pub use error::{FieldError, ValidationErrors};
