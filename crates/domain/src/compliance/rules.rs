//! One function per kind of requirement, each turning a person's records into a
//! [`RequirementResult`]. Date arithmetic and wording live here; `evaluate` only assembles.
//!
//! Compliance runs for every person in an organisation at once, so each result costs one
//! allocation (its reason): ids and labels are borrowed from static tables wherever possible.

use std::borrow::Cow;
use std::fmt::Write as _;
use std::sync::OnceLock;

use chrono::{Datelike, NaiveDate};

use super::{ComplianceStatus, ImmunityEvidence, RequirementResult};
use crate::checks::{CheckDetails, CheckKind, CheckOutcome, EmploymentCheck, EppClearance, IdentityRoute};
use crate::cstf::{CSTF_TABLE, Catalogue, Competence, CompetenceRef, CstfSubject, add_months};
use crate::immunisation::{Antigen, OhClearance, season_start};
use crate::requirements::{CheckRequirement, CompetenceRequirement};

#[derive(Debug, Clone, Copy)]
pub(super) struct Window {
    pub today: NaiveDate,
    pub due_within_days: i64,
}

impl Window {
    /// Status of evidence that counts until `expires_on` (inclusive).
    fn status(self, expires_on: Option<NaiveDate>) -> ComplianceStatus {
        match expires_on {
            None => ComplianceStatus::Met,
            Some(end) if end < self.today => ComplianceStatus::Expired,
            Some(end) if (end - self.today).num_days() <= self.due_within_days => ComplianceStatus::DueSoon,
            Some(_) => ComplianceStatus::Met,
        }
    }

    /// Appends ", expires 2027-01-10" or ", expired 2025-01-10".
    fn push_expiry(self, reason: &mut String, expires_on: Option<NaiveDate>) {
        if let Some(end) = expires_on {
            reason.push_str(if end < self.today { ", expired " } else { ", expires " });
            push_date(reason, end);
        }
    }
}

/// Appends `date` as ISO 8601 (`2027-01-10`), the same text as its `Display`, without going
/// through the formatting machinery: reasons carry one or two dates each, for every requirement
/// of every person, and `fmt` was a fifth of the cost of `evaluate`.
pub(super) fn push_date(out: &mut String, date: NaiveDate) {
    let year = date.year();
    if !(0..=9999).contains(&year) {
        let _ = write!(out, "{date}");
        return;
    }
    let digit = |n: u32| char::from(b'0' + (n % 10) as u8);
    let y = year.unsigned_abs();
    for n in [y / 1000, y / 100, y / 10, y] {
        out.push(digit(n));
    }
    out.push('-');
    out.push(digit(date.month() / 10));
    out.push(digit(date.month()));
    out.push('-');
    out.push(digit(date.day() / 10));
    out.push(digit(date.day()));
}

/// Evidence that counts, ranked: better status first, then the later expiry (none is latest).
fn better(a: (ComplianceStatus, Option<NaiveDate>), b: (ComplianceStatus, Option<NaiveDate>)) -> bool {
    let later = match (a.1, b.1) {
        (None, Some(_)) => true,
        (Some(x), Some(y)) => x > y,
        _ => false,
    };
    a.0 < b.0 || (a.0 == b.0 && later)
}

fn result(
    requirement: Cow<'static, str>,
    label: Cow<'static, str>,
    status: ComplianceStatus,
    expires_on: Option<NaiveDate>,
    reason: String,
) -> RequirementResult {
    RequirementResult { requirement, label, status, expires_on, reason }
}

/// Why a clear check still does not meet the requirement, if it does not.
fn shortfall(req: &CheckRequirement, check: &EmploymentCheck) -> Option<String> {
    match &check.details {
        CheckDetails::CriminalRecord(dbs) => req
            .min_dbs_level
            .filter(|min| !dbs.level.satisfies(*min))
            .map(|min| format!("DBS level {} is below the required {}", dbs.level.as_str(), min.as_str())),
        CheckDetails::Identity(id) => req.min_assurance.filter(|min| id.effective_assurance() < *min).map(|min| {
            let via = if id.route == IdentityRoute::SmartcardRa {
                " (smartcard RA check, counted at its stated level)"
            } else {
                ""
            };
            format!(
                "identity assurance {}{via} is below the required {}",
                id.effective_assurance().as_str(),
                min.as_str()
            )
        }),
        CheckDetails::ProfessionalRegistration(reg) => (!reg.registration.status.may_practise()).then(|| {
            format!(
                "{} registration {} is {}",
                reg.registration.register.label(),
                reg.registration.number,
                reg.registration.status.as_str()
            )
        }),
        CheckDetails::WorkHealth(wh) => {
            (!wh.outcome.is_fit()).then(|| format!("work health outcome is {}", wh.outcome.as_str()))
        }
        CheckDetails::EmploymentHistory(h) => req.min_history_months.filter(|m| !h.covers_months(*m)).map(|m| {
            format!(
                "employment history covers {} to {}, less than the required {m} months",
                h.covered_from, h.covered_to
            )
        }),
        CheckDetails::RightToWork(_) => None,
    }
}

