//! `mfatui exec` and aws-mfa-secure's session cache: a fresh session is used with no code and
//! no network, a missing one is renewed (AWS_MFA_TOKEN, AWS_MFA_TTL) and written back; CMD's
//! exit status and signals are its own; a missing CMD is exit 127. Under `exec --server`,
//! judged by boto3, the AWS CLI and the JS SDK v3: one renewal owned by the endpoint (a
//! 3-second `mfa_process`, a code typed late at a pseudo-terminal), mfatui ending with CMD,
//! one sentence per renewal, a session inside botocore's window renewed ahead.

use crate::common::{black_hole, text, Moto, Sandbox};
use chrono::{Duration, SecondsFormat, Utc};

fn in_hours(h: i64) -> String {
    (Utc::now() + Duration::hours(h)).to_rfc3339_opts(SecondsFormat::Secs, true)
}

/// `dev` with long-term keys and a device; `[dev-mfa]` holds a session expiring at `expires`.
fn files(expires: &str) -> (String, String) {
    (
        "[profile dev]\nregion = eu-central-1\nmfa_serial = arn:aws:iam::123456789012:mfa/ana\n".to_owned(),
        format!(
            "[dev]\naws_access_key_id = AKIALONGLONGLONG0000\naws_secret_access_key = long-secret\n\n\
             [dev-mfa]\naws_access_key_id = ASIAFRESHFRESH001234\naws_secret_access_key = fresh-secret\naws_session_token = fresh-token\nexpiration = {expires}\n"
        ),
    )
}

/// Sends SIGTERM to `child` (mfatui itself, or CMD where mfatui became it).
fn terminate(child: &std::process::Child) {
    let pid = rustix::process::Pid::from_raw(child.id() as i32).unwrap();
    rustix::process::kill_process(pid, rustix::process::Signal::TERM).unwrap();
}

/// Starts `command` and reads the first line it prints.
fn first_line(mut command: std::process::Command) -> (std::process::Child, String) {
    let mut child = command
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut line = String::new();
    std::io::BufRead::read_line(
        &mut std::io::BufReader::new(child.stdout.take().unwrap()),
        &mut line,
    )
    .unwrap();
    (child, line)
}

const SHOW: &str = "echo \"$AWS_ACCESS_KEY_ID $AWS_SECRET_ACCESS_KEY $AWS_SESSION_TOKEN $AWS_REGION ${AWS_PROFILE-none} $AWS_CREDENTIAL_EXPIRATION\"";

#[test]
fn a_fresh_session_is_used_as_is_without_a_code_or_a_call() {
    let (config, credentials) = files(&in_hours(2));
    // Any AWS call would hang on this endpoint: none must be made.
    let sb = Sandbox::new(&black_hole(), &config, &credentials);
    let out = sb.mfatui_env(
        &["exec", "dev", "--", "sh", "-c", SHOW],
        &[("AWS_PROFILE", "dev")],
    );
    let (stdout, stderr) = text(&out);
    assert!(out.status.success(), "{stderr}");
    let fields: Vec<&str> = stdout.split_whitespace().collect();
    assert_eq!(
        fields[..5],
        [
            "ASIAFRESHFRESH001234",
            "fresh-secret",
            "fresh-token",
            "eu-central-1",
            "none"
        ],
        "{stdout}"
    );
    assert!(fields[5].ends_with('Z'));
    assert_eq!(sb.credentials(), credentials, "nothing written");
    assert!(stderr.is_empty(), "{stderr}");
}

