//! The TUI's state and the one function that changes it: [`App::update`].
//!
//! `update` takes a [`Msg`] (a key, a tick, a job's result) and returns the [`Command`]s the
//! event loop must carry out (start a renewal, write a plan, reload, quit). It does no I/O and
//! reads no clock: time arrives with `Msg::Tick`, so every flow is unit-testable.

use super::form::{Field, RenewForm};
use super::load::Loaded;
use crate::aws::Credentials;
use crate::awsfiles::{Expiry, Plan, Profile, Written};
use crate::renew::bulk::{self, BulkPlan, Outcome};
use crate::renew::execute::plan_write;
use crate::renew::plan::{modes_for, plan, target_name};
use crate::renew::{MfaCode, RenewOptions, Renewal};
use crate::settings::Settings;
use chrono::{DateTime, FixedOffset, Utc};
use crossterm::event::{KeyCode, KeyEvent, KeyEventKind, KeyModifiers};
use std::collections::{BTreeSet, HashMap};

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
    /// A renewal job finished.
    Renewed {
        /// The job's id.
        job: u64,
        /// New credentials, or the one-sentence error.
        result: Result<Credentials, String>,
    },
    /// A write job finished.
    Written {
        /// The job's id.
        job: u64,
        /// What was written, or why not.
        result: Result<Vec<Written>, WriteFailure>,
    },
    /// The files were (re)read.
    Loaded(Box<Result<Loaded, String>>),
    /// The settings file was saved and read back (or why not).
    SettingsSaved(Result<Settings, String>),
    /// One profile of a bulk renewal finished.
    BulkProgress {
        /// The job's id.
        job: u64,
        /// Its outcome.
        outcome: Outcome,
    },
    /// A bulk renewal finished.
    RenewedMany {
        /// The job's id.
        job: u64,
        /// Every profile's outcome.
        outcomes: Vec<Outcome>,
        /// The one change holding all successes.
        plan: Result<Plan, String>,
    },
}

/// Why a write from the TUI did not happen.
#[derive(Debug)]
pub enum WriteFailure {
    /// The file changed on disk: here is the change re-planned on top of it.
    Changed(Box<Plan>),
    /// Anything else, as one sentence.
    Failed(String),
}

/// Where the MFA code for a renewal comes from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CodeSource {
    /// Typed in the dialog.
    Typed(MfaCode),
    /// The profile's `mfa_process` command.
    Process(String),
    /// No code is needed (an MFA session is reused).
    NotNeeded,
}

/// Work for the event loop.
#[derive(Debug)]
pub enum Command {
    /// Run a renewal in the background.
    Renew {
        /// Id to match the answer (a cancelled job's answer is dropped).
        job: u64,
        /// What to do.
        renewal: Box<Renewal>,
        /// The code.
        code: CodeSource,
    },
    /// Renew several profiles with one code in the background.
    RenewMany {
        /// Id to match the answers.
        job: u64,
        /// What to do.
        bulk: Box<BulkPlan>,
        /// The code.
        code: CodeSource,
        /// The files the change is planned on.
        files: Box<crate::awsfiles::AwsFiles>,
    },
    /// Write a confirmed plan in the background.
    Write {
        /// Id to match the answer.
        job: u64,
        /// The plan.
        plan: Box<Plan>,
    },
    /// Re-read the files.
    Reload,
    /// Save a profile's default mode and duration to the settings file.
    SaveDefaults {
        /// The profile.
        profile: String,
        /// Its default mode.
        mode: crate::renew::Mode,
        /// Its default duration in seconds.
        duration: u32,
    },
    /// Leave.
    Quit,
}

/// Row order.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Sort {
    /// Alphabetical.
    Name,
    /// Soonest expiry first; profiles without one last.
    Expiry,
}

