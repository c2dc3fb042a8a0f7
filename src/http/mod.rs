//! The HTTP/1.1 server (RFC 9110, RFC 9112), written here: a zero-copy
//! head parser over a bounded buffer, streamed request bodies, responses
//! with sendfile for files, keep-alive and pipelining, conditional and
//! range requests, limits and timeouts, a worker pool with caps.
//!
//! It knows nothing of blobs: `web` supplies a [`Handler`].

pub mod access_log;
pub mod body;
pub mod conditional;
mod conn;
pub mod date;
pub mod limits;
pub mod multipart;
pub mod parse;
mod pool;
pub mod request;
pub mod response;
pub mod server;
pub mod status;
pub mod target;

pub use body::Body as RequestBody;
pub use limits::Limits;
pub use request::Request;
pub use response::{Body, Response};
pub use server::{Context, Handler, Server};
pub use status::Status;
