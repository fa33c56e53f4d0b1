//! When temporary credentials expire: the keys other tools write and the formats they use.

use chrono::{DateTime, FixedOffset, NaiveDateTime, TimeZone, Utc};

/// Keys that hold an expiry time, in the order they are looked at:
/// `expiration` (aws-mfa, and mfatui itself), `x_security_token_expires` (saml2aws,
/// gimme-aws-creds), `aws_expiration` and `__expires__` (hand-written scripts).
pub const EXPIRY_KEYS: [&str; 4] = [
    "expiration",
    "x_security_token_expires",
    "aws_expiration",
    "__expires__",
];

/// Where an expiry time was read.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ExpirySource {
    /// A key of the profile (one of [`EXPIRY_KEYS`]).
    Key(&'static str),
    /// The AWS CLI's assume-role cache file with this name.
    CliCache(String),
    /// aws-mfa-secure's session cache (`~/.aws/aws-mfa-secure-sessions/PROFILE`).
    MfaSecure,
    /// The AWS CLI's SSO token cache file with this name.
    SsoCache(String),
    /// A refreshable SSO sign-in (a refresh token and a client registration): the instant is
    /// the registration's end, the latest a refresh can renew it without a person; the access
    /// token itself ends at `token_expires` and renews itself before that.
    SsoRefresh {
        /// The cache file's name.
        file: String,
        /// When the current access token ends.
        token_expires: DateTime<Utc>,
    },
}

impl ExpirySource {
    /// A short description for display, e.g. `expiration` or `cli-cache`.
    pub fn label(&self) -> &str {
        match self {
            ExpirySource::Key(k) => k,
            ExpirySource::CliCache(_) => "cli-cache",
            ExpirySource::MfaSecure => "aws-mfa-secure",
            ExpirySource::SsoCache(_) => "sso-cache",
            ExpirySource::SsoRefresh { .. } => "sso-refresh",
        }
    }
}

/// What is known about when a profile's credentials expire.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Expiry {
    /// Nothing expires (long-term keys) or nothing was found (a role never assumed).
    None,
    /// Temporary credentials whose expiry is not recorded, or recorded in a form not understood.
    Unknown {
        /// The unparsable text, if there was one.
        raw: Option<String>,
    },
    /// A known instant.
    At {
        /// The expiry instant.
        at: DateTime<Utc>,
        /// Where it was read.
        source: ExpirySource,
    },
}

impl Expiry {
    /// The instant, when known.
    pub fn at(&self) -> Option<DateTime<Utc>> {
        match self {
            Expiry::At { at, .. } => Some(*at),
            _ => None,
        }
    }
}

/// Parses the timestamp formats found in the wild: RFC 3339 with `Z` or an offset, with or
/// without fractions, `T` or space between date and time (`2026-11-22 14:05:33+00:00`),
/// no zone at all (aws-mfa writes UTC without a zone), a `UTC` suffix (the AWS CLI cache),
/// and Unix epoch seconds.
pub fn parse_timestamp(raw: &str) -> Option<DateTime<Utc>> {
    let s = raw.trim();
    if s.is_empty() {
        return None;
    }
    if s.len() >= 9 && s.len() <= 11 && s.bytes().all(|b| b.is_ascii_digit()) {
        return s
            .parse::<i64>()
            .ok()
            .and_then(|secs| Utc.timestamp_opt(secs, 0).single());
    }
    let normalized = s.replacen(' ', "T", 1);
    if let Ok(dt) = DateTime::parse_from_rfc3339(&normalized) {
        return Some(dt.with_timezone(&Utc));
    }
    for format in ["%Y-%m-%dT%H:%M:%S%.f%z", "%Y-%m-%dT%H:%M%z"] {
        if let Ok(dt) = DateTime::parse_from_str(&normalized, format) {
            return Some(dt.with_timezone(&Utc));
        }
    }
    let naive = normalized
        .strip_suffix("UTC")
        .or_else(|| normalized.strip_suffix("GMT"))
        .unwrap_or(&normalized)
        .trim_end();
    ["%Y-%m-%dT%H:%M:%S%.f", "%Y-%m-%dT%H:%M"]
        .iter()
        .find_map(|f| NaiveDateTime::parse_from_str(naive, f).ok())
        .map(|dt| dt.and_utc())
}

