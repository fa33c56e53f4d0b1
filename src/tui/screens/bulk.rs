//! Renewing the marked profiles with one code: the dialog, the live progress view, the
//! combined preview that follows (the result that stays up when a profile failed is
//! [`super::bulk_result`]).

use super::bulk_result::BulkResult;
use super::dialog::{dialog, scroll_key, spinner, Scrolling};
use super::preview::Preview;
use super::running::{sentence, CodeSource};
use crate::aws::api::BoxFuture;
use crate::awsfiles::Snapshot;
use crate::duration;
use crate::renew::bulk::{self, BulkPlan, Outcome};
use crate::renew::code::MfaCode;
use crate::renew::request::{self, prepare, Inject, Prepared, Request};
use crate::tui::component::{Cx, Dialog, Flow, Shared};
use crate::tui::job_error::JobError;
use crate::tui::jobs::{Job, JobEnv, JobId};
use crate::tui::output::{BulkDone, Output};
use crate::tui::theme::Theme;
use chrono::{DateTime, Utc};
use crossterm::event::{KeyCode, KeyEvent};
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::Frame;
use std::collections::HashMap;
use std::sync::Arc;

/// The bulk dialog: what will be renewed, and the one code.
#[derive(Clone, Debug)]
pub struct BulkForm {
    /// The plan.
    pub plan: BulkPlan,
    /// The dialog's title: what is renewed (the marked profiles, a group).
    pub title: String,
    /// The code typed so far.
    pub code: String,
    /// Why the last submit was refused.
    pub error: Option<String>,
    /// First line of the list shown.
    pub scroll: usize,
}

/// A bulk renewal under way: each profile with its outcome once known.
#[derive(Clone, Debug)]
pub struct BulkRunning {
    /// Its id.
    pub job: JobId,
    /// When it started.
    pub started: DateTime<Utc>,
    /// Each profile and its outcome so far.
    pub lines: Vec<(String, Option<Result<String, bulk::BulkError>>)>,
}

/// Opens the dialog for the marked profiles.
pub fn open(cx: &Cx, names: &[String], what: &str) -> Box<dyn Dialog> {
    let shared = &cx.shared;
    let request = Request {
        profiles: names.to_vec(),
        group: true,
        ..Request::default()
    };
    let plan = match prepare(shared.ctx, &shared.data.snapshot, &request) {
        Ok(Prepared::Many(plan)) => *plan,
        Ok(_) => {
            return super::error::dialog(
                "Cannot renew",
                "these profiles cannot be renewed together",
            )
        }
        Err(e) => return super::error::dialog("Cannot renew", &e.to_string()),
    };
    Box::new(BulkForm {
        plan,
        title: format!(" Renew {} ", crate::text::shown(what)),
        code: String::new(),
        error: None,
        scroll: 0,
    })
}

/// Renews several profiles with one code, reporting each outcome as it comes.
#[derive(Debug)]
pub struct BulkJob {
    /// What to do.
    pub bulk: Box<BulkPlan>,
    /// The code.
    pub code: CodeSource,
    /// The files the change is planned on.
    pub snapshot: Arc<Snapshot>,
}

impl Job for BulkJob {
    fn run(self: Box<Self>, env: JobEnv) -> BoxFuture<'static, Output> {
        Box::pin(async move {
            let mut codes = self.code.codes(&env.ctx);
            let progress = |o: &Outcome| env.report(Output::BulkProgress(o.clone()));
            let inject = Inject {
                codes: &mut codes,
                sign_in: None,
                progress: &progress,
            };
            let done = match env
                .renewer()
                .renew(&self.snapshot, Prepared::Many(self.bulk), false, inject)
                .await
            {
                Ok(request::Outcome::Many { outcomes, plan }) => BulkDone {
                    outcomes,
                    plan: plan.map_err(JobError::from),
                },
                Ok(_) => BulkDone {
                    outcomes: Vec::new(),
                    plan: Err(JobError::Unanswered("bulk result")),
                },
                Err(e) => BulkDone {
                    outcomes: Vec::new(),
                    plan: Err(e.into()),
                },
            };
            Output::BulkDone(done)
        })
    }

    fn as_any(&self) -> &dyn std::any::Any {
        self
    }
}

impl Dialog for BulkForm {
    fn key(&mut self, key: KeyEvent, cx: &mut Cx) -> Flow {
        match key.code {
            KeyCode::Esc => return Flow::Close,
            KeyCode::Backspace => {
                self.code.pop();
            }
            KeyCode::Char(c) if c.is_ascii_digit() && self.code.len() < 6 => self.code.push(c),
            KeyCode::Enter => return self.submit(cx),
            _ => {
                let size = cx.shared.size;
                let max = self
                    .scrolling(Theme { colour: false }, dialog_width(size.0))
                    .max_scroll(size);
                if let Some(to) = scroll_key(key, self.scroll, max, false) {
                    self.scroll = to;
                }
            }
        }
        Flow::Stay
    }

