//! Worker accounts: HR's one-time invitations, accepting one (which makes the account or links another
//! record to it), the worker's password login and tokens, and the [`WorkerScope`] a worker acts under.
//!
//! A worker account is a `users` row with no organisation (`org_id` NULL, `operator` 0, roles `worker`),
//! identified by its email. It reaches person records only through `worker_links`, one row per record,
//! written when an invitation for that record is accepted: so one account gathers the worker's records
//! in every organisation that invited them (bank work, rotations), and never anything else. Its
//! [`Principal`] carries no [`OrgScope`], so every organisation route answers 404 to it.
//!
//! The invitation secret (`spw_` + 64 hex digits, 256 bits from the OS) is shown once and stored only
//! as its SHA-256 digest (as API tokens are). It is valid for [`INVITATION_TTL_HOURS`], once, and only
//! at the organisation that made it. Whoever holds it proves they received it (HR sends it to the
//! worker's email); linking a record to an *existing* account also needs that account's password, so
//! an invitation cannot be used to take over someone's account. Times are passed in.

use chrono::{DateTime, Duration, Utc};
use rand::RngCore;
use sha2::{Digest, Sha256};
use sqlx::Row;

use super::{Auth, IssuedToken, Principal, Role, TOKEN_PREFIX, normalise_email};
use crate::audit::{self, Event};
use crate::db;
use crate::error::{Result, StoreError};
use crate::scope::{Actor, OrgScope};

/// How long an invitation may be accepted.
pub const INVITATION_TTL_HOURS: i64 = 72;
/// Prefix of invitation secrets, so leaked ones are recognisable.
pub const INVITATION_PREFIX: &str = "spw_";
/// Audit chain of account-level events of worker accounts (they belong to no organisation's chain).
pub const WORKER_CHAIN: &str = "workers";

/// Permission to act as one worker on their own records; only authentication makes one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WorkerScope {
    account_id: String,
}

impl WorkerScope {
    pub fn account_id(&self) -> &str {
        &self.account_id
    }

    pub(crate) fn actor(&self) -> Actor {
        Actor::User(self.account_id.clone())
    }

    /// An organisation scope acting as this worker in `org_id`: only for calls on the worker's own
    /// linked record there (the caller checks the link first).
    pub(crate) fn in_org(&self, org_id: &str) -> OrgScope {
        OrgScope::for_user(org_id.to_owned(), self.account_id.clone())
    }
}

impl Principal {
    /// The worker scope, if this principal is a worker account.
    pub fn worker_scope(&self) -> Option<WorkerScope> {
        (self.scope.is_none() && !self.operator && self.has_role(Role::Worker))
            .then(|| WorkerScope { account_id: self.user_id.clone() })
    }
}

/// A new invitation; `token` is the secret, shown once.
#[derive(Debug, Clone)]
pub struct IssuedInvitation {
    pub id: String,
    pub person_id: String,
    pub email: String,
    pub token: String,
    pub expires_at: DateTime<Utc>,
}

/// What a worker sends to accept an invitation.
#[derive(Debug, Clone)]
pub struct AcceptInvitation<'a> {
    /// The organisation the invitation says it is from.
    pub ods_code: &'a str,
    pub token: &'a str,
    /// A new account's password, or the existing account's.
    pub password: &'a str,
}

/// A worker account as its owner sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WorkerAccount {
    pub id: String,
    pub email: String,
    pub display_name: String,
    pub created_at: DateTime<Utc>,
}

fn digest(secret: &str) -> String {
    hex::encode(Sha256::digest(secret.as_bytes()))
}

fn refused(problem: &str) -> StoreError {
    StoreError::invalid("token", problem)
}

const WORKER_WHERE: &str = "org_id IS NULL AND operator = 0 AND email = $1";

