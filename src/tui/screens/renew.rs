//! The renew dialog: its state (mode, duration presets or typed, MFA code, focus), its keys,
//! and its drawing.

use super::dialog::form_dialog;
use super::running::{CodeSource, RenewJob, Running};
use crate::duration::{self, DurationError, CHAINED_MAX, ROLE_LIMITS, SESSION_LIMITS};
use crate::renew::plan::{modes_for, plan};
use crate::renew::{prepare, MfaCode, Mode, Prepared, RenewError, Renewal, Request};
use crate::tui::component::{Cx, Dialog, Flow, Shared};
use crate::tui::theme::Theme;
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::Frame;

/// The dialog's fields, in Tab order.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Field {
    /// session / role.
    Mode,
    /// Preset or typed duration.
    Duration,
    /// The six digits.
    Code,
}

/// The renew dialog.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RenewForm {
    /// The profile being renewed.
    pub profile: String,
    /// The modes that apply (at least one).
    pub modes: Vec<Mode>,
    /// Index into `modes`.
    pub mode: usize,
    /// Index into the presets of the current mode.
    pub preset: usize,
    /// A typed duration replacing the preset, while being edited or after.
    pub custom: Option<String>,
    /// The code typed so far (digits only).
    pub code: String,
    /// Whether the code is shown as dots.
    pub masked: bool,
    /// Focused field.
    pub field: Field,
    /// Why the last submit was refused.
    pub error: Option<String>,
    /// Whether the current role chain has more than one hop (1 h limit).
    pub chained: bool,
    /// Which program asked for this renewal, when one did (through the request socket).
    pub asked_by: Option<String>,
}

/// Duration presets per mode.
pub fn presets(mode: Mode, chained: bool) -> Vec<u32> {
    match mode {
        Mode::Session => vec![3600, 4 * 3600, 8 * 3600, 12 * 3600, 24 * 3600, 36 * 3600],
        Mode::Role if chained => vec![900, 1800, 3600],
        Mode::Role => vec![900, 1800, 3600, 2 * 3600, 4 * 3600, 8 * 3600, 12 * 3600],
    }
}

impl RenewForm {
    /// A dialog for `profile`; `default_duration` picks the initial preset.
    pub fn new(
        profile: &str,
        modes: Vec<Mode>,
        default_duration: Option<u32>,
        chained: bool,
    ) -> RenewForm {
        let mut form = RenewForm {
            profile: profile.to_owned(),
            modes,
            mode: 0,
            preset: 0,
            custom: None,
            code: String::new(),
            masked: false,
            field: Field::Code,
            error: None,
            chained,
            asked_by: None,
        };
        form.select_default_duration(default_duration);
        form
    }

    fn select_default_duration(&mut self, wanted: Option<u32>) {
        let list = presets(self.current_mode(), self.chained);
        let wanted = wanted.unwrap_or(match self.current_mode() {
            Mode::Session => 12 * 3600,
            Mode::Role => 3600,
        });
        match list.iter().position(|&p| p == wanted) {
            Some(i) => self.preset = i,
            None => {
                self.preset = list.iter().position(|&p| p == 3600).unwrap_or(0);
                self.custom = Some(duration::human(wanted));
            }
        }
    }

    /// The selected mode.
    pub fn current_mode(&self) -> Mode {
        self.modes[self.mode]
    }

    /// The duration text shown (typed, or the preset's).
    pub fn duration_text(&self) -> String {
        match &self.custom {
            Some(text) => text.clone(),
            None => duration::human(presets(self.current_mode(), self.chained)[self.preset]),
        }
    }

    /// The chosen duration in seconds, checked against the mode's limits.
    pub fn duration(&self) -> Result<u32, DurationError> {
        let secs = match &self.custom {
            Some(text) => duration::parse(text)?,
            None => presets(self.current_mode(), self.chained)[self.preset],
        };
        match (self.current_mode(), self.chained) {
            (Mode::Session, _) => duration::check(secs, SESSION_LIMITS, "GetSessionToken"),
            (Mode::Role, true) => duration::check(
                secs,
                (ROLE_LIMITS.0, CHAINED_MAX),
                "AssumeRole with role chaining",
            ),
            (Mode::Role, false) => duration::check(secs, ROLE_LIMITS, "AssumeRole"),
        }
    }

    /// Moves focus to the next field (Tab) or previous one (Shift-Tab).
    pub fn focus(&mut self, forward: bool) {
        let order = [Field::Mode, Field::Duration, Field::Code];
        let i = order.iter().position(|f| *f == self.field).unwrap_or(2);
        let next = if forward { (i + 1) % 3 } else { (i + 2) % 3 };
        self.field = order[next];
    }

