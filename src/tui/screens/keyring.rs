//! The keyring dialog (`V`): moves the selected profile's long-term key pair into the OS
//! keyring, as `mfatui keyring store` does. The masked diff of the files comes first; Enter
//! then checks the key (GetCallerIdentity), stores it in the keyring and reads it back, writes
//! the files (backup first) and rewrites every backup that still holds the secret without it.
//! Nothing changes before Enter, and the files change only after the keyring holds the pair.

use super::dialog::{form_dialog, progress, spinner};
use super::error::finished;
use crate::aws::api::BoxFuture;
use crate::awsfiles::mask::mask_key_id;
use crate::awsfiles::{Profile, Snapshot};
use crate::keys::custody::{self, masked_diff, Progress, Start};
use crate::renew::plan::site_for;
use crate::tui::component::{Cx, Dialog, Flow, Shared};
use crate::tui::job_error::JobError;
use crate::tui::jobs::{Job, JobEnv, JobId};
use crate::tui::output::Output;
use crate::tui::theme::Theme;
use chrono::{DateTime, Utc};
use crossterm::event::{KeyCode, KeyEvent};
use ratatui::layout::Rect;
use ratatui::text::Line;
use ratatui::Frame;

/// The dialog's state.
#[derive(Clone, Debug)]
pub struct KeyringForm {
    /// The profile selected.
    pub profile: String,
    /// The profile whose section holds the pair (the keyring entry's name).
    pub owner: String,
    /// Where the pair is, for the text.
    pub place: String,
    /// The key id, masked.
    pub key: String,
    /// The masked diff of the files, line by line.
    pub diff: Vec<String>,
    /// Why the last Enter was refused.
    pub error: Option<String>,
    /// A move under way: job id, start, the step it is at.
    pub running: Option<(JobId, DateTime<Utc>, String)>,
}

/// Opens the dialog on `p`, or a dialog saying why its key cannot be moved.
pub fn open(shared: &Shared, p: &Profile) -> Box<dyn Dialog> {
    match custody::start_store(shared.ctx, &shared.data.snapshot, &p.name) {
        Err(why) => super::error::dialog("Cannot move the key to the OS keyring", &why.to_string()),
        Ok(Start::InKeyring(place)) => super::error::dialog(
            "Already in the OS keyring",
            &format!(
                "'{}' keeps its key {} in the OS keyring already; {} puts it back in the file.",
                place.profile,
                mask_key_id(&place.access_key_id),
                shared.ctx.command(&["keyring", "restore", &place.profile])
            ),
        ),
        Ok(Start::Move(mv)) => Box::new(KeyringForm {
            profile: p.name.to_string(),
            owner: mv.place.profile.to_string(),
            place: mv.place.describe(),
            key: mask_key_id(&mv.creds.access_key_id),
            diff: masked_diff(&mv.plan, &mv.creds.access_key_id)
                .lines()
                .map(str::to_owned)
                .collect(),
            error: None,
            running: None,
        }),
    }
}

/// Moves the key pair of one profile into the keyring (planned again from the files as they
/// are when it starts).
#[derive(Debug)]
pub struct StoreJob {
    /// The profile.
    pub profile: String,
}

impl StoreJob {
    async fn store(&self, env: &JobEnv) -> Result<String, JobError> {
        let ctx = env.ctx.clone();
        let name = self.profile.clone();
        let snapshot = Snapshot::load(&ctx.paths, &ctx.naming())?;
        let mv = match custody::start_store(&ctx, &snapshot, &name)? {
            Start::Move(mv) => mv,
            Start::InKeyring(_) => return Err(JobError::InKeyringAlready(name)),
        };
        let id = mask_key_id(&mv.creds.access_key_id);
        env.report(Output::Step(format!("Checking that the key {id} works…")));
        let opts = crate::renew::plan::RenewOptions::of(&ctx, &name, ctx.now());
        let site = site_for(snapshot.map(), snapshot.map().profile(&name), &opts);
        drop(snapshot);
        let identity = env
            .api
            .caller_identity(&site, &mv.creds)
            .await
            .map_err(|cause| JobError::KeyDoesNotWork {
                id: id.clone(),
                cause,
            })?;
        env.report(Output::Step(format!(
            "{} accepted; storing it in the OS keyring…",
            identity.arn
        )));
        let (keyring, reporter) = (env.keyring.clone(), env.clone());
        let owner = mv.place.profile.to_string();
        let (rewritten, strays, linked) = tokio::task::spawn_blocking(move || {
            let linked = custody::hard_linked(&ctx);
            let rewritten = custody::store(&ctx, keyring.as_ref(), &mv, &mut |step| {
                if let Progress::InKeyring = step {
                    reporter.report(Output::Step("In the OS keyring; writing the files…".into()));
                }
            })?;
            let strays = custody::strays(
                &ctx,
                mv.creds.secret_access_key.expose(),
                &mv.creds.access_key_id,
            );
            Ok::<_, custody::CustodyError>((rewritten, strays, linked))
        })
        .await
        .map_err(JobError::MoveStopped)??;
        let mut said = format!(
            "✓ '{owner}' keeps its key {id} in the OS keyring; {} backup(s) rewritten without the secret.",
            rewritten.len()
        );
        for stray in &strays {
            said.push_str(&format!(
                " Line {} of {} still holds the secret: remove it there.",
                stray.line,
                stray.path.display()
            ));
        }
        for (path, others) in &linked {
            said.push_str(&format!(
                " {} has {others} other name(s) (hard links) that keep the secret.",
                path.display()
            ));
        }
        Ok(said)
    }
}

