//! `mfatui set`, `mfatui backups`, `mfatui restore`: safe edits of the shared files.

use super::args::{BackupsArgs, FileChoice, RestoreArgs, SetArgs};
use super::command_error::EditCommandError as Error;
use super::confirm::{confirm_and_write, WriteFlags};
use super::Failure;
use crate::awsfiles::backup::{self, BACKUP_DIR};
use crate::awsfiles::config_map::config_section_name;
use crate::awsfiles::mask::SECRET_KEYS;
use crate::awsfiles::{
    AwsFile, AwsFiles, AwsPaths, ConfigMap, Document, Edit, FileChange, FileKind, Plan, SyntaxError,
};
use crate::context::Context;
use zeroize::Zeroizing;

use std::path::{Path, PathBuf};

/// Keys that `aws configure set` also writes to the credentials file.
const CREDENTIAL_KEYS: [&str; 3] = [
    "aws_access_key_id",
    "aws_secret_access_key",
    "aws_session_token",
];

/// Where a setting of `profile` takes effect when mfatui writes `key` and the user did not
/// choose a file: the credentials file for keys and tokens (as `aws configure set` does), and
/// also for any key the credentials file already sets for the profile — botocore lets the
/// credentials file win key by key, so a config-file value would be silently overridden.
pub fn file_for(map: &ConfigMap, profile: &str, key: &str) -> FileKind {
    let in_credentials = map
        .profile(profile)
        .is_some_and(|p| p.credentials_only().has(key));
    if CREDENTIAL_KEYS.contains(&key) || in_credentials {
        FileKind::Credentials
    } else {
        FileKind::Config
    }
}

/// The section to write `profile`'s keys to in `kind`: the one that defines it, else a new one
/// named as botocore reads it back (`[profile "my team"]` in the config file, the name
/// itself in the credentials file).
pub fn section_for(map: &ConfigMap, profile: &str, kind: FileKind) -> String {
    match kind {
        FileKind::Credentials => profile.to_owned(),
        FileKind::Config => map
            .profile(profile)
            .and_then(|p| p.config_section.map(str::to_owned))
            .unwrap_or_else(|| config_section_name(profile)),
    }
}

/// Why `plan` would not make `profile`'s `key` read as `value` the way botocore merges the
/// files (one sentence naming where the winning setting is), or `None` when it would.
/// Values are never quoted: the key may be a secret.
pub fn overridden(
    files: &AwsFiles,
    plan: &Plan,
    profile: &str,
    key: &str,
    value: &str,
) -> Result<Option<String>, SyntaxError> {
    let (config, credentials) = (after(plan, &files.config), after(plan, &files.credentials));
    let map = ConfigMap::build(config.structure()?, credentials.structure()?);
    let Some(p) = map.profile(profile) else {
        return Ok(Some(format!(
            "botocore would not see a profile named '{profile}' in the files as written"
        )));
    };
    if p.get(key).map(str::trim) == Some(value.trim()) {
        return Ok(None);
    }
    let winner = match (p.credentials_only().has(key), p.credentials_section) {
        (true, Some(section)) => {
            let own = credentials
                .structure()
                .ok()
                .and_then(|s| s.section(section).and_then(|s| s.entry(key)).map(drop))
                .is_some();
            let place = if own {
                format!("[{section}] in the credentials file sets {key} too")
            } else {
                format!("the credentials file's [DEFAULT] sets {key} for its [{section}]")
            };
            format!("{place}, and botocore lets the credentials file win")
        }
        _ => format!("another setting of {key} wins for it as botocore merges the files"),
    };
    Ok(Some(format!(
        "this does not take effect for '{profile}': {winner}; write it there with --file credentials, or remove it there"
    )))
}

/// `file`'s document as `plan` leaves it.
fn after<'a>(plan: &'a Plan, file: &'a AwsFile) -> &'a Document {
    plan.changes
        .iter()
        .find(|c| c.path == file.path)
        .map_or(&file.document, |c| &c.after)
}

