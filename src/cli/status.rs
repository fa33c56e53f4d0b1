//! `mfatui status [PROFILE]`: one line for a shell prompt — the profile (`AWS_PROFILE`, or the
//! one named) and the time its session has left, the same countdown the TUI and `list` show
//! (a session kept in another section counts for its profile). It runs on every Enter: no
//! network, no lock, no write, never a secret, and always exit 0 (`PROFILE ?` for a profile
//! that does not exist, `PROFILE !` when the files cannot be read).

use super::args::{StatusArgs, StatusColour};
use crate::awsfiles::expiry::compact_duration;
use crate::awsfiles::{Expiry, Profile, Snapshot};
use crate::context::Context;
use chrono::{DateTime, Local, Utc};
use std::io::Write;

/// Prints the line (nothing when no profile is named or selected).
pub fn run(ctx: &Context, args: &StatusArgs) {
    let Some(name) = args
        .profile
        .clone()
        .or_else(|| ctx.paths.selected_profile.clone())
    else {
        return;
    };
    let colour = if ctx.env.get("NO_COLOR").is_some() {
        StatusColour::Never
    } else {
        args.colour
    };
    let text = match Snapshot::load(&ctx.paths, &ctx.naming()) {
        Ok(snapshot) => {
            let text = match snapshot.profile(&name) {
                Some(p) => line(&args.format, &snapshot, p, ctx, colour),
                None => format!(
                    "{} ?",
                    for_shell(crate::text::printable(&name, 200), colour)
                ),
            };
            // The process ends right after this line: handing every allocation of a large
            // setup back one by one would cost more than reading it (as `list` does).
            std::mem::forget(snapshot);
            text
        }
        Err(e) => {
            crate::diag!("status: {e}");
            format!(
                "{} !",
                for_shell(crate::text::printable(&name, 200), colour)
            )
        }
    };
    let mut out = std::io::stdout().lock();
    let _ = writeln!(out, "{text}");
}

/// A value from the files as the shell must get it: zsh expands `%` sequences in its prompt,
/// so a value's own `%` is written `%%` there.
fn for_shell(text: String, colour: StatusColour) -> String {
    match colour {
        StatusColour::Zsh => text.replace('%', "%%"),
        _ => text,
    }
}

/// How the time left looks, and how urgent it is.
fn left(snapshot: &Snapshot, p: &Profile, now: DateTime<Utc>, ctx: &Context) -> (String, Urgency) {
    match snapshot.shown_expiry(p).0 {
        Expiry::At { at, .. } => {
            let secs = (at - now).num_seconds();
            let urgency = if secs <= 0 {
                Urgency::Expired
            } else if secs < ctx.settings.danger_secs {
                Urgency::Danger
            } else if secs < ctx.settings.warn_secs {
                Urgency::Warn
            } else {
                Urgency::Fine
            };
            if secs <= 0 {
                ("expired".to_owned(), urgency)
            } else {
                (compact_duration(secs), urgency)
            }
        }
        Expiry::Unknown { .. } => ("?".to_owned(), Urgency::Warn),
        Expiry::None => (
            Snapshot::no_expiry_text(p).unwrap_or("—").to_owned(),
            Urgency::Plain,
        ),
    }
}

/// A countdown's urgency, for its colour.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Urgency {
    Fine,
    Warn,
    Danger,
    Expired,
    Plain,
}

/// `text` in the colour of `urgency`, wrapped for the shell that reads it.
fn paint(text: &str, urgency: Urgency, colour: StatusColour) -> String {
    let code = match urgency {
        Urgency::Fine => "32",
        Urgency::Warn => "33",
        Urgency::Danger => "31",
        Urgency::Expired => "2",
        Urgency::Plain => return text.to_owned(),
    };
    let (open, close) = match colour {
        StatusColour::Never => return text.to_owned(),
        StatusColour::Ansi => ("", ""),
        StatusColour::Bash => ("\u{1}", "\u{2}"),
        StatusColour::Zsh => ("%{", "%}"),
    };
    format!("{open}\x1b[{code}m{close}{text}{open}\x1b[0m{close}")
}

/// The line for `p` in `format`.
fn line(
    format: &str,
    snapshot: &Snapshot,
    p: &Profile,
    ctx: &Context,
    colour: StatusColour,
) -> String {
    const FIELDS: [&str; 6] = [
        "{profile}",
        "{left}",
        "{expires}",
        "{kind}",
        "{region}",
        "{account}",
    ];
    // Each field is worked out only where the format uses it (`{expires}` reads the local
    // time zone).
    let plain_value = |field: &str| match field {
        "{profile}" => crate::text::printable(&p.name, 200),
        "{expires}" => match snapshot.shown_expiry(p).0 {
            Expiry::At { at, .. } => at.with_timezone(&Local).format("%H:%M").to_string(),
            _ => "—".to_owned(),
        },
        "{kind}" => p.kind.label().to_owned(),
        "{region}" => crate::text::printable(p.region.as_deref().unwrap_or("—"), 64),
        _ => crate::text::printable(p.account.as_deref().unwrap_or("—"), 64),
    };
    let value = |field: &str| match field {
        "{left}" => {
            let (text, urgency) = left(snapshot, p, ctx.now(), ctx);
            paint(&text, urgency, colour)
        }
        _ => for_shell(plain_value(field), colour),
    };
    let mut out = String::with_capacity(format.len() + 16);
    let mut rest = format;
    while let Some(at) = rest.find('{') {
        out.push_str(&rest[..at]);
        let tail = &rest[at..];
        match FIELDS.iter().find(|key| tail.starts_with(*key)) {
            Some(key) => {
                out.push_str(&value(key));
                rest = &tail[key.len()..];
            }
            None => {
                out.push('{');
                rest = &tail[1..];
            }
        }
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn colours_are_wrapped_for_the_shell_that_reads_them() {
        assert_eq!(paint("42m", Urgency::Fine, StatusColour::Never), "42m");
        assert_eq!(
            paint("42m", Urgency::Fine, StatusColour::Ansi),
            "\x1b[32m42m\x1b[0m"
        );
        assert_eq!(
            paint("5m", Urgency::Danger, StatusColour::Bash),
            "\u{1}\x1b[31m\u{2}5m\u{1}\x1b[0m\u{2}"
        );
        assert_eq!(
            paint("5m", Urgency::Warn, StatusColour::Zsh),
            "%{\x1b[33m%}5m%{\x1b[0m%}"
        );
        assert_eq!(paint("—", Urgency::Plain, StatusColour::Ansi), "—");
    }
}
