//! `mfatui exec PROFILE -- CMD`: runs a command with the profile's temporary credentials in
//! its environment, renewing first (and writing back, with a backup) only when the session
//! is missing or about to expire. With `--server`, CMD gets a loopback credentials endpoint
//! instead, which keeps serving the current session (renewed when needed) while CMD runs.

use super::args::ExecArgs;
use super::codes::{self, Allow};
use super::Run;
use crate::aws::Credentials;
use crate::awsfiles::{Snapshot, Stamp};
use crate::duration;
use crate::renew::code::Given;
use crate::renew::service::{Served, Want};
use crate::serve::endpoint::{self, Endpoint};
use crate::serve::overlay::Overlay;
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
pub fn exec(run: &Run, args: &ExecArgs) -> ExitCode {
    let fail = |message: String| {
        eprintln!("mfatui: {message}");
        ExitCode::FAILURE
    };
    let Some((program, rest)) = args.command.split_first() else {
        eprintln!("mfatui: exec needs a command to run: mfatui exec PROFILE -- CMD [ARGS…]");
        return ExitCode::from(2);
    };
    let duration = match args.duration.as_deref().map(duration::parse).transpose() {
        Ok(d) => d,
        Err(e) => return fail(e.to_string()),
    };
    let given = match Given::new(args.code.as_deref()) {
        Ok(g) => g,
        Err(e) => return fail(e.to_string()),
    };
    let allow = Allow {
        terminal: std::io::stdin().is_terminal() || std::io::stderr().is_terminal(),
        window: true,
    };
    // One set of sources for the whole run: a code given with --code is sent once.
    let mut codes = codes::sources(run, given, allow);
    let want = Want {
        duration,
        ..Want::serve()
    };
    if args.server {
        let endpoint = Endpoint {
            token: String::new(),
            profile: args.profile.clone(),
            ctx: run.ctx.clone(),
            api: run.api.clone(),
            keyring: run.keyring.clone(),
            want,
            codes: tokio::sync::Mutex::new(codes),
            state: Default::default(),
        };
        // A session still valid is served as it is (the endpoint renews it ahead while CMD
        // runs); with none, the first renewal happens here, before CMD starts.
        let region = match endpoint.on_file() {
            Some(served) => served.region,
            None => match run.block_on(endpoint.renew_now()) {
                Ok(Ok(served)) => served.region,
                Ok(Err(e)) => return fail(with_code_hint(&e)),
                Err(message) => return fail(message),
            },
        };
        let status = run
            .block_on(run_with_server(endpoint, program, rest, region.as_deref()))
            .unwrap_or_else(|e| {
                eprintln!("mfatui: {e}");
                1
            });
        // At once, with CMD's status: a renewal still waiting for a code (a prompt, the
        // window, an mfa_process) is abandoned, not waited for (`Run` shuts its runtime
        // down without waiting).
        return ExitCode::from(status);
    }
    let served = run
        .block_on(run.renewer().ensure(&args.profile, &want, &mut codes))
        .and_then(|r| r.map_err(|e| with_code_hint(&e)));
    let Served {
        session,
        region,
        renewed,
        ..
    } = match served {
        Ok(served) => served,
        Err(message) => return fail(message),
    };
    if let Some(renewed) = &renewed {
        eprintln!("{}", endpoint::renewed_line(&args.profile, renewed));
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
    if run.ctx.demo {
        // The demo's folder is removed when mfatui ends: CMD runs beside it, not instead.
        return match command.status() {
            Ok(status) => ExitCode::from(exit_code(status)),
            Err(e) => {
                let status = if e.kind() == std::io::ErrorKind::NotFound {
                    NOT_FOUND
                } else {
                    CANNOT_RUN
                };
                eprintln!("mfatui: cannot run '{program}': {e}");
                ExitCode::from(status)
            }
        };
    }
    let error = command.exec();
    let (status, why) = match error.kind() {
        std::io::ErrorKind::NotFound => (NOT_FOUND, "command not found".to_owned()),
        std::io::ErrorKind::PermissionDenied => (CANNOT_RUN, "permission denied".to_owned()),
        _ => (CANNOT_RUN, error.to_string()),
    };
    eprintln!("mfatui: cannot run '{program}': {why}");
    ExitCode::from(status)
}

/// `exec` takes a code on the command line too: say so where a code was missing.
fn with_code_hint(error: &crate::renew::error::RenewError) -> String {
    match error {
        crate::renew::error::RenewError::NoCode { .. } => {
            format!("{error}, or pass --code 123456")
        }
        _ => error.to_string(),
    }
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
const SHADOWING: [&str; 9] = [
    "AWS_ACCESS_KEY_ID",
    "AWS_SECRET_ACCESS_KEY",
    "AWS_SESSION_TOKEN",
    "AWS_SECURITY_TOKEN",
    "AWS_CREDENTIAL_EXPIRATION",
    "AWS_PROFILE",
    "AWS_DEFAULT_PROFILE",
    "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
    "AWS_WEB_IDENTITY_TOKEN_FILE",
];

/// Runs CMD beside the endpoint; the endpoint stops when CMD ends. SIGTERM, SIGHUP, SIGUSR1
/// and SIGUSR2 sent to mfatui are passed on; Ctrl-C and Ctrl-\\ reach CMD from the terminal
/// itself, so mfatui only outlives them. CMD sees copies of the shared files where the real
/// ones would let anything but the endpoint answer the default chain, or let a profile named
/// explicitly fall through to it ([`crate::serve::overlay`]).
async fn run_with_server(
    mut endpoint: Endpoint,
    program: &str,
    args: &[String],
    region: Option<&str>,
) -> u8 {
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
            return 1;
        }
    };
    // Reading and copying files blocks: off the runtime's thread.
    let (ctx, profile) = (endpoint.ctx.clone(), endpoint.profile.clone());
    let files = tokio::task::spawn_blocking(move || child_files(&ctx, &profile))
        .await
        .unwrap_or_else(|e| Err(e.to_string()));
    let overlay = match files {
        Ok(overlay) => overlay,
        Err(e) => {
            eprintln!("mfatui: cannot prepare the files CMD sees: {e}");
            return 1;
        }
    };
    let mut command = guarded(program, args);
    for var in SHADOWING {
        command.env_remove(var);
    }
    command
        .env(crate::serve::keeper::URI_VAR, endpoint::uri(port))
        .env("AWS_CONTAINER_AUTHORIZATION_TOKEN", &endpoint.token)
        .env("MFATUI_PROFILE", &endpoint.profile);
    if let Some((overlay, needs)) = &overlay {
        for note in &needs.notes {
            eprintln!("mfatui: {note}");
        }
        command.envs(overlay.copies().environment(needs));
    }
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
            return 1;
        }
    };
    // The copies go when mfatui goes, however it goes (kill -9 too): a keeper of our own,
    // started before CMD (and before the port's inheritable descriptor exists), removes them
    // when its pipe from mfatui closes, then holds the port while a process carries its URI.
    let keeper = keep_after(
        &listener,
        overlay.as_ref().map(|(o, _)| o.dir()),
        &endpoint.profile,
    );
    // CMD's tree keeps the port bound for as long as any of it lives, after mfatui too: no
    // other user can take it and collect the token (where no keeper runs, a fetch then waits
    // unanswered).
    let held = match endpoint::inheritable(&listener) {
        Ok(fd) => fd,
        Err(e) => {
            eprintln!("mfatui: cannot hand the endpoint's port to '{program}': {e}");
            return 1;
        }
    };
    let endpoint = Arc::new(endpoint);
    let server = tokio::spawn(endpoint::serve(listener, endpoint.clone()));
    let refresher = overlay
        .as_ref()
        .map(|(o, _)| tokio::spawn(keep_copies_current(endpoint.clone(), o.copies().clone())));
    let spawned = command.spawn();
    drop(held);
    let mut child = match spawned {
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
            return status;
        }
    };
    let status = signals.wait_for(&mut child).await;
    server.abort();
    if let Some(task) = refresher {
        task.abort();
    }
    drop(overlay);
    if let Some(keeper) = keeper {
        let_go(keeper, port).await;
    }
    match status {
        Ok(status) => exit_code(status),
        Err(e) => {
            eprintln!("mfatui: lost track of '{program}': {e}");
            1
        }
    }
}

