//! The profile table: its keys (move, filter, sort, mark, open dialogs) and its drawing with
//! live countdowns. Only the visible rows are built.

use super::help::Help;
use crate::awsfiles::expiry::compact_duration;
use crate::awsfiles::profile::Name;
use crate::awsfiles::Expiry;
use crate::renew::bulk;
use crate::tui::app::{App, Command, Overlay, Sort};
use crate::tui::theme::Theme;
use chrono::{DateTime, Utc};
use crossterm::event::{KeyCode, KeyEvent};
use ratatui::layout::{Constraint, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Cell, Row, Table, TableState};
use ratatui::Frame;

impl App {
    pub(in crate::tui) fn on_table_key(&mut self, key: KeyEvent) -> Vec<Command> {
        if self.filtering {
            match key.code {
                KeyCode::Esc => {
                    self.filtering = false;
                    self.filter.clear();
                }
                KeyCode::Enter | KeyCode::Down | KeyCode::Up => self.filtering = false,
                KeyCode::Backspace => {
                    self.filter.pop();
                }
                KeyCode::Char(c) => self.filter.push(c),
                _ => {}
            }
            let keep = self.selected_profile().map(|p| p.name.clone());
            self.refresh(keep.as_deref());
            return Vec::new();
        }
        let page = usize::from(self.size.1.saturating_sub(10)).max(1);
        match key.code {
            KeyCode::Char('q') => {
                self.quit = true;
                return vec![Command::Quit];
            }
            KeyCode::Char('j') | KeyCode::Down => self.select(self.selected.saturating_add(1)),
            KeyCode::Char('k') | KeyCode::Up => self.select(self.selected.saturating_sub(1)),
            KeyCode::PageDown => self.select(self.selected.saturating_add(page)),
            KeyCode::PageUp => self.select(self.selected.saturating_sub(page)),
            KeyCode::Home | KeyCode::Char('g') => self.select(0),
            KeyCode::End | KeyCode::Char('G') => self.select(usize::MAX),
            KeyCode::Char('/') => self.filtering = true,
            KeyCode::Char(' ') => {
                if let Some(name) = self.selected_profile().map(|p| p.name.to_string()) {
                    if !self.marked.remove(&name) {
                        self.marked.insert(name);
                    }
                }
                self.select(self.selected.saturating_add(1));
            }
            KeyCode::Char('a') => {
                let expiring = bulk::expiring_roles(&self.data.profiles, &self.settings, self.now);
                if expiring.is_empty() {
                    self.toast("No role profile is expired or expiring soon.".into(), false);
                }
                self.marked.extend(expiring);
            }
            KeyCode::Esc if self.filter.is_empty() => self.marked.clear(),
            KeyCode::Esc if !self.filter.is_empty() => {
                self.filter.clear();
                let keep = self.selected_profile().map(|p| p.name.clone());
                self.refresh(keep.as_deref());
            }
            KeyCode::Char('o') => {
                self.sort = if self.sort == Sort::Name {
                    Sort::Expiry
                } else {
                    Sort::Name
                };
                let keep = self.selected_profile().map(|p| p.name.clone());
                self.refresh(keep.as_deref());
            }
            KeyCode::Char('d') => self.show_detail = !self.show_detail,
            KeyCode::Char('f') => return self.toggle_keep_fresh(),
            KeyCode::Char('K') => self.open_rotate(),
            KeyCode::Char('?') => self.overlay = Overlay::Help(Help::default()),
            KeyCode::Char('R') => return vec![Command::Reload],
            KeyCode::Enter | KeyCode::Char('r') if !self.marked.is_empty() => self.open_bulk(),
            KeyCode::Enter | KeyCode::Char('r')
                if self
                    .selected_profile()
                    .is_some_and(|p| p.kind == crate::awsfiles::ProfileKind::Sso) =>
            {
                return self.start_sso_login()
            }
            KeyCode::Enter | KeyCode::Char('r') => self.open_form(),
            KeyCode::Char('s') => self.open_defaults(),
            _ => {}
        }
        Vec::new()
    }
}

/// How a countdown should look.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Urgency {
    /// More than the warning threshold left.
    Fine,
    /// Less than the warning threshold.
    Soon,
    /// Less than the danger threshold.
    Urgent,
    /// Already expired.
    Expired,
}

/// `2h 14m 09s` (or `1d 02h 14m`), or `expired 3m ago`, and its urgency.
pub fn countdown(
    at: DateTime<Utc>,
    now: DateTime<Utc>,
    warn_secs: i64,
    danger_secs: i64,
) -> (String, Urgency) {
    let secs = (at - now).num_seconds();
    if secs <= 0 {
        return (
            format!("expired {} ago", compact_duration(secs)),
            Urgency::Expired,
        );
    }
    let (d, h, m, s) = (
        secs / 86_400,
        secs % 86_400 / 3600,
        secs % 3600 / 60,
        secs % 60,
    );
    let text = match (d, h) {
        (0, 0) => format!("{m}m {s:02}s"),
        (0, _) => format!("{h}h {m:02}m {s:02}s"),
        _ => format!("{d}d {h:02}h {m:02}m"),
    };
    let urgency = if secs < danger_secs {
        Urgency::Urgent
    } else if secs < warn_secs {
        Urgency::Soon
    } else {
        Urgency::Fine
    };
    (text, urgency)
}

