//! A small seeded pseudo-random generator for the table tests (xorshift64*),
//! so a failing case can be replayed from its printed seed.

pub struct TestRng {
    state: u64,
}

impl TestRng {
    pub fn new(seed: u64) -> TestRng {
        TestRng {
            state: seed.wrapping_mul(0x9e37_79b9_7f4a_7c15) | 1,
        }
    }

    /// A seed from the clock, printed so the run can be replayed.
    pub fn from_clock(test: &str) -> TestRng {
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|elapsed| elapsed.as_nanos() as u64)
            .unwrap_or(1);
        let seed = std::env::var("STRATA_TEST_SEED")
            .ok()
            .and_then(|text| text.parse().ok())
            .unwrap_or(nanos);
        println!("{test}: seed {seed} (replay with STRATA_TEST_SEED={seed})");
        TestRng::new(seed)
    }

    pub fn next_u64(&mut self) -> u64 {
        self.state ^= self.state >> 12;
        self.state ^= self.state << 25;
        self.state ^= self.state >> 27;
        self.state.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    /// Uniform in `0..bound` (bound > 0).
    pub fn below(&mut self, bound: u64) -> u64 {
        assert!(bound > 0);
        self.next_u64() % bound
    }

    /// Random bytes of a length in `0..=length_max`, drawn from a small
    /// alphabet so keys share prefixes.
    pub fn key(&mut self, length_max: u64) -> Vec<u8> {
        let length = self.below(length_max + 1);
        (0..length)
            .map(|_| b"abcdx\x00\xff"[self.below(7) as usize])
            .collect()
    }
}
