//! The website from the store ([SITE.md](SITE.md)): `/` serves the tree
//! folder `/site` as of its latest publish; `/@T/…` as it was served at
//! T (Memento, RFC 7089); `/timemap/…` lists a page's versions.
//!
//! `publish` keeps the publish records (claims on the root).

pub mod publish;

pub use publish::{Publish, current, in_force_at, list, publish, rollback};
