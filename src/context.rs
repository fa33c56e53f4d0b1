//! The run's context, built once at the entry point: where the files are, the user's settings,
//! the environment variables mfatui honours, the clock and the time limits. Every renewal's
//! options are derived from it (`renew::plan::RenewOptions::of`); nothing below the entry point
//! reads the process environment on its own.

use crate::awsfiles::layout::Naming;
use crate::awsfiles::{AwsPaths, LoadError, OnChange, PassedOver, Snapshot, WriteOptions};
pub use crate::env::Env;
use crate::settings::Settings;
use chrono::{DateTime, Utc};
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// How long mfatui waits for things that can hang.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Timeouts {
    /// Opening a connection to AWS (`MFATUI_CONNECT_TIMEOUT`, 5 s).
    pub connect: Duration,
    /// One whole AWS call, retries included (`MFATUI_CALL_TIMEOUT`, 30 s).
    pub call: Duration,
    /// Waiting for another mfatui's renewal of the same target, or for the open window to
    /// answer a request (`MFATUI_RENEW_WAIT`, 180 s: someone may be typing a code).
    pub renew_wait: Duration,
    /// An `mfa_process` command (`sessions.mfa_process_timeout`, 60 s).
    pub mfa_process: Duration,
    /// Trying a rotated key while IAM's change propagates (`MFATUI_ROTATE_VERIFY_SECS`, 30 s).
    pub rotate_verify: Duration,
}

/// Where "now" comes from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Clock {
    /// The system clock.
    System,
    /// A fixed instant (tests, snapshots).
    Fixed(DateTime<Utc>),
}

/// Everything a command needs to know about the run.
#[derive(Clone, Debug)]
pub struct Context {
    /// The shared files and caches.
    pub paths: AwsPaths,
    /// The user's settings.
    pub settings: Settings,
    /// Where the settings file is (`s` and `f` in the TUI save there).
    pub settings_path: PathBuf,
    /// The environment of the run.
    pub env: Env,
    /// Time limits.
    pub timeouts: Timeouts,
    /// The open window's request socket, or `None` where requests must not cross (the demo,
    /// tests): set by the entry point.
    pub requests: Option<PathBuf>,
    /// Whether this is the offline demo (hints then say `--demo`).
    pub demo: bool,
    /// The clock.
    pub clock: Clock,
    /// The shared files this run's reads passed over ([`Context::snapshot`]): the entry point
    /// adds them to a failure's sentence, as data, without reading the files again.
    pub passed_over: PassedOverLog,
}

/// The files a run's reads passed over, shared by every copy of the run's context.
#[derive(Clone, Debug, Default)]
pub struct PassedOverLog(Arc<Mutex<Vec<PassedOver>>>);

impl PassedOverLog {
    /// Adds `files`, each once.
    pub fn record(&self, files: impl IntoIterator<Item = PassedOver>) {
        let mut seen = self.0.lock().unwrap_or_else(|e| e.into_inner());
        for file in files {
            if !seen.contains(&file) {
                seen.push(file);
            }
        }
    }

    /// Every file passed over so far, in the order first seen.
    pub fn files(&self) -> Vec<PassedOver> {
        self.0.lock().unwrap_or_else(|e| e.into_inner()).clone()
    }
}

impl Context {
    /// The context of a run with this environment, settings and files.
    pub fn new(env: Env, paths: AwsPaths, settings: Settings, settings_path: PathBuf) -> Context {
        let timeouts = Timeouts {
            connect: env.seconds("MFATUI_CONNECT_TIMEOUT", 5),
            call: env.seconds("MFATUI_CALL_TIMEOUT", 30),
            renew_wait: env.seconds("MFATUI_RENEW_WAIT", 180),
            mfa_process: Duration::from_secs(settings.mfa_process_timeout_secs),
            rotate_verify: env.seconds("MFATUI_ROTATE_VERIFY_SECS", 30),
        };
        Context {
            paths,
            settings,
            settings_path,
            env,
            timeouts,
            requests: None,
            demo: false,
            clock: Clock::System,
            passed_over: PassedOverLog::default(),
        }
    }

    /// One read of the shared files ([`Snapshot::load`] with the run's naming); the files it
    /// passed over are kept in [`Context::passed_over`] for the run's last word.
    pub fn snapshot(&self) -> Result<Snapshot, LoadError> {
        let snapshot = Snapshot::load(&self.paths, &self.naming())?;
        self.passed_over.record(snapshot.passed_over());
        Ok(snapshot)
    }

    /// Now.
    pub fn now(&self) -> DateTime<Utc> {
        match self.clock {
            Clock::System => Utc::now(),
            Clock::Fixed(at) => at,
        }
    }

    /// How sessions are named and where role renewals go, from the settings.
    pub fn naming(&self) -> Naming {
        self.settings.naming()
    }

    /// Writer options from the settings (`backups.keep`, `backups.dir`).
    pub fn write_options(&self, on_change: OnChange) -> WriteOptions {
        WriteOptions {
            keep_backups: self.settings.backups_keep,
            backup_dir: self.backups_dir(),
            now: self.now(),
            ..WriteOptions::new(on_change)
        }
    }

    /// `$XDG_RUNTIME_DIR` when it is this user's private folder: where a run's short-lived
    /// files (sign-in pages, `exec --server` copies) go. Without one they go to mfatui's cache
    /// folder, never to the shared temporary folder, where a name, once removed, can be made
    /// again by another user for a process still reading it.
    pub fn runtime_dir(&self) -> Option<PathBuf> {
        use std::os::unix::fs::MetadataExt;
        let uid = rustix::process::geteuid().as_raw();
        self.env
            .get_os("XDG_RUNTIME_DIR")
            .map(PathBuf::from)
            .filter(|dir| {
                std::fs::symlink_metadata(dir)
                    .is_ok_and(|m| m.is_dir() && m.uid() == uid && m.mode() & 0o077 == 0)
            })
    }

    /// `backups.dir` with a leading `~/` read as the home folder, if set.
    pub fn backups_dir(&self) -> Option<PathBuf> {
        let dir = self.settings.backups_dir.as_ref()?;
        Some(match dir.strip_prefix("~") {
            Ok(rest) => PathBuf::from(self.env.get("HOME").unwrap_or_default()).join(rest),
            Err(_) => dir.clone(),
        })
    }

    /// The command a hint tells the user to run: `mfatui ARGS`, with `--demo` in the demo,
    /// every argument shell-quoted.
    pub fn command(&self, args: &[&str]) -> String {
        crate::awsfiles::shlex::mfatui_command(self.demo, args)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_copy_of_the_context_records_the_files_its_reads_passed_over_once() {
        let dir = tempfile::tempdir().unwrap();
        let config = dir.path().join("config");
        std::fs::create_dir(&config).unwrap();
        let paths = AwsPaths::from_lookup(|key| match key {
            "AWS_CONFIG_FILE" => Some(config.display().to_string()),
            "HOME" => Some(dir.path().display().to_string()),
            _ => None,
        });
        let ctx = Context::new(
            Env::default(),
            paths,
            Settings::default(),
            dir.path().join("config.toml"),
        );
        assert_eq!(ctx.passed_over.files(), []);
        let copy = ctx.clone();
        copy.snapshot().unwrap();
        ctx.snapshot().unwrap();
        let files = ctx.passed_over.files();
        assert_eq!(files.len(), 1, "{files:?}");
        assert_eq!(files[0].path, config);
        assert_eq!(files[0].what, "a directory");
    }
}
