//! The tree's writes, each as new claims (TREE.md, "Operations"): put a
//! file, mkdir -p, move/rename, delete, copy. History is never
//! rewritten. Each operation holds the writer lock from its checks to
//! its last claim, so its checks hold when it writes.

use super::clock::ServerClock;
use super::error::FsError;
use super::path::TreePath;
use super::{Tree, latest, set};
use crate::blob::{BlobRef, FileMeta, write_file};
use crate::index::{ClaimKey, Kind, query};
use crate::schema::Change;
use crate::schema::Place;
use crate::schema::attributes::{
    CAMLI_CONTENT, CAMLI_NODE_TYPE, NODE_TYPE_DIRECTORY, STRATA_PLACE,
};
use crate::store::ReadOptions;
use std::io::Read;
use std::sync::atomic::{AtomicBool, Ordering};

/// What `put_file` did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PutOutcome {
    pub node: BlobRef,
    /// The `file` schema ref of the content.
    pub content: BlobRef,
    pub size: u64,
    /// The claim made; None when the content was already the node's.
    pub claim: Option<ClaimKey>,
    /// A new node was made.
    pub created: bool,
}

/// What `put_contents` did: the outcome of each file done, in order, and
/// the first refusal with its file's index (the files after it were not
/// tried).
#[derive(Debug)]
pub struct PutBatch {
    pub done: Vec<PutOutcome>,
    pub failure: Option<(usize, FsError)>,
}

/// Sets a tree's `deferring` flag for as long as it lives (the writer
/// lock held meanwhile), and clears it however the batch ends.
struct Deferring<'t>(&'t AtomicBool);

impl<'t> Deferring<'t> {
    fn start(flag: &'t AtomicBool) -> Deferring<'t> {
        flag.store(true, Ordering::Relaxed);
        Deferring(flag)
    }
}

impl Drop for Deferring<'_> {
    fn drop(&mut self) {
        self.0.store(false, Ordering::Relaxed);
    }
}

/// What `mkdir`, `move_node` and `delete` did: the node, and the last
/// claim made (None when nothing had to change).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Made {
    pub node: BlobRef,
    pub claim: Option<ClaimKey>,
}

/// A `del-attribute strataPlace` change: a tombstone.
pub(super) fn tombstone(node: BlobRef) -> Change {
    Change::DelAttribute {
        node,
        attribute: STRATA_PLACE.to_owned(),
        value: None,
    }
}

/// A `set-attribute strataPlace` change.
pub(super) fn place_change(node: BlobRef, parent: BlobRef, name: &str) -> Change {
    let place = Place::new(parent, name).expect("names are checked by TreePath");
    set(node, STRATA_PLACE, &place.encode())
}

impl Tree {
    /// The parent of `node` now (None for the root or an unplaced node).
    pub(super) fn parent_now(&self, node: &BlobRef) -> Result<Option<BlobRef>, FsError> {
        let segment = query::segment_at(self.backend.db(), &ReadOptions::new(), node, latest())?;
        Ok(segment.map(|(_, segment)| segment.placement().place.parent))
    }

    /// The folder at `path` now, made (with its missing parents) if absent.
    fn mkdir_all(&self, writer: &mut ServerClock, path: &TreePath) -> Result<Made, FsError> {
        let mut folder = self.root;
        let mut claim = None;
        for (index, name) in path.names().iter().enumerate() {
            folder = match self.child_named(&folder, name, latest())? {
                Some(node) => {
                    let segment =
                        query::segment_at(self.backend.db(), &ReadOptions::new(), &node, latest())?;
                    if segment.is_none_or(|(_, segment)| segment.view.kind != Kind::Folder) {
                        return Err(FsError::NotAFolder {
                            path: path.prefix(index + 1).to_string(),
                        });
                    }
                    node
                }
                None => {
                    let born = self.new_permanode();
                    let changes = vec![
                        set(born.node, CAMLI_NODE_TYPE, NODE_TYPE_DIRECTORY),
                        place_change(born.node, folder, name),
                    ];
                    claim = Some(self.write_claim(writer, Some(&born), changes)?);
                    born.node
                }
            };
        }
        Ok(Made {
            node: folder,
            claim,
        })
    }

    /// Makes the folder at `path` and any missing parents (mkdir -p); an
    /// existing folder is fine, a file on the way is `NotAFolder`.
    pub fn mkdir(&self, path: &TreePath) -> Result<Made, FsError> {
        let mut writer = self.lock();
        let made = self.mkdir_all(&mut writer, path)?;
        self.durable_unless_written(made.claim.is_some())?;
        Ok(made)
    }

