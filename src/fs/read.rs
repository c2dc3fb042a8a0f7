//! The tree's reads at any time T: resolve a path, list a folder (with
//! the same-name suffix rule), stat, open a file, history, attributes
//! and claims (TREE.md, "Visibility at T").

use super::Tree;
use super::error::FsError;
use super::path::TreePath;
use crate::blob::BlobRef;
use crate::index::query;
use crate::index::{ClaimKey, Event, Kind, Segment};
use crate::schema::{AttributeState, Claim, attributes_at};
use crate::store::ReadOptions;
use crate::util::rfc3339::Timestamp;

/// One entry of a folder, or the answer of `stat`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Entry {
    /// The name shown: the node's name, with a suffix when an earlier
    /// placed node in the folder has the same name (`report (2).txt`).
    pub name: String,
    pub node: BlobRef,
    pub kind: Kind,
    /// The content's size in bytes (0 for a folder).
    pub size: u64,
    /// The `file` schema ref of the content (None for a folder).
    pub content: Option<BlobRef>,
    /// The date of the claim that last changed the node's place or
    /// content, as of the time asked.
    pub modified: Timestamp,
}

/// A file's version at some time: what `blob::file_reader` streams.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FileVersion {
    pub node: BlobRef,
    /// None for a file node that has no content yet.
    pub content: Option<BlobRef>,
    pub size: u64,
    pub modified: Timestamp,
}

/// `name` as the `rank`-th node of that name in its folder shows it
/// (rank 1 keeps the name): the suffix goes before the extension, the
/// part from the last `.` that is not the first byte (TREE.md, rule 3).
pub fn display_name(name: &str, rank: usize) -> String {
    if rank <= 1 {
        return name.to_owned();
    }
    match name.rfind('.') {
        Some(dot) if dot > 0 => format!("{} ({rank}){}", &name[..dot], &name[dot..]),
        _ => format!("{name} ({rank})"),
    }
}

/// The base name and rank a display name may stand for: `a (2).txt` →
/// (`a.txt`, 2).
fn parse_display_name(shown: &str) -> Option<(String, usize)> {
    let (stem, extension) = match shown.rfind('.') {
        Some(dot) if dot > 0 && !shown[..dot].ends_with(')') => return parse_stem(shown, ""),
        Some(dot) if dot > 0 => (&shown[..dot], &shown[dot..]),
        _ => (shown, ""),
    };
    parse_stem(stem, extension)
}

fn parse_stem(stem: &str, extension: &str) -> Option<(String, usize)> {
    let inner = stem.strip_suffix(')')?;
    let open = inner.rfind(" (")?;
    let digits = &inner[open + 2..];
    if digits.is_empty() || digits.starts_with('0') || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let rank: usize = digits.parse().ok()?;
    (rank >= 2).then(|| (format!("{}{extension}", &inner[..open]), rank))
}

/// A path resolved at some time.
pub(super) struct Resolved {
    pub node: BlobRef,
    /// The node's segment at the time and the claim that began it; None
    /// for the root (it has no place).
    pub segment: Option<(ClaimKey, Segment)>,
}

impl Resolved {
    pub fn kind(&self) -> Kind {
        self.segment
            .as_ref()
            .map_or(Kind::Folder, |(_, segment)| segment.view.kind)
    }
}

impl Tree {
    fn options(&self) -> ReadOptions {
        ReadOptions::new()
    }

    /// The node named `name` (a display name) in `folder` at `at`.
    pub(super) fn child_named(
        &self,
        folder: &BlobRef,
        name: &str,
        at: Timestamp,
    ) -> Result<Option<BlobRef>, FsError> {
        let db = self.backend.db();
        let nodes = query::named_at(db, &self.options(), folder, name, at)?;
        if let Some(first) = nodes.first() {
            return Ok(Some(*first));
        }
        let Some((base, rank)) = parse_display_name(name) else {
            return Ok(None);
        };
        let nodes = query::named_at(db, &self.options(), folder, &base, at)?;
        Ok(nodes.get(rank - 1).copied())
    }

