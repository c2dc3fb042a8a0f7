//! `BlobStorage`: Perkeep's storage roles (receive, fetch, stat,
//! enumerate) as one small trait with precise contracts, the error enum
//! every implementation speaks, and the shared conformance suite
//! ([`conformance::conformance_suite`]) that every implementation runs.
//!
//! Implementations: [`super::memory::MemoryStorage`] (the model and test
//! double, not durable); the store's `Db` (durable) implements it next.
//! Every `BlobStorage` is also a [`BlobSink`] and a [`BlobSource`], so the
//! chunker and the file writer and reader work on it directly.
//!
//! Limits and digest checks happen here, once, at the boundary: an
//! implementation's `receive` gets them right by calling [`read_blob`].

pub mod conformance;

use super::{BLOB_BYTES_MAX, BlobRef, BlobSink, BlobSource, HashKind, Hasher, SharedBytes};
use std::any::Any;
use std::fmt;
use std::io::{self, Read};

/// Bytes read from a body per call while receiving a blob.
const READ_STEP_BYTES: usize = 64 * 1024;

/// What a successful `receive` stored.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Received {
    pub blob_ref: BlobRef,
    pub size: u64,
    /// False when the blob was already stored (nothing new was written).
    pub newly_stored: bool,
}

/// A blob being read: its size, and a reader of exactly its bytes.
pub struct Fetched {
    pub size: u64,
    /// Yields exactly `size` bytes that hash to the ref, or an error.
    pub reader: Box<dyn Read + Send>,
}

impl fmt::Debug for Fetched {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(formatter, "Fetched({} bytes)", self.size)
    }
}

/// A blob hashed and made ready to store by [`BlobStorage::prepare`], to
/// be stored by [`BlobStorage::store_prepared`] of the same storage,
/// possibly on another thread.
pub struct Prepared {
    pub blob_ref: BlobRef,
    pub size: u64,
    /// What the storage that prepared it needs to store it, in a form of
    /// its own choosing (the default: the bytes).
    payload: Box<dyn Any + Send>,
}

impl Prepared {
    /// A prepared blob whose `payload` only the preparing storage reads.
    pub fn new(blob_ref: BlobRef, size: u64, payload: Box<dyn Any + Send>) -> Prepared {
        Prepared {
            blob_ref,
            size,
            payload,
        }
    }

    /// The payload, as the storage that prepared it made it.
    ///
    /// Panics when it is of another type: a blob prepared by one storage
    /// and stored by another is a programmer error.
    pub fn into_payload<Payload: Any>(self) -> Payload {
        let payload = self.payload.downcast::<Payload>();
        *payload.expect("a blob is stored by the storage that prepared it")
    }
}

impl Prepared {
    /// The payload if it is a `Payload`, else the prepared blob back (for
    /// a storage that prepares some blobs itself and passes others on).
    pub fn try_into_payload<Payload: Any>(self) -> Result<Payload, Prepared> {
        if !self.payload.is::<Payload>() {
            return Err(self);
        }
        Ok(self.into_payload())
    }
}

impl fmt::Debug for Prepared {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            formatter,
            "Prepared({}, {} bytes)",
            self.blob_ref, self.size
        )
    }
}

/// Why a storage operation failed.
#[derive(Debug)]
pub enum StorageError {
    /// The body is longer than the limit (`limit_bytes`, at most
    /// [`BLOB_BYTES_MAX`]); nothing was stored.
    TooLarge { limit_bytes: u64 },
    /// The bytes hash to `actual`, not to the `expected` ref; nothing was
    /// stored. (Boxed: keeps every `Result` of this enum small.)
    DigestMismatch {
        expected: Box<BlobRef>,
        actual: Box<BlobRef>,
    },
    /// The expected ref names a hash strata cannot compute (SHA-1), so
    /// the bytes cannot be verified; nothing was stored.
    UnsupportedHash { kind: HashKind },
    /// Stored bytes are damaged (they fail their checksum or their ref);
    /// `what` names the blob and where.
    Corruption { what: String },
    /// Reading the body or the medium failed.
    Io(io::Error),
}

impl fmt::Display for StorageError {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            StorageError::TooLarge { limit_bytes } => {
                write!(formatter, "blob larger than {limit_bytes} bytes")
            }
            StorageError::DigestMismatch { expected, actual } => {
                write!(formatter, "bytes hash to {actual}, not to {expected}")
            }
            StorageError::UnsupportedHash { kind } => {
                write!(formatter, "{} blobs cannot be verified here", kind.name())
            }
            StorageError::Corruption { what } => write!(formatter, "corrupt blob: {what}"),
            StorageError::Io(error) => write!(formatter, "{error}"),
        }
    }
}

