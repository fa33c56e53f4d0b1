//! mfatui's own settings: `$XDG_CONFIG_HOME/mfatui/config.toml` (default
//! `~/.config/mfatui/config.toml`). Never required; created on the first change; edited with
//! toml_edit so comments and order survive. An invalid file is reported (key and line) and
//! mfatui goes on with the defaults.

use crate::awsfiles::layout::Naming;
use crate::duration;
use crate::freshness::Freshness;
use crate::mode::Mode;
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use thiserror::Error;
use toml_edit::{DocumentMut, Item};

/// What is wrong with the settings file, or why a change to it was not saved: one sentence
/// each, naming the line and key when it can (the settings hold no secret).
#[derive(Debug, Error)]
pub enum SettingsError {
    /// The text is not TOML (toml_edit's message, on one line).
    #[error("{0}")]
    Toml(String),
    /// A key mfatui does not know, or a value it cannot use.
    #[error("line {line}: {key}: {what}")]
    Bad {
        /// The line of the value (0 when unknown).
        line: usize,
        /// The key, with its tables (`sessions.reuse_min`).
        key: String,
        /// What is wrong.
        what: String,
    },
    /// The two thresholds contradict each other.
    #[error("thresholds.danger must not be longer than thresholds.warn")]
    DangerOverWarn,
    /// The file could not be read or written.
    #[error("{}: {source}", path.display())]
    Io {
        /// The settings file.
        path: PathBuf,
        /// The OS error.
        source: std::io::Error,
    },
    /// The changed file could not be put in place.
    #[error("{}: {source}", path.display())]
    Write {
        /// The settings file.
        path: PathBuf,
        /// The step that failed.
        source: crate::safe_fs::ReplaceError,
    },
    /// A change was not saved because the file on disk is invalid.
    #[error("{}: {source}; fix it before saving from mfatui", path.display())]
    Invalid {
        /// The settings file.
        path: PathBuf,
        /// What is wrong with it.
        source: Box<SettingsError>,
    },
    /// `[profiles]` or its entry is not a table.
    #[error("{0}")]
    NotATable(&'static str),
}

/// The default name of the profile a session is written to (`naming.target`).
pub const DEFAULT_TARGET_PATTERN: &str = "{profile}-mfa";

/// Per-profile overrides (`[profiles.NAME]`).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ProfileOverride {
    /// `mode = "session" | "role"`.
    pub mode: Option<Mode>,
    /// `duration = "2h"`.
    pub duration: Option<u32>,
    /// `target = "NAME-session"` (a name, or a pattern with `{profile}`).
    pub target: Option<String>,
    /// `keep_fresh = true`: the open TUI renews it ahead of expiry when no code is needed.
    pub keep_fresh: bool,
    /// `browser = "firefox -P work %s"`: the command `mfatui console` opens this profile's
    /// console with (`%s` is the sign-in URL; appended when absent), so that accounts keep
    /// their console sessions apart.
    pub browser: Option<String>,
}

/// Whether to use colours.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Colour {
    /// Colours unless `NO_COLOR` is set.
    Auto,
    /// Never.
    Never,
}