#[test]
fn exit_status_signals_and_missing_commands() {
    let (config, credentials) = files(&in_hours(2));
    let sb = Sandbox::new(&black_hole(), &config, &credentials);
    let out = sb.mfatui(&["exec", "dev", "--", "sh", "-c", "exit 7"]);
    assert_eq!(out.status.code(), Some(7));

    let out = sb.mfatui(&["exec", "dev", "--", "no-such-command-here", "x"]);
    assert_eq!(out.status.code(), Some(127));
    assert_eq!(
        text(&out).1.trim(),
        "mfatui: cannot run 'no-such-command-here': command not found"
    );

    let (mut child, ready) = first_line(sb.mfatui_command(&[
        "exec",
        "dev",
        "--",
        "sh",
        "-c",
        "trap 'exit 42' TERM; echo ready; while :; do sleep 0.1; done",
    ]));
    assert_eq!(ready, "ready\n");
    terminate(&child);
    assert_eq!(
        child.wait().unwrap().code(),
        Some(42),
        "SIGTERM reached CMD"
    );
}

#[test]
fn an_expired_session_with_no_way_to_get_a_code_fails_in_one_sentence() {
    let (config, credentials) = files("2026-01-01T00:00:00Z");
    let sb = Sandbox::new(&black_hole(), &config, &credentials);
    let out = sb.mfatui(&["exec", "dev", "--", "true"]);
    let stderr = text(&out).1;
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr.contains("AWS_MFA_TOKEN") && stderr.trim().lines().count() == 1,
        "{stderr}"
    );
    assert_eq!(sb.credentials(), credentials);
}

#[test]
fn an_expired_session_is_renewed_with_aws_mfa_token_for_aws_mfa_ttl() {
    let Some(moto) = Moto::start() else { return };
    let config = format!(
        "[profile dev]\nregion = eu-west-1\nmfa_serial = {}\n",
        moto.get("mfa_serial")
    );
    let credentials = format!(
        "[dev]\naws_access_key_id = {}\naws_secret_access_key = {}\n",
        moto.get("access_key_id"),
        moto.get("secret_access_key")
    );
    let sb = Sandbox::new(&moto.url, &config, &credentials);
    let started = Utc::now();
    let out = sb.mfatui_env(
        &[
            "exec",
            "dev",
            "--",
            "aws",
            "sts",
            "get-caller-identity",
            "--output",
            "text",
        ],
        &[("AWS_MFA_TOKEN", "123456"), ("AWS_MFA_TTL", "1800")],
    );
    let (stdout, stderr) = text(&out);
    assert!(out.status.success(), "{stderr}");
    assert!(
        stdout.contains("arn:aws:sts::123456789012:"),
        "the child ran with the session: {stdout}"
    );
    assert!(
        stderr.contains("renewed 'dev' into [dev-mfa]") && stderr.contains("backup"),
        "{stderr}"
    );
    assert!(
        !stderr.contains("AKIAIOSFODNN7EXAMPLE")
            && !stderr.contains(&moto.get("secret_access_key"))
    );
    let after = sb.credentials();
    let expiration = after
        .lines()
        .find_map(|l| l.strip_prefix("expiration = "))
        .unwrap();
    let at = chrono::DateTime::parse_from_rfc3339(expiration).unwrap();
    let secs = (at.with_timezone(&Utc) - started).num_seconds();
    assert!(
        (1700..=1900).contains(&secs),
        "AWS_MFA_TTL=1800 gave {secs} s"
    );
    assert_eq!(sb.backups().len(), 1);

    // A second exec finds the new session fresh: no code needed now.
    let out = sb.mfatui(&["exec", "dev", "--", "true"]);
    assert!(out.status.success(), "{}", text(&out).1);
    assert_eq!(sb.backups().len(), 1, "nothing renewed the second time");
}

fn secure_session(sb: &Sandbox, profile: &str, body: &str) {
    let dir = sb.home.path().join(".aws/aws-mfa-secure-sessions");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join(profile), body).unwrap();
}

