//! One code, many profiles: 20 roles renewed against moto with one MFA code, one write.

use crate::common::{text, Moto, Sandbox};

#[test]
fn twenty_roles_with_one_code_and_one_failure_that_blocks_nothing() {
    let Some(moto) = Moto::start() else { return };
    let serial = moto.get("mfa_serial");
    let mut config = format!("[profile dev]\nregion = eu-west-1\nmfa_serial = {serial}\n\n");
    for i in 0..20 {
        config.push_str(&format!(
            "[profile bulk{i:02}]\nrole_arn = {}\nsource_profile = dev\nmfa_serial = {serial}\nregion = eu-west-1\n\n",
            moto.role(&format!("Bulk{i:02}"))
        ));
    }
    config.push_str("[profile ghost]\nrole_arn = arn:aws:iam::123456789012:role/Ghost\nsource_profile = nobody\n");
    let creds = format!(
        "[dev]\naws_access_key_id = {}\naws_secret_access_key = {}\n",
        moto.get("access_key_id"),
        moto.get("secret_access_key")
    );
    let sb = Sandbox::new(&moto.url, &config, &creds);

    let mut args = vec!["renew", "--code", "123456", "--yes", "ghost"];
    let names: Vec<String> = (0..20).map(|i| format!("bulk{i:02}")).collect();
    args.extend(names.iter().map(String::as_str));
    let out = sb.mfatui(&args);
    let (stdout, stderr) = text(&out);
    assert_eq!(
        out.status.code(),
        Some(1),
        "one failure is reported in the exit status: {stdout}{stderr}"
    );
    assert!(
        stderr.contains("1 of 22 renewals failed (the others were written)"),
        "{stderr}"
    );
    assert!(
        stdout.contains("✗ ghost: profile 'ghost' cannot be renewed: source_profile 'nobody'"),
        "{stdout}"
    );
    assert!(
        stdout.contains("✓ dev → [dev-mfa]"),
        "one MFA session first: {stdout}"
    );
    assert_eq!(stdout.matches("  ✓ bulk").count(), 20, "{stdout}");
    assert_eq!(sb.backups().len(), 1, "one backup, one write");
    assert_eq!(
        stdout.matches("\n--- ").count() + usize::from(stdout.starts_with("--- ")),
        1,
        "one diff"
    );

    let after = sb.credentials();
    for name in &names {
        assert!(after.contains(&format!("[{name}-mfa]")), "{name}");
    }
    for (i, name) in names.iter().enumerate() {
        let arn = sb.caller_arn(&format!("{name}-mfa"));
        assert!(arn.contains(&format!(":assumed-role/Bulk{i:02}/")), "{arn}");
    }
    assert!(sb
        .caller_arn("dev-mfa")
        .starts_with("arn:aws:sts::123456789012:"));
}

#[test]
fn all_expiring_picks_only_roles_without_fresh_credentials() {
    let Some(moto) = Moto::start() else { return };
    let serial = moto.get("mfa_serial");
    let config = format!(
        "[profile dev]\nregion = eu-west-1\nmfa_serial = {serial}\n\n[profile a]\nrole_arn = {}\nsource_profile = dev\nmfa_serial = {serial}\nregion = eu-west-1\n\n[profile b]\nrole_arn = {}\nsource_profile = dev\nmfa_serial = {serial}\nregion = eu-west-1\n",
        moto.role("Bulk00"),
        moto.role("Bulk01")
    );
    let fresh = (chrono::Utc::now() + chrono::Duration::hours(5))
        .to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
    let creds = format!(
        "[dev]\naws_access_key_id = {}\naws_secret_access_key = {}\n\n[b-mfa]\naws_access_key_id = ASIAFRESH\naws_secret_access_key = s\naws_session_token = t\nexpiration = {fresh}\n",
        moto.get("access_key_id"),
        moto.get("secret_access_key")
    );
    let sb = Sandbox::new(&moto.url, &config, &creds);
    let out = sb.mfatui(&["renew", "--all-expiring", "--code", "123456", "--yes"]);
    let (stdout, stderr) = text(&out);
    assert!(out.status.success(), "{stderr}");
    assert!(
        stdout.contains("Renewing 1 profile with one MFA code:")
            && stdout.contains("✓ a → [a-mfa]")
            && !stdout.contains("✓ b"),
        "{stdout}"
    );
    sb.caller_arn("a-mfa");
}