/// What covers the table, if anything.
#[derive(Clone, Debug)]
pub enum Overlay {
    /// Nothing.
    None,
    /// The key list.
    Help,
    /// The renew dialog.
    Renew(RenewForm),
    /// A profile's defaults (mode, duration), saved to the settings file.
    Defaults(RenewForm),
    /// Renewing the marked profiles with one code.
    Bulk(Box<BulkForm>),
    /// A bulk renewal is running: each profile with its outcome once known.
    BulkRunning {
        /// Its id.
        job: u64,
        /// When it started.
        started: DateTime<Utc>,
        /// Each profile and its outcome so far.
        lines: Vec<(String, Option<Result<String, String>>)>,
    },
    /// A renewal is running.
    Running {
        /// Its id.
        job: u64,
        /// The profile.
        profile: String,
        /// When it started.
        started: DateTime<Utc>,
        /// What it does.
        renewal: Box<Renewal>,
    },
    /// The diff to confirm.
    Preview(Box<Preview>),
    /// A failure.
    Error {
        /// Short title.
        title: String,
        /// The sentence.
        message: String,
    },
}

/// The bulk dialog: what will be renewed, and the one code.
#[derive(Clone, Debug)]
pub struct BulkForm {
    /// The plan.
    pub plan: BulkPlan,
    /// The code typed so far.
    pub code: String,
    /// Why the last submit was refused.
    pub error: Option<String>,
}

/// A planned write waiting for `y`.
#[derive(Clone, Debug)]
pub struct Preview {
    /// The profile renewed.
    pub profile: String,
    /// The target written.
    pub target: String,
    /// When the new credentials expire.
    pub expires: Option<DateTime<Utc>>,
    /// The plan.
    pub plan: Plan,
    /// Its masked diff, line by line.
    pub diff: Vec<String>,
    /// First diff line shown.
    pub scroll: usize,
    /// A write is under way (job id).
    pub writing: Option<u64>,
    /// Shown above the diff (e.g. the file changed on disk meanwhile).
    pub note: Option<String>,
    /// For a bulk renewal: one line per profile (`✓ name → [target]`, `✗ name: why`).
    pub outcomes: Vec<String>,
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

/// The whole TUI state.
#[derive(Debug)]
pub struct App {
    /// Loaded files and profiles.
    pub data: Loaded,
    /// The user's settings.
    pub settings: Settings,
    /// The local time zone, for the detail pane and toasts.
    pub local: FixedOffset,
    /// The clock as of the last tick.
    pub now: DateTime<Utc>,
    /// Indices into `data.profiles`, filtered and sorted.
    pub rows: Vec<usize>,
    /// Selected position in `rows`.
    pub selected: usize,
    /// Row order.
    pub sort: Sort,
    /// Filter text.
    pub filter: String,
    /// Typing into the filter.
    pub filtering: bool,
    /// What covers the table.
    pub overlay: Overlay,
    /// A passing message.
    pub toast: Option<Toast>,
    /// Terminal size.
    pub size: (u16, u16),
    /// The profile selected by AWS_PROFILE.
    pub aws_profile: Option<String>,
    /// For each profile, the profile its renewals write to, when that holds credentials.
    pub sessions: HashMap<String, String>,
    /// Profile name → index in `data.profiles`.
    index: HashMap<String, usize>,
    /// What a renewal of the selected profile would do (or why it cannot).
    pub selected_plan: Option<Result<Renewal, String>>,
    next_job: u64,
    /// Profiles marked for a bulk renewal.
    pub marked: BTreeSet<String>,
    /// Set when the app should exit.
    pub quit: bool,
}

impl App {
    /// A new App over `data`, selecting `AWS_PROFILE` when it names a profile.
    pub fn new(
        data: Loaded,
        settings: Settings,
        local: FixedOffset,
        now: DateTime<Utc>,
        size: (u16, u16),
    ) -> App {
        let aws_profile = data.files.paths.selected_profile.clone();
        let mut app = App {
            data,
            settings,
            local,
            now,
            rows: Vec::new(),
            selected: 0,
            sort: Sort::Name,
            filter: String::new(),
            filtering: false,
            overlay: Overlay::None,
            toast: None,
            size,
            aws_profile: aws_profile.clone(),
            sessions: HashMap::new(),
            index: HashMap::new(),
            selected_plan: None,
            next_job: 1,
            marked: BTreeSet::new(),
            quit: false,
        };
        app.refresh(aws_profile.as_deref());
        app
    }

