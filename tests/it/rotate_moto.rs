//! `mfatui rotate` against moto, judged by the AWS CLI: the IAM user ends with only the new
//! key and the profile works; a failure after create, after write or at verify leaves the old
//! key in the file and in IAM; a user with two keys is told so and nothing changes.

use crate::common::{text, IamAs, Moto, Sandbox};

fn sandbox(moto: &Moto) -> Sandbox {
    let config = format!(
        "[profile dev]\nregion = eu-west-1\nmfa_serial = {}\n",
        moto.get("mfa_serial")
    );
    let credentials = format!(
        "# my keys\n[dev]\naws_access_key_id = {}\naws_secret_access_key = {}\n",
        moto.get("access_key_id"),
        moto.get("secret_access_key")
    );
    Sandbox::new(&moto.url, &config, &credentials)
}

/// The key ids IAM lists for ana, asked with the profile's own keys.
fn iam_keys(sb: &Sandbox) -> Vec<(String, String)> {
    sb.ana_keys(IamAs::Profile("dev"))
}

fn key_in_file(sb: &Sandbox) -> String {
    let text = sb.credentials();
    let dev = text.split("[dev]").nth(1).unwrap();
    dev.lines()
        .find_map(|l| l.strip_prefix("aws_access_key_id = "))
        .unwrap()
        .to_owned()
}

#[test]
fn rotation_replaces_the_key_and_failures_leave_the_old_one() {
    let Some(moto) = Moto::start() else { return };
    let old = moto.get("access_key_id");
    for (step, fails_with) in [
        ("rotate-after-create", "the new key was deleted again"),
        ("rotate-after-write", "the old key was written back"),
        ("rotate-verify", "the old key was written back"),
    ] {
        let sb = sandbox(&moto);
        let out = sb.mfatui_env(
            &["rotate", "dev", "--code", "123456", "--yes"],
            &[
                ("MFATUI_FAULT", &format!("{step}:fail")),
                ("MFATUI_ROTATE_VERIFY_SECS", "0"),
            ],
        );
        let stderr = text(&out).1;
        assert!(!out.status.success(), "{step}");
        assert!(stderr.contains(fails_with), "{step}: {stderr}");
        assert!(
            !stderr.contains(".;") && !stderr.contains(".,"),
            "one sentence, no stray full stop inside it: {stderr}"
        );
        assert_eq!(key_in_file(&sb), old, "{step}: the old key is in the file");
        assert_eq!(
            iam_keys(&sb),
            [(old.clone(), "Active".to_owned())],
            "{step}"
        );
        assert!(sb.caller_arn("dev").ends_with(":user/ana"));
    }

    let sb = sandbox(&moto);
    let out = sb.mfatui(&["rotate", "dev", "--code", "123456", "--yes"]);
    let (stdout, stderr) = text(&out);
    assert!(out.status.success(), "{stderr}");
    assert!(
        stdout.contains("Rotated the access key of 'dev' (IAM user ana)"),
        "{stdout}"
    );
    assert!(
        !stdout.contains(&moto.get("secret_access_key")),
        "the old secret is never printed"
    );
    let new = key_in_file(&sb);
    assert_ne!(new, old);
    assert_eq!(
        iam_keys(&sb),
        [(new, "Active".to_owned())],
        "only the new key is left"
    );
    assert!(
        sb.caller_arn("dev").ends_with(":user/ana"),
        "the profile works"
    );
    assert!(
        sb.credentials().starts_with("# my keys\n[dev]\n"),
        "comments and order kept"
    );
    assert!(!sb.backups().is_empty());
}

