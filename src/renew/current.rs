//! A profile's current temporary credentials, wherever the user's tools keep them: the
//! profile itself, the session its renewals write (`NAME-mfa`, a settings target, aws-mfa's
//! short-term profile, a `__profile__` section), or aws-mfa-secure's session cache.

use super::plan::{static_credentials, target_name, RenewOptions};
use crate::aws::Credentials;
use crate::awsfiles::mfa_secure::SecureSessions;
use crate::awsfiles::{ConfigMap, Profile};

/// Where a session was found, and the session.
#[derive(Clone, Debug)]
pub struct CurrentSession {
    /// Where it was read: a profile name, or `aws-mfa-secure:NAME`.
    pub from: String,
    /// The temporary credentials (with their expiry when recorded).
    pub credentials: Credentials,
}

/// Every temporary session recorded for `name`, the most specific first. A corrupt
/// aws-mfa-secure file is an error (one sentence, no secret).
pub fn sessions(
    map: &ConfigMap,
    profiles: &[Profile],
    secure: &SecureSessions,
    name: &str,
    opts: &RenewOptions,
) -> Result<Vec<CurrentSession>, String> {
    let linked = profiles
        .iter()
        .find(|p| p.name == name)
        .and_then(|p| p.session_profile.as_deref());
    sessions_linked(map, linked, secure, name, opts)
}

/// [`sessions`] given the profile's linked session profile (`None` looks only where the
/// names alone point: the profile, its target, aws-mfa's short-term name, aws-mfa-secure),
/// so that a caller can look there before building every profile.
pub fn sessions_linked(
    map: &ConfigMap,
    linked: Option<&str>,
    secure: &SecureSessions,
    name: &str,
    opts: &RenewOptions,
) -> Result<Vec<CurrentSession>, String> {
    let mut candidates = vec![name.to_owned()];
    candidates.extend(linked.map(str::to_owned));
    candidates.push(
        opts.target
            .clone()
            .unwrap_or_else(|| target_name(&opts.target_pattern, name)),
    );
    if let Some(short) = name.strip_suffix(opts.long_term_suffix.as_str()) {
        candidates.push(short.to_owned());
    }
    let mut found: Vec<CurrentSession> = candidates
        .iter()
        .filter_map(|c| {
            let credentials = map.profile(c).and_then(static_credentials)?;
            credentials.session_token.as_ref()?;
            Some(CurrentSession {
                from: c.clone(),
                credentials,
            })
        })
        .collect();
    if let Some(s) = secure.get(name)? {
        found.push(CurrentSession {
            from: format!("aws-mfa-secure:{name}"),
            credentials: Credentials {
                access_key_id: s.access_key_id,
                secret_access_key: s.secret_access_key,
                session_token: Some(s.session_token),
                expiration: Some(s.expiration),
            },
        });
    }
    Ok(found)
}

/// The first of [`sessions`] that stays valid for more than `margin_secs` from `now`.
pub fn fresh(
    found: &[CurrentSession],
    now: chrono::DateTime<chrono::Utc>,
    margin_secs: i64,
) -> Option<&CurrentSession> {
    found.iter().find(|s| {
        s.credentials
            .expiration
            .is_some_and(|at| (at - now).num_seconds() > margin_secs)
    })
}
