//! The site's publish records ([SITE.md](SITE.md), "Publish records"):
//! each publish is an `add-attribute strataPublish` claim on the root
//! node whose value is the tree time it makes live; its `claimDate` is
//! when it was published. Claims are never rewritten, so the list only
//! grows; a rollback is a new publish of an older publish's time.
//!
//! Reading the list costs one blob read per claim on the root (its
//! creation and the publishes); the site server caches the answer by
//! the tree's generation.

use crate::blob::BlobRef;
use crate::fs::{FsError, Tree};
use crate::schema::Change;
use crate::schema::attributes::STRATA_PUBLISH;
use crate::util::rfc3339::Timestamp;

/// One publish: its number (1 for the first, in claim order), when it
/// was made, the tree time it makes live, and its claim.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Publish {
    pub number: u64,
    /// The claim's date: from then on (until the next publish) `/`
    /// serves the site as of `at`.
    pub published: Timestamp,
    /// The tree time whose `/site` this publish serves.
    pub at: Timestamp,
    pub claim: BlobRef,
}

/// The value of a publish claim: `at` in RFC 3339, UTC, always with nine
/// digits of fraction (`2026-12-02T19:30:00.000000000Z`).
pub fn format_at(at: Timestamp) -> String {
    let whole = Timestamp::new(at.unix_seconds(), 0).expect("same second, valid");
    let text = whole.to_string();
    let seconds = text.strip_suffix('Z').expect("Timestamp text ends with Z");
    format!("{seconds}.{:09}Z", at.nanos())
}

/// Publishes `/site` as of `at` (None: as of this very claim, so every
/// change made before it goes live). `at` may not be after the claim's
/// own date: a publish never makes the future live (400).
pub fn publish(tree: &Tree, at: Option<Timestamp>) -> Result<Publish, FsError> {
    record(tree, |date, _| match at {
        None => Ok(date),
        Some(at) if at <= date => Ok(at),
        Some(at) => Err(FsError::Invalid(format!(
            "cannot publish {at}: it is after now ({date})"
        ))),
    })
}

/// Publishes an older publish's `at` again. `to: Some(n)` is publish `n`
/// (404 when there is none; 409 when it is the site in force);
/// `to: None` steps back one version (SITE.md, "Rollback": the version
/// below the current one on the stack of versions), 409 when there is
/// none.
pub fn rollback(tree: &Tree, to: Option<u64>) -> Result<Publish, FsError> {
    record(tree, |_, publishes| {
        let current = publishes.last().ok_or_else(|| {
            FsError::Conflict("nothing to roll back to: the site was never published".to_owned())
        })?;
        match to {
            Some(number) => {
                let wanted = number
                    .checked_sub(1)
                    .and_then(|index| publishes.get(index as usize))
                    .ok_or_else(|| FsError::NotFound {
                        path: format!("publish {number}"),
                    })?;
                if wanted.at == current.at {
                    return Err(FsError::Conflict(format!(
                        "publish {number} is the site in force already (publish {})",
                        current.number
                    )));
                }
                Ok(wanted.at)
            }
            None => {
                let stack = version_stack(publishes);
                let below = stack.len().checked_sub(2).map(|index| stack[index]);
                below.map(|publish| publish.at).ok_or_else(|| {
                    FsError::Conflict(format!(
                        "nothing to roll back to: publish {} is the oldest version in force",
                        current.number
                    ))
                })
            }
        }
    })
}

/// Writes one publish claim whose `at` `choose` picks from the claim's
/// date and the publishes before it (under the writer lock, so no other
/// publish comes between).
fn record<F>(tree: &Tree, choose: F) -> Result<Publish, FsError>
where
    F: FnOnce(Timestamp, &[Publish]) -> Result<Timestamp, FsError>,
{
    let mut chosen = None;
    let mut count = 0;
    let key = tree.add_root_attribute(STRATA_PUBLISH, |date| {
        let publishes = list(tree)?;
        count = publishes.len() as u64;
        let at = choose(date, &publishes)?;
        chosen = Some(at);
        Ok(format_at(at))
    })?;
    Ok(Publish {
        number: count + 1,
        published: key.date,
        at: chosen.expect("set when the claim was written"),
        claim: key.claim,
    })
}

