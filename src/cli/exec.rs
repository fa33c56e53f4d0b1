//! `mfatui exec PROFILE -- CMD`: runs a command with the profile's temporary credentials in
//! its environment, renewing first (and writing back, with a backup) only when the session
//! is missing or about to expire. With `--server`, CMD gets a loopback credentials endpoint
//! instead, which keeps serving the current session (renewed when needed) while CMD runs.

use super::args::ExecArgs;
use super::codes::{self, Allow};
use super::Run;
use crate::aws::Credentials;
use crate::awsfiles::{Snapshot, Stamp};
use crate::credentials::AHEAD_OF_PROFILE;
use crate::duration;
use crate::renew::code::Given;
use crate::renew::service::{Served, Want};
use crate::serve::endpoint::{self, Endpoint};
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
    let fail = |message: &dyn std::fmt::Display| {
        eprintln!("mfatui: {message}");
        ExitCode::FAILURE
    };
    let Some((program, rest)) = args.command.split_first() else {
        eprintln!("mfatui: exec needs a command to run: mfatui exec PROFILE -- CMD [ARGS…]");
        return ExitCode::from(2);
    };
    let duration = match args.duration.as_deref().map(duration::parse).transpose() {
        Ok(d) => d,
        Err(e) => return fail(&e),
    };
    let given = match Given::new(args.code.as_deref()) {
        Ok(g) => g,
        Err(e) => return fail(&e),
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
        // CMD (the same user) must not reach into this process either: it holds the
        // listening socket and the exit-status pipe as the holder does.
        crate::serve::keeper::not_dumpable();
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
                Ok(Err(e)) => return fail(&with_code_hint(&e)),
                Err(e) => return fail(&e),
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
    let Served {
        session,
        region,
        renewed,
        ..
    } = match run.block_on(run.renewer().ensure(&args.profile, &want, &mut codes)) {
        Ok(Ok(served)) => served,
        Ok(Err(e)) => return fail(&with_code_hint(&e)),
        Err(e) => return fail(&e),
    };
    if let Some(renewed) = &renewed {
        eprintln!("{}", renewed.line(&args.profile, chrono::Utc::now()));
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

/// Variables besides [`AHEAD_OF_PROFILE`] that would make CMD's SDK use something other than
/// the endpoint (or, for the token file, send the endpoint another token than mfatui's).
const SHADOWING: [&str; 4] = [
    "AWS_PROFILE",
    "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
    "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE",
    "AWS_CREDENTIAL_FILE",
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
    // The copies of the shared files CMD needs, if any (in a private folder beside the
    // request socket, removed when dropped). Reading and copying files blocks: off the
    // runtime's thread.
    let (ctx, profile) = (endpoint.ctx.clone(), endpoint.profile.clone());
    let files =
        tokio::task::spawn_blocking(move || crate::serve::overlay::prepare(&ctx, &profile)).await;
    let cannot = |e: &dyn std::fmt::Display| {
        eprintln!("mfatui: cannot prepare the files CMD sees: {e}");
        1
    };
    let overlay = match files {
        Ok(Ok(overlay)) => overlay,
        Ok(Err(e)) => return cannot(&e),
        Err(e) => return cannot(&e),
    };
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
    // started before CMD, removes them when its pipe from mfatui closes.
    let keeper = overlay.as_ref().and_then(|(o, _)| keep_after(o.dir()));
    // CMD's holder (Linux) gets a descriptor of the listening socket and the write end of the
    // pipe CMD's exit status comes back through, inherited by it alone (see `guarded`).
    let handed = match hand_over(&listener) {
        Ok(handed) => handed,
        Err(e) => {
            eprintln!("mfatui: cannot hand the endpoint's port to '{program}': {e}");
            return 1;
        }
    };
    let (mut command, holder) = guarded(program, args, handed.numbers());
    for var in AHEAD_OF_PROFILE.iter().chain(&SHADOWING) {
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
    } else if endpoint.ctx.demo {
        // The demo's own files, never the user's: botocore and the JS SDK read a `[default]`
        // key in the real credentials file ahead of the endpoint (attack round 12).
        let paths = &endpoint.ctx.paths;
        command
            .env("AWS_CONFIG_FILE", &paths.config)
            .env("AWS_SHARED_CREDENTIALS_FILE", &paths.credentials);
    }
    if let Some(region) = region {
        command
            .env("AWS_REGION", region)
            .env("AWS_DEFAULT_REGION", region);
    }
    let endpoint = Arc::new(endpoint);
    let server = tokio::spawn(endpoint::serve(listener, endpoint.clone()));
    let refresher = overlay
        .as_ref()
        .map(|(o, _)| tokio::spawn(keep_copies_current(endpoint.clone(), o.copies().clone())));
    // Inheritable only now, for the holder alone (which takes them over and closes them
    // before CMD starts); CMD started directly inherits neither.
    let spawned = if holder {
        handed.inheritable().and_then(|()| command.spawn())
    } else {
        command.spawn()
    };
    let reported = handed.spawned();
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
    let status = signals.wait_for(&mut child, reported).await;
    server.abort();
    if let Some(task) = refresher {
        task.abort();
    }
    drop(overlay);
    drop(keeper);
    match status {
        Ok(status) => status,
        Err(e) => {
            eprintln!("mfatui: lost track of '{program}': {e}");
            1
        }
    }
}

/// What mfatui hands CMD's holder: descriptors of the listening socket and of the status
/// pipe's write end (dropped right after CMD's start), and the pipe's read end. All three are
/// close-on-exec until [`Handover::inheritable`], right before the holder starts.
struct Handover {
    socket: std::os::fd::OwnedFd,
    write: std::os::fd::OwnedFd,
    read: std::os::fd::OwnedFd,
}

/// The descriptors for the holder (close-on-exec: nothing inherits them yet).
fn hand_over(listener: &tokio::net::TcpListener) -> std::io::Result<Handover> {
    let socket = rustix::io::fcntl_dupfd_cloexec(listener, 0)?;
    let (read, write) = std::io::pipe()?;
    Ok(Handover {
        socket,
        write: write.into(),
        read: read.into(),
    })
}

impl Handover {
    /// The numbers of the socket's and the pipe's descriptors, as the holder finds them.
    fn numbers(&self) -> (i32, i32) {
        use std::os::fd::AsRawFd;
        (self.socket.as_raw_fd(), self.write.as_raw_fd())
    }

    /// Makes the socket's and the pipe's descriptors inheritable: for the holder, started next
    /// (and [spawned](Handover::spawned) drops them right after).
    fn inheritable(&self) -> std::io::Result<()> {
        for fd in [&self.socket, &self.write] {
            rustix::io::fcntl_setfd(fd, rustix::io::FdFlags::empty())?;
        }
        Ok(())
    }

    /// CMD is started (or could not be): mfatui's copies of what it inherited go; what comes
    /// back is the status pipe (None if it cannot be watched: the holder's exit status then
    /// says it all).
    fn spawned(self) -> Option<tokio::net::unix::pipe::Receiver> {
        drop(self.socket);
        drop(self.write);
        tokio::net::unix::pipe::Receiver::from_owned_fd(self.read).ok()
    }
}

/// CMD, started through `mfatui exec-child` where the system has a parent-death signal and
/// child subreapers (Linux): that process holds the port for CMD's tree and reports CMD's exit
/// status back through the pipe whose descriptor `fds` names (see [`child`]); CMD gets SIGHUP
/// if mfatui is killed, so it never goes on fetching from a port that is no longer this
/// endpoint's. Elsewhere CMD is started directly, and inherits neither descriptor. Whether
/// the command is the holder (which must inherit both).
fn guarded(program: &str, args: &[String], fds: (i32, i32)) -> (tokio::process::Command, bool) {
    #[cfg(target_os = "linux")]
    if let Ok(exe) = std::env::current_exe() {
        let mut command = tokio::process::Command::new(exe);
        command
            .arg("exec-child")
            .arg("--parent")
            .arg(std::process::id().to_string())
            .arg("--listener")
            .arg(fds.0.to_string())
            .arg("--status")
            .arg(fds.1.to_string())
            .arg("--pgid")
            .arg(rustix::process::getpgrp().as_raw_nonzero().to_string())
            .arg("--")
            .arg(program)
            .args(args)
            // The holder in a group of its own: a kill of mfatui's group (`timeout -s KILL`,
            // a CI job's end) does not free the port of a survivor; CMD joins mfatui's group
            // again through the hop (see `hold`), so it keeps the terminal and Ctrl-C.
            .process_group(0);
        return (command, true);
    }
    let _ = fds;
    let mut command = tokio::process::Command::new(program);
    command.args(args);
    (command, false)
}

/// `mfatui exec-child --parent PID [--listener N --status N | --hop] -- CMD`: takes the
/// endpoint's inherited descriptors over first (owned copies, close-on-exec; the inherited
/// numbers closed: CMD inherits neither), asks the kernel for SIGHUP when the thread that
/// started this process (mfatui's main thread, which lives as long as mfatui; or the holder's)
/// ends, and checks that its parent is still there. Given the endpoint's descriptors, it then
/// becomes CMD's holder ([`crate::serve::keeper::hold`]): CMD runs as its child through a
/// second hop (`--hop`), which only does the above and becomes CMD. Without them, or where the
/// descriptors cannot be taken (kernels before 5.6), it closes them and becomes CMD itself.
/// The signal survives `execve` (but not a set-user-ID CMD, which the kernel resets).
pub fn child(args: &super::args::ExecChildArgs) -> ExitCode {
    let Some((program, rest)) = args.command.split_first() else {
        return ExitCode::from(2);
    };
    #[cfg(target_os = "linux")]
    {
        use crate::serve::keeper;
        // Once per number, before anything else can open a descriptor that reuses it.
        let listener = args.listener.map(|fd| (fd, keeper::adopt(fd)));
        let listener = match (args.holding, listener) {
            (Some(code), Some((_, listener))) => {
                keeper::become_holder();
                if let Err(e) = keeper::keep(listener) {
                    crate::diag!("exec-child: holding the port failed: {e}");
                }
                return ExitCode::from(code);
            }
            (_, listener) => listener,
        };
        let status = args.status.map(|fd| (fd, keeper::adopt(fd)));
        let (listener, status) = match (listener, status) {
            (Some((_, Ok(listener))), Some((_, Ok(status)))) => (Some(listener), Some(status)),
            (listener, status) => {
                // An old kernel (no pidfd_getfd): CMD starts directly, the port is held by
                // mfatui alone, and CMD's tree inherits neither descriptor.
                for (fd, taken) in [listener, status].into_iter().flatten() {
                    if let Err(e) = taken {
                        crate::diag!("exec-child: cannot hold the port for CMD: {e}");
                        keeper::close_inherited(fd);
                    }
                }
                (None, None)
            }
        };
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
        if let (false, Some(listener), Some(status), Ok(exe)) =
            (args.hop, listener, status, std::env::current_exe())
        {
            let status = std::fs::File::from(status);
            return hold(&exe, listener, status, args.pgid, program, &args.command);
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

/// The holder's part of [`child`] (Linux), in a process group of its own and named
/// `mfatui-holder`: CMD runs as its child through the second hop, back in mfatui's group
/// `pgid` (the terminal's). When CMD ends and descendants remain, this process becomes
/// `exec-child --holding` — the same process, so still their subreaper, still holding the
/// socket (`listener`, close-on-exec until that very exec: the hop and CMD never inherit it),
/// but with its standard input, output and error closed, so that nobody waiting for the end
/// of mfatui's output (`$(mfatui exec --server …)`) waits for CMD's descendants. It
/// re-executes the running binary (`/proc/self/exe`, even removed or replaced on disk);
/// should that fail anyway, this process holds as it is.
#[cfg(target_os = "linux")]
fn hold(
    exe: &std::path::Path,
    listener: std::os::fd::OwnedFd,
    status: std::fs::File,
    pgid: Option<i32>,
    program: &str,
    command: &[String],
) -> ExitCode {
    use std::process::Stdio;
    crate::serve::keeper::become_holder();
    let mut hop = Command::new(SELF_EXE);
    hop.arg0(exe)
        .arg("exec-child")
        .arg("--hop")
        .arg("--parent")
        .arg(std::process::id().to_string())
        .arg("--")
        .args(command);
    if let Some(pgid) = pgid {
        // CMD in mfatui's group, the terminal's foreground one: it reads the terminal, Ctrl-C
        // reaches it.
        hop.process_group(pgid);
    }
    let ended = match crate::serve::keeper::hold(status, hop) {
        Ok(ended) => ended,
        Err(e) => {
            eprintln!("mfatui: lost track of '{program}': {e}");
            return ExitCode::FAILURE;
        }
    };
    if !ended.left {
        return ExitCode::from(ended.code);
    }
    // The one descriptor the re-executed holder needs, inheritable only now (CMD has ended;
    // the status pipe stays close-on-exec).
    if let Err(e) = rustix::io::fcntl_setfd(&listener, rustix::io::FdFlags::empty()) {
        crate::diag!("exec-child: cannot pass the port on to the re-executed holder: {e}");
    }
    // This very binary, even removed or replaced on disk since.
    let error = Command::new(SELF_EXE)
        .arg0(exe)
        .arg("exec-child")
        .arg("--holding")
        .arg(ended.code.to_string())
        .arg("--listener")
        .arg(std::os::fd::AsRawFd::as_raw_fd(&listener).to_string())
        .arg("--parent")
        .arg("0")
        .arg("--")
        .arg(program)
        // Nothing of CMD's environment (the token, the copies' paths) is needed any more.
        .env_clear()
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .exec();
    // Never end while a child lives: hold in this process (its output stays open).
    crate::diag!("exec-child: cannot re-execute to hold the port, holding as is: {error}");
    if let Err(e) = crate::serve::keeper::keep(Ok(listener)) {
        crate::diag!("exec-child: holding the port failed: {e}");
    }
    ExitCode::from(ended.code)
}

/// The running binary, whatever has become of its path.
#[cfg(target_os = "linux")]
const SELF_EXE: &str = "/proc/self/exe";

/// Starts `mfatui exec-cleanup DIR`, the run's keeper of CMD's copies, in its own process
/// group, reading a pipe only mfatui holds (close-on-exec: CMD does not inherit it). When
/// mfatui ends — even by `kill -9` — the pipe closes and the keeper removes the copies. None
/// when it cannot be started (the copies are then removed by mfatui itself, or by the next
/// `exec --server` after a `kill -9`).
fn keep_after(dir: &std::path::Path) -> Option<tokio::process::Child> {
    use std::process::Stdio;
    let exe = std::env::current_exe().ok()?;
    let spawned = tokio::process::Command::new(exe)
        .arg("exec-cleanup")
        .arg(dir)
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        // It names a copy CMD changed, kept before the copies go.
        .stderr(Stdio::inherit())
        .env_remove(crate::serve::keeper::URI_VAR)
        .env_remove("AWS_CONTAINER_AUTHORIZATION_TOKEN")
        .process_group(0)
        .spawn();
    match spawned {
        Ok(child) => Some(child),
        Err(e) => {
            crate::diag!("exec --server: no keeper for CMD's copies: {e}");
            None
        }
    }
}

/// `mfatui exec-cleanup [DIR]`: waits until its standard input closes (mfatui, which alone
/// holds the other end, has ended), then removes DIR if it is one of this user's copies
/// folders.
pub fn cleanup(args: &super::args::ExecCleanupArgs) -> ExitCode {
    use std::io::Read;
    let mut said = Vec::new();
    let _ = std::io::stdin().lock().read_to_end(&mut said);
    if let Some(dir) = &args.dir {
        crate::serve::overlay::remove_copies(dir);
    }
    ExitCode::SUCCESS
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

    /// Waits for CMD's exit status — from the holder's pipe `reported` (which can say it while
    /// CMD's descendants keep the holder alive), else `child`'s own — passing on to `child` the
    /// signals mfatui receives that CMD would not.
    async fn wait_for(
        mut self,
        child: &mut tokio::process::Child,
        mut reported: Option<tokio::net::unix::pipe::Receiver>,
    ) -> std::io::Result<u8> {
        use tokio::io::AsyncReadExt;
        let pid = child
            .id()
            .and_then(|id| rustix::process::Pid::from_raw(id as i32));
        let forward = |sig: rustix::process::Signal| {
            if let Some(pid) = pid {
                let _ = rustix::process::kill_process(pid, sig);
            }
        };
        let mut said = [0u8; 2];
        loop {
            let report = async {
                match reported.as_mut() {
                    Some(pipe) => pipe.read_exact(&mut said).await.ok(),
                    None => std::future::pending().await,
                }
            };
            tokio::select! {
                status = child.wait() => return status.map(exit_code),
                report = report => match report {
                    Some(_) => {
                        let [code, left] = said;
                        if left == 0 {
                            // Nothing of CMD's remains: the holder ends now, freeing the port
                            // before mfatui returns.
                            let _ = tokio::time::timeout(
                                std::time::Duration::from_secs(2),
                                child.wait(),
                            )
                            .await;
                        }
                        return Ok(code);
                    }
                    // The holder is gone without a word: its own status tells.
                    None => reported = None,
                },
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
