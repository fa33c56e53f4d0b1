//! [`AwsApi`] over the real aws-sdk-sts and aws-sdk-iam clients.
//!
//! Each call builds its client from an explicit `SdkConfig` (region, the given static
//! credentials, endpoint override, timeouts, two attempts, the HTTPS client of [`super::http`]
//! with the call site's CA bundle), so the SDK never reads the shared files or the environment
//! on its own: mfatui has already resolved all of that.

use super::api::{
    AccessKey, AssumeRoleCall, AwsApi, BoxFuture, CallSite, Credentials, FederationTokenCall,
    Identity, SessionTokenCall, SsoRoleCall,
};
use super::error::{root_cause, AwsError, AwsErrorKind};
use super::federation::{self, ConsoleCredentials, FederationEndpoint, Origin};
use super::http::{self, Trust};
use crate::secret::Secret;
use aws_config::retry::RetryConfig;
use aws_config::timeout::TimeoutConfig;
use aws_config::{BehaviorVersion, Region, SdkConfig};
use aws_sdk_sts::config::SharedCredentialsProvider;
use aws_sdk_sts::error::{ProvideErrorMetadata, SdkError};
use chrono::{DateTime, Utc};

/// The real AWS, through the SDK.
#[derive(Clone, Copy, Debug, Default)]
pub struct SdkAws;

/// The roots `site` trusts; a CA bundle that cannot be used stops the call here.
fn trust(site: &CallSite) -> Result<Trust, AwsError> {
    Trust::load(site.ca_bundle.as_ref()).map_err(|e| AwsError::setup(&e.to_string()))
}

/// The SDK configuration for one call; a CA bundle that cannot be used stops it here.
fn sdk_config(
    site: &CallSite,
    creds: &Credentials,
    endpoint: Option<&str>,
) -> Result<SdkConfig, AwsError> {
    let trust = trust(site)?;
    let provider = aws_sdk_sts::config::Credentials::new(
        creds.access_key_id.clone(),
        creds.secret_access_key.expose().to_owned(),
        creds.session_token.as_ref().map(|t| t.expose().to_owned()),
        None,
        "mfatui",
    );
    let timeouts = TimeoutConfig::builder()
        .connect_timeout(site.connect_timeout)
        .operation_timeout(site.call_timeout)
        .build();
    let mut builder = SdkConfig::builder()
        .behavior_version(BehaviorVersion::latest())
        .region(Region::new(site.region.clone()))
        .credentials_provider(SharedCredentialsProvider::new(provider))
        .timeout_config(timeouts)
        .retry_config(RetryConfig::standard().with_max_attempts(2))
        .http_client(http::sdk_client(&trust));
    if let Some(url) = endpoint {
        builder = builder.endpoint_url(url);
    }
    Ok(builder.build())
}

fn where_to(endpoint: Option<&str>, service: &str, region: &str) -> String {
    endpoint.map_or_else(|| format!("{service} in {region}"), str::to_owned)
}

/// An STS client for `creds` at `site`, and how to name that endpoint in messages.
fn sts_client(
    site: &CallSite,
    creds: &Credentials,
) -> Result<(aws_sdk_sts::Client, String), AwsError> {
    let endpoint = site.sts_endpoint.as_deref();
    let client = aws_sdk_sts::Client::new(&sdk_config(site, creds, endpoint)?);
    Ok((client, where_to(endpoint, "STS", &site.region)))
}

/// Maps an SDK failure to one sentence: service errors by code, transport failures by cause.
fn map_error<E, R>(operation: &str, place: &str, site: &CallSite, err: SdkError<E, R>) -> AwsError
where
    E: ProvideErrorMetadata + std::error::Error + 'static,
    R: std::fmt::Debug + 'static,
{
    match &err {
        SdkError::TimeoutError(_) => {
            AwsError::timeout(operation, place, site.call_timeout.as_secs())
        }
        SdkError::DispatchFailure(failure) if failure.is_timeout() => {
            AwsError::timeout(operation, place, site.connect_timeout.as_secs())
        }
        SdkError::DispatchFailure(_) => {
            let cause = root_cause(&err);
            if http::is_untrusted(&cause) {
                let roots = http::describe_roots(site.ca_bundle.as_ref());
                AwsError::untrusted(operation, place, &cause, &roots)
            } else {
                AwsError::network(operation, place, &cause)
            }
        }
        SdkError::ServiceError(_) => AwsError::from_service(operation, err.code(), err.message()),
        SdkError::ResponseError(_) => AwsError::other(
            operation,
            &format!("the answer from {place} could not be read"),
        ),
        _ => AwsError::other(operation, &root_cause(&err)),
    }
}

fn chrono_time(t: &aws_sdk_sts::primitives::DateTime) -> Option<DateTime<Utc>> {
    DateTime::from_timestamp(t.secs(), t.subsec_nanos())
}

