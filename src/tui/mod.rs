//! The full-screen interface: terminal setup and restore, and the event loop that feeds
//! [`app::App::update`] with keys, ticks, job outputs and requests, and carries out what it
//! returns: jobs ([`jobs`]), answers to requests, quitting.

pub mod app;
pub mod component;
pub mod detail;
pub mod event;
pub mod job_error;
pub mod jobs;
pub mod keep_fresh;
pub mod key_age;
pub mod line_edit;
pub mod load;
pub mod msg;
pub mod output;
pub mod requests;
pub mod safe_text;
pub mod screens;
pub mod settings_job;
pub mod theme;
pub mod view;

use crate::aws::AwsApi;
use crate::context::Context;
use crate::renew::service::KeyringAccess;
use crate::serve::requests::{self as socket, Answer};
use crate::settings::Colour;
use app::{App, Effect};
use chrono::{Local, Utc};
use crossterm::event::{
    DisableBracketedPaste, DisableMouseCapture, EnableBracketedPaste, EnableMouseCapture,
};
use crossterm::terminal::{self, EnterAlternateScreen, LeaveAlternateScreen};
use crossterm::ExecutableCommand;
use jobs::{JobEnv, JobId};
use msg::Msg;
use ratatui::backend::CrosstermBackend;
use ratatui::Terminal;
use std::collections::HashMap;
use std::io::{self, Stdout};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use theme::Theme;
use tokio::sync::mpsc::{self, UnboundedSender};
use tokio::sync::oneshot;

/// Puts the terminal back: raw mode off, main screen, paste mode off, cursor shown.
fn restore_terminal() {
    let mut out = io::stdout();
    let _ = out.execute(DisableMouseCapture);
    // Back to the title the terminal had (xterm's title stack; ignored where unknown).
    {
        use std::io::Write;
        let _ = out.write_all(b"\x1b[23;0t");
        let _ = out.flush();
    }
    let _ = out.execute(DisableBracketedPaste);
    let _ = out.execute(LeaveAlternateScreen);
    let _ = out.execute(crossterm::cursor::Show);
    let _ = terminal::disable_raw_mode();
}

/// Restores the terminal when dropped, on every way out (errors and panics included).
struct TerminalGuard;

impl Drop for TerminalGuard {
    fn drop(&mut self) {
        restore_terminal();
    }
}

fn setup_terminal() -> io::Result<(TerminalGuard, Terminal<CrosstermBackend<Stdout>>)> {
    let previous = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        restore_terminal();
        previous(info);
    }));
    terminal::enable_raw_mode()?;
    let guard = TerminalGuard;
    let mut out = io::stdout();
    out.execute(EnterAlternateScreen)?;
    out.execute(EnableBracketedPaste)?;
    out.execute(EnableMouseCapture)?;
    {
        use std::io::Write;
        // Keep the terminal's title, to put it back on the way out.
        out.write_all(b"\x1b[22;0t")?;
        out.flush()?;
    }
    let terminal = Terminal::new(CrosstermBackend::new(out))?;
    Ok((guard, terminal))
}

/// Runs the TUI over `ctx`, calling AWS through `api`; `warning` (a settings problem) shows
/// as the first toast. The interface owns the run's runtime.
pub fn run(
    ctx: Context,
    api: Arc<dyn AwsApi>,
    keyring: Arc<dyn KeyringAccess>,
    warning: Option<String>,
) -> Result<std::process::ExitCode, TuiError> {
    needs_a_terminal()?;
    let data = load::load(&ctx)?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(TuiError::Runtime)?;
    let ended = run_to_end(
        runtime,
        event_loop(Arc::new(ctx), api, keyring, warning, data),
    )
    .map_err(TuiError::Terminal)?;
    Ok(match ended {
        Ended::Quit => std::process::ExitCode::SUCCESS,
        // What a shell reports for a process these signals ended (128 + the signal's number),
        // so a script or a supervisor still sees that the window was stopped, not quit.
        Ended::Signal(number) => std::process::ExitCode::from(128 + number),
    })
}

