//! The `mfatui` program: answers the hot paths (`status`, `credential-process` with a fresh
//! session on file, `list`) before building the whole command line (`cli/quick.rs`, as
//! ripgrep answers its special cases before full parsing), else parses with clap and hands
//! over to `cli::run`, whose one failure is reported as one sentence.

#![forbid(unsafe_code)]

use mfatui::cli::{self, args::Cli};
use std::process::ExitCode;

fn main() -> ExitCode {
    let args: Vec<std::ffi::OsString> = std::env::args_os().skip(1).collect();
    match cli::quick::run(&args) {
        Some(code) => code,
        None => cli::run(Cli::parse_explained()).unwrap_or_else(|failure| failure.report()),
    }
}
