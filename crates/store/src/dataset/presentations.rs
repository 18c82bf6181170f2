//! OpenID4VP presentation requests of one organisation (the verifier): the authorisation request
//! as served, found by its `state`, and once answered the ready-to-work result. Both are JSON
//! documents the server builds; the store keeps them, answers each request once, and refuses a
//! `vp_token` it has recorded before (by digest).

use chrono::{DateTime, Utc};
use serde::Serialize;
use sqlx::Row;

use super::Dataset;
use super::offers::secret_hash;
use crate::audit::Event;
use crate::db;
use crate::error::{Result, StoreError};

/// A request to store.
#[derive(Debug, Clone)]
pub struct NewPresentationRequest<'a> {
    pub role_code: &'a str,
    pub state: &'a str,
    /// The authorisation request (JSON) as it will be served.
    pub request_doc: &'a str,
    /// Unix seconds.
    pub expires_at: i64,
}

/// A stored request and, once answered, its result.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PresentationRecord {
    pub id: String,
    pub role_code: String,
    pub state: String,
    pub request_doc: String,
    pub expires_at: i64,
    pub created_by: String,
    pub created_at: DateTime<Utc>,
    pub answered_at: Option<DateTime<Utc>>,
    pub result_doc: Option<String>,
}

const SELECT: &str = "SELECT id, role_code, state, request_doc, expires_at, created_by, created_at, answered_at, \
     result_doc FROM presentation_requests";

fn record_from_row(row: &sqlx::any::AnyRow) -> Result<PresentationRecord> {
    let created: String = row.try_get("created_at")?;
    let answered: Option<String> = row.try_get("answered_at")?;
    Ok(PresentationRecord {
        id: row.try_get("id")?,
        role_code: row.try_get("role_code")?,
        state: row.try_get("state")?,
        request_doc: row.try_get("request_doc")?,
        expires_at: row.try_get("expires_at")?,
        created_by: row.try_get("created_by")?,
        created_at: db::parse_timestamp(&created, "presentation_requests")?,
        answered_at: answered.map(|a| db::parse_timestamp(&a, "presentation_requests")).transpose()?,
        result_doc: row.try_get("result_doc")?,
    })
}

impl Dataset<'_> {
    /// Stores a new presentation request; returns its id.
    pub async fn create_presentation_request(&self, request: &NewPresentationRequest<'_>) -> Result<String> {
        let id = db::new_id();
        let stamp = self.stamp();
        let mut tx = self.begin().await?;
        sqlx::query(
            "INSERT INTO presentation_requests (org_id, id, role_code, state, request_doc, expires_at, created_by, \
             created_at, answered_at, result_doc) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, NULL, NULL)",
        )
        .bind(self.org())
        .bind(&id)
        .bind(request.role_code)
        .bind(request.state)
        .bind(request.request_doc)
        .bind(request.expires_at)
        .bind(&stamp.by)
        .bind(&stamp.at)
        .execute(&mut *tx)
        .await?;
        let event = Event {
            action: "presentation_request.create",
            subject_type: "presentation_request",
            subject_id: Some(&id),
        };
        self.audit(&mut tx, event).await?;
        tx.commit().await?;
        Ok(id)
    }

    /// A request of this organisation by id (the verifier reading its result). Audited.
    pub async fn get_presentation_request(&self, id: &str) -> Result<PresentationRecord> {
        let mut tx = self.begin().await?;
        let row = sqlx::query(&format!("{SELECT} WHERE org_id = $1 AND id = $2"))
            .bind(self.org())
            .bind(id)
            .fetch_optional(&mut *tx)
            .await?
            .ok_or(StoreError::NotFound)?;
        let record = record_from_row(&row)?;
        let event =
            Event { action: "presentation_request.read", subject_type: "presentation_request", subject_id: Some(id) };
        self.audit(&mut tx, event).await?;
        tx.commit().await?;
        Ok(record)
    }

    /// A request of this organisation by its `state` (the wallet fetching it or answering it).
    /// Holds no personal data until answered; not audited.
    pub async fn presentation_request_by_state(&self, state: &str) -> Result<PresentationRecord> {
        let row = sqlx::query(&format!("{SELECT} WHERE org_id = $1 AND state = $2"))
            .bind(self.org())
            .bind(state)
            .fetch_optional(&self.store.pool)
            .await?
            .ok_or(StoreError::NotFound)?;
        record_from_row(&row)
    }

    /// Records the result of an unanswered request, remembering the `vp_token` digest. `Conflict`
    /// on `state` when the request was answered already, on `vp_token` when that token was
    /// recorded before; nothing is written then.
    pub async fn record_presentation_result(&self, id: &str, vp_token: &str, result_doc: &str) -> Result<()> {
        let at = db::now();
        let mut tx = self.begin().await?;
        let seen = sqlx::query(
            "INSERT INTO presented_tokens (vp_hash, org_id, request_id, at) VALUES ($1, $2, $3, $4) \
             ON CONFLICT DO NOTHING",
        )
        .bind(secret_hash(vp_token))
        .bind(self.org())
        .bind(id)
        .bind(&at)
        .execute(&mut *tx)
        .await?;
        if seen.rows_affected() == 0 {
            return Err(StoreError::Conflict { field: "vp_token".into(), problem: "was presented before".into() });
        }
        let done = sqlx::query(
            "UPDATE presentation_requests SET answered_at = $3, result_doc = $4 \
             WHERE org_id = $1 AND id = $2 AND answered_at IS NULL",
        )
        .bind(self.org())
        .bind(id)
        .bind(&at)
        .bind(result_doc)
        .execute(&mut *tx)
        .await?;
        if done.rows_affected() == 0 {
            return Err(StoreError::Conflict {
                field: "state".into(),
                problem: "the request was answered already".into(),
            });
        }
        let event =
            Event { action: "presentation_request.answer", subject_type: "presentation_request", subject_id: Some(id) };
        self.audit(&mut tx, event).await?;
        tx.commit().await?;
        Ok(())
    }
}
