//! The full-screen interface: terminal setup and restore, the event loop, and the background
//! jobs (STS calls, writes) whose results come back as messages.

pub mod app;
pub mod event;
pub mod keep_fresh;
pub mod key_age;
pub mod load;
pub mod requests;
pub mod screens;
pub mod theme;
pub mod view;

use crate::aws::AwsApi;
use crate::awsfiles::{commit, AwsPaths, OnChange, WriteError};
use crate::renew::{execute, MfaCode};
use crate::serve::requests::{self as socket, Answer};
use crate::settings::{Colour, Settings};
use app::{App, CodeSource, Command, Msg, WriteFailure};
use chrono::{Local, Utc};
use crossterm::event::{DisableBracketedPaste, EnableBracketedPaste};
use crossterm::terminal::{self, EnterAlternateScreen, LeaveAlternateScreen};
use crossterm::ExecutableCommand;
use load::Stamp;
use ratatui::backend::CrosstermBackend;
use ratatui::Terminal;
use std::collections::HashMap;
use std::io::{self, Stdout};
use std::sync::Arc;
use std::sync::Mutex;
use std::time::Duration;
use theme::Theme;
use tokio::sync::mpsc::{self, UnboundedSender};
use tokio::sync::oneshot;

/// Puts the terminal back: raw mode off, main screen, paste mode off, cursor shown.
fn restore_terminal() {
    let mut out = io::stdout();
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
    let terminal = Terminal::new(CrosstermBackend::new(out))?;
    Ok((guard, terminal))
}

/// Runs the TUI on the files named by `paths`, calling AWS through `api`.
pub fn run(
    paths: AwsPaths,
    settings: Settings,
    warning: Option<String>,
    api: Arc<dyn AwsApi>,
) -> Result<(), String> {
    let data = load::load(&paths, &settings)?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(|e| e.to_string())?;
    runtime
        .block_on(event_loop(paths, settings, warning, data, api))
        .map_err(|e| format!("terminal error: {e}"))
}

