//! The lossless document: byte-identical round trips and edits that touch only their lines.

use mfatui::awsfiles::document::{Document, EditError};
use mfatui::awsfiles::syntax::SyntaxErrorKind;
use proptest::prelude::*;
use std::path::Path;

/// The first and one-past-last differing line between two texts (lines keep their endings).
fn changed_lines(before: &str, after: &str) -> (usize, usize, usize) {
    let a = universal_lines(before);
    let b = universal_lines(after);
    let head = a.iter().zip(&b).take_while(|(x, y)| x == y).count();
    let tail = a[head..]
        .iter()
        .rev()
        .zip(b[head..].iter().rev())
        .take_while(|(x, y)| x == y)
        .count();
    (head, a.len() - tail, b.len() - tail)
}

/// Lines with their endings, split at `\n`, `\r\n` and lone `\r` like the parser does.
fn universal_lines(text: &str) -> Vec<&str> {
    let bytes = text.as_bytes();
    let (mut out, mut start, mut i) = (Vec::new(), 0, 0);
    while i < bytes.len() {
        let end = match bytes[i] {
            b'\r' if bytes.get(i + 1) == Some(&b'\n') => i + 2,
            b'\r' | b'\n' => i + 1,
            _ => {
                i += 1;
                continue;
            }
        };
        out.push(&text[start..end]);
        (start, i) = (end, end);
    }
    if start < text.len() {
        out.push(&text[start..]);
    }
    out
}

#[test]
fn every_fixture_file_round_trips_byte_for_byte() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures");
    let mut checked = 0;
    for dir in std::fs::read_dir(root).unwrap() {
        for name in ["config", "credentials"] {
            let path = dir.as_ref().unwrap().path().join(name);
            let Ok(bytes) = std::fs::read(&path) else {
                continue;
            };
            match Document::parse(&bytes) {
                Ok(doc) => assert_eq!(doc.render(), bytes, "{}", path.display()),
                Err(err) => assert!(
                    std::str::from_utf8(&bytes).is_err(),
                    "{}: {err}",
                    path.display()
                ),
            }
            checked += 1;
        }
    }
    assert!(checked >= 50, "only {checked} fixture files");
}

#[test]
fn non_utf8_is_refused_with_its_line() {
    let err = Document::parse(b"[dev]\nkey = ok\nbad = \xff\n").unwrap_err();
    assert_eq!(err.line, 3);
    assert!(err.to_string().starts_with("line 3: "), "{err}");
}

#[test]
fn bom_is_kept_but_reported_like_botocore() {
    let bytes = b"\xef\xbb\xbf[default]\nregion = x\n";
    let doc = Document::parse(bytes).unwrap();
    assert_eq!(doc.render(), bytes);
    assert_eq!(
        doc.structure().unwrap_err().kind,
        SyntaxErrorKind::ByteOrderMark
    );
}

#[test]
fn setting_an_existing_key_changes_only_its_line_and_keeps_crlf() {
    let text = "# creds\r\n[dev]\r\naws_access_key_id   =   OLD\r\nregion=eu-west-1\r\n\r\n[prod]\r\naws_access_key_id = P\r\n";
    let mut doc = Document::from_str_lossless(text);
    doc.set("dev", "aws_access_key_id", "NEW").unwrap();
    assert_eq!(
        doc.to_text(),
        "# creds\r\n[dev]\r\naws_access_key_id   =   NEW\r\nregion=eu-west-1\r\n\r\n[prod]\r\naws_access_key_id = P\r\n"
    );
}

#[test]
fn a_new_key_follows_the_last_setting_with_its_indent_and_delimiter() {
    let mut doc =
        Document::from_str_lossless("[dev]\n  a=1\n  b=2\n\n# about prod\n[prod]\nc = 3\n");
    doc.set("dev", "expiration", "2026-11-22T12:00:00Z")
        .unwrap();
    assert_eq!(
        doc.to_text(),
        "[dev]\n  a=1\n  b=2\n  expiration=2026-11-22T12:00:00Z\n\n# about prod\n[prod]\nc = 3\n"
    );
}

#[test]
fn a_new_key_in_an_empty_section_goes_under_its_header() {
    let mut doc = Document::from_str_lossless("[dev]\n[prod]\nc = 3\n");
    doc.set("dev", "region", "eu-west-1").unwrap();
    assert_eq!(doc.to_text(), "[dev]\nregion = eu-west-1\n[prod]\nc = 3\n");
}

