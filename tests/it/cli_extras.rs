//! Ecosystem polish: completions, man page, --version, the -v log, --demo's isolation, and
//! the small things a first session meets: backups by name, `set` where botocore reads it,
//! counts and durations that read as sentences.

use crate::common::{botocore_profiles, private_env, run_with_stdin, text, Moto, Sandbox};
use std::path::Path;
use std::process::{Command, Output};

fn mfatui(home: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_mfatui"))
        .args(args)
        .env_clear()
        .envs(private_env(home))
        .output()
        .unwrap()
}

#[test]
fn completions_and_man_page_come_from_the_clap_definition() {
    let home = tempfile::tempdir().unwrap();
    for (shell, marker) in [
        ("bash", "_mfatui()"),
        ("zsh", "#compdef mfatui"),
        ("fish", "complete -c mfatui"),
        ("powershell", "Register-ArgumentCompleter"),
    ] {
        let out = mfatui(home.path(), &["completions", shell]);
        let text = String::from_utf8(out.stdout).unwrap();
        assert!(out.status.success() && text.contains(marker), "{shell}");
        assert!(
            text.contains("renew") && text.contains("export"),
            "{shell} completes subcommands"
        );
    }
    let man = String::from_utf8(mfatui(home.path(), &["man"]).stdout).unwrap();
    assert!(
        man.contains(".TH mfatui 1") && man.contains("renew"),
        "{man}"
    );
    let version = String::from_utf8(mfatui(home.path(), &["--version"]).stdout).unwrap();
    assert_eq!(
        version.trim(),
        format!("mfatui {}", env!("CARGO_PKG_VERSION"))
    );
}

