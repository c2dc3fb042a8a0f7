//! LevelDB 1.23's db_bench workload over strata's store, exactly as
//! `/work/shared/bench/kvbench.cc` drives LevelDB, so the two print the
//! same lines side by side: 16-byte keys `%016d`, `--value_size` values
//! (100) from LevelDB's 1 MiB value generator, `--num` entries
//! (1,000,000), one thread, a fresh store for fillseq, fillsync,
//! fillrandom and fill100K, fillsync and fill100K at num/1000 operations.
//! One extra line, `fillsync4`, runs fillsync from 4 threads at once
//! (group commit: several writers share one fsync).
//!
//! Run: `cargo bench --bench db_bench -- --num=N --benchmarks=a,b --db=DIR`.
//! `--leveldb_options=1` runs with LevelDB's exact defaults instead of
//! ours (no bloom filter, an 8 MiB block cache; the write buffer, block
//! and file sizes are LevelDB's either way).

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Instant;
use strata::store::{Db, Options, ReadOptions, WriteBatch, WriteOptions};

const NUM_DEFAULT: usize = 1_000_000;
const VALUE_SIZE_DEFAULT_BYTES: usize = 100;
const BENCHMARKS_DEFAULT: &str = "fillseq,fillsync,fillrandom,overwrite,readrandom,readrandom,\
readseq,readreverse,compact,readrandom,readseq,readreverse,fill100K,crc32c,fillsync4";
/// Bytes of LevelDB's value generator buffer.
const VALUE_GENERATOR_BYTES: usize = 1 << 20;
/// Bytes of each fill100K value.
const FILL100K_VALUE_BYTES: usize = 100 * 1000;
/// Writers of the multi-threaded fillsync line.
const FILLSYNC_THREADS: usize = 4;
/// crc32c runs over this many bytes, 4 KiB per operation.
const CRC32C_TOTAL_BYTES: usize = 500 << 20;
const CRC32C_BLOCK_BYTES: usize = 4096;

/// LevelDB's `Random` (Park–Miller, multiplier 16807).
struct Random {
    seed: u32,
}

impl Random {
    fn new(seed: u32) -> Random {
        let mut seed = seed & 0x7fff_ffff;
        if seed == 0 || seed == 2_147_483_647 {
            seed = 1;
        }
        Random { seed }
    }

    fn next(&mut self) -> u32 {
        const MODULUS: u64 = 2_147_483_647;
        const MULTIPLIER: u64 = 16807;
        let product = u64::from(self.seed) * MULTIPLIER;
        let mut seed = (product >> 31) + (product & MODULUS);
        if seed > MODULUS {
            seed -= MODULUS;
        }
        self.seed = seed as u32;
        self.seed
    }

    fn uniform(&mut self, bound: usize) -> usize {
        self.next() as usize % bound
    }
}

/// LevelDB's value generator: 1 MiB of printable pseudo-random bytes
/// handed out in slices.
struct ValueGenerator {
    data: Vec<u8>,
    position: usize,
}

impl ValueGenerator {
    fn new() -> ValueGenerator {
        let mut random = Random::new(301);
        let data = (0..VALUE_GENERATOR_BYTES)
            .map(|_| b' ' + random.uniform(95) as u8)
            .collect();
        ValueGenerator { data, position: 0 }
    }

    fn generate(&mut self, length: usize) -> &[u8] {
        if self.position + length > self.data.len() {
            self.position = 0;
        }
        self.position += length;
        &self.data[self.position - length..self.position]
    }
}

struct Bench {
    num: usize,
    value_size_bytes: usize,
    benchmarks: String,
    dir: PathBuf,
    db: Option<Arc<Db>>,
    seed_counter: u32,
    leveldb_options: bool,
    /// `--use_existing_db=1`: keep the store in `--db` (LevelDB's flag),
    /// so read lines can be profiled against one prepared store.
    use_existing_db: bool,
    /// `--cache_size=N`: block cache bytes (LevelDB's flag); None keeps
    /// the store's default.
    cache_size_bytes: Option<usize>,
    /// `--reads=N`: operations of readrandom, readseq and readreverse
    /// (LevelDB's flag; None: `num`), for profiling a few reads.
    reads: Option<usize>,
    /// `--cpu_report=1`: after each line, print to stderr the CPU time it
    /// took (on a busy machine wall time swings; CPU time much less).
    cpu_report: bool,
}

