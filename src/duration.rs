//! Session durations: parsing `1h`, `90m`, `1h30m`, `3600`, and the limits STS enforces.

use thiserror::Error;

/// `GetSessionToken` accepts 15 minutes to 36 hours.
pub const SESSION_LIMITS: (u32, u32) = (900, 129_600);
/// `AssumeRole` accepts 15 minutes to 12 hours (the role's own maximum may be lower).
pub const ROLE_LIMITS: (u32, u32) = (900, 43_200);
/// A role assumed with another role's credentials (role chaining) lasts at most 1 hour.
pub const CHAINED_MAX: u32 = 3600;

/// Why a duration cannot be used: one sentence each.
#[derive(Clone, Debug, Error, PartialEq, Eq)]
pub enum DurationError {
    /// The text is not a duration.
    #[error("'{text}' is not a duration: use seconds (3600) or units like 1h, 90m, 1h30m")]
    NotADuration {
        /// The text as given.
        text: String,
    },
    /// A duration longer than any session lasts (and than mfatui counts).
    #[error("'{text}' is longer than any AWS session lasts (36h at most)")]
    TooLong {
        /// The text as given.
        text: String,
    },
    /// A duration outside what the call allows.
    #[error("{} is outside what {what} allows ({} to {})", human(*.secs), human(.limits.0), human(.limits.1))]
    OutOfRange {
        /// The duration asked for, in seconds.
        secs: u32,
        /// The shortest and longest allowed, in seconds.
        limits: (u32, u32),
        /// The call (`GetSessionToken`, `AssumeRole`…).
        what: String,
    },
}

/// Parses `3600`, `45s`, `90m`, `1h`, `1h30m`, `1d` into seconds.
pub fn parse(text: &str) -> Result<u32, DurationError> {
    let t = text.trim().to_ascii_lowercase();
    let bad = || DurationError::NotADuration {
        text: text.to_owned(),
    };
    if t.is_empty() {
        return Err(bad());
    }
    let too_long = || DurationError::TooLong {
        text: text.to_owned(),
    };
    if t.bytes().all(|b| b.is_ascii_digit()) {
        return t.parse::<u32>().map_err(|_| too_long());
    }
    let mut total: u64 = 0;
    let mut number = String::new();
    for c in t.chars() {
        if c.is_ascii_digit() {
            number.push(c);
            continue;
        }
        let unit = match c {
            'd' => 86_400,
            'h' => 3600,
            'm' => 60,
            's' => 1,
            _ => return Err(bad()),
        };
        if number.is_empty() {
            return Err(bad());
        }
        let n: u64 = number.parse().map_err(|_| too_long())?;
        total = n
            .checked_mul(unit)
            .and_then(|secs| total.checked_add(secs))
            .ok_or_else(too_long)?;
        number.clear();
    }
    if !number.is_empty() {
        return Err(bad());
    }
    u32::try_from(total).map_err(|_| too_long())
}

/// Checks `secs` against `limits`, saying what is allowed when it is not.
pub fn check(secs: u32, limits: (u32, u32), what: &str) -> Result<u32, DurationError> {
    if secs < limits.0 || secs > limits.1 {
        return Err(DurationError::OutOfRange {
            secs,
            limits,
            what: what.to_owned(),
        });
    }
    Ok(secs)
}

/// `1h30m`, `15m`, `36h`, `45s`.
pub fn human(secs: u32) -> String {
    let (h, m, s) = (secs / 3600, secs % 3600 / 60, secs % 60);
    let mut out = String::new();
    if h > 0 {
        out.push_str(&format!("{h}h"));
    }
    if m > 0 {
        out.push_str(&format!("{m}m"));
    }
    if s > 0 || out.is_empty() {
        out.push_str(&format!("{s}s"));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_units_and_seconds() {
        assert_eq!(parse("3600"), Ok(3600));
        assert_eq!(parse("1h"), Ok(3600));
        assert_eq!(parse("90m"), Ok(5400));
        assert_eq!(parse("1h30m"), Ok(5400));
        assert_eq!(parse("36H"), Ok(129_600));
        assert_eq!(parse("1d"), Ok(86_400));
        for bad in ["", "h", "1x", "1h30", "-5", "99999999999"] {
            assert!(parse(bad).is_err(), "{bad}");
        }
        assert_eq!(
            parse(" 1x ").unwrap_err().to_string(),
            "' 1x ' is not a duration: use seconds (3600) or units like 1h, 90m, 1h30m"
        );
        for long in [
            "9999999h",
            "99999999999",
            "99999999999999999999999d",
            "999999999999999999d",
        ] {
            assert_eq!(
                parse(long).unwrap_err().to_string(),
                format!("'{long}' is longer than any AWS session lasts (36h at most)")
            );
        }
    }

    #[test]
    fn limits_are_explained() {
        assert_eq!(check(3600, ROLE_LIMITS, "AssumeRole"), Ok(3600));
        assert_eq!(
            check(60, SESSION_LIMITS, "GetSessionToken")
                .unwrap_err()
                .to_string(),
            "1m is outside what GetSessionToken allows (15m to 36h)"
        );
        assert!(check(43_201, ROLE_LIMITS, "AssumeRole").is_err());
        assert_eq!(human(5430), "1h30m30s");
    }
}
