//! Staff Passport domain: the pure types and rules of NHS workforce records.
//!
//! People, organisations, assignments, the six NHS Employment Check Standards, CSTF competences,
//! immunisations, role requirements and compliance. This crate does no I/O, no async and never
//! reads a clock: `today` is always a parameter. Every value the HTTP API accepts or returns is
//! defined here with serde and OpenAPI (utoipa) derives.

pub mod agreement;
pub mod assignment;
pub mod checks;
pub mod compliance;
pub mod cstf;
pub mod dates;
pub mod error;
pub mod immunisation;
pub mod org;
pub mod passport;
pub mod person;
pub mod requirements;
pub mod transfer;

mod newtype;

pub use error::{FieldError, ValidationErrors};

#[cfg(test)]
mod openapi_tests {
    //! The OpenAPI schemas say what the JSON says: enums in snake_case, newtypes as strings,
    //! check details tagged by `kind`.

    use utoipa::PartialSchema;

    fn schema_text<T: PartialSchema>() -> String {
        serde_json::to_string(&T::schema()).unwrap()
    }

    #[test]
    fn enums_and_newtypes_appear_as_their_json_form() {
        let subject = schema_text::<crate::cstf::CstfSubject>();
        assert!(subject.contains("\"fire_safety\""), "{subject}");
        let antigen = schema_text::<crate::immunisation::Antigen>();
        assert!(antigen.contains("\"covid_19\""), "{antigen}");
        for text in [
            schema_text::<crate::person::NiNumber>(),
            schema_text::<crate::org::OdsCode>(),
            schema_text::<crate::assignment::Band>(),
            schema_text::<crate::checks::DbsCertificateNumber>(),
        ] {
            assert!(text.contains("\"string\""), "{text}");
        }
    }

    #[test]
    fn check_details_schema_is_tagged_by_kind() {
        let details = schema_text::<crate::checks::CheckDetails>();
        for kind in crate::checks::CheckKind::ALL {
            assert!(details.contains(&format!("\"{}\"", kind.key())), "{kind:?} missing: {details}");
        }
        assert!(details.contains("\"kind\""), "{details}");
        let compliance = schema_text::<crate::compliance::RequirementResult>();
        assert!(compliance.contains("\"requirement\""), "{compliance}");
    }
}

#[cfg(test)]
mod parser_properties {
    //! Every parser of outside text returns an error rather than panicking, whatever it is given.

    use proptest::prelude::*;

    use crate::person::Register;

    proptest! {
        #[test]
        fn parsers_never_panic(input in "\\PC{0,24}") {
            let _ = crate::org::OdsCode::parse(&input);
            let _ = crate::person::Postcode::parse(&input);
            let _ = crate::person::SmartcardUuid::parse(&input);
            let _ = crate::checks::DbsCertificateNumber::parse(&input);
            let _ = crate::assignment::Band::parse(&input);
            let _ = crate::assignment::StaffGroup::parse(&input);
            let _ = crate::cstf::CstfSubject::parse(&input);
            let _ = crate::cstf::parse_esr_name(&input);
            let _ = crate::cstf::parse_esr_name(&format!("NHS|CSTF|{input}|"));
            let _ = crate::person::check_email(&input);
            let _ = crate::person::check_phone(&input);
            for register in Register::ALL {
                let _ = crate::person::RegistrationNumber::parse(register, &input);
            }
        }
    }
}