    /// Resolves `path` at `at`: every folder on the way must be visible.
    pub(super) fn resolve(&self, path: &TreePath, at: Timestamp) -> Result<Resolved, FsError> {
        let mut resolved = Resolved {
            node: self.root,
            segment: None,
        };
        for (index, name) in path.names().iter().enumerate() {
            if resolved.kind() != Kind::Folder {
                return Err(FsError::NotAFolder {
                    path: path.prefix(index).to_string(),
                });
            }
            let not_found = || FsError::NotFound {
                path: path.prefix(index + 1).to_string(),
            };
            let node = self
                .child_named(&resolved.node, name, at)?
                .ok_or_else(not_found)?;
            let segment = query::segment_at(self.backend.db(), &self.options(), &node, at)?;
            resolved = Resolved {
                node,
                segment: Some(segment.ok_or_else(not_found)?),
            };
        }
        Ok(resolved)
    }

    /// The folder at `path` as it was at `at`, sorted by name.
    pub fn list(&self, path: &TreePath, at: Timestamp) -> Result<Vec<Entry>, FsError> {
        let folder = self.resolve(path, at)?;
        if folder.kind() != Kind::Folder {
            return Err(FsError::NotAFolder {
                path: path.to_string(),
            });
        }
        self.list_node(&folder.node, at)
    }

    /// The children of `folder` at `at` (visibility of `folder` itself is
    /// the caller's business), sorted by shown name.
    pub(super) fn list_node(&self, folder: &BlobRef, at: Timestamp) -> Result<Vec<Entry>, FsError> {
        let mut children = query::list_at(self.backend.db(), &self.options(), folder, at)?;
        // Same names together, each group in placement order: the first
        // keeps the name, the later get the suffix (TREE.md rule 3). The
        // order is sorted as indices (a child is a few hundred bytes to
        // move; rows come in date order, not name order); later keys
        // only on a tie (no copy of two refs per comparison).
        let mut order: Vec<u32> = (0..children.len() as u32).collect();
        order.sort_unstable_by(|&a, &b| {
            let (a, b) = (&children[a as usize], &children[b as usize]);
            (a.name.cmp(&b.name))
                .then_with(|| a.since.cmp(&b.since))
                .then_with(|| a.node.cmp(&b.node))
        });
        let same_as_previous: Vec<bool> = (0..order.len())
            .map(|position| {
                position > 0
                    && children[order[position - 1] as usize].name
                        == children[order[position] as usize].name
            })
            .collect();
        let mut entries: Vec<Entry> = Vec::with_capacity(children.len());
        let mut rank = 0;
        for (&index, same_as_previous) in order.iter().zip(same_as_previous) {
            // Each child is visited once: its name can be moved out.
            let child = &mut children[index as usize];
            rank = if same_as_previous { rank + 1 } else { 1 };
            let name = if rank == 1 {
                std::mem::take(&mut child.name)
            } else {
                display_name(&child.name, rank)
            };
            entries.push(Entry {
                name,
                node: child.node,
                kind: child.kind,
                size: child.size,
                content: child.content,
                modified: child.from,
            });
        }
        if entries.windows(2).any(|pair| pair[0].name > pair[1].name) {
            entries.sort_unstable_by(|a, b| a.name.cmp(&b.name));
        }
        Ok(entries)
    }

    /// What is at `path` at `at`.
    pub fn stat(&self, path: &TreePath, at: Timestamp) -> Result<Entry, FsError> {
        let resolved = self.resolve(path, at)?;
        let name = path.names().last().cloned().unwrap_or_default();
        Ok(match &resolved.segment {
            Some((from, segment)) => entry_of(name, resolved.node, segment, from.date),
            None => Entry {
                name,
                node: self.root,
                kind: Kind::Folder,
                size: 0,
                content: None,
                modified: self.root_date()?,
            },
        })
    }

    fn root_date(&self) -> Result<Timestamp, FsError> {
        let keys = query::claim_keys(self.backend.db(), &self.options(), &self.root)?;
        Ok(keys.first().map_or(Timestamp::now(), |key| key.date))
    }

    /// The file at `path` at `at`, for streaming its content.
    pub fn open_file(&self, path: &TreePath, at: Timestamp) -> Result<FileVersion, FsError> {
        let entry = self.stat(path, at)?;
        if entry.kind == Kind::Folder {
            return Err(FsError::IsAFolder {
                path: path.to_string(),
            });
        }
        Ok(FileVersion {
            node: entry.node,
            content: entry.content,
            size: entry.size,
            modified: entry.modified,
        })
    }

    /// Every event of the node at `path` (resolved at `at`), newest first.
    pub fn history(&self, path: &TreePath, at: Timestamp) -> Result<Vec<Event>, FsError> {
        let resolved = self.resolve(path, at)?;
        self.history_of(&resolved.node)
    }

