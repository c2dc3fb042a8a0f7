//! strata: a personal file store and web server in one std-only binary.
//!
//! Layers, top to bottom (each imports only the ones below it):
//! `cli` → `web` (and `site`, the website half of it) → `http`; `web` →
//! `fs` → `schema`, `index` → `blob` → `store`; and everything may use
//! `util`. See README.md.

#![deny(unsafe_code)]

pub mod blob;
pub mod cli;
pub mod fs;
pub mod http;
pub mod index;
pub mod schema;
pub mod site;
pub mod store;
pub mod util;
pub mod web;
