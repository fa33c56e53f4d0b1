//! Planning a renewal without any I/O: mode, source credentials, role hops, target, duration,
//! endpoint — and whether an MFA code is needed. Where keys and sessions are comes from the
//! snapshot's layout ([`crate::awsfiles::layout`]); when a session is fresh enough comes from
//! [`crate::freshness`].
//!
//! Expiry keys the target already has keep their form; none is left stale.

use crate::aws::endpoint::{self, Service};
use crate::aws::{CallSite, Credentials};
use crate::awsfiles::expiry::{self, TimeFormat, EXPIRY_KEYS};
use crate::awsfiles::layout::{Convention, KeyPlace, KeyStore};
use crate::awsfiles::{ConfigMap, FileKind, Profile, ProfileKind, ProfileSettings, Snapshot};
use crate::context::Context;
use crate::duration::{self, CHAINED_MAX, ROLE_LIMITS, SESSION_LIMITS};
use crate::freshness::{Freshness, Use};
pub use crate::mode::Mode;
use crate::secret::Secret;
use chrono::{DateTime, Utc};
use std::collections::HashMap;
use std::time::Duration;
use thiserror::Error;

/// Choices that shape a renewal, all derived from the run's context by [`RenewOptions::of`].
#[derive(Clone, Debug)]
pub struct RenewOptions {
    /// Force a mode (otherwise: role for role profiles, session for the rest).
    pub mode: Option<Mode>,
    /// Duration in seconds (otherwise the profile's `duration_seconds`, or the defaults).
    pub duration: Option<u32>,
    /// GetSessionToken duration when none is asked for.
    pub session_default: u32,
    /// AssumeRole duration when none is asked for and the profile has no `duration_seconds`.
    pub role_default: u32,
    /// GetSessionToken duration from the environment (`AWS_MFA_TTL` of aws-mfa-secure,
    /// `MFA_STS_DURATION` of aws-mfa), below `duration` and above `session_default`.
    pub env_session_duration: Option<u32>,
    /// An MFA device from the environment (`AWS_MFA_SERIAL`, aws-mfa's `MFA_DEVICE`), used
    /// when the profile names none.
    pub env_serial: Option<String>,
    /// The user name for generated role session names (`USER`).
    pub user: String,
    /// When a source session is fresh enough to reuse.
    pub freshness: Freshness,
    /// Now, for freshness checks and session names.
    pub now: DateTime<Utc>,
    /// Time allowed to connect.
    pub connect_timeout: Duration,
    /// Time allowed for a whole call.
    pub call_timeout: Duration,
    /// The `AWS_*` variables (and `REQUESTS_CA_BUNDLE`), for endpoints, region and CA bundle.
    pub env: HashMap<String, String>,
    /// Whether hints should say `mfatui --demo`.
    pub demo: bool,
}

impl RenewOptions {
    /// The options for renewing `profile` now: the settings (its `[profiles.NAME]` entry
    /// included), the MFA tools' variables, the timeouts, from the run's context. The only place they are gathered.
    pub fn of(ctx: &Context, profile: &str, now: DateTime<Utc>) -> RenewOptions {
        let s = &ctx.settings;
        let over = s.profiles.get(profile).cloned().unwrap_or_default();
        let env = |keys: &[&str]| keys.iter().find_map(|k| ctx.env.get(k));
        RenewOptions {
            mode: over.mode,
            duration: over.duration,
            session_default: s.session_duration,
            role_default: s.role_duration,
            env_session_duration: env(&["AWS_MFA_TTL", "MFA_STS_DURATION"])
                .and_then(|v| v.trim().parse().ok()),
            env_serial: env(&["AWS_MFA_SERIAL", "MFA_DEVICE"])
                .filter(|v| !v.trim().is_empty())
                .map(str::to_owned),
            user: ctx.env.get("USER").unwrap_or("user").to_owned(),
            freshness: s.freshness(),
            demo: ctx.demo,
            now,
            connect_timeout: ctx.timeouts.connect,
            call_timeout: ctx.timeouts.call,
            env: ctx
                .env
                .vars()
                .filter(|(k, _)| k.starts_with("AWS_") || *k == "REQUESTS_CA_BUNDLE")
                .map(|(k, v)| (k.to_owned(), v.to_owned()))
                .collect(),
        }
    }

