//! Colours and emphasis, with a monochrome variant for `NO_COLOR`.

use ratatui::style::{Color, Modifier, Style};

/// The styles the views use.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Theme {
    /// Whether colours are used at all.
    pub colour: bool,
}

impl Theme {
    /// Colours unless `NO_COLOR` is set (to anything non-empty).
    pub fn from_env(env: &crate::context::Env) -> Theme {
        Theme {
            colour: env.get("NO_COLOR").is_none(),
        }
    }

    fn fg(self, c: Color) -> Style {
        if self.colour {
            Style::new().fg(c)
        } else {
            Style::new()
        }
    }

    /// Plenty of time left.
    pub fn ok(self) -> Style {
        self.fg(Color::Green)
    }
    /// Under the warning threshold.
    pub fn warn(self) -> Style {
        self.fg(Color::Yellow)
    }
    /// Under the danger threshold, and errors.
    pub fn danger(self) -> Style {
        self.fg(Color::Red).add_modifier(Modifier::BOLD)
    }
    /// Expired, absent, secondary.
    pub fn dim(self) -> Style {
        if self.colour {
            Style::new().fg(Color::DarkGray)
        } else {
            Style::new().add_modifier(Modifier::DIM)
        }
    }
    /// Titles and keys.
    pub fn accent(self) -> Style {
        self.fg(Color::Cyan).add_modifier(Modifier::BOLD)
    }
    /// The selected row.
    pub fn selected(self) -> Style {
        if self.colour {
            Style::new()
                .bg(Color::Blue)
                .fg(Color::White)
                .add_modifier(Modifier::BOLD)
        } else {
            Style::new().add_modifier(Modifier::REVERSED)
        }
    }
    /// Added diff lines.
    pub fn added(self) -> Style {
        self.fg(Color::Green)
    }
    /// Removed diff lines.
    pub fn removed(self) -> Style {
        self.fg(Color::Red)
    }
}
