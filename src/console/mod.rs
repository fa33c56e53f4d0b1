//! Signing in to the AWS Management Console as a profile: which credentials may be exchanged
//! for a console session (AWS's rules, below) and the sign-in URL; [`browser`] opens it. Used
//! by `mfatui console` and `c` in the TUI; no terminal I/O here (codes come from the caller's
//! [`CodeSource`]).
//!
//! - Role profiles: the role session on file (or in the AWS CLI's cache) while it stays fresh,
//!   else one renewal exactly as `mfatui renew` makes it; the console session ends with the
//!   role session. `--duration` asks AWS for a console session of its own length, which AWS
//!   grants only to a role assumed directly with long-term keys: the role is then assumed
//!   afresh with those keys (and the code, if the role needs one), for the console alone.
//! - IAM users (long-term keys, or their MFA session): GetFederationToken with the long-term
//!   keys; that console session carries no MFA context, and mfatui says so.
//! - SSO profiles: the role's credentials from the portal with the cached SSO token.
//! - A session with no long-term keys behind it is sent only if GetCallerIdentity proves it an
//!   assumed role; a GetSessionToken session never reaches the sign-in endpoint (the type of
//!   what is sent, [`ConsoleCredentials`], cannot be made from one).
//!
//! No logout redirect precedes the sign-in: it would end every session of the console's
//! multi-session mode. Signing in opens one more session beside the others.

pub mod browser;

use crate::aws::endpoint::{self, Service};
use crate::aws::federation::{
    self, ConsoleCredentials, Destination, FederationEndpoint, Partition,
};
use crate::aws::{
    sso, AssumeRoleCall, AwsErrorKind, CallSite, Credentials, FederationTokenCall, SsoRoleCall,
};
use crate::awsfiles::expiry::relative;
use crate::awsfiles::{Profile, ProfileKind, ProfileSettings, Snapshot};
use crate::context::Context;
use crate::duration;
use crate::mode::Mode;
use crate::renew::code::{CodeAnswer, CodeSource, MfaCode};
use crate::renew::plan::{self, keys_at, static_credentials, Keys, RenewOptions, Renewal};
use crate::renew::service::{Renewer, Want};
use crate::secret::Secret;
use chrono::{DateTime, Utc};

