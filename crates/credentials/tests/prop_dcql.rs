//! Properties of the OpenID4VP layer: (1) for any credential and any subset of its claims that
//! a DCQL query asks for, the wallet's match, presentation and the verifier's validation agree,
//! and exactly the requested personal claims are disclosed; (2) claims path processing names
//! each selected value with a JSON Pointer that resolves to that same value.

use credentials::jws::{Signer, SoftwareEs256Key};
use credentials::oid4vc::claims_path::{ClaimPath, PathElement};
use credentials::oid4vc::dcql::{CredentialQuery, DcqlQuery};
use credentials::oid4vc::matching::{self, HeldCredential};
use credentials::oid4vc::validate::validate_vp_token;
use credentials::oid4vc::vp::VpToken;
use credentials::sdjwt::{KeyBinding, SdPlan};
use credentials::status::InMemoryStatus;
use credentials::trust::{ListedKey, OrgStatus, Organisation, TrustIndex, TrustList};
use credentials::vc::{VcSpec, issue_vc};
use credentials::verify::VerifyOptions;
use proptest::prelude::*;
use rand::SeedableRng;
use serde_json::{Map, Value, json};

const ISS: &str = "https://i.example/orgs/RX1";
const AUD: &str = "redirect_uri:https://v.example/response";

fn json_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        any::<bool>().prop_map(Value::from),
        any::<i32>().prop_map(Value::from),
        "[a-z]{0,6}".prop_map(Value::from)
    ];
    leaf.prop_recursive(3, 24, 4, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            prop::collection::btree_map("[a-c]{1,2}", inner, 0..4).prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

fn path_element() -> impl Strategy<Value = PathElement> {
    prop_oneof![
        "[a-c]{1,2}".prop_map(PathElement::Key),
        (0u64..4).prop_map(PathElement::Index),
        Just(PathElement::All(())),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    #[test]
    fn requested_subset_is_exactly_what_is_disclosed_and_accepted(
        claims in prop::collection::btree_map("[a-f]{1,3}", "[a-z0-9]{1,8}", 1..7),
        mask in any::<u8>(),
        seed in any::<u64>(),
    ) {
        let issuer = SoftwareEs256Key::generate().unwrap();
        let holder = SoftwareEs256Key::generate().unwrap();
        let claims: Map<String, Value> = claims.into_iter().map(|(k, v)| (k, Value::String(v))).collect();
        let spec = VcSpec {
            iss: ISS.into(), vct: "urn:t".into(), iat: 100, nbf: None, exp: None,
            cnf: Some(holder.public_jwk()), status: None,
            sd: SdPlan::all_members(&claims, 2), claims: claims.clone(),
        };
        let raw = issue_vc(&spec, &issuer, &mut rand::rngs::StdRng::seed_from_u64(seed)).unwrap();
        let held = vec![HeldCredential::parse(&raw).unwrap()];
        let wanted: Vec<&String> = claims.keys().enumerate().filter(|(i, _)| mask & (1 << i) != 0).map(|(_, k)| k).collect();
        let mut q = CredentialQuery::sd_jwt_vc("c", "urn:t");
        for k in &wanted {
            q = q.claim(ClaimPath::keys(&[k.as_str()]));
        }
        let query = DcqlQuery::new(vec![q]);
        query.validate().unwrap();

        let sel = matching::select(&query, &held).unwrap();
        let cand = &sel.picks[0].1[0];
        let idx = matching::disclosure_indices(&held[0].sd, &cand.pointers).unwrap();
        let kb = KeyBinding { signer: &holder, nonce: "n", aud: AUD, iat: 200 };
        let mut token = VpToken::new();
        token.insert("c".into(), vec![json!(matching::present(&held[0], &idx, Some(&kb)).unwrap())]);

        let trust = TrustIndex::new(&TrustList {
            iss: "r".into(), iat: 0, exp: i64::MAX, sequence: 1,
            organisations: vec![Organisation {
                ods_code: "RX1".into(), name: "One".into(), issuer: ISS.into(), status: OrgStatus::Active,
                keys: vec![ListedKey { jwk: issuer.public_jwk(), retired_at: None }],
            }],
        }).unwrap();
        let r = validate_vp_token(&token, &query, &VerifyOptions::new(210, "n", AUD), &trust, &InMemoryStatus::default()).unwrap();
        prop_assert!(r.satisfied());
        let shown = &r.query("c").unwrap().accepted[0].claims;
        let personal: Vec<&String> = shown.as_object().unwrap().keys().filter(|k| claims.contains_key(*k)).collect();
        let mut want_sorted = wanted.clone();
        want_sorted.sort();
        let mut got_sorted = personal.clone();
        got_sorted.sort();
        prop_assert_eq!(got_sorted, want_sorted);
    }

    #[test]
    fn selected_pointers_resolve_to_the_selected_values(root in json_value(), path in prop::collection::vec(path_element(), 1..4)) {
        let path = ClaimPath(path);
        if let Ok(hits) = path.select(&root) {
            prop_assert!(!hits.is_empty());
            for (ptr, v) in hits {
                prop_assert_eq!(root.pointer(&ptr), Some(v));
            }
        }
    }
}
