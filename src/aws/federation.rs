//! Signing in to the AWS Management Console with temporary credentials — AWS's "custom
//! identity broker" flow: the partition's sign-in endpoint, `getSigninToken`, the login URL
//! and where it lands — and [`ConsoleCredentials`], the only credentials that may be sent
//! there.
//!
//! The federation endpoint accepts only AssumeRole (and SSO role) sessions and
//! GetFederationToken sessions; a GetSessionToken session or a long-term key must never reach
//! it. [`ConsoleCredentials`] has no public constructor: only `crate::aws` makes one, from an
//! AssumeRole answer, a GetFederationToken answer, an SSO portal answer, or a session that
//! GetCallerIdentity proves to be an assumed role (see [`super::api::AwsApi`]).
//!
//! `SessionDuration` (900–43200 s) is accepted only for a role assumed directly with long-term
//! keys; the endpoint refuses it for roles assumed from temporary credentials and for
//! federation tokens, whose console session lasts as long as the credentials do.
//!
//! The login URL is a bearer secret for 15 minutes: it is a [`Secret`], never logged, and the
//! query carrying the session is never put in an error.

use super::error::{AwsError, AwsErrorKind};
use super::http::{WebClient, WebError};
use crate::credentials::Credentials;
use crate::secret::Secret;
use chrono::{DateTime, Utc};
use std::net::IpAddr;
use url::Url;

/// The shortest console session AWS accepts, in seconds.
pub const SESSION_MIN: u32 = 900;
/// The longest `SessionDuration` (a role assumed with long-term keys), in seconds.
pub const SESSION_DURATION_MAX: u32 = 43_200;
/// The longest GetFederationToken session (and so its console session), in seconds.
pub const FEDERATION_TOKEN_MAX: u32 = 129_600;
/// What the console shows as the issuer of the sign-in (a link on the session-ended page).
pub const ISSUER: &str = "mfatui";
/// Overrides the sign-in endpoint (tests, private endpoints): a full URL such as
/// `https://signin.example/federation`; http only on this machine.
pub const ENDPOINT_VAR: &str = "MFATUI_FEDERATION_ENDPOINT";

/// An AWS partition: which sign-in endpoint and console an account uses.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Partition {
    /// `aws`: the commercial regions.
    Aws,
    /// `aws-cn`: the China regions.
    China,
    /// `aws-us-gov`: AWS GovCloud (US).
    GovCloud,
}

impl Partition {
    /// The partition of a region name (`cn-north-1`, `us-gov-west-1`, anything else `aws`).
    pub fn of_region(region: &str) -> Partition {
        if region.starts_with("cn-") {
            Partition::China
        } else if region.starts_with("us-gov-") {
            Partition::GovCloud
        } else {
            Partition::Aws
        }
    }

    /// The partition named in an ARN (`arn:aws-cn:…`), if it is one mfatui knows.
    pub fn of_arn(arn: &str) -> Option<Partition> {
        match arn.split(':').nth(1)? {
            "aws" if arn.starts_with("arn:") => Some(Partition::Aws),
            "aws-cn" if arn.starts_with("arn:") => Some(Partition::China),
            "aws-us-gov" if arn.starts_with("arn:") => Some(Partition::GovCloud),
            _ => None,
        }
    }

    /// The partition's name in ARNs.
    pub fn name(self) -> &'static str {
        match self {
            Partition::Aws => "aws",
            Partition::China => "aws-cn",
            Partition::GovCloud => "aws-us-gov",
        }
    }

    /// The sign-in host.
    pub fn signin_host(self) -> &'static str {
        match self {
            Partition::Aws => "signin.aws.amazon.com",
            Partition::China => "signin.amazonaws.cn",
            Partition::GovCloud => "signin.amazonaws-us-gov.com",
        }
    }

    /// The console's domain (regional consoles are `REGION.` in front of it).
    pub fn console_domain(self) -> &'static str {
        match self {
            Partition::Aws => "console.aws.amazon.com",
            Partition::China => "console.amazonaws.cn",
            Partition::GovCloud => "console.amazonaws-us-gov.com",
        }
    }
}

