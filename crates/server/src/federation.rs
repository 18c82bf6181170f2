//! Trust across deployments: the registry operators this deployment trusts besides its own, their
//! signed trust lists (fetched over HTTP, verified against the operator key we were configured
//! with, cached and refreshed, refused once expired or when older than one already seen), and the
//! status lists of their issuers (fetched, verified with the credential issuer's own key, cached
//! within the token's `ttl` and `exp`).
//!
//! The operator key is configuration, never fetched alongside the list: whoever controls the
//! network between two deployments must not be able to swap both. A remote document is fetched
//! only for an issuer one of the trusted lists names, so a credential cannot make this server
//! fetch an arbitrary URL.
//!
//! Nothing here reads the database; [`crate::status_lists`] decides which lists are ours.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use credentials::VerifyError;
use credentials::jws::Jwk;
use credentials::status::{StatusList, verify_issuer_status_list};
use credentials::trust::{ResolvedKey, TrustIndex, TrustList, TrustSource};
use tokio::sync::Mutex;

use crate::AppState;
use crate::error::ApiError;
use crate::issuer::{self, TrustSnapshot};

/// How long a fetched trust list is used before it is fetched again (it stays usable, if a
/// refresh fails, until its own `exp`).
pub const TRUST_REFRESH: Duration = Duration::from_secs(60);
/// The longest a remote status list is cached when its token says nothing shorter.
pub const STATUS_MAX_AGE: Duration = Duration::from_secs(300);
/// The shortest time between two refreshes forced by a signer the held lists do not know (see
/// [`trust_refreshed`]): a stream of messages naming unknown keys cannot make us fetch constantly.
pub const FORCED_REFRESH_MIN: Duration = Duration::from_secs(5);
/// Largest remote document (trust list or status list token) read.
const MAX_DOCUMENT_BYTES: usize = 4 * 1024 * 1024;
const FETCH_TIMEOUT: Duration = Duration::from_secs(5);

/// Another deployment's registry operator: where its trust list is served and the key it must be
/// signed with.
#[derive(Debug, Clone)]
pub struct TrustedOperator {
    pub trust_list_url: String,
    pub key: Jwk,
}

struct FetchedList {
    index: Arc<TrustIndex>,
    exp: i64,
    sequence: u64,
    fetched: Instant,
}

struct CachedStatus {
    signed_by: String,
    list: Arc<StatusList>,
    until: Instant,
    exp: Option<i64>,
}

/// The trusted operators and what was fetched from them, shared by every request of the process.
pub struct Federation {
    operators: Vec<TrustedOperator>,
    lists: Mutex<HashMap<String, FetchedList>>,
    statuses: Mutex<HashMap<String, CachedStatus>>,
    status_max_age: Duration,
    http: reqwest::Client,
    /// When a refresh was last forced.
    forced: Mutex<Option<Instant>>,
}

impl Default for Federation {
    fn default() -> Self {
        Federation::new(Vec::new(), STATUS_MAX_AGE)
    }
}

impl std::fmt::Debug for Federation {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Federation").field("operators", &self.operators.len()).finish_non_exhaustive()
    }
}

impl Federation {
    /// Whether any other operator is trusted (a transfer from another deployment is possible).
    pub fn trusts_others(&self) -> bool {
        !self.operators.is_empty()
    }

    /// Trusts `operators` besides our own; remote status lists are cached at most `status_max_age`.
    pub fn new(operators: Vec<TrustedOperator>, status_max_age: Duration) -> Self {
        let http = reqwest::Client::builder()
            .timeout(FETCH_TIMEOUT)
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap_or_default();
        Federation {
            operators,
            lists: Mutex::default(),
            statuses: Mutex::default(),
            status_max_age,
            http,
            forced: Mutex::default(),
        }
    }

