//! Blob benchmarks against the targets, on the real binary
//! (`strata serve`, built with the bench profile) and the real store:
//!
//! - `file`: `curl -T` of a 1 GiB file to `PUT /api/file` on loopback,
//!   beside `openssl dgst -sha224` of the same file in the same round
//!   (target: at least half of openssl's speed); `GET /api/file/<ref>`
//!   with `curl -o /dev/null` (target: 1 GB/s); the server's peak resident
//!   memory, VmHWM (target: under 100 MiB). Each round uses a fresh store.
//!   Beside them, the disk's own synced write speed for the same bytes
//!   (`dd oflag=direct` and `dd conv=fdatasync` into `--dir`): the PUT
//!   is answered only once its bytes are synced, so it cannot beat them.
//! - `index`: `stat` of 1,000 refs and an `enumerate-blobs` page of 10,000
//!   on a store of 1,000,000 blobs (target: under 20 ms each), measured
//!   directly on `DbStorage` and over HTTP against `strata serve`. The
//!   store is built once through `DbStorage` (deferred receives from
//!   several threads, one sync), compacted, and kept in `--dir` for later
//!   runs.
//!
//! Run: `cargo bench --bench blob_bench` (needs `curl` and `openssl`).
//! Flags: `--scenarios=file,index`, `--file_size=BYTES` (1 GiB),
//! `--blobs=N` (1,000,000), `--rounds=N` (3), `--dir=D` (where the input
//! file and the stores live; default `$TMPDIR/strata-blob-bench`),
//! `--baseline=BIN`: another `strata` binary (a build of `main`, say)
//! measured in the same rounds, alternating with this one, so two builds
//! compare side by side on a shared machine. With `--dir` on tmpfs
//! (`/dev/shm/…`) the PUT measures the pipeline's own speed, no disk.
//! The machine is shared by server and client: compare ratios within one
//! run.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};
use strata::blob::{BlobRef, BlobStorage, DbStorage, data_store_dir};
use strata::util::splitmix::pseudo_random_bytes;

const MIB: u64 = 1024 * 1024;
const TOKEN: &str = "bench-token";
/// Refs per stat request, and blobs per enumerate page (the targets').
const STAT_REFS_COUNT: usize = 1000;
const ENUMERATE_PAGE_COUNT: usize = 10_000;
/// Timed repetitions of each index measurement (the median is printed).
const INDEX_REPEATS_COUNT: usize = 9;
/// Threads that build the index store.
const BUILD_THREADS_COUNT: u64 = 4;

struct Flags {
    scenarios: Vec<String>,
    file_bytes: u64,
    blobs: u64,
    rounds: usize,
    dir: PathBuf,
    /// Another `strata` binary measured beside this build's.
    baseline: Option<PathBuf>,
}

fn parse_flags() -> Flags {
    let mut flags = Flags {
        scenarios: vec!["file".into(), "index".into()],
        file_bytes: 1024 * MIB,
        blobs: 1_000_000,
        rounds: 3,
        dir: std::env::temp_dir().join("strata-blob-bench"),
        baseline: None,
    };
    for argument in std::env::args().skip(1) {
        if let Some(value) = argument.strip_prefix("--scenarios=") {
            flags.scenarios = value.split(',').map(str::to_owned).collect();
        } else if let Some(value) = argument.strip_prefix("--file_size=") {
            flags.file_bytes = value.parse().expect("--file_size=BYTES");
        } else if let Some(value) = argument.strip_prefix("--blobs=") {
            flags.blobs = value.parse().expect("--blobs=N");
        } else if let Some(value) = argument.strip_prefix("--rounds=") {
            flags.rounds = value.parse().expect("--rounds=N");
        } else if let Some(value) = argument.strip_prefix("--dir=") {
            flags.dir = PathBuf::from(value);
        } else if let Some(value) = argument.strip_prefix("--baseline=") {
            flags.baseline = Some(PathBuf::from(value));
        }
    }
    flags
}

