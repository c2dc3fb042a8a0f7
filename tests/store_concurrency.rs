//! Concurrency: readers, iterators and manual compactions while several
//! writers run. Every read must see a value consistent with its key, and
//! every key a writer has finished writing.

use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use strata::store::env::{Env, MemEnv};
use strata::store::{Db, Options, ReadOptions, WriteOptions};

const WRITERS: usize = 3;
const WRITES_PER_WRITER: usize = 5000;

fn key(writer: usize, index: usize) -> Vec<u8> {
    format!("w{writer}-{index:06}").into_bytes()
}

/// A value derived from its key, some past the value-log threshold.
fn value(writer: usize, index: usize) -> Vec<u8> {
    let length = if index % 50 == 7 {
        5000
    } else {
        100 + index % 200
    };
    vec![b'a' + ((writer + index) % 26) as u8; length]
}

/// The (writer, index) a key names.
fn parse(key: &[u8]) -> (usize, usize) {
    let text = std::str::from_utf8(key).unwrap();
    let (writer, index) = text[1..].split_once('-').unwrap();
    (writer.parse().unwrap(), index.parse().unwrap())
}

/// Gets keys the writers have finished, checking each value.
fn read_until_done(db: &Db, progress: &[AtomicUsize], done: &AtomicBool) {
    let mut round = 0usize;
    while !done.load(Ordering::Acquire) {
        round += 1;
        let writer = round % WRITERS;
        let written = progress[writer].load(Ordering::Acquire);
        if written > 0 {
            let index = (round * 7919) % written;
            let found = db.get(&ReadOptions::new(), &key(writer, index)).unwrap();
            assert_eq!(found, Some(value(writer, index)), "w{writer}-{index}");
        }
    }
}

/// Scans the whole store again and again: keys in order, values right.
fn scan_until_done(db: &Db, done: &AtomicBool) {
    while !done.load(Ordering::Acquire) {
        let mut iter = db.iter(&ReadOptions::new());
        iter.seek_to_first();
        let mut previous: Option<Vec<u8>> = None;
        while iter.valid() {
            let (writer, index) = parse(iter.key());
            assert_eq!(iter.value().unwrap(), value(writer, index));
            assert!(previous.as_deref() < Some(iter.key()), "keys out of order");
            previous = Some(iter.key().to_vec());
            iter.next();
        }
        iter.status().unwrap();
    }
}

fn compact_until_done(db: &Db, done: &AtomicBool) {
    while !done.load(Ordering::Acquire) {
        db.compact_range(None, None).unwrap();
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
}

#[test]
fn readers_and_iterators_see_consistent_data_while_writers_and_compactions_run() {
    let options = Options {
        create_if_missing: true,
        write_buffer_size_bytes: 64 << 10,
        env: Arc::new(MemEnv::new()) as Arc<dyn Env>,
        ..Options::default()
    };
    let db = Arc::new(Db::open(Path::new("/db"), options).unwrap());
    let progress: Arc<Vec<AtomicUsize>> =
        Arc::new((0..WRITERS).map(|_| AtomicUsize::new(0)).collect());
    let done = Arc::new(AtomicBool::new(false));
    std::thread::scope(|scope| {
        for writer in 0..WRITERS {
            let (db, progress) = (Arc::clone(&db), Arc::clone(&progress));
            scope.spawn(move || {
                for index in 0..WRITES_PER_WRITER {
                    let sync = WriteOptions {
                        sync: index % 100 == 0,
                    };
                    db.put(&sync, &key(writer, index), &value(writer, index))
                        .unwrap();
                    progress[writer].store(index + 1, Ordering::Release);
                }
            });
        }
        scope.spawn(|| read_until_done(&db, &progress, &done));
        scope.spawn(|| scan_until_done(&db, &done));
        scope.spawn(|| compact_until_done(&db, &done));
        while progress
            .iter()
            .any(|written| written.load(Ordering::Acquire) < WRITES_PER_WRITER)
        {
            std::thread::sleep(std::time::Duration::from_millis(5));
        }
        done.store(true, Ordering::Release);
    });
    for writer in 0..WRITERS {
        for index in 0..WRITES_PER_WRITER {
            let found = db.get(&ReadOptions::new(), &key(writer, index)).unwrap();
            assert_eq!(found, Some(value(writer, index)));
        }
    }
}
