//! The profile table: its state (rows, selection, sort, filter, marks), its keys (move,
//! filter, sort, mark, open dialogs) and its drawing with live countdowns. Only the visible
//! rows are built.

use super::openers::OPENERS;
use super::{bulk, error, help, login, renew, sso_login};
use crate::awsfiles::expiry::compact_duration;
use crate::awsfiles::{Expiry, Profile, ProfileKind, Snapshot};
use crate::renew::request::{route, Route};
use crate::settings::ProfileChange;
use crate::tui::component::{Cx, Dialog};
use crate::tui::keep_fresh::kept_fresh;
use crate::tui::line_edit::LineEdit;
use crate::tui::load::Loaded;
use crate::tui::theme::Theme;
use chrono::{DateTime, Utc};
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers, MouseButton, MouseEvent, MouseEventKind};
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Cell, Row, Table as Grid, TableState};
use ratatui::Frame;
use std::collections::{BTreeSet, HashMap};
use std::sync::Arc;

/// Row order: a column, and whether it is reversed (`o` picks the next column, `O`
/// reverses; a click on a header sorts by it, a second click reverses).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Sort {
    /// The column.
    pub by: Column,
    /// Descending.
    pub reversed: bool,
}

impl Sort {
    /// By name, in natural order (`role2` before `role10`).
    pub const NAME: Sort = Sort {
        by: Column::Profile,
        reversed: false,
    };

    /// The next column `o` sorts by: the name, then the expiry, then the others in order.
    fn next(self) -> Sort {
        const ORDER: [Column; 8] = [
            Column::Profile,
            Column::Expires,
            Column::Kind,
            Column::Account,
            Column::Principal,
            Column::Source,
            Column::Region,
            Column::Mfa,
        ];
        let i = ORDER.iter().position(|c| *c == self.by).unwrap_or(0);
        Sort {
            by: ORDER[(i + 1) % ORDER.len()],
            reversed: false,
        }
    }

    /// Sorted by `column`: reversed when it already was (a second click).
    pub fn by(self, column: Column) -> Sort {
        Sort {
            by: column,
            reversed: self.by == column && !self.reversed,
        }
    }
}

/// `a` and `b` in natural order: runs of digits compare by their value (`role2` < `role10`),
/// the rest case-insensitively, then byte for byte.
pub fn natural_cmp(a: &str, b: &str) -> std::cmp::Ordering {
    use std::cmp::Ordering;
    let (x, y) = (a.as_bytes(), b.as_bytes());
    let (mut i, mut j) = (0, 0);
    while i < x.len() && j < y.len() {
        if x[i].is_ascii_digit() && y[j].is_ascii_digit() {
            let (si, sj) = (i, j);
            while i < x.len() && x[i].is_ascii_digit() {
                i += 1;
            }
            while j < y.len() && y[j].is_ascii_digit() {
                j += 1;
            }
            let (da, db) = (
                a[si..i].trim_start_matches('0'),
                b[sj..j].trim_start_matches('0'),
            );
            match da.len().cmp(&db.len()).then_with(|| da.cmp(db)) {
                Ordering::Equal => {}
                other => return other,
            }
        } else {
            match x[i].to_ascii_lowercase().cmp(&y[j].to_ascii_lowercase()) {
                Ordering::Equal => {}
                other => return other,
            }
            i += 1;
            j += 1;
        }
    }
    (x.len() - i).cmp(&(y.len() - j)).then_with(|| a.cmp(b))
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
    /// Filter text (edited like a shell line).
    pub filter: LineEdit,
    /// Typing into the filter.
    pub filtering: bool,
    /// Profiles marked for a bulk renewal.
    pub marked: BTreeSet<String>,
    /// Whether the detail pane is shown (`d` toggles it).
    pub show_detail: bool,
    /// The profile `AWS_PROFILE` selects (marked `*`).
    pub aws_profile: Option<String>,
    /// Whether the rows are grouped by where their credentials come from (`t`).
    pub grouped: bool,
    /// The groups when grouped: each one's label and its rows (a range of `rows`).
    pub groups: Vec<(String, std::ops::Range<usize>)>,
    /// Grouped, whether the cursor is on the line of the group holding `selected` (which is
    /// then the group's first row) rather than on a profile.
    pub on_group: bool,
    /// Whether the detail pane has the focus (`Tab`): ↑ ↓ PgUp PgDn then scroll it.
    pub detail_focus: bool,
    /// The first line of the detail pane shown.
    pub detail_scroll: u16,
    /// The first row shown (moved only as far as the selection needs).
    pub top: usize,
    /// The last click: its row and when, for a double click.
    pub last_click: Option<(usize, std::time::Instant)>,
    /// The profile `y` copied last and which of its texts.
    pub copied: Option<(String, usize)>,
    /// Each column's width over every profile, and the files it was measured on.
    pub natural: Natural,
    measured: Option<std::sync::Weak<Snapshot>>,
}

