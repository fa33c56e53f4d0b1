//! `aws login` profiles: their credentials refreshed through the AWS Sign-In service
//! (`CreateOAuth2Token` with the cached refresh token and a DPoP proof, RFC 9449, signed with
//! the cached EC key), exactly as botocore's `LoginCredentialFetcher` and aws-config's
//! `LoginCredentialsProvider` do; and the credentials a login profile serves now.
//!
//! The call goes through aws-sdk-signin; the proof is added by an interceptor once the
//! endpoint is known, because it signs the request's URL. The endpoint follows the SDKs'
//! precedence: `AWS_ENDPOINT_URL_SIGNIN` › `AWS_ENDPOINT_URL` › the profile's `services`
//! section (`signin =` / `endpoint_url = …`) › its `endpoint_url`, none of them when
//! configured endpoints are ignored. The cache itself is [`crate::awsfiles::login_cache`].

use super::error::AwsError;
use super::Credentials;
use crate::awsfiles::login_cache::{self, LoginCacheError, LoginToken, Refreshed};
use crate::awsfiles::{AwsPaths, ConfigMap};
use crate::secret::Secret;
use aws_config::retry::RetryConfig;
use aws_config::timeout::TimeoutConfig;
use aws_config::{BehaviorVersion, Region, SdkConfig};
use aws_lc_rs::rand::SecureRandom;
use aws_lc_rs::signature::{EcdsaKeyPair, KeyPair, ECDSA_P256_SHA256_FIXED_SIGNING};
use aws_sdk_signin::config::interceptors::BeforeTransmitInterceptorContextMut;
use aws_sdk_signin::config::{ConfigBag, Intercept, RuntimeComponents};
use aws_sdk_signin::error::{ProvideErrorMetadata, SdkError};
use aws_sdk_signin::operation::create_o_auth2_token::CreateOAuth2TokenError;
use aws_sdk_signin::types::{CreateOAuth2TokenRequestBody, OAuth2ErrorCode};
use chrono::{DateTime, Utc};
use std::fmt;
use std::time::Duration;

/// Credentials with less than this left are refreshed before they are served: botocore's
/// `_REFRESH_THRESHOLD` and aws-config's `REFRESH_BUFFER_TIME`.
pub const REFRESH_MARGIN: chrono::Duration = chrono::Duration::minutes(5);

/// How long to wait for another mfatui that is refreshing the same sign-in.
const LOCK_WAIT: Duration = Duration::from_secs(10);

const OPERATION: &str = "CreateOAuth2Token";

/// A login profile and where its refreshes go.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LoginProfile {
    /// The profile name.
    pub name: String,
    /// Its `login_session` (names the cache file).
    pub session: String,
    /// The region of the sign-in endpoint: the profile's `region`, else `AWS_REGION` /
    /// `AWS_DEFAULT_REGION`, else `us-east-1`.
    pub region: String,
    /// The sign-in endpoint override, if any (see the module documentation).
    pub endpoint: Option<String>,
    /// Time allowed to open a connection.
    pub connect_timeout: Duration,
    /// Time allowed for the whole call.
    pub call_timeout: Duration,
}

