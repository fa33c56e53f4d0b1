//! SSO sign-in from the TUI (⏎ on any SSO profile): the held refresh token first (no browser);
//! else the page to approve in a browser (PKCE: it comes back to this machine by itself), or
//! the page and code to confirm on any device (the device flow, where no browser can be
//! opened); a spinner while the background job waits, Esc cancels. The token lands in the AWS
//! CLI's SSO cache, so every profile of the session counts down. In the demo the stand-in
//! refreshes, or shows its page and approves by itself, opening nothing.

use super::dialog::{form_dialog, spinner};
use crate::aws::api::BoxFuture;
use crate::aws::sso::{Prompt, SsoTarget};
use crate::awsfiles::{Profile, Snapshot};
use crate::renew::code::Codes;
use crate::renew::request::{prepare, Inject, Outcome, Prepared, Request};
use crate::renew::sso::{Got, SignIn};
use crate::tui::component::{Cx, Dialog, Flow, Shared};
use crate::tui::job_error::JobError;
use crate::tui::jobs::{Job, JobEnv, JobId};
use crate::tui::output::Output;
use crate::tui::theme::Theme;
use chrono::{DateTime, Utc};
use crossterm::event::{KeyCode, KeyEvent};
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::Frame;
use std::sync::Arc;

/// A login under way.
#[derive(Clone, Debug)]
pub struct SsoLogin {
    /// The job's id.
    pub job: JobId,
    /// The profile it started from.
    pub profile: String,
    /// Where it signs in.
    pub start_url: String,
    /// The page and code, once the service gave them.
    pub prompt: Option<Prompt>,
    /// When it started.
    pub started: DateTime<Utc>,
}

/// Starts signing in for `p`, or an error dialog saying why not.
pub fn open(cx: &mut Cx, p: &Profile) -> Box<dyn Dialog> {
    let snapshot = cx.shared.data.snapshot.clone();
    let target = match prepare(cx.shared.ctx, &snapshot, &Request::one(&p.name)) {
        Ok(Prepared::Sso { target, .. }) => target,
        Ok(_) => {
            return super::error::dialog(
                "Cannot sign in",
                &format!("'{}' does not sign in to SSO", p.name),
            )
        }
        Err(e) => return super::error::dialog("Cannot sign in", &e.to_string()),
    };
    let start_url = target.start_url.clone();
    let job = cx.spawn(SsoJob {
        target,
        profile: p.name.to_string(),
        flow: crate::console::browser::Browser::sso_flow(cx.shared.ctx, false),
        snapshot,
    });
    Box::new(SsoLogin {
        job,
        profile: p.name.to_string(),
        start_url,
        prompt: None,
        started: cx.shared.now,
    })
}

/// A refresh, else a sign-in with `flow`, then the token written to the AWS CLI's SSO cache
/// (the renewal service's request, [`crate::renew::request`]).
#[derive(Debug)]
pub struct SsoJob {
    /// Where to sign in.
    pub target: Box<SsoTarget>,
    /// The profile it started from.
    pub profile: String,
    /// The sign-in flow when refreshing is not possible.
    pub flow: crate::aws::sso::Flow,
    /// The files it was prepared on.
    pub snapshot: Arc<Snapshot>,
}

impl Job for SsoJob {
    fn run(self: Box<Self>, env: JobEnv) -> BoxFuture<'static, Output> {
        Box::pin(async move {
            let demo = env.ctx.demo;
            let reporter = env.clone();
            let mut prompt = move |p: &Prompt| {
                // The demo's page is not real: there is nothing to open.
                if !demo {
                    crate::console::browser::Browser::try_open(&reporter.ctx, &p.url);
                }
                reporter.report(Output::SsoPrompt(p.clone()));
            };
            let sign_in = SignIn {
                flow: self.flow,
                prompt: &mut prompt,
            };
            let mut codes = Codes::none();
            let inject = Inject {
                codes: &mut codes,
                sign_in: Some(sign_in),
                progress: &|_| {},
            };
            let prepared = Prepared::Sso {
                profile: self.profile,
                target: self.target,
            };
            let result = match env
                .renewer()
                .renew(&self.snapshot, prepared, false, inject)
                .await
            {
                Ok(Outcome::Sso { target, token, .. }) => {
                    let until = token
                        .record
                        .expires_at
                        .with_timezone(&chrono::Local)
                        .format("%H:%M:%S");
                    let url = &target.start_url;
                    Ok(match token.got {
                        Got::SignedIn => {
                            format!("✓ Signed in to {url}: the SSO token is valid until {until}.")
                        }
                        _ => format!("✓ Refreshed the SSO token of {url} (no sign-in needed): valid until {until}."),
                    })
                }
                Ok(_) => Err(JobError::Unanswered("SSO token")),
                Err(e) => Err(e.into()),
            };
            Output::SsoSignedIn(result)
        })
    }

    fn as_any(&self) -> &dyn std::any::Any {
        self
    }
}