    /// ←/→ on the focused field: cycles modes or duration presets.
    pub fn cycle(&mut self, forward: bool) {
        let step = |i: usize, n: usize| {
            if forward {
                (i + 1) % n
            } else {
                (i + n - 1) % n
            }
        };
        match self.field {
            Field::Mode if self.modes.len() > 1 => {
                self.mode = step(self.mode, self.modes.len());
                self.custom = None;
                self.select_default_duration(None);
            }
            Field::Duration => {
                let list = presets(self.current_mode(), self.chained);
                // From a typed value, the next preset above (→) or below (←) it, wrapping.
                let typed = self.custom.as_deref().and_then(|t| duration::parse(t).ok());
                self.preset = match typed {
                    Some(secs) if forward => list.iter().position(|&p| p > secs).unwrap_or(0),
                    Some(secs) => list
                        .iter()
                        .rposition(|&p| p < secs)
                        .unwrap_or(list.len() - 1),
                    None => step(self.preset, list.len()),
                };
                self.custom = None;
            }
            _ => {}
        }
        self.error = None;
    }

    /// Typed text: digits into the code, duration text into a focused duration.
    pub fn type_text(&mut self, text: &str) {
        match self.field {
            Field::Code => {
                for c in text.chars().filter(char::is_ascii_digit) {
                    if self.code.len() < 6 {
                        self.code.push(c);
                    }
                }
            }
            Field::Duration => {
                let custom = self.custom.get_or_insert_with(String::new);
                custom.extend(text.chars().filter(|c| c.is_ascii_alphanumeric()).take(8));
            }
            Field::Mode => {}
        }
        self.error = None;
    }

    /// Backspace on the focused field.
    pub fn backspace(&mut self) {
        match self.field {
            Field::Code => {
                self.code.pop();
            }
            Field::Duration => {
                if let Some(c) = &mut self.custom {
                    c.pop();
                    if c.is_empty() {
                        self.custom = None;
                    }
                }
            }
            Field::Mode => {}
        }
        self.error = None;
    }
}

