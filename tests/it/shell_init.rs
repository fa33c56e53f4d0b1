//! `eval "$(mfatui shell-init SHELL)"` and its function `mfa`, run for real in bash (and zsh
//! and fish where installed): renewals against moto judged by the AWS CLI and boto3,
//! AWS_PROFILE set to the profile the SDKs read and never a secret in the environment,
//! failures that leave AWS_PROFILE alone, names that are assigned and completed but never
//! evaluated, the picker and the code prompt on a real terminal (tmux), the prompt segment
//! following at once.

use crate::common::{black_hole, isolate, shell_line, text, Moto, Sandbox, Tmux};
use chrono::{Duration, SecondsFormat, Utc};
use std::process::{Command, Output, Stdio};

const MFATUI: &str = env!("CARGO_BIN_EXE_mfatui");

fn in_hours(h: i64) -> String {
    (Utc::now() + Duration::hours(h)).to_rfc3339_opts(SecondsFormat::Secs, true)
}

/// A name no shell may evaluate: a quote, a command substitution, spaces.
const ODD: &str = r#"it's "$(touch pwned)" x"#;

/// `dev` (long-term keys, a device) whose `[dev-mfa]` session expires at `expires`, and the
/// odd profile holding a session of its own that expires in two hours.
fn files(expires: &str) -> (String, String) {
    let fresh = in_hours(2);
    (
        format!(
            "[profile dev]\nregion = eu-central-1\nmfa_serial = arn:aws:iam::123456789012:mfa/ana\n\n\
             [profile {ODD}]\nregion = us-east-1\n"
        ),
        format!(
            "[dev]\naws_access_key_id = AKIALONGLONGLONG0000\naws_secret_access_key = long-secret\n\n\
             [dev-mfa]\naws_access_key_id = ASIAFRESHFRESH001234\naws_secret_access_key = fresh-secret\naws_session_token = fresh-token\nexpiration = {expires}\n\n\
             [{ODD}]\naws_access_key_id = ASIAODDODDODD0001234\naws_secret_access_key = odd-secret\naws_session_token = odd-token\nexpiration = {fresh}\n"
        ),
    )
}

/// `shell -c script` in the sandbox's environment, with no controlling terminal (setsid: no
/// prompt can wait for a person), `$MFATUI` naming the program, the sandbox's HOME as the
/// working folder.
fn shell(sb: &Sandbox, shell: &str, script: &str, extra: &[(&str, &str)]) -> Output {
    let mut cmd = Command::new("setsid");
    cmd.args(["-w", shell, "-c", script]);
    isolate(&mut cmd, sb.home.path());
    cmd.env("AWS_ENDPOINT_URL", &sb.endpoint)
        .env("MFATUI_CALL_TIMEOUT", "20")
        .env("MFATUI", MFATUI)
        .envs(extra.iter().copied())
        .current_dir(sb.home.path())
        .stdin(Stdio::null());
    cmd.output().unwrap()
}

/// Whether `program` runs here; loudly not (or a failure in CI, whose setup installs it).
fn installed(program: &str) -> bool {
    let found = Command::new(program)
        .args(["-c", "exit 0"])
        .status()
        .is_ok_and(|s| s.success());
    if !found {
        assert!(
            std::env::var("CI").is_err(),
            "CI must have {program} (.ci/setup installs it)"
        );
        eprintln!("\n!!! SKIPPING: {program} is not installed\n");
    }
    found
}

