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