    /// The selected profile.
    pub fn selected_profile(&self) -> Option<&Profile> {
        self.rows
            .get(self.selected)
            .map(|&i| &self.data.profiles[i])
    }

    /// Whether something is running (the loop then draws spinner frames).
    pub fn busy(&self) -> bool {
        matches!(
            &self.overlay,
            Overlay::Running { .. } | Overlay::BulkRunning { .. }
        ) || matches!(&self.overlay, Overlay::Preview(p) if p.writing.is_some())
    }

    /// The expiry to show for a profile: its own, or that of the session its renewals write.
    pub fn shown_expiry(&self, p: &Profile) -> (Expiry, bool) {
        if p.expiry != Expiry::None {
            return (p.expiry.clone(), false);
        }
        let session = self
            .sessions
            .get(p.name.as_str())
            .and_then(|s| self.index.get(s))
            .map(|&i| self.data.profiles[i].expiry.clone());
        match session {
            Some(e) if e != Expiry::None => (e, true),
            _ => (Expiry::None, false),
        }
    }

    /// Handles one message; returns what the loop must do.
    pub fn update(&mut self, msg: Msg) -> Vec<Command> {
        match msg {
            Msg::Tick(now) => {
                self.now = now;
                if self.toast.as_ref().is_some_and(|t| t.until <= now) {
                    self.toast = None;
                }
                Vec::new()
            }
            Msg::Resize(w, h) => {
                self.size = (w, h);
                Vec::new()
            }
            Msg::Key(key) if key.kind != KeyEventKind::Release => self.on_key(key),
            Msg::Key(_) => Vec::new(),
            Msg::Paste(text) => {
                if let Overlay::Renew(form) = &mut self.overlay {
                    form.type_text(&text);
                } else if self.filtering {
                    self.filter.push_str(text.trim());
                    self.refresh(None);
                }
                Vec::new()
            }
            Msg::Renewed { job, result } => self.on_renewed(job, result),
            Msg::BulkProgress { job, outcome } => {
                if let Overlay::BulkRunning {
                    job: running,
                    lines,
                    ..
                } = &mut self.overlay
                {
                    if let Some(line) = lines
                        .iter_mut()
                        .find(|(p, _)| *running == job && *p == outcome.profile)
                    {
                        line.1 = Some(outcome.result);
                    }
                }
                Vec::new()
            }
            Msg::RenewedMany {
                job,
                outcomes,
                plan,
            } => self.on_renewed_many(job, outcomes, plan),
            Msg::SettingsSaved(result) => {
                match result {
                    Ok(settings) => {
                        self.settings = settings;
                        self.toast("Saved to the settings file.".into(), false);
                        let keep = self.selected_profile().map(|p| p.name.clone());
                        self.refresh(keep.as_deref());
                    }
                    Err(e) => self.toast(format!("Could not save the settings: {e}"), true),
                }
                Vec::new()
            }
            Msg::Written { job, result } => self.on_written(job, result),
            Msg::Loaded(result) => {
                match *result {
                    Ok(data) => {
                        let keep = self.selected_profile().map(|p| p.name.clone());
                        self.data = data;
                        self.refresh(keep.as_deref());
                    }
                    Err(e) => self.toast(format!("Could not reload: {e}"), true),
                }
                Vec::new()
            }
        }
    }

    fn toast(&mut self, text: String, warning: bool) {
        self.toast = Some(Toast {
            text,
            until: self.now + chrono::Duration::seconds(8),
            warning,
        });
    }

    fn job(&mut self) -> u64 {
        self.next_job += 1;
        self.next_job
    }

