//! `P` on an SSO profile: populate from its sso-session — every account and role the session
//! reaches becomes a profile (`sso populate`, planned by `awsfiles::populate`), shown in the
//! same diff preview as every write (`y` writes with a backup). `p` toggles the prune of this
//! session's own generated profiles whose assignment is gone. The session's token is
//! refreshed, else a sign-in is shown here as in the SSO login dialog.

use super::dialog::{form_dialog, spinner};
use super::preview::Preview;
use crate::aws::api::BoxFuture;
use crate::aws::sso::{Prompt, SsoTarget};
use crate::awsfiles::plan::{FileChange, Plan};
use crate::awsfiles::populate::{self, Options};
use crate::awsfiles::{Profile, Snapshot};
use crate::tui::component::{Cx, Dialog, Flow, Shared};
use crate::tui::job_error::JobError;
use crate::tui::jobs::{Job, JobEnv, JobId, Output};
use crate::tui::theme::Theme;
use chrono::{DateTime, Utc};
use crossterm::event::{KeyCode, KeyEvent};
use ratatui::layout::Rect;
use ratatui::text::Line;
use ratatui::Frame;

/// The populate dialog.
#[derive(Debug)]
pub struct PopulateDialog {
    /// The sso-session.
    pub session: String,
    /// Where it signs in.
    pub target: SsoTarget,
    /// Prune this session's generated profiles whose assignment is gone.
    pub prune: bool,
    /// The listing under way.
    pub job: Option<JobId>,
    /// A sign-in page (and code) to show, once the job asks.
    pub prompt: Option<Prompt>,
    /// When the listing started.
    pub started: DateTime<Utc>,
}

/// Opens the dialog for `p`'s sso-session, or an error dialog saying why not.
pub fn open(shared: &Shared, p: &Profile) -> Box<dyn Dialog> {
    let map = shared.data.snapshot.map();
    let Some(session) = map
        .profile(&p.name)
        .and_then(|s| s.get("sso_session"))
        // By its first line, as every caller reads it (attack round 15b, F-4).
        .map(|v| crate::text::first_line(v).to_owned())
    else {
        return super::error::dialog(
            "Cannot populate",
            &format!(
                "'{}' names no sso_session: populate lists the accounts and roles of an [sso-session]; select a profile of one",
                p.name
            ),
        );
    };
    let mut target =
        match crate::aws::sso::target_of_session(map, &session, &shared.ctx.env.lookup()) {
            Ok(t) => t,
            Err(why) => return super::error::dialog("Cannot populate", &why.to_string()),
        };
    target.connect_timeout = shared.ctx.timeouts.connect;
    target.call_timeout = shared.ctx.timeouts.call;
    Box::new(PopulateDialog {
        session,
        target,
        prune: false,
        job: None,
        prompt: None,
        started: shared.now,
    })
}

/// Lists the session's assignments and plans the config edit.
#[derive(Debug)]
pub struct PopulateJob {
    /// The sso-session.
    pub session: String,
    /// Where it signs in.
    pub target: Box<SsoTarget>,
    /// Prune too.
    pub prune: bool,
}

impl PopulateJob {
    async fn plan(&self, env: &JobEnv) -> Result<(Plan, String), JobError> {
        let ctx = env.ctx.clone();
        let listing = if ctx.demo {
            crate::aws::demo::sso_assignments()
        } else {
            let reporter = env.clone();
            let mut prompt = move |p: &Prompt| {
                crate::console::browser::Browser::try_open(&reporter.ctx, &p.url);
                reporter.report(Output::SsoPrompt(p.clone()));
            };
            let sign_in = crate::renew::sso::SignIn {
                flow: crate::console::browser::Browser::sso_flow(&ctx, false),
                prompt: &mut prompt,
            };
            let hint = format!("sso-session {}", self.session);
            let token =
                crate::renew::sso::token(&ctx, &self.target, &hint, false, Some(sign_in)).await?;
            let portal = {
                let snapshot = Snapshot::load(&ctx.paths, &ctx.naming())?;
                crate::aws::endpoint::endpoint_url(
                    crate::aws::endpoint::Service::Sso,
                    snapshot.map(),
                    None,
                    &ctx.env.lookup(),
                )
            };
            crate::aws::sso::list_assignments(
                &self.target,
                portal.as_deref(),
                &token.record.access_token,
                crate::aws::sso::LIST_BOUND,
                crate::aws::sso::LIST_TIME,
            )
            .await?
        };
        let snapshot = Snapshot::load(&ctx.paths, &ctx.naming())?;
        let opts = Options {
            session: self.session.clone(),
            prefix: String::new(),
            region: None,
            template: populate::DEFAULT_TEMPLATE.to_owned(),
            prune: self.prune,
        };
        let planned = populate::plan(
            snapshot.map(),
            &snapshot.files().config.document,
            &listing,
            &opts,
        )?;
        let config = &snapshot.files().config;
        let after = populate::apply(&config.document, &planned, &opts)?;
        let mut summary = format!(
            "{} roles listed; {} already configured, {} new{}.",
            listing.assignments.len(),
            planned.present,
            planned.add.len(),
            if self.prune {
                format!(", {} to prune", planned.prune.len())
            } else {
                String::new()
            }
        );
        for (name, why) in &planned.kept {
            summary.push_str(&format!(" Not pruned: '{name}' ({why})."));
        }
        if let Some(why) = &listing.incomplete {
            summary.push_str(&format!(
                " The listing is incomplete ({why}): nothing is pruned."
            ));
        }
        Ok((
            Plan {
                changes: vec![FileChange::replace(config, after)],
                cli_cache: Vec::new(),
            },
            summary,
        ))
    }
}

