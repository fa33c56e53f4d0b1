//! Moving a profile's long-term key pair between the shared files and the OS keyring: the
//! file changes (the `mfatui_keyring` marker, mfatui's `credential_process`), the backups that
//! still hold the secret, and the ordered steps of a move, with no terminal I/O (the command
//! line and the TUI's dialog show them).
//!
//! A move into the keyring goes: the key checked with GetCallerIdentity (by the caller, which
//! shows the answer), the keyring written and read back, then the config file
//! (credential_process: harmless while the credentials file still holds the keys, which
//! botocore prefers), then the file that held the pair, then every backup that still holds
//! the secret is rewritten without it. A crash between two steps leaves a working key.

use crate::aws::Credentials;
use crate::awsfiles::backup::{self, Backup};
use crate::awsfiles::config_map::config_section_name;
use crate::awsfiles::fault::{self, Step};
use crate::awsfiles::layout::has_long_term_keys;
use crate::awsfiles::mask::mask_key_id;
use crate::awsfiles::profile::KEYRING_MARKER;
use crate::awsfiles::shlex::quote;
use crate::awsfiles::{
    commit, AwsFile, AwsFiles, ConfigMap, Edit, EditError, FileKind, KeyPlace, OnChange, Plan,
    Snapshot, Written,
};
use crate::context::Context;
use crate::renew::error::KeyringError;
use crate::renew::plan::{keys_at, Keys};
use crate::renew::service::KeyringAccess;
use std::ffi::OsStr;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use zeroize::Zeroizing;

/// A move of file keys into the keyring, planned and shown before anything changes.
#[derive(Debug)]
pub struct Move {
    /// Where the pair is now.
    pub place: KeyPlace,
    /// The pair.
    pub creds: Credentials,
    /// The file change (marker, credential_process).
    pub plan: Plan,
    /// The file that holds the pair.
    pub file_path: PathBuf,
    /// Every other section holding the same key (the same pair copied into several
    /// profiles), moved with it: each gets its marker and its own keyring entry.
    pub copies: Vec<KeyPlace>,
}

impl Move {
    /// Every section the move takes the pair out of, the profile's own first.
    pub fn places(&self) -> impl Iterator<Item = &KeyPlace> {
        std::iter::once(&self.place).chain(&self.copies)
    }
}

/// Why a pair could not be moved into the keyring: one sentence each, naming the profile
/// and saying what was (not) changed. Never holds a secret.
#[derive(Debug, thiserror::Error)]
pub enum CustodyError {
    /// No such profile.
    #[error("there is no profile named '{0}' in the AWS config or credentials file")]
    NoProfile(String),
    /// The profile holds no key pair in the files.
    #[error("'{profile}' holds no long-term access key in the AWS files, so there is nothing to move to the OS keyring (new keys go in with {add})")]
    NoKeys {
        /// The profile.
        profile: String,
        /// The command that adds keys to the keyring.
        add: String,
    },
    /// The pair is inherited from a `[DEFAULT]` section, which every profile reads.
    #[error("the key of '{profile}' is in the [DEFAULT] section of the {file} file, which every profile there inherits: move its two lines into [{section}] first (or into each profile that uses it), then try again; nothing was changed")]
    FromDefault {
        /// The profile.
        profile: String,
        /// Which file.
        file: &'static str,
        /// The profile's own section.
        section: String,
    },
    /// The profile has a pair in both files.
    #[error("'{0}' has an access key pair in both the credentials and the config file: remove the one you do not use, then try again; nothing was changed")]
    InBothFiles(String),
    /// The change to the files cannot be planned.
    #[error(transparent)]
    Edit(#[from] EditError),
    /// A rotation holds the key (under way, or stopped and not finished).
    #[error("a rotation of '{profile}' holds this key (under way, or stopped before it finished): let it end, or finish it with {again}, then store; nothing was changed")]
    Rotating {
        /// The profile the rotation is of.
        profile: String,
        /// The command that finishes it.
        again: String,
    },
    /// The keyring entries were not written (or the lock around them not had).
    #[error("{0} (the files were not changed)")]
    NotStored(EntryError),
    /// A fault injected for a test.
    #[error("{0}")]
    Fault(std::io::Error),
    /// The files were not written once the keyring held the pair.
    #[error("{source}; {}: run {again} again", if matches!(source, crate::awsfiles::WriteError::Io { after_rename: true, .. }) {
        "the file already names the OS keyring entry, which holds the key, and a backup still holds the secret"
    } else {
        "the key is still in the file and also in the OS keyring, which does no harm"
    })]
    NotWritten {
        /// Why.
        source: crate::awsfiles::WriteError,
        /// The command that finishes the move.
        again: String,
    },
    /// The entry was deleted while the files were written and could not be stored again.
    #[error("the OS keyring entry was deleted while the files were written, and storing it again failed ({source}); no backup was rewritten, so they still hold the key: `mfatui restore` puts one back")]
    GoneMeanwhile {
        /// Why storing it again failed.
        source: KeyringError,
    },
    /// The backups holding the secret could not be rewritten.
    #[error(transparent)]
    Backup(#[from] BackupError),
}

impl From<EntryError> for CustodyError {
    fn from(e: EntryError) -> Self {
        CustodyError::NotStored(e)
    }
}

