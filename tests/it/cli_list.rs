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
            "—"
        ]
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
    assert_eq!(keys.len(), 22, "documented field set changed: {keys:?}");
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
