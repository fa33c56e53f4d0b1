//! The safe writer: backups, atomic replace, faults at every step, kill -9, concurrency,
//! external edits, symlinks, modes, full and read-only disks, masked diffs.

use mfatui::awsfiles::backup;
use mfatui::awsfiles::{
    commit, AwsFile, AwsFiles, AwsPaths, Edit, FileKind, OnChange, Plan, WriteError, WriteOptions,
};
use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

const OLD: &str = "# my credentials\n[dev]\naws_access_key_id = AKIAOLDOLDOLD0000001\naws_secret_access_key = old-secret-value-123\n\n[prod]\naws_access_key_id = AKIAPRODPRODPROD0002\naws_secret_access_key = prod-secret-value-456\n";

struct Home {
    dir: tempfile::TempDir,
}

impl Home {
    fn new() -> Home {
        let home = Home {
            dir: tempfile::tempdir().unwrap(),
        };
        fs::create_dir_all(home.aws()).unwrap();
        fs::write(home.credentials(), OLD).unwrap();
        fs::set_permissions(home.credentials(), fs::Permissions::from_mode(0o600)).unwrap();
        home
    }
    fn aws(&self) -> PathBuf {
        self.dir.path().join(".aws")
    }
    fn credentials(&self) -> PathBuf {
        self.aws().join("credentials")
    }
    fn command(&self, args: &[&str], fault: Option<&str>) -> Command {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_mfatui"));
        cmd.args(args)
            .env_clear()
            .env("HOME", self.dir.path())
            .stdin(Stdio::null());
        if let Some(f) = fault {
            cmd.env("MFATUI_FAULT", f);
        }
        cmd
    }
    fn run(&self, args: &[&str], fault: Option<&str>) -> Output {
        self.command(args, fault).output().unwrap()
    }
    fn temp_files(&self) -> Vec<String> {
        fs::read_dir(self.aws())
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .filter(|n| n.ends_with(".tmp"))
            .collect()
    }
    fn backups(&self) -> Vec<backup::Backup> {
        let (named, dir) = backup::backups_of(&self.credentials(), None);
        backup::list(&named, &dir).unwrap()
    }
    fn text(&self) -> String {
        fs::read_to_string(self.credentials()).unwrap()
    }
}

fn new_text() -> String {
    OLD.replace(
        "old-secret-value-123\n",
        "old-secret-value-123\nregion = eu-west-1\n",
    )
}

const SET_REGION: [&str; 7] = [
    "set",
    "dev",
    "region",
    "eu-west-1",
    "--file",
    "credentials",
    "--yes",
];

#[test]
fn set_writes_backup_first_then_only_the_needed_line() {
    let home = Home::new();
    let out = home.run(&SET_REGION, None);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(home.text(), new_text());
    let backups = home.backups();
    assert_eq!(backups.len(), 1);
    assert_eq!(fs::read_to_string(&backups[0].path).unwrap(), OLD);
    assert_eq!(
        fs::metadata(&backups[0].path).unwrap().permissions().mode() & 0o777,
        0o600
    );
    let stdout = String::from_utf8(out.stdout).unwrap();
    assert!(stdout.contains("+region = eu-west-1"), "{stdout}");
    assert!(stdout.contains("(backup: "), "{stdout}");
    assert!(
        !stdout.contains("old-secret-value-123"),
        "secret in diff: {stdout}"
    );
    assert!(home.temp_files().is_empty());
}

#[test]
fn without_yes_and_without_a_terminal_nothing_is_written() {
    let home = Home::new();
    let out = home.run(&SET_REGION[..6], None);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("pass --yes"));
    assert_eq!(home.text(), OLD);
    let dry = home.run(
        &[
            "set",
            "dev",
            "region",
            "x",
            "--file",
            "credentials",
            "--dry-run",
        ],
        None,
    );
    assert!(dry.status.success());
    assert!(String::from_utf8_lossy(&dry.stdout).contains("Dry run: nothing was written."));
    assert_eq!(home.text(), OLD);
    assert!(home.backups().is_empty());
}

