//! API bearer tokens: issuing (shown once), listing, revoking, and resolving a token to a
//! [`Principal`] on every request.
//!
//! A token is `sp_` + 64 hex digits (32 bytes from the OS) and only its SHA-256 is stored. A fast
//! hash is right here: with 256 bits of entropy there is nothing to brute force, so salting and
//! stretching buy nothing, and a deterministic hash lets each request find its token with one
//! indexed equality lookup. (Passwords are low-entropy, hence argon2id in the parent module.)
//!
//! Every token expires: `expires_at` is set at issue from the store's token lifetime (default
//! [`DEFAULT_TOKEN_TTL_DAYS`], `Store::with_token_ttl`); a token written without one (before migration
//! 0060, or by a path that does not set it) expires that long after its `created_at`.

use chrono::{DateTime, Utc};
use rand::RngCore;
use serde::Serialize;
use sha2::{Digest, Sha256};
use sqlx::Row;

use super::{Auth, Principal, principal_from_row};
use crate::audit::{self, Event, REGISTRY_CHAIN};
use crate::db;
use crate::error::{Result, StoreError};
use crate::scope::{Actor, OrgScope, RegistryScope};

/// How long an API token lives unless the store is told otherwise.
pub const DEFAULT_TOKEN_TTL_DAYS: i64 = 30;

/// Prefix of every API token, so leaked tokens are recognisable by secret scanners.
pub const TOKEN_PREFIX: &str = "sp_";

/// A freshly issued API token. `token` is the secret: show it once, it is not stored.
#[derive(Debug, Clone)]
pub struct IssuedToken {
    pub id: String,
    pub token: String,
    pub label: String,
}

/// A token as listed (no secret).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TokenInfo {
    pub id: String,
    pub user_id: String,
    pub label: String,
    pub created_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
    pub revoked_at: Option<DateTime<Utc>>,
}

