//! Crash test with a real process: a child writes through PosixEnv and
//! prints each acknowledged write; the parent kills it with SIGKILL at a
//! random moment while it writes (up to half a second after its first
//! acknowledgement, however long it took to start), reopens the store
//! and checks that every write the child acknowledged with `sync` is
//! there, with a prefix of the rest (nothing older lost than something
//! newer kept).

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::mpsc::{self, RecvTimeoutError};
use std::time::{Duration, Instant};
use strata::store::{Db, Options, ReadOptions, WriteOptions};

/// The child runs when this variable names its store folder.
const CHILD_DIR_VARIABLE: &str = "STRATA_KILL_TEST_DIR";
/// Writes the child attempts (it is killed long before).
const CHILD_WRITES: usize = 1_000_000;
/// Kills per test run.
const ROUNDS: u64 = 4;

fn options() -> Options {
    Options {
        create_if_missing: true,
        write_buffer_size_bytes: 256 << 10,
        ..Options::default()
    }
}

fn key(index: usize) -> Vec<u8> {
    format!("key{index:08}").into_bytes()
}

fn value(index: usize) -> Vec<u8> {
    let length = if index.is_multiple_of(37) { 6000 } else { 120 };
    vec![b'a' + (index % 26) as u8; length]
}

fn synced(index: usize) -> bool {
    index.is_multiple_of(4)
}

/// The child's body: runs only inside the child process.
#[test]
fn child_writer_entry() {
    let Some(dir) = std::env::var_os(CHILD_DIR_VARIABLE) else {
        return;
    };
    let db = Db::open(Path::new(&dir), options()).expect("child open");
    let mut stdout = std::io::stdout().lock();
    for index in 0..CHILD_WRITES {
        let write = WriteOptions {
            sync: synced(index),
        };
        db.put(&write, &key(index), &value(index))
            .expect("child put");
        if synced(index) {
            use std::io::Write;
            writeln!(stdout, "synced {index}").expect("stdout");
            stdout.flush().expect("stdout");
        }
    }
}

/// How long the child may take to acknowledge its first write: it has to
/// start, create the store and sync once, which on a loaded machine (a
/// busy disk makes each fsync slow) can take seconds. A generous cap: the
/// wait ends at the first acknowledgement.
const FIRST_ACK_WAIT_MAX: Duration = Duration::from_secs(120);

/// Starts the child, waits for its first acknowledged write, lets it
/// write on for `delay`, kills it and returns the last synced write it
/// acknowledged. The kill lands while the child writes, never while it is
/// still starting, however slow the machine.
fn run_and_kill(dir: &Path, delay: Duration, round: u64) -> usize {
    let mut child = Command::new(std::env::current_exe().expect("test binary"))
        .args([
            "--exact",
            "child_writer_entry",
            "--nocapture",
            "--test-threads=1",
        ])
        .env(CHILD_DIR_VARIABLE, dir)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn child");
    let stdout = child.stdout.take().expect("piped stdout");
    let (first_sender, first_ack) = mpsc::channel();
    let reader = std::thread::spawn(move || {
        let mut first_sender = Some(first_sender);
        let mut last = None;
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            if let Some(index) = line.strip_prefix("synced ") {
                last = index.parse::<usize>().ok();
                if last.is_some()
                    && let Some(sender) = first_sender.take()
                {
                    let _ = sender.send(());
                }
            }
        }
        last
    });
    let started = Instant::now();
    let first = first_ack.recv_timeout(FIRST_ACK_WAIT_MAX);
    if first.is_ok() {
        std::thread::sleep(delay);
    }
    child.kill().expect("SIGKILL");
    let status = child.wait().expect("wait for the child");
    let last = reader.join().expect("reader thread");
    match (first, last) {
        (Ok(()), Some(last)) => last,
        (Err(RecvTimeoutError::Timeout), _) => panic!(
            "round {round}: the child acknowledged nothing in {:?}",
            started.elapsed()
        ),
        _ => panic!("round {round}: the child acknowledged nothing and ended: {status}"),
    }
}

fn check(dir: &Path, last_synced: usize, round: u64) {
    let db = Db::open(dir, options()).unwrap_or_else(|error| panic!("round {round}: {error}"));
    let read = ReadOptions::new();
    let mut present = 0;
    while let Some(found) = db.get(&read, &key(present)).expect("get") {
        assert_eq!(found, value(present), "round {round}: value {present}");
        present += 1;
    }
    println!("round {round}: {present} writes kept, last synced {last_synced}");
    assert!(
        present > last_synced,
        "round {round}: synced write {last_synced} lost ({present} kept)"
    );
    for index in present..present + 1000 {
        let found = db.get(&read, &key(index)).expect("get");
        assert!(
            found.is_none(),
            "round {round}: write {index} kept after a lost one"
        );
    }
}

fn temp_dir() -> PathBuf {
    std::env::temp_dir().join(format!("strata-kill-{}", std::process::id()))
}

#[test]
fn a_killed_writer_keeps_every_synced_write_and_a_prefix() {
    if std::env::var_os(CHILD_DIR_VARIABLE).is_some() {
        return;
    }
    let seed = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|elapsed| elapsed.as_millis() as u64)
        .unwrap_or(1);
    println!("a_killed_writer_keeps_every_synced_write_and_a_prefix: seed {seed}");
    for round in 0..ROUNDS {
        let dir = temp_dir();
        let _ = std::fs::remove_dir_all(&dir);
        let delay = Duration::from_millis(seed.wrapping_mul(round + 7) % 500);
        let last_synced = run_and_kill(&dir, delay, round);
        check(&dir, last_synced, round);
        let _ = std::fs::remove_dir_all(&dir);
    }
}
