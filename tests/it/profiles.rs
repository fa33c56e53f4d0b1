//! The profile model on the fixture corpus: kinds, chains, MFA conventions, expiry.

use chrono::{DateTime, Utc};
use mfatui::awsfiles::cli_cache::{cache_key, RoleCacheArgs};
use mfatui::awsfiles::expiry::ExpirySource;
use mfatui::awsfiles::{AwsPaths, Expiry, Naming, Profile, ProfileKind, Snapshot};
use std::path::{Path, PathBuf};

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
}

fn load_with_cache(dir: &Path, cache: &Path) -> Vec<Profile> {
    let paths = AwsPaths {
        config: dir.join("config"),
        credentials: dir.join("credentials"),
        cli_cache: cache.to_owned(),
        mfa_secure_sessions: cache.join("mfa-secure-sessions"),
        sso_cache: cache.join("sso-cache"),
        login_cache: cache.join("login-cache"),
        mfatui_cache: cache.join("mfatui-cache"),
        selected_profile: None,
    };
    Snapshot::load(&paths, &Naming::default())
        .unwrap()
        .profiles()
        .to_vec()
}

fn load(name: &str) -> Vec<Profile> {
    load_with_cache(&fixture(name), Path::new("/nonexistent"))
}

fn get<'a>(profiles: &'a [Profile], name: &str) -> &'a Profile {
    profiles
        .iter()
        .find(|p| p.name == name)
        .unwrap_or_else(|| panic!("no profile {name}"))
}

fn utc(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
}

#[test]
fn kinds_follow_botocore_provider_order() {
    let p = load("43-process-and-web-identity");
    assert_eq!(get(&p, "proc").kind, ProfileKind::Process);
    assert_eq!(get(&p, "web").kind, ProfileKind::WebIdentity);
    assert_eq!(
        get(&p, "proc-with-creds").kind,
        ProfileKind::LongTerm,
        "credentials-file keys beat credential_process"
    );
    let p = load("22-sso-session");
    assert_eq!(get(&p, "sso-dev").kind, ProfileKind::Sso);
    assert_eq!(get(&p, "sso-legacy").kind, ProfileKind::Sso);
    assert_eq!(get(&p, "sso-dev").account.as_deref(), Some("111122223333"));
    assert_eq!(get(&p, "sso-dev").principal.as_deref(), Some("Developer"));
    let p = load("38-config-only");
    assert_eq!(get(&p, "only-config").kind, ProfileKind::ConfigOnly);
    let p = load("01-keys-basic");
    assert_eq!(get(&p, "dev").kind, ProfileKind::LongTerm);
    assert!(get(&p, "dev").has_keys);
    assert_eq!(
        get(&p, "dev").access_key_suffix.as_deref(),
        Some("****ABCD")
    );
}

#[test]
fn role_chains_resolve_through_roles_to_keys() {
    let p = load("40-role-chain");
    let target = get(&p, "target");
    assert_eq!(target.kind, ProfileKind::Role);
    assert_eq!(target.chain, vec!["hop", "base"]);
    assert_eq!(target.account.as_deref(), Some("333333333333"));
    assert_eq!(target.principal.as_deref(), Some("Target"));
    assert!(target.problems.is_empty(), "{:?}", target.problems);
    assert_eq!(get(&p, "hop").chain, vec!["base"]);
    assert_eq!(
        get(&p, "selfref").chain,
        vec!["selfref"],
        "self-reference with keys is allowed"
    );
    let env = get(&p, "from-env");
    assert!(env.chain.is_empty() && env.problems.is_empty());
    assert_eq!(env.credential_source.as_deref(), Some("Environment"));
}

