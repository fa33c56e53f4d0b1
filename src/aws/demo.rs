//! The offline AWS stand-in for `mfatui --demo`: STS accepts the code 123456 and refuses any
//! other with STS's own error, refuses roles named `Denied…` like a trust policy would, and
//! issues credentials that are plainly fake. Behind it is a small IAM world that remembers,
//! for the run, who every key acts as and which access keys each user has — the bundled
//! sample keys and everything issued since — so GetCallerIdentity answers as AWS would, a key
//! rotation runs end to end (create, verify, delete), and a deleted key stops working. The
//! console sign-in answers a fake token, and SSO sign-in has a stand-in too
//! ([`sso_login`]). Used by `--demo` only; nothing here touches the network.

use super::api::{
    AccessKey, AssumeRoleCall, AwsApi, BoxFuture, CallSite, Credentials, FederationTokenCall,
    Identity, SessionTokenCall, SsoRoleCall,
};
use super::error::{AwsError, AwsErrorKind};
use super::federation::{ConsoleCredentials, FederationEndpoint, Origin};
use super::sso::{CallFailure, Flow, Prompt, SsoCallError, SsoTarget};
use crate::awsfiles::sso_cache::TokenRecord;
use crate::secret::Secret;
use chrono::{DateTime, Utc};
use std::collections::{BTreeMap, HashMap};
use std::sync::Mutex;
use std::time::Duration;

/// The one code the demo accepts.
pub const DEMO_CODE: &str = "123456";

/// The code the demo's SSO sign-in shows.
pub const DEMO_SSO_CODE: &str = "DEMO-CODE";

/// How long the demo's SSO sign-in waits before it approves itself, as a person would.
pub const SSO_APPROVAL: Duration = Duration::from_secs(3);

/// The demo's account.
const ACCOUNT: &str = "111122223333";

/// The IAM users of the sample files, their long-term key and its age in days.
const USERS: [(&str, &str, i64); 2] = [
    ("ana", "AKIADEMODEMODEMO0ANA", 123),
    ("legacy", "AKIADEMODEMODEMO0LEG", 30),
];

/// The sample files' sessions and who they act as (the last part of the ARN).
const SESSIONS: [(&str, &str); 4] = [
    ("ASIADEMODEMODEMO0MFA", "iam::{account}:user/ana"),
    (
        "ASIADEMODEMODEMO00RO",
        "sts::{account}:assumed-role/ReadOnly/ana",
    ),
    ("ASIADEMODEMODEMO0OLD", "iam::{account}:user/legacy"),
    (
        "ASIADEMODEMODEMOSAML",
        "sts::{account}:assumed-role/Ops/ana@corp.example",
    ),
];

/// What the demo's AWS knows, for one run.
#[derive(Debug)]
struct World {
    /// Who each working key acts as (its ARN).
    principals: HashMap<String, String>,
    /// Each IAM user's access keys.
    keys: BTreeMap<String, Vec<AccessKey>>,
    /// Keys issued so far (numbers the fake key ids).
    issued: u32,
}

impl World {
    fn new(now: DateTime<Utc>) -> World {
        let mut principals = HashMap::new();
        let mut keys = BTreeMap::new();
        for (user, id, days) in USERS {
            principals.insert(id.to_owned(), user_arn(user));
            let created = now - chrono::Duration::hours(days * 24 + 1);
            keys.insert(
                user.to_owned(),
                vec![AccessKey {
                    id: id.to_owned(),
                    created: Some(created),
                    active: true,
                }],
            );
        }
        for (id, who) in SESSIONS {
            principals.insert(
                id.to_owned(),
                format!("arn:aws:{}", who.replace("{account}", ACCOUNT)),
            );
        }
        World {
            principals,
            keys,
            issued: 0,
        }
    }

    /// Who `creds` act as, or STS's answer to a key it does not know (deleted, deactivated
    /// or never issued).
    fn caller(&self, operation: &str, creds: &Credentials) -> Result<String, AwsError> {
        self.principals
            .get(&creds.access_key_id)
            .cloned()
            .ok_or_else(|| {
                AwsError::from_service(
                    operation,
                    Some("InvalidClientTokenId"),
                    Some("The security token included in the request is invalid."),
                )
            })
    }

