//! Property: any subset of disclosures, presented with a KB-JWT, verifies and yields exactly the
//! chosen claims (plus the always-visible registered claims), no more and no fewer.

mod common;

use std::sync::OnceLock;

use common::*;
use credentials::sdjwt::{SdJwt, SdPlan};
use proptest::prelude::*;
use serde_json::{Map, Value, json};

fn world() -> &'static World {
    static W: OnceLock<World> = OnceLock::new();
    W.get_or_init(World::new)
}

const REGISTERED: &[&str] = &["iss", "vct", "iat", "nbf", "exp", "cnf", "status"];

fn leaf() -> impl Strategy<Value = Value> {
    prop_oneof![
        any::<i32>().prop_map(|n| json!(n)),
        any::<bool>().prop_map(|b| json!(b)),
        "[ -~äöü]{0,12}".prop_map(|s| json!(s)),
        ("[a-z]{1,5}", any::<u8>()).prop_map(|(k, v)| json!({ k: v })),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, .. ProptestConfig::default() })]

    #[test]
    fn any_subset_presented_verifies_to_exactly_that_subset(
        members in prop::collection::btree_map("[a-z][a-z_]{0,7}", (leaf(), any::<bool>()), 1..8),
        elements in prop::collection::vec((leaf(), any::<bool>()), 0..5),
        show_list in any::<bool>(),
        decoys in 0usize..3,
    ) {
        let w = world();
        let members: Vec<(String, (Value, bool))> =
            members.into_iter().filter(|(k, _)| !REGISTERED.contains(&k.as_str()) && k != "list").collect();
        let mut claims = Map::new();
        for (k, (v, _)) in &members {
            claims.insert(k.clone(), v.clone());
        }
        claims.insert("list".into(), Value::Array(elements.iter().map(|(v, _)| v.clone()).collect()));
        let mut spec = w.spec(0);
        spec.sd = SdPlan::all_members(&claims, decoys);
        spec.claims = claims;
        let issued = w.issue_with(&spec, &w.issuer);

        let mut reveal: Vec<String> = members.iter().filter(|(_, (_, s))| *s).map(|(k, _)| format!("/{k}")).collect();
        reveal.extend(elements.iter().enumerate().filter(|(_, (_, s))| *s).map(|(i, _)| format!("/list/{i}")));
        if show_list {
            reveal.push("/list".into());
        }
        let reveal_refs: Vec<&str> = reveal.iter().map(String::as_str).collect();
        let shown = SdJwt::parse(&issued).unwrap().present(&reveal_refs, Some(&w.kb())).unwrap();

        let verified = w.verify(&shown).unwrap();
        let mut got = verified.claims.as_object().unwrap().clone();
        for r in REGISTERED {
            got.remove(*r);
        }
        let mut want = Map::new();
        for (k, (v, s)) in &members {
            if *s {
                want.insert(k.clone(), v.clone());
            }
        }
        let chosen: Vec<Value> = elements.iter().filter(|(_, s)| *s).map(|(v, _)| v.clone()).collect();
        if show_list || !chosen.is_empty() {
            want.insert("list".into(), Value::Array(chosen));
        }
        prop_assert_eq!(Value::Object(got), Value::Object(want));
    }
}
