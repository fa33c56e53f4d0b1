//! The renewal service: "a session of NAME fresh enough for this use" — the session on file
//! when it is, else exactly one renewal however many callers ask at once (a lock per target;
//! the others wait, then read what the first one wrote), written back like `renew --yes`.
//!
//! It takes the AWS API, the context and an injected [`CodeSource`], returns typed errors,
//! and does no terminal or socket I/O itself: the commands inject the environment, the
//! profile's `mfa_process`, a prompt and the open window; the TUI injects its dialog.

use super::code::{CodeAnswer, CodeSource};
pub use super::error::RenewError;
use super::error::{KeyringError, SourceKeysError, SsoError};
use super::execute;
use super::lock::RenewLock;
use super::plan::{self, Keys, Mode, PlanError, RenewOptions, Renewal, Route};
use super::session::{self, Session};
use crate::aws::{AwsApi, AwsErrorKind, Credentials};
use crate::awsfiles::{
    check_backup_folders, check_writable, commit, OnChange, ProfileKind, Snapshot, WriteError,
};
use crate::context::Context;
use crate::freshness::Use;
use chrono::{DateTime, Utc};
use std::path::{Path, PathBuf};

/// The OS keyring as the renewal service and rotation see it (implemented in
/// `keys::keyring`, above this layer; [`NoKeyring`] where it must not be reached, like the demo).
pub trait KeyringAccess: Send + Sync {
    /// The pair stored for `profile`'s key `access_key_id` (entries are named by both, so
    /// two file sets sharing a profile name never share an entry).
    fn load(&self, profile: &str, access_key_id: &str) -> Result<Credentials, KeyringError>;
    /// Stores `creds` as `profile`'s pair (named by its key id) and reads it back.
    fn store(&self, profile: &str, creds: &Credentials) -> Result<(), KeyringError>;
    /// Deletes the entry of `profile`'s key `access_key_id`.
    fn delete(&self, profile: &str, access_key_id: &str) -> Result<(), KeyringError>;
    /// Records in the entry of `profile` holding `creds` that `file`'s marker names it
    /// (`false` when there is no such entry).
    fn add_user(
        &self,
        profile: &str,
        creds: &Credentials,
        file: &str,
    ) -> Result<bool, KeyringError>;
    /// The files recorded in the entry of `profile`'s key `access_key_id` whose markers still
    /// name it (`names_key`).
    fn users(
        &self,
        profile: &str,
        access_key_id: &str,
        names_key: &dyn Fn(&str) -> bool,
    ) -> Result<Vec<String>, KeyringError>;
}

/// The pair stored for `profile`, refused when it is not the key `access_key_id` the files name.
pub fn load_expecting(
    keyring: &dyn KeyringAccess,
    profile: &str,
    access_key_id: &str,
) -> Result<Credentials, SourceKeysError> {
    let creds = keyring.load(profile, access_key_id)?;
    if creds.access_key_id != access_key_id {
        return Err(mismatch(profile, &creds.access_key_id, access_key_id));
    }
    Ok(creds)
}

/// Why a keyring entry that holds key `stored` is not used for `profile`, whose files name
/// `on_file` (both masked).
pub fn mismatch(profile: &str, stored: &str, on_file: &str) -> SourceKeysError {
    let mask = crate::awsfiles::mask::mask_key_id;
    SourceKeysError::Mismatch {
        profile: profile.to_owned(),
        stored: mask(stored),
        on_file: mask(on_file),
    }
}

/// No keyring: profiles whose keys are there cannot be renewed here.
#[derive(Clone, Copy, Debug, Default)]
pub struct NoKeyring;

impl NoKeyring {
    fn refuse(profile: &str) -> KeyringError {
        KeyringError::NotHere {
            profile: profile.to_owned(),
        }
    }
}

impl KeyringAccess for NoKeyring {
    fn load(&self, profile: &str, _: &str) -> Result<Credentials, KeyringError> {
        Err(NoKeyring::refuse(profile))
    }

    fn delete(&self, profile: &str, _: &str) -> Result<(), KeyringError> {
        Err(NoKeyring::refuse(profile))
    }

    fn store(&self, profile: &str, _: &Credentials) -> Result<(), KeyringError> {
        Err(NoKeyring::refuse(profile))
    }

