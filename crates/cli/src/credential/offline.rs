//! `passport verify --trust-list … --operator-jwk …`: verification as an outside party does it, with
//! no account and no database. The registry's trust list is checked against the operator key the
//! verifier was configured with (never one fetched alongside it); the credential's status list token
//! is fetched from the URI the credential names and checked with the issuer key the trust list
//! lists for the `kid` in its header.

use std::path::Path;

use anyhow::Context;
use credentials::VerifyError;
use credentials::jws::Jwk;
use credentials::sdjwt::SdJwt;
use credentials::status::{StatusList, StatusRef, StatusSource, read_signed, verify_issuer_status_list};
use credentials::trust::{TrustIndex, TrustList};
use credentials::verify::{Verified, VerifyOptions, verify_presentation};
use serde_json::Value;

/// The one status list a presentation refers to, or why it could not be had.
struct Fetched {
    uri: String,
    /// The credential issuer whose key the list was verified with.
    signed_by: String,
    list: Result<StatusList, VerifyError>,
}

impl StatusSource for Fetched {
    fn status(&self, iss: &str, uri: &str, idx: u64) -> Result<u8, VerifyError> {
        if uri != self.uri {
            return Err(VerifyError::StatusUnavailable("no list for that uri".into()));
        }
        read_signed(&self.signed_by, self.list.as_ref().map_err(Clone::clone)?, iss, idx)
    }
}

pub(crate) async fn fetch(source: &str) -> anyhow::Result<String> {
    if source.starts_with("http://") || source.starts_with("https://") {
        let response = reqwest::get(source).await.with_context(|| format!("fetching {source}"))?;
        Ok(response.error_for_status()?.text().await?.trim().to_owned())
    } else {
        Ok(std::fs::read_to_string(source).with_context(|| format!("reading {source}"))?.trim().to_owned())
    }
}

/// A JWK file, or a JWKS file whose first key is taken.
pub(crate) fn operator_key(path: &Path) -> anyhow::Result<Jwk> {
    let value: Value = serde_json::from_str(&std::fs::read_to_string(path)?).context("operator key is not JSON")?;
    let jwk = value.get("keys").and_then(|k| k.get(0)).cloned().unwrap_or(value);
    serde_json::from_value(jwk).context("operator key is not a JWK")
}

/// The status list the presentation points at, fetched and verified with the key the trust list names.
async fn status_of(presentation: &str, trust: &TrustIndex, now: i64) -> Option<Fetched> {
    let payload = SdJwt::parse(presentation).ok()?.unverified_payload().ok()?;
    let iss = payload.get("iss")?.as_str()?.to_owned();
    let status = StatusRef::from_claim(payload.get("status")?).ok()?;
    let list = async {
        let token =
            fetch(&status.uri).await.map_err(|e| VerifyError::StatusUnavailable(format!("{}: {e}", status.uri)))?;
        Ok(verify_issuer_status_list(&token, &status.uri, &iss, trust, now)?.list)
    }
    .await;
    Some(Fetched { uri: status.uri, signed_by: iss, list })
}

/// Verifies offline; `Err` of the inner result is the rejection. Returns the trust list issuer (the
/// registry's base URL) alongside, for naming passport types.
pub async fn verify(
    presentation: &str,
    nonce: Option<&str>,
    aud: Option<&str>,
    trust_list: &str,
    operator: &Path,
) -> anyhow::Result<(Result<Verified, VerifyError>, String)> {
    let now = chrono::Utc::now().timestamp();
    let token = fetch(trust_list).await?;
    let list = match TrustList::verify(&token, &operator_key(operator)?, now) {
        Ok(list) => list,
        Err(e) => return Ok((Err(e), String::new())),
    };
    let index = match TrustIndex::new(&list) {
        Ok(index) => index,
        Err(e) => return Ok((Err(e), list.iss)),
    };
    let statuses = status_of(presentation, &index, now).await.unwrap_or(Fetched {
        uri: String::new(),
        signed_by: String::new(),
        list: Err(VerifyError::StatusUnavailable("none".into())),
    });
    let mut opts = VerifyOptions::new(now, nonce.unwrap_or_default(), aud.unwrap_or_default());
    opts.expected_nonce = nonce.map(str::to_owned);
    opts.expected_aud = aud.map(str::to_owned);
    opts.require_key_binding = nonce.is_some();
    Ok((verify_presentation(presentation, &opts, &index, &statuses), list.iss))
}