    /// The other operators' trust lists, verified and current; one that cannot be had (never
    /// fetched, refused, expired) is left out and logged.
    async fn remote_indexes(&self, now: i64, force: bool) -> Vec<Arc<TrustIndex>> {
        let mut out = Vec::new();
        let force = force && {
            let mut forced = self.forced.lock().await;
            let due = forced.is_none_or(|at| at.elapsed() >= FORCED_REFRESH_MIN);
            if due {
                *forced = Some(Instant::now());
            }
            due
        };
        let mut lists = self.lists.lock().await;
        for op in &self.operators {
            let cached = lists.get(&op.trust_list_url);
            if force || cached.is_none_or(|c| c.fetched.elapsed() >= TRUST_REFRESH || c.exp <= now) {
                match self.fetch_trust_list(op, now).await {
                    Ok((list, index)) => {
                        let older = cached.is_some_and(|c| list.sequence < c.sequence && c.exp > now);
                        if older {
                            tracing::warn!(url = %op.trust_list_url, "trust list older than the one held: kept the held one");
                        } else {
                            let fetched = FetchedList {
                                index: Arc::new(index),
                                exp: list.exp,
                                sequence: list.sequence,
                                fetched: Instant::now(),
                            };
                            lists.insert(op.trust_list_url.clone(), fetched);
                        }
                    }
                    Err(why) => tracing::warn!(url = %op.trust_list_url, %why, "trust list not refreshed"),
                }
            }
            match lists.get(&op.trust_list_url) {
                Some(held) if held.exp > now => out.push(held.index.clone()),
                Some(_) => tracing::warn!(url = %op.trust_list_url, "trust list expired: its issuers are not trusted"),
                None => {}
            }
        }
        out
    }

    async fn fetch_trust_list(&self, op: &TrustedOperator, now: i64) -> Result<(TrustList, TrustIndex), String> {
        let token = self.get(&op.trust_list_url).await?;
        let list = TrustList::verify(&token, &op.key, now).map_err(|e| format!("{}: {}", e.code(), e.detail()))?;
        let index = TrustIndex::new(&list).map_err(|e| format!("{}: {}", e.code(), e.detail()))?;
        Ok((list, index))
    }

    async fn get(&self, url: &str) -> Result<String, String> {
        if !(url.starts_with("http://") || url.starts_with("https://")) {
            return Err(format!("{url}: not an http(s) URL"));
        }
        let response = self.http.get(url).send().await.map_err(|e| e.to_string())?;
        if !response.status().is_success() {
            return Err(format!("{url}: HTTP {}", response.status()));
        }
        read_body(url, response).await
    }

    /// Posts a signed token (`application/jwt`) to another deployment and reads its answer, whatever
    /// its status, within the document size limit. The caller derives `url` from an issuer a
    /// trusted list names, never from what a request says.
    pub async fn post_jwt(&self, url: &str, token: &str) -> Result<(u16, String), String> {
        if !(url.starts_with("http://") || url.starts_with("https://")) {
            return Err(format!("{url}: not an http(s) URL"));
        }
        let response = self
            .http
            .post(url)
            .header(reqwest::header::CONTENT_TYPE, "application/jwt")
            .body(token.to_owned())
            .send()
            .await
            .map_err(|e| e.to_string())?;
        let status = response.status().as_u16();
        Ok((status, read_body(url, response).await?))
    }

