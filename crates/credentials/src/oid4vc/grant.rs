//! The issuer's rules for redeeming a pre-authorised code (OpenID4VCI §4.1.1, §6.1, §6.3,
//! §13.6.1): short-lived, single use, the transaction code (PIN) required exactly when the offer
//! said so, and a limited number of wrong PINs before the code is dead. Pure state and
//! transitions: the server keeps a [`PreAuthorizedGrant`] per offer in its store, calls
//! [`PreAuthorizedGrant::redeem`] inside the transaction that reads it, and writes it back
//! whatever the outcome, so attempts count even when redemption fails.
//!
//! Also [`NonceMinter`]: `c_nonce` values (§7.2) that need no storage, an HMAC over an expiry
//! and random bytes, checked with [`super::proof::NonceCheck::With`].

use aws_lc_rs::constant_time::verify_slices_are_equal;
use aws_lc_rs::hmac;
use aws_lc_rs::rand::{SecureRandom, SystemRandom};
use serde::{Deserialize, Serialize};

use super::oauth::{ErrorCode, OAuthError};
use super::vci::PreAuthorizedTokenRequest;
use crate::b64;

/// One pre-authorised code as the issuer keeps it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PreAuthorizedGrant {
    pub code: String,
    /// The PIN the offer requires, if any.
    pub tx_code: Option<String>,
    /// Unix seconds after which the code is dead.
    pub expires_at: i64,
    /// Wrong PINs still allowed; at 0 the code is locked.
    pub attempts_left: u32,
    pub used: bool,
}

/// How a redemption attempt ended, for the audit trail and the caller's store update.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Redeemed {
    /// Issue an access token for this grant.
    Ok,
    /// Refused; the error is the token endpoint's answer.
    Refused { error: OAuthError, reason: &'static str },
}

impl PreAuthorizedGrant {
    /// A fresh grant for `code`, valid for `ttl` seconds, with `max_attempts` PIN tries.
    pub fn new(code: &str, tx_code: Option<&str>, now: i64, ttl: i64, max_attempts: u32) -> Self {
        Self {
            code: code.to_owned(),
            tx_code: tx_code.map(str::to_owned),
            expires_at: now + ttl,
            attempts_left: max_attempts,
            used: false,
        }
    }

    /// Applies a token request to this grant (whose `code` the caller looked up by
    /// `req.pre_authorized_code`). §6.3: a missing or unexpected `tx_code` is
    /// `invalid_request`; a wrong one, an expired, used or locked code is `invalid_grant`
    /// (the same answer for each, so a guesser learns nothing).
    pub fn redeem(&mut self, req: &PreAuthorizedTokenRequest, now: i64) -> Redeemed {
        let refuse = |code: ErrorCode, reason: &'static str| {
            let description = match code {
                ErrorCode::InvalidGrant => "the pre-authorized code or transaction code is not valid",
                _ => reason,
            };
            Redeemed::Refused { error: OAuthError::new(code, description), reason }
        };
        if verify_slices_are_equal(self.code.as_bytes(), req.pre_authorized_code.as_bytes()).is_err() {
            return refuse(ErrorCode::InvalidGrant, "unknown code");
        }
        if self.used {
            return refuse(ErrorCode::InvalidGrant, "code already used");
        }
        if now >= self.expires_at {
            return refuse(ErrorCode::InvalidGrant, "code expired");
        }
        if self.attempts_left == 0 {
            return refuse(ErrorCode::InvalidGrant, "code locked after too many wrong PINs");
        }
        match (&self.tx_code, &req.tx_code) {
            (None, None) => {}
            (None, Some(_)) => return refuse(ErrorCode::InvalidRequest, "tx_code was not expected"),
            (Some(_), None) => return refuse(ErrorCode::InvalidRequest, "tx_code is required"),
            (Some(want), Some(got)) => {
                if verify_slices_are_equal(want.as_bytes(), got.as_bytes()).is_err() {
                    self.attempts_left -= 1;
                    return refuse(ErrorCode::InvalidGrant, "wrong PIN");
                }
            }
        }
        self.used = true;
        Redeemed::Ok
    }
}

/// Mints and checks stateless `c_nonce` values: `base64url(expiry ‖ 16 random bytes ‖ HMAC)`.
pub struct NonceMinter {
    key: hmac::Key,
    rng: SystemRandom,
}

