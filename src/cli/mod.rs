//! The non-interactive subcommands: argument definitions and dispatch.

pub mod args;
pub mod confirm;
pub mod credential_process;
pub mod demo;
pub mod edit;
pub mod exec;
pub mod export;
pub mod keyring;
pub mod list;
pub mod renew;
pub mod rotate;

use crate::aws::demo::DemoAws;
use crate::aws::sdk::SdkAws;
use crate::aws::AwsApi;
use crate::awsfiles::AwsPaths;
use args::{Cli, Command};
use clap::CommandFactory;
use std::process::ExitCode;
use std::sync::Arc;

/// Runs the parsed command line and returns the process exit code.
pub fn run(cli: Cli) -> ExitCode {
    if cli.verbose || cli.log_file.is_some() {
        let path = cli
            .log_file
            .clone()
            .unwrap_or_else(crate::diag::default_path);
        if let Err(e) = crate::diag::enable(&path) {
            return finish(Err(format!(
                "cannot open the log file {}: {e}",
                path.display()
            )));
        }
        crate::diag!(
            "mfatui {} started: {:?}",
            env!("CARGO_PKG_VERSION"),
            cli.command.as_ref().map(command_name)
        );
    }
    let demo_dir = match cli.demo.then(tempfile::tempdir).transpose() {
        Ok(dir) => dir,
        Err(e) => return finish(Err(format!("cannot create the demo folder: {e}"))),
    };
    let (paths, api): (AwsPaths, Arc<dyn AwsApi>) = match &demo_dir {
        Some(dir) => match demo::prepare(dir.path(), chrono::Utc::now()) {
            Ok(paths) => (paths, Arc::new(DemoAws::default())),
            Err(e) => return finish(Err(format!("cannot write the demo files: {e}"))),
        },
        None => (cli.files.apply(AwsPaths::from_env()), Arc::new(SdkAws)),
    };
    let (settings, warning) = crate::settings::load(&crate::settings::default_path());
    if let Some(warning) = &warning {
        eprintln!("mfatui: {warning}");
        crate::diag!("{warning}");
    }
    let Some(command) = cli.command else {
        return finish(crate::tui::run(paths, settings, warning, api));
    };
    let result = match command {
        Command::List(opts) => list::run(&paths, &settings, &opts),
        Command::Set(opts) => edit::set(&paths, &settings, &opts),
        Command::Backups(opts) => edit::list_backups(&paths, &settings, &opts),
        Command::Restore(opts) => edit::restore(&paths, &settings, &opts),
        Command::Renew(opts) => renew::renew(&paths, &settings, api.as_ref(), &opts),
        Command::Discover(opts) => renew::discover(&paths, &settings, api.as_ref(), &opts),
        Command::Export(opts) => export::export(&paths, &settings, &opts),
        Command::Unset(opts) => export::unset(&opts),
        Command::Exec(opts) => return exec::exec(&paths, &settings, api, &opts),
        Command::Rotate(opts) => rotate::run(&paths, &settings, api.as_ref(), &opts),
        Command::Keyring(opts) => keyring::run(&paths, &settings, api.as_ref(), cli.demo, &opts),
        Command::CredentialProcess(opts) => {
            credential_process::run(&paths, &settings, api.as_ref(), &opts)
        }
        Command::Completions(opts) => {
            clap_complete::generate(
                opts.shell,
                &mut Cli::command(),
                "mfatui",
                &mut std::io::stdout(),
            );
            Ok(())
        }
        Command::Man => clap_mangen::Man::new(Cli::command())
            .render(&mut std::io::stdout())
            .or_else(|e| {
                if e.kind() == std::io::ErrorKind::BrokenPipe {
                    Ok(())
                } else {
                    Err(e.to_string())
                }
            }),
    };
    finish(result)
}

/// The subcommand's name, for the log.
fn command_name(command: &Command) -> &'static str {
    match command {
        Command::List(_) => "list",
        Command::Set(_) => "set",
        Command::Backups(_) => "backups",
        Command::Restore(_) => "restore",
        Command::Renew(_) => "renew",
        Command::Discover(_) => "discover",
        Command::Export(_) => "export",
        Command::Unset(_) => "unset",
        Command::Exec(_) => "exec",
        Command::CredentialProcess(_) => "credential-process",
        Command::Rotate(_) => "rotate",
        Command::Keyring(_) => "keyring",
        Command::Completions(_) => "completions",
        Command::Man => "man",
    }
}

fn finish(result: Result<(), String>) -> ExitCode {
    match result {
        Ok(()) => {
            crate::diag!("finished");
            ExitCode::SUCCESS
        }
        Err(message) => {
            crate::diag!("failed: {message}");
            eprintln!("mfatui: {message}");
            ExitCode::FAILURE
        }
    }
}
