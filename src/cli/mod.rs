//! The non-interactive subcommands: argument definitions and dispatch.

pub mod args;
pub mod confirm;
pub mod edit;
pub mod export;
pub mod list;
pub mod renew;

use crate::awsfiles::AwsPaths;
use args::{Cli, Command};
use std::process::ExitCode;

/// Runs the parsed command line and returns the process exit code.
pub fn run(cli: Cli) -> ExitCode {
    let paths = cli.files.apply(AwsPaths::from_env());
    let Some(command) = cli.command else {
        return finish(crate::tui::run(
            paths,
            std::sync::Arc::new(crate::aws::sdk::SdkAws),
        ));
    };
    let result = match command {
        Command::List(opts) => list::run(&paths, &opts),
        Command::Set(opts) => edit::set(&paths, &opts),
        Command::Backups(opts) => edit::list_backups(&paths, &opts),
        Command::Restore(opts) => edit::restore(&paths, &opts),
        Command::Renew(opts) => renew::renew(&paths, &opts),
        Command::Discover(opts) => renew::discover(&paths, &opts),
        Command::Export(opts) => export::export(&paths, &opts),
        Command::Unset(opts) => export::unset(&opts),
    };
    finish(result)
}

fn finish(result: Result<(), String>) -> ExitCode {
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("mfatui: {message}");
            ExitCode::FAILURE
        }
    }
}
