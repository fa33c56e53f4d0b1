//! The one way mfatui writes a shared file: lock, re-read, backup, atomic replace.
//!
//! For each file of a [`Plan`]: take an advisory lock (`.mfatui-backups/NAME.lock`), remove
//! temporary files a killed run left behind, re-read the file and compare it with what was
//! loaded. If someone else changed it, the planned key-level edits are re-applied onto the
//! fresh content (or the write is refused, by policy, or when they touched the same keys).
//! Then: timestamped backup (0600) → temporary file in the same directory → fsync → rename
//! over the real file (through symlinks, keeping the link) → fsync the directory. The file's
//! mode and owner are kept; a new file gets 0600.
//!
//! The backup folders (the lock's, beside the file, and `backups.dir`) must be this user's
//! private folders ([`check_backup_folders`], checked before any STS call too), and the lock
//! file is never opened through a symbolic link.

use super::backup;
use super::cli_cache::CacheEntry;
use super::document::{Document, EditError};
use super::plan::{apply_edits, FileChange, Plan};
use crate::fault::{self, Step};
use crate::safe_fs::{self, resolve_symlinks};
use chrono::{DateTime, Utc};
use std::fs::{self, File};
use std::io;
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::time::Duration;
use thiserror::Error;

/// What to do when a file changed on disk after it was loaded.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OnChange {
    /// Re-apply the edits onto the fresh content and write (other keys' changes are kept).
    Merge,
    /// Write nothing; return [`WriteError::Changed`] with the re-planned change to show.
    Refuse,
}

/// Settings of one commit.
#[derive(Clone, Debug)]
pub struct WriteOptions {
    /// Backups kept per file (the newest; the one just made always survives).
    pub keep_backups: usize,
    /// Policy for files changed on disk since they were loaded.
    pub on_change: OnChange,
    /// The time used to name backups.
    pub now: DateTime<Utc>,
    /// How long to wait for another mfatui's lock.
    pub lock_timeout: Duration,
    /// Where backups go (`backups.dir`); default `.mfatui-backups` beside each file.
    pub backup_dir: Option<PathBuf>,
}

impl WriteOptions {
    /// Defaults: keep 20 backups, merge, now, wait up to 10 s for a lock.
    pub fn new(on_change: OnChange) -> Self {
        WriteOptions {
            keep_backups: backup::DEFAULT_KEEP,
            on_change,
            now: Utc::now(),
            lock_timeout: Duration::from_secs(10),
            backup_dir: None,
        }
    }
}

/// What was done to one file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Written {
    /// The file as configured.
    pub path: PathBuf,
    /// The backup made first (`None` if the file did not exist or did not change).
    pub backup: Option<PathBuf>,
    /// Whether the edits were re-applied onto content someone else had changed.
    pub merged: bool,
    /// Whether this is an AWS CLI cache entry (no backup: a cache, not the user's file).
    pub cache: bool,
    /// The file's mode when other users of this machine may read it (a group or other read
    /// bit) and it holds keys (a secret key or a session token): the AWS CLI makes it 0600,
    /// an editor under umask 022 0644. The mode is kept as found; what is said names it
    /// (attack round 15, E-10).
    pub exposed: Option<u32>,
}

impl Written {
    /// One sentence when [`Written::exposed`] says others may read the keys just written.
    pub fn exposure(&self) -> Option<String> {
        self.exposed.map(|mode| {
            format!(
                "{} holds keys and other users of this machine can read it (mode {mode:04o}): `chmod 600 {}` keeps them yours",
                self.path.display(),
                self.path.display()
            )
        })
    }
}

/// `target`'s mode for [`Written::exposed`], when `doc` (what it now holds) has keys.
fn exposed(target: &Path, doc: &Document) -> Option<u32> {
    use std::os::unix::fs::PermissionsExt;
    let mode = fs::metadata(target).ok()?.permissions().mode() & 0o777;
    let keys = doc.structure().ok()?.sections().any(|s| {
        s.entries.iter().any(|e| {
            matches!(&*e.key, "aws_secret_access_key" | "aws_session_token") && !e.value.is_empty()
        })
    });
    (keys && mode & 0o044 != 0).then_some(mode)
}

