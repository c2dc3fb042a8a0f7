//! Throughput of the rolling checksum and of the chunker over 256 MiB of
//! pseudo-random data, in MB/s (10^6 bytes per second), best of a few
//! rounds, per CPU second (this thread's scheduler time, immune to other
//! load on a shared machine) and wall clock.
//!
//! Lines:
//! - `rollsum roll`: the reference, one byte at a time through the ring.
//! - `rollsum scan`: the fast path, rolling every byte and stopping at
//!   every split (what a chunker without skipping would cost).
//! - `chunker`: the whole chunker over an in-memory reader, which skips
//!   the first 64 KiB of each chunk where no cut is allowed.
//! - `chunker+sha224`: the same, naming every chunk (the work of a PUT).
//!
//! Run with `cargo bench --bench chunker`. The target is 2 GB/s.

use std::hint::black_box;
use std::time::{Duration, Instant};
use strata::blob::BlobRef;
use strata::blob::chunker::Chunker;
use strata::blob::rollsum::{RollSum, WINDOW_BYTES};

/// The input: 256 MiB.
const INPUT_BYTES: usize = 256 << 20;
/// Rounds per measurement; the best is reported.
const ROUNDS: usize = 5;

fn main() {
    let data = pseudo_random_bytes(1, INPUT_BYTES);
    report("rollsum roll", &data, 2, roll_every_byte);
    report("rollsum scan", &data, ROUNDS, scan_every_split);
    report("chunker", &data, ROUNDS, |data| chunk(data, false));
    report("chunker+sha224", &data, 2, |data| chunk(data, true));
}

fn report(name: &str, data: &[u8], rounds: usize, work: impl Fn(&[u8]) -> u64) {
    let mut best_wall = Duration::MAX;
    let mut best_cpu = Duration::MAX;
    let mut answer = 0;
    for _ in 0..rounds {
        let cpu_start = thread_cpu_time();
        let start = Instant::now();
        answer = black_box(work(black_box(data)));
        best_wall = best_wall.min(start.elapsed());
        if let (Some(before), Some(after)) = (cpu_start, thread_cpu_time()) {
            best_cpu = best_cpu.min(after - before);
        }
    }
    let megabytes = data.len() as f64 / 1e6;
    let cpu = if best_cpu == Duration::MAX {
        String::from("n/a")
    } else {
        format!("{:.0}", megabytes / best_cpu.as_secs_f64())
    };
    println!(
        "{name:<16} {:>4} MiB: {cpu:>6} MB/s per CPU second, {:>6.0} MB/s wall clock \
         (best of {rounds}; {answer} cuts)",
        data.len() >> 20,
        megabytes / best_wall.as_secs_f64(),
    );
}

fn roll_every_byte(data: &[u8]) -> u64 {
    let mut sums = RollSum::new();
    let mut splits = 0;
    for &byte in data {
        sums.roll(byte);
        splits += u64::from(sums.on_split());
    }
    splits
}

fn scan_every_split(data: &[u8]) -> u64 {
    let window = data[..WINDOW_BYTES].try_into().expect("64 bytes");
    let mut sums = RollSum::from_window(window);
    let mut from = WINDOW_BYTES;
    let mut splits = 0;
    while let Some(end) = sums.scan(data, from) {
        splits += 1;
        from = end;
    }
    splits
}

fn chunk(data: &[u8], hash: bool) -> u64 {
    let mut chunker = Chunker::new(data);
    let mut chunks = 0;
    while let Some(chunk) = chunker.next_chunk().expect("in-memory read") {
        if hash {
            black_box(BlobRef::of_bytes(chunk.bytes));
        }
        chunks += 1;
    }
    chunks
}

use strata::util::splitmix::pseudo_random_bytes;

/// CPU time this thread has used (the first field of its schedstat, in
/// nanoseconds); `None` where /proc does not offer it.
fn thread_cpu_time() -> Option<Duration> {
    let text = std::fs::read_to_string("/proc/thread-self/schedstat").ok()?;
    let nanos: u64 = text.split_whitespace().next()?.parse().ok()?;
    Some(Duration::from_nanos(nanos))
}
