//! A corporate network on 127.0.0.1: STS (moto) behind an HTTPS front whose certificate comes
//! from a private CA made at test time, and a CONNECT proxy. mfatui must trust the CA only
//! when told to (AWS_CA_BUNDLE, the profile's ca_bundle, REQUESTS_CA_BUNDLE, in botocore's
//! order), refuse a bundle it cannot use before any call, and keep the proxies working; the
//! AWS CLI, given the same settings, is the judge.

use crate::common::{text, Moto, PyServer, Sandbox};
use std::path::{Path, PathBuf};

/// The private CA, the moto front that uses its certificate, and the request log.
struct Corp {
    certs: tempfile::TempDir,
    front: PyServer,
    moto: Moto,
}

impl Corp {
    fn start() -> Option<Corp> {
        let moto = Moto::start()?;
        let certs = tempfile::tempdir().unwrap();
        let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/tls_standins.py");
        let made = std::process::Command::new("python3")
            .arg(script)
            .args(["ca", certs.path().to_str().unwrap()])
            .output()
            .unwrap();
        assert!(made.status.success(), "{}", text(&made).1);
        let p = |name: &str| certs.path().join(name).display().to_string();
        let front = PyServer::start(
            "tls_standins.py",
            &[
                "front",
                &p("server.pem"),
                &p("server.key"),
                &moto.url,
                &p("front.log"),
            ],
        );
        Some(Corp { certs, front, moto })
    }

    fn pem(&self, name: &str) -> String {
        self.certs.path().join(name).display().to_string()
    }

    /// Requests the front has forwarded so far.
    fn requests(&self) -> usize {
        std::fs::read_to_string(self.certs.path().join("front.log"))
            .map(|t| t.lines().count())
            .unwrap_or(0)
    }

    /// A sandbox whose calls go to the front; `ca_bundle` in `[profile dev]` if given.
    fn sandbox(&self, ca_bundle: Option<&str>) -> Sandbox {
        let config = format!(
            "[profile dev]\nregion = eu-west-1\nmfa_serial = {}\n{}",
            self.moto.get("mfa_serial"),
            ca_bundle.map_or_else(String::new, |p| format!("ca_bundle = {p}\n"))
        );
        let credentials = format!(
            "[dev]\naws_access_key_id = {}\naws_secret_access_key = {}\n",
            self.moto.get("access_key_id"),
            self.moto.get("secret_access_key")
        );
        Sandbox::new(&self.front.url("https"), &config, &credentials)
    }
}

fn renew(sb: &Sandbox, env: &[(&str, &str)]) -> (bool, String) {
    let out = sb.mfatui_env(&["renew", "dev", "--code", "123456", "--yes"], env);
    (out.status.success(), text(&out).1)
}

/// Whether the AWS CLI accepts the endpoint with the same settings.
fn cli_accepts(sb: &Sandbox, env: &[(&str, &str)]) -> bool {
    sb.aws_cli(
        &["sts", "get-caller-identity", "--profile", "dev"],
        &[env, &[("AWS_DEFAULT_REGION", "eu-west-1")]].concat(),
    )
    .status
    .success()
}

#[test]
fn a_private_ca_is_trusted_only_through_the_bundle() {
    let Some(corp) = Corp::start() else { return };
    let sb = corp.sandbox(None);
    let before = sb.credentials();

    let (ok, stderr) = renew(&sb, &[]);
    assert!(!ok && !cli_accepts(&sb, &[]));
    assert_eq!(stderr.trim().lines().count(), 1, "one sentence: {stderr}");
    assert!(
        stderr.contains("is not trusted by the system's trusted certificates")
            && stderr.contains("UnknownIssuer")
            && stderr.contains("set AWS_CA_BUNDLE or the profile's ca_bundle"),
        "{stderr}"
    );
    assert_eq!(sb.credentials(), before, "nothing written");

    let ca = corp.pem("ca.pem");
    let with = [("AWS_CA_BUNDLE", ca.as_str())];
    let (ok, stderr) = renew(&sb, &with);
    assert!(ok, "{stderr}");
    assert!(sb.credentials().contains("[dev-mfa]"));
    assert!(cli_accepts(&sb, &with));
    let session = sb.aws_cli(
        &["sts", "get-caller-identity", "--profile", "dev-mfa"],
        &[("AWS_CA_BUNDLE", ca.as_str())],
    );
    assert!(session.status.success(), "{}", text(&session).1);
}

/// The profile's ca_bundle, the environment, and whether the front is trusted.
type Case<'a> = (Option<&'a str>, Vec<(&'a str, &'a str)>, bool);