    fn paste(&mut self, text: &str) {
        for c in text.chars().filter(char::is_ascii_digit) {
            if self.code.len() < 6 {
                self.code.push(c);
            }
        }
    }

    fn keys(&self) -> Vec<(&'static str, &'static str)> {
        vec![
            ("0-9", "code"),
            ("⏎", "renew all"),
            ("↑ ↓ PgUp PgDn", "scroll"),
            ("Esc", "cancel"),
        ]
    }

    fn render(&self, _shared: &Shared, theme: Theme, frame: &mut Frame, area: Rect) {
        render(self, theme, frame, area)
    }

    fn as_any(&self) -> &dyn std::any::Any {
        self
    }
}

impl BulkForm {
    fn submit(&mut self, cx: &mut Cx) -> Flow {
        let plan = &self.plan;
        if plan.session.is_none() && plan.renewals.is_empty() {
            self.error = Some("Nothing can be renewed: see the reasons above.".into());
            return Flow::Stay;
        }
        let code = match (&plan.session, plan.needs_code()) {
            (_, false) => CodeSource::NotNeeded,
            (Some(session), true) if super::renew::mfa_process(&cx.shared, session).is_some() => {
                CodeSource::Process
            }
            (Some(_), true) => match MfaCode::parse(&self.code) {
                Ok(code) => CodeSource::Typed(code),
                Err(e) => {
                    self.error = Some(e.to_string());
                    return Flow::Stay;
                }
            },
            (None, true) => {
                self.error =
                    Some("These profiles need different MFA codes: renew them one by one.".into());
                return Flow::Stay;
            }
        };
        let lines = plan
            .session
            .iter()
            .chain(&plan.renewals)
            .map(|r| r.profile.clone())
            .chain(plan.skipped.iter().map(|(p, _)| p.clone()))
            .map(|p| (p, None))
            .collect();
        let job = cx.spawn(BulkJob {
            bulk: Box::new(self.plan.clone()),
            code,
            snapshot: cx.shared.data.snapshot.clone(),
        });
        Flow::Replace(Box::new(BulkRunning {
            job,
            started: cx.shared.now,
            lines,
        }))
    }
}

impl Dialog for BulkRunning {
    /// Esc cancels the running bulk renewal; other keys wait.
    fn key(&mut self, key: KeyEvent, cx: &mut Cx) -> Flow {
        if key.code != KeyCode::Esc {
            return Flow::Stay;
        }
        cx.cancel(self.job);
        // A profile's outcome means STS has answered with the code: it is spent.
        let answered = self.lines.iter().filter(|(_, o)| o.is_some()).count();
        let code = if answered > 0 {
            format!(
                " The MFA code was used ({answered} answered): the next renewal needs the next code."
            )
        } else {
            " No answer had come back: the code may or may not have reached STS; if a renewal refuses it, wait for the next one.".to_owned()
        };
        cx.toast(
            format!("Bulk renewal cancelled; nothing written.{code}"),
            false,
        );
        Flow::Close
    }

    fn output(&mut self, job: JobId, output: Output, cx: &mut Cx) -> Flow {
        if job != self.job {
            return Flow::Stay;
        }
        let BulkDone { outcomes, plan } = match output {
            Output::BulkProgress(outcome) => {
                if let Some(line) = self.lines.iter_mut().find(|(p, _)| *p == outcome.profile) {
                    line.1 = Some(outcome.result);
                }
                return Flow::Stay;
            }
            Output::BulkDone(done) => done,
            other => {
                other.unexpected("the bulk renewal");
                return Flow::Stay;
            }
        };
        let lines: Vec<String> = outcomes
            .iter()
            .map(|o| match &o.result {
                Ok(target) => format!("✓ {} → [{target}]", o.profile),
                Err(why) => format!("✗ {}: {}", o.profile, sentence(&why.to_string())),
            })
            .collect();
        match plan {
            Ok(plan) if !plan.changes.is_empty() => {
                let ok = outcomes.iter().filter(|o| o.result.is_ok()).count();
                let what = bulk::profiles_count(ok);
                let mut preview = Preview::new(&what, &what, None, plan, lines);
                preview.cause = root_cause(&outcomes);
                preview.renewed = outcomes
                    .iter()
                    .filter(|o| o.result.is_ok())
                    .map(|o| o.profile.clone())
                    .collect();
                Flow::Replace(Box::new(preview))
            }
            Ok(_) => Flow::Replace(Box::new(BulkResult {
                title: "Nothing renewed".to_owned(),
                cause: root_cause(&outcomes),
                outcomes: lines,
                written: "Nothing was written.".to_owned(),
                scroll: 0,
            })),
            Err(e) => {
                cx.toast("Nothing was written.", true);
                super::error::flow("Cannot renew", &sentence(&e.to_string()))
            }
        }
    }

    fn busy(&self) -> bool {
        true
    }

    fn keys(&self) -> Vec<(&'static str, &'static str)> {
        vec![("Esc", "cancel (nothing is written)")]
    }

