//! The password rule, after the NCSC's password guidance: a length of at least ten characters, no
//! composition rules (no demands for digits or symbols, which push people to predictable patterns), and a
//! deny list of the most common passwords. A common password with digits or symbols stuck on the end
//! (`password12`, `manchester1!`) is refused too: it is the first variant any guessing list tries.
//!
//! The list (`common-passwords.txt`, 10,000 entries, its source and MIT licence in its header) is compiled
//! into the binary and loaded into a set on first use.

use std::collections::HashSet;
use std::sync::OnceLock;

use crate::error::{Result, StoreError};

pub const MIN_PASSWORD_LEN: usize = 10;
/// Bounds the work one hash can be made to do; far above any passphrase.
pub const MAX_PASSWORD_LEN: usize = 256;

const LIST: &str = include_str!("common-passwords.txt");

fn common() -> &'static HashSet<&'static str> {
    static SET: OnceLock<HashSet<&'static str>> = OnceLock::new();
    SET.get_or_init(|| LIST.lines().filter(|l| !l.is_empty() && !l.starts_with('#')).collect())
}

/// How many passwords the deny list holds.
pub fn common_password_count() -> usize {
    common().len()
}

/// Refuses a password a new or changed account may not have; the error names `password`.
pub fn check(password: &str) -> Result<()> {
    let length = password.chars().count();
    if length < MIN_PASSWORD_LEN {
        return Err(StoreError::invalid("password", format!("must be at least {MIN_PASSWORD_LEN} characters")));
    }
    if length > MAX_PASSWORD_LEN {
        return Err(StoreError::invalid("password", format!("must be at most {MAX_PASSWORD_LEN} characters")));
    }
    let lower = password.trim().to_lowercase();
    if common().contains(lower.as_str()) {
        return Err(StoreError::invalid(
            "password",
            "is one of the most commonly used passwords; choose another (three random words work well)",
        ));
    }
    let stem = lower.trim_end_matches(|c: char| c.is_ascii_digit() || c.is_ascii_punctuation() || c == ' ');
    if stem.chars().count() >= 4 && stem.len() < lower.len() && common().contains(stem) {
        return Err(StoreError::invalid(
            "password",
            "is a commonly used password with digits or symbols added; choose another (three random words work well)",
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn refused(password: &str) -> bool {
        matches!(check(password), Err(StoreError::Invalid(e)) if e.field == "password")
    }

    #[test]
    fn common_passwords_and_their_variants_are_refused() {
        for password in ["password12", "Password12", "qwertyuiop", "1234567890", "manchester1!", "iloveyou2024"] {
            assert!(refused(password), "{password} accepted");
        }
    }

    #[test]
    fn long_uncommon_passwords_pass_without_composition_rules() {
        for password in ["correct horse battery staple", "tangerine lighthouse", "zqvkplmrtx"] {
            assert!(check(password).is_ok(), "{password} refused");
        }
        assert!(refused("short1!"));
        assert!(refused(&"x".repeat(MAX_PASSWORD_LEN + 1)));
    }

    #[test]
    fn the_list_is_loaded() {
        assert_eq!(common_password_count(), 10_000);
    }
}