    fn on_key(&mut self, key: KeyEvent) -> Vec<Command> {
        if key.modifiers.contains(KeyModifiers::CONTROL) && key.code == KeyCode::Char('c') {
            self.quit = true;
            return vec![Command::Quit];
        }
        match std::mem::replace(&mut self.overlay, Overlay::None) {
            Overlay::None => self.on_table_key(key),
            Overlay::Help => Vec::new(),
            Overlay::Error { title, message } => {
                if !matches!(key.code, KeyCode::Enter | KeyCode::Esc | KeyCode::Char('q')) {
                    self.overlay = Overlay::Error { title, message };
                }
                Vec::new()
            }
            Overlay::Renew(form) => self.on_form_key(form, key),
            Overlay::Defaults(form) => self.on_defaults_key(form, key),
            Overlay::Bulk(form) => self.on_bulk_key(*form, key),
            Overlay::BulkRunning {
                job,
                started,
                lines,
            } => {
                if key.code == KeyCode::Esc {
                    self.toast("Bulk renewal cancelled; nothing written.".into(), false);
                } else {
                    self.overlay = Overlay::BulkRunning {
                        job,
                        started,
                        lines,
                    };
                }
                Vec::new()
            }
            Overlay::Running {
                job,
                profile,
                started,
                renewal,
            } => {
                if key.code == KeyCode::Esc {
                    self.toast(
                        format!("Renewal of {profile} cancelled; nothing written."),
                        false,
                    );
                } else {
                    self.overlay = Overlay::Running {
                        job,
                        profile,
                        started,
                        renewal,
                    };
                }
                Vec::new()
            }
            Overlay::Preview(preview) => self.on_preview_key(*preview, key),
        }
    }

    fn on_table_key(&mut self, key: KeyEvent) -> Vec<Command> {
        if self.filtering {
            match key.code {
                KeyCode::Esc => {
                    self.filtering = false;
                    self.filter.clear();
                }
                KeyCode::Enter | KeyCode::Down | KeyCode::Up => self.filtering = false,
                KeyCode::Backspace => {
                    self.filter.pop();
                }
                KeyCode::Char(c) => self.filter.push(c),
                _ => {}
            }
            let keep = self.selected_profile().map(|p| p.name.clone());
            self.refresh(keep.as_deref());
            return Vec::new();
        }
        let page = usize::from(self.size.1.saturating_sub(10)).max(1);
        match key.code {
            KeyCode::Char('q') => {
                self.quit = true;
                return vec![Command::Quit];
            }
            KeyCode::Char('j') | KeyCode::Down => self.select(self.selected.saturating_add(1)),
            KeyCode::Char('k') | KeyCode::Up => self.select(self.selected.saturating_sub(1)),
            KeyCode::PageDown => self.select(self.selected.saturating_add(page)),
            KeyCode::PageUp => self.select(self.selected.saturating_sub(page)),
            KeyCode::Home | KeyCode::Char('g') => self.select(0),
            KeyCode::End | KeyCode::Char('G') => self.select(usize::MAX),
            KeyCode::Char('/') => self.filtering = true,
            KeyCode::Char(' ') => {
                if let Some(name) = self.selected_profile().map(|p| p.name.to_string()) {
                    if !self.marked.remove(&name) {
                        self.marked.insert(name);
                    }
                }
                self.select(self.selected.saturating_add(1));
            }
            KeyCode::Char('a') => {
                let expiring = bulk::expiring_roles(&self.data.profiles, &self.settings, self.now);
                if expiring.is_empty() {
                    self.toast("No role profile is expired or expiring soon.".into(), false);
                }
                self.marked.extend(expiring);
            }
            KeyCode::Esc if self.filter.is_empty() => self.marked.clear(),
            KeyCode::Esc if !self.filter.is_empty() => {
                self.filter.clear();
                let keep = self.selected_profile().map(|p| p.name.clone());
                self.refresh(keep.as_deref());
            }
            KeyCode::Char('o') => {
                self.sort = if self.sort == Sort::Name {
                    Sort::Expiry
                } else {
                    Sort::Name
                };
                let keep = self.selected_profile().map(|p| p.name.clone());
                self.refresh(keep.as_deref());
            }
            KeyCode::Char('?') => self.overlay = Overlay::Help,
            KeyCode::Char('R') => return vec![Command::Reload],
            KeyCode::Enter | KeyCode::Char('r') if !self.marked.is_empty() => {
                let names: Vec<String> = self.marked.iter().cloned().collect();
                let plan = bulk::plan_bulk(
                    &self.data.map,
                    &self.data.profiles,
                    &names,
                    &self.settings,
                    self.now,
                );
                self.overlay = Overlay::Bulk(Box::new(BulkForm {
                    plan,
                    code: String::new(),
                    error: None,
                }));
            }
            KeyCode::Enter | KeyCode::Char('r') => self.open_form(),
            KeyCode::Char('s') => {
                self.open_form();
                if let Overlay::Renew(mut form) =
                    std::mem::replace(&mut self.overlay, Overlay::None)
                {
                    form.field = Field::Mode;
                    self.overlay = Overlay::Defaults(form);
                }
            }
            _ => {}
        }
        Vec::new()
    }

