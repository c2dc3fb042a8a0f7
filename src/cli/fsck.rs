//! `strata fsck`: checks the data folder's store, pass by pass, and
//! reports every problem it finds (it never stops at the first).
//!
//! Passes, in order ([`PASSES`]):
//! 1. `blobs`: every blob's bytes re-hashed against its ref, streamed
//!    (memory stays flat whatever the blob), and each `b` row paired with
//!    its `s` row (KEYSPACE.md rule 1): a row without its partner, or a
//!    size that is not the bytes' length, is damage.
//!
//! 2. `index rows`: the tree's index against the claims it is derived
//!    from (`fsck_index.rs`).
//!
//! Output: one line per problem on stdout, `damaged <what>: <why>`, then
//! a one-line summary. Exit 0 when every pass found nothing, 1 otherwise
//! (and when the store cannot be opened: a running server holds it).
//!
//! Not through a server (`--server` is refused with the reason): fsck
//! opens the store with paranoid checks and reads every file of it, which
//! needs the folder to itself; a server's own store is checked by
//! stopping it (a few seconds for most stores) or on a copy of the folder.

use super::Failure;
use super::args::{Command, DATA_FLAG, Parsed};
use crate::blob::db_storage::{BLOB_PREFIX, SIZE_PREFIX, decode_size};
use crate::blob::{BlobRef, BlobStorage, DbStorage, Hasher, StorageError, data_store_dir};
use crate::store::db::{DbIterator, Options, ReadOptions};
use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};
use std::time::Instant;

pub const COMMAND: Command = Command {
    name: "fsck",
    summary: "Check every blob of the store against its ref (stop the server first).",
    positionals: "",
    flags: &[DATA_FLAG, super::put::SERVER_FLAG],
};

/// Bytes read from a blob per call while re-hashing it.
const HASH_STEP_BYTES: usize = 256 * 1024;

/// One check over the whole store.
pub trait Pass {
    /// A word for the summary ("blobs").
    fn name(&self) -> &'static str;

    /// Checks the store, telling `findings` of every item checked and
    /// every problem; `Err` only when the pass cannot go on (its own
    /// problem is then reported by the caller).
    fn run(&self, storage: &DbStorage, findings: &mut Findings) -> Result<(), StorageError>;
}

/// The passes `strata fsck` runs, in order.
pub const PASSES: &[&dyn Pass] = &[&BlobPass, &super::fsck_index::IndexPass];

/// What the passes found, written as they find it.
pub struct Findings {
    out: Box<dyn Write>,
    /// Problems found so far, over every pass.
    pub problems: u64,
    /// Items checked by the current pass, and their bytes.
    pub checked: u64,
    pub checked_bytes: u64,
}

impl Findings {
    pub fn new(out: Box<dyn Write>) -> Findings {
        Findings {
            out,
            problems: 0,
            checked: 0,
            checked_bytes: 0,
        }
    }

    /// Reports one problem: `what` (a ref, a row) is damaged because `why`.
    pub fn damaged(&mut self, what: &str, why: &str) {
        self.problems += 1;
        let _ = writeln!(self.out, "damaged {what}: {why}");
    }
}

/// Why `--server` is refused (see the module header).
pub const SERVER_REFUSED: &str = "fsck is not done through a server: it reads the store's \
     files itself, with the folder to itself; stop the server and run 'strata fsck --data DIR' \
     (or run it on a copy of the data folder)";

/// Runs `strata fsck`.
pub fn run(parsed: &Parsed) -> Result<(), Failure> {
    if parsed.get(&COMMAND, "server").is_some() {
        return Err(Failure::Runtime(SERVER_REFUSED.to_owned()));
    }
    let data = PathBuf::from(parsed.get(&COMMAND, "data").unwrap_or_default());
    let storage = open(&data)?;
    let mut findings = Findings::new(Box::new(io::stdout()));
    let started = Instant::now();
    let mut summary = Vec::new();
    for pass in PASSES {
        findings.checked = 0;
        findings.checked_bytes = 0;
        if let Err(error) = pass.run(&storage, &mut findings) {
            findings.damaged(&format!("the {} pass", pass.name()), &error.to_string());
        }
        summary.push(format!(
            "{} {} ({} bytes)",
            findings.checked,
            pass.name(),
            findings.checked_bytes
        ));
    }
    let line = format!(
        "{} checked in {:.1} s",
        summary.join(", "),
        started.elapsed().as_secs_f64()
    );
    if findings.problems > 0 {
        let problems = findings.problems;
        return Err(Failure::Runtime(format!(
            "{problems} problems found; {line}"
        )));
    }
    println!("fsck: no damage; {line}");
    Ok(())
}

/// The store of `data`, opened only if it exists (fsck never creates
/// one), with recovery's corruption checks made errors.
fn open(data: &Path) -> Result<DbStorage, Failure> {
    let store = data_store_dir(data);
    if !store.join("CURRENT").is_file() {
        let message = format!("no store in {}", store.display());
        return Err(Failure::Runtime(message));
    }
    let options = Options {
        paranoid_checks: true,
        ..Options::default()
    };
    DbStorage::open_with_options(&store, options)
        .map_err(|error| Failure::Runtime(format!("cannot open {}: {error}", store.display())))
}