fn main() {
    if std::env::args().any(|argument| argument == "--list" || argument == "--test") {
        return; // `cargo test --benches` runs benches as tests: nothing to do
    }
    let flags = parse_flags();
    std::fs::create_dir_all(&flags.dir).unwrap();
    if flags.scenarios.iter().any(|s| s == "file") {
        file_scenario(&flags);
    }
    if flags.scenarios.iter().any(|s| s == "index") {
        index_scenario(&flags);
    }
}

/// A `strata serve` child, killed when dropped.
struct Server {
    child: Child,
    address: SocketAddr,
}

/// This build's `strata`.
const THIS_BUILD: &str = env!("CARGO_BIN_EXE_strata");

impl Server {
    fn start(binary: &Path, data: &Path) -> Server {
        let mut child = Command::new(binary)
            .args(["serve", "--listen", "127.0.0.1:0", "--access-log", "off"])
            .args(["--token", TOKEN, "--data"])
            .arg(data)
            .stdout(Stdio::piped())
            .spawn()
            .unwrap();
        let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
        let address = loop {
            let line = lines.next().expect("serve printed its address").unwrap();
            if let Some(rest) = line.strip_prefix("listening on http://") {
                break rest.trim_end_matches('/').parse().unwrap();
            }
        };
        Server { child, address }
    }

    fn peak_resident_bytes(&self) -> u64 {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.child.id())).unwrap();
        let line = status
            .lines()
            .find(|line| line.starts_with("VmHWM:"))
            .unwrap();
        let kib: u64 = line.split_whitespace().nth(1).unwrap().parse().unwrap();
        kib * 1024
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The input file of `bytes` pseudo-random bytes, made once.
fn input_file(dir: &Path, bytes: u64) -> PathBuf {
    let path = dir.join(format!("input-{bytes}.bin"));
    if std::fs::metadata(&path).is_ok_and(|m| m.len() == bytes) {
        return path;
    }
    let mut file = std::io::BufWriter::new(std::fs::File::create(&path).unwrap());
    for index in 0..bytes.div_ceil(MIB) {
        let step = MIB.min(bytes - index * MIB) as usize;
        file.write_all(&pseudo_random_bytes(index + 7, step))
            .unwrap();
    }
    file.into_inner().unwrap().sync_all().unwrap();
    path
}

/// Runs `program args`, returning its stdout and the wall time taken.
fn timed(program: &str, args: &[&str]) -> (String, Duration) {
    let started = Instant::now();
    let output = Command::new(program).args(args).output().unwrap();
    let elapsed = started.elapsed();
    assert!(output.status.success(), "{program} {args:?}: {output:?}");
    (
        String::from_utf8_lossy(&output.stdout).into_owned(),
        elapsed,
    )
}

fn megabytes_per_second(bytes: u64, elapsed: Duration) -> f64 {
    bytes as f64 / 1e6 / elapsed.as_secs_f64()
}

fn median(values: &mut [f64]) -> f64 {
    values.sort_by(f64::total_cmp);
    values[values.len() / 2]
}

/// One build's figures in one round: PUT and GET MB/s, server peak bytes.
#[derive(Clone, Copy)]
struct BuildRound {
    put: f64,
    get: f64,
    peak: u64,
}

/// The builds to measure: this one, then the baseline if given.
fn builds(flags: &Flags) -> Vec<(&'static str, PathBuf)> {
    let mut builds = vec![("this build", PathBuf::from(THIS_BUILD))];
    if let Some(baseline) = &flags.baseline {
        builds.push(("baseline", baseline.clone()));
    }
    builds
}

