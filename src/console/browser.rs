//! The browser that opens a console sign-in: a profile's own (`[profiles.NAME] browser`), the
//! settings' `[console] browser`, `$BROWSER`, else the desktop's opener; and the private local
//! page that hands it the sign-in URL (never on the browser's command line).

use crate::context::Context;
use crate::secret::Secret;
use std::io::Write;
use std::os::unix::fs::{MetadataExt, OpenOptionsExt, PermissionsExt};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

/// The command that opens a profile's console: its `browser` setting, else
/// `console.browser`, else `$BROWSER` (the first of a `:`-separated list), else `xdg-open` on
/// a desktop (`open` on macOS). `%s` in an argument is the sign-in URL; without one, the URL
/// is appended.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Browser {
    words: Vec<String>,
    /// Where the sign-in pages' private folders are made.
    pages: PathBuf,
    /// How long a page is kept for the browser to read it.
    keep: Duration,
}

/// Why the browser cannot open the sign-in: one sentence each, saying what to do.
#[derive(Debug, thiserror::Error)]
pub enum BrowserError {
    /// The configured command does not split into words.
    #[error("the browser command '{0}' cannot be read: check its quotes")]
    Unreadable(String),
    /// Nothing says which browser to use.
    #[error("there is no browser to open the console in (no browser setting, no $BROWSER, no desktop session): run with --print and open the URL yourself")]
    NoBrowser,
    /// The command's program is not there.
    #[error("the browser command '{command}' cannot be started: {program} is not an executable file or on PATH; set [console] browser in mfatui's settings, or run with --print")]
    NotFound {
        /// The command as shown.
        command: String,
        /// Its program.
        program: String,
    },
    /// The local page that leads to the sign-in could not be written.
    #[error("cannot write the sign-in page for the browser in {}: {source}; run with --print and open the URL yourself", .dir.display())]
    NoPage {
        /// The pages' folder.
        dir: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// The command failed at once.
    #[error("the browser command '{command}' failed ({status}) and opened nothing: set [console] browser in mfatui's settings, or run with --print")]
    Failed {
        /// The command as shown.
        command: String,
        /// How it ended.
        status: std::process::ExitStatus,
    },
    /// The command could not be started.
    #[error("the browser command '{command}' could not be started ({source}): set [console] browser in mfatui's settings, or run with --print")]
    NotStarted {
        /// The command as shown.
        command: String,
        /// Why.
        source: std::io::Error,
    },
}

/// How long a browser command is watched for failing at once (R12-5: a failure was reported
/// as "Opened").
const FAILS_WITHIN: std::time::Duration = std::time::Duration::from_millis(500);
/// How long a sign-in page waits for the browser, unless `MFATUI_CONSOLE_PAGE_SECONDS` says.
const PAGE_SECONDS: u64 = 60;
/// The prefix of a sign-in page's folder.
const PAGE_PREFIX: &str = "mfatui-console-";

impl Browser {
    /// The command for `profile`, its program found (so that a browser that cannot start
    /// stops the sign-in before any call).
    pub fn for_profile(ctx: &Context, profile: &str) -> Result<Browser, BrowserError> {
        let configured = ctx
            .settings
            .browser_for(profile)
            .map(str::to_owned)
            .or_else(|| {
                ctx.env
                    .get("BROWSER")
                    .and_then(|b| b.split(':').next().map(str::to_owned))
                    .filter(|b| !b.trim().is_empty())
            });
        let mut words = match configured {
            Some(command) => crate::awsfiles::shlex::split(&command)
                .filter(|w| !w.is_empty())
                .ok_or_else(|| BrowserError::Unreadable(command.clone()))?,
            None if cfg!(target_os = "macos") => vec!["open".to_owned()],
            None if ctx.env.get("DISPLAY").is_some()
                || ctx.env.get("WAYLAND_DISPLAY").is_some() =>
            {
                vec!["xdg-open".to_owned()]
            }
            None => return Err(BrowserError::NoBrowser),
        };
        if !words.iter().any(|w| w.contains("%s")) {
            words.push("%s".to_owned());
        }
        let browser = Browser {
            words,
            pages: pages_base(ctx),
            keep: ctx
                .env
                .seconds("MFATUI_CONSOLE_PAGE_SECONDS", PAGE_SECONDS)
                .clamp(Duration::from_secs(1), Duration::from_secs(900)),
        };
        if !Self::found(&browser.words[0], ctx.env.get("PATH").unwrap_or_default()) {
            return Err(BrowserError::NotFound {
                command: browser.describe(),
                program: browser.words[0].clone(),
            });
        }
        Ok(browser)
    }

