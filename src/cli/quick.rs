//! The hot paths, answered before clap builds the whole command line: `status` (run on every
//! prompt), `credential-process` when a fresh session is on file (run on every AWS call) and
//! `list` — the commands that only read the files. Every other command line (and these when
//! they cannot be answered here) goes to clap and `cli::run` unchanged, as ripgrep answers its
//! special cases before full parsing (docs/performance.md says what it saves).

use super::args::{CredentialProcessArgs, ListArgs, StatusArgs, StatusColour, STATUS_FORMAT};
use crate::context::Context;
use crate::env::Env;
use crate::renew::service::{self, Lookup, Want};
use std::ffi::OsString;
use std::process::ExitCode;

/// A command line answered before full parsing.
#[derive(Debug, PartialEq, Eq)]
pub enum Quick {
    /// `status [PROFILE] [--format F] [--colour C]`.
    Status(StatusArgs),
    /// `credential-process PROFILE`.
    CredentialProcess(CredentialProcessArgs),
    /// `list [--json]`.
    List(ListArgs),
}

/// The command line (without the program name) if it is answered here: exactly the forms
/// clap reads the same way. Anything else — help, global options, errors to explain — is
/// `None`, for clap.
pub fn parse(args: &[OsString]) -> Option<Quick> {
    let args: Vec<&str> = args.iter().map(|a| a.to_str()).collect::<Option<_>>()?;
    match args.split_first()? {
        (&"status", rest) => status(rest).map(Quick::Status),
        (&"list", []) => Some(Quick::List(ListArgs { json: false })),
        (&"list", ["--json"]) => Some(Quick::List(ListArgs { json: true })),
        (&"credential-process", [profile]) if plain(profile) => {
            Some(Quick::CredentialProcess(CredentialProcessArgs {
                profile: (*profile).to_owned(),
                renew_ahead: false,
            }))
        }
        _ => None,
    }
}

/// A value clap takes as it is (no option, no `--`).
fn plain(value: &str) -> bool {
    !value.starts_with('-')
}

/// `status`'s options as clap reads them, or `None` for anything clap would read otherwise
/// or refuse (an option twice, a value that looks like an option, an unknown colour).
fn status(rest: &[&str]) -> Option<StatusArgs> {
    let mut args = StatusArgs {
        profile: None,
        format: STATUS_FORMAT.to_owned(),
        colour: StatusColour::default(),
    };
    let (mut format, mut colour) = (false, false);
    let mut rest = rest.iter();
    while let Some(&arg) = rest.next() {
        let (flag, inline) = match arg.split_once('=') {
            Some((flag, value)) if flag.starts_with("--") => (flag, Some(value)),
            _ => (arg, None),
        };
        let seen = match flag {
            "--format" => &mut format,
            "--colour" => &mut colour,
            _ if plain(arg) && args.profile.is_none() => {
                args.profile = Some(arg.to_owned());
                continue;
            }
            _ => return None,
        };
        if std::mem::replace(seen, true) {
            return None;
        }
        let value = match inline {
            Some(value) => value,
            None => rest.next().copied().filter(|v| plain(v))?,
        };
        if flag == "--format" {
            value.clone_into(&mut args.format);
        } else {
            args.colour = <StatusColour as clap::ValueEnum>::from_str(value, false).ok()?;
        }
    }
    Some(args)
}