/// CMD, started through `mfatui exec-child` where the system has a parent-death signal
/// (Linux), so that CMD gets SIGHUP if mfatui is killed: it never goes on fetching from a
/// port that is no longer this endpoint's (another local user could take it and collect the
/// token). Elsewhere CMD is started directly.
fn guarded(program: &str, args: &[String]) -> tokio::process::Command {
    #[cfg(target_os = "linux")]
    if let Ok(exe) = std::env::current_exe() {
        let mut command = tokio::process::Command::new(exe);
        command
            .arg("exec-child")
            .arg("--parent")
            .arg(std::process::id().to_string())
            .arg("--")
            .arg(program)
            .args(args);
        return command;
    }
    let mut command = tokio::process::Command::new(program);
    command.args(args);
    command
}

/// `mfatui exec-child --parent PID -- CMD`: asks the kernel for SIGHUP when the thread that
/// started this process (mfatui's main thread, which lives as long as mfatui) ends, checks
/// that mfatui is still there, then becomes CMD. The signal survives `execve` (but not a
/// set-user-ID CMD, which the kernel resets).
pub fn child(args: &super::args::ExecChildArgs) -> ExitCode {
    let Some((program, rest)) = args.command.split_first() else {
        return ExitCode::from(2);
    };
    #[cfg(target_os = "linux")]
    {
        if let Err(e) =
            rustix::process::set_parent_process_death_signal(Some(rustix::process::Signal::HUP))
        {
            eprintln!("mfatui: cannot tie '{program}' to its endpoint: {e}");
            return ExitCode::from(CANNOT_RUN);
        }
        let parent = rustix::process::getppid().map(rustix::process::Pid::as_raw_nonzero);
        if parent.map(|p| p.get()) != Some(args.parent) {
            // mfatui ended before the signal was asked for: its endpoint is gone.
            return ExitCode::from(128 + 1);
        }
    }
    let error = Command::new(program).args(rest).exec();
    let (status, why) = match error.kind() {
        std::io::ErrorKind::NotFound => (NOT_FOUND, "command not found".to_owned()),
        std::io::ErrorKind::PermissionDenied => (CANNOT_RUN, "permission denied".to_owned()),
        _ => (CANNOT_RUN, error.to_string()),
    };
    eprintln!("mfatui: cannot run '{program}': {why}");
    ExitCode::from(status)
}

