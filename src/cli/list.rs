//! `mfatui list`: every profile as a table or as a stable JSON array. Never prints secrets.

use super::args::ListArgs;
use super::Failure;
use crate::awsfiles::expiry::{push_number, push_relative};
use crate::awsfiles::profile::Name;
use crate::awsfiles::{Expiry, Profile, Snapshot};
use crate::context::Context;
use chrono::{DateTime, Datelike, SecondsFormat, Timelike, Utc};
use serde::Serialize;
use std::borrow::Cow;
use std::io::Write;

/// Loads the files and prints the list to stdout.
pub fn run(ctx: &Context, args: &ListArgs) -> Result<(), Failure> {
    print(ctx, args, load(ctx)?)
}

/// Reads the files for a listing (before anything is printed).
pub fn load(ctx: &Context) -> Result<Snapshot, Failure> {
    Ok(ctx.snapshot()?)
}

/// Prints the listing of `snapshot` to stdout.
pub fn print(ctx: &Context, args: &ListArgs, snapshot: Snapshot) -> Result<(), Failure> {
    for file in snapshot.passed_over() {
        eprintln!(
            "mfatui: {}",
            crate::text::printable(&file.to_string(), usize::MAX)
        );
    }
    let profiles = snapshot.profiles();
    if profiles.is_empty() {
        // On stderr: the table (or `[]`) on stdout stays what a script expects.
        eprintln!("{}", snapshot.files().empty_note(ctx.demo));
    }
    let sorted = by_name(profiles);
    let now = ctx.now();
    let selected = ctx.paths.selected_profile.as_deref();
    let mut stdout = std::io::stdout().lock();
    let written = if args.json {
        let rows: Vec<JsonProfile> = sorted
            .iter()
            .map(|p| JsonProfile::new(&snapshot, p, now, selected))
            .collect();
        let mut out = Vec::with_capacity(rows.len() * 900);
        let mut json = serde_json::Serializer::with_formatter(&mut out, Printable::default());
        rows.serialize(&mut json)
            .map_err(|e| Failure::new(super::Cause::Json(e)))?;
        out.push(b'\n');
        let written = stdout.write_all(&out);
        std::mem::forget((rows, out));
        written
    } else {
        table(&mut stdout, &snapshot, &sorted, now, selected)
    };
    let written = written.or_else(|e| {
        if e.kind() == std::io::ErrorKind::BrokenPipe {
            Ok(())
        } else {
            Err(Failure::new(super::Cause::Output(e)))
        }
    });
    // The process ends right after this: handing tens of thousands of small allocations back
    // one by one would cost more than the listing itself.
    std::mem::forget(sorted);
    std::mem::forget(snapshot);
    written
}

