//! The website from the store ([SITE.md](SITE.md)): `/` serves the tree
//! folder `/site` as of its latest publish; `/@X/…` as it was served at
//! a moment (Memento, RFC 7089); `/timemap/…` lists a page's versions.
//!
//! `publish` keeps the publish records (claims on the root); `url`
//! splits a site URL; `resolve` finds the file a URL path names at a
//! tree time and `cache` remembers it per tree generation; `serve`
//! answers over HTTP with `encoding` (precompressed variants),
//! `cache_control`, `memento` and `banner`; `starter` is the site a new
//! store starts with; `options` the `serve` flags.

pub mod banner;
pub mod cache;
pub mod cache_control;
pub mod encoding;
pub mod memento;
pub mod options;
pub mod publish;
pub mod resolve;
pub mod serve;
pub mod starter;
pub mod url;

pub use options::SiteOptions;
pub use publish::{Publish, current, in_force_at, list, publish, rollback};
pub use serve::Site;
