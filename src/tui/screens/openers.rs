//! The one place a dialog opened by a key on the table is registered: its key, its line in
//! the help, and the function that opens it on the selected profile.

use super::{console, defaults, keyring, populate, rotate};
use crate::awsfiles::Profile;
use crate::tui::component::{Dialog, Shared};

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
