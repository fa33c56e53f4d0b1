//! Renewal error paths: each ends with one clear sentence, exit status 1, nothing written.

use crate::common::{black_hole, free_port, sts_error_responder, text, Sandbox, WRONG_CODE};
use std::time::{Duration, Instant};

const CONFIG: &str = "[profile dev]\nregion = eu-west-1\nmfa_serial = arn:aws:iam::123456789012:mfa/ana\n\n\
    [profile admin]\nrole_arn = arn:aws:iam::123456789012:role/Admin\nsource_profile = dev\nmfa_serial = arn:aws:iam::123456789012:mfa/ana\n\n\
    [profile orphan]\nrole_arn = arn:aws:iam::123456789012:role/Orphan\nsource_profile = ghost\n\n\
    [profile nomfa]\nregion = eu-west-1\n";
const CREDS: &str = "[dev]\naws_access_key_id = AKIAEXAMPLEKEY00WXYZ\naws_secret_access_key = very-secret-long-term-key\n\n[nomfa]\naws_access_key_id = AKIAEXAMPLEKEY00NOMF\naws_secret_access_key = another-secret-key-value\n";

/// Runs `renew` against `endpoint` and returns stderr, asserting failure and an untouched file.
fn fails(endpoint: &str, args: &[&str]) -> String {
    let sb = Sandbox::new(endpoint, CONFIG, CREDS);
    let out = sb.mfatui_env(
        args,
        &[
            ("MFATUI_CALL_TIMEOUT", "3"),
            ("MFATUI_CONNECT_TIMEOUT", "2"),
        ],
    );
    let (stdout, stderr) = text(&out);
    assert_eq!(
        out.status.code(),
        Some(1),
        "{args:?} should fail: {stdout}{stderr}"
    );
    assert_eq!(sb.credentials(), CREDS, "nothing written");
    assert!(sb.backups().is_empty());
    for secret in ["very-secret-long-term-key", "another-secret-key-value"] {
        assert!(!stdout.contains(secret) && !stderr.contains(secret));
    }
    assert_eq!(stderr.trim().lines().count(), 1, "one sentence: {stderr}");
    stderr
}

fn nowhere() -> String {
    format!("http://127.0.0.1:{}", free_port())
}

#[test]
fn bad_input_is_refused_before_any_call() {
    let e = nowhere();
    assert!(fails(&e, &["renew", "dev", "--code", "12345", "--yes"])
        .contains("the MFA code must be exactly 6 digits, not 5"));
    assert!(fails(&e, &["renew", "dev", "--code", "12a456", "--yes"])
        .contains("exactly 6 digits (0-9 only)"));
    assert!(fails(
        &e,
        &["renew", "dev", "--duration", "10m", "--code", "123456"]
    )
    .contains("10m is outside what GetSessionToken allows (15m to 36h)"));
    assert!(fails(
        &e,
        &["renew", "admin", "--duration", "13h", "--code", "123456"]
    )
    .contains("13h is outside what AssumeRole allows (15m to 12h)"));
    assert!(fails(&e, &["renew", "dev", "--duration", "soon"]).contains("'soon' is not a duration"));
    assert!(fails(&e, &["renew", "nope", "--code", "123456"])
        .contains("there is no profile named 'nope'"));
    assert!(fails(&e, &["renew", "orphan", "--code", "123456"])
        .contains("source_profile 'ghost' (named in 'orphan') does not exist"));
    assert!(fails(&e, &["renew", "nomfa", "--code", "123456"])
        .contains("no MFA device is configured for 'nomfa'"));
    assert!(fails(&e, &["renew", "dev", "--yes"])
        .contains("an MFA code is needed: pass --code 123456 or --code-stdin"));
    // Without a terminal, the missing --yes is said before anything else is asked for.
    assert!(fails(&e, &["renew", "dev"]).contains("refusing to write without confirmation"));
}

#[test]
fn an_unreachable_endpoint_fails_fast_with_a_sentence() {
    let started = Instant::now();
    let err = fails(&nowhere(), &["renew", "dev", "--code", "123456", "--yes"]);
    assert!(
        err.contains("Could not reach http://127.0.0.1:")
            && err.contains("check the network connection"),
        "{err}"
    );
    assert!(started.elapsed() < Duration::from_secs(15));
}

