//! The diff preview: the masked change, `y` writes (backup, atomic), `n` discards; a change
//! made on disk meanwhile comes back re-planned for another look.

use super::bulk_result::BulkResult;
use super::dialog::{home_short, scroll_key, Scrolling};
use crate::aws::api::BoxFuture;
use crate::awsfiles::{commit, OnChange, Plan, WriteError};
use crate::tui::component::{Cx, Dialog, Flow, Shared};
use crate::tui::job_error::JobError;
use crate::tui::jobs::{Job, JobEnv, JobId};
use crate::tui::output::{Output, WriteFailure};
use crate::tui::theme::Theme;
use chrono::{DateTime, Utc};
use crossterm::event::{KeyCode, KeyEvent};
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::Line;
use ratatui::Frame;

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
    pub writing: Option<JobId>,
    /// Shown above the diff (e.g. the file changed on disk meanwhile).
    pub note: Option<String>,
    /// For a bulk renewal in which profiles failed: the reason most of them share, first.
    pub cause: Option<String>,
    /// For a bulk renewal: one line per profile (`✓ name → [target]`, `✗ name: why`).
    pub outcomes: Vec<String>,
    /// The profiles this write renews (their marks go once it is written).
    pub renewed: Vec<String>,
    /// The toast once written, for a write that is not a renewal (`sso populate`).
    pub done: Option<String>,
}

/// Writes a confirmed plan (refusing, and re-planning, when a file changed meanwhile).
#[derive(Debug)]
pub struct WriteJob {
    /// The plan.
    pub plan: Box<Plan>,
}

impl Job for WriteJob {
    fn run(self: Box<Self>, env: JobEnv) -> BoxFuture<'static, Output> {
        Box::pin(async move {
            let options = env.ctx.write_options(OnChange::Refuse);
            let plan = self.plan;
            let result = tokio::task::spawn_blocking(move || {
                commit(&plan, &options).map_err(|e| match e {
                    WriteError::Changed { replanned, .. } => {
                        WriteFailure::Changed(Box::new(Plan {
                            changes: vec![*replanned],
                            cli_cache: plan.cli_cache.clone(),
                        }))
                    }
                    other => WriteFailure::Failed(other.into()),
                })
            })
            .await
            .unwrap_or_else(|e| Err(WriteFailure::Failed(JobError::Stopped(e))));
            Output::WriteDone(result)
        })
    }

    fn as_any(&self) -> &dyn std::any::Any {
        self
    }
}

impl Preview {
    /// The preview of `plan`, the renewal of `profile` into `target`.
    pub fn new(
        profile: &str,
        target: &str,
        expires: Option<DateTime<Utc>>,
        plan: Plan,
        outcomes: Vec<String>,
    ) -> Preview {
        Preview {
            profile: profile.to_owned(),
            target: target.to_owned(),
            expires,
            diff: plan.diff().lines().map(str::to_owned).collect(),
            plan,
            scroll: 0,
            writing: None,
            note: None,
            cause: None,
            outcomes,
            renewed: vec![profile.to_owned()],
            done: None,
        }
    }
}

impl Dialog for Preview {
    fn key(&mut self, key: KeyEvent, cx: &mut Cx) -> Flow {
        if self.writing.is_some() {
            return Flow::Stay;
        }
        match key.code {
            KeyCode::Char('y') | KeyCode::Char('Y') => {
                self.writing = Some(cx.spawn(WriteJob {
                    plan: Box::new(self.plan.clone()),
                }));
            }
            KeyCode::Char('n') | KeyCode::Char('N') | KeyCode::Esc | KeyCode::Char('q') => {
                let text = match self.done {
                    Some(_) => "Discarded; nothing written.".to_owned(),
                    None => format!(
                        "Discarded the new credentials of {}; nothing written.",
                        self.profile
                    ),
                };
                cx.toast(text, false);
                return Flow::Close;
            }
            _ => {
                // As far as the drawing shows: the last page is a full one, never blank rows.
                let size = cx.shared.size;
                let max = self
                    .scrolling(Theme { colour: false }, dialog_width(size.0))
                    .max_scroll(size);
                if let Some(to) = scroll_key(key, self.scroll, max, true) {
                    self.scroll = to;
                }
            }
        }
        Flow::Stay
    }

