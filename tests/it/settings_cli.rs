//! mfatui's own settings file, as a user meets it: naming, durations, overrides, backups,
//! and an invalid file that is reported without stopping anything.

use std::path::Path;
use std::process::{Command, Output};

fn mfatui(home: &Path, settings: Option<&str>, args: &[&str]) -> Output {
    let config_home = home.join("xdg");
    if let Some(text) = settings {
        std::fs::create_dir_all(config_home.join("mfatui")).unwrap();
        std::fs::write(config_home.join("mfatui/config.toml"), text).unwrap();
    }
    Command::new(env!("CARGO_BIN_EXE_mfatui"))
        .args(args)
        .env_clear()
        .env("HOME", home)
        .env("XDG_CONFIG_HOME", &config_home)
        .output()
        .unwrap()
}

#[test]
fn naming_durations_and_per_profile_overrides_shape_renewals() {
    let home = tempfile::tempdir().unwrap();
    let settings = "# mine\n[naming]\ntarget = \"{profile}-session\"\n[durations]\nsession = \"8h\"\n[profiles.acme-readonly]\nduration = \"30m\"\ntarget = \"ro-now\"\n";
    let out = mfatui(
        home.path(),
        Some(settings),
        &["--demo", "renew", "acme-dev", "--dry-run"],
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.contains("'acme-dev' (session mode, 8h)")
            && stdout.contains("writes [acme-dev-session]"),
        "{stdout}"
    );
    let out = mfatui(
        home.path(),
        None,
        &["--demo", "renew", "acme-readonly", "--dry-run"],
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.contains("(role mode, 30m)") && stdout.contains("writes [ro-now]"),
        "{stdout}"
    );
    let out = mfatui(
        home.path(),
        None,
        &[
            "--demo",
            "renew",
            "acme-readonly",
            "--dry-run",
            "--duration",
            "2h",
        ],
    );
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("(role mode, 2h)"),
        "the command line wins"
    );
}

#[test]
fn an_invalid_settings_file_is_named_with_line_and_key_and_defaults_apply() {
    let home = tempfile::tempdir().unwrap();
    let out = mfatui(
        home.path(),
        Some("[thresholds]\nwarn = \"soon\"\n"),
        &["--demo", "list"],
    );
    assert!(out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("config.toml: line 2: thresholds.warn: 'soon' is not a duration")
            && stderr.contains("using the defaults"),
        "{stderr}"
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("acme-admin"));
}

#[test]
fn backups_go_where_the_settings_say_and_can_be_restored_from_there() {
    let home = tempfile::tempdir().unwrap();
    let aws = home.path().join(".aws");
    std::fs::create_dir_all(&aws).unwrap();
    std::fs::write(aws.join("credentials"), "[dev]\nregion = a\n").unwrap();
    let dir = home.path().join("vault/backups");
    let settings = format!("[backups]\ndir = \"{}\"\nkeep = 2\n", dir.display());
    for value in ["b", "c", "d"] {
        let out = mfatui(
            home.path(),
            Some(&settings),
            &[
                "set",
                "dev",
                "region",
                value,
                "--file",
                "credentials",
                "--yes",
            ],
        );
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let kept: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "bak"))
        .collect();
    assert_eq!(kept.len(), 2, "backups.keep = 2: {kept:?}");
    assert!(
        dir.join(".gitignore").is_file(),
        "the folder ignores itself in git"
    );
    assert!(!aws.join(".mfatui-backups").join("credentials.bak").exists());
    let listing = String::from_utf8(mfatui(home.path(), None, &["backups"]).stdout).unwrap();
    let newest = listing
        .lines()
        .last()
        .unwrap()
        .split_whitespace()
        .last()
        .unwrap()
        .to_owned();
    assert!(newest.starts_with(&dir.display().to_string()), "{listing}");
    let out = mfatui(home.path(), None, &["restore", &newest, "--yes"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        std::fs::read_to_string(aws.join("credentials")).unwrap(),
        "[dev]\nregion = c\n"
    );
}
