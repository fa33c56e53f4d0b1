//! Hiding secrets in anything shown to a person: lines, diffs, messages.
//!
//! Secret keys and session tokens are replaced whole; an access key id keeps its last four
//! characters (`****WXYZ`) so a person can tell keys apart.

use super::syntax::is_py_space;
use std::borrow::Cow;

/// Keys whose values are secrets and never shown.
pub const SECRET_KEYS: [&str; 3] = [
    "aws_secret_access_key",
    "aws_session_token",
    "aws_security_token",
];

/// The key whose value is shown only by its last four characters.
pub const KEY_ID: &str = "aws_access_key_id";

/// What a secret value looks like on screen.
pub const MASKED: &str = "****";

/// `****WXYZ` for an access key id (or `****` if it is shorter than 8 characters).
pub fn mask_key_id(value: &str) -> String {
    let n = value.chars().count();
    if n < 8 {
        return MASKED.to_owned();
    }
    let tail: String = value.chars().skip(n - 4).collect();
    format!("{MASKED}{tail}")
}

/// Masks one `key = value` line if its key is secret (or an access key id); other lines are
/// returned unchanged. Works on any line, parsed or not, with or without its line ending.
pub fn mask_line(line: &str) -> Cow<'_, str> {
    let Some(at) = line.find(['=', ':']) else {
        return Cow::Borrowed(line);
    };
    let key = line[..at].trim_matches(is_py_space).to_lowercase();
    // A misspelt secret key (`aws_secret_key`, `secret_access_key`) still holds a secret
    // (attack round 13): any key that names a secret, token or password is masked whole.
    let is_secret = SECRET_KEYS.contains(&key.as_str())
        || ["secret", "token", "password"]
            .iter()
            .any(|word| key.contains(word));
    // The keyring marker's value is the key id too: shown the same way.
    if !is_secret && key != KEY_ID && key != super::profile::KEYRING_MARKER {
        return Cow::Borrowed(line);
    }
    let rest = &line[at + 1..];
    let value_start = at + 1 + (rest.len() - rest.trim_start_matches(is_py_space).len());
    let body_end = line.trim_end_matches(is_py_space).len().max(value_start);
    let value = &line[value_start..body_end];
    if value.is_empty() {
        return Cow::Borrowed(line);
    }
    let shown = if is_secret {
        MASKED.to_owned()
    } else {
        mask_key_id(value)
    };
    Cow::Owned(format!(
        "{}{shown}{}",
        &line[..value_start],
        &line[body_end..]
    ))
}

/// Replaces every occurrence of each known secret (at least 8 characters long) in `text`.
/// A second line of defence for text that is not `key = value` shaped.
pub fn scrub(text: &str, secrets: &[&str]) -> String {
    let mut out = text.to_owned();
    for secret in secrets.iter().filter(|s| s.len() >= 8) {
        if out.contains(secret) {
            out = out.replace(secret, MASKED);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn masks_secret_values_and_keeps_layout() {
        assert_eq!(
            mask_line("aws_secret_access_key = abcdEFGH1234\n"),
            "aws_secret_access_key = ****\n"
        );
        assert_eq!(
            mask_line("  AWS_SESSION_TOKEN:tok/en+==  \r\n"),
            "  AWS_SESSION_TOKEN:****  \r\n"
        );
        assert_eq!(mask_line("aws_security_token=x"), "aws_security_token=****");
        assert_eq!(
            mask_line("aws_access_key_id = AKIAIOSFODNN7EXAMPLE"),
            "aws_access_key_id = ****MPLE"
        );
        assert_eq!(
            mask_line("aws_access_key_id = short"),
            "aws_access_key_id = ****"
        );
        // The keyring marker names the key id: masked like it, old and new lines alike.
        assert_eq!(
            mask_line("mfatui_keyring = AKIAIOSFODNN7EXAMPLE"),
            "mfatui_keyring = ****MPLE"
        );
        assert_eq!(mask_line("region = eu-west-1"), "region = eu-west-1");
        assert_eq!(mask_line("aws_session_token ="), "aws_session_token =");
        assert_eq!(mask_line("[profile dev]"), "[profile dev]");
    }

    #[test]
    fn a_misspelt_secret_key_is_masked_too() {
        for key in [
            "aws_secret_key",
            "aws_secret_acces_key",
            "secret_access_key",
            "AWS_SESSIONTOKEN",
        ] {
            assert_eq!(
                mask_line(&format!("{key} = wJalrXUtnFEMI/K7MDENG\n")),
                format!("{key} = ****\n")
            );
        }
        assert_eq!(mask_line("region = eu-west-1"), "region = eu-west-1");
    }

    #[test]
    fn scrub_removes_known_secrets_anywhere() {
        let text = "error near wJalrXUtnFEMI/K7MDENG in line";
        assert_eq!(
            scrub(text, &["wJalrXUtnFEMI/K7MDENG", "short"]),
            "error near **** in line"
        );
    }
}