/// serde_json's pretty output with every character a terminal must not get as it is (see
/// [`crate::text::hidden`]: serde_json escapes only the first 32) written as `\uXXXX`: the
/// same data for a JSON reader.
#[derive(Default)]
struct Printable(serde_json::ser::PrettyFormatter<'static>);

impl serde_json::ser::Formatter for Printable {
    fn write_string_fragment<W: ?Sized + Write>(
        &mut self,
        writer: &mut W,
        fragment: &str,
    ) -> std::io::Result<()> {
        let mut start = 0;
        for (at, c) in fragment.char_indices() {
            if crate::text::hidden(c) {
                writer.write_all(&fragment.as_bytes()[start..at])?;
                for unit in c.encode_utf16(&mut [0; 2]) {
                    write!(writer, "\\u{unit:04x}")?;
                }
                start = at + c.len_utf8();
            }
        }
        writer.write_all(&fragment.as_bytes()[start..])
    }

    fn begin_array<W: ?Sized + Write>(&mut self, w: &mut W) -> std::io::Result<()> {
        self.0.begin_array(w)
    }

    fn end_array<W: ?Sized + Write>(&mut self, w: &mut W) -> std::io::Result<()> {
        self.0.end_array(w)
    }

    fn begin_array_value<W: ?Sized + Write>(
        &mut self,
        w: &mut W,
        first: bool,
    ) -> std::io::Result<()> {
        self.0.begin_array_value(w, first)
    }

    fn end_array_value<W: ?Sized + Write>(&mut self, w: &mut W) -> std::io::Result<()> {
        self.0.end_array_value(w)
    }

    fn begin_object<W: ?Sized + Write>(&mut self, w: &mut W) -> std::io::Result<()> {
        self.0.begin_object(w)
    }

    fn end_object<W: ?Sized + Write>(&mut self, w: &mut W) -> std::io::Result<()> {
        self.0.end_object(w)
    }

    fn begin_object_key<W: ?Sized + Write>(
        &mut self,
        w: &mut W,
        first: bool,
    ) -> std::io::Result<()> {
        self.0.begin_object_key(w, first)
    }

    fn begin_object_value<W: ?Sized + Write>(&mut self, w: &mut W) -> std::io::Result<()> {
        self.0.begin_object_value(w)
    }

    fn end_object_value<W: ?Sized + Write>(&mut self, w: &mut W) -> std::io::Result<()> {
        self.0.end_object_value(w)
    }
}

/// The profiles sorted by name (exactly the order of the names as strings). Sorts the names'
/// first eight bytes as integers, so most comparisons need not follow a pointer.
fn by_name(profiles: &[Profile]) -> Vec<&Profile> {
    let prefix = |name: &str| {
        let mut bytes = [0u8; 8];
        let n = name.len().min(8);
        bytes[..n].copy_from_slice(&name.as_bytes()[..n]);
        u64::from_be_bytes(bytes)
    };
    // Sorting plain (prefix, index) pairs is integer work only; names that share their first
    // eight bytes are then put in order among themselves by their whole names.
    let mut keyed: Vec<(u64, usize)> = profiles
        .iter()
        .enumerate()
        .map(|(i, p)| (prefix(&p.name), i))
        .collect();
    keyed.sort_unstable();
    for run in keyed.chunk_by_mut(|a, b| a.0 == b.0) {
        if run.len() > 1 {
            run.sort_unstable_by(|a, b| profiles[a.1].name.cmp(&profiles[b.1].name));
        }
    }
    keyed.into_iter().map(|(_, i)| &profiles[i]).collect()
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
    chain: Vec<&'a str>,
    long_term_profile: Option<&'a str>,
    session_profile: Option<&'a str>,
    mfa_serial: Option<&'a str>,
    mfa_source: Option<&'static str>,
    has_keys: bool,
    expiration: Option<String>,
    expires_in_seconds: Option<i64>,
    expiry_status: &'static str,
    expiry_source: Option<&'a str>,
    linked_session: Option<String>,
    linked_expiration: Option<String>,
    linked_expires_in_seconds: Option<i64>,
    expiry_note: Option<&'static str>,
    problems: &'a [String],
}

impl<'a> JsonProfile<'a> {
    /// The JSON view of `p` (one of `snapshot`'s profiles) at `now`; `selected` is the
    /// `AWS_PROFILE` name.
    pub fn new(
        snapshot: &'a Snapshot,
        p: &'a Profile,
        now: DateTime<Utc>,
        selected: Option<&str>,
    ) -> Self {
        let at = p.expiry.at();
        let linked_session = snapshot.linked_session(&p.name).map(String::from);
        let linked_at = linked_session
            .as_deref()
            .and_then(|s| snapshot.profile(s))
            .and_then(|s| s.expiry.at());
        let expiry_note = (snapshot.shown_expiry(p).0 == Expiry::None)
            .then(|| Snapshot::no_expiry_text(p))
            .flatten();
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
            chain: p.chain.iter().map(Name::as_str).collect(),
            long_term_profile: p.long_term_profile.as_deref(),
            session_profile: p.session_profile.as_deref(),
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
            linked_session,
            linked_expiration: linked_at.map(|t| t.to_rfc3339_opts(SecondsFormat::Secs, true)),
            linked_expires_in_seconds: linked_at.map(|t| (t - now).num_seconds()),
            expiry_note,
            problems: &p.problems,
        }
    }
}

