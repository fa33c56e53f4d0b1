//! `mfatui keyring` against moto and a real Secret Service (gnome-keyring in a private D-Bus
//! session whose keyring lives under the sandbox's HOME), judged by the AWS CLI and by
//! libsecret's `secret-tool`: after `store` no file under HOME holds the secret (files,
//! backups old and new, the -v log, caches, the keyring's own file); `restore` gives the AWS
//! CLI the file keys again and empties the keyring; `add` reads new keys from stdin straight
//! into the keyring; `list` never opens the keyring; a locked keyring, no D-Bus, an entry
//! deleted behind mfatui's back and keys STS refuses are one sentence each and change nothing;
//! `kill -9` between any two steps leaves the profile a working key.

use crate::common::{
    keyring_tools, shell_line, sts_error_responder, text, IamAs, KeyringState, Moto, Sandbox, Tmux,
};
use serde_json::Value;
use std::io::{BufRead, BufReader};
use std::os::unix::fs::PermissionsExt;
use std::process::{Output, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};
use KeyringState::{Locked, NoDbus, Unlocked};

fn sandbox_at(endpoint: &str, id: &str, secret: &str) -> Sandbox {
    Sandbox::new(
        endpoint,
        "[profile dev]\nregion = eu-west-1\n",
        &format!("# my keys\n[dev]\naws_access_key_id = {id}\naws_secret_access_key = {secret}\n"),
    )
}

/// A sandbox whose `dev` holds ana's keys in the credentials file, and an older backup
/// (made by `mfatui set`) that holds them too.
fn sandbox(moto: &Moto) -> Sandbox {
    let sb = sandbox_at(
        &moto.url,
        &moto.get("access_key_id"),
        &moto.get("secret_access_key"),
    );
    let out = sb.mfatui(&[
        "set",
        "dev",
        "output",
        "json",
        "--file",
        "credentials",
        "--yes",
    ]);
    assert!(out.status.success(), "{}", text(&out).1);
    assert_eq!(sb.backups().len(), 1);
    sb
}

fn mfatui(sb: &Sandbox, state: KeyringState, args: &[&str]) -> Output {
    sb.mfatui_keyring(state, args, "")
}

/// What mfatui said on stderr, without the private session's own chatter.
fn complaint(out: &Output) -> String {
    text(out)
        .1
        .lines()
        .filter(|l| l.starts_with("mfatui: "))
        .collect::<Vec<_>>()
        .join("\n")
}

/// The key id and secret the keyring holds for `profile`, as libsecret reads them: the entry
/// of the key the credentials file's marker names, else the profile's only entry.
fn stored(sb: &Sandbox, profile: &str) -> Option<(String, String)> {
    let marker = sb
        .credentials()
        .lines()
        .find_map(|l| l.strip_prefix("mfatui_keyring = ").map(str::to_owned));
    let doc = match marker {
        Some(id) => sb.keyring_lookup_user(&format!("{profile} ({id})"))?,
        None => sb.keyring_lookup(profile)?,
    };
    let doc: Value = serde_json::from_str(&doc).unwrap();
    assert_eq!(doc["Version"], 1);
    Some((
        doc["AccessKeyId"].as_str().unwrap().to_owned(),
        doc["SecretAccessKey"].as_str().unwrap().to_owned(),
    ))
}

/// ana's keys work for `dev`: from the credentials file (the AWS CLI uses the profile), or
/// from the keyring entry the file's marker names (the AWS CLI uses that pair).
fn assert_a_working_key(sb: &Sandbox, moto: &Moto, when: &str) {
    let (id, secret) = (moto.get("access_key_id"), moto.get("secret_access_key"));
    let credentials = sb.credentials();
    if credentials.contains(&format!("aws_secret_access_key = {secret}")) {
        assert!(sb.caller_arn("dev").ends_with(":user/ana"), "{when}");
        return;
    }
    assert!(
        credentials.contains(&format!("mfatui_keyring = {id}")),
        "{when}: neither the keys nor the marker in the file:\n{credentials}"
    );
    assert_eq!(
        stored(sb, "dev"),
        Some((id.clone(), secret.clone())),
        "{when}: the marker points to the keyring, which must hold the pair"
    );
    let out = sb.aws_cli(
        &["sts", "get-caller-identity", "--output", "json"],
        &[
            ("AWS_ACCESS_KEY_ID", &id),
            ("AWS_SECRET_ACCESS_KEY", &secret),
            ("AWS_DEFAULT_REGION", "eu-west-1"),
        ],
    );
    assert!(out.status.success(), "{when}: {}", text(&out).1);
    assert!(text(&out).0.contains(":user/ana"), "{when}");
}

#[test]
fn store_moves_the_key_into_the_keyring_and_no_file_under_home_keeps_the_secret() {
    if !keyring_tools() {
        return;
    }
    let Some(moto) = Moto::start() else { return };
    let (id, secret) = (moto.get("access_key_id"), moto.get("secret_access_key"));
    let sb = sandbox(&moto);
    assert!(sb.caller_arn("dev").ends_with(":user/ana"));
    assert_eq!(
        sb.files_containing(&secret).len(),
        2,
        "the file and a backup"
    );
    let before = sb.credentials();
    let dry = mfatui(&sb, NoDbus, &["keyring", "store", "dev", "--dry-run"]);
    assert!(
        dry.status.success(),
        "a dry run never opens the keyring: {}",
        text(&dry).1
    );
    assert!(
        text(&dry).0.contains("+mfatui_keyring = ****"),
        "{}",
        text(&dry).0
    );
    assert_eq!(sb.credentials(), before);

    let out = mfatui(&sb, Unlocked, &["-v", "keyring", "store", "dev", "--yes"]);
    let (stdout, stderr) = text(&out);
    assert!(out.status.success(), "{stderr}");
    assert!(
        stdout.contains("GetCallerIdentity accepts it: arn:aws:iam::"),
        "{stdout}"
    );
    assert!(
        stdout.contains("Rewrote 2 backup(s) without the secret key."),
        "{stdout}"
    );
    // What was searched, not more (attack round 15c, G-2: escapes mfatui does not read).
    assert!(
        stdout.contains("their sections hold only mfatui_keyring = ****")
            && stdout.contains(
                "no other line holds the secret as written or through the escapes mfatui reads"
            ),
        "{stdout}"
    );
    assert!(!stdout.contains(&secret) && !stderr.contains(&secret));

    let credentials = sb.credentials();
    assert_eq!(
        credentials,
        format!("# my keys\n[dev]\noutput = json\nmfatui_keyring = {id}\n"),
        "every other line kept, the pair gone"
    );
    let config = std::fs::read_to_string(sb.aws("config")).unwrap();
    let process = config
        .lines()
        .find_map(|l| l.strip_prefix("credential_process = "))
        .expect("credential_process added");
    assert!(
        process.ends_with(" credential-process dev") && process.starts_with('/'),
        "mfatui is not on the test's PATH, so its absolute path: {process}"
    );
    assert_eq!(stored(&sb, "dev"), Some((id.clone(), secret.clone())));

    assert!(sb
        .home
        .path()
        .join(".local/state/mfatui/mfatui.log")
        .is_file());
    assert!(sb
        .home
        .path()
        .join(".local/share/keyrings/login.keyring")
        .is_file());
    assert_eq!(
        sb.files_containing(&secret),
        Vec::<std::path::PathBuf>::new(),
        "no file under HOME holds the secret: AWS files, backups, log, caches, the keyring's own file"
    );
    let backups = sb.backups();
    assert_eq!(
        backups.len(),
        3,
        "the older one, and this change's of the config and the credentials files"
    );
    for b in &backups {
        let mode = std::fs::metadata(b).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600, "{}", b.display());
        let kept = std::fs::read_to_string(b).unwrap();
        let name = b.file_name().unwrap().to_string_lossy();
        if name.starts_with("credentials.") {
            assert!(kept.contains(&format!("mfatui_keyring = {id}")), "{kept}");
        }
    }

    // list reads the files only: it works with no D-Bus at all.
    let out = sb.mfatui(&["keyring", "list"]);
    let (stdout, stderr) = text(&out);
    assert!(out.status.success(), "{stderr}");
    let row = stdout
        .lines()
        .find(|l| l.starts_with("dev "))
        .expect(&stdout);
    assert!(
        row.contains(&format!("****{}", &id[id.len() - 4..])),
        "{row}"
    );
    assert!(row.contains("mfatui credential-process"), "{row}");
    assert!(!stdout.contains(&id) && !stdout.contains(&secret));

    let again = mfatui(&sb, Unlocked, &["keyring", "store", "dev", "--yes"]);
    assert!(again.status.success(), "{}", text(&again).1);
    assert!(text(&again).0.contains("nothing to do"));
}

/// `exec --server` copies of the files (left by a run killed before its watcher could act,
/// or of a run still going) hold the secret too: `store` removes a dead run's copies and
/// names a live run's, instead of saying the files hold only the marker while a copy holds
/// the secret.
#[test]
fn store_removes_a_killed_exec_runs_copy_of_the_secret_and_names_a_live_ones() {
    if !keyring_tools() {
        return;
    }
    let Some(moto) = Moto::start() else { return };
    let (id, secret) = (moto.get("access_key_id"), moto.get("secret_access_key"));
    let sb = sandbox_at(&moto.url, &id, &secret);
    let base = sb.home.path().join("run/mfatui");
    let folder = |name: String| {
        let dir = base.join(name);
        std::os::unix::fs::DirBuilderExt::mode(std::fs::DirBuilder::new().recursive(true), 0o700)
            .create(&dir)
            .unwrap();
        std::fs::write(dir.join("credentials"), sb.credentials()).unwrap();
        dir
    };
    let dead_pid = {
        let mut c = std::process::Command::new("true").spawn().unwrap();
        let pid = c.id();
        c.wait().unwrap();
        pid
    };
    let dead = folder(format!("exec-{dead_pid}"));
    let live = folder(format!("exec-{}", std::process::id()));
    std::fs::set_permissions(&base, std::fs::Permissions::from_mode(0o700)).unwrap();

    let out = mfatui(&sb, Unlocked, &["keyring", "store", "dev", "--yes"]);
    let (stdout, stderr) = text(&out);
    assert!(out.status.success(), "{stderr}");
    assert!(!stdout.contains(&secret) && !stderr.contains(&secret));
    assert!(!dead.exists(), "a killed run's copy kept the secret");
    assert!(
        stdout.contains("Still holding the secret")
            && stdout.contains(&live.join("credentials").display().to_string()),
        "a live run's copy holds the secret and store did not say so: {stdout}"
    );
    assert_eq!(sb.files_containing(&secret), vec![live.join("credentials")]);
}

