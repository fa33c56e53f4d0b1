//! Reads the sections and keys of an AWS INI file exactly as botocore does.
//!
//! botocore hands the file to Python's `configparser.RawConfigParser` with its defaults
//! (`=`/`:` delimiters, `#`/`;` full-line comments only, no inline comments, strict mode,
//! empty lines inside values, keys lower-cased, a `[DEFAULT]` section whose keys every section
//! inherits) and then splits values that start on the next line into nested settings. This
//! module is a line-by-line port of that algorithm which also remembers on which lines each
//! section and key stand, so that edits can touch exactly those lines.

use foldhash::{HashMap, HashMapExt};
use std::borrow::Cow;
use std::fmt;
use thiserror::Error;

/// The section whose keys every other section inherits, as in Python's configparser.
pub const DEFAULT_SECTION: &str = "DEFAULT";

/// Why botocore would refuse the file, and where.
#[derive(Clone, Debug, Error, PartialEq, Eq)]
#[error("line {line}: {kind}")]
pub struct SyntaxError {
    /// 1-based line number.
    pub line: usize,
    /// What is wrong there.
    pub kind: SyntaxErrorKind,
}

impl SyntaxError {
    pub(crate) fn bom() -> Self {
        SyntaxError {
            line: 1,
            kind: SyntaxErrorKind::ByteOrderMark,
        }
    }
}

/// The kinds of syntax error botocore (through configparser) reports.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SyntaxErrorKind {
    /// The file starts with a UTF-8 byte-order mark.
    ByteOrderMark,
    /// A setting appears before any `[section]` header.
    MissingSectionHeader,
    /// The same section header appears twice.
    DuplicateSection {
        /// The section's name.
        name: String,
        /// 1-based line of its first appearance.
        first_line: usize,
    },
    /// The same key appears twice in one section.
    DuplicateKey {
        /// The section's name.
        section: String,
        /// The key, lower-cased.
        key: String,
    },
    /// A line inside a section that is neither `key = value`, a comment, nor blank.
    NotASetting,
    /// A nested block (a key with an empty value followed by indented lines) has a line
    /// without `=`.
    BadNestedSetting {
        /// The key that opens the nested block.
        key: String,
    },
}

impl fmt::Display for SyntaxErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::ByteOrderMark => f.write_str(
                "the file starts with a UTF-8 byte-order mark (BOM), which the AWS CLI cannot read; save it as UTF-8 without BOM",
            ),
            Self::MissingSectionHeader => {
                f.write_str("a setting appears before the first [section] header")
            }
            Self::DuplicateSection { name, first_line } => write!(
                f,
                "section [{name}] appears a second time (first on line {first_line}); the AWS CLI refuses such a file"
            ),
            Self::DuplicateKey { section, key } => write!(
                f,
                "key '{key}' appears a second time in section [{section}]; the AWS CLI refuses such a file"
            ),
            Self::NotASetting => f.write_str(
                "this line is not 'key = value', a comment (# or ;), a blank line or a [section] header",
            ),
            Self::BadNestedSetting { key } => write!(
                f,
                "the indented block under '{key}' must hold 'name = value' lines"
            ),
        }
    }
}

/// One `key = value` setting with the lines it occupies. Borrows the file's text wherever
/// the key and value appear in it verbatim (almost always), so reading allocates little.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Entry<'a> {
    /// The key, lower-cased as configparser does.
    pub key: Cow<'a, str>,
    /// The value as botocore sees it (continuation lines joined with `\n`, right-trimmed).
    pub value: Cow<'a, str>,
    /// 0-based line of the `key = value` line.
    pub line: usize,
    /// 0-based lines that continue the value (indented lines after it).
    pub continuation: Vec<usize>,
    /// Length in bytes of the value part on the key's own line (it ends the trimmed line).
    pub first_value_len: usize,
}

