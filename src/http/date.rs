//! The `Date` header value, formatted once a second per thread.

use std::cell::RefCell;
use std::time::{SystemTime, UNIX_EPOCH};

use crate::util::time::{format_http_date, format_log_date};

struct Cached {
    second: i64,
    http: String,
    log: String,
}

thread_local! {
    static CACHE: RefCell<Cached> =
        const { RefCell::new(Cached { second: i64::MIN, http: String::new(), log: String::new() }) };
}

fn with_cache<T>(read: impl FnOnce(&Cached) -> T) -> T {
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0);
    CACHE.with(|cache| {
        let mut cache = cache.borrow_mut();
        if cache.second != now {
            cache.second = now;
            cache.http = format_http_date(now);
            cache.log = format_log_date(now);
        }
        read(&cache)
    })
}

/// Calls `write` with the current IMF-fixdate (RFC 9110 §6.6.1).
pub fn with_http_date<T>(write: impl FnOnce(&str) -> T) -> T {
    with_cache(|cache| write(&cache.http))
}

/// Calls `write` with the current Common Log Format date.
pub fn with_log_date<T>(write: impl FnOnce(&str) -> T) -> T {
    with_cache(|cache| write(&cache.log))
}
