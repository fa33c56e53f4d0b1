//! Drawing helpers every dialog shares: centring, a bordered box, a form's tail, the spinner.

use crate::tui::theme::Theme;
use ratatui::layout::{Constraint, Flex, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph, Wrap};
use ratatui::Frame;

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
