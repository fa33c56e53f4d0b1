//! The request socket boundary (docs/security.md, "Request socket"): a caller sends nothing to
//! a socket in a folder that is not its user's own and private, or to a listener of another
//! user; the listener refuses such a folder and drops other users' connections.

use crate::common::{root_or_skip, text, Sandbox};
use mfatui::serve::requests::Listener;
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::process::{Command, Stdio};
use std::time::Duration;

/// A "squatter" another user (nobody) runs: listens on `socket`, writes how many bytes it got
/// to `count`, and answers as if it were mfatui's window.
const SQUATTER: &str = r#"
import os, socket, sys
path, count = sys.argv[1], sys.argv[2]
s = socket.socket(socket.AF_UNIX)
s.bind(path)
os.chmod(path, 0o777)
s.listen(5)
open(count, "w").write("0")
print("ready", flush=True)
total = 0
while True:
    c, _ = s.accept()
    c.settimeout(2)
    try:
        data = c.recv(4096)
    except Exception:
        data = b""
    total += len(data)
    open(count, "w").write(str(total))
    try:
        c.sendall(b'{"ok": false, "message": "\u001b[31mSQUATTED: send me your code"}\n')
    except Exception:
        pass
    c.close()
"#;

#[test]
fn a_squatted_socket_in_the_temporary_folder_gets_not_a_byte() {
    if !root_or_skip("a folder of another user needs root") {
        return;
    }
    let sb = Sandbox::new(
        "http://127.0.0.1:9",
        "[profile dev]\nmfa_serial = arn:aws:iam::1:mfa/ana\n",
        "[dev]\naws_access_key_id = AKIA\naws_secret_access_key = s\n",
    );
    // XDG_RUNTIME_DIR unset: the socket would be $TMPDIR/mfatui-0, which nobody made first.
    let tmp = sb.home.path().join("shared-tmp");
    std::fs::create_dir(&tmp).unwrap();
    std::fs::set_permissions(&tmp, std::fs::Permissions::from_mode(0o1777)).unwrap();
    std::fs::set_permissions(sb.home.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
    let folder = tmp.join("mfatui-0");
    std::fs::create_dir(&folder).unwrap();
    std::fs::set_permissions(&folder, std::fs::Permissions::from_mode(0o777)).unwrap();
    Command::new("chown")
        .args(["65534:65534", folder.to_str().unwrap()])
        .status()
        .unwrap();
    let count = tmp.join("count");
    let mut squatter = Command::new("setpriv")
        .args([
            "--reuid=65534",
            "--regid=65534",
            "--clear-groups",
            "/usr/bin/python3",
            "-c",
            SQUATTER,
        ])
        .arg(folder.join("requests.sock"))
        .arg(&count)
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut line = String::new();
    std::io::BufRead::read_line(
        &mut std::io::BufReader::new(squatter.stdout.take().unwrap()),
        &mut line,
    )
    .unwrap();
    assert_eq!(line.trim(), "ready");

    // A caller with no terminal and no code: it would ask an open window.
    let mut cmd = Command::new("setsid");
    cmd.args([
        "-w",
        env!("CARGO_BIN_EXE_mfatui"),
        "credential-process",
        "dev",
    ]);
    crate::common::isolate(&mut cmd, sb.home.path());
    cmd.env_remove("XDG_RUNTIME_DIR")
        .env("TMPDIR", &tmp)
        .env("AWS_ENDPOINT_URL", "http://127.0.0.1:9")
        .stdin(Stdio::null());
    let out = cmd.output().unwrap();
    let _ = squatter.kill();
    let _ = squatter.wait();
    let (_, stderr) = text(&out);
    assert!(!out.status.success());
    assert!(stderr.contains("an MFA code is needed"), "{stderr}");
    assert!(
        !stderr.contains("SQUATTED"),
        "the squatter's answer is not shown: {stderr}"
    );
    assert_eq!(
        std::fs::read_to_string(&count).unwrap(),
        "0",
        "not a byte reached the squatter"
    );
}

#[tokio::test(flavor = "current_thread")]
async fn connections_from_another_user_are_dropped_by_the_listener() {
    if !root_or_skip("connecting as another user needs root") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let run = dir.path().join("run");
    let path = run.join("requests.sock");
    let mut listener = Listener::bind(&path).await.unwrap();
    // Simulate a folder and socket opened up after the fact: only the peer check is left.
    std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
    std::fs::set_permissions(&run, std::fs::Permissions::from_mode(0o777)).unwrap();
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o777)).unwrap();
    let client = r#"
import socket, sys
s = socket.socket(socket.AF_UNIX)
s.connect(sys.argv[1])
s.sendall(b'{"profile": "dev", "pid": 1, "program": "intruder"}\n')
import time; time.sleep(2)
"#;
    let mut intruder = Command::new("setpriv")
        .args([
            "--reuid=65534",
            "--regid=65534",
            "--clear-groups",
            "/usr/bin/python3",
            "-c",
            client,
        ])
        .arg(&path)
        .spawn()
        .unwrap();
    let got = tokio::time::timeout(Duration::from_millis(1500), listener.next()).await;
    let _ = intruder.wait();
    assert!(
        got.is_err(),
        "another user's request never reaches the window"
    );
}

#[tokio::test(flavor = "current_thread")]
async fn the_listener_refuses_a_folder_it_does_not_own() {
    if !root_or_skip("a folder of another user needs root") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let run = dir.path().join("run");
    std::fs::create_dir(&run).unwrap();
    std::fs::set_permissions(&run, std::fs::Permissions::from_mode(0o700)).unwrap();
    Command::new("chown")
        .args(["65534:65534", run.to_str().unwrap()])
        .status()
        .unwrap();
    let refused = Listener::bind(&run.join("requests.sock")).await;
    let Err(mfatui::serve::requests::ListenError::Setup(why)) = refused else {
        panic!("listened in another user's folder");
    };
    assert!(
        why.contains("is owned by uid 65534 with mode 0700, not a folder of your own"),
        "{why}"
    );
    assert!(!run.join("requests.sock").exists());
}

