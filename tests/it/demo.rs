//! `mfatui --demo` shows every feature with no network at all: each command of `--help` and
//! the TUI's keys (SSO sign-in, key rotation, console, renewals, bulk, defaults, keep fresh)
//! run inside `unshare -n`, a network namespace with nothing but a loopback interface that is
//! down (brought up only for `exec --server`, whose endpoint is on 127.0.0.1). Hints printed in
//! the demo name `mfatui --demo`. The offline proof needs root: outside CI it is skipped,
//! loudly, when `unshare -n` is refused; in CI it must run.

use crate::common::private_env;
use crate::common::Tmux;
use std::path::Path;
use std::process::{Command, Output};
use std::time::{Duration, Instant};

/// Whether commands can be run with no network (`unshare -n`, root only).
fn offline() -> bool {
    let ok = Command::new("unshare")
        .args(["-n", "true"])
        .output()
        .is_ok_and(|o| o.status.success());
    if !ok {
        assert!(
            std::env::var("CI").is_err(),
            "CI must prove the demo offline: run the tests as root, with unshare (util-linux)"
        );
        eprintln!(
            "\n!!! SKIPPING: `unshare -n` needs root; the demo's offline proof did not run\n"
        );
    }
    ok
}

/// Brings the namespace's loopback interface up (SIOCGIFFLAGS / SIOCSIFFLAGS on `lo`), for
/// the one command that serves on 127.0.0.1; nothing outside the namespace becomes reachable.
const LOOPBACK_UP: &str = "import fcntl, socket, struct
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
flags = struct.unpack('16sH14x', fcntl.ioctl(s, 0x8913, struct.pack('16sH14x', b'lo', 0)))[1]
fcntl.ioctl(s, 0x8914, struct.pack('16sH14x', b'lo', flags | 1))";

/// Fetches the credentials `exec --server` serves, as the SDKs' container provider does.
const FETCH: &str = "import json, os, urllib.request
r = urllib.request.Request(os.environ['AWS_CONTAINER_CREDENTIALS_FULL_URI'], headers={'Authorization': os.environ['AWS_CONTAINER_AUTHORIZATION_TOKEN']})
print('served', json.load(urllib.request.urlopen(r, timeout=10))['AccessKeyId'][:4])";

/// A private HOME for demo runs.
struct Demo {
    home: tempfile::TempDir,
}

impl Demo {
    fn new() -> Demo {
        Demo {
            home: tempfile::tempdir().unwrap(),
        }
    }

    /// `mfatui --demo ARGS` in a namespace without network; `loopback` brings `lo` up first.
    fn run(&self, args: &[&str], loopback: bool) -> Output {
        let mut cmd = Command::new("unshare");
        cmd.arg("-n");
        if loopback {
            cmd.args(["sh", "-c", "python3 -c \"$0\" && exec \"$@\"", LOOPBACK_UP]);
        }
        cmd.arg(env!("CARGO_BIN_EXE_mfatui"))
            .arg("--demo")
            .args(args)
            .env_clear()
            .env("PATH", std::env::var("PATH").unwrap_or_default())
            .envs(private_env(self.home.path()))
            .stdin(std::process::Stdio::null());
        cmd.output().unwrap()
    }
}

