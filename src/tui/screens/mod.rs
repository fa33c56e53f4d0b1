//! One file per screen or dialog, each owning its state, its keys and its drawing (as
//! gitui's popups): the table underneath, and the dialogs drawn over them.
//!
//! [`OPENERS`] is the one place a dialog opened by a key on the table is registered: its key,
//! its line in the help, and the function that opens it on the selected profile.

pub mod bulk;
pub mod console;
pub mod defaults;
mod dialog;
pub mod error;
pub mod help;
pub mod keyring;
pub mod login;
pub mod populate;
pub mod preview;
pub mod renew;
pub mod rotate;
pub mod running;
pub mod sso_login;
pub mod table;

use super::component::{Dialog, Shared};
use crate::awsfiles::Profile;

/// `path` with the home folder written `~`, so that it fits in a toast or a dialog.
pub fn home_short(shared: &Shared, path: &std::path::Path) -> String {
    match shared.ctx.env.get("HOME").map(std::path::Path::new) {
        Some(home) if path.starts_with(home) && home != std::path::Path::new("/") => {
            format!("~/{}", path.strip_prefix(home).unwrap_or(path).display())
        }
        _ => path.display().to_string(),
    }
}

/// A dialog the table opens with a key.
pub struct Opener {
    /// The key.
    pub key: char,
    /// Its line in the help.
    pub help: &'static str,
    /// Opens the dialog on the selected profile (or an error dialog saying why not).
    pub open: fn(&Shared, &Profile) -> Box<dyn Dialog>,
}

/// Every dialog opened by a key on the table.
pub const OPENERS: &[Opener] = &[
    Opener {
        key: 'c',
        help: "open the AWS console as the profile (in its own browser)",
        open: console::open,
    },
    Opener {
        key: 'K',
        help: "rotate the access key (new key, verified, old deleted)",
        open: rotate::open,
    },
    Opener {
        key: 's',
        help: "save the profile's default mode and duration to settings",
        open: defaults::open,
    },
    Opener {
        key: 'P',
        help: "SSO: a profile for every account and role of the session",
        open: populate::open,
    },
    Opener {
        key: 'V',
        help: "keep the access key in the OS keyring, out of the files",
        open: keyring::open,
    },
];