impl Job for StoreJob {
    fn run(self: Box<Self>, env: JobEnv) -> BoxFuture<'static, Output> {
        Box::pin(async move { Output::KeyStored(self.store(&env).await) })
    }

    fn as_any(&self) -> &dyn std::any::Any {
        self
    }
}

impl Dialog for KeyringForm {
    /// Enter moves the key, Esc cancels (nothing stops a move under way: each step is short
    /// and leaves a working key).
    fn key(&mut self, key: KeyEvent, cx: &mut Cx) -> Flow {
        if self.running.is_some() {
            return Flow::Stay;
        }
        match key.code {
            KeyCode::Esc | KeyCode::Char('n') => Flow::Close,
            // The demo shows the plan only: the OS keyring is never touched.
            KeyCode::Enter | KeyCode::Char('y') if cx.shared.ctx.demo => Flow::Stay,
            KeyCode::Enter | KeyCode::Char('y') => {
                let job = cx.spawn(StoreJob {
                    profile: self.profile.clone(),
                });
                self.running = Some((job, cx.shared.now, "Starting…".into()));
                Flow::Stay
            }
            _ => Flow::Stay,
        }
    }

    fn output(&mut self, job: JobId, output: Output, cx: &mut Cx) -> Flow {
        let Some((running, _, step)) = &mut self.running else {
            return Flow::Stay;
        };
        if *running != job {
            return Flow::Stay;
        }
        let Some(output) = progress(output, step) else {
            return Flow::Stay;
        };
        let Output::KeyStored(result) = output else {
            output.unexpected("the keyring dialog");
            return Flow::Stay;
        };
        finished(
            cx,
            result,
            &format!("Moving the key of {} failed", self.owner),
        )
    }

    fn busy(&self) -> bool {
        self.running.is_some()
    }

    fn render(&self, shared: &Shared, theme: Theme, frame: &mut Frame, area: Rect) {
        let mut lines = vec![
            Line::from(format!("Access key {} in {}.", self.key, self.place)),
            Line::from("1. check that it works (GetCallerIdentity)"),
            Line::from(format!(
                "2. store it in the OS keyring (service mfatui, user '{} (KEY ID)') and read it back",
                self.owner
            )),
            Line::from("3. write the files below (backup first)"),
            Line::from("4. rewrite every backup that still holds the secret without it"),
            Line::styled(
                "AWS tools go on using the profile by name, through credential_process.",
                theme.dim(),
            ),
            Line::raw(""),
        ];
        // The diff takes the room the terminal has left (the dialog's frame, a progress line,
        // an error and the keys take up to 6 more rows).
        let room = usize::from(area.height)
            .saturating_sub(lines.len() + 8)
            .max(3);
        let shown = if self.diff.len() > room {
            room - 1
        } else {
            room
        };
        for line in self.diff.iter().take(shown) {
            let style = match line.as_bytes().first() {
                Some(b'+') if !line.starts_with("+++") => theme.added(),
                Some(b'-') if !line.starts_with("---") => theme.removed(),
                Some(b'@') => theme.accent(),
                _ => ratatui::style::Style::new(),
            };
            lines.push(Line::styled(line.clone(), style));
        }
        if self.diff.len() > shown {
            lines.push(Line::styled(
                format!(
                    "… and {} more line(s): `mfatui keyring store {} --dry-run` shows them all",
                    self.diff.len() - shown,
                    crate::awsfiles::shlex::quote(&self.profile)
                ),
                theme.dim(),
            ));
        }
        if let Some((_, started, step)) = &self.running {
            let elapsed = (shared.now - *started).num_milliseconds().max(0);
            lines.push(Line::raw(""));
            lines.push(Line::from(format!(
                "{} {step}  {:.1} s",
                spinner(elapsed),
                elapsed as f64 / 1000.0
            )));
        }
        let keys = if self.running.is_some() {
            "Moving…"
        } else if shared.ctx.demo {
            "The demo only shows the plan; it never touches your OS keyring · Esc close"
        } else {
            "⏎ move to the OS keyring · Esc cancel"
        };
        form_dialog(
            frame,
            area,
            &format!(" Keep the key of {} in the OS keyring ", self.profile),
            90,
            lines,
            self.error.as_deref(),
            keys,
            false,
            theme,
        );
    }

    fn as_any(&self) -> &dyn std::any::Any {
        self
    }
}
