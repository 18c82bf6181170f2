//! The NHS smartcard UUID (domain.md §2): a 12-digit number issued by a Registration Authority.
//!
//! Only the shape is checked; whether the card is live is a question for the Care Identity Service.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::error::FieldError;
use crate::newtype::string_newtype;

/// A smartcard user UUID: exactly 12 digits, e.g. `555012345678`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, ToSchema)]
#[serde(try_from = "String", into = "String")]
#[schema(value_type = String, example = "555012345678")]
pub struct SmartcardUuid(String);

string_newtype!(SmartcardUuid);

impl SmartcardUuid {
    /// Accepts spaces between digit groups.
    pub fn parse(input: &str) -> Result<Self, FieldError> {
        let value: String = input.chars().filter(|c| !c.is_whitespace()).collect();
        if value.len() != 12 || !value.bytes().all(|b| b.is_ascii_digit()) {
            return Err(FieldError::new("smartcard_uuid", format!("{value:?} must be exactly 12 digits")));
        }
        Ok(Self(value))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn smartcard_uuid_is_twelve_digits() {
        assert_eq!(SmartcardUuid::parse("5550 1234 5678").unwrap().as_str(), "555012345678");
        for bad in ["", "55501234567", "5550123456789", "55501234567X", "-55012345678"] {
            let err = SmartcardUuid::parse(bad).expect_err(bad);
            assert_eq!(err.field, "smartcard_uuid");
        }
    }
}