/// Runs `work` on `runtime`, then lets the runtime go without waiting for its tasks. The
/// loop has already given a dialog's work its minute; a task that never yields (crossterm's
/// reader spins on a terminal closed under it) would otherwise keep the process alive after
/// the window is gone, deaf to SIGTERM, whose handler the runtime installed.
fn run_to_end<F: std::future::Future>(runtime: tokio::runtime::Runtime, work: F) -> F::Output {
    let out = runtime.block_on(work);
    runtime.shutdown_background();
    out
}

/// Why the interface could not start, or stopped on a failure.
#[derive(Debug, thiserror::Error)]
pub enum TuiError {
    /// Standard output is not a terminal.
    #[error(
        "the interface needs a terminal, and standard output is not a terminal: {WITHOUT_ONE}"
    )]
    NotATerminal,
    /// No controlling terminal to read keys from.
    #[error("the interface needs a terminal, and there is no terminal to read keys from ({0}): {WITHOUT_ONE}")]
    NoTty(io::Error),
    /// The files could not be read.
    #[error(transparent)]
    Load(#[from] crate::awsfiles::LoadError),
    /// The runtime could not start.
    #[error("{0}")]
    Runtime(io::Error),
    /// The terminal failed while the interface ran.
    #[error("terminal error: {0}")]
    Terminal(io::Error),
}

/// What [`TuiError`] says to do without a terminal.
const WITHOUT_ONE: &str = "without one, use the commands (`mfatui list`, `status`, `renew`, `export`, `exec`, `credential-process`; see `mfatui --help`)";

/// How the event loop ended.
enum Ended {
    /// The person quit (`q`, Ctrl-C).
    Quit,
    /// SIGTERM (15) or SIGHUP (1) stopped it: the terminal is restored as for `q`.
    Signal(u8),
}

/// SIGTERM and SIGHUP as one stream of signal numbers (`kill PID`, the terminal window
/// closed): the interface restores the terminal and ends, as for `q`. A signal that cannot
/// be watched keeps its default.
struct Stops {
    term: Option<tokio::signal::unix::Signal>,
    hup: Option<tokio::signal::unix::Signal>,
}

impl Stops {
    fn new() -> Stops {
        use tokio::signal::unix::{signal, SignalKind};
        Stops {
            term: signal(SignalKind::terminate()).ok(),
            hup: signal(SignalKind::hangup()).ok(),
        }
    }

    /// The next stopping signal's number.
    async fn next(&mut self) -> u8 {
        async fn one(s: &mut Option<tokio::signal::unix::Signal>) {
            match s {
                Some(s) => {
                    s.recv().await;
                }
                None => std::future::pending().await,
            }
        }
        tokio::select! {
            _ = one(&mut self.term) => 15,
            _ = one(&mut self.hup) => 1,
        }
    }
}

/// One sentence, before anything is drawn, when there is no terminal to draw on (no
/// controlling terminal, or standard output redirected): the commands that need none.
fn needs_a_terminal() -> Result<(), TuiError> {
    use std::io::IsTerminal;
    if !io::stdout().is_terminal() {
        return Err(TuiError::NotATerminal);
    }
    std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .open("/dev/tty")
        .map(drop)
        .map_err(TuiError::NoTty)
}