/// `curl -T` of `input` to `PUT /api/file` and `GET` of it back, on a
/// fresh store served by `binary`.
fn put_and_get(flags: &Flags, binary: &Path, input: &Path, round: usize) -> BuildRound {
    let input_text = input.to_str().unwrap();
    let data = flags.dir.join(format!("file-round-{round}"));
    let _ = std::fs::remove_dir_all(&data);
    let server = Server::start(binary, &data);
    let base = format!("http://{}", server.address);
    let user = format!(":{TOKEN}");
    // The first request checks the token (600,000 PBKDF2 rounds): untimed.
    timed(
        "curl",
        &[
            "-sS",
            "-u",
            &user,
            "-o",
            "/dev/null",
            &format!("{base}/bs/camli/stat?camliversion=1"),
        ],
    );
    let put_url = format!("{base}/api/file");
    let put_args = ["-sS", "-u", &user, "-T", input_text, &put_url];
    let (answer, put) = timed("curl", &put_args);
    let file_ref = answer
        .split('"')
        .nth(3)
        .expect("a ref in the answer")
        .to_owned();
    let get_url = format!("{base}/api/file/{file_ref}");
    let get_args = ["-sS", "-u", &user, "-o", "/dev/null", &get_url];
    let (_, get) = timed("curl", &get_args);
    let peak = server.peak_resident_bytes();
    drop(server);
    let _ = std::fs::remove_dir_all(&data);
    BuildRound {
        put: megabytes_per_second(flags.file_bytes, put),
        get: megabytes_per_second(flags.file_bytes, get),
        peak,
    }
}

/// The disk's own speed for the same bytes: `dd` of `input` into
/// `--dir` with `oflag=direct` (16 MiB writes that bypass the page cache,
/// each on the medium when it returns), and with `conv=fdatasync` (into
/// the page cache, one sync at the end). A synced PUT cannot beat these.
fn disk_rates(flags: &Flags, input: &Path) -> (f64, f64) {
    let probe = flags.dir.join("dd-probe");
    let mut rates = [0.0; 2];
    for (rate, flag) in rates.iter_mut().zip(["oflag=direct", "conv=fdatasync"]) {
        let _ = std::fs::remove_file(&probe);
        let (input_arg, output_arg) = (
            format!("if={}", input.display()),
            format!("of={}", probe.display()),
        );
        let args = [
            input_arg.as_str(),
            &output_arg,
            "bs=16M",
            flag,
            "status=none",
        ];
        let (_, elapsed) = timed("dd", &args);
        *rate = megabytes_per_second(flags.file_bytes, elapsed);
    }
    let _ = std::fs::remove_file(&probe);
    (rates[0], rates[1])
}

/// One round of the file scenario: openssl's MB/s, the disk's, then each
/// build's.
fn file_round(flags: &Flags, input: &Path, round: usize) -> (f64, f64, Vec<BuildRound>) {
    let input_text = input.to_str().unwrap();
    let (_, openssl) = timed("openssl", &["dgst", "-sha224", input_text]);
    let openssl = megabytes_per_second(flags.file_bytes, openssl);
    let (direct, buffered) = disk_rates(flags, input);
    let mut line = format!(
        "round {round}: openssl dgst -sha224 {openssl:.0} MB/s; disk: dd oflag=direct \
         {direct:.0} MB/s, dd conv=fdatasync {buffered:.0} MB/s"
    );
    let mut figures = Vec::new();
    for (name, binary) in builds(flags) {
        let build = put_and_get(flags, &binary, input, round);
        line.push_str(&format!(
            "; {name}: curl -T PUT /api/file {:.0} MB/s ({:.2}x openssl, {:.2}x direct disk), \
             GET {:.0} MB/s, VmHWM {} MiB",
            build.put,
            build.put / openssl,
            build.put / direct,
            build.get,
            build.peak / MIB
        ));
        figures.push(build);
    }
    println!("{line}");
    (openssl, direct, figures)
}

fn file_scenario(flags: &Flags) {
    let input = input_file(&flags.dir, flags.file_bytes);
    println!(
        "file: {} MiB, {} rounds",
        flags.file_bytes / MIB,
        flags.rounds
    );
    let mut openssl = Vec::new();
    let mut direct = Vec::new();
    let mut rounds: Vec<Vec<BuildRound>> = Vec::new();
    for round in 0..flags.rounds {
        let (openssl_rate, direct_rate, figures) = file_round(flags, &input, round);
        openssl.push(openssl_rate);
        direct.push(direct_rate);
        rounds.push(figures);
    }
    let openssl = median(&mut openssl);
    let direct = median(&mut direct);
    for (index, (name, _)) in builds(flags).iter().enumerate() {
        let mut put: Vec<f64> = rounds.iter().map(|round| round[index].put).collect();
        let mut get: Vec<f64> = rounds.iter().map(|round| round[index].get).collect();
        let peak = rounds
            .iter()
            .map(|round| round[index].peak)
            .max()
            .unwrap_or(0);
        let (put, get) = (median(&mut put), median(&mut get));
        println!("{name}:");
        println!(
            "put_file    : {put:>7.0} MB/s vs openssl {openssl:.0} MB/s = {:.2}x (target >= 0.50x)",
            put / openssl
        );
        println!(
            "put_vs_disk : {put:>7.0} MB/s vs dd oflag=direct {direct:.0} MB/s = {:.2}x",
            put / direct
        );
        println!("get_file    : {get:>7.0} MB/s (target >= 1000 MB/s)");
        println!("server_peak : {:>7} MiB (target < 100 MiB)", peak / MIB);
    }
}

