//! Planning a renewal without any network call: mode, source credentials, role hops, target
//! profile, duration, endpoint — and whether an MFA code is needed.
//!
//! Where results go (so that what already reads the session keeps working):
//! - a pair other tools made (aws-mfa's `NAME` + `NAME-SUFFIX`, a section with
//!   `__profile__ = NAME`): the session section of the pair, whichever side is renewed.
//! - a profile whose credentials section holds a session while its config section holds the
//!   long-term keys: the credentials section, renewed with the config keys.
//! - a profile holding long-term keys: never overwritten; the session goes to `NAME-mfa`
//!   (the pattern `{profile}-mfa`), and renewing `NAME-mfa` renews from `NAME`.
//! - a role profile: `NAME-mfa` in the credentials file (botocore gives a config `role_arn`
//!   priority over static keys of the same profile name) and the AWS CLI's own cache entry.
//!
//! Expiry keys the target already has keep their form; none is left stale.

use crate::aws::endpoint::{self, Service};
use crate::aws::{CallSite, Credentials};
use crate::awsfiles::cli_cache::{cache_key, RoleCacheArgs};
use crate::awsfiles::expiry::{self, TimeFormat, EXPIRY_KEYS};
use crate::awsfiles::profile::AWS_MFA_LONG_TERM_SUFFIX;
use crate::awsfiles::{ConfigMap, Profile, ProfileKind, ProfileSettings};
use crate::duration::{self, CHAINED_MAX, ROLE_LIMITS, SESSION_LIMITS};
pub use crate::mode::Mode;
use crate::secret::Secret;
use crate::settings::{Settings, DEFAULT_TARGET_PATTERN};
use chrono::{DateTime, Utc};
use std::time::Duration;

/// A source session must stay valid this long to be used instead of asking for a code.
const FRESH_MARGIN_SECS: i64 = 300;

/// Choices that shape a renewal.
#[derive(Clone, Debug)]
pub struct RenewOptions {
    /// Force a mode (otherwise: role for role profiles, session for the rest).
    pub mode: Option<Mode>,
    /// Duration in seconds (otherwise the profile's `duration_seconds`, or 12 h / 1 h).
    pub duration: Option<u32>,
    /// Target name pattern; `{profile}` is replaced by the profile name.
    pub target_pattern: String,
    /// An explicit target for this profile (settings `[profiles.NAME] target`).
    pub target: Option<String>,
    /// GetSessionToken duration when none is asked for.
    pub session_default: u32,
    /// AssumeRole duration when none is asked for and the profile has no `duration_seconds`.
    pub role_default: u32,
    /// aws-mfa's long-term profile suffix.
    pub long_term_suffix: String,
    /// GetSessionToken duration from the environment (`AWS_MFA_TTL` of aws-mfa-secure,
    /// `MFA_STS_DURATION` of aws-mfa), below `duration` and above `session_default`.
    pub env_session_duration: Option<u32>,
    /// An MFA device from the environment (`AWS_MFA_SERIAL`, aws-mfa's `MFA_DEVICE`), used
    /// when the profile names none.
    pub env_serial: Option<String>,
    /// Whether role renewals write the `NAME-mfa` profile (`roles.write_profile`).
    pub write_role_profile: bool,
    /// Whether role renewals write the AWS CLI's cache entry (`roles.write_cli_cache`).
    pub write_cli_cache: bool,
    /// Now, for freshness checks and session names.
    pub now: DateTime<Utc>,
    /// Time allowed to connect.
    pub connect_timeout: Duration,
    /// Time allowed for a whole call.
    pub call_timeout: Duration,
}

impl RenewOptions {
    /// The options for renewing `profile` under the user's settings (its overrides included).
    pub fn for_profile(settings: &Settings, profile: &str, now: DateTime<Utc>) -> Self {
        let over = settings.profiles.get(profile).cloned().unwrap_or_default();
        RenewOptions {
            mode: over.mode,
            duration: over.duration,
            target_pattern: settings.target_pattern.clone(),
            target: over.target,
            session_default: settings.session_duration,
            role_default: settings.role_duration,
            long_term_suffix: settings.long_term_suffix.clone(),
            write_role_profile: settings.write_role_profile,
            write_cli_cache: settings.write_cli_cache,
            ..RenewOptions::new(now).with_env(|k| std::env::var(k).ok())
        }
    }

