//! The TUI's state and the one function that changes it: [`App::update`], a short dispatcher.
//!
//! `update` takes a [`Msg`] (a key, a tick, a job's output, a request from another program)
//! and returns the [`Effect`]s the event loop must carry out (start or stop a job, answer a
//! request, quit). It does no I/O and reads no clock: time arrives with `Msg::Tick`. Keys go
//! to the dialog on top, else to the table; dialogs hand their wishes back as events
//! ([`super::component`]), which the app applies here.

use super::component::{Cx, Dialog, Event, Flow, Shared};
use super::jobs::{Job, JobId, Output};
use super::keep_fresh::{KeepFresh, KeptFresh};
use super::key_age::KeyAges;
use super::load::{LoadJob, Loaded, Reloaded};
use super::requests::{CodeRequest, Requests};
use super::screens::table::Table;
use super::settings_job::{SaveSettings, SettingsSaved};
use crate::context::Context;
use crate::serve::requests::Answer;
use crate::settings::ProfileChange;
use chrono::{DateTime, FixedOffset, Utc};
use crossterm::event::{KeyCode, KeyEvent, KeyEventKind, KeyModifiers};
use std::collections::HashMap;
use std::sync::Arc;

/// Something that happened.
#[derive(Debug)]
pub enum Msg {
    /// A key press.
    Key(KeyEvent),
    /// Pasted text (bracketed paste).
    Paste(String),
    /// The wall clock reached a new second (or a spinner frame is due).
    Tick(DateTime<Utc>),
    /// The terminal was resized.
    Resize(u16, u16),
    /// The files changed on disk.
    FilesChanged,
    /// A job reported (on the way, or at its end).
    Job {
        /// Which job.
        id: JobId,
        /// What it reported.
        output: Output,
    },
    /// Another program asks for a renewal (through the request socket).
    CodeRequest(CodeRequest),
    /// The program behind a request has gone.
    RequestGone(u64),
}

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
    Settings,
    KeyAge,
    KeepFresh,
}

/// The whole TUI state.
#[derive(Debug)]
pub struct App {
    pub(in crate::tui) ctx: Arc<Context>,
    pub(in crate::tui) data: Loaded,
    pub(in crate::tui) local: FixedOffset,
    pub(in crate::tui) now: DateTime<Utc>,
    pub(in crate::tui) size: (u16, u16),
    pub(in crate::tui) table: Table,
    pub(in crate::tui) dialog: Option<Box<dyn Dialog>>,
    pub(in crate::tui) toast: Option<Toast>,
    pub(in crate::tui) requests: Requests,
    pub(in crate::tui) fresh: KeepFresh,
    pub(in crate::tui) key_ages: KeyAges,
    next_job: JobId,
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
            Msg::Paste(text) => match &mut self.dialog {
                Some(dialog) => dialog.paste(&text),
                None => self.table.paste(&text, &self.data),
            },
            Msg::Job { id, output } => self.on_output(id, output, &mut events),
            Msg::CodeRequest(request) => self.requests.arrive(request),
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
        let shared = Shared {
            ctx: &self.ctx,
            data: &self.data,
            now: self.now,
            local: self.local,
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

    /// Ctrl-C quits; other keys go to the dialog on top, else to the table.
    fn on_key(&mut self, key: KeyEvent, events: &mut Vec<Event>) {
        if key.modifiers.contains(KeyModifiers::CONTROL) && key.code == KeyCode::Char('c') {
            events.push(Event::Quit);
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
        };
        let mut cx = Cx::new(shared, events, &mut self.next_job);
        match f(dialog.as_mut(), &mut cx) {
            Flow::Stay => self.dialog = Some(dialog),
            Flow::Close => {}
            Flow::Replace(next) => self.dialog = Some(next),
        }
    }

    /// A job's output: to the feature that started it, else to the dialog on top (which
    /// knows its own jobs; a closed dialog's late answer is dropped).
    fn on_output(&mut self, id: JobId, output: Output, events: &mut Vec<Event>) {
        match self.features.get(&id).cloned() {
            Some(Feature::Load) => {
                self.features.remove(&id);
                match output.take::<Reloaded>() {
                    Ok(Reloaded(Ok(data))) => {
                        let keep = self.table.selected(&self.data).map(|p| p.name.to_string());
                        self.data = data;
                        self.table.refresh(&self.data, keep.as_deref());
                    }
                    Ok(Reloaded(Err(e))) => self.toast(format!("Could not reload: {e}"), true),
                    Err(_) => {}
                }
            }
            Some(Feature::Settings) => {
                self.features.remove(&id);
                if let Ok(SettingsSaved(result)) = output.take::<SettingsSaved>() {
                    match result {
                        Ok(settings) => {
                            let mut ctx = (*self.ctx).clone();
                            ctx.settings = settings;
                            self.ctx = Arc::new(ctx);
                            self.toast("Saved to the settings file.".into(), false);
                            events.push(Event::Reload);
                        }
                        Err(e) => self.toast(format!("Could not save the settings: {e}"), true),
                    }
                }
            }
            Some(Feature::KeyAge) => {
                self.features.remove(&id);
                if let Ok(found) = output.take() {
                    self.key_ages.found(found);
                }
            }
            Some(Feature::KeepFresh) => {
                self.features.remove(&id);
                if let Ok(kept) = output.take::<KeptFresh>() {
                    let (text, warning, reload) = self.fresh.finished(kept);
                    self.toast(text, warning);
                    if reload {
                        events.push(Event::Reload);
                    }
                }
            }
            None => self.with_dialog(events, |dialog, cx| dialog.output(id, output, cx)),
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
            let opened = super::screens::renew::open(&self.shared(), &next.profile);
            match opened {
                Ok(mut dialog) => {
                    dialog.asked_by(Some(next.asker()));
                    self.dialog = Some(dialog);
                    self.requests.activate(next);
                    return;
                }
                Err(why) => {
                    self.toast(
                        format!("A request to renew {} was refused: {why}", next.profile),
                        true,
                    );
                    effects.push(Effect::Answer {
                        id: next.id,
                        answer: declined(&why),
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
