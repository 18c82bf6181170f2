//! Assignments of a person to a role. Stored like the other per-person records, but the status
//! only changes through [`Dataset::transition_assignment`], which applies the domain's rule
//! (`Assignment::transition`); a plain update that tries to change the status is refused.

use chrono::NaiveDate;
use domain::assignment::{Assignment, AssignmentStatus};

use super::children::ChildKind;
use super::{Dataset, Record};
use crate::db;
use crate::error::{Result, StoreError};

impl ChildKind for Assignment {
    const TABLE: &'static str = "assignments";
    const NOUN: &'static str = "assignment";
    const INDEXED: &'static [&'static str] = &["role", "status", "start_date", "end_date"];
    fn index_values(&self) -> Result<Vec<Option<String>>> {
        Ok(vec![
            Some(self.role.trim().to_owned()),
            Some(self.status.as_str().to_owned()),
            Some(db::date(self.start_date)),
            self.end_date.map(db::date),
        ])
    }
}

impl Dataset<'_> {
    /// Adds an assignment for a person of this dataset (usually as an applicant).
    pub async fn add_assignment(&self, person_id: &str, assignment: &Assignment) -> Result<Record<Assignment>> {
        self.insert_child(person_id, assignment).await
    }

    pub async fn get_assignment(&self, id: &str) -> Result<Record<Assignment>> {
        self.get_child(id).await
    }

    /// All assignments of a person, oldest first.
    pub async fn list_assignments(&self, person_id: &str) -> Result<Vec<Record<Assignment>>> {
        self.list_children(person_id).await
    }

    /// Replaces an assignment's details. The status must stay as stored: status changes go through
    /// [`Dataset::transition_assignment`] (`Invalid` on `status` otherwise).
    pub async fn update_assignment(&self, id: &str, assignment: &Assignment) -> Result<Record<Assignment>> {
        let current = self.get_child::<Assignment>(id).await?;
        if current.value.status != assignment.status {
            return Err(StoreError::invalid("status", "change the status with a transition, not an update"));
        }
        self.replace_child(id, assignment).await
    }

    /// Moves an assignment to `to` on `on`, by the domain's rules (Applicant → Active → Left, or
    /// Applicant → Left). An illegal move is `Invalid` naming `status` (or `end_date`).
    pub async fn transition_assignment(
        &self,
        id: &str,
        to: AssignmentStatus,
        on: NaiveDate,
    ) -> Result<Record<Assignment>> {
        let mut current = self.get_child::<Assignment>(id).await?;
        current.value.transition(to, on).map_err(StoreError::Invalid)?;
        let record = self.replace_child(id, &current.value).await?;
        if to == AssignmentStatus::Active {
            // Inter-authority transfer stage 2 on the start date (transfer_stage2.rs).
            self.transfer_stage2_on_start(record.person_id.as_deref().unwrap_or_default()).await?;
        }
        Ok(record)
    }
}