#[test]
fn aws_mfa_secure_sessions_count_down_and_are_reused() {
    let config = "[profile dev]\nmfa_serial = arn:aws:iam::123456789012:mfa/ana\n[profile broken]\nregion = x\n";
    let credentials =
        "[dev]\naws_access_key_id = AKIALONGLONGLONG0000\naws_secret_access_key = long-secret\n\n\
                       [broken]\naws_access_key_id = AKIABROKEN\naws_secret_access_key = b\n";
    let sb = Sandbox::new(&black_hole(), config, credentials);
    let expires = (Utc::now() + Duration::hours(3))
        .format("%Y-%m-%d %H:%M:%S UTC")
        .to_string();
    secure_session(
        &sb,
        "dev",
        &format!(
            "{{\n  \"access_key_id\": \"ASIASECURESECURE0001\",\n  \"secret_access_key\": \"secure-secret\",\n  \"session_token\": \"secure-token\",\n  \"expiration\": \"{expires}\"\n}}"
        ),
    );
    secure_session(&sb, "broken", "{\"secret_access_key\": \"broken-secret\"");
    let out = sb.mfatui(&["list", "--json"]);
    let stdout = text(&out).0;
    for secret in ["secure-secret", "secure-token", "broken-secret"] {
        assert!(!stdout.contains(secret), "{secret} printed");
    }
    let all: Vec<serde_json::Value> = serde_json::from_str(&stdout).unwrap();
    let dev = all.iter().find(|p| p["name"] == "dev").unwrap();
    assert_eq!(dev["expiry_source"], "aws-mfa-secure");
    assert_eq!(dev["expiry_status"], "valid");
    let broken = all.iter().find(|p| p["name"] == "broken").unwrap();
    assert!(broken["problems"][0]
        .as_str()
        .unwrap()
        .contains("aws-mfa-secure session file"));

    let out = sb.mfatui(&["exec", "dev", "--", "sh", "-c", "echo $AWS_ACCESS_KEY_ID"]);
    assert!(out.status.success(), "{}", text(&out).1);
    assert_eq!(text(&out).0.trim(), "ASIASECURESECURE0001");
    assert_eq!(sb.credentials(), credentials, "nothing written");

    // Attack round 14 (R14b-9): its sessions are named by profile alone, so another file
    // set's `dev` (another account) is never served one.
    let other = sb.home.path().join("project");
    std::fs::create_dir_all(&other).unwrap();
    std::fs::write(other.join("config"), config).unwrap();
    std::fs::write(other.join("credentials"), credentials).unwrap();
    let files = [
        ("AWS_CONFIG_FILE", other.join("config")),
        ("AWS_SHARED_CREDENTIALS_FILE", other.join("credentials")),
    ];
    let env: Vec<(&str, &str)> = files
        .iter()
        .map(|(k, v)| (*k, v.to_str().unwrap()))
        .collect();
    let out = sb.mfatui_env(&["credential-process", "dev"], &env);
    let (stdout, stderr) = text(&out);
    assert!(!out.status.success(), "{stdout}");
    assert!(!stdout.contains("ASIASECURESECURE0001"));
    assert!(stderr.contains("an MFA code is needed"), "{stderr}");
}

/// A boto3 child that reads its credentials from the endpoint twice (around a renewal made
/// meanwhile), then knocks with a wrong token and with none.
const BOTO3_CHILD: &str = r#"
import os, sys, time, urllib.request, urllib.error
import botocore.session
def key():
    return botocore.session.get_session().get_credentials().get_frozen_credentials().access_key
print(key(), os.environ.get("AWS_ACCESS_KEY_ID", "no-static-keys"), flush=True)
while not os.path.exists(sys.argv[1]):
    time.sleep(0.05)
print(key(), flush=True)
url = os.environ["AWS_CONTAINER_CREDENTIALS_FULL_URI"]
print(url.startswith("http://127.0.0.1:"), flush=True)
for headers in ({"Authorization": "wrong"}, {}):
    try:
        urllib.request.urlopen(urllib.request.Request(url, headers=headers))
        print("accepted")
    except urllib.error.HTTPError as e:
        print(e.code, flush=True)
sys.exit(3)
"#;

