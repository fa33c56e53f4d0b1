//! SSO login from the TUI (⏎ on an SSO profile): the page and code to confirm in a browser
//! (one is opened where there is one), a spinner while the background job polls, Esc cancels.
//! The token lands in the AWS CLI's SSO cache, so every profile of the session counts down.

use super::dialog::{form_dialog, spinner};
use crate::aws::sso::{self, Prompt};
use crate::tui::app::{App, Command, Overlay};
use crate::tui::theme::Theme;
use chrono::{DateTime, Utc};
use crossterm::event::{KeyCode, KeyEvent};
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::Frame;

/// A login under way.
#[derive(Clone, Debug)]
pub struct SsoLogin {
    /// The job's id.
    pub job: u64,
    /// The profile it started from.
    pub profile: String,
    /// Where it signs in.
    pub start_url: String,
    /// The page and code, once the service gave them.
    pub prompt: Option<Prompt>,
    /// When it started.
    pub started: DateTime<Utc>,
}

impl App {
    /// Starts signing in for the selected SSO profile.
    pub(in crate::tui) fn start_sso_login(&mut self) -> Vec<Command> {
        let Some(name) = self.selected_profile().map(|p| p.name.to_string()) else {
            return Vec::new();
        };
        let target = match sso::target(&self.data.map, &name) {
            Ok(t) => t,
            Err(message) => {
                self.overlay = Overlay::Error {
                    title: "Cannot sign in".into(),
                    message,
                };
                return Vec::new();
            }
        };
        let job = self.job();
        self.overlay = Overlay::SsoLogin(Box::new(SsoLogin {
            job,
            profile: name,
            start_url: target.start_url.clone(),
            prompt: None,
            started: self.now,
        }));
        vec![Command::SsoLogin {
            job,
            target: Box::new(target),
        }]
    }

    /// Esc cancels the login (the job stops polling); other keys wait.
    pub(in crate::tui) fn on_sso_key(&mut self, login: SsoLogin, key: KeyEvent) -> Vec<Command> {
        if key.code == KeyCode::Esc {
            self.toast("SSO login cancelled; nothing written.".into(), false);
            return vec![Command::Cancel { job: login.job }];
        }
        self.overlay = Overlay::SsoLogin(Box::new(login));
        Vec::new()
    }

    /// The service gave the page and code.
    pub(in crate::tui) fn on_sso_prompt(&mut self, job: u64, prompt: Prompt) {
        if let Overlay::SsoLogin(login) = &mut self.overlay {
            if login.job == job {
                login.prompt = Some(prompt);
            }
        }
    }

    /// The login finished: the toast's text, or why not.
    pub(in crate::tui) fn on_sso_done(
        &mut self,
        job: u64,
        result: Result<String, String>,
    ) -> Vec<Command> {
        let Overlay::SsoLogin(login) = &self.overlay else {
            return Vec::new();
        };
        if login.job != job {
            return Vec::new();
        }
        let profile = login.profile.clone();
        match result {
            Ok(text) => {
                self.overlay = Overlay::None;
                self.toast(text, false);
                vec![Command::Reload]
            }
            Err(message) => {
                self.overlay = Overlay::Error {
                    title: format!("Signing in for {profile} failed"),
                    message,
                };
                Vec::new()
            }
        }
    }
}

/// Draws the dialog.
pub(super) fn render(app: &App, login: &SsoLogin, theme: Theme, frame: &mut Frame, area: Rect) {
    let elapsed = (app.now - login.started).num_milliseconds().max(0);
    let mut lines = vec![Line::from(format!("Signing in to {}", login.start_url))];
    match &login.prompt {
        None => lines.push(Line::from(format!(
            "{} Asking for a sign-in code…",
            spinner(elapsed)
        ))),
        Some(prompt) => {
            lines.push(Line::raw(""));
            lines.push(Line::from(
                "Open this page (a browser was opened where there is one):",
            ));
            lines.push(Line::styled(prompt.url.clone(), theme.accent()));
            lines.push(Line::from(vec![
                Span::raw("and confirm the code  "),
                Span::styled(prompt.user_code.clone(), theme.selected()),
            ]));
            lines.push(Line::raw(""));
            lines.push(Line::from(format!(
                "{} Waiting for the confirmation…  {} s",
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