    fn render(&self, shared: &Shared, theme: Theme, frame: &mut Frame, area: Rect) {
        render_running(shared, self, theme, frame, area)
    }

    fn as_any(&self) -> &dyn std::any::Any {
        self
    }
}

/// The reason most failures share, first of all: `✗ 1,200 of 1,200 failed: …` (a cause
/// such as an unreachable STS must not hide below the fold of a long list).
pub fn root_cause(outcomes: &[Outcome]) -> Option<String> {
    let mut counts: HashMap<String, usize> = HashMap::new();
    for o in outcomes {
        if let Err(why) = &o.result {
            *counts.entry(why.to_string()).or_default() += 1;
        }
    }
    let (why, n) = counts
        .into_iter()
        .max_by(|a, b| a.1.cmp(&b.1).then(b.0.cmp(&a.0)))?;
    let failed = outcomes.iter().filter(|o| o.result.is_err()).count();
    let of = if n == failed {
        format!("{n} of {}", outcomes.len())
    } else {
        format!("{n} of the {failed} that failed")
    };
    Some(format!("✗ Cause ({of}): {}", sentence(&why)))
}

/// Draws the live progress of a bulk renewal.
fn render_running(
    shared: &Shared,
    running: &BulkRunning,
    theme: Theme,
    frame: &mut Frame,
    area: Rect,
) {
    let elapsed = (shared.now - running.started).num_milliseconds().max(0);
    let mut text = vec![Line::from(format!(
        "{} Renewing {}…  {:.1} s",
        spinner(elapsed),
        bulk::profiles_count(running.lines.len()),
        elapsed as f64 / 1000.0
    ))];
    for (profile, outcome) in running
        .lines
        .iter()
        .take(usize::from(area.height.saturating_sub(6)))
    {
        text.push(match outcome {
            None => Line::styled(format!("  … {profile}"), theme.dim()),
            Some(Ok(target)) => Line::styled(format!("  ✓ {profile} → [{target}]"), theme.ok()),
            Some(Err(why)) => Line::styled(format!("  ✗ {profile}: {why}"), theme.danger()),
        });
    }
    text.push(Line::styled(
        "Esc cancels (nothing is written).",
        theme.dim(),
    ));
    let height = text.len() as u16 + 2;
    dialog(frame, area, " Working ", 100, height, text, false, theme);
}

impl BulkForm {
    /// The form as a scrolling dialog: the profiles scroll, the code and the keys stay.
    fn scrolling(&self, theme: Theme, width: u16) -> Scrolling {
        let plan = &self.plan;
        let mut body = Vec::new();
        let total = plan.renewals.len() + plan.skipped.len();
        if total > 1 {
            body.push((
                format!(
                    "{} to renew{}",
                    bulk::profiles_count(plan.renewals.len()),
                    if plan.skipped.is_empty() {
                        String::new()
                    } else {
                        format!(", {} cannot be (✗ below)", plan.skipped.len())
                    }
                ),
                theme.accent(),
            ));
        }
        if let Some(session) = &plan.session {
            body.push((
                format!(
                    "One MFA session for '{}' → [{}], then:",
                    session.source.profile, session.target
                ),
                Style::new(),
            ));
        }
        for r in &plan.renewals {
            body.push((
                format!(
                    "  {} → [{}] ({})",
                    r.profile,
                    r.target,
                    duration::human(r.duration_secs)
                ),
                Style::new(),
            ));
        }
        for (profile, why) in &plan.skipped {
            body.push((format!("  ✗ {profile}: {why}"), theme.danger()));
        }
        let mut pinned = vec![Line::raw("")];
        if plan.needs_code() {
            let serial = plan.session.as_ref().and_then(|s| s.serial()).unwrap_or("");
            pinned.push(Line::from(vec![
                Span::styled("MFA code   ", theme.dim()),
                Span::styled(format!("[{:_<6}]", self.code), theme.selected()),
                Span::styled(format!("  {}", crate::text::shown(serial)), theme.dim()),
            ]));
        } else {
            pinned.push(Line::styled(
                "No code needed: a fresh MFA session is reused.",
                theme.dim(),
            ));
        }
        if let Some(error) = &self.error {
            pinned.push(Line::styled(
                crate::text::shown(error).into_owned(),
                theme.danger(),
            ));
        }
        pinned.push(Line::styled(
            "⏎ renew all · Esc cancel — one diff, one backup, one write",
            theme.dim(),
        ));
        Scrolling {
            title: self.title.clone(),
            width,
            body,
            pinned,
        }
    }
}

/// The bulk dialogs' width in a terminal `columns` wide.
fn dialog_width(columns: u16) -> u16 {
    columns.saturating_sub(4).min(100)
}

fn render(form: &BulkForm, theme: Theme, frame: &mut Frame, area: Rect) {
    form.scrolling(theme, dialog_width(area.width))
        .render(frame, area, form.scroll, theme);
}
