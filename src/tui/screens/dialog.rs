//! Helpers every dialog shares: centring, a bordered box, a form's tail, the spinner, word
//! wrapping, short paths; the progress a long job reports.

use crate::tui::component::Shared;
use crate::tui::output::Output;
use crate::tui::safe_text::clean;
use crate::tui::theme::Theme;
use ratatui::layout::{Constraint, Flex, Layout, Rect};
use ratatui::style::Style;
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

/// A bordered, titled box holding `lines` (wrapped at words when `wrap`), centred over
/// `area`; the text is cleaned ([`clean`]).
#[allow(clippy::too_many_arguments)]
pub(super) fn dialog(
    frame: &mut Frame,
    area: Rect,
    title: &str,
    width: u16,
    height: u16,
    lines: Vec<Line<'static>>,
    wrap: bool,
    theme: Theme,
) {
    let rect = centered(area, width, height);
    frame.render_widget(Clear, rect);
    let block = Block::default().borders(Borders::ALL).title(Span::styled(
        crate::text::shown(title).into_owned(),
        theme.accent(),
    ));
    let body = Paragraph::new(clean(lines));
    let body = if wrap {
        body.wrap(Wrap { trim: false })
    } else {
        body
    };
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
    dialog(frame, area, title, width, height, lines, wrap, theme);
}

/// A dialog that scrolls: `body` (plain lines, wrapped here to the dialog's width) moves under
/// `pinned` lines that always show at the bottom (the input, the last error, the key hints),
/// so that a long list never pushes them off screen. The first line of the body may be the
/// one that matters most (a root cause): it is what shows first.
pub(super) struct Scrolling {
    /// The title.
    pub title: String,
    /// The widest the dialog may be.
    pub width: u16,
    /// The lines that scroll, each with its style.
    pub body: Vec<(String, Style)>,
    /// The lines that stay.
    pub pinned: Vec<Line<'static>>,
}

impl Scrolling {
    /// The dialog's rectangle in `area`, and its body wrapped to its width.
    fn layout(&self, area: Rect) -> (Rect, Vec<(String, Style)>, usize) {
        let width = self.width.min(area.width);
        let inner = usize::from(width.saturating_sub(2)).max(10);
        let body: Vec<(String, Style)> = self
            .body
            .iter()
            .flat_map(|(text, style)| {
                let text = crate::text::shown(text);
                // A line that fits keeps its leading spaces (a diff's context lines).
                let pieces = if text.chars().count() <= inner {
                    vec![text.into_owned()]
                } else {
                    wrap(&text, inner)
                };
                pieces.into_iter().map(move |piece| (piece, *style))
            })
            .collect();
        let room = usize::from(area.height.saturating_sub(2)).saturating_sub(self.pinned.len());
        // A line saying what is hidden joins the pinned ones when the body does not fit.
        let rows = if body.len() > room {
            room.saturating_sub(1)
        } else {
            body.len()
        };
        let extra = usize::from(body.len() > room);
        let height = (rows + extra + self.pinned.len() + 2) as u16;
        (centered(area, width, height), body, rows)
    }

    /// How far the body can scroll in a terminal of `size`: the last page is a full one.
    pub fn max_scroll(&self, size: (u16, u16)) -> usize {
        let (_, body, rows) = self.layout(Rect::new(0, 0, size.0, size.1));
        body.len().saturating_sub(rows)
    }

    /// Draws it over `area`, the body from line `scroll` (clamped).
    pub fn render(self, frame: &mut Frame, area: Rect, scroll: usize, theme: Theme) {
        let (rect, body, rows) = self.layout(area);
        let from = scroll.min(body.len().saturating_sub(rows));
        let mut lines: Vec<Line> = body[from..]
            .iter()
            .take(rows)
            .map(|(text, style)| Line::styled(text.clone(), *style))
            .collect();
        if rows < body.len() {
            let below = body.len() - from - rows;
            lines.push(Line::styled(
                format!(
                    "{from} above · {below} below · ↑ ↓ PgUp PgDn Home End scroll ({}/{})",
                    from + rows,
                    body.len()
                ),
                theme.dim(),
            ));
        }
        lines.extend(clean(self.pinned));
        frame.render_widget(Clear, rect);
        let block = Block::default().borders(Borders::ALL).title(Span::styled(
            crate::text::shown(&self.title).into_owned(),
            theme.accent(),
        ));
        frame.render_widget(Paragraph::new(lines).block(block), rect);
    }
}

/// The scroll keys of a dialog whose body scrolls: ↑ ↓ (and `j` `k` where `letters`), PgUp
/// PgDn, Home End; the new position, at most `max`, or `None` for another key.
pub(super) fn scroll_key(
    key: crossterm::event::KeyEvent,
    scroll: usize,
    max: usize,
    letters: bool,
) -> Option<usize> {
    use crossterm::event::KeyCode;
    let page = 10;
    let next = match key.code {
        KeyCode::Down => scroll + 1,
        KeyCode::Char('j') if letters => scroll + 1,
        KeyCode::Up => scroll.saturating_sub(1),
        KeyCode::Char('k') if letters => scroll.saturating_sub(1),
        KeyCode::PageDown => scroll + page,
        KeyCode::Char(' ') if letters => scroll + page,
        KeyCode::PageUp => scroll.saturating_sub(page),
        KeyCode::Home => 0,
        KeyCode::End => max,
        _ => return None,
    };
    Some(next.min(max))
}
