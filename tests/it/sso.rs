//! SSO profiles count down to their SSO token's expiry, read from the AWS CLI's cache under
//! the file name botocore itself derives (asked of botocore here), without showing a token.

use crate::common::{text, Sandbox};
use chrono::{Duration, SecondsFormat, Utc};
use std::process::Command;

/// botocore's own cache file name for a session name or a legacy start URL.
fn botocore_key(start_url: &str, session: Option<&str>) -> String {
    let out = Command::new("python3")
        .args([
            "-c",
            "import sys, botocore.utils as u; print(u.SSOTokenLoader(cache={})._generate_cache_key(sys.argv[1], sys.argv[2] or None))",
            start_url,
            session.unwrap_or(""),
        ])
        .output()
        .expect("python3 with botocore");
    assert!(out.status.success(), "{}", text(&out).1);
    text(&out).0.trim().to_owned()
}

#[test]
fn sso_profiles_count_down_to_the_cached_token() {
    let config = "[profile corp-read]\nsso_session = corp\nsso_account_id = 111111111111\nsso_role_name = Read\n\n\
                  [sso-session corp]\nsso_start_url = https://corp.awsapps.com/start\nsso_region = eu-west-1\n\n\
                  [profile legacy]\nsso_start_url = https://old.awsapps.com/start\nsso_region = us-east-1\nsso_account_id = 2\nsso_role_name = R\n\n\
                  [profile never]\nsso_session = other\nsso_account_id = 3\nsso_role_name = R\n\n[sso-session other]\nsso_start_url = https://x/start\nsso_region = us-east-1\n";
    let sb = Sandbox::new("http://127.0.0.1:9", config, "");
    let cache = sb.aws("sso/cache");
    std::fs::create_dir_all(&cache).unwrap();
    let valid = (Utc::now() + Duration::hours(5)).to_rfc3339_opts(SecondsFormat::Secs, true);
    for (key, expires) in [
        (
            botocore_key("https://corp.awsapps.com/start", Some("corp")),
            valid.clone(),
        ),
        (
            botocore_key("https://old.awsapps.com/start", None),
            "2026-01-01T00:00:00UTC".to_owned(),
        ),
    ] {
        std::fs::write(
            cache.join(format!("{key}.json")),
            format!(r#"{{"accessToken": "sso-access-token", "refreshToken": "sso-refresh-token", "expiresAt": "{expires}"}}"#),
        )
        .unwrap();
    }
    let out = sb.mfatui(&["list", "--json"]);
    let stdout = text(&out).0;
    assert!(!stdout.contains("sso-access-token") && !stdout.contains("sso-refresh-token"));
    let all: Vec<serde_json::Value> = serde_json::from_str(&stdout).unwrap();
    let by = |n: &str| all.iter().find(|p| p["name"] == n).unwrap();
    assert_eq!(by("corp-read")["expiry_source"], "sso-cache");
    assert_eq!(by("corp-read")["expiration"], valid.as_str());
    assert_eq!(by("corp-read")["expiry_status"], "valid");
    assert_eq!(by("legacy")["expiry_status"], "expired");
    assert_eq!(by("never")["expiry_status"], "none");
    let table = text(&sb.mfatui(&["list"])).0;
    assert!(
        table
            .lines()
            .any(|l| l.contains("legacy") && l.contains("expired")),
        "{table}"
    );
}
