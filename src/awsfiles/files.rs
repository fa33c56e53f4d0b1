//! Loading the two shared files from disk into documents, and the errors that can bring.

use super::config_map::{ConfigMap, FileKind};
use super::document::{DecodeError, Document};
use super::paths::AwsPaths;
use super::profile::{self, Profile};
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
}

impl AwsFile {
    /// Reads a file; a missing file (or a path that is not a file) is an empty document.
    pub fn load(kind: FileKind, path: &Path) -> Result<AwsFile, LoadError> {
        let (document, existed) = if path.is_file() {
            let bytes = std::fs::read(path).map_err(|source| LoadError::Io {
                path: path.to_owned(),
                source,
            })?;
            let doc = Document::from_bytes(bytes).map_err(|source| LoadError::Decode {
                path: path.to_owned(),
                source,
            })?;
            (doc, true)
        } else {
            (Document::default(), false)
        };
        Ok(AwsFile {
            kind,
            path: path.to_owned(),
            document,
            existed,
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

    /// The merged configuration, as botocore builds it.
    pub fn config_map(&self) -> Result<ConfigMap<'_>, LoadError> {
        Ok(ConfigMap::build(
            self.config.structure()?,
            self.credentials.structure()?,
        ))
    }

    /// Every profile, in botocore's order.
    pub fn profiles(&self) -> Result<Vec<Profile>, LoadError> {
        Ok(profile::profiles(&self.config_map()?, &self.paths))
    }
}
