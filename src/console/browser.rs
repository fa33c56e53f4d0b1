//! The browser that opens a console sign-in: a profile's own (`[profiles.NAME] browser`), the
//! settings' `[console] browser`, `$BROWSER`, else the desktop's opener.

use crate::context::Context;
use crate::secret::Secret;

/// The command that opens a profile's console: its `browser` setting, else
/// `console.browser`, else `$BROWSER` (the first of a `:`-separated list), else `xdg-open` on
/// a desktop (`open` on macOS). `%s` in an argument is the sign-in URL; without one, the URL
/// is appended.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Browser {
    words: Vec<String>,
}

impl Browser {
    /// The command for `profile`, its program found (so that a browser that cannot start
    /// stops the sign-in before any call).
    pub fn for_profile(ctx: &Context, profile: &str) -> Result<Browser, String> {
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
                .ok_or_else(|| format!("the browser command '{command}' cannot be read: check its quotes"))?,
            None if cfg!(target_os = "macos") => vec!["open".to_owned()],
            None if ctx.env.get("DISPLAY").is_some() || ctx.env.get("WAYLAND_DISPLAY").is_some() =>
            {
                vec!["xdg-open".to_owned()]
            }
            None => return Err("there is no browser to open the console in (no browser setting, no $BROWSER, no desktop session): run with --print and open the URL yourself".to_owned()),
        };
        if !words.iter().any(|w| w.contains("%s")) {
            words.push("%s".to_owned());
        }
        let browser = Browser { words };
        if !Self::found(&browser.words[0], ctx.env.get("PATH").unwrap_or_default()) {
            return Err(format!(
                "the browser command '{}' cannot be started: {} is not an executable file or on PATH; set [console] browser in mfatui's settings, or run with --print",
                browser.describe(),
                browser.words[0]
            ));
        }
        Ok(browser)
    }

    fn found(program: &str, path: &str) -> bool {
        use std::os::unix::fs::PermissionsExt;
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
    /// runs until it is closed). The URL goes to the browser as an argument, as every browser
    /// takes it.
    pub fn open(&self, url: &Secret) -> Result<(), String> {
        let argv = self.argv(url.expose());
        let mut child = std::process::Command::new(&argv[0])
            .args(&argv[1..])
            .stdin(std::process::Stdio::null())
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .map_err(|e| {
                format!(
                    "the browser command '{}' could not be started ({e}): set [console] browser in mfatui's settings, or run with --print",
                    self.describe()
                )
            })?;
        // Reaped in the background, so that a long-lived caller (the TUI) keeps no zombie.
        std::thread::spawn(move || child.wait());
        Ok(())
    }
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
        let e = Browser::for_profile(&ctx(&settings), "dev").unwrap_err();
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
}
