//! Filesystem safety, in one place: replacing a file atomically (a temporary file in the same
//! folder, synced, renamed over the file, the folder synced; mode and owner kept; through
//! symbolic links, keeping the link), private folders (created 0700, checked to be this
//! user's), and waiting for a lock (blocking, or from async code without blocking the
//! runtime's threads).

use crate::fault::{self, Step};
use std::fs::{self, File, TryLockError};
use std::io::{self, Write};
use std::os::unix::fs::{DirBuilderExt, MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// How often a lock held by someone else is tried again.
const LOCK_POLL: Duration = Duration::from_millis(20);

/// Why another user could have chosen what a file says (a command to run), if one could: it
/// is another user's (root's counts as the user's own), or a group or others may write it (a
/// primary group such as `users` may hold other users: attack round 10).
pub fn others_may_change(meta: &fs::Metadata) -> Option<String> {
    use std::os::unix::fs::MetadataExt;
    let me = rustix::process::geteuid().as_raw();
    let mode = meta.mode() & 0o7777;
    if meta.uid() != me && meta.uid() != 0 {
        Some(format!("it belongs to another user (uid {})", meta.uid()))
    } else if mode & 0o022 != 0 {
        Some(format!("other users may change it (mode {mode:04o})"))
    } else {
        None
    }
}

/// Follows symbolic links to the real file, so that a write goes through the link and keeps
/// it (a missing target is where the link points).
pub fn resolve_symlinks(path: &Path) -> io::Result<PathBuf> {
    let mut current = path.to_owned();
    for _ in 0..40 {
        match fs::symlink_metadata(&current) {
            Ok(meta) if meta.file_type().is_symlink() => {
                let link = fs::read_link(&current)?;
                current = match current.parent() {
                    Some(dir) if link.is_relative() => dir.join(link),
                    _ => link,
                };
            }
            _ => return Ok(current),
        }
    }
    Err(io::Error::other("too many levels of symbolic links"))
}

/// The folder a file is in (`.` for a bare name).
fn folder_of(path: &Path) -> PathBuf {
    match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_owned(),
        _ => PathBuf::from("."),
    }
}

/// Creates `dir` and its missing parents, mode 0700 (an existing folder is left as it is).
pub fn create_private(dir: &Path) -> io::Result<()> {
    fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(dir)
}

/// Creates exactly `dir`, mode 0700: an existing file or folder there is an error
/// (`ErrorKind::AlreadyExists`), so the folder is this run's own.
pub fn create_private_new(dir: &Path) -> io::Result<()> {
    fs::DirBuilder::new().mode(0o700).create(dir)
}

/// Creates a new folder with an unpredictable name `PREFIX…` in `parent`, mode 0700, and
/// returns its path (kept: the caller removes it).
pub fn fresh_private_dir(parent: &Path, prefix: &str) -> io::Result<PathBuf> {
    Ok(tempfile::Builder::new()
        .prefix(prefix)
        .permissions(fs::Permissions::from_mode(0o700))
        .tempdir_in(parent)?
        .keep())
}

/// Creates `dir` (and missing parents) mode 0700 when missing, and checks that it is a
/// folder owned by this user (through a symbolic link to one is fine: `~/.aws` often is).
pub fn private_dir(dir: &Path) -> io::Result<()> {
    create_private(dir)?;
    let meta = fs::metadata(dir)?;
    if !meta.is_dir() {
        return Err(io::Error::other(format!(
            "{} is not a folder",
            dir.display()
        )));
    }
    if meta.uid() != rustix::process::geteuid().as_raw() {
        return Err(io::Error::other(format!(
            "{} belongs to another user (uid {})",
            dir.display(),
            meta.uid()
        )));
    }
    Ok(())
}

/// The prefix of the temporary files [`replace`] makes for `target` (`.NAME.mfatui-`), so
/// that the writer can remove the ones a killed run left behind.
pub fn temp_prefix(target: &Path) -> String {
    let name = target
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    format!(".{name}.mfatui-")
}

/// The most mfatui reads from any one file: far above any real AWS file, settings file or
/// cache entry, far below what would exhaust memory.
pub const READ_CAP: u64 = 64 << 20;

