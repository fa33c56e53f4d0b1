//! A renewal under way: spinner and elapsed time, Esc cancels; its result opens the preview.

use super::dialog::{dialog, spinner};
use super::preview::Preview;
use crate::aws::Credentials;
use crate::renew::execute::plan_write;
use crate::renew::Renewal;
use crate::tui::app::{App, Command, Overlay};
use crate::tui::theme::Theme;
use chrono::{DateTime, Utc};
use crossterm::event::{KeyCode, KeyEvent};
use ratatui::layout::Rect;
use ratatui::text::Line;
use ratatui::widgets::Paragraph;
use ratatui::Frame;

/// A renewal job in flight.
#[derive(Clone, Debug)]
pub struct Running {
    /// Its id.
    pub job: u64,
    /// The profile.
    pub profile: String,
    /// When it started.
    pub started: DateTime<Utc>,
    /// What it does.
    pub renewal: Box<Renewal>,
}

impl App {
    /// Esc cancels (the job's answer will be dropped); other keys wait.
    pub(in crate::tui) fn on_running_key(
        &mut self,
        running: Running,
        key: KeyEvent,
    ) -> Vec<Command> {
        if key.code == KeyCode::Esc {
            self.toast(
                format!("Renewal of {} cancelled; nothing written.", running.profile),
                false,
            );
        } else {
            self.overlay = Overlay::Running(running);
        }
        Vec::new()
    }

    pub(in crate::tui) fn on_renewed(
        &mut self,
        job: u64,
        result: Result<Credentials, String>,
    ) -> Vec<Command> {
        let Overlay::Running(running) = &self.overlay else {
            return Vec::new();
        };
        if running.job != job {
            return Vec::new();
        }
        let (profile, renewal) = (running.profile.clone(), running.renewal.clone());
        let creds = match result {
            Ok(c) => c,
            Err(message) => {
                self.overlay = Overlay::Error {
                    title: format!("Renewing {profile} failed"),
                    message: format!("{message} Nothing was written."),
                };
                return Vec::new();
            }
        };
        match plan_write(&self.data.files, &renewal, &creds) {
            Ok(plan) => {
                self.overlay = Overlay::Preview(Box::new(Preview {
                    profile,
                    target: renewal.target.clone(),
                    expires: creds.expiration,
                    diff: plan.diff().lines().map(str::to_owned).collect(),
                    plan,
                    scroll: 0,
                    writing: None,
                    note: None,
                    outcomes: Vec::new(),
                }))
            }
            Err(e) => {
                self.overlay = Overlay::Error {
                    title: "Cannot write".into(),
                    message: e.to_string(),
                }
            }
        }
        Vec::new()
    }
}

/// Draws the spinner dialog.
pub(super) fn render(app: &App, running: &Running, theme: Theme, frame: &mut Frame, area: Rect) {
    let elapsed = (app.now - running.started).num_milliseconds().max(0);
    let text = vec![
        Line::from(format!(
            "{} Renewing {}…  {:.1} s",
            spinner(elapsed),
            running.profile,
            elapsed as f64 / 1000.0
        )),
        Line::styled("Esc cancels (nothing is written).", theme.dim()),
    ];
    dialog(frame, area, " Working ", 50, 4, Paragraph::new(text), theme);
}