    fn open_form(&mut self) {
        let Some(profile) = self.selected_profile().cloned() else {
            return;
        };
        let modes = modes_for(&profile);
        if modes.is_empty() {
            let hint = match profile.kind {
                crate::awsfiles::ProfileKind::Sso => " (sign in with `aws sso login`)",
                _ => "",
            };
            self.overlay = Overlay::Error {
                title: "Cannot renew".into(),
                message: format!(
                    "'{}' is a {} profile; mfatui renews profiles with keys or a role{hint}.",
                    profile.name,
                    profile.kind.label()
                ),
            };
            return;
        }
        let (duration, chained) = match &self.selected_plan {
            Some(Ok(r)) => (Some(r.duration_secs), r.hops.len() > 1),
            _ => (None, false),
        };
        self.overlay = Overlay::Renew(RenewForm::new(&profile.name, modes, duration, chained));
    }

    /// The renewal the form describes, planned against the loaded files.
    pub fn form_plan(&self, form: &RenewForm) -> Result<Renewal, String> {
        let mut opts = RenewOptions::for_profile(&self.settings, &form.profile, self.now);
        opts.mode = Some(form.current_mode());
        opts.duration = Some(form.duration()?);
        plan(&self.data.map, &self.data.profiles, &form.profile, &opts)
    }

    fn on_form_key(&mut self, mut form: RenewForm, key: KeyEvent) -> Vec<Command> {
        match key.code {
            KeyCode::Esc => return Vec::new(),
            KeyCode::Tab => form.focus(true),
            KeyCode::BackTab => form.focus(false),
            KeyCode::Left => form.cycle(false),
            KeyCode::Right => form.cycle(true),
            KeyCode::Up if form.field != Field::Mode => form.focus(false),
            KeyCode::Down if form.field != Field::Code => form.focus(true),
            KeyCode::Backspace => form.backspace(),
            KeyCode::Char('t') if key.modifiers.contains(KeyModifiers::CONTROL) => {
                form.masked = !form.masked
            }
            KeyCode::Char(c) => form.type_text(&c.to_string()),
            KeyCode::Enter => return self.submit(form),
            _ => {}
        }
        self.overlay = Overlay::Renew(form);
        Vec::new()
    }

    fn on_bulk_key(&mut self, mut form: BulkForm, key: KeyEvent) -> Vec<Command> {
        match key.code {
            KeyCode::Esc => return Vec::new(),
            KeyCode::Backspace => {
                form.code.pop();
            }
            KeyCode::Char(c) if c.is_ascii_digit() && form.code.len() < 6 => form.code.push(c),
            KeyCode::Enter => return self.submit_bulk(form),
            _ => {}
        }
        self.overlay = Overlay::Bulk(Box::new(form));
        Vec::new()
    }