impl std::error::Error for StorageError {}

impl From<io::Error> for StorageError {
    /// An `io::Error` that carries a `StorageError` (see the reverse
    /// conversion) gives it back; any other is `Io`.
    fn from(error: io::Error) -> StorageError {
        if error
            .get_ref()
            .is_some_and(|inner| inner.is::<StorageError>())
        {
            let inner = error.into_inner().expect("checked above");
            return *inner.downcast::<StorageError>().expect("checked above");
        }
        StorageError::Io(error)
    }
}

impl From<StorageError> for io::Error {
    /// `Io` passes through; the others keep the precise error inside, with
    /// `InvalidInput` for what the caller sent and `InvalidData` for damage.
    fn from(error: StorageError) -> io::Error {
        match error {
            StorageError::Io(inner) => inner,
            other => {
                let kind = match other {
                    StorageError::Corruption { .. } => io::ErrorKind::InvalidData,
                    _ => io::ErrorKind::InvalidInput,
                };
                io::Error::new(kind, other)
            }
        }
    }
}

/// Where blobs live: Perkeep's storage roles in one trait.
///
/// Thread safety: every method may be called from many threads at once.
/// Refs order as plain strings (see [`BlobRef`]).
pub trait BlobStorage: Send + Sync {
    /// Reads `body` to its end and stores it as one blob.
    ///
    /// - The digest is computed while the bytes stream in, with the hash of
    ///   `expected` when given (else SHA-224). A SHA-1 `expected` is
    ///   `UnsupportedHash`; bytes that do not hash to `expected` are
    ///   `DigestMismatch`. Either way nothing is stored.
    /// - At most `min(limit_bytes, BLOB_BYTES_MAX)` bytes: a longer body is
    ///   `TooLarge` (found by reading one byte past the limit, never more)
    ///   and nothing is stored.
    /// - The same bytes received twice are stored once: the second
    ///   `Received` says `newly_stored: false`. Of several receives of the
    ///   same new bytes at once, exactly one says `newly_stored: true`.
    /// - A failed read of `body` is `Io`, and nothing is stored.
    /// - Durability: `Ok` is returned only once the blob is durable (a
    ///   durable implementation syncs its bytes and index before
    ///   returning), so an acknowledged blob survives a crash; a blob is
    ///   never visible to `fetch`, `stat`, `enumerate` or `contains` half
    ///   written. [`read_blob`] does the reading, hashing and limits.
    fn receive(
        &self,
        expected: Option<&BlobRef>,
        body: &mut dyn Read,
        limit_bytes: u64,
    ) -> Result<Received, StorageError>;

    /// `receive`, except that `Ok` may come before the blob is durable:
    /// it is durable once a later [`BlobStorage::sync`] returns `Ok`.
    /// Every other promise of `receive` holds (limits, digest, dedup, never
    /// visible half written), and a later `receive` of the same bytes
    /// still returns only once they are durable.
    ///
    /// For callers that store many blobs and acknowledge them together (a
    /// file's chunks, a multipart upload): they MUST call `sync` before
    /// they acknowledge anything. The default is `receive` itself.
    fn receive_deferred(
        &self,
        expected: Option<&BlobRef>,
        body: &mut dyn Read,
        limit_bytes: u64,
    ) -> Result<Received, StorageError> {
        self.receive(expected, body, limit_bytes)
    }

    /// `receive_deferred` of bytes already in memory, with no expected ref
    /// and the largest limit: an implementation may hash and store them
    /// without first copying them (a file's chunks come this way).
    fn receive_slice_deferred(&self, bytes: &[u8]) -> Result<Received, StorageError> {
        self.receive_deferred(None, &mut &bytes[..], BLOB_BYTES_MAX as u64)
    }

    /// Hashes `bytes` and readies them for [`BlobStorage::store_prepared`]:
    /// the work of a receive that needs no lock and touches no medium, so
    /// a caller may prepare the next blob while another thread stores this
    /// one. More than [`BLOB_BYTES_MAX`] bytes is `TooLarge`. The default
    /// keeps a copy of the bytes.
    fn prepare(&self, bytes: &[u8]) -> Result<Prepared, StorageError> {
        let limit_bytes = BLOB_BYTES_MAX as u64;
        if bytes.len() as u64 > limit_bytes {
            return Err(StorageError::TooLarge { limit_bytes });
        }
        let blob_ref = BlobRef::of_bytes(bytes);
        let size = bytes.len() as u64;
        Ok(Prepared::new(blob_ref, size, Box::new(bytes.to_vec())))
    }

