//! What background jobs report, as one enum the interface matches exhaustively (as gitui's
//! `AsyncGitNotification`): a new kind of job output is a compile error until the app routes
//! it. Only data lives here, below the jobs that produce it and the dialogs that read it.

use super::job_error::JobError;
use super::load::Loaded;
use crate::aws::sso::Prompt;
use crate::aws::Credentials;
use crate::awsfiles::{Plan, Written};
use crate::renew::bulk::Outcome;
use crate::settings::Settings;
use chrono::{DateTime, Utc};

/// Something a job reports: a step on the way, or its result.
#[derive(Debug)]
pub enum Output {
    /// The files read again (or the one-sentence reason they could not be).
    Reloaded(Result<Loaded, JobError>),
    /// A settings entry saved: the settings as read back, or why not.
    SettingsSaved(Result<Settings, JobError>),
    /// A key's age, asked of the cache or IAM.
    KeyAge(KeyAgeFound),
    /// A kept-fresh profile renewed (or not).
    KeptFresh(KeptFresh),
    /// The step a long job is on (shown under its dialog's spinner).
    Step(String),
    /// A renewal's new credentials, or the one-sentence error.
    Renewed(Result<Credentials, JobError>),
    /// A confirmed plan written, or why not.
    WriteDone(Result<Vec<Written>, WriteFailure>),
    /// One profile of a bulk renewal is done.
    BulkProgress(Outcome),
    /// A bulk renewal is done.
    BulkDone(BulkDone),
    /// A key moved to the OS keyring: the toast's text, or the one-sentence error.
    KeyStored(Result<String, JobError>),
    /// A key rotated: the toast's text, or the one-sentence error.
    Rotated(Result<String, JobError>),
    /// An `aws login` sign-in refreshed: the toast's text, or the one-sentence error.
    LoginRefreshed(Result<String, JobError>),
    /// A console sign-in: the lines to show, or the one-sentence error.
    ConsoleSignedIn(Result<Vec<String>, JobError>),
    /// An SSO sign-in's page and code to confirm in a browser.
    SsoPrompt(Prompt),
    /// An SSO sign-in ended: the toast's text, or the one-sentence error.
    SsoSignedIn(Result<String, JobError>),
    /// `sso populate` planned: the change and its summary, or the one-sentence error.
    Populated(Result<(Plan, String), JobError>),
}

impl Output {
    /// The variant's name, for the log line of an output nobody expected.
    pub fn kind(&self) -> &'static str {
        match self {
            Output::Reloaded(_) => "Reloaded",
            Output::SettingsSaved(_) => "SettingsSaved",
            Output::KeyAge(_) => "KeyAge",
            Output::KeptFresh(_) => "KeptFresh",
            Output::Step(_) => "Step",
            Output::Renewed(_) => "Renewed",
            Output::WriteDone(_) => "WriteDone",
            Output::BulkProgress(_) => "BulkProgress",
            Output::BulkDone(_) => "BulkDone",
            Output::KeyStored(_) => "KeyStored",
            Output::Rotated(_) => "Rotated",
            Output::LoginRefreshed(_) => "LoginRefreshed",
            Output::ConsoleSignedIn(_) => "ConsoleSignedIn",
            Output::SsoPrompt(_) => "SsoPrompt",
            Output::SsoSignedIn(_) => "SsoSignedIn",
            Output::Populated(_) => "Populated",
        }
    }

    /// A dialog got an output its job never reports: logged (never silently lost), ignored.
    pub fn unexpected(self, by: &str) {
        crate::diag!("{by} ignored an unexpected job output: {}", self.kind());
    }
}

/// A key's age, as a job found it.
#[derive(Debug)]
pub struct KeyAgeFound {
    /// The key id.
    pub key_id: String,
    /// Its creation date, or the one-sentence reason it is unknown.
    pub result: Result<DateTime<Utc>, JobError>,
}

/// A kept-fresh profile's renewal ended.
#[derive(Debug)]
pub struct KeptFresh {
    /// The profile.
    pub profile: String,
    /// What was written (the toast's text), or the one-sentence error.
    pub result: Result<String, JobError>,
}

/// Why a write from the TUI did not happen.
#[derive(Debug)]
pub enum WriteFailure {
    /// The file changed on disk: here is the change re-planned on top of it.
    Changed(Box<Plan>),
    /// Anything else.
    Failed(JobError),
}

/// A bulk renewal's end: every outcome and the one change holding the successes.
#[derive(Debug)]
pub struct BulkDone {
    /// Every profile's outcome.
    pub outcomes: Vec<Outcome>,
    /// The change, or why there is none.
    pub plan: Result<Plan, JobError>,
}