/// Every publish, oldest first, numbered from 1. A publish claim whose
/// value is not a time (one made elsewhere, by hand) is left out.
pub fn list(tree: &Tree) -> Result<Vec<Publish>, FsError> {
    let root = tree.root();
    let mut publishes = Vec::new();
    for (key, claim) in tree.claims(&root)? {
        let at = claim.changes().iter().find_map(|change| match change {
            Change::AddAttribute {
                node,
                attribute,
                value,
            } if *node == root && attribute == STRATA_PUBLISH => {
                Timestamp::parse_rfc3339(value).ok()
            }
            _ => None,
        });
        if let Some(at) = at {
            publishes.push(Publish {
                number: publishes.len() as u64 + 1,
                published: key.date,
                at,
                claim: key.claim,
            });
        }
    }
    Ok(publishes)
}

/// The publish in force now: the latest.
pub fn current(tree: &Tree) -> Result<Option<Publish>, FsError> {
    Ok(list(tree)?.pop())
}

/// The publish in force at `t`: the latest published at or before `t`.
pub fn in_force_at(tree: &Tree, t: Timestamp) -> Result<Option<Publish>, FsError> {
    Ok(latest_at(&list(tree)?, t))
}

/// The latest of `publishes` (oldest first) published at or before `t`.
pub fn latest_at(publishes: &[Publish], t: Timestamp) -> Option<Publish> {
    let count = publishes.partition_point(|publish| publish.published <= t);
    count.checked_sub(1).map(|index| publishes[index])
}

/// The stack of versions (SITE.md, "Rollback"): each publish whose `at`
/// is already on the stack returns to it (the entries above are
/// dropped); any other publish is pushed. The top is the site in force.
pub fn version_stack(publishes: &[Publish]) -> Vec<&Publish> {
    let mut stack: Vec<&Publish> = Vec::new();
    for publish in publishes {
        match stack.iter().position(|entry| entry.at == publish.at) {
            Some(index) => stack.truncate(index + 1),
            None => stack.push(publish),
        }
    }
    stack
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(seconds: i64, nanos: u32) -> Timestamp {
        Timestamp::new(seconds, nanos).unwrap()
    }

    fn publishes(ats: &[i64]) -> Vec<Publish> {
        ats.iter()
            .enumerate()
            .map(|(index, &seconds)| Publish {
                number: index as u64 + 1,
                published: at(1000 + index as i64, 0),
                at: at(seconds, 0),
                claim: BlobRef::of_bytes(&[index as u8]),
            })
            .collect()
    }

    #[test]
    fn at_is_written_with_nine_digits_and_parses_back() {
        for time in [
            at(0, 0),
            at(1_795_000_000, 5),
            at(1_795_000_000, 123_456_789),
        ] {
            let text = format_at(time);
            assert_eq!(text.len(), "1970-01-01T00:00:00.000000000Z".len(), "{text}");
            assert_eq!(Timestamp::parse_rfc3339(&text).unwrap(), time);
        }
        assert_eq!(format_at(at(10, 5)), "1970-01-01T00:00:10.000000005Z");
    }

    #[test]
    fn rollbacks_step_down_the_stack_and_other_publishes_push() {
        let tops = |ats: &[i64]| -> Vec<i64> {
            let list = publishes(ats);
            version_stack(&list)
                .iter()
                .map(|publish| publish.at.unix_seconds())
                .collect()
        };
        assert_eq!(tops(&[1, 2, 3]), [1, 2, 3]);
        assert_eq!(tops(&[1, 2, 3, 2]), [1, 2]);
        assert_eq!(tops(&[1, 2, 3, 2, 1]), [1]);
        assert_eq!(tops(&[1, 2, 3, 0]), [1, 2, 3, 0]);
        assert_eq!(tops(&[1, 2, 3, 2, 3]), [1, 2, 3]);
    }

    #[test]
    fn the_publish_in_force_is_the_latest_published_by_then() {
        let list = publishes(&[5, 6, 7]);
        assert_eq!(latest_at(&list, at(999, 0)), None);
        assert_eq!(latest_at(&list, at(1000, 0)).unwrap().number, 1);
        assert_eq!(latest_at(&list, at(1001, 5)).unwrap().number, 2);
        assert_eq!(latest_at(&list, at(5000, 0)).unwrap().number, 3);
    }
}
