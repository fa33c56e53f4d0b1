//! The error dialog: one sentence, closed with Enter, Esc or q.

use super::dialog::dialog;
use crate::tui::app::{App, Command, Overlay};
use crate::tui::theme::Theme;
use crossterm::event::{KeyCode, KeyEvent};
use ratatui::layout::Rect;
use ratatui::text::Line;
use ratatui::widgets::{Paragraph, Wrap};
use ratatui::Frame;

impl App {
    /// Enter, Esc or q close the dialog; other keys leave it up.
    pub(in crate::tui) fn on_error_key(
        &mut self,
        title: String,
        message: String,
        key: KeyEvent,
    ) -> Vec<Command> {
        if !matches!(key.code, KeyCode::Enter | KeyCode::Esc | KeyCode::Char('q')) {
            self.overlay = Overlay::Error { title, message };
        }
        Vec::new()
    }
}

/// Draws the dialog.
pub(super) fn render(title: &str, message: &str, theme: Theme, frame: &mut Frame, area: Rect) {
    let text = vec![
        Line::styled(message.to_owned(), theme.danger()),
        Line::raw(""),
        Line::styled("⏎ / Esc close", theme.dim()),
    ];
    let height = 4 + (message.len() as u16 / 60);
    dialog(
        frame,
        area,
        &format!(" {title} "),
        70,
        height + 2,
        Paragraph::new(text).wrap(Wrap { trim: true }),
        theme,
    );
}
