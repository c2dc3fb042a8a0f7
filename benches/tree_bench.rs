//! The tree's read costs (issue 5's targets), on a DbStorage over the
//! in-memory Env (no fsync: the build is not what is measured):
//!
//! - `list_10k@…`: a folder of 10,000 files, listed as of several times
//!   (target < 10 ms over HTTP: `benches/list.sh`); `list_10k+json` adds
//!   the stat and the JSON body that `GET /api/fs/<folder>/` writes;
//! - `history_1k`: the history of a file with 1,000 versions (< 10 ms);
//! - `big list@early` / `big list@now`: one folder of 1,000 files in a
//!   store of 100,000 nodes and 1,000,000 claims, listed as of a time
//!   before most claims and as of now. `@early` is measured twice: when
//!   the store holds only the claims up to then, and again after the rest
//!   are added (and after a compaction, which drops the older version of
//!   each row a later claim closed): the same rows are read, so claims
//!   dated after T cost nothing.
//!
//! Lines read like db_bench's: `name : N ms/op; detail`. Run with
//! `cargo bench --bench tree_bench`; `STRATA_TREE_BENCH_CLAIMS` sets the
//! big store's claim count (default 1,000,000; nodes are a tenth).

use std::hint::black_box;
use std::sync::Arc;
use std::time::{Duration, Instant};
use strata::blob::BlobRef;
use strata::blob::db_storage::DbStorage;
use strata::fs::{Backend, Tree, TreeOptions, TreePath, latest};
use strata::schema::attributes::{
    CAMLI_CONTENT, CAMLI_NODE_TYPE, NODE_TYPE_DIRECTORY, STRATA_PLACE,
};
use strata::schema::{ClaimBuilder, Permanode, Place};
use strata::store::Options;
use strata::store::env::{Env, MemEnv};
use strata::util::rfc3339::Timestamp;
use strata::web::listing_body::ListingBody;

/// Rounds per measurement; the best is reported.
const ROUNDS: usize = 20;
/// Files in a folder of the big store.
const FILES_PER_FOLDER: usize = 1_000;

fn main() {
    let arguments: Vec<String> = std::env::args().collect();
    if arguments.iter().any(|a| a == "--test" || a == "--list") {
        return;
    }
    let claims = std::env::var("STRATA_TREE_BENCH_CLAIMS")
        .ok()
        .and_then(|text| text.parse().ok())
        .unwrap_or(1_000_000usize);
    list_10k();
    history_1k();
    big_store(claims);
}

fn signer() -> BlobRef {
    BlobRef::of_bytes(b"strata owner")
}

fn open_tree(name: &str) -> Tree {
    let options = Options {
        create_if_missing: true,
        env: Arc::new(MemEnv::new()) as Arc<dyn Env>,
        ..Options::default()
    };
    let dir = std::env::temp_dir().join(format!("strata-tree-bench-{name}-{}", std::process::id()));
    let storage = DbStorage::open_with_options(&dir, options).unwrap();
    let _ = std::fs::remove_dir_all(&dir);
    let backend: Arc<dyn Backend> = Arc::new(storage);
    let options = TreeOptions {
        time: Box::new(|| time(1)),
        ..TreeOptions::default()
    };
    Tree::open(backend, options).unwrap()
}

fn time(micros: i64) -> Timestamp {
    Timestamp::new(
        1_000_000_000 + micros / 1_000_000,
        (micros % 1_000_000) as u32 * 1_000,
    )
    .unwrap()
}

fn path(text: &str) -> TreePath {
    TreePath::parse(text).unwrap()
}

/// Stores a permanode and returns its ref.
fn node(tree: &Tree, nonce: &str) -> BlobRef {
    let bytes = Permanode::new(nonce, signer()).unwrap().to_canonical();
    tree.store_blob(bytes.as_bytes()).unwrap()
}

fn place(parent: BlobRef, name: &str) -> String {
    Place::new(parent, name).unwrap().encode()
}

/// A made-up content ref: its size reads as 0 (no schema blob), which
/// costs the reads nothing.
fn content(index: usize) -> String {
    BlobRef::of_bytes(format!("content {index}").as_bytes()).to_string()
}

