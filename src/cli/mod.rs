//! The non-interactive subcommands: the entry point that builds the run's context (files,
//! settings, environment, time limits), the AWS client, the keyring and the one runtime, and
//! hands them to the command.

// First: its `print!`/`println!`/`eprintln!` are the ones every module below uses.
#[macro_use]
mod out;
pub mod args;
pub mod codes;
pub mod command_error;
pub mod confirm;
pub mod console;
pub mod credential_process;
pub mod demo;
pub mod edit;
pub mod exec;
pub mod export;
pub mod failure;
pub mod keyring;
pub mod list;
pub mod login;
pub mod pick;
pub mod quick;
pub mod renew;
pub mod rotate;
pub mod shell_init;
pub mod sso;
pub mod status;

use crate::aws::demo::DemoAws;
use crate::aws::sdk::SdkAws;
use crate::aws::AwsApi;
use crate::awsfiles::AwsPaths;
use crate::context::{Context, Env};
use crate::renew::service::{KeyringAccess, NoKeyring, Renewer};
use args::{Cli, Command};
use clap::CommandFactory;
use command_error::StartError;
pub use failure::{Cause, Failure};
use std::cell::OnceCell;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

/// One run of mfatui: its context, the AWS API, the keyring, and the runtime the commands
/// that call AWS share (built on first use, so the fast paths never start one).
pub struct Run {
    /// The context.
    pub ctx: Context,
    /// STS and IAM (the real SDK, or the demo's stand-in).
    pub api: Arc<dyn AwsApi>,
    /// Long-term keys kept in the OS keyring.
    pub keyring: Arc<dyn KeyringAccess>,
    runtime: OnceCell<Runtime>,
}

impl Run {
    /// A run over this context and API.
    pub fn new(ctx: Context, api: Arc<dyn AwsApi>, keyring: Arc<dyn KeyringAccess>) -> Run {
        Run {
            ctx,
            api,
            keyring,
            runtime: OnceCell::new(),
        }
    }

    /// The renewal service of this run.
    pub fn renewer(&self) -> Renewer<'_> {
        Renewer {
            ctx: &self.ctx,
            api: self.api.as_ref(),
            keyring: self.keyring.as_ref(),
        }
    }

    /// Runs `future` to completion on the run's runtime.
    pub fn block_on<F: std::future::Future>(&self, future: F) -> Result<F::Output, StartError> {
        if self.runtime.get().is_none() {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .map_err(StartError::Runtime)?;
            let _ = self.runtime.set(Runtime(Some(runtime)));
        }
        let runtime = self
            .runtime
            .get()
            .and_then(|r| r.0.as_ref())
            .expect("set above");
        Ok(runtime.block_on(future))
    }
}

/// The run's runtime. A command is over when its future is: work still running on the
/// blocking pool when it is dropped (a prompt `exec --server` opened for a CMD that has
/// ended) is abandoned, not waited for.
struct Runtime(Option<tokio::runtime::Runtime>);

impl Drop for Runtime {
    fn drop(&mut self) {
        if let Some(runtime) = self.0.take() {
            runtime.shutdown_background();
        }
    }
}