/// Why a login profile's credentials cannot be served: one sentence each, never a secret.
#[derive(Debug, thiserror::Error)]
pub enum LoginError {
    /// No such profile.
    #[error("there is no profile named '{0}'")]
    NoProfile(String),
    /// The profile has no `login_session`.
    #[error("'{0}' is not an aws login profile (it has no login_session)")]
    NotLogin(String),
    /// Nothing is cached for the profile's sign-in.
    #[error("'{profile}' is not signed in ({source}); run `aws login --profile {profile}`")]
    NotSignedIn {
        /// The profile.
        profile: String,
        /// Which file is missing.
        source: LoginCacheError,
    },
    /// The cache file cannot be used or written.
    #[error("{source}; run `aws login --profile {profile}` to sign in again")]
    Cache {
        /// The profile.
        profile: String,
        /// What is wrong with the file.
        source: LoginCacheError,
    },
    /// The cached `dpopKey` is not a P-256 private key.
    #[error("the dpopKey in the aws login cache of '{profile}' is not a P-256 private key; run `aws login --profile {profile}` to sign in again")]
    BadKey {
        /// The profile.
        profile: String,
    },
    /// The refresh token has run out: only a new sign-in helps.
    #[error("the sign-in of '{profile}' has expired and can no longer be refreshed; run `aws login --profile {profile}` to sign in again")]
    Expired {
        /// The profile.
        profile: String,
    },
    /// The password changed since the sign-in.
    #[error("the sign-in of '{profile}' ended because its password changed; run `aws login --profile {profile}` to sign in again")]
    CredentialsChanged {
        /// The profile.
        profile: String,
    },
    /// The signed-in identity may not call `signin:CreateOAuth2Token`.
    #[error("the sign-in service refused to refresh '{profile}' because the identity may not call signin:CreateOAuth2Token; ask for that permission, then run `aws login --profile {profile}`")]
    NoPermission {
        /// The profile.
        profile: String,
    },
    /// The service refused the refresh for another reason (a proof or token it rejects).
    #[error("the sign-in service refused to refresh '{profile}' ({code}: {message}); run `aws login --profile {profile}` to sign in again")]
    Refused {
        /// The profile.
        profile: String,
        /// The OAuth2 error code (`INVALID_REQUEST`, …).
        code: String,
        /// The service's message, first line only.
        message: String,
    },
    /// Another mfatui holds the refresh lock for too long.
    #[error("another mfatui has been refreshing '{profile}' for more than {} s; try again", LOCK_WAIT.as_secs())]
    Busy {
        /// The profile.
        profile: String,
    },
    /// The lock file could not be opened.
    #[error("cannot lock the refresh of '{profile}' ({path}: {source})")]
    Lock {
        /// The profile.
        profile: String,
        /// The lock file.
        path: String,
        /// The operating system's reason.
        source: std::io::Error,
    },
    /// The call failed on the way (network, timeout, throttling, an unreadable answer).
    #[error("{0}")]
    Call(AwsError),
    /// The service answered with an error it does not explain: a new sign-in is the way on.
    #[error(
        "{source}; when it keeps failing, run `aws login --profile {profile}` to sign in again"
    )]
    Unexplained {
        /// The profile.
        profile: String,
        /// The service's answer.
        source: AwsError,
    },
}

impl LoginProfile {
    /// Resolves profile `name` of `map`: its `login_session`, region and endpoint, with
    /// the environment read through `env` and timeouts of 5 s to connect and 30 s in all.
    pub fn resolve(
        map: &ConfigMap,
        name: &str,
        env: &impl Fn(&str) -> Option<String>,
    ) -> Result<LoginProfile, LoginError> {
        let p = map
            .profile(name)
            .ok_or_else(|| LoginError::NoProfile(name.to_owned()))?;
        let session = p
            .get("login_session")
            .filter(|s| !s.is_empty())
            .ok_or_else(|| LoginError::NotLogin(name.to_owned()))?;
        Ok(LoginProfile {
            name: name.to_owned(),
            session: session.to_owned(),
            region: super::endpoint::region(Some(p), env),
            endpoint: super::endpoint::endpoint_url(
                super::endpoint::Service::Signin,
                map,
                Some(p),
                env,
            ),
            connect_timeout: Duration::from_secs(5),
            call_timeout: Duration::from_secs(30),
        })
    }

    /// Where the refresh goes, for messages: the override, or the service and region.
    pub fn place(&self) -> String {
        self.endpoint
            .clone()
            .unwrap_or_else(|| format!("the sign-in service in {}", self.region))
    }
}

/// The credentials `profile` serves now: those cached, or, when fewer than `margin` remain
/// at `now`, new ones from a refresh, written back to the cache before they are returned.
/// Refreshes of one sign-in by several mfatui processes take turns (a lock under mfatui's
/// cache folder), and a process that waited uses what the other one wrote.
pub async fn current_credentials(
    profile: &LoginProfile,
    paths: &AwsPaths,
    now: DateTime<Utc>,
    margin: chrono::Duration,
) -> Result<Credentials, LoginError> {
    let _lock = lock(profile, paths).await?;
    let token = load(profile, paths)?;
    if token.access_token.expires_at - now > margin {
        return Ok(credentials(&token));
    }
    let fresh = refresh(profile, &token).await?;
    save(profile, paths, &fresh)?;
    Ok(credentials(&fresh))
}