#[test]
fn mfa_renews_against_moto_and_the_aws_cli_uses_the_switch() {
    let Some(moto) = Moto::start() else { return };
    let serial = moto.get("mfa_serial");
    let config = format!(
        "[profile dev]\nregion = eu-west-1\nmfa_serial = {serial}\n\n\
         [profile admin]\nrole_arn = {}\nsource_profile = dev\nmfa_serial = {serial}\nregion = eu-west-1\n",
        moto.role("Admin")
    );
    let credentials = format!(
        "[dev]\naws_access_key_id = {}\naws_secret_access_key = {}\n",
        moto.get("access_key_id"),
        moto.get("secret_access_key")
    );
    let sb = Sandbox::new(&moto.url, &config, &credentials);
    let script = r#"
        eval "$("$MFATUI" shell-init bash)"
        mfa dev --code 123456 || exit 10
        echo "profile=$AWS_PROFILE"
        echo "status=$("$MFATUI" status)"
        env | grep -E '^AWS_(ACCESS|SECRET|SESSION|SECURITY|DEFAULT_PROFILE|WEB_IDENTITY|ROLE_ARN)' && exit 11
        aws sts get-caller-identity --query Arn --output text || exit 12
        mfa admin --code 654321 || exit 13
        echo "profile=$AWS_PROFILE"
        aws sts get-caller-identity --query Arn --output text || exit 14
        python3 -c 'import boto3; print(boto3.client("sts").get_caller_identity()["Arn"])' || exit 15
        mfa --unset
        echo "unset=${AWS_PROFILE-none} status=[$("$MFATUI" status)]"
    "#;
    // A pair exported earlier (`mfatui export`) would win over AWS_PROFILE: mfa clears it.
    let token = sb.home.path().join("web-identity-token");
    std::fs::write(&token, "a-ci-runners-oidc-token").unwrap();
    let out = shell(
        &sb,
        "bash",
        script,
        &[
            ("AWS_ACCESS_KEY_ID", "AKIAOLDOLDOLDOLD0000"),
            ("AWS_SECRET_ACCESS_KEY", "old-secret"),
            ("AWS_DEFAULT_PROFILE", "elsewhere"),
            // A CI runner's web identity: botocore asks it before the shared files (round 10).
            ("AWS_WEB_IDENTITY_TOKEN_FILE", token.to_str().unwrap()),
            ("AWS_ROLE_ARN", &moto.role("Admin")),
        ],
    );
    let (stdout, stderr) = text(&out);
    assert!(out.status.success(), "{stdout}\n{stderr}");
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(lines[0], "profile=dev-mfa", "{stdout}");
    assert!(lines[1].starts_with("status=dev-mfa 11h5"), "{stdout}");
    // moto answers the session's key (GetSessionToken's documentation key) as `user/moto`,
    // ana's long-term key as `user/ana`: the AWS CLI used the session.
    assert_eq!(
        lines[2], "arn:aws:sts::123456789012:user/moto",
        "the AWS CLI reads the session through AWS_PROFILE: {stdout}"
    );
    assert_eq!(lines[3], "profile=admin-mfa", "{stdout}");
    assert!(
        lines[4].starts_with("arn:aws:sts::123456789012:assumed-role/Admin/"),
        "{stdout}"
    );
    assert_eq!(lines[5], lines[4], "boto3 reads the same session: {stdout}");
    assert_eq!(lines[6], "unset=none status=[]", "{stdout}");
    assert!(
        stderr.contains("mfatui: renewed 'dev' into [dev-mfa] until ")
            && stderr.contains(" UTC (in ")
            && !stderr.contains("until in")
            && stderr.contains("mfatui: AWS_PROFILE=dev-mfa, the session of dev (11h5")
            && stderr.contains(
                "mfa: cleared AWS_DEFAULT_PROFILE AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY AWS_WEB_IDENTITY_TOKEN_FILE AWS_ROLE_ARN (they would win over AWS_PROFILE)"
            ),
        "{stderr}"
    );
    assert!(!stderr.contains(&moto.get("secret_access_key")), "{stderr}");
    // Renewed once each, written with a backup like `renew --yes`.
    assert!(sb.credentials().contains("[admin-mfa]"));
    assert_eq!(sb.backups().len(), 2);

    // A role whose sessions go only to the AWS CLI's cache: the role's own name, which the
    // AWS CLI reads the cache under (no prompt: stdin is closed and there is no terminal).
    let sb = Sandbox::new(&moto.url, &config, &credentials);
    sb.settings("[roles]\nwrite_profile = false\n");
    let script = r#"
        eval "$("$MFATUI" shell-init bash)"
        mfa admin --code 123456 || exit 10
        echo "profile=$AWS_PROFILE"
        aws sts get-caller-identity --query Arn --output text || exit 11
    "#;
    let out = shell(&sb, "bash", script, &[]);
    let (stdout, stderr) = text(&out);
    assert!(out.status.success(), "{stdout}\n{stderr}");
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(lines[0], "profile=admin", "{stdout}");
    assert!(
        lines[1].starts_with("arn:aws:sts::123456789012:assumed-role/Admin/"),
        "{stdout}"
    );
    assert!(!sb.credentials().contains("[admin-mfa]"));
}

