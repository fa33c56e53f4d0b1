//! How old an access key is: its creation date from `iam:ListAccessKeys` (for the key's own
//! IAM user), cached by key id — not a secret — in mfatui's cache folder for a day, so the
//! detail pane shows it without a call each time.

use crate::aws::{AwsApi, AwsError, CallSite, Credentials};
use chrono::{DateTime, Duration, Utc};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// What the cache remembers of one key.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
struct Entry {
    created: DateTime<Utc>,
    fetched: DateTime<Utc>,
}

fn file(dir: &Path) -> PathBuf {
    dir.join("key-ages.json")
}

fn read_all(dir: &Path) -> BTreeMap<String, Entry> {
    crate::safe_fs::read_to_string(&file(dir))
        .ok()
        .and_then(|t| serde_json::from_str(&t).ok())
        .unwrap_or_default()
}

/// Why a key's creation date is unknown: one sentence each.
#[derive(Debug, thiserror::Error)]
pub enum AgeError {
    /// A call failed.
    #[error(transparent)]
    Aws(#[from] AwsError),
    /// The key is not an IAM user's (a root key, say).
    #[error("the key belongs to {arn}, not an IAM user")]
    NotUser {
        /// Whose it is.
        arn: String,
    },
    /// IAM's list for the user does not have the key (or no date for it).
    #[error("IAM does not list this key for its user")]
    NotListed,
}

/// The creation date cached for `key_id`, if fetched less than a day before `now`.
pub fn cached(dir: &Path, key_id: &str, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
    read_all(dir)
        .get(key_id)
        .filter(|e| now - e.fetched < Duration::days(1))
        .map(|e| e.created)
}

/// Remembers `key_id`'s creation date (the folder created 0700, the file written atomically).
pub fn store(
    dir: &Path,
    key_id: &str,
    created: DateTime<Utc>,
    now: DateTime<Utc>,
) -> std::io::Result<()> {
    let mut all = read_all(dir);
    all.retain(|_, e| now - e.fetched < Duration::days(1));
    all.insert(
        key_id.to_owned(),
        Entry {
            created,
            fetched: now,
        },
    );
    crate::safe_fs::replace(&file(dir), serde_json::to_string(&all)?.as_bytes())?;
    Ok(())
}

/// The creation date of `keys`' access key: from the cache, else asked of IAM (the user from
/// `GetCallerIdentity` with the key itself; `ListAccessKeys` with `iam`, the profile's fresh
/// MFA session or the key) and cached. The error says why it is unknown.
pub async fn fetch(
    api: &dyn AwsApi,
    site: &CallSite,
    keys: &Credentials,
    iam: &Credentials,
    cache: &Path,
    now: DateTime<Utc>,
) -> Result<DateTime<Utc>, AgeError> {
    if let Some(created) = cached(cache, &keys.access_key_id, now) {
        return Ok(created);
    }
    let identity = api.caller_identity(site, keys).await?;
    let user = identity.user_name().ok_or_else(|| AgeError::NotUser {
        arn: identity.arn.clone(),
    })?;
    let listed = api.list_access_keys(site, iam, user).await?;
    let created = listed
        .iter()
        .find(|k| k.id == keys.access_key_id)
        .and_then(|k| k.created)
        .ok_or(AgeError::NotListed)?;
    let _ = store(cache, &keys.access_key_id, created, now);
    Ok(created)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_are_cached_for_a_day_per_key() {
        let dir = tempfile::tempdir().unwrap();
        let cache = dir.path().join("mfatui");
        let now: DateTime<Utc> = "2026-11-22T12:00:00Z".parse().unwrap();
        let created: DateTime<Utc> = "2026-06-01T08:00:00Z".parse().unwrap();
        assert_eq!(cached(&cache, "AKIA1", now), None);
        store(&cache, "AKIA1", created, now).unwrap();
        assert_eq!(
            cached(&cache, "AKIA1", now + Duration::hours(23)),
            Some(created)
        );
        assert_eq!(
            cached(&cache, "AKIA1", now + Duration::hours(25)),
            None,
            "a day at most"
        );
        assert_eq!(cached(&cache, "AKIA2", now), None);
        let mode = std::os::unix::fs::PermissionsExt::mode(
            &std::fs::metadata(&cache).unwrap().permissions(),
        );
        assert_eq!(mode & 0o777, 0o700);
    }
}
