//! The hash-chained audit log: append inside the caller's transaction, verify, read per subject.
//!
//! **One chain per organisation** (plus one chain, `registry`, for operator actions). Each append
//! bumps the chain's head row with `UPDATE … RETURNING` first, which on PostgreSQL row-locks that
//! organisation's head until the transaction ends: concurrent writers to one organisation
//! serialise and always extend the latest head, while different organisations never contend (a
//! single global chain would make every request in the country queue on one row). SQLite serialises
//! writers anyway. Per-organisation chains can also be verified or handed over per dataset.
//!
//! Entry hash = SHA-256 over a length-prefixed encoding of (org, seq, actor, action, subject type,
//! subject id, at, prev_hash); the first entry's prev_hash is 64 zeros. Editing a field changes the
//! hash, deleting an entry leaves a gap in `seq` (or a head that points past the last entry), and
//! moving entries changes `seq`, which is hashed. This module must not read personal data.
//!
//! **Anchoring.** The chain alone cannot show that its *tail* was cut off when `audit_heads` was
//! rewritten to match, because the anchor sits in the same database. [`heads`] gives every chain's
//! head for a checkpoint kept outside the database (the CLI signs it with the registry key);
//! [`verify_against`] then demands that every checkpointed entry is still there with the same
//! hash. Together with the full walk (every link from genesis to the head), a matching entry at
//! the checkpointed `seq` means nothing up to it was removed or rewritten.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use sqlx::{AnyConnection, AnyPool, Row};

use crate::db;
use crate::error::{Result, StoreError};
use crate::scope::Actor;

/// Chain id used for registry-operator actions (organisation ids are UUIDs, so no clash).
pub const REGISTRY_CHAIN: &str = "registry";
const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";
const VERIFY_BATCH: i64 = 5000;

/// One stored audit entry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AuditEntry {
    /// Chain: the organisation's store id, or `registry`.
    pub org_id: String,
    pub seq: i64,
    /// `user:<id>` or `system:<reason>`.
    pub actor: String,
    /// e.g. `person.read`, `employment_check.create`, `person.list`.
    pub action: String,
    /// `person` for anything about one person (so a worker sees every access), else e.g. `dataset`.
    pub subject_type: String,
    pub subject_id: Option<String>,
    pub at: DateTime<Utc>,
    pub prev_hash: String,
    pub hash: String,
}

/// The first entry that failed verification.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AuditFault {
    pub org_id: String,
    /// The organisation's ODS code when the chain belongs to a registered organisation.
    pub ods_code: Option<String>,
    pub seq: i64,
    pub reason: String,
}

/// Outcome of [`crate::Store::verify_audit`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AuditReport {
    pub entries_checked: u64,
    pub chains_checked: u64,
    pub first_bad: Option<AuditFault>,
}

impl AuditReport {
    pub fn is_ok(&self) -> bool {
        self.first_bad.is_none()
    }
}

/// One chain's head as a checkpoint records it: the last entry's `seq` and `hash`, and when that
/// entry was written (`None` for a chain with no entries).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChainHead {
    /// The organisation's store id, or `registry`.
    pub chain: String,
    pub seq: i64,
    pub hash: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub at: Option<DateTime<Utc>>,
}

/// What happened, to whom: the caller-supplied part of an entry.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Event<'a> {
    pub action: &'a str,
    pub subject_type: &'a str,
    pub subject_id: Option<&'a str>,
}

impl<'a> Event<'a> {
    pub fn person(action: &'a str, person_id: &'a str) -> Self {
        Event { action, subject_type: "person", subject_id: Some(person_id) }
    }

    pub fn dataset(action: &'a str) -> Self {
        Event { action, subject_type: "dataset", subject_id: None }
    }
}

/// Appends one entry to `chain` inside the caller's transaction.
pub(crate) async fn append(conn: &mut AnyConnection, chain: &str, actor: &Actor, event: Event<'_>) -> Result<i64> {
    append_as(conn, chain, &actor.as_audit_text(), event).await
}

