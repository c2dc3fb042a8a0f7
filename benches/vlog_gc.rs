//! Value-log GC in the Db, through the real file system: how fast a pass
//! rewrites live data, and what background GC costs foreground writes.
//!
//! - `gc`: fills `--num` values of `--value_size` bytes (value-log files
//!   of `--file_mb` MiB), overwrites 60 % of the keys, then times one
//!   `Db::collect_value_log()`; prints db_bench-style lines, MB/s being
//!   live bytes rewritten per second and reclaimed bytes per second.
//! - `fillrandom` + `overwrite` (db_bench's workloads, random keys), with
//!   the background GC thread off and on, alternating `--runs` times, a
//!   fresh store each run; prints every run and the medians.
//!
//! Defaults: 100,000 values of 1 KiB, all in the value log
//! (`--value_log_threshold=1024`), files of 16 MiB. Run with
//! `cargo bench --bench vlog_gc -- --num=100000 --value_size=1024`.

use std::path::{Path, PathBuf};
use std::time::Instant;
use strata::store::{Db, Options, WriteOptions};

struct Flags {
    num: usize,
    value_bytes: usize,
    /// Values of at least this many bytes go to the value log.
    threshold_bytes: usize,
    file_bytes: u64,
    runs: usize,
    dir: PathBuf,
}

fn parse_flags() -> Flags {
    let mut flags = Flags {
        num: 100_000,
        value_bytes: 1024,
        threshold_bytes: 1024,
        file_bytes: 16 << 20,
        runs: 3,
        dir: std::env::temp_dir().join(format!("strata-vlog-gc-bench-{}", std::process::id())),
    };
    for argument in std::env::args().skip(1) {
        let (name, value) = argument.split_once('=').unwrap_or((&argument, ""));
        match name {
            "--num" => flags.num = value.parse().expect("--num=N"),
            "--value_size" => flags.value_bytes = value.parse().expect("--value_size=B"),
            "--value_log_threshold" => {
                flags.threshold_bytes = value.parse().expect("--value_log_threshold=B")
            }
            "--file_mb" => flags.file_bytes = value.parse::<u64>().expect("--file_mb=M") << 20,
            "--runs" => flags.runs = value.parse().expect("--runs=N"),
            "--db" => flags.dir = PathBuf::from(value),
            "--bench" => {}
            _ => eprintln!("unknown flag {argument}"),
        }
    }
    flags
}

/// db_bench's random generator: a 31-bit LCG (LevelDB's `Random`).
struct Random(u32);

impl Random {
    fn next(&mut self) -> u32 {
        let product = u64::from(self.0) * 16807;
        let mut seed = ((product >> 31) + (product & 0x7fff_ffff)) as u32;
        if seed > 0x7fff_ffff {
            seed -= 0x7fff_ffff;
        }
        self.0 = seed;
        seed
    }
}

fn open(flags: &Flags, background: bool) -> Db {
    let _ = std::fs::remove_dir_all(&flags.dir);
    let options = Options {
        create_if_missing: true,
        value_log_file_bytes_target: flags.file_bytes,
        value_log_threshold_bytes: flags.threshold_bytes,
        value_log_gc_background: background,
        ..Options::default()
    };
    Db::open(&flags.dir, options).expect("open the store")
}

fn value_of(flags: &Flags, key: usize, round: u32) -> Vec<u8> {
    let unit = format!("{key:016}{round:08}");
    unit.bytes().cycle().take(flags.value_bytes).collect()
}

/// Writes `flags.num` values at random keys; returns seconds.
fn fill_random(db: &Db, flags: &Flags, seed: u32, round: u32) -> f64 {
    let mut random = Random(seed);
    let started = Instant::now();
    for _ in 0..flags.num {
        let key = random.next() as usize % flags.num;
        let value = value_of(flags, key, round);
        db.put(
            &WriteOptions::default(),
            format!("{key:016}").as_bytes(),
            &value,
        )
        .expect("put");
    }
    started.elapsed().as_secs_f64()
}

fn line(name: &str, seconds: f64, ops: usize, bytes: u64) {
    let micros = seconds * 1e6 / ops.max(1) as f64;
    let megabytes = bytes as f64 / 1_048_576.0 / seconds;
    println!("{name:<12} : {micros:>11.3} micros/op; {megabytes:>6.1} MB/s");
}

fn gc_throughput(flags: &Flags) {
    let db = open(flags, false);
    for key in 0..flags.num {
        let value = value_of(flags, key, 0);
        db.put(
            &WriteOptions::default(),
            format!("{key:016}").as_bytes(),
            &value,
        )
        .expect("put");
    }
    let overwritten = flags.num * 6 / 10;
    for key in 0..overwritten {
        let value = value_of(flags, key, 1);
        db.put(
            &WriteOptions::default(),
            format!("{key:016}").as_bytes(),
            &value,
        )
        .expect("put");
    }
    let started = Instant::now();
    let report = db.collect_value_log().expect("gc");
    let seconds = started.elapsed().as_secs_f64();
    let records = report.records_relocated as usize;
    line("gc_rewrite", seconds, records, report.bytes_relocated);
    line("gc_reclaim", seconds, records, report.bytes_reclaimed);
    println!("  {report:?}");
    drop(db);
    let _ = std::fs::remove_dir_all(&flags.dir);
}

/// One fillrandom + overwrite run; returns (fill, overwrite) seconds.
fn foreground(flags: &Flags, background: bool, run: usize) -> (f64, f64) {
    let db = open(flags, background);
    let fill = fill_random(&db, flags, 301 + run as u32, 0);
    let overwrite = fill_random(&db, flags, 1001 + run as u32, 1);
    let summary = db.value_log_summary();
    let bytes = (flags.num * (flags.value_bytes + 16)) as u64;
    let label = if background { "gc on " } else { "gc off" };
    print!("{label} run {run}: ");
    line("fillrandom", fill, flags.num, bytes);
    print!("{label} run {run}: ");
    line("overwrite", overwrite, flags.num, bytes);
    println!("  {summary}");
    drop(db);
    let _ = std::fs::remove_dir_all(&flags.dir);
    (fill, overwrite)
}

fn median(mut values: Vec<f64>) -> f64 {
    values.sort_by(f64::total_cmp);
    values[values.len() / 2]
}

fn main() {
    let flags = parse_flags();
    std::fs::create_dir_all(flags.dir.parent().unwrap_or(Path::new("/tmp"))).ok();
    gc_throughput(&flags);
    let (mut off, mut on) = (Vec::new(), Vec::new());
    for run in 0..flags.runs {
        off.push(foreground(&flags, false, run));
        on.push(foreground(&flags, true, run));
    }
    let bytes = (flags.num * (flags.value_bytes + 16)) as u64;
    for (label, runs) in [("median gc off", &off), ("median gc on ", &on)] {
        let fill = median(runs.iter().map(|run| run.0).collect());
        let overwrite = median(runs.iter().map(|run| run.1).collect());
        print!("{label}: ");
        line("fillrandom", fill, flags.num, bytes);
        print!("{label}: ");
        line("overwrite", overwrite, flags.num, bytes);
    }
}
