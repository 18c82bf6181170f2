//! OpenID4VP presentation requests of one organisation (the verifier): the authorisation request
//! as served, found by its `state`, and once answered the ready-to-work result. Both are JSON
//! documents the server builds; the store keeps them, answers each request once, and refuses a
//! `vp_token` it has recorded before (by digest). An answer that does not verify is counted as a
//! failed attempt ([`Dataset::record_failed_presentation_attempt`]) and leaves the request open: anyone
//! who read the `state` from a QR code could post one, so it must not close the request.
//!
//! Answers are recorded in groups ([`Store::record_presentation_answers`]): the response endpoint
//! queues them and one transaction records whatever has queued, so a busy verifier pays a handful
//! of statements per group rather than seven per answer.

use chrono::{DateTime, Utc};
use serde::Serialize;
use sqlx::Row;

use super::Dataset;
use super::offers::secret_hash;
use crate::Page;
use crate::PageOf;
use crate::audit::{self, Event};
use crate::db;
use crate::error::{Result, StoreError};
use crate::{OrgScope, Store};

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
    /// Answers refused because they did not verify (or declined), while the request stayed open.
    pub failed_attempts: i64,
    /// Why the latest of them was refused (a rejection code, or `declined: <error>`).
    pub last_failure: Option<String>,
}

const SELECT: &str = "SELECT id, role_code, state, request_doc, expires_at, created_by, created_at, answered_at, \
     result_doc, failed_attempts, last_failure FROM presentation_requests";

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
        failed_attempts: row.try_get("failed_attempts")?,
        last_failure: row.try_get("last_failure")?,
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

    /// Counts a refused answer against an open request (not expired, not answered) and notes why; the
    /// request stays open. `NotFound` when no such open request exists. Holds no personal data: not
    /// audited.
    pub async fn record_failed_presentation_attempt(&self, id: &str, reason: &str, now: i64) -> Result<()> {
        let reason: String = reason.chars().take(200).collect();
        let done = sqlx::query(
            "UPDATE presentation_requests SET failed_attempts = failed_attempts + 1, last_failure = $3 \
             WHERE org_id = $1 AND id = $2 AND answered_at IS NULL AND expires_at > $4",
        )
        .bind(self.org())
        .bind(id)
        .bind(reason)
        .bind(now)
        .execute(&self.store.pool)
        .await?;
        if done.rows_affected() == 0 {
            return Err(StoreError::NotFound);
        }
        Ok(())
    }

    /// Records the result of an unanswered request, remembering the `vp_token` digest. `Conflict`
    /// on `state` when the request was answered already, on `vp_token` when that token was
    /// recorded before; nothing is written then.
    pub async fn record_presentation_result(&self, id: &str, vp_token: &str, result_doc: &str) -> Result<()> {
        let answer = PresentationAnswer {
            scope: self.scope.clone(),
            request_id: id.to_owned(),
            vp_hash: secret_hash(vp_token),
            result_doc: result_doc.to_owned(),
            presented: vec![],
        };
        self.store.record_presentation_answers(std::slice::from_ref(&answer)).await.pop().unwrap_or(Ok(()))
    }
}

/// Where a request stands at a given time: answered once a result is recorded (whenever that
/// was), otherwise pending until `expires_at` and expired from then on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum PresentationStatus {
    Pending,
    Answered,
    Expired,
}

impl PresentationStatus {
    /// The status at `now` (Unix seconds) of a request expiring at `expires_at`.
    pub fn at(answered: bool, expires_at: i64, now: i64) -> PresentationStatus {
        match (answered, now >= expires_at) {
            (true, _) => PresentationStatus::Answered,
            (false, true) => PresentationStatus::Expired,
            (false, false) => PresentationStatus::Pending,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            PresentationStatus::Pending => "pending",
            PresentationStatus::Answered => "answered",
            PresentationStatus::Expired => "expired",
        }
    }
}