/// How a timestamp was written, so that a new time can be written the same way (aws-mfa's
/// `2026-11-22 14:05:33`, `date -Iseconds`'s `2026-11-22T09:05:33-05:00`, `…Z`, epoch…).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TimeFormat {
    /// Unix epoch seconds.
    Epoch,
    /// Date and time.
    DateTime {
        /// `T` or a space between date and time.
        separator: char,
        /// Digits of fractional seconds (0 for none).
        fraction: u8,
        /// How the zone is written.
        zone: Zone,
    },
}

/// How a timestamp's zone is written.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Zone {
    /// No zone: UTC (aws-mfa).
    None,
    /// `Z`.
    Z,
    /// A fixed offset in seconds, `+hh:mm` (`colon`) or `+hhmm`.
    Offset {
        /// Seconds east of UTC.
        seconds: i32,
        /// Whether hours and minutes are separated by a colon.
        colon: bool,
    },
    /// A ` UTC` / `UTC` suffix (the AWS CLI cache, Ruby's `Time#to_s`).
    Utc {
        /// Whether a space comes before `UTC`.
        space: bool,
    },
}

impl TimeFormat {
    /// RFC 3339 in UTC with `Z`, seconds only: what mfatui writes where no form is set.
    pub const RFC3339_Z: TimeFormat = TimeFormat::DateTime {
        separator: 'T',
        fraction: 0,
        zone: Zone::Z,
    };
    /// aws-mfa's `YYYY-mm-dd HH:MM:SS` (UTC, no zone).
    pub const AWS_MFA: TimeFormat = TimeFormat::DateTime {
        separator: ' ',
        fraction: 0,
        zone: Zone::None,
    };

    /// The form `raw` is written in, if [`parse_timestamp`] reads it.
    pub fn of(raw: &str) -> Option<TimeFormat> {
        parse_timestamp(raw)?;
        let s = raw.trim();
        if s.bytes().all(|b| b.is_ascii_digit()) {
            return Some(TimeFormat::Epoch);
        }
        let separator = s.chars().nth(10).filter(|c| *c == ' ' || *c == 'T')?;
        let rest = &s[11..];
        // HH:MM[:SS][.fff] then the zone.
        let time_len = rest
            .bytes()
            .position(|b| !(b.is_ascii_digit() || b == b':' || b == b'.'))
            .unwrap_or(rest.len());
        let (time, zone_text) = rest.split_at(time_len);
        let fraction = time
            .split_once('.')
            .map_or(0, |(_, f)| f.len().min(9) as u8);
        let zone = match zone_text {
            "" => Zone::None,
            "Z" | "z" => Zone::Z,
            "UTC" | "GMT" => Zone::Utc { space: false },
            " UTC" | " GMT" => Zone::Utc { space: true },
            z => {
                let sign = match z.as_bytes().first()? {
                    b'+' => 1,
                    b'-' => -1,
                    _ => return None,
                };
                let digits: String = z[1..].chars().filter(char::is_ascii_digit).collect();
                if digits.len() != 4 {
                    return None;
                }
                let hours: i32 = digits[..2].parse().ok()?;
                let minutes: i32 = digits[2..].parse().ok()?;
                Zone::Offset {
                    seconds: sign * (hours * 3600 + minutes * 60),
                    colon: z.contains(':'),
                }
            }
        };
        Some(TimeFormat::DateTime {
            separator,
            fraction,
            zone,
        })
    }

    /// `at` written in this form.
    pub fn format(self, at: DateTime<Utc>) -> String {
        let TimeFormat::DateTime {
            separator,
            fraction,
            zone,
        } = self
        else {
            return at.timestamp().to_string();
        };
        let offset = match zone {
            Zone::Offset { seconds, .. } => FixedOffset::east_opt(seconds),
            _ => None,
        }
        .unwrap_or(FixedOffset::east_opt(0).expect("zero offset"));
        let local = at.with_timezone(&offset);
        let mut out = local.format("%Y-%m-%d").to_string();
        out.push(separator);
        out.push_str(&local.format("%H:%M:%S").to_string());
        if fraction > 0 {
            let nanos = format!("{:09}", local.timestamp_subsec_nanos());
            out.push('.');
            out.push_str(&nanos[..usize::from(fraction)]);
        }
        match zone {
            Zone::None => {}
            Zone::Z => out.push('Z'),
            Zone::Utc { space } => out.push_str(if space { " UTC" } else { "UTC" }),
            Zone::Offset { colon, .. } => {
                let z = local.format(if colon { "%:z" } else { "%z" }).to_string();
                out.push_str(&z);
            }
        }
        out
    }
}

