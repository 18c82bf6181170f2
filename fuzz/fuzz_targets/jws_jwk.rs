//! Compact JWS parsing (RFC 7515) and JWKs (RFC 7517/7518/8037): header checks, key import,
//! thumbprints (RFC 7638) and signature checks against whatever key the input carries.
#![no_main]

use credentials::jws::{CompactJws, Jwk, VerifyingKey};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let input = passport_fuzz::text(data);
    if let Ok(jwk) = serde_json::from_slice::<Jwk>(data) {
        let _ = jwk.thumbprint();
        let _ = VerifyingKey::from_jwk(&jwk);
    }
    if let Ok(jws) = CompactJws::parse(&input) {
        let _ = jws.header_str("typ");
        // A JWS carrying its own key (a `jwk` header member, as KB-JWT and proofs do).
        if let Some(jwk) = jws.header.get("jwk").and_then(|v| serde_json::from_value::<Jwk>(v.clone()).ok())
            && let Ok(key) = VerifyingKey::from_jwk(&jwk)
        {
            let _ = jws.verify_with(&key);
        }
        let issuer = passport_fuzz::fixture().world.holder_jwk();
        if let Ok(key) = VerifyingKey::from_jwk(&issuer) {
            let _ = jws.verify_with(&key);
        }
    }
});