impl Table {
    /// The table over `data`, selecting `aws_profile` when it names a profile.
    pub fn new(data: &Loaded, aws_profile: Option<String>) -> Table {
        let mut table = Table {
            rows: Vec::new(),
            selected: 0,
            sort: Sort::NAME,
            filter: LineEdit::default(),
            filtering: false,
            marked: BTreeSet::new(),
            show_detail: true,
            aws_profile: aws_profile.clone(),
            natural: Natural::default(),
            measured: None,
            copied: None,
            top: 0,
            last_click: None,
            detail_focus: false,
            detail_scroll: 0,
            grouped: false,
            groups: Vec::new(),
            on_group: false,
        };
        table.refresh(data, aws_profile.as_deref());
        table
    }

    /// The selected profile (none on a group's line).
    pub fn selected<'a>(&self, data: &'a Loaded) -> Option<&'a Profile> {
        if self.selected_group().is_some() {
            return None;
        }
        self.rows.get(self.selected).map(|&i| &data.profiles()[i])
    }

    /// Selects row `index` (clamped): a profile, never a group's line.
    pub fn select(&mut self, index: usize) {
        self.selected = index.min(self.rows.len().saturating_sub(1));
        self.on_group = false;
    }

    /// The group holding row `row`.
    fn group_at(&self, row: usize) -> Option<usize> {
        self.groups.iter().position(|(_, r)| r.contains(&row))
    }

    /// The group whose line the cursor is on, when grouped and it is on one.
    pub fn selected_group(&self) -> Option<usize> {
        if self.grouped && self.on_group {
            self.group_at(self.selected)
        } else {
            None
        }
    }

    /// The line the cursor is on: the selected row, or grouped, counting the groups' lines
    /// (group `g`'s line is `start + g`, its row `r` is line `r + g + 1`).
    pub fn line(&self) -> usize {
        match self.group_at(self.selected) {
            Some(g) if self.grouped => g + self.selected + usize::from(!self.on_group),
            _ => self.selected,
        }
    }

    /// How many lines the table has: its rows, and grouped, a line per group.
    fn line_count(&self) -> usize {
        self.rows.len() + if self.grouped { self.groups.len() } else { 0 }
    }

    /// Puts the cursor on `line` (clamped): grouped, a group's line or a profile's row.
    pub fn select_line(&mut self, line: usize) {
        if !self.grouped || self.groups.is_empty() {
            return self.select(line);
        }
        let line = line.min(self.line_count().saturating_sub(1));
        let found = self
            .groups
            .iter()
            .enumerate()
            .find(|(g, (_, range))| line <= range.end + g)
            .map(|(g, (_, range))| (g, range.start));
        if let Some((g, start)) = found {
            if line == start + g {
                self.selected = start;
                self.on_group = true;
            } else {
                self.select(line - g - 1);
            }
        }
    }

    /// Shows `name` (clearing a filter that hides it) and selects it.
    pub fn show(&mut self, data: &Loaded, name: &str) {
        self.filter.clear();
        self.filtering = false;
        self.refresh(data, Some(name));
    }

    /// Recomputes rows (filter, sort), keeping `keep` selected if visible (or the group's
    /// line the cursor is on).
    pub fn refresh(&mut self, data: &Loaded, keep: Option<&str>) {
        let group_kept = self
            .selected_group()
            .filter(|_| keep.is_none())
            .map(|g| self.groups[g].0.clone());
        let needle = self.filter.as_str().to_lowercase();
        let profiles = data.profiles();
        let snapshot = &data.snapshot;
        let measured = self.measured.as_ref().and_then(std::sync::Weak::upgrade);
        if !measured.is_some_and(|m| Arc::ptr_eq(&m, snapshot)) {
            self.natural = Natural::of(profiles);
            self.measured = Some(Arc::downgrade(snapshot));
        }
        let mut rows: Vec<usize> = (0..profiles.len())
            .filter(|&i| profiles[i].matches(&needle))
            .collect();
        let by_name = |a: usize, b: usize| natural_cmp(&profiles[a].name, &profiles[b].name);
        match self.sort.by {
            Column::Profile => rows.sort_by(|&a, &b| by_name(a, b)),
            Column::Expires => {
                let key: HashMap<usize, i64> = rows
                    .iter()
                    .map(|&i| {
                        let at = snapshot.shown_expiry(&profiles[i]).0.at();
                        (i, at.map_or(i64::MAX, |t| t.timestamp()))
                    })
                    .collect();
                rows.sort_by(|&a, &b| key[&a].cmp(&key[&b]).then_with(|| by_name(a, b)));
            }
            column => rows.sort_by(|&a, &b| {
                natural_cmp(column.text(&profiles[a]), column.text(&profiles[b]))
                    .then_with(|| by_name(a, b))
            }),
        }
        if self.sort.reversed {
            rows.reverse();
        }
        self.groups.clear();
        if self.grouped {
            let partners = long_term_partners(snapshot, profiles);
            // Stable: each group keeps the order just made.
            rows.sort_by_cached_key(|&i| group_of(&profiles[i], &partners));
            let mut start = 0;
            while start < rows.len() {
                let label = group_of(&profiles[rows[start]], &partners);
                let len = rows[start..]
                    .iter()
                    .take_while(|&&i| group_of(&profiles[i], &partners) == label)
                    .count();
                self.groups.push((label, start..start + len));
                start += len;
            }
        }
        self.rows = rows;
        let position = keep.and_then(|k| self.rows.iter().position(|&i| profiles[i].name == k));
        self.select(position.unwrap_or(if keep.is_some() { 0 } else { self.selected }));
        let group = group_kept.and_then(|label| self.groups.iter().find(|(l, _)| *l == label));
        if let Some((_, range)) = group {
            self.selected = range.start;
            self.on_group = true;
        }
    }

    /// The selected row's profile name, also on a group's line (its first member).
    fn current_name(&self, data: &Loaded) -> Option<String> {
        self.rows
            .get(self.selected)
            .map(|&i| data.profiles()[i].name.to_string())
    }

    /// `⏎` on a group's line: the bulk dialog (one code) for the members a code can renew;
    /// an SSO session's profiles sign in to their session once; else why not, in a sentence.
    fn renew_group(&self, cx: &mut Cx) -> Option<Box<dyn Dialog>> {
        let (label, range) = &self.groups[self.selected_group()?];
        let data = cx.shared.data;
        let members: Vec<&Profile> = self.rows[range.clone()]
            .iter()
            .map(|&i| &data.profiles()[i])
            .collect();
        if members.iter().all(|p| p.kind == ProfileKind::Sso) {
            if let Some(p) = members.iter().find(|p| p.problems.is_empty()) {
                return Some(sso_login::open(cx, p));
            }
        }
        let renewable: Vec<String> = members
            .iter()
            .filter(|p| {
                p.problems.is_empty()
                    && matches!(
                        p.kind,
                        ProfileKind::Role | ProfileKind::Session | ProfileKind::LongTerm
                    )
            })
            .map(|p| p.name.to_string())
            .collect();
        if renewable.is_empty() {
            let n = crate::renew::bulk::profiles_count(members.len());
            return Some(error::dialog(
                "Cannot renew this group",
                &format!(
                    "No profile of this group ({label}, {n}) can be renewed with one code: SSO and aws login profiles sign in on their own row (⏎), and a profile marked ! shows its fix there."
                ),
            ));
        }
        Some(bulk::open(cx, &renewable, label))
    }

    /// Keeps the first row shown such that the selection shows in a terminal of `size`.
    pub fn follow(&mut self, size: (u16, u16)) {
        let visible = visible_rows(table_area(size, self.show_detail));
        self.top = first_shown(self.top, self.line(), visible);
    }

    /// A mouse event at `at` (when it came): a click selects a row (a second one on it
    /// within 400 ms renews it), the wheel scrolls, a click on a header sorts by it (again:
    /// reversed). Returns the dialog a double click opens.
    pub fn mouse(
        &mut self,
        event: MouseEvent,
        at: std::time::Instant,
        cx: &mut Cx,
        size: (u16, u16),
    ) -> Option<Box<dyn Dialog>> {
        let data = cx.shared.data;
        let area = table_area(size, self.show_detail);
        let inside = event.column > area.x
            && event.column < area.right().saturating_sub(1)
            && event.row > area.y
            && event.row < area.bottom().saturating_sub(1);
        match event.kind {
            MouseEventKind::ScrollDown if inside => self.select_line(self.line().saturating_add(3)),
            MouseEventKind::ScrollUp if inside => self.select_line(self.line().saturating_sub(3)),
            MouseEventKind::Down(MouseButton::Left) if inside && event.row == area.y + 1 => {
                let x = usize::from(event.column - area.x - 1);
                // The marks column, then each column and the space after it.
                let mut start = 3;
                for (column, width) in layout(&self.natural, area.width.saturating_sub(2)) {
                    let end = start + usize::from(width);
                    if (start..=end).contains(&x) {
                        self.sort = self.sort.by(column);
                        let kept = self.selected(data).map(|p| p.name.to_string());
                        self.refresh(data, kept.as_deref());
                        break;
                    }
                    start = end + 1;
                }
            }
            // Grouped, a line is a group's or a profile's: either is selected (and renewed).
            MouseEventKind::Down(MouseButton::Left) if inside => {
                let visible = visible_rows(area);
                let top = first_shown(self.top, self.line(), visible);
                let line = top + usize::from(event.row - area.y - 2);
                if line >= self.line_count() {
                    return None;
                }
                let double = self.last_click.is_some_and(|(l, when)| {
                    l == line && at.saturating_duration_since(when).as_millis() <= 400
                });
                self.select_line(line);
                self.last_click = Some((line, at));
                if double {
                    self.last_click = None;
                    return self.key(KeyEvent::new(KeyCode::Enter, KeyModifiers::NONE), cx, size);
                }
            }
            _ => {}
        }
        None
    }

    /// While typing a filter: the row whose name is the filter, else the first whose name
    /// holds it as it is typed, is selected (the fuzzy matches stay below, as in fzf).
    fn select_best(&mut self, data: &Loaded) {
        let needle = self.filter.as_str().trim().to_lowercase();
        if needle.is_empty() {
            return;
        }
        let profiles = data.profiles();
        let name = |i: &usize| profiles[*i].name.to_lowercase();
        let best = self
            .rows
            .iter()
            .position(|i| name(i) == needle)
            .or_else(|| self.rows.iter().position(|i| name(i).contains(&needle)));
        if let Some(best) = best {
            self.select(best);
        }
    }

    /// Pasted text goes into the filter while typing one.
    pub fn paste(&mut self, text: &str, data: &Loaded) {
        if self.filtering {
            self.filter.insert(text.trim());
            self.refresh(data, None);
            self.select_best(data);
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
                _ => {
                    if self.filter.key(key) {
                        let kept = keep(self);
                        self.refresh(data, kept.as_deref());
                        self.select_best(data);
                        return None;
                    }
                }
            }
            let kept = keep(self);
            self.refresh(data, kept.as_deref());
            return None;
        }
        let page = usize::from(size.1.saturating_sub(10)).max(1);
        if self.detail_focus {
            // The pane's own keys; any other leaves it and acts on the table.
            match key.code {
                KeyCode::Down | KeyCode::Char('j') => {
                    self.detail_scroll = self.detail_scroll.saturating_add(1).min(200)
                }
                KeyCode::Up | KeyCode::Char('k') => {
                    self.detail_scroll = self.detail_scroll.saturating_sub(1)
                }
                KeyCode::PageDown => {
                    self.detail_scroll = self.detail_scroll.saturating_add(10).min(200)
                }
                KeyCode::PageUp => self.detail_scroll = self.detail_scroll.saturating_sub(10),
                KeyCode::Home | KeyCode::Char('g') => self.detail_scroll = 0,
                KeyCode::Tab | KeyCode::Esc => self.detail_focus = false,
                _ => {
                    self.detail_focus = false;
                    return self.key(key, cx, size);
                }
            }
            return None;
        }
        let before = self.selected;
        let opened = self.table_key(key, cx, page);
        if self.selected != before {
            self.detail_scroll = 0;
        }
        opened
    }

    /// A key on the table itself (the detail pane not focused).
    fn table_key(&mut self, key: KeyEvent, cx: &mut Cx, page: usize) -> Option<Box<dyn Dialog>> {
        let data = cx.shared.data;
        let keep = |t: &Table| t.selected(data).map(|p| p.name.to_string());
        let selected = self.selected(data);
        if let (Some(g), KeyCode::Char(c)) = (self.selected_group(), key.code) {
            // A group's line: space marks the whole group; a key for one profile says where
            // the profiles are instead of doing nothing.
            if c == ' ' {
                let names: Vec<String> = self.rows[self.groups[g].1.clone()]
                    .iter()
                    .map(|&i| data.profiles()[i].name.to_string())
                    .collect();
                if names.iter().all(|n| self.marked.contains(n)) {
                    names.iter().for_each(|n| {
                        self.marked.remove(n);
                    });
                } else {
                    self.marked.extend(names);
                }
                return None;
            }
            if c == 'y' || c == 'f' || OPENERS.iter().any(|o| o.key == c) {
                cx.toast(
                    "A group's line: ⏎ renews the group, space or A marks it; ↓ goes to its profiles.",
                    false,
                );
                return None;
            }
        }
        match key.code {
            KeyCode::Tab if self.show_detail => {
                self.detail_focus = true;
            }
            KeyCode::Char('q') => cx.quit(),
            KeyCode::Char('j') | KeyCode::Down => self.select_line(self.line().saturating_add(1)),
            KeyCode::Char('k') | KeyCode::Up => self.select_line(self.line().saturating_sub(1)),
            KeyCode::PageDown => self.select_line(self.line().saturating_add(page)),
            KeyCode::PageUp => self.select_line(self.line().saturating_sub(page)),
            KeyCode::Home | KeyCode::Char('g') => self.select_line(0),
            KeyCode::End | KeyCode::Char('G') => self.select_line(usize::MAX),
            KeyCode::Char('/') => {
                // A fresh filter, as in less and k9s; Esc brings every row back.
                self.filter.clear();
                self.filtering = true;
                let kept = keep(self);
                self.refresh(data, kept.as_deref());
            }
            KeyCode::Char(' ') => {
                if let Some(name) = selected.map(|p| p.name.to_string()) {
                    if !self.marked.remove(&name) {
                        self.marked.insert(name);
                    }
                }
                self.select_line(self.line().saturating_add(1));
            }
            KeyCode::Char('t') => {
                let kept = self.current_name(data);
                self.grouped = !self.grouped;
                self.on_group = false;
                self.refresh(data, kept.as_deref());
            }
            KeyCode::Char('A') if self.grouped => {
                // The selected row's whole group, for one renewal with one code (⏎).
                if let Some((label, range)) =
                    self.groups.iter().find(|(_, r)| r.contains(&self.selected))
                {
                    let names: Vec<String> = self.rows[range.clone()]
                        .iter()
                        .map(|&i| data.profiles()[i].name.to_string())
                        .collect();
                    let n = names.len();
                    self.marked.extend(names);
                    cx.toast(
                        format!("{n} marked ({label}): ⏎ renews them with one code."),
                        false,
                    );
                }
            }
            KeyCode::Char('a') => {
                let expiring = crate::renew::bulk::expiring_roles(
                    &data.snapshot,
                    cx.shared.ctx.settings.warn_secs,
                    cx.shared.now,
                );
                if expiring.is_empty() {
                    cx.toast("No role profile is expired or expiring soon.", false);
                } else {
                    let n = expiring.len();
                    self.marked.extend(expiring);
                    cx.toast(
                        format!(
                            "{n} marked (expired or expiring roles): ⏎ renews them with one code, Esc clears."
                        ),
                        false,
                    );
                }
            }
            KeyCode::Esc if self.filter.is_empty() => self.marked.clear(),
            KeyCode::Esc => {
                self.filter.clear();
                let kept = keep(self);
                self.refresh(data, kept.as_deref());
            }
            KeyCode::Char('o') | KeyCode::Char('O') => {
                self.sort = if key.code == KeyCode::Char('o') {
                    self.sort.next()
                } else {
                    self.sort.by(self.sort.by)
                };
                let kept = keep(self);
                self.refresh(data, kept.as_deref());
            }
            KeyCode::Char('d') => self.show_detail = !self.show_detail,
            KeyCode::Char('y') => {
                let p = selected?;
                let texts = copy_texts(p);
                let next = match &self.copied {
                    Some((name, i)) if *name == p.name.as_str() => (i + 1) % texts.len(),
                    _ => 0,
                };
                self.copied = Some((p.name.to_string(), next));
                cx.copy(texts[next].clone());
            }
            KeyCode::Char('f') => {
                if let Some(name) = selected.map(|p| p.name.to_string()) {
                    let on = !kept_fresh(&cx.shared, &name);
                    cx.save(&name, ProfileChange::KeepFresh(on));
                    // A session from long-term keys and a device needs a code every time:
                    // kept fresh, it can only be flagged when due, never renewed unattended.
                    let planned = crate::renew::plan::plan(
                        &data.snapshot,
                        &name,
                        &crate::renew::plan::RenewOptions::of(cx.shared.ctx, &name, cx.shared.now),
                    );
                    if on
                        && planned
                            .is_ok_and(|r| r.mode == crate::renew::Mode::Session && r.needs_code())
                    {
                        cx.toast(
                            format!(
                                "{name} always needs an MFA code: kept fresh, it is only flagged (red ⟳) when due, never renewed unattended."
                            ),
                            true,
                        );
                    }
                }
            }
            KeyCode::Char('?') => return Some(Box::new(help::Help::default())),
            KeyCode::Char('R') => cx.reload_and_say(),
            // A group's line renews the group (before the marks: the cursor says which).
            KeyCode::Enter | KeyCode::Char('r') if self.selected_group().is_some() => {
                return self.renew_group(cx);
            }
            KeyCode::Enter | KeyCode::Char('r') if !self.marked.is_empty() => {
                let names: Vec<String> = self.marked.iter().cloned().collect();
                return Some(bulk::open(cx, &names, "marked profiles"));
            }
            KeyCode::Enter | KeyCode::Char('r') => {
                let p = selected?;
                // The renewal service says which way it renews; each way has its dialog.
                return Some(match route(&cx.shared.data.snapshot, &p.name) {
                    Route::Sso => sso_login::open(cx, p),
                    Route::Login => login::open(cx, p),
                    // A broken profile: how to fix it, not a code field.
                    Route::Sts if !p.problems.is_empty() => error::fix(&cx.shared, p),
                    Route::Sts => renew::open(&cx.shared, &p.name)
                        .unwrap_or_else(|why| error::dialog("Cannot renew", &why.to_string())),
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

/// What `y` copies of `p`, press after press: its name, `export AWS_PROFILE=…`, its account
/// id, its role ARN — never a secret, never a sign-in URL.
pub fn copy_texts(p: &Profile) -> Vec<String> {
    let mut texts = vec![
        p.name.to_string(),
        format!(
            "export AWS_PROFILE={}",
            crate::awsfiles::shlex::quote(&p.name)
        ),
    ];
    texts.extend(p.account.as_deref().map(str::to_owned));
    texts.extend(p.role_arn.as_deref().map(str::to_owned));
    texts
}

/// The long-term profile each MFA session kept in a section of its own (aws-mfa's `NAME`,
/// a seed layout's `NAME-mfa`) comes from, by the session's name: the layout links a
/// long-term profile to its session, not back.
fn long_term_partners(snapshot: &Snapshot, profiles: &[Profile]) -> HashMap<String, String> {
    profiles
        .iter()
        .filter(|p| p.kind == ProfileKind::LongTerm)
        .filter_map(|p| {
            Some((
                snapshot.linked_session(&p.name)?.to_string(),
                p.name.to_string(),
            ))
        })
        .collect()
}

/// Where `p`'s credentials come from, as the grouping (`t`) names it: the long-term keys
/// (and so the MFA device) at the end of its chain — a session's own long-term profile
/// (`partners`, from [`long_term_partners`]) counting as those keys — its SSO session, else
/// its account.
pub fn group_of(p: &Profile, partners: &HashMap<String, String>) -> String {
    let partner = |name: &str| partners.get(name).map(String::as_str);
    let base = p
        .chain
        .last()
        .map(|n| n.as_str())
        .or(p.long_term_profile.as_deref())
        .or((p.kind == ProfileKind::LongTerm).then_some(p.name.as_str()))
        .map(|b| partner(b).unwrap_or(b))
        .or_else(|| partner(&p.name));
    match (base, p.sso_session.as_deref(), p.account.as_deref()) {
        (Some(base), _, _) => format!("keys of {base}"),
        (None, Some(session), _) => format!("SSO session {session}"),
        (None, None, Some(account)) => format!("account {account}"),
        _ => "no source".to_owned(),
    }
}

/// The screen's header line, body and footer line.
pub fn screen_areas(area: Rect) -> [Rect; 3] {
    // ratatui's constraint solver is most of a keystroke's work (its layout cache is not
    // built in), and these areas change only with the terminal's size: the last answer is
    // kept.
    thread_local! {
        static LAST: std::cell::Cell<Option<(Rect, [Rect; 3])>> = const { std::cell::Cell::new(None) };
    }
    LAST.with(|last| match last.get() {
        Some((at, areas)) if at == area => areas,
        _ => {
            let areas = Layout::vertical([
                Constraint::Length(1),
                Constraint::Min(5),
                Constraint::Length(1),
            ])
            .areas(area);
            last.set(Some((area, areas)));
            areas
        }
    })
}

/// The table's area and the detail pane's (when shown) in the body (the last answer kept, as
/// [`screen_areas`] does).
pub fn body_areas(body: Rect, show_detail: bool) -> (Rect, Option<Rect>) {
    type Areas = (Rect, Option<Rect>);
    thread_local! {
        static LAST: std::cell::Cell<Option<((Rect, bool), Areas)>> = const { std::cell::Cell::new(None) };
    }
    LAST.with(|last| match last.get() {
        Some((at, areas)) if at == (body, show_detail) => areas,
        _ => {
            let areas = split_body(body, show_detail);
            last.set(Some(((body, show_detail), areas)));
            areas
        }
    })
}

fn split_body(body: Rect, show_detail: bool) -> (Rect, Option<Rect>) {
    if !show_detail {
        (body, None)
    } else if body.width >= 150 {
        let [t, d] = Layout::horizontal([Constraint::Percentage(62), Constraint::Percentage(38)])
            .areas(body);
        (t, Some(d))
    } else {
        // Short terminals give the table the room: there the pane takes a third of the height.
        let detail_height = if body.height < 30 {
            (body.height / 3).max(3)
        } else {
            body.height.saturating_sub(8).clamp(3, 12)
        };
        let [t, d] =
            Layout::vertical([Constraint::Min(5), Constraint::Length(detail_height)]).areas(body);
        (t, Some(d))
    }
}

/// The table's area in a terminal of `size`.
pub fn table_area(size: (u16, u16), show_detail: bool) -> Rect {
    let [_, body, _] = screen_areas(Rect::new(0, 0, size.0, size.1));
    body_areas(body, show_detail).0
}

/// Rows the table shows in `area` (its frame and header take three lines).
fn visible_rows(area: Rect) -> usize {
    usize::from(area.height.saturating_sub(3)).max(1)
}

/// The first row shown: `top`, moved only as far as needed to show the selection.
fn first_shown(top: usize, selected: usize, visible: usize) -> usize {
    top.min(selected).max(selected.saturating_sub(visible - 1))
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

/// The table's columns after the marks, in drawing order.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Column {
    /// The profile's name.
    Profile,
    /// Its kind.
    Kind,
    /// The account id.
    Account,
    /// The role or user name.
    Principal,
    /// Where its credentials come from (`source_profile`, `credential_source`, the long-term
    /// profile): the column `mfatui list` prints.
    Source,
    /// The region.
    Region,
    /// Whether it uses an MFA device.
    Mfa,
    /// The countdown.
    Expires,
}

impl Column {
    /// Every column, in drawing order.
    pub const ALL: [Column; 8] = [
        Column::Profile,
        Column::Kind,
        Column::Account,
        Column::Principal,
        Column::Source,
        Column::Region,
        Column::Mfa,
        Column::Expires,
    ];

    /// Its header.
    pub fn title(self) -> &'static str {
        match self {
            Column::Profile => "PROFILE",
            Column::Kind => "KIND",
            Column::Account => "ACCOUNT",
            Column::Principal => "ROLE/USER",
            Column::Source => "SOURCE",
            Column::Region => "REGION",
            Column::Mfa => "MFA",
            Column::Expires => "EXPIRES",
        }
    }

    /// The widest it takes before the room left is shared out.
    fn cap(self) -> usize {
        match self {
            Column::Profile => usize::MAX,
            Column::Kind => 12,
            Column::Account => 12,
            Column::Principal | Column::Source => 24,
            Column::Region => 14,
            Column::Mfa => 3,
            Column::Expires => 17,
        }
    }

    /// The text of a cell (the countdown's is drawn apart).
    pub fn text(self, p: &Profile) -> &str {
        fn dash(v: Option<&str>) -> &str {
            v.unwrap_or("—")
        }
        match self {
            Column::Profile => &p.name,
            Column::Kind => p.kind.label(),
            Column::Account => dash(p.account.as_deref()),
            Column::Principal => dash(p.principal.as_deref()),
            Column::Source => dash(p.source()),
            Column::Region => dash(p.region.as_deref()),
            Column::Mfa if p.mfa.is_some() => "yes",
            Column::Mfa => "no",
            Column::Expires => "",
        }
    }
}

/// Each column's natural width over every profile (not only the rows shown), so that no
/// column comes or goes while scrolling or filtering.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Natural([usize; 8]);

impl Natural {
    /// The widths over `profiles`.
    pub fn of(profiles: &[Profile]) -> Natural {
        let mut widths = Column::ALL.map(|c| c.title().chars().count());
        for p in profiles {
            for (w, c) in widths.iter_mut().zip(Column::ALL) {
                let text = c.text(p);
                let n = if text.is_ascii() {
                    text.len()
                } else {
                    text.chars().count()
                };
                *w = (*w).max(n);
            }
        }
        widths[Column::Expires as usize] = Column::Expires.cap();
        Natural(widths)
    }
}

/// The columns shown in `width` and how wide each is: the name is kept readable first (up to
/// 24 columns) and the countdown always shows; then kind, account, MFA, role, source and
/// region join, in that order, while they fit; the room left widens the name, then role and
/// source, up to their longest value. Longer values are cut with `…`. It depends on the width
/// and on every profile, never on the rows shown.
pub fn layout(natural: &Natural, width: u16) -> Vec<(Column, u16)> {
    let width = usize::from(width);
    let want = |c: Column| natural.0[c as usize].min(c.cap());
    let name_min = natural.0[Column::Profile as usize].min(24);
    // The marks column and one space between every two columns.
    let mut used = 2 + 1 + name_min + 1 + want(Column::Expires);
    let mut shown = vec![Column::Profile, Column::Expires];
    for c in [
        Column::Kind,
        Column::Account,
        Column::Mfa,
        Column::Principal,
        Column::Source,
        Column::Region,
    ] {
        if used + 1 + want(c) <= width {
            used += 1 + want(c);
            shown.push(c);
        }
    }
    let mut widths: Vec<(Column, usize)> = Column::ALL
        .iter()
        .filter(|c| shown.contains(c))
        .map(|&c| {
            (
                c,
                if c == Column::Profile {
                    name_min
                } else {
                    want(c)
                },
            )
        })
        .collect();
    let mut slack = width.saturating_sub(used);
    for grow in [Column::Profile, Column::Principal, Column::Source] {
        if let Some((_, w)) = widths.iter_mut().find(|(c, _)| *c == grow) {
            let more = natural.0[grow as usize].saturating_sub(*w).min(slack);
            *w += more;
            slack -= more;
        }
    }
    if used > width {
        // Narrower than a readable name and the countdown: the name gives way.
        if let Some((_, w)) = widths.iter_mut().find(|(c, _)| *c == Column::Profile) {
            *w = w.saturating_sub(used - width).max(1);
        }
    }
    widths
        .into_iter()
        .map(|(c, w)| (c, u16::try_from(w).unwrap_or(u16::MAX)))
        .collect()
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
    let visible = visible_rows(area);
    let columns = layout(&table.natural, area.width.saturating_sub(2));
    if table.grouped {
        return render_grouped(table, data, marks, now, theme, frame, area, &columns);
    }
    let offset = first_shown(table.top, table.selected, visible);
    let header = header_row(table, &columns, theme);
    let shown = table.rows[offset.min(table.rows.len())..]
        .iter()
        .take(visible)
        .map(|&i| &data.profiles()[i]);
    let rows: Vec<Row> = shown
        .map(|p| profile_row(table, data, marks, now, theme, &columns, p))
        .collect();
    let widths: Vec<Constraint> = std::iter::once(Constraint::Length(2))
        .chain(columns.iter().map(|&(_, w)| Constraint::Length(w)))
        .collect();
    let grid = Grid::new(rows, widths)
        .header(header)
        .block(block)
        .row_highlight_style(theme.selected());
    let mut state = TableState::default()
        .with_selected((!table.rows.is_empty()).then_some(table.selected - offset));
    frame.render_stateful_widget(grid, area, &mut state);
}

/// The header: each column's title, the sorted one with ▲ or ▼.
fn header_row(table: &Table, columns: &[(Column, u16)], theme: Theme) -> Row<'static> {
    Row::new(
        std::iter::once(Cell::from(""))
            .chain(columns.iter().map(|(c, _)| {
                if *c == table.sort.by {
                    let arrow = if table.sort.reversed { "▼" } else { "▲" };
                    Cell::from(format!("{}{arrow}", c.title()))
                } else {
                    Cell::from(c.title())
                }
            }))
            .collect::<Vec<_>>(),
    )
    .style(theme.accent())
}

/// The line of group `g` (the number of lines before it), grouped.
fn first_line(table: &Table, g: usize) -> usize {
    table
        .groups
        .get(g)
        .map_or(table.line_count(), |(_, range)| range.start + g)
}

/// One profile's row.
fn profile_row(
    table: &Table,
    data: &Loaded,
    marks: &Marks,
    now: DateTime<Utc>,
    theme: Theme,
    columns: &[(Column, u16)],
    p: &Profile,
) -> Row<'static> {
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
    let mut cells = vec![Cell::from(Line::from(vec![mark, status]))];
    for &(column, width) in columns {
        let width = usize::from(width);
        cells.push(if column == Column::Expires {
            let mut cell = expiry_cell(&data.snapshot, p, now, marks.thresholds, theme);
            cell.content = crate::text::fit(&cell.content, width).into();
            Cell::from(Line::from(cell))
        } else {
            Cell::from(crate::text::fit(column.text(p), width))
        });
    }
    Row::new(cells)
}

/// The table grouped (`t`): a line per group (its name, how many, the soonest expiry), its
/// rows under it.
#[allow(clippy::too_many_arguments)]
fn render_grouped(
    table: &Table,
    data: &Loaded,
    marks: &Marks,
    now: DateTime<Utc>,
    theme: Theme,
    frame: &mut Frame,
    area: Rect,
    columns: &[(Column, u16)],
) {
    let profiles = data.profiles();
    let visible = visible_rows(area);
    let selected = table.line();
    let offset = first_shown(table.top, selected, visible);
    // The lines shown: `None` a group's line (with its index), `Some(row)` a profile. Only
    // these are built: the group's line of `g` is `start + g`.
    let first = table
        .groups
        .iter()
        .enumerate()
        .position(|(g, (_, range))| offset <= range.end + g)
        .unwrap_or(table.groups.len());
    let lines = table.groups[first..]
        .iter()
        .enumerate()
        .flat_map(|(k, (_, range))| {
            std::iter::once((first + k, None))
                .chain(range.clone().map(move |r| (first + k, Some(r))))
        })
        .skip(offset.saturating_sub(first_line(table, first)));
    // Each group's line names it across the columns (drawn over them below), not cut to
    // the PROFILE column: its index on screen and its text.
    let mut labels: Vec<(usize, String)> = Vec::new();
    let rows: Vec<Row> = lines
        .take(visible)
        .enumerate()
        .map(|(shown, (g, row))| match row {
            Some(r) => profile_row(
                table,
                data,
                marks,
                now,
                theme,
                columns,
                &profiles[table.rows[r]],
            ),
            None => {
                let (label, range) = &table.groups[g];
                let soonest = table.rows[range.clone()]
                    .iter()
                    .filter_map(|&i| data.snapshot.shown_expiry(&profiles[i]).0.at())
                    .min();
                labels.push((
                    shown,
                    format!(
                        "{label} · {}",
                        crate::renew::bulk::profiles_count(range.len())
                    ),
                ));
                let mut cells = vec![Cell::from("▾")];
                for &(column, width) in columns {
                    let width = usize::from(width);
                    cells.push(match column {
                        Column::Expires => Cell::from(crate::text::fit(
                            &soonest.map_or("—".to_owned(), |at| {
                                countdown(at, now, marks.thresholds.0, marks.thresholds.1).0
                            }),
                            width,
                        )),
                        _ => Cell::from(""),
                    });
                }
                Row::new(cells).style(theme.accent())
            }
        })
        .collect();
    let widths: Vec<Constraint> = std::iter::once(Constraint::Length(2))
        .chain(columns.iter().map(|&(_, w)| Constraint::Length(w)))
        .collect();
    let grid = Grid::new(rows, widths)
        .header(header_row(table, columns, theme))
        .block(
            Block::default()
                .borders(Borders::ALL)
                .title(" Profiles by source "),
        )
        .row_highlight_style(theme.selected());
    let mut state =
        TableState::default().with_selected((!table.rows.is_empty()).then_some(selected - offset));
    frame.render_stateful_widget(grid, area, &mut state);
    // From after the marks column to the countdown's column, less a space.
    let x = area.x + 1 + 3;
    let room = columns
        .iter()
        .take_while(|(c, _)| *c != Column::Expires)
        .map(|&(_, w)| usize::from(w) + 1)
        .sum::<usize>()
        .saturating_sub(1)
        .min(usize::from(area.width.saturating_sub(5)));
    for (shown, text) in labels {
        let y = area.y + 2 + u16::try_from(shown).unwrap_or(u16::MAX);
        if y < area.bottom().saturating_sub(1) {
            frame.buffer_mut().set_stringn(
                x,
                y,
                crate::text::fit(&text, room),
                room,
                theme.accent(),
            );
        }
    }
}