async fn event_loop(
    paths: AwsPaths,
    settings: Settings,
    warning: Option<String>,
    data: load::Loaded,
    api: Arc<dyn AwsApi>,
) -> io::Result<()> {
    let (_guard, mut terminal) = setup_terminal()?;
    let size = terminal.size()?;
    let now = Utc::now();
    let mut stamp = data.stamp.clone();
    let theme = Theme {
        colour: Theme::from_env().colour && settings.colour == Colour::Auto,
    };
    let mut app = App::new(
        data,
        settings,
        *Local::now().offset(),
        now,
        (size.width, size.height),
    );
    if let Some(text) = warning {
        app.toast = Some(app::Toast {
            text,
            until: now + chrono::Duration::seconds(15),
            warning: true,
        });
    }
    let (tx, mut rx) = mpsc::unbounded_channel();
    let input = event::spawn_input(tx.clone());
    let ticks = event::spawn_ticks(tx.clone());
    let answers: Answers = Arc::default();
    let mut jobs: HashMap<u64, tokio::task::JoinHandle<()>> = HashMap::new();
    let listening = spawn_requests(tx.clone(), answers.clone()).await;
    terminal.draw(|f| view::render(&app, theme, f))?;
    loop {
        let msg = if app.busy() {
            match tokio::time::timeout(Duration::from_millis(100), rx.recv()).await {
                Ok(msg) => msg,
                Err(_) => Some(Msg::Tick(Utc::now())),
            }
        } else {
            rx.recv().await
        };
        let Some(msg) = msg else { break };
        if let Msg::Tick(_) = msg {
            let current = Stamp::of(&paths);
            if current != stamp {
                stamp = current;
                reload(&paths, &app.settings, &tx);
            }
        }
        for command in app.update(msg) {
            match command {
                Command::Quit => {}
                Command::AnswerRequest { id, answer } => {
                    let waiting = answers.lock().ok().and_then(|mut a| a.remove(&id));
                    if let Some(waiting) = waiting {
                        let _ = waiting.send(answer);
                    }
                }
                Command::Reload => {
                    stamp = Stamp::of(&paths);
                    reload(&paths, &app.settings, &tx);
                }
                Command::Renew { job, renewal, code } => {
                    let (api, tx) = (api.clone(), tx.clone());
                    tokio::spawn(async move {
                        let code = resolve_code(code).await;
                        let result = match code {
                            Ok(code) => execute::run(api.as_ref(), &renewal, code.as_ref())
                                .await
                                .map_err(|e| e.to_string()),
                            Err(e) => Err(e),
                        };
                        let _ = tx.send(Msg::Renewed { job, result });
                    });
                }
                Command::SaveProfile { profile, change } => {
                    let tx = tx.clone();
                    tokio::task::spawn_blocking(move || {
                        let path = crate::settings::default_path();
                        let result = crate::settings::save_profile(&path, &profile, &change)
                            .and_then(|()| {
                                let (settings, warning) = crate::settings::load(&path);
                                warning.map_or(Ok(settings), Err)
                            });
                        let _ = tx.send(Msg::SettingsSaved(result));
                    });
                }
                Command::RenewMany {
                    job,
                    bulk,
                    code,
                    files,
                } => {
                    let (api, tx) = (api.clone(), tx.clone());
                    tokio::spawn(async move {
                        let code = resolve_code(code).await;
                        let (outcomes, plan) = match code {
                            Ok(code) => {
                                let progress = |o: &crate::renew::bulk::Outcome| {
                                    let _ = tx.send(Msg::BulkProgress {
                                        job,
                                        outcome: o.clone(),
                                    });
                                };
                                let (outcomes, plan) = crate::renew::bulk::run(
                                    api.as_ref(),
                                    &files,
                                    &bulk,
                                    code.as_ref(),
                                    &progress,
                                )
                                .await;
                                (outcomes, plan.map_err(|e| e.to_string()))
                            }
                            Err(e) => (Vec::new(), Err(e)),
                        };
                        let _ = tx.send(Msg::RenewedMany {
                            job,
                            outcomes,
                            plan,
                        });
                    });
                }
                Command::KeepFresh { renewal, files } => {
                    let (api, tx) = (api.clone(), tx.clone());
                    let options = app.settings.write_options(OnChange::Merge);
                    tokio::spawn(async move {
                        let profile = renewal.profile.clone();
                        let result = keep_fresh(api.as_ref(), &renewal, &files, options).await;
                        let _ = tx.send(Msg::KeptFresh { profile, result });
                    });
                }
                Command::Rotate {
                    job,
                    profile,
                    keep_old,
                    code,
                } => {
                    let (api, tx) = (api.clone(), tx.clone());
                    let (paths, settings) = (paths.clone(), app.settings.clone());
                    std::thread::spawn(move || {
                        let options = crate::keys::rotate::RotateOptions {
                            keep_old,
                            codes: crate::serve::on_demand::CodeSources {
                                given: code,
                                terminal: false,
                            },
                        };
                        let result = crate::keys::rotate::rotate(
                            &paths,
                            &settings,
                            api.as_ref(),
                            &profile,
                            &options,
                            &mut |_| Ok(true),
                            &mut |_| {},
                        )
                        .and_then(|done| {
                            let text = format!(
                                "✓ Rotated the key of {}: {} in place, {} {}.",
                                done.profile,
                                done.new_key,
                                done.old_key,
                                if keep_old { "deactivated" } else { "deleted" }
                            );
                            done.warning.map_or(Ok(text), Err)
                        });
                        let _ = tx.send(Msg::Rotated { job, result });
                    });
                }
                Command::FetchKeyAge {
                    key_id,
                    site,
                    keys,
                    iam,
                } => {
                    let (api, tx) = (api.clone(), tx.clone());
                    let cache = paths.mfatui_cache.clone();
                    tokio::spawn(async move {
                        let result = crate::keys::age::fetch(
                            api.as_ref(),
                            &site,
                            &keys,
                            &iam,
                            &cache,
                            Utc::now(),
                        )
                        .await;
                        let _ = tx.send(Msg::KeyAge { key_id, result });
                    });
                }
                Command::SsoLogin { job, target } => {
                    let tx = tx.clone();
                    let cache = paths.sso_cache.clone();
                    let task = tokio::spawn(async move {
                        let prompt_tx = tx.clone();
                        let mut prompt = move |p: &crate::aws::sso::Prompt| {
                            crate::aws::sso::open_browser(&p.url);
                            let _ = prompt_tx.send(Msg::SsoPrompt {
                                job,
                                prompt: p.clone(),
                            });
                        };
                        let result =
                            crate::aws::sso::login(&target, &mut prompt)
                                .await
                                .and_then(|record| {
                                    record
                                        .write(&cache, target.cache_key())
                                        .map_err(|e| format!("{}: {e}", cache.display()))?;
                                    Ok(format!(
                                        "✓ Signed in to {}: the SSO token is valid until {}.",
                                        target.start_url,
                                        record.expires_at.with_timezone(&Local).format("%H:%M:%S")
                                    ))
                                });
                        let _ = tx.send(Msg::SsoDone { job, result });
                    });
                    jobs.insert(job, task);
                }
                Command::Cancel { job } => {
                    if let Some(task) = jobs.remove(&job) {
                        task.abort();
                    }
                }
                Command::Write { job, plan } => {
                    let tx = tx.clone();
                    let options = app.settings.write_options(OnChange::Refuse);
                    tokio::task::spawn_blocking(move || {
                        let result = commit(&plan, &options).map_err(|e| match e {
                            WriteError::Changed { replanned, .. } => {
                                WriteFailure::Changed(Box::new(crate::awsfiles::Plan {
                                    changes: vec![*replanned],
                                    cli_cache: plan.cli_cache.clone(),
                                }))
                            }
                            other => WriteFailure::Failed(other.to_string()),
                        });
                        let _ = tx.send(Msg::Written { job, result });
                    });
                }
            }
        }
        if app.quit {
            break;
        }
        terminal.draw(|f| view::render(&app, theme, f))?;
    }
    input.abort();
    ticks.abort();
    if let Some(task) = listening {
        task.abort();
    }
    Ok(())
}

