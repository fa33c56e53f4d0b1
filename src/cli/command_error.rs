//! The sentences the commands compose themselves, typed: one thiserror enum per command (its
//! refusals, its missing profiles, its terminal and standard-input failures), each variant one
//! sentence with its data, never a secret. Apart from the commands, which import `Failure`:
//! `cli/failure.rs` holds each enum in one `Cause` variant without importing a command.

use crate::aws::AwsError;
use crate::awsfiles::backup::{self, Untrusted, BACKUP_DIR};
use crate::awsfiles::document::DecodeError;
use crate::awsfiles::profile::KEYRING_MARKER;
use crate::awsfiles::{EditError, WriteError};
use crate::keys::keyring::KeyringError;
use crate::renew::RenewError;
use std::io;
use std::path::PathBuf;
use thiserror::Error;

/// Why a run could not start: the log, the demo's files, the async runtime.
#[derive(Debug, Error)]
pub enum StartError {
    /// `-v` / `--log-file` names a file that cannot be opened.
    #[error("cannot open the log file {}: {source}", path.display())]
    LogFile {
        /// The log file.
        path: PathBuf,
        /// Why.
        source: io::Error,
    },
    /// The demo's temporary folder cannot be made.
    #[error("cannot create the demo folder: {0}")]
    DemoFolder(io::Error),
    /// The demo's files cannot be written.
    #[error("cannot write the demo files: {0}")]
    DemoFiles(io::Error),
    /// The runtime the AWS calls run on cannot start.
    #[error("cannot start the async runtime: {0}")]
    Runtime(io::Error),
}

/// What a failed step of a `keyring` command left as it was, said after its cause.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Untouched {
    /// Neither the OS keyring nor the files.
    Changed,
    /// The entry (`forget`).
    Deleted,
    /// The new key (`add`).
    Stored,
    /// The files, once the keyring was written.
    Files,
}

impl std::fmt::Display for Untouched {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Untouched::Changed => "nothing was changed",
            Untouched::Deleted => "nothing was deleted",
            Untouched::Stored => "nothing was stored",
            Untouched::Files => "the files were not changed",
        })
    }
}