    /// Defaults and an empty environment: automatic mode and duration, 12 h sessions, 1 h
    /// roles, 5 s to connect, 30 s per call.
    pub fn new(now: DateTime<Utc>) -> Self {
        RenewOptions {
            mode: None,
            duration: None,
            session_default: 12 * 3600,
            role_default: 3600,
            env_session_duration: None,
            env_serial: None,
            user: "user".to_owned(),
            freshness: Freshness::default(),
            now,
            connect_timeout: Duration::from_secs(5),
            call_timeout: Duration::from_secs(30),
            env: HashMap::new(),
            demo: false,
        }
    }

    /// A command for a hint: `mfatui ARGS` (`--demo` in the demo), shell-quoted.
    pub fn command(&self, args: &[&str]) -> String {
        crate::awsfiles::shlex::mfatui_command(self.demo, args)
    }
}

/// Why a renewal cannot be planned: one sentence each.
#[derive(Clone, Debug, Error, PartialEq, Eq)]
pub enum PlanError {
    /// No such profile.
    #[error("there is no profile named '{0}' in the AWS config or credentials file")]
    NoProfile(String),
    /// The profile has a problem (a broken chain, a half key pair…).
    #[error("profile '{name}' cannot be renewed: {problem}")]
    Problem {
        /// The profile.
        name: String,
        /// The problem.
        problem: String,
    },
    /// Session mode without long-term keys.
    #[error("profile '{name}' ({kind}) has no long-term keys to start an MFA session from{hint}")]
    NoKeys {
        /// The profile.
        name: String,
        /// Its kind.
        kind: &'static str,
        /// What to do instead.
        hint: String,
    },
    /// No MFA device known.
    #[error("no MFA device is configured for '{name}': add mfa_serial to it, set AWS_MFA_SERIAL, or run `{discover}`")]
    NoDevice {
        /// The profile.
        name: String,
        /// The `mfatui discover …` command to run.
        discover: String,
    },
    /// Role mode on a profile that is not a role.
    #[error("profile '{name}' ({kind}) has no role_arn to assume")]
    NotRole {
        /// The profile.
        name: String,
        /// Its kind.
        kind: &'static str,
    },
    /// The role's source is the environment or the instance.
    #[error("profile '{name}' takes its source credentials from credential_source = {source_name} (the environment or the instance), not from a profile mfatui can renew")]
    CredentialSource {
        /// The profile.
        name: String,
        /// The `credential_source` value.
        source_name: String,
    },
    /// The role chain's source has nothing mfatui can use.
    #[error("{0}")]
    Source(String),
    /// More than one hop wants a code.
    #[error("more than one role in the chain asks for an MFA code ({0}); one code can be used once: keep mfa_serial on the first role only")]
    TwoCodes(String),
    /// The target cannot hold the keys.
    #[error("{0}")]
    Target(String),
    /// Another profile's renewals write the same section.
    #[error(transparent)]
    Shared(#[from] crate::awsfiles::SharedSession),
    /// A duration outside what STS allows.
    #[error("{0}")]
    Duration(#[from] crate::duration::DurationError),
    /// Both role outputs are switched off.
    #[error("roles.write_profile and roles.write_cli_cache are both off in mfatui's settings: a role renewal would have nowhere to go")]
    NowhereToWrite,
}

/// Where a renewal's first call gets its keys.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Keys {
    /// Read from the files (or a session on file).
    Here(Credentials),
    /// In the OS keyring under `profile`: read just before the call.
    Keyring {
        /// The keyring entry's profile.
        profile: String,
        /// The access key id on file (to check the entry against).
        access_key_id: String,
    },
}

/// The base credentials a renewal starts from.
#[derive(Clone, Debug)]
pub struct Source {
    /// The profile they come from.
    pub profile: String,
    /// The keys.
    pub keys: Keys,
    /// Whether they are a still-valid MFA session (then no code is needed for the first hop).
    pub mfa_session: bool,
}

impl Source {
    /// The credentials when they are read from the files (`None` for the keyring).
    pub fn credentials(&self) -> Option<&Credentials> {
        match &self.keys {
            Keys::Here(c) => Some(c),
            Keys::Keyring { .. } => None,
        }
    }
}

/// One `AssumeRole` in a chain.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Hop {
    /// The role profile.
    pub profile: String,
    /// `role_arn`.
    pub role_arn: String,
    /// `role_session_name` or a generated `mfatui-USER-TIME`.
    pub session_name: String,
    /// `external_id`.
    pub external_id: Option<String>,
    /// The MFA device to send with the code, if this hop needs one.
    pub serial: Option<String>,
    /// `DurationSeconds`.
    pub duration_secs: u32,
}

