//! One clear sentence for every way an STS or IAM call can fail. Never carries secrets.

use std::fmt;

/// The kinds of failure a person needs to tell apart.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AwsErrorKind {
    /// The MFA code was wrong, expired or already used.
    WrongCode,
    /// The caller is not allowed to make the call.
    AccessDenied,
    /// The role's trust policy does not let the caller assume it.
    RoleNotAssumable,
    /// The access key id or secret key is not valid.
    InvalidKeys,
    /// The credentials used for the call have expired.
    ExpiredCredentials,
    /// AWS is throttling requests.
    Throttled,
    /// The endpoint could not be reached.
    Network,
    /// The endpoint's TLS certificate is not signed by a trusted root.
    Untrusted,
    /// A local setting (such as the CA bundle) rules the call out; nothing was sent.
    Setup,
    /// The call did not finish in time.
    Timeout,
    /// AWS rejected the parameters.
    Invalid,
    /// Anything else.
    Other,
}

/// A failed call, as one sentence.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AwsError {
    /// What kind of failure.
    pub kind: AwsErrorKind,
    /// The sentence to show.
    pub message: String,
}

impl fmt::Display for AwsError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for AwsError {}

impl AwsError {
    pub(super) fn new(kind: AwsErrorKind, message: impl Into<String>) -> Self {
        AwsError {
            kind,
            message: message.into(),
        }
    }

    /// Maps an AWS error response (`Code` and `Message` of the XML body) of `operation`.
    pub fn from_service(operation: &str, code: Option<&str>, message: Option<&str>) -> Self {
        let msg = message.unwrap_or("").trim();
        let code = code.unwrap_or("");
        let lower = msg.to_ascii_lowercase();
        match code {
            _ if lower.contains("multifactorauthentication failed") || lower.contains("mfa") && code == "AccessDenied" && lower.contains("code") => {
                Self::new(AwsErrorKind::WrongCode, "The MFA code was rejected (wrong, expired or already used): wait for the next code and try again.")
            }
            "AccessDenied" if operation == "AssumeRole" && lower.contains("sts:assumerole") => Self::new(
                AwsErrorKind::RoleNotAssumable,
                format!("The role cannot be assumed by these credentials: check the role's trust policy (and that it allows this user or account). AWS said: {msg}"),
            ),
            "AccessDenied" => Self::new(
                AwsErrorKind::AccessDenied,
                format!("Access denied for {operation}: the IAM policy must allow sts:{operation} (a \"deny without MFA\" policy has to exempt it). AWS said: {msg}"),
            ),
            "InvalidClientTokenId" => Self::new(AwsErrorKind::InvalidKeys, "The access key id is not valid (deleted, deactivated or mistyped): check the profile's aws_access_key_id."),
            "SignatureDoesNotMatch" => Self::new(AwsErrorKind::InvalidKeys, "The secret access key does not match the access key id: check the profile's aws_secret_access_key."),
            "ExpiredToken" | "ExpiredTokenException" | "RequestExpired" => Self::new(
                AwsErrorKind::ExpiredCredentials,
                "The credentials used for this call have expired: renew the source profile first.",
            ),
            "Throttling" | "ThrottlingException" | "RequestLimitExceeded" | "TooManyRequestsException" => {
                Self::new(AwsErrorKind::Throttled, "AWS is throttling requests: wait a few seconds and try again.")
            }
            "ValidationError" | "InvalidParameterValue" | "MalformedPolicyDocument" => {
                Self::new(AwsErrorKind::Invalid, format!("AWS rejected the request: {msg}"))
            }
            "RegionDisabledException" => Self::new(AwsErrorKind::Invalid, format!("STS is not enabled in this region: {msg}")),
            "" => Self::new(AwsErrorKind::Other, format!("{operation} failed: {}", if msg.is_empty() { "no error details in the response" } else { msg })),
            other => Self::new(AwsErrorKind::Other, format!("{operation} failed ({other}): {msg}")),
        }
    }

