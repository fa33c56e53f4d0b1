//! Profiles as a person thinks of them: kind, account/role, MFA device, source chain, expiry.
//!
//! Built from the merged [`ConfigMap`]; holds no secret, only whether keys are present.

use super::cli_cache::{CacheDir, RoleCacheArgs};
use super::config_map::{ConfigMap, ProfileSettings};
use super::expiry::{self, Expiry};
use std::path::Path;

/// The suffix aws-mfa gives the profile that holds the long-term keys (`NAME-long-term`).
pub const AWS_MFA_LONG_TERM_SUFFIX: &str = "-long-term";

/// How a profile gets its credentials, in botocore's provider order.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum ProfileKind {
    /// `role_arn` with `source_profile` or `credential_source`.
    Role,
    /// `role_arn` with `web_identity_token_file`.
    WebIdentity,
    /// `sso_session` or `sso_start_url`.
    Sso,
    /// Keys with `aws_session_token`: temporary credentials.
    Session,
    /// Keys without a session token.
    LongTerm,
    /// `credential_process`.
    Process,
    /// Settings only (region, output…), no way to get credentials.
    ConfigOnly,
}

impl ProfileKind {
    /// The label shown in lists and tables.
    pub fn label(self) -> &'static str {
        match self {
            ProfileKind::Role => "role",
            ProfileKind::WebIdentity => "web-identity",
            ProfileKind::Sso => "sso",
            ProfileKind::Session => "session",
            ProfileKind::LongTerm => "long-term",
            ProfileKind::Process => "process",
            ProfileKind::ConfigOnly => "config-only",
        }
    }
}

/// Which convention named a profile's MFA device.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MfaDevice {
    /// The device ARN (or hardware serial).
    pub serial: String,
    /// The key it was read from: `mfa_serial`, `aws_mfa_device` (aws-mfa) or `__mfa__`.
    pub key: &'static str,
    /// The profile it was read from (this one, or its aws-mfa `NAME-long-term` partner).
    pub profile: String,
}

/// Keys naming an MFA device, in the order they are looked at.
pub const MFA_KEYS: [&str; 3] = ["mfa_serial", "aws_mfa_device", "__mfa__"];

/// One profile, ready to show.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Profile {
    /// The profile name as the AWS CLI's `--profile` takes it.
    pub name: String,
    /// How it gets credentials.
    pub kind: ProfileKind,
    /// Section in the config file, if any (e.g. `profile dev`).
    pub config_section: Option<String>,
    /// Section in the credentials file, if any.
    pub credentials_section: Option<String>,
    /// `region`.
    pub region: Option<String>,
    /// The role this profile assumes (`role_arn`), or the one aws-mfa recorded as
    /// `assumed_role_arn` for its short-term profile.
    pub role_arn: Option<String>,
    /// The AWS account, from the role ARN, SSO account or MFA device ARN.
    pub account: Option<String>,
    /// The role or user name, from the same places.
    pub principal: Option<String>,
    /// `source_profile`.
    pub source_profile: Option<String>,
    /// `credential_source` (Environment, Ec2InstanceMetadata, EcsContainer).
    pub credential_source: Option<String>,
    /// For roles: the profiles walked to reach base credentials, nearest first.
    pub chain: Vec<String>,
    /// The aws-mfa `NAME-long-term` profile that holds this profile's long-term keys.
    pub long_term_profile: Option<String>,
    /// The MFA device renewals would use.
    pub mfa: Option<MfaDevice>,
    /// `mfa_process` (a command printing the code, as aws-vault supports).
    pub has_mfa_process: bool,
    /// Whether the profile holds an access key pair.
    pub has_keys: bool,
    /// The last four characters of the access key id, for recognising keys without showing them.
    pub access_key_suffix: Option<String>,
    /// When its temporary credentials expire.
    pub expiry: Expiry,
    /// What is wrong with it, one sentence each.
    pub problems: Vec<String>,
}

/// Builds every profile of the map, in botocore's order. `cli_cache` is the AWS CLI's
/// assume-role cache directory, read for role expiry.
pub fn profiles(map: &ConfigMap, cli_cache: &Path) -> Vec<Profile> {
    profiles_with_suffix(map, cli_cache, AWS_MFA_LONG_TERM_SUFFIX)
}

