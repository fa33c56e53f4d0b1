//! The error dialog: one sentence, closed with Enter, Esc or q; and what a dialog whose job
//! changed the files does when the job ends.

use super::dialog::dialog as boxed;
use crate::tui::component::{Cx, Dialog, Flow, Shared};
use crate::tui::theme::Theme;
use crossterm::event::{KeyCode, KeyEvent};
use ratatui::layout::Rect;
use ratatui::text::Line;
use ratatui::Frame;

/// A failure, shown until dismissed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ErrorDialog {
    /// Short title.
    pub title: String,
    /// The sentence.
    pub message: String,
}

/// The error dialog, boxed.
pub fn dialog(title: &str, message: &str) -> Box<dyn Dialog> {
    Box::new(ErrorDialog {
        title: title.to_owned(),
        message: message.to_owned(),
    })
}

/// Replaces the current dialog with the error dialog.
pub fn flow(title: &str, message: &str) -> Flow {
    Flow::Replace(dialog(title, message))
}

/// A job that changed the files has ended: they are read again; its text becomes a toast and
/// the dialog closes, or its one sentence opens the error dialog titled `failed`.
pub fn finished(cx: &mut Cx, result: Result<String, String>, failed: &str) -> Flow {
    cx.reload();
    match result {
        Ok(text) => {
            cx.toast(text, false);
            Flow::Close
        }
        Err(message) => flow(failed, &message),
    }
}

impl Dialog for ErrorDialog {
    fn key(&mut self, key: KeyEvent, _cx: &mut Cx) -> Flow {
        if matches!(key.code, KeyCode::Enter | KeyCode::Esc | KeyCode::Char('q')) {
            Flow::Close
        } else {
            Flow::Stay
        }
    }

    fn render(&self, _shared: &Shared, theme: Theme, frame: &mut Frame, area: Rect) {
        let text = vec![
            Line::styled(self.message.clone(), theme.danger()),
            Line::raw(""),
            Line::styled("⏎ / Esc close", theme.dim()),
        ];
        let height = 4 + (self.message.chars().count() as u16 / 66);
        boxed(
            frame,
            area,
            &format!(" {} ", self.title),
            70,
            height + 2,
            text,
            true,
            theme,
        );
    }

    fn as_any(&self) -> &dyn std::any::Any {
        self
    }
}
