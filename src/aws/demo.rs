//! The offline STS/IAM stand-in for `mfatui --demo`: accepts the code 123456, refuses any
//! other with STS's own error, refuses roles named `Denied…` like a trust policy would, and
//! issues credentials that are plainly fake (role sessions say `ROLE` in their key id, so
//! that GetCallerIdentity can answer an assumed role for them, as AWS does). The console
//! sign-in answers a fake token. Used by `--demo` only.

use super::api::{
    AccessKey, AssumeRoleCall, AwsApi, BoxFuture, CallSite, Credentials, FederationTokenCall,
    Identity, SessionTokenCall, SsoRoleCall,
};
use super::error::{AwsError, AwsErrorKind};
use super::federation::{ConsoleCredentials, FederationEndpoint, Origin};
use crate::secret::Secret;
use chrono::Utc;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

/// The one code the demo accepts.
pub const DEMO_CODE: &str = "123456";

/// The stand-in. Calls take a moment, like the network does, so the progress view shows.
#[derive(Debug, Default)]
pub struct DemoAws {
    issued: AtomicU32,
}

impl DemoAws {
    fn fake(&self, prefix: &str, duration_secs: i32) -> Credentials {
        let n = self.issued.fetch_add(1, Ordering::Relaxed);
        Credentials {
            access_key_id: format!("{prefix}DEMOFAKE{n:08}"),
            secret_access_key: Secret::new(format!("demo-fake-secret-{n:08}-not-a-real-key")),
            session_token: Some(Secret::new(format!("DEMO-FAKE-SESSION-TOKEN-{n:08}"))),
            expiration: Some(Utc::now() + chrono::Duration::seconds(i64::from(duration_secs))),
        }
    }

    fn check_code(
        operation: &str,
        serial: &Option<String>,
        code: &Option<String>,
    ) -> Result<(), AwsError> {
        match (serial, code.as_deref()) {
            (Some(_), Some(DEMO_CODE)) | (None, _) => Ok(()),
            (Some(_), _) => Err(AwsError::from_service(
                operation,
                Some("AccessDenied"),
                Some("MultiFactorAuthentication failed with invalid MFA one time pass code. "),
            )),
        }
    }
}

async fn latency() {
    tokio::time::sleep(Duration::from_millis(700)).await;
}

