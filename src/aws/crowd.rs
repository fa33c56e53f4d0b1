//! Loopback listeners against a crowd: the connections still sending their request head, at
//! most [`PENDING_MAX`], the oldest closed beyond that, each given [`HEAD_TIMEOUT`]. Shared by
//! the SSO sign-in's redirect listener and `exec --server`'s endpoint, so that another local
//! user holding connections open can never keep the real request from being read.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::Notify;

/// Connections still sending their request head, at most. A new one beyond this closes the
/// oldest: a real client (an SDK with the token, the browser's redirect) sends its request at
/// once, so only connections that hold their head back (another local user crowding the
/// port) are ever closed.
pub const PENDING_MAX: usize = 64;

/// How long a connection may take to send its request head.
pub const HEAD_TIMEOUT: Duration = Duration::from_secs(5);

/// The connections of one listener that have not sent a request head yet, oldest first.
#[derive(Default)]
pub struct Pending {
    inner: Mutex<Inner>,
}

#[derive(Default)]
struct Inner {
    next: u64,
    open: VecDeque<(u64, Arc<Notify>)>,
}

/// One accepted connection on the waiting list until its head arrives or it ends (drop).
pub struct Ticket {
    id: u64,
    close: Arc<Notify>,
    pending: Arc<Pending>,
}

impl Pending {
    /// An empty list.
    pub fn new() -> Arc<Pending> {
        Arc::new(Pending::default())
    }

    /// Puts a newly accepted connection on the list; beyond [`PENDING_MAX`] the oldest one is
    /// told to close (its [`Ticket::closed`] completes).
    pub fn admit(self: &Arc<Self>) -> Ticket {
        let close = Arc::new(Notify::new());
        let mut inner = self.inner.lock().unwrap_or_else(|e| e.into_inner());
        let id = inner.next;
        inner.next += 1;
        inner.open.push_back((id, close.clone()));
        while inner.open.len() > PENDING_MAX {
            if let Some((_, oldest)) = inner.open.pop_front() {
                oldest.notify_one();
            }
        }
        Ticket {
            id,
            close,
            pending: self.clone(),
        }
    }

    /// How many connections wait for their head now.
    pub fn waiting(&self) -> usize {
        self.inner
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .open
            .len()
    }

    fn forget(&self, id: u64) {
        self.inner
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .open
            .retain(|(other, _)| *other != id);
    }
}

impl Ticket {
    /// The head has arrived: this connection is no longer one that waits (and is never
    /// closed to make room).
    pub fn arrived(&self) {
        self.pending.forget(self.id);
    }

    /// Completes when this connection was closed to make room for newer ones.
    pub async fn closed(&self) {
        self.close.notified().await;
    }
}

impl Drop for Ticket {
    fn drop(&mut self) {
        self.pending.forget(self.id);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(flavor = "current_thread")]
    async fn the_oldest_waiting_connection_is_closed_beyond_the_bound_and_an_arrived_one_never() {
        let pending = Pending::new();
        let first = pending.admit();
        let second = pending.admit();
        second.arrived();
        let rest: Vec<Ticket> = (0..PENDING_MAX).map(|_| pending.admit()).collect();
        assert_eq!(pending.waiting(), PENDING_MAX);
        // The first one (still waiting) was told to close; the second (arrived) never is.
        tokio::time::timeout(Duration::from_secs(1), first.closed())
            .await
            .unwrap();
        assert!(
            tokio::time::timeout(Duration::from_millis(50), second.closed())
                .await
                .is_err()
        );
        drop(rest);
        assert_eq!(pending.waiting(), 0);
    }
}