impl Entry<'_> {
    /// The same entry holding its own copies of its key and value.
    pub fn into_owned(self) -> Entry<'static> {
        Entry {
            key: Cow::Owned(self.key.into_owned()),
            value: Cow::Owned(self.value.into_owned()),
            line: self.line,
            continuation: self.continuation,
            first_value_len: self.first_value_len,
        }
    }

    /// The last line that belongs to this setting.
    pub fn last_line(&self) -> usize {
        self.continuation.last().copied().unwrap_or(self.line)
    }

    /// For a nested block (`s3 =` followed by indented `name = value` lines), its settings in
    /// order, exactly as botocore's `_parse_nested` splits them.
    pub fn nested(&self) -> Option<Vec<(String, String)>> {
        parse_nested(&self.value)
    }
}

/// One `[section]` with its settings.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Section<'a> {
    /// The text between the brackets, untrimmed (e.g. `profile dev`).
    pub name: &'a str,
    /// 0-based line of the header.
    pub header: usize,
    /// Settings in file order.
    pub entries: Vec<Entry<'a>>,
}

impl<'a> Section<'a> {
    /// The setting with lower-case `key`, if any.
    pub fn entry(&self, key: &str) -> Option<&Entry<'a>> {
        self.entries.iter().find(|e| e.key == key)
    }
}

/// Every section of a file (except `[DEFAULT]`) and the `[DEFAULT]` settings.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Structure<'a> {
    /// Sections in the order they first appear.
    pub sections: Vec<Section<'a>>,
    /// Settings of all `[DEFAULT]` sections, inherited by every section.
    pub defaults: Vec<Entry<'a>>,
}

impl<'a> Structure<'a> {
    /// The section named exactly `name`.
    pub fn section(&self, name: &str) -> Option<&Section<'a>> {
        self.sections.iter().find(|s| s.name == name)
    }

    /// The value of `key` in section `name` as written there (not inherited from DEFAULT).
    pub fn value(&self, name: &str, key: &str) -> Option<&str> {
        self.section(name)?.entry(key).map(|e| e.value.as_ref())
    }

    /// Whether both structures hold the same sections, keys and values, ignoring `key` of
    /// `section` (or the whole of `section` when `key` is empty).
    pub fn same_except(&self, other: &Structure, section: &str, key: &str) -> bool {
        fn meaning<'s>(
            s: &'s Structure,
            section: &str,
            key: &str,
        ) -> Vec<(&'s str, Vec<(&'s str, &'s str)>)> {
            s.sections
                .iter()
                .filter(|sect| !(key.is_empty() && sect.name == section))
                .map(|sect| {
                    let entries = sect
                        .entries
                        .iter()
                        .filter(|e| !(sect.name == section && e.key == key))
                        .map(|e| (e.key.as_ref(), e.value.as_ref()))
                        .collect();
                    (sect.name, entries)
                })
                .collect()
        }
        let same_defaults = self.defaults.len() == other.defaults.len()
            && self
                .defaults
                .iter()
                .zip(&other.defaults)
                .all(|(a, b)| a.key == b.key && a.value == b.value);
        same_defaults && meaning(self, section, key) == meaning(other, section, key)
    }
}

/// Python's `str.isspace()`: Unicode whitespace plus the ASCII separators U+001C..U+001F.
pub fn is_py_space(c: char) -> bool {
    c.is_whitespace() || ('\u{1c}'..='\u{1f}').contains(&c)
}

/// Whether a line is empty or only whitespace.
pub fn is_blank(line: &str) -> bool {
    line.chars().all(is_py_space)
}

/// [`is_py_space`] for one ASCII byte.
fn is_ascii_py_space(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\n' | 0x0b | 0x0c | b'\r' | 0x1c..=0x1f)
}

/// `s.lstrip()`: byte by byte while the text is ASCII, by character after that.
fn trim_start_py(s: &str) -> &str {
    for (i, &b) in s.as_bytes().iter().enumerate() {
        if !b.is_ascii() {
            return s[i..].trim_start_matches(is_py_space);
        }
        if !is_ascii_py_space(b) {
            return &s[i..];
        }
    }
    ""
}

