//! Timestamped backups of the shared files, kept in `.mfatui-backups/` beside each file.
//!
//! `~/.aws/credentials` is backed up as `~/.aws/.mfatui-backups/credentials.2026-11-22T14-05-33Z.bak`
//! (mode 0600, directory 0700); a second backup in the same second gets `.2`, `.3`, … before
//! `.bak`. The newest N are kept; the one just made is never deleted.
//!
//! A backup folder is trusted only when it is a real folder (not a symbolic link) owned by this
//! user and writable by no one else ([`check_dir`]): another user's folder could collect the
//! long-term keys in the backups, plant a "backup" for `restore`, or aim the lock at a file of
//! their choosing. Inside a trusted folder, only regular files owned by this user are backups.
//!
//! When a secret leaves the files (`mfatui keyring store`), the backups that still hold it are
//! found ([`holding`]) and rewritten without it ([`without_secret`], [`rewrite`]).

use super::document::Document;
use super::mask::MASKED;
use super::profile::KEYRING_MARKER;
use chrono::{DateTime, NaiveDateTime, Timelike, Utc};
use std::fs::{self, OpenOptions};
use std::io::{self, Write};
use std::os::unix::fs::{MetadataExt, OpenOptionsExt};
use std::path::{Path, PathBuf};
use thiserror::Error;

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

/// Where the backups of a shared file are made and found first, as (the file they are named
/// after, their folder): with `backups.dir` (`custom`), that folder under the name `file` is
/// reached by; else `.mfatui-backups` beside the file its symbolic links lead to, under that
/// file's own name — one place whatever name a writer reached the file by (a dotfiles link,
/// its real path, a second link), which `keyring store` scrubs (attack round 14c, C-3).
pub fn backups_of(file: &Path, custom: Option<&Path>) -> (PathBuf, PathBuf) {
    match custom {
        Some(dir) => (file.to_owned(), dir.to_owned()),
        None => {
            let real = crate::safe_fs::resolve_symlinks(file).unwrap_or_else(|_| file.to_owned());
            // Its folder by its real path too (`~/.aws/../dot`, a linked folder): one place,
            // named plainly in what mfatui says.
            let folder = real.parent().filter(|d| !d.as_os_str().is_empty());
            let real = match (
                fs::canonicalize(folder.unwrap_or(Path::new("."))),
                real.file_name(),
            ) {
                (Ok(folder), Some(name)) => folder.join(name),
                _ => real,
            };
            let dir = beside(&real);
            (real, dir)
        }
    }
}

/// `.mfatui-backups` beside `file` as it is named, its links not followed: where backups of
/// a file reached through a link were made before they moved beside the real file; still
/// listed, restored from and scrubbed.
pub fn beside(file: &Path) -> PathBuf {
    file.parent().unwrap_or(Path::new(".")).join(BACKUP_DIR)
}

/// Every place backups of `file` are listed and restored from, as [`backups_of`] gives them:
/// that place first, then (without `backups.dir`) the folder beside the name `file` is reached
/// by when that is another, for backups made there before.
pub fn places(file: &Path, custom: Option<&Path>) -> Vec<(PathBuf, PathBuf)> {
    let mut out = vec![backups_of(file, custom)];
    if custom.is_none() && beside(file) != out[0].1 {
        out.push((file.to_owned(), beside(file)));
    }
    out
}

/// The folder holding the locks (and rotation journals) of a shared file: `.mfatui-backups`
/// beside the file its symbolic links lead to, so that writers reaching one file by two names
/// (a dotfiles link and its real path) meet the same lock (attack round 14, R14-7).
pub fn lock_dir(file: &Path) -> PathBuf {
    backups_of(file, None).1
}

/// A place mfatui will not use for backups or locks.
#[derive(Clone, Debug, Error, PartialEq, Eq)]
pub enum Untrusted {
    /// The backup folder is not this user's private folder.
    #[error("{}: mfatui keeps backups and locks only in a folder of its own that no one else can write, and this one is {what}; nothing was read or written — remove it, or keep your AWS files (or backups.dir) in a folder only you can write", dir.display())]
    Folder {
        /// The folder.
        dir: PathBuf,
        /// What is wrong with it, with its owner and mode.
        what: String,
    },
    /// A lock file is a symbolic link (opening it would create or touch its target).
    #[error("{}: this lock file is a symbolic link, which mfatui never follows; nothing was written — remove the link", path.display())]
    LockLink {
        /// The lock file.
        path: PathBuf,
    },
}

impl Untrusted {
    /// The refusal carried by an I/O error from this module, if that is what it carries.
    pub fn within(err: &io::Error) -> Option<&Untrusted> {
        err.get_ref()?.downcast_ref()
    }
}

