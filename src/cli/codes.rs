//! Where the commands get an MFA code, in order: `--code`, `--code-stdin`, `AWS_MFA_TOKEN`,
//! the profile's `mfa_process`, a prompt on the terminal, the open mfatui window. The prompt
//! is answerable even when another program owns the terminal (mfatui's `exec --server`
//! serving a shell): like sudo, it takes the terminal's foreground for the prompt and gives it
//! back; with no terminal at all it steps aside for the window.

use super::Run;
use crate::aws::api::BoxFuture;
use crate::renew::code::CodeError;
use crate::renew::code::{
    CodeAnswer, CodeAsk, CodeSource, Codes, EnvToken, Given, MfaCode, MfaProcess,
};
use crate::serve::requests::Window;
use std::io::{BufRead, BufReader, Write};
use std::os::fd::AsFd;

/// Which interactive sources a command allows.
#[derive(Clone, Copy, Debug, Default)]
pub struct Allow {
    /// A prompt on the terminal (`/dev/tty`).
    pub terminal: bool,
    /// The open window (the request socket).
    pub window: bool,
}

/// The command's sources: `given` first, then `AWS_MFA_TOKEN`, `mfa_process`, then what
/// `allow` permits.
pub fn sources(run: &Run, given: Given, allow: Allow) -> Codes {
    sources_in(&run.ctx, given, allow)
}

/// [`sources`] with the run's context only (for a source gathered later, on another thread).
pub fn sources_in(ctx: &crate::context::Context, given: Given, allow: Allow) -> Codes {
    let mut codes = Codes::none()
        .then(given)
        .then(EnvToken::new(ctx.env.get("AWS_MFA_TOKEN")))
        .then(MfaProcess {
            timeout: ctx.timeouts.mfa_process,
            show_stderr: true,
        });
    if allow.terminal {
        codes = codes.then(Terminal);
    }
    if let (true, Some(path)) = (allow.window, &ctx.requests) {
        codes = codes.then(Window {
            path: path.clone(),
            wait: ctx.timeouts.renew_wait,
            // Absolute, from this caller's folder: a relative `AWS_CONFIG_FILE` names another
            // file in the window's (attack round 14, C-2).
            files: [&ctx.paths.config, &ctx.paths.credentials]
                .map(|p| std::path::absolute(p).unwrap_or_else(|_| p.clone())),
        });
    }
    codes
}

/// A code read from standard input (`--code-stdin`), once.
pub fn from_stdin() -> Result<Given, CodeError> {
    let mut line = String::new();
    std::io::stdin()
        .lock()
        .read_line(&mut line)
        .map_err(|e| CodeError::Source(format!("cannot read the code from standard input: {e}")))?;
    MfaCode::parse(&line).map(Given::code)
}

/// The prompt on the terminal: `/dev/tty`, so that it works while standard input and output
/// belong to something else (the AWS CLI captures both); `Pass` when there is no terminal.
pub struct Terminal;

impl CodeSource for Terminal {
    fn code<'a>(&'a mut self, ask: &'a CodeAsk) -> BoxFuture<'a, Result<CodeAnswer, CodeError>> {
        let ask = ask.clone();
        Box::pin(async move {
            tokio::task::spawn_blocking(move || prompt(&ask))
                .await
                .map_err(|e| format!("the prompt stopped: {e}"))?
        })
    }
}

/// Asks on the terminal, three tries for a code that is not six digits.
fn prompt(ask: &CodeAsk) -> Result<CodeAnswer, CodeError> {
    // A terminal that fails says why in the source's one sentence.
    let failed = |e: std::io::Error| CodeError::Source(e.to_string());
    let Ok(tty) = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .open("/dev/tty")
    else {
        return Ok(CodeAnswer::Pass);
    };
    let _foreground = Foreground::take(&tty);
    let mut reader = BufReader::new(tty.try_clone().map_err(failed)?);
    let mut out = tty;
    // The device and the profile come from the files: nothing in them may drive the terminal.
    let shown = |text: &str| crate::text::printable(text, usize::MAX);
    if let Some(refused) = &ask.refused {
        let _ = writeln!(out, "mfatui: {}", shown(refused));
    }
    let mut last = None;
    for _ in 0..3 {
        write!(
            out,
            "MFA code for {} ({}): ",
            shown(ask.serial.as_deref().unwrap_or("your device")),
            shown(&ask.profile)
        )
        .map_err(failed)?;
        let mut line = String::new();
        if reader.read_line(&mut line).map_err(failed)? == 0 {
            break;
        }
        match MfaCode::parse(&line) {
            Ok(code) => return Ok(CodeAnswer::Typed(code)),
            Err(e) => {
                let _ = writeln!(out, "{e}");
                last = Some(e);
            }
        }
    }
    Err(last.unwrap_or_else(|| CodeError::Source("no MFA code was typed".to_owned())))
}

/// The terminal's foreground, taken from the job that has it (as sudo does) and given back
/// when dropped. SIGTTOU/SIGTTIN are blocked on this thread meanwhile, so a background mfatui
/// neither stops nor reads `Input/output error`.
struct Foreground {
    tty: std::fs::File,
    previous: Option<rustix::process::Pid>,
    mask: Option<nix::sys::signal::SigSet>,
}

impl Foreground {
    fn take(tty: &std::fs::File) -> Option<Foreground> {
        use nix::sys::signal::{SigSet, Signal};
        let tty = tty.try_clone().ok()?;
        let mine = rustix::process::getpgrp();
        let current = rustix::termios::tcgetpgrp(tty.as_fd()).ok()?;
        if current == mine {
            return None;
        }
        let mut mask = SigSet::empty();
        mask.add(Signal::SIGTTOU);
        mask.add(Signal::SIGTTIN);
        mask.thread_block().ok()?;
        let mut held = Foreground {
            tty,
            previous: None,
            mask: Some(mask),
        };
        if rustix::termios::tcsetpgrp(held.tty.as_fd(), mine).is_ok() {
            held.previous = Some(current);
        }
        Some(held)
    }
}

impl Drop for Foreground {
    fn drop(&mut self) {
        if let Some(previous) = self.previous {
            let _ = rustix::termios::tcsetpgrp(self.tty.as_fd(), previous);
        }
        if let Some(mask) = self.mask.take() {
            let _ = mask.thread_unblock();
        }
    }
}
