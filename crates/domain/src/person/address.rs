//! Postal addresses and the UK postcode shape.
//!
//! Only the shape of a postcode is checked (outward code A9, A99, A9A, AA9, AA99 or AA9A, then
//! inward code 9AA); whether it exists is a question for a gazetteer, not for this crate.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::error::{FieldError, ValidationErrors, indexed};
use crate::newtype::{check_text, string_newtype};

/// A UK postcode, stored upper case with one space before the inward code: `SE1 9RT`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(try_from = "String", into = "String")]
#[schema(value_type = String, example = "SE1 9RT")]
pub struct Postcode(String);

string_newtype!(Postcode);

impl Postcode {
    pub fn parse(input: &str) -> Result<Self, FieldError> {
        let compact: String = input.chars().filter(|c| !c.is_whitespace()).map(|c| c.to_ascii_uppercase()).collect();
        if compact == "GIR0AA" {
            return Ok(Self("GIR 0AA".into()));
        }
        let bad =
            || FieldError::new("postcode", format!("{input:?} is not a UK postcode (e.g. SE1 9RT, B1 1AA, W1A 0AX)"));
        if !(5..=7).contains(&compact.len()) || !compact.is_ascii() {
            return Err(bad());
        }
        let (outward, inward) = compact.split_at(compact.len() - 3);
        let i = inward.as_bytes();
        let inward_ok = i[0].is_ascii_digit() && i[1].is_ascii_uppercase() && i[2].is_ascii_uppercase();
        if !inward_ok || !outward_ok(outward.as_bytes()) {
            return Err(bad());
        }
        Ok(Self(format!("{outward} {inward}")))
    }
}

/// A9, A99, A9A, AA9, AA99, AA9A.
fn outward_ok(o: &[u8]) -> bool {
    let letter = |b: u8| b.is_ascii_uppercase();
    let digit = |b: u8| b.is_ascii_digit();
    match *o {
        [a, b] => letter(a) && digit(b),
        [a, b, c] => (letter(a) && digit(b) && (digit(c) || letter(c))) || (letter(a) && letter(b) && digit(c)),
        [a, b, c, d] => letter(a) && letter(b) && digit(c) && (digit(d) || letter(d)),
        _ => false,
    }
}

/// A postal address.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Address {
    /// One to four lines before the town, e.g. `["Flat 2", "12 Borough High Street"]`.
    pub lines: Vec<String>,
    pub town: String,
    pub postcode: Postcode,
}

impl Address {
    pub const MAX_LINES: usize = 4;
    pub const LINE_MAX: usize = 100;

    pub fn validate(&self) -> Result<(), ValidationErrors> {
        let mut errors = ValidationErrors::new();
        if self.lines.is_empty() || self.lines.len() > Self::MAX_LINES {
            errors.add("lines", format!("must have 1 to {} lines", Self::MAX_LINES));
        }
        for (i, line) in self.lines.iter().enumerate() {
            errors.check("", check_text(&indexed("lines", i), line, Self::LINE_MAX));
        }
        errors.check("", check_text("town", &self.town, Self::LINE_MAX));
        errors.into_result()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn postcodes_of_every_shape_are_normalised() {
        let cases = [
            ("se19rt", "SE1 9RT"),
            ("B1 1AA", "B1 1AA"),
            ("M60 1NW", "M60 1NW"),
            ("W1A 0AX", "W1A 0AX"),
            ("CR2 6XH", "CR2 6XH"),
            ("DN55 1PT", "DN55 1PT"),
            ("EC1A 1BB", "EC1A 1BB"),
            (" ox3 9du ", "OX3 9DU"),
            ("GIR 0AA", "GIR 0AA"),
        ];
        for (input, want) in cases {
            assert_eq!(Postcode::parse(input).unwrap().as_str(), want, "{input:?}");
        }
    }

    #[test]
    fn malformed_postcodes_are_refused() {
        for input in ["", "SE1", "1SE 9RT", "SE1 RT9", "SE19 9RTX", "ABCD 1AA", "SE1 9R!", "É1 9RT"] {
            let err = Postcode::parse(input).expect_err(input);
            assert_eq!(err.field, "postcode");
        }
    }

    #[test]
    fn address_needs_lines_and_a_town() {
        let addr = Address { lines: vec![], town: " ".into(), postcode: Postcode::parse("SE1 9RT").unwrap() };
        let errors = addr.validate().unwrap_err();
        assert!(errors.has_field("lines"));
        assert!(errors.has_field("town"));
        let addr = Address {
            lines: vec!["1 Road".into(), String::new()],
            town: "London".into(),
            postcode: Postcode::parse("SE1 9RT").unwrap(),
        };
        assert!(addr.validate().unwrap_err().has_field("lines[1]"));
    }
}