/// One sentence for an error of this module about `dir`: the refusal itself when it is one,
/// else the folder and the system's reason.
pub fn sentence(dir: &Path, err: &io::Error) -> String {
    match Untrusted::within(err) {
        Some(untrusted) => untrusted.to_string(),
        None => format!("{}: {err}", dir.display()),
    }
}

/// Checks that `dir` may hold backups and locks: a real folder (not a symbolic link), owned by
/// the effective user, writable by neither group nor others — as OpenSSH's `StrictModes`. A
/// folder that does not exist yet passes (mfatui creates it 0700); one that cannot be looked
/// at passes too, and the step that uses it reports why.
pub fn check_dir(dir: &Path) -> Result<(), Untrusted> {
    let Ok(meta) = fs::symlink_metadata(dir) else {
        return Ok(());
    };
    let owner_mode = format!(
        "owner uid {}, mode {:04o}",
        meta.uid(),
        meta.mode() & 0o7777
    );
    let what = if meta.file_type().is_symlink() {
        let to = fs::read_link(dir).unwrap_or_default();
        format!("a symbolic link (to {})", to.display())
    } else if meta.is_file() {
        "a file, not a folder".to_owned()
    } else if !meta.is_dir() {
        format!("{}, not a folder", super::files::file_type_name(&meta))
    } else if meta.uid() != rustix::process::geteuid().as_raw() {
        format!("another user's ({owner_mode})")
    } else if meta.mode() & 0o022 != 0 {
        format!("writable by group or others ({owner_mode})")
    } else {
        return Ok(());
    };
    Err(Untrusted::Folder {
        dir: dir.to_owned(),
        what,
    })
}

/// Creates a folder (mode 0700, parents too) if needed, then checks it with [`check_dir`]
/// (a refusal is an [`io::Error`] carrying [`Untrusted`]).
pub fn ensure_dir(dir: &Path) -> io::Result<()> {
    crate::safe_fs::create_private(dir)?;
    // check_dir is stricter than safe_fs::private_dir (no symbolic link, no group or other
    // write): backups hold secrets and locks decide who writes.
    check_dir(dir).map_err(io::Error::other)?;
    keep_out_of_version_control(dir);
    Ok(())
}

/// Puts a `.gitignore` of `*` in `dir` unless one is there: backups hold long-term keys, and
/// the folder may stand in a dotfiles repository that a linked `~/.aws/credentials` leads to,
/// whose `git add -A` would take them (attack round 15, E-8). Never through a link; a folder
/// where it cannot be written keeps its backups all the same.
fn keep_out_of_version_control(dir: &Path) {
    let made = OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(dir.join(".gitignore"));
    if let Ok(mut file) = made {
        let _ = file.write_all(
            b"# Made by mfatui: these backups hold your AWS keys; keep them out of version control.\n*\n",
        );
    }
}

/// Opens (creating it 0600 if needed) the lock file at `path` for writing, never through a
/// symbolic link (`O_NOFOLLOW`): a link there is an error carrying [`Untrusted::LockLink`].
pub fn open_lock(path: &Path) -> io::Result<fs::File> {
    OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .mode(0o600)
        .custom_flags(rustix::fs::OFlags::NOFOLLOW.bits() as i32)
        .open(path)
        .map_err(|e| {
            if e.raw_os_error() == Some(rustix::io::Errno::LOOP.raw_os_error()) {
                io::Error::other(Untrusted::LockLink {
                    path: path.to_owned(),
                })
            } else {
                e
            }
        })
}

/// Whether `meta` (from `symlink_metadata`) is of a file that can be one of this user's
/// backups: a regular file (a symbolic link is not) owned by the effective user.
pub fn is_own_file(meta: &fs::Metadata) -> bool {
    meta.file_type().is_file() && meta.uid() == rustix::process::geteuid().as_raw()
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
                let written = f
                    .write_all(contents)
                    .and_then(|()| f.sync_all())
                    .and_then(|()| fs::File::open(dir)?.sync_all());
                if let Err(e) = written {
                    // A part-written backup (a full disk) is no backup: left behind, it would
                    // be listed as the newest and count towards `keep`, pruning real ones.
                    let _ = fs::remove_file(&path);
                    return Err(e);
                }
                return Ok(path);
            }
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists => continue,
            Err(e) => return Err(e),
        }
    }
    unreachable!("u32 sequence numbers exhausted")
}

