//! The backups boundary (docs/security.md, "Files"): mfatui keeps backups (which hold the
//! long-term keys) and locks only in a folder of its own that no one else can write, lists and
//! restores only this user's regular files there, and never opens a lock through a link. Each
//! test plays another local user's moves beside a credentials file in a shared folder, as in
//! `AWS_SHARED_CREDENTIALS_FILE=/tmp/vcreds`.

use crate::common::{counting_responder, root_or_skip, text, Sandbox, WRONG_CODE};
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::Output;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

const CONFIG: &str =
    "[profile dev]\nregion = eu-west-1\nmfa_serial = arn:aws:iam::123456789012:mfa/ana\n";
const CREDENTIALS: &str =
    "[dev]\naws_access_key_id = AKIAVICTIMKEYS000001\naws_secret_access_key = victim-secret\n";
const PLANTED_NAME: &str = "vcreds.2099-01-01T00-00-00Z.bak";
const PLANTED: &str = "[dev]\ncredential_process = sh -c \"id > /tmp/pwned-by-mallory; echo {}\"\n";

/// A victim whose credentials file is `shared/vcreds`, `shared` a sticky world-writable
/// folder like `/tmp`; STS answers through a counter.
struct Victim {
    sb: Sandbox,
    calls: Arc<AtomicUsize>,
}

impl Victim {
    fn new() -> Victim {
        let (url, calls) = counting_responder(403, WRONG_CODE);
        let sb = Sandbox::new(&url, CONFIG, "");
        let victim = Victim { sb, calls };
        std::fs::create_dir(victim.shared()).unwrap();
        chmod(&victim.shared(), 0o1777);
        std::fs::write(victim.file(), CREDENTIALS).unwrap();
        chmod(&victim.file(), 0o600);
        victim
    }

    fn shared(&self) -> PathBuf {
        self.sb.home.path().join("shared")
    }

    fn file(&self) -> PathBuf {
        self.shared().join("vcreds")
    }

    fn backups(&self) -> PathBuf {
        self.shared().join(".mfatui-backups")
    }

    fn run(&self, args: &[&str]) -> Output {
        let file = self.file();
        self.sb.mfatui_env(
            args,
            &[("AWS_SHARED_CREDENTIALS_FILE", file.to_str().unwrap())],
        )
    }

    /// Runs `args`, which must fail with one sentence containing every one of `says`.
    fn refused(&self, args: &[&str], says: &[&str]) {
        let out = self.run(args);
        let (_, stderr) = text(&out);
        assert!(!out.status.success(), "{args:?} succeeded: {stderr}");
        assert_eq!(
            stderr.trim_end().lines().count(),
            1,
            "one sentence: {stderr}"
        );
        for want in says {
            assert!(stderr.contains(want), "{args:?}: {want:?} not in {stderr}");
        }
    }

    /// Nothing reached STS, the file is as it was, and mfatui put nothing in `dir`.
    fn untouched(&self, dir: &Path, before: &[PathBuf]) {
        assert_eq!(self.calls.load(Ordering::SeqCst), 0, "no STS call");
        assert_eq!(std::fs::read_to_string(self.file()).unwrap(), CREDENTIALS);
        assert_eq!(listing(dir), before, "nothing written in {}", dir.display());
    }
}

fn chmod(path: &Path, mode: u32) {
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).unwrap();
}

/// What `dir` holds, sorted, but for the `.gitignore` mfatui puts in every backup folder.
fn listing(dir: &Path) -> Vec<PathBuf> {
    let mut all: Vec<PathBuf> = std::fs::read_dir(dir)
        .map(|entries| entries.map(|e| e.unwrap().path()).collect())
        .unwrap_or_default();
    all.retain(|p| !p.ends_with(".gitignore"));
    all.sort();
    all
}

/// Mallory's moves: her backup folder (made by `make`), a planted "newest backup" in it, and
/// a lock aimed at a file of her choosing.
fn plant(victim: &Victim, make: impl FnOnce(&Path)) -> PathBuf {
    let dir = victim.backups();
    make(&dir);
    std::fs::write(dir.join(PLANTED_NAME), PLANTED).unwrap();
    let aimed = victim.sb.home.path().join("created-by-mallory");
    std::os::unix::fs::symlink(&aimed, dir.join("vcreds.lock")).unwrap();
    aimed
}

/// Every command that writes, backs up, restores or lists refuses the folder, naming it and
/// `says`; the code never reaches STS, and nothing is created or changed.
fn every_command_refuses(victim: &Victim, aimed: &Path, says: &str) {
    let dir = victim.backups();
    let named = dir.display().to_string();
    let before = listing(&dir);
    victim.refused(
        &["renew", "dev", "--code", "123456", "--yes"],
        &[&named, says],
    );
    victim.refused(
        &[
            "set",
            "dev",
            "region",
            "us-east-1",
            "--file",
            "credentials",
            "--yes",
        ],
        &[&named, says],
    );
    victim.refused(&["backups", "credentials"], &[&named, says]);
    victim.refused(&["restore", PLANTED_NAME, "--yes"], &[&named, says]);
    victim.untouched(&dir, &before);
    assert!(!aimed.exists(), "the lock was not opened through the link");
}

