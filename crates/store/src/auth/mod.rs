//! Users, roles, passwords and login; turning a credential into a [`Principal`] (tokens in
//! [`tokens`]).
//!
//! Passwords are hashed with argon2id (OWASP-recommended default parameters; minimal ones only when
//! `StoreOptions::insecure_fast_password_hashing` is set for tests and demos) on a blocking thread, at
//! most a few at once, and must pass [`password_policy`]. Every password login goes through
//! [`throttle`]: locked accounts and client addresses are refused before any hash is computed.
//!
//! This module decides *who* is calling; *what* they may do is the server's job (roles).

use std::net::IpAddr;
use std::sync::OnceLock;

use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use sqlx::Row;

use crate::audit::{self, Event, REGISTRY_CHAIN};
use crate::error::{Result, StoreError};
use crate::scope::{OrgScope, RegistryScope};
use crate::{Store, db};

pub mod password_policy;
mod sessions;
mod throttle;
mod tokens;
mod totp;
mod workers;

pub use sessions::{NewSession, SessionLimits, SessionStage, WebSession};
pub use throttle::{LoginGuard, LoginLimits};
pub use tokens::{DEFAULT_TOKEN_TTL_DAYS, IssuedToken, TOKEN_PREFIX, TokenInfo};
pub use totp::{TOTP_DIGITS, TOTP_STEP_SECS, TotpEnrolment, TotpState, base32_decode, base32_encode, hotp, totp_at};
pub use workers::{AcceptInvitation, INVITATION_TTL_HOURS, IssuedInvitation, WorkerAccount, WorkerScope};

/// What the store keeps for authentication across calls: the login throttle and the API token lifetime.
#[derive(Debug)]
pub(crate) struct AuthSettings {
    pub(crate) guard: LoginGuard,
    pub(crate) token_ttl: chrono::Duration,
}

impl AuthSettings {
    pub(crate) fn new(limits: LoginLimits, token_ttl: chrono::Duration) -> Self {
        AuthSettings { guard: LoginGuard::new(limits), token_ttl }
    }
}

impl Default for AuthSettings {
    fn default() -> Self {
        AuthSettings::new(LoginLimits::default(), chrono::Duration::days(DEFAULT_TOKEN_TTL_DAYS))
    }
}

/// What an organisation user may do; checked by the server per handler.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    Admin,
    Hr,
    Training,
    OccupationalHealth,
    Verifier,
    /// A worker's own account: no organisation, only their own records through `worker_links`
    /// (see [`workers`]). Never held by an organisation user.
    Worker,
}

impl Role {
    /// Every role an organisation user may hold (not [`Role::Worker`]).
    pub const ALL: [Role; 5] = [Role::Admin, Role::Hr, Role::Training, Role::OccupationalHealth, Role::Verifier];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::Hr => "hr",
            Role::Training => "training",
            Role::OccupationalHealth => "occupational_health",
            Role::Verifier => "verifier",
            Role::Worker => "worker",
        }
    }

    /// An organisation user's role by name (`worker` is not one: worker accounts come from invitations).
    pub fn parse(s: &str) -> Option<Role> {
        Role::ALL.into_iter().find(|r| r.as_str() == s)
    }
}

fn roles_to_text(roles: &[Role]) -> String {
    roles.iter().map(|r| r.as_str()).collect::<Vec<_>>().join(",")
}

pub(crate) fn roles_from_text(text: &str) -> Vec<Role> {
    text.split(',')
        .filter_map(|r| if r == Role::Worker.as_str() { Some(Role::Worker) } else { Role::parse(r) })
        .collect()
}

/// An authenticated caller.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Principal {
    pub user_id: String,
    pub roles: Vec<Role>,
    /// The caller's organisation dataset; `None` for registry operators.
    pub scope: Option<OrgScope>,
    /// A registry operator (manages organisations, sees no personal data).
    pub operator: bool,
}

impl Principal {
    pub fn has_role(&self, role: Role) -> bool {
        self.roles.contains(&role)
    }

    /// The registry scope, if this principal is an operator.
    pub fn registry_scope(&self) -> Option<RegistryScope> {
        self.operator.then(|| RegistryScope::for_operator(self.user_id.clone()))
    }
}

/// A user account as shown to administrators (never the password hash).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct User {
    pub id: String,
    /// `None` for registry operators.
    pub org_id: Option<String>,
    pub email: String,
    pub display_name: String,
    pub roles: Vec<Role>,
    pub operator: bool,
    pub disabled: bool,
    pub created_at: DateTime<Utc>,
}

