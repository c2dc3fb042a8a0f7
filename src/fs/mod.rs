//! The file tree over permanodes: TREE.md's rules, written once. Every
//! caller (HTTP API, CLI, site server, later WebDAV and sync) asks
//! [`Tree`]. Start with `README.md` beside this file.
//!
//! Reads (`list`, `stat`, `open_file`, `history`, `attributes`, `claims`)
//! take a time and cost a few index seeks and range scans; they need no
//! lock. Writes (`put_file`, `mkdir`, `move_node`, `delete`, `copy`,
//! `restore`, `store_blob`) make new claims, each written with its index
//! rows in one atomic batch, one writer at a time.

mod backend;
mod clock;
mod error;
mod path;
mod read;
mod restore;
mod write;

pub use backend::{Backend, MemoryBackend};
pub use clock::{CLOCK_ROW, TimeSource};
pub use error::FsError;
pub use path::{PathError, TreePath};
pub use read::{Entry, FileVersion, display_name};
pub use restore::RestoreOutcome;
pub use write::{Made, PutBatch, PutOutcome};

use crate::blob::BlobRef;
use crate::index::{self, ClaimKey, ReindexReport};
use crate::schema::attributes::{CAMLI_NODE_TYPE, CAMLI_ROOT, NODE_TYPE_DIRECTORY, ROOT_NAME};
use crate::schema::{Change, Claim, ClaimBody, Permanode};
use crate::store::ReadOptions;
use crate::util::rfc3339::{Timestamp, UNIX_SECONDS_MAX};
use clock::ServerClock;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};

/// The latest instant there is: a read at it sees every claim ("now").
pub fn latest() -> Timestamp {
    Timestamp::new(UNIX_SECONDS_MAX, 999_999_999).expect("the largest timestamp is valid")
}

/// Parses an API time (`?at=`): RFC 3339 at any precision (an instant:
/// `…T10:00:00Z` is 10:00:00.000000000), or Unix seconds with an optional
/// fraction of 1 to 9 digits (`1795000000.5`).
pub fn parse_time(text: &str) -> Result<Timestamp, FsError> {
    let Some((seconds, fraction)) = text.split_once('.') else {
        return Timestamp::parse(text).map_err(FsError::BadTime);
    };
    let numeric = |part: &str| !part.is_empty() && part.bytes().all(|b| b.is_ascii_digit());
    let whole = seconds.strip_prefix('-').unwrap_or(seconds);
    if !numeric(whole) || !numeric(fraction) || fraction.len() > 9 {
        return Timestamp::parse(text).map_err(FsError::BadTime);
    }
    let base = Timestamp::parse_unix_seconds(seconds).map_err(FsError::BadTime)?;
    let scale = 10u32.pow(9 - fraction.len() as u32);
    let nanos: u32 = fraction.parse::<u32>().expect("nine digits at most") * scale;
    // -1.5 is half a second before -1: the fraction counts away from zero.
    let (seconds, nanos) = if seconds.starts_with('-') && nanos > 0 {
        (base.unix_seconds() - 1, 1_000_000_000 - nanos)
    } else {
        (base.unix_seconds(), nanos)
    };
    Timestamp::new(seconds, nanos).map_err(FsError::BadTime)
}

/// How a tree is opened.
pub struct TreeOptions {
    /// The owner's signer ref, carried by every claim the tree makes.
    pub signer: BlobRef,
    /// Where claim dates come from (the system clock by default).
    pub time: TimeSource,
}

impl Default for TreeOptions {
    fn default() -> TreeOptions {
        TreeOptions {
            signer: BlobRef::of_bytes(b"strata owner"),
            time: Box::new(Timestamp::now),
        }
    }
}

/// The tree: reads at any time, writes as new claims (see the module
/// header). Thread safety: share it in an `Arc`; every method takes
/// `&self`.
pub struct Tree {
    backend: Arc<dyn Backend>,
    signer: BlobRef,
    root: BlobRef,
    /// Held for every write: one claim's rows are computed and written
    /// before the next's (the index's contract).
    writer: Mutex<ServerClock>,
    /// Bumped after every write is visible (see [`Tree::generation`]).
    generation: AtomicU64,
    /// Set, under the writer lock, while [`Tree::put_contents`] writes:
    /// its claims wait for one sync at the end instead of one each.
    deferring: AtomicBool,
}