    /// An operation that wrote nothing answers from what is there; that
    /// must be on disk too: after a `put_contents` whose sync failed, its
    /// claims are visible but not durable, and this retries the sync (a
    /// no-op, two atomic loads, when nothing deferred is pending) so the
    /// answer is an error rather than a success a power cut would undo.
    /// A claim written synced has made everything before it durable.
    fn durable_unless_written(&self, wrote: bool) -> Result<(), FsError> {
        if wrote {
            return Ok(());
        }
        self.backend.sync()
    }

    /// Stores `reader`'s bytes as the file at `path`: a new node (missing
    /// folders are made), or a new version of the node there; the same
    /// content as the current version makes no claim. The bytes stream
    /// into blobs before the writer lock is taken.
    pub fn put_file(&self, path: &TreePath, reader: impl Read) -> Result<PutOutcome, FsError> {
        if path.split_last().is_none() {
            return Err(FsError::IsAFolder {
                path: "/".to_owned(),
            });
        }
        let written = write_file(self.backend.blobs(), reader, &FileMeta::default())?;
        self.put_content(path, written.file_ref, written.size)
    }

    /// Makes `content` (a `file` schema ref already stored, of `size`
    /// bytes: the caller has checked both; the index records this size,
    /// so it must be the one the schema blob says, as `reindex` reads
    /// it) the file at `path`, as
    /// [`Tree::put_file`] does once the bytes are stored: a new node
    /// (missing folders are made) or a new version; the content the node
    /// already has makes no claim. Only this holds the writer lock, so
    /// callers hash and store content outside it.
    pub fn put_content(
        &self,
        path: &TreePath,
        content: BlobRef,
        size: u64,
    ) -> Result<PutOutcome, FsError> {
        let mut writer = self.lock();
        let outcome = self.put_content_locked(&mut writer, path, content, size)?;
        self.durable_unless_written(outcome.claim.is_some())?;
        Ok(outcome)
    }

    /// [`Tree::put_content`] for each of `files` (path, content, size), in
    /// order, under one hold of the writer lock, and durable together: the
    /// claims are written without a sync each, and one sync ends the
    /// batch (so a thousand small files cost one disk flush, not a
    /// thousand). The sync happens before the lock is let go, so no other
    /// write ever answers from a claim not yet on disk; a reader of the
    /// tree may see the batch's files up to that one sync early (see
    /// `src/fs/README.md`). Stops at the first file that fails;
    /// what was written before it is made durable all the same. Answers
    /// each done file's outcome and the failure with the index of its
    /// file; `Err` when the sync failed (then nothing is known durable).
    pub fn put_contents(&self, files: &[(TreePath, BlobRef, u64)]) -> Result<PutBatch, FsError> {
        let mut done = Vec::with_capacity(files.len());
        let mut failure = None;
        let mut writer = self.lock();
        {
            let _deferring = Deferring::start(&self.deferring);
            for (index, (path, content, size)) in files.iter().enumerate() {
                match self.put_content_locked(&mut writer, path, *content, *size) {
                    Ok(outcome) => done.push(outcome),
                    Err(error) => {
                        failure = Some((index, error));
                        break;
                    }
                }
            }
        }
        self.backend.sync()?;
        drop(writer);
        Ok(PutBatch { done, failure })
    }

    fn put_content_locked(
        &self,
        writer: &mut ServerClock,
        path: &TreePath,
        content: BlobRef,
        size: u64,
    ) -> Result<PutOutcome, FsError> {
        let (folder_path, name) = path.split_last().ok_or(FsError::IsAFolder {
            path: "/".to_owned(),
        })?;
        let folder = self.mkdir_all(writer, &folder_path)?.node;
        let mut outcome = PutOutcome {
            node: folder,
            content,
            size,
            claim: None,
            created: false,
        };
        if let Some(node) = self.child_named(&folder, name, latest())? {
            let segment =
                query::segment_at(self.backend.db(), &ReadOptions::new(), &node, latest())?;
            let view = segment.map(|(_, segment)| segment.view);
            if view.as_ref().is_some_and(|view| view.kind == Kind::Folder) {
                return Err(FsError::IsAFolder {
                    path: path.to_string(),
                });
            }
            outcome.node = node;
            if view.is_some_and(|view| view.content == Some(content)) {
                return Ok(outcome);
            }
            let change = set(node, CAMLI_CONTENT, content.as_str());
            let date = writer.next();
            let sized = [(content, size)];
            outcome.claim = Some(self.write_claim_dated(date, None, vec![change], &sized)?);
            return Ok(outcome);
        }
        let born = self.new_permanode();
        let changes = vec![
            place_change(born.node, folder, name),
            set(born.node, CAMLI_CONTENT, content.as_str()),
        ];
        let date = writer.next();
        let sized = [(content, size)];
        outcome.claim = Some(self.write_claim_dated(date, Some(&born), changes, &sized)?);
        outcome.node = born.node;
        outcome.created = true;
        Ok(outcome)
    }

