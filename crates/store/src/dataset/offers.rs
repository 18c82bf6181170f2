//! OpenID4VCI credential offers of one organisation: what HR offered to whom, and the state of the
//! pre-authorised code behind it (expiry, PIN attempts left, used), then the access token it was
//! exchanged for and which offered types have been handed out under it.
//!
//! Secrets are never stored: the offer URI's handle, the code, the PIN and the access token are
//! kept as SHA-256 digests ([`secret_hash`], [`pin_hash`]), looked up by digest. The protocol
//! rules (what makes a redemption valid) are the caller's: [`Dataset::redeem_offer`] hands the
//! stored grant to a closure inside the transaction that locks the row and writes back whatever
//! the closure left, so wrong PINs count even when redemption fails and a code is used once
//! however many requests race for it.

use serde::Serialize;
use sha2::{Digest, Sha256};
use sqlx::Row;

use super::Dataset;
use crate::audit::Event;
use crate::db::{self, Backend};
use crate::error::{Result, StoreError};

/// SHA-256 (hex) of a secret handed to a wallet.
pub fn secret_hash(secret: &str) -> String {
    hex::encode(Sha256::digest(secret.as_bytes()))
}

/// The stored digest of a PIN, keyed by the code it goes with.
pub fn pin_hash(code: &str, pin: &str) -> String {
    hex::encode(Sha256::digest(format!("{code}\u{0}{pin}").as_bytes()))
}

/// An offer to store; the secrets in clear, hashed here.
#[derive(Debug, Clone)]
pub struct NewOffer<'a> {
    pub person_id: &'a str,
    /// Passport type keys offered.
    pub credential_types: Vec<String>,
    /// The secret of the offer URI.
    pub handle: &'a str,
    pub code: &'a str,
    pub pin: Option<&'a str>,
    /// Unix seconds after which the code is dead.
    pub expires_at: i64,
    pub max_attempts: u32,
}

/// An offer as stored (digests only).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StoredOffer {
    pub id: String,
    pub person_id: String,
    pub credential_types: Vec<String>,
    #[serde(skip)]
    pub code_hash: String,
    #[serde(skip)]
    pub pin_hash: Option<String>,
    pub expires_at: i64,
    pub attempts_left: u32,
    pub used: bool,
    pub token_expires_at: Option<i64>,
}

const OFFER_SELECT: &str = "SELECT id, person_id, credential_types, code_hash, pin_hash, expires_at, attempts_left, \
     used, token_expires_at FROM credential_offers";

fn offer_from_row(row: &sqlx::any::AnyRow) -> Result<StoredOffer> {
    let types: String = row.try_get("credential_types")?;
    let used: i64 = row.try_get("used")?;
    let attempts: i64 = row.try_get("attempts_left")?;
    Ok(StoredOffer {
        id: row.try_get("id")?,
        person_id: row.try_get("person_id")?,
        credential_types: db::from_doc(&types, "credential_offers")?,
        code_hash: row.try_get("code_hash")?,
        pin_hash: row.try_get("pin_hash")?,
        expires_at: row.try_get("expires_at")?,
        attempts_left: attempts.max(0) as u32,
        used: used != 0,
        token_expires_at: row.try_get("token_expires_at")?,
    })
}

/// What a redemption closure decided.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Redemption {
    /// Write back the grant's state; no token.
    Refused,
    /// Mark used and store this access token (in clear; hashed here) until the given unix second.
    Redeemed { access_token: String, expires_at: i64 },
}

