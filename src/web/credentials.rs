//! The owner's credential: one random token, stored only as a salted
//! PBKDF2-HMAC-SHA256 hash in the data folder (`owner-token`), checked in
//! constant time. A token that verified once is remembered by its SHA-256
//! so later requests cost a hash, not 600,000 PBKDF2 rounds. Resetting the
//! token (`strata token --reset`) rewrites the file; a running server sees
//! the new file within a second and forgets every token it had accepted.
//!
//! File format, one line: `pbkdf2-sha256 <iterations> <salt hex> <hash hex>`.

use std::collections::HashSet;
use std::fs::File;
use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::{Duration, Instant, SystemTime};

use crate::util::constant_time::constant_time_eq;
use crate::util::pbkdf2::{ITERATIONS_RECOMMENDED, pbkdf2_hmac_sha256};
use crate::util::sha2::sha256;
use crate::util::{base64, hex};

/// Name of the token-hash file in the data folder.
pub const TOKEN_FILE_NAME: &str = "owner-token";
/// Random bytes in a new token (256 bits).
pub const TOKEN_RANDOM_BYTES: usize = 32;
/// Bytes of salt for the stored hash.
pub const SALT_BYTES: usize = 16;
/// Bytes of the stored PBKDF2 output.
pub const HASH_BYTES: usize = 32;
/// How often a running server looks whether the token file changed.
pub const RELOAD_CHECK_INTERVAL: Duration = Duration::from_secs(1);
/// Tokens remembered as verified at most (a bound on memory).
pub const ACCEPTED_TOKENS_MAX: usize = 64;
/// Longest token accepted for checking, in bytes.
pub const TOKEN_BYTES_MAX: usize = 1024;

const FORMAT_TAG: &str = "pbkdf2-sha256";

/// A stored hash, as read from the token file.
#[derive(Clone, Debug, PartialEq, Eq)]
struct StoredHash {
    iterations: u32,
    salt: Vec<u8>,
    hash: Vec<u8>,
}

struct State {
    stored: StoredHash,
    modified: Option<SystemTime>,
    checked_at: Instant,
    accepted: HashSet<[u8; 32]>,
}

/// The owner's credential, for a server to check tokens against.
pub struct Credentials {
    path: PathBuf,
    state: Mutex<State>,
}

/// What `open_or_create` did.
#[derive(Debug, PartialEq, Eq)]
pub enum Setup {
    /// The stored token was kept.
    Existing,
    /// A new random token was made: show it to the owner once.
    Created(String),
    /// The token given by flag or environment was stored.
    Set,
}

impl Credentials {
    /// Loads the token hash in `data`, or stores a new one: the `given`
    /// token if any (it replaces a different stored one), else a random
    /// token that is returned so it can be printed once.
    pub fn open_or_create(data: &Path, given: Option<&str>) -> io::Result<(Credentials, Setup)> {
        let path = data.join(TOKEN_FILE_NAME);
        let setup = match (read_stored(&path)?, given) {
            (Some(stored), Some(token)) if verify_against(&stored, token) => Setup::Existing,
            (Some(_), None) => Setup::Existing,
            (_, Some(token)) => {
                write_token_file(&path, token)?;
                Setup::Set
            }
            (None, None) => {
                let token = new_token()?;
                write_token_file(&path, &token)?;
                Setup::Created(token)
            }
        };
        let credentials = Credentials::open(&path)?;
        Ok((credentials, setup))
    }

    fn open(path: &Path) -> io::Result<Credentials> {
        let stored = read_stored(path)?.ok_or_else(|| invalid(path, "token file vanished"))?;
        let state = State {
            stored,
            modified: modified_time(path),
            checked_at: Instant::now(),
            accepted: HashSet::new(),
        };
        Ok(Credentials {
            path: path.to_path_buf(),
            state: Mutex::new(state),
        })
    }

    /// Is `token` the owner's token? Constant time in the token's bytes.
    pub fn verify(&self, token: &str) -> bool {
        if token.is_empty() || token.len() > TOKEN_BYTES_MAX {
            return false;
        }
        let digest = sha256(token.as_bytes());
        let stored = {
            let mut state = self.state.lock().unwrap_or_else(|p| p.into_inner());
            self.reload_if_changed(&mut state);
            if state.accepted.contains(&digest) {
                return true;
            }
            state.stored.clone()
        };
        if !verify_against(&stored, token) {
            return false;
        }
        let mut state = self.state.lock().unwrap_or_else(|p| p.into_inner());
        if state.stored == stored {
            if state.accepted.len() >= ACCEPTED_TOKENS_MAX {
                state.accepted.clear();
            }
            state.accepted.insert(digest);
        }
        true
    }

    fn reload_if_changed(&self, state: &mut State) {
        if state.checked_at.elapsed() < RELOAD_CHECK_INTERVAL {
            return;
        }
        state.checked_at = Instant::now();
        let modified = modified_time(&self.path);
        if modified == state.modified {
            return;
        }
        if let Ok(Some(stored)) = read_stored(&self.path) {
            state.stored = stored;
            state.modified = modified;
            state.accepted.clear();
        }
    }
}

/// Makes a new random token, stores its hash in `data`, and returns it.
pub fn reset(data: &Path) -> io::Result<String> {
    let token = new_token()?;
    write_token_file(&data.join(TOKEN_FILE_NAME), &token)?;
    Ok(token)
}

/// A new random token: 256 bits from the OS, base64url without padding.
pub fn new_token() -> io::Result<String> {
    Ok(base64::encode_url(&random_bytes::<TOKEN_RANDOM_BYTES>()?))
}

