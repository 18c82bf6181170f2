//! The Portable Data Set (PDS) and the merge rule.
//!
//! What travels: the six employment checks (details, outcome, dates, expiry, evidence reference —
//! the reference to documents seen, never documents, and not the old employer's free-text notes;
//! a check still in progress is not a result and stays behind), CSTF competences (national ones only
//! from an organisation that declared CSTF alignment; otherwise, and for the old employer's own
//! local competences, as local competences named after that organisation), immunisations and the
//! occupational health clearance, and professional registrations.
//!
//! The merge rule: for each item (check kind, competence, antigen, OH clearance, register) the new
//! employer's own record wins when it is as recent or newer than the incoming one; the report
//! says, line by line, what was copied, kept or left out and why.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::assignment::{Assignment, AssignmentStatus};
use crate::checks::{CheckOutcome, EmploymentCheck};
use crate::cstf::{Competence, CompetenceRef, CompetenceSource, CstfSubject, national_entry};
use crate::immunisation::{Immunisation, OhClearance};
use crate::org::OdsCode;
use crate::person::{Person, ProfessionalRegistration};

/// One record of the data set with the id it has in the old employer's dataset.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct PdsItem<T> {
    pub source_record_id: String,
    pub value: T,
}

impl<T> PdsItem<T> {
    pub fn new(source_record_id: impl Into<String>, value: T) -> Self {
        PdsItem { source_record_id: source_record_id.into(), value }
    }
}

/// The old employer's records as read, before the PDS rules apply.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SourceRecords {
    pub checks: Vec<PdsItem<EmploymentCheck>>,
    pub competences: Vec<PdsItem<Competence>>,
    pub immunisations: Vec<PdsItem<Immunisation>>,
    pub oh_clearance: Option<PdsItem<OhClearance>>,
    pub registrations: Vec<PdsItem<ProfessionalRegistration>>,
}

/// Which part of the data set a report line is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum PdsKind {
    EmploymentCheck,
    Competence,
    Immunisation,
    OhClearance,
    Registration,
    ServiceHistory,
    PersonalDetails,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Decision {
    Copied,
    /// The new employer's record was kept.
    Kept,
    /// Not part of the data set.
    Excluded,
}

/// One line of a transfer report.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct ReportLine {
    pub kind: PdsKind,
    /// `criminal_record`, `cstf:fire_safety:1`, `hepatitis_b`, `oh_clearance`, `nmc`, …
    pub item: String,
    pub decision: Decision,
    /// The old employer's record.
    #[serde(default)]
    pub source_record_id: Option<String>,
    /// The new employer's record: the copy, or the record kept.
    #[serde(default)]
    pub record_id: Option<String>,
    pub reason: String,
}

/// The data set as it leaves the old employer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct PortableDataSet {
    pub from_ods: OdsCode,
    pub from_organisation: String,
    pub source_person_id: String,
    /// Whether the old employer declared CSTF alignment (decides national vs local competences).
    pub cstf_aligned: bool,
    pub checks: Vec<PdsItem<EmploymentCheck>>,
    pub competences: Vec<PdsItem<Competence>>,
    pub immunisations: Vec<PdsItem<Immunisation>>,
    #[serde(default)]
    pub oh_clearance: Option<PdsItem<OhClearance>>,
    pub registrations: Vec<PdsItem<ProfessionalRegistration>>,
    /// What stayed behind and why.
    pub excluded: Vec<ReportLine>,
}

