//! Renewing a profile: choosing mode, source credentials, role hops and target, checking the
//! MFA code and duration before any call, running the calls, and planning the file edits.

pub mod bulk;
pub mod code;
pub mod current;
pub mod execute;
pub mod plan;

pub use code::MfaCode;
pub use plan::{Mode, RenewOptions, Renewal};
