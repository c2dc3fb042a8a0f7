use super::*;
use crate::blob::MemoryStorage;
use crate::blob::chunker::Chunker;
use crate::blob::file_reader::read_range;
use crate::http::access_log::AccessLog;
use crate::http::{Context, Limits, Server};
use crate::util::splitmix::pseudo_random_bytes;
use std::sync::{Arc, OnceLock};

/// The token of the in-process test server.
pub(in crate::cli) const TOKEN: &str = "put-get-unit-token";

/// One in-process server over a `MemoryStorage`, shared by the tests of
/// `put` and `get` (each uses its own data, so they do not meet).
pub(in crate::cli) struct TestServer {
    pub url: String,
    pub storage: Arc<MemoryStorage>,
}

pub(in crate::cli) fn test_server() -> &'static TestServer {
    static SERVER: OnceLock<TestServer> = OnceLock::new();
    SERVER.get_or_init(|| {
        let folder = std::env::temp_dir().join(format!("strata-cli-unit-{}", std::process::id()));
        std::fs::create_dir_all(&folder).unwrap();
        let (credentials, _) =
            crate::web::credentials::Credentials::open_or_create(&folder, Some(TOKEN)).unwrap();
        let storage = Arc::new(MemoryStorage::new());
        let app = crate::web::App::new(crate::web::auth::Gate::new(credentials))
            .with_blobs(storage.clone());
        let context = Context {
            handler: Arc::new(app),
            limits: Limits::default(),
            access_log: AccessLog::off(),
            server_name: "strata-test",
        };
        let address = Server::bind("127.0.0.1:0", context)
            .unwrap()
            .spawn()
            .unwrap();
        TestServer {
            url: format!("http://{address}/"),
            storage,
        }
    })
}

pub(in crate::cli) fn test_client() -> Client {
    let url = super::super::client::ServerUrl::parse(&test_server().url).unwrap();
    Client::new(url, Some(TOKEN.to_string())).unwrap()
}

/// `bytes` in a fresh file named after the test.
pub(in crate::cli) fn temp_file(name: &str, bytes: &[u8]) -> PathBuf {
    let path = std::env::temp_dir().join(format!("strata-put-{}-{name}", std::process::id()));
    std::fs::write(&path, bytes).unwrap();
    path
}

fn put_bytes(name: &str, bytes: &[u8], window_refs_max: usize) -> (PutFile, Transfer) {
    let path = temp_file(name, bytes);
    let file = File::open(&path).unwrap();
    let result = put_remote(
        &mut test_client(),
        &file,
        &file_meta(&path),
        window_refs_max,
    );
    std::fs::remove_file(&path).unwrap();
    result.unwrap()
}

fn read_back(put: &PutFile) -> Vec<u8> {
    let mut out = Vec::new();
    let storage = test_server().storage.as_ref();
    read_range(storage, &put.file_ref, 0, put.size, &mut out).unwrap();
    out
}

/// The ref `write_file` gives the same bytes and name (what the server's
/// `PUT /api/file?filename=` computes).
fn local_ref(name: &str, bytes: &[u8]) -> BlobRef {
    let meta = file_meta(Path::new(&format!(
        "strata-put-{}-{name}",
        std::process::id()
    )));
    crate::blob::write_file(&MemoryStorage::new(), bytes, &meta)
        .unwrap()
        .file_ref
}

#[test]
fn put_files_read_back_identical_with_the_refs_the_server_would_compute() {
    for (name, length) in [("zero", 0), ("one", 1), ("three-mib", 3 << 20)] {
        let bytes = pseudo_random_bytes(11 + length as u64, length);
        let (put, transfer) = put_bytes(name, &bytes, WINDOW_REFS_MAX);
        assert_eq!(put.size, length as u64);
        assert_eq!(put.file_ref, local_ref(name, &bytes), "{name}");
        assert_eq!(read_back(&put), bytes, "{name}");
        assert_eq!(
            transfer.chunk_bytes_sent, length as u64,
            "{name}: {transfer}"
        );
        assert!(transfer.schemas_sent >= 1, "{name}: {transfer}");
    }
}

#[test]
fn putting_the_same_file_twice_sends_nothing_the_second_time() {
    let bytes = pseudo_random_bytes(21, 2 << 20);
    let (first, sent) = put_bytes("twice", &bytes, WINDOW_REFS_MAX);
    assert!(sent.chunks_sent > 2, "{sent}");
    let (second, again) = put_bytes("twice", &bytes, WINDOW_REFS_MAX);
    assert_eq!(first, second);
    assert_eq!((again.chunks_sent, again.schemas_sent), (0, 0), "{again}");
    assert_eq!(again.chunks_skipped, sent.chunks_sent);
    assert_eq!(again.chunk_bytes_skipped, bytes.len() as u64);
}

#[test]
fn inserting_bytes_near_the_start_sends_only_a_few_chunks() {
    let mut bytes = pseudo_random_bytes(31, 6 << 20);
    let (_, first) = put_bytes("insert", &bytes, WINDOW_REFS_MAX);
    bytes.splice(300_000..300_000, *b"a few new bytes");
    let (put, second) = put_bytes("insert", &bytes, WINDOW_REFS_MAX);
    assert_eq!(read_back(&put), bytes);
    assert!(second.chunks_sent <= 3, "{second}");
    assert!(
        second.chunks_skipped + 3 >= first.chunks_sent,
        "{first} / {second}"
    );
    assert!(second.chunk_bytes_sent < 3 << 20, "{second}");
}

