//! Status lists on every path that needs one: the one URI layout and its parser, the one builder
//! from the ledger's rows, the signed token we publish, and the lists a verification reads.
//!
//! Verification ([`for_presentations`]) reads a credential's status only from a list signed by the
//! credential's own issuer (draft-ietf-oauth-status-list §8.3): a list of one of this deployment's
//! organisations is read from the ledger (through the verifier's cache) and held as that
//! organisation's; any other is fetched over HTTP from a trusted issuer, verified with that
//! issuer's key and cached within its `ttl`/`exp` ([`crate::federation`]). Which list a credential
//! may use is then decided in `credentials::status::read_signed`, never here by URI.

use std::collections::HashMap;
use std::sync::Arc;

use credentials::VerifyError;
use credentials::status::{
    StatusList, StatusListTokenSpec, StatusRef, StatusSource, issue_status_list_token, read_signed,
};
use domain::org::OdsCode;
use store::{Organisation, StatusListRows};

use crate::AppState;
use crate::error::ApiError;
use crate::federation::TrustView;
use crate::issuer::{issuer_id, signer_for};

/// How long a verifier may cache a status list token we publish (§5.1 `ttl`).
pub const STATUS_LIST_TTL_SECS: u64 = 300;
/// How long a status list token we publish is valid (§5.1 `exp`).
const STATUS_LIST_LIFETIME_SECS: i64 = 24 * 3600;

/// Where an organisation's list is served: `{base}/statuslists/{ODS}/{list}`.
pub fn uri(base: &str, ods: &str, list_id: i64) -> String {
    format!("{base}/statuslists/{ods}/{list_id}")
}

/// The organisation and list a URI names, when it is one of this deployment's (`base`).
pub fn parse(base: &str, uri: &str) -> Option<(OdsCode, i64)> {
    let rest = uri.strip_prefix(base)?.strip_prefix("/statuslists/")?;
    let (ods, list) = rest.split_once('/')?;
    let list_id = list.parse::<i64>().ok().filter(|n| *n >= 0)?;
    Some((OdsCode::parse(ods).ok()?, list_id))
}

/// The bit-packed list (2 bits an entry) of the ledger's rows.
pub fn build(rows: &StatusListRows) -> Result<StatusList, ApiError> {
    let internal = |e: credentials::CredentialError| ApiError::Internal(e.to_string());
    let mut list = StatusList::new(rows.size.max(0) as usize, 2).map_err(internal)?;
    for (idx, status) in &rows.entries {
        list.set(*idx as usize, status.bits()).map_err(internal)?;
    }
    Ok(list)
}

/// The signed status list token of an organisation's list; `NotFound` if there is no such list.
pub async fn token(state: &AppState, org: &Organisation, list_id: i64) -> Result<String, ApiError> {
    let code = &org.ods_code;
    let rows = state.store.issuing().status_list(&org.id, list_id).await?.ok_or(ApiError::NotFound)?;
    let list = build(&rows)?;
    let key = signer_for(state, &org.id).await?;
    let base = state.public_url();
    let now = (state.clock)().timestamp();
    let (uri, iss) = (uri(base, code.as_str(), list_id), issuer_id(base, code.as_str()));
    let spec = StatusListTokenSpec {
        uri: &uri,
        iss: Some(&iss),
        iat: now,
        exp: Some(now + STATUS_LIST_LIFETIME_SECS),
        ttl: Some(STATUS_LIST_TTL_SECS),
    };
    issue_status_list_token(&list, &spec, &key).map_err(|e| ApiError::Internal(e.to_string()))
}

/// The lists some presentations point at, by URI, each with the issuer that signed it.
#[derive(Debug, Default)]
pub struct Lists(HashMap<String, (String, Arc<StatusList>)>);

impl Lists {
    pub fn insert(&mut self, signed_by: String, uri: String, list: Arc<StatusList>) {
        self.0.insert(uri, (signed_by, list));
    }
}

impl StatusSource for Lists {
    fn status(&self, iss: &str, uri: &str, idx: u64) -> Result<u8, VerifyError> {
        let (signed_by, list) =
            self.0.get(uri).ok_or_else(|| VerifyError::StatusUnavailable("no list for that uri".into()))?;
        read_signed(signed_by, list, iss, idx)
    }
}

/// The status lists `presentations` (SD-JWTs) refer to: ours from the ledger, others fetched from
/// trusted issuers. A list that cannot be had is simply absent, and the verifier then answers
/// `status_unavailable` for the credential that needed it.
pub async fn for_presentations<'a>(
    state: &AppState,
    presentations: impl IntoIterator<Item = &'a str>,
    trust: &TrustView,
) -> Result<Lists, ApiError> {
    let mut out = Lists::default();
    let base = state.public_url().to_owned();
    let now = (state.clock)().timestamp();
    for text in presentations {
        let Some((iss, status)) = StatusRef::peek_issued(text) else { continue };
        if out.0.contains_key(&status.uri) {
            continue;
        }
        if let Some((ods, list_id)) = parse(&base, &status.uri) {
            let Ok(org) = crate::oid4vci::organisation(state, ods.as_str()).await else { continue };
            if let Some(list) = state.verifier.status_cache().list(&state.store, &org.id, list_id).await? {
                // Held as the list's owner's: a credential of any other issuer cannot read it.
                out.insert(issuer_id(&base, ods.as_str()), status.uri, list);
            }
        } else if let Some(list) = state.federation.remote_status(&iss, &status.uri, trust, now).await {
            out.insert(iss, status.uri, list);
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uris_round_trip_and_only_ours_parse() {
        let base = "https://a.example";
        let made = uri(base, "RA1", 3);
        assert_eq!(made, "https://a.example/statuslists/RA1/3");
        let (ods, id) = parse(base, &made).unwrap();
        assert_eq!((ods.as_str(), id), ("RA1", 3));
        assert!(parse("https://b.example", &made).is_none(), "another deployment's list is not ours");
        assert!(parse(base, "https://a.example/statuslists/RA1/x").is_none());
        assert!(parse(base, "https://a.example/statuslists/RA1/-1").is_none());
        assert!(parse(base, "https://a.example/statuslists/RA1").is_none());
        assert!(parse(base, "https://a.example.evil/statuslists/RA1/3").is_none());
    }

    #[test]
    fn a_list_is_read_only_for_the_issuer_that_signed_it() {
        let mut lists = Lists::default();
        let mut bits = StatusList::new(8, 2).unwrap();
        bits.set(1, 1).unwrap();
        lists.insert("https://a.example/issuers/RA1".into(), "https://a.example/statuslists/RA1/1".into(), bits.into());
        let uri = "https://a.example/statuslists/RA1/1";
        assert_eq!(lists.status("https://a.example/issuers/RA1", uri, 1).unwrap(), 1);
        let err = lists.status("https://a.example/issuers/RB2", uri, 1).unwrap_err();
        assert_eq!(err.code(), "status_list_issuer_mismatch");
        assert_eq!(
            lists.status("https://a.example/issuers/RA1", "https://x/1", 1).unwrap_err().code(),
            "status_unavailable"
        );
    }
}