/// Attack round 14 (R14-6): `store` said "the files hold only the marker" while a comment, a
/// misspelt key or a second name (hard link) of the file still held the secret. It names
/// each line and each other name, never the secret.
#[test]
fn store_names_the_lines_and_other_names_still_holding_the_secret() {
    if !keyring_tools() {
        return;
    }
    let Some(moto) = Moto::start() else { return };
    let (id, secret) = (moto.get("access_key_id"), moto.get("secret_access_key"));
    // Round 14c (C-11): the secret URL-encoded beside its key id in a command line; round 15
    // (E-7, E-2): JSON's `\uXXXX` and any `%XX`, without the key id, named in the files and
    // masked in the backups (the one this run makes of the config file included).
    let encoded = secret.replace('/', "%2F").replace('+', "%2B");
    let first = secret.chars().next().unwrap();
    let json = format!("\\u{:04x}{}", first as u32, &secret[1..]);
    let url = format!("%{:02X}{}", first as u32, &secret[1..]);
    let sb = Sandbox::new(
        &moto.url,
        &format!(
            "[profile dev]\nregion = eu-west-1\n\n[profile cp]\ncredential_process = fetch --url \"https://v/c?id={id}&secret={encoded}\"\n\n\
             [profile cpjson]\ncredential_process = fetch --json \"{{\\\"Secret\\\":\\\"{json}\\\"}}\"\n\n\
             [profile cpurl]\ncredential_process = fetch --secret {url}\n"
        ),
        &format!(
            "[dev]\n# aws_secret_access_key = {secret}\naws_access_key_id = {id}\naws_secret_access_key = {secret}\n\n\
             [dev-old]\naws_access_key_id = {id}\naws_secret_key = {secret}\n"
        ),
    );
    let other_name = sb.home.path().join("credentials-link");
    std::fs::hard_link(sb.aws("credentials"), &other_name).unwrap();
    let out = mfatui(&sb, Unlocked, &["keyring", "store", "dev", "--yes"]);
    let (stdout, stderr) = text(&out);
    assert!(out.status.success(), "{stderr}");
    assert!(!stdout.contains(&secret) && !stderr.contains(&secret));
    let credentials = sb.aws("credentials").display().to_string();
    assert!(
        stdout.contains("their sections hold only mfatui_keyring")
            && stdout.contains(&format!("line 2 of {credentials}"))
            && stdout.contains(
                "Still holding the secret or naming its key, outside the key's own lines"
            )
            && stdout.contains(&format!("{credentials} has 1 other name(s) (hard links)")),
        "{stdout}"
    );
    let text = sb.credentials();
    let holding: Vec<usize> = text
        .lines()
        .enumerate()
        .filter(|(_, l)| l.contains(&secret))
        .map(|(n, _)| n + 1)
        .collect();
    assert_eq!(holding.len(), 2, "{text}");
    for line in holding {
        assert!(
            stdout.contains(&format!("line {line} of {credentials}")),
            "{stdout}"
        );
    }
    let config = sb.aws("config").display().to_string();
    for line in [6, 9, 12] {
        assert!(
            stdout.contains(&format!("line {line} of {config}")),
            "line {line}: {stdout}"
        );
    }
    for backup in sb.backups().into_iter().chain(
        std::fs::read_dir(sb.aws(".mfatui-backups"))
            .unwrap()
            .flatten()
            .map(|e| e.path())
            .filter(|p| p.to_string_lossy().contains("/config.")),
    ) {
        let kept = std::fs::read_to_string(&backup).unwrap();
        assert!(
            !kept.contains(&json)
                && !kept.contains(&url)
                && !kept.contains(&encoded)
                && !kept.contains(&secret),
            "{}: {kept}",
            backup.display()
        );
    }
}

#[test]
fn restore_gives_the_aws_cli_the_file_keys_again_and_forget_deletes_the_entry() {
    if !keyring_tools() {
        return;
    }
    let Some(moto) = Moto::start() else { return };
    let sb = sandbox(&moto);
    let before = std::fs::read_to_string(sb.aws("config")).unwrap();
    let out = mfatui(&sb, Unlocked, &["keyring", "store", "dev", "--yes"]);
    assert!(out.status.success(), "{}", text(&out).1);

    let dry = mfatui(&sb, Unlocked, &["keyring", "restore", "dev", "--dry-run"]);
    assert!(dry.status.success(), "{}", text(&dry).1);
    assert!(sb.keyring_lookup("dev").is_some());
    assert!(!sb.credentials().contains("aws_secret_access_key"));

    let out = mfatui(&sb, Unlocked, &["keyring", "restore", "dev", "--yes"]);
    let (stdout, stderr) = text(&out);
    assert!(out.status.success(), "{stderr}");
    assert!(!stdout.contains(&moto.get("secret_access_key")));
    assert!(
        sb.caller_arn("dev").ends_with(":user/ana"),
        "the AWS CLI uses the file keys"
    );
    assert!(!sb.credentials().contains("mfatui_keyring"));
    assert_eq!(
        std::fs::read_to_string(sb.aws("config")).unwrap(),
        before,
        "mfatui's credential_process is gone"
    );
    assert!(
        stdout.contains("entry (user dev (") && stdout.contains("is kept"),
        "{stdout}"
    );
    assert!(sb.keyring_lookup("dev").is_some(), "restore never deletes");

    let again = mfatui(&sb, Unlocked, &["keyring", "restore", "dev", "--yes"]);
    assert!(again.status.success(), "{}", text(&again).1);
    assert!(text(&again).0.contains("nothing to restore"));
    // `forget` is the command that deletes it: asked first (no terminal here: refused).
    let id = moto.get("access_key_id");
    let out = mfatui(&sb, Unlocked, &["keyring", "forget", "dev"]);
    assert!(!out.status.success());
    assert!(complaint(&out).contains("--yes"), "{}", text(&out).1);
    assert!(sb.keyring_lookup("dev").is_some());
    let out = mfatui(&sb, Unlocked, &["keyring", "forget", "dev", "--yes"]);
    assert!(out.status.success(), "{}", text(&out).1);
    assert!(text(&out)
        .0
        .contains(&format!("Deleted the OS keyring entry 'dev ({id})'")));
    assert_eq!(sb.keyring_lookup("dev"), None, "the entry is deleted");
    assert!(sb.caller_arn("dev").ends_with(":user/ana"));
}

#[test]
fn add_reads_new_keys_from_stdin_straight_into_the_keyring() {
    if !keyring_tools() {
        return;
    }
    let Some(moto) = Moto::start() else { return };
    let sb = sandbox(&moto);
    let (id, secret) = (
        "AKIAI44QH8DHBEXAMPLE",
        "je7MtGbClwBF/2Zp9Utk/h3yCo8nvbEXAMPLEKEY",
    );

    let out = sb.mfatui_keyring(
        Unlocked,
        &["keyring", "add", "ci", "--stdin"],
        &format!("{id}\n{secret}\n"),
    );
    let (stdout, stderr) = text(&out);
    assert!(out.status.success(), "{stderr}");
    assert!(!stdout.contains(secret) && !stderr.contains(secret));
    assert_eq!(stored(&sb, "ci"), Some((id.to_owned(), secret.to_owned())));
    assert!(sb
        .credentials()
        .ends_with(&format!("\n[ci]\nmfatui_keyring = {id}\n")));
    let config = std::fs::read_to_string(sb.aws("config")).unwrap();
    assert!(
        config.contains("\n[profile ci]\ncredential_process = /"),
        "{config}"
    );
    assert!(config.contains(" credential-process ci\n"), "{config}");
    assert_eq!(
        sb.files_containing(secret),
        Vec::<std::path::PathBuf>::new(),
        "the new secret went to the keyring only"
    );
    let list = sb.mfatui(&["keyring", "list"]);
    assert!(
        text(&list).0.lines().any(|l| l.starts_with("ci ")),
        "{}",
        text(&list).0
    );

    // A profile whose keys are in the file is told to `store` them; one line is not a pair.
    let refused = sb.mfatui_keyring(
        Unlocked,
        &["keyring", "add", "dev", "--stdin"],
        &format!("{id}\n{secret}\n"),
    );
    assert!(!refused.status.success());
    assert!(
        complaint(&refused).contains("already holds an access key pair in [dev]"),
        "{}",
        text(&refused).1
    );
    let half = sb.mfatui_keyring(Unlocked, &["keyring", "add", "qa", "--stdin"], id);
    assert!(complaint(&half).contains("--stdin expects two lines"));
    assert_eq!(sb.keyring_lookup("dev"), None);
    assert_eq!(sb.keyring_lookup("qa"), None);

    // Another key for `ci`: without --yes there is no terminal to ask on, and the refusal is
    // said once; with --yes the diff shows the old and the new key id masked alike.
    let (id2, secret2) = (
        "AKIAI44QH8DHBEXAMPL2",
        "second/secret/second/secret/second/secr",
    );
    let input = format!("{id2}\n{secret2}\n");
    let out = sb.mfatui_keyring(Unlocked, &["keyring", "add", "ci", "--stdin"], &input);
    let (stdout, stderr) = text(&out);
    assert!(!out.status.success());
    assert_eq!(
        format!("{stdout}{stderr}")
            .matches("replaces it in the files")
            .count(),
        1,
        "{stdout}{stderr}"
    );
    assert_eq!(stored(&sb, "ci"), Some((id.to_owned(), secret.to_owned())));
    let out = sb.mfatui_keyring(
        Unlocked,
        &["keyring", "add", "ci", "--stdin", "--yes"],
        &input,
    );
    let (stdout, stderr) = text(&out);
    assert!(out.status.success(), "{stderr}");
    assert!(
        stdout.contains("****MPLE") && stdout.contains("****MPL2"),
        "{stdout}"
    );
    assert!(
        stdout.contains("-mfatui_keyring = ****MPLE\n")
            && stdout.contains("+mfatui_keyring = ****MPL2\n"),
        "the diff masks the old and the new key id alike: {stdout}"
    );
    assert_eq!(
        stored(&sb, "ci"),
        Some((id2.to_owned(), secret2.to_owned()))
    );
}

#[test]
fn a_locked_keyring_no_dbus_a_vanished_entry_or_refused_keys_change_nothing() {
    if !keyring_tools() {
        return;
    }
    let Some(moto) = Moto::start() else { return };
    let (id, secret) = (moto.get("access_key_id"), moto.get("secret_access_key"));
    let sb = sandbox(&moto);
    let before = sb.credentials();

    let out = mfatui(&sb, NoDbus, &["keyring", "store", "dev", "--yes"]);
    assert!(!out.status.success());
    let said = complaint(&out);
    assert!(said.contains("cannot reach the OS keyring ("), "{said}");
    assert!(said.contains("no Secret Service answers"), "{said}");
    assert!(!said.contains(&secret));
    assert_eq!(said.lines().count(), 1, "{said}");
    assert_eq!(sb.credentials(), before);

    let out = mfatui(&sb, Unlocked, &["keyring", "store", "dev", "--yes"]);
    assert!(out.status.success(), "{}", text(&out).1);
    let moved = sb.credentials();

    // Locked: gnome-keyring's unlock prompt cannot be shown here.
    let out = mfatui(&sb, Locked, &["keyring", "restore", "dev", "--yes"]);
    assert!(!out.status.success());
    let said = complaint(&out);
    assert!(
        said.contains("the OS keyring is locked"),
        "{}",
        text(&out).1
    );
    assert!(said.contains("nothing was changed"), "{said}");
    assert_eq!(sb.credentials(), moved);
    assert_eq!(stored(&sb, "dev"), Some((id.clone(), secret.clone())));

    // Deleted behind mfatui's back: said so, the file keeps its marker, `add` mends it.
    sb.keyring_clear(&format!("dev ({id})"));
    let out = mfatui(&sb, Unlocked, &["keyring", "restore", "dev", "--yes"]);
    assert!(!out.status.success());
    let said = complaint(&out);
    assert!(
        said.contains("has no entry for profile 'dev' with the key ****")
            && said.contains("mfatui keyring add dev"),
        "{said}"
    );
    assert_eq!(sb.credentials(), moved);
    let out = sb.mfatui_keyring(
        Unlocked,
        &["keyring", "add", "dev", "--stdin"],
        &format!("{id}\n{secret}\n"),
    );
    assert!(out.status.success(), "{}", text(&out).1);
    let out = mfatui(&sb, Unlocked, &["keyring", "restore", "dev", "--yes"]);
    assert!(out.status.success(), "{}", text(&out).1);
    assert!(sb.caller_arn("dev").ends_with(":user/ana"));

    // STS refuses the keys: they stay in the file, nothing reaches the keyring.
    let refusing = sts_error_responder(403, INVALID_KEY);
    let sb = sandbox_at(&refusing, &id, &secret);
    let before = sb.credentials();
    let out = mfatui(&sb, Unlocked, &["keyring", "store", "dev", "--yes"]);
    assert!(!out.status.success());
    let said = complaint(&out);
    assert!(
        said.contains("does not work") && said.contains("nothing was changed"),
        "{said}"
    );
    assert_eq!(sb.credentials(), before);
    assert_eq!(sb.keyring_lookup("dev"), None);
}

