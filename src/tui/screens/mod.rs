//! One file per screen or overlay, each owning its state, its keys and its drawing (as
//! gitui's popups): the table and detail pane underneath, and the dialogs drawn over them.
//! [`crate::tui::app::App::update`] hands keys to whichever is on top.

pub mod bulk;
pub mod defaults;
pub mod detail;
mod dialog;
pub mod error;
pub mod help;
pub mod preview;
pub mod renew;
pub mod rotate;
pub mod running;
pub mod sso_login;
pub mod table;

use super::app::{App, Overlay};
use super::theme::Theme;
use ratatui::layout::Rect;
use ratatui::Frame;

/// Draws the overlay on top, if any.
pub fn render_overlay(app: &App, theme: Theme, frame: &mut Frame, area: Rect) {
    match &app.overlay {
        Overlay::None => {}
        Overlay::Help(help) => help::render(help, theme, frame, area),
        Overlay::Renew(form) => renew::render(app, form, theme, frame, area),
        Overlay::Defaults(form) => defaults::render(form, theme, frame, area),
        Overlay::Bulk(form) => bulk::render(form, theme, frame, area),
        Overlay::BulkRunning(running) => bulk::render_running(app, running, theme, frame, area),
        Overlay::Running(running) => running::render(app, running, theme, frame, area),
        Overlay::Preview(preview) => preview::render(preview, theme, frame, area),
        Overlay::Error { title, message } => error::render(title, message, theme, frame, area),
        Overlay::Rotate(form) => rotate::render(app, form, theme, frame, area),
        Overlay::SsoLogin(login) => sso_login::render(app, login, theme, frame, area),
    }
}
