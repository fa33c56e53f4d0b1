//! `mfatui console` against a local sign-in endpoint that enforces AWS's rules
//! (tests/federation_standin.py, in front of moto for STS, knowing which call issued which
//! key): which credentials each kind of profile signs in with, that a GetSessionToken session
//! never reaches the endpoint, SessionDuration only where AWS accepts it, the login URL the
//! browser gets, endpoint failures as one sentence, and no secret in the log or on stderr.

use crate::common::{free_port, text, Moto, PyServer, Sandbox};
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::Output;
use std::time::{Duration, Instant};

/// moto, and sign-in stand-ins sharing one state folder.
struct Fed {
    moto: Moto,
    state: tempfile::TempDir,
    standin: PyServer,
}

impl Fed {
    fn start(mode: &str) -> Option<Fed> {
        let moto = Moto::start()?;
        let state = tempfile::tempdir().unwrap();
        let standin = standin(&moto, state.path(), mode, &[]);
        Some(Fed {
            moto,
            state,
            standin,
        })
    }

    fn endpoint(&self) -> String {
        format!("{}/federation", self.standin.url("http"))
    }

    fn log(&self, name: &str) -> Vec<Value> {
        std::fs::read_to_string(self.state.path().join(name))
            .map(|t| {
                t.lines()
                    .map(|l| serde_json::from_str(l).unwrap())
                    .collect()
            })
            .unwrap_or_default()
    }

    fn federation(&self) -> Vec<Value> {
        self.log("federation.jsonl")
    }

    fn sts(&self) -> Vec<Value> {
        self.log("sts.jsonl")
    }

    /// Profiles: an IAM user with MFA (`dev`), roles from it with MFA (`admin`) and without
    /// (`direct`), and a chain (`hop` → `target`).
    fn sandbox(&self, more_config: &str, more_credentials: &str) -> Sandbox {
        let m = &self.moto;
        let serial = m.get("mfa_serial");
        let config = format!(
            "[profile dev]\nregion = eu-west-1\nmfa_serial = {serial}\n\n\
             [profile admin]\nrole_arn = {}\nsource_profile = dev\nmfa_serial = {serial}\nregion = eu-west-1\n\n\
             [profile direct]\nrole_arn = {}\nsource_profile = dev\nregion = eu-west-1\n\n\
             [profile hop]\nrole_arn = {}\nsource_profile = dev\nmfa_serial = {serial}\n\n\
             [profile target]\nrole_arn = {}\nsource_profile = hop\nregion = us-west-2\n{more_config}",
            m.role("Admin"),
            m.role("Admin"),
            m.role("Hop"),
            m.role("Target"),
        );
        let credentials = format!(
            "[dev]\naws_access_key_id = {}\naws_secret_access_key = {}\n{more_credentials}",
            m.get("access_key_id"),
            m.get("secret_access_key")
        );
        let sb = Sandbox::new(&self.standin.url("http"), &config, &credentials);
        recording_browser(
            &sb.home.path().join("browser.sh"),
            &sb.home.path().join("browser.log"),
            " ",
        );
        sb
    }

    /// `mfatui console ARGS` with the stand-in as the sign-in endpoint and the recording
    /// browser.
    fn console(&self, sb: &Sandbox, args: &[&str], extra: &[(&str, &str)]) -> Output {
        let script = sb.home.path().join("browser.sh").display().to_string();
        let endpoint = self.endpoint();
        let mut env = vec![
            ("MFATUI_FEDERATION_ENDPOINT", endpoint.as_str()),
            ("BROWSER", script.as_str()),
        ];
        env.extend_from_slice(extra);
        let args = [&["console"], args].concat();
        sb.mfatui_env(&args, &env)
    }
}