#[test]
fn cycles_and_dangling_sources_are_problems_not_crashes() {
    let p = load("41-role-cycle");
    assert_eq!(
        get(&p, "a").problems,
        vec!["source_profile loop: a → b → a"]
    );
    assert_eq!(
        get(&p, "b").problems,
        vec!["source_profile loop: b → a → b"]
    );
    assert_eq!(
        get(&p, "self-no-keys").problems,
        vec!["source_profile loop: self-no-keys → self-no-keys"]
    );
    let p = load("42-dangling-source");
    assert_eq!(
        get(&p, "orphan").problems,
        vec!["source_profile 'nowhere' (named in 'orphan') does not exist"]
    );
    assert!(get(&p, "both").problems[0].contains("both source_profile and credential_source"));
    assert!(get(&p, "neither").problems[0].contains("needs a source_profile or credential_source"));
    assert_eq!(
        get(&p, "empty-source").problems,
        vec!["source profile 'settings-only' has no credentials"]
    );
}

#[test]
fn mfa_devices_come_from_every_convention() {
    let p = load("50-mfa-conventions");
    for (name, key, user) in [
        ("serial", "mfa_serial", "serial-user"),
        ("awsmfa", "aws_mfa_device", "awsmfa-user"),
        ("dunder", "__mfa__", "dunder-user"),
    ] {
        let mfa = get(&p, name).mfa.as_ref().unwrap();
        assert_eq!(mfa.key, key);
        assert_eq!(mfa.serial, format!("arn:aws:iam::123456789012:mfa/{user}"));
        assert_eq!(get(&p, name).principal.as_deref(), Some(user));
    }
    let half = get(&p, "half-keys");
    assert!(!half.has_keys);
    assert!(half.problems[0].contains("half of an access key pair"));
}

#[test]
fn aws_mfa_short_term_profile_uses_its_long_term_partner() {
    let p = load("39-aws-mfa-layout");
    let dev = get(&p, "dev");
    assert_eq!(dev.kind, ProfileKind::Session);
    assert_eq!(dev.long_term_profile.as_deref(), Some("dev-long-term"));
    let mfa = dev.mfa.as_ref().unwrap();
    assert_eq!(
        (mfa.key, mfa.profile.as_str()),
        ("aws_mfa_device", "dev-long-term")
    );
    assert_eq!(
        dev.expiry,
        Expiry::At {
            at: utc("2026-11-22T23:30:00Z"),
            source: ExpirySource::Key("expiration")
        }
    );
    assert_eq!(dev.region.as_deref(), Some("eu-west-1"));
    let lt = get(&p, "dev-long-term");
    assert_eq!(lt.kind, ProfileKind::LongTerm);
    assert_eq!(lt.long_term_profile, None);
    assert_eq!(lt.expiry, Expiry::None);
}

#[test]
fn expiry_is_read_from_each_tool_convention() {
    let p = load("44-expiry-conventions");
    let at = |name: &str| get(&p, name).expiry.clone();
    assert_eq!(
        at("saml"),
        Expiry::At {
            at: utc("2026-11-22T18:00:00Z"),
            source: ExpirySource::Key("x_security_token_expires")
        }
    );
    assert_eq!(
        at("script").at().unwrap().timestamp_millis(),
        utc("2026-11-22T18:00:00.123Z").timestamp_millis()
    );
    assert_eq!(
        at("aws-exp"),
        Expiry::At {
            at: utc("2026-11-22T17:00:00Z"),
            source: ExpirySource::Key("aws_expiration")
        }
    );
    assert_eq!(
        at("garbled"),
        Expiry::Unknown {
            raw: Some("next tuesday".into())
        }
    );
    assert_eq!(at("no-expiry"), Expiry::Unknown { raw: None });
}

#[test]
fn role_expiry_comes_from_the_aws_cli_cache_entry_of_that_exact_role_config() {
    let cache = tempfile::tempdir().unwrap();
    let key = cache_key(&RoleCacheArgs {
        role_arn: "arn:aws:iam::333333333333:role/path/Target",
        role_session_name: Some("ana"),
        external_id: Some("ext-1"),
        mfa_serial: None,
        duration_seconds: Some("3600"),
    });
    std::fs::write(
        cache.path().join(format!("{key}.json")),
        r#"{"Credentials": {"AccessKeyId": "ASIA", "SecretAccessKey": "x", "SessionToken": "y", "Expiration": "2026-11-22T18:30:00UTC"}}"#,
    )
    .unwrap();
    let p = load_with_cache(&fixture("40-role-chain"), cache.path());
    assert_eq!(
        get(&p, "target").expiry,
        Expiry::At {
            at: utc("2026-11-22T18:30:00Z"),
            source: ExpirySource::CliCache(format!("{key}.json"))
        }
    );
    assert_eq!(
        get(&p, "hop").expiry,
        Expiry::None,
        "another role's cache entry is not used"
    );
}

