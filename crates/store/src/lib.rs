//! Persistence for Staff Passport: one repository layer over SQLite (embedded default) and
//! PostgreSQL, per-organisation private datasets, the hash-chained audit log, and authentication.
//!
//! Entry points, all from a [`Store`]:
//! - [`Store::auth`] → [`Auth`]: users, passwords, API tokens; produces [`Principal`]s and with them
//!   the [`OrgScope`] every personal-data call needs.
//! - [`Store::registry`] → [`Registry`]: organisations (registry operators).
//! - [`Store::dataset`] → [`Dataset`]: one organisation's people and their records, every call
//!   audited in the same transaction.
//! - [`Store::verify_audit`]: recompute every audit chain.
//!
//! The store knows nothing of HTTP; it validates nothing the domain's parsers already guarantee,
//! but it enforces tenancy, uniqueness and the domain's state-transition rules.

mod agreements;
mod audit;
mod auth;
pub mod bulk;
mod dataset;
mod db;
mod error;
mod issuing;
mod operator;
mod page;
mod registry;
mod scope;
#[cfg(any(test, feature = "testing"))]
pub mod testing;

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use sqlx::AnyPool;

pub use agreements::{Agreements, CoreTerms, NewAgreement, SigningRequest, StoredAgreement};
pub use audit::{AuditEntry, AuditFault, AuditReport, ChainHead, REGISTRY_CHAIN};
pub use auth::{AcceptInvitation, INVITATION_TTL_HOURS, IssuedInvitation, WorkerAccount, WorkerScope};
pub use auth::{Auth, IssuedToken, NewUser, Principal, Role, TOKEN_PREFIX, TokenInfo, User};
pub use auth::{DEFAULT_TOKEN_TTL_DAYS, LoginGuard, LoginLimits, password_policy};
pub use auth::{NewSession, SessionLimits, SessionStage, TotpEnrolment, TotpState, WebSession};
pub use auth::{TOTP_DIGITS, TOTP_STEP_SECS, base32_decode, base32_encode, hotp, totp_at};
pub use dataset::{
    ACCESS_LOG_LIMIT, AccessActor, AccessEntry, ContactChange, ContactDetails, Me, MyLink, MyOrganisation, MyRecord,
};
pub use dataset::{AcceptedItem, BypassedItem, NewReview, PassportRecord, Review, ReviewDecision, ReviewItem};
pub use dataset::{
    Checkpoint, ComplianceBasis, CredentialStatus, Dataset, ImportBatch, ImportPreparer, ImportRecord, ImportReport,
    IssueOutcome, IssueSlot, IssuedCredential, PersonRef, PersonSources, PreparedBatch, Record, STATUS_LIST_SIZE,
    TransferMatch, oh_source_id,
};
pub use dataset::{CohortEntry, CohortOutcome, CohortResult, Proposal, ReleaseRequest, RemoteApplicant};
pub use dataset::{CohortJob, CohortLine, CohortReport, CohortStatus};
pub use dataset::{ConsentSigningRequest, NewConsentSigningRequest, WalletConsentProof};
pub use dataset::{Expiring, ExpiringKind, RoleCount};
pub use dataset::{
    NewOffer, NewPresentationRequest, PresentationAnswer, PresentationFilter, PresentationListItem, PresentationRecord,
    PresentationStatus, PresentedEntry, Redemption, StoredOffer, pin_hash, secret_hash,
};
pub use db::{Backend, SQLITE_FILE_SUFFIXES, StoreOptions};
pub use error::{Result, StoreError};
pub use issuing::{IssuerKey, Issuing, NewKey, SigningKey, StatusListRows};
pub use page::{MAX_PAGE, Page, PageOf};
pub use registry::{OrgStatus, Organisation, Registry};
pub use scope::{Actor, OrgScope, Provenance, RegistryScope, Source};

/// A connection pool plus the backend it talks to. Cheap to clone.
#[derive(Debug, Clone)]
pub struct Store {
    pool: AnyPool,
    backend: Backend,
    options: Arc<StoreOptions>,
    /// Bumped after every commit that changed a credential's status (see [`Store::status_generation`]).
    status_generation: Arc<AtomicU64>,
    /// Login throttle and token lifetime (see [`Store::with_login_limits`], [`Store::with_token_ttl`]).
    auth_settings: Arc<auth::AuthSettings>,
}

