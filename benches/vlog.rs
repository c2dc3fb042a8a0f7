//! Value-log microbench: append 1,000 values of 100 KiB (LevelDB's
//! fill100K value size) through the real file system, then read them back
//! whole, streamed through a `ValueReader`, and copied by GC. Prints
//! db_bench-style lines (`name : micros/op; MB/s`).
//!
//! Reads come from the page cache (the files were just written), so they
//! measure the format's overhead (crc32c, copies, syscalls), not the disk.
//!
//! Run with `cargo bench --bench vlog`; `--num N` and `--value_size B`
//! change the workload, `--dir D` where the files go.

use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Instant;
use strata::store::env::{Env, PosixEnv};
use strata::store::vlog::{
    ValuePointer, VlogError, VlogFile, VlogWriter, VlogWriterOptions, rewrite_live,
};

/// Values appended by default.
const NUM_DEFAULT: usize = 1_000;
/// Bytes per value by default (db_bench's fill100K).
const VALUE_BYTES_DEFAULT: usize = 100 * 1024;
/// Bytes the streaming reader asks for per `read` call.
const STREAM_CHUNK_BYTES: usize = 64 * 1024;

struct Flags {
    num: usize,
    value_bytes: usize,
    dir: PathBuf,
}

fn parse_flags() -> Flags {
    let mut flags = Flags {
        num: NUM_DEFAULT,
        value_bytes: VALUE_BYTES_DEFAULT,
        dir: std::env::temp_dir().join(format!("strata-vlog-bench-{}", std::process::id())),
    };
    let arguments: Vec<String> = std::env::args().skip(1).collect();
    for argument in &arguments {
        if let Some(value) = argument.strip_prefix("--num=") {
            flags.num = value.parse().expect("--num=N");
        } else if let Some(value) = argument.strip_prefix("--value_size=") {
            flags.value_bytes = value.parse().expect("--value_size=B");
        } else if let Some(value) = argument.strip_prefix("--dir=") {
            flags.dir = PathBuf::from(value);
        }
    }
    flags
}

fn report(name: &str, started: Instant, ops: usize, bytes: u64) {
    let seconds = started.elapsed().as_secs_f64();
    let micros_per_op = seconds * 1e6 / ops as f64;
    let megabytes_per_second = bytes as f64 / 1_048_576.0 / seconds;
    println!("{name:<12} : {micros_per_op:>11.3} micros/op; {megabytes_per_second:>6.1} MB/s");
}

fn numbers_from(first: u64) -> Box<dyn FnMut() -> u64 + Send> {
    let mut next = first;
    Box::new(move || {
        next += 1;
        next - 1
    })
}

fn append(env: &Arc<dyn Env>, flags: &Flags) -> Vec<ValuePointer> {
    let value: Vec<u8> = (0..flags.value_bytes)
        .map(|index| (index * 7) as u8)
        .collect();
    let options = VlogWriterOptions::default();
    let mut writer = VlogWriter::create(env.clone(), &flags.dir, options, numbers_from(1))
        .expect("create the value log");
    let started = Instant::now();
    let pointers: Vec<_> = (0..flags.num)
        .map(|index| {
            let key = format!("{index:016}");
            writer.add(key.as_bytes(), &value).expect("append")
        })
        .collect();
    writer.sync().expect("sync");
    report(
        "append100K",
        started,
        flags.num,
        (flags.num * flags.value_bytes) as u64,
    );
    pointers
}

fn read_whole(files: &[VlogFile], pointers: &[ValuePointer]) {
    let started = Instant::now();
    let mut bytes = 0;
    for pointer in pointers {
        let file = &files[pointer.file_number as usize - 1];
        bytes += file.get(pointer).expect("get").len() as u64;
    }
    report("get100K", started, pointers.len(), bytes);
}

fn read_streamed(files: &[VlogFile], pointers: &[ValuePointer]) {
    let started = Instant::now();
    let mut chunk = vec![0u8; STREAM_CHUNK_BYTES];
    let mut bytes = 0;
    for pointer in pointers {
        let file = &files[pointer.file_number as usize - 1];
        let mut reader = file.open_value(pointer).expect("open value");
        loop {
            let count = reader.read(&mut chunk).expect("read");
            if count == 0 {
                break;
            }
            bytes += count as u64;
        }
    }
    report("stream100K", started, pointers.len(), bytes);
}

fn rewrite(env: &Arc<dyn Env>, dir: &Path, files: &[VlogFile], value_bytes: u64) {
    let options = VlogWriterOptions::default();
    let mut writer = VlogWriter::create(env.clone(), dir, options, numbers_from(1_000_000))
        .expect("create the GC writer");
    let started = Instant::now();
    let mut moved = 0;
    for file in files {
        let mut everything_live =
            |_: &[u8], _: &ValuePointer| -> Result<bool, VlogError> { Ok(true) };
        moved += rewrite_live(file, &mut everything_live, &mut writer)
            .expect("rewrite")
            .len();
    }
    report("gc100K", started, moved, moved as u64 * value_bytes);
}

fn main() {
    let flags = parse_flags();
    let env: Arc<dyn Env> = Arc::new(PosixEnv);
    std::fs::create_dir_all(&flags.dir).expect("create the bench directory");
    println!(
        "Values:     {} bytes each, {} of them",
        flags.value_bytes, flags.num
    );
    println!("Directory:  {}", flags.dir.display());
    println!("------------------------------------------------");
    let pointers = append(&env, &flags);
    let last_file = pointers.last().map_or(1, |pointer| pointer.file_number);
    let files: Vec<VlogFile> = (1..=last_file)
        .map(|number| VlogFile::open(env.as_ref(), &flags.dir, number).expect("open"))
        .collect();
    read_whole(&files, &pointers);
    read_streamed(&files, &pointers);
    rewrite(&env, &flags.dir, &files, flags.value_bytes as u64);
    std::fs::remove_dir_all(&flags.dir).expect("remove the bench directory");
}
