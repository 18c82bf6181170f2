//! Issuer keys and the public side of issuing: what the unauthenticated endpoints (JWKS, status
//! list tokens, the trust list) need, none of it personal data.
//!
//! Keys are generated and sealed by the caller (the server's key store; the store does no
//! cryptography) and stored as opaque `key_material` plus the id of the key-encryption key that
//! sealed it (`kek_id`). Rows written before migration 0070 hold plaintext PKCS#8 and no `kek_id`;
//! [`Issuing::legacy_plaintext_keys`] and [`Issuing::seal_legacy_keys`] let the key store seal them
//! in place. A [`SigningKey`] carries the sealed private half only to the key store and never prints
//! it; [`IssuerKey`] is the public half every listing returns. The owner of a key is an organisation id, or
//! [`crate::REGISTRY_CHAIN`] for the registry operator's trust list key. Rotation retires the
//! current key (kept, with `retired_at`, so what it signed still verifies) and adds a new one.

use chrono::{DateTime, Utc};
use serde::Serialize;
use sqlx::{AnyConnection, Row};

use crate::audit::{self, Event};
use crate::dataset::{CredentialStatus, Dataset};
use crate::error::{Result, StoreError};
use crate::scope::Actor;
use crate::{Store, db};

/// A private signing key as stored (sealed by the key store). `Debug` never shows the key material.
#[derive(Clone)]
pub struct SigningKey {
    pub owner: String,
    pub kid: String,
    pub alg: String,
    material: Vec<u8>,
    kek_id: Option<String>,
}

impl std::fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SigningKey").field("owner", &self.owner).field("kid", &self.kid).finish_non_exhaustive()
    }
}

impl SigningKey {
    /// The key as the key store keeps it (sealed PKCS#8, or plaintext PKCS#8 when
    /// [`kek_id`](Self::kek_id) is `None`), for the key store only.
    pub fn material(&self) -> &[u8] {
        &self.material
    }

    /// The key-encryption key that sealed [`material`](Self::material); `None` for a plaintext
    /// row written before migration 0070.
    pub fn kek_id(&self) -> Option<&str> {
        self.kek_id.as_deref()
    }
}

/// The public half of an issuer key.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct IssuerKey {
    pub owner: String,
    pub kid: String,
    pub alg: String,
    /// The public JWK as JSON text.
    pub public_jwk: String,
    pub created_at: DateTime<Utc>,
    pub retired_at: Option<DateTime<Utc>>,
}

/// A key to store: generated and sealed by the caller (the key store).
#[derive(Clone)]
pub struct NewKey<'a> {
    pub kid: &'a str,
    pub alg: &'a str,
    /// The sealed private key, opaque to the store.
    pub material: &'a [u8],
    /// The key-encryption key that sealed `material`.
    pub kek_id: &'a str,
    pub public_jwk: &'a str,
}

/// The non-valid entries of one status list, and its size.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StatusListRows {
    pub size: i64,
    /// (index, status) for every entry that is not valid.
    pub entries: Vec<(i64, CredentialStatus)>,
}

/// Unscoped issuing data; obtained from [`Store::issuing`].
#[derive(Debug, Clone, Copy)]
pub struct Issuing<'s> {
    store: &'s Store,
}

impl Store {
    /// Issuer keys and status lists: public data for the well-known, status and trust endpoints.
    pub fn issuing(&self) -> Issuing<'_> {
        Issuing { store: self }
    }
}

pub(crate) async fn active_key(conn: &mut AnyConnection, owner: &str) -> Result<Option<SigningKey>> {
    let row = sqlx::query(
        "SELECT org_id, kid, alg, key_material, kek_id FROM issuer_keys WHERE org_id = $1 AND retired_at IS NULL",
    )
    .bind(owner)
    .fetch_optional(&mut *conn)
    .await?;
    row.as_ref().map(signing_key_from_row).transpose()
}

