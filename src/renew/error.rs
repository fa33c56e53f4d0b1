//! Why no fresh session could be had: the renewal service's typed error (its own file, so the
//! lock and the service can both name it without importing each other).

use super::plan::PlanError;
use crate::aws::AwsError;
use crate::awsfiles::{EditError, LoadError, WriteError};
use thiserror::Error;

/// Why no fresh session could be had: one sentence each.
#[derive(Debug, Error)]
pub enum RenewError {
    /// The files could not be read.
    #[error(transparent)]
    Load(#[from] LoadError),
    /// The renewal cannot be planned.
    #[error(transparent)]
    Plan(#[from] PlanError),
    /// An AWS call failed.
    #[error(transparent)]
    Aws(#[from] AwsError),
    /// The result could not be written (or the target may not be written at all).
    #[error(transparent)]
    Write(#[from] WriteError),
    /// The change holding the new credentials could not be planned (the file does not parse).
    #[error(transparent)]
    Edit(#[from] EditError),
    /// No usable code (a command timed out, the window declined, a code was mistyped…).
    #[error(transparent)]
    Code(#[from] super::code::CodeError),
    /// A code is needed and no source gave one.
    #[error("an MFA code is needed to renew '{profile}' and none was given: {what}")]
    NoCode {
        /// The profile.
        profile: String,
        /// What the user can do.
        what: String,
    },
    /// Another renewal of the same target did not finish in time.
    #[error("another mfatui has been renewing [{target}] for {secs} s (waiting for a code?); try again once it is done")]
    Busy {
        /// The target.
        target: String,
        /// How long we waited.
        secs: u64,
    },
    /// An `aws login` profile could not be refreshed.
    #[error(transparent)]
    Login(#[from] crate::aws::login::LoginError),
    /// Something else, as one sentence (the keyring, a corrupt cache, a lock file).
    #[error("{0}")]
    Other(String),
}
