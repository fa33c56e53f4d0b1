//! The holder of `exec --server`'s port for CMD's process tree (Linux): the process that is
//! CMD's parent and a child subreaper, so that every descendant of CMD that is orphaned —
//! detached, double-forked, with its descriptors closed, its environment rewritten or cleared,
//! non-dumpable, or running as another user — becomes its child. It holds a descriptor of the
//! listening socket until its last child has ended and, once CMD has ended, answers every fetch
//! at once with an error that names nothing, so that no other local user can bind the port and
//! answer a survivor's fetch with credentials of their choosing.

use super::endpoint;
use hyper::StatusCode;
use rustix::process::{Pid, Signal, WaitOptions};
use std::io::Write;
use std::os::fd::OwnedFd;
use tokio::signal::unix::{signal, SignalKind};

/// The variable CMD finds the endpoint by.
pub const URI_VAR: &str = "AWS_CONTAINER_CREDENTIALS_FULL_URI";

/// What the holder says to every fetch once CMD has ended: no profile, no token.
pub const ENDED: &str =
    "mfatui's endpoint has ended: run the command again under mfatui exec --server";

/// Makes this process the port's holder as others see it: named `mfatui-holder` (its
/// `comm`), so that `pkill -x mfatui` and `killall mfatui`, meant for mfatui, leave it alone;
/// and not dumpable, so that CMD — its child, the same user — cannot take the listening socket
/// or the status pipe out of it with `pidfd_getfd` or ptrace (an `execve` makes a process
/// dumpable again: call it after each).
pub fn become_holder() {
    if let Err(e) = std::fs::write("/proc/self/comm", "mfatui-holder") {
        crate::diag!("exec-child: cannot name the holder: {e}");
    }
    not_dumpable();
}

/// Makes this process non-dumpable (`PR_SET_DUMPABLE` 0): a process of the same user without
/// `CAP_SYS_PTRACE` can then neither trace it nor take its descriptors with `pidfd_getfd`.
/// Lasts until the next `execve`.
pub fn not_dumpable() {
    use rustix::process::{set_dumpable_behavior, DumpableBehavior};
    if let Err(e) = set_dumpable_behavior(DumpableBehavior::NotDumpable) {
        crate::diag!("cannot make this process non-dumpable: {e}");
    }
}

/// Takes over the inherited descriptor numbered `fd`: an owned copy, close-on-exec (by
/// `pidfd_getfd` on this very process: no risky conversion of a number), and the inherited
/// number closed, so that nothing this process starts — CMD above all, whatever user it
/// becomes — inherits it. Call it once per number, first thing: once closed, the number may be
/// reused. Fails on kernels before 5.6, leaving the number open (see [`close_inherited`]).
pub fn adopt(fd: i32) -> std::io::Result<OwnedFd> {
    use rustix::process::{getpid, pidfd_getfd, pidfd_open, PidfdFlags, PidfdGetfdFlags};
    crate::fault::point(crate::fault::Step::HolderAdopt)?;
    let me = pidfd_open(getpid(), PidfdFlags::empty())?;
    let copy = pidfd_getfd(&me, fd, PidfdGetfdFlags::empty())?;
    close_inherited(fd);
    Ok(copy)
}

/// Closes the inherited descriptor numbered `fd` (never standard input, output or error),
/// which nothing in this process owns: where it cannot be [adopted](adopt), so that CMD does
/// not inherit it.
pub fn close_inherited(fd: i32) {
    if fd > 2 {
        if let Err(e) = nix::unistd::close(fd) {
            crate::diag!("exec-child: cannot close the inherited descriptor {fd}: {e}");
        }
    }
}

/// How CMD ended, as the holder saw it.
pub struct Ended {
    /// CMD's exit status, as a shell reports it (128 + the signal that ended it).
    pub code: u8,
    /// Whether descendants of CMD remain (the port must stay held).
    pub left: bool,
}