impl AwsApi for DemoAws {
    fn get_session_token<'a>(
        &'a self,
        _: &'a CallSite,
        _: &'a Credentials,
        call: SessionTokenCall,
    ) -> BoxFuture<'a, Result<Credentials, AwsError>> {
        Box::pin(async move {
            latency().await;
            Self::check_code("GetSessionToken", &call.serial, &call.code)?;
            Ok(self.fake("ASIA", call.duration_secs))
        })
    }

    fn assume_role<'a>(
        &'a self,
        _: &'a CallSite,
        _: &'a Credentials,
        call: AssumeRoleCall,
    ) -> BoxFuture<'a, Result<Credentials, AwsError>> {
        Box::pin(async move {
            latency().await;
            Self::check_code("AssumeRole", &call.serial, &call.code)?;
            if call.role_arn.contains(":role/Denied") {
                let message = format!("User: arn:aws:iam::111122223333:user/ana is not authorized to perform: sts:AssumeRole on resource: {}", call.role_arn);
                return Err(AwsError::from_service(
                    "AssumeRole",
                    Some("AccessDenied"),
                    Some(&message),
                ));
            }
            Ok(self.fake("ASIAROLE", call.duration_secs))
        })
    }

    fn caller_identity<'a>(
        &'a self,
        _: &'a CallSite,
        creds: &'a Credentials,
    ) -> BoxFuture<'a, Result<Identity, AwsError>> {
        Box::pin(async move {
            latency().await;
            // Role sessions: the demo's own AssumeRole answers, and the sample saml2aws session.
            let role = ["ROLE", "SAML"]
                .iter()
                .any(|m| creds.access_key_id.contains(m));
            Ok(Identity {
                account: "111122223333".into(),
                arn: if role {
                    "arn:aws:sts::111122223333:assumed-role/Demo/mfatui-demo".into()
                } else {
                    "arn:aws:iam::111122223333:user/ana".into()
                },
            })
        })
    }

    fn list_mfa_devices<'a>(
        &'a self,
        _: &'a CallSite,
        _: &'a Credentials,
        user: &'a str,
    ) -> BoxFuture<'a, Result<Vec<String>, AwsError>> {
        Box::pin(async move {
            latency().await;
            Ok(vec![format!("arn:aws:iam::111122223333:mfa/{user}")])
        })
    }

    fn list_access_keys<'a>(
        &'a self,
        _: &'a CallSite,
        _: &'a Credentials,
        _: &'a str,
    ) -> BoxFuture<'a, Result<Vec<AccessKey>, AwsError>> {
        Box::pin(async move {
            latency().await;
            // The long-term keys of the bundled sample files: one old enough to rotate.
            Ok(
                [("AKIADEMODEMODEMO0ANA", 123), ("AKIADEMODEMODEMO0LEG", 30)]
                    .iter()
                    .map(|(id, days)| AccessKey {
                        id: (*id).to_owned(),
                        created: Some(Utc::now() - chrono::Duration::hours(days * 24 + 1)),
                        active: true,
                    })
                    .collect(),
            )
        })
    }

    fn create_access_key<'a>(
        &'a self,
        _: &'a CallSite,
        _: &'a Credentials,
        _: &'a str,
    ) -> BoxFuture<'a, Result<Credentials, AwsError>> {
        Box::pin(async move {
            latency().await;
            Ok(Credentials {
                access_key_id: "AKIADEMONEWKEY000001".into(),
                secret_access_key: Secret::new("demo-new-secret-not-real"),
                session_token: None,
                expiration: None,
            })
        })
    }

    fn retire_access_key<'a>(
        &'a self,
        _: &'a CallSite,
        _: &'a Credentials,
        _: &'a str,
        _: &'a str,
        _: bool,
    ) -> BoxFuture<'a, Result<(), AwsError>> {
        Box::pin(async move {
            latency().await;
            Ok(())
        })
    }

    fn get_federation_token<'a>(
        &'a self,
        _: &'a CallSite,
        keys: &'a Credentials,
        call: FederationTokenCall,
    ) -> BoxFuture<'a, Result<ConsoleCredentials, AwsError>> {
        Box::pin(async move {
            if keys.session_token.is_some() {
                return Err(AwsError::setup(
                    "GetFederationToken needs an IAM user's long-term keys, and these are temporary; nothing was sent",
                ));
            }
            latency().await;
            let user = format!("arn:aws:sts::111122223333:federated-user/{}", call.name);
            ConsoleCredentials::new(
                self.fake("ASIAFED", call.duration_secs),
                Origin::FederationToken,
                Some(user),
            )
        })
    }

    fn sso_role_credentials<'a>(
        &'a self,
        _: &'a CallSite,
        _: &'a SsoRoleCall,
        _: &'a Secret,
    ) -> BoxFuture<'a, Result<ConsoleCredentials, AwsError>> {
        Box::pin(async move {
            latency().await;
            ConsoleCredentials::new(self.fake("ASIAROLE", 3600), Origin::SsoRole, None)
        })
    }

    fn console_signin_token<'a>(
        &'a self,
        _: &'a CallSite,
        _: &'a FederationEndpoint,
        creds: &'a ConsoleCredentials,
        session_duration: Option<u32>,
    ) -> BoxFuture<'a, Result<Secret, AwsError>> {
        Box::pin(async move {
            latency().await;
            if session_duration.is_some() && !creds.origin().allows_session_duration() {
                return Err(AwsError::new(
                    AwsErrorKind::AccessDenied,
                    "The console sign-in endpoint refused the session (HTTP 400); no console session was made.",
                ));
            }
            Ok(Secret::new("DEMO-FAKE-SIGNIN-TOKEN-not-real"))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn site() -> CallSite {
        CallSite {
            region: "us-east-1".into(),
            sts_endpoint: None,
            iam_endpoint: None,
            ca_bundle: None,
            connect_timeout: Duration::from_secs(1),
            call_timeout: Duration::from_secs(1),
        }
    }

    #[tokio::test(flavor = "current_thread")]
    async fn accepts_only_the_demo_code_and_refuses_denied_roles() {
        let demo = DemoAws::default();
        let keys = demo.fake("AKIA", 0);
        let call = |code: &str| SessionTokenCall {
            duration_secs: 3600,
            serial: Some("arn:mfa".into()),
            code: Some(code.into()),
        };
        let ok = demo
            .get_session_token(&site(), &keys, call("123456"))
            .await
            .unwrap();
        assert!(ok.access_key_id.starts_with("ASIADEMOFAKE"));
        let wrong = demo
            .get_session_token(&site(), &keys, call("654321"))
            .await
            .unwrap_err();
        assert_eq!(wrong.kind, crate::aws::AwsErrorKind::WrongCode);
        let denied = AssumeRoleCall {
            role_arn: "arn:aws:iam::1:role/DeniedByTrustPolicy".into(),
            session_name: "s".into(),
            external_id: None,
            serial: None,
            code: None,
            duration_secs: 3600,
        };
        let err = demo.assume_role(&site(), &keys, denied).await.unwrap_err();
        assert_eq!(err.kind, crate::aws::AwsErrorKind::RoleNotAssumable);
    }

    #[tokio::test(flavor = "current_thread")]
    async fn only_role_sessions_and_federation_tokens_reach_the_console() {
        let demo = DemoAws::default();
        let keys = Credentials {
            session_token: None,
            ..demo.fake("AKIA", 0)
        };
        let session = demo
            .get_session_token(
                &site(),
                &keys,
                SessionTokenCall {
                    duration_secs: 3600,
                    serial: None,
                    code: None,
                },
            )
            .await
            .unwrap();
        let refused = demo.role_session(&site(), &session).await.unwrap_err();
        assert!(
            refused.message.contains("not as an assumed role"),
            "{refused}"
        );
        let call = AssumeRoleCall {
            role_arn: "arn:aws:iam::1:role/Admin".into(),
            session_name: "s".into(),
            external_id: None,
            serial: None,
            code: None,
            duration_secs: 900,
        };
        let role = demo
            .assume_role(&site(), &keys, call.clone())
            .await
            .unwrap();
        let chained = demo.role_session(&site(), &role).await.unwrap();
        assert_eq!(chained.origin(), Origin::RoleSession);
        let endpoint =
            FederationEndpoint::new(super::super::federation::Partition::Aws, None).unwrap();
        assert!(demo
            .console_signin_token(&site(), &endpoint, &chained, Some(3600))
            .await
            .is_err());
        let direct = demo
            .assume_role_for_console(&site(), &keys, call.clone())
            .await
            .unwrap();
        assert!(demo
            .console_signin_token(&site(), &endpoint, &direct, Some(3600))
            .await
            .is_ok());
        let from_session = demo
            .assume_role_for_console(&site(), &session, call)
            .await
            .unwrap_err();
        assert_eq!(from_session.kind, AwsErrorKind::Setup);
        let fed = FederationTokenCall {
            name: "dev".into(),
            policy: "{}".into(),
            duration_secs: 3600,
        };
        assert!(demo
            .get_federation_token(&site(), &session, fed.clone())
            .await
            .is_err());
        let token = demo
            .get_federation_token(&site(), &keys, fed)
            .await
            .unwrap();
        assert_eq!(token.origin(), Origin::FederationToken);
        assert!(token.principal().unwrap().ends_with(":federated-user/dev"));
    }
}
