//! Finding a new applicant's earlier records in other organisations' datasets (inter-authority
//! transfer, DESIGN.md §6 flow 5): the one cross-dataset read the store offers.
//!
//! Matching is on NI number *and* date of birth (`ix_people_ni_dob`), and reveals only where a
//! match is (organisation, person id), never the other organisation's data. It is audited on both
//! sides in one transaction: the requesting organisation's chain records the match against its
//! applicant, and each matched organisation's chain records against its own person who looked,
//! as `iat:<requesting ODS>:<actor>`.

use domain::org::OdsCode;
use serde::Serialize;
use sqlx::Row;

use super::Dataset;
use crate::audit::{self, Event};
use crate::error::{Result, StoreError};

/// An earlier record of the same person in another organisation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TransferMatch {
    pub org_id: String,
    pub ods_code: OdsCode,
    pub organisation_name: String,
    /// The person's id in *that* organisation's dataset.
    pub person_id: String,
}

impl Dataset<'_> {
    /// Other organisations' records with the same NI number and date of birth as `applicant_id`
    /// of this dataset (none if the applicant has no NI number). `NotFound` for an unknown
    /// applicant.
    pub async fn transfer_matches(&self, applicant_id: &str) -> Result<Vec<TransferMatch>> {
        let mut tx = self.begin().await?;
        let me = sqlx::query(
            "SELECT p.ni_number, p.date_of_birth, o.ods_code FROM people p \
             JOIN organisations o ON o.id = p.org_id WHERE p.org_id = $1 AND p.id = $2",
        )
        .bind(self.org())
        .bind(applicant_id)
        .fetch_optional(&mut *tx)
        .await?
        .ok_or(StoreError::NotFound)?;
        let ni: Option<String> = me.try_get("ni_number")?;
        let dob: String = me.try_get("date_of_birth")?;
        let my_ods: String = me.try_get("ods_code")?;
        let mut matches = vec![];
        if let Some(ni) = ni {
            let rows = sqlx::query(
                "SELECT p.org_id, p.id, o.ods_code, o.name FROM people p JOIN organisations o ON o.id = p.org_id \
                 WHERE p.ni_number = $1 AND p.date_of_birth = $2 AND p.org_id <> $3 ORDER BY o.ods_code, p.id",
            )
            .bind(&ni)
            .bind(&dob)
            .bind(self.org())
            .fetch_all(&mut *tx)
            .await?;
            for row in rows {
                let ods: String = row.try_get("ods_code")?;
                matches.push(TransferMatch {
                    org_id: row.try_get("org_id")?,
                    ods_code: OdsCode::parse(&ods)
                        .map_err(|e| StoreError::Corrupt { table: "organisations", reason: e.to_string() })?,
                    organisation_name: row.try_get("name")?,
                    person_id: row.try_get("id")?,
                });
            }
        }
        self.audit(&mut tx, Event::person("iat.match", applicant_id)).await?;
        let remote_actor = format!("iat:{my_ods}:{}", self.scope.actor().as_audit_text());
        for m in &matches {
            audit::append_as(&mut tx, &m.org_id, &remote_actor, Event::person("iat.matched", &m.person_id)).await?;
        }
        tx.commit().await?;
        Ok(matches)
    }
}
