//! Test helpers shared by the store's unit tests: a seeded random source
//! whose seed is printed, so a failing run can be replayed with
//! `STRATA_TEST_SEED=<seed>`.

/// SplitMix64: small, fast, good enough to drive tests.
pub struct Random {
    state: u64,
}

impl Random {
    pub fn new(seed: u64) -> Random {
        Random { state: seed }
    }

    /// Seeded from `STRATA_TEST_SEED` or the clock; prints the seed.
    pub fn from_env(test_name: &str) -> Random {
        let seed = std::env::var("STRATA_TEST_SEED")
            .ok()
            .and_then(|text| text.parse().ok())
            .unwrap_or_else(|| {
                let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH);
                now.map(|elapsed| elapsed.as_nanos() as u64).unwrap_or(1)
            });
        println!("{test_name}: STRATA_TEST_SEED={seed}");
        Random::new(seed)
    }

    pub fn next_u64(&mut self) -> u64 {
        self.state = self.state.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut mixed = self.state;
        mixed = (mixed ^ (mixed >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        mixed = (mixed ^ (mixed >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        mixed ^ (mixed >> 31)
    }

    /// Uniform in `0..bound`. REQUIRES: bound > 0.
    pub fn uniform(&mut self, bound: u64) -> u64 {
        assert!(bound > 0);
        self.next_u64() % bound
    }

    /// Picks `0..2^k` for a random k below `bits_max` (LevelDB's Skewed).
    pub fn skewed(&mut self, bits_max: u32) -> u64 {
        let bits = self.uniform(u64::from(bits_max) + 1) as u32;
        self.uniform(1 << bits)
    }

    pub fn bytes(&mut self, length: usize) -> Vec<u8> {
        (0..length).map(|_| self.next_u64() as u8).collect()
    }
}

/// Bytes as lowercase hex pairs separated by spaces, as FORMAT.md shows
/// its worked examples.
pub fn hex(bytes: &[u8]) -> String {
    let pairs: Vec<String> = bytes.iter().map(|byte| format!("{byte:02x}")).collect();
    pairs.join(" ")
}

/// Whether FORMAT.md shows `bytes` (as `hex`) somewhere.
pub fn format_doc_shows(bytes: &[u8]) -> bool {
    include_str!("FORMAT.md").contains(&hex(bytes))
}
