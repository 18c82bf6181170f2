//! DCQL queries (OpenID4VP 1.0 §6) as a verifier or wallet receives them: JSON into the query
//! model, validation, credential-set options, and matching against a held credential.
#![no_main]

use credentials::oid4vc::dcql::DcqlQuery;
use credentials::oid4vc::matching::HeldCredential;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(query) = serde_json::from_slice::<DcqlQuery>(data) else { return };
    if query.validate().is_err() {
        return;
    }
    let _ = query.effective_sets();
    for c in &query.credentials {
        let _ = c.claim_options();
        let _ = c.holder_binding_required();
    }
    let f = passport_fuzz::fixture();
    if let Ok(held) = HeldCredential::parse(&f.issued) {
        let _ = credentials::oid4vc::matching::select(&query, std::slice::from_ref(&held));
    }
});
