//! Token Status List decoding (draft-ietf-oauth-status-list §4, §5): the compressed `lst`, the
//! `status` claim of a credential, and whole status list tokens against a key.
#![no_main]

use credentials::status::{StatusList, StatusRef, verify_status_list_token};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Some((&bits, rest)) = data.split_first() else { return };
    let text = passport_fuzz::text(rest);
    for bits in [1, 2, 4, 8, bits] {
        if let Ok(list) = StatusList::from_lst(bits, &text, 1 << 20) {
            let _ = list.status_at(u64::from(bits) * 7919);
            let _ = list.get(list.len().saturating_sub(1));
        }
    }
    if let Ok(claim) = serde_json::from_slice::<serde_json::Value>(rest) {
        let _ = StatusRef::from_claim(&claim);
    }
    let _ = StatusRef::peek(&text);
    let f = passport_fuzz::fixture();
    if let Ok(key) = credentials::jws::VerifyingKey::from_jwk(&f.world.holder_jwk()) {
        let _ =
            verify_status_list_token(&text, "https://rx1.passport.example.nhs.uk/status/1", &key, passport_fuzz::NOW);
    }
});
