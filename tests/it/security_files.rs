//! The files boundary (docs/security.md, "Files"): mfatui replaces only a regular file the user
//! may write, refuses anything else in one sentence before any STS call spends a code, and
//! never blocks reading one.

use crate::common::{counting_responder, root_or_skip, text, Sandbox, WRONG_CODE};
use std::os::unix::fs::{FileTypeExt, PermissionsExt};
use std::process::{Command, Output, Stdio};
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

const CONFIG: &str = "[profile dev]\nregion = eu-west-1\nmfa_serial = arn:aws:iam::123456789012:mfa/ana\naws_access_key_id = AKIACONFIGKEYS000001\naws_secret_access_key = config-secret\n";

/// Runs `cmd`, killing it after 20 s: a hang is a failure, not a stuck suite.
fn within_20s(mut cmd: Command) -> Output {
    let child = cmd
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let pid = child.id();
    let started = Instant::now();
    let watchdog = std::thread::spawn(move || {
        while started.elapsed() < Duration::from_secs(20) {
            std::thread::sleep(Duration::from_millis(100));
            if rustix::process::test_kill_process(
                rustix::process::Pid::from_raw(pid as i32).unwrap(),
            )
            .is_err()
            {
                return false;
            }
        }
        let _ = rustix::process::kill_process(
            rustix::process::Pid::from_raw(pid as i32).unwrap(),
            rustix::process::Signal::KILL,
        );
        true
    });
    let out = child.wait_with_output().unwrap();
    assert!(!watchdog.join().unwrap(), "mfatui hung on a special file");
    out
}

/// The sandbox's credentials file replaced by whatever `make` puts at that path.
fn special(
    make: impl FnOnce(&std::path::Path),
) -> (
    Sandbox,
    String,
    std::sync::Arc<std::sync::atomic::AtomicUsize>,
) {
    let (url, calls) = counting_responder(403, WRONG_CODE);
    let sb = Sandbox::new(&url, CONFIG, "");
    let path = sb.aws("credentials");
    std::fs::remove_file(&path).unwrap();
    make(&path);
    (sb, url, calls)
}

fn refused_before_sts(sb: &Sandbox, calls: &std::sync::atomic::AtomicUsize, what: &str) {
    let list = within_20s(sb.mfatui_command(&["list"]));
    let (stdout, stderr) = text(&list);
    assert!(list.status.success(), "{stderr}");
    assert!(stdout.contains("dev"), "the config's profiles still list");
    assert!(
        stderr.contains(what) && stderr.contains("not a regular file"),
        "{stderr}"
    );
    let renew = within_20s(sb.mfatui_command(&["renew", "dev", "--code", "123456", "--yes"]));
    let (_, stderr) = text(&renew);
    assert!(!renew.status.success());
    assert!(
        stderr.contains(what) && stderr.contains("not a regular file"),
        "{stderr}"
    );
    assert_eq!(stderr.lines().count(), 1, "one sentence: {stderr}");
    assert_eq!(
        calls.load(Ordering::SeqCst),
        0,
        "no STS call spent the code"
    );
}

#[test]
fn a_fifo_is_read_as_empty_without_blocking_and_never_written() {
    let (sb, _, calls) = special(|p| {
        assert!(Command::new("mkfifo").arg(p).status().unwrap().success());
    });
    refused_before_sts(&sb, &calls, "a FIFO");
    assert!(std::fs::metadata(sb.aws("credentials"))
        .unwrap()
        .file_type()
        .is_fifo());
}

#[test]
fn a_profile_whose_keys_are_in_a_fifo_says_the_file_was_passed_over() {
    let (url, calls) = counting_responder(403, WRONG_CODE);
    let sb = Sandbox::new(
        &url,
        "[profile dev]\nmfa_serial = arn:aws:iam::123456789012:mfa/ana\n",
        "",
    );
    let path = sb.aws("credentials");
    std::fs::remove_file(&path).unwrap();
    assert!(Command::new("mkfifo")
        .arg(&path)
        .status()
        .unwrap()
        .success());
    let renew = within_20s(sb.mfatui_command(&["renew", "dev", "--code", "123456", "--yes"]));
    let (_, stderr) = text(&renew);
    assert!(!renew.status.success());
    assert!(
        stderr.contains("no long-term keys") && stderr.contains("is a FIFO, not a regular file"),
        "the sentence says why the keys are missing: {stderr}"
    );
    assert_eq!(stderr.lines().count(), 1, "one sentence: {stderr}");
    assert_eq!(calls.load(Ordering::SeqCst), 0);
}

#[test]
fn a_device_is_never_replaced_even_by_root() {
    if !root_or_skip("mknod needs root") {
        return;
    }
    let (sb, _, calls) = special(|p| {
        let ok = Command::new("mknod")
            .arg(p)
            .args(["c", "1", "3"])
            .status()
            .unwrap();
        assert!(ok.success());
    });
    refused_before_sts(&sb, &calls, "a character device");
    assert!(std::fs::metadata(sb.aws("credentials"))
        .unwrap()
        .file_type()
        .is_char_device());
}

