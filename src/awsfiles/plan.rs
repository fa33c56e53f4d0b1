//! A planned change to the shared files: key-level edits per file, the resulting text, and
//! the masked unified diff a person confirms before anything is written.

use super::cli_cache::CacheEntry;
use super::config_map::FileKind;
use super::document::{Document, EditError};
use super::files::AwsFile;
use super::mask::{self, SECRET_KEYS};
use similar::{ChangeTag, TextDiff};
use std::fmt::Write as _;
use std::path::PathBuf;

/// One key-level edit. Key-level edits can be re-applied onto a file that changed on disk.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Edit {
    /// Set `key` in `section` (creating the section at the end of the file if needed).
    Set {
        /// Section name as written between the brackets.
        section: String,
        /// Lower-case key.
        key: String,
        /// New value.
        value: String,
    },
    /// Remove `key` from `section` if present.
    Remove {
        /// Section name as written between the brackets.
        section: String,
        /// Lower-case key.
        key: String,
    },
}

impl Edit {
    /// The section and key this edit touches.
    pub fn target(&self) -> (&str, &str) {
        match self {
            Edit::Set { section, key, .. } | Edit::Remove { section, key } => (section, key),
        }
    }
}

/// Applies `edits` in order to a copy of `doc`.
pub fn apply_edits(doc: &Document, edits: &[Edit]) -> Result<Document, EditError> {
    let mut out = doc.clone();
    for edit in edits {
        match edit {
            Edit::Set {
                section,
                key,
                value,
            } => {
                if out.structure()?.section(section).is_none() {
                    out.add_section(section, &[(key, value)])?;
                } else {
                    out.set(section, key, value)?;
                }
            }
            Edit::Remove { section, key } => {
                if out.structure()?.section(section).is_some() {
                    out.remove(section, key)?;
                }
            }
        }
    }
    Ok(out)
}

/// The planned change to one file.
#[derive(Clone, Debug)]
pub struct FileChange {
    /// Which file.
    pub kind: FileKind,
    /// Its configured path.
    pub path: PathBuf,
    /// Its bytes when loaded (`None` if it did not exist): the writer compares them with
    /// the file on disk to notice changes made by someone else.
    pub loaded: Option<Vec<u8>>,
    /// The document as loaded.
    pub before: Document,
    /// The document after the edits.
    pub after: Document,
    /// The edits, for re-applying onto a file changed on disk.
    pub edits: Vec<Edit>,
}

impl FileChange {
    /// Plans `edits` on a loaded file.
    pub fn new(file: &AwsFile, edits: Vec<Edit>) -> Result<FileChange, EditError> {
        let after = apply_edits(&file.document, &edits)?;
        Ok(FileChange {
            kind: file.kind,
            path: file.path.clone(),
            loaded: file.existed.then(|| file.document.render()),
            before: file.document.clone(),
            after,
            edits,
        })
    }

    /// Plans replacing the whole file with `after` (used by restore). Having no key-level
    /// edits, it cannot be merged with changes made on disk meanwhile: the writer refuses.
    pub fn replace(file: &AwsFile, after: Document) -> FileChange {
        FileChange {
            kind: file.kind,
            path: file.path.clone(),
            loaded: file.existed.then(|| file.document.render()),
            before: file.document.clone(),
            after,
            edits: Vec::new(),
        }
    }

    /// Whether the edits change nothing.
    pub fn is_noop(&self) -> bool {
        self.before == self.after
    }

    /// The masked unified diff of this file (empty if nothing changes).
    pub fn diff(&self) -> String {
        let old = self.before.text();
        let new = self.after.text();
        let diff = TextDiff::from_lines(old, new);
        let secrets = secret_values(&self.before, &self.after);
        let secrets: Vec<&str> = secrets.iter().map(String::as_str).collect();
        let mut out = String::new();
        let path = self.path.display();
        let unified = diff.unified_diff();
        for (i, hunk) in unified.iter_hunks().enumerate() {
            if i == 0 {
                let from = if self.loaded.is_some() {
                    path.to_string()
                } else {
                    "/dev/null".to_owned()
                };
                let _ = writeln!(out, "--- {from}\n+++ {path}");
            }
            let _ = writeln!(out, "{}", hunk.header());
            for change in hunk.iter_changes() {
                let sign = match change.tag() {
                    ChangeTag::Delete => '-',
                    ChangeTag::Insert => '+',
                    ChangeTag::Equal => ' ',
                };
                let raw = change.as_str().unwrap_or_default();
                let line = raw.trim_end_matches(['\n', '\r']);
                let shown = mask::scrub(&mask::mask_line(line), &secrets);
                let _ = writeln!(out, "{sign}{shown}");
                if change.missing_newline() {
                    out.push_str("\\ No newline at end of file\n");
                }
            }
        }
        out
    }
}

/// Every secret value in either document, for scrubbing.
fn secret_values(a: &Document, b: &Document) -> Vec<String> {
    let mut out = Vec::new();
    for doc in [a, b] {
        if let Ok(structure) = doc.structure() {
            for section in structure.sections() {
                for entry in section
                    .entries
                    .iter()
                    .filter(|e| SECRET_KEYS.contains(&e.key.as_ref()))
                {
                    out.push(entry.value.to_string());
                }
            }
        }
    }
    out
}

/// A planned change to one or both shared files, and the AWS CLI cache entries that go with it.
#[derive(Clone, Debug, Default)]
pub struct Plan {
    /// One entry per file that changes.
    pub changes: Vec<FileChange>,
    /// AWS CLI cache entries to write once the files are written.
    pub cli_cache: Vec<CacheEntry>,
}

impl Plan {
    /// Adds `edits` on `file` to the plan (merging with edits already planned for that file).
    pub fn edit(&mut self, file: &AwsFile, edits: Vec<Edit>) -> Result<(), EditError> {
        if let Some(existing) = self.changes.iter_mut().find(|c| c.path == file.path) {
            existing.after = apply_edits(&existing.after, &edits)?;
            existing.edits.extend(edits);
        } else {
            self.changes.push(FileChange::new(file, edits)?);
        }
        Ok(())
    }

    /// Whether nothing would change.
    pub fn is_noop(&self) -> bool {
        self.changes.iter().all(FileChange::is_noop) && self.cli_cache.is_empty()
    }

    /// The masked unified diff of every file, then a line per AWS CLI cache entry.
    pub fn diff(&self) -> String {
        self.changes
            .iter()
            .map(FileChange::diff)
            .chain(self.cli_cache.iter().map(CacheEntry::describe))
            .collect()
    }
}
