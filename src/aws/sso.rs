//! SSO sign-in and refresh: IAM Identity Center's OIDC flows through aws-sdk-ssooidc, as the
//! AWS CLI v2 runs them — a client registered (and cached) with scopes and grant types; the
//! authorization code flow with PKCE (S256) and a one-shot loopback redirect on 127.0.0.1, or
//! the device flow (a URL and a code for the person, then polling); and the refresh-token
//! grant that renews a token without a browser. The token is written to the same cache the
//! AWS CLI reads (see [`crate::awsfiles::sso_cache`]).

use super::http::{self, CaBundle, Trust};
use crate::awsfiles::sso_cache::{Registration, TokenRecord};
use crate::secret::Secret;
use aws_config::timeout::TimeoutConfig;
use aws_config::{BehaviorVersion, Region, SdkConfig};
use aws_sdk_ssooidc::error::ProvideErrorMetadata;
use chrono::{DateTime, Duration, Utc};
use std::path::Path;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// Where to sign in.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SsoTarget {
    /// `sso_start_url`.
    pub start_url: String,
    /// `sso_region`.
    pub region: String,
    /// The `sso-session` name (`None` for a legacy profile).
    pub session: Option<String>,
    /// `sso_registration_scopes` as configured (comma-separated in the file), `None` when absent.
    pub scopes: Option<Vec<String>>,
    /// The OIDC endpoint override (`AWS_ENDPOINT_URL_SSO_OIDC`, …), if any.
    pub endpoint: Option<String>,
    /// The CA bundle trusted instead of the platform's roots, if any.
    pub ca_bundle: Option<CaBundle>,
    /// Opening a connection (5 s unless the run's context says otherwise).
    pub connect_timeout: std::time::Duration,
    /// One whole call (30 s unless the run's context says otherwise).
    pub call_timeout: std::time::Duration,
}

/// The scope the AWS CLI asks for when none is configured (it is what gives refresh tokens).
pub const DEFAULT_SCOPE: &str = "sso:account:access";

/// The redirect URI registered for the authorization code flow (the port is added per sign-in).
pub const REDIRECT_URI: &str = "http://127.0.0.1/oauth/callback";

/// How long the loopback listener waits for the browser's redirect, as the AWS CLI does.
pub const PKCE_WAIT: std::time::Duration = std::time::Duration::from_secs(600);

impl SsoTarget {
    /// What the token cache file is named after: the session name, else the start URL.
    pub fn cache_key(&self) -> &str {
        self.session.as_deref().unwrap_or(&self.start_url)
    }

    /// The client registration's cache file name, as the AWS CLI v2 names it.
    pub fn registration_file(&self) -> String {
        crate::awsfiles::sso_cache::registration_file_name(
            &self.start_url,
            &self.region,
            self.scopes.as_deref(),
            self.session.as_deref(),
        )
    }

    /// The scopes a client is registered with: the configured ones; without any,
    /// `sso:account:access` for an sso-session (and for PKCE), none for a legacy device-flow
    /// profile — exactly what the AWS CLI v2 asks for.
    pub fn registration_scopes(&self, flow: Flow) -> Option<Vec<String>> {
        match (&self.scopes, flow) {
            (Some(s), _) if !s.is_empty() => Some(s.clone()),
            (_, Flow::Pkce) => Some(vec![DEFAULT_SCOPE.to_owned()]),
            _ if self.session.is_some() => Some(vec![DEFAULT_SCOPE.to_owned()]),
            _ => None,
        }
    }

    /// The OIDC service's base URL (the `/authorize` page lives there).
    fn base_url(&self) -> String {
        match &self.endpoint {
            Some(url) => url.trim_end_matches('/').to_owned(),
            None if self.region.starts_with("cn-") => {
                format!("https://oidc.{}.amazonaws.com.cn", self.region)
            }
            None => format!("https://oidc.{}.amazonaws.com", self.region),
        }
    }
}

/// `sso_registration_scopes` as the AWS CLI reads it: comma-separated, trimmed, empties dropped.
pub fn parse_scopes(raw: &str) -> Vec<String> {
    raw.split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
        .collect()
}

/// Which sign-in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Flow {
    /// The authorization code flow with PKCE and a loopback redirect (the default).
    Pkce,
    /// The device flow: a page and a code, typed anywhere (`--use-device-code`, or no browser).
    DeviceCode,
}

/// The person's part: where to go, and (device flow) which code to confirm there.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Prompt {
    /// The page (with the code filled in, for the device flow).
    pub url: String,
    /// The code shown on that page (device flow); `None` for the authorization code flow,
    /// where approving in the browser is all (it comes back to this machine by itself).
    pub user_code: Option<String>,
}

