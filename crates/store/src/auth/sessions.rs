//! Browser sessions of the portal: made after a correct password, promoted once the second factor
//! (when one is required) is given, ended by signing out or by expiry.
//!
//! The cookie value is 32 random bytes (hex); only its SHA-256 is stored, as for API tokens. Each
//! session carries its own CSRF token, which the server embeds in every form and compares on every
//! POST. Expiry is checked on every lookup: idle (since `last_seen_at`) and absolute (since
//! `created_at`), both given by the caller with the current time, so tests move the clock.

use rand::RngCore;
use sha2::{Digest, Sha256};
use sqlx::Row;

use super::workers::WORKER_CHAIN;
use super::{Auth, Principal, principal_from_row};
use crate::audit::{self, Event, REGISTRY_CHAIN};
use crate::db;
use crate::error::{Result, StoreError};

/// How far a session has got through sign-in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SessionStage {
    /// Password given; the second factor (or its enrolment) is still to come.
    Password,
    /// Signed in.
    Full,
}

impl SessionStage {
    fn as_str(self) -> &'static str {
        match self {
            SessionStage::Password => "password",
            SessionStage::Full => "full",
        }
    }
}

/// Idle and absolute lifetimes of a session, in seconds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SessionLimits {
    pub idle_secs: i64,
    pub absolute_secs: i64,
}

impl Default for SessionLimits {
    /// 30 minutes idle, 12 hours at most (a working shift).
    fn default() -> Self {
        SessionLimits { idle_secs: 30 * 60, absolute_secs: 12 * 3600 }
    }
}

/// A new session: `token` is the cookie value, shown once.
#[derive(Debug, Clone)]
pub struct NewSession {
    pub token: String,
    pub csrf_token: String,
}

/// A live session, as each request sees it.
#[derive(Debug, Clone)]
pub struct WebSession {
    pub principal: Principal,
    pub stage: SessionStage,
    pub csrf_token: String,
    pub email: String,
    pub display_name: String,
    pub created_at: i64,
}

fn session_hash(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

fn random_hex() -> String {
    let mut bytes = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    hex::encode(bytes)
}

/// Last-seen times are written at most this often (seconds), so reading pages costs no write each.
const TOUCH_EVERY_SECS: i64 = 60;

impl Auth<'_> {
    /// Opens a session for `principal` (from [`Auth::login`], [`Auth::operator_login`] or
    /// [`Auth::worker_login`]) at `now` (Unix seconds). Audited on the user's organisation chain (the
    /// registry's for operators, the workers' for worker accounts).
    pub async fn create_session(&self, principal: &Principal, stage: SessionStage, now: i64) -> Result<NewSession> {
        let session = NewSession { token: random_hex(), csrf_token: random_hex() };
        let mut tx = db::begin(&self.store.pool, self.store.backend).await?;
        sqlx::query(
            "INSERT INTO web_sessions (id_hash, user_id, stage, csrf_token, created_at, last_seen_at) \
             VALUES ($1, $2, $3, $4, $5, $5)",
        )
        .bind(session_hash(&session.token))
        .bind(&principal.user_id)
        .bind(stage.as_str())
        .bind(&session.csrf_token)
        .bind(now)
        .execute(&mut *tx)
        .await?;
        let action = match stage {
            SessionStage::Password => "session.password",
            SessionStage::Full => "session.open",
        };
        let event = Event { action, subject_type: "user", subject_id: Some(&principal.user_id) };
        match (&principal.scope, principal.registry_scope(), principal.worker_scope()) {
            (Some(scope), _, _) => {
                audit::append(&mut tx, scope.org_id(), scope.actor(), event).await?;
            }
            (None, Some(scope), _) => {
                audit::append(&mut tx, REGISTRY_CHAIN, scope.actor(), event).await?;
            }
            // A worker account belongs to no organisation: its sessions go on the workers' chain.
            (None, None, Some(scope)) => {
                audit::append(&mut tx, WORKER_CHAIN, &scope.actor(), event).await?;
            }
            (None, None, None) => return Err(StoreError::Unauthenticated),
        }
        tx.commit().await?;
        Ok(session)
    }

    /// The live session behind a cookie value at `now`. Unknown, expired (idle or absolute) sessions,
    /// disabled users and suspended organisations are all `Unauthenticated`; an expired session is
    /// deleted. Refreshes `last_seen_at`.
    pub async fn session(&self, token: &str, now: i64, limits: SessionLimits) -> Result<WebSession> {
        if token.len() != 64 || !token.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(StoreError::Unauthenticated);
        }
        let hash = session_hash(token);
        let row = sqlx::query(
            "SELECT u.id, u.org_id, u.roles, u.operator, o.status, u.email, u.display_name, \
             s.stage, s.csrf_token, s.created_at, s.last_seen_at FROM web_sessions s \
             JOIN users u ON u.id = s.user_id LEFT JOIN organisations o ON o.id = u.org_id \
             WHERE s.id_hash = $1 AND u.disabled = 0",
        )
        .bind(&hash)
        .fetch_optional(&self.store.pool)
        .await?
        .ok_or(StoreError::Unauthenticated)?;
        let created_at: i64 = row.try_get("created_at")?;
        let last_seen: i64 = row.try_get("last_seen_at")?;
        if now - last_seen > limits.idle_secs || now - created_at > limits.absolute_secs {
            self.end_session(token).await?;
            return Err(StoreError::Unauthenticated);
        }
        let principal = principal_from_row(&row)?;
        if now - last_seen >= TOUCH_EVERY_SECS {
            sqlx::query("UPDATE web_sessions SET last_seen_at = $2 WHERE id_hash = $1")
                .bind(&hash)
                .bind(now)
                .execute(&self.store.pool)
                .await?;
        }
        let stage = match row.try_get::<String, _>("stage")?.as_str() {
            "full" => SessionStage::Full,
            _ => SessionStage::Password,
        };
        Ok(WebSession {
            principal,
            stage,
            csrf_token: row.try_get("csrf_token")?,
            email: row.try_get("email")?,
            display_name: row.try_get("display_name")?,
            created_at,
        })
    }

    /// Ends a session (signing out, or replacing it with a new one after the second factor). Ending an
    /// unknown session is not an error.
    pub async fn end_session(&self, token: &str) -> Result<()> {
        sqlx::query("DELETE FROM web_sessions WHERE id_hash = $1")
            .bind(session_hash(token))
            .execute(&self.store.pool)
            .await?;
        Ok(())
    }

    /// Ends every session of a user (an admin's reset, a disabled account): the number ended.
    pub async fn end_user_sessions(&self, user_id: &str) -> Result<u64> {
        let done =
            sqlx::query("DELETE FROM web_sessions WHERE user_id = $1").bind(user_id).execute(&self.store.pool).await?;
        Ok(done.rows_affected())
    }
}