    fn submit_bulk(&mut self, mut form: BulkForm) -> Vec<Command> {
        let plan = &form.plan;
        if plan.session.is_none() && plan.renewals.is_empty() {
            form.error = Some("Nothing can be renewed: see the reasons above.".into());
            self.overlay = Overlay::Bulk(Box::new(form));
            return Vec::new();
        }
        let code = match (&plan.session, plan.needs_code()) {
            (_, false) => CodeSource::NotNeeded,
            (Some(session), true) => match self.mfa_process(session) {
                Some(cmd) => CodeSource::Process(cmd),
                None => match MfaCode::parse(&form.code) {
                    Ok(code) => CodeSource::Typed(code),
                    Err(e) => {
                        form.error = Some(e);
                        self.overlay = Overlay::Bulk(Box::new(form));
                        return Vec::new();
                    }
                },
            },
            (None, true) => {
                form.error =
                    Some("These profiles need different MFA codes: renew them one by one.".into());
                self.overlay = Overlay::Bulk(Box::new(form));
                return Vec::new();
            }
        };
        let job = self.job();
        let lines = plan
            .session
            .iter()
            .chain(&plan.renewals)
            .map(|r| r.profile.clone())
            .chain(plan.skipped.iter().map(|(p, _)| p.clone()))
            .map(|p| (p, None))
            .collect();
        self.overlay = Overlay::BulkRunning {
            job,
            started: self.now,
            lines,
        };
        vec![Command::RenewMany {
            job,
            bulk: Box::new(form.plan),
            code,
            files: Box::new(self.data.files.clone()),
        }]
    }

    fn on_renewed_many(
        &mut self,
        job: u64,
        outcomes: Vec<Outcome>,
        plan: Result<Plan, String>,
    ) -> Vec<Command> {
        let Overlay::BulkRunning { job: running, .. } = &self.overlay else {
            return Vec::new();
        };
        if *running != job {
            return Vec::new();
        }
        let lines: Vec<String> = outcomes
            .iter()
            .map(|o| match &o.result {
                Ok(target) => format!("✓ {} → [{target}]", o.profile),
                Err(why) => format!("✗ {}: {why}", o.profile),
            })
            .collect();
        match plan {
            Ok(plan) if !plan.changes.is_empty() => {
                self.marked.clear();
                let ok = outcomes.iter().filter(|o| o.result.is_ok()).count();
                self.overlay = Overlay::Preview(Box::new(Preview {
                    profile: format!("{ok} profiles"),
                    target: format!("{ok} targets"),
                    expires: None,
                    diff: plan.diff().lines().map(str::to_owned).collect(),
                    plan,
                    scroll: 0,
                    writing: None,
                    note: None,
                    outcomes: lines,
                }));
            }
            Ok(_) => {
                self.overlay = Overlay::Error {
                    title: "Nothing renewed".into(),
                    message: lines.join(" "),
                }
            }
            Err(e) => {
                self.overlay = Overlay::Error {
                    title: "Cannot write".into(),
                    message: e,
                }
            }
        }
        Vec::new()
    }

    fn on_defaults_key(&mut self, mut form: RenewForm, key: KeyEvent) -> Vec<Command> {
        match key.code {
            KeyCode::Esc => return Vec::new(),
            KeyCode::Tab | KeyCode::Down | KeyCode::Up | KeyCode::BackTab => {
                form.field = if form.field == Field::Mode {
                    Field::Duration
                } else {
                    Field::Mode
                };
            }
            KeyCode::Left => form.cycle(false),
            KeyCode::Right => form.cycle(true),
            KeyCode::Backspace => form.backspace(),
            KeyCode::Char(c) if form.field == Field::Duration => form.type_text(&c.to_string()),
            KeyCode::Enter => match form.duration() {
                Ok(duration) => {
                    return vec![Command::SaveDefaults {
                        profile: form.profile.clone(),
                        mode: form.current_mode(),
                        duration,
                    }];
                }
                Err(e) => form.error = Some(e),
            },
            _ => {}
        }
        self.overlay = Overlay::Defaults(form);
        Vec::new()
    }

