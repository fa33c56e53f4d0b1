//! Renewal requests from programs without a terminal, as the TUI keeps them: they queue; the
//! first opens the renew dialog of its profile (saying who asks) whenever nothing else is
//! open; a write answers it, a dialog closed without one declines it.

/// One request, as the TUI shows it (its text already made printable by the socket).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CodeRequest {
    /// Its id, to answer it.
    pub id: u64,
    /// The profile to renew.
    pub profile: String,
    /// The asking program's process id.
    pub pid: u32,
    /// Its command line.
    pub program: String,
}

impl CodeRequest {
    /// `pid 1234: aws sts get-caller-identity`
    pub fn asker(&self) -> String {
        format!("pid {}: {}", self.pid, self.program)
    }
}

/// The requests waiting, and the one the open dialog answers.
#[derive(Clone, Debug, Default)]
pub struct Requests {
    /// Waiting their turn.
    pub queue: std::collections::VecDeque<CodeRequest>,
    /// The one the open dialog answers.
    pub active: Option<CodeRequest>,
}

impl Requests {
    /// A renewal was written: the active request (its id) is answered yes.
    pub fn fulfilled(&mut self) -> Option<u64> {
        self.active.take().map(|r| r.id)
    }

    /// Its dialog closed without a write: the active request (its id) is declined.
    pub fn closed(&mut self) -> Option<u64> {
        self.active.take().map(|r| r.id)
    }

    /// The program behind request `id` has gone: it leaves the queue; the toast's text when
    /// it was the active one (its dialog stays: the renewal is still useful).
    pub fn gone(&mut self, id: u64) -> Option<String> {
        self.queue.retain(|r| r.id != id);
        let active = self.active.take_if(|r| r.id == id)?;
        Some(format!(
            "The program that asked to renew {} has gone.",
            active.profile
        ))
    }
}
