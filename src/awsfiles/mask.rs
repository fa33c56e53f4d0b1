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
        return mask_whole_line(line);
    };
    // What stands before the first `=`/`:` is no key when it holds a secret (a command's
    // arguments on a continuation line): the line goes whole (D-1).
    if hides_a_secret(&line[..at]) {
        return mask_whole_line(line);
    }
    let key = line[..at].trim_matches(is_py_space).to_lowercase();
    // A misspelt secret key (`aws_secret_key`, `secret_access_key`) still holds a secret
    // (attack round 13): any key that names a secret, token or password is masked whole.
    let is_secret = SECRET_KEYS.contains(&key.as_str())
        || ["secret", "token", "password"]
            .iter()
            .any(|word| key.contains(word));
    // The keyring marker's value is the key id too: shown the same way.
    if !is_secret && key != KEY_ID && key != super::profile::KEYRING_MARKER {
        // A secret written with escapes (`\/`, `%2F`, quotes split) in a command line is
        // one once they are read through: the whole value goes (attack round 14, C-5).
        if hides_a_secret(&line[at + 1..]) {
            let end = line.trim_end_matches(['\r', '\n']).len();
            return Cow::Owned(format!("{} {MASKED}{}", &line[..=at], &line[end..]));
        }
        return mask_whole_line(line);
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

/// How long a run of base64 characters must be to be taken for a secret: a secret access key
/// is 40, a session token hundreds; words, paths and ARNs break far sooner.
const SECRET_RUN: usize = 40;

/// Masks what looks like a key where no key name says so — a pair pasted into a
/// `credential_process` command or a comment (attack round 14, R14-2): access key ids
/// (`AKIA`/`ASIA` and 16 more capitals or digits) keep their last four characters, runs of 40
/// or more base64 characters go whole.
pub fn mask_lookalikes(text: &str) -> Cow<'_, str> {
    let is_b64 = |b: u8| b.is_ascii_alphanumeric() || b == b'+' || b == b'/' || b == b'=';
    let bytes = text.as_bytes();
    let mut out = String::new();
    let (mut copied, mut i) = (0, 0);
    while i < bytes.len() {
        if !is_b64(bytes[i]) {
            i += 1;
            continue;
        }
        let start = i;
        while i < bytes.len() && is_b64(bytes[i]) {
            i += 1;
        }
        let run = &text[start..i];
        let shown = if run.len() >= SECRET_RUN {
            Some(MASKED.to_owned())
        } else {
            key_id_within(run).map(|(at, id)| {
                format!("{}{}{}", &run[..at], mask_key_id(id), &run[at + id.len()..])
            })
        };
        if let Some(shown) = shown {
            out.push_str(&text[copied..start]);
            out.push_str(&shown);
            copied = i;
        }
    }
    if copied == 0 {
        return Cow::Borrowed(text);
    }
    out.push_str(&text[copied..]);
    Cow::Owned(out)
}

/// A line that is no `key = value` of a secret (a continuation line, a comment, a command's
/// arguments before an `=`): masked whole, but for its indent, when it hides a secret once
/// escapes are read through (attack round 14, D-1); else its look-alikes one by one.
fn mask_whole_line(line: &str) -> Cow<'_, str> {
    if !hides_a_secret(line) {
        return mask_lookalikes(line);
    }
    let body = line.trim_start_matches(is_py_space);
    let indent = &line[..line.len() - body.len()];
    let end = line.trim_end_matches(['\r', '\n']).len();
    Cow::Owned(format!("{indent}{MASKED}{}", &line[end..]))
}

/// `text` with the escapes JSON, URLs, shells and programming languages allow read through,
/// as often as they were applied (`%252B` is `%2B` is `+`): `%XX`; `\uXXXX` (as .NET's JSON
/// writes `+` and `/`: attack round 15, E-7), `\u{X…}`, `\UXXXXXXXX`, `\xXX`, octal `\NNN`;
/// `&#N;` and `&#xN;` (attack round 15b, F-3); `\` and quotes dropped. How a secret written
/// into a command line reads again.
pub fn unescaped(text: &str) -> String {
    let mut plain = unescaped_once(text);
    for _ in 0..3 {
        let again = unescaped_once(&plain);
        if again == plain {
            break;
        }
        plain = again;
    }
    plain
}

/// One pass of [`unescaped`].
fn unescaped_once(text: &str) -> String {
    let number = |digits: Option<&str>, radix: u32| {
        digits
            .filter(|d| !d.is_empty() && d.chars().all(|c| c.is_digit(radix)))
            .and_then(|d| u32::from_str_radix(d, radix).ok())
            .and_then(char::from_u32)
    };
    // The escape at the start of `rest`, as (the character, its length).
    let escape = |rest: &str| -> Option<(char, usize)> {
        let after = |n: usize| rest.get(n..).unwrap_or_default();
        let braced = |from: usize, radix: u32| {
            let body = after(from);
            let end = body.find([';', '}'])?;
            number(Some(&body[..end]), radix).map(|c| (c, from + end + 1))
        };
        match rest.as_bytes() {
            [b'%', ..] => number(rest.get(1..3), 16)
                .filter(char::is_ascii)
                .map(|c| (c, 3)),
            [b'\\', b'u', b'{', ..] => braced(3, 16),
            [b'\\', b'u', ..] => number(rest.get(2..6), 16).map(|c| (c, 6)),
            [b'\\', b'U', ..] => number(rest.get(2..10), 16).map(|c| (c, 10)),
            [b'\\', b'x', ..] => number(rest.get(2..4), 16).map(|c| (c, 4)),
            [b'\\', b'0'..=b'7', ..] => number(rest.get(1..4), 8).map(|c| (c, 4)),
            [b'&', b'#', b'x' | b'X', ..] => braced(3, 16),
            [b'&', b'#', ..] => braced(2, 10),
            _ => None,
        }
    };
    let mut plain = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(c) = rest.chars().next() {
        match escape(rest) {
            Some((d, len)) => {
                plain.push(d);
                rest = &rest[len..];
            }
            None => {
                if !matches!(c, '\\' | '\'' | '"') {
                    plain.push(c);
                }
                rest = &rest[c.len_utf8()..];
            }
        }
    }
    plain
}

