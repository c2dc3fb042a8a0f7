//! `strata fsck` on a data folder written by the real server: silent and
//! 0 on a sound store; 1 naming the blob for damaged bytes in a value-log
//! file, a size row that disagrees with its bytes, or a row without its
//! partner; refused while a server holds the store.

mod common;

use common::{ServedBinary, call, json_of};
use std::path::Path;
use std::process::Output;
use strata::blob::storage::conformance::pattern;
use strata::blob::{BlobRef, DbStorage, data_store_dir};
use strata::store::{WriteOptions, db::WriteBatch};
use strata::util::json::Value;

fn fsck(data: &Path) -> Output {
    std::process::Command::new(env!("CARGO_BIN_EXE_strata"))
        .args(["fsck", "--data"])
        .arg(data)
        .output()
        .unwrap()
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// A killed server's data folder holding a few blobs and a file, every
/// row in a table (the restart flushes the WAL); the large blob's bytes.
fn stored_folder(name: &str) -> (ServedBinary, Vec<u8>, String) {
    let mut served = ServedBinary::start(name);
    let large = pattern(300_000, 41);
    let mut large_ref = String::new();
    for bytes in [&b"small"[..], &large, &pattern(2_000_000, 42)] {
        let route = if bytes.len() > 1_000_000 {
            "/api/file"
        } else {
            "/api/blob"
        };
        let response = call(served.address, "PUT", route, "", bytes);
        let value = json_of(&response);
        if bytes.len() == large.len() {
            large_ref = value.get("ref").and_then(Value::as_str).unwrap().to_owned();
        }
    }
    served.restart();
    served.kill();
    (served, large, large_ref)
}

#[test]
fn fsck_of_a_sound_store_prints_one_summary_line_and_exits_0() {
    let (served, _, _) = stored_folder("fsck-sound");
    let output = fsck(&served.data);
    let stdout = text(&output.stdout);
    assert_eq!(
        output.status.code(),
        Some(0),
        "{stdout}{}",
        text(&output.stderr)
    );
    assert_eq!(stdout.lines().count(), 1, "{stdout}");
    assert!(stdout.starts_with("fsck: no damage; "), "{stdout}");
    assert!(stdout.contains(" blobs ("), "{stdout}");
}

#[test]
fn fsck_names_a_blob_whose_value_log_bytes_are_damaged() {
    let (served, large, large_ref) = stored_folder("fsck-vlog");
    let store = data_store_dir(&served.data);
    let needle = &large[150_000..150_064];
    let mut flipped = false;
    for entry in std::fs::read_dir(&store).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_none_or(|extension| extension != "vlog") {
            continue;
        }
        let mut bytes = std::fs::read(&path).unwrap();
        if let Some(offset) = bytes
            .windows(needle.len())
            .position(|window| window == needle)
        {
            bytes[offset + 10] ^= 0x80;
            std::fs::write(&path, &bytes).unwrap();
            flipped = true;
        }
    }
    assert!(flipped, "the blob's bytes are in a value-log file");
    let output = fsck(&served.data);
    assert_eq!(output.status.code(), Some(1));
    let stdout = text(&output.stdout);
    let damaged: Vec<&str> = stdout
        .lines()
        .filter(|line| line.starts_with("damaged "))
        .collect();
    assert_eq!(damaged.len(), 1, "{stdout}");
    assert!(
        damaged[0].starts_with(&format!("damaged {large_ref}: ")),
        "{stdout}"
    );
    assert!(text(&output.stderr).contains("1 problems found"));
}

#[test]
fn fsck_checks_each_size_row_against_its_bytes() {
    let (served, _, _) = stored_folder("fsck-rows");
    let wrong_size = BlobRef::of_bytes(b"small");
    let orphan = BlobRef::of_bytes(b"never stored");
    {
        let storage = DbStorage::open(&data_store_dir(&served.data)).unwrap();
        let mut rows = WriteBatch::new();
        rows.put(format!("s{wrong_size}").as_bytes(), &[6]);
        rows.put(format!("s{orphan}").as_bytes(), &[1]);
        storage
            .db()
            .write(&WriteOptions { sync: true }, rows)
            .unwrap();
    }
    let output = fsck(&served.data);
    assert_eq!(output.status.code(), Some(1));
    let stdout = text(&output.stdout);
    let expected_size = format!("damaged {wrong_size}: its size row says 6 bytes, it has 5");
    assert!(stdout.contains(&expected_size), "{stdout}");
    let expected_orphan = format!("damaged {orphan}: its size row has no bytes");
    assert!(stdout.contains(&expected_orphan), "{stdout}");
}

#[test]
fn fsck_refuses_a_store_a_server_holds_and_a_folder_without_one() {
    let served = ServedBinary::start("fsck-held");
    let output = fsck(&served.data);
    assert_eq!(output.status.code(), Some(1));
    assert!(text(&output.stderr).contains("held by another process"));
    let empty = served.data.join("nothing-here");
    let output = fsck(&empty);
    assert_eq!(output.status.code(), Some(1));
    assert!(
        text(&output.stderr).contains("no store in"),
        "{}",
        text(&output.stderr)
    );
    assert!(!empty.exists(), "fsck creates nothing");
}

#[test]
fn fsck_has_help() {
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_strata"))
        .args(["fsck", "--help"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(0));
    assert!(text(&output.stdout).contains("--data DIR"));
    let overview = std::process::Command::new(env!("CARGO_BIN_EXE_strata"))
        .arg("--help")
        .output()
        .unwrap();
    assert!(text(&overview.stdout).contains("fsck"));
}