    /// The IAM user `creds` belong to, or the refusal of `operation` for other callers.
    fn user_of(&self, operation: &str, creds: &Credentials) -> Result<String, AwsError> {
        let arn = self.caller(operation, creds)?;
        match arn.split_once(":user/") {
            Some((_, user)) => Ok(user.to_owned()),
            None => Err(AwsError::from_service(
                operation,
                Some("AccessDenied"),
                Some(&format!(
                    "Cannot call {operation} with session credentials ({arn})"
                )),
            )),
        }
    }

    /// New credentials acting as `principal`, lasting `secs` (none: long-term keys).
    fn issue(&mut self, principal: String, secs: Option<i32>) -> Credentials {
        self.issued += 1;
        let n = self.issued;
        let creds = match secs {
            Some(secs) => Credentials {
                access_key_id: format!("ASIADEMOFAKE{n:08}"),
                secret_access_key: Secret::new(format!("demo-fake-secret-{n:08}-not-a-real-key")),
                session_token: Some(Secret::new(format!("DEMO-FAKE-SESSION-TOKEN-{n:08}"))),
                expiration: Some(Utc::now() + chrono::Duration::seconds(i64::from(secs))),
            },
            None => Credentials {
                access_key_id: format!("AKIADEMONEW{n:09}"),
                secret_access_key: Secret::new(format!("demo-new-secret-{n:08}-not-a-real-key")),
                session_token: None,
                expiration: None,
            },
        };
        self.principals
            .insert(creds.access_key_id.clone(), principal);
        creds
    }

    fn user_keys(&mut self, operation: &str, user: &str) -> Result<&mut Vec<AccessKey>, AwsError> {
        self.keys.get_mut(user).ok_or_else(|| {
            AwsError::from_service(
                operation,
                Some("NoSuchEntity"),
                Some(&format!("The user with name {user} cannot be found.")),
            )
        })
    }
}

fn user_arn(user: &str) -> String {
    format!("arn:aws:iam::{ACCOUNT}:user/{user}")
}

/// The session ARN AWS gives an assumed role: `…:assumed-role/NAME/SESSION`.
fn assumed_role_arn(role_arn: &str, session: &str) -> String {
    let account = role_arn.split(':').nth(4).unwrap_or(ACCOUNT);
    let name = role_arn.rsplit('/').next().unwrap_or(role_arn);
    format!("arn:aws:sts::{account}:assumed-role/{name}/{session}")
}

/// The stand-in. Calls take a moment, like the network does, so the progress view shows.
#[derive(Debug)]
pub struct DemoAws {
    world: Mutex<World>,
}

impl Default for DemoAws {
    fn default() -> Self {
        DemoAws {
            world: Mutex::new(World::new(Utc::now())),
        }
    }
}

