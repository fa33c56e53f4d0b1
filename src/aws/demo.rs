//! The offline STS/IAM stand-in for `mfatui --demo`: accepts the code 123456, refuses any
//! other with STS's own error, refuses roles named `Denied…` like a trust policy would, and
//! issues credentials that are plainly fake. Used by `--demo` only.

use super::api::{
    AccessKey, AssumeRoleCall, AwsApi, BoxFuture, CallSite, Credentials, Identity, SessionTokenCall,
};
use super::error::AwsError;
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
            Ok(self.fake("ASIA", call.duration_secs))
        })
    }

    fn caller_identity<'a>(
        &'a self,
        _: &'a CallSite,
        _: &'a Credentials,
    ) -> BoxFuture<'a, Result<Identity, AwsError>> {
        Box::pin(async move {
            latency().await;
            Ok(Identity {
                account: "111122223333".into(),
                arn: "arn:aws:iam::111122223333:user/ana".into(),
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
}
