//! The profile table: its state (rows, selection, sort, filter, marks), its keys (move,
//! filter, sort, mark, open dialogs) and its drawing with live countdowns. Only the visible
//! rows are built.

use super::openers::OPENERS;
use super::{bulk, error, help, login, renew, sso_login};
use crate::awsfiles::expiry::compact_duration;
use crate::awsfiles::profile::Name;
use crate::awsfiles::{Expiry, Profile, ProfileKind, Snapshot};
use crate::settings::ProfileChange;
use crate::tui::component::{Cx, Dialog};
use crate::tui::keep_fresh::kept_fresh;
use crate::tui::load::Loaded;
use crate::tui::theme::Theme;
use chrono::{DateTime, Utc};
use crossterm::event::{KeyCode, KeyEvent};
use ratatui::layout::{Constraint, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Cell, Row, Table as Grid, TableState};
use ratatui::Frame;
use std::collections::{BTreeSet, HashMap};

/// Row order.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Sort {
    /// Alphabetical.
    Name,
    /// Soonest expiry first; profiles without one last.
    Expiry,
}

/// The table's state.
#[derive(Clone, Debug)]
pub struct Table {
    /// Indices into the profiles, filtered and sorted.
    pub rows: Vec<usize>,
    /// Selected position in `rows`.
    pub selected: usize,
    /// Row order.
    pub sort: Sort,
    /// Filter text.
    pub filter: String,
    /// Typing into the filter.
    pub filtering: bool,
    /// Profiles marked for a bulk renewal.
    pub marked: BTreeSet<String>,
    /// Whether the detail pane is shown (`d` toggles it).
    pub show_detail: bool,
    /// The profile `AWS_PROFILE` selects (marked `*`).
    pub aws_profile: Option<String>,
}

impl Table {
    /// The table over `data`, selecting `aws_profile` when it names a profile.
    pub fn new(data: &Loaded, aws_profile: Option<String>) -> Table {
        let mut table = Table {
            rows: Vec::new(),
            selected: 0,
            sort: Sort::Name,
            filter: String::new(),
            filtering: false,
            marked: BTreeSet::new(),
            show_detail: true,
            aws_profile: aws_profile.clone(),
        };
        table.refresh(data, aws_profile.as_deref());
        table
    }