/// Reads a profile's expiry from its own keys, if any of [`EXPIRY_KEYS`] is set.
pub fn from_keys<'a>(get: impl Fn(&str) -> Option<&'a str>) -> Option<Expiry> {
    from_values(EXPIRY_KEYS.map(get))
}

/// [`from_keys`] given the values of [`EXPIRY_KEYS`], in that order.
pub fn from_values(values: [Option<&str>; EXPIRY_KEYS.len()]) -> Option<Expiry> {
    EXPIRY_KEYS.iter().zip(values).find_map(|(&key, raw)| {
        let raw = raw?;
        Some(match parse_timestamp(raw) {
            Some(at) => Expiry::At {
                at,
                source: ExpirySource::Key(key),
            },
            None => Expiry::Unknown {
                raw: Some(raw.to_owned()),
            },
        })
    })
}

/// A compact human duration: `3h12m`, `5m`, `42s`, `2d3h`.
pub fn compact_duration(seconds: i64) -> String {
    let mut out = String::new();
    push_compact_duration(&mut out, seconds);
    out
}

/// [`compact_duration`], appended to `out`.
pub fn push_compact_duration(out: &mut String, seconds: i64) {
    let s = seconds.unsigned_abs();
    let (d, h, m, sec) = (s / 86_400, s % 86_400 / 3600, s % 3600 / 60, s % 60);
    let mut part = |n: u64, unit: char, width: usize| {
        push_number(out, n, width);
        out.push(unit);
    };
    match (d, h, m) {
        (0, 0, 0) => part(sec, 's', 0),
        (0, 0, _) => part(m, 'm', 0),
        (0, _, 0) => part(h, 'h', 0),
        (0, _, _) => {
            part(h, 'h', 0);
            part(m, 'm', 2);
        }
        (_, 0, _) => part(d, 'd', 0),
        _ => {
            part(d, 'd', 0);
            part(h, 'h', 0);
        }
    }
}

/// `in 3h12m` or `expired 5m ago`, relative to `now`.
pub fn relative(at: DateTime<Utc>, now: DateTime<Utc>) -> String {
    let mut out = String::new();
    push_relative(&mut out, at, now);
    out
}

/// [`relative`], appended to `out`.
pub fn push_relative(out: &mut String, at: DateTime<Utc>, now: DateTime<Utc>) {
    let secs = (at - now).num_seconds();
    if secs > 0 {
        out.push_str("in ");
        push_compact_duration(out, secs);
    } else {
        out.push_str("expired ");
        push_compact_duration(out, secs);
        out.push_str(" ago");
    }
}

