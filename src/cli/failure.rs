//! The one error of the command line's edge: why a command failed (a domain error or one of
//! the commands' own, kept with its type), which command it was, and the shared files the
//! run passed over — formatted as the one sentence `mfatui:` prints.

use super::command_error::{
    CredentialProcessError, EditCommandError, ExportError, KeyringCommandError, RenewCommandError,
    RotateCommandError, ShellInitError, StartError, UseError,
};
use crate::aws::sso::SsoConfigError;
use crate::aws::AwsError;
use crate::awsfiles::{EditError, LoadError, PassedOver, WriteError};
use crate::renew::code::CodeError;
use crate::renew::RenewError;
use std::fmt;
use std::process::ExitCode;
use thiserror::Error;

/// Why a command failed, as the layer below said it.
#[derive(Debug, Error)]
pub enum Cause {
    /// The shared files could not be read.
    #[error(transparent)]
    Load(#[from] LoadError),
    /// A file was not written (or may not be written at all).
    #[error(transparent)]
    Write(#[from] WriteError),
    /// An edit does not apply to the file.
    #[error(transparent)]
    Edit(#[from] EditError),
    /// An AWS call failed.
    #[error(transparent)]
    Aws(#[from] AwsError),
    /// The config file names no place to sign in with SSO.
    #[error(transparent)]
    Sso(#[from] SsoConfigError),
    /// An SSO call (the portal's listing) failed.
    #[error(transparent)]
    SsoCall(#[from] crate::aws::sso::SsoCallError),
    /// mfatui's settings file could not be read or changed.
    #[error(transparent)]
    Settings(#[from] crate::settings::SettingsError),
    /// `sso populate` cannot plan.
    #[error(transparent)]
    Populate(#[from] crate::awsfiles::populate::PopulateError),
    /// A key rotation did not happen, or did not finish cleanly.
    #[error(transparent)]
    Rotate(#[from] crate::keys::rotate::RotateError),
    /// A key rotation did its work, but the old key was not retired.
    #[error(transparent)]
    Retire(#[from] crate::keys::rotate::RetireError),
    /// `rotate` did not start.
    #[error(transparent)]
    RotateCommand(#[from] RotateCommandError),
    /// No console sign-in URL could be made.
    #[error(transparent)]
    Console(#[from] crate::console::ConsoleError),
    /// No fresh session could be had.
    #[error(transparent)]
    Renew(#[from] RenewError),
    /// No usable MFA code.
    #[error(transparent)]
    Code(#[from] CodeError),
    /// A duration that does not read (`--duration`, a setting).
    #[error(transparent)]
    Duration(#[from] crate::duration::DurationError),
    /// A line of the shared files does not parse.
    #[error(transparent)]
    Syntax(#[from] crate::awsfiles::SyntaxError),
    /// A profile cannot be renewed or served as asked.
    #[error(transparent)]
    Plan(#[from] crate::renew::plan::PlanError),
    /// A profile's sessions cannot be read.
    #[error(transparent)]
    Sessions(#[from] crate::renew::error::SessionsError),
    /// The long-term keys to call AWS with cannot be had.
    #[error(transparent)]
    SourceKeys(#[from] crate::renew::error::SourceKeysError),
    /// A call to the OS keyring failed.
    #[error(transparent)]
    Keyring(#[from] crate::keys::keyring::KeyringError),
    /// A pair could not be moved between the files and the keyring.
    #[error(transparent)]
    Custody(#[from] crate::keys::custody::CustodyError),
    /// A keyring entry's list of file sets (or the lock around it) failed.
    #[error(transparent)]
    Entry(#[from] crate::keys::custody::EntryError),
    /// The backups holding a secret could not be found or rewritten.
    #[error(transparent)]
    Backup(#[from] crate::keys::custody::BackupError),
    /// The copies of the files a served command sees cannot be made.
    #[error(transparent)]
    Overlay(#[from] crate::serve::overlay::OverlayError),
    /// A change was not confirmed or not written.
    #[error(transparent)]
    Confirm(#[from] super::confirm::ConfirmError),
    /// The run could not start.
    #[error(transparent)]
    Start(#[from] StartError),
    /// `keyring` stopped.
    #[error(transparent)]
    KeyringCommand(#[from] KeyringCommandError),
    /// `set`, `backups` or `restore` stopped.
    #[error(transparent)]
    EditCommand(#[from] EditCommandError),
    /// `credential-process` serves nothing.
    #[error(transparent)]
    CredentialProcess(#[from] CredentialProcessError),
    /// `export` or `unset` prints nothing.
    #[error(transparent)]
    Export(#[from] ExportError),
    /// `use` (or its picker) did not switch.
    #[error(transparent)]
    Use(#[from] UseError),
    /// `shell-init` or `profile-names` printed nothing.
    #[error(transparent)]
    ShellInit(#[from] ShellInitError),
    /// The interface could not start, or its terminal failed.
    #[error(transparent)]
    Tui(#[from] crate::tui::TuiError),
    /// The list could not be made JSON.
    #[error("{0}")]
    Json(serde_json::Error),
    /// `renew` or `discover` stopped.
    #[error(transparent)]
    RenewCommand(#[from] RenewCommandError),
    /// Writing to the terminal or a pipe failed.
    #[error("cannot write the output: {0}")]
    Output(std::io::Error),
}

impl Cause {
    /// Whether this cause is itself about `file` being passed over (then the note would say
    /// it twice).
    fn is_about(&self, file: &PassedOver) -> bool {
        match self {
            Cause::Write(e) | Cause::Renew(RenewError::Write(e)) => {
                matches!(e, WriteError::NotRegular { path, .. } if *path == file.path)
            }
            _ => false,
        }
    }
}

/// A command's failure, with its context: what the user reads on one line.
#[derive(Debug)]
pub struct Failure {
    /// Boxed: a `Result` carrying it stays small on the success path.
    cause: Box<Cause>,
    /// The subcommand (`renew`, `list`, …), for the log.
    command: Option<&'static str>,
    /// The shared files the run passed over: often the reason a profile or its keys are
    /// missing, so the sentence names them.
    passed_over: Vec<PassedOver>,
}

impl Failure {
    /// A failure of `command` for this cause.
    pub fn new(cause: impl Into<Cause>) -> Failure {
        Failure {
            cause: Box::new(cause.into()),
            command: None,
            passed_over: Vec::new(),
        }
    }

    /// The same failure, in `command`.
    pub fn in_command(mut self, command: &'static str) -> Failure {
        self.command = Some(command);
        self
    }

    /// The same failure, noting the shared `files` the run passed over (each that the cause
    /// does not already name).
    pub fn passing_over(mut self, files: Vec<PassedOver>) -> Failure {
        self.passed_over = files
            .into_iter()
            .filter(|f| !self.cause.is_about(f))
            .collect();
        self
    }

    /// Why.
    pub fn cause(&self) -> &Cause {
        &self.cause
    }

    /// The subcommand that failed, when known.
    pub fn command(&self) -> Option<&'static str> {
        self.command
    }

    /// The files noted as passed over.
    pub fn passed_over(&self) -> &[PassedOver] {
        &self.passed_over
    }

    /// Says the sentence on stderr (and in the log, with the command) and gives the exit
    /// code: a message may quote the files or the settings, so nothing in it drives the
    /// terminal.
    pub fn report(&self) -> ExitCode {
        let sentence = crate::text::printable(&self.to_string(), usize::MAX);
        match self.command {
            Some(command) => crate::diag!("failed ({command}): {sentence}"),
            None => crate::diag!("failed: {sentence}"),
        }
        eprintln!("mfatui: {sentence}");
        ExitCode::FAILURE
    }
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.cause)?;
        if let Some((first, rest)) = self.passed_over.split_first() {
            write!(f, " ({first}")?;
            for file in rest {
                write!(f, "; {file}")?;
            }
            write!(f, ")")?;
        }
        Ok(())
    }
}

impl std::error::Error for Failure {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        Some(self.cause.as_ref())
    }
}

/// `?` on a domain error (or a command's own) in a command returning [`Failure`].
macro_rules! failure_from {
    ($($t:ty),*) => {$(
        impl From<$t> for Failure {
            fn from(cause: $t) -> Failure {
                Failure::new(cause)
            }
        }
    )*};
}

failure_from!(
    Cause,
    LoadError,
    WriteError,
    EditError,
    AwsError,
    RenewError,
    CodeError,
    SsoConfigError,
    crate::aws::sso::SsoCallError,
    crate::settings::SettingsError,
    crate::console::ConsoleError,
    crate::keys::rotate::RotateError,
    crate::keys::rotate::RetireError,
    RotateCommandError,
    crate::tui::TuiError,
    crate::awsfiles::populate::PopulateError,
    crate::duration::DurationError,
    crate::awsfiles::SyntaxError,
    crate::renew::plan::PlanError,
    crate::renew::error::SessionsError,
    crate::renew::error::SourceKeysError,
    crate::keys::keyring::KeyringError,
    crate::keys::custody::CustodyError,
    crate::keys::custody::EntryError,
    crate::keys::custody::BackupError,
    crate::serve::overlay::OverlayError,
    super::confirm::ConfirmError,
    StartError,
    KeyringCommandError,
    EditCommandError,
    CredentialProcessError,
    ExportError,
    UseError,
    ShellInitError,
    RenewCommandError
);

/// An SSO sign-in or token that could not be had: a renewal's failure.
impl From<crate::renew::error::SsoError> for Failure {
    fn from(cause: crate::renew::error::SsoError) -> Failure {
        Failure::new(RenewError::from(cause))
    }
}

/// A browser that cannot open the console sign-in: a console failure.
impl From<crate::console::browser::BrowserError> for Failure {
    fn from(cause: crate::console::browser::BrowserError) -> Failure {
        Failure::new(crate::console::ConsoleError::from(cause))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::awsfiles::FileKind;
    use std::path::PathBuf;

    fn fifo(path: &str) -> PassedOver {
        PassedOver {
            kind: FileKind::Credentials,
            path: PathBuf::from(path),
            what: "a FIFO",
        }
    }

    #[test]
    fn a_passed_over_file_is_noted_in_the_one_sentence() {
        let failure = Failure::from(ExportError::NoProfile("dev".to_owned()))
            .in_command("renew")
            .passing_over(vec![fifo("/h/.aws/credentials")]);
        assert_eq!(
            failure.to_string(),
            "there is no profile named 'dev' (/h/.aws/credentials is a FIFO, not a regular \
             file: mfatui reads it as empty and never writes it)"
        );
        assert_eq!(failure.command(), Some("renew"));
        assert_eq!(failure.passed_over(), &[fifo("/h/.aws/credentials")]);
    }

    #[test]
    fn a_refusal_to_write_the_passed_over_file_does_not_say_it_twice() {
        let refusal = WriteError::NotRegular {
            path: PathBuf::from("/h/.aws/credentials"),
            what: "a FIFO",
        };
        let sentence = refusal.to_string();
        let failure = Failure::from(refusal)
            .passing_over(vec![fifo("/h/.aws/credentials"), fifo("/h/.aws/config")]);
        assert_eq!(failure.passed_over(), &[fifo("/h/.aws/config")]);
        assert_eq!(
            failure.to_string(),
            format!("{sentence} ({})", fifo("/h/.aws/config"))
        );
        // Through the renewal service's error too.
        let refusal = RenewError::Write(WriteError::NotRegular {
            path: PathBuf::from("/h/.aws/credentials"),
            what: "a FIFO",
        });
        let failure = Failure::from(refusal).passing_over(vec![fifo("/h/.aws/credentials")]);
        assert!(failure.passed_over().is_empty());
    }
}
