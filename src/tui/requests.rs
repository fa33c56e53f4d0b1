//! Renewal requests from programs without a terminal, as the TUI handles them: they queue;
//! the first opens the renew dialog of its profile (saying who asks) whenever nothing else is
//! open; a successful write answers it, anything else that closes the dialog declines it.

use super::app::{App, Command, Overlay};
use crate::serve::requests::Answer;

/// One request, as the TUI shows it.
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

impl App {
    /// After every message: a request whose renewal ended without a write is declined; the
    /// next one waiting opens when nothing else is on screen.
    pub(super) fn serve_requests(&mut self, commands: &mut Vec<Command>) {
        if !matches!(self.overlay, Overlay::None) {
            return;
        }
        if let Some(done) = self.active_request.take() {
            commands.push(Command::AnswerRequest {
                id: done.id,
                answer: declined("the renewal was cancelled or failed in the mfatui window"),
            });
        }
        while let Some(next) = self.requests.pop_front() {
            self.filter.clear();
            self.refresh(Some(&next.profile));
            let found = self
                .selected_profile()
                .is_some_and(|p| p.name == next.profile.as_str());
            if found {
                self.open_form();
            }
            match &mut self.overlay {
                Overlay::Renew(form) if found => {
                    form.asked_by = Some(next.asker());
                    self.active_request = Some(next);
                    return;
                }
                _ => {
                    let why = match std::mem::replace(&mut self.overlay, Overlay::None) {
                        Overlay::Error { message, .. } => message,
                        _ => format!("there is no profile named '{}'", next.profile),
                    };
                    self.toast(
                        format!("A request to renew {} was refused: {why}", next.profile),
                        true,
                    );
                    commands.push(Command::AnswerRequest {
                        id: next.id,
                        answer: declined(&why),
                    });
                }
            }
        }
    }

    /// The renewal for the active request was written: it is answered.
    pub(super) fn request_fulfilled(&mut self, commands: &mut Vec<Command>) {
        if let Some(done) = self.active_request.take() {
            commands.push(Command::AnswerRequest {
                id: done.id,
                answer: Answer {
                    ok: true,
                    message: None,
                },
            });
        }
    }

    /// The program behind request `id` has gone: it leaves the queue (an open dialog for it
    /// stays, the renewal is still useful).
    pub(super) fn drop_request(&mut self, id: u64) {
        self.requests.retain(|r| r.id != id);
        if self.active_request.as_ref().is_some_and(|r| r.id == id) {
            let gone = self.active_request.take().expect("checked");
            self.toast(
                format!("The program that asked to renew {} has gone.", gone.profile),
                false,
            );
            if let Overlay::Renew(form) = &mut self.overlay {
                form.asked_by = None;
            }
        }
    }
}

fn declined(why: &str) -> Answer {
    Answer {
        ok: false,
        message: Some(why.to_owned()),
    }
}
