//! Lossless document model of one AWS shared config or credentials file, with line-local edits.
//!
//! The document keeps the file's exact text (plus whether it began with a UTF-8 byte-order
//! mark) and an index of its lines. Rendering an unedited document gives back the input byte
//! for byte. Edits rebuild the text by replacing, inserting or removing whole lines only, and
//! every edit is verified by re-reading the result: if anything but the intended key would
//! change meaning, the edit is refused and the document is left as it was.

use super::syntax::{self, Entry, Structure, SyntaxError};
use std::sync::OnceLock;
use thiserror::Error;

const BOM: &str = "\u{feff}";

/// How one line ends in the file.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Ending {
    /// The last line of a file without a final newline.
    None,
    /// `\n`
    Lf,
    /// `\r\n`
    CrLf,
    /// A lone `\r` (old Mac style; Python's universal newlines treat it as a line break).
    Cr,
}

impl Ending {
    /// The bytes this ending stands for.
    pub fn as_str(self) -> &'static str {
        match self {
            Ending::None => "",
            Ending::Lf => "\n",
            Ending::CrLf => "\r\n",
            Ending::Cr => "\r",
        }
    }
}

/// One line of the document: a byte range of its text (without the ending) and its ending.
#[derive(Clone, Debug, PartialEq, Eq)]
struct LineSpan {
    start: usize,
    end: usize,
    ending: Ending,
}

/// The file's bytes are not UTF-8 text.
#[derive(Debug, Error, PartialEq, Eq)]
#[error("line {line}: the file is not valid UTF-8 text (byte {byte_offset}); mfatui and the AWS CLI cannot read it")]
pub struct DecodeError {
    /// 1-based line of the first invalid byte.
    pub line: usize,
    /// 0-based offset of the first invalid byte in the file.
    pub byte_offset: usize,
}

/// Why an edit was refused. The document is unchanged when one of these is returned.
#[derive(Debug, Error, PartialEq, Eq)]
pub enum EditError {
    /// The file does not parse, so no edit can be placed safely.
    #[error("the file cannot be edited until this is fixed: {0}")]
    Syntax(#[from] SyntaxError),
    /// The section to edit does not exist.
    #[error("section [{0}] does not exist")]
    NoSuchSection(String),
    /// The section to add exists already.
    #[error("section [{0}] exists already")]
    SectionExists(String),
    /// A key, value or section name that the file format cannot hold as given.
    #[error("{0}")]
    Invalid(String),
    /// The edited text would not read back as intended (a safety net; should not happen).
    #[error("internal check failed: editing [{section}] {key} would change other settings")]
    Unverified {
        /// Section that was being edited.
        section: String,
        /// Key that was being edited.
        key: String,
    },
}

/// A lossless AWS INI document.
#[derive(Clone, Debug)]
pub struct Document {
    bom: bool,
    text: String,
    /// The line index, built on first use: only edits need it, reading does not.
    lines: OnceLock<Vec<LineSpan>>,
}

impl PartialEq for Document {
    fn eq(&self, other: &Self) -> bool {
        self.bom == other.bom && self.text == other.text
    }
}

impl Eq for Document {}

impl Default for Document {
    fn default() -> Self {
        Document::from_text(String::new(), false)
    }
}

impl Document {
    /// Reads a document from raw file bytes. Fails only on bytes that are not UTF-8.
    pub fn parse(bytes: &[u8]) -> Result<Document, DecodeError> {
        Document::from_bytes(bytes.to_vec())
    }

    /// [`Document::parse`] taking the bytes over, so that they are not copied.
    pub fn from_bytes(mut bytes: Vec<u8>) -> Result<Document, DecodeError> {
        let bom = bytes.starts_with(BOM.as_bytes());
        if bom {
            bytes.drain(..BOM.len());
        }
        match String::from_utf8(bytes) {
            Ok(text) => Ok(Document::from_text(text, bom)),
            Err(err) => {
                let bad = err.utf8_error().valid_up_to();
                let body = err.as_bytes();
                let line = 1 + memchr::memchr_iter(b'\n', &body[..bad]).count();
                let byte_offset = bad + if bom { BOM.len() } else { 0 };
                Err(DecodeError { line, byte_offset })
            }
        }
    }