/// Every setting, with its default when absent.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Settings {
    /// `durations.session`: GetSessionToken default (12h).
    pub session_duration: u32,
    /// `durations.role`: AssumeRole default when the profile has no `duration_seconds` (1h).
    pub role_duration: u32,
    /// `thresholds.warn`: countdowns turn yellow below this (1h).
    pub warn_secs: i64,
    /// `thresholds.danger`: countdowns turn red below this (10m).
    pub danger_secs: i64,
    /// `naming.target`: where renewals of keys and roles go (`{profile}-mfa`).
    pub target_pattern: String,
    /// `naming.long_term_suffix`: aws-mfa's long-term profile suffix (`-long-term`).
    pub long_term_suffix: String,
    /// `backups.keep`: backups kept per file (20).
    pub backups_keep: usize,
    /// `backups.dir`: where backups go, as written (default: `.mfatui-backups` beside each
    /// file); the context resolves it per file (`Context::backups_dir`).
    pub backups_dir: Option<PathBuf>,
    /// `theme.colour`: `auto` or `never`.
    pub colour: Colour,
    /// `roles.write_profile`: role renewals write `NAME-mfa` (true).
    pub write_role_profile: bool,
    /// `roles.write_cli_cache`: role renewals write the AWS CLI's cache entry (true).
    pub write_cli_cache: bool,
    /// `sessions.refresh_before`: a session with less left than this is renewed before
    /// `exec` uses it (15m, botocore's own refresh margin).
    pub refresh_before_secs: i64,
    /// `sessions.reuse_min`: an MFA session with at least this left is reused, with no code, to
    /// assume a role or call IAM (5m).
    pub reuse_min_secs: i64,
    /// `sessions.keep_fresh_before`: the open TUI renews a kept-fresh profile this long before
    /// its session expires (20m).
    pub keep_fresh_before_secs: i64,
    /// `sessions.mfa_process_timeout`: how long an `mfa_process` command may take (60s).
    pub mfa_process_timeout_secs: u64,
    /// `keys.max_age`: an access key this old is marked for rotation (90d).
    pub key_max_age_secs: i64,
    /// `console.browser`: the command `mfatui console` opens the console with, for profiles
    /// without their own `browser` (default: `$BROWSER`, else `xdg-open` / `open`).
    pub console_browser: Option<String>,
    /// `[profiles.NAME]` overrides.
    pub profiles: HashMap<String, ProfileOverride>,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            session_duration: 12 * 3600,
            role_duration: 3600,
            warn_secs: 3600,
            danger_secs: 600,
            target_pattern: DEFAULT_TARGET_PATTERN.to_owned(),
            long_term_suffix: crate::awsfiles::profile::AWS_MFA_LONG_TERM_SUFFIX.to_owned(),
            backups_keep: crate::awsfiles::backup::DEFAULT_KEEP,
            backups_dir: None,
            colour: Colour::Auto,
            write_role_profile: true,
            write_cli_cache: true,
            refresh_before_secs: 15 * 60,
            reuse_min_secs: 5 * 60,
            keep_fresh_before_secs: 20 * 60,
            mfa_process_timeout_secs: 60,
            key_max_age_secs: 90 * 86_400,
            console_browser: None,
            profiles: HashMap::new(),
        }
    }
}

impl Settings {
    /// How sessions are named and where role renewals go.
    pub fn naming(&self) -> Naming {
        Naming {
            target_pattern: self.target_pattern.clone(),
            long_term_suffix: self.long_term_suffix.clone(),
            targets: self
                .profiles
                .iter()
                .filter_map(|(name, o)| Some((name.clone(), o.target.clone()?)))
                .collect(),
            role_section: self.write_role_profile,
            role_cli_cache: self.write_cli_cache,
        }
    }

    /// The margins that say when a session is fresh enough, for each use.
    pub fn freshness(&self) -> Freshness {
        Freshness {
            serve: self.refresh_before_secs,
            reuse: self.reuse_min_secs,
            keep_fresh: self.keep_fresh_before_secs,
        }
    }

    /// The browser command for `profile`'s console: its own `browser`, else `console.browser`.
    pub fn browser_for(&self, profile: &str) -> Option<&str> {
        self.profiles
            .get(profile)
            .and_then(|o| o.browser.as_deref())
            .or(self.console_browser.as_deref())
    }
}

/// Where the settings file is: `$XDG_CONFIG_HOME/mfatui/config.toml`, default
/// `~/.config/mfatui/config.toml`.
pub fn default_path(env: &crate::env::Env) -> PathBuf {
    let base = env
        .get("XDG_CONFIG_HOME")
        .map_or_else(|| env.home().join(".config"), PathBuf::from);
    base.join("mfatui").join("config.toml")
}

