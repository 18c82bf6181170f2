//! Agreements and core terms in the store: only parties see an agreement, versions follow each
//! other, a completed amendment supersedes the version it amends, and every change is audited on
//! every party's chain.

use chrono::{NaiveDate, TimeZone, Utc};
use domain::agreement::{
    AgreementBody, AgreementDocument, AgreementRef, BespokeTerms, DOCUMENT_TYPE, Deployment, Lifecycle, OrgParty,
    Period, Signature, SignerRole, TermsFamily, TermsRef, WorkerParty,
};
use domain::org::OrgKind;
use store::testing::each_backend;
use store::{NewAgreement, Page, RegistryScope, StoreError};

use crate::common::*;

fn party(ods_code: &str) -> OrgParty {
    OrgParty { ods_code: ods(ods_code), name: format!("Test organisation {ods_code}"), kind: OrgKind::AcuteTrust }
}

fn deployment(version: u32, end: NaiveDate, amends: Option<AgreementRef>) -> AgreementDocument {
    AgreementDocument {
        doc_type: DOCUMENT_TYPE.into(),
        id: "0190a3c4-0000-7000-8000-00000000aaaa".into(),
        version,
        amends,
        registry: "https://registry.example".into(),
        core_terms: TermsRef { id: "nhs-core-terms".into(), version: "2026.1".into(), sha256: "ab".repeat(32) },
        data_sharing: None,
        body: AgreementBody::Deployment(Deployment {
            worker: WorkerParty { person_id: "p1".into(), given_name: "Ada".into(), family_name: "Okafor".into() },
            employer: party("RJ1"),
            host: party("RJZ"),
            roles: vec!["BANK-RN".into()],
            period: Period { start: date("2027-01-04"), end },
            bespoke_terms: BespokeTerms::default(),
            umbrella: None,
        }),
    }
}

fn signed_by_all(doc: &AgreementDocument) -> Lifecycle {
    let at = Utc.with_ymd_and_hms(2026, 12, 1, 9, 0, 0).unwrap();
    Lifecycle {
        proposed_at: Some(at),
        signatures: doc.required_signers().into_iter().map(|signer| Signature::by(signer, at)).collect(),
        ..Default::default()
    }
}

