//! Renewing the marked profiles with one code: the dialog, the live progress view, and the
//! combined preview that follows.

use super::dialog::{dialog, form_dialog, spinner};
use super::preview::Preview;
use crate::awsfiles::Plan;
use crate::duration;
use crate::renew::bulk::{self, BulkPlan, Outcome};
use crate::renew::MfaCode;
use crate::tui::app::{App, CodeSource, Command, Overlay};
use crate::tui::theme::Theme;
use chrono::{DateTime, Utc};
use crossterm::event::{KeyCode, KeyEvent};
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;
use ratatui::Frame;

/// The bulk dialog: what will be renewed, and the one code.
#[derive(Clone, Debug)]
pub struct BulkForm {
    /// The plan.
    pub plan: BulkPlan,
    /// The code typed so far.
    pub code: String,
    /// Why the last submit was refused.
    pub error: Option<String>,
}

/// A bulk renewal under way: each profile with its outcome once known.
#[derive(Clone, Debug)]
pub struct BulkRunning {
    /// Its id.
    pub job: u64,
    /// When it started.
    pub started: DateTime<Utc>,
    /// Each profile and its outcome so far.
    pub lines: Vec<(String, Option<Result<String, String>>)>,
}

impl App {
    /// Opens the dialog for the marked profiles.
    pub(in crate::tui) fn open_bulk(&mut self) {
        let names: Vec<String> = self.marked.iter().cloned().collect();
        let plan = bulk::plan_bulk(
            &self.data.map,
            &self.data.profiles,
            &names,
            &self.settings,
            self.now,
        );
        self.overlay = Overlay::Bulk(Box::new(BulkForm {
            plan,
            code: String::new(),
            error: None,
        }));
    }

    /// Esc cancels the running bulk renewal; other keys wait.
    pub(in crate::tui) fn on_bulk_running_key(
        &mut self,
        running: BulkRunning,
        key: KeyEvent,
    ) -> Vec<Command> {
        if key.code == KeyCode::Esc {
            self.toast("Bulk renewal cancelled; nothing written.".into(), false);
        } else {
            self.overlay = Overlay::BulkRunning(running);
        }
        Vec::new()
    }

    /// One profile of the running bulk renewal finished.
    pub(in crate::tui) fn on_bulk_progress(&mut self, job: u64, outcome: Outcome) {
        if let Overlay::BulkRunning(running) = &mut self.overlay {
            if running.job != job {
                return;
            }
            if let Some(line) = running
                .lines
                .iter_mut()
                .find(|(p, _)| *p == outcome.profile)
            {
                line.1 = Some(outcome.result);
            }
        }
    }

    pub(in crate::tui) fn on_bulk_key(
        &mut self,
        mut form: BulkForm,
        key: KeyEvent,
    ) -> Vec<Command> {
        match key.code {
            KeyCode::Esc => return Vec::new(),
            KeyCode::Backspace => {
                form.code.pop();
            }
            KeyCode::Char(c) if c.is_ascii_digit() && form.code.len() < 6 => form.code.push(c),
            KeyCode::Enter => return self.submit_bulk(form),
            _ => {}
        }
        self.overlay = Overlay::Bulk(Box::new(form));
        Vec::new()
    }

    pub(in crate::tui) fn submit_bulk(&mut self, mut form: BulkForm) -> Vec<Command> {
        let plan = &form.plan;
        if plan.session.is_none() && plan.renewals.is_empty() {
            form.error = Some("Nothing can be renewed: see the reasons above.".into());
            self.overlay = Overlay::Bulk(Box::new(form));
            return Vec::new();
        }
        let code = match (&plan.session, plan.needs_code()) {
            (_, false) => CodeSource::NotNeeded,
            (Some(session), true) => match self.mfa_process(session) {
                Some(cmd) => CodeSource::Process(cmd),
                None => match MfaCode::parse(&form.code) {
                    Ok(code) => CodeSource::Typed(code),
                    Err(e) => {
                        form.error = Some(e);
                        self.overlay = Overlay::Bulk(Box::new(form));
                        return Vec::new();
                    }
                },
            },
            (None, true) => {
                form.error =
                    Some("These profiles need different MFA codes: renew them one by one.".into());
                self.overlay = Overlay::Bulk(Box::new(form));
                return Vec::new();
            }
        };
        let job = self.job();
        let lines = plan
            .session
            .iter()
            .chain(&plan.renewals)
            .map(|r| r.profile.clone())
            .chain(plan.skipped.iter().map(|(p, _)| p.clone()))
            .map(|p| (p, None))
            .collect();
        self.overlay = Overlay::BulkRunning(BulkRunning {
            job,
            started: self.now,
            lines,
        });
        vec![Command::RenewMany {
            job,
            bulk: Box::new(form.plan),
            code,
            files: Box::new(self.data.files.clone()),
        }]
    }

