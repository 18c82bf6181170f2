//! Seed arithmetic: every generated value comes from a ChaCha8 stream keyed by the run's seed and
//! the thing being generated (an organisation, a person's national serial number), never from a
//! shared stream. So a person is the same whichever organisation is generated first, in whatever
//! order or in parallel, and a generator can skip straight to any organisation.
//!
//! This module must not know what is being generated.

use rand::SeedableRng;
use rand::seq::SliceRandom;
use rand::{Rng, RngCore};
use rand_chacha::ChaCha8Rng;

/// SplitMix64 finaliser: a cheap, well-mixed hash of a 64-bit value.
pub(crate) fn mix(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// Independent purposes drawn from one seed get their own stream.
#[derive(Debug, Clone, Copy)]
#[repr(u64)]
pub(crate) enum Stream {
    Organisations = 1,
    Person = 2,
    EarlierEmployment = 3,
    Leaver = 4,
}

/// A stream for (`seed`, `purpose`, `key`).
pub(crate) fn stream(seed: u64, purpose: Stream, key: u64) -> ChaCha8Rng {
    let a = mix(seed ^ mix(purpose as u64));
    ChaCha8Rng::seed_from_u64(mix(a ^ mix(key.wrapping_add(0x5151))))
}

/// A 64-bit hash of (`seed`, `purpose`, `key`) for decisions that must be cheap (taken for every
/// person in the country when a plan is made).
pub(crate) fn hash(seed: u64, purpose: Stream, key: u64) -> u64 {
    mix(mix(seed ^ mix(purpose as u64)) ^ mix(key.wrapping_add(0x5151)))
}

/// Picks an item by integer weights.
pub(crate) fn weighted<'a, T>(rng: &mut impl RngCore, items: &'a [(T, u32)]) -> &'a T {
    let total: u32 = items.iter().map(|(_, w)| *w).sum();
    let mut pick = rng.gen_range(0..total.max(1));
    for (item, w) in items {
        if pick < *w {
            return item;
        }
        pick -= w;
    }
    &items[items.len() - 1].0
}

/// Picks one item uniformly.
pub(crate) fn one_of<'a, T>(rng: &mut impl RngCore, items: &'a [T]) -> &'a T {
    items.choose(rng).expect("non-empty table")
}

/// True with probability `percent` / 100.
pub(crate) fn chance(rng: &mut impl RngCore, percent: f64) -> bool {
    rng.gen_bool((percent / 100.0).clamp(0.0, 1.0))
}

/// A standard normal draw (Box–Muller), for log-normal organisation sizes.
pub(crate) fn normal(rng: &mut impl RngCore) -> f64 {
    let u1: f64 = rng.gen_range(f64::EPSILON..1.0);
    let u2: f64 = rng.r#gen();
    (-2.0 * u1.ln()).sqrt() * (std::f64::consts::TAU * u2).cos()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn streams_are_reproducible_and_independent() {
        let a: u64 = stream(7, Stream::Person, 1).r#gen();
        let b: u64 = stream(7, Stream::Person, 1).r#gen();
        let c: u64 = stream(7, Stream::Person, 2).r#gen();
        let d: u64 = stream(8, Stream::Person, 1).r#gen();
        assert_eq!(a, b);
        assert_ne!(a, c);
        assert_ne!(a, d);
    }

    #[test]
    fn weighted_never_picks_a_zero_weight() {
        let mut rng = stream(1, Stream::Organisations, 0);
        let items = [("a", 0), ("b", 5), ("c", 0)];
        for _ in 0..100 {
            assert_eq!(*weighted(&mut rng, &items), "b");
        }
    }
}
