//! `mfatui keyring store|restore|add|list|forget`: long-term access keys kept in the OS keyring
//! instead of the shared files (the changes and steps of a move are [`crate::keys::custody`]'s;
//! this module shows them and asks).
//!
//! The section that held a pair keeps every other key and gets `mfatui_keyring = KEY_ID`; the
//! profile's config section gets `credential_process = mfatui credential-process PROFILE`
//! when it has none, so every AWS tool can go on using the profile by name. Where a profile's
//! keys are (files or keyring) is its layout's answer ([`crate::awsfiles::layout`]).
//!
//! Order, so that a crash between two steps never leaves a profile without a working key:
//! `store` checks the key with GetCallerIdentity, writes the keyring and reads it back, then
//! writes the config file (credential_process: harmless while the credentials file still holds
//! the keys, which botocore prefers), then the file that held the pair, then rewrites the
//! backups that still hold the secret; running it again finishes an interrupted scrub.
//! `restore` writes the keys back into the file and keeps the keyring entry, as `add` keeps
//! the entry of a key it replaces: another file set (moved, copied, edited) may still name it,
//! and no record of who does can be trusted to be complete. `forget` is the only command that
//! deletes an entry, after a yes. A keyring entry that the files do not point to is harmless.

use super::args::{
    KeyringAddArgs, KeyringArgs, KeyringCommand, KeyringForgetArgs, KeyringListArgs,
    KeyringMoveArgs,
};
use super::command_error::{KeyringCommandError as Error, Untouched};
use super::confirm::{ask, print_diff, report};
use super::{Failure, Run};
use crate::aws::{AwsError, Credentials};
use crate::awsfiles::backup::Backup;
use crate::awsfiles::fault::{self, Step};
use crate::awsfiles::layout::own_keys;
use crate::awsfiles::mask::mask_key_id;
use crate::awsfiles::profile::{Name, KEYRING_MARKER};
use crate::awsfiles::{commit, ConfigMap, FileKind, KeyPlace, KeyStore, OnChange, Snapshot};
use crate::context::Context;
use crate::keys::custody::{
    self, backups_holding, config_section, credential_process, is_ours, marker_file, masked_diff,
    names_key, plan_add, plan_restore, scrub, with_entry_lock, EntryError, Progress, Recorded,
    Start,
};
use crate::keys::keyring::{check_keys, entry_user, Keyring, KeyringError, SERVICE};
use crate::renew::plan::{keys_at, site_for, Keys};
use crate::secret::Secret;
use std::io::Read;
use std::path::Path;
use zeroize::Zeroizing;

/// How the workflows reach the keyring: opened only when a step needs it (`list` never does).
type Open<'a> = &'a dyn Fn() -> Result<Keyring, KeyringError>;

/// Runs `mfatui keyring …`. Refused under `--demo`, which must not touch the real keyring.
pub fn run(run: &Run, args: &KeyringArgs) -> Result<(), Failure> {
    if run.ctx.demo
        && !matches!(
            args.command,
            KeyringCommand::List(KeyringListArgs { kept: false })
        )
    {
        return Err(Error::Demo.into());
    }
    let open: Open = &Keyring::open;
    match &args.command {
        KeyringCommand::Store(a) => store(run, a, open),
        KeyringCommand::Restore(a) => restore(&run.ctx, a, open),
        KeyringCommand::Add(a) => add(run, a, open),
        KeyringCommand::List(a) => list(&run.ctx, a, open),
        KeyringCommand::Forget(a) => forget(&run.ctx, a, open),
    }
}

/// The shared files as they are now.
fn load(ctx: &Context) -> Result<Snapshot, Failure> {
    Ok(ctx.snapshot()?)
}

/// The keyring marker `name` uses: its own, or its aws-mfa long-term partner's.
fn marker_of(snapshot: &Snapshot, name: &str) -> Option<KeyPlace> {
    let keys = snapshot.layout_of(name).keys.clone()?;
    (keys.store == KeyStore::Keyring).then_some(keys)
}