async fn event_loop(
    ctx: Arc<Context>,
    api: Arc<dyn AwsApi>,
    keyring: Arc<dyn KeyringAccess>,
    warning: Option<String>,
    data: load::Loaded,
) -> io::Result<Ended> {
    let mut stops = Stops::new();
    let (_guard, mut terminal) = setup_terminal()?;
    let size = terminal.size()?;
    let now = Utc::now();
    let mut stamp = data.stamp.clone();
    let theme = Theme {
        colour: Theme::from_env(&ctx.env).colour && ctx.settings.colour == Colour::Auto,
    };
    let requests_path = ctx.requests.clone();
    let files = [&ctx.paths.config, &ctx.paths.credentials]
        .map(|p| std::path::absolute(p).unwrap_or_else(|_| p.clone()));
    let mut app = App::new(
        ctx,
        data,
        *Local::now().offset(),
        now,
        (size.width, size.height),
    );
    if let Some(text) = warning {
        app.toast(text, true);
    }
    let (tx, mut rx) = mpsc::unbounded_channel();
    let input = event::spawn_input(tx.clone());
    let ticks = event::spawn_ticks(tx.clone());
    let answers: Answers = Arc::default();
    let mut running: HashMap<JobId, tokio::task::JoinHandle<()>> = HashMap::new();
    let listening = match requests_path {
        Some(path) => match spawn_requests(&path, files, tx.clone(), answers.clone()).await {
            Ok(task) => task,
            Err(why) => {
                app.toast(
                    format!("Renewal requests from other programs are off: {why}"),
                    true,
                );
                None
            }
        },
        None => None,
    };
    terminal.draw(|f| view::render(&app, theme, f))?;
    let mut ended = Ended::Quit;
    // A signal while a dialog's work runs (a rotation, a write) stops it as Esc does and ends
    // once it is done, as the CLI does: dropping a rotation mid-call left two active keys
    // (attack round 14, R14b-6). A job that does not end in a minute is left.
    let mut stopping: Option<std::time::Instant> = None;
    loop {
        if stopping.is_some_and(|at| !app.busy() || at.elapsed() > Duration::from_secs(60)) {
            break;
        }
        let busy = app.busy();
        let next = async {
            if busy {
                match tokio::time::timeout(Duration::from_millis(100), rx.recv()).await {
                    Ok(msg) => msg,
                    Err(_) => Some(Msg::Tick(Utc::now())),
                }
            } else {
                rx.recv().await
            }
        };
        let msg = tokio::select! {
            biased;
            number = stops.next() => {
                ended = Ended::Signal(number);
                if !app.busy() {
                    break;
                }
                // More signals (a closed window sends several) change nothing: the stop under
                // way ends the loop (attack round 14, D-6).
                if stopping.is_some() {
                    continue;
                }
                stopping = Some(std::time::Instant::now());
                Some(Msg::Key(crossterm::event::KeyEvent::new(
                    crossterm::event::KeyCode::Esc,
                    crossterm::event::KeyModifiers::NONE,
                )))
            }
            msg = next => msg,
        };
        let Some(msg) = msg else {
            if stopping.is_some() {
                tokio::time::sleep(Duration::from_millis(100)).await;
                continue;
            }
            break;
        };
        if let Msg::Tick(_) = msg {
            let current = crate::awsfiles::Stamp::of(&app.ctx.paths);
            if current != stamp {
                stamp = current;
                let _ = tx.send(Msg::FilesChanged);
            }
        }
        running.retain(|_, task| !task.is_finished());
        for effect in app.update(msg) {
            match effect {
                Effect::Quit => {}
                Effect::Copy(text) => copy(&text),
                Effect::Bell => {
                    use std::io::Write;
                    let mut out = io::stdout();
                    let _ = out.write_all(b"\x07");
                    let _ = out.flush();
                }
                Effect::Title(title) => {
                    let _ = io::stdout().execute(terminal::SetTitle(title));
                }
                Effect::Answer { id, answer } => {
                    let waiting = answers.lock().ok().and_then(|mut a| a.remove(&id));
                    if let Some(waiting) = waiting {
                        let _ = waiting.send(answer);
                    }
                }
                Effect::Spawn(id, job) => {
                    let env = JobEnv::new(
                        app.ctx.clone(),
                        api.clone(),
                        keyring.clone(),
                        id,
                        tx.clone(),
                    );
                    running.insert(id, jobs::spawn(job, env));
                }
                Effect::Cancel(id) => {
                    if let Some(task) = running.remove(&id) {
                        task.abort();
                    }
                }
            }
        }
        if app.quitting() {
            break;
        }
        // A terminal gone (the window closed) does not end a stop under way (D-6), and while
        // a dialog's work runs it starts one, as the SIGHUP that comes with it does: the
        // draw can fail before that signal is read.
        if let Err(e) = terminal.draw(|f| view::render(&app, theme, f)) {
            if stopping.is_none() {
                if !app.busy() {
                    return Err(e);
                }
                ended = Ended::Signal(1);
                stopping = Some(std::time::Instant::now());
                let _ = tx.send(Msg::Key(crossterm::event::KeyEvent::new(
                    crossterm::event::KeyCode::Esc,
                    crossterm::event::KeyModifiers::NONE,
                )));
            }
        }
    }
    input.abort();
    ticks.abort();
    if let Some(task) = listening {
        task.abort();
    }
    Ok(ended)
}