/// A browser stand-in at `script`: it records its command line as the kernel has it
/// (`LOG.argv`, one JSON array a line), reads the page a `file://` argument names (its
/// folder's and its own mode, `LOG.pages`) and writes to `log` its arguments joined by `sep`,
/// a page replaced by the URL it leads to.
fn recording_browser(script: &Path, log: &Path, sep: &str) {
    let log = log.display().to_string();
    std::fs::write(
        script,
        format!(
            r#"#!/usr/bin/env python3
import html, json, os, re, sys, urllib.parse
args, pages = [], []
for a in sys.argv[1:]:
    if a.startswith("file://"):
        path = urllib.parse.unquote(a[len("file://"):])
        d, f = os.stat(os.path.dirname(path)), os.stat(path)
        text = open(path).read()
        a = html.unescape(re.search(r'http-equiv="refresh" content="0;url=([^"]*)"', text).group(1))
        pages.append({{"page": path, "dir_mode": d.st_mode & 0o777, "file_mode": f.st_mode & 0o777, "uid": f.st_uid}})
    args.append(a)
with open({log:?} + ".argv", "a") as out:
    out.write(json.dumps(open("/proc/self/cmdline", "rb").read().decode("utf-8", "replace").split("\0")) + "\n")
with open({log:?} + ".pages", "a") as out:
    for p in pages:
        out.write(json.dumps(p) + "\n")
with open({log:?}, "a") as out:
    out.write({sep:?}.join(args) + "\n")
"#
        ),
    )
    .unwrap();
    let mut perms = std::fs::metadata(script).unwrap().permissions();
    std::os::unix::fs::PermissionsExt::set_mode(&mut perms, 0o755);
    std::fs::set_permissions(script, perms).unwrap();
}

fn standin(moto: &Moto, state: &Path, mode: &str, more: &[&str]) -> PyServer {
    let mut args = vec![moto.url.as_str(), state.to_str().unwrap(), "--mode", mode];
    args.extend_from_slice(more);
    PyServer::start("federation_standin.py", &args)
}

