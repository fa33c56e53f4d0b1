//! One file per screen or dialog, each owning its state, its keys and its drawing (as
//! gitui's popups): the table underneath, and the dialogs drawn over them.
//!
//! [`openers::OPENERS`] is the one place a dialog opened by a key on the table is registered.
//! This file only declares the screens: no screen imports it.

pub mod bulk;
pub mod bulk_result;
pub mod console;
pub mod defaults;
mod dialog;
pub mod error;
pub mod help;
pub mod keyring;
pub mod login;
pub mod openers;
pub mod populate;
pub mod preview;
pub mod renew;
pub mod rotate;
pub mod running;
pub mod sso_login;
pub mod table;
