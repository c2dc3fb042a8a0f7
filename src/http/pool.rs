//! The worker pool: one thread per connection, started on demand up to a
//! cap, reused when idle, with small stacks; and a per-client-address cap.
//!
//! Leader/followers: every idle worker blocks in `accept()` on the shared
//! listener itself (the kernel hands each new connection to exactly one
//! waiter), so a connection reaches the thread that serves it with no
//! hand-off, no lock wait and no extra thread wake-up. At most
//! [`ACCEPTORS_MAX`] threads accept at once; a worker whose connection ends
//! while that many accept parks until it is called. The worker that takes
//! the last accepting place calls a parked worker, or starts a new one,
//! before it serves, so some thread is always accepting. Once `workers_max` threads serve, that one
//! spare thread answers each new connection 503 at once through the
//! rejector thread, which writes it and lingers, so no accepting thread
//! ever waits on a client.
//!
//! The listening socket carries the options every connection starts with
//! (`TCP_NODELAY`, the first head's read timeout, the send timeout): Linux
//! copies them to each accepted socket, which saves three system calls per
//! connection. The first connection checks that they were inherited; where
//! they are not, each connection sets them itself.

use std::collections::HashMap;
use std::io::{self, Read, Write};
use std::net::{IpAddr, SocketAddr, TcpListener, TcpStream};
use std::os::fd::OwnedFd;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::mpsc::{Receiver, RecvTimeoutError, SyncSender, TrySendError, sync_channel};
use std::sync::{Arc, Condvar, Mutex, MutexGuard, OnceLock};
use std::time::{Duration, Instant};

use super::body::is_timeout;
use super::conn::{self, Buffers, SocketSetup};
use super::limits::WORKER_IDLE_EXIT;
use super::server::Context;

/// Connections waiting for their 503 at once; more are dropped unanswered.
const REJECT_QUEUE_MAX: usize = 1024;
/// How long a rejected connection is read (and dropped) before closing.
const REJECT_LINGER: Duration = Duration::from_millis(500);
/// How often the rejector polls the connections it lingers on.
const REJECT_POLL: Duration = Duration::from_millis(5);
/// Pause after a failed `accept()` (e.g. out of file descriptors), so an
/// accepting thread does not spin while the condition lasts.
const ACCEPT_ERROR_PAUSE: Duration = Duration::from_millis(10);

/// The shortest header timeout put on the listener, where it also bounds
/// each idle thread's accept(): shorter ones would keep idle threads busy.
const ACCEPT_WAKE_MIN: Duration = Duration::from_millis(100);

const SERVICE_UNAVAILABLE: &[u8] = b"HTTP/1.1 503 Service Unavailable\r\n\
Retry-After: 1\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: 37\r\n\
Connection: close\r\n\r\n503 Service Unavailable: server busy\n";

/// Threads that sit in `accept()` at once, at most; other idle threads
/// park. A connection that arrives while every acceptor sleeps wakes one,
/// and the client pays for that wake-up inside its `connect`; with few
/// acceptors, new connections queue while they serve, and the next
/// `accept()` returns at once. (`http_serve`, `Connection: close`: the floor
/// server made 0.95x nginx's req/s with 64 threads in `accept`, 1.14x with 2.)
const ACCEPTORS_MAX: usize = 2;

/// Who is doing what; changed under one lock, once per connection.
#[derive(Default)]
struct State {
    /// Threads in `accept()` or on their way there.
    accepting: usize,
    /// Idle threads parked, waiting to be called to accept.
    parked: usize,
    /// Calls to accept not yet taken by a parked thread.
    calls: usize,
    /// Threads serving a connection (at most `workers_max`).
    serving: usize,
    /// Open connections per client address.
    per_client: HashMap<IpAddr, usize>,
}

/// What an accepted connection gets.
enum Admission {
    /// Serve it; `spawn` asks for a new accepting thread first, since this
    /// one was the last and no thread was parked; `call` asks to wake a
    /// parked one (booked as called, woken once the lock is let go).
    Serve { spawn: bool, call: bool },
    /// Past a cap: 503.
    Reject,
}