#[test]
fn a_backup_folder_others_can_write_is_refused_before_sts_and_gets_nothing() {
    for (mode, says) in [(0o777, "mode 0777"), (0o770, "mode 0770")] {
        let victim = Victim::new();
        let aimed = plant(&victim, |dir| {
            std::fs::create_dir(dir).unwrap();
            chmod(dir, mode);
        });
        every_command_refuses(&victim, &aimed, says);
    }
}

#[test]
fn a_backup_folder_that_is_a_link_is_refused_even_to_a_private_folder() {
    let victim = Victim::new();
    let elsewhere = victim.sb.home.path().join("mallory-private");
    let aimed = plant(&victim, |dir| {
        std::fs::create_dir(&elsewhere).unwrap();
        chmod(&elsewhere, 0o700);
        std::os::unix::fs::symlink(&elsewhere, dir).unwrap();
    });
    every_command_refuses(&victim, &aimed, "a symbolic link");
}

#[test]
fn another_users_backup_folder_is_refused() {
    if !root_or_skip("a folder of another user needs chown") {
        return;
    }
    let victim = Victim::new();
    let aimed = plant(&victim, |dir| {
        std::fs::create_dir(dir).unwrap();
        chmod(dir, 0o755);
    });
    std::os::unix::fs::chown(victim.backups(), Some(65534), Some(65534)).unwrap();
    every_command_refuses(
        &victim,
        &aimed,
        "another user's (owner uid 65534, mode 0755)",
    );
}

#[test]
fn a_folder_mfatui_creates_stays_private_and_is_used() {
    let victim = Victim::new();
    let out = victim.run(&[
        "set",
        "dev",
        "region",
        "us-east-1",
        "--file",
        "credentials",
        "--yes",
    ]);
    assert!(out.status.success(), "{:?}", text(&out));
    let meta = std::fs::symlink_metadata(victim.backups()).unwrap();
    assert!(meta.is_dir());
    assert_eq!(meta.permissions().mode() & 0o777, 0o700);
    let (listed, _) = text(&victim.run(&["backups", "credentials"]));
    assert!(
        listed.contains("vcreds.") && listed.contains(".bak"),
        "{listed}"
    );
}

#[test]
fn a_planted_backup_in_a_private_folder_is_neither_listed_nor_restored() {
    let victim = Victim::new();
    let dir = victim.backups();
    std::fs::create_dir(&dir).unwrap();
    chmod(&dir, 0o700);
    // A "backup" that is a link to a file mfatui did not write.
    let outside = victim.shared().join("mallory.ini");
    std::fs::write(&outside, PLANTED).unwrap();
    std::os::unix::fs::symlink(&outside, dir.join(PLANTED_NAME)).unwrap();
    let mut planted = vec![PLANTED_NAME];
    // As root, also a regular file owned by another user.
    const OTHERS: &str = "vcreds.2098-01-01T00-00-00Z.bak";
    if root_or_skip("a file of another user needs chown") {
        std::fs::write(dir.join(OTHERS), PLANTED).unwrap();
        std::os::unix::fs::chown(dir.join(OTHERS), Some(65534), Some(65534)).unwrap();
        planted.push(OTHERS);
    }
    let out = victim.run(&["backups", "credentials"]);
    let (listed, stderr) = text(&out);
    assert!(out.status.success(), "{stderr}");
    assert!(listed.contains("No backups yet."), "{listed}");
    for name in planted {
        victim.refused(
            &["restore", name, "--yes"],
            &[name, "is not one of your backups", "nothing was restored"],
        );
    }
    assert_eq!(std::fs::read_to_string(victim.file()).unwrap(), CREDENTIALS);
}

#[test]
fn a_lock_that_is_a_link_is_never_followed() {
    let victim = Victim::new();
    let dir = victim.backups();
    std::fs::create_dir(&dir).unwrap();
    chmod(&dir, 0o700);
    let aimed = victim.sb.home.path().join("created-by-mallory");
    std::os::unix::fs::symlink(&aimed, dir.join("vcreds.lock")).unwrap();
    victim.refused(
        &[
            "set",
            "dev",
            "region",
            "us-east-1",
            "--file",
            "credentials",
            "--yes",
        ],
        &["vcreds.lock", "symbolic link", "nothing was written"],
    );
    assert!(!aimed.exists(), "no file created where the link points");
    assert_eq!(std::fs::read_to_string(victim.file()).unwrap(), CREDENTIALS);
    assert_eq!(listing(&dir), [dir.join("vcreds.lock")], "no backup made");
}