/// The bytes of index blob `index`.
fn index_blob(index: u64) -> Vec<u8> {
    format!("strata index bench blob {index}").into_bytes()
}

/// The store of `blobs` small blobs in `dir/index-N/store`, built once;
/// returns the data folder.
fn index_store(flags: &Flags) -> PathBuf {
    let data = flags.dir.join(format!("index-{}", flags.blobs));
    let marker = data.join("complete");
    if marker.is_file() {
        compact_once(&data);
        return data;
    }
    let _ = std::fs::remove_dir_all(&data);
    let storage = DbStorage::open(&data_store_dir(&data)).unwrap();
    let started = Instant::now();
    std::thread::scope(|scope| {
        for thread in 0..BUILD_THREADS_COUNT {
            let storage = &storage;
            scope.spawn(move || {
                let mut index = thread;
                while index < flags.blobs {
                    let bytes = index_blob(index);
                    storage
                        .receive_deferred(None, &mut &bytes[..], 1 << 20)
                        .unwrap();
                    index += BUILD_THREADS_COUNT;
                }
            });
        }
    });
    storage.sync().unwrap();
    println!(
        "index: built {} blobs in {:.1} s (deferred receives, {BUILD_THREADS_COUNT} threads)",
        flags.blobs,
        started.elapsed().as_secs_f64()
    );
    std::fs::write(&marker, b"").unwrap();
    drop(storage);
    compact_once(&data);
    data
}

/// Compacts the store of `data` fully, once: the figures are those of a
/// store at rest, not of one still merging the level-0 tables a bulk load
/// leaves behind (reads would check every one of them).
fn compact_once(data: &Path) {
    let marker = data.join("compacted");
    if marker.is_file() {
        return;
    }
    let storage = DbStorage::open(&data_store_dir(data)).unwrap();
    let started = Instant::now();
    storage.db().compact_range(None, None).unwrap();
    println!(
        "index: compacted in {:.1} s: {}",
        started.elapsed().as_secs_f64(),
        storage.db().level_summary()
    );
    std::fs::write(&marker, b"").unwrap();
}

/// `count` distinct refs of stored blobs picked from `seed`.
fn sample_refs(flags: &Flags, seed: u64, count: usize) -> Vec<BlobRef> {
    let picks = pseudo_random_bytes(seed, count * 8 * 4);
    let mut indexes: Vec<u64> = picks
        .chunks(8)
        .map(|eight| u64::from_le_bytes(eight.try_into().unwrap()) % flags.blobs)
        .collect();
    let mut seen = std::collections::HashSet::new();
    indexes.retain(|index| seen.insert(*index));
    assert!(indexes.len() >= count, "too few distinct blobs to sample");
    let picked = indexes[..count].iter();
    picked
        .map(|index| BlobRef::of_bytes(&index_blob(*index)))
        .collect()
}

/// Median milliseconds of `measure` over the repeats (each with its own
/// seed), after one untimed warm-up.
fn median_ms(mut measure: impl FnMut(u64) -> Duration) -> f64 {
    measure(0);
    let mut times: Vec<f64> = (1..=INDEX_REPEATS_COUNT as u64)
        .map(|seed| measure(seed).as_secs_f64() * 1e3)
        .collect();
    median(&mut times)
}

