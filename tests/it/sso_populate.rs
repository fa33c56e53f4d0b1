//! `mfatui sso populate` against the portal stand-in: 40+ accounts on several pages, names
//! with spaces, quotes, dots and Unicode that the AWS CLI and botocore take with `--profile`;
//! a slow portal listed concurrently within the bound; a second run byte-identical; prune
//! after an unassignment removes only this session's generated profiles, never one the user
//! edited or another profile sources; a failed listing prunes nothing.

use super::sso_refresh::{signed_in, World};
use crate::common::text;
use serde_json::json;

fn accounts(n: usize, delay: f64, fail: &[&str]) -> serde_json::Value {
    let list: Vec<serde_json::Value> = (0..n)
        .map(|i| {
            let name = match i {
                0 => "Data Lake \"prod\"".to_owned(),
                1 => "Team's sandbox".to_owned(),
                2 => "Zürich v2.1".to_owned(),
                _ => format!("account {i}"),
            };
            json!({"id": format!("{:012}", 100_000 + i), "name": name,
                   "roles": if i % 2 == 0 { json!(["ReadOnly", "Admin"]) } else { json!(["ReadOnly"]) }})
        })
        .collect();
    json!({"accounts": list, "delay": delay, "fail_roles": fail})
}

fn populate(w: &World, extra: &[&str]) -> std::process::Output {
    let mut args = vec!["sso", "populate", "corp", "--yes", "--region", "eu-west-1"];
    args.extend_from_slice(extra);
    w.mfatui(&args, &[])
}

#[test]
fn forty_five_accounts_become_safe_profiles_and_a_second_run_changes_nothing() {
    let w = World::with_portal("approve", Some(&accounts(45, 0.05, &[])));
    signed_in(&w);
    let out = populate(&w, &[]);
    let (stdout, stderr) = text(&out);
    assert!(out.status.success(), "{stderr}");
    // 45 accounts, 23 of them with two roles; corp-read (account 111111111111) is not listed.
    assert!(
        stdout.contains("68 roles in 45 accounts; 0 already configured, 68 new"),
        "{stdout}"
    );
    let config = std::fs::read_to_string(w.sb.aws("config")).unwrap();
    assert!(
        config.contains("[profile Data-Lake-prod-ReadOnly]"),
        "{config}"
    );
    assert!(
        config.contains("[profile Team-s-sandbox-ReadOnly]"),
        "{config}"
    );
    assert!(config.contains("[profile Z-rich-v2-1-Admin]"), "{config}");
    assert_eq!(
        config
            .matches("mfatui_generated_by = sso-session corp")
            .count(),
        68
    );
    // Every page and every account was listed, concurrently but within the bound.
    assert_eq!(w.count("accounts"), 5);
    let inflight: Vec<usize> = w
        .calls()
        .iter()
        .filter_map(|c| c.strip_prefix("roles ").map(|n| n.parse().unwrap()))
        .collect();
    assert_eq!(inflight.len(), 68, "one call per role page");
    let most = inflight.iter().copied().max().unwrap();
    assert!(most > 1 && most <= 8, "{most} at once");
    // The AWS CLI and botocore take the names as they are.
    let names = std::process::Command::new("python3")
        .args([
            "-c",
            "import botocore.session as s; print('\\n'.join(s.Session().available_profiles))",
        ])
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap())
        .env("AWS_CONFIG_FILE", w.sb.aws("config"))
        .env("AWS_SHARED_CREDENTIALS_FILE", w.sb.aws("credentials"))
        .output()
        .unwrap();
    let names = text(&names).0;
    for name in [
        "Data-Lake-prod-ReadOnly",
        "Team-s-sandbox-ReadOnly",
        "Z-rich-v2-1-Admin",
    ] {
        assert!(names.lines().any(|l| l == name), "{name} in {names}");
    }
    let cli = w.sb.aws_cli(
        &[
            "configure",
            "get",
            "sso_account_id",
            "--profile",
            "Data-Lake-prod-ReadOnly",
        ],
        &[],
    );
    assert_eq!(text(&cli).0.trim(), "000000100000", "{}", text(&cli).1);
    // Second run: nothing to change, byte-identical.
    let before = std::fs::read(w.sb.aws("config")).unwrap();
    let out = populate(&w, &["--prune"]);
    let stdout = text(&out).0;
    assert!(
        stdout.contains("68 already configured, 0 new, 0 to prune"),
        "{stdout}"
    );
    assert!(stdout.contains("Nothing to change"), "{stdout}");
    assert_eq!(std::fs::read(w.sb.aws("config")).unwrap(), before);
}