    fn submit(&mut self, mut form: RenewForm) -> Vec<Command> {
        let renewal = match self.form_plan(&form) {
            Ok(r) => r,
            Err(e) => {
                form.error = Some(e);
                self.overlay = Overlay::Renew(form);
                return Vec::new();
            }
        };
        let code = if !renewal.needs_code() {
            CodeSource::NotNeeded
        } else if let Some(cmd) = self.mfa_process(&renewal) {
            CodeSource::Process(cmd)
        } else {
            match MfaCode::parse(&form.code) {
                Ok(code) => CodeSource::Typed(code),
                Err(e) => {
                    form.error = Some(e);
                    form.field = Field::Code;
                    self.overlay = Overlay::Renew(form);
                    return Vec::new();
                }
            }
        };
        let job = self.job();
        let renewal = Box::new(renewal);
        self.overlay = Overlay::Running {
            job,
            profile: form.profile.clone(),
            started: self.now,
            renewal: renewal.clone(),
        };
        vec![Command::Renew { job, renewal, code }]
    }

    /// The `mfa_process` command of the renewed profile or its source, if any.
    pub fn mfa_process(&self, renewal: &Renewal) -> Option<String> {
        [&renewal.profile, &renewal.source.profile]
            .iter()
            .find_map(|p| {
                self.data
                    .map
                    .profile(p)?
                    .get("mfa_process")
                    .map(str::to_owned)
            })
    }

    fn on_renewed(&mut self, job: u64, result: Result<Credentials, String>) -> Vec<Command> {
        let Overlay::Running {
            job: running,
            profile,
            renewal,
            ..
        } = &self.overlay
        else {
            return Vec::new();
        };
        if *running != job {
            return Vec::new();
        }
        let (profile, renewal) = (profile.clone(), renewal.clone());
        let creds = match result {
            Ok(c) => c,
            Err(message) => {
                self.overlay = Overlay::Error {
                    title: format!("Renewing {profile} failed"),
                    message: format!("{message} Nothing was written."),
                };
                return Vec::new();
            }
        };
        match plan_write(&self.data.files, &renewal, &creds) {
            Ok(plan) => {
                self.overlay = Overlay::Preview(Box::new(Preview {
                    profile,
                    target: renewal.target.clone(),
                    expires: creds.expiration,
                    diff: plan.diff().lines().map(str::to_owned).collect(),
                    plan,
                    scroll: 0,
                    writing: None,
                    note: None,
                    outcomes: Vec::new(),
                }))
            }
            Err(e) => {
                self.overlay = Overlay::Error {
                    title: "Cannot write".into(),
                    message: e.to_string(),
                }
            }
        }
        Vec::new()
    }

    fn on_preview_key(&mut self, mut preview: Preview, key: KeyEvent) -> Vec<Command> {
        if preview.writing.is_some() {
            self.overlay = Overlay::Preview(Box::new(preview));
            return Vec::new();
        }
        let last = preview.diff.len().saturating_sub(1);
        match key.code {
            KeyCode::Char('y') | KeyCode::Char('Y') => {
                let job = self.job();
                preview.writing = Some(job);
                let plan = Box::new(preview.plan.clone());
                self.overlay = Overlay::Preview(Box::new(preview));
                return vec![Command::Write { job, plan }];
            }
            KeyCode::Char('n') | KeyCode::Char('N') | KeyCode::Esc | KeyCode::Char('q') => {
                self.toast(
                    format!(
                        "Discarded the new credentials of {}; nothing written.",
                        preview.profile
                    ),
                    false,
                );
                return Vec::new();
            }
            KeyCode::Char('j') | KeyCode::Down => preview.scroll = (preview.scroll + 1).min(last),
            KeyCode::Char('k') | KeyCode::Up => preview.scroll = preview.scroll.saturating_sub(1),
            KeyCode::PageDown | KeyCode::Char(' ') => {
                preview.scroll = (preview.scroll + 10).min(last)
            }
            KeyCode::PageUp => preview.scroll = preview.scroll.saturating_sub(10),
            _ => {}
        }
        self.overlay = Overlay::Preview(Box::new(preview));
        Vec::new()
    }