/// Refreshes `profile`'s credentials now, whatever is left of the cached ones, and writes
/// them to the cache. Returns the new token (for its times; its secrets stay in it).
pub async fn refresh_now(
    profile: &LoginProfile,
    paths: &AwsPaths,
) -> Result<LoginToken, LoginError> {
    let _lock = lock(profile, paths).await?;
    let token = load(profile, paths)?;
    let fresh = refresh(profile, &token).await?;
    save(profile, paths, &fresh)?;
    Ok(fresh)
}

/// The cached token of `profile`.
pub fn load(profile: &LoginProfile, paths: &AwsPaths) -> Result<LoginToken, LoginError> {
    LoginToken::load(&paths.login_cache, &profile.session).map_err(|source| match source {
        LoginCacheError::Missing { .. } => LoginError::NotSignedIn {
            profile: profile.name.clone(),
            source,
        },
        source => LoginError::Cache {
            profile: profile.name.clone(),
            source,
        },
    })
}

fn save(profile: &LoginProfile, paths: &AwsPaths, token: &LoginToken) -> Result<(), LoginError> {
    token
        .write(&paths.login_cache, &profile.session)
        .map(drop)
        .map_err(|source| LoginError::Cache {
            profile: profile.name.clone(),
            source,
        })
}

/// The token's credentials, as mfatui serves them.
pub fn credentials(token: &LoginToken) -> Credentials {
    Credentials {
        access_key_id: token.access_token.access_key_id.clone(),
        secret_access_key: token.access_token.secret_access_key.clone(),
        session_token: Some(token.access_token.session_token.clone()),
        expiration: Some(token.access_token.expires_at),
    }
}

/// One `CreateOAuth2Token` call: the cached refresh token, proven with the cached key, is
/// exchanged for new credentials and a new refresh token. Nothing is written.
pub async fn refresh(profile: &LoginProfile, token: &LoginToken) -> Result<LoginToken, LoginError> {
    let key = DpopKey::from_pem(&token.dpop_key).ok_or_else(|| LoginError::BadKey {
        profile: profile.name.clone(),
    })?;
    let place = profile.place();
    crate::diag!("login: refreshing '{}' at {place}", profile.name);
    let body = CreateOAuth2TokenRequestBody::builder()
        .client_id(&token.client_id)
        .grant_type("refresh_token")
        .refresh_token(token.refresh_token.expose())
        .build()
        .map_err(|e| LoginError::Call(AwsError::other(OPERATION, &e.to_string())))?;
    let started = Utc::now();
    let answer = client(profile, key)
        .create_o_auth2_token()
        .token_input(body)
        .send()
        .await;
    let output = match answer {
        Ok(output) => output,
        Err(e) => {
            let error = map_error(profile, &place, e);
            crate::diag!("login: {error}");
            return Err(error);
        }
    };
    let unreadable = || {
        LoginError::Call(AwsError::other(
            OPERATION,
            &format!("the answer from {place} held no credentials"),
        ))
    };
    let out = output.token_output().ok_or_else(unreadable)?;
    let access = out.access_token().ok_or_else(unreadable)?;
    let fresh = token.refreshed(Refreshed {
        access_key_id: access.access_key_id().to_owned(),
        secret_access_key: Secret::new(access.secret_access_key()),
        session_token: Secret::new(access.session_token()),
        // Counted from before the call, so the recorded expiry is never late.
        expires_at: started + chrono::Duration::seconds(i64::from(out.expires_in())),
        refresh_token: Secret::new(out.refresh_token()),
    });
    crate::diag!(
        "login: '{}' refreshed, valid until {}",
        profile.name,
        fresh
            .access_token
            .expires_at
            .to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
    );
    Ok(fresh)
}

fn client(profile: &LoginProfile, key: DpopKey) -> aws_sdk_signin::Client {
    let timeouts = TimeoutConfig::builder()
        .connect_timeout(profile.connect_timeout)
        .operation_timeout(profile.call_timeout)
        .build();
    let mut sdk = SdkConfig::builder()
        .behavior_version(BehaviorVersion::latest())
        .region(Region::new(profile.region.clone()))
        .timeout_config(timeouts)
        .retry_config(RetryConfig::standard().with_max_attempts(2));
    if let Some(url) = &profile.endpoint {
        sdk = sdk.endpoint_url(url);
    }
    let config = aws_sdk_signin::config::Builder::from(&sdk.build())
        .interceptor(key)
        .build();
    aws_sdk_signin::Client::from_conf(config)
}

