//! `mfatui keyring store|restore|add|list`: long-term access keys kept in the OS keyring
//! instead of the shared files.
//!
//! The section that held a pair keeps every other key and gets `mfatui_keyring = KEY_ID`; the
//! profile's config section gets `credential_process = mfatui credential-process PROFILE`
//! when it has none, so every AWS tool can go on using the profile by name.
//!
//! Order, so that a crash between two steps never leaves a profile without a working key:
//! `store` checks the key with GetCallerIdentity, writes the keyring and reads it back, then
//! writes the config file (credential_process: harmless while the credentials file still holds
//! the keys, which botocore prefers), then the file that held the pair, then rewrites the
//! backups that still hold the secret; running it again finishes an interrupted scrub.
//! `restore` writes the keys back into the file first and deletes the keyring entry last;
//! running it again deletes an entry an interrupted restore left behind. A keyring entry that
//! the files do not point to is harmless.

use super::args::{KeyringAddArgs, KeyringArgs, KeyringCommand, KeyringMoveArgs};
use super::confirm::{ask, print_diff, report};
use crate::aws::{AwsApi, Credentials};
use crate::awsfiles::backup::{self, Backup};
use crate::awsfiles::fault::{self, Step};
use crate::awsfiles::mask::mask_key_id;
use crate::awsfiles::profile::KEYRING_MARKER;
use crate::awsfiles::{
    commit, AwsFile, AwsFiles, AwsPaths, ConfigMap, Edit, FileKind, OnChange, Plan,
};
use crate::keys::keyring::{check_keys, Keyring, KeyringError, SERVICE};
use crate::keys::rotate::locate;
use crate::keys::KeyPlace;
use crate::renew::plan::{has_long_term_keys, site_for};
use crate::renew::RenewOptions;
use crate::secret::Secret;
use crate::settings::Settings;
use std::ffi::OsStr;
use std::io::{BufRead, BufReader, Read, Write};
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use zeroize::Zeroizing;

/// How the workflows reach the keyring: opened only when a step needs it (`list` never does).
type Open<'a> = &'a dyn Fn() -> Result<Keyring, KeyringError>;

/// Runs `mfatui keyring …`. Refused under `--demo`, which must not touch the real keyring.
pub fn run(
    paths: &AwsPaths,
    settings: &Settings,
    api: &dyn AwsApi,
    demo: bool,
    args: &KeyringArgs,
) -> Result<(), String> {
    if demo && !matches!(args.command, KeyringCommand::List) {
        return Err(
            "the demo never touches your OS keyring: run `mfatui keyring` without --demo to use it"
                .to_owned(),
        );
    }
    let open: Open = &Keyring::open;
    match &args.command {
        KeyringCommand::Store(a) => store(paths, settings, api, a, open),
        KeyringCommand::Restore(a) => restore(paths, settings, a, open),
        KeyringCommand::Add(a) => add(paths, settings, api, a, open),
        KeyringCommand::List => list(paths),
    }
}

/// Where a profile's keyring marker is.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Marker {
    /// The profile whose section holds it (the keyring entry's user).
    profile: String,
    /// The file.
    file: FileKind,
    /// The section.
    section: String,
    /// The access key id it names.
    key_id: String,
}

/// The marker in profile `name`'s own sections (credentials file first, as botocore reads).
fn marker_in(map: &ConfigMap, name: &str) -> Option<Marker> {
    let p = map.profile(name)?;
    let found = |file, settings: crate::awsfiles::ProfileSettings, section: Option<&str>| {
        Some(Marker {
            profile: name.to_owned(),
            file,
            section: section?.to_owned(),
            key_id: settings.get(KEYRING_MARKER)?.to_owned(),
        })
    };
    found(
        FileKind::Credentials,
        p.credentials_only(),
        p.credentials_section,
    )
    .or_else(|| found(FileKind::Config, p.config_only(), p.config_section))
}

/// The marker of `name`: its own, or its aws-mfa long-term partner's.
fn marker_place(
    paths: &AwsPaths,
    settings: &Settings,
    map: &ConfigMap,
    name: &str,
) -> Option<Marker> {
    marker_in(map, name).or_else(|| {
        let profiles = settings.profiles(map, paths);
        let partner = profiles
            .iter()
            .find(|p| p.name == name)?
            .long_term_profile
            .clone()?;
        marker_in(map, &partner)
    })
}

