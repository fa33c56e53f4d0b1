//! Test-only fault injection for the writer (through `safe_fs`), key rotation, the keyring
//! commands and `exec --server`'s holder:
//! `MFATUI_FAULT=STEP:ACTION`.
//!
//! Compiled into debug builds only (`cargo test` uses them); release builds contain no trace of
//! it. STEP is one of `after-backup`, `mid-temp-write`, `before-rename`, `after-rename`,
//! `rotate-after-create`, `rotate-after-write`, `rotate-verify`, `rotate-before-retire` (where
//! `fail` does nothing), `keyring-after-store`, `keyring-before-scrub`, `keyring-before-delete`,
//! `holder-adopt`;
//! ACTION is `fail` (return an I/O error), `abort` (kill the process on the spot), `hang`
//! (stop there until killed, for `kill -9` tests), `pause` (wait one second, then go on,
//! so that two processes overlap) or `stop` (SIGSTOP itself: the test changes the world,
//! then sends SIGCONT). Several `STEP:ACTION` may be given, separated by commas.

use std::io;

/// The points in a write where a fault can be injected.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Step {
    /// The backup is on disk; the temporary file does not exist yet.
    AfterBackup,
    /// Half of the new content is in the temporary file.
    MidTempWrite,
    /// The temporary file is complete and synced; the rename has not happened.
    BeforeRename,
    /// The rename happened; the directory is not synced yet.
    AfterRename,
    /// Rotation: the new key exists in IAM; the file does not have it yet.
    RotateAfterCreate,
    /// Rotation of a key kept in the OS keyring: the keyring holds the new key; the file's
    /// marker still names the old one.
    RotateAfterKeyring,
    /// Rotation: the file has the new key; it is not verified yet.
    RotateAfterWrite,
    /// Rotation: verifying the new key (a fault makes it fail).
    RotateVerify,
    /// Rotation: the new key is verified and every place names it; the old key is not
    /// retired yet.
    RotateBeforeRetire,
    /// `keyring store`/`add`: the keyring holds the keys (read back); the files are unchanged.
    KeyringAfterStore,
    /// `keyring store`: the files no longer hold the secret; backups still may.
    KeyringBeforeScrub,
    /// `keyring restore`: the file holds the keys again; the keyring entry is not deleted yet.
    KeyringBeforeDelete,
    /// `exec --server`'s holder takes over its inherited descriptors (a fault plays a kernel
    /// before 5.6, which has no `pidfd_getfd`).
    HolderAdopt,
}

impl Step {
    #[cfg(debug_assertions)]
    fn name(self) -> &'static str {
        match self {
            Step::AfterBackup => "after-backup",
            Step::MidTempWrite => "mid-temp-write",
            Step::BeforeRename => "before-rename",
            Step::AfterRename => "after-rename",
            Step::RotateAfterCreate => "rotate-after-create",
            Step::RotateAfterKeyring => "rotate-after-keyring",
            Step::RotateAfterWrite => "rotate-after-write",
            Step::RotateVerify => "rotate-verify",
            Step::RotateBeforeRetire => "rotate-before-retire",
            Step::KeyringAfterStore => "keyring-after-store",
            Step::KeyringBeforeScrub => "keyring-before-scrub",
            Step::KeyringBeforeDelete => "keyring-before-delete",
            Step::HolderAdopt => "holder-adopt",
        }
    }
}

/// Injects the configured fault if `step` is the one named in `MFATUI_FAULT`.
#[cfg(debug_assertions)]
pub fn point(step: Step) -> io::Result<()> {
    let Ok(spec) = std::env::var("MFATUI_FAULT") else {
        return Ok(());
    };
    let Some((name, action)) = spec
        .split(',')
        .filter_map(|one| one.split_once(':'))
        .find(|(name, _)| *name == step.name())
    else {
        return Ok(());
    };
    match action {
        "fail" => Err(io::Error::other(format!("injected fault at {name}"))),
        "abort" => std::process::abort(),
        "pause" => {
            std::thread::sleep(std::time::Duration::from_secs(1));
            Ok(())
        }
        "stop" => {
            let _ = rustix::process::kill_process(
                rustix::process::getpid(),
                rustix::process::Signal::STOP,
            );
            Ok(())
        }
        "hang" => loop {
            std::thread::sleep(std::time::Duration::from_secs(60));
        },
        _ => Ok(()),
    }
}

/// Release builds: no fault injection.
#[cfg(not(debug_assertions))]
#[inline(always)]
pub fn point(_step: Step) -> io::Result<()> {
    Ok(())
}
