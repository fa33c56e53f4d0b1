//! The error dialog: one sentence, closed with Enter, Esc or q; and what a dialog whose job
//! changed the files does when the job ends.

use super::dialog::dialog as boxed;
use crate::awsfiles::Profile;
use crate::tui::component::{Cx, Dialog, Flow, Shared};
use crate::tui::job_error::JobError;
use crate::tui::theme::Theme;
use crossterm::event::{KeyCode, KeyEvent};
use ratatui::layout::Rect;
use ratatui::text::Line;
use ratatui::Frame;

/// A failure, shown until dismissed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ErrorDialog {
    /// Short title.
    pub title: String,
    /// The sentence.
    pub message: String,
}

/// The error dialog, boxed.
pub fn dialog(title: &str, message: &str) -> Box<dyn Dialog> {
    Box::new(ErrorDialog {
        title: title.to_owned(),
        message: message.to_owned(),
    })
}

/// Replaces the current dialog with the error dialog.
pub fn flow(title: &str, message: &str) -> Flow {
    Flow::Replace(dialog(title, message))
}

/// A job that changed the files has ended: they are read again; its text becomes a toast and
/// the dialog closes, or its one sentence opens the error dialog titled `failed`.
pub fn finished(cx: &mut Cx, result: Result<String, JobError>, failed: &str) -> Flow {
    cx.reload();
    match result {
        Ok(text) => {
            cx.toast(text, false);
            Flow::Close
        }
        Err(e) => flow(failed, &e.to_string()),
    }
}

/// What to do about a profile with problems (`⏎` on a `!` row): each problem, and for a
/// `source_profile` naming no profile the nearest name there is ("did you mean").
pub fn fix(shared: &Shared, p: &Profile) -> Box<dyn Dialog> {
    let mut text = p
        .problems
        .iter()
        .map(|problem| {
            let problem = problem.trim_end().to_owned();
            if problem.ends_with(['.', '!', '?']) {
                problem
            } else {
                format!("{problem}.")
            }
        })
        .collect::<Vec<_>>()
        .join(" ");
    if let Some(source) = p.source_profile.as_deref() {
        if shared.profile(source).is_none() {
            if let Some(near) = nearest(
                source,
                shared.data.profiles().iter().map(|p| p.name.as_str()),
            ) {
                text.push_str(&format!(
                    " Did you mean source_profile = {near}? Fix it in {}.",
                    shared.data.paths().config.display()
                ));
            }
        }
    }
    dialog(&format!("Cannot renew {}", p.name), &text)
}

/// The name in `names` nearest to `wanted`, when it is near enough to be a typo (at most a
/// third of its letters off, two transposed letters counting as one).
pub fn nearest<'a>(wanted: &str, names: impl Iterator<Item = &'a str>) -> Option<&'a str> {
    let limit = (wanted.chars().count() / 3).max(1);
    names
        .filter(|n| *n != wanted)
        .map(|n| (distance(wanted, n), n))
        .filter(|(d, _)| *d <= limit)
        .min_by(|a, b| a.0.cmp(&b.0).then(a.1.cmp(b.1)))
        .map(|(_, n)| n)
}

/// Edit distance with adjacent transpositions (optimal string alignment).
fn distance(a: &str, b: &str) -> usize {
    let (a, b): (Vec<char>, Vec<char>) = (a.chars().collect(), b.chars().collect());
    if a.len().abs_diff(b.len()) > 3 {
        return a.len().abs_diff(b.len());
    }
    let mut d = vec![vec![0usize; b.len() + 1]; a.len() + 1];
    for (i, row) in d.iter_mut().enumerate() {
        row[0] = i;
    }
    for (j, cell) in d[0].iter_mut().enumerate() {
        *cell = j;
    }
    for i in 1..=a.len() {
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            let mut best = (d[i - 1][j] + 1)
                .min(d[i][j - 1] + 1)
                .min(d[i - 1][j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                best = best.min(d[i - 2][j - 2] + 1);
            }
            d[i][j] = best;
        }
    }
    d[a.len()][b.len()]
}

impl Dialog for ErrorDialog {
    fn key(&mut self, key: KeyEvent, _cx: &mut Cx) -> Flow {
        if matches!(key.code, KeyCode::Enter | KeyCode::Esc | KeyCode::Char('q')) {
            Flow::Close
        } else {
            Flow::Stay
        }
    }

    fn keys(&self) -> Vec<(&'static str, &'static str)> {
        vec![("⏎ Esc", "close")]
    }

    fn render(&self, _shared: &Shared, theme: Theme, frame: &mut Frame, area: Rect) {
        let text = vec![
            Line::styled(self.message.clone(), theme.danger()),
            Line::raw(""),
            Line::styled("⏎ / Esc close", theme.dim()),
        ];
        let height = 4 + (self.message.chars().count() as u16 / 66);
        boxed(
            frame,
            area,
            &format!(" {} ", self.title),
            70,
            height + 2,
            text,
            true,
            theme,
        );
    }

    fn as_any(&self) -> &dyn std::any::Any {
        self
    }
}
