//! Helpers every dialog shares: centring, a bordered box, a form's tail, the spinner, word
//! wrapping, short paths; the progress a long job reports.

use crate::tui::component::Shared;
use crate::tui::output::Output;
use crate::tui::theme::Theme;
use ratatui::layout::{Constraint, Flex, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph, Wrap};
use ratatui::Frame;

/// A job's `output`: a step (`Output::Step`) updates `step` (and is used up); anything else is
/// handed back.
pub(super) fn progress(output: Output, step: &mut String) -> Option<Output> {
    match output {
        Output::Step(text) => {
            *step = text;
            None
        }
        other => Some(other),
    }
}

/// `path` with the home folder written `~`, so that it fits in a toast or a dialog.
pub(super) fn home_short(shared: &Shared, path: &std::path::Path) -> String {
    match shared.ctx.env.get("HOME").map(std::path::Path::new) {
        Some(home) if path.starts_with(home) && home != std::path::Path::new("/") => {
            format!("~/{}", path.strip_prefix(home).unwrap_or(path).display())
        }
        _ => path.display().to_string(),
    }
}

/// Splits `text` at spaces into pieces of at most `width` characters (a longer word stands
/// alone on its line).
pub(super) fn wrap(text: &str, width: usize) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let mut line = String::new();
    for word in text.split(' ') {
        if !line.is_empty() && line.chars().count() + 1 + word.chars().count() > width {
            out.push(std::mem::take(&mut line));
        }
        if !line.is_empty() {
            line.push(' ');
        }
        line.push_str(word);
    }
    out.push(line);
    out
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
