//! `mfatui rotate` against moto, judged by the AWS CLI: the IAM user ends with only the new
//! key and the profile works; a failure after create, after write or at verify leaves the old
//! key in the file and in IAM; a user with two keys is told so and nothing changes.

use crate::common::{text, Moto, Sandbox};
use serde_json::Value;

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
    let out = sb.aws_cli(
        &[
            "iam",
            "list-access-keys",
            "--user-name",
            "ana",
            "--profile",
            "dev",
            "--output",
            "json",
        ],
        &[],
    );
    assert!(out.status.success(), "{}", text(&out).1);
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    v["AccessKeyMetadata"]
        .as_array()
        .unwrap()
        .iter()
        .map(|k| {
            (
                k["AccessKeyId"].as_str().unwrap().to_owned(),
                k["Status"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
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
