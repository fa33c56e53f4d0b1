//! A profile's session on demand, for the commands other programs run (`exec`,
//! `credential-process`, the `exec --server` endpoint): the session on file when it stays
//! valid long enough, else exactly one renewal however many callers ask at once (a lock per
//! target; the others wait, then read what the first one wrote).

use super::requests::{self, Answer};
use crate::aws::{AwsApi, AwsErrorKind};
use crate::awsfiles::backup;
use crate::awsfiles::expiry::relative;
use crate::awsfiles::mfa_secure::SecureSessions;
use crate::awsfiles::{commit, AwsFiles, AwsPaths, OnChange};
use crate::duration;
use crate::renew::code;
use crate::renew::current::{self, CurrentSession};
use crate::renew::{execute, plan, MfaCode, RenewOptions, Renewal};
use crate::settings::Settings;
use chrono::Utc;
use std::fs::{File, OpenOptions, TryLockError};
use std::io::IsTerminal;
use std::time::{Duration, Instant};

/// How long a caller waits for another one's renewal (someone may be typing a code):
/// `MFATUI_RENEW_WAIT` seconds, default 180.
fn renew_wait() -> Duration {
    Duration::from_secs(
        std::env::var("MFATUI_RENEW_WAIT")
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or(180),
    )
}

/// Where the MFA code may come from when a renewal is needed.
#[derive(Clone, Debug, Default)]
pub struct CodeSources {
    /// A code given on the command line.
    pub given: Option<String>,
    /// Whether a prompt on the terminal is allowed (`/dev/tty`).
    pub terminal: bool,
}

/// The profile's session and region.
#[derive(Clone, Debug)]
pub struct Served {
    /// The session.
    pub session: CurrentSession,
    /// The profile's region, if set.
    pub region: Option<String>,
}

/// A session of `name` valid for more than `sessions.refresh_before`: the one on file, else
/// a new one, renewed once (under a lock, re-checked after waiting) and written back like
/// `renew --yes`. `duration` overrides the renewal's duration.
pub fn on_demand(
    paths: &AwsPaths,
    settings: &Settings,
    api: &dyn AwsApi,
    name: &str,
    duration: Option<u32>,
    codes: &CodeSources,
) -> Result<Served, String> {
    let margin = settings.refresh_before_secs;
    let (files, found) = look(paths, settings, name, duration)?;
    if let Some(served) = found {
        return Ok(served);
    }
    let (renewal, region) = {
        let map = files.config_map().map_err(|e| e.to_string())?;
        let profiles = settings.profiles(&map, paths);
        let opts = options(settings, name, duration)?;
        let region = profiles
            .iter()
            .find(|p| p.name == name)
            .and_then(|p| p.region.as_ref().map(|r| r.to_string()));
        (plan::plan(&map, &profiles, name, &opts)?, region)
    };
    let _lock = renewal_lock(paths, &renewal.target)?;
    // Someone else may have renewed while this caller waited for the lock.
    let (files, found) = look(paths, settings, name, duration)?;
    if let Some(served) = found {
        return Ok(served);
    }
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| e.to_string())?;
    let mut tries = 0;
    let creds = loop {
        tries += 1;
        let (code, typed) = match obtain(&files, &renewal, codes, margin)? {
            Code::Here(code, typed) => (code, typed),
            Code::RenewedByTheWindow => {
                let (_, found) = look(paths, settings, name, duration)?;
                return found.ok_or_else(|| {
                    format!(
                        "the mfatui window renewed '{name}', but no fresh session of it is on file"
                    )
                });
            }
        };
        match runtime.block_on(execute::run(api, &renewal, code.as_ref())) {
            Ok(creds) => break creds,
            // A code typed at the terminal that STS refused: ask again, three tries in all.
            Err(e) if typed && e.kind == AwsErrorKind::WrongCode && tries < 3 => {
                eprintln!("mfatui: {e}")
            }
            Err(e) => return Err(e.to_string()),
        }
    };
    let plan = execute::plan_write(&files, &renewal, &creds).map_err(|e| e.to_string())?;
    let written =
        commit(&plan, &settings.write_options(OnChange::Merge)).map_err(|e| e.to_string())?;
    let backup = written
        .iter()
        .find_map(|w| w.backup.as_ref())
        .map(|b| format!("; backup {}", b.display()))
        .unwrap_or_default();
    let until = creds
        .expiration
        .map(|t| format!(" until {}", relative(t, Utc::now())))
        .unwrap_or_default();
    eprintln!(
        "mfatui: renewed '{name}' into [{}]{until}{backup}",
        renewal.target
    );
    Ok(Served {
        session: CurrentSession {
            from: renewal.target.clone(),
            credentials: creds,
        },
        region,
    })
}