/// `mfatui set PROFILE KEY VALUE`.
pub fn set(ctx: &Context, args: &SetArgs) -> Result<(), Failure> {
    let key = args.key.to_lowercase();
    let value = match &args.value {
        Some(_) if SECRET_KEYS.contains(&key.as_str()) => {
            return Err(Error::SecretOnCommandLine {
                key,
                profile: args.profile.clone(),
            }
            .into())
        }
        Some(v) => Zeroizing::new(v.clone()),
        None => read_value(&key, args.yes || args.dry_run)?,
    };
    let files = AwsFiles::load(&ctx.paths)?;
    let map = files.config_map()?;
    let kind = match args.file {
        Some(FileChoice::Config) => FileKind::Config,
        Some(FileChoice::Credentials) => FileKind::Credentials,
        None => file_for(&map, &args.profile, &key),
    };
    if args.file.is_none()
        && kind == FileKind::Credentials
        && !CREDENTIAL_KEYS.contains(&key.as_str())
    {
        println!(
            "The credentials file already sets {key} for '{}', and it wins over the config file: the new value goes there.",
            args.profile
        );
    }
    let file = match kind {
        FileKind::Credentials => &files.credentials,
        FileKind::Config => &files.config,
    };
    let edit = Edit::Set {
        section: section_for(&map, &args.profile, kind),
        key: key.clone(),
        value: value.to_string(),
    };
    let mut plan = Plan::default();
    plan.edit(file, vec![edit]).map_err(|cause| Error::Edit {
        path: file.path.clone(),
        cause,
    })?;
    if let Some(why) = overridden(&files, &plan, &args.profile, &key, &value)? {
        eprintln!("mfatui: note: {why}.");
    }
    confirm_and_write(
        plan,
        WriteFlags {
            dry_run: args.dry_run,
            yes: args.yes,
        },
        ctx,
    )?;
    Ok(())
}

/// The value of `set --value-stdin`: one line from standard input (bounded), or typed unseen
/// on the terminal. From a pipe, the confirmation cannot be asked: `--yes` or `--dry-run`
/// must be given, checked before anything is read.
fn read_value(key: &str, no_question: bool) -> Result<Zeroizing<String>, Error> {
    use std::io::{IsTerminal, Read};
    if std::io::stdin().is_terminal() {
        let typed =
            rpassword::prompt_password(format!("{key} (not shown): ")).map_err(Error::Terminal)?;
        let typed = Zeroizing::new(typed);
        return Ok(Zeroizing::new(typed.trim().to_owned()));
    }
    if !no_question {
        return Err(Error::ValueNeedsYes);
    }
    // Bounded, and reserved up front so the buffer never moves (no stray copies).
    const LIMIT: usize = 8192;
    let mut input = Zeroizing::new(String::with_capacity(LIMIT + 1));
    std::io::stdin()
        .take(LIMIT as u64)
        .read_to_string(&mut input)
        .map_err(Error::Stdin)?;
    let mut lines = input.lines().map(str::trim).filter(|l| !l.is_empty());
    match (lines.next(), lines.next()) {
        (Some(v), None) => Ok(Zeroizing::new(v.to_owned())),
        _ => Err(Error::ValueLines),
    }
}

/// `mfatui backups [FILE]`.
pub fn list_backups(ctx: &Context, args: &BackupsArgs) -> Result<(), Failure> {
    let paths = &ctx.paths;
    let files: Vec<&Path> = match args.file {
        Some(FileChoice::Config) => vec![&paths.config],
        Some(FileChoice::Credentials) => vec![&paths.credentials],
        None => vec![&paths.config, &paths.credentials],
    };
    let mut any = false;
    let places = files
        .into_iter()
        .flat_map(|file| backup::places(file, ctx.backups_dir().as_deref()));
    for (file, dir) in places {
        let listed = backup::list(&file, &dir).map_err(|source| Error::Backups {
            dir: dir.clone(),
            source,
        })?;
        for b in listed {
            any = true;
            println!(
                "{}  {:>8} bytes  {}",
                b.time.format("%Y-%m-%d %H:%M:%S UTC"),
                b.size,
                b.path.display()
            );
        }
    }
    if !any {
        println!("No backups yet.");
    }
    Ok(())
}

/// `mfatui restore BACKUP`: the file the backup belongs to gets the backup's content (after
/// its current content is itself backed up).
pub fn restore(ctx: &Context, args: &RestoreArgs) -> Result<(), Failure> {
    let paths = &ctx.paths;
    let backup = find_backup(ctx, &args.backup)?;
    let original = original_of(&backup, paths, ctx.backups_dir().as_deref())?;
    check_own_backup(&backup)?;
    // Only the files this run uses are written: a backup of another file (the real ~/.aws
    // seen from the demo, another AWS_CONFIG_FILE) is refused, not restored over it.
    let (kind, target) = if same_file(&original, &paths.config) {
        (FileKind::Config, &paths.config)
    } else if same_file(&original, &paths.credentials) {
        (FileKind::Credentials, &paths.credentials)
    } else {
        return Err(Error::OtherFile {
            backup,
            original,
            config: paths.config.clone(),
            credentials: paths.credentials.clone(),
        }
        .into());
    };
    let bytes = crate::safe_fs::read(&backup).map_err(|source| Error::Unreadable {
        path: backup.clone(),
        source,
    })?;
    let content = Document::parse(&bytes).map_err(|source| Error::Undecodable {
        path: backup.clone(),
        source,
    })?;
    let current = AwsFile::load(kind, target)?;
    let plan = Plan {
        changes: vec![FileChange::replace(&current, content)],
        cli_cache: Vec::new(),
    };
    confirm_and_write(
        plan,
        WriteFlags {
            dry_run: args.dry_run,
            yes: args.yes,
        },
        ctx,
    )?;
    Ok(())
}