#[test]
fn a_fault_at_any_step_leaves_the_file_fully_old_or_fully_new() {
    for step in [
        "after-backup",
        "mid-temp-write",
        "before-rename",
        "after-rename",
    ] {
        for action in ["fail", "abort"] {
            let home = Home::new();
            let out = home.run(&SET_REGION, Some(&format!("{step}:{action}")));
            assert!(!out.status.success(), "{step}:{action} should not succeed");
            let text = home.text();
            if step == "after-rename" {
                assert_eq!(text, new_text(), "{step}:{action}");
            } else {
                assert_eq!(text, OLD, "{step}:{action}");
            }
            assert_eq!(
                home.backups().len(),
                1,
                "{step}:{action}: the backup exists"
            );
            if action == "fail" {
                let err = String::from_utf8_lossy(&out.stderr);
                assert!(err.contains("injected fault"), "{err}");
                assert!(
                    home.temp_files().is_empty(),
                    "{step}:fail left {:?}",
                    home.temp_files()
                );
            }
            let again = home.run(&SET_REGION, None);
            assert!(
                again.status.success(),
                "{step}:{action} retry: {}",
                String::from_utf8_lossy(&again.stderr)
            );
            assert_eq!(home.text(), new_text());
            assert!(
                home.temp_files().is_empty(),
                "{step}:{action}: temp files survive the next run"
            );
        }
    }
}

