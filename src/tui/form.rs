//! The renew dialog's state: mode, duration (presets or typed), MFA code, focus, validation.

use crate::renew::duration::{self, CHAINED_MAX, ROLE_LIMITS, SESSION_LIMITS};
use crate::renew::Mode;

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
    pub fn duration(&self) -> Result<u32, String> {
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
                self.custom = None;
                self.preset = step(
                    self.preset,
                    presets(self.current_mode(), self.chained).len(),
                );
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
            f.duration().unwrap_err(),
            "10m is outside what GetSessionToken allows (15m to 36h)"
        );
        let chained = RenewForm::new("t", vec![Mode::Role], Some(7200), true);
        assert!(chained.duration().is_err(), "2h is too long when chaining");
    }
}