/// Why the renew form has no renewal to offer (one sentence each).
#[derive(Debug, thiserror::Error)]
pub enum FormError {
    /// No such profile (any more).
    #[error("there is no profile named '{0}'")]
    NoProfile(String),
    /// A kind of profile the form does not renew.
    #[error("'{name}' is a {kind} profile; mfatui renews profiles with keys or a role{hint}.")]
    NotRenewable {
        /// The profile.
        name: String,
        /// Its kind's label.
        kind: &'static str,
        /// How it is renewed instead, when the table knows (` (⏎ on it signs in)`).
        hint: &'static str,
    },
    /// The duration does not read, or is out of the call's limits.
    #[error(transparent)]
    Duration(#[from] DurationError),
    /// The renewal cannot be planned.
    #[error(transparent)]
    Renew(#[from] RenewError),
    /// The profile renews another way than with a code.
    #[error("'{0}' is not renewed with a code; ⏎ on it in the table renews it")]
    NotWithCode(String),
}

/// Opens the renew dialog on `name`, or says in one sentence why it cannot be renewed.
pub fn open(shared: &Shared, name: &str) -> Result<Box<dyn Dialog>, FormError> {
    form(shared, name).map(|f| Box::new(f) as Box<dyn Dialog>)
}

/// The renew form for `name`, or why there is none.
pub fn form(shared: &Shared, name: &str) -> Result<RenewForm, FormError> {
    let profile = shared
        .profile(name)
        .ok_or_else(|| FormError::NoProfile(name.to_owned()))?;
    let modes = modes_for(profile);
    if modes.is_empty() {
        let hint = match profile.kind {
            crate::awsfiles::ProfileKind::Sso => " (⏎ on it signs in)",
            _ => "",
        };
        return Err(FormError::NotRenewable {
            name: profile.name.to_string(),
            kind: profile.kind.label(),
            hint,
        });
    }
    let opts = crate::renew::plan::RenewOptions::of(shared.ctx, name, shared.now);
    let (duration, chained) = match plan(&shared.data.snapshot, name, &opts) {
        Ok(r) => (Some(r.duration_secs), r.hops.len() > 1),
        _ => (None, false),
    };
    Ok(RenewForm::new(&profile.name, modes, duration, chained))
}

/// The renewal `form` describes, planned against the loaded files.
pub fn form_plan(shared: &Shared, form: &RenewForm) -> Result<Renewal, FormError> {
    let request = Request {
        mode: Some(form.current_mode()),
        duration: Some(form.duration()?),
        ..Request::one(&form.profile)
    };
    match prepare(shared.ctx, &shared.data.snapshot, &request)? {
        Prepared::One(renewal) => Ok(*renewal),
        _ => Err(FormError::NotWithCode(form.profile.clone())),
    }
}

/// The `mfa_process` command of the renewed profile or its source, if any.
pub fn mfa_process(shared: &Shared, renewal: &Renewal) -> Option<String> {
    [&renewal.profile, &renewal.source.profile]
        .iter()
        .find_map(|p| {
            shared
                .data
                .snapshot
                .map()
                .profile(p)?
                .get("mfa_process")
                .map(str::to_owned)
        })
}

impl Dialog for RenewForm {
    fn key(&mut self, key: KeyEvent, cx: &mut Cx) -> Flow {
        match key.code {
            KeyCode::Esc => return Flow::Close,
            KeyCode::Tab => self.focus(true),
            KeyCode::BackTab => self.focus(false),
            KeyCode::Left => self.cycle(false),
            KeyCode::Right => self.cycle(true),
            KeyCode::Up if self.field != Field::Mode => self.focus(false),
            KeyCode::Down if self.field != Field::Code => self.focus(true),
            KeyCode::Backspace => self.backspace(),
            KeyCode::Char('t') if key.modifiers.contains(KeyModifiers::CONTROL) => {
                self.masked = !self.masked
            }
            KeyCode::Char('d')
                if key.modifiers.contains(KeyModifiers::CONTROL) && self.asked_by.is_some() =>
            {
                cx.decline_requests();
                return Flow::Close;
            }
            KeyCode::Char(c) => self.type_text(&c.to_string()),
            KeyCode::Enter => return self.submit(cx),
            _ => {}
        }
        Flow::Stay
    }

    fn paste(&mut self, text: &str) {
        self.type_text(text);
    }

    fn asked_by(&mut self, asker: Option<String>) {
        self.asked_by = asker;
    }

    fn keys(&self) -> Vec<(&'static str, &'static str)> {
        vec![
            ("0-9", "code"),
            ("Tab", "field"),
            ("← →", "mode / duration"),
            ("Ctrl-T", "hide code"),
            ("⏎", "renew"),
            ("Esc", "cancel"),
        ]
    }

    fn render(&self, shared: &Shared, theme: Theme, frame: &mut Frame, area: Rect) {
        render(shared, self, theme, frame, area)
    }

    fn as_any(&self) -> &dyn std::any::Any {
        self
    }
}

impl RenewForm {
    /// Enter: checks the duration and code, then starts the renewal.
    fn submit(&mut self, cx: &mut Cx) -> Flow {
        let renewal = match form_plan(&cx.shared, self) {
            Ok(r) => r,
            Err(e) => {
                self.error = Some(e.to_string());
                return Flow::Stay;
            }
        };
        let code = if !renewal.needs_code() {
            CodeSource::NotNeeded
        } else if mfa_process(&cx.shared, &renewal).is_some() {
            CodeSource::Process
        } else {
            match MfaCode::parse(&self.code) {
                Ok(code) => CodeSource::Typed(code),
                Err(e) => {
                    self.error = Some(e.to_string());
                    self.field = Field::Code;
                    return Flow::Stay;
                }
            }
        };
        let renewal = Box::new(renewal);
        let job = cx.spawn(RenewJob {
            renewal: renewal.clone(),
            snapshot: cx.shared.data.snapshot.clone(),
            code,
        });
        Flow::Replace(Box::new(Running {
            job,
            profile: self.profile.clone(),
            started: cx.shared.now,
            renewal,
            asked_by: self.asked_by.clone(),
        }))
    }
}

/// The form's `Mode` and `Duration` lines (shared with the defaults dialog): label, the
/// focused field highlighted, and `extra` (dim) after each value.
pub(super) fn mode_and_duration(
    form: &RenewForm,
    theme: Theme,
    extra: [String; 2],
) -> [Line<'static>; 2] {
    let focus = |f: Field| {
        if form.field == f {
            theme.selected()
        } else {
            ratatui::style::Style::new()
        }
    };
    let [mode_extra, duration_extra] = extra;
    [
        Line::from(vec![
            Span::styled("Mode       ", theme.dim()),
            Span::styled(
                format!("◀ {} ▶", form.current_mode().label()),
                focus(Field::Mode),
            ),
            Span::styled(mode_extra, theme.dim()),
        ]),
        Line::from(vec![
            Span::styled("Duration   ", theme.dim()),
            Span::styled(
                format!("◀ {} ▶", form.duration_text()),
                focus(Field::Duration),
            ),
            Span::styled(duration_extra, theme.dim()),
        ]),
    ]
}

fn render(shared: &Shared, form: &RenewForm, theme: Theme, frame: &mut Frame, area: Rect) {
    let focus = |f: Field| {
        if form.field == f {
            theme.selected()
        } else {
            ratatui::style::Style::new()
        }
    };
    let planned = form_plan(shared, form);
    let mode_text = form
        .modes
        .iter()
        .map(|m| m.label())
        .collect::<Vec<_>>()
        .join(" / ");
    let limits = match (form.current_mode(), form.chained) {
        (Mode::Session, _) => "   15m – 36h",
        (Mode::Role, true) => "   15m – 1h (role chaining)",
        (Mode::Role, false) => "   15m – 12h",
    };
    let mut lines =
        mode_and_duration(form, theme, [format!("   ({mode_text})"), limits.into()]).to_vec();
    if let Some(asker) = &form.asked_by {
        lines.insert(
            0,
            Line::styled(
                format!("Asked for by {asker} · Esc declines · Ctrl-D declines all"),
                theme.warn(),
            ),
        );
        lines.insert(1, Line::raw(""));
    }
    let code_line = match &planned {
        Ok(r) if !r.needs_code() => Line::from(vec![
            Span::styled("MFA code   ", theme.dim()),
            Span::raw(format!(
                "not needed: the MFA session of '{}' is reused",
                r.source.profile
            )),
        ]),
        Ok(r) if mfa_process(shared, r).is_some() => Line::from(vec![
            Span::styled("MFA code   ", theme.dim()),
            Span::raw("from mfa_process"),
        ]),
        _ => {
            let shown: String = if form.masked {
                "•".repeat(form.code.len())
            } else {
                form.code.clone()
            };
            let boxes = format!("[{shown:_<6}]");
            let serial = planned.as_ref().ok().and_then(|r| r.serial()).unwrap_or("");
            Line::from(vec![
                Span::styled("MFA code   ", theme.dim()),
                Span::styled(boxes, focus(Field::Code)),
                Span::styled(format!("  {}", crate::text::shown(serial)), theme.dim()),
            ])
        }
    };
    lines.push(code_line);
    lines.push(Line::raw(""));
    match &planned {
        Ok(r) => {
            let how = match r.mode {
                Mode::Session => format!("GetSessionToken with the keys of '{}'", r.source.profile),
                Mode::Role => {
                    let hops: Vec<&str> = r.hops.iter().map(|h| h.profile.as_str()).collect();
                    format!(
                        "AssumeRole {} from '{}'",
                        hops.join(" → "),
                        r.source.profile
                    )
                }
            };
            lines.push(Line::styled(how, theme.dim()));
            lines.push(Line::from(format!(
                "Writes [{}] in the credentials file, {}",
                r.target,
                duration::human(r.duration_secs)
            )));
        }
        Err(e) => lines.push(Line::styled(e.to_string(), theme.danger())),
    }
    form_dialog(
        frame,
        area,
        &format!(" Renew {} ", form.profile),
        76,
        lines,
        form.error.as_deref(),
        "⏎ renew · Tab field · ←→ change · Esc cancel",
        true,
        theme,
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_follow_the_mode() {
        let f = RenewForm::new("dev", vec![Mode::Session], None, false);
        assert_eq!(f.duration(), Ok(43_200));
        assert_eq!(f.field, Field::Code);
        let r = RenewForm::new("admin", vec![Mode::Role], Some(7200), false);
        assert_eq!(r.duration(), Ok(7200));
        let odd = RenewForm::new("admin", vec![Mode::Role], Some(5400), false);
        assert_eq!(odd.duration_text(), "1h30m");
        assert_eq!(odd.duration(), Ok(5400));
    }

    #[test]
    fn typing_and_cycling_edit_the_focused_field() {
        let mut f = RenewForm::new("dev", vec![Mode::Session], None, false);
        f.type_text("12a34 5678");
        assert_eq!(f.code, "123456", "digits only, six at most");
        f.backspace();
        assert_eq!(f.code, "12345");
        f.focus(false);
        assert_eq!(f.field, Field::Duration);
        f.cycle(true);
        assert_eq!(f.duration(), Ok(86_400));
        f.type_text("10m");
        assert_eq!(
            f.duration().unwrap_err().to_string(),
            "10m is outside what GetSessionToken allows (15m to 36h)"
        );
        // ←/→ start from a typed value, not from the preset it replaced.
        let mut typed = RenewForm::new("dev", vec![Mode::Session], None, false);
        typed.focus(false);
        typed.type_text("90m");
        typed.cycle(true);
        assert_eq!(typed.duration(), Ok(4 * 3600), "90m then → is 4h, not 24h");
        typed.type_text("90m");
        typed.cycle(false);
        assert_eq!(typed.duration(), Ok(3600), "90m then ← is 1h");
        typed.type_text("40h");
        typed.cycle(true);
        assert_eq!(
            typed.duration(),
            Ok(3600),
            "past the last preset → wraps to the first"
        );
        let chained = RenewForm::new("t", vec![Mode::Role], Some(7200), true);
        assert!(chained.duration().is_err(), "2h is too long when chaining");
    }
}