/// The STS error body for keys AWS does not know (HTTP 403).
const INVALID_KEY: &str = r#"<ErrorResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><Error><Type>Sender</Type><Code>InvalidClientTokenId</Code><Message>The security token included in the request is invalid.</Message></Error><RequestId>4d5e6f</RequestId></ErrorResponse>"#;

/// Starts `mfatui keyring COMMAND dev --yes` stopped at fault `step`, waits for the line it
/// prints just before, and kills it with SIGKILL.
fn kill_9_at(sb: &Sandbox, command: &str, step: &str, last_line: &str) {
    let mut child = sb
        .keyring_command(
            Unlocked,
            env!("CARGO_BIN_EXE_mfatui"),
            &["keyring", command, "dev", "--yes"],
        )
        .env("MFATUI_FAULT", format!("{step}:hang"))
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            let _ = tx.send(line);
        }
    });
    loop {
        let line = rx
            .recv_timeout(Duration::from_secs(60))
            .unwrap_or_else(|_| panic!("{step}: never printed '{last_line}'"));
        if line.contains(last_line) {
            break;
        }
    }
    let pid = rustix::process::Pid::from_raw(sb.keyring_pid()).unwrap();
    rustix::process::kill_process(pid, rustix::process::Signal::KILL).unwrap();
    child.wait().unwrap();
}

#[test]
fn kill_9_between_steps_never_leaves_a_profile_without_a_working_key() {
    if !keyring_tools() {
        return;
    }
    let Some(moto) = Moto::start() else { return };
    let (id, secret) = (moto.get("access_key_id"), moto.get("secret_access_key"));
    for (command, step, last_line) in [
        ("store", "keyring-after-store", "and read back."),
        ("store", "keyring-before-scrub", "credentials (backup: "),
        ("restore", "keyring-before-delete", "config (backup: "),
    ] {
        let sb = sandbox(&moto);
        if command == "restore" {
            let out = mfatui(&sb, Unlocked, &["keyring", "store", "dev", "--yes"]);
            assert!(out.status.success(), "{}", text(&out).1);
        }
        kill_9_at(&sb, command, step, last_line);
        assert_a_working_key(&sb, &moto, &format!("killed at {step}"));

        // Running the command again finishes the job.
        let out = mfatui(&sb, Unlocked, &["keyring", command, "dev", "--yes"]);
        assert!(out.status.success(), "{step}: {}", text(&out).1);
        assert_a_working_key(&sb, &moto, &format!("finished after {step}"));
        if command == "store" {
            assert_eq!(stored(&sb, "dev"), Some((id.clone(), secret.clone())));
            assert_eq!(
                sb.files_containing(&secret),
                Vec::<std::path::PathBuf>::new(),
                "{step}: the second run rewrote the backups"
            );
        } else {
            assert!(sb.credentials().contains(&secret), "{step}");
        }
    }
}

/// `line` in a real terminal whose window stays after it ends (`EXITED CODE`), so that its
/// last screen can be read.
fn terminal(line: &str) -> Option<Tmux> {
    Tmux::start(&format!("{line}; echo EXITED $?; sleep 60"))
}

/// The last screen of the command in `tui` once it has ended, having answered `y` to its
/// `[y/N]` question if it asked one.
fn yes_if_asked(tui: &Tmux) -> String {
    let start = Instant::now();
    loop {
        let screen = tui.screen();
        if screen.contains("[y/N]") && !screen.contains("EXITED") {
            tui.send(&["y"]);
            tui.send(&["Enter"]);
            return tui.wait_for("EXITED");
        }
        if screen.contains("EXITED") {
            return screen;
        }
        assert!(start.elapsed() < Duration::from_secs(20), "{screen}");
        std::thread::sleep(Duration::from_millis(100));
    }
}

#[test]
fn add_asks_on_the_terminal_and_never_shows_the_secret() {
    if !keyring_tools() {
        return;
    }
    let Some(moto) = Moto::start() else { return };
    let sb = sandbox(&moto);
    let (id, secret) = (
        "AKIAI44QH8DHBEXAMPLE",
        "je7MtGbClwBF/2Zp9Utk/h3yCo8nvbEXAMPLEKEY",
    );
    // Typed one at each prompt; then (attack round 10) both pasted at once at the first
    // prompt, as copied from the IAM console, and `--stdin` typed at a terminal: the terminal
    // echoed the secret in both.
    for (profile, stdin, paste) in [
        ("ci", false, false),
        ("ci2", false, true),
        ("ci3", true, true),
    ] {
        let mut args = vec!["keyring", "add", profile];
        if stdin {
            args.push("--stdin");
        }
        let mut cmd = sb.keyring_command(Unlocked, env!("CARGO_BIN_EXE_mfatui"), &args);
        cmd.env("TERM", "xterm-256color");
        let Some(terminal) = terminal(&shell_line(&cmd)) else {
            return;
        };
        terminal.wait_for("Access key id (not shown):");
        if paste {
            terminal.send(&["-l", &format!("{id}\n{secret}\n")]);
        } else {
            terminal.send(&["-l", id]);
            terminal.send(&["Enter"]);
            terminal.wait_for("Secret access key (not shown):");
            terminal.send(&["-l", secret]);
            terminal.send(&["Enter"]);
        }
        let screen = terminal.wait_for("EXITED");
        assert!(screen.contains("EXITED 0"), "{profile}: {screen}");
        assert!(!screen.contains(secret), "the secret never shows: {screen}");
        assert!(
            !screen.contains(&secret[..8]),
            "not even part of it: {screen}"
        );
        assert_eq!(
            stored(&sb, profile),
            Some((id.to_owned(), secret.to_owned()))
        );
    }
    assert_eq!(
        sb.files_containing(secret),
        Vec::<std::path::PathBuf>::new()
    );
}

/// `aws ARGS` inside the sandbox's keyring session (so `credential_process = mfatui …` reaches
/// the same Secret Service), as JSON.
fn aws_in_keyring(sb: &Sandbox, args: &[&str]) -> Value {
    let mut all = args.to_vec();
    all.extend(["--output", "json"]);
    let out = sb.keyring_command(Unlocked, "aws", &all).output().unwrap();
    assert!(out.status.success(), "aws {args:?}: {}", text(&out).1);
    serde_json::from_slice(&out.stdout).unwrap()
}

#[test]
fn keys_in_the_keyring_serve_the_aws_cli_renew_and_rotate_like_keys_on_file() {
    if !keyring_tools() {
        return;
    }
    let Some(moto) = Moto::start() else { return };
    let (id, secret) = (moto.get("access_key_id"), moto.get("secret_access_key"));
    let sb = sandbox_at(&moto.url, &id, &secret);
    let out = mfatui(&sb, Unlocked, &["keyring", "store", "dev", "--yes"]);
    assert!(out.status.success(), "{}", text(&out).1);

    // The AWS CLI names the profile; credential_process starts a session from the keyring's
    // pair (GetSessionToken: no device here) and serves that, never the long-term key.
    let who = aws_in_keyring(&sb, &["sts", "get-caller-identity", "--profile", "dev"]);
    assert!(who["Arn"].as_str().unwrap().contains(":user/"), "{who}");
    let out = mfatui(&sb, Unlocked, &["credential-process", "dev"]);
    assert!(out.status.success(), "{}", text(&out).1);
    let served: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_ne!(served["AccessKeyId"], id.as_str());
    assert!(served["SessionToken"].is_string() && served["Expiration"].is_string());
    assert!(
        sb.credentials().contains("[dev-mfa]"),
        "{}",
        sb.credentials()
    );
    // Without the keyring, a renewal is one sentence, never a secret.
    let out = sb.mfatui(&["renew", "dev", "--yes"]);
    assert!(!out.status.success());
    assert!(text(&out).1.contains("OS keyring"), "{}", text(&out).1);

    // An MFA renewal starts from the keyring's pair; the session lands in the file as usual.
    let serial = moto.get("mfa_serial");
    let out = sb.mfatui(&["set", "dev", "mfa_serial", &serial, "--yes"]);
    assert!(out.status.success(), "{}", text(&out).1);
    let out = mfatui(
        &sb,
        Unlocked,
        &["renew", "dev", "--code", "123456", "--yes"],
    );
    assert!(out.status.success(), "{}", text(&out).1);
    assert!(
        sb.credentials().contains("[dev-mfa]"),
        "{}",
        sb.credentials()
    );
    // (moto answers GetSessionToken sessions as user/moto: the AWS CLI accepting it is the test.)
    assert!(sb.caller_arn("dev-mfa").contains(":user/"));

    // Rotation: the new pair goes to the keyring, the marker names it, the old key is gone.
    let out = mfatui(
        &sb,
        Unlocked,
        &["rotate", "dev", "--code", "123456", "--yes"],
    );
    let (stdout, stderr) = text(&out);
    assert!(out.status.success(), "{stderr}");
    let (new_id, new_secret) = stored(&sb, "dev").expect("the keyring holds the new pair");
    assert_ne!(new_id, id);
    assert!(!stdout.contains(&new_secret) && !stderr.contains(&new_secret));
    assert!(
        sb.credentials()
            .contains(&format!("mfatui_keyring = {new_id}")),
        "{}",
        sb.credentials()
    );
    assert_eq!(
        sb.files_containing(&new_secret),
        Vec::<std::path::PathBuf>::new()
    );
    // Attack round 14 (R14b-5): the new key's entry is recorded for this file set, as
    // `keyring store` records it; from another file set it is not offered as spare.
    let other = sb.home.path().join("other-credentials");
    std::fs::write(&other, "").unwrap();
    let kept = sb
        .keyring_command(
            Unlocked,
            env!("CARGO_BIN_EXE_mfatui"),
            &["keyring", "list", "--kept"],
        )
        .env("AWS_SHARED_CREDENTIALS_FILE", &other)
        .output()
        .unwrap();
    let listed = text(&kept).0;
    assert!(
        listed.contains(&format!("recorded for {}", sb.aws("credentials").display()))
            && !listed.contains("recorded for no file"),
        "{listed}"
    );
    let keys = sb.ana_keys(IamAs::Key(&new_id, &new_secret));
    let ids: Vec<&str> = keys.iter().map(|(id, _)| id.as_str()).collect();
    assert_eq!(ids, [new_id.as_str()], "the old key is deleted");
}