/// The backups of `file` in `dir`, oldest first: regular files owned by this user whose names
/// mfatui gives. A folder that fails [`check_dir`] is an error carrying [`Untrusted`].
pub fn list(file: &Path, dir: &Path) -> io::Result<Vec<Backup>> {
    check_dir(dir).map_err(io::Error::other)?;
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
        let path = entry.path();
        // Gone meanwhile (another mfatui pruned it), a link or someone else's: not a backup.
        let Ok(meta) = fs::symlink_metadata(&path) else {
            continue;
        };
        if !is_own_file(&meta) {
            continue;
        }
        out.push(Backup {
            path,
            time: time.and_utc(),
            sequence,
            size: meta.len(),
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

/// The backups of `file` in `dir` whose bytes contain `needle`, oldest first.
pub fn holding(file: &Path, dir: &Path, needle: &str) -> io::Result<Vec<Backup>> {
    if needle.is_empty() {
        return Ok(Vec::new());
    }
    let mut out = Vec::new();
    for backup in list(file, dir)? {
        if holds(&crate::safe_fs::read(&backup.path)?, needle) {
            out.push(backup);
        }
    }
    Ok(out)
}

/// Whether `bytes` hold `secret`, as it is or through the escapes a command line allows
/// (`%2B`, `\u002F`, `\/`: the live files' strays are found so too; attack round 15, E-2).
fn holds(bytes: &[u8], secret: &str) -> bool {
    memchr::memmem::find(bytes, secret.as_bytes()).is_some()
        || String::from_utf8_lossy(bytes)
            .lines()
            .any(|line| super::mask::unescaped(line).contains(secret))
}

/// `bytes` with every line that holds `secret` only through escapes made a comment of
/// [`MASKED`] (its indent kept, so that a continued command stays one value and the backup
/// still reads as a file).
fn without_escaped(bytes: &[u8], secret: &str) -> Vec<u8> {
    let mut out = Vec::with_capacity(bytes.len());
    for line in bytes.split_inclusive(|&b| b == b'\n') {
        let Ok(text) = std::str::from_utf8(line) else {
            out.extend_from_slice(line);
            continue;
        };
        let body = text.trim_end_matches(['\r', '\n']);
        if super::mask::unescaped(body).contains(secret) {
            let indent = &body[..body.len() - body.trim_start().len()];
            out.extend_from_slice(format!("{indent}# {MASKED}").as_bytes());
            out.extend_from_slice(&line[body.len()..]);
        } else {
            out.extend_from_slice(line);
        }
    }
    out
}

/// A shared file's bytes with the long-term key pair whose secret is `secret` moved out the
/// way `mfatui keyring store` moves it: in each section holding that secret, the secret key
/// line (and the `key_id` line beside it) give way to `mfatui_keyring = KEY_ID`, so that
/// restoring the backup later gives a profile that takes its key from the keyring. Any other
/// occurrence of the secret (a comment, a file that does not parse) becomes `****`.
///
/// Only the sections `marked` says have a keyring entry get the marker; in any other the
/// secret becomes `****` (a marker there would name an entry that does not exist).
pub fn without_secret(
    contents: &[u8],
    key_id: &str,
    secret: &str,
    marked: &dyn Fn(&str) -> bool,
) -> Vec<u8> {
    let moved = Document::parse(contents)
        .ok()
        .and_then(|doc| move_pair_out(doc, key_id, secret, marked))
        .map(|doc| doc.render());
    let masked = replace_all(moved.as_deref().unwrap_or(contents), secret, MASKED);
    without_escaped(&masked, secret)
}

/// The document with the pair moved out of every section holding `secret` that `marked`
/// names (`None` if the file does not parse or an edit is refused).
fn move_pair_out(
    mut doc: Document,
    key_id: &str,
    secret: &str,
    marked: &dyn Fn(&str) -> bool,
) -> Option<Document> {
    let sections: Vec<(String, bool)> = doc
        .structure()
        .ok()?
        .sections()
        .filter(|s| {
            s.entry("aws_secret_access_key")
                .is_some_and(|e| e.value == secret)
                && marked(s.name)
        })
        .map(|s| {
            let same_id = s
                .entry("aws_access_key_id")
                .is_some_and(|e| e.value == key_id);
            (s.name.to_owned(), same_id)
        })
        .collect();
    for (section, same_id) in sections {
        doc.set(&section, KEYRING_MARKER, key_id).ok()?;
        doc.remove(&section, "aws_secret_access_key").ok()?;
        if same_id {
            doc.remove(&section, "aws_access_key_id").ok()?;
        }
    }
    Some(doc)
}

/// `haystack` with every occurrence of `needle` replaced by `with`.
fn replace_all(haystack: &[u8], needle: &str, with: &str) -> Vec<u8> {
    let mut out = Vec::with_capacity(haystack.len());
    let mut rest = 0;
    if !needle.is_empty() {
        for at in memchr::memmem::find_iter(haystack, needle.as_bytes()) {
            if at >= rest {
                out.extend_from_slice(&haystack[rest..at]);
                out.extend_from_slice(with.as_bytes());
                rest = at + needle.len();
            }
        }
    }
    out.extend_from_slice(&haystack[rest..]);
    out
}

/// Replaces the backup at `path` with `contents`: a temporary file (0600) in the same folder,
/// synced, renamed over it, the folder synced. A crash leaves the old or the new backup, whole.
pub fn rewrite(path: &Path, contents: &[u8]) -> io::Result<()> {
    crate::safe_fs::replace(path, contents)?;
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
        let dir = beside(&file);
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

    #[test]
    fn a_folder_others_can_write_or_a_link_is_never_used() {
        let home = tempfile::tempdir().unwrap();
        let file = home.path().join("credentials");
        let dir = beside(&file);
        fs::create_dir(&dir).unwrap();
        let now = at("2026-11-22T14:05:33Z");
        for (mode, says) in [
            (0o777, "mode 0777"),
            (0o770, "mode 0770"),
            (0o1777, "mode 1777"),
        ] {
            fs::set_permissions(&dir, fs::Permissions::from_mode(mode)).unwrap();
            let refused = check_dir(&dir).unwrap_err();
            assert!(refused.to_string().contains(says), "{refused}");
            for err in [
                list(&file, &dir).unwrap_err(),
                create(&file, &dir, b"key", now).unwrap_err(),
                ensure_dir(&dir).unwrap_err(),
            ] {
                assert_eq!(Untrusted::within(&err), Some(&refused));
            }
            assert_eq!(fs::read_dir(&dir).unwrap().count(), 0, "nothing written");
        }
        fs::set_permissions(&dir, fs::Permissions::from_mode(0o700)).unwrap();
        let link = home.path().join("link");
        std::os::unix::fs::symlink(&dir, &link).unwrap();
        let refused = check_dir(&link).unwrap_err().to_string();
        assert!(refused.contains("a symbolic link"), "{refused}");
        let plain = home.path().join("plain");
        fs::write(&plain, b"").unwrap();
        assert!(check_dir(&plain)
            .unwrap_err()
            .to_string()
            .contains("not a folder"));
        assert_eq!(check_dir(&home.path().join("missing")), Ok(()));
        assert_eq!(check_dir(&dir), Ok(()));
        ensure_dir(&home.path().join("new/deeper")).unwrap();
        let made = fs::metadata(home.path().join("new/deeper")).unwrap();
        assert_eq!(made.permissions().mode() & 0o777, 0o700);
    }

    #[test]
    fn only_this_users_regular_files_are_backups() {
        let home = tempfile::tempdir().unwrap();
        let file = home.path().join("credentials");
        let dir = beside(&file);
        let own = create(&file, &dir, b"mine", at("2026-11-22T14:05:33Z")).unwrap();
        let outside = home.path().join("planted");
        fs::write(&outside, b"[dev]\ncredential_process = x\n").unwrap();
        std::os::unix::fs::symlink(&outside, dir.join("credentials.2099-01-01T00-00-00Z.bak"))
            .unwrap();
        if rustix::process::geteuid().is_root() {
            let other = dir.join("credentials.2098-01-01T00-00-00Z.bak");
            fs::write(&other, b"planted").unwrap();
            std::os::unix::fs::chown(&other, Some(65534), Some(65534)).unwrap();
        }
        let listed: Vec<PathBuf> = list(&file, &dir)
            .unwrap()
            .into_iter()
            .map(|b| b.path)
            .collect();
        assert_eq!(listed, std::slice::from_ref(&own));
        prune(&file, &dir, 1, &own).unwrap();
        assert!(outside.exists(), "pruning never follows a planted link");
    }

    #[test]
    fn a_lock_is_private_and_never_opened_through_a_link() {
        let home = tempfile::tempdir().unwrap();
        let lock = home.path().join("credentials.lock");
        open_lock(&lock).unwrap();
        assert_eq!(
            fs::metadata(&lock).unwrap().permissions().mode() & 0o777,
            0o600
        );
        let aimed = home.path().join("created-by-someone-else");
        let link = home.path().join("config.lock");
        std::os::unix::fs::symlink(&aimed, &link).unwrap();
        let err = open_lock(&link).unwrap_err();
        assert_eq!(
            Untrusted::within(&err),
            Some(&Untrusted::LockLink { path: link.clone() })
        );
        assert!(!aimed.exists());
    }

    const ID: &str = "AKIAIOSFODNN7EXAMPLE";
    const SECRET: &str = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";

    #[test]
    fn without_secret_moves_the_pair_out_like_keyring_store() {
        let before = format!(
            "# keys\n[dev]\nregion = eu-west-1\naws_access_key_id = {ID}\naws_secret_access_key = {SECRET}\noutput = json\n\n[other]\naws_access_key_id = AKIAI44QH8DHBEXAMPLE\naws_secret_access_key = je7MtGbClwBF/2Zp9Utk/h3yCo8nvbEXAMPLEKEY\n"
        );
        let after =
            String::from_utf8(without_secret(before.as_bytes(), ID, SECRET, &|_| true)).unwrap();
        assert_eq!(
            after,
            format!("# keys\n[dev]\nregion = eu-west-1\noutput = json\nmfatui_keyring = {ID}\n\n[other]\naws_access_key_id = AKIAI44QH8DHBEXAMPLE\naws_secret_access_key = je7MtGbClwBF/2Zp9Utk/h3yCo8nvbEXAMPLEKEY\n")
        );
    }

    #[test]
    fn a_section_without_a_keyring_entry_gets_no_marker_only_the_secret_masked() {
        let before = format!(
            "[dev]\naws_access_key_id = {ID}\naws_secret_access_key = {SECRET}\n[gone]\naws_access_key_id = {ID}\naws_secret_access_key = {SECRET}\n"
        );
        let after = String::from_utf8(without_secret(before.as_bytes(), ID, SECRET, &|s| {
            s == "dev"
        }))
        .unwrap();
        assert_eq!(
            after,
            format!("[dev]\nmfatui_keyring = {ID}\n[gone]\naws_access_key_id = {ID}\naws_secret_access_key = ****\n")
        );
    }

    #[test]
    fn without_secret_masks_it_anywhere_else_even_in_a_broken_file() {
        let commented = format!("[dev]\n# old: {SECRET}\naws_secret_access_key = {SECRET}\n");
        let after =
            String::from_utf8(without_secret(commented.as_bytes(), ID, SECRET, &|_| true)).unwrap();
        assert_eq!(
            after,
            format!("[dev]\n# old: ****\nmfatui_keyring = {ID}\n")
        );
        let broken = format!("key before any section = {SECRET}\n[dev]\n[dev]\n{SECRET}{SECRET}");
        let after = without_secret(broken.as_bytes(), ID, SECRET, &|_| true);
        assert_eq!(
            after,
            b"key before any section = ****\n[dev]\n[dev]\n********".to_vec()
        );
        let not_utf8 = [b"x = ".as_slice(), SECRET.as_bytes(), &[0xff, b'\n']].concat();
        assert_eq!(
            without_secret(&not_utf8, ID, SECRET, &|_| true),
            b"x = ****\xff\n".to_vec()
        );
    }

    #[test]
    fn holding_finds_the_backups_with_the_secret_and_rewrite_keeps_them_private() {
        let home = tempfile::tempdir().unwrap();
        let file = home.path().join("credentials");
        let dir = beside(&file);
        let with = create(&file, &dir, SECRET.as_bytes(), at("2026-11-22T14:05:00Z")).unwrap();
        create(&file, &dir, b"[dev]", at("2026-11-22T14:05:01Z")).unwrap();
        let found: Vec<PathBuf> = holding(&file, &dir, SECRET)
            .unwrap()
            .into_iter()
            .map(|b| b.path)
            .collect();
        assert_eq!(found, std::slice::from_ref(&with));
        assert!(holding(&file, &dir, "").unwrap().is_empty());
        rewrite(&with, b"[dev]\nmfatui_keyring = x\n").unwrap();
        assert_eq!(fs::read(&with).unwrap(), b"[dev]\nmfatui_keyring = x\n");
        assert_eq!(
            fs::metadata(&with).unwrap().permissions().mode() & 0o777,
            0o600
        );
        assert!(holding(&file, &dir, SECRET).unwrap().is_empty());
        assert_eq!(
            list(&file, &dir).unwrap().len(),
            2,
            "no stray temporary file is listed"
        );
        let names: Vec<_> = fs::read_dir(&dir)
            .unwrap()
            .flatten()
            .map(|e| e.file_name())
            .collect();
        assert_eq!(
            names.len(),
            3,
            "two backups and the folder's .gitignore: {names:?}"
        );
        assert_eq!(
            fs::read_to_string(dir.join(".gitignore"))
                .unwrap()
                .lines()
                .last(),
            Some("*")
        );
    }
}