#[test]
fn exec_server_feeds_a_boto3_child_the_current_session_and_refuses_wrong_tokens() {
    let (config, credentials) = files(&in_hours(2));
    // A [default] with keys would shadow the endpoint in every SDK: the child must not see it.
    let credentials = format!("[default]\naws_access_key_id = AKIADEFAULTSHADOW000\naws_secret_access_key = d\n\n{credentials}");
    let sb = Sandbox::new(&black_hole(), &config, &credentials);
    let go = sb.home.path().join("go");
    let mut child = sb
        .mfatui_command(&[
            "exec",
            "--server",
            "dev",
            "--",
            "python3",
            "-c",
            BOTO3_CHILD,
            go.to_str().unwrap(),
        ])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = std::io::BufRead::lines(std::io::BufReader::new(child.stdout.take().unwrap()));
    let mut next = || lines.next().unwrap().unwrap();
    assert_eq!(next(), "ASIAFRESHFRESH001234 no-static-keys");
    // Another mfatui (or the TUI) renews meanwhile: the next fetch serves the new session.
    let out = sb.mfatui(&[
        "set",
        "dev-mfa",
        "aws_access_key_id",
        "ASIARENEWEDRENEWED00",
        "--yes",
    ]);
    assert!(out.status.success(), "{}", text(&out).1);
    std::fs::write(&go, "").unwrap();
    assert_eq!(next(), "ASIARENEWEDRENEWED00");
    assert_eq!(next(), "True");
    assert_eq!(next(), "403", "a wrong token is refused");
    assert_eq!(next(), "401", "no token is refused");
    let status = child.wait().unwrap();
    assert_eq!(status.code(), Some(3), "CMD's exit status is mfatui's");
    let mut stderr = String::new();
    std::io::Read::read_to_string(&mut child.stderr.take().unwrap(), &mut stderr).unwrap();
    for secret in ["fresh-secret", "fresh-token"] {
        assert!(!stderr.contains(secret), "{stderr}");
    }
}

#[test]
fn exec_server_stops_with_its_command_and_passes_sigterm_on() {
    let (config, credentials) = files(&in_hours(2));
    let sb = Sandbox::new(&black_hole(), &config, &credentials);
    let (mut child, url) = first_line(sb.exec_server_sh("trap 'exit 42' TERM; echo \"$AWS_CONTAINER_CREDENTIALS_FULL_URI\"; while :; do sleep 0.1; done"));
    let port: u16 = url
        .trim()
        .trim_start_matches("http://127.0.0.1:")
        .trim_end_matches('/')
        .parse()
        .unwrap();
    assert!(
        std::net::TcpStream::connect(("127.0.0.1", port)).is_ok(),
        "serving while CMD runs"
    );
    terminate(&child);
    assert_eq!(
        child.wait().unwrap().code(),
        Some(42),
        "SIGTERM passed on to CMD"
    );
    assert!(
        std::net::TcpStream::connect(("127.0.0.1", port)).is_err(),
        "the endpoint stopped with CMD"
    );

    let out = sb.mfatui(&["exec", "--server", "dev", "--", "no-such-command-here"]);
    assert_eq!(out.status.code(), Some(127));
}

/// `dev` against moto: long-term keys, a device, an `mfa_process` that takes `secs` seconds
/// (a YubiKey touch) and counts its runs in `count`, and `[dev-mfa]` valid for two hours.
fn slow_device(moto: &Moto, count: &std::path::Path, secs: u32) -> (String, String) {
    let config = format!(
        "[profile dev]\nregion = eu-west-1\nmfa_serial = {}\nmfa_process = sh -c 'echo run >> {}; sleep {secs}; echo 123456'\n",
        moto.get("mfa_serial"),
        count.display()
    );
    (config, session_files(moto, &in_hours(2)))
}