#[test]
fn verbose_log_records_what_happened_but_no_secret() {
    let home = tempfile::tempdir().unwrap();
    // The demo logs in its own folder unless a file is named.
    let log_path = home.path().join("logs/mfatui.log");
    let out = mfatui(
        home.path(),
        &[
            "--demo",
            "-v",
            "--log-file",
            log_path.to_str().unwrap(),
            "renew",
            "acme-dev",
            "--code",
            "123456",
            "--yes",
        ],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let log = std::fs::read_to_string(&log_path).unwrap();
    assert!(log.contains(" started: renew\n"), "{log}");
    assert!(
        !log.contains("started: Some("),
        "the command's name, not its Debug: {log}"
    );
    assert!(
        log.contains("renew acme-dev (session mode, source acme-dev"),
        "{log}"
    );
    assert!(
        log.contains(": ok in ") && log.contains("wrote ") && log.contains("finished"),
        "{log}"
    );
    for secret in [
        "demo/long-term/secret",
        "demo-fake-secret",
        "DEMO-FAKE-SESSION-TOKEN",
        "AKIADEMO",
    ] {
        assert!(!log.contains(secret), "{secret} in log");
    }
    use std::os::unix::fs::PermissionsExt;
    assert_eq!(
        std::fs::metadata(&log_path).unwrap().permissions().mode() & 0o777,
        0o600
    );
}

#[test]
fn demo_never_touches_the_real_aws_folder_and_behaves_like_sts() {
    let home = tempfile::tempdir().unwrap();
    let ok = mfatui(home.path(), &["--demo", "renew", "acme-admin", "--yes"]);
    let stdout = String::from_utf8_lossy(&ok.stdout);
    assert!(
        ok.status.success() && stdout.contains("with the MFA session of 'acme-dev-mfa'"),
        "{stdout}"
    );
    let wrong = mfatui(
        home.path(),
        &["--demo", "renew", "acme-dev", "--code", "654321", "--yes"],
    );
    assert!(String::from_utf8_lossy(&wrong.stderr).contains("The MFA code was rejected"));
    let denied = mfatui(home.path(), &["--demo", "renew", "forbidden", "--yes"]);
    assert!(String::from_utf8_lossy(&denied.stderr).contains("check the role's trust policy"));
    assert!(!home.path().join(".aws").exists(), "~/.aws untouched");
}

#[test]
fn the_man_page_is_one_page_that_holds_every_command() {
    let home = tempfile::tempdir().unwrap();
    let man = String::from_utf8(mfatui(home.path(), &["man"]).stdout).unwrap();
    assert!(
        !man.contains("mfatui\\-renew(1)") && !man.contains("(1)\n"),
        "no pointer to a page nothing installs: {man}"
    );
    assert!(man.contains(".SH COMMANDS"), "{man}");
    let help = String::from_utf8(mfatui(home.path(), &["--help"]).stdout).unwrap();
    let commands: Vec<&str> = help
        .lines()
        .skip_while(|l| !l.starts_with("Commands:"))
        .skip(1)
        .take_while(|l| l.starts_with("  "))
        .filter_map(|l| l.split_whitespace().next())
        .filter(|c| *c != "help")
        .collect();
    assert!(commands.len() >= 14, "{commands:?}");
    for command in commands {
        let heading = format!(".SS \"mfatui {command}\"");
        assert!(man.contains(&heading), "{heading} missing");
    }
    for option in [
        "\\-\\-all\\-expiring",
        "\\-\\-code\\-stdin",
        "\\-\\-keep\\-old",
    ] {
        assert!(man.contains(option), "{option} missing from the man page");
    }
}

#[test]
fn help_texts_point_where_the_docs_and_the_readme_do() {
    let home = tempfile::tempdir().unwrap();
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let list = String::from_utf8(mfatui(home.path(), &["list", "--help"]).stdout).unwrap();
    assert!(list.contains("documented in docs/reading.md"), "{list}");
    let reading = std::fs::read_to_string(root.join("docs/reading.md")).unwrap();
    assert!(reading.contains("## `mfatui list --json`"));
    let readme = std::fs::read_to_string(root.join("README.md")).unwrap();
    let from_readme = readme
        .split("mfatui completions bash > ")
        .nth(1)
        .and_then(|rest| rest.split('`').next())
        .expect("the README shows where bash completions go");
    let help = String::from_utf8(mfatui(home.path(), &["--help"]).stdout).unwrap();
    assert!(
        help.contains(&format!("mfatui completions bash > {from_readme}")),
        "--help and the README name the same path ({from_readme}): {help}"
    );
}

#[test]
fn restore_takes_a_backups_bare_name_and_writes_only_the_files_of_the_run() {
    let sb = Sandbox::new(
        "http://127.0.0.1:9",
        "[profile dev]\nregion = eu-west-1\n",
        "",
    );
    let out = sb.mfatui_env(&["set", "dev", "region", "us-east-1", "--yes"], &[]);
    assert!(out.status.success(), "{:?}", text(&out));
    let (listed, _) = text(&sb.mfatui_env(&["backups"], &[]));
    let bare = listed
        .split_whitespace()
        .last()
        .and_then(|p| Path::new(p).file_name())
        .unwrap()
        .to_str()
        .unwrap()
        .to_owned();
    assert!(
        bare.starts_with("config.") && bare.ends_with(".bak"),
        "{listed}"
    );
    // From another folder, by the name `backups` prints last: it is found, not "not a backup".
    let mut cmd = sb.mfatui_command(&["restore", &bare, "--yes"]);
    cmd.current_dir(sb.home.path().join("tmp"));
    let out = cmd.output().unwrap();
    assert!(out.status.success(), "{:?}", text(&out));
    assert_eq!(
        std::fs::read_to_string(sb.aws("config")).unwrap(),
        "[profile dev]\nregion = eu-west-1\n"
    );
    // The demo uses its own files: a backup of the real ones is refused, never restored.
    let real = std::fs::read_to_string(sb.aws("config")).unwrap();
    let backup = sb.aws(".mfatui-backups").join(&bare);
    let out = sb.mfatui_env(
        &["--demo", "restore", backup.to_str().unwrap(), "--yes"],
        &[],
    );
    let (_, err) = text(&out);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        err.contains("which this run does not use") && err.contains("nothing was restored"),
        "{err}"
    );
    assert_eq!(std::fs::read_to_string(sb.aws("config")).unwrap(), real);
}

#[test]
fn set_writes_a_key_where_botocore_reads_it() {
    let sb = Sandbox::new(
        "http://127.0.0.1:9",
        "[profile dev]\nregion = eu-west-1\n",
        "[dev]\nregion = ap-south-1\n",
    );
    let judge = || botocore_profiles(&sb.aws(""));
    // The credentials file sets region for dev and wins: the new value goes there.
    let out = sb.mfatui_env(&["set", "dev", "region", "us-east-2", "--yes"], &[]);
    let (said, _) = text(&out);
    assert!(out.status.success());
    assert!(
        said.contains("The credentials file already sets region for 'dev'"),
        "{said}"
    );
    assert_eq!(judge()["dev"]["region"], "us-east-2");
    // Asked for the config file anyway: written there, and said to be overridden, and where.
    let out = sb.mfatui_env(
        &[
            "set",
            "dev",
            "region",
            "eu-north-1",
            "--file",
            "config",
            "--yes",
        ],
        &[],
    );
    let (_, note) = text(&out);
    assert!(out.status.success());
    assert!(
        note.contains(
            "does not take effect for 'dev': [dev] in the credentials file sets region too"
        ),
        "{note}"
    );
    assert!(std::fs::read_to_string(sb.aws("config"))
        .unwrap()
        .contains("region = eu-north-1"));
    assert_eq!(judge()["dev"]["region"], "us-east-2", "what the note said");
    // A name with spaces gets a header botocore reads back; a key nothing overrides stays in
    // the config file, silently.
    let out = sb.mfatui_env(&["set", "my team", "region", "us-west-2", "--yes"], &[]);
    let (said, note) = text(&out);
    assert!(out.status.success() && note.is_empty(), "{note}");
    assert!(said.contains("+[profile \"my team\"]"), "{said}");
    assert_eq!(judge()["my team"]["region"], "us-west-2");
    let out = sb.mfatui_env(&["set", "dev", "output", "json", "--yes"], &[]);
    assert!(out.status.success());
    assert!(std::fs::read_to_string(sb.aws("config"))
        .unwrap()
        .contains("output = json"));
    assert_eq!(judge()["dev"]["output"], "json");
}

