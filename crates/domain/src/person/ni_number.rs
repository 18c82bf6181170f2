//! The National Insurance number (domain.md §2).
//!
//! Two prefix letters, six digits, a suffix A–D. D, F, I, Q, U and V never appear in either prefix
//! position, O never second, and BG, GB, KN, NK, NT, TN and ZZ are not allocated. That makes the
//! common example `QQ123456C` invalid, on purpose. Stored upper case without spaces.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::error::FieldError;
use crate::newtype::string_newtype;

/// A National Insurance number in its stored form, e.g. `AB123456C`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, ToSchema)]
#[serde(try_from = "String", into = "String")]
#[schema(value_type = String, example = "AB123456C")]
pub struct NiNumber(String);

string_newtype!(NiNumber);

/// Letters never used in either prefix position.
const NEVER_IN_PREFIX: &[u8] = b"DFIQUV";
/// Prefixes that are never allocated.
const UNALLOCATED_PREFIXES: &[&str] = &["BG", "GB", "KN", "NK", "NT", "TN", "ZZ"];

impl NiNumber {
    /// Accepts spaces anywhere and lower case (`ab 12 34 56 c`).
    pub fn parse(input: &str) -> Result<Self, FieldError> {
        let problem = |p: String| FieldError::new("ni_number", p);
        let value: String = input.chars().filter(|c| !c.is_whitespace()).map(|c| c.to_ascii_uppercase()).collect();
        let b = value.as_bytes();
        if b.len() != 9 || !value.is_ascii() {
            return Err(problem(format!("{value:?} must be 2 letters, 6 digits and a letter A-D (9 characters)")));
        }
        let (first, second) = (b[0], b[1]);
        if !first.is_ascii_uppercase() || !second.is_ascii_uppercase() {
            return Err(problem("must start with two letters".into()));
        }
        for (position, letter) in [("first", first), ("second", second)] {
            if NEVER_IN_PREFIX.contains(&letter) {
                return Err(problem(format!("{} is never used as the {position} letter", letter as char)));
            }
        }
        if second == b'O' {
            return Err(problem("O is never used as the second letter".into()));
        }
        let prefix = &value[..2];
        if UNALLOCATED_PREFIXES.contains(&prefix) {
            return Err(problem(format!("prefix {prefix} is never allocated")));
        }
        if !b[2..8].iter().all(u8::is_ascii_digit) {
            return Err(problem("the prefix must be followed by six digits".into()));
        }
        if !matches!(b[8], b'A'..=b'D') {
            return Err(problem("the suffix must be A, B, C or D".into()));
        }
        Ok(Self(value))
    }

    /// The usual printed grouping: `AB 12 34 56 C`.
    pub fn spaced(&self) -> String {
        let s = &self.0;
        format!("{} {} {} {} {}", &s[..2], &s[2..4], &s[4..6], &s[6..8], &s[8..])
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn valid_ni_numbers_are_stored_upper_case_without_spaces() {
        let cases = [
            ("AB123456C", "AB123456C"),
            ("ab123456c", "AB123456C"),
            ("AB 12 34 56 C", "AB123456C"),
            (" je 123456 a ", "JE123456A"),
            ("ZA000000D", "ZA000000D"),
            ("OA123456B", "OA123456B"),
            ("NA123456A", "NA123456A"),
        ];
        for (input, want) in cases {
            assert_eq!(NiNumber::parse(input).unwrap().as_str(), want, "{input:?}");
        }
    }

    #[test]
    fn the_standard_example_qq123456c_is_invalid() {
        let err = NiNumber::parse("QQ123456C").unwrap_err();
        assert_eq!(err.field, "ni_number");
        assert!(err.problem.contains("Q is never used"), "{err}");
    }

    #[test]
    fn never_issued_letters_are_refused_in_either_position() {
        for letter in ['D', 'F', 'I', 'Q', 'U', 'V'] {
            for input in [format!("{letter}A123456C"), format!("A{letter}123456C")] {
                let err = NiNumber::parse(&input).expect_err(&input);
                assert!(err.problem.contains("never used"), "{input}: {err}");
            }
        }
    }

    #[test]
    fn o_is_refused_as_the_second_letter_only() {
        assert!(NiNumber::parse("AO123456C").is_err());
        assert!(NiNumber::parse("OA123456C").is_ok());
    }

    #[test]
    fn unallocated_prefixes_are_refused() {
        for prefix in ["BG", "GB", "KN", "NK", "NT", "TN", "ZZ"] {
            let input = format!("{prefix}123456C");
            let err = NiNumber::parse(&input).expect_err(&input);
            assert!(err.problem.contains("never allocated"), "{input}: {err}");
        }
    }

    #[test]
    fn malformed_ni_numbers_are_refused() {
        let cases = [
            "",
            "AB12345C",
            "AB1234567C",
            "AB123456E",
            "AB123456",
            "A1123456C",
            "AB12345XC",
            "ÁB123456C",
            "AB-12-34-56-C",
        ];
        for input in cases {
            assert!(NiNumber::parse(input).is_err(), "{input:?} accepted");
        }
    }

    #[test]
    fn spaced_form_groups_the_digits() {
        assert_eq!(NiNumber::parse("AB123456C").unwrap().spaced(), "AB 12 34 56 C");
    }

    fn allowed_first() -> impl Strategy<Value = char> {
        prop::sample::select("ABCEGHJKLMNOPRSTWXYZ".chars().collect::<Vec<_>>())
    }

    fn allowed_second() -> impl Strategy<Value = char> {
        prop::sample::select("ABCEGHJKLMNPRSTWXYZ".chars().collect::<Vec<_>>())
    }

    proptest! {
        #[test]
        fn ni_number_parse_format_round_trips(
            a in allowed_first(),
            b in allowed_second(),
            digits in 0u32..1_000_000,
            suffix in prop::sample::select(vec!['A', 'B', 'C', 'D']),
        ) {
            let text = format!("{a}{b}{digits:06}{suffix}");
            prop_assume!(!UNALLOCATED_PREFIXES.contains(&&text[..2]));
            let parsed = NiNumber::parse(&text).unwrap();
            prop_assert_eq!(parsed.as_str(), text.as_str());
            let again = NiNumber::parse(&parsed.spaced().to_lowercase()).unwrap();
            prop_assert_eq!(&again, &parsed);
            let json = serde_json::to_string(&parsed).unwrap();
            prop_assert_eq!(serde_json::from_str::<NiNumber>(&json).unwrap(), parsed);
        }

        #[test]
        fn ni_number_parse_never_panics(input in ".{0,20}") {
            let _ = NiNumber::parse(&input);
        }
    }
}