    /// Builds a document from text that is known to be UTF-8 (no byte-order mark inside `text`).
    pub fn from_str_lossless(text: &str) -> Document {
        match text.strip_prefix(BOM) {
            Some(rest) => Document::from_text(rest.to_owned(), true),
            None => Document::from_text(text.to_owned(), false),
        }
    }

    fn from_text(text: String, bom: bool) -> Document {
        Document {
            bom,
            text,
            lines: OnceLock::new(),
        }
    }

    fn lines(&self) -> &[LineSpan] {
        self.lines.get_or_init(|| line_spans(&self.text).collect())
    }

    /// The document's bytes, identical to the input when nothing was edited.
    pub fn render(&self) -> Vec<u8> {
        self.to_text().into_bytes()
    }

    /// The document as text, including a leading byte-order mark if the file had one.
    pub fn to_text(&self) -> String {
        if self.bom {
            format!("{BOM}{}", self.text)
        } else {
            self.text.clone()
        }
    }

    /// The text without any byte-order mark.
    pub fn text(&self) -> &str {
        &self.text
    }

    /// The text of 0-based line `index`, without its ending.
    pub fn line(&self, index: usize) -> &str {
        let span = &self.lines()[index];
        &self.text[span.start..span.end]
    }

    /// The line ending this file uses, for lines that an edit adds: the first one found.
    pub fn newline(&self) -> Ending {
        self.lines()
            .iter()
            .map(|l| l.ending)
            .find(|e| *e != Ending::None)
            .unwrap_or(Ending::Lf)
    }

    /// The file's sections and keys, read exactly as botocore's `configparser` reads them.
    pub fn structure(&self) -> Result<Structure<'_>, SyntaxError> {
        if self.bom {
            return Err(SyntaxError::bom());
        }
        syntax::read(&self.text)
    }

    /// Sets `key` in `section` to `value`: replaces the key's line if present, otherwise adds a
    /// line after the section's last setting, indented like it.
    pub fn set(&mut self, section: &str, key: &str, value: &str) -> Result<(), EditError> {
        validate_key(key)?;
        validate_value(value)?;
        let structure = self.structure()?;
        let sect = structure
            .section(section)
            .ok_or_else(|| EditError::NoSuchSection(section.to_owned()))?;
        let mut edit = LineEdit::new(self);
        match sect.entry(key) {
            Some(entry) => {
                let prefix = self.value_prefix(entry);
                let trailing = trailing_space(self.line(entry.line));
                edit.replace(entry.line, format!("{prefix}{value}{trailing}"));
                for cont in entry.continuation(|n| self.line(n)) {
                    edit.remove(cont);
                }
            }
            None => {
                let (after, line) = match sect.entries.last() {
                    Some(last) => (last.last_line(), self.new_key_line(last, key, value)),
                    None => (sect.header, format!("{key} = {value}")),
                };
                edit.insert_after(after, vec![line]);
            }
        }
        let expected = |s: &Structure| s.value(section, key) == Some(value);
        *self = self.verified(edit.finish(), section, key, &structure, expected)?;
        Ok(())
    }

    /// Removes `key` (and its continuation lines) from `section`. Returns whether it was there.
    pub fn remove(&mut self, section: &str, key: &str) -> Result<bool, EditError> {
        let structure = self.structure()?;
        let sect = structure
            .section(section)
            .ok_or_else(|| EditError::NoSuchSection(section.to_owned()))?;
        let Some(entry) = sect.entry(key) else {
            return Ok(false);
        };
        let mut edit = LineEdit::new(self);
        edit.remove(entry.line);
        for cont in entry.continuation(|n| self.line(n)) {
            edit.remove(cont);
        }
        let expected = |s: &Structure| s.value(section, key).is_none();
        *self = self.verified(edit.finish(), section, key, &structure, expected)?;
        Ok(true)
    }

