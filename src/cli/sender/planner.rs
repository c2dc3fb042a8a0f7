//! The hashing side of a send: files chunked and hashed one after the
//! other, their blobs gathered into windows of at most `window_refs_max`
//! refs (one `stat` each), handed to the sending side as [`Plan`]s.
//!
//! A window may hold the blobs of many small files, or part of one large
//! file. A file is *done* in the window that holds its `file` blob; every
//! blob it names is in that window or an earlier one. A file whose `file`
//! ref is the one its caller says the server already has ([`Outgoing::
//! known`]) is dropped from its window when the whole file fits in it:
//! nothing of it is asked about or sent.

use super::{Outgoing, PutFile, Sent};
use crate::blob::chunker::Chunker;
use crate::blob::file_writer::FileWriter;
use crate::blob::{BLOB_BYTES_MAX, BlobRef, BlobSink};
use std::cell::RefCell;
use std::fs::File;
use std::io;
use std::sync::Arc;
use std::sync::mpsc;

/// Schema blobs the file writer made, held until the chunks of their
/// window are on the server.
#[derive(Default)]
struct HeldSchemas {
    blobs: RefCell<Vec<(BlobRef, Vec<u8>)>>,
}

impl HeldSchemas {
    fn len(&self) -> usize {
        self.blobs.borrow().len()
    }

    fn take(&self) -> Vec<(BlobRef, Vec<u8>)> {
        std::mem::take(&mut self.blobs.borrow_mut())
    }

    fn truncate(&self, len: usize) {
        self.blobs.borrow_mut().truncate(len);
    }
}

impl BlobSink for HeldSchemas {
    fn put(&self, bytes: &[u8]) -> io::Result<BlobRef> {
        if bytes.len() > BLOB_BYTES_MAX {
            let why = format!("a schema blob of {} bytes", bytes.len());
            return Err(io::Error::new(io::ErrorKind::InvalidInput, why));
        }
        let blob_ref = BlobRef::of_bytes(bytes);
        self.blobs.borrow_mut().push((blob_ref, bytes.to_vec()));
        Ok(blob_ref)
    }
}

/// A chunk hashed but not yet settled: where to read it again.
#[derive(Clone, Debug)]
pub struct PendingChunk {
    pub blob_ref: BlobRef,
    pub file: Arc<File>,
    pub offset: u64,
    pub size: usize,
}

/// A window hashed and ready to settle: its chunks, the schema blobs the
/// file writer made with them, and the files done in it.
pub struct Plan<Tag> {
    pub chunks: Vec<PendingChunk>,
    pub schemas: Vec<(BlobRef, Vec<u8>)>,
    pub done: Vec<Sent<Tag>>,
}

/// The window being filled.
struct Filling<'h, Tag> {
    held: &'h HeldSchemas,
    chunks: Vec<PendingChunk>,
    done: Vec<Sent<Tag>>,
    window_refs_max: usize,
    /// Windows handed over since the current file began.
    handed: u64,
}

impl<Tag> Filling<'_, Tag> {
    fn len(&self) -> usize {
        self.chunks.len() + self.held.len()
    }

    /// Hands the window over when one more chunk (which may bring a
    /// `bytes` blob) might not fit.
    fn hand_over_if_full(&mut self, plans: &mpsc::SyncSender<Plan<Tag>>) -> Result<(), String> {
        if self.len() + 1 >= self.window_refs_max {
            self.hand_over(plans)?;
        }
        Ok(())
    }

    fn hand_over(&mut self, plans: &mpsc::SyncSender<Plan<Tag>>) -> Result<(), String> {
        let plan = Plan {
            chunks: std::mem::take(&mut self.chunks),
            schemas: self.held.take(),
            done: std::mem::take(&mut self.done),
        };
        self.handed += 1;
        plans
            .send(plan)
            .map_err(|_| "stopped: sending failed".to_string())
    }
}

/// Chunks and hashes each file of `files` in turn, handing a plan to
/// `plans` each time a window is full, and the last one at the end.
/// Stops at the first error of `files` or of reading, and when the
/// receiver is gone (sending failed).
pub fn plan_windows<Tag>(
    files: impl Iterator<Item = Result<Outgoing<Tag>, String>>,
    window_refs_max: usize,
    plans: mpsc::SyncSender<Plan<Tag>>,
) -> Result<(), String> {
    let held = HeldSchemas::default();
    let mut filling = Filling {
        held: &held,
        chunks: Vec::new(),
        done: Vec::new(),
        window_refs_max,
        handed: 0,
    };
    for outgoing in files {
        let outgoing = outgoing?;
        let sent = plan_file(&mut filling, outgoing, &plans)?;
        filling.done.push(sent);
        filling.hand_over_if_full(&plans)?;
    }
    if filling.len() > 0 || !filling.done.is_empty() {
        filling.hand_over(&plans)?;
    }
    Ok(())
}

/// Adds one file's blobs to the windows; the file once its `file` blob
/// is in the window being filled.
fn plan_file<Tag>(
    filling: &mut Filling<'_, Tag>,
    outgoing: Outgoing<Tag>,
    plans: &mpsc::SyncSender<Plan<Tag>>,
) -> Result<Sent<Tag>, String> {
    let Outgoing {
        file,
        meta,
        tag,
        known,
    } = outgoing;
    let file = Arc::new(file);
    let (chunks_before, schemas_before) = (filling.chunks.len(), filling.held.len());
    filling.handed = 0;
    let mut writer = FileWriter::new(filling.held);
    let mut chunker = Chunker::new(&*file);
    while let Some(chunk) = chunker.next_chunk().map_err(|error| error.to_string())? {
        let blob_ref = BlobRef::of_bytes(chunk.bytes);
        let size = chunk.bytes.len();
        filling.chunks.push(PendingChunk {
            blob_ref,
            file: Arc::clone(&file),
            offset: chunk.offset,
            size,
        });
        writer
            .add_chunk(blob_ref, size as u64, chunk.bits)
            .map_err(|error| error.to_string())?;
        filling.hand_over_if_full(plans)?;
    }
    let written = writer.finish(&meta).map_err(|error| error.to_string())?;
    let unchanged = known == Some(written.file_ref);
    if unchanged && filling.handed == 0 {
        // The server has this file: nothing of it needs asking about.
        filling.chunks.truncate(chunks_before);
        filling.held.truncate(schemas_before);
    }
    Ok(Sent {
        tag,
        put: PutFile {
            file_ref: written.file_ref,
            size: written.size,
        },
        unchanged,
    })
}
