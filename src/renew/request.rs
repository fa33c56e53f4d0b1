//! One renewal request, whatever the profile: the caller says which profile(s), the mode and
//! duration it wants, whether it is a dry run, and injects where codes come from and how a
//! sign-in page is shown; the service picks the kind (session token, role, chain, SSO sign-in
//! or refresh, `aws login` refresh, many with one code) and returns a typed [`Outcome`] the
//! caller only renders (a diff to confirm, a sign-in done, a bulk result).
//!
//! Two steps, so a caller can say what will happen before a code is asked for: [`prepare`]
//! (no I/O: the kind chosen, the renewal planned) then [`Renewer::renew`] (the calls).
//! A new kind of renewal is one new [`Route`] (decided in `plan.rs`, which the fresh-session
//! service reads too) and its [`Prepared`] and [`Outcome`] arms here.

use super::bulk::{self, BulkPlan};
use super::code::{CodeAnswer, CodeSource};
use super::error::RenewError;
use super::execute;
use super::plan::{self, Mode, RenewOptions, Renewal};
pub use super::plan::{route, Route};
use super::service::{check_targets, login_profile, sso_target, Renewer};
use super::sso::{SignIn, Token};
use crate::aws::login::LoginProfile;
use crate::aws::sso::{Flow, SsoTarget};
use crate::aws::Credentials;
use crate::awsfiles::login_cache::{self, LoginToken};
use crate::awsfiles::{EditError, Plan, Snapshot};
use crate::context::Context;
use std::path::PathBuf;

/// What the caller asks for.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Request {
    /// The profiles to renew.
    pub profiles: Vec<String>,
    /// Renew them as one group with one code, even when there is one or none (a marked set,
    /// `--all-expiring`); several profiles always are.
    pub group: bool,
    /// A mode instead of the profile's default (one profile only).
    pub mode: Option<Mode>,
    /// A duration instead of the profile's default (one profile only).
    pub duration: Option<u32>,
    /// Plan only: no call, nothing written; placeholders where new values would be.
    pub dry_run: bool,
}

impl Request {
    /// Renewing `name` with its defaults.
    pub fn one(name: &str) -> Request {
        Request {
            profiles: vec![name.to_owned()],
            ..Request::default()
        }
    }
}

/// The kind of renewal a request became.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// `GetSessionToken` with long-term keys.
    Session,
    /// One `AssumeRole`.
    Role,
    /// Several `AssumeRole` hops.
    Chain,
    /// An SSO token.
    Sso,
    /// An `aws login` refresh.
    Login,
    /// Many profiles with one code.
    Many,
}

/// A request the service has planned: what will happen, before any call.
#[derive(Clone, Debug)]
pub enum Prepared {
    /// A session, role or chain through STS.
    One(Box<Renewal>),
    /// An SSO token for `profile`'s session.
    Sso {
        /// The profile asked for.
        profile: String,
        /// Where it signs in.
        target: Box<SsoTarget>,
    },
    /// An `aws login` profile's credentials.
    Login(Box<LoginProfile>),
    /// Many profiles with one code.
    Many(Box<BulkPlan>),
}

impl Prepared {
    /// The kind the service chose.
    pub fn kind(&self) -> Kind {
        match self {
            Prepared::One(r) if r.mode == Mode::Session => Kind::Session,
            Prepared::One(r) if r.hops.len() > 1 => Kind::Chain,
            Prepared::One(_) => Kind::Role,
            Prepared::Sso { .. } => Kind::Sso,
            Prepared::Login(_) => Kind::Login,
            Prepared::Many(_) => Kind::Many,
        }
    }
}

/// Plans `request` against `snapshot` without any I/O: picks the kind and plans it.
pub fn prepare(
    ctx: &Context,
    snapshot: &Snapshot,
    request: &Request,
) -> Result<Prepared, RenewError> {
    let now = ctx.now();
    if request.group || request.profiles.len() > 1 {
        if request.mode.is_some() || request.duration.is_some() {
            return Err(RenewError::OneProfileChoice);
        }
        let plan = bulk::plan_bulk(snapshot, &request.profiles, &|name| {
            RenewOptions::of(ctx, name, now)
        });
        return Ok(Prepared::Many(Box::new(plan)));
    }
    let name = request.profiles.first().ok_or(RenewError::NoProfile)?;
    match route(snapshot, name) {
        Route::Sso => Ok(Prepared::Sso {
            profile: name.clone(),
            target: Box::new(sso_target(ctx, snapshot, name)?),
        }),
        Route::Login => Ok(Prepared::Login(Box::new(login_profile(
            ctx, snapshot, name,
        )?))),
        Route::Sts => {
            let mut opts = RenewOptions::of(ctx, name, now);
            if request.mode.is_some() {
                opts.mode = request.mode;
            }
            if request.duration.is_some() {
                opts.duration = request.duration;
            }
            Ok(Prepared::One(Box::new(plan::plan(snapshot, name, &opts)?)))
        }
    }
}