#[test]
fn a_missing_file_is_empty_not_an_error() {
    let p = load("37-credentials-only");
    assert_eq!(p.len(), 1);
    assert_eq!(p[0].credentials_section.as_deref(), Some("only-creds"));
    assert_eq!(p[0].config_section, None);
}

/// The pairing conventions (aws-mfa's `NAME` / `NAME-SUFFIX`, `__profile__`) restated from
/// their descriptions, over the whole map at once: the oracle the profile builder, which
/// links only the profiles a convention touches, must agree with. Returns, per profile in map
/// order, (long-term profile, session profile, pairing problems).
fn pairing_oracle(
    snapshot: &Snapshot,
    suffix: &str,
) -> Vec<(Option<String>, Option<String>, usize)> {
    let map = snapshot.map();
    let count = map.profile_count();
    let names: Vec<String> = (0..count).map(|i| map.profile_at(i).0.to_owned()).collect();
    let built: Vec<&Profile> = names.iter().map(|n| snapshot.profile(n).unwrap()).collect();
    // What a profile says about its long-term partner on its own.
    let own_partner = |i: usize| -> Option<String> {
        let name = &names[i];
        match map.profile_at(i).1.get("__profile__") {
            Some(to) => (to != name && map.profile(to).is_some()).then(|| to.to_owned()),
            None if name.ends_with(suffix) => None,
            None => {
                let partner = format!("{name}{suffix}");
                map.profile(&partner).is_some().then_some(partner)
            }
        }
    };
    let mut long_term: Vec<Option<String>> = (0..count).map(own_partner).collect();
    let mut problems = vec![0; count];
    // aws-mfa's long-term profiles under any suffix: keys and `aws_mfa_device` of their own.
    let mut partners: Vec<Vec<usize>> = vec![Vec::new(); count];
    for lt in 0..count {
        let p = built[lt];
        let own_aws_mfa_device = p
            .mfa
            .as_ref()
            .is_some_and(|m| m.key == "aws_mfa_device" && m.profile == p.name);
        if p.kind != ProfileKind::LongTerm || p.name.ends_with(suffix) || !own_aws_mfa_device {
            continue;
        }
        let shorts: Vec<usize> = names[lt]
            .match_indices('-')
            .filter_map(|(at, _)| map.position(&names[lt][..at]))
            .filter(|&s| long_term[s].is_none() && built[s].kind != ProfileKind::LongTerm)
            .collect();
        match shorts.as_slice() {
            [] => {}
            [short] => partners[*short].push(lt),
            _ => problems[lt] += 1,
        }
    }
    for short in 0..count {
        match partners[short].as_slice() {
            [] => {}
            [lt] => long_term[short] = Some(names[*lt].clone()),
            _ => problems[short] += 1,
        }
    }
    // The reverse link: the first profile (map order) naming it; a second one is a problem.
    let mut session: Vec<Option<String>> = vec![None; count];
    for i in 0..count {
        let Some(l) = long_term[i].as_deref().and_then(|lt| map.position(lt)) else {
            continue;
        };
        match &session[l] {
            None => session[l] = Some(names[i].clone()),
            Some(other) if *other != names[i] => problems[l] += 1,
            Some(_) => {}
        }
    }
    (0..count)
        .map(|i| (long_term[i].clone(), session[i].clone(), problems[i]))
        .collect()
}

/// The problems the pairing conventions raise, as the profile states them.
fn pairing_problems(p: &Profile) -> usize {
    p.problems
        .iter()
        .filter(|s| {
            s.contains("aws-mfa's long-term profile of") || s.contains("hold its MFA session")
        })
        .count()
}

