//! The key-rotation dialog (`K`): what will happen to the selected profile's access key, the
//! MFA code when the IAM calls need a fresh session (the same freshness rule the rotation
//! itself uses, so "no code needed" is never wrong), then the rotation in the background
//! with its steps shown; Esc while it runs stops it and puts the old key back. Enter is the
//! confirmation: nothing is created in IAM before it.

use super::dialog::{form_dialog, progress, spinner};
use super::error::finished;
use crate::aws::api::BoxFuture;
use crate::awsfiles::profile::key_suffix;
use crate::awsfiles::Profile;
use crate::freshness::Use;
use crate::keys::rotate::{execute, prepare};
use crate::renew::code::{Codes, Given, MfaCode};
use crate::renew::session;
use crate::tui::component::{Cx, Dialog, Flow, Shared};
use crate::tui::job_error::JobError;
use crate::tui::jobs::{Job, JobEnv, JobId};
use crate::tui::output::Output;
use crate::tui::theme::Theme;
use chrono::{DateTime, Utc};
use crossterm::event::{KeyCode, KeyEvent};
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::Frame;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

/// The dialog's state.
#[derive(Clone, Debug)]
pub struct RotateForm {
    /// The profile named.
    pub profile: String,
    /// Where its keys are, for the text (`[dev] in the credentials file`).
    pub place: String,
    /// The current key, masked.
    pub old_key: String,
    /// Whether a code must be typed (an MFA device and no MFA session fresh enough to reuse).
    pub needs_code: bool,
    /// The code typed so far.
    pub code: String,
    /// Deactivate instead of delete.
    pub keep_old: bool,
    /// Why the last submit was refused.
    pub error: Option<String>,
    /// A rotation under way: job id, start, the step it is at, and its stop switch.
    pub running: Option<(JobId, DateTime<Utc>, String, Arc<AtomicBool>)>,
}

/// Opens the dialog on `p`, or an error dialog saying why its key cannot be rotated.
pub fn open(shared: &Shared, p: &Profile) -> Box<dyn Dialog> {
    let snapshot = &shared.data.snapshot;
    let Some(place) = snapshot.layout_of(&p.name).keys.clone() else {
        return super::error::dialog(
            "Cannot rotate",
            &format!("'{}' holds no long-term access key to rotate.", p.name),
        );
    };
    let found = session::sessions(snapshot, &p.name).unwrap_or_default();
    let policy = shared.ctx.settings.freshness();
    // The length the rotation's own check fits its margin to: what a renewal would make.
    let opts = crate::renew::plan::RenewOptions::of(shared.ctx, &p.name, shared.now);
    let length = crate::renew::plan::plan(snapshot, &p.name, &opts)
        .ok()
        .map(|r| r.duration_secs);
    let fresh = session::fresh(&found, &policy, Use::Reuse, length, shared.now).is_some();
    let has_mfa = p.mfa.is_some()
        || snapshot
            .profile(&place.profile)
            .is_some_and(|k| k.mfa.is_some());
    Box::new(RotateForm {
        profile: p.name.to_string(),
        place: place.describe(),
        old_key: key_suffix(&place.access_key_id).to_string(),
        needs_code: has_mfa && !fresh,
        code: String::new(),
        keep_old: false,
        error: None,
        running: None,
    })
}

/// Prepares and runs one rotation.
#[derive(Debug)]
pub struct RotateJob {
    /// The profile.
    pub profile: String,
    /// The code typed, when one was needed.
    pub code: Option<MfaCode>,
    /// Deactivate the old key instead of deleting it.
    pub keep_old: bool,
    /// Set when the user stops the rotation.
    pub stop: Arc<AtomicBool>,
}

impl Job for RotateJob {
    fn run(self: Box<Self>, env: JobEnv) -> BoxFuture<'static, Output> {
        Box::pin(async move {
            let renewer = env.renewer();
            let mut codes = match self.code {
                Some(code) => Codes::none().then(Given::code(code)),
                None => Codes::none(),
            };
            let stop = self.stop.clone();
            let interrupted = move || stop.load(Ordering::SeqCst);
            let result = async {
                let prepared = prepare(&renewer, &self.profile, &mut codes).await?;
                if let Some(recovered) = prepared.recovered.as_ref().filter(|r| r.finished) {
                    return Ok(format!(
                        "✓ Finished: {}; nothing else was done (K rotates the key again).",
                        recovered.note
                    ));
                }
                let reporter = env.clone();
                let mut progress = move |step: &str| reporter.report(Output::Step(step.to_owned()));
                let done = execute(
                    &renewer,
                    &prepared,
                    self.keep_old,
                    &interrupted,
                    &mut progress,
                )
                .await?;
                let text = format!(
                    "✓ Rotated the key of {}: {} in place, {} {}.",
                    done.profile,
                    done.new_key,
                    done.old_key,
                    if self.keep_old {
                        "deactivated"
                    } else {
                        "deleted"
                    }
                );
                done.warning.map_or(Ok(text), |w| Err(JobError::Retire(w)))
            }
            .await;
            Output::Rotated(result)
        })
    }

    fn as_any(&self) -> &dyn std::any::Any {
        self
    }
}

