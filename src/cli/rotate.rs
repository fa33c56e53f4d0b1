//! `mfatui rotate PROFILE`: a new access key for the profile's IAM user, written in place of
//! the old one, proven to work, then the old one deleted. What will happen (and the masked
//! diff) is shown, and confirmed, before anything is created in IAM; Ctrl-C, SIGTERM and
//! SIGHUP after that put the old key back (or finish, once the new key is verified).

use super::args::RotateArgs;
use super::codes::{self, Allow};
use super::confirm::{ask, print_diff};
use super::Run;
use crate::awsfiles::profile::key_suffix;
use crate::awsfiles::{KeyPlace, Snapshot};
use crate::keys::rotate::{execute, places, prepare, preview};
use crate::renew::code::Given;
use std::io::IsTerminal;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

/// Runs the command.
pub fn run(run: &Run, args: &RotateArgs) -> Result<(), String> {
    let renewer = run.renewer();
    let retire = if args.keep_old {
        "deactivate"
    } else {
        "delete"
    };
    let ctx = &run.ctx;
    let snapshot = Snapshot::load(&ctx.paths, &ctx.naming()).map_err(|e| e.to_string())?;
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
    let prepared = run
        .block_on(prepare(&renewer, &args.profile, &mut codes))?
        .map_err(|e| e.to_string())?;
    if let Some(note) = &prepared.recovered {
        println!("Note: {note}.");
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
    let snapshot = Snapshot::load(&ctx.paths, &ctx.naming()).map_err(|e| e.to_string())?;
    print_diff(&preview(&snapshot, &prepared.places)?.diff(), ctx);
    if !args.yes && !ask("Create the new key and write it? [y/N] ")? {
        println!("Nothing was created in IAM and nothing was written.");
        return Ok(());
    }
    let stop = Arc::new(AtomicBool::new(false));
    let done = run.block_on(async {
        // Listening starts before the first change in IAM.
        let watcher = watch_signals(stop.clone()).map(tokio::spawn);
        let interrupted = || stop.load(Ordering::SeqCst);
        let mut progress = |step: &str| println!("{step}");
        let result = execute(
            &renewer,
            &prepared,
            args.keep_old,
            &interrupted,
            &mut progress,
        )
        .await;
        if let Some(watcher) = watcher {
            watcher.abort();
        }
        result
    })?;
    let done = done.map_err(|e| e.to_string())?;
    for w in &done.written {
        if let Some(b) = &w.backup {
            println!("Wrote {} (backup: {})", w.path.display(), b.display());
        }
    }
    println!(
        "Rotated the access key of '{}' (IAM user {}): {} is in place; {} was {retire}d.",
        done.profile, done.user, done.new_key, done.old_key
    );
    println!("Sessions made from the old key stay valid until they expire.");
    match done.warning {
        Some(w) => Err(w),
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

/// From now on, Ctrl-C, SIGTERM and SIGHUP set `stop` instead of ending mfatui on the spot
/// (the rotation finishes its step and puts things back); the future watches them.
fn watch_signals(stop: Arc<AtomicBool>) -> Option<impl std::future::Future<Output = ()>> {
    use tokio::signal::unix::{signal, SignalKind};
    let (Ok(mut int), Ok(mut term), Ok(mut hup)) = (
        signal(SignalKind::interrupt()),
        signal(SignalKind::terminate()),
        signal(SignalKind::hangup()),
    ) else {
        return None;
    };
    Some(async move {
        loop {
            tokio::select! {
                _ = int.recv() => {}
                _ = term.recv() => {}
                _ = hup.recv() => {}
            }
            if !stop.swap(true, Ordering::SeqCst) {
                eprintln!(
                    "mfatui: interrupted: finishing this step, then putting the old key back…"
                );
            }
        }
    })
}