/// Reads the settings; a missing file gives the defaults. An invalid file gives the defaults
/// and a message naming the file, line and key.
///
/// The settings name the command `console` runs, where sessions and backups are written: a
/// file another user owns or may write is not read (a warning saying so, and the defaults),
/// as OpenSSH treats its config. Root's files count as the user's own; a group-writable file
/// never does (a primary group such as `users` may hold other users: attack round 10).
pub fn load(path: &Path) -> (Settings, Option<String>) {
    let warn = |why: String| {
        let path = crate::text::printable(&path.to_string_lossy(), 400);
        (
            Settings::default(),
            Some(format!("{path}: {why}; using the defaults")),
        )
    };
    let text = match crate::safe_fs::open_regular(path) {
        Ok((file, meta)) => {
            if let Some(why) = not_trusted(&meta) {
                return warn(why);
            }
            match crate::safe_fs::read_capped(file).map(String::from_utf8) {
                Ok(Ok(t)) => t,
                Ok(Err(_)) => return warn("it is not UTF-8 text".to_owned()),
                Err(e) => return warn(e.to_string()),
            }
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return (Settings::default(), None),
        Err(e) => return warn(e.to_string()),
    };
    match parse(&text) {
        Ok(s) => (s, None),
        Err(e) => (
            Settings::default(),
            Some(format!("{}: {e}; using the defaults", path.display())),
        ),
    }
}

/// Why a settings file with this owner and mode is not to be trusted, if it is not.
fn not_trusted(meta: &std::fs::Metadata) -> Option<String> {
    crate::safe_fs::others_may_change(meta).map(|why| {
        format!("{why}, and settings name the commands mfatui runs; make it yours and run chmod go-w on it")
    })
}

/// Parses settings text; the error says `line N: key: what is wrong`.
pub fn parse(text: &str) -> Result<Settings, SettingsError> {
    let doc = toml_edit::Document::parse(text)
        .map_err(|e| SettingsError::Toml(e.to_string().trim().replace('\n', " ")))?;
    let line_of = |item: &Item| {
        item.span()
            .map_or(0, |s| 1 + text[..s.start].matches('\n').count())
    };
    let bad = |item: &Item, key: &str, what: &str| SettingsError::Bad {
        line: line_of(item),
        key: key.to_owned(),
        what: what.to_owned(),
    };
    let mut s = Settings::default();
    let duration_of = |item: &Item, key: &str| -> Result<u32, SettingsError> {
        let text = item
            .as_str()
            .ok_or_else(|| bad(item, key, "expected a duration in quotes, e.g. \"1h\""))?;
        duration::parse(text).map_err(|e| bad(item, key, &e.to_string()))
    };
    for (section, table) in doc.as_table().iter() {
        let Some(table) = table.as_table() else {
            return Err(bad(table, section, "expected a [section]"));
        };
        for (key, item) in table.iter() {
            let name = format!("{section}.{key}");
            match (section, key) {
                ("durations", "session") => s.session_duration = duration_of(item, &name)?,
                ("durations", "role") => s.role_duration = duration_of(item, &name)?,
                ("thresholds", "warn") => s.warn_secs = i64::from(duration_of(item, &name)?),
                ("thresholds", "danger") => s.danger_secs = i64::from(duration_of(item, &name)?),
                ("naming", "target") | ("naming", "long_term_suffix") => {
                    let value = item
                        .as_str()
                        .filter(|v| !v.is_empty())
                        .ok_or_else(|| bad(item, &name, "expected a non-empty string"))?;
                    if key == "target" {
                        if !value.contains("{profile}") {
                            return Err(bad(item, &name, "the pattern must contain {profile}"));
                        }
                        s.target_pattern = value.to_owned();
                    } else {
                        s.long_term_suffix = value.to_owned();
                    }
                }
                ("roles", "write_profile") | ("roles", "write_cli_cache") => {
                    let on = item
                        .as_bool()
                        .ok_or_else(|| bad(item, &name, "expected true or false"))?;
                    if key == "write_profile" {
                        s.write_role_profile = on;
                    } else {
                        s.write_cli_cache = on;
                    }
                }
                ("keys", "max_age") => s.key_max_age_secs = i64::from(duration_of(item, &name)?),
                ("console", "browser") => s.console_browser = Some(browser_of(item, &name, &bad)?),
                ("sessions", "refresh_before") => {
                    s.refresh_before_secs = i64::from(duration_of(item, &name)?)
                }
                ("sessions", "reuse_min") => {
                    s.reuse_min_secs = i64::from(duration_of(item, &name)?)
                }
                ("sessions", "keep_fresh_before") => {
                    s.keep_fresh_before_secs = i64::from(duration_of(item, &name)?)
                }
                ("sessions", "mfa_process_timeout") => {
                    s.mfa_process_timeout_secs = u64::from(duration_of(item, &name)?).max(1)
                }
                ("backups", "keep") => {
                    let n = item
                        .as_integer()
                        .filter(|n| *n >= 1)
                        .ok_or_else(|| bad(item, &name, "expected a whole number of at least 1"))?;
                    s.backups_keep = n as usize;
                }
                ("backups", "dir") => {
                    let dir = item
                        .as_str()
                        .ok_or_else(|| bad(item, &name, "expected a folder path in quotes"))?;
                    // `~/` is expanded where the folder is used (the run's HOME).
                    s.backups_dir = Some(PathBuf::from(dir));
                }
                ("theme", "colour") | ("theme", "color") => {
                    s.colour = match item.as_str() {
                        Some("auto") => Colour::Auto,
                        Some("never") => Colour::Never,
                        _ => return Err(bad(item, &name, "expected \"auto\" or \"never\"")),
                    }
                }
                ("profiles", profile) => {
                    let table = item
                        .as_table()
                        .ok_or_else(|| bad(item, &name, "expected a [profiles.NAME] table"))?;
                    s.profiles.insert(
                        profile.to_owned(),
                        parse_override(table, profile, &bad, &duration_of)?,
                    );
                }
                _ => return Err(bad(item, &name, "unknown setting")),
            }
        }
    }
    if s.danger_secs > s.warn_secs {
        return Err(SettingsError::DangerOverWarn);
    }
    Ok(s)
}

/// A browser command: a non-empty string the shell-like splitter accepts.
fn browser_of(
    item: &Item,
    name: &str,
    bad: &dyn Fn(&Item, &str, &str) -> SettingsError,
) -> Result<String, SettingsError> {
    item.as_str()
        .filter(|c| crate::awsfiles::shlex::split(c).is_some_and(|words| !words.is_empty()))
        .map(str::to_owned)
        .ok_or_else(|| {
            bad(
                item,
                name,
                "expected a command in quotes, e.g. \"firefox -P work %s\"",
            )
        })
}

fn parse_override(
    table: &toml_edit::Table,
    profile: &str,
    bad: &dyn Fn(&Item, &str, &str) -> SettingsError,
    duration_of: &dyn Fn(&Item, &str) -> Result<u32, SettingsError>,
) -> Result<ProfileOverride, SettingsError> {
    let mut o = ProfileOverride::default();
    for (key, item) in table.iter() {
        let name = format!("profiles.{profile}.{key}");
        match key {
            "mode" => {
                o.mode = Some(match item.as_str() {
                    Some("session") => Mode::Session,
                    Some("role") => Mode::Role,
                    _ => return Err(bad(item, &name, "expected \"session\" or \"role\"")),
                })
            }
            "duration" => o.duration = Some(duration_of(item, &name)?),
            "target" => {
                o.target = Some(
                    item.as_str()
                        .filter(|t| !t.is_empty())
                        .ok_or_else(|| bad(item, &name, "expected a profile name"))?
                        .to_owned(),
                )
            }
            "keep_fresh" => {
                o.keep_fresh = item
                    .as_bool()
                    .ok_or_else(|| bad(item, &name, "expected true or false"))?
            }
            "browser" => o.browser = Some(browser_of(item, &name, bad)?),
            _ => {
                return Err(bad(
                    item,
                    &name,
                    "unknown setting (mode, duration, target, keep_fresh, browser)",
                ))
            }
        }
    }
    Ok(o)
}

/// A change to one profile's entry in the settings file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ProfileChange {
    /// Its default mode and duration (`s` in the TUI).
    Defaults {
        /// The mode.
        mode: Mode,
        /// The duration in seconds.
        duration: u32,
    },
    /// Whether it is kept fresh (`f` in the TUI).
    KeepFresh(bool),
}

