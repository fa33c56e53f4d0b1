//! The AWS shared files domain: lossless documents, botocore-exact parsing, the merged
//! profile model, expiry conventions. Pure and blocking; no network.

pub mod cli_cache;
pub mod config_map;
pub mod document;
pub mod expiry;
pub mod files;
pub mod paths;
pub mod profile;
pub mod shlex;
pub mod syntax;

pub use config_map::{ConfigMap, FileKind, ProfileSettings, Settings, Value};
pub use document::{Document, EditError};
pub use expiry::Expiry;
pub use files::{AwsFile, AwsFiles, LoadError};
pub use paths::AwsPaths;
pub use profile::{Profile, ProfileKind};
pub use syntax::{Structure, SyntaxError};
