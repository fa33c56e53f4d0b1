//! The `aws login` cache (`~/.aws/login/cache/KEY.json`, `AWS_LOGIN_CACHE_DIRECTORY`
//! overrides the folder): read for login profiles' countdowns and for their credentials,
//! rewritten after a refresh exactly as botocore's `JSONFileCache` writes it.
//!
//! KEY is what botocore's `generate_login_cache_key` derives: the SHA-256 hex of the
//! profile's `login_session` value. The file holds `accessToken` (`accessKeyId`,
//! `secretAccessKey`, `sessionToken`, `accountId`, `expiresAt`), `refreshToken`, `clientId`,
//! `dpopKey` (the EC private key that signs refresh requests) and, as `aws login` writes it,
//! `tokenType` and `idToken`. Every secret is a [`Secret`]; fields mfatui does not know are
//! kept, unread, when the file is written back.

use super::expiry::{parse_timestamp, Expiry, ExpirySource};
use crate::secret::Secret;
use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};
use std::fmt;
use std::path::{Path, PathBuf};

/// How long after `aws login` AWS documents that the credentials can be refreshed ("up to
/// 12 hours"); the service may end the sign-in sooner (a shorter console session).
pub const MAX_SIGN_IN_HOURS: i64 = 12;

/// The cache file name (with `.json`) for a `login_session` value, as botocore names it.
pub fn file_name(login_session: &str) -> String {
    let digest = aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, login_session.as_bytes());
    let mut name: String = digest.as_ref().iter().map(|b| format!("{b:02x}")).collect();
    name.push_str(".json");
    name
}

/// What is cached for one sign-in, as `aws login` and the SDKs write it.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct LoginToken {
    /// The current temporary credentials.
    pub access_token: AccessToken,
    /// `tokenType` (`aws_sigv4`), when `aws login` recorded it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub token_type: Option<String>,
    /// `clientId`: the sign-in client (`arn:aws:signin:::devtools/same-device`, …).
    pub client_id: String,
    /// `refreshToken`: exchanged for new credentials; replaced at every refresh.
    #[serde(with = "secret")]
    pub refresh_token: Secret,
    /// `idToken`: the OpenID token of the sign-in itself, when `aws login` recorded it.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        with = "optional_secret"
    )]
    pub id_token: Option<Secret>,
    /// `dpopKey`: the PEM EC private key every refresh request must be signed with.
    #[serde(with = "secret")]
    pub dpop_key: Secret,
    /// Fields mfatui does not know, written back as they were.
    #[serde(flatten)]
    pub unknown: Unknown,
}

/// `accessToken`: the temporary credentials of the sign-in.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AccessToken {
    /// `accessKeyId`.
    pub access_key_id: String,
    /// `secretAccessKey`.
    #[serde(with = "secret")]
    pub secret_access_key: Secret,
    /// `sessionToken`.
    #[serde(with = "secret")]
    pub session_token: Secret,
    /// `accountId`: kept across refreshes (the service does not send it again).
    pub account_id: String,
    /// `expiresAt`: when these credentials stop working (15 minutes after they were issued).
    #[serde(with = "timestamp")]
    pub expires_at: DateTime<Utc>,
    /// Fields mfatui does not know, written back as they were.
    #[serde(flatten)]
    pub unknown: Unknown,
}

/// JSON fields mfatui does not know. They may hold secrets, so `Debug` shows only their names.
#[derive(Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Unknown(serde_json::Map<String, serde_json::Value>);

impl fmt::Debug for Unknown {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_set().entries(self.0.keys()).finish()
    }
}

/// New credentials from a refresh: what the sign-in service sends back.
#[derive(Clone, Debug)]
pub struct Refreshed {
    /// The new `accessKeyId`.
    pub access_key_id: String,
    /// The new `secretAccessKey`.
    pub secret_access_key: Secret,
    /// The new `sessionToken`.
    pub session_token: Secret,
    /// When they expire (the call's time plus `expiresIn`).
    pub expires_at: DateTime<Utc>,
    /// The refresh token to use next time.
    pub refresh_token: Secret,
}