#[test]
fn a_folder_or_a_link_to_a_fifo_is_refused_too() {
    let (sb, _, calls) = special(|p| std::fs::create_dir(p).unwrap());
    refused_before_sts(&sb, &calls, "a directory");
    let (sb, _, calls) = special(|p| {
        let fifo = p.with_file_name("real-fifo");
        assert!(Command::new("mkfifo")
            .arg(&fifo)
            .status()
            .unwrap()
            .success());
        std::os::unix::fs::symlink(&fifo, p).unwrap();
    });
    refused_before_sts(&sb, &calls, "a FIFO");
}

#[test]
fn a_read_only_file_is_left_alone_even_by_root() {
    let (url, calls) = counting_responder(403, WRONG_CODE);
    let sb = Sandbox::new(&url, CONFIG, "# mine\n");
    let path = sb.aws("credentials");
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o444)).unwrap();
    let out = sb.mfatui(&["renew", "dev", "--code", "123456", "--yes"]);
    let (_, stderr) = text(&out);
    assert!(!out.status.success());
    assert!(
        stderr.contains("read-only") && stderr.contains("chmod u+w"),
        "{stderr}"
    );
    assert_eq!(
        calls.load(Ordering::SeqCst),
        0,
        "refused before any STS call"
    );
    assert_eq!(std::fs::read_to_string(&path).unwrap(), "# mine\n");
    assert_eq!(
        std::fs::metadata(&path).unwrap().permissions().mode() & 0o777,
        0o444
    );
}

#[test]
fn a_file_this_user_may_not_write_is_not_replaced_through_its_folder() {
    if !root_or_skip("running as another user needs root") {
        return;
    }
    // The folder is writable by everyone, the file only by root: a rename would succeed, so
    // only the check keeps another user from replacing it.
    let (url, calls) = counting_responder(403, WRONG_CODE);
    let sb = Sandbox::new(&url, CONFIG, "# root's\n");
    for dir in [sb.home.path().to_path_buf(), sb.aws("")] {
        std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o777)).unwrap();
    }
    std::fs::set_permissions(sb.aws("config"), std::fs::Permissions::from_mode(0o644)).unwrap();
    let mut cmd = Command::new("setpriv");
    cmd.args(["--reuid=65534", "--regid=65534", "--clear-groups"]);
    cmd.arg(env!("CARGO_BIN_EXE_mfatui"))
        .args(["renew", "dev", "--code", "123456", "--yes"]);
    crate::common::isolate(&mut cmd, sb.home.path());
    cmd.env("AWS_ENDPOINT_URL", &url);
    let out = cmd.output().unwrap();
    let (_, stderr) = text(&out);
    assert!(!out.status.success());
    assert!(
        stderr.contains("this user may not write the file"),
        "{stderr}"
    );
    assert_eq!(calls.load(Ordering::SeqCst), 0);
    assert_eq!(
        std::fs::read_to_string(sb.aws("credentials")).unwrap(),
        "# root's\n"
    );
}

#[test]
fn a_folder_or_a_fifo_at_aws_config_file_is_named_once_in_the_one_sentence_of_a_failure() {
    let (url, calls) = counting_responder(403, WRONG_CODE);
    let sb = Sandbox::new(&url, "", "[dev]\nregion = eu-west-1\n");
    let folder = sb.home.path().join("config-folder");
    std::fs::create_dir(&folder).unwrap();
    let fifo = sb.home.path().join("config-fifo");
    assert!(Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .unwrap()
        .success());
    for (config, what) in [(&folder, "a directory"), (&fifo, "a FIFO")] {
        for args in [
            &["export", "nope"][..],
            &["renew", "nope", "--code", "123456"],
        ] {
            let mut cmd = sb.mfatui_command(args);
            cmd.env("AWS_CONFIG_FILE", config);
            let out = within_20s(cmd);
            let (_, stderr) = text(&out);
            assert_eq!(out.status.code(), Some(1), "{args:?}: {stderr}");
            assert_eq!(stderr.lines().count(), 1, "one sentence: {stderr}");
            assert!(stderr.contains("'nope'"), "{args:?}: {stderr}");
            let note = format!(
                "{} is {what}, not a regular file: mfatui reads it as empty and never writes it",
                config.display()
            );
            assert_eq!(stderr.matches(&note).count(), 1, "named once: {stderr}");
            assert_eq!(
                stderr.matches("not a regular file").count(),
                1,
                "only the file passed over: {stderr}"
            );
        }
    }
    assert_eq!(calls.load(Ordering::SeqCst), 0, "no STS call");
    // Keys in the config, the credentials file a FIFO: the refusal to write it says so once,
    // not again as a note.
    let (sb, _, calls) = special(|p| {
        assert!(Command::new("mkfifo").arg(p).status().unwrap().success());
    });
    let out = within_20s(sb.mfatui_command(&["renew", "dev", "--code", "123456", "--yes"]));
    let (_, stderr) = text(&out);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("mfatui writes only regular files"),
        "{stderr}"
    );
    assert_eq!(stderr.matches("not a regular file").count(), 1, "{stderr}");
    assert_eq!(calls.load(Ordering::SeqCst), 0, "no STS call");
}