/// A folder node placed as `name` in `parent` at `date`.
fn folder(tree: &Tree, parent: BlobRef, name: &str, date: Timestamp) -> BlobRef {
    let folder = node(tree, name);
    let claim = ClaimBuilder::new(signer(), date)
        .set_attribute(folder, CAMLI_NODE_TYPE, NODE_TYPE_DIRECTORY)
        .set_attribute(folder, STRATA_PLACE, &place(parent, name))
        .build()
        .unwrap();
    tree.store_blob(claim.to_canonical().as_bytes()).unwrap();
    folder
}

/// A file node placed as `name` in `parent` with content, at `date`.
fn file(tree: &Tree, parent: BlobRef, name: &str, index: usize, date: Timestamp) -> BlobRef {
    let file = node(tree, &format!("{parent}/{name}"));
    let claim = ClaimBuilder::new(signer(), date)
        .set_attribute(file, STRATA_PLACE, &place(parent, name))
        .set_attribute(file, CAMLI_CONTENT, &content(index))
        .build()
        .unwrap();
    tree.store_blob(claim.to_canonical().as_bytes()).unwrap();
    file
}

fn set_content(tree: &Tree, file: BlobRef, index: usize, date: Timestamp) {
    let claim = ClaimBuilder::new(signer(), date)
        .set_attribute(file, CAMLI_CONTENT, &content(index))
        .build()
        .unwrap();
    tree.store_blob(claim.to_canonical().as_bytes()).unwrap();
}

/// This thread's CPU time (scheduler time: immune to other load on a
/// shared machine), when the system tells it.
fn thread_cpu_time() -> Option<Duration> {
    let text = std::fs::read_to_string("/proc/thread-self/schedstat").ok()?;
    let nanos: u64 = text.split_whitespace().next()?.parse().ok()?;
    Some(Duration::from_nanos(nanos))
}

/// Wall clock of the best of `ROUNDS` runs, and CPU time per run over
/// all of them (the scheduler's count is too coarse for one short run).
struct Took {
    wall: Duration,
    cpu: Option<Duration>,
}

/// The best of `ROUNDS` runs of `work`, and its last answer.
fn best<T>(mut work: impl FnMut() -> T) -> (Took, T) {
    let mut took = Took {
        wall: Duration::MAX,
        cpu: None,
    };
    let mut answer = None;
    for _ in 0..ROUNDS {
        let cpu_start = thread_cpu_time();
        let start = Instant::now();
        answer = Some(black_box(work()));
        took.wall = took.wall.min(start.elapsed());
        if let (Some(before), Some(after)) = (cpu_start, thread_cpu_time()) {
            let cpu = after - before;
            took.cpu = Some(took.cpu.map_or(cpu, |best: Duration| best.min(cpu)));
        }
    }
    (took, answer.expect("at least one round"))
}

fn line(name: &str, took: Took, detail: &str) {
    // The scheduler's count moves in steps: a zero means "below a step".
    let cpu = match took.cpu {
        Some(cpu) if !cpu.is_zero() => format!("{:.3}", cpu.as_secs_f64() * 1e3),
        _ => "n/a".to_owned(),
    };
    println!(
        "{name:<36}: {:>8.3} ms/op wall, {cpu:>8} ms/op CPU; {detail}",
        took.wall.as_secs_f64() * 1e3
    );
}

