//! Timestamped backups of the shared files, kept in `.mfatui-backups/` beside each file.
//!
//! `~/.aws/credentials` is backed up as `~/.aws/.mfatui-backups/credentials.2026-11-22T14-05-33Z.bak`
//! (mode 0600, directory 0700); a second backup in the same second gets `.2`, `.3`, … before
//! `.bak`. The newest N are kept; the one just made is never deleted.

use chrono::{DateTime, NaiveDateTime, Timelike, Utc};
use std::fs::{self, OpenOptions};
use std::io::{self, Write};
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt};
use std::path::{Path, PathBuf};

/// Name of the directory, beside each file, that holds its backups and lock.
pub const BACKUP_DIR: &str = ".mfatui-backups";

/// How many backups per file are kept by default.
pub const DEFAULT_KEEP: usize = 20;

const STAMP: &str = "%Y-%m-%dT%H-%M-%SZ";

/// One backup file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Backup {
    /// Where it is.
    pub path: PathBuf,
    /// When it was made (UTC, to the second).
    pub time: DateTime<Utc>,
    /// 1 for the first backup in that second, 2 for the next, …
    pub sequence: u32,
    /// Size in bytes.
    pub size: u64,
}

/// The backup folder for a shared file: `custom` (the `backups.dir` setting), else
/// `.mfatui-backups` beside the path as configured (not its link target).
pub fn backup_dir(file: &Path, custom: Option<&Path>) -> PathBuf {
    match custom {
        Some(dir) => dir.to_owned(),
        None => file.parent().unwrap_or(Path::new(".")).join(BACKUP_DIR),
    }
}

/// Creates a folder (mode 0700, parents too) if needed.
pub fn ensure_dir(dir: &Path) -> io::Result<()> {
    fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(dir)
}

fn file_name(file: &Path) -> String {
    file.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "file".to_owned())
}

/// Copies `contents` (the file's current bytes) to a new backup named for `now`, mode 0600,
/// synced to disk. Never overwrites an existing backup.
pub fn create(file: &Path, dir: &Path, contents: &[u8], now: DateTime<Utc>) -> io::Result<PathBuf> {
    ensure_dir(dir)?;
    let base = format!("{}.{}", file_name(file), now.format(STAMP));
    // Sequence numbers only grow within a second, even after pruning freed a lower one, so
    // that name order stays time order.
    let first = list(file, dir)?
        .iter()
        .filter(|b| b.time == now.with_nanosecond(0).unwrap_or(now))
        .map(|b| b.sequence + 1)
        .max()
        .unwrap_or(1);
    for sequence in first.. {
        let name = if sequence == 1 {
            format!("{base}.bak")
        } else {
            format!("{base}.{sequence}.bak")
        };
        let path = dir.join(name);
        match OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(0o600)
            .open(&path)
        {
            Ok(mut f) => {
                f.write_all(contents)?;
                f.sync_all()?;
                fs::File::open(dir)?.sync_all()?;
                return Ok(path);
            }
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists => continue,
            Err(e) => return Err(e),
        }
    }
    unreachable!("u32 sequence numbers exhausted")
}

/// The backups of `file` in `dir`, oldest first.
pub fn list(file: &Path, dir: &Path) -> io::Result<Vec<Backup>> {
    let prefix = format!("{}.", file_name(file));
    let entries = match fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(e),
    };
    let mut out = Vec::new();
    for entry in entries {
        let entry = entry?;
        let name = entry.file_name().to_string_lossy().into_owned();
        let Some(rest) = name
            .strip_prefix(&prefix)
            .and_then(|r| r.strip_suffix(".bak"))
        else {
            continue;
        };
        let (stamp, sequence) = match rest.split_once('.') {
            Some((stamp, seq)) => (stamp, seq.parse().ok()),
            None => (rest, Some(1)),
        };
        let (Ok(time), Some(sequence)) = (NaiveDateTime::parse_from_str(stamp, STAMP), sequence)
        else {
            continue;
        };
        out.push(Backup {
            path: entry.path(),
            time: time.and_utc(),
            sequence,
            size: entry.metadata()?.len(),
        });
    }
    out.sort_by_key(|b| (b.time, b.sequence));
    Ok(out)
}

/// Deletes all but the newest `keep` backups of `file` in `dir`, never `protect`.
pub fn prune(file: &Path, dir: &Path, keep: usize, protect: &Path) -> io::Result<()> {
    let all = list(file, dir)?;
    let excess = all.len().saturating_sub(keep.max(1));
    for backup in all.iter().take(excess).filter(|b| b.path != protect) {
        fs::remove_file(&backup.path)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    fn at(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }

    #[test]
    fn backups_are_private_timestamped_and_never_collide() {
        let home = tempfile::tempdir().unwrap();
        let file = home.path().join("credentials");
        let dir = backup_dir(&file, None);
        let now = at("2026-11-22T14:05:33Z");
        let first = create(&file, &dir, b"one", now).unwrap();
        let second = create(&file, &dir, b"two", now).unwrap();
        assert!(first.ends_with(".mfatui-backups/credentials.2026-11-22T14-05-33Z.bak"));
        assert!(second.ends_with(".mfatui-backups/credentials.2026-11-22T14-05-33Z.2.bak"));
        assert_eq!(fs::read(&first).unwrap(), b"one");
        assert_eq!(
            fs::metadata(&first).unwrap().permissions().mode() & 0o777,
            0o600
        );
        assert_eq!(
            fs::metadata(&dir).unwrap().permissions().mode() & 0o777,
            0o700
        );
        let listed = list(&file, &dir).unwrap();
        assert_eq!(
            listed.iter().map(|b| b.sequence).collect::<Vec<_>>(),
            [1, 2]
        );
        assert_eq!(listed[1].size, 3);
    }

    #[test]
    fn prune_keeps_the_newest_and_the_protected_one() {
        let home = tempfile::tempdir().unwrap();
        let file = home.path().join("config");
        let dir = home.path().join("elsewhere/backups");
        let made: Vec<PathBuf> = (0..5)
            .map(|i| create(&file, &dir, b"x", at(&format!("2026-11-22T14:05:0{i}Z"))).unwrap())
            .collect();
        prune(&file, &dir, 2, &made[0]).unwrap();
        let again = create(&file, &dir, b"y", at("2026-11-22T14:05:04Z")).unwrap();
        assert!(
            again.ends_with("config.2026-11-22T14-05-04Z.2.bak"),
            "{}",
            again.display()
        );
        fs::remove_file(&again).unwrap();
        let left: Vec<PathBuf> = list(&file, &dir)
            .unwrap()
            .into_iter()
            .map(|b| b.path)
            .collect();
        assert_eq!(left, [made[0].clone(), made[3].clone(), made[4].clone()]);
        assert!(list(&home.path().join("other"), &dir).unwrap().is_empty());
    }
}
