//! The server's clock for its own claims: never at or before the last
//! claim it made (TREE.md, "Order": such a claim gets the last date +
//! 1 ns). The last date is kept in the `m` row [`CLOCK_ROW`], written in
//! the same batch as each claim, so it survives a restart.

use super::error::FsError;
use crate::store::{Db, ReadOptions, WriteBatch};
use crate::util::rfc3339::Timestamp;

/// `m` + `clock`: the date of the last claim this server made, as
/// `Timestamp::to_sortable_bytes` (12 bytes).
pub const CLOCK_ROW: &[u8] = b"mclock";

/// Where the time comes from (the system clock, or a test's).
pub type TimeSource = Box<dyn Fn() -> Timestamp + Send + Sync>;

pub struct ServerClock {
    source: TimeSource,
    last: Option<Timestamp>,
}

impl ServerClock {
    /// The clock, resuming after the last date stored in `db`.
    pub fn open(db: &Db, source: TimeSource) -> Result<ServerClock, FsError> {
        let last = match db.get(&ReadOptions::new(), CLOCK_ROW)? {
            None => None,
            Some(bytes) => {
                let bytes: [u8; 12] = bytes.as_slice().try_into().map_err(|_| corrupt())?;
                Some(Timestamp::from_sortable_bytes(bytes).map_err(|_| corrupt())?)
            }
        };
        Ok(ServerClock { source, last })
    }

    /// The date for the next claim: now, or the last date + 1 ns if now is
    /// not after it. The caller writes [`ServerClock::record`] with the
    /// claim.
    pub fn next(&mut self) -> Timestamp {
        let now = (self.source)();
        let date = match self.last {
            Some(last) if now <= last => last.next_nanosecond().unwrap_or(last),
            _ => now,
        };
        self.last = Some(date);
        date
    }

    /// Adds the row that remembers `date` as the last claim's to `rows`.
    pub fn record(date: Timestamp, rows: &mut WriteBatch) {
        rows.put(CLOCK_ROW, &date.to_sortable_bytes());
    }
}

fn corrupt() -> FsError {
    FsError::Index(crate::index::IndexError::Corrupt {
        what: "metadata row mclock".to_owned(),
    })
}
