//! `mfatui list`: every profile as a table or as a stable JSON array. Never prints secrets.

use super::args::ListArgs;
use crate::awsfiles::expiry::{relative, ExpirySource};
use crate::awsfiles::{AwsFiles, AwsPaths, Expiry, Profile};
use chrono::{DateTime, SecondsFormat, Utc};
use serde::Serialize;
use std::io::Write;

/// Loads the files and prints the list to stdout.
pub fn run(paths: &AwsPaths, args: &ListArgs) -> Result<(), String> {
    let files = AwsFiles::load(paths).map_err(|e| e.to_string())?;
    let mut profiles = files.profiles().map_err(|e| e.to_string())?;
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
    std::io::stdout()
        .lock()
        .write_all(out.as_bytes())
        .or_else(|e| {
            if e.kind() == std::io::ErrorKind::BrokenPipe {
                Ok(())
            } else {
                Err(e.to_string())
            }
        })
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
                Expiry::At { source, .. } => Some(match source {
                    ExpirySource::Key(k) => k,
                    ExpirySource::CliCache(_) => "cli-cache",
                }),
                _ => None,
            },
            problems: &p.problems,
        }
    }
}

/// The human table: one row per profile, `*` marks the selected one, `!` one with problems
/// (explained under the table).
pub fn table(profiles: &[Profile], now: DateTime<Utc>, selected: Option<&str>) -> String {
    let header = [
        "PROFILE",
        "KIND",
        "ACCOUNT",
        "ROLE/USER",
        "SOURCE",
        "REGION",
        "MFA",
        "EXPIRES",
    ];
    let rows: Vec<[String; 8]> = profiles
        .iter()
        .map(|p| {
            let source = p
                .source_profile
                .clone()
                .or_else(|| p.credential_source.clone())
                .or_else(|| p.long_term_profile.clone());
            [
                p.name.clone(),
                p.kind.label().to_owned(),
                dash(p.account.as_deref()),
                dash(p.principal.as_deref()),
                dash(source.as_deref()),
                dash(p.region.as_deref()),
                if p.mfa.is_some() { "yes" } else { "no" }.to_owned(),
                expiry_text(&p.expiry, now),
            ]
        })
        .collect();
    let mut widths = header.map(str::len);
    for row in &rows {
        for (w, cell) in widths.iter_mut().zip(row) {
            *w = (*w).max(cell.chars().count());
        }
    }
    let line = |marker: &str, cells: &[String]| {
        let mut s = marker.to_owned();
        for (i, (cell, w)) in cells.iter().zip(widths).enumerate() {
            if i + 1 == cells.len() {
                s.push_str(cell);
            } else {
                s.push_str(cell);
                s.push_str(&" ".repeat(w - cell.chars().count() + 2));
            }
        }
        s.push('\n');
        s
    };
    let mut out = line("  ", &header.map(str::to_owned));
    for (p, row) in profiles.iter().zip(&rows) {
        let marker = match (selected == Some(p.name.as_str()), p.problems.is_empty()) {
            (true, true) => "* ",
            (true, false) => "*!",
            (false, true) => "  ",
            (false, false) => " !",
        };
        out.push_str(&line(marker, row));
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

fn dash(v: Option<&str>) -> String {
    v.filter(|s| !s.is_empty()).unwrap_or("—").to_owned()
}

/// `2026-11-22 18:05:00 UTC (in 3h12m)`, `unknown`, or `—`.
fn expiry_text(expiry: &Expiry, now: DateTime<Utc>) -> String {
    match expiry {
        Expiry::None => "—".to_owned(),
        Expiry::Unknown { .. } => "unknown".to_owned(),
        Expiry::At { at, .. } => format!(
            "{} ({})",
            at.format("%Y-%m-%d %H:%M:%S UTC"),
            relative(*at, now)
        ),
    }
}