/// [`append`] with the actor already written out, for entries an organisation's chain records
/// about someone from elsewhere (a transfer match: `iat:<their ODS>:user:<id>`).
pub(crate) async fn append_as(conn: &mut AnyConnection, chain: &str, actor: &str, event: Event<'_>) -> Result<i64> {
    let bump = "UPDATE audit_heads SET seq = seq + 1 WHERE org_id = $1 RETURNING seq, hash";
    let mut head = sqlx::query(bump).bind(chain).fetch_optional(&mut *conn).await?;
    if head.is_none() {
        sqlx::query("INSERT INTO audit_heads (org_id, seq, hash) VALUES ($1, 0, $2) ON CONFLICT DO NOTHING")
            .bind(chain)
            .bind(GENESIS)
            .execute(&mut *conn)
            .await?;
        head = sqlx::query(bump).bind(chain).fetch_optional(&mut *conn).await?;
    }
    let head = head.ok_or(StoreError::NotFound)?;
    let seq: i64 = head.try_get(0)?;
    let prev_hash: String = head.try_get(1)?;
    let at = db::now();
    let hash = entry_hash(chain, seq, actor, event.action, event.subject_type, event.subject_id, &at, &prev_hash);
    sqlx::query("UPDATE audit_heads SET hash = $2 WHERE org_id = $1")
        .bind(chain)
        .bind(&hash)
        .execute(&mut *conn)
        .await?;
    sqlx::query(
        "INSERT INTO audit_log (org_id, seq, actor, action, subject_type, subject_id, at, \
         prev_hash, hash) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
    )
    .bind(chain)
    .bind(seq)
    .bind(actor)
    .bind(event.action)
    .bind(event.subject_type)
    .bind(event.subject_id)
    .bind(&at)
    .bind(&prev_hash)
    .bind(&hash)
    .execute(&mut *conn)
    .await?;
    Ok(seq)
}