/// A fully planned renewal.
#[derive(Clone, Debug)]
pub struct Renewal {
    /// The profile being renewed.
    pub profile: String,
    /// How.
    pub mode: Mode,
    /// The credentials-file section the result is written to.
    pub target: String,
    /// Where the calls start from.
    pub source: Source,
    /// Session mode: the MFA device.
    pub session_serial: Option<String>,
    /// Role mode: the roles to assume, in order.
    pub hops: Vec<Hop>,
    /// Duration of the final credentials.
    pub duration_secs: u32,
    /// Region, endpoints, timeouts.
    pub site: CallSite,
    /// The expiry keys to write in the target, each in the form it already has there (or the
    /// convention's default: aws-mfa's `YYYY-mm-dd HH:MM:SS`, `__expires__` beside
    /// `__profile__`, else RFC 3339 `expiration`).
    pub expiry_keys: ExpiryWrites,
    /// `__started__` in the target, with its form, to update with the session's start.
    pub started_key: Option<TimeFormat>,
    /// Whether the target profile is written (role renewals can write the CLI cache only).
    pub write_target: bool,
    /// For role renewals: the AWS CLI's cache file name (without `.json`) for this role.
    pub cli_cache_key: Option<String>,
    /// `region` and `output` to copy into the target when it has none.
    pub copy_settings: Vec<(String, String)>,
}

impl Renewal {
    /// The first question for its MFA code: the profile, its device, and the `mfa_process`
    /// of the profile or of its source (as aws-vault reads it).
    pub fn code_ask(&self, snapshot: &Snapshot) -> super::code::CodeAsk {
        let mfa_process = [self.profile.as_str(), self.source.profile.as_str()]
            .iter()
            .find_map(|p| {
                snapshot
                    .map()
                    .profile(p)?
                    .get("mfa_process")
                    .map(str::to_owned)
            });
        // A command another user could have put in the config file is not run as this one
        // (as the settings file's are not).
        let config = &snapshot.files().paths.config;
        let mfa_process_distrusted = mfa_process.as_ref().and_then(|_| {
            let why = crate::safe_fs::others_may_change(&std::fs::metadata(config).ok()?)?;
            Some(format!(
                "the mfa_process of '{}' was not run: {} names it and {why}; make the file yours and run chmod go-w on it",
                self.profile,
                config.display()
            ))
        });
        super::code::CodeAsk {
            profile: self.profile.clone(),
            serial: self.serial().map(str::to_owned),
            mfa_process,
            mfa_process_distrusted,
            attempt: 1,
            refused: None,
        }
    }

    /// Whether an MFA code must be supplied.
    pub fn needs_code(&self) -> bool {
        match self.mode {
            Mode::Session => self.session_serial.is_some(),
            Mode::Role => self.hops.iter().any(|h| h.serial.is_some()),
        }
    }

    /// The MFA device the code is for.
    pub fn serial(&self) -> Option<&str> {
        self.session_serial
            .as_deref()
            .or_else(|| self.hops.iter().find_map(|h| h.serial.as_deref()))
    }
}

/// The way a profile renews: the one place it is decided, for the renewal request
/// ([`crate::renew::request`]) and the fresh-session service alike.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Route {
    /// STS with keys, a session or a role chain (planned by [`plan`]).
    Sts,
    /// The SSO token of its session (refresh, else a sign-in).
    Sso,
    /// The `aws login` cache, refreshed through the sign-in service.
    Login,
}

/// How profile `name` of `snapshot` renews (a profile the files do not have goes to STS,
/// whose planning says it does not exist).
pub fn route(snapshot: &Snapshot, name: &str) -> Route {
    match snapshot.profile(name).map(|p| p.kind) {
        Some(ProfileKind::Sso) => Route::Sso,
        Some(ProfileKind::Login) => Route::Login,
        _ => Route::Sts,
    }
}

/// The modes that apply to a profile, the default first.
pub fn modes_for(profile: &Profile) -> Vec<Mode> {
    match profile.kind {
        ProfileKind::Role => vec![Mode::Role],
        ProfileKind::LongTerm | ProfileKind::Session => vec![Mode::Session],
        _ => Vec::new(),
    }
}