/// Maps a failed refresh to one sentence: the sign-in service's OAuth2 codes by meaning,
/// other answers and transport failures as every other AWS call.
fn map_error(
    profile: &LoginProfile,
    place: &str,
    err: SdkError<CreateOAuth2TokenError, aws_sdk_signin::config::http::HttpResponse>,
) -> LoginError {
    let name = profile.name.clone();
    match &err {
        SdkError::ServiceError(service) => match service.err() {
            CreateOAuth2TokenError::AccessDeniedException(e) => match e.error() {
                OAuth2ErrorCode::TokenExpired => LoginError::Expired { profile: name },
                OAuth2ErrorCode::UserCredentialsChanged => {
                    LoginError::CredentialsChanged { profile: name }
                }
                OAuth2ErrorCode::InsufficientPermissions => {
                    LoginError::NoPermission { profile: name }
                }
                code => LoginError::Refused {
                    profile: name,
                    code: code.as_str().to_owned(),
                    message: first_line(e.message()),
                },
            },
            other => LoginError::Unexplained {
                profile: name,
                source: AwsError::from_service(
                    OPERATION,
                    other.code(),
                    other.message().map(first_line).as_deref(),
                ),
            },
        },
        SdkError::TimeoutError(_) => LoginError::Call(AwsError::timeout(
            OPERATION,
            place,
            profile.call_timeout.as_secs(),
        )),
        SdkError::DispatchFailure(failure) if failure.is_timeout() => LoginError::Call(
            AwsError::timeout(OPERATION, place, profile.connect_timeout.as_secs()),
        ),
        SdkError::DispatchFailure(_) => {
            LoginError::Call(AwsError::network(OPERATION, place, &super::sdk_cause(&err)))
        }
        SdkError::ResponseError(_) => LoginError::Call(AwsError::other(
            OPERATION,
            &format!("the answer from {place} could not be read"),
        )),
        _ => LoginError::Call(AwsError::other(OPERATION, &super::sdk_cause(&err))),
    }
}

/// A service message as one short line.
fn first_line(message: &str) -> String {
    let line = message.lines().next().unwrap_or_default().trim();
    match line.char_indices().nth(200) {
        Some((cut, _)) => format!("{}…", &line[..cut]),
        None => line.to_owned(),
    }
}

/// Waits for the refresh lock of `profile`'s sign-in (`login-KEY.lock` in mfatui's cache).
async fn lock(profile: &LoginProfile, paths: &AwsPaths) -> Result<std::fs::File, LoginError> {
    let name = login_cache::file_name(&profile.session);
    let path = paths
        .mfatui_cache
        .join(format!("login-{}.lock", name.trim_end_matches(".json")));
    let failed = |source| LoginError::Lock {
        profile: profile.name.clone(),
        path: path.display().to_string(),
        source,
    };
    crate::safe_fs::private_dir(&paths.mfatui_cache).map_err(failed)?;
    // 0600, never through a symbolic link.
    let file = crate::awsfiles::backup::open_lock(&path).map_err(failed)?;
    match crate::safe_fs::lock(&file, LOCK_WAIT).await {
        Ok(true) => Ok(file),
        Ok(false) => Err(LoginError::Busy {
            profile: profile.name.clone(),
        }),
        Err(e) => Err(failed(e)),
    }
}

/// The cached P-256 key, which signs every refresh request's DPoP proof.
struct DpopKey(EcdsaKeyPair);

impl fmt::Debug for DpopKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("DpopKey(****)")
    }
}

impl DpopKey {
    /// The key from its PEM text: SEC1 (`EC PRIVATE KEY`, what `aws login` writes) or
    /// PKCS#8 (`PRIVATE KEY`). Like botocore, the header and footer lines are dropped and the
    /// rest is base64 DER.
    fn from_pem(pem: &Secret) -> Option<DpopKey> {
        use base64::Engine;
        let body: String = pem
            .expose()
            .lines()
            .filter(|l| !l.starts_with("-----BEGIN") && !l.starts_with("-----END"))
            .collect();
        let der = base64::engine::general_purpose::STANDARD
            .decode(body.trim())
            .ok()?;
        EcdsaKeyPair::from_private_key_der(&ECDSA_P256_SHA256_FIXED_SIGNING, &der)
            .ok()
            .map(DpopKey)
    }

