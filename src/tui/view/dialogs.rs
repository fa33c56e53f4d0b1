//! Dialogs drawn over the table: renew form, progress, diff preview, error, help.

use crate::renew::{duration, Mode};
use crate::tui::app::{App, Overlay, Preview};
use crate::tui::form::{Field, RenewForm};
use crate::tui::theme::Theme;
use ratatui::layout::{Constraint, Flex, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph, Wrap};
use ratatui::Frame;

const SPINNER: [&str; 8] = ["⠋", "⠙", "⠹", "⠸", "⠼", "⠴", "⠦", "⠧"];

/// Every key, for the help overlay.
pub const KEYS: [(&str, &str); 19] = [
    ("↑ ↓  j k", "move"),
    ("PgUp PgDn", "move a page"),
    ("Home End  g G", "first / last profile"),
    ("⏎  r", "renew the selected profile"),
    (
        "/",
        "filter (name, kind, account, role, region); Esc clears",
    ),
    ("o", "sort by name / by expiry"),
    (
        "s",
        "save the profile's default mode and duration to the settings file",
    ),
    (
        "space",
        "mark / unmark for renewing several with one code (⏎ renews the marked)",
    ),
    (
        "a",
        "mark every role profile that is expired or expiring soon; Esc clears marks",
    ),
    (
        "R",
        "reload the files now (they also reload when changed on disk)",
    ),
    ("?", "this help"),
    ("q  Ctrl-C", "quit"),
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
];

/// Draws the overlay, if any.
pub fn render(app: &App, theme: Theme, frame: &mut Frame, area: Rect) {
    match &app.overlay {
        Overlay::None => {}
        Overlay::Help => help(theme, frame, area),
        Overlay::Renew(form) => renew(app, form, theme, frame, area),
        Overlay::Defaults(form) => defaults(form, theme, frame, area),
        Overlay::Bulk(form) => bulk_form(form, theme, frame, area),
        Overlay::BulkRunning { started, lines, .. } => {
            let elapsed = (app.now - *started).num_milliseconds().max(0);
            let spinner = SPINNER[(elapsed / 100) as usize % SPINNER.len()];
            let mut text = vec![Line::from(format!(
                "{spinner} Renewing {} profiles…  {:.1} s",
                lines.len(),
                elapsed as f64 / 1000.0
            ))];
            for (profile, outcome) in lines
                .iter()
                .take(usize::from(area.height.saturating_sub(6)))
            {
                text.push(match outcome {
                    None => Line::styled(format!("  … {profile}"), theme.dim()),
                    Some(Ok(target)) => {
                        Line::styled(format!("  ✓ {profile} → [{target}]"), theme.ok())
                    }
                    Some(Err(why)) => Line::styled(format!("  ✗ {profile}: {why}"), theme.danger()),
                });
            }
            text.push(Line::styled(
                "Esc cancels (nothing is written).",
                theme.dim(),
            ));
            let height = text.len() as u16 + 2;
            dialog(
                frame,
                area,
                " Working ",
                100,
                height,
                Paragraph::new(text),
                theme,
            );
        }
        Overlay::Running {
            profile, started, ..
        } => {
            let elapsed = (app.now - *started).num_milliseconds().max(0);
            let frame_no = (elapsed / 100) as usize % SPINNER.len();
            let text = vec![
                Line::from(format!(
                    "{} Renewing {profile}…  {:.1} s",
                    SPINNER[frame_no],
                    elapsed as f64 / 1000.0
                )),
                Line::styled("Esc cancels (nothing is written).", theme.dim()),
            ];
            dialog(frame, area, " Working ", 50, 4, Paragraph::new(text), theme);
        }
        Overlay::Preview(preview) => diff(preview, theme, frame, area),
        Overlay::Error { title, message } => {
            let text = vec![
                Line::styled(message.clone(), theme.danger()),
                Line::raw(""),
                Line::styled("⏎ / Esc close", theme.dim()),
            ];
            let height = 4 + (message.len() as u16 / 60);
            dialog(
                frame,
                area,
                &format!(" {title} "),
                70,
                height + 2,
                Paragraph::new(text).wrap(Wrap { trim: true }),
                theme,
            );
        }
    }
}

fn centered(area: Rect, width: u16, height: u16) -> Rect {
    let [v] = Layout::vertical([Constraint::Length(height.min(area.height))])
        .flex(Flex::Center)
        .areas(area);
    let [h] = Layout::horizontal([Constraint::Length(width.min(area.width))])
        .flex(Flex::Center)
        .areas(v);
    h
}

