//! The key-rotation dialog (`K`): what will happen to the selected profile's access key, the
//! MFA code when the IAM calls need a fresh session, then the rotation running in the
//! background. The write has no separate preview: the dialog says what changes, and the
//! writer makes its backup as always.

use super::dialog::{form_dialog, spinner};
use crate::awsfiles::mfa_secure::SecureSessions;
use crate::awsfiles::profile::key_suffix;
use crate::keys::key_place;
use crate::renew::current;
use crate::renew::{MfaCode, RenewOptions};
use crate::tui::app::{App, Command, Overlay};
use crate::tui::theme::Theme;
use chrono::{DateTime, Utc};
use crossterm::event::{KeyCode, KeyEvent};
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::Frame;

/// The dialog's state.
#[derive(Clone, Debug)]
pub struct RotateForm {
    /// The profile named.
    pub profile: String,
    /// Where its keys are, for the text (`[dev] in the credentials file`).
    pub place: String,
    /// The current key, masked.
    pub old_key: String,
    /// Whether a code must be typed (an MFA device and no fresh MFA session).
    pub needs_code: bool,
    /// The code typed so far.
    pub code: String,
    /// Deactivate instead of delete.
    pub keep_old: bool,
    /// Why the last submit was refused.
    pub error: Option<String>,
    /// A rotation under way (job id, start).
    pub running: Option<(u64, DateTime<Utc>)>,
}

impl App {
    /// Opens the dialog on the selected profile, or says why its key cannot be rotated.
    pub(in crate::tui) fn open_rotate(&mut self) {
        let Some(p) = self.selected_profile().cloned() else {
            return;
        };
        let target = [Some(p.name.as_str()), p.long_term_profile.as_deref()]
            .into_iter()
            .flatten()
            .find_map(|n| key_place(&self.data.map, n));
        let Some(place) = target else {
            self.overlay = Overlay::Error {
                title: "Cannot rotate".into(),
                message: format!("'{}' holds no long-term access key to rotate.", p.name),
            };
            return;
        };
        let opts = RenewOptions::for_profile(&self.settings, &p.name, self.now);
        let fresh_session = current::sessions(
            &self.data.map,
            &self.data.profiles,
            &SecureSessions::default(),
            &p.name,
            &opts,
        )
        .ok()
        .is_some_and(|found| current::fresh(&found, self.now, 300).is_some());
        self.overlay = Overlay::Rotate(Box::new(RotateForm {
            profile: p.name.to_string(),
            place: format!("[{}] in the {} file", place.section, place.file.label()),
            old_key: key_suffix(&place.credentials.access_key_id).to_string(),
            needs_code: p.mfa.is_some() && !fresh_session,
            code: String::new(),
            keep_old: false,
            error: None,
            running: None,
        }));
    }

    /// Digits, Tab (delete / deactivate the old key), Enter, Esc.
    pub(in crate::tui) fn on_rotate_key(
        &mut self,
        mut form: RotateForm,
        key: KeyEvent,
    ) -> Vec<Command> {
        if form.running.is_some() {
            self.overlay = Overlay::Rotate(Box::new(form));
            return Vec::new();
        }
        match key.code {
            KeyCode::Esc => return Vec::new(),
            KeyCode::Tab => form.keep_old = !form.keep_old,
            KeyCode::Backspace => {
                form.code.pop();
            }
            KeyCode::Char(c) if c.is_ascii_digit() && form.code.len() < 6 => form.code.push(c),
            KeyCode::Enter => {
                let code = if form.needs_code {
                    match MfaCode::parse(&form.code) {
                        Ok(_) => Some(form.code.clone()),
                        Err(e) => {
                            form.error = Some(e);
                            self.overlay = Overlay::Rotate(Box::new(form));
                            return Vec::new();
                        }
                    }
                } else {
                    None
                };
                let job = self.job();
                form.running = Some((job, self.now));
                let command = Command::Rotate {
                    job,
                    profile: form.profile.clone(),
                    keep_old: form.keep_old,
                    code,
                };
                self.overlay = Overlay::Rotate(Box::new(form));
                return vec![command];
            }
            _ => {}
        }
        form.error = None;
        self.overlay = Overlay::Rotate(Box::new(form));
        Vec::new()
    }

    /// The rotation job finished.
    pub(in crate::tui) fn on_rotated(
        &mut self,
        job: u64,
        result: Result<String, String>,
    ) -> Vec<Command> {
        let Overlay::Rotate(form) = &self.overlay else {
            return Vec::new();
        };
        if form.running.map(|(j, _)| j) != Some(job) {
            return Vec::new();
        }
        let profile = form.profile.clone();
        match result {
            Ok(text) => {
                self.overlay = Overlay::None;
                self.toast(text, false);
            }
            Err(message) => {
                self.overlay = Overlay::Error {
                    title: format!("Rotating the key of {profile} failed"),
                    message,
                }
            }
        }
        vec![Command::Reload]
    }
}

/// Draws the dialog.
pub(super) fn render(app: &App, form: &RotateForm, theme: Theme, frame: &mut Frame, area: Rect) {
    let retire = if form.keep_old {
        "deactivate"
    } else {
        "delete"
    };
    let mut lines = vec![
        Line::from(format!("Current key {} in {}.", form.old_key, form.place)),
        Line::from("1. create a new access key for the profile's IAM user"),
        Line::from("2. write it in place of the current one (backup first)"),
        Line::from("3. check that it works (GetCallerIdentity, retried while IAM catches up)"),
        Line::from(format!(
            "4. {retire} the old key {} (Tab: delete / deactivate)",
            form.old_key
        )),
        Line::styled(
            "A failure at any step leaves the current key in the file and in IAM.",
            theme.dim(),
        ),
        Line::raw(""),
    ];
    if let Some((_, started)) = form.running {
        let elapsed = (app.now - started).num_milliseconds().max(0);
        lines.push(Line::from(format!(
            "{} Rotating…  {:.1} s",
            spinner(elapsed),
            elapsed as f64 / 1000.0
        )));
    } else if form.needs_code {
        lines.push(Line::from(vec![
            Span::styled("MFA code   ", theme.dim()),
            Span::styled(format!("[{:_<6}]", form.code), theme.selected()),
            Span::styled("  for the IAM calls", theme.dim()),
        ]));
    } else {
        lines.push(Line::styled(
            "No code needed: a fresh MFA session is used, or the profile has no MFA device.",
            theme.dim(),
        ));
    }
    form_dialog(
        frame,
        area,
        &format!(" Rotate the access key of {} ", form.profile),
        84,
        lines,
        form.error.as_deref(),
        "⏎ rotate · Tab delete/deactivate · Esc cancel",
        true,
        theme,
    );
}