/// The config-file section of profile `name`: the one it has, else the one botocore reads.
fn config_section(map: &ConfigMap, name: &str) -> String {
    map.profile(name)
        .and_then(|p| p.config_section)
        .map(str::to_owned)
        .unwrap_or_else(|| {
            if name == "default" {
                "default".to_owned()
            } else {
                format!("profile {name}")
            }
        })
}

/// One of the two loaded files.
fn file_of(files: &AwsFiles, kind: FileKind) -> &AwsFile {
    match kind {
        FileKind::Config => &files.config,
        FileKind::Credentials => &files.credentials,
    }
}

/// `shlex.quote`: botocore splits `credential_process` with `shlex.split`.
fn quote(word: &str) -> String {
    let safe = !word.is_empty()
        && word
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "@%+=:,./-_".contains(c));
    if safe {
        word.to_owned()
    } else {
        format!("'{}'", word.replace('\'', r#"'"'"'"#))
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

/// [`credential_process_for`] this process.
fn credential_process(profile: &str) -> String {
    let exe = std::env::current_exe().ok();
    credential_process_for(std::env::var_os("PATH").as_deref(), exe.as_deref(), profile)
}

/// Whether `value` is the `credential_process` mfatui writes for `profile` (any path to it).
fn is_ours(value: &str, profile: &str) -> bool {
    match crate::awsfiles::shlex::split(value).as_deref() {
        Some([program, command, named]) => {
            Path::new(program).file_name() == Some(OsStr::new("mfatui"))
                && command == "credential-process"
                && named == profile
        }
        _ => false,
    }
}

/// The change that moves the pair at `place` out of the files.
fn plan_store(
    files: &AwsFiles,
    map: &ConfigMap,
    place: &KeyPlace,
    command: &str,
) -> Result<Plan, String> {
    let mut plan = Plan::default();
    let has_process = map
        .profile(&place.profile)
        .is_some_and(|p| p.has("credential_process"));
    // The config file first: a crash after it leaves the keys in the credentials file, which
    // botocore prefers to credential_process.
    if !has_process {
        plan.edit(
            &files.config,
            vec![Edit::Set {
                section: config_section(map, &place.profile),
                key: "credential_process".to_owned(),
                value: command.to_owned(),
            }],
        )
        .map_err(|e| e.to_string())?;
    }
    plan.edit(
        file_of(files, place.file),
        vec![
            Edit::Set {
                section: place.section.clone(),
                key: KEYRING_MARKER.to_owned(),
                value: place.credentials.access_key_id.clone(),
            },
            Edit::Remove {
                section: place.section.clone(),
                key: "aws_secret_access_key".to_owned(),
            },
            Edit::Remove {
                section: place.section.clone(),
                key: "aws_access_key_id".to_owned(),
            },
        ],
    )
    .map_err(|e| e.to_string())?;
    Ok(plan)
}

/// The change that puts `creds` back where `marker` is, and removes mfatui's
/// credential_process (so that config-file keys are used again: botocore prefers
/// credential_process to them).
fn plan_restore(
    files: &AwsFiles,
    map: &ConfigMap,
    marker: &Marker,
    creds: &Credentials,
) -> Result<Plan, String> {
    let mut plan = Plan::default();
    let set = |key: &str, value: &str| Edit::Set {
        section: marker.section.clone(),
        key: key.to_owned(),
        value: value.to_owned(),
    };
    plan.edit(
        file_of(files, marker.file),
        vec![
            set("aws_access_key_id", &creds.access_key_id),
            set("aws_secret_access_key", creds.secret_access_key.expose()),
            Edit::Remove {
                section: marker.section.clone(),
                key: KEYRING_MARKER.to_owned(),
            },
        ],
    )
    .map_err(|e| e.to_string())?;
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
        )
        .map_err(|e| e.to_string())?;
    }
    Ok(plan)
}

/// The change `add` makes: the marker at `marker`, and credential_process when missing.
fn plan_add(
    files: &AwsFiles,
    map: &ConfigMap,
    marker: &Marker,
    command: &str,
) -> Result<Plan, String> {
    let mut plan = Plan::default();
    let has_process = map
        .profile(&marker.profile)
        .is_some_and(|p| p.has("credential_process"));
    if !has_process {
        plan.edit(
            &files.config,
            vec![Edit::Set {
                section: config_section(map, &marker.profile),
                key: "credential_process".to_owned(),
                value: command.to_owned(),
            }],
        )
        .map_err(|e| e.to_string())?;
    }
    plan.edit(
        file_of(files, marker.file),
        vec![Edit::Set {
            section: marker.section.clone(),
            key: KEYRING_MARKER.to_owned(),
            value: marker.key_id.clone(),
        }],
    )
    .map_err(|e| e.to_string())?;
    Ok(plan)
}

/// The plan's masked diff, with the marker's key id masked like `aws_access_key_id` is.
fn masked_diff(plan: &Plan, key_id: &str) -> String {
    plan.diff().replace(key_id, &mask_key_id(key_id))
}

/// Every backup folder mfatui may have used for `file`: beside it, and `backups.dir`.
fn backup_dirs(file: &Path, settings: &Settings) -> Vec<PathBuf> {
    let mut dirs = vec![backup::backup_dir(file, None)];
    if let Some(custom) = settings.backups_dir.as_deref() {
        if !dirs.iter().any(|d| d == custom) {
            dirs.push(custom.to_owned());
        }
    }
    dirs
}

/// mfatui's backups of either shared file that contain `secret`.
fn backups_holding(
    paths: &AwsPaths,
    settings: &Settings,
    secret: &str,
) -> Result<Vec<Backup>, String> {
    let mut found: Vec<Backup> = Vec::new();
    for file in [&paths.credentials, &paths.config] {
        for dir in backup_dirs(file, settings) {
            let holding = backup::holding(file, &dir, secret)
                .map_err(|e| format!("cannot read the backups in {}: {e}", dir.display()))?;
            for b in holding {
                if !found.iter().any(|f| f.path == b.path) {
                    found.push(b);
                }
            }
        }
    }
    Ok(found)
}

/// Rewrites every backup that holds `creds`' secret without it; returns their paths.
fn scrub(
    paths: &AwsPaths,
    settings: &Settings,
    creds: &Credentials,
) -> Result<Vec<PathBuf>, String> {
    let secret = creds.secret_access_key.expose();
    let mut done = Vec::new();
    for b in backups_holding(paths, settings, secret)? {
        let failed = |e: std::io::Error| {
            format!(
                "cannot rewrite the backup {} without the secret key ({e}): fix its permissions and run `mfatui keyring store` for this profile again, or delete that backup",
                b.path.display()
            )
        };
        let bytes = Zeroizing::new(std::fs::read(&b.path).map_err(failed)?);
        let clean = backup::without_secret(&bytes, &creds.access_key_id, secret);
        backup::rewrite(&b.path, &clean).map_err(failed)?;
        crate::diag!("rewrote backup {} without the secret key", b.path.display());
        done.push(b.path);
    }
    Ok(done)
}

fn print_backups(holding: &[Backup], makes: Option<&Path>) {
    if holding.is_empty() && makes.is_none() {
        return;
    }
    println!("No backup may keep the secret key: once the files are written, these are rewritten without it (0600, atomically):");
    for b in holding {
        println!("  {}", b.path.display());
    }
    if let Some(file) = makes {
        println!("  the backup this change makes of {}", file.display());
    }
}

/// A current-thread runtime for the one or two STS calls.
fn runtime() -> Result<tokio::runtime::Runtime, String> {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| format!("cannot start the async runtime: {e}"))
}

