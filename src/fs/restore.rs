//! Restore, as TREE.md ("Operations") defines it, as new claims:
//! - a file to T: its content, and its place if it was elsewhere or
//!   deleted, as at T;
//! - a folder to T: the folder and every node visible under it at T get
//!   their place and content as at T; every node visible under it now
//!   that was not there at T gets a tombstone.
//!
//! Each changed node also gets [`RESTORE_MARKER`] = T, so its history
//! shows "restored". Changes go in `multi` claims of at most
//! [`SUB_CLAIMS_MAX`] changes, parents before children (so the cycle rule
//! sees a folder back in place before its children move into it).

use super::error::FsError;
use super::path::TreePath;
use super::write::{place_change, tombstone};
use super::{Tree, latest, set};
use crate::blob::BlobRef;
use crate::index::{ClaimKey, Kind, RESTORE_MARKER, Segment, query};
use crate::schema::attributes::CAMLI_CONTENT;
use crate::schema::{Change, SUB_CLAIMS_MAX};
use crate::store::ReadOptions;
use crate::util::rfc3339::Timestamp;
use std::collections::HashSet;

/// What `restore` did.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RestoreOutcome {
    /// The claims made (none when everything already was as at T).
    pub claims: Vec<ClaimKey>,
    /// Nodes given back their place or content.
    pub restored: usize,
    /// Nodes tombstoned (there now, not at T).
    pub deleted: usize,
}

impl Tree {
    /// The nodes visible under `folder` at `at`, depth first, parents
    /// before children, siblings by (name, placement order, ref).
    fn subtree(&self, folder: &BlobRef, at: Timestamp) -> Result<Vec<(BlobRef, Segment)>, FsError> {
        let mut found = Vec::new();
        let mut seen = HashSet::from([*folder]);
        // A stack of sibling lists, each reversed so `pop` takes the first.
        let mut stack = vec![self.sorted_children(folder, at)?];
        while let Some(siblings) = stack.last_mut() {
            let Some((node, segment)) = siblings.pop() else {
                stack.pop();
                continue;
            };
            if !seen.insert(node) {
                continue;
            }
            let is_folder = segment.view.kind == Kind::Folder;
            found.push((node, segment));
            if is_folder {
                stack.push(self.sorted_children(&node, at)?);
            }
        }
        Ok(found)
    }

    /// The children of `folder` at `at`, last first (see `subtree`).
    fn sorted_children(
        &self,
        folder: &BlobRef,
        at: Timestamp,
    ) -> Result<Vec<(BlobRef, Segment)>, FsError> {
        let children = query::children_at(self.backend.db(), &ReadOptions::new(), folder, at)?;
        let mut sorted: Vec<(BlobRef, Segment)> = children
            .into_iter()
            .map(|child| (child.node, child.segment))
            .collect();
        sorted.sort_by(|(node_a, a), (node_b, b)| {
            let (a, b) = (a.placement(), b.placement());
            (&b.place.name, b.since, node_b).cmp(&(&a.place.name, a.since, node_a))
        });
        Ok(sorted)
    }

    /// The changes that give `node` its view of `segment` again.
    fn restore_changes(
        &self,
        node: &BlobRef,
        segment: &Segment,
        at: Timestamp,
    ) -> Result<Vec<Change>, FsError> {
        let head = query::head(self.backend.db(), &ReadOptions::new(), node)?;
        let now = head.map(|head| head.view);
        let place_now = now
            .as_ref()
            .and_then(|view| view.placement.as_ref())
            .map(|p| &p.place);
        let content_now = now.as_ref().and_then(|view| view.content);
        let place = &segment.placement().place;
        let mut changes = Vec::new();
        if place_now != Some(place) {
            changes.push(place_change(*node, place.parent, &place.name));
        }
        if content_now != segment.view.content {
            changes.push(match segment.view.content {
                Some(content) => set(*node, CAMLI_CONTENT, content.as_str()),
                None => Change::DelAttribute {
                    node: *node,
                    attribute: CAMLI_CONTENT.to_owned(),
                    value: None,
                },
            });
        }
        if !changes.is_empty() {
            changes.push(set(*node, RESTORE_MARKER, &at.to_string()));
        }
        Ok(changes)
    }

    /// Restores the node at `path` — resolved as it was at `at` — and, for
    /// a folder, its subtree, to their state at `at` (module header).
    pub fn restore(&self, path: &TreePath, at: Timestamp) -> Result<RestoreOutcome, FsError> {
        let mut writer = self.lock();
        let resolved = self.resolve(path, at)?;
        let mut wanted = Vec::new();
        if let Some((_, segment)) = &resolved.segment {
            wanted.push((resolved.node, segment.clone()));
        }
        let mut outcome = RestoreOutcome::default();
        let mut groups: Vec<Vec<Change>> = Vec::new();
        if resolved.kind() == Kind::Folder {
            wanted.extend(self.subtree(&resolved.node, at)?);
        }
        for (node, segment) in &wanted {
            let changes = self.restore_changes(node, segment, at)?;
            if !changes.is_empty() {
                outcome.restored += 1;
                groups.push(changes);
            }
        }
        if resolved.kind() == Kind::Folder {
            let kept: HashSet<BlobRef> = wanted.iter().map(|(node, _)| *node).collect();
            for (node, _) in self.subtree(&resolved.node, latest())? {
                if !kept.contains(&node) {
                    outcome.deleted += 1;
                    groups.push(vec![tombstone(node)]);
                }
            }
        }
        let mut claim: Vec<Change> = Vec::new();
        for group in groups {
            if claim.len() + group.len() > SUB_CLAIMS_MAX {
                outcome.claims.push(self.write_claim(
                    &mut writer,
                    None,
                    std::mem::take(&mut claim),
                )?);
            }
            claim.extend(group);
        }
        if !claim.is_empty() {
            outcome
                .claims
                .push(self.write_claim(&mut writer, None, claim)?);
        }
        Ok(outcome)
    }
}
