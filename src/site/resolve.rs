//! A URL path of the site at a tree time → what to answer
//! ([SITE.md](SITE.md), "Serving"): a file of `/site` (a folder's
//! `index.html` for a path ending in `/`), with its precompressed
//! variants beside it; a redirect to add the slash; or nothing. Small
//! files come with their bytes, so a cached answer reads no blob.

use super::encoding::Coding;
use crate::blob::BlobRef;
use crate::blob::file_reader::read_range;
use crate::fs::{Entry, FsError, Tree, TreePath};
use crate::index::Kind;
use crate::util::rfc3339::Timestamp;
use crate::util::time::format_http_date;
use std::sync::Arc;

/// The tree folder the site is served from.
pub const SITE_FOLDER: &str = "site";
/// A folder's page.
pub const INDEX_NAME: &str = "index.html";
/// The page answered, with 404, for a missing path.
pub const NOT_FOUND_PATH: &str = "/404.html";
/// Files up to this size are kept in memory with their answer.
pub const SMALL_FILE_BYTES_MAX: u64 = 64 * 1024;

/// One version of one file, ready to serve.
#[derive(Debug)]
pub struct Version {
    pub node: BlobRef,
    /// None for a file node that has no content yet (served empty).
    pub content: Option<BlobRef>,
    pub size: u64,
    pub modified: Timestamp,
    /// The strong entity-tag, with quotes: the content ref (the node for
    /// an empty node).
    pub etag: String,
    /// The whole content, for a file of at most [`SMALL_FILE_BYTES_MAX`].
    pub bytes: Option<Arc<[u8]>>,
}

/// A file the site answers with.
#[derive(Debug)]
pub struct Page {
    /// The file's name (its extension gives the media type).
    pub name: String,
    pub identity: Version,
    /// Precompressed variants stored beside it (`name.br`, `name.gz`).
    pub variants: Vec<(Coding, Version)>,
}

impl Page {
    /// The codings of the variants.
    pub fn codings(&self) -> Vec<Coding> {
        self.variants.iter().map(|(coding, _)| *coding).collect()
    }

    /// The version in `coding` (None: the identity).
    pub fn version(&self, coding: Option<Coding>) -> &Version {
        let variant = self.variants.iter().find(|(c, _)| Some(*c) == coding);
        variant.map_or(&self.identity, |(_, version)| version)
    }

    /// Bytes kept in memory with this page.
    pub fn memory_bytes(&self) -> usize {
        let versions = std::iter::once(&self.identity).chain(self.variants.iter().map(|(_, v)| v));
        versions
            .map(|v| v.bytes.as_ref().map_or(0, |b| b.len()))
            .sum()
    }
}

/// What a URL path leads to at a tree time.
#[derive(Clone, Debug)]
pub enum Lookup {
    Page(Arc<Page>),
    /// A folder asked for without its trailing slash: 301.
    AddSlash,
    Missing,
    /// The path breaks a path rule (400), with the reason.
    BadPath(String),
}

/// Resolves `url_path` (decoded, from its `/`) in `/site` at `at`.
pub fn resolve(tree: &Tree, at: Timestamp, url_path: &str) -> Result<Lookup, FsError> {
    let below = match TreePath::parse(url_path) {
        Ok(path) => path,
        Err(error) => return Ok(Lookup::BadPath(format!("bad path: {error}"))),
    };
    let mut path = TreePath::root().join(SITE_FOLDER);
    for name in below.names() {
        path = path.join(name);
    }
    let wants_folder = url_path.ends_with('/');
    let Some(entry) = stat(tree, &path, at)? else {
        return Ok(Lookup::Missing);
    };
    let (path, entry) = match (entry.kind, wants_folder) {
        (Kind::Folder, false) => return Ok(Lookup::AddSlash),
        (Kind::File, true) => return Ok(Lookup::Missing),
        (Kind::File, false) => (path, entry),
        (Kind::Folder, true) => {
            let index = path.join(INDEX_NAME);
            match stat(tree, &index, at)? {
                Some(entry) if entry.kind == Kind::File => (index, entry),
                _ => return Ok(Lookup::Missing),
            }
        }
    };
    let page = page_of(tree, &path, entry, at)?;
    Ok(Lookup::Page(Arc::new(page)))
}

/// The entry at `path` at `at`, None when there is none.
fn stat(tree: &Tree, path: &TreePath, at: Timestamp) -> Result<Option<Entry>, FsError> {
    match tree.stat(path, at) {
        Ok(entry) => Ok(Some(entry)),
        Err(FsError::NotFound { .. } | FsError::NotAFolder { .. }) => Ok(None),
        Err(error) => Err(error),
    }
}

fn page_of(tree: &Tree, path: &TreePath, entry: Entry, at: Timestamp) -> Result<Page, FsError> {
    let (folder, name) = path.split_last().expect("below /site");
    let name = name.to_owned();
    let mut variants = Vec::new();
    let is_variant = Coding::ALL.iter().any(|c| name.ends_with(c.suffix()));
    for coding in Coding::ALL {
        let variant_name = format!("{name}{}", coding.suffix());
        if is_variant || crate::schema::validate_name(&variant_name).is_err() {
            continue;
        }
        if let Some(found) = stat(tree, &folder.join(&variant_name), at)?
            && found.kind == Kind::File
        {
            variants.push((coding, version_of(tree, found)?));
        }
    }
    Ok(Page {
        name,
        identity: version_of(tree, entry)?,
        variants,
    })
}

fn version_of(tree: &Tree, entry: Entry) -> Result<Version, FsError> {
    let tag = entry.content.unwrap_or(entry.node);
    let bytes = match entry.content {
        Some(content) if entry.size <= SMALL_FILE_BYTES_MAX => {
            let mut out = Vec::with_capacity(entry.size as usize);
            read_range(tree.backend().source(), &content, 0, entry.size, &mut out)?;
            Some(Arc::from(out))
        }
        Some(_) => None,
        None => Some(Arc::from(Vec::new())),
    };
    Ok(Version {
        node: entry.node,
        content: entry.content,
        size: entry.size,
        modified: entry.modified,
        etag: format!("\"{tag}\""),
        bytes,
    })
}

/// `Last-Modified` of a version.
pub fn http_date(at: Timestamp) -> String {
    format_http_date(at.unix_seconds())
}
