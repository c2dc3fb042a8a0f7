//! `strata import --server URL` (and `publish --server`): a folder tree
//! of the disk into a running server's tree, sending only what it lacks.
//!
//! 1. Walk the disk (`import::walk`); for each folder, list the server's
//!    folder at that path (`GET /api/fs/<path>`): a folder it lacks is made
//!    (`op=mkdir`); to mirror, entries the disk lacks (or holds as the
//!    other kind) are noted for deletion. Each file is queued with the
//!    content ref the server has for its path, if any.
//! 2. Send the files (`sender.rs`): chunked and hashed here; a file whose
//!    `file` ref is the one the server has sends nothing at all; the
//!    others send the chunks and schema blobs `stat` says are missing.
//! 3. As each window's blobs land, name the window's changed files in the
//!    tree with ONE request (`POST /api/fs/?op=put-many`, up to 1,000 files
//!    a request, made durable by one sync; the server checks each content
//!    and makes no version for an unchanged one).
//! 4. To mirror, delete what was noted (`DELETE /api/fs/<path>`), last:
//!    an import cut short leaves too much, never too little.

use super::Failure;
use super::client::Client;
use super::import::{DiskFolder, Tally, io_failure, walk};
use super::remote_tree::{self, PutFile, RemoteEntry};
use super::sender::{Outgoing, Sent, Transfer, WINDOW_REFS_MAX, send_files};
use crate::blob::{BlobRef, FileMeta};
use crate::fs::TreePath;
use std::fs::File;
use std::path::{Path, PathBuf};

/// A file of the disk to send, and what the server has at its path.
struct Queued {
    path: TreePath,
    disk_path: PathBuf,
    known: Option<BlobRef>,
}

/// Imports `source` into `target` on the server of `client`; with
/// `mirror`, entries not in `source` are deleted (see `import.rs`).
pub fn import(
    client: &mut Client,
    source: &Path,
    target: &TreePath,
    mirror: bool,
) -> Result<(Tally, Transfer), Failure> {
    let mut tally = Tally::default();
    let mut queued = Vec::new();
    let mut doomed = Vec::new();
    // What each parent's listing said of its sub-folders: a folder there
    // (true), a file (false), nothing (absent from the map, once listed).
    let mut kinds = std::collections::HashMap::new();
    let first = remote_tree::stat(client, target, None).map_err(Failure::Runtime)?;
    if let Some(entry) = first {
        kinds.insert(target.clone(), entry.is_folder);
    }
    walk(source, target, |_, tree_folder, disk| {
        let listing = match kinds.remove(tree_folder) {
            Some(true) => remote_tree::list(client, tree_folder, None)
                .map_err(Failure::Runtime)?
                .unwrap_or_default(),
            Some(false) if !mirror => {
                return Err(Failure::Runtime(format!("{tree_folder}: not a folder")));
            }
            found => {
                if found.is_some() {
                    remote_tree::delete(client, tree_folder).map_err(Failure::Runtime)?;
                    tally.deleted += 1;
                }
                remote_tree::mkdir(client, tree_folder).map_err(Failure::Runtime)?;
                Vec::new()
            }
        };
        for entry in &listing {
            if disk.has_folder(&entry.name) {
                kinds.insert(tree_folder.join(&entry.name), entry.is_folder);
            }
        }
        tally.folders += 1;
        tally.skipped += disk.skipped;
        plan_folder(
            tree_folder,
            disk,
            &listing,
            mirror,
            &mut queued,
            &mut doomed,
        );
        Ok(())
    })?;
    // Entries of the other kind go first, so the new ones can be made.
    for path in doomed.iter().filter(|(_, conflicting)| *conflicting) {
        remote_tree::delete(client, &path.0).map_err(Failure::Runtime)?;
        tally.deleted += 1;
    }
    let transfer = send(client, queued, &mut tally)?;
    for path in doomed.iter().filter(|(_, conflicting)| !*conflicting) {
        remote_tree::delete(client, &path.0).map_err(Failure::Runtime)?;
        tally.deleted += 1;
    }
    Ok((tally, transfer))
}

/// Queues the folder's files with the content the server has for each;
/// notes what to delete to mirror: `(path, true)` for an entry of the
/// other kind than the disk's, `(path, false)` for one the disk lacks.
fn plan_folder(
    tree_folder: &TreePath,
    disk: &DiskFolder,
    listing: &[RemoteEntry],
    mirror: bool,
    queued: &mut Vec<Queued>,
    doomed: &mut Vec<(TreePath, bool)>,
) {
    let remote = |name: &str| listing.iter().find(|entry| entry.name == name);
    for (name, disk_path) in &disk.files {
        let entry = remote(name);
        let known = entry
            .filter(|entry| !entry.is_folder)
            .and_then(|entry| entry.content);
        queued.push(Queued {
            path: tree_folder.join(name),
            disk_path: disk_path.clone(),
            known,
        });
    }
    if !mirror {
        return;
    }
    for entry in listing {
        let path = tree_folder.join(&entry.name);
        if !disk.has(&entry.name) {
            doomed.push((path, false));
        } else if entry.is_folder && !disk.has_folder(&entry.name) {
            // A folder where the disk has a file (the other way round is
            // settled by the walk, before the sub-folder is made).
            doomed.push((path, true));
        }
    }
}

/// Sends the queued files and names each changed one in the tree.
fn send(client: &mut Client, queued: Vec<Queued>, tally: &mut Tally) -> Result<Transfer, Failure> {
    let files = queued.into_iter().map(|queued| {
        let file = File::open(&queued.disk_path).map_err(|error| {
            let failure = io_failure(&queued.disk_path, error);
            match failure {
                Failure::Runtime(message) | Failure::Usage(message) => message,
            }
        })?;
        Ok(Outgoing {
            file,
            // No file name: the refs `PUT /api/fs` and direct imports make.
            meta: FileMeta::default(),
            tag: queued.path,
            known: queued.known,
        })
    });
    let commit = |client: &mut Client, done: Vec<Sent<TreePath>>| {
        let mut changed = Vec::with_capacity(done.len());
        for sent in &done {
            tally.bytes += sent.put.size;
            if sent.unchanged {
                tally.unchanged += 1;
                continue;
            }
            changed.push(PutFile {
                path: &sent.tag,
                content: sent.put.file_ref,
                size: sent.put.size,
            });
        }
        for batch in remote_tree::put_many_batches(&changed) {
            let answers = match remote_tree::put_many(client, batch)? {
                Some(answers) => answers,
                // A server older than put-many: one request per file.
                None => batch
                    .iter()
                    .map(|file| {
                        remote_tree::put_content(client, file.path, &file.content, file.size)
                            .map_err(|error| format!("{}: {error}", file.path))
                    })
                    .collect::<Result<_, _>>()?,
            };
            for answer in answers {
                match (answer.created, answer.changed) {
                    (true, _) => tally.created += 1,
                    (false, true) => tally.changed += 1,
                    (false, false) => tally.unchanged += 1,
                }
            }
        }
        Ok(())
    };
    send_files(client, files, WINDOW_REFS_MAX, commit).map_err(Failure::Runtime)
}
