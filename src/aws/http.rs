//! The HTTPS client behind every call mfatui makes — STS, IAM, SSO, SSO OIDC and the console
//! sign-in endpoint: the AWS SDK's own client (hyper, rustls with aws-lc), the proxies named by
//! `HTTPS_PROXY`/`HTTP_PROXY`/`NO_PROXY` (CONNECT tunnels for https), and the roots it trusts —
//! the platform's store, or a CA bundle *instead of* it, which is what botocore does with a
//! bundle (`verify=PATH`: OpenSSL loads only that file).
//!
//! A bundle is read and every certificate in it checked before a client is built: a missing,
//! unreadable or malformed file is one sentence naming it, and no call is made (the SDK's TLS
//! layer would otherwise panic on a certificate it cannot use, or fail every handshake).

use aws_smithy_async::rt::sleep::SharedAsyncSleep;
use aws_smithy_http_client::proxy::ProxyConfig;
use aws_smithy_http_client::tls::{self, rustls_provider::CryptoMode, TlsContext, TrustStore};
use aws_smithy_http_client::Connector;
use aws_smithy_runtime_api::client::http::{
    http_client_fn, HttpConnector, HttpConnectorSettings, SharedHttpClient, SharedHttpConnector,
};
use aws_smithy_runtime_api::client::orchestrator::HttpRequest;
use http_body_util::{BodyExt, Limited};
use rustls_pki_types::pem::PemObject;
use rustls_pki_types::CertificateDer;
use std::fmt;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

/// Which setting named a CA bundle.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BundleSource {
    /// The `AWS_CA_BUNDLE` environment variable.
    AwsCaBundle,
    /// `ca_bundle` in the profile.
    Profile,
    /// The `REQUESTS_CA_BUNDLE` environment variable (botocore's last resort).
    RequestsCaBundle,
}

impl BundleSource {
    /// How a person finds the setting again.
    pub fn describe(self) -> &'static str {
        match self {
            BundleSource::AwsCaBundle => "AWS_CA_BUNDLE",
            BundleSource::Profile => "the profile's ca_bundle",
            BundleSource::RequestsCaBundle => "REQUESTS_CA_BUNDLE",
        }
    }
}

/// A CA bundle (PEM) whose certificates are trusted instead of the platform's roots.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CaBundle {
    /// The file, as configured (relative paths are relative to the working folder, as in
    /// botocore; `~` is not expanded, as in botocore).
    pub path: PathBuf,
    /// Which setting named it.
    pub source: BundleSource,
}

/// Why a CA bundle cannot be used. Each is one sentence naming the file and the setting.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum TrustError {
    /// The file could not be read.
    #[error("the CA bundle {path} named by {setting} cannot be read ({detail}): correct the path or unset {setting}; no call was made")]
    Unreadable {
        /// The file.
        path: String,
        /// Which setting named it.
        setting: &'static str,
        /// The operating system's reason.
        detail: String,
    },
    /// The file holds no PEM certificate at all.
    #[error("the CA bundle {path} named by {setting} holds no PEM certificate (-----BEGIN CERTIFICATE-----): point {setting} at the CA's certificates in PEM form; no call was made")]
    NoCertificate {
        /// The file.
        path: String,
        /// Which setting named it.
        setting: &'static str,
    },
    /// A certificate in the file is malformed or cannot be a trust anchor.
    #[error("certificate {index} of the CA bundle {path} named by {setting} cannot be used ({detail}): fix or remove it; no call was made")]
    BadCertificate {
        /// The file.
        path: String,
        /// Which setting named it.
        setting: &'static str,
        /// 1-based position of the certificate in the file.
        index: usize,
        /// What is wrong with it.
        detail: String,
    },
}

/// The roots a client trusts, read and checked.
#[derive(Clone, Debug, Default)]
pub struct Trust {
    bundle: Option<(CaBundle, Arc<Vec<u8>>)>,
}

impl Trust {
    /// The platform's root store (with `SSL_CERT_FILE`/`SSL_CERT_DIR` honoured by it).
    pub fn platform() -> Trust {
        Trust::default()
    }

