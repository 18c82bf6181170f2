//! Criminal record (DBS) check (domain.md §3.5).
//!
//! DBS levels form a partial order: enhanced with the adults' barred list does not cover a
//! children's barred list requirement. [`DbsLevel::satisfies`] is the single place that rule lives.
//! How often to recheck is policy, passed in by the role requirement, never a constant here.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::error::{FieldError, ValidationErrors};
use crate::newtype::{check_text, not_future, string_newtype};

/// Level of a DBS certificate.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum DbsLevel {
    Basic,
    Standard,
    Enhanced,
    /// Enhanced with the adults' barred list.
    EnhancedAdults,
    /// Enhanced with the children's barred list.
    EnhancedChildren,
    /// Enhanced with both barred lists.
    EnhancedBoth,
}

impl DbsLevel {
    pub const ALL: [DbsLevel; 6] = [
        DbsLevel::Basic,
        DbsLevel::Standard,
        DbsLevel::Enhanced,
        DbsLevel::EnhancedAdults,
        DbsLevel::EnhancedChildren,
        DbsLevel::EnhancedBoth,
    ];

    /// (disclosure depth, adults' barred list, children's barred list)
    fn parts(self) -> (u8, bool, bool) {
        match self {
            DbsLevel::Basic => (0, false, false),
            DbsLevel::Standard => (1, false, false),
            DbsLevel::Enhanced => (2, false, false),
            DbsLevel::EnhancedAdults => (2, true, false),
            DbsLevel::EnhancedChildren => (2, false, true),
            DbsLevel::EnhancedBoth => (2, true, true),
        }
    }

    /// Whether a certificate at this level meets a requirement for `required`.
    pub fn satisfies(self, required: DbsLevel) -> bool {
        let (depth, adults, children) = self.parts();
        let (need_depth, need_adults, need_children) = required.parts();
        depth >= need_depth && (adults || !need_adults) && (children || !need_children)
    }

    /// The JSON name, e.g. `enhanced_adults`.
    pub fn as_str(self) -> &'static str {
        match self {
            DbsLevel::Basic => "basic",
            DbsLevel::Standard => "standard",
            DbsLevel::Enhanced => "enhanced",
            DbsLevel::EnhancedAdults => "enhanced_adults",
            DbsLevel::EnhancedChildren => "enhanced_children",
            DbsLevel::EnhancedBoth => "enhanced_both",
        }
    }
}

/// The workforce the check was made for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum DbsWorkforce {
    Adult,
    Child,
    AdultAndChild,
    Other,
}

/// A DBS certificate number: 12 digits.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(try_from = "String", into = "String")]
#[schema(value_type = String, example = "001234567890")]
pub struct DbsCertificateNumber(String);

string_newtype!(DbsCertificateNumber);

impl DbsCertificateNumber {
    pub fn parse(input: &str) -> Result<Self, FieldError> {
        let value: String = input.chars().filter(|c| !c.is_whitespace()).collect();
        if value.len() == 12 && value.bytes().all(|b| b.is_ascii_digit()) {
            Ok(Self(value))
        } else {
            Err(FieldError::new("certificate_number", format!("{value:?} must be exactly 12 digits")))
        }
    }
}

/// DBS Update Service subscription.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateService {
    pub subscription_id: String,
    /// Last online status check, if any; a recheck policy counts from it.
    #[serde(default)]
    pub last_status_check_on: Option<NaiveDate>,
}

/// The typed details of a criminal record check.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DbsCheck {
    pub level: DbsLevel,
    pub certificate_number: DbsCertificateNumber,
    pub issued_on: NaiveDate,
    pub workforce: DbsWorkforce,
    /// Present when the person subscribes to the Update Service.
    #[serde(default)]
    pub update_service: Option<UpdateService>,
}

impl DbsCheck {
    /// The date a recheck policy counts from: the last Update Service status check if there was
    /// one, otherwise the certificate's issue date.
    pub fn recheck_anchor(&self) -> NaiveDate {
        self.update_service
            .as_ref()
            .and_then(|u| u.last_status_check_on)
            .map_or(self.issued_on, |checked| checked.max(self.issued_on))
    }

