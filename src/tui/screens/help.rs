//! The help overlay: every key and what the table's marks mean, sized to its content,
//! scrollable when the terminal is short.

use super::dialog::{dialog, wrap};
use super::openers::OPENERS;
use crate::tui::component::{Cx, Dialog, Flow, Shared, MIN_SIZE};
use crate::tui::theme::Theme;
use crossterm::event::{KeyCode, KeyEvent};
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::Frame;

/// The help overlay's state: how far it is scrolled.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Help {
    /// First line shown.
    pub scroll: usize,
}

/// The table's own keys.
const TABLE_KEYS: [(&str, &str); 17] = [
    ("↑ ↓  j k", "move"),
    ("PgUp PgDn", "move a page"),
    ("Home End  g G", "first / last profile"),
    ("⏎  r", "renew the selected profile"),
    (
        "/",
        "a fresh fuzzy filter over name, kind, account, role, region, source, sso_session, MFA device; Ctrl-U Ctrl-W Ctrl-A Ctrl-E Alt-B Alt-F edit it as a shell line; Esc clears",
    ),
    (
        "o  O",
        "sort by the next column (name, expiry, kind and on) / reverse it (▲ ▼)",
    ),
    ("d", "show / hide the detail pane"),
    (
        "t  A",
        "group by where credentials come from (keys and MFA device, SSO session, account) / mark the row's group; ⏎ on a group's line renews it",
    ),
    ("Tab", "focus the detail pane: ↑ ↓ PgUp PgDn scroll it, Tab or Esc back"),
    (
        "f",
        "keep fresh: renew ahead of expiry when no code is needed",
    ),
    ("space", "mark / unmark; ⏎ renews all marked with one code"),
    ("a", "mark every expired or expiring role; Esc clears marks"),
    (
        "R",
        "reload the files now (they also reload when changed on disk)",
    ),
    (
        "y",
        "copy the name; again: export AWS_PROFILE=NAME, the account id, the role ARN (OSC 52; never a secret)",
    ),
    (
        "mouse",
        "click selects, double-click renews (a group's line: the group), the wheel scrolls, a header click sorts (again: reversed)",
    ),
    ("?", "this help"),
    ("q  Ctrl-C", "quit"),
];

/// What the marks in the table's first column and the countdowns mean.
const MARKS: [(&str, &str); 5] = [
    ("Marks in the table", ""),
    (
        "*",
        "the profile AWS_PROFILE (or AWS_DEFAULT_PROFILE) selects: the AWS CLI uses it without --profile",
    ),
    ("!", "a problem with the profile: the detail pane says which"),
    ("●  ⟳", "marked for renewal · kept fresh (red ⟳: it could not be)"),
    ("↳", "the countdown of its session, kept in another profile"),
];

/// Keys inside the dialogs.
const DIALOG_KEYS: [(&str, &str); 8] = [
    ("In the renew dialog", ""),
    ("Tab ↑ ↓", "next / previous field"),
    ("← →", "change mode or duration"),
    (
        "0-9 (or paste)",
        "MFA code; type e.g. 90m in the duration field",
    ),
    ("Ctrl-T", "hide / show the code"),
    (
        "⏎ / Esc",
        "renew / cancel (Esc also cancels a running call)",
    ),
    ("In the diff", "j k PgUp PgDn scroll · y write · n discard"),
    (
        "↑ ↓ PgUp PgDn",
        "scroll a long dialog (bulk renewal, its result); its input and keys stay in view",
    ),
];

impl Dialog for Help {
    /// ↑ ↓ j k scroll a help that does not fit; any other key closes it.
    fn key(&mut self, key: KeyEvent, _cx: &mut Cx) -> Flow {
        match key.code {
            KeyCode::Down | KeyCode::Char('j') => self.scroll = (self.scroll + 1).min(max_scroll()),
            KeyCode::Up | KeyCode::Char('k') => self.scroll = self.scroll.saturating_sub(1),
            _ => return Flow::Close,
        }
        Flow::Stay
    }

    fn keys(&self) -> Vec<(&'static str, &'static str)> {
        vec![("↑ ↓ j k", "scroll"), ("any other key", "close")]
    }

    fn render(&self, _shared: &Shared, theme: Theme, frame: &mut Frame, area: Rect) {
        render(self, theme, frame, area)
    }

    fn as_any(&self) -> &dyn std::any::Any {
        self
    }
}

/// Every line of the help: the table's keys, the registered dialogs' keys, the dialogs' own.
pub fn rows() -> Vec<(String, &'static str)> {
    let owned = |(k, v): &(&str, &'static str)| ((*k).to_owned(), *v);
    // The registered dialogs' keys go before `?` and `q`, which close the table's list.
    let (keys, last) = TABLE_KEYS.split_at(TABLE_KEYS.len() - 2);
    let mut out: Vec<(String, &'static str)> = keys.iter().map(owned).collect();
    out.extend(OPENERS.iter().map(|o| (o.key.to_string(), o.help)));
    out.extend(last.iter().map(owned));
    out.extend(MARKS.iter().map(owned));
    out.extend(DIALOG_KEYS.iter().map(owned));
    out
}

/// How far the help can scroll: its length wrapped for the smallest terminal (drawing then
/// stops at the last line the terminal at hand can show).
fn max_scroll() -> usize {
    let narrowest = usize::from(MIN_SIZE.0).saturating_sub(2);
    lines(Theme { colour: false }, narrowest).len()
}

/// Width of the key column.
const KEY_WIDTH: usize = 16;

/// The help text wrapped to `width` columns: descriptions continue under themselves.
fn lines(theme: Theme, width: usize) -> Vec<Line<'static>> {
    let text_width = width.saturating_sub(KEY_WIDTH).max(12);
    let mut out = Vec::new();
    for (key, what) in rows() {
        if what.is_empty() {
            out.push(Line::styled(key, theme.accent()));
            continue;
        }
        for (i, chunk) in wrap(what, text_width).into_iter().enumerate() {
            let key = if i == 0 { key.as_str() } else { "" };
            out.push(Line::from(vec![
                Span::styled(format!("{key:<KEY_WIDTH$}"), theme.accent()),
                Span::raw(chunk),
            ]));
        }
    }
    out
}

/// The widest help line, unwrapped.
fn natural_width() -> usize {
    rows()
        .iter()
        .map(|(k, v)| {
            if v.is_empty() {
                k.chars().count()
            } else {
                KEY_WIDTH + v.chars().count()
            }
        })
        .max()
        .unwrap_or(0)
}

/// Draws the help, as wide as its longest line (wrapped on narrow terminals) and as tall as
/// it is (scrolled when the terminal is shorter).
fn render(help: &Help, theme: Theme, frame: &mut Frame, area: Rect) {
    let width = (natural_width() + 2).min(usize::from(area.width));
    let mut body = lines(theme, width.saturating_sub(2));
    let room = usize::from(area.height.saturating_sub(4));
    let hint = if body.len() > room {
        let last = body.len() - room;
        let from = help.scroll.min(last);
        body = body.split_off(from);
        body.truncate(room);
        "↑ ↓ scroll · any other key closes"
    } else {
        "any key closes"
    };
    body.extend([Line::raw(""), Line::styled(hint, theme.dim())]);
    let height = body.len() as u16 + 2;
    dialog(
        frame,
        area,
        " Keys ",
        width as u16,
        height,
        body,
        false,
        theme,
    );
}
