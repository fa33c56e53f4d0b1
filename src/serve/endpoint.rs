//! The container-credentials endpoint of `mfatui exec --server`: what every AWS SDK and the
//! CLI fetch when `AWS_CONTAINER_CREDENTIALS_FULL_URI` and `AWS_CONTAINER_AUTHORIZATION_TOKEN`
//! are set, and fetch again before the credentials expire. Listens on 127.0.0.1 only; a
//! request without the run's token gets 401 (none) or 403 (wrong). Each fetch reads the files
//! again, so a renewal made meanwhile (the TUI, `renew`, another mfatui) is served at once.
//! A session nearing its end is renewed by one task of the endpoint's own (see
//! [`Endpoint::served`]) — with the run's `--duration` every time, and a code from the run's
//! sources, asked once however many fetches wait or give up meanwhile.

use super::same_secret;
use crate::aws::crowd::{Pending, HEAD_TIMEOUT};
use crate::aws::AwsApi;
use crate::context::Context;
use crate::freshness::Use;
use crate::renew::code::Codes;
use crate::renew::error::RenewError;
use crate::renew::service::{KeyringAccess, Lookup, Renewer, Served, Want};
use chrono::SecondsFormat;
use http_body_util::Full;
use hyper::body::{Bytes, Incoming};
use hyper::{Request, Response, StatusCode};
use hyper_util::rt::TokioTimer;
use std::convert::Infallible;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::net::TcpListener;
use tokio::sync::watch::{self, Receiver};

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
    /// The renewal under way, if any, and the last one that failed.
    pub state: Mutex<Renewing>,
}

/// Binds 127.0.0.1 on a port the system picks (so a taken port is never a problem).
pub async fn bind() -> std::io::Result<TcpListener> {
    TcpListener::bind(("127.0.0.1", 0)).await
}

/// The URI CMD is given for the endpoint on `port`.
pub fn uri(port: u16) -> String {
    format!("http://127.0.0.1:{port}/")
}

/// Serves `endpoint` on `listener` until the task is dropped (see [`accept`]).
pub async fn serve(listener: TcpListener, endpoint: Arc<Endpoint>) {
    accept(listener, move |request| {
        let endpoint = endpoint.clone();
        async move { endpoint.answer(&request).await }
    })
    .await
}

