//! An Env that fails on demand, for fault-injection tests: fail the Nth
//! write, make it short, fail every fsync, or cut the power at the Nth
//! write (that write and every later change fail, as if the machine had
//! died; [`FaultEnv::crash`] then drops every unsynced byte and the test
//! "reboots" by reopening through the same env). Files opened before a
//! crash fail every call after it, as a dead process's would.
//!
//! Writes are numbered 1, 2, 3, … across every file of the env, in the
//! order `WritableFile::append` is called; [`FaultEnv::write_count`] says
//! how many have happened, so a test can first run a workload cleanly,
//! count its writes, then rerun it crashing at each one.
//!
//! Reads are counted too: [`FaultEnv::read_count`] is the number of
//! `read_exact_at` calls on files opened with `open_random` (tables,
//! value-log files), so a test can prove what a cache saves.

use super::{Env, FileLock, MemEnv, RandomAccessFile, WritableFile};
use std::collections::HashMap;
use std::io::{self, Read};
use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};

/// What happens to one numbered write.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum WriteFault {
    /// Nothing is written; the append returns an error.
    Fail,
    /// Only the first `bytes_kept` bytes are written, then an error.
    Short { bytes_kept: usize },
}

#[derive(Default)]
struct FaultState {
    /// Crashes so far; a file opened before the last one is dead.
    boot: u64,
    writes: u64,
    write_faults: HashMap<u64, WriteFault>,
    sync_failing: bool,
    power_cut_at_write: Option<u64>,
    power_is_cut: bool,
}

impl FaultState {
    fn check_power(&self) -> io::Result<()> {
        if self.power_is_cut {
            Err(injected("power cut"))
        } else {
            Ok(())
        }
    }
}

fn injected(what: &str) -> io::Error {
    io::Error::other(format!("injected fault: {what}"))
}

/// The fault-injecting Env. Clones share one file system and one plan.
#[derive(Clone)]
pub struct FaultEnv {
    inner: Arc<dyn Env>,
    memory: Option<MemEnv>,
    state: Arc<Mutex<FaultState>>,
    /// Positional reads so far (an atomic: reads take no lock).
    reads: Arc<AtomicU64>,
}

impl FaultEnv {
    /// Over a fresh in-memory file system (crash simulation is exact).
    pub fn in_memory() -> FaultEnv {
        let memory = MemEnv::new();
        FaultEnv {
            inner: Arc::new(memory.clone()),
            memory: Some(memory),
            state: Arc::default(),
            reads: Arc::default(),
        }
    }

    /// Over any Env (e.g. PosixEnv); `crash` is not available then.
    pub fn wrapping(inner: Arc<dyn Env>) -> FaultEnv {
        FaultEnv {
            inner,
            memory: None,
            state: Arc::default(),
            reads: Arc::default(),
        }
    }

    fn state(&self) -> MutexGuard<'_, FaultState> {
        lock_state(&self.state)
    }

    /// The in-memory file system underneath, when there is one.
    pub fn memory(&self) -> Option<&MemEnv> {
        self.memory.as_ref()
    }

    /// Appends done so far (failed ones included).
    pub fn write_count(&self) -> u64 {
        self.state().writes
    }

    /// Positional reads (`read_exact_at`) done so far on files opened with
    /// `open_random`, failed ones included.
    pub fn read_count(&self) -> u64 {
        self.reads.load(Ordering::Relaxed)
    }

    /// Makes write number `write_number` (1-based, see the module doc) fail.
    pub fn set_write_fault(&self, write_number: u64, fault: WriteFault) {
        self.state().write_faults.insert(write_number, fault);
    }

    /// While set, every `sync` and `sync_dir` fails and makes nothing durable.
    pub fn set_sync_failing(&self, failing: bool) {
        self.state().sync_failing = failing;
    }

    /// Cuts the power at write number `write_number`: it and every later
    /// change (write, sync, create, rename, remove) fail.
    pub fn set_power_cut_at_write(&self, write_number: u64) {
        self.state().power_cut_at_write = Some(write_number);
    }

    /// Simulates the power cut now: drops everything not durable (see
    /// `MemEnv::crash`), then restores power and clears every fault.
    /// REQUIRES: built with `in_memory`.
    pub fn crash(&self) {
        let memory = self.memory.as_ref();
        memory
            .expect("FaultEnv::crash needs the in-memory env")
            .crash();
        let mut state = self.state();
        *state = FaultState {
            boot: state.boot + 1,
            writes: state.writes,
            ..FaultState::default()
        };
    }

    fn check_change(&self) -> io::Result<()> {
        self.state().check_power()
    }

    fn wrap(&self, inner: Box<dyn WritableFile>) -> Box<dyn WritableFile> {
        Box::new(FaultWritableFile {
            inner,
            boot: self.state().boot,
            state: self.state.clone(),
        })
    }
}