/// Why the cache of a sign-in cannot be used or written. Never carries a secret: JSON errors
/// are reduced to where they happened and, for a missing field, which one.
#[derive(Debug, thiserror::Error)]
pub enum LoginCacheError {
    /// No file for this `login_session`.
    #[error("there is no aws login cache file {}", .path.display())]
    Missing {
        /// Where it was looked for.
        path: PathBuf,
    },
    /// The file exists but could not be read.
    #[error("the aws login cache file {} cannot be read ({source})", .path.display())]
    Unreadable {
        /// The file.
        path: PathBuf,
        /// The operating system's reason.
        source: std::io::Error,
    },
    /// The file is not what `aws login` writes.
    #[error("the aws login cache file {} is not valid ({reason})", .path.display())]
    Corrupt {
        /// The file.
        path: PathBuf,
        /// What is wrong, without any of its values.
        reason: JsonError,
    },
    /// Someone else could have written the file, so its credentials are not trusted.
    #[error("the aws login cache file {} {why}, so mfatui does not trust it", .path.display())]
    Unsafe {
        /// The file.
        path: PathBuf,
        /// Owner or mode, e.g. `is writable by other users (mode 0666)`.
        why: String,
    },
    /// Writing the refreshed token failed; the previous file is untouched.
    #[error("cannot write the aws login cache file {} ({source})", .path.display())]
    Write {
        /// The file.
        path: PathBuf,
        /// The operating system's reason.
        source: std::io::Error,
    },
}

impl LoginToken {
    /// Reads the token cached for `login_session` in the cache folder `dir`.
    pub fn load(dir: &Path, login_session: &str) -> Result<LoginToken, LoginCacheError> {
        LoginToken::read(&dir.join(file_name(login_session)))
    }

    /// Reads one cache file. It must be a file of the current user that nobody else may
    /// write: the credentials it holds are handed to other programs.
    pub fn read(path: &Path) -> Result<LoginToken, LoginCacheError> {
        let unreadable = |source| LoginCacheError::Unreadable {
            path: path.to_owned(),
            source,
        };
        match std::fs::metadata(path) {
            // Opening a FIFO or device could block or read forever: only regular files are read.
            Ok(meta) if !meta.is_file() => {
                return Err(LoginCacheError::Unsafe {
                    path: path.to_owned(),
                    why: "is not a regular file".to_owned(),
                })
            }
            Ok(_) => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                return Err(LoginCacheError::Missing {
                    path: path.to_owned(),
                })
            }
            Err(source) => return Err(unreadable(source)),
        }
        let (file, meta) = crate::safe_fs::open_regular(path).map_err(unreadable)?;
        // Owner and mode of the file actually opened, not of whatever the name points to later.
        check_owner_and_mode(path, &meta)?;
        let text = crate::safe_fs::read_capped(file).map_err(unreadable)?;
        LoginToken::parse(&text).map_err(|reason| LoginCacheError::Corrupt {
            path: path.to_owned(),
            reason,
        })
    }

    /// Parses the JSON of a cache file; the error says what is wrong without quoting values.
    pub fn parse(json: &[u8]) -> Result<LoginToken, JsonError> {
        serde_json::from_slice(json).map_err(|e| JsonError::from_serde(&e))
    }

    /// Writes the token where botocore looks for `login_session` in `dir`, as botocore's
    /// `JSONFileCache` does: a temporary file in the same folder (created 0600), synced, then
    /// renamed over the old one, so a reader sees the old file or the new one, never half of
    /// one. The folder is created 0700 when missing.
    pub fn write(&self, dir: &Path, login_session: &str) -> Result<PathBuf, LoginCacheError> {
        let path = dir.join(file_name(login_session));
        let failed = |source| LoginCacheError::Write {
            path: path.clone(),
            source,
        };
        let json = serde_json::to_vec(self)
            .map_err(|e| failed(std::io::Error::new(std::io::ErrorKind::InvalidData, e)))?;
        crate::safe_fs::replace(&path, &json).map_err(|e| failed(e.into()))?;
        Ok(path)
    }

    /// This token after a refresh: new credentials and refresh token; the account, client,
    /// key, id token and any other field stay, as botocore keeps them.
    pub fn refreshed(&self, new: Refreshed) -> LoginToken {
        let mut token = self.clone();
        token.access_token.access_key_id = new.access_key_id;
        token.access_token.secret_access_key = new.secret_access_key;
        token.access_token.session_token = new.session_token;
        token.access_token.expires_at = new.expires_at;
        token.refresh_token = new.refresh_token;
        token
    }

    /// When `aws login` signed in: the `iat` claim of the id token it recorded (refreshes
    /// keep that token). `None` when there is no readable id token.
    pub fn signed_in_at(&self) -> Option<DateTime<Utc>> {
        let token = self.id_token.as_ref()?;
        let payload = token.expose().split('.').nth(1)?;
        let bytes = base64_url_decode(payload)?;
        let claims: serde_json::Value = serde_json::from_slice(&bytes).ok()?;
        DateTime::from_timestamp(claims.get("iat")?.as_i64()?, 0)
    }

    /// The latest time the sign-in can still be refreshed: [`MAX_SIGN_IN_HOURS`] after
    /// [`LoginToken::signed_in_at`]. Neither the cache nor the tokens record the refresh
    /// token's own end, so this is an upper bound, not a promise.
    pub fn refreshable_until_at_most(&self) -> Option<DateTime<Utc>> {
        Some(self.signed_in_at()? + Duration::hours(MAX_SIGN_IN_HOURS))
    }
}

