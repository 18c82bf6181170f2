//! Every OpenID4VC parser that reads attacker-supplied input refuses rather than panics, on
//! arbitrary text and on near-valid input (a valid message with one character changed).

use credentials::oid4vc::form;
use credentials::oid4vc::proof::{NonceCheck, ProofExpectations, verify_proof_jwt};
use credentials::oid4vc::vci::{OfferLink, PreAuthorizedTokenRequest};
use credentials::oid4vc::vp::{AuthorizationResponse, ReceivedRequestObject, RequestLink};
use proptest::prelude::*;

fn all_parsers(text: &str) {
    let _ = form::parse(text);
    let _ = OfferLink::parse(text);
    let _ = PreAuthorizedTokenRequest::from_form(text);
    let _ = AuthorizationResponse::from_form(text);
    let _ = RequestLink::parse(text);
    if let Ok(r) = ReceivedRequestObject::parse(text) {
        let _ = r.request.validate(0);
        let _ = r.verify_did_jwk(text);
    }
    let expect = ProofExpectations::new("https://i.example", NonceCheck::Required, 0);
    let _ = verify_proof_jwt(text, &expect);
}

const SEEDS: &[&str] = &[
    "grant_type=urn%3Aietf%3Aparams%3Aoauth%3Agrant-type%3Apre-authorized_code&pre-authorized_code=abc&tx_code=1234",
    "vp_token=%7B%22dbs%22%3A%5B%22a~b~%22%5D%7D&state=s1",
    "openid-credential-offer://?credential_offer_uri=https%3A%2F%2Fi.example%2Fo%2F1",
    "openid4vp://?client_id=redirect_uri%3Ahttps%3A%2F%2Fv.example%2Fr&request_uri=https%3A%2F%2Fv.example%2Fq",
    "eyJhbGciOiJub25lIiwidHlwIjoib2F1dGgtYXV0aHotcmVxK2p3dCJ9.eyJyZXNwb25zZV90eXBlIjoidnBfdG9rZW4ifQ.",
];

proptest! {
    #[test]
    fn arbitrary_text_is_refused_without_panic(text in ".{0,200}") {
        all_parsers(&text);
    }

    #[test]
    fn one_changed_character_is_refused_without_panic(seed in 0..SEEDS.len(), pos in any::<prop::sample::Index>(), c in any::<char>()) {
        let mut chars: Vec<char> = SEEDS[seed].chars().collect();
        let i = pos.index(chars.len());
        chars[i] = c;
        all_parsers(&chars.into_iter().collect::<String>());
    }
}