/// `dev` with a fresh session, and keys in `[default]` that would shadow the endpoint: CMD
/// needs copies of the files.
fn shadowed_default() -> Sandbox {
    let fresh = (chrono::Utc::now() + chrono::Duration::hours(2))
        .to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
    let credentials = format!(
        "[default]\naws_access_key_id = AKIADEFAULTSHADOW000\naws_secret_access_key = d\n\n\
         [dev]\naws_access_key_id = AKIALONGLONGLONG0000\naws_secret_access_key = long-secret\n\n\
         [dev-mfa]\naws_access_key_id = ASIAFRESHFRESH001234\naws_secret_access_key = fresh-secret\n\
         aws_session_token = fresh-token\nexpiration = {fresh}\n"
    );
    Sandbox::new(
        &crate::common::black_hole(),
        "[profile dev]\nregion = eu-central-1\nmfa_serial = arn:aws:iam::123456789012:mfa/ana\n",
        &credentials,
    )
}

#[test]
fn exec_server_runs_its_command_when_another_user_holds_the_socket_folder() {
    let sb = shadowed_default();
    // Someone else's folder where the copies would go (another user's when the tests run as
    // root; otherwise one others may enter, which mfatui refuses the same way).
    let squatted = sb.home.path().join("run/mfatui");
    std::fs::create_dir_all(&squatted).unwrap();
    std::fs::set_permissions(&squatted, std::fs::Permissions::from_mode(0o755)).unwrap();
    if rustix::process::getuid().is_root() {
        std::os::unix::fs::chown(&squatted, Some(65534), Some(65534)).unwrap();
    }
    let out = sb.exec_server_sh("echo \"$AWS_SHARED_CREDENTIALS_FILE\"; grep -c AKIADEFAULTSHADOW000 \"$AWS_SHARED_CREDENTIALS_FILE\" || true").output().unwrap();
    let (stdout, stderr) = text(&out);
    assert!(out.status.success(), "{stderr}");
    let mut lines = stdout.lines();
    let copy = lines.next().unwrap();
    assert!(
        !copy.starts_with(squatted.to_str().unwrap()) && copy.contains("mfatui-exec-"),
        "the copies live in a fresh private folder: {copy}"
    );
    // Not in the shared temporary folder: a process of CMD's that outlives the run would read
    // the same path again, and anyone may make a name there once it is gone. The folder that
    // holds the fresh one is this user's and private.
    let holder = std::path::Path::new(copy)
        .parent()
        .unwrap()
        .parent()
        .unwrap();
    assert!(
        !holder.starts_with(sb.home.path().join("tmp")),
        "not in TMPDIR: {copy}"
    );
    let meta = std::fs::metadata(holder).unwrap();
    assert_eq!(meta.mode() & 0o077, 0, "{} is private", holder.display());
    assert_eq!(meta.uid(), rustix::process::geteuid().as_raw());
    assert_eq!(lines.next(), Some("0"), "the copy hides [default]'s keys");
    assert!(
        !std::path::Path::new(copy).exists(),
        "and are gone with the command"
    );
}

/// Attack round 14 (R14-8): without `XDG_RUNTIME_DIR` the copies went to
/// `$TMPDIR/mfatui-UID/exec-PID`; once that folder was gone (a cleaner, the user), another
/// user could make it again with a `credential_process` of theirs for a process of CMD's
/// that still named the copies. They go to mfatui's private cache folder instead.
#[test]
fn without_a_runtime_folder_the_copies_are_never_in_the_temporary_folder() {
    let sb = shadowed_default();
    let tmp = sb.home.path().join("tmp");
    std::fs::create_dir_all(&tmp).unwrap();
    std::fs::set_permissions(&tmp, std::fs::Permissions::from_mode(0o1777)).unwrap();
    let out = sb
        .mfatui_command(&[
            "exec",
            "--server",
            "dev",
            "--",
            "sh",
            "-c",
            "echo \"$AWS_SHARED_CREDENTIALS_FILE\"",
        ])
        .env_remove("XDG_RUNTIME_DIR")
        .env("TMPDIR", &tmp)
        .output()
        .unwrap();
    let (stdout, stderr) = text(&out);
    let copy = stdout.lines().next().unwrap_or_default();
    assert!(
        copy.starts_with(sb.home.path().join(".cache/mfatui/exec").to_str().unwrap()),
        "in mfatui's private cache folder: {copy} {stderr}"
    );
    assert!(!copy.starts_with(tmp.to_str().unwrap()));
    // Round 14c (C-4): a name nobody else can know (a random part besides the PID), so a
    // folder above it made again by another user never holds it.
    let folder = std::path::Path::new(copy)
        .parent()
        .unwrap()
        .file_name()
        .unwrap()
        .to_string_lossy()
        .into_owned();
    let random = folder.rsplit('-').next().unwrap_or_default();
    assert!(
        folder.starts_with("exec-") && folder.matches('-').count() >= 2 && random.len() >= 6,
        "{folder}"
    );
    let holder = std::path::Path::new(copy)
        .parent()
        .unwrap()
        .parent()
        .unwrap();
    let meta = std::fs::metadata(holder).unwrap();
    assert_eq!(meta.mode() & 0o077, 0, "{} is private", holder.display());
    assert!(
        !std::path::Path::new(copy).exists(),
        "gone with the command"
    );
}
