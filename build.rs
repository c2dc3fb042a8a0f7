//! Compiles the files under `www/ui/` and `www/site/` into the binary:
//! writes `$OUT_DIR/assets.rs` with one table per folder, each entry the
//! path, an `include_bytes!` of the file and an ETag from its content.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

fn main() {
    let out_dir = PathBuf::from(std::env::var("OUT_DIR").expect("OUT_DIR"));
    let root = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").expect("CARGO_MANIFEST_DIR"));
    let mut code = String::new();
    for (name, folder) in [("UI", "www/ui"), ("SITE", "www/site")] {
        let base = root.join(folder);
        println!("cargo:rerun-if-changed={}", base.display());
        let mut files = Vec::new();
        collect(&base, &mut files);
        files.sort();
        writeln!(code, "pub static {name}: &[Asset] = &[").unwrap();
        for file in files {
            let bytes = std::fs::read(&file).expect("read asset");
            let relative = file.strip_prefix(&base).expect("under base");
            let url_path = format!("/{}", relative.to_string_lossy().replace('\\', "/"));
            println!("cargo:rerun-if-changed={}", file.display());
            writeln!(
                code,
                "    Asset {{ path: {url_path:?}, bytes: include_bytes!({:?}), etag: \"\\\"{:016x}\\\"\" }},",
                file.display(),
                fnv1a(&bytes)
            )
            .unwrap();
        }
        writeln!(code, "];").unwrap();
    }
    std::fs::write(out_dir.join("assets.rs"), code).expect("write assets.rs");
}

fn collect(folder: &Path, files: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(folder) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            println!("cargo:rerun-if-changed={}", path.display());
            collect(&path, files);
        } else {
            files.push(path);
        }
    }
}

/// FNV-1a, 64 bits: enough to tell versions of one asset apart.
fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |hash, &byte| {
        (hash ^ u64::from(byte)).wrapping_mul(0x0000_0100_0000_01b3)
    })
}