#[test]
fn a_failed_renewal_leaves_aws_profile_as_it_was() {
    let (config, credentials) = files("2026-01-01T00:00:00Z");
    // No call may be made: nothing to answer one.
    let sb = Sandbox::new(&black_hole(), &config, &credentials);
    let script = r#"
        eval "$("$MFATUI" shell-init bash)"
        mfa dev; echo "rc=$? profile=$AWS_PROFILE"
        mfa dev --code 12; echo "rc=$? profile=$AWS_PROFILE"
        mfa nope; echo "rc=$? profile=$AWS_PROFILE"
        mfa --help >/dev/null; echo "rc=$? profile=$AWS_PROFILE"
    "#;
    let out = shell(&sb, "bash", script, &[("AWS_PROFILE", "before")]);
    let (stdout, stderr) = text(&out);
    assert_eq!(
        stdout,
        "rc=1 profile=before\nrc=1 profile=before\nrc=1 profile=before\nrc=0 profile=before\n",
        "{stderr}"
    );
    let lines: Vec<&str> = stderr.lines().collect();
    assert_eq!(lines.len(), 3, "one sentence per failure: {stderr}");
    assert!(
        lines[0].starts_with("mfatui: an MFA code is needed to renew 'dev'")
            && lines[0].ends_with("or pass --code 123456"),
        "{stderr}"
    );
    assert_eq!(
        lines[1],
        "mfatui: the MFA code must be exactly 6 digits, not 2"
    );
    assert_eq!(
        lines[2],
        "mfatui: there is no profile named 'nope' in the AWS config or credentials file"
    );
    assert_eq!(sb.credentials(), credentials, "nothing written");
}

#[test]
fn profiles_the_sdks_serve_themselves_switch_without_a_renewal() {
    let config = "[profile cp]\ncredential_process = /bin/false\n\n\
                  [profile corp]\nsso_start_url = https://example.awsapps.com/start\nsso_region = us-east-1\n\
                  sso_account_id = 111122223333\nsso_role_name = Dev\n";
    // No call may be made.
    let sb = Sandbox::new(&black_hole(), config, "");
    let script = r#"
        eval "$("$MFATUI" shell-init bash)"
        mfa cp; echo "rc=$? profile=$AWS_PROFILE"
        mfa corp; echo "rc=$? profile=$AWS_PROFILE"
    "#;
    let out = shell(&sb, "bash", script, &[]);
    let (stdout, stderr) = text(&out);
    assert_eq!(stdout, "rc=0 profile=cp\nrc=1 profile=cp\n", "{stderr}");
    assert_eq!(
        stderr,
        "mfatui: AWS_PROFILE=cp\n\
         mfatui: 'corp' is an SSO profile that is not signed in: run `mfatui renew corp` first\n"
    );
}

/// The bash checks of an odd name: switched to exactly, shown by the prompt segment, and
/// completed as a word that the shell reads back as the name.
const ODD_BASH: &str = r#"
    eval "$("$MFATUI" shell-init bash)"
    mfa "$ODD" || exit 10
    [ "$AWS_PROFILE" = "$ODD" ] || exit 11
    echo "status=$("$MFATUI" status)"
    COMP_WORDS=(mfa it); COMP_CWORD=1; _mfatui_mfa
    [ "${#COMPREPLY[@]}" = 1 ] || exit 12
    echo "completed=${COMPREPLY[0]}"
    eval "set -- ${COMPREPLY[0]}"
    [ "$1" = "$ODD" ] || exit 13
    COMP_WORDS=(mfa d); COMP_CWORD=1; _mfatui_mfa
    echo "d=${COMPREPLY[*]}"
    COMP_WORDS=(mfa --code 123456 d); COMP_CWORD=3; _mfatui_mfa
    echo "after an option=${COMPREPLY[*]}"
    COMP_WORDS=(mfa dev d); COMP_CWORD=2; _mfatui_mfa
    echo "second=${COMPREPLY[*]}"
    COMP_WORDS=(mfa --u); COMP_CWORD=1; _mfatui_mfa
    echo "options=${COMPREPLY[*]}"
"#;

#[test]
fn odd_names_are_assigned_and_completed_never_evaluated_in_bash() {
    let (config, credentials) = files(&in_hours(2));
    let sb = Sandbox::new(&black_hole(), &config, &credentials);
    let out = shell(&sb, "bash", ODD_BASH, &[("ODD", ODD)]);
    let (stdout, stderr) = text(&out);
    assert!(out.status.success(), "{stdout}\n{stderr}");
    assert_eq!(
        stdout.lines().collect::<Vec<_>>(),
        [
            format!("status={ODD} 1h59m").as_str(),
            r#"completed=it\'s\ \"\$\(touch\ pwned\)\"\ x"#,
            "d=dev dev-mfa",
            "after an option=dev dev-mfa",
            "second=",
            "options=--unset",
        ],
        "{stderr}"
    );
    assert!(
        !sb.home.path().join("pwned").exists(),
        "nothing of the name ran"
    );
}