/// The key pair `name` uses from the files (its own, or its partner's), with its place.
fn file_keys(snapshot: &Snapshot, name: &str) -> Option<(KeyPlace, Credentials)> {
    let place = snapshot.layout_of(name).keys.clone()?;
    match keys_at(snapshot.map(), &place)? {
        Keys::Here(creds) => Some((place, creds)),
        Keys::Keyring { .. } => None,
    }
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

/// `sts:GetCallerIdentity` with `creds`: the ARN, or why the key does not work (outside, why
/// the call could not be made at all).
fn check_with_sts(
    run: &Run,
    snapshot: &Snapshot,
    name: &str,
    creds: &Credentials,
) -> Result<Result<String, AwsError>, Failure> {
    let map = snapshot.map();
    let opts = crate::renew::plan::RenewOptions::of(&run.ctx, name, run.ctx.now());
    let site = site_for(map, map.profile(name), &opts);
    Ok(run
        .block_on(run.api.caller_identity(&site, creds))?
        .map(|identity| identity.arn))
}

/// A failed keyring call, with what it left as it was.
fn keyring_failed(left: Untouched) -> impl Fn(KeyringError) -> Error {
    move |cause| Error::Keyring { cause, left }
}

/// `mfatui keyring store PROFILE`.
fn store(run: &Run, args: &KeyringMoveArgs, open: Open) -> Result<(), Failure> {
    let ctx = &run.ctx;
    let name = args.profile.as_str();
    let snapshot = load(ctx)?;
    let mv = match custody::start_store(ctx, &snapshot, name)? {
        Start::Move(mv) => mv,
        Start::InKeyring(marker) => return finish_store(ctx, &snapshot, args, &marker, open),
    };
    let (place, creds) = (&mv.place, &mv.creds);
    let id = mask_key_id(&creds.access_key_id);
    println!(
        "'{}': access key {id} in [{}] of {}.",
        place.profile,
        place.section,
        mv.file_path.display()
    );
    for copy in &mv.copies {
        println!(
            "The same key is in [{}] of the {} file ('{}'): it moves too.",
            copy.section,
            copy.file.label(),
            copy.profile
        );
    }
    let holding = backups_holding(ctx, creds.secret_access_key.expose())?;
    if !args.dry_run {
        let arn = check_with_sts(run, &snapshot, name, creds)?.map_err(|cause| {
            Error::KeyDoesNotWork {
                id: id.clone(),
                profile: place.profile.to_string(),
                cause,
            }
        })?;
        println!("GetCallerIdentity accepts it: {arn}.");
    }
    print_diff(&masked_diff(&mv.plan, &creds.access_key_id), ctx);
    print_backups(&holding, Some(&mv.file_path));
    if args.dry_run {
        println!("Dry run: no AWS call was made, the OS keyring and the files are unchanged.");
        return Ok(());
    }
    if !args.yes && !ask("Move the key into the OS keyring and change the files? [y/N] ")? {
        println!("Nothing was changed.");
        return Ok(());
    }
    let linked = custody::hard_linked(ctx);
    // custody::store records this file set in each entry it writes (as `V` in the TUI).
    let rewritten = custody::store(ctx, run.keyring.as_ref(), &mv, &mut |step| match step {
        Progress::InKeyring => println!(
            "Stored in the OS keyring (service {SERVICE}, user {}) and read back.",
            entry_user(&place.profile, &creds.access_key_id)
        ),
        Progress::Written(written) => report(&written),
    })?;
    println!(
        "Rewrote {} backup(s) without the secret key.",
        rewritten.len()
    );
    let moved: Vec<String> = mv.places().map(|p| format!("'{}'", p.profile)).collect();
    let strays = custody::strays(ctx, creds.secret_access_key.expose(), &creds.access_key_id);
    // What was searched is said, not more: an escape mfatui does not read is not seen
    // (attack round 15c, G-2).
    println!(
        "Done: {} keep{} the key {id} in the OS keyring; their sections hold only {KEYRING_MARKER} = {id}{}.",
        moved.join(", "),
        if moved.len() == 1 { "s" } else { "" },
        if strays.is_empty() && linked.is_empty() {
            ", and no other line holds the secret as written or through the escapes mfatui reads"
        } else {
            ""
        }
    );
    if !strays.is_empty() {
        println!(
            "Still holding the secret or naming its key, outside the key's own lines (remove it there yourself):"
        );
        for stray in &strays {
            println!("  line {} of {}", stray.line, stray.path.display());
        }
    }
    for (path, others) in &linked {
        println!(
            "{} has {others} other name(s) (hard links): they keep its old content, the secret included; remove them or link them again",
            path.display()
        );
    }
    let copies = copies_holding(ctx, creds.secret_access_key.expose());
    if !copies.is_empty() {
        println!(
            "Still holding the secret: the copies of a running `exec --server` (removed when it ends):"
        );
        for path in copies {
            println!("  {}", path.display());
        }
    }
    let (_, cache) = crate::serve::overlay::places(ctx);
    let kept = crate::serve::overlay::kept_holding(&cache, creds.secret_access_key.expose());
    if !kept.is_empty() {
        println!(
            "Still holding the secret: copies a tool inside `exec --server` changed, kept for you (delete them once you have taken what you need):"
        );
        for path in kept {
            println!("  {}", path.display());
        }
    }
    Ok(())
}

/// The copies `exec --server` made for its command that still hold `secret` after the real
/// files stopped holding it. Those of runs that are gone are removed first; those of a run
/// still going are rewritten by it within a second of the change, so this waits up to 3 s
/// for them before naming what is left.
fn copies_holding(ctx: &Context, secret: &str) -> Vec<std::path::PathBuf> {
    let (base, temp) = crate::serve::overlay::places(ctx);
    crate::serve::overlay::remove_stale(&base, &temp);
    let none = crate::safe_fs::wait_blocking_every(
        std::time::Duration::from_secs(3),
        std::time::Duration::from_millis(100),
        || {
            let found = crate::serve::overlay::copies_holding(&base, &temp, secret);
            Ok(found.is_empty().then_some(()))
        },
    );
    match none {
        Ok(Some(())) => Vec::new(),
        _ => crate::serve::overlay::copies_holding(&base, &temp, secret),
    }
}

/// `store` on a profile whose key is already in the keyring: rewrites the backups that an
/// interrupted `store` left holding the secret.
fn finish_store(
    ctx: &Context,
    snapshot: &Snapshot,
    args: &KeyringMoveArgs,
    marker: &KeyPlace,
    open: Open,
) -> Result<(), Failure> {
    let keyring = open()?;
    let creds = keyring.load(&marker.profile, &marker.access_key_id)?;
    if !args.dry_run {
        // Entries stored before file sets were recorded, or by a run stopped in between.
        with_entry_lock(ctx, || -> Result<_, EntryError> {
            Ok(keyring.add_user(&marker.profile, &creds, &marker_file(ctx, marker.file))?)
        })?;
    }
    let holding = backups_holding(ctx, creds.secret_access_key.expose())?;
    let id = mask_key_id(&marker.access_key_id);
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
    // The pair becomes a marker only in the sections whose profiles have an entry for it.
    let mut sections = Vec::new();
    for (profile, _) in snapshot.map().profiles() {
        let Some(keys) = own_keys(snapshot.map(), profile) else {
            continue;
        };
        let named = keys.store == KeyStore::Keyring && keys.access_key_id == marker.access_key_id;
        if named
            && keyring
                .existing(profile, &marker.access_key_id)
                .is_ok_and(|e| e.is_some())
        {
            sections.push(keys.section.to_string());
        }
    }
    let rewritten = scrub(ctx, &creds, &sections)?;
    println!(
        "Rewrote {} backup(s) without the secret key.",
        rewritten.len()
    );
    Ok(())
}

/// `mfatui keyring restore PROFILE`.
fn restore(ctx: &Context, args: &KeyringMoveArgs, open: Open) -> Result<(), Failure> {
    let name = args.profile.as_str();
    let snapshot = load(ctx)?;
    let (files, map) = (snapshot.files(), snapshot.map());
    if map.profile(name).is_none() {
        return Err(Error::NoProfile(name.to_owned()).into());
    }
    let Some(marker) = marker_of(&snapshot, name) else {
        return finish_restore(ctx, &snapshot, name);
    };
    let keyring = open().map_err(keyring_failed(Untouched::Changed))?;
    let creds = keyring
        .load(&marker.profile, &marker.access_key_id)
        .map_err(keyring_failed(Untouched::Changed))?;
    let id = mask_key_id(&marker.access_key_id);
    if creds.access_key_id != marker.access_key_id {
        return Err(Error::OtherKey {
            held: mask_key_id(&creds.access_key_id),
            profile: marker.profile.to_string(),
            section: marker.section.to_string(),
            file: marker.file.label(),
            id,
            add: ctx.command(&["keyring", "add", &marker.profile]),
        }
        .into());
    }
    let plan = plan_restore(files, map, &marker, &creds).map_err(|cause| Error::Edit {
        cause,
        left: Untouched::Changed,
    })?;
    print_diff(&masked_diff(&plan, &creds.access_key_id), ctx);
    println!(
        "The OS keyring entry (service {SERVICE}, user {}) is kept: another file set may still name it.",
        entry_user(&marker.profile, &marker.access_key_id)
    );
    if args.dry_run {
        println!("Dry run: the OS keyring and the files are unchanged.");
        return Ok(());
    }
    if !args.yes && !ask("Put the key back into the file? [y/N] ")? {
        println!("Nothing was changed.");
        return Ok(());
    }
    // Under the keyring lock, and never while a rotation holds the key: it would write its
    // new key beside the pair put back here and delete the key that pair names (round 10).
    let written = with_entry_lock(ctx, || -> Result<_, Failure> {
        not_rotating(ctx, &creds.access_key_id)?;
        Ok(commit(&plan, &ctx.write_options(OnChange::Merge)).map_err(Error::NotRestored)?)
    })?;
    report(&written);
    fault::point(Step::KeyringBeforeDelete).map_err(Error::Fault)?;
    let here = marker_file(ctx, marker.file);
    let names = |f: &str| f != here && names_key(f, &marker.access_key_id);
    if let Ok(others) = keyring.users(&marker.profile, &marker.access_key_id, &names) {
        if !others.is_empty() {
            println!("The marker in {} still names this key.", others.join(", "));
        }
    }
    println!(
        "Done: '{}' has its key {id} in [{}] of the {} file again; {}",
        marker.profile,
        marker.section,
        marker.file.label(),
        kept_line(ctx, &marker.profile, &marker.access_key_id)
    );
    Ok(())
}

/// Refuses while a rotation's journal holds the key `id` (a rotation under way, or one
/// stopped before it finished): checked under the keyring lock, which a rotation takes to
/// start (attack rounds 10 and 11).
fn not_rotating(ctx: &Context, id: &str) -> Result<(), Failure> {
    match crate::keys::journal::rotating(&ctx.paths.credentials, id) {
        Some(profile) => {
            let again = ctx.command(&["rotate", &profile]);
            Err(Error::Rotating { profile, again }.into())
        }
        None => Ok(()),
    }
}

/// The sentence that says an entry is kept and how to remove it.
fn kept_line(ctx: &Context, profile: &str, access_key_id: &str) -> String {
    format!(
        "its OS keyring entry (user {}) is kept, since another file set's marker may still name it: remove it with {} once nothing needs it.",
        entry_user(profile, access_key_id),
        ctx.command(&["keyring", "forget", profile, "--key-id", access_key_id])
    )
}

/// `restore` on a profile whose key is already in the file: nothing to do. An entry holding
/// that key is never deleted here (it may be another file set's): `forget` does that.
fn finish_restore(ctx: &Context, snapshot: &Snapshot, name: &str) -> Result<(), Failure> {
    let (place, on_file) =
        file_keys(snapshot, name).ok_or_else(|| Error::NotInKeyring(name.to_owned()))?;
    println!(
        "'{}' already has its key in the {} file: nothing to restore. An OS keyring entry of it, if any, is kept; {} removes it.",
        place.profile,
        place.file.label(),
        ctx.command(&["keyring", "forget", &place.profile, "--key-id", &on_file.access_key_id])
    );
    Ok(())
}

/// The key pair `add` was given: from standard input, or asked on the terminal.
fn read_keys(from_stdin: bool) -> Result<Credentials, Failure> {
    use std::io::IsTerminal;
    // `--stdin` typed at a terminal would echo the secret (round 10): asked unseen instead.
    let (id, secret) = if from_stdin && !std::io::stdin().is_terminal() {
        // Bounded, and reserved up front so the buffer never moves (no stray copies).
        const LIMIT: usize = 4096;
        let mut input = Zeroizing::new(String::with_capacity(LIMIT + 1));
        std::io::stdin()
            .take(LIMIT as u64)
            .read_to_string(&mut input)
            .map_err(Error::Stdin)?;
        let mut lines = input.lines().map(str::trim).filter(|l| !l.is_empty());
        match (lines.next(), lines.next(), lines.next()) {
            (Some(id), Some(secret), None) => (id.to_owned(), Zeroizing::new(secret.to_owned())),
            _ => return Err(Error::StdinLines.into()),
        }
    } else {
        // Both unseen: the key id and the secret pasted at once (two lines from the IAM
        // console or a password manager) would otherwise have the terminal echo the secret
        // while it waits at the first prompt (round 10).
        let no_tty = Error::NoTerminal;
        let id = Zeroizing::new(
            rpassword::prompt_password("Access key id (not shown): ").map_err(no_tty)?,
        );
        let secret = Zeroizing::new(
            rpassword::prompt_password("Secret access key (not shown): ").map_err(no_tty)?,
        );
        (
            id.trim().to_owned(),
            Zeroizing::new(secret.trim().to_owned()),
        )
    };
    check_keys(&id, &secret)?;
    Ok(Credentials {
        access_key_id: id,
        secret_access_key: Secret::new(secret.as_str()),
        session_token: None,
        expiration: None,
    })
}

/// Where `add` puts the marker of `name` when it has none: beside a session in the credentials
/// file a marker would mix two kinds of keys, so it goes to the config section then.
fn new_marker(map: &ConfigMap, name: &str) -> KeyPlace {
    let p = map.profile(name);
    let (file, section) = if p.is_some_and(|p| p.credentials_only().has("aws_access_key_id")) {
        (FileKind::Config, config_section(map, name))
    } else {
        let section = p.and_then(|p| p.credentials_section).unwrap_or(name);
        (FileKind::Credentials, section.to_owned())
    };
    KeyPlace {
        profile: Name::from(name),
        store: KeyStore::Keyring,
        file,
        section: Name::from(section),
        access_key_id: Name::default(),
    }
}

/// `mfatui keyring add PROFILE`.
fn add(run: &Run, args: &KeyringAddArgs, open: Open) -> Result<(), Failure> {
    let ctx = &run.ctx;
    let name = args.profile.as_str();
    let snapshot = load(ctx)?;
    let (files, map) = (snapshot.files(), snapshot.map());
    let target = match marker_of(&snapshot, name) {
        Some(marker) => marker,
        None => {
            if let Some((place, _)) = file_keys(&snapshot, name) {
                return Err(Error::InFiles {
                    profile: place.profile.to_string(),
                    section: place.section.to_string(),
                    file: place.file.label(),
                    store: ctx.command(&["keyring", "store", name]),
                }
                .into());
            }
            new_marker(map, name)
        }
    };
    let creds = read_keys(args.stdin)?;
    let id = mask_key_id(&creds.access_key_id);
    let arn =
        check_with_sts(run, &snapshot, name, &creds)?.map_err(|cause| Error::KeyRejected {
            id: id.clone(),
            cause,
        })?;
    println!("GetCallerIdentity accepts the key {id}: {arn}.");
    let marker = KeyPlace {
        access_key_id: Name::from(creds.access_key_id.as_str()),
        ..target
    };
    let plan = plan_add(
        files,
        map,
        &marker,
        &credential_process(ctx, &marker.profile),
    )
    .map_err(|cause| Error::Edit {
        cause,
        left: Untouched::Stored,
    })?;
    let keyring = open().map_err(keyring_failed(Untouched::Stored))?;
    // What this replaces: the key the marker names now (its entry is deleted at the end), or
    // another secret stored for the same key id.
    let before = target.access_key_id.as_str();
    let mut goes = None;
    if !before.is_empty() && before != creds.access_key_id {
        if keyring
            .existing(&marker.profile, before)
            .map_err(keyring_failed(Untouched::Stored))?
            .is_some()
        {
            goes = Some(format!(
                "'{}' keeps the key {} in the OS keyring: adding {id} replaces it in the files (its entry is kept)",
                marker.profile,
                mask_key_id(before)
            ));
        }
    } else if keyring
        .existing(&marker.profile, &creds.access_key_id)
        .map_err(keyring_failed(Untouched::Stored))?
        .is_some_and(|stored| stored.secret_access_key != creds.secret_access_key)
    {
        goes = Some(format!(
            "the OS keyring holds another secret for the key {id} of '{}': adding replaces it",
            marker.profile
        ));
    }
    if let Some(goes) = &goes {
        // Without a terminal to ask on, the refusal is the one sentence (said once).
        let needs_yes = || Error::ReplaceNeedsYes {
            replaces: goes.clone(),
        };
        if !args.yes && !std::io::IsTerminal::is_terminal(&std::io::stdin()) {
            return Err(needs_yes().into());
        }
        println!("{goes}.");
        if !args.yes && !ask("Replace it? [y/N] ").map_err(|_| needs_yes())? {
            println!("Nothing was stored.");
            return Ok(());
        }
    }
    let file = marker_file(ctx, marker.file);
    // Held until the marker is in the files: a `keyring forget` meanwhile never sees the
    // entry stored but not yet named.
    let written = with_entry_lock(ctx, || {
        if !before.is_empty() {
            // The rotation would write its new key over the marker written here.
            not_rotating(ctx, before)?;
        }
        keyring
            .store_checked(&marker.profile, &creds)
            .and_then(|()| keyring.add_user(&marker.profile, &creds, &file))
            .map_err(keyring_failed(Untouched::Files))?;
        println!(
            "Stored in the OS keyring (service {SERVICE}, user {}) and read back.",
            entry_user(&marker.profile, &creds.access_key_id)
        );
        fault::point(Step::KeyringAfterStore).map_err(Error::Fault)?;
        print_diff(&masked_diff(&plan, &creds.access_key_id), ctx);
        commit(&plan, &ctx.write_options(OnChange::Merge)).map_err(|cause| {
            Failure::from(Error::MarkerNotWritten {
                cause,
                again: ctx.command(&["keyring", "add", name]),
            })
        })
    })?;
    report(&written);
    if goes.is_some() && before != creds.access_key_id {
        println!(
            "The replaced key {}: {}",
            mask_key_id(before),
            kept_line(ctx, &marker.profile, before)
        );
    }
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
            let marker = own_keys(map, name).filter(|k| k.store == KeyStore::Keyring)?;
            let served_by = match p.get("credential_process") {
                Some(v) if is_ours(v, name) => "mfatui credential-process",
                Some(_) => "another credential_process",
                None => "nothing (no credential_process)",
            };
            Some(Listed {
                profile: name.to_owned(),
                key: mask_key_id(&marker.access_key_id),
                place: format!("[{}] {}", marker.section, marker.file.label()),
                served_by,
            })
        })
        .collect()
}

