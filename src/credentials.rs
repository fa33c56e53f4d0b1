//! An access key pair, long-term or temporary: the vocabulary the files, the AWS calls and
//! the serving layer share. The secret parts never print themselves.

use crate::secret::Secret;
use chrono::{DateTime, Utc};

/// Variables that give an SDK credentials ahead of any profile `AWS_PROFILE` names: the
/// environment's keys (the Java SDK v1's names too), `AWS_DEFAULT_PROFILE` (botocore and the
/// AWS CLI read it), and web identity (botocore's chain asks it before the shared files).
pub const AHEAD_OF_PROFILE: [&str; 10] = [
    "AWS_DEFAULT_PROFILE",
    "AWS_ACCESS_KEY_ID",
    "AWS_SECRET_ACCESS_KEY",
    "AWS_SESSION_TOKEN",
    "AWS_SECURITY_TOKEN",
    "AWS_CREDENTIAL_EXPIRATION",
    "AWS_WEB_IDENTITY_TOKEN_FILE",
    "AWS_ROLE_ARN",
    "AWS_ACCESS_KEY",
    "AWS_SECRET_KEY",
];

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
