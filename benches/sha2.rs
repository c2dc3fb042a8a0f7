//! SHA-224 throughput over 16 KiB blocks, printed in the shape of
//! `openssl speed -evp sha224` so the two compare at a glance.
//!
//! Also times one PBKDF2-HMAC-SHA256 derivation at the recommended
//! iteration count, the cost of checking the owner's token once.
//!
//! Run with `cargo bench --bench sha2`; compare with
//! `openssl speed -evp sha224 -bytes 16384` on the same machine.

use std::hint::black_box;
use std::time::{Duration, Instant};
use strata::util::pbkdf2::{ITERATIONS_RECOMMENDED, pbkdf2_hmac_sha256};
use strata::util::sha2::{Backend, Sha224};

/// Bytes hashed per call, as openssl's largest default block size.
const BLOCK_BYTES: usize = 16 * 1024;
/// How long each measurement runs.
const RUN_DURATION_MS: u64 = 3_000;

fn main() {
    let block: Vec<u8> = (0..BLOCK_BYTES).map(|i| (i * 31 + 7) as u8).collect();
    let detected = Backend::detect();
    println!("sha224 backend detected: {detected:?}");
    for backend in [Backend::ShaNi, Backend::Portable] {
        if backend == Backend::ShaNi && detected != Backend::ShaNi {
            continue;
        }
        let (calls, elapsed) = measure(backend, &block);
        let bytes = calls as f64 * BLOCK_BYTES as f64;
        let megabytes_per_second = bytes / elapsed.as_secs_f64() / 1e6;
        println!(
            "sha224 {backend:?}: {calls} {BLOCK_BYTES}-byte blocks in {:.2}s: \
             {:.2}k bytes/s ({megabytes_per_second:.1} MB/s)",
            elapsed.as_secs_f64(),
            bytes / elapsed.as_secs_f64() / 1000.0,
        );
    }
    time_pbkdf2();
}

fn time_pbkdf2() {
    let mut key = [0u8; 32];
    let start = Instant::now();
    pbkdf2_hmac_sha256(b"token", b"salt", ITERATIONS_RECOMMENDED, &mut key)
        .expect("valid parameters");
    black_box(key);
    println!(
        "pbkdf2-hmac-sha256 {ITERATIONS_RECOMMENDED} iterations: {:.1} ms",
        start.elapsed().as_secs_f64() * 1000.0
    );
}

/// Hashes `block` one-shot repeatedly for RUN_DURATION_MS.
fn measure(backend: Backend, block: &[u8]) -> (u64, Duration) {
    let run = Duration::from_millis(RUN_DURATION_MS);
    let start = Instant::now();
    let mut calls = 0u64;
    while start.elapsed() < run {
        for _ in 0..64 {
            let mut hasher = Sha224::with_backend(backend);
            hasher.update(black_box(block));
            black_box(hasher.finalize());
        }
        calls += 64;
    }
    (calls, start.elapsed())
}
