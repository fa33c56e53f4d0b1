//! `mfatui export` and `mfatui unset`: temporary credentials as shell variables, on purpose.

use super::args::{ExportArgs, ShellFormat, UnsetArgs};
use super::command_error::ExportError;
use super::Failure;
use crate::aws::Credentials;
use crate::awsfiles::expiry::relative;
use crate::awsfiles::{ProfileKind, Snapshot};
use crate::context::Context;
use crate::renew::service::Want;
use crate::renew::session;
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
pub fn export(run: &super::Run, args: &ExportArgs) -> Result<(), Failure> {
    let ctx = &run.ctx;
    let snapshot = ctx.snapshot()?;
    let (from, creds) = if snapshot
        .profile(&args.profile)
        .is_some_and(|p| p.kind == ProfileKind::Login)
    {
        // A login profile's credentials last minutes: refreshed when about to end.
        let served = run.block_on(run.renewer().ensure(
            &args.profile,
            &Want::serve(),
            &mut crate::renew::code::Codes::none(),
        ))??;
        (served.session.from.to_string(), served.session.credentials)
    } else {
        temporary_credentials(ctx, &snapshot, &args.profile)?
    };
    let now = ctx.now();
    match creds.expiration {
        Some(t) if t <= now => {
            return Err(ExportError::Expired {
                from,
                when: relative(t, now),
                renew: ctx.command(&["renew", &args.profile]),
            }
            .into())
        }
        None => {
            eprintln!("mfatui: warning: {from} records no expiry; these credentials may be expired")
        }
        Some(_) => {}
    }
    super::out::data(&render(&creds, args.format, now));
    Ok(())
}

/// The temporary credentials to export for `name`: its own, those its renewals write,
/// aws-mfa-secure's, or for a login profile those of its `aws login` cache (refreshed first
/// when they are about to expire).
fn temporary_credentials(
    ctx: &Context,
    snapshot: &Snapshot,
    name: &str,
) -> Result<(String, Credentials), Failure> {
    let own = snapshot
        .map()
        .profile(name)
        .ok_or_else(|| ExportError::NoProfile(name.to_owned()))?;
    let found = session::sessions(snapshot, name)?;
    let newest = found
        .into_iter()
        .max_by_key(|s| s.credentials.expiration.map_or(i64::MIN, |t| t.timestamp()));
    if let Some(s) = newest {
        return Ok((s.from.to_string(), s.credentials));
    }
    if ctx.demo {
        // Each demo run starts from fresh copies: a renewal made by one run is gone in the next.
        return Err(ExportError::DemoNoSession {
            name: name.to_owned(),
            exec: ctx.command(&["exec", name, "--code", "123456", "--", "env"]),
        }
        .into());
    }
    let renew = ctx.command(&["renew", name]);
    let name = name.to_owned();
    Err(if own.has("aws_access_key_id") {
        ExportError::LongTerm { name, renew }
    } else {
        ExportError::NoSession { name, renew }
    }
    .into())
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
        ShellFormat::Powershell => format!("$Env:{key} = '{}'\n", powershell_quoted(value)),
        ShellFormat::Json => unreachable!("handled above"),
    }
}

/// `value` inside PowerShell's single quotes: every character PowerShell takes for a single
/// quote — the curly ones too (U+2018 to U+201B) — doubled (attack round 14, R14-4).
fn powershell_quoted(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for c in value.chars() {
        if matches!(c, '\'' | '\u{2018}' | '\u{2019}' | '\u{201a}' | '\u{201b}') {
            out.push(c);
        }
        out.push(c);
    }
    out
}

/// `mfatui unset`.
pub fn unset(args: &UnsetArgs) -> Result<(), Failure> {
    let out: String = match args.format {
        ShellFormat::Sh => format!("unset {}\n", VARIABLES.join(" ")),
        ShellFormat::Fish => VARIABLES.iter().map(|v| format!("set -e {v}\n")).collect(),
        ShellFormat::Powershell => VARIABLES
            .iter()
            .map(|v| format!("Remove-Item Env:{v} -ErrorAction SilentlyContinue\n"))
            .collect(),
        ShellFormat::Json => return Err(ExportError::UnsetJson.into()),
    };
    print!("{out}");
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// PowerShell ends a single-quoted string at a curly quote too: each is doubled.
    #[test]
    fn every_quote_powershell_knows_is_doubled() {
        assert_eq!(
            set_line(
                ShellFormat::Powershell,
                "AWS_SECRET_ACCESS_KEY",
                "abc\u{2019}; Start-Process calc; \u{2018}x'"
            ),
            "$Env:AWS_SECRET_ACCESS_KEY = 'abc\u{2019}\u{2019}; Start-Process calc; \u{2018}\u{2018}x'''\n"
        );
        assert_eq!(
            powershell_quoted("\u{201a}\u{201b}"),
            "\u{201a}\u{201a}\u{201b}\u{201b}"
        );
    }
}
