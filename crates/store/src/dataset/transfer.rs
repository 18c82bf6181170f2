//! Inter-authority transfer (DESIGN.md §6 flow 5), part one: finding a new applicant's earlier
//! records in other organisations' datasets, the worker's consent, and the proposal/approval of a
//! transfer. Stage 1 and 2 live in `transfer_stage1.rs` / `transfer_stage2.rs`.
//!
//! Matching is the one cross-dataset read the store offers. It looks other organisations' people
//! up by NI number (`ix_people_ni_dob`) and by date of birth (`ix_people_dob`, migration 0090) and
//! lets the domain classify each candidate on NI number, date of birth and normalised surname. It
//! reveals only where a match is (organisation, person id, how well it matches, how recent the
//! employment is), never the other organisation's data, and it is audited on both sides in one
//! transaction: the requesting organisation's chain against its applicant, each matched
//! organisation's chain against its own person, as `iat:<requesting ODS>:<actor>`.

use chrono::{DateTime, Utc};
use domain::assignment::Assignment;
use domain::org::OdsCode;
use domain::person::NiNumber;
use domain::transfer::{
    Candidate, ConsentInput, ConsentMethod, ConsentRecord, ConsentState, MatchCandidate, MatchClass, MatchDecision,
    MatchKey, TransferRefusal, TransferStatus, TransferSummary, classify, consent_state, decide, recency,
};
use serde::Serialize;
use sqlx::{AnyConnection, Row};

use super::Dataset;
use crate::audit::{self, Event};
use crate::db;
use crate::error::{Result, StoreError};
use crate::page::{Page, PageOf};

/// An earlier record of the same person in another organisation (NI number and date of birth).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TransferMatch {
    pub org_id: String,
    pub ods_code: OdsCode,
    pub organisation_name: String,
    /// The person's id in *that* organisation's dataset.
    pub person_id: String,
}

/// A candidate with the store ids the decision needs.
#[derive(Debug, Clone)]
pub(crate) struct Found {
    pub org_id: String,
    pub view: MatchCandidate,
}

/// The applicant's matching facts.
pub(crate) struct Applicant {
    pub ni: Option<NiNumber>,
    pub dob: chrono::NaiveDate,
    pub surname: String,
    pub ods: String,
}

fn corrupt(table: &'static str, e: impl ToString) -> StoreError {
    StoreError::Corrupt { table, reason: e.to_string() }
}

pub(crate) const TRANSFER_COLUMNS: &str = "id, person_id, source_ods, source_person_id, match_class, status, \
    proposed_by, proposed_at, approved_by, approved_at, stage1_at, stage2_at";

fn time(row: &sqlx::any::AnyRow, col: &str) -> Result<Option<DateTime<Utc>>> {
    let text: Option<String> = row.try_get(col)?;
    text.map(|t| db::parse_timestamp(&t, "transfers")).transpose()
}

pub(crate) fn summary_from_row(row: &sqlx::any::AnyRow) -> Result<TransferSummary> {
    let class: String = row.try_get("match_class")?;
    let status: String = row.try_get("status")?;
    let ods: String = row.try_get("source_ods")?;
    Ok(TransferSummary {
        id: row.try_get("id")?,
        person_id: row.try_get("person_id")?,
        source_ods: OdsCode::parse(&ods).map_err(|e| corrupt("transfers", e))?,
        source_person_id: row.try_get("source_person_id")?,
        match_class: match class.as_str() {
            "automatic" => MatchClass::Automatic,
            "partial" => MatchClass::Partial,
            other => return Err(corrupt("transfers", format!("match_class {other:?}"))),
        },
        status: TransferStatus::parse(&status).ok_or_else(|| corrupt("transfers", format!("status {status:?}")))?,
        proposed_by: row.try_get("proposed_by")?,
        proposed_at: time(row, "proposed_at")?.unwrap_or_default(),
        approved_by: row.try_get("approved_by")?,
        approved_at: time(row, "approved_at")?,
        stage1_at: time(row, "stage1_at")?,
        stage2_at: time(row, "stage2_at")?,
    })
}