/// Attack round 9 (R9-3): the folder's sync failing after the rename left the file naming the
/// new key, which was then deleted in IAM ("the file is unchanged"): the only working key was
/// in a backup that pruning removes.
#[test]
fn a_write_failing_after_the_rename_never_deletes_the_key_the_file_names() {
    let Some(moto) = Moto::start() else { return };
    let old = moto.get("access_key_id");
    let sb = sandbox(&moto);
    // A fresh MFA session first: the rotation's own write is then the first one it makes.
    let renewed = sb.mfatui(&["renew", "dev", "--code", "123456", "--yes"]);
    assert!(renewed.status.success(), "{}", text(&renewed).1);
    let out = sb.mfatui_env(
        &["rotate", "dev", "--yes"],
        &[
            ("MFATUI_FAULT", "after-rename:fail"),
            ("MFATUI_ROTATE_VERIFY_SECS", "0"),
        ],
    );
    let stderr = text(&out).1;
    assert!(!out.status.success());
    assert!(!stderr.contains("the file is unchanged"), "{stderr}");
    let named = key_in_file(&sb);
    let keys = iam_keys(&sb);
    assert!(
        keys.contains(&(named.clone(), "Active".to_owned())),
        "the key the file names is alive in IAM: {keys:?}, file: {named}"
    );
    assert!(keys.contains(&(old, "Active".to_owned())), "{keys:?}");
    assert!(stderr.contains("run `mfatui rotate dev`"), "{stderr}");
    assert!(
        sb.caller_arn("dev").ends_with(":user/ana"),
        "the profile works"
    );
}

/// Attack round 10 (R10-1): a program that read the credentials file before the rotation wrote
/// it and saved it after (an editor's buffer, a tool's read-modify-write) put the old key back,
/// and the rotation then deleted the old key: the file named a deleted key, the new secret was
/// nowhere. The rotation now looks again before deleting and keeps the key the file names.
#[test]
fn a_program_putting_the_old_key_back_meanwhile_keeps_the_old_key_alive() {
    let Some(moto) = Moto::start() else { return };
    let old = moto.get("access_key_id");
    let sb = sandbox(&moto);
    let buffer = sb.credentials();
    let child = rotation_stopped_at(&sb, "rotate-after-write:stop");
    assert_ne!(key_in_file(&sb), old, "the rotation wrote its new key");
    std::fs::write(
        sb.aws("credentials"),
        format!("{buffer}# saved by an editor\n"),
    )
    .unwrap();
    crate::common::resume(child.id());
    let out = child.wait_with_output().unwrap();
    let stderr = text(&out).1;
    assert!(!out.status.success());
    assert!(
        stderr.contains("another program rewrote the files after mfatui wrote the new key")
            && stderr.contains("the new key was deleted again and the old one kept"),
        "{stderr}"
    );
    assert_eq!(key_in_file(&sb), old);
    assert_eq!(iam_keys(&sb), [(old, "Active".to_owned())]);
    assert!(
        sb.caller_arn("dev").ends_with(":user/ana"),
        "the profile works"
    );
}

/// Starts `rotate dev --yes` (the MFA session fresh, so that its own write is the first one)
/// with `fault`, and returns it once it has stopped there.
fn rotation_stopped_at(sb: &Sandbox, fault: &str) -> std::process::Child {
    let renewed = sb.mfatui(&["renew", "dev", "--code", "123456", "--yes"]);
    assert!(renewed.status.success(), "{}", text(&renewed).1);
    let child = sb
        .mfatui_command(&["rotate", "dev", "--yes"])
        .env("MFATUI_FAULT", fault)
        .env("MFATUI_ROTATE_VERIFY_SECS", "0")
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    crate::common::wait_until_stopped(child.id());
    child
}

/// Attack round 11 (R11-1): a program writing the file in place (truncate, then write) when
/// the rotation looks again made it delete the new key the program was saving. It waits for
/// the file to settle; one that stays unsettled keeps both keys and the journal.
#[test]
fn a_file_being_written_when_the_rotation_looks_again_is_waited_for() {
    let Some(moto) = Moto::start() else { return };
    let old = moto.get("access_key_id");
    let sb = sandbox(&moto);
    let child = rotation_stopped_at(&sb, "rotate-after-write:stop");
    let saved = sb.credentials();
    let new = key_in_file(&sb);
    std::fs::write(sb.aws("credentials"), "").unwrap();
    crate::common::resume(child.id());
    std::thread::sleep(std::time::Duration::from_millis(500));
    std::fs::write(sb.aws("credentials"), &saved).unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success(), "{}", text(&out).1);
    assert_eq!(key_in_file(&sb), new);
    assert_eq!(iam_keys(&sb), [(new.clone(), "Active".to_owned())]);

    // A file that stays empty: neither key goes.
    let child = rotation_stopped_at(&sb, "rotate-after-write:stop");
    let saved = sb.credentials();
    let newer = key_in_file(&sb);
    std::fs::write(sb.aws("credentials"), "").unwrap();
    crate::common::resume(child.id());
    let out = child.wait_with_output().unwrap();
    let stderr = text(&out).1;
    assert!(!out.status.success());
    assert!(
        stderr.contains("another program changed the files while the key of 'dev' was rotated")
            && stderr.contains("both keys are kept")
            && stderr.contains("rotate dev"),
        "{stderr}"
    );
    std::fs::write(sb.aws("credentials"), &saved).unwrap();
    let mut keys = iam_keys(&sb);
    keys.sort();
    let mut both = vec![
        (new, "Active".to_owned()),
        (newer.clone(), "Active".to_owned()),
    ];
    both.sort();
    assert_eq!(keys, both, "both keys kept");
    // The next rotation finishes it from the journal, and stops there: that rotation was the
    // one asked for (one key, the file's).
    let out = sb.mfatui(&["rotate", "dev", "--yes"]);
    let stdout = text(&out).0;
    assert!(out.status.success(), "{}", text(&out).1);
    assert!(stdout.contains("nothing else was done"), "{stdout}");
    assert_eq!(iam_keys(&sb), [(newer.clone(), "Active".to_owned())]);
    assert_eq!(key_in_file(&sb), newer);
    assert_ne!(key_in_file(&sb), old);
}

