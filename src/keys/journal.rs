//! The journal of a key rotation under way (`rotating-PROFILE.json` beside the credentials
//! file, no secret in it): what lets the next `rotate` finish or undo a run killed outright,
//! and what tells `keyring store`/`restore` that a rotation holds the key.

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
    /// When the rotation started.
    pub started: DateTime<Utc>,
}

/// The journal file of `profile`'s rotation.
pub struct Journal {
    path: PathBuf,
}

impl Journal {
    /// The journal of `profile`'s rotation, beside the credentials file `credentials`.
    pub fn of(credentials: &Path, profile: &str) -> Journal {
        let safe: String = profile
            .chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() || c == '-' {
                    c
                } else {
                    '_'
                }
            })
            .collect();
        Journal {
            path: backup::backup_dir(credentials, None).join(format!("rotating-{safe}.json")),
        }
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

    /// Removes the record: the rotation is over.
    pub fn remove(&self) {
        let _ = std::fs::remove_file(&self.path);
    }
}

/// The profile whose rotation (under way, or stopped and not yet finished) holds the key
/// `key_id` (as its old or its new key), among the journals beside `credentials`.
pub fn rotating(credentials: &Path, key_id: &str) -> Option<String> {
    let dir = backup::backup_dir(credentials, None);
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
