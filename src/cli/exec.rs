//! `mfatui exec PROFILE -- CMD`: runs a command with the profile's temporary credentials in
//! its environment, renewing first (and writing back, with a backup) only when the session
//! is missing or about to expire.

use super::args::ExecArgs;
use super::session::{on_demand, CodeSources, Served};
use crate::aws::{AwsApi, Credentials};
use crate::awsfiles::AwsPaths;
use crate::duration;
use crate::settings::Settings;
use chrono::SecondsFormat;
use std::io::IsTerminal;
use std::os::unix::process::CommandExt;
use std::process::{Command, ExitCode};

/// The exit status when the command cannot be found (as shells use).
const NOT_FOUND: u8 = 127;
/// The exit status when the command cannot be run (as shells use).
const CANNOT_RUN: u8 = 126;

/// Runs `exec`. On success the process becomes CMD (so CMD's exit status and every signal
/// are its own); this returns only when something failed before or at that point.
pub fn exec(paths: &AwsPaths, settings: &Settings, api: &dyn AwsApi, args: &ExecArgs) -> ExitCode {
    let codes = CodeSources {
        given: args.code.clone(),
        terminal: std::io::stdin().is_terminal() || std::io::stderr().is_terminal(),
    };
    let served = args
        .duration
        .as_deref()
        .map(duration::parse)
        .transpose()
        .and_then(|d| on_demand(paths, settings, api, &args.profile, d, &codes));
    let Served { session, region } = match served {
        Ok(served) => served,
        Err(message) => {
            eprintln!("mfatui: {message}");
            return ExitCode::FAILURE;
        }
    };
    let Some((program, rest)) = args.command.split_first() else {
        eprintln!("mfatui: exec needs a command to run: mfatui exec PROFILE -- CMD [ARGS…]");
        return ExitCode::from(2);
    };
    let mut command = Command::new(program);
    command.args(rest);
    set_environment(
        &mut command,
        &args.profile,
        &session.credentials,
        region.as_deref(),
    );
    crate::diag!(
        "exec {program} for {} (session from {})",
        args.profile,
        session.from
    );
    let error = command.exec();
    let (status, why) = match error.kind() {
        std::io::ErrorKind::NotFound => (NOT_FOUND, "command not found".to_owned()),
        std::io::ErrorKind::PermissionDenied => (CANNOT_RUN, "permission denied".to_owned()),
        _ => (CANNOT_RUN, error.to_string()),
    };
    eprintln!("mfatui: cannot run '{program}': {why}");
    ExitCode::from(status)
}

/// The variables CMD gets: the credentials, their expiry and the region, and no
/// `AWS_PROFILE` (which would send SDKs back to the files).
fn set_environment(
    command: &mut Command,
    profile: &str,
    creds: &Credentials,
    region: Option<&str>,
) {
    for var in ["AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_SECURITY_TOKEN"] {
        command.env_remove(var);
    }
    command
        .env("AWS_ACCESS_KEY_ID", &creds.access_key_id)
        .env("AWS_SECRET_ACCESS_KEY", creds.secret_access_key.expose())
        .env("MFATUI_PROFILE", profile);
    match &creds.session_token {
        Some(token) => command.env("AWS_SESSION_TOKEN", token.expose()),
        None => command.env_remove("AWS_SESSION_TOKEN"),
    };
    match creds.expiration {
        Some(at) => command.env(
            "AWS_CREDENTIAL_EXPIRATION",
            at.to_rfc3339_opts(SecondsFormat::Secs, true),
        ),
        None => command.env_remove("AWS_CREDENTIAL_EXPIRATION"),
    };
    if let Some(region) = region {
        command
            .env("AWS_REGION", region)
            .env("AWS_DEFAULT_REGION", region);
    }
}
