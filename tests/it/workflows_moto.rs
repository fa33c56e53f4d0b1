//! The layouts other tools leave behind, renewed in place against moto and judged by the
//! real AWS CLI: aws-login style `__profile__` sections, long-term keys in config under a
//! credentials session, aws-mfa with any suffix, and the AWS CLI's own role cache.

use crate::common::{text, Moto, Sandbox};
use serde_json::Value;

const OLD_SESSION: &str = "aws_access_key_id = ASIAOLDOLDOLDOLD0000\naws_secret_access_key = old-session-secret\naws_session_token = old-session-token\n";

fn list(sb: &Sandbox) -> Vec<Value> {
    let out = sb.mfatui(&["list", "--json"]);
    assert!(out.status.success(), "{}", text(&out).1);
    serde_json::from_slice(&out.stdout).unwrap()
}

fn by<'a>(all: &'a [Value], name: &str) -> &'a Value {
    all.iter().find(|p| p["name"] == name).unwrap()
}

/// The value of `key` in section `[section]` of an INI text.
fn value(ini: &str, section: &str, key: &str) -> Option<String> {
    let mut inside = false;
    for line in ini.lines() {
        if line.starts_with('[') {
            inside = line == format!("[{section}]");
        } else if inside {
            if let Some((k, v)) = line.split_once('=') {
                if k.trim() == key {
                    return Some(v.trim().to_owned());
                }
            }
        }
    }
    None
}

#[test]
fn aws_login_default_is_renewed_in_place_from_either_side() {
    let Some(moto) = Moto::start() else { return };
    let credentials = format!(
        "[default]\n__profile__ = someaccount\n__started__ = 2026-01-05T19:00:00-05:00\n__expires__ = 2026-01-05T20:00:00-05:00\n{OLD_SESSION}\n\
         [someaccount]\n__mfa__ = {}\naws_access_key_id = {}\naws_secret_access_key = {}\n",
        moto.get("mfa_serial"),
        moto.get("access_key_id"),
        moto.get("secret_access_key")
    );
    let sb = Sandbox::new(&moto.url, "[default]\nregion = us-east-1\n", &credentials);
    let all = list(&sb);
    assert_eq!(by(&all, "default")["long_term_profile"], "someaccount");
    assert_eq!(by(&all, "someaccount")["session_profile"], "default");

    for renewed in ["default", "someaccount"] {
        let out = sb.mfatui(&["renew", renewed, "--code", "123456", "--yes"]);
        let (stdout, stderr) = text(&out);
        assert!(out.status.success(), "{renewed}: {stderr}");
        assert!(stdout.contains("writes [default]"), "{stdout}");
        let after = sb.credentials();
        assert_eq!(
            value(&after, "default", "__profile__").as_deref(),
            Some("someaccount")
        );
        let expires = value(&after, "default", "__expires__").unwrap();
        assert!(
            expires.ends_with("-05:00") && !expires.starts_with("2026-01-05"),
            "{after}"
        );
        let started = value(&after, "default", "__started__").unwrap();
        assert!(started.ends_with("-05:00") && started < expires, "{after}");
        assert_eq!(
            value(&after, "default", "expiration"),
            None,
            "no second expiry key"
        );
        assert!(!after.contains("[someaccount-mfa]"), "{after}");
        assert!(after.contains(&format!(
            "[someaccount]\n__mfa__ = {}\naws_access_key_id = {}\n",
            moto.get("mfa_serial"),
            moto.get("access_key_id")
        )));
        // Plain `aws` (the default profile) works with the new session.
        let out = sb.aws_cli(&["sts", "get-caller-identity"], &[]);
        assert!(out.status.success(), "{}", text(&out).1);
    }
}

#[test]
fn long_term_keys_in_config_renew_the_credentials_session_and_roles_follow() {
    let Some(moto) = Moto::start() else { return };
    let config = format!(
        "[profile default]\nregion = eu-west-1\naws_access_key_id = {}\naws_secret_access_key = {}\n\n\
         [profile dev]\nrole_arn = {}\nsource_profile = default\nregion = eu-west-1\n",
        moto.get("access_key_id"),
        moto.get("secret_access_key"),
        moto.role("Admin")
    );
    let credentials = format!("[default]\n{OLD_SESSION}expiration = 2026-01-01T00:00:00Z\n");
    let sb = Sandbox::new(&moto.url, &config, &credentials);
    let out = sb.mfatui(&["discover", "default", "--yes"]);
    assert!(out.status.success(), "{}", text(&out).1);
    let config_after = std::fs::read_to_string(sb.aws("config")).unwrap();
    assert!(
        config_after.contains(&format!("mfa_serial = {}", moto.get("mfa_serial"))),
        "{config_after}"
    );
    let out = sb.mfatui(&["renew", "default", "--code", "123456", "--yes"]);
    let (stdout, stderr) = text(&out);
    assert!(out.status.success(), "{stderr}");
    assert!(
        stdout.contains("with the keys of 'default'") && stdout.contains("writes [default]"),
        "{stdout}"
    );
    assert_eq!(
        std::fs::read_to_string(sb.aws("config")).unwrap(),
        config_after,
        "the config keys stay as they are"
    );
    let after = sb.credentials();
    assert_eq!(
        value(&after, "default", "aws_access_key_id").as_deref(),
        Some("AKIAIOSFODNN7EXAMPLE")
    );
    assert!(value(&after, "default", "expiration").unwrap().as_str() > "2026-11");
    assert!(sb.caller_arn("dev").contains(":assumed-role/Admin/"));
}

