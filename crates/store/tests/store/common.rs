//! Shared fixtures: organisations, scopes, users.

use domain::org::{NewOrganisation, OdsCode, OrgKind};
use store::{NewUser, OrgScope, Organisation, RegistryScope, Role, Store};

pub fn ods(code: &str) -> OdsCode {
    OdsCode::parse(code).unwrap()
}

/// Registers an organisation and returns it with a system scope on its dataset.
pub async fn org(store: &Store, code: &str) -> (Organisation, OrgScope) {
    let new =
        NewOrganisation { ods_code: ods(code), name: format!("Test organisation {code}"), kind: OrgKind::AcuteTrust };
    let org = store.registry().create_organisation(&RegistryScope::system("test"), &new).await.unwrap();
    let scope = OrgScope::system(org.id.clone(), "test");
    (org, scope)
}

pub const PASSWORD: &str = "correct horse battery";

/// Creates a user with a password in the scope's organisation; returns its id.
pub async fn user(store: &Store, scope: &OrgScope, email: &str, roles: &[Role]) -> String {
    store
        .auth()
        .create_user(
            scope,
            NewUser {
                email: email.to_owned(),
                display_name: "Test User".to_owned(),
                roles: roles.to_vec(),
                password: Some(PASSWORD.to_owned()),
            },
        )
        .await
        .unwrap()
        .id
}

/// A valid person; `n` varies the NI number and name so many can be created.
pub fn person(n: u32) -> domain::person::Person {
    use domain::person::{NiNumber, Person};
    Person {
        given_name: "Amara".to_owned(),
        family_name: format!("Okafor{n:03}"),
        date_of_birth: "1990-04-12".parse().unwrap(),
        ni_number: Some(NiNumber::parse(&format!("AB{:06}C", 100_000 + n)).unwrap()),
        address: None,
        email: Some(format!("amara{n}@nhs.net")),
        phone: None,
        registrations: vec![],
        smartcard_uuid: None,
    }
}

pub fn date(s: &str) -> chrono::NaiveDate {
    s.parse().unwrap()
}

/// An enhanced DBS check issued on `issued`.
pub fn dbs_check(issued: &str) -> domain::checks::EmploymentCheck {
    use domain::checks::*;
    EmploymentCheck {
        details: CheckDetails::CriminalRecord(DbsCheck {
            level: DbsLevel::EnhancedAdults,
            certificate_number: DbsCertificateNumber::parse("001234567890").unwrap(),
            issued_on: date(issued),
            workforce: DbsWorkforce::AdultAndChild,
            update_service: None,
        }),
        outcome: CheckOutcome::Clear,
        completed_on: Some(date(issued)),
        checked_by: "hr.user".to_owned(),
        evidence_ref: Some("HR-1".to_owned()),
        expires_on: Some(date("2028-01-10")),
        notes: None,
    }
}

/// Fire safety level 1 completed on `on`.
pub fn fire_safety(on: &str) -> domain::cstf::Competence {
    use domain::cstf::*;
    Competence {
        competence: CompetenceRef::cstf(CstfSubject::FireSafety, 1),
        completed_on: date(on),
        source: CompetenceSource::ELearning,
        provider: Some("e-Learning for Healthcare".to_owned()),
    }
}

pub fn flu_vaccine(on: &str) -> domain::immunisation::Immunisation {
    use domain::immunisation::*;
    Immunisation {
        antigen: Antigen::SeasonalFlu,
        status: ImmunisationStatus::Complete,
        doses: vec![Dose { given_on: date(on), product: None, batch: None }],
        serology: vec![],
        history_of_disease: false,
        bcg_scar: false,
        recorded_by: Some("oh.nurse".to_owned()),
        notes: None,
        passport: None,
    }
}

pub fn applicant(role: &str) -> domain::assignment::Assignment {
    use domain::assignment::*;
    Assignment {
        role: role.to_owned(),
        staff_group: StaffGroup::AdministrativeAndClerical,
        band: Band::parse("5").unwrap(),
        start_date: date("2026-01-05"),
        end_date: None,
        status: AssignmentStatus::Applicant,
    }
}

pub fn oh_clearance(on: &str) -> domain::immunisation::OhClearance {
    use domain::immunisation::*;
    OhClearance {
        epp: EppClearance::Cleared,
        cleared_on: date(on),
        cleared_by: "oh.doctor".to_owned(),
        restrictions: None,
        review_on: None,
    }
}