fn style_of(theme: Theme, urgency: Urgency) -> Style {
    match urgency {
        Urgency::Fine => theme.ok(),
        Urgency::Soon => theme.warn(),
        Urgency::Urgent => theme.danger(),
        Urgency::Expired => theme.dim(),
    }
}

/// Column widths sized to the visible content; ACCOUNT and ROLE/USER give way (width 0) on
/// narrow terminals before the name and the countdown do.
fn column_widths(app: &App, width: u16, offset: usize, visible: usize) -> [Constraint; 8] {
    let shown = app
        .rows
        .iter()
        .skip(offset)
        .take(visible)
        .map(|&i| &app.data.profiles[i]);
    let longest = |f: &dyn Fn(&crate::awsfiles::Profile) -> usize, min: usize, max: usize| {
        shown.clone().map(f).max().unwrap_or(0).clamp(min, max) as u16
    };
    let name = longest(&|p| p.name.chars().count(), 7, 32);
    let role = longest(
        &|p| p.principal.as_deref().map_or(1, |s| s.chars().count()),
        9,
        24,
    );
    let region = longest(&|p| p.region.as_deref().map_or(1, str::len), 6, 14);
    let (kind, account, mfa, expires) = (11u16, 12u16, 3u16, 17u16);
    let spacing = 7;
    let base = 2 + name + kind + region + mfa + expires + spacing;
    let (account, role) = if base + account + role <= width {
        (account, role)
    } else if base + account <= width {
        (account, 0)
    } else {
        (0, 0)
    };
    let slack = width.saturating_sub(base + account + role);
    [
        Constraint::Length(2),
        Constraint::Length(name + slack.min(8)),
        Constraint::Length(kind),
        Constraint::Length(account),
        Constraint::Length(role),
        Constraint::Length(region),
        Constraint::Length(mfa),
        Constraint::Length(expires),
    ]
}

/// Draws the table into `area`.
pub fn render(app: &App, theme: Theme, frame: &mut Frame, area: Rect) {
    let block = Block::default().borders(Borders::ALL).title(" Profiles ");
    let visible = usize::from(area.height.saturating_sub(3)).max(1);
    let offset = app.selected.saturating_sub(visible - 1);
    let header = Row::new([
        "",
        "PROFILE",
        "KIND",
        "ACCOUNT",
        "ROLE/USER",
        "REGION",
        "MFA",
        "EXPIRES",
    ])
    .style(theme.accent());
    let rows: Vec<Row> = app.rows[offset.min(app.rows.len())..]
        .iter()
        .take(visible)
        .map(|&i| {
            let p = &app.data.profiles[i];
            let status = match (
                p.problems.is_empty(),
                app.aws_profile.as_deref() == Some(p.name.as_str()),
            ) {
                (false, _) => Span::styled("!", theme.danger()),
                (true, true) => Span::styled("*", theme.accent()),
                (true, false) => Span::raw(" "),
            };
            let mark = if app.marked.contains(p.name.as_str()) {
                Span::styled("●", theme.accent())
            } else if app.fresh.warnings.contains_key(p.name.as_str()) {
                Span::styled("⟳", theme.danger())
            } else if app.kept_fresh(&p.name) {
                Span::styled("⟳", theme.ok())
            } else {
                Span::raw(" ")
            };
            let marker = Line::from(vec![mark, status]);
            let (expiry, via_session) = app.shown_expiry(p);
            let expires = match expiry {
                Expiry::None if p.kind == crate::awsfiles::ProfileKind::Sso => {
                    Span::styled("not signed in", theme.warn())
                }
                Expiry::None => Span::styled("—", theme.dim()),
                Expiry::Unknown { .. } => Span::styled("unknown", theme.warn()),
                Expiry::At { at, .. } => {
                    let (text, urgency) = countdown(
                        at,
                        app.now,
                        app.settings.warn_secs,
                        app.settings.danger_secs,
                    );
                    let text = if via_session {
                        format!("↳ {text}")
                    } else {
                        text
                    };
                    Span::styled(text, style_of(theme, urgency))
                }
            };
            Row::new(vec![
                Cell::from(marker),
                Cell::from(p.name.as_str()),
                Cell::from(p.kind.label()),
                Cell::from(dash(&p.account)),
                Cell::from(dash(&p.principal)),
                Cell::from(dash(&p.region)),
                Cell::from(if p.mfa.is_some() { "yes" } else { "no" }),
                Cell::from(Line::from(expires)),
            ])
        })
        .collect();
    let widths = column_widths(app, area.width.saturating_sub(2), offset, visible);
    let table = Table::new(rows, widths)
        .header(header)
        .block(block)
        .row_highlight_style(theme.selected());
    let mut state = TableState::default()
        .with_selected((!app.rows.is_empty()).then_some(app.selected - offset));
    frame.render_stateful_widget(table, area, &mut state);
}

/// A table cell's text, or a dash when the profile has no such value.
fn dash(v: &Option<Name>) -> &str {
    v.as_deref().unwrap_or("—")
}