/// `sts:GetCallerIdentity` with `creds`: the ARN, or why the key does not work.
fn check_with_sts(
    paths: &AwsPaths,
    settings: &Settings,
    api: &dyn AwsApi,
    name: &str,
    creds: &Credentials,
) -> Result<String, String> {
    let files = AwsFiles::load(paths).map_err(|e| e.to_string())?;
    let map = files.config_map().map_err(|e| e.to_string())?;
    let site = site_for(
        &map,
        map.profile(name),
        &RenewOptions::for_profile(settings, name, chrono::Utc::now()),
    );
    runtime()?
        .block_on(api.caller_identity(&site, creds))
        .map(|identity| identity.arn)
        .map_err(|e| e.to_string())
}

fn no_such_profile(name: &str) -> String {
    format!("there is no profile named '{name}' in the AWS config or credentials file")
}

/// `mfatui keyring store PROFILE`.
fn store(
    paths: &AwsPaths,
    settings: &Settings,
    api: &dyn AwsApi,
    args: &KeyringMoveArgs,
    open: Open,
) -> Result<(), String> {
    let name = args.profile.as_str();
    let files = AwsFiles::load(paths).map_err(|e| e.to_string())?;
    let map = files.config_map().map_err(|e| e.to_string())?;
    if map.profile(name).is_none() {
        return Err(no_such_profile(name));
    }
    let Ok(place) = locate(paths, settings, name) else {
        return match marker_place(paths, settings, &map, name) {
            Some(marker) => finish_store(paths, settings, args, &marker, open),
            None => Err(format!(
                "'{name}' holds no long-term access key in the AWS files, so there is nothing to move to the OS keyring (new keys go in with `mfatui keyring add {name}`)"
            )),
        };
    };
    let holder = map.profile(&place.profile);
    if place.file == FileKind::Credentials
        && holder.is_some_and(|p| has_long_term_keys(p.config_only()))
    {
        return Err(format!(
            "'{}' has an access key pair in both the credentials and the config file: remove the one you do not use, then try again; nothing was changed",
            place.profile
        ));
    }
    let creds = &place.credentials;
    let id = mask_key_id(&creds.access_key_id);
    let file_path = &file_of(&files, place.file).path;
    println!(
        "'{}': access key {id} in [{}] of {}.",
        place.profile,
        place.section,
        file_path.display()
    );
    let plan = plan_store(&files, &map, &place, &credential_process(&place.profile))?;
    let holding = backups_holding(paths, settings, creds.secret_access_key.expose())?;
    if !args.dry_run {
        let arn = check_with_sts(paths, settings, api, name, creds).map_err(|e| {
            format!(
                "the access key {id} of '{}' does not work ({e}), so it stays where it is; nothing was changed",
                place.profile
            )
        })?;
        println!("GetCallerIdentity accepts it: {arn}.");
    }
    print_diff(&masked_diff(&plan, &creds.access_key_id));
    print_backups(&holding, Some(file_path));
    if args.dry_run {
        println!("Dry run: no AWS call was made, the OS keyring and the files are unchanged.");
        return Ok(());
    }
    if !args.yes && !ask("Move the key into the OS keyring and change the files? [y/N] ")? {
        println!("Nothing was changed.");
        return Ok(());
    }
    let keyring = open().map_err(|e| format!("{e} (nothing was changed)"))?;
    keyring
        .store_checked(&place.profile, creds)
        .map_err(|e| format!("{e} (the files were not changed)"))?;
    println!(
        "Stored in the OS keyring (service {SERVICE}, user {}) and read back.",
        place.profile
    );
    crate::diag!(
        "keyring store {}: keyring written and read back",
        place.profile
    );
    fault::point(Step::KeyringAfterStore).map_err(|e| e.to_string())?;
    let written = commit(&plan, &settings.write_options(OnChange::Merge)).map_err(|e| {
        format!("{e}; the key is still in the file and also in the OS keyring, which does no harm: run `mfatui keyring store {name}` again")
    })?;
    report(&written);
    fault::point(Step::KeyringBeforeScrub).map_err(|e| e.to_string())?;
    let rewritten = scrub(paths, settings, creds)?;
    println!(
        "Rewrote {} backup(s) without the secret key.",
        rewritten.len()
    );
    println!(
        "Done: '{}' keeps its key {id} in the OS keyring; the files hold only {KEYRING_MARKER} = {id}.",
        place.profile
    );
    Ok(())
}

