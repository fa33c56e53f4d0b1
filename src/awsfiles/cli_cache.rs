//! The AWS CLI's assume-role cache (`~/.aws/cli/cache/KEY.json`): read for role expiry, and
//! written by role renewals so that `aws --profile ROLE` uses the new session without asking
//! for a code.
//!
//! botocore names each cache file by the SHA-1 of the AssumeRole arguments serialized with
//! `json.dumps(args, sort_keys=True)`: `RoleArn`, plus `ExternalId`, `SerialNumber`,
//! `DurationSeconds` (as a number) and `RoleSessionName` when the profile sets them. This
//! module computes that same key so each role profile finds exactly its own cache entry.

use super::expiry::{parse_timestamp, Expiry, ExpirySource};
use crate::secret::Secret;
use chrono::{DateTime, Utc};
use sha1::{Digest, Sha1};
use std::collections::HashSet;
use std::path::{Path, PathBuf};

/// The role settings that make up botocore's cache key.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RoleCacheArgs<'a> {
    /// `role_arn`
    pub role_arn: &'a str,
    /// `role_session_name`
    pub role_session_name: Option<&'a str>,
    /// `external_id`
    pub external_id: Option<&'a str>,
    /// `mfa_serial`
    pub mfa_serial: Option<&'a str>,
    /// `duration_seconds` as written (botocore drops it if `int()` fails).
    pub duration_seconds: Option<&'a str>,
}

