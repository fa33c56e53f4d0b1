//! Refreshable SSO sessions and the PKCE sign-in, against the OIDC stand-in: a client
//! registered with scopes gets a refresh token; a held refresh token renews without a browser
//! (and many callers at once make one refresh); a refused refresh falls back to a sign-in; a
//! `BROWSER` that follows redirects completes the authorization code flow unattended; and
//! botocore reads and refreshes the cache mfatui writes.

use crate::common::{text, Sandbox};
use chrono::{Duration, SecondsFormat, Utc};
use std::path::Path;
use std::process::Command;

const CONFIG: &str = "[profile corp-read]\nsso_session = corp\nsso_account_id = 111111111111\nsso_role_name = Read\nregion = eu-west-1\n\n\
    [sso-session corp]\nsso_start_url = https://corp.awsapps.com/start\nsso_region = eu-west-1\nsso_registration_scopes = sso:account:access\n";

/// The token cache file of session `corp` (botocore's name: sha1("corp")).
const TOKEN_FILE: &str = "sso/cache/ee0bfd2552fbd840c02cc48b6e823320543c450f.json";

/// The stand-in, with its call log (`STANDIN_LOG`) in the sandbox.
pub(crate) struct StandIn {
    child: std::process::Child,
    port: u16,
}

impl StandIn {
    fn start(mode: &str, log: &Path, accounts: Option<&Path>) -> StandIn {
        use std::io::BufRead;
        let script = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/oidc_standin.py");
        let mut child = Command::new("python3")
            .args([script, mode])
            .env("STANDIN_LOG", log)
            .envs(accounts.map(|a| ("STANDIN_ACCOUNTS", a)))
            .stdout(std::process::Stdio::piped())
            .spawn()
            .expect("python3");
        let mut port = String::new();
        std::io::BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut port)
            .unwrap();
        StandIn {
            child,
            port: port.trim().parse().expect("a port"),
        }
    }

    fn url(&self, scheme: &str) -> String {
        format!("{scheme}://127.0.0.1:{}", self.port)
    }
}

impl Drop for StandIn {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub(crate) struct World {
    pub(crate) sb: Sandbox,
    standin: StandIn,
    log: std::path::PathBuf,
}

impl World {
    pub(crate) fn new(mode: &str) -> World {
        World::with_portal(mode, None)
    }

    /// With the portal listing `accounts` (the stand-in's STANDIN_ACCOUNTS document).
    pub(crate) fn with_portal(mode: &str, accounts: Option<&serde_json::Value>) -> World {
        let sb = Sandbox::new("http://127.0.0.1:9", CONFIG, "");
        let log = sb.home.path().join("standin.log");
        let file = sb.home.path().join("accounts.json");
        if let Some(accounts) = accounts {
            std::fs::write(&file, accounts.to_string()).unwrap();
        }
        let standin = StandIn::start(mode, &log, accounts.map(|_| file.as_path()));
        World { sb, standin, log }
    }

    pub(crate) fn env(&self) -> Vec<(&'static str, String)> {
        let url = self.standin.url("http");
        vec![
            ("AWS_ENDPOINT_URL_SSO_OIDC", url.clone()),
            ("AWS_ENDPOINT_URL_SSO", url),
        ]
    }

    pub(crate) fn mfatui(&self, args: &[&str], extra: &[(&str, &str)]) -> std::process::Output {
        let env = self.env();
        let mut all: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
        all.extend_from_slice(extra);
        self.sb.mfatui_env(args, &all)
    }

    pub(crate) fn calls(&self) -> Vec<String> {
        std::fs::read_to_string(&self.log)
            .unwrap_or_default()
            .lines()
            .map(str::to_owned)
            .collect()
    }

    pub(crate) fn count(&self, call: &str) -> usize {
        self.calls().iter().filter(|c| *c == call).count()
    }

    pub(crate) fn token(&self) -> serde_json::Value {
        serde_json::from_str(&std::fs::read_to_string(self.sb.aws(TOKEN_FILE)).unwrap()).unwrap()
    }