impl PortableDataSet {
    /// Applies the PDS rules to the old employer's records.
    pub fn build(
        from_ods: OdsCode,
        from_organisation: String,
        source_person_id: String,
        cstf_aligned: bool,
        records: SourceRecords,
    ) -> PortableDataSet {
        let mut excluded = vec![];
        let mut checks = vec![];
        for item in records.checks {
            if item.value.outcome == CheckOutcome::InProgress {
                excluded.push(ReportLine {
                    kind: PdsKind::EmploymentCheck,
                    item: item.value.kind().key().to_owned(),
                    decision: Decision::Excluded,
                    source_record_id: Some(item.source_record_id),
                    record_id: None,
                    reason: "still in progress at the previous employer: not a result to transfer".to_owned(),
                });
                continue;
            }
            let mut value = item.value;
            value.notes = None; // the old employer's free text is not part of the data set
            checks.push(PdsItem { source_record_id: item.source_record_id, value });
        }
        let competences = records
            .competences
            .into_iter()
            .map(|item| PdsItem {
                source_record_id: item.source_record_id,
                value: portable_competence(&from_ods, cstf_aligned, item.value),
            })
            .collect();
        let immunisations = records
            .immunisations
            .into_iter()
            .map(|item| {
                let mut value = item.value;
                value.notes = None;
                PdsItem { source_record_id: item.source_record_id, value }
            })
            .collect();
        PortableDataSet {
            from_ods,
            from_organisation,
            source_person_id,
            cstf_aligned,
            checks,
            competences,
            immunisations,
            oh_clearance: records.oh_clearance,
            registrations: records.registrations,
            excluded,
        }
    }
}

/// Short, unique initials of a subject for local codes: `FS`, `IPC`, `EDHR`.
fn initials(subject: CstfSubject) -> String {
    subject.key().split('_').filter_map(|w| w.chars().next()).map(|c| c.to_ascii_uppercase()).collect()
}

/// A competence as the new employer records it: national only from a CSTF-aligned organisation;
/// otherwise local, coded after the old employer (`RJ1.FS.1`) so it never collides with the new
/// employer's own local codes. Its source becomes `iat_transfer`.
pub fn portable_competence(from_ods: &OdsCode, cstf_aligned: bool, competence: Competence) -> Competence {
    let reference = match competence.competence {
        CompetenceRef::Cstf { subject, level } if !cstf_aligned => CompetenceRef::Local {
            code: format!("{from_ods}.{}.{level}", initials(subject)),
            name: format!("{} (from {from_ods}, not CSTF-aligned)", CompetenceRef::Cstf { subject, level }.label()),
            refresher_months: national_entry(subject, level).map(|e| e.refresher_months),
        },
        national @ CompetenceRef::Cstf { .. } => national,
        CompetenceRef::Local { code, name, refresher_months } => {
            let mut code = format!("{from_ods}.{code}");
            code.truncate(40);
            CompetenceRef::Local { code, name: format!("{name} (from {from_ods})"), refresher_months }
        }
    };
    Competence { competence: reference, source: CompetenceSource::IatTransfer, ..competence }
}

/// The date an item counts from when deciding which of two is more recent.
fn check_date(c: &EmploymentCheck) -> NaiveDate {
    c.recheck_anchor().or(c.completed_on).unwrap_or(NaiveDate::MIN)
}

fn immunisation_date(i: &Immunisation) -> NaiveDate {
    let doses = i.doses.iter().map(|d| d.given_on);
    let tests = i.serology.iter().map(|s| s.taken_on);
    doses.chain(tests).max().unwrap_or(NaiveDate::MIN)
}

fn registration_date(r: &ProfessionalRegistration) -> NaiveDate {
    r.expires_on.unwrap_or(NaiveDate::MIN)
}

fn register_key(r: &ProfessionalRegistration) -> String {
    serde_json::to_value(r.register).ok().and_then(|v| v.as_str().map(str::to_owned)).unwrap_or_default()
}

/// One thing the new employer already holds: which item, its record id, how recent.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Holding {
    kind: PdsKind,
    item: String,
    record_id: String,
    date: NaiveDate,
}

/// What the new employer already holds for the applicant, reduced to what the merge rule needs.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LocalHoldings {
    holdings: Vec<Holding>,
}

