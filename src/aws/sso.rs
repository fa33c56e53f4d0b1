//! SSO login: IAM Identity Center's OIDC device-authorization flow through aws-sdk-ssooidc —
//! register a public client, start the authorization (a URL and a code for the person), then
//! poll for the token until it is approved, denied or the code expires. What the AWS CLI v2's
//! `aws sso login` does; the token is then written to the same cache (see
//! [`crate::awsfiles::sso_cache`]).

use super::http::{self, CaBundle, Trust};
use crate::awsfiles::sso_cache::TokenRecord;
use crate::secret::Secret;
use aws_config::timeout::TimeoutConfig;
use aws_config::{BehaviorVersion, Region, SdkConfig};
use aws_sdk_ssooidc::error::ProvideErrorMetadata;
use chrono::{DateTime, Duration, Utc};

/// Where to sign in.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SsoTarget {
    /// `sso_start_url`.
    pub start_url: String,
    /// `sso_region`.
    pub region: String,
    /// The `sso-session` name (`None` for a legacy profile).
    pub session: Option<String>,
    /// The OIDC endpoint override (`AWS_ENDPOINT_URL_SSO_OIDC`, …), if any.
    pub endpoint: Option<String>,
    /// The CA bundle trusted instead of the platform's roots, if any.
    pub ca_bundle: Option<CaBundle>,
    /// Opening a connection (5 s unless the run's context says otherwise).
    pub connect_timeout: std::time::Duration,
    /// One whole call (30 s unless the run's context says otherwise).
    pub call_timeout: std::time::Duration,
}

impl SsoTarget {
    /// What the token cache file is named after: the session name, else the start URL.
    pub fn cache_key(&self) -> &str {
        self.session.as_deref().unwrap_or(&self.start_url)
    }
}

/// The person's part: where to go and which code to confirm.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Prompt {
    /// The page with the code filled in.
    pub url: String,
    /// The code shown on that page.
    pub user_code: String,
}

fn client(target: &SsoTarget) -> Result<aws_sdk_ssooidc::Client, String> {
    let trust = Trust::load(target.ca_bundle.as_ref()).map_err(|e| e.to_string())?;
    let timeouts = TimeoutConfig::builder()
        .connect_timeout(target.connect_timeout)
        .operation_timeout(target.call_timeout)
        .build();
    let mut config = SdkConfig::builder()
        .behavior_version(BehaviorVersion::latest())
        .region(Region::new(target.region.clone()))
        .timeout_config(timeouts)
        .http_client(http::sdk_client(&trust));
    if let Some(url) = &target.endpoint {
        config = config.endpoint_url(url);
    }
    Ok(aws_sdk_ssooidc::Client::new(&config.build()))
}

fn sentence<E: ProvideErrorMetadata>(operation: &str, e: &E, fallback: String) -> String {
    match (e.code(), e.message()) {
        (Some(code), Some(message)) => format!("{operation} failed ({code}): {message}"),
        (Some(code), None) => format!("{operation} failed ({code})"),
        _ if http::is_untrusted(&fallback) => format!(
            "{operation} failed: the server's certificate is not trusted ({fallback}); if a private CA or a TLS-inspecting proxy signs it, set AWS_CA_BUNDLE or the profile's ca_bundle to that CA's certificates (PEM)"
        ),
        _ => format!("{operation} failed: {fallback}"),
    }
}

/// Runs the whole flow: `prompt` is called once with the URL and code; polling stops when the
/// token comes, the person denies, or the code expires.
pub async fn login(
    target: &SsoTarget,
    prompt: &mut (dyn FnMut(&Prompt) + Send),
) -> Result<TokenRecord, String> {
    let oidc = client(target)?;
    let registered = oidc
        .register_client()
        .client_name(format!("mfatui-{}", Utc::now().timestamp()))
        .client_type("public")
        .send()
        .await
        .map_err(|e| sentence("RegisterClient", &e, crate::aws::sdk_cause(&e)))?;
    let client_id = registered.client_id().unwrap_or_default().to_owned();
    let client_secret = registered.client_secret().unwrap_or_default().to_owned();
    let authorization = oidc
        .start_device_authorization()
        .client_id(&client_id)
        .client_secret(&client_secret)
        .start_url(&target.start_url)
        .send()
        .await
        .map_err(|e| sentence("StartDeviceAuthorization", &e, crate::aws::sdk_cause(&e)))?;
    let device_code = authorization.device_code().unwrap_or_default().to_owned();
    prompt(&Prompt {
        url: authorization
            .verification_uri_complete()
            .or(authorization.verification_uri())
            .unwrap_or_default()
            .to_owned(),
        user_code: authorization.user_code().unwrap_or_default().to_owned(),
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
                ) => {
                    return Err(
                        "the sign-in code expired before it was confirmed; start the login again"
                            .to_owned(),
                    )
                }
                Some("AccessDeniedException") => {
                    return Err(
                        "the sign-in was denied in the browser; nothing was written".to_owned()
                    )
                }
                _ => return Err(sentence("CreateToken", &e, crate::aws::sdk_cause(&e))),
            },
        };
        let now = Utc::now();
        return Ok(TokenRecord {
            start_url: target.start_url.clone(),
            region: target.region.clone(),
            access_token: Secret::new(token.access_token().unwrap_or_default()),
            expires_at: now + Duration::seconds(i64::from(token.expires_in())),
            client_id,
            client_secret: Secret::new(client_secret),
            registration_expires_at: DateTime::from_timestamp(
                registered.client_secret_expires_at(),
                0,
            )
            .unwrap_or(now),
            refresh_token: token.refresh_token().map(Secret::new),
        });
    }
}