    /// These options with the MFA variables of aws-mfa-secure and aws-mfa read from `env`.
    /// An unusable duration is ignored here and reported by [`env_duration_problem`].
    pub fn with_env(mut self, env: impl Fn(&str) -> Option<String>) -> Self {
        self.env_session_duration = ["AWS_MFA_TTL", "MFA_STS_DURATION"]
            .iter()
            .find_map(|k| env(k)?.trim().parse().ok());
        self.env_serial = ["AWS_MFA_SERIAL", "MFA_DEVICE"]
            .iter()
            .find_map(|k| env(k).filter(|v| !v.trim().is_empty()));
        self
    }

    /// Defaults: automatic mode and duration, `{profile}-mfa`, 5 s to connect, 30 s per call.
    pub fn new(now: DateTime<Utc>) -> Self {
        RenewOptions {
            mode: None,
            duration: None,
            target_pattern: DEFAULT_TARGET_PATTERN.to_owned(),
            target: None,
            session_default: 12 * 3600,
            role_default: 3600,
            long_term_suffix: AWS_MFA_LONG_TERM_SUFFIX.to_owned(),
            env_session_duration: None,
            env_serial: None,
            write_role_profile: true,
            write_cli_cache: true,
            now,
            connect_timeout: Duration::from_secs(5),
            call_timeout: Duration::from_secs(30),
        }
    }
}

/// The base credentials a renewal starts from.
#[derive(Clone, Debug)]
pub struct Source {
    /// The profile they come from.
    pub profile: String,
    /// The keys.
    pub credentials: Credentials,
    /// Whether they are a still-valid MFA session (then no code is needed for the first hop).
    pub mfa_session: bool,
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

/// The modes that apply to a profile, the default first.
pub fn modes_for(profile: &Profile) -> Vec<Mode> {
    match profile.kind {
        ProfileKind::Role => vec![Mode::Role],
        ProfileKind::LongTerm | ProfileKind::Session => vec![Mode::Session],
        _ => Vec::new(),
    }
}

/// The target profile name for `profile` under `pattern`.
pub fn target_name(pattern: &str, profile: &str) -> String {
    pattern.replace("{profile}", profile)
}

/// The profile `name` was derived from under `pattern`, if it looks like a target.
fn source_of_target<'a>(pattern: &str, name: &'a str) -> Option<&'a str> {
    let (prefix, suffix) = pattern.split_once("{profile}")?;
    let inner = name.strip_prefix(prefix)?.strip_suffix(suffix)?;
    (!inner.is_empty() && (prefix.len() + suffix.len()) > 0).then_some(inner)
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

/// Whether these settings hold a long-term key pair (keys, no session token).
pub fn has_long_term_keys(p: ProfileSettings) -> bool {
    p.has("aws_access_key_id")
        && p.has("aws_secret_access_key")
        && !p.has("aws_session_token")
        && !p.has("aws_security_token")
}

/// The long-term keys of profile `name`, wherever they are: its merged settings, or its
/// config section when a session in its credentials section shadows them there.
pub fn long_term_credentials(map: &ConfigMap, name: &str) -> Option<Credentials> {
    let p = map.profile(name)?;
    [p, p.config_only()]
        .into_iter()
        .find(|s| has_long_term_keys(*s))
        .and_then(static_credentials)
}

/// How a target's session section was found, for the default expiry key.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Convention {
    /// aws-mfa's short-term profile.
    AwsMfa,
    /// Anything else.
    Plain,
}

