//! `mfatui status`: the prompt segment, as a shell runs it on every Enter.

use crate::common::{text, Sandbox};
use chrono::{Duration, SecondsFormat, Utc};

fn in_secs(s: i64) -> String {
    (Utc::now() + Duration::seconds(s)).to_rfc3339_opts(SecondsFormat::Secs, true)
}

fn sandbox() -> Sandbox {
    let config = "[profile dev]\nregion = eu-west-1\nmfa_serial = arn:aws:iam::1:mfa/ana\n\n[profile sso]\nsso_session = corp\nsso_account_id = 1\nsso_role_name = R\n\n[sso-session corp]\nsso_start_url = https://x\nsso_region = eu-west-1\n";
    let credentials = format!(
        "[dev]\naws_access_key_id = AKIALONGLONGLONG0000\naws_secret_access_key = long-secret\n\n\
         [dev-mfa]\naws_access_key_id = ASIASESSIONSESSION00\naws_secret_access_key = session-secret\naws_session_token = session-token\nexpiration = {}\n\n\
         [old]\naws_access_key_id = ASIAOLDOLDOLDOLD0000\naws_secret_access_key = old-secret\naws_session_token = old-token\nexpiration = {}\n",
        in_secs(42 * 60 + 30),
        in_secs(-600)
    );
    Sandbox::new("http://127.0.0.1:9", config, &credentials)
}

fn status(sb: &Sandbox, args: &[&str], env: &[(&str, &str)]) -> String {
    let mut all = vec!["status"];
    all.extend_from_slice(args);
    let out = sb.mfatui_env(&all, env);
    let (stdout, stderr) = text(&out);
    assert!(out.status.success(), "always exit 0: {stderr}");
    for secret in [
        "long-secret",
        "session-secret",
        "session-token",
        "old-secret",
    ] {
        assert!(!stdout.contains(secret) && !stderr.contains(secret));
    }
    stdout
}

#[test]
fn the_selected_profile_and_the_time_its_session_has_left() {
    let sb = sandbox();
    assert_eq!(
        status(&sb, &[], &[]),
        "",
        "nothing selected: nothing printed"
    );
    assert_eq!(
        status(&sb, &[], &[("AWS_PROFILE", "dev")]),
        "dev 42m\n",
        "dev-mfa's session counts for dev"
    );
    assert_eq!(
        status(&sb, &["old"], &[("AWS_PROFILE", "dev")]),
        "old expired\n",
        "the one named wins"
    );
    assert_eq!(status(&sb, &["sso"], &[]), "sso not signed in\n");
    assert_eq!(status(&sb, &["ghost"], &[]), "ghost ?\n");
    assert_eq!(
        status(
            &sb,
            &[
                "dev",
                "--format",
                "[{profile}|{kind}|{region}|{account}] {left} {x}"
            ],
            &[]
        ),
        "[dev|long-term|eu-west-1|1] 42m {x}\n"
    );
}

#[test]
fn colours_follow_the_shell_and_no_color() {
    // 42 minutes: under thresholds.warn (1h), so yellow.
    let sb = sandbox();
    assert_eq!(
        status(&sb, &["dev", "--colour", "ansi"], &[]),
        "dev \u{1b}[33m42m\u{1b}[0m\n"
    );
    assert_eq!(
        status(&sb, &["dev", "--colour", "bash"], &[]),
        "dev \u{1}\u{1b}[33m\u{2}42m\u{1}\u{1b}[0m\u{2}\n"
    );
    assert_eq!(
        status(&sb, &["dev", "--colour", "ansi"], &[("NO_COLOR", "1")]),
        "dev 42m\n"
    );
    // zsh expands `%` sequences in PROMPT: a name's own `%` stays a `%`.
    assert_eq!(
        status(&sb, &["%F{red}%(x.a.b)", "--colour", "zsh"], &[]),
        "%%F{red}%%(x.a.b) ?\n"
    );
    assert_eq!(
        status(
            &sb,
            &["dev", "--colour", "zsh", "--format", "{profile}%# {left}"],
            &[]
        ),
        "dev%# %{\u{1b}[33m%}42m%{\u{1b}[0m%}\n"
    );
}

#[test]
fn unreadable_files_still_give_a_line_and_exit_0() {
    let sb = sandbox();
    std::fs::write(sb.aws("config"), "[profile dev\nregion = x\n").unwrap();
    assert_eq!(status(&sb, &["dev"], &[]), "dev !\n");
}

#[test]
fn one_program_answers_the_prompt_and_everything_else_alone() {
    let sb = sandbox();
    let bin = sb.home.path().join("bin");
    std::fs::create_dir_all(&bin).unwrap();
    // The program alone in its folder: nothing beside it to start.
    std::fs::copy(env!("CARGO_BIN_EXE_mfatui"), bin.join("mfatui")).unwrap();
    // The sandbox's environment, with the copied program.
    let run = |args: &[&str]| {
        let sandboxed = sb.mfatui_command(args);
        std::process::Command::new(bin.join("mfatui"))
            .args(args)
            .env_clear()
            .envs(sandboxed.get_envs().filter_map(|(k, v)| Some((k, v?))))
            .env("AWS_PROFILE", "dev")
            .stdin(std::process::Stdio::null())
            .output()
            .unwrap()
    };
    let out = run(&["status"]);
    assert_eq!(text(&out).0, "dev 42m\n", "{}", text(&out).1);
    // The same answer through clap (`--` is not taken by the early answers).
    let out = run(&["status", "--", "dev"]);
    assert_eq!(text(&out).0, "dev 42m\n", "{}", text(&out).1);
    let out = run(&["list"]);
    assert!(out.status.success() && text(&out).0.contains("dev-mfa"));
    let out = run(&["--version"]);
    assert!(out.status.success(), "{}", text(&out).1);
    assert!(text(&out).0.starts_with("mfatui "));
    assert_eq!(std::fs::read_dir(&bin).unwrap().count(), 1);
}