    /// The status list at `uri` for a credential of issuer `iss`, fetched unless a copy is still
    /// fresh: signed by `iss` (its key on a trusted list), cached for the shortest of the token's
    /// `ttl`, its `exp` and our own limit. `None` when it cannot be had.
    pub async fn remote_status(&self, iss: &str, uri: &str, trust: &TrustView, now: i64) -> Option<Arc<StatusList>> {
        if !trust.lists_issuer(iss) {
            return None;
        }
        {
            let statuses = self.statuses.lock().await;
            if let Some(hit) = statuses.get(uri)
                && hit.signed_by == iss
                && hit.until > Instant::now()
                && hit.exp.is_none_or(|e| e > now)
            {
                return Some(hit.list.clone());
            }
        }
        let token = match self.get(uri).await {
            Ok(token) => token,
            Err(why) => {
                tracing::warn!(%why, "status list not fetched");
                return None;
            }
        };
        let verified = match verify_issuer_status_list(&token, uri, iss, trust, now) {
            Ok(v) => v,
            Err(e) => {
                tracing::warn!(uri, code = e.code(), detail = e.detail(), "status list refused");
                return None;
            }
        };
        let mut keep = self.status_max_age;
        if let Some(ttl) = verified.ttl {
            keep = keep.min(Duration::from_secs(ttl));
        }
        if let Some(exp) = verified.exp {
            keep = keep.min(Duration::from_secs((exp - now).max(0) as u64));
        }
        let list = Arc::new(verified.list);
        let entry = CachedStatus {
            signed_by: iss.to_owned(),
            list: list.clone(),
            until: Instant::now() + keep,
            exp: verified.exp,
        };
        self.statuses.lock().await.insert(uri.to_owned(), entry);
        Some(list)
    }
}

/// Reads a response body of at most [`MAX_DOCUMENT_BYTES`] as trimmed UTF-8 text.
async fn read_body(url: &str, mut response: reqwest::Response) -> Result<String, String> {
    let mut body: Vec<u8> = Vec::new();
    while let Some(chunk) = response.chunk().await.map_err(|e| e.to_string())? {
        body.extend_from_slice(chunk.as_ref());
        if body.len() > MAX_DOCUMENT_BYTES {
            return Err(format!("{url}: larger than {MAX_DOCUMENT_BYTES} bytes"));
        }
    }
    String::from_utf8(body).map(|s| s.trim().to_owned()).map_err(|_| format!("{url}: not UTF-8"))
}

/// Every issuer this deployment trusts: its own operator's list first, then the other operators'.
pub struct TrustView {
    own: Arc<TrustSnapshot>,
    remote: Vec<Arc<TrustIndex>>,
}

impl TrustView {
    /// Whether any trusted list names `iss`.
    pub fn lists_issuer(&self, iss: &str) -> bool {
        self.own.index.lists_issuer(iss) || self.remote.iter().any(|r| r.lists_issuer(iss))
    }

    /// The issuer identifier of organisation `ods` when another deployment serves it: named by a
    /// trusted operator's list and not by our own (ours are reached without leaving the database).
    pub fn remote_issuer_of_ods(&self, ods: &str) -> Option<String> {
        if self.own.index.issuer_of_ods(ods).is_some() {
            return None;
        }
        self.remote.iter().find_map(|r| r.issuer_of_ods(ods)).map(str::to_owned)
    }
}

impl TrustSource for TrustView {
    fn resolve(&self, iss: &str, kid: &str) -> Result<ResolvedKey, VerifyError> {
        // The list that names the issuer decides, whatever it says; an issuer no list names is
        // not trusted.
        if self.own.index.lists_issuer(iss) {
            return self.own.index.resolve(iss, kid);
        }
        match self.remote.iter().find(|r| r.lists_issuer(iss)) {
            Some(list) => list.resolve(iss, kid),
            None => Err(VerifyError::IssuerNotTrusted(format!("issuer {iss}"))),
        }
    }
}

/// The issuers trusted now: our operator's list and every configured operator's.
pub async fn trust(state: &AppState) -> Result<TrustView, ApiError> {
    let own = issuer::trust_list(state).await?;
    let remote = state.federation.remote_indexes((state.clock)().timestamp(), false).await;
    Ok(TrustView { own, remote })
}

/// As [`trust`], fetching the other operators' lists again whatever their age (at most once per
/// [`FORCED_REFRESH_MIN`]): for a signer the held lists do not name, an organisation or a key
/// registered at another deployment since we last fetched its list.
pub async fn trust_refreshed(state: &AppState) -> Result<TrustView, ApiError> {
    let own = issuer::trust_list(state).await?;
    let remote = state.federation.remote_indexes((state.clock)().timestamp(), true).await;
    Ok(TrustView { own, remote })
}
