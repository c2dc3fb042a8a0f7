//! The embedded LSM key-value store (LevelDB's design). See FORMAT.md.

#[allow(
    clippy::len_without_is_empty,
    reason = "env.rs is the placeholder of the store branch's Env, kept verbatim"
)]
pub mod env;
pub mod table;