#[test]
fn a_silent_endpoint_times_out_within_the_limit() {
    let started = Instant::now();
    let err = fails(
        &black_hole(),
        &["renew", "dev", "--code", "123456", "--yes"],
    );
    assert!(err.contains("did not answer within"), "{err}");
    assert!(
        started.elapsed() < Duration::from_secs(20),
        "bounded: {:?}",
        started.elapsed()
    );
}

fn sts_error(code: &str, message: &str) -> &'static str {
    let body = format!(
        r#"<ErrorResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><Error><Type>Sender</Type><Code>{code}</Code><Message>{message}</Message></Error><RequestId>r-1</RequestId></ErrorResponse>"#
    );
    Box::leak(body.into_boxed_str())
}

#[test]
fn sts_error_answers_become_one_clear_sentence() {
    let cases = [
        (403, WRONG_CODE, "The MFA code was rejected (wrong, expired or already used)"),
        (403, sts_error("AccessDenied", "User is not authorized to perform: sts:AssumeRole on resource: arn:aws:iam::1:role/Admin"), "check the role's trust policy"),
        (403, sts_error("InvalidClientTokenId", "The security token included in the request is invalid."), "The access key id is not valid"),
        (403, sts_error("SignatureDoesNotMatch", "signature mismatch"), "The secret access key does not match"),
        (400, sts_error("ExpiredToken", "The security token included in the request is expired"), "have expired: renew the source profile first"),
        (400, sts_error("Throttling", "Rate exceeded"), "AWS is throttling requests"),
    ];
    for (status, body, expected) in cases {
        let profile = if expected.contains("trust policy") {
            "admin"
        } else {
            "dev"
        };
        let err = fails(
            &sts_error_responder(status, body),
            &["renew", profile, "--code", "123456", "--yes"],
        );
        assert!(err.contains(expected), "{expected}: {err}");
    }
}

#[test]
fn export_refuses_expired_or_long_term_credentials() {
    let creds = format!("{CREDS}\n[dev-mfa]\naws_access_key_id = ASIAOLD\naws_secret_access_key = s\naws_session_token = t\nexpiration = 2001-01-01T00:00:00Z\n");
    let sb = Sandbox::new(&nowhere(), CONFIG, &creds);
    let out = sb.mfatui(&["export", "dev"]);
    let (stdout, stderr) = text(&out);
    assert_eq!(out.status.code(), Some(1));
    assert!(stdout.is_empty());
    assert!(
        stderr.contains("the credentials in [dev-mfa] expired 9")
            && stderr.contains("run `mfatui renew dev` first"),
        "{stderr}"
    );
    let out = sb.mfatui(&["export", "nomfa"]);
    assert!(text(&out)
        .1
        .contains("'nomfa' holds long-term keys; mfatui exports only temporary credentials"));
}

/// Attack round 9 (R9-5): a credentials file of another user that anyone may write (0666)
/// passed the check made before the STS call, so the code was spent and only then was the
/// file refused (its owner cannot be kept). Refused first now, naming the owner.
#[test]
fn another_users_file_anyone_may_write_is_refused_before_the_call() {
    use std::os::unix::fs::{chown, PermissionsExt};
    if !crate::common::root_or_skip("a file of another user") {
        return;
    }
    let sb = Sandbox::new(&nowhere(), CONFIG, CREDS);
    let inner = sb.mfatui_command(&["renew", "dev", "--code", "123456", "--yes"]);
    // The sandbox becomes uid 65534's, except the credentials file: root's, mode 0666.
    let mut cmd = crate::common::as_nobody(&inner, sb.home.path());
    chown(sb.aws("credentials"), Some(0), Some(0)).unwrap();
    std::fs::set_permissions(
        sb.aws("credentials"),
        std::fs::Permissions::from_mode(0o666),
    )
    .unwrap();
    let out = cmd.output().unwrap();
    let (stdout, stderr) = text(&out);
    assert_eq!(out.status.code(), Some(1), "{stdout}{stderr}");
    assert!(
        stderr.contains("it belongs to another user (uid 0), and mfatui replaces only your own files; nothing was written"),
        "refused before the call (no network error, no code spent): {stderr}"
    );
    assert_eq!(sb.credentials(), CREDS);
}

