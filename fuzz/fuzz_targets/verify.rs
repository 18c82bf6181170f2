//! The presentation verifier end to end, against a fixed trust list and status list. The first
//! byte picks what the rest is: a whole presentation (0), or what follows the genuine issuer JWT
//! (1: disclosures and KB-JWT after a good signature), or a tail after the genuine disclosures
//! (2: the KB-JWT alone).
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Some((&mode, rest)) = data.split_first() else { return };
    let f = passport_fuzz::fixture();
    let rest = passport_fuzz::text(rest);
    let input = match mode % 3 {
        0 => rest.into_owned(),
        1 => {
            let jwt = f.presentation.split('~').next().unwrap_or_default();
            format!("{jwt}~{rest}")
        }
        _ => {
            let without_kb = &f.presentation[..=f.presentation.rfind('~').unwrap_or(0)];
            format!("{without_kb}{rest}")
        }
    };
    let _ = f.world.verify(&input);
});
