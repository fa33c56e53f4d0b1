//! The diff preview: the masked change, `y` writes (backup, atomic), `n` discards; a change
//! made on disk meanwhile comes back re-planned for another look.

use super::dialog::centered;
use crate::awsfiles::{Plan, Written};
use crate::tui::app::{App, Command, Overlay, WriteFailure};
use crate::tui::theme::Theme;
use chrono::{DateTime, Utc};
use crossterm::event::{KeyCode, KeyEvent};
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph};
use ratatui::Frame;

/// A planned write waiting for `y`.
#[derive(Clone, Debug)]
pub struct Preview {
    /// The profile renewed.
    pub profile: String,
    /// The target written.
    pub target: String,
    /// When the new credentials expire.
    pub expires: Option<DateTime<Utc>>,
    /// The plan.
    pub plan: Plan,
    /// Its masked diff, line by line.
    pub diff: Vec<String>,
    /// First diff line shown.
    pub scroll: usize,
    /// A write is under way (job id).
    pub writing: Option<u64>,
    /// Shown above the diff (e.g. the file changed on disk meanwhile).
    pub note: Option<String>,
    /// For a bulk renewal: one line per profile (`✓ name → [target]`, `✗ name: why`).
    pub outcomes: Vec<String>,
}

impl App {
    pub(in crate::tui) fn on_preview_key(
        &mut self,
        mut preview: Preview,
        key: KeyEvent,
    ) -> Vec<Command> {
        if preview.writing.is_some() {
            self.overlay = Overlay::Preview(Box::new(preview));
            return Vec::new();
        }
        let last = preview.diff.len().saturating_sub(1);
        match key.code {
            KeyCode::Char('y') | KeyCode::Char('Y') => {
                let job = self.job();
                preview.writing = Some(job);
                let plan = Box::new(preview.plan.clone());
                self.overlay = Overlay::Preview(Box::new(preview));
                return vec![Command::Write { job, plan }];
            }
            KeyCode::Char('n') | KeyCode::Char('N') | KeyCode::Esc | KeyCode::Char('q') => {
                self.toast(
                    format!(
                        "Discarded the new credentials of {}; nothing written.",
                        preview.profile
                    ),
                    false,
                );
                return Vec::new();
            }
            KeyCode::Char('j') | KeyCode::Down => preview.scroll = (preview.scroll + 1).min(last),
            KeyCode::Char('k') | KeyCode::Up => preview.scroll = preview.scroll.saturating_sub(1),
            KeyCode::PageDown | KeyCode::Char(' ') => {
                preview.scroll = (preview.scroll + 10).min(last)
            }
            KeyCode::PageUp => preview.scroll = preview.scroll.saturating_sub(10),
            _ => {}
        }
        self.overlay = Overlay::Preview(Box::new(preview));
        Vec::new()
    }

    pub(in crate::tui) fn on_written(
        &mut self,
        job: u64,
        result: Result<Vec<Written>, WriteFailure>,
    ) -> Vec<Command> {
        let Overlay::Preview(preview) = &mut self.overlay else {
            return Vec::new();
        };
        if preview.writing != Some(job) {
            return Vec::new();
        }
        match result {
            Ok(written) => {
                let until = preview
                    .expires
                    .map(|t| {
                        format!(
                            " until {} ({})",
                            t.with_timezone(&self.local).format("%H:%M:%S"),
                            crate::awsfiles::expiry::relative(t, self.now)
                        )
                    })
                    .unwrap_or_default();
                let backup = written
                    .iter()
                    .find_map(|w| w.backup.as_ref())
                    .map(|b| format!(" Backup: {}", b.display()))
                    .unwrap_or_default();
                let text = format!(
                    "✓ {} renewed: {} valid{until}.{backup}",
                    preview.profile, preview.target
                );
                self.overlay = Overlay::None;
                self.toast(text, false);
                let mut commands = vec![Command::Reload];
                self.request_fulfilled(&mut commands);
                commands
            }
            Err(WriteFailure::Changed(plan)) => {
                preview.diff = plan.diff().lines().map(str::to_owned).collect();
                preview.plan = *plan;
                preview.writing = None;
                preview.scroll = 0;
                preview.note = Some(
                    "The file changed on disk meanwhile; this is the change on top of it.".into(),
                );
                vec![Command::Reload]
            }
            Err(WriteFailure::Failed(message)) => {
                self.overlay = Overlay::Error {
                    title: "Write failed".into(),
                    message,
                };
                Vec::new()
            }
        }
    }
}

pub(super) fn render(preview: &Preview, theme: Theme, frame: &mut Frame, area: Rect) {
    let rect = centered(
        area,
        area.width.saturating_sub(4).min(110),
        area.height.saturating_sub(2),
    );
    frame.render_widget(Clear, rect);
    let mut lines = Vec::new();
    if let Some(note) = &preview.note {
        lines.push(Line::styled(note.clone(), theme.warn()));
    }
    let files: Vec<String> = preview
        .plan
        .changes
        .iter()
        .map(|c| c.path.display().to_string())
        .collect();
    lines.push(Line::from(format!(
        "Writes {} · a timestamped backup goes to .mfatui-backups/ beside it first",
        files.join(", ")
    )));
    lines.push(Line::raw(""));
    let body = usize::from(rect.height.saturating_sub(5 + lines.len() as u16));
    for line in preview.diff.iter().skip(preview.scroll).take(body) {
        let style = match line.as_bytes().first() {
            Some(b'+') if !line.starts_with("+++") => theme.added(),
            Some(b'-') if !line.starts_with("---") => theme.removed(),
            Some(b'@') => theme.accent(),
            _ => ratatui::style::Style::new(),
        };
        lines.push(Line::styled(line.clone(), style));
    }
    let footer = if preview.writing.is_some() {
        "Writing…"
    } else {
        "y write · n discard · j k PgUp PgDn scroll"
    };
    let block = Block::default()
        .borders(Borders::ALL)
        .title(Span::styled(
            format!(" Write the new credentials of {}? ", preview.profile),
            theme.accent(),
        ))
        .title_bottom(Line::styled(format!(" {footer} "), theme.accent()));
    frame.render_widget(Paragraph::new(lines).block(block), rect);
}
