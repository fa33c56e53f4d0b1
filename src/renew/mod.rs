//! Renewing a profile: planning it (mode, source credentials, role hops, target, duration,
//! checked before any call), where its code comes from, running the calls, turning the
//! result into file edits; bulk renewals; a profile's current sessions; SSO tokens (refresh before sign-in); the service that
//! ensures a fresh session for the commands, the serving layer and the TUI; and the one
//! request every renewal goes through, whose kind the service picks (`request.rs`).

pub mod bulk;
pub mod code;
pub mod error;
pub mod execute;
pub mod lock;
pub mod plan;
pub mod request;
pub mod service;
pub mod session;
pub mod sso;

pub use code::MfaCode;
pub use error::RenewError;
pub use plan::{Mode, RenewOptions, Renewal};
pub use request::{prepare, Inject, Outcome, Prepared, Request};
pub use service::{Renewer, Served, Want};