/// What a path that is not a regular file is, in words.
pub fn file_type_name(meta: &fs::Metadata) -> &'static str {
    use std::os::unix::fs::FileTypeExt;
    let t = meta.file_type();
    if t.is_dir() {
        "a directory"
    } else if t.is_fifo() {
        "a FIFO"
    } else if t.is_socket() {
        "a socket"
    } else if t.is_char_device() {
        "a character device"
    } else if t.is_block_device() {
        "a block device"
    } else {
        "not a regular file"
    }
}

fn not_regular(meta: &fs::Metadata) -> io::Error {
    io::Error::new(
        io::ErrorKind::InvalidInput,
        format!(
            "it is {}, not a regular file, so mfatui does not read it",
            file_type_name(meta)
        ),
    )
}

/// Reads a whole file, the one way every file mfatui reads is read: a FIFO, a device (say
/// `/dev/zero` through a symbolic link), a socket or a folder is refused with one sentence
/// before it can block or fill memory; the type is checked on the path, then again on the
/// open file (opened non-blocking, so a FIFO swapped in between cannot hang the open); more
/// than [`READ_CAP`] bytes is refused too. A missing file keeps `ErrorKind::NotFound`.
pub fn read(path: &Path) -> io::Result<Vec<u8>> {
    let (file, _) = open_regular(path)?;
    read_capped(file)
}

/// Opens `path` for reading only if it is a regular file (checked on the path, then on the
/// file opened non-blocking), with the open file's metadata, for a reader that also checks
/// owner and mode. Read it with [`read_capped`].
pub fn open_regular(path: &Path) -> io::Result<(File, fs::Metadata)> {
    use std::os::unix::fs::OpenOptionsExt;
    let meta = fs::metadata(path)?;
    if !meta.is_file() {
        return Err(not_regular(&meta));
    }
    let flags = rustix::fs::OFlags::NONBLOCK | rustix::fs::OFlags::NOCTTY;
    let file = fs::OpenOptions::new()
        .read(true)
        .custom_flags(flags.bits() as i32)
        .open(path)?;
    let meta = file.metadata()?;
    if !meta.is_file() {
        return Err(not_regular(&meta));
    }
    Ok((file, meta))
}

/// Reads an open file to its end, refusing more than [`READ_CAP`] bytes.
pub fn read_capped(file: File) -> io::Result<Vec<u8>> {
    use std::io::Read;
    let len = file.metadata().map_or(0, |m| m.len());
    let mut bytes = Vec::with_capacity(len.min(READ_CAP) as usize);
    file.take(READ_CAP + 1).read_to_end(&mut bytes)?;
    if bytes.len() as u64 > READ_CAP {
        return Err(io::Error::new(
            io::ErrorKind::InvalidData,
            format!(
                "it is larger than {} MiB, more than mfatui reads",
                READ_CAP >> 20
            ),
        ));
    }
    Ok(bytes)
}

/// [`read`] as UTF-8 text (`ErrorKind::InvalidData` when it is not).
pub fn read_to_string(path: &Path) -> io::Result<String> {
    String::from_utf8(read(path)?).map_err(|_| {
        io::Error::new(
            io::ErrorKind::InvalidData,
            "it is not UTF-8 text".to_owned(),
        )
    })
}

/// A step of [`replace`] the system refused.
#[derive(Debug, thiserror::Error)]
#[error("{step}: {source}")]
pub struct ReplaceError {
    /// What was being done (`creating a temporary file`, `syncing the folder`, …).
    pub step: &'static str,
    /// The OS error.
    #[source]
    pub source: io::Error,
    /// Whether the rename had already happened (the new content is in place).
    pub after_rename: bool,
}

impl From<ReplaceError> for io::Error {
    fn from(e: ReplaceError) -> io::Error {
        io::Error::new(e.source.kind(), e.to_string())
    }
}

/// Replaces `target` (through its symbolic links) with `bytes`: a temporary file (0600) in
/// the same folder → write → the file's mode and owner (0600 for a new file) → fsync →
/// rename → fsync the folder. The folder is created 0700 when missing. A crash leaves the old
/// or the new content, whole.
pub fn replace(target: &Path, bytes: &[u8]) -> Result<(), ReplaceError> {
    replace_file(target, bytes, false)
}

/// [`replace`] with the writer's fault points (`mid-temp-write`, `before-rename`,
/// `after-rename`; debug builds only).
pub fn replace_with_fault_points(target: &Path, bytes: &[u8]) -> Result<(), ReplaceError> {
    replace_file(target, bytes, true)
}

