//! Python's `shlex.split` (POSIX mode), which botocore uses to read `[profile NAME]` headers,
//! and `shlex.quote`, for the commands mfatui suggests and the headers it writes.

/// A command to suggest: `mfatui ARGS` (`mfatui --demo ARGS` in the demo), each argument
/// quoted for the shell, so that a profile name with spaces can be pasted as it is.
pub fn mfatui_command(demo: bool, args: &[&str]) -> String {
    let mut words = vec!["mfatui".to_owned()];
    if demo {
        words.push("--demo".to_owned());
    }
    words.extend(args.iter().map(|a| quote(a)));
    words.join(" ")
}

/// Quotes `s` for a POSIX shell like Python's `shlex.quote`: as is when it is made only of
/// `[A-Za-z0-9_@%+=:,./-]`, else in single quotes (`'` written as `'"'"'`).
pub fn quote(s: &str) -> String {
    if s.is_empty() {
        return "''".to_owned();
    }
    let safe = |c: char| c.is_ascii_alphanumeric() || "_@%+=:,./-".contains(c);
    if s.chars().all(safe) {
        return s.to_owned();
    }
    format!("'{}'", s.replace('\'', "'\"'\"'"))
}

/// Splits `s` into words like `shlex.split(s)`: whitespace separates words, `'…'` and `"…"`
/// quote, a backslash escapes the next character (inside `"…"` only `\\` and `\"`).
/// Returns `None` where Python raises `ValueError` (unclosed quote, trailing backslash).
pub fn split(s: &str) -> Option<Vec<String>> {
    #[derive(PartialEq)]
    enum State {
        Between,
        Word,
        Single,
        Double,
    }
    let mut words = Vec::new();
    let mut word = String::new();
    let mut started = false;
    let mut state = State::Between;
    let mut chars = s.chars();
    while let Some(c) = chars.next() {
        match state {
            State::Between | State::Word => match c {
                ' ' | '\t' | '\r' | '\n' => {
                    if started {
                        words.push(std::mem::take(&mut word));
                        started = false;
                    }
                    state = State::Between;
                }
                '\\' => {
                    word.push(chars.next()?);
                    started = true;
                    state = State::Word;
                }
                '\'' => {
                    started = true;
                    state = State::Single;
                }
                '"' => {
                    started = true;
                    state = State::Double;
                }
                _ => {
                    word.push(c);
                    started = true;
                    state = State::Word;
                }
            },
            State::Single => match c {
                '\'' => state = State::Word,
                _ => word.push(c),
            },
            State::Double => match c {
                '"' => state = State::Word,
                '\\' => {
                    let next = chars.next()?;
                    if next != '\\' && next != '"' {
                        word.push('\\');
                    }
                    word.push(next);
                }
                _ => word.push(c),
            },
        }
    }
    if state == State::Single || state == State::Double {
        return None;
    }
    if started {
        words.push(word);
    }
    Some(words)
}

#[cfg(test)]
mod tests {
    #[test]
    fn quote_round_trips_through_split() {
        for word in ["dev", "my profile", "it's", "", "a\"b", "x;rm -rf"] {
            let quoted = super::quote(word);
            assert_eq!(
                super::split(&quoted),
                Some(vec![word.to_owned()]),
                "{quoted}"
            );
        }
        assert_eq!(super::quote("dev-mfa"), "dev-mfa");
        assert_eq!(super::quote("my profile"), "'my profile'");
    }

    use super::split;

    fn words(s: &str) -> Option<Vec<&'static str>> {
        split(s).map(|v| v.into_iter().map(|w| &*w.leak()).collect())
    }

    #[test]
    fn splits_like_python_shlex() {
        assert_eq!(words("profile dev"), Some(vec!["profile", "dev"]));
        assert_eq!(words("  profile   dev  "), Some(vec!["profile", "dev"]));
        assert_eq!(
            words("profile \"my team\""),
            Some(vec!["profile", "my team"])
        );
        assert_eq!(words("profile 'a b'c"), Some(vec!["profile", "a bc"]));
        assert_eq!(words("profile \"\""), Some(vec!["profile", ""]));
        assert_eq!(
            words(r#"profile "a\"b\x""#),
            Some(vec!["profile", r#"a"b\x"#])
        );
        assert_eq!(words(r"profile a\ b"), Some(vec!["profile", "a b"]));
        assert_eq!(words("profile 'open"), None);
        assert_eq!(words("profile a\\"), None);
        assert_eq!(words(""), Some(vec![]));
    }
}
