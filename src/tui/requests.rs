//! Renewal requests from programs without a terminal, as the TUI keeps them: they queue; the
//! first opens the renew dialog of its profile (saying who asks) whenever nothing else is
//! open; a write answers it, a dialog closed without one declines it. Requests for the
//! profile whose dialog is open join it (one renewal answers them all), so that many callers
//! of one profile open one dialog; Ctrl-D in that dialog declines every request waiting.

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

/// The requests waiting, and the ones the open dialog answers.
#[derive(Clone, Debug, Default)]
pub struct Requests {
    /// Waiting their turn.
    pub queue: std::collections::VecDeque<CodeRequest>,
    /// The one the open dialog was opened for.
    pub active: Option<CodeRequest>,
    /// Others for the same profile, answered with it.
    pub joined: Vec<CodeRequest>,
}

impl Requests {
    /// A request arrives: it joins the open dialog when that renews its profile, else waits.
    pub fn arrive(&mut self, request: CodeRequest) {
        match &self.active {
            Some(active) if active.profile == request.profile => self.joined.push(request),
            _ => self.queue.push_back(request),
        }
    }

    /// `request` opens its dialog: it becomes the active one, and the waiting requests for
    /// the same profile join it.
    pub fn activate(&mut self, request: CodeRequest) {
        let (same, other) = std::mem::take(&mut self.queue)
            .into_iter()
            .partition(|r| r.profile == request.profile);
        self.queue = other;
        self.joined = Vec::from(same);
        self.active = Some(request);
    }

    /// A renewal was written: the active request and those joined to it (their ids) are
    /// answered yes.
    pub fn fulfilled(&mut self) -> Vec<u64> {
        self.answered()
    }

    /// Its dialog closed without a write: the active request and those joined to it (their
    /// ids) are declined.
    pub fn closed(&mut self) -> Vec<u64> {
        self.answered()
    }

    /// Every request, open or waiting (their ids), to decline at once.
    pub fn all(&mut self) -> Vec<u64> {
        let mut ids = self.answered();
        ids.extend(self.queue.drain(..).map(|r| r.id));
        ids
    }

    fn answered(&mut self) -> Vec<u64> {
        self.active
            .take()
            .into_iter()
            .chain(self.joined.drain(..))
            .map(|r| r.id)
            .collect()
    }

    /// The program behind request `id` has gone: it leaves the queue; the toast's text when
    /// it was the active one and no other joined it (its dialog stays: the renewal is still
    /// useful). When others joined, the first of them takes its place.
    pub fn gone(&mut self, id: u64) -> Option<String> {
        self.queue.retain(|r| r.id != id);
        self.joined.retain(|r| r.id != id);
        let active = self.active.take_if(|r| r.id == id)?;
        if !self.joined.is_empty() {
            self.active = Some(self.joined.remove(0));
            return None;
        }
        Some(format!(
            "The program that asked to renew {} has gone.",
            active.profile
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn asking(id: u64, profile: &str) -> CodeRequest {
        CodeRequest {
            id,
            profile: profile.to_owned(),
            pid: 1,
            program: "aws".to_owned(),
        }
    }

    #[test]
    fn one_write_answers_every_request_for_its_profile() {
        let mut requests = Requests::default();
        for (id, profile) in [(1, "dev"), (2, "ops"), (3, "dev")] {
            requests.arrive(asking(id, profile));
        }
        let first = requests.queue.pop_front().unwrap();
        requests.activate(first);
        requests.arrive(asking(4, "dev"));
        requests.arrive(asking(5, "ops"));
        assert_eq!(
            requests.gone(1),
            None,
            "another dev request takes its place"
        );
        assert_eq!(requests.fulfilled(), [3, 4]);
        assert_eq!(
            requests.queue.iter().map(|r| r.id).collect::<Vec<_>>(),
            [2, 5]
        );
    }
}
