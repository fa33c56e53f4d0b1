//! The defaults dialog (`s`): a profile's mode and duration, saved to the settings file.

use super::dialog::{form_dialog, home_short, wrap};
use super::renew::{mode_and_duration, Field, RenewForm};
use crate::awsfiles::Profile;
use crate::settings::ProfileChange;
use crate::tui::component::{Cx, Dialog, Flow, Shared};
use crate::tui::theme::Theme;
use crossterm::event::{KeyCode, KeyEvent};
use ratatui::layout::Rect;
use ratatui::text::Line;
use ratatui::Frame;

/// The dialog: the renew form's mode and duration, nothing else.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Defaults(pub RenewForm);

/// Opens the dialog on `profile` (an error dialog when it cannot be renewed).
pub fn open(shared: &Shared, profile: &Profile) -> Box<dyn Dialog> {
    match super::renew::form(shared, &profile.name) {
        Ok(mut form) => {
            form.field = Field::Mode;
            Box::new(Defaults(form))
        }
        Err(why) => super::error::dialog("No defaults to save", &why.to_string()),
    }
}

impl Dialog for Defaults {
    fn key(&mut self, key: KeyEvent, cx: &mut Cx) -> Flow {
        let form = &mut self.0;
        match key.code {
            KeyCode::Esc => return Flow::Close,
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
                    cx.save(
                        &form.profile,
                        ProfileChange::Defaults {
                            mode: form.current_mode(),
                            duration,
                        },
                    );
                    return Flow::Close;
                }
                Err(e) => form.error = Some(e.to_string()),
            },
            _ => {}
        }
        Flow::Stay
    }

    fn render(&self, shared: &Shared, theme: Theme, frame: &mut Frame, area: Rect) {
        render(shared, &self.0, theme, frame, area)
    }

    fn as_any(&self) -> &dyn std::any::Any {
        self
    }
}

fn render(shared: &Shared, form: &RenewForm, theme: Theme, frame: &mut Frame, area: Rect) {
    const WIDTH: u16 = 76;
    let [mode, duration] = mode_and_duration(form, theme, [String::new(), String::new()]);
    let mut lines = vec![mode, duration, Line::raw("")];
    let saved = format!(
        "Saved as [profiles.{}] in {}; comments there are kept.",
        form.profile,
        home_short(shared, &shared.ctx.settings_path)
    );
    // Wrapped here, so that the dialog is as tall as its text: a long path is not cut off.
    lines.extend(
        wrap(&saved, usize::from(WIDTH - 2))
            .into_iter()
            .map(|piece| Line::styled(piece, theme.dim())),
    );
    form_dialog(
        frame,
        area,
        &format!(" Defaults for {} ", form.profile),
        WIDTH,
        lines,
        form.error.as_deref(),
        "⏎ save · Tab field · ←→ change · Esc cancel",
        false,
        theme,
    );
}
