//! One renewal of a target at a time, across processes: an advisory lock on
//! `.mfatui-backups/renewing-TARGET.lock` beside the credentials file. The lock file is
//! removed when the lock is released, and a waiter that wakes up on a removed file tries
//! again, so no lock file is left behind and no two renewals ever hold "the" lock at once.
//! The folder must be this user's private folder and the lock file (0600) is never opened
//! through a symbolic link (`backup::ensure_dir`, `backup::open_lock`).

use super::error::LockError;
use crate::awsfiles::backup;
use std::fs::File;
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// A held renewal lock; released (and its file removed) when dropped.
#[derive(Debug)]
pub struct RenewLock {
    file: File,
    path: PathBuf,
}

impl Drop for RenewLock {
    fn drop(&mut self) {
        // Removed while still held: a waiter that then gets the old file notices and retries.
        let _ = std::fs::remove_file(&self.path);
        let _ = self.file.unlock();
    }
}

/// The lock file's name for `target` (characters other than letters, digits, `-`, `_` become `_`).
fn file_name(target: &str) -> String {
    let safe: String = target
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                c
            } else {
                '_'
            }
        })
        .collect();
    format!("renewing-{safe}.lock")
}

impl RenewLock {
    /// Takes the lock for renewing `target` of `credentials`, waiting at most `wait`.
    pub async fn acquire(
        credentials: &Path,
        target: &str,
        wait: Duration,
    ) -> Result<RenewLock, LockError> {
        let dir = backup::lock_dir(credentials);
        let io = |e: std::io::Error, p: &Path| match backup::Untrusted::within(&e) {
            Some(untrusted) => LockError::Untrusted(untrusted.clone().into()),
            None => LockError::Io {
                path: p.to_owned(),
                source: e,
            },
        };
        backup::ensure_dir(&dir).map_err(|e| io(e, &dir))?;
        let path = dir.join(file_name(target));
        let attempt = || {
            let file = backup::open_lock(&path)?;
            if !crate::safe_fs::try_lock(&file)? {
                return Ok(None);
            }
            let same = std::fs::metadata(&path)
                .ok()
                .zip(file.metadata().ok())
                .is_some_and(|(now, held)| now.ino() == held.ino() && now.dev() == held.dev());
            // Not the same: the holder removed it as we took it; take the current one.
            Ok(same.then_some(file))
        };
        match crate::safe_fs::wait(wait, attempt).await {
            Ok(Some(file)) => Ok(RenewLock { file, path }),
            Ok(None) => Err(LockError::Busy {
                target: target.to_owned(),
                secs: wait.as_secs(),
            }),
            Err(e) => Err(io(e, &path)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(flavor = "current_thread")]
    async fn one_holder_at_a_time_and_no_file_left_behind() {
        let dir = tempfile::tempdir().unwrap();
        let creds = dir.path().join("credentials");
        let first = RenewLock::acquire(&creds, "dev mfa", Duration::from_secs(1))
            .await
            .unwrap();
        let lock_file = dir.path().join(".mfatui-backups/renewing-dev_mfa.lock");
        assert!(lock_file.exists());
        let busy = RenewLock::acquire(&creds, "dev mfa", Duration::from_millis(200)).await;
        assert!(matches!(busy, Err(LockError::Busy { .. })));
        drop(first);
        assert!(!lock_file.exists(), "released locks leave no file");
        let again = RenewLock::acquire(&creds, "dev mfa", Duration::from_secs(1)).await;
        assert!(again.is_ok());
    }

    #[tokio::test(flavor = "current_thread")]
    async fn a_shared_folder_or_a_linked_lock_is_refused_and_nothing_is_created() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let creds = dir.path().join("credentials");
        let folder = dir.path().join(".mfatui-backups");
        std::fs::create_dir(&folder).unwrap();
        let aimed = dir.path().join("created-by-someone-else");
        std::os::unix::fs::symlink(&aimed, folder.join("renewing-dev.lock")).unwrap();
        let wait = Duration::from_secs(1);
        let linked = RenewLock::acquire(&creds, "dev", wait).await.unwrap_err();
        assert!(linked.to_string().contains("symbolic link"), "{linked}");
        std::fs::set_permissions(&folder, std::fs::Permissions::from_mode(0o777)).unwrap();
        let shared = RenewLock::acquire(&creds, "other", wait).await.unwrap_err();
        assert!(shared.to_string().contains("mode 0777"), "{shared}");
        assert!(!aimed.exists());
        let made: Vec<_> = std::fs::read_dir(&folder)
            .unwrap()
            .flatten()
            .map(|e| e.file_name())
            .filter(|n| n != ".gitignore")
            .collect();
        assert_eq!(made.len(), 1, "only the planted link: {made:?}");
    }
}
