//! The profile picker of `mfa` with no profile: a few lines on the terminal (`/dev/tty`, so
//! it works while standard output is captured), filtered as the TUI's filter does
//! ([`Profile::matches`]), ↑/↓ to move, Enter to pick, Esc to give up. The terminal is put
//! back however it ends.

use super::command_error::UseError;
use crate::awsfiles::expiry::compact_duration;
use crate::awsfiles::{Expiry, Profile, Snapshot};
use chrono::{DateTime, Utc};
use crossterm::cursor::{MoveToColumn, MoveUp};
use crossterm::event::{Event, KeyCode, KeyEvent, KeyEventKind, KeyModifiers};
use crossterm::style::{Attribute, SetAttribute};
use crossterm::terminal::{Clear, ClearType};
use crossterm::QueueableCommand;
use std::io::Write;

/// The most rows the picker shows at once.
const ROWS: usize = 10;

/// What the prompt line starts with.
const PROMPT: &str = "profile: ";

/// One profile as the picker shows it.
#[derive(Clone, Debug)]
struct Item {
    profile: Profile,
    /// Kind and time left, e.g. `role  42m`.
    note: String,
}

/// The picker's state: pure, driven by keys, drawn as lines.
#[derive(Debug)]
pub struct Picker {
    items: Vec<Item>,
    query: String,
    /// Indices into `items` that match `query`, in name order.
    rows: Vec<usize>,
    /// Position in `rows`.
    selected: usize,
}

/// What a key did.
#[derive(Debug, PartialEq, Eq)]
pub enum Flow {
    /// Keep going.
    Continue,
    /// Done: the profile picked, or `None` when the user gave up.
    Done(Option<String>),
}

impl Picker {
    /// A picker over the profiles of `snapshot` at `now`, sorted by name, starting on
    /// `current` (the shell's `AWS_PROFILE`) when it is one of them.
    pub fn new(snapshot: &Snapshot, now: DateTime<Utc>, current: Option<&str>) -> Picker {
        let mut items: Vec<Item> = snapshot
            .profiles()
            .iter()
            .map(|p| Item {
                note: note(snapshot, p, now),
                profile: p.clone(),
            })
            .collect();
        items.sort_by(|a, b| a.profile.name.cmp(&b.profile.name));
        let mut picker = Picker {
            items,
            query: String::new(),
            rows: Vec::new(),
            selected: 0,
        };
        picker.refilter();
        if let Some(at) = current.and_then(|c| {
            picker
                .rows
                .iter()
                .position(|&i| picker.items[i].profile.name == c)
        }) {
            picker.selected = at;
        }
        picker
    }

    fn refilter(&mut self) {
        let needle = self.query.to_lowercase();
        self.rows = (0..self.items.len())
            .filter(|&i| self.items[i].profile.matches(&needle))
            .collect();
        self.selected = 0;
    }

    /// The profile under the cursor.
    pub fn current(&self) -> Option<&str> {
        self.rows
            .get(self.selected)
            .map(|&i| self.items[i].profile.name.as_str())
    }

    /// Handles one key.
    pub fn key(&mut self, key: KeyEvent) -> Flow {
        if key.kind == KeyEventKind::Release {
            return Flow::Continue;
        }
        let ctrl = key.modifiers.contains(KeyModifiers::CONTROL);
        match key.code {
            KeyCode::Esc => return Flow::Done(None),
            KeyCode::Char('c' | 'd' | 'g') if ctrl => return Flow::Done(None),
            KeyCode::Enter => {
                if let Some(name) = self.current() {
                    return Flow::Done(Some(name.to_owned()));
                }
            }
            KeyCode::Up | KeyCode::BackTab => self.up(),
            KeyCode::Char('p' | 'k') if ctrl => self.up(),
            KeyCode::Down | KeyCode::Tab => self.down(),
            KeyCode::Char('n' | 'j') if ctrl => self.down(),
            KeyCode::Char('u') if ctrl => {
                self.query.clear();
                self.refilter();
            }
            KeyCode::Backspace => {
                self.query.pop();
                self.refilter();
            }
            KeyCode::Char(c) if !ctrl && !crate::text::hidden(c) => {
                self.query.push(c);
                self.refilter();
            }
            _ => {}
        }
        Flow::Continue
    }

    fn up(&mut self) {
        self.selected = self.selected.saturating_sub(1);
    }

    fn down(&mut self) {
        if self.selected + 1 < self.rows.len() {
            self.selected += 1;
        }
    }