/// Why a federation endpoint or a console destination cannot be used: one sentence each.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum FederationError {
    /// The endpoint override is not safe to use or not a URL.
    #[error("{ENDPOINT_VAR}={value} cannot be used: {why}")]
    BadEndpoint {
        /// The variable's value, as given but for a user name and password before `@`, which
        /// show as `***` (a password never reaches a message).
        value: String,
        /// Why.
        why: String,
    },
    /// `--destination` is not a service name.
    #[error(
        "--destination {0} is neither a service name (ec2, s3, cloudwatch…) nor a console URL"
    )]
    NotAService(String),
    /// `--destination` is a URL off the partition's console.
    #[error("--destination {text} is not a console URL of the {partition} partition (https://{domain}/… or https://REGION.{domain}/…)")]
    NotConsole {
        /// The URL given.
        text: String,
        /// The partition's name.
        partition: &'static str,
        /// Its console's domain.
        domain: &'static str,
    },
}

/// Where `getSigninToken` and the login go.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FederationEndpoint {
    url: Url,
}

impl FederationEndpoint {
    /// The partition's own endpoint, unless `override_url` (from [`ENDPOINT_VAR`]) names
    /// another: https anywhere, plain http only on this machine (127.0.0.0/8, ::1,
    /// localhost), since the session is sent to it.
    pub fn new(partition: Partition, override_url: Option<&str>) -> Result<Self, FederationError> {
        let bad = |text: &str, why: &str| FederationError::BadEndpoint {
            value: without_userinfo(text),
            why: why.to_owned(),
        };
        let Some(text) = override_url.filter(|t| !t.trim().is_empty()) else {
            let own = format!("https://{}/federation", partition.signin_host());
            let url = Url::parse(&own).map_err(|e| bad(&own, &e.to_string()))?;
            return Ok(FederationEndpoint { url });
        };
        let bad = |why: &str| bad(text, why);
        let url = Url::parse(text.trim()).map_err(|e| bad(&format!("not a URL ({e})")))?;
        if !url.username().is_empty() || url.password().is_some() {
            return Err(bad("it must not hold a user name or password"));
        }
        if url.query().is_some() || url.fragment().is_some() {
            return Err(bad(
                "it must not hold a query or fragment (give the endpoint, e.g. https://host/federation)",
            ));
        }
        let local = match url.host() {
            Some(url::Host::Domain(d)) => d.eq_ignore_ascii_case("localhost"),
            Some(url::Host::Ipv4(ip)) => IpAddr::V4(ip).is_loopback(),
            Some(url::Host::Ipv6(ip)) => IpAddr::V6(ip).is_loopback(),
            None => false,
        };
        match url.scheme() {
            "https" if url.host().is_some() => Ok(FederationEndpoint { url }),
            "http" if local => Ok(FederationEndpoint { url }),
            "http" => Err(bad(
                "plain http is allowed only on this machine (127.0.0.1, ::1, localhost), since the credentials are sent to it",
            )),
            _ => Err(bad("it must be an https URL")),
        }
    }

    /// The endpoint URL (no query: nothing secret).
    pub fn url(&self) -> &str {
        self.url.as_str()
    }

    /// How messages name it: its host and port.
    pub fn place(&self) -> String {
        match (self.url.host_str(), self.url.port()) {
            (Some(h), Some(p)) => format!("{h}:{p}"),
            (Some(h), None) => h.to_owned(),
            _ => self.url.as_str().to_owned(),
        }
    }
}

/// How a console session's credentials were made.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Origin {
    /// AssumeRole made just now with long-term keys: `SessionDuration` may set the console
    /// session's length.
    RoleFromLongTermKeys,
    /// A role session (an AssumeRole answer, or a session GetCallerIdentity proved to be an
    /// assumed role): the console session ends with it.
    RoleSession,
    /// GetFederationToken with an IAM user's long-term keys: the console session lasts as long
    /// as the token and carries no MFA context.
    FederationToken,
    /// Role credentials from the IAM Identity Center portal: the console session ends with them.
    SsoRole,
}

impl Origin {
    /// Whether the endpoint accepts `SessionDuration` with these credentials.
    pub fn allows_session_duration(self) -> bool {
        self == Origin::RoleFromLongTermKeys
    }
}

