//! Python's `shlex.split` (POSIX mode), which botocore uses to read `[profile NAME]` headers.

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
