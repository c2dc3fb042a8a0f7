//! SHA-224 throughput over 16 KiB blocks, printed in the shape of
//! `openssl speed -evp sha224` (thousands of bytes per second) so the two
//! compare at a glance.
//!
//! `openssl speed` divides by the CPU time it used (wall-clock time only
//! with `-elapsed`), so on a shared machine it is immune to other load. This
//! bench prints both: bytes per second of this thread's CPU time (read from
//! `/proc/thread-self/schedstat`, comparable with plain `openssl speed`) and
//! of wall-clock time (comparable with `openssl speed -elapsed`).
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
/// How long each backend is measured in total.
const RUN_DURATION_MS: u64 = 3_000;
/// How long one round lasts; the best round is reported too.
const ROUND_DURATION_MS: u64 = 250;
/// Calls between two looks at the clock.
const CALLS_PER_CHECK: u64 = 16;

fn main() {
    let block: Vec<u8> = (0..BLOCK_BYTES).map(|i| (i * 31 + 7) as u8).collect();
    let detected = Backend::detect();
    println!("sha224 backend detected: {detected:?}");
    for backend in [Backend::ShaNi, Backend::Portable] {
        if backend == Backend::ShaNi && detected != Backend::ShaNi {
            continue;
        }
        let cpu_start = thread_cpu_time();
        let measured = measure(backend, &block);
        let cpu = cpu_start
            .zip(thread_cpu_time())
            .map(|(start, end)| end - start);
        let average = measured.bytes / measured.elapsed.as_secs_f64();
        let best = measured.best_round_bytes_per_second;
        if let Some(cpu) = cpu {
            let per_cpu_second = measured.bytes / cpu.as_secs_f64();
            println!(
                "sha224 {backend:?} {BLOCK_BYTES} bytes, per CPU second: {:.2}k ({:.1} MB/s)",
                per_cpu_second / 1e3,
                per_cpu_second / 1e6
            );
        }
        println!(
            "sha224 {backend:?} {BLOCK_BYTES} bytes, wall clock: {:.2}k average, {:.2}k best \
             round ({:.1} / {:.1} MB/s)",
            average / 1e3,
            best / 1e3,
            average / 1e6,
            best / 1e6
        );
    }
    time_pbkdf2();
}

struct Measurement {
    bytes: f64,
    elapsed: Duration,
    best_round_bytes_per_second: f64,
}

/// One-shot SHA-224 over `block`, again and again for RUN_DURATION_MS.
fn measure(backend: Backend, block: &[u8]) -> Measurement {
    let run_start = Instant::now();
    let mut total_calls = 0u64;
    let mut best = 0f64;
    while run_start.elapsed() < Duration::from_millis(RUN_DURATION_MS) {
        let (calls, elapsed) = round(backend, block);
        total_calls += calls;
        best = best.max(calls as f64 * block.len() as f64 / elapsed.as_secs_f64());
    }
    Measurement {
        bytes: total_calls as f64 * block.len() as f64,
        elapsed: run_start.elapsed(),
        best_round_bytes_per_second: best,
    }
}

fn round(backend: Backend, block: &[u8]) -> (u64, Duration) {
    let start = Instant::now();
    let mut calls = 0u64;
    while start.elapsed() < Duration::from_millis(ROUND_DURATION_MS) {
        for _ in 0..CALLS_PER_CHECK {
            let mut hasher = Sha224::with_backend(backend);
            hasher.update(black_box(block));
            black_box(hasher.finalize());
        }
        calls += CALLS_PER_CHECK;
    }
    (calls, start.elapsed())
}

/// CPU time this thread has used, from the scheduler's statistics (its
/// first field, in nanoseconds); `None` where /proc does not offer it.
fn thread_cpu_time() -> Option<Duration> {
    let text = std::fs::read_to_string("/proc/thread-self/schedstat").ok()?;
    let nanos: u64 = text.split_whitespace().next()?.parse().ok()?;
    Some(Duration::from_nanos(nanos))
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
