//! The defaults dialog (`s`): a profile's mode and duration, saved to the settings file.

use super::dialog::form_dialog;
use super::renew::{mode_and_duration, Field, RenewForm};
use crate::settings::ProfileChange;
use crate::tui::app::{App, Command, Overlay};
use crate::tui::theme::Theme;
use crossterm::event::{KeyCode, KeyEvent};
use ratatui::layout::Rect;
use ratatui::text::Line;
use ratatui::Frame;

impl App {
    /// Opens the dialog on the selected profile (nothing if it cannot be renewed).
    pub(in crate::tui) fn open_defaults(&mut self) {
        self.open_form();
        if let Overlay::Renew(mut form) = std::mem::replace(&mut self.overlay, Overlay::None) {
            form.field = Field::Mode;
            self.overlay = Overlay::Defaults(form);
        }
    }

    pub(in crate::tui) fn on_defaults_key(
        &mut self,
        mut form: RenewForm,
        key: KeyEvent,
    ) -> Vec<Command> {
        match key.code {
            KeyCode::Esc => return Vec::new(),
            KeyCode::Tab | KeyCode::Down | KeyCode::Up | KeyCode::BackTab => {
                form.field = if form.field == Field::Mode {
                    Field::Duration
                } else {
                    Field::Mode
                };
            }
            KeyCode::Left => form.cycle(false),
            KeyCode::Right => form.cycle(true),
            KeyCode::Backspace => form.backspace(),
            KeyCode::Char(c) if form.field == Field::Duration => form.type_text(&c.to_string()),
            KeyCode::Enter => match form.duration() {
                Ok(duration) => {
                    return vec![Command::SaveProfile {
                        profile: form.profile.clone(),
                        change: ProfileChange::Defaults {
                            mode: form.current_mode(),
                            duration,
                        },
                    }];
                }
                Err(e) => form.error = Some(e),
            },
            _ => {}
        }
        self.overlay = Overlay::Defaults(form);
        Vec::new()
    }
}

pub(super) fn render(form: &RenewForm, theme: Theme, frame: &mut Frame, area: Rect) {
    let [mode, duration] = mode_and_duration(form, theme, [String::new(), String::new()]);
    let lines = vec![
        mode,
        duration,
        Line::raw(""),
        Line::styled(
            format!(
                "Saved as [profiles.{}] in the settings file; comments there are kept.",
                form.profile
            ),
            theme.dim(),
        ),
    ];
    form_dialog(
        frame,
        area,
        &format!(" Defaults for {} ", form.profile),
        76,
        lines,
        form.error.as_deref(),
        "⏎ save · Tab field · ←→ change · Esc cancel",
        false,
        theme,
    );
}
