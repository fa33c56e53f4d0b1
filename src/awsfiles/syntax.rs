//! Reads the sections and keys of an AWS INI file exactly as botocore does.
//!
//! botocore hands the file to Python's `configparser.RawConfigParser` with its defaults
//! (`=`/`:` delimiters, `#`/`;` full-line comments only, no inline comments, strict mode,
//! empty lines inside values, keys lower-cased, a `[DEFAULT]` section whose keys every section
//! inherits) and then splits values that start on the next line into nested settings. This
//! module is a line-by-line port of that algorithm which also remembers on which lines each
//! section and key stand, so that edits can touch exactly those lines.

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
    /// 0-based line of the value's last line: `line`, or its last continuation line (the
    /// lines between that are not blank or comments continue the value, see
    /// [`Entry::continuation`]).
    last: u32,
    /// Length in bytes of the value part on the key's own line (it ends the trimmed line).
    first_value_len: u32,
    /// Written as every SDK reads it: the key in lower case, then `=` (the JS SDK v3 keeps a
    /// key's case and splits only at `=`, where botocore lower-cases and splits at `:` too).
    pub plain: bool,
}

impl Entry<'_> {
    /// The same entry holding its own copies of its key and value.
    pub fn into_owned(self) -> Entry<'static> {
        Entry {
            key: Cow::Owned(self.key.into_owned()),
            value: Cow::Owned(self.value.into_owned()),
            line: self.line,
            last: self.last,
            first_value_len: self.first_value_len,
            plain: self.plain,
        }
    }

    /// The last line that belongs to this setting.
    pub fn last_line(&self) -> usize {
        self.last as usize
    }

    /// Length in bytes of the value part on the key's own line.
    pub fn first_value_len(&self) -> usize {
        self.first_value_len as usize
    }

    /// The 0-based lines that continue the value (indented lines after it), given the
    /// file's line `text` by number: every line after the first up to the last that is not
    /// blank or a comment (only those end or skip a value).
    pub fn continuation<'t>(
        &self,
        text: impl Fn(usize) -> &'t str + 't,
    ) -> impl Iterator<Item = usize> + 't {
        (self.line + 1..=self.last_line()).filter(move |&n| !is_blank_or_comment(text(n)))
    }

    /// For a nested block (`s3 =` followed by indented `name = value` lines), its settings in
    /// order, exactly as botocore's `_parse_nested` splits them.
    pub fn nested(&self) -> Option<Vec<(String, String)>> {
        parse_nested(&self.value)
    }
}

/// One `[section]` with its settings: a view into a [`Structure`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Section<'s> {
    /// The text between the brackets, untrimmed (e.g. `profile dev`).
    pub name: &'s str,
    /// 0-based line of the header.
    pub header: usize,
    /// Settings in file order.
    pub entries: &'s [Entry<'s>],
}

impl<'s> Section<'s> {
    /// The setting with lower-case `key`, if any.
    pub fn entry(&self, key: &str) -> Option<&'s Entry<'s>> {
        self.entries.iter().find(|e| e.key == key)
    }
}

/// Where a section stands: its name, header line and its settings' range in the flat list.
#[derive(Clone, Debug, PartialEq, Eq)]
struct SectionSpan<'a> {
    name: Cow<'a, str>,
    header: usize,
    start: usize,
    end: usize,
}

/// Every section of a file (except `[DEFAULT]`) and the `[DEFAULT]` settings.
///
/// The settings of all sections live in one list in file order (a section's settings are
/// contiguous: a header cannot repeat), so reading allocates per file, not per section.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Structure<'a> {
    spans: Vec<SectionSpan<'a>>,
    entries: Vec<Entry<'a>>,
    /// Settings of all `[DEFAULT]` sections, inherited by every section.
    pub defaults: Vec<Entry<'a>>,
}

impl<'a> Structure<'a> {
    /// Sections in the order they appear.
    pub fn sections(&self) -> impl ExactSizeIterator<Item = Section<'_>> + '_ {
        (0..self.spans.len()).map(|i| self.section_at(i))
    }

