//! Ecosystem polish: completions, man page, --version, the -v log, and --demo's isolation.

use std::process::{Command, Output};

fn mfatui(home: &std::path::Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_mfatui"))
        .args(args)
        .env_clear()
        .env("HOME", home)
        .output()
        .unwrap()
}

#[test]
fn completions_and_man_page_come_from_the_clap_definition() {
    let home = tempfile::tempdir().unwrap();
    for (shell, marker) in [
        ("bash", "_mfatui()"),
        ("zsh", "#compdef mfatui"),
        ("fish", "complete -c mfatui"),
        ("powershell", "Register-ArgumentCompleter"),
    ] {
        let out = mfatui(home.path(), &["completions", shell]);
        let text = String::from_utf8(out.stdout).unwrap();
        assert!(out.status.success() && text.contains(marker), "{shell}");
        assert!(
            text.contains("renew") && text.contains("export"),
            "{shell} completes subcommands"
        );
    }
    let man = String::from_utf8(mfatui(home.path(), &["man"]).stdout).unwrap();
    assert!(
        man.contains(".TH mfatui 1") && man.contains("renew"),
        "{man}"
    );
    let version = String::from_utf8(mfatui(home.path(), &["--version"]).stdout).unwrap();
    assert_eq!(
        version.trim(),
        format!("mfatui {}", env!("CARGO_PKG_VERSION"))
    );
}

#[test]
fn verbose_log_records_what_happened_but_no_secret() {
    let home = tempfile::tempdir().unwrap();
    let out = mfatui(
        home.path(),
        &[
            "--demo", "-v", "renew", "acme-dev", "--code", "123456", "--yes",
        ],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let log_path = home.path().join(".local/state/mfatui/mfatui.log");
    let log = std::fs::read_to_string(&log_path).unwrap();
    assert!(
        log.contains("renew acme-dev (session mode, source acme-dev"),
        "{log}"
    );
    assert!(
        log.contains(": ok in ") && log.contains("wrote ") && log.contains("finished"),
        "{log}"
    );
    for secret in [
        "demo/long-term/secret",
        "demo-fake-secret",
        "DEMO-FAKE-SESSION-TOKEN",
        "AKIADEMO",
    ] {
        assert!(!log.contains(secret), "{secret} in log");
    }
    use std::os::unix::fs::PermissionsExt;
    assert_eq!(
        std::fs::metadata(&log_path).unwrap().permissions().mode() & 0o777,
        0o600
    );
}

#[test]
fn demo_never_touches_the_real_aws_folder_and_behaves_like_sts() {
    let home = tempfile::tempdir().unwrap();
    let ok = mfatui(home.path(), &["--demo", "renew", "acme-admin", "--yes"]);
    let stdout = String::from_utf8_lossy(&ok.stdout);
    assert!(
        ok.status.success() && stdout.contains("with the MFA session of 'acme-dev-mfa'"),
        "{stdout}"
    );
    let wrong = mfatui(
        home.path(),
        &["--demo", "renew", "acme-dev", "--code", "654321", "--yes"],
    );
    assert!(String::from_utf8_lossy(&wrong.stderr).contains("The MFA code was rejected"));
    let denied = mfatui(home.path(), &["--demo", "renew", "forbidden", "--yes"]);
    assert!(String::from_utf8_lossy(&denied.stderr).contains("check the role's trust policy"));
    assert!(!home.path().join(".aws").exists(), "~/.aws untouched");
}