/// Why a read-modify-write of keyring entries failed: the lock around it, or the keyring.
#[derive(Debug, thiserror::Error)]
pub enum EntryError {
    /// The lock file could not be made or taken.
    #[error("cannot take the keyring lock {} ({source}); nothing was changed", .path.display())]
    Lock {
        /// The lock file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// Another mfatui held the lock too long.
    #[error("another mfatui has held the keyring lock {} for {secs} s: let it finish, then try again; nothing was changed", .path.display())]
    Busy {
        /// The lock file.
        path: PathBuf,
        /// How long it waited.
        secs: u64,
    },
    /// The keyring call failed.
    #[error(transparent)]
    Keyring(#[from] KeyringError),
}

/// Where `store` starts from.
#[derive(Debug)]
pub enum Start {
    /// The pair is in the files: move it.
    Move(Box<Move>),
    /// The pair is already in the keyring (marker here): only backups may be left to rewrite.
    InKeyring(KeyPlace),
}

/// Plans moving the key pair `name` uses (its own or its aws-mfa partner's) into the keyring.
pub fn start_store(ctx: &Context, snapshot: &Snapshot, name: &str) -> Result<Start, CustodyError> {
    let (files, map) = (snapshot.files(), snapshot.map());
    if map.profile(name).is_none() {
        return Err(CustodyError::NoProfile(name.to_owned()));
    }
    let place = snapshot
        .layout_of(name)
        .keys
        .clone()
        .ok_or_else(|| CustodyError::NoKeys {
            profile: name.to_owned(),
            add: ctx.command(&["keyring", "add", name]),
        })?;
    let creds = match keys_at(map, &place) {
        Some(Keys::Here(creds)) => creds,
        _ => return Ok(Start::InKeyring(place)),
    };
    let holder = map.profile(&place.profile);
    if place.file == FileKind::Credentials
        && holder.is_some_and(|p| has_long_term_keys(p.config_only()))
    {
        return Err(CustodyError::InBothFiles(place.profile.to_string()));
    }
    // The same pair copied into other profiles moves too: a copy left in plain text would
    // defeat the move (as rotation, which rewrites every copy).
    let copies: Vec<KeyPlace> = super::copies(snapshot, &place)
        .into_iter()
        .skip(1)
        .filter(|c| matches!(keys_at(map, c), Some(Keys::Here(k)) if k.secret_access_key == creds.secret_access_key))
        .collect();
    // A pair read through `[DEFAULT]` is not in the profile's own section, where the move
    // edits: the secret would stay in the live file (attack round 14, R14b-8).
    for p in std::iter::once(&place).chain(&copies) {
        let inherited = p.inherited(files);
        if inherited {
            return Err(CustodyError::FromDefault {
                profile: p.profile.to_string(),
                file: p.file.label(),
                section: p.section.to_string(),
            });
        }
    }
    let mut plan = Plan::default();
    for p in std::iter::once(&place).chain(&copies) {
        add_process(
            &mut plan,
            files,
            map,
            &p.profile,
            &credential_process(ctx, &p.profile),
        )?;
    }
    for p in std::iter::once(&place).chain(&copies) {
        plan_store(&mut plan, files, p)?;
    }
    let file_path = file_of(files, place.file).path.clone();
    Ok(Start::Move(Box::new(Move {
        place,
        creds,
        plan,
        file_path,
        copies,
    })))
}

/// A step of [`store`] that is done.
#[derive(Debug)]
pub enum Progress {
    /// The keyring holds the pair (read back).
    InKeyring,
    /// The files are written.
    Written(Vec<Written>),
}

/// The file of this run's file set that holds (or will hold) a marker in `kind`, as keyring
/// entries record their users ([`crate::keys::keyring::file_id`]).
pub fn marker_file(ctx: &Context, kind: FileKind) -> String {
    crate::keys::keyring::file_id(match kind {
        FileKind::Config => &ctx.paths.config,
        FileKind::Credentials => &ctx.paths.credentials,
    })
}

/// Whether the file `file` (a recorded user of a keyring entry) still has a
/// `mfatui_keyring = KEY_ID` line: an unreadable or vanished file names nothing. Any section
/// counts, so an entry is kept rather than deleted when in doubt.
pub fn names_key(file: &str, access_key_id: &str) -> bool {
    marker_in(file, access_key_id) == Some(true)
}

/// What a recorded file of a keyring entry (profile `profile`, key `access_key_id`) says of
/// whether its file set still needs the entry.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Recorded {
    /// A marker there names the key: the file set takes its key from the entry.
    NamesKey,
    /// Done with it: a section of the file holds the pair itself, key id and secret
    /// (`keyring restore` put it back).
    DoneWith,
    /// The file is gone, unreadable, or mentions the key nowhere: it may have been moved with
    /// its marker, or another file set now stands at its path — one with a profile of the
    /// same name and a marker of its own looks exactly like a rotation here, so a marker
    /// naming another key does not count either. Whether the entry is still needed cannot
    /// be told.
    InDoubt,
}

/// What the recorded file `file` says of the entry holding `access_key_id` and `secret`
/// (`None`: the entry's secret is not known, so the pair cannot be found).
pub fn recorded_state(file: &str, access_key_id: &str, secret: Option<&str>) -> Recorded {
    let Ok(text) = crate::safe_fs::read_to_string(Path::new(file)) else {
        return Recorded::InDoubt;
    };
    if marker_names(&text, access_key_id) {
        return Recorded::NamesKey;
    }
    // Done with the entry only where a section botocore reads holds the very pair: a key id
    // alone (a template, a note, a continuation line) proves nothing.
    let Some(secret) = secret else {
        return Recorded::InDoubt;
    };
    let Ok(structure) = crate::awsfiles::syntax::read(&text) else {
        return Recorded::InDoubt;
    };
    let holds = structure.sections().any(|section| {
        let value = |key: &str| section.entry(key).map(|e| e.value.as_ref());
        value("aws_access_key_id") == Some(access_key_id)
            && value("aws_secret_access_key") == Some(secret)
    });
    if holds {
        Recorded::DoneWith
    } else {
        Recorded::InDoubt
    }
}

/// Whether a `mfatui_keyring = KEY_ID` line in `text` names `access_key_id`.
fn marker_names(text: &str, access_key_id: &str) -> bool {
    text.lines().any(|line| {
        line.split_once('=').is_some_and(|(key, value)| {
            key.trim() == KEYRING_MARKER && value.trim() == access_key_id
        })
    })
}

/// `Some(whether a marker in file names access_key_id)`, `None` when `file` cannot be read.
fn marker_in(file: &str, access_key_id: &str) -> Option<bool> {
    let text = crate::safe_fs::read_to_string(Path::new(file)).ok()?;
    Some(marker_names(&text, access_key_id))
}

/// Carries out `mv` (already checked with STS and confirmed): keyring, files, backups.
/// Returns the backups rewritten without the secret.
pub fn store(
    ctx: &Context,
    keyring: &dyn KeyringAccess,
    mv: &Move,
    progress: &mut dyn FnMut(Progress),
) -> Result<Vec<PathBuf>, CustodyError> {
    let name = &mv.place.profile;
    // One entry per profile that will carry the marker, each read back and recording this
    // file set as its user, before any file changes: another file set holding the same pair
    // shares the entry, and must be able to tell that this set's marker needs it. The TUI's
    // `V` and the command line both come through here. The lock is held until the marker is
    // in the files, so a `keyring forget` never sees the entry stored but not yet named.
    let written = with_entry_lock(ctx, || {
        // A rotation holding the key would write its new key in the file beside the marker
        // written here (round 10, R10-4): it ends first.
        let credentials = &ctx.paths.credentials;
        if let Some(profile) = super::journal::rotating(credentials, &mv.creds.access_key_id) {
            let again = ctx.command(&["rotate", &profile]);
            return Err(CustodyError::Rotating { profile, again });
        }
        for place in mv.places() {
            let file = marker_file(ctx, place.file);
            keyring
                .store(&place.profile, &mv.creds)
                .and_then(|()| keyring.add_user(&place.profile, &mv.creds, &file))
                .map_err(|e| CustodyError::NotStored(e.into()))?;
        }
        crate::diag!("keyring store {name}: keyring written and read back");
        progress(Progress::InKeyring);
        fault::point(Step::KeyringAfterStore).map_err(CustodyError::Fault)?;
        commit(&mv.plan, &ctx.write_options(OnChange::Merge)).map_err(|source| {
            CustodyError::NotWritten {
                source,
                again: ctx.command(&["keyring", "store", name]),
            }
        })
    })?;
    progress(Progress::Written(written));
    fault::point(Step::KeyringBeforeScrub).map_err(CustodyError::Fault)?;
    // The lock is per settings folder: a `forget` run with another one (a cron job's) may
    // have deleted the entry before the marker landed. The pair is still in hand, so it goes
    // back (read back again) before any backup loses the secret.
    for place in mv.places() {
        let held = keyring
            .load(&place.profile, &mv.creds.access_key_id)
            .is_ok_and(|c| c.secret_access_key == mv.creds.secret_access_key);
        if !held {
            let file = marker_file(ctx, place.file);
            keyring
                .store(&place.profile, &mv.creds)
                .and_then(|()| keyring.add_user(&place.profile, &mv.creds, &file))
                .map_err(|source| CustodyError::GoneMeanwhile { source })?;
        }
    }
    let sections: Vec<String> = mv.places().map(|p| p.section.to_string()).collect();
    Ok(scrub(ctx, &mv.creds, &sections)?)
}

/// How long a read-modify-write of a keyring entry waits for another mfatui doing one.
const ENTRY_LOCK_WAIT: std::time::Duration = std::time::Duration::from_secs(30);

/// Runs `job` (a read-modify-write of keyring entries: their lists of files) holding this
/// user's keyring lock, `keyring.lock` in mfatui's private settings folder: two file sets
/// storing the same pair at once would otherwise each write back a list without the other.
pub fn with_entry_lock<T, E: From<EntryError>>(
    ctx: &Context,
    job: impl FnOnce() -> Result<T, E>,
) -> Result<T, E> {
    let dir = ctx
        .settings_path
        .parent()
        .map_or_else(|| PathBuf::from("."), Path::to_path_buf);
    let path = dir.join("keyring.lock");
    let failed = |source: std::io::Error| EntryError::Lock {
        path: path.clone(),
        source,
    };
    backup::ensure_dir(&dir).map_err(failed)?;
    let file = backup::open_lock(&path).map_err(failed)?;
    if !crate::safe_fs::lock_blocking(&file, ENTRY_LOCK_WAIT).map_err(failed)? {
        return Err(EntryError::Busy {
            path,
            secs: ENTRY_LOCK_WAIT.as_secs(),
        }
        .into());
    }
    let done = job();
    let _ = file.unlock();
    done
}

/// The config-file section of profile `name`: the one it has, else the one botocore reads.
pub fn config_section(map: &ConfigMap, name: &str) -> String {
    map.profile(name)
        .and_then(|p| p.config_section)
        .map_or_else(|| config_section_name(name), str::to_owned)
}

/// One of the two loaded files.
fn file_of(files: &AwsFiles, kind: FileKind) -> &AwsFile {
    match kind {
        FileKind::Config => &files.config,
        FileKind::Credentials => &files.credentials,
    }
}

/// The `credential_process` value for `profile`. Plain `mfatui` when the `mfatui` found first
/// on `path_var` is this very binary: the line then survives upgrades that move the binary
/// (a Homebrew cellar, a reinstall); otherwise (not on PATH, or another mfatui is) the
/// absolute path of the running binary, the only one known to be this mfatui.
fn credential_process_for(path_var: Option<&OsStr>, exe: Option<&Path>, profile: &str) -> String {
    let on_path = path_var.and_then(|paths| {
        std::env::split_paths(paths)
            .filter(|dir| !dir.as_os_str().is_empty())
            .map(|dir| dir.join("mfatui"))
            .find(|candidate| {
                std::fs::metadata(candidate)
                    .is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
            })
    });
    let same = |a: &Path, b: &Path| match (std::fs::canonicalize(a), std::fs::canonicalize(b)) {
        (Ok(a), Ok(b)) => a == b,
        _ => false,
    };
    let program = match (exe, on_path) {
        (Some(exe), Some(found)) if same(exe, &found) => "mfatui".to_owned(),
        (Some(exe), _) => exe.to_str().map_or_else(|| "mfatui".to_owned(), quote),
        (None, _) => "mfatui".to_owned(),
    };
    format!("{program} credential-process {}", quote(profile))
}

/// [`credential_process_for`] this process, with the run's `PATH`.
pub fn credential_process(ctx: &Context, profile: &str) -> String {
    let exe = std::env::current_exe().ok();
    credential_process_for(ctx.env.get("PATH").map(OsStr::new), exe.as_deref(), profile)
}

/// Whether `value` is the `credential_process` mfatui writes for `profile` (any path to it).
pub fn is_ours(value: &str, profile: &str) -> bool {
    match crate::awsfiles::shlex::split(value).as_deref() {
        Some([program, command, named]) => {
            Path::new(program).file_name() == Some(OsStr::new("mfatui"))
                && command == "credential-process"
                && named == profile
        }
        _ => false,
    }
}

/// The edit that gives `profile` mfatui's `credential_process`, unless it has one.
fn add_process(
    plan: &mut Plan,
    files: &AwsFiles,
    map: &ConfigMap,
    profile: &str,
    command: &str,
) -> Result<(), EditError> {
    if map
        .profile(profile)
        .is_some_and(|p| p.has("credential_process"))
    {
        return Ok(());
    }
    plan.edit(
        &files.config,
        vec![Edit::Set {
            section: config_section(map, profile),
            key: "credential_process".to_owned(),
            value: command.to_owned(),
        }],
    )
}

/// Adds to `plan` the change that moves the pair at `place` out of its file (the config
/// file's `credential_process` is [`add_process`]'s, added first: a crash after it leaves the
/// keys in the credentials file, which botocore prefers to credential_process).
fn plan_store(plan: &mut Plan, files: &AwsFiles, place: &KeyPlace) -> Result<(), EditError> {
    let section = place.section.to_string();
    plan.edit(
        file_of(files, place.file),
        vec![
            Edit::Set {
                section: section.clone(),
                key: KEYRING_MARKER.to_owned(),
                value: place.access_key_id.to_string(),
            },
            Edit::Remove {
                section: section.clone(),
                key: "aws_secret_access_key".to_owned(),
            },
            Edit::Remove {
                section,
                key: "aws_access_key_id".to_owned(),
            },
        ],
    )
}

/// The change that puts `creds` back where `marker` is, and removes mfatui's
/// credential_process (so that config-file keys are used again: botocore prefers
/// credential_process to them).
pub fn plan_restore(
    files: &AwsFiles,
    map: &ConfigMap,
    marker: &KeyPlace,
    creds: &Credentials,
) -> Result<Plan, EditError> {
    let mut plan = Plan::default();
    let set = |key: &str, value: &str| Edit::Set {
        section: marker.section.to_string(),
        key: key.to_owned(),
        value: value.to_owned(),
    };
    plan.edit(
        file_of(files, marker.file),
        vec![
            set("aws_access_key_id", &creds.access_key_id),
            set("aws_secret_access_key", creds.secret_access_key.expose()),
            Edit::Remove {
                section: marker.section.to_string(),
                key: KEYRING_MARKER.to_owned(),
            },
        ],
    )?;
    let section = config_section(map, &marker.profile);
    let ours = files
        .config
        .document
        .structure()
        .ok()
        .and_then(|s| s.value(&section, "credential_process").map(str::to_owned))
        .is_some_and(|v| is_ours(&v, &marker.profile));
    if ours {
        plan.edit(
            &files.config,
            vec![Edit::Remove {
                section,
                key: "credential_process".to_owned(),
            }],
        )?;
    }
    Ok(plan)
}

/// The change `add` makes: the marker at `marker`, and credential_process when missing.
pub fn plan_add(
    files: &AwsFiles,
    map: &ConfigMap,
    marker: &KeyPlace,
    command: &str,
) -> Result<Plan, EditError> {
    let mut plan = Plan::default();
    add_process(&mut plan, files, map, &marker.profile, command)?;
    plan.edit(
        file_of(files, marker.file),
        vec![Edit::Set {
            section: marker.section.to_string(),
            key: KEYRING_MARKER.to_owned(),
            value: marker.access_key_id.to_string(),
        }],
    )?;
    Ok(plan)
}

/// The plan's masked diff, with the marker's key id masked like `aws_access_key_id` is.
pub fn masked_diff(plan: &Plan, key_id: &str) -> String {
    plan.diff().replace(key_id, &mask_key_id(key_id))
}

/// A line of a live file that still holds a secret after it moved to the keyring.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Stray {
    /// The file (as it is reached).
    pub path: PathBuf,
    /// 1-based line.
    pub line: usize,
}