fn aws_mfa_files(moto: &Moto, extra: &str) -> String {
    format!(
        "[dev-lt]\naws_access_key_id = {}\naws_secret_access_key = {}\naws_mfa_device = {}\n{extra}\n\
         [dev]\n{OLD_SESSION}expiration = 2026-01-01 00:00:00\n",
        moto.get("access_key_id"),
        moto.get("secret_access_key"),
        moto.get("mfa_serial")
    )
}

#[test]
fn aws_mfa_with_another_suffix_renews_the_short_term_profile() {
    let Some(moto) = Moto::start() else { return };
    let sb = Sandbox::new(
        &moto.url,
        "[profile dev]\nregion = eu-west-1\n",
        &aws_mfa_files(&moto, ""),
    );
    for renewed in ["dev", "dev-lt"] {
        let out = sb.mfatui(&["renew", renewed, "--code", "123456", "--yes"]);
        assert!(out.status.success(), "{renewed}: {}", text(&out).1);
        let after = sb.credentials();
        let expiration = value(&after, "dev", "expiration").unwrap();
        assert!(
            chrono::NaiveDateTime::parse_from_str(&expiration, "%Y-%m-%d %H:%M:%S").is_ok(),
            "aws-mfa's own form: {expiration}"
        );
        assert!(
            !after.contains("[dev-mfa]") && !after.contains("[dev-lt-mfa]"),
            "{after}"
        );
        assert!(sb
            .caller_arn("dev")
            .starts_with("arn:aws:sts::123456789012:"));
    }
}

#[test]
fn competing_aws_mfa_suffixes_are_refused_until_the_setting_says_which() {
    let Some(moto) = Moto::start() else { return };
    let second = format!(
        "\n[dev-old]\naws_access_key_id = AKIAOTHEROTHER000000\naws_secret_access_key = x\naws_mfa_device = {}\n",
        moto.get("mfa_serial")
    );
    let sb = Sandbox::new(
        &moto.url,
        "[profile dev]\nregion = eu-west-1\n",
        &aws_mfa_files(&moto, &second),
    );
    let before = sb.credentials();
    let out = sb.mfatui(&["renew", "dev", "--code", "123456", "--yes"]);
    let (_, stderr) = text(&out);
    assert!(!out.status.success());
    assert!(
        stderr.contains("naming.long_term_suffix")
            && stderr.contains("dev-lt")
            && stderr.contains("dev-old"),
        "{stderr}"
    );
    assert_eq!(stderr.trim().lines().count(), 1, "one sentence: {stderr}");
    assert_eq!(sb.credentials(), before, "nothing written");
    let listing = text(&sb.mfatui(&["list"])).0;
    assert!(
        listing.lines().any(|l| l.starts_with(" !dev ")),
        "{listing}"
    );
    assert!(
        listing.lines().any(|l| l.starts_with("  dev-lt ")),
        "other rows unaffected: {listing}"
    );

    sb.settings("[naming]\nlong_term_suffix = \"-lt\"\n");
    let out = sb.mfatui(&["renew", "dev", "--code", "123456", "--yes"]);
    assert!(out.status.success(), "{}", text(&out).1);
    assert!(sb
        .caller_arn("dev")
        .starts_with("arn:aws:sts::123456789012:"));
}

fn role_files(moto: &Moto) -> (String, String) {
    let config = format!(
        "[profile dev]\nregion = eu-west-1\n\n[profile ops]\nrole_arn = {}\nsource_profile = dev\nmfa_serial = {}\nregion = eu-west-1\n",
        moto.role("Admin"),
        moto.get("mfa_serial")
    );
    let credentials = format!(
        "[dev]\naws_access_key_id = {}\naws_secret_access_key = {}\n",
        moto.get("access_key_id"),
        moto.get("secret_access_key")
    );
    (config, credentials)
}