/// Attack round 11 (R11-6): a profile named like another's session target (`dev-mfa`) held a
/// long-term key of its own; renewing `dev` (`renew`, `credential-process`, `mfa`) wrote the
/// session over it, and after `backups.keep` more writes the key was nowhere. Refused before
/// the call, for sessions and roles alike.
#[test]
fn a_target_holding_a_long_term_key_of_its_own_is_never_overwritten() {
    let config = "[profile dev]\nregion = eu-west-1\nmfa_serial = arn:aws:iam::123456789012:mfa/ana\n\n\
        [profile admin]\nrole_arn = arn:aws:iam::123456789012:role/Admin\nsource_profile = dev\nmfa_serial = arn:aws:iam::123456789012:mfa/ana\n";
    let credentials = format!(
        "{CREDS}\n[dev-mfa]\naws_access_key_id = AKIAOTHERKEY000000B2\naws_secret_access_key = a-key-of-its-own\n\n\
         [admin-mfa]\naws_access_key_id = AKIAOTHERKEY000000C3\naws_secret_access_key = another-key-of-its-own\n"
    );
    for args in [
        &["renew", "dev", "--code", "123456", "--yes"][..],
        &["credential-process", "dev"][..],
        &["renew", "admin", "--code", "123456", "--yes"][..],
    ] {
        let sb = Sandbox::new(&nowhere(), config, &credentials);
        let out = sb.mfatui_env(args, &[("AWS_MFA_TOKEN", "123456")]);
        let stderr = text(&out).1;
        assert!(!out.status.success(), "{args:?}");
        assert!(
            stderr.contains("holds a long-term access key of its own (****00B2), which the session would overwrite")
                || stderr.contains("holds a long-term access key of its own (****00C3), which the session would overwrite"),
            "{args:?}: refused before the call (no network error): {stderr}"
        );
        assert_eq!(sb.credentials(), credentials, "{args:?}");
    }
    // Round 12: an empty `aws_session_token =` beside the key (the SDKs read no token there),
    // and a target setting naming the profile itself (its own key, in its own section).
    let empty_token = format!(
        "{CREDS}\n[dev-mfa]\naws_access_key_id = AKIAOTHERKEY000000B2\naws_secret_access_key = a-key-of-its-own\naws_session_token =\n"
    );
    for (credentials, settings, key) in [
        (empty_token.as_str(), "", "****00B2"),
        (CREDS, "[profiles.dev]\ntarget = \"dev\"\n", "****WXYZ"),
        (CREDS, "[naming]\ntarget = \"{profile}\"\n", "****WXYZ"),
    ] {
        let sb = Sandbox::new(&nowhere(), config, credentials);
        if !settings.is_empty() {
            sb.settings(settings);
        }
        let out = sb.mfatui_env(
            &["credential-process", "dev"],
            &[("AWS_MFA_TOKEN", "123456")],
        );
        let stderr = text(&out).1;
        assert!(!out.status.success(), "{settings}");
        assert!(
            stderr.contains(&format!("holds a long-term access key of its own ({key})")),
            "{settings}: {stderr}"
        );
        assert_eq!(sb.credentials(), credentials, "{settings}");
    }
    // Round 13: a token the JS SDK reads as a comment, and one in the config file beside a key
    // pair in the credentials file (botocore reads the pair and its token from one file).
    let key = format!(
        "{CREDS}\n[dev-mfa]\naws_access_key_id = AKIAOTHERKEY000000B2\naws_secret_access_key = a-key-of-its-own\n"
    );
    let commented = format!("{key}aws_session_token = # cleared\n");
    let split_config = format!("{config}\n[profile dev-mfa]\naws_session_token = stale\n");
    // Round 14: token lines the JS SDK v3 does not read (it keeps a key's case, splits only
    // at `=` and knows no `aws_security_token`): the pair is a long-term key to it.
    let upper = format!("{key}AWS_SESSION_TOKEN = stale\n");
    let security = format!("{key}aws_security_token = stale\n");
    let colon = format!("{key}aws_session_token: stale\n");
    // Round 14c (C-1): a key ending in what Python strips and JavaScript does not, and a
    // token line after a lone CR (one line to the JS SDK).
    let unit_separator = format!("{key}aws_session_token\u{1f} = stale\n");
    let next_line = format!("{key}aws_session_token\u{85} = stale\n");
    let lone_cr = format!("{key}region = us-east-1\raws_session_token = stale\n");
    for (config, credentials) in [
        (config, commented.as_str()),
        (split_config.as_str(), key.as_str()),
        (config, upper.as_str()),
        (config, security.as_str()),
        (config, colon.as_str()),
        (config, unit_separator.as_str()),
        (config, next_line.as_str()),
        (config, lone_cr.as_str()),
    ] {
        let sb = Sandbox::new(&nowhere(), config, credentials);
        let out = sb.mfatui_env(
            &["credential-process", "dev"],
            &[("AWS_MFA_TOKEN", "123456")],
        );
        let stderr = text(&out).1;
        assert!(
            stderr.contains("holds a long-term access key of its own (****00B2)"),
            "{config}: {stderr}"
        );
        assert_eq!(sb.credentials(), credentials);
    }
}