/// Which requests to list; `None` means any.
#[derive(Debug, Clone, Copy, Default)]
pub struct PresentationFilter<'a> {
    /// Judged at the `now` given to [`Dataset::list_presentation_requests`].
    pub status: Option<PresentationStatus>,
    pub role_code: Option<&'a str>,
}

/// A listed request: everything but the request document and its `state` handle, which only the
/// wallet needs.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PresentationListItem {
    pub id: String,
    pub role_code: String,
    pub expires_at: i64,
    pub created_by: String,
    pub created_at: DateTime<Utc>,
    pub answered_at: Option<DateTime<Utc>>,
    pub result_doc: Option<String>,
}

impl PresentationListItem {
    pub fn status(&self, now: i64) -> PresentationStatus {
        PresentationStatus::at(self.answered_at.is_some(), self.expires_at, now)
    }
}

impl Dataset<'_> {
    /// This organisation's requests, newest first, matching `filter` with statuses judged at `now`
    /// (Unix seconds). Paging: `page.after` is the id of the last request seen. Ids are
    /// time-ordered ([`db::new_id`]), so "newest first" is `id` descending and the walk runs
    /// backwards along the primary key `(org_id, id)`, so no new index is needed. The filters are
    /// applied on that walk: one matching few of the organisation's requests reads further before
    /// a page fills, which an index on `(org_id, role_code, id)` would save at the cost of one
    /// more write per request created; status cannot be indexed, as it moves with `now`.
    /// Audited once per page.
    pub async fn list_presentation_requests(
        &self,
        filter: &PresentationFilter<'_>,
        now: i64,
        page: &Page,
    ) -> Result<PageOf<PresentationListItem>> {
        let limit = page.checked_limit()?;
        let mut sql = "SELECT id, role_code, expires_at, created_by, created_at, answered_at, result_doc \
                       FROM presentation_requests WHERE org_id = $1"
            .to_owned();
        let mut n = 1;
        let mut next = || {
            n += 1;
            format!("${n}")
        };
        if page.after.is_some() {
            sql.push_str(&format!(" AND id < {}", next()));
        }
        if filter.role_code.is_some() {
            sql.push_str(&format!(" AND role_code = {}", next()));
        }
        match filter.status {
            None => {}
            Some(PresentationStatus::Answered) => sql.push_str(" AND answered_at IS NOT NULL"),
            Some(PresentationStatus::Pending) => {
                sql.push_str(&format!(" AND answered_at IS NULL AND expires_at > {}", next()));
            }
            Some(PresentationStatus::Expired) => {
                sql.push_str(&format!(" AND answered_at IS NULL AND expires_at <= {}", next()));
            }
        }
        sql.push_str(&format!(" ORDER BY id DESC LIMIT {}", next()));

        let mut query = sqlx::query(&sql).bind(self.org());
        if let Some(after) = &page.after {
            query = query.bind(after.as_str());
        }
        if let Some(role_code) = filter.role_code {
            query = query.bind(role_code);
        }
        if matches!(filter.status, Some(PresentationStatus::Pending | PresentationStatus::Expired)) {
            query = query.bind(now);
        }
        query = query.bind(limit + 1);

        let mut tx = self.begin().await?;
        let rows = query.fetch_all(&mut *tx).await?;
        let items = rows.iter().map(list_item_from_row).collect::<Result<Vec<_>>>()?;
        self.audit(&mut tx, Event::dataset("presentation_request.list")).await?;
        tx.commit().await?;
        Ok(PageOf::from_overfetch(items, limit, |r| r.id.clone()))
    }
}

fn list_item_from_row(row: &sqlx::any::AnyRow) -> Result<PresentationListItem> {
    let created: String = row.try_get("created_at")?;
    let answered: Option<String> = row.try_get("answered_at")?;
    Ok(PresentationListItem {
        id: row.try_get("id")?,
        role_code: row.try_get("role_code")?,
        expires_at: row.try_get("expires_at")?,
        created_by: row.try_get("created_by")?,
        created_at: db::parse_timestamp(&created, "presentation_requests")?,
        answered_at: answered.map(|a| db::parse_timestamp(&a, "presentation_requests")).transpose()?,
        result_doc: row.try_get("result_doc")?,
    })
}