/// Signs in as [`login`] does; in the offline demo (`demo`), through its stand-in
/// ([`super::demo::sso_login`]), which shows a page and a code and approves by itself.
pub async fn sign_in(
    target: &SsoTarget,
    demo: bool,
    prompt: &mut (dyn FnMut(&Prompt) + Send),
) -> Result<TokenRecord, String> {
    if demo {
        super::demo::sso_login(&target.start_url, &target.region, &mut |url, user_code| {
            prompt(&Prompt { url, user_code })
        })
        .await
    } else {
        login(target, prompt).await
    }
}

/// The access token the AWS CLI's SSO cache (`dir`) holds for `target`, and when it expires;
/// `None` when there is no cache file. A file that is not a token is one sentence naming it
/// (never its content).
pub fn cached_token(
    dir: &std::path::Path,
    target: &SsoTarget,
) -> Result<Option<(Secret, DateTime<Utc>)>, String> {
    let path = dir.join(crate::awsfiles::sso_cache::file_name(target.cache_key()));
    let text = match std::fs::read_to_string(&path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(format!("{}: {e}", path.display())),
    };
    let unreadable = || {
        format!(
            "{} is not an SSO token the AWS CLI wrote (no accessToken and expiresAt): sign in again",
            path.display()
        )
    };
    let json: serde_json::Value = serde_json::from_str(&text).map_err(|_| unreadable())?;
    let token = json
        .get("accessToken")
        .and_then(|t| t.as_str())
        .filter(|t| !t.is_empty())
        .ok_or_else(unreadable)?;
    let expires = json
        .get("expiresAt")
        .and_then(|t| t.as_str())
        .and_then(crate::awsfiles::expiry::parse_timestamp)
        .ok_or_else(unreadable)?;
    Ok(Some((Secret::new(token), expires)))
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
) -> Result<SsoTarget, String> {
    let p = map
        .profile(name)
        .ok_or_else(|| format!("there is no profile named '{name}'"))?;
    let endpoint =
        super::endpoint::endpoint_url(super::endpoint::Service::SsoOidc, map, Some(p), env);
    let ca_bundle = super::endpoint::ca_bundle(Some(p), env);
    if let Some(session) = p.get("sso_session") {
        let s = map
            .sso_session(session)
            .ok_or_else(|| format!("'{name}' names sso_session {session}, but there is no [sso-session {session}] in the config file"))?;
        let get = |k: &str| s.text(k).map(str::to_owned);
        return Ok(SsoTarget {
            start_url: get("sso_start_url")
                .ok_or_else(|| format!("[sso-session {session}] has no sso_start_url"))?,
            region: get("sso_region")
                .ok_or_else(|| format!("[sso-session {session}] has no sso_region"))?,
            session: Some(session.to_owned()),
            endpoint,
            ca_bundle,
            connect_timeout: DEFAULT_CONNECT,
            call_timeout: DEFAULT_CALL,
        });
    }
    Ok(SsoTarget {
        start_url: p
            .get("sso_start_url")
            .ok_or_else(|| {
                format!("'{name}' is not an SSO profile (no sso_session or sso_start_url)")
            })?
            .to_owned(),
        region: p
            .get("sso_region")
            .ok_or_else(|| format!("'{name}' has no sso_region"))?
            .to_owned(),
        session: None,
        endpoint,
        ca_bundle,
        connect_timeout: DEFAULT_CONNECT,
        call_timeout: DEFAULT_CALL,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_cached_token_is_read_back_and_a_foreign_file_is_one_sentence() {
        let dir = tempfile::tempdir().unwrap();
        let target = SsoTarget {
            start_url: "https://corp.awsapps.com/start".into(),
            region: "eu-west-1".into(),
            session: Some("corp".into()),
            endpoint: None,
            ca_bundle: None,
            connect_timeout: DEFAULT_CONNECT,
            call_timeout: DEFAULT_CALL,
        };
        assert!(cached_token(dir.path(), &target).unwrap().is_none());
        let now = Utc::now();
        let record = TokenRecord {
            start_url: target.start_url.clone(),
            region: target.region.clone(),
            access_token: Secret::new("the-token"),
            expires_at: now + Duration::hours(1),
            client_id: "c".into(),
            client_secret: Secret::new("cs"),
            registration_expires_at: now,
            refresh_token: None,
        };
        let path = record.write(dir.path(), target.cache_key()).unwrap();
        let (token, expires) = cached_token(dir.path(), &target).unwrap().unwrap();
        assert_eq!(token.expose(), "the-token");
        assert_eq!(expires.timestamp(), record.expires_at.timestamp());
        std::fs::write(&path, r#"{"accessToken": "secret-value"}"#).unwrap();
        let e = cached_token(dir.path(), &target).unwrap_err();
        assert!(
            e.contains("is not an SSO token") && !e.contains("secret-value"),
            "{e}"
        );
    }
}
