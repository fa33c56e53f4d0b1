//! `credential_process = mfatui credential-process PROFILE`, judged by the real AWS CLI,
//! boto3 and the JS SDK v3 against moto: parallel callers share one renewal and one code, a
//! fresh session asks none, an expired one asks one; a session with minutes left is served
//! (with its account) and renewed ahead once; with no way to get a code it fails in one
//! sentence.

use crate::common::{text, Moto, Sandbox};
use std::path::Path;

/// `dev` (long-term keys, MFA device, an `mfa_process` that counts its calls) and `cp`, a
/// profile that gets its credentials from `mfatui credential-process dev`.
fn sandbox(moto: &Moto, count: &Path, mfa_process: bool) -> Sandbox {
    let process = if mfa_process {
        format!("mfa_process = echo x >> {}; echo 123456\n", count.display())
    } else {
        String::new()
    };
    let config = format!(
        "[profile dev]\nregion = eu-west-1\nmfa_serial = {}\n{process}\n\
         [profile cp]\nregion = eu-west-1\ncredential_process = {} credential-process dev\n",
        moto.get("mfa_serial"),
        env!("CARGO_BIN_EXE_mfatui")
    );
    let credentials = format!(
        "[dev]\naws_access_key_id = {}\naws_secret_access_key = {}\n",
        moto.get("access_key_id"),
        moto.get("secret_access_key")
    );
    Sandbox::new(&moto.url, &config, &credentials)
}

fn codes_asked(count: &Path) -> usize {
    std::fs::read_to_string(count).map_or(0, |t| t.lines().count())
}