impl Job for PopulateJob {
    fn run(self: Box<Self>, env: JobEnv) -> BoxFuture<'static, Output> {
        Box::pin(async move { Output::Populated(self.plan(&env).await) })
    }

    fn as_any(&self) -> &dyn std::any::Any {
        self
    }
}

impl Dialog for PopulateDialog {
    fn key(&mut self, key: KeyEvent, cx: &mut Cx) -> Flow {
        match (key.code, self.job) {
            (KeyCode::Esc, Some(job)) => {
                cx.cancel(job);
                cx.toast("Populate cancelled; nothing written.", false);
                Flow::Close
            }
            (KeyCode::Esc | KeyCode::Char('q'), None) => Flow::Close,
            (KeyCode::Char('p'), None) => {
                self.prune = !self.prune;
                Flow::Stay
            }
            (KeyCode::Enter, None) => {
                self.started = cx.shared.now;
                self.job = Some(cx.spawn(PopulateJob {
                    session: self.session.clone(),
                    target: Box::new(self.target.clone()),
                    prune: self.prune,
                }));
                Flow::Stay
            }
            _ => Flow::Stay,
        }
    }

    fn output(&mut self, job: JobId, output: Output, cx: &mut Cx) -> Flow {
        if self.job != Some(job) {
            return Flow::Stay;
        }
        let result = match output {
            Output::SsoPrompt(prompt) => {
                self.prompt = Some(prompt);
                return Flow::Stay;
            }
            Output::Populated(result) => result,
            other => {
                other.unexpected("the populate dialog");
                return Flow::Stay;
            }
        };
        cx.reload();
        match result {
            Ok((plan, summary)) if plan.is_noop() => {
                cx.toast(
                    format!("sso-session {}: {summary} Nothing to change.", self.session),
                    false,
                );
                Flow::Close
            }
            Ok((plan, summary)) => {
                let title = format!("sso-session {}", self.session);
                let mut preview = Preview::new(&title, "the config file", None, plan, Vec::new());
                preview.note = Some(summary);
                preview.renewed = Vec::new();
                preview.done = Some(format!("✓ Populated from sso-session {}.", self.session));
                Flow::Replace(Box::new(preview))
            }
            Err(e) => super::error::flow(
                &format!("Populating from sso-session {} failed", self.session),
                &e.to_string(),
            ),
        }
    }

    fn busy(&self) -> bool {
        self.job.is_some()
    }

    fn render(&self, shared: &Shared, theme: Theme, frame: &mut Frame, area: Rect) {
        let mut lines = vec![
            Line::from(format!(
                "Every account and role sso-session {} reaches ({}) becomes a profile",
                self.session, self.target.start_url
            )),
            Line::from("named {account_name}-{role_name}, made safe; pairs already configured are left alone."),
            Line::from(format!(
                "[{}] p  prune this session's generated profiles whose assignment is gone",
                if self.prune { "x" } else { " " }
            )),
            Line::raw(""),
        ];
        if self.job.is_some() {
            let elapsed = (shared.now - self.started).num_milliseconds().max(0);
            match &self.prompt {
                Some(p) => {
                    lines.push(Line::from(match &p.user_code {
                        Some(code) => format!(
                            "Sign in: open this page on any device and confirm the code {code}:"
                        ),
                        None => "Sign in: approve on this page (it comes back here by itself):"
                            .to_owned(),
                    }));
                    lines.push(Line::styled(p.url.clone(), theme.accent()));
                }
                None => lines.push(Line::from(format!(
                    "{} Listing the accounts and their roles…",
                    spinner(elapsed)
                ))),
            }
        }
        let keys = if self.job.is_some() {
            "Esc cancels (nothing is written)"
        } else {
            "⏎ lists and shows the diff · p prune · Esc closes"
        };
        form_dialog(
            frame,
            area,
            &format!(" Populate from sso-session {} ", self.session),
            96,
            lines,
            None,
            keys,
            true,
            theme,
        );
    }

    fn as_any(&self) -> &dyn std::any::Any {
        self
    }
}