#[test]
fn a_file_without_final_newline_stays_without_one() {
    let mut doc = Document::from_str_lossless("[dev]\na = 1");
    doc.set("dev", "b", "2").unwrap();
    assert_eq!(doc.to_text(), "[dev]\na = 1\nb = 2");
    doc.add_section("new", &[("k", "v")]).unwrap();
    assert_eq!(doc.to_text(), "[dev]\na = 1\nb = 2\n\n[new]\nk = v");
}

#[test]
fn replacing_a_multiline_value_drops_its_continuation_but_keeps_comments() {
    let mut doc = Document::from_str_lossless(
        "[default]\ns3 =\n  # why\n  addressing_style = path\nregion = x\n",
    );
    doc.set("default", "s3", "off").unwrap();
    assert_eq!(doc.to_text(), "[default]\ns3 = off\n  # why\nregion = x\n");
}

#[test]
fn removing_a_key_removes_its_lines_only() {
    let mut doc = Document::from_str_lossless("[dev]\na = 1\ndesc = x\n  y\nb = 2\n");
    assert!(doc.remove("dev", "desc").unwrap());
    assert_eq!(doc.to_text(), "[dev]\na = 1\nb = 2\n");
    assert!(!doc.remove("dev", "missing").unwrap());
}

#[test]
fn adding_a_section_uses_the_file_newline_and_a_blank_separator() {
    let mut doc = Document::from_str_lossless("[a]\r\nx = 1\r\n");
    doc.add_section(
        "dev-mfa",
        &[("aws_access_key_id", "ASIA"), ("expiration", "t")],
    )
    .unwrap();
    assert_eq!(
        doc.to_text(),
        "[a]\r\nx = 1\r\n\r\n[dev-mfa]\r\naws_access_key_id = ASIA\r\nexpiration = t\r\n"
    );
    let mut empty = Document::default();
    empty.add_section("first", &[("k", "v")]).unwrap();
    assert_eq!(empty.to_text(), "[first]\nk = v\n");
    assert_eq!(
        empty.add_section("first", &[]),
        Err(EditError::SectionExists("first".into()))
    );
}

#[test]
fn set_all_creates_or_updates_atomically() {
    let mut doc = Document::from_str_lossless("[dev]\na = 1\n");
    doc.set_all("dev", &[("a", "2"), ("b", "3")]).unwrap();
    assert_eq!(doc.to_text(), "[dev]\na = 2\nb = 3\n");
    let before = doc.clone();
    assert!(doc
        .set_all("dev", &[("c", "ok"), ("d", "bad\nvalue")])
        .is_err());
    assert_eq!(
        doc, before,
        "a failed set_all leaves the document untouched"
    );
}

#[test]
fn edits_are_refused_on_files_botocore_cannot_read_and_on_unsafe_values() {
    let mut broken = Document::from_str_lossless("[dev]\na = 1\n[dev]\n");
    assert!(matches!(
        broken.set("dev", "a", "2"),
        Err(EditError::Syntax(_))
    ));
    let mut doc = Document::from_str_lossless("[dev]\na = 1\n");
    for bad in ["two\nlines", " padded", "tab\there"] {
        assert!(
            matches!(doc.set("dev", "a", bad), Err(EditError::Invalid(_))),
            "{bad:?}"
        );
    }
    assert!(matches!(
        doc.set("dev", "Upper", "x"),
        Err(EditError::Invalid(_))
    ));
    assert!(matches!(
        doc.set("nope", "a", "x"),
        Err(EditError::NoSuchSection(_))
    ));
    assert_eq!(doc.to_text(), "[dev]\na = 1\n");
}

/// Case count: `PROPTEST_CASES` when set (for long runs, see README), else `default`.
fn cases(default: u32) -> u32 {
    std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// Fragments that exercise every rule of the dialect, glued into arbitrary files.
fn fragment() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("[default]".to_owned()),
        Just("[profile dev]".to_owned()),
        Just("[DEFAULT]".to_owned()),
        Just("[profile \"a b\"]".to_owned()),
        Just("key = value".to_owned()),
        Just("Key:Value".to_owned()),
        Just("  indented = x".to_owned()),
        Just("\tcont".to_owned()),
        Just("s3 =".to_owned()),
        Just("# comment".to_owned()),
        Just("; comment".to_owned()),
        Just("= orphan".to_owned()),
        Just("".to_owned()),
        Just("   ".to_owned()),
        Just("café = ☕".to_owned()),
        Just("\u{feff}".to_owned()),
        Just("[".to_owned()),
        Just("]".to_owned()),
        "[a-z=:#;\\[\\] \t]{0,12}",
    ]
}