fn replace_file(target: &Path, bytes: &[u8], faults: bool) -> Result<(), ReplaceError> {
    let fail = |step: &'static str, after_rename: bool| {
        move |source: io::Error| ReplaceError {
            step,
            source,
            after_rename,
        }
    };
    let point = |step: Step| if faults { fault::point(step) } else { Ok(()) };
    let target = &resolve_symlinks(target).map_err(fail("resolving the file's symlink", false))?;
    let dir = folder_of(target);
    create_private(&dir).map_err(fail("creating the folder", false))?;
    let existing = fs::metadata(target).ok();
    let mode = existing
        .as_ref()
        .map_or(0o600, |m| m.permissions().mode() & 0o7777);
    let mut temp = tempfile::Builder::new()
        .prefix(&temp_prefix(target))
        .suffix(".tmp")
        .permissions(fs::Permissions::from_mode(0o600))
        .tempfile_in(&dir)
        .map_err(fail("creating a temporary file", false))?;
    let half = bytes.len() / 2;
    temp.write_all(&bytes[..half])
        .map_err(fail("writing the temporary file", false))?;
    point(Step::MidTempWrite).map_err(fail("writing the temporary file", false))?;
    temp.write_all(&bytes[half..])
        .map_err(fail("writing the temporary file", false))?;
    let file = temp.as_file();
    file.set_permissions(fs::Permissions::from_mode(mode))
        .map_err(fail("setting permissions", false))?;
    if let Some(meta) = &existing {
        let mine = file.metadata().ok();
        if mine
            .as_ref()
            .is_some_and(|m| m.uid() != meta.uid() || m.gid() != meta.gid())
        {
            std::os::unix::fs::fchown(file, Some(meta.uid()), Some(meta.gid()))
                .map_err(fail("keeping the owner", false))?;
        }
    }
    file.sync_all()
        .map_err(fail("syncing the temporary file", false))?;
    point(Step::BeforeRename).map_err(fail("before the rename", false))?;
    temp.persist(target)
        .map_err(|e| fail("replacing the file", false)(e.error))?;
    point(Step::AfterRename).map_err(fail("after the rename", true))?;
    File::open(&dir)
        .and_then(|d| d.sync_all())
        .map_err(fail("syncing the folder", true))?;
    Ok(())
}

/// Tries once to take `file`'s exclusive advisory lock: `Ok(false)` when someone else holds it.
pub fn try_lock(file: &File) -> io::Result<bool> {
    match file.try_lock() {
        Ok(()) => Ok(true),
        Err(TryLockError::WouldBlock) => Ok(false),
        Err(TryLockError::Error(e)) => Err(e),
    }
}

/// Calls `attempt` until it gives a value or `timeout` has passed (`Ok(None)`), sleeping
/// between tries. Blocking: for code off the async runtime.
pub fn wait_blocking<T>(
    timeout: Duration,
    attempt: impl FnMut() -> io::Result<Option<T>>,
) -> io::Result<Option<T>> {
    wait_blocking_every(timeout, LOCK_POLL, attempt)
}

/// [`wait_blocking`], trying again every `every` (for something slower to look at than a lock).
pub fn wait_blocking_every<T>(
    timeout: Duration,
    every: Duration,
    mut attempt: impl FnMut() -> io::Result<Option<T>>,
) -> io::Result<Option<T>> {
    let start = Instant::now();
    loop {
        if let Some(value) = attempt()? {
            return Ok(Some(value));
        }
        if start.elapsed() >= timeout {
            return Ok(None);
        }
        std::thread::sleep(every);
    }
}

/// [`wait_blocking`] for async code: the waits between tries are the runtime's timers, so no
/// runtime thread is blocked.
pub async fn wait<T>(
    timeout: Duration,
    mut attempt: impl FnMut() -> io::Result<Option<T>>,
) -> io::Result<Option<T>> {
    let start = Instant::now();
    loop {
        if let Some(value) = attempt()? {
            return Ok(Some(value));
        }
        if start.elapsed() >= timeout {
            return Ok(None);
        }
        tokio::time::sleep(LOCK_POLL).await;
    }
}