    /// Moves the cached access token's end to `minutes` from now (as if time had passed).
    pub(crate) fn age_token(&self, minutes: i64) {
        let mut t = self.token();
        t["expiresAt"] = serde_json::Value::from(
            (Utc::now() + Duration::minutes(minutes)).to_rfc3339_opts(SecondsFormat::Secs, true),
        );
        std::fs::write(self.sb.aws(TOKEN_FILE), t.to_string()).unwrap();
    }
}

/// A device-flow sign-in (no browser in the sandbox), approved by the stand-in.
pub(crate) fn signed_in(w: &World) {
    let out = w.mfatui(&["renew", "corp-read"], &[]);
    let (stdout, stderr) = text(&out);
    assert!(out.status.success(), "{stderr}");
    assert!(
        stdout.contains("Signed in") && stdout.contains("ABCD-EFGH"),
        "{stdout}"
    );
}

#[test]
fn a_client_registered_with_scopes_gets_a_refresh_token_and_renews_without_a_browser() {
    let w = World::new("approve");
    signed_in(&w);
    assert_eq!(w.calls()[0], "register sso:account:access -");
    let first = w.token();
    assert!(first["refreshToken"].is_string() && first["registrationExpiresAt"].is_string());
    // The registration is cached where the AWS CLI v2 looks (its own name for it), 0600.
    let registrations: Vec<_> = std::fs::read_dir(w.sb.aws("sso/cache"))
        .unwrap()
        .flatten()
        .filter(|e| e.path() != w.sb.aws(TOKEN_FILE))
        .collect();
    assert_eq!(registrations.len(), 1);
    let name = registrations[0].file_name().into_string().unwrap();
    let expected = Command::new("python3")
        .args(["-c", "import json, hashlib; print(hashlib.sha1(json.dumps({'tool': 'botocore', 'startUrl': 'https://corp.awsapps.com/start', 'region': 'eu-west-1', 'scopes': ['sso:account:access'], 'session_name': 'corp'}, sort_keys=True).encode()).hexdigest())"])
        .output()
        .unwrap();
    assert_eq!(name, format!("{}.json", text(&expected).0.trim()));
    // Renewing again: the refresh token, no new registration, no device code, no page.
    let out = w.mfatui(&["renew", "corp-read"], &[]);
    let (stdout, stderr) = text(&out);
    assert!(out.status.success(), "{stderr}");
    assert!(stdout.contains("Refreshed (no sign-in needed)"), "{stdout}");
    assert!(
        !stdout.contains("ABCD-EFGH") && !stdout.contains("standin-"),
        "{stdout}"
    );
    assert_eq!(w.count("token refresh_token"), 1);
    assert_eq!(w.count("register sso:account:access -"), 1);
    assert_ne!(w.token()["accessToken"], first["accessToken"]);
    assert_eq!(w.token()["refreshToken"], first["refreshToken"]);
}

#[test]
fn many_callers_of_an_ending_token_make_one_refresh() {
    let w = World::new("approve");
    signed_in(&w);
    w.age_token(5);
    let env = w.env();
    let children: Vec<_> = (0..4)
        .map(|_| {
            let mut cmd = w.sb.mfatui_command(&["credential-process", "corp-read"]);
            cmd.envs(env.iter().map(|(k, v)| (*k, v.as_str())));
            cmd.stdout(std::process::Stdio::piped())
                .stderr(std::process::Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect();
    for child in children {
        let out = child.wait_with_output().unwrap();
        let (stdout, stderr) = text(&out);
        assert!(out.status.success(), "{stderr}");
        let json: serde_json::Value = serde_json::from_str(&stdout).unwrap();
        assert!(json["AccessKeyId"].as_str().unwrap().starts_with("ASIASSO"));
    }
    assert_eq!(w.count("token refresh_token"), 1, "{:?}", w.calls());
    // No caller signed in again: the one sign-in is the one before.
    assert_eq!(w.count("register sso:account:access -"), 1);
}

#[test]
fn a_refused_refresh_falls_back_to_a_sign_in_and_a_caller_without_a_page_says_what_to_run() {
    let w = World::new("norefresh");
    signed_in(&w);
    w.age_token(-1);
    // credential-process cannot show a page: one sentence naming the command that signs in.
    let out = w.mfatui(&["credential-process", "corp-read"], &[]);
    let stderr = text(&out).1;
    assert!(!out.status.success());
    assert!(
        stderr.contains("could not be refreshed") && stderr.contains("renew corp-read"),
        "{stderr}"
    );
    assert!(!stderr.contains("standin-refresh"), "{stderr}");
    // renew can: the refresh is tried first, then the person signs in.
    let out = w.mfatui(&["renew", "corp-read"], &[]);
    assert!(text(&out).0.contains("Signed in"), "{}", text(&out).1);
    assert_eq!(w.count("token refresh_token"), 2);
}

/// A `BROWSER` that opens the page the way a browser does: mfatui hands it a private local
/// page (never the URL on its command line), whose refresh it follows, then the redirects
/// (the stand-in's /authorize answers 302 to mfatui's loopback listener).
fn redirect_following_browser(dir: &Path) -> String {
    let path = dir.join("browser.py");
    std::fs::write(
        &path,
        "#!/usr/bin/env python3\nimport html, re, sys, urllib.request\n\
         url = sys.argv[1]\n\
         if url.startswith('file://'):\n\
         \x20   page = open(urllib.request.url2pathname(url[len('file://'):])).read()\n\
         \x20   url = html.unescape(re.search(r'url=([^\"]+)\"', page).group(1))\n\
         opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))\n\
         print(opener.open(url, timeout=20).read().decode(), file=open(sys.argv[0] + '.out', 'w'))\n",
    )
    .unwrap();
    std::fs::set_permissions(&path, std::os::unix::fs::PermissionsExt::from_mode(0o755)).unwrap();
    path.to_str().unwrap().to_owned()
}

#[test]
fn a_browser_that_follows_redirects_completes_a_pkce_sign_in_unattended() {
    let w = World::new("approve");
    let browser = redirect_following_browser(w.sb.home.path());
    let out = w.mfatui(&["renew", "corp-read"], &[("BROWSER", &browser)]);
    let (stdout, stderr) = text(&out);
    assert!(out.status.success(), "{stderr}");
    assert!(
        stdout.contains("approve the sign-in on this page") && stdout.contains("/authorize?"),
        "{stdout}"
    );
    assert!(stdout.contains("Signed in"), "{stdout}");
    assert_eq!(
        w.calls()[..3],
        [
            "register sso:account:access authorization_code,refresh_token",
            "authorize",
            "token authorization_code"
        ]
    );
    let page = std::fs::read_to_string(format!("{browser}.out")).unwrap();
    assert!(page.contains("Signed in"), "{page}");
    assert!(w.token()["refreshToken"].is_string());
    // --use-device-code: the device flow even with a browser.
    let out = w.mfatui(
        &["renew", "corp-read", "--use-device-code"],
        &[("BROWSER", "/bin/false")],
    );
    // The held refresh token comes first whatever the flow.
    assert!(text(&out).0.contains("Refreshed"), "{}", text(&out).0);
}

#[test]
fn a_pkce_sign_in_refused_in_the_browser_writes_nothing() {
    let w = World::new("deny");
    let browser = redirect_following_browser(w.sb.home.path());
    let out = w.mfatui(&["renew", "corp-read"], &[("BROWSER", &browser)]);
    let stderr = text(&out).1;
    assert!(!out.status.success());
    assert!(stderr.contains("refused in the browser"), "{stderr}");
    assert!(!w.sb.aws(TOKEN_FILE).exists());
}

#[test]
fn botocore_reads_and_refreshes_the_cache_mfatui_writes() {
    let w = World::new("approve");
    signed_in(&w);
    w.age_token(5);
    let before = w.token();
    let env = w.env();
    let mut cmd = Command::new("python3");
    cmd.args([
        "-c",
        "import boto3; c = boto3.Session(profile_name='corp-read').get_credentials().get_frozen_credentials(); print(c.access_key)",
    ]);
    crate::common::isolate(&mut cmd, w.sb.home.path());
    cmd.envs(env.iter().map(|(k, v)| (*k, v.as_str())));
    let out = cmd.output().unwrap();
    let (stdout, stderr) = text(&out);
    assert!(out.status.success(), "{stderr}");
    assert!(stdout.trim().starts_with("ASIASSO"), "{stdout}");
    assert_eq!(w.count("token refresh_token"), 1, "{:?}", w.calls());
    let after = w.token();
    assert_ne!(after["accessToken"], before["accessToken"]);
    assert_eq!(after["clientId"], before["clientId"]);
    // And mfatui reads what botocore wrote back.
    let all: Vec<serde_json::Value> =
        serde_json::from_slice(&w.mfatui(&["list", "--json"], &[]).stdout).unwrap();
    let p = all.iter().find(|p| p["name"] == "corp-read").unwrap();
    assert_eq!(p["expiry_status"], "valid");
}

#[test]
fn a_refreshable_session_is_never_expired_while_it_can_be_refreshed() {
    let w = World::new("short");
    signed_in(&w);
    // The stand-in's access tokens last a minute; an hour later the sign-in still works.
    w.age_token(-60);
    let all: Vec<serde_json::Value> =
        serde_json::from_slice(&w.mfatui(&["list", "--json"], &[]).stdout).unwrap();
    let p = all.iter().find(|p| p["name"] == "corp-read").unwrap();
    assert_eq!(p["expiry_status"], "valid", "{p}");
    assert_eq!(p["expiry_source"], "sso-refresh", "{p}");
    assert_eq!(p["expiration"], w.token()["registrationExpiresAt"], "{p}");
    // And it is: the next use refreshes it.
    let out = w.mfatui(&["credential-process", "corp-read"], &[]);
    assert!(out.status.success(), "{}", text(&out).1);
    assert_eq!(w.count("token refresh_token"), 1);
    // Without a refresh token, the access token's own end is the end.
    let mut t = w.token();
    t.as_object_mut().unwrap().remove("refreshToken");
    t["expiresAt"] = serde_json::Value::from("2020-01-01T00:00:00Z");
    std::fs::write(w.sb.aws(TOKEN_FILE), t.to_string()).unwrap();
    let all: Vec<serde_json::Value> =
        serde_json::from_slice(&w.mfatui(&["list", "--json"], &[]).stdout).unwrap();
    let p = all.iter().find(|p| p["name"] == "corp-read").unwrap();
    assert_eq!(p["expiry_status"], "expired", "{p}");
}

#[test]
fn exec_serves_an_sso_role_profile_from_the_portal_after_a_refresh() {
    let w = World::new("approve");
    signed_in(&w);
    w.age_token(5);
    let out = w.mfatui(
        &[
            "exec",
            "corp-read",
            "--",
            "sh",
            "-c",
            "echo key=$AWS_ACCESS_KEY_ID",
        ],
        &[],
    );
    let (stdout, stderr) = text(&out);
    assert!(out.status.success(), "{stderr}");
    assert!(stdout.contains("key=ASIASSO"), "{stdout}");
    assert_eq!(w.count("token refresh_token"), 1, "{:?}", w.calls());
    assert!(!stdout.contains("standin-") && !stderr.contains("standin-"));
}

#[test]
fn exec_server_serves_an_sso_role_profile_and_refreshes_its_token() {
    let w = World::new("approve");
    signed_in(&w);
    w.age_token(5);
    let fetch = "import json, os, urllib.request\n\
                 o = urllib.request.build_opener(urllib.request.ProxyHandler({}))\n\
                 r = urllib.request.Request(os.environ['AWS_CONTAINER_CREDENTIALS_FULL_URI'], headers={'Authorization': os.environ['AWS_CONTAINER_AUTHORIZATION_TOKEN']})\n\
                 print('served', json.load(o.open(r, timeout=20))['AccessKeyId'][:7])";
    let out = w.mfatui(
        &[
            "exec",
            "--server",
            "corp-read",
            "--",
            "python3",
            "-c",
            fetch,
        ],
        &[],
    );
    let (stdout, stderr) = text(&out);
    assert!(out.status.success(), "{stderr}");
    assert!(stdout.contains("served ASIASSO"), "{stdout}");
    assert_eq!(w.count("token refresh_token"), 1, "{:?}", w.calls());
}