fn dialog(
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
fn form_dialog(
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

fn help(theme: Theme, frame: &mut Frame, area: Rect) {
    let lines: Vec<Line> = KEYS
        .iter()
        .map(|(k, v)| {
            if v.is_empty() {
                Line::styled(*k, theme.accent())
            } else {
                Line::from(vec![
                    Span::styled(format!("{k:<16}"), theme.accent()),
                    Span::raw(*v),
                ])
            }
        })
        .chain([Line::raw(""), Line::styled("any key closes", theme.dim())])
        .collect();
    let height = lines.len() as u16 + 2;
    dialog(
        frame,
        area,
        " Keys ",
        78,
        height,
        Paragraph::new(lines),
        theme,
    );
}

fn renew(app: &App, form: &RenewForm, theme: Theme, frame: &mut Frame, area: Rect) {
    let focus = |f: Field| {
        if form.field == f {
            theme.selected()
        } else {
            ratatui::style::Style::new()
        }
    };
    let planned = app.form_plan(form);
    let mode_text = form
        .modes
        .iter()
        .map(|m| m.label())
        .collect::<Vec<_>>()
        .join(" / ");
    let mut lines = vec![
        Line::from(vec![
            Span::styled("Mode       ", theme.dim()),
            Span::styled(
                format!("◀ {} ▶", form.current_mode().label()),
                focus(Field::Mode),
            ),
            Span::styled(format!("   ({mode_text})"), theme.dim()),
        ]),
        Line::from(vec![
            Span::styled("Duration   ", theme.dim()),
            Span::styled(
                format!("◀ {} ▶", form.duration_text()),
                focus(Field::Duration),
            ),
            Span::styled(
                match (form.current_mode(), form.chained) {
                    (Mode::Session, _) => "   15m – 36h",
                    (Mode::Role, true) => "   15m – 1h (role chaining)",
                    (Mode::Role, false) => "   15m – 12h",
                },
                theme.dim(),
            ),
        ]),
    ];
    let code_line = match &planned {
        Ok(r) if !r.needs_code() => Line::from(vec![
            Span::styled("MFA code   ", theme.dim()),
            Span::raw(format!(
                "not needed: the MFA session of '{}' is reused",
                r.source.profile
            )),
        ]),
        Ok(r) if app.mfa_process(r).is_some() => Line::from(vec![
            Span::styled("MFA code   ", theme.dim()),
            Span::raw("from mfa_process"),
        ]),
        _ => {
            let shown: String = if form.masked {
                "•".repeat(form.code.len())
            } else {
                form.code.clone()
            };
            let boxes = format!("[{shown:_<6}]");
            let serial = planned.as_ref().ok().and_then(|r| r.serial()).unwrap_or("");
            Line::from(vec![
                Span::styled("MFA code   ", theme.dim()),
                Span::styled(boxes, focus(Field::Code)),
                Span::styled(format!("  {serial}"), theme.dim()),
            ])
        }
    };
    lines.push(code_line);
    lines.push(Line::raw(""));
    match &planned {
        Ok(r) => {
            let how = match r.mode {
                Mode::Session => format!("GetSessionToken with the keys of '{}'", r.source.profile),
                Mode::Role => {
                    let hops: Vec<&str> = r.hops.iter().map(|h| h.profile.as_str()).collect();
                    format!(
                        "AssumeRole {} from '{}'",
                        hops.join(" → "),
                        r.source.profile
                    )
                }
            };
            lines.push(Line::styled(how, theme.dim()));
            lines.push(Line::from(format!(
                "Writes [{}] in the credentials file, {}",
                r.target,
                duration::human(r.duration_secs)
            )));
        }
        Err(e) => lines.push(Line::styled(e.clone(), theme.danger())),
    }
    form_dialog(
        frame,
        area,
        &format!(" Renew {} ", form.profile),
        76,
        lines,
        form.error.as_deref(),
        "⏎ renew · Tab field · ←→ change · Esc cancel",
        true,
        theme,
    );
}

fn bulk_form(form: &crate::tui::app::BulkForm, theme: Theme, frame: &mut Frame, area: Rect) {
    let plan = &form.plan;
    let mut lines = Vec::new();
    if let Some(session) = &plan.session {
        lines.push(Line::from(format!(
            "One MFA session for '{}' → [{}], then:",
            session.source.profile, session.target
        )));
    }
    for r in &plan.renewals {
        lines.push(Line::from(format!(
            "  {} → [{}] ({})",
            r.profile,
            r.target,
            duration::human(r.duration_secs)
        )));
    }
    for (profile, why) in &plan.skipped {
        lines.push(Line::styled(
            format!("  ✗ {profile}: {why}"),
            theme.danger(),
        ));
    }
    lines.push(Line::raw(""));
    if plan.needs_code() {
        let serial = plan.session.as_ref().and_then(|s| s.serial()).unwrap_or("");
        lines.push(Line::from(vec![
            Span::styled("MFA code   ", theme.dim()),
            Span::styled(format!("[{:_<6}]", form.code), theme.selected()),
            Span::styled(format!("  {serial}"), theme.dim()),
        ]));
    } else {
        lines.push(Line::styled(
            "No code needed: a fresh MFA session is reused.",
            theme.dim(),
        ));
    }
    let keys = "⏎ renew all · Esc cancel — one diff, one backup, one write";
    form_dialog(
        frame,
        area,
        " Renew marked profiles ",
        100,
        lines,
        form.error.as_deref(),
        keys,
        true,
        theme,
    );
}

fn defaults(form: &RenewForm, theme: Theme, frame: &mut Frame, area: Rect) {
    let focus = |f: Field| {
        if form.field == f {
            theme.selected()
        } else {
            ratatui::style::Style::new()
        }
    };
    let lines = vec![
        Line::from(vec![
            Span::styled("Mode       ", theme.dim()),
            Span::styled(
                format!("◀ {} ▶", form.current_mode().label()),
                focus(Field::Mode),
            ),
        ]),
        Line::from(vec![
            Span::styled("Duration   ", theme.dim()),
            Span::styled(
                format!("◀ {} ▶", form.duration_text()),
                focus(Field::Duration),
            ),
        ]),
        Line::raw(""),
        Line::styled(
            format!(
                "Saved as [profiles.{}] in the settings file; comments there are kept.",
                form.profile
            ),
            theme.dim(),
        ),
    ];
    form_dialog(
        frame,
        area,
        &format!(" Defaults for {} ", form.profile),
        76,
        lines,
        form.error.as_deref(),
        "⏎ save · Tab field · ←→ change · Esc cancel",
        false,
        theme,
    );
}

fn diff(preview: &Preview, theme: Theme, frame: &mut Frame, area: Rect) {
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