#[test]
fn a_rotation_killed_after_the_keyring_took_the_new_key_is_undone_by_the_next_one() {
    if !keyring_tools() {
        return;
    }
    let Some(moto) = Moto::start() else { return };
    let (id, secret) = (moto.get("access_key_id"), moto.get("secret_access_key"));
    let sb = sandbox_at(&moto.url, &id, &secret);
    let out = mfatui(&sb, Unlocked, &["keyring", "store", "dev", "--yes"]);
    assert!(out.status.success(), "{}", text(&out).1);
    let pid_file = sb.home.path().join("run/keyring-test.pid");
    let _ = std::fs::remove_file(&pid_file);
    let mut child = sb
        .keyring_command(
            Unlocked,
            env!("CARGO_BIN_EXE_mfatui"),
            &["rotate", "dev", "--yes"],
        )
        .env("MFATUI_FAULT", "rotate-after-keyring:hang")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(60);
    while !pid_file.exists() {
        assert!(Instant::now() < deadline, "the rotation never started");
        std::thread::sleep(Duration::from_millis(50));
    }
    let pid = sb.keyring_pid();
    let new = loop {
        let taken = sb
            .keyring_entries()
            .into_iter()
            .find(|(user, _)| user.starts_with("dev (") && !user.contains(&id));
        match taken {
            Some(entry) => break entry,
            _ if Instant::now() > deadline => panic!("the keyring never took the new key"),
            _ => std::thread::sleep(Duration::from_millis(200)),
        }
    };
    let pid = rustix::process::Pid::from_raw(pid).unwrap();
    rustix::process::kill_process(pid, rustix::process::Signal::KILL).unwrap();
    child.wait().unwrap();
    assert!(
        sb.credentials().contains(&format!("mfatui_keyring = {id}")),
        "killed before the marker moved"
    );
    // The new key has an entry of its own: the old key's entry is untouched, so the profile
    // keeps working…
    assert_eq!(
        sb.keyring_lookup_user(&format!("dev ({id})"))
            .map(|doc| doc.contains(&secret)),
        Some(true)
    );
    assert!(new.1.contains("AccessKeyId"));
    let out = mfatui(&sb, Unlocked, &["renew", "dev", "--yes"]);
    assert!(out.status.success(), "{}", text(&out).1);
    // …and the next rotation undoes the interrupted one first (the new key never named in the
    // files is deleted, in IAM and in the keyring), then rotates.
    let out = mfatui(&sb, Unlocked, &["rotate", "dev", "--yes"]);
    let (stdout, stderr) = text(&out);
    assert!(out.status.success(), "{stderr}");
    assert!(
        stdout.contains("an earlier rotation was interrupted: its new key"),
        "{stdout}"
    );
    let (now_id, now_secret) = stored(&sb, "dev").unwrap();
    assert!(!new.0.contains(&now_id) && now_id != id);
    assert!(sb
        .credentials()
        .contains(&format!("mfatui_keyring = {now_id}")));
    let out = mfatui(&sb, Unlocked, &["renew", "dev", "--yes"]);
    assert!(
        out.status.success(),
        "renewed from the new key: {}",
        text(&out).1
    );
    assert_eq!(
        iam_keys(&sb, &now_id, &now_secret),
        1,
        "one key in IAM: {:?}",
        sb.ana_keys(IamAs::Key(&now_id, &now_secret))
    );
}

#[test]
fn a_rotation_failing_after_the_keyring_write_puts_the_old_key_back_there() {
    if !keyring_tools() {
        return;
    }
    let Some(moto) = Moto::start() else { return };
    let (id, secret) = (moto.get("access_key_id"), moto.get("secret_access_key"));
    let sb = sandbox_at(&moto.url, &id, &secret);
    let out = mfatui(&sb, Unlocked, &["keyring", "store", "dev", "--yes"]);
    assert!(out.status.success(), "{}", text(&out).1);
    for step in [
        "rotate-after-keyring",
        "rotate-after-write",
        "rotate-verify",
    ] {
        let out = sb
            .keyring_command(
                Unlocked,
                env!("CARGO_BIN_EXE_mfatui"),
                &["rotate", "dev", "--yes"],
            )
            .env("MFATUI_FAULT", format!("{step}:fail"))
            .output()
            .unwrap();
        assert!(!out.status.success(), "{step}");
        assert!(
            complaint(&out).contains("the new key was deleted again"),
            "{step}: {}",
            complaint(&out)
        );
        assert_eq!(
            stored(&sb, "dev"),
            Some((id.clone(), secret.clone())),
            "{step}: the old pair is back in the keyring"
        );
        assert!(
            sb.credentials().contains(&format!("mfatui_keyring = {id}")),
            "{step}"
        );
        assert_a_working_key(&sb, &moto, step);
    }
}

#[test]
fn v_in_the_tui_moves_the_selected_key_into_the_keyring_after_showing_the_diff() {
    if !keyring_tools() {
        return;
    }
    let Some(moto) = Moto::start() else { return };
    let (id, secret) = (moto.get("access_key_id"), moto.get("secret_access_key"));
    let sb = sandbox(&moto);
    let mut cmd = sb.keyring_command(Unlocked, env!("CARGO_BIN_EXE_mfatui"), &[]);
    cmd.env("TERM", "xterm-256color").env("AWS_PROFILE", "dev");
    let Some(tui) = terminal(&shell_line(&cmd)) else {
        return;
    };
    tui.wait_for("dev");
    tui.send(&["V"]);
    let screen = tui.wait_for("move to the OS keyring");
    assert!(screen.contains("+mfatui_keyring = ****"), "{screen}");
    assert!(
        !screen.contains(&secret) && !screen.contains(&id),
        "{screen}"
    );
    assert_eq!(stored(&sb, "dev"), None, "nothing before Enter");
    tui.send(&["Enter"]);
    let screen = tui.wait_for("keeps its key");
    assert!(screen.contains("backup(s) rewritten"), "{screen}");
    assert_eq!(stored(&sb, "dev"), Some((id.clone(), secret.clone())));
    assert!(sb.credentials().contains(&format!("mfatui_keyring = {id}")));
    assert_eq!(
        sb.files_containing(&secret),
        Vec::<std::path::PathBuf>::new()
    );
    // The detail pane says where the key is now.
    tui.wait_for("OS keyring");
    tui.send(&["q"]);
    let screen = tui.wait_for("EXITED");
    assert!(screen.contains("EXITED 0"), "{screen}");
}

/// `mfatui ARGS` on the file set in `dir` (`AWS_CONFIG_FILE`, `AWS_SHARED_CREDENTIALS_FILE`)
/// with the sandbox's keyring, fed `stdin`.
fn in_set(sb: &Sandbox, dir: &std::path::Path, args: &[&str], stdin: &str) -> Output {
    let mut cmd = sb.keyring_command(Unlocked, env!("CARGO_BIN_EXE_mfatui"), args);
    cmd.env("AWS_CONFIG_FILE", dir.join("config"))
        .env("AWS_SHARED_CREDENTIALS_FILE", dir.join("credentials"));
    crate::common::run_with_stdin(&mut cmd, stdin)
}

/// A second key for ana, made in moto with her first.
fn second_key(sb: &Sandbox, id: &str, secret: &str) -> (String, String) {
    let key = sb.iam_ana("create-access-key", &[], IamAs::Key(id, secret));
    (
        key["AccessKey"]["AccessKeyId"].as_str().unwrap().to_owned(),
        key["AccessKey"]["SecretAccessKey"]
            .as_str()
            .unwrap()
            .to_owned(),
    )
}

#[test]
fn two_file_sets_with_a_default_profile_never_lose_each_others_key() {
    if !keyring_tools() {
        return;
    }
    let Some(moto) = Moto::start() else { return };
    let (id, secret) = (moto.get("access_key_id"), moto.get("secret_access_key"));
    let sb = sandbox_at(&moto.url, &id, &secret);
    let (id2, secret2) = second_key(&sb, &id, &secret);
    let set = |name: &str, id: &str, secret: &str| {
        let dir = sb.home.path().join(name);
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join("config"), "[default]\nregion = eu-west-1\n").unwrap();
        std::fs::write(
            dir.join("credentials"),
            format!("[default]\naws_access_key_id = {id}\naws_secret_access_key = {secret}\n"),
        )
        .unwrap();
        dir
    };
    let (a, b) = (
        set("client-a", &id, &secret),
        set("client-b", &id2, &secret2),
    );
    for dir in [&a, &b] {
        let out = in_set(&sb, dir, &["keyring", "store", "default", "--yes"], "");
        assert!(out.status.success(), "{}", text(&out).1);
    }
    let read = |dir: &std::path::Path| std::fs::read_to_string(dir.join("credentials")).unwrap();
    assert!(!read(&a).contains(&secret) && !read(&b).contains(&secret2));
    // A's key survived B's store: A restores its own pair.
    let out = in_set(&sb, &a, &["keyring", "restore", "default", "--yes"], "");
    assert!(out.status.success(), "{}", text(&out).1);
    assert!(read(&a).contains(&format!("aws_secret_access_key = {secret}")));

    // An entry written by an earlier mfatui (named by the profile alone) is moved to its new
    // name when it holds the key the marker names, and used.
    let user = format!("default ({id2})");
    let doc = sb.keyring_lookup_user(&user).expect("B's entry");
    sb.keyring_clear(&user);
    let mut legacy = sb.keyring_command(
        Unlocked,
        "secret-tool",
        &[
            "store",
            "--label=mfatui",
            "service",
            "mfatui",
            "username",
            "default",
        ],
    );
    assert!(crate::common::run_with_stdin(&mut legacy, &doc)
        .status
        .success());
    let out = in_set(&sb, &b, &["keyring", "restore", "default", "--yes"], "");
    assert!(out.status.success(), "{}", text(&out).1);
    assert!(read(&b).contains(&format!("aws_secret_access_key = {secret2}")));
    assert!(
        sb.keyring_lookup_user(&user).is_some(),
        "restore keeps the entry"
    );
    let out = in_set(
        &sb,
        &b,
        &["keyring", "forget", "default", "--key-id", &id2, "--yes"],
        "",
    );
    assert!(out.status.success(), "{}", text(&out).1);

    // `add` over a profile whose key is in the keyring asks first and names the key that goes.
    let out = in_set(&sb, &a, &["keyring", "store", "default", "--yes"], "");
    assert!(out.status.success(), "{}", text(&out).1);
    let pair = format!("{id2}\n{secret2}\n");
    let out = in_set(&sb, &a, &["keyring", "add", "default", "--stdin"], &pair);
    assert!(!out.status.success());
    let masked = format!("****{}", &id[id.len() - 4..]);
    assert!(
        complaint(&out).contains(&format!("keeps the key {masked}"))
            && complaint(&out).contains("--yes")
            && complaint(&out).contains("nothing was stored"),
        "{}",
        text(&out).1
    );
    assert!(read(&a).contains(&format!("mfatui_keyring = {id}")));
    assert!(sb.keyring_lookup_user(&format!("default ({id})")).is_some());
    let out = in_set(
        &sb,
        &a,
        &["keyring", "add", "default", "--stdin", "--yes"],
        &pair,
    );
    assert!(out.status.success(), "{}", text(&out).1);
    assert!(
        text(&out).0.contains(&format!("replaced key {masked}"))
            && text(&out).0.contains("is kept"),
        "{}",
        text(&out).0
    );
    assert!(read(&a).contains(&format!("mfatui_keyring = {id2}")));
    assert!(
        sb.keyring_lookup_user(&format!("default ({id})")).is_some(),
        "add keeps the replaced key's entry"
    );
}