/// LevelDB's default block cache (8 MiB), for `--leveldb_options=1`.
const LEVELDB_BLOCK_CACHE_BYTES: usize = 8 << 20;

fn report(name: &str, seconds: f64, done: usize, bytes: f64, message: &str) {
    let mut extra = String::new();
    if bytes > 0.0 {
        extra = format!("{:6.1} MB/s", bytes / 1_048_576.0 / seconds);
    }
    if !message.is_empty() {
        if !extra.is_empty() {
            extra.push(' ');
        }
        extra.push_str(message);
    }
    let separator = if extra.is_empty() { "" } else { " " };
    let micros = seconds * 1e6 / done as f64;
    println!("{name:<12} : {micros:>11.3} micros/op;{separator}{extra}");
}

/// Bytes of a benchmark key.
const KEY_BYTES: usize = 16;

/// The key `%016d` of `index`, formatted on the stack as the C driver's
/// `snprintf` into a char array does (no allocation per operation).
fn key(index: usize) -> [u8; KEY_BYTES] {
    let mut key = [b'0'; KEY_BYTES];
    let mut rest = index;
    for digit in key.iter_mut().rev() {
        *digit = b'0' + (rest % 10) as u8;
        rest /= 10;
    }
    assert!(rest == 0, "key index {index} has more than 16 digits");
    key
}

impl Bench {
    fn from_args() -> Bench {
        let mut bench = Bench {
            num: NUM_DEFAULT,
            value_size_bytes: VALUE_SIZE_DEFAULT_BYTES,
            benchmarks: BENCHMARKS_DEFAULT.to_string(),
            dir: std::env::temp_dir().join("strata-db-bench"),
            db: None,
            seed_counter: 0,
            leveldb_options: false,
            use_existing_db: false,
            cache_size_bytes: None,
            cpu_report: false,
            reads: None,
        };
        for arg in std::env::args().skip(1) {
            if let Some(value) = arg.strip_prefix("--num=") {
                bench.num = value.parse().expect("--num=N");
            } else if let Some(value) = arg.strip_prefix("--value_size=") {
                bench.value_size_bytes = value.parse().expect("--value_size=N");
            } else if let Some(value) = arg.strip_prefix("--db=") {
                bench.dir = PathBuf::from(value);
            } else if let Some(value) = arg.strip_prefix("--leveldb_options=") {
                bench.leveldb_options = value == "1";
            } else if let Some(value) = arg.strip_prefix("--use_existing_db=") {
                bench.use_existing_db = value == "1";
            } else if let Some(value) = arg.strip_prefix("--cache_size=") {
                bench.cache_size_bytes = Some(value.parse().expect("--cache_size=N"));
            } else if let Some(value) = arg.strip_prefix("--reads=") {
                bench.reads = Some(value.parse().expect("--reads=N"));
            } else if let Some(value) = arg.strip_prefix("--cpu_report=") {
                bench.cpu_report = value == "1";
            } else if let Some(value) = arg.strip_prefix("--benchmarks=") {
                bench.benchmarks = value.to_string();
            } else if arg != "--bench" {
                eprintln!("unknown flag {arg}");
                std::process::exit(1);
            }
        }
        bench
    }

    fn open(&mut self, fresh: bool) {
        self.db = None;
        if fresh && !self.use_existing_db {
            let _ = std::fs::remove_dir_all(&self.dir);
        }
        let mut options = Options {
            create_if_missing: true,
            ..Options::default()
        };
        if self.leveldb_options {
            options.bloom_bits_per_key = 0;
            options.block_cache_capacity_bytes = LEVELDB_BLOCK_CACHE_BYTES;
        }
        if let Some(bytes) = self.cache_size_bytes {
            options.block_cache_capacity_bytes = bytes;
        }
        match Db::open(&self.dir, options) {
            Ok(db) => self.db = Some(Arc::new(db)),
            Err(error) => {
                eprintln!("open error: {error}");
                std::process::exit(1);
            }
        }
    }