/// An answer to record: the request it answers (in `scope`'s organisation), the digest of what
/// was posted ([`secret_hash`] of the `vp_token`), the result document, and the accepted
/// credentials that this deployment's organisations issued.
#[derive(Debug, Clone)]
pub struct PresentationAnswer {
    pub scope: OrgScope,
    pub request_id: String,
    pub vp_hash: String,
    pub result_doc: String,
    pub presented: Vec<PresentedEntry>,
}

/// A presented credential by its status list entry (`{uri}#{idx}`): the issuer's ODS code, list
/// and index, which find it in the issuer's ledger and so the person it was issued to.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct PresentedEntry {
    pub issuer_ods: String,
    pub list_id: i64,
    pub index: i64,
}

/// The audit actor of a host's presentation on the issuer's chain: `host:<host ODS>:<request
/// creator>`, read back by the worker's access log as another organisation.
pub(crate) const HOST_ACTOR_PREFIX: &str = "host:";

fn token_seen() -> StoreError {
    StoreError::Conflict { field: "vp_token".into(), problem: "was presented before".into() }
}

fn answered_already() -> StoreError {
    StoreError::Conflict { field: "state".into(), problem: "the request was answered already".into() }
}

/// `(?, ?, …)` groups of `width` placeholders, `rows` times, numbered from `first`.
fn value_rows(backend: db::Backend, rows: usize, width: usize, first: usize) -> String {
    let mut sql = String::new();
    for r in 0..rows {
        sql.push_str(if r == 0 { "(" } else { ", (" });
        for c in 0..width {
            if c > 0 {
                sql.push_str(", ");
            }
            sql.push_str(&db::placeholder(backend, first + r * width + c));
        }
        sql.push(')');
    }
    sql
}

impl Store {
    /// Records many answers in one transaction, each exactly as
    /// [`Dataset::record_presentation_result`] would alone: recorded with an audit entry in its
    /// organisation's chain, or refused with `Conflict` on `vp_token` (that digest was recorded
    /// before, or earlier in this group) or on `state` (answered already, or earlier in this
    /// group), writing nothing. If the group's transaction fails as a whole, each answer is retried
    /// alone so one bad answer cannot sink the others. Outcomes are in the order given.
    pub async fn record_presentation_answers(&self, answers: &[PresentationAnswer]) -> Vec<Result<()>> {
        match self.record_group(answers).await {
            Ok(outcomes) => outcomes,
            Err(_) if answers.len() > 1 => {
                let mut outcomes = Vec::with_capacity(answers.len());
                for answer in answers {
                    outcomes.push(match self.record_group(std::slice::from_ref(answer)).await {
                        Ok(mut one) => one.pop().unwrap_or(Ok(())),
                        Err(e) => Err(e),
                    });
                }
                outcomes
            }
            Err(e) => vec![Err(e)],
        }
    }