    fn on_written(&mut self, job: u64, result: Result<Vec<Written>, WriteFailure>) -> Vec<Command> {
        let Overlay::Preview(preview) = &mut self.overlay else {
            return Vec::new();
        };
        if preview.writing != Some(job) {
            return Vec::new();
        }
        match result {
            Ok(written) => {
                let until = preview
                    .expires
                    .map(|t| {
                        format!(
                            " until {} ({})",
                            t.with_timezone(&self.local).format("%H:%M:%S"),
                            crate::awsfiles::expiry::relative(t, self.now)
                        )
                    })
                    .unwrap_or_default();
                let backup = written
                    .iter()
                    .find_map(|w| w.backup.as_ref())
                    .map(|b| format!(" Backup: {}", b.display()))
                    .unwrap_or_default();
                let text = format!(
                    "✓ {} renewed: {} valid{until}.{backup}",
                    preview.profile, preview.target
                );
                self.overlay = Overlay::None;
                self.toast(text, false);
                vec![Command::Reload]
            }
            Err(WriteFailure::Changed(plan)) => {
                preview.diff = plan.diff().lines().map(str::to_owned).collect();
                preview.plan = *plan;
                preview.writing = None;
                preview.scroll = 0;
                preview.note = Some(
                    "The file changed on disk meanwhile; this is the change on top of it.".into(),
                );
                vec![Command::Reload]
            }
            Err(WriteFailure::Failed(message)) => {
                self.overlay = Overlay::Error {
                    title: "Write failed".into(),
                    message,
                };
                Vec::new()
            }
        }
    }

    fn select(&mut self, index: usize) {
        self.selected = index.min(self.rows.len().saturating_sub(1));
        self.plan_selected();
    }

    fn plan_selected(&mut self) {
        let name = self.selected_profile().map(|p| p.name.clone());
        self.selected_plan = name.map(|n| {
            let opts = RenewOptions::for_profile(&self.settings, &n, self.now);
            plan(&self.data.map, &self.data.profiles, &n, &opts)
        });
    }

    /// Recomputes rows (filter, sort) and session links, keeping `keep` selected if visible.
    fn refresh(&mut self, keep: Option<&str>) {
        let needle = self.filter.to_lowercase();
        let profiles = &self.data.profiles;
        self.index = profiles
            .iter()
            .enumerate()
            .map(|(i, p)| (p.name.to_string(), i))
            .collect();
        self.sessions = profiles
            .iter()
            .filter(|p| p.long_term_profile.is_none())
            .filter_map(|p| {
                let target = target_name(&self.settings.target_pattern, &p.name);
                self.index
                    .contains_key(&target)
                    .then(|| (p.name.to_string(), target))
            })
            .collect();
        let mut rows: Vec<usize> = (0..profiles.len())
            .filter(|&i| {
                let p = &profiles[i];
                needle.is_empty()
                    || p.name.to_lowercase().contains(&needle)
                    || p.kind.label().contains(&needle)
                    || p.account.as_deref().is_some_and(|a| a.contains(&needle))
                    || p.principal
                        .as_deref()
                        .is_some_and(|a| a.to_lowercase().contains(&needle))
                    || p.region.as_deref().is_some_and(|a| a.contains(&needle))
            })
            .collect();
        match self.sort {
            Sort::Name => rows.sort_by(|&a, &b| profiles[a].name.cmp(&profiles[b].name)),
            Sort::Expiry => {
                let key = |i: usize| {
                    self.shown_expiry(&profiles[i])
                        .0
                        .at()
                        .map_or(i64::MAX, |t| t.timestamp())
                };
                rows.sort_by_key(|&i| (key(i), profiles[i].name.clone()));
            }
        }
        self.rows = rows;
        let position = keep.and_then(|k| self.rows.iter().position(|&i| profiles[i].name == k));
        self.select(position.unwrap_or(if keep.is_some() { 0 } else { self.selected }));
    }
}

#[cfg(test)]
mod tests;