/// Plans the renewal of `name` (pure: no I/O, no network).
pub fn plan(
    map: &ConfigMap,
    profiles: &[Profile],
    name: &str,
    opts: &RenewOptions,
) -> Result<Renewal, String> {
    let profile = profiles.iter().find(|p| p.name == name).ok_or_else(|| {
        format!("there is no profile named '{name}' in the AWS config or credentials file")
    })?;
    let mode = match opts.mode {
        Some(m) => m,
        None => *modes_for(profile).first().unwrap_or(&Mode::Session),
    };
    match mode {
        Mode::Session => plan_session(map, profiles, profile, opts),
        Mode::Role => plan_role(map, profiles, profile, opts),
    }
}

/// Region, endpoints and timeouts for calls made for a profile with these settings.
pub fn site_for(
    map: &ConfigMap,
    settings: Option<ProfileSettings>,
    opts: &RenewOptions,
) -> CallSite {
    let env = |k: &str| std::env::var(k).ok();
    CallSite {
        region: endpoint::region(settings, &env),
        sts_endpoint: endpoint::endpoint_url(Service::Sts, map, settings, &env),
        iam_endpoint: endpoint::endpoint_url(Service::Iam, map, settings, &env),
        ca_bundle: endpoint::ca_bundle(settings, &env),
        connect_timeout: opts.connect_timeout,
        call_timeout: opts.call_timeout,
    }
}

