//! A renewal under way: its job (the renewal service's request, with the code the dialog got), a spinner and
//! the elapsed time, Esc cancels; its result opens the preview.

use super::dialog::{dialog, spinner};
use super::preview::Preview;
use crate::aws::api::BoxFuture;
use crate::awsfiles::Snapshot;
use crate::renew::code::{Codes, Given, MfaCode, MfaProcess};
use crate::renew::execute::plan_write;
use crate::renew::{Inject, Outcome, Prepared, Renewal};
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
use std::sync::Arc;

/// Where the MFA code for a renewal comes from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CodeSource {
    /// Typed in the dialog.
    Typed(MfaCode),
    /// The profile's `mfa_process` command.
    Process,
    /// No code is needed (an MFA session is reused).
    NotNeeded,
}

/// The STS calls of one renewal.
#[derive(Debug)]
pub struct RenewJob {
    /// What to do.
    pub renewal: Box<Renewal>,
    /// The files it was planned on (for `mfa_process`).
    pub snapshot: Arc<Snapshot>,
    /// The code.
    pub code: CodeSource,
}

impl CodeSource {
    /// The code sources this choice stands for.
    pub fn codes(self, ctx: &crate::context::Context) -> Codes {
        match self {
            CodeSource::Typed(code) => Codes::none().then(Given::code(code)),
            CodeSource::Process => Codes::none().then(MfaProcess {
                timeout: ctx.timeouts.mfa_process,
                show_stderr: false,
            }),
            CodeSource::NotNeeded => Codes::none(),
        }
    }
}

impl Job for RenewJob {
    fn run(self: Box<Self>, env: JobEnv) -> BoxFuture<'static, Output> {
        Box::pin(async move {
            let RenewJob {
                renewal,
                snapshot,
                code,
            } = *self;
            let mut codes = code.codes(&env.ctx);
            let inject = Inject {
                codes: &mut codes,
                sign_in: None,
                progress: &|_| {},
            };
            let result = match env
                .renewer()
                .renew(&snapshot, Prepared::One(renewal), false, inject)
                .await
            {
                Ok(Outcome::Write { credentials, .. }) => Ok(credentials),
                Ok(_) => Err(JobError::Unanswered("credentials to write")),
                Err(e) => Err(e.into()),
            };
            Output::Renewed(result)
        })
    }

    fn as_any(&self) -> &dyn std::any::Any {
        self
    }
}

/// A renewal job in flight.
#[derive(Clone, Debug)]
pub struct Running {
    /// Its id.
    pub job: JobId,
    /// The profile.
    pub profile: String,
    /// When it started.
    pub started: DateTime<Utc>,
    /// What it does.
    pub renewal: Box<Renewal>,
    /// The program that asked for it, when one did.
    pub asked_by: Option<String>,
}

/// `text`, ending with a full stop.
pub fn sentence(text: &str) -> String {
    let t = text.trim_end();
    let last = t.trim_end_matches([')', '"', '\'', '`']);
    if last.ends_with(['.', '!', '?']) {
        t.to_owned()
    } else {
        format!("{t}.")
    }
}

impl Dialog for Running {
    /// Esc cancels (the job's answer will be dropped); other keys wait.
    fn key(&mut self, key: KeyEvent, cx: &mut Cx) -> Flow {
        if key.code != KeyCode::Esc {
            return Flow::Stay;
        }
        cx.cancel(self.job);
        cx.toast(
            format!("Renewal of {} cancelled; nothing written.", self.profile),
            false,
        );
        Flow::Close
    }

    fn output(&mut self, job: JobId, output: Output, cx: &mut Cx) -> Flow {
        if job != self.job {
            return Flow::Stay;
        }
        let Output::Renewed(result) = output else {
            output.unexpected("the running renewal");
            return Flow::Stay;
        };
        let creds = match result {
            Ok(c) => c,
            Err(e) => {
                return super::error::flow(
                    &format!("Renewing {} failed", self.profile),
                    &format!("{} Nothing was written.", sentence(&e.to_string())),
                )
            }
        };
        match plan_write(cx.shared.data.snapshot.files(), &self.renewal, &creds) {
            Ok(plan) => Flow::Replace(Box::new(Preview::new(
                &self.profile,
                &self.renewal.target,
                creds.expiration,
                plan,
                Vec::new(),
            ))),
            Err(e) => super::error::flow("Cannot write", &e.to_string()),
        }
    }

    fn busy(&self) -> bool {
        true
    }

    fn asked_by(&mut self, asker: Option<String>) {
        self.asked_by = asker;
    }

    fn keys(&self) -> Vec<(&'static str, &'static str)> {
        vec![("Esc", "cancel (nothing is written)")]
    }

    fn render(&self, shared: &Shared, theme: Theme, frame: &mut Frame, area: Rect) {
        let elapsed = (shared.now - self.started).num_milliseconds().max(0);
        let text = vec![
            Line::from(format!(
                "{} Renewing {}…  {:.1} s",
                spinner(elapsed),
                self.profile,
                elapsed as f64 / 1000.0
            )),
            Line::styled("Esc cancels (nothing is written).", theme.dim()),
        ];
        dialog(frame, area, " Working ", 50, 4, text, false, theme);
    }

    fn as_any(&self) -> &dyn std::any::Any {
        self
    }
}
