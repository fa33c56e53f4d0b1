//! Renewals through the real binary against moto, judged by the real AWS CLI.

use crate::common::{text, Moto, Recorder, Sandbox};

fn keys(moto: &Moto) -> String {
    format!(
        "# long-term keys\n[dev]\naws_access_key_id = {}\naws_secret_access_key = {}\n",
        moto.get("access_key_id"),
        moto.get("secret_access_key")
    )
}

fn config(moto: &Moto) -> String {
    let serial = moto.get("mfa_serial");
    format!(
        "[profile dev]\nregion = eu-west-1\nmfa_serial = {serial}\n\n\
         [profile admin]\nrole_arn = {}\nsource_profile = dev\nmfa_serial = {serial}\nregion = eu-west-1\n\n\
         [profile hop]\nrole_arn = {}\nsource_profile = dev\nmfa_serial = {serial}\n\n\
         [profile target]\nrole_arn = {}\nsource_profile = hop\nregion = us-west-2\n",
        moto.role("Admin"),
        moto.role("Hop"),
        moto.role("Target")
    )
}

#[test]
fn session_mode_writes_a_session_profile_the_aws_cli_uses() {
    let Some(moto) = Moto::start() else { return };
    let sb = Sandbox::new(&moto.url, &config(&moto), &keys(&moto));
    let before = sb.credentials();
    let out = sb.mfatui(&["renew", "dev", "--code", "123456", "--yes"]);
    let (stdout, stderr) = text(&out);
    assert!(out.status.success(), "{stderr}");
    assert!(
        stdout.contains("Renewed 'dev': profile 'dev-mfa' is valid until"),
        "{stdout}"
    );
    let after = sb.credentials();
    assert!(
        after.starts_with(&before),
        "the long-term profile's lines are untouched"
    );
    assert!(
        after[before.len()..]
            .starts_with("\n[dev-mfa]\naws_access_key_id = AKIAIOSFODNN7EXAMPLE\n"),
        "{after}"
    );
    assert!(
        after.contains("\nregion = eu-west-1\n"),
        "the target gets the region the AWS CLI needs"
    );
    assert_eq!(sb.backups().len(), 1);
    assert!(
        !stdout.contains(&moto.get("secret_access_key")) && !stdout.contains("wJalrXUtnFEMI"),
        "{stdout}"
    );
    assert!(sb
        .caller_arn("dev-mfa")
        .starts_with("arn:aws:sts::123456789012:"));
}

#[test]
fn role_mode_direct_with_mfa_and_through_a_chain() {
    let Some(moto) = Moto::start() else { return };
    let sb = Sandbox::new(&moto.url, &config(&moto), &keys(&moto));
    let out = sb.mfatui(&[
        "renew",
        "admin",
        "--code",
        "123456",
        "--yes",
        "--duration",
        "2h",
    ]);
    let (stdout, stderr) = text(&out);
    assert!(out.status.success(), "{stderr}");
    assert!(
        stdout.contains("AssumeRole admin with the keys of 'dev'"),
        "{stdout}"
    );
    assert!(sb
        .caller_arn("admin-mfa")
        .contains(":assumed-role/Admin/mfatui-"));

    let before = sb.credentials();
    let out = sb.mfatui(&["renew", "target", "--code", "123456", "--yes"]);
    let (stdout, stderr) = text(&out);
    assert!(out.status.success(), "{stderr}");
    assert!(stdout.contains("AssumeRole hop → target"), "{stdout}");
    assert!(sb
        .caller_arn("target-mfa")
        .contains(":assumed-role/Target/"));
    assert!(
        sb.credentials().starts_with(&before),
        "earlier profiles untouched"
    );
    assert_eq!(sb.backups().len(), 2);

    let too_long = sb.mfatui(&[
        "renew",
        "target",
        "--code",
        "123456",
        "--yes",
        "--duration",
        "2h",
    ]);
    assert!(text(&too_long)
        .1
        .contains("outside what AssumeRole with role chaining allows (15m to 1h)"));
}

