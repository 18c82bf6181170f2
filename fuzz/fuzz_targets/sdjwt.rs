//! SD-JWT parsing (RFC 9901 §4): splitting, disclosures, the unverified payload and its paths, and
//! presenting a subset again. Must never panic, whatever the input.
#![no_main]

use credentials::sdjwt::{Disclosure, SdJwt, split};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let input = passport_fuzz::text(data);
    let _ = split(&input);
    for part in input.split('~') {
        let _ = Disclosure::parse(part);
    }
    if let Ok(sd) = SdJwt::parse(&input) {
        let _ = sd.unverified_payload();
        if let Ok(paths) = sd.paths() {
            let picked: Vec<usize> = (0..paths.len()).step_by(2).collect();
            let _ = sd.present_indices(&picked, None);
        }
    }
});
