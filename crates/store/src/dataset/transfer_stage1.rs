//! Inter-authority transfer, stage 1 (after the offer is accepted): the Portable Data Set is
//! copied from the previous employer's record into the applicant record.
//!
//! One transaction, all or nothing: the transfer row is locked first (`UPDATE … RETURNING`, a row
//! lock on PostgreSQL; SQLite's `BEGIN IMMEDIATE` serialises writers anyway), then consent,
//! approval and the applicant assignment are checked, the old employer's records read, the domain's
//! merge rule applied against what the new employer holds, the copies written with provenance
//! (`source = iat`, `source_ods`, and a `transfer_copies` row naming the source organisation, source
//! record, transfer and time), the report stored, and both organisations' audit chains appended.
//! A transfer that has done stage 1 is returned as it is: a rerun changes nothing (and writes no
//! audit entry, since it reads nothing new).

use domain::assignment::AssignmentStatus;
use domain::checks::EmploymentCheck;
use domain::cstf::Competence;
use domain::immunisation::{Immunisation, OhClearance};
use domain::org::OdsCode;
use domain::person::Person;
use domain::transfer::{
    LocalHoldings, MergePlan, PdsItem, PortableDataSet, ReportLine, ServiceEntry, SourceRecords, TransferRefusal,
    TransferReport, TransferStatus, TransferSummary, consent_state, merge,
};
use sqlx::{AnyConnection, Row};

use super::children::{ChildKind, child_from_row, child_select};
use super::transfer::{TRANSFER_COLUMNS, summary_from_row};
use super::{BindStamp, Dataset, PROVENANCE_COLUMNS, UPSERT_DOC_SET, WriteStamp};
use crate::audit::{self, Event};
use crate::db;
use crate::error::{Result, StoreError};

/// A transfer row with the source organisation's store id.
pub(crate) struct Locked {
    pub summary: TransferSummary,
    pub source_org_id: String,
    /// The source organisation's issuer identifier when it is served by another deployment.
    pub source_issuer: Option<String>,
    pub report: Option<String>,
}

/// A transfer from another deployment runs only as it was made: its data set arrives signed, in
/// one request (`POST /people/{id}/transfers/remote`), and its service history is not fetched.
pub(crate) fn remote_only(stage: &str) -> StoreError {
    StoreError::invalid(
        "transfer_id",
        format!("{stage} of a transfer from another deployment runs only through a remote transfer request"),
    )
}

/// Reads every record of `T` a person has in `org_id`'s dataset, as PDS items.
async fn source_items<T: ChildKind>(
    conn: &mut AnyConnection,
    org_id: &str,
    person_id: &str,
) -> Result<Vec<PdsItem<T>>> {
    let sql = format!("{} WHERE org_id = $1 AND person_id = $2 ORDER BY id", child_select::<T>());
    let rows = sqlx::query(&sql).bind(org_id).bind(person_id).fetch_all(&mut *conn).await?;
    rows.iter()
        .map(|row| child_from_row::<T>(row).map(|r| PdsItem { source_record_id: r.id, value: r.value }))
        .collect()
}

pub(crate) async fn person_doc(
    conn: &mut AnyConnection,
    org_id: &str,
    person_id: &str,
) -> Result<Option<(Person, String)>> {
    let row = sqlx::query("SELECT doc, updated_at FROM people WHERE org_id = $1 AND id = $2")
        .bind(org_id)
        .bind(person_id)
        .fetch_optional(&mut *conn)
        .await?;
    match row {
        None => Ok(None),
        Some(row) => {
            let doc: String = row.try_get(0)?;
            Ok(Some((db::from_doc(&doc, "people")?, row.try_get(1)?)))
        }
    }
}

async fn oh_of(conn: &mut AnyConnection, org_id: &str, person_id: &str) -> Result<Option<OhClearance>> {
    let row = sqlx::query("SELECT doc FROM oh_clearances WHERE org_id = $1 AND person_id = $2")
        .bind(org_id)
        .bind(person_id)
        .fetch_optional(&mut *conn)
        .await?;
    row.map(|r| db::from_doc(&r.try_get::<String, _>(0)?, "oh_clearances")).transpose()
}

/// A registration has no id of its own (it lives in the person's document): `<person id>#<register>`.
pub(crate) fn registration_id(person_id: &str, r: &domain::person::ProfessionalRegistration) -> String {
    let register = serde_json::to_value(r.register).ok().and_then(|v| v.as_str().map(str::to_owned));
    format!("{person_id}#{}", register.unwrap_or_default())
}

/// Whether an organisation declared CSTF alignment (migration 0090).
pub(crate) async fn cstf_aligned(conn: &mut AnyConnection, org_id: &str) -> Result<bool> {
    let row = sqlx::query("SELECT cstf_aligned FROM organisations WHERE id = $1")
        .bind(org_id)
        .fetch_optional(&mut *conn)
        .await?;
    Ok(match row {
        Some(r) => r.try_get::<i64, _>(0)? != 0,
        None => false,
    })
}

