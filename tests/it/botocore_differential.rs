//! Differential test: mfatui's reading of every fixture must equal botocore's.
//!
//! Each `tests/fixtures/NAME/` holds a `config` and/or `credentials` file and `botocore.json`,
//! botocore's `Session().full_config` for them (or the fact that it raised ConfigParseError).
//! The recorded answer is always compared; when python3 with botocore is installed (CI
//! installs it) botocore is also run live and must agree with both. Re-record with
//! `MFATUI_RECORD_FIXTURES=1 cargo test --test botocore_differential`.

use mfatui::awsfiles::{AwsFiles, AwsPaths, LoadError};
use serde_json::{json, Value};
use std::path::{Path, PathBuf};
use std::process::Command;

fn fixture_dirs() -> Vec<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures");
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(root)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_dir())
        .collect();
    dirs.sort();
    dirs
}

fn mfatui_view(dir: &Path) -> Value {
    let paths = AwsPaths {
        config: dir.join("config"),
        credentials: dir.join("credentials"),
        cli_cache: dir.join("no-cache"),
        mfa_secure_sessions: dir.join("mfa-secure-sessions"),
        sso_cache: dir.join("sso-cache"),
        login_cache: dir.join("login-cache"),
        mfatui_cache: dir.join("mfatui-cache"),
        selected_profile: None,
    };
    let json = AwsFiles::load(&paths).and_then(|files| Ok(files.config_map()?.to_botocore_json()));
    match json {
        Ok(json) => json!({ "full_config": json }),
        Err(LoadError::Syntax { .. } | LoadError::Decode { .. }) => {
            json!({ "error": "ConfigParseError" })
        }
        Err(other) => panic!("{}: unexpected error {other}", dir.display()),
    }
}

/// botocore leaves out `sso_sessions` and `services` when the config file is missing; empty
/// groups carry no meaning, so both sides drop them before comparing.
fn normalized(mut view: Value) -> Value {
    if let Some(Value::Object(config)) = view.get_mut("full_config") {
        config
            .retain(|k, v| !(matches!(k.as_str(), "sso_sessions" | "services") && v == &json!({})));
    }
    view
}

fn recorded(dir: &Path) -> Value {
    let text = std::fs::read_to_string(dir.join("botocore.json"))
        .unwrap_or_else(|_| panic!("{} has no botocore.json", dir.display()));
    serde_json::from_str(&text).unwrap()
}

/// Runs botocore on every fixture, or says loudly why it cannot (and fails in CI).
fn live_botocore(dirs: &[PathBuf]) -> Option<Value> {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/botocore_dump.py");
    let output = Command::new("python3").arg(script).args(dirs).output();
    match output {
        Ok(out) if out.status.success() => Some(serde_json::from_slice(&out.stdout).unwrap()),
        other => {
            let why = match other {
                Ok(out) => String::from_utf8_lossy(&out.stderr).into_owned(),
                Err(e) => e.to_string(),
            };
            assert!(
                std::env::var("CI").is_err(),
                "CI must have python3 + botocore: {why}"
            );
            eprintln!(
                "\n!!! SKIPPING live botocore comparison (python3/botocore unavailable): {why}\n"
            );
            None
        }
    }
}

#[test]
fn corpus_is_large_enough() {
    assert!(fixture_dirs().len() >= 40);
}

#[test]
fn mfatui_reads_every_fixture_exactly_as_botocore() {
    let dirs = fixture_dirs();
    let live = live_botocore(&dirs);
    if std::env::var("MFATUI_RECORD_FIXTURES").is_ok() {
        let live = live.as_ref().expect("recording needs python3 + botocore");
        for dir in &dirs {
            let name = dir.file_name().unwrap().to_str().unwrap();
            let text = serde_json::to_string_pretty(&live[name]).unwrap() + "\n";
            std::fs::write(dir.join("botocore.json"), text).unwrap();
        }
    }
    let mut mismatches = Vec::new();
    for dir in &dirs {
        let name = dir.file_name().unwrap().to_str().unwrap();
        let ours = normalized(mfatui_view(dir));
        let expected = normalized(recorded(dir));
        if ours != expected {
            mismatches.push(format!(
                "{name}:\n  mfatui:   {ours}\n  botocore: {expected}"
            ));
        }
        if let Some(live) = &live {
            assert_eq!(
                normalized(live[name].clone()),
                expected,
                "{name}: botocore.json is out of date; re-record it"
            );
        }
    }
    assert!(
        mismatches.is_empty(),
        "differences from botocore:\n{}",
        mismatches.join("\n")
    );
}
