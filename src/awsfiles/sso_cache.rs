//! The AWS CLI's SSO token cache (`~/.aws/sso/cache/KEY.json`), read for SSO profiles'
//! countdowns. KEY is what botocore's `SSOTokenLoader` derives: the SHA-1 hex of the
//! `sso_session` name, or of `sso_start_url` for legacy profiles without a session. Only
//! `expiresAt` is read; the access and refresh tokens never leave the file.

use super::expiry::{parse_timestamp, Expiry, ExpirySource};
use sha1::{Digest, Sha1};
use std::collections::HashSet;
use std::path::{Path, PathBuf};

/// The cache file name (with `.json`) for an `sso_session` name or a legacy start URL.
pub fn file_name(session_or_start_url: &str) -> String {
    let digest = Sha1::digest(session_or_start_url.as_bytes());
    let mut name: String = digest.iter().map(|b| format!("{b:02x}")).collect();
    name.push_str(".json");
    name
}

/// The cache folder, listed once so that profiles without a token cost no file access.
#[derive(Clone, Debug, Default)]
pub struct SsoCache {
    dir: PathBuf,
    names: HashSet<String>,
}

impl SsoCache {
    /// Lists `dir` (a missing folder is an empty cache).
    pub fn read(dir: &Path) -> SsoCache {
        let names = std::fs::read_dir(dir)
            .map(|entries| {
                entries
                    .flatten()
                    .filter_map(|e| e.file_name().into_string().ok())
                    .collect()
            })
            .unwrap_or_default();
        SsoCache {
            dir: dir.to_owned(),
            names,
        }
    }

    /// When the token for this session (or legacy start URL) expires, if one is cached.
    pub fn expiry(&self, session_or_start_url: &str) -> Option<Expiry> {
        if self.names.is_empty() {
            return None;
        }
        let name = file_name(session_or_start_url);
        if !self.names.contains(&name) {
            return None;
        }
        let text = std::fs::read_to_string(self.dir.join(&name)).ok()?;
        let json: serde_json::Value = serde_json::from_str(&text).ok()?;
        let raw = json.get("expiresAt")?.as_str()?;
        Some(match parse_timestamp(raw) {
            Some(at) => Expiry::At {
                at,
                source: ExpirySource::SsoCache(name),
            },
            None => Expiry::Unknown {
                raw: Some(raw.to_owned()),
            },
        })
    }
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
        let cache = SsoCache::read(dir.path());
        let expiry = cache.expiry("corp").unwrap();
        assert_eq!(
            expiry.at().unwrap().to_rfc3339(),
            "2026-11-22T18:05:00+00:00"
        );
        assert!(!format!("{expiry:?}").contains("secret-token"));
        assert_eq!(cache.expiry("other"), None);
    }
}
