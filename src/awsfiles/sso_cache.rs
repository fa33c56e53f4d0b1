//! The AWS CLI's SSO token cache (`~/.aws/sso/cache/KEY.json`): read for SSO profiles'
//! countdowns, written by mfatui's SSO login exactly as the AWS CLI v2 writes it. KEY is what
//! botocore's `SSOTokenLoader` derives: the SHA-1 hex of the `sso_session` name, or of
//! `sso_start_url` for legacy profiles without a session. Reading takes only `expiresAt`;
//! the access and refresh tokens never leave the file.

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

impl TokenRecord {
    /// Writes the token under the name botocore looks for (`key`: the session name or start
    /// URL), as the AWS CLI does: JSON, mode 0600, atomically, the folder created 0700.
    pub fn write(&self, dir: &Path, key: &str) -> std::io::Result<PathBuf> {
        // botocore writes its timestamps with strftime('%Y-%m-%dT%H:%M:%SZ').
        let stamp = |t: &DateTime<Utc>| t.format("%Y-%m-%dT%H:%M:%SZ").to_string();
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
        let path = dir.join(file_name(key));
        crate::safe_fs::replace(&path, doc.to_string().as_bytes())?;
        Ok(path)
    }
}

/// When the token for this session (or legacy start URL) expires, if one is cached in the
/// SSO cache folder `cache`.
pub fn expiry(cache: &CacheDir, session_or_start_url: &str) -> Option<Expiry> {
    if cache.is_empty() {
        return None;
    }
    let name = file_name(session_or_start_url);
    cache.expiry_in(&name, &["expiresAt"], || {
        ExpirySource::SsoCache(name.clone())
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
}
