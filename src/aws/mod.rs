//! AWS calls: STS, IAM, SSO login (OIDC) and `aws login` refreshes (Sign-In) through
//! aws-sdk-*, client construction (region, endpoint, timeouts), and mapping every failure to
//! one clear sentence.

pub mod api;
pub mod demo;
pub mod endpoint;
pub mod error;
pub mod login;
pub mod sdk;
pub mod sso;

pub use api::{
    AccessKey, AssumeRoleCall, AwsApi, CallSite, Credentials, Identity, SessionTokenCall,
};
pub use error::{AwsError, AwsErrorKind};
pub use sdk::root_cause as sdk_cause;