impl DemoAws {
    /// The world, also after a panic elsewhere (it holds no invariant a panic could break).
    fn world(&self) -> std::sync::MutexGuard<'_, World> {
        self.world
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
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

/// The demo's SSO sign-in: the same steps as [`super::sso::login_pkce`] (a page to approve)
/// or [`super::sso::login_device`] (a page and a code) for the person (`prompt`), then the
/// wait for approval — with nothing sent anywhere and no port opened: it approves by itself
/// after [`SSO_APPROVAL`] and returns a token that is plainly fake, with a refresh token, which
/// the caller writes to the demo's own SSO cache.
pub async fn sso_login(
    target: &SsoTarget,
    flow: Flow,
    prompt: &mut (dyn FnMut(&Prompt) + Send),
) -> Result<TokenRecord, SsoCallError> {
    latency().await;
    prompt(&match flow {
        Flow::Pkce => Prompt {
            url: format!(
                "https://oidc.{}.amazonaws.com/authorize?response_type=code&client_id=demo-fake-client&redirect_uri=http%3A%2F%2F127.0.0.1%3A0%2Foauth%2Fcallback&code_challenge_method=S256",
                target.region
            ),
            user_code: None,
        },
        Flow::DeviceCode => Prompt {
            url: format!(
                "https://device.sso.{}.amazonaws.com/?user_code={DEMO_SSO_CODE}",
                target.region
            ),
            user_code: Some(DEMO_SSO_CODE.to_owned()),
        },
    });
    tokio::time::sleep(SSO_APPROVAL).await;
    let now = Utc::now();
    Ok(TokenRecord {
        start_url: target.start_url.clone(),
        region: target.region.clone(),
        access_token: Secret::new(format!("DEMO-FAKE-SSO-TOKEN-{}", now.timestamp())),
        expires_at: now + chrono::Duration::hours(8),
        client_id: "demo-fake-client".to_owned(),
        client_secret: Secret::new("demo-fake-client-secret-not-real"),
        registration_expires_at: now + chrono::Duration::days(90),
        refresh_token: Some(Secret::new("DEMO-FAKE-SSO-REFRESH-TOKEN")),
    })
}

/// The demo's SSO refresh: the held refresh token (the demo's own) buys a new fake access
/// token for another 8 hours, no browser; anything else is refused as the service would.
pub async fn sso_refresh(
    target: &SsoTarget,
    held: &TokenRecord,
) -> Result<TokenRecord, SsoCallError> {
    latency().await;
    let ours = held
        .refresh_token
        .as_ref()
        .is_some_and(|t| t.expose() == "DEMO-FAKE-SSO-REFRESH-TOKEN");
    if !ours {
        return Err(SsoCallError::Call(CallFailure {
            operation: "CreateToken (refresh)",
            code: Some("InvalidGrantException".to_owned()),
            message: Some("the refresh token is not valid".to_owned()),
            cause: String::new(),
        }));
    }
    let now = Utc::now();
    Ok(TokenRecord {
        start_url: target.start_url.clone(),
        region: target.region.clone(),
        access_token: Secret::new(format!("DEMO-FAKE-SSO-TOKEN-{}", now.timestamp())),
        expires_at: now + chrono::Duration::hours(8),
        ..held.clone()
    })
}

/// What the demo's SSO portal lists for `sso populate`: a few accounts whose names hold
/// spaces, quotes, dots and Unicode, and their roles (nothing is sent anywhere).
pub fn sso_assignments() -> crate::awsfiles::populate::Listing {
    use crate::awsfiles::populate::{Assignment, Listing};
    let accounts = [
        ("999900001111", "Analytics", &["Analyst", "ReadOnly"][..]),
        ("999900002222", "Data Lake \"prod\"", &["ReadOnly"][..]),
        ("999900003333", "Zürich v2.1", &["Admin", "ReadOnly"][..]),
    ];
    Listing {
        assignments: accounts
            .iter()
            .flat_map(|(id, name, roles)| {
                roles.iter().map(move |role| Assignment {
                    account_id: (*id).to_owned(),
                    account_name: (*name).to_owned(),
                    role_name: (*role).to_owned(),
                })
            })
            .collect(),
        incomplete: None,
    }
}

impl AwsApi for DemoAws {
    fn get_session_token<'a>(
        &'a self,
        _: &'a CallSite,
        creds: &'a Credentials,
        call: SessionTokenCall,
    ) -> BoxFuture<'a, Result<Credentials, AwsError>> {
        Box::pin(async move {
            latency().await;
            let mut world = self.world();
            let user = world.user_of("GetSessionToken", creds)?;
            Self::check_code("GetSessionToken", &call.serial, &call.code)?;
            Ok(world.issue(user_arn(&user), Some(call.duration_secs)))
        })
    }

    fn assume_role<'a>(
        &'a self,
        _: &'a CallSite,
        creds: &'a Credentials,
        call: AssumeRoleCall,
    ) -> BoxFuture<'a, Result<Credentials, AwsError>> {
        Box::pin(async move {
            latency().await;
            let mut world = self.world();
            let caller = world.caller("AssumeRole", creds)?;
            Self::check_code("AssumeRole", &call.serial, &call.code)?;
            if call.role_arn.contains(":role/Denied") {
                let message = format!(
                    "User: {caller} is not authorized to perform: sts:AssumeRole on resource: {}",
                    call.role_arn
                );
                return Err(AwsError::from_service(
                    "AssumeRole",
                    Some("AccessDenied"),
                    Some(&message),
                ));
            }
            let principal = assumed_role_arn(&call.role_arn, &call.session_name);
            Ok(world.issue(principal, Some(call.duration_secs)))
        })
    }

    fn caller_identity<'a>(
        &'a self,
        _: &'a CallSite,
        creds: &'a Credentials,
    ) -> BoxFuture<'a, Result<Identity, AwsError>> {
        Box::pin(async move {
            latency().await;
            let arn = self.world().caller("GetCallerIdentity", creds)?;
            Ok(Identity {
                account: arn.split(':').nth(4).unwrap_or(ACCOUNT).to_owned(),
                arn,
            })
        })
    }

    fn list_mfa_devices<'a>(
        &'a self,
        _: &'a CallSite,
        creds: &'a Credentials,
        user: &'a str,
    ) -> BoxFuture<'a, Result<Vec<String>, AwsError>> {
        Box::pin(async move {
            latency().await;
            let mut world = self.world();
            world.caller("ListMFADevices", creds)?;
            world.user_keys("ListMFADevices", user)?;
            Ok(vec![format!("arn:aws:iam::{ACCOUNT}:mfa/{user}")])
        })
    }

    fn list_access_keys<'a>(
        &'a self,
        _: &'a CallSite,
        creds: &'a Credentials,
        user: &'a str,
    ) -> BoxFuture<'a, Result<Vec<AccessKey>, AwsError>> {
        Box::pin(async move {
            latency().await;
            let mut world = self.world();
            world.caller("ListAccessKeys", creds)?;
            Ok(world.user_keys("ListAccessKeys", user)?.clone())
        })
    }

    fn create_access_key<'a>(
        &'a self,
        _: &'a CallSite,
        creds: &'a Credentials,
        user: &'a str,
    ) -> BoxFuture<'a, Result<Credentials, AwsError>> {
        Box::pin(async move {
            latency().await;
            let mut world = self.world();
            world.caller("CreateAccessKey", creds)?;
            if world.user_keys("CreateAccessKey", user)?.len() >= 2 {
                return Err(AwsError::from_service(
                    "CreateAccessKey",
                    Some("LimitExceeded"),
                    Some("Cannot exceed quota for AccessKeysPerUser: 2"),
                ));
            }
            let new = world.issue(user_arn(user), None);
            world.user_keys("CreateAccessKey", user)?.push(AccessKey {
                id: new.access_key_id.clone(),
                created: Some(Utc::now()),
                active: true,
            });
            Ok(new)
        })
    }

    fn retire_access_key<'a>(
        &'a self,
        _: &'a CallSite,
        creds: &'a Credentials,
        user: &'a str,
        key_id: &'a str,
        deactivate: bool,
    ) -> BoxFuture<'a, Result<(), AwsError>> {
        Box::pin(async move {
            latency().await;
            let mut world = self.world();
            let operation = if deactivate {
                "UpdateAccessKey"
            } else {
                "DeleteAccessKey"
            };
            world.caller(operation, creds)?;
            let keys = world.user_keys(operation, user)?;
            let Some(at) = keys.iter().position(|k| k.id == key_id) else {
                return Err(AwsError::from_service(
                    operation,
                    Some("NoSuchEntity"),
                    Some(&format!("The Access Key with id {key_id} cannot be found.")),
                ));
            };
            if deactivate {
                keys[at].active = false;
            } else {
                keys.remove(at);
            }
            // Neither a deleted nor an inactive key signs anything any more.
            world.principals.remove(key_id);
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
            let mut world = self.world();
            world.user_of("GetFederationToken", keys)?;
            let user = format!("arn:aws:sts::{ACCOUNT}:federated-user/{}", call.name);
            let creds = world.issue(user.clone(), Some(call.duration_secs));
            ConsoleCredentials::new(creds, Origin::FederationToken, Some(user))
        })
    }

    fn sso_role_credentials<'a>(
        &'a self,
        _: &'a CallSite,
        call: &'a SsoRoleCall,
        token: &'a Secret,
    ) -> BoxFuture<'a, Result<ConsoleCredentials, AwsError>> {
        Box::pin(async move {
            latency().await;
            if !token.expose().starts_with("DEMO-FAKE-SSO-TOKEN-") {
                return Err(AwsError::from_service(
                    "GetRoleCredentials",
                    Some("UnauthorizedException"),
                    Some("Session token not found or invalid"),
                ));
            }
            let principal = format!(
                "arn:aws:sts::{}:assumed-role/AWSReservedSSO_{}_demo/ana",
                call.account_id, call.role_name
            );
            let creds = self.world().issue(principal, Some(3600));
            ConsoleCredentials::new(creds, Origin::SsoRole, None)
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

    /// The sample files' long-term keys of `user`.
    fn keys_of(user: &str) -> Credentials {
        let (_, id, _) = USERS.iter().find(|(u, _, _)| *u == user).unwrap();
        Credentials {
            access_key_id: (*id).to_owned(),
            secret_access_key: Secret::new("demo/long-term/secret"),
            session_token: None,
            expiration: None,
        }
    }

    #[test]
    fn every_key_of_the_sample_files_is_known_to_the_world() {
        let world = World::new(Utc::now());
        let files = concat!(
            include_str!("../../assets/demo/credentials"),
            include_str!("../../assets/demo/config")
        );
        let ids: Vec<&str> = files
            .lines()
            .filter_map(|l| l.strip_prefix("aws_access_key_id = "))
            .collect();
        assert!(ids.len() >= 6, "{ids:?}");
        for id in ids {
            assert!(world.principals.contains_key(id), "{id} is unknown");
        }
    }

    #[tokio::test(flavor = "current_thread")]
    async fn accepts_only_the_demo_code_and_refuses_denied_roles() {
        let demo = DemoAws::default();
        let keys = keys_of("ana");
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
        let stranger = Credentials {
            access_key_id: "AKIANOTADEMOKEY00000".into(),
            ..keys_of("ana")
        };
        let unknown = demo.caller_identity(&site(), &stranger).await.unwrap_err();
        assert_eq!(unknown.kind, AwsErrorKind::InvalidKeys);
    }

    #[tokio::test(flavor = "current_thread")]
    async fn every_key_acts_as_who_issued_it_was_made_for() {
        let demo = DemoAws::default();
        let who = |c: &Credentials| {
            let c = c.clone();
            let demo = &demo;
            async move { demo.caller_identity(&site(), &c).await.unwrap().arn }
        };
        let legacy = keys_of("legacy");
        assert_eq!(who(&legacy).await, "arn:aws:iam::111122223333:user/legacy");
        let session = demo
            .get_session_token(
                &site(),
                &legacy,
                SessionTokenCall {
                    duration_secs: 900,
                    serial: None,
                    code: None,
                },
            )
            .await
            .unwrap();
        assert_eq!(who(&session).await, "arn:aws:iam::111122223333:user/legacy");
        let role = AssumeRoleCall {
            role_arn: "arn:aws:iam::444455556666:role/Deploy".into(),
            session_name: "mfatui-ana".into(),
            external_id: None,
            serial: None,
            code: None,
            duration_secs: 900,
        };
        let assumed = demo.assume_role(&site(), &session, role).await.unwrap();
        let identity = demo.caller_identity(&site(), &assumed).await.unwrap();
        assert_eq!(
            identity.arn,
            "arn:aws:sts::444455556666:assumed-role/Deploy/mfatui-ana"
        );
        assert_eq!(identity.account, "444455556666");
        let again = demo
            .get_session_token(
                &site(),
                &assumed,
                SessionTokenCall {
                    duration_secs: 900,
                    serial: None,
                    code: None,
                },
            )
            .await
            .unwrap_err();
        assert!(again.message.contains("session credentials"), "{again}");
    }

    #[tokio::test(flavor = "current_thread")]
    async fn a_key_rotation_has_room_and_the_old_key_stops_working() {
        let demo = DemoAws::default();
        let old = keys_of("ana");
        let before = demo.list_access_keys(&site(), &old, "ana").await.unwrap();
        assert_eq!(before.len(), 1, "ana has room for a second key");
        assert!(before[0].created.unwrap() < Utc::now() - chrono::Duration::days(90));
        let new = demo.create_access_key(&site(), &old, "ana").await.unwrap();
        assert!(new.session_token.is_none() && new.access_key_id.starts_with("AKIA"));
        assert_eq!(
            demo.caller_identity(&site(), &new).await.unwrap().arn,
            "arn:aws:iam::111122223333:user/ana"
        );
        let full = demo
            .create_access_key(&site(), &old, "ana")
            .await
            .unwrap_err();
        assert!(full.message.contains("AccessKeysPerUser"), "{full}");
        demo.retire_access_key(&site(), &new, "ana", &old.access_key_id, false)
            .await
            .unwrap();
        let after = demo.list_access_keys(&site(), &new, "ana").await.unwrap();
        assert_eq!(after.len(), 1);
        assert_eq!(after[0].id, new.access_key_id);
        let gone = demo.caller_identity(&site(), &old).await.unwrap_err();
        assert_eq!(gone.kind, AwsErrorKind::InvalidKeys);
        let legacy = demo
            .list_access_keys(&site(), &new, "legacy")
            .await
            .unwrap();
        assert_eq!(legacy.len(), 1, "another user's keys are their own");
    }

    #[tokio::test(flavor = "current_thread")]
    async fn the_sso_stand_in_shows_a_page_and_code_and_approves_by_itself() {
        let target = SsoTarget {
            start_url: "https://corp.awsapps.com/start".into(),
            region: "us-east-1".into(),
            session: Some("corp".into()),
            scopes: None,
            endpoint: None,
            ca_bundle: None,
            connect_timeout: std::time::Duration::from_secs(1),
            call_timeout: std::time::Duration::from_secs(1),
        };
        let mut shown = Vec::new();
        let started = std::time::Instant::now();
        let record = sso_login(&target, Flow::DeviceCode, &mut |p: &Prompt| {
            shown.push(p.clone())
        })
        .await
        .unwrap();
        assert!(started.elapsed() >= SSO_APPROVAL);
        assert_eq!(shown.len(), 1);
        assert_eq!(shown[0].user_code.as_deref(), Some(DEMO_SSO_CODE));
        assert!(shown[0].url.contains(DEMO_SSO_CODE), "{}", shown[0].url);
        assert!(record.expires_at > Utc::now() + chrono::Duration::hours(7));
        let pkce = sso_login(&target, Flow::Pkce, &mut |p: &Prompt| shown.push(p.clone()))
            .await
            .unwrap();
        assert!(shown[1].user_code.is_none() && shown[1].url.contains("/authorize?"));
        let refreshed = sso_refresh(&target, &pkce).await.unwrap();
        assert!(refreshed.expires_at >= pkce.expires_at);
        assert_eq!(
            refreshed.refresh_token.unwrap().expose(),
            "DEMO-FAKE-SSO-REFRESH-TOKEN"
        );
        let mut foreign = pkce.clone();
        foreign.refresh_token = Some(Secret::new("someone-elses"));
        assert!(sso_refresh(&target, &foreign).await.is_err());
        assert_eq!(record.start_url, target.start_url);
        let demo = DemoAws::default();
        let call = SsoRoleCall {
            region: "us-east-1".into(),
            endpoint: None,
            account_id: "999900001111".into(),
            role_name: "Analyst".into(),
        };
        assert!(demo
            .sso_role_credentials(&site(), &call, &record.access_token)
            .await
            .is_ok());
        assert!(demo
            .sso_role_credentials(&site(), &call, &Secret::new("someone-else"))
            .await
            .is_err());
    }

    #[tokio::test(flavor = "current_thread")]
    async fn only_role_sessions_and_federation_tokens_reach_the_console() {
        let demo = DemoAws::default();
        let keys = keys_of("ana");
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
