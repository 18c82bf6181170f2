//! What the response endpoint would otherwise read from the database for every answer: the
//! request a `state` names and the status lists of this server's issuers.
//!
//! Requests: kept from creation (or the first read) until answered or expired. Whether a request
//! is still open is decided by the store when the answer is recorded, so a stale entry (answered
//! through another process) costs a wasted verification, never a second answer.
//!
//! Status lists: a list read while [`store::Store::status_generation`] said `g` is used while it
//! still says `g`, which every revocation committed through this process bumps, so the next
//! presentation after a revocation sees it. Changes committed by another process (a CLI run,
//! another server on the same database) are seen within [`STATUS_FRESH_FOR`], as a verifier
//! honouring a status list token's `ttl` would.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use credentials::status::StatusList;
use store::Store;

use super::StoredRequest;
use crate::error::ApiError;

/// Open requests kept in memory at most (a few KB each, so tens of MB); beyond that, after
/// dropping expired ones, reads go to the database. Requests live ten minutes, so this covers a
/// verifier creating over 30 a second.
const MAX_PENDING: usize = 20_000;
/// How long a status list read from the database is used without a local revocation.
pub const STATUS_FRESH_FOR: Duration = Duration::from_secs(5);

/// An open presentation request as the response endpoint needs it.
#[derive(Debug)]
pub struct PendingRequest {
    pub org_id: String,
    pub id: String,
    pub expires_at: i64,
    pub stored: StoredRequest,
}

/// Open requests by `state`.
#[derive(Debug, Default)]
pub struct RequestCache {
    by_state: Mutex<HashMap<String, Arc<PendingRequest>>>,
}

impl RequestCache {
    /// The request `state` names, if it is cached and belongs to `org_id`.
    pub fn get(&self, org_id: &str, state: &str) -> Option<Arc<PendingRequest>> {
        let map = self.by_state.lock().ok()?;
        map.get(state).filter(|r| r.org_id == org_id).cloned()
    }

    pub fn insert(&self, state: &str, request: Arc<PendingRequest>, now: i64) {
        let Ok(mut map) = self.by_state.lock() else { return };
        if map.len() >= MAX_PENDING {
            map.retain(|_, r| r.expires_at > now);
        }
        if map.len() < MAX_PENDING {
            map.insert(state.to_owned(), request);
        }
    }

    pub fn remove(&self, state: &str) {
        if let Ok(mut map) = self.by_state.lock() {
            map.remove(state);
        }
    }
}

struct CachedList {
    bits: Arc<StatusList>,
    generation: u64,
    loaded: Instant,
}

/// Status lists of this server's issuers, by (organisation id, list id).
pub struct StatusCache {
    lists: Mutex<HashMap<(String, i64), CachedList>>,
    /// [`STATUS_FRESH_FOR`] unless changed (milliseconds).
    fresh_for_ms: AtomicU64,
}

impl Default for StatusCache {
    fn default() -> Self {
        StatusCache { lists: Mutex::default(), fresh_for_ms: AtomicU64::new(STATUS_FRESH_FOR.as_millis() as u64) }
    }
}

impl std::fmt::Debug for StatusCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StatusCache").finish_non_exhaustive()
    }
}

impl StatusCache {
    /// How long a list is used when no revocation went through this process.
    pub fn set_fresh_for(&self, age: Duration) {
        self.fresh_for_ms.store(age.as_millis() as u64, Ordering::Relaxed);
    }

    /// The list, from memory while current, else from the ledger. `None` when there is no such list.
    pub async fn list(&self, store: &Store, org_id: &str, list_id: i64) -> Result<Option<Arc<StatusList>>, ApiError> {
        // Read before loading: a revocation committed during the load bumps past it.
        let generation = store.status_generation();
        let key = (org_id.to_owned(), list_id);
        if let Ok(lists) = self.lists.lock()
            && let Some(hit) = lists.get(&key)
            && hit.generation == generation
            && hit.loaded.elapsed() < Duration::from_millis(self.fresh_for_ms.load(Ordering::Relaxed))
        {
            return Ok(Some(hit.bits.clone()));
        }
        let Some(rows) = store.issuing().status_list(org_id, list_id).await? else { return Ok(None) };
        let bits = Arc::new(crate::status_lists::build(&rows)?);
        if let Ok(mut lists) = self.lists.lock() {
            lists.insert(key, CachedList { bits: bits.clone(), generation, loaded: Instant::now() });
        }
        Ok(Some(bits))
    }
}

#[cfg(test)]
mod tests {
    use credentials::oid4vc::dcql::{CredentialQuery, DcqlQuery};
    use credentials::oid4vc::vp::AuthorizationRequest;

    use super::*;

    fn pending(org_id: &str, expires_at: i64) -> Arc<PendingRequest> {
        let query = DcqlQuery::new(vec![CredentialQuery::sd_jwt_vc("dbs", "https://x/vct/criminal_record")]);
        let request = AuthorizationRequest::direct_post("https://x/verifiers/RRK/response", "n", "s", query, 0, 600);
        Arc::new(PendingRequest {
            org_id: org_id.into(),
            id: "id".into(),
            expires_at,
            stored: StoredRequest {
                request,
                requirements: Vec::new(),
                role_code: String::new(),
                agreement_required: false,
            },
        })
    }

    #[test]
    fn a_request_is_found_only_by_its_own_organisation() {
        let cache = RequestCache::default();
        cache.insert("state-1", pending("org-b", 600), 0);
        assert!(cache.get("org-b", "state-1").is_some());
        assert!(cache.get("org-a", "state-1").is_none(), "another organisation must not see it");
        cache.remove("state-1");
        assert!(cache.get("org-b", "state-1").is_none());
    }

    #[test]
    fn a_full_cache_drops_expired_requests_and_otherwise_keeps_what_it_has() {
        let cache = RequestCache::default();
        let (old, live) = (pending("org", 100), pending("org", 10_000));
        for i in 0..MAX_PENDING {
            cache.insert(&format!("s{i}"), if i % 2 == 0 { old.clone() } else { live.clone() }, 50);
        }
        // Full of live requests at t=50: a new one is not kept, the old ones stay.
        cache.insert("new-1", live.clone(), 50);
        assert!(cache.get("org", "new-1").is_none());
        assert!(cache.get("org", "s0").is_some());
        // At t=200 half have expired: they make room.
        cache.insert("new-2", live.clone(), 200);
        assert!(cache.get("org", "new-2").is_some());
        assert!(cache.get("org", "s0").is_none());
        assert!(cache.get("org", "s1").is_some());
    }
}