    /// What to draw, `height` rows of profiles at most, each at most `width` characters:
    /// the prompt line, then the rows (the selected one flagged `true`).
    pub fn lines(&self, width: usize, height: usize) -> (String, Vec<(String, bool)>) {
        let prompt = format!("{PROMPT}{}", self.query);
        let height = height.max(1);
        let total = self.rows.len();
        // A last line says how many more there are, when not all fit.
        let fits = if total > height && height > 1 {
            height - 1
        } else {
            height
        };
        // Scroll so that the selection stays in view.
        let first = self.selected.saturating_sub(fits - 1);
        let name_width = self
            .rows
            .iter()
            .map(|&i| self.items[i].profile.name.chars().count())
            .max()
            .unwrap_or(0)
            .min(40);
        let mut rows: Vec<(String, bool)> = self
            .rows
            .iter()
            .enumerate()
            .skip(first)
            .take(fits)
            .map(|(at, &i)| {
                let item = &self.items[i];
                let name = crate::text::printable(&item.profile.name, 40);
                let marker = if at == self.selected { '>' } else { ' ' };
                let line = format!("{marker} {name:<name_width$}  {}", item.note);
                (
                    line.chars().take(width.max(8)).collect(),
                    at == self.selected,
                )
            })
            .collect();
        if total == 0 {
            rows.push(("  (no profile matches)".to_owned(), false));
        } else if total > first + fits {
            rows.push((format!("  … {} more", total - first - fits), false));
        }
        (crate::text::printable(&prompt, width.max(8)), rows)
    }
}

/// A profile's kind and the time its session has left, as the table shows them.
fn note(snapshot: &Snapshot, p: &Profile, now: DateTime<Utc>) -> String {
    let left = match snapshot.shown_expiry(p).0 {
        Expiry::At { at, .. } => {
            let secs = (at - now).num_seconds();
            if secs <= 0 {
                "expired".to_owned()
            } else {
                compact_duration(secs)
            }
        }
        Expiry::Unknown { .. } => "?".to_owned(),
        Expiry::None => Snapshot::no_expiry_text(p).unwrap_or("—").to_owned(),
    };
    format!("{:<11} {left}", p.kind.label())
}

/// The terminal while the picker runs: raw mode on, put back (and the picker's lines
/// cleared) when dropped, whatever happened.
struct Screen {
    tty: std::fs::File,
}

impl Screen {
    fn open() -> Result<Screen, UseError> {
        let tty = std::fs::OpenOptions::new()
            .read(true)
            .write(true)
            .open("/dev/tty")
            .map_err(|_| UseError::NoTerminal)?;
        crossterm::terminal::enable_raw_mode().map_err(UseError::RawMode)?;
        Ok(Screen { tty })
    }

    /// Draws the picker below the cursor and leaves the cursor after the query.
    fn draw(&mut self, picker: &Picker) -> std::io::Result<()> {
        let (width, height) = crossterm::terminal::size().unwrap_or((80, 24));
        let rows_fit = usize::from(height).saturating_sub(2).clamp(1, ROWS);
        let (prompt, rows) = picker.lines(usize::from(width).saturating_sub(1), rows_fit);
        let out = &mut self.tty;
        out.queue(MoveToColumn(0))?
            .queue(Clear(ClearType::FromCursorDown))?;
        out.write_all(prompt.as_bytes())?;
        for (line, selected) in &rows {
            out.write_all(b"\r\n")?;
            if *selected {
                out.queue(SetAttribute(Attribute::Reverse))?;
            }
            out.write_all(line.as_bytes())?;
            if *selected {
                out.queue(SetAttribute(Attribute::Reset))?;
            }
        }
        if !rows.is_empty() {
            out.queue(MoveUp(rows.len() as u16))?;
        }
        let column = prompt.chars().count().min(usize::from(u16::MAX)) as u16;
        out.queue(MoveToColumn(column))?;
        out.flush()
    }

    /// Clears the picker's lines and says what was picked.
    fn finish(&mut self, picked: Option<&str>) -> std::io::Result<()> {
        let out = &mut self.tty;
        out.queue(MoveToColumn(0))?
            .queue(Clear(ClearType::FromCursorDown))?;
        if let Some(name) = picked {
            write!(out, "{PROMPT}{}\r\n", crate::text::printable(name, 200))?;
        }
        out.flush()
    }
}

impl Drop for Screen {
    fn drop(&mut self) {
        let _ = self
            .tty
            .queue(MoveToColumn(0))
            .and_then(|t| t.queue(Clear(ClearType::FromCursorDown)))
            .and_then(|t| t.flush());
        let _ = crossterm::terminal::disable_raw_mode();
    }
}