/// The cache file name (without `.json`) botocore uses for these role settings.
pub fn cache_key(args: &RoleCacheArgs) -> String {
    let mut fields: Vec<(&str, String)> = Vec::new();
    if let Some(d) = args.duration_seconds.and_then(python_int) {
        fields.push(("DurationSeconds", d));
    }
    if let Some(e) = args.external_id {
        fields.push(("ExternalId", py_json_str(e)));
    }
    fields.push(("RoleArn", py_json_str(args.role_arn)));
    if let Some(n) = args.role_session_name {
        fields.push(("RoleSessionName", py_json_str(n)));
    }
    if let Some(s) = args.mfa_serial {
        fields.push(("SerialNumber", py_json_str(s)));
    }
    let body: Vec<String> = fields
        .iter()
        .map(|(k, v)| format!("\"{k}\": {v}"))
        .collect();
    let json = format!("{{{}}}", body.join(", "));
    let digest = Sha1::digest(json.as_bytes());
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

/// One of the AWS CLI's cache folders (`cli/cache`, `sso/cache`), listed once so that profiles
/// without an entry cost no file access.
#[derive(Clone, Debug, Default)]
pub struct CacheDir {
    dir: PathBuf,
    names: HashSet<String>,
}

impl CacheDir {
    /// Lists `dir` (a missing folder is an empty cache).
    pub fn read(dir: &Path) -> CacheDir {
        let names = std::fs::read_dir(dir)
            .map(|entries| {
                entries
                    .flatten()
                    .filter_map(|e| e.file_name().into_string().ok())
                    .collect()
            })
            .unwrap_or_default();
        CacheDir {
            dir: dir.to_owned(),
            names,
        }
    }

    /// Whether the folder holds no file at all (then no name needs computing).
    pub fn is_empty(&self) -> bool {
        self.names.is_empty()
    }

    /// The expiry recorded for these role settings, if the CLI cached credentials for them.
    pub fn expiry(&self, args: &RoleCacheArgs) -> Option<Expiry> {
        if self.is_empty() {
            return None;
        }
        let name = format!("{}.json", cache_key(args));
        self.expiry_in(&name, &["Credentials", "Expiration"], || {
            ExpirySource::CliCache(name.clone())
        })
    }

    /// The cache file `name` as JSON, if that file is in the folder and is JSON.
    pub fn json(&self, name: &str) -> Option<serde_json::Value> {
        if !self.names.contains(name) {
            return None;
        }
        let text = crate::safe_fs::read_to_string(&self.dir.join(name)).ok()?;
        serde_json::from_str(&text).ok()
    }

    /// The timestamp at `path` (nested JSON keys) of the cache file `name`, if that file is
    /// in the folder: an instant, or `Unknown` with the text when it cannot be read as one.
    pub fn expiry_in(
        &self,
        name: &str,
        path: &[&str],
        source: impl FnOnce() -> ExpirySource,
    ) -> Option<Expiry> {
        if self.names.is_empty() || !self.names.contains(name) {
            return None;
        }
        let text = crate::safe_fs::read_to_string(&self.dir.join(name)).ok()?;
        let json: serde_json::Value = serde_json::from_str(&text).ok()?;
        let raw = path.iter().try_fold(&json, |v, key| v.get(key))?.as_str()?;
        Some(match parse_timestamp(raw) {
            Some(at) => Expiry::At {
                at,
                source: source(),
            },
            None => Expiry::Unknown {
                raw: Some(raw.to_owned()),
            },
        })
    }
}

impl CacheDir {
    /// The role session cached under `key` (the file name without `.json`), if there is one
    /// the AWS CLI would use: `Credentials` with all four fields.
    pub fn credentials(&self, key: &str) -> Option<crate::credentials::Credentials> {
        let name = format!("{key}.json");
        if !self.names.contains(&name) {
            return None;
        }
        let text = crate::safe_fs::read_to_string(&self.dir.join(&name)).ok()?;
        let json: serde_json::Value = serde_json::from_str(&text).ok()?;
        let c = json.get("Credentials")?;
        let field = |k: &str| c.get(k).and_then(serde_json::Value::as_str);
        Some(crate::credentials::Credentials {
            access_key_id: field("AccessKeyId")?.to_owned(),
            secret_access_key: Secret::new(field("SecretAccessKey")?),
            session_token: Some(Secret::new(field("SessionToken")?)),
            expiration: Some(parse_timestamp(field("Expiration")?)?),
        })
    }
}

/// A cache entry to write: a role's new session, in the JSON the AWS CLI writes and reads
/// (`{"Credentials": {AccessKeyId, SecretAccessKey, SessionToken, Expiration}}`).
#[derive(Clone, Debug)]
pub struct CacheEntry {
    /// `~/.aws/cli/cache/KEY.json`.
    pub path: PathBuf,
    /// The role profile it is for.
    pub profile: String,
    /// `AccessKeyId`.
    pub access_key_id: String,
    /// `SecretAccessKey`.
    pub secret_access_key: Secret,
    /// `SessionToken`.
    pub session_token: Secret,
    /// `Expiration`.
    pub expiration: DateTime<Utc>,
}

impl CacheEntry {
    /// The JSON document (secrets included: it is only ever written to the 0600 file).
    pub(super) fn json(&self) -> String {
        let doc = serde_json::json!({
            "Credentials": {
                "AccessKeyId": self.access_key_id,
                "SecretAccessKey": self.secret_access_key.expose(),
                "SessionToken": self.session_token.expose(),
                // botocore's JSONFileCache writes datetimes this way (strftime `%Z`).
                "Expiration": self.expiration.format("%Y-%m-%dT%H:%M:%SUTC").to_string(),
            },
            "ResponseMetadata": {},
        });
        doc.to_string()
    }

    /// One line for a preview: which file, for which role, until when. No secret.
    pub fn describe(&self) -> String {
        format!(
            "+ AWS CLI cache for role profile '{}' until {} ({})\n",
            self.profile,
            self.expiration.format("%Y-%m-%d %H:%M:%S UTC"),
            self.path.display()
        )
    }
}

/// Python's `int(text)` for a decimal string (sign, digits, single underscores), rendered back
/// as JSON does; `None` where Python raises `ValueError`.
fn python_int(text: &str) -> Option<String> {
    let t = text.trim();
    let (negative, digits) = match t.as_bytes().first()? {
        b'-' => (true, &t[1..]),
        b'+' => (false, &t[1..]),
        _ => (false, t),
    };
    let valid = !digits.is_empty()
        && !digits.starts_with('_')
        && !digits.ends_with('_')
        && !digits.contains("__")
        && digits.bytes().all(|b| b.is_ascii_digit() || b == b'_');
    if !valid {
        return None;
    }
    let plain: String = digits.chars().filter(|c| *c != '_').collect();
    let trimmed = plain.trim_start_matches('0');
    let number = if trimmed.is_empty() { "0" } else { trimmed };
    Some(if negative && number != "0" {
        format!("-{number}")
    } else {
        number.to_owned()
    })
}

/// A JSON string as Python's `json.dumps` writes it (`ensure_ascii=True`).
pub(crate) fn py_json_str(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            ' '..='~' => out.push(c),
            _ => {
                let mut units = [0u16; 2];
                for unit in c.encode_utf16(&mut units) {
                    out.push_str(&format!("\\u{unit:04x}"));
                }
            }
        }
    }
    out.push('"');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn key_matches_botocore() {
        // Expected values computed with botocore's recipe:
        // sha1(json.dumps(args, sort_keys=True).encode()).hexdigest()
        let plain = RoleCacheArgs {
            role_arn: "arn:aws:iam::123456789012:role/Admin",
            ..Default::default()
        };
        assert_eq!(
            cache_key(&plain),
            "51e7b105b5040ce662656c8dc6ab4de70c4de7ad"
        );
        let full = RoleCacheArgs {
            role_arn: "arn:aws:iam::123456789012:role/Admin",
            role_session_name: Some("me"),
            external_id: Some("ext-é"),
            mfa_serial: Some("arn:aws:iam::123456789012:mfa/ana"),
            duration_seconds: Some("3600"),
        };
        assert_eq!(cache_key(&full), "c2ed730bac235b723409dbbb0611fa948a444f21");
    }

    #[test]
    fn entries_are_written_0600_and_read_back_without_secrets_in_descriptions() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let entry = CacheEntry {
            path: dir.path().join("cli/cache/abc.json"),
            profile: "ops".into(),
            access_key_id: "ASIAX".into(),
            secret_access_key: Secret::new("s3cr3t"),
            session_token: Secret::new("t0k3n"),
            expiration: "2026-11-22T18:05:00Z".parse().unwrap(),
        };
        crate::awsfiles::write::write_cache_entry(&entry).unwrap();
        let mode = std::fs::metadata(&entry.path).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
        let json: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(&entry.path).unwrap()).unwrap();
        assert_eq!(json["Credentials"]["Expiration"], "2026-11-22T18:05:00UTC");
        assert_eq!(json["Credentials"]["SessionToken"], "t0k3n");
        let cache = CacheDir::read(&dir.path().join("cli/cache"));
        assert!(cache.names.contains("abc.json"));
        let read = cache.credentials("abc").unwrap();
        assert_eq!(read.secret_access_key.expose(), "s3cr3t");
        assert_eq!(read.expiration, Some(entry.expiration));
        assert!(cache.credentials("other").is_none());
        assert!(!entry.describe().contains("s3cr3t") && !entry.describe().contains("t0k3n"));
    }

    #[test]
    fn python_int_follows_python() {
        assert_eq!(python_int("3600").as_deref(), Some("3600"));
        assert_eq!(python_int("+0_900").as_deref(), Some("900"));
        assert_eq!(python_int("-0").as_deref(), Some("0"));
        assert_eq!(python_int("1h"), None);
        assert_eq!(python_int("1__0"), None);
        assert_eq!(python_int(""), None);
    }

    #[test]
    fn json_strings_escape_like_python() {
        assert_eq!(py_json_str("a\"b\\c"), r#""a\"b\\c""#);
        assert_eq!(py_json_str("é😀\u{7f}"), r#""\u00e9\ud83d\ude00\u007f""#);
    }
}
