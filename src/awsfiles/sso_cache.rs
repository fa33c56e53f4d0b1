//! The AWS CLI's SSO token cache (`~/.aws/sso/cache/KEY.json`): read for SSO profiles'
//! countdowns, written by mfatui's SSO login and refresh exactly as the AWS CLI v2 writes it.
//! KEY is what botocore's `SSOTokenLoader` derives: the SHA-1 hex of the `sso_session` name, or
//! of `sso_start_url` for legacy profiles without a session. Beside it, the OIDC client
//! registration the AWS CLI v2 caches under the SHA-1 of its JSON description
//! ([`registration_file_name`]). A countdown reads only `expiresAt`, `refreshToken`'s presence
//! and `registrationExpiresAt`; the access and refresh tokens leave the file only for the
//! refresh and role calls.

use super::cli_cache::CacheDir;
use super::expiry::{Expiry, ExpirySource};
use crate::secret::Secret;
use chrono::{DateTime, Utc};
use sha1::{Digest, Sha1};
use std::path::{Path, PathBuf};

/// The cache file name (with `.json`) for an `sso_session` name or a legacy start URL.
pub fn file_name(session_or_start_url: &str) -> String {
    let digest = Sha1::digest(session_or_start_url.as_bytes());
    let mut name: String = digest.iter().map(|b| format!("{b:02x}")).collect();
    name.push_str(".json");
    name
}

/// A token as the AWS CLI v2 caches it after `aws sso login`.
#[derive(Clone, Debug)]
pub struct TokenRecord {
    /// `startUrl`.
    pub start_url: String,
    /// `region`.
    pub region: String,
    /// `accessToken`.
    pub access_token: Secret,
    /// `expiresAt`.
    pub expires_at: DateTime<Utc>,
    /// `clientId` of the registered OIDC client.
    pub client_id: String,
    /// `clientSecret`.
    pub client_secret: Secret,
    /// `registrationExpiresAt`.
    pub registration_expires_at: DateTime<Utc>,
    /// `refreshToken`, when the service gave one.
    pub refresh_token: Option<Secret>,
}

/// botocore's `json.dumps` of a string (ASCII only: everything else as `\uXXXX`).
fn py_json_str(out: &mut String, s: &str) {
    out.push_str(&super::cli_cache::py_json_str(s));
}

/// The file (with `.json`) the AWS CLI v2 caches a client registration in: the SHA-1 hex of
/// `json.dumps({"tool": "botocore", "startUrl", "region", "scopes", "session_name"},
/// sort_keys=True)`, `scopes` being `sso_registration_scopes` as configured (`None` when
/// absent) — `BaseSSOTokenFetcher._registration_cache_key`.
pub fn registration_file_name(
    start_url: &str,
    region: &str,
    scopes: Option<&[String]>,
    session: Option<&str>,
) -> String {
    let mut json = String::from("{\"region\": ");
    py_json_str(&mut json, region);
    json.push_str(", \"scopes\": ");
    match scopes {
        None => json.push_str("null"),
        Some(list) => {
            json.push('[');
            for (i, scope) in list.iter().enumerate() {
                if i > 0 {
                    json.push_str(", ");
                }
                py_json_str(&mut json, scope);
            }
            json.push(']');
        }
    }
    json.push_str(", \"session_name\": ");
    match session {
        None => json.push_str("null"),
        Some(name) => py_json_str(&mut json, name),
    }
    json.push_str(", \"startUrl\": ");
    py_json_str(&mut json, start_url);
    json.push_str(", \"tool\": \"botocore\"}");
    let digest = Sha1::digest(json.as_bytes());
    let mut name: String = digest.iter().map(|b| format!("{b:02x}")).collect();
    name.push_str(".json");
    name
}

/// botocore writes its timestamps with strftime('%Y-%m-%dT%H:%M:%SZ').
fn stamp(t: &DateTime<Utc>) -> String {
    t.format("%Y-%m-%dT%H:%M:%SZ").to_string()
}

/// Writes `doc` as `dir/name`: JSON, mode 0600, atomically, the folder created 0700.
fn write_json(dir: &Path, name: &str, doc: &serde_json::Value) -> std::io::Result<PathBuf> {
    let path = dir.join(name);
    crate::safe_fs::replace(&path, doc.to_string().as_bytes())?;
    Ok(path)
}

