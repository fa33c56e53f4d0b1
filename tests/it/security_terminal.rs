//! The terminal and code sources (docs/security.md, "Codes and prompts"): a prompt can always
//! be answered — also when the shell `exec --server` runs owns the terminal — and a code
//! source that hangs is stopped in time, leaving no lock behind.

use crate::common::{text, Moto, Sandbox, Tmux};
use chrono::{Duration, SecondsFormat, Utc};
use std::time::Instant;

#[test]
fn the_prompt_is_answerable_while_the_shell_under_exec_server_owns_the_terminal() {
    let Some(moto) = Moto::start() else { return };
    let config = format!(
        "[profile dev]\nregion = us-east-1\nmfa_serial = {}\n",
        moto.get("mfa_serial")
    );
    let fresh = (Utc::now() + Duration::hours(2)).to_rfc3339_opts(SecondsFormat::Secs, true);
    let credentials = format!(
        "[dev]\naws_access_key_id = {}\naws_secret_access_key = {}\n\n[dev-mfa]\naws_access_key_id = ASIASERVED\naws_secret_access_key = s\naws_session_token = t\nexpiration = {fresh}\n",
        moto.get("access_key_id"),
        moto.get("secret_access_key")
    );
    let sb = Sandbox::new(&moto.url, &config, &credentials);
    let run = sb.home.path().join("run");
    std::fs::create_dir_all(&run).unwrap();
    let bin = env!("CARGO_BIN_EXE_mfatui");
    let command = format!(
        "env -i PATH='{}' TERM=xterm-256color HOME={home} XDG_RUNTIME_DIR={run} XDG_CONFIG_HOME={home}/.config AWS_ENDPOINT_URL={url} PS1='ready$ ' {bin} exec --server dev -- bash --norc --noprofile -i",
        std::env::var("PATH").unwrap_or_default(),
        home = sb.home.path().display(),
        run = run.display(),
        url = moto.url,
    );
    let Some(tmux) = Tmux::start(&command) else {
        return;
    };
    tmux.wait_for("ready$");
    // The session runs out while the shell owns the terminal; the next AWS call needs a code.
    tmux.send(&[
        &format!("{bin} set dev-mfa expiration 2001-01-01T00:00:00Z --file credentials --yes >/dev/null; aws sts get-caller-identity --query Arn --output text"),
        "Enter",
    ]);
    let screen = tmux.wait_for("MFA code for");
    assert!(!screen.contains("Input/output error"), "{screen}");
    tmux.send(&["123456", "Enter"]);
    let screen = tmux.wait_for(":user/moto");
    assert!(screen.contains("renewed 'dev' into [dev-mfa]"), "{screen}");
    tmux.send(&["echo still-here", "Enter"]);
    tmux.wait_for("still-here");
    assert!(tmux.alive(), "the shell got its terminal back");
}

#[test]
fn an_mfa_process_that_hangs_is_stopped_in_time_and_leaves_no_lock() {
    let sb = Sandbox::new(
        "http://127.0.0.1:9",
        "[profile dev]\nmfa_serial = arn:aws:iam::1:mfa/ana\nmfa_process = sleep 30\n",
        "[dev]\naws_access_key_id = AKIA\naws_secret_access_key = s\n",
    );
    sb.settings("[sessions]\nmfa_process_timeout = \"2s\"\n");
    for _ in 0..2 {
        let started = Instant::now();
        let out = sb.mfatui(&["credential-process", "dev"]);
        let (_, stderr) = text(&out);
        assert!(!out.status.success());
        assert!(
            stderr.contains("mfa_process gave no code within 2 s"),
            "not 'another mfatui is renewing': {stderr}"
        );
        assert!(started.elapsed() < std::time::Duration::from_secs(15));
        let locks: Vec<_> = std::fs::read_dir(sb.aws(".mfatui-backups"))
            .map(|d| d.flatten().map(|e| e.file_name()).collect())
            .unwrap_or_default();
        assert!(
            locks
                .iter()
                .all(|n| !n.to_string_lossy().ends_with(".lock")),
            "{locks:?}"
        );
    }
}

