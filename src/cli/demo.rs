//! `--demo`: the bundled sample profiles, copied to a temporary folder (never `~/.aws`), with
//! expiry times placed relative to now so the countdowns are alive.

use crate::awsfiles::AwsPaths;
use crate::context::Env;
use chrono::{DateTime, SecondsFormat, Utc};
use std::path::Path;

const CONFIG: &str = include_str!("../../assets/demo/config");
const CREDENTIALS: &str = include_str!("../../assets/demo/credentials");

/// Writes the demo files into `dir` and returns the paths to use. `AWS_PROFILE` (or
/// `AWS_DEFAULT_PROFILE`) selects a demo profile, as it selects one of yours.
pub fn prepare(dir: &Path, env: &Env, now: DateTime<Utc>) -> std::io::Result<AwsPaths> {
    write_private(&dir.join("config"), CONFIG)?;
    write_private(&dir.join("credentials"), &relative_times(CREDENTIALS, now))?;
    Ok(AwsPaths {
        config: dir.join("config"),
        credentials: dir.join("credentials"),
        cli_cache: dir.join("cli-cache"),
        mfa_secure_sessions: dir.join("mfa-secure-sessions"),
        sso_cache: dir.join("sso-cache"),
        login_cache: dir.join("login-cache"),
        mfatui_cache: dir.join("mfatui-cache"),
        selected_profile: env
            .get("AWS_DEFAULT_PROFILE")
            .or_else(|| env.get("AWS_PROFILE"))
            .map(str::to_owned),
    })
}

/// Writes a demo file, 0600 like the files it stands for.
fn write_private(path: &Path, text: &str) -> std::io::Result<()> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)?
        .write_all(text.as_bytes())
}

/// Replaces `{{+2h14m}}` / `{{-3m}}` with RFC 3339 times that far from `now`.
fn relative_times(text: &str, now: DateTime<Utc>) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(start) = rest.find("{{") {
        let Some(len) = rest[start..].find("}}") else {
            break;
        };
        out.push_str(&rest[..start]);
        let spec = &rest[start + 2..start + len];
        let (sign, amount) = spec.split_at(1);
        let secs = i64::from(crate::duration::parse(amount).unwrap_or(0));
        let at = if sign == "-" {
            now - chrono::Duration::seconds(secs)
        } else {
            now + chrono::Duration::seconds(secs)
        };
        out.push_str(&at.to_rfc3339_opts(SecondsFormat::Secs, true));
        rest = &rest[start + len + 2..];
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::awsfiles::{Expiry, Naming, Snapshot};
    use chrono::TimeZone;

    #[test]
    fn demo_files_parse_and_their_sessions_are_alive() {
        let dir = tempfile::tempdir().unwrap();
        let now = Utc.with_ymd_and_hms(2026, 11, 22, 12, 0, 0).unwrap();
        let paths = prepare(dir.path(), &Env::default(), now).unwrap();
        let snapshot = Snapshot::load(&paths, &Naming::default()).unwrap();
        let profiles = snapshot.profiles();
        assert!(profiles.len() >= 12);
        let expiry = |n: &str| {
            profiles
                .iter()
                .find(|p| p.name == n)
                .unwrap()
                .expiry
                .clone()
        };
        assert_eq!(
            expiry("acme-dev-mfa").at(),
            Some(now + chrono::Duration::minutes(134))
        );
        assert_eq!(
            expiry("legacy").at(),
            Some(now - chrono::Duration::minutes(3))
        );
        assert!(matches!(expiry("saml-ops"), Expiry::At { .. }));
        assert!(
            profiles.iter().any(|p| !p.problems.is_empty()),
            "the demo shows a problem too"
        );
    }
}
