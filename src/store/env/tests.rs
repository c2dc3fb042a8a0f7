//! Tests for the Env seam: one conformance suite every Env passes, then the
//! crash model of MemEnv and the faults of FaultEnv.

use super::*;
use std::io::ErrorKind;
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};

/// A fresh directory under the system temp dir, removed on drop.
pub struct TempDir {
    pub path: PathBuf,
}

impl TempDir {
    pub fn new(label: &str) -> TempDir {
        static NEXT: AtomicU64 = AtomicU64::new(0);
        let unique = NEXT.fetch_add(1, Ordering::Relaxed);
        let name = format!("strata-{label}-{}-{unique}", std::process::id());
        let path = std::env::temp_dir().join(name);
        let _ = std::fs::remove_dir_all(&path);
        std::fs::create_dir_all(&path).unwrap();
        TempDir { path }
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.path);
    }
}

fn conformance(env: &dyn Env, dir: &Path) {
    env.create_dir_all(dir).unwrap();
    let a = dir.join("a");
    let mut file = env.new_writable(&a).unwrap();
    file.append(b"hello ").unwrap();
    file.append(b"world").unwrap();
    file.sync().unwrap();
    drop(file);
    assert_eq!(env.file_size(&a).unwrap(), 11);
    assert_eq!(read_file_to_vec(env, &a).unwrap(), b"hello world");

    let random = env.open_random(&a).unwrap();
    let mut buf = [0u8; 5];
    random.read_exact_at(&mut buf, 6).unwrap();
    assert_eq!(&buf, b"world");
    assert_eq!(random.len().unwrap(), 11);
    let past_end = random.read_exact_at(&mut buf, 7).unwrap_err();
    assert_eq!(past_end.kind(), ErrorKind::UnexpectedEof);

    let mut appending = env.new_appendable(&a).unwrap();
    appending.append(b"!").unwrap();
    appending.flush().unwrap();
    assert_eq!(read_file_to_vec(env, &a).unwrap(), b"hello world!");

    write_file(env, &a, b"new", false).unwrap();
    assert_eq!(read_file_to_vec(env, &a).unwrap(), b"new");

    let b = dir.join("b");
    env.rename(&a, &b).unwrap();
    assert!(!env.exists(&a));
    assert!(env.exists(&b));
    let mut names = env.children(dir).unwrap();
    names.sort();
    assert_eq!(names, ["b"]);
    env.sync_dir(dir).unwrap();
    env.remove(&b).unwrap();
    assert_eq!(env.file_size(&b).unwrap_err().kind(), ErrorKind::NotFound);
    assert_eq!(env.remove(&b).unwrap_err().kind(), ErrorKind::NotFound);
    assert!(env.open_random(&b).is_err());
    assert!(env.open_sequential(&b).is_err());
    lock_conformance(env, dir);
}

fn lock_conformance(env: &dyn Env, dir: &Path) {
    let lock_path = dir.join("LOCK");
    let held = env.lock_file(&lock_path).unwrap();
    let second = env.lock_file(&lock_path).unwrap_err();
    assert_eq!(second.kind(), ErrorKind::WouldBlock);
    drop(held);
    let again = env.lock_file(&lock_path);
    assert!(again.is_ok(), "lock is free after its guard drops");
}

#[test]
fn posix_env_passes_conformance() {
    let temp = TempDir::new("env");
    conformance(&PosixEnv, &temp.path.join("db"));
}

#[test]
fn posix_random_file_exposes_its_os_file() {
    let temp = TempDir::new("env-file");
    let path = temp.path.join("f");
    write_file(&PosixEnv, &path, b"x", true).unwrap();
    assert!(PosixEnv.open_random(&path).unwrap().as_file().is_some());
    assert!(MemEnv::new().open_random(&path).is_err());
}

#[test]
fn mem_env_passes_conformance() {
    conformance(&MemEnv::new(), Path::new("/db"));
}

#[test]
fn fault_env_without_faults_passes_conformance() {
    conformance(&FaultEnv::in_memory(), Path::new("/db"));
    let temp = TempDir::new("env-fault");
    let over_posix = FaultEnv::wrapping(Arc::new(PosixEnv));
    conformance(&over_posix, &temp.path.join("db"));
}

fn mem_with_dir() -> (MemEnv, PathBuf) {
    let env = MemEnv::new();
    let dir = PathBuf::from("/db");
    env.create_dir_all(&dir).unwrap();
    (env, dir)
}

#[test]
fn mem_crash_drops_unsynced_bytes_and_keeps_synced_ones() {
    let (env, dir) = mem_with_dir();
    let path = dir.join("log");
    let mut file = env.new_writable(&path).unwrap();
    env.sync_dir(&dir).unwrap();
    file.append(b"durable").unwrap();
    file.sync().unwrap();
    file.append(b" lost").unwrap();
    file.flush().unwrap();
    assert_eq!(env.contents(&path).unwrap(), b"durable lost");
    env.crash();
    assert_eq!(env.contents(&path).unwrap(), b"durable");
}

#[test]
fn mem_crash_drops_a_synced_file_whose_directory_was_not_synced() {
    let (env, dir) = mem_with_dir();
    let path = dir.join("new");
    write_file(&env, &path, b"bytes", true).unwrap();
    env.crash();
    assert!(!env.exists(&path));
}

