//! The console sign-in dialog (`c`): which session the console gets for the selected profile,
//! the MFA code when a renewal needs one, then the sign-in in the background; the browser
//! opens on the console, and the dialog says who it is signed in as and when that ends.

use super::dialog::{form_dialog, spinner};
use crate::aws::api::BoxFuture;
use crate::awsfiles::{Profile, ProfileKind};
use crate::console::browser::Browser;
use crate::console::{sign_in, when, ConsoleError, ConsoleRequest};
use crate::renew::code::{Codes, Given, MfaCode, MfaProcess};
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

/// Where the dialog is.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Stage {
    /// Waiting for Enter (and a code, when one is needed).
    Ask,
    /// Signing in (job id, start).
    Running(JobId, DateTime<Utc>),
    /// Signed in: what to tell the person.
    Done(Vec<String>),
}

/// The dialog's state.
#[derive(Clone, Debug)]
pub struct ConsoleDialog {
    /// The profile.
    pub profile: String,
    /// What the console session will be made from, in a few words.
    pub how: String,
    /// Whether a code must be typed (a role session must be renewed with one).
    pub needs_code: bool,
    /// The code typed so far.
    pub code: String,
    /// Why the last submit was refused.
    pub error: Option<String>,
    /// Where it is.
    pub stage: Stage,
}

/// Opens the dialog on `p`, or an error dialog for a kind the console cannot take.
pub fn open(shared: &Shared, p: &Profile) -> Box<dyn Dialog> {
    let how = match p.kind {
        ProfileKind::Role => "the role session (renewed first when it is not fresh)",
        ProfileKind::LongTerm | ProfileKind::Session => {
            "GetFederationToken with the long-term keys (no MFA context)"
        }
        ProfileKind::Sso => "the role credentials of the SSO portal",
        _ => {
            return super::error::dialog(
                "No console for this profile",
                &format!(
                    "'{}' is a {} profile: AWS signs in to the console only roles, IAM users and SSO roles.",
                    p.name,
                    p.kind.label()
                ),
            )
        }
    };
    let needs_code = p.kind == ProfileKind::Role && role_needs_code(shared, &p.name);
    Box::new(ConsoleDialog {
        profile: p.name.to_string(),
        how: how.to_owned(),
        needs_code,
        code: String::new(),
        error: None,
        stage: Stage::Ask,
    })
}

/// Whether signing in as role `name` means renewing it with a code (no fresh session on file,
/// and its renewal needs one).
fn role_needs_code(shared: &Shared, name: &str) -> bool {
    let snapshot = &shared.data.snapshot;
    let opts = crate::renew::plan::RenewOptions::of(shared.ctx, name, shared.now);
    let Ok(renewal) = crate::renew::plan::plan(snapshot, name, &opts) else {
        return false;
    };
    let found = crate::renew::session::sessions(snapshot, name).unwrap_or_default();
    let policy = shared.ctx.settings.freshness();
    let fresh = crate::renew::session::fresh(
        &found,
        &policy,
        crate::freshness::Use::Serve,
        Some(renewal.duration_secs),
        shared.now,
    );
    fresh.is_none() && renewal.needs_code() && super::renew::mfa_process(shared, &renewal).is_none()
}

/// Signs in and opens the browser.
#[derive(Debug)]
pub struct ConsoleJob {
    /// The profile.
    pub profile: String,
    /// The code typed, when one was needed.
    pub code: Option<MfaCode>,
}

impl Job for ConsoleJob {
    fn run(self: Box<Self>, env: JobEnv) -> BoxFuture<'static, Output> {
        Box::pin(async move {
            let ctx = &env.ctx;
            let mut codes = Codes::none()
                .then(Given::code_opt(self.code))
                .then(MfaProcess {
                    timeout: ctx.timeouts.mfa_process,
                    show_stderr: false,
                });
            let request = ConsoleRequest {
                profile: self.profile.clone(),
                ..ConsoleRequest::default()
            };
            let renewer = env.renewer();
            let result = async {
                let browser = if ctx.demo {
                    None
                } else {
                    Some(Browser::for_profile(ctx, &self.profile)?)
                };
                let login = sign_in(&renewer, &request, &mut codes).await?;
                let mut lines = vec![format!("Signed in as {}.", login.identity)];
                lines.extend(login.notes.iter().cloned());
                if let (Some(ends), true) = (login.ends, login.notes.is_empty()) {
                    lines.push(format!(
                        "The console session ends {}.",
                        when(ends, ctx.now())
                    ));
                }
                match browser {
                    Some(browser) => {
                        browser.open(&login.url)?;
                        lines.push(format!(
                            "Opened {} with {}.",
                            login.destination,
                            browser.describe()
                        ));
                    }
                    None => lines.push(
                        "Demo: the sign-in URL is fake, so no browser was opened.".to_owned(),
                    ),
                }
                Ok::<_, ConsoleError>(lines)
            }
            .await
            .map_err(JobError::from);
            Output::ConsoleSignedIn(result)
        })
    }

    fn as_any(&self) -> &dyn std::any::Any {
        self
    }
}