/// The lines of the config and credentials files that hold `secret` anywhere — in a comment,
/// under a misspelt key, inside a `credential_process` command (attack round 14, R14-6) — or
/// name the key `key_id` other than as a key id or marker (the secret beside it may be
/// escaped: C-11): `keyring store` moves the key's own lines only, and names these for the
/// person to remove.
pub fn strays(ctx: &Context, secret: &str, key_id: &str) -> Vec<Stray> {
    if secret.is_empty() {
        return Vec::new();
    }
    let mut found = Vec::new();
    for path in [&ctx.paths.config, &ctx.paths.credentials] {
        let Ok(bytes) = crate::safe_fs::read(path) else {
            continue;
        };
        let text = String::from_utf8_lossy(&bytes);
        for (at, line) in text.lines().enumerate() {
            let key = line
                .split(['=', ':'])
                .next()
                .unwrap_or_default()
                .trim()
                .to_ascii_lowercase();
            let names_key = !key_id.is_empty()
                && line.contains(key_id)
                && key != "aws_access_key_id"
                && key != KEYRING_MARKER;
            // Read through the escapes a command line allows (D-4: `%2F`, `\/`, split quotes).
            let holds =
                line.contains(secret) || crate::awsfiles::mask::unescaped(line).contains(secret);
            if holds || names_key {
                found.push(Stray {
                    path: path.clone(),
                    line: at + 1,
                });
            }
        }
    }
    found
}