/// Static credentials of a profile, if it has a complete key pair.
pub fn static_credentials(p: ProfileSettings) -> Option<Credentials> {
    Some(Credentials {
        access_key_id: p.get("aws_access_key_id")?.to_owned(),
        secret_access_key: Secret::new(p.get("aws_secret_access_key")?),
        session_token: p
            .get("aws_session_token")
            .or_else(|| p.get("aws_security_token"))
            .map(Secret::new),
        expiration: expiry::from_keys(|k| p.get(k)).and_then(|e| e.at()),
    })
}

/// The keys at `place`: read from its section, or left to the keyring.
pub fn keys_at(map: &ConfigMap, place: &KeyPlace) -> Option<Keys> {
    match place.store {
        KeyStore::Keyring => Some(Keys::Keyring {
            profile: place.profile.to_string(),
            access_key_id: place.access_key_id.to_string(),
        }),
        KeyStore::File(file) => {
            let p = map.profile(&place.profile)?;
            let section = match file {
                FileKind::Credentials
                    if crate::awsfiles::layout::has_long_term_keys(p.credentials_only()) =>
                {
                    p.credentials_only()
                }
                FileKind::Config
                    if crate::awsfiles::layout::has_long_term_keys(p.config_only()) =>
                {
                    p.config_only()
                }
                _ => p,
            };
            let mut creds = static_credentials(section)?;
            creds.session_token = None;
            creds.expiration = None;
            Some(Keys::Here(creds))
        }
    }
}

/// Plans the renewal of `name` (pure: no I/O, no network).
pub fn plan(snapshot: &Snapshot, name: &str, opts: &RenewOptions) -> Result<Renewal, PlanError> {
    let profile = snapshot
        .profile(name)
        .ok_or_else(|| PlanError::NoProfile(name.to_owned()))?;
    let mode = match opts.mode {
        Some(m) => m,
        None => *modes_for(profile).first().unwrap_or(&Mode::Session),
    };
    if let Some(problem) = profile.problems.first() {
        return Err(PlanError::Problem {
            name: name.to_owned(),
            problem: problem.clone(),
        });
    }
    match mode {
        Mode::Session => plan_session(snapshot, profile, opts),
        Mode::Role => plan_role(snapshot, profile, opts),
    }
}

/// Region, endpoints and timeouts for calls made for a profile with these settings.
pub fn site_for(
    map: &ConfigMap,
    settings: Option<ProfileSettings>,
    opts: &RenewOptions,
) -> CallSite {
    let env = |k: &str| opts.env.get(k).cloned();
    CallSite {
        region: endpoint::region(settings, &env),
        sts_endpoint: endpoint::endpoint_url(Service::Sts, map, settings, &env),
        iam_endpoint: endpoint::endpoint_url(Service::Iam, map, settings, &env),
        ca_bundle: endpoint::ca_bundle(settings, &env),
        connect_timeout: opts.connect_timeout,
        call_timeout: opts.call_timeout,
    }
}

/// What to do instead, for a profile mfatui cannot start an MFA session for.
fn kind_hint(profile: &Profile, opts: &RenewOptions) -> String {
    let name = profile.name.as_str();
    match profile.kind {
        ProfileKind::Role => "; renew it in role mode".to_owned(),
        ProfileKind::Sso => format!(
            "; it is an SSO profile: `{}` signs in",
            opts.command(&["renew", name])
        ),
        ProfileKind::Process => {
            "; its credential_process gives its credentials, which mfatui cannot renew".to_owned()
        }
        ProfileKind::WebIdentity => {
            "; it takes a web identity token, which mfatui cannot renew".to_owned()
        }
        _ => String::new(),
    }
}