fn wait_for(what: &str, mut done: impl FnMut() -> bool) {
    let start = Instant::now();
    while !done() {
        assert!(
            start.elapsed() < Duration::from_secs(20),
            "timed out waiting for {what}"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[test]
fn kill_9_mid_write_loses_nothing() {
    let home = Home::new();
    let mut child: Child = home
        .command(&SET_REGION, Some("mid-temp-write:hang"))
        .stdout(Stdio::null())
        .spawn()
        .unwrap();
    wait_for("the temporary file", || !home.temp_files().is_empty());
    child.kill().unwrap();
    child.wait().unwrap();
    assert_eq!(home.text(), OLD, "the real file is untouched");
    assert_eq!(home.backups().len(), 1);
    let again = home.run(&SET_REGION, None);
    assert!(again.status.success());
    assert_eq!(home.text(), new_text());
    assert!(
        home.temp_files().is_empty(),
        "stale temp files are cleaned up"
    );
}

#[test]
fn two_processes_editing_different_profiles_at_once_both_land() {
    let home = Home::new();
    let a = home
        .command(
            &[
                "set",
                "dev",
                "region",
                "eu-west-1",
                "--file",
                "credentials",
                "--yes",
            ],
            Some("after-backup:pause"),
        )
        .stdout(Stdio::null())
        .spawn()
        .unwrap();
    let b = home
        .command(
            &[
                "set",
                "prod",
                "region",
                "us-east-2",
                "--file",
                "credentials",
                "--yes",
            ],
            None,
        )
        .output()
        .unwrap();
    let a = a.wait_with_output().unwrap();
    assert!(
        a.status.success() && b.status.success(),
        "{}",
        String::from_utf8_lossy(&b.stderr)
    );
    let text = home.text();
    assert!(
        text.contains("old-secret-value-123\nregion = eu-west-1\n"),
        "{text}"
    );
    assert!(
        text.contains("prod-secret-value-456\nregion = us-east-2\n"),
        "{text}"
    );
    assert!(text.starts_with("# my credentials\n"));
}

/// Attack round 14 (R14-7): one file reached by two names (a dotfiles link and its real
/// path) had a lock beside each name, so two writers did not exclude each other and one
/// replaced the file without the other's edit. The lock is beside the real file.
#[test]
fn writers_reaching_one_file_by_two_names_meet_the_same_lock() {
    let home = Home::new();
    let real = home.dir.path().join("dot/credentials");
    fs::create_dir_all(real.parent().unwrap()).unwrap();
    fs::rename(home.credentials(), &real).unwrap();
    std::os::unix::fs::symlink("../dot/credentials", home.credentials()).unwrap();
    let set = |profile: &str, region: &str| {
        [
            "set",
            profile,
            "region",
            region,
            "--file",
            "credentials",
            "--yes",
        ]
        .map(str::to_owned)
    };
    // Through the real path: stopped after its read and backup, holding its lock.
    let args = set("dev", "eu-west-1");
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let a = home
        .command(&args, Some("after-backup:stop"))
        .env("AWS_SHARED_CREDENTIALS_FILE", &real)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    crate::common::wait_until_stopped(a.id());
    // Through the link: it must wait for the first.
    let args = set("prod", "us-east-2");
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let mut b = home
        .command(&args, None)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    std::thread::sleep(Duration::from_millis(1500));
    let waited = b.try_wait().unwrap().is_none();
    crate::common::resume(a.id());
    let (a, b) = (a.wait_with_output().unwrap(), b.wait_with_output().unwrap());
    assert!(
        a.status.success() && b.status.success(),
        "{} {}",
        String::from_utf8_lossy(&a.stderr),
        String::from_utf8_lossy(&b.stderr)
    );
    assert!(waited, "the second writer met the first one's lock");
    let text = fs::read_to_string(&real).unwrap();
    assert!(
        text.contains("old-secret-value-123\nregion = eu-west-1\n")
            && text.contains("prod-secret-value-456\nregion = us-east-2\n"),
        "both land: {text}"
    );
    assert!(fs::symlink_metadata(home.credentials())
        .unwrap()
        .file_type()
        .is_symlink());
}

fn paths(home: &Home) -> AwsPaths {
    AwsPaths {
        config: home.aws().join("config"),
        credentials: home.credentials(),
        cli_cache: home.aws().join("cli/cache"),
        mfa_secure_sessions: home.aws().join("mfa-secure-sessions"),
        sso_cache: home.aws().join("sso-cache"),
        login_cache: home.aws().join("login-cache"),
        mfatui_cache: home.aws().join("mfatui-cache"),
        selected_profile: None,
    }
}

fn plan_region(home: &Home) -> Plan {
    let files = AwsFiles::load(&paths(home)).unwrap();
    let mut plan = Plan::default();
    let edit = Edit::Set {
        section: "dev".into(),
        key: "region".into(),
        value: "eu-west-1".into(),
    };
    plan.edit(&files.credentials, vec![edit]).unwrap();
    plan
}

#[test]
fn an_external_edit_after_loading_is_merged_or_refused_never_lost() {
    let home = Home::new();
    let plan = plan_region(&home);
    fs::write(
        home.credentials(),
        OLD.replace("[prod]\n", "[prod]\noutput = json\n"),
    )
    .unwrap();

    let refused = commit(&plan, &WriteOptions::new(OnChange::Refuse)).unwrap_err();
    let WriteError::Changed { replanned, .. } = refused else {
        panic!("expected Changed, got {refused}")
    };
    assert!(replanned.after.text().contains("output = json"));
    assert!(home.text().contains("output = json") && !home.text().contains("eu-west-1"));

    let written = commit(&plan, &WriteOptions::new(OnChange::Merge)).unwrap();
    assert!(written[0].merged);
    let text = home.text();
    assert!(
        text.contains("[prod]\noutput = json\n") && text.contains("region = eu-west-1"),
        "{text}"
    );
}

/// Attack round 14 (R14b-4): a file emptied by another program's save in progress (a shell's
/// `> file` waiting for its command) was merged onto, backed up empty and replaced: the
/// save then went to the replaced file, and every other profile was in no file and no
/// backup. It is waited for, then refused; a save that lands within the wait is merged.
#[test]
fn a_file_emptied_by_a_save_in_progress_is_never_written_over() {
    let home = Home::new();
    let plan = plan_region(&home);
    let saving = fs::OpenOptions::new()
        .write(true)
        .open(home.credentials())
        .unwrap();
    saving.set_len(0).unwrap();
    let err = commit(&plan, &WriteOptions::new(OnChange::Merge)).unwrap_err();
    assert!(matches!(err, WriteError::BeingWritten { .. }), "{err}");
    assert_eq!(home.text(), "", "nothing written over the save");
    assert!(home.backups().is_empty(), "no backup of the empty file");
    // The save lands half-way through the wait: the change is merged onto it.
    let writer = std::thread::spawn({
        let path = home.credentials();
        move || {
            std::thread::sleep(Duration::from_millis(600));
            use std::io::Write;
            let mut f = saving;
            f.write_all(OLD.as_bytes()).unwrap();
            drop(path);
        }
    });
    let written = commit(&plan, &WriteOptions::new(OnChange::Merge)).unwrap();
    writer.join().unwrap();
    assert!(written[0].merged || home.text() == new_text());
    assert_eq!(home.text(), new_text());
}

/// Attack round 14 (D-5): a file another program has truncated and partly written again (its
/// first section) was merged onto: the rest of that save went to the file this write
/// replaced, the other profiles in no file. It is waited for (2 s), and when it stays so,
/// nothing is written and the sentence names what it lacks; a save finishing meanwhile is
/// merged onto as any change on disk.
#[test]
fn a_file_partly_saved_by_another_program_is_never_written_over() {
    let home = Home::new();
    let plan = plan_region(&home);
    let first_part = OLD.split("\n[prod]").next().unwrap().to_owned() + "\n";
    fs::write(home.credentials(), &first_part).unwrap();
    let err = commit(&plan, &WriteOptions::new(OnChange::Merge)).unwrap_err();
    assert!(matches!(err, WriteError::BeingWritten { .. }), "{err}");
    assert!(err.to_string().contains("lacked [prod]"), "{err}");
    assert_eq!(home.text(), first_part, "nothing written over the save");
    assert!(home.backups().is_empty());

    // Attack round 15 (E-3): cut inside a section (`[prod]`'s key id written, its secret not
    // yet); 15b (F-6): a save that changed something first (a comment on top) and was cut
    // inside a value, or after its last line's text; or the same text cut after a whole line:
    // waited for and refused the same way.
    let prod_id_line = OLD.find("[prod]").unwrap();
    let after_id = prod_id_line + OLD[prod_id_line..].find("aws_secret_access_key").unwrap();
    let cuts = [
        (
            OLD[..after_id].to_owned(),
            "lacked [prod] aws_secret_access_key",
        ),
        (
            format!("# saved by another tool\n{}", &OLD[..OLD.len() - 5]),
            "lacked the end of [prod] aws_secret_access_key",
        ),
        (
            format!("# saved by another tool\n{}", &OLD[..OLD.len() - 1]),
            "ended in the middle of a line",
        ),
        (
            OLD[..OLD.find("[prod]").unwrap()].to_owned(),
            "lacked [prod]",
        ),
    ];
    for (cut, lacks) in cuts {
        fs::write(home.credentials(), &cut).unwrap();
        let err = commit(&plan, &WriteOptions::new(OnChange::Merge)).unwrap_err();
        assert!(err.to_string().contains(lacks), "{lacks}: {err}");
        assert_eq!(home.text(), cut, "nothing written over the save");
    }

    // Attack round 15c (G-4): a file read without a final newline, whose last value another
    // program changed and was cut writing; (G-3) a pair being typed into the file (`cat >>`),
    // its key id written and its secret not yet.
    let no_final_newline = OLD.trim_end().to_owned();
    fs::write(home.credentials(), &no_final_newline).unwrap();
    let plan_nl = plan_region(&home);
    let changed_and_cut = no_final_newline.replace("prod-secret-value-456", "new-prod-sec");
    let typing = format!("{OLD}\n[carol]\naws_access_key_id = AKIACAROLCAROLCAROL1\n");
    for (plan, cut, lacks) in [
        (&plan_nl, changed_and_cut, "ended in the middle of a line"),
        (
            &plan,
            typing,
            "ended in [carol] with a key id still waiting for its secret",
        ),
    ] {
        fs::write(home.credentials(), &cut).unwrap();
        let err = commit(plan, &WriteOptions::new(OnChange::Merge)).unwrap_err();
        assert!(err.to_string().contains(lacks), "{lacks}: {err}");
        assert_eq!(home.text(), cut, "nothing written over the save");
    }
    // A half pair left alone for minutes is a broken profile, not one being typed: written
    // around.
    let old_half = format!("{OLD}\n[carol]\naws_access_key_id = AKIACAROLCAROLCAROL1\n");
    fs::write(home.credentials(), &old_half).unwrap();
    fs::File::options()
        .write(true)
        .open(home.credentials())
        .unwrap()
        .set_modified(std::time::SystemTime::now() - Duration::from_secs(300))
        .unwrap();
    let written = commit(&plan, &WriteOptions::new(OnChange::Merge)).unwrap();
    assert!(!written.is_empty());
    assert!(home
        .text()
        .contains("[carol]\naws_access_key_id = AKIACAROLCAROLCAROL1\n"));
    fs::write(home.credentials(), &first_part).unwrap();

    // The save finishes within the wait: the change lands on it.
    let writer = {
        let path = home.credentials();
        std::thread::spawn(move || {
            std::thread::sleep(Duration::from_millis(600));
            fs::write(path, OLD).unwrap();
        })
    };
    let written = commit(&plan, &WriteOptions::new(OnChange::Merge)).unwrap();
    writer.join().unwrap();
    assert!(!written.is_empty());
    assert_eq!(home.text(), new_text());
}

#[test]
fn an_external_change_to_the_same_key_is_a_conflict() {
    let home = Home::new();
    let plan = plan_region(&home);
    let theirs = OLD.replace(
        "old-secret-value-123\n",
        "old-secret-value-123\nregion = ap-south-1\n",
    );
    fs::write(home.credentials(), &theirs).unwrap();
    let err = commit(&plan, &WriteOptions::new(OnChange::Merge)).unwrap_err();
    assert!(matches!(err, WriteError::Conflict { .. }), "{err}");
    assert!(
        err.to_string()
            .contains("[dev] region was changed on disk by someone else"),
        "{err}"
    );
    assert_eq!(home.text(), theirs);
}

#[test]
fn symlinked_file_is_written_through_and_the_link_kept() {
    let home = Home::new();
    let real = home.dir.path().join("dotfiles-credentials");
    fs::rename(home.credentials(), &real).unwrap();
    std::os::unix::fs::symlink("../dotfiles-credentials", home.credentials()).unwrap();
    let out = home.run(&SET_REGION, None);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(fs::symlink_metadata(home.credentials())
        .unwrap()
        .file_type()
        .is_symlink());
    assert_eq!(fs::read_to_string(&real).unwrap(), new_text());
    // The backup is beside the real file, where a write through any name puts it, and
    // `restore` by its bare name through the link finds it and gives the file back.
    let backups = home.backups();
    assert_eq!(backups.len(), 1);
    assert_eq!(
        backups[0].path.parent().unwrap(),
        home.dir.path().join(".mfatui-backups")
    );
    let name = backups[0].path.file_name().unwrap().to_str().unwrap();
    let out = home.run(&["restore", name, "--yes"], None);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(fs::read_to_string(&real).unwrap(), OLD);
    assert!(fs::symlink_metadata(home.credentials())
        .unwrap()
        .file_type()
        .is_symlink());
}

/// Attack round 15 (E-8): with `~/.aws/credentials` a link into a dotfiles repository that
/// ignores the credentials file, the backups beside the real file (holding the long-term
/// key) were untracked files `git add -A` takes. Their folder ignores itself.
#[test]
fn backups_in_a_dotfiles_repository_are_kept_out_of_git() {
    let home = Home::new();
    let repo = home.dir.path().join("dotfiles");
    fs::create_dir_all(repo.join("aws")).unwrap();
    let git = |args: &[&str]| {
        let out = std::process::Command::new("git")
            .arg("-C")
            .arg(&repo)
            .args(args)
            .output()
            .expect("git");
        assert!(
            out.status.success(),
            "git {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    git(&["init", "-q"]);
    fs::write(repo.join(".gitignore"), "aws/credentials\n").unwrap();
    fs::rename(home.credentials(), repo.join("aws/credentials")).unwrap();
    std::os::unix::fs::symlink(repo.join("aws/credentials"), home.credentials()).unwrap();
    let out = home.run(&SET_REGION, None);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(home.backups().len(), 1);
    assert!(home.backups()[0].path.starts_with(&repo));
    let status = git(&["status", "--porcelain", "--untracked-files=all"]);
    assert_eq!(
        status.trim(),
        "?? .gitignore",
        "only the repository's own file: {status}"
    );
}

#[test]
fn modes_are_kept_and_new_files_are_private() {
    let home = Home::new();
    fs::set_permissions(home.credentials(), fs::Permissions::from_mode(0o640)).unwrap();
    assert!(home.run(&SET_REGION, None).status.success());
    assert_eq!(
        fs::metadata(home.credentials())
            .unwrap()
            .permissions()
            .mode()
            & 0o777,
        0o640
    );

    let fresh = tempfile::tempdir().unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_mfatui"))
        .args(["set", "dev", "region", "eu-west-1", "--yes"])
        .env_clear()
        .env("HOME", fresh.path())
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let config = fresh.path().join(".aws/config");
    assert_eq!(
        fs::read_to_string(&config).unwrap(),
        "[profile dev]\nregion = eu-west-1\n"
    );
    assert_eq!(
        fs::metadata(&config).unwrap().permissions().mode() & 0o777,
        0o600
    );
    assert_eq!(
        fs::metadata(fresh.path().join(".aws"))
            .unwrap()
            .permissions()
            .mode()
            & 0o777,
        0o700
    );
}

#[test]
fn every_diff_masks_secrets() {
    let home = Home::new();
    let files = AwsFiles::load(&paths(&home)).unwrap();
    let mut plan = Plan::default();
    let secret = "NEW/secret+KEY=value0123456789abcdef";
    let token = "IQoJb3JpZ2luX2VjEXAMPLETOKENvalue0123456789";
    let edits = vec![
        Edit::Set {
            section: "dev".into(),
            key: "aws_access_key_id".into(),
            value: "ASIANEWNEWNEW0009WXYZ".into(),
        },
        Edit::Set {
            section: "dev".into(),
            key: "aws_secret_access_key".into(),
            value: secret.into(),
        },
        Edit::Set {
            section: "dev".into(),
            key: "aws_session_token".into(),
            value: token.into(),
        },
        Edit::Set {
            section: "new".into(),
            key: "aws_session_token".into(),
            value: token.into(),
        },
    ];
    plan.edit(&files.credentials, edits).unwrap();
    let diff = plan.diff();
    for hidden in [
        secret,
        token,
        "old-secret-value-123",
        "prod-secret-value-456",
        "ASIANEWNEWNEW0009",
        "AKIAOLDOLDOLD",
    ] {
        assert!(!diff.contains(hidden), "{hidden} shown in:\n{diff}");
    }
    assert!(diff.contains("+aws_access_key_id = ****WXYZ"), "{diff}");
    assert!(diff.contains("-aws_secret_access_key = ****"), "{diff}");
    assert!(diff.contains("+aws_session_token = ****"), "{diff}");
}

#[test]
fn backups_and_restore_round_trip_through_the_cli() {
    let home = Home::new();
    assert!(home.run(&SET_REGION, None).status.success());
    let listed = String::from_utf8(home.run(&["backups"], None).stdout).unwrap();
    let backup_path = home.backups()[0].path.clone();
    assert!(
        listed.contains(&backup_path.display().to_string()),
        "{listed}"
    );
    assert!(listed.contains(&format!("{} bytes", OLD.len())), "{listed}");

    let out = home.run(&["restore", backup_path.to_str().unwrap(), "--yes"], None);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("-region = eu-west-1"));
    assert_eq!(home.text(), OLD);
    assert_eq!(
        home.backups().len(),
        2,
        "restore backs up the current file first"
    );
    let bad = home.run(&["restore", "/etc/hostname", "--yes"], None);
    assert!(String::from_utf8_lossy(&bad.stderr).contains("is not an mfatui backup"));
}

#[test]
fn old_backups_are_pruned_to_the_newest() {
    let home = Home::new();
    for i in 0..5 {
        let file = AwsFile::load(FileKind::Credentials, &home.credentials()).unwrap();
        let mut plan = Plan::default();
        plan.edit(
            &file,
            vec![Edit::Set {
                section: "dev".into(),
                key: "n".into(),
                value: i.to_string(),
            }],
        )
        .unwrap();
        let options = WriteOptions {
            keep_backups: 3,
            ..WriteOptions::new(OnChange::Refuse)
        };
        commit(&plan, &options).unwrap();
    }
    assert_eq!(home.backups().len(), 3);
}

/// Mounts a small tmpfs (root only); `None` (with a loud note) where that is not possible.
struct Mount(PathBuf);

impl Mount {
    fn tmpfs(options: &str) -> Option<Mount> {
        let dir = tempfile::tempdir().unwrap().keep();
        let ok = Command::new("mount")
            .args(["-t", "tmpfs", "-o", options, "tmpfs"])
            .arg(&dir)
            .status()
            .is_ok_and(|s| s.success());
        if !ok {
            eprintln!("\n!!! SKIPPING a disk-error test: cannot mount a tmpfs here (needs root)\n");
        }
        ok.then_some(Mount(dir))
    }
    fn remount_read_only(&self) {
        assert!(Command::new("mount")
            .args(["-o", "remount,ro"])
            .arg(&self.0)
            .status()
            .unwrap()
            .success());
    }
}

impl Drop for Mount {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg(&self.0).status();
    }
}

fn fill(path: &Path) {
    let mut junk = fs::File::create(path).unwrap();
    let block = vec![0u8; 4096];
    while std::io::Write::write_all(&mut junk, &block).is_ok() {}
}

#[test]
fn a_full_disk_or_read_only_file_system_is_a_clear_error_and_changes_nothing() {
    let Some(mount) = Mount::tmpfs("size=64k") else {
        return;
    };
    let creds = mount.0.join("credentials");
    fs::write(&creds, OLD).unwrap();
    fill(&mount.0.join("junk"));
    let mut plan = Plan::default();
    let file = AwsFile::load(FileKind::Credentials, &creds).unwrap();
    plan.edit(
        &file,
        vec![Edit::Set {
            section: "dev".into(),
            key: "region".into(),
            value: "x".repeat(2000),
        }],
    )
    .unwrap();
    let err = commit(&plan, &WriteOptions::new(OnChange::Refuse))
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("the disk is full") && err.contains("the file was not changed"),
        "{err}"
    );
    assert_eq!(fs::read_to_string(&creds).unwrap(), OLD);
    assert!(fs::read_dir(&mount.0).unwrap().all(|e| !e
        .unwrap()
        .file_name()
        .to_string_lossy()
        .ends_with(".tmp")));
    // Nor a part-written backup: it would be listed as the newest and, counted towards
    // `backups.keep`, prune the real ones (attack round 5, L2).
    let mut stubs = Vec::new();
    let mut folders = vec![mount.0.clone()];
    while let Some(dir) = folders.pop() {
        for entry in fs::read_dir(&dir).unwrap() {
            let entry = entry.unwrap();
            let meta = entry.metadata().unwrap();
            if meta.is_dir() {
                folders.push(entry.path());
            } else if entry.file_name().to_string_lossy().ends_with(".bak") && meta.len() == 0 {
                stubs.push(entry.path());
            }
        }
    }
    assert!(stubs.is_empty(), "empty backups left behind: {stubs:?}");

    fs::remove_file(mount.0.join("junk")).unwrap();
    mount.remount_read_only();
    let err = commit(&plan, &WriteOptions::new(OnChange::Refuse))
        .unwrap_err()
        .to_string();
    assert!(err.contains("read-only"), "{err}");
    assert_eq!(fs::read_to_string(&creds).unwrap(), OLD);
}