/// The countdown of a login profile: `accessToken.expiresAt` of the file cached for
/// `login_session` in the cache folder `dir`. `None` when nothing is cached for it (not signed
/// in); the reason when the file cannot be used.
pub fn expiry(dir: &Path, login_session: &str) -> Option<Result<Expiry, LoginCacheError>> {
    let name = file_name(login_session);
    match LoginToken::read(&dir.join(&name)) {
        Ok(token) => Some(Ok(Expiry::At {
            at: token.access_token.expires_at,
            // The `aws login` cache is one of the AWS CLI's caches.
            source: ExpirySource::CliCache(name),
        })),
        Err(LoginCacheError::Missing { .. }) => None,
        Err(e) => Some(Err(e)),
    }
}

fn check_owner_and_mode(path: &Path, meta: &std::fs::Metadata) -> Result<(), LoginCacheError> {
    use std::os::unix::fs::MetadataExt;
    let unsafe_because = |why: String| {
        Err(LoginCacheError::Unsafe {
            path: path.to_owned(),
            why,
        })
    };
    let me = rustix::process::geteuid().as_raw();
    if meta.uid() != me {
        return unsafe_because(format!(
            "belongs to user id {}, not to you (user id {me})",
            meta.uid()
        ));
    }
    if meta.mode() & 0o022 != 0 {
        return unsafe_because(format!(
            "is writable by other users (mode {:04o}; `chmod 600` fixes it)",
            meta.mode() & 0o7777
        ));
    }
    Ok(())
}

/// A serde_json error as a sentence fragment that quotes nothing from the file: serde's own
/// messages can contain the offending value (`invalid type: string "…"`), which may be a secret.
/// What is wrong with a cache file's JSON, reduced to where it happened and, for a missing
/// field, which one: never a value from the file.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum JsonError {
    /// Not JSON at all (or cut short).
    #[error("not valid JSON at line {line}, column {column}")]
    Syntax {
        /// The line.
        line: usize,
        /// The column.
        column: usize,
    },
    /// A field the token needs is not there.
    #[error("missing field {0}")]
    MissingField(String),
    /// `expiresAt` does not read as a time.
    #[error("{}", timestamp::NOT_A_TIME)]
    NotATime,
    /// A field holds another kind of value than the token needs.
    #[error("a field has the wrong type near line {line}, column {column}")]
    WrongType {
        /// The line.
        line: usize,
        /// The column.
        column: usize,
    },
    /// The text ended while being read.
    #[error("the file could not be read to the end")]
    Io,
}

