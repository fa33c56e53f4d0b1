//! `mfatui list`: every profile as a table or as a stable JSON array. Never prints secrets.

use super::args::ListArgs;
use crate::awsfiles::expiry::relative;
use crate::awsfiles::{AwsFiles, AwsPaths, Expiry, Profile};
use crate::settings::Settings;
use chrono::{DateTime, SecondsFormat, Utc};
use serde::Serialize;
use std::borrow::Cow;
use std::io::Write;

/// Loads the files and prints the list to stdout.
pub fn run(paths: &AwsPaths, settings: &Settings, args: &ListArgs) -> Result<(), String> {
    let files = AwsFiles::load(paths).map_err(|e| e.to_string())?;
    let map = files.config_map().map_err(|e| e.to_string())?;
    let mut profiles = settings.profiles(&map, &paths.cli_cache);
    profiles.sort_by(|a, b| a.name.cmp(&b.name));
    let now = Utc::now();
    let selected = paths.selected_profile.as_deref();
    let out = if args.json {
        let rows: Vec<JsonProfile> = profiles
            .iter()
            .map(|p| JsonProfile::new(p, now, selected))
            .collect();
        serde_json::to_string_pretty(&rows).map_err(|e| e.to_string())? + "\n"
    } else {
        table(&profiles, now, selected)
    };
    let written = std::io::stdout()
        .lock()
        .write_all(out.as_bytes())
        .or_else(|e| {
            if e.kind() == std::io::ErrorKind::BrokenPipe {
                Ok(())
            } else {
                Err(e.to_string())
            }
        });
    // The process ends right after this: handing tens of thousands of small allocations back
    // one by one would cost more than the listing itself.
    std::mem::forget((files, map, profiles, out));
    written
}

/// One profile in `list --json`. Field names and meanings are part of the documented interface.
#[derive(Debug, Serialize, PartialEq)]
pub struct JsonProfile<'a> {
    name: &'a str,
    kind: &'static str,
    selected: bool,
    config_section: Option<&'a str>,
    credentials_section: Option<&'a str>,
    region: Option<&'a str>,
    account: Option<&'a str>,
    principal: Option<&'a str>,
    role_arn: Option<&'a str>,
    source_profile: Option<&'a str>,
    credential_source: Option<&'a str>,
    chain: &'a [String],
    long_term_profile: Option<&'a str>,
    mfa_serial: Option<&'a str>,
    mfa_source: Option<&'static str>,
    has_keys: bool,
    expiration: Option<String>,
    expires_in_seconds: Option<i64>,
    expiry_status: &'static str,
    expiry_source: Option<&'a str>,
    problems: &'a [String],
}

impl<'a> JsonProfile<'a> {
    /// The JSON view of `p` at `now`; `selected` is the `AWS_PROFILE` name.
    pub fn new(p: &'a Profile, now: DateTime<Utc>, selected: Option<&str>) -> Self {
        let at = p.expiry.at();
        JsonProfile {
            name: &p.name,
            kind: p.kind.label(),
            selected: selected == Some(p.name.as_str()),
            config_section: p.config_section.as_deref(),
            credentials_section: p.credentials_section.as_deref(),
            region: p.region.as_deref(),
            account: p.account.as_deref(),
            principal: p.principal.as_deref(),
            role_arn: p.role_arn.as_deref(),
            source_profile: p.source_profile.as_deref(),
            credential_source: p.credential_source.as_deref(),
            chain: &p.chain,
            long_term_profile: p.long_term_profile.as_deref(),
            mfa_serial: p.mfa.as_ref().map(|m| m.serial.as_str()),
            mfa_source: p.mfa.as_ref().map(|m| m.key),
            has_keys: p.has_keys,
            expiration: at.map(|t| t.to_rfc3339_opts(SecondsFormat::Secs, true)),
            expires_in_seconds: at.map(|t| (t - now).num_seconds()),
            expiry_status: match &p.expiry {
                Expiry::None => "none",
                Expiry::Unknown { .. } => "unknown",
                Expiry::At { at, .. } if *at > now => "valid",
                Expiry::At { .. } => "expired",
            },
            expiry_source: match &p.expiry {
                Expiry::At { source, .. } => Some(source.label()),
                _ => None,
            },
            problems: &p.problems,
        }
    }
}

/// The human table: one row per profile, `*` marks the selected one, `!` one with problems
/// (explained under the table).
pub fn table(profiles: &[Profile], now: DateTime<Utc>, selected: Option<&str>) -> String {
    const HEADER: [&str; 8] = [
        "PROFILE",
        "KIND",
        "ACCOUNT",
        "ROLE/USER",
        "SOURCE",
        "REGION",
        "MFA",
        "EXPIRES",
    ];
    let rows: Vec<[Cow<str>; 8]> = profiles
        .iter()
        .map(|p| {
            let source = p
                .source_profile
                .as_deref()
                .or(p.credential_source.as_deref())
                .or(p.long_term_profile.as_deref());
            [
                Cow::Borrowed(p.name.as_str()),
                Cow::Borrowed(p.kind.label()),
                dash(p.account.as_deref()),
                dash(p.principal.as_deref()),
                dash(source),
                dash(p.region.as_deref()),
                Cow::Borrowed(if p.mfa.is_some() { "yes" } else { "no" }),
                expiry_text(&p.expiry, now),
            ]
        })
        .collect();
    let mut widths = HEADER.map(str::len);
    for row in &rows {
        for (w, cell) in widths.iter_mut().zip(row) {
            *w = (*w).max(cell.chars().count());
        }
    }
    let mut out = String::with_capacity((rows.len() + 1) * (widths.iter().sum::<usize>() + 20));
    let mut line = |marker: &str, cells: [&str; 8]| {
        out.push_str(marker);
        for (i, cell) in cells.iter().enumerate() {
            out.push_str(cell);
            if i + 1 < cells.len() {
                out.extend(std::iter::repeat_n(
                    ' ',
                    widths[i] + 2 - cell.chars().count(),
                ));
            }
        }
        out.push('\n');
    };
    line("  ", HEADER);
    for (p, row) in profiles.iter().zip(&rows) {
        let marker = match (selected == Some(p.name.as_str()), p.problems.is_empty()) {
            (true, true) => "* ",
            (true, false) => "*!",
            (false, true) => "  ",
            (false, false) => " !",
        };
        line(marker, row.each_ref().map(|c| c.as_ref()));
    }
    let troubled: Vec<&Profile> = profiles.iter().filter(|p| !p.problems.is_empty()).collect();
    if !troubled.is_empty() {
        out.push_str("\nproblems:\n");
        for p in troubled {
            for problem in &p.problems {
                out.push_str(&format!("  {}: {problem}\n", p.name));
            }
        }
    }
    out
}

fn dash(v: Option<&str>) -> Cow<'_, str> {
    Cow::Borrowed(v.filter(|s| !s.is_empty()).unwrap_or("—"))
}

/// `2026-11-22 18:05:00 UTC (in 3h12m)`, `unknown`, or `—`.
fn expiry_text(expiry: &Expiry, now: DateTime<Utc>) -> Cow<'static, str> {
    match expiry {
        Expiry::None => Cow::Borrowed("—"),
        Expiry::Unknown { .. } => Cow::Borrowed("unknown"),
        Expiry::At { at, .. } => Cow::Owned(format!(
            "{} ({})",
            at.format("%Y-%m-%d %H:%M:%S UTC"),
            relative(*at, now)
        )),
    }
}