    /// The DPoP proof for a POST to `url` at `iat` (Unix seconds) with the unique id `jti`:
    /// a JWT (`typ` `dpop+jwt`, `alg` `ES256`, the public key as `jwk`) signed with the key.
    fn proof(&self, url: &str, iat: i64, jti: &str) -> Option<String> {
        let point = self.0.public_key().as_ref();
        // An uncompressed P-256 point: 0x04, then x and y, 32 bytes each.
        let (x, y) = point.get(1..65)?.split_at(32);
        let header = serde_json::json!({
            "typ": "dpop+jwt",
            "alg": "ES256",
            "jwk": {"kty": "EC", "x": b64url(x), "y": b64url(y), "crv": "P-256"},
        });
        let payload = serde_json::json!({"htm": "POST", "htu": url, "iat": iat, "jti": jti});
        let input = format!(
            "{}.{}",
            b64url(header.to_string().as_bytes()),
            b64url(payload.to_string().as_bytes())
        );
        let rng = aws_lc_rs::rand::SystemRandom::new();
        let signature = self.0.sign(&rng, input.as_bytes()).ok()?;
        Some(format!("{input}.{}", b64url(signature.as_ref())))
    }
}

impl Intercept for DpopKey {
    fn name(&self) -> &'static str {
        "DpopProof"
    }

    fn modify_before_transmit(
        &self,
        context: &mut BeforeTransmitInterceptorContextMut<'_>,
        _runtime_components: &RuntimeComponents,
        _cfg: &mut ConfigBag,
    ) -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
        let request = context.request_mut();
        // Each attempt (retries included) gets its own proof: the service refuses a reused jti.
        let proof = self
            .proof(request.uri(), Utc::now().timestamp(), &random_uuid()?)
            .ok_or("the DPoP proof could not be signed")?;
        request.headers_mut().insert("DPoP", proof);
        Ok(())
    }
}

/// A random (version 4) UUID, as the SDKs use for `jti`.
fn random_uuid() -> Result<String, &'static str> {
    let mut b = [0u8; 16];
    aws_lc_rs::rand::SystemRandom::new()
        .fill(&mut b)
        .map_err(|_| "no random bytes for the DPoP proof")?;
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    let hex: String = b.iter().map(|x| format!("{x:02x}")).collect();
    Ok(format!(
        "{}-{}-{}-{}-{}",
        &hex[..8],
        &hex[8..12],
        &hex[12..16],
        &hex[16..20],
        &hex[20..]
    ))
}

