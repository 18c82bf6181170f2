//! Professional registers and their number formats (domain.md §2).
//!
//! A registration number only means something next to its register, so [`RegistrationNumber`] is
//! parsed with the register, and [`ProfessionalRegistration`] refuses at deserialisation a number
//! that does not fit its register. Formats marked unconfirmed in domain.md (GDC, GOC, SWE) are kept
//! deliberately lenient. No register look-ups here.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::error::FieldError;

/// A statutory register of health and care professionals.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Register {
    /// General Medical Council (doctors): 7 digits.
    Gmc,
    /// Nursing and Midwifery Council: PIN `12A3456E`.
    Nmc,
    /// Health and Care Professions Council: profession prefix and digits, `PA12345`.
    Hcpc,
    /// General Pharmaceutical Council: 7 digits.
    Gphc,
    /// General Dental Council: digits.
    Gdc,
    /// General Optical Council: prefix and digits, `01-12345`, `D-12345`.
    Goc,
    /// Social Work England: `SW` and digits.
    Swe,
}

/// HCPC profession prefixes. Hearing aid dispensers (HAD) and practitioner psychologists (PYL)
/// have three letters.
pub const HCPC_PREFIXES: &[(&str, &str)] = &[
    ("AS", "arts therapist"),
    ("BS", "biomedical scientist"),
    ("CH", "chiropodist / podiatrist"),
    ("CS", "clinical scientist"),
    ("DT", "dietitian"),
    ("HAD", "hearing aid dispenser"),
    ("OD", "operating department practitioner"),
    ("OR", "orthoptist"),
    ("OT", "occupational therapist"),
    ("PA", "paramedic"),
    ("PH", "physiotherapist"),
    ("PO", "prosthetist / orthotist"),
    ("PYL", "practitioner psychologist"),
    ("RA", "radiographer"),
    ("SL", "speech and language therapist"),
];

impl Register {
    pub const ALL: [Register; 7] =
        [Register::Gmc, Register::Nmc, Register::Hcpc, Register::Gphc, Register::Gdc, Register::Goc, Register::Swe];

    /// The register's usual abbreviation, e.g. "GMC".
    pub fn label(self) -> &'static str {
        match self {
            Register::Gmc => "GMC",
            Register::Nmc => "NMC",
            Register::Hcpc => "HCPC",
            Register::Gphc => "GPhC",
            Register::Gdc => "GDC",
            Register::Goc => "GOC",
            Register::Swe => "Social Work England",
        }
    }

    /// The expected format, in words, for error messages.
    pub fn format_hint(self) -> &'static str {
        match self {
            Register::Gmc => "7 digits",
            Register::Nmc => "2 digits, a letter, 4 digits and a letter (12A3456E)",
            Register::Hcpc => "a profession prefix such as PA, PH, OT, RA, SL then 4 to 7 digits",
            Register::Gphc => "7 digits",
            Register::Gdc => "1 to 7 digits",
            Register::Goc => "a prefix (01, D, …) then 4 to 6 digits, e.g. 01-12345",
            Register::Swe => "SW then 1 to 7 digits",
        }
    }
}

/// A registration number validated against its register and normalised (upper case, no spaces).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, ToSchema)]
#[serde(into = "String")]
#[schema(value_type = String, example = "1234567")]
pub struct RegistrationNumber(String);

impl RegistrationNumber {
    /// Field name in errors is `number`.
    pub fn parse(register: Register, input: &str) -> Result<Self, FieldError> {
        let value: String = input.chars().filter(|c| !c.is_whitespace()).map(|c| c.to_ascii_uppercase()).collect();
        let normalised = match register {
            Register::Gmc | Register::Gphc => digits(&value, 7, 7).then(|| value.clone()),
            Register::Gdc => digits(&value, 1, 7).then(|| value.clone()),
            Register::Nmc => nmc(&value).then(|| value.clone()),
            Register::Hcpc => hcpc(&value).then(|| value.clone()),
            Register::Goc => goc(&value),
            Register::Swe => value.strip_prefix("SW").is_some_and(|rest| digits(rest, 1, 7)).then(|| value.clone()),
        };
        normalised.map(Self).ok_or_else(|| {
            FieldError::new(
                "number",
                format!("{value:?} is not a valid {} number: expected {}", register.label(), register.format_hint()),
            )
        })
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Display for RegistrationNumber {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl From<RegistrationNumber> for String {
    fn from(n: RegistrationNumber) -> String {
        n.0
    }
}

fn digits(s: &str, min: usize, max: usize) -> bool {
    (min..=max).contains(&s.len()) && s.bytes().all(|b| b.is_ascii_digit())
}

fn nmc(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() == 8
        && b[..2].iter().all(u8::is_ascii_digit)
        && b[2].is_ascii_uppercase()
        && b[3..7].iter().all(u8::is_ascii_digit)
        && b[7].is_ascii_uppercase()
}

fn hcpc(s: &str) -> bool {
    HCPC_PREFIXES.iter().any(|(prefix, _)| s.strip_prefix(prefix).is_some_and(|rest| digits(rest, 4, 7)))
}

/// GOC: `01-12345` (optometrists), `D-12345` (dispensing opticians); the hyphen is optional on input
/// and always present when stored.
fn goc(s: &str) -> Option<String> {
    let (prefix, number) = match s.split_once('-') {
        Some(parts) => parts,
        None if s.starts_with("01") => s.split_at(2),
        None => s.split_at(s.bytes().take_while(u8::is_ascii_uppercase).count()),
    };
    let prefix_ok =
        prefix == "01" || ((1..=2).contains(&prefix.len()) && prefix.bytes().all(|b| b.is_ascii_uppercase()));
    (prefix_ok && digits(number, 4, 6)).then(|| format!("{prefix}-{number}"))
}

/// Standing on a register.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum RegistrationStatus {
    Registered,
    RegisteredWithConditions,
    Provisional,
    Suspended,
    Lapsed,
    Removed,
}

impl RegistrationStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            RegistrationStatus::Registered => "registered",
            RegistrationStatus::RegisteredWithConditions => "registered with conditions",
            RegistrationStatus::Provisional => "provisional",
            RegistrationStatus::Suspended => "suspended",
            RegistrationStatus::Lapsed => "lapsed",
            RegistrationStatus::Removed => "removed",
        }
    }

    /// Whether the professional may practise (conditions are recorded separately).
    pub fn may_practise(self) -> bool {
        matches!(
            self,
            RegistrationStatus::Registered
                | RegistrationStatus::RegisteredWithConditions
                | RegistrationStatus::Provisional
        )
    }
}