impl Dataset<'_> {
    /// Stores a new offer for a person of this dataset; returns its id.
    pub async fn create_offer(&self, offer: &NewOffer<'_>) -> Result<String> {
        if offer.credential_types.is_empty() {
            return Err(StoreError::invalid("credential_types", "must name at least one type"));
        }
        let id = db::new_id();
        let code_hash = secret_hash(offer.code);
        let stamp = self.stamp();
        let mut tx = self.begin().await?;
        self.require_person(&mut tx, offer.person_id).await?;
        sqlx::query(
            "INSERT INTO credential_offers (org_id, id, person_id, credential_types, offer_hash, code_hash, pin_hash, \
             expires_at, attempts_left, used, token_hash, token_expires_at, created_by, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, 0, NULL, NULL, $10, $11)",
        )
        .bind(self.org())
        .bind(&id)
        .bind(offer.person_id)
        .bind(db::to_doc(&offer.credential_types)?)
        .bind(secret_hash(offer.handle))
        .bind(&code_hash)
        .bind(offer.pin.map(|p| pin_hash(offer.code, p)))
        .bind(offer.expires_at)
        .bind(i64::from(offer.max_attempts))
        .bind(&stamp.by)
        .bind(&stamp.at)
        .execute(&mut *tx)
        .await?;
        self.audit(&mut tx, Event::person("credential_offer.create", offer.person_id)).await?;
        tx.commit().await?;
        Ok(id)
    }

    /// The offer behind an offer URI handle (a wallet fetching it). Audited against the person.
    pub async fn offer_by_handle(&self, handle: &str) -> Result<StoredOffer> {
        let mut tx = self.begin().await?;
        let row = sqlx::query(&format!("{OFFER_SELECT} WHERE org_id = $1 AND offer_hash = $2"))
            .bind(self.org())
            .bind(secret_hash(handle))
            .fetch_optional(&mut *tx)
            .await?
            .ok_or(StoreError::NotFound)?;
        let offer = offer_from_row(&row)?;
        self.audit(&mut tx, Event::person("credential_offer.fetch", &offer.person_id)).await?;
        tx.commit().await?;
        Ok(offer)
    }

    /// Applies `decide` to the offer whose code is `code`, with the row locked, and writes back
    /// `attempts_left`, `used` and (when redeemed) the access token's digest. `NotFound` when no
    /// offer of this organisation has that code.
    pub async fn redeem_offer<F>(&self, code: &str, decide: F) -> Result<(StoredOffer, Redemption)>
    where
        F: FnOnce(&mut StoredOffer) -> Redemption,
    {
        let lock = match self.store.backend {
            Backend::Postgres => " FOR UPDATE",
            Backend::Sqlite => "",
        };
        let mut tx = self.begin().await?;
        let row = sqlx::query(&format!("{OFFER_SELECT} WHERE org_id = $1 AND code_hash = $2{lock}"))
            .bind(self.org())
            .bind(secret_hash(code))
            .fetch_optional(&mut *tx)
            .await?
            .ok_or(StoreError::NotFound)?;
        let mut offer = offer_from_row(&row)?;
        let outcome = decide(&mut offer);
        let (token_hash, token_expires) = match &outcome {
            Redemption::Redeemed { access_token, expires_at } => {
                offer.used = true;
                offer.token_expires_at = Some(*expires_at);
                (Some(secret_hash(access_token)), Some(*expires_at))
            }
            Redemption::Refused => (None, None),
        };
        sqlx::query(
            "UPDATE credential_offers SET attempts_left = $3, used = $4, \
             token_hash = COALESCE($5, token_hash), token_expires_at = COALESCE($6, token_expires_at) \
             WHERE org_id = $1 AND id = $2",
        )
        .bind(self.org())
        .bind(&offer.id)
        .bind(i64::from(offer.attempts_left))
        .bind(i64::from(offer.used))
        .bind(token_hash)
        .bind(token_expires)
        .execute(&mut *tx)
        .await?;
        let action = match outcome {
            Redemption::Redeemed { .. } => "credential_offer.redeem",
            Redemption::Refused => "credential_offer.refuse",
        };
        self.audit(&mut tx, Event::person(action, &offer.person_id)).await?;
        tx.commit().await?;
        Ok((offer, outcome))
    }

    /// The offer an access token was issued for, while the token is current (`now` unix seconds).
    /// Not audited: it reads no personal data beyond ids; the issue that follows is.
    pub async fn offer_by_access_token(&self, access_token: &str, now: i64) -> Result<StoredOffer> {
        let row =
            sqlx::query(&format!("{OFFER_SELECT} WHERE org_id = $1 AND token_hash = $2 AND token_expires_at > $3"))
                .bind(self.org())
                .bind(secret_hash(access_token))
                .bind(now)
                .fetch_optional(&self.store.pool)
                .await?
                .ok_or(StoreError::NotFound)?;
        offer_from_row(&row)
    }

    /// Claims `credential_type` of an offer for issuing: `Conflict` if it was already claimed.
    pub async fn claim_offer_type(&self, offer_id: &str, credential_type: &str) -> Result<()> {
        let mut tx = self.begin().await?;
        let done = sqlx::query(
            "INSERT INTO credential_offer_issues (org_id, offer_id, credential_type, issued_at) \
             VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING",
        )
        .bind(self.org())
        .bind(offer_id)
        .bind(credential_type)
        .bind(db::now())
        .execute(&mut *tx)
        .await?;
        if done.rows_affected() == 0 {
            return Err(StoreError::Conflict {
                field: "credential_configuration_id".into(),
                problem: "already issued under this offer".into(),
            });
        }
        tx.commit().await?;
        Ok(())
    }

    /// Gives a claimed type back (issuing it failed), so nothing changed.
    pub async fn release_offer_type(&self, offer_id: &str, credential_type: &str) -> Result<()> {
        sqlx::query("DELETE FROM credential_offer_issues WHERE org_id = $1 AND offer_id = $2 AND credential_type = $3")
            .bind(self.org())
            .bind(offer_id)
            .bind(credential_type)
            .execute(&self.store.pool)
            .await?;
        Ok(())
    }
}