impl Auth<'_> {
    /// HR invites the worker whose record is `person_id` (in the scope's organisation) to self-service.
    /// `NotFound` for a person of another organisation; `Conflict { field: "person_id" }` when the record
    /// already belongs to an account.
    pub async fn invite_worker(
        &self,
        scope: &OrgScope,
        person_id: &str,
        email: &str,
        now: DateTime<Utc>,
    ) -> Result<IssuedInvitation> {
        let email = normalise_email(email)?;
        let mut secret = [0u8; 32];
        rand::rngs::OsRng.fill_bytes(&mut secret);
        let token = format!("{INVITATION_PREFIX}{}", hex::encode(secret));
        let id = db::new_id();
        let expires_at = now + Duration::hours(INVITATION_TTL_HOURS);
        let mut tx = db::begin(&self.store.pool, self.store.backend).await?;
        sqlx::query("SELECT 1 FROM people WHERE org_id = $1 AND id = $2")
            .bind(scope.org_id())
            .bind(person_id)
            .fetch_optional(&mut *tx)
            .await?
            .ok_or(StoreError::NotFound)?;
        let linked = sqlx::query("SELECT 1 FROM worker_links WHERE org_id = $1 AND person_id = $2")
            .bind(scope.org_id())
            .bind(person_id)
            .fetch_optional(&mut *tx)
            .await?;
        if linked.is_some() {
            return Err(StoreError::Conflict {
                field: "person_id".into(),
                problem: "this record already belongs to a worker account".into(),
            });
        }
        sqlx::query(
            "INSERT INTO worker_invitations (org_id, id, person_id, email, token_hash, created_by, created_at, \
             expires_at, accepted_at, account_id) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, NULL, NULL)",
        )
        .bind(scope.org_id())
        .bind(&id)
        .bind(person_id)
        .bind(&email)
        .bind(digest(&token))
        .bind(scope.actor().as_audit_text())
        .bind(db::timestamp(now))
        .bind(db::timestamp(expires_at))
        .execute(&mut *tx)
        .await?;
        audit::append(&mut tx, scope.org_id(), scope.actor(), Event::person("worker_invitation.create", person_id))
            .await?;
        tx.commit().await?;
        Ok(IssuedInvitation { id, person_id: person_id.to_owned(), email, token, expires_at })
    }

    /// Accepts an invitation at `now`: makes the worker account (password set here) or, when one exists
    /// for the invitation's email, checks its password (through the login throttle, with the client of
    /// [`Auth::from_client`]); then links the record to it, once. Refusals name `token` (unknown, another
    /// organisation's, expired, used) or `password`.
    pub async fn accept_invitation(&self, accept: &AcceptInvitation<'_>, now: DateTime<Utc>) -> Result<Principal> {
        let token = accept.token.trim();
        if !token.starts_with(INVITATION_PREFIX) || token.len() != INVITATION_PREFIX.len() + 64 {
            return Err(refused("is not an invitation"));
        }
        let find = "SELECT i.org_id, i.id, i.person_id, i.email, i.expires_at, i.accepted_at, o.ods_code, o.status \
                    FROM worker_invitations i JOIN organisations o ON o.id = i.org_id WHERE i.token_hash = $1";
        let row = sqlx::query(find)
            .bind(digest(token))
            .fetch_optional(&self.store.pool)
            .await?
            .ok_or_else(|| refused("is not an invitation"))?;
        let ods: String = row.try_get("ods_code")?;
        // Presented to another organisation: answered as an unknown invitation, revealing nothing.
        if !ods.eq_ignore_ascii_case(accept.ods_code.trim()) || row.try_get::<String, _>("status")? != "active" {
            return Err(refused("is not an invitation"));
        }
        if row.try_get::<Option<String>, _>("accepted_at")?.is_some() {
            return Err(refused("has already been used"));
        }
        let expires_at = db::parse_timestamp(&row.try_get::<String, _>("expires_at")?, "worker_invitations")?;
        if now >= expires_at {
            return Err(refused("has expired: ask for a new invitation"));
        }
        let org_id: String = row.try_get("org_id")?;
        let invitation_id: String = row.try_get("id")?;
        let person_id: String = row.try_get("person_id")?;
        let email: String = row.try_get("email")?;

        // Hash or verify outside the transaction: argon2 is slow and SQLite has one writer.
        let existing = sqlx::query(&format!("SELECT id, password_hash FROM users WHERE {WORKER_WHERE}"))
            .bind(&email)
            .fetch_optional(&self.store.pool)
            .await?;
        let (account_id, new_hash) = match existing {
            Some(row) => {
                // The existing account's password, throttled as its sign-in is: an invitation (which HR
                // can make for any email) must not become a way round the login throttle.
                let key = format!("worker:{email}");
                let guard = &self.store.auth_settings.guard;
                guard.check(Some(&key), self.client)?;
                let hash: Option<String> = row.try_get("password_hash")?;
                if !self.try_verify_password(hash, accept.password.to_owned()).await? {
                    guard.failed(Some(&key), self.client);
                    return Err(StoreError::invalid("password", "is not the password of your existing worker account"));
                }
                guard.succeeded(Some(&key));
                (row.try_get::<String, _>("id")?, None)
            }
            None => (db::new_id(), Some(self.hash_password(accept.password.to_owned()).await?)),
        };

        let mut tx = db::begin(&self.store.pool, self.store.backend).await?;
        let used = sqlx::query(
            "UPDATE worker_invitations SET accepted_at = $3, account_id = $4 \
             WHERE org_id = $1 AND id = $2 AND accepted_at IS NULL",
        )
        .bind(&org_id)
        .bind(&invitation_id)
        .bind(db::timestamp(now))
        .bind(&account_id)
        .execute(&mut *tx)
        .await?;
        if used.rows_affected() == 0 {
            return Err(refused("has already been used"));
        }
        if let Some(hash) = new_hash {
            let person: String = sqlx::query("SELECT doc FROM people WHERE org_id = $1 AND id = $2")
                .bind(&org_id)
                .bind(&person_id)
                .fetch_one(&mut *tx)
                .await?
                .try_get("doc")?;
            let person: domain::person::Person = db::from_doc(&person, "people")?;
            sqlx::query(
                "INSERT INTO users (id, org_id, email, display_name, roles, operator, password_hash, disabled, \
                 created_at) VALUES ($1, NULL, $2, $3, $4, 0, $5, 0, $6)",
            )
            .bind(&account_id)
            .bind(&email)
            .bind(format!("{} {}", person.given_name.trim(), person.family_name.trim()))
            .bind(Role::Worker.as_str())
            .bind(hash)
            .bind(db::timestamp(now))
            .execute(&mut *tx)
            .await?;
            let event = Event { action: "worker.create", subject_type: "user", subject_id: Some(&account_id) };
            audit::append(&mut tx, WORKER_CHAIN, &Actor::User(account_id.clone()), event).await?;
        }
        sqlx::query(
            "INSERT INTO worker_links (org_id, person_id, account_id, invitation_id, linked_at) \
             VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(&org_id)
        .bind(&person_id)
        .bind(&account_id)
        .bind(&invitation_id)
        .bind(db::timestamp(now))
        .execute(&mut *tx)
        .await
        .map_err(|e| match StoreError::from(e) {
            StoreError::Conflict { .. } => StoreError::Conflict {
                field: "token".into(),
                problem: "this record already belongs to a worker account".into(),
            },
            other => other,
        })?;
        audit::append(&mut tx, &org_id, &Actor::User(account_id.clone()), Event::person("worker.link", &person_id))
            .await?;
        tx.commit().await?;
        Ok(Principal { user_id: account_id, roles: vec![Role::Worker], scope: None, operator: false })
    }

    /// Password login of a worker account, by email, throttled like every login: by the email as given
    /// (so unknown accounts lock like known ones) and by the client address of [`Auth::from_client`].
    pub async fn worker_login(&self, email: &str, password: &str) -> Result<Principal> {
        let email = email.trim().to_lowercase();
        let key = format!("worker:{email}");
        self.store.auth_settings.guard.check(Some(&key), self.client)?;
        let row = sqlx::query(&format!(
            "SELECT id, org_id, roles, operator, CAST(NULL AS TEXT) AS status, password_hash FROM users \
             WHERE {WORKER_WHERE} AND disabled = 0"
        ))
        .bind(&email)
        .fetch_optional(&self.store.pool)
        .await?;
        self.check_login_for(Some(&key), row, password).await
    }

    /// Confirms the authenticator the worker began enrolling ([`Auth::begin_totp_enrolment`]) with a
    /// correct code at `now`: from then on sign-in asks for a code. Audited on the workers' chain.
    pub async fn add_worker_totp(&self, scope: &WorkerScope, code: &str, now: i64) -> Result<()> {
        self.verify_totp(scope.account_id(), code, now).await?;
        let mut tx = db::begin(&self.store.pool, self.store.backend).await?;
        let event = Event { action: "worker.totp_add", subject_type: "user", subject_id: Some(scope.account_id()) };
        audit::append(&mut tx, WORKER_CHAIN, &scope.actor(), event).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Removes the worker's own authenticator, given a current code from it at `now` (a stolen session
    /// alone cannot remove it): sign-in asks for the password only again. `NotFound` when there is
    /// none. Audited on the workers' chain.
    pub async fn remove_worker_totp(&self, scope: &WorkerScope, code: &str, now: i64) -> Result<()> {
        if !self.totp_state(scope.account_id()).await?.enrolled {
            return Err(StoreError::NotFound);
        }
        self.verify_totp(scope.account_id(), code, now).await?;
        let mut tx = db::begin(&self.store.pool, self.store.backend).await?;
        sqlx::query("DELETE FROM user_totp WHERE user_id = $1").bind(scope.account_id()).execute(&mut *tx).await?;
        let event = Event { action: "worker.totp_remove", subject_type: "user", subject_id: Some(scope.account_id()) };
        audit::append(&mut tx, WORKER_CHAIN, &scope.actor(), event).await?;
        tx.commit().await?;
        Ok(())
    }

    /// A new API token for the worker (shown once, stored as its SHA-256), audited on the workers' chain.
    pub async fn issue_worker_token(&self, scope: &WorkerScope, label: &str) -> Result<IssuedToken> {
        let mut secret = [0u8; 32];
        rand::rngs::OsRng.fill_bytes(&mut secret);
        let token = format!("{TOKEN_PREFIX}{}", hex::encode(secret));
        let id = db::new_id();
        let mut tx = db::begin(&self.store.pool, self.store.backend).await?;
        sqlx::query("SELECT id FROM users WHERE id = $1 AND org_id IS NULL AND operator = 0 AND disabled = 0")
            .bind(scope.account_id())
            .fetch_optional(&mut *tx)
            .await?
            .ok_or(StoreError::NotFound)?;
        sqlx::query(
            "INSERT INTO api_tokens (id, user_id, token_hash, label, created_at, revoked_at) \
             VALUES ($1, $2, $3, $4, $5, NULL)",
        )
        .bind(&id)
        .bind(scope.account_id())
        .bind(digest(&token))
        .bind(label)
        .bind(db::now())
        .execute(&mut *tx)
        .await?;
        let event = Event { action: "token.issue", subject_type: "user", subject_id: Some(scope.account_id()) };
        audit::append(&mut tx, WORKER_CHAIN, &scope.actor(), event).await?;
        tx.commit().await?;
        Ok(IssuedToken { id, token, label: label.to_owned() })
    }

    /// The worker's own account.
    pub async fn worker_account(&self, scope: &WorkerScope) -> Result<WorkerAccount> {
        let row = sqlx::query(
            "SELECT id, email, display_name, created_at FROM users WHERE id = $1 AND org_id IS NULL AND operator = 0",
        )
        .bind(scope.account_id())
        .fetch_optional(&self.store.pool)
        .await?
        .ok_or(StoreError::NotFound)?;
        Ok(WorkerAccount {
            id: row.try_get("id")?,
            email: row.try_get("email")?,
            display_name: row.try_get("display_name")?,
            created_at: db::parse_timestamp(&row.try_get::<String, _>("created_at")?, "users")?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_a_worker_principal_has_a_worker_scope() {
        let worker = Principal { user_id: "w".into(), roles: vec![Role::Worker], scope: None, operator: false };
        assert_eq!(worker.worker_scope().map(|s| s.account_id().to_owned()), Some("w".into()));
        let operator = Principal { operator: true, ..worker.clone() };
        assert!(operator.worker_scope().is_none());
        let staff =
            Principal { scope: Some(OrgScope::system("o", "t")), roles: vec![Role::Hr, Role::Worker], ..worker };
        assert!(staff.worker_scope().is_none());
    }
}