fn b64url(bytes: &[u8]) -> String {
    use base64::Engine;
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::awsfiles::{Document, Structure};
    use aws_lc_rs::encoding::AsDer;
    use aws_lc_rs::signature::{UnparsedPublicKey, ECDSA_P256_SHA256_FIXED};
    use base64::Engine;
    use std::collections::HashMap;

    fn pem(label: &str, der: &[u8]) -> Secret {
        let body = base64::engine::general_purpose::STANDARD.encode(der);
        let lines: Vec<&str> = body
            .as_bytes()
            .chunks(64)
            .map(|c| std::str::from_utf8(c).unwrap())
            .collect();
        Secret::new(format!(
            "-----BEGIN {label}-----\n{}\n-----END {label}-----\n",
            lines.join("\n")
        ))
    }

    fn decode_json(part: &str) -> serde_json::Value {
        let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(part)
            .unwrap();
        serde_json::from_slice(&bytes).unwrap()
    }

    #[test]
    fn proofs_are_es256_jwts_over_the_url_signed_by_the_cached_key() {
        let pair = EcdsaKeyPair::generate(&ECDSA_P256_SHA256_FIXED_SIGNING).unwrap();
        let sec1 = pair.private_key().as_der().unwrap();
        let pkcs8 = pair.to_pkcs8v1().unwrap();
        let public = pair.public_key().as_ref().to_vec();
        for key in [
            pem("EC PRIVATE KEY", sec1.as_ref()),
            pem("PRIVATE KEY", pkcs8.as_ref()),
        ] {
            let key = DpopKey::from_pem(&key).expect("a P-256 key");
            let url = "https://signin.eu-west-1.amazonaws.com/v1/token";
            let jwt = key.proof(url, 1_764_000_000, "jti-1").unwrap();
            let parts: Vec<&str> = jwt.split('.').collect();
            assert_eq!(parts.len(), 3);
            let header = decode_json(parts[0]);
            assert_eq!(header["typ"], "dpop+jwt");
            assert_eq!(header["alg"], "ES256");
            assert_eq!(header["jwk"]["kty"], "EC");
            assert_eq!(header["jwk"]["crv"], "P-256");
            assert_eq!(header["jwk"]["x"], b64url(&public[1..33]));
            assert_eq!(header["jwk"]["y"], b64url(&public[33..]));
            assert_eq!(
                decode_json(parts[1]),
                serde_json::json!({"htm": "POST", "htu": url, "iat": 1_764_000_000, "jti": "jti-1"})
            );
            let signature = base64::engine::general_purpose::URL_SAFE_NO_PAD
                .decode(parts[2])
                .unwrap();
            let signed = format!("{}.{}", parts[0], parts[1]);
            UnparsedPublicKey::new(&ECDSA_P256_SHA256_FIXED, &public)
                .verify(signed.as_bytes(), &signature)
                .expect("signed by the cached key");
            assert_eq!(format!("{key:?}"), "DpopKey(****)");
        }
        assert!(
            DpopKey::from_pem(&Secret::new("-----BEGIN EC PRIVATE KEY-----\nAAAA\n")).is_none()
        );
    }

    #[test]
    fn jtis_are_fresh_version_4_uuids() {
        let a = random_uuid().unwrap();
        assert_ne!(a, random_uuid().unwrap());
        assert_eq!(a.len(), 36);
        assert_eq!(&a[14..15], "4");
        assert!("89ab".contains(&a[19..20]));
    }

    fn env(vars: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
        let m: HashMap<String, String> = vars
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        move |k| m.get(k).cloned()
    }

    #[test]
    fn the_endpoint_and_region_follow_the_sdks() {
        let doc = Document::from_str_lossless(
            "[profile a]\nlogin_session = arn:aws:iam::1:user/ana\nregion = eu-west-1\nservices = local\nendpoint_url = http://profile\n\n\
             [profile b]\nlogin_session = arn:aws:iam::1:user/bo\nendpoint_url = http://b\nignore_configured_endpoint_urls = true\n\n\
             [profile c]\nregion = eu-west-1\n\n\
             [services local]\nsignin =\n  endpoint_url = http://services-signin\n",
        );
        let map = ConfigMap::build(doc.structure().unwrap(), Structure::default());
        let a = |e: &[(&str, &str)]| LoginProfile::resolve(&map, "a", &env(e)).unwrap();
        assert_eq!(a(&[]).session, "arn:aws:iam::1:user/ana");
        assert_eq!(a(&[]).region, "eu-west-1");
        assert_eq!(a(&[]).endpoint.as_deref(), Some("http://services-signin"));
        assert_eq!(
            a(&[("AWS_ENDPOINT_URL", "http://all")]).endpoint.as_deref(),
            Some("http://all")
        );
        assert_eq!(
            a(&[
                ("AWS_ENDPOINT_URL", "http://all"),
                ("AWS_ENDPOINT_URL_SIGNIN", "http://signin")
            ])
            .endpoint
            .as_deref(),
            Some("http://signin")
        );
        let b = LoginProfile::resolve(&map, "b", &env(&[("AWS_ENDPOINT_URL_SIGNIN", "http://x")]))
            .unwrap();
        assert_eq!(b.endpoint, None);
        assert_eq!(b.region, "us-east-1");
        assert!(b.place().contains("us-east-1"));
        assert!(matches!(
            LoginProfile::resolve(&map, "c", &env(&[])),
            Err(LoginError::NotLogin(_))
        ));
        assert!(matches!(
            LoginProfile::resolve(&map, "zz", &env(&[])),
            Err(LoginError::NoProfile(_))
        ));
    }

    #[test]
    fn service_messages_are_cut_to_one_short_line() {
        assert_eq!(first_line("  bad proof \nsecond"), "bad proof");
        assert_eq!(first_line(&"x".repeat(300)).chars().count(), 201);
    }
}
