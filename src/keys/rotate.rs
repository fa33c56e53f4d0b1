//! Rotating a profile's access key: create a new key for its IAM user, write it into the
//! profile through the safe writer, prove that it works, then delete (or deactivate) the old
//! one. Any failure leaves one working key in the file: a new key that could not be written
//! or verified is deleted again and the file put back as it was.
//!
//! IAM calls use the profile's fresh MFA session when it has an MFA device (accounts that
//! deny everything without MFA deny `iam:CreateAccessKey` too), getting one first if needed;
//! otherwise its long-term keys. Sessions made from the old key stay valid.

use super::{key_place, KeyPlace};
use crate::aws::{AwsApi, CallSite, Credentials};
use crate::awsfiles::fault::{self, Step};
use crate::awsfiles::profile::key_suffix;
use crate::awsfiles::{commit, AwsFiles, AwsPaths, Edit, FileKind, OnChange, Plan, Written};
use crate::renew::plan::site_for;
use crate::renew::RenewOptions;
use crate::serve::on_demand::{on_demand, CodeSources};
use crate::settings::Settings;
use chrono::Utc;
use std::time::{Duration, Instant};

/// How to rotate.
#[derive(Clone, Debug, Default)]
pub struct RotateOptions {
    /// Deactivate the old key instead of deleting it.
    pub keep_old: bool,
    /// Where an MFA code may come from, when the IAM calls need a fresh MFA session.
    pub codes: CodeSources,
}

/// What a rotation did.
#[derive(Clone, Debug)]
pub struct Rotated {
    /// The profile whose keys were rotated.
    pub profile: String,
    /// The IAM user.
    pub user: String,
    /// The old key id, masked.
    pub old_key: String,
    /// The new key id, masked.
    pub new_key: String,
    /// What was written.
    pub written: Vec<Written>,
    /// A problem after the new key was in place (the old key could not be retired).
    pub warning: Option<String>,
}

/// How long the new key is tried while IAM's change propagates:
/// `MFATUI_ROTATE_VERIFY_SECS`, default 30.
fn verify_window() -> Duration {
    Duration::from_secs(
        std::env::var("MFATUI_ROTATE_VERIFY_SECS")
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or(30),
    )
}

/// Where the keys of `name` are (its own, or its aws-mfa partner's), or why it has none.
pub fn locate(paths: &AwsPaths, settings: &Settings, name: &str) -> Result<KeyPlace, String> {
    let files = AwsFiles::load(paths).map_err(|e| e.to_string())?;
    let map = files.config_map().map_err(|e| e.to_string())?;
    if map.profile(name).is_none() {
        return Err(format!(
            "there is no profile named '{name}' in the AWS config or credentials file"
        ));
    }
    let profiles = settings.profiles(&map, paths);
    let partner = profiles
        .iter()
        .find(|p| p.name == name)
        .and_then(|p| p.long_term_profile.as_deref());
    key_place(&map, name)
        .or_else(|| partner.and_then(|lt| key_place(&map, lt)))
        .ok_or_else(|| format!("'{name}' holds no long-term access key to rotate"))
}

