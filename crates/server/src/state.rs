//! What every handler is given: the store, the clock, the public address and the in-process caches.

use std::sync::Arc;

use chrono::{DateTime, NaiveDate, Utc};
use store::Store;

use crate::{federation, issuer, keys, oid4vci, oid4vp};

/// Where "now" comes from: the system clock in production, a fixed instant in tests.
pub type Clock = Arc<dyn Fn() -> DateTime<Utc> + Send + Sync>;

#[derive(Clone)]
pub struct AppState {
    pub store: Store,
    pub clock: Clock,
    /// How many days ahead an expiry counts as "due soon" in compliance answers.
    pub due_within_days: u32,
    /// The URL others reach this server by (issuer identifiers, status list and type URLs);
    /// `serve` fills it from the listening address when unset.
    pub public_url: Option<String>,
    /// The signed trust list, cached for the verifier.
    pub issuer_cache: Arc<issuer::IssuerCache>,
    /// Organisations by ODS code for the OpenID4VC endpoints.
    pub oid4vc_orgs: Arc<oid4vci::OrgCache>,
    /// The verifier's open requests, status lists and answer queue.
    pub verifier: Arc<oid4vp::VerifierState>,
    /// Other registry operators this deployment trusts, and what was fetched from them.
    pub federation: Arc<federation::Federation>,
    /// Where signing keys live; [`AppState::new`] gives a software key store sealing under a key of
    /// this process only (tests, throwaway worlds): `serve` sets the configured one.
    pub keys: Arc<dyn keys::KeyStore>,
}

impl AppState {
    pub fn new(store: Store) -> Self {
        AppState {
            clock: Arc::new(Utc::now),
            due_within_days: store::ComplianceBasis::DEFAULT_DUE_WITHIN_DAYS,
            public_url: None,
            issuer_cache: Default::default(),
            oid4vc_orgs: Default::default(),
            verifier: Default::default(),
            federation: Default::default(),
            keys: Arc::new(keys::SoftwareKeyStore::new(store.clone(), keys::KekSource::Ephemeral)),
            store,
        }
    }

    /// The public base URL, without a trailing slash.
    pub fn public_url(&self) -> &str {
        self.public_url.as_deref().unwrap_or("http://localhost:8080").trim_end_matches('/')
    }

    pub fn today(&self) -> NaiveDate {
        (self.clock)().date_naive()
    }
}
