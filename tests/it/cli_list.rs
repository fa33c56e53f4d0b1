//! `mfatui list` through the real binary: table, JSON, secrets, and bad files.

use serde_json::Value;
use std::path::Path;
use std::process::{Command, Output};

fn fixture(name: &str) -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
}

fn mfatui(dir: &Path, args: &[&str], profile: Option<&str>) -> Output {
    let home = tempfile::tempdir().unwrap();
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_mfatui"));
    cmd.args(args)
        .env_clear()
        .env("HOME", home.path())
        .env("AWS_CONFIG_FILE", dir.join("config"))
        .env("AWS_SHARED_CREDENTIALS_FILE", dir.join("credentials"));
    if let Some(p) = profile {
        cmd.env("AWS_PROFILE", p);
    }
    cmd.output().unwrap()
}

const SECRETS: [&str; 6] = [
    "SHOWCASE-SECRET-dev",
    "SHOWCASE-SECRET-mfa",
    "SHOWCASE-TOKEN-mfa",
    "SHOWCASE-SECRET-later",
    "SHOWCASE-TOKEN-later",
    "AKIASHOWCASEDEV1",
];

#[test]
fn table_lists_every_profile_with_kind_account_region_mfa_and_expiry() {
    let out = mfatui(&fixture("53-mixed-showcase"), &["list"], Some("admin"));
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    let rows: Vec<Vec<&str>> = text
        .lines()
        .map(|l| l.split_whitespace().collect())
        .collect();
    assert_eq!(
        rows[0],
        [
            "PROFILE",
            "KIND",
            "ACCOUNT",
            "ROLE/USER",
            "SOURCE",
            "REGION",
            "MFA",
            "EXPIRES"
        ]
    );
    assert_eq!(
        rows[1],
        [
            "*",
            "admin",
            "role",
            "222222222222",
            "Admin",
            "dev",
            "eu-west-1",
            "yes",
            "—"
        ]
    );
    assert_eq!(rows[2][..3], ["!broken", "role", "222222222222"]);
    assert_eq!(
        rows[4][..8],
        [
            "dev",
            "long-term",
            "111111111111",
            "ana",
            "—",
            "eu-west-1",
            "yes",
            "↳"
        ]
    );
    let dev = text.lines().nth(4).unwrap();
    assert!(
        dev.contains("↳ 2000-01-01 00:00:00 UTC (expired "),
        "dev's session is kept in dev-mfa: its countdown, as the TUI shows it: {dev}"
    );
    assert_eq!(rows[5][..3], ["dev-mfa", "session", "—"]);
    assert!(text.contains("2000-01-01 00:00:00 UTC (expired "), "{text}");
    assert!(text.contains("2999-01-01 00:00:00 UTC (in "), "{text}");
    assert!(text.contains("broken: source_profile 'ghost' (named in 'broken') does not exist"));
    for secret in SECRETS {
        assert!(!text.contains(secret), "secret {secret} printed");
    }
}

#[test]
fn json_is_a_stable_array_without_secrets() {
    let out = mfatui(
        &fixture("53-mixed-showcase"),
        &["list", "--json"],
        Some("dev"),
    );
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    for secret in SECRETS {
        assert!(!text.contains(secret), "secret {secret} in JSON");
    }
    let rows: Vec<Value> = serde_json::from_str(&text).unwrap();
    let names: Vec<&str> = rows.iter().map(|r| r["name"].as_str().unwrap()).collect();
    assert_eq!(
        names,
        ["admin", "broken", "default", "dev", "dev-mfa", "later", "sso-read"]
    );
    let by = |n: &str| rows.iter().find(|r| r["name"] == n).unwrap();
    let dev = by("dev");
    assert_eq!(dev["selected"], true);
    assert_eq!(dev["kind"], "long-term");
    assert_eq!(dev["has_keys"], true);
    assert_eq!(dev["mfa_serial"], "arn:aws:iam::111111111111:mfa/ana");
    assert_eq!(dev["credentials_section"], "dev");
    assert_eq!(dev["config_section"], "profile dev");
    let admin = by("admin");
    assert_eq!(admin["chain"], serde_json::json!(["dev"]));
    assert_eq!(admin["role_arn"], "arn:aws:iam::222222222222:role/Admin");
    let mfa = by("dev-mfa");
    assert_eq!(mfa["expiry_status"], "expired");
    assert_eq!(mfa["expiration"], "2000-01-01T00:00:00Z");
    assert_eq!(mfa["expiry_source"], "expiration");
    assert!(mfa["expires_in_seconds"].as_i64().unwrap() < 0);
    assert_eq!(by("later")["expiry_status"], "valid");
    assert_eq!(
        by("broken")["problems"][0],
        "source_profile 'ghost' (named in 'broken') does not exist"
    );
    let keys: Vec<&String> = dev.as_object().unwrap().keys().collect();
    assert_eq!(keys.len(), 26, "documented field set changed: {keys:?}");
    let doc =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/reading.md"))
            .unwrap();
    let table = &doc[doc.find("## `mfatui list --json`").unwrap()..];
    for key in keys {
        assert!(
            table.lines().any(|l| l.starts_with("| ")
                && l.split(" | ").next().unwrap().contains(&format!("`{key}`"))),
            "field {key} is not documented in docs/reading.md"
        );
    }
}