    /// The endpoint could not be reached.
    pub fn network(operation: &str, endpoint: &str, detail: &str) -> Self {
        Self::new(
            AwsErrorKind::Network,
            format!("Could not reach {endpoint} for {operation} ({detail}): check the network connection or the endpoint setting."),
        )
    }

    /// The endpoint's certificate is not vouched for by `trusted` (the system's store or a
    /// CA bundle), so nothing was sent.
    pub fn untrusted(operation: &str, endpoint: &str, detail: &str, trusted: &str) -> Self {
        Self::new(
            AwsErrorKind::Untrusted,
            format!("The certificate of {endpoint} is not trusted by {trusted} ({detail}), so {operation} was not sent: if a private CA or a TLS-inspecting proxy signs it, set AWS_CA_BUNDLE or the profile's ca_bundle to that CA's certificates (PEM)."),
        )
    }

    /// A local setting rules the call out before anything is sent (`sentence` says which).
    pub fn setup(sentence: &str) -> Self {
        let mut chars = sentence.chars();
        let message = match chars.next() {
            Some(first) => first.to_uppercase().chain(chars).collect(),
            None => String::new(),
        };
        Self::new(AwsErrorKind::Setup, message)
    }

    /// The call took too long.
    pub fn timeout(operation: &str, endpoint: &str, secs: u64) -> Self {
        Self::new(
            AwsErrorKind::Timeout,
            format!("{operation} at {endpoint} did not answer within {secs} s: check the network connection or the endpoint setting."),
        )
    }

    /// A failure that is not an AWS answer (e.g. an unreadable response).
    pub fn other(operation: &str, detail: &str) -> Self {
        Self::new(AwsErrorKind::Other, format!("{operation} failed: {detail}"))
    }
}

/// The innermost cause's message (e.g. `Connection refused (os error 111)`).
pub fn root_cause(err: &(dyn std::error::Error + 'static)) -> String {
    let mut current = err;
    while let Some(next) = current.source() {
        current = next;
    }
    current.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn maps_real_sts_answers_to_one_sentence() {
        let wrong = AwsError::from_service(
            "GetSessionToken",
            Some("AccessDenied"),
            Some("MultiFactorAuthentication failed with invalid MFA one time pass code. "),
        );
        assert_eq!(wrong.kind, AwsErrorKind::WrongCode);
        let trust = AwsError::from_service(
            "AssumeRole",
            Some("AccessDenied"),
            Some("User: arn:aws:iam::1:user/ana is not authorized to perform: sts:AssumeRole on resource: arn:aws:iam::2:role/X"),
        );
        assert_eq!(trust.kind, AwsErrorKind::RoleNotAssumable);
        assert!(trust.message.contains("trust policy"));
        let denied = AwsError::from_service(
            "GetSessionToken",
            Some("AccessDenied"),
            Some("explicit deny"),
        );
        assert_eq!(denied.kind, AwsErrorKind::AccessDenied);
        assert!(denied.message.contains("deny without MFA"));
        assert_eq!(
            AwsError::from_service("X", Some("InvalidClientTokenId"), None).kind,
            AwsErrorKind::InvalidKeys
        );
        assert_eq!(
            AwsError::from_service("X", Some("ExpiredToken"), None).kind,
            AwsErrorKind::ExpiredCredentials
        );
        assert_eq!(
            AwsError::from_service("X", Some("Throttling"), Some("Rate exceeded")).kind,
            AwsErrorKind::Throttled
        );
        assert!(!AwsError::from_service("X", Some("Weird"), Some("m"))
            .message
            .contains('\n'));
        let setup = AwsError::setup("the CA bundle /x named by AWS_CA_BUNDLE cannot be read");
        assert!(setup.message.starts_with("The CA bundle /x"));
        assert_eq!(setup.kind, AwsErrorKind::Setup);
    }
}