/// The human table: one row per profile, `*` marks the selected one, `!` one with problems
/// (explained under the table). The expiry is the one the TUI shows: a session kept in
/// another profile counts down with `↳`, an SSO profile with no token says `not signed in`.
/// Names and values come from files anyone may have edited: nothing in them may drive the
/// terminal. Written to `out` a few hundred rows at a time.
pub fn table(
    out: &mut impl Write,
    snapshot: &Snapshot,
    profiles: &[&Profile],
    now: DateTime<Utc>,
    selected: Option<&str>,
) -> std::io::Result<()> {
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
    // Cells borrow from the profiles; only the expiry text is formatted, once per profile.
    let expiries: Vec<Cow<str>> = profiles
        .iter()
        .map(|p| shown_expiry_text(snapshot, p, now))
        .collect();
    // Each cell's width is worked out once: the rows are laid out with the same numbers.
    let mut widths = HEADER.map(str::len);
    let row_widths: Vec<[u16; 8]> = profiles
        .iter()
        .zip(&expiries)
        .map(|(p, expiry)| {
            let mut row = [0u16; 8];
            for ((w, r), cell) in widths.iter_mut().zip(&mut row).zip(cells(p, expiry)) {
                let n = width(cell);
                *w = (*w).max(n);
                *r = u16::try_from(n).unwrap_or(u16::MAX);
            }
            row
        })
        .collect();
    // One buffer, written out (made printable) whenever it holds a few hundred rows.
    const CHUNK: usize = 64 * 1024;
    let mut buffer = String::with_capacity(CHUNK + 1024);
    let flush = |buffer: &mut String, out: &mut dyn Write| {
        let chunk = crate::text::printable_lines(std::mem::take(buffer));
        out.write_all(chunk.as_bytes())?;
        *buffer = chunk;
        buffer.clear();
        Ok::<(), std::io::Error>(())
    };
    let line = |buffer: &mut String, marker: &str, cells: [&str; 8], cell_widths: [u16; 8]| {
        buffer.push_str(marker);
        for (i, cell) in cells.iter().enumerate() {
            buffer.push_str(cell);
            if i + 1 < cells.len() {
                pad(buffer, widths[i] + 2 - usize::from(cell_widths[i]));
            }
        }
        buffer.push('\n');
    };
    line(&mut buffer, "  ", HEADER, HEADER.map(|h| h.len() as u16));
    for ((p, expiry), cell_widths) in profiles.iter().zip(&expiries).zip(row_widths) {
        let marker = match (selected == Some(p.name.as_str()), p.problems.is_empty()) {
            (true, true) => "* ",
            (true, false) => "*!",
            (false, true) => "  ",
            (false, false) => " !",
        };
        line(&mut buffer, marker, cells(p, expiry), cell_widths);
        if buffer.len() >= CHUNK {
            flush(&mut buffer, out)?;
        }
    }
    let troubled: Vec<&Profile> = profiles
        .iter()
        .copied()
        .filter(|p| !p.problems.is_empty())
        .collect();
    if !troubled.is_empty() {
        buffer.push_str("\nproblems:\n");
        for p in troubled {
            for problem in &p.problems {
                buffer.push_str(&format!("  {}: {problem}\n", p.name));
            }
        }
    }
    flush(&mut buffer, out)
}

/// The table cells of one profile; `expiry` is its formatted expiry.
fn cells<'a>(p: &'a Profile, expiry: &'a str) -> [&'a str; 8] {
    let source = p
        .source_profile
        .as_deref()
        .or(p.credential_source.as_deref())
        .or(p.long_term_profile.as_deref());
    [
        &p.name,
        p.kind.label(),
        dash(p.account.as_deref()),
        dash(p.principal.as_deref()),
        dash(source),
        dash(p.region.as_deref()),
        if p.mfa.is_some() { "yes" } else { "no" },
        expiry,
    ]
}

/// Columns a cell takes: one per character.
fn width(cell: &str) -> usize {
    if cell.is_ascii() {
        cell.len()
    } else {
        cell.chars().count()
    }
}

fn pad(out: &mut String, n: usize) {
    const SPACES: &str = "                                ";
    let mut left = n;
    while left > 0 {
        let step = left.min(SPACES.len());
        out.push_str(&SPACES[..step]);
        left -= step;
    }
}