fn pairing_matches_the_oracle(dir: &Path, naming: &Naming) -> usize {
    let paths = AwsPaths {
        config: dir.join("config"),
        credentials: dir.join("credentials"),
        cli_cache: dir.join("no-cache"),
        mfa_secure_sessions: dir.join("no-cache"),
        sso_cache: dir.join("no-cache"),
        login_cache: dir.join("no-cache"),
        mfatui_cache: dir.join("no-cache"),
        selected_profile: None,
    };
    let Ok(snapshot) = Snapshot::load(&paths, naming) else {
        return 0;
    };
    let expected = pairing_oracle(&snapshot, &naming.long_term_suffix);
    let mut linked = 0;
    for (p, (long_term, session, problems)) in snapshot.profiles().iter().zip(expected) {
        let at = format!("{} [{}]", dir.display(), p.name);
        assert_eq!(p.long_term_profile.as_deref(), long_term.as_deref(), "{at}");
        assert_eq!(p.session_profile.as_deref(), session.as_deref(), "{at}");
        assert_eq!(pairing_problems(p), problems, "{at}: {:?}", p.problems);
        if let Some(lt) = long_term.as_deref().and_then(|lt| snapshot.profile(lt)) {
            // A short-term profile without a device of its own uses its partner's.
            if p.mfa.as_ref().is_some_and(|m| m.profile != p.name) {
                assert_eq!(p.mfa, lt.mfa, "{at}");
            }
        }
        linked += usize::from(long_term.is_some());
    }
    linked
}

#[test]
fn pairing_conventions_link_exactly_the_profiles_the_whole_map_links() {
    let mut read = 0;
    let mut linked = 0;
    for dir in
        std::fs::read_dir(Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures")).unwrap()
    {
        linked += pairing_matches_the_oracle(&dir.unwrap().path(), &Naming::default());
        read += 1;
    }
    assert!(read > 40, "fixtures read: {read}");
    assert!(linked > 0, "the corpus pairs some profiles");
    // Pairs, competing pairs, `__profile__` links and their conflicts, a custom suffix.
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("config"),
        "[profile dev]\nregion = eu-west-1\n[profile dev-ops]\nregion = us-east-1\n\
         [profile app]\nrole_arn = arn:aws:iam::1:role/a\nsource_profile = dev\n",
    )
    .unwrap();
    std::fs::write(
        dir.path().join("credentials"),
        "[dev-long-term]\naws_access_key_id = AKIA1\naws_secret_access_key = s\n\
         aws_mfa_device = arn:aws:iam::1:mfa/d\n\
         [dev]\naws_access_key_id = ASIA1\naws_secret_access_key = s\naws_session_token = t\n\
         [team-a-b]\naws_access_key_id = AKIA2\naws_secret_access_key = s\naws_mfa_device = arn:aws:iam::1:mfa/t\n\
         [team]\naws_access_key_id = ASIA2\naws_secret_access_key = s\naws_session_token = t\n\
         [team-a]\naws_access_key_id = ASIA3\naws_secret_access_key = s\naws_session_token = t\n\
         [base]\naws_access_key_id = AKIA3\naws_secret_access_key = s\nmfa_serial = arn:aws:iam::1:mfa/b\n\
         [s1]\n__profile__ = base\naws_access_key_id = ASIA4\naws_secret_access_key = s\naws_session_token = t\n\
         [s2]\n__profile__ = base\naws_access_key_id = ASIA5\naws_secret_access_key = s\naws_session_token = t\n\
         [lone]\n__profile__ = nowhere\n\
         [ops-mfa]\naws_access_key_id = AKIA4\naws_secret_access_key = s\naws_mfa_device = arn:aws:iam::1:mfa/o\n\
         [ops]\nregion = eu-west-1\n",
    )
    .unwrap();
    for suffix in ["-long-term", "-mfa"] {
        let naming = Naming {
            long_term_suffix: suffix.to_owned(),
            ..Naming::default()
        };
        assert!(
            pairing_matches_the_oracle(dir.path(), &naming) >= 3,
            "{suffix}"
        );
    }
}