/// `mfatui --demo ARGS` with a private HOME, its output as text.
fn demo(args: &[&str]) -> (String, String) {
    let home = tempfile::tempdir().unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_mfatui"))
        .arg("--demo")
        .args(args)
        .env_clear()
        .env("HOME", home.path())
        .env("TMPDIR", home.path())
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    (
        String::from_utf8(out.stdout).unwrap(),
        String::from_utf8(out.stderr).unwrap(),
    )
}

#[test]
fn list_shows_the_linked_countdown_and_not_signed_in_as_the_tui_does() {
    let (table, _) = demo(&["list"]);
    let row = |name: &str| {
        table
            .lines()
            .find(|l| l.split_whitespace().next() == Some(name))
            .unwrap_or_else(|| panic!("no row {name}:\n{table}"))
            .to_owned()
    };
    // acme-dev's session is kept in acme-dev-mfa: the same countdown, marked ↳ (as the TUI).
    let own = row("acme-dev-mfa");
    let expiry = own[own.find("UTC").unwrap() - 20..].trim().to_owned();
    assert!(
        expiry.ends_with("(in 2h13m)") || expiry.ends_with("(in 2h14m)"),
        "{own}"
    );
    assert!(row("acme-dev").ends_with(&format!("↳ {expiry}")), "{table}");
    assert!(
        row("legacy-long-term").contains("↳ ")
            && row("legacy-long-term").contains("expired 3m ago")
    );
    assert!(row("sso-analytics").ends_with("not signed in"), "{table}");
    assert!(row("acme-admin").ends_with("—"), "no session yet: {table}");

    let (json, _) = demo(&["list", "--json"]);
    let rows: Vec<Value> = serde_json::from_str(&json).unwrap();
    let by = |n: &str| rows.iter().find(|r| r["name"] == n).unwrap().clone();
    let dev = by("acme-dev");
    assert_eq!(
        dev["expiration"],
        Value::Null,
        "its own fields keep their meaning"
    );
    assert_eq!(dev["linked_session"], "acme-dev-mfa");
    assert_eq!(dev["linked_expiration"], by("acme-dev-mfa")["expiration"]);
    let left = dev["linked_expires_in_seconds"].as_i64().unwrap();
    assert!((8000..=8040).contains(&left), "{left}");
    assert_eq!(dev["expiry_note"], Value::Null);
    assert_eq!(by("acme-dev-mfa")["linked_session"], Value::Null);
    assert_eq!(by("acme-readonly")["linked_session"], "acme-readonly-mfa");
    assert_eq!(by("sso-analytics")["expiry_note"], "not signed in");
    assert_eq!(by("acme-admin")["linked_expiration"], Value::Null);
}

#[test]
fn an_empty_setup_names_the_files_it_read_and_suggests_the_demo() {
    let home = tempfile::tempdir().unwrap();
    let run = |args: &[&str], extra: &[(&str, &Path)]| {
        let out = Command::new(env!("CARGO_BIN_EXE_mfatui"))
            .args(args)
            .env_clear()
            .env("HOME", home.path())
            .envs(extra.iter().copied())
            .output()
            .unwrap();
        assert!(out.status.success());
        (
            String::from_utf8(out.stdout).unwrap(),
            String::from_utf8(out.stderr).unwrap(),
        )
    };
    let (table, note) = run(&["list"], &[]);
    assert_eq!(
        table.lines().count(),
        1,
        "only the header on stdout: {table}"
    );
    let aws = home.path().join(".aws");
    for said in [
        format!(
            "No profiles in {} (does not exist) or {} (does not exist).",
            aws.join("config").display(),
            aws.join("credentials").display()
        ),
        "`aws configure --profile NAME`".to_owned(),
        "`mfatui discover NAME`".to_owned(),
        "`mfatui --demo`".to_owned(),
    ] {
        assert!(note.contains(&said), "'{said}' missing: {note}");
    }
    let elsewhere = home.path().join("team-config");
    std::fs::write(&elsewhere, "# shared later\n").unwrap();
    let (json, note) = run(&["list", "--json"], &[("AWS_CONFIG_FILE", &elsewhere)]);
    assert_eq!(json.trim(), "[]", "stdout stays JSON");
    assert!(
        note.contains(&format!("{} (defines no profile)", elsewhere.display())),
        "{note}"
    );
    let (_, quiet) = demo(&["list"]);
    assert!(!quiet.contains("No profiles"), "{quiet}");
}