    fn add_user(&self, profile: &str, _: &Credentials, _: &str) -> Result<bool, KeyringError> {
        Err(NoKeyring::refuse(profile))
    }

    fn users(
        &self,
        profile: &str,
        _: &str,
        _: &dyn Fn(&str) -> bool,
    ) -> Result<Vec<String>, KeyringError> {
        Err(NoKeyring::refuse(profile))
    }
}

/// How long `aws login` credentials last (they are refreshed before they end).
pub const LOGIN_SESSION_SECS: u32 = 900;

/// An `aws login` profile with the run's time limits and environment.
pub fn login_profile(
    ctx: &Context,
    snapshot: &Snapshot,
    name: &str,
) -> Result<crate::aws::login::LoginProfile, RenewError> {
    let mut profile =
        crate::aws::login::LoginProfile::resolve(snapshot.map(), name, &ctx.env.lookup())?;
    profile.connect_timeout = ctx.timeouts.connect;
    profile.call_timeout = ctx.timeouts.call;
    Ok(profile)
}

/// Where an SSO profile signs in, with the run's time limits and environment.
pub fn sso_target(
    ctx: &Context,
    snapshot: &Snapshot,
    name: &str,
) -> Result<crate::aws::sso::SsoTarget, SsoError> {
    let mut target =
        crate::aws::sso::target(snapshot.map(), name, &ctx.env.lookup()).map_err(|why| {
            SsoError::Target {
                profile: name.to_owned(),
                why: why.to_string(),
            }
        })?;
    target.connect_timeout = ctx.timeouts.connect;
    target.call_timeout = ctx.timeouts.call;
    Ok(target)
}

/// Before anything that cannot be undone (a code spent at STS): may the renewal's results be
/// written where they go? A device, FIFO, folder or read-only file is refused here, and so is
/// a backup folder (beside the file, or `backups`, the `backups.dir` setting) that is not this
/// user's private folder.
pub fn check_targets(
    snapshot: &Snapshot,
    renewal: &Renewal,
    backups: Option<&Path>,
) -> Result<(), WriteError> {
    if renewal.write_target {
        let path = &snapshot.files().credentials.path;
        check_writable(path)?;
        check_backup_folders(path, backups)?;
    }
    if let Some(key) = &renewal.cli_cache_key {
        check_writable(&snapshot.files().paths.cli_cache.join(format!("{key}.json")))?;
    }
    Ok(())
}

/// What the caller wants.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Want {
    /// What the session is for (how fresh it must be).
    pub purpose: Use,
    /// A duration for a renewal, instead of the profile's default.
    pub duration: Option<u32>,
    /// A mode for a renewal, instead of the profile's default.
    pub mode: Option<Mode>,
}

impl Want {
    /// A session to hand to another program, renewed with the profile's defaults.
    pub fn serve() -> Want {
        Want {
            purpose: Use::Serve,
            duration: None,
            mode: None,
        }
    }

    /// A session to hand to a program that fetches again (`credential-process`, the
    /// `exec --server` endpoint): fresh while it is not yet due to be renewed ahead.
    pub fn ahead() -> Want {
        Want {
            purpose: Use::Ahead,
            ..Want::serve()
        }
    }
}

/// What a renewal wrote.
#[derive(Clone, Debug)]
pub struct Renewed {
    /// The section written (or the role profile, when only the CLI cache was written).
    pub target: String,
    /// The backup made first, if the file existed.
    pub backup: Option<PathBuf>,
    /// When the new session expires.
    pub expires: Option<DateTime<Utc>>,
    /// What [`crate::awsfiles::Written::exposure`] says of the file written, if anything.
    pub exposure: Option<String>,
    /// Why the session is in no file (another program was saving it): served from memory
    /// by callers that hand it over at once; an error to those that name its section.
    pub not_written: Option<String>,
}