#[test]
fn the_bundle_follows_botocores_precedence() {
    let Some(corp) = Corp::start() else { return };
    let (ca, other) = (corp.pem("ca.pem"), corp.pem("other-ca.pem"));
    // (profile's ca_bundle, environment, trusted?) — the AWS CLI must agree on each.
    let cases: [Case; 6] = [
        (Some(&ca), vec![], true),
        (Some(&ca), vec![("AWS_CA_BUNDLE", &other)], false),
        (Some(&other), vec![("AWS_CA_BUNDLE", &ca)], true),
        (Some(&other), vec![("REQUESTS_CA_BUNDLE", &ca)], false),
        (None, vec![("REQUESTS_CA_BUNDLE", &ca)], true),
        (Some(&ca), vec![("REQUESTS_CA_BUNDLE", &other)], true),
    ];
    for (profile, env, trusted) in cases {
        let sb = corp.sandbox(profile);
        let (ok, stderr) = renew(&sb, &env);
        let case = format!("profile {profile:?}, env {env:?}");
        assert_eq!(ok, trusted, "{case}: {stderr}");
        assert_eq!(cli_accepts(&sb, &env), trusted, "the AWS CLI, {case}");
        if !trusted {
            let named = if env.iter().any(|(k, _)| *k == "AWS_CA_BUNDLE") {
                "(from AWS_CA_BUNDLE)"
            } else {
                "(from the profile's ca_bundle)"
            };
            assert!(
                stderr.contains(&format!("is not trusted by the CA bundle {other} {named}")),
                "{case}: {stderr}"
            );
        }
    }
}

#[test]
fn a_bundle_that_cannot_be_used_stops_before_any_call() {
    let Some(corp) = Corp::start() else { return };
    let junk = corp.certs.path().join("junk.pem");
    std::fs::write(&junk, "this is not a certificate\n").unwrap();
    let missing: PathBuf = corp.certs.path().join("missing.pem");
    let sb = corp.sandbox(Some(missing.to_str().unwrap()));
    let before = corp.requests();
    for (env, says) in [
        (vec![], format!("The CA bundle {} named by the profile's ca_bundle cannot be read (No such file or directory", missing.display())),
        (
            vec![("AWS_CA_BUNDLE", junk.to_str().unwrap())],
            format!("The CA bundle {} named by AWS_CA_BUNDLE holds no PEM certificate", junk.display()),
        ),
    ] {
        let (ok, stderr) = renew(&sb, &env);
        assert!(!ok);
        assert_eq!(stderr.trim().lines().count(), 1, "{stderr}");
        assert!(stderr.contains(&says), "{stderr}");
        assert!(stderr.contains("no call was made"), "{stderr}");
    }
    assert_eq!(corp.requests(), before, "no request reached the endpoint");
}

#[test]
fn proxies_carry_the_calls_and_no_proxy_bypasses_them() {
    let Some(corp) = Corp::start() else { return };
    let log = corp.certs.path().join("proxy.log");
    let proxy = PyServer::start("tls_standins.py", &["proxy", log.to_str().unwrap()]);
    let connects = || {
        std::fs::read_to_string(&log)
            .map(|t| {
                t.lines()
                    .filter(|l| **l == format!("CONNECT 127.0.0.1:{}", corp.front.port))
                    .count()
            })
            .unwrap_or(0)
    };
    let sb = corp.sandbox(None);
    let ca = corp.pem("ca.pem");
    let proxy_url = proxy.url("http");
    let through = [
        ("AWS_CA_BUNDLE", ca.as_str()),
        ("HTTPS_PROXY", proxy_url.as_str()),
    ];
    let (ok, stderr) = renew(&sb, &through);
    assert!(ok, "{stderr}");
    let by_mfatui = connects();
    assert!(by_mfatui >= 1, "mfatui's call went through the proxy");
    assert!(cli_accepts(&sb, &through));
    assert!(connects() > by_mfatui, "so did the AWS CLI's");

    let bypass = [
        ("AWS_CA_BUNDLE", ca.as_str()),
        ("HTTPS_PROXY", proxy_url.as_str()),
        ("NO_PROXY", "127.0.0.1"),
    ];
    let seen = connects();
    let requests = corp.requests();
    let (ok, stderr) = renew(&sb, &bypass);
    assert!(ok, "{stderr}");
    assert_eq!(connects(), seen, "NO_PROXY bypasses the proxy");
    assert!(
        corp.requests() > requests,
        "the call still reached the endpoint"
    );
}