/// The AWS files' paths for `env`. A variable that is not UTF-8 (`HOME`,
/// `AWS_CONFIG_FILE`, `AWS_SHARED_CREDENTIALS_FILE`, ...) still names its file, byte for byte,
/// instead of reading as unset (which would send reads and writes to another file set).
pub(crate) fn aws_paths(env: &Env) -> AwsPaths {
    let mut paths = AwsPaths::from_lookup(env.lookup());
    let home = env.path("HOME");
    let file = |var: &str, default: &str| {
        env.path(var).or_else(|| {
            env.get_os(var)
                .is_none()
                .then(|| home.as_ref().map(|h| h.join(default)))
                .flatten()
        })
    };
    if let Some(p) = file("AWS_CONFIG_FILE", ".aws/config") {
        paths.config = p;
    }
    if let Some(p) = file("AWS_SHARED_CREDENTIALS_FILE", ".aws/credentials") {
        paths.credentials = p;
    }
    if let Some(p) = file("AWS_LOGIN_CACHE_DIRECTORY", ".aws/login/cache") {
        paths.login_cache = p;
    }
    if let Some(home) = &home {
        paths.cli_cache = home.join(".aws/cli/cache");
        paths.mfa_secure_sessions = home.join(".aws/aws-mfa-secure-sessions");
        paths.sso_cache = home.join(".aws/sso/cache");
    }
    match (
        env.path("XDG_CACHE_HOME"),
        env.get_os("XDG_CACHE_HOME"),
        &home,
    ) {
        (Some(cache), _, _) => paths.mfatui_cache = cache.join("mfatui"),
        (None, None, Some(home)) => paths.mfatui_cache = home.join(".cache/mfatui"),
        _ => {}
    }
    paths
}

/// Runs the parsed command line: the process exit code, or the one failure to report
/// ([`Failure::report`]).
pub fn run(cli: Cli) -> Result<ExitCode, Failure> {
    if let Some(Command::ExecChild(opts)) = &cli.command {
        return Ok(exec::child(opts));
    }
    if let Some(Command::ExecCleanup(opts)) = &cli.command {
        return Ok(exec::cleanup(opts));
    }
    let env = Env::from_process();
    let name = cli.command.as_ref().map_or("the interface", command_name);
    let demo_dir = cli
        .demo
        .then(tempfile::tempdir)
        .transpose()
        .map_err(StartError::DemoFolder)?;
    if cli.verbose || cli.log_file.is_some() {
        // The demo's log stays in its own folder unless a file is named (attack round 13: it
        // appended to the real log).
        let path = match (&cli.log_file, &demo_dir) {
            (Some(path), _) => path.clone(),
            (None, Some(dir)) => dir.path().join("mfatui.log"),
            (None, None) => crate::diag::default_path(&env),
        };
        if let Err(e) = crate::diag::enable(&path) {
            return Err(StartError::LogFile { path, source: e }.into());
        }
        crate::diag!("mfatui {} started: {name}", env!("CARGO_PKG_VERSION"));
    }
    let (paths, settings_path, api): (AwsPaths, _, Arc<dyn AwsApi>) = match &demo_dir {
        Some(dir) => match demo::prepare(dir.path(), &env, chrono::Utc::now()) {
            Ok(paths) => {
                // The demo starts from your settings but saves (`s`, `f`) only in its folder.
                let copy = dir.path().join("config.toml");
                // Read as every file is (a FIFO or a device there is never copied).
                if let Ok(bytes) = crate::safe_fs::read(&crate::settings::default_path(&env)) {
                    let _ = std::fs::write(&copy, bytes);
                }
                (paths, copy, Arc::new(DemoAws::default()))
            }
            Err(e) => return Err(StartError::DemoFiles(e).into()),
        },
        None => (
            cli.files.apply(aws_paths(&env)),
            crate::settings::default_path(&env),
            Arc::new(SdkAws),
        ),
    };
    let (mut ctx, warning) = context(env, paths, settings_path);
    warn(warning.as_deref());
    if demo_dir.is_some() {
        // The demo is a sandbox: no request socket (neither answered nor asked).
        ctx.demo = true;
        ctx.requests = None;
    }
    // The demo never reaches the OS keyring; a real run opens it when a profile needs it.
    let keyring: Arc<dyn KeyringAccess> = if ctx.demo {
        Arc::new(NoKeyring)
    } else {
        Arc::new(crate::keys::keyring::OsKeyring::default())
    };
    let run = Run::new(ctx, api, keyring);
    let result = dispatch(&run, cli.command, warning);
    match result {
        Ok(code) => {
            crate::diag!("finished");
            Ok(code)
        }
        // A file that was passed over (not a regular file, say) is often the reason: the
        // sentence names the ones this run's reads passed over.
        Err(failure) => Err(failure
            .in_command(name)
            .passing_over(run.ctx.passed_over.files())),
    }
}