    /// Appends a new section with the given settings at the end of the file, separated from the
    /// previous content by one blank line.
    pub fn add_section(
        &mut self,
        section: &str,
        entries: &[(&str, &str)],
    ) -> Result<(), EditError> {
        validate_section(section)?;
        for (key, value) in entries {
            validate_key(key)?;
            validate_value(value)?;
        }
        let structure = self.structure()?;
        if structure.section(section).is_some() || section == syntax::DEFAULT_SECTION {
            return Err(EditError::SectionExists(section.to_owned()));
        }
        let mut lines = Vec::new();
        let last_blank = self
            .lines()
            .last()
            .is_none_or(|l| syntax::is_blank(&self.text[l.start..l.end]));
        if !last_blank {
            lines.push(String::new());
        }
        lines.push(format!("[{section}]"));
        lines.extend(entries.iter().map(|(k, v)| format!("{k} = {v}")));
        let mut edit = LineEdit::new(self);
        edit.append(lines);
        let expected = |s: &Structure| {
            s.section(section).is_some_and(|sect| {
                sect.entries.len() == entries.len()
                    && entries
                        .iter()
                        .all(|(k, v)| sect.entry(k).map(|e| e.value.as_ref()) == Some(*v))
            })
        };
        *self = self.verified(edit.finish(), section, "", &structure, expected)?;
        Ok(())
    }

    /// Sets every pair in `section`, creating the section at the end of the file if needed.
    pub fn set_all(&mut self, section: &str, entries: &[(&str, &str)]) -> Result<(), EditError> {
        if self.structure()?.section(section).is_none() {
            return self.add_section(section, entries);
        }
        let before = self.clone();
        for (key, value) in entries {
            if let Err(err) = self.set(section, key, value) {
                *self = before;
                return Err(err);
            }
        }
        Ok(())
    }

    /// The part of an entry's line before its value: indentation, key, delimiter and spaces.
    fn value_prefix(&self, entry: &Entry) -> String {
        let line = self.line(entry.line);
        let body = line.trim_end_matches(syntax::is_py_space);
        let value_start = body.len() - entry.first_value_len();
        let prefix = &line[..value_start];
        if entry.first_value_len() == 0 && !prefix.ends_with(syntax::is_py_space) {
            format!("{prefix} ")
        } else {
            prefix.to_owned()
        }
    }

    /// A new `key = value` line shaped like `model`'s line (same indentation and delimiter).
    fn new_key_line(&self, model: &Entry, key: &str, value: &str) -> String {
        let prefix = self.value_prefix(model);
        let indent_len = prefix.len() - prefix.trim_start_matches(syntax::is_py_space).len();
        let after_key = &prefix[indent_len..];
        let delim_at = after_key.find(['=', ':']).unwrap_or(0);
        let key_end = after_key[..delim_at]
            .trim_end_matches(syntax::is_py_space)
            .len();
        let separator = &after_key[key_end..];
        let separator = if separator.is_empty() {
            " = "
        } else {
            separator
        };
        format!("{}{key}{separator}{value}", &prefix[..indent_len])
    }

    /// The document with the edited `text`, if it reads back exactly as `before` except for
    /// what `expected` checks about `section`/`key`.
    fn verified(
        &self,
        text: String,
        section: &str,
        key: &str,
        before: &Structure,
        expected: impl Fn(&Structure) -> bool,
    ) -> Result<Document, EditError> {
        let candidate = Document::from_text(text, self.bom);
        let unverified = || EditError::Unverified {
            section: section.to_owned(),
            key: key.to_owned(),
        };
        let after = candidate.structure().map_err(|_| unverified())?;
        if !expected(&after) || !before.same_except(&after, section, key) {
            return Err(unverified());
        }
        drop(after);
        Ok(candidate)
    }
}

/// Splits text into lines the way Python's universal newlines do (`\n`, `\r\n`, `\r`).
fn line_spans(text: &str) -> impl Iterator<Item = LineSpan> + '_ {
    let bytes = text.as_bytes();
    let mut start = 0;
    std::iter::from_fn(move || {
        if start >= bytes.len() {
            return None;
        }
        let Some(at) = memchr::memchr2(b'\n', b'\r', &bytes[start..]) else {
            let span = LineSpan {
                start,
                end: bytes.len(),
                ending: Ending::None,
            };
            start = bytes.len();
            return Some(span);
        };
        let end = start + at;
        let ending = match (bytes[end], bytes.get(end + 1)) {
            (b'\n', _) => Ending::Lf,
            (_, Some(b'\n')) => Ending::CrLf,
            _ => Ending::Cr,
        };
        let span = LineSpan { start, end, ending };
        start = end + ending.as_str().len();
        Some(span)
    })
}