impl LocalHoldings {
    pub fn check(&mut self, record_id: &str, c: &EmploymentCheck) {
        self.push(PdsKind::EmploymentCheck, c.kind().key().to_owned(), record_id, check_date(c));
    }
    pub fn competence(&mut self, record_id: &str, c: &Competence) {
        self.push(PdsKind::Competence, c.competence.key(), record_id, c.completed_on);
    }
    pub fn immunisation(&mut self, record_id: &str, i: &Immunisation) {
        self.push(PdsKind::Immunisation, i.antigen().key().to_owned(), record_id, immunisation_date(i));
    }
    pub fn oh_clearance(&mut self, record_id: &str, o: &OhClearance) {
        self.push(PdsKind::OhClearance, "oh_clearance".to_owned(), record_id, o.cleared_on);
    }
    pub fn registration(&mut self, record_id: &str, r: &ProfessionalRegistration) {
        self.push(PdsKind::Registration, register_key(r), record_id, registration_date(r));
    }

    fn push(&mut self, kind: PdsKind, item: String, record_id: &str, date: NaiveDate) {
        self.holdings.push(Holding { kind, item, record_id: record_id.to_owned(), date });
    }

    /// The newest holding of this item, if any.
    fn newest(&self, kind: PdsKind, item: &str) -> Option<&Holding> {
        self.holdings.iter().filter(|h| h.kind == kind && h.item == item).max_by_key(|h| h.date)
    }
}

/// What stage 1 writes, and the report. Report lines of copies get their `record_id` from the
/// store once written (same order as the items).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct MergePlan {
    pub checks: Vec<PdsItem<EmploymentCheck>>,
    pub competences: Vec<PdsItem<Competence>>,
    pub immunisations: Vec<PdsItem<Immunisation>>,
    pub oh_clearance: Option<PdsItem<OhClearance>>,
    pub registrations: Vec<PdsItem<ProfessionalRegistration>>,
    pub report: Vec<ReportLine>,
}

impl MergePlan {
    pub fn copied(&self) -> usize {
        self.report.iter().filter(|l| l.decision == Decision::Copied).count()
    }
}

/// Decides one item: copy it, or keep the newer (or as recent) local record.
fn decide_item(
    local: &LocalHoldings,
    kind: PdsKind,
    item: String,
    source_record_id: &str,
    date: NaiveDate,
    report: &mut Vec<ReportLine>,
) -> bool {
    let source = Some(source_record_id.to_owned());
    match local.newest(kind, &item) {
        Some(h) if h.date >= date => {
            report.push(ReportLine {
                kind,
                item,
                decision: Decision::Kept,
                source_record_id: source,
                record_id: Some(h.record_id.clone()),
                reason: format!(
                    "the new employer's record ({}) is as recent or newer than the previous employer's ({})",
                    show(h.date),
                    show(date)
                ),
            });
            false
        }
        older => {
            let reason = match older {
                Some(h) => format!("newer than the new employer's record ({} after {})", show(date), show(h.date)),
                None => "not held by the new employer".to_owned(),
            };
            report.push(ReportLine {
                kind,
                item,
                decision: Decision::Copied,
                source_record_id: source,
                record_id: None,
                reason,
            });
            true
        }
    }
}

fn show(d: NaiveDate) -> String {
    if d == NaiveDate::MIN { "undated".to_owned() } else { d.to_string() }
}