#[test]
fn discover_and_renewals_for_a_name_with_spaces_write_what_botocore_reads() {
    let Some(moto) = Moto::start() else { return };
    let sb = Sandbox::new(
        &moto.url,
        "",
        &format!(
            "[my team]\naws_access_key_id = {}\naws_secret_access_key = {}\nregion = us-east-1\n",
            moto.get("access_key_id"),
            moto.get("secret_access_key")
        ),
    );
    let out = sb.mfatui_env(&["discover", "my team", "--yes"], &[]);
    assert!(out.status.success(), "{:?}", text(&out));
    let config = std::fs::read_to_string(sb.aws("config")).unwrap();
    assert!(config.contains("[profile \"my team\"]"), "{config}");
    let profiles = botocore_profiles(&sb.aws(""));
    assert_eq!(profiles["my team"]["mfa_serial"], moto.get("mfa_serial"));
    let out = sb.mfatui_env(&["renew", "my team", "--code", "123456", "--yes"], &[]);
    assert!(out.status.success(), "{:?}", text(&out));
    let profiles = botocore_profiles(&sb.aws(""));
    let session = &profiles["my team-mfa"];
    assert!(
        session["aws_session_token"].is_string() && session["aws_access_key_id"].is_string(),
        "{profiles}"
    );
    // The AWS CLI signs with the session (moto answers every session as `user/moto`).
    sb.caller_arn("my team-mfa");
}

#[test]
fn counts_and_durations_read_as_sentences() {
    let home = tempfile::tempdir().unwrap();
    let out = mfatui(
        home.path(),
        &["--demo", "renew", "acme-dev", "--code", "123456", "--yes"],
    );
    let (said, _) = text(&out);
    assert!(
        said.contains("valid until ")
            && (said.contains(" (for 11h59m).") || said.contains(" (for 12h).")),
        "{said}"
    );
    assert!(!said.contains("until in"), "{said}");
    let out = mfatui(
        home.path(),
        &["--demo", "renew", "acme-admin", "acme-readonly", "--yes"],
    );
    let (said, _) = text(&out);
    assert!(
        said.starts_with(
            "Renewing 2 profiles (no MFA code needed: a fresh MFA session is reused):"
        ),
        "{said}"
    );
    assert!(
        !said.contains("profile(s)") && !said.contains("with one MFA code"),
        "{said}"
    );
    // One expiring role, and its MFA session to make first: one profile, one code.
    let sb = Sandbox::new(
        "http://127.0.0.1:9",
        "[profile dev]\nmfa_serial = arn:aws:iam::123456789012:mfa/ana\n[profile admin]\nrole_arn = arn:aws:iam::123456789012:role/Admin\nsource_profile = dev\nmfa_serial = arn:aws:iam::123456789012:mfa/ana\n",
        "[dev]\naws_access_key_id = AKIAEXAMPLEEXAMPLE00\naws_secret_access_key = example\n",
    );
    let out = sb.mfatui_env(&["renew", "--all-expiring", "--dry-run"], &[]);
    let (said, _) = text(&out);
    assert!(out.status.success(), "{said}");
    assert!(
        said.starts_with("Renewing 1 profile with one MFA code:"),
        "{said}"
    );
}