    /// The selected profile.
    pub fn selected<'a>(&self, data: &'a Loaded) -> Option<&'a Profile> {
        self.rows.get(self.selected).map(|&i| &data.profiles()[i])
    }

    /// Selects row `index` (clamped).
    pub fn select(&mut self, index: usize) {
        self.selected = index.min(self.rows.len().saturating_sub(1));
    }

    /// Shows `name` (clearing a filter that hides it) and selects it.
    pub fn show(&mut self, data: &Loaded, name: &str) {
        self.filter.clear();
        self.filtering = false;
        self.refresh(data, Some(name));
    }

    /// Recomputes rows (filter, sort), keeping `keep` selected if visible.
    pub fn refresh(&mut self, data: &Loaded, keep: Option<&str>) {
        let needle = self.filter.to_lowercase();
        let profiles = data.profiles();
        let snapshot = &data.snapshot;
        let mut rows: Vec<usize> = (0..profiles.len())
            .filter(|&i| {
                let p = &profiles[i];
                needle.is_empty()
                    || p.name.to_lowercase().contains(&needle)
                    || p.kind.label().contains(&needle)
                    || p.account.as_deref().is_some_and(|a| a.contains(&needle))
                    || p.principal
                        .as_deref()
                        .is_some_and(|a| a.to_lowercase().contains(&needle))
                    || p.region.as_deref().is_some_and(|a| a.contains(&needle))
            })
            .collect();
        match self.sort {
            Sort::Name => rows.sort_by(|&a, &b| profiles[a].name.cmp(&profiles[b].name)),
            Sort::Expiry => {
                let key: HashMap<usize, i64> = rows
                    .iter()
                    .map(|&i| {
                        let at = snapshot.shown_expiry(&profiles[i]).0.at();
                        (i, at.map_or(i64::MAX, |t| t.timestamp()))
                    })
                    .collect();
                rows.sort_by_key(|&i| (key[&i], profiles[i].name.clone()));
            }
        }
        self.rows = rows;
        let position = keep.and_then(|k| self.rows.iter().position(|&i| profiles[i].name == k));
        self.select(position.unwrap_or(if keep.is_some() { 0 } else { self.selected }));
    }

    /// Pasted text goes into the filter while typing one.
    pub fn paste(&mut self, text: &str, data: &Loaded) {
        if self.filtering {
            self.filter.push_str(text.trim());
            self.refresh(data, None);
        }
    }

    /// A key on the table; returns the dialog it opens, if any.
    pub fn key(&mut self, key: KeyEvent, cx: &mut Cx, size: (u16, u16)) -> Option<Box<dyn Dialog>> {
        let data = cx.shared.data;
        let keep = |t: &Table| t.selected(data).map(|p| p.name.to_string());
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
            let kept = keep(self);
            self.refresh(data, kept.as_deref());
            return None;
        }
        let page = usize::from(size.1.saturating_sub(10)).max(1);
        let selected = self.selected(data);
        match key.code {
            KeyCode::Char('q') => cx.quit(),
            KeyCode::Char('j') | KeyCode::Down => self.select(self.selected.saturating_add(1)),
            KeyCode::Char('k') | KeyCode::Up => self.select(self.selected.saturating_sub(1)),
            KeyCode::PageDown => self.select(self.selected.saturating_add(page)),
            KeyCode::PageUp => self.select(self.selected.saturating_sub(page)),
            KeyCode::Home | KeyCode::Char('g') => self.select(0),
            KeyCode::End | KeyCode::Char('G') => self.select(usize::MAX),
            KeyCode::Char('/') => self.filtering = true,
            KeyCode::Char(' ') => {
                if let Some(name) = selected.map(|p| p.name.to_string()) {
                    if !self.marked.remove(&name) {
                        self.marked.insert(name);
                    }
                }
                self.select(self.selected.saturating_add(1));
            }
            KeyCode::Char('a') => {
                let expiring = crate::renew::bulk::expiring_roles(
                    &data.snapshot,
                    cx.shared.ctx.settings.warn_secs,
                    cx.shared.now,
                );
                if expiring.is_empty() {
                    cx.toast("No role profile is expired or expiring soon.", false);
                }
                self.marked.extend(expiring);
            }
            KeyCode::Esc if self.filter.is_empty() => self.marked.clear(),
            KeyCode::Esc => {
                self.filter.clear();
                let kept = keep(self);
                self.refresh(data, kept.as_deref());
            }
            KeyCode::Char('o') => {
                self.sort = if self.sort == Sort::Name {
                    Sort::Expiry
                } else {
                    Sort::Name
                };
                let kept = keep(self);
                self.refresh(data, kept.as_deref());
            }
            KeyCode::Char('d') => self.show_detail = !self.show_detail,
            KeyCode::Char('f') => {
                if let Some(name) = selected.map(|p| p.name.to_string()) {
                    let on = !kept_fresh(&cx.shared, &name);
                    cx.save(&name, ProfileChange::KeepFresh(on));
                }
            }
            KeyCode::Char('?') => return Some(Box::new(help::Help::default())),
            KeyCode::Char('R') => cx.reload(),
            KeyCode::Enter | KeyCode::Char('r') if !self.marked.is_empty() => {
                let names: Vec<String> = self.marked.iter().cloned().collect();
                return Some(bulk::open(cx, &names));
            }
            KeyCode::Enter | KeyCode::Char('r') => {
                let p = selected?;
                return Some(if p.kind == ProfileKind::Sso {
                    sso_login::open(cx, p)
                } else if p.kind == ProfileKind::Login {
                    login::open(cx, p)
                } else {
                    renew::open(&cx.shared, &p.name)
                        .unwrap_or_else(|why| error::dialog("Cannot renew", &why))
                });
            }
            KeyCode::Char(c) => {
                let opener = OPENERS.iter().find(|o| o.key == c)?;
                return Some((opener.open)(&cx.shared, selected?));
            }
            _ => {}
        }
        None
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
fn column_widths(shown: &[&Profile], width: u16) -> [Constraint; 8] {
    let longest = |f: &dyn Fn(&Profile) -> usize, min: usize, max: usize| {
        shown
            .iter()
            .map(|p| f(p))
            .max()
            .unwrap_or(0)
            .clamp(min, max) as u16
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

/// What the table's marker column and countdowns need besides the table itself.
pub struct Marks<'a> {
    /// Kept-fresh profiles that need a hand (red ⟳).
    pub fresh_warnings: &'a HashMap<String, String>,
    /// Whether a profile is kept fresh.
    pub kept: &'a dyn Fn(&str) -> bool,
    /// Countdown thresholds (warn, danger).
    pub thresholds: (i64, i64),
}

/// The expiry cell of `p`: its countdown (`↳` when it is its session's elsewhere), `not
/// signed in`, `unknown` or `—`; the same facts `mfatui list` prints.
pub fn expiry_cell(
    snapshot: &Snapshot,
    p: &Profile,
    now: DateTime<Utc>,
    thresholds: (i64, i64),
    theme: Theme,
) -> Span<'static> {
    let (expiry, via_session) = snapshot.shown_expiry(p);
    match expiry {
        Expiry::None => match Snapshot::no_expiry_text(p) {
            Some(text) => Span::styled(text, theme.warn()),
            None => Span::styled("—", theme.dim()),
        },
        Expiry::Unknown { .. } => Span::styled("unknown", theme.warn()),
        Expiry::At { at, .. } => {
            let (text, urgency) = countdown(at, now, thresholds.0, thresholds.1);
            let text = if via_session {
                format!("↳ {text}")
            } else {
                text
            };
            Span::styled(text, style_of(theme, urgency))
        }
    }
}

