//! What the event loop hands [`super::app::App::update`]: keys, ticks, job outputs and
//! requests from other programs. Below the jobs (which send it) and the app (which takes it).

use super::output::Output;
use super::requests::CodeRequest;
use chrono::{DateTime, Utc};
use crossterm::event::{KeyEvent, MouseEvent};

/// A job's id, unique in one run of the interface.
pub type JobId = u64;

/// Something that happened.
#[derive(Debug)]
pub enum Msg {
    /// A key press.
    Key(KeyEvent),
    /// A mouse event, and when it came (for double clicks).
    Mouse(MouseEvent, std::time::Instant),
    /// Pasted text (bracketed paste).
    Paste(String),
    /// The wall clock reached a new second (or a spinner frame is due).
    Tick(DateTime<Utc>),
    /// The terminal was resized.
    Resize(u16, u16),
    /// The files changed on disk.
    FilesChanged,
    /// A job reported (on the way, or at its end).
    Job {
        /// Which job.
        id: JobId,
        /// What it reported.
        output: Output,
    },
    /// Another program asks for a renewal (through the request socket).
    CodeRequest(CodeRequest),
    /// The program behind a request has gone.
    RequestGone(u64),
}
