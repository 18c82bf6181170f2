//! From a person's records to the typed claims of each credential type.
//!
//! Each mapping picks the records it vouches for (the latest clear check of a kind, current
//! competences, every immunisation, the active assignment), returns their store ids as `sources`
//! so the store can revoke the credential when one of them changes, and a validity that fits what
//! it carries (training ends with its earliest competence expiry, right to work with the
//! permission, DBS with the recheck policy). A credential carries the evidence; whether it meets a
//! role's requirement is decided by the rules on the host's side ([`super::ready`]), the same
//! rules compliance applies here.

use chrono::NaiveDate;

use super::claims::{
    Checked, CompetenceClaim, CredentialClaims, DbsClaim, DbsCredential, EmployerClaim, EmploymentClaim,
    EmploymentCredential, EmploymentHistoryClaim, EmploymentHistoryCredential, IdentityClaim, IdentityCredential,
    Names, OccupationalHealthCredential, OhClearanceClaim, ReferenceClaim, RegistrationClaim, RegistrationCredential,
    RightToWorkClaim, TrainingCredential, WorkHealthClaim,
};
use super::{PassportClaims, PassportInput, PassportPolicy, PassportType, Sourced};
use crate::assignment::AssignmentStatus;
use crate::checks::{CheckDetails, CheckKind, EmploymentCheck};
use crate::compliance::ImmunityEvidence;
use crate::cstf::{Catalogue, Competence, CompetenceRef};
use crate::dates::add_months;
use crate::error::FieldError;