    fn found(program: &str, path: &str) -> bool {
        let runnable = |p: &std::path::Path| {
            std::fs::metadata(p).is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
        };
        if program.contains('/') {
            return runnable(std::path::Path::new(program));
        }
        std::env::split_paths(path).any(|dir| runnable(&dir.join(program)))
    }

    /// Whether a browser can be opened here (a setting, `$BROWSER`, or a desktop session):
    /// where none can, an SSO sign-in uses the device flow, whose page opens on any device.
    pub fn available(ctx: &Context) -> bool {
        Browser::for_profile(ctx, "").is_ok()
    }

    /// The SSO sign-in flow for this run: the device flow when asked for (`device_code`) or
    /// when no browser can be opened (an SSH session without `$BROWSER` or a display), else
    /// the authorization code flow with PKCE, as the AWS CLI v2 does.
    pub fn sso_flow(ctx: &Context, device_code: bool) -> crate::aws::sso::Flow {
        if device_code || !Browser::available(ctx) {
            crate::aws::sso::Flow::DeviceCode
        } else {
            crate::aws::sso::Flow::Pkce
        }
    }

    /// Opens `url` (an SSO sign-in page) where a browser can be found, quietly doing nothing
    /// otherwise: the page is shown to the person anyway.
    pub fn try_open(ctx: &Context, url: &str) {
        if let Ok(browser) = Browser::for_profile(ctx, "") {
            let _ = browser.open(&Secret::new(url));
        }
    }

    /// The command as shown to the person: the URL as `<sign-in URL>`.
    pub fn describe(&self) -> String {
        self.words
            .iter()
            .map(|w| w.replace("%s", "<sign-in URL>"))
            .collect::<Vec<_>>()
            .join(" ")
    }

    /// The program and arguments for `url`.
    fn argv(&self, url: &str) -> Vec<String> {
        self.words.iter().map(|w| w.replace("%s", url)).collect()
    }

    /// Starts the browser on the sign-in URL without waiting for it (a browser started fresh
    /// runs until it is closed). The URL is not on the browser's command line (which every
    /// local user can read in `/proc/PID/cmdline`): the browser gets a local page (0600, in a
    /// fresh 0700 folder) that leads to it, removed after a short time by a small `sh` that
    /// outlives this run (and, should it be killed, by the next sign-in).
    pub fn open(&self, url: &Secret) -> Result<(), BrowserError> {
        let page = SignInPage::write(&self.pages, url).map_err(|source| BrowserError::NoPage {
            dir: self.pages.clone(),
            source,
        })?;
        let argv = self.argv(&page.url());
        let started = std::process::Command::new(&argv[0])
            .args(&argv[1..])
            .stdin(std::process::Stdio::null())
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn();
        let mut child = match started {
            Ok(child) => child,
            Err(source) => {
                page.remove();
                return Err(BrowserError::NotStarted {
                    command: self.describe(),
                    source,
                });
            }
        };
        // A launcher that fails (`xdg-open` with no handler, a wrong setting) ends at once; a
        // browser started fresh runs until it is closed, so only a short while is waited.
        let started = std::time::Instant::now();
        while started.elapsed() < FAILS_WITHIN {
            match child.try_wait() {
                Ok(Some(status)) if !status.success() => {
                    page.remove();
                    return Err(BrowserError::Failed {
                        command: self.describe(),
                        status,
                    });
                }
                Ok(Some(_)) | Err(_) => break,
                Ok(None) => std::thread::sleep(std::time::Duration::from_millis(20)),
            }
        }
        page.remove_after(self.keep);
        // Reaped in the background, so that a long-lived caller (the TUI) keeps no zombie.
        std::thread::spawn(move || child.wait());
        Ok(())
    }
}

/// Where sign-in pages go: `$XDG_RUNTIME_DIR` when it is this user's private folder, else
/// mfatui's own cache folder (`$XDG_CACHE_HOME/mfatui/console`, made 0700, owner checked) —
/// never a shared temporary folder, where a page's folder, once removed, could be made again
/// under the same name by another user for a browser that still (re)loads that path.
fn pages_base(ctx: &Context) -> PathBuf {
    ctx.runtime_dir()
        .unwrap_or_else(|| ctx.paths.mfatui_cache.join("console"))
}

/// Makes `base` when missing (0700) and checks that only this user can make entries in it.
fn private_base(base: &Path) -> std::io::Result<()> {
    crate::safe_fs::private_dir(base)?;
    let meta = std::fs::metadata(base)?;
    if meta.mode() & 0o022 != 0 {
        return Err(std::io::Error::other(format!(
            "{} can be written by other users",
            base.display()
        )));
    }
    Ok(())
}

/// A local page that sends the browser on to the sign-in URL.
struct SignInPage {
    dir: PathBuf,
    file: PathBuf,
}

impl SignInPage {
    /// Writes the page for `url` in a fresh private folder under `base`, first removing the
    /// pages of earlier runs that were left behind.
    fn write(base: &Path, url: &Secret) -> std::io::Result<SignInPage> {
        private_base(base)?;
        sweep(base, Duration::from_secs(900));
        let dir = crate::safe_fs::fresh_private_dir(base, PAGE_PREFIX)?;
        // A folder made by `mkdir` under a fresh random name is ours; checked anyway.
        let meta = std::fs::symlink_metadata(&dir)?;
        if !meta.is_dir()
            || meta.uid() != rustix::process::geteuid().as_raw()
            || meta.mode() & 0o077 != 0
        {
            return Err(std::io::Error::other("the folder is not private"));
        }
        let page = SignInPage {
            file: dir.join("sign-in.html"),
            dir,
        };
        let written = std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(0o600)
            .custom_flags(rustix::fs::OFlags::NOFOLLOW.bits() as i32)
            .open(&page.file)
            .and_then(|mut f| {
                f.write_all(page_html(url.expose()).as_bytes())?;
                f.sync_all()
            });
        if let Err(e) = written {
            page.remove();
            return Err(e);
        }
        Ok(page)
    }