/// Rotates the access key of `name`. `confirm` sees the planned write (its masked diff) and
/// says whether to go on; `progress` hears each step.
pub fn rotate(
    paths: &AwsPaths,
    settings: &Settings,
    api: &dyn AwsApi,
    name: &str,
    options: &RotateOptions,
    confirm: &mut dyn FnMut(&Plan) -> Result<bool, String>,
    progress: &mut dyn FnMut(&str),
) -> Result<Rotated, String> {
    let place = locate(paths, settings, name)?;
    let (site, iam) = iam_access(paths, settings, api, name, &place, options)?;
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| e.to_string())?;

    // GetCallerIdentity needs no permission (no policy can deny it): the old key names its user.
    let identity = runtime
        .block_on(api.caller_identity(&site, &place.credentials))
        .map_err(|e| e.to_string())?;
    let user = identity
        .user_name()
        .ok_or_else(|| {
            format!(
                "the keys of '{}' belong to {}, not an IAM user: only IAM users have access keys to rotate",
                place.profile, identity.arn
            )
        })?
        .to_owned();
    let old_id = place.credentials.access_key_id.clone();
    let keys = runtime
        .block_on(api.list_access_keys(&site, &iam, &user))
        .map_err(|e| e.to_string())?;
    if keys.len() >= 2 {
        let ids: Vec<String> = keys.iter().map(|k| key_suffix(&k.id).to_string()).collect();
        return Err(format!(
            "the IAM user {user} already has two access keys ({}), IAM's limit: delete the one you do not use, then rotate; nothing was changed",
            ids.join(", ")
        ));
    }
    progress(&format!(
        "Creating a new access key for the IAM user {user}…"
    ));
    let new = runtime
        .block_on(api.create_access_key(&site, &iam, &user))
        .map_err(|e| e.to_string())?;
    let undo_create = |why: String| -> String {
        match runtime.block_on(api.retire_access_key(&site, &iam, &user, &new.access_key_id, false)) {
            Ok(()) => format!("{why}; the new key was deleted again and the file is unchanged"),
            Err(e) => format!(
                "{why}; the new key {} could not be deleted again ({e}): delete it in the IAM console",
                key_suffix(&new.access_key_id)
            ),
        }
    };
    if let Err(e) = fault::point(Step::RotateAfterCreate) {
        return Err(undo_create(e.to_string()));
    }
    let write = |creds: &Credentials| -> Result<Plan, String> {
        let files = AwsFiles::load(paths).map_err(|e| e.to_string())?;
        let file = match place.file {
            FileKind::Credentials => &files.credentials,
            FileKind::Config => &files.config,
        };
        let set = |key: &str, value: &str| Edit::Set {
            section: place.section.clone(),
            key: key.to_owned(),
            value: value.to_owned(),
        };
        let mut plan = Plan::default();
        plan.edit(
            file,
            vec![
                set("aws_access_key_id", &creds.access_key_id),
                set("aws_secret_access_key", creds.secret_access_key.expose()),
            ],
        )
        .map_err(|e| e.to_string())?;
        Ok(plan)
    };
    let plan = write(&new).map_err(&undo_create)?;
    match confirm(&plan) {
        Ok(true) => {}
        Ok(false) => return Err(undo_create("nothing was written".to_owned())),
        Err(e) => return Err(undo_create(e)),
    }
    let options_w = settings.write_options(OnChange::Merge);
    let written = commit(&plan, &options_w).map_err(|e| undo_create(e.to_string()))?;
    // From here the file holds the new key: undoing means writing the old one back first.
    let undo_write = |why: String| -> String {
        let restored = write(&place.credentials)
            .and_then(|plan| commit(&plan, &options_w).map_err(|e| e.to_string()));
        match restored {
            Ok(_) => undo_create(format!("{why}; the old key was written back")),
            Err(e) => format!(
                "{why}, and writing the old key back failed ({e}): the file holds the new key {}, which may not work yet; the old key {} still exists",
                key_suffix(&new.access_key_id),
                key_suffix(&old_id)
            ),
        }
    };
    if let Err(e) = fault::point(Step::RotateAfterWrite) {
        return Err(undo_write(e.to_string()));
    }
    progress("Checking that the new key works (IAM may take a few seconds)…");
    if let Err(why) = verify(&runtime, api, &site, &new, &identity.arn) {
        return Err(undo_write(why));
    }
    progress(&format!(
        "{} the old key {}…",
        if options.keep_old {
            "Deactivating"
        } else {
            "Deleting"
        },
        key_suffix(&old_id)
    ));
    let warning = runtime
        .block_on(api.retire_access_key(&site, &iam, &user, &old_id, options.keep_old))
        .err()
        .map(|e| {
            format!(
                "the new key works and is in the file, but the old key {} could not be {}: {e}",
                key_suffix(&old_id),
                if options.keep_old {
                    "deactivated"
                } else {
                    "deleted"
                }
            )
        });
    Ok(Rotated {
        profile: place.profile,
        user,
        old_key: key_suffix(&old_id).to_string(),
        new_key: key_suffix(&new.access_key_id).to_string(),
        written,
        warning,
    })
}

/// The site and the credentials for the IAM calls: a fresh MFA session when the profile has
/// an MFA device (renewed first when needed), else its long-term keys.
fn iam_access(
    paths: &AwsPaths,
    settings: &Settings,
    api: &dyn AwsApi,
    name: &str,
    place: &KeyPlace,
    options: &RotateOptions,
) -> Result<(CallSite, Credentials), String> {
    let files = AwsFiles::load(paths).map_err(|e| e.to_string())?;
    let map = files.config_map().map_err(|e| e.to_string())?;
    let profiles = settings.profiles(&map, paths);
    let site = site_for(
        &map,
        map.profile(name),
        &RenewOptions::for_profile(settings, name, Utc::now()),
    );
    let has_mfa = profiles
        .iter()
        .any(|p| (p.name == name || p.name == place.profile.as_str()) && p.mfa.is_some());
    if !has_mfa {
        return Ok((site, place.credentials.clone()));
    }
    let served = on_demand(paths, settings, api, name, None, &options.codes)?;
    Ok((site, served.session.credentials))
}

/// `sts:GetCallerIdentity` with the new key until it answers as the same user, within
/// [`verify_window`].
fn verify(
    runtime: &tokio::runtime::Runtime,
    api: &dyn AwsApi,
    site: &CallSite,
    new: &Credentials,
    arn: &str,
) -> Result<(), String> {
    let start = Instant::now();
    let window = verify_window();
    loop {
        let answer = fault::point(Step::RotateVerify)
            .map_err(|e| e.to_string())
            .and_then(|()| {
                runtime
                    .block_on(api.caller_identity(site, new))
                    .map_err(|e| e.to_string())
            });
        match answer {
            Ok(identity) if identity.arn == arn => return Ok(()),
            Ok(identity) => {
                return Err(format!(
                    "the new key answers as {}, not {arn}",
                    identity.arn
                ))
            }
            Err(e) if start.elapsed() >= window => {
                return Err(format!(
                    "the new key did not work within {} s: {e}",
                    window.as_secs()
                ))
            }
            Err(_) => std::thread::sleep(Duration::from_secs(2)),
        }
    }
}
