//! Browser sessions of the owner: `POST /api/login` trades the owner token
//! for a random session id sent back as a cookie (HttpOnly,
//! SameSite=Strict), so the UI never keeps the token in script reach.
//!
//! The server keeps only the SHA-256 of each id, with its expiry, in the
//! data folder's `sessions` file, so a session survives a restart of the
//! server and can be revoked (`/api/logout`; `strata token --reset`
//! revokes them all). File format, one line each, rewritten whole through
//! a temporary file and a rename (a crash leaves the old or the new file):
//!
//! ```text
//! strata-sessions 1
//! <64 lowercase hex: SHA-256 of the id> <expiry, Unix seconds>
//! ```
//!
//! A running server notices the file changing under it (a token reset)
//! within [`RELOAD_CHECK_INTERVAL`].

use std::collections::HashMap;
use std::fs::{self, File};
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use super::credentials::random_bytes;
use crate::http::Request;
use crate::util::hex;
use crate::util::sha2::sha256;

/// The file in the data folder that lists live sessions.
pub const SESSIONS_FILE_NAME: &str = "sessions";
/// The cookie that carries the session id.
pub const COOKIE_NAME: &str = "strata_session";
/// How long a session lasts after sign-in.
pub const SESSION_LIFETIME: Duration = Duration::from_secs(30 * 24 * 60 * 60);
/// Live sessions kept at most; past it the one expiring first goes.
pub const SESSIONS_MAX: usize = 1_000;
/// How often a server looks for a change of the file made by another process.
pub const RELOAD_CHECK_INTERVAL: Duration = Duration::from_secs(1);
/// Random bytes in a session id (hex-encoded in the cookie).
const SESSION_ID_RANDOM_BYTES: usize = 32;
/// The first line of the file.
const HEADER_LINE: &str = "strata-sessions 1";

/// Digest of a session id: what the file holds.
type IdDigest = [u8; 32];

/// The owner's live sessions, shared by every connection.
pub struct Sessions {
    path: PathBuf,
    state: Mutex<State>,
}

struct State {
    /// Expiry (Unix seconds) by id digest.
    live: HashMap<IdDigest, u64>,
    modified: Option<SystemTime>,
    checked_at: Instant,
}

/// A new session: the id for the cookie and how long it lasts.
#[derive(Debug)]
pub struct Issued {
    pub id: String,
    pub max_age: Duration,
}

impl Sessions {
    /// The sessions of the data folder `data` (none yet if it has no file).
    pub fn open(data: &Path) -> io::Result<Sessions> {
        let path = data.join(SESSIONS_FILE_NAME);
        let live = read_file(&path)?;
        let state = State {
            live,
            modified: modified_time(&path),
            checked_at: Instant::now(),
        };
        Ok(Sessions {
            path,
            state: Mutex::new(state),
        })
    }

    /// Starts a session and stores it durably before returning its id.
    pub fn issue(&self) -> io::Result<Issued> {
        let id = hex::encode(&random_bytes::<SESSION_ID_RANDOM_BYTES>()?);
        let now = unix_seconds_now();
        let expiry = now + SESSION_LIFETIME.as_secs();
        let mut state = self.lock();
        self.reload_if_changed(&mut state);
        state.live.retain(|_, expires| *expires > now);
        if state.live.len() >= SESSIONS_MAX {
            let first = state.live.iter().min_by_key(|(_, e)| **e).map(|(d, _)| *d);
            first.map(|digest| state.live.remove(&digest));
        }
        state.live.insert(sha256(id.as_bytes()), expiry);
        self.store(&mut state)?;
        let max_age = SESSION_LIFETIME;
        Ok(Issued { id, max_age })
    }

    /// Is `id` a live session?
    pub fn is_live(&self, id: &str) -> bool {
        let digest = sha256(id.as_bytes());
        let mut state = self.lock();
        self.reload_if_changed(&mut state);
        state
            .live
            .get(&digest)
            .is_some_and(|expiry| *expiry > unix_seconds_now())
    }

    /// Ends the session `id` (nothing happens if it is not live).
    pub fn revoke(&self, id: &str) -> io::Result<()> {
        let digest = sha256(id.as_bytes());
        let mut state = self.lock();
        self.reload_if_changed(&mut state);
        if state.live.remove(&digest).is_some() {
            self.store(&mut state)?;
        }
        Ok(())
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn store(&self, state: &mut State) -> io::Result<()> {
        write_file(&self.path, &state.live)?;
        state.modified = modified_time(&self.path);
        Ok(())
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
        // A file that cannot be read now revokes everything: failing
        // closed is the safe side for credentials.
        state.live = read_file(&self.path).unwrap_or_default();
        state.modified = modified;
    }
}

/// Revokes every session of the data folder `data` (a token reset).
pub fn revoke_all(data: &Path) -> io::Result<()> {
    write_file(&data.join(SESSIONS_FILE_NAME), &HashMap::new())
}

/// The session id the request's `Cookie` fields carry, if any
/// (RFC 6265 §5.4: `name=value` pairs separated by `; `).
pub fn presented_id<'a>(request: &Request<'a>) -> Option<&'a str> {
    request
        .header_all("cookie")
        .filter_map(|value| std::str::from_utf8(value).ok())
        .flat_map(|value| value.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(name, _)| *name == COOKIE_NAME)
        .map(|(_, value)| value.trim_matches('"'))
}