fn plan_session(
    snapshot: &Snapshot,
    profile: &Profile,
    opts: &RenewOptions,
) -> Result<Renewal, PlanError> {
    let map = snapshot.map();
    let name = profile.name.as_str();
    let layout = snapshot.layout_of(name);
    if let Some(shared) = snapshot.shared_session(name) {
        return Err(shared.into());
    }
    let (Some(place), Some(session)) = (&layout.keys, &layout.session) else {
        return Err(PlanError::NoKeys {
            name: name.to_owned(),
            kind: profile.kind.label(),
            hint: kind_hint(profile, opts),
        });
    };
    let keys = keys_at(map, place).ok_or_else(|| PlanError::NoKeys {
        name: name.to_owned(),
        kind: profile.kind.label(),
        hint: String::new(),
    })?;
    let source = place.profile.to_string();
    let target = session.section.to_string();
    let serial = profile
        .mfa
        .as_ref()
        .or_else(|| snapshot.profile(&source).and_then(|p| p.mfa.as_ref()))
        .map(|m| m.serial.to_string())
        .or_else(|| opts.env_serial.clone());
    // Keys kept in the OS keyring are never served as they are: without a device, their
    // session is a GetSessionToken without MFA (as aws-vault does).
    if serial.is_none() && place.store != KeyStore::Keyring {
        return Err(PlanError::NoDevice {
            name: name.to_owned(),
            discover: opts.command(&["discover", &source]),
        });
    }
    // The same key in another section loses nothing; in the very section holding it (a
    // target setting naming the profile itself, attack round 12) it is overwritten.
    let same_section = place.file == FileKind::Credentials && *place.section == *target;
    check_target(
        map,
        &target,
        (!same_section).then_some(place.access_key_id.as_str()),
    )?;
    if target != name {
        if let Some(problem) = snapshot.profile(&target).and_then(|t| t.problems.first()) {
            return Err(PlanError::Target(format!(
                "the session profile '{target}' of '{name}' cannot be written: {problem}"
            )));
        }
    }
    let requested = opts
        .duration
        .or(opts.env_session_duration)
        .unwrap_or(opts.session_default);
    let duration_secs = duration::check(requested, SESSION_LIMITS, "GetSessionToken")
        .map_err(PlanError::Duration)?;
    let own = map.profile(name);
    let base = map.profile(&source);
    let (expiry_keys, started_key) =
        expiry_writes(map.profile(&target), session.convention, &target)?;
    Ok(Renewal {
        profile: name.to_owned(),
        mode: Mode::Session,
        expiry_keys,
        started_key,
        write_target: true,
        cli_cache_key: None,
        copy_settings: settings_to_copy(own.or(base), map.profile(&target)),
        site: site_for(map, own.or(base), opts),
        target,
        source: Source {
            profile: source,
            keys,
            mfa_session: false,
        },
        session_serial: serial,
        hops: Vec::new(),
        duration_secs,
    })
}

