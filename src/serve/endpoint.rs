//! The container-credentials endpoint of `mfatui exec --server`: what every AWS SDK and the
//! CLI fetch when `AWS_CONTAINER_CREDENTIALS_FULL_URI` and `AWS_CONTAINER_AUTHORIZATION_TOKEN`
//! are set, and fetch again before the credentials expire. Listens on 127.0.0.1 only; a
//! request without the run's token gets 401 (none) or 403 (wrong). Each fetch reads the files
//! again, so a renewal made meanwhile (the TUI, `renew`, another mfatui) is served at once,
//! and a session about to expire is renewed on demand as `credential-process` does — with the
//! run's `--duration` every time, and a code from the run's sources, each code sent once.

use super::same_secret;
use crate::aws::AwsApi;
use crate::context::Context;
use crate::renew::code::Codes;
use crate::renew::service::{KeyringAccess, Lookup, Renewer, Served, Want};
use chrono::SecondsFormat;
use http_body_util::Full;
use hyper::body::{Bytes, Incoming};
use hyper::{Request, Response, StatusCode};
use hyper_util::rt::TokioTimer;
use std::collections::VecDeque;
use std::convert::Infallible;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::net::TcpListener;
use tokio::sync::Notify;

/// What the endpoint serves, and to whom.
pub struct Endpoint {
    /// The token a request must carry in `Authorization`.
    pub token: String,
    /// The profile whose session is served.
    pub profile: String,
    /// The run's context.
    pub ctx: Context,
    /// STS, for renewals on demand.
    pub api: Arc<dyn AwsApi>,
    /// The keyring, for long-term keys kept there.
    pub keyring: Arc<dyn KeyringAccess>,
    /// What renewals ask for (the run's `--duration`).
    pub want: Want,
    /// Where a renewal's code comes from; one renewal at a time takes it.
    pub codes: tokio::sync::Mutex<Codes>,
}

/// Binds 127.0.0.1 on a port the system picks (so a taken port is never a problem).
pub async fn bind() -> std::io::Result<TcpListener> {
    TcpListener::bind(("127.0.0.1", 0)).await
}

/// Connections still sending their request head, at most. A new one beyond this closes the
/// oldest: a caller with the token sends its request at once, so only connections that hold
/// their head back (another local user crowding the port) are ever closed.
const PENDING_MAX: usize = 64;

/// How long a connection may take to send its request head.
const HEAD_TIMEOUT: Duration = Duration::from_secs(5);

/// Connections that have not sent a request head yet, oldest first.
#[derive(Default)]
struct Pending {
    next: u64,
    open: VecDeque<(u64, Arc<Notify>)>,
}

/// Serves `endpoint` on `listener` until the task is dropped. One request per connection;
/// a connection that does not send its request head within [`HEAD_TIMEOUT`] is closed, and
/// so is the oldest such one when more than [`PENDING_MAX`] wait, so that nobody can crowd
/// out the command's own fetches. When the process runs out of file descriptors, accepting
/// pauses briefly instead of spinning.
pub async fn serve(listener: TcpListener, endpoint: Arc<Endpoint>) {
    let pending = Arc::new(Mutex::new(Pending::default()));
    loop {
        let (stream, peer) = match listener.accept().await {
            Ok(accepted) => accepted,
            Err(e) => {
                crate::diag!("endpoint: accepting a connection failed: {e}");
                tokio::time::sleep(Duration::from_millis(50)).await;
                continue;
            }
        };
        if !peer.ip().is_loopback() {
            continue;
        }
        let close = Arc::new(Notify::new());
        let id = {
            let mut pending = pending.lock().unwrap_or_else(|e| e.into_inner());
            let id = pending.next;
            pending.next += 1;
            pending.open.push_back((id, close.clone()));
            if pending.open.len() > PENDING_MAX {
                if let Some((_, oldest)) = pending.open.pop_front() {
                    oldest.notify_one();
                }
            }
            id
        };
        let endpoint = endpoint.clone();
        let waiting = pending.clone();
        let ended = pending.clone();
        tokio::spawn(async move {
            let service = hyper::service::service_fn(move |request| {
                // The head has arrived: this connection is no longer one that waits.
                forget(&waiting, id);
                let endpoint = endpoint.clone();
                async move { Ok::<_, Infallible>(endpoint.answer(&request).await) }
            });
            let connection = hyper::server::conn::http1::Builder::new()
                .timer(TokioTimer::new())
                .header_read_timeout(HEAD_TIMEOUT)
                .keep_alive(false)
                .serve_connection(hyper_util::rt::TokioIo::new(stream), service);
            tokio::select! {
                _ = connection => {}
                () = close.notified() => {}
            }
            forget(&ended, id);
        });
    }
}

/// Takes connection `id` off the waiting list (its head arrived, or it ended).
fn forget(pending: &Mutex<Pending>, id: u64) {
    pending
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .open
        .retain(|(other, _)| *other != id);
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
        match self.served().await {
            Ok(served) => {
                crate::diag!(
                    "endpoint: served the session of {} from {}",
                    self.profile,
                    served.session.from
                );
                if let Some(renewed) = &served.renewed {
                    eprintln!("{}", renewed_line(&self.profile, renewed));
                }
                reply(StatusCode::OK, document(&served))
            }
            Err(message) => {
                crate::diag!("endpoint: {message}");
                eprintln!("mfatui: {message}");
                reply(
                    StatusCode::SERVICE_UNAVAILABLE,
                    serde_json::json!({"Message": message}),
                )
            }
        }
    }

    /// The profile's session: as it is when fresh (no lock, no call), else renewed — one
    /// renewal at a time.
    async fn served(&self) -> Result<Served, String> {
        let renewer = Renewer {
            ctx: &self.ctx,
            api: self.api.as_ref(),
            keyring: self.keyring.as_ref(),
        };
        if let Ok(Lookup::Fresh(served)) = renewer.look(&self.profile, &self.want) {
            return Ok(served);
        }
        let mut codes = self.codes.lock().await;
        renewer
            .ensure(&self.profile, &self.want, &mut *codes)
            .await
            .map_err(|e| e.to_string())
    }
}

/// `mfatui: renewed 'ops' into [ops-mfa] until 14:05:33 (backup …)`: what a renewal on
/// demand says on standard error (never a secret).
pub fn renewed_line(profile: &str, renewed: &crate::renew::service::Renewed) -> String {
    let until = renewed
        .expires
        .map(|t| {
            format!(
                " until {}",
                crate::awsfiles::expiry::relative(t, chrono::Utc::now())
            )
        })
        .unwrap_or_default();
    let backup = renewed
        .backup
        .as_ref()
        .map(|b| format!("; backup {}", b.display()))
        .unwrap_or_default();
    format!(
        "mfatui: renewed '{profile}' into [{}]{until}{backup}",
        renewed.target
    )
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
