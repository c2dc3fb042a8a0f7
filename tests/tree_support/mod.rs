//! A tree on a real Db (in the in-memory Env, so it can be reopened) and
//! in-memory blobs, with a hand-set clock: what every tree test starts
//! from.

#![allow(dead_code, reason = "each test file uses a different part")]

use std::path::Path;
use std::sync::{Arc, Mutex};
use strata::blob::file_reader::read_range;
use strata::blob::{BlobRef, MemoryStorage};
use strata::fs::{Backend, MemoryBackend, Tree, TreeOptions, TreePath};
use strata::store::env::{Env, MemEnv};
use strata::store::{Db, Options};
use strata::util::rfc3339::Timestamp;

pub struct Fixture {
    env: Arc<MemEnv>,
    pub blobs: Arc<MemoryStorage>,
    pub db: Arc<Db>,
    clock: Arc<Mutex<Timestamp>>,
    pub tree: Tree,
}

/// `seconds` after the epoch, exactly.
pub fn time(seconds: i64) -> Timestamp {
    Timestamp::new(seconds, 0).unwrap()
}

pub fn path(text: &str) -> TreePath {
    TreePath::parse(text).unwrap()
}

fn open_db(env: &Arc<MemEnv>) -> Arc<Db> {
    let options = Options {
        create_if_missing: true,
        write_buffer_size_bytes: 256 << 10,
        env: env.clone() as Arc<dyn Env>,
        ..Options::default()
    };
    Arc::new(Db::open(Path::new("/tree"), options).unwrap())
}

fn open_tree(db: &Arc<Db>, blobs: &Arc<MemoryStorage>, clock: &Arc<Mutex<Timestamp>>) -> Tree {
    let backend: Arc<dyn Backend> = Arc::new(MemoryBackend::new(db.clone(), blobs.clone()));
    let source = clock.clone();
    let options = TreeOptions {
        time: Box::new(move || *source.lock().unwrap()),
        ..TreeOptions::default()
    };
    Tree::open(backend, options).unwrap()
}

impl Fixture {
    /// A fresh store whose clock reads `start`; the root is made then.
    pub fn new(start: Timestamp) -> Fixture {
        let env = Arc::new(MemEnv::new());
        let blobs = Arc::new(MemoryStorage::new());
        let db = open_db(&env);
        let clock = Arc::new(Mutex::new(start));
        let tree = open_tree(&db, &blobs, &clock);
        Fixture {
            env,
            blobs,
            db,
            clock,
            tree,
        }
    }

    pub fn set_time(&self, at: Timestamp) {
        *self.clock.lock().unwrap() = at;
    }

    /// Closes the Db and opens everything again from what it stored.
    pub fn reopen(self) -> Fixture {
        let Fixture {
            env,
            blobs,
            db,
            clock,
            tree,
        } = self;
        drop(tree);
        db.close();
        drop(db);
        let db = open_db(&env);
        let tree = open_tree(&db, &blobs, &clock);
        Fixture {
            env,
            blobs,
            db,
            clock,
            tree,
        }
    }

    /// The bytes of the file content `content`.
    pub fn bytes_of(&self, content: &BlobRef, size: u64) -> Vec<u8> {
        let mut out = Vec::new();
        read_range(&*self.blobs, content, 0, size, &mut out).unwrap();
        out
    }

    /// The bytes of the file at `text` at `at`, or None when absent.
    pub fn read(&self, text: &str, at: Timestamp) -> Option<Vec<u8>> {
        let version = self.tree.open_file(&path(text), at).ok()?;
        Some(match version.content {
            Some(content) => self.bytes_of(&content, version.size),
            None => Vec::new(),
        })
    }

    /// The shown names in the folder at `text` at `at`.
    pub fn names(&self, text: &str, at: Timestamp) -> Vec<String> {
        let entries = self.tree.list(&path(text), at).unwrap();
        entries.into_iter().map(|entry| entry.name).collect()
    }
}