    /// `prepare` of bytes the caller shares: an implementation may keep
    /// them as they are, for `store_prepared` to write from where they lie
    /// (a file's chunks, read from the network into shared buffers). The
    /// default prepares a copy, as `prepare` does.
    fn prepare_shared(&self, bytes: SharedBytes) -> Result<Prepared, StorageError> {
        self.prepare(&bytes)
    }

    /// Stores a blob this storage prepared, with every promise of
    /// [`BlobStorage::receive_deferred`] (durable once `sync` returns).
    fn store_prepared(&self, prepared: Prepared) -> Result<Received, StorageError> {
        let bytes: Vec<u8> = prepared.into_payload();
        self.receive_slice_deferred(&bytes)
    }

    /// A hint: start writing what was stored lately (up to `recent`, a
    /// blob just stored) to the medium now, so that a later `sync` has
    /// little left to wait for. It may block while the medium writes; it
    /// changes no promise (only `sync` makes blobs durable). The default
    /// does nothing.
    fn write_back(&self, recent: &BlobRef) -> Result<(), StorageError> {
        let _ = recent;
        Ok(())
    }

    /// Makes every blob whose receive (deferred or not) returned before
    /// this call durable. The default does nothing (for storages whose
    /// `receive_deferred` is durable already).
    fn sync(&self) -> Result<(), StorageError> {
        Ok(())
    }

    /// The blob named `blob_ref`, or `None` when it is not stored.
    ///
    /// The reader never yields bytes that do not hash to `blob_ref`: the
    /// implementation checks each stored block against its checksum as it
    /// reads, or verifies the whole blob before handing it out; damage is
    /// a `Corruption` error (from `fetch`, or from the reader as an
    /// `io::Error` of kind `InvalidData` carrying it), never wrong bytes.
    fn fetch(&self, blob_ref: &BlobRef) -> Result<Option<Fetched>, StorageError>;

    /// `(ref, size)` for each ref of `refs` that is stored, in the order
    /// of `refs` (absent ones left out; a ref asked twice appears twice).
    fn stat(&self, refs: &[BlobRef]) -> Result<Vec<(BlobRef, u64)>, StorageError>;

    /// Up to `limit` stored blobs, `(ref, size)`, in ascending string order
    /// of their refs, starting after `after` (exclusive; `after` need not
    /// be stored). `limit == 0` gives an empty page. A page shorter than
    /// `limit` means there are no more.
    fn enumerate(
        &self,
        after: Option<&BlobRef>,
        limit: usize,
    ) -> Result<Vec<(BlobRef, u64)>, StorageError>;

    /// Whether `blob_ref` is stored. Should cost no disk read when the
    /// answer is no (a bloom filter).
    fn contains(&self, blob_ref: &BlobRef) -> Result<bool, StorageError>;
}

/// A body read by [`read_blob`]: its bytes and the ref they hash to.
#[derive(Debug)]
pub struct ReadBlob {
    pub blob_ref: BlobRef,
    pub bytes: Vec<u8>,
}

/// Reads `body` to its end, hashing as it goes, enforcing
/// `min(limit_bytes, BLOB_BYTES_MAX)` (reading at most one byte past it)
/// and checking the digest against `expected`: the boundary checks of
/// [`BlobStorage::receive`], for implementations to share.
pub fn read_blob(
    expected: Option<&BlobRef>,
    body: &mut dyn Read,
    limit_bytes: u64,
) -> Result<ReadBlob, StorageError> {
    let kind = expected.map_or(HashKind::Sha224, BlobRef::kind);
    let mut hasher = Hasher::for_kind(kind).map_err(|_| StorageError::UnsupportedHash { kind })?;
    let limit_bytes = limit_bytes.min(BLOB_BYTES_MAX as u64);
    let mut bytes = Vec::new();
    loop {
        // One byte past the limit tells a body over it, and no more is read.
        let room = limit_bytes + 1 - bytes.len() as u64;
        let want = READ_STEP_BYTES.min(usize::try_from(room).unwrap_or(usize::MAX));
        // Straight into the blob's buffer, not through a step buffer: one
        // copy less per byte. The unread tail is cut off again.
        let start = bytes.len();
        bytes.resize(start + want, 0);
        let result = body.read(&mut bytes[start..]);
        bytes.truncate(start + *result.as_ref().unwrap_or(&0));
        match result {
            Ok(0) => break,
            Ok(_) => {}
            Err(error) if error.kind() == io::ErrorKind::Interrupted => continue,
            Err(error) => return Err(StorageError::Io(error)),
        }
        hasher.update(&bytes[start..]);
        if bytes.len() as u64 > limit_bytes {
            return Err(StorageError::TooLarge { limit_bytes });
        }
    }
    let blob_ref = hasher.finish();
    if let Some(expected) = expected
        && *expected != blob_ref
    {
        let (expected, actual) = (Box::new(*expected), Box::new(blob_ref));
        return Err(StorageError::DigestMismatch { expected, actual });
    }
    Ok(ReadBlob { blob_ref, bytes })
}

