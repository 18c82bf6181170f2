//! OpenID4VC state: credential offers (digests only, a code redeemed once however many requests
//! race, attempts written back on refusal, each offered type claimed once) and presentation
//! requests (answered once, a vp_token recorded once), scoped to their organisation.

use store::testing::each_backend;
use store::{NewOffer, NewPresentationRequest, PresentationAnswer, Redemption, StoreError, secret_hash};

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

#[tokio::test]
async fn answers_recorded_as_a_group_are_each_decided_as_if_alone() {
    each_backend(|store| async move {
        let (_, a) = org(&store, "RJ1").await;
        let (_, b) = org(&store, "RRK").await;
        let new =
            |state| NewPresentationRequest { role_code: "R", state, request_doc: "{}", expires_at: 4_000_000_000 };
        let (da, db) = (store.dataset(&a), store.dataset(&b));
        let a1 = da.create_presentation_request(&new("a-1")).await.unwrap();
        let a2 = da.create_presentation_request(&new("a-2")).await.unwrap();
        let b1 = db.create_presentation_request(&new("b-1")).await.unwrap();
        let b2 = db.create_presentation_request(&new("b-2")).await.unwrap();
        let b3 = db.create_presentation_request(&new("b-3")).await.unwrap();
        let old = db.create_presentation_request(&new("b-old")).await.unwrap();
        db.record_presentation_result(&old, "vp-old", r#"{"n":"old"}"#).await.unwrap();
        let audit_before = store.verify_audit().await.unwrap().entries_checked;

        let answer = |scope: &store::OrgScope, id: &str, vp: &str, n: &str| PresentationAnswer {
            scope: scope.clone(),
            request_id: id.to_owned(),
            vp_hash: secret_hash(vp),
            result_doc: format!(r#"{{"n":"{n}"}}"#),
            presented: vec![],
        };
        let group = [
            answer(&a, &a1, "vp-a1", "a1"),
            answer(&b, &b1, "vp-b1", "b1"),
            answer(&b, &b1, "vp-b1-again", "b1 twice"), // same request earlier in the group
            answer(&b, &b2, "vp-a1", "token twice"),    // same token earlier in the group
            answer(&b, &b3, "vp-old", "old token"),     // token recorded before
            answer(&b, &old, "vp-new", "answered"),     // request answered before
            answer(&b, &a2, "vp-cross", "cross"),       // A's request under B's scope
            answer(&a, &a2, "vp-a2", "a2"),
        ];
        let outcomes = store.record_presentation_answers(&group).await;
        let field = |o: &Result<(), StoreError>| match o {
            Ok(()) => "ok".to_owned(),
            Err(StoreError::Conflict { field, .. }) => field.clone(),
            Err(e) => format!("{e:?}"),
        };
        let got: Vec<String> = outcomes.iter().map(field).collect();
        assert_eq!(got, ["ok", "ok", "state", "vp_token", "vp_token", "state", "state", "ok"]);

        assert_eq!(result_of(da, &a1).await.as_deref(), Some(r#"{"n":"a1"}"#));
        assert_eq!(result_of(da, &a2).await.as_deref(), Some(r#"{"n":"a2"}"#));
        assert_eq!(result_of(db, &b1).await.as_deref(), Some(r#"{"n":"b1"}"#));
        assert_eq!(result_of(db, &b2).await, None, "a refused answer writes nothing");
        assert_eq!(result_of(db, &b3).await, None);
        assert_eq!(result_of(db, &old).await.as_deref(), Some(r#"{"n":"old"}"#));
        // Refused answers did not record their tokens: they can still answer an open request.
        assert!(db.record_presentation_result(&b2, "vp-b1-again", "{}").await.is_ok());
        assert!(matches!(
            db.record_presentation_result(&b3, "vp-b1", "{}").await,
            Err(StoreError::Conflict { ref field, .. }) if field == "vp_token"
        ));
        // Three answers in the group, each audited in its own organisation's chain, which still verifies;
        // then the six reads of the results and the one answer above.
        let report = store.verify_audit().await.unwrap();
        assert!(report.is_ok(), "{report:?}");
        assert_eq!(report.entries_checked, audit_before + 3 + 6 + 1);
    })
    .await;
}

async fn result_of(ds: store::Dataset<'_>, id: &str) -> Option<String> {
    ds.get_presentation_request(id).await.unwrap().result_doc
}

#[tokio::test]
async fn presentation_requests_are_listed_newest_first_by_page_filtered_and_only_to_their_organisation() {
    use store::{Page, PresentationFilter, PresentationStatus};
    each_backend(|store| async move {
        let (_, a) = org(&store, "RJ1").await;
        let ds = store.dataset(&a);
        // Seven requests, oldest first: roles alternate, the first two expire at 1_000, the rest later.
        let mut ids = Vec::new();
        for i in 0..7 {
            let state = format!("list-{i}");
            let role_code = if i % 2 == 0 { "BANK-RN" } else { "HCA" };
            let expires_at = if i < 2 { 1_000 } else { 4_000_000_000 };
            let new = NewPresentationRequest { role_code, state: &state, request_doc: "{}", expires_at };
            ids.push(ds.create_presentation_request(&new).await.unwrap());
        }
        ds.record_presentation_result(&ids[0], "vp-list-0", r#"{"ready":true}"#).await.unwrap();
        ds.record_presentation_result(&ids[3], "vp-list-3", r#"{"ready":false}"#).await.unwrap();
        let now = 2_000;

        let all = |filter: PresentationFilter<'static>, limit: u32| {
            let ds = store.dataset(&a);
            async move {
                let mut seen = Vec::new();
                let mut page = Page::first(limit);
                let mut pages = 0;
                loop {
                    let got = ds.list_presentation_requests(&filter, now, &page).await.unwrap();
                    assert!(got.items.len() <= limit as usize);
                    pages += 1;
                    seen.extend(got.items);
                    match got.next {
                        Some(next) => page = Page { after: Some(next), limit },
                        None => break,
                    }
                }
                (seen, pages)
            }
        };
        let newest_first: Vec<String> = ids.iter().rev().cloned().collect();

        let audit_before = store.verify_audit().await.unwrap().entries_checked;
        let (seen, pages) = all(PresentationFilter::default(), 3).await;
        assert_eq!(seen.iter().map(|r| r.id.clone()).collect::<Vec<_>>(), newest_first, "each once, newest first");
        assert_eq!(pages, 3);
        assert_eq!(store.verify_audit().await.unwrap().entries_checked, audit_before + 3, "one entry per page");
        assert!(seen.windows(2).all(|w| w[0].created_at >= w[1].created_at));
        let oldest = seen.last().unwrap();
        assert_eq!((oldest.role_code.as_str(), oldest.result_doc.as_deref()), ("BANK-RN", Some(r#"{"ready":true}"#)));
        assert_eq!(oldest.status(now), PresentationStatus::Answered);
        // A page exactly as long as what is left says there is no next one.
        let (seen, pages) = all(PresentationFilter::default(), 7).await;
        assert_eq!((seen.len(), pages), (7, 1));

        let ids_of = |filter: PresentationFilter<'static>| {
            let all = &all;
            async move { all(filter, 2).await.0.into_iter().map(|r| r.id).collect::<Vec<_>>() }
        };
        let status = |s| PresentationFilter { status: Some(s), role_code: None };
        assert_eq!(ids_of(status(PresentationStatus::Answered)).await, [ids[3].clone(), ids[0].clone()]);
        assert_eq!(ids_of(status(PresentationStatus::Expired)).await, [ids[1].clone()], "answered is not expired");
        assert_eq!(
            ids_of(status(PresentationStatus::Pending)).await,
            [ids[6].clone(), ids[5].clone(), ids[4].clone(), ids[2].clone()]
        );
        let hca = PresentationFilter { status: None, role_code: Some("HCA") };
        assert_eq!(ids_of(hca).await, [ids[5].clone(), ids[3].clone(), ids[1].clone()]);
        let both = PresentationFilter { status: Some(PresentationStatus::Pending), role_code: Some("HCA") };
        assert_eq!(ids_of(both).await, [ids[5].clone()]);
        assert!(ids_of(PresentationFilter { status: None, role_code: Some("NONE") }).await.is_empty());
        // Statuses are judged at the time given: later, every unanswered request has expired.
        let later = ds
            .list_presentation_requests(&status(PresentationStatus::Pending), 4_000_000_000, &Page::first(10))
            .await
            .unwrap();
        assert!(later.items.is_empty());

        assert!(matches!(
            ds.list_presentation_requests(&PresentationFilter::default(), now, &Page::first(0)).await,
            Err(StoreError::Invalid(_))
        ));

        // Another organisation sees none of them, whatever cursor it passes.
        let (_, b) = org(&store, "RRK").await;
        let other = store.dataset(&b);
        let none =
            other.list_presentation_requests(&PresentationFilter::default(), now, &Page::first(10)).await.unwrap();
        assert_eq!((none.items.len(), none.next), (0, None));
        let page = Page { after: Some(ids[6].clone()), limit: 10 };
        assert!(
            other
                .list_presentation_requests(&PresentationFilter::default(), now, &page)
                .await
                .unwrap()
                .items
                .is_empty()
        );
        let report = store.verify_audit().await.unwrap();
        assert!(report.is_ok(), "{report:?}");
    })
    .await;
}

/// A group whose transaction fails as a whole (PostgreSQL refuses a NUL character in text) is
/// retried answer by answer: only the bad answer fails, the others are recorded.
#[tokio::test]
async fn a_failing_group_is_retried_answer_by_answer() {
    each_backend(|store| async move {
        let (_, b) = org(&store, "RRK").await;
        let ds = store.dataset(&b);
        let new =
            |state| NewPresentationRequest { role_code: "R", state, request_doc: "{}", expires_at: 4_000_000_000 };
        let mut ids = Vec::new();
        for state in ["s-1", "s-2", "s-3"] {
            ids.push(ds.create_presentation_request(&new(state)).await.unwrap());
        }
        let answer = |i: usize, doc: &str| PresentationAnswer {
            scope: b.clone(),
            request_id: ids[i].clone(),
            vp_hash: secret_hash(&format!("vp-{i}")),
            result_doc: doc.to_owned(),
            presented: vec![],
        };
        let group = [answer(0, "{}"), answer(1, "{\"bad\":\"\u{0}\"}"), answer(2, "{}")];
        let outcomes = store.record_presentation_answers(&group).await;
        assert!(outcomes[0].is_ok() && outcomes[2].is_ok(), "{outcomes:?}");
        let bad_refused = matches!(outcomes[1], Err(StoreError::Database(_)));
        assert_eq!(bad_refused, store.backend() == store::Backend::Postgres, "{outcomes:?}");
        assert!(result_of(ds, &ids[0]).await.is_some());
        assert!(result_of(ds, &ids[2]).await.is_some());
        assert_eq!(result_of(ds, &ids[1]).await.is_some(), !bad_refused);
        assert!(store.verify_audit().await.unwrap().is_ok());
    })
    .await;
}