impl Dialog for SsoLogin {
    /// Esc cancels the login (the job stops polling); other keys wait.
    fn key(&mut self, key: KeyEvent, cx: &mut Cx) -> Flow {
        if key.code != KeyCode::Esc {
            return Flow::Stay;
        }
        cx.cancel(self.job);
        cx.toast("SSO login cancelled; nothing written.", false);
        Flow::Close
    }

    fn output(&mut self, job: JobId, output: Output, cx: &mut Cx) -> Flow {
        if job != self.job {
            return Flow::Stay;
        }
        let result = match output {
            Output::SsoPrompt(prompt) => {
                self.prompt = Some(prompt);
                return Flow::Stay;
            }
            Output::SsoSignedIn(result) => result,
            other => {
                other.unexpected("the SSO sign-in dialog");
                return Flow::Stay;
            }
        };
        match result {
            Ok(text) => {
                cx.toast(text, false);
                cx.reload();
                Flow::Close
            }
            Err(e) => super::error::flow(
                &format!("Signing in for {} failed", self.profile),
                &e.to_string(),
            ),
        }
    }

    fn busy(&self) -> bool {
        true
    }

    fn render(&self, shared: &Shared, theme: Theme, frame: &mut Frame, area: Rect) {
        render(shared, self, theme, frame, area)
    }

    fn as_any(&self) -> &dyn std::any::Any {
        self
    }
}

/// Draws the dialog.
fn render(shared: &Shared, login: &SsoLogin, theme: Theme, frame: &mut Frame, area: Rect) {
    let elapsed = (shared.now - login.started).num_milliseconds().max(0);
    let mut lines = vec![Line::from(format!("Signing in to {}", login.start_url))];
    match &login.prompt {
        None => lines.push(Line::from(format!(
            "{} Refreshing, else asking for a sign-in…",
            spinner(elapsed)
        ))),
        Some(prompt) => {
            lines.push(Line::raw(""));
            let opened = if shared.ctx.demo {
                ""
            } else {
                " (a browser was opened where there is one)"
            };
            match &prompt.user_code {
                Some(code) => {
                    lines.push(Line::from(format!("Open this page on any device{opened}:")));
                    lines.push(Line::styled(prompt.url.clone(), theme.accent()));
                    lines.push(Line::from(vec![
                        Span::raw("and confirm the code  "),
                        Span::styled(code.clone(), theme.selected()),
                    ]));
                }
                None => {
                    lines.push(Line::from(format!(
                        "Approve the sign-in on this page{opened}:"
                    )));
                    lines.push(Line::styled(prompt.url.clone(), theme.accent()));
                    lines.push(Line::from(
                        "It comes back to this machine by itself (127.0.0.1, this sign-in only).",
                    ));
                }
            }
            if shared.ctx.demo {
                lines.push(Line::styled(
                    "Demo: the page is not real and nothing was opened; it approves by itself.",
                    theme.dim(),
                ));
            }
            lines.push(Line::raw(""));
            lines.push(Line::from(format!(
                "{} Waiting for the approval…  {} s",
                spinner(elapsed),
                elapsed / 1000
            )));
        }
    }
    form_dialog(
        frame,
        area,
        &format!(" SSO login for {} ", login.profile),
        90,
        lines,
        None,
        "Esc cancels (nothing is written)",
        true,
        theme,
    );
}