/// Sets the clipboard through the terminal: OSC 52, which terminals, tmux
/// (`set-clipboard on`) and SSH sessions pass on to the clipboard of the machine in front.
fn copy(text: &str) {
    use base64::Engine;
    use std::io::Write;
    let encoded = base64::engine::general_purpose::STANDARD.encode(text);
    let mut out = io::stdout();
    let _ = write!(out, "\x1b]52;c;{encoded}\x07");
    let _ = out.flush();
}

/// Where the answers to pending requests go, by request id.
type Answers = Arc<Mutex<HashMap<u64, oneshot::Sender<Answer>>>>;

/// Takes renewal requests from other programs on the request socket, each as
/// `Msg::CodeRequest`; answers what `Effect::Answer` sends; reports callers that hang up.
/// `Ok(None)` when another open mfatui already takes them; the reason when the socket cannot
/// be set up (the interface says so: callers would otherwise wait for a window that never
/// answers).
async fn spawn_requests(
    path: &std::path::Path,
    files: [std::path::PathBuf; 2],
    tx: UnboundedSender<Msg>,
    answers: Answers,
) -> Result<Option<tokio::task::JoinHandle<()>>, socket::ListenError> {
    let mut listener = match socket::Listener::bind(path).await {
        Ok(listener) => listener,
        Err(socket::ListenError::Taken) => {
            crate::diag!("not taking renewal requests: another open mfatui answers them");
            return Ok(None);
        }
        Err(why) => {
            crate::diag!("not taking renewal requests at {}: {why}", path.display());
            return Err(why);
        }
    };
    Ok(Some(tokio::spawn(async move {
        let mut next_id = 0u64;
        while let Some((request, mut pending)) = listener.next().await {
            // A caller reading other AWS files is not this window's to answer.
            if let Some(why) = request.other_files(&files) {
                pending
                    .answer(&Answer {
                        ok: false,
                        message: Some(why),
                    })
                    .await;
                continue;
            }
            next_id += 1;
            let id = next_id;
            let (answer_tx, answer_rx) = oneshot::channel();
            if let Ok(mut waiting) = answers.lock() {
                waiting.insert(id, answer_tx);
            }
            let _ = tx.send(Msg::CodeRequest(requests::CodeRequest {
                id,
                profile: request.profile,
                pid: request.pid,
                program: request.program,
            }));
            let (tx, answers) = (tx.clone(), answers.clone());
            tokio::spawn(async move {
                tokio::select! {
                    answer = answer_rx => {
                        if let Ok(answer) = answer {
                            pending.answer(&answer).await;
                        }
                    }
                    _ = pending.gone() => {
                        if let Ok(mut waiting) = answers.lock() {
                            waiting.remove(&id);
                        }
                        let _ = tx.send(Msg::RequestGone(id));
                    }
                }
            });
        }
    })))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicBool, Ordering};

    /// A task stuck on a worker (as crossterm's reader is on a closed terminal) does not keep
    /// the interface from ending: dropping the runtime waited for it forever.
    #[test]
    fn a_task_that_never_yields_does_not_keep_the_interface_from_ending() {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .build()
            .unwrap();
        let release = Arc::new(AtomicBool::new(false));
        let stuck = release.clone();
        let (ended, outcome) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let out = run_to_end(runtime, async move {
                let (started, running) = tokio::sync::oneshot::channel();
                tokio::spawn(async move {
                    let _ = started.send(());
                    while !stuck.load(Ordering::Relaxed) {
                        std::thread::sleep(Duration::from_millis(10));
                    }
                });
                running.await.unwrap();
                7
            });
            let _ = ended.send(out);
        });
        let result = outcome.recv_timeout(Duration::from_secs(5));
        release.store(true, Ordering::Relaxed);
        assert_eq!(
            result,
            Ok(7),
            "the interface ended although a task never yields"
        );
    }
}