/// What the caller injects: where codes come from, how a sign-in page is shown, where a bulk
/// renewal's progress goes.
pub struct Inject<'a> {
    /// The code sources, asked only when a code is needed.
    pub codes: &'a mut dyn CodeSource,
    /// The SSO sign-in the caller can show (without it, only a refresh is tried).
    pub sign_in: Option<SignIn<'a>>,
    /// Each profile of a bulk renewal, as soon as its outcome is known.
    pub progress: &'a (dyn Fn(&bulk::Outcome) + Sync),
}

/// What a renewal came to.
#[derive(Debug)]
pub enum Outcome {
    /// New credentials (placeholders in a dry run) and the change that stores them: the
    /// caller shows the diff, asks, and commits through the writer.
    Write {
        /// The renewal (its source keys read from the keyring when they are kept there).
        renewal: Box<Renewal>,
        /// The new credentials.
        credentials: Credentials,
        /// The change.
        plan: Plan,
        /// Whether the credentials are placeholders (no call was made).
        dry_run: bool,
    },
    /// An SSO token was had and written to the AWS CLI's SSO cache.
    Sso {
        /// The profile asked for.
        profile: String,
        /// Where it signed in.
        target: Box<SsoTarget>,
        /// The token and how it was had.
        token: Box<Token>,
    },
    /// Dry run of an SSO renewal: where the token would be written.
    SsoPlanned {
        /// The profile asked for.
        profile: String,
        /// Where it would sign in.
        target: Box<SsoTarget>,
        /// The cache file.
        file: PathBuf,
        /// The sign-in the caller offered.
        flow: Option<Flow>,
    },
    /// An `aws login` profile refreshed, its cache rewritten.
    Login {
        /// The profile.
        profile: Box<LoginProfile>,
        /// The cache file.
        file: PathBuf,
        /// What the sign-in service gave.
        token: Box<LoginToken>,
    },
    /// Dry run of an `aws login` refresh.
    LoginPlanned {
        /// The profile.
        profile: Box<LoginProfile>,
        /// The cache file.
        file: PathBuf,
    },
    /// Many profiles: each one's outcome and the one change holding the successes.
    Many {
        /// Every profile's outcome.
        outcomes: Vec<bulk::Outcome>,
        /// The change, or why there is none.
        plan: Result<Plan, EditError>,
    },
    /// Dry run of many profiles: the plan as it stands.
    ManyPlanned(Box<BulkPlan>),
}