/// Waits up to `timeout` for `file`'s exclusive advisory lock, blocking (`Ok(false)`: still
/// held by someone else).
pub fn lock_blocking(file: &File, timeout: Duration) -> io::Result<bool> {
    wait_blocking(timeout, || Ok(try_lock(file)?.then_some(()))).map(|got| got.is_some())
}

/// [`lock_blocking`] for async code.
pub async fn lock(file: &File, timeout: Duration) -> io::Result<bool> {
    wait(timeout, || Ok(try_lock(file)?.then_some(())))
        .await
        .map(|got| got.is_some())
}

#[cfg(test)]
mod tests {
    #[test]
    fn read_refuses_a_fifo_and_a_device_without_blocking() {
        let dir = tempfile::tempdir().unwrap();
        let fifo = dir.path().join("fifo");
        let made = std::process::Command::new("mkfifo")
            .arg(&fifo)
            .status()
            .unwrap();
        assert!(made.success());
        let e = super::read(&fifo).unwrap_err();
        assert!(e.to_string().contains("a FIFO, not a regular file"), "{e}");
        let zero = dir.path().join("zero");
        std::os::unix::fs::symlink("/dev/zero", &zero).unwrap();
        let e = super::read_to_string(&zero).unwrap_err();
        assert!(e.to_string().contains("a character device"), "{e}");
        let e = super::read(dir.path()).unwrap_err();
        assert!(e.to_string().contains("a directory"), "{e}");
        let missing = super::read(&dir.path().join("missing")).unwrap_err();
        assert_eq!(missing.kind(), std::io::ErrorKind::NotFound);
        let file = dir.path().join("file");
        std::fs::write(&file, "text").unwrap();
        assert_eq!(super::read_to_string(&file).unwrap(), "text");
    }

    use super::*;

    #[test]
    fn replace_keeps_the_mode_goes_through_links_and_leaves_no_temporary_file() {
        let dir = tempfile::tempdir().unwrap();
        let real = dir.path().join("real");
        fs::write(&real, "old").unwrap();
        fs::set_permissions(&real, fs::Permissions::from_mode(0o640)).unwrap();
        let link = dir.path().join("link");
        std::os::unix::fs::symlink("real", &link).unwrap();
        replace(&link, b"new").unwrap();
        assert!(fs::symlink_metadata(&link)
            .unwrap()
            .file_type()
            .is_symlink());
        assert_eq!(fs::read(&real).unwrap(), b"new");
        assert_eq!(fs::metadata(&real).unwrap().mode() & 0o7777, 0o640);
        let fresh = dir.path().join("sub/new.json");
        replace(&fresh, b"{}").unwrap();
        assert_eq!(fs::metadata(&fresh).unwrap().mode() & 0o7777, 0o600);
        assert_eq!(
            fs::metadata(dir.path().join("sub")).unwrap().mode() & 0o777,
            0o700
        );
        let names: Vec<_> = fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .collect();
        assert!(names.iter().all(|n| !n.ends_with(".tmp")), "{names:?}");
    }

    #[test]
    fn private_dir_is_made_0700_and_must_be_a_folder() {
        let dir = tempfile::tempdir().unwrap();
        let made = dir.path().join("a/b");
        private_dir(&made).unwrap();
        assert_eq!(fs::metadata(&made).unwrap().mode() & 0o777, 0o700);
        let file = dir.path().join("file");
        fs::write(&file, "").unwrap();
        assert!(private_dir(&file).is_err());
    }

    #[test]
    fn waits_give_up_in_time_and_take_a_freed_lock() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("lock");
        let held = File::create(&path).unwrap();
        assert!(try_lock(&held).unwrap());
        let other = File::open(&path).unwrap();
        let start = Instant::now();
        let got = wait_blocking(Duration::from_millis(100), || {
            Ok(try_lock(&other)?.then_some(()))
        });
        assert!(got.unwrap().is_none() && start.elapsed() >= Duration::from_millis(100));
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_time()
            .build()
            .unwrap();
        let got = runtime.block_on(async {
            let free = async {
                tokio::time::sleep(Duration::from_millis(60)).await;
                held.unlock().unwrap();
            };
            let wait = wait(Duration::from_secs(5), || {
                Ok(try_lock(&other)?.then_some(()))
            });
            tokio::join!(free, wait).1
        });
        assert!(
            got.unwrap().is_some(),
            "taken once freed, by a single-threaded runtime"
        );
    }
}