fn ending() -> impl Strategy<Value = &'static str> {
    prop_oneof![Just("\n"), Just("\r\n"), Just("\r"), Just("")]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(cases(2000)))]

    #[test]
    fn parse_then_render_is_identity_for_any_text(lines in prop::collection::vec((fragment(), ending()), 0..30)) {
        let text: String = lines.iter().map(|(l, e)| format!("{l}{e}")).collect();
        let doc = Document::parse(text.as_bytes()).unwrap();
        prop_assert_eq!(doc.render(), text.as_bytes());
        let _ = doc.structure();
    }

    #[test]
    fn parse_then_render_is_identity_for_any_bytes(bytes in prop::collection::vec(any::<u8>(), 0..200)) {
        if let Ok(doc) = Document::parse(&bytes) {
            prop_assert_eq!(doc.render(), bytes);
        }
    }
}

/// A small valid file: sections with keys, comments and blank lines between them.
/// Sections in order, each with its `(key, value)` pairs.
type Model = Vec<(String, Vec<(String, String)>)>;

fn valid_file() -> impl Strategy<Value = (Model, &'static str)> {
    let key = "[a-z_]{1,8}";
    let value = "[A-Za-z0-9/+]{0,10}";
    let section = ("[a-z-]{1,6}", prop::collection::btree_map(key, value, 0..5))
        .prop_map(|(name, keys)| (name, keys.into_iter().collect::<Vec<_>>()));
    (
        prop::collection::btree_map("[a-z-]{1,6}", Just(()), 1..5),
        prop::collection::vec(section, 5),
        ending(),
    )
        .prop_map(|(names, sections, nl)| {
            let sections = names
                .into_keys()
                .zip(sections)
                .map(|(n, (_, keys))| (n, keys))
                .collect();
            (sections, if nl.is_empty() { "\n" } else { nl })
        })
}

fn render_file(sections: &Model, nl: &str) -> String {
    let mut out = String::new();
    for (i, (name, keys)) in sections.iter().enumerate() {
        out.push_str(&format!("# section {i}{nl}[{name}]{nl}"));
        for (k, v) in keys {
            out.push_str(&format!("{k} = {v}{nl}"));
        }
        out.push_str(nl);
    }
    out
}

/// What rust-ini, an independent reader, sees: section → key → value.
fn second_reader(text: &str) -> Model {
    // rust-ini does not split at lone `\r` (Python and mfatui do), so it gets `\n` endings.
    let text = text.replace("\r\n", "\n").replace('\r', "\n");
    let ini = ini::Ini::load_from_str_noescape(&text).unwrap();
    ini.iter()
        .filter_map(|(s, props)| {
            let keys = props
                .iter()
                .map(|(k, v)| (k.to_owned(), v.to_owned()))
                .collect();
            s.map(|s| (s.to_owned(), keys))
        })
        .collect()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(cases(500)))]

    #[test]
    fn an_edit_changes_only_lines_of_its_section(
        (sections, nl) in valid_file(),
        pick in any::<prop::sample::Index>(),
        key in "[a-z_]{1,8}",
        value in "[A-Za-z0-9/+=]{1,20}",
        remove in any::<bool>(),
    ) {
        let text = render_file(&sections, nl);
        let (name, keys) = &sections[pick.index(sections.len())];
        let mut doc = Document::from_str_lossless(&text);
        let header = doc.structure().unwrap().section(name).unwrap().header;
        let next_header = doc.structure().unwrap().sections().map(|s| s.header).find(|&h| h > header).unwrap_or(usize::MAX);
        let mut expected = sections.clone();
        let target = expected.iter_mut().find(|(n, _)| n == name).unwrap();
        if remove {
            let existed = doc.remove(name, &key).unwrap();
            prop_assert_eq!(existed, keys.iter().any(|(k, _)| *k == key));
            target.1.retain(|(k, _)| *k != key);
        } else {
            doc.set(name, &key, &value).unwrap();
            match target.1.iter_mut().find(|(k, _)| *k == key) {
                Some(slot) => slot.1 = value.clone(),
                None => target.1.push((key.clone(), value.clone())),
            }
        }
        let after = doc.to_text();
        let (first, old_end, _) = changed_lines(&text, &after);
        if first < old_end || after != text {
            prop_assert!(first > header && first < next_header, "edit started outside [{}]", name);
            prop_assert!(old_end <= next_header, "edit ran past [{}]", name);
        }
        prop_assert_eq!(second_reader(&after), expected);
        if nl == "\r\n" {
            prop_assert_eq!(after.matches('\n').count(), after.matches("\r\n").count());
        }
    }
}
