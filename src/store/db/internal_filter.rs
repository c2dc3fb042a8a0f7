//! LevelDB's `InternalFilterPolicy`: tables hold internal keys, but the
//! filter must answer for a user key whatever its sequence number, so the
//! 8-byte trailer is cut off before the user policy sees a key.

use crate::store::dbformat::TRAILER_BYTES;
use crate::store::table::filter::FilterPolicy;
use std::sync::Arc;

pub(super) struct InternalFilterPolicy {
    user_policy: Arc<dyn FilterPolicy>,
}

impl InternalFilterPolicy {
    pub(super) fn new(user_policy: Arc<dyn FilterPolicy>) -> InternalFilterPolicy {
        InternalFilterPolicy { user_policy }
    }
}

/// The user key of an internal key; a key too short to have a trailer
/// (bad bytes) is passed whole rather than panicking.
fn user_key(internal_key: &[u8]) -> &[u8] {
    internal_key
        .len()
        .checked_sub(TRAILER_BYTES)
        .map_or(internal_key, |end| &internal_key[..end])
}

impl FilterPolicy for InternalFilterPolicy {
    /// The user policy's name, as LevelDB records it.
    fn name(&self) -> &str {
        self.user_policy.name()
    }

    fn create_filter(&self, keys: &[&[u8]], out: &mut Vec<u8>) {
        let user_keys: Vec<&[u8]> = keys.iter().map(|key| user_key(key)).collect();
        self.user_policy.create_filter(&user_keys, out);
    }

    fn key_may_match(&self, key: &[u8], filter: &[u8]) -> bool {
        self.user_policy.key_may_match(user_key(key), filter)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::dbformat::{InternalKey, ValueType};
    use crate::store::table::filter::BloomFilterPolicy;

    #[test]
    fn a_key_matches_at_any_sequence_number() {
        let policy = InternalFilterPolicy::new(Arc::new(BloomFilterPolicy::new(10)));
        let stored = InternalKey::new(b"hello", 7, ValueType::Value);
        let mut filter = Vec::new();
        policy.create_filter(&[stored.encoded()], &mut filter);
        let probe = InternalKey::new(b"hello", 1000, ValueType::ValuePointer);
        assert!(policy.key_may_match(probe.encoded(), &filter));
    }

    #[test]
    fn a_key_shorter_than_a_trailer_does_not_panic() {
        let policy = InternalFilterPolicy::new(Arc::new(BloomFilterPolicy::new(10)));
        let mut filter = Vec::new();
        policy.create_filter(&[b"abc".as_slice()], &mut filter);
        assert!(policy.key_may_match(b"abc", &filter));
    }
}
