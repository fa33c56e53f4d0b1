//! The end of a bulk renewal in which a profile failed: it stays up until closed, the cause
//! most failures share first, every outcome below it, scrolling when there are many.

use super::dialog::{scroll_key, Scrolling};
use crate::tui::component::{Cx, Dialog, Flow, Shared};
use crate::tui::theme::Theme;
use crossterm::event::{KeyCode, KeyEvent};
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::Line;
use ratatui::Frame;

/// The end of a bulk renewal in which a profile failed: every outcome, each `✗` with its
/// reason in full, and what was written, until the user closes it — a failure must not pass
/// by in a toast.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BulkResult {
    /// `Renewed 4 profiles; 1 failed`.
    pub title: String,
    /// The reason most failures share (`✗ 1,200 of 1,200 failed: …`), shown first.
    pub cause: Option<String>,
    /// One line per profile: `✓ name → [target]`, `✗ name: why`.
    pub outcomes: Vec<String>,
    /// What was written (and where the backup is), or that nothing was.
    pub written: String,
    /// First line shown.
    pub scroll: usize,
}

impl BulkResult {
    fn scrolling(&self, theme: Theme, width: u16) -> Scrolling {
        let mut body = Vec::new();
        if let Some(cause) = &self.cause {
            body.push((cause.clone(), theme.danger()));
            body.push((String::new(), Style::new()));
        }
        for outcome in &self.outcomes {
            let style = if outcome.starts_with('✗') {
                theme.danger()
            } else {
                theme.ok()
            };
            body.push((outcome.clone(), style));
        }
        body.push((String::new(), Style::new()));
        body.push((self.written.clone(), Style::new()));
        Scrolling {
            title: format!(" {} ", self.title),
            width,
            body,
            pinned: vec![Line::styled("⏎ / Esc close", theme.dim())],
        }
    }
}

/// The dialog's width in a terminal `columns` wide.
fn dialog_width(columns: u16) -> u16 {
    columns.saturating_sub(4).min(100)
}

impl Dialog for BulkResult {
    /// Enter, Esc or q close it; the scroll keys scroll; other keys wait, so a stray key does
    /// not hide a failure.
    fn key(&mut self, key: KeyEvent, cx: &mut Cx) -> Flow {
        if matches!(key.code, KeyCode::Enter | KeyCode::Esc | KeyCode::Char('q')) {
            return Flow::Close;
        }
        let size = cx.shared.size;
        let max = self
            .scrolling(Theme { colour: false }, dialog_width(size.0))
            .max_scroll(size);
        if let Some(to) = scroll_key(key, self.scroll, max, true) {
            self.scroll = to;
        }
        Flow::Stay
    }

    fn keys(&self) -> Vec<(&'static str, &'static str)> {
        vec![("↑ ↓ PgUp PgDn", "scroll"), ("⏎ Esc", "close")]
    }

    fn render(&self, _shared: &Shared, theme: Theme, frame: &mut Frame, area: Rect) {
        self.scrolling(theme, dialog_width(area.width))
            .render(frame, area, self.scroll, theme);
    }

    fn as_any(&self) -> &dyn std::any::Any {
        self
    }
}