impl std::fmt::Debug for NonceMinter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("NonceMinter")
    }
}

impl NonceMinter {
    /// A minter with a key of at least 32 bytes (e.g. from the server's secret store).
    pub fn new(key: &[u8]) -> Result<Self, crate::CredentialError> {
        if key.len() < 32 {
            return Err(crate::CredentialError::Key("nonce key must be at least 32 bytes".into()));
        }
        Ok(Self { key: hmac::Key::new(hmac::HMAC_SHA256, key), rng: SystemRandom::new() })
    }

    /// A nonce valid until `now + ttl`.
    pub fn mint(&self, now: i64, ttl: i64) -> String {
        let mut body = [0u8; 24];
        body[..8].copy_from_slice(&(now + ttl).to_be_bytes());
        // SystemRandom only fails when the OS has no entropy source at all.
        self.rng.fill(&mut body[8..]).expect("operating system randomness");
        let tag = hmac::sign(&self.key, &body);
        let mut out = body.to_vec();
        out.extend_from_slice(&tag.as_ref()[..16]);
        b64::encode(out)
    }

    /// True when `nonce` was minted with this key and has not expired.
    pub fn check(&self, nonce: &str, now: i64) -> bool {
        let Some(raw) = b64::decode(nonce).filter(|r| r.len() == 40) else { return false };
        let tag = hmac::sign(&self.key, &raw[..24]);
        if verify_slices_are_equal(&tag.as_ref()[..16], &raw[24..]).is_err() {
            return false;
        }
        let expiry = i64::from_be_bytes(raw[..8].try_into().unwrap_or_default());
        now < expiry
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn req(code: &str, pin: Option<&str>) -> PreAuthorizedTokenRequest {
        PreAuthorizedTokenRequest { pre_authorized_code: code.into(), tx_code: pin.map(str::to_owned) }
    }

    fn reason(r: Redeemed) -> (&'static str, String) {
        match r {
            Redeemed::Ok => ("ok", String::new()),
            Redeemed::Refused { error, reason } => (reason, error.error),
        }
    }

    #[test]
    fn single_use_short_lived_and_pin_limited() {
        let mut g = PreAuthorizedGrant::new("c1", Some("123456"), 1000, 600, 3);
        assert_eq!(reason(g.redeem(&req("c1", None), 1001)), ("tx_code is required", "invalid_request".into()));
        assert_eq!(reason(g.redeem(&req("c1", Some("000000")), 1001)), ("wrong PIN", "invalid_grant".into()));
        assert_eq!(g.attempts_left, 2);
        assert_eq!(reason(g.redeem(&req("c1", Some("123456")), 1002)), ("ok", String::new()));
        assert_eq!(reason(g.redeem(&req("c1", Some("123456")), 1003)).0, "code already used");

        let mut g = PreAuthorizedGrant::new("c2", Some("1"), 1000, 600, 2);
        g.redeem(&req("c2", Some("x")), 1001);
        g.redeem(&req("c2", Some("y")), 1001);
        assert_eq!(reason(g.redeem(&req("c2", Some("1")), 1002)).0, "code locked after too many wrong PINs");

        let mut g = PreAuthorizedGrant::new("c3", None, 1000, 600, 3);
        assert_eq!(
            reason(g.redeem(&req("c3", Some("1")), 1001)),
            ("tx_code was not expected", "invalid_request".into())
        );
        assert_eq!(reason(g.redeem(&req("c3", None), 1600)).0, "code expired");
        assert_eq!(reason(g.redeem(&req("c3", None), 1599)).0, "ok");
    }

    #[test]
    fn nonces_verify_until_expiry_and_only_under_their_key() {
        let m = NonceMinter::new(&[7u8; 32]).unwrap();
        let n = m.mint(1000, 300);
        assert!(m.check(&n, 1299));
        assert!(!m.check(&n, 1300));
        assert!(!NonceMinter::new(&[8u8; 32]).unwrap().check(&n, 1000));
        let mut bytes = b64::decode(&n).unwrap();
        bytes[0] ^= 1;
        assert!(!m.check(&b64::encode(bytes), 1000), "a pushed-back expiry breaks the tag");
        assert!(!m.check("not-a-nonce", 1000));
        assert!(NonceMinter::new(b"short").is_err());
    }
}