#[test]
fn hand_written_pairs_are_not_generated_again_and_prune_keeps_them() {
    let w = World::with_portal("approve", Some(&accounts(3, 0.0, &[])));
    signed_in(&w);
    // Account 100000 / ReadOnly is written by hand under another name; another session's
    // generated profile names a pair that is gone.
    let mut config = std::fs::read_to_string(w.sb.aws("config")).unwrap();
    config.push_str("\n[profile my-lake]\nsso_session = corp\nsso_account_id = 000000100000\nsso_role_name = ReadOnly\n\n\
                     [profile other-org]\nsso_session = other\nsso_account_id = 000000999999\nsso_role_name = R\nmfatui_generated_by = sso-session other\n");
    std::fs::write(w.sb.aws("config"), &config).unwrap();
    let out = populate(&w, &[]);
    assert!(
        text(&out).0.contains("1 already configured, 4 new"),
        "{}",
        text(&out).0
    );
    let written = std::fs::read_to_string(w.sb.aws("config")).unwrap();
    assert!(
        !written.contains("[profile Data-Lake-prod-ReadOnly]"),
        "{written}"
    );
    // A backup of the file as it was.
    assert!(
        std::fs::read_dir(w.sb.aws(".mfatui-backups"))
            .unwrap()
            .count()
            >= 1
    );
    // Account 100002 loses its assignment: prune removes its two generated profiles only.
    let fewer = accounts(2, 0.0, &[]);
    std::fs::write(w.sb.home.path().join("accounts.json"), fewer.to_string()).unwrap();
    let out = populate(&w, &["--prune"]);
    assert!(text(&out).0.contains("2 to prune"), "{}", text(&out).0);
    let pruned = std::fs::read_to_string(w.sb.aws("config")).unwrap();
    assert!(!pruned.contains("000000100002"), "{pruned}");
    for kept in [
        "[profile my-lake]",
        "[profile other-org]",
        "[profile corp-read]",
        "[profile Data-Lake-prod-Admin]",
    ] {
        assert!(pruned.contains(kept), "{kept}: {pruned}");
    }
}

#[test]
fn prune_keeps_a_generated_profile_the_user_edited_or_another_profile_sources() {
    let w = World::with_portal("approve", Some(&accounts(4, 0.0, &[])));
    signed_in(&w);
    assert!(populate(&w, &[]).status.success());
    // The user edits one generated profile and chains a role from another.
    let config = std::fs::read_to_string(w.sb.aws("config")).unwrap();
    let header = "[profile Z-rich-v2-1-Admin]\n";
    assert!(config.contains(header), "{config}");
    let config = config.replace(
        header,
        &format!("{header}# the break-glass role\nmfa_serial = arn:aws:iam::000000100002:mfa/me\n"),
    ) + "\n[profile chained]\nrole_arn = arn:aws:iam::000000100003:role/deploy\nsource_profile = account-3-ReadOnly\n";
    std::fs::write(w.sb.aws("config"), &config).unwrap();
    // Accounts 100002 and 100003 lose their assignments.
    let fewer = accounts(2, 0.0, &[]);
    std::fs::write(w.sb.home.path().join("accounts.json"), fewer.to_string()).unwrap();
    let out = populate(&w, &["--prune"]);
    let (stdout, stderr) = text(&out);
    assert!(out.status.success(), "{stderr}");
    assert!(stdout.contains("1 to prune"), "{stdout}");
    assert!(
        stderr.contains("not pruning 'Z-rich-v2-1-Admin'")
            && stderr.contains("edited since it was generated"),
        "{stderr}"
    );
    assert!(
        stderr.contains("not pruning 'account-3-ReadOnly'")
            && stderr.contains("named as source_profile by 'chained'"),
        "{stderr}"
    );
    let pruned = std::fs::read_to_string(w.sb.aws("config")).unwrap();
    assert!(
        !pruned.contains("[profile Z-rich-v2-1-ReadOnly]"),
        "{pruned}"
    );
    for kept in [
        "[profile Z-rich-v2-1-Admin]\n# the break-glass role\nmfa_serial = arn:aws:iam::000000100002:mfa/me\n",
        "[profile account-3-ReadOnly]\n",
        "[profile chained]\nrole_arn = arn:aws:iam::000000100003:role/deploy\nsource_profile = account-3-ReadOnly\n",
    ] {
        assert!(pruned.contains(kept), "{kept}: {pruned}");
    }
}