/// Why an SSO call (a sign-in, a refresh, the portal's listing) failed: one sentence each,
/// never a token, secret or code.
#[derive(Debug, thiserror::Error)]
pub enum SsoCallError {
    /// The CA bundle to trust could not be loaded (no call was made).
    #[error(transparent)]
    Trust(#[from] http::TrustError),
    /// The service answered a call with an error, or the call did not reach it.
    #[error("{0}")]
    Call(CallFailure),
    /// The new client registration could not be written to the cache folder.
    #[error("{}: {source}", .dir.display())]
    Registration {
        /// The SSO cache folder.
        dir: std::path::PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// The cached token holds no refresh token.
    #[error("the cached SSO token has no refresh token")]
    NoRefreshToken,
    /// The device code ran out before the person confirmed it.
    #[error("the sign-in code expired before it was confirmed; start the login again")]
    CodeExpired,
    /// The person denied the device sign-in.
    #[error("the sign-in was denied in the browser; nothing was written")]
    Denied,
    /// The system gave no random bytes (for the PKCE verifier or the state).
    #[error("no random bytes for the sign-in")]
    NoRandom,
    /// No loopback port could be opened for the redirect.
    #[error("no loopback port for the sign-in's redirect: {0}")]
    NoPort(std::io::Error),
    /// The loopback listener's port could not be told.
    #[error("{0}")]
    Port(std::io::Error),
    /// The browser's redirect did not come in time.
    #[error("no answer came back from the browser within {minutes} minutes; start the sign-in again (or use --use-device-code)")]
    NoAnswer {
        /// How long it waited, in whole minutes.
        minutes: u64,
    },
    /// The service refused the sign-in (the redirect's `error`).
    #[error("the sign-in was refused in the browser ({0}); nothing was written")]
    Refused(String),
    /// The redirect's code was not accepted by `CreateToken`.
    #[error("the sign-in's redirect brought back a code the SSO service did not accept ({0}); nothing was written: start the sign-in again")]
    CodeRefused(CallFailure),
    /// Listing one account's roles failed.
    #[error("{failure} (account {account_id})")]
    Roles {
        /// The call's failure.
        failure: CallFailure,
        /// The account.
        account_id: String,
    },
    /// A listing's pages would not end (a token repeated, or too many pages).
    #[error("{call} for account {account_id} {why}")]
    Endless {
        /// The call.
        call: &'static str,
        /// Why it was stopped.
        why: String,
        /// The account listed.
        account_id: String,
    },
}

/// A failed SSO or OIDC call: the operation, and the service's error code and message, or
/// else why the call did not reach it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CallFailure {
    /// The operation (`CreateToken`, `ListAccounts`, …).
    pub operation: &'static str,
    /// The service's error code, when it answered.
    pub code: Option<String>,
    /// The service's message, when it answered with one.
    pub message: Option<String>,
    /// Why the call failed otherwise (the SDK's cause).
    pub cause: String,
}

impl CallFailure {
    /// The failure of `operation` with the SDK error `e`.
    fn of<E: ProvideErrorMetadata + std::error::Error + 'static>(
        operation: &'static str,
        e: &E,
    ) -> CallFailure {
        CallFailure {
            operation,
            code: e.code().map(str::to_owned),
            message: e.message().map(str::to_owned),
            cause: crate::aws::sdk_cause(e),
        }
    }
}

impl std::fmt::Display for CallFailure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let CallFailure {
            operation,
            code,
            message,
            cause,
        } = self;
        match (code, message) {
            (Some(code), Some(message)) => write!(f, "{operation} failed ({code}): {message}"),
            (Some(code), None) => write!(f, "{operation} failed ({code})"),
            _ if http::is_untrusted(cause) => write!(
                f,
                "{operation} failed: the server's certificate is not trusted ({cause}); if a private CA or a TLS-inspecting proxy signs it, set AWS_CA_BUNDLE or the profile's ca_bundle to that CA's certificates (PEM)"
            ),
            _ => write!(f, "{operation} failed: {cause}"),
        }
    }
}

impl std::error::Error for CallFailure {}

impl From<CallFailure> for SsoCallError {
    fn from(failure: CallFailure) -> SsoCallError {
        SsoCallError::Call(failure)
    }
}

fn client(target: &SsoTarget) -> Result<aws_sdk_ssooidc::Client, SsoCallError> {
    Ok(aws_sdk_ssooidc::Client::new(&sdk_config(
        target,
        target.endpoint.as_deref(),
    )?))
}

/// The SDK configuration of `target`'s calls (region, time limits, CA bundle), sent to
/// `endpoint` when one is set: the one place both the OIDC and the portal client are made.
fn sdk_config(target: &SsoTarget, endpoint: Option<&str>) -> Result<SdkConfig, SsoCallError> {
    let trust = Trust::load(target.ca_bundle.as_ref())?;
    let timeouts = TimeoutConfig::builder()
        .connect_timeout(target.connect_timeout)
        .operation_timeout(target.call_timeout)
        .build();
    let mut config = SdkConfig::builder()
        .behavior_version(BehaviorVersion::latest())
        .region(Region::new(target.region.clone()))
        .timeout_config(timeouts)
        .http_client(http::sdk_client(&trust));
    if let Some(url) = endpoint {
        config = config.endpoint_url(url);
    }
    Ok(config.build())
}

/// A registration is reused while it has more than this left (botocore's expiry window).
const REGISTRATION_WINDOW: i64 = 15 * 60;

/// The client registration for `flow`: the one the AWS CLI (or mfatui) cached in `cache`
/// while it lasts and fits the flow, else a new one (`RegisterClient` with the scopes, and for
/// PKCE the grant types, redirect URI and issuer), cached as the AWS CLI caches it.
async fn registration(
    oidc: &aws_sdk_ssooidc::Client,
    target: &SsoTarget,
    cache: &Path,
    flow: Flow,
) -> Result<Registration, SsoCallError> {
    let name = target.registration_file();
    let now = Utc::now();
    if let Some(r) = Registration::read(cache, &name) {
        if (r.expires_at - now).num_seconds() > REGISTRATION_WINDOW
            && r.for_auth_code() == (flow == Flow::Pkce)
        {
            return Ok(r);
        }
    }
    let scopes = target.registration_scopes(flow);
    let mut call = oidc
        .register_client()
        .client_name(format!(
            "mfatui-client-{}",
            target
                .session
                .clone()
                .unwrap_or_else(|| now.timestamp().to_string())
        ))
        .client_type("public")
        .set_scopes(scopes.clone());
    let grants = (flow == Flow::Pkce)
        .then(|| vec!["authorization_code".to_owned(), "refresh_token".to_owned()]);
    if let Some(grants) = &grants {
        call = call
            .set_grant_types(Some(grants.clone()))
            .redirect_uris(REDIRECT_URI)
            .issuer_url(&target.start_url);
    }
    let registered = call
        .send()
        .await
        .map_err(|e| CallFailure::of("RegisterClient", &e))?;
    let registration = Registration {
        client_id: registered.client_id().unwrap_or_default().to_owned(),
        client_secret: Secret::new(registered.client_secret().unwrap_or_default()),
        expires_at: DateTime::from_timestamp(registered.client_secret_expires_at(), 0)
            .unwrap_or(now),
        scopes,
        grant_types: grants,
    };
    registration
        .write(cache, &name)
        .map_err(|source| SsoCallError::Registration {
            dir: cache.to_owned(),
            source,
        })?;
    Ok(registration)
}

