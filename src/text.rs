//! Text from files, the environment or other programs made safe to put on a terminal: control
//! characters (escape sequences, bells, newlines) and invisible format characters (bidi
//! overrides, zero-width spaces) become `?`, so that a hostile profile name can neither drive
//! the terminal nor disguise itself.

/// Whether `c` must not reach a terminal as it is: a control character, or a format character
/// that changes how the text around it reads (bidi embeddings and overrides, zero-width
/// characters, the soft hyphen, the byte-order mark).
fn hidden(c: char) -> bool {
    c.is_control()
        || matches!(
            c,
            '\u{00AD}'
                | '\u{061C}'
                | '\u{180E}'
                | '\u{200B}'..='\u{200F}'
                | '\u{202A}'..='\u{202E}'
                | '\u{2060}'..='\u{206F}'
                | '\u{FEFF}'
                | '\u{FFF9}'..='\u{FFFB}'
        )
}

/// `text` fit to show or log, at most `max` characters.
pub fn printable(text: &str, max: usize) -> String {
    text.chars()
        .map(|c| if hidden(c) { '?' } else { c })
        .take(max)
        .collect()
}

/// `text` with every hidden character but the line breaks replaced: the text itself when
/// there is none (the usual case, checked without copying).
pub fn printable_lines(text: String) -> String {
    let clean = |c: char| c == '\n' || !hidden(c);
    let ascii_clean = text
        .bytes()
        .all(|b| b == b'\n' || (b' '..=b'~').contains(&b));
    if ascii_clean || text.chars().all(clean) {
        return text;
    }
    text.chars()
        .map(|c| if clean(c) { c } else { '?' })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_bells_and_bidi_overrides_never_pass() {
        let hostile = "x\u{1b}]0;TITLE\u{7}y\u{202E}gnp.exe\u{200B}";
        assert_eq!(printable(hostile, 100), "x?]0;TITLE?y?gnp.exe?");
        assert_eq!(printable("dev\nline", 100), "dev?line");
        assert_eq!(printable("abcdef", 3), "abc");
        assert_eq!(
            printable_lines("a\u{1b}[2Jb\nc\u{202E}d\n".to_owned()),
            "a?[2Jb\nc?d\n"
        );
        assert_eq!(printable_lines("plain\nälso\n".to_owned()), "plain\nälso\n");
    }
}