/// `s.rstrip()`: byte by byte while the text is ASCII, by character after that.
fn trim_end_py(s: &str) -> &str {
    for (i, &b) in s.as_bytes().iter().enumerate().rev() {
        if !b.is_ascii() {
            return s[..=i].trim_end_matches(is_py_space);
        }
        if !is_ascii_py_space(b) {
            return &s[..=i];
        }
    }
    ""
}

/// How many whitespace characters a line starts with.
fn indent_of(line: &str) -> usize {
    for (i, &b) in line.as_bytes().iter().enumerate() {
        if !b.is_ascii() {
            return i + line[i..].chars().take_while(|&c| is_py_space(c)).count();
        }
        if !is_ascii_py_space(b) {
            return i;
        }
    }
    line.len()
}

/// Where the entry being read lives.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Target {
    Defaults,
    Section(usize),
}

/// Reads lines (without endings) into sections and settings, or the error botocore would raise.
pub fn read<'a>(lines: impl Iterator<Item = &'a str>) -> Result<Structure<'a>, SyntaxError> {
    let mut out = Structure::default();
    let mut seen: HashMap<&'a str, usize> = HashMap::new();
    let mut target: Option<Target> = None;
    // The entry a continuation or blank line belongs to: (where, index in its list).
    let mut option: Option<(Target, usize)> = None;
    let mut indent_level = 0usize;
    let mut deferred: Option<SyntaxError> = None;

    for (index, line) in lines.enumerate() {
        let stripped = trim_end_py(trim_start_py(line));
        let comment = stripped.starts_with('#') || stripped.starts_with(';');
        if stripped.is_empty() || comment {
            if let (false, Some((t, i))) = (comment, option) {
                // configparser keeps blank lines inside a value; trailing ones are trimmed below.
                entries_mut(&mut out, t)[i].value.to_mut().push('\n');
            }
            continue;
        }
        let indent = indent_of(line);
        if let Some((t, i)) = option.filter(|_| indent > indent_level) {
            let entry = &mut entries_mut(&mut out, t)[i];
            let value = entry.value.to_mut();
            value.push('\n');
            value.push_str(stripped);
            entry.continuation.push(index);
            continue;
        }
        indent_level = indent;
        option = None;
        if let Some(name) = section_header(stripped) {
            if name == DEFAULT_SECTION {
                target = Some(Target::Defaults);
            } else if let Some(&first) = seen.get(name) {
                return Err(SyntaxError {
                    line: index + 1,
                    kind: SyntaxErrorKind::DuplicateSection {
                        name: name.to_owned(),
                        first_line: first + 1,
                    },
                });
            } else {
                seen.insert(name, index);
                out.sections.push(Section {
                    name,
                    header: index,
                    entries: Vec::new(),
                });
                target = Some(Target::Section(out.sections.len() - 1));
            }
            continue;
        }
        let Some(t) = target else {
            return Err(SyntaxError {
                line: index + 1,
                kind: SyntaxErrorKind::MissingSectionHeader,
            });
        };
        let Some((name, value)) = split_option(stripped).filter(|(name, _)| !name.is_empty())
        else {
            deferred.get_or_insert(SyntaxError {
                line: index + 1,
                kind: SyntaxErrorKind::NotASetting,
            });
            continue;
        };
        let key = if name
            .bytes()
            .any(|b| b.is_ascii_uppercase() || !b.is_ascii())
        {
            Cow::Owned(name.to_lowercase())
        } else {
            Cow::Borrowed(name)
        };
        let entries = entries_mut(&mut out, t);
        if entries.iter().any(|e| e.key == key) {
            let section = match t {
                Target::Defaults => DEFAULT_SECTION.to_owned(),
                Target::Section(s) => out.sections[s].name.to_owned(),
            };
            return Err(SyntaxError {
                line: index + 1,
                kind: SyntaxErrorKind::DuplicateKey {
                    section,
                    key: key.into_owned(),
                },
            });
        }
        entries.push(Entry {
            key,
            value: Cow::Borrowed(value),
            line: index,
            continuation: Vec::new(),
            first_value_len: value.len(),
        });
        option = Some((t, entries.len() - 1));
    }
    if let Some(err) = deferred {
        return Err(err);
    }
    let all = out
        .defaults
        .iter_mut()
        .chain(out.sections.iter_mut().flat_map(|s| s.entries.iter_mut()));
    for entry in all {
        if let Cow::Owned(value) = &mut entry.value {
            // Only joined values can end in whitespace: a borrowed one ends a trimmed line.
            let kept = value.trim_end_matches(is_py_space).len();
            value.truncate(kept);
        }
        if entry.value.starts_with('\n') && entry.nested().is_none() {
            return Err(SyntaxError {
                line: entry.line + 1,
                kind: SyntaxErrorKind::BadNestedSetting {
                    key: entry.key.clone().into_owned(),
                },
            });
        }
    }
    Ok(out)
}

