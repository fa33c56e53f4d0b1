//! An access key pair, long-term or temporary: the vocabulary the files, the AWS calls and
//! the serving layer share. The secret parts never print themselves.

use crate::secret::Secret;
use chrono::{DateTime, Utc};

/// An access key pair, possibly temporary.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Credentials {
    /// `aws_access_key_id` (not secret, but shown only masked).
    pub access_key_id: String,
    /// `aws_secret_access_key`.
    pub secret_access_key: Secret,
    /// `aws_session_token`, for temporary credentials.
    pub session_token: Option<Secret>,
    /// When temporary credentials expire.
    pub expiration: Option<DateTime<Utc>>,
}

impl Credentials {
    /// Whether these are temporary credentials (they carry a session token).
    pub fn is_temporary(&self) -> bool {
        self.session_token.is_some()
    }
}