/// Answers every request on `listener` with `answer` until the task is dropped. One request
/// per connection; a connection that does not send its request head within [`HEAD_TIMEOUT`]
/// is closed, and so is the oldest such one when more than
/// [`PENDING_MAX`](crate::aws::crowd::PENDING_MAX) wait, so that nobody can crowd out the
/// command's own fetches. When the process runs out of file descriptors, accepting pauses
/// briefly instead of spinning. Shared with the [holder](super::keeper) of the port.
pub async fn accept<F, Fut>(listener: TcpListener, answer: F)
where
    F: Fn(Request<Incoming>) -> Fut + Clone + Send + Sync + 'static,
    Fut: std::future::Future<Output = Response<Full<Bytes>>> + Send + 'static,
{
    let pending = Pending::new();
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
        let ticket = Arc::new(pending.admit());
        let answer = answer.clone();
        tokio::spawn(async move {
            let waiting = ticket.clone();
            let service = hyper::service::service_fn(move |request| {
                // The head has arrived: this connection is no longer one that waits.
                waiting.arrived();
                let answered = answer(request);
                async move { Ok::<_, Infallible>(answered.await) }
            });
            let connection = hyper::server::conn::http1::Builder::new()
                .timer(TokioTimer::new())
                .header_read_timeout(HEAD_TIMEOUT)
                .keep_alive(false)
                .serve_connection(hyper_util::rt::TokioIo::new(stream), service);
            tokio::select! {
                _ = connection => {}
                () = ticket.closed() => {}
            }
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
        match self.served().await {
            Ok(served) => {
                crate::diag!(
                    "endpoint: served the session of {} from {}",
                    self.profile,
                    served.session.from
                );
                reply(StatusCode::OK, document(&served))
            }
            // Said on stderr once, by the renewal that failed (not once per attempt).
            Err(error) => reply(
                StatusCode::SERVICE_UNAVAILABLE,
                serde_json::json!({"Message": error.to_string()}),
            ),
        }
    }

    /// The profile's session: as it is when fresh (no lock, no call); when it is only still
    /// valid, as it is while one renewal runs ahead in the background; else what the one
    /// running renewal brings (a request joins it, or starts it).
    async fn served(self: &Arc<Self>) -> Result<Served, Failed> {
        if let Some((served, due)) = self.look_now() {
            if due {
                self.renewal(Why::Ahead);
            } else {
                // Fresh again (renewed here or elsewhere): the next one ahead may run.
                self.state
                    .lock()
                    .unwrap_or_else(|e| e.into_inner())
                    .ahead_failed = false;
            }
            return Ok(served);
        }
        let mut result = self.renewal(Why::Needed);
        let stopped = || Arc::new(RenewError::Stopped);
        let answer = result
            .wait_for(Option::is_some)
            .await
            .map_err(|_| stopped())?
            .clone();
        answer.unwrap_or_else(|| Err(stopped()))
    }

    /// What can be served now without waiting: a session fresh for [`Use::Ahead`], or one
    /// still servable ([`crate::freshness::Freshness::servable`]) whose renewal ahead is due
    /// (`true`). `None`: the caller must wait for a renewal (read errors are said by it).
    fn look_now(&self) -> Option<(Served, bool)> {
        match crate::renew::service::look(&self.ctx, &self.profile, &self.ahead()).ok()? {
            Lookup::Fresh(served) => Some((served, false)),
            Lookup::Stale {
                snapshot,
                plan,
                valid,
            } => {
                let length = plan.as_ref().ok().map(|r| r.duration_secs);
                let policy = self.ctx.settings.freshness();
                let now = self.ctx.now();
                let session =
                    valid.filter(|s| policy.servable(s.credentials.expiration, length, now))?;
                Some((Served::of(&snapshot, &self.profile, session, None), true))
            }
        }
    }

    /// What can be served now without waiting for a renewal, if anything.
    pub fn on_file(&self) -> Option<Served> {
        self.look_now().map(|(served, _)| served)
    }

    /// A renewal now, in the caller's task (before CMD starts, when nothing can be served).
    pub async fn renew_now(&self) -> Result<Served, RenewError> {
        let renewer = Renewer {
            ctx: &self.ctx,
            api: self.api.as_ref(),
            keyring: self.keyring.as_ref(),
        };
        let mut codes = self.codes.lock().await;
        let served = renewer
            .ensure(&self.profile, &self.ahead(), &mut *codes)
            .await?;
        if let Some(renewed) = &served.renewed {
            let line = renewed.line(&self.profile, chrono::Utc::now());
            eprintln!("{}", crate::text::printable(&line, usize::MAX));
        }
        Ok(served)
    }

    /// What renewals ask for: the run's `--duration`, fresh for [`Use::Ahead`].
    fn ahead(&self) -> Want {
        Want {
            purpose: Use::Ahead,
            ..self.want
        }
    }

    /// The running renewal, started now when none runs (and, for a renewal ahead, when the
    /// last one ahead has not failed). It belongs to the endpoint, not to the request that
    /// started it: a caller that gives up (botocore waits about 2 s per attempt) leaves it
    /// running, its next attempt joins it, the code is asked for once, and the session it
    /// writes is what the next fetch reads. A failed renewal's sentence is answered to the
    /// requests of the next [`FAILED_FOR`] instead of asking again.
    fn renewal(self: &Arc<Self>, why: Why) -> Receiver<Outcome> {
        let mut state = self.state.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(running) = &state.running {
            return running.clone();
        }
        match (&state.failed, why) {
            (_, Why::Ahead) if state.ahead_failed => {
                let (_, rx) = watch::channel(None);
                return rx;
            }
            (Some((at, error)), Why::Needed) if at.elapsed() < FAILED_FOR => {
                let (_, rx) = watch::channel(Some(Err(error.clone())));
                return rx;
            }
            _ => {}
        }
        let (tx, rx) = watch::channel(None);
        state.running = Some(rx.clone());
        let endpoint = self.clone();
        tokio::spawn(async move {
            let want = endpoint.ahead();
            let renewer = Renewer {
                ctx: &endpoint.ctx,
                api: endpoint.api.as_ref(),
                keyring: endpoint.keyring.as_ref(),
            };
            let result = {
                let mut codes = endpoint.codes.lock().await;
                renewer
                    .ensure(&endpoint.profile, &want, &mut *codes)
                    .await
                    .map_err(Arc::new)
            };
            match &result {
                Ok(served) => {
                    if let Some(renewed) = &served.renewed {
                        let line = renewed.line(&endpoint.profile, chrono::Utc::now());
                        eprintln!("{}", crate::text::printable(&line, usize::MAX));
                    }
                }
                Err(error) => {
                    crate::diag!("endpoint: {error}");
                    let error = crate::text::printable(&error.to_string(), usize::MAX);
                    eprintln!("mfatui: {error}");
                }
            }
            let mut state = endpoint.state.lock().unwrap_or_else(|e| e.into_inner());
            state.running = None;
            match &result {
                Ok(served) => {
                    state.failed = None;
                    // Nothing could renew it (the valid session came back): not again ahead.
                    state.ahead_failed = served.renewed.is_none() && why == Why::Ahead;
                }
                Err(error) => {
                    state.failed = Some((Instant::now(), error.clone()));
                    state.ahead_failed = why == Why::Ahead;
                }
            }
            let _ = tx.send(Some(result));
        });
        rx
    }
}

/// A renewal's result, once it has one.
type Outcome = Option<Result<Served, Failed>>;

/// Why a renewal failed, shared by every request that waited for it.
type Failed = Arc<RenewError>;

/// Why a renewal is started.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Why {
    /// The session on file is still served; this one runs ahead.
    Ahead,
    /// No session can be served until it ends.
    Needed,
}