/// Maps `input` to the claims of a `kind` credential issued on `today`, or names (field `type`) why
/// the records cannot support one.
pub fn map(
    kind: PassportType,
    input: &PassportInput<'_>,
    catalogue: &Catalogue,
    policy: &PassportPolicy,
    today: NaiveDate,
) -> Result<PassportClaims, FieldError> {
    let refuse = |why: String| FieldError::new("type", format!("cannot issue {}: {why}", kind.key()));
    let person = input.person.ok_or_else(|| refuse("no person".into()))?;
    let names = Names {
        given_name: Some(person.given_name.trim().to_owned()),
        family_name: Some(person.family_name.trim().to_owned()),
    };
    let mut sources = Vec::new();
    let mut ends: Vec<Option<NaiveDate>> = vec![add_months(today, policy.max_validity_months)];
    let checked = |c: &Sourced<EmploymentCheck>| {
        Checked::of(&c.value).ok_or_else(|| refuse(format!("the {} has no completion date", c.value.kind().phrase())))
    };

    let claims = match kind {
        PassportType::IdentityAndRightToWork => {
            // Each part is carried while it is in date; the credential needs one of them.
            let in_date = |dates: &[Option<NaiveDate>]| dates.iter().flatten().all(|d| *d >= today);
            let id = latest_clear(input.checks, CheckKind::Identity).filter(|c| in_date(&[c.value.expires_on()]));
            let rtw = latest_clear(input.checks, CheckKind::RightToWork).filter(|c| match &c.value.details {
                CheckDetails::RightToWork(d) => in_date(&[d.follow_up_on, d.expires_on(), c.value.expires_on()]),
                _ => false,
            });
            if id.is_none() && rtw.is_none() {
                return Err(refuse("no clear identity or right to work check in date".into()));
            }
            let mut claims = IdentityCredential { names, birthdate: Some(person.date_of_birth), ..Default::default() };
            if let Some(id) = id
                && let CheckDetails::Identity(d) = &id.value.details
            {
                claims.identity =
                    Some(IdentityClaim { route: d.route, assurance: d.effective_assurance(), checked: checked(id)? });
                ends.push(id.value.expires_on());
                sources.push(id.id.clone());
            }
            if let Some(rtw) = rtw
                && let CheckDetails::RightToWork(d) = &rtw.value.details
            {
                claims.right_to_work = Some(RightToWorkClaim {
                    permission: d.permission,
                    expires_on: d.expires_on(),
                    follow_up_on: d.follow_up_on,
                    route: d.route,
                    checked: checked(rtw)?,
                });
                ends.extend([d.follow_up_on.or(d.expires_on()), rtw.value.expires_on()]);
                sources.push(rtw.id.clone());
            }
            CredentialClaims::Identity(claims)
        }
        PassportType::ProfessionalRegistration => {
            let check = latest_clear(input.checks, CheckKind::ProfessionalRegistration)
                .ok_or_else(|| refuse("no clear professional registration check".into()))?;
            let CheckDetails::ProfessionalRegistration(d) = &check.value.details else { unreachable!("kind checked") };
            if !d.registration.status.may_practise() {
                return Err(refuse(format!("registration is {}", d.registration.status.as_str())));
            }
            ends.push(check.value.expires_on());
            sources.push(check.id.clone());
            CredentialClaims::Registration(RegistrationCredential {
                names,
                registration: Some(RegistrationClaim {
                    register: d.registration.register,
                    number: d.registration.number.as_str().to_owned(),
                    status: d.registration.status,
                    expires_on: d.registration.expires_on,
                    conditions: d.conditions.clone(),
                    qualifications_verified: d.qualifications_verified.clone(),
                    checked: checked(check)?,
                }),
            })
        }
        PassportType::CriminalRecord => {
            let check = latest_clear(input.checks, CheckKind::CriminalRecord)
                .ok_or_else(|| refuse("no clear DBS check".into()))?;
            let CheckDetails::CriminalRecord(d) = &check.value.details else { unreachable!("kind checked") };
            ends.push(check.value.due_on(Some(policy.dbs_recheck_months)));
            sources.push(check.id.clone());
            CredentialClaims::Dbs(DbsCredential {
                names,
                dbs: Some(DbsClaim {
                    level: d.level,
                    workforce: d.workforce,
                    certificate_number: d.certificate_number.as_str().to_owned(),
                    issued_on: d.issued_on,
                    update_service: d.update_service.is_some(),
                    last_status_check_on: d.update_service.as_ref().and_then(|u| u.last_status_check_on),
                    checked: checked(check)?,
                }),
            })
        }
        PassportType::EmploymentHistory => {
            let check = latest_clear(input.checks, CheckKind::EmploymentHistory)
                .ok_or_else(|| refuse("no clear employment history and references check".into()))?;
            let CheckDetails::EmploymentHistory(h) = &check.value.details else { unreachable!("kind checked") };
            ends.push(check.value.expires_on());
            sources.push(check.id.clone());
            CredentialClaims::EmploymentHistory(EmploymentHistoryCredential {
                names,
                employment_history: Some(EmploymentHistoryClaim {
                    covered_from: h.covered_from,
                    covered_to: h.covered_to,
                    references: h
                        .references
                        .iter()
                        .map(|r| ReferenceClaim {
                            referee: r.referee.trim().to_owned(),
                            organisation: r.organisation.clone(),
                            received_on: r.received_on,
                        })
                        .collect(),
                    gaps_explained: h.gaps_explained,
                    checked: checked(check)?,
                }),
            })
        }
        PassportType::OccupationalHealth => {
            let work_health = latest_clear(input.checks, CheckKind::WorkHealth);
            if input.immunisations.is_empty() && input.oh_clearance.is_none() && work_health.is_none() {
                return Err(refuse(
                    "no immunisation, occupational health clearance or work health assessment recorded".into(),
                ));
            }
            let mut claims = OccupationalHealthCredential { names, ..Default::default() };
            if !input.immunisations.is_empty() {
                claims.immunisations =
                    Some(input.immunisations.iter().map(|i| ImmunityEvidence::of(&i.value)).collect());
                sources.extend(input.immunisations.iter().map(|i| i.id.clone()));
            }
            ends.push(add_months(today, policy.oh_validity_months));
            if let Some(oh) = input.oh_clearance {
                claims.oh_clearance = Some(OhClearanceClaim {
                    epp: oh.value.epp,
                    cleared_on: oh.value.cleared_on,
                    restrictions: oh.value.restrictions.clone(),
                    review_on: oh.value.review_on,
                });
                // A review date already passed does not stop the rest being carried: the host's
                // rule reads it and finds the clearance expired, as compliance does here.
                ends.push(oh.value.review_on.filter(|r| *r >= today));
                sources.push(oh.id.clone());
            }
            if let Some(wh) = work_health
                && let CheckDetails::WorkHealth(d) = &wh.value.details
            {
                claims.work_health = Some(WorkHealthClaim {
                    fitness: d.outcome,
                    epp_clearance: d.epp_clearance,
                    assessed_on: d.assessed_on,
                    checked: checked(wh)?,
                });
                ends.push(wh.value.expires_on().filter(|e| *e >= today));
                sources.push(wh.id.clone());
            }
            CredentialClaims::OccupationalHealth(claims)
        }
        PassportType::Training => {
            let current = current_competences(input.competences, catalogue, today);
            if current.is_empty() {
                return Err(refuse("no competence in date".into()));
            }
            let items = current
                .iter()
                .map(|(c, expires)| {
                    let (subject, level, refresher_months) = match &c.value.competence {
                        CompetenceRef::Cstf { subject, level } => (subject.key().to_owned(), Some(*level), None),
                        CompetenceRef::Local { code, .. } => {
                            (format!("local:{code}"), None, catalogue.refresher_months(&c.value.competence))
                        }
                    };
                    CompetenceClaim {
                        subject,
                        name: c.value.competence.label(),
                        level,
                        completed: c.value.completed_on,
                        expires: *expires,
                        refresher_months,
                    }
                })
                .collect();
            ends.extend(current.iter().map(|(_, e)| *e));
            sources.extend(current.iter().map(|(c, _)| c.id.clone()));
            CredentialClaims::Training(TrainingCredential { names, competences: Some(items) })
        }
        PassportType::Employment => {
            let a = input
                .assignments
                .iter()
                .filter(|a| a.value.status == AssignmentStatus::Active && a.value.end_date.is_none_or(|e| e >= today))
                .max_by_key(|a| a.value.start_date)
                .ok_or_else(|| refuse("no active assignment".into()))?;
            ends.push(a.value.end_date);
            sources.push(a.id.clone());
            CredentialClaims::Employment(EmploymentCredential {
                names,
                employment: Some(EmploymentClaim {
                    employer: EmployerClaim {
                        ods_code: input.employer_ods.to_owned(),
                        name: input.employer_name.to_owned(),
                    },
                    role: a.value.role.trim().to_owned(),
                    staff_group: a.value.staff_group.esr_name().to_owned(),
                    band: a.value.band.as_string(),
                    start_date: a.value.start_date,
                    end_date: a.value.end_date,
                }),
            })
        }
    };
    let valid_until = ends.into_iter().flatten().min().ok_or_else(|| refuse("no validity".into()))?;
    if valid_until < today {
        return Err(refuse(format!("the records it rests on expired on {valid_until}")));
    }
    Ok(PassportClaims { kind, claims, sources, valid_until })
}

/// The most recently completed clear check of `kind`.
fn latest_clear(checks: &[Sourced<EmploymentCheck>], kind: CheckKind) -> Option<&Sourced<EmploymentCheck>> {
    checks
        .iter()
        .filter(|c| c.value.kind() == kind && c.value.outcome.is_clear() && c.value.completed_on.is_some())
        .max_by_key(|c| (c.value.completed_on, c.id.clone()))
}

/// The latest record of each competence that is still in date on `today`, with its expiry, in a
/// stable order (by key).
fn current_competences<'a>(
    all: &'a [Sourced<Competence>],
    catalogue: &Catalogue,
    today: NaiveDate,
) -> Vec<(&'a Sourced<Competence>, Option<NaiveDate>)> {
    let mut latest: std::collections::BTreeMap<String, &Sourced<Competence>> = Default::default();
    for c in all {
        let key = c.value.competence.key();
        if latest.get(&key).is_none_or(|prev| prev.value.completed_on < c.value.completed_on) {
            latest.insert(key, c);
        }
    }
    latest
        .into_values()
        .map(|c| (c, c.value.expires_on_in(catalogue)))
        .filter(|(_, expires)| expires.is_none_or(|e| e >= today))
        .collect()
}