impl Renewer<'_> {
    /// [`prepare`] then [`Renewer::renew`]: one request, whatever the profile.
    pub async fn request(
        &self,
        snapshot: &Snapshot,
        request: &Request,
        inject: Inject<'_>,
    ) -> Result<Outcome, RenewError> {
        let prepared = prepare(self.ctx, snapshot, request)?;
        self.renew(snapshot, prepared, request.dry_run, inject)
            .await
    }

    /// Runs a prepared renewal (`dry_run`: no call, nothing written). Every write it returns
    /// is planned, not made: the caller shows it and commits it.
    pub async fn renew(
        &self,
        snapshot: &Snapshot,
        prepared: Prepared,
        dry_run: bool,
        inject: Inject<'_>,
    ) -> Result<Outcome, RenewError> {
        match prepared {
            Prepared::One(renewal) => self.one(snapshot, *renewal, dry_run, inject.codes).await,
            Prepared::Sso { profile, target } => {
                let file = self
                    .ctx
                    .paths
                    .sso_cache
                    .join(crate::awsfiles::sso_cache::file_name(target.cache_key()));
                if dry_run {
                    return Ok(Outcome::SsoPlanned {
                        profile,
                        target,
                        file,
                        flow: inject.sign_in.map(|s| s.flow),
                    });
                }
                let token =
                    super::sso::token(self.ctx, &target, &profile, true, inject.sign_in).await?;
                Ok(Outcome::Sso {
                    profile,
                    target,
                    token: Box::new(token),
                })
            }
            Prepared::Login(profile) => {
                let file = self
                    .ctx
                    .paths
                    .login_cache
                    .join(login_cache::file_name(&profile.session));
                if dry_run {
                    return Ok(Outcome::LoginPlanned { profile, file });
                }
                let token = crate::aws::login::refresh_now(&profile, &self.ctx.paths).await?;
                Ok(Outcome::Login {
                    profile,
                    file,
                    token: Box::new(token),
                })
            }
            Prepared::Many(bulk) => self.many(snapshot, bulk, dry_run, inject).await,
        }
    }

    /// One renewal through STS: checked, its keys read, a code asked when needed, the write
    /// planned.
    async fn one(
        &self,
        snapshot: &Snapshot,
        renewal: Renewal,
        dry_run: bool,
        codes: &mut dyn CodeSource,
    ) -> Result<Outcome, RenewError> {
        if dry_run {
            let credentials = execute::placeholder(&renewal, self.ctx.now());
            let plan = execute::plan_write(snapshot.files(), &renewal, &credentials)?;
            return Ok(Outcome::Write {
                renewal: Box::new(renewal),
                credentials,
                plan,
                dry_run: true,
            });
        }
        check_targets(snapshot, &renewal, self.ctx.backups_dir().as_deref())?;
        let renewal = self.with_keys(renewal)?;
        let credentials = self
            .run_with_code(snapshot, &renewal, codes)
            .await?
            .ok_or(RenewError::RenewedElsewhere)?;
        let plan = execute::plan_write(snapshot.files(), &renewal, &credentials)?;
        Ok(Outcome::Write {
            renewal: Box::new(renewal),
            credentials,
            plan,
            dry_run: false,
        })
    }

    /// Many profiles with one code: every target checked first, the one code asked, the
    /// session then the roles ([`bulk::run`]).
    async fn many(
        &self,
        snapshot: &Snapshot,
        bulk: Box<BulkPlan>,
        dry_run: bool,
        inject: Inject<'_>,
    ) -> Result<Outcome, RenewError> {
        if dry_run {
            return Ok(Outcome::ManyPlanned(bulk));
        }
        let backups = self.ctx.backups_dir();
        for r in bulk.session.iter().chain(&bulk.renewals) {
            check_targets(snapshot, r, backups.as_deref())?;
        }
        let code = match (&bulk.session, bulk.needs_code()) {
            (Some(session), true) => Some(one_code(snapshot, session, inject.codes).await?),
            (None, true) => return Err(RenewError::DifferentCodes),
            _ => None,
        };
        let (outcomes, plan) = bulk::run(
            self.api,
            self.keyring,
            snapshot.files(),
            &bulk,
            code.as_ref(),
            inject.progress,
        )
        .await;
        Ok(Outcome::Many { outcomes, plan })
    }
}