/// Runs `command` (the interface when there is none).
fn dispatch(
    run: &Run,
    command: Option<Command>,
    warning: Option<String>,
) -> Result<ExitCode, Failure> {
    let Some(command) = command else {
        return Ok(crate::tui::run(
            run.ctx.clone(),
            run.api.clone(),
            run.keyring.clone(),
            warning,
        )?);
    };
    match command {
        Command::List(opts) => list::run(&run.ctx, &opts)?,
        Command::Set(opts) => edit::set(&run.ctx, &opts)?,
        Command::Backups(opts) => edit::list_backups(&run.ctx, &opts)?,
        Command::Restore(opts) => edit::restore(&run.ctx, &opts)?,
        Command::Renew(opts) => renew::renew(run, &opts)?,
        Command::Discover(opts) => renew::discover(run, &opts)?,
        Command::Export(opts) => export::export(run, &opts)?,
        Command::Unset(opts) => export::unset(&opts)?,
        Command::Exec(opts) => return Ok(exec::exec(run, &opts)),
        // Answered before anything is read ([`run`]).
        Command::ExecChild(opts) => return Ok(exec::child(&opts)),
        Command::ExecCleanup(opts) => return Ok(exec::cleanup(&opts)),
        Command::Rotate(opts) => rotate::run(run, &opts)?,
        Command::Console(opts) => console::run(run, &opts)?,
        Command::Keyring(opts) => keyring::run(run, &opts)?,
        Command::Sso(opts) => sso::run(run, &opts)?,
        Command::Status(opts) => status::run(&run.ctx, &opts),
        Command::CredentialProcess(opts) => credential_process::run(run, &opts)?,
        Command::Completions(opts) => clap_complete::generate(
            opts.shell,
            &mut Cli::command(),
            "mfatui",
            &mut std::io::stdout(),
        ),
        Command::ShellInit(opts) => shell_init::init(&run.ctx, &opts)?,
        Command::Use(opts) => shell_init::switch(run, &opts)?,
        Command::ProfileNames => shell_init::names(&run.ctx)?,
        Command::Man => match args::man_page(&mut std::io::stdout()) {
            Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => {
                return Err(Failure::new(Cause::Output(e)))
            }
            _ => {}
        },
    }
    Ok(ExitCode::SUCCESS)
}

/// The context of a run on these files: the settings read from `settings_path` (with what
/// is wrong with them, for [`warn`]), the environment, and the open window's request socket.
pub fn context(env: Env, paths: AwsPaths, settings_path: PathBuf) -> (Context, Option<String>) {
    let (settings, warning) = crate::settings::load(&settings_path);
    let mut ctx = Context::new(env, paths, settings, settings_path);
    ctx.requests = Some(crate::serve::requests::socket_path(&ctx.env));
    (ctx, warning)
}

/// Says what is wrong with the settings, once per run.
pub fn warn(warning: Option<&str>) {
    if let Some(warning) = warning {
        let warning = crate::text::printable(warning, usize::MAX);
        eprintln!("mfatui: {warning}");
        crate::diag!("{warning}");
    }
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
        Command::Status(_) => "status",
        Command::Rotate(_) => "rotate",
        Command::Console(_) => "console",
        Command::Keyring(_) => "keyring",
        Command::Sso(_) => "sso",
        Command::Completions(_) => "completions",
        Command::ShellInit(_) => "shell-init",
        Command::Use(_) => "use",
        Command::ProfileNames => "profile-names",
        Command::Man => "man",
        Command::ExecChild(_) => "exec-child",
        Command::ExecCleanup(_) => "exec-cleanup",
    }
}
