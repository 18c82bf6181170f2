use chrono::{NaiveDate, TimeZone, Utc};

use super::*;

fn d(y: i32, m: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, day).unwrap()
}

fn org(ods: &str, kind: OrgKind) -> OrgParty {
    OrgParty { ods_code: OdsCode::parse(ods).unwrap(), name: format!("Org {ods}"), kind }
}

const HEX: &str = "0f1e2d3c4b5a69788796a5b4c3d2e1f00f1e2d3c4b5a69788796a5b4c3d2e1f0";

pub(crate) fn deployment() -> AgreementDocument {
    AgreementDocument {
        doc_type: DOCUMENT_TYPE.into(),
        id: "0190a3c4-0000-7000-8000-000000000001".into(),
        version: 1,
        amends: None,
        registry: "https://registry.example".into(),
        core_terms: TermsRef { id: "nhs-core-terms".into(), version: "2026.1".into(), sha256: HEX.into() },
        data_sharing: None,
        body: AgreementBody::Deployment(Deployment {
            worker: WorkerParty { person_id: "p1".into(), given_name: "Ada".into(), family_name: "Okafor".into() },
            employer: org("RJ1", OrgKind::AcuteTrust),
            host: org("RJZ", OrgKind::AcuteTrust),
            roles: vec!["BANK-RN".into()],
            period: Period { start: d(2027, 1, 4), end: d(2027, 3, 31) },
            bespoke_terms: BespokeTerms { car_parking: Some("staff car park B".into()), ..Default::default() },
            umbrella: None,
        }),
    }
}

fn nhs_terms(t: &TermsRef) -> Option<TermsFamily> {
    match t.id.as_str() {
        "nhs-core-terms" => Some(TermsFamily::Nhs),
        "non-nhs-core-terms" => Some(TermsFamily::NonNhs),
        _ => None,
    }
}

fn fields(doc: &AgreementDocument) -> Vec<String> {
    match doc.validate(nhs_terms) {
        Ok(()) => vec![],
        Err(e) => e.0.into_iter().map(|f| f.field).collect(),
    }
}

#[test]
fn a_valid_deployment_passes_and_needs_three_signers() {
    let doc = deployment();
    assert_eq!(fields(&doc), Vec::<String>::new());
    assert_eq!(
        doc.required_signers(),
        vec![
            SignerRole::Organisation(OdsCode::parse("RJ1").unwrap()),
            SignerRole::Organisation(OdsCode::parse("RJZ").unwrap()),
            SignerRole::Worker
        ]
    );
}

#[test]
fn invalid_documents_name_their_field() {
    type Edit = fn(&mut AgreementDocument);
    let cases: &[(&str, Edit)] = &[
        ("type", |d| d.doc_type = "other".into()),
        ("version", |d| d.version = 0),
        ("amends", |d| d.version = 2),
        ("core_terms.sha256", |d| d.core_terms.sha256 = "ABC".into()),
        ("core_terms", |d| d.core_terms.id = "unknown".into()),
        ("period.end", |d| {
            if let AgreementBody::Deployment(x) = &mut d.body {
                x.period.end = d_(2026, 1, 1);
            }
        }),
        ("host", |d| {
            if let AgreementBody::Deployment(x) = &mut d.body {
                x.host = x.employer.clone();
            }
        }),
        ("roles", |d| {
            if let AgreementBody::Deployment(x) = &mut d.body {
                x.roles.clear();
            }
        }),
        ("data_sharing", |d| {
            if let AgreementBody::Deployment(x) = &mut d.body {
                x.host.kind = OrgKind::Hospice;
            }
            d.core_terms.id = "non-nhs-core-terms".into();
        }),
    ];
    for (field, edit) in cases {
        let mut doc = deployment();
        edit(&mut doc);
        assert!(fields(&doc).iter().any(|f| f == field), "{field}: got {:?}", fields(&doc));
    }
}

fn d_(y: i32, m: u32, day: u32) -> NaiveDate {
    d(y, m, day)
}

#[test]
fn a_non_nhs_party_needs_non_nhs_terms_and_a_legal_basis() {
    let mut doc = deployment();
    if let AgreementBody::Deployment(x) = &mut doc.body {
        x.host.kind = OrgKind::LocalAuthority;
    }
    assert_eq!(doc.terms_family(), TermsFamily::NonNhs);
    assert!(fields(&doc).contains(&"core_terms".to_owned()));
    doc.core_terms.id = "non-nhs-core-terms".into();
    doc.data_sharing = Some(DataSharingBasis {
        article_6: Article6Basis::PublicTask,
        article_9: Article9Condition::HealthOrSocialCare,
        purpose: "deploy registered nurses to the council's reablement service".into(),
    });
    assert_eq!(fields(&doc), Vec::<String>::new());
}

