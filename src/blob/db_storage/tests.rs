use super::*;
use crate::blob::storage::conformance::{conformance_suite, pattern};
use crate::blob::{BlobSource, HashKind};
use crate::store::env::MemEnv;
use std::sync::atomic::{AtomicU64, Ordering};

/// A fresh folder under the system temp dir, removed on drop.
struct TempDir {
    path: PathBuf,
}

impl TempDir {
    fn new(label: &str) -> TempDir {
        static NEXT: AtomicU64 = AtomicU64::new(0);
        let unique = NEXT.fetch_add(1, Ordering::Relaxed);
        let name = format!("strata-db-storage-{label}-{}-{unique}", std::process::id());
        let path = std::env::temp_dir().join(name);
        let _ = std::fs::remove_dir_all(&path);
        TempDir { path }
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.path);
    }
}

fn receive_bytes(storage: &DbStorage, bytes: &[u8]) -> Received {
    storage
        .receive(None, &mut &bytes[..], crate::blob::BLOB_BYTES_MAX as u64)
        .expect("receive")
}

/// Flips one bit of the first copy of `needle` in any file of `dir`;
/// returns the file it changed.
fn flip_byte_of(dir: &Path, needle: &[u8]) -> PathBuf {
    for entry in std::fs::read_dir(dir).expect("read dir") {
        let path = entry.expect("entry").path();
        let mut bytes = std::fs::read(&path).expect("read file");
        let found = bytes
            .windows(needle.len())
            .position(|window| window == needle);
        if let Some(offset) = found {
            bytes[offset + needle.len() / 2] ^= 0x20;
            std::fs::write(&path, &bytes).expect("write file");
            return path;
        }
    }
    panic!("no file of {} holds the bytes", dir.display());
}

#[test]
fn db_storage_passes_the_conformance_suite_on_disk() {
    let dir = TempDir::new("conformance");
    conformance_suite(&DbStorage::open(&dir.path).expect("open"));
}

#[test]
fn db_storage_passes_the_conformance_suite_in_memory() {
    let options = Options {
        create_if_missing: true,
        env: Arc::new(MemEnv::new()),
        ..Options::default()
    };
    let storage = DbStorage::open_with_options(Path::new("/memory/store"), options);
    conformance_suite(&storage.expect("open"));
}

#[test]
fn blobs_survive_a_reopen_with_their_sizes_and_order() {
    let dir = TempDir::new("reopen");
    let small = pattern(100, 1);
    let large = pattern(300_000, 2);
    let (small_ref, large_ref) = {
        let storage = DbStorage::open(&dir.path).expect("open");
        let small_ref = receive_bytes(&storage, &small).blob_ref;
        (small_ref, receive_bytes(&storage, &large).blob_ref)
    };
    let storage = DbStorage::open(&dir.path).expect("reopen");
    assert_eq!(storage.get(&small_ref).expect("small"), small);
    assert_eq!(storage.get(&large_ref).expect("large"), large);
    let mut expected = vec![(small_ref, 100), (large_ref, 300_000)];
    expected.sort();
    assert_eq!(storage.enumerate(None, 10).expect("enumerate"), expected);
    assert!(!receive_bytes(&storage, &large).newly_stored, "still there");
}

#[test]
fn a_flipped_byte_in_a_value_log_blob_is_corruption_never_data() {
    let dir = TempDir::new("flip-large");
    let bytes = pattern(200_000, 3);
    let blob_ref = {
        let storage = DbStorage::open(&dir.path).expect("open");
        let blob_ref = receive_bytes(&storage, &bytes).blob_ref;
        // The pointer goes to a table, so that the reopen does not replay
        // it from the WAL (replay would drop a record it finds damaged).
        storage.db().compact_range(None, None).expect("compact");
        blob_ref
    };
    let changed = flip_byte_of(&dir.path, &bytes[100_000..100_064]);
    assert!(changed.to_string_lossy().ends_with(".vlog"), "{changed:?}");
    let storage = DbStorage::open(&dir.path).expect("reopen");
    let error = storage.get(&blob_ref).expect_err("damaged blob read");
    assert_eq!(error.kind(), io::ErrorKind::InvalidData);
    assert!(matches!(
        StorageError::from(error),
        StorageError::Corruption { what } if what.contains(blob_ref.as_str())
    ));
}