/// The Portable Data Set of a person in a dataset of this deployment.
pub(crate) async fn load_pds(conn: &mut AnyConnection, org_id: &str, person_id: &str) -> Result<PortableDataSet> {
    let org = sqlx::query("SELECT ods_code, name FROM organisations WHERE id = $1")
        .bind(org_id)
        .fetch_optional(&mut *conn)
        .await?
        .ok_or(StoreError::NotFound)?;
    let ods: String = org.try_get(0)?;
    let name: String = org.try_get(1)?;
    let (person, _) = person_doc(conn, org_id, person_id).await?.ok_or(StoreError::NotFound)?;
    let records = SourceRecords {
        checks: source_items::<EmploymentCheck>(conn, org_id, person_id).await?,
        competences: source_items::<Competence>(conn, org_id, person_id).await?,
        immunisations: source_items::<Immunisation>(conn, org_id, person_id).await?,
        oh_clearance: oh_of(conn, org_id, person_id).await?.map(|v| PdsItem::new(person_id, v)),
        registrations: person
            .registrations
            .into_iter()
            .map(|r| PdsItem::new(registration_id(person_id, &r), r))
            .collect(),
    };
    let aligned = cstf_aligned(conn, org_id).await?;
    let ods =
        OdsCode::parse(&ods).map_err(|e| StoreError::Corrupt { table: "organisations", reason: e.to_string() })?;
    Ok(PortableDataSet::build(ods, name, person_id.to_owned(), aligned, records))
}