/// Attack rounds 14c and 14d (C-9, D-2): a secret pasted with its indent under a setting is
/// part of that setting's value to botocore; `list`, `list --json` and the code prompt showed
/// it. A value is shown by its first line.
#[test]
fn a_secret_pasted_under_a_setting_is_never_shown() {
    let secret = "PastedIndentedSecretValue000000000000001";
    let config = format!(
        "[profile dev]\nregion = eu-west-1\nmfa_serial = arn:aws:iam::123456789012:mfa/ana\n  aws_secret_access_key = {secret}\n\n\
         [profile sso]\nsso_start_url = https://example.awsapps.com/start\nsso_region = us-east-1\nsso_account_id = 111111111111\n  aws_secret_access_key = {secret}\nsso_role_name = R\nregion = us-east-1\n  aws_secret_access_key = {secret}\n"
    );
    let sb = Sandbox::new(&nowhere(), &config, CREDS);
    for args in [
        &["list"][..],
        &["list", "--json"][..],
        &["credential-process", "sso"][..],
        &["renew", "dev", "--yes"][..],
    ] {
        let out = sb.mfatui(args);
        let (stdout, stderr) = text(&out);
        assert!(
            !stdout.contains(secret) && !stderr.contains(secret),
            "{args:?}: {stdout}{stderr}"
        );
    }
}