#[test]
fn a_flipped_byte_in_a_small_blob_in_a_table_is_corruption_never_data() {
    let dir = TempDir::new("flip-small");
    let bytes = pattern(1000, 4);
    // Damaged while open: the block also holds the keyspace-version row,
    // which a reopen reads (and would refuse the store over).
    let storage = DbStorage::open(&dir.path).expect("open");
    let blob_ref = receive_bytes(&storage, &bytes).blob_ref;
    storage.db().compact_range(None, None).expect("compact");
    let changed = flip_byte_of(&dir.path, &bytes[400..464]);
    assert!(changed.to_string_lossy().ends_with(".ldb"), "{changed:?}");
    let result = storage.fetch(&blob_ref);
    assert!(
        matches!(result, Err(StorageError::Corruption { .. })),
        "{result:?}"
    );
}

#[test]
fn a_small_blob_whose_bytes_do_not_hash_to_its_ref_is_corruption() {
    let dir = TempDir::new("forged");
    let storage = DbStorage::open(&dir.path).expect("open");
    let blob_ref = BlobRef::of_bytes(b"good");
    let sync = WriteOptions { sync: true };
    let db = storage.db();
    db.put(&sync, &row_key(BLOB_PREFIX, &blob_ref), b"evil")
        .expect("put");
    let result = storage.fetch(&blob_ref);
    assert!(
        matches!(result, Err(StorageError::Corruption { .. })),
        "{result:?}"
    );
}

#[test]
fn a_second_open_of_a_held_store_fails_saying_another_process_holds_it() {
    let dir = TempDir::new("held");
    let _first = DbStorage::open(&dir.path).expect("open");
    let Err(error) = DbStorage::open(&dir.path) else {
        panic!("a second open of a held store succeeded");
    };
    let message = error.to_string();
    assert!(message.contains("held by another process"), "{message}");
    assert!(message.contains(&*dir.path.to_string_lossy()), "{message}");
    let StorageError::Io(inner) = error else {
        panic!("not an Io error")
    };
    assert_eq!(inner.kind(), io::ErrorKind::ResourceBusy);
}

#[test]
fn a_store_of_another_keyspace_version_is_refused() {
    let dir = TempDir::new("version");
    {
        let storage = DbStorage::open(&dir.path).expect("open");
        let read = ReadOptions::new();
        let version = storage.db().get(&read, KEYSPACE_VERSION_KEY).expect("get");
        assert_eq!(
            version.as_deref(),
            Some(KEYSPACE_VERSION),
            "a new store is marked"
        );
        let sync = WriteOptions { sync: true };
        storage
            .db()
            .put(&sync, KEYSPACE_VERSION_KEY, b"2")
            .expect("put");
    }
    let Err(error) = DbStorage::open(&dir.path) else {
        panic!("a store of version 2 opened");
    };
    assert!(error.to_string().contains("version \"2\""), "{error}");
}

#[test]
fn receive_with_rows_lands_the_blob_and_its_rows_together() {
    let dir = TempDir::new("rows");
    let storage = DbStorage::open(&dir.path).expect("open");
    let mut rows = WriteBatch::new();
    rows.put(b"xclaim-row", b"1");
    let claim = br#"{"camliVersion":1,"camliType":"claim"}"#;
    let received = storage.receive_with_rows(claim, rows).expect("receive");
    assert!(received.newly_stored);
    assert_eq!(received.blob_ref, BlobRef::of_bytes(claim));
    let read = ReadOptions::new();
    let row = storage.db().get(&read, b"xclaim-row").expect("get");
    assert_eq!(row.as_deref(), Some(&b"1"[..]));
    let mut again = WriteBatch::new();
    again.put(b"xsecond-row", b"2");
    let second = storage.receive_with_rows(claim, again).expect("receive");
    assert!(!second.newly_stored, "dedup as receive");
    let row = storage.db().get(&read, b"xsecond-row").expect("get");
    assert_eq!(row.as_deref(), Some(&b"2"[..]), "rows still written");
}

#[test]
fn receive_many_with_rows_lands_every_blob_and_the_rows_in_one_write() {
    let dir = TempDir::new("many-rows");
    let storage = DbStorage::open(&dir.path).expect("open");
    let before = storage.db().snapshot().sequence();
    let node: &[u8] = br#"{"camliVersion":1,"camliType":"permanode","random":"r"}"#;
    let claim: &[u8] = br#"{"camliVersion":1,"camliType":"claim"}"#;
    let mut rows = WriteBatch::new();
    rows.put(b"xclaim-row", b"1");
    let refs = storage
        .receive_many_with_rows(&[node, claim, node], rows, true)
        .expect("receive");
    let expected = [node, claim, node].map(BlobRef::of_bytes);
    assert_eq!(refs, expected.to_vec());
    // Two blobs of two rows each and one row, as one batch.
    assert_eq!(storage.db().snapshot().sequence(), before + 5);
    for (blob_ref, bytes) in refs.iter().zip([node, claim]) {
        assert_eq!(storage.get(blob_ref).expect("get"), bytes.to_vec());
    }
    let read = ReadOptions::new();
    let row = storage.db().get(&read, b"xclaim-row").expect("get");
    assert_eq!(row.as_deref(), Some(&b"1"[..]));
    let again = storage
        .receive_many_with_rows(&[claim], WriteBatch::new(), true)
        .expect("receive again");
    assert_eq!(again, vec![refs[1]]);
    assert_eq!(
        storage.db().snapshot().sequence(),
        before + 5,
        "nothing new"
    );
}