/// `store` on a profile whose key is already in the keyring: rewrites the backups that an
/// interrupted `store` left holding the secret.
fn finish_store(
    paths: &AwsPaths,
    settings: &Settings,
    args: &KeyringMoveArgs,
    marker: &Marker,
    open: Open,
) -> Result<(), String> {
    let keyring = open().map_err(|e| e.to_string())?;
    let creds = keyring.load(&marker.profile).map_err(|e| e.to_string())?;
    let holding = backups_holding(paths, settings, creds.secret_access_key.expose())?;
    let id = mask_key_id(&marker.key_id);
    if holding.is_empty() {
        println!(
            "'{}' already keeps its key {id} in the OS keyring, and no backup holds the secret: nothing to do.",
            marker.profile
        );
        return Ok(());
    }
    println!(
        "'{}' already keeps its key {id} in the OS keyring, but an earlier run stopped before rewriting the backups.",
        marker.profile
    );
    print_backups(&holding, None);
    if args.dry_run {
        println!("Dry run: nothing was rewritten.");
        return Ok(());
    }
    if !args.yes && !ask("Rewrite these backups without the secret key? [y/N] ")? {
        println!("Nothing was changed.");
        return Ok(());
    }
    let rewritten = scrub(paths, settings, &creds)?;
    println!(
        "Rewrote {} backup(s) without the secret key.",
        rewritten.len()
    );
    Ok(())
}

