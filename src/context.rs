//! The run's context, built once at the entry point: where the files are, the user's settings,
//! the environment variables mfatui honours, the clock and the time limits. Every renewal's
//! options come from here ([`Context::renew_options`]); nothing below the entry point reads the
//! process environment on its own.

use crate::awsfiles::layout::Naming;
use crate::awsfiles::{AwsPaths, OnChange, WriteOptions};
use crate::renew::plan::RenewOptions;
use crate::settings::Settings;
use chrono::{DateTime, Utc};
use std::collections::HashMap;
use std::path::PathBuf;
use std::time::Duration;

/// The environment variables of the run, captured once.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Env(HashMap<String, String>);

impl Env {
    /// The process environment (variables that are not UTF-8 are left out).
    pub fn from_process() -> Env {
        Env(std::env::vars().collect())
    }

    /// An environment of exactly these variables (for tests and sandboxes).
    pub fn from_pairs(pairs: &[(&str, &str)]) -> Env {
        Env(pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect())
    }

    /// The value of `key`, if set and not empty.
    pub fn get(&self, key: &str) -> Option<&str> {
        self.0
            .get(key)
            .map(String::as_str)
            .filter(|v| !v.is_empty())
    }

    /// `key` as a number of seconds, or `default`.
    pub fn seconds(&self, key: &str, default: u64) -> Duration {
        Duration::from_secs(
            self.get(key)
                .and_then(|v| v.trim().parse().ok())
                .unwrap_or(default),
        )
    }

    /// A lookup function over this environment (owned values), for code that takes one.
    pub fn lookup(&self) -> impl Fn(&str) -> Option<String> + '_ {
        move |k| self.get(k).map(str::to_owned)
    }
}

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
    /// The open window's request socket, or `None` where requests must not cross (the demo).
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
        let requests = Some(crate::serve::requests::socket_path(&env));
        Context {
            paths,
            settings,
            settings_path,
            env,
            timeouts,
            requests,
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

    /// The options for renewing `profile` now: the settings (its `[profiles.NAME]` entry
    /// included), the MFA tools' variables, the timeouts. The only place they are gathered.
    pub fn renew_options(&self, profile: &str, now: DateTime<Utc>) -> RenewOptions {
        let s = &self.settings;
        let over = s.profiles.get(profile).cloned().unwrap_or_default();
        let env = |keys: &[&str]| keys.iter().find_map(|k| self.env.get(k));
        RenewOptions {
            mode: over.mode,
            duration: over.duration,
            session_default: s.session_duration,
            role_default: s.role_duration,
            env_session_duration: env(&["AWS_MFA_TTL", "MFA_STS_DURATION"])
                .and_then(|v| v.trim().parse().ok()),
            env_serial: env(&["AWS_MFA_SERIAL", "MFA_DEVICE"])
                .filter(|v| !v.trim().is_empty())
                .map(str::to_owned),
            user: self.env.get("USER").unwrap_or("user").to_owned(),
            freshness: s.freshness(),
            demo: self.demo,
            now,
            connect_timeout: self.timeouts.connect,
            call_timeout: self.timeouts.call,
            env: self
                .env
                .0
                .iter()
                .filter(|(k, _)| k.starts_with("AWS_") || *k == "REQUESTS_CA_BUNDLE")
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect(),
        }
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