/// Why `mfatui keyring store|restore|add|list|forget` stopped, in its own words.
#[derive(Debug, Error)]
pub enum KeyringCommandError {
    /// The demo never reaches the real keyring.
    #[error(
        "the demo never touches your OS keyring: run `mfatui keyring` without --demo to use it"
    )]
    Demo,
    /// No such profile.
    #[error("there is no profile named '{0}' in the AWS config or credentials file")]
    NoProfile(String),
    /// A call to the OS keyring failed.
    #[error("{cause} ({left})")]
    Keyring {
        /// Why.
        cause: KeyringError,
        /// What is as it was.
        left: Untouched,
    },
    /// The change to the files cannot be planned.
    #[error("{cause}; {left}")]
    Edit {
        /// Why.
        cause: EditError,
        /// What is as it was.
        left: Untouched,
    },
    /// `store`: GetCallerIdentity refuses the key in the files.
    #[error("the access key {id} of '{profile}' does not work ({cause}), so it stays where it is; nothing was changed")]
    KeyDoesNotWork {
        /// The key id, masked.
        id: String,
        /// The profile holding it.
        profile: String,
        /// AWS's answer.
        cause: AwsError,
    },
    /// `add`: GetCallerIdentity refuses the key given.
    #[error(
        "AWS does not accept the access key {id} ({cause}): check the keys; nothing was stored"
    )]
    KeyRejected {
        /// The key id, masked.
        id: String,
        /// AWS's answer.
        cause: AwsError,
    },
    /// `restore`: the keyring holds another key than the marker names.
    #[error("the OS keyring holds the key {held} for '{profile}', but [{section}] of the {file} file names {id}: put the right keys in with {add}; nothing was changed")]
    OtherKey {
        /// The key id held, masked.
        held: String,
        /// The profile.
        profile: String,
        /// The section of the marker.
        section: String,
        /// The file of the marker (`config`, `credentials`).
        file: &'static str,
        /// The key id the marker names, masked.
        id: String,
        /// The command that puts the right keys in.
        add: String,
    },
    /// `restore`: the file was not written back.
    #[error("{0}; the key stays in the OS keyring")]
    NotRestored(WriteError),
    /// `restore`, `add`, `forget`: a rotation holds the key (under way, or stopped and not
    /// finished).
    #[error("a rotation of '{profile}' holds this key (under way, or stopped before it finished): let it end, or finish it with {again}; nothing was changed")]
    Rotating {
        /// The profile the rotation is of.
        profile: String,
        /// The command that finishes it.
        again: String,
    },
    /// `restore`: the profile keeps no key in the keyring.
    #[error("'{0}' does not keep its key in the OS keyring (no {KEYRING_MARKER} line in its sections): nothing to restore")]
    NotInKeyring(String),
    /// `add --stdin`: standard input cannot be read.
    #[error("cannot read the keys from standard input: {0}")]
    Stdin(io::Error),
    /// `add --stdin`: not two lines.
    #[error("--stdin expects two lines, the access key id then the secret access key; nothing was stored")]
    StdinLines,
    /// `add`: no terminal to ask on.
    #[error("cannot ask for the keys on the terminal ({0}): pipe them in with --stdin, the access key id then the secret access key, one per line")]
    NoTerminal(io::Error),
    /// `add`: the profile holds a pair in the files already.
    #[error("'{profile}' already holds an access key pair in [{section}] of the {file} file: move it with {store}, or remove it first; nothing was stored")]
    InFiles {
        /// The profile holding the pair.
        profile: String,
        /// Its section.
        section: String,
        /// Its file (`config`, `credentials`).
        file: &'static str,
        /// The command that moves it.
        store: String,
    },
    /// `add`: it would replace a key, and no yes was given.
    #[error("{replaces}: run again with --yes to replace it; nothing was stored")]
    ReplaceNeedsYes {
        /// What would be replaced, said as a clause.
        replaces: String,
    },
    /// `add`: the keyring holds the key, the files do not point to it.
    #[error("{cause}; the key is in the OS keyring, but the files do not point to it yet: run {again} again")]
    MarkerNotWritten {
        /// Why.
        cause: WriteError,
        /// The command that finishes.
        again: String,
    },
    /// `forget`: the keyring cannot list its entries.
    #[error("this OS keyring cannot be searched: name the entry with --key-id (the key id in its user name, '{0} (KEY_ID)'); nothing was deleted")]
    NotSearchable(String),
    /// `forget`: no entry of mfatui for the profile.
    #[error("the OS keyring has no entry of mfatui for '{0}': nothing to forget")]
    NoEntryFor(String),
    /// `forget`: no such entry.
    #[error("the OS keyring has no entry '{user}' (service {service}): nothing to forget")]
    NoEntry {
        /// The entry's user name.
        user: String,
        /// The keyring service.
        service: &'static str,
    },
    /// `forget`: several entries, none named.
    #[error("'{profile}' has {} entries in the OS keyring (keys {}): name one with --key-id; nothing was deleted", ids.len(), ids.join(", "))]
    SeveralEntries {
        /// The profile.
        profile: String,
        /// The key ids, masked.
        ids: Vec<String>,
    },
    /// `forget`: a file set may still need the entry, and no `--yes`.
    #[error("{why}: restore or replace the key there first, or run again with --yes to delete it anyway; nothing was deleted")]
    StillNamed {
        /// Who may need it.
        why: String,
    },
    /// `forget`: no terminal to say yes on.
    #[error("deleting the OS keyring entry '{0}' needs a yes: run again with --yes; nothing was deleted")]
    NeedsYes(String),
    /// `forget`: what the files say changed while the question waited.
    #[error("{why}: nothing was deleted; run the command again to decide on what is there now")]
    ChangedMeanwhile {
        /// What changed.
        why: String,
    },
    /// A fault injected for a test.
    #[error("{0}")]
    Fault(io::Error),
}