/// The new pair a rotation kept aside (the file, its mode, its key id and secret).
fn pair_kept(sb: &Sandbox) -> (std::path::PathBuf, u32, String, String) {
    use std::os::unix::fs::PermissionsExt;
    let path = sb.aws(".mfatui-backups/rotating-credentials.dev.credentials");
    let text = std::fs::read_to_string(&path).unwrap();
    let value = |key: &str| {
        text.lines()
            .find_map(|l| l.strip_prefix(key))
            .unwrap()
            .to_owned()
    };
    let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
    let (id, secret) = (
        value("aws_access_key_id = "),
        value("aws_secret_access_key = "),
    );
    (path, mode, id, secret)
}

/// Attack rounds 11 to 13 (R11-7, R12-2, R13-3): a program saving the credentials file when
/// the old key goes — an older buffer naming the deleted key, or an in-place writer still
/// half-way after the 2 s wait — is never written over (writing the new key again replaced a
/// file being saved, and every other profile left it). The new pair, kept aside before the
/// deletion (0600, named in the sentence), stays with the journal; `rotate` refuses until the
/// files name it, then finishes.
#[test]
fn a_program_saving_the_files_when_the_old_key_goes_is_never_written_over() {
    use std::io::{Seek, Write};
    let Some(moto) = Moto::start() else { return };
    let sb = sandbox(&moto);
    let other = "\n[other]\naws_access_key_id = AKIAOTHERPROFILE0001\naws_secret_access_key = other-profile-secret\n";
    std::fs::write(sb.aws("credentials"), sb.credentials() + other).unwrap();

    // An in-place writer: truncated at the look, still writing after the wait.
    let child = rotation_stopped_at(&sb, "rotate-before-retire:stop");
    let saving = sb.credentials();
    let new = key_in_file(&sb);
    let mut writer = std::fs::OpenOptions::new()
        .write(true)
        .open(sb.aws("credentials"))
        .unwrap();
    writer.set_len(0).unwrap();
    crate::common::resume(child.id());
    let out = child.wait_with_output().unwrap();
    writer.rewind().unwrap();
    writer.write_all(saving.as_bytes()).unwrap();
    drop(writer);
    let stderr = text(&out).1;
    assert!(!out.status.success());
    let (pair, mode, id, _) = pair_kept(&sb);
    assert!(
        stderr.contains("another program was writing the files when the old key")
            && stderr.contains("[dev] in the credentials file names no key")
            && stderr.contains("so mfatui wrote nothing over it")
            && stderr.contains(&pair.display().to_string()),
        "{stderr}"
    );
    assert_eq!((mode, id.as_str()), (0o600, new.as_str()));
    assert_eq!(sb.credentials(), saving, "the writer's save is the file");
    assert_eq!(iam_keys(&sb), [(new.clone(), "Active".to_owned())]);
    // The files name the new key: the next rotation finishes (the pair goes), then rotates.
    let out = sb.mfatui(&["rotate", "dev", "--yes"]);
    assert!(out.status.success(), "{}", text(&out).1);
    assert!(!pair.exists());
    assert!(sb.credentials().contains(other));
    assert_eq!(iam_keys(&sb), [(key_in_file(&sb), "Active".to_owned())]);

    // An older buffer, naming the key about to be deleted, saved just before the deletion.
    let buffer = sb.credentials();
    let old = key_in_file(&sb);
    let child = rotation_stopped_at(&sb, "rotate-before-retire:stop");
    let newer = key_in_file(&sb);
    std::fs::write(sb.aws("credentials"), &buffer).unwrap();
    crate::common::resume(child.id());
    let out = child.wait_with_output().unwrap();
    let stderr = text(&out).1;
    assert!(!out.status.success());
    assert!(
        stderr.contains(&format!(
            "[dev] in the credentials file names ****{}",
            &old[old.len() - 4..]
        )),
        "{stderr}"
    );
    assert_eq!(sb.credentials(), buffer, "nothing written over it");
    let (pair, _, id, secret) = pair_kept(&sb);
    assert_eq!(id, newer);
    // Until the files name it, a rotation says where it is and changes nothing.
    let out = sb.mfatui(&["rotate", "dev", "--yes"]);
    assert!(!out.status.success());
    assert!(
        text(&out).1.contains("kept the new key")
            && text(&out).1.contains(&pair.display().to_string()),
        "{}",
        text(&out).1
    );
    assert_eq!(iam_keys(&sb), [(newer.clone(), "Active".to_owned())]);
    // The user puts its lines in place; the rotation finishes.
    let dev = buffer.split("[dev]").nth(1).unwrap();
    let old_secret = dev
        .lines()
        .find_map(|l| l.strip_prefix("aws_secret_access_key = "))
        .unwrap();
    std::fs::write(
        sb.aws("credentials"),
        buffer.replace(&old, &newer).replace(old_secret, &secret),
    )
    .unwrap();
    assert!(
        sb.caller_arn("dev").ends_with(":user/ana"),
        "the pair works"
    );
    let out = sb.mfatui(&["rotate", "dev", "--yes"]);
    assert!(out.status.success(), "{}", text(&out).1);
    assert!(!pair.exists());
    assert_eq!(iam_keys(&sb), [(key_in_file(&sb), "Active".to_owned())]);
}

