//! `mfatui rotate PROFILE`: a new access key for the profile's IAM user, written in place of
//! the old one after the masked diff, proven to work, then the old one deleted.

use super::args::RotateArgs;
use super::confirm::{ask, print_diff};
use crate::aws::AwsApi;
use crate::awsfiles::AwsPaths;
use crate::keys::rotate::{locate, rotate, RotateOptions};
use crate::serve::on_demand::CodeSources;
use crate::settings::Settings;
use std::io::IsTerminal;

/// Runs the command.
pub fn run(
    paths: &AwsPaths,
    settings: &Settings,
    api: &dyn AwsApi,
    args: &RotateArgs,
) -> Result<(), String> {
    let place = locate(paths, settings, &args.profile)?;
    let retire = if args.keep_old {
        "deactivate"
    } else {
        "delete"
    };
    if args.dry_run {
        println!(
            "Dry run: would create a new access key for the IAM user of '{}', write it into [{}] of the {} file (backup first), check it with GetCallerIdentity, then {retire} {}. No AWS call was made, nothing was written.",
            place.profile,
            place.section,
            place.file.label(),
            crate::awsfiles::profile::key_suffix(&place.credentials.access_key_id)
        );
        return Ok(());
    }
    let options = RotateOptions {
        keep_old: args.keep_old,
        codes: CodeSources {
            given: args.code.clone(),
            terminal: std::io::stdin().is_terminal(),
        },
    };
    let yes = args.yes;
    let mut confirm = |plan: &crate::awsfiles::Plan| {
        print_diff(&plan.diff());
        if yes {
            Ok(true)
        } else {
            ask("Write the new key? [y/N] ")
        }
    };
    let mut progress = |step: &str| println!("{step}");
    let done = rotate(
        paths,
        settings,
        api,
        &args.profile,
        &options,
        &mut confirm,
        &mut progress,
    )?;
    for w in &done.written {
        if let Some(b) = &w.backup {
            println!("Wrote {} (backup: {})", w.path.display(), b.display());
        }
    }
    println!(
        "Rotated the access key of '{}' (IAM user {}): {} is in place; {} was {}d.",
        done.profile, done.user, done.new_key, done.old_key, retire
    );
    println!("Sessions made from the old key stay valid until they expire.");
    match done.warning {
        Some(w) => Err(w),
        None => Ok(()),
    }
}
