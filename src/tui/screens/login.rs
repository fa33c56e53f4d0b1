//! The `aws login` refresh (`⏎` on a login profile): the credentials refreshed now by the
//! renewal service's request, through the sign-in service with the cached refresh token and
//! DPoP key, written back to the `aws login` cache where the AWS CLI and the SDKs read them;
//! Esc stops waiting.

use super::dialog::{form_dialog, spinner};
use super::error::finished;
use crate::aws::api::BoxFuture;
use crate::awsfiles::expiry::relative;
use crate::awsfiles::{Profile, Snapshot};
use crate::renew::code::Codes;
use crate::renew::request::{prepare, Inject, Outcome, Prepared, Request};
use crate::tui::component::{Cx, Dialog, Flow, Shared};
use crate::tui::job_error::JobError;
use crate::tui::jobs::{Job, JobEnv, JobId};
use crate::tui::output::Output;
use crate::tui::theme::Theme;
use chrono::{DateTime, Utc};
use crossterm::event::{KeyCode, KeyEvent};
use ratatui::layout::Rect;
use ratatui::text::Line;
use ratatui::Frame;

/// The dialog while the refresh runs.
#[derive(Clone, Debug)]
pub struct LoginRefresh {
    /// The job.
    pub job: JobId,
    /// The profile.
    pub profile: String,
    /// When it started.
    pub started: DateTime<Utc>,
}

/// Starts the refresh of `p` and shows it.
pub fn open(cx: &mut Cx, p: &Profile) -> Box<dyn Dialog> {
    let job = cx.spawn(LoginJob {
        profile: p.name.to_string(),
    });
    Box::new(LoginRefresh {
        job,
        profile: p.name.to_string(),
        started: cx.shared.now,
    })
}

/// Refreshes one login profile's credentials now.
#[derive(Debug)]
pub struct LoginJob {
    /// The profile.
    pub profile: String,
}

impl LoginJob {
    async fn refresh(&self, env: &JobEnv) -> Result<String, JobError> {
        let ctx = &env.ctx;
        let snapshot = Snapshot::load(&ctx.paths, &ctx.naming())?;
        let prepared = prepare(ctx, &snapshot, &Request::one(&self.profile))?;
        if !matches!(prepared, Prepared::Login(_)) {
            return Err(JobError::NoLongerLogin(self.profile.clone()));
        }
        let mut codes = Codes::none();
        let inject = Inject {
            codes: &mut codes,
            sign_in: None,
            progress: &|_| {},
        };
        let Outcome::Login { token, .. } = env
            .renewer()
            .renew(&snapshot, prepared, false, inject)
            .await?
        else {
            return Err(JobError::Unanswered("login credentials"));
        };
        let until = token.access_token.expires_at;
        Ok(format!(
            "✓ Refreshed {}: valid until {} ({}).",
            self.profile,
            until.with_timezone(&chrono::Local).format("%H:%M:%S"),
            relative(until, ctx.now())
        ))
    }
}

impl Job for LoginJob {
    fn run(self: Box<Self>, env: JobEnv) -> BoxFuture<'static, Output> {
        Box::pin(async move { Output::LoginRefreshed(self.refresh(&env).await) })
    }

    fn as_any(&self) -> &dyn std::any::Any {
        self
    }
}

impl Dialog for LoginRefresh {
    /// Esc stops waiting (a refresh already sent finishes in the background and is read at
    /// the next reload); other keys wait.
    fn key(&mut self, key: KeyEvent, cx: &mut Cx) -> Flow {
        if key.code != KeyCode::Esc {
            return Flow::Stay;
        }
        cx.cancel(self.job);
        Flow::Close
    }

    fn output(&mut self, job: JobId, output: Output, cx: &mut Cx) -> Flow {
        if job != self.job {
            return Flow::Stay;
        }
        let Output::LoginRefreshed(result) = output else {
            output.unexpected("the sign-in refresh dialog");
            return Flow::Stay;
        };
        finished(
            cx,
            result,
            &format!("Refreshing the sign-in of {} failed", self.profile),
        )
    }

    fn busy(&self) -> bool {
        true
    }

    fn render(&self, shared: &Shared, theme: Theme, frame: &mut Frame, area: Rect) {
        let elapsed = (shared.now - self.started).num_milliseconds().max(0);
        let lines = vec![Line::from(format!(
            "{} Refreshing the `aws login` credentials of {} through the sign-in service…",
            spinner(elapsed),
            self.profile
        ))];
        form_dialog(
            frame,
            area,
            " aws login ",
            84,
            lines,
            None,
            "Esc stops waiting",
            true,
            theme,
        );
    }

    fn as_any(&self) -> &dyn std::any::Any {
        self
    }
}