/// Why a cached SSO token cannot be read: the file (never its content).
#[derive(Debug, thiserror::Error)]
pub enum SsoCacheError {
    /// The file is there but could not be read.
    #[error("{}: {source}", .path.display())]
    Unreadable {
        /// The file.
        path: PathBuf,
        /// The operating system's reason.
        source: std::io::Error,
    },
    /// The file is not a JSON object.
    #[error("{} is not JSON the AWS CLI wrote", .path.display())]
    NotJson {
        /// The file.
        path: PathBuf,
    },
    /// The file is JSON but holds no token.
    #[error("{} is not an SSO token the AWS CLI wrote (no accessToken and expiresAt): sign in again", .path.display())]
    NoToken {
        /// The file.
        path: PathBuf,
    },
}

/// Reads `path` as a JSON object: `Ok(None)` when there is no file; a file that is not JSON
/// is an error naming it (never its content).
fn read_json(path: &Path) -> Result<Option<serde_json::Value>, SsoCacheError> {
    let text = match crate::safe_fs::read_to_string(path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(source) => {
            return Err(SsoCacheError::Unreadable {
                path: path.to_owned(),
                source,
            })
        }
    };
    serde_json::from_str::<serde_json::Value>(&text)
        .ok()
        .filter(serde_json::Value::is_object)
        .map(Some)
        .ok_or_else(|| SsoCacheError::NotJson {
            path: path.to_owned(),
        })
}

/// An OIDC client registration as the AWS CLI v2 caches it (`clientId`, `clientSecret`,
/// `expiresAt`, and `scopes` / `grantTypes` when they were asked for).
#[derive(Clone, Debug)]
pub struct Registration {
    /// `clientId`.
    pub client_id: String,
    /// `clientSecret`.
    pub client_secret: Secret,
    /// `expiresAt`.
    pub expires_at: DateTime<Utc>,
    /// `scopes`, when registered with scopes.
    pub scopes: Option<Vec<String>>,
    /// `grantTypes`, when registered for the authorization-code flow.
    pub grant_types: Option<Vec<String>>,
}

impl Registration {
    /// Whether it was registered for the authorization code grant (PKCE), as the AWS CLI
    /// tells: `grantTypes` holds `authorization_code` (else it is a device-flow client).
    pub fn for_auth_code(&self) -> bool {
        self.grant_types
            .as_ref()
            .is_some_and(|g| g.iter().any(|t| t == "authorization_code"))
    }

    /// The registration cached as `dir/name`; `None` when there is none or it is not one
    /// (it is then registered again, as the AWS CLI does).
    pub fn read(dir: &Path, name: &str) -> Option<Registration> {
        let json = read_json(&dir.join(name)).ok()??;
        let text = |k: &str| json.get(k).and_then(|v| v.as_str()).map(str::to_owned);
        let list = |k: &str| {
            json.get(k).and_then(|v| v.as_array()).map(|a| {
                a.iter()
                    .filter_map(|v| v.as_str().map(str::to_owned))
                    .collect::<Vec<_>>()
            })
        };
        Some(Registration {
            client_id: text("clientId")?,
            client_secret: Secret::new(text("clientSecret")?),
            expires_at: text("expiresAt").and_then(|t| super::expiry::parse_timestamp(&t))?,
            scopes: list("scopes"),
            grant_types: list("grantTypes"),
        })
    }

    /// Writes it as `dir/name` the way the AWS CLI does (0600, atomic).
    pub fn write(&self, dir: &Path, name: &str) -> std::io::Result<PathBuf> {
        let mut doc = serde_json::json!({
            "clientId": self.client_id,
            "clientSecret": self.client_secret.expose(),
            "expiresAt": stamp(&self.expires_at),
        });
        if let Some(scopes) = &self.scopes {
            doc["scopes"] = serde_json::Value::from(scopes.clone());
        }
        if let Some(grants) = &self.grant_types {
            doc["grantTypes"] = serde_json::Value::from(grants.clone());
        }
        write_json(dir, name, &doc)
    }
}