/// Whitespace at the end of a line, kept when the line's value is replaced.
fn trailing_space(line: &str) -> &str {
    &line[line.trim_end_matches(syntax::is_py_space).len()..]
}

/// A set of whole-line changes to a document, rendered into new text in one pass.
struct LineEdit<'a> {
    doc: &'a Document,
    replaced: Vec<(usize, String)>,
    removed: Vec<usize>,
    inserted: Vec<(usize, Vec<String>)>,
    appended: Vec<String>,
}

impl<'a> LineEdit<'a> {
    fn new(doc: &'a Document) -> Self {
        LineEdit {
            doc,
            replaced: Vec::new(),
            removed: Vec::new(),
            inserted: Vec::new(),
            appended: Vec::new(),
        }
    }

    fn replace(&mut self, line: usize, text: String) {
        self.replaced.push((line, text));
    }

    fn remove(&mut self, line: usize) {
        self.removed.push(line);
    }

    fn insert_after(&mut self, line: usize, lines: Vec<String>) {
        self.inserted.push((line, lines));
    }

    fn append(&mut self, lines: Vec<String>) {
        self.appended = lines;
    }

    /// Renders the edited text. New lines use the file's newline; a file that ended without a
    /// final newline still does.
    fn finish(self) -> String {
        let doc = self.doc;
        let nl = doc.newline().as_str();
        let mut out = String::with_capacity(doc.text.len() + 256);
        let last = doc.lines().len().checked_sub(1);
        for (i, span) in doc.lines().iter().enumerate() {
            if !self.removed.contains(&i) {
                match self.replaced.iter().find(|(l, _)| *l == i) {
                    Some((_, text)) => out.push_str(text),
                    None => out.push_str(&doc.text[span.start..span.end]),
                }
                out.push_str(span.ending.as_str());
            }
            for (_, lines) in self.inserted.iter().filter(|(l, _)| *l == i) {
                push_lines(&mut out, lines, nl, span.ending == Ending::None);
            }
            if Some(i) == last && !self.appended.is_empty() {
                push_lines(&mut out, &self.appended, nl, span.ending == Ending::None);
            }
        }
        if last.is_none() {
            for line in &self.appended {
                out.push_str(line);
                out.push_str(nl);
            }
        }
        out
    }
}

/// Adds `lines` after text whose last line ended with `Ending::None` when `unterminated`:
/// then the newline moves to the end of the previous line so the file still ends without one.
fn push_lines(out: &mut String, lines: &[String], nl: &str, unterminated: bool) {
    for line in lines {
        if unterminated {
            out.push_str(nl);
            out.push_str(line);
        } else {
            out.push_str(line);
            out.push_str(nl);
        }
    }
}

fn validate_key(key: &str) -> Result<(), EditError> {
    let ok = !key.is_empty()
        && key == key.to_lowercase()
        && !key.starts_with(['[', '#', ';'])
        && !key.contains(['=', ':'])
        && !key
            .chars()
            .any(|c| syntax::is_py_space(c) || c.is_control());
    if ok {
        Ok(())
    } else {
        Err(EditError::Invalid(format!(
            "{key:?} is not a valid setting name"
        )))
    }
}

fn validate_value(value: &str) -> Result<(), EditError> {
    let ok =
        value.trim_matches(syntax::is_py_space) == value && !value.chars().any(|c| c.is_control());
    if ok {
        Ok(())
    } else {
        Err(EditError::Invalid(
            "a value cannot hold line breaks, control characters, or leading/trailing spaces"
                .to_owned(),
        ))
    }
}

fn validate_section(section: &str) -> Result<(), EditError> {
    let ok = !section.is_empty()
        && !section.chars().any(|c| c.is_control())
        && section.trim() == section;
    if ok {
        Ok(())
    } else {
        Err(EditError::Invalid(format!(
            "{section:?} is not a valid section name"
        )))
    }
}