fn from_sts(
    operation: &str,
    c: Option<&aws_sdk_sts::types::Credentials>,
) -> Result<Credentials, AwsError> {
    let c = c.ok_or_else(|| AwsError::other(operation, "the answer held no credentials"))?;
    Ok(Credentials {
        access_key_id: c.access_key_id().to_owned(),
        secret_access_key: Secret::new(c.secret_access_key()),
        session_token: Some(Secret::new(c.session_token())),
        expiration: chrono_time(c.expiration()),
    })
}

/// An IAM client for `creds` at `site`, and how to name that endpoint in messages.
fn iam_client(
    site: &CallSite,
    creds: &Credentials,
) -> Result<(aws_sdk_iam::Client, String), AwsError> {
    let endpoint = site.iam_endpoint.as_deref();
    let client = aws_sdk_iam::Client::new(&sdk_config(site, creds, endpoint)?);
    Ok((client, where_to(endpoint, "IAM", &site.region)))
}

impl AwsApi for SdkAws {
    fn get_session_token<'a>(
        &'a self,
        site: &'a CallSite,
        creds: &'a Credentials,
        call: SessionTokenCall,
    ) -> BoxFuture<'a, Result<Credentials, AwsError>> {
        Box::pin(async move {
            let (client, place) = sts_client(site, creds)?;
            let answer = client
                .get_session_token()
                .duration_seconds(call.duration_secs)
                .set_serial_number(call.serial)
                .set_token_code(call.code)
                .send()
                .await
                .map_err(|e| map_error("GetSessionToken", &place, site, e))?;
            from_sts("GetSessionToken", answer.credentials())
        })
    }

    fn assume_role<'a>(
        &'a self,
        site: &'a CallSite,
        creds: &'a Credentials,
        call: AssumeRoleCall,
    ) -> BoxFuture<'a, Result<Credentials, AwsError>> {
        Box::pin(async move {
            let (client, place) = sts_client(site, creds)?;
            let answer = client
                .assume_role()
                .role_arn(call.role_arn)
                .role_session_name(call.session_name)
                .set_external_id(call.external_id)
                .set_serial_number(call.serial)
                .set_token_code(call.code)
                .duration_seconds(call.duration_secs)
                .send()
                .await
                .map_err(|e| map_error("AssumeRole", &place, site, e))?;
            from_sts("AssumeRole", answer.credentials())
        })
    }

    fn caller_identity<'a>(
        &'a self,
        site: &'a CallSite,
        creds: &'a Credentials,
    ) -> BoxFuture<'a, Result<Identity, AwsError>> {
        Box::pin(async move {
            let (client, place) = sts_client(site, creds)?;
            let answer = client
                .get_caller_identity()
                .send()
                .await
                .map_err(|e| map_error("GetCallerIdentity", &place, site, e))?;
            Ok(Identity {
                account: answer.account().unwrap_or_default().to_owned(),
                arn: answer.arn().unwrap_or_default().to_owned(),
            })
        })
    }

    fn list_mfa_devices<'a>(
        &'a self,
        site: &'a CallSite,
        creds: &'a Credentials,
        user: &'a str,
    ) -> BoxFuture<'a, Result<Vec<String>, AwsError>> {
        Box::pin(async move {
            let (client, place) = iam_client(site, creds)?;
            let answer = client
                .list_mfa_devices()
                .user_name(user)
                .send()
                .await
                .map_err(|e| map_error("ListMFADevices", &place, site, e))?;
            Ok(answer
                .mfa_devices()
                .iter()
                .map(|d| d.serial_number().to_owned())
                .collect())
        })
    }

    fn list_access_keys<'a>(
        &'a self,
        site: &'a CallSite,
        creds: &'a Credentials,
        user: &'a str,
    ) -> BoxFuture<'a, Result<Vec<AccessKey>, AwsError>> {
        Box::pin(async move {
            let (client, place) = iam_client(site, creds)?;
            let answer = client
                .list_access_keys()
                .user_name(user)
                .send()
                .await
                .map_err(|e| map_error("ListAccessKeys", &place, site, e))?;
            Ok(answer
                .access_key_metadata()
                .iter()
                .map(|k| AccessKey {
                    id: k.access_key_id().unwrap_or_default().to_owned(),
                    created: k
                        .create_date()
                        .and_then(|t| DateTime::from_timestamp(t.secs(), t.subsec_nanos())),
                    active: k.status() == Some(&aws_sdk_iam::types::StatusType::Active),
                })
                .collect())
        })
    }

    fn create_access_key<'a>(
        &'a self,
        site: &'a CallSite,
        creds: &'a Credentials,
        user: &'a str,
    ) -> BoxFuture<'a, Result<Credentials, AwsError>> {
        Box::pin(async move {
            let (client, place) = iam_client(site, creds)?;
            let answer = client
                .create_access_key()
                .user_name(user)
                .send()
                .await
                .map_err(|e| map_error("CreateAccessKey", &place, site, e))?;
            let key = answer
                .access_key()
                .ok_or_else(|| AwsError::other("CreateAccessKey", "the answer held no key"))?;
            Ok(Credentials {
                access_key_id: key.access_key_id().to_owned(),
                secret_access_key: Secret::new(key.secret_access_key()),
                session_token: None,
                expiration: None,
            })
        })
    }

    fn retire_access_key<'a>(
        &'a self,
        site: &'a CallSite,
        creds: &'a Credentials,
        user: &'a str,
        key_id: &'a str,
        deactivate: bool,
    ) -> BoxFuture<'a, Result<(), AwsError>> {
        Box::pin(async move {
            let (client, place) = iam_client(site, creds)?;
            if deactivate {
                client
                    .update_access_key()
                    .user_name(user)
                    .access_key_id(key_id)
                    .status(aws_sdk_iam::types::StatusType::Inactive)
                    .send()
                    .await
                    .map_err(|e| map_error("UpdateAccessKey", &place, site, e))?;
            } else {
                client
                    .delete_access_key()
                    .user_name(user)
                    .access_key_id(key_id)
                    .send()
                    .await
                    .map_err(|e| map_error("DeleteAccessKey", &place, site, e))?;
            }
            Ok(())
        })
    }

    fn get_federation_token<'a>(
        &'a self,
        site: &'a CallSite,
        keys: &'a Credentials,
        call: FederationTokenCall,
    ) -> BoxFuture<'a, Result<ConsoleCredentials, AwsError>> {
        Box::pin(async move {
            if keys.session_token.is_some() {
                return Err(AwsError::setup("GetFederationToken needs an IAM user's long-term keys, and these are temporary; nothing was sent"));
            }
            let (client, place) = sts_client(site, keys)?;
            let answer = client
                .get_federation_token()
                .name(call.name)
                .policy(call.policy)
                .duration_seconds(call.duration_secs)
                .send()
                .await
                .map_err(|e| map_error("GetFederationToken", &place, site, e))?;
            let creds = from_sts("GetFederationToken", answer.credentials())?;
            let user = answer.federated_user().map(|u| u.arn().to_owned());
            ConsoleCredentials::new(creds, Origin::FederationToken, user)
        })
    }

    fn sso_role_credentials<'a>(
        &'a self,
        site: &'a CallSite,
        call: &'a SsoRoleCall,
        token: &'a Secret,
    ) -> BoxFuture<'a, Result<ConsoleCredentials, AwsError>> {
        Box::pin(async move {
            let timeouts = TimeoutConfig::builder()
                .connect_timeout(site.connect_timeout)
                .operation_timeout(site.call_timeout)
                .build();
            let mut config = SdkConfig::builder()
                .behavior_version(BehaviorVersion::latest())
                .region(Region::new(call.region.clone()))
                .timeout_config(timeouts)
                .retry_config(RetryConfig::standard().with_max_attempts(2))
                .http_client(http::sdk_client(&trust(site)?));
            if let Some(url) = &call.endpoint {
                config = config.endpoint_url(url);
            }
            let place = where_to(call.endpoint.as_deref(), "the SSO portal", &call.region);
            let answer = aws_sdk_sso::Client::new(&config.build())
                .get_role_credentials()
                .account_id(&call.account_id)
                .role_name(&call.role_name)
                .access_token(token.expose())
                .send()
                .await;
            let answer = match answer {
                Ok(a) => a,
                Err(e) => {
                    return Err(match e.code() {
                        Some("UnauthorizedException") => AwsError::new(
                            AwsErrorKind::ExpiredCredentials,
                            "The SSO sign-in has expired or was revoked: sign in again with `mfatui renew` on the profile (or aws sso login).",
                        ),
                        Some("ForbiddenException") | Some("ResourceNotFoundException") => {
                            AwsError::new(
                                AwsErrorKind::AccessDenied,
                                format!(
                                    "The SSO portal gives no role {} in account {} to this sign-in: check sso_account_id and sso_role_name.",
                                    call.role_name, call.account_id
                                ),
                            )
                        }
                        _ => map_error("GetRoleCredentials", &place, site, e),
                    })
                }
            };
            let c = answer.role_credentials().ok_or_else(|| {
                AwsError::other("GetRoleCredentials", "the answer held no credentials")
            })?;
            let creds = Credentials {
                access_key_id: c.access_key_id().unwrap_or_default().to_owned(),
                secret_access_key: Secret::new(c.secret_access_key().unwrap_or_default()),
                session_token: c.session_token().map(Secret::new),
                expiration: DateTime::from_timestamp_millis(c.expiration()),
            };
            ConsoleCredentials::new(creds, Origin::SsoRole, None)
        })
    }

    fn console_signin_token<'a>(
        &'a self,
        site: &'a CallSite,
        endpoint: &'a FederationEndpoint,
        creds: &'a ConsoleCredentials,
        session_duration: Option<u32>,
    ) -> BoxFuture<'a, Result<Secret, AwsError>> {
        Box::pin(async move {
            let trust = trust(site)?;
            let client = http::WebClient::new(&trust, site.connect_timeout, site.call_timeout);
            federation::signin_token(
                &client,
                endpoint,
                creds,
                session_duration,
                &trust.describe(),
            )
            .await
        })
    }
}