#[test]
fn zsh_switches_unsets_and_registers_its_completion() {
    if !installed("zsh") {
        return;
    }
    let (config, credentials) = files(&in_hours(2));
    let sb = Sandbox::new(&black_hole(), &config, &credentials);
    let script = r#"
        autoload -U compinit && compinit -u -D
        eval "$("$MFATUI" shell-init zsh)"
        mfa dev || exit 10
        echo "profile=$AWS_PROFILE status=$("$MFATUI" status)"
        mfa "$ODD" || exit 11
        [[ "$AWS_PROFILE" == "$ODD" ]] || exit 12
        mfa nope; echo "rc=$? same=$([[ "$AWS_PROFILE" == "$ODD" ]] && echo yes)"
        echo "completion=$_comps[mfa]"
        mfa --unset; echo "unset=${AWS_PROFILE-none}"
    "#;
    let out = shell(&sb, "zsh", script, &[("ODD", ODD)]);
    let (stdout, stderr) = text(&out);
    assert!(out.status.success(), "{stdout}\n{stderr}");
    assert_eq!(
        stdout.lines().collect::<Vec<_>>(),
        [
            "profile=dev-mfa status=dev-mfa 1h59m",
            "rc=1 same=yes",
            "completion=_mfatui_mfa",
            "unset=none",
        ],
        "{stderr}"
    );
    assert!(!sb.home.path().join("pwned").exists());
}

#[test]
fn fish_switches_unsets_and_completes_names() {
    if !installed("fish") {
        return;
    }
    let (config, credentials) = files(&in_hours(2));
    let sb = Sandbox::new(&black_hole(), &config, &credentials);
    let script = r#"
        "$MFATUI" shell-init fish | source
        mfa dev; or exit 10
        echo "profile=$AWS_PROFILE status="("$MFATUI" status)
        mfa "$ODD"; or exit 11
        test "$AWS_PROFILE" = "$ODD"; or exit 12
        set -x AWS_PROFILE before
        mfa nope; echo "rc=$status profile=$AWS_PROFILE"
        complete -C 'mfa it'
        complete -C 'mfa --un'
        mfa --unset; set -q AWS_PROFILE; or echo unset
    "#;
    let out = shell(&sb, "fish", script, &[("ODD", ODD)]);
    let (stdout, stderr) = text(&out);
    assert!(out.status.success(), "{stdout}\n{stderr}");
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(lines[0], "profile=dev-mfa status=dev-mfa 1h59m", "{stdout}");
    assert_eq!(lines[1], "rc=1 profile=before", "{stdout}");
    assert_eq!(lines[2], ODD, "fish completes the whole name: {stdout}");
    assert!(lines[3].starts_with("--unset"), "{stdout}");
    assert_eq!(lines[4], "unset", "{stdout}");
    assert!(!sb.home.path().join("pwned").exists());
}