    /// The `index`-th section (0-based, in file order, `[DEFAULT]` not counted).
    ///
    /// # Panics
    /// If there are not that many sections.
    pub fn section_at(&self, index: usize) -> Section<'_> {
        let span = &self.spans[index];
        Section {
            name: &span.name,
            header: span.header,
            entries: &self.entries[span.start..span.end],
        }
    }

    /// The name of the `index`-th section as read (borrowing the file's text when it can).
    ///
    /// # Panics
    /// If there are not that many sections.
    pub fn name_at(&self, index: usize) -> &Cow<'a, str> {
        &self.spans[index].name
    }

    /// The section named exactly `name`.
    pub fn section(&self, name: &str) -> Option<Section<'_>> {
        let index = self.spans.iter().position(|s| s.name == name)?;
        Some(self.section_at(index))
    }

    /// The value of `key` in section `name` as written there (not inherited from DEFAULT).
    pub fn value(&self, name: &str, key: &str) -> Option<&str> {
        self.section(name)?.entry(key).map(|e| e.value.as_ref())
    }

    /// Whether any section (`[DEFAULT]` included) sets one of `keys`.
    pub fn mentions(&self, keys: &[&str]) -> bool {
        self.entries
            .iter()
            .chain(&self.defaults)
            .any(|e| keys.contains(&e.key.as_ref()))
    }

    /// The same structure holding its own copies of every string.
    pub fn into_owned(self) -> Structure<'static> {
        let owned = |entries: Vec<Entry<'a>>| entries.into_iter().map(Entry::into_owned).collect();
        Structure {
            spans: self
                .spans
                .into_iter()
                .map(|s| SectionSpan {
                    name: Cow::Owned(s.name.into_owned()),
                    header: s.header,
                    start: s.start,
                    end: s.end,
                })
                .collect(),
            entries: owned(self.entries),
            defaults: owned(self.defaults),
        }
    }

    /// Whether both structures hold the same sections, keys and values, ignoring `key` of
    /// `section` (or the whole of `section` when `key` is empty).
    pub fn same_except(&self, other: &Structure, section: &str, key: &str) -> bool {
        fn meaning<'s>(
            s: &'s Structure,
            section: &str,
            key: &str,
        ) -> Vec<(&'s str, Vec<(&'s str, &'s str)>)> {
            s.sections()
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

/// A line number or length as kept in an [`Entry`] (a file of 4 GB is not read: it stops at
/// the memory limit long before).
fn line_index(n: usize) -> u32 {
    u32::try_from(n).expect("files under 4 GB")
}

/// Whether a line is blank or a comment (`#` or `;` after any indentation): such lines
/// never hold or continue a setting.
pub fn is_blank_or_comment(line: &str) -> bool {
    let lead = trim_start_py(line);
    lead.is_empty() || lead.starts_with(['#', ';'])
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

/// Reads a file's text (without byte-order mark) into sections and settings, or the error
/// botocore would raise. Lines end at `\n`, `\r\n` or a lone `\r` (Python's universal newlines).
pub fn read(text: &str) -> Result<Structure<'_>, SyntaxError> {
    let bytes = text.as_bytes();
    // Typical files hold a setting per ~30 bytes and a section per ~110: reserving that much
    // up front spares regrowing the lists and the name table while reading.
    let mut out = Structure {
        spans: Vec::with_capacity(text.len() / 128),
        entries: Vec::with_capacity(text.len() / 32),
        defaults: Vec::new(),
    };
    // The sections read so far, by name: positions into `out.spans`, which hold the names.
    let mut seen: hashbrown::HashTable<u32> = hashbrown::HashTable::with_capacity(text.len() / 128);
    let hash = |name: &str| {
        use std::hash::BuildHasher;
        foldhash::fast::FixedState::default().hash_one(name)
    };
    // Whether settings go to `[DEFAULT]`; `None` before the first header.
    let mut in_defaults: Option<bool> = None;
    // The entry a continuation or blank line belongs to: (in defaults?, index in its list).
    let mut option: Option<(bool, usize)> = None;
    // Blank lines seen since that entry's last line.
    let mut blank_lines = 0usize;
    let mut indent_level = 0usize;
    let mut deferred: Option<SyntaxError> = None;
    let mut pos = 0;
    let mut index = 0;

    // Whether the line before ended with a lone `\r`: the JS SDK, which ends lines at `\n`
    // only, reads this one as part of it.
    let mut after_lone_cr = false;
    while pos < bytes.len() {
        let end = memchr::memchr2(b'\n', b'\r', &bytes[pos..]).map_or(bytes.len(), |at| pos + at);
        let line = &text[pos..end];
        let joined = std::mem::replace(
            &mut after_lone_cr,
            bytes.get(end) == Some(&b'\r') && bytes.get(end + 1) != Some(&b'\n'),
        );
        pos = match bytes.get(end) {
            Some(b'\r') if bytes.get(end + 1) == Some(&b'\n') => end + 2,
            Some(_) => end + 1,
            None => end,
        };
        index += 1;
        let line_no = index - 1;

        // Most lines start and end with a visible ASCII character: no trimming to do.
        let plain = |b: &u8| b.is_ascii() && !is_ascii_py_space(*b);
        let (indent, lead) = match line.as_bytes().first() {
            Some(b) if plain(b) => (0, line),
            _ => (indent_of(line), trim_start_py(line)),
        };
        let stripped = match lead.as_bytes().last() {
            Some(b) if plain(b) => lead,
            _ => trim_end_py(lead),
        };
        let first = stripped.as_bytes().first().copied();
        let comment = matches!(first, Some(b'#' | b';'));
        if first.is_none() || comment {
            if !comment && option.is_some() {
                // configparser keeps blank lines inside a value (and trims trailing ones at
                // the end): counted here, written only if a continuation line follows.
                blank_lines += 1;
            }
            continue;
        }
        if let Some((d, i)) = option.filter(|_| indent > indent_level) {
            let entry = &mut entries_mut(&mut out, d)[i];
            let value = entry.value.to_mut();
            value.extend(std::iter::repeat_n('\n', blank_lines + 1));
            blank_lines = 0;
            value.push_str(stripped);
            entry.last = line_index(line_no);
            continue;
        }
        indent_level = indent;
        option = None;
        blank_lines = 0;
        if let Some(name) = section_header(stripped) {
            if name == DEFAULT_SECTION {
                in_defaults = Some(true);
            } else if let Some(&first) =
                seen.find(hash(name), |&at| out.spans[at as usize].name == name)
            {
                return Err(SyntaxError {
                    line: line_no + 1,
                    kind: SyntaxErrorKind::DuplicateSection {
                        name: name.to_owned(),
                        first_line: out.spans[first as usize].header + 1,
                    },
                });
            } else {
                let at = u32::try_from(out.spans.len()).expect("fewer than 4 billion sections");
                let start = out.entries.len();
                out.spans.push(SectionSpan {
                    name: Cow::Borrowed(name),
                    header: line_no,
                    start,
                    end: start,
                });
                let spans = &out.spans;
                seen.insert_unique(hash(name), at, |&other| hash(&spans[other as usize].name));
                in_defaults = Some(false);
            }
            continue;
        }
        let Some(d) = in_defaults else {
            return Err(SyntaxError {
                line: line_no + 1,
                kind: SyntaxErrorKind::MissingSectionHeader,
            });
        };
        let Some((name, value, at)) =
            split_option(stripped).filter(|(name, _, _)| !name.is_empty())
        else {
            deferred.get_or_insert(SyntaxError {
                line: line_no + 1,
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
        let (entries, section) = if d {
            (&mut out.defaults, None)
        } else {
            let span = out.spans.last_mut().expect("a section is open");
            span.end += 1;
            (&mut out.entries, Some(&*span))
        };
        let own = &entries[section.map_or(0, |s| s.start)..];
        if own.iter().any(|e| e.key == key) {
            return Err(SyntaxError {
                line: line_no + 1,
                kind: SyntaxErrorKind::DuplicateKey {
                    section: section.map_or(DEFAULT_SECTION, |s| &s.name).to_owned(),
                    key: key.into_owned(),
                },
            });
        }
        // The key as the JS SDK v3 reads it must be this one: the text before the line's
        // first `=` or `:` trimmed its way, on a line of its own (attack round 14, C-1).
        let plain = stripped.as_bytes()[at] == b'='
            && !joined
            && matches!(key, Cow::Borrowed(_))
            && js_reads_alike(
                &line[..line.len() - lead.len()],
                name,
                &stripped[name.len()..at],
            );
        entries.push(Entry {
            key,
            value: Cow::Borrowed(value),
            line: line_no,
            last: line_index(line_no),
            first_value_len: line_index(value.len()),
            plain,
        });
        option = Some((d, entries.len() - 1));
    }
    if let Some(err) = deferred {
        return Err(err);
    }
    for entry in out.defaults.iter_mut().chain(out.entries.iter_mut()) {
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

fn entries_mut<'s, 'a>(out: &'s mut Structure<'a>, defaults: bool) -> &'s mut Vec<Entry<'a>> {
    if defaults {
        &mut out.defaults
    } else {
        &mut out.entries
    }
}

/// configparser's `SECTCRE` (`\[(?P<header>.+)\]`, matched at the start): the text between the
/// first `[` and the last `]` of a trimmed line; anything after that `]` is ignored.
fn section_header(stripped: &str) -> Option<&str> {
    let rest = stripped.strip_prefix('[')?;
    let close = rest.rfind(']')?;
    (close > 0).then(|| &rest[..close])
}

/// Whitespace as JavaScript's `\s` and `trim()` know it: Unicode's, the BOM too, not NEL —
/// what the JS SDK v3 trims where botocore trims Python's.
pub fn js_space(c: char) -> bool {
    (c.is_whitespace() && c != '\u{85}') || c == '\u{feff}'
}

/// configparser's `OPTCRE`: the name before the first `=` or `:` (right-trimmed), the value
/// after it (left-trimmed; the line is already trimmed), and where that separator is.
fn split_option(stripped: &str) -> Option<(&str, &str, usize)> {
    let at = memchr::memchr2(b'=', b':', stripped.as_bytes())?;
    let name = trim_end_py(&stripped[..at]);
    let value = trim_start_py(&stripped[at + 1..]);
    Some((name, value, at))
}

/// Whether the JS SDK v3, trimming `indent` + `name` + `gap` its way ([`js_space`]), reads
/// `name` — the key botocore read between the same whitespace, trimmed Python's way. They
/// differ where Python strips what JavaScript keeps (U+001C..U+001F, NEL) or JavaScript a
/// BOM that Python keeps. Byte by byte for the usual spaces and tabs: this runs per setting
/// on the prompt's path.
fn js_reads_alike(indent: &str, name: &str, gap: &str) -> bool {
    let trimmed = |s: &str| {
        s.bytes().all(|b| matches!(b, b' ' | b'\t' | 0x0b | 0x0c)) || s.chars().all(js_space)
    };
    trimmed(indent) && trimmed(gap) && !name.starts_with(js_space) && !name.ends_with(js_space)
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

        /// A setting is `plain` exactly when the JS SDK's own reading of its line (the text
        /// before the first `=` or `:`, trimmed of JavaScript's whitespace) is its key.
        #[test]
        fn plain_keys_are_the_js_sdks_reading(
            indent in tricky(), key in tricky(), gap in tricky(), sep in "[=:]"
        ) {
            // One line: its breaks become a separator Python counts as space.
            let line = format!("{indent}{key}{gap}{sep} v").replace(['\n', '\r'], "\u{1e}");
            let text = format!("[s]\n{line}\n");
            let read = read(&text);
            let entry = read.as_ref().ok().and_then(|r| r.section("s")?.entries.first());
            if let Some(entry) = entry {
                let js = line.split(['=', ':']).next().unwrap_or_default().trim_matches(js_space);
                // A key read in another case (or with non-ASCII letters) is never plain.
                let as_written = entry.key.is_ascii();
                let equals = line.find(['=', ':']).is_some_and(|at| line[at..].starts_with('='));
                prop_assert_eq!(entry.plain, equals && as_written && js == entry.key, "{:?}", line);
            }
        }
    }
}
