//! How a renewal is made: the two modes, shared by planning, settings and the interface.

/// How to renew.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    /// `sts:GetSessionToken` with long-term keys and the MFA code.
    Session,
    /// `sts:AssumeRole` through the profile's source chain.
    Role,
}

impl Mode {
    /// `session` or `role`.
    pub fn label(self) -> &'static str {
        match self {
            Mode::Session => "session",
            Mode::Role => "role",
        }
    }
}
