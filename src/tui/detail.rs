//! The detail pane: everything about the selected profile, no secrets.

use crate::awsfiles::expiry::ExpirySource;
use crate::awsfiles::profile::key_suffix;
use crate::awsfiles::Profile;
use crate::awsfiles::{Expiry, KeyStore, ProfileKind};
use crate::duration;
use crate::renew::plan::plan;
use crate::renew::Mode;
use crate::tui::component::Shared;
use crate::tui::keep_fresh::kept_fresh;
use crate::tui::key_age::{KeyAge, KeyAges};
use crate::tui::safe_text::clean;
use crate::tui::theme::Theme;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph, Wrap};
use ratatui::Frame;
use std::collections::HashMap;

/// The section holding `name`'s session when it is another profile's.
fn app_session<'a>(snapshot: &'a crate::awsfiles::Snapshot, name: &str) -> Option<&'a str> {
    snapshot.session_elsewhere(name)
}

/// What the pane shows besides the shared state.
pub struct Pane<'a> {
    /// The selected profile (none when the filter hides every row).
    pub selected: Option<&'a Profile>,
    /// The group whose line is selected (grouped, `t`): its label and how many it holds.
    pub group: Option<(&'a str, usize)>,
    /// Access-key ages known so far.
    pub key_ages: &'a KeyAges,
    /// Kept-fresh profiles that need a hand, with the reason.
    pub fresh_warnings: &'a HashMap<String, String>,
    /// The first line shown (the pane scrolls when focused with `Tab`).
    pub scroll: u16,
    /// Whether it has the focus.
    pub focused: bool,
}