/// Becomes the subreaper of CMD's tree, starts `hop` (which asks for SIGHUP when this process
/// ends, then becomes CMD) and passes on the signals mfatui forwards (SIGTERM, SIGHUP, SIGUSR1,
/// SIGUSR2; SIGINT and SIGQUIT reach CMD from the terminal, so they are only outlived). When
/// CMD ends, writes its exit status and whether descendants remain (two bytes) to `status`,
/// for mfatui, which ends with it at once; then clears this process's parent-death signal if
/// any remain ([`keep`] takes over from there).
pub fn hold(status: std::fs::File, mut hop: std::process::Command) -> std::io::Result<Ended> {
    rustix::process::set_child_subreaper(Some(rustix::process::getpid()))?;
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    let ended = runtime.block_on(async move {
        // Listening before CMD exists: a signal sent as soon as it runs reaches it.
        let mut child = signal(SignalKind::child())?;
        let mut term = signal(SignalKind::terminate())?;
        let mut hangup = signal(SignalKind::hangup())?;
        let mut usr1 = signal(SignalKind::user_defined1())?;
        let mut usr2 = signal(SignalKind::user_defined2())?;
        let mut interrupt = signal(SignalKind::interrupt())?;
        let mut quit = signal(SignalKind::quit())?;
        let cmd = match hop.spawn() {
            Ok(c) => Pid::from_raw(c.id() as i32),
            Err(e) => {
                eprintln!("mfatui: cannot start the command: {e}");
                None
            }
        };
        let Some(cmd) = cmd else {
            return Ok::<_, std::io::Error>(Ended {
                code: 126,
                left: false,
            });
        };
        let forward = |sig: Signal| {
            let _ = rustix::process::kill_process(cmd, sig);
        };
        let mut code = None;
        let mut left = reap(Some(cmd), &mut code);
        while code.is_none() {
            tokio::select! {
                _ = child.recv() => left = reap(Some(cmd), &mut code),
                _ = term.recv() => forward(Signal::TERM),
                _ = hangup.recv() => forward(Signal::HUP),
                _ = usr1.recv() => forward(Signal::USR1),
                _ = usr2.recv() => forward(Signal::USR2),
                _ = interrupt.recv() => {}
                _ = quit.recv() => {}
            }
        }
        Ok(Ended {
            code: code.unwrap_or(1),
            left,
        })
    })?;
    if ended.left {
        // mfatui ends now: this process stays for the descendants.
        rustix::process::set_parent_process_death_signal(None)?;
    }
    // mfatui's exit status at once, whether or not descendants remain (a write to a pipe
    // whose reader is gone fails; Rust ignores SIGPIPE).
    let _ = (&status).write_all(&[ended.code, u8::from(ended.left)]);
    Ok(ended)
}

/// Once CMD has ended and mfatui with it: reaps CMD's remaining descendants (every orphan of
/// its tree is this subreaper's child), ignoring SIGHUP, SIGINT, SIGQUIT and SIGTERM, and
/// answers the port (`listener`, if it is a loopback socket) with [`ENDED`]; returns once no
/// child is left, and the port is freed as this process ends. Where the socket could not be
/// [adopted](adopt), its inherited descriptor alone keeps the port bound (a fetch then waits
/// unanswered).
pub fn keep(listener: std::io::Result<OwnedFd>) -> std::io::Result<()> {
    let listener = listener.map(std::net::TcpListener::from).and_then(|l| {
        if l.local_addr()?.ip().is_loopback() {
            l.set_nonblocking(true)?;
            Ok(l)
        } else {
            Err(std::io::Error::other("not the endpoint's loopback socket"))
        }
    });
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    runtime.block_on(async move {
        let mut child = signal(SignalKind::child())?;
        let _ignored = [
            signal(SignalKind::terminate())?,
            signal(SignalKind::hangup())?,
            signal(SignalKind::interrupt())?,
            signal(SignalKind::quit())?,
        ];
        let server = match listener.and_then(tokio::net::TcpListener::from_std) {
            Ok(listener) => Some(tokio::spawn(endpoint::accept(listener, |_| async {
                endpoint::reply(
                    StatusCode::SERVICE_UNAVAILABLE,
                    serde_json::json!({ "Message": ENDED }),
                )
            }))),
            Err(e) => {
                crate::diag!("exec-child: cannot answer the port: {e}");
                None
            }
        };
        // A second look every second too: a SIGCHLD merged with one already taken, or sent
        // before the handler existed, is not waited for.
        let mut tick = tokio::time::interval(std::time::Duration::from_secs(1));
        while reap(None, &mut None) {
            tokio::select! {
                _ = child.recv() => {}
                _ = tick.tick() => {}
            }
        }
        if let Some(server) = server {
            server.abort();
        }
        Ok(())
    })
}

/// Reaps every child that has ended (CMD's exit status, as a shell reports it, into `status`);
/// whether any child is left.
fn reap(cmd: Option<Pid>, status: &mut Option<u8>) -> bool {
    loop {
        match rustix::process::wait(WaitOptions::NOHANG) {
            Ok(Some((pid, st))) => {
                if Some(pid) == cmd {
                    *status = Some(match (st.exit_status(), st.terminating_signal()) {
                        (Some(code), _) => code as u8,
                        (None, Some(sig)) => 128u8.saturating_add(sig as u8),
                        _ => 1,
                    });
                }
            }
            Ok(None) => return true,
            Err(rustix::io::Errno::INTR) => {}
            Err(_) => return false,
        }
    }
}
