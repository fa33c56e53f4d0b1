//! A profile's current session, wherever its layout says the user's tools keep it: a role's
//! session section or the AWS CLI's cache entry; a profile's MFA session section (`NAME-mfa`,
//! a settings target, aws-mfa's short-term profile, a `__profile__` section); the profile
//! itself when it holds temporary credentials; aws-mfa-secure's session cache. Only sessions
//! of the profile asked about: never another profile's.

use super::error::SessionsError;
use super::plan::static_credentials;
use crate::aws::Credentials;
use crate::awsfiles::cli_cache::CacheDir;
use crate::awsfiles::login_cache::LoginToken;
use crate::awsfiles::mfa_secure::SecureSessions;
use crate::awsfiles::{ProfileKind, Snapshot};
use crate::freshness::{Freshness, Use};
use chrono::{DateTime, Utc};
use std::fmt;

/// Where a session was read.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SessionFrom {
    /// A credentials-file section.
    Section(String),
    /// The AWS CLI's assume-role cache (the file name, without `.json`).
    CliCache(String),
    /// aws-mfa-secure's cache file of this profile.
    MfaSecure(String),
    /// The `aws login` cache of this profile.
    LoginCache(String),
    /// The SSO portal, with the session's token (the profile's name).
    SsoPortal(String),
}

impl fmt::Display for SessionFrom {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SessionFrom::Section(s) => write!(f, "[{s}]"),
            SessionFrom::CliCache(_) => f.write_str("the AWS CLI cache"),
            SessionFrom::MfaSecure(p) => write!(f, "aws-mfa-secure's cache of {p}"),
            SessionFrom::LoginCache(p) => write!(f, "the `aws login` cache of {p}"),
            SessionFrom::SsoPortal(p) => write!(f, "the SSO portal for {p}"),
        }
    }
}

/// A session and where it was read.
#[derive(Clone, Debug)]
pub struct Session {
    /// Where.
    pub from: SessionFrom,
    /// The temporary credentials (with their expiry when recorded).
    pub credentials: Credentials,
}

impl Session {
    /// Whether it is fresh enough for `purpose`, for a session that lasts `length` in all.
    pub fn is_fresh(
        &self,
        policy: &Freshness,
        purpose: Use,
        length: Option<u32>,
        now: DateTime<Utc>,
    ) -> bool {
        policy.is_fresh(purpose, self.credentials.expiration, length, now)
    }

    /// Whether it is still valid at all.
    pub fn is_valid(&self, now: DateTime<Utc>) -> bool {
        self.credentials.expiration.is_some_and(|at| at > now)
    }
}

/// Every temporary session recorded for `name`, the ones mfatui writes first. A corrupt
/// aws-mfa-secure file is an error (one sentence, no secret).
pub fn sessions(snapshot: &Snapshot, name: &str) -> Result<Vec<Session>, SessionsError> {
    let map = snapshot.map();
    let layout = snapshot.layout_of(name);
    let paths = &snapshot.files().paths;
    if let Some(shared) = snapshot.shared_session(name) {
        return Err(shared.into());
    }
    let section = |section: &str| {
        let credentials = map.profile(section).and_then(static_credentials)?;
        credentials.session_token.as_ref()?;
        Some(Session {
            from: SessionFrom::Section(section.to_owned()),
            credentials,
        })
    };
    let mut found = Vec::new();
    if let Some(session) = snapshot
        .profile(name)
        .filter(|p| p.kind == ProfileKind::Login)
        .and_then(|_| map.profile(name)?.get("login_session"))
    {
        // Missing or unusable: no session (the profile's problem says why).
        if let Ok(token) = LoginToken::load(&paths.login_cache, session) {
            found.push(Session {
                from: SessionFrom::LoginCache(name.to_owned()),
                credentials: crate::aws::login::credentials(&token),
            });
        }
        return Ok(found);
    }
    if let Some(role) = &layout.role {
        found.extend(role.section.as_deref().and_then(section));
        let key = role
            .cli_cache
            .then(|| crate::awsfiles::layout::role_cache_key(snapshot.map(), name))
            .flatten();
        if let Some(key) = key.as_deref() {
            let cache = CacheDir::read(&paths.cli_cache);
            found.extend(cache.credentials(key).map(|credentials| Session {
                from: SessionFrom::CliCache(key.to_owned()),
                credentials,
            }));
        }
        return Ok(found);
    }
    let place = layout.session.as_ref().map(|s| s.section.as_str());
    found.extend(place.and_then(section));
    if place != Some(name) {
        found.extend(section(name));
    }
    if let Some(s) = paths
        .mfa_secure()
        .map_or_else(SecureSessions::default, SecureSessions::read)
        .get(name)
        .map_err(SessionsError::from)?
    {
        found.push(Session {
            from: SessionFrom::MfaSecure(name.to_owned()),
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

/// The first of `found` fresh enough for `purpose`.
pub fn fresh<'a>(
    found: &'a [Session],
    policy: &Freshness,
    purpose: Use,
    length: Option<u32>,
    now: DateTime<Utc>,
) -> Option<&'a Session> {
    found
        .iter()
        .find(|s| s.is_fresh(policy, purpose, length, now))
}