fn record(
    target: &SsoTarget,
    registration: &Registration,
    token: &aws_sdk_ssooidc::operation::create_token::CreateTokenOutput,
) -> TokenRecord {
    let now = Utc::now();
    TokenRecord {
        start_url: target.start_url.clone(),
        region: target.region.clone(),
        access_token: Secret::new(token.access_token().unwrap_or_default()),
        expires_at: now + Duration::seconds(i64::from(token.expires_in())),
        client_id: registration.client_id.clone(),
        client_secret: registration.client_secret.clone(),
        registration_expires_at: registration.expires_at,
        refresh_token: token.refresh_token().map(Secret::new),
    }
}

/// Renews `held` with its refresh token (`CreateToken`, grant `refresh_token`), no browser:
/// the new access token, the new refresh token when the service rotates it (else the held
/// one), the registration unchanged.
pub async fn refresh(target: &SsoTarget, held: &TokenRecord) -> Result<TokenRecord, SsoCallError> {
    let refresh_token = held
        .refresh_token
        .as_ref()
        .ok_or(SsoCallError::NoRefreshToken)?;
    let oidc = client(target)?;
    let token = oidc
        .create_token()
        .client_id(&held.client_id)
        .client_secret(held.client_secret.expose())
        .grant_type("refresh_token")
        .refresh_token(refresh_token.expose())
        .send()
        .await
        .map_err(|e| CallFailure::of("CreateToken (refresh)", &e))?;
    let now = Utc::now();
    Ok(TokenRecord {
        start_url: target.start_url.clone(),
        region: target.region.clone(),
        access_token: Secret::new(token.access_token().unwrap_or_default()),
        expires_at: now + Duration::seconds(i64::from(token.expires_in())),
        client_id: held.client_id.clone(),
        client_secret: held.client_secret.clone(),
        registration_expires_at: held.registration_expires_at,
        refresh_token: token
            .refresh_token()
            .map(Secret::new)
            .or_else(|| held.refresh_token.clone()),
    })
}

/// The device flow: `prompt` is called once with the URL and code; polling stops when the
/// token comes, the person denies, or the code expires.
pub async fn login_device(
    target: &SsoTarget,
    cache: &Path,
    prompt: &mut (dyn FnMut(&Prompt) + Send),
) -> Result<TokenRecord, SsoCallError> {
    let oidc = client(target)?;
    let registration = registration(&oidc, target, cache, Flow::DeviceCode).await?;
    let client_id = registration.client_id.clone();
    let client_secret = registration.client_secret.expose().to_owned();
    let authorization = oidc
        .start_device_authorization()
        .client_id(&client_id)
        .client_secret(&client_secret)
        .start_url(&target.start_url)
        .send()
        .await
        .map_err(|e| CallFailure::of("StartDeviceAuthorization", &e))?;
    let device_code = authorization.device_code().unwrap_or_default().to_owned();
    prompt(&Prompt {
        url: authorization
            .verification_uri_complete()
            .or(authorization.verification_uri())
            .unwrap_or_default()
            .to_owned(),
        user_code: Some(authorization.user_code().unwrap_or_default().to_owned()),
    });
    let deadline = Utc::now() + Duration::seconds(i64::from(authorization.expires_in().max(1)));
    let mut interval = u64::try_from(authorization.interval().max(1)).unwrap_or(5);
    loop {
        tokio::time::sleep(std::time::Duration::from_secs(interval)).await;
        let answer = oidc
            .create_token()
            .client_id(&client_id)
            .client_secret(&client_secret)
            .grant_type("urn:ietf:params:oauth:grant-type:device_code")
            .device_code(&device_code)
            .send()
            .await;
        let token = match answer {
            Ok(token) => token,
            Err(e) => match e.code() {
                Some("AuthorizationPendingException") if Utc::now() < deadline => continue,
                Some("SlowDownException") if Utc::now() < deadline => {
                    interval += 5;
                    continue;
                }
                Some(
                    "AuthorizationPendingException" | "SlowDownException" | "ExpiredTokenException",
                ) => return Err(SsoCallError::CodeExpired),
                Some("AccessDeniedException") => return Err(SsoCallError::Denied),
                _ => return Err(CallFailure::of("CreateToken", &e).into()),
            },
        };
        return Ok(record(target, &registration, &token));
    }
}

/// Random bytes from the kernel's generator.
fn random(bytes: &mut [u8]) -> Result<(), SsoCallError> {
    use aws_lc_rs::rand::SecureRandom;
    aws_lc_rs::rand::SystemRandom::new()
        .fill(bytes)
        .map_err(|_| SsoCallError::NoRandom)
}

