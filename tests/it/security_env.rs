//! Odd environments and odd files: a variable whose value is not UTF-8 (`FOO=$'caf\xe9'`) is
//! read as the operating system gives it and never stops a command; a `source_profile` chain
//! tens of thousands deep or a config "file" that is a device or a FIFO never hangs `status`
//! or `credential-process` (issue 29, items 4 and 8).

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

/// Runs `cmd` to its end, killing it after `limit` (a hang is a failure, not a wait).
fn finished_within(
    mut cmd: std::process::Command,
    limit: std::time::Duration,
) -> std::process::Output {
    use std::process::Stdio;
    let child = cmd
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let pid = child.id();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let _ = tx.send(child.wait_with_output());
    });
    match rx.recv_timeout(limit) {
        Ok(out) => out.unwrap(),
        Err(_) => {
            let pid = rustix::process::Pid::from_raw(pid as i32).unwrap();
            let _ = rustix::process::kill_process(pid, rustix::process::Signal::KILL);
            panic!(
                "still running after {limit:?}: {:?}",
                cmd.get_args().collect::<Vec<_>>()
            );
        }
    }
}

#[test]
fn a_source_profile_chain_64000_deep_is_one_sentence_not_a_hang() {
    let mut config = String::from(
        "[profile p0]\naws_access_key_id = AKIAAAAAAAAAAAAAAAAA\naws_secret_access_key = x\n",
    );
    for i in 1..64_000 {
        config.push_str(&format!(
            "[profile p{i}]\nrole_arn = arn:aws:iam::1:role/r\nsource_profile = p{}\n",
            i - 1
        ));
    }
    let sb = Sandbox::new("http://127.0.0.1:9", &config, "");
    // Generous for a debug build on a loaded machine; today's code takes minutes.
    let limit = std::time::Duration::from_secs(90);
    let out = finished_within(sb.mfatui_command(&["status", "p63999"]), limit);
    assert!(out.status.success(), "{}", text(&out).1);
    assert!(
        text(&out).0.starts_with("p63999 "),
        "its line: {}",
        text(&out).0
    );
    let out = finished_within(sb.mfatui_command(&["credential-process", "p63999"]), limit);
    let (_, stderr) = text(&out);
    assert!(!out.status.success());
    assert!(
        stderr.contains("the source_profile chain of 'p63999' is longer than 64 profiles")
            && stderr.trim().lines().count() == 1,
        "{stderr}"
    );
    // The list walks one chain per profile: each walk stops at the limit.
    let out = finished_within(sb.mfatui_command(&["list"]), limit);
    let (stdout, stderr) = text(&out);
    assert!(out.status.success(), "{stderr}");
    assert!(
        stdout.lines().any(|l| l.starts_with(" !p63999 ")),
        "every profile is listed, the too-long chains marked"
    );
    assert!(
        stdout.contains("p63999: the source_profile chain of 'p63999' is longer than 64 profiles"),
        "and said in one sentence"
    );
    // A chain within the limit is followed as before.
    let out = finished_within(sb.mfatui_command(&["credential-process", "p40"]), limit);
    assert!(!text(&out).1.contains("longer than"), "{}", text(&out).1);
}

#[test]
fn a_config_path_that_is_a_device_or_a_fifo_never_hangs_status() {
    let sb = sandbox();
    let fifo = sb.home.path().join("config-fifo");
    let made = std::process::Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .unwrap();
    assert!(made.success());
    let limit = std::time::Duration::from_secs(30);
    for config in [std::path::Path::new("/dev/ptmx"), &fifo] {
        for args in [&["status"][..], &["credential-process", "dev"]] {
            let mut cmd = sb.mfatui_command(args);
            cmd.env("AWS_CONFIG_FILE", config).env("AWS_PROFILE", "dev");
            let out = finished_within(cmd, limit);
            if args[0] == "status" {
                assert!(out.status.success(), "{}", text(&out).1);
                assert_eq!(text(&out).0, "dev 42m\n", "{config:?}");
            }
        }
    }
}

/// `cmd` run under `sh -c 'ulimit -v …'`: a reader that reads a device until memory runs out
/// fails inside the limit instead of exhausting the machine.
fn memory_capped(cmd: &std::process::Command) -> std::process::Command {
    let mut capped = std::process::Command::new("sh");
    capped
        .arg("-c")
        .arg("ulimit -v 2000000; exec \"$0\" \"$@\"")
        .arg(cmd.get_program())
        .args(cmd.get_args());
    for (var, value) in cmd.get_envs() {
        match value {
            Some(v) => capped.env(var, v),
            None => capped.env_remove(var),
        };
    }
    capped
}

#[test]
fn a_fifo_or_dev_zero_at_the_settings_or_an_sso_cache_file_is_one_sentence_not_a_hang() {
    const SSO: &str = "[profile corp-read]\nsso_session = corp\nsso_account_id = 111111111111\nsso_role_name = Read\nregion = eu-west-1\n\n\
        [sso-session corp]\nsso_start_url = https://corp.awsapps.com/start\nsso_region = eu-west-1\n";
    let limit = std::time::Duration::from_secs(60);
    let plants = [
        ".config/mfatui/config.toml",
        // botocore's token cache name for session `corp`: sha1("corp").
        ".aws/sso/cache/ee0bfd2552fbd840c02cc48b6e823320543c450f.json",
    ];
    for plant in plants {
        for fifo in [true, false] {
            let sb = Sandbox::new("http://127.0.0.1:9", SSO, "");
            let at = sb.home.path().join(plant);
            std::fs::create_dir_all(at.parent().unwrap()).unwrap();
            if fifo {
                let made = std::process::Command::new("mkfifo")
                    .arg(&at)
                    .status()
                    .unwrap();
                assert!(made.success());
            } else {
                std::os::unix::fs::symlink("/dev/zero", &at).unwrap();
            }
            for args in [
                &["status", "corp-read"][..],
                &["list"],
                &["credential-process", "corp-read"],
                &["--demo", "status"],
            ] {
                let cmd = memory_capped(&sb.mfatui_command(args));
                let out = finished_within(cmd, limit);
                let (stdout, stderr) = text(&out);
                assert_ne!(out.status.code(), Some(101), "{plant} {args:?}: {stderr}");
                assert!(
                    !stderr.contains("memory allocation") && out.status.code().is_some(),
                    "{plant} {args:?} ran out of memory: {stderr}"
                );
                if args[0] == "list" {
                    assert!(stdout.contains("corp-read"), "{plant}: {stdout}{stderr}");
                }
                if args[0] == "credential-process" {
                    let what = if fifo { "a FIFO" } else { "a character device" };
                    assert!(
                        stderr.contains(&format!("{what}, not a regular file")),
                        "{plant} {args:?}: {stderr}"
                    );
                }
            }
        }
    }
}