impl JsonError {
    /// What `e` says, without the value it may quote.
    fn from_serde(e: &serde_json::Error) -> JsonError {
        use serde_json::error::Category;
        let (line, column) = (e.line(), e.column());
        match e.classify() {
            Category::Syntax | Category::Eof => JsonError::Syntax { line, column },
            Category::Data => {
                let message = e.to_string();
                match message.strip_prefix("missing field ") {
                    Some(rest) => JsonError::MissingField(
                        rest.split(" at line").next().unwrap_or(rest).to_owned(),
                    ),
                    None if message.starts_with(timestamp::NOT_A_TIME) => JsonError::NotATime,
                    None => JsonError::WrongType { line, column },
                }
            }
            Category::Io => JsonError::Io,
        }
    }
}

/// Base64url without padding (as in JWTs); tolerates padding.
fn base64_url_decode(text: &str) -> Option<Vec<u8>> {
    use base64::Engine;
    base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(text.trim_end_matches('='))
        .ok()
}

/// A [`Secret`] as a plain JSON string.
mod secret {
    use crate::secret::Secret;
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(value: &Secret, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(value.expose())
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Secret, D::Error> {
        String::deserialize(d).map(Secret::new)
    }
}

/// An optional [`Secret`] as a JSON string.
mod optional_secret {
    use crate::secret::Secret;
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(value: &Option<Secret>, s: S) -> Result<S::Ok, S::Error> {
        match value {
            Some(v) => s.serialize_str(v.expose()),
            None => s.serialize_none(),
        }
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Secret>, D::Error> {
        Option::<String>::deserialize(d).map(|v| v.map(Secret::new))
    }
}

/// `expiresAt`: read in any form botocore's date parser takes that mfatui understands,
/// written as botocore writes it (`%Y-%m-%dT%H:%M:%SZ`).
mod timestamp {
    use chrono::{DateTime, Utc};
    use serde::{de::Error, Deserialize, Deserializer, Serializer};

    /// The error for an `expiresAt` that is not a time (without quoting it).
    pub const NOT_A_TIME: &str = "expiresAt is not a time";

