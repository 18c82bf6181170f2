//! OpenID4VC state: credential offers (digests only, a code redeemed once however many requests
//! race, attempts written back on refusal, each offered type claimed once) and presentation
//! requests (answered once, a vp_token recorded once), scoped to their organisation.

use store::testing::each_backend;
use store::{NewOffer, NewPresentationRequest, Redemption, StoreError};

use crate::common::*;

fn offer<'a>(person_id: &'a str, handle: &'a str, code: &'a str) -> NewOffer<'a> {
    NewOffer {
        person_id,
        credential_types: vec!["criminal_record".into()],
        handle,
        code,
        pin: Some("123456"),
        expires_at: 4_000_000_000,
        max_attempts: 3,
    }
}

#[tokio::test]
async fn a_code_is_redeemed_once_under_concurrency_and_refusals_are_written_back() {
    each_backend(|store| async move {
        let (_, a) = org(&store, "RJ1").await;
        let ds = store.dataset(&a);
        let p = ds.create_person(&person(1)).await.unwrap();
        ds.create_offer(&offer(&p.id, "handle-1", "code-1")).await.unwrap();
        let stored = ds.offer_by_handle("handle-1").await.unwrap();
        assert_eq!(stored.code_hash, store::secret_hash("code-1"), "only the digest is kept");
        assert_eq!(stored.pin_hash.as_deref(), Some(store::pin_hash("code-1", "123456").as_str()));

        // A refusal that spends an attempt is persisted.
        let (after, outcome) = ds
            .redeem_offer("code-1", |o| {
                o.attempts_left -= 1;
                Redemption::Refused
            })
            .await
            .unwrap();
        assert_eq!((after.attempts_left, outcome), (2, Redemption::Refused));
        assert_eq!(ds.offer_by_handle("handle-1").await.unwrap().attempts_left, 2);

        // Eight racers, each redeeming only if the code is still unused: exactly one wins.
        let mut racers = Vec::new();
        for i in 0..8 {
            let (store, a) = (store.clone(), a.clone());
            racers.push(tokio::spawn(async move {
                store
                    .dataset(&a)
                    .redeem_offer("code-1", |o| {
                        if o.used {
                            Redemption::Refused
                        } else {
                            Redemption::Redeemed { access_token: format!("token-{i}"), expires_at: 4_000_000_000 }
                        }
                    })
                    .await
                    .unwrap()
                    .1
            }));
        }
        let mut winners = Vec::new();
        for r in racers {
            if let Redemption::Redeemed { access_token, .. } = r.await.unwrap() {
                winners.push(access_token);
            }
        }
        assert_eq!(winners.len(), 1, "{winners:?}");
        let by_token = ds.offer_by_access_token(&winners[0], 1_000).await.unwrap();
        assert!(by_token.used);
        assert!(matches!(ds.offer_by_access_token(&winners[0], 4_000_000_001).await, Err(StoreError::NotFound)));
        assert!(matches!(ds.redeem_offer("no-such-code", |_| Redemption::Refused).await, Err(StoreError::NotFound)));

        // Each offered type is claimed once; a released claim can be claimed again.
        ds.claim_offer_type(&by_token.id, "criminal_record").await.unwrap();
        assert!(matches!(ds.claim_offer_type(&by_token.id, "criminal_record").await, Err(StoreError::Conflict { .. })));
        ds.release_offer_type(&by_token.id, "criminal_record").await.unwrap();
        ds.claim_offer_type(&by_token.id, "criminal_record").await.unwrap();

        // Another organisation sees none of it.
        let (_, b) = org(&store, "RRK").await;
        assert!(matches!(store.dataset(&b).offer_by_handle("handle-1").await, Err(StoreError::NotFound)));
        assert!(matches!(
            store.dataset(&b).redeem_offer("code-1", |_| Redemption::Refused).await,
            Err(StoreError::NotFound)
        ));
    })
    .await;
}

#[tokio::test]
async fn a_presentation_request_is_answered_once_and_a_vp_token_recorded_once() {
    each_backend(|store| async move {
        let (_, b) = org(&store, "RRK").await;
        let ds = store.dataset(&b);
        let new =
            |state| NewPresentationRequest { role_code: "R", state, request_doc: "{}", expires_at: 4_000_000_000 };
        let first = ds.create_presentation_request(&new("state-1")).await.unwrap();
        let second = ds.create_presentation_request(&new("state-2")).await.unwrap();
        assert_eq!(ds.presentation_request_by_state("state-1").await.unwrap().id, first);

        ds.record_presentation_result(&first, "vp-1", r#"{"ready":true}"#).await.unwrap();
        let again = ds.record_presentation_result(&first, "vp-2", r#"{"ready":false}"#).await;
        assert!(matches!(again, Err(StoreError::Conflict { ref field, .. }) if field == "state"), "{again:?}");
        let replay = ds.record_presentation_result(&second, "vp-1", r#"{"ready":true}"#).await;
        assert!(matches!(replay, Err(StoreError::Conflict { ref field, .. }) if field == "vp_token"), "{replay:?}");
        assert_eq!(ds.get_presentation_request(&first).await.unwrap().result_doc.as_deref(), Some(r#"{"ready":true}"#));
        assert_eq!(ds.get_presentation_request(&second).await.unwrap().result_doc, None, "nothing changed");

        let (_, a) = org(&store, "RJ1").await;
        assert!(matches!(store.dataset(&a).get_presentation_request(&first).await, Err(StoreError::NotFound)));
        assert!(matches!(store.dataset(&a).presentation_request_by_state("state-1").await, Err(StoreError::NotFound)));
    })
    .await;
}