fn signing_key_from_row(row: &sqlx::any::AnyRow) -> Result<SigningKey> {
    let hex_text: String = row.try_get("key_material")?;
    let material = hex::decode(hex_text)
        .map_err(|e| StoreError::Corrupt { table: "issuer_keys", reason: format!("key_material: {e}") })?;
    Ok(SigningKey {
        owner: row.try_get("org_id")?,
        kid: row.try_get("kid")?,
        alg: row.try_get("alg")?,
        material,
        kek_id: row.try_get("kek_id")?,
    })
}

async fn insert_key(conn: &mut AnyConnection, owner: &str, key: &NewKey<'_>, at: &str) -> Result<()> {
    sqlx::query(
        "INSERT INTO issuer_keys (org_id, kid, alg, key_material, kek_id, public_jwk, created_at, retired_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, NULL)",
    )
    .bind(owner)
    .bind(key.kid)
    .bind(key.alg)
    .bind(hex::encode(key.material))
    .bind(key.kek_id)
    .bind(key.public_jwk)
    .bind(at)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

fn key_from_row(row: &sqlx::any::AnyRow) -> Result<IssuerKey> {
    let created: String = row.try_get("created_at")?;
    let retired: Option<String> = row.try_get("retired_at")?;
    Ok(IssuerKey {
        owner: row.try_get("org_id")?,
        kid: row.try_get("kid")?,
        alg: row.try_get("alg")?,
        public_jwk: row.try_get("public_jwk")?,
        created_at: db::parse_timestamp(&created, "issuer_keys")?,
        retired_at: retired.map(|r| db::parse_timestamp(&r, "issuer_keys")).transpose()?,
    })
}

impl Issuing<'_> {
    /// The owner's current signing key, if it has one.
    pub async fn signing_key(&self, owner: &str) -> Result<Option<SigningKey>> {
        let mut conn = self.store.pool.acquire().await?;
        active_key(&mut conn, owner).await
    }

    /// Stores the owner's first key, generated by the system; audited on the owner's chain with
    /// the system as actor. `Conflict` on `active_key` if the owner already has one (a concurrent
    /// first use won): read it with [`Issuing::signing_key`] instead.
    pub async fn install_first_key(&self, owner: &str, key: &NewKey<'_>) -> Result<()> {
        let mut tx = db::begin(&self.store.pool, self.store.backend).await?;
        insert_key(&mut tx, owner, key, &db::now()).await?;
        let event = Event { action: "issuer_key.create", subject_type: "issuer_key", subject_id: Some(key.kid) };
        audit::append(&mut tx, owner, &Actor::System("issuer key".into()), event).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Every key (active or retired, any owner) still stored as plaintext PKCS#8: rows written
    /// before migration 0070, for the key store to seal with [`Issuing::seal_legacy_keys`].
    pub async fn legacy_plaintext_keys(&self) -> Result<Vec<SigningKey>> {
        let rows = sqlx::query(
            "SELECT org_id, kid, alg, key_material, kek_id FROM issuer_keys WHERE kek_id IS NULL ORDER BY org_id, kid",
        )
        .fetch_all(&self.store.pool)
        .await?;
        rows.iter().map(signing_key_from_row).collect()
    }

    /// Replaces plaintext keys by their sealed form (`(owner, kid, sealed material)`, all sealed
    /// under `kek_id`), in one transaction, then makes sure the plaintext is gone from the file:
    /// on SQLite the rows are rewritten with `secure_delete` on (freed space is zeroed) and the
    /// write-ahead log is checkpointed and truncated. PostgreSQL keeps old row versions until they
    /// are vacuumed; `VACUUM FULL issuer_keys` removes them (README, "Keys at rest").
    pub async fn seal_legacy_keys(&self, kek_id: &str, sealed: &[(String, String, Vec<u8>)]) -> Result<()> {
        let mut conn = self.store.pool.acquire().await?;
        let sqlite = self.store.backend == db::Backend::Sqlite;
        if sqlite {
            sqlx::query("PRAGMA secure_delete = ON").execute(&mut *conn).await?;
        }
        let outcome = async {
            let mut tx = sqlx::Connection::begin(&mut *conn).await?;
            for (owner, kid, material) in sealed {
                sqlx::query(
                    "UPDATE issuer_keys SET key_material = $3, kek_id = $4 \
                     WHERE org_id = $1 AND kid = $2 AND kek_id IS NULL",
                )
                .bind(owner)
                .bind(kid)
                .bind(hex::encode(material))
                .bind(kek_id)
                .execute(&mut *tx)
                .await?;
            }
            tx.commit().await?;
            Ok::<_, StoreError>(())
        }
        .await;
        if sqlite {
            sqlx::query("PRAGMA secure_delete = OFF").execute(&mut *conn).await?;
            if outcome.is_ok() {
                sqlx::query("PRAGMA wal_checkpoint(TRUNCATE)").execute(&mut *conn).await?;
            }
        }
        outcome
    }

    /// Public halves of every key of `owner` (active and retired), oldest first.
    pub async fn public_keys(&self, owner: &str) -> Result<Vec<IssuerKey>> {
        let rows = sqlx::query(
            "SELECT org_id, kid, alg, public_jwk, created_at, retired_at FROM issuer_keys WHERE org_id = $1 \
             ORDER BY created_at, kid",
        )
        .bind(owner)
        .fetch_all(&self.store.pool)
        .await?;
        rows.iter().map(key_from_row).collect()
    }

    /// Public halves of every organisation's keys (not the operator's), for the trust list.
    pub async fn all_public_keys(&self) -> Result<Vec<IssuerKey>> {
        let rows = sqlx::query(
            "SELECT org_id, kid, alg, public_jwk, created_at, retired_at FROM issuer_keys WHERE org_id <> $1 \
             ORDER BY org_id, created_at, kid",
        )
        .bind(crate::REGISTRY_CHAIN)
        .fetch_all(&self.store.pool)
        .await?;
        rows.iter().map(key_from_row).collect()
    }

    /// The non-valid entries of an organisation's status list, or `None` if it has no such list.
    pub async fn status_list(&self, org_id: &str, list_id: i64) -> Result<Option<StatusListRows>> {
        let Some(row) = sqlx::query("SELECT size FROM status_lists WHERE org_id = $1 AND list_id = $2")
            .bind(org_id)
            .bind(list_id)
            .fetch_optional(&self.store.pool)
            .await?
        else {
            return Ok(None);
        };
        let size: i64 = row.try_get(0)?;
        let rows = sqlx::query(
            "SELECT status_index, status FROM issued_credentials WHERE org_id = $1 AND list_id = $2 AND status <> 'valid'",
        )
        .bind(org_id)
        .bind(list_id)
        .fetch_all(&self.store.pool)
        .await?;
        let entries = rows
            .iter()
            .map(|r| Ok((r.try_get::<i64, _>(0)?, CredentialStatus::parse(&r.try_get::<String, _>(1)?)?)))
            .collect::<Result<Vec<_>>>()?;
        Ok(Some(StatusListRows { size, entries }))
    }
}

impl Dataset<'_> {
    /// Retires this organisation's current issuer key (if any) and makes `key` the signing key,
    /// in one audited transaction. Credentials signed by the old key before now still verify.
    pub async fn rotate_issuer_key(&self, key: &NewKey<'_>) -> Result<IssuerKey> {
        let now = db::now();
        let mut tx = self.begin().await?;
        sqlx::query("UPDATE issuer_keys SET retired_at = $2 WHERE org_id = $1 AND retired_at IS NULL")
            .bind(self.org())
            .bind(&now)
            .execute(&mut *tx)
            .await?;
        insert_key(&mut tx, self.org(), key, &now).await?;
        let event = Event { action: "issuer_key.rotate", subject_type: "issuer_key", subject_id: Some(key.kid) };
        self.audit(&mut tx, event).await?;
        tx.commit().await?;
        Ok(IssuerKey {
            owner: self.org().to_owned(),
            kid: key.kid.to_owned(),
            alg: key.alg.to_owned(),
            public_jwk: key.public_jwk.to_owned(),
            created_at: db::parse_timestamp(&now, "issuer_keys")?,
            retired_at: None,
        })
    }
}