    pub fn serialize<S: Serializer>(value: &DateTime<Utc>, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&value.format("%Y-%m-%dT%H:%M:%SZ").to_string())
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<DateTime<Utc>, D::Error> {
        let raw = String::deserialize(d)?;
        super::parse_timestamp(&raw).ok_or_else(|| D::Error::custom(NOT_A_TIME))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    const CACHE: &str = r#"{"accessToken": {"accessKeyId": "ASIAOLD", "secretAccessKey": "old-secret-key", "sessionToken": "old-session-token", "accountId": "111122223333", "expiresAt": "2026-12-01T10:15:00Z", "futureField": "kept-1"}, "tokenType": "aws_sigv4", "clientId": "arn:aws:signin:::devtools/same-device", "refreshToken": "old-refresh-token", "idToken": "x.eyJzdWIiOiJhcm4iLCJpYXQiOjE3NjExNjcwNDZ9.sig", "dpopKey": "-----BEGIN EC PRIVATE KEY-----\nkey-material\n-----END EC PRIVATE KEY-----\n", "anotherField": {"n": 1}}"#;

    #[test]
    fn names_are_the_sha256_botocore_and_the_sdks_use() {
        // The value the AWS SDK for Rust's own test pins for this session ARN.
        assert_eq!(
            file_name("arn:aws:iam::0123456789012:user/Admin"),
            "36db1d138ff460920374e4c3d8e01f53f9f73537e89c88d639f68393df0e2726.json"
        );
    }

    #[test]
    fn parses_every_field_and_shows_no_secret_in_debug() {
        let token = LoginToken::parse(CACHE.as_bytes()).unwrap();
        assert_eq!(token.access_token.access_key_id, "ASIAOLD");
        assert_eq!(token.access_token.account_id, "111122223333");
        assert_eq!(
            token.access_token.expires_at.to_rfc3339(),
            "2026-12-01T10:15:00+00:00"
        );
        assert_eq!(token.client_id, "arn:aws:signin:::devtools/same-device");
        assert_eq!(token.token_type.as_deref(), Some("aws_sigv4"));
        assert_eq!(token.refresh_token.expose(), "old-refresh-token");
        let debug = format!("{token:?}");
        for secret in [
            "old-secret-key",
            "old-session-token",
            "old-refresh-token",
            "key-material",
            "eyJzdWIi",
            "kept-1",
        ] {
            assert!(!debug.contains(secret), "{secret} in {debug}");
        }
        assert!(debug.contains("futureField") && debug.contains("anotherField"));
    }

    #[test]
    fn the_sign_in_time_comes_from_the_id_token() {
        let token = LoginToken::parse(CACHE.as_bytes()).unwrap();
        assert_eq!(token.signed_in_at().unwrap().timestamp(), 1_761_167_046);
        assert_eq!(
            token.refreshable_until_at_most().unwrap().timestamp(),
            1_761_167_046 + 12 * 3600
        );
        let mut without = token.clone();
        without.id_token = None;
        assert_eq!(without.refreshable_until_at_most(), None);
        without.id_token = Some(Secret::new("not-a-jwt"));
        assert_eq!(without.signed_in_at(), None);
    }

    #[test]
    fn a_refresh_replaces_credentials_and_keeps_everything_else() {
        let dir = tempfile::tempdir().unwrap();
        let token = LoginToken::parse(CACHE.as_bytes()).unwrap();
        let new = token.refreshed(Refreshed {
            access_key_id: "ASIANEW".into(),
            secret_access_key: Secret::new("new-secret-key"),
            session_token: Secret::new("new-session-token"),
            expires_at: "2026-12-01T10:30:00Z".parse().unwrap(),
            refresh_token: Secret::new("new-refresh-token"),
        });
        let path = new.write(&dir.path().join("cache"), "arn:x").unwrap();
        assert_eq!(
            path.file_name().unwrap().to_str(),
            Some(&*file_name("arn:x"))
        );
        let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode(&path), 0o600);
        assert_eq!(mode(&dir.path().join("cache")), 0o700);
        let json: serde_json::Value =
            serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
        let old: serde_json::Value = serde_json::from_str(CACHE).unwrap();
        let access = &json["accessToken"];
        assert_eq!(access["accessKeyId"], "ASIANEW");
        assert_eq!(access["secretAccessKey"], "new-secret-key");
        assert_eq!(access["sessionToken"], "new-session-token");
        assert_eq!(access["expiresAt"], "2026-12-01T10:30:00Z");
        assert_eq!(json["refreshToken"], "new-refresh-token");
        for kept in [
            "tokenType",
            "clientId",
            "idToken",
            "dpopKey",
            "anotherField",
        ] {
            assert_eq!(json[kept], old[kept], "{kept}");
        }
        for kept in ["accountId", "futureField"] {
            assert_eq!(access[kept], old["accessToken"][kept], "{kept}");
        }
        let listed: Vec<_> = std::fs::read_dir(dir.path().join("cache"))
            .unwrap()
            .collect();
        assert_eq!(listed.len(), 1, "no temporary file is left behind");
    }

    #[test]
    fn a_rewrite_replaces_the_file_and_never_writes_into_the_old_one() {
        use std::os::unix::fs::MetadataExt;
        let dir = tempfile::tempdir().unwrap();
        let token = LoginToken::parse(CACHE.as_bytes()).unwrap();
        let path = token.write(dir.path(), "arn:x").unwrap();
        let before = std::fs::read(&path).unwrap();
        // A second name for the old file: a reader that opened it keeps seeing all of it.
        let held = dir.path().join("held");
        std::fs::hard_link(&path, &held).unwrap();
        let mut next = token.clone();
        next.access_token.access_key_id = "ASIANEXT".into();
        next.write(dir.path(), "arn:x").unwrap();
        assert_eq!(std::fs::read(&held).unwrap(), before);
        let after = std::fs::metadata(&path).unwrap();
        assert_ne!(after.ino(), std::fs::metadata(&held).unwrap().ino());
        assert_eq!(
            LoginToken::read(&path).unwrap().access_token.access_key_id,
            "ASIANEXT"
        );
    }

