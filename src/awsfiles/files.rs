//! Loading the two shared files from disk into documents, and the errors that can bring.

use super::config_map::{ConfigMap, FileKind};
use super::document::{DecodeError, Document};
use super::paths::AwsPaths;
use super::syntax::{Structure, SyntaxError};
use std::io;
use std::path::{Path, PathBuf};
use thiserror::Error;

/// Why a shared file could not be read. Always names the file; names the line when it can.
#[derive(Debug, Error)]
pub enum LoadError {
    /// The file exists but could not be read.
    #[error("{path}: cannot read: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The OS error.
        source: io::Error,
    },
    /// The file is not UTF-8.
    #[error("{path}: {source}")]
    Decode {
        /// The file.
        path: PathBuf,
        /// Where the bad byte is.
        source: DecodeError,
    },
    /// The file does not parse as the AWS CLI reads it.
    #[error("{path}: {source}")]
    Syntax {
        /// The file.
        path: PathBuf,
        /// What and where.
        source: SyntaxError,
    },
}

/// One shared file as loaded: its path, document, and whether it existed.
#[derive(Clone, Debug)]
pub struct AwsFile {
    /// Which of the two files this is.
    pub kind: FileKind,
    /// Its path (as configured; may be a symlink).
    pub path: PathBuf,
    /// Its content; empty when the file does not exist.
    pub document: Document,
    /// Whether the file existed when loaded (a missing file reads as empty, like botocore).
    pub existed: bool,
    /// What the path is when it is not a regular file (`a FIFO`, `a directory`, …): then it
    /// is read as empty without being opened (a FIFO would block) and never written.
    pub not_regular: Option<&'static str>,
}

pub use crate::safe_fs::file_type_name;

/// A shared file mfatui passed over because its path is not a regular file (a FIFO, a
/// device, a folder): read as empty without being opened, never written. Loading reports it
/// as this value ([`AwsFile::passed_over`], `Snapshot::passed_over`); its `Display` is the one
/// sentence users see.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PassedOver {
    /// Which of the two files.
    pub kind: FileKind,
    /// Its path, as configured.
    pub path: PathBuf,
    /// What it is instead, in words (`a FIFO`, `a directory`, …).
    pub what: &'static str,
}

impl std::fmt::Display for PassedOver {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} is {}, not a regular file: mfatui reads it as empty and never writes it",
            self.path.display(),
            self.what
        )
    }
}

impl AwsFile {
    /// Reads a file; a missing file is an empty document, as for botocore. A path that is not
    /// a regular file (a FIFO, a device, a folder) is never opened: it reads as empty and says
    /// what it is in [`AwsFile::not_regular`].
    pub fn load(kind: FileKind, path: &Path) -> Result<AwsFile, LoadError> {
        let io = |source| LoadError::Io {
            path: path.to_owned(),
            source,
        };
        let (document, existed, not_regular) = match std::fs::metadata(path) {
            Ok(meta) if meta.is_file() => {
                let bytes = crate::safe_fs::read(path).map_err(io)?;
                let doc = Document::from_bytes(bytes).map_err(|source| LoadError::Decode {
                    path: path.to_owned(),
                    source,
                })?;
                (doc, true, None)
            }
            Ok(meta) => (Document::default(), false, Some(file_type_name(&meta))),
            Err(e) if e.kind() == io::ErrorKind::NotFound => (Document::default(), false, None),
            Err(e) => return Err(io(e)),
        };
        Ok(AwsFile {
            kind,
            path: path.to_owned(),
            document,
            existed,
            not_regular,
        })
    }

    /// The file as passed over, when its path is not a regular file: what `list`, the TUI
    /// and a failed command's sentence say about it.
    pub fn passed_over(&self) -> Option<PassedOver> {
        self.not_regular.map(|what| PassedOver {
            kind: self.kind,
            path: self.path.clone(),
            what,
        })
    }

    /// The file's structure, or the syntax error naming this file.
    pub fn structure(&self) -> Result<Structure<'_>, LoadError> {
        self.document
            .structure()
            .map_err(|source| LoadError::Syntax {
                path: self.path.clone(),
                source,
            })
    }
}

/// Modification time and size of both files: cheap to read every second, to notice a change
/// made on disk.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Stamp(Vec<Option<(std::time::SystemTime, u64)>>);

impl Stamp {
    /// The current stamp of the files named by `paths`.
    pub fn of(paths: &AwsPaths) -> Stamp {
        let one = |p: &Path| {
            std::fs::metadata(p).ok().map(|m| {
                (
                    m.modified().unwrap_or(std::time::SystemTime::UNIX_EPOCH),
                    m.len(),
                )
            })
        };
        Stamp(vec![one(&paths.config), one(&paths.credentials)])
    }
}

/// Both shared files, loaded together.
#[derive(Clone, Debug)]
pub struct AwsFiles {
    /// Where they were read from.
    pub paths: AwsPaths,
    /// The config file.
    pub config: AwsFile,
    /// The credentials file.
    pub credentials: AwsFile,
}

impl AwsFiles {
    /// Loads both files named by `paths`.
    pub fn load(paths: &AwsPaths) -> Result<AwsFiles, LoadError> {
        Ok(AwsFiles {
            config: AwsFile::load(FileKind::Config, &paths.config)?,
            credentials: AwsFile::load(FileKind::Credentials, &paths.credentials)?,
            paths: paths.clone(),
        })
    }

    /// What an empty setup says, in `list` and the TUI alike: which files were read (and whether
    /// they exist), how to make a first profile, and that `--demo` shows everything without one.
    pub fn empty_note(&self, demo: bool) -> String {
        let files = self;
        let state = |file: &AwsFile| {
            if file.existed {
                "defines no profile"
            } else {
                "does not exist"
            }
        };
        format!(
            "No profiles in {} ({}) or {} ({}).\n\
             To start, add one with the AWS CLI's `aws configure --profile NAME` (it asks for an \
             access key), then run `{}` to record its MFA device; or try every feature on sample \
             profiles with `mfatui --demo`.",
            files.config.path.display(),
            state(&files.config),
            files.credentials.path.display(),
            state(&files.credentials),
            super::shlex::mfatui_command(demo, &["discover", "NAME"]),
        )
    }

    /// The merged configuration, as botocore builds it.
    pub fn config_map(&self) -> Result<ConfigMap<'_>, LoadError> {
        Ok(ConfigMap::build(
            self.config.structure()?,
            self.credentials.structure()?,
        ))
    }
}
