//! Table tests for employment checks: JSON shape, validation and expiry.

use super::*;
use crate::person::{ProfessionalRegistration, Register, RegistrationStatus, SmartcardUuid};

fn d(s: &str) -> NaiveDate {
    s.parse().unwrap()
}

const TODAY: &str = "2026-11-25";

fn dbs(level: DbsLevel, issued: &str) -> EmploymentCheck {
    EmploymentCheck {
        details: CheckDetails::CriminalRecord(DbsCheck {
            level,
            certificate_number: DbsCertificateNumber::parse("001234567890").unwrap(),
            issued_on: d(issued),
            workforce: DbsWorkforce::AdultAndChild,
            update_service: None,
        }),
        outcome: CheckOutcome::Clear,
        completed_on: Some(d(issued)),
        checked_by: "hr.user".into(),
        evidence_ref: Some("HR-1".into()),
        expires_on: None,
        notes: None,
    }
}

fn rtw(permission: RightToWorkPermission, until: Option<&str>) -> EmploymentCheck {
    EmploymentCheck {
        details: CheckDetails::RightToWork(RightToWorkCheck {
            route: RightToWorkRoute::HomeOfficeOnline,
            permission,
            permission_expires_on: until.map(d),
            follow_up_on: None,
            share_code: Some("W7X 2PQ 9RT".into()),
        }),
        outcome: CheckOutcome::Clear,
        completed_on: Some(d("2025-06-01")),
        checked_by: "hr.user".into(),
        evidence_ref: None,
        expires_on: None,
        notes: None,
    }
}

#[test]
fn check_json_is_tagged_by_kind_and_round_trips() {
    let check = dbs(DbsLevel::EnhancedAdults, "2025-01-10");
    let json = serde_json::to_value(&check).unwrap();
    assert_eq!(json["details"]["kind"], "criminal_record");
    assert_eq!(json["details"]["level"], "enhanced_adults");
    assert_eq!(json["outcome"], "clear");
    let back: EmploymentCheck = serde_json::from_value(json).unwrap();
    assert_eq!(back, check);
    assert_eq!(back.kind(), CheckKind::CriminalRecord);
}

#[test]
fn check_json_refuses_unknown_fields_inside_details() {
    let json = r#"{"details":{"kind":"criminal_record","level":"enhanced","certificate_number":"001234567890",
        "issued_on":"2025-01-10","workforce":"adult","colour":"blue"},
        "outcome":"clear","completed_on":"2025-01-10","checked_by":"x"}"#;
    let err = serde_json::from_str::<EmploymentCheck>(json).unwrap_err();
    assert!(err.to_string().contains("colour"), "{err}");
}

#[test]
fn check_json_refuses_bad_certificate_number_and_unknown_kind() {
    let json = r#"{"details":{"kind":"criminal_record","level":"enhanced","certificate_number":"12",
        "issued_on":"2025-01-10","workforce":"adult"},
        "outcome":"clear","completed_on":"2025-01-10","checked_by":"x"}"#;
    let err = serde_json::from_str::<EmploymentCheck>(json).unwrap_err();
    assert!(err.to_string().contains("certificate_number"), "{err}");
    let json = r#"{"details":{"kind":"horoscope"},"outcome":"clear","checked_by":"x"}"#;
    assert!(serde_json::from_str::<EmploymentCheck>(json).is_err());
}

#[test]
fn every_kind_serialises_with_its_key() {
    let registration =
        ProfessionalRegistration::new(Register::Gmc, "1234567", RegistrationStatus::Registered, Some(d("2027-01-01")))
            .unwrap();
    let all = [
        CheckDetails::Identity(IdentityCheck {
            route: IdentityRoute::SmartcardRa,
            assurance: AssuranceLevel::Medium,
            documents_seen: vec![],
            idsp_name: None,
            smartcard_uuid: Some(SmartcardUuid::parse("555012345678").unwrap()),
        }),
        rtw(RightToWorkPermission::Unlimited, None).details,
        CheckDetails::ProfessionalRegistration(ProfessionalRegistrationCheck {
            registration,
            conditions: vec![],
            qualifications_verified: vec!["MBBS".into()],
        }),
        CheckDetails::EmploymentHistory(EmploymentHistoryCheck {
            covered_from: d("2022-01-01"),
            covered_to: d("2025-01-01"),
            references: vec![Reference {
                referee: "Ward manager".into(),
                organisation: None,
                requested_on: None,
                received_on: d("2025-01-05"),
            }],
            gaps_explained: true,
            gap_notes: None,
        }),
        dbs(DbsLevel::Basic, "2025-01-01").details,
        CheckDetails::WorkHealth(WorkHealthCheck {
            outcome: FitnessOutcome::Fit,
            adjustments: None,
            epp_clearance: EppClearance::NotApplicable,
            assessed_by: "OH".into(),
            assessed_on: d("2025-01-01"),
        }),
    ];
    for (details, kind) in all.into_iter().zip(CheckKind::ALL) {
        assert_eq!(details.kind(), kind);
        let json = serde_json::to_value(&details).unwrap();
        assert_eq!(json["kind"], kind.key());
        assert_eq!(serde_json::from_value::<CheckDetails>(json).unwrap(), details);
        assert_eq!(details.validate(d(TODAY)), Ok(()), "{kind:?}");
    }
}

