//! `mfatui credential-process PROFILE`: the AWS CLI/SDK `credential_process` setting. Prints
//! the profile's session as the JSON botocore reads; renews first only when the session has
//! less than `sessions.refresh_before` left (botocore itself refreshes 15 minutes before
//! expiry), asking for a code on the caller's terminal (`/dev/tty`), since the AWS CLI
//! captures both standard output and standard error.

use super::args::CredentialProcessArgs;
use crate::aws::{AwsApi, Credentials};
use crate::awsfiles::AwsPaths;
use crate::serve::on_demand::{on_demand, CodeSources};
use crate::settings::Settings;
use chrono::SecondsFormat;

/// Runs the command: the JSON on standard output, or one sentence on standard error.
pub fn run(
    paths: &AwsPaths,
    settings: &Settings,
    api: &dyn AwsApi,
    args: &CredentialProcessArgs,
) -> Result<(), String> {
    let codes = CodeSources {
        given: None,
        terminal: true,
    };
    let served = on_demand(paths, settings, api, &args.profile, None, &codes)?;
    print!("{}", json(&served.session.credentials)?);
    Ok(())
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