/// Attack round 13 (R13-7): a config file half-saved when the rotation looked after the
/// deletion made it say the new key was in no file, though the credentials file held it.
/// Only the files holding the key are read.
#[test]
fn a_config_file_being_saved_says_nothing_about_a_key_in_the_credentials_file() {
    let Some(moto) = Moto::start() else { return };
    let sb = sandbox(&moto);
    let child = rotation_stopped_at(&sb, "rotate-before-retire:stop");
    let new = key_in_file(&sb);
    let config = std::fs::read_to_string(sb.aws("config")).unwrap();
    std::fs::write(sb.aws("config"), "region = eu-west-1\n[profile d").unwrap();
    crate::common::resume(child.id());
    let out = child.wait_with_output().unwrap();
    std::fs::write(sb.aws("config"), config).unwrap();
    assert!(out.status.success(), "{}", text(&out).1);
    assert_eq!(key_in_file(&sb), new);
    assert_eq!(iam_keys(&sb), [(new, "Active".to_owned())]);
    assert!(!sb
        .aws(".mfatui-backups/rotating-credentials.dev.credentials")
        .exists());
}

/// Attack round 11 (R11-3): a second rotation of the same key (another terminal, a retry)
/// took the first one's journal for a killed run and undid it under its feet; the first then
/// wrote back a deleted key. One rotation of a user's key at a time.
#[test]
fn a_second_rotation_of_the_same_key_waits_for_the_first() {
    let Some(moto) = Moto::start() else { return };
    let sb = sandbox(&moto);
    let first = rotation_stopped_at(&sb, "rotate-after-create:stop");
    let second = sb.mfatui(&["rotate", "dev", "--yes"]);
    assert!(!second.status.success());
    assert!(
        text(&second).1.contains(
            "a rotation of the key of 'dev' (or of another key of its IAM user) is under way"
        ),
        "{}",
        text(&second).1
    );
    crate::common::resume(first.id());
    let out = first.wait_with_output().unwrap();
    assert!(out.status.success(), "{}", text(&out).1);
    assert_eq!(iam_keys(&sb), [(key_in_file(&sb), "Active".to_owned())]);
    assert!(sb.caller_arn("dev").ends_with(":user/ana"));
}

