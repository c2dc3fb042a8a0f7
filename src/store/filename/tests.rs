//! File name tests, after LevelDB's filename_test: every name round-trips
//! through `parse_file_name`, malformed names are refused, and CURRENT is
//! switched atomically even across a crash.

use super::*;
use crate::store::env::{FaultEnv, MemEnv, WriteFault, read_file_to_vec};

fn name_of(path: &Path) -> String {
    path.file_name().unwrap().to_str().unwrap().to_string()
}

#[test]
fn every_name_the_store_writes_parses_back_to_its_number_and_type() {
    let dir = Path::new("/db");
    for number in [0u64, 1, 7, 100, 999_999, 1_000_000, u64::MAX] {
        let cases = [
            (log_file_name(dir, number), FileType::Log),
            (table_file_name(dir, number), FileType::Table),
            (sst_table_file_name(dir, number), FileType::Table),
            (temp_file_name(dir, number), FileType::Temp),
            (vlog_file_name(dir, number), FileType::ValueLog),
            (descriptor_file_name(dir, number), FileType::Descriptor),
        ];
        for (path, file_type) in cases {
            assert_eq!(path.parent(), Some(dir));
            let name = name_of(&path);
            assert_eq!(parse_file_name(&name), Some((number, file_type)), "{name}");
        }
    }
    assert_eq!(name_of(&table_file_name(dir, 7)), "000007.ldb");
    assert_eq!(name_of(&descriptor_file_name(dir, 5)), "MANIFEST-000005");
    assert_eq!(name_of(&log_file_name(dir, 1_234_567)), "1234567.log");
}

#[test]
fn fixed_names_and_leveldb_examples_parse() {
    let cases: [(&str, u64, FileType); 10] = [
        ("100.log", 100, FileType::Log),
        ("0.log", 0, FileType::Log),
        ("0.sst", 0, FileType::Table),
        ("0.ldb", 0, FileType::Table),
        ("CURRENT", 0, FileType::Current),
        ("LOCK", 0, FileType::DbLock),
        ("MANIFEST-2", 2, FileType::Descriptor),
        ("MANIFEST-7", 7, FileType::Descriptor),
        ("LOG", 0, FileType::InfoLog),
        ("LOG.old", 0, FileType::InfoLog),
    ];
    for (name, number, file_type) in cases {
        assert_eq!(parse_file_name(name), Some((number, file_type)), "{name}");
    }
    assert_eq!(
        parse_file_name("18446744073709551615.log"),
        Some((u64::MAX, FileType::Log))
    );
}

#[test]
fn names_the_store_does_not_own_are_refused() {
    let errors = [
        "",
        "foo",
        "foo-dx-100.log",
        ".log",
        "manifest",
        "CURREN",
        "CURRENTX",
        "MANIFES",
        "MANIFEST",
        "MANIFEST-",
        "XMANIFEST-3",
        "MANIFEST-3x",
        "LOC",
        "LOCKx",
        "LO",
        "LOGx",
        "18446744073709551616.log",
        "184467440737095516150.log",
        "100",
        "100.",
        "100.lop",
        "+100.log",
        "1 00.log",
        "100.log.",
        "MANIFEST--3",
    ];
    for name in errors {
        assert_eq!(parse_file_name(name), None, "{name:?}");
    }
}

#[test]
fn set_current_file_names_the_manifest_and_leaves_no_temp_file() {
    let env = MemEnv::new();
    let dir = Path::new("/db");
    env.create_dir_all(dir).unwrap();
    set_current_file(&env, dir, 5).unwrap();
    let contents = read_file_to_vec(&env, &current_file_name(dir)).unwrap();
    assert_eq!(contents, b"MANIFEST-000005\n");
    assert_eq!(
        parse_current_contents(&contents),
        Ok(("MANIFEST-000005".into(), 5))
    );
    assert_eq!(env.children(dir).unwrap(), vec!["CURRENT".to_string()]);
}

#[test]
fn set_current_file_is_durable_when_it_returns() {
    let env = MemEnv::new();
    let dir = Path::new("/db");
    env.create_dir_all(dir).unwrap();
    env.sync_dir(Path::new("/")).unwrap();
    set_current_file(&env, dir, 9).unwrap();
    env.crash();
    let contents = read_file_to_vec(&env, &current_file_name(dir)).unwrap();
    assert_eq!(contents, b"MANIFEST-000009\n");
}

#[test]
fn crash_at_any_write_leaves_current_old_or_new_never_torn() {
    for fault in [WriteFault::Fail, WriteFault::Short { bytes_kept: 4 }] {
        let env = FaultEnv::in_memory();
        let dir = Path::new("/db");
        env.create_dir_all(dir).unwrap();
        set_current_file(&env, dir, 3).unwrap();
        let next_write = env.write_count() + 1;
        env.set_write_fault(next_write, fault);
        assert!(set_current_file(&env, dir, 4).is_err());
        env.crash();
        let contents = read_file_to_vec(&env, &current_file_name(dir)).unwrap();
        assert_eq!(contents, b"MANIFEST-000003\n");
        assert!(!env.exists(&temp_file_name(dir, 4)));
    }
    let env = FaultEnv::in_memory();
    let dir = Path::new("/db");
    env.create_dir_all(dir).unwrap();
    set_current_file(&env, dir, 3).unwrap();
    env.set_sync_failing(true);
    assert!(set_current_file(&env, dir, 4).is_err());
    env.crash();
    let contents = read_file_to_vec(&env, &current_file_name(dir)).unwrap();
    assert_eq!(contents, b"MANIFEST-000003\n");
}

#[test]
fn malformed_current_contents_are_refused_with_a_reason() {
    for bad in [
        &b"MANIFEST-000005"[..],
        b"",
        b"\n",
        b"LOCK\n",
        b"000005.log\n",
        b"\xff\n",
    ] {
        assert!(parse_current_contents(bad).is_err(), "{bad:?}");
    }
}