#[test]
fn mem_rename_is_durable_only_after_sync_dir() {
    let (env, dir) = mem_with_dir();
    let (temp, current) = (dir.join("CURRENT.tmp"), dir.join("CURRENT"));
    write_file(&env, &current, b"old", true).unwrap();
    env.sync_dir(&dir).unwrap();
    write_file(&env, &temp, b"new", true).unwrap();
    env.rename(&temp, &current).unwrap();
    env.crash();
    assert_eq!(env.contents(&current).unwrap(), b"old");
    assert!(!env.exists(&temp));

    write_file(&env, &temp, b"new", true).unwrap();
    env.rename(&temp, &current).unwrap();
    env.sync_dir(&dir).unwrap();
    env.crash();
    assert_eq!(env.contents(&current).unwrap(), b"new");
    assert!(!env.exists(&temp));
}

#[test]
fn mem_remove_is_undone_by_a_crash_before_sync_dir() {
    let (env, dir) = mem_with_dir();
    let path = dir.join("table");
    write_file(&env, &path, b"t", true).unwrap();
    env.sync_dir(&dir).unwrap();
    env.remove(&path).unwrap();
    env.crash();
    assert_eq!(env.contents(&path).unwrap(), b"t");
}

#[test]
fn mem_truncating_open_loses_old_bytes_even_without_sync() {
    let (env, dir) = mem_with_dir();
    let path = dir.join("f");
    write_file(&env, &path, b"old", true).unwrap();
    env.sync_dir(&dir).unwrap();
    let _file = env.new_writable(&path).unwrap();
    env.crash();
    assert_eq!(env.contents(&path).unwrap(), b"");
}

#[test]
fn mem_crash_releases_locks_and_stale_guards_do_not_free_new_ones() {
    let (env, dir) = mem_with_dir();
    let lock_path = dir.join("LOCK");
    let stale = env.lock_file(&lock_path).unwrap();
    env.crash();
    let fresh = env.lock_file(&lock_path).unwrap();
    drop(stale);
    assert!(env.lock_file(&lock_path).is_err());
    drop(fresh);
}

#[test]
fn mem_create_in_missing_directory_is_not_found() {
    let env = MemEnv::new();
    let error = env.new_writable(Path::new("/missing/f")).err().unwrap();
    assert_eq!(error.kind(), ErrorKind::NotFound);
}

fn fault_with_dir() -> (FaultEnv, PathBuf) {
    let env = FaultEnv::in_memory();
    let dir = PathBuf::from("/db");
    env.create_dir_all(&dir).unwrap();
    (env, dir)
}

#[test]
fn fault_env_fails_exactly_the_chosen_write() {
    let (env, dir) = fault_with_dir();
    let path = dir.join("f");
    let mut file = env.new_writable(&path).unwrap();
    env.set_write_fault(2, WriteFault::Fail);
    file.append(b"one").unwrap();
    assert!(file.append(b"two").is_err());
    file.append(b"three").unwrap();
    assert_eq!(env.write_count(), 3);
    assert_eq!(read_file_to_vec(&env, &path).unwrap(), b"onethree");
}

#[test]
fn fault_env_short_write_keeps_a_prefix_and_errors() {
    let (env, dir) = fault_with_dir();
    let path = dir.join("f");
    let mut file = env.new_writable(&path).unwrap();
    env.set_write_fault(1, WriteFault::Short { bytes_kept: 2 });
    assert!(file.append(b"abcdef").is_err());
    assert_eq!(read_file_to_vec(&env, &path).unwrap(), b"ab");
}

#[test]
fn fault_env_failed_fsync_makes_nothing_durable() {
    let (env, dir) = fault_with_dir();
    let path = dir.join("f");
    let mut file = env.new_writable(&path).unwrap();
    env.sync_dir(&dir).unwrap();
    file.append(b"data").unwrap();
    env.set_sync_failing(true);
    assert!(file.sync().is_err());
    assert!(env.sync_dir(&dir).is_err());
    env.crash();
    assert_eq!(read_file_to_vec(&env, &path).unwrap(), b"");
}

#[test]
fn fault_env_power_cut_fails_the_write_and_every_later_change() {
    let (env, dir) = fault_with_dir();
    let path = dir.join("f");
    let mut file = env.new_writable(&path).unwrap();
    env.sync_dir(&dir).unwrap();
    env.set_power_cut_at_write(2);
    file.append(b"kept").unwrap();
    file.sync().unwrap();
    assert!(file.append(b"cut").is_err());
    assert!(file.append(b"later").is_err());
    assert!(file.sync().is_err());
    assert!(env.new_writable(&dir.join("g")).is_err());
    assert!(env.rename(&path, &dir.join("h")).is_err());
    env.crash();
    assert_eq!(read_file_to_vec(&env, &path).unwrap(), b"kept");
    let mut after = env.new_appendable(&path).unwrap();
    after.append(b"!").unwrap();
    assert_eq!(read_file_to_vec(&env, &path).unwrap(), b"kept!");
}

#[test]
fn fault_env_files_opened_before_a_crash_are_dead_after_it() {
    let (env, dir) = fault_with_dir();
    let path = dir.join("f");
    let mut stale = env.new_writable(&path).unwrap();
    env.sync_dir(&dir).unwrap();
    stale.append(b"kept").unwrap();
    stale.sync().unwrap();
    env.crash();
    assert!(stale.append(b"ghost").is_err());
    assert!(stale.flush().is_err());
    assert!(stale.sync().is_err());
    assert_eq!(read_file_to_vec(&env, &path).unwrap(), b"kept");
    let mut fresh = env.new_appendable(&path).unwrap();
    fresh.append(b"!").unwrap();
    assert_eq!(read_file_to_vec(&env, &path).unwrap(), b"kept!");
}
