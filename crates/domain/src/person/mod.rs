//! People in an organisation's dataset: names, date of birth, identifiers, contact details and
//! professional registrations (domain.md §2).
//!
//! Identifier formats live in their own files; this file owns the whole-person rules, which need
//! `today` as a parameter (the crate never reads a clock). Warnings (e.g. under 16) are returned
//! apart from errors because they do not block a save.

mod address;
mod ni_number;
mod registration;
mod smartcard;

pub use address::{Address, Postcode};
pub use ni_number::NiNumber;
pub use registration::{HCPC_PREFIXES, ProfessionalRegistration, Register, RegistrationNumber, RegistrationStatus};
pub use smartcard::SmartcardUuid;

use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::error::{FieldError, ValidationErrors, indexed};
use crate::newtype::{check_text, not_future};

/// A person record, as the API accepts and returns it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Person {
    pub given_name: String,
    pub family_name: String,
    pub date_of_birth: NaiveDate,
    /// Optional because a new international recruit may start before one is issued; IAT matching
    /// (NI number and date of birth) needs it.
    #[serde(default)]
    pub ni_number: Option<NiNumber>,
    #[serde(default)]
    pub address: Option<Address>,
    #[serde(default)]
    pub email: Option<String>,
    #[serde(default)]
    pub phone: Option<String>,
    #[serde(default)]
    pub registrations: Vec<ProfessionalRegistration>,
    #[serde(default)]
    pub smartcard_uuid: Option<SmartcardUuid>,
}

impl Person {
    pub const NAME_MAX: usize = 100;
    /// Older than this is taken as a typing error.
    pub const MAX_AGE_YEARS: u32 = 120;
    /// Younger than this is unusual for a worker: a warning, not an error (domain.md §2).
    pub const MIN_WORKING_AGE: u32 = 16;

    /// Whole years of age on `today` (0 if born after `today`).
    pub fn age_on(&self, today: NaiveDate) -> u32 {
        age_on(self.date_of_birth, today)
    }

    /// "Given Family".
    pub fn full_name(&self) -> String {
        format!("{} {}", self.given_name.trim(), self.family_name.trim())
    }

    /// Checks every field; `Ok` carries warnings that should be shown but do not block.
    pub fn validate(&self, today: NaiveDate) -> Result<Vec<FieldError>, ValidationErrors> {
        let mut errors = ValidationErrors::new();
        let mut warnings = Vec::new();
        errors.check("", check_text("given_name", &self.given_name, Self::NAME_MAX));
        errors.check("", check_text("family_name", &self.family_name, Self::NAME_MAX));

        let dob = self.date_of_birth;
        if errors.check("", not_future("date_of_birth", dob, today)).is_some() {
            let age = self.age_on(today);
            if age > Self::MAX_AGE_YEARS {
                errors.add("date_of_birth", format!("{dob} would make the person {age}; check the year"));
            } else if age < Self::MIN_WORKING_AGE {
                warnings.push(FieldError::new(
                    "date_of_birth",
                    format!("the person is {age}, under the usual minimum working age of 16"),
                ));
            }
        }

        if let Some(address) = &self.address {
            errors.merge("address", address.validate());
        }
        if let Some(email) = &self.email {
            errors.check("", check_email(email));
        }
        if let Some(phone) = &self.phone {
            errors.check("", check_phone(phone));
        }
        for (i, reg) in self.registrations.iter().enumerate() {
            if let Some(end) = reg.expires_on
                && end < today
                && reg.status.may_practise()
            {
                warnings.push(FieldError::new(
                    format!("{}.expires_on", indexed("registrations", i)),
                    format!(
                        "{} registration shows as {} but expired on {end}",
                        reg.register.label(),
                        reg.status.as_str()
                    ),
                ));
            }
            let earlier = &self.registrations[..i];
            if earlier.iter().any(|r| r.register == reg.register) {
                errors.add(
                    format!("{}.register", indexed("registrations", i)),
                    format!("{} is listed more than once", reg.register.label()),
                );
            }
        }
        errors.into_result().map(|()| warnings)
    }
}

/// Whole years between `dob` and `today`.
pub fn age_on(dob: NaiveDate, today: NaiveDate) -> u32 {
    if today < dob {
        return 0;
    }
    let years = today.year() - dob.year();
    let before_birthday = (today.month(), today.day()) < (dob.month(), dob.day());
    u32::try_from(years - i32::from(before_birthday)).unwrap_or(0)
}

/// A deliberately loose shape check: one `@`, a non-empty local part and a dotted domain.
pub fn check_email(email: &str) -> Result<(), FieldError> {
    check_text("email", email, 254)?;
    let email = email.trim();
    let shaped = email.split_once('@').is_some_and(|(local, domain)| {
        !local.is_empty()
            && !domain.contains('@')
            && domain.contains('.')
            && !domain.starts_with('.')
            && !domain.ends_with('.')
    });
    if shaped && !email.contains(char::is_whitespace) {
        Ok(())
    } else {
        Err(FieldError::new("email", format!("{email:?} is not an email address")))
    }
}