fn lock_state(state: &Mutex<FaultState>) -> MutexGuard<'_, FaultState> {
    state.lock().unwrap_or_else(|poison| poison.into_inner())
}

/// A file of the fault env. After a crash it fails every call: the
/// process that opened it is gone, and it must not touch the "rebooted"
/// file system.
struct FaultWritableFile {
    inner: Box<dyn WritableFile>,
    boot: u64,
    state: Arc<Mutex<FaultState>>,
}

/// The state, if a file opened at `boot` may still act and power is on.
fn live_state(state: &Mutex<FaultState>, boot: u64) -> io::Result<MutexGuard<'_, FaultState>> {
    let state = lock_state(state);
    if state.boot != boot {
        return Err(injected("file opened before a crash"));
    }
    state.check_power()?;
    Ok(state)
}

impl WritableFile for FaultWritableFile {
    fn append(&mut self, data: &[u8]) -> io::Result<()> {
        let mut state = live_state(&self.state, self.boot)?;
        state.writes += 1;
        let number = state.writes;
        if state.power_cut_at_write == Some(number) {
            state.power_is_cut = true;
            return Err(injected("power cut"));
        }
        match state.write_faults.remove(&number) {
            None => self.inner.append(data),
            Some(WriteFault::Fail) => Err(injected("failed write")),
            Some(WriteFault::Short { bytes_kept }) => {
                self.inner.append(&data[..bytes_kept.min(data.len())])?;
                Err(injected("short write"))
            }
        }
    }

    fn flush(&mut self) -> io::Result<()> {
        drop(live_state(&self.state, self.boot)?);
        self.inner.flush()
    }

    fn sync(&mut self) -> io::Result<()> {
        let state = live_state(&self.state, self.boot)?;
        if state.sync_failing {
            return Err(injected("failed fsync"));
        }
        drop(state);
        self.inner.sync()
    }
}

/// A random-access file of the fault env: counts its reads.
struct CountedRandomFile {
    inner: Arc<dyn RandomAccessFile>,
    reads: Arc<AtomicU64>,
}

impl RandomAccessFile for CountedRandomFile {
    fn read_exact_at(&self, buf: &mut [u8], offset: u64) -> io::Result<()> {
        self.reads.fetch_add(1, Ordering::Relaxed);
        self.inner.read_exact_at(buf, offset)
    }

    fn len(&self) -> io::Result<u64> {
        self.inner.len()
    }

    fn as_file(&self) -> Option<&std::fs::File> {
        self.inner.as_file()
    }
}

impl Env for FaultEnv {
    fn new_writable(&self, path: &Path) -> io::Result<Box<dyn WritableFile>> {
        self.check_change()?;
        Ok(self.wrap(self.inner.new_writable(path)?))
    }

    fn new_appendable(&self, path: &Path) -> io::Result<Box<dyn WritableFile>> {
        self.check_change()?;
        Ok(self.wrap(self.inner.new_appendable(path)?))
    }

    fn open_random(&self, path: &Path) -> io::Result<Arc<dyn RandomAccessFile>> {
        Ok(Arc::new(CountedRandomFile {
            inner: self.inner.open_random(path)?,
            reads: Arc::clone(&self.reads),
        }))
    }

    fn open_sequential(&self, path: &Path) -> io::Result<Box<dyn Read + Send>> {
        self.inner.open_sequential(path)
    }

    fn remove(&self, path: &Path) -> io::Result<()> {
        self.check_change()?;
        self.inner.remove(path)
    }

    fn rename(&self, from: &Path, to: &Path) -> io::Result<()> {
        self.check_change()?;
        self.inner.rename(from, to)
    }

    fn children(&self, dir: &Path) -> io::Result<Vec<String>> {
        self.inner.children(dir)
    }

    fn create_dir_all(&self, dir: &Path) -> io::Result<()> {
        self.check_change()?;
        self.inner.create_dir_all(dir)
    }

    fn file_size(&self, path: &Path) -> io::Result<u64> {
        self.inner.file_size(path)
    }

    fn sync_dir(&self, dir: &Path) -> io::Result<()> {
        let state = self.state();
        state.check_power()?;
        if state.sync_failing {
            return Err(injected("failed directory fsync"));
        }
        drop(state);
        self.inner.sync_dir(dir)
    }

    fn lock_file(&self, path: &Path) -> io::Result<FileLock> {
        self.check_change()?;
        self.inner.lock_file(path)
    }
}
