//! The server: a listening socket, the pool of threads that accept and
//! serve on it, and the handler that answers every request.

use std::io;
use std::net::{SocketAddr, TcpListener, ToSocketAddrs};
use std::sync::Arc;

use super::access_log::AccessLog;
use super::body::Body;
use super::limits::Limits;
use super::pool::Pool;
use super::request::Request;
use super::response::Response;

/// Answers requests. Called from many worker threads at once.
pub trait Handler: Send + Sync + 'static {
    /// Answers `request`. The body is a stream; a handler that does not
    /// read it may still answer (the connection drains or closes).
    fn handle(&self, request: &Request<'_>, body: &mut Body<'_>) -> Response;
}

/// What every connection of one server shares.
pub struct Context {
    pub handler: Arc<dyn Handler>,
    pub limits: Limits,
    pub access_log: AccessLog,
    /// The `Server` field, e.g. `strata/0.1.0`.
    pub server_name: &'static str,
}

/// A bound, not yet running, server.
pub struct Server {
    listener: TcpListener,
    context: Arc<Context>,
}

impl Server {
    /// Binds `address` (port 0 picks a free port).
    pub fn bind(address: impl ToSocketAddrs, context: Context) -> io::Result<Server> {
        let listener = TcpListener::bind(address)?;
        Ok(Server {
            listener,
            context: Arc::new(context),
        })
    }

    /// The address actually bound.
    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        self.listener.local_addr()
    }

    /// Accepts and serves connections forever: this thread is the pool's
    /// first worker, and the pool grows around it.
    pub fn run(self) -> ! {
        Pool::new(self.listener, self.context).run()
    }

    /// Runs the server on a background thread; returns its address.
    pub fn spawn(self) -> io::Result<SocketAddr> {
        let address = self.local_addr()?;
        std::thread::Builder::new()
            .name("worker".into())
            .spawn(move || self.run())?;
        Ok(address)
    }
}