/// Digits with optional `+`, spaces, hyphens and brackets; 10 to 15 digits.
pub fn check_phone(phone: &str) -> Result<(), FieldError> {
    check_text("phone", phone, 30)?;
    let allowed =
        phone.trim().chars().enumerate().all(|(i, c)| c.is_ascii_digit() || " -()".contains(c) || (c == '+' && i == 0));
    let count = phone.chars().filter(char::is_ascii_digit).count();
    if allowed && (10..=15).contains(&count) {
        Ok(())
    } else {
        Err(FieldError::new("phone", format!("{phone:?} is not a phone number (10 to 15 digits, e.g. 020 7188 7188)")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    fn person() -> Person {
        Person {
            given_name: "Amara".into(),
            family_name: "Okafor".into(),
            date_of_birth: d("1990-04-12"),
            ni_number: Some(NiNumber::parse("AB123456C").unwrap()),
            address: Some(Address {
                lines: vec!["12 Borough High Street".into()],
                town: "London".into(),
                postcode: Postcode::parse("SE1 9RT").unwrap(),
            }),
            email: Some("amara.okafor@nhs.net".into()),
            phone: Some("+44 20 7188 7188".into()),
            registrations: vec![
                ProfessionalRegistration::new(
                    Register::Nmc,
                    "12A3456E",
                    RegistrationStatus::Registered,
                    Some(d("2027-03-31")),
                )
                .unwrap(),
            ],
            smartcard_uuid: Some(SmartcardUuid::parse("555012345678").unwrap()),
        }
    }

    const TODAY: &str = "2026-11-25";

    #[test]
    fn complete_person_is_valid_without_warnings() {
        assert_eq!(person().validate(d(TODAY)), Ok(vec![]));
    }

    #[test]
    fn future_and_absurd_dates_of_birth_are_refused() {
        for dob in ["2026-11-26", "2030-01-01", "1900-01-01", "1905-11-25"] {
            let mut p = person();
            p.date_of_birth = d(dob);
            let errors = p.validate(d(TODAY)).expect_err(dob);
            assert!(errors.has_field("date_of_birth"), "{dob}: {errors}");
        }
    }

    #[test]
    fn under_sixteen_is_a_warning_not_an_error() {
        let mut p = person();
        p.date_of_birth = d("2011-01-01");
        let warnings = p.validate(d(TODAY)).unwrap();
        assert_eq!(warnings.len(), 1);
        assert_eq!(warnings[0].field, "date_of_birth");
        p.date_of_birth = d("2010-11-25");
        assert_eq!(p.validate(d(TODAY)), Ok(vec![]), "16 today is fine");
    }

    #[test]
    fn lapsed_renewal_date_on_a_live_registration_is_a_warning() {
        let mut p = person();
        p.registrations[0].expires_on = Some(d("2026-01-01"));
        let warnings = p.validate(d(TODAY)).unwrap();
        assert_eq!(warnings.len(), 1);
        assert_eq!(warnings[0].field, "registrations[0].expires_on");
    }

    #[test]
    fn names_must_be_present_and_not_too_long() {
        let mut p = person();
        p.given_name = "  ".into();
        p.family_name = "x".repeat(101);
        let errors = p.validate(d(TODAY)).unwrap_err();
        assert!(errors.has_field("given_name"));
        assert!(errors.has_field("family_name"));
    }

    #[test]
    fn contact_details_are_shape_checked() {
        for (email, ok) in
            [("a@b.nhs.uk", true), ("a@b", false), ("no-at.nhs.uk", false), ("a b@c.uk", false), ("@c.uk", false)]
        {
            assert_eq!(check_email(email).is_ok(), ok, "{email}");
        }
        for (phone, ok) in [
            ("020 7188 7188", true),
            ("+44 (0)20 7188 7188", true),
            ("07700 900123", true),
            ("12345", false),
            ("020 7188 71x8", false),
            ("44+20 7188 7188", false),
        ] {
            assert_eq!(check_phone(phone).is_ok(), ok, "{phone}");
        }
    }

    #[test]
    fn a_register_listed_twice_is_refused_with_its_path() {
        let mut p = person();
        p.registrations.push(p.registrations[0].clone());
        let errors = p.validate(d(TODAY)).unwrap_err();
        assert!(errors.has_field("registrations[1].register"), "{errors}");
    }

    #[test]
    fn person_json_with_bad_ni_number_names_the_problem() {
        let json = r#"{"given_name":"A","family_name":"B","date_of_birth":"1990-01-01",
            "ni_number":"QQ123456C"}"#;
        let err = serde_json::from_str::<Person>(json).unwrap_err();
        assert!(err.to_string().contains("ni_number"), "{err}");
        let json = r#"{"given_name":"A","family_name":"B","date_of_birth":"1990-02-30"}"#;
        assert!(serde_json::from_str::<Person>(json).is_err(), "impossible date");
    }

    #[test]
    fn age_counts_whole_years() {
        assert_eq!(age_on(d("2000-02-29"), d("2026-02-28")), 25);
        assert_eq!(age_on(d("2000-02-29"), d("2026-03-01")), 26);
        assert_eq!(age_on(d("2000-01-01"), d("1999-01-01")), 0);
    }
}
