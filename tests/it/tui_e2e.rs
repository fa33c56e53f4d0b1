//! End to end: the real binary in a real terminal (tmux), renewing against moto, as a person
//! would: filter to the profile, Enter, type the code, Enter, read the diff, press y.

use crate::common::{Moto, Sandbox};
use std::process::Command;
use std::time::{Duration, Instant};

/// A tmux server of its own (120×40) running one command; killed when dropped.
pub(crate) struct Tmux {
    socket: String,
}

impl Tmux {
    /// Starts `command` in a new session; `None` (loudly) without tmux, outside CI.
    pub(crate) fn start(command: &str) -> Option<Tmux> {
        if Command::new("tmux").arg("-V").output().is_err() {
            assert!(std::env::var("CI").is_err(), "CI must have tmux");
            eprintln!("\n!!! SKIPPING: tmux is not installed\n");
            return None;
        }
        static STARTED: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);
        let n = STARTED.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let tmux = Tmux {
            socket: format!("mfatui-e2e-{}-{n}", std::process::id()),
        };
        let status = Command::new("tmux")
            .args([
                "-L",
                &tmux.socket,
                "new-session",
                "-d",
                "-s",
                "e2e",
                "-x",
                "120",
                "-y",
                "40",
                command,
            ])
            .status()
            .unwrap();
        assert!(status.success());
        Some(tmux)
    }

    /// Sends keys (tmux names: `Enter`, `Escape`, `C-c`, or text).
    pub(crate) fn send(&self, keys: &[&str]) {
        let status = Command::new("tmux")
            .args(["-L", &self.socket, "send-keys", "-t", "e2e"])
            .args(keys)
            .status()
            .unwrap();
        assert!(status.success());
    }

    /// What is on screen now.
    pub(crate) fn screen(&self) -> String {
        let out = Command::new("tmux")
            .args(["-L", &self.socket, "capture-pane", "-p", "-t", "e2e"])
            .output()
            .unwrap();
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    /// Polls the screen until `text` shows (at most 20 s).
    pub(crate) fn wait_for(&self, text: &str) -> String {
        let start = Instant::now();
        loop {
            let screen = self.screen();
            if screen.contains(text) {
                return screen;
            }
            assert!(
                start.elapsed() < Duration::from_secs(20),
                "'{text}' never showed; screen:\n{screen}"
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// Whether the session still runs.
    pub(crate) fn alive(&self) -> bool {
        Command::new("tmux")
            .args(["-L", &self.socket, "has-session", "-t", "e2e"])
            .status()
            .is_ok_and(|s| s.success())
    }
}

impl Drop for Tmux {
    fn drop(&mut self) {
        let _ = Command::new("tmux")
            .args(["-L", &self.socket, "kill-server"])
            .status();
    }
}

#[test]
fn renew_a_role_from_the_keyboard_in_a_real_terminal() {
    let Some(moto) = Moto::start() else { return };
    let secret = moto.get("secret_access_key");
    let creds = format!(
        "[dev]\naws_access_key_id = {}\naws_secret_access_key = {secret}\n",
        moto.get("access_key_id")
    );
    let config = format!(
        "[profile dev]\nregion = eu-west-1\nmfa_serial = {}\n\n[profile admin]\nrole_arn = {}\nsource_profile = dev\nmfa_serial = {}\nregion = eu-west-1\n\n[profile zzz]\nregion = us-east-1\n",
        moto.get("mfa_serial"),
        moto.role("Admin"),
        moto.get("mfa_serial")
    );
    let sb = Sandbox::new(&moto.url, &config, &creds);
    let command = format!(
        "env -i PATH=/usr/bin:/bin TERM=xterm-256color HOME={} AWS_ENDPOINT_URL={} AWS_PROFILE=zzz {}",
        sb.home.path().display(),
        moto.url,
        env!("CARGO_BIN_EXE_mfatui")
    );
    let Some(tmux) = Tmux::start(&command) else {
        return;
    };

    let screen = tmux.wait_for("3 profiles");
    assert!(screen.contains("* zzz"), "AWS_PROFILE is marked: {screen}");
    tmux.send(&["/", "adm", "Enter"]);
    tmux.wait_for("1 shown");
    tmux.send(&["Enter"]);
    tmux.wait_for("Renew admin");
    tmux.send(&["123456"]);
    tmux.wait_for("[123456]");
    tmux.send(&["Enter"]);
    let preview = tmux.wait_for("Write the new credentials of admin?");
    assert!(
        preview.contains("+[admin-mfa]") && preview.contains("+aws_secret_access_key = ****"),
        "{preview}"
    );
    tmux.send(&["y"]);
    tmux.wait_for("admin renewed: admin-mfa valid until");
    tmux.send(&["Escape"]);
    let screen = tmux.wait_for("admin-mfa");
    let row = screen
        .lines()
        .find(|l| l.contains("admin-mfa") && l.contains("session"))
        .unwrap_or_else(|| panic!("{screen}"));
    assert!(
        row.contains("59m") || row.contains("1h 00m"),
        "a live countdown: {row}"
    );
    for hidden in [secret.as_str(), "wJalrXUtnFEMI", "aws_session_token = A"] {
        assert!(!screen.contains(hidden), "secret on screen: {hidden}");
    }

    assert_eq!(sb.backups().len(), 1, "a backup was made first");
    assert!(sb.caller_arn("admin-mfa").contains(":assumed-role/Admin/"));

    tmux.send(&["q"]);
    let start = Instant::now();
    while tmux.alive() {
        assert!(start.elapsed() < Duration::from_secs(10), "q did not quit");
        std::thread::sleep(Duration::from_millis(100));
    }
}

#[test]
fn a_caller_without_a_terminal_is_answered_from_the_open_window() {
    let Some(moto) = Moto::start() else { return };
    let creds = format!(
        "[dev]\naws_access_key_id = {}\naws_secret_access_key = {}\n",
        moto.get("access_key_id"),
        moto.get("secret_access_key")
    );
    let config = format!(
        "[profile dev]\nregion = eu-west-1\nmfa_serial = {}\n",
        moto.get("mfa_serial")
    );
    let sb = Sandbox::new(&moto.url, &config, &creds);
    let run = sb.home.path().join("run");
    std::fs::create_dir(&run).unwrap();
    std::fs::set_permissions(&run, std::os::unix::fs::PermissionsExt::from_mode(0o700)).unwrap();
    let env = format!(
        "env -i PATH=/usr/bin:/bin HOME={} AWS_ENDPOINT_URL={} XDG_RUNTIME_DIR={}",
        sb.home.path().display(),
        moto.url,
        run.display()
    );
    let Some(tmux) = Tmux::start(&format!(
        "{env} TERM=xterm-256color {}",
        env!("CARGO_BIN_EXE_mfatui")
    )) else {
        return;
    };
    tmux.wait_for("1 profile ");
    let socket = run.join("mfatui/requests.sock");
    let start = Instant::now();
    while !socket.exists() {
        assert!(
            start.elapsed() < Duration::from_secs(10),
            "no request socket"
        );
        std::thread::sleep(Duration::from_millis(50));
    }

    // As an IDE would: no terminal at all (setsid), standard input closed, output captured.
    let spawn_caller = || {
        Command::new("sh")
            .args([
                "-c",
                &format!(
                    "exec setsid -w {env} {} credential-process dev </dev/null",
                    env!("CARGO_BIN_EXE_mfatui")
                ),
            ])
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap()
    };
    let caller = spawn_caller();
    let screen = tmux.wait_for("Asked for by pid");
    assert!(screen.contains("Renew dev"), "{screen}");
    tmux.send(&["123456"]);
    tmux.wait_for("[123456]");
    tmux.send(&["Enter"]);
    tmux.wait_for("Write the new credentials of dev?");
    tmux.send(&["y"]);
    let out = caller.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(doc["AccessKeyId"], "AKIAIOSFODNN7EXAMPLE");
    assert_eq!(sb.backups().len(), 1);

    // The window closes while a caller waits: the caller fails in one sentence.
    let expired = sb.credentials().replace(
        &sb.credentials()
            .lines()
            .find(|l| l.starts_with("expiration"))
            .unwrap()
            .to_owned(),
        "expiration = 2026-01-01T00:00:00Z",
    );
    std::fs::write(sb.aws("credentials"), expired).unwrap();
    let caller = spawn_caller();
    tmux.wait_for("Asked for by pid");
    tmux.send(&["C-c"]);
    let out = caller.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr.contains("window closed"), "{stderr}");
    assert_eq!(stderr.trim().lines().count(), 1, "{stderr}");
    assert!(!socket.exists(), "the socket goes with the window");
}

#[test]
fn a_wrong_code_typed_at_the_terminal_is_asked_again_three_times_at_most() {
    // STS answers every call with "wrong MFA code".
    let sts = crate::common::sts_error_responder(403, crate::common::WRONG_CODE);
    let sb = Sandbox::new(
        &sts,
        "[profile dev]\nregion = eu-west-1\nmfa_serial = arn:aws:iam::123456789012:mfa/ana\n",
        "[dev]\naws_access_key_id = AKIALONGLONGLONG0000\naws_secret_access_key = long-secret\n",
    );
    let before = sb.credentials();
    let command = format!(
        "sh -c 'env -i PATH=/usr/bin:/bin HOME={} AWS_ENDPOINT_URL={sts} {} credential-process dev >/dev/null; echo EXIT=$?; sleep 30'",
        sb.home.path().display(),
        env!("CARGO_BIN_EXE_mfatui")
    );
    let Some(tmux) = Tmux::start(&command) else {
        return;
    };
    for asked in 1..=3 {
        let start = Instant::now();
        while tmux
            .screen()
            .matches("MFA code for arn:aws:iam::123456789012:mfa/ana (dev):")
            .count()
            < asked
        {
            assert!(
                start.elapsed() < Duration::from_secs(20),
                "{}",
                tmux.screen()
            );
            std::thread::sleep(Duration::from_millis(50));
        }
        tmux.send(&["123456", "Enter"]);
    }
    let screen = tmux.wait_for("EXIT=1");
    assert_eq!(
        screen.matches("The MFA code was rejected").count(),
        3,
        "two retries, then the final error: {screen}"
    );
    assert_eq!(screen.matches("MFA code for").count(), 3, "{screen}");
    assert_eq!(sb.credentials(), before, "nothing written");
}

#[test]
fn the_demo_shows_how_old_a_key_is_without_blocking() {
    let cache = tempfile::tempdir().unwrap();
    let command = format!(
        "env -i PATH=/usr/bin:/bin TERM=xterm-256color HOME={0} XDG_CACHE_HOME={0}/cache {1} --demo",
        cache.path().display(),
        env!("CARGO_BIN_EXE_mfatui")
    );
    let Some(tmux) = Tmux::start(&command) else {
        return;
    };
    tmux.wait_for("15 profiles");
    tmux.send(&["/", "acme-dev", "Enter"]);
    let screen = tmux.wait_for("Key age");
    assert!(screen.contains("acme-dev"), "{screen}");
    let screen = tmux.wait_for("due for rotation");
    assert!(screen.contains("123 days"), "{screen}");
    assert!(
        !cache.path().join("cache/mfatui").exists(),
        "the demo caches in its own folder"
    );
}