/// Temporary credentials the federation endpoint accepts. Only `crate::aws` can make one
/// (from AssumeRole, GetFederationToken or the SSO portal, or a session proved to be an
/// assumed role), so a GetSessionToken session or a long-term key cannot reach the endpoint.
#[derive(Clone, Debug)]
pub struct ConsoleCredentials {
    creds: Credentials,
    origin: Origin,
    principal: Option<String>,
}

impl ConsoleCredentials {
    /// Wraps temporary credentials made by one of the accepted calls; keys without a session
    /// token are refused (they are long-term, never sent).
    pub(super) fn new(
        creds: Credentials,
        origin: Origin,
        principal: Option<String>,
    ) -> Result<Self, AwsError> {
        if creds.session_token.is_none() {
            return Err(AwsError::setup(
                "these are long-term keys, which are never sent to the console sign-in endpoint",
            ));
        }
        Ok(ConsoleCredentials {
            creds,
            origin,
            principal,
        })
    }

    /// How they were made.
    pub fn origin(&self) -> Origin {
        self.origin
    }

    /// When they expire, if known.
    pub fn expiration(&self) -> Option<DateTime<Utc>> {
        self.creds.expiration
    }

    /// The ARN they act as (assumed role, federated user), when known.
    pub fn principal(&self) -> Option<&str> {
        self.principal.as_deref()
    }

    /// The access key id (not secret; shown masked).
    pub fn access_key_id(&self) -> &str {
        &self.creds.access_key_id
    }

    /// The credentials themselves, for a caller that serves them (an SSO profile's role
    /// credentials handed to `exec` or `credential_process`).
    pub fn into_credentials(self) -> Credentials {
        self.creds
    }
}

/// Where the console opens after the sign-in.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Destination {
    /// The console home.
    Home,
    /// A service's home page (`ec2`, `s3`, `cloudwatch`…).
    Service(String),
    /// A console URL of the partition, as given.
    Url(Url),
}

impl Destination {
    /// Reads `--destination`: a service name (lower-case letters, digits, `-`), or an https
    /// URL on the partition's console (`console.aws.amazon.com` or a subdomain of it).
    pub fn parse(text: &str, partition: Partition) -> Result<Destination, FederationError> {
        let text = text.trim();
        if !text.contains("://") {
            let ok = !text.is_empty()
                && text.len() <= 40
                && text
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
                && !text.starts_with('-');
            return if ok {
                Ok(Destination::Service(text.to_owned()))
            } else {
                Err(FederationError::NotAService(text.to_owned()))
            };
        }
        let domain = partition.console_domain();
        let not_console = || FederationError::NotConsole {
            text: text.to_owned(),
            partition: partition.name(),
            domain,
        };
        let url = Url::parse(text).map_err(|_| not_console())?;
        let host = url.host_str().unwrap_or_default().to_ascii_lowercase();
        let on_console = host == domain || host.ends_with(&format!(".{domain}"));
        if url.scheme() != "https"
            || !on_console
            || !url.username().is_empty()
            || url.password().is_some()
            || url.port().is_some()
        {
            return Err(not_console());
        }
        Ok(Destination::Url(url))
    }

    /// The console URL to land on, in `region` when one is known.
    pub fn url(&self, partition: Partition, region: Option<&str>) -> String {
        let domain = partition.console_domain();
        let page = |path: &str| match region {
            Some(r) => format!("https://{r}.{domain}/{path}?region={r}"),
            None => format!("https://{domain}/{path}"),
        };
        match self {
            Destination::Home => page("console/home"),
            Destination::Service(s) => page(&format!("{s}/home")),
            Destination::Url(u) => u.to_string(),
        }
    }
}

/// Trims an endpoint's answer to something safe to show: one line, printable, short, with
/// none of `secrets` in it, and no HTML.
fn safe_excerpt(body: &[u8], secrets: &[&str]) -> String {
    let text = String::from_utf8_lossy(body);
    let text = text.trim();
    if text.starts_with('<') {
        return String::new();
    }
    let mut line: String = text
        .lines()
        .next()
        .unwrap_or_default()
        .chars()
        .filter(|c| !c.is_control())
        .take(200)
        .collect();
    for secret in secrets.iter().filter(|s| s.len() >= 8) {
        line = line.replace(secret, "****");
    }
    line.trim().to_owned()
}

