//! Drawing: a pure function of the [`App`] onto a frame. No I/O, no clock but `app.now`.
//! Lays out header, table, detail pane and footer, then draws whatever overlay is on top;
//! each screen draws itself (see [`super::screens`]).

use super::app::App;
use super::detail;
use super::keep_fresh::kept_fresh;
use super::screens::table;
use super::theme::Theme;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph, Wrap};
use ratatui::Frame;

pub use super::component::MIN_SIZE;

pub use super::screens::table::countdown;

/// Draws the whole screen.
pub fn render(app: &App, theme: Theme, frame: &mut Frame) {
    let area = frame.area();
    if area.width < MIN_SIZE.0 || area.height < MIN_SIZE.1 {
        let text = vec![
            Line::styled("Terminal too small", theme.danger()),
            Line::from(format!(
                "mfatui needs {}×{}; this one is {}×{}.",
                MIN_SIZE.0, MIN_SIZE.1, area.width, area.height
            )),
            Line::styled("Enlarge the window, or press q to quit.", theme.dim()),
        ];
        frame.render_widget(
            Paragraph::new(text).wrap(ratatui::widgets::Wrap { trim: true }),
            area,
        );
        return;
    }
    let [header, body, footer] = table::screen_areas(area);
    render_header(app, theme, frame, header);
    if app.data.profiles().is_empty() {
        render_empty(app, theme, frame, body);
        render_footer(app, theme, frame, footer);
        return;
    }
    let (table_area, detail_area) = table::body_areas(body, app.table.show_detail);
    let shared = app.shared();
    let kept = |name: &str| kept_fresh(&shared, name);
    let marks = table::Marks {
        fresh_warnings: &app.fresh.warnings,
        kept: &kept,
        thresholds: (app.ctx.settings.warn_secs, app.ctx.settings.danger_secs),
    };
    table::render(
        &app.table, &app.data, &marks, app.now, theme, frame, table_area,
    );
    if let Some(area) = detail_area {
        let pane = detail::Pane {
            selected: app.table.selected(&app.data),
            group: app
                .table
                .selected_group()
                .map(|g| (app.table.groups[g].0.as_str(), app.table.groups[g].1.len())),
            key_ages: &app.key_ages,
            fresh_warnings: &app.fresh.warnings,
            scroll: app.table.detail_scroll,
            focused: app.table.detail_focus,
        };
        detail::render(&shared, &pane, theme, frame, area);
    }
    render_footer(app, theme, frame, footer);
    if let Some(dialog) = app.dialog() {
        dialog.render(&shared, theme, frame, area);
    }
}

/// No profiles at all: which files were read, how to add a first profile, and the demo.
fn render_empty(app: &App, theme: Theme, frame: &mut Frame, area: Rect) {
    let note = app.data.snapshot.files().empty_note(app.ctx.demo);
    let mut lines: Vec<Line> = note.lines().map(|l| Line::from(l.to_owned())).collect();
    lines.push(Line::raw(""));
    lines.push(Line::styled(
        "The list fills in by itself when a file changes; q quits.",
        theme.dim(),
    ));
    let block = Block::default()
        .borders(Borders::ALL)
        .title(Span::styled(" No profiles ", theme.accent()));
    frame.render_widget(
        Paragraph::new(lines)
            .block(block)
            .wrap(Wrap { trim: false }),
        area,
    );
}

fn render_header(app: &App, theme: Theme, frame: &mut Frame, area: Rect) {
    let title = if app.ctx.demo {
        " mfatui --demo "
    } else {
        " mfatui "
    };
    let mut spans = vec![
        Span::styled(title, theme.accent()),
        Span::raw(crate::renew::bulk::profiles_count(
            app.data.profiles().len(),
        )),
    ];
    if app.table.rows.len() != app.data.profiles().len() {
        spans.push(Span::raw(format!(" ({} shown)", app.table.rows.len())));
    }
    let sort = app.table.sort;
    spans.push(Span::styled(
        format!(
            "  sorted by {}{}",
            match sort.by {
                table::Column::Profile => "name".to_owned(),
                table::Column::Expires => "expiry".to_owned(),
                other => other.title().to_lowercase(),
            },
            if sort.reversed { " ▼" } else { "" }
        ),
        theme.dim(),
    ));
    if app.table.filtering || !app.table.filter.is_empty() {
        spans.push(Span::raw("  filter: "));
        spans.push(Span::styled(
            {
                let (before, after) = app.table.filter.split();
                let cursor = if app.table.filtering { "▏" } else { "" };
                crate::text::printable(&format!("{before}{cursor}{after}"), usize::MAX)
            },
            theme.accent(),
        ));
    }
    frame.render_widget(Paragraph::new(Line::from(spans)), area);
}

