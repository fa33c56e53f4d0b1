//! `mfatui export` and `mfatui unset`: temporary credentials as shell variables, on purpose.

use super::args::{ExportArgs, ShellFormat, UnsetArgs};
use crate::aws::Credentials;
use crate::awsfiles::expiry::relative;
use crate::awsfiles::mfa_secure::SecureSessions;
use crate::awsfiles::{AwsFiles, AwsPaths, ConfigMap, ProfileKind};
use crate::renew::current;
use crate::renew::RenewOptions;
use crate::settings::Settings;
use chrono::{DateTime, SecondsFormat, Utc};

/// The variables `export` sets and `unset` clears.
pub const VARIABLES: [&str; 5] = [
    "AWS_ACCESS_KEY_ID",
    "AWS_SECRET_ACCESS_KEY",
    "AWS_SESSION_TOKEN",
    "AWS_SECURITY_TOKEN",
    "AWS_CREDENTIAL_EXPIRATION",
];

/// `mfatui export PROFILE`.
pub fn export(paths: &AwsPaths, settings: &Settings, args: &ExportArgs) -> Result<(), String> {
    let files = AwsFiles::load(paths).map_err(|e| e.to_string())?;
    let map = files.config_map().map_err(|e| e.to_string())?;
    let (from, creds) = temporary_credentials(paths, &map, settings, &args.profile)?;
    let now = Utc::now();
    match creds.expiration {
        Some(t) if t <= now => {
            return Err(format!(
                "the credentials of '{from}' expired {}: run `mfatui renew {}` first",
                relative(t, now),
                args.profile
            ))
        }
        None => eprintln!(
            "mfatui: warning: '{from}' records no expiry; these credentials may be expired"
        ),
        Some(_) => {}
    }
    print!("{}", render(&creds, args.format, now));
    Ok(())
}

/// The temporary credentials to export for `name`: its own, those its renewals write,
/// aws-mfa-secure's, or for a login profile those of its `aws login` cache (refreshed first
/// when they are about to expire).
fn temporary_credentials(
    paths: &AwsPaths,
    map: &ConfigMap,
    settings: &Settings,
    name: &str,
) -> Result<(String, Credentials), String> {
    let own = map
        .profile(name)
        .ok_or_else(|| format!("there is no profile named '{name}'"))?;
    let profiles = settings.profiles(map, paths);
    if profiles
        .iter()
        .any(|p| p.name == name && p.kind == ProfileKind::Login)
    {
        return super::login::credentials(paths, map, name).map(|c| (name.to_owned(), c));
    }
    let opts = RenewOptions::for_profile(settings, name, Utc::now());
    let secure = SecureSessions::read(&paths.mfa_secure_sessions);
    if let Some(s) = current::sessions(map, &profiles, &secure, name, &opts)?
        .into_iter()
        .next()
    {
        return Ok((s.from, s.credentials));
    }
    if own.has("aws_access_key_id") {
        return Err(format!("'{name}' holds long-term keys; mfatui exports only temporary credentials: run `mfatui renew {name}` first"));
    }
    Err(format!(
        "'{name}' has no temporary credentials yet: run `mfatui renew {name}` first"
    ))
}

fn render(creds: &Credentials, format: ShellFormat, now: DateTime<Utc>) -> String {
    let token = creds
        .session_token
        .as_ref()
        .map(|t| t.expose())
        .unwrap_or_default();
    let expiration = creds
        .expiration
        .unwrap_or(now)
        .to_rfc3339_opts(SecondsFormat::Secs, true);
    if format == ShellFormat::Json {
        let doc = serde_json::json!({
            "Version": 1,
            "AccessKeyId": creds.access_key_id,
            "SecretAccessKey": creds.secret_access_key.expose(),
            "SessionToken": token,
            "Expiration": expiration,
        });
        return format!("{doc}\n");
    }
    let values = [
        creds.access_key_id.as_str(),
        creds.secret_access_key.expose(),
        token,
        token,
        expiration.as_str(),
    ];
    VARIABLES
        .iter()
        .zip(values)
        .map(|(k, v)| set_line(format, k, v))
        .collect()
}

fn set_line(format: ShellFormat, key: &str, value: &str) -> String {
    match format {
        ShellFormat::Sh => format!("export {key}='{}'\n", value.replace('\'', r"'\''")),
        ShellFormat::Fish => format!(
            "set -gx {key} '{}'\n",
            value.replace('\\', r"\\").replace('\'', r"\'")
        ),
        ShellFormat::Powershell => format!("$Env:{key} = '{}'\n", value.replace('\'', "''")),
        ShellFormat::Json => unreachable!("handled above"),
    }
}

/// `mfatui unset`.
pub fn unset(args: &UnsetArgs) -> Result<(), String> {
    let out: String = match args.format {
        ShellFormat::Sh => format!("unset {}\n", VARIABLES.join(" ")),
        ShellFormat::Fish => VARIABLES.iter().map(|v| format!("set -e {v}\n")).collect(),
        ShellFormat::Powershell => VARIABLES
            .iter()
            .map(|v| format!("Remove-Item Env:{v} -ErrorAction SilentlyContinue\n"))
            .collect(),
        ShellFormat::Json => return Err("unset has no JSON form".to_owned()),
    };
    print!("{out}");
    Ok(())
}