/// Draws the table into `area`.
pub fn render(
    table: &Table,
    data: &Loaded,
    marks: &Marks,
    now: DateTime<Utc>,
    theme: Theme,
    frame: &mut Frame,
    area: Rect,
) {
    let block = Block::default().borders(Borders::ALL).title(" Profiles ");
    let visible = usize::from(area.height.saturating_sub(3)).max(1);
    let offset = table.selected.saturating_sub(visible - 1);
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
    let shown: Vec<&Profile> = table.rows[offset.min(table.rows.len())..]
        .iter()
        .take(visible)
        .map(|&i| &data.profiles()[i])
        .collect();
    let rows: Vec<Row> = shown
        .iter()
        .map(|p| {
            let status = match (
                p.problems.is_empty(),
                table.aws_profile.as_deref() == Some(p.name.as_str()),
            ) {
                (false, _) => Span::styled("!", theme.danger()),
                (true, true) => Span::styled("*", theme.accent()),
                (true, false) => Span::raw(" "),
            };
            let mark = if table.marked.contains(p.name.as_str()) {
                Span::styled("●", theme.accent())
            } else if marks.fresh_warnings.contains_key(p.name.as_str()) {
                Span::styled("⟳", theme.danger())
            } else if (marks.kept)(&p.name) {
                Span::styled("⟳", theme.ok())
            } else {
                Span::raw(" ")
            };
            let expires = expiry_cell(&data.snapshot, p, now, marks.thresholds, theme);
            Row::new(vec![
                Cell::from(Line::from(vec![mark, status])),
                Cell::from(p.name.to_string()),
                Cell::from(p.kind.label()),
                Cell::from(dash(&p.account).to_owned()),
                Cell::from(dash(&p.principal).to_owned()),
                Cell::from(dash(&p.region).to_owned()),
                Cell::from(if p.mfa.is_some() { "yes" } else { "no" }),
                Cell::from(Line::from(expires)),
            ])
        })
        .collect();
    let widths = column_widths(&shown, area.width.saturating_sub(2));
    let grid = Grid::new(rows, widths)
        .header(header)
        .block(block)
        .row_highlight_style(theme.selected());
    let mut state = TableState::default()
        .with_selected((!table.rows.is_empty()).then_some(table.selected - offset));
    frame.render_stateful_widget(grid, area, &mut state);
}

/// A table cell's text, or a dash when the profile has no such value.
fn dash(v: &Option<Name>) -> &str {
    v.as_deref().unwrap_or("—")
}
