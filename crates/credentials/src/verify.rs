//! The one verification entry point, [`verify_presentation`]: an SD-JWT VC with or without a
//! KB-JWT in, a [`Verified`] answer or the exact [`VerifyError`] out. Order of checks: shape →
//! header (`alg`, `typ`, `kid`) → trust list (issuer, key) → issuer signature → disclosures
//! (RFC 9901 §7.1) → validity times → key binding (§7.3) → status (status list §8).
//! Trust and status come in through traits so this stays pure; the server supplies cached data.

use serde_json::{Map, Value};

use crate::error::VerifyError;
use crate::jws::{CompactJws, Jwk};
use crate::sdjwt::{self, KbExpectations, process};
use crate::status::{Status, StatusRef};
use crate::vc::{LEGACY_VC_TYP, NEVER_DISCLOSABLE, VC_TYP};

pub use crate::status::StatusSource;
pub use crate::trust::TrustSource;

/// What the verifier expects; built per request.
#[derive(Debug, Clone)]
pub struct VerifyOptions {
    /// The nonce this verifier issued for the request; required whenever a KB-JWT is present.
    pub expected_nonce: Option<String>,
    /// This verifier's identifier, as the holder must have put it in `aud`.
    pub expected_aud: Option<String>,
    /// Unix seconds.
    pub now: i64,
    /// How old a KB-JWT `iat` may be (seconds).
    pub iat_window: u64,
    /// Tolerance for clocks ahead of ours (seconds), for `iat`, `nbf`, `exp`.
    pub clock_skew: u64,
    /// Accept `typ: vc+sd-jwt` from issuers on drafts before -06.
    pub accept_legacy_typ: bool,
    /// Refuse presentations without a KB-JWT.
    pub require_key_binding: bool,
}

impl VerifyOptions {
    /// Sensible defaults: key binding required, a 5-minute `iat` window, 60 s skew.
    pub fn new(now: i64, nonce: impl Into<String>, aud: impl Into<String>) -> Self {
        Self {
            expected_nonce: Some(nonce.into()),
            expected_aud: Some(aud.into()),
            now,
            iat_window: 300,
            clock_skew: 60,
            accept_legacy_typ: false,
            require_key_binding: true,
        }
    }
}

/// A verified presentation; serialises as the JSON the API and CLI print.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Verified {
    pub issuer: String,
    pub ods_code: String,
    pub organisation: String,
    pub vct: String,
    /// The processed payload: registered claims plus the disclosed claims, `_sd`/`_sd_alg` gone.
    pub claims: Value,
    pub cnf: Option<Jwk>,
    /// The status found in the list, when the credential references one.
    pub status: Option<Status>,
    /// Whether a KB-JWT was present and verified.
    pub key_bound: bool,
}