/// Two file sets holding the SAME key pair under the same profile share one entry (`default
/// (KEY_ID)`): a `restore` in one — and a second `restore` there, which looks for a leftover
/// entry — keeps it; `forget` deletes it, and only with a yes.
#[test]
fn two_file_sets_sharing_one_key_keep_its_entry_until_neither_names_it() {
    if !keyring_tools() {
        return;
    }
    let Some(moto) = Moto::start() else { return };
    let (id, secret) = (moto.get("access_key_id"), moto.get("secret_access_key"));
    let sb = sandbox_at(&moto.url, &id, &secret);
    let set = |name: &str| {
        let dir = sb.home.path().join(name);
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join("config"), "[default]\nregion = eu-west-1\n").unwrap();
        std::fs::write(
            dir.join("credentials"),
            format!("[default]\naws_access_key_id = {id}\naws_secret_access_key = {secret}\n"),
        )
        .unwrap();
        dir
    };
    let (a, b) = (set("client-a"), set("client-b"));
    for dir in [&a, &b] {
        let out = in_set(&sb, dir, &["keyring", "store", "default", "--yes"], "");
        assert!(out.status.success(), "{}", text(&out).1);
    }
    let read = |dir: &std::path::Path| std::fs::read_to_string(dir.join("credentials")).unwrap();
    let user = format!("default ({id})");
    assert!(!read(&a).contains(&secret) && !read(&b).contains(&secret));
    assert!(sb.keyring_lookup_user(&user).is_some());

    let out = in_set(&sb, &a, &["keyring", "restore", "default", "--yes"], "");
    assert!(out.status.success(), "{}", text(&out).1);
    assert!(read(&a).contains(&format!("aws_secret_access_key = {secret}")));
    assert!(
        text(&out).0.contains("is kept") && text(&out).0.contains("client-b"),
        "{}",
        text(&out).0
    );
    assert!(
        sb.keyring_lookup_user(&user).is_some(),
        "A's restore deleted the entry B's marker names"
    );
    // Again in A: its key is on file; the entry it finds is B's, not a leftover of A's.
    let out = in_set(&sb, &a, &["keyring", "restore", "default", "--yes"], "");
    assert!(out.status.success(), "{}", text(&out).1);
    assert!(
        sb.keyring_lookup_user(&user).is_some(),
        "a second restore in A deleted B's entry: {}",
        text(&out).0
    );
    // B still has a working key, and its restore (the last user) deletes the entry.
    let out = in_set(&sb, &b, &["keyring", "restore", "default", "--yes"], "");
    assert!(out.status.success(), "{}", text(&out).1);
    assert!(read(&b).contains(&format!("aws_secret_access_key = {secret}")));
    assert!(text(&out).0.contains("is kept"), "{}", text(&out).0);
    let out = in_set(&sb, &b, &["keyring", "forget", "default"], "");
    assert!(
        out.status.success() || complaint(&out).contains("--yes"),
        "{}",
        text(&out).1
    );
    let out = in_set(&sb, &b, &["keyring", "forget", "default", "--yes"], "");
    assert!(out.status.success(), "{}", text(&out).1);
    assert_eq!(sb.keyring_entries(), Vec::<(String, String)>::new());
}

/// The gnome-keyring daemon serving `sb`'s private session, found by its HOME, killed.
fn kill_keyring_daemon(sb: &Sandbox) {
    let home = format!("HOME={}", sb.home.path().display());
    let mut killed = 0;
    for entry in std::fs::read_dir("/proc").unwrap().flatten() {
        let Ok(pid) = entry.file_name().to_string_lossy().parse::<i32>() else {
            continue;
        };
        let comm = std::fs::read_to_string(entry.path().join("comm")).unwrap_or_default();
        let environ = std::fs::read(entry.path().join("environ")).unwrap_or_default();
        // (The sandbox's HOME may end in a slash.)
        let ours = environ.split(|b| *b == 0).any(|v| {
            v.strip_prefix(home.as_bytes())
                .is_some_and(|r| r.is_empty() || r == b"/")
        });
        if comm.starts_with("gnome-keyring") && ours {
            let pid = rustix::process::Pid::from_raw(pid).unwrap();
            let _ = rustix::process::kill_process(pid, rustix::process::Signal::KILL);
            killed += 1;
        }
    }
    assert!(killed > 0, "no keyring daemon found for {home}");
}

/// Starts `mfatui rotate dev --yes` with `fault` (one step `stop`s it) in the sandbox's
/// keyring session, and returns it once it is stopped there, with its process id.
fn rotation_stopped(sb: &Sandbox, fault: &str) -> (std::process::Child, i32) {
    let pid_file = sb.home.path().join("run/keyring-test.pid");
    let _ = std::fs::remove_file(&pid_file);
    let child = sb
        .keyring_command(
            Unlocked,
            env!("CARGO_BIN_EXE_mfatui"),
            &["rotate", "dev", "--yes"],
        )
        .env("MFATUI_FAULT", fault)
        .env("MFATUI_ROTATE_VERIFY_SECS", "0")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(60);
    while !pid_file.exists() {
        assert!(Instant::now() < deadline, "the rotation never started");
        std::thread::sleep(Duration::from_millis(50));
    }
    let pid = sb.keyring_pid();
    crate::common::wait_until_stopped(pid as u32);
    (child, pid)
}

/// Starts `mfatui rotate dev --yes` with `fault` (one step `stop`s it), and when it is stopped
/// makes the credentials file read-only and kills the keyring; returns what it said.
fn rotate_with_the_world_failing(sb: &Sandbox, fault: &str) -> Output {
    let (child, pid) = rotation_stopped(sb, fault);
    std::fs::set_permissions(
        sb.aws("credentials"),
        std::os::unix::fs::PermissionsExt::from_mode(0o444),
    )
    .unwrap();
    kill_keyring_daemon(sb);
    crate::common::resume(pid as u32);
    let out = child.wait_with_output().unwrap();
    std::fs::set_permissions(
        sb.aws("credentials"),
        std::os::unix::fs::PermissionsExt::from_mode(0o600),
    )
    .unwrap();
    out
}

/// The access keys IAM has for ana.
fn iam_keys(sb: &Sandbox, id: &str, secret: &str) -> usize {
    sb.ana_keys(IamAs::Key(id, secret)).len()
}

/// Attack round 10 (R10-4): `keyring restore` (or `store`) landing while a rotation of the
/// key was under way put the pair back beside the marker the rotation then wrote, and the
/// rotation deleted the key that pair names: the AWS CLI used a deleted key. Both refuse now,
/// and so do `add` and `forget` (round 11).
#[test]
fn keyring_store_and_restore_wait_for_a_rotation_of_their_key() {
    if !keyring_tools() {
        return;
    }
    let Some(moto) = Moto::start() else { return };
    let (id, secret) = (moto.get("access_key_id"), moto.get("secret_access_key"));
    let sb = sandbox_at(&moto.url, &id, &secret);
    let out = mfatui(&sb, Unlocked, &["keyring", "store", "dev", "--yes"]);
    assert!(out.status.success(), "{}", text(&out).1);
    let (child, pid) = rotation_stopped(&sb, "rotate-after-create:stop");
    let restore = mfatui(&sb, Unlocked, &["keyring", "restore", "dev", "--yes"]);
    // `forget` and `add` too (round 11): the rotation still needs the old key's entry, and
    // would write its new key over the marker `add` writes.
    let forget = mfatui(
        &sb,
        Unlocked,
        &["keyring", "forget", "dev", "--key-id", &id, "--yes"],
    );
    let add = sb.mfatui_keyring(
        Unlocked,
        &["keyring", "add", "dev", "--stdin", "--yes"],
        "AKIAI44QH8DHBEXAMPLE\nje7MtGbClwBF/2Zp9Utk/h3yCo8nvbEXAMPLEKEY\n",
    );
    for refused in [&restore, &forget, &add] {
        assert!(!refused.status.success());
        assert!(
            complaint(refused).contains("a rotation of 'dev' holds this key"),
            "{}",
            text(refused).1
        );
    }
    assert_eq!(stored(&sb, "dev"), Some((id.clone(), secret.clone())));
    crate::common::resume(pid as u32);
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success(), "{}", text(&out).1);
    // One key, the new one: named by the marker, held by the keyring, working.
    let credentials = sb.credentials();
    let new = credentials
        .lines()
        .find_map(|l| l.strip_prefix("mfatui_keyring = "))
        .expect("the marker")
        .to_owned();
    assert_ne!(new, id);
    assert!(!credentials.contains("aws_access_key_id"), "{credentials}");
    let (stored_id, stored_secret) = stored(&sb, "dev").unwrap();
    assert_eq!(stored_id, new);
    assert_eq!(iam_keys(&sb, &stored_id, &stored_secret), 1);
    // A rotation stopped for good (killed) keeps them refusing until `rotate` finishes it.
    let (child, pid) = rotation_stopped(&sb, "rotate-after-create:stop");
    let killed = rustix::process::Pid::from_raw(pid).unwrap();
    rustix::process::kill_process(killed, rustix::process::Signal::KILL).unwrap();
    let _ = child.wait_with_output();
    let store = mfatui(&sb, Unlocked, &["keyring", "restore", "dev", "--yes"]);
    assert!(
        complaint(&store).contains("finish it with") && complaint(&store).contains("rotate dev"),
        "{}",
        text(&store).1
    );
    let out = mfatui(&sb, Unlocked, &["rotate", "dev", "--yes"]);
    assert!(out.status.success(), "{}", text(&out).1);
    let out = mfatui(&sb, Unlocked, &["keyring", "restore", "dev", "--yes"]);
    assert!(out.status.success(), "{}", text(&out).1);
    // The key in the file now: `store` waits for a rotation as well.
    let (child, pid) = rotation_stopped(&sb, "rotate-after-create:stop");
    let store = mfatui(&sb, Unlocked, &["keyring", "store", "dev", "--yes"]);
    assert!(
        complaint(&store).contains("a rotation of 'dev' holds this key"),
        "{}",
        text(&store).1
    );
    crate::common::resume(pid as u32);
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success(), "{}", text(&out).1);
    assert!(sb.credentials().contains("aws_secret_access_key"));
    assert!(!sb.credentials().contains("mfatui_keyring"));
}

