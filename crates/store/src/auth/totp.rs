//! TOTP second factors for the portal (RFC 6238 over HOTP, RFC 4226): HMAC-SHA-1, 30-second steps,
//! six digits, one step of clock drift either side, and no code accepted twice (`last_step`).
//!
//! An admin marks a user, or the whole organisation, as required to use one ([`Auth::set_totp_required`],
//! [`Auth::set_org_totp_required`]); the user then enrols
//! at their next sign-in (a fresh secret shown once as an `otpauth://` link, confirmed by a correct
//! code). Wrong codes count against the same login throttle as wrong passwords.
//!
//! The secret is kept as hex in `user_totp.secret`. It is a shared secret the server must read back to
//! check codes, so it cannot be hashed like a password.

use hmac::{Hmac, Mac};
use rand::RngCore;
use sha1::Sha1;
use sqlx::Row;

use super::Auth;
use crate::audit::{self, Event};
use crate::db;
use crate::error::{Result, StoreError};
use crate::scope::OrgScope;

/// RFC 6238 §4.1: X, the time step.
pub const TOTP_STEP_SECS: i64 = 30;
/// Digits of a code (what authenticator apps show by default).
pub const TOTP_DIGITS: u32 = 6;
/// Bytes of a new secret (RFC 4226 §4 recommends 160 bits).
const SECRET_BYTES: usize = 20;

/// The HOTP value of `counter` under `key` (RFC 4226 §5.3: dynamic truncation), `digits` long.
pub fn hotp(key: &[u8], counter: u64, digits: u32) -> String {
    let mut mac = Hmac::<Sha1>::new_from_slice(key).expect("HMAC takes keys of any length");
    mac.update(&counter.to_be_bytes());
    let hash = mac.finalize().into_bytes();
    let offset = usize::from(hash[19] & 0x0f);
    let binary = (u32::from(hash[offset] & 0x7f) << 24)
        | (u32::from(hash[offset + 1]) << 16)
        | (u32::from(hash[offset + 2]) << 8)
        | u32::from(hash[offset + 3]);
    let code = binary % 10u32.pow(digits);
    format!("{code:0width$}", width = digits as usize)
}

/// The time step containing `unix` (RFC 6238 §4.2, T0 = 0).
pub fn totp_step(unix: i64) -> i64 {
    unix.div_euclid(TOTP_STEP_SECS)
}

/// The TOTP code at `unix` (RFC 6238 §4.2).
pub fn totp_at(key: &[u8], unix: i64, digits: u32) -> String {
    hotp(key, totp_step(unix) as u64, digits)
}

const BASE32: &[u8; 32] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

/// RFC 4648 §6 base32 without padding, as `otpauth://` links carry secrets.
pub fn base32_encode(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len().div_ceil(5) * 8);
    let (mut buffer, mut bits) = (0u32, 0u32);
    for &byte in bytes {
        buffer = (buffer << 8) | u32::from(byte);
        bits += 8;
        while bits >= 5 {
            bits -= 5;
            out.push(char::from(BASE32[((buffer >> bits) & 31) as usize]));
        }
    }
    if bits > 0 {
        out.push(char::from(BASE32[((buffer << (5 - bits)) & 31) as usize]));
    }
    out
}

/// Decodes [`base32_encode`]'s output (case-insensitive, spaces and padding ignored).
pub fn base32_decode(text: &str) -> Option<Vec<u8>> {
    let mut out = Vec::new();
    let (mut buffer, mut bits) = (0u32, 0u32);
    for c in text.chars().filter(|c| !c.is_whitespace() && *c != '=') {
        let value = BASE32.iter().position(|&b| char::from(b) == c.to_ascii_uppercase())? as u32;
        buffer = (buffer << 5) | value;
        bits += 5;
        if bits >= 8 {
            bits -= 8;
            out.push((buffer >> bits) as u8);
        }
    }
    Some(out)
}

/// A user's second factor as sign-in needs it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct TotpState {
    /// An admin requires this user to use a second factor.
    pub required: bool,
    /// The user has a confirmed authenticator.
    pub enrolled: bool,
}

/// A secret being enrolled: show `secret` (base32) or `otpauth_uri` to the user once.
#[derive(Debug, Clone)]
pub struct TotpEnrolment {
    pub secret: String,
    pub otpauth_uri: String,
}

/// The step a code matches, within one step either side of `now`.
fn matching_step(key: &[u8], code: &str, now: i64) -> Option<i64> {
    let code = code.trim().replace(' ', "");
    if code.len() != TOTP_DIGITS as usize || !code.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let here = totp_step(now);
    [here, here - 1, here + 1]
        .into_iter()
        .find(|&step| step >= 0 && constant_time_eq(hotp(key, step as u64, TOTP_DIGITS).as_bytes(), code.as_bytes()))
}