/// Verifies an SD-JWT VC presentation. See the module docs for the order of checks.
pub fn verify_presentation(
    input: &str,
    opts: &VerifyOptions,
    trust: &dyn TrustSource,
    status: &dyn StatusSource,
) -> Result<Verified, VerifyError> {
    let parts = sdjwt::split(input.trim())?;
    let jws = CompactJws::parse(parts.jwt)?;

    // SD-JWT VC §3.1: explicit typing.
    match jws.header_str("typ") {
        Some(VC_TYP) => {}
        Some(LEGACY_VC_TYP) if opts.accept_legacy_typ => {}
        other => return Err(VerifyError::TypInvalid(format!("typ {other:?}"))),
    }
    let kid = jws.header_str("kid").ok_or_else(|| VerifyError::KidMissing("no kid in header".into()))?;
    let mut payload: Map<String, Value> = crate::json::object_from_slice(&jws.payload)
        .map_err(|e| VerifyError::PayloadInvalid(format!("payload: {e}")))?;
    // The issuer is read before the signature is checked only to choose the key.
    let iss = match payload.get("iss") {
        Some(Value::String(s)) => s.clone(),
        _ => return Err(VerifyError::ClaimMissing("iss".into())),
    };
    let resolved = trust.resolve(&iss, kid)?;
    if !jws.verify_with(&resolved.key)? {
        return Err(VerifyError::SignatureInvalid("issuer signature does not verify".into()));
    }

    // From here on the payload is authentic.
    let vct = match payload.get("vct") {
        Some(Value::String(s)) => s.clone(),
        _ => return Err(VerifyError::ClaimMissing("vct".into())),
    };
    let time = |name: &str| -> Result<Option<i64>, VerifyError> {
        match payload.get(name) {
            None => Ok(None),
            Some(v) => {
                v.as_i64().map(Some).ok_or_else(|| VerifyError::PayloadInvalid(format!("{name} is not a number")))
            }
        }
    };
    let (iat, nbf, exp) = (time("iat")?, time("nbf")?, time("exp")?);
    let skew = opts.clock_skew as i64;
    if let Some(exp) = exp
        && opts.now >= exp + skew
    {
        return Err(VerifyError::Expired(format!("exp {exp}")));
    }
    if let Some(nbf) = nbf
        && opts.now + skew < nbf
    {
        return Err(VerifyError::NotYetValid(format!("nbf {nbf}")));
    }
    if let Some(iat) = iat {
        if opts.now + skew < iat {
            return Err(VerifyError::IssuedInFuture(format!("iat {iat}")));
        }
        // Rotation: a retired key vouches only for what it signed before retirement.
        if let Some(retired) = resolved.retired_at
            && iat >= retired
        {
            return Err(VerifyError::KeyRetired(format!("key retired at {retired}, credential iat {iat}")));
        }
    } else if resolved.retired_at.is_some() {
        return Err(VerifyError::KeyRetired("retired key and no iat to date the credential".into()));
    }
    let cnf = match payload.get("cnf") {
        None => None,
        Some(c) => Some(
            c.get("jwk")
                .and_then(|j| serde_json::from_value::<Jwk>(j.clone()).ok())
                .ok_or_else(|| VerifyError::PayloadInvalid("cnf has no usable jwk".into()))?,
        ),
    };
    let status_ref = payload.remove("status").map(|s| StatusRef::from_claim(&s)).transpose()?;

    let plain: Vec<&str> = NEVER_DISCLOSABLE.iter().copied().filter(|n| payload.contains_key(*n)).collect();
    let mut claims = process::process(payload, &parts.disclosures)?;
    // SD-JWT VC §3.2.2.2: registered claims are never selectively disclosable; one that appears
    // only through a disclosure was not checked above, so the credential is refused.
    if let Some(name) =
        NEVER_DISCLOSABLE.iter().find(|n| **n != "status" && claims.contains_key(**n) && !plain.contains(n))
    {
        return Err(VerifyError::DisclosureReservedName(format!("registered claim {name} must not be disclosable")));
    }
    if status_ref.is_none() && claims.contains_key("status") {
        return Err(VerifyError::DisclosureReservedName("registered claim status must not be disclosable".into()));
    }

    // RFC 9901 §7.3: key binding.
    let key_bound = match parts.kb_jwt {
        None if opts.require_key_binding => return Err(VerifyError::KeyBindingRequired("no KB-JWT".into())),
        None => false,
        Some(kb_jwt) => {
            let cnf = cnf.as_ref().ok_or_else(|| VerifyError::CnfMissing("KB-JWT presented but no cnf.jwk".into()))?;
            let expect = KbExpectations {
                nonce: opts.expected_nonce.as_deref(),
                aud: opts.expected_aud.as_deref(),
                now: opts.now,
                iat_window: opts.iat_window,
                clock_skew: opts.clock_skew,
            };
            sdjwt::kb::verify(kb_jwt, parts.presented, cnf, &expect)?;
            true
        }
    };

    // Status list §8.3: 0 valid, 1 invalid, 2 suspended, 3 application-specific.
    let status_found = match &status_ref {
        None => None,
        Some(r) => {
            let s = Status::from_bits(status.status(&iss, &r.uri, r.idx)?);
            match s {
                Status::Valid => {}
                Status::Revoked => return Err(VerifyError::Revoked(format!("index {}", r.idx))),
                Status::Suspended => return Err(VerifyError::Suspended(format!("index {}", r.idx))),
                Status::ApplicationSpecific => return Err(VerifyError::StatusUnknown(format!("index {}", r.idx))),
            }
            claims.insert("status".into(), r.to_claim());
            Some(s)
        }
    };

    Ok(Verified {
        issuer: iss,
        ods_code: resolved.ods_code,
        organisation: resolved.organisation,
        vct,
        claims: Value::Object(claims),
        cnf,
        status: status_found,
        key_bound,
    })
}
