//! Command-line arguments (clap derive).

use crate::awsfiles::AwsPaths;
use clap::{Args, Parser, Subcommand};
use std::path::PathBuf;

/// Renew MFA-protected AWS credentials: a terminal UI and scriptable commands.
#[derive(Debug, Parser)]
#[command(name = "mfatui", version, about, long_about = None)]
pub struct Cli {
    /// Which shared files to use.
    #[command(flatten)]
    pub files: FileArgs,
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// Overrides for the shared file locations (same meaning as the AWS CLI's variables).
#[derive(Debug, Args, Default)]
pub struct FileArgs {
    /// The AWS config file [default: $AWS_CONFIG_FILE or ~/.aws/config]
    #[arg(long, global = true, value_name = "PATH")]
    pub config_file: Option<PathBuf>,
    /// The AWS credentials file [default: $AWS_SHARED_CREDENTIALS_FILE or ~/.aws/credentials]
    #[arg(long, global = true, value_name = "PATH")]
    pub credentials_file: Option<PathBuf>,
}

impl FileArgs {
    /// Paths from the environment, with these flags taking precedence.
    pub fn apply(&self, mut paths: AwsPaths) -> AwsPaths {
        if let Some(p) = &self.config_file {
            paths.config = p.clone();
        }
        if let Some(p) = &self.credentials_file {
            paths.credentials = p.clone();
        }
        paths
    }
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// List every profile with its kind, account/role, region, MFA device and expiry.
    List(ListArgs),
    /// Set one key of a profile, through the safe writer (diff, backup, atomic write).
    Set(SetArgs),
    /// List the timestamped backups mfatui made.
    Backups(BackupsArgs),
    /// Put a backup back in place (the current file is backed up first).
    Restore(RestoreArgs),
}

/// Which shared file.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum FileChoice {
    /// The config file.
    Config,
    /// The credentials file.
    Credentials,
}

/// Options of `mfatui set`.
#[derive(Debug, Args)]
pub struct SetArgs {
    /// The profile.
    pub profile: String,
    /// The key, e.g. region or mfa_serial.
    pub key: String,
    /// The new value.
    pub value: String,
    /// Which file [default: credentials for access keys and tokens, config otherwise]
    #[arg(long, value_enum)]
    pub file: Option<FileChoice>,
    /// Show the masked diff and write nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// Write without asking for confirmation.
    #[arg(long, short = 'y')]
    pub yes: bool,
}

/// Options of `mfatui backups`.
#[derive(Debug, Args)]
pub struct BackupsArgs {
    /// Only this file's backups.
    #[arg(value_enum)]
    pub file: Option<FileChoice>,
}

/// Options of `mfatui restore`.
#[derive(Debug, Args)]
pub struct RestoreArgs {
    /// The backup file (as listed by `mfatui backups`).
    pub backup: PathBuf,
    /// Show the masked diff and write nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// Restore without asking for confirmation.
    #[arg(long, short = 'y')]
    pub yes: bool,
}

/// Options of `mfatui list`.
#[derive(Debug, Args)]
pub struct ListArgs {
    /// Print a JSON array (stable fields, documented in README) instead of a table.
    #[arg(long)]
    pub json: bool,
}
