//! The journal of a key rotation under way (`rotating-CREDENTIALS.PROFILE.json` beside the
//! credentials file, with the config file's hash for a key kept there; no secret in it): what lets the next `rotate` finish or undo a run killed outright,
//! and what tells `keyring store`/`restore` that a rotation holds the key. Before the old key
//! goes, the new pair is kept beside it (`rotating-PROFILE.credentials`, 0600 in the private
//! backup folder) until every place names it: the one copy no other program can be writing.

use crate::awsfiles::backup;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};
use thiserror::Error;

/// Why the journal of a rotation could not be written.
#[derive(Debug, Error)]
pub enum JournalError {
    /// Its folder could not be made, or may not be used.
    #[error("{}", backup::sentence(.dir, .source))]
    Dir {
        /// The folder.
        dir: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// The record could not be encoded.
    #[error("{0}")]
    Encode(serde_json::Error),
    /// The file could not be written.
    #[error("{}: {source}", .path.display())]
    Write {
        /// The journal file.
        path: PathBuf,
        /// Why.
        source: crate::safe_fs::ReplaceError,
    },
}

/// The record of a rotation under way, beside the credentials file (no secret in it).
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Entry {
    /// The profile the rotation was started for.
    pub profile: String,
    /// The IAM user whose key is rotated.
    pub user: String,
    /// The key being replaced.
    pub old_key_id: String,
    /// The key IAM made, once it did.
    pub new_key_id: Option<String>,
    /// Whether the old key may be retired from here on: the new key works, its pair is kept
    /// beside the journal, and it is never deleted again.
    #[serde(default)]
    pub finishing: bool,
    /// Whether the old key is to be deactivated, not deleted (`--keep-old`): the run that
    /// finishes this rotation does the same (attack round 14, R14b-1).
    #[serde(default)]
    pub keep_old: bool,
    /// When the rotation started.
    pub started: DateTime<Utc>,
}

/// The journal file of `profile`'s rotation.
pub struct Journal {
    path: PathBuf,
}

impl Journal {
    /// The journal of `profile`'s rotation, beside the credentials file `credentials`; `config`
    /// is the config file when the key (or its keyring marker) is there, not in `credentials`.
    pub fn of(credentials: &Path, config: Option<&Path>, profile: &str) -> Journal {
        // One file per file set and profile: letters, digits and `-` as they are, every other
        // byte as `_XX` (so `a.b`, `a_b` and `a b` never share a journal: attack round 11),
        // the credentials file's own name first (two file sets in one folder, `credentials`
        // and `credentials-b`, never share one: attack round 14, R14b-2).
        let safe = |text: &str| {
            let mut out = String::new();
            for b in text.bytes() {
                if b.is_ascii_alphanumeric() || b == b'-' {
                    out.push(char::from(b));
                } else {
                    out.push_str(&format!("_{b:02X}"));
                }
            }
            out
        };
        let real = crate::safe_fs::resolve_symlinks(credentials)
            .unwrap_or_else(|_| credentials.to_owned());
        let file = real
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        // A key kept in a config file belongs to that file's set: file sets sharing the
        // credentials file with a config file each never share a journal (attack round 14d,
        // D-8). The config file by its real, absolute path, hashed.
        let held_in = config.map_or_else(String::new, |config| {
            use sha1::Digest;
            let real = crate::safe_fs::resolve_symlinks(config)
                .ok()
                .and_then(|p| std::path::absolute(p).ok())
                .unwrap_or_else(|| config.to_owned());
            let hash: String = sha1::Sha1::digest(real.as_os_str().as_encoded_bytes())
                .iter()
                .take(6)
                .map(|b| format!("{b:02x}"))
                .collect();
            format!(".config-{hash}")
        });
        Journal {
            path: backup::lock_dir(credentials).join(format!(
                "rotating-{}{held_in}.{}.json",
                safe(&file),
                safe(profile)
            )),
        }
    }

    /// Where the new pair is kept while the old key is retired.
    pub fn pair_path(&self) -> PathBuf {
        self.path.with_extension("credentials")
    }

    /// Keeps `text` (the new pair, in the places' own lines) beside the journal, 0600.
    pub fn keep_pair(&self, text: &str) -> Result<(), JournalError> {
        let path = self.pair_path();
        crate::safe_fs::replace(&path, text.as_bytes())
            .map_err(|source| JournalError::Write { path, source })
    }

    /// The journal, if this user wrote it: one in a folder others can write, or a link, or
    /// another user's file, could steer the recovery and is ignored.
    pub fn read(&self) -> Option<Entry> {
        backup::check_dir(self.path.parent()?).ok()?;
        if !backup::is_own_file(&std::fs::symlink_metadata(&self.path).ok()?) {
            return None;
        }
        serde_json::from_str(&crate::safe_fs::read_to_string(&self.path).ok()?).ok()
    }