#[test]
fn keep_old_deactivates_and_a_user_with_two_keys_is_refused() {
    let Some(moto) = Moto::start() else { return };
    let old = moto.get("access_key_id");
    let sb = sandbox(&moto);
    let dry = sb.mfatui(&["rotate", "dev", "--dry-run"]);
    assert!(dry.status.success());
    assert!(text(&dry).0.contains("No AWS call was made"));
    assert_eq!(iam_keys(&sb).len(), 1);

    let out = sb.mfatui(&["rotate", "dev", "--code", "123456", "--yes", "--keep-old"]);
    assert!(out.status.success(), "{}", text(&out).1);
    let new = key_in_file(&sb);
    let mut keys = iam_keys(&sb);
    keys.sort();
    let mut want = vec![(old, "Inactive".to_owned()), (new, "Active".to_owned())];
    want.sort();
    assert_eq!(keys, want);

    let before = sb.credentials();
    let out = sb.mfatui(&["rotate", "dev", "--code", "123456", "--yes"]);
    let stderr = text(&out).1;
    assert!(!out.status.success());
    assert!(
        stderr.contains("already has two access keys") && stderr.contains("nothing was changed"),
        "{stderr}"
    );
    assert_eq!(sb.credentials(), before);
    assert_eq!(iam_keys(&sb).len(), 2);
}

/// Starts `rotate dev --code 123456 --yes` with `fault` and returns it once it says it is
/// creating the new key.
fn rotation_under_way(sb: &Sandbox, fault: &str) -> std::process::Child {
    let mut cmd = sb.mfatui_command(&["rotate", "dev", "--code", "123456", "--yes"]);
    cmd.env("MFATUI_FAULT", fault)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped());
    let mut child = cmd.spawn().unwrap();
    let mut out = std::io::BufReader::new(child.stdout.take().unwrap());
    let mut line = String::new();
    while !line.contains("Creating a new access key") {
        line.clear();
        assert!(
            std::io::BufRead::read_line(&mut out, &mut line).unwrap() > 0,
            "the rotation never started"
        );
    }
    std::thread::spawn(move || std::io::copy(&mut out, &mut std::io::sink()));
    child
}

#[test]
fn nothing_is_created_in_iam_before_the_user_says_yes() {
    let Some(moto) = Moto::start() else { return };
    let sb = sandbox(&moto);
    let out = sb.mfatui(&["rotate", "dev", "--code", "123456"]);
    let (stdout, stderr) = text(&out);
    assert!(!out.status.success());
    assert!(
        stdout.contains("AKIA-NEW-KEY") || stdout.contains("****"),
        "the diff is shown first: {stdout}"
    );
    assert!(
        stderr.contains("refusing to write without confirmation"),
        "{stderr}"
    );
    assert_eq!(iam_keys(&sb).len(), 1, "no key was created before yes");
}

#[test]
fn ctrl_c_before_the_new_key_is_verified_puts_the_old_one_back() {
    let Some(moto) = Moto::start() else { return };
    let sb = sandbox(&moto);
    let old = key_in_file(&sb);
    let mut child = rotation_under_way(&sb, "rotate-after-write:pause");
    std::thread::sleep(std::time::Duration::from_millis(400));
    let pid = rustix::process::Pid::from_raw(child.id() as i32).unwrap();
    rustix::process::kill_process(pid, rustix::process::Signal::INT).unwrap();
    let status = child.wait().unwrap();
    let mut stderr = String::new();
    std::io::Read::read_to_string(&mut child.stderr.take().unwrap(), &mut stderr).unwrap();
    assert!(!status.success());
    assert!(stderr.contains("interrupted"), "{stderr}");
    assert_eq!(key_in_file(&sb), old, "the old key is back in the file");
    assert_eq!(
        iam_keys(&sb),
        [(old, "Active".to_owned())],
        "and alone in IAM"
    );
    sb.caller_arn("dev");
}