#[test]
fn list_and_status_never_pass_escape_sequences_from_the_files_or_the_environment() {
    let config = "[profile x\u{1b}]0;TITLE\u{7}y]\nregion = eu\u{1b}[2Jwest-1\n\n[profile dev]\nregion = eu-west-1\n\n[profile r\u{202e}gnp]\nregion = eu-west-1\n";
    let sb = Sandbox::new(&crate::common::black_hole(), config, "");
    let hidden = |s: &str| {
        s.chars()
            .any(|c| (c.is_control() && c != '\n') || c == '\u{202e}')
    };
    let out = sb.mfatui(&["list"]);
    let (stdout, stderr) = text(&out);
    assert!(out.status.success(), "{stderr}");
    assert!(stdout.contains("x?]0;TITLE?y"), "{stdout}");
    assert!(stdout.contains("eu?[2Jwest-1"), "{stdout}");
    assert!(
        !hidden(&stdout) && !hidden(&stderr),
        "{stdout:?} {stderr:?}"
    );

    for profile in ["evil\u{1b}]0;pwned\u{7}\u{1b}[31m", "x\u{1b}]0;TITLE\u{7}y"] {
        let out = sb
            .mfatui_command(&["status"])
            .env("AWS_PROFILE", profile)
            .output()
            .unwrap();
        let (stdout, _) = text(&out);
        assert!(out.status.success());
        assert!(!hidden(&stdout), "{stdout:?}");
        assert!(
            stdout.starts_with("evil?]0;pwned??[31m ?") || stdout.starts_with("x?]0;TITLE?y "),
            "{stdout:?}"
        );
    }

    // JSON escapes what a terminal must not get (serde_json alone escapes only C0): the same
    // data for a JSON reader.
    let out = sb.mfatui(&["list", "--json"]);
    let (stdout, _) = text(&out);
    assert!(out.status.success());
    assert!(!hidden(&stdout), "{stdout:?}");
    assert!(stdout.contains("r\\u202egnp"), "{stdout}");
    let rows: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    let names: Vec<&str> = rows
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["name"].as_str().unwrap())
        .collect();
    assert!(names.contains(&"r\u{202e}gnp") && names.contains(&"x\u{1b}]0;TITLE\u{7}y"));

    // An error quoting the files says so in plain text.
    let broken = "[profile e\u{1b}]0;PWNED\u{7}\u{202e}]\nregion = a\nregion = b\n";
    let sb = Sandbox::new(&crate::common::black_hole(), broken, "");
    for args in [
        &["list"][..],
        &["list", "--json"],
        &["credential-process", "dev"],
    ] {
        let out = sb.mfatui(args);
        let (_, stderr) = text(&out);
        assert!(!out.status.success(), "{args:?}");
        assert!(stderr.contains("appears a second time"), "{stderr}");
        assert!(!hidden(&stderr.replace('\n', "")), "{args:?}: {stderr:?}");
    }
}

#[test]
fn the_interface_without_a_terminal_is_one_sentence_naming_the_commands() {
    let sb = Sandbox::new(
        "http://127.0.0.1:9",
        "[profile dev]\nregion = eu-west-1\n",
        "",
    );
    let mut cmd = sb.mfatui_command(&[]);
    cmd.stdin(std::process::Stdio::null());
    let out = cmd.output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    assert!(
        stderr.contains("the interface needs a terminal")
            && stderr.contains("`mfatui list`")
            && stderr.contains("credential-process")
            && !stderr.contains("os error")
            && stderr.trim().lines().count() == 1,
        "{stderr}"
    );
}

#[test]
fn diffs_and_progress_lines_never_pass_escape_sequences_from_the_files() {
    // A title (OSC), a screen clear and a colour (CSI), a bell, a bidi override and a
    // zero-width space: in comments, a section name, a `source_profile` and a value.
    let source = "d\u{202e}ev\u{200b}\u{1b}]0;T\u{7}";
    let comment = "# team notes \u{1b}]0;PWNED\u{7}\u{1b}[2J\u{1b}[1A";
    let config = format!(
        "{comment}\n[profile x]\nregion = us-east-1\u{1b}[31m\n\n[profile admin]\nrole_arn = arn:aws:iam::123456789012:role/Admin\nsource_profile = {source}\nmfa_serial = arn:aws:iam::123456789012:mfa/ana\u{1b}[8m\nregion = us-east-1\n"
    );
    let credentials = format!(
        "{comment}\n[{source}]\naws_access_key_id = AKIAIOSFODNN7EXAMPLE\naws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY\n"
    );
    let sb = Sandbox::new(&crate::common::black_hole(), &config, &credentials);
    let hidden = |s: &str| {
        s.chars()
            .any(|c| (c.is_control() && c != '\n') || matches!(c, '\u{202e}' | '\u{200b}'))
    };
    let runs: [(&[&str], &[&str]); 3] = [
        (
            &["set", "x", "region", "eu-west-1", "--dry-run"],
            &[
                " # team notes ?]0;PWNED??[2J?[1A",
                "-region = us-east-1?[31m",
            ],
        ),
        (
            &["renew", "admin", "--dry-run"],
            &[
                "AssumeRole admin with the keys of 'd?ev??]0;T?'",
                " [d?ev??]0;T?]",
            ],
        ),
        (
            &["rotate", source, "--dry-run"],
            &[
                "the IAM user of 'd?ev??]0;T?'",
                " # team notes ?]0;PWNED??[2J?[1A",
            ],
        ),
    ];
    for (args, shown) in runs {
        let out = sb.mfatui(args);
        let (stdout, stderr) = text(&out);
        assert!(out.status.success(), "{args:?}: {stderr}");
        assert!(stdout.contains("Dry run"), "{args:?}: {stdout}");
        for line in shown {
            assert!(stdout.contains(line), "{args:?}: {line:?} in {stdout}");
        }
        assert!(
            !hidden(&stdout) && !hidden(&stderr),
            "{args:?}: {stdout:?} {stderr:?}"
        );
        assert!(
            !stdout.contains("wJalrXUtnFEMI"),
            "the diff still masks the secret"
        );
    }
}
