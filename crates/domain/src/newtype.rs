//! Plumbing shared by the validated string newtypes (`OdsCode`, `NiNumber`, …).
//!
//! Each newtype writes its own `parse(&str) -> Result<Self, FieldError>`; this macro adds the
//! conversions the contract promises (`as_str`, `Display`, `FromStr`, serde through
//! `try_from = "String"` / `into = "String"`). It must not hold any validation rule itself.

/// Implements `as_str`, `Display`, `FromStr`, `AsRef<str>`, `TryFrom<String>` and `From<T> for String`
/// for a tuple struct `T(String)` that has an inherent `parse(&str) -> Result<T, FieldError>`.
macro_rules! string_newtype {
    ($name:ident) => {
        impl $name {
            /// The normalised text.
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl ::std::fmt::Display for $name {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl ::std::str::FromStr for $name {
            type Err = $crate::error::FieldError;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                Self::parse(s)
            }
        }

        impl AsRef<str> for $name {
            fn as_ref(&self) -> &str {
                &self.0
            }
        }

        impl TryFrom<String> for $name {
            type Error = $crate::error::FieldError;
            fn try_from(s: String) -> Result<Self, Self::Error> {
                Self::parse(&s)
            }
        }

        impl From<$name> for String {
            fn from(v: $name) -> String {
                v.0
            }
        }
    };
}

pub(crate) use string_newtype;

/// Checks a free-text field: trimmed, non-empty, at most `max` characters, no control characters.
pub(crate) fn check_text(field: &str, value: &str, max: usize) -> Result<(), crate::FieldError> {
    let trimmed = value.trim();
    if trimmed.is_empty() {
        return Err(crate::FieldError::new(field, "must not be empty"));
    }
    if trimmed.chars().count() > max {
        return Err(crate::FieldError::new(field, format!("must be at most {max} characters")));
    }
    if value.chars().any(char::is_control) {
        return Err(crate::FieldError::new(field, "must not contain control characters"));
    }
    Ok(())
}

/// Like [`check_text`] for an optional field: `None` is fine, `Some("")` is not.
pub(crate) fn check_optional_text(field: &str, value: Option<&str>, max: usize) -> Result<(), crate::FieldError> {
    value.map_or(Ok(()), |v| check_text(field, v, max))
}

/// Refuses a date after `today`.
pub(crate) fn not_future(
    field: &str,
    date: chrono::NaiveDate,
    today: chrono::NaiveDate,
) -> Result<(), crate::FieldError> {
    if date > today {
        Err(crate::FieldError::new(field, format!("{date} is in the future (today is {today})")))
    } else {
        Ok(())
    }
}