#[test]
fn an_umbrella_needs_two_distinct_organisations() {
    let mut doc = deployment();
    doc.body = AgreementBody::Umbrella(Umbrella {
        title: "System workforce sharing agreement".into(),
        parties: vec![org("RJ1", OrgKind::AcuteTrust)],
        period: Period { start: d(2027, 1, 1), end: d(2029, 12, 31) },
        scope: Scope::default(),
        bespoke_terms: BespokeTerms::default(),
    });
    assert!(fields(&doc).contains(&"parties".to_owned()));
    if let AgreementBody::Umbrella(u) = &mut doc.body {
        u.parties.push(org("RJ1", OrgKind::AcuteTrust));
    }
    assert!(fields(&doc).contains(&"parties[1]".to_owned()));
    if let AgreementBody::Umbrella(u) = &mut doc.body {
        u.parties[1] = org("RJZ", OrgKind::AcuteTrust);
        u.parties.push(org("R1H", OrgKind::AcuteTrust));
    }
    assert_eq!(fields(&doc), Vec::<String>::new());
    assert_eq!(doc.required_signers().len(), 3, "organisations only, no worker");
}

fn at(day: u32) -> chrono::DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 12, day, 10, 0, 0).unwrap()
}

#[test]
fn state_follows_the_lifecycle() {
    let doc = deployment();
    let employer = SignerRole::Organisation(OdsCode::parse("RJ1").unwrap());
    let host = SignerRole::Organisation(OdsCode::parse("RJZ").unwrap());
    let today = d(2026, 12, 10);
    let mut life = Lifecycle::default();
    assert_eq!(life.state(&doc, today), AgreementState::Draft);
    assert_eq!(life.can_sign(&doc, &host, today), Err(LifecycleError::NotProposed));
    life.can_propose().unwrap();
    life.proposed_at = Some(at(1));
    assert_eq!(life.can_propose(), Err(LifecycleError::AlreadyProposed));
    for who in [&employer, &host] {
        life.can_sign(&doc, who, today).unwrap();
        life.signatures.push(Signature::by(who.clone(), at(2)));
    }
    assert_eq!(life.state(&doc, today), AgreementState::Proposed { awaiting: vec![SignerRole::Worker] });
    assert_eq!(life.can_sign(&doc, &host, today), Err(LifecycleError::AlreadySigned(host.clone())));
    life.signatures.push(Signature::by(SignerRole::Worker, at(3)));
    assert_eq!(life.state(&doc, today), AgreementState::Signed);
    assert_eq!(life.state(&doc, d(2027, 1, 4)), AgreementState::Active);
    assert_eq!(life.state(&doc, d(2027, 3, 31)), AgreementState::Active);
    assert_eq!(life.state(&doc, d(2027, 4, 1)), AgreementState::Ended);

    let stranger = SignerRole::Organisation(OdsCode::parse("R1H").unwrap());
    assert_eq!(life.can_withdraw(&doc, &stranger, "x"), Err(LifecycleError::NotAParty(stranger.clone())));
    assert_eq!(life.can_withdraw(&doc, &host, "  "), Err(LifecycleError::ReasonRequired));
    life.withdrawal = Some(Withdrawal { by: host.clone(), reason: "ward closed".into(), at: at(5) });
    assert_eq!(life.state(&doc, d(2027, 1, 5)).key(), "withdrawn");
    assert_eq!(life.can_sign(&doc, &SignerRole::Worker, today), Err(LifecycleError::Withdrawn));
}

#[test]
fn signing_after_the_end_or_a_supersession_is_refused() {
    let doc = deployment();
    let life = Lifecycle { proposed_at: Some(at(1)), ..Default::default() };
    assert_eq!(life.can_sign(&doc, &SignerRole::Worker, d(2027, 4, 1)), Err(LifecycleError::PastEnd(d(2027, 3, 31))));
    let old = Lifecycle { superseded_by: Some(2), ..life };
    assert_eq!(old.can_sign(&doc, &SignerRole::Worker, d(2026, 12, 10)), Err(LifecycleError::Superseded(2)));
    assert_eq!(old.state(&doc, d(2027, 2, 1)), AgreementState::Superseded { by_version: 2 });
}

#[test]
fn the_document_round_trips_through_json_with_its_kind_tag() {
    let doc = deployment();
    let text = serde_json::to_string(&doc).unwrap();
    assert!(text.contains("\"kind\":\"deployment\""), "{text}");
    assert!(text.contains("\"type\":\"staff-passport-agreement/v1\""), "{text}");
    let back: AgreementDocument = serde_json::from_str(&text).unwrap();
    assert_eq!(back, doc);
}