/// The renewal options for `name`, with `duration` when given.
fn options(settings: &Settings, name: &str, duration: Option<u32>) -> Result<RenewOptions, String> {
    let mut opts = RenewOptions::for_profile(settings, name, Utc::now());
    if duration.is_some() {
        opts.duration = duration;
    }
    Ok(opts)
}

/// Reads the files; returns them and the profile's session if it is fresh enough.
fn look(
    paths: &AwsPaths,
    settings: &Settings,
    name: &str,
    duration: Option<u32>,
) -> Result<(AwsFiles, Option<Served>), String> {
    let files = AwsFiles::load(paths).map_err(|e| e.to_string())?;
    let found = {
        let map = files.config_map().map_err(|e| e.to_string())?;
        let own = map.profile(name).ok_or_else(|| {
            format!("there is no profile named '{name}' in the AWS config or credentials file")
        })?;
        let region = own.get("region").map(str::to_owned);
        let opts = options(settings, name, duration)?;
        let secure = SecureSessions::read(&paths.mfa_secure_sessions);
        let now = Utc::now();
        let margin = settings.refresh_before_secs;
        // The hot path (every AWS call of a credential_process user): where the names point.
        let direct = current::sessions_linked(&map, None, &secure, name, &opts)?;
        let fresh = match current::fresh(&direct, now, margin) {
            Some(s) => Some(s.clone()),
            None => {
                // Links only the whole set of profiles shows (`__profile__`, aws-mfa pairs).
                let profiles = settings.profiles(&map, paths);
                let all = current::sessions(&map, &profiles, &secure, name, &opts)?;
                current::fresh(&all, now, margin).cloned()
            }
        };
        fresh.map(|session| Served { session, region })
    };
    Ok((files, found))
}

/// How a renewal gets its code.
enum Code {
    /// Here: the code (or none needed), and whether a person typed it at the terminal.
    Here(Option<MfaCode>, bool),
    /// An open mfatui window took the request, and renewed.
    RenewedByTheWindow,
}

/// The code for `renewal`, if it needs one: given, `AWS_MFA_TOKEN`, `mfa_process`, a prompt
/// on the terminal, else an open mfatui window does the renewal; else one sentence saying
/// how to renew.
fn obtain(
    files: &AwsFiles,
    renewal: &Renewal,
    codes: &CodeSources,
    margin: i64,
) -> Result<Code, String> {
    if !renewal.needs_code() {
        return Ok(Code::Here(None, false));
    }
    if let Some(code) = &codes.given {
        return MfaCode::parse(code).map(|c| Code::Here(Some(c), false));
    }
    if let Some(code) = code::without_prompt(files, renewal)? {
        return Ok(Code::Here(Some(code), false));
    }
    if codes.terminal && has_terminal() {
        return code::prompt(renewal).map(|c| Code::Here(Some(c), true));
    }
    match requests::ask(&requests::socket_path(), &renewal.profile, renew_wait())? {
        Some(Answer { ok: true, .. }) => return Ok(Code::RenewedByTheWindow),
        Some(Answer { message, .. }) => {
            return Err(message
                .unwrap_or_else(|| "the renewal was declined in the mfatui window".to_owned()))
        }
        None => {}
    }
    Err(format!(
        "the session of '{}' is missing or expires within {}, and an MFA code is needed: run `mfatui renew {}`, pass --code 123456, set AWS_MFA_TOKEN, or add mfa_process",
        renewal.profile,
        duration::human(margin.max(0) as u32),
        renewal.profile
    ))
}

/// Whether a prompt can reach a person: a controlling terminal that one of our standard
/// streams is attached to, or `/dev/tty` when both are captured (as the AWS CLI does).
fn has_terminal() -> bool {
    std::io::stdin().is_terminal()
        || std::io::stderr().is_terminal()
        || std::fs::OpenOptions::new()
            .read(true)
            .write(true)
            .open("/dev/tty")
            .is_ok()
}

/// An exclusive lock for renewing `target`: one renewal at a time across processes.
fn renewal_lock(paths: &AwsPaths, target: &str) -> Result<File, String> {
    let dir = backup::backup_dir(&paths.credentials, None);
    backup::ensure_dir(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    let safe: String = target
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                c
            } else {
                '_'
            }
        })
        .collect();
    let path = dir.join(format!("renewing-{safe}.lock"));
    let file = OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&path)
        .map_err(|e| format!("{}: {e}", path.display()))?;
    let wait = renew_wait();
    let start = Instant::now();
    loop {
        match file.try_lock() {
            Ok(()) => return Ok(file),
            Err(TryLockError::WouldBlock) if start.elapsed() < wait => {
                std::thread::sleep(Duration::from_millis(50))
            }
            Err(TryLockError::WouldBlock) => {
                return Err(format!(
                    "another mfatui has been renewing [{target}] for {} s (waiting for a code?); try again once it is done",
                    wait.as_secs()
                ))
            }
            Err(TryLockError::Error(e)) => return Err(format!("{}: {e}", path.display())),
        }
    }
}
