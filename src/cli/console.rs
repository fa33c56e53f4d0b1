//! `mfatui console PROFILE`: signs in to the AWS Management Console as a profile — which
//! credentials may be exchanged for a console session (AWS's rules, below), the sign-in URL,
//! and the browser that opens it.
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

use super::args::ConsoleArgs;
use crate::aws::endpoint::{self, Service};
use crate::aws::federation::{
    self, ConsoleCredentials, Destination, FederationEndpoint, Partition,
};
use crate::aws::{sso, AssumeRoleCall, AwsApi, CallSite, Credentials, FederationTokenCall};
use crate::aws::{AwsErrorKind, SsoRoleCall};
use crate::awsfiles::cli_cache::{cache_key, RoleCacheArgs};
use crate::awsfiles::expiry::{parse_timestamp, relative};
use crate::awsfiles::mfa_secure::SecureSessions;
use crate::awsfiles::{AwsFiles, AwsPaths, ConfigMap, Profile, ProfileKind, ProfileSettings};
use crate::duration;
use crate::mode::Mode;
use crate::renew::current::{self, CurrentSession};
use crate::renew::plan::{self, long_term_credentials, static_credentials, target_name, Source};
use crate::renew::{code, MfaCode, RenewOptions, Renewal};
use crate::secret::Secret;
use crate::serve::on_demand::{on_demand, CodeSources};
use crate::settings::Settings;
use chrono::{DateTime, Utc};
use std::io::IsTerminal;
use std::time::Duration;

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
    /// `--code`: the MFA code, if a renewal or a direct AssumeRole needs one.
    pub code: Option<String>,
    /// Whether a code may be asked for on the terminal.
    pub terminal: bool,
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

/// Time limits from `MFATUI_CONNECT_TIMEOUT` and `MFATUI_CALL_TIMEOUT` (seconds), as the other
/// commands that call AWS read them.
fn options(settings: &Settings, profile: &str, now: DateTime<Utc>) -> RenewOptions {
    let secs = |var: &str, default: u64| {
        Duration::from_secs(
            std::env::var(var)
                .ok()
                .and_then(|v| v.parse().ok())
                .unwrap_or(default),
        )
    };
    RenewOptions {
        connect_timeout: secs("MFATUI_CONNECT_TIMEOUT", 5),
        call_timeout: secs("MFATUI_CALL_TIMEOUT", 30),
        ..RenewOptions::for_profile(settings, profile, now)
    }
}

fn runtime() -> Result<tokio::runtime::Runtime, String> {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| e.to_string())
}

/// "at 2026-12-01 14:05 UTC (in 47m)".
fn when(at: DateTime<Utc>, now: DateTime<Utc>) -> String {
    format!(
        "at {} ({})",
        at.format("%Y-%m-%d %H:%M UTC"),
        relative(at, now)
    )
}

/// The partition the profile's account is in: its role ARN, its MFA device's ARN, its SSO
/// region, else the region. A `region` of another partition is refused.
fn partition_of(
    map: &ConfigMap,
    profile: &Profile,
    region: Option<&str>,
) -> Result<Partition, String> {
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
        .then(|| sso::target(map, &profile.name).ok())
        .flatten()
        .map(|t| Partition::of_region(&t.region));
    let account = from_arn.or(from_sso);
    match (account, region) {
        (Some(p), Some(r)) if Partition::of_region(r) != p => Err(format!(
            "region {r} is in the {} partition, but '{}' belongs to {}: choose a region of {} with --region",
            Partition::of_region(r).name(),
            profile.name,
            p.name(),
            p.name()
        )),
        (Some(p), _) => Ok(p),
        (None, Some(r)) => Ok(Partition::of_region(r)),
        (None, None) => Ok(Partition::Aws),
    }
}

