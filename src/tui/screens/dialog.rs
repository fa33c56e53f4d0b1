//! Helpers every dialog shares: centring, a bordered box, a form's tail, the spinner; the
//! progress a long job reports and what its dialog does when the job ends.

use crate::tui::component::{Cx, Flow};
use crate::tui::jobs::Output;
use crate::tui::theme::Theme;
use ratatui::layout::{Constraint, Flex, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph, Wrap};
use ratatui::Frame;

/// The step a long job is on (shown under its dialog's spinner), reported before its result.
pub struct Step(pub String);

/// A job's `output`: a [`Step`] updates `step` (and is used up); anything else is handed back.
pub(super) fn progress(output: Output, step: &mut String) -> Option<Output> {
    match output.take::<Step>() {
        Ok(Step(text)) => {
            *step = text;
            None
        }
        Err(output) => Some(output),
    }
}

/// A job that changed the files has ended: they are read again; its text becomes a toast and
/// the dialog closes, or its one sentence opens the error dialog titled `failed`.
pub(super) fn finished(cx: &mut Cx, result: Result<String, String>, failed: &str) -> Flow {
    cx.reload();
    match result {
        Ok(text) => {
            cx.toast(text, false);
            Flow::Close
        }
        Err(message) => super::error::flow(failed, &message),
    }
}

/// Spinner frames, one per 100 ms.
pub(super) const SPINNER: [&str; 8] = ["⠋", "⠙", "⠹", "⠸", "⠼", "⠴", "⠦", "⠧"];

/// The spinner frame for `elapsed_ms`.
pub(super) fn spinner(elapsed_ms: i64) -> &'static str {
    SPINNER[(elapsed_ms / 100) as usize % SPINNER.len()]
}

/// A `width`×`height` rectangle centred in `area` (clamped to it).
pub(super) fn centered(area: Rect, width: u16, height: u16) -> Rect {
    let [v] = Layout::vertical([Constraint::Length(height.min(area.height))])
        .flex(Flex::Center)
        .areas(area);
    let [h] = Layout::horizontal([Constraint::Length(width.min(area.width))])
        .flex(Flex::Center)
        .areas(v);
    h
}

/// A bordered, titled box holding `body`, centred over `area`.
pub(super) fn dialog(
    frame: &mut Frame,
    area: Rect,
    title: &str,
    width: u16,
    height: u16,
    body: Paragraph,
    theme: Theme,
) {
    let rect = centered(area, width, height);
    frame.render_widget(Clear, rect);
    let block = Block::default()
        .borders(Borders::ALL)
        .title(Span::styled(title.to_owned(), theme.accent()));
    frame.render_widget(body.block(block), rect);
}

/// A form dialog: its lines, then the last error (if any) and the key hints.
#[allow(clippy::too_many_arguments)]
pub(super) fn form_dialog(
    frame: &mut Frame,
    area: Rect,
    title: &str,
    width: u16,
    mut lines: Vec<Line<'static>>,
    error: Option<&str>,
    keys: &str,
    wrap: bool,
    theme: Theme,
) {
    if let Some(error) = error {
        lines.push(Line::styled(error.to_owned(), theme.danger()));
    }
    lines.push(Line::styled(keys.to_owned(), theme.dim()));
    let height = lines.len() as u16 + 2;
    let body = if wrap {
        Paragraph::new(lines).wrap(Wrap { trim: false })
    } else {
        Paragraph::new(lines)
    };
    dialog(frame, area, title, width, height, body, theme);
}