#[test]
fn an_interrupted_upload_resumes_sending_only_the_rest() {
    let bytes = pseudo_random_bytes(41, 5 << 20);
    // The first half of the chunks arrived before the cut.
    let mut chunker = Chunker::new(&bytes[..]);
    let mut chunks = Vec::new();
    while let Some(chunk) = chunker.next_chunk().unwrap() {
        chunks.push(chunk.bytes.to_vec());
    }
    let arrived = chunks.len() / 2;
    for chunk in &chunks[..arrived] {
        test_server().storage.put(chunk).unwrap();
    }
    let (put, transfer) = put_bytes("resume", &bytes, WINDOW_REFS_MAX);
    assert_eq!(transfer.chunks_skipped, arrived as u64, "{transfer}");
    assert_eq!(
        transfer.chunks_sent,
        (chunks.len() - arrived) as u64,
        "{transfer}"
    );
    assert_eq!(read_back(&put), bytes);
}

#[test]
fn small_windows_and_several_batches_give_the_same_file() {
    let bytes = pseudo_random_bytes(51, 3 << 20);
    let (put, transfer) = put_bytes("windows", &bytes, 3);
    assert_eq!(put.file_ref, local_ref("windows", &bytes));
    assert_eq!(read_back(&put), bytes);
    assert_eq!(transfer.chunk_bytes_sent, bytes.len() as u64);
    // More than one batch: over BATCH_BYTES_MAX in one window.
    let bytes = pseudo_random_bytes(52, BATCH_BYTES_MAX + (3 << 20));
    let (put, _) = put_bytes("batches", &bytes, WINDOW_REFS_MAX);
    assert_eq!(read_back(&put), bytes);
}

#[test]
fn a_repeated_chunk_is_sent_once() {
    let block = pseudo_random_bytes(61, 1 << 20);
    let bytes: Vec<u8> = [&block[..], &block[..], &block[..]].concat();
    let (put, transfer) = put_bytes("repeated", &bytes, WINDOW_REFS_MAX);
    assert_eq!(read_back(&put), bytes);
    assert!(transfer.chunks_skipped >= 1, "{transfer}");
    assert!(transfer.chunk_bytes_sent < bytes.len() as u64, "{transfer}");
}

#[test]
fn a_wrong_token_gives_the_401_message() {
    let url = super::super::client::ServerUrl::parse(&test_server().url).unwrap();
    let mut client = Client::new(url, Some("wrong".into())).unwrap();
    let path = temp_file("wrong-token", b"some bytes");
    let file = File::open(&path).unwrap();
    let error = put_remote(&mut client, &file, &file_meta(&path), WINDOW_REFS_MAX).unwrap_err();
    std::fs::remove_file(&path).unwrap();
    assert_eq!(error, "the server refused the token (set STRATA_TOKEN)");
}

#[test]
fn direct_puts_count_new_and_present_blobs_and_match_remote_refs() {
    let bytes = pseudo_random_bytes(71, 1 << 20);
    let path = temp_file("direct", &bytes);
    let storage = MemoryStorage::new();
    let file = File::open(&path).unwrap();
    let mut counts = StoredCounts::default();
    let put = put_direct(&storage, &file, &file_meta(&path), &mut counts).unwrap();
    assert!(
        counts.blobs_new >= 2 && counts.blobs_present == 0,
        "{counts}"
    );
    let file = File::open(&path).unwrap();
    let again = put_direct(&storage, &file, &file_meta(&path), &mut counts).unwrap();
    assert_eq!(put, again);
    assert_eq!(counts.blobs_new, 0, "{counts}");
    std::fs::remove_file(&path).unwrap();
    assert_eq!(put.file_ref, local_ref("direct", &bytes));
}

#[test]
fn file_names_that_the_server_would_refuse_are_left_out() {
    assert_eq!(
        file_meta(Path::new("/tmp/photo.jpg")).file_name,
        "photo.jpg"
    );
    assert_eq!(file_meta(Path::new("a\nb")).file_name, "");
    assert_eq!(file_meta(Path::new("back\\slash")).file_name, "");
    assert_eq!(file_meta(Path::new(&"x".repeat(256))).file_name, "");
    assert_eq!(file_meta(Path::new("/")).file_name, "");
}

#[test]
fn a_failure_while_sending_stops_the_hashing_and_is_the_error() {
    let url = super::super::client::ServerUrl::parse(&test_server().url).unwrap();
    let mut client = Client::new(url, Some("wrong".into())).unwrap();
    let path = temp_file("stops", &pseudo_random_bytes(81, 4 << 20));
    let file = File::open(&path).unwrap();
    // Small windows: the hashing thread has many windows left to hand over.
    let error = put_remote(&mut client, &file, &file_meta(&path), 2).unwrap_err();
    std::fs::remove_file(&path).unwrap();
    assert_eq!(error, "the server refused the token (set STRATA_TOKEN)");
}