    /// The roots for calls configured with `bundle`: its certificates, checked one by one,
    /// or the platform's store when there is no bundle.
    pub fn load(bundle: Option<&CaBundle>) -> Result<Trust, TrustError> {
        let Some(bundle) = bundle else {
            return Ok(Trust::platform());
        };
        let path = bundle.path.display().to_string();
        let setting = bundle.source.describe();
        let pem = crate::safe_fs::read(&bundle.path).map_err(|e| TrustError::Unreadable {
            path: path.clone(),
            setting,
            detail: e.to_string(),
        })?;
        let mut store = rustls::RootCertStore::empty();
        for (i, cert) in CertificateDer::pem_slice_iter(&pem).enumerate() {
            let bad = |detail: String| TrustError::BadCertificate {
                path: path.clone(),
                setting,
                index: i + 1,
                detail,
            };
            let cert = cert.map_err(|e| bad(format!("not valid PEM: {e}")))?;
            store
                .add(cert)
                .map_err(|e| bad(format!("not a usable CA certificate: {e}")))?;
        }
        if store.is_empty() {
            return Err(TrustError::NoCertificate { path, setting });
        }
        Ok(Trust {
            bundle: Some((bundle.clone(), Arc::new(pem))),
        })
    }

    /// The bundle in use, if any.
    pub fn bundle(&self) -> Option<&CaBundle> {
        self.bundle.as_ref().map(|(b, _)| b)
    }

    /// What is trusted, for messages: the platform's store, or the bundle and its setting.
    pub fn describe(&self) -> String {
        describe_roots(self.bundle())
    }

    fn tls_context(&self) -> TlsContext {
        let store = match &self.bundle {
            None => TrustStore::default(),
            Some((_, pem)) => TrustStore::empty()
                .with_native_roots(false)
                .with_pem_certificate(pem.as_slice()),
        };
        // Building a context only stores its parts; it has no failure for a trust store.
        TlsContext::builder()
            .with_trust_store(store)
            .build()
            .unwrap_or_default()
    }

    /// A connector over these roots and the environment's proxies; `sleep` drives its
    /// timeouts (the SDK passes its own; `None` takes tokio's).
    fn connector(
        &self,
        settings: &HttpConnectorSettings,
        sleep: Option<SharedAsyncSleep>,
    ) -> Connector {
        let mut builder = Connector::builder()
            .proxy_config(ProxyConfig::from_env())
            .tls_provider(tls::Provider::Rustls(CryptoMode::AwsLc))
            .tls_context(self.tls_context());
        builder.set_connector_settings(Some(settings.clone()));
        builder.set_sleep_impl(sleep);
        builder.build()
    }
}

/// What calls configured with `bundle` trust, for messages.
pub fn describe_roots(bundle: Option<&CaBundle>) -> String {
    match bundle {
        None => "the system's trusted certificates".to_owned(),
        Some(b) => format!(
            "the CA bundle {} (from {})",
            b.path.display(),
            b.source.describe()
        ),
    }
}

/// The HTTP client for an `SdkConfig`: these roots, the environment's proxies, the SDK's
/// timeouts (the settings it passes for each call).
pub fn sdk_client(trust: &Trust) -> SharedHttpClient {
    let trust = trust.clone();
    http_client_fn(move |settings, components| {
        SharedHttpConnector::new(trust.connector(settings, components.sleep_impl()))
    })
}

/// Bodies larger than this are refused: the endpoints mfatui calls outside the SDK answer
/// with a few hundred bytes.
const MAX_BODY: usize = 256 * 1024;

/// A failed request outside the SDK. Never carries the URL (it may hold a secret).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum WebError {
    /// No answer within the time allowed.
    Timeout(Duration),
    /// The server's certificate is not signed by a trusted root.
    Untrusted(String),
    /// No connection (refused, unresolvable, reset, proxy failure…).
    Network(String),
    /// The answer was unreadable or too large.
    Answer(String),
}

impl fmt::Display for WebError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            WebError::Timeout(d) => write!(f, "no answer within {} s", d.as_secs()),
            WebError::Untrusted(m) | WebError::Network(m) | WebError::Answer(m) => f.write_str(m),
        }
    }
}

/// An answer: status and body.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WebResponse {
    /// The HTTP status code.
    pub status: u16,
    /// The body, at most 256 KiB.
    pub body: Vec<u8>,
}

/// Whether a transport failure's innermost cause is a certificate the roots do not vouch for.
pub fn is_untrusted(cause: &str) -> bool {
    cause.contains("invalid peer certificate") || cause.contains("UnknownIssuer")
}

/// A small HTTPS client for endpoints the SDK does not cover (the console sign-in endpoint),
/// built on the same connector as the SDK's calls: same roots, same proxies.
pub struct WebClient {
    connector: Connector,
    call_timeout: Duration,
}