fn plan_session(
    map: &ConfigMap,
    profiles: &[Profile],
    profile: &Profile,
    opts: &RenewOptions,
) -> Result<Renewal, String> {
    let name = profile.name.as_str();
    if let Some(problem) = profile.problems.first() {
        return Err(format!("profile '{name}' cannot be renewed: {problem}"));
    }
    let by_name = |n: &str| profiles.iter().find(|p| p.name == n);
    let keys = |n: &str| long_term_credentials(map, n);
    let is_aws_mfa = |lt: &str| {
        by_name(lt).is_some_and(|p| p.mfa.as_ref().is_some_and(|m| m.key == "aws_mfa_device"))
            || lt.ends_with(opts.long_term_suffix.as_str())
    };
    let own_keys = keys(name);
    let (source, credentials, conventional, convention) = if let Some((lt, creds)) = profile
        .long_term_profile
        .as_deref()
        .and_then(|lt| Some((lt, keys(lt)?)))
    {
        let convention = if is_aws_mfa(lt) {
            Convention::AwsMfa
        } else {
            Convention::Plain
        };
        (lt.to_owned(), creds, name.to_owned(), convention)
    } else if let Some(creds) = own_keys
        .clone()
        .filter(|_| profile.session_profile.is_some())
    {
        let session = profile.session_profile.as_deref().unwrap_or_default();
        let convention = if is_aws_mfa(name) {
            Convention::AwsMfa
        } else {
            Convention::Plain
        };
        (name.to_owned(), creds, session.to_owned(), convention)
    } else if let Some((short, creds)) = name
        .strip_suffix(opts.long_term_suffix.as_str())
        .filter(|s| !s.is_empty())
        .and_then(|short| Some((short, own_keys.clone()?)))
    {
        (name.to_owned(), creds, short.to_owned(), Convention::AwsMfa)
    } else if let Some(creds) = own_keys.clone().filter(|_| {
        map.profile(name)
            .is_some_and(|p| has_long_term_keys(p.config_only()) && !has_long_term_keys(p))
    }) {
        // Long-term keys in config, the session in credentials shadowing them.
        (name.to_owned(), creds, name.to_owned(), Convention::Plain)
    } else if let Some(creds) = own_keys {
        let target = target_name(&opts.target_pattern, name);
        (name.to_owned(), creds, target, Convention::Plain)
    } else if let Some((base, creds)) =
        source_of_target(&opts.target_pattern, name).and_then(|base| Some((base, keys(base)?)))
    {
        (base.to_owned(), creds, name.to_owned(), Convention::Plain)
    } else {
        return Err(format!(
            "profile '{name}' ({}) has no long-term keys to start an MFA session from{}",
            profile.kind.label(),
            if profile.kind == ProfileKind::Role {
                "; renew it in role mode"
            } else {
                ""
            }
        ));
    };
    let target = opts.target.clone().unwrap_or(conventional);
    let source_profile = by_name(&source);
    let serial = profile
        .mfa
        .as_ref()
        .or_else(|| source_profile.and_then(|p| p.mfa.as_ref()))
        .map(|m| m.serial.to_string())
        .or_else(|| opts.env_serial.clone())
        .ok_or_else(|| format!("no MFA device is configured for '{name}': add mfa_serial to it, set AWS_MFA_SERIAL, or run `mfatui discover {source}`"))?;
    check_target(map, &target)?;
    if target != name {
        if let Some(problem) = by_name(&target).and_then(|t| t.problems.first()) {
            return Err(format!(
                "the session profile '{target}' of '{name}' cannot be written: {problem}"
            ));
        }
    }
    let requested = opts
        .duration
        .or(opts.env_session_duration)
        .unwrap_or(opts.session_default);
    let duration_secs = duration::check(requested, SESSION_LIMITS, "GetSessionToken")?;
    let own = map.profile(name);
    let base = map.profile(&source);
    let (expiry_keys, started_key) = expiry_writes(map.profile(&target), convention, &target)?;
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
            credentials,
            mfa_session: false,
        },
        session_serial: Some(serial),
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
) -> Result<(ExpiryWrites, Option<TimeFormat>), String> {
    let mut keys = Vec::new();
    for key in EXPIRY_KEYS {
        let Some(raw) = target.and_then(|t| t.get(key)) else {
            continue;
        };
        let form = TimeFormat::of(raw).ok_or_else(|| {
            format!("[{name}] has {key} = '{raw}', which is not a time mfatui can read; correct or remove it, then renew")
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
    map: &ConfigMap,
    profiles: &[Profile],
    profile: &Profile,
    opts: &RenewOptions,
) -> Result<Renewal, String> {
    let name = profile.name.as_str();
    if profile.kind != ProfileKind::Role {
        return Err(format!(
            "profile '{name}' ({}) has no role_arn to assume",
            profile.kind.label()
        ));
    }
    if let Some(problem) = profile.problems.first() {
        return Err(format!("profile '{name}' cannot be renewed: {problem}"));
    }
    if let Some(cs) = &profile.credential_source {
        return Err(format!(
            "profile '{name}' takes its source credentials from credential_source = {cs} (the environment or the instance), not from a profile mfatui can renew"
        ));
    }
    let base_name = profile
        .chain
        .last()
        .map_or_else(|| name.to_owned(), |n| n.to_string());
    let base = map
        .profile(&base_name)
        .ok_or_else(|| format!("source profile '{base_name}' does not exist"))?;
    let source = role_source(map, profiles, &base_name, base, opts)?;

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
    let user = std::env::var("USER").unwrap_or_else(|_| "user".to_owned());
    let mut hops = Vec::new();
    for role in &roles {
        let s = map.profile(role).expect("chain profiles exist");
        let default_name = format!("mfatui-{user}-{}", opts.now.timestamp());
        hops.push(Hop {
            profile: (*role).to_owned(),
            role_arn: s.get("role_arn").unwrap_or_default().to_owned(),
            session_name: sanitize_session_name(
                s.get("role_session_name").unwrap_or(&default_name),
            ),
            external_id: s.get("external_id").map(str::to_owned),
            serial: s.get("mfa_serial").map(str::to_owned),
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
        return Err(format!(
            "more than one role in the chain asks for an MFA code ({}); one code can be used once: keep mfa_serial on the first role only",
            needing.join(", ")
        ));
    }
    let own = map.profile(name);
    let chained = hops.len() > 1;
    let default = own
        .and_then(|s| s.get("duration_seconds"))
        .and_then(|d| d.parse().ok())
        .unwrap_or(opts.role_default);
    let requested = opts.duration.unwrap_or(default);
    let duration_secs = if chained {
        duration::check(
            requested,
            (ROLE_LIMITS.0, CHAINED_MAX),
            "AssumeRole with role chaining",
        )?
    } else {
        duration::check(requested, ROLE_LIMITS, "AssumeRole")?
    };
    if let Some(last) = hops.last_mut() {
        last.duration_secs = duration_secs;
    }
    if !opts.write_role_profile && !opts.write_cli_cache {
        return Err("roles.write_profile and roles.write_cli_cache are both off in mfatui's settings: a role renewal would have nowhere to go".to_owned());
    }
    let target = opts
        .target
        .clone()
        .unwrap_or_else(|| target_name(&opts.target_pattern, name));
    let (expiry_keys, started_key) = if opts.write_role_profile {
        check_target(map, &target)?;
        expiry_writes(map.profile(&target), Convention::Plain, &target)?
    } else {
        (Vec::new(), None)
    };
    let cli_cache_key = opts.write_cli_cache.then(|| {
        let s = own.expect("the renewed profile exists");
        cache_key(&RoleCacheArgs {
            role_arn: s.get("role_arn").unwrap_or_default(),
            role_session_name: s.get("role_session_name"),
            external_id: s.get("external_id"),
            mfa_serial: s.get("mfa_serial"),
            duration_seconds: s.get("duration_seconds"),
        })
    });
    Ok(Renewal {
        profile: name.to_owned(),
        mode: Mode::Role,
        expiry_keys,
        started_key,
        write_target: opts.write_role_profile,
        cli_cache_key,
        copy_settings: settings_to_copy(own, map.profile(&target)),
        site: site_for(map, own, opts),
        target,
        source,
        session_serial: None,
        hops,
        duration_secs,
    })
}

/// The credentials a role chain starts from: a still-fresh MFA session of the base (its
/// session target, or the base itself if it is a session), else the base's long-term keys.
fn role_source(
    map: &ConfigMap,
    profiles: &[Profile],
    base_name: &str,
    base: ProfileSettings,
    opts: &RenewOptions,
) -> Result<Source, String> {
    let fresh = |creds: &Credentials| {
        creds
            .expiration
            .is_none_or(|t| (t - opts.now).num_seconds() > FRESH_MARGIN_SECS)
    };
    if has_long_term_keys(base) {
        let linked = profiles
            .iter()
            .find(|p| p.name == base_name)
            .and_then(|p| p.session_profile.as_deref());
        let session_name = match (
            linked,
            base_name.strip_suffix(opts.long_term_suffix.as_str()),
        ) {
            (Some(session), _) => session.to_owned(),
            (None, Some(short)) => short.to_owned(),
            (None, None) => target_name(&opts.target_pattern, base_name),
        };
        if let Some(creds) = map.profile(&session_name).and_then(static_credentials) {
            if creds.session_token.is_some() && creds.expiration.is_some() && fresh(&creds) {
                return Ok(Source {
                    profile: session_name,
                    credentials: creds,
                    mfa_session: true,
                });
            }
        }
        let credentials = static_credentials(base).expect("has keys");
        return Ok(Source {
            profile: base_name.to_owned(),
            credentials,
            mfa_session: false,
        });
    }
    if let Some(creds) = static_credentials(base) {
        if fresh(&creds) {
            return Ok(Source {
                profile: base_name.to_owned(),
                credentials: creds,
                mfa_session: true,
            });
        }
        // An expired session shadowing long-term keys in the config file: start from those.
        if let Some(credentials) = long_term_credentials(map, base_name) {
            return Ok(Source {
                profile: base_name.to_owned(),
                credentials,
                mfa_session: false,
            });
        }
        return Err(format!(
            "the session of source profile '{base_name}' has expired: renew '{base_name}' first"
        ));
    }
    let kind = profiles
        .iter()
        .find(|p| p.name == base_name)
        .map_or("unknown", |p| p.kind.label());
    Err(format!(
        "source profile '{base_name}' ({kind}) has no keys mfatui can use; sign in with the AWS CLI for it (e.g. `aws sso login`)"
    ))
}

/// Refuses a target that the AWS CLI would not read as static keys.
fn check_target(map: &ConfigMap, target: &str) -> Result<(), String> {
    let Some(t) = map.profile(target) else {
        return Ok(());
    };
    for key in [
        "role_arn",
        "sso_session",
        "sso_start_url",
        "credential_process",
        "web_identity_token_file",
        "source_profile",
    ] {
        if t.has(key) {
            return Err(format!(
                "the target profile '{target}' has {key}, so the AWS CLI would not use the keys written there; rename that profile or choose another target pattern"
            ));
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
mod tests {
    use super::*;

    #[test]
    fn target_names_follow_the_pattern_both_ways() {
        assert_eq!(target_name("{profile}-mfa", "dev"), "dev-mfa");
        assert_eq!(source_of_target("{profile}-mfa", "dev-mfa"), Some("dev"));
        assert_eq!(source_of_target("{profile}-mfa", "-mfa"), None);
        assert_eq!(source_of_target("mfa-{profile}", "mfa-dev"), Some("dev"));
        assert_eq!(source_of_target("{profile}", "dev"), None);
    }

    #[test]
    fn the_mfa_tools_environment_fills_in_what_the_files_leave_open() {
        let env = |vars: &'static [(&'static str, &'static str)]| {
            move |k: &str| {
                vars.iter()
                    .find(|(n, _)| *n == k)
                    .map(|(_, v)| v.to_string())
            }
        };
        let now = chrono::Utc::now();
        let o = RenewOptions::new(now).with_env(env(&[
            ("AWS_MFA_TTL", "1800"),
            ("MFA_STS_DURATION", "7200"),
            ("MFA_DEVICE", "arn:aws:iam::1:mfa/b"),
        ]));
        assert_eq!(o.env_session_duration, Some(1800), "aws-mfa-secure's first");
        assert_eq!(o.env_serial.as_deref(), Some("arn:aws:iam::1:mfa/b"));
        let o = RenewOptions::new(now).with_env(env(&[("MFA_STS_DURATION", "soon")]));
        assert_eq!(o.env_session_duration, None, "an unusable value is ignored");

        let text = "[profile a]\nregion = x\n";
        let creds = "[a]\naws_access_key_id = AKIA\naws_secret_access_key = s\n\n[b]\naws_access_key_id = AKIB\naws_secret_access_key = s\nmfa_serial = arn:aws:iam::1:mfa/own\n";
        let config = crate::awsfiles::Document::parse(text.as_bytes()).unwrap();
        let credentials = crate::awsfiles::Document::parse(creds.as_bytes()).unwrap();
        let map = ConfigMap::build(
            config.structure().unwrap(),
            credentials.structure().unwrap(),
        );
        let profiles = crate::awsfiles::profile::profiles(
            &map,
            &crate::awsfiles::AwsPaths::from_lookup(|_| None),
        );
        let mut opts = RenewOptions::new(now).with_env(env(&[
            ("AWS_MFA_SERIAL", "arn:aws:iam::1:mfa/env"),
            ("AWS_MFA_TTL", "1800"),
        ]));
        let a = plan(&map, &profiles, "a", &opts).unwrap();
        assert_eq!(
            a.session_serial.as_deref(),
            Some("arn:aws:iam::1:mfa/env"),
            "none on file"
        );
        assert_eq!(a.duration_secs, 1800);
        let b = plan(&map, &profiles, "b", &opts).unwrap();
        assert_eq!(
            b.session_serial.as_deref(),
            Some("arn:aws:iam::1:mfa/own"),
            "the file wins"
        );
        opts.duration = Some(3600);
        assert_eq!(
            plan(&map, &profiles, "b", &opts).unwrap().duration_secs,
            3600,
            "--duration wins"
        );
    }

    #[test]
    fn session_names_are_valid_for_sts() {
        assert_eq!(sanitize_session_name("ana maría@x"), "ana-mar-a@x");
        assert_eq!(sanitize_session_name("a"), "a-");
        assert_eq!(sanitize_session_name(&"x".repeat(80)).len(), 64);
    }
}