/// Everything up to the sign-in URL: the credentials AWS's rules allow for this profile,
/// then `getSigninToken`. Blocking (it runs its own runtime, and a renewal may ask for a code
/// on the terminal); a failure is one sentence.
pub fn sign_in(
    paths: &AwsPaths,
    settings: &Settings,
    api: &dyn AwsApi,
    request: &ConsoleRequest,
) -> Result<ConsoleLogin, String> {
    let now = Utc::now();
    let name = request.profile.as_str();
    let files = AwsFiles::load(paths).map_err(|e| e.to_string())?;
    let map = files.config_map().map_err(|e| e.to_string())?;
    let profiles = settings.profiles(&map, paths);
    let profile = profiles.iter().find(|p| p.name == name).ok_or_else(|| {
        format!("there is no profile named '{name}' in the AWS config or credentials file")
    })?;
    let own = map.profile(name).ok_or("the profile vanished")?;
    let opts = options(settings, name, now);
    let site = plan::site_for(&map, Some(own), &opts);
    let env = |k: &str| std::env::var(k).ok().filter(|v| !v.trim().is_empty());
    let region = request
        .region
        .clone()
        .or_else(|| profile.region.as_ref().map(|r| r.to_string()))
        .or_else(|| env("AWS_REGION"))
        .or_else(|| env("AWS_DEFAULT_REGION"));
    let partition = partition_of(&map, profile, region.as_deref())?;
    let endpoint = FederationEndpoint::new(
        partition,
        std::env::var(federation::ENDPOINT_VAR).ok().as_deref(),
    )?;
    let destination = match &request.destination {
        Some(d) => Destination::parse(d, partition)?,
        None => Destination::Home,
    }
    .url(partition, region.as_deref());
    let context = Context {
        paths,
        settings,
        api,
        request,
        files: &files,
        map: &map,
        profiles: &profiles,
        profile,
        own,
        opts: &opts,
        site: &site,
        now,
    };
    let chosen = match profile.kind {
        ProfileKind::Role => context.role()?,
        ProfileKind::Sso => context.sso()?,
        ProfileKind::LongTerm | ProfileKind::Session => context.user_or_session()?,
        ProfileKind::WebIdentity => return Err(format!("'{name}' gets its credentials from a web identity token (AssumeRoleWithWebIdentity), which mfatui does not make: sign in to the console with the tool that provides the token")),
        ProfileKind::Process => return Err(format!("'{name}' gets its credentials from credential_process, which mfatui does not run for the console: sign in with a profile of a role, an IAM user or SSO")),
        ProfileKind::ConfigOnly => return Err(format!("'{name}' holds settings but no way to get credentials, so there is nothing to sign in to the console with")),
    };
    let token = runtime()?
        .block_on(api.console_signin_token(
            &site,
            &endpoint,
            &chosen.creds,
            chosen.session_duration,
        ))
        .map_err(|e| e.to_string())?;
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
struct Context<'a> {
    paths: &'a AwsPaths,
    settings: &'a Settings,
    api: &'a dyn AwsApi,
    request: &'a ConsoleRequest,
    files: &'a AwsFiles,
    map: &'a ConfigMap<'a>,
    profiles: &'a [Profile],
    profile: &'a Profile,
    own: ProfileSettings<'a>,
    opts: &'a RenewOptions,
    site: &'a CallSite,
    now: DateTime<Utc>,
}

