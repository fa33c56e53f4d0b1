//! Why a background job of the interface failed: the typed cause from the layer below, or
//! one of the interface's own few reasons. Its `Display` is the one sentence the error
//! overlay, the dialog or the toast shows (never a secret).

use crate::aws::sso::SsoCallError;
use crate::aws::AwsError;
use crate::awsfiles::populate::PopulateError;
use crate::awsfiles::{EditError, LoadError, WriteError};
use crate::console::ConsoleError;
use crate::keys::age::AgeError;
use crate::keys::custody::CustodyError;
use crate::keys::rotate::{RetireError, RotateError};
use crate::renew::error::{SourceKeysError, SsoError};
use crate::renew::plan::PlanError;
use crate::renew::RenewError;
use crate::settings::SettingsError;
use thiserror::Error;

/// Why a job of the interface did not do its work.
#[derive(Debug, Error)]
pub enum JobError {
    /// The shared files could not be read.
    #[error(transparent)]
    Load(#[from] LoadError),
    /// A profile's settings entry could not be saved.
    #[error(transparent)]
    Settings(#[from] SettingsError),
    /// The settings as saved do not read back (what reading them says, a sentence of
    /// [`crate::settings::load`]).
    #[error("{0}")]
    SettingsReadBack(String),
    /// A renewal failed.
    #[error(transparent)]
    Renew(#[from] RenewError),
    /// A profile cannot be renewed as asked.
    #[error(transparent)]
    Plan(#[from] PlanError),
    /// An SSO token or role could not be had.
    #[error(transparent)]
    Sso(#[from] SsoError),
    /// An SSO call (the portal's listing) failed.
    #[error(transparent)]
    SsoCall(#[from] SsoCallError),
    /// The files were not written.
    #[error(transparent)]
    Write(#[from] WriteError),
    /// An edit does not apply to the file.
    #[error(transparent)]
    Edit(#[from] EditError),
    /// `sso populate` cannot plan.
    #[error(transparent)]
    Populate(#[from] PopulateError),
    /// The long-term keys cannot be had.
    #[error(transparent)]
    SourceKeys(#[from] SourceKeysError),
    /// A key's age could not be found.
    #[error(transparent)]
    Age(#[from] AgeError),
    /// A pair could not be moved into the OS keyring.
    #[error(transparent)]
    Custody(#[from] CustodyError),
    /// A rotation did not happen, or did not finish cleanly.
    #[error(transparent)]
    Rotate(#[from] RotateError),
    /// A rotation did its work, but the old key was not retired.
    #[error(transparent)]
    Retire(#[from] RetireError),
    /// No console sign-in URL could be made, or no browser opened it.
    #[error(transparent)]
    Console(#[from] ConsoleError),
    /// The key in the files does not work: it is not moved.
    #[error(
        "the access key {id} does not work ({cause}), so it stays where it is; nothing was changed"
    )]
    KeyDoesNotWork {
        /// The key id, masked.
        id: String,
        /// AWS's answer.
        cause: AwsError,
    },
    /// The profile keeps its key in the keyring already.
    #[error("'{0}' keeps its key in the OS keyring already")]
    InKeyringAlready(String),
    /// The profile changed kind since its dialog opened.
    #[error("'{0}' is no longer an aws login profile")]
    NoLongerLogin(String),
    /// The profile holds no access key (for its age).
    #[error("no access key")]
    NoAccessKey,
    /// The renewal service answered with another kind of result than asked for.
    #[error("the renewal service gave no {0}")]
    Unanswered(&'static str),
    /// The task running the work ended without an answer (it panicked or was cancelled).
    #[error("{0}")]
    Stopped(tokio::task::JoinError),
    /// The move into the keyring ended without an answer.
    #[error("the move stopped unexpectedly: {0}")]
    MoveStopped(tokio::task::JoinError),
}
