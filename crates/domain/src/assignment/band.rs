//! Pay bands: Agenda for Change bands 1–9 (8a–8d), or any other grade kept as text.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::error::FieldError;
use crate::newtype::check_text;

/// Agenda for Change pay band, or any other grade (medical grades such as `FY1`, `ST3`,
/// `Consultant`, or local grades) as text.
///
/// JSON is a string: `"band_5"`, `"band_8a"`, or the other grade's text, e.g. `"ST3"`.
/// Input also accepts `"Band 5"`, `"5"`, `"8A"`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub enum Band {
    /// Agenda for Change band: "1"–"7", "8a"–"8d", "9".
    AfC(AfcBand),
    /// Any other grade, kept as written.
    Other(String),
}

/// The Agenda for Change bands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum AfcBand {
    B1,
    B2,
    B3,
    B4,
    B5,
    B6,
    B7,
    B8a,
    B8b,
    B8c,
    B8d,
    B9,
}

const AFC_BANDS: [(AfcBand, &str); 12] = [
    (AfcBand::B1, "1"),
    (AfcBand::B2, "2"),
    (AfcBand::B3, "3"),
    (AfcBand::B4, "4"),
    (AfcBand::B5, "5"),
    (AfcBand::B6, "6"),
    (AfcBand::B7, "7"),
    (AfcBand::B8a, "8a"),
    (AfcBand::B8b, "8b"),
    (AfcBand::B8c, "8c"),
    (AfcBand::B8d, "8d"),
    (AfcBand::B9, "9"),
];

impl AfcBand {
    /// "5", "8a".
    pub fn as_str(self) -> &'static str {
        AFC_BANDS.iter().find(|(b, _)| *b == self).map_or("", |(_, s)| s)
    }
}

impl Band {
    pub fn parse(input: &str) -> Result<Self, FieldError> {
        let text = input.trim();
        check_text("band", text, 50)?;
        let lower = text.to_ascii_lowercase();
        let key = lower
            .strip_prefix("band_")
            .or_else(|| lower.strip_prefix("band "))
            .or_else(|| lower.strip_prefix("afc "))
            .unwrap_or(&lower)
            .trim();
        Ok(AFC_BANDS
            .iter()
            .find(|(_, s)| *s == key)
            .map_or_else(|| Band::Other(text.to_owned()), |(b, _)| Band::AfC(*b)))
    }

    /// Stable text: `band_5`, `band_8a`, or the other grade as written.
    pub fn as_string(&self) -> String {
        match self {
            Band::AfC(b) => format!("band_{}", b.as_str()),
            Band::Other(s) => s.clone(),
        }
    }
}

/// In OpenAPI a band is a plain string.
impl utoipa::PartialSchema for Band {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        utoipa::openapi::ObjectBuilder::new()
            .schema_type(utoipa::openapi::schema::Type::String)
            .description(Some(
                "Agenda for Change band as `band_1`..`band_9` (`band_8a`..`band_8d`), \
                 or another grade as written (`FY1`, `ST3`, `Consultant`)",
            ))
            .examples(["band_5", "band_8a", "ST3"])
            .into()
    }
}

impl ToSchema for Band {}

impl TryFrom<String> for Band {
    type Error = FieldError;
    fn try_from(s: String) -> Result<Self, FieldError> {
        Band::parse(&s)
    }
}

impl From<Band> for String {
    fn from(b: Band) -> String {
        b.as_string()
    }
}

impl std::fmt::Display for Band {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Band::AfC(b) => write!(f, "Band {}", b.as_str()),
            Band::Other(s) => f.write_str(s),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bands_parse_afc_and_keep_other_grades() {
        let cases = [
            ("5", "band_5"),
            ("Band 8a", "band_8a"),
            ("8D", "band_8d"),
            ("band_9", "band_9"),
            ("ST3", "ST3"),
            ("Consultant", "Consultant"),
        ];
        for (input, want) in cases {
            assert_eq!(Band::parse(input).unwrap().as_string(), want, "{input}");
        }
        assert!(Band::parse(" ").is_err());
        let json = serde_json::to_string(&Band::parse("8b").unwrap()).unwrap();
        assert_eq!(json, "\"band_8b\"");
        assert_eq!(serde_json::from_str::<Band>(&json).unwrap(), Band::AfC(AfcBand::B8b));
    }
}