#[test]
#[should_panic(expected = "blob-layer row")]
fn receive_with_rows_refuses_rows_that_would_forge_a_blob() {
    let dir = TempDir::new("forge-rows");
    let storage = DbStorage::open(&dir.path).expect("open");
    let mut rows = WriteBatch::new();
    rows.put(b"ssha224-forged", b"\x01");
    let _ = storage.receive_with_rows(b"x", rows);
}

#[test]
fn enumerate_sees_only_size_rows_whatever_else_the_store_holds() {
    let dir = TempDir::new("neighbours");
    let storage = DbStorage::open(&dir.path).expect("open");
    let sync = WriteOptions { sync: true };
    storage.db().put(&sync, b"a-before", b"").expect("put");
    storage.db().put(&sync, b"t-after", b"").expect("put");
    let received = receive_bytes(&storage, b"only blob");
    let page = storage.enumerate(None, 10).expect("enumerate");
    assert_eq!(page, vec![(received.blob_ref, 9)]);
    let sha256 = BlobRef::from_digest(HashKind::Sha256, &[0xff; 32]).expect("ref");
    assert!(
        storage
            .enumerate(Some(&sha256), 10)
            .expect("enumerate")
            .is_empty()
    );
}

#[test]
fn data_store_dir_is_the_store_folder_of_the_data_folder() {
    let dir = data_store_dir(Path::new("/srv/strata-data"));
    assert_eq!(dir, Path::new("/srv/strata-data/store"));
}

#[test]
fn keyspace_md_shows_the_rows_of_the_hello_blob() {
    let doc = include_str!("../KEYSPACE.md");
    let dir = TempDir::new("keyspace-doc");
    let storage = DbStorage::open(&dir.path).expect("open");
    let blob_ref = receive_bytes(&storage, b"hello").blob_ref;
    let read = ReadOptions::new();
    let show = |prefix: u8| {
        let key = row_key(prefix, &blob_ref);
        let value = storage.db().get(&read, &key).expect("get").expect("row");
        let text = std::str::from_utf8(&key[1..]).expect("ascii");
        let hex: Vec<String> = value.iter().map(|byte| format!("{byte:02x}")).collect();
        (
            format!("key   {:02x} \"{text}\"", key[0]),
            format!("value {}", hex.join(" ")),
        )
    };
    for prefix in [BLOB_PREFIX, SIZE_PREFIX] {
        let (key_line, value_line) = show(prefix);
        assert!(doc.contains(&key_line), "KEYSPACE.md lacks {key_line}");
        assert!(doc.contains(&value_line), "KEYSPACE.md lacks {value_line}");
    }
    let mut large_size = Vec::new();
    varint::put_varint64(&mut large_size, 300_000);
    assert_eq!(
        large_size,
        [0xe0, 0xa7, 0x12],
        "the doc's 300,000-byte example"
    );
    let version = String::from_utf8_lossy(KEYSPACE_VERSION);
    assert!(doc.contains(&format!("ASCII decimal, today `{version}`")));
}

/// A store on `env` at /memory/store.
fn memory_storage(env: &MemEnv) -> DbStorage {
    let options = Options {
        create_if_missing: true,
        env: Arc::new(env.clone()),
        ..Options::default()
    };
    DbStorage::open_with_options(Path::new("/memory/store"), options).expect("open")
}

fn deferred(storage: &DbStorage, bytes: &[u8]) -> Received {
    storage
        .receive_deferred(None, &mut &bytes[..], crate::blob::BLOB_BYTES_MAX as u64)
        .expect("receive_deferred")
}

#[test]
fn deferred_blobs_survive_a_power_cut_once_synced() {
    let env = MemEnv::new();
    let (small, large) = (pattern(500, 5), pattern(100_000, 6));
    {
        let storage = memory_storage(&env);
        assert!(deferred(&storage, &small).newly_stored);
        assert!(deferred(&storage, &large).newly_stored);
        storage.sync().expect("sync");
    }
    env.crash();
    let storage = memory_storage(&env);
    assert_eq!(
        storage.get(&BlobRef::of_bytes(&small)).expect("small"),
        small
    );
    assert_eq!(
        storage.get(&BlobRef::of_bytes(&large)).expect("large"),
        large
    );
}

