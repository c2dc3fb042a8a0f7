//! `SharedBytes`: a read-only range of a reference-counted buffer, so a
//! chunk cut from the buffer a stream was read into can travel to another
//! thread and be written to the store from where it lies: no copy between
//! the socket and the value log.
//!
//! Promise: the bytes never change while any `SharedBytes` of the buffer
//! lives (the buffer is only written by whoever holds its one reference,
//! `Arc::get_mut`), so a range hashed on one thread is the range stored
//! on another.

use std::fmt;
use std::ops::{Deref, Range};
use std::sync::Arc;

/// Bytes `range` of a shared buffer.
#[derive(Clone)]
pub struct SharedBytes {
    buffer: Arc<Vec<u8>>,
    range: Range<usize>,
}

impl SharedBytes {
    /// `buffer[range]`. Panics when the range is not inside the buffer
    /// (a programmer error).
    pub fn new(buffer: Arc<Vec<u8>>, range: Range<usize>) -> SharedBytes {
        assert!(
            range.start <= range.end && range.end <= buffer.len(),
            "range {range:?} outside a buffer of {} bytes",
            buffer.len()
        );
        SharedBytes { buffer, range }
    }

    /// All of `bytes`, owned.
    pub fn from_vec(bytes: Vec<u8>) -> SharedBytes {
        let range = 0..bytes.len();
        SharedBytes {
            buffer: Arc::new(bytes),
            range,
        }
    }
}

impl Deref for SharedBytes {
    type Target = [u8];

    fn deref(&self) -> &[u8] {
        &self.buffer[self.range.clone()]
    }
}

impl AsRef<[u8]> for SharedBytes {
    fn as_ref(&self) -> &[u8] {
        self
    }
}

impl fmt::Debug for SharedBytes {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            formatter,
            "SharedBytes({} bytes at {} of a {}-byte buffer)",
            self.range.len(),
            self.range.start,
            self.buffer.len()
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_range_reads_its_bytes_and_clones_share_the_buffer() {
        let buffer = Arc::new((0..100u8).collect::<Vec<u8>>());
        let middle = SharedBytes::new(Arc::clone(&buffer), 10..20);
        assert_eq!(&*middle, &(10..20u8).collect::<Vec<u8>>()[..]);
        let copy = middle.clone();
        assert_eq!(Arc::strong_count(&buffer), 3);
        drop((middle, copy));
        assert_eq!(Arc::strong_count(&buffer), 1);
        assert!(SharedBytes::new(buffer, 100..100).is_empty());
    }

    #[test]
    #[should_panic(expected = "outside a buffer")]
    fn a_range_past_the_buffer_is_a_programmer_error() {
        let _ = SharedBytes::new(Arc::new(vec![0u8; 4]), 2..5);
    }

    #[test]
    fn from_vec_owns_all_of_the_bytes() {
        let bytes = SharedBytes::from_vec(b"abc".to_vec());
        assert_eq!(bytes.as_ref(), b"abc");
    }
}