    fn db(&self) -> &Db {
        self.db.as_ref().expect("the store is open")
    }

    fn write(&mut self, name: &str, sequential: bool, num: usize, value_bytes: usize, sync: bool) {
        let mut random = Random::new(1000 + self.seed_counter);
        self.seed_counter += 1;
        let mut values = ValueGenerator::new();
        let options = WriteOptions { sync };
        let mut bytes = 0.0;
        let start = Instant::now();
        for index in 0..num {
            let number = if sequential {
                index
            } else {
                random.uniform(self.num)
            };
            let key = key(number);
            let mut batch = WriteBatch::new();
            batch.put(&key, values.generate(value_bytes));
            bytes += (value_bytes + key.len()) as f64;
            if let Err(error) = self.db().write(&options, batch) {
                eprintln!("put error: {error}");
                std::process::exit(1);
            }
        }
        let message = if num < self.num {
            format!("({num} ops)")
        } else {
            String::new()
        };
        report(name, start.elapsed().as_secs_f64(), num, bytes, &message);
    }

    /// Operations of a read line: `--reads`, else `--num`.
    fn reads(&self) -> usize {
        self.reads.unwrap_or(self.num)
    }

    fn read_random(&mut self) {
        let mut random = Random::new(1000 + self.seed_counter);
        self.seed_counter += 1;
        let read = ReadOptions::new();
        let mut found = 0;
        let reads = self.reads();
        let start = Instant::now();
        for _ in 0..reads {
            let key = key(random.uniform(self.num));
            if matches!(self.db().get(&read, &key), Ok(Some(_))) {
                found += 1;
            }
        }
        let message = format!("({found} of {reads} found)");
        report(
            "readrandom",
            start.elapsed().as_secs_f64(),
            reads,
            0.0,
            &message,
        );
    }

    fn read_sequential(&self, reverse: bool) {
        let mut iter = self.db().iter(&ReadOptions::new());
        let (mut done, mut bytes) = (0, 0.0);
        let reads = self.reads();
        let start = Instant::now();
        if reverse {
            iter.seek_to_last()
        } else {
            iter.seek_to_first()
        }
        while done < reads && iter.valid() {
            let value_bytes = iter.value_ref().map_or(0, |value| value.len());
            bytes += (iter.key().len() + value_bytes) as f64;
            done += 1;
            if reverse { iter.prev() } else { iter.next() }
        }
        let name = if reverse { "readreverse" } else { "readseq" };
        report(name, start.elapsed().as_secs_f64(), done.max(1), bytes, "");
    }

    fn compact(&self) {
        let start = Instant::now();
        if let Err(error) = self.db().compact_range(None, None) {
            eprintln!("compact error: {error}");
        }
        report("compact", start.elapsed().as_secs_f64(), 1, 0.0, "");
    }

    /// fillsync from several threads at once, num/1000 writes each.
    fn fillsync_threads(&mut self) {
        self.open(true);
        let per_thread = (self.num / 1000).max(1);
        let (num, value_bytes) = (self.num, self.value_size_bytes);
        // Values are made before the clock starts: each thread's
        // generator costs a 1 MiB fill, not part of the write path.
        let generators: Vec<ValueGenerator> = (0..FILLSYNC_THREADS)
            .map(|_| ValueGenerator::new())
            .collect();
        let start = Instant::now();
        std::thread::scope(|scope| {
            for (thread, mut values) in generators.into_iter().enumerate() {
                let db = Arc::clone(self.db.as_ref().expect("open"));
                scope.spawn(move || {
                    let mut random = Random::new(2000 + thread as u32);
                    for _ in 0..per_thread {
                        let key = key(random.uniform(num));
                        let value = values.generate(value_bytes);
                        db.put(&WriteOptions { sync: true }, &key, value)
                            .expect("put");
                    }
                });
            }
        });
        let total = per_thread * FILLSYNC_THREADS;
        let bytes = (total * (value_bytes + 16)) as f64;
        let message = format!("({total} ops, {FILLSYNC_THREADS} threads)");
        report(
            "fillsync4",
            start.elapsed().as_secs_f64(),
            total,
            bytes,
            &message,
        );
    }
}