/// `mfatui keyring restore PROFILE`.
fn restore(
    paths: &AwsPaths,
    settings: &Settings,
    args: &KeyringMoveArgs,
    open: Open,
) -> Result<(), String> {
    let name = args.profile.as_str();
    let files = AwsFiles::load(paths).map_err(|e| e.to_string())?;
    let map = files.config_map().map_err(|e| e.to_string())?;
    if map.profile(name).is_none() {
        return Err(no_such_profile(name));
    }
    let Some(marker) = marker_place(paths, settings, &map, name) else {
        return finish_restore(paths, settings, name, args.dry_run, open);
    };
    let keyring = open().map_err(|e| format!("{e} (nothing was changed)"))?;
    let creds = keyring
        .load(&marker.profile)
        .map_err(|e| format!("{e} (nothing was changed)"))?;
    let id = mask_key_id(&marker.key_id);
    if creds.access_key_id != marker.key_id {
        return Err(format!(
            "the OS keyring holds the key {} for '{}', but [{}] of the {} file names {id}: put the right keys in with `mfatui keyring add {}`; nothing was changed",
            mask_key_id(&creds.access_key_id),
            marker.profile,
            marker.section,
            marker.file.label(),
            marker.profile
        ));
    }
    let plan = plan_restore(&files, &map, &marker, &creds)?;
    print_diff(&masked_diff(&plan, &creds.access_key_id));
    println!(
        "Then the OS keyring entry (service {SERVICE}, user {}) is deleted.",
        marker.profile
    );
    if args.dry_run {
        println!("Dry run: the OS keyring and the files are unchanged.");
        return Ok(());
    }
    if !args.yes && !ask("Put the key back into the file? [y/N] ")? {
        println!("Nothing was changed.");
        return Ok(());
    }
    let written = commit(&plan, &settings.write_options(OnChange::Merge))
        .map_err(|e| format!("{e}; the key stays in the OS keyring"))?;
    report(&written);
    fault::point(Step::KeyringBeforeDelete).map_err(|e| e.to_string())?;
    keyring.delete(&marker.profile).map_err(|e| {
        format!("the key is back in the file, but its OS keyring entry could not be deleted: {e}")
    })?;
    println!(
        "Done: '{}' has its key {id} in [{}] of the {} file again; the OS keyring entry is deleted.",
        marker.profile,
        marker.section,
        marker.file.label()
    );
    Ok(())
}

/// `restore` on a profile whose key is already back in the file: deletes the keyring entry an
/// interrupted `restore` left behind (only when it holds that same key).
fn finish_restore(
    paths: &AwsPaths,
    settings: &Settings,
    name: &str,
    dry_run: bool,
    open: Open,
) -> Result<(), String> {
    let not_there = || {
        format!("'{name}' does not keep its key in the OS keyring (no {KEYRING_MARKER} line in its sections): nothing to restore")
    };
    let place = locate(paths, settings, name).map_err(|_| not_there())?;
    // Only a leftover of an interrupted restore is looked for: without a keyring there is none
    // to find, and the answer stays that the profile is not in it.
    let keyring = open().map_err(|_| not_there())?;
    match keyring.load(&place.profile) {
        Ok(stored) if stored.access_key_id == place.credentials.access_key_id => {
            if dry_run {
                println!("Dry run: would delete the OS keyring entry an earlier restore of '{}' left behind.", place.profile);
                return Ok(());
            }
            keyring.delete(&place.profile).map_err(|e| e.to_string())?;
            println!(
                "'{}' already has its key in the {} file; deleted the OS keyring entry an earlier restore left behind.",
                place.profile,
                place.file.label()
            );
            Ok(())
        }
        Ok(_) | Err(KeyringError::Missing { .. }) => Err(not_there()),
        Err(e) => Err(e.to_string()),
    }
}

