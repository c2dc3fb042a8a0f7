//! `VersionSet::recover`: CURRENT → MANIFEST → the current version.
//!
//! Rules (LevelDB's, checked whatever `paranoid_checks` says): CURRENT
//! must be `MANIFEST-NNNNNN\n`; every MANIFEST record must pass its
//! checksum (a damaged stretch is a corruption error naming the file and
//! offset; a torn tail — what a crash while appending leaves — is dropped);
//! every record must decode as an edit; the comparator must be ours; the
//! edits must together record the log number, next file number and last
//! sequence and make a valid set of tables; every live table must exist.
//! With `paranoid_checks` each live table must also have the recorded size.

use super::*;
use crate::store::version::error::EditProblem;

/// What replaying the MANIFEST's edits gathered.
#[derive(Default)]
struct Replay {
    log_number: Option<u64>,
    prev_log_number: Option<u64>,
    next_file_number: Option<u64>,
    last_sequence: Option<SequenceNumber>,
    compact_pointers: [Option<InternalKey>; LEVELS],
    /// Offset of the edit that added each table (to name it on error).
    added_at: std::collections::HashMap<u64, u64>,
}

impl Replay {
    fn take(&mut self, edit: &VersionEdit, offset: u64) {
        let fields = [
            (&mut self.log_number, edit.log_number),
            (&mut self.prev_log_number, edit.prev_log_number),
            (&mut self.next_file_number, edit.next_file_number),
            (&mut self.last_sequence, edit.last_sequence),
        ];
        for (field, value) in fields {
            if value.is_some() {
                *field = value;
            }
        }
        for (level, key) in &edit.compact_pointers {
            self.compact_pointers[*level] = Some(key.clone());
        }
        for (_, file) in &edit.new_files {
            self.added_at.insert(file.number, offset);
        }
    }
}

impl VersionSet {
    /// Loads the state CURRENT names. REQUIRES: a fresh set (`new`).
    pub fn recover(&mut self) -> Result<(), VersionError> {
        assert_eq!(
            self.manifest_file_number, 0,
            "recover on a set already recovered"
        );
        let manifest = self.read_current()?;
        let mut builder = VersionBuilder::new(&self.current);
        let mut replay = Replay::default();
        replay_manifest(&*self.env, &manifest, &mut builder, &mut replay)?;
        let missing = |missing| VersionError::ManifestIncomplete {
            file: manifest.clone(),
            missing,
        };
        let next_file = replay
            .next_file_number
            .ok_or_else(|| missing("next file number"))?;
        let log_number = replay.log_number.ok_or_else(|| missing("log number"))?;
        let last_sequence = replay
            .last_sequence
            .ok_or_else(|| missing("last sequence"))?;
        let prev_log_number = replay.prev_log_number.unwrap_or(0);
        let files = builder.build().map_err(|problem| {
            let number = match problem {
                EditProblem::OverlappingTables { number, .. }
                | EditProblem::DuplicateTable { number }
                | EditProblem::InvertedRange { number } => number,
            };
            let offset = replay.added_at.get(&number).copied().unwrap_or(0);
            VersionError::InconsistentEdit {
                file: manifest.clone(),
                offset,
                problem,
            }
        })?;
        let version = Version::new(Arc::clone(&self.table_cache), self.options, files);
        let numbers_on_disk = self.check_tables(&version)?;
        self.install(version);
        self.compact_pointers = replay.compact_pointers;
        self.next_file_number = next_file;
        self.mark_file_number_used(prev_log_number);
        self.mark_file_number_used(log_number);
        // A crash can leave files numbered past the recorded counter (a
        // new WAL or value log made before the edit naming it): never hand
        // their numbers out again.
        for number in numbers_on_disk {
            self.mark_file_number_used(number);
        }
        self.manifest_file_number = self.new_file_number();
        self.last_sequence = last_sequence;
        self.log_number = log_number;
        self.prev_log_number = prev_log_number;
        Ok(())
    }