/// Expiry keys to write, each with the form to write it in.
pub type ExpiryWrites = Vec<(&'static str, TimeFormat)>;

/// The expiry keys to write in `target` (each in the form it has there; none left stale)
/// and its `__started__`; an expiry mfatui cannot read stops the renewal.
fn expiry_writes(
    target: Option<ProfileSettings>,
    convention: Convention,
    name: &str,
) -> Result<(ExpiryWrites, Option<TimeFormat>), PlanError> {
    let mut keys = Vec::new();
    for key in EXPIRY_KEYS {
        let Some(raw) = target.and_then(|t| t.get(key)) else {
            continue;
        };
        let form = TimeFormat::of(raw).ok_or_else(|| {
            PlanError::Target(format!("[{name}] has {key} = '{raw}', which is not a time mfatui can read; correct or remove it, then renew"))
        })?;
        keys.push((key, form));
    }
    let has = |key: &str| target.is_some_and(|t| t.has(key));
    if keys.is_empty() {
        keys.push(if has("__profile__") {
            ("__expires__", TimeFormat::RFC3339_Z)
        } else if convention == Convention::AwsMfa {
            ("expiration", TimeFormat::AWS_MFA)
        } else {
            ("expiration", TimeFormat::RFC3339_Z)
        });
    }
    let started = target
        .and_then(|t| t.get("__started__"))
        .map(|raw| TimeFormat::of(raw).unwrap_or(TimeFormat::RFC3339_Z));
    Ok((keys, started))
}

fn plan_role(
    snapshot: &Snapshot,
    profile: &Profile,
    opts: &RenewOptions,
) -> Result<Renewal, PlanError> {
    let map = snapshot.map();
    let name = profile.name.as_str();
    let Some(places) = snapshot.layout_of(name).role.as_ref() else {
        return Err(PlanError::NotRole {
            name: name.to_owned(),
            kind: profile.kind.label(),
        });
    };
    if let Some(shared) = snapshot.shared_session(name) {
        return Err(shared.into());
    }
    if let Some(cs) = &profile.credential_source {
        return Err(PlanError::CredentialSource {
            name: name.to_owned(),
            source_name: cs.to_string(),
        });
    }
    let base_name = places.base.to_string();
    let source = role_source(snapshot, &base_name, opts)?;

    let mut roles: Vec<&str> = std::iter::once(name)
        .chain(profile.chain.iter().map(|n| n.as_str()))
        .collect();
    // The chain ends at the profile whose keys start it; it is not a role to assume, unless
    // it is the role profile itself (`source_profile` naming itself, keys in the same profile).
    roles.pop();
    if roles.is_empty() {
        roles.push(name);
    }
    roles.reverse();
    let mut hops = Vec::new();
    for role in &roles {
        let s = map.profile(role).expect("chain profiles exist");
        let default_name = format!("mfatui-{}-{}", opts.user, opts.now.timestamp());
        hops.push(Hop {
            profile: (*role).to_owned(),
            role_arn: s.get("role_arn").unwrap_or_default().to_owned(),
            session_name: sanitize_session_name(
                s.get("role_session_name").unwrap_or(&default_name),
            ),
            external_id: s.get("external_id").map(str::to_owned),
            // By its first line, as a session profile's device is (attack round 15, E-1).
            serial: s
                .get("mfa_serial")
                .map(|v| crate::text::first_line(v).to_owned()),
            duration_secs: 3600,
        });
    }
    if source.mfa_session {
        if let Some(first) = hops.first_mut() {
            first.serial = None;
        }
    }
    let needing: Vec<&str> = hops
        .iter()
        .filter(|h| h.serial.is_some())
        .map(|h| h.profile.as_str())
        .collect();
    if needing.len() > 1 {
        return Err(PlanError::TwoCodes(needing.join(", ")));
    }
    let own = map.profile(name);
    let chained = hops.len() > 1;
    let requested = opts
        .duration
        .unwrap_or_else(|| default_role_duration(own, opts));
    let duration_secs = if chained {
        duration::check(
            requested,
            (ROLE_LIMITS.0, CHAINED_MAX),
            "AssumeRole with role chaining",
        )
    } else {
        duration::check(requested, ROLE_LIMITS, "AssumeRole")
    }
    .map_err(PlanError::Duration)?;
    if let Some(last) = hops.last_mut() {
        last.duration_secs = duration_secs;
    }
    if places.section.is_none() && !places.cli_cache {
        return Err(PlanError::NowhereToWrite);
    }
    let target = places.section.as_deref().unwrap_or(name).to_owned();
    let (expiry_keys, started_key) = if places.section.is_some() {
        check_target(map, &target, None)?;
        expiry_writes(map.profile(&target), Convention::Plain, &target)?
    } else {
        (Vec::new(), None)
    };
    Ok(Renewal {
        profile: name.to_owned(),
        mode: Mode::Role,
        expiry_keys,
        started_key,
        write_target: places.section.is_some(),
        cli_cache_key: places
            .cli_cache
            .then(|| crate::awsfiles::layout::role_cache_key(map, name))
            .flatten(),
        copy_settings: settings_to_copy(own, map.profile(&target)),
        site: site_for(map, own, opts),
        target,
        source,
        session_serial: None,
        hops,
        duration_secs,
    })
}

/// A role's duration when none is asked for: its `duration_seconds`, else the default.
fn default_role_duration(own: Option<ProfileSettings>, opts: &RenewOptions) -> u32 {
    own.and_then(|s| s.get("duration_seconds"))
        .and_then(|d| d.parse().ok())
        .unwrap_or(opts.role_default)
}

/// The credentials a role chain starts from: a still-fresh MFA session of the base (where its
/// layout keeps it), else the base's long-term keys (files or keyring).
fn role_source(
    snapshot: &Snapshot,
    base_name: &str,
    opts: &RenewOptions,
) -> Result<Source, PlanError> {
    let map = snapshot.map();
    let layout = snapshot.layout_of(base_name);
    let on_file = layout.session.as_ref().and_then(|s| {
        let creds = map.profile(&s.section).and_then(static_credentials)?;
        creds
            .session_token
            .is_some()
            .then(|| (s.section.to_string(), creds))
    });
    if let Some((section, creds)) = &on_file {
        if opts
            .freshness
            .is_fresh(Use::Reuse, creds.expiration, None, opts.now)
        {
            return Ok(Source {
                profile: section.clone(),
                keys: Keys::Here(creds.clone()),
                mfa_session: true,
            });
        }
    }
    if let Some(keys) = layout
        .keys
        .as_ref()
        .and_then(|k| Some((k, keys_at(map, k)?)))
    {
        return Ok(Source {
            profile: keys.0.profile.to_string(),
            keys: keys.1,
            mfa_session: false,
        });
    }
    if on_file.is_some() {
        return Err(PlanError::Source(format!(
            "the session of source profile '{base_name}' has expired (or records no expiry), and mfatui has no long-term keys to renew it"
        )));
    }
    let base = snapshot.profile(base_name);
    let kind = base.map_or("unknown", |p| p.kind.label());
    let what = match base.map(|p| p.kind) {
        Some(ProfileKind::Sso) => format!(
            "sign in first with `{}` (or `aws sso login --profile {}`)",
            opts.command(&["renew", base_name]),
            crate::awsfiles::shlex::quote(base_name)
        ),
        Some(ProfileKind::Process) => {
            "its credential_process gives its credentials; the AWS CLI assumes this role from them without mfatui".to_owned()
        }
        _ => "add long-term keys to it, or point source_profile at a profile that has them".to_owned(),
    };
    Err(PlanError::Source(format!(
        "source profile '{base_name}' ({kind}) has no keys mfatui can use: {what}"
    )))
}

/// Refuses a target that the AWS CLI would not read as static keys, and one that holds a
/// long-term key of its own (an access key without a session token, or a keyring marker):
/// writing the session there would overwrite the key, leaving it only in a backup that
/// pruning removes (attack round 11). `source_key` is the key the session is made with: the
/// same key in the target loses nothing.
fn check_target(map: &ConfigMap, target: &str, source_key: Option<&str>) -> Result<(), PlanError> {
    let Some(t) = map.profile(target) else {
        return Ok(());
    };
    // The pair and its token as botocore reads them: from one file (the credentials file's
    // section when it has the key id), a token that is blank or a comment being none
    // (attack rounds 12 and 13).
    let own = if t.credentials_only().has("aws_access_key_id") {
        t.credentials_only()
    } else {
        t.config_only()
    };
    let long_term = if crate::awsfiles::layout::holds_token(own) {
        t.get(crate::awsfiles::profile::KEYRING_MARKER)
    } else {
        t.get("aws_access_key_id")
            .or_else(|| t.get(crate::awsfiles::profile::KEYRING_MARKER))
    };
    if let Some(id) = long_term.filter(|id| Some(*id) != source_key) {
        return Err(PlanError::Target(format!(
            "the target profile '{target}' holds a long-term access key of its own ({}), which the session would overwrite; rename that profile or choose another target pattern ([naming] target)",
            crate::awsfiles::profile::key_suffix(id)
        )));
    }
    const OTHER_SOURCES: [&str; 6] = [
        "role_arn",
        "sso_session",
        "sso_start_url",
        "credential_process",
        "web_identity_token_file",
        "source_profile",
    ];
    // An indented line continues a value for botocore and is a setting of its own for the
    // JS SDK v3: one naming another source gives JS programs another identity under the
    // profile `use`/`mfa` name (attack round 14, C-10).
    let indented = t.settings.entries().find_map(|e| {
        e.value.lines().skip(1).find_map(|line| {
            let (key, _) = line.split_once('=')?;
            let key = key.trim().to_ascii_lowercase();
            OTHER_SOURCES.contains(&key.as_str()).then_some(key)
        })
    });
    if let Some(key) = indented {
        return Err(PlanError::Target(format!(
            "the target profile '{target}' has a line `{key} = …` indented under another setting, which the JS SDK reads as a setting of its own; remove the indent or the line, or choose another target pattern"
        )));
    }
    for key in OTHER_SOURCES {
        if t.has(key) {
            return Err(PlanError::Target(format!(
                "the target profile '{target}' has {key}, so the AWS CLI would not use the keys written there; rename that profile or choose another target pattern"
            )));
        }
    }
    Ok(())
}

/// `region` and `output` of the renewed profile, for a target that has none.
fn settings_to_copy(
    from: Option<ProfileSettings>,
    target: Option<ProfileSettings>,
) -> Vec<(String, String)> {
    ["region", "output"]
        .iter()
        .filter(|k| target.is_none_or(|t| !t.has(k)))
        .filter_map(|k| Some(((*k).to_owned(), from?.get(k)?.to_owned())))
        .collect()
}

/// STS accepts `[\w+=,.@-]{2,64}` as a role session name.
fn sanitize_session_name(raw: &str) -> String {
    let mut s: String = raw
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || "_+=,.@-".contains(c) {
                c
            } else {
                '-'
            }
        })
        .take(64)
        .collect();
    while s.len() < 2 {
        s.push('-');
    }
    s
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::awsfiles::{AwsFile, AwsFiles, AwsPaths, Document, Naming};

    /// A snapshot of these two files (nothing read from disk).
    pub(crate) fn snapshot(config: &str, credentials: &str, naming: &Naming) -> Snapshot {
        let paths = AwsPaths::from_lookup(|_| None);
        let file = |kind, text: &str| AwsFile {
            kind,
            path: "/nonexistent".into(),
            document: Document::from_str_lossless(text),
            existed: true,
            not_regular: None,
        };
        let files = AwsFiles {
            config: file(FileKind::Config, config),
            credentials: file(FileKind::Credentials, credentials),
            paths,
        };
        Snapshot::from_files(files, naming).unwrap()
    }

    #[test]
    fn the_mfa_tools_environment_fills_in_what_the_files_leave_open() {
        let now = chrono::Utc::now();
        let creds = "[a]\naws_access_key_id = AKIA\naws_secret_access_key = s\n\n[b]\naws_access_key_id = AKIB\naws_secret_access_key = s\nmfa_serial = arn:aws:iam::1:mfa/own\n";
        let s = snapshot("[profile a]\nregion = x\n", creds, &Naming::default());
        let mut opts = RenewOptions::new(now);
        opts.env_serial = Some("arn:aws:iam::1:mfa/env".into());
        opts.env_session_duration = Some(1800);
        let a = plan(&s, "a", &opts).unwrap();
        assert_eq!(
            a.session_serial.as_deref(),
            Some("arn:aws:iam::1:mfa/env"),
            "none on file"
        );
        assert_eq!(a.duration_secs, 1800);
        let b = plan(&s, "b", &opts).unwrap();
        assert_eq!(
            b.session_serial.as_deref(),
            Some("arn:aws:iam::1:mfa/own"),
            "the file wins"
        );
        opts.duration = Some(3600);
        assert_eq!(
            plan(&s, "b", &opts).unwrap().duration_secs,
            3600,
            "--duration wins"
        );
    }

    #[test]
    fn a_role_reuses_the_fresh_session_its_source_keeps_under_a_custom_target() {
        let now = chrono::Utc::now();
        let expires = (now + chrono::Duration::hours(2)).to_rfc3339();
        let config = "[profile r]\nrole_arn = arn:aws:iam::1:role/R\nsource_profile = base\nmfa_serial = arn:aws:iam::1:mfa/a\n";
        let credentials = format!(
            "[base]\naws_access_key_id = AKIA\naws_secret_access_key = s\n\n[base-session]\naws_access_key_id = ASIA\naws_secret_access_key = s\naws_session_token = t\nexpiration = {expires}\n"
        );
        let mut naming = Naming::default();
        naming.targets.insert("base".into(), "base-session".into());
        let s = snapshot(config, &credentials, &naming);
        let r = plan(&s, "r", &RenewOptions::new(now)).unwrap();
        assert!(
            !r.needs_code(),
            "the MFA session in [base-session] stands in for the code"
        );
        assert_eq!(r.source.profile, "base-session");
        let s = snapshot(config, &credentials, &Naming::default());
        assert!(plan(&s, "r", &RenewOptions::new(now)).unwrap().needs_code());
    }

    #[test]
    fn hints_name_the_right_command_quoted() {
        let now = chrono::Utc::now();
        let config = "[profile \"my sso\"]\nsso_session = corp\nsso_account_id = 1\nsso_role_name = R\n\n[sso-session corp]\nsso_start_url = https://x\nsso_region = eu-west-1\n\
                      [profile \"my role\"]\nrole_arn = arn:aws:iam::1:role/R\nsource_profile = my sso\n";
        let s = snapshot(
            config,
            "[k k]\naws_access_key_id = AKIA\naws_secret_access_key = s\n",
            &Naming::default(),
        );
        let mut opts = RenewOptions::new(now);
        opts.demo = true;
        let e = plan(&s, "my role", &opts).unwrap_err().to_string();
        assert!(e.contains("`mfatui --demo renew 'my sso'`"), "{e}");
        let e = plan(&s, "k k", &opts).unwrap_err().to_string();
        assert!(e.contains("`mfatui --demo discover 'k k'`"), "{e}");
    }

    #[test]
    fn session_names_are_valid_for_sts() {
        assert_eq!(sanitize_session_name("ana maría@x"), "ana-mar-a@x");
        assert_eq!(sanitize_session_name("a"), "a-");
        assert_eq!(sanitize_session_name(&"x".repeat(80)).len(), 64);
    }
}
