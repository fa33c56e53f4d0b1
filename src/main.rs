//! The `mfatui` binary: parses the command line and hands over to the library.

#![forbid(unsafe_code)]

use clap::Parser;
use mfatui::cli::{self, args::Cli};
use std::process::ExitCode;

fn main() -> ExitCode {
    cli::run(Cli::parse())
}