/// The config and credentials files that have other names (hard links) besides the one
/// mfatui reaches: a write replaces the file under this name only, and the others keep the
/// old content — the secret, for `keyring store`. Looked at before the write.
pub fn hard_linked(ctx: &Context) -> Vec<(PathBuf, u64)> {
    use std::os::unix::fs::MetadataExt;
    [&ctx.paths.config, &ctx.paths.credentials]
        .into_iter()
        .filter_map(|path| {
            let links = std::fs::metadata(path).ok()?.nlink();
            (links > 1).then(|| (path.clone(), links - 1))
        })
        .collect()
}

/// Every backup mfatui may have made of `file`, as (the name, the folder): beside it and in
/// `backups.dir` under the name it is reached by, and beside the file its links lead to under
/// that file's own name (another program reaching it by its real path: attack round 14).
fn backup_dirs(file: &Path, ctx: &Context) -> Vec<(PathBuf, PathBuf)> {
    let mut dirs = vec![(file.to_owned(), backup::beside(file))];
    let mut add = |name: PathBuf, dir: PathBuf| {
        if !dirs
            .iter()
            .any(|(n, d)| *d == dir && n.file_name() == name.file_name())
        {
            dirs.push((name, dir));
        }
    };
    if let Some(custom) = ctx.backups_dir() {
        add(file.to_owned(), custom);
    }
    if let Ok(target) = crate::safe_fs::resolve_symlinks(file) {
        let beside = backup::beside(&target);
        add(target, beside);
    }
    dirs
}