    /// Records `entry` (atomically, in the backup folder).
    pub fn write(&self, entry: &Entry) -> Result<(), JournalError> {
        let dir = self.path.parent().unwrap_or(Path::new("."));
        backup::ensure_dir(dir).map_err(|source| JournalError::Dir {
            dir: dir.to_owned(),
            source,
        })?;
        let text = serde_json::to_string(entry).map_err(JournalError::Encode)?;
        crate::safe_fs::replace(&self.path, text.as_bytes()).map_err(|source| JournalError::Write {
            path: self.path.clone(),
            source,
        })
    }

    /// Removes the record and the pair kept beside it: the rotation is over.
    pub fn remove(&self) {
        let _ = std::fs::remove_file(self.pair_path());
        let _ = std::fs::remove_file(&self.path);
    }
}

/// The profile whose rotation (under way, or stopped and not yet finished) holds the key
/// `key_id` (as its old or its new key), among the journals beside `credentials`.
pub fn rotating(credentials: &Path, key_id: &str) -> Option<String> {
    let dir = backup::lock_dir(credentials);
    let entries = std::fs::read_dir(&dir).ok()?;
    entries
        .flatten()
        .filter(|e| {
            e.file_name()
                .to_str()
                .is_some_and(|n| n.starts_with("rotating-") && n.ends_with(".json"))
        })
        .filter_map(|e| Journal { path: e.path() }.read())
        .find(|entry| entry.old_key_id == key_id || entry.new_key_id.as_deref() == Some(key_id))
        .map(|entry| entry.profile)
}

/// The lock one rotation of an IAM user's key holds from its preview to its end: a second
/// rotation of the same user's key (another terminal, the TUI's `K`, a retry of one that
/// seems stuck) would take the first one's journal for a killed run and undo it under its
/// feet (attack round 11). Released when the rotation ends, however it ends.
#[derive(Debug)]
pub struct RotationLock {
    _file: std::fs::File,
}

/// Takes the rotation lock of the IAM user `arn` beside the credentials file `credentials`
/// (`rotating-SHA1.lock` in its backup folder): `Ok(None)` while another rotation holds it.
pub fn lock_rotation(credentials: &Path, arn: &str) -> std::io::Result<Option<RotationLock>> {
    use sha1::Digest;
    let dir = backup::lock_dir(credentials);
    backup::ensure_dir(&dir)?;
    let hash: String = sha1::Sha1::digest(arn.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    let file = backup::open_lock(&dir.join(format!("rotating-{hash}.lock")))?;
    Ok(crate::safe_fs::try_lock(&file)?.then_some(RotationLock { _file: file }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn profiles_differing_in_other_characters_have_journals_of_their_own() {
        let of = |name| Journal::of(Path::new("/h/.aws/credentials"), None, name).path;
        let names = ["a.b", "a_b", "a b", "a-b", "ab", "a\u{e9}"];
        let paths: std::collections::HashSet<PathBuf> = names.iter().map(|n| of(n)).collect();
        assert_eq!(paths.len(), names.len(), "{paths:?}");
        assert_eq!(
            of("dev-1"),
            Path::new("/h/.aws/.mfatui-backups/rotating-credentials.dev-1.json")
        );
        // Attack round 14 (R14b-2): two file sets in one folder never share one either.
        assert_ne!(
            of("default"),
            Journal::of(Path::new("/h/.aws/credentials-b"), None, "default").path
        );
    }

    /// Attack round 14d (D-8): two file sets sharing the credentials file, each keeping its
    /// `rot` key in its own config file, shared one journal, and one run discarded the
    /// other's recovery. A key in the shared credentials file is one key: one journal.
    #[test]
    fn keys_in_their_own_config_files_have_journals_of_their_own() {
        let creds = Path::new("/h/.aws/credentials");
        let a = Journal::of(creds, Some(Path::new("/h/projA/config")), "rot").path;
        let b = Journal::of(creds, Some(Path::new("/h/projB/config")), "rot").path;
        let shared = Journal::of(creds, None, "rot").path;
        assert_ne!(a, b);
        assert_ne!(a, shared);
        assert_eq!(
            a,
            Journal::of(creds, Some(Path::new("/h/projA/config")), "rot").path
        );
        assert_eq!(
            a.parent(),
            shared.parent(),
            "beside the credentials file all the same"
        );
        let name = a.file_name().unwrap().to_string_lossy().into_owned();
        assert!(
            name.starts_with("rotating-credentials.config-") && name.ends_with(".rot.json"),
            "{name}"
        );
    }

    #[test]
    fn one_rotation_of_a_user_at_a_time() {
        let dir = tempfile::tempdir().unwrap();
        let credentials = dir.path().join("credentials");
        let arn = "arn:aws:iam::123456789012:user/ana";
        let first = lock_rotation(&credentials, arn).unwrap();
        assert!(first.is_some());
        assert!(lock_rotation(&credentials, arn).unwrap().is_none(), "held");
        assert!(
            lock_rotation(&credentials, "arn:aws:iam::123456789012:user/bo")
                .unwrap()
                .is_some()
        );
        drop(first);
        assert!(
            lock_rotation(&credentials, arn).unwrap().is_some(),
            "released"
        );
    }
}
