//! `strata serve` with its real store: blobs and files survive a restart
//! (after SIGKILL), a second server on the same data folder is refused,
//! and damage on disk is never served as data.

mod common;

use common::{ServedBinary, call, json_of};
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use strata::blob::storage::conformance::pattern;
use strata::blob::{BLOB_BYTES_MAX, BlobRef};
use strata::util::json::Value;

/// PUTs `bytes` to `route` and returns the answered ref.
fn put(served: &ServedBinary, route: &str, bytes: &[u8]) -> String {
    let response = call(served.address, "PUT", route, "", bytes);
    assert!(matches!(response.status, 200 | 201), "{}", response.text());
    let value = json_of(&response);
    value.get("ref").and_then(Value::as_str).unwrap().to_owned()
}

#[test]
fn blobs_and_files_survive_a_killed_server() {
    let mut served = ServedBinary::start("restart");
    let small = pattern(100, 31);
    let large = pattern(300_000, 32);
    let largest = pattern(BLOB_BYTES_MAX, 33);
    let file = pattern(3_000_000, 34);
    let refs: Vec<String> = [&small, &large, &largest]
        .iter()
        .map(|bytes| put(&served, "/api/blob", bytes))
        .collect();
    let file_ref = put(&served, "/api/file?filename=f.bin", &file);
    let before = served.blobs();
    served.restart();
    assert_eq!(served.blobs(), before, "the same blobs after a SIGKILL");
    for (blob_ref, bytes) in refs.iter().zip([&small, &large, &largest]) {
        let read = call(
            served.address,
            "GET",
            &format!("/api/blob/{blob_ref}"),
            "",
            b"",
        );
        assert_eq!(read.status, 200);
        assert!(read.body == *bytes, "{blob_ref} read back differs");
    }
    let read = call(
        served.address,
        "GET",
        &format!("/api/file/{file_ref}"),
        "",
        b"",
    );
    assert!(read.body == file, "the file read back differs");
    let again = call(served.address, "PUT", "/api/blob", "", &large);
    assert_eq!(again.status, 200, "still there: not stored again");
}

#[test]
fn a_second_serve_on_the_same_data_folder_exits_1_naming_it() {
    let served = ServedBinary::start("held");
    let output = Command::new(env!("CARGO_BIN_EXE_strata"))
        .args(["serve", "--listen", "127.0.0.1:0", "--token", "x", "--data"])
        .arg(&served.data)
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains(&*served.data.to_string_lossy()), "{stderr}");
    assert!(
        stderr.contains("another process holds its store"),
        "{stderr}"
    );
    let health = call(served.address, "GET", "/healthz", "", b"");
    assert_eq!(health.status, 200, "the first server serves on");
}

/// The value-log files of the store of `data`.
fn value_log_files(data: &Path) -> Vec<PathBuf> {
    let store = strata::blob::data_store_dir(data);
    let entries = std::fs::read_dir(store).unwrap();
    let paths = entries.map(|entry| entry.unwrap().path());
    paths
        .filter(|path| {
            path.extension()
                .is_some_and(|extension| extension == "vlog")
        })
        .collect()
}

/// Flips one bit of the first copy of `needle` in `files`.
fn flip_first_copy(files: &[PathBuf], needle: &[u8]) {
    for path in files {
        let mut bytes = std::fs::read(path).unwrap();
        if let Some(offset) = bytes
            .windows(needle.len())
            .position(|window| window == needle)
        {
            bytes[offset] ^= 0x01;
            std::fs::write(path, &bytes).unwrap();
            return;
        }
    }
    panic!("no value-log file holds the bytes");
}

#[test]
fn a_damaged_blob_on_disk_is_never_served() {
    let mut served = ServedBinary::start("damage");
    let bytes = pattern(300_000, 35);
    let blob_ref = put(&served, "/api/blob", &bytes);
    // A restart writes the WAL's rows into a table: the damage below is
    // then met by a read, not by the WAL replay of the next start.
    served.restart();
    served.kill();
    flip_first_copy(&value_log_files(&served.data), &bytes[200_000..200_064]);
    served.restart();
    let request = format!(
        "GET /api/blob/{blob_ref} HTTP/1.1\r\nHost: t\r\nAuthorization: Bearer {}\r\n\
         Connection: close\r\n\r\n",
        common::TOKEN
    );
    let mut wire = common::Wire::connect(served.address);
    wire.send(request.as_bytes());
    let mut raw = Vec::new();
    let _ = wire.stream.read_to_end(&mut raw);
    let head_end = raw
        .windows(4)
        .position(|window| window == b"\r\n\r\n")
        .unwrap()
        + 4;
    let head = String::from_utf8_lossy(&raw[..head_end]);
    let body = &raw[head_end..];
    if head.starts_with("HTTP/1.1 200") {
        assert!(body.len() < bytes.len(), "the whole damaged blob was sent");
        assert!(
            bytes.starts_with(body),
            "bytes other than the blob's were sent"
        );
    } else {
        assert!(head.starts_with("HTTP/1.1 500"), "{head}");
    }
    let intact = BlobRef::of_bytes(b"intact");
    let put_after = call(served.address, "PUT", "/api/blob", "", b"intact");
    assert_eq!(put_after.status, 201, "the server serves on");
    assert!(served.contains(&intact));
}