#[test]
fn a_rotation_whose_file_write_fails_while_the_keyring_is_gone_keeps_the_old_key() {
    if !keyring_tools() {
        return;
    }
    let Some(moto) = Moto::start() else { return };
    let (id, secret) = (moto.get("access_key_id"), moto.get("secret_access_key"));
    let sb = sandbox_at(&moto.url, &id, &secret);
    let out = mfatui(&sb, Unlocked, &["keyring", "store", "dev", "--yes"]);
    assert!(out.status.success(), "{}", text(&out).1);
    let out = rotate_with_the_world_failing(&sb, "rotate-after-keyring:stop");
    assert!(!out.status.success());
    assert!(
        complaint(&out).contains("the new key was deleted again"),
        "{}",
        text(&out).1
    );
    // The old key's entry was never touched: the file's marker still finds its pair.
    assert_a_working_key(&sb, &moto, "after the failed write");
    assert_eq!(
        iam_keys(&sb, &id, &secret),
        1,
        "the new key is gone from IAM"
    );
    let out = mfatui(&sb, Unlocked, &["renew", "dev", "--yes"]);
    assert!(out.status.success(), "{}", text(&out).1);
}

#[test]
fn a_rotation_that_cannot_put_the_old_key_back_keeps_both_and_says_rotate_finishes_it() {
    if !keyring_tools() {
        return;
    }
    let Some(moto) = Moto::start() else { return };
    let (id, secret) = (moto.get("access_key_id"), moto.get("secret_access_key"));
    let sb = sandbox_at(&moto.url, &id, &secret);
    let out = mfatui(&sb, Unlocked, &["keyring", "store", "dev", "--yes"]);
    assert!(out.status.success(), "{}", text(&out).1);
    let out = rotate_with_the_world_failing(&sb, "rotate-after-write:stop,rotate-verify:fail");
    assert!(!out.status.success());
    let said = complaint(&out);
    assert!(
        said.contains("`mfatui rotate dev`") && !said.contains("keyring add"),
        "{said}"
    );
    assert_eq!(iam_keys(&sb, &id, &secret), 2, "the new key is kept in IAM");
    let journal = sb
        .aws(".mfatui-backups")
        .join("rotating-credentials.dev.json");
    assert!(journal.exists(), "the journal is kept");
    let (new_id, _) = stored(&sb, "dev").expect("the marker names the new key, which is stored");
    assert_ne!(new_id, id);
    // What the hint says works.
    let out = mfatui(&sb, Unlocked, &["rotate", "dev", "--yes"]);
    let (stdout, stderr) = text(&out);
    assert!(out.status.success(), "{stderr}");
    assert!(
        stdout.contains("an earlier rotation was interrupted after writing the new key")
            && stdout.contains("nothing else was done"),
        "{stdout}"
    );
    // That rotation is complete, and no second one followed it.
    let (now_id, now_secret) = stored(&sb, "dev").unwrap();
    assert_eq!(now_id, new_id);
    assert_eq!(iam_keys(&sb, &now_id, &now_secret), 1);
    assert!(!journal.exists());
}

/// Attack round 14c (C-3): a credentials file reached through a chain of links
/// (`~/.aws/credentials` → `mid/credentials` → `dot/credentials`) and through a sibling link
/// had backups beside each name it was written by; `keyring store` through `~/.aws` left the
/// secret in the middle and sibling names' backups. Backups are made beside the real file,
/// under its name, whichever name a writer used, and `backups` lists them all.
#[test]
fn backups_made_through_any_link_to_the_file_are_scrubbed_by_store() {
    if !keyring_tools() {
        return;
    }
    let Some(moto) = Moto::start() else { return };
    let secret = moto.get("secret_access_key");
    let sb = sandbox_at(&moto.url, &moto.get("access_key_id"), &secret);
    let home = sb.home.path();
    for dir in ["dot", "mid", "side"] {
        std::fs::create_dir_all(home.join(dir)).unwrap();
    }
    std::fs::rename(sb.aws("credentials"), home.join("dot/credentials")).unwrap();
    std::os::unix::fs::symlink("../dot/credentials", home.join("mid/credentials")).unwrap();
    std::os::unix::fs::symlink("../mid/credentials", sb.aws("credentials")).unwrap();
    std::os::unix::fs::symlink("../dot/credentials", home.join("side/creds")).unwrap();
    for (name, region) in [
        ("mid/credentials", "eu-west-2"),
        ("side/creds", "eu-west-3"),
    ] {
        let out = sb.mfatui_env(
            &[
                "set",
                "dev",
                "region",
                region,
                "--file",
                "credentials",
                "--yes",
            ],
            &[(
                "AWS_SHARED_CREDENTIALS_FILE",
                home.join(name).to_str().unwrap(),
            )],
        );
        assert!(out.status.success(), "{name}: {}", text(&out).1);
    }
    let mut holding = sb.files_containing(&secret);
    holding.sort();
    // Each as its folder and its name up to the first dot (a backup's stamp follows).
    let places: Vec<String> = holding
        .iter()
        .map(|p| {
            let p = p.strip_prefix(home).unwrap();
            let name = p.file_name().unwrap().to_string_lossy();
            let stem = name.split('.').next().unwrap_or_default();
            format!("{}/{stem}", p.parent().unwrap().display())
        })
        .collect();
    assert_eq!(
        places,
        [
            "dot/.mfatui-backups/credentials",
            "dot/.mfatui-backups/credentials",
            "dot/credentials"
        ],
        "both backups beside the real file, under its name: {holding:?}"
    );
    let listed = text(&sb.mfatui(&["backups", "credentials"])).0;
    assert_eq!(listed.lines().count(), 2, "{listed}");
    let out = mfatui(&sb, Unlocked, &["keyring", "store", "dev", "--yes"]);
    assert!(out.status.success(), "{}", text(&out).1);
    assert_eq!(
        sb.files_containing(&secret),
        Vec::<std::path::PathBuf>::new(),
        "no file under HOME holds the secret"
    );
}

#[test]
fn store_moves_every_section_holding_the_same_key_and_backups_name_only_real_entries() {
    if !keyring_tools() {
        return;
    }
    let Some(moto) = Moto::start() else { return };
    let (id, secret) = (moto.get("access_key_id"), moto.get("secret_access_key"));
    let pair = format!("aws_access_key_id = {id}\naws_secret_access_key = {secret}\n");
    let sb = Sandbox::new(
        &moto.url,
        "[profile dev]\nregion = eu-west-1\n\n[profile ci]\nregion = eu-west-1\n",
        &format!("[dev]\n{pair}\n[ci]\n{pair}\n[old-ci]\n{pair}"),
    );
    // A backup holding the pair in a section that is gone from the file since.
    let out = sb.mfatui(&[
        "set",
        "dev",
        "output",
        "json",
        "--file",
        "credentials",
        "--yes",
    ]);
    assert!(out.status.success(), "{}", text(&out).1);
    let now = sb.credentials();
    std::fs::write(sb.aws("credentials"), &now[..now.find("[old-ci]").unwrap()]).unwrap();

    let out = mfatui(&sb, Unlocked, &["keyring", "store", "dev", "--yes"]);
    let (stdout, stderr) = text(&out);
    assert!(out.status.success(), "{stderr}");
    assert!(
        stdout.contains("[ci] of the credentials file ('ci'): it moves too"),
        "{stdout}"
    );
    let credentials = sb.credentials();
    assert_eq!(
        credentials
            .matches(&format!("mfatui_keyring = {id}"))
            .count(),
        2,
        "{credentials}"
    );
    assert_eq!(
        sb.files_containing(&secret),
        Vec::<std::path::PathBuf>::new(),
        "no copy of the secret is left in plain text"
    );
    for profile in ["dev", "ci"] {
        assert!(
            sb.keyring_lookup_user(&format!("{profile} ({id})"))
                .is_some_and(|doc| doc.contains(&secret)),
            "{profile} has its entry"
        );
        let out = mfatui(&sb, Unlocked, &["renew", profile, "--yes"]);
        assert!(out.status.success(), "{profile}: {}", text(&out).1);
    }
    // In the backups, the pair became a marker only where an entry exists.
    let backup = sb
        .backups()
        .into_iter()
        .map(|p| std::fs::read_to_string(p).unwrap())
        .find(|t| t.contains("[old-ci]"))
        .expect("the backup from before the edit");
    let old_ci = &backup[backup.find("[old-ci]").unwrap()..];
    assert!(
        !old_ci.contains("mfatui_keyring") && old_ci.contains("aws_secret_access_key = ****"),
        "{backup}"
    );
    assert!(
        backup.contains(&format!("[ci]\nmfatui_keyring = {id}")),
        "{backup}"
    );

    // A rotation reaches every copy in the keyring: none is left naming the deleted key.
    let out = mfatui(&sb, Unlocked, &["rotate", "dev", "--yes"]);
    assert!(out.status.success(), "{}", text(&out).1);
    let credentials = sb.credentials();
    let new_id = credentials
        .lines()
        .find_map(|l| l.strip_prefix("mfatui_keyring = "))
        .unwrap()
        .to_owned();
    assert_ne!(new_id, id);
    assert_eq!(
        credentials
            .matches(&format!("mfatui_keyring = {new_id}"))
            .count(),
        2,
        "{credentials}"
    );
    for profile in ["dev", "ci"] {
        assert!(sb
            .keyring_lookup_user(&format!("{profile} ({new_id})"))
            .is_some());
        assert_eq!(sb.keyring_lookup_user(&format!("{profile} ({id})")), None);
        let out = mfatui(&sb, Unlocked, &["renew", profile, "--yes"]);
        assert!(out.status.success(), "{profile}: {}", text(&out).1);
    }
}

/// `dir` quoted for `sh`.
fn shell_line_arg(dir: &std::path::Path) -> String {
    format!("'{}'", dir.display().to_string().replace('\'', "'\\''"))
}

/// A file set holding the pair `id`/`secret` under `[profile]` in `HOME/name`.
fn file_set(sb: &Sandbox, name: &str, profile: &str, id: &str, secret: &str) -> std::path::PathBuf {
    let dir = sb.home.path().join(name);
    std::fs::create_dir_all(&dir).unwrap();
    let config = if profile == "default" {
        "[default]".to_owned()
    } else {
        format!("[profile {profile}]")
    };
    std::fs::write(
        dir.join("config"),
        format!("{config}\nregion = eu-west-1\n"),
    )
    .unwrap();
    std::fs::write(
        dir.join("credentials"),
        format!("[{profile}]\naws_access_key_id = {id}\naws_secret_access_key = {secret}\n"),
    )
    .unwrap();
    dir
}

/// The pair and the recorded files of the entry `user`, as libsecret reads it.
fn entry_doc(sb: &Sandbox, user: &str) -> Option<(String, String, Vec<String>)> {
    let doc: Value = serde_json::from_str(&sb.keyring_lookup_user(user)?).unwrap();
    let files = doc["Files"]
        .as_array()
        .map(|a| a.iter().map(|f| f.as_str().unwrap().to_owned()).collect())
        .unwrap_or_default();
    Some((
        doc["AccessKeyId"].as_str().unwrap().to_owned(),
        doc["SecretAccessKey"].as_str().unwrap().to_owned(),
        files,
    ))
}