/// Makes permanode nonces unique within the process.
static NONCE_COUNTER: AtomicU64 = AtomicU64::new(0);

impl Tree {
    /// Opens the tree on `backend`, making the root on first use.
    pub fn open(backend: Arc<dyn Backend>, options: TreeOptions) -> Result<Tree, FsError> {
        let clock = ServerClock::open(backend.db(), options.time)?;
        let mut tree = Tree {
            backend,
            signer: options.signer,
            root: BlobRef::of_bytes(b""),
            writer: Mutex::new(clock),
            generation: AtomicU64::new(0),
            deferring: AtomicBool::new(false),
        };
        tree.root = match index::query::root(tree.backend.db(), &ReadOptions::new())? {
            Some(root) => root,
            None => tree.make_root()?,
        };
        Ok(tree)
    }

    /// The root folder's node.
    pub fn root(&self) -> BlobRef {
        self.root
    }

    pub fn backend(&self) -> &Arc<dyn Backend> {
        &self.backend
    }

    /// A counter that grows after every write of this tree becomes
    /// visible (claims, blobs, reindex). An answer computed while the
    /// generation was `g` is still the answer while it is `g`: a cache
    /// keyed by it never serves what a later write changed.
    pub fn generation(&self) -> u64 {
        self.generation.load(Ordering::Acquire)
    }

    fn bump_generation(&self) {
        self.generation.fetch_add(1, Ordering::AcqRel);
    }

    /// Adds a value to the root's `attribute` as one `add-attribute`
    /// claim, dated by the server clock: `value` gets the claim's date,
    /// under the writer lock (so it sees every earlier claim), and
    /// answers the value or refuses. For records about the whole tree
    /// that are not changes of it (the site's publishes, SITE.md): the
    /// claim changes no place, content or kind, so it makes no history
    /// event and no segment.
    pub fn add_root_attribute<F>(&self, attribute: &str, value: F) -> Result<ClaimKey, FsError>
    where
        F: FnOnce(Timestamp) -> Result<String, FsError>,
    {
        let mut writer = self.lock();
        let date = writer.next();
        let change = Change::AddAttribute {
            node: self.root,
            attribute: attribute.to_owned(),
            value: value(date)?,
        };
        self.write_claim_dated(date, None, vec![change], &[])
    }

    fn make_root(&self) -> Result<BlobRef, FsError> {
        let mut writer = self.lock();
        let root = self.new_permanode();
        let changes = vec![
            set(root.node, CAMLI_ROOT, ROOT_NAME),
            set(root.node, CAMLI_NODE_TYPE, NODE_TYPE_DIRECTORY),
        ];
        self.write_claim(&mut writer, Some(&root), changes)?;
        Ok(root.node)
    }

    fn lock(&self) -> MutexGuard<'_, ServerClock> {
        self.writer
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// A new permanode, not stored yet: the claim that first names it
    /// stores it in the same atomic write (`write_claim`'s `born`), so a
    /// new node costs one write and its permanode is durable with the
    /// claim that names it.
    fn new_permanode(&self) -> NewNode {
        let count = NONCE_COUNTER.fetch_add(1, Ordering::Relaxed);
        let now = Timestamp::now();
        let random = format!(
            "{}.{:09}-{}-{count}",
            now.unix_seconds(),
            now.nanos(),
            std::process::id()
        );
        let node = Permanode::new(&random, self.signer).expect("the nonce is short");
        let bytes = node.to_canonical();
        NewNode {
            node: BlobRef::of_bytes(bytes.as_bytes()),
            bytes,
        }
    }