#[test]
fn an_unsynced_deferred_blob_is_lost_whole_or_kept_whole_by_a_power_cut() {
    let env = MemEnv::new();
    let large = pattern(100_000, 7);
    {
        let storage = memory_storage(&env);
        deferred(&storage, &large);
    }
    env.crash();
    let storage = memory_storage(&env);
    let blob_ref = BlobRef::of_bytes(&large);
    let page = storage.enumerate(None, 10).expect("enumerate");
    match storage.fetch(&blob_ref).expect("fetch") {
        Some(_) => assert_eq!(storage.get(&blob_ref).expect("kept"), large),
        None => assert!(page.is_empty(), "a size row without its blob: {page:?}"),
    }
}

#[test]
fn a_receive_that_finds_a_deferred_blob_returns_only_once_it_is_durable() {
    let env = MemEnv::new();
    let bytes = pattern(100_000, 8);
    {
        let storage = memory_storage(&env);
        assert!(deferred(&storage, &bytes).newly_stored);
        let again = receive_bytes(&storage, &bytes);
        assert!(!again.newly_stored, "found stored");
    }
    env.crash();
    let storage = memory_storage(&env);
    let kept = storage.get(&BlobRef::of_bytes(&bytes));
    assert_eq!(kept.expect("acknowledged by receive, so durable"), bytes);
}

#[test]
fn sync_with_nothing_deferred_writes_nothing() {
    let dir = TempDir::new("idle-sync");
    let storage = DbStorage::open(&dir.path).expect("open");
    let before = storage.db().snapshot().sequence();
    storage.sync().expect("sync");
    receive_bytes(&storage, b"synced at once");
    let after_receive = storage.db().snapshot().sequence();
    storage.sync().expect("sync");
    assert_eq!(storage.db().snapshot().sequence(), after_receive);
    assert!(after_receive > before);
    deferred(&storage, b"deferred");
    let after_deferred = storage.db().snapshot().sequence();
    storage.sync().expect("sync");
    assert!(
        storage.db().snapshot().sequence() > after_deferred,
        "a barrier write"
    );
}

#[test]
fn a_stat_of_many_refs_keeps_their_order_across_its_threads() {
    let dir = TempDir::new("parallel-stat");
    let storage = DbStorage::open(&dir.path).expect("open");
    let mut asked = Vec::new();
    let mut expected = Vec::new();
    for index in 0..(3 * STAT_PARALLEL_REFS_MIN as u32) {
        let bytes = index.to_le_bytes();
        let blob_ref = BlobRef::of_bytes(&bytes);
        asked.push(blob_ref);
        if index % 3 != 0 {
            deferred(&storage, &bytes);
            expected.push((blob_ref, 4));
        }
    }
    assert_eq!(storage.stat(&asked).expect("stat"), expected);
}

#[test]
fn shared_chunks_are_stored_whole_dedup_and_survive_a_power_cut_once_synced() {
    let env = MemEnv::new();
    let data = pattern(3_000_000, 9);
    let (small, large) = (&data[..1000], &data[1000..500_000]);
    {
        let storage = memory_storage(&env);
        for bytes in [small, large] {
            let shared = SharedBytes::from_vec(bytes.to_vec());
            let prepared = storage.prepare_shared(shared).expect("prepare");
            assert_eq!(prepared.blob_ref, BlobRef::of_bytes(bytes));
            assert!(
                storage
                    .store_prepared(prepared)
                    .expect("store")
                    .newly_stored
            );
        }
        let again = storage.prepare_shared(SharedBytes::from_vec(large.to_vec()));
        let again = storage.store_prepared(again.expect("prepare"));
        assert!(!again.expect("store").newly_stored, "stored once");
        storage.sync().expect("sync");
    }
    env.crash();
    let storage = memory_storage(&env);
    for bytes in [small, large] {
        let blob_ref = BlobRef::of_bytes(bytes);
        assert_eq!(storage.get(&blob_ref).expect("kept"), bytes);
        let size = storage.stat(&[blob_ref]).expect("stat");
        assert_eq!(size, [(blob_ref, bytes.len() as u64)]);
    }
}

#[test]
fn an_upload_through_the_pipeline_reads_back_after_a_power_cut() {
    let env = MemEnv::new();
    let data = pattern(6_000_000, 10);
    let uploaded = {
        let storage = memory_storage(&env);
        crate::blob::upload_file(&storage, &data[..], &Default::default()).expect("upload")
    };
    env.crash();
    let storage = memory_storage(&env);
    let mut back = Vec::new();
    let file_ref = uploaded.written.file_ref;
    let size = data.len() as u64;
    crate::blob::file_reader::read_range(&storage, &file_ref, 0, size, &mut back).expect("read");
    assert!(back == data, "the file's bytes came back changed");
}
