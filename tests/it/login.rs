//! `aws login` profiles: their kind where botocore's provider chain puts them, the token cache
//! read and written as botocore reads and writes it (botocore is the judge), and refreshes
//! through a local stand-in for AWS Sign-In (`tests/signin_standin.py`) that checks every
//! DPoP proof and refresh token the way the service does and refuses anything else.

use crate::common::{text, Sandbox};
use mfatui::awsfiles::login_cache::{file_name, LoginToken, Refreshed};
use mfatui::awsfiles::{AwsPaths, Naming, Snapshot};
use mfatui::secret::Secret;
use serde_json::Value;
use std::collections::BTreeMap;
use std::io::BufRead;
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};

const SESSION: &str = "arn:aws:iam::111122223333:user/ana";
const CONFIG: &str =
    "[profile console]\nlogin_session = arn:aws:iam::111122223333:user/ana\nregion = eu-west-1\n";

/// The sign-in stand-in, signed in for [`SESSION`] with its cache written by botocore.
struct StandIn {
    child: Child,
    url: String,
    log: PathBuf,
    _dir: tempfile::TempDir,
}

impl StandIn {
    /// `mode`: ok, expired or wrong-key; `access`: valid or expired (see the script).
    fn start(cache_dir: &Path, mode: &str, access: &str) -> StandIn {
        python_with_awscrt();
        let dir = tempfile::tempdir().unwrap();
        let log = dir.path().join("decisions.jsonl");
        let script = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/signin_standin.py");
        let mut child = Command::new("python3")
            .arg(script)
            .arg(cache_dir)
            .args([SESSION, mode, access])
            .arg(&log)
            .stdout(Stdio::piped())
            .spawn()
            .expect("python3");
        let mut port = String::new();
        std::io::BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut port)
            .unwrap();
        assert!(!port.trim().is_empty(), "the stand-in did not start");
        StandIn {
            child,
            url: format!("http://127.0.0.1:{}", port.trim()),
            log,
            _dir: dir,
        }
    }

    /// The stand-in's decisions so far: `accepted`, or `refused:WHY`.
    fn decisions(&self) -> Vec<String> {
        let Ok(text) = std::fs::read_to_string(&self.log) else {
            return Vec::new();
        };
        text.lines()
            .map(|l| {
                let v: Value = serde_json::from_str(l).unwrap();
                match v["why"].as_str() {
                    Some(why) => format!("{}:{why}", v["result"].as_str().unwrap()),
                    None => v["result"].as_str().unwrap().to_owned(),
                }
            })
            .collect()
    }
}

