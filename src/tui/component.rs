//! The contract every dialog keeps (as gitui's popups): it owns its state, handles its keys
//! and job results, draws itself, and hands what it wants done back as [`Event`]s through its
//! [`Cx`] instead of changing the app. The app then applies the events: starts jobs, shows
//! toasts, reloads, saves settings, answers requests.

use super::jobs::{Job, JobId};
use super::load::Loaded;
use super::output::Output;
use super::theme::Theme;
use crate::awsfiles::Profile;
use crate::context::Context;
use crate::settings::ProfileChange;
use chrono::{DateTime, FixedOffset, Utc};
use crossterm::event::KeyEvent;
use ratatui::layout::Rect;
use ratatui::Frame;
use std::any::Any;

/// The smallest terminal the layout is made for: below it nothing but quitting acts.
pub const MIN_SIZE: (u16, u16) = (60, 15);

/// What the app shares with the dialogs and screens, read-only.
#[derive(Clone, Copy)]
pub struct Shared<'a> {
    /// The run's context (settings, naming, hints).
    pub ctx: &'a Context,
    /// The files as loaded.
    pub data: &'a Loaded,
    /// The clock as of the last tick.
    pub now: DateTime<Utc>,
    /// The local time zone.
    pub local: FixedOffset,
    /// The terminal's size (columns, rows), so that a dialog's keys scroll as far as its
    /// drawing shows.
    pub size: (u16, u16),
}

impl Shared<'_> {
    /// The profile named `name`.
    pub fn profile(&self, name: &str) -> Option<&Profile> {
        self.data.snapshot.profile(name)
    }
}

/// Something a dialog (or the table) wants the app to do.
#[derive(Debug)]
pub enum Event {
    /// Start a job (the id was handed out by [`Cx::spawn`]).
    Spawn(JobId, Box<dyn Job>),
    /// Stop a job.
    Cancel(JobId),
    /// A passing message in the footer.
    Toast {
        /// The text.
        text: String,
        /// Whether it reports a problem.
        warning: bool,
    },
    /// Read the files again.
    Reload,
    /// Read the files again and say how many profiles they hold (`R`).
    ReloadAndSay,
    /// A renewal was written (it answers the request that opened the dialog, if any).
    Written,
    /// Decline every renewal request from other programs, open or waiting.
    DeclineRequests,
    /// Take the marks off these profiles (they were renewed).
    Unmark(Vec<String>),
    /// Save a change to a profile's entry in the settings file.
    SaveProfile {
        /// The profile.
        profile: String,
        /// The change.
        change: ProfileChange,
    },
    /// Put this text on the clipboard (OSC 52): never a secret or a sign-in URL.
    Copy(String),
    /// Leave.
    Quit,
}

/// A dialog's way to the app.
pub struct Cx<'a> {
    /// What it may read.
    pub shared: Shared<'a>,
    events: &'a mut Vec<Event>,
    next_job: &'a mut JobId,
}

impl<'a> Cx<'a> {
    /// A context writing into `events`, handing out job ids from `next_job`.
    pub fn new(shared: Shared<'a>, events: &'a mut Vec<Event>, next_job: &'a mut JobId) -> Self {
        Cx {
            shared,
            events,
            next_job,
        }
    }

    /// Starts `job`; its outputs come back to the dialog with this id.
    pub fn spawn(&mut self, job: impl Job) -> JobId {
        *self.next_job += 1;
        let id = *self.next_job;
        self.events.push(Event::Spawn(id, Box::new(job)));
        id
    }

    /// Stops job `id` (its late answer, if any, is dropped).
    pub fn cancel(&mut self, id: JobId) {
        self.events.push(Event::Cancel(id));
    }

    /// Shows a passing message.
    pub fn toast(&mut self, text: impl Into<String>, warning: bool) {
        self.events.push(Event::Toast {
            text: text.into(),
            warning,
        });
    }

    /// Asks for the files to be read again.
    pub fn reload(&mut self) {
        self.events.push(Event::Reload);
    }

    /// Asks for the files to be read again, with a short confirmation when read.
    pub fn reload_and_say(&mut self) {
        self.events.push(Event::ReloadAndSay);
    }

    /// Says a renewal was written.
    pub fn written(&mut self) {
        self.events.push(Event::Written);
    }

    /// Declines every renewal request from other programs, open or waiting.
    pub fn decline_requests(&mut self) {
        self.events.push(Event::DeclineRequests);
    }

    /// Takes the marks off `profiles` (a bulk renewal wrote them).
    pub fn unmark(&mut self, profiles: &[String]) {
        self.events.push(Event::Unmark(profiles.to_vec()));
    }

    /// Saves a profile's settings entry.
    pub fn save(&mut self, profile: &str, change: ProfileChange) {
        self.events.push(Event::SaveProfile {
            profile: profile.to_owned(),
            change,
        });
    }

    /// Copies `text` to the clipboard (through the terminal, OSC 52).
    pub fn copy(&mut self, text: String) {
        self.events.push(Event::Copy(text));
    }

    /// Leaves the interface.
    pub fn quit(&mut self) {
        self.events.push(Event::Quit);
    }
}

/// What becomes of a dialog after a key or a job result.
#[derive(Debug)]
pub enum Flow {
    /// It stays up.
    Stay,
    /// It closes.
    Close,
    /// Another dialog takes its place (the next step, or an error).
    Replace(Box<dyn Dialog>),
}

/// A dialog drawn over the table.
pub trait Dialog: std::fmt::Debug + Send {
    /// A key press.
    fn key(&mut self, key: KeyEvent, cx: &mut Cx) -> Flow;

    /// Pasted text (bracketed paste).
    fn paste(&mut self, _text: &str) {}

    /// An output of a job this dialog started (`job` says which).
    fn output(&mut self, _job: JobId, _output: Output, _cx: &mut Cx) -> Flow {
        Flow::Stay
    }

    /// Draws itself over `area`.
    fn render(&self, shared: &Shared, theme: Theme, frame: &mut Frame, area: Rect);

    /// Whether something runs (the loop then redraws ten times a second, for the spinner).
    fn busy(&self) -> bool {
        false
    }

    /// Its keys, for the footer while it is open (key, what it does).
    fn keys(&self) -> Vec<(&'static str, &'static str)> {
        vec![("Esc", "close")]
    }

    /// Marks the dialog as answering a request from another program (`pid N: CMD`).
    fn asked_by(&mut self, _asker: Option<String>) {}

    /// The dialog itself, for tests that look inside.
    fn as_any(&self) -> &dyn Any;
}