/// The entries of service mfatui for `profile` (`PROFILE (KEY_ID)`), as their key ids;
/// `None` when the keyring cannot be searched.
fn entries_of(keyring: &Keyring, profile: &str) -> Result<Option<Vec<String>>, KeyringError> {
    Ok(keyring.entries()?.map(|users| {
        users
            .iter()
            .filter_map(|u| {
                u.strip_prefix(profile)?
                    .strip_prefix(" (")?
                    .strip_suffix(')')
            })
            .filter(|id| check_keys(id, "x").is_ok())
            .map(str::to_owned)
            .collect()
    }))
}

/// `mfatui keyring forget PROFILE [--key-id ID] [--yes]`: the only command that deletes an
/// entry on its own (`restore`, `add` and rotation keep what they replace).
fn forget(ctx: &Context, args: &KeyringForgetArgs, open: Open) -> Result<(), Failure> {
    let name = args.profile.as_str();
    let keyring = open().map_err(keyring_failed(Untouched::Deleted))?;
    let id = match &args.key_id {
        Some(id) => id.clone(),
        None => match entries_of(&keyring, name).map_err(keyring_failed(Untouched::Deleted))? {
            None => return Err(Error::NotSearchable(name.to_owned()).into()),
            Some(ids) if ids.is_empty() => return Err(Error::NoEntryFor(name.to_owned()).into()),
            Some(ids) if ids.len() > 1 => {
                return Err(Error::SeveralEntries {
                    profile: name.to_owned(),
                    ids: ids.iter().map(|i| mask_key_id(i)).collect(),
                }
                .into())
            }
            Some(mut ids) => ids.remove(0),
        },
    };
    let masked = mask_key_id(&id);
    let user = entry_user(name, &id);
    let doubts = || doubts_of(ctx, &keyring, name, &id);
    let before = doubts()?;
    let refusal = before.refusal(&user, &masked);
    if let Some(which) = &refusal {
        if !args.yes {
            return Err(Error::StillNamed { why: which.clone() }.into());
        }
        println!("Deleting although {which} (--yes).");
    } else if !args.yes {
        let question = format!(
            "Delete the OS keyring entry '{user}' (key {masked})? No known marker names it; its secret is gone unless it is somewhere else. [y/N] "
        );
        if !std::io::IsTerminal::is_terminal(&std::io::stdin()) {
            return Err(Error::NeedsYes(user).into());
        }
        if !ask(&question)? {
            println!("Nothing was deleted.");
            return Ok(());
        }
    }
    // Under the keyring lock (`store` and `add` hold it until their marker is in the files),
    // and only if nothing changed while the question waited: a marker written meanwhile
    // names the key now.
    with_entry_lock(ctx, || {
        // The rotation still needs the entry of its old key (to write it back) and of its new.
        not_rotating(ctx, &id)?;
        let now = doubts()?;
        if !args.yes && now != before {
            let why = now
                .refusal(&user, &masked)
                .unwrap_or_else(|| "the files changed while the question waited".to_owned());
            return Err(Error::ChangedMeanwhile { why }.into());
        }
        keyring
            .delete(name, &id)
            .map_err(|e| Failure::from(keyring_failed(Untouched::Deleted)(e)))
    })?;
    println!("Deleted the OS keyring entry '{user}' (key {masked}).");
    Ok(())
}