fn list_10k() {
    let tree = open_tree("list");
    let started = Instant::now();
    let big = folder(&tree, tree.root(), "big", time(10));
    for index in 0..10_000 {
        file(
            &tree,
            big,
            &format!("file-{index:05}.txt"),
            index,
            time(100 + index as i64),
        );
    }
    println!(
        "built a folder of 10,000 files in {:.1} s",
        started.elapsed().as_secs_f64()
    );
    let db = tree.backend().db();
    let options = strata::store::ReadOptions::new();
    let (took, count) = best(|| {
        let mut cursor = db.iter(&options);
        cursor.seek(b"xf");
        let mut count = 0;
        while cursor.valid() && cursor.key() < &b"xg"[..] {
            count += cursor.value().unwrap().len();
            cursor.next();
        }
        count
    });
    line(
        "raw_scan_xf (floor: the Db alone)",
        took,
        &format!("{count} bytes"),
    );
    for (label, at) in [
        ("25%", time(2_600)),
        ("50%", time(5_100)),
        ("100%", time(10_100)),
        ("now", latest()),
    ] {
        let (took, entries) = best(|| tree.list(&path("/big"), at).unwrap().len());
        line(
            &format!("list_10k@{label}"),
            took,
            &format!("{entries} entries"),
        );
    }
    // What `GET /api/fs/big/?at=T` computes before and while it sends:
    // the stat, the listing and every byte of its JSON.
    let (took, bytes) = best(|| {
        let big = path("/big");
        let folder = tree.stat(&big, time(10_100)).unwrap();
        let entries = tree.list(&big, time(10_100)).unwrap();
        let body = ListingBody::new(&big, &folder, Some(time(10_100)), entries);
        body.into_string().unwrap().len()
    });
    line(
        "list_10k+json@100%",
        took,
        &format!("{bytes} bytes of JSON"),
    );
}

fn history_1k() {
    let tree = open_tree("history");
    let file = file(&tree, tree.root(), "a.txt", 0, time(10));
    for version in 1..1_000 {
        set_content(&tree, file, version, time(10 + version as i64));
    }
    let (took, events) = best(|| tree.history(&path("/a.txt"), latest()).unwrap().len());
    line("history_1k", took, &format!("{events} events"));
    let (took, _) = best(|| tree.open_file(&path("/a.txt"), time(500)).unwrap());
    line("open_file@version_490", took, "one version of 1,000");
}

fn big_store(claims: usize) {
    let tree = open_tree("big");
    let nodes = claims / 10;
    let folders = (nodes / FILES_PER_FOLDER).max(1);
    let started = Instant::now();
    let mut files = Vec::with_capacity(nodes);
    let mut clock = 10;
    for folder_index in 0..folders {
        let parent = folder(
            &tree,
            tree.root(),
            &format!("f{folder_index:03}"),
            time(clock),
        );
        clock += 1;
        for index in 0..FILES_PER_FOLDER {
            files.push(file(
                &tree,
                parent,
                &format!("{index:04}.txt"),
                files.len(),
                time(clock),
            ));
            clock += 1;
        }
    }
    let early = time(clock);
    let made = folders + files.len();
    println!(
        "built {made} nodes, {made} claims in {:.1} s",
        started.elapsed().as_secs_f64()
    );
    let probe = path(&format!("/f{:03}", folders / 2));
    let (took, entries) = best(|| tree.list(&probe, early).unwrap().len());
    line(
        &format!("big list@early ({made} claims)"),
        took,
        &format!("{entries} entries"),
    );
    let later = claims.saturating_sub(made);
    let started = Instant::now();
    for index in 0..later {
        clock += 1;
        set_content(&tree, files[index % files.len()], made + index, time(clock));
    }
    let total = made + later;
    println!(
        "added {later} later claims in {:.1} s",
        started.elapsed().as_secs_f64()
    );
    let (took, entries) = best(|| tree.list(&probe, early).unwrap().len());
    line(
        &format!("big list@early ({total} claims)"),
        took,
        &format!("{entries} entries"),
    );
    // Each early segment row was closed once by a later claim: until a
    // compaction, the Db's iterator steps over that older version too.
    tree.backend().db().compact_range(None, None).unwrap();
    let (took, entries) = best(|| tree.list(&probe, early).unwrap().len());
    let label = format!("big list@early ({total} claims, compacted)");
    line(&label, took, &format!("{entries} entries"));
    let (took, entries) = best(|| tree.list(&probe, latest()).unwrap().len());
    line(
        &format!("big list@now ({total} claims)"),
        took,
        &format!("{entries} entries, each with its history"),
    );
    let probe_file = path(&format!("/f{:03}/0500.txt", folders - 1));
    let (took, _) = best(|| tree.stat(&probe_file, latest()).unwrap());
    line("big stat@now", took, "resolve a path and read its node");
}
