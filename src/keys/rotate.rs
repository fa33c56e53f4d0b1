//! Rotating a profile's access key. Everything is checked and shown before anything changes
//! in IAM ([`prepare`]); then ([`execute`]): create a new key for the IAM user, write it
//! wherever the old one is (every section holding the same key id), prove it works, delete
//! (or deactivate) the old one.
//!
//! At every point there is exactly one working key in the file and one in IAM, or the run
//! puts it back: a failure or an interruption (Ctrl-C, SIGTERM, SIGHUP: the step under way
//! finishes first) before the new key is verified deletes the new key and writes the old one
//! back; after it is verified, the old key is retired. A journal beside the credentials file
//! records the step, so that a run killed outright is completed or rolled back by the next
//! `rotate` of the same profile.
//!
//! IAM calls use the profile's MFA session when it has an MFA device (accounts that deny
//! everything without MFA deny `iam:CreateAccessKey` too), from the renewal service with the
//! same freshness rule the TUI's dialog shows; otherwise its long-term keys.

use super::copies;
use super::journal::{Entry, Journal, JournalError};
use crate::aws::{AwsApi, AwsError, CallSite, Credentials};
use crate::awsfiles::fault::{self, Step};
use crate::awsfiles::profile::{key_suffix, Name, KEYRING_MARKER};
use crate::awsfiles::{
    commit, AwsPaths, Edit, EditError, FileKind, KeyPlace, KeyStore, LoadError, OnChange, Plan,
    Snapshot, WriteError, Written,
};
use crate::freshness::Use;
use crate::renew::code::CodeSource;
use crate::renew::error::{KeyringError, SourceKeysError};
use crate::renew::plan::{keys_at, site_for, Keys};
use crate::renew::service::{mismatch, RenewError, Renewer, Want};
use crate::secret::Secret;
use chrono::Utc;
use std::time::{Duration, Instant};
use thiserror::Error;

