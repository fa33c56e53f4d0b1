//! The TUI's state and the one function that changes it: [`App::update`].
//!
//! `update` takes a [`Msg`] (a key, a tick, a job's result) and returns the [`Command`]s the
//! event loop must carry out (start a renewal, write a plan, reload, quit). It does no I/O and
//! reads no clock: time arrives with `Msg::Tick`, so every flow is unit-testable.

pub use super::keep_fresh::KeepFreshState;
pub use super::key_age::KeyAge;
use super::load::Loaded;
pub use super::requests::CodeRequest;
use super::screens::bulk::{BulkForm, BulkRunning};
use super::screens::help::Help;
use super::screens::preview::Preview;
use super::screens::renew::RenewForm;
use super::screens::rotate::RotateForm;
use super::screens::running::Running;
use super::screens::sso_login::SsoLogin;
use crate::aws::Credentials;
use crate::awsfiles::{Expiry, Plan, Profile, Written};
use crate::renew::bulk::{BulkPlan, Outcome};
use crate::renew::plan::{plan, target_name};
use crate::renew::{MfaCode, RenewOptions, Renewal};
use crate::serve::requests::Answer;
use crate::settings::{ProfileChange, Settings};
use chrono::{DateTime, FixedOffset, Utc};
use crossterm::event::{KeyCode, KeyEvent, KeyEventKind, KeyModifiers};
use std::collections::{BTreeSet, HashMap, VecDeque};

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
    /// A kept-fresh profile was renewed in the background (the toast's text), or why not.
    KeptFresh {
        /// The profile.
        profile: String,
        /// What was written, or the one-sentence error.
        result: Result<String, String>,
    },
    /// A key rotation finished: the toast's text, or the one-sentence error.
    Rotated {
        /// The job's id.
        job: u64,
        /// What happened.
        result: Result<String, String>,
    },
    /// An access key's age was found, or why not.
    KeyAge {
        /// The key id.
        key_id: String,
        /// Its creation date, or the one-sentence reason it is unknown.
        result: Result<DateTime<Utc>, String>,
    },
    /// An SSO login has its page and code.
    SsoPrompt {
        /// The job's id.
        job: u64,
        /// The page and code.
        prompt: crate::aws::sso::Prompt,
    },
    /// An SSO login finished: the toast's text, or the one-sentence error.
    SsoDone {
        /// The job's id.
        job: u64,
        /// What happened.
        result: Result<String, String>,
    },
    /// Another program asks for a renewal (through the request socket).
    CodeRequest(CodeRequest),
    /// The program behind a request has gone.
    RequestGone(u64),
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
    /// Save a change to a profile's entry in the settings file.
    SaveProfile {
        /// The profile.
        profile: String,
        /// The change.
        change: ProfileChange,
    },
    /// Renew a kept-fresh profile in the background (no code needed) and write the result.
    KeepFresh {
        /// What to do.
        renewal: Box<Renewal>,
        /// The files the write is planned on.
        files: Box<crate::awsfiles::AwsFiles>,
    },
    /// Answer a program's request (the files hold a renewed session, or why not).
    AnswerRequest {
        /// The request.
        id: u64,
        /// The answer.
        answer: Answer,
    },
    /// Rotate a profile's access key in the background.
    Rotate {
        /// Id to match the answer.
        job: u64,
        /// The profile.
        profile: String,
        /// Deactivate the old key instead of deleting it.
        keep_old: bool,
        /// The MFA code typed, if one was needed.
        code: Option<String>,
    },
    /// Find out how old an access key is (cache, then IAM), in the background.
    FetchKeyAge {
        /// The key id.
        key_id: String,
        /// Where to call.
        site: Box<crate::aws::CallSite>,
        /// The key itself (for `GetCallerIdentity`).
        keys: Box<Credentials>,
        /// What `ListAccessKeys` is called with (a fresh MFA session, or the key).
        iam: Box<Credentials>,
    },
    /// Sign in for an SSO profile in the background (OIDC device flow).
    SsoLogin {
        /// Id to match the answers (and to cancel).
        job: u64,
        /// Where to sign in.
        target: Box<crate::aws::sso::SsoTarget>,
    },
    /// Stop a background job (the user pressed Esc).
    Cancel {
        /// The job.
        job: u64,
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
    Help(Help),
    /// The renew dialog.
    Renew(RenewForm),
    /// A profile's defaults (mode, duration), saved to the settings file.
    Defaults(RenewForm),
    /// Renewing the marked profiles with one code.
    Bulk(Box<BulkForm>),
    /// A bulk renewal is running: each profile with its outcome once known.
    BulkRunning(BulkRunning),
    /// A renewal is running.
    Running(Running),
    /// The diff to confirm.
    Preview(Box<Preview>),
    /// Rotating the selected profile's access key.
    Rotate(Box<RotateForm>),
    /// Signing in for an SSO profile.
    SsoLogin(Box<SsoLogin>),
    /// A failure.
    Error {
        /// Short title.
        title: String,
        /// The sentence.
        message: String,
    },
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
    /// Whether the detail pane is shown (`d` toggles it).
    pub show_detail: bool,
    /// Renewal requests from other programs, waiting their turn.
    pub requests: VecDeque<CodeRequest>,
    /// The request the open renewal answers, if any.
    pub active_request: Option<CodeRequest>,
    /// Kept-fresh profiles: renewals under way, and when each was last tried.
    pub fresh: KeepFreshState,
    /// Access-key ages by key id (not secret).
    pub key_ages: HashMap<String, KeyAge>,
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
            show_detail: true,
            requests: VecDeque::new(),
            active_request: None,
            fresh: KeepFreshState::default(),
            key_ages: HashMap::new(),
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
        matches!(&self.overlay, Overlay::Running(_) | Overlay::BulkRunning(_))
            || matches!(&self.overlay, Overlay::Preview(p) if p.writing.is_some())
            || matches!(&self.overlay, Overlay::Rotate(f) if f.running.is_some())
            || matches!(&self.overlay, Overlay::SsoLogin(_))
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
        let mut commands = self.handle(msg);
        self.serve_requests(&mut commands);
        self.fetch_key_age(&mut commands);
        commands
    }

    fn handle(&mut self, msg: Msg) -> Vec<Command> {
        match msg {
            Msg::Tick(now) => {
                self.now = now;
                if self.toast.as_ref().is_some_and(|t| t.until <= now) {
                    self.toast = None;
                }
                self.keep_fresh_due()
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
                self.on_bulk_progress(job, outcome);
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
            Msg::KeptFresh { profile, result } => self.on_kept_fresh(profile, result),
            Msg::Rotated { job, result } => self.on_rotated(job, result),
            Msg::SsoPrompt { job, prompt } => {
                self.on_sso_prompt(job, prompt);
                Vec::new()
            }
            Msg::SsoDone { job, result } => self.on_sso_done(job, result),
            Msg::KeyAge { key_id, result } => {
                let age = match result {
                    Ok(created) => KeyAge::Known(created),
                    Err(why) => KeyAge::Unknown(why),
                };
                self.key_ages.insert(key_id, age);
                Vec::new()
            }
            Msg::CodeRequest(request) => {
                self.requests.push_back(request);
                Vec::new()
            }
            Msg::RequestGone(id) => {
                self.drop_request(id);
                Vec::new()
            }
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

    /// Shows a passing message in the footer.
    pub(super) fn toast(&mut self, text: String, warning: bool) {
        self.toast = Some(Toast {
            text,
            until: self.now + chrono::Duration::seconds(8),
            warning,
        });
    }

    /// A fresh job id.
    pub(super) fn job(&mut self) -> u64 {
        self.next_job += 1;
        self.next_job
    }

    /// Hands a key to whatever is on top: an overlay, else the table.
    fn on_key(&mut self, key: KeyEvent) -> Vec<Command> {
        if key.modifiers.contains(KeyModifiers::CONTROL) && key.code == KeyCode::Char('c') {
            self.quit = true;
            return vec![Command::Quit];
        }
        match std::mem::replace(&mut self.overlay, Overlay::None) {
            Overlay::None => self.on_table_key(key),
            Overlay::Help(help) => self.on_help_key(help, key),
            Overlay::Error { title, message } => self.on_error_key(title, message, key),
            Overlay::Renew(form) => self.on_form_key(form, key),
            Overlay::Defaults(form) => self.on_defaults_key(form, key),
            Overlay::Bulk(form) => self.on_bulk_key(*form, key),
            Overlay::BulkRunning(running) => self.on_bulk_running_key(running, key),
            Overlay::Running(running) => self.on_running_key(running, key),
            Overlay::Preview(preview) => self.on_preview_key(*preview, key),
            Overlay::Rotate(form) => self.on_rotate_key(*form, key),
            Overlay::SsoLogin(login) => self.on_sso_key(*login, key),
        }
    }

    /// Selects row `index` (clamped) and plans its renewal.
    pub(super) fn select(&mut self, index: usize) {
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
    pub(super) fn refresh(&mut self, keep: Option<&str>) {
        let needle = self.filter.to_lowercase();
        let profiles = &self.data.profiles;
        self.index = profiles
            .iter()
            .enumerate()
            .map(|(i, p)| (p.name.to_string(), i))
            .collect();
        self.sessions = profiles
            .iter()
            .filter_map(|p| {
                if let Some(session) = &p.session_profile {
                    return Some((p.name.to_string(), session.to_string()));
                }
                let target = target_name(&self.settings.target_pattern, &p.name);
                (p.long_term_profile.is_none() && self.index.contains_key(&target))
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
