//! The container-credentials endpoint of `mfatui exec --server`: what every AWS SDK and the
//! CLI fetch when `AWS_CONTAINER_CREDENTIALS_FULL_URI` and `AWS_CONTAINER_AUTHORIZATION_TOKEN`
//! are set, and fetch again before the credentials expire. Listens on 127.0.0.1 only; a
//! request without the run's token gets 401 (none) or 403 (wrong). Each fetch reads the files
//! again, so a renewal made meanwhile (the TUI, `renew`, another mfatui) is served at once,
//! and a session about to expire is renewed on demand as `credential-process` does.

use super::on_demand::{on_demand, CodeSources, Served};
use super::same_secret;
use crate::aws::AwsApi;
use crate::awsfiles::AwsPaths;
use crate::settings::Settings;
use chrono::SecondsFormat;
use http_body_util::Full;
use hyper::body::{Bytes, Incoming};
use hyper::{Request, Response, StatusCode};
use std::convert::Infallible;
use std::sync::Arc;
use tokio::net::TcpListener;

/// What the endpoint serves, and to whom.
pub struct Endpoint {
    /// The token a request must carry in `Authorization`.
    pub token: String,
    /// The profile whose session is served.
    pub profile: String,
    /// The shared files.
    pub paths: AwsPaths,
    /// The user's settings.
    pub settings: Settings,
    /// STS, for renewals on demand.
    pub api: Arc<dyn AwsApi>,
    /// Where a renewal's code may come from.
    pub codes: CodeSources,
}

/// Binds 127.0.0.1 on a port the system picks (so a taken port is never a problem).
pub async fn bind() -> std::io::Result<TcpListener> {
    TcpListener::bind(("127.0.0.1", 0)).await
}

/// Serves `endpoint` on `listener` until the task is dropped.
pub async fn serve(listener: TcpListener, endpoint: Arc<Endpoint>) {
    loop {
        let Ok((stream, peer)) = listener.accept().await else {
            continue;
        };
        if !peer.ip().is_loopback() {
            continue;
        }
        let endpoint = endpoint.clone();
        tokio::spawn(async move {
            let service = hyper::service::service_fn(move |request| {
                let endpoint = endpoint.clone();
                async move { Ok::<_, Infallible>(endpoint.answer(&request).await) }
            });
            let _ = hyper::server::conn::http1::Builder::new()
                .serve_connection(hyper_util::rt::TokioIo::new(stream), service)
                .await;
        });
    }
}

impl Endpoint {
    /// One request: the token checked, then the session (renewed on demand) as JSON.
    async fn answer(self: &Arc<Self>, request: &Request<Incoming>) -> Response<Full<Bytes>> {
        let given = request.headers().get(hyper::header::AUTHORIZATION);
        let status = match given {
            None => Some(StatusCode::UNAUTHORIZED),
            Some(v) if !same_secret(v.as_bytes(), self.token.as_bytes()) => {
                Some(StatusCode::FORBIDDEN)
            }
            Some(_) => None,
        };
        if let Some(status) = status {
            crate::diag!("endpoint: refused a request without the right token ({status})");
            return reply(
                status,
                serde_json::json!({"Message": "a valid token is required"}),
            );
        }
        let (tx, rx) = tokio::sync::oneshot::channel();
        let me = self.clone();
        // Renewing may block on a lock, a prompt or STS: off the async threads.
        std::thread::spawn(move || {
            let served = on_demand(
                &me.paths,
                &me.settings,
                me.api.as_ref(),
                &me.profile,
                None,
                &me.codes,
            );
            let _ = tx.send(served);
        });
        match rx.await {
            Ok(Ok(served)) => {
                crate::diag!(
                    "endpoint: served the session of {} from {}",
                    self.profile,
                    served.session.from
                );
                reply(StatusCode::OK, document(&served))
            }
            Ok(Err(message)) => {
                crate::diag!("endpoint: {message}");
                eprintln!("mfatui: {message}");
                reply(
                    StatusCode::SERVICE_UNAVAILABLE,
                    serde_json::json!({"Message": message}),
                )
            }
            Err(_) => reply(
                StatusCode::INTERNAL_SERVER_ERROR,
                serde_json::json!({"Message": "the renewal stopped unexpectedly"}),
            ),
        }
    }
}

/// The container-credentials document.
fn document(served: &Served) -> serde_json::Value {
    let creds = &served.session.credentials;
    serde_json::json!({
        "AccessKeyId": creds.access_key_id,
        "SecretAccessKey": creds.secret_access_key.expose(),
        "Token": creds.session_token.as_ref().map(|t| t.expose()).unwrap_or_default(),
        "Expiration": creds.expiration.map(|t| t.to_rfc3339_opts(SecondsFormat::Secs, true)),
    })
}

fn reply(status: StatusCode, body: serde_json::Value) -> Response<Full<Bytes>> {
    let mut response = Response::new(Full::new(Bytes::from(body.to_string())));
    *response.status_mut() = status;
    response.headers_mut().insert(
        hyper::header::CONTENT_TYPE,
        hyper::header::HeaderValue::from_static("application/json"),
    );
    response
}