impl Dataset<'_> {
    /// Locks and reads a transfer of this organisation.
    pub(crate) async fn lock_transfer(&self, conn: &mut AnyConnection, transfer_id: &str) -> Result<Locked> {
        let row = sqlx::query(&format!(
            "UPDATE transfers SET status = status WHERE org_id = $1 AND id = $2 \
             RETURNING {TRANSFER_COLUMNS}, source_org_id, source_issuer, report"
        ))
        .bind(self.org())
        .bind(transfer_id)
        .fetch_optional(&mut *conn)
        .await?
        .ok_or(StoreError::NotFound)?;
        Ok(Locked {
            summary: summary_from_row(&row)?,
            source_org_id: row.try_get("source_org_id")?,
            source_issuer: row.try_get("source_issuer")?,
            report: row.try_get("report")?,
        })
    }

    /// Runs stage 1 of a transfer (see the module comment). `Ok(Err(refusal))` when consent,
    /// approval or the applicant assignment is missing; nothing is written then.
    pub async fn run_transfer(
        &self,
        transfer_id: &str,
    ) -> Result<std::result::Result<TransferReport, TransferRefusal>> {
        let mut tx = self.begin().await?;
        let locked = self.lock_transfer(&mut tx, transfer_id).await?;
        if matches!(locked.summary.status, TransferStatus::Stage1Done | TransferStatus::Stage2Done) {
            let report = self.report_of(&mut tx, &locked).await?;
            tx.commit().await?;
            return Ok(Ok(report));
        }
        if locked.source_issuer.is_some() {
            return Err(remote_only("stage 1"));
        }
        if let Err(refusal) = self.stage1_preconditions(&mut tx, &locked.summary).await? {
            tx.rollback().await?;
            return Ok(Err(refusal));
        }
        let pds = load_pds(&mut tx, &locked.source_org_id, &locked.summary.source_person_id).await?;
        let report = self.apply_pds(&mut tx, &locked, &pds).await?;
        let remote_actor = format!("iat:{}:{}", self.my_ods(&mut tx).await?, self.scope.actor().as_audit_text());
        audit::append_as(
            &mut tx,
            &locked.source_org_id,
            &remote_actor,
            Event::person("transfer.released", &locked.summary.source_person_id),
        )
        .await?;
        tx.commit().await?;
        self.store.status_changed();
        Ok(Ok(report))
    }

    pub(crate) async fn my_ods(&self, conn: &mut AnyConnection) -> Result<String> {
        Ok(sqlx::query("SELECT ods_code FROM organisations WHERE id = $1")
            .bind(self.org())
            .fetch_one(&mut *conn)
            .await?
            .try_get(0)?)
    }

    /// Consent current, the transfer approved, an applicant assignment present.
    pub(crate) async fn stage1_preconditions(
        &self,
        conn: &mut AnyConnection,
        transfer: &TransferSummary,
    ) -> Result<std::result::Result<(), TransferRefusal>> {
        let consents = self.consents(conn, &transfer.person_id).await?;
        if let Err(refusal) = consent_state(&consents).permits_transfer() {
            return Ok(Err(refusal));
        }
        if transfer.status != TransferStatus::Approved {
            return Ok(Err(TransferRefusal::NotApproved));
        }
        let applicant = sqlx::query("SELECT 1 FROM assignments WHERE org_id = $1 AND person_id = $2 AND status = $3")
            .bind(self.org())
            .bind(&transfer.person_id)
            .bind(AssignmentStatus::Applicant.as_str())
            .fetch_optional(&mut *conn)
            .await?;
        if applicant.is_none() {
            return Ok(Err(TransferRefusal::NoApplicantAssignment));
        }
        Ok(Ok(()))
    }

    /// What this organisation holds for the applicant, for the merge rule.
    async fn holdings(&self, conn: &mut AnyConnection, person_id: &str) -> Result<(LocalHoldings, Person)> {
        let mut local = LocalHoldings::default();
        for item in source_items::<EmploymentCheck>(conn, self.org(), person_id).await? {
            local.check(&item.source_record_id, &item.value);
        }
        for item in source_items::<Competence>(conn, self.org(), person_id).await? {
            local.competence(&item.source_record_id, &item.value);
        }
        for item in source_items::<Immunisation>(conn, self.org(), person_id).await? {
            local.immunisation(&item.source_record_id, &item.value);
        }
        if let Some(oh) = oh_of(conn, self.org(), person_id).await? {
            local.oh_clearance(person_id, &oh);
        }
        let (person, _) = person_doc(conn, self.org(), person_id).await?.ok_or(StoreError::NotFound)?;
        for r in &person.registrations {
            local.registration(&registration_id(person_id, r), r);
        }
        Ok((local, person))
    }

    /// Merges a data set into the applicant record, writes copies, provenance and the report, marks
    /// the transfer done and audits it on this organisation's chain (the caller audits the source).
    pub(crate) async fn apply_pds(
        &self,
        conn: &mut AnyConnection,
        locked: &Locked,
        pds: &PortableDataSet,
    ) -> Result<TransferReport> {
        let person_id = locked.summary.person_id.as_str();
        let (local, mut person) = self.holdings(conn, person_id).await?;
        let plan: MergePlan = merge(pds, &local);
        let stamp = WriteStamp {
            by: self.scope.actor().as_audit_text(),
            at: db::now(),
            source: "iat",
            source_ods: Some(pds.from_ods.as_str().to_owned()),
        };
        let mut lines = plan.report.clone();
        let copy = Copy { dataset: self, locked, pds, stamp: &stamp };
        for item in &plan.checks {
            let id = copy.child(conn, &item.value).await?;
            copy.note(conn, &mut lines, EmploymentCheck::TABLE, &item.source_record_id, &id).await?;
        }
        for item in &plan.competences {
            let id = copy.child(conn, &item.value).await?;
            copy.note(conn, &mut lines, Competence::TABLE, &item.source_record_id, &id).await?;
        }
        for item in &plan.immunisations {
            let id = copy.child(conn, &item.value).await?;
            copy.note(conn, &mut lines, Immunisation::TABLE, &item.source_record_id, &id).await?;
        }
        if let Some(item) = &plan.oh_clearance {
            sqlx::query(&format!(
                "INSERT INTO oh_clearances (org_id, person_id, doc, {PROVENANCE_COLUMNS}, updated_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (org_id, person_id) DO UPDATE SET {UPSERT_DOC_SET}"
            ))
            .bind(self.org())
            .bind(person_id)
            .bind(db::to_doc(&item.value)?)
            .bind_stamp(&stamp)
            .execute(&mut *conn)
            .await?;
            self.revoke_derived(conn, &super::oh_source_id(person_id), "replaced by an inter-authority transfer")
                .await?;
            copy.note(conn, &mut lines, "oh_clearances", &item.source_record_id, person_id).await?;
        }
        if !plan.registrations.is_empty() {
            for item in &plan.registrations {
                person.registrations.retain(|r| r.register != item.value.register);
                person.registrations.push(item.value.clone());
                let record_id = registration_id(person_id, &item.value);
                copy.note(conn, &mut lines, "people.registrations", &item.source_record_id, &record_id).await?;
            }
            sqlx::query("UPDATE people SET doc = $3, updated_at = $4 WHERE org_id = $1 AND id = $2")
                .bind(self.org())
                .bind(person_id)
                .bind(db::to_doc(&person)?)
                .bind(&stamp.at)
                .execute(&mut *conn)
                .await?;
        }
        self.invalidate(conn, person_id).await?;
        sqlx::query(
            "UPDATE transfers SET status = 'stage1_done', stage1_at = $3, report = $4 WHERE org_id = $1 AND id = $2",
        )
        .bind(self.org())
        .bind(&locked.summary.id)
        .bind(&stamp.at)
        .bind(db::to_doc(&lines)?)
        .execute(&mut *conn)
        .await?;
        self.audit(conn, Event::person("transfer.stage1", person_id)).await?;
        let mut summary = locked.summary.clone();
        summary.status = TransferStatus::Stage1Done;
        summary.stage1_at = Some(db::parse_timestamp(&stamp.at, "transfers")?);
        Ok(TransferReport { transfer: summary, lines, service_history: vec![] })
    }

    /// A stored transfer's report (no writes).
    pub(crate) async fn report_of(&self, conn: &mut AnyConnection, locked: &Locked) -> Result<TransferReport> {
        let lines: Vec<ReportLine> = match &locked.report {
            Some(doc) => db::from_doc(doc, "transfers")?,
            None => vec![],
        };
        let rows = sqlx::query("SELECT doc FROM service_history WHERE org_id = $1 AND transfer_id = $2 ORDER BY seq")
            .bind(self.org())
            .bind(&locked.summary.id)
            .fetch_all(&mut *conn)
            .await?;
        let service_history = rows
            .iter()
            .map(|r| db::from_doc::<ServiceEntry>(&r.try_get::<String, _>(0)?, "service_history"))
            .collect::<Result<Vec<_>>>()?;
        Ok(TransferReport { transfer: locked.summary.clone(), lines, service_history })
    }

    /// A transfer with its report. Audited against the applicant.
    pub async fn transfer_report(&self, transfer_id: &str) -> Result<TransferReport> {
        let mut tx = self.begin().await?;
        let row = sqlx::query(&format!(
            "SELECT {TRANSFER_COLUMNS}, source_org_id, source_issuer, report FROM transfers WHERE org_id = $1 AND id = $2"
        ))
        .bind(self.org())
        .bind(transfer_id)
        .fetch_optional(&mut *tx)
        .await?
        .ok_or(StoreError::NotFound)?;
        let locked = Locked {
            summary: summary_from_row(&row)?,
            source_org_id: row.try_get("source_org_id")?,
            source_issuer: row.try_get("source_issuer")?,
            report: row.try_get("report")?,
        };
        let report = self.report_of(&mut tx, &locked).await?;
        self.audit(&mut tx, Event::person("transfer.read", &locked.summary.person_id)).await?;
        tx.commit().await?;
        Ok(report)
    }
}

