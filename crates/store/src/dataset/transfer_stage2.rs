//! Inter-authority transfer, stage 2 (on the start date): the NHS service history (organisation,
//! role and dates of each earlier assignment) and updated personal details come over once the
//! worker has started.
//!
//! Run by the Applicant → Active transition ([`Dataset::transition_assignment`] calls
//! [`Dataset::transfer_stage2_on_start`]) and by a daily job for start dates that have passed
//! ([`Dataset::run_due_stage2`]). One transaction per transfer; a transfer that has done stage 2 is
//! left as it is; consent must still stand.

use chrono::NaiveDate;
use domain::assignment::Assignment;
use domain::org::OdsCode;
use domain::transfer::{
    ServiceEntry, TransferRefusal, TransferReport, TransferStatus, consent_state, merge_personal, service_history,
};
use sqlx::{AnyConnection, Row};

use super::Dataset;
use super::transfer_stage1::person_doc;
use crate::audit::{self, Event};
use crate::db;
use crate::error::{Result, StoreError};

impl Dataset<'_> {
    /// Runs stage 2 of one transfer. `Ok(Err(NotApproved))` before stage 1, `Ok(Err(Consent…))`
    /// when consent no longer stands; nothing is written then.
    pub async fn run_transfer_stage2(
        &self,
        transfer_id: &str,
    ) -> Result<std::result::Result<TransferReport, TransferRefusal>> {
        let mut tx = self.begin().await?;
        let locked = self.lock_transfer(&mut tx, transfer_id).await?;
        match locked.summary.status {
            TransferStatus::Stage2Done => {
                let report = self.report_of(&mut tx, &locked).await?;
                tx.commit().await?;
                return Ok(Ok(report));
            }
            TransferStatus::Stage1Done => {}
            TransferStatus::Proposed | TransferStatus::Approved => {
                tx.rollback().await?;
                return Ok(Err(TransferRefusal::NotApproved));
            }
        }
        if locked.source_issuer.is_some() {
            return Err(super::transfer_stage1::remote_only("stage 2"));
        }
        let person_id = locked.summary.person_id.clone();
        if let Err(refusal) = consent_state(&self.consents(&mut tx, &person_id).await?).permits_transfer() {
            tx.rollback().await?;
            return Ok(Err(refusal));
        }
        let source_org = &locked.source_org_id;
        let source_person = &locked.summary.source_person_id;
        let org = sqlx::query("SELECT ods_code, name FROM organisations WHERE id = $1")
            .bind(source_org)
            .fetch_optional(&mut *tx)
            .await?
            .ok_or(StoreError::NotFound)?;
        let ods: String = org.try_get(0)?;
        let ods =
            OdsCode::parse(&ods).map_err(|e| StoreError::Corrupt { table: "organisations", reason: e.to_string() })?;
        let name: String = org.try_get(1)?;
        let docs = sqlx::query("SELECT doc FROM assignments WHERE org_id = $1 AND person_id = $2 ORDER BY id")
            .bind(source_org)
            .bind(source_person)
            .fetch_all(&mut *tx)
            .await?;
        let assignments = docs
            .iter()
            .map(|r| db::from_doc::<Assignment>(&r.try_get::<String, _>(0)?, "assignments"))
            .collect::<Result<Vec<_>>>()?;
        let history = service_history(&ods, &name, &assignments);
        let (local, local_at) = person_doc(&mut tx, self.org(), &person_id).await?.ok_or(StoreError::NotFound)?;
        let (source, source_at) = person_doc(&mut tx, source_org, source_person).await?.ok_or(StoreError::NotFound)?;
        let (merged, personal) = merge_personal(
            &local,
            db::parse_timestamp(&local_at, "people")?,
            &source,
            db::parse_timestamp(&source_at, "people")?,
        );
        let report = self.apply_stage2(&mut tx, &locked, &history, &local, merged, personal).await?;
        let remote_actor = format!("iat:{}:{}", self.my_ods(&mut tx).await?, self.scope.actor().as_audit_text());
        audit::append_as(&mut tx, source_org, &remote_actor, Event::person("transfer.released_history", source_person))
            .await?;
        tx.commit().await?;
        Ok(Ok(report))
    }

    /// Writes stage 2's results: service history rows, personal details, report, status, audit on
    /// this organisation's chain.
    pub(crate) async fn apply_stage2(
        &self,
        conn: &mut AnyConnection,
        locked: &super::transfer_stage1::Locked,
        history: &[ServiceEntry],
        local: &domain::person::Person,
        merged: domain::person::Person,
        personal: Vec<domain::transfer::ReportLine>,
    ) -> Result<TransferReport> {
        let person_id = locked.summary.person_id.as_str();
        let now = db::now();
        for (seq, entry) in history.iter().enumerate() {
            sqlx::query(
                "INSERT INTO service_history (org_id, person_id, transfer_id, seq, doc) VALUES ($1, $2, $3, $4, $5)",
            )
            .bind(self.org())
            .bind(person_id)
            .bind(&locked.summary.id)
            .bind(seq as i64)
            .bind(db::to_doc(entry)?)
            .execute(&mut *conn)
            .await?;
        }
        if &merged != local {
            let (source, ods) = ("iat", locked.summary.source_ods.as_str().to_owned());
            sqlx::query(
                "UPDATE people SET doc = $3, recorded_by = $4, recorded_at = $5, source = $6, source_ods = $7, \
                 updated_at = $5 WHERE org_id = $1 AND id = $2",
            )
            .bind(self.org())
            .bind(person_id)
            .bind(db::to_doc(&merged)?)
            .bind(self.scope.actor().as_audit_text())
            .bind(&now)
            .bind(source)
            .bind(ods)
            .execute(&mut *conn)
            .await?;
            self.invalidate(conn, person_id).await?;
        }
        let mut lines: Vec<domain::transfer::ReportLine> = match &locked.report {
            Some(doc) => db::from_doc(doc, "transfers")?,
            None => vec![],
        };
        lines.push(domain::transfer::ReportLine {
            kind: domain::transfer::PdsKind::ServiceHistory,
            item: "service_history".to_owned(),
            decision: domain::transfer::Decision::Copied,
            source_record_id: Some(locked.summary.source_person_id.clone()),
            record_id: None,
            reason: format!("{} earlier assignment(s) at {}", history.len(), locked.summary.source_ods),
        });
        lines.extend(personal);
        sqlx::query(
            "UPDATE transfers SET status = 'stage2_done', stage2_at = $3, report = $4 WHERE org_id = $1 AND id = $2",
        )
        .bind(self.org())
        .bind(&locked.summary.id)
        .bind(&now)
        .bind(db::to_doc(&lines)?)
        .execute(&mut *conn)
        .await?;
        self.audit(conn, Event::person("transfer.stage2", person_id)).await?;
        let mut summary = locked.summary.clone();
        summary.status = TransferStatus::Stage2Done;
        summary.stage2_at = Some(db::parse_timestamp(&now, "transfers")?);
        Ok(TransferReport { transfer: summary, lines, service_history: history.to_vec() })
    }

    /// Stage 2 for every transfer of this person that has done stage 1; called when one of their
    /// assignments becomes active. Refusals (consent withdrawn meanwhile) are skipped.
    pub async fn transfer_stage2_on_start(&self, person_id: &str) -> Result<Vec<TransferReport>> {
        let ids: Vec<String> = sqlx::query(
            "SELECT id FROM transfers WHERE org_id = $1 AND person_id = $2 AND status = 'stage1_done' \
             AND source_issuer IS NULL ORDER BY id",
        )
        .bind(self.org())
        .bind(person_id)
        .fetch_all(&self.store.pool)
        .await?
        .iter()
        .map(|r| r.try_get(0))
        .collect::<std::result::Result<_, _>>()?;
        let mut done = vec![];
        for id in ids {
            if let Ok(report) = self.run_transfer_stage2(&id).await? {
                done.push(report);
            }
        }
        Ok(done)
    }

    /// The daily job: stage 2 for transfers that have done stage 1 whose applicant's start date
    /// (of an applicant or active assignment) is on or before `today`. Returns how many ran.
    pub async fn run_due_stage2(&self, today: NaiveDate) -> Result<usize> {
        let rows = sqlx::query(
            "SELECT DISTINCT t.id FROM transfers t JOIN assignments a ON a.org_id = t.org_id \
             AND a.person_id = t.person_id WHERE t.org_id = $1 AND t.status = 'stage1_done' AND t.source_issuer IS NULL \
             AND a.status IN ('applicant', 'active') AND a.start_date <= $2 ORDER BY t.id",
        )
        .bind(self.org())
        .bind(db::date(today))
        .fetch_all(&self.store.pool)
        .await?;
        let mut ran = 0;
        for row in rows {
            let id: String = row.try_get(0)?;
            if self.run_transfer_stage2(&id).await?.is_ok() {
                ran += 1;
            }
        }
        Ok(ran)
    }

    /// The person's NHS service history brought by transfers, oldest first. Audited.
    pub async fn service_history(&self, person_id: &str) -> Result<Vec<ServiceEntry>> {
        let mut tx = self.begin().await?;
        self.require_person(&mut tx, person_id).await?;
        let rows = sqlx::query("SELECT doc FROM service_history WHERE org_id = $1 AND person_id = $2")
            .bind(self.org())
            .bind(person_id)
            .fetch_all(&mut *tx)
            .await?;
        let mut entries = rows
            .iter()
            .map(|r| db::from_doc::<ServiceEntry>(&r.try_get::<String, _>(0)?, "service_history"))
            .collect::<Result<Vec<_>>>()?;
        entries.sort_by_key(|e| (e.start_date, e.end_date));
        self.audit(&mut tx, Event::person("service_history.read", person_id)).await?;
        tx.commit().await?;
        Ok(entries)
    }
}