impl Drop for StandIn {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// botocore reads login caches only with awscrt (`pip install awscrt`, in `.ci/setup`).
fn python_with_awscrt() {
    let ok = Command::new("python3")
        .args(["-c", "import botocore, awscrt, cryptography"])
        .status()
        .is_ok_and(|s| s.success());
    assert!(
        ok,
        "these tests need python3 with botocore, awscrt and cryptography (.ci/setup)"
    );
}

/// Runs mfatui in `sb` with the sign-in endpoint at `signin`.
fn mfatui(sb: &Sandbox, signin: &str, args: &[&str]) -> Output {
    sb.mfatui_env(args, &[("AWS_ENDPOINT_URL_SIGNIN", signin)])
}

fn cache_file(sb: &Sandbox) -> PathBuf {
    sb.aws("login/cache").join(file_name(SESSION))
}

fn cache_json(sb: &Sandbox) -> Value {
    serde_json::from_slice(&std::fs::read(cache_file(sb)).unwrap()).unwrap()
}

/// Every secret the stand-in hands out or caches, as they would appear in text.
fn secrets(sb: &Sandbox) -> Vec<String> {
    let cache = cache_json(sb);
    let key_body = cache["dpopKey"].as_str().unwrap().lines().nth(1).unwrap();
    let mut found = vec![
        "standin-secret-".to_owned(),
        "standin-session-".to_owned(),
        "standin-refresh-".to_owned(),
        key_body.to_owned(),
        cache["idToken"].as_str().unwrap().to_owned(),
    ];
    found.push(
        cache["idToken"]
            .as_str()
            .unwrap()
            .split('.')
            .nth(1)
            .unwrap()
            .to_owned(),
    );
    found
}

fn assert_no_secret(sb: &Sandbox, texts: &[&str]) {
    for secret in secrets(sb) {
        for t in texts {
            assert!(
                !t.contains(&secret),
                "a secret ({secret:.12}…) was printed: {t}"
            );
        }
    }
}

/// What botocore's credential chain yields for `profile` in `sb`: method, key id, secret,
/// token. With `signin`, refreshes go to that endpoint.
fn botocore_credentials(sb: &Sandbox, profile: &str, extra: &[(&str, &str)]) -> Vec<String> {
    let script = "import sys, botocore.session\n\
        c = botocore.session.Session(profile=sys.argv[1]).get_credentials()\n\
        f = c.get_frozen_credentials()\n\
        print(c.method, f.access_key, f.secret_key, f.token)";
    let out = sb.aws_python(&["-c", script, profile], extra);
    assert!(out.status.success(), "botocore: {}", text(&out).1);
    text(&out).0.split_whitespace().map(str::to_owned).collect()
}

trait AwsPython {
    fn aws_python(&self, args: &[&str], extra: &[(&str, &str)]) -> Output;
}

impl AwsPython for Sandbox {
    /// python3 with the sandbox's HOME and nothing else from the environment but PATH.
    fn aws_python(&self, args: &[&str], extra: &[(&str, &str)]) -> Output {
        Command::new("python3")
            .args(args)
            .env_clear()
            .env("HOME", self.home.path())
            .env("PATH", std::env::var("PATH").unwrap_or_default())
            .envs(extra.iter().copied())
            .stdin(Stdio::null())
            .output()
            .unwrap()
    }
}

fn list_entry(sb: &Sandbox, signin: &str, name: &str) -> Value {
    let out = mfatui(sb, signin, &["list", "--json"]);
    assert!(out.status.success(), "{}", text(&out).1);
    let all: Vec<Value> = serde_json::from_slice(&out.stdout).unwrap();
    all.into_iter().find(|p| p["name"] == name).unwrap()
}

/// An endpoint nothing listens on: a test that must not call the service points there.
const NOWHERE: &str = "http://127.0.0.1:9";

#[test]
fn login_profiles_sit_where_botocores_provider_chain_puts_them() {
    python_with_awscrt();
    let dir = tempfile::tempdir().unwrap();
    let config = "[profile login-only]\nlogin_session = arn:aws:iam::1:user/a\n\n\
        [profile login-and-process]\nlogin_session = arn:aws:iam::1:user/a\ncredential_process = true\n\n\
        [profile login-and-config-keys]\nlogin_session = arn:aws:iam::1:user/a\naws_access_key_id = AKIACONFIG\naws_secret_access_key = s\n\n\
        [profile login-and-file-keys]\nlogin_session = arn:aws:iam::1:user/a\n\n\
        [profile login-and-sso]\nlogin_session = arn:aws:iam::1:user/a\nsso_session = corp\nsso_account_id = 1\nsso_role_name = R\n\n\
        [profile login-and-role]\nlogin_session = arn:aws:iam::1:user/a\nrole_arn = arn:aws:iam::1:role/R\nsource_profile = login-only\n\n\
        [profile role-from-login]\nrole_arn = arn:aws:iam::1:role/R\nsource_profile = login-only\n\n\
        [profile login-and-web-identity]\nlogin_session = arn:aws:iam::1:user/a\nrole_arn = arn:aws:iam::1:role/R\nweb_identity_token_file = /nonexistent\n\n\
        [sso-session corp]\nsso_start_url = https://corp.awsapps.com/start\nsso_region = eu-west-1\n";
    let credentials =
        "[login-and-file-keys]\naws_access_key_id = AKIAFILE\naws_secret_access_key = s\n";
    std::fs::write(dir.path().join("config"), config).unwrap();
    std::fs::write(dir.path().join("credentials"), credentials).unwrap();
    let paths = AwsPaths {
        config: dir.path().join("config"),
        credentials: dir.path().join("credentials"),
        login_cache: dir.path().join("login-cache"),
        ..AwsPaths::from_lookup(|k| (k == "HOME").then(|| dir.path().display().to_string()))
    };
    let snapshot = Snapshot::load(&paths, &Naming::default()).unwrap();
    let profiles = snapshot.profiles();
    let mine: BTreeMap<String, &str> = profiles
        .iter()
        .map(|p| {
            let method = match (p.kind.label(), p.credentials_section.is_some()) {
                ("role", _) => "assume-role",
                ("web-identity", _) => "assume-role-with-web-identity",
                ("sso", _) => "sso",
                ("login", _) => "login",
                ("process", _) => "custom-process",
                ("long-term" | "session", true) => "shared-credentials-file",
                ("long-term" | "session", false) => "config-file",
                (other, _) => panic!("{}: unexpected kind {other}", p.name),
            };
            (p.name.to_string(), method)
        })
        .collect();
    // botocore's judgement: the first provider of its chain that answers or raises.
    let script = "import json, sys, botocore.session\n\
        from botocore.credentials import create_credential_resolver\n\
        out = {}\n\
        for name in sys.argv[1:]:\n\
        \x20   for p in create_credential_resolver(botocore.session.Session(profile=name)).providers:\n\
        \x20       try:\n\
        \x20           found = p.load()\n\
        \x20       except Exception:\n\
        \x20           found = True\n\
        \x20       if found:\n\
        \x20           out[name] = p.METHOD\n\
        \x20           break\n\
        print(json.dumps(out))";
    let mut args = vec!["-c", script];
    args.extend(mine.keys().map(String::as_str));
    let sb = Sandbox::new(NOWHERE, "", "");
    let cfg = paths.config.display().to_string();
    let creds = paths.credentials.display().to_string();
    let cache = paths.login_cache.display().to_string();
    let out = sb.aws_python(
        &args,
        &[
            ("AWS_CONFIG_FILE", &cfg),
            ("AWS_SHARED_CREDENTIALS_FILE", &creds),
            ("AWS_LOGIN_CACHE_DIRECTORY", &cache),
        ],
    );
    assert!(out.status.success(), "{}", text(&out).1);
    let botocore: BTreeMap<String, String> = serde_json::from_slice(&out.stdout).unwrap();
    let mine: BTreeMap<String, String> = mine.into_iter().map(|(k, v)| (k, v.to_owned())).collect();
    assert_eq!(mine, botocore);
    assert_eq!(botocore["login-and-process"], "login");
    assert_eq!(botocore["login-and-file-keys"], "shared-credentials-file");
    // A role whose source is a login profile is sound, as botocore sees it.
    let role = profiles
        .iter()
        .find(|p| p.name == "role-from-login")
        .unwrap();
    assert!(role.problems.is_empty(), "{:?}", role.problems);
    assert_eq!(role.chain, ["login-only"]);
}

#[test]
fn a_cache_mfatui_writes_is_the_file_botocore_reads() {
    python_with_awscrt();
    let base = r#"{"accessToken": {"accessKeyId": "ASIAOLD", "secretAccessKey": "old", "sessionToken": "old", "accountId": "111122223333", "expiresAt": "2020-01-01T00:00:00Z"}, "tokenType": "aws_sigv4", "clientId": "arn:aws:signin:::devtools/same-device", "refreshToken": "r0", "dpopKey": "-----BEGIN EC PRIVATE KEY-----\nAAAA\n-----END EC PRIVATE KEY-----\n"}"#;
    let expires = chrono::Utc::now() + chrono::Duration::hours(1);
    let token = LoginToken::parse(base.as_bytes())
        .unwrap()
        .refreshed(Refreshed {
            access_key_id: "ASIAWRITTENBYMFATUI".into(),
            secret_access_key: Secret::new("mfatui-secret"),
            session_token: Secret::new("mfatui-session"),
            expires_at: expires,
            refresh_token: Secret::new("r1"),
        });
    let sb = Sandbox::new(NOWHERE, CONFIG, "");
    // Both where botocore looks by default and where AWS_LOGIN_CACHE_DIRECTORY sends it.
    let elsewhere = sb.home.path().join("elsewhere");
    for (dir, extra) in [
        (sb.aws("login/cache"), vec![]),
        (
            elsewhere.clone(),
            vec![("AWS_LOGIN_CACHE_DIRECTORY", elsewhere.to_str().unwrap())],
        ),
    ] {
        let path = token.write(&dir, SESSION).unwrap();
        let key = sb.aws_python(
            &[
                "-c",
                "import sys; from botocore.utils import generate_login_cache_key as k; print(k(sys.argv[1]))",
                SESSION,
            ],
            &[],
        );
        assert_eq!(
            format!("{}.json", text(&key).0.trim()),
            path.file_name().unwrap().to_str().unwrap()
        );
        assert_eq!(
            botocore_credentials(&sb, "console", &extra),
            [
                "login",
                "ASIAWRITTENBYMFATUI",
                "mfatui-secret",
                "mfatui-session"
            ]
        );
        std::fs::remove_file(path).unwrap();
    }
}

#[test]
fn a_cache_botocore_wrote_is_listed_and_exported_without_a_call() {
    let sb = Sandbox::new(NOWHERE, CONFIG, "");
    let standin = StandIn::start(&sb.aws("login/cache"), "ok", "valid");
    let entry = list_entry(&sb, NOWHERE, "console");
    assert_eq!(entry["kind"], "login");
    assert_eq!(entry["expiry_status"], "valid");
    assert_eq!(entry["expiry_source"], "cli-cache");
    let left = entry["expires_in_seconds"].as_i64().unwrap();
    assert!((840..=900).contains(&left), "{left}");
    assert_eq!(entry["problems"], serde_json::json!([]));
    let out = mfatui(&sb, NOWHERE, &["export", "console"]);
    let (stdout, stderr) = text(&out);
    assert!(out.status.success(), "{stderr}");
    assert!(
        stdout.contains("export AWS_ACCESS_KEY_ID='ASIASTANDIN0000'"),
        "{stdout}"
    );
    assert!(stdout.contains("export AWS_SECRET_ACCESS_KEY='standin-secret-0'"));
    assert!(stdout.contains("export AWS_SESSION_TOKEN='standin-session-0'"));
    assert_eq!(
        standin.decisions(),
        Vec::<String>::new(),
        "no refresh was needed"
    );
}

#[test]
fn renew_refreshes_through_the_standin_and_rewrites_the_cache_in_place_of_the_old() {
    let sb = Sandbox::new(NOWHERE, CONFIG, "");
    let standin = StandIn::start(&sb.aws("login/cache"), "ok", "valid");
    let before = cache_json(&sb);
    let inode = std::fs::metadata(cache_file(&sb)).unwrap().ino();
    let log = sb.home.path().join("mfatui.log");
    let log_arg = log.display().to_string();
    let out = mfatui(
        &sb,
        &standin.url,
        &["-v", "--log-file", &log_arg, "renew", "console"],
    );
    let (stdout, stderr) = text(&out);
    assert!(out.status.success(), "{stderr}");
    assert!(stdout.contains("Refreshed 'console'"), "{stdout}");
    assert!(stdout.contains("at the latest"), "{stdout}");
    assert_eq!(standin.decisions(), ["accepted"]);
    let after = cache_json(&sb);
    let meta = std::fs::metadata(cache_file(&sb)).unwrap();
    assert_eq!(meta.mode() & 0o777, 0o600);
    assert_ne!(
        meta.ino(),
        inode,
        "replaced by a rename, not rewritten in place"
    );
    let names: Vec<_> = std::fs::read_dir(sb.aws("login/cache")).unwrap().collect();
    assert_eq!(names.len(), 1, "no temporary file left");
    assert_eq!(after["accessToken"]["accessKeyId"], "ASIASTANDIN0001");
    assert_eq!(after["accessToken"]["secretAccessKey"], "standin-secret-1");
    assert_eq!(after["refreshToken"], "standin-refresh-1");
    for kept in ["clientId", "dpopKey", "idToken", "tokenType"] {
        assert_eq!(after[kept], before[kept], "{kept}");
    }
    assert_eq!(
        after["accessToken"]["accountId"],
        before["accessToken"]["accountId"]
    );
    // The AWS CLI's own reader gets the new credentials, without a refresh of its own.
    assert_eq!(
        botocore_credentials(&sb, "console", &[("AWS_ENDPOINT_URL_SIGNIN", NOWHERE)]),
        [
            "login",
            "ASIASTANDIN0001",
            "standin-secret-1",
            "standin-session-1"
        ]
    );
    let left = list_entry(&sb, NOWHERE, "console")["expires_in_seconds"]
        .as_i64()
        .unwrap();
    assert!((870..=900).contains(&left), "a fresh countdown: {left}");
    // The rotated refresh token it wrote is the one the service expects next.
    let again = mfatui(&sb, &standin.url, &["renew", "console"]);
    assert!(again.status.success(), "{}", text(&again).1);
    assert_eq!(standin.decisions(), ["accepted", "accepted"]);
    let log = std::fs::read_to_string(&log).unwrap();
    assert!(log.contains("login: refreshing 'console'"), "{log}");
    assert_no_secret(&sb, &[&stdout, &stderr, &log, &text(&again).0]);
}

#[test]
fn export_refreshes_credentials_that_have_run_out() {
    let sb = Sandbox::new(NOWHERE, CONFIG, "");
    let standin = StandIn::start(&sb.aws("login/cache"), "ok", "expired");
    assert_eq!(
        list_entry(&sb, NOWHERE, "console")["expiry_status"],
        "expired"
    );
    let out = mfatui(
        &sb,
        &standin.url,
        &["export", "console", "--format", "json"],
    );
    assert!(out.status.success(), "{}", text(&out).1);
    let exported: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(exported["AccessKeyId"], "ASIASTANDIN0001");
    assert_eq!(exported["SecretAccessKey"], "standin-secret-1");
    assert_eq!(standin.decisions(), ["accepted"]);
    assert_eq!(cache_json(&sb)["refreshToken"], "standin-refresh-1");
    assert_eq!(
        list_entry(&sb, NOWHERE, "console")["expiry_status"],
        "valid"
    );
}

#[test]
fn an_expired_sign_in_says_to_run_aws_login() {
    let sb = Sandbox::new(NOWHERE, CONFIG, "");
    let standin = StandIn::start(&sb.aws("login/cache"), "expired", "expired");
    let before = std::fs::read(cache_file(&sb)).unwrap();
    let log = sb.home.path().join("mfatui.log");
    let log_arg = log.display().to_string();
    for args in [
        vec!["-v", "--log-file", log_arg.as_str(), "renew", "console"],
        vec!["export", "console"],
    ] {
        let out = mfatui(&sb, &standin.url, &args);
        let (stdout, stderr) = text(&out);
        assert_eq!(out.status.code(), Some(1), "{args:?}: {stdout}");
        assert_eq!(stderr.trim().lines().count(), 1, "{stderr}");
        assert!(
            stderr.contains("has expired")
                && stderr.contains("run `aws login --profile console` to sign in again"),
            "{stderr}"
        );
        assert_no_secret(&sb, &[&stdout, &stderr]);
    }
    // The proofs were sound: the service refused only because the sign-in ran out.
    assert_eq!(
        standin.decisions(),
        ["refused:token-expired", "refused:token-expired"]
    );
    assert_eq!(std::fs::read(cache_file(&sb)).unwrap(), before);
    assert_no_secret(&sb, &[&std::fs::read_to_string(&log).unwrap()]);
}

#[test]
fn a_proof_signed_with_another_key_is_refused_and_reported_in_one_sentence() {
    let sb = Sandbox::new(NOWHERE, CONFIG, "");
    let standin = StandIn::start(&sb.aws("login/cache"), "wrong-key", "valid");
    let before = std::fs::read(cache_file(&sb)).unwrap();
    let out = mfatui(&sb, &standin.url, &["renew", "console"]);
    let (stdout, stderr) = text(&out);
    assert_eq!(out.status.code(), Some(1), "{stdout}");
    assert_eq!(standin.decisions(), ["refused:signature"]);
    assert_eq!(stderr.trim().lines().count(), 1, "{stderr}");
    assert!(
        stderr.contains("refused to refresh 'console' (INVALID_REQUEST")
            && stderr.contains("aws login --profile console"),
        "{stderr}"
    );
    assert_eq!(std::fs::read(cache_file(&sb)).unwrap(), before);
    assert_no_secret(&sb, &[&stdout, &stderr]);
}

#[test]
fn botocore_and_mfatui_refresh_the_same_session_in_turn() {
    let sb = Sandbox::new(NOWHERE, CONFIG, "");
    let standin = StandIn::start(&sb.aws("login/cache"), "ok", "expired");
    // The stand-in accepts the reference implementation's proofs, not only mfatui's…
    assert_eq!(
        botocore_credentials(&sb, "console", &[("AWS_ENDPOINT_URL_SIGNIN", &standin.url)]),
        [
            "login",
            "ASIASTANDIN0001",
            "standin-secret-1",
            "standin-session-1"
        ]
    );
    assert_eq!(standin.decisions(), ["accepted"]);
    // …and mfatui continues from what botocore wrote back.
    assert_eq!(
        list_entry(&sb, NOWHERE, "console")["expiry_status"],
        "valid"
    );
    let out = mfatui(&sb, &standin.url, &["renew", "console"]);
    assert!(out.status.success(), "{}", text(&out).1);
    assert_eq!(standin.decisions(), ["accepted", "accepted"]);
    assert_eq!(cache_json(&sb)["refreshToken"], "standin-refresh-2");
}

#[test]
fn a_cache_that_cannot_be_used_is_a_problem_of_the_profile() {
    let sb = Sandbox::new(NOWHERE, CONFIG, "");
    let not_signed_in = list_entry(&sb, NOWHERE, "console");
    assert_eq!(not_signed_in["expiry_status"], "none");
    let out = mfatui(&sb, NOWHERE, &["export", "console"]);
    let stderr = text(&out).1;
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr.contains("'console' is not signed in"), "{stderr}");
    assert!(
        stderr.contains("run `aws login --profile console`"),
        "{stderr}"
    );
    let path = cache_file(&sb);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    for (content, mode, says) in [
        (
            r#"{"accessToken": "corrupt-secret-value"}"#,
            0o600,
            "is not valid",
        ),
        ("{", 0o600, "not valid JSON"),
        (r#"{"accessToken": {}}"#, 0o666, "writable by other users"),
    ] {
        std::fs::write(&path, content).unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(mode)).unwrap();
        let entry = list_entry(&sb, NOWHERE, "console");
        let problems = entry["problems"].as_array().unwrap();
        assert_eq!(problems.len(), 1, "{problems:?}");
        let problem = problems[0].as_str().unwrap();
        assert!(problem.contains(says), "{problem}");
        assert!(problem.contains("aws login --profile console"), "{problem}");
        assert!(!problem.contains("corrupt-secret-value"), "{problem}");
        let out = mfatui(&sb, NOWHERE, &["export", "console"]);
        let stderr = text(&out).1;
        assert_eq!(out.status.code(), Some(1));
        assert_eq!(stderr.trim().lines().count(), 1, "{stderr}");
        assert!(
            stderr.contains(says) && !stderr.contains("panicked"),
            "{stderr}"
        );
    }
}

