//! The one place an SSO token is had, for every caller (renew, the TUI, credential-process,
//! exec and its server, the console, keep-fresh): the token on file while it is fresh, else a
//! refresh with the held refresh token, else — only when the caller can show a page — a
//! sign-in; one at a time per session across processes (the renewal lock: the others wait,
//! then read what the first one wrote); the result written to the AWS CLI's SSO cache.

use super::error::SsoError;
use super::lock::RenewLock;
use crate::aws::sso::{self, Flow, Prompt, SsoCallError, SsoTarget};
use crate::awsfiles::sso_cache::TokenRecord;
use crate::context::Context;
use chrono::{DateTime, Utc};
use std::path::{Path, PathBuf};

/// A token with more than this left is used as it is (botocore's and the AWS CLI's window).
pub const FRESH_SECS: i64 = 15 * 60;

/// How the token was had.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Got {
    /// The one on file (fresh, or refreshed by another caller meanwhile).
    Cached,
    /// Refreshed with the held refresh token, no browser.
    Refreshed,
    /// A new sign-in.
    SignedIn,
}

/// A token to use.
#[derive(Clone, Debug)]
pub struct Token {
    /// The token.
    pub record: TokenRecord,
    /// How it was had.
    pub got: Got,
    /// The cache file it is in.
    pub path: PathBuf,
}

/// A sign-in the caller can take part in: the flow, and where the page (and code) is shown.
pub struct SignIn<'a> {
    /// PKCE or the device flow.
    pub flow: Flow,
    /// Shows the page (and the device code) to the person, opening a browser where it can.
    pub prompt: &'a mut (dyn FnMut(&Prompt) + Send),
}

/// Whether `record` has more than [`FRESH_SECS`] left at `now`.
pub fn is_fresh(record: &TokenRecord, now: DateTime<Utc>) -> bool {
    (record.expires_at - now).num_seconds() > FRESH_SECS
}

/// An SSO token for `target` (profile `name`, for the hints). `renew`: the person asked for a
/// renewal, so a fresh token is refreshed too (unless another caller just did). Without
/// `sign_in`, a token that cannot be refreshed is an error naming the command that signs in.
pub async fn token(
    ctx: &Context,
    target: &SsoTarget,
    name: &str,
    renew: bool,
    sign_in: Option<SignIn<'_>>,
) -> Result<Token, SsoError> {
    let dir = &ctx.paths.sso_cache;
    let key = target.cache_key();
    let path = dir.join(crate::awsfiles::sso_cache::file_name(key));
    let seen = TokenRecord::read(dir, key)?;
    if let Some(record) = seen.as_ref().filter(|r| !renew && is_fresh(r, Utc::now())) {
        return Ok(Token {
            record: record.clone(),
            got: Got::Cached,
            path,
        });
    }
    let stem = crate::awsfiles::sso_cache::file_name(key);
    let _lock = RenewLock::acquire(
        &ctx.paths.credentials,
        &format!("sso-{}", stem.trim_end_matches(".json")),
        ctx.timeouts.renew_wait,
    )
    .await?;
    let current = TokenRecord::read(dir, key)?;
    if let Some(record) = current.as_ref().filter(|r| {
        let changed = seen
            .as_ref()
            .is_none_or(|s| s.access_token.expose() != r.access_token.expose());
        is_fresh(r, Utc::now()) && (!renew || changed)
    }) {
        return Ok(Token {
            record: record.clone(),
            got: Got::Cached,
            path,
        });
    }
    let mut refused = None;
    if let Some(held) = current.as_ref().filter(|r| r.refreshable(Utc::now())) {
        match refresh_token(target, ctx.demo, held).await {
            Ok(record) => {
                record.write(dir, key).map_err(|source| SsoError::Write {
                    dir: dir.to_owned(),
                    source,
                })?;
                crate::diag!("refreshed the SSO token of {}", key);
                return Ok(Token {
                    record,
                    got: Got::Refreshed,
                    path,
                });
            }
            Err(e) => {
                crate::diag!("refreshing the SSO token of {} failed: {e}", key);
                refused = Some(e);
            }
        }
    }
    let Some(SignIn { flow, prompt }) = sign_in else {
        // Nothing can renew it here: a token still good for a call is better than none.
        if let Some(record) = current
            .as_ref()
            .filter(|r| (r.expires_at - Utc::now()).num_seconds() > 60)
        {
            return Ok(Token {
                record: record.clone(),
                got: Got::Cached,
                path,
            });
        }
        let (profile, how) = (name.to_owned(), ctx.command(&["renew", name]));
        return Err(match (refused, current) {
            (Some(why), _) => SsoError::RefreshRefused {
                profile,
                why: Box::new(why),
                how,
            },
            (None, Some(r)) if r.expires_at > Utc::now() => SsoError::Ending {
                profile,
                minutes: (r.expires_at - Utc::now()).num_minutes(),
                how,
            },
            (None, Some(_)) => SsoError::Expired { profile, how },
            (None, None) => SsoError::NotSignedIn {
                profile,
                start_url: target.start_url.clone(),
                how,
            },
        });
    };
    let record = sign_in_with(target, ctx.demo, flow, dir, prompt).await?;
    record.write(dir, key).map_err(|source| SsoError::Write {
        dir: dir.to_owned(),
        source,
    })?;
    Ok(Token {
        record,
        got: Got::SignedIn,
        path,
    })
}

/// Signs in with `flow`, writing the client registration to `cache`; in the offline demo
/// (`demo`), through its stand-in ([`crate::aws::demo::sso_login`]), which shows a page (and a
/// code) and approves by itself.
async fn sign_in_with(
    target: &SsoTarget,
    demo: bool,
    flow: Flow,
    cache: &Path,
    prompt: &mut (dyn FnMut(&Prompt) + Send),
) -> Result<TokenRecord, SsoError> {
    let done = match (demo, flow) {
        (true, _) => crate::aws::demo::sso_login(target, flow, prompt).await,
        (false, Flow::Pkce) => sso::login_pkce(target, cache, prompt, sso::PKCE_WAIT).await,
        (false, Flow::DeviceCode) => sso::login_device(target, cache, prompt).await,
    };
    done.map_err(|why| SsoError::SignIn {
        start_url: target.start_url.clone(),
        why: Box::new(why),
    })
}

/// Refreshes as [`sso::refresh`] does; in the offline demo, through its stand-in. The error
/// is the portal's as `aws::sso` types it; [`token`] turns it into
/// [`SsoError::RefreshRefused`] when no sign-in can follow.
async fn refresh_token(
    target: &SsoTarget,
    demo: bool,
    held: &TokenRecord,
) -> Result<TokenRecord, SsoCallError> {
    if demo {
        crate::aws::demo::sso_refresh(target, held).await
    } else {
        sso::refresh(target, held).await
    }
}
