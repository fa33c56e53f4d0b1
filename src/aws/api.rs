//! The calls mfatui makes, as a trait: the real SDK client implements it, and so can an
//! offline stand-in (demo) or a test double.

use super::error::AwsError;
use crate::secret::Secret;
use chrono::{DateTime, Utc};
use std::future::Future;
use std::pin::Pin;
use std::time::Duration;

/// A boxed future that can move between threads (the TUI runs calls as tokio tasks).
pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

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

/// Where and how to call: region, endpoint overrides, trusted roots and time limits.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CallSite {
    /// The region (also picks the regional STS endpoint).
    pub region: String,
    /// STS endpoint override (`AWS_ENDPOINT_URL_STS`, `endpoint_url`, …), if any.
    pub sts_endpoint: Option<String>,
    /// IAM endpoint override, if any.
    pub iam_endpoint: Option<String>,
    /// The CA bundle trusted instead of the platform's roots (`AWS_CA_BUNDLE`, the
    /// profile's `ca_bundle`), if any.
    pub ca_bundle: Option<super::http::CaBundle>,
    /// Time allowed to open a connection.
    pub connect_timeout: Duration,
    /// Time allowed for a whole call, retries included.
    pub call_timeout: Duration,
}

/// `sts:GetSessionToken` parameters.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SessionTokenCall {
    /// `DurationSeconds`.
    pub duration_secs: i32,
    /// `SerialNumber` (MFA device).
    pub serial: Option<String>,
    /// `TokenCode` (the 6-digit code).
    pub code: Option<String>,
}

/// `sts:AssumeRole` parameters.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AssumeRoleCall {
    /// `RoleArn`.
    pub role_arn: String,
    /// `RoleSessionName`.
    pub session_name: String,
    /// `ExternalId`.
    pub external_id: Option<String>,
    /// `SerialNumber`.
    pub serial: Option<String>,
    /// `TokenCode`.
    pub code: Option<String>,
    /// `DurationSeconds`.
    pub duration_secs: i32,
}

/// `sts:GetCallerIdentity` answer.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Identity {
    /// The account id.
    pub account: String,
    /// The caller's ARN (`arn:aws:iam::123456789012:user/ana`).
    pub arn: String,
}

impl Identity {
    /// The IAM user name, when the caller is an IAM user.
    pub fn user_name(&self) -> Option<&str> {
        let resource = self.arn.splitn(6, ':').nth(5)?;
        resource
            .strip_prefix("user/")
            .map(|path| path.rsplit('/').next().unwrap_or(path))
    }
}

/// One of an IAM user's access keys (`iam:ListAccessKeys`): no secret.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AccessKey {
    /// The key id.
    pub id: String,
    /// When it was created.
    pub created: Option<DateTime<Utc>>,
    /// Whether it is active.
    pub active: bool,
}

/// The STS and IAM calls mfatui needs.
pub trait AwsApi: Send + Sync {
    /// `sts:GetSessionToken` with `creds`.
    fn get_session_token<'a>(
        &'a self,
        site: &'a CallSite,
        creds: &'a Credentials,
        call: SessionTokenCall,
    ) -> BoxFuture<'a, Result<Credentials, AwsError>>;

    /// `sts:AssumeRole` with `creds`.
    fn assume_role<'a>(
        &'a self,
        site: &'a CallSite,
        creds: &'a Credentials,
        call: AssumeRoleCall,
    ) -> BoxFuture<'a, Result<Credentials, AwsError>>;

    /// `sts:GetCallerIdentity` with `creds`.
    fn caller_identity<'a>(
        &'a self,
        site: &'a CallSite,
        creds: &'a Credentials,
    ) -> BoxFuture<'a, Result<Identity, AwsError>>;

    /// `iam:ListMFADevices` for `user`: the devices' serial numbers.
    fn list_mfa_devices<'a>(
        &'a self,
        site: &'a CallSite,
        creds: &'a Credentials,
        user: &'a str,
    ) -> BoxFuture<'a, Result<Vec<String>, AwsError>>;

    /// `iam:ListAccessKeys` for `user`.
    fn list_access_keys<'a>(
        &'a self,
        site: &'a CallSite,
        creds: &'a Credentials,
        user: &'a str,
    ) -> BoxFuture<'a, Result<Vec<AccessKey>, AwsError>>;

    /// `iam:CreateAccessKey` for `user`: the new long-term key pair.
    fn create_access_key<'a>(
        &'a self,
        site: &'a CallSite,
        creds: &'a Credentials,
        user: &'a str,
    ) -> BoxFuture<'a, Result<Credentials, AwsError>>;

    /// `iam:DeleteAccessKey` (`deactivate`: `iam:UpdateAccessKey` to Inactive instead).
    fn retire_access_key<'a>(
        &'a self,
        site: &'a CallSite,
        creds: &'a Credentials,
        user: &'a str,
        key_id: &'a str,
        deactivate: bool,
    ) -> BoxFuture<'a, Result<(), AwsError>>;
}