fn b64url(bytes: &[u8]) -> String {
    use base64::Engine;
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

/// A PKCE pair (RFC 7636): a 64-character verifier from the unreserved characters, and its
/// S256 challenge.
fn pkce_pair() -> Result<(Secret, String), SsoCallError> {
    const UNRESERVED: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~";
    let mut bytes = [0u8; 64];
    random(&mut bytes)?;
    // Bytes above the largest multiple of 66 are dropped, so every character is equally likely.
    let mut verifier = String::with_capacity(64);
    let mut pool = bytes.to_vec();
    while verifier.len() < 64 {
        if pool.is_empty() {
            let mut more = [0u8; 64];
            random(&mut more)?;
            pool.extend_from_slice(&more);
        }
        let b = pool.pop().unwrap_or_default();
        if usize::from(b) < 256 - 256 % UNRESERVED.len() {
            verifier.push(char::from(UNRESERVED[usize::from(b) % UNRESERVED.len()]));
        }
    }
    let challenge =
        b64url(aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, verifier.as_bytes()).as_ref());
    Ok((Secret::new(verifier), challenge))
}

/// The `/authorize` page for a PKCE sign-in.
fn authorize_url(
    target: &SsoTarget,
    client_id: &str,
    redirect: &str,
    state: &str,
    challenge: &str,
    scopes: &[String],
) -> String {
    let mut url = url::Url::parse(&format!("{}/authorize", target.base_url()))
        .unwrap_or_else(|_| url::Url::parse("https://invalid.invalid/authorize").expect("a URL"));
    url.query_pairs_mut()
        .append_pair("response_type", "code")
        .append_pair("client_id", client_id)
        .append_pair("redirect_uri", redirect)
        .append_pair("state", state)
        .append_pair("code_challenge_method", "S256")
        .append_pair("scopes", &scopes.join(" "))
        .append_pair("code_challenge", challenge);
    url.to_string()
}

/// What the browser brought back to the loopback listener.
#[derive(Debug, PartialEq, Eq)]
pub enum Callback {
    /// The authorization code (the state matched).
    Code(String),
    /// The service said no (`error=…` with the right state).
    Refused(String),
}

