//! mfatui: renew MFA-protected AWS credentials from a terminal UI or a script.
//!
//! - [`awsfiles`]: the AWS shared files (lossless documents, botocore-exact parsing, profiles).
//! - [`aws`]: STS and IAM calls, endpoints, error sentences.
//! - [`renew`]: planning and running a renewal (mode, chain, target, code, duration).
//! - [`cli`]: the non-interactive subcommands.
//! - [`diag`]: the `-v` diagnostic log.
//! - [`keys`]: long-term access keys: where they are, rotating them.
//! - [`duration`], [`mode`]: the vocabulary renewals and settings share (durations and their
//!   STS limits, session / role).
//! - [`sample`]: generated AWS files of any size, for benchmarks.
//! - [`settings`]: mfatui's own settings file.
//! - [`secret`]: a string type that never prints itself.
//! - [`serve`]: everything that listens (the `exec --server` endpoint), in one place.
//! - [`tui`]: the full-screen interface.

#![forbid(unsafe_code)]

pub mod aws;
pub mod awsfiles;
pub mod cli;
pub mod console;
pub mod context;
pub mod credentials;
pub mod diag;
pub mod duration;
pub mod env;
pub mod fault;
pub mod freshness;
pub mod keys;
pub mod mode;
pub mod renew;
pub mod safe_fs;
pub mod sample;
pub mod secret;
pub mod serve;
pub mod settings;
pub mod text;
pub mod tui;