/// The one code of a bulk renewal, for its MFA session.
async fn one_code(
    snapshot: &Snapshot,
    session: &Renewal,
    codes: &mut dyn CodeSource,
) -> Result<super::code::MfaCode, RenewError> {
    let ask = session.code_ask(snapshot);
    match codes.code(&ask).await? {
        CodeAnswer::Typed(code) | CodeAnswer::Given(code) => Ok(code),
        _ => Err(RenewError::NoCode {
            profile: session.profile.clone(),
            what: "no source gave one".to_owned(),
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::awsfiles::{AwsPaths, Naming};
    use crate::context::Clock;
    use crate::env::Env;
    use crate::renew::code::Codes;
    use crate::renew::service::NoKeyring;
    use crate::settings::Settings;
    use chrono::{TimeZone, Utc};

    const CONFIG: &str = "[profile dev]\nmfa_serial = arn:aws:iam::111122223333:mfa/ana\n\n\
        [profile admin]\nrole_arn = arn:aws:iam::111122223333:role/Admin\nsource_profile = dev\nmfa_serial = arn:aws:iam::111122223333:mfa/ana\n\n\
        [profile deep]\nrole_arn = arn:aws:iam::444455556666:role/Deep\nsource_profile = admin\n\n\
        [profile corp]\nsso_session = corp\nsso_account_id = 111122223333\nsso_role_name = Dev\n\n\
        [sso-session corp]\nsso_start_url = https://corp.awsapps.com/start\nsso_region = eu-west-1\n\n\
        [profile signed]\nlogin_session = arn:aws:iam::111122223333:user/ana\nregion = eu-west-1\n";
    const CREDS: &str =
        "[dev]\naws_access_key_id = AKIAEXAMPLE000000001\naws_secret_access_key = long-term\n";

    fn context() -> Context {
        let env = Env::from_pairs(&[("HOME", "/nonexistent-home")]);
        let paths = AwsPaths::from_lookup(env.lookup());
        let mut ctx = Context::new(env, paths, Settings::default(), "/nonexistent.toml".into());
        ctx.requests = None;
        ctx.clock = Clock::Fixed(Utc.with_ymd_and_hms(2026, 11, 22, 12, 0, 0).unwrap());
        ctx
    }

    fn names(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| s.to_string()).collect()
    }

    /// One request shape for every profile; the kind comes from the service, and a dry run of
    /// each comes back as the outcome of that kind, with no call made.
    #[tokio::test(flavor = "current_thread")]
    async fn the_service_picks_the_kind_of_every_profile_from_one_request() {
        let ctx = context();
        let snapshot = crate::renew::plan::tests::snapshot(CONFIG, CREDS, &Naming::default());
        let api = crate::aws::demo::DemoAws::default();
        let renewer = Renewer {
            ctx: &ctx,
            api: &api,
            keyring: &NoKeyring,
        };
        let cases: [(&[&str], Kind); 6] = [
            (&["dev"], Kind::Session),
            (&["admin"], Kind::Role),
            (&["deep"], Kind::Chain),
            (&["corp"], Kind::Sso),
            (&["signed"], Kind::Login),
            (&["admin", "deep"], Kind::Many),
        ];
        for (profiles, kind) in cases {
            let request = Request {
                profiles: names(profiles),
                dry_run: true,
                ..Request::default()
            };
            let prepared =
                prepare(&ctx, &snapshot, &request).unwrap_or_else(|e| panic!("{profiles:?}: {e}"));
            assert_eq!(prepared.kind(), kind, "{profiles:?}");
            let mut codes = Codes::none();
            let inject = Inject {
                codes: &mut codes,
                sign_in: None,
                progress: &|_| {},
            };
            let outcome = renewer
                .request(&snapshot, &request, inject)
                .await
                .unwrap_or_else(|e| panic!("{profiles:?}: {e}"));
            match (kind, outcome) {
                (
                    Kind::Session | Kind::Role | Kind::Chain,
                    Outcome::Write {
                        renewal,
                        plan,
                        dry_run,
                        ..
                    },
                ) => {
                    assert!(dry_run, "{profiles:?}: placeholders only");
                    assert_eq!(renewal.profile, profiles[0]);
                    assert!(!plan.changes.is_empty(), "{profiles:?}: a change to show");
                }
                (
                    Kind::Sso,
                    Outcome::SsoPlanned {
                        profile,
                        target,
                        file,
                        ..
                    },
                ) => {
                    assert_eq!(profile, "corp");
                    assert_eq!(target.start_url, "https://corp.awsapps.com/start");
                    assert!(file.starts_with(&ctx.paths.sso_cache), "{}", file.display());
                }
                (Kind::Login, Outcome::LoginPlanned { profile, file }) => {
                    assert_eq!(profile.name, "signed");
                    assert!(
                        file.starts_with(&ctx.paths.login_cache),
                        "{}",
                        file.display()
                    );
                }
                (Kind::Many, Outcome::ManyPlanned(bulk)) => {
                    let planned: Vec<&str> =
                        bulk.renewals.iter().map(|r| r.profile.as_str()).collect();
                    assert_eq!(planned, ["admin", "deep"]);
                    assert!(bulk.session.is_some(), "one MFA session for both");
                }
                (kind, other) => panic!(
                    "{profiles:?}: {kind:?} came back as another outcome ({})",
                    match other {
                        Outcome::Write { .. } => "a write",
                        Outcome::Sso { .. } | Outcome::SsoPlanned { .. } => "SSO",
                        Outcome::Login { .. } | Outcome::LoginPlanned { .. } => "login",
                        Outcome::Many { .. } | Outcome::ManyPlanned(_) => "many",
                    }
                ),
            }
        }
        // A group of one, and the one-profile choices a group refuses.
        let group = Request {
            group: true,
            ..Request::one("admin")
        };
        assert_eq!(prepare(&ctx, &snapshot, &group).unwrap().kind(), Kind::Many);
        let forced = Request {
            mode: Some(Mode::Session),
            ..group
        };
        assert!(prepare(&ctx, &snapshot, &forced)
            .unwrap_err()
            .to_string()
            .starts_with("--mode and --duration apply to one profile"));
        let session_of_role = Request {
            mode: Some(Mode::Session),
            ..Request::one("dev")
        };
        assert_eq!(
            prepare(&ctx, &snapshot, &session_of_role).unwrap().kind(),
            Kind::Session
        );
    }
}