/// Compares two secrets in time independent of where they differ.
fn same_secret(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// Reads a request head (up to the blank line, 16 KB at most) from `stream`; whatever came
/// when the peer stops sending or closes.
async fn request_head(stream: &mut tokio::net::TcpStream) -> Vec<u8> {
    let mut head = Vec::with_capacity(1024);
    let mut buf = [0u8; 1024];
    while !head.windows(4).any(|w| w == b"\r\n\r\n") && head.len() < 16 * 1024 {
        match stream.read(&mut buf).await {
            Ok(0) | Err(_) => break,
            Ok(n) => head.extend_from_slice(&buf[..n]),
        }
    }
    head
}

/// Answers one connection to the loopback listener whose request `head` has been read:
/// `Some` only for `GET /oauth/callback` carrying the expected `state`, addressed to this
/// listener's own host; everything else is answered with an error page and waited past.
async fn callback_request(
    stream: &mut tokio::net::TcpStream,
    head: &[u8],
    host: &str,
    state: &str,
) -> Option<Callback> {
    let text = String::from_utf8_lossy(head);
    let mut lines = text.split("\r\n");
    let request_line = lines.next().unwrap_or_default();
    let host_ok = lines.any(|l| {
        l.split_once(':')
            .is_some_and(|(k, v)| k.trim().eq_ignore_ascii_case("host") && v.trim() == host)
    });
    let mut parts = request_line.split(' ');
    let (method, target) = (
        parts.next().unwrap_or_default(),
        parts.next().unwrap_or_default(),
    );
    let parsed = url::Url::parse(&format!("http://{host}{target}")).ok();
    let answer = match parsed {
        Some(url) if method == "GET" && host_ok && url.path() == "/oauth/callback" => {
            let get = |k: &str| {
                url.query_pairs()
                    .find(|(key, _)| key == k)
                    .map(|(_, v)| v.into_owned())
            };
            let same = get("state").is_some_and(|s| same_secret(s.as_bytes(), state.as_bytes()));
            match (same, get("code"), get("error")) {
                (true, Some(code), _) => Some(Callback::Code(code)),
                (true, None, Some(error)) => Some(Callback::Refused(error)),
                _ => None,
            }
        }
        _ => None,
    };
    let (status, body) = match &answer {
        Some(Callback::Code(_)) => (
            "200 OK",
            "Signed in: you can close this tab and return to mfatui.",
        ),
        Some(Callback::Refused(_)) => ("200 OK", "The sign-in was refused; return to mfatui."),
        None => (
            "400 Bad Request",
            "This is not the sign-in mfatui is waiting for.",
        ),
    };
    let reply = format!(
        "HTTP/1.1 {status}\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: {}\r\nConnection: close\r\nCache-Control: no-store\r\n\r\n{body}",
        body.len()
    );
    let _ = stream.write_all(reply.as_bytes()).await;
    let _ = stream.shutdown().await;
    answer
}

/// Waits on `listener` (bound to 127.0.0.1) for the one redirect with `state`, at most
/// `limit`; the listener is closed when this returns, whatever the outcome.
pub async fn await_callback(
    listener: tokio::net::TcpListener,
    state: &str,
    limit: std::time::Duration,
) -> Result<Callback, SsoCallError> {
    let port = listener.local_addr().map_err(SsoCallError::Port)?.port();
    let host = format!("127.0.0.1:{port}");
    // Accepting never waits for a connection to be read: each one is read on its own task,
    // for at most HEAD_TIMEOUT, and the oldest of those still silent is closed beyond
    // PENDING_MAX, so connections held open by another local user can neither hold the real
    // redirect back nor fill the listener's backlog. The first answer with the right state
    // wins; the tasks end with this function (the set is dropped).
    let (tx, mut rx) = tokio::sync::mpsc::channel::<Callback>(1);
    let pending = super::crowd::Pending::new();
    let mut readers = tokio::task::JoinSet::new();
    let wait = async {
        loop {
            tokio::select! {
                accepted = listener.accept() => {
                    let Ok((mut stream, peer)) = accepted else {
                        // Out of descriptors or the like: wait a little rather than spin.
                        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
                        continue;
                    };
                    if !peer.ip().is_loopback() {
                        continue;
                    }
                    let ticket = pending.admit();
                    let (tx, host, state) = (tx.clone(), host.clone(), state.to_owned());
                    readers.spawn(async move {
                        let head = tokio::select! {
                            head = tokio::time::timeout(super::crowd::HEAD_TIMEOUT, request_head(&mut stream)) => head.unwrap_or_default(),
                            () = ticket.closed() => return,
                        };
                        ticket.arrived();
                        if let Some(answer) = callback_request(&mut stream, &head, &host, &state).await {
                            let _ = tx.try_send(answer);
                        }
                    });
                }
                // Finished readers are collected as they end, so the set stays small.
                Some(_) = readers.join_next(), if !readers.is_empty() => {}
                Some(answer) = rx.recv() => return answer,
            }
        }
    };
    let answer = tokio::time::timeout(limit, wait)
        .await
        .map_err(|_| SsoCallError::NoAnswer {
            minutes: limit.as_secs() / 60,
        });
    drop(listener);
    drop(readers);
    answer
}

/// The authorization code flow with PKCE: a registered client, a loopback listener on
/// 127.0.0.1 (a random port), the `/authorize` page for the person (`prompt`), the one
/// redirect carrying the expected state, then `CreateToken` with the code and verifier.
pub async fn login_pkce(
    target: &SsoTarget,
    cache: &Path,
    prompt: &mut (dyn FnMut(&Prompt) + Send),
    limit: std::time::Duration,
) -> Result<TokenRecord, SsoCallError> {
    let oidc = client(target)?;
    let registration = registration(&oidc, target, cache, Flow::Pkce).await?;
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", 0))
        .await
        .map_err(SsoCallError::NoPort)?;
    let port = listener.local_addr().map_err(SsoCallError::Port)?.port();
    let redirect = format!("http://127.0.0.1:{port}/oauth/callback");
    let (verifier, challenge) = pkce_pair()?;
    let mut state = [0u8; 16];
    random(&mut state)?;
    let state = b64url(&state);
    let scopes = target
        .registration_scopes(Flow::Pkce)
        .unwrap_or_else(|| vec![DEFAULT_SCOPE.to_owned()]);
    prompt(&Prompt {
        url: authorize_url(
            target,
            &registration.client_id,
            &redirect,
            &state,
            &challenge,
            &scopes,
        ),
        user_code: None,
    });
    let code = match await_callback(listener, &state, limit).await? {
        Callback::Code(code) => code,
        Callback::Refused(error) => return Err(SsoCallError::Refused(error)),
    };
    let token = oidc
        .create_token()
        .client_id(&registration.client_id)
        .client_secret(registration.client_secret.expose())
        .grant_type("authorization_code")
        .code(code)
        .code_verifier(verifier.expose())
        .redirect_uri(&redirect)
        .send()
        .await
        .map_err(|e| {
            let why = CallFailure::of("CreateToken", &e);
            if e.code() == Some("InvalidGrantException") {
                // The redirect carried this sign-in's state, so it came from a page that saw
                // the sign-in's address; its code is not one the service issued for this
                // sign-in (or was used already). One redirect is all a sign-in takes.
                SsoCallError::CodeRefused(why)
            } else {
                SsoCallError::Call(why)
            }
        })?;
    Ok(record(target, &registration, &token))
}

/// How many accounts' roles are listed at once (the portal throttles bursts).
pub const LIST_BOUND: usize = 8;

/// The most pages one listing reads: 100,000 accounts, or roles in one account.
const MAX_PAGES: usize = 1_000;

/// How long `sso populate` lists at most: an organisation's thousands of accounts take well
/// under a minute; a portal naming new accounts on every page would otherwise keep it
/// listing for many minutes (attack round 14d, D-9).
pub const LIST_TIME: std::time::Duration = std::time::Duration::from_secs(120);

/// The page tokens of one listing: the next one to ask with, and those seen.
struct Pages {
    next: Option<String>,
    seen: std::collections::HashSet<String>,
    count: usize,
    /// When the whole listing (every account's roles included) stops.
    deadline: tokio::time::Instant,
}

impl Pages {
    /// The pages of one listing that ends by `deadline`.
    fn until(deadline: tokio::time::Instant) -> Pages {
        Pages {
            next: None,
            seen: std::collections::HashSet::new(),
            count: 0,
            deadline,
        }
    }

    /// Takes a page's `nextToken`: `Ok(true)` to ask for the next page, `Ok(false)` at the
    /// end (none, or empty), or why the listing cannot be trusted to end (a token seen before,
    /// more than [`MAX_PAGES`] pages, still listing at the deadline).
    fn follow(&mut self, token: Option<&str>) -> Result<bool, String> {
        self.count += 1;
        let Some(token) = token.filter(|t| !t.is_empty()) else {
            return Ok(false);
        };
        if !self.seen.insert(token.to_owned()) {
            return Err("repeated a page token, so the listing would go round".to_owned());
        }
        if self.count >= MAX_PAGES {
            return Err(format!("gave more than {MAX_PAGES} pages"));
        }
        if tokio::time::Instant::now() >= self.deadline {
            return Err("was still naming more when the listing's time ran out".to_owned());
        }
        self.next = Some(token.to_owned());
        Ok(true)
    }
}

/// Every account the token reaches (`ListAccounts`, paged) and each one's roles
/// (`ListAccountRoles`, paged), at most `bound` accounts listed at once, through the portal
/// at `portal` (the `AWS_ENDPOINT_URL_SSO` override) in the target's region, until `time`
/// ([`LIST_TIME`] for a person) has passed. A failed first page is an error; any later
/// failure, and the time running out, make the listing incomplete (so that nothing is pruned
/// after it), with the reason.
pub async fn list_assignments(
    target: &SsoTarget,
    portal: Option<&str>,
    token: &Secret,
    bound: usize,
    time: std::time::Duration,
) -> Result<crate::awsfiles::populate::Listing, SsoCallError> {
    use crate::awsfiles::populate::{Assignment, Listing};
    use futures_util::stream::{self, StreamExt};
    let sso = aws_sdk_sso::Client::new(&sdk_config(target, portal)?);
    let deadline = tokio::time::Instant::now() + time;
    let mut accounts: Vec<(String, String)> = Vec::new();
    let mut known = std::collections::HashSet::new();
    let mut incomplete = None;
    // A page token seen before means the listing would go round (a broken or hostile portal
    // looped forever: attack round 14, R14-1); it ends the listing as incomplete, so that
    // nothing is pruned after it (C-7). An empty token is the end; the page cap ends one
    // whose tokens never repeat.
    let mut pages = Pages::until(deadline);
    loop {
        let page = sso
            .list_accounts()
            .access_token(token.expose())
            .set_next_token(pages.next.take())
            .max_results(100)
            .send()
            .await;
        match page {
            Ok(page) => {
                for a in page.account_list() {
                    let id = a.account_id().unwrap_or_default();
                    // Each account once, however often the pages repeat it (C-6).
                    if known.insert(id.to_owned()) {
                        accounts.push((
                            id.to_owned(),
                            a.account_name().unwrap_or_default().to_owned(),
                        ));
                    }
                }
                match pages.follow(page.next_token()) {
                    Ok(true) => {}
                    Ok(false) => break,
                    Err(why) => {
                        incomplete = Some(format!("ListAccounts {why}"));
                        break;
                    }
                }
            }
            Err(e) if accounts.is_empty() => return Err(CallFailure::of("ListAccounts", &e).into()),
            Err(e) => {
                incomplete = Some(CallFailure::of("ListAccounts", &e).to_string());
                break;
            }
        }
    }
    let sso = &sso;
    let listed: Vec<Result<Vec<Assignment>, SsoCallError>> = stream::iter(accounts)
        .map(|(account_id, account_name)| async move {
            let mut roles = Vec::new();
            let mut pages = Pages::until(deadline);
            loop {
                // The time is up: the accounts not yet listed end the listing incomplete.
                if tokio::time::Instant::now() >= deadline {
                    return Err(SsoCallError::Endless {
                        call: "ListAccountRoles",
                        why: "was not asked before the listing's time ran out".to_owned(),
                        account_id,
                    });
                }
                let page = sso
                    .list_account_roles()
                    .access_token(token.expose())
                    .account_id(&account_id)
                    .set_next_token(pages.next.take())
                    .max_results(100)
                    .send()
                    .await
                    .map_err(|e| SsoCallError::Roles {
                        failure: CallFailure::of("ListAccountRoles", &e),
                        account_id: account_id.clone(),
                    })?;
                roles.extend(page.role_list().iter().map(|r| Assignment {
                    account_id: account_id.clone(),
                    account_name: account_name.clone(),
                    role_name: r.role_name().unwrap_or_default().to_owned(),
                }));
                match pages.follow(page.next_token()) {
                    Ok(true) => {}
                    Ok(false) => return Ok(roles),
                    Err(why) => {
                        return Err(SsoCallError::Endless {
                            call: "ListAccountRoles",
                            why,
                            account_id,
                        })
                    }
                }
            }
        })
        .buffer_unordered(bound.max(1))
        .collect()
        .await;
    let mut listing = Listing {
        assignments: Vec::new(),
        incomplete,
    };
    for result in listed {
        match result {
            Ok(found) => listing.assignments.extend(found),
            Err(e) => {
                listing.incomplete.get_or_insert(e.to_string());
            }
        }
    }
    Ok(listing)
}

/// Why the config file names no place to sign in: one sentence each, naming the profile or
/// the `[sso-session]` and the key that is missing.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum SsoConfigError {
    /// No such profile.
    #[error("there is no profile named '{0}'")]
    NoProfile(String),
    /// No such `[sso-session]`.
    #[error("there is no [sso-session {0}] in the config file")]
    NoSession(String),
    /// A profile names an `[sso-session]` that is not there.
    #[error("'{profile}' names sso_session {session}, but there is no [sso-session {session}] in the config file")]
    MissingSession {
        /// The profile.
        profile: String,
        /// The session it names.
        session: String,
    },
    /// An `[sso-session]` lacks a key it needs.
    #[error("[sso-session {session}] has no {key}")]
    SessionLacks {
        /// The session.
        session: String,
        /// `sso_start_url` or `sso_region`.
        key: &'static str,
    },
    /// The profile has neither `sso_session` nor `sso_start_url`.
    #[error("'{0}' is not an SSO profile (no sso_session or sso_start_url)")]
    NotSso(String),
    /// A legacy SSO profile without `sso_region`.
    #[error("'{0}' has no sso_region")]
    NoRegion(String),
}