#[test]
fn future_and_missing_completion_dates_are_refused() {
    let mut c = dbs(DbsLevel::Enhanced, "2025-01-10");
    c.completed_on = Some(d("2026-11-26"));
    assert!(c.validate(d(TODAY)).unwrap_err().has_field("completed_on"));
    c.completed_on = None;
    assert!(c.validate(d(TODAY)).unwrap_err().has_field("completed_on"));
    c.outcome = CheckOutcome::InProgress;
    assert_eq!(c.validate(d(TODAY)), Ok(()), "in progress needs no date");
}

#[test]
fn certificate_issued_after_completion_is_refused() {
    let mut c = dbs(DbsLevel::Enhanced, "2025-01-10");
    c.completed_on = Some(d("2025-01-01"));
    assert!(c.validate(d(TODAY)).unwrap_err().has_field("details.issued_on"));
}

#[test]
fn future_certificate_date_is_refused_with_its_path() {
    let c = dbs(DbsLevel::Enhanced, "2027-01-10");
    let errors = c.validate(d(TODAY)).unwrap_err();
    assert!(errors.has_field("details.issued_on"), "{errors}");
}

#[test]
fn expiry_before_completion_is_refused() {
    let mut c = dbs(DbsLevel::Enhanced, "2025-01-10");
    c.expires_on = Some(d("2024-01-01"));
    assert!(c.validate(d(TODAY)).unwrap_err().has_field("expires_on"));
}

#[test]
fn time_limited_right_to_work_expires_with_the_permission() {
    let c = rtw(RightToWorkPermission::TimeLimited, Some("2027-03-31"));
    assert_eq!(c.validate(d(TODAY)), Ok(()));
    assert_eq!(c.expires_on(), Some(d("2027-03-31")));
    assert_eq!(rtw(RightToWorkPermission::Unlimited, None).expires_on(), None);
}

#[test]
fn right_to_work_permission_and_expiry_must_agree() {
    let errors = rtw(RightToWorkPermission::TimeLimited, None).validate(d(TODAY)).unwrap_err();
    assert!(errors.has_field("details.permission_expires_on"));
    let errors = rtw(RightToWorkPermission::Unlimited, Some("2027-01-01")).validate(d(TODAY)).unwrap_err();
    assert!(errors.has_field("details.permission_expires_on"));
}

#[test]
fn dbs_recheck_policy_counts_from_issue_or_last_status_check() {
    let mut c = dbs(DbsLevel::Enhanced, "2023-01-10");
    assert_eq!(c.expires_on(), None, "no inherent expiry");
    assert_eq!(c.due_on(None), None);
    assert_eq!(c.due_on(Some(36)), Some(d("2026-01-10")));
    if let CheckDetails::CriminalRecord(details) = &mut c.details {
        details.update_service =
            Some(UpdateService { subscription_id: "C123".into(), last_status_check_on: Some(d("2025-06-01")) });
    }
    assert_eq!(c.due_on(Some(36)), Some(d("2028-06-01")));
    c.expires_on = Some(d("2026-02-01"));
    assert_eq!(c.due_on(Some(36)), Some(d("2026-02-01")), "explicit date is earlier");
}

#[test]
fn identity_routes_need_their_own_evidence() {
    let base = IdentityCheck {
        route: IdentityRoute::SmartcardRa,
        assurance: AssuranceLevel::High,
        documents_seen: vec![],
        idsp_name: None,
        smartcard_uuid: None,
    };
    assert!(base.validate().unwrap_err().has_field("smartcard_uuid"));
    let idsp = IdentityCheck { route: IdentityRoute::Idsp, ..base.clone() };
    assert!(idsp.validate().unwrap_err().has_field("idsp_name"));
    let in_person = IdentityCheck { route: IdentityRoute::DocumentsInPerson, ..base };
    assert!(in_person.validate().unwrap_err().has_field("documents_seen"));
}

#[test]
fn smartcard_identity_counts_at_its_stated_level() {
    for level in [AssuranceLevel::Low, AssuranceLevel::Medium, AssuranceLevel::High] {
        let check = IdentityCheck {
            route: IdentityRoute::SmartcardRa,
            assurance: level,
            documents_seen: vec![],
            idsp_name: None,
            smartcard_uuid: Some(SmartcardUuid::parse("555012345678").unwrap()),
        };
        assert_eq!(check.effective_assurance(), level);
    }
}

#[test]
fn fit_with_adjustments_needs_the_adjustments() {
    let wh = WorkHealthCheck {
        outcome: FitnessOutcome::FitWithAdjustments,
        adjustments: None,
        epp_clearance: EppClearance::NotApplicable,
        assessed_by: "OH".into(),
        assessed_on: d("2025-01-01"),
    };
    assert!(wh.validate(d(TODAY)).unwrap_err().has_field("adjustments"));
}

#[test]
fn employment_history_period_must_run_forwards() {
    let h = EmploymentHistoryCheck {
        covered_from: d("2025-01-01"),
        covered_to: d("2022-01-01"),
        references: vec![],
        gaps_explained: false,
        gap_notes: None,
    };
    assert!(h.validate(d(TODAY)).unwrap_err().has_field("covered_to"));
    let h = EmploymentHistoryCheck { covered_from: d("2022-01-01"), covered_to: d("2025-01-01"), ..h };
    assert!(h.covers_months(36));
    assert!(!h.covers_months(37));
}