/// Starts `mfatui exec-cleanup [DIR]`, the run's keeper, in its own process group, reading a
/// pipe only mfatui holds (close-on-exec: CMD does not inherit it), with a descriptor of the
/// listening socket as its standard output (passed explicitly: nothing else inherits it). When
/// mfatui ends — even by `kill -9` — the pipe closes; the keeper removes the copies, then keeps
/// the port from other users while a process (a descendant of CMD that closed its descriptors
/// and detached) still carries the endpoint's URI ([`crate::serve::keeper`]). Until then it
/// neither accepts nor touches the socket. None when it cannot be started (the copies are then
/// removed by mfatui itself, or by the next `exec --server` after a `kill -9`; the port is held
/// by CMD's tree alone).
fn keep_after(
    listener: &tokio::net::TcpListener,
    dir: Option<&std::path::Path>,
    profile: &str,
) -> Option<tokio::process::Child> {
    use std::os::fd::AsFd;
    use std::process::Stdio;
    let exe = std::env::current_exe().ok()?;
    // A close-on-exec duplicate, which the child gets as its descriptor 1 only.
    let socket = match listener.as_fd().try_clone_to_owned() {
        Ok(fd) => Stdio::from(fd),
        Err(e) => {
            crate::diag!("exec --server: the keeper cannot hold the port: {e}");
            // Without the socket, a keeper is worth starting only for the copies.
            dir?;
            Stdio::null()
        }
    };
    let spawned = tokio::process::Command::new(exe)
        .arg("exec-cleanup")
        .args(dir)
        .stdin(Stdio::piped())
        .stdout(socket)
        .stderr(Stdio::null())
        // Only CMD's processes count: not an endpoint mfatui itself may run under.
        .env_remove(crate::serve::keeper::URI_VAR)
        .env_remove("AWS_CONTAINER_AUTHORIZATION_TOKEN")
        .env("MFATUI_PROFILE", profile)
        .process_group(0)
        .spawn();
    match spawned {
        Ok(child) => Some(child),
        Err(e) => {
            crate::diag!("exec --server: no keeper for CMD's copies and port: {e}");
            None
        }
    }
}

/// CMD has ended and mfatui is done with the port: when no process carries the endpoint's URI
/// any more (the usual end), tells the keeper so and waits for it (a second at most), so that
/// the port is free when mfatui returns, as without a keeper; else just lets it go on.
async fn let_go(mut keeper: tokio::process::Child, port: u16) {
    use tokio::io::AsyncWriteExt;
    let entry = crate::serve::keeper::entry(port);
    let unneeded = tokio::task::spawn_blocking(move || !crate::serve::keeper::carried(&entry))
        .await
        .unwrap_or(false);
    if let Some(mut pipe) = keeper.stdin.take() {
        if unneeded {
            let _ = pipe.write_all(crate::serve::keeper::UNNEEDED).await;
        }
    }
    if unneeded {
        let _ = tokio::time::timeout(std::time::Duration::from_secs(1), keeper.wait()).await;
    }
}