/// Key hints as footer spans, as many as fit in `width`, the last one (`?` help) always.
fn key_spans(
    theme: Theme,
    width: usize,
    lead: Vec<Span<'static>>,
    keys: &[(&str, &str)],
) -> Line<'static> {
    let text = |(key, what): &(&str, &str)| (format!(" {key}"), format!(" {what} "));
    let len = |(k, w): &(String, String)| k.chars().count() + w.chars().count();
    let mut used: usize = lead.iter().map(|s| s.content.chars().count()).sum();
    let (last, rest) = match keys.split_last() {
        Some((last, rest)) if last.0 == "?" => (Some(text(last)), rest),
        _ => (None, keys),
    };
    used += last.as_ref().map_or(0, len);
    let mut spans = lead;
    for key in rest.iter().map(text) {
        if used + len(&key) > width {
            break;
        }
        used += len(&key);
        spans.push(Span::styled(key.0, theme.accent()));
        spans.push(Span::raw(key.1));
    }
    if let Some(last) = last {
        spans.push(Span::styled(last.0, theme.accent()));
        spans.push(Span::raw(last.1));
    }
    Line::from(spans)
}

/// The footer: a request waiting, else a passing message, else the keys of what has the
/// focus (the dialog on top, the filter line, the marks, the table) — with the selected
/// row's problem first when it has one.
fn render_footer(app: &App, theme: Theme, frame: &mut Frame, area: Rect) {
    let waiting = app.requests.queue.len();
    if waiting > 0 && app.toast.is_none() {
        let text = if waiting == 1 {
            " ⧗ a renewal request from another program waits for the open dialog to close"
                .to_owned()
        } else {
            format!(" ⧗ {waiting} renewal requests from other programs wait for the open dialog to close")
        };
        frame.render_widget(Paragraph::new(Span::styled(text, theme.warn())), area);
        return;
    }
    if let Some(toast) = &app.toast {
        let style = if toast.warning {
            theme.danger()
        } else {
            theme.ok()
        };
        frame.render_widget(
            Paragraph::new(Span::styled(
                format!(" {}", crate::text::shown(&toast.text)),
                style,
            )),
            area,
        );
        return;
    }
    let width = usize::from(area.width);
    let line = if let Some(dialog) = app.dialog() {
        key_spans(theme, width, Vec::new(), &dialog.keys())
    } else if app.table.detail_focus {
        key_spans(
            theme,
            width,
            Vec::new(),
            &[
                ("↑ ↓ PgUp PgDn", "scroll the pane"),
                ("Tab Esc", "back to the table"),
                ("?", "help"),
            ],
        )
    } else if app.table.filtering {
        key_spans(
            theme,
            width,
            Vec::new(),
            &[
                ("type", "filter"),
                ("⏎ ↑ ↓", "done"),
                ("Esc", "clear"),
                ("Ctrl-U Ctrl-W Alt-B Alt-F", "edit"),
            ],
        )
    } else if let Some(g) = app.table.selected_group() {
        let (label, range) = &app.table.groups[g];
        let lead = vec![Span::styled(
            format!(
                " ▾ {} ({}) ",
                crate::text::shown(label),
                crate::renew::bulk::profiles_count(range.len())
            ),
            theme.accent(),
        )];
        key_spans(
            theme,
            width,
            lead,
            &[
                ("⏎", "renew the group (one code)"),
                ("space A", "mark it"),
                ("↑↓", "move"),
                ("t", "ungroup"),
                ("?", "help"),
            ],
        )
    } else if !app.table.marked.is_empty() {
        let lead = vec![Span::styled(
            format!(" {} marked ", app.table.marked.len()),
            theme.accent(),
        )];
        key_spans(
            theme,
            width,
            lead,
            &[
                ("⏎", "renew marked"),
                ("space", "mark"),
                ("Esc", "clear marks"),
                ("?", "help"),
            ],
        )
    } else {
        let problem = app
            .table
            .selected(&app.data)
            .and_then(|p| p.problems.first());
        let lead = match problem {
            Some(problem) => vec![Span::styled(
                format!(" ! {} ", crate::text::shown(problem)),
                theme.danger(),
            )],
            None => Vec::new(),
        };
        let keys: &[(&str, &str)] = if problem.is_some() {
            &[("⏎", "how to fix"), ("?", "help")]
        } else {
            &[
                ("↑↓", "move"),
                ("⏎", "renew"),
                ("space", "mark"),
                ("a", "mark expiring"),
                ("/", "filter"),
                ("o", "sort"),
                ("f", "keep fresh"),
                ("c", "console"),
                ("d", "detail"),
                ("y", "copy"),
                ("R", "reload"),
                ("q", "quit"),
                ("?", "help"),
            ]
        };
        key_spans(theme, width, lead, keys)
    };
    frame.render_widget(Paragraph::new(line), area);
}
