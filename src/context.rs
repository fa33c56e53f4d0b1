//! The run's context, built once at the entry point: where the files are, the user's settings,
//! the environment variables mfatui honours, the clock and the time limits. Every renewal's
//! options are derived from it (`renew::plan::RenewOptions::of`); nothing below the entry point
//! reads the process environment on its own.

use crate::awsfiles::layout::Naming;
use crate::awsfiles::{AwsPaths, OnChange, WriteOptions};
pub use crate::env::Env;
use crate::settings::Settings;
use chrono::{DateTime, Utc};
use std::path::PathBuf;
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
        }
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