    /// Makes one claim of `changes` (one change: a single claim; more: a
    /// `multi`), dated by the server clock, with its rows, and stores the
    /// permanode `born` (the node the claim makes) in the same write.
    /// Requires the writer lock (`writer`).
    fn write_claim(
        &self,
        writer: &mut ServerClock,
        born: Option<&NewNode>,
        changes: Vec<Change>,
    ) -> Result<ClaimKey, FsError> {
        self.write_claim_dated(writer.next(), born, changes, &[])
    }

    /// [`Tree::write_claim`] with the date already taken from the clock,
    /// told the size of contents the caller knows (`content_sizes`: see
    /// `index::index_claim_sized`). Requires the writer lock.
    fn write_claim_dated(
        &self,
        date: Timestamp,
        born: Option<&NewNode>,
        mut changes: Vec<Change>,
        content_sizes: &[(BlobRef, u64)],
    ) -> Result<ClaimKey, FsError> {
        assert!(!changes.is_empty(), "a claim changes something");
        let body = if changes.len() == 1 {
            ClaimBody::Single(changes.remove(0))
        } else {
            ClaimBody::Multi(changes)
        };
        let claim =
            Claim::new(self.signer, date, body).map_err(|e| FsError::Storage(e.to_string()))?;
        let bytes = claim.to_canonical();
        let claim_ref = BlobRef::of_bytes(bytes.as_bytes());
        let db = self.backend.db();
        let source = self.backend.source();
        let mut rows = index::index_claim_sized(db, source, &claim_ref, &claim, content_sizes)?;
        ServerClock::record(date, &mut rows);
        let mut blobs = Vec::with_capacity(2);
        blobs.extend(born.map(|born| born.bytes.as_bytes()));
        blobs.push(bytes.as_bytes());
        if self.deferring.load(Ordering::Relaxed) {
            self.backend.receive_many_with_rows_deferred(&blobs, rows)?;
        } else {
            self.backend.receive_many_with_rows(&blobs, rows)?;
        }
        self.bump_generation();
        Ok(ClaimKey::new(date, claim_ref))
    }

    /// Stores any blob (the blob API's hook): a valid claim is indexed in
    /// the same atomic write; anything else, an invalid schema blob
    /// included, is stored as a plain blob.
    pub fn store_blob(&self, bytes: &[u8]) -> Result<BlobRef, FsError> {
        let _writer = self.lock();
        let rows = index::index_blob(self.backend.db(), self.backend.source(), bytes)?;
        let stored = self.backend.receive_with_rows(bytes, rows);
        self.bump_generation();
        stored
    }

    /// Drops every index row and rebuilds them from the blobs alone.
    pub fn reindex(&self) -> Result<ReindexReport, FsError> {
        let _writer = self.lock();
        let report = index::reindex(self.backend.db(), self.backend.blobs());
        self.bump_generation();
        Ok(report?)
    }
}

/// A permanode made and not stored yet (see `Tree::new_permanode`).
struct NewNode {
    node: BlobRef,
    /// Its canonical JSON.
    bytes: String,
}

/// A `set-attribute` change.
fn set(node: BlobRef, attribute: &str, value: &str) -> Change {
    Change::SetAttribute {
        node,
        attribute: attribute.to_owned(),
        value: value.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_time_takes_rfc3339_and_unix_seconds_with_fractions() {
        let at = |seconds, nanos| Timestamp::new(seconds, nanos).unwrap();
        assert_eq!(parse_time("1795000000").unwrap(), at(1_795_000_000, 0));
        assert_eq!(
            parse_time("1795000000.5").unwrap(),
            at(1_795_000_000, 500_000_000)
        );
        assert_eq!(parse_time("1.000000001").unwrap(), at(1, 1));
        assert_eq!(parse_time("-1.5").unwrap(), at(-2, 500_000_000));
        assert_eq!(parse_time("1970-01-01T00:00:10Z").unwrap(), at(10, 0));
        assert_eq!(
            parse_time("1970-01-01T00:00:10.25+00:00").unwrap(),
            at(10, 250_000_000)
        );
        for bad in ["", "1.", ".5", "1.0000000001", "1.5x", "yesterday", "1e9"] {
            assert!(matches!(parse_time(bad), Err(FsError::BadTime(_))), "{bad}");
        }
    }
}
