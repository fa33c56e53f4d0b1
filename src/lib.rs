//! mfatui: renew MFA-protected AWS credentials from a terminal UI or a script.
//!
//! - [`awsfiles`]: the AWS shared files (lossless documents, botocore-exact parsing, profiles).
//! - [`cli`]: the non-interactive subcommands.

pub mod awsfiles;
pub mod cli;
