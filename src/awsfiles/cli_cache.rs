//! The AWS CLI's assume-role cache (`~/.aws/cli/cache/KEY.json`), read for role expiry.
//!
//! botocore names each cache file by the SHA-1 of the AssumeRole arguments serialized with
//! `json.dumps(args, sort_keys=True)`: `RoleArn`, plus `ExternalId`, `SerialNumber`,
//! `DurationSeconds` (as a number) and `RoleSessionName` when the profile sets them. This
//! module computes that same key so each role profile finds exactly its own cache entry.

use super::expiry::{parse_timestamp, Expiry, ExpirySource};
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

/// The AWS CLI cache folder, listed once so that profiles without an entry cost no file access.
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

    /// The expiry recorded for these role settings, if the CLI cached credentials for them.
    pub fn expiry(&self, args: &RoleCacheArgs) -> Option<Expiry> {
        if self.names.is_empty() {
            return None;
        }
        let name = format!("{}.json", cache_key(args));
        if !self.names.contains(&name) {
            return None;
        }
        let text = std::fs::read_to_string(self.dir.join(&name)).ok()?;
        let json: serde_json::Value = serde_json::from_str(&text).ok()?;
        let raw = json.get("Credentials")?.get("Expiration")?.as_str()?;
        Some(match parse_timestamp(raw) {
            Some(at) => Expiry::At {
                at,
                source: ExpirySource::CliCache(name),
            },
            None => Expiry::Unknown {
                raw: Some(raw.to_owned()),
            },
        })
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
fn py_json_str(s: &str) -> String {
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