/// Refuses to restore anything but one of this user's backups: a regular file (not a symbolic
/// link) owned by this user, in a backup folder that is this user's private folder.
fn check_own_backup(backup: &Path) -> Result<(), Error> {
    if let Some(dir) = backup.parent().filter(|d| !d.as_os_str().is_empty()) {
        backup::check_dir(dir)?;
    }
    let meta = std::fs::symlink_metadata(backup).map_err(|source| Error::Unreadable {
        path: backup.to_owned(),
        source,
    })?;
    if backup::is_own_file(&meta) {
        return Ok(());
    }
    let what = if meta.file_type().is_symlink() {
        "a symbolic link".to_owned()
    } else if !meta.is_file() {
        crate::awsfiles::files::file_type_name(&meta).to_owned()
    } else {
        format!(
            "owned by another user (uid {})",
            std::os::unix::fs::MetadataExt::uid(&meta)
        )
    };
    Err(Error::NotOwn {
        path: backup.to_owned(),
        what,
    })
}

/// Whether `a` and `b` name the same file: the same name in the same folder, symbolic links
/// in the folders resolved (the file itself may be missing), or one the other's links lead
/// to (a backup beside the real file of a linked `~/.aws/credentials`).
fn same_file(a: &Path, b: &Path) -> bool {
    let folder = |p: &Path| {
        let parent = p.parent().filter(|d| !d.as_os_str().is_empty());
        std::fs::canonicalize(parent.unwrap_or(Path::new("."))).ok()
    };
    let alike = |a: &Path, b: &Path| {
        a == b || (a.file_name() == b.file_name() && folder(a).is_some() && folder(a) == folder(b))
    };
    let real = |p: &Path| crate::safe_fs::resolve_symlinks(p).unwrap_or_else(|_| p.to_owned());
    alike(a, b) || alike(&real(a), &real(b))
}

/// The backup `given` names: as given when it has a folder or exists here, else (a bare file
/// name, as `mfatui backups` lists) the file of that name in a backup folder of either file;
/// a bare name found in neither is one sentence naming where it was looked for.
fn find_backup(ctx: &Context, given: &Path) -> Result<PathBuf, Error> {
    let bare = given.parent().is_none_or(|p| p.as_os_str().is_empty());
    if !bare || given.exists() {
        return Ok(given.to_owned());
    }
    let custom = ctx.backups_dir();
    let mut dirs: Vec<PathBuf> = Vec::new();
    for file in [&ctx.paths.config, &ctx.paths.credentials] {
        for (_, dir) in backup::places(file, custom.as_deref()) {
            if !dirs.contains(&dir) {
                dirs.push(dir);
            }
        }
    }
    if let Some(found) = dirs.iter().map(|d| d.join(given)).find(|c| c.exists()) {
        return Ok(found);
    }
    let looked: Vec<String> = dirs.iter().map(|d| d.display().to_string()).collect();
    Err(Error::NoBackupNamed {
        given: given.to_owned(),
        looked: looked.join(" or "),
        backups: ctx.command(&["backups"]),
    })
}

/// `DIR/.mfatui-backups/NAME.STAMP[.N].bak` → `DIR/NAME`; a backup in the `backups.dir`
/// folder belongs to the config or credentials file whose name it starts with.
fn original_of(
    backup_path: &Path,
    paths: &AwsPaths,
    custom: Option<&Path>,
) -> Result<PathBuf, Error> {
    let not_backup = || Error::NotABackup(backup_path.to_owned());
    let dir = backup_path.parent().ok_or_else(not_backup)?;
    let name = backup_path
        .file_name()
        .and_then(|n| n.to_str())
        .ok_or_else(not_backup)?;
    let stem = name.strip_suffix(".bak").ok_or_else(not_backup)?;
    let at = stem.find(".20").ok_or_else(not_backup)?;
    let original = &stem[..at];
    if dir.file_name().is_some_and(|n| n == BACKUP_DIR) {
        return Ok(dir.parent().unwrap_or(Path::new(".")).join(original));
    }
    let in_custom_dir = custom.is_some_and(|custom| custom == dir);
    [&paths.config, &paths.credentials]
        .into_iter()
        .find(|p| in_custom_dir && p.file_name().is_some_and(|n| n == original))
        .cloned()
        .ok_or_else(not_backup)
}