/// `getSigninToken`: exchanges `creds` for a sign-in token at `endpoint`. `session_duration`
/// is sent only where AWS accepts it (a role assumed with long-term keys); asking for it
/// otherwise is refused here, before anything is sent.
pub async fn signin_token(
    client: &WebClient,
    endpoint: &FederationEndpoint,
    creds: &ConsoleCredentials,
    session_duration: Option<u32>,
    roots: &str,
) -> Result<Secret, AwsError> {
    const OPERATION: &str = "the console sign-in (getSigninToken)";
    let place = endpoint.place();
    if let Some(d) = session_duration {
        if !creds.origin.allows_session_duration() {
            return Err(AwsError::setup("a console session length can be chosen only for a role assumed directly with long-term keys; nothing was sent"));
        }
        if !(SESSION_MIN..=SESSION_DURATION_MAX).contains(&d) {
            return Err(AwsError::setup(&format!(
                "a console session of {} is outside what AWS allows (15m to 12h); nothing was sent",
                crate::duration::human(d)
            )));
        }
    }
    let secret = creds.creds.secret_access_key.expose();
    let token = creds
        .creds
        .session_token
        .as_ref()
        .map(Secret::expose)
        .unwrap_or_default();
    let session = serde_json::json!({
        "sessionId": creds.creds.access_key_id,
        "sessionKey": secret,
        "sessionToken": token,
    })
    .to_string();
    let mut url = endpoint.url.clone();
    {
        let mut query = url.query_pairs_mut();
        query.append_pair("Action", "getSigninToken");
        if let Some(d) = session_duration {
            query.append_pair("SessionDuration", &d.to_string());
        }
        query.append_pair("Session", &session);
    }
    let started = std::time::Instant::now();
    let answer = client.get(url.as_str()).await;
    crate::diag!(
        "getSigninToken at {place} ({:?}, SessionDuration {}): {} in {} ms",
        creds.origin,
        session_duration.map_or_else(|| "none".to_owned(), |d| d.to_string()),
        match &answer {
            Ok(r) => format!("HTTP {}", r.status),
            Err(e) => e.to_string(),
        },
        started.elapsed().as_millis()
    );
    let response = answer.map_err(|e| match e {
        WebError::Timeout(d) => AwsError::timeout(OPERATION, &place, d.as_secs()),
        WebError::Untrusted(cause) => AwsError::untrusted(OPERATION, &place, &cause, roots),
        WebError::Network(cause) => AwsError::network(OPERATION, &place, &cause),
        WebError::Answer(why) => AwsError::other(OPERATION, &why),
    })?;
    let excerpt = safe_excerpt(&response.body, &[secret, token]);
    if response.status != 200 {
        let said = if excerpt.is_empty() {
            String::new()
        } else {
            format!(": {excerpt}")
        };
        let kind = if response.status < 500 {
            AwsErrorKind::AccessDenied
        } else {
            AwsErrorKind::Other
        };
        return Err(AwsError::new(
            kind,
            format!("The console sign-in endpoint {place} refused the session (HTTP {}{said}); no console session was made.", response.status),
        ));
    }
    let parsed: Option<String> = serde_json::from_slice::<serde_json::Value>(&response.body)
        .ok()
        .and_then(|v| v.get("SigninToken")?.as_str().map(str::to_owned))
        .filter(|t| !t.is_empty());
    parsed.map(Secret::new).ok_or_else(|| {
        AwsError::other(
            OPERATION,
            &format!("{place} answered without a sign-in token"),
        )
    })
}

/// The login URL: `ENDPOINT?Action=login&Issuer=…&Destination=…&SigninToken=…`. A bearer
/// secret for 15 minutes.
pub fn login_url(endpoint: &FederationEndpoint, destination: &str, token: &Secret) -> Secret {
    let mut url = endpoint.url.clone();
    url.query_pairs_mut()
        .append_pair("Action", "login")
        .append_pair("Issuer", ISSUER)
        .append_pair("Destination", destination)
        .append_pair("SigninToken", token.expose());
    Secret::new(String::from(url))
}

