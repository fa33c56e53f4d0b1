//! The small `mfatui` program: it answers the commands that only read the files itself —
//! `status` (run on every prompt), `credential-process` when a fresh session is on file (run
//! on every AWS call) and `list` — and hands every other command line to the full program
//! (`mfatui-full`, installed beside it) unchanged. A program that does not carry the AWS
//! clients, the TUI and the keyring starts in a fraction of the time (docs/performance.md).

use super::args::{CredentialProcessArgs, ListArgs, StatusArgs, StatusColour, STATUS_FORMAT};
use crate::context::Context;
use crate::env::Env;
use crate::renew::service::{self, Lookup, Want};
use std::ffi::OsString;
use std::process::ExitCode;

/// A command line the small program answers itself.
#[derive(Debug, PartialEq, Eq)]
pub enum Quick {
    /// `status [PROFILE] [--format F] [--colour C]`.
    Status(StatusArgs),
    /// `credential-process PROFILE`.
    CredentialProcess(CredentialProcessArgs),
    /// `list [--json]`.
    List(ListArgs),
}

/// The command line (without the program name) if the small program can answer it: exactly
/// the forms `mfatui-full` reads the same way. Anything else — help, global options, errors
/// to explain — is `None`, for the full program.
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

/// A value the full program's parser takes as it is (no option, no `--`).
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

/// Answers `args` if it is a [`Quick`] command line (`None`: hand it over).
pub fn run(args: &[OsString]) -> Option<ExitCode> {
    let quick = parse(args)?;
    let env = Env::from_process();
    let paths = super::aws_paths(&env);
    let settings_path = crate::settings::default_path(&env);
    let (ctx, warning) = super::context(env, paths, settings_path);
    // Said only when this program answers (else the full program says it).
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
            print!("{json}");
            Some(ExitCode::SUCCESS)
        }
        // Files that cannot be read: the full program says why (with the notes about files
        // it passed over, as for every command). Once printing starts, this program finishes.
        Quick::List(args) => {
            let snapshot = super::list::load(&ctx).ok()?;
            warn();
            Some(super::finish(super::list::print(&ctx, &args, snapshot)))
        }
    }
}

/// The `credential_process` JSON of `profile`'s session when one fresh enough to serve is on
/// file; `None` (the full program renews, or says why it cannot) otherwise.
fn fresh_session(ctx: &Context, profile: &str) -> Option<String> {
    let Ok(Lookup::Fresh(served)) = service::look(ctx, profile, &Want::ahead()) else {
        return None;
    };
    super::credential_process::json(&served.session.credentials, served.account.as_deref()).ok()
}

/// Runs the full program with `args` in this process's place (on Windows: as a child whose
/// exit code this one returns); one sentence when it cannot be found or started.
pub fn hand_over(args: &[OsString]) -> ExitCode {
    let failed = |why: String| {
        eprintln!("mfatui: {why}");
        ExitCode::FAILURE
    };
    let full = match crate::program::full() {
        Ok(full) => full,
        Err(e) => return failed(format!("cannot find where mfatui is installed: {e}")),
    };
    if let Err(why) = check_program(&full) {
        return failed(format!(
            "{why}; mfatui runs it for everything but status, list and credential-process (`cargo install` puts both side by side)"
        ));
    }
    let mut command = std::process::Command::new(&full);
    command.args(args);
    let not_started = |e: std::io::Error| failed(format!("cannot start {}: {e}", full.display()));
    #[cfg(unix)]
    {
        use std::os::unix::process::CommandExt;
        if let Some(name) = std::env::args_os().next() {
            command.arg0(name);
        }
        not_started(command.exec())
    }
    #[cfg(not(unix))]
    match command.status() {
        Ok(status) => ExitCode::from(status.code().unwrap_or(1).clamp(0, 255) as u8),
        Err(e) => not_started(e),
    }
}

/// Whether `path` is a program this system can run: a regular, executable file that starts
/// like one (so that a half-written or emptied file is never handed to a shell, as `execvp`
/// does with what the kernel cannot run).
fn check_program(path: &std::path::Path) -> Result<(), String> {
    use std::io::Read;
    let shown = path.display();
    let meta = match std::fs::metadata(path) {
        Ok(meta) => meta,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return Err(format!("{shown} is missing"))
        }
        Err(e) => return Err(format!("cannot read {shown}: {e}")),
    };
    if !meta.is_file() {
        let what = crate::awsfiles::files::file_type_name(&meta);
        return Err(format!("{shown} is {what}, not a program"));
    }
    #[cfg(unix)]
    if std::os::unix::fs::PermissionsExt::mode(&meta.permissions()) & 0o111 == 0 {
        return Err(format!("{shown} is not executable (chmod +x)"));
    }
    let mut head = [0u8; 4];
    let read = std::fs::File::open(path).and_then(|mut f| f.read_exact(&mut head));
    if read.is_err() || !starts_like_a_program(&head) {
        return Err(format!(
            "{shown} is not a program (an interrupted install?)"
        ));
    }
    Ok(())
}

/// Whether a file starting with `head` is an executable of this system's format.
fn starts_like_a_program(head: &[u8; 4]) -> bool {
    if cfg!(target_os = "macos") {
        // Mach-O, 32 and 64 bits, either byte order, and universal binaries.
        matches!(
            u32::from_be_bytes(*head),
            0xfeed_face | 0xfeed_facf | 0xcefa_edfe | 0xcffa_edfe | 0xcafe_babe
        )
    } else if cfg!(windows) {
        head.starts_with(b"MZ")
    } else {
        head == b"\x7fELF"
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cli::args::{Cli, Command};
    use clap::Parser;

    fn os(args: &[&str]) -> Vec<OsString> {
        args.iter().map(OsString::from).collect()
    }

    /// What the full program's parser makes of the same command line.
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
    fn what_the_small_program_answers_it_reads_as_the_full_one_does() {
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
    fn everything_else_goes_to_the_full_program() {
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