/// The key pair `add` was given: from standard input, or asked on the terminal.
fn read_keys(from_stdin: bool) -> Result<Credentials, String> {
    let (id, secret) = if from_stdin {
        // Bounded, and reserved up front so the buffer never moves (no stray copies).
        const LIMIT: usize = 4096;
        let mut input = Zeroizing::new(String::with_capacity(LIMIT + 1));
        std::io::stdin()
            .take(LIMIT as u64)
            .read_to_string(&mut input)
            .map_err(|e| format!("cannot read the keys from standard input: {e}"))?;
        let mut lines = input.lines().map(str::trim).filter(|l| !l.is_empty());
        match (lines.next(), lines.next(), lines.next()) {
            (Some(id), Some(secret), None) => (id.to_owned(), Zeroizing::new(secret.to_owned())),
            _ => {
                return Err("--stdin expects two lines, the access key id then the secret access key; nothing was stored".to_owned())
            }
        }
    } else {
        let no_tty = |e: std::io::Error| {
            format!("cannot ask for the keys on the terminal ({e}): pipe them in with --stdin, the access key id then the secret access key, one per line")
        };
        let mut tty = std::fs::OpenOptions::new()
            .read(true)
            .write(true)
            .open("/dev/tty")
            .map_err(no_tty)?;
        tty.write_all(b"Access key id: ")
            .and_then(|()| tty.flush())
            .map_err(no_tty)?;
        let mut id = String::new();
        BufReader::new(&tty).read_line(&mut id).map_err(no_tty)?;
        let secret = Zeroizing::new(
            rpassword::prompt_password("Secret access key (not shown): ").map_err(no_tty)?,
        );
        (
            id.trim().to_owned(),
            Zeroizing::new(secret.trim().to_owned()),
        )
    };
    check_keys(&id, &secret).map_err(|e| e.to_string())?;
    Ok(Credentials {
        access_key_id: id,
        secret_access_key: Secret::new(secret.as_str()),
        session_token: None,
        expiration: None,
    })
}

/// `mfatui keyring add PROFILE`.
fn add(
    paths: &AwsPaths,
    settings: &Settings,
    api: &dyn AwsApi,
    args: &KeyringAddArgs,
    open: Open,
) -> Result<(), String> {
    let name = args.profile.as_str();
    let files = AwsFiles::load(paths).map_err(|e| e.to_string())?;
    let map = files.config_map().map_err(|e| e.to_string())?;
    let target = match marker_place(paths, settings, &map, name) {
        Some(marker) => marker,
        None => {
            if let Ok(place) = locate(paths, settings, name) {
                return Err(format!(
                    "'{}' already holds an access key pair in [{}] of the {} file: move it with `mfatui keyring store {name}`, or remove it first; nothing was stored",
                    place.profile,
                    place.section,
                    place.file.label()
                ));
            }
            // Beside a session in the credentials file, a marker would mix two kinds of keys:
            // it goes to the config section then.
            let p = map.profile(name);
            if p.is_some_and(|p| p.credentials_only().has("aws_access_key_id")) {
                Marker {
                    profile: name.to_owned(),
                    file: FileKind::Config,
                    section: config_section(&map, name),
                    key_id: String::new(),
                }
            } else {
                Marker {
                    profile: name.to_owned(),
                    file: FileKind::Credentials,
                    section: p
                        .and_then(|p| p.credentials_section)
                        .unwrap_or(name)
                        .to_owned(),
                    key_id: String::new(),
                }
            }
        }
    };
    let creds = read_keys(args.stdin)?;
    let id = mask_key_id(&creds.access_key_id);
    let arn = check_with_sts(paths, settings, api, name, &creds).map_err(|e| {
        format!("AWS does not accept the access key {id} ({e}): check the keys; nothing was stored")
    })?;
    println!("GetCallerIdentity accepts the key {id}: {arn}.");
    let marker = Marker {
        key_id: creds.access_key_id.clone(),
        ..target
    };
    let plan = plan_add(&files, &map, &marker, &credential_process(&marker.profile))?;
    let keyring = open().map_err(|e| format!("{e} (nothing was stored)"))?;
    keyring
        .store_checked(&marker.profile, &creds)
        .map_err(|e| format!("{e} (the files were not changed)"))?;
    println!(
        "Stored in the OS keyring (service {SERVICE}, user {}) and read back.",
        marker.profile
    );
    fault::point(Step::KeyringAfterStore).map_err(|e| e.to_string())?;
    print_diff(&masked_diff(&plan, &creds.access_key_id));
    let written = commit(&plan, &settings.write_options(OnChange::Merge)).map_err(|e| {
        format!("{e}; the key is in the OS keyring, but the files do not point to it yet: run `mfatui keyring add {name}` again")
    })?;
    report(&written);
    println!(
        "Done: '{}' takes its key {id} from the OS keyring.",
        marker.profile
    );
    Ok(())
}

/// One row of `mfatui keyring list`.
#[derive(Debug, PartialEq, Eq)]
struct Listed {
    profile: String,
    key: String,
    place: String,
    served_by: &'static str,
}