impl TokenRecord {
    /// The token cached for `key` (the session name or start URL) in `dir`: `Ok(None)` when
    /// there is none; a file without `accessToken` and `expiresAt` is an error naming it.
    pub fn read(dir: &Path, key: &str) -> Result<Option<TokenRecord>, SsoCacheError> {
        let path = dir.join(file_name(key));
        let Some(json) = read_json(&path)? else {
            return Ok(None);
        };
        let text = |k: &str| {
            json.get(k)
                .and_then(|v| v.as_str())
                .filter(|t| !t.is_empty())
                .map(str::to_owned)
        };
        let time = |k: &str| text(k).and_then(|t| super::expiry::parse_timestamp(&t));
        let (Some(access_token), Some(expires_at)) = (text("accessToken"), time("expiresAt"))
        else {
            return Err(SsoCacheError::NoToken { path });
        };
        Ok(Some(TokenRecord {
            start_url: text("startUrl").unwrap_or_default(),
            region: text("region").unwrap_or_default(),
            access_token: Secret::new(access_token),
            expires_at,
            client_id: text("clientId").unwrap_or_default(),
            client_secret: Secret::new(text("clientSecret").unwrap_or_default()),
            registration_expires_at: time("registrationExpiresAt").unwrap_or(expires_at),
            refresh_token: text("refreshToken").map(Secret::new),
        }))
    }

    /// Whether it can be refreshed at `now` without a sign-in: a refresh token and a client
    /// registration that has not ended.
    pub fn refreshable(&self, now: DateTime<Utc>) -> bool {
        self.refresh_token.is_some()
            && !self.client_id.is_empty()
            && self.registration_expires_at > now
    }

    /// Writes the token under the name botocore looks for (`key`: the session name or start
    /// URL), as the AWS CLI does: JSON, mode 0600, atomically, the folder created 0700.
    pub fn write(&self, dir: &Path, key: &str) -> std::io::Result<PathBuf> {
        let mut doc = serde_json::json!({
            "startUrl": self.start_url,
            "region": self.region,
            "accessToken": self.access_token.expose(),
            "expiresAt": stamp(&self.expires_at),
            "clientId": self.client_id,
            "clientSecret": self.client_secret.expose(),
            "registrationExpiresAt": stamp(&self.registration_expires_at),
        });
        if let Some(refresh) = &self.refresh_token {
            doc["refreshToken"] = serde_json::Value::from(refresh.expose());
        }
        write_json(dir, &file_name(key), &doc)
    }
}