fn crc32c() {
    let data = vec![b'x'; CRC32C_BLOCK_BYTES];
    let (mut bytes, mut operations, mut crc) = (0, 0, 0);
    let start = Instant::now();
    while bytes < CRC32C_TOTAL_BYTES {
        crc = strata::util::crc32c::value(&data);
        operations += 1;
        bytes += data.len();
    }
    let message = format!("(4K per op) [{crc:08x}]");
    report(
        "crc32c",
        start.elapsed().as_secs_f64(),
        operations,
        bytes as f64,
        &message,
    );
}

/// CPU time so far: of this (the benchmark's) thread, from
/// `/proc/thread-self/schedstat` (nanoseconds on a CPU), and of the whole
/// process with its background thread, from `/proc/self/stat` (utime and
/// stime, in clock ticks of 10 ms). Zero where /proc is missing.
struct CpuTime {
    thread_ns: u64,
    process_ticks: u64,
}

/// Clock ticks per second of `/proc/self/stat` (USER_HZ on Linux).
const CLOCK_TICKS_PER_SECOND: u64 = 100;

impl CpuTime {
    fn now() -> CpuTime {
        let schedstat = std::fs::read_to_string("/proc/thread-self/schedstat").unwrap_or_default();
        let thread_ns = schedstat
            .split_whitespace()
            .next()
            .and_then(|field| field.parse().ok())
            .unwrap_or(0);
        let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
        // Fields after the command name (which may hold spaces) close
        // with ')'; utime and stime are fields 14 and 15 of the line.
        let after_name = stat.rsplit_once(')').map_or("", |(_, rest)| rest);
        let fields: Vec<&str> = after_name.split_whitespace().collect();
        let tick = |index: usize| fields.get(index).and_then(|f| f.parse::<u64>().ok());
        let process_ticks = tick(11).unwrap_or(0) + tick(12).unwrap_or(0);
        CpuTime {
            thread_ns,
            process_ticks,
        }
    }

    fn report_since(&self, before: &CpuTime, name: &str) {
        let thread_ms = (self.thread_ns - before.thread_ns) as f64 / 1e6;
        let process_ms =
            ((self.process_ticks - before.process_ticks) * 1000 / CLOCK_TICKS_PER_SECOND) as f64;
        eprintln!("cpu {name:<12} : thread {thread_ms:10.1} ms; process {process_ms:10.0} ms");
    }
}

fn run(bench: &mut Bench, name: &str) {
    let (num, value_bytes) = (bench.num, bench.value_size_bytes);
    match name {
        "fillseq" => {
            bench.open(true);
            bench.write("fillseq", true, num, value_bytes, false);
        }
        "fillsync" => {
            bench.open(true);
            bench.write("fillsync", false, num / 1000, value_bytes, true);
        }
        "fillrandom" => {
            bench.open(true);
            bench.write("fillrandom", false, num, value_bytes, false);
        }
        "overwrite" => bench.write("overwrite", false, num, value_bytes, false),
        "readrandom" => bench.read_random(),
        "readseq" => bench.read_sequential(false),
        "readreverse" => bench.read_sequential(true),
        "compact" => bench.compact(),
        "fill100K" => {
            bench.open(true);
            bench.write("fill100K", false, num / 1000, FILL100K_VALUE_BYTES, false);
        }
        "crc32c" => crc32c(),
        "fillsync4" => bench.fillsync_threads(),
        _ => eprintln!("unknown benchmark {name}"),
    }
}

fn main() {
    let mut bench = Bench::from_args();
    let which = if bench.leveldb_options {
        "LevelDB's options"
    } else {
        "its own defaults"
    };
    println!("strata:     store (db_bench workload, std-only Rust, {which})");
    println!("Keys:       16 bytes each");
    println!("Values:     {} bytes each", bench.value_size_bytes);
    println!("Entries:    {}", bench.num);
    println!("------------------------------------------------");
    bench.open(true);
    let names: Vec<String> = bench.benchmarks.split(',').map(str::to_string).collect();
    for name in names.iter().filter(|name| !name.is_empty()) {
        let before = CpuTime::now();
        run(&mut bench, name);
        if bench.cpu_report {
            CpuTime::now().report_since(&before, name);
        }
    }
    bench.db = None;
}