/// Attack round 15 (E-1, E-5, E-6): the same paste under the settings an error or a problem
/// quotes — a role's `mfa_serial` (its code prompt), `source_profile`, `sso_session`,
/// `__profile__`, a session's `expiration`, `endpoint_url`, `ca_bundle` — was printed by `list`,
/// the errors and the `-v` log. Each is named by its first line.
#[test]
fn a_secret_pasted_under_a_setting_an_error_quotes_is_never_shown() {
    let secret = "PastedIndentedSecretValue000000000000001";
    let paste = format!("\n  aws_secret_access_key = {secret}\n");
    let fresh = (chrono::Utc::now() + chrono::Duration::hours(6))
        .to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
    let layouts: Vec<(String, String, Vec<&[&str]>)> = vec![
        (
            format!("[profile dev]\nregion = eu-west-1\n\n[profile admin]\nrole_arn = arn:aws:iam::123456789012:role/Admin\nsource_profile = dev\nmfa_serial = arn:aws:iam::123456789012:mfa/ana{paste}region = us-east-1\n"),
            CREDS.to_owned(),
            vec![&["renew", "admin", "--yes"], &["credential-process", "admin"]],
        ),
        (
            format!("[profile dev]\nregion = eu-west-1\n\n[profile admin]\nrole_arn = arn:aws:iam::123456789012:role/Admin\nsource_profile = dev{paste}region = us-east-1\n"),
            CREDS.to_owned(),
            vec![&["list"], &["list", "--json"], &["renew", "admin", "--code", "123456", "--yes"], &["credential-process", "admin"]],
        ),
        (
            format!("[profile ssop]\nsso_session = corp{paste}sso_account_id = 111111111111\nsso_role_name = R\n\n[sso-session corp]\nsso_start_url = https://example.awsapps.com/start\nsso_region = us-east-1\n"),
            CREDS.to_owned(),
            vec![&["list", "--json"], &["credential-process", "ssop"], &["renew", "ssop", "--yes"]],
        ),
        (
            "[profile weird]\nregion = eu-west-1\n".to_owned(),
            format!("{CREDS}\n[weird]\n__profile__ = dev{paste}"),
            vec![&["list"], &["list", "--json"], &["renew", "weird", "--code", "123456", "--yes"]],
        ),
        (
            CONFIG.to_owned(),
            format!("{CREDS}\n[dev-mfa]\naws_access_key_id = ASIAEXAMPLEEXAMPLE01\nexpiration = {fresh}{paste}"),
            vec![&["list"], &["list", "--json"]],
        ),
        (
            format!("[profile dev]\nregion = eu-west-1\nmfa_serial = arn:aws:iam::123456789012:mfa/ana\nendpoint_url = {}{paste}", nowhere()),
            CREDS.to_owned(),
            vec![&["renew", "dev", "--code", "123456", "--yes"]],
        ),
        (
            format!("[profile dev]\nregion = eu-west-1\nmfa_serial = arn:aws:iam::123456789012:mfa/ana\nca_bundle = /nowhere/ca.pem{paste}"),
            CREDS.to_owned(),
            vec![&["renew", "dev", "--code", "123456", "--yes"]],
        ),
    ];
    for (config, creds, runs) in layouts {
        let sb = Sandbox::new(&nowhere(), &config, &creds);
        let log = sb.home.path().join("mfatui.log");
        for args in runs {
            let mut all = vec!["--log-file", log.to_str().unwrap()];
            all.extend_from_slice(args);
            let out = sb.mfatui_env(
                &all,
                &[("AWS_ENDPOINT_URL", ""), ("MFATUI_CALL_TIMEOUT", "2")],
            );
            let (stdout, stderr) = text(&out);
            let logged = std::fs::read_to_string(&log).unwrap_or_default();
            assert!(
                !stdout.contains(secret) && !stderr.contains(secret) && !logged.contains(secret),
                "{args:?} in\n{config}{creds}\n: {stdout}{stderr}{logged}"
            );
        }
    }
}

/// Attack round 14 (C-10): an indented `role_arn`/`source_profile` under another setting of the
/// target's config section is no setting to botocore but a role to the JS SDK v3: `use dev`
/// named a profile JS programs resolved to another identity. Refused before the call.
#[test]
fn a_target_with_an_indented_source_only_the_js_sdk_reads_is_refused() {
    let config = format!(
        "{CONFIG}\n[profile dev-mfa]\nregion = us-east-1\n  role_arn = arn:aws:iam::123456789012:role/Target\n  source_profile = nomfa\n"
    );
    let sb = Sandbox::new(&nowhere(), &config, CREDS);
    let out = sb.mfatui_env(
        &["credential-process", "dev"],
        &[("AWS_MFA_TOKEN", "123456")],
    );
    let stderr = text(&out).1;
    assert!(!out.status.success());
    assert!(
        stderr.contains("has a line `role_arn = …` indented under another setting"),
        "{stderr}"
    );
    assert_eq!(sb.credentials(), CREDS, "nothing written");
}