#[test]
fn a_fresh_mfa_session_assumes_roles_without_a_new_code() {
    let Some(moto) = Moto::start() else { return };
    let sb = Sandbox::new(&moto.url, &config(&moto), &keys(&moto));
    assert!(sb
        .mfatui(&["renew", "dev", "--code", "123456", "--yes"])
        .status
        .success());
    let out = sb.mfatui(&["renew", "admin", "--yes"]);
    let (stdout, stderr) = text(&out);
    assert!(out.status.success(), "no code needed: {stderr}");
    assert!(
        stdout.contains("with the MFA session of 'dev-mfa'"),
        "{stdout}"
    );
    assert!(sb.caller_arn("admin-mfa").contains(":assumed-role/Admin/"));
}

#[test]
fn aws_mfa_layout_renews_the_short_term_profile_in_its_own_format() {
    let Some(moto) = Moto::start() else { return };
    let creds = format!(
        "[dev-long-term]\naws_access_key_id = {}\naws_secret_access_key = {}\naws_mfa_device = {}\n\n\
         [dev]\nassumed_role = False\naws_access_key_id = ASIAOLD\naws_secret_access_key = old\naws_session_token = old\naws_security_token = old\nexpiration = 2020-01-01 00:00:00\n",
        moto.get("access_key_id"),
        moto.get("secret_access_key"),
        moto.get("mfa_serial")
    );
    let sb = Sandbox::new(&moto.url, "[profile dev]\nregion = us-east-1\n", &creds);
    let out = sb.mfatui(&["renew", "dev", "--code", "123456", "--yes"]);
    assert!(out.status.success(), "{}", text(&out).1);
    let after = sb.credentials();
    let long_term: String = creds.lines().take(4).map(|l| format!("{l}\n")).collect();
    assert!(
        after.starts_with(&long_term),
        "long-term keys untouched: {after}"
    );
    assert!(
        after.contains("\nassumed_role = False\naws_access_key_id = AKIAIOSFODNN7EXAMPLE\n"),
        "{after}"
    );
    assert!(!after.contains("= old"), "both token keys updated: {after}");
    let expiration = after
        .lines()
        .find_map(|l| l.strip_prefix("expiration = "))
        .unwrap();
    assert!(
        chrono::NaiveDateTime::parse_from_str(expiration, "%Y-%m-%d %H:%M:%S").is_ok(),
        "aws-mfa format kept: {expiration}"
    );
    sb.caller_arn("dev");
}

#[test]
fn export_is_evaluated_by_sh_and_accepted_by_the_aws_cli() {
    let Some(moto) = Moto::start() else { return };
    let sb = Sandbox::new(&moto.url, &config(&moto), &keys(&moto));
    assert!(sb
        .mfatui(&["renew", "dev", "--code", "123456", "--yes"])
        .status
        .success());
    let bin = env!("CARGO_BIN_EXE_mfatui");
    let out = std::process::Command::new("sh")
        .args(["-c", &format!("eval \"$('{bin}' export dev)\" && env")])
        .env_clear()
        .env("HOME", sb.home.path())
        .output()
        .unwrap();
    let env = text(&out).0;
    assert!(
        env.contains("AWS_ACCESS_KEY_ID=AKIAIOSFODNN7EXAMPLE\n"),
        "{env}"
    );
    assert!(env.contains("AWS_SECRET_ACCESS_KEY=wJalrXUtnFEMI/K7MDENG/bPxRfiCYzEXAMPLEKEY\n"));
    assert!(env
        .lines()
        .any(|l| l.starts_with("AWS_SESSION_TOKEN=") && l.len() > 40));
    let vars: Vec<(String, String)> = env
        .lines()
        .filter(|l| l.starts_with("AWS_"))
        .filter_map(|l| l.split_once('=').map(|(k, v)| (k.to_owned(), v.to_owned())))
        .collect();
    let mut extra: Vec<(&str, &str)> = vars.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    extra.push(("AWS_DEFAULT_REGION", "us-east-1"));
    let cli = sb.aws_cli(&["sts", "get-caller-identity"], &extra);
    assert!(cli.status.success(), "{}", text(&cli).1);

    let json = sb.mfatui(&["export", "dev", "--format", "json"]);
    let doc: serde_json::Value = serde_json::from_slice(&json.stdout).unwrap();
    assert_eq!(doc["Version"], 1);
    assert_eq!(doc["AccessKeyId"], "AKIAIOSFODNN7EXAMPLE");
    let unset = text(&sb.mfatui(&["unset"])).0;
    assert_eq!(unset, "unset AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY AWS_SESSION_TOKEN AWS_SECURITY_TOKEN AWS_CREDENTIAL_EXPIRATION\n");
}