/// Whether `text`, with the escapes JSON, URLs and shells allow read through ([`unescaped`]),
/// holds what looks like a secret (a run of 40 or more base64 characters;
/// a key id alone is shown by its last four characters instead).
fn hides_a_secret(text: &str) -> bool {
    let is_b64 = |c: char| c.is_ascii_alphanumeric() || matches!(c, '+' | '/' | '=');
    unescaped(text)
        .split(|c: char| !is_b64(c))
        .any(|run| run.len() >= SECRET_RUN)
}

/// The first access key id in `run` (`AKIA` or `ASIA`, then 16 capitals or digits) and where.
fn key_id_within(run: &str) -> Option<(usize, &str)> {
    let bytes = run.as_bytes();
    (0..bytes.len().saturating_sub(19)).find_map(|at| {
        let id = &run[at..at + 20];
        ((id.starts_with("AKIA") || id.starts_with("ASIA"))
            && id
                .bytes()
                .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit()))
        .then_some((at, id))
    })
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

    /// Attack rounds 15 and 15b (E-7, F-3): a secret's `+` and `/` written with any of the
    /// escapes a command line, JSON, a URL or a language allows reads back as the secret.
    #[test]
    fn every_common_escape_reads_back_as_the_secret() {
        let secret = "fKNX4zKtgsxZB+axk9Y2G8pFz81H/XU7IPYdTYtA";
        for (plus, slash) in [
            ("%2B", "%2F"),
            ("%252B", "%252F"),
            ("\\u002b", "\\u002f"),
            ("\\u{2b}", "\\u{2f}"),
            ("\\U0000002B", "\\U0000002F"),
            ("\\x2b", "\\x2f"),
            ("\\053", "\\057"),
            ("&#43;", "&#47;"),
            ("&#x2B;", "&#x2F;"),
            ("\\+", "\\/"),
        ] {
            let written = secret.replace('+', plus).replace('/', slash);
            assert!(
                unescaped(&format!("--secret \"{written}\"")).contains(secret),
                "{written}"
            );
        }
        assert_eq!(unescaped("100% sure, \\q"), "100% sure, q");
    }

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

    /// Attack round 14 (R14-2): a pair pasted into a `credential_process` command, or left in
    /// a comment, was shown in clear as a diff's context.
    #[test]
    fn a_key_pair_where_no_key_name_says_so_is_masked() {
        let secret = "InlineCPSecretValue0000000000000000000001";
        let line = format!(
            r#"credential_process = sh -c "echo '{{\"Version\":1,\"AccessKeyId\":\"AKIAINLINEINLINE0001\",\"SecretAccessKey\":\"{secret}\"}}'""#
        );
        // A setting's value holding one is masked whole; a comment's look-alikes one by one.
        assert_eq!(mask_line(&line), "credential_process = ****");
        let wrapper = format!(
            "credential_process = vault-helper --key AKIAINLINEINLINE0001 --secret {secret}\n"
        );
        assert_eq!(mask_line(&wrapper), "credential_process = ****\n");
        assert_eq!(mask_line(&format!("# old: {secret}")), "# old: ****");
        assert_eq!(mask_line("# was AKIAINLINEINLINE0001"), "# was ****0001");
        // Attack round 14 (C-5): escaped, encoded or split, it is one still.
        for hidden in [
            r#"credential_process = sh -c "echo '{\"SecretAccessKey\":\"wJalrXUtnFEMI\\/K7MDENG\\/bPxRfiCYz+EXAMPLEK\"}'""#,
            "credential_process = fetch --url \"https://v/c?secret=wJalrXUtnFEMI%2FK7MDENG%2FbPxRfiCYz%2BEXAMPLEK\"",
            "credential_process = helper --secret 'wJalrXUtnFEMI/K7MDENG''/bPxRfiCYz+EXAMPLEK'",
        ] {
            assert_eq!(mask_line(hidden), "credential_process = ****", "{hidden}");
        }
        // Round 14d (D-1): on a continuation line or in a comment, before any `=`.
        for (hidden, shown) in [
            (
                "    --secret 'wJalrXUtnFEMI/K7MDENG''/bPxRfiCYz+EXAMPLEK'\n",
                "    ****\n",
            ),
            (
                "    --secret wJalrXUtnFEMI%2FK7MDENG%2FbPxRfiCYz%2BEXAMPLEK --region=us-east-1",
                "    ****",
            ),
            (
                "# old pair AKIAINLINEINLINE0004 wJalrXUtnFEMI\\/K7MDENG\\/bPxRfiCYz+EXAMPLEK",
                "****",
            ),
        ] {
            assert_eq!(mask_line(hidden), shown, "{hidden}");
        }
        // What is no key stays as it is.
        for plain in [
            "role_arn = arn:aws:iam::123456789012:role/Admin",
            "sso_start_url = https://d-1234567890.awsapps.com/start",
            "credential_process = /usr/local/bin/aws-sso-util credential-process --profile x",
            "[profile AKIA]",
            "# ASIA trip notes",
        ] {
            assert_eq!(mask_line(plain), plain);
        }
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