    /// Every event of `node`, newest first.
    pub fn history_of(&self, node: &BlobRef) -> Result<Vec<Event>, FsError> {
        let mut events = query::events(self.backend.db(), &self.options(), node)?;
        events.reverse();
        Ok(events)
    }

    /// The path of `node` at `at` (names as stored, without suffixes), or
    /// None when it is not visible then. The root's path is `/`.
    pub fn path_of(&self, node: &BlobRef, at: Timestamp) -> Result<Option<TreePath>, FsError> {
        let mut names = Vec::new();
        let mut current = *node;
        let mut seen = std::collections::HashSet::new();
        while current != self.root {
            if !seen.insert(current) {
                return Ok(None);
            }
            let Some((_, segment)) =
                query::segment_at(self.backend.db(), &self.options(), &current, at)?
            else {
                return Ok(None);
            };
            let place = &segment.placement().place;
            names.push(place.name.clone());
            current = place.parent;
        }
        let mut path = TreePath::root();
        for name in names.iter().rev() {
            path = path.join(name);
        }
        Ok(Some(path))
    }

    /// The path of `place`'s folder at `at`, joined with its name.
    pub fn path_of_place(
        &self,
        place: &crate::schema::Place,
        at: Timestamp,
    ) -> Result<Option<TreePath>, FsError> {
        Ok(self
            .path_of(&place.parent, at)?
            .map(|folder| folder.join(&place.name)))
    }

    /// Up to `limit` claims of the whole store dated after `after` and
    /// before `before` (both exclusive), oldest first: the UI's timeline.
    pub fn changes(
        &self,
        after: Option<Timestamp>,
        before: Option<Timestamp>,
        limit: usize,
    ) -> Result<Vec<query::LoggedClaim>, FsError> {
        Ok(query::claim_log(
            self.backend.db(),
            &self.options(),
            after,
            before,
            limit,
        )?)
    }

    /// `node`'s claims (and the deletes that reach it), in claim order.
    pub fn claims(&self, node: &BlobRef) -> Result<Vec<(ClaimKey, Claim)>, FsError> {
        let keys = query::claim_keys(self.backend.db(), &self.options(), node)?;
        let mut claims = Vec::with_capacity(keys.len());
        for claim_key in keys {
            let bytes = self
                .backend
                .source()
                .get(&claim_key.claim)
                .map_err(|e| FsError::Storage(e.to_string()))?;
            let claim = Claim::parse(&bytes)
                .map_err(|e| FsError::Storage(format!("{}: {e}", claim_key.claim)))?;
            claims.push((claim_key, claim));
        }
        Ok(claims)
    }

    /// `node`'s attributes at `at` (SCHEMA.md, "A node's attributes at
    /// time T").
    pub fn attributes(&self, node: &BlobRef, at: Timestamp) -> Result<AttributeState, FsError> {
        let claims: Vec<(BlobRef, Claim)> = self
            .claims(node)?
            .into_iter()
            .map(|(key, claim)| (key.claim, claim))
            .collect();
        Ok(attributes_at(node, &claims, at))
    }
}

fn entry_of(name: String, node: BlobRef, segment: &Segment, from: Timestamp) -> Entry {
    let view = &segment.view;
    Entry {
        name,
        node,
        kind: view.kind,
        size: view.size,
        content: view.content,
        modified: from,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suffix_goes_before_the_extension() {
        assert_eq!(display_name("report.txt", 1), "report.txt");
        assert_eq!(display_name("report.txt", 2), "report (2).txt");
        assert_eq!(display_name("a.tar.gz", 3), "a.tar (3).gz");
        assert_eq!(display_name(".bashrc", 2), ".bashrc (2)");
        assert_eq!(display_name("notes", 2), "notes (2)");
    }

    #[test]
    fn display_names_parse_back_to_base_and_rank() {
        for (name, rank) in [
            ("report.txt", 2),
            ("a.tar.gz", 3),
            (".bashrc", 2),
            ("notes", 12),
        ] {
            let shown = display_name(name, rank);
            assert_eq!(
                parse_display_name(&shown),
                Some((name.to_owned(), rank)),
                "{shown}"
            );
        }
        for plain in ["report.txt", "a (1).txt", "a (01).txt", "a ().txt", "(2)"] {
            assert_eq!(parse_display_name(plain), None, "{plain}");
        }
    }
}
