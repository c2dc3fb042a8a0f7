//! Corruption tests: a flipped byte in a table, the WAL, the MANIFEST or
//! a value-log record is reported as a corruption error naming the file,
//! never returned as data.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use strata::store::env::{Env, MemEnv};
use strata::store::{Db, Options, ReadOptions, StoreError, WriteOptions};

const DIR: &str = "/db";
const KEYS: usize = 200;

fn options(env: &MemEnv) -> Options {
    Options {
        create_if_missing: true,
        env: Arc::new(env.clone()) as Arc<dyn Env>,
        ..Options::default()
    }
}

fn key(index: usize) -> Vec<u8> {
    format!("key{index:05}").into_bytes()
}

fn value(index: usize) -> Vec<u8> {
    format!("value-{index}-").repeat(10).into_bytes()
}

/// Writes the keys; with `flush`, compacts them into tables.
fn fill(env: &MemEnv, flush: bool) {
    let db = Db::open(DIR, options(env)).unwrap();
    for index in 0..KEYS {
        db.put(&WriteOptions::default(), &key(index), &value(index))
            .unwrap();
    }
    if flush {
        db.compact_range(None, None).unwrap();
    }
}

/// The one file of the store whose name ends with `suffix`, by size.
fn largest_file(env: &MemEnv, suffix: &str) -> PathBuf {
    let dir = Path::new(DIR);
    let mut files: Vec<PathBuf> = env
        .children(dir)
        .unwrap()
        .into_iter()
        .filter(|name| name.ends_with(suffix))
        .map(|name| dir.join(name))
        .collect();
    files.sort_by_key(|path| env.file_size(path).unwrap());
    files.pop().unwrap_or_else(|| panic!("no {suffix} file"))
}

fn flip_byte(env: &MemEnv, path: &Path, offset: usize) {
    let mut bytes = env.contents(path).unwrap();
    bytes[offset] ^= 0x40;
    env.set_contents(path, &bytes).unwrap();
}

fn names(error: &StoreError, suffix: &str) -> bool {
    matches!(error, StoreError::Corruption { file, .. } if file.to_string_lossy().contains(suffix))
}

#[test]
fn a_flipped_byte_in_a_table_is_a_corruption_naming_the_table() {
    let env = MemEnv::new();
    fill(&env, true);
    let table = largest_file(&env, ".ldb");
    flip_byte(&env, &table, 100);
    let db = Db::open(DIR, options(&env)).unwrap();
    let read = ReadOptions::new();
    let mut errors = 0;
    for index in 0..KEYS {
        match db.get(&read, &key(index)) {
            Ok(found) => assert_eq!(found, Some(value(index)), "wrong data for {index}"),
            Err(error) => {
                assert!(names(&error, ".ldb"), "{error}");
                errors += 1;
            }
        }
    }
    assert!(errors > 0, "the damaged block was never reported");
    let mut iter = db.iter(&read);
    iter.seek_to_first();
    while iter.valid() {
        iter.next();
    }
    let status = iter.status().expect_err("a scan meets the damage");
    assert!(names(&status, ".ldb"), "{status}");
}

#[test]
fn a_flipped_byte_in_the_wal_fails_a_paranoid_open_and_never_gives_wrong_data() {
    let env = MemEnv::new();
    fill(&env, false);
    let wal = largest_file(&env, ".log");
    flip_byte(&env, &wal, 2000);
    let paranoid = Options {
        paranoid_checks: true,
        ..options(&env)
    };
    let error = Db::open(DIR, paranoid).expect_err("paranoid open fails");
    assert!(names(&error, ".log"), "{error}");
    let db = Db::open(DIR, options(&env)).unwrap();
    let read = ReadOptions::new();
    let mut missing = 0;
    for index in 0..KEYS {
        match db.get(&read, &key(index)).unwrap() {
            Some(found) => assert_eq!(found, value(index), "wrong data for {index}"),
            None => missing += 1,
        }
    }
    assert!(missing > 0 && missing < KEYS, "{missing} keys missing");
}

#[test]
fn a_flipped_byte_in_the_manifest_fails_the_open_naming_it() {
    let env = MemEnv::new();
    fill(&env, true);
    let dir = Path::new(DIR);
    let names_in_dir = env.children(dir).unwrap();
    let name = names_in_dir
        .iter()
        .find(|name| name.starts_with("MANIFEST-"));
    let manifest = dir.join(name.expect("a MANIFEST"));
    flip_byte(&env, &manifest, 10);
    let error = Db::open(DIR, options(&env)).expect_err("open fails");
    assert!(names(&error, "MANIFEST"), "{error}");
}

#[test]
fn a_flipped_byte_in_a_value_log_record_is_a_corruption_naming_the_file() {
    let env = MemEnv::new();
    let big = vec![b'x'; 100_000];
    {
        let db = Db::open(DIR, options(&env)).unwrap();
        db.put(&WriteOptions { sync: true }, b"big", &big).unwrap();
        db.put(&WriteOptions::default(), b"small", b"s").unwrap();
        db.compact_range(None, None).unwrap();
    }
    let vlog = largest_file(&env, ".vlog");
    flip_byte(&env, &vlog, 90_000);
    let db = Db::open(DIR, options(&env)).unwrap();
    let error = db
        .get(&ReadOptions::new(), b"big")
        .expect_err("damaged value");
    assert!(names(&error, ".vlog"), "{error}");
    assert_eq!(
        db.get(&ReadOptions::new(), b"small").unwrap(),
        Some(b"s".to_vec())
    );
}