/// The credentials file of [`slow_device`] with `[dev-mfa]` expiring at `expires`.
fn session_files(moto: &Moto, expires: &str) -> String {
    format!(
        "[dev]\naws_access_key_id = {}\naws_secret_access_key = {}\n\n\
         [dev-mfa]\naws_access_key_id = ASIAOLDOLDOLDOLD0000\naws_secret_access_key = old-secret\naws_session_token = old-token\nexpiration = {expires}\n",
        moto.get("access_key_id"),
        moto.get("secret_access_key")
    )
}

/// How many times the counting `mfa_process` ran.
fn runs(count: &std::path::Path) -> usize {
    std::fs::read_to_string(count)
        .map(|t| t.lines().count())
        .unwrap_or(0)
}

/// CMD for the tests below: for each judge named in the arguments, waits for the file
/// `$GO/NAME`, runs that client once (it prints one line), and goes on.
const JUDGES: &str = r#"
echo started
for judge in "$@"; do
  while [ ! -e "$GO/$judge" ]; do sleep 0.05; done
  case "$judge" in
    boto3*) python3 -c 'import boto3; c = boto3.Session().get_credentials().get_frozen_credentials(); print("boto3", boto3.client("sts").get_caller_identity()["Arn"], c.access_key, c.account_id)' 2>&1 | tail -n 1 ;;
    cli*) aws sts get-caller-identity --query Arn --output text 2>&1 | tail -n 1 | sed 's/^/cli /' ;;
    js*) node "$JS" 2>&1 | tail -n 1 | sed 's/^/js /' ;;
  esac
done
"#;

#[test]
fn a_slow_code_reaches_boto3_the_cli_and_the_js_sdk_through_one_renewal_the_endpoint_owns() {
    let Some(moto) = Moto::start() else { return };
    let js = crate::common::js_judge();
    let count = tempfile::NamedTempFile::new().unwrap();
    let (config, credentials) = slow_device(&moto, count.path(), 3);
    let sb = Sandbox::new(&moto.url, &config, &credentials);
    let go = sb.home.path().join("go");
    std::fs::create_dir(&go).unwrap();
    let mut judges = vec!["boto3", "cli"];
    if js.is_some() {
        judges.push("js");
    }
    let mut args = vec![
        "exec", "--server", "dev", "--", "sh", "-c", JUDGES, "judges",
    ];
    args.extend(&judges);
    let mut child = sb
        .mfatui_command(&args)
        .env("GO", &go)
        .env("JS", js.clone().unwrap_or_default())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = std::io::BufRead::lines(std::io::BufReader::new(child.stdout.take().unwrap()));
    assert_eq!(lines.next().unwrap().unwrap(), "started");
    for (n, judge) in judges.iter().enumerate() {
        // The session ends while CMD runs: the next fetch needs a renewal, whose code takes
        // 3 s — longer than botocore waits (about 2 s per attempt) and the JS SDK's 1 s.
        std::fs::write(
            sb.aws("credentials"),
            session_files(&moto, "2026-01-01T00:00:00Z"),
        )
        .unwrap();
        let started = std::time::Instant::now();
        std::fs::write(go.join(judge), "").unwrap();
        let line = lines.next().unwrap().unwrap();
        assert!(
            line.starts_with(judge) && line.contains("arn:aws:sts::123456789012:"),
            "{judge} got the renewed session: {line} (after {:?})",
            started.elapsed()
        );
        assert!(!line.contains("ASIAOLDOLD"), "{line}");
        if *judge == "boto3" {
            assert!(
                line.ends_with(" 123456789012"),
                "AccountId reached boto3: {line}"
            );
        }
        // The JS SDK (3.1178) reads AccountId from credential_process only, not from the
        // container endpoint (tests/it/credential_process.rs judges it there).
        assert_eq!(
            runs(count.path()),
            n + 1,
            "{judge}: the code was asked for once"
        );
        assert!(
            !sb.credentials().contains("2026-01-01"),
            "the renewal was written"
        );
    }
    let status = child.wait().unwrap();
    let mut stderr = String::new();
    std::io::Read::read_to_string(&mut child.stderr.take().unwrap(), &mut stderr).unwrap();
    assert!(status.success(), "{stderr}");
    assert_eq!(
        stderr.matches("renewed 'dev'").count(),
        judges.len(),
        "one renewal per expiry: {stderr}"
    );
}