/// A person's entry on a professional register.
///
/// JSON: `{"register":"nmc","number":"12A3456E","status":"registered","expires_on":"2026-01-31"}`.
/// A number that does not fit the register is refused when the JSON is read.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(try_from = "RegistrationInput")]
pub struct ProfessionalRegistration {
    pub register: Register,
    pub number: RegistrationNumber,
    pub status: RegistrationStatus,
    /// Renewal or expiry date of the registration, when the register has one.
    pub expires_on: Option<NaiveDate>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RegistrationInput {
    register: Register,
    number: String,
    status: RegistrationStatus,
    #[serde(default)]
    expires_on: Option<NaiveDate>,
}

impl TryFrom<RegistrationInput> for ProfessionalRegistration {
    type Error = FieldError;
    fn try_from(input: RegistrationInput) -> Result<Self, FieldError> {
        Self::new(input.register, &input.number, input.status, input.expires_on)
    }
}

impl ProfessionalRegistration {
    pub fn new(
        register: Register,
        number: &str,
        status: RegistrationStatus,
        expires_on: Option<NaiveDate>,
    ) -> Result<Self, FieldError> {
        Ok(Self { register, number: RegistrationNumber::parse(register, number)?, status, expires_on })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_register_accepts_its_own_format() {
        let cases = [
            (Register::Gmc, "1234567", "1234567"),
            (Register::Nmc, "12a3456e", "12A3456E"),
            (Register::Hcpc, "PA12345", "PA12345"),
            (Register::Hcpc, "ph 123456", "PH123456"),
            (Register::Hcpc, "PYL12345", "PYL12345"),
            (Register::Gphc, "2087654", "2087654"),
            (Register::Gdc, "81234", "81234"),
            (Register::Goc, "01-12345", "01-12345"),
            (Register::Goc, "0112345", "01-12345"),
            (Register::Goc, "D-12345", "D-12345"),
            (Register::Swe, "SW12345", "SW12345"),
        ];
        for (register, input, want) in cases {
            let n = RegistrationNumber::parse(register, input).unwrap_or_else(|e| panic!("{register:?} {input}: {e}"));
            assert_eq!(n.as_str(), want);
        }
    }

    #[test]
    fn each_register_refuses_other_formats() {
        let cases = [
            (Register::Gmc, "123456"),
            (Register::Gmc, "12345678"),
            (Register::Gmc, "12A3456E"),
            (Register::Nmc, "1234567"),
            (Register::Nmc, "12A34567"),
            (Register::Nmc, "A2A3456E"),
            (Register::Hcpc, "XX12345"),
            (Register::Hcpc, "PA12"),
            (Register::Hcpc, "1234567"),
            (Register::Gphc, "PA12345"),
            (Register::Gphc, "123456"),
            (Register::Gdc, ""),
            (Register::Gdc, "12345678"),
            (Register::Gdc, "D12345"),
            (Register::Goc, "12345"),
            (Register::Goc, "XYZ-12345"),
            (Register::Swe, "12345"),
            (Register::Swe, "SW"),
            (Register::Swe, "PA12345"),
        ];
        for (register, input) in cases {
            let err = RegistrationNumber::parse(register, input).expect_err(&format!("{register:?} {input}"));
            assert_eq!(err.field, "number");
            assert!(err.problem.contains(register.label()), "{err}");
        }
    }

    #[test]
    fn registration_json_with_a_wrong_number_is_refused() {
        let ok = r#"{"register":"gmc","number":"1234567","status":"registered","expires_on":null}"#;
        let reg: ProfessionalRegistration = serde_json::from_str(ok).unwrap();
        assert_eq!(reg.number.as_str(), "1234567");
        let round = serde_json::to_string(&reg).unwrap();
        assert_eq!(serde_json::from_str::<ProfessionalRegistration>(&round).unwrap(), reg);

        let bad = r#"{"register":"gmc","number":"12A3456E","status":"registered"}"#;
        let err = serde_json::from_str::<ProfessionalRegistration>(bad).unwrap_err();
        assert!(err.to_string().contains("number: "), "{err}");
        let unknown = r#"{"register":"gmc","number":"1234567","status":"registered","x":1}"#;
        assert!(serde_json::from_str::<ProfessionalRegistration>(unknown).is_err());
    }

    #[test]
    fn suspended_and_lapsed_registrations_may_not_practise() {
        assert!(RegistrationStatus::Registered.may_practise());
        assert!(RegistrationStatus::RegisteredWithConditions.may_practise());
        assert!(!RegistrationStatus::Suspended.may_practise());
        assert!(!RegistrationStatus::Lapsed.may_practise());
        assert!(!RegistrationStatus::Removed.may_practise());
    }
}