/// Where the answers to pending requests go, by request id.
type Answers = Arc<Mutex<HashMap<u64, oneshot::Sender<Answer>>>>;

/// Takes renewal requests from other programs on the request socket, each as
/// `Msg::CodeRequest`; answers what `Command::AnswerRequest` sends; reports callers that hang
/// up. `None` when another open mfatui already takes them (or the socket cannot be set up:
/// then requests are simply not taken, and the log says why).
async fn spawn_requests(
    tx: UnboundedSender<Msg>,
    answers: Answers,
) -> Option<tokio::task::JoinHandle<()>> {
    let path = socket::socket_path();
    let listener = match socket::Listener::bind(&path).await {
        Ok(listener) => listener,
        Err(e) => {
            crate::diag!("not taking renewal requests at {}: {e:?}", path.display());
            return None;
        }
    };
    Some(tokio::spawn(async move {
        let mut next_id = 0u64;
        while let Ok((request, mut pending)) = listener.next().await {
            next_id += 1;
            let id = next_id;
            let (answer_tx, answer_rx) = oneshot::channel();
            if let Ok(mut waiting) = answers.lock() {
                waiting.insert(id, answer_tx);
            }
            let _ = tx.send(Msg::CodeRequest(app::CodeRequest {
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
    }))
}

/// The code for a job: typed, not needed, or from `mfa_process` (run off the async threads).
async fn resolve_code(code: CodeSource) -> Result<Option<MfaCode>, String> {
    match code {
        CodeSource::Typed(c) => Ok(Some(c)),
        CodeSource::NotNeeded => Ok(None),
        CodeSource::Process(cmd) => {
            tokio::task::spawn_blocking(move || MfaCode::from_process(&cmd).map(Some))
                .await
                .unwrap_or_else(|e| Err(e.to_string()))
        }
    }
}

/// Renews a kept-fresh profile (no code) and writes the result like `renew --yes`; the text
/// for the toast, or why not.
async fn keep_fresh(
    api: &dyn AwsApi,
    renewal: &crate::renew::Renewal,
    files: &crate::awsfiles::AwsFiles,
    options: crate::awsfiles::WriteOptions,
) -> Result<String, String> {
    let creds = execute::run(api, renewal, None)
        .await
        .map_err(|e| e.to_string())?;
    let plan = execute::plan_write(files, renewal, &creds).map_err(|e| e.to_string())?;
    let written = tokio::task::spawn_blocking(move || commit(&plan, &options))
        .await
        .map_err(|e| e.to_string())?
        .map_err(|e| e.to_string())?;
    let backup = written
        .iter()
        .find_map(|w| w.backup.as_ref())
        .map(|b| format!(" Backup: {}", b.display()))
        .unwrap_or_default();
    let until = creds
        .expiration
        .map(|t| format!(" until {}", t.with_timezone(&Local).format("%H:%M:%S")))
        .unwrap_or_default();
    Ok(format!("[{}] valid{until}.{backup}", renewal.target))
}

/// Re-reads the files off the UI loop; the result comes back as `Msg::Loaded`.
fn reload(paths: &AwsPaths, settings: &Settings, tx: &UnboundedSender<Msg>) {
    let (paths, settings, tx) = (paths.clone(), settings.clone(), tx.clone());
    tokio::task::spawn_blocking(move || {
        let _ = tx.send(Msg::Loaded(Box::new(load::load(&paths, &settings))));
    });
}