/// What the recording browser was given, waiting for it a little (mfatui does not wait for
/// the browser).
fn browsed(sb: &Sandbox) -> Vec<String> {
    let log = sb.home.path().join("browser.log");
    let start = Instant::now();
    while start.elapsed() < Duration::from_secs(10) {
        if let Ok(t) = std::fs::read_to_string(&log) {
            if t.ends_with('\n') {
                return t.lines().map(str::to_owned).collect();
            }
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    Vec::new()
}

/// Checks a login URL: the stand-in's endpoint, Action=login, the issuer, `destination`, and
/// the sign-in token the stand-in handed out last.
fn judge_login(fed: &Fed, url: &str, destination: &str) {
    let parsed = url::Url::parse(url).unwrap();
    assert_eq!(
        format!(
            "{}://{}{}",
            parsed.scheme(),
            parsed.host_str().unwrap(),
            parsed.path()
        ),
        "http://127.0.0.1/federation"
    );
    assert_eq!(parsed.port(), Some(fed.standin.port));
    let pairs: Vec<(String, String)> = parsed.query_pairs().into_owned().collect();
    let token = fed.federation().last().unwrap()["signinToken"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(
        pairs,
        [
            ("Action", "login"),
            ("Issuer", "mfatui"),
            ("Destination", destination),
            ("SigninToken", token.as_str()),
        ]
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
    );
}

const HOME_EU: &str = "https://eu-west-1.console.aws.amazon.com/console/home?region=eu-west-1";

fn one_sentence(out: &Output) -> String {
    let stderr = text(out).1;
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert_eq!(stderr.trim().lines().count(), 1, "one sentence: {stderr}");
    stderr
}

#[test]
fn a_role_from_an_mfa_session_ends_with_the_role_session() {
    let Some(fed) = Fed::start("normal") else {
        return;
    };
    let sb = fed.sandbox("", "");
    let renewed = sb.mfatui_env(&["renew", "dev", "--code", "123456", "--yes"], &[]);
    assert!(renewed.status.success(), "{}", text(&renewed).1);
    let mfa_session = fed.sts().last().unwrap()["issued"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(
        mfa_session.starts_with("ASIAGST"),
        "a GetSessionToken session"
    );

    let out = fed.console(&sb, &["admin", "--code", "123456"], &[]);
    let (stdout, stderr) = text(&out);
    assert!(out.status.success(), "{stderr}");
    assert!(
        !stdout.contains("SigninToken"),
        "no URL on stdout: {stdout}"
    );
    assert!(
        stderr.contains(":assumed-role/Admin/")
            && stderr.contains("The console session ends with the role session, at "),
        "{stderr}"
    );
    let assumed = fed
        .sts()
        .into_iter()
        .find(|c| c["action"] == "AssumeRole")
        .unwrap();
    assert_eq!(
        assumed["caller"], mfa_session,
        "the role was assumed from the MFA session, as `renew` does"
    );
    let federation = fed.federation();
    assert_eq!(federation.len(), 1);
    assert_eq!(federation[0]["issuedBy"], "AssumeRole");
    assert_eq!(federation[0]["SessionDuration"], Value::Null);
    assert_eq!(federation[0]["status"], 200);
    let opened = browsed(&sb);
    assert_eq!(opened.len(), 1, "{opened:?}");
    judge_login(&fed, &opened[0], HOME_EU);

    // The session on file is used again: no new AssumeRole, no code.
    let again = fed.console(&sb, &["admin", "--print"], &[]);
    assert!(again.status.success(), "{}", text(&again).1);
    let roles = fed
        .sts()
        .iter()
        .filter(|c| c["action"] == "AssumeRole")
        .count();
    assert_eq!(roles, 1);

    // A chained role cannot have a console session longer than itself: refused before any call.
    let calls = fed.sts().len();
    let chained = fed.console(
        &sb,
        &["target", "--duration", "2h", "--code", "123456"],
        &[],
    );
    let stderr = one_sentence(&chained);
    assert!(
        stderr.contains("--duration cannot be used with 'target'")
            && stderr.contains("another role's session (hop → target)"),
        "{stderr}"
    );
    assert_eq!(fed.sts().len(), calls, "no call was made");
    assert_eq!(fed.federation().len(), 2);
}

#[test]
fn a_role_assumed_with_long_term_keys_gets_the_console_session_asked_for() {
    let Some(fed) = Fed::start("normal") else {
        return;
    };
    let sb = fed.sandbox("", "");
    let out = fed.console(&sb, &["direct", "--duration", "2h", "--print"], &[]);
    let (stdout, stderr) = text(&out);
    assert!(out.status.success(), "{stderr}");
    assert_eq!(stdout.lines().count(), 1, "only the URL on stdout");
    judge_login(&fed, stdout.trim(), HOME_EU);
    assert!(browsed_nothing(&sb), "--print opens no browser");
    assert!(
        stderr.contains("assumed just now with the long-term keys of 'dev'")
            && stderr.contains("The console session ends at "),
        "{stderr}"
    );
    let assumed = &fed.sts()[0];
    assert_eq!(assumed["action"], "AssumeRole");
    assert_eq!(assumed["caller"], fed.moto.get("access_key_id"));
    assert_eq!(
        assumed["DurationSeconds"], "900",
        "the shortest role session will do"
    );
    let federation = fed.federation();
    assert_eq!(federation[0]["SessionDuration"], "7200");
    assert_eq!(federation[0]["status"], 200);
    assert!(
        !sb.credentials().contains("[direct-mfa]"),
        "the console's role session is not written"
    );

    // With an MFA device on the role, the code goes with the long-term keys.
    let out = fed.console(
        &sb,
        &["admin", "--duration", "1h", "--code", "123456", "--print"],
        &[],
    );
    assert!(out.status.success(), "{}", text(&out).1);
    let assumed = fed.sts().into_iter().last().unwrap();
    assert_eq!(assumed["caller"], fed.moto.get("access_key_id"));
    assert_eq!(fed.federation()[1]["SessionDuration"], "3600");
    assert_eq!(fed.federation()[1]["status"], 200);
    let calls = fed.sts().len();

    let too_long = fed.console(&sb, &["direct", "--duration", "13h", "--print"], &[]);
    assert!(one_sentence(&too_long)
        .contains("outside what AWS allows for a console session of a role (15m to 12h)"));
    assert_eq!(fed.sts().len(), calls, "no call was made");
}

fn browsed_nothing(sb: &Sandbox) -> bool {
    std::thread::sleep(Duration::from_millis(300));
    !sb.home.path().join("browser.log").exists()
}

#[test]
fn an_iam_user_signs_in_with_a_federation_token_and_no_mfa_context() {
    let Some(fed) = Fed::start("normal") else {
        return;
    };
    let sb = fed.sandbox("", "");
    let out = fed.console(
        &sb,
        &["dev", "--duration", "3h", "--destination", "s3"],
        &[],
    );
    let stderr = text(&out).1;
    assert!(out.status.success(), "{stderr}");
    assert!(
        stderr.contains("federated-user/dev")
            && stderr.contains("This console session carries no MFA context"),
        "{stderr}"
    );
    let token = &fed.sts()[0];
    assert_eq!(token["action"], "GetFederationToken");
    assert_eq!(token["caller"], fed.moto.get("access_key_id"));
    assert_eq!(token["DurationSeconds"], "10800");
    assert_eq!(token["Name"], "dev");
    let policy: Value = serde_json::from_str(token["Policy"].as_str().unwrap()).unwrap();
    assert_eq!(policy["Statement"][0]["Action"], "*");
    assert_eq!(policy["Statement"][0]["Effect"], "Allow");
    assert_eq!(fed.federation()[0]["issuedBy"], "GetFederationToken");
    assert_eq!(fed.federation()[0]["SessionDuration"], Value::Null);
    judge_login(
        &fed,
        &browsed(&sb)[0],
        "https://eu-west-1.console.aws.amazon.com/s3/home?region=eu-west-1",
    );

    // Its MFA session signs in with the long-term keys too, never with itself.
    let renewed = sb.mfatui_env(&["renew", "dev", "--code", "123456", "--yes"], &[]);
    assert!(renewed.status.success());
    let out = fed.console(&sb, &["dev-mfa", "--print"], &[]);
    assert!(out.status.success(), "{}", text(&out).1);
    let last = fed.sts().into_iter().last().unwrap();
    assert_eq!(last["action"], "GetFederationToken");
    assert_eq!(last["caller"], fed.moto.get("access_key_id"));
    assert!(fed
        .federation()
        .iter()
        .all(|r| r["issuedBy"] == "GetFederationToken"));
}

#[test]
fn a_session_token_profile_is_never_sent() {
    let Some(fed) = Fed::start("normal") else {
        return;
    };
    let sb = fed.sandbox("", "");
    assert!(sb
        .mfatui_env(&["renew", "dev", "--code", "123456", "--yes"], &[])
        .status
        .success());
    // The same GetSessionToken session under a name nothing links to long-term keys.
    let credentials = sb.credentials();
    let session = credentials.split("[dev-mfa]").nth(1).unwrap().to_owned();
    std::fs::write(
        sb.aws("credentials"),
        format!("{credentials}\n[loose]{session}"),
    )
    .unwrap();
    for args in [&["loose"][..], &["loose", "--duration", "1h"]] {
        let out = fed.console(&sb, args, &[]);
        let stderr = one_sentence(&out);
        assert!(
            stderr.contains("not as an assumed role")
                || stderr.contains("--duration cannot be used with 'loose'"),
            "{stderr}"
        );
    }
    assert!(
        fed.federation().is_empty(),
        "the sign-in endpoint saw no request"
    );
    assert!(browsed_nothing(&sb));
}

#[test]
fn an_sso_profile_signs_in_with_the_portals_role_credentials() {
    let Some(fed) = Fed::start("normal") else {
        return;
    };
    let issued = fed.state.path().join("sso-issued");
    let portal = PyServer::start("oidc_standin.py", &["approve", issued.to_str().unwrap()]);
    let sso = "\n[profile corp-read]\nsso_session = corp\nsso_account_id = 111111111111\nsso_role_name = Read\nregion = eu-central-1\n\n\
        [profile corp-none]\nsso_session = corp\nsso_account_id = 111111111111\nsso_role_name = Missing\n\n\
        [sso-session corp]\nsso_start_url = https://corp.awsapps.com/start\nsso_region = eu-west-1\n";
    let sb = fed.sandbox(sso, "");
    let portal_url = portal.url("http");
    let env = [("AWS_ENDPOINT_URL_SSO", portal_url.as_str())];

    let out = fed.console(&sb, &["corp-read"], &env);
    assert!(one_sentence(&out)
        .contains("'corp-read' is not signed in to https://corp.awsapps.com/start"));

    // Signed in as `aws sso login` leaves it (the login itself is tests/it/sso_login.rs's).
    let cache = sb.aws("sso/cache");
    std::fs::create_dir_all(&cache).unwrap();
    let expires = (chrono::Utc::now() + chrono::Duration::hours(1)).format("%Y-%m-%dT%H:%M:%SZ");
    std::fs::write(
        cache.join("ee0bfd2552fbd840c02cc48b6e823320543c450f.json"),
        format!(r#"{{"startUrl": "https://corp.awsapps.com/start", "region": "eu-west-1", "accessToken": "standin-access-token", "expiresAt": "{expires}"}}"#),
    )
    .unwrap();
    let out = fed.console(&sb, &["corp-read", "--print"], &env);
    let (stdout, stderr) = text(&out);
    assert!(out.status.success(), "{stderr}");
    assert!(
        stderr.contains("role Read in account 111111111111")
            && stderr.contains("ends with the SSO role credentials"),
        "{stderr}"
    );
    judge_login(
        &fed,
        stdout.trim(),
        "https://eu-central-1.console.aws.amazon.com/console/home?region=eu-central-1",
    );
    assert_eq!(fed.federation()[0]["issuedBy"], "SsoGetRoleCredentials");

    let out = fed.console(&sb, &["corp-read", "--duration", "2h"], &env);
    assert!(one_sentence(&out).contains("--duration cannot be used with 'corp-read'"));
    let out = fed.console(&sb, &["corp-none"], &env);
    assert!(one_sentence(&out).contains("gives no role Missing in account 111111111111"));
    assert_eq!(fed.federation().len(), 1);
}

#[test]
fn endpoint_failures_are_one_sentence_without_secrets() {
    let Some(fed) = Fed::start("normal") else {
        return;
    };
    let secret = fed.moto.get("secret_access_key");
    let cases = [
        (
            "error500",
            "refused the session (HTTP 500); no console session was made",
        ),
        ("garbage", "answered without a sign-in token"),
        ("echo", "refused the session (HTTP 400: Bad session: {"),
    ];
    for (mode, says) in cases {
        let state = tempfile::tempdir().unwrap();
        let bad = standin(&fed.moto, state.path(), mode, &[]);
        let sb = fed.sandbox("", "");
        let endpoint = format!("{}/federation", bad.url("http"));
        let out = fed.console(
            &sb,
            &["dev", "--print"],
            &[
                ("MFATUI_FEDERATION_ENDPOINT", &endpoint),
                ("AWS_ENDPOINT_URL", &bad.url("http")),
            ],
        );
        let stderr = one_sentence(&out);
        assert!(stderr.contains(says), "{mode}: {stderr}");
        assert!(text(&out).0.is_empty(), "{mode}: no URL printed");
        let issued: Vec<Value> = std::fs::read_to_string(state.path().join("issued.jsonl"))
            .unwrap()
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect();
        for leaked in [
            secret.as_str(),
            issued[0]["secret"].as_str().unwrap(),
            issued[0]["token"].as_str().unwrap(),
        ] {
            assert!(
                !stderr.contains(leaked),
                "{mode}: a secret on stderr: {stderr}"
            );
        }
    }
    let sb = fed.sandbox("", "");
    let closed = format!("http://127.0.0.1:{}/federation", free_port());
    let out = fed.console(&sb, &["dev"], &[("MFATUI_FEDERATION_ENDPOINT", &closed)]);
    assert!(one_sentence(&out).contains("Could not reach 127.0.0.1:"));

    // Credentials never go to a plain-http endpoint elsewhere: refused before any call.
    let calls = fed.sts().len();
    let out = fed.console(
        &sb,
        &["dev"],
        &[(
            "MFATUI_FEDERATION_ENDPOINT",
            "http://signin.example.com/federation",
        )],
    );
    assert!(one_sentence(&out).contains("plain http is allowed only on this machine"));
    let out = fed.console(
        &sb,
        &["dev", "--destination", "https://console.amazonaws.cn/"],
        &[],
    );
    assert!(one_sentence(&out).contains("is not a console URL of the aws partition"));
    assert_eq!(fed.sts().len(), calls, "no call was made");
}

#[test]
fn each_profile_opens_its_own_browser_and_no_secret_is_logged() {
    let Some(fed) = Fed::start("normal") else {
        return;
    };
    let sb = fed.sandbox("", "");
    let other = sb.home.path().join("work-browser.sh");
    let log = sb.home.path().join("work-browser.log");
    recording_browser(&other, &log, "|");
    sb.settings(&format!(
        "[console]\nbrowser = \"/nonexistent/browser %s\"\n[profiles.admin]\nbrowser = \"'{}' -P %s\"\n",
        other.display()
    ));
    let log_file: PathBuf = sb.home.path().join("mfatui.log");
    let out = fed.console(
        &sb,
        &[
            "admin",
            "--code",
            "123456",
            "--log-file",
            log_file.to_str().unwrap(),
        ],
        &[],
    );
    let (stdout, stderr) = text(&out);
    assert!(out.status.success(), "{stderr}");
    let start = Instant::now();
    while !log.exists() && start.elapsed() < Duration::from_secs(10) {
        std::thread::sleep(Duration::from_millis(50));
    }
    let line = std::fs::read_to_string(&log).unwrap();
    let (flag, url) = line.trim().split_once('|').unwrap();
    assert_eq!(flag, "-P", "the profile's own browser command, %s replaced");
    judge_login(&fed, url, HOME_EU);
    assert!(
        browsed_nothing(&sb),
        "$BROWSER is not used when a setting names a browser"
    );

    let issued: Vec<Value> = std::fs::read_to_string(fed.state.path().join("issued.jsonl"))
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let token = fed.federation()[0]["signinToken"]
        .as_str()
        .unwrap()
        .to_owned();
    let mut secrets = vec![fed.moto.get("secret_access_key"), token, url.to_owned()];
    for i in &issued {
        secrets.push(i["secret"].as_str().unwrap().to_owned());
        secrets.push(i["token"].as_str().unwrap().to_owned());
    }
    let logged = std::fs::read_to_string(&log_file).unwrap();
    assert!(logged.contains("getSigninToken at 127.0.0.1:"), "{logged}");
    for s in &secrets {
        for (what, place) in [("log", &logged), ("stderr", &stderr), ("stdout", &stdout)] {
            assert!(!place.contains(s.as_str()), "a secret in the {what}");
        }
    }

    // The global command when the profile has none; one that cannot start stops the sign-in
    // before any call.
    let calls = fed.sts().len();
    let out = fed.console(&sb, &["dev"], &[]);
    assert!(one_sentence(&out)
        .contains("the browser command '/nonexistent/browser <sign-in URL>' cannot be started"));
    assert_eq!(fed.sts().len(), calls);
}

#[test]
fn the_sign_in_endpoint_is_held_to_the_ca_bundle() {
    let Some(fed) = Fed::start("normal") else {
        return;
    };
    let certs = tempfile::tempdir().unwrap();
    let made = std::process::Command::new("python3")
        .arg(Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/tls_standins.py"))
        .args(["ca", certs.path().to_str().unwrap()])
        .output()
        .unwrap();
    assert!(made.status.success());
    let p = |n: &str| certs.path().join(n).display().to_string();
    // STS stays on plain http; only the sign-in endpoint is https with the private CA.
    let tls = standin(
        &fed.moto,
        fed.state.path(),
        "normal",
        &["--tls", &p("server.pem"), &p("server.key")],
    );
    let endpoint = format!("{}/federation", tls.url("https"));
    let sb = fed.sandbox("", "");
    let out = fed.console(
        &sb,
        &["dev", "--print"],
        &[("MFATUI_FEDERATION_ENDPOINT", &endpoint)],
    );
    let stderr = one_sentence(&out);
    assert!(
        stderr.contains("is not trusted by the system's trusted certificates")
            && stderr.contains("so the console sign-in (getSigninToken) was not sent"),
        "{stderr}"
    );
    assert!(fed.federation().is_empty());
    let ca = p("ca.pem");
    let out = fed.console(
        &sb,
        &["dev", "--print"],
        &[
            ("MFATUI_FEDERATION_ENDPOINT", &endpoint),
            ("AWS_CA_BUNDLE", &ca),
        ],
    );
    assert!(out.status.success(), "{}", text(&out).1);
    assert!(text(&out)
        .0
        .starts_with(&format!("{endpoint}?Action=login&")));
    assert_eq!(fed.federation()[0]["status"], 200);
}

#[test]
fn the_sign_in_url_is_never_on_the_browsers_command_line() {
    let Some(fed) = Fed::start("normal") else {
        return;
    };
    let sb = fed.sandbox("", "");
    let out = fed.console(
        &sb,
        &["admin", "--code", "123456"],
        &[("MFATUI_CONSOLE_PAGE_SECONDS", "2")],
    );
    assert!(out.status.success(), "{}", text(&out).1);
    let opened = browsed(&sb);
    assert_eq!(opened.len(), 1, "{opened:?}");
    judge_login(&fed, &opened[0], HOME_EU);
    let token = fed.federation()[0]["signinToken"]
        .as_str()
        .unwrap()
        .to_owned();
    // What every local user can read: the browser's command line.
    let argv = std::fs::read_to_string(sb.home.path().join("browser.log.argv")).unwrap();
    for secret in [&token, &opened[0], &"SigninToken".to_owned()] {
        assert!(
            !argv.contains(secret.as_str()),
            "on the command line: {argv}"
        );
    }
    let page: Value = serde_json::from_str(
        std::fs::read_to_string(sb.home.path().join("browser.log.pages"))
            .unwrap()
            .lines()
            .next()
            .expect("the browser was given a local page"),
    )
    .unwrap();
    assert_eq!(page["file_mode"], 0o600);
    assert_eq!(page["dir_mode"], 0o700, "a folder only the user can enter");
    let path = PathBuf::from(page["page"].as_str().unwrap());
    assert!(
        path.starts_with(sb.home.path().join("run")),
        "in the user's runtime folder: {path:?}"
    );
    // Removed after the short time, though mfatui itself has ended.
    let start = Instant::now();
    while path.parent().unwrap().exists() && start.elapsed() < Duration::from_secs(15) {
        std::thread::sleep(Duration::from_millis(100));
    }
    assert!(
        !path.parent().unwrap().exists(),
        "the page and its folder are removed"
    );
    // `--print` stays the explicit way to get the URL.
    let printed = fed.console(&sb, &["admin", "--print"], &[]);
    let (stdout, _) = text(&printed);
    assert!(
        stdout.trim().starts_with("http") && stdout.contains("SigninToken"),
        "{stdout}"
    );
}

/// Attack round 12 (R12-5): a browser command that fails at once was reported as "Opened".
/// It is one sentence, and its page is removed at once.
#[test]
fn a_browser_command_that_fails_is_said_and_its_page_removed() {
    let Some(fed) = Fed::start("normal") else {
        return;
    };
    let sb = fed.sandbox("", "");
    let out = fed.console(&sb, &["admin", "--code", "123456"], &[("BROWSER", "false")]);
    let stderr = one_sentence(&out);
    assert!(
        stderr.contains(
            "the browser command 'false <sign-in URL>' failed (exit status: 1) and opened nothing"
        ),
        "{stderr}"
    );
    assert!(!stderr.contains("Opened"));
    let run = sb.home.path().join("run");
    let left: Vec<_> = std::fs::read_dir(&run)
        .map(|d| d.flatten().map(|e| e.file_name()).collect())
        .unwrap_or_default();
    assert!(
        !left
            .iter()
            .any(|n| n.to_string_lossy().starts_with("mfatui-console-")),
        "{left:?}"
    );
}

/// Without a private runtime folder the page goes to mfatui's own cache folder, never to the
/// shared temporary folder: there, once the page's folder is removed, another user could make
/// it again with a page of theirs for the browser that still (re)loads that path.
#[test]
fn without_a_runtime_folder_the_page_is_in_mfatuis_private_folder_not_tmp() {
    let Some(fed) = Fed::start("normal") else {
        return;
    };
    let sb = fed.sandbox("", "");
    let tmp = sb.home.path().join("tmp");
    // A shared temporary folder, as /tmp is.
    std::fs::create_dir_all(&tmp).unwrap();
    std::fs::set_permissions(&tmp, std::os::unix::fs::PermissionsExt::from_mode(0o1777)).unwrap();
    let script = sb.home.path().join("browser.sh").display().to_string();
    let endpoint = fed.endpoint();
    let out = sb
        .mfatui_command(&["console", "admin", "--code", "123456"])
        .env_remove("XDG_RUNTIME_DIR")
        .env("MFATUI_FEDERATION_ENDPOINT", &endpoint)
        .env("BROWSER", &script)
        .env("MFATUI_CONSOLE_PAGE_SECONDS", "2")
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", text(&out).1);
    let opened = browsed(&sb);
    assert_eq!(opened.len(), 1, "{opened:?}");
    judge_login(&fed, &opened[0], HOME_EU);
    let page: Value = serde_json::from_str(
        std::fs::read_to_string(sb.home.path().join("browser.log.pages"))
            .unwrap()
            .lines()
            .next()
            .expect("the browser was given a local page"),
    )
    .unwrap();
    let path = PathBuf::from(page["page"].as_str().unwrap());
    let base = sb.home.path().join(".cache/mfatui/console");
    assert!(
        path.starts_with(&base),
        "in mfatui's cache folder: {path:?}"
    );
    assert_eq!(page["dir_mode"], 0o700);
    assert_eq!(page["file_mode"], 0o600);
    let base_mode =
        std::os::unix::fs::PermissionsExt::mode(&std::fs::metadata(&base).unwrap().permissions());
    assert_eq!(base_mode & 0o777, 0o700, "a folder only the user can enter");
    assert_eq!(
        std::fs::read_dir(&tmp).unwrap().count(),
        0,
        "nothing in the shared temporary folder"
    );
    // A folder others may write is refused (no page, one sentence).
    std::fs::set_permissions(&base, std::os::unix::fs::PermissionsExt::from_mode(0o777)).unwrap();
    let out = sb
        .mfatui_command(&["console", "admin", "--code", "123456"])
        .env_remove("XDG_RUNTIME_DIR")
        .env("MFATUI_FEDERATION_ENDPOINT", &endpoint)
        .env("BROWSER", &script)
        .output()
        .unwrap();
    let (_, stderr) = text(&out);
    assert!(!out.status.success());
    assert!(stderr.contains("can be written by other users"), "{stderr}");
}