/// [`profiles`] with another aws-mfa long-term suffix (the `naming.long_term_suffix` setting).
pub fn profiles_with_suffix(
    map: &ConfigMap,
    cli_cache: &Path,
    long_term_suffix: &str,
) -> Vec<Profile> {
    let cache = CacheDir::read(cli_cache);
    map.profiles()
        .map(|(name, settings)| build(map, name, settings, &cache, long_term_suffix))
        .collect()
}

fn build(
    map: &ConfigMap,
    name: &str,
    p: &ProfileSettings,
    cache: &CacheDir,
    suffix: &str,
) -> Profile {
    let text = |k: &str| p.get(k).map(str::to_owned);
    let kind = classify(p);
    let mut problems = Vec::new();
    let long_term_profile = name
        .strip_suffix(suffix)
        .is_none()
        .then(|| format!("{name}{suffix}"))
        .filter(|lt| map.profile(lt).is_some());

    let mfa = mfa_device(name, p).or_else(|| {
        let lt = long_term_profile.as_deref()?;
        mfa_device(lt, map.profile(lt)?)
    });

    let mut chain = Vec::new();
    if kind == ProfileKind::Role {
        match (p.get("source_profile"), p.get("credential_source")) {
            (Some(_), Some(_)) => problems.push(
                "has both source_profile and credential_source; the AWS CLI refuses this"
                    .to_owned(),
            ),
            (None, None) => {
                problems.push("role_arn needs a source_profile or credential_source".to_owned())
            }
            (Some(_), None) => match resolve_chain(map, name) {
                Ok(c) => chain = c,
                Err(problem) => problems.push(problem),
            },
            (None, Some(_)) => {}
        }
    }
    if p.has("aws_access_key_id") != p.has("aws_secret_access_key") {
        problems.push("has only half of an access key pair (aws_access_key_id and aws_secret_access_key go together)".to_owned());
    }

    let role_arn =
        text("role_arn").or_else(|| text("assumed_role_arn").filter(|a| a.starts_with("arn:")));
    let (account, principal) = identity(p, role_arn.as_deref(), mfa.as_ref());
    let expiry = expiry_of(kind, p, cache);

    Profile {
        name: name.to_owned(),
        kind,
        config_section: p.config_section.clone(),
        credentials_section: p.credentials_section.clone(),
        region: text("region"),
        role_arn,
        account,
        principal,
        source_profile: text("source_profile"),
        credential_source: text("credential_source"),
        chain,
        long_term_profile,
        mfa,
        has_mfa_process: p.has("mfa_process"),
        has_keys: p.has("aws_access_key_id") && p.has("aws_secret_access_key"),
        access_key_suffix: p.get("aws_access_key_id").map(key_suffix),
        expiry,
        problems,
    }
}

/// botocore's provider order: assume-role, web identity, SSO, credentials-file keys,
/// credential_process, config-file keys.
fn classify(p: &ProfileSettings) -> ProfileKind {
    let keys_kind = || {
        if p.has("aws_session_token") || p.has("aws_security_token") {
            ProfileKind::Session
        } else {
            ProfileKind::LongTerm
        }
    };
    if p.has("role_arn") {
        if p.has("web_identity_token_file") {
            ProfileKind::WebIdentity
        } else {
            ProfileKind::Role
        }
    } else if p.has("sso_session") || p.has("sso_start_url") {
        ProfileKind::Sso
    } else if p.has("aws_access_key_id") && p.credentials_section.is_some() {
        keys_kind()
    } else if p.has("credential_process") {
        ProfileKind::Process
    } else if p.has("aws_access_key_id") {
        keys_kind()
    } else {
        ProfileKind::ConfigOnly
    }
}

fn mfa_device(name: &str, p: &ProfileSettings) -> Option<MfaDevice> {
    MFA_KEYS.iter().find_map(|&key| {
        let serial = p.get(key).filter(|s| !s.is_empty())?;
        Some(MfaDevice {
            serial: serial.to_owned(),
            key,
            profile: name.to_owned(),
        })
    })
}

fn has_static_keys(p: &ProfileSettings) -> bool {
    p.has("aws_access_key_id") || p.has("aws_secret_access_key")
}