/// Why deleting an entry may leave a file set without its key: the files whose marker
/// names the key, and the recorded files that cannot tell ([`custody::Recorded::InDoubt`]).
#[derive(Debug, Default, PartialEq, Eq)]
struct Doubts {
    needed: Vec<String>,
    unclear: Vec<String>,
}

impl Doubts {
    /// The sentence that refuses the deletion (without `--yes`), or `None` when nothing known
    /// needs the entry.
    fn refusal(&self, user: &str, masked: &str) -> Option<String> {
        let mut reasons = Vec::new();
        if !self.needed.is_empty() {
            reasons.push(format!(
                "the marker in {} still names the key {masked}",
                self.needed.join(", ")
            ));
        }
        if !self.unclear.is_empty() {
            reasons.push(format!(
                "the entry is recorded for {}, which {} gone or unreadable or no longer mentions the key: moved, or another file set there?",
                self.unclear.join(", "),
                if self.unclear.len() == 1 { "is" } else { "are" }
            ));
        }
        (!reasons.is_empty()).then(|| {
            format!(
                "{}; deleting the entry '{user}' may leave a file set without its key",
                reasons.join("; ")
            )
        })
    }
}

/// What this file set's files and the entry's recorded files say of the entry of `name`
/// holding key `id`. `Err` when the entry is missing (nothing to forget) or its list cannot
/// be read for another reason than its own damage.
fn doubts_of(ctx: &Context, keyring: &Keyring, name: &str, id: &str) -> Result<Doubts, Failure> {
    let mut doubts = Doubts {
        needed: [FileKind::Config, FileKind::Credentials]
            .into_iter()
            .map(|kind| marker_file(ctx, kind))
            .filter(|f| names_key(f, id))
            .collect(),
        unclear: Vec::new(),
    };
    // The pair itself in a recorded file is the one sign it is done with the entry.
    let secret = keyring.existing(name, id).ok().flatten();
    let secret = secret.as_ref().map(|c| c.secret_access_key.expose());
    match keyring.recorded(name, id) {
        Ok(files) => {
            for f in files {
                match custody::recorded_state(&f, id, secret) {
                    Recorded::NamesKey => doubts.needed.push(f),
                    Recorded::InDoubt => doubts.unclear.push(f),
                    Recorded::DoneWith => {}
                }
            }
        }
        Err(KeyringError::Missing { .. }) => {
            return Err(Error::NoEntry {
                user: entry_user(name, id),
                service: SERVICE,
            }
            .into())
        }
        // An entry mfatui cannot read may still be deleted (it is no use to anyone).
        Err(KeyringError::Unreadable { .. }) => {}
        Err(e) => return Err(keyring_failed(Untouched::Deleted)(e).into()),
    }
    doubts.needed.sort();
    doubts.needed.dedup();
    doubts.unclear.sort();
    doubts.unclear.dedup();
    Ok(doubts)
}