/// Writing one transfer's copies.
struct Copy<'a, 'd> {
    dataset: &'a Dataset<'d>,
    locked: &'a Locked,
    pds: &'a PortableDataSet,
    stamp: &'a WriteStamp,
}

impl Copy<'_, '_> {
    async fn child<T: ChildKind>(&self, conn: &mut AnyConnection, value: &T) -> Result<String> {
        let id = db::new_id();
        let cols = T::INDEXED.join(", ");
        let params: Vec<String> = (0..T::INDEXED.len() + 9).map(|i| format!("${}", i + 1)).collect();
        let sql = format!(
            "INSERT INTO {} (org_id, id, person_id, doc, {PROVENANCE_COLUMNS}, updated_at, {cols}) VALUES ({})",
            T::TABLE,
            params.join(", ")
        );
        let mut q = sqlx::query(&sql)
            .bind(self.dataset.org())
            .bind(&id)
            .bind(&self.locked.summary.person_id)
            .bind(db::to_doc(value)?)
            .bind_stamp(self.stamp);
        for v in value.index_values()? {
            q = q.bind(v);
        }
        q.execute(&mut *conn).await?;
        Ok(id)
    }

    /// Records the copy's provenance and fills the report line's record id.
    async fn note(
        &self,
        conn: &mut AnyConnection,
        lines: &mut [ReportLine],
        table: &str,
        source_record_id: &str,
        record_id: &str,
    ) -> Result<()> {
        sqlx::query(
            "INSERT INTO transfer_copies (org_id, record_table, record_id, transfer_id, source_org_id, source_ods, \
             source_record_id, copied_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) \
             ON CONFLICT (org_id, record_table, record_id) DO UPDATE SET transfer_id = excluded.transfer_id, \
             source_org_id = excluded.source_org_id, source_ods = excluded.source_ods, \
             source_record_id = excluded.source_record_id, copied_at = excluded.copied_at",
        )
        .bind(self.dataset.org())
        .bind(table)
        .bind(record_id)
        .bind(&self.locked.summary.id)
        .bind(&self.locked.source_org_id)
        .bind(self.pds.from_ods.as_str())
        .bind(source_record_id)
        .bind(&self.stamp.at)
        .execute(&mut *conn)
        .await?;
        if let Some(line) = lines.iter_mut().find(|l| {
            l.decision == domain::transfer::Decision::Copied
                && l.record_id.is_none()
                && l.source_record_id.as_deref() == Some(source_record_id)
        }) {
            line.record_id = Some(record_id.to_owned());
        }
        Ok(())
    }
}
