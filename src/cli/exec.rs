//! `mfatui exec PROFILE -- CMD`: runs a command with the profile's temporary credentials in
//! its environment, renewing first (and writing back, with a backup) only when the session
//! is missing or about to expire. With `--server`, CMD gets a loopback credentials endpoint
//! instead, which keeps serving the current session (renewed when needed) while CMD runs.

use super::args::ExecArgs;
use crate::aws::{AwsApi, Credentials};
use crate::awsfiles::AwsPaths;
use crate::duration;
use crate::serve::endpoint::{self, Endpoint};
use crate::serve::on_demand::{on_demand, CodeSources, Served};
use crate::settings::Settings;
use chrono::SecondsFormat;
use std::io::IsTerminal;
use std::os::unix::process::CommandExt;
use std::process::{Command, ExitCode};
use std::sync::Arc;
use tokio::signal::unix::{signal, SignalKind};

/// The exit status when the command cannot be found (as shells use).
const NOT_FOUND: u8 = 127;
/// The exit status when the command cannot be run (as shells use).
const CANNOT_RUN: u8 = 126;

/// Runs `exec`. On success the process becomes CMD (so CMD's exit status and every signal
/// are its own); this returns only when something failed before or at that point.
pub fn exec(
    paths: &AwsPaths,
    settings: &Settings,
    api: Arc<dyn AwsApi>,
    args: &ExecArgs,
) -> ExitCode {
    let codes = CodeSources {
        given: args.code.clone(),
        terminal: std::io::stdin().is_terminal() || std::io::stderr().is_terminal(),
    };
    let served = args
        .duration
        .as_deref()
        .map(duration::parse)
        .transpose()
        .and_then(|d| on_demand(paths, settings, api.as_ref(), &args.profile, d, &codes));
    let Served { session, region } = match served {
        Ok(served) => served,
        Err(message) => {
            eprintln!("mfatui: {message}");
            return ExitCode::FAILURE;
        }
    };
    let Some((program, rest)) = args.command.split_first() else {
        eprintln!("mfatui: exec needs a command to run: mfatui exec PROFILE -- CMD [ARGS…]");
        return ExitCode::from(2);
    };
    if args.server {
        let endpoint = Endpoint {
            token: String::new(),
            profile: args.profile.clone(),
            paths: paths.clone(),
            settings: settings.clone(),
            api,
            codes,
        };
        return run_with_server(endpoint, program, rest, region.as_deref());
    }
    let mut command = Command::new(program);
    command.args(rest);
    set_environment(
        &mut command,
        &args.profile,
        &session.credentials,
        region.as_deref(),
    );
    crate::diag!(
        "exec {program} for {} (session from {})",
        args.profile,
        session.from
    );
    let error = command.exec();
    let (status, why) = match error.kind() {
        std::io::ErrorKind::NotFound => (NOT_FOUND, "command not found".to_owned()),
        std::io::ErrorKind::PermissionDenied => (CANNOT_RUN, "permission denied".to_owned()),
        _ => (CANNOT_RUN, error.to_string()),
    };
    eprintln!("mfatui: cannot run '{program}': {why}");
    ExitCode::from(status)
}

/// The variables CMD gets: the credentials, their expiry and the region, and no
/// `AWS_PROFILE` (which would send SDKs back to the files).
fn set_environment(
    command: &mut Command,
    profile: &str,
    creds: &Credentials,
    region: Option<&str>,
) {
    for var in ["AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_SECURITY_TOKEN"] {
        command.env_remove(var);
    }
    command
        .env("AWS_ACCESS_KEY_ID", &creds.access_key_id)
        .env("AWS_SECRET_ACCESS_KEY", creds.secret_access_key.expose())
        .env("MFATUI_PROFILE", profile);
    match &creds.session_token {
        Some(token) => command.env("AWS_SESSION_TOKEN", token.expose()),
        None => command.env_remove("AWS_SESSION_TOKEN"),
    };
    match creds.expiration {
        Some(at) => command.env(
            "AWS_CREDENTIAL_EXPIRATION",
            at.to_rfc3339_opts(SecondsFormat::Secs, true),
        ),
        None => command.env_remove("AWS_CREDENTIAL_EXPIRATION"),
    };
    if let Some(region) = region {
        command
            .env("AWS_REGION", region)
            .env("AWS_DEFAULT_REGION", region);
    }
}

/// Variables that would make CMD's SDK use something other than the endpoint.
const SHADOWING: [&str; 8] = [
    "AWS_ACCESS_KEY_ID",
    "AWS_SECRET_ACCESS_KEY",
    "AWS_SESSION_TOKEN",
    "AWS_SECURITY_TOKEN",
    "AWS_CREDENTIAL_EXPIRATION",
    "AWS_PROFILE",
    "AWS_DEFAULT_PROFILE",
    "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
];

