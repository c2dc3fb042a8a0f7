//! The site a new store starts with: `www/site/` (compiled in) is put
//! into `/site` and published on the first start, so a new user sees a
//! website at `/` at once (SITE.md, "First start").
//!
//! "First start" is read from the claims alone: the store holds no claim
//! but the root's own. Once anything was written (the starter site
//! included) it never happens again, even when the user deletes `/site`.

use super::publish::{self, Publish};
use crate::fs::{FsError, Tree, TreePath};
use crate::web::assets::{Asset, SITE};

/// Claims a store holds before anything was written: the root's.
const FRESH_STORE_CLAIMS: usize = 1;

/// Puts the starter site into `/site` and publishes it when the store is
/// new; None when it is not.
pub fn publish_if_new(tree: &Tree) -> Result<Option<Publish>, FsError> {
    if !is_new(tree)? {
        return Ok(None);
    }
    put_all(tree, SITE)?;
    Ok(Some(publish::publish(tree, None)?))
}

/// Does the store hold no claim but the root's?
pub fn is_new(tree: &Tree) -> Result<bool, FsError> {
    Ok(tree.changes(None, None, FRESH_STORE_CLAIMS + 1)?.len() <= FRESH_STORE_CLAIMS)
}

/// Puts each asset at `/site` + its path.
fn put_all(tree: &Tree, assets: &[Asset]) -> Result<(), FsError> {
    for asset in assets {
        let path = TreePath::parse(&format!("/site{}", asset.path))?;
        tree.put_file(&path, asset.bytes)?;
    }
    Ok(())
}