    /// The page as a `file://` URL (its path percent-encoded where a URL needs it).
    fn url(&self) -> String {
        use std::os::unix::ffi::OsStrExt;
        let mut out = String::from("file://");
        for &b in self.file.as_os_str().as_bytes() {
            if b.is_ascii_alphanumeric() || b"/-._~".contains(&b) {
                out.push(char::from(b));
            } else {
                out.push_str(&format!("%{b:02X}"));
            }
        }
        out
    }

    /// Removes the page and its folder now.
    fn remove(&self) {
        let _ = std::fs::remove_file(&self.file);
        let _ = std::fs::remove_dir(&self.dir);
    }

    /// Removes the page and its folder after `keep`, by a small `sh` of its own process group
    /// (so neither this run ending nor a Ctrl-C at the terminal stops it). Where `sh` cannot
    /// start, a thread of this run does it (the next sign-in sweeps what is left).
    fn remove_after(self, keep: Duration) {
        let started = std::process::Command::new("/bin/sh")
            .args([
                "-c",
                "sleep \"$1\"; rm -f -- \"$2\"; rmdir -- \"$3\"",
                "mfatui-console-page",
            ])
            .arg(keep.as_secs().to_string())
            .arg(&self.file)
            .arg(&self.dir)
            .stdin(std::process::Stdio::null())
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .process_group(0)
            .spawn();
        match started {
            Ok(mut child) => {
                std::thread::spawn(move || child.wait());
            }
            Err(_) => {
                std::thread::spawn(move || {
                    std::thread::sleep(keep);
                    self.remove();
                });
            }
        }
    }
}

/// Removes the sign-in pages under `base` that this user left more than `age` ago.
fn sweep(base: &Path, age: Duration) {
    let uid = rustix::process::geteuid().as_raw();
    let Ok(entries) = std::fs::read_dir(base) else {
        return;
    };
    for entry in entries.flatten() {
        if !entry.file_name().to_string_lossy().starts_with(PAGE_PREFIX) {
            continue;
        }
        let dir = entry.path();
        let Ok(meta) = std::fs::symlink_metadata(&dir) else {
            continue;
        };
        let old = meta
            .modified()
            .ok()
            .and_then(|m| SystemTime::now().duration_since(m).ok())
            .is_some_and(|a| a >= age);
        if meta.is_dir() && meta.uid() == uid && old {
            let _ = std::fs::remove_file(dir.join("sign-in.html"));
            let _ = std::fs::remove_dir(&dir);
        }
    }
}

/// The page: an immediate redirect to `url`, and a link for a browser that does not follow it.
fn page_html(url: &str) -> String {
    let mut escaped = String::with_capacity(url.len());
    for c in url.chars() {
        match c {
            '&' => escaped.push_str("&amp;"),
            '<' => escaped.push_str("&lt;"),
            '>' => escaped.push_str("&gt;"),
            '"' => escaped.push_str("&quot;"),
            '\'' => escaped.push_str("&#39;"),
            c => escaped.push(c),
        }
    }
    format!(
        "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\">\n<meta name=\"referrer\" content=\"no-referrer\">\n<meta http-equiv=\"refresh\" content=\"0;url={escaped}\">\n<title>AWS console sign-in</title></head>\n<body><p><a href=\"{escaped}\">Continue to the AWS console</a></p></body></html>\n"
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::context::Env;
    use crate::settings::Settings;

    #[test]
    fn browser_commands_take_the_url_where_asked() {
        let mut settings = Settings {
            console_browser: Some("sh -c 'exec true' 'work stuff' --new-tab=%s".to_owned()),
            ..Settings::default()
        };
        let ctx = |settings: &Settings| {
            Context::new(
                Env::from_pairs(&[("PATH", "/usr/bin:/bin")]),
                crate::awsfiles::AwsPaths::from_lookup(|_| None),
                settings.clone(),
                "/nonexistent".into(),
            )
        };
        settings.profiles.insert(
            "prod".to_owned(),
            crate::settings::ProfileOverride {
                browser: Some("/bin/sh --user-data-dir=/home/a/prod".to_owned()),
                ..Default::default()
            },
        );
        let dev = Browser::for_profile(&ctx(&settings), "dev").unwrap();
        assert_eq!(
            dev.argv("https://u"),
            ["sh", "-c", "exec true", "work stuff", "--new-tab=https://u"]
        );
        assert_eq!(
            dev.describe(),
            "sh -c exec true work stuff --new-tab=<sign-in URL>"
        );
        let prod = Browser::for_profile(&ctx(&settings), "prod").unwrap();
        assert_eq!(
            prod.argv("https://u"),
            ["/bin/sh", "--user-data-dir=/home/a/prod", "https://u"]
        );
        settings.console_browser = Some("no-such-browser-anywhere %s".to_owned());
        let e = Browser::for_profile(&ctx(&settings), "dev")
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("no-such-browser-anywhere is not an executable file or on PATH"),
            "{e}"
        );
    }

    #[test]
    fn sso_sign_in_is_pkce_where_a_browser_opens_and_the_device_flow_elsewhere() {
        use crate::aws::sso::Flow;
        let ctx = |pairs: &[(&str, &str)]| {
            Context::new(
                Env::from_pairs(pairs),
                crate::awsfiles::AwsPaths::from_lookup(|_| None),
                Settings::default(),
                "/nonexistent".into(),
            )
        };
        // An SSH session: no $BROWSER, no display.
        let ssh = ctx(&[("PATH", "/usr/bin:/bin")]);
        if !cfg!(target_os = "macos") {
            assert_eq!(Browser::sso_flow(&ssh, false), Flow::DeviceCode);
        }
        let with_browser = ctx(&[("PATH", "/usr/bin:/bin"), ("BROWSER", "/bin/true")]);
        assert_eq!(Browser::sso_flow(&with_browser, false), Flow::Pkce);
        assert_eq!(Browser::sso_flow(&with_browser, true), Flow::DeviceCode);
    }

    #[test]
    fn the_page_is_private_leads_to_the_url_and_old_ones_are_swept() {
        let base = tempfile::tempdir().unwrap();
        let url = "https://signin.aws.amazon.com/federation?Action=login&SigninToken=a%2Bb\"<x>";
        let page = SignInPage::write(base.path(), &Secret::new(url)).unwrap();
        let dir = std::fs::metadata(&page.dir).unwrap();
        assert_eq!(dir.mode() & 0o777, 0o700);
        assert_eq!(std::fs::metadata(&page.file).unwrap().mode() & 0o777, 0o600);
        let html = std::fs::read_to_string(&page.file).unwrap();
        assert!(html.contains(
            "url=https://signin.aws.amazon.com/federation?Action=login&amp;SigninToken=a%2Bb&quot;&lt;x&gt;\""
        ));
        assert!(!page.url().contains("Signin") && page.url().starts_with("file:///"));
        sweep(base.path(), Duration::from_secs(3600));
        assert!(page.file.exists(), "a page of now is kept");
        sweep(base.path(), Duration::ZERO);
        assert!(!page.dir.exists(), "an old one is removed");
    }
}
