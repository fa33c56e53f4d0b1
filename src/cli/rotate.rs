//! `mfatui rotate PROFILE`: a new access key for the profile's IAM user, written in place of
//! the old one, proven to work, then the old one deleted. What will happen (and the masked
//! diff) is shown, and confirmed, before anything is created in IAM; Ctrl-C, SIGTERM and
//! SIGHUP after that put the old key back (or finish, once the new key is verified).

use super::args::RotateArgs;
use super::codes::{self, Allow};
use super::command_error::RotateCommandError;
use super::confirm::{ask, print_diff};
use super::Run;
use crate::awsfiles::profile::key_suffix;
use crate::awsfiles::KeyPlace;
use crate::keys::rotate::{execute, places, prepare, preview};
use crate::renew::code::Given;
use std::io::IsTerminal;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

/// Runs the command.
pub fn run(run: &Run, args: &RotateArgs) -> Result<(), super::Failure> {
    let renewer = run.renewer();
    let retire = if args.keep_old {
        "deactivate"
    } else {
        "delete"
    };
    let ctx = &run.ctx;
    let snapshot = ctx.snapshot()?;
    let where_ = places(&snapshot, &args.profile)?;
    if args.dry_run {
        let old = key_suffix(&where_[0].access_key_id);
        println!(
            "Dry run: would create a new access key for the IAM user of '{}', write it into {} (backup first), check it with GetCallerIdentity, then {retire} {old}.",
            where_[0].profile,
            describe(&where_),
        );
        print_diff(&preview(&snapshot, &where_)?.diff(), ctx);
        println!("No AWS call was made, nothing was written.");
        return Ok(());
    }
    let mut codes = codes::sources(
        run,
        Given::new(args.code.as_deref())?,
        Allow {
            terminal: std::io::stdin().is_terminal(),
            window: false,
        },
    );
    let prepared = run.block_on(prepare(&renewer, &args.profile, &mut codes))??;
    if let Some(recovered) = &prepared.recovered {
        println!("Note: {}.", recovered.note);
        if recovered.finished {
            println!(
                "That rotation is now complete; nothing else was done (`{}` rotates the key again).",
                ctx.command(&["rotate", &args.profile])
            );
            return Ok(());
        }
    }
    println!(
        "Rotating the access key {} of '{}' (IAM user {}): create a new key, write it into {} (backup first), check it with GetCallerIdentity, then {retire} {}.",
        prepared.old_key(),
        prepared.profile,
        prepared.user,
        prepared.places_text(),
        prepared.old_key()
    );
    if prepared.places.len() > 1 {
        println!(
            "The same key is in {} places; every one of them gets the new key.",
            prepared.places.len()
        );
    }
    let snapshot = ctx.snapshot()?;
    print_diff(&preview(&snapshot, &prepared.places)?.diff(), ctx);
    if !args.yes && !ask("Create the new key and write it? [y/N] ")? {
        println!("Nothing was created in IAM and nothing was written.");
        return Ok(());
    }
    // From the first change in IAM on, Ctrl-C, SIGTERM and SIGHUP only set this flag (in the
    // signal handler itself): the rotation finishes its step and puts things back.
    let stop = Arc::new(AtomicBool::new(false));
    for signal in [
        signal_hook::consts::SIGINT,
        signal_hook::consts::SIGTERM,
        signal_hook::consts::SIGHUP,
    ] {
        signal_hook::flag::register(signal, stop.clone()).map_err(RotateCommandError::Signals)?;
    }
    let told = AtomicBool::new(false);
    let interrupted = || {
        let stopped = stop.load(Ordering::SeqCst);
        if stopped && !told.swap(true, Ordering::SeqCst) {
            eprintln!("mfatui: interrupted: putting the old key back (or finishing, once the new key works)…");
        }
        stopped
    };
    let mut progress = |step: &str| println!("{step}");
    let done = run.block_on(execute(
        &renewer,
        &prepared,
        args.keep_old,
        &interrupted,
        &mut progress,
    ))?;
    let done = done?;
    for w in &done.written {
        if let Some(b) = &w.backup {
            println!("Wrote {} (backup: {})", w.path.display(), b.display());
        }
        if let Some(note) = w.exposure() {
            eprintln!("mfatui: warning: {note}");
        }
    }
    println!(
        "Rotated the access key of '{}' (IAM user {}): {} is in place; {} was {retire}d.",
        done.profile, done.user, done.new_key, done.old_key
    );
    println!("Sessions made from the old key stay valid until they expire.");
    if !done.shared.is_empty() {
        println!(
            "Another file set keeps the old key {} in the OS keyring (the marker in {}): that key is deleted in IAM now, so put the new key there with `mfatui keyring add {}` in that file set (rotate cannot mend it); its entry is kept until `mfatui keyring forget {} --key-id {}`.",
            done.old_key,
            done.shared.join(", "),
            done.profile,
            done.profile,
            done.old_key_id
        );
    }
    match done.warning {
        Some(w) => Err(w.into()),
        None => Ok(()),
    }
}

/// `[dev] in the credentials file, [x] in the config file`.
fn describe(places: &[KeyPlace]) -> String {
    places
        .iter()
        .map(KeyPlace::describe)
        .collect::<Vec<_>>()
        .join(", ")
}
