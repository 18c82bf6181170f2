//! Shared fixtures of the fuzz targets: the credential crate's own test world (one trusted issuer,
//! a holder, a status list, a fixed clock), built once per process, and a valid presentation to
//! mutate from, so the fuzzer reaches the checks that come after a good signature.

#[allow(dead_code, clippy::all)]
#[path = "../../crates/credentials/tests/common/mod.rs"]
mod common;

use std::sync::OnceLock;

pub use common::{AUD, NONCE, NOW, World};

pub struct Fixture {
    pub world: World,
    /// An issued credential (issuer JWT and all disclosures, no KB-JWT).
    pub issued: String,
    /// A valid presentation of part of it, with a KB-JWT.
    pub presentation: String,
}

pub fn fixture() -> &'static Fixture {
    static F: OnceLock<Fixture> = OnceLock::new();
    F.get_or_init(|| {
        let world = World::new();
        let issued = world.issued();
        let presentation = world.presentation();
        assert!(world.verify(&presentation).is_ok(), "the fixture presentation verifies");
        Fixture { world, issued, presentation }
    })
}

/// Input bytes as text, lossily (every parser under test takes text).
pub fn text(data: &[u8]) -> std::borrow::Cow<'_, str> {
    String::from_utf8_lossy(data)
}