#[tokio::test]
async fn only_parties_see_an_agreement_and_amendments_supersede() {
    each_backend(|store| async move {
        let (employer, rj1) = org(&store, "RJ1").await;
        let (host, rjz) = org(&store, "RJZ").await;
        let (_, r1h) = org(&store, "R1H").await;
        let parties = vec![(employer.id.clone(), "employer"), (host.id.clone(), "host")];
        let v1 = deployment(1, date("2027-03-31"), None);
        let life = Lifecycle::default();
        let new = NewAgreement { document: &v1, sha256: &"01".repeat(32), signed: "{}", lifecycle: &life, parties };
        // The creator must be a party.
        assert!(matches!(store.agreements(&r1h).create(&new).await, Err(StoreError::NotFound)));
        let stored = store.agreements(&rj1).create(&new).await.unwrap();
        assert_eq!(stored.document, v1);
        assert_eq!(store.agreements(&rjz).get(&v1.id, None).await.unwrap().version, 1);
        assert!(matches!(store.agreements(&r1h).get(&v1.id, None).await, Err(StoreError::NotFound)));
        assert!(matches!(store.agreements(&r1h).history(&v1.id).await, Err(StoreError::NotFound)));
        let outsider = store.agreements(&r1h);
        let refused = outsider.update(&v1.id, 1, "agreement.sign", |a| Ok((a.signed.clone(), a.lifecycle.clone())));
        assert!(matches!(refused.await, Err(StoreError::NotFound)));
        assert!(store.agreements(&r1h).list(&Page::first(10), None).await.unwrap().items.is_empty());

        // Every party signs v1 (the JWS text stands in for what credentials::agreement builds).
        let done = store
            .agreements(&rjz)
            .update(&v1.id, 1, "agreement.sign", |a| Ok((format!("{}-signed", a.signed), signed_by_all(&a.document))))
            .await
            .unwrap();
        assert_eq!(done.signed, "{}-signed");
        assert!(done.lifecycle.signed_by(&SignerRole::Worker));

        let hosts = store.agreements(&rjz).list(&Page::first(10), Some("host")).await.unwrap();
        assert_eq!(hosts.items.len(), 1);
        assert!(store.agreements(&rjz).list(&Page::first(10), Some("employer")).await.unwrap().items.is_empty());

        // Version numbers follow each other.
        let skip = deployment(3, date("2027-06-30"), None);
        let bad = NewAgreement { document: &skip, ..new.clone() };
        match store.agreements(&rj1).create(&bad).await {
            Err(StoreError::Invalid(e)) => assert_eq!(e.field, "version"),
            other => panic!("{other:?}"),
        }

        // An amendment (a later end date), once signed by every party, supersedes v1.
        let prev = AgreementRef { id: v1.id.clone(), version: 1, sha256: "01".repeat(32) };
        let v2 = deployment(2, date("2027-06-30"), Some(prev));
        let amend = NewAgreement { document: &v2, sha256: &"02".repeat(32), ..new.clone() };
        store.agreements(&rj1).create(&amend).await.unwrap();
        assert_eq!(store.agreements(&rjz).get(&v1.id, None).await.unwrap().version, 2);
        assert_eq!(store.agreements(&rjz).get(&v1.id, Some(1)).await.unwrap().lifecycle.superseded_by, None);
        store
            .agreements(&rj1)
            .update(&v1.id, 2, "agreement.sign", |a| Ok(("v2".into(), signed_by_all(&a.document))))
            .await
            .unwrap();
        let history = store.agreements(&rjz).history(&v1.id).await.unwrap();
        assert_eq!(history.len(), 2);
        assert_eq!(history[0].lifecycle.superseded_by, Some(2));
        let listed = store.agreements(&rj1).list(&Page::first(10), None).await.unwrap();
        assert_eq!(listed.items.iter().map(|a| a.version).collect::<Vec<_>>(), vec![2], "latest version only");

        let report = store.verify_audit().await.unwrap();
        assert!(report.is_ok(), "{report:?}");
    })
    .await;
}

#[tokio::test]
async fn core_terms_are_published_once_per_version_and_accepted() {
    each_backend(|store| async move {
        let operator = RegistryScope::system("test");
        let terms = store
            .publish_core_terms(
                &operator,
                "nhs-core-terms",
                "2026.1",
                TermsFamily::Nhs,
                "Core terms",
                "Licence to attend.",
            )
            .await
            .unwrap();
        assert_eq!(terms.sha256.len(), 64);
        let again = store
            .publish_core_terms(&operator, "nhs-core-terms", "2026.1", TermsFamily::Nhs, "Core terms", "Changed text")
            .await;
        match again {
            Err(StoreError::Conflict { field, .. }) => assert_eq!(field, "version"),
            other => panic!("{other:?}"),
        }
        assert_eq!(store.core_terms("nhs-core-terms", "2026.1").await.unwrap().body, "Licence to attend.");
        let empty = store.publish_core_terms(&operator, "x", "1", TermsFamily::NonNhs, "t", " ").await;
        assert!(matches!(empty, Err(StoreError::Invalid(e)) if e.field == "body"));

        let (org_row, rj1) = org(&store, "RJ1").await;
        store.accept_core_terms(&rj1, "nhs-core-terms", "2026.1").await.unwrap();
        store.accept_core_terms(&rj1, "nhs-core-terms", "2026.1").await.unwrap();
        assert_eq!(
            store.accepted_core_terms(&org_row.id).await.unwrap(),
            vec![("nhs-core-terms".to_owned(), "2026.1".to_owned())]
        );
        assert!(matches!(store.accept_core_terms(&rj1, "nhs-core-terms", "9").await, Err(StoreError::NotFound)));
        assert_eq!(store.list_core_terms().await.unwrap().len(), 1);
    })
    .await;
}