/// `Ok` when `bytes` hash to `blob_ref`; `Corruption` otherwise (and for
/// refs whose hash cannot be computed). For implementations that verify a
/// whole blob before handing it out.
pub fn verify_whole(blob_ref: &BlobRef, bytes: &[u8]) -> Result<(), StorageError> {
    match blob_ref.matches(bytes) {
        Ok(true) => Ok(()),
        Ok(false) => Err(StorageError::Corruption {
            what: format!("{blob_ref}: stored bytes do not hash to the ref"),
        }),
        Err(error) => Err(StorageError::Corruption {
            what: format!("{blob_ref}: {error}"),
        }),
    }
}

impl<Storage: BlobStorage + ?Sized> BlobSink for Storage {
    /// `receive` with no expected ref and the largest limit; `TooLarge`
    /// comes back as `InvalidInput`, as `BlobSink` promises.
    fn put(&self, bytes: &[u8]) -> io::Result<BlobRef> {
        let mut body = bytes;
        let received = self.receive(None, &mut body, BLOB_BYTES_MAX as u64)?;
        Ok(received.blob_ref)
    }
}

impl<Storage: BlobStorage + ?Sized> BlobSource for Storage {
    /// `fetch` read to its end; absent is `NotFound`.
    fn get(&self, blob_ref: &BlobRef) -> io::Result<Vec<u8>> {
        let Some(fetched) = self.fetch(blob_ref)? else {
            return Err(io::Error::new(
                io::ErrorKind::NotFound,
                format!("{blob_ref} is not stored"),
            ));
        };
        let capacity = usize::try_from(fetched.size)
            .unwrap_or(0)
            .min(BLOB_BYTES_MAX);
        let mut bytes = Vec::with_capacity(capacity);
        fetched
            .reader
            .take(fetched.size + 1)
            .read_to_end(&mut bytes)?;
        if bytes.len() as u64 != fetched.size {
            let what = format!(
                "{blob_ref}: {} bytes read, {} stored",
                bytes.len(),
                fetched.size
            );
            return Err(StorageError::Corruption { what }.into());
        }
        Ok(bytes)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn storage_errors_survive_a_trip_through_io_error() {
        let expected = Box::new(BlobRef::of_bytes(b"a"));
        let actual = Box::new(BlobRef::of_bytes(b"b"));
        let error: io::Error = StorageError::DigestMismatch { expected, actual }.into();
        assert_eq!(error.kind(), io::ErrorKind::InvalidInput);
        assert!(matches!(
            StorageError::from(error),
            StorageError::DigestMismatch { .. }
        ));
        let damaged: io::Error = StorageError::Corruption { what: "x".into() }.into();
        assert_eq!(damaged.kind(), io::ErrorKind::InvalidData);
        let plain = io::Error::new(io::ErrorKind::BrokenPipe, "gone");
        let back: io::Error = StorageError::from(plain).into();
        assert_eq!(back.kind(), io::ErrorKind::BrokenPipe, "Io passes through");
    }

    #[test]
    fn read_blob_names_with_sha224_unless_told_and_stops_one_byte_past_the_limit() {
        let read = read_blob(None, &mut &b"abc"[..], 3).unwrap();
        assert_eq!(read.blob_ref, BlobRef::of_bytes(b"abc"));
        assert_eq!(read.bytes, b"abc");
        let mut body = &b"abcdef"[..];
        let refused = read_blob(None, &mut body, 3);
        assert!(matches!(
            refused,
            Err(StorageError::TooLarge { limit_bytes: 3 })
        ));
        assert_eq!(body, b"ef", "read exactly limit + 1 bytes");
    }

    #[test]
    fn verify_whole_reports_damage_by_ref() {
        let blob_ref = BlobRef::of_bytes(b"good");
        assert!(verify_whole(&blob_ref, b"good").is_ok());
        let damaged = verify_whole(&blob_ref, b"evil").unwrap_err();
        assert!(damaged.to_string().contains(blob_ref.as_str()));
    }
}