/// Where sso-session `session` signs in (for commands that name a session, not a profile).
pub fn target_of_session(
    map: &crate::awsfiles::ConfigMap,
    session: &str,
    env: &impl Fn(&str) -> Option<String>,
) -> Result<SsoTarget, SsoConfigError> {
    let s = map
        .sso_session(session)
        .ok_or_else(|| SsoConfigError::NoSession(session.to_owned()))?;
    let endpoint = super::endpoint::endpoint_url(super::endpoint::Service::SsoOidc, map, None, env);
    of_session(s, session, endpoint, super::endpoint::ca_bundle(None, env))
}

/// The target of `[sso-session session]` (its settings `s`), reached at `endpoint`.
fn of_session(
    s: crate::awsfiles::config_map::Layers<'_>,
    session: &str,
    endpoint: Option<String>,
    ca_bundle: Option<CaBundle>,
) -> Result<SsoTarget, SsoConfigError> {
    let get = |key: &'static str| {
        s.text(key)
            .map(str::to_owned)
            .ok_or_else(|| SsoConfigError::SessionLacks {
                session: session.to_owned(),
                key,
            })
    };
    Ok(SsoTarget {
        start_url: get("sso_start_url")?,
        region: get("sso_region")?,
        session: Some(session.to_owned()),
        scopes: s.text("sso_registration_scopes").map(parse_scopes),
        endpoint,
        ca_bundle,
        connect_timeout: DEFAULT_CONNECT,
        call_timeout: DEFAULT_CALL,
    })
}

