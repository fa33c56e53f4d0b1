//! The diagnostic log behind `-v`: timestamped lines appended to a private file. Only
//! non-secret facts are ever written (names, paths, operations, timings, error sentences).

use chrono::{SecondsFormat, Utc};
use std::fs::{File, OpenOptions};
use std::io::{self, Write};
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, OnceLock};

static LOG: OnceLock<Mutex<File>> = OnceLock::new();

/// `$XDG_STATE_HOME/mfatui/mfatui.log`, default `~/.local/state/mfatui/mfatui.log`.
pub fn default_path(env: &crate::env::Env) -> PathBuf {
    let state = env
        .get("XDG_STATE_HOME")
        .map_or_else(|| env.home().join(".local/state"), PathBuf::from);
    state.join("mfatui").join("mfatui.log")
}

/// Starts logging to `path` (created 0600, its folder 0700).
pub fn enable(path: &Path) -> io::Result<()> {
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        crate::safe_fs::private_dir(dir)?;
    }
    let file = OpenOptions::new()
        .create(true)
        .append(true)
        .mode(0o600)
        .open(path)?;
    let _ = LOG.set(Mutex::new(file));
    Ok(())
}

/// Appends one line, if logging is on: made printable (a name from the files with a line
/// break or an escape sequence can neither forge a log line nor act on the terminal that
/// later shows the log).
pub fn log(args: std::fmt::Arguments) {
    if let Some(file) = LOG.get() {
        if let Ok(mut f) = file.lock() {
            let _ = writeln!(
                f,
                "{} {}",
                Utc::now().to_rfc3339_opts(SecondsFormat::Millis, true),
                crate::text::printable(&args.to_string(), usize::MAX)
            );
        }
    }
}

/// `diag!("loaded {} profiles", n)`: a line in the `-v` log.
#[macro_export]
macro_rules! diag {
    ($($arg:tt)*) => { $crate::diag::log(format_args!($($arg)*)) };
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_logged_line_is_one_printable_line() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("state/mfatui.log");
        super::enable(&path).unwrap();
        crate::diag!(
            "loaded {}",
            "dev\n2026-01-01T00:00:00.000Z forged\x1b]0;title\x07"
        );
        let log = std::fs::read_to_string(&path).unwrap();
        assert_eq!(log.lines().count(), 1, "{log}");
        assert!(
            log.trim_end()
                .ends_with(" loaded dev?2026-01-01T00:00:00.000Z forged?]0;title?"),
            "{log}"
        );
    }
}