impl Renewed {
    /// `mfatui: renewed 'ops' into [ops-mfa] until 14:05:33 UTC (in 59m); backup …`: what a
    /// renewal on demand says on standard error (never a secret).
    pub fn line(&self, profile: &str, now: DateTime<Utc>) -> String {
        let until = self
            .expires
            .map(|t| {
                format!(
                    " until {} ({})",
                    t.format("%H:%M:%S UTC"),
                    crate::awsfiles::expiry::relative(t, now)
                )
            })
            .unwrap_or_default();
        let backup = self
            .backup
            .as_ref()
            .map(|b| format!("; backup {}", b.display()))
            .unwrap_or_default();
        let exposure = self
            .exposure
            .as_ref()
            .map(|note| format!("; warning: {note}"))
            .unwrap_or_default();
        if let Some(why) = &self.not_written {
            return format!(
                "mfatui: renewed '{profile}'{until}, served this once, but not written: {why}"
            );
        }
        format!(
            "mfatui: renewed '{profile}' into [{}]{until}{backup}{exposure}",
            self.target
        )
    }
}

/// A fresh session.
#[derive(Clone, Debug)]
pub struct Served {
    /// The session.
    pub session: Session,
    /// The profile's region, if set.
    pub region: Option<String>,
    /// The account the session belongs to, when the files say ([`account_of`]).
    pub account: Option<String>,
    /// Set when it was renewed just now.
    pub renewed: Option<Renewed>,
}

impl Served {
    /// `session` of `name` as read from `snapshot` (its region and account from there too).
    pub fn of(
        snapshot: &Snapshot,
        name: &str,
        session: Session,
        renewed: Option<Renewed>,
    ) -> Served {
        Served {
            region: snapshot
                .profile(name)
                .and_then(|p| p.region.as_deref().map(str::to_owned)),
            account: account_of(snapshot, name),
            session,
            renewed,
        }
    }
}

/// The 12-digit account of an ARN (`arn:PARTITION:SERVICE:REGION:ACCOUNT:RESOURCE`).
pub fn arn_account(arn: &str) -> Option<String> {
    let account = arn.strip_prefix("arn:")?.split(':').nth(3)?;
    (account.len() == 12 && account.bytes().all(|b| b.is_ascii_digit())).then(|| account.to_owned())
}

/// The account whose session `name` serves, when the files say: its role's ARN, its SSO
/// account, its `aws login` session's account, else its MFA device's ARN (a session token
/// belongs to the device's account). SDKs use it for account-based endpoints.
pub fn account_of(snapshot: &Snapshot, name: &str) -> Option<String> {
    let settings = snapshot.map().profile(name)?;
    if let Some(role) = settings.get("role_arn") {
        return arn_account(role);
    }
    if let Some(account) = settings.get("sso_account_id") {
        let account = account.trim();
        return (account.len() == 12 && account.bytes().all(|b| b.is_ascii_digit()))
            .then(|| account.to_owned());
    }
    if let Some(session) = settings.get("login_session") {
        return crate::awsfiles::login_cache::LoginToken::load(
            &snapshot.files().paths.login_cache,
            session,
        )
        .ok()
        .map(|t| t.access_token.account_id)
        .filter(|a| !a.is_empty())
        .or_else(|| arn_account(session));
    }
    let serial = settings.get("mfa_serial").or_else(|| {
        let source = settings.get("source_profile")?;
        snapshot.map().profile(source)?.get("mfa_serial")
    });
    serial.and_then(arn_account)
}

/// The service over one context, API and keyring.
pub struct Renewer<'a> {
    /// The run's context.
    pub ctx: &'a Context,
    /// STS and IAM.
    pub api: &'a dyn AwsApi,
    /// The keyring, for profiles whose keys are there.
    pub keyring: &'a dyn KeyringAccess,
}

/// What [`Renewer::look`] found.
pub enum Lookup {
    /// A session fresh enough.
    Fresh(Served),
    /// None: here is what a renewal would start from.
    Stale {
        /// The files as read.
        snapshot: Snapshot,
        /// The planned renewal, or why there can be none.
        plan: Result<Box<Renewal>, PlanError>,
        /// A session still valid though not fresh enough (served when none can be renewed).
        valid: Option<Session>,
    },
}

/// The options of a renewal of `name` for `want`.
fn options(ctx: &Context, name: &str, want: &Want) -> RenewOptions {
    let mut opts = crate::renew::plan::RenewOptions::of(ctx, name, ctx.now());
    if want.duration.is_some() {
        opts.duration = want.duration;
    }
    if want.mode.is_some() {
        opts.mode = want.mode;
    }
    opts
}