fn dash(v: Option<&str>) -> &str {
    v.filter(|s| !s.is_empty()).unwrap_or("—")
}

/// The expiry cell of `p`: its own expiry, else the linked session's with `↳`, else what
/// [`Snapshot::no_expiry_text`] says, else `—` (as the TUI's table shows it).
fn shown_expiry_text(snapshot: &Snapshot, p: &Profile, now: DateTime<Utc>) -> Cow<'static, str> {
    // A profile with an expiry of its own needs no lookup of its layout and no clone.
    if p.expiry != Expiry::None {
        return expiry_text(&p.expiry, now);
    }
    match snapshot.shown_expiry(p) {
        (Expiry::None, _) => Cow::Borrowed(Snapshot::no_expiry_text(p).unwrap_or("—")),
        (expiry, true) => Cow::Owned(format!("↳ {}", expiry_text(&expiry, now))),
        (expiry, false) => expiry_text(&expiry, now),
    }
}

/// `2026-11-22 18:05:00 UTC (in 3h12m)`, `unknown`, or `—`.
fn expiry_text(expiry: &Expiry, now: DateTime<Utc>) -> Cow<'static, str> {
    match expiry {
        Expiry::None => Cow::Borrowed("—"),
        Expiry::Unknown { .. } => Cow::Borrowed("unknown"),
        Expiry::At { at, .. } => {
            // Written field by field: `format!` costs more than the rest of a row.
            let (date, time) = (at.date_naive(), at.time());
            let mut out = String::with_capacity(48);
            // Parsed timestamps have years 0 to 9999 (RFC 3339 or Unix seconds).
            let fields = [
                (u64::from(date.year().unsigned_abs()), 4, '-'),
                (u64::from(date.month()), 2, '-'),
                (u64::from(date.day()), 2, ' '),
                (u64::from(time.hour()), 2, ':'),
                (u64::from(time.minute()), 2, ':'),
                (u64::from(time.second()), 2, ' '),
            ];
            for (n, width, separator) in fields {
                push_number(&mut out, n, width);
                out.push(separator);
            }
            out.push_str("UTC (");
            push_relative(&mut out, *at, now);
            out.push(')');
            Cow::Owned(out)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::awsfiles::{Expiry, ProfileKind};

    fn named(name: &str) -> Profile {
        Profile {
            name: name.into(),
            kind: ProfileKind::ConfigOnly,
            config_section: None,
            credentials_section: None,
            region: None,
            role_arn: None,
            account: None,
            principal: None,
            source_profile: None,
            credential_source: None,
            sso_session: None,
            chain: Vec::new(),
            long_term_profile: None,
            session_profile: None,
            mfa: None,
            has_mfa_process: false,
            has_keys: false,
            access_key_suffix: None,
            expiry: Expiry::None,
            problems: Vec::new(),
        }
    }

    #[test]
    fn expiry_text_is_written_field_by_field() {
        let at = "2026-03-04T05:06:07Z".parse::<DateTime<Utc>>().unwrap();
        let expiry = Expiry::At {
            at,
            source: crate::awsfiles::expiry::ExpirySource::Key("expiration"),
        };
        let now = at - chrono::Duration::minutes(61);
        assert_eq!(
            expiry_text(&expiry, now),
            "2026-03-04 05:06:07 UTC (in 1h01m)"
        );
        assert_eq!(expiry_text(&Expiry::None, now), "—");
    }

    #[test]
    fn sorting_by_name_is_plain_string_order() {
        // Shared eight-byte prefixes, names shorter than eight bytes, prefixes of each other,
        // a NUL byte, and multi-byte characters.
        let names = [
            "production-b",
            "production-a",
            "prod",
            "production",
            "p",
            "",
            "prod\0x",
            "prodé",
            "prod-é",
            "Z",
            "a",
            "role9664",
            "role966",
            "role96640",
            "😀",
            "é",
        ];
        let profiles: Vec<Profile> = names.iter().map(|n| named(n)).collect();
        let got: Vec<&str> = by_name(&profiles).iter().map(|p| p.name.as_str()).collect();
        let mut want = names.to_vec();
        want.sort();
        assert_eq!(got, want);
    }
}