struct Shared {
    listener: TcpListener,
    state: Mutex<State>,
    /// Parked threads wait here for a call to accept.
    called: Condvar,
    context: Arc<Context>,
    rejector: SyncSender<TcpStream>,
    /// Did accepted sockets inherit the listener's options? Learned from
    /// the first connection.
    inherited: OnceLock<bool>,
}

/// The threads that accept and serve connections on one listener.
pub struct Pool {
    shared: Arc<Shared>,
}

impl Pool {
    /// A pool for `listener`, whose socket options it sets (see the module
    /// documentation).
    pub fn new(listener: TcpListener, context: Arc<Context>) -> Pool {
        set_listener_options(&listener, &context);
        let (rejector, rejected) = sync_channel(REJECT_QUEUE_MAX);
        std::thread::Builder::new()
            .name("rejector".into())
            .spawn(move || run_rejector(rejected))
            .expect("spawn the rejector thread");
        let state = State {
            accepting: 1, // the thread that calls `run`
            ..State::default()
        };
        let shared = Arc::new(Shared {
            listener,
            state: Mutex::new(state),
            called: Condvar::new(),
            context,
            rejector,
            inherited: OnceLock::new(),
        });
        Pool { shared }
    }

    /// Accepts and serves on the calling thread, forever; the pool grows
    /// around it. This thread never retires.
    pub fn run(self) -> ! {
        run_worker(&self.shared, false);
        unreachable!("a permanent worker returned")
    }
}

/// The listener's options become every accepted socket's (Linux copies
/// them). std sets socket options only on a `TcpStream`; a duplicate of the
/// listening descriptor, seen as one, reaches the same socket.
fn set_listener_options(listener: &TcpListener, context: &Context) {
    let Ok(duplicate) = listener.try_clone() else {
        return;
    };
    let socket = TcpStream::from(OwnedFd::from(duplicate));
    let limits = &context.limits;
    let _ = socket.set_nodelay(true);
    let _ = socket.set_write_timeout(Some(limits.send_stall_timeout));
    // The read timeout also wakes idle threads out of accept(): below a
    // floor, connections set it themselves (see `inherits_options`).
    let first_read = conn::first_read_timeout(limits);
    if first_read >= ACCEPT_WAKE_MIN {
        let _ = socket.set_read_timeout(Some(first_read));
    }
}

/// True when `stream` starts with the options set on `listener`.
fn inherits_options(listener: &TcpListener, stream: &TcpStream) -> bool {
    let Ok(duplicate) = listener.try_clone() else {
        return false;
    };
    let socket = TcpStream::from(OwnedFd::from(duplicate));
    let same = |a: io::Result<Option<Duration>>, b: io::Result<Option<Duration>>| matches!((a, b), (Ok(a), Ok(b)) if a == b && a.is_some());
    stream.nodelay().unwrap_or(false)
        && same(stream.read_timeout(), socket.read_timeout())
        && same(stream.write_timeout(), socket.write_timeout())
}

fn lock(state: &Mutex<State>) -> MutexGuard<'_, State> {
    state
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

impl Shared {
    /// Decides what `peer`'s new connection gets and books it.
    fn admit(&self, peer: IpAddr) -> Admission {
        let limits = &self.context.limits;
        let mut state = lock(&self.state);
        let open = state.per_client.get(&peer).copied().unwrap_or(0);
        if open >= limits.connections_per_client_max || state.serving >= limits.workers_max {
            return Admission::Reject;
        }
        *state.per_client.entry(peer).or_insert(0) += 1;
        state.serving += 1;
        state.accepting -= 1;
        let (mut spawn, mut call) = (false, false);
        if state.accepting == 0 {
            state.accepting += 1; // the thread called or about to start
            if state.parked > state.calls {
                state.calls += 1;
                call = true;
            } else {
                spawn = true;
            }
        }
        Admission::Serve { spawn, call }
    }

    /// Undoes `admit` when no new accepting thread could be started: this
    /// thread stays the acceptor and the connection is refused.
    fn cancel(&self, peer: IpAddr) {
        let mut state = lock(&self.state);
        release_client(&mut state, peer);
        state.serving -= 1;
    }