/// Why a rotation did not happen, or did not finish cleanly: one sentence.
#[derive(Debug, Error)]
pub enum RotateError {
    /// Getting the MFA session for the IAM calls failed.
    #[error(transparent)]
    Renew(#[from] RenewError),
    /// An AWS call failed (before anything changed, unless the sentence says otherwise).
    #[error(transparent)]
    Aws(#[from] AwsError),
    /// No such profile.
    #[error("there is no profile named '{0}' in the AWS config or credentials file")]
    NoProfile(String),
    /// Where the key is changed between the preview and the start (`keyring store` or
    /// `restore` ran meanwhile).
    #[error("the key of '{0}' moved since the rotation was shown (a keyring store or restore ran meanwhile): run the rotation again; nothing was changed")]
    Moved(String),
    /// The new pair could not be kept aside before the old key would go: both keys stay.
    #[error("the new key {new_key} is in place and works, but a copy of it could not be kept before the old key {old_key} goes ({error}); both keys are kept: run {again} to finish")]
    NotKept {
        /// Why.
        error: Box<JournalError>,
        /// The new key, masked.
        new_key: String,
        /// The old key, masked.
        old_key: String,
        /// The command that finishes the rotation.
        again: String,
    },
    /// The old key was retired while another program was writing the files: nothing was
    /// written over it, and the new pair is kept aside.
    #[error(transparent)]
    KeptAside(Box<KeptAside>),
    /// The pair is inherited from a `[DEFAULT]` section.
    #[error("the key of '{profile}' is in the [DEFAULT] section of the {file} file, which every profile there inherits: move its two lines into the profiles that use it first, then rotate; nothing was changed")]
    FromDefault {
        /// The profile.
        profile: String,
        /// Which file.
        file: &'static str,
    },
    /// Another rotation of the same IAM user's key is under way.
    #[error("a rotation of the key of '{0}' (or of another key of its IAM user) is under way in another mfatui: let it finish; nothing was changed")]
    UnderWay(String),
    /// Another program changed the places the new key was written to, and they do not agree.
    #[error("another program changed the files while the key of '{profile}' was rotated: {now}; both keys are kept (the new one {new_key}, the old one {old_key}): put the key you want in each place and run {again}")]
    Unsettled {
        /// The profile.
        profile: String,
        /// What each place names now.
        now: String,
        /// The new key, masked.
        new_key: String,
        /// The old key, masked.
        old_key: String,
        /// The command that finishes the rotation.
        again: String,
    },
    /// An earlier rotation kept its new pair aside, and the files do not name it yet.
    #[error("an earlier rotation of '{profile}' deleted the old key while another program was writing the files, and kept the new key {new_key} in {}: put its lines in the places it names, then run this again", .pair.display())]
    StillAside {
        /// The profile.
        profile: String,
        /// The new key, masked.
        new_key: String,
        /// The file holding the new pair.
        pair: std::path::PathBuf,
    },
    /// The keyring lock, which keeps `keyring store`/`restore` out while a rotation starts.
    #[error(transparent)]
    Lock(#[from] crate::keys::custody::EntryError),
    /// The profile holds no long-term key.
    #[error("'{0}' holds no long-term access key to rotate")]
    NoKeys(String),
    /// The change writing the new key cannot be planned.
    #[error(transparent)]
    Edit(#[from] EditError),
    /// The files could not be read.
    #[error(transparent)]
    Load(#[from] LoadError),
    /// The files could not be written (before anything changed in IAM).
    #[error(transparent)]
    Write(#[from] WriteError),
    /// The key kept in the OS keyring is not the one the files name.
    #[error(transparent)]
    Keys(#[from] SourceKeysError),
    /// The OS keyring could not give the key.
    #[error(transparent)]
    Keyring(#[from] KeyringError),
    /// The journal could not be written before the new key was made.
    #[error(transparent)]
    Journal(#[from] JournalError),
    /// The keys are not an IAM user's.
    #[error("the keys of '{profile}' belong to {arn}, not an IAM user: only IAM users have access keys to rotate")]
    NotUser {
        /// The profile holding them.
        profile: String,
        /// Whose they are.
        arn: String,
    },
    /// The user already has IAM's two keys.
    #[error("the IAM user {user} already has two access keys ({}), IAM's limit: delete the one you do not use, then rotate; nothing was changed", .keys.join(", "))]
    TwoKeys {
        /// The IAM user.
        user: String,
        /// Its keys, masked.
        keys: Vec<String>,
    },
    /// The rotation stopped after the new key was made, and was undone: the new key deleted,
    /// the old one written back if the file held the new one.
    #[error("{}{}", trimmed(.why), undone_words(.why, *.written_back))]
    Undone {
        /// Why it stopped.
        why: Box<Stop>,
        /// Whether the old key had to be written back.
        written_back: bool,
    },
    /// The rotation stopped after the new key was made, and the new key could not be deleted.
    #[error("{}{}; the new key {new_key} could not be deleted again ({error}): delete it in the IAM console", trimmed(.why), back_words(*.written_back))]
    NotDeleted {
        /// Why it stopped.
        why: Box<Stop>,
        /// Whether the old key was written back.
        written_back: bool,
        /// The new key, masked.
        new_key: String,
        /// Why it could not be deleted.
        error: AwsError,
    },
    /// The rotation stopped once the file held the new key, and the old key could not be
    /// written back: both keys are kept.
    #[error("{}, and writing the old key back failed ({error}): the file holds the new key {new_key}, which may not work yet; the old key {old_key} still exists, and both are kept: run `mfatui rotate {profile}` to finish this rotation", trimmed(.why))]
    NotWrittenBack {
        /// Why it stopped.
        why: Box<Stop>,
        /// Why the old key could not be written back.
        error: Box<PutError>,
        /// The new key, masked.
        new_key: String,
        /// The old key, masked.
        old_key: String,
        /// The profile named.
        profile: String,
    },
}

/// The old key was retired while another program was writing the files: the new pair is
/// kept aside, and the sentence says where.
#[derive(Debug, Error)]
#[error("another program was writing the files when the old key {old_key} was {retired} ({now}), so mfatui wrote nothing over it: the new key {new_key} works and is kept in {} (readable only by you); put its lines in those places once that program is done, then run {again}", .pair.display())]
pub struct KeptAside {
    /// What each place names now.
    pub now: String,
    /// The new key, masked.
    pub new_key: String,
    /// The old key, masked.
    pub old_key: String,
    /// `deleted`, `deactivated`, or `to be retired` (the call failed).
    pub retired: &'static str,
    /// The file holding the new pair.
    pub pair: std::path::PathBuf,
    /// The command that finishes the rotation.
    pub again: String,
}

/// Why a rotation stopped after the new key was made (and is undone).
#[derive(Debug, Error)]
pub enum Stop {
    /// The journal could not record the new key.
    #[error(transparent)]
    Journal(#[from] JournalError),
    /// A fault injected for a test.
    #[error("{0}")]
    Fault(std::io::Error),
    /// A signal arrived, or the user cancelled.
    #[error("interrupted")]
    Interrupted,
    /// The new key could not be written.
    #[error(transparent)]
    Put(#[from] PutError),
    /// The new key did not prove to work.
    #[error(transparent)]
    Verify(#[from] VerifyError),
    /// Another program rewrote the files after the new key was written (an editor saving
    /// a buffer it read before): they no longer name it.
    #[error("another program rewrote the files after mfatui wrote the new key, and they no longer name it")]
    Overwritten,
}

/// `why` as the start of a longer sentence: without its full stop (an AWS error ends with one).
fn trimmed(why: &Stop) -> String {
    why.to_string().trim_end_matches('.').to_owned()
}

/// The end of the sentence of an undone rotation.
fn undone_words(why: &Stop, written_back: bool) -> String {
    match why {
        Stop::Overwritten => "; the new key was deleted again and the old one kept".to_owned(),
        _ => format!(
            "{}; the new key was deleted again and the file is unchanged",
            back_words(written_back)
        ),
    }
}

/// The words saying the old key was written back, when it was.
fn back_words(done: bool) -> &'static str {
    if done {
        "; the old key was written back"
    } else {
        ""
    }
}

/// Why a key (the new one, or the old one put back) could not be written where the old one is.
#[derive(Debug, Error)]
pub enum PutError {
    /// The keyring did not store it.
    #[error(transparent)]
    Keyring(#[from] KeyringError),
    /// A fault injected for a test.
    #[error("{0}")]
    Fault(std::io::Error),
    /// The files could not be read again.
    #[error(transparent)]
    Load(#[from] LoadError),
    /// The change cannot be planned.
    #[error(transparent)]
    Edit(#[from] EditError),
    /// The files could not be written.
    #[error(transparent)]
    Write(#[from] WriteError),
    /// A place names no key (another program is saving its file): nothing was written over it.
    #[error("another program is writing the files ({0}); nothing was written over them")]
    BeingWritten(String),
}

/// Why the new key was not proven to work.
#[derive(Debug, Error)]
pub enum VerifyError {
    /// It answers as another identity.
    #[error("the new key answers as {seen}, not {arn}")]
    OtherIdentity {
        /// The ARN it answered as.
        seen: String,
        /// The user's ARN.
        arn: String,
    },
    /// The run was interrupted while waiting.
    #[error("interrupted")]
    Interrupted,
    /// It did not work in time.
    #[error("the new key did not work within {secs} s: {why}")]
    NotWorking {
        /// How long it was tried.
        secs: u64,
        /// The last failure.
        why: Attempt,
    },
}

/// One failed try of the new key.
#[derive(Debug, Error)]
pub enum Attempt {
    /// A fault injected for a test.
    #[error("{0}")]
    Fault(std::io::Error),
    /// The call failed.
    #[error(transparent)]
    Aws(#[from] AwsError),
}

/// Everything decided before anything changes in IAM.
#[derive(Clone, Debug)]
pub struct Prepared {
    /// The profile named.
    pub profile: String,
    /// Every section holding the key, the profile's own first.
    pub places: Vec<KeyPlace>,
    /// The IAM user.
    pub user: String,
    /// The user's ARN.
    pub arn: String,
    /// The current key pair.
    pub old: Credentials,
    /// Where to call.
    pub site: CallSite,
    /// What the IAM calls are made with (the MFA session, or the key).
    pub iam: Credentials,
    /// What an earlier, interrupted rotation left behind and what was done about it.
    pub recovered: Option<Recovered>,
    /// Held until the rotation ends: no other rotation of this user's key meanwhile.
    _lock: std::sync::Arc<super::journal::RotationLock>,
}

impl Prepared {
    /// The old key id, masked.
    pub fn old_key(&self) -> String {
        key_suffix(&self.old.access_key_id).to_string()
    }

    /// `[dev] in the credentials file` (and the other places holding the same key).
    pub fn places_text(&self) -> String {
        let all: Vec<String> = self.places.iter().map(KeyPlace::describe).collect();
        all.join(", ")
    }
}

/// The old key could not be retired once the new one was in place: the rotation did its
/// work, and this is said after it.
#[derive(Clone, Debug, Error)]
#[error("the new key works and is in the file, but the old key {old_key} could not be {}: {cause}", if *.keep_old { "deactivated" } else { "deleted" })]
pub struct RetireError {
    /// The old key id, masked.
    pub old_key: Name,
    /// Whether it was to be deactivated (else deleted).
    pub keep_old: bool,
    /// IAM's answer.
    pub cause: AwsError,
}

/// What a rotation did.
#[derive(Clone, Debug)]
pub struct Rotated {
    /// The profile whose key was rotated.
    pub profile: String,
    /// The IAM user.
    pub user: String,
    /// The old key id, masked.
    pub old_key: String,
    /// The new key id, masked.
    pub new_key: String,
    /// What was written.
    pub written: Vec<Written>,
    /// A problem after the new key was in place (the old key could not be retired).
    pub warning: Option<RetireError>,
    /// Other file sets whose markers name the old key's keyring entry (their files): their
    /// entry is kept, but the key it holds is deleted in IAM.
    pub shared: Vec<String>,
    /// The old key id, in full (what `keyring forget --key-id` takes; not a secret).
    pub old_key_id: String,
}

/// Looks at the profile's key, its IAM user and keys, and gets the IAM credentials (an MFA
/// session from `codes` when one is needed): nothing changes in IAM or the files, except
/// finishing or rolling back a rotation of this profile that was killed outright.
pub async fn prepare(
    renewer: &Renewer<'_>,
    name: &str,
    codes: &mut dyn CodeSource,
) -> Result<Prepared, RotateError> {
    let ctx = renewer.ctx;
    let snapshot = Snapshot::load(&ctx.paths, &ctx.naming())?;
    let places = places(&snapshot, name)?;
    let place = places[0].clone();
    // A rotation that deleted the old key while another program was writing the files kept
    // the new pair aside: until the files name it, there is nothing to rotate with.
    let journal = journal_of(&ctx.paths, &place);
    if let Some(entry) = journal
        .read()
        .filter(|e| e.profile == *place.profile && e.finishing)
        .filter(|e| e.new_key_id.as_deref() != Some(place.access_key_id.as_str()))
    {
        if journal.pair_path().exists() {
            return Err(RotateError::StillAside {
                profile: name.to_owned(),
                new_key: key_suffix(entry.new_key_id.as_deref().unwrap_or_default()).to_string(),
                pair: journal.pair_path(),
            });
        }
        // Its pair was taken away by the user: the files say which key is in use.
        journal.remove();
    }
    let old = match keys_at(snapshot.map(), &place) {
        Some(Keys::Here(c)) => c,
        Some(Keys::Keyring {
            profile,
            access_key_id,
        }) => from_keyring(renewer, &snapshot, &place, &profile, &access_key_id)?,
        None => return Err(RotateError::NoKeys(name.to_owned())),
    };
    let opts = crate::renew::plan::RenewOptions::of(ctx, name, ctx.now());
    let site = site_for(snapshot.map(), snapshot.map().profile(name), &opts);
    let has_mfa = snapshot.profile(name).is_some_and(|p| p.mfa.is_some())
        || snapshot
            .profile(&place.profile)
            .is_some_and(|p| p.mfa.is_some());
    let iam = if has_mfa {
        let want = Want {
            purpose: Use::Reuse,
            duration: None,
            mode: None,
        };
        renewer
            .ensure(name, &want, codes)
            .await?
            .session
            .credentials
    } else {
        old.clone()
    };
    let api = renewer.api;
    // GetCallerIdentity needs no permission (no policy can deny it): the key names its user.
    let identity = api.caller_identity(&site, &old).await?;
    let user = identity
        .user_name()
        .ok_or_else(|| RotateError::NotUser {
            profile: place.profile.to_string(),
            arn: identity.arn.clone(),
        })?
        .to_owned();
    // One rotation of the user's key at a time: its journal is then that of a run that
    // ended (killed), never of one still under way.
    let lock = super::journal::lock_rotation(&ctx.paths.credentials, &identity.arn)
        .map_err(|source| JournalError::Dir {
            dir: crate::awsfiles::backup::lock_dir(&ctx.paths.credentials),
            source,
        })?
        .ok_or_else(|| RotateError::UnderWay(name.to_owned()))?;
    let recovered = match journal
        .read()
        .filter(|entry| entry.profile == *place.profile)
    {
        Some(entry) => {
            let said = recover(api, &site, &iam, &old, &entry).await?;
            // The keyring entry of the key that run retired (or never put in use) names a
            // deleted key: removed where the keyring answers.
            let unused = if entry.new_key_id.as_deref() == Some(old.access_key_id.as_str()) {
                Some(entry.old_key_id.clone())
            } else {
                entry
                    .new_key_id
                    .clone()
                    .filter(|id| *id != old.access_key_id)
            };
            if let Some(id) = unused.filter(|_| place.store == KeyStore::Keyring) {
                drop_entry(renewer, &place.profile, &id);
            }
            Some(said)
        }
        None => None,
    };
    journal.remove();
    // A rotation just finished is the one asked for: nothing more is checked or done.
    let finished = recovered.as_ref().is_some_and(|r| r.finished);
    let keys = if finished {
        Vec::new()
    } else {
        api.list_access_keys(&site, &iam, &user).await?
    };
    if keys.len() >= 2 {
        let keys: Vec<String> = keys.iter().map(|k| key_suffix(&k.id).to_string()).collect();
        return Err(RotateError::TwoKeys { user, keys });
    }
    Ok(Prepared {
        profile: name.to_owned(),
        places,
        user,
        arn: identity.arn,
        old,
        site,
        iam,
        recovered,
        _lock: std::sync::Arc::new(lock),
    })
}

/// The pair of a key kept in the OS keyring (entries are named by profile and key id, so a
/// rotation's new key never replaces the old one's entry). When the entry of the key the file
/// names is missing but the journal names a new key whose entry exists (an earlier mfatui kept
/// one entry per profile, and a rotation was killed between storing its new key and naming it
/// in the file), the file is made to name it (the rotation is then finished as usual).
fn from_keyring(
    renewer: &Renewer<'_>,
    snapshot: &Snapshot,
    place: &KeyPlace,
    profile: &str,
    on_file: &str,
) -> Result<Credentials, RotateError> {
    let missing = match renewer.keyring.load(profile, on_file) {
        Ok(stored) if stored.access_key_id == on_file => return Ok(stored),
        Ok(stored) => {
            return Err(mismatch(profile, &stored.access_key_id, on_file).into());
        }
        Err(e) => e,
    };
    let journal = journal_of(&renewer.ctx.paths, place);
    let new_id = journal
        .read()
        .filter(|e| e.old_key_id == on_file)
        .and_then(|e| e.new_key_id);
    let Some(stored) = new_id.and_then(|id| renewer.keyring.load(profile, &id).ok()) else {
        return Err(missing.into());
    };
    let plan = write_plan(snapshot, std::slice::from_ref(place), &stored)?;
    commit(&plan, &renewer.ctx.write_options(OnChange::Merge))?;
    Ok(stored)
}

/// Deletes `profile`'s keyring entry of the key `id`, deleted in IAM — unless another file
/// set's marker names it (that set is told, and `keyring forget` removes it): returns those
/// files. The same for a rotation that ends and one finished by the next run (attack round
/// 14, R14b-7).
fn drop_entry(renewer: &Renewer<'_>, profile: &str, id: &str) -> Vec<String> {
    let ours = [
        crate::keys::custody::marker_file(renewer.ctx, FileKind::Config),
        crate::keys::custody::marker_file(renewer.ctx, FileKind::Credentials),
    ];
    let names = |f: &str| !ours.iter().any(|o| o == f) && crate::keys::custody::names_key(f, id);
    match renewer.keyring.users(profile, id, &names) {
        Ok(others) if others.is_empty() => {
            let _ = renewer.keyring.delete(profile, id);
            Vec::new()
        }
        Ok(others) => others,
        Err(_) => Vec::new(),
    }
}

/// The command that finishes a rotation of `profile` (with `--keep-old` when it was asked).
fn again(ctx: &crate::context::Context, profile: &str, keep_old: bool) -> String {
    if keep_old {
        ctx.command(&["rotate", profile, "--keep-old"])
    } else {
        ctx.command(&["rotate", profile])
    }
}

/// How long after a rotation started a key it made can have been created (its calls'
/// timeouts are far shorter), in seconds.
const CREATE_WINDOW: i64 = 120;

/// What the run that found an interrupted rotation's journal did about it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Recovered {
    /// What it found and did, one sentence.
    pub note: String,
    /// Whether that rotation is now complete (its new key works and is in place, the old one
    /// retired): the rotation asked for has happened, and this run rotates no further — a
    /// second one at once changed the key twice, and after `--keep-old` met IAM's two-key
    /// limit (attack round 14d).
    pub finished: bool,
}

/// Finishes or rolls back a rotation that was killed outright, from its journal entry.
async fn recover(
    api: &dyn AwsApi,
    site: &CallSite,
    iam: &Credentials,
    on_file: &Credentials,
    entry: &Entry,
) -> Result<Recovered, RotateError> {
    let undone = |note: String| Recovered {
        note,
        finished: false,
    };
    let keys = api.list_access_keys(site, iam, &entry.user).await?;
    if on_file.access_key_id == entry.old_key_id {
        // The file still holds the old key: any key made by that run is useless (its secret
        // was never stored): delete it.
        let orphans: Vec<String> = keys
            .iter()
            .filter(|k| k.id != entry.old_key_id)
            .filter(|k| {
                Some(&k.id) == entry.new_key_id.as_ref()
                    // With no id recorded (cut off during `CreateAccessKey`), only a key made
                    // while that call could still run: never one made later, by hand or for CI
                    // (attack round 14, R14b-6).
                    || (entry.new_key_id.is_none()
                        && k.created.is_some_and(|c| {
                            c >= entry.started - chrono::Duration::seconds(5)
                                && c <= entry.started + chrono::Duration::seconds(CREATE_WINDOW)
                        }))
            })
            .map(|k| k.id.clone())
            .collect();
        for id in &orphans {
            api.retire_access_key(site, iam, &entry.user, id, false)
                .await?;
        }
        return Ok(undone(if orphans.is_empty() {
            "an earlier rotation was interrupted before it created a key; nothing to undo"
                .to_owned()
        } else {
            format!(
                "an earlier rotation was interrupted: its new key {} (never named in the files) was deleted",
                orphans
                    .iter()
                    .map(|k| key_suffix(k).to_string())
                    .collect::<Vec<_>>()
                    .join(", ")
            )
        }));
    }
    if Some(&on_file.access_key_id) == entry.new_key_id.as_ref() {
        // The file holds the new key: finish by retiring the old one, if the new one works.
        api.caller_identity(site, on_file).await?;
        // As that rotation was asked: `--keep-old` deactivates (attack round 14, R14b-1).
        let old = keys.iter().find(|k| k.id == entry.old_key_id);
        if old.is_some_and(|k| k.active || !entry.keep_old) {
            api.retire_access_key(site, iam, &entry.user, &entry.old_key_id, entry.keep_old)
                .await?;
        }
        return Ok(Recovered {
            note: format!(
                "an earlier rotation was interrupted after writing the new key {}: it works, and the old key {} was {}",
                key_suffix(&on_file.access_key_id),
                key_suffix(&entry.old_key_id),
                if entry.keep_old { "deactivated" } else { "deleted" }
            ),
            finished: true,
        });
    }
    Ok(undone(
        "an earlier rotation's record did not match the key on file; it was discarded".to_owned(),
    ))
}

/// The write a rotation makes: the new pair in every place that holds the old one.
pub fn write_plan(
    snapshot: &Snapshot,
    places: &[KeyPlace],
    new: &Credentials,
) -> Result<Plan, EditError> {
    let mut plan = Plan::default();
    for place in places {
        let file = match place.file {
            FileKind::Credentials => &snapshot.files().credentials,
            FileKind::Config => &snapshot.files().config,
        };
        let set = |key: &str, value: &str| Edit::Set {
            section: place.section.to_string(),
            key: key.to_owned(),
            value: value.to_owned(),
        };
        let edits = match place.store {
            // The secret goes to the keyring; the file names the new key id.
            KeyStore::Keyring => vec![set(KEYRING_MARKER, &new.access_key_id)],
            KeyStore::File(_) => vec![
                set("aws_access_key_id", &new.access_key_id),
                set("aws_secret_access_key", new.secret_access_key.expose()),
            ],
        };
        plan.edit(file, edits)?;
    }
    Ok(plan)
}

/// The new pair in the lines each place of the rotation takes: the copy kept in the private
/// backup folder while the old key is retired.
fn pair_text(
    paths: &crate::awsfiles::AwsPaths,
    places: &[KeyPlace],
    new: &Credentials,
    again: &str,
) -> String {
    let mut text = format!(
        "# The new access key of a rotation, in the lines each place that held the old key takes:\n\
         # put them there, then run `{again}` (it removes this file).\n"
    );
    for place in places {
        // The file by its path: another file set may have a section of the same name.
        let file = match place.file {
            FileKind::Config => &paths.config,
            FileKind::Credentials => &paths.credentials,
        };
        text.push_str(&format!(
            "\n# [{}] in {}{}\n[{}]\n",
            place.section,
            file.display(),
            if place.store == KeyStore::Keyring {
                " (the secret is in the OS keyring)"
            } else {
                ""
            },
            place.section
        ));
        match place.store {
            KeyStore::Keyring => {
                text.push_str(&format!("{KEYRING_MARKER} = {}\n", new.access_key_id));
            }
            KeyStore::File(_) => text.push_str(&format!(
                "aws_access_key_id = {}\naws_secret_access_key = {}\n",
                new.access_key_id,
                new.secret_access_key.expose()
            )),
        }
    }
    text
}

/// The key id each place of a rotation names now (`None` for a section or key that is gone);
/// `None` when the files cannot be read.
fn names_at(ctx: &crate::context::Context, places: &[KeyPlace]) -> Option<Vec<Option<String>>> {
    let files = crate::awsfiles::AwsFiles::load(&ctx.paths).ok()?;
    // Only the files holding places are read: a config file being saved says nothing about a
    // key in the credentials file (attack round 13, R13-7).
    let parsed = |kind: FileKind| -> Option<Option<_>> {
        let file = match kind {
            FileKind::Config => &files.config,
            FileKind::Credentials => &files.credentials,
        };
        if !places.iter().any(|p| p.file == kind) {
            return Some(None);
        }
        Some(Some(file.document.structure().ok()?))
    };
    let (config, credentials) = (parsed(FileKind::Config)?, parsed(FileKind::Credentials)?);
    let named = places
        .iter()
        .map(|place| {
            let structure = match place.file {
                FileKind::Config => config.as_ref()?,
                FileKind::Credentials => credentials.as_ref()?,
            };
            let key = match place.store {
                KeyStore::Keyring => KEYRING_MARKER,
                KeyStore::File(_) => "aws_access_key_id",
            };
            structure.value(&place.section, key).map(str::to_owned)
        })
        .collect();
    Some(named)
}

/// [`names_at`], once every place names a key, waiting up to 2 s for a file another program
/// is saving (emptied, half written): what the places name then.
fn names_settled(
    ctx: &crate::context::Context,
    places: &[KeyPlace],
) -> Option<Vec<Option<String>>> {
    let mut named = names_at(ctx, places);
    for _ in 0..10 {
        if named
            .as_ref()
            .is_some_and(|n| n.iter().all(Option::is_some))
        {
            break;
        }
        std::thread::sleep(Duration::from_millis(200));
        named = names_at(ctx, places);
    }
    named
}

/// Whether the places may name `id` now: one of them does, or the files cannot be read (then
/// the old key must be written back before the new one may go).
fn may_name(ctx: &crate::context::Context, places: &[KeyPlace], id: &str) -> bool {
    names_at(ctx, places).is_none_or(|named| named.iter().any(|n| n.as_deref() == Some(id)))
}

/// What each place names, for a sentence: `[dev] in the credentials file names ****ABCD`.
fn describe(places: &[KeyPlace], named: Option<&[Option<String>]>) -> String {
    let Some(named) = named else {
        return "the files cannot be read".to_owned();
    };
    places
        .iter()
        .zip(named)
        .map(|(place, id)| {
            let what = id
                .as_deref()
                .map_or_else(|| "no key".to_owned(), |id| key_suffix(id).to_string());
            format!(
                "[{}] in the {} file names {what}",
                place.section,
                place.file.label()
            )
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// Where `name`'s key is (every copy of it), for a rotation: no call, no change.
pub fn places(snapshot: &Snapshot, name: &str) -> Result<Vec<KeyPlace>, RotateError> {
    if snapshot.profile(name).is_none() {
        return Err(RotateError::NoProfile(name.to_owned()));
    }
    let place = snapshot
        .layout_of(name)
        .keys
        .clone()
        .ok_or_else(|| RotateError::NoKeys(name.to_owned()))?;
    let all = copies(snapshot, &place);
    if let Some(p) = all.iter().find(|p| p.inherited(snapshot.files())) {
        return Err(RotateError::FromDefault {
            profile: p.profile.to_string(),
            file: p.file.label(),
        });
    }
    Ok(all)
}

/// The change a rotation of the key at `places` will make, with a placeholder for the key IAM
/// has not made yet: shown before anything is created.
pub fn preview(snapshot: &Snapshot, places: &[KeyPlace]) -> Result<Plan, EditError> {
    let placeholder = Credentials {
        access_key_id: "AKIA-NEW-KEY-FROM-IAM".to_owned(),
        secret_access_key: Secret::new("new-secret-from-iam"),
        session_token: None,
        expiration: None,
    };
    write_plan(snapshot, places, &placeholder)
}

/// The journal of a rotation of the key at `place`: beside the credentials file, one per file
/// set when the key (or its marker) is in a config file.
fn journal_of(paths: &AwsPaths, place: &KeyPlace) -> Journal {
    let config = (place.file == FileKind::Config).then_some(paths.config.as_path());
    Journal::of(&paths.credentials, config, &place.profile)
}

/// Creates the new key, writes it, verifies it and retires the old one. `interrupted` is
/// asked between steps (a signal arrived, the user cancelled); `progress` hears each step.
pub async fn execute(
    renewer: &Renewer<'_>,
    prepared: &Prepared,
    keep_old: bool,
    interrupted: &(dyn Fn() -> bool + Sync),
    progress: &mut (dyn FnMut(&str) + Send),
) -> Result<Rotated, RotateError> {
    let ctx = renewer.ctx;
    let api = renewer.api;
    let (site, iam, user) = (&prepared.site, &prepared.iam, prepared.user.as_str());
    let old_id = prepared.old.access_key_id.clone();
    let owner = prepared.places[0].profile.to_string();
    let journal = journal_of(&ctx.paths, &prepared.places[0]);
    let mut entry = Entry {
        profile: owner,
        user: user.to_owned(),
        old_key_id: old_id.clone(),
        new_key_id: None,
        finishing: false,
        keep_old,
        started: Utc::now(),
    };
    // Under the keyring lock, which `keyring store` and `restore` hold while they move the
    // key: the key is still where the preview saw it, and from the journal on they refuse to
    // move it until the rotation is over (attack round 10, R10-4).
    crate::keys::custody::with_entry_lock(ctx, || -> Result<(), RotateError> {
        let snapshot = Snapshot::load(&ctx.paths, &ctx.naming())?;
        if places(&snapshot, &prepared.profile).ok().as_ref() != Some(&prepared.places) {
            return Err(RotateError::Moved(prepared.profile.clone()));
        }
        Ok(journal.write(&entry)?)
    })?;
    progress(&format!(
        "Creating a new access key for the IAM user {user}…"
    ));
    let new = match api.create_access_key(site, iam, user).await {
        Ok(new) => new,
        Err(e) => {
            journal.remove();
            return Err(e.into());
        }
    };
    let (new_ref, journal_ref, old_ref) = (&new, &journal, &old_id);
    // Deletes the new key, once `why` stopped the rotation (`written_back`: the file held the
    // new key, and the old one was written back).
    let undo_create = |why: Stop, written_back: bool| async move {
        let why = Box::new(why);
        let (new, journal) = (new_ref, journal_ref);
        match api
            .retire_access_key(site, iam, user, &new.access_key_id, false)
            .await
        {
            Ok(()) => {
                journal.remove();
                // The new key's keyring entries name a deleted key: removed where the keyring
                // answers (harmless where it does not: the file never names them).
                for place in prepared
                    .places
                    .iter()
                    .filter(|p| p.store == KeyStore::Keyring)
                {
                    let _ = renewer.keyring.delete(&place.profile, &new.access_key_id);
                }
                RotateError::Undone { why, written_back }
            }
            Err(error) => RotateError::NotDeleted {
                why,
                written_back,
                new_key: key_suffix(&new.access_key_id).to_string(),
                error,
            },
        }
    };
    entry.new_key_id = Some(new.access_key_id.clone());
    if let Err(e) = journal.write(&entry) {
        return Err(undo_create(e.into(), false).await);
    }
    if let Err(e) = fault::point(Step::RotateAfterCreate) {
        return Err(undo_create(Stop::Fault(e), false).await);
    }
    if interrupted() {
        return Err(undo_create(Stop::Interrupted, false).await);
    }
    let write = |creds: &Credentials| -> Result<Vec<Written>, PutError> {
        // A key kept in the keyring is stored (and read back) before the file names it.
        let in_keyring: Vec<&KeyPlace> = prepared
            .places
            .iter()
            .filter(|p| p.store == KeyStore::Keyring)
            .collect();
        // The old key's entries were never touched: only a new key is stored.
        if creds.access_key_id != prepared.old.access_key_id {
            for place in &in_keyring {
                renewer.keyring.store(&place.profile, creds)?;
                // Recorded for this file set, as `keyring store` records it: another set's
                // `keyring forget` then refuses it (attack round 14, R14b-5).
                let file = crate::keys::custody::marker_file(ctx, place.file);
                renewer.keyring.add_user(&place.profile, creds, &file)?;
            }
            if !in_keyring.is_empty() {
                fault::point(Step::RotateAfterKeyring).map_err(PutError::Fault)?;
            }
        }
        // A place that names no key now is a file another program is saving (emptied, half
        // written): waited for (2 s), never written over — here the undo too (attack round 14,
        // R14b-3, R14b-4).
        let named = names_settled(ctx, &prepared.places);
        if !named
            .as_ref()
            .is_some_and(|n| n.iter().all(Option::is_some))
        {
            return Err(PutError::BeingWritten(describe(
                &prepared.places,
                named.as_deref(),
            )));
        }
        let snapshot = Snapshot::load(&ctx.paths, &ctx.naming())?;
        let plan = write_plan(&snapshot, &prepared.places, creds)?;
        Ok(commit(&plan, &ctx.write_options(OnChange::Merge))?)
    };
    // Once a file holds the new key, undoing means writing the old one back first.
    let undo_write = |why: Stop| async move {
        let (new, old_id) = (new_ref, old_ref);
        match write(&prepared.old) {
            Ok(_) => undo_create(why, true).await,
            Err(error) => RotateError::NotWrittenBack {
                why: Box::new(why),
                error: Box::new(error),
                new_key: key_suffix(&new.access_key_id).to_string(),
                old_key: key_suffix(old_id).to_string(),
                profile: prepared.profile.clone(),
            },
        }
    };
    let written = match write(new_ref) {
        Ok(written) => written,
        // A write can fail after a file took the new key (the folder's sync after the rename,
        // the second of two files): what the files hold decides, never the error's kind.
        Err(e) if may_name(ctx, &prepared.places, &new.access_key_id) => {
            return Err(undo_write(e.into()).await)
        }
        Err(e) => return Err(undo_create(e.into(), false).await),
    };
    if let Err(e) = fault::point(Step::RotateAfterWrite) {
        return Err(undo_write(Stop::Fault(e)).await);
    }
    if interrupted() {
        return Err(undo_write(Stop::Interrupted).await);
    }
    progress("Checking that the new key works (IAM may take a few seconds)…");
    if let Err(why) = verify(
        api,
        site,
        &new,
        &prepared.arn,
        ctx.timeouts.rotate_verify,
        interrupted,
    )
    .await
    {
        return Err(undo_write(why.into()).await);
    }
    // A program that read the files before the write and saves them after it (an editor's
    // buffer, a tool's read-modify-write) may have put the old key back (attack round 10,
    // R10-1), or be half-way through writing (round 11). The old key goes only when every
    // place names the new one; when every place names the old one again, the new one goes;
    // anything else (one place each, a file being written) keeps both, with the journal.
    let mut named = names_at(ctx, &prepared.places);
    for _ in 0..10 {
        let all = |id: &str| {
            named
                .as_ref()
                .is_some_and(|n| n.iter().all(|n| n.as_deref() == Some(id)))
        };
        if all(&new.access_key_id) {
            break;
        }
        if all(&old_id) {
            return Err(undo_create(Stop::Overwritten, false).await);
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
        named = names_at(ctx, &prepared.places);
    }
    if !named.as_ref().is_some_and(|n| {
        n.iter()
            .all(|n| n.as_deref() == Some(new.access_key_id.as_str()))
    }) {
        return Err(RotateError::Unsettled {
            profile: prepared.profile.clone(),
            now: describe(&prepared.places, named.as_deref()),
            new_key: key_suffix(&new.access_key_id).to_string(),
            old_key: key_suffix(&old_id).to_string(),
            again: again(ctx, &prepared.profile, keep_old),
        });
    }
    // From here the rotation only goes forward. Its new pair is kept in the private backup
    // folder first: a program writing the files when the old key goes is never written over
    // (attack round 13, R13-3), so that copy may be the only one for a while.
    entry.finishing = true;
    let kept = journal
        .keep_pair(&pair_text(
            &ctx.paths,
            &prepared.places,
            &new,
            &again(ctx, &prepared.profile, keep_old),
        ))
        .and_then(|()| journal.write(&entry));
    if let Err(error) = kept {
        return Err(RotateError::NotKept {
            error: Box::new(error),
            new_key: key_suffix(&new.access_key_id).to_string(),
            old_key: key_suffix(&old_id).to_string(),
            again: again(ctx, &prepared.profile, keep_old),
        });
    }
    // Verified: finishing (one call) is the quickest way back to one key, interrupted or not.
    let _ = fault::point(Step::RotateBeforeRetire);
    progress(&format!(
        "{} the old key {}…",
        if keep_old { "Deactivating" } else { "Deleting" },
        key_suffix(&old_id)
    ));
    let warning = api
        .retire_access_key(site, iam, user, &old_id, keep_old)
        .await
        .err()
        .map(|cause| RetireError {
            old_key: key_suffix(&old_id),
            keep_old,
            cause,
        });
    // A program that saved an older buffer between the look above and the deletion (attack
    // round 11), or is half-way through writing (rounds 12 and 13), is not written over: once
    // every place names a key again (2 s at most), the rotation is over if they all name the
    // new one; otherwise the new pair stays where it was kept, with the journal, for the user
    // to put in place when that program is done.
    let named = names_settled(ctx, &prepared.places);
    let all_new = named.as_ref().is_some_and(|n| {
        n.iter()
            .all(|id| id.as_deref() == Some(new.access_key_id.as_str()))
    });
    if !all_new {
        return Err(RotateError::KeptAside(Box::new(KeptAside {
            now: describe(&prepared.places, named.as_deref()),
            new_key: key_suffix(&new.access_key_id).to_string(),
            old_key: key_suffix(&old_id).to_string(),
            retired: match (&warning, keep_old) {
                (Some(_), _) => "to be retired",
                (None, true) => "deactivated",
                (None, false) => "deleted",
            },
            pair: journal.pair_path(),
            again: again(ctx, &prepared.profile, keep_old),
        })));
    }
    journal.remove();
    let mut shared = Vec::new();
    if !keep_old && warning.is_none() {
        // The old key is deleted in IAM: its keyring entries are of no use here any more. One
        // another file set's marker names is kept (that set is told, and `keyring forget`
        // removes it): its user must put the new key there.
        for place in prepared
            .places
            .iter()
            .filter(|p| p.store == KeyStore::Keyring)
        {
            shared.extend(drop_entry(renewer, &place.profile, &old_id));
        }
        shared.sort();
        shared.dedup();
    }
    Ok(Rotated {
        profile: prepared.profile.clone(),
        user: user.to_owned(),
        old_key: key_suffix(&old_id).to_string(),
        new_key: key_suffix(&new.access_key_id).to_string(),
        written,
        warning,
        shared,
        old_key_id: old_id.clone(),
    })
}

/// `sts:GetCallerIdentity` with the new key until it answers as the same user, within `window`.
async fn verify(
    api: &dyn AwsApi,
    site: &CallSite,
    new: &Credentials,
    arn: &str,
    window: Duration,
    interrupted: &(dyn Fn() -> bool + Sync),
) -> Result<(), VerifyError> {
    let start = Instant::now();
    loop {
        let answer = match fault::point(Step::RotateVerify) {
            Err(e) => Err(Attempt::Fault(e)),
            Ok(()) => api.caller_identity(site, new).await.map_err(Attempt::from),
        };
        match answer {
            Ok(identity) if identity.arn == arn => return Ok(()),
            Ok(identity) => {
                return Err(VerifyError::OtherIdentity {
                    seen: identity.arn,
                    arn: arn.to_owned(),
                })
            }
            Err(_) if interrupted() => return Err(VerifyError::Interrupted),
            Err(why) if start.elapsed() >= window => {
                return Err(VerifyError::NotWorking {
                    secs: window.as_secs(),
                    why,
                })
            }
            Err(_) => tokio::time::sleep(Duration::from_secs(2)).await,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The typed rollbacks say the sentences the string-built ones did: the reason without
    /// its full stop, what was undone, what is left to do.
    #[test]
    fn an_undone_rotation_says_why_and_what_was_undone() {
        let undone = RotateError::Undone {
            why: Box::new(Stop::Interrupted),
            written_back: true,
        };
        assert_eq!(
            undone.to_string(),
            "interrupted; the old key was written back; the new key was deleted again and the file is unchanged"
        );
        let slow = Stop::Verify(VerifyError::NotWorking {
            secs: 30,
            why: Attempt::Fault(std::io::Error::other("injected.")),
        });
        let kept = RotateError::NotWrittenBack {
            why: Box::new(slow),
            error: Box::new(PutError::Fault(std::io::Error::other("disk full"))),
            new_key: "…NEW1".into(),
            old_key: "…OLD1".into(),
            profile: "dev".into(),
        };
        assert_eq!(
            kept.to_string(),
            "the new key did not work within 30 s: injected, and writing the old key back failed (disk full): the file holds the new key …NEW1, which may not work yet; the old key …OLD1 still exists, and both are kept: run `mfatui rotate dev` to finish this rotation"
        );
        let two = RotateError::TwoKeys {
            user: "alice".into(),
            keys: vec!["…AAAA".into(), "…BBBB".into()],
        };
        assert_eq!(
            two.to_string(),
            "the IAM user alice already has two access keys (…AAAA, …BBBB), IAM's limit: delete the one you do not use, then rotate; nothing was changed"
        );
    }
}