/// Why the backups holding a secret could not be found or rewritten (one sentence each).
#[derive(Debug, thiserror::Error)]
pub enum BackupError {
    /// A backup folder could not be read, or is not one mfatui trusts.
    #[error("{}", match backup::Untrusted::within(.source) {
        Some(untrusted) => untrusted.to_string(),
        None => format!("cannot read the backups in {}: {}", .dir.display(), .source),
    })]
    Unreadable {
        /// The folder.
        dir: PathBuf,
        /// What failed (an [`backup::Untrusted`] refusal inside, when it is one).
        #[source]
        source: std::io::Error,
    },
    /// A backup holding the secret could not be rewritten without it.
    #[error("cannot rewrite the backup {} without the secret key ({source}): fix its permissions and run `mfatui keyring store` for this profile again, or delete that backup", path.display())]
    NotRewritten {
        /// The backup.
        path: PathBuf,
        /// What the system said.
        #[source]
        source: std::io::Error,
    },
}

/// mfatui's backups of either shared file that contain `secret`.
pub fn backups_holding(ctx: &Context, secret: &str) -> Result<Vec<Backup>, BackupError> {
    let mut found: Vec<Backup> = Vec::new();
    for file in [&ctx.paths.credentials, &ctx.paths.config] {
        for (name, dir) in backup_dirs(file, ctx) {
            let holding =
                backup::holding(&name, &dir, secret).map_err(|source| BackupError::Unreadable {
                    dir: dir.clone(),
                    source,
                })?;
            for b in holding {
                if !found.iter().any(|f| f.path == b.path) {
                    found.push(b);
                }
            }
        }
    }
    Ok(found)
}