pub(super) fn check(req: &CheckRequirement, checks: &[EmploymentCheck], w: Window) -> RequirementResult {
    let id = Cow::Borrowed(req.kind.requirement_id());
    let label = Cow::Borrowed(req.kind.label());
    let mut best: Option<(&EmploymentCheck, NaiveDate, ComplianceStatus, Option<NaiveDate>)> = None;
    // The most recent check that did not count, and why.
    let mut refusal: Option<(NaiveDate, String)> = None;
    let mut in_progress = false;
    for c in checks.iter().filter(|c| c.kind() == req.kind) {
        if c.outcome == CheckOutcome::InProgress {
            in_progress = true;
            continue;
        }
        let Some(done) = c.completed_on.filter(|d| *d <= w.today) else { continue };
        let why_not = if c.outcome.is_clear() {
            shortfall(req, c)
        } else {
            Some(format!("outcome on {done} was {}", c.outcome.as_str()))
        };
        if let Some(why) = why_not {
            if refusal.as_ref().is_none_or(|(on, _)| done > *on) {
                refusal = Some((done, why));
            }
            continue;
        }
        let due = c.due_on(req.max_age_months);
        let status = w.status(due);
        if best.is_none_or(|(_, _, s, e)| better((status, due), (s, e))) {
            best = Some((c, done, status, due));
        }
    }
    if let Some((c, done, status, due)) = best {
        let mut reason = String::with_capacity(64);
        reason.push_str(c.outcome.as_str());
        reason.push_str(" on ");
        push_date(&mut reason, done);
        push_check_summary(&mut reason, c);
        w.push_expiry(&mut reason, due);
        return result(id, label, status, due, reason);
    }
    let reason = match (refusal, in_progress) {
        (Some((_, why)), _) => why,
        (None, true) => "check in progress".to_owned(),
        (None, false) => format!("no {} recorded", req.kind.phrase()),
    };
    result(id, label, ComplianceStatus::Missing, None, reason)
}

/// Appends a few words on what was found, e.g. " (DBS enhanced_adults)".
fn push_check_summary(reason: &mut String, c: &EmploymentCheck) {
    let _ = match &c.details {
        CheckDetails::CriminalRecord(d) => write!(reason, " (DBS {})", d.level.as_str()),
        CheckDetails::Identity(d) => write!(reason, " (assurance {})", d.effective_assurance().as_str()),
        CheckDetails::ProfessionalRegistration(d) => {
            write!(reason, " ({} {})", d.registration.register.label(), d.registration.number)
        }
        _ => Ok(()),
    };
}

/// Whether `held` counts towards `wanted`: same CSTF subject at the same or a higher level, or
/// the same local code.
fn counts_for(held: &CompetenceRef, wanted: &CompetenceRef) -> bool {
    match (held, wanted) {
        (CompetenceRef::Cstf { subject, level }, CompetenceRef::Cstf { subject: want_subject, level: want_level }) => {
            subject == want_subject && level >= want_level
        }
        (CompetenceRef::Local { code, .. }, CompetenceRef::Local { code: want, .. }) => code == want,
        _ => false,
    }
}

/// Requirement id and label of each national CSTF entry, built once.
fn cstf_names(subject: CstfSubject, level: u8) -> Option<(&'static str, &'static str)> {
    static NAMES: OnceLock<Vec<(CstfSubject, u8, String, String)>> = OnceLock::new();
    let names = NAMES.get_or_init(|| {
        CSTF_TABLE
            .iter()
            .map(|e| {
                let r = CompetenceRef::cstf(e.subject, e.level);
                (e.subject, e.level, format!("competence:{}", r.key()), r.label())
            })
            .collect()
    });
    names.iter().find(|(s, l, ..)| *s == subject && *l == level).map(|(_, _, id, label)| (id.as_str(), label.as_str()))
}

fn competence_names(wanted: &CompetenceRef) -> (Cow<'static, str>, Cow<'static, str>) {
    match wanted {
        CompetenceRef::Cstf { subject, level } => match cstf_names(*subject, *level) {
            Some((id, label)) => (Cow::Borrowed(id), Cow::Borrowed(label)),
            None => (Cow::Owned(format!("competence:{}", wanted.key())), Cow::Owned(wanted.label())),
        },
        CompetenceRef::Local { .. } => (Cow::Owned(format!("competence:{}", wanted.key())), Cow::Owned(wanted.label())),
    }
}