impl Dialog for RotateForm {
    /// Digits, Tab (delete / deactivate the old key), Enter, Esc.
    fn key(&mut self, key: KeyEvent, cx: &mut Cx) -> Flow {
        if let Some((_, _, step, stop)) = &mut self.running {
            if key.code == KeyCode::Esc && !stop.swap(true, Ordering::SeqCst) {
                *step = "Stopping: finishing this step, then putting the old key back…".into();
            }
            return Flow::Stay;
        }
        match key.code {
            KeyCode::Esc => return Flow::Close,
            KeyCode::Tab => self.keep_old = !self.keep_old,
            KeyCode::Backspace => {
                self.code.pop();
            }
            KeyCode::Char(c) if c.is_ascii_digit() && self.code.len() < 6 => self.code.push(c),
            KeyCode::Enter => {
                let code = if self.needs_code {
                    match MfaCode::parse(&self.code) {
                        Ok(code) => Some(code),
                        Err(e) => {
                            self.error = Some(e.to_string());
                            return Flow::Stay;
                        }
                    }
                } else {
                    None
                };
                let stop = Arc::new(AtomicBool::new(false));
                let job = cx.spawn(RotateJob {
                    profile: self.profile.clone(),
                    code,
                    keep_old: self.keep_old,
                    stop: stop.clone(),
                });
                self.running = Some((job, cx.shared.now, "Starting…".into(), stop));
                return Flow::Stay;
            }
            _ => {}
        }
        self.error = None;
        Flow::Stay
    }

    fn output(&mut self, job: JobId, output: Output, cx: &mut Cx) -> Flow {
        let Some((running, _, step, _)) = &mut self.running else {
            return Flow::Stay;
        };
        if *running != job {
            return Flow::Stay;
        }
        let Some(output) = progress(output, step) else {
            return Flow::Stay;
        };
        let Output::Rotated(result) = output else {
            output.unexpected("the rotate dialog");
            return Flow::Stay;
        };
        finished(
            cx,
            result,
            &format!("Rotating the key of {} failed", self.profile),
        )
    }

    fn busy(&self) -> bool {
        self.running.is_some()
    }

    fn render(&self, shared: &Shared, theme: Theme, frame: &mut Frame, area: Rect) {
        let retire = if self.keep_old {
            "deactivate"
        } else {
            "delete"
        };
        let mut lines = vec![
            Line::from(format!("Current key {} in {}.", self.old_key, self.place)),
            Line::from("1. create a new access key for the profile's IAM user"),
            Line::from("2. write it in place of the current one (backup first)"),
            Line::from("3. check that it works (GetCallerIdentity, retried while IAM catches up)"),
            Line::from(format!(
                "4. {retire} the old key {} (Tab: delete / deactivate)",
                self.old_key
            )),
            Line::styled(
                "A failure or Esc at any step leaves the current key in the file and in IAM.",
                theme.dim(),
            ),
            Line::raw(""),
        ];
        if let Some((_, started, step, _)) = &self.running {
            let elapsed = (shared.now - *started).num_milliseconds().max(0);
            lines.push(Line::from(format!(
                "{} {step}  {:.1} s",
                spinner(elapsed),
                elapsed as f64 / 1000.0
            )));
        } else if self.needs_code {
            lines.push(Line::from(vec![
                Span::styled("MFA code   ", theme.dim()),
                Span::styled(format!("[{:_<6}]", self.code), theme.selected()),
                Span::styled("  for the IAM calls", theme.dim()),
            ]));
        } else {
            lines.push(Line::styled(
                "No code needed: a fresh MFA session is used, or the profile has no MFA device.",
                theme.dim(),
            ));
        }
        let keys = if self.running.is_some() {
            "Esc stops and puts the old key back"
        } else {
            "⏎ rotate · Tab delete/deactivate · Esc cancel"
        };
        form_dialog(
            frame,
            area,
            &format!(" Rotate the access key of {} ", self.profile),
            84,
            lines,
            self.error.as_deref(),
            keys,
            true,
            theme,
        );
    }

    fn as_any(&self) -> &dyn std::any::Any {
        self
    }
}
