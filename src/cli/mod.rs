//! The non-interactive subcommands: argument definitions and dispatch.

pub mod args;
pub mod list;

use crate::awsfiles::AwsPaths;
use args::{Cli, Command};
use std::process::ExitCode;

/// Runs the parsed command line and returns the process exit code.
pub fn run(cli: Cli) -> ExitCode {
    let paths = cli.files.apply(AwsPaths::from_env());
    let result = match cli.command {
        Command::List(opts) => list::run(&paths, &opts),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("mfatui: {message}");
            ExitCode::FAILURE
        }
    }
}
