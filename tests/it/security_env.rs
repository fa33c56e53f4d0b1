//! Odd environments: a variable whose value is not UTF-8 (`FOO=$'caf\xe9'`) is read as the
//! operating system gives it and never stops a command (issue 29, item 4).

use crate::common::{text, Sandbox};
use chrono::{Duration, SecondsFormat, Utc};
use std::ffi::OsString;
use std::os::unix::ffi::OsStringExt;

fn not_utf8(bytes: &[u8]) -> OsString {
    OsString::from_vec(bytes.to_vec())
}

fn sandbox() -> Sandbox {
    let expires = (Utc::now() + Duration::minutes(42) + Duration::seconds(30))
        .to_rfc3339_opts(SecondsFormat::Secs, true);
    Sandbox::new(
        "http://127.0.0.1:9",
        "[profile dev]\nregion = eu-west-1\nmfa_serial = arn:aws:iam::1:mfa/ana\n",
        &format!(
            "[dev]\naws_access_key_id = AKIALONGLONGLONG0000\naws_secret_access_key = long-secret\n\n\
             [dev-mfa]\naws_access_key_id = ASIASESSIONSESSION00\naws_secret_access_key = session-secret\n\
             aws_session_token = session-token\nexpiration = {expires}\n"
        ),
    )
}

#[test]
fn a_variable_that_is_not_utf8_stops_no_command() {
    let sb = sandbox();
    let cafe = not_utf8(b"caf\xe9");
    let run = |args: &[&str]| {
        let mut cmd = sb.mfatui_command(args);
        cmd.env("FOO", &cafe).env("AWS_PROFILE", "dev");
        let out = cmd.output().unwrap();
        let (stdout, stderr) = text(&out);
        assert_ne!(out.status.code(), Some(101), "{args:?} panicked: {stderr}");
        assert!(
            !stderr.contains("panicked") && !stderr.contains("caf"),
            "{args:?}: {stderr}"
        );
        (out.status.success(), stdout, stderr)
    };
    let (ok, stdout, _) = run(&["status"]);
    assert!(ok);
    assert_eq!(stdout, "dev 42m\n", "status still prints its line");
    let (ok, stdout, stderr) = run(&["list"]);
    assert!(ok && stdout.contains("dev-mfa"), "{stdout}{stderr}");
    let (ok, stdout, stderr) = run(&["list", "--json"]);
    assert!(ok && stdout.contains("\"dev\""), "{stdout}{stderr}");
    let (ok, stdout, stderr) = run(&["credential-process", "dev"]);
    assert!(
        ok && stdout.contains("ASIASESSIONSESSION00"),
        "{stdout}{stderr}"
    );
    // The child gets the variable as it was, byte for byte.
    let (ok, stdout, stderr) = run(&[
        "exec",
        "dev",
        "--",
        "sh",
        "-c",
        "printf %s \"$FOO\" | od -An -tx1",
    ]);
    assert!(ok, "{stderr}");
    assert_eq!(
        stdout.split_whitespace().collect::<Vec<_>>(),
        ["63", "61", "66", "e9"]
    );
    let (ok, stdout, stderr) = run(&["export", "dev"]);
    assert!(ok && stdout.contains("AWS_SESSION_TOKEN"), "{stderr}");
    for args in [
        &["backups"][..],
        &["keyring", "list"],
        &["completions", "bash"],
        &["man"],
        &["discover"],
    ] {
        run(args);
    }
}

#[test]
fn a_files_variable_that_is_not_utf8_still_names_its_file() {
    let sb = sandbox();
    let odd = sb.home.path().join(not_utf8(b"cr\xe9ds"));
    std::fs::write(
        &odd,
        "[elsewhere]\naws_access_key_id = ASIAELSEWHEREELSE000\naws_secret_access_key = s\naws_session_token = t\nexpiration = 2999-01-01T00:00:00Z\n",
    )
    .unwrap();
    let mut cmd = sb.mfatui_command(&["status", "elsewhere"]);
    cmd.env("AWS_SHARED_CREDENTIALS_FILE", &odd);
    let out = cmd.output().unwrap();
    let (stdout, stderr) = text(&out);
    assert!(out.status.success(), "{stderr}");
    assert!(
        stdout.starts_with("elsewhere ") && !stdout.contains('?'),
        "read from the file the variable names, not ~/.aws/credentials: {stdout}"
    );
}
