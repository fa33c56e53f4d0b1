//! `mfatui exec PROFILE -- CMD`: runs a command with the profile's temporary credentials in
//! its environment, renewing first (and writing back, with a backup) only when the session
//! is missing or about to expire.

use super::args::ExecArgs;
use super::renew::{code_without_prompt, prompt_code};
use crate::aws::{AwsApi, Credentials};
use crate::awsfiles::expiry::relative;
use crate::awsfiles::mfa_secure::SecureSessions;
use crate::awsfiles::{commit, AwsFiles, AwsPaths, OnChange};
use crate::duration;
use crate::renew::current::{self, CurrentSession};
use crate::renew::{execute, plan, MfaCode, RenewOptions};
use crate::settings::Settings;
use chrono::{SecondsFormat, Utc};
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
    let (session, region) = match session_for(paths, settings, api, args) {
        Ok(found) => found,
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

/// A session of `args.profile` valid for longer than `sessions.refresh_before`: the one on
/// file, else a new one (written back like `renew --yes`). Also the profile's region.
fn session_for(
    paths: &AwsPaths,
    settings: &Settings,
    api: &dyn AwsApi,
    args: &ExecArgs,
) -> Result<(CurrentSession, Option<String>), String> {
    let files = AwsFiles::load(paths).map_err(|e| e.to_string())?;
    let map = files.config_map().map_err(|e| e.to_string())?;
    let profiles = settings.profiles(&map, paths);
    let name = args.profile.as_str();
    let profile = profiles.iter().find(|p| p.name == name).ok_or_else(|| {
        format!("there is no profile named '{name}' in the AWS config or credentials file")
    })?;
    let region = profile.region.as_ref().map(|r| r.to_string());
    let now = Utc::now();
    let mut opts = RenewOptions::for_profile(settings, name, now);
    if let Some(d) = args.duration.as_deref() {
        opts.duration = Some(duration::parse(d)?);
    }
    let secure = SecureSessions::read(&paths.mfa_secure_sessions);
    let found = current::sessions(&map, &profiles, &secure, name, &opts)?;
    if let Some(session) = current::fresh(&found, now, settings.refresh_before_secs) {
        return Ok((session.clone(), region));
    }
    let renewal = plan::plan(&map, &profiles, name, &opts)?;
    let code = if !renewal.needs_code() {
        None
    } else if let Some(code) = &args.code {
        Some(MfaCode::parse(code)?)
    } else if let Some(code) = code_without_prompt(&files, &renewal)? {
        Some(code)
    } else if std::io::stdin().is_terminal() || std::io::stderr().is_terminal() {
        Some(prompt_code(&renewal)?)
    } else {
        return Err(format!(
            "the session of '{name}' is missing or expires within {}, and an MFA code is needed: pass --code 123456, set AWS_MFA_TOKEN, or add mfa_process",
            duration::human(settings.refresh_before_secs.max(0) as u32)
        ));
    };
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| e.to_string())?;
    let creds = runtime
        .block_on(execute::run(api, &renewal, code.as_ref()))
        .map_err(|e| e.to_string())?;
    let plan = execute::plan_write(&files, &renewal, &creds).map_err(|e| e.to_string())?;
    let written =
        commit(&plan, &settings.write_options(OnChange::Merge)).map_err(|e| e.to_string())?;
    let backup = written
        .iter()
        .find_map(|w| w.backup.as_ref())
        .map(|b| format!("; backup {}", b.display()))
        .unwrap_or_default();
    let until = creds
        .expiration
        .map(|t| format!(" until {}", relative(t, Utc::now())))
        .unwrap_or_default();
    eprintln!(
        "mfatui: renewed '{name}' into [{}]{until}{backup}",
        renewal.target
    );
    Ok((
        CurrentSession {
            from: renewal.target.clone(),
            credentials: creds,
        },
        region,
    ))
}