/// F2 (1): `V` in the TUI records its file set in the entry like the command line, and an
/// `add --yes` replacing the key in another file set sharing the pair keeps the entry.
#[test]
fn v_in_the_tui_records_its_file_set_and_add_elsewhere_keeps_the_shared_entry() {
    if !keyring_tools() {
        return;
    }
    let Some(moto) = Moto::start() else { return };
    let (id, secret) = (moto.get("access_key_id"), moto.get("secret_access_key"));
    let sb = sandbox_at(&moto.url, &id, &secret);
    let mut cmd = sb.keyring_command(Unlocked, env!("CARGO_BIN_EXE_mfatui"), &[]);
    cmd.env("TERM", "xterm-256color").env("AWS_PROFILE", "dev");
    let Some(tui) = terminal(&shell_line(&cmd)) else {
        return;
    };
    tui.wait_for("dev");
    tui.send(&["V"]);
    tui.wait_for("move to the OS keyring");
    tui.send(&["Enter"]);
    tui.wait_for("keeps its key");
    tui.send(&["q"]);
    tui.wait_for("EXITED");
    let user = format!("dev ({id})");
    let a_file = std::fs::canonicalize(sb.aws("credentials")).unwrap();
    let (_, _, files) = entry_doc(&sb, &user).expect("V's entry");
    assert_eq!(
        files,
        [a_file.to_string_lossy().into_owned()],
        "V recorded A"
    );

    let b = file_set(&sb, "client-b", "dev", &id, &secret);
    let out = in_set(&sb, &b, &["keyring", "store", "dev", "--yes"], "");
    assert!(out.status.success(), "{}", text(&out).1);
    let (id2, secret2) = second_key(&sb, &id, &secret);
    let out = in_set(
        &sb,
        &b,
        &["keyring", "add", "dev", "--stdin", "--yes"],
        &format!("{id2}\n{secret2}\n"),
    );
    assert!(out.status.success(), "{}", text(&out).1);
    assert!(!text(&out).0.contains("Deleted"), "{}", text(&out).0);
    // A's marker still finds its pair.
    assert!(sb.credentials().contains(&format!("mfatui_keyring = {id}")));
    assert_eq!(stored(&sb, "dev"), Some((id.clone(), secret.clone())));
    // forget in B refuses while A's recorded marker names the key.
    let out = in_set(&sb, &b, &["keyring", "forget", "dev", "--key-id", &id], "");
    assert!(!out.status.success());
    assert!(
        complaint(&out).contains(&a_file.to_string_lossy().into_owned()),
        "{}",
        text(&out).1
    );
    assert!(entry_doc(&sb, &user).is_some());
}

/// F2 (2): a file set moved after `store` is recorded under its old path; `add` replacing the
/// key in the other set keeps the entry, and the moved set's marker still finds its pair.
#[test]
fn a_moved_file_set_keeps_its_entry_when_another_set_replaces_the_key() {
    if !keyring_tools() {
        return;
    }
    let Some(moto) = Moto::start() else { return };
    let (id, secret) = (moto.get("access_key_id"), moto.get("secret_access_key"));
    let sb = sandbox_at(&moto.url, &id, &secret);
    let (a, b) = (
        file_set(&sb, "a", "default", &id, &secret),
        file_set(&sb, "b", "default", &id, &secret),
    );
    for dir in [&a, &b] {
        let out = in_set(&sb, dir, &["keyring", "store", "default", "--yes"], "");
        assert!(out.status.success(), "{}", text(&out).1);
    }
    let moved = sb.home.path().join("b-moved");
    std::fs::rename(&b, &moved).unwrap();
    let (id2, secret2) = second_key(&sb, &id, &secret);
    let out = in_set(
        &sb,
        &a,
        &["keyring", "add", "default", "--stdin", "--yes"],
        &format!("{id2}\n{secret2}\n"),
    );
    assert!(out.status.success(), "{}", text(&out).1);
    let creds = std::fs::read_to_string(moved.join("credentials")).unwrap();
    assert!(creds.contains(&format!("mfatui_keyring = {id}")));
    let (held, held_secret, _) =
        entry_doc(&sb, &format!("default ({id})")).expect("b-moved's key was deleted");
    assert_eq!((held, held_secret), (id.clone(), secret.clone()));
    assert!(text(&out).0.contains("is kept"), "{}", text(&out).0);
    // The moved set still works through its marker.
    let out = in_set(&sb, &moved, &["credential-process", "default"], "");
    assert!(out.status.success(), "{}", text(&out).1);
    // `list --kept` shows the entry no marker of A names, with the command that removes it.
    let out = in_set(&sb, &a, &["keyring", "list", "--kept"], "");
    assert!(out.status.success(), "{}", text(&out).1);
    assert!(
        text(&out)
            .0
            .contains(&format!("keyring forget default --key-id {id}")),
        "{}",
        text(&out).0
    );
    assert!(!text(&out).0.contains(&secret));
}

/// F2 (3): two `store`s of one pair at once both end up recorded (the entry's list is
/// changed under a lock); and an entry whose list lost a file set (as a racing store of an
/// earlier version left it) is still kept by `add` replacing the key.
#[test]
fn concurrent_stores_record_both_sets_and_a_lost_record_loses_no_key() {
    if !keyring_tools() {
        return;
    }
    let Some(moto) = Moto::start() else { return };
    let (id, secret) = (moto.get("access_key_id"), moto.get("secret_access_key"));
    let sb = sandbox_at(&moto.url, &id, &secret);
    let (a, b) = (
        file_set(&sb, "a", "default", &id, &secret),
        file_set(&sb, "b", "default", &id, &secret),
    );
    // Both in one D-Bus session and keyring daemon, as on a desktop (each `in_set` has its
    // own daemon, whose last writer would win the keyring file whatever mfatui does).
    let both = format!(
        "m=\"$1\"; for d in {a} {b}; do AWS_CONFIG_FILE=$d/config AWS_SHARED_CREDENTIALS_FILE=$d/credentials \"$m\" keyring store default --yes & done; wait %1 && wait %2",
        a = shell_line_arg(&a),
        b = shell_line_arg(&b)
    );
    let mut cmd = sb.keyring_command(
        Unlocked,
        "sh",
        &["-c", &both, "sh", env!("CARGO_BIN_EXE_mfatui")],
    );
    let out = crate::common::run_with_stdin(&mut cmd, "");
    assert!(out.status.success(), "{}", text(&out).1);
    let user = format!("default ({id})");
    let (_, _, mut files) = entry_doc(&sb, &user).unwrap();
    files.sort();
    let path = |d: &std::path::Path| {
        std::fs::canonicalize(d.join("credentials"))
            .unwrap()
            .to_string_lossy()
            .into_owned()
    };
    assert_eq!(files, [path(&a), path(&b)], "both stores recorded");

    // The lost update, deterministically: the entry records A alone while B's marker names it.
    let doc = format!(
        r#"{{"Version":1,"AccessKeyId":"{id}","SecretAccessKey":"{secret}","Files":["{}"]}}"#,
        path(&a)
    );
    let mut write = sb.keyring_command(
        Unlocked,
        "secret-tool",
        &[
            "store",
            "--label=mfatui",
            "service",
            "mfatui",
            "username",
            &user,
        ],
    );
    assert!(crate::common::run_with_stdin(&mut write, &doc)
        .status
        .success());
    let (id2, secret2) = second_key(&sb, &id, &secret);
    let out = in_set(
        &sb,
        &a,
        &["keyring", "add", "default", "--stdin", "--yes"],
        &format!("{id2}\n{secret2}\n"),
    );
    assert!(out.status.success(), "{}", text(&out).1);
    let (held, held_secret, _) = entry_doc(&sb, &user).expect("B's key was deleted");
    assert_eq!((held, held_secret), (id.clone(), secret.clone()));
    let out = in_set(&sb, &b, &["credential-process", "default"], "");
    assert!(out.status.success(), "{}", text(&out).1);
}

/// F8: `rotate` in one file set of a pair another set shares names that set, tells it to
/// `keyring add` the new key there (not `rotate`), and keeps its entry until it is forgotten.
#[test]
fn a_rotation_names_the_other_file_sets_of_its_key_and_keeps_their_entry() {
    if !keyring_tools() {
        return;
    }
    let Some(moto) = Moto::start() else { return };
    let (id, secret) = (moto.get("access_key_id"), moto.get("secret_access_key"));
    let sb = sandbox_at(&moto.url, &id, &secret);
    let b = file_set(&sb, "b", "dev", &id, &secret);
    let out = mfatui(&sb, Unlocked, &["keyring", "store", "dev", "--yes"]);
    assert!(out.status.success(), "{}", text(&out).1);
    let out = in_set(&sb, &b, &["keyring", "store", "dev", "--yes"], "");
    assert!(out.status.success(), "{}", text(&out).1);
    let out = mfatui(&sb, Unlocked, &["rotate", "dev", "--yes"]);
    assert!(out.status.success(), "{}", text(&out).1);
    let said = text(&out).0;
    let b_file = std::fs::canonicalize(b.join("credentials")).unwrap();
    assert!(
        said.contains(&b_file.to_string_lossy().into_owned())
            && said.contains("mfatui keyring add dev")
            && said.contains(&format!("keyring forget dev --key-id {id}")),
        "{said}"
    );
    assert!(!said.contains(&secret), "{said}");
    let (held, held_secret, _) =
        entry_doc(&sb, &format!("dev ({id})")).expect("B's entry was deleted");
    assert_eq!((held, held_secret), (id.clone(), secret.clone()));
}