/// boto3 in CMD: `LABEL ARN` with the served session, or `LABEL failed: WHY`.
const BOTO3_LINE: &str = r#"python3 -c '
import sys, boto3
try:
    print(sys.argv[1], boto3.client("sts").get_caller_identity()["Arn"], flush=True)
except Exception as e:
    print(sys.argv[1], "failed:", type(e).__name__, flush=True)
' "#;

/// Reads `lines` until one contains `what`; returns it (without the terminal's `\r`).
fn line_with(lines: &mut impl Iterator<Item = std::io::Result<String>>, what: &str) -> String {
    for line in lines.by_ref() {
        let line = line.unwrap().replace('\r', "");
        if line.contains(what) {
            return line;
        }
    }
    panic!("no line with {what:?}");
}

#[test]
fn a_code_typed_at_the_terminal_after_boto3_gave_up_is_used_for_the_next_fetch() {
    let Some(moto) = Moto::start() else { return };
    let config = format!(
        "[profile dev]\nregion = eu-west-1\nmfa_serial = {}\n",
        moto.get("mfa_serial")
    );
    let sb = Sandbox::new(&moto.url, &config, &session_files(&moto, &in_hours(2)));
    let go = sb.home.path().join("go");
    std::fs::create_dir(&go).unwrap();
    let cmd = format!(
        "echo started; while [ ! -e \"$GO/first\" ]; do sleep 0.05; done; {BOTO3_LINE} first; \
         while [ ! -e \"$GO/second\" ]; do sleep 0.05; done; {BOTO3_LINE} second; \
         [ -n \"$JS\" ] || exit 0; while [ ! -e \"$GO/third\" ]; do sleep 0.05; done; \
         node \"$JS\" 2>&1 | tail -n 1 | sed 's/^/third /'"
    );
    let js = crate::common::js_judge();
    let mut inner = sb.exec_server_sh(&cmd);
    inner
        .env("GO", &go)
        .env("JS", js.clone().unwrap_or_default());
    // mfatui on a pseudo-terminal: its prompt is the code source.
    let mut child = std::process::Command::new("script")
        .args(["-qec", &crate::common::shell_line(&inner), "/dev/null"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut typing = child.stdin.take().unwrap();
    let mut lines = std::io::BufRead::lines(std::io::BufReader::new(child.stdout.take().unwrap()));
    line_with(&mut lines, "started");
    // The session ends while CMD runs.
    std::fs::write(
        sb.aws("credentials"),
        session_files(&moto, "2026-01-01T00:00:00Z"),
    )
    .unwrap();
    std::fs::write(go.join("first"), "").unwrap();
    let first = line_with(&mut lines, "first ");
    assert!(
        first.contains("MFA code for") && first.contains("first failed:"),
        "boto3 gives up while the prompt waits: {first}"
    );
    // Typed late, after boto3 gave up: the renewal the endpoint owns still takes it.
    std::io::Write::write_all(&mut typing, b"123456\n").unwrap();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    while sb.credentials().contains("2026-01-01") {
        assert!(
            std::time::Instant::now() < deadline,
            "the late code was thrown away"
        );
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    std::fs::write(go.join("second"), "").unwrap();
    let second = line_with(&mut lines, "second ");
    assert!(
        second.contains("second arn:aws:sts::123456789012:"),
        "the next fetch got the new session: {second}"
    );
    assert!(!second.contains("MFA code for"), "asked once: {second}");
    if js.is_some() {
        // The JS SDK warns after 1 s and keeps waiting: a code typed 3 s later reaches it.
        std::fs::write(
            sb.aws("credentials"),
            session_files(&moto, "2026-01-01T00:00:00Z"),
        )
        .unwrap();
        std::fs::write(go.join("third"), "").unwrap();
        std::thread::sleep(std::time::Duration::from_secs(3));
        std::io::Write::write_all(&mut typing, b"654321\n").unwrap();
        let third = line_with(&mut lines, "third ");
        assert!(
            third.contains("arn:aws:sts::123456789012:"),
            "the JS SDK got the session renewed with the late code: {third}"
        );
    }
    drop(typing);
    assert!(child.wait().unwrap().success());
}

#[test]
fn exec_server_ends_with_cmd_at_once_abandoning_the_prompt_it_opened() {
    let Some(moto) = Moto::start() else { return };
    let config = format!(
        "[profile dev]\nregion = eu-west-1\nmfa_serial = {}\n",
        moto.get("mfa_serial")
    );
    let sb = Sandbox::new(&moto.url, &config, &session_files(&moto, &in_hours(2)));
    let expired = sb.home.path().join("expired");
    std::fs::write(&expired, session_files(&moto, "2026-01-01T00:00:00Z")).unwrap();
    // CMD lets the session end, fetches once with a 1-s limit (a prompt opens), gives up, exits 7.
    let cmd = r#"cp "$EXPIRED" "$HOME/.aws/credentials"; python3 -c '
import os, urllib.request as u
r = u.Request(os.environ["AWS_CONTAINER_CREDENTIALS_FULL_URI"], headers={"Authorization": os.environ["AWS_CONTAINER_AUTHORIZATION_TOKEN"]})
try:
    u.urlopen(r, timeout=1)
except Exception as e:
    print("gave up", flush=True)
'; exit 7"#;
    let mut inner = sb.exec_server_sh(cmd);
    inner.env("EXPIRED", &expired);
    let started = std::time::Instant::now();
    let mut child = std::process::Command::new("script")
        .args(["-qec", &crate::common::shell_line(&inner), "/dev/null"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    // Nothing is ever typed, and the terminal stays open (for 30 s at most: a watchdog
    // ends the run so that waiting for a line fails the test instead of hanging it).
    let _terminal = child.stdin.take().unwrap();
    let done = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let pid = rustix::process::Pid::from_raw(child.id() as i32).unwrap();
    let watching = done.clone();
    std::thread::spawn(move || {
        std::thread::sleep(std::time::Duration::from_secs(30));
        if !watching.load(std::sync::atomic::Ordering::SeqCst) {
            let _ = rustix::process::kill_process(pid, rustix::process::Signal::KILL);
        }
    });
    let mut out = String::new();
    std::io::Read::read_to_string(&mut child.stdout.take().unwrap(), &mut out).unwrap();
    let status = child.wait().unwrap();
    done.store(true, std::sync::atomic::Ordering::SeqCst);
    let took = started.elapsed();
    assert!(
        out.contains("MFA code for") && out.contains("gave up"),
        "{out}"
    );
    assert_eq!(status.code(), Some(7), "CMD's status: {out}");
    assert!(
        took < std::time::Duration::from_secs(15),
        "mfatui ended with CMD, not when a line was typed: {took:?}"
    );
}

#[test]
fn with_no_one_to_answer_the_503_sentence_is_said_once_per_renewal_not_per_attempt() {
    let Some(moto) = Moto::start() else { return };
    let config = format!(
        "[profile dev]\nregion = eu-west-1\nmfa_serial = {}\n",
        moto.get("mfa_serial")
    );
    let sb = Sandbox::new(&moto.url, &config, &session_files(&moto, &in_hours(2)));
    let expired = sb.home.path().join("expired");
    std::fs::write(&expired, session_files(&moto, "2026-01-01T00:00:00Z")).unwrap();
    let cmd = format!("cp \"$EXPIRED\" \"$HOME/.aws/credentials\"; {BOTO3_LINE} boto3");
    let out = sb
        .mfatui_command(&["exec", "--server", "dev", "--", "sh", "-c", &cmd])
        .env("EXPIRED", &expired)
        .output()
        .unwrap();
    let (stdout, stderr) = text(&out);
    assert!(stdout.contains("boto3 failed:"), "{stdout}");
    assert_eq!(
        stderr.matches("an MFA code is needed").count(),
        1,
        "botocore tried 3 times; one renewal, one sentence: {stderr}"
    );
}

#[test]
fn a_session_inside_botocores_window_is_served_and_renewed_ahead_so_boto3_does_not_refetch_on_every_call(
) {
    let Some(moto) = Moto::start() else { return };
    let count = tempfile::NamedTempFile::new().unwrap();
    let (config, _) = slow_device(&moto, count.path(), 1);
    // 14 minutes left: inside botocore's 15-minute window; with refresh_before = 1m mfatui
    // used to serve it unrenewed and botocore fetched it again on every call.
    let in_14m = (Utc::now() + Duration::minutes(14)).to_rfc3339_opts(SecondsFormat::Secs, true);
    let sb = Sandbox::new(&moto.url, &config, &session_files(&moto, &in_14m));
    sb.settings("[sessions]\nrefresh_before = \"1m\"\nkeep_fresh_before = \"1m\"\n");
    let log = sb.home.path().join("log");
    let calls = r#"python3 -c '
import time, boto3
sts = boto3.client("sts")
for _ in range(20):
    sts.get_caller_identity()
    time.sleep(0.2)
print(boto3.Session().get_credentials().get_frozen_credentials().access_key)
'"#;
    let out = sb.mfatui(&[
        "--log-file",
        log.to_str().unwrap(),
        "exec",
        "--server",
        "dev",
        "--",
        "sh",
        "-c",
        calls,
    ]);
    let (stdout, stderr) = text(&out);
    assert!(out.status.success(), "{stderr}");
    assert_ne!(stdout.trim(), "ASIAOLDOLDOLDOLD0000", "renewed ahead");
    assert_eq!(runs(count.path()), 1, "one code for the renewal ahead");
    let fetches = std::fs::read_to_string(&log)
        .unwrap()
        .matches("endpoint: served")
        .count();
    // A loop is a fetch per call (20); a loaded machine's slower renewal ahead lets botocore
    // ask a few more times while it runs (9 seen in CI with a build beside it).
    assert!(
        (1..=12).contains(&fetches),
        "20 calls over 4 s made {fetches} fetches: botocore refetched in a loop"
    );
}

#[test]
fn a_renewal_ahead_that_cannot_get_a_code_is_said_once_and_the_valid_session_still_served() {
    let Some(moto) = Moto::start() else { return };
    let config = format!(
        "[profile dev]\nregion = eu-west-1\nmfa_serial = {}\n",
        moto.get("mfa_serial")
    );
    let in_14m = (Utc::now() + Duration::minutes(14)).to_rfc3339_opts(SecondsFormat::Secs, true);
    let sb = Sandbox::new(&moto.url, &config, &session_files(&moto, &in_14m));
    let calls = r#"python3 -c '
import time, boto3
sts = boto3.client("sts")
for _ in range(10):
    sts.get_caller_identity()
    time.sleep(0.1)
print(boto3.Session().get_credentials().get_frozen_credentials().access_key)
'"#;
    let out = sb.exec_server_sh(calls).output().unwrap();
    let (stdout, stderr) = text(&out);
    assert!(out.status.success(), "{stderr}");
    assert_eq!(
        stdout.trim(),
        "ASIAOLDOLDOLDOLD0000",
        "the valid session, served"
    );
    assert_eq!(
        stderr.matches("an MFA code is needed").count(),
        1,
        "ten calls that each refetch inside botocore's window: one try ahead, one sentence: {stderr}"
    );
}
