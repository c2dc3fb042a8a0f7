//! Every bound the server puts on a client, in one place. Each has a named
//! default here and a flag of `strata serve` to change it (see cli/serve.rs).

use std::time::Duration;

/// Longest request line (method, target, version), in bytes: past it, 414.
pub const REQUEST_LINE_BYTES_MAX: usize = 8 * 1024;
/// Longest request target (URI), in bytes: past it, 414.
pub const URI_BYTES_MAX: usize = 8 * 1024;
/// Longest single header field line, in bytes: past it, 431.
pub const HEADER_LINE_BYTES_MAX: usize = 8 * 1024;
/// All header field lines of one request together, in bytes: past it, 431.
pub const HEADERS_BYTES_MAX: usize = 64 * 1024;
/// Header fields in one request: past it, 431.
pub const HEADERS_COUNT_MAX: usize = 100;
/// Request body for routes that do not set their own limit, in bytes: 413.
pub const BODY_BYTES_MAX: u64 = 1024 * 1024;
/// The whole head of a request must arrive within this: else 408 and close.
pub const HEADER_TIMEOUT: Duration = Duration::from_secs(10);
/// A request body that sends nothing for this long is abandoned.
pub const BODY_STALL_TIMEOUT: Duration = Duration::from_secs(30);
/// A response that the client does not read for this long is abandoned.
pub const SEND_STALL_TIMEOUT: Duration = Duration::from_secs(30);
/// An idle keep-alive connection is closed after this.
pub const IDLE_TIMEOUT: Duration = Duration::from_secs(5);
/// Worker threads (= connections served at once); past it, 503.
pub const WORKERS_MAX: usize = 1024;
/// Open connections from one client address; past it, 503.
pub const CONNECTIONS_PER_CLIENT_MAX: usize = 256;
/// Stack of each worker thread, in bytes.
pub const WORKER_STACK_BYTES: usize = 256 * 1024;
/// Longest chunk-size line (size and extensions) of a chunked body, in bytes.
pub const CHUNK_LINE_BYTES_MAX: usize = 4 * 1024;
/// All trailer fields of a chunked body together, in bytes.
pub const TRAILERS_BYTES_MAX: usize = 8 * 1024;
/// A body left unread by a handler is read and dropped up to this many
/// bytes to keep the connection; a longer one closes it.
pub const DRAIN_BYTES_MAX: u64 = 64 * 1024;
/// How long a worker with no connection waits for one before it exits.
pub const WORKER_IDLE_EXIT: Duration = Duration::from_secs(60);

/// The limits one server runs with.
#[derive(Clone, Debug)]
pub struct Limits {
    pub request_line_bytes_max: usize,
    pub uri_bytes_max: usize,
    pub header_line_bytes_max: usize,
    pub headers_bytes_max: usize,
    pub headers_count_max: usize,
    pub body_bytes_max: u64,
    pub header_timeout: Duration,
    pub body_stall_timeout: Duration,
    pub send_stall_timeout: Duration,
    pub idle_timeout: Duration,
    pub workers_max: usize,
    pub connections_per_client_max: usize,
    pub worker_stack_bytes: usize,
}

impl Default for Limits {
    fn default() -> Limits {
        Limits {
            request_line_bytes_max: REQUEST_LINE_BYTES_MAX,
            uri_bytes_max: URI_BYTES_MAX,
            header_line_bytes_max: HEADER_LINE_BYTES_MAX,
            headers_bytes_max: HEADERS_BYTES_MAX,
            headers_count_max: HEADERS_COUNT_MAX,
            body_bytes_max: BODY_BYTES_MAX,
            header_timeout: HEADER_TIMEOUT,
            body_stall_timeout: BODY_STALL_TIMEOUT,
            send_stall_timeout: SEND_STALL_TIMEOUT,
            idle_timeout: IDLE_TIMEOUT,
            workers_max: WORKERS_MAX,
            connections_per_client_max: CONNECTIONS_PER_CLIENT_MAX,
            worker_stack_bytes: WORKER_STACK_BYTES,
        }
    }
}