/// Bytes from `/dev/urandom`.
pub fn random_bytes<const N: usize>() -> io::Result<[u8; N]> {
    let mut bytes = [0u8; N];
    File::open("/dev/urandom")?.read_exact(&mut bytes)?;
    Ok(bytes)
}

fn verify_against(stored: &StoredHash, token: &str) -> bool {
    let mut derived = [0u8; HASH_BYTES];
    let ok = pbkdf2_hmac_sha256(
        token.as_bytes(),
        &stored.salt,
        stored.iterations,
        &mut derived,
    );
    ok.is_ok() && constant_time_eq(&derived, &stored.hash)
}

fn write_token_file(path: &Path, token: &str) -> io::Result<()> {
    let salt = random_bytes::<SALT_BYTES>()?;
    let mut hash = [0u8; HASH_BYTES];
    pbkdf2_hmac_sha256(token.as_bytes(), &salt, ITERATIONS_RECOMMENDED, &mut hash)
        .map_err(|e| io::Error::other(e.to_string()))?;
    let line = format!(
        "{FORMAT_TAG} {ITERATIONS_RECOMMENDED} {} {}\n",
        hex::encode(&salt),
        hex::encode(&hash)
    );
    write_atomically(path, line.as_bytes())
}

/// Writes `bytes` to a temporary file, syncs it, renames it over `path`
/// and syncs the folder: a crash leaves the old file or the new, whole.
fn write_atomically(path: &Path, bytes: &[u8]) -> io::Result<()> {
    let folder = path.parent().unwrap_or(Path::new("."));
    std::fs::create_dir_all(folder)?;
    let temporary = path.with_extension("tmp");
    let mut file = File::create(&temporary)?;
    file.write_all(bytes)?;
    file.sync_all()?;
    std::fs::rename(&temporary, path)?;
    File::open(folder)?.sync_all()
}

fn read_stored(path: &Path) -> io::Result<Option<StoredHash>> {
    let text = match std::fs::read_to_string(path) {
        Ok(text) => text,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(e),
    };
    parse_stored(text.trim_end())
        .map(Some)
        .ok_or_else(|| invalid(path, "malformed token file"))
}

fn parse_stored(line: &str) -> Option<StoredHash> {
    let fields: Vec<&str> = line.split(' ').collect();
    let [FORMAT_TAG, iterations, salt, hash] = fields[..] else {
        return None;
    };
    let iterations = iterations.parse().ok().filter(|&n| n > 0)?;
    let salt = hex::decode(salt).ok()?;
    let hash = hex::decode(hash).ok().filter(|h| h.len() == HASH_BYTES)?;
    Some(StoredHash {
        iterations,
        salt,
        hash,
    })
}

fn modified_time(path: &Path) -> Option<SystemTime> {
    std::fs::metadata(path).and_then(|m| m.modified()).ok()
}

fn invalid(path: &Path, what: &str) -> io::Error {
    io::Error::new(
        io::ErrorKind::InvalidData,
        format!("{}: {what}", path.display()),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn folder(name: &str) -> PathBuf {
        let path = std::env::temp_dir().join(format!("strata-cred-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&path);
        path
    }

    #[test]
    fn first_start_creates_a_token_that_verifies_and_is_stored_only_hashed() {
        let data = folder("create");
        let (credentials, setup) = Credentials::open_or_create(&data, None).unwrap();
        let Setup::Created(token) = setup else {
            panic!("expected a new token")
        };
        assert_eq!(token.len(), 43);
        assert!(credentials.verify(&token));
        assert!(
            credentials.verify(&token),
            "the second check takes the remembered path"
        );
        assert!(!credentials.verify("wrong"));
        assert!(!credentials.verify(""));
        let stored = std::fs::read_to_string(data.join(TOKEN_FILE_NAME)).unwrap();
        assert!(!stored.contains(&token));
        assert!(stored.starts_with("pbkdf2-sha256 600000 "));
        let (_, again) = Credentials::open_or_create(&data, None).unwrap();
        assert_eq!(again, Setup::Existing);
        std::fs::remove_dir_all(&data).unwrap();
    }

    #[test]
    fn a_given_token_replaces_a_different_one() {
        let data = folder("given");
        let (_, setup) = Credentials::open_or_create(&data, Some("first")).unwrap();
        assert_eq!(setup, Setup::Set);
        let (_, setup) = Credentials::open_or_create(&data, Some("first")).unwrap();
        assert_eq!(setup, Setup::Existing);
        let (credentials, setup) = Credentials::open_or_create(&data, Some("second")).unwrap();
        assert_eq!(setup, Setup::Set);
        assert!(credentials.verify("second"));
        assert!(!credentials.verify("first"));
        std::fs::remove_dir_all(&data).unwrap();
    }

    #[test]
    fn a_reset_is_seen_by_a_running_server() {
        let data = folder("reset");
        let (credentials, _) = Credentials::open_or_create(&data, Some("old")).unwrap();
        assert!(credentials.verify("old"));
        std::thread::sleep(Duration::from_millis(20));
        let new = reset(&data).unwrap();
        std::thread::sleep(RELOAD_CHECK_INTERVAL + Duration::from_millis(50));
        assert!(
            !credentials.verify("old"),
            "the remembered old token is forgotten"
        );
        assert!(credentials.verify(&new));
        std::fs::remove_dir_all(&data).unwrap();
    }

    #[test]
    fn malformed_token_files_are_an_error() {
        for bad in [
            "",
            "pbkdf2-sha256 0 00 00",
            "md5 1 00 00",
            "pbkdf2-sha256 1 zz 00",
        ] {
            assert!(parse_stored(bad).is_none(), "{bad:?}");
        }
    }
}