    async fn record_group(&self, answers: &[PresentationAnswer]) -> Result<Vec<Result<()>>> {
        let mut outcomes: Vec<Result<()>> = answers.iter().map(|_| Ok(())).collect();
        let mut hashes = std::collections::HashSet::new();
        let mut requests = std::collections::HashSet::new();
        for (i, a) in answers.iter().enumerate() {
            if !hashes.insert(a.vp_hash.as_str()) {
                outcomes[i] = Err(token_seen());
            } else if !requests.insert((a.scope.org_id(), a.request_id.as_str())) {
                outcomes[i] = Err(answered_already());
            }
        }
        let pending = |outcomes: &[Result<()>]| -> Vec<usize> {
            outcomes.iter().enumerate().filter(|(_, o)| o.is_ok()).map(|(i, _)| i).collect()
        };
        let mut todo = pending(&outcomes);
        if todo.is_empty() {
            return Ok(outcomes);
        }
        let backend = self.backend;
        let mut tx = db::begin(&self.pool, backend).await?;

        let placeholders: Vec<String> = (1..=todo.len()).map(|n| db::placeholder(backend, n)).collect();
        let sql = format!("SELECT vp_hash FROM presented_tokens WHERE vp_hash IN ({})", placeholders.join(", "));
        let mut q = sqlx::query(&sql);
        for &i in &todo {
            q = q.bind(answers[i].vp_hash.as_str());
        }
        let seen: std::collections::HashSet<String> =
            q.fetch_all(&mut *tx).await?.iter().map(|r| r.try_get(0)).collect::<std::result::Result<_, _>>()?;
        for &i in &todo {
            if seen.contains(&answers[i].vp_hash) {
                outcomes[i] = Err(token_seen());
            }
        }
        todo = pending(&outcomes);
        if todo.is_empty() {
            return Ok(outcomes);
        }

        let at = db::now();
        let sql = format!(
            "UPDATE presentation_requests SET answered_at = {}, result_doc = v.column3 FROM (VALUES {}) AS v \
             WHERE presentation_requests.org_id = v.column1 AND presentation_requests.id = v.column2 \
             AND presentation_requests.answered_at IS NULL \
             RETURNING presentation_requests.org_id, presentation_requests.id, presentation_requests.created_by",
            db::placeholder(backend, 1),
            value_rows(backend, todo.len(), 3, 2)
        );
        let mut q = sqlx::query(&sql).bind(&at);
        for &i in &todo {
            let a = &answers[i];
            q = q.bind(a.scope.org_id()).bind(a.request_id.as_str()).bind(a.result_doc.as_str());
        }
        // (organisation, request) -> who made the request.
        let answered: std::collections::HashMap<(String, String), String> = q
            .fetch_all(&mut *tx)
            .await?
            .iter()
            .map(|r| Ok(((r.try_get(0)?, r.try_get(1)?), r.try_get(2)?)))
            .collect::<Result<_>>()?;
        for &i in &todo {
            let a = &answers[i];
            if !answered.contains_key(&(a.scope.org_id().to_owned(), a.request_id.clone())) {
                outcomes[i] = Err(answered_already());
            }
        }
        todo = pending(&outcomes);
        if todo.is_empty() {
            return Ok(outcomes);
        }

        let sql = format!(
            "INSERT INTO presented_tokens (vp_hash, org_id, request_id, at) VALUES {}",
            value_rows(backend, todo.len(), 4, 1)
        );
        let mut q = sqlx::query(&sql);
        for &i in &todo {
            let a = &answers[i];
            q = q.bind(a.vp_hash.as_str()).bind(a.scope.org_id()).bind(a.request_id.as_str()).bind(&at);
        }
        q.execute(&mut *tx).await?;

        // One run of entries per organisation chain (and actor), in the order given.
        let mut chains: Vec<(&OrgScope, Vec<Event<'_>>)> = Vec::new();
        for &i in &todo {
            let a = &answers[i];
            let event = Event {
                action: "presentation_request.answer",
                subject_type: "presentation_request",
                subject_id: Some(a.request_id.as_str()),
            };
            match chains.iter_mut().find(|(s, _)| s.org_id() == a.scope.org_id() && s.actor() == a.scope.actor()) {
                Some((_, events)) => events.push(event),
                None => chains.push((&a.scope, vec![event])),
            }
        }
        for (scope, events) in &chains {
            audit::append_many(&mut tx, backend, scope.org_id(), scope.actor(), events).await?;
        }
        self.audit_presented(&mut tx, answers, &todo, &answered).await?;
        tx.commit().await?;
        Ok(outcomes)
    }

    /// Notes on each issuer's chain that a host verified credentials it issued to a person (one
    /// entry per answer and person, subject the person), so the worker's access log shows which
    /// host saw their passport and when. Only credentials of this deployment's organisations can
    /// be found; another deployment's issuer is never told where its credentials were shown.
    async fn audit_presented(
        &self,
        conn: &mut sqlx::AnyConnection,
        answers: &[PresentationAnswer],
        recorded: &[usize],
        answered: &std::collections::HashMap<(String, String), String>,
    ) -> Result<()> {
        let mut entries: Vec<&PresentedEntry> = recorded.iter().flat_map(|&i| &answers[i].presented).collect();
        entries.sort_by(|a, b| (&a.issuer_ods, a.list_id, a.index).cmp(&(&b.issuer_ods, b.list_id, b.index)));
        entries.dedup();
        if entries.is_empty() {
            return Ok(());
        }
        let backend = self.backend;
        // (issuer ODS, list, index) -> (issuer organisation, person).
        let mut found = std::collections::HashMap::new();
        // 3 parameters per entry; stay far below every backend's bind limit.
        for chunk in entries.chunks(300) {
            let sql = format!(
                "SELECT o.ods_code, c.list_id, c.status_index, c.org_id, c.person_id FROM issued_credentials c \
                 JOIN organisations o ON o.id = c.org_id \
                 WHERE (o.ods_code, c.list_id, c.status_index) IN (VALUES {})",
                value_rows(backend, chunk.len(), 3, 1)
            );
            let mut q = sqlx::query(&sql);
            for e in chunk {
                q = q.bind(e.issuer_ods.as_str()).bind(e.list_id).bind(e.index);
            }
            for row in q.fetch_all(&mut *conn).await? {
                let key: (String, i64, i64) = (row.try_get(0)?, row.try_get(1)?, row.try_get(2)?);
                found.insert(key, (row.try_get::<String, _>(3)?, row.try_get::<String, _>(4)?));
            }
        }
        if found.is_empty() {
            return Ok(());
        }
        let host_ods = self.ods_codes_of(conn, recorded.iter().map(|&i| answers[i].scope.org_id())).await?;
        // One run of entries per (issuer chain, host actor), each person once per answer.
        let mut runs: Vec<((String, String), Vec<String>)> = Vec::new();
        for &i in recorded {
            let a = &answers[i];
            let key = (a.scope.org_id().to_owned(), a.request_id.clone());
            let (Some(created_by), Some(ods)) = (answered.get(&key), host_ods.get(a.scope.org_id())) else {
                continue;
            };
            let actor = format!("{HOST_ACTOR_PREFIX}{ods}:{created_by}");
            let mut people: Vec<(&String, &String)> = a
                .presented
                .iter()
                .filter_map(|e| found.get(&(e.issuer_ods.clone(), e.list_id, e.index)))
                .map(|(org, person)| (org, person))
                .collect();
            people.sort();
            people.dedup();
            for (chain, person) in people {
                let run_key = (chain.clone(), actor.clone());
                match runs.iter_mut().find(|(k, _)| *k == run_key) {
                    Some((_, subjects)) => subjects.push(person.clone()),
                    None => runs.push((run_key, vec![person.clone()])),
                }
            }
        }
        for ((chain, actor), subjects) in &runs {
            let events: Vec<Event<'_>> =
                subjects.iter().map(|person| Event::person("credential.presented", person)).collect();
            audit::append_many_as(&mut *conn, backend, chain, actor, &events).await?;
        }
        Ok(())
    }

    /// The ODS codes of some organisations, by id.
    async fn ods_codes_of<'o>(
        &self,
        conn: &mut sqlx::AnyConnection,
        org_ids: impl Iterator<Item = &'o str>,
    ) -> Result<std::collections::HashMap<String, String>> {
        let mut ids: Vec<&str> = org_ids.collect();
        ids.sort_unstable();
        ids.dedup();
        let placeholders: Vec<String> = (1..=ids.len()).map(|n| db::placeholder(self.backend, n)).collect();
        let sql = format!("SELECT id, ods_code FROM organisations WHERE id IN ({})", placeholders.join(", "));
        let mut q = sqlx::query(&sql);
        for id in ids {
            q = q.bind(id);
        }
        q.fetch_all(&mut *conn).await?.iter().map(|r| Ok((r.try_get(0)?, r.try_get(1)?))).collect()
    }
}