    /// A connection is over; its thread goes back to accepting, or parks
    /// while [`ACCEPTORS_MAX`] threads accept. Returns false when the thread
    /// (with `may_retire`) parked for `WORKER_IDLE_EXIT` and should exit.
    fn finish(&self, peer: IpAddr, may_retire: bool) -> bool {
        let mut state = lock(&self.state);
        release_client(&mut state, peer);
        state.serving -= 1;
        if state.accepting < ACCEPTORS_MAX {
            state.accepting += 1;
            return true;
        }
        state.parked += 1;
        let parked_at = Instant::now();
        loop {
            if state.calls > 0 {
                state.calls -= 1;
                state.parked -= 1;
                return true; // `admit` counted this thread as accepting
            }
            let waited = parked_at.elapsed();
            if may_retire && waited >= WORKER_IDLE_EXIT {
                state.parked -= 1;
                return false;
            }
            let wait = WORKER_IDLE_EXIT.saturating_sub(waited).max(ACCEPT_WAKE_MIN);
            state = self
                .called
                .wait_timeout(state, wait)
                .unwrap_or_else(|poisoned| poisoned.into_inner())
                .0;
        }
    }

    /// May an idle thread exit? Yes while another one still accepts.
    fn retire(&self) -> bool {
        let mut state = lock(&self.state);
        if state.accepting > 1 {
            state.accepting -= 1;
            return true;
        }
        false
    }

    fn reject(&self, stream: TcpStream) {
        if let Err(TrySendError::Full(stream) | TrySendError::Disconnected(stream)) =
            self.rejector.try_send(stream)
        {
            drop(stream);
        }
    }

    fn socket_setup(&self, stream: &TcpStream) -> SocketSetup {
        let inherited = *self
            .inherited
            .get_or_init(|| inherits_options(&self.listener, stream));
        if inherited {
            SocketSetup::Inherited
        } else {
            SocketSetup::Needed
        }
    }
}

fn release_client(state: &mut State, client: IpAddr) {
    if let Some(open) = state.per_client.get_mut(&client) {
        *open -= 1;
        if *open == 0 {
            state.per_client.remove(&client);
        }
    }
}

/// Starts an accepting worker thread.
fn spawn_worker(shared: &Arc<Shared>) -> io::Result<()> {
    let shared = Arc::clone(shared);
    std::thread::Builder::new()
        .name("worker".into())
        .stack_size(shared.context.limits.worker_stack_bytes)
        .spawn(move || run_worker(&shared, true))
        .map(drop)
}

/// Accepts and serves connections; with `may_retire`, exits after
/// `WORKER_IDLE_EXIT` without a connection while another thread accepts.
fn run_worker(shared: &Arc<Shared>, may_retire: bool) {
    let mut buffers = Buffers::default();
    let mut idle_since = Instant::now();
    loop {
        let (stream, peer) = match shared.listener.accept() {
            Ok(accepted) => accepted,
            // The listener's read timeout also bounds accept(): a chance
            // for an idle thread to retire.
            Err(error) if is_timeout(&error) => {
                if may_retire && idle_since.elapsed() >= WORKER_IDLE_EXIT && shared.retire() {
                    return;
                }
                continue;
            }
            Err(error) if error.kind() == io::ErrorKind::Interrupted => continue,
            Err(error) => {
                eprintln!("strata: accept failed: {error}");
                std::thread::sleep(ACCEPT_ERROR_PAUSE);
                continue;
            }
        };
        match shared.admit(peer.ip()) {
            Admission::Reject => shared.reject(stream),
            Admission::Serve { spawn, call } => {
                // Woken after the lock is let go: woken under it, the parked
                // thread would sleep again at once, on the lock.
                if call {
                    shared.called.notify_one();
                }
                if spawn && spawn_worker(shared).is_err() {
                    shared.cancel(peer.ip());
                    shared.reject(stream);
                    continue;
                }
                serve(shared, stream, peer, &mut buffers);
                if !shared.finish(peer.ip(), may_retire) {
                    return;
                }
                idle_since = Instant::now();
            }
        }
    }
}