#[test]
fn a_rotation_killed_outright_is_undone_by_the_next_one() {
    let Some(moto) = Moto::start() else { return };
    let sb = sandbox(&moto);
    let old = key_in_file(&sb);
    let mut child = rotation_under_way(&sb, "rotate-after-create:hang");
    std::thread::sleep(std::time::Duration::from_millis(1500));
    child.kill().unwrap();
    child.wait().unwrap();
    assert_eq!(iam_keys(&sb).len(), 2, "killed with an orphan key in IAM");
    assert_eq!(key_in_file(&sb), old);

    let out = sb.mfatui(&["rotate", "dev", "--code", "123456", "--yes"]);
    let (stdout, stderr) = text(&out);
    assert!(out.status.success(), "{stderr}");
    assert!(
        stdout.contains("an earlier rotation was interrupted: its new key"),
        "{stdout}"
    );
    let now = key_in_file(&sb);
    assert_ne!(now, old);
    assert_eq!(
        iam_keys(&sb),
        [(now, "Active".to_owned())],
        "exactly one key, the one in the file"
    );
    sb.caller_arn("dev");
}

#[test]
fn the_same_key_in_two_profiles_is_rotated_in_both() {
    let Some(moto) = Moto::start() else { return };
    let sb = sandbox(&moto);
    let copy = format!(
        "{}\n[dev-copy]\naws_access_key_id = {}\naws_secret_access_key = {}\nregion = eu-west-1\n",
        sb.credentials(),
        moto.get("access_key_id"),
        moto.get("secret_access_key")
    );
    std::fs::write(sb.aws("credentials"), copy).unwrap();
    let out = sb.mfatui(&["rotate", "dev", "--code", "123456", "--yes"]);
    let (stdout, stderr) = text(&out);
    assert!(out.status.success(), "{stderr}");
    assert!(stdout.contains("The same key is in 2 places"), "{stdout}");
    let text = sb.credentials();
    let new = key_in_file(&sb);
    assert_eq!(text.matches(&new).count(), 2, "{text}");
    sb.caller_arn("dev-copy");
}

/// `mfatui ARGS` with a stdout whose reader has already gone (as after `| head -1`).
fn into_a_closed_pipe(sb: &Sandbox, args: &[&str]) -> std::process::Output {
    let (reader, writer) = std::io::pipe().unwrap();
    drop(reader);
    let out = sb
        .mfatui_command(args)
        .stdout(writer)
        .stderr(std::process::Stdio::piped())
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{args:?}: {stderr}");
    assert!(
        !stderr.contains("panicked")
            && !stderr.contains("Broken pipe")
            && !stderr.contains("backtrace"),
        "{args:?}: {stderr}"
    );
    out
}

/// Output into a closed pipe (`mfatui … --yes | head -1`) ends quietly: no panic, exit 0, and
/// the write the command was asked for happens all the same.
#[test]
fn output_into_a_closed_pipe_ends_quietly_and_the_work_is_done() {
    let Some(moto) = Moto::start() else { return };
    let sb = sandbox(&moto);
    into_a_closed_pipe(&sb, &["set", "dev", "region", "us-west-2", "--yes"]);
    let config = std::fs::read_to_string(sb.home.path().join(".aws/config")).unwrap();
    assert!(config.contains("region = us-west-2"), "{config}");
    into_a_closed_pipe(&sb, &["renew", "dev", "--code", "123456", "--yes"]);
    assert!(
        sb.credentials().contains("[dev-mfa]"),
        "renewed and written"
    );
    let old = key_in_file(&sb);
    into_a_closed_pipe(&sb, &["rotate", "dev", "--code", "123456", "--yes"]);
    let new = key_in_file(&sb);
    assert_ne!(new, old, "rotated and written");
    assert_eq!(iam_keys(&sb), [(new, "Active".to_owned())]);
    into_a_closed_pipe(&sb, &["list"]);
    into_a_closed_pipe(&sb, &["set", "dev", "output", "json", "--dry-run"]);
}