impl Store {
    /// Connects to `sqlite://path` (file created on first run, WAL), `sqlite::memory:` or
    /// `postgres://…`, and applies migrations. Any other scheme is refused, naming it.
    pub async fn connect(url: &str) -> Result<Store> {
        Store::connect_with(url, StoreOptions::default()).await
    }

    /// [`Store::connect`] for tools that inspect an existing database: a SQLite file that does not
    /// exist is refused, naming it, instead of being created empty.
    pub async fn open_existing(url: &str) -> Result<Store> {
        Store::connect_with(url, StoreOptions { must_exist: true, ..StoreOptions::default() }).await
    }

    /// [`Store::connect`] with explicit options.
    pub async fn connect_with(url: &str, options: StoreOptions) -> Result<Store> {
        let (pool, backend) = db::open(url, &options).await?;
        tracing::info!(?backend, "store connected and migrated");
        let store = Store {
            pool,
            backend,
            options: Arc::new(options),
            status_generation: Arc::default(),
            auth_settings: Arc::default(),
        };
        let built = store.build_deferred_indexes().await?;
        if built > 0 {
            tracing::warn!(indexes = built, "built the indexes a bulk load had deferred (was it interrupted?)");
        }
        store.optimize_on_open().await?;
        Ok(store)
    }

    /// The same store with other login limits (a fresh throttle; see `store::auth` throttle docs).
    pub fn with_login_limits(mut self, limits: LoginLimits) -> Store {
        self.auth_settings = Arc::new(auth::AuthSettings::new(limits, self.auth_settings.token_ttl));
        self
    }

    /// The same store issuing API tokens that live `ttl` (default [`DEFAULT_TOKEN_TTL_DAYS`] days).
    pub fn with_token_ttl(mut self, ttl: chrono::Duration) -> Store {
        let limits = self.auth_settings.guard.limits().clone();
        self.auth_settings = Arc::new(auth::AuthSettings::new(limits, ttl));
        self
    }

    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// Connections the pool holds now, and how many of them are idle (for `/metrics`).
    pub fn pool_stats(&self) -> (u32, usize) {
        (self.pool.size(), self.pool.num_idle())
    }

    /// One round trip to the database (`SELECT 1`): readiness probes.
    pub async fn ping(&self) -> Result<()> {
        sqlx::query("SELECT 1").execute(&self.pool).await?;
        Ok(())
    }

    /// Users, passwords, tokens.
    pub fn auth(&self) -> Auth<'_> {
        Auth { store: self, client: None }
    }

    /// The registry of organisations.
    pub fn registry(&self) -> Registry<'_> {
        Registry { store: self }
    }

    /// One organisation's private dataset, acting as the scope's actor.
    pub fn dataset<'s>(&'s self, scope: &'s OrgScope) -> Dataset<'s> {
        Dataset { store: self, scope }
    }

    /// Recomputes every audit chain; names the first bad entry.
    pub async fn verify_audit(&self) -> Result<AuditReport> {
        audit::verify(&self.pool).await
    }

    /// Every audit chain's head, for a checkpoint kept outside the database.
    pub async fn audit_heads(&self) -> Result<Vec<ChainHead>> {
        audit::heads(&self.pool).await
    }

    /// [`Store::verify_audit`], and every head of `checkpoint` must still be in its chain, unchanged:
    /// detects a tail cut off (or rewritten) since the checkpoint even when `audit_heads` was
    /// rewritten to match.
    pub async fn verify_audit_against(&self, checkpoint: &[ChainHead]) -> Result<AuditReport> {
        audit::verify_against(&self.pool, checkpoint).await
    }

    /// The raw pool, for tests that tamper with rows on purpose: queries through it bypass tenancy
    /// and audit, so it exists only with the `testing` feature, which only tests enable.
    #[cfg(any(test, feature = "testing"))]
    pub fn raw_pool(&self) -> &AnyPool {
        &self.pool
    }

    /// A counter this process's store handles bump after committing any change of a credential's
    /// status (revocation, suspension, reinstatement, automatic revocation by a record change). A
    /// cache of status lists read at generation `g` is current while this still says `g`; changes
    /// committed by another process (a CLI run, another server) are not counted, so such a cache
    /// must also age out.
    pub fn status_generation(&self) -> u64 {
        self.status_generation.load(Ordering::Acquire)
    }

    /// Called after a commit that may have changed credential statuses.
    pub(crate) fn status_changed(&self) {
        self.status_generation.fetch_add(1, Ordering::AcqRel);
    }

    /// Closes all connections.
    pub async fn close(&self) {
        self.pool.close().await;
    }
}