/// Input for [`Auth::create_user`].
#[derive(Debug, Clone)]
pub struct NewUser {
    pub email: String,
    pub display_name: String,
    pub roles: Vec<Role>,
    /// `None` creates a token-only account.
    pub password: Option<String>,
}

/// Authentication and account management; obtained from [`Store::auth`].
#[derive(Debug, Clone, Copy)]
pub struct Auth<'s> {
    pub(crate) store: &'s Store,
    /// The client's address, for per-address login throttling (see [`Auth::from_client`]).
    pub(crate) client: Option<IpAddr>,
}

const USER_COLUMNS: &str = "id, org_id, email, display_name, roles, operator, disabled, created_at, password_hash";

fn user_from_row(row: &sqlx::any::AnyRow) -> Result<User> {
    let created_at: String = row.try_get("created_at")?;
    Ok(User {
        id: row.try_get("id")?,
        org_id: row.try_get("org_id")?,
        email: row.try_get("email")?,
        display_name: row.try_get("display_name")?,
        roles: roles_from_text(&row.try_get::<String, _>("roles")?),
        operator: row.try_get::<i64, _>("operator")? != 0,
        disabled: row.try_get::<i64, _>("disabled")? != 0,
        created_at: db::parse_timestamp(&created_at, "users")?,
    })
}

fn normalise_email(email: &str) -> Result<String> {
    let email = email.trim().to_lowercase();
    let ok = email.split_once('@').is_some_and(|(local, domain)| !local.is_empty() && domain.contains('.'));
    if !ok || email.chars().any(char::is_whitespace) {
        return Err(StoreError::invalid("email", "is not an email address"));
    }
    Ok(email)
}

