//! One multipart `POST /bs/camli/upload` body being built: blobs as
//! parts named by their refs (RFC 7578), chunks read again from their
//! file straight into the body.

use super::planner::PendingChunk;
use super::{BATCH_BYTES_MAX, BlobRef};
use std::os::unix::fs::FileExt;

/// A multipart/form-data body being built (RFC 7578): one part per blob,
/// named by its ref, as Perkeep's upload handler reads them.
pub struct Batch {
    boundary: String,
    bytes: Vec<u8>,
    refs: Vec<BlobRef>,
    pub parts: usize,
    pub blob_bytes: usize,
}

/// A finished batch: its body and the refs in it.
pub struct BatchBody {
    pub bytes: Vec<u8>,
    pub refs: Vec<BlobRef>,
}

impl Batch {
    pub fn new() -> Batch {
        Batch {
            boundary: String::new(),
            bytes: Vec::new(),
            refs: Vec::new(),
            parts: 0,
            blob_bytes: 0,
        }
    }

    /// Starts the next part and returns where its bytes go.
    fn start_part(&mut self, blob_ref: &BlobRef, size: usize) -> usize {
        if self.boundary.is_empty() {
            self.boundary = boundary();
            // One allocation per batch: the blobs and their part heads.
            self.bytes.reserve(BATCH_BYTES_MAX + 64 * 1024);
        }
        let head = format!(
            "--{}\r\nContent-Disposition: form-data; name=\"{blob_ref}\"; \
             filename=\"{blob_ref}\"\r\nContent-Type: application/octet-stream\r\n\r\n",
            self.boundary
        );
        self.bytes.extend_from_slice(head.as_bytes());
        let start = self.bytes.len();
        self.bytes.resize(start + size, 0);
        self.bytes.extend_from_slice(b"\r\n");
        self.refs.push(*blob_ref);
        self.parts += 1;
        self.blob_bytes += size;
        start
    }

    pub fn add(&mut self, blob_ref: &BlobRef, blob: &[u8]) {
        let start = self.start_part(blob_ref, blob.len());
        self.bytes[start..start + blob.len()].copy_from_slice(blob);
    }

    /// Reads the chunk again from `file`, straight into the body.
    pub fn add_chunk(&mut self, chunk: &PendingChunk) -> Result<(), String> {
        let start = self.start_part(&chunk.blob_ref, chunk.size);
        let slot = &mut self.bytes[start..start + chunk.size];
        chunk
            .file
            .read_exact_at(slot, chunk.offset)
            .map_err(|error| {
                format!(
                    "cannot read the file again at byte {}: {error}",
                    chunk.offset
                )
            })
    }

    /// The body with its close delimiter, and its Content-Type.
    pub fn finish(mut self) -> (BatchBody, String) {
        self.bytes
            .extend_from_slice(format!("--{}--\r\n", self.boundary).as_bytes());
        let content_type = format!("multipart/form-data; boundary={}", self.boundary);
        let body = BatchBody {
            bytes: self.bytes,
            refs: self.refs,
        };
        (body, content_type)
    }
}

/// A boundary no blob will contain: 128 random bits (RFC 2046 §5.1.1
/// allows up to 70 characters).
fn boundary() -> String {
    let random = crate::web::credentials::random_bytes::<16>().unwrap_or_else(|_| {
        // No /dev/urandom: the time still makes a collision with blob
        // bytes a practical impossibility.
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |elapsed| elapsed.as_nanos());
        nanos.to_le_bytes()
    });
    format!("strata-{}", crate::util::hex::encode(&random))
}