pub(crate) fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

impl Auth<'_> {
    /// Whether `user_id` must, and can, give a second factor: required when the user's own flag or
    /// their organisation's ([`Auth::set_org_totp_required`]) is set.
    pub async fn totp_state(&self, user_id: &str) -> Result<TotpState> {
        let row = sqlx::query(
            "SELECT COALESCE(t.required, 0) AS required, t.confirmed_at, COALESCE(o.totp_required, 0) AS org_required \
             FROM users u LEFT JOIN user_totp t ON t.user_id = u.id LEFT JOIN organisations o ON o.id = u.org_id \
             WHERE u.id = $1",
        )
        .bind(user_id)
        .fetch_optional(&self.store.pool)
        .await?;
        Ok(match row {
            None => TotpState::default(),
            Some(row) => TotpState {
                required: row.try_get::<i64, _>("required")? != 0 || row.try_get::<i64, _>("org_required")? != 0,
                enrolled: row.try_get::<Option<String>, _>("confirmed_at")?.is_some(),
            },
        })
    }

    /// Whether the scope's organisation requires a second factor of all its users.
    pub async fn org_totp_required(&self, scope: &OrgScope) -> Result<bool> {
        let row = sqlx::query("SELECT totp_required FROM organisations WHERE id = $1")
            .bind(scope.org_id())
            .fetch_optional(&self.store.pool)
            .await?
            .ok_or(StoreError::NotFound)?;
        Ok(row.try_get::<i64, _>("totp_required")? != 0)
    }

    /// Requires (or stops requiring) a second factor of every user of the scope's organisation;
    /// each then enrols at their next sign-in. Audited on the organisation's chain.
    pub async fn set_org_totp_required(&self, scope: &OrgScope, required: bool) -> Result<()> {
        let mut tx = db::begin(&self.store.pool, self.store.backend).await?;
        let done = sqlx::query("UPDATE organisations SET totp_required = $2 WHERE id = $1")
            .bind(scope.org_id())
            .bind(i64::from(required))
            .execute(&mut *tx)
            .await?;
        if done.rows_affected() == 0 {
            return Err(StoreError::NotFound);
        }
        let action = if required { "organisation.totp_require" } else { "organisation.totp_unrequire" };
        audit::append(
            &mut tx,
            scope.org_id(),
            scope.actor(),
            Event { action, subject_type: "organisation", subject_id: Some(scope.org_id()) },
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Requires (or stops requiring) a second factor of a user of the scope's organisation. Audited.
    pub async fn set_totp_required(&self, scope: &OrgScope, user_id: &str, required: bool) -> Result<()> {
        let mut tx = db::begin(&self.store.pool, self.store.backend).await?;
        sqlx::query("SELECT id FROM users WHERE org_id = $1 AND id = $2")
            .bind(scope.org_id())
            .bind(user_id)
            .fetch_optional(&mut *tx)
            .await?
            .ok_or(StoreError::NotFound)?;
        sqlx::query(
            "INSERT INTO user_totp (user_id, required, last_step) VALUES ($1, $2, 0) \
             ON CONFLICT (user_id) DO UPDATE SET required = $2",
        )
        .bind(user_id)
        .bind(i64::from(required))
        .execute(&mut *tx)
        .await?;
        let action = if required { "user.totp_require" } else { "user.totp_unrequire" };
        audit::append(
            &mut tx,
            scope.org_id(),
            scope.actor(),
            Event { action, subject_type: "user", subject_id: Some(user_id) },
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Starts (or restarts, while unconfirmed) enrolment: a fresh secret for `user_id`. Refused
    /// (`Conflict`) once a confirmed authenticator exists: replacing it is an admin's reset.
    pub async fn begin_totp_enrolment(&self, user_id: &str, issuer: &str, account: &str) -> Result<TotpEnrolment> {
        let mut secret = [0u8; SECRET_BYTES];
        rand::rngs::OsRng.fill_bytes(&mut secret);
        let done = sqlx::query(
            "INSERT INTO user_totp (user_id, required, secret, last_step) VALUES ($1, 0, $2, 0) \
             ON CONFLICT (user_id) DO UPDATE SET secret = $2 WHERE user_totp.confirmed_at IS NULL",
        )
        .bind(user_id)
        .bind(hex::encode(secret))
        .execute(&self.store.pool)
        .await?;
        if done.rows_affected() == 0 {
            return Err(StoreError::Conflict { field: "totp".into(), problem: "already enrolled".into() });
        }
        let secret = base32_encode(&secret);
        let label = percent(&format!("{issuer}:{account}"));
        let otpauth_uri = format!(
            "otpauth://totp/{label}?secret={secret}&issuer={}&algorithm=SHA1&digits={TOTP_DIGITS}&period={TOTP_STEP_SECS}",
            percent(issuer)
        );
        Ok(TotpEnrolment { secret, otpauth_uri })
    }

    /// Checks a code of `user_id` at `now` (Unix seconds). On the first correct code of an enrolment
    /// the authenticator becomes confirmed. A code is accepted once; wrong codes count against the
    /// login throttle (account key `totp:{user_id}`) and `Unauthenticated` is all the caller learns.
    pub async fn verify_totp(&self, user_id: &str, code: &str, now: i64) -> Result<()> {
        let key = format!("totp:{user_id}");
        let guard = &self.store.auth_settings.guard;
        guard.check(Some(&key), self.client)?;
        let row = sqlx::query("SELECT secret, last_step FROM user_totp WHERE user_id = $1")
            .bind(user_id)
            .fetch_optional(&self.store.pool)
            .await?;
        let matched = match &row {
            Some(row) => {
                let secret: Option<String> = row.try_get("secret")?;
                let last: i64 = row.try_get("last_step")?;
                let secret = secret.and_then(|s| hex::decode(s).ok()).unwrap_or_default();
                matching_step(&secret, code, now).filter(|&step| !secret.is_empty() && step > last)
            }
            None => None,
        };
        let Some(step) = matched else {
            guard.failed(Some(&key), self.client);
            return Err(StoreError::Unauthenticated);
        };
        // The step only moves forward, so two requests racing with one code cannot both pass.
        let done = sqlx::query(
            "UPDATE user_totp SET last_step = $2, confirmed_at = COALESCE(confirmed_at, $3) \
             WHERE user_id = $1 AND last_step < $2",
        )
        .bind(user_id)
        .bind(step)
        .bind(db::now())
        .execute(&self.store.pool)
        .await?;
        if done.rows_affected() == 0 {
            guard.failed(Some(&key), self.client);
            return Err(StoreError::Unauthenticated);
        }
        guard.succeeded(Some(&key));
        Ok(())
    }
}

fn percent(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' | b'@' => char::from(b).to_string(),
            other => format!("%{other:02X}"),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// RFC 6238 Appendix B, the SHA-1 rows (8 digits, key "12345678901234567890").
    #[test]
    fn rfc_6238_appendix_b_sha1_vectors() {
        let key = b"12345678901234567890";
        for (unix, code) in [
            (59, "94287082"),
            (1_111_111_109, "07081804"),
            (1_111_111_111, "14050471"),
            (1_234_567_890, "89005924"),
            (2_000_000_000, "69279037"),
            (20_000_000_000, "65353130"),
        ] {
            assert_eq!(totp_at(key, unix, 8), code, "T = {unix}");
        }
    }

    /// RFC 4226 Appendix D: HOTP values of counters 0..9 (6 digits).
    #[test]
    fn rfc_4226_appendix_d_hotp_vectors() {
        let key = b"12345678901234567890";
        let expected =
            ["755224", "287082", "359152", "969429", "338314", "254676", "287922", "162583", "399871", "520489"];
        for (counter, code) in expected.iter().enumerate() {
            assert_eq!(hotp(key, counter as u64, 6), *code);
        }
    }

    #[test]
    fn base32_round_trips_and_matches_rfc_4648() {
        // RFC 4648 §10 (without padding).
        assert_eq!(base32_encode(b"foobar"), "MZXW6YTBOI");
        assert_eq!(base32_encode(b"f"), "MY");
        assert_eq!(base32_decode("mzxw6ytboi======").unwrap(), b"foobar");
        let key = [7u8, 200, 13, 0, 255, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15];
        assert_eq!(base32_decode(&base32_encode(&key)).unwrap(), key);
        assert!(base32_decode("not base32!").is_none());
    }

    #[test]
    fn codes_match_one_step_either_side_only() {
        let key = b"12345678901234567890";
        let now = 1_234_567_890;
        let here = totp_step(now);
        for step in [here - 1, here, here + 1] {
            let code = hotp(key, step as u64, TOTP_DIGITS);
            assert_eq!(matching_step(key, &code, now), Some(step));
        }
        for step in [here - 2, here + 2] {
            let code = hotp(key, step as u64, TOTP_DIGITS);
            assert_eq!(matching_step(key, &code, now), None);
        }
        assert_eq!(matching_step(key, "12345", now), None);
        assert_eq!(matching_step(key, "abcdef", now), None);
    }
}
