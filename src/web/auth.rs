//! Who may call the protected routes: the owner, proven by
//! `Authorization: Bearer <token>` or HTTP Basic with the token as the
//! password (any user name, RFC 7617). Anything else gets 401 with
//! `WWW-Authenticate`; a client address that keeps failing gets 429 for
//! the rest of its window.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use super::credentials::Credentials;
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
            failures: Mutex::new(HashMap::new()),
        }
    }

    /// `Ok` for the owner; else the 401 or 429 to answer.
    pub fn check(&self, request: &Request<'_>) -> Result<(), Response> {
        let client = request.peer.ip();
        if let Some(wait) = self.blocked_for(client) {
            let seconds = wait.as_secs().max(1).to_string();
            return Err(
                Response::error(Status::TOO_MANY_REQUESTS, "too many failed attempts")
                    .header("Retry-After", seconds),
            );
        }
        let Some(token) = presented_token(request) else {
            return Err(unauthorized("credentials required"));
        };
        if self.credentials.verify(&token) {
            return Ok(());
        }
        self.count_failure(client);
        Err(unauthorized("wrong credentials"))
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

fn unauthorized(message: &str) -> Response {
    Response::error(Status::UNAUTHORIZED, message)
        .header("WWW-Authenticate", "Bearer realm=\"strata\"")
        .header(
            "WWW-Authenticate",
            "Basic realm=\"strata\", charset=\"UTF-8\"",
        )
}
