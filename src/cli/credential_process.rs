//! `mfatui credential-process PROFILE`: the AWS CLI/SDK `credential_process` setting. Prints
//! the profile's session as the JSON botocore reads; renews first only when the session is
//! not fresh enough to serve ([`crate::freshness`]), asking for a code on the caller's
//! terminal (`/dev/tty`: the AWS CLI captures both standard output and standard error) or in
//! the open mfatui window.

use super::args::CredentialProcessArgs;
use super::codes::{self, Allow};
use super::Run;
use crate::aws::Credentials;
use crate::awsfiles::ProfileKind;
use crate::renew::code::Given;
use crate::renew::service::{Lookup, Want};
use chrono::SecondsFormat;

/// Runs the command: the JSON on standard output, or one sentence on standard error.
pub fn run(run: &Run, args: &CredentialProcessArgs) -> Result<(), String> {
    let renewer = run.renewer();
    let want = Want::serve();
    let name = args.profile.as_str();
    let served = match renewer.look(name, &want).map_err(|e| e.to_string())? {
        Lookup::Fresh(served) => served,
        Lookup::Stale { snapshot, .. } => {
            if let Some(why) = snapshot.profile(name).and_then(|p| {
                let sso_role = snapshot.map().profile(name).is_some_and(|settings| {
                    settings.has("sso_account_id") || settings.has("sso_role_name")
                });
                not_served(run, name, p.kind, sso_role)
            }) {
                return Err(why);
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
            let served = run
                .block_on(renewer.ensure(name, &want, &mut codes))?
                .map_err(|e| e.to_string())?;
            if let Some(renewed) = &served.renewed {
                eprintln!("{}", crate::serve::endpoint::renewed_line(name, renewed));
            }
            served
        }
    };
    print!("{}", json(&served.session.credentials)?);
    Ok(())
}

/// Why a profile of this kind is not served here, in one sentence naming what to do.
/// `sso_role`: an SSO profile names an account or role (else it only signs in).
fn not_served(run: &Run, name: &str, kind: ProfileKind, sso_role: bool) -> Option<String> {
    let inside = || {
        run.ctx
            .env
            .get("MFATUI_OVERLAY")
            .and(run.ctx.env.get("MFATUI_PROFILE"))
            .map(|served| {
                format!(
                    "; inside `mfatui exec --server {served}`, only the default chain gets the session of '{served}'"
                )
            })
            .unwrap_or_default()
    };
    match kind {
        // Served from the portal with the session's token (refreshed when it can be).
        ProfileKind::Sso if sso_role => None,
        ProfileKind::Sso => Some(format!(
            "profile '{name}' only signs in to SSO (it names no sso_account_id or sso_role_name), so it has no credentials of its own{}",
            inside()
        )),
        ProfileKind::ConfigOnly => Some(format!(
            "profile '{name}' has no credentials of its own, only settings such as its region{}",
            inside()
        )),
        _ => None,
    }
}

/// The `credential_process` document (Version 1).
pub fn json(creds: &Credentials) -> Result<String, String> {
    let token = creds
        .session_token
        .as_ref()
        .ok_or("mfatui serves only temporary credentials here")?;
    let expiration = creds
        .expiration
        .ok_or("the session records no expiry")?
        .to_rfc3339_opts(SecondsFormat::Secs, true);
    let doc = serde_json::json!({
        "Version": 1,
        "AccessKeyId": creds.access_key_id,
        "SecretAccessKey": creds.secret_access_key.expose(),
        "SessionToken": token.expose(),
        "Expiration": expiration,
    });
    Ok(format!("{doc}\n"))
}