    fn output(&mut self, job: JobId, output: Output, cx: &mut Cx) -> Flow {
        if self.writing != Some(job) {
            return Flow::Stay;
        }
        let Output::WriteDone(result) = output else {
            output.unexpected("the diff preview");
            return Flow::Stay;
        };
        match result {
            Ok(written) => {
                let shared = &cx.shared;
                let until = self
                    .expires
                    .map(|t| {
                        format!(
                            " until {} (for {})",
                            t.with_timezone(&shared.local).format("%H:%M:%S"),
                            crate::awsfiles::expiry::compact_duration(
                                (t - shared.now).num_seconds()
                            )
                        )
                    })
                    .unwrap_or_default();
                // The folder, not the file: a backup's name (file and time) is long, and the
                // toast must fit one line of a 120-column terminal.
                let backup = written
                    .iter()
                    .find_map(|w| w.backup.as_ref())
                    .and_then(|b| b.parent())
                    .map(|dir| format!(" Backup in {}/", home_short(shared, dir)))
                    .unwrap_or_default();
                cx.written();
                cx.unmark(&self.renewed);
                cx.reload();
                let failed = self.outcomes.iter().filter(|o| o.starts_with('✗')).count();
                if failed > 0 {
                    return Flow::Replace(Box::new(BulkResult {
                        title: format!("Renewed {}; {failed} failed", self.profile),
                        cause: self.cause.clone(),
                        outcomes: self.outcomes.clone(),
                        written: format!("The renewed ones were written.{backup}"),
                        scroll: 0,
                    }));
                }
                let text = if let Some(done) = &self.done {
                    format!("{done}{backup}")
                } else if self.outcomes.is_empty() {
                    format!(
                        "✓ {} renewed: {} valid{until}.{backup}",
                        self.profile, self.target
                    )
                } else {
                    format!("✓ Renewed {}.{backup}", self.profile)
                };
                // Keys in a file others can read are said, as a warning (attack round 15, E-10).
                match written.iter().find_map(crate::awsfiles::Written::exposure) {
                    Some(note) => cx.toast(format!("{text} Warning: {note}."), true),
                    None => cx.toast(text, false),
                }
                Flow::Close
            }
            Err(WriteFailure::Changed(plan)) => {
                self.diff = plan.diff().lines().map(str::to_owned).collect();
                self.plan = *plan;
                self.writing = None;
                self.scroll = 0;
                self.note = Some(
                    "The file changed on disk meanwhile; this is the change on top of it.".into(),
                );
                cx.reload();
                Flow::Stay
            }
            Err(WriteFailure::Failed(e)) => super::error::flow("Write failed", &e.to_string()),
        }
    }

    fn busy(&self) -> bool {
        self.writing.is_some()
    }

    fn keys(&self) -> Vec<(&'static str, &'static str)> {
        vec![
            ("y", "write"),
            ("n Esc", "discard"),
            ("↑ ↓ PgUp PgDn", "scroll"),
        ]
    }

    fn render(&self, _shared: &Shared, theme: Theme, frame: &mut Frame, area: Rect) {
        render(self, theme, frame, area)
    }

    fn as_any(&self) -> &dyn std::any::Any {
        self
    }
}

impl Preview {
    /// The preview as a scrolling dialog: the note, the cause of the failures, each outcome,
    /// the files written and the diff scroll; the keys stay.
    fn scrolling(&self, theme: Theme, width: u16) -> Scrolling {
        let mut body = Vec::new();
        if let Some(note) = &self.note {
            body.push((note.clone(), theme.warn()));
        }
        if let Some(cause) = &self.cause {
            body.push((cause.clone(), theme.danger()));
        }
        for outcome in &self.outcomes {
            let style = if outcome.starts_with('✗') {
                theme.danger()
            } else {
                theme.ok()
            };
            body.push((outcome.clone(), style));
        }
        let files: Vec<String> = self
            .plan
            .changes
            .iter()
            .map(|c| c.path.display().to_string())
            .collect();
        body.push((
            format!(
                "Writes {} · a timestamped backup goes to .mfatui-backups/ beside it first",
                files.join(", ")
            ),
            Style::new(),
        ));
        body.push((String::new(), Style::new()));
        for line in &self.diff {
            let style = match line.as_bytes().first() {
                Some(b'+') if !line.starts_with("+++") => theme.added(),
                Some(b'-') if !line.starts_with("---") => theme.removed(),
                Some(b'@') => theme.accent(),
                _ => Style::new(),
            };
            body.push((line.clone(), style));
        }
        let keys = if self.writing.is_some() {
            "Writing…"
        } else {
            "y write · n discard · ↑ ↓ j k PgUp PgDn scroll"
        };
        Scrolling {
            title: format!(" Write the new credentials of {}? ", self.profile),
            width,
            body,
            pinned: vec![Line::styled(keys, theme.accent())],
        }
    }
}

/// The preview's width in a terminal `columns` wide.
fn dialog_width(columns: u16) -> u16 {
    columns.saturating_sub(4).min(110)
}

fn render(preview: &Preview, theme: Theme, frame: &mut Frame, area: Rect) {
    let width = dialog_width(area.width);
    preview
        .scrolling(theme, width)
        .render(frame, area, preview.scroll, theme);
}
