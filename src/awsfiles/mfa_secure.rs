//! aws-mfa-secure's session cache: `~/.aws/aws-mfa-secure-sessions/PROFILE`, a JSON document
//! with `access_key_id`, `secret_access_key`, `session_token` and `expiration` (Ruby's
//! `Time#to_s`, e.g. `2026-11-22 18:05:00 UTC`). Read for a profile's countdown and, by
//! `exec`, as a session to reuse. Never written.

use super::expiry::parse_timestamp;
use crate::secret::Secret;
use chrono::{DateTime, Utc};
use std::collections::HashSet;
use std::path::{Path, PathBuf};

/// One cached session. The secrets stay wrapped.
#[derive(Clone, Debug)]
pub struct SecureSession {
    /// `access_key_id`.
    pub access_key_id: String,
    /// `secret_access_key`.
    pub secret_access_key: Secret,
    /// `session_token`.
    pub session_token: Secret,
    /// `expiration`.
    pub expiration: DateTime<Utc>,
}

/// Why a cached session file cannot be read as a session: the file and what is wrong with it
/// (never any of its secrets).
#[derive(Debug, thiserror::Error)]
#[error("the aws-mfa-secure session file {} {problem}; delete it or run aws-mfa-secure again", .path.display())]
pub struct MfaSecureError {
    /// The file.
    pub path: PathBuf,
    /// What is wrong with it.
    pub problem: Problem,
}

/// What is wrong with a cached session file.
#[derive(Debug, thiserror::Error)]
pub enum Problem {
    /// It could not be read.
    #[error("cannot be read ({0})")]
    Unreadable(std::io::Error),
    /// It is not JSON.
    #[error("is not valid JSON")]
    NotJson,
    /// A field is missing (or not a string).
    #[error("has no {0}")]
    NoField(&'static str),
    /// The expiration does not read as a time (the raw text, which is no secret).
    #[error("has an unreadable expiration '{0}'")]
    BadExpiration(String),
}

/// The cache folder, listed once so that profiles without an entry cost no file access.
#[derive(Clone, Debug, Default)]
pub struct SecureSessions {
    dir: PathBuf,
    names: HashSet<String>,
}

impl SecureSessions {
    /// Lists `dir` (a missing folder is an empty cache).
    pub fn read(dir: &Path) -> SecureSessions {
        let names = std::fs::read_dir(dir)
            .map(|entries| {
                entries
                    .flatten()
                    .filter(|e| e.file_type().is_ok_and(|t| t.is_file()))
                    .filter_map(|e| e.file_name().into_string().ok())
                    .collect()
            })
            .unwrap_or_default();
        SecureSessions {
            dir: dir.to_owned(),
            names,
        }
    }

    /// The session cached for `profile`: `Ok(None)` when there is none, `Err` (no secret in
    /// it) when the file cannot be read as a session.
    pub fn get(&self, profile: &str) -> Result<Option<SecureSession>, MfaSecureError> {
        if !self.names.contains(profile) {
            return Ok(None);
        }
        let path = self.dir.join(profile);
        let bad = |problem| MfaSecureError {
            path: path.clone(),
            problem,
        };
        let text =
            crate::safe_fs::read_to_string(&path).map_err(|e| bad(Problem::Unreadable(e)))?;
        let json: serde_json::Value =
            serde_json::from_str(&text).map_err(|_| bad(Problem::NotJson))?;
        let field = |key: &'static str| {
            json.get(key)
                .and_then(serde_json::Value::as_str)
                .ok_or_else(|| bad(Problem::NoField(key)))
        };
        let raw = field("expiration")?;
        let expiration =
            parse_timestamp(raw).ok_or_else(|| bad(Problem::BadExpiration(raw.to_owned())))?;
        Ok(Some(SecureSession {
            access_key_id: field("access_key_id")?.to_owned(),
            secret_access_key: Secret::new(field("secret_access_key")?),
            session_token: Secret::new(field("session_token")?),
            expiration,
        }))
    }

    /// The file of `profile`'s session (whether or not it exists).
    pub fn path(&self, profile: &str) -> PathBuf {
        self.dir.join(profile)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_sessions_and_explains_broken_ones_without_secrets() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("dev"),
            r#"{"access_key_id":"ASIAX","secret_access_key":"s3cr3t","session_token":"t0k3n","expiration":"2026-11-22 18:05:00 UTC"}"#,
        )
        .unwrap();
        std::fs::write(
            dir.path().join("broken"),
            "{\"secret_access_key\": \"s3cr3t\"",
        )
        .unwrap();
        std::fs::write(
            dir.path().join("nodate"),
            r#"{"access_key_id":"A","secret_access_key":"s3cr3t","session_token":"t","expiration":"later"}"#,
        )
        .unwrap();
        let cache = SecureSessions::read(dir.path());
        let dev = cache.get("dev").unwrap().unwrap();
        assert_eq!(dev.expiration.to_rfc3339(), "2026-11-22T18:05:00+00:00");
        assert_eq!(dev.session_token.expose(), "t0k3n");
        assert!(cache.get("other").unwrap().is_none());
        for name in ["broken", "nodate"] {
            let err = cache.get(name).unwrap_err().to_string();
            assert!(!err.contains("s3cr3t"), "{err}");
            assert!(err.contains(name), "{err}");
        }
        assert!(SecureSessions::read(Path::new("/nonexistent"))
            .get("dev")
            .unwrap()
            .is_none());
    }
}