/// Walks `source_profile` links from a role profile the way botocore's AssumeRoleProvider
/// does. Returns the profiles visited after `name`, or one sentence saying why it fails:
/// a missing profile, a loop, or a source without credentials.
pub fn resolve_chain(map: &ConfigMap, name: &str) -> Result<Vec<String>, String> {
    let mut visited = vec![name.to_owned()];
    let mut current = name.to_owned();
    loop {
        let settings = map
            .profile(&current)
            .ok_or_else(|| format!("profile '{current}' does not exist"))?;
        if settings.get("credential_source").is_some() && current != name {
            return Ok(visited.split_off(1));
        }
        let Some(source) = settings.get("source_profile") else {
            return Ok(visited.split_off(1));
        };
        let Some(src) = map.profile(source) else {
            return Err(format!(
                "source_profile '{source}' (named in '{current}') does not exist"
            ));
        };
        if visited.iter().any(|v| v == source) {
            if source == current && has_static_keys(src) {
                visited.push(source.to_owned());
                return Ok(visited.split_off(1));
            }
            visited.push(source.to_owned());
            return Err(format!("source_profile loop: {}", visited.join(" → ")));
        }
        visited.push(source.to_owned());
        if has_static_keys(src) || !src.has("role_arn") {
            let usable = has_static_keys(src)
                || src.has("credential_process")
                || src.has("sso_session")
                || src.has("sso_start_url")
                || src.has("web_identity_token_file");
            if !usable {
                return Err(format!("source profile '{source}' has no credentials"));
            }
            return Ok(visited.split_off(1));
        }
        current = source.to_owned();
    }
}

/// Account and role/user name from the role ARN, the SSO settings or the MFA device ARN.
fn identity(
    p: &ProfileSettings,
    role_arn: Option<&str>,
    mfa: Option<&MfaDevice>,
) -> (Option<String>, Option<String>) {
    if let Some((account, resource)) = role_arn.and_then(split_arn) {
        let role = resource.strip_prefix("role/").unwrap_or(resource);
        let role = role.rsplit('/').next().unwrap_or(role);
        return (Some(account.to_owned()), Some(role.to_owned()));
    }
    if let Some(account) = p.get("sso_account_id") {
        return (
            Some(account.to_owned()),
            p.get("sso_role_name").map(str::to_owned),
        );
    }
    if let Some((account, resource)) = mfa.and_then(|m| split_arn(&m.serial)) {
        let user = resource.strip_prefix("mfa/").unwrap_or(resource);
        let user = user.rsplit('/').next().unwrap_or(user);
        return (Some(account.to_owned()), Some(user.to_owned()));
    }
    (None, None)
}

/// `arn:PARTITION:SERVICE:REGION:ACCOUNT:RESOURCE` → (ACCOUNT, RESOURCE).
fn split_arn(arn: &str) -> Option<(&str, &str)> {
    let mut parts = arn.splitn(6, ':');
    if parts.next()? != "arn" {
        return None;
    }
    let (_partition, _service, _region) = (parts.next()?, parts.next()?, parts.next()?);
    let account = parts.next()?;
    let resource = parts.next()?;
    (!account.is_empty()).then_some((account, resource))
}

fn expiry_of(kind: ProfileKind, p: &ProfileSettings, cache: &CacheDir) -> Expiry {
    if let Some(found) = expiry::from_keys(|k| p.get(k)) {
        return found;
    }
    match kind {
        ProfileKind::Session => Expiry::Unknown { raw: None },
        ProfileKind::Role => {
            let args = RoleCacheArgs {
                role_arn: p.get("role_arn").unwrap_or_default(),
                role_session_name: p.get("role_session_name"),
                external_id: p.get("external_id"),
                mfa_serial: p.get("mfa_serial"),
                duration_seconds: p.get("duration_seconds"),
            };
            cache.expiry(&args).unwrap_or(Expiry::None)
        }
        _ => Expiry::None,
    }
}

/// The last four characters of a key id, masked: `****WXYZ`.
pub fn key_suffix(key_id: &str) -> String {
    let tail: String = key_id
        .chars()
        .rev()
        .take(4)
        .collect::<Vec<_>>()
        .into_iter()
        .rev()
        .collect();
    format!("****{tail}")
}
