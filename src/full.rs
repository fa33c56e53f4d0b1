//! The `mfatui-full` program: every command and the full-screen interface. Started by
//! `mfatui` for everything but its two quick answers (it can be run directly too).

#![forbid(unsafe_code)]

use clap::Parser;
use mfatui::cli::{self, args::Cli};
use std::process::ExitCode;

fn main() -> ExitCode {
    cli::run(Cli::parse())
}