/// Rewrites every backup that holds `creds`' secret without it; returns their paths. The
/// pair becomes the marker in `sections` (those whose profiles have a keyring entry for it);
/// in any other section only the secret is masked.
pub fn scrub(
    ctx: &Context,
    creds: &Credentials,
    sections: &[String],
) -> Result<Vec<PathBuf>, BackupError> {
    let secret = creds.secret_access_key.expose();
    let mut done = Vec::new();
    for b in backups_holding(ctx, secret)? {
        let failed = |source: std::io::Error| BackupError::NotRewritten {
            path: b.path.clone(),
            source,
        };
        let bytes = Zeroizing::new(crate::safe_fs::read(&b.path).map_err(failed)?);
        let clean = backup::without_secret(&bytes, &creds.access_key_id, secret, &|s| {
            sections.iter().any(|m| m == s)
        });
        backup::rewrite(&b.path, &clean).map_err(failed)?;
        crate::diag!("rewrote backup {} without the secret key", b.path.display());
        done.push(b.path);
    }
    Ok(done)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_store_stopped_after_the_rename_does_not_say_the_key_is_still_in_the_file() {
        let stopped = |after_rename| {
            CustodyError::NotWritten {
                source: crate::awsfiles::WriteError::Io {
                    path: "/h/.aws/credentials".into(),
                    step: "syncing the folder",
                    source: std::io::Error::other("EIO"),
                    after_rename,
                },
                again: "mfatui keyring store dev".to_owned(),
            }
            .to_string()
        };
        let before = stopped(false);
        assert!(before.contains("the key is still in the file"), "{before}");
        let after = stopped(true);
        assert!(!after.contains("still in the file"), "{after}");
        assert!(
            after.contains("the file already names the OS keyring entry"),
            "{after}"
        );
    }

    #[test]
    fn a_recorded_file_gone_replaced_or_silent_is_in_doubt_and_names_nothing() {
        const ID: &str = "AKIAIOSFODNN7EXAMPLE";
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("credentials");
        let f = file.to_str().unwrap();
        let state = |text: &str| {
            std::fs::write(&file, text).unwrap();
            recorded_state(f, ID, Some("s"))
        };
        assert_eq!(
            state(&format!("[dev]\nmfatui_keyring = {ID}\n")),
            Recorded::NamesKey
        );
        assert!(names_key(f, ID) && !names_key(f, "AKIAI44QH8DHBEXAMPLE"));
        // Restored: the key is back in the file.
        let restored = format!("[dev]\naws_access_key_id = {ID}\naws_secret_access_key = s\n");
        assert_eq!(state(&restored), Recorded::DoneWith);
        // The key id without its secret, in another section, or read as part of a value:
        // proves nothing (attack round 7, H1).
        for text in [
            format!("[dev]\naws_access_key_id = {ID}\naws_secret_access_key = not-it\n"),
            format!("[dev]\naws_access_key_id = AKIABOB\naws_secret_access_key = b\n[old]\naws_access_key_id = {ID}\n"),
            format!("[dev]\nnote = retired keys:\n  aws_access_key_id = {ID}\n  aws_secret_access_key = s\n"),
        ] {
            assert_eq!(state(&text), Recorded::InDoubt, "{text}");
        }
        std::fs::write(&file, &restored).unwrap();
        assert_eq!(recorded_state(f, ID, None), Recorded::InDoubt);
        // The profile's marker names another key: a rotation, or another file set with a
        // profile of the same name that stored its own key — indistinguishable, so in doubt.
        assert_eq!(
            state("[profile dev]\nmfatui_keyring = AKIAI44QH8DHBEXAMPLE\n"),
            Recorded::InDoubt
        );
        // Another file set at the same path, or the profile gone: cannot tell.
        assert_eq!(
            state("[default]\naws_access_key_id = AKIAOTHER\n"),
            Recorded::InDoubt
        );
        assert_eq!(
            state("[ops]\nmfatui_keyring = AKIAI44QH8DHBEXAMPLE\n"),
            Recorded::InDoubt
        );
        std::fs::rename(&file, dir.path().join("moved")).unwrap();
        assert_eq!(recorded_state(f, ID, Some("s")), Recorded::InDoubt);
        assert!(!names_key(f, ID));
    }

    #[test]
    fn a_backup_error_says_the_refusal_itself_or_the_folder_and_the_reason() {
        let dir = PathBuf::from("/home/ana/.aws");
        let refusal = backup::Untrusted::LockLink {
            path: dir.join("x.lock"),
        };
        let wrapped = BackupError::Unreadable {
            dir: dir.clone(),
            source: std::io::Error::other(refusal.clone()),
        };
        assert_eq!(wrapped.to_string(), refusal.to_string());
        let plain = BackupError::Unreadable {
            dir,
            source: std::io::Error::from(std::io::ErrorKind::PermissionDenied),
        };
        assert!(plain
            .to_string()
            .starts_with("cannot read the backups in /home/ana/.aws: "));
    }
    use crate::awsfiles::profile::Name;
    use crate::awsfiles::KeyStore;
    use crate::context::Env;
    use crate::secret::Secret;
    use crate::settings::Settings;

    const ID: &str = "AKIAIOSFODNN7EXAMPLE";
    const SECRET: &str = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";
    const COMMAND: &str = "mfatui credential-process dev";

    /// Writes the two files into a temporary HOME and loads them.
    fn home(config: &str, credentials: &str) -> (tempfile::TempDir, Context, Snapshot) {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join(".aws")).unwrap();
        std::fs::write(dir.path().join(".aws/config"), config).unwrap();
        std::fs::write(dir.path().join(".aws/credentials"), credentials).unwrap();
        let home = dir.path().to_string_lossy().into_owned();
        let env = Env::from_pairs(&[("HOME", &home)]);
        let paths = crate::awsfiles::AwsPaths::from_lookup(env.lookup());
        let settings_path = dir.path().join("mfatui.toml");
        let ctx = Context::new(env, paths, Settings::default(), settings_path);
        let snapshot = Snapshot::load(&ctx.paths, &ctx.naming()).unwrap();
        (dir, ctx, snapshot)
    }

    /// The change `store` makes for the pair at `place` alone.
    fn plan_one(
        files: &AwsFiles,
        map: &ConfigMap,
        place: &KeyPlace,
        command: &str,
    ) -> Result<Plan, EditError> {
        let mut plan = Plan::default();
        add_process(&mut plan, files, map, &place.profile, command)?;
        plan_store(&mut plan, files, place)?;
        Ok(plan)
    }

    /// Where `name`'s keys are, by its layout.
    fn key_place(s: &Snapshot, name: &str) -> KeyPlace {
        s.layout_of(name).keys.clone().unwrap()
    }

    /// The text of each file after `plan`, in the order the plan writes them.
    fn after(plan: &Plan) -> Vec<(FileKind, String)> {
        plan.changes
            .iter()
            .map(|c| (c.kind, c.after.text().to_owned()))
            .collect()
    }

    fn pair() -> String {
        format!("aws_access_key_id = {ID}\naws_secret_access_key = {SECRET}\n")
    }

    #[test]
    fn store_writes_the_config_first_then_swaps_the_pair_for_the_marker() {
        let credentials = format!("# mine\n[dev]\n{}region = eu-west-1\n", pair());
        let (_d, _c, s) = home("[profile dev]\noutput = json\n", &credentials);
        let place = key_place(&s, "dev");
        let plan = plan_one(s.files(), s.map(), &place, COMMAND).unwrap();
        assert_eq!(
            after(&plan),
            [
                (
                    FileKind::Config,
                    format!("[profile dev]\noutput = json\ncredential_process = {COMMAND}\n")
                ),
                (
                    FileKind::Credentials,
                    format!("# mine\n[dev]\nregion = eu-west-1\nmfatui_keyring = {ID}\n")
                ),
            ]
        );
        let diff = masked_diff(&plan, ID);
        assert!(!diff.contains(ID) && !diff.contains(SECRET), "{diff}");
        assert!(diff.contains("+mfatui_keyring = ****MPLE"), "{diff}");
    }

    #[test]
    fn store_handles_keys_in_the_config_file_a_default_profile_and_an_existing_process() {
        // Keys in [default] of the config file: one file, one change.
        let (_d, _c, s) = home(&format!("[default]\n{}", pair()), "");
        let place = key_place(&s, "default");
        let plan = plan_one(
            s.files(),
            s.map(),
            &place,
            "mfatui credential-process default",
        )
        .unwrap();
        assert_eq!(
            after(&plan),
            [(
                FileKind::Config,
                format!("[default]\ncredential_process = mfatui credential-process default\nmfatui_keyring = {ID}\n")
            )]
        );
        // A profile with its own credential_process keeps it; one without a config section
        // gets `[profile NAME]`.
        let (_d, _c, s) = home(
            "[profile dev]\ncredential_process = other-tool\n",
            &format!("[dev]\n{}[qa]\n{}", pair(), pair()),
        );
        let dev = plan_one(s.files(), s.map(), &key_place(&s, "dev"), COMMAND).unwrap();
        assert_eq!(after(&dev).len(), 1, "only the credentials file changes");
        let qa = plan_one(s.files(), s.map(), &key_place(&s, "qa"), "x").unwrap();
        assert!(after(&qa)[0]
            .1
            .ends_with("\n[profile qa]\ncredential_process = x\n"));
    }

    #[test]
    fn restore_puts_the_pair_back_and_removes_only_mfatuis_credential_process() {
        let marker = |file| KeyPlace {
            profile: Name::from("dev"),
            store: KeyStore::Keyring,
            file,
            section: Name::from("dev"),
            access_key_id: Name::from(ID),
        };
        let creds = Credentials {
            access_key_id: ID.to_owned(),
            secret_access_key: Secret::new(SECRET),
            session_token: None,
            expiration: None,
        };
        let config =
            "[profile dev]\ncredential_process = '/opt/my tools/mfatui' credential-process dev\n";
        let (_d, _c, s) = home(config, &format!("[dev]\nmfatui_keyring = {ID}\n"));
        let plan =
            plan_restore(s.files(), s.map(), &marker(FileKind::Credentials), &creds).unwrap();
        assert_eq!(
            after(&plan),
            [
                (FileKind::Credentials, format!("[dev]\n{}", pair())),
                (FileKind::Config, "[profile dev]\n".to_owned()),
            ],
            "the keys first, then the config"
        );
        let (_d, _c, s) = home(
            "[profile dev]\ncredential_process = mfatui credential-process prod\n",
            &format!("[dev]\nmfatui_keyring = {ID}\n"),
        );
        let plan =
            plan_restore(s.files(), s.map(), &marker(FileKind::Credentials), &creds).unwrap();
        assert_eq!(
            after(&plan).len(),
            1,
            "another profile's command is not ours"
        );
    }

    #[test]
    fn credential_process_names_mfatui_when_path_finds_this_binary_else_its_full_path() {
        let dir = tempfile::tempdir().unwrap();
        let bin = dir.path().join("bin");
        let other = dir.path().join("other dir");
        std::fs::create_dir_all(&bin).unwrap();
        std::fs::create_dir_all(&other).unwrap();
        let exe = bin.join("mfatui");
        std::fs::write(&exe, "").unwrap();
        std::fs::set_permissions(&exe, std::fs::Permissions::from_mode(0o755)).unwrap();
        let copy = other.join("mfatui");
        std::fs::copy(&exe, &copy).unwrap();
        let path = |dirs: &[&Path]| std::env::join_paths(dirs).unwrap();

        let found = credential_process_for(Some(&path(&[&bin])), Some(&exe), "dev");
        assert_eq!(found, "mfatui credential-process dev");
        let via_link = dir.path().join("link");
        std::os::unix::fs::symlink(&bin, &via_link).unwrap();
        assert_eq!(
            credential_process_for(Some(&path(&[&via_link])), Some(&exe), "my dev"),
            "mfatui credential-process 'my dev'",
            "a symlinked PATH entry that leads to this binary counts"
        );
        let elsewhere = credential_process_for(Some(&path(&[&bin])), Some(&copy), "dev");
        assert_eq!(
            elsewhere,
            format!("'{}' credential-process dev", copy.display()),
            "another mfatui first on PATH: this one's full path, quoted"
        );
        let none = credential_process_for(None, Some(&exe), "dev");
        assert_eq!(none, format!("{} credential-process dev", exe.display()));
        for command in [found, elsewhere, none] {
            assert!(is_ours(&command, "dev"), "{command}");
            assert!(!is_ours(&command, "prod"), "{command}");
        }
        assert!(is_ours("mfatui credential-process 'my dev'", "my dev"));
        assert!(!is_ours("aws-vault export dev", "dev"));
        assert!(!is_ours("mfatui credential-process dev --extra", "dev"));
    }

    #[test]
    fn backups_holding_the_secret_are_rewritten_and_others_left_alone() {
        let (d, mut ctx, _s) = home("", "");
        let custom = d.path().join("kept");
        ctx.settings.backups_dir = Some(custom.clone());
        let paths = ctx.paths.clone();
        let now = chrono::Utc::now();
        let with = format!("[dev]\n{}", pair());
        let beside = backup::beside(&paths.credentials);
        let a = backup::create(&paths.credentials, &beside, with.as_bytes(), now).unwrap();
        let b = backup::create(&paths.config, &custom, with.as_bytes(), now).unwrap();
        let c = backup::create(&paths.credentials, &custom, b"[dev]\n", now).unwrap();
        let creds = Credentials {
            access_key_id: ID.to_owned(),
            secret_access_key: Secret::new(SECRET),
            session_token: None,
            expiration: None,
        };
        let mut done = scrub(&ctx, &creds, &["dev".to_owned()]).unwrap();
        done.sort();
        let mut want = vec![a.clone(), b.clone()];
        want.sort();
        assert_eq!(done, want, "both folders, both files");
        for path in [&a, &b] {
            assert_eq!(
                std::fs::read_to_string(path).unwrap(),
                format!("[dev]\nmfatui_keyring = {ID}\n")
            );
        }
        assert_eq!(std::fs::read(&c).unwrap(), b"[dev]\n");
        assert!(backups_holding(&ctx, SECRET).unwrap().is_empty());
    }

    /// Attack round 14 (R14b-8): a pair read through `[DEFAULT]` is not in the profile's own
    /// section, where the move edits: refused, naming `[DEFAULT]`, instead of saying the files
    /// hold only the marker while the secret stays there.
    #[test]
    fn a_pair_inherited_from_default_is_refused_not_half_moved() {
        let (_d, ctx, s) = home(
            "",
            &format!("[DEFAULT]\n{}\n[rot]\nregion = us-east-1\n", pair()),
        );
        let Err(refused) = start_store(&ctx, &s, "rot") else {
            panic!("refused")
        };
        assert!(
            refused
                .to_string()
                .contains("is in the [DEFAULT] section of the credentials file"),
            "{refused}"
        );
        // Round 14d (D-7): a rotation too, before any IAM call (it took the sections for a
        // file being saved, after making a key).
        let Err(refused) = crate::keys::rotate::places(&s, "rot") else {
            panic!("refused")
        };
        assert!(
            refused.to_string().contains("[DEFAULT] section"),
            "{refused}"
        );
    }

    /// Attack round 14 (R14-7): a credentials file reached by a link and by its real path
    /// (another name) has backups beside each; both are found.
    #[test]
    fn backups_made_through_the_real_path_of_a_linked_file_are_found() {
        let (d, ctx, _s) = home("", "");
        let real = d.path().join("dot/aws-credentials");
        std::fs::create_dir_all(real.parent().unwrap()).unwrap();
        std::fs::rename(&ctx.paths.credentials, &real).unwrap();
        std::os::unix::fs::symlink(&real, &ctx.paths.credentials).unwrap();
        let with = format!("[dev]\n{}", pair());
        let now = chrono::Utc::now();
        let beside_link = backup::beside(&ctx.paths.credentials);
        let beside_real = backup::beside(&real);
        let a = backup::create(&ctx.paths.credentials, &beside_link, with.as_bytes(), now).unwrap();
        let b = backup::create(&real, &beside_real, with.as_bytes(), now).unwrap();
        let mut found: Vec<_> = backups_holding(&ctx, SECRET)
            .unwrap()
            .into_iter()
            .map(|b| b.path)
            .collect();
        found.sort();
        let mut want = vec![a, b];
        want.sort();
        assert_eq!(found, want);
    }
}
