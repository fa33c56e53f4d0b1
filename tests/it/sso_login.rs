//! SSO login through the OIDC device flow against a local stand-in (moto does not serve it):
//! approved after a pending poll and a slow-down, denied, or expired; the token written where
//! and how the AWS CLI v2 writes it, read back by botocore itself.

use crate::common::{text, Sandbox};
use std::io::BufRead;
use std::process::{Child, Command, Stdio};

struct StandIn {
    child: Child,
    url: String,
}

impl StandIn {
    fn start(mode: &str) -> StandIn {
        let script = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/oidc_standin.py");
        let mut child = Command::new("python3")
            .args([script, mode])
            .stdout(Stdio::piped())
            .spawn()
            .expect("python3");
        let mut port = String::new();
        std::io::BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut port)
            .unwrap();
        StandIn {
            child,
            url: format!("http://127.0.0.1:{}", port.trim()),
        }
    }
}

impl Drop for StandIn {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

const CONFIG: &str = "[profile corp-read]\nsso_session = corp\nsso_account_id = 111111111111\nsso_role_name = Read\n\n\
    [profile corp-admin]\nsso_session = corp\nsso_account_id = 111111111111\nsso_role_name = Admin\n\n\
    [sso-session corp]\nsso_start_url = https://corp.awsapps.com/start\nsso_region = eu-west-1\n";

fn login(mode: &str) -> (Sandbox, std::process::Output) {
    let standin = StandIn::start(mode);
    let sb = Sandbox::new("http://127.0.0.1:9", CONFIG, "");
    let out = sb.mfatui_env(
        &["renew", "corp-read"],
        &[("AWS_ENDPOINT_URL_SSO_OIDC", &standin.url)],
    );
    (sb, out)
}

#[test]
fn an_approved_login_writes_the_token_the_aws_cli_reads() {
    let (sb, out) = login("approve");
    let (stdout, stderr) = text(&out);
    assert!(out.status.success(), "{stderr}");
    assert!(
        stdout.contains("https://device.sso.example/?user_code=ABCD-EFGH")
            && stdout.contains("ABCD-EFGH"),
        "{stdout}"
    );
    assert!(
        stdout.contains("every profile of sso-session corp uses it now"),
        "{stdout}"
    );
    for secret in [
        "standin-access-token",
        "standin-refresh-token",
        "standin-client-secret",
    ] {
        assert!(
            !stdout.contains(secret) && !stderr.contains(secret),
            "{secret} printed"
        );
    }
    let cache = sb.aws("sso/cache");
    // The token and the client registration, both 0600.
    let files: Vec<_> = std::fs::read_dir(&cache).unwrap().flatten().collect();
    assert_eq!(files.len(), 2);
    for file in &files {
        let mode = std::os::unix::fs::PermissionsExt::mode(&file.metadata().unwrap().permissions());
        assert_eq!(mode & 0o777, 0o600);
    }
    // botocore itself finds and reads the token, as the AWS CLI and every SDK will.
    let judge = Command::new("python3")
        .args([
            "-c",
            "import sys; from botocore.utils import SSOTokenLoader, JSONFileCache; \
             t = SSOTokenLoader(cache=JSONFileCache(sys.argv[1]))('https://corp.awsapps.com/start', 'corp'); \
             print(t['accessToken'], t['expiresAt'], t['clientId'], t['region'])",
            cache.to_str().unwrap(),
        ])
        .output()
        .unwrap();
    assert!(judge.status.success(), "{}", text(&judge).1);
    let fields: Vec<String> = text(&judge)
        .0
        .split_whitespace()
        .map(str::to_owned)
        .collect();
    assert_eq!(fields[0], "standin-access-token");
    assert!(fields[1].ends_with('Z'));
    assert_eq!(fields[2..], ["standin-client", "eu-west-1"]);
    // Every profile of the session counts down at once.
    let all: Vec<serde_json::Value> =
        serde_json::from_slice(&sb.mfatui(&["list", "--json"]).stdout).unwrap();
    for name in ["corp-read", "corp-admin"] {
        let p = all.iter().find(|p| p["name"] == name).unwrap();
        assert_eq!(p["expiry_status"], "valid", "{name}");
        // A client registered with scopes got a refresh token: the sign-in renews itself.
        assert_eq!(p["expiry_source"], "sso-refresh", "{name}");
    }
}

#[test]
fn a_denied_or_expired_login_writes_nothing() {
    for (mode, says) in [("deny", "denied"), ("expire", "expired")] {
        let (sb, out) = login(mode);
        let stderr = text(&out).1;
        assert_eq!(out.status.code(), Some(1), "{mode}");
        assert!(stderr.contains(says), "{mode}: {stderr}");
        assert_eq!(stderr.trim().lines().count(), 1, "{stderr}");
        // No token (the client registration is cached, as the AWS CLI caches it).
        assert!(
            !sb.aws("sso/cache/ee0bfd2552fbd840c02cc48b6e823320543c450f.json")
                .exists(),
            "{mode}: no token written"
        );
    }
}

#[test]
fn the_runs_time_limit_holds_for_the_sign_in_calls_too() {
    // An OIDC endpoint that accepts connections and never answers: the run's own limit
    // (MFATUI_CALL_TIMEOUT), not a fixed 30 s, ends the sign-in with one sentence.
    let sb = Sandbox::new("http://127.0.0.1:9", CONFIG, "");
    let started = std::time::Instant::now();
    let out = sb.mfatui_env(
        &["renew", "corp-read"],
        &[
            ("AWS_ENDPOINT_URL_SSO_OIDC", &crate::common::black_hole()),
            ("MFATUI_CALL_TIMEOUT", "2"),
        ],
    );
    let (_, stderr) = text(&out);
    assert!(!out.status.success());
    assert!(
        started.elapsed() < std::time::Duration::from_secs(20),
        "stopped by the run's limit, not the default 30 s: {:?}",
        started.elapsed()
    );
    assert_eq!(stderr.trim().lines().count(), 1, "one sentence: {stderr}");
}
