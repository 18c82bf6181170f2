//! Valid request bodies for every record kind, as a client would send them. Dates are relative to
//! [`crate::fixed_now`] (2026-06-01).

use serde_json::{Value, json};

/// A valid person; `family_name` lets tests recognise whose data a response carries.
pub fn person(family_name: &str, ni_number: &str) -> Value {
    json!({
        "given_name": "Amara",
        "family_name": family_name,
        "date_of_birth": "1988-03-14",
        "ni_number": ni_number,
        "address": {"lines": ["1 Infirmary Street"], "town": "Leeds", "postcode": "LS1 2TW"},
        "email": "amara@example.nhs.uk",
        "registrations": [{"register": "nmc", "number": "12A3456E", "status": "registered", "expires_on": "2027-03-31"}]
    })
}

pub fn dbs_check(level: &str, issued_on: &str) -> Value {
    json!({
        "details": {"kind": "criminal_record", "level": level, "certificate_number": "001234567890",
                    "issued_on": issued_on, "workforce": "adult_and_child"},
        "outcome": "clear", "completed_on": issued_on, "checked_by": "hr.officer"
    })
}

pub fn identity_check() -> Value {
    json!({
        "details": {"kind": "identity", "route": "smartcard_ra", "assurance": "medium",
                    "documents_seen": ["passport"], "smartcard_uuid": "123456789012"},
        "outcome": "clear", "completed_on": "2025-09-01", "checked_by": "ra.agent"
    })
}

pub fn competence(subject: &str, level: u8, completed_on: &str) -> Value {
    json!({
        "competence": {"kind": "cstf", "subject": subject, "level": level},
        "completed_on": completed_on, "source": "e_learning", "provider": "e-Learning for Healthcare"
    })
}

pub fn flu_vaccine(given_on: &str) -> Value {
    json!({"antigen": "seasonal_flu", "status": "complete", "doses": [{"given_on": given_on}]})
}

pub fn hep_b_immune() -> Value {
    json!({"antigen": "hepatitis_b", "status": "immune",
           "serology": [{"test": "anti_hbs", "taken_on": "2024-02-01", "result": "positive", "level_miu_ml": 120.0}]})
}

pub fn assignment(role: &str, status: &str) -> Value {
    json!({"role": role, "staff_group": "nursing_and_midwifery_registered", "band": "band_5",
           "start_date": "2026-01-05", "status": status})
}

pub fn oh_clearance() -> Value {
    json!({"epp": "not_applicable", "cleared_on": "2025-10-01", "cleared_by": "oh.physician"})
}

/// A role needing identity, an enhanced DBS, fire safety and hepatitis B.
pub fn role(role_code: &str) -> Value {
    json!({
        "role_code": role_code, "title": "Staff Nurse, Emergency Department",
        "checks": [{"kind": "identity", "min_assurance": "medium"},
                   {"kind": "criminal_record", "min_dbs_level": "enhanced_adults"}],
        "competences": [{"competence": {"kind": "cstf", "subject": "fire_safety", "level": 1}}],
        "immunisations": ["hepatitis_b"]
    })
}
