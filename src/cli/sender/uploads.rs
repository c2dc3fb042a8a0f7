//! Upload requests in flight at once, each on its own connection, so the
//! server receives one batch while it syncs the one before (a multipart
//! upload is answered only once its blobs are on disk).
//!
//! Order: batches handed over may complete in any order. A caller that
//! needs some blobs on the server before others (chunks before the schema
//! blobs that name them) calls [`Uploads::wait_idle`] in between.

use super::{Batch, upload};
use crate::cli::client::Client;
use std::sync::mpsc::{self, Receiver, SyncSender};
use std::sync::{Arc, Condvar, Mutex, MutexGuard, PoisonError};
use std::thread::Scope;

/// Batches sent at once, each by its own thread on its own connection.
/// With the batch being filled, at most this many plus one batches are in
/// memory.
pub const UPLOADS_IN_FLIGHT_MAX: usize = 2;

/// What the sending threads report.
#[derive(Default)]
struct State {
    /// Batches handed over and not answered yet.
    outstanding: usize,
    /// The first failure, which stops the put.
    error: Option<String>,
}

#[derive(Default)]
struct Shared {
    state: Mutex<State>,
    changed: Condvar,
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// Hands batches to the sending threads (see the module header). The
/// threads end when this is dropped (after their batch in flight).
pub struct Uploads {
    sender: SyncSender<Batch>,
    shared: Arc<Shared>,
}

impl Uploads {
    /// Starts [`UPLOADS_IN_FLIGHT_MAX`] sending threads in `scope`, each
    /// with a connection of its own to `client`'s server.
    pub fn start<'scope>(scope: &'scope Scope<'scope, '_>, client: &Client) -> Uploads {
        // A rendezvous channel: a batch is handed over only to a free thread.
        let (sender, receiver) = mpsc::sync_channel::<Batch>(0);
        let receiver = Arc::new(Mutex::new(receiver));
        let shared = Arc::new(Shared::default());
        for _ in 0..UPLOADS_IN_FLIGHT_MAX {
            let mut client = client.fresh();
            let (receiver, shared) = (Arc::clone(&receiver), Arc::clone(&shared));
            scope.spawn(move || send_batches(&mut client, &receiver, &shared));
        }
        Uploads { sender, shared }
    }

    /// Hands `batch` over, waiting for a free thread. Fails with the first
    /// failure of an earlier batch, if there was one.
    pub fn push(&self, batch: Batch) -> Result<(), String> {
        if let Some(error) = &self.shared.lock().error {
            return Err(error.clone());
        }
        self.shared.lock().outstanding += 1;
        if self.sender.send(batch).is_err() {
            self.shared.lock().outstanding -= 1;
            return Err("the sending threads stopped".to_string());
        }
        Ok(())
    }

    /// Waits until every batch handed over is answered; the first failure,
    /// if there was one.
    pub fn wait_idle(&self) -> Result<(), String> {
        let mut state = self.shared.lock();
        while state.outstanding > 0 {
            state = (self.shared.changed.wait(state)).unwrap_or_else(PoisonError::into_inner);
        }
        state.error.clone().map_or(Ok(()), Err)
    }
}

/// One sending thread: takes batches until the channel closes.
fn send_batches(client: &mut Client, receiver: &Mutex<Receiver<Batch>>, shared: &Shared) {
    loop {
        let next = receiver
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .recv();
        let Ok(batch) = next else {
            return;
        };
        let result = upload(client, batch);
        let mut state = shared.lock();
        state.outstanding -= 1;
        if let Err(error) = result {
            state.error.get_or_insert(error);
        }
        drop(state);
        shared.changed.notify_all();
    }
}