/// The merge rule over a whole data set.
pub fn merge(pds: &PortableDataSet, local: &LocalHoldings) -> MergePlan {
    let mut plan = MergePlan { report: pds.excluded.clone(), ..MergePlan::default() };
    for item in &pds.checks {
        let key = item.value.kind().key().to_owned();
        if decide_item(
            local,
            PdsKind::EmploymentCheck,
            key,
            &item.source_record_id,
            check_date(&item.value),
            &mut plan.report,
        ) {
            plan.checks.push(item.clone());
        }
    }
    for item in &pds.competences {
        let key = item.value.competence.key();
        if decide_item(
            local,
            PdsKind::Competence,
            key,
            &item.source_record_id,
            item.value.completed_on,
            &mut plan.report,
        ) {
            plan.competences.push(item.clone());
        }
    }
    for item in &pds.immunisations {
        let key = item.value.antigen().key().to_owned();
        let date = immunisation_date(&item.value);
        if decide_item(local, PdsKind::Immunisation, key, &item.source_record_id, date, &mut plan.report) {
            plan.immunisations.push(item.clone());
        }
    }
    if let Some(item) = &pds.oh_clearance {
        let key = "oh_clearance".to_owned();
        if decide_item(
            local,
            PdsKind::OhClearance,
            key,
            &item.source_record_id,
            item.value.cleared_on,
            &mut plan.report,
        ) {
            plan.oh_clearance = Some(item.clone());
        }
    }
    for item in &pds.registrations {
        let key = register_key(&item.value);
        let date = registration_date(&item.value);
        if decide_item(local, PdsKind::Registration, key, &item.source_record_id, date, &mut plan.report) {
            plan.registrations.push(item.clone());
        }
    }
    plan
}

/// One earlier NHS assignment, for the new record's service history (stage 2).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct ServiceEntry {
    pub organisation_ods: OdsCode,
    pub organisation_name: String,
    pub role: String,
    pub start_date: NaiveDate,
    #[serde(default)]
    pub end_date: Option<NaiveDate>,
}

/// The service an old employer's assignments represent: assignments that started (active or
/// left after starting), oldest first. An applicant who never started has no service there.
pub fn service_history(ods: &OdsCode, name: &str, assignments: &[Assignment]) -> Vec<ServiceEntry> {
    let mut entries: Vec<ServiceEntry> = assignments
        .iter()
        .filter(|a| match a.status {
            AssignmentStatus::Active => true,
            AssignmentStatus::Left => a.end_date.is_none_or(|end| end > a.start_date),
            AssignmentStatus::Applicant => false,
        })
        .map(|a| ServiceEntry {
            organisation_ods: ods.clone(),
            organisation_name: name.to_owned(),
            role: a.role.clone(),
            start_date: a.start_date,
            end_date: a.end_date,
        })
        .collect();
    entries.sort_by_key(|e| (e.start_date, e.end_date));
    entries
}

/// Stage 2's personal details: the contact details (address, email, phone) of whichever record
/// changed last, field by field: a field the new record lacks is filled from the old one, a field
/// both hold is taken from the old one only when its record changed after the new one. Names, date
/// of birth and NI number are never changed by a transfer.
pub fn merge_personal(
    local: &Person,
    local_updated: DateTime<Utc>,
    source: &Person,
    source_updated: DateTime<Utc>,
) -> (Person, Vec<ReportLine>) {
    let mut merged = local.clone();
    let mut report = vec![];
    let source_newer = source_updated > local_updated;
    let mut field = |name: &str, local_has: bool, source_has: bool, differ: bool| -> bool {
        let take = source_has && (!local_has || (source_newer && differ));
        let (decision, reason) = if take {
            let why = if local_has {
                "changed at the previous employer after the new record"
            } else {
                "not held by the new employer"
            };
            (Decision::Copied, why)
        } else if local_has && source_has && differ {
            (Decision::Kept, "the new employer's details are newer")
        } else {
            return false;
        };
        report.push(ReportLine {
            kind: PdsKind::PersonalDetails,
            item: name.to_owned(),
            decision,
            source_record_id: None,
            record_id: None,
            reason: reason.to_owned(),
        });
        take
    };
    if field("address", local.address.is_some(), source.address.is_some(), local.address != source.address) {
        merged.address = source.address.clone();
    }
    if field("email", local.email.is_some(), source.email.is_some(), local.email != source.email) {
        merged.email = source.email.clone();
    }
    if field("phone", local.phone.is_some(), source.phone.is_some(), local.phone != source.phone) {
        merged.phone = source.phone.clone();
    }
    (merged, report)
}