/// Every marker in the files. Reads the files only: the keyring is not opened.
fn listed(map: &ConfigMap) -> Vec<Listed> {
    map.profiles()
        .filter_map(|(name, p)| {
            let marker = marker_in(map, name)?;
            let served_by = match p.get("credential_process") {
                Some(v) if is_ours(v, name) => "mfatui credential-process",
                Some(_) => "another credential_process",
                None => "nothing (no credential_process)",
            };
            Some(Listed {
                profile: name.to_owned(),
                key: mask_key_id(&marker.key_id),
                place: format!("[{}] {}", marker.section, marker.file.label()),
                served_by,
            })
        })
        .collect()
}

/// `mfatui keyring list`.
fn list(paths: &AwsPaths) -> Result<(), String> {
    let files = AwsFiles::load(paths).map_err(|e| e.to_string())?;
    let map = files.config_map().map_err(|e| e.to_string())?;
    let rows = listed(&map);
    if rows.is_empty() {
        println!("No profile keeps its key in the OS keyring.");
        return Ok(());
    }
    let width = |f: fn(&Listed) -> usize, title: &str| {
        rows.iter().map(f).max().unwrap_or(0).max(title.len())
    };
    let (wp, wk, wl) = (
        width(|r| r.profile.len(), "PROFILE"),
        width(|r| r.key.len(), "KEY"),
        width(|r| r.place.len(), "MARKER"),
    );
    println!(
        "{:wp$}  {:wk$}  {:wl$}  SERVED BY",
        "PROFILE", "KEY", "MARKER"
    );
    for r in &rows {
        println!(
            "{:wp$}  {:wk$}  {:wl$}  {}",
            r.profile, r.key, r.place, r.served_by
        );
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::keys::key_place;

    const ID: &str = "AKIAIOSFODNN7EXAMPLE";
    const SECRET: &str = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";
    const COMMAND: &str = "mfatui credential-process dev";

    /// Writes the two files into a temporary HOME and loads them.
    fn home(config: &str, credentials: &str) -> (tempfile::TempDir, AwsPaths, AwsFiles) {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join(".aws")).unwrap();
        std::fs::write(dir.path().join(".aws/config"), config).unwrap();
        std::fs::write(dir.path().join(".aws/credentials"), credentials).unwrap();
        let home = dir.path().to_string_lossy().into_owned();
        let paths = AwsPaths::from_lookup(|k| (k == "HOME").then(|| home.clone()));
        let files = AwsFiles::load(&paths).unwrap();
        (dir, paths, files)
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
        let (_d, _p, files) = home("[profile dev]\noutput = json\n", &credentials);
        let map = files.config_map().unwrap();
        let place = key_place(&map, "dev").unwrap();
        let plan = plan_store(&files, &map, &place, COMMAND).unwrap();
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
        let (_d, _p, files) = home(&format!("[default]\n{}", pair()), "");
        let map = files.config_map().unwrap();
        let place = key_place(&map, "default").unwrap();
        let plan = plan_store(&files, &map, &place, "mfatui credential-process default").unwrap();
        assert_eq!(
            after(&plan),
            [(
                FileKind::Config,
                format!("[default]\ncredential_process = mfatui credential-process default\nmfatui_keyring = {ID}\n")
            )]
        );
        // A profile with its own credential_process keeps it; one without a config section
        // gets `[profile NAME]`.
        let (_d, _p, files) = home(
            "[profile dev]\ncredential_process = other-tool\n",
            &format!("[dev]\n{}[qa]\n{}", pair(), pair()),
        );
        let map = files.config_map().unwrap();
        let dev = plan_store(&files, &map, &key_place(&map, "dev").unwrap(), COMMAND).unwrap();
        assert_eq!(after(&dev).len(), 1, "only the credentials file changes");
        let qa = plan_store(&files, &map, &key_place(&map, "qa").unwrap(), "x").unwrap();
        assert!(after(&qa)[0]
            .1
            .ends_with("\n[profile qa]\ncredential_process = x\n"));
    }

    #[test]
    fn restore_puts_the_pair_back_and_removes_only_mfatuis_credential_process() {
        let marker = |file| Marker {
            profile: "dev".to_owned(),
            file,
            section: "dev".to_owned(),
            key_id: ID.to_owned(),
        };
        let creds = Credentials {
            access_key_id: ID.to_owned(),
            secret_access_key: Secret::new(SECRET),
            session_token: None,
            expiration: None,
        };
        let config =
            "[profile dev]\ncredential_process = '/opt/my tools/mfatui' credential-process dev\n";
        let (_d, _p, files) = home(config, &format!("[dev]\nmfatui_keyring = {ID}\n"));
        let map = files.config_map().unwrap();
        let plan = plan_restore(&files, &map, &marker(FileKind::Credentials), &creds).unwrap();
        assert_eq!(
            after(&plan),
            [
                (FileKind::Credentials, format!("[dev]\n{}", pair())),
                (FileKind::Config, "[profile dev]\n".to_owned()),
            ],
            "the keys first, then the config"
        );
        let (_d, _p, files) = home(
            "[profile dev]\ncredential_process = mfatui credential-process prod\n",
            &format!("[dev]\nmfatui_keyring = {ID}\n"),
        );
        let map = files.config_map().unwrap();
        let plan = plan_restore(&files, &map, &marker(FileKind::Credentials), &creds).unwrap();
        assert_eq!(
            after(&plan).len(),
            1,
            "another profile's command is not ours"
        );
    }

    #[test]
    fn markers_are_found_on_the_profile_or_its_aws_mfa_partner_and_listed_masked() {
        let (_d, paths, files) = home(
            "[profile dev]\nmfa_serial = arn:aws:iam::123456789012:mfa/ana\ncredential_process = mfatui credential-process dev-long-term\n[profile ops]\nmfatui_keyring = AKIAI44QH8DHBEXAMPLE\n",
            &format!("[dev]\naws_access_key_id = ASIAX\naws_secret_access_key = s\naws_session_token = t\n[dev-long-term]\nmfatui_keyring = {ID}\n"),
        );
        let map = files.config_map().unwrap();
        let settings = Settings::default();
        let found = marker_place(&paths, &settings, &map, "dev").unwrap();
        assert_eq!(
            found,
            Marker {
                profile: "dev-long-term".to_owned(),
                file: FileKind::Credentials,
                section: "dev-long-term".to_owned(),
                key_id: ID.to_owned(),
            }
        );
        assert_eq!(
            marker_place(&paths, &settings, &map, "ops").map(|m| (m.file, m.section)),
            Some((FileKind::Config, "profile ops".to_owned()))
        );
        assert_eq!(marker_place(&paths, &settings, &map, "nobody"), None);
        let rows = listed(&map);
        assert_eq!(
            rows,
            [
                Listed {
                    profile: "ops".to_owned(),
                    key: "****MPLE".to_owned(),
                    place: "[profile ops] config".to_owned(),
                    served_by: "nothing (no credential_process)",
                },
                Listed {
                    profile: "dev-long-term".to_owned(),
                    key: "****MPLE".to_owned(),
                    place: "[dev-long-term] credentials".to_owned(),
                    served_by: "nothing (no credential_process)",
                },
            ]
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
    fn quoting_round_trips_through_botocores_split() {
        for word in [
            "dev",
            "my dev",
            "it's",
            "",
            "a\"b",
            "/opt/x y/mfatui",
            "$HOME",
        ] {
            let quoted = quote(word);
            assert_eq!(
                crate::awsfiles::shlex::split(&quoted),
                Some(vec![word.to_owned()]),
                "{word:?} → {quoted}"
            );
        }
        assert_eq!(quote("dev-1_a.b@c"), "dev-1_a.b@c");
    }

    #[test]
    fn backups_holding_the_secret_are_rewritten_and_others_left_alone() {
        let (_d, paths, _files) = home("", "");
        let mut settings = Settings::default();
        let custom = _d.path().join("kept");
        settings.backups_dir = Some(custom.clone());
        let now = chrono::Utc::now();
        let with = format!("[dev]\n{}", pair());
        let beside = backup::backup_dir(&paths.credentials, None);
        let a = backup::create(&paths.credentials, &beside, with.as_bytes(), now).unwrap();
        let b = backup::create(&paths.config, &custom, with.as_bytes(), now).unwrap();
        let c = backup::create(&paths.credentials, &custom, b"[dev]\n", now).unwrap();
        let creds = Credentials {
            access_key_id: ID.to_owned(),
            secret_access_key: Secret::new(SECRET),
            session_token: None,
            expiration: None,
        };
        let mut done = scrub(&paths, &settings, &creds).unwrap();
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
        assert!(backups_holding(&paths, &settings, SECRET)
            .unwrap()
            .is_empty());
    }
}