/// Runs CMD beside the endpoint; the endpoint stops when CMD ends. SIGTERM, SIGHUP, SIGUSR1
/// and SIGUSR2 sent to mfatui are passed on; Ctrl-C and Ctrl-\ reach CMD from the terminal
/// itself, so mfatui only outlives them.
fn run_with_server(
    mut endpoint: Endpoint,
    program: &str,
    args: &[String],
    region: Option<&str>,
) -> ExitCode {
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(e) => {
            eprintln!("mfatui: {e}");
            return ExitCode::FAILURE;
        }
    };
    runtime.block_on(async move {
        let setup = async {
            endpoint.token = crate::serve::random_token()?;
            let listener = endpoint::bind().await?;
            let port = listener.local_addr()?.port();
            Ok::<_, std::io::Error>((listener, port))
        };
        let (listener, port) = match setup.await {
            Ok(found) => found,
            Err(e) => {
                eprintln!("mfatui: cannot start the credentials endpoint: {e}");
                return ExitCode::FAILURE;
            }
        };
        let mut command = tokio::process::Command::new(program);
        command.args(args);
        for var in SHADOWING {
            command.env_remove(var);
        }
        command
            .env(
                "AWS_CONTAINER_CREDENTIALS_FULL_URI",
                format!("http://127.0.0.1:{port}/"),
            )
            .env("AWS_CONTAINER_AUTHORIZATION_TOKEN", &endpoint.token)
            // Keys in the credentials file come before the endpoint in every SDK's chain.
            .env("AWS_SHARED_CREDENTIALS_FILE", "/dev/null")
            .env("MFATUI_PROFILE", &endpoint.profile);
        if let Some(region) = region {
            command
                .env("AWS_REGION", region)
                .env("AWS_DEFAULT_REGION", region);
        }
        // Listen for the signals to pass on before CMD exists: one sent as soon as CMD is up
        // must reach CMD, not end mfatui and leave CMD behind.
        let signals = match Forwarded::listen() {
            Ok(signals) => signals,
            Err(e) => {
                eprintln!("mfatui: cannot listen for signals: {e}");
                return ExitCode::FAILURE;
            }
        };
        let server = tokio::spawn(endpoint::serve(listener, Arc::new(endpoint)));
        let mut child = match command.spawn() {
            Ok(child) => child,
            Err(e) => {
                server.abort();
                let status = if e.kind() == std::io::ErrorKind::NotFound {
                    NOT_FOUND
                } else {
                    CANNOT_RUN
                };
                let why = if status == NOT_FOUND {
                    "command not found".to_owned()
                } else {
                    e.to_string()
                };
                eprintln!("mfatui: cannot run '{program}': {why}");
                return ExitCode::from(status);
            }
        };
        let status = signals.wait_for(&mut child).await;
        server.abort();
        match status {
            Ok(status) => exit_code(status),
            Err(e) => {
                eprintln!("mfatui: lost track of '{program}': {e}");
                ExitCode::FAILURE
            }
        }
    })
}

/// The signals mfatui passes on to CMD (SIGTERM, SIGHUP, SIGUSR1, SIGUSR2), and the ones it
/// only outlives (SIGINT and SIGQUIT reach CMD from the terminal itself).
struct Forwarded {
    term: tokio::signal::unix::Signal,
    hangup: tokio::signal::unix::Signal,
    usr1: tokio::signal::unix::Signal,
    usr2: tokio::signal::unix::Signal,
    interrupt: tokio::signal::unix::Signal,
    quit: tokio::signal::unix::Signal,
}

impl Forwarded {
    /// Starts listening (from here on these signals no longer end mfatui).
    fn listen() -> std::io::Result<Forwarded> {
        Ok(Forwarded {
            term: signal(SignalKind::terminate())?,
            hangup: signal(SignalKind::hangup())?,
            usr1: signal(SignalKind::user_defined1())?,
            usr2: signal(SignalKind::user_defined2())?,
            interrupt: signal(SignalKind::interrupt())?,
            quit: signal(SignalKind::quit())?,
        })
    }

    /// Waits for `child`, passing on the signals mfatui receives that CMD would not.
    async fn wait_for(
        mut self,
        child: &mut tokio::process::Child,
    ) -> std::io::Result<std::process::ExitStatus> {
        let pid = child
            .id()
            .and_then(|id| rustix::process::Pid::from_raw(id as i32));
        let forward = |sig: rustix::process::Signal| {
            if let Some(pid) = pid {
                let _ = rustix::process::kill_process(pid, sig);
            }
        };
        loop {
            tokio::select! {
                status = child.wait() => return status,
                _ = self.term.recv() => forward(rustix::process::Signal::TERM),
                _ = self.hangup.recv() => forward(rustix::process::Signal::HUP),
                _ = self.usr1.recv() => forward(rustix::process::Signal::USR1),
                _ = self.usr2.recv() => forward(rustix::process::Signal::USR2),
                _ = self.interrupt.recv() => {}
                _ = self.quit.recv() => {}
            }
        }
    }
}

/// CMD's exit status as mfatui's: its code, or 128 + the signal that ended it (as shells do).
fn exit_code(status: std::process::ExitStatus) -> ExitCode {
    use std::os::unix::process::ExitStatusExt;
    match (status.code(), status.signal()) {
        (Some(code), _) => ExitCode::from(code as u8),
        (None, Some(sig)) => ExitCode::from(128u8.saturating_add(sig as u8)),
        _ => ExitCode::FAILURE,
    }
}