    /// The path of the MANIFEST that CURRENT names.
    fn read_current(&self) -> Result<PathBuf, VersionError> {
        let current = filename::current_file_name(&self.dir);
        let contents = env::read_file_to_vec(&*self.env, &current)
            .map_err(|error| VersionError::io(&current, "read", &error))?;
        match filename::parse_current_contents(&contents) {
            Ok((name, _)) => Ok(self.dir.join(name)),
            Err(reason) => Err(VersionError::BadCurrent {
                file: current,
                reason,
            }),
        }
    }

    /// Every live table exists (and, when paranoid, has its recorded
    /// size). Returns the numbers of every numbered file in the directory.
    fn check_tables(&self, version: &Version) -> Result<Vec<u64>, VersionError> {
        let children = self
            .env
            .children(&self.dir)
            .map_err(|error| VersionError::io(&self.dir, "list", &error))?;
        let mut present = std::collections::HashMap::new();
        let mut numbers = Vec::new();
        for name in children {
            match filename::parse_file_name(&name) {
                Some((number, FileType::Table)) => {
                    numbers.push(number);
                    present.insert(number, self.dir.join(name));
                }
                Some((
                    number,
                    FileType::Log | FileType::Descriptor | FileType::Temp | FileType::ValueLog,
                )) => numbers.push(number),
                _ => {}
            }
        }
        let mut missing: Vec<u64> = Vec::new();
        for file in (0..LEVELS).flat_map(|level| version.files(level)) {
            let meta = &file.meta;
            let Some(path) = present.get(&meta.number) else {
                missing.push(meta.number);
                continue;
            };
            if self.options.paranoid_checks {
                check_size(&*self.env, path, meta.file_size)?;
            }
        }
        match missing.iter().min() {
            None => Ok(numbers),
            Some(&first) => Err(VersionError::MissingTables {
                count: missing.len(),
                first: filename::table_file_name(&self.dir, first),
            }),
        }
    }
}

fn check_size(env: &dyn Env, path: &Path, recorded_bytes: u64) -> Result<(), VersionError> {
    let actual_bytes = env
        .file_size(path)
        .map_err(|error| VersionError::io(path, "stat", &error))?;
    if actual_bytes != recorded_bytes {
        return Err(VersionError::TableSizeMismatch {
            file: path.to_path_buf(),
            recorded_bytes,
            actual_bytes,
        });
    }
    Ok(())
}

/// Applies every edit of `manifest` to `builder`; the first damaged
/// stretch or undecodable edit is an error naming the file and offset.
fn replay_manifest(
    env: &dyn Env,
    manifest: &Path,
    builder: &mut VersionBuilder,
    replay: &mut Replay,
) -> Result<(), VersionError> {
    let file = env
        .open_sequential(manifest)
        .map_err(|error| VersionError::io(manifest, "open", &error))?;
    let first_corruption: Arc<Mutex<Option<log::Corruption>>> = Arc::default();
    let slot = Arc::clone(&first_corruption);
    let reporter = move |corruption: &log::Corruption| {
        let mut first = slot.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        first.get_or_insert(*corruption);
    };
    let mut reader = log::Reader::new(file, Some(Box::new(reporter)), true);
    let corrupted = || {
        let first = first_corruption
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        match *first {
            Some(corruption) => Err(VersionError::ManifestCorruption {
                file: manifest.to_path_buf(),
                corruption,
            }),
            None => Ok(()),
        }
    };
    let mut record = Vec::new();
    while reader.read_record(&mut record) {
        corrupted()?;
        let offset = reader.last_record_offset();
        let edit = VersionEdit::decode(&record).map_err(|error| VersionError::BadEdit {
            file: manifest.to_path_buf(),
            offset,
            error,
        })?;
        if let Some(recorded) = &edit.comparator
            && recorded != comparator_name()
        {
            return Err(VersionError::ComparatorMismatch {
                file: manifest.to_path_buf(),
                recorded: recorded.clone(),
                expected: comparator_name().to_string(),
            });
        }
        builder.apply(&edit);
        replay.take(&edit, offset);
    }
    corrupted()
}
