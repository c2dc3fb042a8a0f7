//! The embedded LSM key-value store (LevelDB's design). See FORMAT.md.
