//! The project's one source of seeded randomness and hashing, so that every split,
//! resample and assignment is reproducible from a seed and written once.
//!
//! - [`chacha`]: the ChaCha8 stream (`rand_chacha`) behind splits and the synthetic sample;
//!   its output is value-stable across `rand` versions, and the versions used are recorded
//!   in every bundle ([`crate::versions`]).
//! - [`SplitMix64`] and [`mix64`]: SplitMix64 (Steele, Lea & Flood 2014), a tiny generator for
//!   bootstrap resampling and a well-mixed hash of a row position for fold assignment.
//! - [`fnv1a`] and [`Fnv`]: 64-bit FNV-1a, for hashing lead ids (the pilot's arm assignment,
//!   whose values are frozen: a lead keeps its arm across versions) and as the hasher of
//!   [`FastMap`] (short string keys, where SipHash's DoS resistance buys nothing).

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;

/// The golden-ratio increment of SplitMix64 (2^64 / φ).
pub const GOLDEN: u64 = 0x9E37_79B9_7F4A_7C15;

/// ChaCha8 seeded with `seed`, positioned at the start of `stream` (0 for the default stream).
pub fn chacha(seed: u64, stream: u64) -> ChaCha8Rng {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    rng.set_stream(stream);
    rng
}

/// SplitMix64's output function: a bijective mix of all 64 bits.
pub fn mix64(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// One SplitMix64 step from state `z`: a seeded hash of `z` (e.g. a row position xor a seed).
pub fn splitmix(z: u64) -> u64 {
    mix64(z.wrapping_add(GOLDEN))
}

/// The SplitMix64 generator: tiny, fast, and good enough for resampling.
#[derive(Debug, Clone)]
pub struct SplitMix64(u64);

impl SplitMix64 {
    /// A generator seeded with `seed`.
    pub fn new(seed: u64) -> Self {
        SplitMix64(seed)
    }

    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(GOLDEN);
        mix64(self.0)
    }

    /// Uniform integer in `0..bound` (`bound > 0`), unbiased (Lemire 2019).
    pub fn below(&mut self, bound: u64) -> u64 {
        let mut wide = u128::from(self.next_u64()) * u128::from(bound);
        if (wide as u64) < bound {
            let threshold = bound.wrapping_neg() % bound;
            while (wide as u64) < threshold {
                wide = u128::from(self.next_u64()) * u128::from(bound);
            }
        }
        (wide >> 64) as u64
    }
}

/// FNV-1a's 64-bit offset basis: the state before any byte.
pub const FNV_OFFSET: u64 = 0xcbf2_9ce4_8422_2325;
const FNV_PRIME: u64 = 0x0000_0100_0000_01b3;

/// FNV-1a continued from state `h` over `bytes`.
pub fn fnv1a_from(mut h: u64, bytes: &[u8]) -> u64 {
    for &b in bytes {
        h = (h ^ u64::from(b)).wrapping_mul(FNV_PRIME);
    }
    h
}

/// 64-bit FNV-1a of `bytes`.
pub fn fnv1a(bytes: &[u8]) -> u64 {
    fnv1a_from(FNV_OFFSET, bytes)
}

/// FNV-1a as a [`Hasher`] (state 0 means "nothing written yet").
#[derive(Default, Clone, Copy)]
pub struct Fnv(u64);

impl Hasher for Fnv {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        self.0 = fnv1a_from(if self.0 == 0 { FNV_OFFSET } else { self.0 }, bytes);
    }
}

/// A hash map keyed by short strings, hashed with [`Fnv`].
pub type FastMap<K, V> = HashMap<K, V, BuildHasherDefault<Fnv>>;

#[cfg(test)]
mod tests {
    use rand::RngCore;

    use super::*;

    #[test]
    fn splitmix_reference_and_uniformity() {
        // First output for seed 0, from the reference C implementation (Vigna).
        assert_eq!(SplitMix64::new(0).next_u64(), 0xE220_A839_7B1D_CDAF);
        assert_eq!(splitmix(0), 0xE220_A839_7B1D_CDAF);
        let mut rng = SplitMix64::new(42);
        let mut counts = [0u32; 6];
        for _ in 0..60_000 {
            counts[rng.below(6) as usize] += 1;
        }
        assert!(counts.iter().all(|&c| (9_500..10_500).contains(&c)), "{counts:?}");
    }

    #[test]
    fn fnv1a_test_vectors_and_hasher_agree() {
        // Published FNV-1a test vectors.
        assert_eq!(fnv1a(b""), 0xcbf2_9ce4_8422_2325);
        assert_eq!(fnv1a(b"a"), 0xaf63_dc4c_8601_ec8c);
        assert_eq!(fnv1a(b"foobar"), 0x8594_4171_f739_67e8);
        let mut h = Fnv::default();
        h.write(b"foo");
        h.write(b"bar");
        assert_eq!(h.finish(), fnv1a(b"foobar"));
    }

    #[test]
    fn chacha_stream_zero_is_the_seeded_stream() {
        // Splits seed ChaCha8 without choosing a stream; chacha(seed, 0) must be that stream.
        let mut a = ChaCha8Rng::seed_from_u64(42);
        let mut b = chacha(42, 0);
        assert_eq!((a.next_u64(), a.next_u64()), (b.next_u64(), b.next_u64()));
    }
}