/// What a proposal led to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Proposal {
    pub transfer: TransferSummary,
    /// `true` when this call created it (`false`: the same pair was proposed before).
    pub created: bool,
}

impl Dataset<'_> {
    /// Other organisations' records with the same NI number and date of birth as `applicant_id`
    /// of this dataset (none if the applicant has no NI number). `NotFound` for an unknown
    /// applicant.
    pub async fn transfer_matches(&self, applicant_id: &str) -> Result<Vec<TransferMatch>> {
        let mut tx = self.begin().await?;
        let me = self.applicant(&mut tx, applicant_id).await?;
        let mut matches = vec![];
        if let Some(ni) = &me.ni {
            let rows = sqlx::query(
                "SELECT p.org_id, p.id, o.ods_code, o.name FROM people p JOIN organisations o ON o.id = p.org_id \
                 WHERE p.ni_number = $1 AND p.date_of_birth = $2 AND p.org_id <> $3 ORDER BY o.ods_code, p.id",
            )
            .bind(ni.as_str())
            .bind(db::date(me.dob))
            .bind(self.org())
            .fetch_all(&mut *tx)
            .await?;
            for row in rows {
                let ods: String = row.try_get("ods_code")?;
                matches.push(TransferMatch {
                    org_id: row.try_get("org_id")?,
                    ods_code: OdsCode::parse(&ods).map_err(|e| corrupt("organisations", e))?,
                    organisation_name: row.try_get("name")?,
                    person_id: row.try_get("id")?,
                });
            }
        }
        self.audit(&mut tx, Event::person("iat.match", applicant_id)).await?;
        let remote_actor = format!("iat:{}:{}", me.ods, self.scope.actor().as_audit_text());
        for m in &matches {
            audit::append_as(&mut tx, &m.org_id, &remote_actor, Event::person("iat.matched", &m.person_id)).await?;
        }
        tx.commit().await?;
        Ok(matches)
    }

    pub(crate) async fn applicant(&self, conn: &mut AnyConnection, person_id: &str) -> Result<Applicant> {
        let me = sqlx::query(
            "SELECT p.ni_number, p.date_of_birth, p.family_name, o.ods_code FROM people p \
             JOIN organisations o ON o.id = p.org_id WHERE p.org_id = $1 AND p.id = $2",
        )
        .bind(self.org())
        .bind(person_id)
        .fetch_optional(&mut *conn)
        .await?
        .ok_or(StoreError::NotFound)?;
        let ni: Option<String> = me.try_get("ni_number")?;
        let dob: String = me.try_get("date_of_birth")?;
        Ok(Applicant {
            ni: ni.map(|n| NiNumber::parse(&n)).transpose().map_err(|e| corrupt("people", e))?,
            dob: dob.parse().map_err(|e| corrupt("people", e))?,
            surname: me.try_get("family_name")?,
            ods: me.try_get("ods_code")?,
        })
    }

    /// Candidates in other organisations: NI number or date of birth equal, classified by the
    /// domain; those that match at least partially, with the recency of their employment.
    pub(crate) async fn find_candidates(&self, conn: &mut AnyConnection, me: &Applicant) -> Result<Vec<Found>> {
        let rows = sqlx::query(
            "SELECT p.org_id, p.id, p.ni_number, p.date_of_birth, p.family_name, o.ods_code, o.name \
             FROM people p JOIN organisations o ON o.id = p.org_id \
             WHERE (p.ni_number = $1 OR p.date_of_birth = $2) AND p.org_id <> $3 ORDER BY o.ods_code, p.id",
        )
        .bind(me.ni.as_ref().map(|n| n.as_str().to_owned()))
        .bind(db::date(me.dob))
        .bind(self.org())
        .fetch_all(&mut *conn)
        .await?;
        let applicant = MatchKey { ni_number: me.ni.as_ref(), date_of_birth: me.dob, surname: &me.surname };
        let mut found = vec![];
        for row in rows {
            let ni: Option<String> = row.try_get("ni_number")?;
            let ni = ni.map(|n| NiNumber::parse(&n)).transpose().map_err(|e| corrupt("people", e))?;
            let dob: String = row.try_get("date_of_birth")?;
            let surname: String = row.try_get("family_name")?;
            let key = MatchKey {
                ni_number: ni.as_ref(),
                date_of_birth: dob.parse().map_err(|e| corrupt("people", e))?,
                surname: &surname,
            };
            let outcome = classify(&applicant, &key);
            if outcome.class == MatchClass::NoMatch {
                continue;
            }
            let org_id: String = row.try_get("org_id")?;
            let person_id: String = row.try_get("id")?;
            let docs = sqlx::query("SELECT doc FROM assignments WHERE org_id = $1 AND person_id = $2")
                .bind(&org_id)
                .bind(&person_id)
                .fetch_all(&mut *conn)
                .await?;
            let assignments = docs
                .iter()
                .map(|r| db::from_doc::<Assignment>(&r.try_get::<String, _>(0)?, "assignments"))
                .collect::<Result<Vec<_>>>()?;
            let ods: String = row.try_get("ods_code")?;
            found.push(Found {
                org_id,
                view: MatchCandidate {
                    ods_code: OdsCode::parse(&ods).map_err(|e| corrupt("organisations", e))?,
                    organisation_name: row.try_get("name")?,
                    person_id,
                    class: outcome.class,
                    differs: outcome.differs,
                    recency: recency(&assignments),
                },
            });
        }
        Ok(found)
    }

    /// Audits a match search on both sides (see the module comment).
    async fn audit_search(
        &self,
        conn: &mut AnyConnection,
        me: &Applicant,
        person_id: &str,
        found: &[Found],
    ) -> Result<()> {
        self.audit(conn, Event::person("iat.match", person_id)).await?;
        let remote_actor = format!("iat:{}:{}", me.ods, self.scope.actor().as_audit_text());
        for f in found {
            audit::append_as(conn, &f.org_id, &remote_actor, Event::person("iat.matched", &f.view.person_id)).await?;
        }
        Ok(())
    }

    /// Earlier records that match the applicant automatically (NI number, date of birth and
    /// surname) or partially (two of the three), with how recent each employment is.
    pub async fn transfer_candidates(&self, person_id: &str) -> Result<Vec<MatchCandidate>> {
        let mut tx = self.begin().await?;
        let me = self.applicant(&mut tx, person_id).await?;
        let found = self.find_candidates(&mut tx, &me).await?;
        self.audit_search(&mut tx, &me, person_id, &found).await?;
        tx.commit().await?;
        Ok(found.into_iter().map(|f| f.view).collect())
    }

    // ---- consent -------------------------------------------------------------------------------

    /// Records the worker's consent statement (given or withdrawn). Audited as
    /// `transfer.consent_given` / `transfer.consent_withdrawn`. `Invalid` on `evidence_ref` for a
    /// paper consent without one.
    pub async fn record_transfer_consent(&self, person_id: &str, input: &ConsentInput) -> Result<ConsentRecord> {
        input.validate().map_err(|e| StoreError::Invalid(e.errors()[0].clone()))?;
        let mut tx = self.begin().await?;
        self.require_person(&mut tx, person_id).await?;
        let (_, record) = self.insert_consent(&mut tx, person_id, input).await?;
        tx.commit().await?;
        Ok(record)
    }

    /// Appends a consent statement (already validated) and audits it, in the caller's transaction;
    /// returns its sequence number and the record.
    pub(crate) async fn insert_consent(
        &self,
        tx: &mut AnyConnection,
        person_id: &str,
        input: &ConsentInput,
    ) -> Result<(i64, ConsentRecord)> {
        let at = db::now();
        let by = self.scope.actor().as_audit_text();
        let next: i64 =
            sqlx::query("SELECT COALESCE(MAX(seq), 0) + 1 FROM transfer_consents WHERE org_id = $1 AND person_id = $2")
                .bind(self.org())
                .bind(person_id)
                .fetch_one(&mut *tx)
                .await?
                .try_get(0)?;
        let evidence = input.evidence_ref.as_deref().map(str::trim).filter(|e| !e.is_empty()).map(str::to_owned);
        sqlx::query(
            "INSERT INTO transfer_consents (org_id, person_id, seq, given, method, evidence_ref, at, recorded_by) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        )
        .bind(self.org())
        .bind(person_id)
        .bind(next)
        .bind(i64::from(input.given))
        .bind(input.method.as_str())
        .bind(evidence.clone())
        .bind(&at)
        .bind(&by)
        .execute(&mut *tx)
        .await?;
        let action = if input.given { "transfer.consent_given" } else { "transfer.consent_withdrawn" };
        self.audit(&mut *tx, Event::person(action, person_id)).await?;
        let record = ConsentRecord {
            given: input.given,
            method: input.method,
            evidence_ref: evidence,
            at: db::parse_timestamp(&at, "transfer_consents")?,
            recorded_by: by,
        };
        Ok((next, record))
    }

    pub(crate) async fn consents(&self, conn: &mut AnyConnection, person_id: &str) -> Result<Vec<ConsentRecord>> {
        let rows = sqlx::query(
            "SELECT given, method, evidence_ref, at, recorded_by FROM transfer_consents \
             WHERE org_id = $1 AND person_id = $2 ORDER BY seq",
        )
        .bind(self.org())
        .bind(person_id)
        .fetch_all(&mut *conn)
        .await?;
        rows.iter()
            .map(|r| {
                let method: String = r.try_get("method")?;
                let at: String = r.try_get("at")?;
                Ok(ConsentRecord {
                    given: r.try_get::<i64, _>("given")? != 0,
                    method: ConsentMethod::parse(&method)
                        .ok_or_else(|| corrupt("transfer_consents", format!("method {method:?}")))?,
                    evidence_ref: r.try_get("evidence_ref")?,
                    at: db::parse_timestamp(&at, "transfer_consents")?,
                    recorded_by: r.try_get("recorded_by")?,
                })
            })
            .collect()
    }

    /// The worker's consent statements, oldest first, and where they stand. Audited.
    pub async fn transfer_consent(&self, person_id: &str) -> Result<(ConsentState, Vec<ConsentRecord>)> {
        let mut tx = self.begin().await?;
        self.require_person(&mut tx, person_id).await?;
        let records = self.consents(&mut tx, person_id).await?;
        self.audit(&mut tx, Event::person("transfer.consent_read", person_id)).await?;
        tx.commit().await?;
        Ok((consent_state(&records), records))
    }

    // ---- proposals and approval ----------------------------------------------------------------

    /// Proposes a transfer from the named earlier record. An automatic match (all three facts) is
    /// approved at once; a partial match waits for [`Dataset::approve_transfer`] by another user.
    /// `Invalid` on `source_person_id` when the record does not match at least partially.
    /// Proposing the same pair again returns the existing transfer.
    pub async fn propose_transfer(
        &self,
        person_id: &str,
        source_ods: &OdsCode,
        source_person_id: &str,
    ) -> Result<Proposal> {
        let mut tx = self.begin().await?;
        let me = self.applicant(&mut tx, person_id).await?;
        let found = self.find_candidates(&mut tx, &me).await?;
        self.audit_search(&mut tx, &me, person_id, &found).await?;
        let chosen = found
            .iter()
            .find(|f| &f.view.ods_code == source_ods && f.view.person_id == source_person_id)
            .ok_or_else(|| {
                StoreError::invalid("source_person_id", "is not a record that matches this applicant (two of NI number, date of birth and surname at least)")
            })?
            .clone();
        let proposal = self.insert_transfer(&mut tx, person_id, &chosen).await?;
        tx.commit().await?;
        Ok(proposal)
    }

    /// Matches and, when exactly one earlier record is the automatic choice (all three facts, most
    /// recent employment), creates or finds its approved transfer. Otherwise the refusal
    /// (`NoMatch`, or `Ambiguous` for partial or tied matches, which go to HR).
    pub async fn auto_transfer(&self, person_id: &str) -> Result<std::result::Result<Proposal, TransferRefusal>> {
        let mut tx = self.begin().await?;
        let me = self.applicant(&mut tx, person_id).await?;
        let found = self.find_candidates(&mut tx, &me).await?;
        self.audit_search(&mut tx, &me, person_id, &found).await?;
        let candidates: Vec<Candidate> =
            found.iter().map(|f| Candidate { class: f.view.class, recency: f.view.recency }).collect();
        let outcome = match decide(&candidates) {
            MatchDecision::Automatic { index } => Ok(self.insert_transfer(&mut tx, person_id, &found[index]).await?),
            MatchDecision::NeedsDecision { .. } => Err(TransferRefusal::Ambiguous),
            MatchDecision::NoMatch => Err(TransferRefusal::NoMatch),
        };
        tx.commit().await?;
        Ok(outcome)
    }

    async fn insert_transfer(&self, conn: &mut AnyConnection, person_id: &str, chosen: &Found) -> Result<Proposal> {
        let existing = sqlx::query(&format!(
            "SELECT {TRANSFER_COLUMNS} FROM transfers WHERE org_id = $1 AND person_id = $2 \
             AND source_org_id = $3 AND source_person_id = $4"
        ))
        .bind(self.org())
        .bind(person_id)
        .bind(&chosen.org_id)
        .bind(&chosen.view.person_id)
        .fetch_optional(&mut *conn)
        .await?;
        if let Some(row) = existing {
            return Ok(Proposal { transfer: summary_from_row(&row)?, created: false });
        }
        let id = db::new_id();
        let now = db::now();
        let by = self.scope.actor().as_audit_text();
        let automatic = chosen.view.class == MatchClass::Automatic;
        let status = if automatic { TransferStatus::Approved } else { TransferStatus::Proposed };
        sqlx::query(
            "INSERT INTO transfers (org_id, id, person_id, source_org_id, source_ods, source_person_id, match_class, \
             status, proposed_by, proposed_at, approved_by, approved_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)",
        )
        .bind(self.org())
        .bind(&id)
        .bind(person_id)
        .bind(&chosen.org_id)
        .bind(chosen.view.ods_code.as_str())
        .bind(&chosen.view.person_id)
        .bind(chosen.view.class.as_str())
        .bind(status.as_str())
        .bind(&by)
        .bind(&now)
        .bind(automatic.then(|| "automatic".to_owned()))
        .bind(automatic.then(|| now.clone()))
        .execute(&mut *conn)
        .await?;
        let action = if automatic { "transfer.matched_automatically" } else { "transfer.proposed" };
        self.audit(conn, Event::person(action, person_id)).await?;
        let row = sqlx::query(&format!("SELECT {TRANSFER_COLUMNS} FROM transfers WHERE org_id = $1 AND id = $2"))
            .bind(self.org())
            .bind(&id)
            .fetch_one(&mut *conn)
            .await?;
        Ok(Proposal { transfer: summary_from_row(&row)?, created: true })
    }

    /// Approves a proposed (partial) match. The approver must be a different user from the
    /// proposer (`Invalid` on `approved_by`); approving anything not proposed is `Invalid` on
    /// `status`. The caller checks the role (HR or admin).
    pub async fn approve_transfer(&self, transfer_id: &str) -> Result<TransferSummary> {
        let by = self.scope.actor().as_audit_text();
        let mut tx = self.begin().await?;
        let row = sqlx::query(&format!("SELECT {TRANSFER_COLUMNS} FROM transfers WHERE org_id = $1 AND id = $2"))
            .bind(self.org())
            .bind(transfer_id)
            .fetch_optional(&mut *tx)
            .await?
            .ok_or(StoreError::NotFound)?;
        let current = summary_from_row(&row)?;
        if current.status != TransferStatus::Proposed {
            return Err(StoreError::invalid(
                "status",
                format!("only a proposed transfer can be approved (this one is {})", current.status.as_str()),
            ));
        }
        if current.proposed_by == by {
            return Err(StoreError::invalid("approved_by", TransferRefusal::SameApprover.message()));
        }
        let changed = sqlx::query(
            "UPDATE transfers SET status = 'approved', approved_by = $3, approved_at = $4 \
             WHERE org_id = $1 AND id = $2 AND status = 'proposed'",
        )
        .bind(self.org())
        .bind(transfer_id)
        .bind(&by)
        .bind(db::now())
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if changed != 1 {
            return Err(StoreError::invalid("status", "the transfer was approved meanwhile"));
        }
        self.audit(&mut tx, Event::person("transfer.approved", &current.person_id)).await?;
        let row = sqlx::query(&format!("SELECT {TRANSFER_COLUMNS} FROM transfers WHERE org_id = $1 AND id = $2"))
            .bind(self.org())
            .bind(transfer_id)
            .fetch_one(&mut *tx)
            .await?;
        tx.commit().await?;
        summary_from_row(&row)
    }

    /// This organisation's transfers, newest first by id, optionally only those in `status` (the
    /// HR queue: `proposed` = manual matches to approve). Audited once per page.
    pub async fn list_transfers(&self, status: Option<TransferStatus>, page: &Page) -> Result<PageOf<TransferSummary>> {
        let limit = page.checked_limit()?;
        let mut tx = self.begin().await?;
        let rows = sqlx::query(&format!(
            "SELECT {TRANSFER_COLUMNS} FROM transfers WHERE org_id = $1 AND ($2 IS NULL OR status = $2) \
             AND ($3 IS NULL OR id < $3) ORDER BY id DESC LIMIT $4"
        ))
        .bind(self.org())
        .bind(status.map(|s| s.as_str().to_owned()))
        .bind(page.after.clone())
        .bind(limit + 1)
        .fetch_all(&mut *tx)
        .await?;
        let items = rows.iter().map(summary_from_row).collect::<Result<Vec<_>>>()?;
        self.audit(&mut tx, Event::dataset("transfer.list")).await?;
        tx.commit().await?;
        Ok(PageOf::from_overfetch(items, limit, |t| t.id.clone()))
    }

    /// The transfers into this person's record, oldest first: what HR and the worker see of them.
    /// Audited against the person.
    pub async fn transfers_for_person(&self, person_id: &str) -> Result<Vec<TransferSummary>> {
        let mut tx = self.begin().await?;
        self.require_person(&mut tx, person_id).await?;
        let rows = sqlx::query(&format!(
            "SELECT {TRANSFER_COLUMNS} FROM transfers WHERE org_id = $1 AND person_id = $2 ORDER BY id"
        ))
        .bind(self.org())
        .bind(person_id)
        .fetch_all(&mut *tx)
        .await?;
        let items = rows.iter().map(summary_from_row).collect::<Result<Vec<_>>>()?;
        self.audit(&mut tx, Event::person("transfer.list", person_id)).await?;
        tx.commit().await?;
        Ok(items)
    }
}

