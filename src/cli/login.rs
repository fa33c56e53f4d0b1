//! `aws login` profiles on the command line: `mfatui renew` refreshes their credentials now,
//! and the commands that hand credentials out take a login profile's current ones from here.

use super::Run;
use crate::aws::login::{self, LoginProfile};
use crate::awsfiles::expiry::relative;
use crate::awsfiles::login_cache;
use crate::awsfiles::ConfigMap;
use crate::context::Context;
use chrono::Utc;

/// Renewing a login profile: its credentials refreshed through the sign-in service now and
/// written to the `aws login` cache, where the AWS CLI and the SDKs read them.
pub fn renew(run: &Run, map: &ConfigMap, name: &str, dry_run: bool) -> Result<(), String> {
    let paths = &run.ctx.paths;
    let profile = resolve(&run.ctx, map, name)?;
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
    let token = run
        .block_on(login::refresh_now(&profile, paths))?
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

/// The profile, with the run's time limits.
fn resolve(ctx: &Context, map: &ConfigMap, name: &str) -> Result<LoginProfile, String> {
    let mut profile =
        LoginProfile::resolve(map, name, &ctx.env.lookup()).map_err(|e| e.to_string())?;
    profile.connect_timeout = ctx.timeouts.connect;
    profile.call_timeout = ctx.timeouts.call;
    Ok(profile)
}