/// Why `mfatui set`, `backups` or `restore` stopped, in its own words.
#[derive(Debug, Error)]
pub enum EditCommandError {
    /// A secret given on the command line.
    #[error("refusing {key} on the command line, where every local user can read it (ps, /proc): give it on standard input with `mfatui set {profile} {key} --value-stdin`, or keep the key pair in the OS keyring with `mfatui keyring add {profile} --stdin`")]
    SecretOnCommandLine {
        /// The key.
        key: String,
        /// The profile.
        profile: String,
    },
    /// The edit does not apply to the file.
    #[error("{}: {cause}", path.display())]
    Edit {
        /// The file.
        path: PathBuf,
        /// Why.
        cause: EditError,
    },
    /// The value cannot be read on the terminal.
    #[error("cannot read the value on the terminal: {0}")]
    Terminal(io::Error),
    /// `--value-stdin` without `--yes` or `--dry-run`.
    #[error("refusing to write without confirmation: --value-stdin reads the value from standard input, so pass --yes (or --dry-run to only look)")]
    ValueNeedsYes,
    /// Standard input cannot be read.
    #[error("cannot read the value from standard input: {0}")]
    Stdin(io::Error),
    /// Not one line on standard input.
    #[error("--value-stdin expects the value on one line of standard input; nothing was written")]
    ValueLines,
    /// A backup folder cannot be listed.
    #[error("{}", backup::sentence(.dir, .source))]
    Backups {
        /// The folder.
        dir: PathBuf,
        /// Why.
        source: io::Error,
    },
    /// A backup folder mfatui does not trust.
    #[error(transparent)]
    Untrusted(#[from] Untrusted),
    /// The backup is of a file this run does not use.
    #[error("{} is a backup of {}, which this run does not use (it reads {} and {}); nothing was restored", backup.display(), original.display(), config.display(), credentials.display())]
    OtherFile {
        /// The backup.
        backup: PathBuf,
        /// The file it is a backup of.
        original: PathBuf,
        /// This run's config file.
        config: PathBuf,
        /// This run's credentials file.
        credentials: PathBuf,
    },
    /// The backup cannot be read or looked at.
    #[error("{}: {source}", path.display())]
    Unreadable {
        /// The backup.
        path: PathBuf,
        /// Why.
        source: io::Error,
    },
    /// The backup is not text the files could hold.
    #[error("{}: {source}", path.display())]
    Undecodable {
        /// The backup.
        path: PathBuf,
        /// Why.
        source: DecodeError,
    },
    /// The backup is not a regular file of this user.
    #[error("{} is not one of your backups ({what}); nothing was restored", path.display())]
    NotOwn {
        /// The backup.
        path: PathBuf,
        /// What it is instead.
        what: String,
    },
    /// No backup of that name.
    #[error("there is no backup named {} in {looked}: `{backups}` lists them", given.display())]
    NoBackupNamed {
        /// The name given.
        given: PathBuf,
        /// The folders looked in.
        looked: String,
        /// The command that lists backups.
        backups: String,
    },
    /// Not the name of an mfatui backup.
    #[error("{} is not an mfatui backup (expected DIR/{BACKUP_DIR}/NAME.TIME.bak)", .0.display())]
    NotABackup(PathBuf),
}

/// The `; inside exec --server …` note of [`CredentialProcessError`].
fn inside_note(served: &Option<String>) -> String {
    served
        .as_ref()
        .map(|served| format!("; inside `mfatui exec --server {served}`, only the default chain gets the session of '{served}'"))
        .unwrap_or_default()
}

/// Why `mfatui credential-process` serves nothing, in its own words.
#[derive(Debug, Error)]
pub enum CredentialProcessError {
    /// An SSO profile that only signs in.
    #[error("profile '{name}' only signs in to SSO (it names no sso_account_id or sso_role_name), so it has no credentials of its own{}", inside_note(.inside))]
    SignsInOnly {
        /// The profile.
        name: String,
        /// The profile `exec --server` serves, when run inside it.
        inside: Option<String>,
    },
    /// A profile of settings only.
    #[error("profile '{name}' has no credentials of its own, only settings such as its region{}", inside_note(.inside))]
    SettingsOnly {
        /// The profile.
        name: String,
        /// The profile `exec --server` serves, when run inside it.
        inside: Option<String>,
    },
    /// Long-term keys are never served.
    #[error("mfatui serves only temporary credentials here")]
    NotTemporary,
    /// A session without an expiry.
    #[error("the session records no expiry")]
    NoExpiry,
}

/// Why `mfatui export` or `unset` prints nothing, in its own words.
#[derive(Debug, Error)]
pub enum ExportError {
    /// The newest session has ended.
    #[error("the credentials in {from} {when}: run `{renew}` first")]
    Expired {
        /// Where they are.
        from: String,
        /// When they ended (`expired 3m ago`).
        when: String,
        /// The command that renews them.
        renew: String,
    },
    /// No such profile.
    #[error("there is no profile named '{0}'")]
    NoProfile(String),
    /// The demo's files start with no session.
    #[error(
        "'{name}' has no session in the demo's fresh files; renew and use it in one run: `{exec}`"
    )]
    DemoNoSession {
        /// The profile.
        name: String,
        /// The command that renews and uses it at once.
        exec: String,
    },
    /// Long-term keys are never exported.
    #[error("'{name}' holds long-term keys; mfatui exports only temporary credentials: run `{renew}` first")]
    LongTerm {
        /// The profile.
        name: String,
        /// The command that renews it.
        renew: String,
    },
    /// No session yet.
    #[error("'{name}' has no temporary credentials yet: run `{renew}` first")]
    NoSession {
        /// The profile.
        name: String,
        /// The command that renews it.
        renew: String,
    },
    /// `unset --format json`.
    #[error("unset has no JSON form")]
    UnsetJson,
}