/// Appends `n` in decimal, with leading zeros up to `width` digits. (Much cheaper than
/// `format!` when a listing writes thousands of times.)
pub fn push_number(out: &mut String, n: u64, width: usize) {
    let mut buffer = itoa::Buffer::new();
    let digits = buffer.format(n);
    for _ in digits.len()..width {
        out.push('0');
    }
    out.push_str(digits);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn utc(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }

    #[test]
    fn compact_durations_and_numbers() {
        let cases = [
            (0, "0s"),
            (42, "42s"),
            (300, "5m"),
            (-300, "5m"),
            (3600, "1h"),
            (3 * 3600 + 5 * 60, "3h05m"),
            (3 * 3600 + 12 * 60 + 9, "3h12m"),
            (2 * 86_400, "2d"),
            (2 * 86_400 + 3 * 3600 + 59, "2d3h"),
        ];
        for (seconds, want) in cases {
            assert_eq!(compact_duration(seconds), want, "{seconds}");
        }
        let mut out = String::new();
        push_number(&mut out, 7, 4);
        push_number(&mut out, 12345, 2);
        push_number(&mut out, 0, 0);
        assert_eq!(out, "0007123450");
        let now = utc("2026-11-22T14:00:00Z");
        assert_eq!(relative(utc("2026-11-22T17:12:00Z"), now), "in 3h12m");
        assert_eq!(relative(utc("2026-11-22T13:55:00Z"), now), "expired 5m ago");
    }

    #[test]
    fn parses_every_format_in_the_wild() {
        let t = utc("2026-11-22T14:05:33Z");
        for raw in [
            "2026-11-22T14:05:33Z",
            "2026-11-22T14:05:33+00:00",
            "2026-11-22T15:05:33+01:00",
            "2026-11-22T09:05:33-05:00",
            "2026-11-22 14:05:33+00:00",
            "2026-11-22 14:05:33",
            "2026-11-22T14:05:33",
            "2026-11-22T14:05:33UTC",
            "2026-11-22T14:05:33+0000",
            "  2026-11-22T14:05:33Z  ",
            "1795356333",
        ] {
            assert_eq!(parse_timestamp(raw), Some(t), "{raw}");
        }
        let frac = parse_timestamp("2026-11-22T14:05:33.250Z").unwrap();
        assert_eq!(frac.timestamp_millis(), t.timestamp_millis() + 250);
        assert_eq!(
            parse_timestamp("2026-11-22 14:05:33.123456+00:00")
                .unwrap()
                .timestamp(),
            t.timestamp()
        );
    }

    #[test]
    fn a_new_time_is_written_in_the_form_of_the_old_one() {
        let new = utc("2026-11-23T01:02:03Z");
        let cases = [
            ("2026-01-05 20:00:00", "2026-11-23 01:02:03"),
            ("2026-01-05T20:00:00", "2026-11-23T01:02:03"),
            ("2026-01-05T20:00:00Z", "2026-11-23T01:02:03Z"),
            ("2026-01-05T20:00:00-05:00", "2026-11-22T20:02:03-05:00"),
            ("2026-01-05T20:00:00+0530", "2026-11-23T06:32:03+0530"),
            ("2026-01-05 20:00:00+00:00", "2026-11-23 01:02:03+00:00"),
            ("2026-01-05T20:00:00.000Z", "2026-11-23T01:02:03.000Z"),
            (
                "2026-01-05 20:00:00.123456+00:00",
                "2026-11-23 01:02:03.000000+00:00",
            ),
            ("2026-01-05T20:00:00UTC", "2026-11-23T01:02:03UTC"),
            ("2026-01-05 20:00:00 UTC", "2026-11-23 01:02:03 UTC"),
            ("1767643200", "1795395723"),
        ];
        for (old, want) in cases {
            let form = TimeFormat::of(old).unwrap_or_else(|| panic!("{old}"));
            let written = form.format(new);
            assert_eq!(written, want, "{old}");
            assert_eq!(parse_timestamp(&written), Some(new), "{written} reads back");
            assert_eq!(
                TimeFormat::of(&written),
                Some(form),
                "{written} keeps its form"
            );
        }
        assert_eq!(TimeFormat::of("soon"), None);
        assert_eq!(TimeFormat::RFC3339_Z.format(new), "2026-11-23T01:02:03Z");
        assert_eq!(TimeFormat::AWS_MFA.format(new), "2026-11-23 01:02:03");
    }

    #[test]
    fn unparsable_is_none() {
        for raw in ["", "soon", "2026-13-40T00:00:00Z", "12", "tomorrow 10am"] {
            assert_eq!(parse_timestamp(raw), None, "{raw}");
        }
    }

    #[test]
    fn reads_keys_in_documented_order_and_keeps_unparsable_raw() {
        let keys = [
            ("__expires__", "2026-01-01T00:00:00Z"),
            ("x_security_token_expires", "2027-01-01T00:00:00Z"),
        ];
        let get = |k: &str| keys.iter().find(|(key, _)| *key == k).map(|(_, v)| *v);
        assert_eq!(
            from_keys(get),
            Some(Expiry::At {
                at: utc("2027-01-01T00:00:00Z"),
                source: ExpirySource::Key("x_security_token_expires")
            })
        );
        let bad = |k: &str| (k == "expiration").then_some("later");
        assert_eq!(
            from_keys(bad),
            Some(Expiry::Unknown {
                raw: Some("later".into())
            })
        );
        assert_eq!(from_keys(|_| None), None);
    }

    #[test]
    fn relative_times_read_naturally() {
        let now = utc("2026-11-22T12:00:00Z");
        assert_eq!(relative(utc("2026-11-22T15:12:00Z"), now), "in 3h12m");
        assert_eq!(relative(utc("2026-11-22T11:55:00Z"), now), "expired 5m ago");
        assert_eq!(relative(utc("2026-11-22T12:00:42Z"), now), "in 42s");
        assert_eq!(relative(utc("2026-11-24T15:00:00Z"), now), "in 2d3h");
        assert_eq!(relative(utc("2026-11-22T14:00:00Z"), now), "in 2h");
    }
}
