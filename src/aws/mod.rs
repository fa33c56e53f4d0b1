//! AWS calls: STS, IAM and SSO login (OIDC) through aws-sdk-*, client construction (region, endpoint,
//! timeouts, the HTTPS client with its CA bundle and proxies), and mapping every failure to one
//! clear sentence.

pub mod api;
pub mod demo;
pub mod endpoint;
pub mod error;
pub mod http;
pub mod sdk;
pub mod sso;

pub use api::{
    AccessKey, AssumeRoleCall, AwsApi, CallSite, Credentials, Identity, SessionTokenCall,
};
pub use error::{AwsError, AwsErrorKind};
pub use sdk::root_cause as sdk_cause;