#[test]
fn a_role_renewal_feeds_the_aws_cli_cache_so_it_asks_no_code() {
    let Some(moto) = Moto::start() else { return };
    let (config, credentials) = role_files(&moto);
    let sb = Sandbox::new(&moto.url, &config, &credentials);
    let ask = || {
        sb.aws_cli(
            &[
                "sts",
                "get-caller-identity",
                "--profile",
                "ops",
                "--output",
                "json",
            ],
            &[],
        )
    };
    let before = ask();
    assert!(
        !before.status.success(),
        "without a session the CLI wants a code (stdin is closed)"
    );

    let out = sb.mfatui(&["renew", "ops", "--code", "123456", "--yes"]);
    let (stdout, stderr) = text(&out);
    assert!(out.status.success(), "{stderr}");
    assert!(stdout.contains("AWS CLI cache"), "{stdout}");
    let after = ask();
    assert!(after.status.success(), "{}", text(&after).1);
    let arn: Value = serde_json::from_slice(&after.stdout).unwrap();
    assert!(
        arn["Arn"]
            .as_str()
            .unwrap()
            .contains(":assumed-role/Admin/"),
        "{arn}"
    );
    assert!(sb.credentials().contains("[ops-mfa]"));
    let entries: Vec<_> = std::fs::read_dir(sb.aws("cli/cache"))
        .unwrap()
        .flatten()
        .collect();
    assert_eq!(entries.len(), 1);
    let mode =
        std::os::unix::fs::PermissionsExt::mode(&entries[0].metadata().unwrap().permissions());
    assert_eq!(mode & 0o777, 0o600);
    let all = list(&sb);
    assert_eq!(by(&all, "ops")["expiry_status"], "valid");
    assert_eq!(by(&all, "ops")["expiry_source"], "cli-cache");
}

#[test]
fn role_renewals_can_skip_the_profile_or_the_cache() {
    let Some(moto) = Moto::start() else { return };
    let (config, credentials) = role_files(&moto);
    let sb = Sandbox::new(&moto.url, &config, &credentials);
    sb.settings("[roles]\nwrite_profile = false\n");
    let out = sb.mfatui(&["renew", "ops", "--code", "123456", "--yes"]);
    assert!(out.status.success(), "{}", text(&out).1);
    assert_eq!(sb.credentials(), credentials, "no [ops-mfa]");
    assert!(sb.caller_arn("ops").contains(":assumed-role/Admin/"));

    sb.settings("[roles]\nwrite_cli_cache = false\nwrite_profile = false\n");
    let out = sb.mfatui(&["renew", "ops", "--code", "123456", "--yes"]);
    assert!(!out.status.success());
    assert!(
        text(&out).1.contains("roles.write_profile"),
        "{}",
        text(&out).1
    );
}

#[test]
fn an_unreadable_expiry_in_the_target_stops_the_renewal_and_marks_only_that_row() {
    let Some(moto) = Moto::start() else { return };
    let credentials = format!(
        "[dev-lt]\naws_access_key_id = {}\naws_secret_access_key = {}\naws_mfa_device = {}\n\n\
         [dev]\n{OLD_SESSION}expiration = next tuesday\n\n[other]\naws_access_key_id = AKIAOTHER\naws_secret_access_key = x\n",
        moto.get("access_key_id"),
        moto.get("secret_access_key"),
        moto.get("mfa_serial")
    );
    let sb = Sandbox::new(&moto.url, "", &credentials);
    let out = sb.mfatui(&["renew", "dev", "--code", "123456", "--yes"]);
    let stderr = text(&out).1;
    assert!(!out.status.success());
    assert!(stderr.contains("next tuesday"), "{stderr}");
    assert_eq!(sb.credentials(), credentials);
    let listing = text(&sb.mfatui(&["list"])).0;
    assert!(
        listing.lines().any(|l| l.starts_with(" !dev ")),
        "{listing}"
    );
    assert!(
        listing.lines().any(|l| l.starts_with("  other ")),
        "{listing}"
    );
}

#[test]
fn a_profile_marker_naming_a_missing_profile_is_a_problem_not_a_failure() {
    let sb = Sandbox::new(
        "http://127.0.0.1:9",
        "",
        &format!("[default]\n__profile__ = gone\n{OLD_SESSION}\n[ok]\naws_access_key_id = A\naws_secret_access_key = B\n"),
    );
    let all = list(&sb);
    assert!(by(&all, "default")["problems"][0]
        .as_str()
        .unwrap()
        .contains("'gone'"));
    assert!(by(&all, "ok")["problems"].as_array().unwrap().is_empty());
    let out = sb.mfatui(&["renew", "default", "--code", "123456", "--yes"]);
    assert!(!out.status.success());
    assert!(text(&out).1.contains("'gone'"));
}
