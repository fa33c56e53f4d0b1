//! `credential_process = mfatui credential-process PROFILE`, judged by the real AWS CLI and
//! boto3 against moto: parallel callers share one renewal and one code, a fresh session asks
//! none, an expired one asks one; with no way to get a code it fails in one sentence.

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