/// The `Set-Cookie` value that stores `id` in the browser (RFC 6265 §4.1).
pub fn set_cookie(issued: &Issued) -> String {
    let seconds = issued.max_age.as_secs();
    format!(
        "{COOKIE_NAME}={}; Path=/; Max-Age={seconds}; HttpOnly; SameSite=Strict",
        issued.id
    )
}

/// The `Set-Cookie` value that removes the cookie.
pub fn clear_cookie() -> String {
    format!("{COOKIE_NAME}=; Path=/; Max-Age=0; HttpOnly; SameSite=Strict")
}

fn unix_seconds_now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |since| since.as_secs())
}

fn modified_time(path: &Path) -> Option<SystemTime> {
    fs::metadata(path).and_then(|m| m.modified()).ok()
}

fn read_file(path: &Path) -> io::Result<HashMap<IdDigest, u64>> {
    let text = match fs::read_to_string(path) {
        Ok(text) => text,
        Err(error) if error.kind() == io::ErrorKind::NotFound => return Ok(HashMap::new()),
        Err(error) => return Err(error),
    };
    let mut lines = text.lines();
    if lines.next() != Some(HEADER_LINE) {
        return Err(damaged(path, "first line is not the header"));
    }
    let mut live = HashMap::new();
    for line in lines {
        let parsed = line.split_once(' ').and_then(|(digest, expiry)| {
            let mut bytes = [0u8; 32];
            hex::decode_into(digest, &mut bytes).ok()?;
            Some((bytes, expiry.parse::<u64>().ok()?))
        });
        let (digest, expiry) = parsed.ok_or_else(|| damaged(path, "a malformed line"))?;
        live.insert(digest, expiry);
    }
    Ok(live)
}

fn write_file(path: &Path, live: &HashMap<IdDigest, u64>) -> io::Result<()> {
    let mut text = format!("{HEADER_LINE}\n");
    for (digest, expiry) in live {
        hex::encode_into(digest, &mut text);
        text.push_str(&format!(" {expiry}\n"));
    }
    let temporary = path.with_extension("tmp");
    let mut file = File::create(&temporary)?;
    file.write_all(text.as_bytes())?;
    file.sync_all()?;
    fs::rename(&temporary, path)?;
    if let Some(folder) = path.parent() {
        File::open(folder)?.sync_all()?;
    }
    Ok(())
}

fn damaged(path: &Path, what: &str) -> io::Error {
    io::Error::new(
        io::ErrorKind::InvalidData,
        format!("{}: {what}", path.display()),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn temporary_folder(name: &str) -> PathBuf {
        let folder =
            std::env::temp_dir().join(format!("strata-session-{name}-{}", std::process::id()));
        let _ = fs::remove_dir_all(&folder);
        fs::create_dir_all(&folder).unwrap();
        folder
    }

    #[test]
    fn an_issued_session_is_live_until_revoked_and_survives_a_reopen() {
        let folder = temporary_folder("issue");
        let sessions = Sessions::open(&folder).unwrap();
        let issued = sessions.issue().unwrap();
        assert_eq!(issued.id.len(), 64);
        assert!(sessions.is_live(&issued.id));
        assert!(!sessions.is_live("0000"));
        let reopened = Sessions::open(&folder).unwrap();
        assert!(reopened.is_live(&issued.id), "kept across a restart");
        reopened.revoke(&issued.id).unwrap();
        assert!(!reopened.is_live(&issued.id));
        assert!(!Sessions::open(&folder).unwrap().is_live(&issued.id));
    }

    #[test]
    fn the_file_holds_digests_never_ids() {
        let folder = temporary_folder("digests");
        let issued = Sessions::open(&folder).unwrap().issue().unwrap();
        let text = fs::read_to_string(folder.join(SESSIONS_FILE_NAME)).unwrap();
        assert!(text.starts_with("strata-sessions 1\n"));
        assert!(!text.contains(&issued.id));
        assert!(text.contains(&hex::encode(&sha256(issued.id.as_bytes()))));
    }

    #[test]
    fn revoke_all_ends_sessions_of_a_running_server_within_the_reload_interval() {
        let folder = temporary_folder("revoke-all");
        let sessions = Sessions::open(&folder).unwrap();
        let issued = sessions.issue().unwrap();
        // Different mtime granularity: make sure the rewrite is seen as a change.
        std::thread::sleep(Duration::from_millis(20));
        revoke_all(&folder).unwrap();
        std::thread::sleep(RELOAD_CHECK_INTERVAL + Duration::from_millis(50));
        assert!(!sessions.is_live(&issued.id));
    }

    #[test]
    fn a_damaged_file_is_an_error_naming_it() {
        let folder = temporary_folder("damaged");
        fs::write(
            folder.join(SESSIONS_FILE_NAME),
            "strata-sessions 1\nnot hex 5\n",
        )
        .unwrap();
        let error = Sessions::open(&folder).err().unwrap();
        assert!(error.to_string().contains("sessions"), "{error}");
    }

    #[test]
    fn cookies_are_set_http_only_and_same_site_strict() {
        let issued = Issued {
            id: "ab".into(),
            max_age: Duration::from_secs(60),
        };
        let value = set_cookie(&issued);
        assert!(value.starts_with("strata_session=ab; Path=/; Max-Age=60;"));
        assert!(value.contains("HttpOnly") && value.contains("SameSite=Strict"));
        assert!(clear_cookie().contains("Max-Age=0"));
    }
}