impl Context<'_> {
    fn name(&self) -> &str {
        self.profile.name.as_str()
    }

    fn check_duration(&self, d: u32, max: u32, what: &str) -> Result<(), String> {
        if (federation::SESSION_MIN..=max).contains(&d) {
            Ok(())
        } else {
            Err(format!(
                "--duration {} is outside what AWS allows for {what} (15m to {})",
                duration::human(d),
                duration::human(max)
            ))
        }
    }

    fn role(&self) -> Result<Chosen, String> {
        let name = self.name();
        if let Some(cs) = &self.profile.credential_source {
            return Err(format!("'{name}' takes its source credentials from credential_source = {cs}, not from a profile mfatui can use for the console"));
        }
        if let Some(d) = self.request.duration {
            return self.role_with_duration(d);
        }
        let session = match self.role_session_on_file()? {
            Some(s) => s,
            None => renew_on_demand(self.paths, self.settings, self.api, name, self.request)?,
        };
        let creds = runtime()?
            .block_on(self.api.role_session(self.site, &session.credentials))
            .map_err(|e| e.to_string())?;
        let ends = creds.expiration().map_or_else(
            || "when the role session does".to_owned(),
            |t| when(t, self.now),
        );
        Ok(Chosen {
            identity: format!(
                "{} (the role session of '{name}' from {})",
                creds.principal().unwrap_or(name),
                session.from
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
    fn role_with_duration(&self, d: u32) -> Result<Chosen, String> {
        let name = self.name();
        self.check_duration(
            d,
            federation::SESSION_DURATION_MAX,
            "a console session of a role",
        )?;
        let mut renewal = plan::plan(
            self.map,
            self.profiles,
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
        let keys = long_term_credentials(self.map, &base).filter(|_| renewal.hops.len() == 1);
        let Some(keys) = keys else {
            return Err(format!(
                "--duration cannot be used with '{name}': AWS lets a console session outlast the role session only for a role assumed directly with long-term keys, and '{name}' is assumed from {}; without --duration the console session ends with the role session",
                if renewal.hops.len() > 1 {
                    format!("another role's session ({})", renewal.hops.iter().map(|h| h.profile.as_str()).collect::<Vec<_>>().join(" → "))
                } else {
                    format!("the temporary credentials of '{base}'")
                }
            ));
        };
        renewal.source = Source {
            profile: base.clone(),
            credentials: keys,
            mfa_session: false,
        };
        let serial = self.own.get("mfa_serial").map(str::to_owned);
        let hop = renewal.hops.first_mut().ok_or("no role to assume")?;
        hop.serial = serial;
        let code = self.code_for(&renewal)?;
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
        let creds = runtime()?
            .block_on(self.api.assume_role_for_console(
                self.site,
                &renewal.source.credentials,
                call,
            ))
            .map_err(|e| e.to_string())?;
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

    /// The code for a direct AssumeRole: `--code`, `AWS_MFA_TOKEN`, `mfa_process`, else a
    /// prompt on the terminal.
    fn code_for(&self, renewal: &Renewal) -> Result<Option<MfaCode>, String> {
        if !renewal.needs_code() {
            return Ok(None);
        }
        if let Some(c) = &self.request.code {
            return MfaCode::parse(c).map(Some);
        }
        if let Some(c) = code::without_prompt(self.files, renewal)? {
            return Ok(Some(c));
        }
        let terminal = std::io::stdin().is_terminal() || std::io::stderr().is_terminal();
        if self.request.terminal && terminal {
            return code::prompt(renewal).map(Some);
        }
        Err(format!(
            "an MFA code for {} is needed to assume the role of '{}': pass --code 123456, set AWS_MFA_TOKEN, or add mfa_process",
            renewal.serial().unwrap_or("the device"),
            renewal.profile
        ))
    }

    /// A fresh role session recorded for the profile: its session profiles (as for `exec`),
    /// else the AWS CLI's cache entry for the role.
    fn role_session_on_file(&self) -> Result<Option<CurrentSession>, String> {
        let margin = self.settings.refresh_before_secs;
        let secure = SecureSessions::read(&self.paths.mfa_secure_sessions);
        let found = current::sessions(self.map, self.profiles, &secure, self.name(), self.opts)?;
        if let Some(s) = current::fresh(&found, self.now, margin) {
            return Ok(Some(s.clone()));
        }
        let key = cache_key(&RoleCacheArgs {
            role_arn: self.own.get("role_arn").unwrap_or_default(),
            role_session_name: self.own.get("role_session_name"),
            external_id: self.own.get("external_id"),
            mfa_serial: self.own.get("mfa_serial"),
            duration_seconds: self.own.get("duration_seconds"),
        });
        let path = self.paths.cli_cache.join(format!("{key}.json"));
        Ok(cli_cache_credentials(&path)
            .filter(|c| {
                c.expiration
                    .is_some_and(|at| (at - self.now).num_seconds() > margin)
            })
            .map(|credentials| CurrentSession {
                from: format!("the AWS CLI's cache ({})", path.display()),
                credentials,
            }))
    }

    fn sso(&self) -> Result<Chosen, String> {
        let name = self.name();
        if self.request.duration.is_some() {
            return Err(format!("--duration cannot be used with '{name}': an SSO profile's console session ends with its role credentials (the permission set's session duration)"));
        }
        let target = sso::target(self.map, name)?;
        let signed_in = sso::cached_token(&self.paths.sso_cache, &target)?
            .filter(|(_, expires)| (*expires - self.now).num_seconds() > 60);
        let Some((token, _)) = signed_in else {
            return Err(format!(
                "'{name}' is not signed in to {} (no SSO token, or it has expired): run `mfatui renew {name}` (or aws sso login) first",
                target.start_url
            ));
        };
        let get = |key: &str| {
            self.own
                .get(key)
                .map(str::to_owned)
                .ok_or_else(|| format!("'{name}' has no {key}, so there is no role to sign in as"))
        };
        let env = |k: &str| std::env::var(k).ok();
        let call = SsoRoleCall {
            region: target.region.clone(),
            endpoint: endpoint::endpoint_url(Service::Sso, self.map, Some(self.own), &env),
            account_id: get("sso_account_id")?,
            role_name: get("sso_role_name")?,
        };
        let creds = runtime()?
            .block_on(self.api.sso_role_credentials(self.site, &call, &token))
            .map_err(|e| e.to_string())?;
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

    /// An IAM user (its long-term keys, wherever they are) signs in with GetFederationToken;
    /// a session with no long-term keys behind it only if it proves to be an assumed role.
    fn user_or_session(&self) -> Result<Chosen, String> {
        let name = self.name();
        if let Some((from, keys)) = self.long_term_source() {
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
            let creds = runtime()?
                .block_on(self.api.get_federation_token(self.site, &keys, call))
                .map_err(|e| e.to_string())?;
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
                    format!("This console session carries no MFA context: AWS makes federation tokens only from long-term keys, so policies that require MFA deny it there."),
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
            return Err(format!(
                "the session of '{name}' has expired: renew it, then sign in to the console"
            ));
        }
        if self.request.duration.is_some() {
            return Err(format!("--duration cannot be used with '{name}': it holds a session whose origin mfatui does not know, and AWS lets a console session outlast it only for a role assumed directly with long-term keys"));
        }
        let creds = runtime()?
            .block_on(self.api.role_session(self.site, &session))
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

    /// The long-term keys behind the profile: its own, its aws-mfa or `__profile__` partner's,
    /// or those of the (non-role) profile whose renewals write it.
    fn long_term_source(&self) -> Option<(String, Credentials)> {
        let name = self.name();
        if let Some(keys) = long_term_credentials(self.map, name) {
            return Some((name.to_owned(), keys));
        }
        if let Some(lt) = self.profile.long_term_profile.as_deref() {
            if let Some(keys) = long_term_credentials(self.map, lt) {
                return Some((lt.to_owned(), keys));
            }
        }
        self.profiles
            .iter()
            .filter(|p| p.kind == ProfileKind::LongTerm && p.name != name)
            .find(|p| {
                let target = self
                    .settings
                    .profiles
                    .get(p.name.as_str())
                    .and_then(|o| o.target.clone())
                    .unwrap_or_else(|| target_name(&self.settings.target_pattern, &p.name));
                target == name
            })
            .and_then(|p| {
                Some((
                    p.name.to_string(),
                    long_term_credentials(self.map, &p.name)?,
                ))
            })
    }
}

/// The credentials of an AWS CLI assume-role cache file, if it holds a complete set.
fn cli_cache_credentials(path: &std::path::Path) -> Option<Credentials> {
    let text = std::fs::read_to_string(path).ok()?;
    let json: serde_json::Value = serde_json::from_str(&text).ok()?;
    let c = json.get("Credentials")?;
    let field = |k: &str| c.get(k)?.as_str().map(str::to_owned);
    Some(Credentials {
        access_key_id: field("AccessKeyId")?,
        secret_access_key: Secret::new(field("SecretAccessKey")?),
        session_token: Some(Secret::new(field("SessionToken")?)),
        expiration: parse_timestamp(&field("Expiration")?),
    })
}

/// The role's session, renewed when needed exactly as `exec` and `credential-process` renew
/// (one lock, one code, written back). The one call the renewal service replaces.
fn renew_on_demand(
    paths: &AwsPaths,
    settings: &Settings,
    api: &dyn AwsApi,
    name: &str,
    request: &ConsoleRequest,
) -> Result<CurrentSession, String> {
    let codes = CodeSources {
        given: request.code.clone(),
        terminal: request.terminal,
    };
    on_demand(paths, settings, api, name, None, &codes).map(|served| served.session)
}

/// The command that opens a profile's console: its `browser` setting, else
/// `console.browser`, else `$BROWSER` (the first of a `:`-separated list), else `xdg-open` on
/// a desktop (`open` on macOS). `%s` in an argument is the sign-in URL; without one, the URL
/// is appended.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Browser {
    words: Vec<String>,
}

impl Browser {
    /// The command for `profile`, its program found (so that a browser that cannot start
    /// stops the sign-in before any call).
    pub fn for_profile(settings: &Settings, profile: &str) -> Result<Browser, String> {
        let configured = settings
            .browser_for(profile)
            .map(str::to_owned)
            .or_else(|| {
                std::env::var("BROWSER")
                    .ok()
                    .and_then(|b| b.split(':').next().map(str::to_owned))
                    .filter(|b| !b.trim().is_empty())
            });
        let mut words = match configured {
            Some(command) => crate::awsfiles::shlex::split(&command)
                .filter(|w| !w.is_empty())
                .ok_or_else(|| format!("the browser command '{command}' cannot be read: check its quotes"))?,
            None if cfg!(target_os = "macos") => vec!["open".to_owned()],
            None if std::env::var_os("DISPLAY").is_some()
                || std::env::var_os("WAYLAND_DISPLAY").is_some() =>
            {
                vec!["xdg-open".to_owned()]
            }
            None => return Err("there is no browser to open the console in (no browser setting, no $BROWSER, no desktop session): run with --print and open the URL yourself".to_owned()),
        };
        if !words.iter().any(|w| w.contains("%s")) {
            words.push("%s".to_owned());
        }
        let browser = Browser { words };
        if !Self::found(&browser.words[0]) {
            return Err(format!(
                "the browser command '{}' cannot be started: {} is not an executable file or on PATH; set [console] browser in mfatui's settings, or run with --print",
                browser.describe(),
                browser.words[0]
            ));
        }
        Ok(browser)
    }

    fn found(program: &str) -> bool {
        use std::os::unix::fs::PermissionsExt;
        let runnable = |p: &std::path::Path| {
            std::fs::metadata(p).is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
        };
        if program.contains('/') {
            return runnable(std::path::Path::new(program));
        }
        std::env::var_os("PATH").is_some_and(|path| {
            std::env::split_paths(&path).any(|dir| runnable(&dir.join(program)))
        })
    }

    /// The command as shown to the person: the URL as `<sign-in URL>`.
    pub fn describe(&self) -> String {
        self.words
            .iter()
            .map(|w| w.replace("%s", "<sign-in URL>"))
            .collect::<Vec<_>>()
            .join(" ")
    }

    /// The program and arguments for `url`.
    fn argv(&self, url: &str) -> Vec<String> {
        self.words.iter().map(|w| w.replace("%s", url)).collect()
    }

    /// Starts the browser on the sign-in URL without waiting for it (a browser started fresh
    /// runs until it is closed). The URL goes to the browser as an argument, as every browser
    /// takes it.
    pub fn open(&self, url: &Secret) -> Result<(), String> {
        let argv = self.argv(url.expose());
        let mut child = std::process::Command::new(&argv[0])
            .args(&argv[1..])
            .stdin(std::process::Stdio::null())
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .map_err(|e| {
                format!(
                    "the browser command '{}' could not be started ({e}): set [console] browser in mfatui's settings, or run with --print",
                    self.describe()
                )
            })?;
        // Reaped in the background, so that a long-lived caller (the TUI) keeps no zombie.
        std::thread::spawn(move || child.wait());
        Ok(())
    }
}

/// `mfatui console PROFILE`.
pub fn run(
    paths: &AwsPaths,
    settings: &Settings,
    api: &dyn AwsApi,
    args: &ConsoleArgs,
    demo: bool,
) -> Result<(), String> {
    let request = ConsoleRequest {
        profile: args.profile.clone(),
        destination: args.destination.clone(),
        region: args.region.clone(),
        duration: args.duration.as_deref().map(duration::parse).transpose()?,
        code: args.code.clone(),
        terminal: true,
    };
    let browser = if args.print || demo {
        None
    } else {
        Some(Browser::for_profile(settings, &args.profile)?)
    };
    let login = sign_in(paths, settings, api, &request)?;
    if let Some(browser) = &browser {
        browser.open(&login.url)?;
    }
    eprintln!("Signed in to the console as {}.", login.identity);
    for note in &login.notes {
        eprintln!("{note}");
    }
    if let (Some(ends), true) = (login.ends, login.notes.is_empty()) {
        eprintln!("The console session ends {}.", when(ends, Utc::now()));
    }
    match browser {
        Some(browser) => eprintln!("Opened {} with {}.", login.destination, browser.describe()),
        None => {
            if demo {
                eprintln!("Demo: the sign-in URL below is fake, so it is printed, not opened.");
            }
            eprintln!("The sign-in URL is valid for 15 minutes; treat it like a password:");
            println!("{}", login.url.expose());
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn browser_commands_take_the_url_where_asked() {
        let mut settings = Settings {
            console_browser: Some("sh -c 'exec true' 'work stuff' --new-tab=%s".to_owned()),
            ..Settings::default()
        };
        settings.profiles.insert(
            "prod".to_owned(),
            crate::settings::ProfileOverride {
                browser: Some("/bin/sh --user-data-dir=/home/a/prod".to_owned()),
                ..Default::default()
            },
        );
        let dev = Browser::for_profile(&settings, "dev").unwrap();
        assert_eq!(
            dev.argv("https://u"),
            ["sh", "-c", "exec true", "work stuff", "--new-tab=https://u"]
        );
        assert_eq!(
            dev.describe(),
            "sh -c exec true work stuff --new-tab=<sign-in URL>"
        );
        let prod = Browser::for_profile(&settings, "prod").unwrap();
        assert_eq!(
            prod.argv("https://u"),
            ["/bin/sh", "--user-data-dir=/home/a/prod", "https://u"]
        );
        settings.console_browser = Some("no-such-browser-anywhere %s".to_owned());
        let e = Browser::for_profile(&settings, "dev").unwrap_err();
        assert!(
            e.contains("no-such-browser-anywhere is not an executable file or on PATH"),
            "{e}"
        );
    }

    #[test]
    fn the_aws_cli_cache_entry_is_read_whole_or_not_at_all() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("k.json");
        std::fs::write(&path, r#"{"Credentials": {"AccessKeyId": "ASIA1", "SecretAccessKey": "s", "SessionToken": "t", "Expiration": "2030-01-01T00:00:00Z"}}"#).unwrap();
        let c = cli_cache_credentials(&path).unwrap();
        assert_eq!(c.access_key_id, "ASIA1");
        assert_eq!(
            c.expiration.unwrap().to_rfc3339(),
            "2030-01-01T00:00:00+00:00"
        );
        std::fs::write(&path, r#"{"Credentials": {"AccessKeyId": "ASIA1"}}"#).unwrap();
        assert!(cli_cache_credentials(&path).is_none());
        assert!(cli_cache_credentials(&dir.path().join("none.json")).is_none());
    }
}
