//! `aws login` profiles on the command line: `mfatui renew` refreshes their credentials now,
//! and the commands that hand credentials out take a login profile's current ones from here.

use crate::aws::login::{self, LoginProfile, REFRESH_MARGIN};
use crate::aws::Credentials;
use crate::awsfiles::expiry::relative;
use crate::awsfiles::login_cache;
use crate::awsfiles::{AwsPaths, ConfigMap};
use chrono::Utc;
use std::time::Duration;

/// Renewing a login profile: its credentials refreshed through the sign-in service now and
/// written to the `aws login` cache, where the AWS CLI and the SDKs read them.
pub fn renew(paths: &AwsPaths, map: &ConfigMap, name: &str, dry_run: bool) -> Result<(), String> {
    let profile = resolve(map, name)?;
    let file = paths
        .login_cache
        .join(login_cache::file_name(&profile.session));
    if dry_run {
        println!(
            "Dry run: would refresh the credentials of '{name}' at {} and rewrite {}. Nothing was done.",
            profile.place(),
            file.display()
        );
        return Ok(());
    }
    let token = runtime()?
        .block_on(login::refresh_now(&profile, paths))
        .map_err(|e| e.to_string())?;
    let now = Utc::now();
    let until = token.access_token.expires_at;
    println!(
        "Refreshed '{name}': its credentials are valid until {} ({}). Cached in {}.",
        until.format("%Y-%m-%d %H:%M:%S UTC"),
        relative(until, now),
        file.display()
    );
    if let Some(limit) = token.refreshable_until_at_most().filter(|t| *t > now) {
        println!(
            "The sign-in can be refreshed until {} at the latest ({} hours after `aws login`); then run `aws login --profile {name}`.",
            limit.format("%Y-%m-%d %H:%M:%S UTC"),
            login_cache::MAX_SIGN_IN_HOURS
        );
    }
    Ok(())
}

/// The credentials login profile `name` serves now: the cached ones, refreshed first when
/// they have less than five minutes left (as the AWS CLI and the SDKs do).
pub fn credentials(paths: &AwsPaths, map: &ConfigMap, name: &str) -> Result<Credentials, String> {
    let profile = resolve(map, name)?;
    runtime()?
        .block_on(login::current_credentials(
            &profile,
            paths,
            Utc::now(),
            REFRESH_MARGIN,
        ))
        .map_err(|e| e.to_string())
}

/// The profile with the time limits every command that calls AWS takes from
/// `MFATUI_CONNECT_TIMEOUT` and `MFATUI_CALL_TIMEOUT` (seconds).
fn resolve(map: &ConfigMap, name: &str) -> Result<LoginProfile, String> {
    let env = |k: &str| std::env::var(k).ok();
    let mut profile = LoginProfile::resolve(map, name, &env).map_err(|e| e.to_string())?;
    let secs = |var: &str, default: Duration| {
        env(var)
            .and_then(|v| v.parse().ok())
            .map_or(default, Duration::from_secs)
    };
    profile.connect_timeout = secs("MFATUI_CONNECT_TIMEOUT", profile.connect_timeout);
    profile.call_timeout = secs("MFATUI_CALL_TIMEOUT", profile.call_timeout);
    Ok(profile)
}

fn runtime() -> Result<tokio::runtime::Runtime, String> {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| e.to_string())
}