/// Appends many entries to `chain` at once (bulk import): one head update and multi-row inserts
/// instead of three statements per entry. The chain is identical to appending one by one.
pub(crate) async fn append_many(
    conn: &mut AnyConnection,
    backend: db::Backend,
    chain: &str,
    actor: &Actor,
    events: &[Event<'_>],
) -> Result<()> {
    append_many_as(conn, backend, chain, &actor.as_audit_text(), events).await
}

/// [`append_many`] with the actor already written out (see [`append_as`]).
pub(crate) async fn append_many_as(
    conn: &mut AnyConnection,
    backend: db::Backend,
    chain: &str,
    actor: &str,
    events: &[Event<'_>],
) -> Result<()> {
    if events.is_empty() {
        return Ok(());
    }
    let n = events.len() as i64;
    let bump = "UPDATE audit_heads SET seq = seq + $2 WHERE org_id = $1 RETURNING seq, hash";
    let mut head = sqlx::query(bump).bind(chain).bind(n).fetch_optional(&mut *conn).await?;
    if head.is_none() {
        sqlx::query("INSERT INTO audit_heads (org_id, seq, hash) VALUES ($1, 0, $2) ON CONFLICT DO NOTHING")
            .bind(chain)
            .bind(GENESIS)
            .execute(&mut *conn)
            .await?;
        head = sqlx::query(bump).bind(chain).bind(n).fetch_optional(&mut *conn).await?;
    }
    let head = head.ok_or(StoreError::NotFound)?;
    let last_seq: i64 = head.try_get(0)?;
    let mut prev_hash: String = head.try_get(1)?;
    let at = db::now();
    let mut rows = Vec::with_capacity(events.len());
    for (i, event) in events.iter().enumerate() {
        let seq = last_seq - n + 1 + i as i64;
        let hash = entry_hash(chain, seq, actor, event.action, event.subject_type, event.subject_id, &at, &prev_hash);
        rows.push((seq, event, std::mem::replace(&mut prev_hash, hash.clone()), hash));
    }
    sqlx::query("UPDATE audit_heads SET hash = $2 WHERE org_id = $1")
        .bind(chain)
        .bind(&prev_hash)
        .execute(&mut *conn)
        .await?;
    // 9 parameters per row; stay far below every backend's bind limit.
    for chunk in rows.chunks(1000) {
        let mut sql = String::from(
            "INSERT INTO audit_log (org_id, seq, actor, action, subject_type, subject_id, at, prev_hash, hash) VALUES ",
        );
        for i in 0..chunk.len() {
            sql.push_str(if i == 0 { "(" } else { ", (" });
            for c in 0..9 {
                if c > 0 {
                    sql.push_str(", ");
                }
                sql.push_str(&db::placeholder(backend, i * 9 + c + 1));
            }
            sql.push(')');
        }
        let mut q = sqlx::query(&sql);
        for (seq, event, prev, hash) in chunk {
            q = q
                .bind(chain)
                .bind(*seq)
                .bind(actor)
                .bind(event.action)
                .bind(event.subject_type)
                .bind(event.subject_id)
                .bind(&at)
                .bind(prev)
                .bind(hash);
        }
        q.execute(&mut *conn).await?;
    }
    Ok(())
}

#[allow(clippy::too_many_arguments)]
fn entry_hash(
    org: &str,
    seq: i64,
    actor: &str,
    action: &str,
    subject_type: &str,
    subject_id: Option<&str>,
    at: &str,
    prev_hash: &str,
) -> String {
    let mut h = Sha256::new();
    h.update(b"staff-passport-audit-v1");
    let seq = seq.to_string();
    let fields: [Option<&str>; 8] =
        [Some(org), Some(&seq), Some(actor), Some(action), Some(subject_type), subject_id, Some(at), Some(prev_hash)];
    for field in fields {
        match field {
            None => h.update([0u8]),
            Some(text) => {
                h.update([1u8]);
                h.update((text.len() as u64).to_be_bytes());
                h.update(text.as_bytes());
            }
        }
    }
    hex::encode(h.finalize())
}

const ENTRY_COLUMNS: &str = "org_id, seq, actor, action, subject_type, subject_id, at, prev_hash, hash";

fn entry_from_row(row: &sqlx::any::AnyRow) -> Result<AuditEntry> {
    let at: String = row.try_get("at")?;
    Ok(AuditEntry {
        org_id: row.try_get("org_id")?,
        seq: row.try_get("seq")?,
        actor: row.try_get("actor")?,
        action: row.try_get("action")?,
        subject_type: row.try_get("subject_type")?,
        subject_id: row.try_get("subject_id")?,
        at: db::parse_timestamp(&at, "audit_log")?,
        prev_hash: row.try_get("prev_hash")?,
        hash: row.try_get("hash")?,
    })
}

/// Entries about one subject in one chain, newest first, at most `limit`, older than `before_seq`.
pub(crate) async fn for_subject(
    conn: &mut AnyConnection,
    chain: &str,
    subject_id: &str,
    before_seq: Option<i64>,
    limit: i64,
) -> Result<Vec<AuditEntry>> {
    let sql = format!(
        "SELECT {ENTRY_COLUMNS} FROM audit_log WHERE org_id = $1 AND subject_id = $2 \
         AND seq < $3 ORDER BY seq DESC LIMIT $4"
    );
    let rows = sqlx::query(&sql)
        .bind(chain)
        .bind(subject_id)
        .bind(before_seq.unwrap_or(i64::MAX))
        .bind(limit)
        .fetch_all(&mut *conn)
        .await?;
    rows.iter().map(entry_from_row).collect()
}

/// Every chain's head, ordered by chain id, for a checkpoint.
pub(crate) async fn heads(pool: &AnyPool) -> Result<Vec<ChainHead>> {
    let rows = sqlx::query(
        "SELECT h.org_id, h.seq, h.hash, l.at FROM audit_heads h \
         LEFT JOIN audit_log l ON l.org_id = h.org_id AND l.seq = h.seq ORDER BY h.org_id",
    )
    .fetch_all(pool)
    .await?;
    rows.iter()
        .map(|row| {
            let at: Option<String> = row.try_get(3)?;
            Ok(ChainHead {
                chain: row.try_get(0)?,
                seq: row.try_get(1)?,
                hash: row.try_get(2)?,
                at: at.map(|t| db::parse_timestamp(&t, "audit_log")).transpose()?,
            })
        })
        .collect()
}

/// [`verify`], then checks that every checkpointed head is still in its chain with the same hash:
/// a chain cut back below a checkpoint, or rewritten up to it, is reported even when
/// `audit_heads` was rewritten to match.
pub(crate) async fn verify_against(pool: &AnyPool, checkpoint: &[ChainHead]) -> Result<AuditReport> {
    let mut report = verify(pool).await?;
    if report.first_bad.is_some() {
        return Ok(report);
    }
    for head in checkpoint {
        if head.seq <= 0 {
            continue;
        }
        let entry = sqlx::query("SELECT hash FROM audit_log WHERE org_id = $1 AND seq = $2")
            .bind(&head.chain)
            .bind(head.seq)
            .fetch_optional(pool)
            .await?;
        let reason = match entry {
            None => {
                let now: Option<i64> = sqlx::query("SELECT seq FROM audit_heads WHERE org_id = $1")
                    .bind(&head.chain)
                    .fetch_optional(pool)
                    .await?
                    .map(|r| r.try_get(0))
                    .transpose()?;
                Some(match now {
                    None => "chain missing: the checkpoint recorded it, the database has no such chain".to_owned(),
                    Some(now) => format!(
                        "truncated: the checkpoint recorded entry #{} but the chain now ends at #{now}",
                        head.seq
                    ),
                })
            }
            Some(row) => {
                let hash: String = row.try_get(0)?;
                (hash != head.hash).then(|| "rewritten: this entry's hash differs from the checkpoint's".to_owned())
            }
        };
        if let Some(reason) = reason {
            let ods_code = ods_of(pool, &head.chain).await?;
            report.first_bad = Some(AuditFault { org_id: head.chain.clone(), ods_code, seq: head.seq, reason });
            break;
        }
    }
    Ok(report)
}

async fn ods_of(pool: &AnyPool, chain: &str) -> Result<Option<String>> {
    sqlx::query("SELECT ods_code FROM organisations WHERE id = $1")
        .bind(chain)
        .fetch_optional(pool)
        .await?
        .map(|r| r.try_get::<String, _>(0))
        .transpose()
        .map_err(Into::into)
}

/// Recomputes every chain and reports the first bad entry.
pub(crate) async fn verify(pool: &AnyPool) -> Result<AuditReport> {
    let chains = sqlx::query("SELECT org_id FROM audit_heads UNION SELECT DISTINCT org_id FROM audit_log ORDER BY 1")
        .fetch_all(pool)
        .await?;
    let mut report = AuditReport { entries_checked: 0, chains_checked: 0, first_bad: None };
    for row in chains {
        let chain: String = row.try_get(0)?;
        report.chains_checked += 1;
        if let Some((seq, reason)) = verify_chain(pool, &chain, &mut report.entries_checked).await? {
            let ods_code = ods_of(pool, &chain).await?;
            report.first_bad = Some(AuditFault { org_id: chain, ods_code, seq, reason });
            break;
        }
    }
    Ok(report)
}

/// Walks one chain in `seq` order; returns the first bad entry's seq and why.
async fn verify_chain(pool: &AnyPool, chain: &str, checked: &mut u64) -> Result<Option<(i64, String)>> {
    let sql = format!("SELECT {ENTRY_COLUMNS} FROM audit_log WHERE org_id = $1 AND seq > $2 ORDER BY seq LIMIT $3");
    let mut expected_seq = 1i64;
    let mut prev: Option<AuditEntry> = None;
    loop {
        let rows = sqlx::query(&sql).bind(chain).bind(expected_seq - 1).bind(VERIFY_BATCH).fetch_all(pool).await?;
        if rows.is_empty() {
            break;
        }
        for row in &rows {
            *checked += 1;
            let at: String = row.try_get("at")?;
            let entry = entry_from_row(row)?;
            if entry.seq != expected_seq {
                return Ok(Some((expected_seq, format!("entry missing: next stored entry is seq {}", entry.seq))));
            }
            let prev_hash = prev.as_ref().map_or(GENESIS, |p| p.hash.as_str());
            let recomputed = entry_hash(
                &entry.org_id,
                entry.seq,
                &entry.actor,
                &entry.action,
                &entry.subject_type,
                entry.subject_id.as_deref(),
                &at,
                &entry.prev_hash,
            );
            if recomputed != entry.hash {
                return Ok(Some((entry.seq, "hash mismatch: entry was altered".to_owned())));
            }
            if entry.prev_hash != prev_hash {
                // This entry is self-consistent, so its predecessor changed after it was written
                // (edited and re-hashed, or replaced).
                let seq = prev.as_ref().map_or(entry.seq, |p| p.seq);
                return Ok(Some((seq, "entry no longer matches the prev_hash its successor recorded".to_owned())));
            }
            expected_seq += 1;
            prev = Some(entry);
        }
    }
    let head =
        sqlx::query("SELECT seq, hash FROM audit_heads WHERE org_id = $1").bind(chain).fetch_optional(pool).await?;
    let last_seq = expected_seq - 1;
    let last_hash = prev.as_ref().map_or(GENESIS, |p| p.hash.as_str());
    match head {
        None => Ok(Some((last_seq, "chain has no head record".to_owned()))),
        Some(head) => {
            let head_seq: i64 = head.try_get(0)?;
            let head_hash: String = head.try_get(1)?;
            if head_seq != last_seq {
                Ok(Some((last_seq + 1, format!("entries {}..={head_seq} missing from the end", last_seq + 1))))
            } else if head_hash != last_hash {
                Ok(Some((last_seq, "last entry does not match the chain head".to_owned())))
            } else {
                Ok(None)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hash_depends_on_every_field() {
        let base = entry_hash("o", 1, "a", "x", "person", Some("p"), "t", GENESIS);
        let variants = [
            entry_hash("O", 1, "a", "x", "person", Some("p"), "t", GENESIS),
            entry_hash("o", 2, "a", "x", "person", Some("p"), "t", GENESIS),
            entry_hash("o", 1, "b", "x", "person", Some("p"), "t", GENESIS),
            entry_hash("o", 1, "a", "y", "person", Some("p"), "t", GENESIS),
            entry_hash("o", 1, "a", "x", "dataset", Some("p"), "t", GENESIS),
            entry_hash("o", 1, "a", "x", "person", None, "t", GENESIS),
            entry_hash("o", 1, "a", "x", "person", Some(""), "t", GENESIS),
            entry_hash("o", 1, "a", "x", "person", Some("p"), "u", GENESIS),
            entry_hash("o", 1, "a", "x", "person", Some("p"), "t", "1"),
        ];
        for v in variants {
            assert_ne!(base, v);
        }
    }

    #[test]
    fn field_boundaries_are_unambiguous() {
        let a = entry_hash("ab", 1, "c", "x", "person", None, "t", GENESIS);
        let b = entry_hash("a", 1, "bc", "x", "person", None, "t", GENESIS);
        assert_ne!(a, b);
    }
}