/// `mfatui keyring list`.
fn list(ctx: &Context, args: &KeyringListArgs, open: Open) -> Result<(), Failure> {
    let snapshot = load(ctx)?;
    let rows = listed(snapshot.map());
    if args.kept {
        list_kept(snapshot.map(), open);
    }
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

/// The entries of service mfatui that no marker of this file set names (kept by `restore`,
/// `add` or a rotation, or another file set's), with the command that removes each.
fn list_kept(map: &ConfigMap, open: Open) {
    let keyring = match open() {
        Ok(keyring) => keyring,
        Err(e) => {
            println!(
                "Cannot search the OS keyring ({e}): entries no marker here names are not shown."
            );
            return;
        }
    };
    let users = match keyring.entries() {
        Ok(Some(users)) => users,
        Ok(None) => {
            println!("This OS keyring cannot be searched: entries no marker here names are not shown (forget takes --key-id).");
            return;
        }
        Err(e) => {
            println!(
                "Cannot search the OS keyring ({e}): entries no marker here names are not shown."
            );
            return;
        }
    };
    let named: Vec<String> = map
        .profiles()
        .filter_map(|(name, _)| own_keys(map, name).filter(|k| k.store == KeyStore::Keyring))
        .map(|k| entry_user(&k.profile, &k.access_key_id))
        .collect();
    let kept: Vec<&String> = users.iter().filter(|u| !named.contains(u)).collect();
    if kept.is_empty() {
        println!("The OS keyring holds no entry of mfatui that these files do not name.");
        return;
    }
    println!("Kept in the OS keyring, named by no marker in these files (another file set's, or replaced):");
    for user in kept {
        let Some((profile, id)) = user.rsplit_once(" (") else {
            println!("  {user}");
            continue;
        };
        let id = id.trim_end_matches(')');
        println!(
            "  {profile} ({})  mfatui keyring forget {profile} --key-id {id}",
            mask_key_id(id)
        );
        // The files it is recorded for: a missing one may have been moved with its marker.
        let pair = keyring.existing(profile, id).ok().flatten();
        let secret = pair.as_ref().map(|c| c.secret_access_key.expose());
        match keyring.recorded(profile, id) {
            Ok(files) if files.is_empty() => println!("    recorded for no file"),
            Ok(files) => {
                for f in files {
                    let state = match custody::recorded_state(&f, id, secret) {
                        Recorded::InDoubt => {
                            "  (gone or unreadable or no longer mentions the key: moved?)"
                        }
                        Recorded::NamesKey | Recorded::DoneWith => "",
                    };
                    println!("    recorded for {f}{state}");
                }
            }
            Err(e) => println!("    its recorded files cannot be read ({e})"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::context::Env;
    use crate::settings::Settings;

    const ID: &str = "AKIAIOSFODNN7EXAMPLE";

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
        let snapshot = load(&ctx).unwrap();
        (dir, ctx, snapshot)
    }

    #[test]
    fn markers_are_found_on_the_profile_or_its_aws_mfa_partner_and_listed_masked() {
        let (_d, _c, s) = home(
            "[profile dev]\nmfa_serial = arn:aws:iam::123456789012:mfa/ana\ncredential_process = mfatui credential-process dev-long-term\n[profile ops]\nmfatui_keyring = AKIAI44QH8DHBEXAMPLE\n",
            &format!("[dev]\naws_access_key_id = ASIAX\naws_secret_access_key = s\naws_session_token = t\n[dev-long-term]\nmfatui_keyring = {ID}\n"),
        );
        let found = marker_of(&s, "dev").unwrap();
        assert_eq!(
            found,
            KeyPlace {
                profile: Name::from("dev-long-term"),
                store: KeyStore::Keyring,
                file: FileKind::Credentials,
                section: Name::from("dev-long-term"),
                access_key_id: Name::from(ID),
            }
        );
        assert_eq!(
            marker_of(&s, "ops").map(|m| (m.file, m.section)),
            Some((FileKind::Config, Name::from("profile ops")))
        );
        assert_eq!(marker_of(&s, "nobody"), None);
        let map = s.map();
        let rows = listed(map);
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
}