/// Answers `args` if it is a [`Quick`] command line (`None`: parse it with clap).
pub fn run(args: &[OsString]) -> Option<ExitCode> {
    let quick = parse(args)?;
    let env = Env::from_process();
    let paths = super::aws_paths(&env);
    let settings_path = crate::settings::default_path(&env);
    let (ctx, warning) = super::context(env, paths, settings_path);
    // Said only when answered here (else `cli::run` says it).
    let warn = || super::warn(warning.as_deref());
    match quick {
        Quick::Status(args) => {
            warn();
            super::status::run(&ctx, &args);
            Some(ExitCode::SUCCESS)
        }
        Quick::CredentialProcess(args) => {
            let json = fresh_session(&ctx, &args.profile)?;
            warn();
            super::out::data(&json);
            Some(ExitCode::SUCCESS)
        }
        // Files that cannot be read: `cli::run` says why (with the notes about files it
        // passed over, as for every command). Once printing starts, this path finishes.
        Quick::List(args) => {
            let snapshot = super::list::load(&ctx).ok()?;
            warn();
            Some(match super::list::print(&ctx, &args, snapshot) {
                Ok(()) => ExitCode::SUCCESS,
                Err(failure) => failure
                    .in_command("list")
                    .passing_over(ctx.passed_over.files())
                    .report(),
            })
        }
    }
}

/// The `credential_process` JSON of `profile`'s session when one fresh enough to serve is on
/// file; `None` (`cli::run` renews, or says why it cannot) otherwise.
fn fresh_session(ctx: &Context, profile: &str) -> Option<String> {
    let Ok(Lookup::Fresh(served)) = service::look(ctx, profile, &Want::ahead()) else {
        return None;
    };
    super::credential_process::json(&served.session.credentials, served.account.as_deref()).ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cli::args::{Cli, Command};
    use clap::Parser;

    fn os(args: &[&str]) -> Vec<OsString> {
        args.iter().map(OsString::from).collect()
    }

    /// What clap makes of the same command line.
    fn full(args: &[&str]) -> Option<Quick> {
        let cli =
            Cli::try_parse_from(std::iter::once("mfatui").chain(args.iter().copied())).ok()?;
        if cli.demo || cli.verbose || cli.log_file.is_some() {
            return None;
        }
        if cli.files.config_file.is_some() || cli.files.credentials_file.is_some() {
            return None;
        }
        match cli.command? {
            Command::Status(a) => Some(Quick::Status(a)),
            Command::CredentialProcess(a) => Some(Quick::CredentialProcess(a)),
            Command::List(a) => Some(Quick::List(a)),
            _ => None,
        }
    }

    #[test]
    fn what_is_answered_before_full_parsing_clap_reads_the_same_way() {
        let lines: &[&[&str]] = &[
            &["status"],
            &["status", "dev"],
            &["status", "dev", "--format", "{profile}: {left}"],
            &["status", "--format={left}", "dev"],
            &["status", "--format="],
            &["status", "--colour", "bash"],
            &[
                "status",
                "--colour=zsh",
                "--format",
                "{left} {kind}",
                "prod",
            ],
            &["status", "dev with space"],
            &["credential-process", "dev"],
            &["credential-process", "a b"],
            &["list"],
            &["list", "--json"],
        ];
        for line in lines {
            let mine = parse(&os(line));
            assert!(mine.is_some(), "{line:?}");
            assert_eq!(mine, full(line), "{line:?}");
        }
    }

    #[test]
    fn everything_else_goes_to_clap() {
        let lines: &[&[&str]] = &[
            &[],
            &["--demo", "status"],
            &["status", "--demo"],
            &["status", "-v"],
            &["status", "--help"],
            &["status", "-h"],
            &["status", "--config-file", "x"],
            &["status", "a", "b"],
            &["status", "--colour", "rainbow"],
            &["status", "--colour"],
            &["status", "--format"],
            &["status", "--format", "-x"],
            &["status", "--format", "a", "--format", "b"],
            &["status", "--", "dev"],
            &["status", "-"],
            &["credential-process"],
            &["credential-process", "--help"],
            &["credential-process", "a", "b"],
            &["credential-process", "--", "a"],
            &["statuses"],
            &["list", "--json", "--json"],
            &["list", "--help"],
            &["list", "dev"],
            &["list", "--demo"],
        ];
        for line in lines {
            assert_eq!(parse(&os(line)), None, "{line:?}");
        }
    }
}