/// Attack round 14 (R14b-3): Ctrl-C after the new key was written, while another program was
/// saving the file (emptied), wrote the old key back over that save ("the file is
/// unchanged"): every other profile left the file. The undo waits for the file too, and
/// writes nothing over a save still in progress: both keys and the journal are kept.
#[test]
fn an_undo_never_writes_over_a_file_being_saved() {
    use std::io::{Seek, Write};
    let Some(moto) = Moto::start() else { return };
    let sb = sandbox(&moto);
    let other = "\n[other]\naws_access_key_id = AKIAOTHERPROFILE0001\naws_secret_access_key = other-profile-secret\n";
    std::fs::write(sb.aws("credentials"), sb.credentials() + other).unwrap();
    let old = key_in_file(&sb);
    let child = rotation_stopped_at(&sb, "rotate-after-write:stop");
    let saving = sb.credentials();
    let new = key_in_file(&sb);
    let mut writer = std::fs::OpenOptions::new()
        .write(true)
        .open(sb.aws("credentials"))
        .unwrap();
    writer.set_len(0).unwrap();
    // Ctrl-C, delivered when it goes on.
    rustix::process::kill_process(
        rustix::process::Pid::from_raw(child.id() as i32).unwrap(),
        rustix::process::Signal::INT,
    )
    .unwrap();
    crate::common::resume(child.id());
    let out = child.wait_with_output().unwrap();
    writer.rewind().unwrap();
    writer.write_all(saving.as_bytes()).unwrap();
    drop(writer);
    let stderr = text(&out).1;
    assert!(!out.status.success());
    assert!(
        stderr.contains("another program is writing the files")
            && !stderr.contains("the file is unchanged"),
        "{stderr}"
    );
    assert_eq!(sb.credentials(), saving, "the save is the file");
    let mut keys = iam_keys(&sb);
    keys.sort();
    let mut both = vec![(old, "Active".to_owned()), (new, "Active".to_owned())];
    both.sort();
    assert_eq!(keys, both, "both keys kept");
    let out = sb.mfatui(&["rotate", "dev", "--yes"]);
    assert!(out.status.success(), "{}", text(&out).1);
    assert_eq!(iam_keys(&sb), [(key_in_file(&sb), "Active".to_owned())]);
    assert!(sb.credentials().contains(other));
}

/// Attack round 14 (R14b-1, R14b-6): the run that finishes an interrupted `--keep-old`
/// rotation deleted the old key instead of deactivating it; and one cut off during
/// `CreateAccessKey` (no id recorded) had the next run delete every key made since, one
/// made by hand for CI included.
#[test]
fn finishing_a_rotation_keeps_what_it_was_asked_and_deletes_no_later_key() {
    let Some(moto) = Moto::start() else { return };
    let sb = sandbox(&moto);
    let old = key_in_file(&sb);
    let renewed = sb.mfatui(&["renew", "dev", "--code", "123456", "--yes"]);
    assert!(renewed.status.success(), "{}", text(&renewed).1);
    let out = sb.mfatui_env(
        &["rotate", "dev", "--keep-old", "--yes"],
        &[
            ("MFATUI_FAULT", "rotate-before-retire:abort"),
            ("MFATUI_ROTATE_VERIFY_SECS", "0"),
        ],
    );
    assert!(!out.status.success());
    let new = key_in_file(&sb);
    assert_ne!(new, old);
    // Finished by the next run, which stops there: a second rotation at once met IAM's
    // two-key limit with the deactivated key (attack round 14d).
    let out = sb
        .mfatui_command(&["rotate", "dev"])
        .stdin(std::process::Stdio::null())
        .output()
        .unwrap();
    let (stdout, stderr) = text(&out);
    assert!(out.status.success(), "{stderr}");
    assert!(
        stdout.contains("was deactivated") && stdout.contains("nothing else was done"),
        "{stdout}"
    );
    let mut keys = iam_keys(&sb);
    keys.sort();
    let mut want = vec![
        (old, "Inactive".to_owned()),
        (new.clone(), "Active".to_owned()),
    ];
    want.sort();
    assert_eq!(keys, want, "--keep-old kept the old key");

    // A journal with no id (cut off during CreateAccessKey) an hour ago, and a key made for CI
    // since: the next rotation leaves that key alone.
    let inactive = keys
        .iter()
        .find(|(_, s)| s == "Inactive")
        .unwrap()
        .0
        .clone();
    sb.iam_ana(
        "delete-access-key",
        &["--access-key-id", &inactive],
        IamAs::Profile("dev"),
    );
    let made = sb.iam_ana("create-access-key", &[], IamAs::Profile("dev"));
    let ci = made["AccessKey"]["AccessKeyId"]
        .as_str()
        .unwrap()
        .to_owned();
    let started = (chrono::Utc::now() - chrono::Duration::hours(1))
        .to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
    std::fs::write(
        sb.aws(".mfatui-backups/rotating-credentials.dev.json"),
        format!(
            r#"{{"profile":"dev","user":"ana","old_key_id":"{new}","new_key_id":null,"started":"{started}"}}"#
        ),
    )
    .unwrap();
    let _ = sb
        .mfatui_command(&["rotate", "dev"])
        .stdin(std::process::Stdio::null())
        .output()
        .unwrap();
    assert!(
        iam_keys(&sb).iter().any(|(id, _)| *id == ci),
        "the key made for CI is kept: {:?}",
        iam_keys(&sb)
    );
}