/// Attack round 14 (R14-1, C-6, C-7): a portal repeating its `nextToken` made `sso populate`
/// list forever; a listing cut there must not pass for complete, or `--prune` removes the
/// profiles of the pages never read. It ends at once, incomplete (nothing pruned); an empty
/// token is the normal end.
#[test]
fn a_portal_repeating_its_page_token_ends_the_listing_incomplete() {
    for how in ["empty", "same", "roles"] {
        let w = World::with_portal("approve", Some(&accounts(3, 0.0, &[])));
        signed_in(&w);
        assert!(populate(&w, &[]).status.success(), "{how}");
        let before = std::fs::read_to_string(w.sb.aws("config")).unwrap();
        let mut listing = accounts(3, 0.0, &[]);
        listing["loop"] = json!(how);
        std::fs::write(w.sb.home.path().join("accounts.json"), listing.to_string()).unwrap();
        let mut command = w.sb.mfatui_command(&[
            "sso",
            "populate",
            "corp",
            "--yes",
            "--prune",
            "--region",
            "eu-west-1",
        ]);
        command.envs(w.env());
        let mut child = command
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        let start = std::time::Instant::now();
        while child.try_wait().unwrap().is_none() {
            if start.elapsed() > std::time::Duration::from_secs(60) {
                let _ = child.kill();
                panic!("{how}: the listing never ended");
            }
            std::thread::sleep(std::time::Duration::from_millis(100));
        }
        let out = child.wait_with_output().unwrap();
        let (stdout, stderr) = text(&out);
        assert!(stdout.contains("0 to prune"), "{how}: {stdout} {stderr}");
        assert_eq!(
            std::fs::read_to_string(w.sb.aws("config")).unwrap(),
            before,
            "{how}: nothing pruned or added twice"
        );
        if how != "empty" {
            assert!(
                stderr.contains("repeated a page token") && stderr.contains("incomplete"),
                "{how}: {stderr}"
            );
        }
    }
}

/// Attack round 14d (D-9): a portal naming ten new accounts and a new token on every page kept
/// `sso populate` listing for minutes (1,000 pages, then a role listing for each of 10,000
/// accounts). The listing stops when its time is up ([`mfatui::aws::sso::LIST_TIME`] for a
/// person; 1 s here), incomplete, so that nothing is pruned after it.
#[test]
fn a_portal_naming_new_accounts_forever_is_listed_only_for_the_listings_time() {
    let mut hostile = accounts(1, 0.0, &[]);
    hostile["loop"] = json!("fresh");
    let w = World::with_portal("approve", Some(&hostile));
    signed_in(&w);
    let token = w.token()["accessToken"].as_str().unwrap().to_owned();
    let portal = w
        .env()
        .into_iter()
        .find(|(k, _)| *k == "AWS_ENDPOINT_URL_SSO")
        .unwrap()
        .1;
    let target = mfatui::aws::sso::SsoTarget {
        start_url: "https://corp.awsapps.com/start".to_owned(),
        region: "eu-west-1".to_owned(),
        session: Some("corp".to_owned()),
        scopes: None,
        endpoint: None,
        ca_bundle: None,
        connect_timeout: std::time::Duration::from_secs(5),
        call_timeout: std::time::Duration::from_secs(30),
    };
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let started = std::time::Instant::now();
    let listing = runtime
        .block_on(mfatui::aws::sso::list_assignments(
            &target,
            Some(&portal),
            &mfatui::secret::Secret::new(token),
            mfatui::aws::sso::LIST_BOUND,
            std::time::Duration::from_secs(1),
        ))
        .unwrap();
    let took = started.elapsed();
    assert!(
        took < std::time::Duration::from_secs(15),
        "listed for {took:?}"
    );
    let why = listing
        .incomplete
        .expect("a listing cut short is incomplete");
    // The accounts' pages may reach their own cap first on a fast machine; the role listings
    // of 10,000 accounts (minutes) are what the time cuts.
    assert!(
        why.contains("time ran out") || why.contains("more than 1000 pages"),
        "{why}"
    );
}

#[test]
fn a_failed_listing_prunes_nothing() {
    let w = World::with_portal("approve", Some(&accounts(4, 0.0, &[])));
    signed_in(&w);
    assert!(populate(&w, &[]).status.success());
    let before = std::fs::read_to_string(w.sb.aws("config")).unwrap();
    // Account 100003 is gone, but account 100001's roles cannot be listed: nothing pruned.
    let broken = accounts(3, 0.0, &["000000100001"]);
    std::fs::write(w.sb.home.path().join("accounts.json"), broken.to_string()).unwrap();
    let out = populate(&w, &["--prune"]);
    let (stdout, stderr) = text(&out);
    assert!(
        stderr.contains("the listing is incomplete") && stderr.contains("nothing is pruned"),
        "{stderr}"
    );
    assert!(stdout.contains("0 to prune"), "{stdout}");
    assert_eq!(std::fs::read_to_string(w.sb.aws("config")).unwrap(), before);
    // Not signed in, and the sign-in is denied: one sentence after the prompt, nothing written.
    let w = World::with_portal("deny", Some(&accounts(1, 0.0, &[])));
    let before = std::fs::read(w.sb.aws("config")).unwrap();
    let out = populate(&w, &[]);
    assert!(!out.status.success());
    let stderr = text(&out).1;
    assert!(
        stderr.trim().lines().last().unwrap().contains("denied"),
        "{stderr}"
    );
    assert_eq!(std::fs::read(w.sb.aws("config")).unwrap(), before);
}