fn index_scenario(flags: &Flags) {
    let data = index_store(flags);
    let (stat_direct, enumerate_direct) = {
        let storage = DbStorage::open(&data_store_dir(&data)).unwrap();
        let stat = median_ms(|seed| {
            let refs = sample_refs(flags, seed, STAT_REFS_COUNT);
            let started = Instant::now();
            let found = storage.stat(&refs).unwrap();
            let elapsed = started.elapsed();
            assert_eq!(found.len(), refs.len());
            elapsed
        });
        let enumerate = median_ms(|seed| {
            let after = sample_refs(flags, seed + 1000, 1)[0];
            let started = Instant::now();
            let page = storage
                .enumerate(Some(&after), ENUMERATE_PAGE_COUNT)
                .unwrap();
            let elapsed = started.elapsed();
            assert!(!page.is_empty());
            elapsed
        });
        (stat, enumerate)
    };
    println!(
        "index: {} blobs; median of {INDEX_REPEATS_COUNT} runs",
        flags.blobs
    );
    println!("direct (DbStorage of this build):");
    println!("stat_1000       : {stat_direct:>6.2} ms (target < 20 ms)");
    println!("enumerate_10000 : {enumerate_direct:>6.2} ms (target < 20 ms)");
    // Two passes over the builds, the same refs in each: the first build
    // of the first pass would otherwise pay alone for reading the table
    // blocks into the page cache.
    for pass in 1..=2 {
        for (name, binary) in builds(flags) {
            let server = Server::start(&binary, &data);
            let stat_http = median_ms(|seed| stat_over_http(server.address, flags, seed));
            let enumerate_http = median_ms(|seed| enumerate_over_http(server.address, flags, seed));
            drop(server);
            println!("over HTTP, {name}, pass {pass}:");
            println!("stat_1000       : {stat_http:>6.2} ms (target < 20 ms)");
            println!("enumerate_10000 : {enumerate_http:>6.2} ms (target < 20 ms)");
        }
    }
}

/// Sends one request and reads the whole answer (Content-Length framed);
/// the time from the first byte sent to the last byte read.
fn http_exchange(address: SocketAddr, request: &[u8]) -> (Duration, Vec<u8>) {
    let mut stream = TcpStream::connect(address).unwrap();
    stream.set_nodelay(true).unwrap();
    let started = Instant::now();
    stream.write_all(request).unwrap();
    let mut answer = Vec::new();
    stream.read_to_end(&mut answer).unwrap();
    let elapsed = started.elapsed();
    assert!(
        answer.starts_with(b"HTTP/1.1 200"),
        "{}",
        String::from_utf8_lossy(&answer)
    );
    (elapsed, answer)
}

fn stat_over_http(address: SocketAddr, flags: &Flags, seed: u64) -> Duration {
    let refs = sample_refs(flags, seed + 2000, STAT_REFS_COUNT);
    let mut form = String::from("camliversion=1");
    for (index, blob_ref) in refs.iter().enumerate() {
        form.push_str(&format!("&blob{}={blob_ref}", index + 1));
    }
    let request = format!(
        "POST /bs/camli/stat HTTP/1.1\r\nHost: b\r\nAuthorization: Bearer {TOKEN}\r\n\
         Content-Type: application/x-www-form-urlencoded\r\nConnection: close\r\n\
         Content-Length: {}\r\n\r\n{form}",
        form.len()
    );
    let (elapsed, answer) = http_exchange(address, request.as_bytes());
    let listed = String::from_utf8_lossy(&answer).matches("blobRef").count();
    assert_eq!(listed, STAT_REFS_COUNT);
    elapsed
}

fn enumerate_over_http(address: SocketAddr, flags: &Flags, seed: u64) -> Duration {
    let after = sample_refs(flags, seed + 3000, 1)[0];
    let request = format!(
        "GET /bs/camli/enumerate-blobs?after={after}&limit={ENUMERATE_PAGE_COUNT} HTTP/1.1\r\n\
         Host: b\r\nAuthorization: Bearer {TOKEN}\r\nConnection: close\r\n\r\n"
    );
    let (elapsed, answer) = http_exchange(address, request.as_bytes());
    assert!(String::from_utf8_lossy(&answer).contains("blobRef"));
    elapsed
}