impl Dialog for ConsoleDialog {
    fn key(&mut self, key: KeyEvent, cx: &mut Cx) -> Flow {
        match &self.stage {
            Stage::Running(job, _) => {
                if key.code == KeyCode::Esc {
                    cx.cancel(*job);
                    cx.toast("Console sign-in cancelled.", false);
                    return Flow::Close;
                }
                return Flow::Stay;
            }
            Stage::Done(_) => return Flow::Close,
            Stage::Ask => {}
        }
        match key.code {
            KeyCode::Esc => return Flow::Close,
            KeyCode::Backspace => {
                self.code.pop();
            }
            KeyCode::Char(c) if c.is_ascii_digit() && self.code.len() < 6 => self.code.push(c),
            KeyCode::Enter => {
                let code = if self.needs_code {
                    match MfaCode::parse(&self.code) {
                        Ok(code) => Some(code),
                        Err(e) => {
                            self.error = Some(e.to_string());
                            return Flow::Stay;
                        }
                    }
                } else {
                    None
                };
                let job = cx.spawn(ConsoleJob {
                    profile: self.profile.clone(),
                    code,
                });
                self.stage = Stage::Running(job, cx.shared.now);
                return Flow::Stay;
            }
            _ => {}
        }
        self.error = None;
        Flow::Stay
    }

    fn output(&mut self, job: JobId, output: Output, cx: &mut Cx) -> Flow {
        if !matches!(self.stage, Stage::Running(j, _) if j == job) {
            return Flow::Stay;
        }
        let Output::ConsoleSignedIn(result) = output else {
            output.unexpected("the console dialog");
            return Flow::Stay;
        };
        // A renewal on the way was written: the table shows its new countdown.
        cx.reload();
        match result {
            Ok(lines) => {
                self.stage = Stage::Done(lines);
                Flow::Stay
            }
            Err(e) => super::error::flow(
                &format!("Signing in to the console as {} failed", self.profile),
                &e.to_string(),
            ),
        }
    }

    fn busy(&self) -> bool {
        matches!(self.stage, Stage::Running(..))
    }

    fn render(&self, shared: &Shared, theme: Theme, frame: &mut Frame, area: Rect) {
        let mut lines = vec![Line::from(format!(
            "The console gets {} of '{}'.",
            self.how, self.profile
        ))];
        lines.push(Line::styled(
            "The sign-in URL goes to the browser only: it is never shown or kept.",
            theme.dim(),
        ));
        lines.push(Line::raw(""));
        let keys = match &self.stage {
            Stage::Ask if self.needs_code => {
                lines.push(Line::from(vec![
                    Span::styled("MFA code   ", theme.dim()),
                    Span::styled(format!("[{:_<6}]", self.code), theme.selected()),
                    Span::styled("  to renew the role session", theme.dim()),
                ]));
                "⏎ sign in · Esc cancel"
            }
            Stage::Ask => {
                lines.push(Line::styled("No code needed.", theme.dim()));
                "⏎ sign in · Esc cancel"
            }
            Stage::Running(_, started) => {
                let elapsed = (shared.now - *started).num_milliseconds().max(0);
                lines.push(Line::from(format!(
                    "{} Signing in…  {:.1} s",
                    spinner(elapsed),
                    elapsed as f64 / 1000.0
                )));
                "Esc cancels"
            }
            Stage::Done(done) => {
                lines.extend(done.iter().map(|l| Line::styled(l.clone(), theme.ok())));
                "any key closes"
            }
        };
        form_dialog(
            frame,
            area,
            &format!(" Console as {} ", self.profile),
            90,
            lines,
            self.error.as_deref(),
            keys,
            true,
            theme,
        );
    }

    fn as_any(&self) -> &dyn std::any::Any {
        self
    }
}