impl crate::registry::Registry<'_> {
    /// Records whether an organisation declared its training aligned to the CSTF (only then do its
    /// national competences travel as national ones). Audited on the registry chain and the
    /// organisation's own.
    pub async fn set_cstf_alignment(
        &self,
        scope: &crate::scope::RegistryScope,
        org_id: &str,
        aligned: bool,
    ) -> Result<()> {
        let mut tx = db::begin(&self.store.pool, self.store.backend).await?;
        let done = sqlx::query("UPDATE organisations SET cstf_aligned = $2 WHERE id = $1")
            .bind(org_id)
            .bind(i64::from(aligned))
            .execute(&mut *tx)
            .await?;
        if done.rows_affected() == 0 {
            return Err(StoreError::NotFound);
        }
        let action = if aligned { "organisation.cstf_aligned" } else { "organisation.cstf_not_aligned" };
        let event = Event { action, subject_type: "organisation", subject_id: Some(org_id) };
        audit::append(&mut tx, crate::audit::REGISTRY_CHAIN, scope.actor(), event).await?;
        audit::append(&mut tx, org_id, scope.actor(), event).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Whether an organisation declared CSTF alignment.
    pub async fn cstf_aligned(&self, org_id: &str) -> Result<bool> {
        let mut conn = self.store.pool.acquire().await?;
        super::transfer_stage1::cstf_aligned(&mut conn, org_id).await
    }
}