impl Auth<'_> {
    /// Issues a new API token for a user of the scope's organisation.
    pub async fn issue_token(&self, scope: &OrgScope, user_id: &str, label: &str) -> Result<IssuedToken> {
        Ok(self.issue_token_expiring(scope, user_id, label).await?.0)
    }

    /// [`Auth::issue_token`], also saying when the token expires.
    pub async fn issue_token_expiring(
        &self,
        scope: &OrgScope,
        user_id: &str,
        label: &str,
    ) -> Result<(IssuedToken, DateTime<Utc>)> {
        let exists = "SELECT id FROM users WHERE org_id = $2 AND id = $1 AND disabled = 0";
        self.insert_token(exists, Some(scope.org_id()), scope.org_id(), scope.actor(), user_id, label).await
    }

    /// How long tokens issued now live.
    pub fn token_ttl(&self) -> chrono::Duration {
        self.store.auth_settings.token_ttl
    }

    /// Issues a new API token for a registry operator.
    pub async fn issue_operator_token(
        &self,
        scope: &RegistryScope,
        operator_id: &str,
        label: &str,
    ) -> Result<IssuedToken> {
        let exists = "SELECT id FROM users WHERE id = $1 AND operator = 1";
        Ok(self.insert_token(exists, None, REGISTRY_CHAIN, scope.actor(), operator_id, label).await?.0)
    }

    /// Creates a token for `user_id` if `exists_sql` (binding the user id, then `org`) finds the
    /// user; audited on `chain`.
    async fn insert_token(
        &self,
        exists_sql: &str,
        org: Option<&str>,
        chain: &str,
        actor: &Actor,
        user_id: &str,
        label: &str,
    ) -> Result<(IssuedToken, DateTime<Utc>)> {
        let mut secret = [0u8; 32];
        rand::rngs::OsRng.fill_bytes(&mut secret);
        let token = format!("{TOKEN_PREFIX}{}", hex::encode(secret));
        let id = db::new_id();
        let mut tx = db::begin(&self.store.pool, self.store.backend).await?;
        let mut exists = sqlx::query(exists_sql).bind(user_id);
        if let Some(org) = org {
            exists = exists.bind(org);
        }
        exists.fetch_optional(&mut *tx).await?.ok_or(StoreError::NotFound)?;
        let now = Utc::now();
        let expires_at = now + self.token_ttl();
        sqlx::query(
            "INSERT INTO api_tokens (id, user_id, token_hash, label, created_at, revoked_at, expires_at) \
             VALUES ($1, $2, $3, $4, $5, NULL, $6)",
        )
        .bind(&id)
        .bind(user_id)
        .bind(token_hash(&token))
        .bind(label)
        .bind(db::timestamp(now))
        .bind(db::timestamp(expires_at))
        .execute(&mut *tx)
        .await?;
        let event = Event { action: "token.issue", subject_type: "user", subject_id: Some(user_id) };
        audit::append(&mut tx, chain, actor, event).await?;
        tx.commit().await?;
        Ok((IssuedToken { id, token, label: label.to_owned() }, expires_at))
    }

    /// Tokens of a user of the scope's organisation.
    pub async fn list_tokens(&self, scope: &OrgScope, user_id: &str) -> Result<Vec<TokenInfo>> {
        let rows = sqlx::query(
            "SELECT t.id, t.user_id, t.label, t.created_at, t.revoked_at, t.expires_at FROM api_tokens t \
             JOIN users u ON u.id = t.user_id WHERE u.org_id = $1 AND t.user_id = $2 \
             ORDER BY t.created_at",
        )
        .bind(scope.org_id())
        .bind(user_id)
        .fetch_all(&self.store.pool)
        .await?;
        let ttl = self.token_ttl();
        rows.iter()
            .map(|row| {
                let created: String = row.try_get("created_at")?;
                let revoked: Option<String> = row.try_get("revoked_at")?;
                let expires: Option<String> = row.try_get("expires_at")?;
                let created_at = db::parse_timestamp(&created, "api_tokens")?;
                Ok(TokenInfo {
                    id: row.try_get("id")?,
                    user_id: row.try_get("user_id")?,
                    label: row.try_get("label")?,
                    expires_at: match expires {
                        Some(e) => db::parse_timestamp(&e, "api_tokens")?,
                        None => created_at + ttl,
                    },
                    created_at,
                    revoked_at: revoked.map(|r| db::parse_timestamp(&r, "api_tokens")).transpose()?,
                })
            })
            .collect()
    }

    /// Revokes a token of `user_id` (of the scope's organisation); `NotFound` when it is not that user's
    /// or already revoked.
    pub async fn revoke_user_token(&self, scope: &OrgScope, user_id: &str, token_id: &str) -> Result<()> {
        let sql = "UPDATE api_tokens SET revoked_at = $2 WHERE id = $1 AND revoked_at IS NULL AND user_id = $4 \
                   AND user_id IN (SELECT id FROM users WHERE org_id = $3) RETURNING user_id";
        let mut tx = db::begin(&self.store.pool, self.store.backend).await?;
        let row = sqlx::query(sql)
            .bind(token_id)
            .bind(db::now())
            .bind(scope.org_id())
            .bind(user_id)
            .fetch_optional(&mut *tx)
            .await?
            .ok_or(StoreError::NotFound)?;
        let user_id: String = row.try_get(0)?;
        let event = Event { action: "token.revoke", subject_type: "user", subject_id: Some(&user_id) };
        audit::append(&mut tx, scope.org_id(), scope.actor(), event).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Revokes every live token of a user of the scope's organisation; the number revoked. `NotFound`
    /// for a user of another organisation.
    pub async fn revoke_all_tokens(&self, scope: &OrgScope, user_id: &str) -> Result<u64> {
        let mut tx = db::begin(&self.store.pool, self.store.backend).await?;
        sqlx::query("SELECT id FROM users WHERE org_id = $1 AND id = $2")
            .bind(scope.org_id())
            .bind(user_id)
            .fetch_optional(&mut *tx)
            .await?
            .ok_or(StoreError::NotFound)?;
        let done = sqlx::query("UPDATE api_tokens SET revoked_at = $2 WHERE user_id = $1 AND revoked_at IS NULL")
            .bind(user_id)
            .bind(db::now())
            .execute(&mut *tx)
            .await?;
        let event = Event { action: "token.revoke_all", subject_type: "user", subject_id: Some(user_id) };
        audit::append(&mut tx, scope.org_id(), scope.actor(), event).await?;
        tx.commit().await?;
        Ok(done.rows_affected())
    }

    /// Revokes a token of any user of the scope's organisation.
    pub async fn revoke_token(&self, scope: &OrgScope, token_id: &str) -> Result<()> {
        let sql = "UPDATE api_tokens SET revoked_at = $2 WHERE id = $1 AND revoked_at IS NULL AND \
                   user_id IN (SELECT id FROM users WHERE org_id = $3) RETURNING user_id";
        self.revoke(sql, Some(scope.org_id()), scope.org_id(), scope.actor(), token_id).await
    }

    /// Revokes an operator's token.
    pub async fn revoke_operator_token(&self, scope: &RegistryScope, token_id: &str) -> Result<()> {
        let sql = "UPDATE api_tokens SET revoked_at = $2 WHERE id = $1 AND revoked_at IS NULL AND \
                   user_id IN (SELECT id FROM users WHERE operator = 1) RETURNING user_id";
        self.revoke(sql, None, REGISTRY_CHAIN, scope.actor(), token_id).await
    }

    async fn revoke(&self, sql: &str, org: Option<&str>, chain: &str, actor: &Actor, token_id: &str) -> Result<()> {
        let mut tx = db::begin(&self.store.pool, self.store.backend).await?;
        let mut q = sqlx::query(sql).bind(token_id).bind(db::now());
        if let Some(org) = org {
            q = q.bind(org);
        }
        let row = q.fetch_optional(&mut *tx).await?.ok_or(StoreError::NotFound)?;
        let user_id: String = row.try_get(0)?;
        let event = Event { action: "token.revoke", subject_type: "user", subject_id: Some(&user_id) };
        audit::append(&mut tx, chain, actor, event).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Resolves a bearer token. Unknown, revoked, expired, malformed tokens, disabled users and
    /// suspended organisations all give `Unauthenticated`.
    pub async fn authenticate_token(&self, token: &str) -> Result<Principal> {
        let token = token.trim();
        if !token.starts_with(TOKEN_PREFIX) || token.len() != TOKEN_PREFIX.len() + 64 {
            return Err(StoreError::Unauthenticated);
        }
        let row = sqlx::query(
            "SELECT u.id, u.org_id, u.roles, u.operator, o.status FROM api_tokens t \
             JOIN users u ON u.id = t.user_id LEFT JOIN organisations o ON o.id = u.org_id \
             WHERE t.token_hash = $1 AND t.revoked_at IS NULL AND u.disabled = 0 \
             AND (t.expires_at > $2 OR (t.expires_at IS NULL AND t.created_at > $3))",
        )
        .bind(token_hash(token))
        .bind(db::now())
        .bind(db::timestamp(Utc::now() - self.token_ttl()))
        .fetch_optional(&self.store.pool)
        .await?
        .ok_or(StoreError::Unauthenticated)?;
        principal_from_row(&row)
    }
}

fn token_hash(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}
