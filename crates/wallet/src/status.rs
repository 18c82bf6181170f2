//! A held credential's current status: expired by its own `exp`, or what its issuer's Token
//! Status List says (draft-ietf-oauth-status-list-21 §8), fetched as a `statuslist+jwt` and
//! verified with a key from the issuer's `/.well-known/jwt-vc-issuer` metadata.

use std::collections::HashMap;

use credentials::jws::{CompactJws, Jwk, VerifyingKey};
use credentials::status::{Status, verify_status_list_token};
use reqwest::Client;
use serde::Serialize;

use crate::http;
use crate::issuance::issuer_keys;
use crate::store::StoredCredential;

/// What the wallet can say about a credential now.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "state", content = "detail", rename_all = "snake_case")]
pub enum CredentialState {
    Valid,
    Revoked,
    Suspended,
    Expired,
    /// The credential carries no status reference.
    NoStatus,
    /// The status could not be established (network, signature, …): never shown as valid.
    Unknown(String),
}

impl std::fmt::Display for CredentialState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Valid => f.write_str("valid"),
            Self::Revoked => f.write_str("revoked"),
            Self::Suspended => f.write_str("suspended"),
            Self::Expired => f.write_str("expired"),
            Self::NoStatus => f.write_str("no status list"),
            Self::Unknown(why) => write!(f, "unknown ({why})"),
        }
    }
}

/// Checks credentials against their status lists, caching issuer keys and lists per call.
pub struct StatusChecker<'c> {
    client: &'c Client,
    keys: HashMap<String, Result<Vec<Jwk>, String>>,
    lists: HashMap<String, Result<credentials::status::StatusList, String>>,
}

impl<'c> StatusChecker<'c> {
    pub fn new(client: &'c Client) -> Self {
        Self { client, keys: HashMap::new(), lists: HashMap::new() }
    }

    /// The state of `c` at `now`.
    pub async fn check(&mut self, c: &StoredCredential, now: i64) -> CredentialState {
        if c.exp.is_some_and(|e| e <= now) {
            return CredentialState::Expired;
        }
        let Some(r) = &c.status else { return CredentialState::NoStatus };
        if !self.lists.contains_key(&r.uri) {
            let list = self.fetch(&c.issuer, &r.uri, now).await;
            self.lists.insert(r.uri.clone(), list);
        }
        let list = match &self.lists[&r.uri] {
            Ok(l) => l,
            Err(e) => return CredentialState::Unknown(e.clone()),
        };
        match usize::try_from(r.idx).ok().and_then(|i| list.get(i)).map(Status::from_bits) {
            Some(Status::Valid) => CredentialState::Valid,
            Some(Status::Revoked) => CredentialState::Revoked,
            Some(Status::Suspended) => CredentialState::Suspended,
            Some(Status::ApplicationSpecific) => CredentialState::Unknown("application-specific status".into()),
            None => CredentialState::Unknown(format!("index {} is outside the list", r.idx)),
        }
    }

    async fn fetch(&mut self, issuer: &str, uri: &str, now: i64) -> Result<credentials::status::StatusList, String> {
        if !self.keys.contains_key(issuer) {
            let keys = issuer_keys(self.client, issuer).await.map_err(|e| e.to_string());
            self.keys.insert(issuer.to_owned(), keys);
        }
        let keys = self.keys[issuer].clone()?;
        let token = http::get_text(self.client, uri, "application/statuslist+jwt").await.map_err(|e| e.to_string())?;
        let token = token.trim();
        let jws = CompactJws::parse(token).map_err(|e| e.to_string())?;
        let kid = jws.header_str("kid").ok_or("the status list token has no kid")?;
        let jwk = keys
            .iter()
            .find(|k| k.kid.as_deref() == Some(kid) || k.thumbprint() == kid)
            .ok_or_else(|| format!("status list key {kid} is not the issuer's"))?;
        let key = VerifyingKey::from_jwk(jwk)?;
        verify_status_list_token(token, uri, &key, now).map(|v| v.list).map_err(|e| e.to_string())
    }
}