/// Why no console sign-in URL could be made: one sentence each.
#[derive(Debug, thiserror::Error)]
pub enum ConsoleError {
    /// The shared files could not be read.
    #[error(transparent)]
    Load(#[from] crate::awsfiles::LoadError),
    /// The federation endpoint or `--destination` cannot be used.
    #[error(transparent)]
    Federation(#[from] federation::FederationError),
    /// An AWS call (the sign-in token, a role, a federation token) failed.
    #[error(transparent)]
    Aws(#[from] crate::aws::AwsError),
    /// The role session could not be had.
    #[error(transparent)]
    Renew(#[from] crate::renew::RenewError),
    /// No usable MFA code.
    #[error(transparent)]
    Code(#[from] crate::renew::code::CodeError),
    /// The role cannot be planned.
    #[error(transparent)]
    Plan(#[from] plan::PlanError),
    /// The long-term keys kept in the OS keyring could not be used.
    #[error(transparent)]
    Keys(#[from] crate::renew::error::SourceKeysError),
    /// The browser cannot open the sign-in.
    #[error(transparent)]
    Browser(#[from] browser::BrowserError),
    /// AWS's rules (or mfatui's) give this profile no console session: why, and what to do.
    #[error("{0}")]
    Refused(String),
}

impl From<String> for ConsoleError {
    fn from(why: String) -> ConsoleError {
        ConsoleError::Refused(why)
    }
}

impl From<&str> for ConsoleError {
    fn from(why: &str) -> ConsoleError {
        ConsoleError::Refused(why.to_owned())
    }
}

/// What to sign in as, and how.
#[derive(Clone, Debug, Default)]
pub struct ConsoleRequest {
    /// The profile.
    pub profile: String,
    /// `--destination`: a service name or a console URL (default: the console home).
    pub destination: Option<String>,
    /// `--region`: the console's region (default: the profile's).
    pub region: Option<String>,
    /// `--duration` in seconds: the console session's length, where AWS lets it be chosen.
    pub duration: Option<u32>,
}

/// A console sign-in, ready to open.
#[derive(Clone, Debug)]
pub struct ConsoleLogin {
    /// The sign-in URL: a bearer secret for 15 minutes.
    pub url: Secret,
    /// Where the console lands after the sign-in (no secret).
    pub destination: String,
    /// Who the console session acts as and how it was made, in a few words.
    pub identity: String,
    /// When the console session ends, when known.
    pub ends: Option<DateTime<Utc>>,
    /// Sentences the person should read (no MFA context, why the session ends when it does).
    pub notes: Vec<String>,
}

/// The credentials chosen for the console and what to say about them.
struct Chosen {
    creds: ConsoleCredentials,
    session_duration: Option<u32>,
    identity: String,
    notes: Vec<String>,
}

/// "at 2026-12-01 14:05 UTC (in 47m)".
pub fn when(at: DateTime<Utc>, now: DateTime<Utc>) -> String {
    format!(
        "at {} ({})",
        at.format("%Y-%m-%d %H:%M UTC"),
        relative(at, now)
    )
}

/// The partition the profile's account is in: its role ARN, its MFA device's ARN, its SSO
/// region, else the region. A `region` of another partition is refused.
fn partition_of(
    ctx: &Context,
    snapshot: &Snapshot,
    profile: &Profile,
    region: Option<&str>,
) -> Result<Partition, ConsoleError> {
    let from_arn = profile
        .role_arn
        .as_deref()
        .and_then(Partition::of_arn)
        .or_else(|| {
            profile
                .mfa
                .as_ref()
                .and_then(|m| Partition::of_arn(&m.serial))
        });
    let from_sso = (profile.kind == ProfileKind::Sso)
        .then(|| sso::target(snapshot.map(), &profile.name, &ctx.env.lookup()).ok())
        .flatten()
        .map(|t| Partition::of_region(&t.region));
    let account = from_arn.or(from_sso);
    match (account, region) {
        (Some(p), Some(r)) if Partition::of_region(r) != p => Err(ConsoleError::Refused(format!(
            "region {r} is in the {} partition, but '{}' belongs to {}: choose a region of {} with --region",
            Partition::of_region(r).name(),
            profile.name,
            p.name(),
            p.name()
        ))),
        (Some(p), _) => Ok(p),
        (None, Some(r)) => Ok(Partition::of_region(r)),
        (None, None) => Ok(Partition::Aws),
    }
}

/// Everything up to the sign-in URL: the credentials AWS's rules allow for this profile
/// (renewing its role session through `renewer` when needed, codes from `codes`), then
/// `getSigninToken`. A failure is one sentence.
pub async fn sign_in(
    renewer: &Renewer<'_>,
    request: &ConsoleRequest,
    codes: &mut dyn CodeSource,
) -> Result<ConsoleLogin, ConsoleError> {
    let ctx = renewer.ctx;
    let now = ctx.now();
    let name = request.profile.as_str();
    let snapshot = ctx.snapshot()?;
    let profile = snapshot.profile(name).ok_or_else(|| {
        format!("there is no profile named '{name}' in the AWS config or credentials file")
    })?;
    let own = snapshot.map().profile(name).ok_or("the profile vanished")?;
    let opts = crate::renew::plan::RenewOptions::of(ctx, name, now);
    let site = plan::site_for(snapshot.map(), Some(own), &opts);
    let region = request
        .region
        .clone()
        .or_else(|| profile.region.as_ref().map(|r| r.to_string()))
        .or_else(|| ctx.env.get("AWS_REGION").map(str::to_owned))
        .or_else(|| ctx.env.get("AWS_DEFAULT_REGION").map(str::to_owned));
    let partition = partition_of(ctx, &snapshot, profile, region.as_deref())?;
    let endpoint = FederationEndpoint::new(partition, ctx.env.get(federation::ENDPOINT_VAR))?;
    let destination = match &request.destination {
        Some(d) => Destination::parse(d, partition)?,
        None => Destination::Home,
    }
    .url(partition, region.as_deref());
    let chooser = Chooser {
        renewer,
        ctx,
        request,
        snapshot: &snapshot,
        profile,
        own,
        opts: &opts,
        site: &site,
        now,
    };
    let chosen = match profile.kind {
        ProfileKind::Role => chooser.role(codes).await?,
        ProfileKind::Sso => chooser.sso().await?,
        ProfileKind::LongTerm | ProfileKind::Session => chooser.user_or_session().await?,
        ProfileKind::Login => return Err(ConsoleError::Refused(format!("'{name}' is an `aws login` profile: AWS does not exchange its credentials for a console session; sign in to the console in the browser instead"))),
        ProfileKind::WebIdentity => return Err(ConsoleError::Refused(format!("'{name}' gets its credentials from a web identity token (AssumeRoleWithWebIdentity), which mfatui does not make: sign in to the console with the tool that provides the token"))),
        ProfileKind::Process => return Err(ConsoleError::Refused(format!("'{name}' gets its credentials from credential_process, which mfatui does not run for the console: sign in with a profile of a role, an IAM user or SSO"))),
        ProfileKind::ConfigOnly => return Err(ConsoleError::Refused(format!("'{name}' holds settings but no way to get credentials, so there is nothing to sign in to the console with"))),
    };
    let token = renewer
        .api
        .console_signin_token(&site, &endpoint, &chosen.creds, chosen.session_duration)
        .await?;
    let ends = match chosen.session_duration {
        Some(d) => Some(now + chrono::Duration::seconds(i64::from(d))),
        None => chosen.creds.expiration(),
    };
    crate::diag!(
        "console {name}: {} ({:?}), destination {destination}, ends {}",
        chosen.identity,
        chosen.creds.origin(),
        ends.map_or_else(|| "unknown".to_owned(), |t| t.to_rfc3339())
    );
    Ok(ConsoleLogin {
        url: federation::login_url(&endpoint, &destination, &token),
        destination,
        identity: chosen.identity,
        ends,
        notes: chosen.notes,
    })
}

/// What the choice of credentials reads from.
struct Chooser<'a> {
    renewer: &'a Renewer<'a>,
    ctx: &'a Context,
    request: &'a ConsoleRequest,
    snapshot: &'a Snapshot,
    profile: &'a Profile,
    own: ProfileSettings<'a>,
    opts: &'a RenewOptions,
    site: &'a CallSite,
    now: DateTime<Utc>,
}

impl Chooser<'_> {
    fn name(&self) -> &str {
        self.profile.name.as_str()
    }

    fn check_duration(&self, d: u32, max: u32, what: &str) -> Result<(), ConsoleError> {
        if (federation::SESSION_MIN..=max).contains(&d) {
            Ok(())
        } else {
            Err(ConsoleError::Refused(format!(
                "--duration {} is outside what AWS allows for {what} (15m to {})",
                duration::human(d),
                duration::human(max)
            )))
        }
    }

    /// The long-term keys at the layout's key place of `name` (files or keyring).
    fn keys_of(
        &self,
        name: &str,
    ) -> Result<Option<(String, Credentials)>, crate::renew::error::SourceKeysError> {
        let Some(place) = self.snapshot.layout_of(name).keys.as_ref() else {
            return Ok(None);
        };
        let keys = match keys_at(self.snapshot.map(), place) {
            Some(Keys::Here(c)) => c,
            Some(Keys::Keyring {
                profile,
                access_key_id,
            }) => crate::renew::service::load_expecting(
                self.renewer.keyring,
                &profile,
                &access_key_id,
            )?,
            None => return Ok(None),
        };
        Ok(Some((place.profile.to_string(), keys)))
    }

    async fn role(&self, codes: &mut dyn CodeSource) -> Result<Chosen, ConsoleError> {
        let name = self.name();
        if let Some(cs) = &self.profile.credential_source {
            return Err(ConsoleError::Refused(format!("'{name}' takes its source credentials from credential_source = {cs}, not from a profile mfatui can use for the console")));
        }
        if let Some(d) = self.request.duration {
            return self.role_with_duration(d, codes).await;
        }
        // The role session on file (its section or the AWS CLI cache) while fresh, else one
        // renewal exactly as `renew` makes it.
        let served = self.renewer.ensure(name, &Want::serve(), codes).await?;
        let creds = self
            .renewer
            .api
            .role_session(self.site, &served.session.credentials)
            .await?;
        let ends = creds.expiration().map_or_else(
            || "when the role session does".to_owned(),
            |t| when(t, self.now),
        );
        Ok(Chosen {
            identity: format!(
                "{} (the role session of '{name}' from {})",
                creds.principal().unwrap_or(name),
                served.session.from
            ),
            notes: vec![format!(
                "The console session ends with the role session, {ends}; --duration chooses its length only for a role assumed directly with long-term keys."
            )],
            creds,
            session_duration: None,
        })
    }

    /// The role assumed now with its source's long-term keys, so that AWS accepts a console
    /// session of `d` seconds. Refused for a chain: AWS refuses it for roles assumed with
    /// temporary credentials.
    async fn role_with_duration(
        &self,
        d: u32,
        codes: &mut dyn CodeSource,
    ) -> Result<Chosen, ConsoleError> {
        let name = self.name();
        self.check_duration(
            d,
            federation::SESSION_DURATION_MAX,
            "a console session of a role",
        )?;
        let mut renewal = plan::plan(
            self.snapshot,
            name,
            &RenewOptions {
                mode: Some(Mode::Role),
                ..self.opts.clone()
            },
        )?;
        let base = self
            .profile
            .chain
            .last()
            .map_or_else(|| name.to_owned(), |n| n.to_string());
        let keys = match self.keys_of(&base)? {
            Some((_, keys)) if renewal.hops.len() == 1 => keys,
            _ => {
                return Err(ConsoleError::Refused(format!(
                    "--duration cannot be used with '{name}': AWS lets a console session outlast the role session only for a role assumed directly with long-term keys, and '{name}' is assumed from {}; without --duration the console session ends with the role session",
                    if renewal.hops.len() > 1 {
                        format!("another role's session ({})", renewal.hops.iter().map(|h| h.profile.as_str()).collect::<Vec<_>>().join(" → "))
                    } else {
                        format!("the temporary credentials of '{base}'")
                    }
                )))
            }
        };
        renewal.source.keys = Keys::Here(keys.clone());
        renewal.source.mfa_session = false;
        let serial = self.own.get("mfa_serial").map(str::to_owned);
        let hop = renewal.hops.first_mut().ok_or("no role to assume")?;
        hop.serial = serial;
        let code = self.code_for(&renewal, codes).await?;
        let hop = &renewal.hops[0];
        let call = AssumeRoleCall {
            role_arn: hop.role_arn.clone(),
            session_name: hop.session_name.clone(),
            external_id: hop.external_id.clone(),
            serial: hop.serial.clone(),
            code: code.map(|c| c.as_str().to_owned()),
            // The credentials only buy the sign-in token; the console session's length is
            // SessionDuration's, so they may be as short as AWS allows.
            duration_secs: federation::SESSION_MIN as i32,
        };
        let creds = self
            .renewer
            .api
            .assume_role_for_console(self.site, &keys, call)
            .await?;
        Ok(Chosen {
            identity: format!(
                "role {} (assumed just now with the long-term keys of '{base}')",
                hop.role_arn
            ),
            notes: Vec::new(),
            creds,
            session_duration: Some(d),
        })
    }

    /// The code for a direct AssumeRole, from the caller's sources.
    async fn code_for(
        &self,
        renewal: &Renewal,
        codes: &mut dyn CodeSource,
    ) -> Result<Option<MfaCode>, ConsoleError> {
        if !renewal.needs_code() {
            return Ok(None);
        }
        let ask = renewal.code_ask(self.snapshot);
        match codes.code(&ask).await? {
            CodeAnswer::Typed(code) | CodeAnswer::Given(code) => Ok(Some(code)),
            _ => Err(ConsoleError::Refused(format!(
                "an MFA code for {} is needed to assume the role of '{}': pass --code 123456, set AWS_MFA_TOKEN, or add mfa_process",
                renewal.serial().unwrap_or("the device"),
                renewal.profile
            ))),
        }
    }

    async fn sso(&self) -> Result<Chosen, ConsoleError> {
        let name = self.name();
        if self.request.duration.is_some() {
            return Err(ConsoleError::Refused(format!("--duration cannot be used with '{name}': an SSO profile's console session ends with its role credentials (the permission set's session duration)")));
        }
        let target = crate::renew::service::sso_target(self.ctx, self.snapshot, name)
            .map_err(crate::renew::RenewError::from)?;
        // The held refresh token renews an ending token; a sign-in is `renew`'s.
        let token = crate::renew::sso::token(self.ctx, &target, name, false, None)
            .await
            .map_err(crate::renew::RenewError::from)?
            .record
            .access_token;
        let get = |key: &str| {
            self.own
                .get(key)
                .map(str::to_owned)
                .ok_or_else(|| format!("'{name}' has no {key}, so there is no role to sign in as"))
        };
        let env = self.ctx.env.lookup();
        let call = SsoRoleCall {
            region: target.region.clone(),
            endpoint: endpoint::endpoint_url(
                Service::Sso,
                self.snapshot.map(),
                Some(self.own),
                &env,
            ),
            account_id: get("sso_account_id")?,
            role_name: get("sso_role_name")?,
        };
        let creds = self
            .renewer
            .api
            .sso_role_credentials(self.site, &call, &token)
            .await?;
        let ends = creds.expiration().map_or_else(
            || "when the role credentials do".to_owned(),
            |t| when(t, self.now),
        );
        Ok(Chosen {
            identity: format!(
                "role {} in account {} (IAM Identity Center, {})",
                call.role_name, call.account_id, target.start_url
            ),
            notes: vec![format!(
                "The console session ends with the SSO role credentials, {ends}."
            )],
            creds,
            session_duration: None,
        })
    }

    /// An IAM user (its long-term keys, wherever its layout puts them) signs in with
    /// GetFederationToken; a session with no long-term keys behind it only if it proves to be
    /// an assumed role.
    async fn user_or_session(&self) -> Result<Chosen, ConsoleError> {
        let name = self.name();
        if let Some((from, keys)) = self.keys_of(name)? {
            let d = self.request.duration.unwrap_or(3600);
            self.check_duration(
                d,
                federation::FEDERATION_TOKEN_MAX,
                "a federated console session",
            )?;
            let call = FederationTokenCall {
                name: federation::federated_name(name),
                policy: federation::ALLOW_ALL_POLICY.to_owned(),
                duration_secs: d as i32,
            };
            let creds = self
                .renewer
                .api
                .get_federation_token(self.site, &keys, call)
                .await?;
            let ends = creds.expiration().map_or_else(
                || format!("in {}", duration::human(d)),
                |t| when(t, self.now),
            );
            return Ok(Chosen {
                identity: format!(
                    "{} (GetFederationToken with the long-term keys of '{from}')",
                    creds.principal().unwrap_or("a federated user")
                ),
                notes: vec![
                    "This console session carries no MFA context: AWS makes federation tokens only from long-term keys, so policies that require MFA deny it there.".to_owned(),
                    format!("The console session ends {ends}."),
                ],
                creds,
                session_duration: None,
            });
        }
        let session = static_credentials(self.own)
            .filter(|c| c.session_token.is_some())
            .ok_or_else(|| format!("'{name}' has no keys to sign in to the console with"))?;
        if session
            .expiration
            .is_some_and(|at| (at - self.now).num_seconds() <= 60)
        {
            return Err(ConsoleError::Refused(format!(
                "the session of '{name}' has expired: renew it, then sign in to the console"
            )));
        }
        if self.request.duration.is_some() {
            return Err(ConsoleError::Refused(format!("--duration cannot be used with '{name}': it holds a session whose origin mfatui does not know, and AWS lets a console session outlast it only for a role assumed directly with long-term keys")));
        }
        let creds = self
            .renewer
            .api
            .role_session(self.site, &session)
            .await
            .map_err(|e| match e.kind {
                AwsErrorKind::Invalid => format!(
                    "{} (and mfatui knows no long-term keys behind '{name}' to call GetFederationToken with)",
                    e.message.trim_end_matches('.')
                ),
                _ => e.to_string(),
            })?;
        let ends = creds.expiration().map_or_else(
            || "when the role session does".to_owned(),
            |t| when(t, self.now),
        );
        Ok(Chosen {
            identity: format!(
                "{} (the role session held by '{name}')",
                creds.principal().unwrap_or(name)
            ),
            notes: vec![format!(
                "The console session ends with the role session, {ends}."
            )],
            creds,
            session_duration: None,
        })
    }
}