/// Draws the pane into `area`.
pub fn render(shared: &Shared, pane: &Pane, theme: Theme, frame: &mut Frame, area: Rect) {
    let snapshot = &shared.data.snapshot;
    // With no profiles at all the view explains the empty setup instead of this pane.
    if let Some((label, n)) = pane.group {
        let count = crate::renew::bulk::profiles_count(n);
        let lines = vec![
            Line::from(Span::styled(crate::text::shown(label), theme.accent())),
            Line::raw(format!("{count} get their credentials from here.")),
            Line::raw(""),
            Line::raw(if label.starts_with("SSO session ") {
                "⏎ signs in to the session once: that renews every profile of it."
            } else {
                "⏎ renews the group with one code: one MFA session, then every role through it, in one diff to confirm."
            }),
            Line::raw("A marks the group; ↓ goes to its first profile."),
        ];
        frame.render_widget(
            Paragraph::new(lines)
                .wrap(ratatui::widgets::Wrap { trim: false })
                .block(Block::default().borders(Borders::ALL)),
            area,
        );
        return;
    }
    let Some(p) = pane.selected else {
        frame.render_widget(
            Paragraph::new("No profile matches the filter.")
                .block(Block::default().borders(Borders::ALL)),
            area,
        );
        return;
    };
    let field = |name: &str, value: String| {
        Line::from(vec![
            Span::styled(format!("{name:<13}"), theme.dim()),
            Span::raw(value),
        ])
    };
    let mut lines = Vec::new();
    // The `*` in the table, on the kind's line so that a short pane loses nothing to it: the
    // variable the AWS CLI reads, named as it is set.
    let selected = if shared.ctx.paths.selected_profile.as_deref() != Some(p.name.as_str()) {
        String::new()
    } else if shared.ctx.env.get("AWS_DEFAULT_PROFILE") == Some(p.name.as_str()) {
        " · * AWS_DEFAULT_PROFILE selects it (used without --profile)".to_owned()
    } else {
        " · * AWS_PROFILE selects it (used without --profile)".to_owned()
    };
    lines.push(field("Kind", format!("{}{selected}", p.kind.label())));
    if let Some(arn) = &p.role_arn {
        lines.push(field("Role", arn.to_string()));
    }
    if let Some(account) = &p.account {
        lines.push(field(
            "Account",
            format!(
                "{account}{}",
                p.principal
                    .as_ref()
                    .map(|x| format!(" · {x}"))
                    .unwrap_or_default()
            ),
        ));
    }
    if !p.chain.is_empty() {
        lines.push(field(
            "Source chain",
            format!("{} → {}", p.name, p.chain.join(" → ")),
        ));
    } else if let Some(cs) = &p.credential_source {
        lines.push(field("Source", format!("credential_source = {cs}")));
    }
    let layout = snapshot.layout_of(&p.name);
    if p.kind != ProfileKind::Role {
        if let Some(section) = app_session(snapshot, &p.name) {
            lines.push(field("Session", format!("kept in [{section}]")));
        }
    }
    lines.push(field(
        "MFA device",
        p.mfa
            .as_ref()
            .map_or("none".to_owned(), |m| format!("{} ({})", m.serial, m.key)),
    ));
    lines.push(field(
        "Region",
        p.region.as_deref().unwrap_or("—").to_owned(),
    ));
    if let Some(keys) = &layout.keys {
        let place = match keys.store {
            KeyStore::Keyring => "the OS keyring (Secret Service)".to_owned(),
            KeyStore::File(_) => keys.describe(),
        };
        lines.push(field(
            "Access key",
            format!("{} · {place}", key_suffix(&keys.access_key_id)),
        ));
    } else if let Some(suffix) = &p.access_key_suffix {
        lines.push(field("Access key", suffix.to_string()));
    }
    if let Some((age, old)) = pane.key_ages.of(shared, p) {
        let text = match age {
            KeyAge::Fetching => "asking IAM…".to_owned(),
            KeyAge::Known(created) => {
                let days = (shared.now - created).num_days();
                let mark = if old { " ⚠ due for rotation (K)" } else { "" };
                format!("{days} days (created {}){mark}", created.format("%Y-%m-%d"))
            }
            KeyAge::Unknown(why) => format!("unknown: {why}"),
        };
        let style = if old {
            theme.warn()
        } else {
            ratatui::style::Style::new()
        };
        lines.push(Line::from(vec![
            Span::styled(format!("{:<13}", "Key age"), theme.dim()),
            Span::styled(text, style),
        ]));
    }
    let planned = plan(
        snapshot,
        &p.name,
        &crate::renew::plan::RenewOptions::of(shared.ctx, &p.name, shared.now),
    );
    let renewal = match &planned {
        Ok(r) => {
            let mode = match r.mode {
                Mode::Session => "session",
                Mode::Role => "role",
            };
            let mut writes = Vec::new();
            if r.write_target {
                writes.push(format!("[{}] in credentials", r.target));
            }
            if r.cli_cache_key.is_some() {
                writes.push("the AWS CLI cache".to_owned());
            }
            format!(
                "{mode} mode, {} from '{}' → writes {}",
                duration::human(r.duration_secs),
                r.source.profile,
                writes.join(" + ")
            )
        }
        Err(_) if p.kind == ProfileKind::Login => {
            "⏎ refreshes the sign-in (the `aws login` cache, as the SDKs do)".to_owned()
        }
        Err(_) if p.kind == ProfileKind::Sso => {
            "⏎ signs in (a held refresh token first, no browser; else the browser or a device code); the token lands in the AWS CLI's SSO cache"
                .to_owned()
        }
        Err(e) => e.to_string(),
    };
    lines.push(field("Renewal", renewal));
    if p.kind == ProfileKind::Sso {
        let state = match &p.expiry {
            Expiry::At {
                at,
                source: ExpirySource::SsoRefresh { token_expires, .. },
            } if *at > shared.now => {
                let token = if *token_expires > shared.now {
                    format!(
                        "the access token has {} min left",
                        (*token_expires - shared.now).num_minutes()
                    )
                } else {
                    "the access token has ended".to_owned()
                };
                format!(
                    "signed in; {token} and renews itself (refresh token) until {} at most; ⏎ refreshes now",
                    at.with_timezone(&shared.local).format("%Y-%m-%d %H:%M %:z")
                )
            }
            _ => match p.expiry.at() {
                Some(at) if at > shared.now => "signed in; ⏎ signs in again".to_owned(),
                Some(_) => "expired: ⏎ signs in again".to_owned(),
                None => "not signed in: ⏎ signs in".to_owned(),
            },
        };
        lines.push(field("SSO login", state));
    }
    if p.kind == ProfileKind::Login {
        let login = shared.ctx.command(&["renew", &p.name]);
        let again = format!(
            "`aws login --profile {}`",
            crate::awsfiles::shlex::quote(&p.name)
        );
        let state = match shared.data.login_refreshable.get(p.name.as_str()) {
            Some(until) if *until > shared.now => format!(
                "refreshable until {} at most (⏎ or {login} refreshes; then {again})",
                until
                    .with_timezone(&shared.local)
                    .format("%Y-%m-%d %H:%M %:z")
            ),
            Some(_) => format!("the sign-in has run out: {again}"),
            None if p.expiry.at().is_some() => {
                format!("⏎ or {login} refreshes; when that is refused, {again}")
            }
            None => format!("not signed in: {again}"),
        };
        lines.push(field("Sign-in", state));
    }
    if kept_fresh(shared, &p.name) {
        let state = match pane.fresh_warnings.get(p.name.as_str()) {
            Some(why) => format!("yes, but {why}"),
            None => "yes: renewed ahead of expiry while mfatui is open (f stops it)".to_owned(),
        };
        lines.push(field("Kept fresh", state));
    }
    let (expiry, via_session) = snapshot.shown_expiry(p);
    let expires = match &expiry {
        Expiry::None => "—".to_owned(),
        // By its first line, as the problem below says it (attack round 15b, F-1).
        Expiry::Unknown { raw: Some(raw) } => {
            format!("unknown (cannot read '{}')", crate::text::first_line(raw))
        }
        Expiry::Unknown { raw: None } => "unknown (no expiry recorded)".to_owned(),
        Expiry::At { at, source } => {
            let local = at
                .with_timezone(&shared.local)
                .format("%Y-%m-%d %H:%M:%S %:z");
            let utc = at.format("%H:%M:%S UTC");
            let from = match source {
                ExpirySource::Key(k) => (*k).to_owned(),
                ExpirySource::CliCache(_) => "AWS CLI cache".to_owned(),
                ExpirySource::MfaSecure => "aws-mfa-secure session".to_owned(),
                ExpirySource::SsoCache(_) => "SSO token, AWS CLI cache".to_owned(),
                ExpirySource::SsoRefresh { .. } => {
                    "end of the SSO client registration: the sign-in renews itself until then at most".to_owned()
                }
            };
            let via = if via_session {
                app_session(snapshot, &p.name)
                    .map(|s| format!(", session [{s}]"))
                    .unwrap_or_default()
            } else {
                String::new()
            };
            format!("{local} · {utc} ({from}{via})")
        }
    };
    lines.push(field("Expires", expires));
    if let Some(t) = shared.data.last_write {
        lines.push(field(
            "Last write",
            t.with_timezone(&shared.local)
                .format("%Y-%m-%d %H:%M:%S %:z")
                .to_string(),
        ));
    }
    for problem in &p.problems {
        lines.push(Line::from(vec![
            Span::styled("Problem      ", theme.danger()),
            Span::raw(problem.clone()),
        ]));
    }
    let mut block = Block::default().borders(Borders::ALL).title(Span::styled(
        format!(" {} ", crate::text::shown(&p.name)),
        theme.accent(),
    ));
    if pane.focused {
        block = block
            .border_style(theme.accent())
            .title_bottom(Span::styled(" ↑ ↓ scroll · Tab back ", theme.accent()));
    }
    frame.render_widget(
        Paragraph::new(clean(lines))
            .block(block)
            .wrap(Wrap { trim: false })
            .scroll((pane.scroll, 0)),
        area,
    );
}