#[test]
fn a_dry_run_names_the_endpoint_and_file_and_calls_nothing() {
    let sb = Sandbox::new(NOWHERE, CONFIG, "");
    let standin = StandIn::start(&sb.aws("login/cache"), "ok", "valid");
    let before = std::fs::read(cache_file(&sb)).unwrap();
    let out = mfatui(&sb, &standin.url, &["renew", "console", "--dry-run"]);
    let stdout = text(&out).0;
    assert!(out.status.success());
    assert!(
        stdout.contains(&standin.url) && stdout.contains(&file_name(SESSION)),
        "{stdout}"
    );
    assert_eq!(standin.decisions(), Vec::<String>::new());
    assert_eq!(std::fs::read(cache_file(&sb)).unwrap(), before);
}

#[test]
fn two_mfatuis_serving_one_sign_in_refresh_it_once() {
    let sb = Sandbox::new(NOWHERE, CONFIG, "");
    let standin = StandIn::start(&sb.aws("login/cache"), "ok", "expired");
    let children: Vec<Child> = (0..2)
        .map(|_| {
            let mut cmd = sb.mfatui_command(&["export", "console"]);
            cmd.env("AWS_ENDPOINT_URL_SIGNIN", &standin.url)
                .stdout(Stdio::piped())
                .stderr(Stdio::piped());
            cmd.spawn().unwrap()
        })
        .collect();
    for child in children {
        let out = child.wait_with_output().unwrap();
        let (stdout, stderr) = text(&out);
        assert!(out.status.success(), "{stderr}");
        // Without taking turns the second would send the refresh token the first spent.
        assert!(stdout.contains("'standin-secret-1'"), "{stdout}");
    }
    assert_eq!(standin.decisions(), ["accepted"]);
}

#[test]
fn enter_in_the_tui_refreshes_a_login_profile_and_the_pane_says_until_when() {
    let sb = Sandbox::new(NOWHERE, CONFIG, "");
    let standin = StandIn::start(&sb.aws("login/cache"), "ok", "valid");
    let mut cmd = sb.mfatui_command(&[]);
    cmd.env("TERM", "xterm-256color")
        .env("AWS_PROFILE", "console")
        .env("AWS_ENDPOINT_URL_SIGNIN", &standin.url);
    let Some(tui) = crate::common::Tmux::start(&crate::common::shell_line(&cmd)) else {
        return;
    };
    let screen = tui.wait_for("Sign-in");
    assert!(screen.contains("refreshable until"), "{screen}");
    assert!(screen.contains("⏎ refreshes the sign-in"), "{screen}");
    tui.send(&["Enter"]);
    let screen = tui.wait_for("Refreshed console");
    assert!(!screen.contains("standin-secret"), "{screen}");
    assert_eq!(standin.decisions(), ["accepted"]);
    assert_eq!(
        cache_json(&sb)["accessToken"]["accessKeyId"],
        "ASIASTANDIN0001"
    );
    tui.send(&["q"]);
}