fn serve(shared: &Shared, stream: TcpStream, peer: SocketAddr, buffers: &mut Buffers) {
    let setup = shared.socket_setup(&stream);
    // Handler panics are caught per request; this catches our own, so
    // that a bug costs one connection, never a pool slot.
    let served = catch_unwind(AssertUnwindSafe(|| {
        conn::serve(stream, peer, setup, &shared.context, buffers)
    }));
    if served.is_err() {
        *buffers = Buffers::default();
    }
}

/// Answers 503 to each rejected connection, then reads and drops what it
/// sends for a moment (so the answer is not lost to a reset) and closes.
fn run_rejector(rejected: Receiver<TcpStream>) {
    let mut lingering: Vec<(TcpStream, Instant)> = Vec::new();
    loop {
        let arrival = if lingering.is_empty() {
            rejected.recv().map_err(|_| RecvTimeoutError::Disconnected)
        } else {
            rejected.recv_timeout(REJECT_POLL)
        };
        match arrival {
            Ok(stream) => {
                if stream.set_nonblocking(true).is_ok() {
                    let _ = (&stream).write(SERVICE_UNAVAILABLE);
                    let _ = stream.shutdown(std::net::Shutdown::Write);
                    lingering.push((stream, Instant::now() + REJECT_LINGER));
                }
            }
            Err(RecvTimeoutError::Disconnected) if lingering.is_empty() => return,
            Err(_) => {}
        }
        let now = Instant::now();
        lingering.retain(|(stream, deadline)| now < *deadline && still_open(stream));
    }
}

/// Reads and drops what `stream` (non-blocking) has; false once it closed.
fn still_open(mut stream: &TcpStream) -> bool {
    let mut scratch = [0u8; 4096];
    loop {
        match stream.read(&mut scratch) {
            Ok(0) => return false,
            Ok(_) => continue,
            Err(e) => return e.kind() == std::io::ErrorKind::WouldBlock,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::http::access_log::AccessLog;
    use crate::http::limits::Limits;
    use crate::http::request::Request;
    use crate::http::response::Response;
    use crate::http::server::Handler;
    use crate::http::status::Status;

    struct Nothing;

    impl Handler for Nothing {
        fn handle(&self, _: &Request<'_>, _: &mut crate::http::body::Body<'_>) -> Response {
            Response::empty(Status::NO_CONTENT)
        }
    }

    fn context(header_timeout: Duration) -> Context {
        Context {
            handler: Arc::new(Nothing),
            limits: Limits {
                header_timeout,
                ..Limits::default()
            },
            access_log: AccessLog::off(),
            server_name: "t",
        }
    }

    /// The saving rests on Linux copying the listener's options to each
    /// accepted socket; `serve` falls back to setting them if not.
    #[cfg(target_os = "linux")]
    #[test]
    fn accepted_sockets_inherit_the_listener_options() {
        for timeout in [Duration::from_secs(10), Duration::from_millis(150)] {
            let listener = TcpListener::bind("127.0.0.1:0").unwrap();
            set_listener_options(&listener, &context(timeout));
            let _client = TcpStream::connect(listener.local_addr().unwrap()).unwrap();
            let (stream, _) = listener.accept().unwrap();
            assert!(inherits_options(&listener, &stream), "{timeout:?}");
            assert!(stream.nodelay().unwrap());
            let inherited = stream.read_timeout().unwrap().unwrap();
            assert!(inherited.abs_diff(timeout) < Duration::from_millis(10));
        }
    }

    #[test]
    fn a_very_short_header_timeout_stays_off_the_listener() {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        set_listener_options(&listener, &context(Duration::from_millis(5)));
        let _client = TcpStream::connect(listener.local_addr().unwrap()).unwrap();
        let (stream, _) = listener.accept().unwrap();
        assert_eq!(stream.read_timeout().unwrap(), None);
        assert!(!inherits_options(&listener, &stream));
    }

    #[test]
    fn a_socket_without_the_options_is_told_apart() {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let _client = TcpStream::connect(listener.local_addr().unwrap()).unwrap();
        let (stream, _) = listener.accept().unwrap();
        assert!(!inherits_options(&listener, &stream));
    }
}