#[test]
fn set_refuses_a_secret_on_the_command_line_and_takes_it_on_standard_input() {
    let creds =
        "[dev]\naws_access_key_id = AKIAOLDOLDOLDOLD0000\naws_secret_access_key = old-secret-old\n";
    let sb = Sandbox::new(
        "http://127.0.0.1:9",
        "[profile dev]\nregion = eu-west-1\n",
        creds,
    );
    let secret = "NEWsecretNEWsecretNEWsecretNEWsecret0000";
    for key in [
        "aws_secret_access_key",
        "aws_session_token",
        "AWS_Session_Token",
    ] {
        let out = sb.mfatui_env(&["set", "dev", key, secret, "--yes"], &[]);
        let (stdout, stderr) = text(&out);
        assert!(!out.status.success(), "{key}: {stdout}{stderr}");
        assert!(
            stderr.contains("on the command line, where every local user can read it")
                && stderr.contains("--value-stdin")
                && stderr.contains("mfatui keyring add dev --stdin")
                && stderr.trim().lines().count() == 1,
            "{key}: {stderr}"
        );
        assert!(!stdout.contains(secret) && !stderr.contains(secret));
        assert_eq!(
            std::fs::read_to_string(sb.aws("credentials")).unwrap(),
            creds
        );
    }
    // From a pipe the confirmation cannot be asked: refused before anything is read.
    let mut cmd = sb.mfatui_command(&["set", "dev", "aws_secret_access_key", "--value-stdin"]);
    let out = run_with_stdin(&mut cmd, &format!("{secret}\n"));
    assert!(!out.status.success());
    assert!(text(&out).1.contains("pass --yes"), "{:?}", text(&out));
    assert_eq!(
        std::fs::read_to_string(sb.aws("credentials")).unwrap(),
        creds
    );
    // On standard input it is written, and shown nowhere.
    let mut cmd = sb.mfatui_command(&[
        "set",
        "dev",
        "aws_secret_access_key",
        "--value-stdin",
        "--yes",
    ]);
    let out = run_with_stdin(&mut cmd, &format!("{secret}\n"));
    let (stdout, stderr) = text(&out);
    assert!(out.status.success(), "{stdout}{stderr}");
    assert!(
        !stdout.contains(secret) && !stderr.contains(secret),
        "{stdout}{stderr}"
    );
    assert_eq!(
        std::fs::read_to_string(sb.aws("credentials")).unwrap(),
        format!(
            "[dev]\naws_access_key_id = AKIAOLDOLDOLDOLD0000\naws_secret_access_key = {secret}\n"
        )
    );
    // Other keys still take their value on the command line.
    let out = sb.mfatui_env(&["set", "dev", "region", "us-east-2", "--yes"], &[]);
    assert!(out.status.success(), "{:?}", text(&out));
}

/// A first session's sentences: an unknown profile is said before a missing browser, and the
/// note of an empty setup reads as one line (no line break shown as `?`).
#[test]
fn the_first_thing_wrong_is_said_first_and_reads_as_a_sentence() {
    let sb = Sandbox::new(
        "http://127.0.0.1:9",
        "[profile dev]\nregion = eu-west-1\n",
        "",
    );
    // No --print, no browser setting, no $BROWSER, no desktop.
    let out = sb.mfatui(&["console", "nope"]);
    let (_, stderr) = text(&out);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        stderr.trim(),
        "mfatui: there is no profile named 'nope' in the AWS config or credentials file"
    );
    let home = tempfile::tempdir().unwrap();
    let out = mfatui(home.path(), &["use"]);
    let (_, stderr) = text(&out);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr.contains("(does not exist). To start, add one"),
        "{stderr}"
    );
    assert!(!stderr.contains('?'), "{stderr}");
}

/// `--profile NAME`, the AWS CLI's and aws-vault's habit, gets one sentence saying where the
/// profile goes (clap's own tip named `--log-file`); every other unknown option keeps clap's
/// message. Nothing runs.
#[test]
fn a_profile_option_says_the_profile_is_the_word_after_the_command() {
    let home = tempfile::tempdir().unwrap();
    let ran = home.path().join("ran");
    let ran = ran.to_str().unwrap();
    for args in [
        &["exec", "--profile", "dev", "--", "touch", ran][..],
        &["exec", "--server", "--profile=dev", "--", "touch", ran],
        &["renew", "--profile", "dev"],
        &["status", "--profile", "dev"],
    ] {
        let out = mfatui(home.path(), args);
        let (stdout, stderr) = text(&out);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {stderr}");
        assert_eq!(
            stderr.trim_end(),
            mfatui::cli::args::PROFILE_IS_A_WORD,
            "{args:?}"
        );
        assert!(stdout.is_empty(), "{args:?}: {stdout}");
        assert!(!Path::new(ran).exists(), "{args:?}: nothing runs");
    }
    let out = mfatui(home.path(), &["exec", "--profiles", "dev", "--", "true"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out).1.contains("unexpected argument '--profiles'"));
}