    #[test]
    fn a_failed_write_is_an_error_and_leaves_no_temporary_file() {
        let dir = tempfile::tempdir().unwrap();
        // The rename cannot replace a folder, even for root.
        let blocked = dir.path().join(file_name("arn:x"));
        std::fs::create_dir(&blocked).unwrap();
        std::fs::write(blocked.join("inside"), "x").unwrap();
        let token = LoginToken::parse(CACHE.as_bytes()).unwrap();
        let e = token.write(dir.path(), "arn:x").unwrap_err();
        assert!(matches!(e, LoginCacheError::Write { .. }), "{e}");
        assert!(!e.to_string().contains("old-"), "{e}");
        let names: Vec<_> = std::fs::read_dir(dir.path()).unwrap().flatten().collect();
        assert_eq!(names.len(), 1, "only the folder that was there");
    }

    #[test]
    fn corrupt_files_are_one_sentence_without_their_values() {
        let dir = tempfile::tempdir().unwrap();
        let cases = [
            (r#"{"accessToken": "leaked-secret-value"}"#, "wrong type"),
            (r#"{"accessToken": {"accessKeyId": "A""#, "not valid JSON"),
            (
                &CACHE.replace(r#""refreshToken": "old-refresh-token", "#, ""),
                "missing field `refreshToken`",
            ),
            (
                &CACHE.replace("2026-12-01T10:15:00Z", "soon-leaked-secret-value"),
                "expiresAt is not a time",
            ),
        ];
        for (text, says) in cases {
            let path = dir.path().join("c.json");
            std::fs::write(&path, text).unwrap();
            std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).unwrap();
            let e = LoginToken::read(&path).unwrap_err().to_string();
            assert!(e.contains(says), "{e}");
            assert!(!e.contains("leaked") && !e.contains("old-"), "{e}");
            assert_eq!(e.lines().count(), 1);
        }
        assert!(matches!(
            LoginToken::read(&dir.path().join("none.json")),
            Err(LoginCacheError::Missing { .. })
        ));
    }

    #[test]
    fn a_file_others_may_write_is_not_trusted() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("c.json");
        std::fs::write(&path, CACHE).unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o666)).unwrap();
        let e = LoginToken::read(&path).unwrap_err();
        assert!(matches!(e, LoginCacheError::Unsafe { .. }), "{e}");
        assert!(e.to_string().contains("mode 0666"), "{e}");
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o640)).unwrap();
        assert!(LoginToken::read(&path).is_ok());
        let fifo = dir.path().join("fifo.json");
        assert!(std::process::Command::new("mkfifo")
            .arg(&fifo)
            .status()
            .unwrap()
            .success());
        let e = LoginToken::read(&fifo).unwrap_err();
        assert!(e.to_string().contains("not a regular file"), "{e}");
    }

    #[test]
    fn the_countdown_is_the_access_tokens_expiry() {
        let dir = tempfile::tempdir().unwrap();
        assert!(expiry(dir.path(), "arn:x").is_none());
        let token = LoginToken::parse(CACHE.as_bytes()).unwrap();
        token.write(dir.path(), "arn:x").unwrap();
        let found = expiry(dir.path(), "arn:x").unwrap().unwrap();
        assert_eq!(found.at(), Some(token.access_token.expires_at));
        assert_eq!(found, expiry(dir.path(), "arn:x").unwrap().unwrap());
        assert!(expiry(dir.path(), "arn:other").is_none());
        std::fs::write(dir.path().join(file_name("arn:x")), "{").unwrap();
        assert!(expiry(dir.path(), "arn:x").unwrap().is_err());
    }
}
