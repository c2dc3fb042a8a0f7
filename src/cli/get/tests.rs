use super::super::put::tests::{TOKEN, temp_file, test_client, test_server};
use super::super::put::{WINDOW_REFS_MAX, file_meta, put_remote};
use super::*;
use crate::blob::{BlobSink, MemoryStorage};
use crate::util::splitmix::pseudo_random_bytes;

fn put_file(name: &str, bytes: &[u8]) -> BlobRef {
    let path = temp_file(name, bytes);
    let file = File::open(&path).unwrap();
    let meta = file_meta(&path);
    let (put, _) = put_remote(&mut test_client(), &file, &meta, WINDOW_REFS_MAX).unwrap();
    std::fs::remove_file(&path).unwrap();
    put.file_ref
}

fn remote(blob_ref: &BlobRef) -> Result<Vec<u8>, String> {
    let mut out = Vec::new();
    get_remote(&mut test_client(), blob_ref, &mut out)?;
    Ok(out)
}

#[test]
fn a_file_ref_gets_the_whole_file() {
    for (name, length) in [("get-zero", 0), ("get-one", 1), ("get-two-mib", 2 << 20)] {
        let bytes = pseudo_random_bytes(101 + length as u64, length);
        let file_ref = put_file(name, &bytes);
        assert_eq!(remote(&file_ref).unwrap(), bytes, "{name}");
    }
}

#[test]
fn any_other_ref_gets_the_blob_itself() {
    let storage = &test_server().storage;
    let raw = pseudo_random_bytes(111, 5000);
    let raw_ref = storage.put(&raw).unwrap();
    assert_eq!(remote(&raw_ref).unwrap(), raw);
    let permanode = br#"{"camliVersion": 1, "camliType": "permanode", "random": "x"}"#;
    let permanode_ref = storage.put(permanode).unwrap();
    assert_eq!(remote(&permanode_ref).unwrap(), permanode);
}

#[test]
fn a_missing_ref_is_no_blob() {
    let missing = BlobRef::of_bytes(b"never stored by anyone");
    assert_eq!(remote(&missing).unwrap_err(), format!("no blob {missing}"));
    let mut out = Vec::new();
    let error = get_direct(&MemoryStorage::new(), &missing, &mut out).unwrap_err();
    assert_eq!(error, format!("no blob {missing}"));
}

#[test]
fn a_wrong_token_gives_the_401_message() {
    let url = super::super::client::ServerUrl::parse(&test_server().url).unwrap();
    assert_ne!(TOKEN, "wrong");
    let mut client = Client::new(url, Some("wrong".into())).unwrap();
    let error = get_remote(&mut client, &BlobRef::of_bytes(b"x"), &mut Vec::new()).unwrap_err();
    assert_eq!(error, "the server refused the token (set STRATA_TOKEN)");
}

#[test]
fn direct_gets_read_files_and_blobs_from_the_storage() {
    let storage = MemoryStorage::new();
    let bytes = pseudo_random_bytes(121, 1 << 20);
    let meta = crate::blob::FileMeta::default();
    let written = crate::blob::write_file(&storage, &bytes[..], &meta).unwrap();
    let mut out = Vec::new();
    get_direct(&storage, &written.file_ref, &mut out).unwrap();
    assert_eq!(out, bytes);
    let raw_ref = storage.put(b"raw").unwrap();
    let mut out = Vec::new();
    get_direct(&storage, &raw_ref, &mut out).unwrap();
    assert_eq!(out, b"raw");
}

#[test]
fn bytes_that_do_not_hash_to_the_ref_are_refused() {
    let claimed = BlobRef::of_bytes(b"good");
    let mut out = Vec::new();
    let error = copy_verified(Some(&claimed), &mut &b"evil"[..], &mut out).unwrap_err();
    assert!(error.to_string().contains("not to sha224-"), "{error}");
    let copied = copy_verified(Some(&claimed), &mut &b"good"[..], &mut out).unwrap();
    assert_eq!(copied, 4);
}

#[test]
fn a_failed_write_leaves_no_file_and_the_old_one_untouched() {
    let folder = std::env::temp_dir().join(format!("strata-get-atomic-{}", std::process::id()));
    std::fs::create_dir_all(&folder).unwrap();
    let target = folder.join("out.bin");
    let failed = write_atomically(&target, |out| {
        out.write_all(b"half").unwrap();
        Err("cut".to_string())
    });
    assert_eq!(failed.unwrap_err(), "cut");
    assert!(!target.exists());
    std::fs::write(&target, b"old").unwrap();
    let _ = write_atomically(&target, |_| Err("cut".to_string()));
    assert_eq!(std::fs::read(&target).unwrap(), b"old");
    write_atomically(&target, |out| {
        out.write_all(b"new").map_err(|e| e.to_string())
    })
    .unwrap();
    assert_eq!(std::fs::read(&target).unwrap(), b"new");
    let names: Vec<_> = std::fs::read_dir(&folder)
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(names, ["out.bin"], "no temporary file is left");
    std::fs::remove_dir_all(&folder).unwrap();
}
