//! The AWS shared files domain: lossless documents, botocore-exact parsing, the merged
//! profile model, expiry conventions, masked diffs, backups and the safe writer. Blocking;
//! no network.

pub mod backup;
pub mod cli_cache;
pub mod config_map;
pub mod document;
pub mod expiry;
pub use crate::fault;
pub mod files;
pub mod layout;
pub mod login_cache;
pub mod mask;
pub mod mfa_secure;
pub mod paths;
pub mod plan;
pub mod populate;
pub mod profile;
pub mod shlex;
pub mod snapshot;
pub mod sso_cache;
pub mod syntax;
pub mod write;

pub use config_map::{ConfigMap, FileKind, Layers, ProfileSettings, Value};
pub use document::{Document, EditError};
pub use expiry::Expiry;
pub use files::{AwsFile, AwsFiles, LoadError, PassedOver, Stamp};
pub use layout::{KeyPlace, KeyStore, Naming, ProfileLayout, SharedSession};
pub use paths::AwsPaths;
pub use plan::{Edit, FileChange, Plan};
pub use profile::{Profile, ProfileKind};
pub use snapshot::Snapshot;
pub use syntax::{Structure, SyntaxError};
pub use write::{
    check_backup_folders, check_writable, commit, OnChange, WriteError, WriteOptions, Written,
};