impl WebClient {
    /// A client trusting `trust`, with these time limits.
    pub fn new(trust: &Trust, connect_timeout: Duration, call_timeout: Duration) -> WebClient {
        let settings = HttpConnectorSettings::builder()
            .connect_timeout(connect_timeout)
            .read_timeout(call_timeout)
            .build();
        WebClient {
            connector: trust.connector(&settings, None),
            call_timeout,
        }
    }

    /// `GET url` (the URL may carry secrets: it is never logged nor put in an error).
    pub async fn get(&self, url: &str) -> Result<WebResponse, WebError> {
        let request = HttpRequest::get(url)
            .map_err(|_| WebError::Answer("the request URL is not valid".to_owned()))?;
        self.send(request).await
    }

    async fn send(&self, mut request: HttpRequest) -> Result<WebResponse, WebError> {
        request
            .headers_mut()
            .insert("user-agent", concat!("mfatui/", env!("CARGO_PKG_VERSION")));
        let call = async {
            let response = self.connector.call(request).await.map_err(|e| {
                let cause = super::error::root_cause(&e);
                if e.is_timeout() {
                    WebError::Timeout(self.call_timeout)
                } else if is_untrusted(&cause) {
                    WebError::Untrusted(cause)
                } else {
                    WebError::Network(cause)
                }
            })?;
            let status = response.status().as_u16();
            let body = Limited::new(response.into_body(), MAX_BODY)
                .collect()
                .await
                .map_err(|e| {
                    WebError::Answer(format!(
                        "the answer could not be read ({})",
                        super::error::root_cause(e.as_ref())
                    ))
                })?
                .to_bytes()
                .to_vec();
            Ok(WebResponse { status, body })
        };
        tokio::time::timeout(self.call_timeout, call)
            .await
            .map_err(|_| WebError::Timeout(self.call_timeout))?
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bundle(dir: &std::path::Path, name: &str, text: &[u8]) -> CaBundle {
        let path = dir.join(name);
        std::fs::write(&path, text).unwrap();
        CaBundle {
            path,
            source: BundleSource::AwsCaBundle,
        }
    }

    #[test]
    fn a_bundle_that_cannot_be_used_is_one_sentence_naming_it() {
        let dir = tempfile::tempdir().unwrap();
        let missing = CaBundle {
            path: dir.path().join("missing.pem"),
            source: BundleSource::Profile,
        };
        let e = Trust::load(Some(&missing)).unwrap_err().to_string();
        assert!(
            e.starts_with(&format!(
                "the CA bundle {} named by the profile's ca_bundle cannot be read (No such file",
                missing.path.display()
            )),
            "{e}"
        );
        let folder = CaBundle {
            path: dir.path().to_owned(),
            source: BundleSource::AwsCaBundle,
        };
        assert!(Trust::load(Some(&folder))
            .unwrap_err()
            .to_string()
            .contains("cannot be read"));
        let empty = bundle(dir.path(), "empty.pem", b"not a certificate\n");
        assert!(matches!(
            Trust::load(Some(&empty)),
            Err(TrustError::NoCertificate { .. })
        ));
        let garbled = bundle(
            dir.path(),
            "garbled.pem",
            b"-----BEGIN CERTIFICATE-----\nnot base64 at all!\n-----END CERTIFICATE-----\n",
        );
        let e = Trust::load(Some(&garbled)).unwrap_err();
        assert!(
            matches!(e, TrustError::BadCertificate { index: 1, .. }),
            "{e}"
        );
        let not_a_cert = bundle(
            dir.path(),
            "junk.pem",
            b"-----BEGIN CERTIFICATE-----\naGVsbG8=\n-----END CERTIFICATE-----\n",
        );
        let e = Trust::load(Some(&not_a_cert)).unwrap_err().to_string();
        assert!(e.contains("certificate 1 of the CA bundle"), "{e}");
        assert!(!e.contains('\n'));
    }

    #[test]
    fn no_bundle_means_the_platform_store() {
        let trust = Trust::load(None).unwrap();
        assert!(trust.bundle().is_none());
        assert_eq!(trust.describe(), "the system's trusted certificates");
        assert!(is_untrusted("invalid peer certificate: UnknownIssuer"));
        assert!(!is_untrusted("Connection refused (os error 111)"));
    }
}
