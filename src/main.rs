//! The `mfatui` binary: parses the command line and hands over to the library.

use clap::Parser;
use mfatui::cli::{self, args::Cli};
use std::process::ExitCode;

fn main() -> ExitCode {
    mfatui::heap::prefer_huge_pages();
    cli::run(Cli::parse())
}