#[test]
fn discover_finds_the_mfa_device_and_records_it() {
    let Some(moto) = Moto::start() else { return };
    let sb = Sandbox::new(
        &moto.url,
        "[profile dev]\nregion = eu-west-1\n",
        &keys(&moto),
    );
    let out = sb.mfatui(&["discover", "dev", "--yes"]);
    let (stdout, stderr) = text(&out);
    assert!(out.status.success(), "{stderr}");
    assert!(
        stdout.contains(
            "arn:aws:iam::123456789012:user/ana uses MFA device arn:aws:iam::123456789012:mfa/ana"
        ),
        "{stdout}"
    );
    let config = std::fs::read_to_string(sb.aws("config")).unwrap();
    assert_eq!(
        config,
        "[profile dev]\nregion = eu-west-1\nmfa_serial = arn:aws:iam::123456789012:mfa/ana\n"
    );
    assert!(sb
        .mfatui(&["renew", "dev", "--code", "123456", "--yes"])
        .status
        .success());

    // A credentials section that sets mfa_serial wins in botocore: the device goes there.
    let stale = format!(
        "{}mfa_serial = arn:aws:iam::123456789012:mfa/old\n",
        keys(&moto)
    );
    let sb = Sandbox::new(&moto.url, "[profile dev]\nregion = eu-west-1\n", &stale);
    let out = sb.mfatui(&["discover", "dev", "--yes"]);
    assert!(out.status.success(), "{}", text(&out).1);
    assert!(sb
        .credentials()
        .contains("mfa_serial = arn:aws:iam::123456789012:mfa/ana\n"));
    assert_eq!(
        std::fs::read_to_string(sb.aws("config")).unwrap(),
        "[profile dev]\nregion = eu-west-1\n"
    );
    let seen = crate::common::botocore_profiles(&sb.aws(""));
    assert_eq!(
        seen["dev"]["mfa_serial"],
        "arn:aws:iam::123456789012:mfa/ana"
    );
}

/// With no terminal to confirm on and no `--yes`, the refusal comes before the code is spent:
/// no GetSessionToken (nor AssumeRole) call, nothing written; `--yes` then makes the call.
#[test]
fn without_a_terminal_or_yes_no_code_is_spent_before_the_refusal() {
    let Some(moto) = Moto::start() else { return };
    let front = Recorder::start(&moto);
    let sb = Sandbox::new(&front.url, &config(&moto), &keys(&moto));
    let before = sb.credentials();
    for profile in ["dev", "admin"] {
        // The sandbox's stdin is /dev/null.
        let out = sb.mfatui(&["renew", profile, "--code", "123456"]);
        let (stdout, stderr) = text(&out);
        assert_eq!(out.status.code(), Some(1), "{stdout}{stderr}");
        assert!(
            stderr.contains("refusing to write without confirmation") && stderr.contains("--yes"),
            "{stderr}"
        );
        assert_eq!(stderr.trim().lines().count(), 1, "one sentence: {stderr}");
    }
    assert!(front.calls("GetSessionToken").is_empty(), "no code spent");
    assert!(front.calls("AssumeRole").is_empty(), "no code spent");
    assert_eq!(sb.credentials(), before, "nothing written");
    // --dry-run makes no call either, and --yes renews.
    let dry = sb.mfatui(&["renew", "dev", "--dry-run"]);
    assert!(dry.status.success(), "{}", text(&dry).1);
    let out = sb.mfatui(&["renew", "dev", "--code", "123456", "--yes"]);
    assert!(out.status.success(), "{}", text(&out).1);
    assert_eq!(front.calls("GetSessionToken").len(), 1);
}

