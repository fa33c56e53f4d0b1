//! The end of a bulk renewal in which a profile failed: it stays up until closed.

use super::dialog::{dialog, wrap};
use crate::tui::component::{Cx, Dialog, Flow, Shared};
use crate::tui::theme::Theme;
use crossterm::event::{KeyCode, KeyEvent};
use ratatui::layout::Rect;
use ratatui::text::Line;
use ratatui::widgets::Paragraph;
use ratatui::Frame;

/// The end of a bulk renewal in which a profile failed: every outcome, each `✗` with its
/// reason in full, and what was written, until the user closes it — a failure must not pass
/// by in a toast.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BulkResult {
    /// `Renewed 4 profiles; 1 failed`.
    pub title: String,
    /// One line per profile: `✓ name → [target]`, `✗ name: why`.
    pub outcomes: Vec<String>,
    /// What was written (and where the backup is), or that nothing was.
    pub written: String,
}

impl Dialog for BulkResult {
    /// Enter, Esc or q close it; other keys wait, so a stray key does not hide a failure.
    fn key(&mut self, key: KeyEvent, _cx: &mut Cx) -> Flow {
        if matches!(key.code, KeyCode::Enter | KeyCode::Esc | KeyCode::Char('q')) {
            Flow::Close
        } else {
            Flow::Stay
        }
    }

    fn render(&self, _shared: &Shared, theme: Theme, frame: &mut Frame, area: Rect) {
        let width = area.width.saturating_sub(4).min(100);
        let inner = usize::from(width.saturating_sub(2)).max(20);
        let mut text = Vec::new();
        for outcome in &self.outcomes {
            let style = if outcome.starts_with('✗') {
                theme.danger()
            } else {
                theme.ok()
            };
            for piece in wrap(outcome, inner) {
                text.push(Line::styled(piece, style));
            }
        }
        text.push(Line::raw(""));
        text.extend(wrap(&self.written, inner).into_iter().map(Line::from));
        text.push(Line::styled("⏎ / Esc close", theme.dim()));
        let height = text.len() as u16 + 2;
        dialog(
            frame,
            area,
            &format!(" {} ", self.title),
            width,
            height,
            Paragraph::new(text),
            theme,
        );
    }

    fn as_any(&self) -> &dyn std::any::Any {
        self
    }
}
