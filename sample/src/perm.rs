//! A seeded permutation of `0..n` in O(1) memory.
//!
//! Record `i` takes its HER-SYS ID and its (name, birthday) slot from `perm(i)`. Because a
//! permutation never repeats, IDs are unique and no two clean records share a name and birthday
//! (so `identity/` rules stay silent on clean data) without remembering what was handed out.

/// splitmix64's finaliser: a cheap, well-mixed 64-bit hash.
pub(crate) fn mix(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// A balanced Feistel network over the smallest even power of two that covers `0..n`, with
/// cycle walking to stay inside `0..n`.
#[derive(Clone, Debug)]
pub(crate) struct Permutation {
    n: u64,
    half_bits: u32,
    keys: [u64; 4],
}

impl Permutation {
    pub(crate) fn new(n: u64, seed: u64) -> Permutation {
        assert!(n > 0, "a permutation needs a non-empty domain");
        let bits = (64 - (n - 1).leading_zeros()).max(2);
        let half_bits = bits.div_ceil(2);
        let mut k = mix(seed);
        let keys = [0u64; 4].map(|_| {
            k = mix(k);
            k
        });
        Permutation { n, half_bits, keys }
    }

    fn round(&self, x: u64) -> u64 {
        let mask = (1u64 << self.half_bits) - 1;
        let (mut l, mut r) = (x >> self.half_bits, x & mask);
        for key in self.keys {
            let f = mix(r ^ key) & mask;
            (l, r) = (r, l ^ f);
        }
        (l << self.half_bits) | r
    }

    /// The image of `i` (taken modulo `n`).
    pub(crate) fn apply(&self, i: u64) -> u64 {
        let mut x = i % self.n;
        loop {
            x = self.round(x);
            if x < self.n {
                return x;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn is_a_permutation() {
        for n in [1u64, 2, 3, 7, 100, 1000, 4097] {
            let p = Permutation::new(n, 42);
            let mut seen = vec![false; n as usize];
            for i in 0..n {
                let x = p.apply(i) as usize;
                assert!(!seen[x], "n={n}: {x} twice");
                seen[x] = true;
            }
        }
    }
}
