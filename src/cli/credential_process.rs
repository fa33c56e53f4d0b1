//! `mfatui credential-process PROFILE`: the AWS CLI/SDK `credential_process` setting. Prints
//! the profile's session as the JSON botocore reads; renews first only when the session is
//! not fresh enough to serve ([`crate::freshness`]), asking for a code on the caller's
//! terminal (`/dev/tty`: the AWS CLI captures both standard output and standard error) or in
//! the open mfatui window.

use super::args::CredentialProcessArgs;
use super::codes::{self, Allow};
use super::command_error::CredentialProcessError;
use super::{Failure, Run};
use crate::aws::Credentials;
use crate::awsfiles::ProfileKind;
use crate::renew::code::Given;
use crate::renew::service::{Lookup, Served, Want};
use chrono::SecondsFormat;

/// Runs the command: the JSON on standard output, or one sentence on standard error. A
/// session due to be renewed ahead but still valid is served as it is, and one renewal runs
/// in the background ([`renew_ahead`]); with less than a minute left (or none), the caller
/// waits for the renewal, with a prompt on its terminal if need be.
pub fn run(run: &Run, args: &CredentialProcessArgs) -> Result<(), Failure> {
    if args.renew_ahead {
        return renew_ahead(run, &args.profile);
    }
    let renewer = run.renewer();
    let want = Want::ahead();
    let name = args.profile.as_str();
    let served = match renewer.look(name, &want)? {
        Lookup::Fresh(served) => served,
        Lookup::Stale {
            snapshot,
            plan,
            valid,
        } => {
            if let Some(why) = snapshot.profile(name).and_then(|p| {
                let sso_role = snapshot.map().profile(name).is_some_and(|settings| {
                    settings.has("sso_account_id") || settings.has("sso_role_name")
                });
                not_served(run, name, p.kind, sso_role)
            }) {
                return Err(why.into());
            }
            let length = plan.as_ref().ok().map(|r| r.duration_secs);
            let policy = run.ctx.settings.freshness();
            let now = run.ctx.now();
            if let Some(session) =
                valid.filter(|s| policy.servable(s.credentials.expiration, length, now))
            {
                let served = Served::of(&snapshot, name, session, None);
                super::out::data(&json(
                    &served.session.credentials,
                    served.account.as_deref(),
                )?);
                if plan.is_ok() && !run.ctx.demo {
                    start_renewing_ahead(run, name);
                }
                return Ok(());
            }
            drop(snapshot);
            let mut codes = codes::sources(
                run,
                Given::new(None)?,
                Allow {
                    terminal: true,
                    window: true,
                },
            );
            let served = run.block_on(renewer.ensure(name, &want, &mut codes))??;
            if let Some(renewed) = &served.renewed {
                eprintln!("{}", renewed.line(name, run.ctx.now()));
            }
            served
        }
    };
    super::out::data(&json(
        &served.session.credentials,
        served.account.as_deref(),
    )?);
    Ok(())
}

/// Starts `mfatui credential-process --renew-ahead NAME` on its own, detached from the
/// caller's pipes (botocore waits for them to close) and terminal signals.
fn start_renewing_ahead(run: &Run, name: &str) {
    use std::os::unix::process::CommandExt;
    let Ok(exe) = std::env::current_exe() else {
        return;
    };
    let started = std::process::Command::new(exe)
        .args(["credential-process", "--renew-ahead", "--", name])
        .env("AWS_CONFIG_FILE", &run.ctx.paths.config)
        .env("AWS_SHARED_CREDENTIALS_FILE", &run.ctx.paths.credentials)
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .process_group(0)
        .spawn();
    match started {
        Ok(_) => crate::diag!("credential-process: renewing {name} ahead in the background"),
        Err(e) => crate::diag!("credential-process: cannot renew {name} ahead: {e}"),
    }
}

/// The renewal ahead: one at a time (a caller that finds one under way leaves it be), with
/// the sources that need no terminal (`mfa_process`, `AWS_MFA_TOKEN`, the open window). It
/// prints nothing: the callers read what it writes.
fn renew_ahead(run: &Run, name: &str) -> Result<(), Failure> {
    let mut ctx = run.ctx.clone();
    // Another renewal of this target under way is the one renewal ahead: do not queue.
    ctx.timeouts.renew_wait = std::time::Duration::ZERO;
    let renewer = crate::renew::service::Renewer {
        ctx: &ctx,
        api: run.api.as_ref(),
        keyring: run.keyring.as_ref(),
    };
    let mut codes = codes::sources(
        run,
        Given::new(None)?,
        Allow {
            terminal: false,
            window: true,
        },
    );
    let result = run.block_on(renewer.ensure(name, &Want::ahead(), &mut codes))?;
    match &result {
        Ok(served) => crate::diag!(
            "credential-process: renewal ahead of {name}: {}",
            if served.renewed.is_some() {
                "renewed"
            } else {
                "nothing to do"
            }
        ),
        Err(e) => crate::diag!("credential-process: renewal ahead of {name}: {e}"),
    }
    result.map(drop).map_err(Failure::from)
}

/// Why a profile of this kind is not served here, in one sentence naming what to do.
/// `sso_role`: an SSO profile names an account or role (else it only signs in).
fn not_served(
    run: &Run,
    name: &str,
    kind: ProfileKind,
    sso_role: bool,
) -> Option<CredentialProcessError> {
    let inside = || {
        run.ctx
            .env
            .get("MFATUI_OVERLAY")
            .and(run.ctx.env.get("MFATUI_PROFILE"))
            .map(str::to_owned)
    };
    match kind {
        // Served from the portal with the session's token (refreshed when it can be).
        ProfileKind::Sso if sso_role => None,
        ProfileKind::Sso => Some(CredentialProcessError::SignsInOnly {
            name: name.to_owned(),
            inside: inside(),
        }),
        ProfileKind::ConfigOnly => Some(CredentialProcessError::SettingsOnly {
            name: name.to_owned(),
            inside: inside(),
        }),
        _ => None,
    }
}

/// The `credential_process` document (Version 1), with `AccountId` when the account is known.
pub fn json(creds: &Credentials, account: Option<&str>) -> Result<String, CredentialProcessError> {
    let token = creds
        .session_token
        .as_ref()
        .ok_or(CredentialProcessError::NotTemporary)?;
    let expiration = creds
        .expiration
        .ok_or(CredentialProcessError::NoExpiry)?
        .to_rfc3339_opts(SecondsFormat::Secs, true);
    let mut doc = serde_json::json!({
        "Version": 1,
        "AccessKeyId": creds.access_key_id,
        "SecretAccessKey": creds.secret_access_key.expose(),
        "SessionToken": token.expose(),
        "Expiration": expiration,
    });
    if let Some(account) = account {
        doc["AccountId"] = account.into();
    }
    Ok(format!("{doc}\n"))
}