/// Attack round 13 (R13-6): settings targets that send two profiles' sessions to one section
/// (two `[profiles.…] target` lines alike, or one naming another profile's own section) served
/// the session one renewed as the other's: `credential-process admin` gave bob's user session
/// as the Admin role. Both are refused, served or renewed, with one sentence; a target of
/// one's own is served as before.
#[test]
fn two_profiles_sharing_a_session_section_are_neither_served_nor_renewed() {
    let config = format!(
        "{CONFIG}\n[profile bob]\nregion = eu-west-1\nmfa_serial = arn:aws:iam::123456789012:mfa/bob\n"
    );
    let fresh = (chrono::Utc::now() + chrono::Duration::hours(6))
        .to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
    let session = |section: &str| {
        format!(
            "\n[{section}]\naws_access_key_id = ASIABOBSESSION000001\naws_secret_access_key = bobs-session-secret\naws_session_token = bobs-session-token\nexpiration = {fresh}\n"
        )
    };
    let bob = "\n[bob]\naws_access_key_id = AKIAEXAMPLEKEY000BOB\naws_secret_access_key = bobs-long-term-key\n";
    for (settings, section, pairs) in [
        (
            "[profiles.bob]\ntarget = \"admin-mfa\"\n",
            "admin-mfa",
            &[("admin", "bob"), ("bob", "admin")][..],
        ),
        (
            "[profiles.dev]\ntarget = \"shared\"\n\n[profiles.bob]\ntarget = \"shared\"\n",
            "shared",
            &[("dev", "bob"), ("bob", "dev")][..],
        ),
    ] {
        let credentials = format!("{CREDS}{bob}{}", session(section));
        let sb = Sandbox::new(&nowhere(), &config, &credentials);
        sb.settings(settings);
        for (profile, other) in pairs {
            for args in [
                &["credential-process", profile][..],
                &["export", profile][..],
                &["renew", profile, "--code", "123456", "--yes"][..],
            ] {
                let out = sb.mfatui_env(args, &[("AWS_MFA_TOKEN", "123456")]);
                let (stdout, stderr) = text(&out);
                assert!(!out.status.success(), "{settings} {args:?}: {stdout}");
                assert!(!stdout.contains("ASIABOBSESSION"), "{args:?}: {stdout}");
                let said = |a: &str, b: &str| {
                    format!("'{a}' and '{b}' both keep their sessions in [{section}]")
                };
                assert!(
                    stderr.contains(&said(profile, other)),
                    "{settings} {args:?}: {stderr}"
                );
                assert_eq!(stderr.trim().lines().count(), 1, "{stderr}");
                assert_eq!(sb.credentials(), credentials, "nothing written");
            }
        }
    }
    // A target of one's own, beside a profile named like another's target: served as before.
    let credentials = format!(
        "{CREDS}{bob}{}{}",
        session("bob-session"),
        session("dev-mfa")
    );
    let sb = Sandbox::new(&nowhere(), &config, &credentials);
    sb.settings("[profiles.bob]\ntarget = \"bob-session\"\n");
    for profile in ["bob", "dev", "dev-mfa"] {
        let out = sb.mfatui(&["credential-process", profile]);
        assert!(out.status.success(), "{profile}: {}", text(&out).1);
        assert!(text(&out).0.contains("ASIABOBSESSION000001"), "{profile}");
    }
}

/// Attack round 15c (G-5): an AWS config file another user made (a path in a shared folder)
/// or may write named an `mfa_process`, and mfatui ran it as this user. It is not run: one
/// sentence names the file and why, as for a settings file of another user's.
#[test]
fn an_mfa_process_another_user_could_have_written_is_never_run() {
    use std::os::unix::fs::PermissionsExt;
    let sb = Sandbox::new(&nowhere(), CONFIG, CREDS);
    let ran = sb.home.path().join("ran");
    let config = CONFIG.replacen(
        "[profile dev]\n",
        &format!(
            "[profile dev]\nmfa_process = touch {}; echo 123456\n",
            ran.display()
        ),
        1,
    );
    std::fs::write(sb.aws("config"), config).unwrap();
    let mut cases = vec![(0o666, "other users may change it (mode 0666)")];
    if rustix::process::getuid().is_root() {
        cases.push((0o644, "it belongs to another user (uid 65534)"));
    }
    for (mode, why) in cases {
        std::fs::set_permissions(sb.aws("config"), std::fs::Permissions::from_mode(mode)).unwrap();
        if mode == 0o644 {
            std::os::unix::fs::chown(sb.aws("config"), Some(65534), Some(65534)).unwrap();
        }
        let out = sb.mfatui(&["credential-process", "dev"]);
        let stderr = text(&out).1;
        assert!(!out.status.success());
        assert!(
            stderr.contains("the mfa_process of 'dev' was not run") && stderr.contains(why),
            "{stderr}"
        );
        assert!(!ran.exists(), "the command never ran");
        assert_eq!(sb.credentials(), CREDS, "nothing written");
    }
}