/// Attack round 15 (E-10): a credentials file others can read (an editor's 0644 under umask
/// 022) got the MFA session without a word. The mode is kept, and every renewal says so —
/// `renew`, and the one `credential-process` makes — until the file is 0600.
#[test]
fn a_session_written_into_a_file_others_can_read_is_said() {
    use std::os::unix::fs::PermissionsExt;
    let Some(moto) = Moto::start() else { return };
    let sb = Sandbox::new(&moto.url, &config(&moto), &keys(&moto));
    let creds = sb.aws("credentials");
    std::fs::set_permissions(&creds, std::fs::Permissions::from_mode(0o644)).unwrap();
    let out = sb.mfatui(&["renew", "dev", "--code", "123456", "--yes"]);
    let stderr = text(&out).1;
    assert!(out.status.success(), "{stderr}");
    assert!(
        stderr.contains("other users of this machine can read it (mode 0644)")
            && stderr.contains(&format!("`chmod 600 {}`", creds.display())),
        "{stderr}"
    );
    let mode = std::fs::metadata(&creds).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o644, "the mode is kept");
    let out = sb.mfatui_env(
        &["credential-process", "admin"],
        &[("AWS_MFA_TOKEN", "123456")],
    );
    let stderr = text(&out).1;
    assert!(out.status.success(), "{stderr}");
    assert!(stderr.contains("(mode 0644)"), "{stderr}");
    std::fs::set_permissions(&creds, std::fs::Permissions::from_mode(0o600)).unwrap();
    let out = sb.mfatui(&["renew", "dev", "--code", "654321", "--yes"]);
    let stderr = text(&out).1;
    assert!(out.status.success(), "{stderr}");
    assert!(!stderr.contains("other users"), "{stderr}");
}

/// Attack round 15b (F-2): a complete save between mfatui's read and its write (here the
/// `mfa_process` itself removes a stale section) made the write wait and refuse, and the
/// session the code paid for was thrown away: `credential-process` gave its caller nothing.
/// It is served from memory, once, and the line says it was not written.
#[test]
fn a_session_kept_out_of_the_file_by_another_save_is_still_served_once() {
    use std::os::unix::fs::PermissionsExt;
    let Some(moto) = Moto::start() else { return };
    let script = "#!/bin/sh\nsed -i '/^\\[old\\]/,$d' \"$HOME/.aws/credentials\"\necho 123456\n";
    let creds = format!(
        "{}\n[old]\naws_access_key_id = AKIAOLDSTALEKEY00001\naws_secret_access_key = stale\n",
        keys(&moto)
    );
    let sb = Sandbox::new(&moto.url, &config(&moto), &creds);
    let code = sb.home.path().join("code.sh");
    std::fs::write(&code, script).unwrap();
    std::fs::set_permissions(&code, std::fs::Permissions::from_mode(0o700)).unwrap();
    let config = config(&moto).replacen(
        "[profile dev]\n",
        &format!("[profile dev]\nmfa_process = {}\n", code.display()),
        1,
    );
    std::fs::write(sb.aws("config"), config).unwrap();
    let out = sb.mfatui(&["credential-process", "dev"]);
    let (stdout, stderr) = text(&out);
    assert!(out.status.success(), "{stderr}");
    let served: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    assert!(served["SessionToken"].is_string(), "a session: {stdout}");
    assert!(
        stderr.contains("served this once, but not written") && stderr.contains("lacked [old]"),
        "{stderr}"
    );
    assert!(
        !sb.credentials().contains("[dev-mfa]"),
        "nothing written over the save"
    );
}
