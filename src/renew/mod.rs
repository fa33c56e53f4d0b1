//! Renewing a profile: planning it (mode, source credentials, role hops, target, duration,
//! checked before any call), where its code comes from, running the calls, turning the
//! result into file edits; bulk renewals; a profile's current sessions; SSO tokens (refresh before sign-in); and the service that
//! ensures a fresh session for the commands, the serving layer and the TUI.

pub mod bulk;
pub mod code;
pub mod error;
pub mod execute;
pub mod lock;
pub mod plan;
pub mod service;
pub mod session;
pub mod sso;

pub use code::MfaCode;
pub use error::RenewError;
pub use plan::{Mode, RenewOptions, Renewal};
pub use service::{Renewer, Served, Want};