/// Pass 1: blobs against their refs, `b` rows against `s` rows.
pub struct BlobPass;

/// A cursor over the rows of one prefix, yielding each row's ref text.
struct PrefixRows {
    rows: DbIterator,
    prefix: u8,
}

impl PrefixRows {
    fn new(storage: &DbStorage, prefix: u8) -> PrefixRows {
        let read = ReadOptions {
            fill_cache: false,
            ..ReadOptions::new()
        };
        let mut rows = storage.db().iter(&read);
        rows.seek(&[prefix]);
        PrefixRows { rows, prefix }
    }

    /// The current row's key without its prefix, or None at the end of
    /// the prefix's range.
    fn current(&self) -> Option<Vec<u8>> {
        if !self.rows.valid() {
            return None;
        }
        let key = self.rows.key();
        (key.first() == Some(&self.prefix)).then(|| key[1..].to_vec())
    }

    fn advance(&mut self) {
        self.rows.next();
    }

    fn status(&self) -> Result<(), StorageError> {
        self.rows
            .status()
            .map_err(crate::blob::db_storage::storage_error)
    }
}

impl Pass for BlobPass {
    fn name(&self) -> &'static str {
        "blobs"
    }

    /// Walks the `b` and `s` ranges side by side (both in ref order).
    fn run(&self, storage: &DbStorage, findings: &mut Findings) -> Result<(), StorageError> {
        let mut bytes_rows = PrefixRows::new(storage, BLOB_PREFIX);
        let mut size_rows = PrefixRows::new(storage, SIZE_PREFIX);
        loop {
            let (bytes_name, size_name) = (bytes_rows.current(), size_rows.current());
            let name = match (&bytes_name, &size_name) {
                (None, None) => break,
                (Some(bytes), Some(size)) => bytes.min(size).clone(),
                (Some(only), None) | (None, Some(only)) => only.clone(),
            };
            let has_bytes = bytes_name.as_ref() == Some(&name);
            let size_row = if size_name.as_ref() == Some(&name) {
                Some(
                    size_rows
                        .rows
                        .value()
                        .map_err(crate::blob::db_storage::storage_error)?,
                )
            } else {
                None
            };
            check_one(storage, &name, has_bytes, size_row.as_deref(), findings);
            if has_bytes {
                bytes_rows.advance();
            }
            if size_row.is_some() {
                size_rows.advance();
            }
        }
        bytes_rows.status()?;
        size_rows.status()
    }
}

/// Checks one ref's rows; reports what is wrong with them.
fn check_one(
    storage: &DbStorage,
    name: &[u8],
    has_bytes: bool,
    size_row: Option<&[u8]>,
    findings: &mut Findings,
) {
    let text = String::from_utf8_lossy(name).into_owned();
    let Ok(blob_ref) = BlobRef::parse(&text) else {
        findings.damaged(&format!("row {text:?}"), "its key does not name a blob ref");
        return;
    };
    findings.checked += 1;
    let size = match size_row.map(|row| decode_size(&text, row)) {
        None => {
            findings.damaged(&text, "its bytes have no size row");
            None
        }
        Some(Err(error)) => {
            findings.damaged(&text, &error.to_string());
            None
        }
        Some(Ok(size)) => Some(size),
    };
    if !has_bytes {
        findings.damaged(&text, "its size row has no bytes");
        return;
    }
    match rehash(storage, &blob_ref) {
        Ok(length) => {
            findings.checked_bytes += length;
            if size.is_some_and(|size| size != length) {
                let why = format!("its size row says {} bytes, it has {length}", size.unwrap());
                findings.damaged(&text, &why);
            }
        }
        Err(error) => findings.damaged(&text, &error.to_string()),
    }
}

/// Streams the blob through its hash; its length when the bytes hash to
/// the ref, `Corruption` (or the read's error) otherwise.
fn rehash(storage: &DbStorage, blob_ref: &BlobRef) -> Result<u64, StorageError> {
    let corruption = |what: String| StorageError::Corruption { what };
    let Some(fetched) = storage.fetch(blob_ref)? else {
        return Err(corruption("its bytes vanished during the check".into()));
    };
    let Ok(mut hasher) = Hasher::for_kind(blob_ref.kind()) else {
        let why = format!("{} refs cannot be re-hashed here", blob_ref.kind().name());
        return Err(corruption(why));
    };
    let mut reader = fetched.reader;
    let mut step = vec![0u8; HASH_STEP_BYTES];
    let mut length = 0u64;
    loop {
        let count = match reader.read(&mut step) {
            Ok(0) => break,
            Ok(count) => count,
            Err(error) if error.kind() == io::ErrorKind::Interrupted => continue,
            Err(error) => return Err(StorageError::from(error)),
        };
        hasher.update(&step[..count]);
        length += count as u64;
    }
    if length != fetched.size {
        return Err(corruption(format!(
            "{length} bytes read, {} stored",
            fetched.size
        )));
    }
    let actual = hasher.finish();
    if actual != *blob_ref {
        return Err(corruption(format!("its bytes hash to {actual}")));
    }
    Ok(length)
}