/// How long a failed renewal's sentence answers requests before one may ask again: longer
/// than the SDKs' quick retries (botocore tries 3 times, the JS SDK a few), so a failure is
/// said once and the code sources are not asked in a loop.
const FAILED_FOR: Duration = Duration::from_secs(10);

/// The endpoint's renewal: the running one, and the last failure.
#[derive(Default)]
pub struct Renewing {
    /// The renewal under way: its result arrives here.
    running: Option<Receiver<Outcome>>,
    /// When the last renewal failed, and why.
    failed: Option<(Instant, Failed)>,
    /// The last renewal ahead could not renew: none ahead again until the session is fresh.
    ahead_failed: bool,
}

/// The container-credentials document.
fn document(served: &Served) -> serde_json::Value {
    let creds = &served.session.credentials;
    let mut doc = serde_json::json!({
        "AccessKeyId": creds.access_key_id,
        "SecretAccessKey": creds.secret_access_key.expose(),
        "Token": creds.session_token.as_ref().map(|t| t.expose()).unwrap_or_default(),
        "Expiration": creds.expiration.map(|t| t.to_rfc3339_opts(SecondsFormat::Secs, true)),
    });
    if let Some(account) = &served.account {
        doc["AccountId"] = account.as_str().into();
    }
    doc
}

/// A JSON answer with `status`.
pub(super) fn reply(status: StatusCode, body: serde_json::Value) -> Response<Full<Bytes>> {
    let mut response = Response::new(Full::new(Bytes::from(body.to_string())));
    *response.status_mut() = status;
    response.headers_mut().insert(
        hyper::header::CONTENT_TYPE,
        hyper::header::HeaderValue::from_static("application/json"),
    );
    response
}
