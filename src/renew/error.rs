//! Why no fresh session could be had: the renewal service's typed errors (their own file, so
//! the lock, the SSO token, the bulk renewal and the service can all name them without
//! importing each other). No value here holds a secret: key ids are kept masked.

use super::plan::PlanError;
use crate::aws::AwsError;
use crate::awsfiles::{EditError, LoadError, WriteError};
use std::path::PathBuf;
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
    /// The session was made but another program's save kept it out of the file (the
    /// [`WriteError`]'s sentence): an error where the caller names its section.
    #[error("{0}")]
    NotWritten(String),
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
    /// The renewal lock could not be had (another renewal of the target, a folder not safe to use).
    #[error(transparent)]
    Lock(#[from] LockError),
    /// An `aws login` profile could not be refreshed.
    #[error(transparent)]
    Login(#[from] crate::aws::login::LoginError),
    /// No SSO token (or no SSO role) could be had.
    #[error(transparent)]
    Sso(#[from] SsoError),
    /// The source keys kept in the OS keyring could not be used.
    #[error(transparent)]
    Keyring(#[from] SourceKeysError),
    /// The sessions on file could not be read.
    #[error(transparent)]
    Sessions(#[from] SessionsError),
    /// A mode or duration was given for several profiles.
    #[error("--mode and --duration apply to one profile; several profiles use their own defaults (see settings)")]
    OneProfileChoice,
    /// The request names no profile.
    #[error("no profile to renew")]
    NoProfile,
    /// A group whose profiles need different codes and no shared MFA session.
    #[error("these profiles need different MFA codes: renew them one by one")]
    DifferentCodes,
    /// The open window answered by renewing, where this caller needed the credentials itself.
    #[error("the renewal was made elsewhere")]
    RenewedElsewhere,
    /// The open window said it renewed `profile`, but nothing fresh is on file.
    #[error("the mfatui window renewed '{profile}', but no fresh session of it is on file")]
    NotOnFile {
        /// The profile.
        profile: String,
    },
    /// The shared renewal a caller joined ended without an outcome (its task was stopped).
    #[error("the renewal stopped")]
    Stopped,
    /// The blocking write did not come back (it panicked or was cancelled).
    #[error("the write stopped: {0}")]
    WriteStopped(tokio::task::JoinError),
}

/// Why the renewal lock of a target could not be had.
#[derive(Debug, Error)]
pub enum LockError {
    /// Another renewal of the same target did not finish in time.
    #[error("another mfatui has been renewing [{target}] for {secs} s (waiting for a code?); try again once it is done")]
    Busy {
        /// The target.
        target: String,
        /// How long we waited.
        secs: u64,
    },
    /// The lock's folder or file may not be used (shared, someone else's, a link).
    #[error(transparent)]
    Untrusted(#[from] WriteError),
    /// The lock's folder or file could not be made or opened.
    #[error("{}: {source}", .path.display())]
    Io {
        /// The folder or file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
}

/// Why no SSO token (or role) could be had for a profile.
#[derive(Debug, Error)]
pub enum SsoError {
    /// Where the profile signs in cannot be told (no such profile, no `[sso-session]`, no start
    /// URL or region).
    #[error("{why}")]
    Target {
        /// The profile.
        profile: String,
        /// The sentence saying what is missing.
        why: String,
    },
    /// The cached token cannot be read (not one the AWS CLI wrote, unreadable).
    #[error(transparent)]
    Cache(#[from] crate::awsfiles::sso_cache::SsoCacheError),
    /// The lock around the sign-in could not be had.
    #[error(transparent)]
    Lock(#[from] LockError),
    /// The new token could not be written to the cache folder.
    #[error("{}: {source}", .dir.display())]
    Write {
        /// The SSO cache folder.
        dir: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// The held refresh token was refused, and no sign-in can be shown here.
    #[error(
        "the SSO sign-in of '{profile}' could not be refreshed ({why}): sign in again with `{how}`"
    )]
    RefreshRefused {
        /// The profile.
        profile: String,
        /// What the refresh said (boxed: it is large, and rare).
        why: Box<crate::aws::sso::SsoCallError>,
        /// The command that signs in.
        how: String,
    },
    /// A token that ends soon and cannot be refreshed, and no sign-in can be shown here.
    #[error("the SSO token of '{profile}' ends in {minutes} min and cannot be refreshed (no refresh token, or its registration ended): sign in again with `{how}`")]
    Ending {
        /// The profile.
        profile: String,
        /// Minutes left.
        minutes: i64,
        /// The command that signs in.
        how: String,
    },
    /// An ended token that cannot be refreshed, and no sign-in can be shown here.
    #[error("the SSO sign-in of '{profile}' has expired and cannot be refreshed: sign in again with `{how}`")]
    Expired {
        /// The profile.
        profile: String,
        /// The command that signs in.
        how: String,
    },
    /// No token at all, and no sign-in can be shown here.
    #[error("'{profile}' is not signed in to {}: sign in with `{how}`", crate::text::first_line(.start_url))]
    NotSignedIn {
        /// The profile.
        profile: String,
        /// The portal.
        start_url: String,
        /// The command that signs in.
        how: String,
    },
    /// The sign-in did not complete (declined, timed out, the portal refused).
    #[error("{why}")]
    SignIn {
        /// The portal.
        start_url: String,
        /// What went wrong (boxed: it is large, and rare).
        why: Box<crate::aws::sso::SsoCallError>,
    },
    /// The profile only signs in: it names no account or role to get credentials for.
    #[error("profile '{profile}' only signs in to SSO (it names no {key}), so it has no credentials of its own")]
    NoRole {
        /// The profile.
        profile: String,
        /// The missing setting (`sso_account_id`, `sso_role_name`).
        key: &'static str,
    },
}

/// What reaching the keyring takes on this system, for the error that says it failed.
#[cfg(all(
    unix,
    not(any(target_os = "macos", target_os = "ios", target_os = "android"))
))]
const HOW_TO_REACH: &str = "no Secret Service answers on this session's D-Bus: log in to a desktop session, or start gnome-keyring-daemon or KeePassXC's Secret Service, then try again";
#[cfg(target_os = "macos")]
const HOW_TO_REACH: &str =
    "the login Keychain is not available here: run mfatui in your logged-in session and try again";
#[cfg(windows)]
const HOW_TO_REACH: &str =
    "Credential Manager is not available here: run mfatui in your logged-in session and try again";

/// Why a call to the OS keyring failed (the error of [`super::service::KeyringAccess`], made
/// by `keys::keyring` and by [`super::service::NoKeyring`]): one sentence each, saying what to
/// do. Never holds a secret.
#[derive(Clone, Debug, Error, PartialEq, Eq)]
pub enum KeyringError {
    /// No keyring service could be reached (no D-Bus session, no Secret Service on it).
    #[error("cannot reach the OS keyring ({detail}); {HOW_TO_REACH}")]
    Unavailable {
        /// What the system said.
        detail: String,
    },
    /// The keyring is locked and was not unlocked, or access was refused.
    #[error("the OS keyring is locked or refused access (its unlock prompt was dismissed or could not be shown): unlock it, e.g. by logging in to your desktop or with `gnome-keyring-daemon --unlock`, then try again")]
    Locked,
    /// The profile has no entry for its key (never stored, deleted outside mfatui, or a
    /// rotation was interrupted).
    #[error("the OS keyring has no entry for profile '{profile}' with the key {key} (service mfatui): if a rotation of it was interrupted, `mfatui rotate {profile}` finishes it; otherwise put the keys back with `mfatui keyring add {profile}`")]
    Missing {
        /// The profile.
        profile: String,
        /// The key id, masked.
        key: String,
    },
    /// The entry is not a document this mfatui wrote or can read.
    #[error("the OS keyring's entry for profile '{profile}' (service mfatui) is not one this mfatui can read: replace it with `mfatui keyring add {profile}`")]
    Unreadable {
        /// The profile.
        profile: String,
    },
    /// Reading the entry back right after writing it gave something else.
    #[error("the OS keyring did not give back the keys just stored for profile '{profile}': nothing was removed from the files; check the keyring (another program may manage service mfatui) and try again")]
    NotKept {
        /// The profile.
        profile: String,
    },
    /// The keys are not shaped like an AWS access key pair.
    #[error("{0}")]
    BadKeys(String),
    /// The keyring did not answer in time.
    #[error("the OS keyring did not answer within {secs} s (a prompt may be waiting on another screen): answer or close it, then try again")]
    Timeout {
        /// How long mfatui waited.
        secs: u64,
    },
    /// This mfatui does not reach the keyring (the demo), where `profile`'s keys are.
    #[error(
        "the long-term keys of '{profile}' are in the OS keyring, which this mfatui cannot reach"
    )]
    NotHere {
        /// The profile.
        profile: String,
    },
    /// Anything else the keyring said.
    #[error("the OS keyring refused the request ({detail}); check that it works (e.g. with your desktop's password manager) and try again")]
    Other {
        /// What the keyring said (never a secret).
        detail: String,
    },
}

/// Why the long-term keys kept in the OS keyring could not be used.
#[derive(Clone, Debug, Error, PartialEq, Eq)]
pub enum SourceKeysError {
    /// The keyring could not give them (unreachable, locked, no entry), as it said.
    #[error(transparent)]
    Unavailable(#[from] KeyringError),
    /// The keyring holds another key than the one the files name.
    #[error("the OS keyring holds the key {stored} for '{profile}', but the files name {on_file}: if a rotation of it was interrupted, `mfatui rotate {profile}` finishes it; otherwise put the right keys in with `mfatui keyring add {profile}`")]
    Mismatch {
        /// The profile.
        profile: String,
        /// The key id in the keyring, masked.
        stored: String,
        /// The key id the files name, masked.
        on_file: String,
    },
}

/// Why the sessions recorded for a profile could not be read.
#[derive(Debug, Error)]
pub enum SessionsError {
    /// Another profile's renewals write the same section: a session there is not this one's.
    #[error(transparent)]
    Shared(#[from] crate::awsfiles::SharedSession),
    /// aws-mfa-secure's sessions file is not usable (no secret in it).
    #[error(transparent)]
    MfaSecure(#[from] crate::awsfiles::mfa_secure::MfaSecureError),
}

/// Why one profile of a bulk renewal was not renewed.
#[derive(Clone, Debug, Error, PartialEq, Eq)]
pub enum BulkError {
    /// It cannot be planned.
    #[error(transparent)]
    Plan(#[from] PlanError),
    /// Its code would be another device's than the group's.
    #[error("needs its own MFA code (its keys come from '{keys_from}', the others' from '{others_from}'): renew it on its own")]
    OwnCode {
        /// The profile its keys come from.
        keys_from: String,
        /// The profile the group's keys come from.
        others_from: String,
    },
    /// The group's one MFA session cannot be planned.
    #[error("cannot start one MFA session from '{base}': {why}")]
    NoSession {
        /// The profile the session would start from.
        base: String,
        /// Why it cannot.
        why: PlanError,
    },
    /// The group's MFA session failed, so this role (which needed it) was not tried.
    #[error("the MFA session could not be started, so this role was not tried")]
    SessionFailed,
    /// Its call failed.
    #[error(transparent)]
    Aws(#[from] AwsError),
    /// AssumeRole was refused: its trust policy may want a code on the call itself.
    #[error("{0} (Its trust policy may ask for an MFA code on the AssumeRole call itself, which an MFA session cannot give: renew it on its own.)")]
    MfaOnAssume(AwsError),
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The typed values say exactly the sentences the commands and the TUI have always shown
    /// (the integration tests match their words), with the profile and portal kept as data.
    #[test]
    fn typed_errors_keep_their_sentences_and_hold_no_secret() {
        let how = "mfatui renew corp".to_owned();
        let cases: [(SsoError, &str); 4] = [
            (
                SsoError::RefreshRefused {
                    profile: "corp".into(),
                    why: Box::new(crate::aws::sso::SsoCallError::Denied),
                    how: how.clone(),
                },
                "the SSO sign-in of 'corp' could not be refreshed (the sign-in was denied in the browser; nothing was written): sign in again with `mfatui renew corp`",
            ),
            (
                SsoError::Ending {
                    profile: "corp".into(),
                    minutes: 7,
                    how: how.clone(),
                },
                "the SSO token of 'corp' ends in 7 min and cannot be refreshed (no refresh token, or its registration ended): sign in again with `mfatui renew corp`",
            ),
            (
                SsoError::Expired {
                    profile: "corp".into(),
                    how: how.clone(),
                },
                "the SSO sign-in of 'corp' has expired and cannot be refreshed: sign in again with `mfatui renew corp`",
            ),
            (
                SsoError::NotSignedIn {
                    profile: "corp".into(),
                    start_url: "https://corp.awsapps.com/start".into(),
                    how,
                },
                "'corp' is not signed in to https://corp.awsapps.com/start: sign in with `mfatui renew corp`",
            ),
        ];
        for (error, sentence) in cases {
            assert_eq!(RenewError::from(error).to_string(), sentence);
        }
        let busy = RenewError::from(LockError::Busy {
            target: "dev-mfa".into(),
            secs: 30,
        });
        assert_eq!(
            busy.to_string(),
            "another mfatui has been renewing [dev-mfa] for 30 s (waiting for a code?); try again once it is done"
        );
        let mismatch =
            super::super::service::mismatch("dev", "AKIAOLDOLDOLDOLD1234", "AKIANEWNEWNEWNEW5678");
        let SourceKeysError::Mismatch {
            stored, on_file, ..
        } = &mismatch
        else {
            panic!("{mismatch:?}")
        };
        for (kept, full) in [
            (stored, "AKIAOLDOLDOLDOLD1234"),
            (on_file, "AKIANEWNEWNEWNEW5678"),
        ] {
            assert_ne!(kept, full, "the key id is kept masked");
            assert!(mismatch.to_string().contains(kept.as_str()));
            assert!(!format!("{mismatch:?}").contains(full));
        }
    }
}
