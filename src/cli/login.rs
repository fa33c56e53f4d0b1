//! `aws login` profiles on the command line: what `mfatui renew` says when the renewal
//! service refreshed one (or would, in a dry run).

use crate::aws::login::LoginProfile;
use crate::awsfiles::expiry::relative;
use crate::awsfiles::login_cache::{self, LoginToken};
use chrono::Utc;
use std::path::Path;

/// A dry run: where the refresh would go and which file it would rewrite.
pub fn planned(profile: &LoginProfile, file: &Path) {
    println!(
        "Dry run: would refresh the credentials of '{}' at {} and rewrite {}. Nothing was done.",
        profile.name,
        profile.place(),
        file.display()
    );
}

/// The credentials of `name` refreshed through the sign-in service and written to the
/// `aws login` cache `file`, where the AWS CLI and the SDKs read them.
pub fn refreshed(name: &str, file: &Path, token: &LoginToken) {
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
}