/// Round 4 B1: a file set moved after `store` (`mv E E2`) is recorded under its old path,
/// which is gone; `forget` from another file set must not take that for "names nothing":
/// on a terminal, answering y, it refuses without asking, and so it does with y on stdin;
/// `list --kept` shows the recorded file as missing; `--yes` still deletes.
#[test]
fn forget_refuses_while_a_recorded_file_is_gone_even_when_answered_yes() {
    if !keyring_tools() {
        return;
    }
    let Some(moto) = Moto::start() else { return };
    let (id, secret) = (moto.get("access_key_id"), moto.get("secret_access_key"));
    let sb = sandbox_at(&moto.url, &id, &secret);
    let e = file_set(&sb, "e", "dev", &id, &secret);
    let out = in_set(&sb, &e, &["keyring", "store", "dev", "--yes"], "");
    assert!(out.status.success(), "{}", text(&out).1);
    let e_file = std::fs::canonicalize(e.join("credentials")).unwrap();
    let e_file = e_file.to_string_lossy().into_owned();
    let moved = sb.home.path().join("e2");
    std::fs::rename(&e, &moved).unwrap();
    let user = format!("dev ({id})");

    // W (the sandbox's own files) holds its keys on file: no marker of W names the key.
    let mut cmd = sb.keyring_command(
        Unlocked,
        env!("CARGO_BIN_EXE_mfatui"),
        &["keyring", "forget", "dev", "--key-id", &id],
    );
    cmd.env("TERM", "xterm-256color");
    let Some(tui) = terminal(&shell_line(&cmd)) else {
        return;
    };
    // The attack: one y, should the question come.
    let screen = yes_if_asked(&tui);
    assert!(!screen.contains("EXITED 0"), "{screen}");
    assert!(!screen.contains("Deleted"), "{screen}");
    assert_eq!(
        entry_doc(&sb, &user).map(|(i, s, _)| (i, s)),
        Some((id.clone(), secret.clone())),
        "the only copy of a live key's secret was deleted: {screen}"
    );

    // Without a terminal, a y on stdin changes nothing either; the refusal names the file.
    let mut cmd = sb.keyring_command(
        Unlocked,
        env!("CARGO_BIN_EXE_mfatui"),
        &["keyring", "forget", "dev", "--key-id", &id],
    );
    let out = crate::common::run_with_stdin(&mut cmd, "y\n");
    assert!(!out.status.success());
    let said = complaint(&out);
    assert!(
        said.contains(&format!(
            "recorded for {e_file}, which is gone or unreadable or no longer mentions the key: moved, or another file set there?"
        )) && said.contains("--yes"),
        "{}",
        text(&out).1
    );
    assert!(entry_doc(&sb, &user).is_some());

    // `list --kept` shows the entry's recorded file, missing.
    let out = mfatui(&sb, Unlocked, &["keyring", "list", "--kept"]);
    assert!(out.status.success(), "{}", text(&out).1);
    assert!(
        text(&out).0.contains(&format!(
            "recorded for {e_file}  (gone or unreadable or no longer mentions the key: moved?)"
        )),
        "{}",
        text(&out).0
    );
    assert!(!text(&out).0.contains(&secret));

    // The moved set still works; and --yes deletes, naming what it is in doubt about.
    let out = in_set(&sb, &moved, &["credential-process", "dev"], "");
    assert!(out.status.success(), "{}", text(&out).1);
    let out = mfatui(
        &sb,
        Unlocked,
        &["keyring", "forget", "dev", "--key-id", &id, "--yes"],
    );
    assert!(out.status.success(), "{}", text(&out).1);
    assert!(
        text(&out).0.contains("gone or unreadable"),
        "{}",
        text(&out).0
    );
    assert!(entry_doc(&sb, &user).is_none());
}

/// Round 5 H1: `keyring store` run in another terminal while `forget`'s question waits (the
/// entry kept by `restore`, so the question says no marker names it). The `y` that follows
/// must delete nothing: the marker names the key now, and `store` scrubbed the backups.
#[test]
fn forget_deletes_nothing_when_a_store_lands_while_its_question_waits() {
    if !keyring_tools() {
        return;
    }
    let Some(moto) = Moto::start() else { return };
    let (id, secret) = (moto.get("access_key_id"), moto.get("secret_access_key"));
    let sb = sandbox_at(&moto.url, &id, &secret);
    for args in [
        ["keyring", "store", "dev", "--yes"],
        ["keyring", "restore", "dev", "--yes"],
    ] {
        let out = mfatui(&sb, Unlocked, &args);
        assert!(out.status.success(), "{}", text(&out).1);
    }
    let user = format!("dev ({id})");
    let mut cmd = sb.keyring_command(
        Unlocked,
        env!("CARGO_BIN_EXE_mfatui"),
        &["keyring", "forget", "dev"],
    );
    cmd.env("TERM", "xterm-256color");
    let Some(tui) = terminal(&shell_line(&cmd)) else {
        return;
    };
    tui.wait_for("[y/N]");
    // The other terminal.
    let out = mfatui(&sb, Unlocked, &["keyring", "store", "dev", "--yes"]);
    assert!(out.status.success(), "{}", text(&out).1);
    tui.send(&["y"]);
    tui.send(&["Enter"]);
    let screen = tui.wait_for("EXITED");
    assert!(!screen.contains("EXITED 0"), "{screen}");
    assert!(!screen.contains("Deleted"), "{screen}");
    let said: String = screen.lines().collect();
    assert!(said.contains("nothing was deleted"), "{screen}");
    assert_eq!(
        entry_doc(&sb, &user).map(|(i, s, _)| (i, s)),
        Some((id.clone(), secret.clone())),
        "the only copy of the secret was deleted: {screen}"
    );
    let out = mfatui(&sb, Unlocked, &["credential-process", "dev"]);
    assert!(out.status.success(), "{}", text(&out).1);
}

/// Round 6 M2: `keyring store` run with another settings folder (a cron job's: another
/// keyring lock) stops between its keyring write and its marker; meanwhile `forget --yes`
/// deletes the entry (nothing names it yet). `store` then finds the entry gone and stores the
/// pair it holds again before any backup loses the secret: no key is lost.
#[test]
fn a_forget_between_stores_keyring_write_and_its_marker_loses_no_key() {
    if !keyring_tools() {
        return;
    }
    let Some(moto) = Moto::start() else { return };
    let (id, secret) = (moto.get("access_key_id"), moto.get("secret_access_key"));
    let sb = sandbox_at(&moto.url, &id, &secret);
    for args in [
        ["keyring", "store", "dev", "--yes"],
        ["keyring", "restore", "dev", "--yes"],
    ] {
        let out = mfatui(&sb, Unlocked, &args);
        assert!(out.status.success(), "{}", text(&out).1);
    }
    // One keyring daemon for all three, as on a desktop (each test command otherwise starts
    // its own, which would not see the others' changes while it runs).
    let script = r#"
        XDG_CONFIG_HOME="$HOME/other-config" MFATUI_FAULT=keyring-after-store:stop \
            "$BIN" keyring store dev --yes > "$HOME/store.out" 2>&1 &
        store=$!
        for _ in $(seq 600); do
            sed 's/^.*) //' /proc/$store/stat | grep -q '^T' && break; sleep 0.05
        done
        "$BIN" keyring forget dev --yes > "$HOME/forget.out" 2>&1; echo "forget $?"
        kill -CONT $store; wait $store; echo "store $?"
    "#;
    let out = sb
        .keyring_command(Unlocked, "sh", &["-c", script])
        .env("BIN", env!("CARGO_BIN_EXE_mfatui"))
        .output()
        .unwrap();
    let read = |f: &str| std::fs::read_to_string(sb.home.path().join(f)).unwrap_or_default();
    let said = format!(
        "{}\n{}\n{}",
        text(&out).0,
        read("forget.out"),
        read("store.out")
    );
    assert!(
        said.contains("forget 0") && said.contains("Deleted"),
        "{said}"
    );
    assert!(said.contains("store 0"), "{said}");
    assert_eq!(
        entry_doc(&sb, &format!("dev ({id})")).map(|(i, s, _)| (i, s)),
        Some((id.clone(), secret.clone())),
        "the key is in no file and not in the keyring: {said}"
    );
    let out = mfatui(&sb, Unlocked, &["credential-process", "dev"]);
    assert!(out.status.success(), "{}", text(&out).1);
}

/// Round 5 M4: the file set an entry was stored from is moved away and a new, unrelated one
/// made at the same path. The recorded file exists but mentions neither the key nor the
/// profile's marker: in doubt, as a missing file is — `forget` on a terminal refuses without
/// asking (a `y` deletes nothing), `list --kept` marks the file.
#[test]
fn forget_refuses_when_another_file_set_stands_at_the_recorded_path() {
    if !keyring_tools() {
        return;
    }
    let Some(moto) = Moto::start() else { return };
    let (id, secret) = (moto.get("access_key_id"), moto.get("secret_access_key"));
    let sb = sandbox_at(&moto.url, &id, &secret);
    let e = file_set(&sb, "e", "dev", &id, &secret);
    let out = in_set(&sb, &e, &["keyring", "store", "dev", "--yes"], "");
    assert!(out.status.success(), "{}", text(&out).1);
    let e_file = std::fs::canonicalize(e.join("credentials")).unwrap();
    let e_file = e_file.to_string_lossy().into_owned();
    std::fs::rename(&e, sb.home.path().join("e-client-a")).unwrap();
    std::fs::create_dir_all(&e).unwrap();
    std::fs::write(e.join("config"), "").unwrap();
    std::fs::write(
        e.join("credentials"),
        // Client B's own `dev`, its key stored too: a marker of the same profile naming
        // another key, as a rotation would leave (attack round 6, H1).
        "[dev]\nmfatui_keyring = AKIAZZZZZZZZZZZZZZZZ\n",
    )
    .unwrap();
    let user = format!("dev ({id})");

    let out = mfatui(&sb, Unlocked, &["keyring", "list", "--kept"]);
    assert!(
        text(&out).0.contains(&format!(
            "recorded for {e_file}  (gone or unreadable or no longer mentions the key: moved?)"
        )),
        "{}",
        text(&out).0
    );
    let mut cmd = sb.keyring_command(
        Unlocked,
        env!("CARGO_BIN_EXE_mfatui"),
        &["keyring", "forget", "dev", "--key-id", &id],
    );
    cmd.env("TERM", "xterm-256color");
    let Some(tui) = terminal(&shell_line(&cmd)) else {
        return;
    };
    let screen = yes_if_asked(&tui);
    assert!(!screen.contains("Deleted"), "{screen}");
    // The sentence wraps at the terminal's width.
    let said: String = screen.lines().collect();
    assert!(said.contains("no longer mentions the key"), "{screen}");
    assert_eq!(
        entry_doc(&sb, &user).map(|(i, s, _)| (i, s)),
        Some((id.clone(), secret.clone())),
        "client A's only copy of the secret was deleted: {screen}"
    );
}

/// Round 4 B3: `add --yes` replacing another secret stored for the same key id keeps the
/// files the entry records (another set's marker names that key id too).
#[test]
fn add_replacing_the_secret_of_the_same_key_id_keeps_the_recorded_file_sets() {
    if !keyring_tools() {
        return;
    }
    let Some(moto) = Moto::start() else { return };
    let (id, secret) = (moto.get("access_key_id"), moto.get("secret_access_key"));
    let sb = sandbox_at(&moto.url, &id, &secret);
    let (a, b) = (
        file_set(&sb, "a", "dev", &id, &secret),
        file_set(&sb, "b", "dev", &id, &secret),
    );
    for dir in [&a, &b] {
        let out = in_set(&sb, dir, &["keyring", "store", "dev", "--yes"], "");
        assert!(out.status.success(), "{}", text(&out).1);
    }
    let file = |dir: &std::path::Path| {
        std::fs::canonicalize(dir.join("credentials"))
            .unwrap()
            .to_string_lossy()
            .into_owned()
    };
    let user = format!("dev ({id})");
    let (_, _, files) = entry_doc(&sb, &user).unwrap();
    assert_eq!(files, [file(&a), file(&b)]);
    // moto does not check signatures: it accepts another secret for the same key id.
    let other: String = secret.chars().rev().collect();
    let out = in_set(
        &sb,
        &b,
        &["keyring", "add", "dev", "--stdin", "--yes"],
        &format!("{id}\n{other}\n"),
    );
    assert!(out.status.success(), "{}", text(&out).1);
    assert!(
        text(&out).0.contains("another secret for the key"),
        "{}",
        text(&out).0
    );
    let (_, held, files) = entry_doc(&sb, &user).unwrap();
    assert_eq!(held, other);
    assert_eq!(files, [file(&a), file(&b)], "A's record was dropped");
    let out = in_set(&sb, &b, &["keyring", "forget", "dev", "--key-id", &id], "");
    assert!(!out.status.success());
    assert!(complaint(&out).contains(&file(&a)), "{}", text(&out).1);
}