/// Why `mfa` with no profile picked none, or `mfatui use` did not switch.
#[derive(Debug, Error)]
pub enum UseError {
    /// No terminal to pick on.
    #[error("there is no terminal to pick a profile on: name one (mfa PROFILE)")]
    NoTerminal,
    /// The terminal cannot be put in raw mode.
    #[error("cannot use the terminal to pick a profile: {0}")]
    RawMode(io::Error),
    /// The terminal failed while the picker ran.
    #[error("the terminal failed while picking a profile: {0}")]
    Terminal(io::Error),
    /// The files hold no profile (the note the list shows, on one line).
    #[error("{note}")]
    NoProfiles {
        /// What the files are.
        note: String,
    },
    /// The user gave up.
    #[error("no profile was picked")]
    NonePicked,
    /// An SSO profile that is not signed in.
    #[error("'{name}' is an SSO profile that is not signed in: run `{renew}` first")]
    SignedOut {
        /// The profile.
        name: String,
        /// The command that signs in.
        renew: String,
    },
    /// No code came from anywhere.
    #[error("{0}, or pass --code 123456")]
    NoCode(RenewError),
}

/// Why `mfatui shell-init` or `profile-names` printed nothing.
#[derive(Debug, Error)]
pub enum ShellInitError {
    /// The program cannot tell its own path.
    #[error("cannot tell where this program is: {0}")]
    NoProgram(io::Error),
    /// Its path cannot be written in a shell function.
    #[error("this program's path is not UTF-8 ({}): the shell function cannot name it", .0.display())]
    NotUtf8(PathBuf),
    /// Standard output failed (other than a closed pipe).
    #[error("{0}")]
    Write(io::Error),
}

/// Why `mfatui rotate` did not start.
#[derive(Debug, Error)]
pub enum RotateCommandError {
    /// Ctrl-C, SIGTERM and SIGHUP cannot be caught (then a rotation could not put things back).
    #[error("cannot listen for signals: {0}")]
    Signals(io::Error),
}

/// Why `mfatui renew` or `discover` stopped, in its own words.
#[derive(Debug, Error)]
pub enum RenewCommandError {
    /// No code came from anywhere.
    #[error("an MFA code is needed: pass --code 123456 or --code-stdin, or set AWS_MFA_TOKEN")]
    NoCode,
    /// Some renewals of many failed.
    #[error("{failed} of {total} renewals failed (the others were written)")]
    SomeFailed {
        /// How many failed.
        failed: usize,
        /// How many were tried.
        total: usize,
    },
    /// No such profile.
    #[error("there is no profile named '{0}'")]
    NoProfile(String),
    /// No keys to call IAM with.
    #[error("profile '{0}' has no access keys to ask AWS with")]
    NoKeys(String),
    /// The keys are not an IAM user's.
    #[error(
        "the keys of '{profile}' belong to {arn}, not an IAM user; MFA devices belong to IAM users"
    )]
    NotIamUser {
        /// The profile of the keys.
        profile: String,
        /// Whose they are.
        arn: String,
    },
    /// The user has no MFA device.
    #[error("{0} has no MFA device: assign one in the IAM console first")]
    NoDevice(String),
    /// `--serial` names none of the user's devices.
    #[error("{wanted} is not one of this user's MFA devices: {}", found.join(", "))]
    NotADevice {
        /// The serial given.
        wanted: String,
        /// The user's devices.
        found: Vec<String>,
    },
    /// Several devices, none chosen.
    #[error("this user has several MFA devices; choose one with --serial: {}", .0.join(", "))]
    SeveralDevices(Vec<String>),
}
