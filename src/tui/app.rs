//! The TUI's state and the one function that changes it: [`App::update`], a short dispatcher.
//!
//! `update` takes a [`Msg`] (a key, a tick, a job's output, a request from another program)
//! and returns the [`Effect`]s the event loop must carry out (start or stop a job, answer a
//! request, quit). It does no I/O and reads no clock: time arrives with `Msg::Tick`. Keys go
//! to the dialog on top, else to the table; dialogs hand their wishes back as events
//! ([`super::component`]), which the app applies here.

use super::component::{Cx, Dialog, Event, Flow, Shared, MIN_SIZE};
use super::jobs::{Job, JobId, LoadJob};
use super::keep_fresh::KeepFresh;
use super::key_age::KeyAges;
use super::load::Loaded;
use super::msg::Msg;
use super::output::Output;
use super::requests::Requests;
use super::screens::renew;
use super::screens::table::Table;
use super::settings_job::SaveSettings;
use crate::context::Context;
use crate::serve::requests::Answer;
use crate::settings::ProfileChange;
use chrono::{DateTime, FixedOffset, Utc};
use crossterm::event::{KeyCode, KeyEvent, KeyEventKind, KeyModifiers};
use std::collections::HashMap;
use std::sync::Arc;

/// Work for the event loop.
#[derive(Debug)]
pub enum Effect {
    /// Start a job.
    Spawn(JobId, Box<dyn Job>),
    /// Stop a job.
    Cancel(JobId),
    /// Answer a program's request.
    Answer {
        /// The request.
        id: u64,
        /// The answer.
        answer: Answer,
    },
    /// Ring the terminal's bell (another program asks for a code).
    Bell,
    /// Set the terminal's title.
    Title(String),
    /// Put this text on the clipboard, through the terminal (OSC 52, which tmux and SSH pass).
    Copy(String),
    /// Leave.
    Quit,
}

/// A short message in the footer that goes away by itself.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Toast {
    /// The text.
    pub text: String,
    /// Until when it shows.
    pub until: DateTime<Utc>,
    /// Whether it reports a problem.
    pub warning: bool,
}

/// Which of the app's own features started a job.
#[derive(Clone, Debug)]
enum Feature {
    Load,
    /// A reload the person asked for (`R`): its end is confirmed.
    LoadAndSay,
    Settings,
    KeyAge,
    KeepFresh,
}

/// The whole TUI state.
#[derive(Debug)]
pub struct App {
    pub(super) ctx: Arc<Context>,
    pub(super) data: Loaded,
    pub(super) local: FixedOffset,
    pub(super) now: DateTime<Utc>,
    pub(super) size: (u16, u16),
    pub(super) table: Table,
    pub(super) dialog: Option<Box<dyn Dialog>>,
    pub(super) toast: Option<Toast>,
    pub(super) requests: Requests,
    pub(super) fresh: KeepFresh,
    pub(super) key_ages: KeyAges,
    next_job: JobId,
    title: Option<String>,
    features: HashMap<JobId, Feature>,
    quit: bool,
}

impl App {
    /// A new App over `data`, selecting `AWS_PROFILE` when it names a profile.
    pub fn new(
        ctx: Arc<Context>,
        data: Loaded,
        local: FixedOffset,
        now: DateTime<Utc>,
        size: (u16, u16),
    ) -> App {
        let table = Table::new(&data, ctx.paths.selected_profile.clone());
        App {
            ctx,
            data,
            local,
            now,
            size,
            table,
            dialog: None,
            toast: None,
            requests: Requests::default(),
            fresh: KeepFresh::default(),
            key_ages: KeyAges::default(),
            next_job: 0,
            title: Some("mfatui".to_owned()),
            features: HashMap::new(),
            quit: false,
        }
    }