/// Saves a change to `[profiles.NAME]`, keeping every comment and the order of the file
/// (created, with its folder, if missing). Written atomically.
pub fn save_profile(
    path: &Path,
    profile: &str,
    change: &ProfileChange,
) -> Result<(), SettingsError> {
    let io = |source| SettingsError::Io {
        path: path.to_owned(),
        source,
    };
    // A new file gets a header line. It is put before the rendered document, not parsed into
    // it: toml_edit keeps a lone comment as the document's trailing text, after every table.
    let (text, header) = match crate::safe_fs::read_to_string(path) {
        Ok(t) => (t, ""),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => (
            String::new(),
            "# mfatui settings (see README: Settings)\n\n",
        ),
        Err(e) => return Err(io(e)),
    };
    parse(&text).map_err(|e| SettingsError::Invalid {
        path: path.to_owned(),
        source: Box::new(e),
    })?;
    let mut doc: DocumentMut = text
        .parse()
        .map_err(|e: toml_edit::TomlError| SettingsError::Toml(e.to_string()))?;
    let profiles = doc.entry("profiles").or_insert_with(|| {
        let mut t = toml_edit::Table::new();
        t.set_implicit(true);
        Item::Table(t)
    });
    let table = profiles
        .as_table_mut()
        .ok_or(SettingsError::NotATable("profiles is not a table"))?
        .entry(profile)
        .or_insert_with(|| Item::Table(toml_edit::Table::new()))
        .as_table_mut()
        .ok_or(SettingsError::NotATable("profiles entry is not a table"))?;
    match change {
        ProfileChange::Defaults { mode, duration } => {
            table["mode"] = toml_edit::value(mode.label());
            table["duration"] = toml_edit::value(duration::human(*duration));
        }
        ProfileChange::KeepFresh(true) => table["keep_fresh"] = toml_edit::value(true),
        ProfileChange::KeepFresh(false) => {
            table.remove("keep_fresh");
        }
    }
    let rendered = format!("{header}{doc}");
    crate::safe_fs::replace(path, rendered.as_bytes()).map_err(|source| SettingsError::Write {
        path: path.to_owned(),
        source,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_key_is_read() {
        let s = parse(
            "[durations]\nsession = \"8h\"\nrole = \"30m\"\n[thresholds]\nwarn = \"2h\"\ndanger = \"5m\"\n\
             [naming]\ntarget = \"mfa-{profile}\"\nlong_term_suffix = \"-lt\"\n[backups]\nkeep = 5\ndir = \"/b\"\n\
             [theme]\ncolour = \"never\"\n[roles]\nwrite_profile = false\nwrite_cli_cache = false\n\
             [sessions]\nrefresh_before = \"5m\"\n[profiles.admin]\nmode = \"role\"\nduration = \"2h\"\ntarget = \"admin-session\"\n",
        )
        .unwrap();
        assert_eq!(
            (
                s.session_duration,
                s.role_duration,
                s.warn_secs,
                s.danger_secs
            ),
            (28_800, 1800, 7200, 300)
        );
        assert_eq!(
            (
                s.target_pattern.as_str(),
                s.long_term_suffix.as_str(),
                s.backups_keep
            ),
            ("mfa-{profile}", "-lt", 5)
        );
        assert_eq!(s.backups_dir, Some(PathBuf::from("/b")));
        assert_eq!(s.colour, Colour::Never);
        assert_eq!(
            (
                s.write_role_profile,
                s.write_cli_cache,
                s.refresh_before_secs
            ),
            (false, false, 300)
        );
        assert_eq!(
            s.profiles["admin"],
            ProfileOverride {
                mode: Some(Mode::Role),
                duration: Some(7200),
                target: Some("admin-session".into()),
                keep_fresh: false,
                browser: None,
            }
        );
        assert_eq!(parse("").unwrap(), Settings::default());
    }

    #[test]
    fn browsers_per_profile_then_global() {
        let s = parse(
            "[console]\nbrowser = \"firefox -P default %s\"\n[profiles.prod]\nbrowser = \"chromium --user-data-dir='/home/a/chrome prod'\"\n",
        )
        .unwrap();
        assert_eq!(
            s.browser_for("prod"),
            Some("chromium --user-data-dir='/home/a/chrome prod'")
        );
        assert_eq!(s.browser_for("dev"), Some("firefox -P default %s"));
        assert_eq!(Settings::default().browser_for("dev"), None);
        for bad in [
            "[console]\nbrowser = \"\"\n",
            "[console]\nbrowser = \"firefox 'unclosed\"\n",
            "[console]\nbrowser = true\n",
            "[profiles.x]\nbrowser = 3\n",
        ] {
            let e = parse(bad).unwrap_err().to_string();
            assert!(
                e.contains("browser: expected a command in quotes"),
                "{bad}: {e}"
            );
        }
    }

    #[test]
    fn errors_name_the_key_and_line() {
        assert_eq!(parse("[thresholds]\n\nwarn = \"1x\"\n").unwrap_err().to_string(), "line 3: thresholds.warn: '1x' is not a duration: use seconds (3600) or units like 1h, 90m, 1h30m");
        assert_eq!(
            parse("[naming]\ntarget = \"static\"\n")
                .unwrap_err()
                .to_string(),
            "line 2: naming.target: the pattern must contain {profile}"
        );
        assert_eq!(
            parse("[backups]\nkeeep = 3\n").unwrap_err().to_string(),
            "line 2: backups.keeep: unknown setting"
        );
        assert!(parse("[durations\n")
            .unwrap_err()
            .to_string()
            .contains("line 1"));
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("config.toml");
        std::fs::write(&path, "[profiles.x]\nmode = \"both\"\n").unwrap();
        let (s, warning) = load(&path);
        assert_eq!(s, Settings::default());
        assert!(warning.unwrap().ends_with(
            "line 2: profiles.x.mode: expected \"session\" or \"role\"; using the defaults"
        ));
    }

    #[test]
    fn a_settings_file_mfatui_creates_starts_with_its_header() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("mfatui/config.toml");
        save_profile(&path, "dev", &ProfileChange::KeepFresh(true)).unwrap();
        let text = std::fs::read_to_string(&path).unwrap();
        assert_eq!(
            text,
            "# mfatui settings (see README: Settings)\n\n[profiles.dev]\nkeep_fresh = true\n"
        );
        save_profile(
            &path,
            "ops",
            &ProfileChange::Defaults {
                mode: Mode::Role,
                duration: 3600,
            },
        )
        .unwrap();
        let again = std::fs::read_to_string(&path).unwrap();
        assert!(again.starts_with(&text), "{again}");
        assert_eq!(again.matches("# mfatui settings").count(), 1, "{again}");
        assert!(parse(&again).unwrap().profiles["ops"].mode == Some(Mode::Role));
    }

    #[test]
    fn saving_keeps_comments_and_order() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("mfatui/config.toml");
        save_profile(
            &path,
            "dev",
            &ProfileChange::Defaults {
                mode: Mode::Session,
                duration: 4 * 3600,
            },
        )
        .unwrap();
        assert_eq!(
            parse(&std::fs::read_to_string(&path).unwrap())
                .unwrap()
                .profiles["dev"]
                .duration,
            Some(14_400)
        );
        let original = "# my settings\n[thresholds]\nwarn = \"2h\" # yellow early\n\n[profiles.admin]\n# chosen carefully\nmode = \"role\"\nduration = \"1h\"\n";
        std::fs::write(&path, original).unwrap();
        save_profile(
            &path,
            "admin",
            &ProfileChange::Defaults {
                mode: Mode::Role,
                duration: 7200,
            },
        )
        .unwrap();
        let after = std::fs::read_to_string(&path).unwrap();
        assert_eq!(
            after,
            original.replace("duration = \"1h\"", "duration = \"2h\"")
        );
        save_profile(
            &path,
            "dev",
            &ProfileChange::Defaults {
                mode: Mode::Session,
                duration: 3600,
            },
        )
        .unwrap();
        let after = std::fs::read_to_string(&path).unwrap();
        assert!(
            after.starts_with(&original.replace("duration = \"1h\"", "duration = \"2h\"")),
            "{after}"
        );
        assert!(
            after.ends_with("[profiles.dev]\nmode = \"session\"\nduration = \"1h\"\n"),
            "{after}"
        );
        save_profile(&path, "admin", &ProfileChange::KeepFresh(true)).unwrap();
        let kept = std::fs::read_to_string(&path).unwrap();
        assert!(
            kept.contains("duration = \"2h\"\nkeep_fresh = true\n"),
            "{kept}"
        );
        assert!(parse(&kept).unwrap().profiles["admin"].keep_fresh);
        save_profile(&path, "admin", &ProfileChange::KeepFresh(false)).unwrap();
        assert_eq!(std::fs::read_to_string(&path).unwrap(), after);
    }

    #[test]
    fn errors_carry_the_line_and_key_as_data() {
        match parse("[thresholds]\n\nwarn = \"1x\"\n").unwrap_err() {
            SettingsError::Bad { line, key, .. } => {
                assert_eq!((line, key.as_str()), (3, "thresholds.warn"))
            }
            other => panic!("{other:?}"),
        }
        assert!(matches!(
            parse("[thresholds]\nwarn = \"1m\"\ndanger = \"2m\"\n").unwrap_err(),
            SettingsError::DangerOverWarn
        ));
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("config.toml");
        std::fs::write(&path, "[backups]\nkeep = 0\n").unwrap();
        let refused = save_profile(&path, "dev", &ProfileChange::KeepFresh(true)).unwrap_err();
        assert!(matches!(&refused, SettingsError::Invalid { path: p, .. } if *p == path));
        assert_eq!(
            std::fs::read_to_string(&path).unwrap(),
            "[backups]\nkeep = 0\n"
        );
    }

    #[test]
    fn a_settings_file_others_may_change_is_not_read() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("config.toml");
        std::fs::write(&path, "[console]\nbrowser = \"/tmp/planted %s\"\n").unwrap();
        let mode = |mode| std::fs::set_permissions(&path, std::fs::Permissions::from_mode(mode));
        // The defaults, and a warning saying why.
        let refused = |why: &str| {
            let (settings, warning) = load(&path);
            assert_eq!(settings, Settings::default());
            assert!(
                warning.as_deref().unwrap_or("").contains(why),
                "{warning:?}"
            );
        };
        mode(0o600).unwrap();
        assert!(
            load(&path).0.console_browser.is_some(),
            "the user's own file is read"
        );
        mode(0o646).unwrap();
        refused("other users may change it (mode 0646)");
        // Group-writable, in the user's own (primary) group, which others may share.
        mode(0o620).unwrap();
        refused("other users may change it (mode 0620)");
        mode(0o600).unwrap();
        // Another user's file (only root can make one here; CI runs as root).
        if std::os::unix::fs::chown(&path, Some(65534), None).is_ok() {
            refused("another user (uid 65534)");
        }
    }
}
