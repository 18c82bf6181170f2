//! Right to work check (domain.md §3.2).
//!
//! Time-limited permission carries its expiry date, and that date is the check's own expiry.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::error::ValidationErrors;

/// How right to work was checked.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum RightToWorkRoute {
    /// Original documents checked by hand.
    ManualDocument,
    /// Home Office online check with a share code.
    HomeOfficeOnline,
    /// A digital identity service provider (British and Irish passports only).
    Idsp,
}

/// Kind of permission to work.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum RightToWorkPermission {
    Unlimited,
    TimeLimited,
}

/// The typed details of a right to work check.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RightToWorkCheck {
    pub route: RightToWorkRoute,
    pub permission: RightToWorkPermission,
    /// End of a time-limited permission; must be absent for unlimited permission.
    #[serde(default)]
    pub permission_expires_on: Option<NaiveDate>,
    /// When to check again (time-limited permission), on or before the permission's end.
    #[serde(default)]
    pub follow_up_on: Option<NaiveDate>,
    /// Home Office share code used for an online check (9 letters and digits).
    #[serde(default)]
    pub share_code: Option<String>,
}

impl RightToWorkCheck {
    /// The date permission ends, for time-limited permission.
    pub fn expires_on(&self) -> Option<NaiveDate> {
        match self.permission {
            RightToWorkPermission::TimeLimited => self.permission_expires_on,
            RightToWorkPermission::Unlimited => None,
        }
    }

    pub fn validate(&self) -> Result<(), ValidationErrors> {
        let mut errors = ValidationErrors::new();
        match (self.permission, self.permission_expires_on) {
            (RightToWorkPermission::TimeLimited, None) => {
                errors.add("permission_expires_on", "is required for time-limited permission");
            }
            (RightToWorkPermission::Unlimited, Some(_)) => {
                errors.add("permission_expires_on", "must be empty for unlimited permission");
            }
            _ => {}
        }
        if let Some(follow_up) = self.follow_up_on {
            if self.permission == RightToWorkPermission::Unlimited {
                errors.add("follow_up_on", "is only for time-limited permission");
            }
            if let Some(end) = self.permission_expires_on
                && follow_up > end
            {
                errors.add("follow_up_on", format!("{follow_up} is after the permission ends on {end}"));
            }
        }
        if self.route == RightToWorkRoute::Idsp && self.permission == RightToWorkPermission::TimeLimited {
            errors
                .add("route", "an IDSP check covers British and Irish passports only, which give unlimited permission");
        }
        if let Some(code) = &self.share_code {
            let compact: Vec<char> = code.chars().filter(|c| !c.is_whitespace()).collect();
            if compact.len() != 9 || !compact.iter().all(char::is_ascii_alphanumeric) {
                errors.add("share_code", "must be 9 letters and digits");
            }
        } else if self.route == RightToWorkRoute::HomeOfficeOnline {
            errors.add("share_code", "is required for a Home Office online check");
        }
        errors.into_result()
    }
}