    /// Resolves a move's or copy's target: the folder it goes into and
    /// its name there, refusing a taken name and the node's own subtree.
    /// With `replace`, a node holding the name is returned to be deleted.
    fn target(
        &self,
        node: &BlobRef,
        to: &TreePath,
        replace: bool,
    ) -> Result<(BlobRef, String, Option<BlobRef>), FsError> {
        let (folder_path, name) = to.split_last().ok_or(FsError::RootRefused)?;
        let folder = self.resolve(&folder_path, latest())?;
        if folder.kind() != Kind::Folder {
            return Err(FsError::NotAFolder {
                path: folder_path.to_string(),
            });
        }
        let holder = self
            .child_named(&folder.node, name, latest())?
            .filter(|other| other != node);
        if holder.is_some() && !replace {
            return Err(FsError::NameTaken {
                path: to.to_string(),
            });
        }
        let mut current = Some(folder.node);
        while let Some(ancestor) = current {
            if ancestor == *node {
                return Err(FsError::IntoItself {
                    path: to.to_string(),
                });
            }
            current = self.parent_now(&ancestor)?;
        }
        Ok((folder.node, name.to_owned(), holder))
    }

    /// Moves or renames the node at `from` to `to` (one place claim). The
    /// target folder must exist; a move into the node's own subtree is
    /// `IntoItself`; a taken name is `NameTaken`, unless `replace`: then
    /// the node holding it is deleted in the same claim, first.
    pub fn move_node(
        &self,
        from: &TreePath,
        to: &TreePath,
        replace: bool,
    ) -> Result<Made, FsError> {
        let mut writer = self.lock();
        let source = self.resolve(from, latest())?;
        if source.segment.is_none() {
            return Err(FsError::RootRefused);
        }
        let (folder, name, holder) = self.target(&source.node, to, replace)?;
        let mut changes = Vec::new();
        if let Some(holder) = holder {
            changes.push(tombstone(holder));
        }
        changes.push(place_change(source.node, folder, &name));
        let claim = self.write_claim(&mut writer, None, changes)?;
        Ok(Made {
            node: source.node,
            claim: Some(claim),
        })
    }

    /// Deletes the node at `path`: a tombstone that hides its subtree.
    pub fn delete(&self, path: &TreePath) -> Result<Made, FsError> {
        let mut writer = self.lock();
        let resolved = self.resolve(path, latest())?;
        if resolved.segment.is_none() {
            return Err(FsError::RootRefused);
        }
        let claim = self.write_claim(&mut writer, None, vec![tombstone(resolved.node)])?;
        Ok(Made {
            node: resolved.node,
            claim: Some(claim),
        })
    }

    /// Copies the node at `from` (and its subtree) to `to`: new nodes with
    /// the same content refs; no bytes are copied. Returns the new node.
    pub fn copy(&self, from: &TreePath, to: &TreePath) -> Result<BlobRef, FsError> {
        let mut writer = self.lock();
        let source = self.resolve(from, latest())?;
        let (kind, content) = match &source.segment {
            None => return Err(FsError::RootRefused),
            Some((_, segment)) => (segment.view.kind, segment.view.content),
        };
        let (folder, name, _) = self.target(&source.node, to, false)?;
        if self.child_named(&folder, &name, latest())?.is_some() {
            return Err(FsError::NameTaken {
                path: to.to_string(),
            });
        }
        self.copy_node(&mut writer, &source.node, kind, content, folder, &name)
    }

    fn copy_node(
        &self,
        writer: &mut ServerClock,
        source: &BlobRef,
        kind: Kind,
        content: Option<BlobRef>,
        folder: BlobRef,
        name: &str,
    ) -> Result<BlobRef, FsError> {
        let born = self.new_permanode();
        let node = born.node;
        let mut changes = vec![place_change(node, folder, name)];
        if kind == Kind::Folder {
            changes.push(set(node, CAMLI_NODE_TYPE, NODE_TYPE_DIRECTORY));
        }
        if let Some(content) = content {
            changes.push(set(node, CAMLI_CONTENT, content.as_str()));
        }
        self.write_claim(writer, Some(&born), changes)?;
        if kind == Kind::Folder {
            for entry in self.list_node(source, latest())? {
                self.copy_node(
                    writer,
                    &entry.node,
                    entry.kind,
                    entry.content,
                    node,
                    &entry.name,
                )?;
            }
        }
        Ok(node)
    }
}