/// Stdout and stderr of `out` as one text.
fn said(out: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

/// The subcommands `mfatui --help` lists.
fn commands() -> Vec<String> {
    let home = tempfile::tempdir().unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_mfatui"))
        .arg("--help")
        .env_clear()
        .envs(private_env(home.path()))
        .output()
        .unwrap();
    String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .skip_while(|l| !l.starts_with("Commands:"))
        .skip(1)
        .take_while(|l| l.starts_with("  "))
        .filter_map(|l| l.split_whitespace().next().map(str::to_owned))
        .filter(|c| c != "help")
        .collect()
}

#[test]
fn every_command_in_the_help_works_in_the_demo_without_a_network() {
    if !offline() {
        return;
    }
    // Each command, what it must say, and whether it succeeds (a demo profile is denied on
    // purpose, so the bulk renewal reports one failure).
    let checks: &[(&[&str], &[&str], bool)] = &[
        (&["list"], &["↳ ", "not signed in"], true),
        (
            &["list", "--json"],
            &["\"linked_session\": \"acme-dev-mfa\""],
            true,
        ),
        (
            &["set", "acme-dev", "region", "us-east-2", "--yes"],
            &["+region = us-east-2", "Wrote "],
            true,
        ),
        (&["backups"], &["No backups yet."], true),
        (
            &["restore", "config.2026-01-01T00-00-00Z.bak", "--dry-run"],
            &[
                "there is no backup named config.2026-01-01T00-00-00Z.bak in ",
                "`mfatui --demo backups` lists them",
            ],
            false,
        ),
        (
            &["renew", "acme-dev", "--code", "123456", "--yes"],
            &[
                "Renewed 'acme-dev'",
                "Demo: 'acme-dev-mfa' exists only in this demo run's temporary files",
            ],
            true,
        ),
        (
            &["renew", "acme-admin", "--yes"],
            &["Renewed 'acme-admin'"],
            true,
        ),
        (
            &["renew", "--all-expiring", "--yes"],
            &["✓ acme-admin", "✗ forbidden", "1 of 5 renewals failed"],
            false,
        ),
        (
            &["renew", "sso-analytics"],
            &[
                "confirm the code DEMO-CODE",
                "Demo: this page is not real",
                "Signed in: the SSO token is valid until",
            ],
            true,
        ),
        (
            &["discover", "acme-dev", "--yes"],
            &["uses MFA device arn:aws:iam::111122223333:mfa/ana"],
            true,
        ),
        (
            &["export", "acme-dev"],
            &["export AWS_SESSION_TOKEN="],
            true,
        ),
        (&["unset"], &["unset AWS_ACCESS_KEY_ID"], true),
        (
            &[
                "exec",
                "acme-dev",
                "--",
                "sh",
                "-c",
                "test -n \"$AWS_SESSION_TOKEN\" && echo has-a-session",
            ],
            &["has-a-session"],
            true,
        ),
        (
            &["credential-process", "acme-dev"],
            &["\"Version\":1"],
            true,
        ),
        (
            &["rotate", "acme-dev", "--yes"],
            &[
                "Creating a new access key for the IAM user ana",
                "Rotated the access key of 'acme-dev'",
            ],
            true,
        ),
        (
            &["console", "acme-admin", "--code", "123456"],
            &[
                "assumed-role/Admin/",
                "Demo: the sign-in URL below is fake",
                "SigninToken=DEMO-FAKE",
            ],
            true,
        ),
        (
            &["console", "acme-dev"],
            &["federated-user/acme-dev", "SigninToken=DEMO-FAKE"],
            true,
        ),
        (&["status", "acme-dev"], &["acme-dev "], true),
        (
            &["keyring", "list"],
            &["No profile keeps its key in the OS keyring."],
            true,
        ),
        (
            &["keyring", "store", "acme-dev", "--yes"],
            &["the demo never touches your OS keyring"],
            false,
        ),
        (
            &["sso", "populate", "corp", "--yes"],
            &[
                "sso-session corp: 5 roles in 3 accounts; 1 already configured, 4 new.",
                "+[profile Data-Lake-prod-ReadOnly]",
                "+mfatui_generated_by = sso-session corp",
            ],
            true,
        ),
        (&["completions", "bash"], &["_mfatui()"], true),
        (
            &["shell-init", "bash"],
            &["mfa()", "--demo use \"$@\""],
            true,
        ),
        (
            &["use", "acme-dev", "--code", "123456"],
            &["acme-dev-mfa\n"],
            true,
        ),
        (&["man"], &[".SH COMMANDS"], true),
    ];
    let demo = Demo::new();
    let covered: Vec<&str> = checks.iter().map(|(args, _, _)| args[0]).collect();
    for (args, wanted, ok) in checks {
        let out = demo.run(args, false);
        let text = said(&out);
        assert_eq!(out.status.success(), *ok, "mfatui --demo {args:?}:\n{text}");
        for w in *wanted {
            assert!(
                text.contains(w),
                "mfatui --demo {args:?} did not say '{w}':\n{text}"
            );
        }
        assert!(
            !text.contains("Use it with --profile"),
            "a demo profile offered as if it existed outside the demo:\n{text}"
        );
        for offline_failure in [
            "lookup address",
            "Could not reach",
            "dns error",
            "Network is unreachable",
        ] {
            assert!(
                !text.contains(offline_failure),
                "mfatui --demo {args:?} went online:\n{text}"
            );
        }
    }
    let served = demo.run(
        &["exec", "--server", "acme-dev", "--", "python3", "-c", FETCH],
        true,
    );
    assert!(served.status.success(), "{}", said(&served));
    assert!(said(&served).contains("served ASIA"), "{}", said(&served));
    for command in commands() {
        assert!(
            covered.contains(&command.as_str()),
            "the demo check misses `{command}`"
        );
    }
    assert!(!demo.home.path().join(".aws").exists(), "~/.aws untouched");
}

/// Every `mfatui SUBCOMMAND` in `text` says `--demo` first.
fn assert_hints_say_demo(text: &str, commands: &[String]) {
    for (at, _) in text.match_indices("mfatui ") {
        let next = text[at + "mfatui ".len()..]
            .split(|c: char| c.is_whitespace() || c == '`')
            .next()
            .unwrap_or_default();
        assert!(
            !commands.iter().any(|c| c == next),
            "a hint without --demo in the demo: …{}…",
            &text[at.saturating_sub(40)..(at + 40).min(text.len())]
        );
    }
}

#[test]
fn hints_inside_the_demo_say_demo() {
    let commands = commands();
    let demo = Demo::new();
    let mut all = String::new();
    for args in [
        &["export", "acme-admin"][..],
        &["export", "sso-analytics"],
        &["credential-process", "sso-analytics"],
        &["console", "sso-analytics"],
        &["rotate", "legacy-long-term", "--yes"],
        &["renew", "typo"],
        &["renew", "build"],
        &["exec", "legacy", "--", "true"],
        &["list", "--json"],
    ] {
        let out = Command::new(env!("CARGO_BIN_EXE_mfatui"))
            .arg("--demo")
            .args(args)
            .env_clear()
            .env("PATH", std::env::var("PATH").unwrap_or_default())
            .envs(private_env(demo.home.path()))
            .stdin(std::process::Stdio::null())
            .output()
            .unwrap();
        all.push_str(&said(&out));
    }
    // Each demo run starts from fresh files: export points at exec, which renews and runs.
    assert!(
        all.contains("`mfatui --demo exec acme-admin --code 123456 -- env`"),
        "{all}"
    );
    assert!(all.contains("`mfatui --demo renew sso-analytics`"), "{all}");
    assert!(
        all.contains("`mfatui --demo renew legacy-long-term`"),
        "{all}"
    );
    assert_hints_say_demo(&all, &commands);
}

/// The first screen line holding `text`.
fn line_with(screen: &str, text: &str) -> String {
    screen
        .lines()
        .find(|l| l.contains(text))
        .unwrap_or_else(|| panic!("no line with '{text}':\n{screen}"))
        .trim_end()
        .to_owned()
}

/// The screen's text with dialog borders and line breaks taken out, so that a sentence that
/// wraps reads as one.
fn flowing(screen: &str) -> String {
    screen
        .lines()
        .map(|l| l.trim_matches(|c| c == '│' || c == ' '))
        .collect::<Vec<_>>()
        .join(" ")
}

/// Clears the filter, then filters on `name` (its rows first).
fn filter(tmux: &Tmux, name: &str) {
    tmux.send(&["/", "Escape"]);
    tmux.send(&["/", name, "Enter"]);
    tmux.wait_for(&format!("filter: {name}"));
}

#[test]
fn the_demo_in_a_terminal_shows_every_feature_without_a_network() {
    if !offline() {
        return;
    }
    let home = tempfile::tempdir().unwrap();
    let env: Vec<String> = private_env(home.path())
        .iter()
        .map(|(k, v)| format!("{k}={}", v.display()))
        .collect();
    let command = format!(
        "unshare -n env -i PATH=/usr/bin:/bin TERM=xterm-256color {} AWS_PROFILE=acme-dev {} --demo",
        env.join(" "),
        env!("CARGO_BIN_EXE_mfatui")
    );
    let Some(tmux) = Tmux::start(&command) else {
        return;
    };
    let screen = tmux.wait_for("15 profiles");
    assert!(screen.contains(" mfatui --demo "), "{screen}");
    assert!(
        screen.contains("│ * acme-dev "),
        "AWS_PROFILE is marked: {screen}"
    );
    assert!(
        screen
            .contains("Kind         long-term · * AWS_PROFILE selects it (used without --profile)"),
        "{screen}"
    );
    tmux.send(&["?"]);
    let help = tmux.wait_for("Marks in the table");
    assert!(
        help.contains("the profile AWS_PROFILE (or AWS_DEFAULT_PROFILE) selects"),
        "{help}"
    );
    tmux.send(&["Escape"]);
    tmux.wait_gone("Marks in the table");

    // SSO: the stand-in's page and code, approved by itself; the profile then counts down.
    filter(&tmux, "sso");
    tmux.send(&["Enter"]);
    let login = tmux.wait_for("DEMO-CODE");
    assert!(login.contains("Demo: the page is not real"), "{login}");
    tmux.wait_for("✓ Signed in to https://corp.awsapps.com/start");
    // A refreshable sign-in: it counts down to the client registration's end (90 days), and
    // the detail pane says the access token renews itself.
    let screen = tmux.wait_for("89d 23h");
    let row = line_with(&screen, "sso-analytics");
    assert!(!row.contains("not signed in"), "{row}");
    assert!(screen.contains("renews itself"), "{screen}");
    // ⏎ again refreshes with the refresh token: no page, no code.
    tmux.send(&["Enter"]);
    tmux.wait_for("✓ Refreshed the SSO token of https://corp.awsapps.com/start");
    // The console through the SSO portal: a demo URL, no browser.
    tmux.send(&["c"]);
    tmux.wait_for("Console as sso-analytics");
    tmux.send(&["Enter"]);
    let console = tmux.wait_for("Signed in as role Analyst in account 999900001111");
    assert!(console.contains("Demo: the sign-in URL is fake, so no browser was opened."));
    tmux.send(&["Escape"]);
    tmux.wait_gone("Console as sso-analytics");

    // Rotation: the demo's IAM has room; the new key is in place and a day old at most.
    filter(&tmux, "acme-dev");
    tmux.wait_for("due for rotation (K)");
    tmux.send(&["K"]);
    tmux.wait_for("Rotate the access key of acme-dev");
    tmux.send(&["Enter"]);
    tmux.wait_for("✓ Rotated the key of acme-dev");
    tmux.wait_for("0 days (created");

    // A renewal: an empty code is asked for, a wrong one refused with a full stop, the right
    // one written, and the toast fits the 120 columns.
    filter(&tmux, "legacy");
    tmux.send(&["Enter"]);
    tmux.wait_for("Renew legacy");
    tmux.send(&["Enter"]);
    let asked = tmux.wait_for("type the 6-digit MFA code from your device");
    assert!(!asked.contains("not 0"), "{asked}");
    tmux.send(&["654321", "Enter"]);
    let refused = flowing(&tmux.wait_for("Nothing was written."));
    assert!(
        refused.contains("try again. Nothing was written."),
        "{refused}"
    );
    tmux.send(&["Enter"]);
    tmux.send(&["Enter"]);
    tmux.wait_for("Renew legacy");
    tmux.send(&["123456", "Enter"]);
    tmux.wait_for("Write the new credentials of legacy?");
    tmux.send(&["y"]);
    let toast = line_with(&tmux.wait_for("✓ legacy renewed"), "✓ legacy renewed");
    assert!(
        toast.contains("legacy valid until ")
            && (toast.contains(" (for 11h59m).") || toast.contains(" (for 12h).")),
        "{toast}"
    );
    assert!(!toast.contains("until in"), "{toast}");
    assert!(
        toast.contains(" Backup in ~/") && toast.ends_with("/.mfatui-backups/"),
        "the whole toast fits: {toast}"
    );

    // The defaults dialog shows its whole sentence.
    tmux.send(&["s"]);
    let defaults = flowing(&tmux.wait_for("Defaults for legacy"));
    assert!(
        defaults.contains("; comments there are kept."),
        "{defaults}"
    );
    tmux.send(&["Escape"]);
    tmux.wait_gone("Defaults for legacy");

    // Keep fresh is saved to the demo's own settings (on a profile the bulk renewal below
    // leaves alone: a kept-fresh renewal landing between the bulk's read and its write is
    // refused as a change made on disk meanwhile, by design).
    filter(&tmux, "legacy");
    tmux.send(&["f"]);
    tmux.wait_for("Saved to the settings file.");

    // Bulk: a failed profile stays on screen until dismissed, after the others are written.
    tmux.send(&["/", "Escape"]);
    tmux.send(&["a"]);
    tmux.wait_for("marked");
    tmux.send(&["Enter"]);
    tmux.wait_for("Renew marked profiles");
    tmux.send(&["Enter"]);
    let preview = tmux.wait_for("Write the new credentials of 4 profiles?");
    assert!(preview.contains("✗ forbidden"), "{preview}");
    tmux.send(&["y"]);
    tmux.wait_for("Renewed 4 profiles; 1 failed");
    tmux.send(&["j"]);
    std::thread::sleep(Duration::from_secs(1));
    let result = tmux.screen();
    assert!(
        result.contains("Renewed 4 profiles; 1 failed") && result.contains("✗ forbidden"),
        "{result}"
    );
    tmux.send(&["Escape"]);
    tmux.wait_gone("1 failed");

    let screen = tmux.screen();
    for secret in [
        "demo/long-term/secret",
        "demo-fake-secret",
        "DEMO-FAKE-SESSION-TOKEN",
        "DEMO-FAKE-SSO-TOKEN",
    ] {
        assert!(!screen.contains(secret), "secret on screen: {secret}");
    }
    tmux.send(&["q"]);
    let start = Instant::now();
    while tmux.alive() {
        assert!(start.elapsed() < Duration::from_secs(10), "q did not quit");
        std::thread::sleep(Duration::from_millis(100));
    }
    assert!(!home.path().join(".aws").exists(), "~/.aws untouched");
    assert!(
        !Path::new(&home.path().join(".config/mfatui/config.toml")).exists(),
        "the demo saves settings in its own folder"
    );
}