fn entries_mut<'s, 'a>(out: &'s mut Structure<'a>, target: Target) -> &'s mut Vec<Entry<'a>> {
    match target {
        Target::Defaults => &mut out.defaults,
        Target::Section(i) => &mut out.sections[i].entries,
    }
}

/// configparser's `SECTCRE` (`\[(?P<header>.+)\]`, matched at the start): the text between the
/// first `[` and the last `]` of a trimmed line; anything after that `]` is ignored.
fn section_header(stripped: &str) -> Option<&str> {
    let rest = stripped.strip_prefix('[')?;
    let close = rest.rfind(']')?;
    (close > 0).then(|| &rest[..close])
}

/// configparser's `OPTCRE`: the name before the first `=` or `:` (right-trimmed) and the value
/// after it (left-trimmed; the line is already trimmed).
fn split_option(stripped: &str) -> Option<(&str, &str)> {
    let at = memchr::memchr2(b'=', b':', stripped.as_bytes())?;
    let name = trim_end_py(&stripped[..at]);
    let value = trim_start_py(&stripped[at + 1..]);
    Some((name, value))
}

/// botocore's `_parse_nested`: for a value starting with a newline, each non-blank line split
/// at its first `=`, both sides trimmed (keys keep their case). `None` if a line has no `=`.
fn parse_nested(value: &str) -> Option<Vec<(String, String)>> {
    if !value.starts_with('\n') {
        return None;
    }
    let mut out = Vec::new();
    for line in py_splitlines(value) {
        let line = line.trim_matches(is_py_space);
        if line.is_empty() {
            continue;
        }
        let (k, v) = line.split_once('=')?;
        out.push((
            k.trim_matches(is_py_space).to_owned(),
            v.trim_matches(is_py_space).to_owned(),
        ));
    }
    Some(out)
}

/// Python's `str.splitlines()` boundaries.
fn py_splitlines(s: &str) -> impl Iterator<Item = &str> {
    s.split(|c| {
        matches!(
            c,
            '\n' | '\r'
                | '\u{b}'
                | '\u{c}'
                | '\u{1c}'
                | '\u{1d}'
                | '\u{1e}'
                | '\u{85}'
                | '\u{2028}'
                | '\u{2029}'
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// Characters where the byte-wise fast paths could go wrong: ASCII spaces of every kind,
    /// the separators Python counts as space, Unicode spaces, and other multi-byte text.
    fn tricky() -> impl Strategy<Value = String> {
        let pieces = prop::sample::select(vec![
            " ", "\t", "\u{b}", "\u{c}", "\r", "\n", "\u{1c}", "\u{1f}", "\u{85}", "\u{a0}",
            "\u{3000}", "\u{2028}", "a", "=", "é", "€", "🦀", "#",
        ]);
        prop::collection::vec(pieces, 0..12).prop_map(|v| v.concat())
    }

    proptest! {
        #[test]
        fn fast_trims_match_python_strip(s in tricky()) {
            prop_assert_eq!(trim_start_py(&s), s.trim_start_matches(is_py_space));
            prop_assert_eq!(trim_end_py(&s), s.trim_end_matches(is_py_space));
            prop_assert_eq!(
                indent_of(&s),
                s.chars().take_while(|&c| is_py_space(c)).count()
            );
        }
    }
}