/// A higher CSTF level counts for a lower one for as long as the required level's refresher
/// period runs; a local competence uses its own period.
pub(super) fn competence(
    req: &CompetenceRequirement,
    held: &[Competence],
    catalogue: &Catalogue,
    w: Window,
) -> RequirementResult {
    let wanted = &req.competence;
    let refresher = catalogue.refresher_months(wanted);
    let mut best: Option<(&Competence, ComplianceStatus, Option<NaiveDate>)> = None;
    for c in held.iter().filter(|c| c.completed_on <= w.today && counts_for(&c.competence, wanted)) {
        let months = match wanted {
            CompetenceRef::Cstf { .. } => refresher,
            CompetenceRef::Local { .. } => catalogue.refresher_months(&c.competence),
        };
        let due = months.and_then(|m| add_months(c.completed_on, m));
        let status = w.status(due);
        if best.is_none_or(|(_, s, e)| better((status, due), (s, e))) {
            best = Some((c, status, due));
        }
    }
    let (id, label) = competence_names(wanted);
    let Some((c, status, due)) = best else {
        let reason = match wanted {
            CompetenceRef::Cstf { subject, level } if refresher.is_none() => {
                format!("{} has no level {level}", subject.name())
            }
            _ => format!("{label} not completed"),
        };
        return result(id, label, ComplianceStatus::Missing, None, reason);
    };
    let mut reason = String::with_capacity(48);
    reason.push_str("completed");
    if let (CompetenceRef::Cstf { level, .. }, CompetenceRef::Cstf { level: want, .. }) = (&c.competence, wanted)
        && level > want
    {
        let _ = write!(reason, " at level {level}");
    }
    reason.push_str(" on ");
    push_date(&mut reason, c.completed_on);
    w.push_expiry(&mut reason, due);
    result(id, label, status, due, reason)
}

pub(super) fn immunisation(antigen: Antigen, records: &[ImmunityEvidence], w: Window) -> RequirementResult {
    let id = Cow::Borrowed(antigen.requirement_id());
    let label = Cow::Borrowed(antigen.label());
    let mut best: Option<(ComplianceStatus, Option<NaiveDate>, String)> = None;
    let mut refusal: Option<String> = None;
    let mut had_earlier_season = false;
    for r in records.iter().filter(|r| r.antigen == antigen) {
        let a = r.assess(w.today);
        if a.met {
            let status = w.status(a.expires_on);
            if best.as_ref().is_none_or(|(s, e, _)| better((status, a.expires_on), (*s, *e))) {
                best = Some((status, a.expires_on, a.reason));
            }
        } else {
            had_earlier_season |= antigen.is_seasonal() && r.last_dose_on.is_some();
            refusal = Some(a.reason);
        }
    }
    if let Some((status, due, mut reason)) = best {
        w.push_expiry(&mut reason, due);
        return result(id, label, status, due, reason);
    }
    if had_earlier_season {
        let ended = season_start(w.today).pred_opt();
        return result(id, label, ComplianceStatus::Expired, ended, refusal.unwrap_or_default());
    }
    let reason = refusal.unwrap_or_else(|| format!("no {} record", antigen.label()));
    result(id, label, ComplianceStatus::Missing, None, reason)
}

pub(super) const EPP_LABEL: &str = "Exposure-prone procedures (EPP) clearance";

/// EPP clearance from occupational health, or from a clear work health assessment.
pub(super) fn epp(oh_clearance: Option<&OhClearance>, checks: &[EmploymentCheck], w: Window) -> RequirementResult {
    let id = Cow::Borrowed("epp");
    let label = Cow::Borrowed(EPP_LABEL);
    if let Some(oh) = oh_clearance {
        if oh.epp == EppClearance::Cleared {
            let status = w.status(oh.review_on);
            let mut reason = format!("cleared by occupational health on {}", oh.cleared_on);
            w.push_expiry(&mut reason, oh.review_on);
            return result(id, label, status, oh.review_on, reason);
        }
        let reason = format!("occupational health recorded EPP as {}", oh.epp.as_str());
        return result(id, label, ComplianceStatus::Missing, None, reason);
    }
    let from_assessment = checks
        .iter()
        .filter(|c| c.kind() == CheckKind::WorkHealth && c.outcome.is_clear())
        .filter_map(|c| match &c.details {
            CheckDetails::WorkHealth(wh) if wh.epp_clearance == EppClearance::Cleared => Some(wh.assessed_on),
            _ => None,
        })
        .filter(|on| *on <= w.today)
        .max();
    match from_assessment {
        Some(on) => {
            result(id, label, ComplianceStatus::Met, None, format!("cleared in the work health assessment on {on}"))
        }
        None => result(id, label, ComplianceStatus::Missing, None, "no EPP clearance recorded".into()),
    }
}