/// `mfatui exec-cleanup [DIR]`: waits until its standard input closes (mfatui, which alone
/// holds the other end, has ended or is done with CMD), removes DIR if it is one of this
/// user's copies folders, then, when its standard output is the endpoint's listening socket
/// and mfatui did not say it is unneeded, keeps it while a process still carries the
/// endpoint's URI ([`crate::serve::keeper::keep`]).
pub fn cleanup(args: &super::args::ExecCleanupArgs) -> ExitCode {
    use std::io::Read;
    use std::os::fd::AsFd;
    let mut said = Vec::new();
    let _ = std::io::stdin().lock().read_to_end(&mut said);
    if let Some(dir) = &args.dir {
        crate::serve::overlay::remove_copies(dir);
    }
    if said == crate::serve::keeper::UNNEEDED {
        return ExitCode::SUCCESS;
    }
    let Ok(fd) = std::io::stdout().as_fd().try_clone_to_owned() else {
        return ExitCode::SUCCESS;
    };
    let listener = std::net::TcpListener::from(fd);
    if listener.local_addr().is_ok() {
        let profile = std::env::var("MFATUI_PROFILE").unwrap_or_default();
        if let Err(e) = crate::serve::keeper::keep(listener, &profile) {
            crate::diag!("exec-cleanup: cannot keep the port: {e}");
        }
    }
    ExitCode::SUCCESS
}

/// The copies of the shared files CMD needs, if any (in a private folder beside the request
/// socket, removed when dropped).
fn child_files(
    ctx: &crate::context::Context,
    profile: &str,
) -> Result<Option<(Overlay, crate::serve::overlay::Needs)>, String> {
    let (base, temp) = crate::serve::overlay::places(ctx);
    // Copies left by a run that was killed (kill -9) go first, whether or not this run needs any.
    crate::serve::overlay::remove_stale(&base, &temp);
    let snapshot = ctx.snapshot().map_err(|e| e.to_string())?;
    let exe = std::env::current_exe()
        .ok()
        .map(|p| p.display().to_string())
        .unwrap_or_else(|| "mfatui".to_owned());
    let needs = crate::serve::overlay::needs(&snapshot, profile, &exe)?;
    if needs.config.is_none() && needs.credentials.is_none() {
        return Ok(None);
    }
    let overlay = Overlay::create(&base, &temp, &ctx.paths, profile, &exe)?;
    let needs = overlay.copies().refresh(&snapshot)?;
    Ok(Some((overlay, needs)))
}

/// Rewrites CMD's copies whenever the real files change (a renewal inside CMD lands in the
/// real files; the copies follow within a second). The looking and writing run off the
/// runtime's thread.
async fn keep_copies_current(endpoint: Arc<Endpoint>, copies: crate::serve::overlay::Copies) {
    let ctx = endpoint.ctx.clone();
    let mut stamp = None;
    loop {
        let (ctx, copies, last) = (ctx.clone(), copies.clone(), stamp.clone());
        let looked = tokio::task::spawn_blocking(move || {
            let now = Stamp::of(&ctx.paths);
            if last.is_some_and(|last| last != now) {
                if let Ok(snapshot) = Snapshot::load(&ctx.paths, &ctx.naming()) {
                    if let Err(e) = copies.refresh(&snapshot) {
                        crate::diag!("exec --server: could not update CMD's copies: {e}");
                    }
                }
            }
            now
        })
        .await;
        if let Ok(now) = looked {
            stamp = Some(now);
        }
        tokio::time::sleep(std::time::Duration::from_secs(1)).await;
    }
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
fn exit_code(status: std::process::ExitStatus) -> u8 {
    use std::os::unix::process::ExitStatusExt;
    match (status.code(), status.signal()) {
        (Some(code), _) => code as u8,
        (None, Some(sig)) => 128u8.saturating_add(sig as u8),
        _ => 1,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::renew::error::RenewError;

    #[test]
    fn only_a_missing_code_gets_the_code_hint() {
        let missing = RenewError::NoCode {
            profile: "dev".to_owned(),
            what: "run `mfatui renew dev` in a terminal".to_owned(),
        };
        assert!(with_code_hint(&missing).ends_with("in a terminal, or pass --code 123456"));
        let other = RenewError::RenewedElsewhere;
        assert_eq!(with_code_hint(&other), other.to_string());
    }
}