/// Reads the files and looks for a session of `name` fresh enough for `want`, without any
/// network call, lock or code: the path every `credential_process` call takes (it needs only
/// the context, so the small `mfatui` program answers it without the AWS clients).
pub fn look(ctx: &Context, name: &str, want: &Want) -> Result<Lookup, RenewError> {
    let snapshot = ctx.snapshot()?;
    let profile = snapshot
        .profile(name)
        .ok_or_else(|| PlanError::NoProfile(name.to_owned()))?;
    let region = profile.region.as_deref().map(str::to_owned);
    let opts = options(ctx, name, want);
    let plan = plan::plan(&snapshot, name, &opts).map(Box::new);
    let length = match profile.kind {
        ProfileKind::Login => Some(LOGIN_SESSION_SECS),
        _ => plan.as_ref().ok().map(|r| r.duration_secs),
    };
    let now = ctx.now();
    let found = session::sessions(&snapshot, name)?;
    let policy = ctx.settings.freshness();
    if let Some(fresh) = session::fresh(&found, &policy, want.purpose, length, now) {
        return Ok(Lookup::Fresh(Served {
            session: fresh.clone(),
            region,
            account: account_of(&snapshot, name),
            renewed: None,
        }));
    }
    let valid = found.into_iter().find(|s| s.is_valid(now));
    Ok(Lookup::Stale {
        snapshot,
        plan,
        valid,
    })
}