/// The time limits a target gets until the caller sets the run's own.
const DEFAULT_CONNECT: std::time::Duration = std::time::Duration::from_secs(5);
const DEFAULT_CALL: std::time::Duration = std::time::Duration::from_secs(30);

/// Where profile `name` signs in: its `[sso-session]`'s start URL and region, or a legacy
/// profile's own `sso_start_url` and `sso_region`; the OIDC endpoint as the SDKs pick it.
pub fn target(
    map: &crate::awsfiles::ConfigMap,
    name: &str,
    env: &impl Fn(&str) -> Option<String>,
) -> Result<SsoTarget, SsoConfigError> {
    let p = map
        .profile(name)
        .ok_or_else(|| SsoConfigError::NoProfile(name.to_owned()))?;
    let endpoint =
        super::endpoint::endpoint_url(super::endpoint::Service::SsoOidc, map, Some(p), env);
    let ca_bundle = super::endpoint::ca_bundle(Some(p), env);
    // By its first line, as every value mfatui shows: the lines after it may be a pasted
    // secret, which the error would print (attack round 15, E-5).
    if let Some(session) = p.get("sso_session").map(crate::text::first_line) {
        let s = map
            .sso_session(session)
            .ok_or_else(|| SsoConfigError::MissingSession {
                profile: name.to_owned(),
                session: session.to_owned(),
            })?;
        return of_session(s, session, endpoint, ca_bundle);
    }
    Ok(SsoTarget {
        start_url: p
            .get("sso_start_url")
            .ok_or_else(|| SsoConfigError::NotSso(name.to_owned()))?
            .to_owned(),
        region: p
            .get("sso_region")
            .ok_or_else(|| SsoConfigError::NoRegion(name.to_owned()))?
            .to_owned(),
        session: None,
        scopes: p.get("sso_registration_scopes").map(parse_scopes),
        endpoint,
        ca_bundle,
        connect_timeout: DEFAULT_CONNECT,
        call_timeout: DEFAULT_CALL,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    async fn listener() -> (tokio::net::TcpListener, u16) {
        let l = tokio::net::TcpListener::bind(("127.0.0.1", 0))
            .await
            .unwrap();
        let port = l.local_addr().unwrap().port();
        (l, port)
    }

    /// Sends one raw request to the listener and returns the status line (empty when refused).
    async fn send(port: u16, path: &str, host: &str) -> String {
        let Ok(mut s) = tokio::net::TcpStream::connect(("127.0.0.1", port)).await else {
            return String::new();
        };
        let request = format!("GET {path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n");
        if s.write_all(request.as_bytes()).await.is_err() {
            return String::new();
        }
        let mut out = String::new();
        let _ = s.read_to_string(&mut out).await;
        out.lines().next().unwrap_or_default().to_owned()
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn the_loopback_listener_takes_one_answer_with_the_right_state_and_host_then_closes() {
        let (l, port) = listener().await;
        let waiting = tokio::spawn(async move {
            // Less than the time a silent connection may take: it must not be waited for.
            await_callback(l, "the-state", std::time::Duration::from_secs(3)).await
        });
        let host = format!("127.0.0.1:{port}");
        // A connection that sends nothing does not hold the sign-in back.
        let _silent = tokio::net::TcpStream::connect(("127.0.0.1", port))
            .await
            .unwrap();
        // A wrong state, another path, another Host (DNS rebinding), no state: refused, and
        // the sign-in goes on waiting.
        for (path, host) in [
            ("/oauth/callback?code=evil&state=guess", host.as_str()),
            ("/other?code=evil&state=the-state", host.as_str()),
            (
                "/oauth/callback?code=evil&state=the-state",
                "evil.example:80",
            ),
            ("/oauth/callback?code=evil", host.as_str()),
        ] {
            assert!(
                send(port, path, host).await.contains("400"),
                "{path} {host}"
            );
        }
        assert!(!waiting.is_finished());
        let ok = send(port, "/oauth/callback?code=the-code&state=the-state", &host).await;
        assert!(ok.contains("200"), "{ok}");
        let answer = waiting.await.unwrap().unwrap();
        assert_eq!(answer, Callback::Code("the-code".into()));
        // Closed after the one answer: a second one finds no listener.
        assert_eq!(
            send(port, "/oauth/callback?code=second&state=the-state", &host).await,
            ""
        );
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn two_hundred_silent_connections_neither_hold_back_nor_crowd_out_the_redirect() {
        let (l, port) = listener().await;
        let waiting = tokio::spawn(async move {
            await_callback(l, "the-state", std::time::Duration::from_secs(4)).await
        });
        let host = format!("127.0.0.1:{port}");
        // Another local user opens 200 connections and sends nothing on any of them.
        let mut silent = Vec::new();
        for _ in 0..200 {
            silent.push(
                tokio::net::TcpStream::connect(("127.0.0.1", port))
                    .await
                    .unwrap(),
            );
        }
        // Only the newest PENDING_MAX are held: the oldest was closed to make room, at once
        // (not after the time a head may take).
        let mut byte = [0u8; 1];
        let oldest =
            tokio::time::timeout(std::time::Duration::from_secs(2), silent[0].read(&mut byte))
                .await;
        assert!(
            matches!(oldest, Ok(Ok(0) | Err(_))),
            "the oldest silent connection is still held: {oldest:?}"
        );
        // The browser's redirect is answered and completes the sign-in.
        let ok = send(port, "/oauth/callback?code=the-code&state=the-state", &host).await;
        assert!(ok.contains("200"), "{ok}");
        assert_eq!(
            waiting.await.unwrap().unwrap(),
            Callback::Code("the-code".into())
        );
        // The connections still held end with the sign-in.
        let newest = silent.last_mut().unwrap();
        let newest =
            tokio::time::timeout(std::time::Duration::from_secs(1), newest.read(&mut byte)).await;
        assert!(matches!(newest, Ok(Ok(0) | Err(_))), "{newest:?}");
    }

    #[tokio::test(flavor = "current_thread")]
    async fn the_loopback_listener_gives_up_after_its_time_and_says_so() {
        let (l, port) = listener().await;
        let e = await_callback(l, "s", std::time::Duration::from_millis(300))
            .await
            .unwrap_err();
        assert!(e.to_string().contains("no answer came back"), "{e}");
        assert_eq!(send(port, "/oauth/callback?code=c&state=s", "x").await, "");
    }

    #[tokio::test(flavor = "current_thread")]
    async fn the_loopback_listener_is_not_reachable_from_another_address() {
        let (l, port) = listener().await;
        assert!(l.local_addr().unwrap().ip().is_loopback());
        // The machine's own non-loopback address (the route out), when it has one.
        let probe = std::net::UdpSocket::bind("0.0.0.0:0").unwrap();
        if probe.connect("192.0.2.1:9").is_ok() {
            let ip = probe.local_addr().unwrap().ip();
            if !ip.is_loopback() && !ip.is_unspecified() {
                assert!(tokio::net::TcpStream::connect((ip, port)).await.is_err());
            }
        }
    }

    #[test]
    fn pkce_pairs_are_random_and_s256() {
        let (v1, c1) = pkce_pair().unwrap();
        let (v2, _) = pkce_pair().unwrap();
        assert_eq!(v1.expose().len(), 64);
        assert_ne!(v1.expose(), v2.expose());
        assert!(v1
            .expose()
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-._~".contains(&b)));
        let digest = aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, v1.expose().as_bytes());
        assert_eq!(c1, b64url(digest.as_ref()));
        assert!(!c1.ends_with('='));
    }

    #[test]
    fn scopes_are_the_aws_clis() {
        let mut t = SsoTarget {
            start_url: "https://s".into(),
            region: "eu-west-1".into(),
            session: Some("corp".into()),
            scopes: None,
            endpoint: None,
            ca_bundle: None,
            connect_timeout: DEFAULT_CONNECT,
            call_timeout: DEFAULT_CALL,
        };
        let default = Some(vec![DEFAULT_SCOPE.to_owned()]);
        assert_eq!(t.registration_scopes(Flow::DeviceCode), default);
        assert_eq!(t.registration_scopes(Flow::Pkce), default);
        t.session = None;
        assert_eq!(t.registration_scopes(Flow::DeviceCode), None);
        t.scopes = Some(parse_scopes(
            " sso:account:access , codewhisperer:completions,",
        ));
        assert_eq!(
            t.registration_scopes(Flow::DeviceCode).unwrap(),
            ["sso:account:access", "codewhisperer:completions"]
        );
        let url = authorize_url(
            &t,
            "cid",
            "http://127.0.0.1:5/oauth/callback",
            "st",
            "ch",
            &["a b".into()],
        );
        assert!(url.starts_with("https://oidc.eu-west-1.amazonaws.com/authorize?response_type=code&client_id=cid&redirect_uri=http%3A%2F%2F127.0.0.1%3A5%2Foauth%2Fcallback&state=st&code_challenge_method=S256"), "{url}");
    }

    #[test]
    fn a_config_without_a_place_to_sign_in_says_which_key_is_missing() {
        use crate::awsfiles::{ConfigMap, Document};
        let config = Document::from_str_lossless(
            "[profile a]\nsso_session = gone\n[profile b]\nsso_session = half\n\
             [sso-session half]\nsso_region = eu-west-1\n[profile c]\nregion = x\n\
             [profile d]\nsso_start_url = https://d.awsapps.com/start\n",
        );
        let credentials = Document::from_str_lossless("");
        let map = ConfigMap::build(
            config.structure().unwrap(),
            credentials.structure().unwrap(),
        );
        let env = |_: &str| None;
        let why = |name: &str| target(&map, name, &env).unwrap_err();
        assert_eq!(
            why("a"),
            SsoConfigError::MissingSession {
                profile: "a".into(),
                session: "gone".into()
            }
        );
        assert_eq!(
            why("b"),
            SsoConfigError::SessionLacks {
                session: "half".into(),
                key: "sso_start_url"
            }
        );
        assert_eq!(
            why("b").to_string(),
            "[sso-session half] has no sso_start_url"
        );
        assert_eq!(why("c"), SsoConfigError::NotSso("c".into()));
        assert_eq!(why("d"), SsoConfigError::NoRegion("d".into()));
        assert_eq!(why("x"), SsoConfigError::NoProfile("x".into()));
        assert_eq!(
            target_of_session(&map, "gone", &env).unwrap_err(),
            SsoConfigError::NoSession("gone".into())
        );
    }
}