/// When the token for this session (or legacy start URL) expires, if one is cached in the
/// SSO cache folder `cache`. A refreshable sign-in (a refresh token, a client id and a
/// registration that outlasts the token) counts down to the registration's end
/// ([`ExpirySource::SsoRefresh`]): botocore, the AWS CLI and mfatui renew its access token
/// by themselves until then, so it is never "expired" while it can still be refreshed.
pub fn expiry(cache: &CacheDir, session_or_start_url: &str) -> Option<Expiry> {
    if cache.is_empty() {
        return None;
    }
    let name = file_name(session_or_start_url);
    let json = cache.json(&name)?;
    let text = |key: &str| {
        json.get(key)
            .and_then(|v| v.as_str())
            .filter(|t| !t.is_empty())
    };
    let raw = text("expiresAt")?;
    let Some(token_expires) = super::expiry::parse_timestamp(raw) else {
        return Some(Expiry::Unknown {
            raw: Some(raw.to_owned()),
        });
    };
    let registration = text("registrationExpiresAt").and_then(super::expiry::parse_timestamp);
    Some(match registration {
        Some(until)
            if until > token_expires
                && text("refreshToken").is_some()
                && text("clientId").is_some() =>
        {
            Expiry::At {
                at: until,
                source: ExpirySource::SsoRefresh {
                    file: name,
                    token_expires,
                },
            }
        }
        _ => Expiry::At {
            at: token_expires,
            source: ExpirySource::SsoCache(name),
        },
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_follow_botocore_and_only_the_expiry_is_read() {
        // hashlib.sha1(b"corp").hexdigest()
        assert_eq!(
            file_name("corp"),
            "ee0bfd2552fbd840c02cc48b6e823320543c450f.json"
        );
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join(file_name("corp")),
            r#"{"accessToken": "secret-token", "expiresAt": "2026-11-22T18:05:00Z", "refreshToken": "r"}"#,
        )
        .unwrap();
        let cache = CacheDir::read(dir.path());
        let expiry = expiry(&cache, "corp").unwrap();
        assert_eq!(
            expiry.at().unwrap().to_rfc3339(),
            "2026-11-22T18:05:00+00:00"
        );
        assert!(!format!("{expiry:?}").contains("secret-token"));
        assert_eq!(super::expiry(&cache, "other"), None);
    }

    #[test]
    fn a_refreshable_sign_in_counts_down_to_its_registrations_end() {
        let dir = tempfile::tempdir().unwrap();
        let write = |key: &str, refresh: &str| {
            std::fs::write(
                dir.path().join(file_name(key)),
                format!(
                    r#"{{"accessToken": "t", "expiresAt": "2026-11-22T18:05:00Z", "clientId": "c", "clientSecret": "s", "registrationExpiresAt": "2027-02-20T10:00:00Z"{refresh}}}"#
                ),
            )
            .unwrap();
        };
        write("refreshable", r#", "refreshToken": "secret-refresh""#);
        write("legacy-kind", "");
        let cache = CacheDir::read(dir.path());
        let e = expiry(&cache, "refreshable").unwrap();
        assert_eq!(e.at().unwrap().to_rfc3339(), "2027-02-20T10:00:00+00:00");
        let Expiry::At {
            source: ExpirySource::SsoRefresh { token_expires, .. },
            ..
        } = &e
        else {
            panic!("{e:?}")
        };
        assert_eq!(token_expires.to_rfc3339(), "2026-11-22T18:05:00+00:00");
        assert!(!format!("{e:?}").contains("secret-refresh"));
        // No refresh token: the access token's own end, as before.
        let e = expiry(&cache, "legacy-kind").unwrap();
        assert_eq!(e.at().unwrap().to_rfc3339(), "2026-11-22T18:05:00+00:00");
    }

    #[test]
    fn registration_names_are_the_aws_clis() {
        // hashlib.sha1(json.dumps({...}, sort_keys=True).encode()).hexdigest()
        let scopes = ["sso:account:access".to_owned()];
        assert_eq!(
            registration_file_name(
                "https://corp.awsapps.com/start",
                "eu-west-1",
                Some(&scopes),
                Some("corp")
            ),
            "787ef34d0a944c01385765faa28b5e67d1c08f33.json"
        );
        assert_eq!(
            registration_file_name("https://x/é\"q", "us-east-1", None, None),
            "061b945040842277c5ecc3f0f7eb0bf206777196.json"
        );
    }

    #[test]
    fn a_token_and_a_registration_read_back_what_was_written() {
        let dir = tempfile::tempdir().unwrap();
        let now = DateTime::from_timestamp(1_800_000_000, 0).unwrap();
        let record = TokenRecord {
            start_url: "https://s".into(),
            region: "eu-west-1".into(),
            access_token: Secret::new("at"),
            expires_at: now,
            client_id: "c".into(),
            client_secret: Secret::new("cs"),
            registration_expires_at: now + chrono::Duration::days(1),
            refresh_token: Some(Secret::new("rt")),
        };
        record.write(dir.path(), "corp").unwrap();
        let back = TokenRecord::read(dir.path(), "corp").unwrap().unwrap();
        assert_eq!(back.refresh_token.unwrap().expose(), "rt");
        assert!(record.refreshable(now));
        assert!(!record.refreshable(now + chrono::Duration::days(2)));
        assert!(TokenRecord::read(dir.path(), "none").unwrap().is_none());
        let registration = Registration {
            client_id: "c".into(),
            client_secret: Secret::new("cs"),
            expires_at: now,
            scopes: Some(vec!["sso:account:access".into()]),
            grant_types: Some(vec!["authorization_code".into(), "refresh_token".into()]),
        };
        registration.write(dir.path(), "r.json").unwrap();
        let back = Registration::read(dir.path(), "r.json").unwrap();
        assert!(back.for_auth_code());
        assert_eq!(back.expires_at, now);
        let mode = std::os::unix::fs::PermissionsExt::mode(
            &std::fs::metadata(dir.path().join("r.json"))
                .unwrap()
                .permissions(),
        );
        assert_eq!(mode & 0o777, 0o600);
    }
}