    pub fn validate(&self, today: NaiveDate) -> Result<(), ValidationErrors> {
        let mut errors = ValidationErrors::new();
        errors.check("", not_future("issued_on", self.issued_on, today));
        let (_, adults, children) = self.level.parts();
        // A barred list can only be checked for the workforce it belongs to.
        let consistent = match self.workforce {
            DbsWorkforce::AdultAndChild => true,
            DbsWorkforce::Adult => !children,
            DbsWorkforce::Child => !adults,
            DbsWorkforce::Other => !adults && !children,
        };
        if !consistent {
            errors.add(
                "workforce",
                format!("a {} check does not fit the {:?} workforce", self.level.as_str(), self.workforce),
            );
        }
        if let Some(us) = &self.update_service {
            errors.check("update_service", check_text("subscription_id", &us.subscription_id, 50));
            if let Some(checked) = us.last_status_check_on {
                errors.check("update_service", not_future("last_status_check_on", checked, today));
                if checked < self.issued_on {
                    errors.add(
                        "update_service.last_status_check_on",
                        format!("{checked} is before the certificate was issued on {}", self.issued_on),
                    );
                }
            }
        }
        errors.into_result()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use DbsLevel::*;

    #[test]
    fn dbs_levels_satisfy_requirements_as_a_partial_order() {
        // (held, required, satisfies)
        let table = [
            (Basic, Basic, true),
            (Basic, Standard, false),
            (Standard, Basic, true),
            (Standard, Enhanced, false),
            (Enhanced, Standard, true),
            (Enhanced, EnhancedAdults, false),
            (EnhancedAdults, Enhanced, true),
            (EnhancedAdults, EnhancedChildren, false),
            (EnhancedChildren, EnhancedAdults, false),
            (EnhancedChildren, EnhancedChildren, true),
            (EnhancedBoth, EnhancedAdults, true),
            (EnhancedBoth, EnhancedChildren, true),
            (EnhancedAdults, EnhancedBoth, false),
        ];
        for (held, required, want) in table {
            assert_eq!(held.satisfies(required), want, "{held:?} for {required:?}");
        }
        for level in DbsLevel::ALL {
            assert!(level.satisfies(level));
            assert!(level.satisfies(Basic));
        }
    }

    #[test]
    fn certificate_number_is_twelve_digits() {
        assert!(DbsCertificateNumber::parse("0012 3456 7890").is_ok());
        for bad in ["", "12345678901", "1234567890123", "00123456789X"] {
            assert_eq!(DbsCertificateNumber::parse(bad).unwrap_err().field, "certificate_number");
        }
    }

    fn check(level: DbsLevel, workforce: DbsWorkforce) -> DbsCheck {
        DbsCheck {
            level,
            certificate_number: DbsCertificateNumber::parse("001234567890").unwrap(),
            issued_on: "2025-01-10".parse().unwrap(),
            workforce,
            update_service: None,
        }
    }

    #[test]
    fn barred_list_checks_must_match_the_workforce() {
        use DbsWorkforce::*;
        let today = "2026-01-01".parse().unwrap();
        let table = [
            (Enhanced, Other, true),
            (EnhancedAdults, Adult, true),
            (EnhancedAdults, AdultAndChild, true),
            (EnhancedAdults, Child, false),
            (EnhancedChildren, Child, true),
            (EnhancedChildren, Adult, false),
            (EnhancedBoth, AdultAndChild, true),
            (EnhancedBoth, Adult, false),
            (EnhancedAdults, Other, false),
        ];
        for (level, workforce, ok) in table {
            let result = check(level, workforce).validate(today);
            assert_eq!(result.is_ok(), ok, "{level:?} {workforce:?}: {result:?}");
        }
    }

    #[test]
    fn update_service_status_check_moves_the_recheck_anchor() {
        let today = "2026-01-01".parse().unwrap();
        let mut c = check(Enhanced, DbsWorkforce::Adult);
        assert_eq!(c.recheck_anchor(), c.issued_on);
        c.update_service = Some(UpdateService {
            subscription_id: "C0123456789".into(),
            last_status_check_on: Some("2025-11-01".parse().unwrap()),
        });
        assert_eq!(c.recheck_anchor(), "2025-11-01".parse().unwrap());
        assert_eq!(c.validate(today), Ok(()));
        c.update_service.as_mut().unwrap().last_status_check_on = Some("2024-01-01".parse().unwrap());
        assert!(c.validate(today).unwrap_err().has_field("update_service.last_status_check_on"));
    }
}