/// Why a write did not happen (or, for `Io` after the rename, did not finish syncing).
/// The file is never left half-written: it holds either its old or its new content.
#[derive(Debug, Error)]
pub enum WriteError {
    /// The file changed on disk since it was loaded, and the policy was to refuse.
    #[error("{}: changed on disk since mfatui read it; review the new diff before writing", path.display())]
    Changed {
        /// The file.
        path: PathBuf,
        /// The edits re-planned onto the fresh content.
        replanned: Box<FileChange>,
    },
    /// Someone else changed a key this change sets, or the whole file for a restore.
    #[error("{}: {what} was changed on disk by someone else since mfatui read it; nothing was written — reload and try again", path.display())]
    Conflict {
        /// The file.
        path: PathBuf,
        /// What was changed, e.g. `[dev] aws_session_token`.
        what: String,
    },
    /// The file is empty now, or lacks sections, though it had them when mfatui read it:
    /// another program is half-way through saving it (truncated, partly written again).
    #[error("{}: another program seems to be writing this file (for 2 s it has {what}, since mfatui read it); nothing was written — try again when it is done", path.display())]
    BeingWritten {
        /// The file.
        path: PathBuf,
        /// What it shows: `been empty`, `lacked [prod], [ci]`, `ended in the middle of a line`.
        what: String,
    },
    /// Another process holds the lock.
    #[error("{}: another mfatui is writing this file (waited {}s); nothing was written — try again", path.display(), waited.as_secs())]
    Locked {
        /// The file.
        path: PathBuf,
        /// How long we waited.
        waited: Duration,
    },
    /// The edits cannot be applied to the content now on disk.
    #[error("{}: {source}; nothing was written", path.display())]
    Edit {
        /// The file.
        path: PathBuf,
        /// Why.
        source: EditError,
    },
    /// The path is not a regular file (a device, a FIFO, a socket, a folder).
    #[error("{}: it is {what}, not a regular file; mfatui writes only regular files, so nothing was written", path.display())]
    NotRegular {
        /// The file as configured.
        path: PathBuf,
        /// What it is.
        what: &'static str,
    },
    /// The file is read-only by intent (its owner has no write bit), or this user may not write it.
    #[error("{}: {why}; nothing was written — make it writable (chmod u+w) if mfatui should write it", path.display())]
    ReadOnly {
        /// The file as configured.
        path: PathBuf,
        /// Which of the two.
        why: &'static str,
    },
    /// The file belongs to another user: replacing it keeps its owner, which only root may.
    #[error("{}: it belongs to another user (uid {uid}), and mfatui replaces only your own files; nothing was written", path.display())]
    OtherOwner {
        /// The file as configured.
        path: PathBuf,
        /// Its owner.
        uid: u32,
    },
    /// A backup folder is not this user's private folder, or a lock file is a symbolic link.
    #[error(transparent)]
    Untrusted(#[from] backup::Untrusted),
    /// The system refused a step.
    #[error("{}: {step}: {}; {}", path.display(), explain(source), if *after_rename { "the new content is in place but may not be synced to disk yet" } else { "the file was not changed" })]
    Io {
        /// The file.
        path: PathBuf,
        /// What was being done.
        step: &'static str,
        /// The OS error.
        source: io::Error,
        /// Whether the rename had already happened.
        after_rename: bool,
    },
}

/// One short sentence for common OS errors.
fn explain(err: &io::Error) -> String {
    match err.kind() {
        io::ErrorKind::ReadOnlyFilesystem => "the file system is read-only".to_owned(),
        io::ErrorKind::StorageFull => "the disk is full".to_owned(),
        io::ErrorKind::PermissionDenied => "permission denied".to_owned(),
        _ => err.to_string(),
    }
}

/// Writes every file of `plan`, in order, then its AWS CLI cache entries.
pub fn commit(plan: &Plan, options: &WriteOptions) -> Result<Vec<Written>, WriteError> {
    let mut written = plan
        .changes
        .iter()
        .filter(|c| !c.is_noop())
        .map(|c| write_change(c, options))
        .collect::<Result<Vec<_>, _>>()?;
    for entry in &plan.cli_cache {
        write_cache_entry(entry).map_err(io_err(&entry.path, "writing the AWS CLI cache entry"))?;
        written.push(Written {
            path: entry.path.clone(),
            backup: None,
            merged: false,
            cache: true,
            exposed: None,
        });
    }
    Ok(written)
}

/// Writes an AWS CLI cache entry atomically, mode 0600, its folder created 0700 when missing;
/// a path that is not a regular file, or is read-only, is refused.
pub fn write_cache_entry(entry: &CacheEntry) -> io::Result<()> {
    check_writable(&entry.path).map_err(io::Error::other)?;
    safe_fs::replace(&entry.path, entry.json().as_bytes())?;
    Ok(())
}

fn io_err<'a>(path: &'a Path, step: &'static str) -> impl FnOnce(io::Error) -> WriteError + 'a {
    move |source| match backup::Untrusted::within(&source) {
        Some(untrusted) => WriteError::Untrusted(untrusted.clone()),
        None => WriteError::Io {
            path: path.to_owned(),
            step,
            source,
            after_rename: false,
        },
    }
}

/// Checks that the backup folders of `path` — `.mfatui-backups` beside the file its links
/// lead to, which holds the lock (and the backups unless `backups.dir` says otherwise), and
/// `backups` (the `backups.dir` setting) — are this user's private folders or do not exist
/// yet ([`backup::check_dir`]). Called before anything irreversible, with
/// [`check_writable`], and again by the writer itself.
pub fn check_backup_folders(path: &Path, backups: Option<&Path>) -> Result<(), WriteError> {
    backup::check_dir(&backup::lock_dir(path))?;
    if let Some(dir) = backups {
        backup::check_dir(dir)?;
    }
    Ok(())
}

/// Checks that `path` may be replaced: a regular file (or a link to one) whose owner has the
/// write bit and that this user may write, or a path where no file exists yet. Refuses
/// devices, FIFOs, sockets and folders, and read-only files — for root too. Called before
/// anything irreversible (an STS call that spends a code), and again by the writer itself.
pub fn check_writable(path: &Path) -> Result<(), WriteError> {
    let target = resolve_symlinks(path).map_err(io_err(path, "resolving the file's symlink"))?;
    let meta = match fs::metadata(&target) {
        Ok(meta) => meta,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(()),
        Err(e) => return Err(io_err(path, "looking at the file")(e)),
    };
    if !meta.is_file() {
        return Err(WriteError::NotRegular {
            path: path.to_owned(),
            what: super::files::file_type_name(&meta),
        });
    }
    let read_only = |why| WriteError::ReadOnly {
        path: path.to_owned(),
        why,
    };
    if meta.permissions().mode() & 0o200 == 0 {
        return Err(read_only(
            "the file is read-only (its owner has no write permission), which mfatui takes as intent",
        ));
    }
    match rustix::fs::access(&target, rustix::fs::Access::WRITE_OK) {
        Ok(()) => {}
        Err(rustix::io::Errno::ROFS) => return Err(read_only("the file system is read-only")),
        Err(_) => return Err(read_only("this user may not write the file")),
    }
    // A file another user lets others write (0666) passes the checks above, but the replace
    // cannot keep its owner: refused here, before a code is spent (attack round 9).
    let me = rustix::process::geteuid();
    if meta.uid() != me.as_raw() && !me.is_root() {
        return Err(WriteError::OtherOwner {
            path: path.to_owned(),
            uid: meta.uid(),
        });
    }
    Ok(())
}

fn write_change(change: &FileChange, options: &WriteOptions) -> Result<Written, WriteError> {
    let path = change.path.as_path();
    check_writable(path)?;
    check_backup_folders(path, options.backup_dir.as_deref())?;
    let target = resolve_symlinks(path).map_err(io_err(path, "resolving the file's symlink"))?;
    let _lock = lock(path, &target, options.lock_timeout)?;
    remove_stale_temp_files(&target);

    let read = || match crate::safe_fs::read(&target) {
        Ok(bytes) => Ok(Some(bytes)),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(io_err(path, "re-reading the file")(e)),
    };
    let mut current = read()?;
    // A file emptied, or missing sections, since it was read is another program's save in
    // progress (a shell's `> file`, an editor or `gpg -d` writing in place): merging onto it
    // would replace that save with this change alone, the other profiles in no file
    // (attack round 14, R14b-4, D-5). Waited for, 2 s, then nothing is written: a run after
    // it reads the file as it then is (sections removed on purpose included).
    let missing = |now: &Option<Vec<u8>>| match (change.loaded.as_deref(), now.as_deref()) {
        (Some(read), Some(now)) => {
            missing_from(read, now).or_else(|| pair_being_typed(now, &target))
        }
        _ => None,
    };
    for _ in 0..10 {
        if missing(&current).is_none() {
            break;
        }
        std::thread::sleep(Duration::from_millis(200));
        current = read()?;
    }
    if let Some(what) = missing(&current) {
        return Err(WriteError::BeingWritten {
            path: path.to_owned(),
            what,
        });
    }
    let mut merged = false;
    let mut after = change.after.clone();
    if current != change.loaded {
        let replanned = replan(change, current.as_deref())?;
        if options.on_change == OnChange::Refuse {
            return Err(WriteError::Changed {
                path: path.to_owned(),
                replanned: Box::new(replanned),
            });
        }
        after = replanned.after;
        merged = true;
    }
    let new_bytes = after.render();
    if current.as_deref() == Some(new_bytes.as_slice()) {
        return Ok(Written {
            path: path.to_owned(),
            backup: None,
            merged,
            cache: false,
            exposed: exposed(&target, &after),
        });
    }

    let (named, backups) = backup::backups_of(path, options.backup_dir.as_deref());
    let backup = match &current {
        Some(bytes) => Some(
            backup::create(&named, &backups, bytes, options.now)
                .map_err(io_err(path, "making the backup"))?,
        ),
        None => None,
    };
    fault::point(Step::AfterBackup).map_err(io_err(path, "after the backup"))?;
    safe_fs::replace_with_fault_points(&target, &new_bytes).map_err(|e| WriteError::Io {
        path: path.to_owned(),
        step: e.step,
        source: e.source,
        after_rename: e.after_rename,
    })?;
    if let Some(made) = &backup {
        backup::prune(&named, &backups, options.keep_backups, made)
            .map_err(io_err(path, "removing old backups"))?;
    }
    crate::diag!(
        "wrote {} ({} bytes, backup {}, merged {merged})",
        path.display(),
        new_bytes.len(),
        backup
            .as_deref()
            .map_or_else(|| "none".to_owned(), |b| b.display().to_string())
    );
    Ok(Written {
        path: path.to_owned(),
        backup,
        merged,
        cache: false,
        exposed: exposed(&target, &after),
    })
}

/// What `now` lacks of `read` (both the bytes of one file), said for [`WriteError::BeingWritten`]:
/// all its content, sections, settings, or its end (`now` is the start of `read`: the same
/// save cut mid-line); `None` when it lacks none. Text that no longer parses lacks what it
/// cannot be read to have.
fn missing_from(read: &[u8], now: &[u8]) -> Option<String> {
    let blank = |b: &[u8]| b.iter().all(u8::is_ascii_whitespace);
    if blank(read) {
        return None;
    }
    if blank(now) {
        return Some("been empty".to_owned());
    }
    let read_doc = Document::parse(read).ok()?;
    let read_structure = read_doc.structure().ok()?;
    let now_doc = Document::parse(now).ok();
    let now_structure = now_doc.as_ref().and_then(|d| d.structure().ok());
    let shown = |text: &str| crate::text::printable(&super::mask::mask_lookalikes(text), 60);
    let mut lost: Vec<String> = Vec::new();
    for section in read_structure.sections() {
        match now_structure.as_ref().and_then(|n| n.section(section.name)) {
            None => lost.push(format!("[{}]", shown(section.name))),
            // A save cut inside a section: its heading and first lines written, a key pair's
            // secret line not yet (attack round 15, E-3), or cut inside a value: what stands
            // there is the start of what was read (15b, F-6).
            Some(kept) => lost.extend(section.entries.iter().filter_map(|e| {
                let name = format!("[{}] {}", shown(section.name), shown(&e.key));
                match kept.entry(&e.key) {
                    None => Some(name),
                    Some(k) if k.value.len() < e.value.len() && e.value.starts_with(&*k.value) => {
                        Some(format!("the end of {name}"))
                    }
                    Some(_) => None,
                }
            })),
        }
    }
    // The last line cut: this one does not end its last line, and the file read ended it or
    // had another last line (F-6; attack round 15c, G-4: a file read without a final newline).
    let last_line = |b: &[u8]| b.rsplit(|&c| c == b'\n').next().map(<[u8]>::to_vec);
    let cut_mid_line =
        !now.ends_with(b"\n") && (read.ends_with(b"\n") || last_line(read) != last_line(now));
    match lost.len() {
        0 if cut_mid_line => Some("ended in the middle of a line".to_owned()),
        0 if now.len() < read.len() && read.starts_with(now) => {
            Some("been only the start of what it held".to_owned())
        }
        0 => None,
        1..=3 => Some(format!("lacked {}", lost.join(", "))),
        n => Some(format!("lacked {}, … ({n} in all)", lost[..3].join(", "))),
    }
}

/// How long after its last change a file ending in a key id without its secret is taken for a
/// pair being typed into it (`cat >> credentials`, the IAM console's two copy buttons).
const TYPING: Duration = Duration::from_secs(60);

/// Said for [`WriteError::BeingWritten`] when `now` (the bytes of `target`) ends in a section
/// whose last setting is an access key id without its secret and the file changed within
/// [`TYPING`]: the secret line is still to come, into the file this write would replace
/// (attack round 15c, G-3). An older half pair is a broken profile, written around as any.
fn pair_being_typed(now: &[u8], target: &Path) -> Option<String> {
    let recent = fs::metadata(target)
        .and_then(|m| m.modified())
        .ok()
        .and_then(|t| t.elapsed().ok())
        .is_some_and(|age| age < TYPING);
    if !recent {
        return None;
    }
    let doc = Document::parse(now).ok()?;
    let structure = doc.structure().ok()?;
    let last = structure.sections().max_by_key(|s| s.header)?;
    let half = last
        .entries
        .last()
        .is_some_and(|e| e.key == "aws_access_key_id")
        && last.entry("aws_secret_access_key").is_none()
        && last.entry(super::profile::KEYRING_MARKER).is_none();
    half.then(|| {
        let name = crate::text::printable(&super::mask::mask_lookalikes(last.name), 60);
        format!("ended in [{name}] with a key id still waiting for its secret")
    })
}

/// Re-applies the change's edits onto `current` (the file as it is now on disk), refusing
/// when someone else changed a key the edits touch.
fn replan(change: &FileChange, current: Option<&[u8]>) -> Result<FileChange, WriteError> {
    let path = &change.path;
    let describe = |what: String| WriteError::Conflict {
        path: path.clone(),
        what,
    };
    if change.edits.is_empty() {
        return Err(describe("the file".to_owned()));
    }
    let fresh = match current {
        Some(bytes) => Document::parse(bytes).map_err(|e| WriteError::Edit {
            path: path.clone(),
            source: EditError::Invalid(e.to_string()),
        })?,
        None => Document::default(),
    };
    let edit_err = |source| WriteError::Edit {
        path: path.clone(),
        source,
    };
    let before = change.before.structure().map_err(|e| edit_err(e.into()))?;
    let now = fresh.structure().map_err(|e| edit_err(e.into()))?;
    for edit in &change.edits {
        let (section, key) = edit.target();
        if before.value(section, key) != now.value(section, key) {
            return Err(describe(format!("[{section}] {key}")));
        }
    }
    let after = apply_edits(&fresh, &change.edits).map_err(edit_err)?;
    Ok(FileChange {
        kind: change.kind,
        path: path.clone(),
        loaded: current.map(<[u8]>::to_vec),
        before: fresh,
        after,
        edits: change.edits.clone(),
    })
}

/// An exclusive advisory lock on `.mfatui-backups/NAME.lock` beside `target` (the file `path`'s
/// links lead to), held until dropped; the lock file is created 0600 and never opened through
/// a symbolic link.
fn lock(path: &Path, target: &Path, timeout: Duration) -> Result<File, WriteError> {
    // Always beside the real file, whatever `backups.dir` says or the name it is reached by:
    // every writer must meet the same lock.
    let dir = backup::lock_dir(target);
    backup::ensure_dir(&dir).map_err(io_err(path, "creating the backup folder"))?;
    let name = target
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let file = backup::open_lock(&dir.join(format!("{name}.lock")))
        .map_err(io_err(path, "opening the lock file"))?;
    // Blocking: the writer runs off the async runtime (callers in async code use
    // spawn_blocking).
    match safe_fs::lock_blocking(&file, timeout) {
        Ok(true) => Ok(file),
        Ok(false) => Err(WriteError::Locked {
            path: path.to_owned(),
            waited: timeout,
        }),
        Err(e) => Err(io_err(path, "locking the file")(e)),
    }
}

/// Removes temporary files of an earlier run that was killed mid-write (we hold the lock, so
/// no other mfatui is writing one now).
fn remove_stale_temp_files(target: &Path) {
    let prefix = safe_fs::temp_prefix(target);
    let Some(dir) = target.parent() else { return };
    let Ok(entries) = fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        if name.starts_with(&prefix) && name.ends_with(".tmp") {
            let _ = fs::remove_file(entry.path());
        }
    }
}
