//! `strata put` and `strata get` as a user runs them: the real binary
//! against a real `strata serve` (on its own store), and against a data
//! folder directly.

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use common::{ServedBinary, TOKEN, blob_server, call, strata_with_token};
use strata::blob::BlobRef;
use strata::blob::chunker::Chunker;
use strata::blob::db_storage::{DbStorage, data_store_dir};
use strata::util::splitmix::pseudo_random_bytes;

/// A fresh folder for one test, removed when dropped.
struct Folder(PathBuf);

impl Folder {
    fn new(name: &str) -> Folder {
        let path =
            std::env::temp_dir().join(format!("strata-putget-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&path);
        std::fs::create_dir_all(&path).unwrap();
        Folder(path)
    }

    fn file(&self, name: &str, bytes: &[u8]) -> PathBuf {
        let path = self.0.join(name);
        std::fs::write(&path, bytes).unwrap();
        path
    }
}

impl Drop for Folder {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// Runs the binary with `args` and the token `token` in STRATA_TOKEN.
fn strata(args: &[&str]) -> Output {
    strata_with_token(TOKEN, args)
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// A real `strata serve` on a fresh data folder: its URL, and the
/// server (killed when dropped).
fn server(name: &str) -> (String, ServedBinary) {
    let (address, served) = blob_server(name);
    (format!("http://{address}/"), served)
}

/// `strata put --verbose` of `path`: the ref and size printed, and the
/// chunks (sent, skipped) that stderr reports.
fn put(url: &str, path: &Path) -> (BlobRef, u64, (u64, u64)) {
    let output = strata(&["put", "--verbose", "--server", url, path.to_str().unwrap()]);
    assert!(output.status.success(), "{}", text(&output.stderr));
    let stdout = text(&output.stdout);
    let fields: Vec<&str> = stdout.trim_end().splitn(3, ' ').collect();
    assert_eq!(fields.len(), 3, "{stdout}");
    assert_eq!(fields[2], path.to_str().unwrap());
    let blob_ref = BlobRef::parse(fields[0]).unwrap();
    (
        blob_ref,
        fields[1].parse().unwrap(),
        chunk_counts(&text(&output.stderr)),
    )
}

/// (sent, skipped) chunks from `--verbose`'s line: "… sent N chunks (…
/// bytes), skipped M chunks (… bytes); …".
fn chunk_counts(stderr: &str) -> (u64, u64) {
    let number_before = |word: &str| -> u64 {
        let at = stderr
            .find(word)
            .unwrap_or_else(|| panic!("{word:?} in {stderr}"));
        let before = stderr[..at].trim_end();
        let digits = before.rsplit(' ').next().unwrap();
        digits
            .parse()
            .unwrap_or_else(|_| panic!("a number before {word:?}: {stderr}"))
    };
    let skipped_at = stderr.find("skipped").expect("skipped");
    let sent = number_before(" chunks (");
    let skipped_text = &stderr[skipped_at..];
    let skipped = skipped_text.split(' ').nth(1).unwrap().parse().unwrap();
    (sent, skipped)
}

fn get_stdout(args: &[&str]) -> Vec<u8> {
    let output = strata(args);
    assert!(output.status.success(), "{}", text(&output.stderr));
    output.stdout
}

/// The chunks Perkeep's chunker cuts `bytes` into.
fn chunks_of(bytes: &[u8]) -> Vec<Vec<u8>> {
    let mut chunker = Chunker::new(bytes);
    let mut chunks = Vec::new();
    while let Some(chunk) = chunker.next_chunk().unwrap() {
        chunks.push(chunk.bytes.to_vec());
    }
    chunks
}

#[test]
fn put_then_get_gives_identical_bytes() {
    let folder = Folder::new("identical");
    let (url, _storage) = server("identical");
    for (name, length) in [("empty", 0), ("one", 1), ("few-mib", 3 << 20)] {
        let bytes = pseudo_random_bytes(length as u64 + 5, length);
        let path = folder.file(name, &bytes);
        let (file_ref, size, _) = put(&url, &path);
        assert_eq!(size, length as u64);
        let got = get_stdout(&["get", "--server", &url, file_ref.as_str()]);
        assert_eq!(got, bytes, "{name} to stdout");
        let out = folder.0.join(format!("{name}.out"));
        let args = [
            "get",
            file_ref.as_str(),
            "-o",
            out.to_str().unwrap(),
            "--server",
            &url,
        ];
        assert!(get_stdout(&args).is_empty());
        assert_eq!(std::fs::read(&out).unwrap(), bytes, "{name} to -o");
    }
}

#[test]
fn putting_the_same_file_twice_sends_nothing_the_second_time() {
    let folder = Folder::new("twice");
    let (url, _storage) = server("twice");
    let path = folder.file("twice", &pseudo_random_bytes(7, 4 << 20));
    let (first_ref, _, (sent, skipped)) = put(&url, &path);
    assert!(sent > 3 && skipped == 0, "{sent} {skipped}");
    let (second_ref, _, (sent_again, skipped_again)) = put(&url, &path);
    assert_eq!(first_ref, second_ref);
    assert_eq!((sent_again, skipped_again), (0, sent));
}

#[test]
fn inserting_a_few_bytes_near_the_start_sends_only_a_few_chunks() {
    let folder = Folder::new("insert");
    let (url, _storage) = server("insert");
    let mut bytes = pseudo_random_bytes(8, 8 << 20);
    let path = folder.file("big", &bytes);
    let (_, _, (sent, _)) = put(&url, &path);
    bytes.splice(100_000..100_000, *b"inserted");
    let path = folder.file("big", &bytes);
    let (file_ref, _, (sent_again, skipped_again)) = put(&url, &path);
    assert!(sent_again <= 3, "{sent_again} of {sent} chunks sent again");
    assert!(
        skipped_again + 3 >= sent,
        "{skipped_again} of {sent} skipped"
    );
    let got = get_stdout(&["get", "--server", &url, file_ref.as_str()]);
    assert!(got == bytes, "the changed file reads back");
}

#[test]
fn an_upload_cut_off_midway_resumes_sending_only_the_rest() {
    let folder = Folder::new("resume");
    let (url, storage) = server("resume");
    let bytes = pseudo_random_bytes(9, 6 << 20);
    let chunks = chunks_of(&bytes);
    let arrived = chunks.len() / 2;
    let address = url.trim_start_matches("http://").trim_end_matches('/');
    for chunk in &chunks[..arrived] {
        let path = format!("/bs/camli/{}", BlobRef::of_bytes(chunk));
        let response = call(address.parse().unwrap(), "PUT", &path, "", chunk);
        assert_eq!(response.status, 204);
    }
    assert_eq!(storage.len(), arrived);
    let path = folder.file("resume", &bytes);
    let (file_ref, _, (sent, skipped)) = put(&url, &path);
    assert_eq!(
        (sent, skipped),
        ((chunks.len() - arrived) as u64, arrived as u64)
    );
    let got = get_stdout(&["get", "--server", &url, file_ref.as_str()]);
    assert!(got == bytes);
}

#[test]
fn a_wrong_token_gives_the_401_message() {
    let folder = Folder::new("token");
    let (url, storage) = server("token");
    let path = folder.file("file", b"bytes");
    let output = strata_with_token("wrong", &["put", "--server", &url, path.to_str().unwrap()]);
    assert_eq!(output.status.code(), Some(1));
    let stderr = text(&output.stderr);
    assert!(
        stderr.contains("the server refused the token (set STRATA_TOKEN)"),
        "{stderr}"
    );
    assert!(storage.is_empty());
    let missing = BlobRef::of_bytes(b"x").to_string();
    let output = strata_with_token("", &["get", "--server", &url, &missing]);
    assert_eq!(output.status.code(), Some(1));
    assert!(text(&output.stderr).contains("set STRATA_TOKEN"));
}

#[test]
fn direct_mode_puts_into_and_gets_from_the_data_folder() {
    let folder = Folder::new("direct");
    let data = folder.0.join("data");
    let data = data.to_str().unwrap();
    let bytes = pseudo_random_bytes(10, 2 << 20);
    let path = folder.file("direct.bin", &bytes);
    let output = strata(&["put", "--data", data, "--verbose", path.to_str().unwrap()]);
    assert!(output.status.success(), "{}", text(&output.stderr));
    let stdout = text(&output.stdout);
    let file_ref = stdout.split(' ').next().unwrap().to_string();
    assert!(
        text(&output.stderr).contains("stored"),
        "{}",
        text(&output.stderr)
    );
    let got = get_stdout(&["get", "--data", data, &file_ref]);
    assert!(got == bytes);
    // The same ref as through a server.
    let (url, _storage) = server("direct");
    assert_eq!(put(&url, &path).0.as_str(), file_ref);
}

#[test]
fn a_store_held_by_a_running_server_is_named_with_the_server_to_use() {
    let folder = Folder::new("held");
    let (url, served) = server("held");
    let path = folder.file("file", b"bytes");
    let output = strata(&[
        "put",
        "--data",
        served.data.to_str().unwrap(),
        path.to_str().unwrap(),
    ]);
    assert_eq!(output.status.code(), Some(1));
    let stderr = text(&output.stderr);
    assert!(stderr.contains("held by another process"), "{stderr}");
    // The server recorded where it listens; the message names it.
    assert!(stderr.contains(&format!("--server {url}")), "{stderr}");
    // Another process of this kind, not a server, is named the same way.
    let data = folder.0.join("data");
    let holder = DbStorage::open(&data_store_dir(&data)).unwrap();
    let output = strata(&[
        "put",
        "--data",
        data.to_str().unwrap(),
        path.to_str().unwrap(),
    ]);
    let stderr = text(&output.stderr);
    assert!(stderr.contains("held by another process"), "{stderr}");
    assert!(
        stderr.contains("--server http://127.0.0.1:3179/"),
        "{stderr}"
    );
    drop(holder);
}

#[test]
fn get_o_of_a_missing_ref_leaves_no_file() {
    let folder = Folder::new("missing");
    let (url, _storage) = server("missing");
    let missing = BlobRef::of_bytes(b"not there").to_string();
    let out = folder.0.join("out.bin");
    let output = strata(&[
        "get",
        &missing,
        "-o",
        out.to_str().unwrap(),
        "--server",
        &url,
    ]);
    assert_eq!(output.status.code(), Some(1));
    assert!(text(&output.stderr).contains(&format!("no blob {missing}")));
    let left: Vec<_> = std::fs::read_dir(&folder.0).unwrap().collect();
    assert!(left.is_empty(), "no file, no temporary file: {left:?}");
}

#[test]
fn usage_errors_exit_with_2() {
    let cases: [&[&str]; 5] = [
        &["get", "sha224-nothex"],
        &["get"],
        &["put"],
        &["put", "--server", "https://example.org/", "x"],
        &["get", "-x"],
    ];
    for args in cases {
        let output = strata(args);
        assert_eq!(
            output.status.code(),
            Some(2),
            "{args:?}: {}",
            text(&output.stderr)
        );
    }
}

#[test]
fn a_server_that_is_not_running_is_said_so() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}/", listener.local_addr().unwrap());
    drop(listener);
    let missing = BlobRef::of_bytes(b"x").to_string();
    let output = strata(&["get", "--server", &url, &missing]);
    assert_eq!(output.status.code(), Some(1));
    assert!(text(&output.stderr).contains("is 'strata serve' running"));
}

#[test]
fn help_lists_the_flags_with_their_defaults() {
    let put_help = text(&strata(&["put", "--help"]).stdout);
    for expected in [
        "--server URL",
        "--data DIR",
        "(default: ./strata-data)",
        "--verbose",
    ] {
        assert!(put_help.contains(expected), "{expected}: {put_help}");
    }
    let get_help = text(&strata(&["get", "--help"]).stdout);
    for expected in ["--output FILE", "-o", "(default: -)", "--server URL", "REF"] {
        assert!(get_help.contains(expected), "{expected}: {get_help}");
    }
    let usage = text(&strata(&["--help"]).stdout);
    assert!(usage.contains("put") && usage.contains("get"), "{usage}");
}

#[test]
fn a_put_cut_off_by_a_killed_server_resumes_after_a_restart() {
    let folder = Folder::new("killed");
    let (_, mut served) = server("killed");
    let bytes = pseudo_random_bytes(12, 48 << 20);
    let path = folder.file("big", &bytes);
    let url = format!("http://{}/", served.address);
    let mut first = Command::new(env!("CARGO_BIN_EXE_strata"))
        .args(["put", "--server", &url, path.to_str().unwrap()])
        .env("STRATA_TOKEN", TOKEN)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    // Kill the server as soon as the first blobs are acknowledged.
    let deadline = Instant::now() + Duration::from_secs(60);
    while served.is_empty() {
        assert!(Instant::now() < deadline, "no blob arrived");
        std::thread::sleep(Duration::from_millis(10));
    }
    served.kill();
    let _ = first.wait().unwrap();
    served.restart();
    let url = format!("http://{}/", served.address);
    let (file_ref, _, (sent, skipped)) = put(&url, &path);
    assert_eq!(sent + skipped, chunks_of(&bytes).len() as u64);
    assert!(
        skipped >= 1,
        "what was acknowledged before the kill is not sent again"
    );
    let got = get_stdout(&["get", "--server", &url, file_ref.as_str()]);
    assert!(got == bytes);
}

/// Sends `signal` (`STOP`, `CONT`) to process `pid` with kill(1).
fn send_signal(signal: &str, pid: u32) {
    let status = Command::new("kill")
        .args([format!("-{signal}"), pid.to_string()])
        .status()
        .expect("kill(1)");
    assert!(status.success(), "kill -{signal} {pid}: {status}");
}

#[test]
fn a_get_stopped_and_resumed_while_it_waits_for_the_answer_still_succeeds() {
    // Ctrl-Z then `fg`: with a read timeout set, Linux ends the blocked
    // read with EINTR on resume (signal(7)); the client reads again.
    use std::io::{BufRead, BufReader, Write};
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}/", listener.local_addr().unwrap());
    let bytes = b"the answer after a stop";
    let file_ref = BlobRef::of_bytes(bytes).to_string();
    let child = Command::new(env!("CARGO_BIN_EXE_strata"))
        .args(["get", "--server", &url, &file_ref])
        .env("STRATA_TOKEN", TOKEN)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let (mut stream, _) = listener.accept().unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(60)))
        .unwrap();
    let mut reader = BufReader::new(stream.try_clone().unwrap());
    let mut line = String::new();
    reader.read_line(&mut line).unwrap();
    assert!(
        line.starts_with(&format!("GET /api/file/{file_ref} ")),
        "{line}"
    );
    while line != "\r\n" {
        line.clear();
        assert!(reader.read_line(&mut line).unwrap() > 0, "a whole head");
    }
    // The request is out: the client is in (or on its way into) its read.
    std::thread::sleep(Duration::from_millis(200));
    send_signal("STOP", child.id());
    std::thread::sleep(Duration::from_millis(100));
    send_signal("CONT", child.id());
    std::thread::sleep(Duration::from_millis(100));
    let head = format!("HTTP/1.1 200 OK\r\nContent-Length: {}\r\n\r\n", bytes.len());
    // A client that gave up has closed: its stderr below says why.
    let _ = stream.write_all(head.as_bytes());
    let _ = stream.write_all(bytes);
    let output = child.wait_with_output().unwrap();
    assert!(output.status.success(), "{}", text(&output.stderr));
    assert_eq!(output.stdout, bytes);
}
