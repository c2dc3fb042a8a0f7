//! The worker pool: one thread per connection, started on demand up to a
//! cap, reused when idle, with small stacks; and a per-client-address cap.
//! Past either cap a new connection is answered 503 at once by a separate
//! rejector thread, so the acceptor never waits on any client.

use std::collections::{HashMap, VecDeque};
use std::io::{Read, Write};
use std::net::{IpAddr, SocketAddr, TcpStream};
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::mpsc::{Receiver, RecvTimeoutError, SyncSender, TrySendError, sync_channel};
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use super::conn::{self, Buffers};
use super::limits::WORKER_IDLE_EXIT;
use super::server::Context;

/// Connections waiting for their 503 at once; more are dropped unanswered.
const REJECT_QUEUE_MAX: usize = 1024;
/// How long a rejected connection is read (and dropped) before closing.
const REJECT_LINGER: Duration = Duration::from_millis(500);
/// How often the rejector polls the connections it lingers on.
const REJECT_POLL: Duration = Duration::from_millis(5);

const SERVICE_UNAVAILABLE: &[u8] = b"HTTP/1.1 503 Service Unavailable\r\n\
Retry-After: 1\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: 37\r\n\
Connection: close\r\n\r\n503 Service Unavailable: server busy\n";

#[derive(Default)]
struct State {
    queue: VecDeque<(TcpStream, SocketAddr)>,
    idle_workers: usize,
    workers: usize,
    per_client: HashMap<IpAddr, usize>,
}

struct Shared {
    state: Mutex<State>,
    work_ready: Condvar,
    context: Arc<Context>,
}

/// Hands accepted connections to workers.
pub struct Pool {
    shared: Arc<Shared>,
    rejector: SyncSender<TcpStream>,
}

impl Pool {
    pub fn new(context: Arc<Context>) -> Pool {
        let shared = Arc::new(Shared {
            state: Mutex::new(State::default()),
            work_ready: Condvar::new(),
            context,
        });
        let (rejector, rejected) = sync_channel(REJECT_QUEUE_MAX);
        std::thread::Builder::new()
            .name("rejector".into())
            .spawn(move || run_rejector(rejected))
            .expect("spawn the rejector thread");
        Pool { shared, rejector }
    }

    /// Gives `stream` to an idle worker or a new one, or rejects it. Never
    /// blocks on the client.
    pub fn dispatch(&self, stream: TcpStream, peer: SocketAddr) {
        let limits = &self.shared.context.limits;
        let mut state = lock(&self.shared.state);
        let open = state.per_client.get(&peer.ip()).copied().unwrap_or(0);
        if open >= limits.connections_per_client_max {
            drop(state);
            return self.reject(stream);
        }
        if state.idle_workers > state.queue.len() {
            *state.per_client.entry(peer.ip()).or_insert(0) += 1;
            state.queue.push_back((stream, peer));
            drop(state);
            self.shared.work_ready.notify_one();
            return;
        }
        if state.workers >= limits.workers_max {
            drop(state);
            return self.reject(stream);
        }
        state.workers += 1;
        *state.per_client.entry(peer.ip()).or_insert(0) += 1;
        drop(state);
        let shared = Arc::clone(&self.shared);
        let spawned = std::thread::Builder::new()
            .name("worker".into())
            .stack_size(limits.worker_stack_bytes)
            .spawn(move || run_worker(shared, stream, peer));
        if spawned.is_err() {
            let mut state = lock(&self.shared.state);
            state.workers -= 1;
            release_client(&mut state, peer.ip());
        }
    }

    fn reject(&self, stream: TcpStream) {
        if let Err(TrySendError::Full(stream) | TrySendError::Disconnected(stream)) =
            self.rejector.try_send(stream)
        {
            drop(stream);
        }
    }
}

fn lock(state: &Mutex<State>) -> MutexGuard<'_, State> {
    state
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

fn release_client(state: &mut State, client: IpAddr) {
    if let Some(open) = state.per_client.get_mut(&client) {
        *open -= 1;
        if *open == 0 {
            state.per_client.remove(&client);
        }
    }
}

fn run_worker(shared: Arc<Shared>, first: TcpStream, peer: SocketAddr) {
    let mut buffers = Buffers::default();
    let mut next = Some((first, peer));
    while let Some((stream, peer)) = next.take() {
        // Handler panics are caught per request; this catches our own, so
        // that a bug costs one connection, never a pool slot.
        let served = catch_unwind(AssertUnwindSafe(|| {
            conn::serve(stream, peer, &shared.context, &mut buffers)
        }));
        if served.is_err() {
            buffers = Buffers::default();
        }
        let mut state = lock(&shared.state);
        release_client(&mut state, peer.ip());
        state.idle_workers += 1;
        let deadline = Instant::now() + WORKER_IDLE_EXIT;
        while state.queue.is_empty() {
            let Some(left) = deadline.checked_duration_since(Instant::now()) else {
                break;
            };
            state = shared
                .work_ready
                .wait_timeout(state, left)
                .map(|r| r.0)
                .unwrap_or_else(|p| p.into_inner().0);
        }
        state.idle_workers -= 1;
        next = state.queue.pop_front();
        if next.is_none() {
            state.workers -= 1;
        }
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
