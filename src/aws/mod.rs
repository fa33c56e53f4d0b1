//! AWS calls: STS, IAM, SSO login (OIDC), the SSO portal and `aws login` refreshes (Sign-In)
//! through aws-sdk-*, the console sign-in endpoint (federation), client construction (region,
//! endpoint, timeouts, the HTTPS client with its CA bundle and proxies), and mapping every
//! failure to one clear sentence.

pub mod api;
pub mod crowd;
pub mod demo;
pub mod endpoint;
pub mod error;
pub mod federation;
pub mod http;
pub mod login;
pub mod sdk;
pub mod sso;

pub use api::{
    AccessKey, AssumeRoleCall, AwsApi, CallSite, Credentials, FederationTokenCall, Identity,
    SessionTokenCall, SsoRoleCall,
};
pub use error::root_cause as sdk_cause;
pub use error::{AwsError, AwsErrorKind};