#[test]
fn parallel_callers_share_one_code_and_fresh_sessions_ask_none() {
    let Some(moto) = Moto::start() else { return };
    let dir = tempfile::tempdir().unwrap();
    let count = dir.path().join("count");
    let sb = sandbox(&moto, &count, true);
    let callers: Vec<_> = (0..5)
        .map(|_| {
            let sb = &sb;
            let mut cmd = std::process::Command::new("aws");
            cmd.args([
                "sts",
                "get-caller-identity",
                "--profile",
                "cp",
                "--output",
                "text",
            ]);
            cmd.env_clear()
                .env("HOME", sb.home.path())
                .env("PATH", std::env::var("PATH").unwrap_or_default())
                .env("AWS_ENDPOINT_URL", &sb.endpoint)
                .stdin(std::process::Stdio::null());
            cmd.stdout(std::process::Stdio::piped())
                .stderr(std::process::Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect();
    for caller in callers {
        let out = caller.wait_with_output().unwrap();
        assert!(out.status.success(), "{}", text(&out).1);
        assert!(text(&out).0.contains("arn:aws:sts::123456789012:"));
    }
    assert_eq!(codes_asked(&count), 1, "5 parallel callers, one code");
    assert_eq!(sb.backups().len(), 1, "one renewal, one write");
    assert!(sb.credentials().contains("[dev-mfa]"));

    // Fresh now: no code, no write.
    let out = sb.aws_cli(&["sts", "get-caller-identity", "--profile", "cp"], &[]);
    assert!(out.status.success(), "{}", text(&out).1);
    assert_eq!(codes_asked(&count), 1);
    let boto3 = std::process::Command::new("python3")
        .args([
            "-c",
            "import boto3, os; print(boto3.Session(profile_name='cp').client('sts', endpoint_url=os.environ['AWS_ENDPOINT_URL']).get_caller_identity()['Arn'])",
        ])
        .env_clear()
        .env("HOME", sb.home.path())
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("AWS_ENDPOINT_URL", &sb.endpoint)
        .output()
        .unwrap();
    assert!(boto3.status.success(), "{}", text(&boto3).1);
    assert!(text(&boto3).0.starts_with("arn:aws:sts::123456789012:"));
    assert_eq!(codes_asked(&count), 1);

    // Expired: one more code.
    let expired = sb
        .credentials()
        .lines()
        .map(|l| {
            if l.starts_with("expiration") {
                "expiration = 2026-01-01T00:00:00Z".to_owned()
            } else {
                l.to_owned()
            }
        })
        .collect::<Vec<_>>()
        .join("\n");
    std::fs::write(sb.aws("credentials"), expired + "\n").unwrap();
    let out = sb.mfatui(&["credential-process", "dev"]);
    assert!(out.status.success(), "{}", text(&out).1);
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(doc["Version"], 1);
    assert!(doc["Expiration"].as_str().unwrap() > "2026-11");
    assert_eq!(codes_asked(&count), 2);
}

#[test]
fn without_a_code_source_it_fails_in_one_sentence_and_writes_nothing() {
    let Some(moto) = Moto::start() else { return };
    let dir = tempfile::tempdir().unwrap();
    let sb = sandbox(&moto, &dir.path().join("count"), false);
    let before = sb.credentials();
    // setsid: no controlling terminal, as under an IDE or a GUI.
    let cmd = sb.mfatui_command(&["credential-process", "dev"]);
    let program = cmd.get_program().to_owned();
    let args: Vec<_> = cmd.get_args().map(|a| a.to_owned()).collect();
    let envs: Vec<_> = cmd
        .get_envs()
        .filter_map(|(k, v)| Some((k.to_owned(), v?.to_owned())))
        .collect();
    let out = std::process::Command::new("setsid")
        .arg("-w")
        .arg(program)
        .args(args)
        .env_clear()
        .envs(envs)
        .stdin(std::process::Stdio::null())
        .output()
        .unwrap();
    let (stdout, stderr) = text(&out);
    assert_eq!(out.status.code(), Some(1));
    assert!(stdout.is_empty());
    assert_eq!(stderr.trim().lines().count(), 1, "{stderr}");
    assert!(stderr.contains("mfatui renew dev"), "{stderr}");
    assert_eq!(sb.credentials(), before);
}

#[test]
fn a_session_with_14_minutes_left_is_served_with_its_account_and_renewed_ahead_once() {
    let Some(moto) = Moto::start() else { return };
    let dir = tempfile::tempdir().unwrap();
    let count = dir.path().join("count");
    let sb = sandbox(&moto, &count, true);
    let expires = (chrono::Utc::now() + chrono::Duration::minutes(14))
        .to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
    let mut credentials = sb.credentials();
    credentials.push_str(&format!(
        "\n[dev-mfa]\naws_access_key_id = ASIAVALIDVALID000014\naws_secret_access_key = valid-secret\naws_session_token = valid-token\nexpiration = {expires}\n"
    ));
    std::fs::write(sb.aws("credentials"), &credentials).unwrap();
    // Served as it is, at once, with the account of its MFA device (issue: exit 1 before).
    let out = sb.mfatui(&["credential-process", "dev"]);
    let (stdout, stderr) = text(&out);
    assert!(out.status.success(), "{stderr}");
    let json: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(json["AccessKeyId"], "ASIAVALIDVALID000014");
    assert_eq!(json["AccountId"], "123456789012");
    // ...and renewed ahead in the background, once, however many callers come meanwhile.
    for _ in 0..3 {
        assert!(sb.mfatui(&["credential-process", "dev"]).status.success());
    }
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    while sb.credentials().contains("ASIAVALIDVALID000014") {
        assert!(std::time::Instant::now() < deadline, "never renewed ahead");
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    std::thread::sleep(std::time::Duration::from_secs(1));
    assert_eq!(codes_asked(&count), 1, "one code for the renewal ahead");
    // The renewed session is fresh: served by the small program, no renewal, no code.
    let out = sb.mfatui(&["credential-process", "dev"]);
    let json: serde_json::Value = serde_json::from_str(&text(&out).0).unwrap();
    assert_ne!(json["AccessKeyId"], "ASIAVALIDVALID000014");
    assert_eq!(codes_asked(&count), 1);
}

#[test]
fn the_js_sdk_and_boto3_read_credential_process_and_its_account() {
    let Some(moto) = Moto::start() else { return };
    let dir = tempfile::tempdir().unwrap();
    let count = dir.path().join("count");
    let sb = sandbox(&moto, &count, true);
    let out = sb.aws_cli(&["sts", "get-caller-identity", "--profile", "cp"], &[]);
    assert!(out.status.success(), "{}", text(&out).1);
    let boto3 = std::process::Command::new("python3")
        .args([
            "-c",
            "import boto3; print(boto3.Session(profile_name='cp').get_credentials().get_frozen_credentials().account_id)",
        ])
        .env_clear()
        .env("HOME", sb.home.path())
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .output()
        .unwrap();
    assert_eq!(text(&boto3).0.trim(), "123456789012", "{}", text(&boto3).1);
    let Some(js) = crate::common::js_judge() else {
        return;
    };
    for profile in ["cp", "dev-mfa"] {
        // Through credential_process, and from the renewed section the files hold.
        let out = std::process::Command::new("node")
            .arg(&js)
            .env_clear()
            .env("HOME", sb.home.path())
            .env("PATH", std::env::var("PATH").unwrap_or_default())
            .env("AWS_ENDPOINT_URL", &sb.endpoint)
            .env("AWS_PROFILE", profile)
            .env("AWS_REGION", "eu-west-1")
            .output()
            .unwrap();
        let (stdout, stderr) = text(&out);
        assert!(out.status.success(), "{profile}: {stdout} {stderr}");
        let json: serde_json::Value = serde_json::from_str(stdout.trim()).unwrap();
        assert!(
            json["arn"]
                .as_str()
                .unwrap()
                .starts_with("arn:aws:sts::123456789012:"),
            "{json}"
        );
        if profile == "cp" {
            assert_eq!(json["account"], "123456789012", "{json}");
        }
    }
    assert_eq!(
        codes_asked(&count),
        1,
        "renewed once, then served from the files"
    );
}