    pub(in crate::tui) fn on_renewed_many(
        &mut self,
        job: u64,
        outcomes: Vec<Outcome>,
        plan: Result<Plan, String>,
    ) -> Vec<Command> {
        let Overlay::BulkRunning(running) = &self.overlay else {
            return Vec::new();
        };
        if running.job != job {
            return Vec::new();
        }
        let lines: Vec<String> = outcomes
            .iter()
            .map(|o| match &o.result {
                Ok(target) => format!("✓ {} → [{target}]", o.profile),
                Err(why) => format!("✗ {}: {why}", o.profile),
            })
            .collect();
        match plan {
            Ok(plan) if !plan.changes.is_empty() => {
                self.marked.clear();
                let ok = outcomes.iter().filter(|o| o.result.is_ok()).count();
                self.overlay = Overlay::Preview(Box::new(Preview {
                    profile: format!("{ok} profiles"),
                    target: format!("{ok} targets"),
                    expires: None,
                    diff: plan.diff().lines().map(str::to_owned).collect(),
                    plan,
                    scroll: 0,
                    writing: None,
                    note: None,
                    outcomes: lines,
                }));
            }
            Ok(_) => {
                self.overlay = Overlay::Error {
                    title: "Nothing renewed".into(),
                    message: lines.join(" "),
                }
            }
            Err(e) => {
                self.overlay = Overlay::Error {
                    title: "Cannot write".into(),
                    message: e,
                }
            }
        }
        Vec::new()
    }
}

/// Draws the live progress of a bulk renewal.
pub(super) fn render_running(
    app: &App,
    running: &BulkRunning,
    theme: Theme,
    frame: &mut Frame,
    area: Rect,
) {
    let elapsed = (app.now - running.started).num_milliseconds().max(0);
    let mut text = vec![Line::from(format!(
        "{} Renewing {} profiles…  {:.1} s",
        spinner(elapsed),
        running.lines.len(),
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
    dialog(
        frame,
        area,
        " Working ",
        100,
        height,
        Paragraph::new(text),
        theme,
    );
}

pub(super) fn render(form: &BulkForm, theme: Theme, frame: &mut Frame, area: Rect) {
    let plan = &form.plan;
    let mut lines = Vec::new();
    if let Some(session) = &plan.session {
        lines.push(Line::from(format!(
            "One MFA session for '{}' → [{}], then:",
            session.source.profile, session.target
        )));
    }
    for r in &plan.renewals {
        lines.push(Line::from(format!(
            "  {} → [{}] ({})",
            r.profile,
            r.target,
            duration::human(r.duration_secs)
        )));
    }
    for (profile, why) in &plan.skipped {
        lines.push(Line::styled(
            format!("  ✗ {profile}: {why}"),
            theme.danger(),
        ));
    }
    lines.push(Line::raw(""));
    if plan.needs_code() {
        let serial = plan.session.as_ref().and_then(|s| s.serial()).unwrap_or("");
        lines.push(Line::from(vec![
            Span::styled("MFA code   ", theme.dim()),
            Span::styled(format!("[{:_<6}]", form.code), theme.selected()),
            Span::styled(format!("  {serial}"), theme.dim()),
        ]));
    } else {
        lines.push(Line::styled(
            "No code needed: a fresh MFA session is reused.",
            theme.dim(),
        ));
    }
    let keys = "⏎ renew all · Esc cancel — one diff, one backup, one write";
    form_dialog(
        frame,
        area,
        " Renew marked profiles ",
        100,
        lines,
        form.error.as_deref(),
        keys,
        true,
        theme,
    );
}