impl Auth<'_> {
    /// The same, with the caller's network address: password logins through it are also throttled per
    /// address. Every server path that checks a password (API, portal) should use it.
    pub fn from_client(self, client: Option<IpAddr>) -> Self {
        Auth { client, ..self }
    }

    /// Argon2 runs this store has started (for tests and metrics: a throttled refusal costs none).
    pub fn password_hashes(&self) -> u64 {
        self.store.auth_settings.guard.hashes()
    }

    fn argon2(&self) -> Argon2<'static> {
        let params = if self.store.options.insecure_fast_password_hashing {
            Params::new(256, 1, 1, None).expect("valid argon2 params")
        } else {
            Params::default()
        };
        Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
    }

    async fn hash_password(&self, password: String) -> Result<String> {
        password_policy::check(&password)?;
        let argon = self.argon2();
        let _turn = self.store.auth_settings.guard.hash_turn().await?;
        tokio::task::spawn_blocking(move || {
            let salt = SaltString::generate(&mut rand::rngs::OsRng);
            argon.hash_password(password.as_bytes(), &salt).map(|h| h.to_string())
        })
        .await
        .map_err(|e| StoreError::Config(format!("password hashing task failed: {e}")))?
        .map_err(|e| StoreError::Config(format!("password hashing failed: {e}")))
    }

    /// Verifies on a blocking thread, in turn with other hashes (`Busy` when too many wait); an absent
    /// hash is verified against a dummy so that unknown accounts take as long as known ones.
    async fn try_verify_password(&self, hash: Option<String>, password: String) -> Result<bool> {
        if password.len() > 4 * password_policy::MAX_PASSWORD_LEN {
            return Ok(false);
        }
        let argon = self.argon2();
        let _turn = self.store.auth_settings.guard.hash_turn().await?;
        let dummy = hash.is_none();
        let fast = self.store.options.insecure_fast_password_hashing;
        tokio::task::spawn_blocking(move || {
            // The dummy is hashed once per process (with the parameters in use), so an unknown
            // account costs exactly one verification, like a known one.
            let hash = hash.unwrap_or_else(|| dummy_hash(fast, &argon).to_owned());
            let ok = PasswordHash::new(&hash)
                .is_ok_and(|parsed| argon.verify_password(password.as_bytes(), &parsed).is_ok());
            ok && !dummy
        })
        .await
        .map_err(|e| StoreError::Config(format!("password check task failed: {e}")))
    }

    /// Creates a user in the scope's organisation. Emails are unique per organisation
    /// (`Conflict { field: "email" }`).
    pub async fn create_user(&self, scope: &OrgScope, new: NewUser) -> Result<User> {
        let email = normalise_email(&new.email)?;
        if new.roles.is_empty() {
            return Err(StoreError::invalid("roles", "at least one role is required"));
        }
        if new.roles.contains(&Role::Worker) {
            return Err(StoreError::invalid(
                "roles",
                "worker accounts are made by invitation, not as organisation users",
            ));
        }
        let hash = match new.password {
            Some(p) => Some(self.hash_password(p).await?),
            None => None,
        };
        let id = db::new_id();
        let now = db::now();
        let mut tx = db::begin(&self.store.pool, self.store.backend).await?;
        sqlx::query(
            "INSERT INTO users (id, org_id, email, display_name, roles, operator, password_hash, \
             disabled, created_at) VALUES ($1, $2, $3, $4, $5, 0, $6, 0, $7)",
        )
        .bind(&id)
        .bind(scope.org_id())
        .bind(&email)
        .bind(new.display_name.trim())
        .bind(roles_to_text(&new.roles))
        .bind(hash)
        .bind(&now)
        .execute(&mut *tx)
        .await?;
        let event = Event { action: "user.create", subject_type: "user", subject_id: Some(&id) };
        audit::append(&mut tx, scope.org_id(), scope.actor(), event).await?;
        tx.commit().await?;
        self.get_user(scope, &id).await
    }

    /// A user of the scope's organisation.
    pub async fn get_user(&self, scope: &OrgScope, user_id: &str) -> Result<User> {
        let sql = format!("SELECT {USER_COLUMNS} FROM users WHERE org_id = $1 AND id = $2");
        let row = sqlx::query(&sql)
            .bind(scope.org_id())
            .bind(user_id)
            .fetch_optional(&self.store.pool)
            .await?
            .ok_or(StoreError::NotFound)?;
        user_from_row(&row)
    }

    /// All users of the scope's organisation, by email.
    pub async fn list_users(&self, scope: &OrgScope) -> Result<Vec<User>> {
        let sql = format!("SELECT {USER_COLUMNS} FROM users WHERE org_id = $1 ORDER BY email");
        let rows = sqlx::query(&sql).bind(scope.org_id()).fetch_all(&self.store.pool).await?;
        rows.iter().map(user_from_row).collect()
    }

    /// Replaces a user's password.
    pub async fn set_password(&self, scope: &OrgScope, user_id: &str, password: &str) -> Result<()> {
        let hash = self.hash_password(password.to_owned()).await?;
        let mut tx = db::begin(&self.store.pool, self.store.backend).await?;
        let done = sqlx::query("UPDATE users SET password_hash = $3 WHERE org_id = $1 AND id = $2")
            .bind(scope.org_id())
            .bind(user_id)
            .bind(hash)
            .execute(&mut *tx)
            .await?;
        if done.rows_affected() == 0 {
            return Err(StoreError::NotFound);
        }
        let event = Event { action: "user.set_password", subject_type: "user", subject_id: Some(user_id) };
        audit::append(&mut tx, scope.org_id(), scope.actor(), event).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Disables (or re-enables) a user; a disabled user's tokens and password stop working.
    pub async fn set_disabled(&self, scope: &OrgScope, user_id: &str, disabled: bool) -> Result<()> {
        let mut tx = db::begin(&self.store.pool, self.store.backend).await?;
        let done = sqlx::query("UPDATE users SET disabled = $3 WHERE org_id = $1 AND id = $2")
            .bind(scope.org_id())
            .bind(user_id)
            .bind(i64::from(disabled))
            .execute(&mut *tx)
            .await?;
        if done.rows_affected() == 0 {
            return Err(StoreError::NotFound);
        }
        let action = if disabled { "user.disable" } else { "user.enable" };
        let event = Event { action, subject_type: "user", subject_id: Some(user_id) };
        audit::append(&mut tx, scope.org_id(), scope.actor(), event).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Creates a registry operator account (no organisation). Emails are unique among operators.
    pub async fn create_operator(
        &self,
        scope: &RegistryScope,
        email: &str,
        display_name: &str,
        password: Option<&str>,
    ) -> Result<User> {
        let email = normalise_email(email)?;
        let hash = match password {
            Some(p) => Some(self.hash_password(p.to_owned()).await?),
            None => None,
        };
        let id = db::new_id();
        let mut tx = db::begin(&self.store.pool, self.store.backend).await?;
        sqlx::query(
            "INSERT INTO users (id, org_id, email, display_name, roles, operator, password_hash, \
             disabled, created_at) VALUES ($1, NULL, $2, $3, '', 1, $4, 0, $5)",
        )
        .bind(&id)
        .bind(&email)
        .bind(display_name.trim())
        .bind(hash)
        .bind(db::now())
        .execute(&mut *tx)
        .await?;
        let event = Event { action: "operator.create", subject_type: "user", subject_id: Some(&id) };
        audit::append(&mut tx, REGISTRY_CHAIN, scope.actor(), event).await?;
        let sql = format!("SELECT {USER_COLUMNS} FROM users WHERE id = $1");
        let row = sqlx::query(&sql).bind(&id).fetch_one(&mut *tx).await?;
        tx.commit().await?;
        user_from_row(&row)
    }

    /// Password login of an organisation user, identified by organisation ODS code and email.
    pub async fn login(&self, ods: &str, email: &str, password: &str) -> Result<Principal> {
        let email = email.trim().to_lowercase();
        let key = format!("org:{}|{email}", ods.trim().to_uppercase());
        self.store.auth_settings.guard.check(Some(&key), self.client)?;
        let row = sqlx::query(
            "SELECT u.id, u.org_id, u.roles, u.operator, o.status, u.password_hash FROM users u \
             JOIN organisations o ON o.id = u.org_id \
             WHERE o.ods_code = $1 AND u.email = $2 AND u.disabled = 0",
        )
        .bind(ods.trim().to_uppercase())
        .bind(&email)
        .fetch_optional(&self.store.pool)
        .await?;
        self.check_login_for(Some(&key), row, password).await
    }

    /// Password login of a registry operator.
    pub async fn operator_login(&self, email: &str, password: &str) -> Result<Principal> {
        let key = format!("operator:{}", email.trim().to_lowercase());
        self.store.auth_settings.guard.check(Some(&key), self.client)?;
        let row = sqlx::query(
            "SELECT u.id, u.org_id, u.roles, u.operator, CAST(NULL AS TEXT) AS status, u.password_hash \
             FROM users u WHERE u.org_id IS NULL AND u.operator = 1 AND u.email = $1 \
             AND u.disabled = 0",
        )
        .bind(email.trim().to_lowercase())
        .fetch_optional(&self.store.pool)
        .await?;
        self.check_login_for(Some(&key), row, password).await
    }

    /// The one password check every login goes through: refused without hashing while `key` (the
    /// account as the caller named it) or the client address is locked; a failure counts against both,
    /// a success clears the account's count. Unknown accounts cost one hash like known ones.
    async fn check_login_for(
        &self,
        key: Option<&str>,
        row: Option<sqlx::any::AnyRow>,
        password: &str,
    ) -> Result<Principal> {
        let guard = &self.store.auth_settings.guard;
        guard.check(key, self.client)?;
        let hash: Option<String> = match &row {
            Some(row) => row.try_get("password_hash")?,
            None => None,
        };
        let outcome = if self.try_verify_password(hash, password.to_owned()).await? {
            principal_from_row(&row.ok_or(StoreError::Unauthenticated)?)
        } else {
            Err(StoreError::Unauthenticated)
        };
        match &outcome {
            Ok(_) => guard.succeeded(key),
            Err(StoreError::Unauthenticated) => guard.failed(key, self.client),
            Err(_) => {}
        }
        outcome
    }
}

fn principal_from_row(row: &sqlx::any::AnyRow) -> Result<Principal> {
    let user_id: String = row.try_get("id")?;
    let org_id: Option<String> = row.try_get("org_id")?;
    let operator = row.try_get::<i64, _>("operator")? != 0;
    let status: Option<String> = row.try_get("status")?;
    if org_id.is_some() && status.as_deref() != Some(crate::registry::OrgStatus::Active.as_str()) {
        return Err(StoreError::Unauthenticated);
    }
    Ok(Principal {
        roles: roles_from_text(&row.try_get::<String, _>("roles")?),
        scope: org_id.map(|org| OrgScope::for_user(org, user_id.clone())),
        operator,
        user_id,
    })
}

/// A hash of a password nobody has, to verify against when the account does not exist.
fn dummy_hash(fast: bool, argon: &Argon2<'static>) -> &'static str {
    static FAST: OnceLock<String> = OnceLock::new();
    static SLOW: OnceLock<String> = OnceLock::new();
    let cell = if fast { &FAST } else { &SLOW };
    cell.get_or_init(|| {
        let salt = SaltString::generate(&mut rand::rngs::OsRng);
        argon.hash_password(b"no account has this password", &salt).map(|h| h.to_string()).unwrap_or_default()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roles_round_trip_through_text() {
        let roles = vec![Role::Admin, Role::OccupationalHealth];
        assert_eq!(roles_from_text(&roles_to_text(&roles)), roles);
        assert!(roles_from_text("").is_empty());
    }

    #[test]
    fn emails_are_normalised_and_checked() {
        assert_eq!(normalise_email(" A.B@NHS.net ").unwrap(), "a.b@nhs.net");
        assert!(normalise_email("nobody").is_err());
        assert!(normalise_email("a b@nhs.net").is_err());
    }
}