#[test]
fn a_malformed_file_fails_with_its_path_and_line() {
    let dir = fixture("13-duplicate-key");
    let out = mfatui(&dir, &["list"], None);
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(
        err.contains(&format!(
            "{}: line 3: key 'aws_access_key_id' appears a second time",
            dir.join("credentials").display()
        )),
        "{err}"
    );
    assert!(
        !err.contains("AKIA2"),
        "the offending value is not echoed: {err}"
    );
    assert!(out.stdout.is_empty());
}

#[test]
fn non_utf8_file_is_refused_with_line() {
    let out = mfatui(&fixture("45-not-utf8"), &["list"], None);
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(
        err.contains("credentials: line 2: the file is not valid UTF-8"),
        "{err}"
    );
}

#[test]
fn missing_files_mean_no_profiles() {
    let empty = tempfile::tempdir().unwrap();
    let out = mfatui(empty.path(), &["list", "--json"], None);
    assert!(out.status.success());
    assert_eq!(String::from_utf8(out.stdout).unwrap().trim(), "[]");
}

#[test]
fn file_flags_override_the_environment() {
    let dir = fixture("02-config-profiles");
    let out = mfatui(
        Path::new("/nonexistent"),
        &[
            "list",
            "--json",
            "--config-file",
            dir.join("config").to_str().unwrap(),
        ],
        None,
    );
    let rows: Vec<Value> = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(rows.len(), 2);
}

#[test]
fn a_long_listing_is_written_whole_and_printable_in_every_part() {
    let dir = tempfile::tempdir().unwrap();
    let mut config = String::new();
    for i in 0..3000 {
        config.push_str(&format!("[profile p{i:04}]\nregion = eu-west-1\n"));
    }
    // Late in the list (past the first chunks written), with an escape sequence and a bidi
    // override in its name and its region.
    config.push_str("[profile \"zz\u{1b}]0;owned\u{7}\u{202E}\"]\nregion = \u{1b}[2J\n");
    std::fs::write(dir.path().join("config"), config).unwrap();
    std::fs::write(dir.path().join("credentials"), "").unwrap();
    let out = mfatui(dir.path(), &["list"], None);
    assert!(out.status.success());
    let stdout = String::from_utf8(out.stdout).unwrap();
    assert_eq!(stdout.lines().count(), 1 + 3001, "header and every profile");
    assert!(stdout.lines().any(|l| l.starts_with("  p2999 ")));
    assert!(
        !stdout.contains(['\u{1b}', '\u{7}', '\u{202E}']),
        "nothing drives the terminal"
    );
    assert!(
        stdout.contains("zz?]0;owned??"),
        "{}",
        &stdout[stdout.len() - 200..]
    );
}

#[test]
fn a_listing_that_cannot_be_written_says_so_once() {
    let home = tempfile::tempdir().unwrap();
    let dir = fixture("53-mixed-showcase");
    std::fs::create_dir_all(home.path().join(".config/mfatui")).unwrap();
    std::fs::write(
        home.path().join(".config/mfatui/config.toml"),
        "[[[not toml",
    )
    .unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_mfatui"))
        .arg("list")
        .env_clear()
        .env("HOME", home.path())
        .env("AWS_CONFIG_FILE", dir.join("config"))
        .env("AWS_SHARED_CREDENTIALS_FILE", dir.join("credentials"))
        .stdout(
            std::fs::OpenOptions::new()
                .write(true)
                .open("/dev/full")
                .unwrap(),
        )
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    // The settings warning and the failure, each once: not a second run through clap.
    assert_eq!(stderr.matches("config.toml").count(), 1, "{stderr}");
    assert_eq!(
        stderr.lines().filter(|l| l.contains("No space")).count(),
        1,
        "{stderr}"
    );
}