/// Lets the user pick one of `snapshot`'s profiles on the terminal: `None` when they gave
/// up; an error when there is no terminal or no profile.
pub fn pick(
    snapshot: &Snapshot,
    now: DateTime<Utc>,
    current: Option<&str>,
) -> Result<Option<String>, UseError> {
    let mut picker = Picker::new(snapshot, now, current);
    if picker.items.is_empty() {
        // One sentence at the edge: the note's line break would show as `?` there.
        return Err(UseError::NoProfiles {
            note: snapshot.files().empty_note(false).replace('\n', " "),
        });
    }
    let mut screen = Screen::open()?;
    let failed = UseError::Terminal;
    screen.draw(&picker).map_err(failed)?;
    loop {
        let flow = match crossterm::event::read().map_err(failed)? {
            Event::Key(key) => picker.key(key),
            Event::Paste(text) => {
                for c in text.trim().chars() {
                    picker.key(KeyEvent::from(KeyCode::Char(c)));
                }
                Flow::Continue
            }
            _ => Flow::Continue,
        };
        match flow {
            Flow::Continue => screen.draw(&picker).map_err(failed)?,
            Flow::Done(picked) => {
                screen.finish(picked.as_deref()).map_err(failed)?;
                return Ok(picked);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::awsfiles::{AwsFiles, AwsPaths, Naming};

    fn snapshot(dir: &std::path::Path, config: &str) -> Snapshot {
        std::fs::write(dir.join("config"), config).unwrap();
        std::fs::write(dir.join("credentials"), "").unwrap();
        let paths = AwsPaths::from_lookup(|key| match key {
            "AWS_CONFIG_FILE" => Some(dir.join("config").display().to_string()),
            "AWS_SHARED_CREDENTIALS_FILE" => Some(dir.join("credentials").display().to_string()),
            "HOME" => Some(dir.display().to_string()),
            _ => None,
        });
        Snapshot::from_files(AwsFiles::load(&paths).unwrap(), &Naming::default()).unwrap()
    }

    fn typed(picker: &mut Picker, text: &str) {
        for c in text.chars() {
            assert_eq!(picker.key(KeyEvent::from(KeyCode::Char(c))), Flow::Continue);
        }
    }

    fn shown(picker: &Picker) -> Vec<String> {
        picker
            .rows
            .iter()
            .map(|&i| picker.items[i].profile.name.to_string())
            .collect()
    }

    const CONFIG: &str = "[profile prod-admin]\nrole_arn = arn:aws:iam::111122223333:role/Admin\nsource_profile = dev\nregion = eu-west-1\n\n\
        [profile dev]\nregion = us-east-1\n\n[profile Staging]\nregion = eu-west-1\n";

    #[test]
    fn filters_as_the_table_does_and_picks_with_enter() {
        let dir = tempfile::tempdir().unwrap();
        let s = snapshot(dir.path(), CONFIG);
        let mut picker = Picker::new(&s, Utc::now(), None);
        assert_eq!(shown(&picker), ["Staging", "dev", "prod-admin"]);
        // Name parts ignore case; the account, the role name, the kind and the region match too.
        typed(&mut picker, "STAG");
        assert_eq!(shown(&picker), ["Staging"]);
        picker.key(KeyEvent::new(KeyCode::Char('u'), KeyModifiers::CONTROL));
        typed(&mut picker, "1111");
        assert_eq!(shown(&picker), ["prod-admin"]);
        picker.key(KeyEvent::new(KeyCode::Char('u'), KeyModifiers::CONTROL));
        typed(&mut picker, "eu-west");
        assert_eq!(shown(&picker), ["Staging", "prod-admin"]);
        for p in s.profiles() {
            assert_eq!(
                p.matches("eu-west"),
                shown(&picker).contains(&p.name.to_string())
            );
        }
        picker.key(KeyEvent::from(KeyCode::Down));
        assert_eq!(
            picker.key(KeyEvent::from(KeyCode::Enter)),
            Flow::Done(Some("prod-admin".to_owned()))
        );
    }

    #[test]
    fn esc_gives_up_and_enter_on_nothing_does_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let s = snapshot(dir.path(), CONFIG);
        let mut picker = Picker::new(&s, Utc::now(), Some("dev"));
        assert_eq!(picker.current(), Some("dev"), "starts on AWS_PROFILE");
        typed(&mut picker, "zzz");
        assert_eq!(picker.current(), None);
        assert_eq!(picker.key(KeyEvent::from(KeyCode::Enter)), Flow::Continue);
        assert_eq!(picker.lines(80, 5).1[0].0, "  (no profile matches)");
        assert_eq!(picker.key(KeyEvent::from(KeyCode::Esc)), Flow::Done(None));
        let mut picker = Picker::new(&s, Utc::now(), None);
        assert_eq!(
            picker.key(KeyEvent::new(KeyCode::Char('c'), KeyModifiers::CONTROL)),
            Flow::Done(None)
        );
    }

    #[test]
    fn lines_scroll_with_the_selection_and_hide_control_characters() {
        let dir = tempfile::tempdir().unwrap();
        let config: String = (0..30)
            .map(|i| format!("[profile p{i:02}]\nregion = r\n"))
            .chain(["[profile evil\u{1b}[31mred\u{7}]\nregion = r\n".to_owned()])
            .collect();
        let s = snapshot(dir.path(), &config);
        let mut picker = Picker::new(&s, Utc::now(), None);
        let (prompt, rows) = picker.lines(80, 5);
        assert_eq!(prompt, "profile: ");
        assert_eq!(rows.len(), 5);
        assert!(
            rows[0].1 && rows[0].0.starts_with("> evil?[31mred?"),
            "{rows:?}"
        );
        assert_eq!(rows[4].0, "  … 27 more");
        for _ in 0..7 {
            picker.key(KeyEvent::from(KeyCode::Down));
        }
        let (_, rows) = picker.lines(80, 5);
        assert!(rows[3].1 && rows[3].0.starts_with("> p06"), "{rows:?}");
        assert_eq!(rows[4].0, "  … 23 more");
        assert!(rows.iter().all(|(l, _)| !l.contains('\u{1b}')));
    }
}