impl Renewer<'_> {
    /// [`look`] with this renewer's context.
    pub fn look(&self, name: &str, want: &Want) -> Result<Lookup, RenewError> {
        look(self.ctx, name, want)
    }

    /// A session of `name` fresh enough for `want`: the one on file, else a renewal (one
    /// however many callers ask), with a code from `codes` when one is needed.
    pub async fn ensure(
        &self,
        name: &str,
        want: &Want,
        codes: &mut dyn CodeSource,
    ) -> Result<Served, RenewError> {
        let (snapshot, renewal) = match self.look(name, want)? {
            Lookup::Fresh(served) => return Ok(served),
            Lookup::Stale { snapshot, .. } if plan::route(&snapshot, name) == Route::Login => {
                return self.refresh_login(&snapshot, name, want).await
            }
            Lookup::Stale { snapshot, .. } if plan::route(&snapshot, name) == Route::Sso => {
                return self.sso_role(&snapshot, name).await
            }
            Lookup::Stale {
                snapshot,
                plan,
                valid,
            } => match (plan, valid) {
                (Ok(renewal), _) => (snapshot, renewal),
                // Nothing can renew it: a session still valid is better than none.
                (Err(_), Some(session)) => return Ok(Served::of(&snapshot, name, session, None)),
                (Err(e), None) => return Err(e.into()),
            },
        };
        check_targets(&snapshot, &renewal, self.ctx.backups_dir().as_deref())?;
        let _lock = RenewLock::acquire(
            &snapshot.files().paths.credentials,
            &renewal.target,
            self.ctx.timeouts.renew_wait,
        )
        .await?;
        // Someone else may have renewed while this caller waited for the lock.
        let (snapshot, renewal) = match self.look(name, want)? {
            Lookup::Fresh(served) => return Ok(served),
            Lookup::Stale { snapshot, plan, .. } => (snapshot, plan?),
        };
        let region = snapshot
            .profile(name)
            .and_then(|p| p.region.as_deref().map(str::to_owned));
        let account = account_of(&snapshot, name);
        let renewal = self.with_keys(*renewal)?;
        let creds = match self.run_with_code(&snapshot, &renewal, codes).await? {
            Some(creds) => creds,
            None => {
                // The open window renewed: what it wrote is the answer.
                return match self.look(name, want)? {
                    Lookup::Fresh(served) => Ok(served),
                    Lookup::Stale { .. } => Err(RenewError::NotOnFile {
                        profile: name.to_owned(),
                    }),
                };
            }
        };
        let plan = execute::plan_write(snapshot.files(), &renewal, &creds)?;
        // The writer blocks (a lock wait, fsyncs): off the runtime's threads.
        let options = self.ctx.write_options(OnChange::Merge);
        let (written, not_written) =
            match tokio::task::spawn_blocking(move || commit(&plan, &options))
                .await
                .map_err(RenewError::WriteStopped)?
            {
                Ok(written) => (written, None),
                // The session is paid for (a code spent) and the file was kept from it only
                // by another program's save: served from memory all the same, the line says
                // so (attack round 15b, F-2).
                Err(e @ crate::awsfiles::WriteError::BeingWritten { .. }) => {
                    (Vec::new(), Some(e.to_string()))
                }
                Err(e) => return Err(e.into()),
            };
        crate::diag!(
            "renewed {name} into [{}] (source {})",
            renewal.target,
            renewal.source.profile
        );
        let from = if renewal.write_target {
            session::SessionFrom::Section(renewal.target.clone())
        } else {
            session::SessionFrom::CliCache(renewal.cli_cache_key.clone().unwrap_or_default())
        };
        Ok(Served {
            renewed: Some(Renewed {
                target: renewal.target.clone(),
                backup: written.iter().find_map(|w| w.backup.clone()),
                expires: creds.expiration,
                exposure: written.iter().find_map(crate::awsfiles::Written::exposure),
                not_written,
            }),
            session: Session {
                from,
                credentials: creds,
            },
            region,
            account,
        })
    }

    /// An `aws login` profile's credentials, refreshed through the sign-in service (its own
    /// lock; the cache written back as the AWS CLI does).
    async fn refresh_login(
        &self,
        snapshot: &Snapshot,
        name: &str,
        want: &Want,
    ) -> Result<Served, RenewError> {
        let profile = login_profile(self.ctx, snapshot, name)?;
        let policy = self.ctx.settings.freshness();
        let margin =
            chrono::Duration::seconds(policy.margin(want.purpose, Some(LOGIN_SESSION_SECS)));
        let before = session::sessions(snapshot, name)
            .ok()
            .and_then(|s| s.into_iter().next())
            .and_then(|s| s.credentials.expiration);
        let credentials = crate::aws::login::current_credentials(
            &profile,
            &self.ctx.paths,
            self.ctx.now(),
            margin,
        )
        .await?;
        let renewed = (credentials.expiration != before).then(|| Renewed {
            target: format!("the `aws login` cache of {name}"),
            backup: None,
            expires: credentials.expiration,
            exposure: None,
            not_written: None,
        });
        let session = Session {
            from: session::SessionFrom::LoginCache(name.to_owned()),
            credentials,
        };
        Ok(Served::of(snapshot, name, session, renewed))
    }

    /// An SSO profile's role credentials from the portal, with the session's token as
    /// [`crate::renew::sso::token`] has it (the held refresh token renews an ending token; a
    /// sign-in is left to `renew` and the TUI, which can show a page).
    async fn sso_role(&self, snapshot: &Snapshot, name: &str) -> Result<Served, RenewError> {
        let target = sso_target(self.ctx, snapshot, name)?;
        let profile = snapshot.map().profile(name);
        let get = |key: &'static str| {
            profile
                .and_then(|p| p.get(key))
                .map(str::to_owned)
                .ok_or_else(|| SsoError::NoRole {
                    profile: name.to_owned(),
                    key,
                })
        };
        let (account_id, role_name) = (get("sso_account_id")?, get("sso_role_name")?);
        let account = Some(account_id.clone());
        let token = crate::renew::sso::token(self.ctx, &target, name, false, None).await?;
        let env = self.ctx.env.lookup();
        let call = crate::aws::SsoRoleCall {
            region: target.region.clone(),
            endpoint: crate::aws::endpoint::endpoint_url(
                crate::aws::endpoint::Service::Sso,
                snapshot.map(),
                profile,
                &env,
            ),
            account_id,
            role_name,
        };
        let opts = options(self.ctx, name, &Want::serve());
        let site = plan::site_for(snapshot.map(), profile, &opts);
        let credentials = self
            .api
            .sso_role_credentials(&site, &call, &token.record.access_token)
            .await?
            .into_credentials();
        let renewed = (token.got != crate::renew::sso::Got::Cached).then(|| Renewed {
            target: format!("the SSO token of {}", target.cache_key()),
            backup: None,
            expires: Some(token.record.expires_at),
            exposure: None,
            not_written: None,
        });
        Ok(Served {
            session: Session {
                from: session::SessionFrom::SsoPortal(name.to_owned()),
                credentials,
            },
            region: snapshot
                .profile(name)
                .and_then(|p| p.region.as_deref().map(str::to_owned)),
            account,
            renewed,
        })
    }

    /// `renewal` with its source keys read from the keyring when they are kept there.
    pub fn with_keys(&self, mut renewal: Renewal) -> Result<Renewal, RenewError> {
        if let Keys::Keyring {
            profile,
            access_key_id,
        } = &renewal.source.keys
        {
            let creds = load_expecting(self.keyring, profile, access_key_id)?;
            renewal.source.keys = Keys::Here(creds);
        }
        Ok(renewal)
    }

    /// Runs `renewal`, asking `codes` when it needs a code; a code a person typed that STS
    /// refuses is asked for again (three tries in all). `None` when the open window renewed.
    pub async fn run_with_code(
        &self,
        snapshot: &Snapshot,
        renewal: &Renewal,
        codes: &mut dyn CodeSource,
    ) -> Result<Option<Credentials>, RenewError> {
        if !renewal.needs_code() {
            return Ok(Some(execute::run(self.api, renewal, None).await?));
        }
        let mut ask = renewal.code_ask(snapshot);
        loop {
            let (code, typed) = match codes.code(&ask).await.map_err(RenewError::Code)? {
                CodeAnswer::Typed(code) => (code, true),
                CodeAnswer::Given(code) => (code, false),
                CodeAnswer::RenewedElsewhere => return Ok(None),
                CodeAnswer::Pass => {
                    return Err(RenewError::NoCode {
                        profile: renewal.profile.clone(),
                        what: format!(
                            "run `{}` in a terminal, set AWS_MFA_TOKEN, add mfa_process to the profile, or keep an mfatui window open to answer",
                            self.ctx.command(&["renew", &renewal.profile])
                        ),
                    })
                }
            };
            match execute::run(self.api, renewal, Some(&code)).await {
                Ok(creds) => return Ok(Some(creds)),
                Err(e) if typed && e.kind == AwsErrorKind::WrongCode && ask.attempt < 3 => {
                    ask.attempt += 1;
                    ask.refused = Some(e.to_string());
                }
                Err(e) => return Err(e.into()),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::awsfiles::Naming;

    #[test]
    fn a_renewal_says_until_when_and_for_how_long() {
        let now = DateTime::parse_from_rfc3339("2026-12-07T13:06:00Z")
            .unwrap()
            .to_utc();
        let renewed = Renewed {
            target: "dev-mfa".to_owned(),
            backup: Some(PathBuf::from("/h/.aws/credentials.bak")),
            expires: Some(now + chrono::Duration::minutes(59)),
            exposure: None,
            not_written: None,
        };
        assert_eq!(
            renewed.line("dev", now),
            "mfatui: renewed 'dev' into [dev-mfa] until 14:05:00 UTC (in 59m); backup /h/.aws/credentials.bak"
        );
    }

    #[test]
    fn the_account_comes_from_the_role_the_sso_account_or_the_device() {
        let config = "[profile role]\nrole_arn = arn:aws:iam::111122223333:role/ops\nsource_profile = dev\nmfa_serial = arn:aws:iam::999999999999:mfa/ana\n\n\
                      [profile dev]\nmfa_serial = arn:aws-cn:iam::444455556666:mfa/ana\n\n\
                      [profile chained]\nsource_profile = dev\n\n\
                      [profile sso]\nsso_account_id = 777788889999\nsso_role_name = r\n\n\
                      [profile odd]\nsso_account_id = 12345\n\n\
                      [profile plain]\nregion = eu-west-1\n";
        let s = crate::renew::plan::tests::snapshot(config, "", &Naming::default());
        let account = |name| account_of(&s, name);
        assert_eq!(
            account("role").as_deref(),
            Some("111122223333"),
            "the role's, not the device's"
        );
        assert_eq!(account("dev").as_deref(), Some("444455556666"));
        assert_eq!(account("chained").as_deref(), Some("444455556666"));
        assert_eq!(account("sso").as_deref(), Some("777788889999"));
        assert_eq!(account("odd"), None, "not 12 digits: not said");
        assert_eq!(account("plain"), None);
        assert_eq!(account("missing"), None);
        assert_eq!(arn_account("arn:aws:iam::12345678901x:mfa/a"), None);
    }
}
