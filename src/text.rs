//! Text from files, the environment or other programs made safe to put on a terminal: control
//! characters (escape sequences, bells, newlines) and invisible format characters (bidi
//! overrides, zero-width spaces) become `?`, so that a hostile profile name can neither drive
//! the terminal nor disguise itself.

/// A setting's value as shown: its first line. The lines after it are another setting pasted
/// with its indent (botocore reads them as part of the value, and refuses it), often a
/// secret (attack round 14, C-9 and D-2).
pub fn first_line(value: &str) -> &str {
    value.split(['\n', '\r']).next().unwrap_or_default()
}

/// Whether `c` must not reach a terminal as it is: a control character (C0, DEL, C1), a line
/// or paragraph separator, or a character Unicode says to draw as nothing (its
/// Default_Ignorable_Code_Point set: bidi embeddings and overrides, zero-width characters,
/// the soft hyphen, fillers, variation selectors, tags, the byte-order mark), plus the
/// interlinear annotation marks.
pub fn hidden(c: char) -> bool {
    c.is_control()
        || matches!(
            c,
            '\u{00AD}'
                | '\u{034F}'
                | '\u{061C}'
                | '\u{115F}'..='\u{1160}'
                | '\u{17B4}'..='\u{17B5}'
                | '\u{180B}'..='\u{180F}'
                | '\u{200B}'..='\u{200F}'
                | '\u{2028}'..='\u{202E}'
                | '\u{2060}'..='\u{206F}'
                | '\u{3164}'
                | '\u{FE00}'..='\u{FE0F}'
                | '\u{FEFF}'
                | '\u{FFA0}'
                | '\u{FFF0}'..='\u{FFFB}'
                | '\u{1BCA0}'..='\u{1BCA3}'
                | '\u{1D173}'..='\u{1D17A}'
                | '\u{E0000}'..='\u{E0FFF}'
        )
}

/// `text` fit to show or log, at most `max` characters.
pub fn printable(text: &str, max: usize) -> String {
    text.chars()
        .map(|c| if hidden(c) { '?' } else { c })
        .take(max)
        .collect()
}

/// `text` fit to draw: every hidden character (line breaks included) replaced by `?`, so
/// that `pro\u{200B}d` cannot pass for `prod` nor a bidi override reverse what follows; the
/// text itself when there is none (the usual case, checked without copying).
pub fn shown(text: &str) -> std::borrow::Cow<'_, str> {
    if !text.contains('\n') && all_clean(text) {
        return std::borrow::Cow::Borrowed(text);
    }
    std::borrow::Cow::Owned(printable(text, usize::MAX))
}

/// `text` made [`shown`] and cut to `width` columns (one per character), ending in `…` when
/// it was longer.
pub fn fit(text: &str, width: usize) -> String {
    let text = shown(text);
    if text.chars().count() <= width {
        return text.into_owned();
    }
    if width == 0 {
        return String::new();
    }
    let mut out: String = text.chars().take(width - 1).collect();
    out.push('…');
    out
}

/// `text` with every hidden character but the line breaks replaced: the text itself when
/// there is none (the usual case, checked without copying).
pub fn printable_lines(text: String) -> String {
    let clean = |c: char| c == '\n' || !hidden(c);
    if all_clean(&text) {
        return text;
    }
    text.chars()
        .map(|c| if clean(c) { c } else { '?' })
        .collect()
}

/// Whether `text` has no hidden character but line breaks: printable ASCII is passed byte by
/// byte, only the other characters are decoded (a listing is mostly ASCII with a few `—`).
fn all_clean(text: &str) -> bool {
    let bytes = text.as_bytes();
    let mut at = 0;
    while at < bytes.len() {
        let b = bytes[at];
        if b.is_ascii() {
            if b != b'\n' && !(b' '..=b'~').contains(&b) {
                return false;
            }
            at += 1;
        } else {
            // `at` is on a character boundary: every step moves by one whole character.
            let c = text[at..].chars().next().expect("not at the end");
            if hidden(c) {
                return false;
            }
            at += c.len_utf8();
        }
    }
    true
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
        assert_eq!(printable_lines("— ↳ x\u{85}y".to_owned()), "— ↳ x?y");
        assert_eq!(printable_lines("tab\there\r".to_owned()), "tab?here?");
        for c in [
            '\u{00AD}', '\u{061C}', '\u{200B}', '\u{202E}', '\u{2066}', '\u{FEFF}',
        ] {
            assert!(!all_clean(&format!("ok—{c}")), "{c:?}");
        }
        assert!(all_clean("ok — ↳ ä 日本\n"));
        assert_eq!(shown("pro\u{200B}d"), "pro?d");
        assert_eq!(shown("a\nb"), "a?b");
        assert!(matches!(shown("prod"), std::borrow::Cow::Borrowed(_)));
        assert_eq!(fit("organisation-admin", 8), "organis…");
        assert_eq!(fit("dev", 8), "dev");
        assert_eq!(fit("x\u{202E}yz", 3), "x?…");
        for c in [
            '\u{2028}',
            '\u{2029}',
            '\u{034F}',
            '\u{3164}',
            '\u{FE0F}',
            '\u{E0041}',
            '\u{9B}',
        ] {
            assert_eq!(printable(&format!("a{c}b"), 10), "a?b", "{c:?}");
        }
    }
}
