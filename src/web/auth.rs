//! Who may call the protected routes: the owner, proven by
//! `Authorization: Bearer <token>`, by HTTP Basic with the token as the
//! password (any user name, RFC 7617), or by a browser session cookie
//! (see `session.rs`). Anything else gets 401 with `WWW-Authenticate`; a
//! client address that keeps failing gets 429 for the rest of its window.
//!
//! A 401 to a script's `fetch` (`Sec-Fetch-Mode` other than `navigate`)
//! offers only the Bearer scheme: a Basic challenge would make the browser
//! pop up its own password dialog over the UI's sign-in form.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use super::credentials::Credentials;
use super::origin::Proof;
use super::session::{self, Sessions};
use crate::http::{Request, Response, Status};
use crate::util::base64;

/// Failed attempts one client address may make per window.
pub const FAILURES_PER_WINDOW_MAX: u32 = 10;
/// The window over which failures are counted.
pub const FAILURE_WINDOW: Duration = Duration::from_secs(60);
/// Client addresses tracked at most; past it, expired windows are dropped
/// (and if none has expired, the oldest).
pub const TRACKED_CLIENTS_MAX: usize = 10_000;

/// Checks credentials and counts failures per client.
pub struct Gate {
    credentials: Credentials,
    /// Browser sessions; without them a session cookie proves nothing.
    sessions: Option<Sessions>,
    failures: Mutex<HashMap<IpAddr, Window>>,
}

#[derive(Clone, Copy)]
struct Window {
    started: Instant,
    failures: u32,
}

impl Gate {
    pub fn new(credentials: Credentials) -> Gate {
        Gate {
            credentials,
            sessions: None,
            failures: Mutex::new(HashMap::new()),
        }
    }

    /// Accepts the session cookies of `sessions` too.
    pub fn with_sessions(mut self, sessions: Sessions) -> Gate {
        self.sessions = Some(sessions);
        self
    }

    /// The browser sessions, if this gate takes them.
    pub fn sessions(&self) -> Option<&Sessions> {
        self.sessions.as_ref()
    }

    /// How the owner proved who they are; else the 401 or 429 to answer.
    pub fn check(&self, request: &Request<'_>) -> Result<Proof, Response> {
        if request.header("authorization").is_some() {
            let token = presented_token(request).unwrap_or_default();
            return self.verify_token(request, &token).map(|()| Proof::Token);
        }
        if let Some(id) = session::presented_id(request) {
            if self.sessions.as_ref().is_some_and(|s| s.is_live(id)) {
                return Ok(Proof::Session);
            }
            return Err(unauthorized(request, "session ended; sign in again"));
        }
        Err(unauthorized(request, "credentials required"))
    }

    /// `Ok` when `token` is the owner's; a wrong one counts as a failure of
    /// the client's address (429 once it has failed too often).
    pub fn verify_token(&self, request: &Request<'_>, token: &str) -> Result<(), Response> {
        let client = request.peer.ip();
        if let Some(wait) = self.blocked_for(client) {
            let seconds = wait.as_secs().max(1).to_string();
            return Err(
                Response::error(Status::TOO_MANY_REQUESTS, "too many failed attempts")
                    .header("Retry-After", seconds),
            );
        }
        if self.credentials.verify(token) {
            return Ok(());
        }
        self.count_failure(client);
        Err(unauthorized(request, "wrong credentials"))
    }

    fn blocked_for(&self, client: IpAddr) -> Option<Duration> {
        let failures = self.failures.lock().unwrap_or_else(|p| p.into_inner());
        let window = failures.get(&client)?;
        let left = FAILURE_WINDOW.checked_sub(window.started.elapsed())?;
        (window.failures >= FAILURES_PER_WINDOW_MAX).then_some(left)
    }

    fn count_failure(&self, client: IpAddr) {
        let mut failures = self.failures.lock().unwrap_or_else(|p| p.into_inner());
        if failures.len() >= TRACKED_CLIENTS_MAX && !failures.contains_key(&client) {
            failures.retain(|_, window| window.started.elapsed() < FAILURE_WINDOW);
            if failures.len() >= TRACKED_CLIENTS_MAX {
                let oldest = failures
                    .iter()
                    .min_by_key(|(_, w)| w.started)
                    .map(|(ip, _)| *ip);
                oldest.map(|ip| failures.remove(&ip));
            }
        }
        let now = Instant::now();
        let window = failures.entry(client).or_insert(Window {
            started: now,
            failures: 0,
        });
        if window.started.elapsed() >= FAILURE_WINDOW {
            *window = Window {
                started: now,
                failures: 0,
            };
        }
        window.failures += 1;
    }
}

/// The token of a Bearer or Basic `Authorization` field.
fn presented_token(request: &Request<'_>) -> Option<String> {
    let field = request.header_str("authorization")?.trim();
    let (scheme, credentials) = field.split_once(' ')?;
    let credentials = credentials.trim();
    if scheme.eq_ignore_ascii_case("bearer") {
        return Some(credentials.to_string());
    }
    if scheme.eq_ignore_ascii_case("basic") {
        let decoded = String::from_utf8(base64::decode(credentials).ok()?).ok()?;
        let (_user, password) = decoded.split_once(':')?;
        return Some(password.to_string());
    }
    None
}

fn unauthorized(request: &Request<'_>, message: &str) -> Response {
    let response = Response::error(Status::UNAUTHORIZED, message)
        .header("WWW-Authenticate", "Bearer realm=\"strata\"");
    let from_script = request
        .header_str("sec-fetch-mode")
        .is_some_and(|mode| !mode.trim().eq_ignore_ascii_case("navigate"));
    if from_script {
        return response;
    }
    response.header(
        "WWW-Authenticate",
        "Basic realm=\"strata\", charset=\"UTF-8\"",
    )
}