/// The `GetFederationToken` name for a profile: STS allows 2–32 characters of
/// `[A-Za-z0-9_+=,.@-]`; others become `-`.
pub fn federated_name(profile: &str) -> String {
    let mut name: String = profile
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || "_+=,.@-".contains(c) {
                c
            } else {
                '-'
            }
        })
        .take(32)
        .collect();
    while name.len() < 2 {
        name.push('-');
    }
    name
}

/// The session policy sent with GetFederationToken: allows everything, so the federated
/// user has exactly the IAM user's own permissions (the intersection of both).
pub const ALLOW_ALL_POLICY: &str =
    r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}"#;

/// `text` with the user name and password of its authority (`user:password@`) shown as
/// `***`, whether or not the rest parses as a URL.
fn without_userinfo(text: &str) -> String {
    let start = text.find("://").map_or(0, |i| i + 3);
    let end = text[start..]
        .find(['/', '?', '#'])
        .map_or(text.len(), |i| start + i);
    match text[start..end].rfind('@') {
        Some(at) => format!("{}***{}", &text[..start], &text[start + at..]),
        None => text.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn partitions_from_regions_and_arns() {
        assert_eq!(Partition::of_region("eu-west-1"), Partition::Aws);
        assert_eq!(Partition::of_region("cn-northwest-1"), Partition::China);
        assert_eq!(Partition::of_region("us-gov-east-1"), Partition::GovCloud);
        assert_eq!(
            Partition::of_arn("arn:aws-cn:iam::1:role/A"),
            Some(Partition::China)
        );
        assert_eq!(
            Partition::of_arn("arn:aws-us-gov:iam::1:role/A"),
            Some(Partition::GovCloud)
        );
        assert_eq!(
            Partition::of_arn("arn:aws:iam::1:role/A"),
            Some(Partition::Aws)
        );
        assert_eq!(Partition::of_arn("arn:aws-iso:iam::1:role/A"), None);
        assert_eq!(Partition::of_arn("GAHT12345678"), None);
    }

    #[test]
    fn endpoints_are_the_partitions_or_a_safe_override() {
        let e = |p, o| FederationEndpoint::new(p, o).map(|e| e.url().to_owned());
        assert_eq!(
            e(Partition::Aws, None).unwrap(),
            "https://signin.aws.amazon.com/federation"
        );
        assert_eq!(
            e(Partition::China, None).unwrap(),
            "https://signin.amazonaws.cn/federation"
        );
        assert_eq!(
            e(Partition::GovCloud, Some("")).unwrap(),
            "https://signin.amazonaws-us-gov.com/federation"
        );
        assert_eq!(
            e(Partition::Aws, Some("http://127.0.0.1:8080/federation")).unwrap(),
            "http://127.0.0.1:8080/federation"
        );
        assert!(e(
            Partition::Aws,
            Some("https://signin.corp.example/federation")
        )
        .is_ok());
        assert!(e(Partition::Aws, Some("http://[::1]:9/federation")).is_ok());
        let plain = e(
            Partition::Aws,
            Some("http://signin.corp.example/federation"),
        )
        .unwrap_err();
        assert!(
            matches!(&plain, FederationError::BadEndpoint { why, .. } if why.contains("only on this machine")),
            "{plain}"
        );
        assert!(e(Partition::Aws, Some("https://u:p@h/federation")).is_err());
        // The refusal never echoes the password, URL or not.
        for typed in [
            "https://alice:hunter2@h/federation",
            "http://alice:hunter2@127.0.0.1:1/federation",
            " https://alice:hunter2@h:99999/federation",
            "alice:hunter2@h/federation",
        ] {
            let said = e(Partition::Aws, Some(typed)).unwrap_err().to_string();
            assert!(
                !said.contains("hunter2") && !said.contains("alice"),
                "{said}"
            );
            assert!(said.contains("***@"), "{said}");
        }
        assert!(e(Partition::Aws, Some("https://h/federation?Action=x")).is_err());
        assert!(e(Partition::Aws, Some("ftp://h/")).is_err());
    }

    #[test]
    fn destinations_are_services_or_console_urls_of_the_partition() {
        let aws = Partition::Aws;
        let home = Destination::parse("", aws);
        assert!(home.is_err(), "an empty --destination is refused");
        assert_eq!(
            Destination::Home.url(aws, Some("eu-west-1")),
            "https://eu-west-1.console.aws.amazon.com/console/home?region=eu-west-1"
        );
        assert_eq!(
            Destination::Home.url(Partition::China, None),
            "https://console.amazonaws.cn/console/home"
        );
        assert_eq!(
            Destination::parse("ec2", aws)
                .unwrap()
                .url(aws, Some("us-east-2")),
            "https://us-east-2.console.aws.amazon.com/ec2/home?region=us-east-2"
        );
        let deep =
            "https://eu-west-1.console.aws.amazon.com/lambda/home?region=eu-west-1#/functions";
        assert_eq!(Destination::parse(deep, aws).unwrap().url(aws, None), deep);
        for bad in [
            "https://evil.example/console.aws.amazon.com",
            "https://console.aws.amazon.com.evil.example/",
            "http://console.aws.amazon.com/",
            "https://user@console.aws.amazon.com/",
            "https://console.amazonaws.cn/",
            "EC2",
            "ec2/home",
        ] {
            assert!(Destination::parse(bad, aws).is_err(), "{bad}");
        }
        assert!(Destination::parse(
            "https://console.amazonaws-us-gov.com/s3",
            Partition::GovCloud
        )
        .is_ok());
    }

    #[test]
    fn the_login_url_carries_issuer_destination_and_token() {
        let endpoint = FederationEndpoint::new(Partition::Aws, None).unwrap();
        let url = login_url(
            &endpoint,
            "https://eu-west-1.console.aws.amazon.com/console/home?region=eu-west-1",
            &Secret::new("tok+en/="),
        );
        assert_eq!(format!("{url}"), "****", "the URL is a secret");
        let parsed = Url::parse(url.expose()).unwrap();
        assert_eq!(parsed.host_str(), Some("signin.aws.amazon.com"));
        let pairs: Vec<(String, String)> = parsed.query_pairs().into_owned().collect();
        assert_eq!(
            pairs,
            [
                ("Action", "login"),
                ("Issuer", ISSUER),
                (
                    "Destination",
                    "https://eu-west-1.console.aws.amazon.com/console/home?region=eu-west-1"
                ),
                ("SigninToken", "tok+en/="),
            ]
            .map(|(k, v)| (k.to_owned(), v.to_owned()))
        );
    }

    #[test]
    fn long_term_keys_cannot_become_console_credentials() {
        let keys = Credentials {
            access_key_id: "AKIA".into(),
            secret_access_key: Secret::new("s"),
            session_token: None,
            expiration: None,
        };
        assert!(ConsoleCredentials::new(keys.clone(), Origin::RoleSession, None).is_err());
        let session = Credentials {
            session_token: Some(Secret::new("t")),
            ..keys
        };
        let c = ConsoleCredentials::new(session, Origin::FederationToken, None).unwrap();
        assert!(!c.origin().allows_session_duration());
        assert!(Origin::RoleFromLongTermKeys.allows_session_duration());
        assert!(
            !format!("{c:?}").contains("\"s\""),
            "Debug masks the secret"
        );
    }

    #[test]
    fn federated_names_fit_sts() {
        assert_eq!(federated_name("dev"), "dev");
        assert_eq!(federated_name("ana maría/prod"), "ana-mar-a-prod");
        assert_eq!(federated_name("x"), "x-");
        assert_eq!(federated_name(&"p".repeat(40)).len(), 32);
    }

    #[test]
    fn answers_are_trimmed_to_a_safe_excerpt() {
        assert_eq!(
            safe_excerpt(
                b"Only federation tokens or assume role tokens may be used for federated login.\nmore",
                &[]
            ),
            "Only federation tokens or assume role tokens may be used for federated login."
        );
        assert_eq!(safe_excerpt(b"<html><body>oops</body></html>", &[]), "");
        assert_eq!(
            safe_excerpt(b"bad session SECRETSECRET", &["SECRETSECRET"]),
            "bad session ****"
        );
        assert!(safe_excerpt(&[b'x'; 1000], &[]).len() <= 200);
    }
}
