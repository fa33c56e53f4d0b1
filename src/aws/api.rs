//! The calls mfatui makes, as a trait: the real SDK client implements it, and so can an
//! offline stand-in (demo) or a test double.

use super::error::{AwsError, AwsErrorKind};
use super::federation::{ConsoleCredentials, FederationEndpoint, Origin};
use crate::secret::Secret;
use chrono::{DateTime, Utc};
use std::future::Future;
use std::pin::Pin;
use std::time::Duration;

/// A boxed future that can move between threads (the TUI runs calls as tokio tasks).
pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

pub use crate::credentials::Credentials;

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

/// `sts:GetFederationToken` parameters (the console sign-in of an IAM user).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FederationTokenCall {
    /// `Name`: the federated user's name (2–32 characters of `[\w+=,.@-]`).
    pub name: String,
    /// `Policy`: the inline session policy (allow-all, so the user's own permissions apply).
    pub policy: String,
    /// `DurationSeconds` (900–129600).
    pub duration_secs: i32,
}

/// `sso:GetRoleCredentials` parameters: which account and role, at which portal.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SsoRoleCall {
    /// `sso_region`: where the portal is.
    pub region: String,
    /// The portal endpoint override (`AWS_ENDPOINT_URL_SSO`, …), if any.
    pub endpoint: Option<String>,
    /// `sso_account_id`.
    pub account_id: String,
    /// `sso_role_name`.
    pub role_name: String,
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

    /// `sts:GetFederationToken` with an IAM user's long-term `keys`: a federated session for
    /// the console (no MFA context). Keys with a session token are refused before any call.
    fn get_federation_token<'a>(
        &'a self,
        site: &'a CallSite,
        keys: &'a Credentials,
        call: FederationTokenCall,
    ) -> BoxFuture<'a, Result<ConsoleCredentials, AwsError>>;

    /// `sso:GetRoleCredentials` with the SSO access `token`: the role's credentials, through
    /// `site`'s CA bundle and time limits (its region and endpoints are STS's, not used).
    fn sso_role_credentials<'a>(
        &'a self,
        site: &'a CallSite,
        call: &'a SsoRoleCall,
        token: &'a Secret,
    ) -> BoxFuture<'a, Result<ConsoleCredentials, AwsError>>;

    /// The console sign-in endpoint's `getSigninToken`: a sign-in token for `creds`
    /// (`session_duration` only where AWS accepts it), through `site`'s CA bundle.
    fn console_signin_token<'a>(
        &'a self,
        site: &'a CallSite,
        endpoint: &'a FederationEndpoint,
        creds: &'a ConsoleCredentials,
        session_duration: Option<u32>,
    ) -> BoxFuture<'a, Result<Secret, AwsError>>;

    /// `sts:AssumeRole` with long-term `keys`, for a console session whose length
    /// `SessionDuration` may set. Keys with a session token are refused before any call.
    fn assume_role_for_console<'a>(
        &'a self,
        site: &'a CallSite,
        keys: &'a Credentials,
        call: AssumeRoleCall,
    ) -> BoxFuture<'a, Result<ConsoleCredentials, AwsError>> {
        Box::pin(async move {
            if keys.session_token.is_some() {
                return Err(AwsError::setup("a console session of chosen length needs the role assumed with long-term keys, and these keys are temporary; nothing was sent"));
            }
            let role = call.role_arn.clone();
            let creds = self.assume_role(site, keys, call).await?;
            ConsoleCredentials::new(creds, Origin::RoleFromLongTermKeys, Some(role))
        })
    }

    /// `creds` as a role session for the console, once GetCallerIdentity says they act as an
    /// assumed role: a GetSessionToken session (a user) is refused, and is never sent on.
    fn role_session<'a>(
        &'a self,
        site: &'a CallSite,
        creds: &'a Credentials,
    ) -> BoxFuture<'a, Result<ConsoleCredentials, AwsError>> {
        Box::pin(async move {
            let identity = self.caller_identity(site, creds).await?;
            let resource = identity.arn.splitn(6, ':').nth(5).unwrap_or_default();
            if !resource.starts_with("assumed-role/") {
                return Err(AwsError::new(
                    AwsErrorKind::Invalid,
                    format!("These credentials act as {}, not as an assumed role (a GetSessionToken session acts as its user): the console sign-in accepts only role sessions and federation tokens, so they were not sent.", identity.arn),
                ));
            }
            ConsoleCredentials::new(creds.clone(), Origin::RoleSession, Some(identity.arn))
        })
    }
}