    /// What the dialogs and screens may read.
    pub fn shared(&self) -> Shared<'_> {
        Shared {
            ctx: &self.ctx,
            data: &self.data,
            now: self.now,
            local: self.local,
            size: self.size,
        }
    }

    /// The terminal size.
    pub fn size(&self) -> (u16, u16) {
        self.size
    }

    /// The dialog on top, if any.
    pub fn dialog(&self) -> Option<&dyn Dialog> {
        self.dialog.as_deref()
    }

    /// Whether the app should end.
    pub fn quitting(&self) -> bool {
        self.quit
    }

    /// Shows a passing message in the footer.
    pub fn toast(&mut self, text: String, warning: bool) {
        self.toast = Some(Toast {
            text,
            until: self.now + chrono::Duration::seconds(8),
            warning,
        });
    }

    /// Whether something runs (the loop then draws spinner frames).
    pub fn busy(&self) -> bool {
        self.dialog.as_ref().is_some_and(|d| d.busy())
    }

    /// Handles one message; returns what the loop must do.
    pub fn update(&mut self, msg: Msg) -> Vec<Effect> {
        let mut events = Vec::new();
        let mut bell = false;
        match msg {
            Msg::Tick(now) => {
                self.now = now;
                if self.toast.as_ref().is_some_and(|t| t.until <= now) {
                    self.toast = None;
                }
                let shared = Shared {
                    ctx: &self.ctx,
                    data: &self.data,
                    now: self.now,
                    local: self.local,
                    size: self.size,
                };
                let due = self.fresh.due(&shared);
                for job in due {
                    self.start(job, Feature::KeepFresh, &mut events);
                }
            }
            Msg::Resize(w, h) => self.size = (w, h),
            Msg::FilesChanged => events.push(Event::Reload),
            Msg::Key(key) if key.kind != KeyEventKind::Release => self.on_key(key, &mut events),
            Msg::Key(_) => {}
            Msg::Mouse(..) if self.too_small() || self.dialog.is_some() => {}
            Msg::Mouse(mouse, at) => {
                let shared = Shared {
                    ctx: &self.ctx,
                    data: &self.data,
                    now: self.now,
                    local: self.local,
                    size: self.size,
                };
                let mut cx = Cx::new(shared, &mut events, &mut self.next_job);
                if let Some(dialog) = self.table.mouse(mouse, at, &mut cx, self.size) {
                    self.dialog = Some(dialog);
                }
            }
            Msg::Paste(_) if self.too_small() => {}
            Msg::Paste(text) => match &mut self.dialog {
                Some(dialog) => dialog.paste(&text),
                None => self.table.paste(&text, &self.data),
            },
            Msg::Job { id, output } => self.on_output(id, output, &mut events),
            Msg::CodeRequest(request) => {
                self.requests.arrive(request);
                bell = true;
            }
            Msg::RequestGone(id) => {
                if let Some(text) = self.requests.gone(id) {
                    self.toast(text, false);
                    if let Some(dialog) = &mut self.dialog {
                        dialog.asked_by(None);
                    }
                }
            }
        }
        let mut effects = self.apply(events);
        self.serve_requests(&mut effects);
        self.table.follow(self.size);
        if bell {
            effects.push(Effect::Bell);
        }
        // The title says when a program waits for a code, so that another window shows it.
        let title = match self
            .requests
            .active
            .as_ref()
            .or(self.requests.queue.front())
        {
            Some(request) => format!(
                "mfatui: a code for {} is wanted ({})",
                crate::text::printable(&request.profile, 64),
                crate::text::printable(&request.program, 64)
            ),
            None => "mfatui".to_owned(),
        };
        if self.title.as_deref() != Some(title.as_str()) {
            self.title = Some(title.clone());
            effects.push(Effect::Title(title));
        }
        let shared = Shared {
            ctx: &self.ctx,
            data: &self.data,
            now: self.now,
            local: self.local,
            size: self.size,
        };
        if let Some(job) = self
            .key_ages
            .wanted(&shared, self.table.selected(&self.data))
        {
            let mut events = Vec::new();
            self.start(Box::new(job), Feature::KeyAge, &mut events);
            effects.extend(self.apply(events));
        }
        effects
    }

    /// Starts one of the app's own jobs.
    fn start(&mut self, job: Box<dyn Job>, feature: Feature, events: &mut Vec<Event>) {
        self.next_job += 1;
        self.features.insert(self.next_job, feature);
        events.push(Event::Spawn(self.next_job, job));
    }

    /// Whether the terminal is below the smallest size the layout is made for: then only
    /// "Terminal too small" shows, and no key but quitting may act on what cannot be seen.
    pub fn too_small(&self) -> bool {
        self.size.0 < MIN_SIZE.0 || self.size.1 < MIN_SIZE.1
    }

    /// Ctrl-C quits; other keys go to the dialog on top, else to the table. Below the
    /// smallest size `q` quits (even through a dialog) and every other key is ignored.
    fn on_key(&mut self, key: KeyEvent, events: &mut Vec<Event>) {
        if key.modifiers.contains(KeyModifiers::CONTROL) && key.code == KeyCode::Char('c') {
            events.push(Event::Quit);
            return;
        }
        if self.too_small() {
            let plain = !key
                .modifiers
                .intersects(KeyModifiers::CONTROL | KeyModifiers::ALT);
            if plain && matches!(key.code, KeyCode::Char('q') | KeyCode::Char('Q')) {
                events.push(Event::Quit);
            }
            return;
        }
        if self.dialog.is_some() {
            self.with_dialog(events, |dialog, cx| dialog.key(key, cx));
            return;
        }
        let shared = Shared {
            ctx: &self.ctx,
            data: &self.data,
            now: self.now,
            local: self.local,
            size: self.size,
        };
        let mut cx = Cx::new(shared, events, &mut self.next_job);
        if let Some(dialog) = self.table.key(key, &mut cx, self.size) {
            self.dialog = Some(dialog);
        }
    }

    /// Runs `f` on the dialog on top, then keeps, closes or replaces it as `f` says.
    fn with_dialog(
        &mut self,
        events: &mut Vec<Event>,
        f: impl FnOnce(&mut dyn Dialog, &mut Cx) -> Flow,
    ) {
        let Some(mut dialog) = self.dialog.take() else {
            return;
        };
        let shared = Shared {
            ctx: &self.ctx,
            data: &self.data,
            now: self.now,
            local: self.local,
            size: self.size,
        };
        let mut cx = Cx::new(shared, events, &mut self.next_job);
        match f(dialog.as_mut(), &mut cx) {
            Flow::Stay => self.dialog = Some(dialog),
            Flow::Close => {}
            Flow::Replace(next) => self.dialog = Some(next),
        }
    }

    /// A job's output, matched exhaustively: the app's own features take theirs (from the job
    /// that feature started), the dialog on top takes the rest (it knows its own jobs; a closed
    /// dialog's late answer is dropped). A new kind of output does not compile until it is
    /// routed here.
    fn on_output(&mut self, id: JobId, output: Output, events: &mut Vec<Event>) {
        let feature = self.features.remove(&id);
        match (feature, output) {
            (Some(feature @ (Feature::Load | Feature::LoadAndSay)), Output::Reloaded(Ok(data))) => {
                let keep = self.table.selected(&self.data).map(|p| p.name.to_string());
                self.data = data;
                self.table.refresh(&self.data, keep.as_deref());
                if matches!(feature, Feature::LoadAndSay) {
                    let n = crate::renew::bulk::profiles_count(self.data.profiles().len());
                    self.toast(format!("Reloaded: {n}."), false);
                }
            }
            (Some(Feature::Load | Feature::LoadAndSay), Output::Reloaded(Err(e))) => {
                self.toast(format!("Could not reload: {e}"), true)
            }
            (Some(Feature::Settings), Output::SettingsSaved(Ok(settings))) => {
                let mut ctx = (*self.ctx).clone();
                ctx.settings = settings;
                self.ctx = Arc::new(ctx);
                self.toast("Saved to the settings file.".into(), false);
                events.push(Event::Reload);
            }
            (Some(Feature::Settings), Output::SettingsSaved(Err(e))) => {
                self.toast(format!("Could not save the settings: {e}"), true)
            }
            (Some(Feature::KeyAge), Output::KeyAge(found)) => self.key_ages.found(found),
            (Some(Feature::KeepFresh), Output::KeptFresh(kept)) => {
                let (text, warning, reload) = self.fresh.finished(kept);
                self.toast(text, warning);
                if reload {
                    events.push(Event::Reload);
                }
            }
            (Some(feature), output) => {
                crate::diag!("{feature:?} job {id} reported {}: ignored", output.kind());
            }
            (
                None,
                output @ (Output::Step(_)
                | Output::Renewed(_)
                | Output::WriteDone(_)
                | Output::BulkProgress(_)
                | Output::BulkDone(_)
                | Output::KeyStored(_)
                | Output::Rotated(_)
                | Output::LoginRefreshed(_)
                | Output::ConsoleSignedIn(_)
                | Output::SsoPrompt(_)
                | Output::SsoSignedIn(_)
                | Output::Populated(_)),
            ) => self.with_dialog(events, |dialog, cx| dialog.output(id, output, cx)),
            (
                None,
                output @ (Output::Reloaded(_)
                | Output::SettingsSaved(_)
                | Output::KeyAge(_)
                | Output::KeptFresh(_)),
            ) => crate::diag!("job {id} reported {} to no feature: ignored", output.kind()),
        }
    }

    /// Applies the events dialogs and the table handed back.
    fn apply(&mut self, events: Vec<Event>) -> Vec<Effect> {
        let mut effects = Vec::new();
        let mut more = Vec::new();
        for event in events {
            match event {
                Event::Spawn(id, job) => effects.push(Effect::Spawn(id, job)),
                Event::Cancel(id) => effects.push(Effect::Cancel(id)),
                Event::Toast { text, warning } => self.toast(text, warning),
                Event::Reload => self.start(Box::new(LoadJob), Feature::Load, &mut more),
                Event::ReloadAndSay => {
                    self.start(Box::new(LoadJob), Feature::LoadAndSay, &mut more)
                }
                Event::Written => {
                    for id in self.requests.fulfilled() {
                        effects.push(Effect::Answer {
                            id,
                            answer: Answer {
                                ok: true,
                                message: None,
                            },
                        });
                    }
                }
                Event::Unmark(profiles) => {
                    for profile in &profiles {
                        self.table.marked.remove(profile);
                    }
                }
                Event::DeclineRequests => {
                    for id in self.requests.all() {
                        effects.push(Effect::Answer {
                            id,
                            answer: declined("the renewal was declined in the mfatui window"),
                        });
                    }
                }
                Event::SaveProfile { profile, change } => {
                    if let ProfileChange::KeepFresh(_) = change {
                        self.fresh.warnings.remove(&profile);
                    }
                    let job = SaveSettings {
                        path: self.ctx.settings_path.clone(),
                        profile,
                        change,
                    };
                    self.start(Box::new(job), Feature::Settings, &mut more);
                }
                Event::Copy(text) => {
                    self.toast(format!("Copied: {text}"), false);
                    effects.push(Effect::Copy(text));
                }
                Event::Quit => {
                    self.quit = true;
                    effects.push(Effect::Quit);
                }
            }
        }
        if !more.is_empty() {
            effects.extend(self.apply(more));
        }
        effects
    }

    /// After every message: a request whose dialog closed without a write is declined; the
    /// next one waiting opens when nothing else is on screen.
    fn serve_requests(&mut self, effects: &mut Vec<Effect>) {
        if self.dialog.is_some() {
            return;
        }
        for id in self.requests.closed() {
            effects.push(Effect::Answer {
                id,
                answer: declined("the renewal was cancelled or failed in the mfatui window"),
            });
        }
        while let Some(next) = self.requests.queue.pop_front() {
            self.table.show(&self.data, &next.profile);
            let opened = renew::open(&self.shared(), &next.profile);
            match opened {
                Ok(mut dialog) => {
                    dialog.asked_by(Some(next.asker()));
                    self.dialog = Some(dialog);
                    self.requests.activate(next);
                    return;
                }
                Err(why) => {
                    self.toast(
                        format!(
                            "A request to renew {} was refused: {}",
                            crate::text::printable(&next.profile, 64),
                            crate::text::printable(&why.to_string(), 300)
                        ),
                        true,
                    );
                    effects.push(Effect::Answer {
                        id: next.id,
                        answer: declined(&why.to_string()),
                    });
                }
            }
        }
    }
}

fn declined(why: &str) -> Answer {
    Answer {
        ok: false,
        message: Some(why.to_owned()),
    }
}

#[cfg(test)]
mod tests;