/// Attack round 14b/14d (R14b-6, D-6): the TUI's window closed (SIGHUP, several of them, and
/// the terminal gone) while its rotation was between `CreateAccessKey` and the write: the
/// interface ended at once (a draw on the closed terminal failing before the signal was
/// read) and left two keys in IAM, the file naming the new one. Now the closed window stops
/// the rotation as Esc does, and the interface ends once that is done: one key, on file.
#[test]
fn closing_the_window_during_a_tui_rotation_leaves_one_key_on_file_and_ends() {
    let Some(moto) = Moto::start() else { return };
    let sb = sandbox(&moto);
    let renewed = sb.mfatui(&["renew", "dev", "--code", "123456", "--yes"]);
    assert!(renewed.status.success(), "{}", text(&renewed).1);
    let command = format!(
        "sh -c '{}'",
        sb.terminal_line("MFATUI_FAULT=rotate-after-create:stop MFATUI_ROTATE_VERIFY_SECS=0")
    );
    let Some(tmux) = crate::common::Tmux::start(&command) else {
        return;
    };
    tmux.wait_for("PROFILE");
    let pid = tmux.child_pid();
    tmux.send(&["K"]);
    tmux.wait_for("Rotate the access key of dev");
    tmux.send(&["Enter"]);
    // Stopped right after CreateAccessKey: the window closes, and says so more than once.
    crate::common::wait_until_stopped(pid);
    assert_eq!(iam_keys(&sb).len(), 2, "the new key was made");
    for _ in 0..3 {
        let signal = rustix::process::Signal::HUP;
        let target = rustix::process::Pid::from_raw(pid as i32).unwrap();
        rustix::process::kill_process(target, signal).unwrap();
    }
    // Stopped where the signal found it: undone (the old key kept) or, past the point where
    // the new key was written and works, finished.
    window_closed(&sb, &tmux, pid);
}

/// Closes `tmux`'s window while the rotation `pid` is stopped right after `CreateAccessKey`
/// (its two keys in IAM), lets it go on, and checks what it leaves once it has ended: one key
/// in IAM, the one on file, working, and no journal for a next run to settle.
fn window_closed(sb: &Sandbox, tmux: &crate::common::Tmux, pid: u32) {
    tmux.tmux(&["kill-server"]);
    crate::common::resume(pid);
    let start = std::time::Instant::now();
    while std::path::Path::new(&format!("/proc/{pid}")).exists() {
        assert!(
            start.elapsed() < std::time::Duration::from_secs(60),
            "it outlived its closed window"
        );
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    let on_file = key_in_file(sb);
    assert_eq!(
        iam_keys(sb),
        [(on_file, "Active".to_owned())],
        "one key in IAM, the file's"
    );
    assert!(
        sb.caller_arn("dev").ends_with(":user/ana"),
        "the profile works"
    );
    assert!(
        !sb.aws(".mfatui-backups/rotating-credentials.dev.json")
            .exists(),
        "nothing left for the next run to settle"
    );
}

/// Attack round 15 (E-9): `rotate` at a terminal whose window was closed during
/// `CreateAccessKey` died on its first line to the closed terminal (EIO) before putting the
/// old key back: two active keys, one whose secret no one holds. It goes on to the end.
#[test]
fn closing_the_window_during_a_cli_rotation_leaves_one_key_on_file() {
    let Some(moto) = Moto::start() else { return };
    let sb = sandbox(&moto);
    let renewed = sb.mfatui(&["renew", "dev", "--code", "123456", "--yes"]);
    assert!(renewed.status.success(), "{}", text(&renewed).1);
    let command = format!(
        "sh -c '{} rotate dev --yes; sleep 60'",
        sb.terminal_line("MFATUI_FAULT=rotate-after-create:stop MFATUI_ROTATE_VERIFY_SECS=0")
    );
    let Some(tmux) = crate::common::Tmux::start(&command) else {
        return;
    };
    let pid = tmux.child_pid();
    crate::common::wait_until_stopped(pid);
    assert_eq!(iam_keys(&sb).len(), 2, "the new key was made");
    window_closed(&sb, &tmux, pid);
}