#[test]
fn in_a_terminal_mfa_prompts_for_the_code_picks_and_the_prompt_follows() {
    let Some(moto) = Moto::start() else { return };
    let config = format!(
        "[profile dev]\nregion = eu-west-1\nmfa_serial = {}\n\n[profile ops]\nregion = eu-west-1\n",
        moto.get("mfa_serial")
    );
    let credentials = format!(
        "[dev]\naws_access_key_id = {}\naws_secret_access_key = {}\n\n\
         [ops]\naws_access_key_id = ASIAOPSOPSOPS0001234\naws_secret_access_key = s\naws_session_token = t\nexpiration = {}\n",
        moto.get("access_key_id"),
        moto.get("secret_access_key"),
        in_hours(3)
    );
    let sb = Sandbox::new(&moto.url, &config, &credentials);
    let mut bash = Command::new("bash");
    bash.args(["--norc", "--noprofile"]);
    isolate(&mut bash, sb.home.path());
    bash.env("AWS_ENDPOINT_URL", &sb.endpoint)
        .env("MFATUI_CALL_TIMEOUT", "20")
        .env("MFATUI", MFATUI)
        .env("TERM", "xterm")
        .env("PS1", "[$(\"$MFATUI\" status)] $ ");
    let Some(tmux) = Tmux::start(&shell_line(&bash)) else {
        return;
    };
    tmux.wait_for("[] $");
    tmux.send(&["eval \"$(\"$MFATUI\" shell-init bash)\"", "Enter"]);
    tmux.send(&["mfa dev", "Enter"]);
    // Standard output is the shell's; the prompt is on the terminal.
    tmux.wait_for("MFA code for");
    tmux.send(&["123456", "Enter"]);
    tmux.wait_for("[dev-mfa 11h5");

    tmux.send(&["mfa", "Enter"]);
    let screen = tmux.wait_for("profile:");
    assert!(
        screen.contains("> dev-mfa") && screen.contains("  dev ") && screen.contains("  ops "),
        "starts on AWS_PROFILE: {screen}"
    );
    tmux.send(&["-l", "OP"]);
    tmux.wait_for("profile: OP");
    tmux.send(&["Enter"]);
    tmux.wait_for("[ops 2h5");

    // Giving up changes nothing, and the terminal is back as it was.
    tmux.send(&["mfa", "Enter"]);
    tmux.wait_for("> ops");
    tmux.send(&["Escape"]);
    tmux.wait_for("no profile was picked");
    tmux.send(&[
        "echo \"rc=$? profile=$AWS_PROFILE mode=$(stty -a | grep -o -- '-\\?icanon')\"",
        "Enter",
    ]);
    let screen = tmux.wait_for("rc=1 profile=ops mode=");
    assert!(
        screen.contains("rc=1 profile=ops mode=icanon\n"),
        "{screen}"
    );
    assert!(sb.credentials().contains("[dev-mfa]"));
}

#[test]
fn tab_completes_an_odd_name_that_the_shell_reads_back_and_never_runs() {
    let (config, credentials) = files(&in_hours(2));
    let sb = Sandbox::new(&black_hole(), &config, &credentials);
    let setups = [
        ("bash", "eval \"$(\"$MFATUI\" shell-init bash)\""),
        (
            "zsh",
            "autoload -U compinit && compinit -u -D && eval \"$(\"$MFATUI\" shell-init zsh)\"",
        ),
    ];
    for (shell, setup) in setups {
        if !installed(shell) {
            continue;
        }
        let mut cmd = Command::new(shell);
        cmd.arg(if shell == "bash" { "--norc" } else { "-f" });
        isolate(&mut cmd, sb.home.path());
        cmd.env("AWS_ENDPOINT_URL", &sb.endpoint)
            .env("MFATUI", MFATUI)
            .env("TERM", "xterm")
            .env("PS1", format!("{shell}> "));
        let Some(tmux) = Tmux::start(&format!(
            "cd {} && {}",
            sb.home.path().display(),
            shell_line(&cmd)
        )) else {
            return;
        };
        tmux.wait_for(&format!("{shell}>"));
        tmux.send(&[setup, "Enter"]);
        tmux.send(&["echo ready", "Enter"]);
        tmux.wait_for("\nready");
        tmux.send(&["-l", "mfa it"]);
        tmux.send(&["Tab"]);
        tmux.wait_for(r#"mfa it\'s\ \"\$\(touch\ pwned\)\"\ x"#);
        tmux.send(&["Enter"]);
        tmux.send(&["echo \"profile=[$AWS_PROFILE]\"", "Enter"]);
        tmux.wait_for(&format!("profile=[{ODD}]"));
        assert!(
            !sb.home.path().join("pwned").exists(),
            "{shell} ran nothing of the name"
        );
    }
}

#[test]
fn use_typed_at_a_terminal_says_how_to_switch_the_shell() {
    let (config, credentials) = files(&in_hours(2));
    let sb = Sandbox::new(&black_hole(), &config, &credentials);
    // `script` gives it a terminal for standard output, as when a person types it.
    let line = shell_line(&sb.mfatui_command(&["use", "dev"]));
    let out = Command::new("script")
        .args(["-qec", &line, "/dev/null"])
        .stdin(Stdio::null())
        .output()
        .unwrap();
    let (stdout, _) = text(&out);
    assert!(out.status.success(), "{stdout}");
    assert!(
        stdout.contains("mfatui: to switch this shell, load the function `mfa` (eval \"$(mfatui shell-init bash)\", see docs/shell.md) and run mfa dev"),
        "{stdout}"
    );
    assert!(stdout.trim_end().ends_with("dev-mfa"), "{stdout}");
}
