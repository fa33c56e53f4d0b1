//! `mfatui renew` and `mfatui discover`: the commands that call AWS.

use super::args::{DiscoverArgs, RenewArgs};
use super::confirm::{confirm_and_write, WriteFlags};
use super::edit::config_section_name;
use crate::aws::AwsApi;
use crate::awsfiles::expiry::relative;
use crate::awsfiles::{AwsFiles, AwsPaths, Edit, Plan};
use crate::duration;
use crate::renew::plan::{long_term_credentials, plan, site_for, static_credentials};
use crate::renew::{bulk, code, execute, MfaCode, RenewOptions, Renewal};
use crate::settings::Settings;
use chrono::Utc;
use std::io::{BufRead, IsTerminal, Write};
use std::time::Duration;

/// Options shared by commands that call AWS: timeouts from `MFATUI_CONNECT_TIMEOUT` and
/// `MFATUI_CALL_TIMEOUT` (seconds), defaults 5 and 30.
fn options(settings: &Settings, profile: &str) -> RenewOptions {
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
        ..RenewOptions::for_profile(settings, profile, Utc::now())
    }
}

fn runtime() -> Result<tokio::runtime::Runtime, String> {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| e.to_string())
}

/// `mfatui renew PROFILE`.
pub fn renew(
    paths: &AwsPaths,
    settings: &Settings,
    api: &dyn AwsApi,
    args: &RenewArgs,
) -> Result<(), String> {
    let files = AwsFiles::load(paths).map_err(|e| e.to_string())?;
    let map = files.config_map().map_err(|e| e.to_string())?;
    let profiles = settings.profiles(&map, paths);
    let flags = WriteFlags {
        dry_run: args.dry_run,
        yes: args.yes,
    };
    let names = if args.all_expiring {
        bulk::expiring_roles(&profiles, settings, Utc::now())
    } else {
        args.profiles.clone()
    };
    if args.all_expiring || names.len() > 1 {
        return renew_many(&files, &map, &profiles, &names, settings, api, args);
    }
    let name = names.first().ok_or("no profile to renew")?;
    if profiles
        .iter()
        .any(|p| p.name == name.as_str() && p.kind == crate::awsfiles::ProfileKind::Sso)
    {
        return sso_login(paths, &map, name, args.dry_run);
    }
    if profiles
        .iter()
        .any(|p| p.name == name.as_str() && p.kind == crate::awsfiles::ProfileKind::Login)
    {
        return super::login::renew(paths, &map, name, args.dry_run);
    }
    let mut opts = options(settings, name);
    if let Some(mode) = args.mode {
        opts.mode = Some(mode.into());
    }
    if let Some(d) = args.duration.as_deref() {
        opts.duration = Some(duration::parse(d)?);
    }
    let renewal = plan(&map, &profiles, name, &opts)?;
    describe(&renewal);
    if args.dry_run {
        let creds = execute::placeholder(&renewal, opts.now);
        let plan = execute::plan_write(&files, &renewal, &creds).map_err(|e| e.to_string())?;
        println!("Dry run: no AWS call is made; new values are placeholders.");
        return confirm_and_write(plan, flags, settings).map(drop);
    }
    let code = if renewal.needs_code() {
        Some(obtain_code(args, &files, &renewal)?)
    } else {
        None
    };
    let creds = runtime()?
        .block_on(execute::run(api, &renewal, code.as_ref()))
        .map_err(|e| e.to_string())?;
    let plan = execute::plan_write(&files, &renewal, &creds).map_err(|e| e.to_string())?;
    let written = confirm_and_write(plan, flags, settings)?;
    if !written.is_empty() {
        let until = creds
            .expiration
            .map(|t| {
                format!(
                    " until {} ({})",
                    t.format("%Y-%m-%d %H:%M:%S UTC"),
                    relative(t, Utc::now())
                )
            })
            .unwrap_or_default();
        println!(
            "Renewed '{}': profile '{}' is valid{until}.",
            renewal.profile, renewal.target
        );
        if renewal.target != renewal.profile {
            println!(
                "Use it with --profile {0} (or export AWS_PROFILE={0}).",
                renewal.target
            );
        }
    }
    Ok(())
}

/// Renewing an SSO profile is signing in: the OIDC device flow, then the token written to
/// the AWS CLI's SSO cache, where every profile of the same session finds it.
fn sso_login(
    paths: &AwsPaths,
    map: &crate::awsfiles::ConfigMap,
    name: &str,
    dry_run: bool,
) -> Result<(), String> {
    let target = crate::aws::sso::target(map, name)?;
    let file = paths
        .sso_cache
        .join(crate::awsfiles::sso_cache::file_name(target.cache_key()));
    if dry_run {
        println!(
            "Dry run: would sign in at {} ({}) and write the token to {}. Nothing was done.",
            target.start_url,
            target.region,
            file.display()
        );
        return Ok(());
    }
    let record = runtime()?.block_on(crate::aws::sso::login(&target, &mut |prompt| {
        println!(
            "To sign in to {}, open this page and confirm the code {}:\n  {}\nWaiting… (Ctrl-C cancels)",
            target.start_url, prompt.user_code, prompt.url
        );
        let _ = std::io::stdout().flush();
        crate::aws::sso::open_browser(&prompt.url);
    }))?;
    let path = record
        .write(&paths.sso_cache, target.cache_key())
        .map_err(|e| format!("{}: {e}", paths.sso_cache.display()))?;
    println!(
        "Signed in: the SSO token is valid until {} ({}); every profile of {} uses it now. Cached in {}.",
        record.expires_at.format("%Y-%m-%d %H:%M:%S UTC"),
        relative(record.expires_at, Utc::now()),
        target
            .session
            .as_deref()
            .map_or_else(|| target.start_url.clone(), |s| format!("sso-session {s}")),
        path.display()
    );
    Ok(())
}

/// Several profiles with one code: one MFA session, the roles assumed with it, one write.
fn renew_many(
    files: &AwsFiles,
    map: &crate::awsfiles::ConfigMap,
    profiles: &[crate::awsfiles::Profile],
    names: &[String],
    settings: &Settings,
    api: &dyn AwsApi,
    args: &RenewArgs,
) -> Result<(), String> {
    if args.mode.is_some() || args.duration.is_some() {
        return Err("--mode and --duration apply to one profile; several profiles use their own defaults (see settings)".to_owned());
    }
    if names.is_empty() {
        println!("Nothing to renew: no role profile is expired or expiring soon.");
        return Ok(());
    }
    let bulk = bulk::plan_bulk(map, profiles, names, settings, Utc::now());
    println!("Renewing {} profile(s) with one MFA code:", names.len());
    if let Some(s) = &bulk.session {
        println!("  MFA session for '{}' → [{}]", s.source.profile, s.target);
    }
    for r in &bulk.renewals {
        println!(
            "  {} → [{}] ({})",
            r.profile,
            r.target,
            duration::human(r.duration_secs)
        );
    }
    if args.dry_run {
        for (p, why) in &bulk.skipped {
            println!("  ✗ {p}: {why}");
        }
        println!("Dry run: no AWS call is made, nothing is written.");
        return Ok(());
    }
    let code = match (&bulk.session, bulk.needs_code()) {
        (Some(session), true) => Some(obtain_code(args, files, session)?),
        (None, true) => {
            return Err("these profiles need different MFA codes: renew them one by one".to_owned())
        }
        _ => None,
    };
    let (outcomes, plan) =
        runtime()?.block_on(bulk::run(api, files, &bulk, code.as_ref(), &|_| {}));
    let failed = outcomes.iter().filter(|o| o.result.is_err()).count();
    for o in &outcomes {
        match &o.result {
            Ok(target) => println!("  ✓ {} → [{target}]", o.profile),
            Err(why) => println!("  ✗ {}: {why}", o.profile),
        }
    }
    let plan = plan.map_err(|e| e.to_string())?;
    if !plan.changes.is_empty() {
        confirm_and_write(
            plan,
            WriteFlags {
                dry_run: false,
                yes: args.yes,
            },
            settings,
        )?;
    }
    if failed > 0 {
        return Err(format!(
            "{failed} of {} renewals failed (the others were written)",
            outcomes.len()
        ));
    }
    Ok(())
}

fn describe(r: &Renewal) {
    let how = match r.mode {
        crate::renew::Mode::Session => {
            format!("GetSessionToken with the keys of '{}'", r.source.profile)
        }
        crate::renew::Mode::Role => {
            let roles: Vec<&str> = r.hops.iter().map(|h| h.profile.as_str()).collect();
            let from = if r.source.mfa_session {
                "the MFA session"
            } else {
                "the keys"
            };
            format!(
                "AssumeRole {} with {from} of '{}'",
                roles.join(" → "),
                r.source.profile
            )
        }
    };
    println!(
        "Renewing '{}' ({} mode, {}): {how}; writes [{}] in the credentials file.",
        r.profile,
        r.mode.label(),
        duration::human(r.duration_secs),
        r.target
    );
}

/// The code from `--code`, `--code-stdin`, `AWS_MFA_TOKEN`, the profile's `mfa_process`, or
/// a prompt on the terminal.
fn obtain_code(args: &RenewArgs, files: &AwsFiles, renewal: &Renewal) -> Result<MfaCode, String> {
    if let Some(code) = &args.code {
        return MfaCode::parse(code);
    }
    let stdin = std::io::stdin();
    if args.code_stdin {
        let mut line = String::new();
        stdin
            .lock()
            .read_line(&mut line)
            .map_err(|e| e.to_string())?;
        return MfaCode::parse(&line);
    }
    if let Some(code) = code::without_prompt(files, renewal)? {
        return Ok(code);
    }
    if !stdin.is_terminal() {
        return Err(
            "an MFA code is needed: pass --code 123456 or --code-stdin, or set AWS_MFA_TOKEN"
                .to_owned(),
        );
    }
    code::prompt(renewal)
}

/// `mfatui discover PROFILE`: finds the user's MFA device and offers to record it.
pub fn discover(
    paths: &AwsPaths,
    settings: &Settings,
    api: &dyn AwsApi,
    args: &DiscoverArgs,
) -> Result<(), String> {
    let files = AwsFiles::load(paths).map_err(|e| e.to_string())?;
    let map = files.config_map().map_err(|e| e.to_string())?;
    let name = args.profile.as_str();
    let own = map
        .profile(name)
        .ok_or_else(|| format!("there is no profile named '{name}'"))?;
    let profiles = settings.profiles(&map, paths);
    let partner = profiles
        .iter()
        .find(|p| p.name == name)
        .and_then(|p| p.long_term_profile.as_deref());
    // Long-term keys first (its own, wherever they are, then its partner's), else a session.
    let (key_profile, creds) = long_term_credentials(&map, name)
        .map(|c| (name.to_owned(), c))
        .or_else(|| partner.and_then(|lt| Some((lt.to_owned(), long_term_credentials(&map, lt)?))))
        .or_else(|| static_credentials(own).map(|c| (name.to_owned(), c)))
        .ok_or_else(|| format!("profile '{name}' has no access keys to ask AWS with"))?;
    let site = site_for(&map, Some(own), &options(settings, name));
    let (identity, devices) = runtime()?
        .block_on(async {
            let identity = api.caller_identity(&site, &creds).await?;
            let Some(user) = identity.user_name().map(str::to_owned) else {
                return Ok((identity, None));
            };
            let devices = api.list_mfa_devices(&site, &creds, &user).await?;
            Ok::<_, crate::aws::AwsError>((identity, Some(devices)))
        })
        .map_err(|e| e.to_string())?;
    let devices = devices.ok_or_else(|| format!("the keys of '{key_profile}' belong to {}, not an IAM user; MFA devices belong to IAM users", identity.arn))?;
    let serial = match (&args.serial, devices.as_slice()) {
        (_, []) => {
            return Err(format!(
                "{} has no MFA device: assign one in the IAM console first",
                identity.arn
            ))
        }
        (Some(wanted), found) if found.contains(wanted) => wanted.clone(),
        (Some(wanted), found) => {
            return Err(format!(
                "{wanted} is not one of this user's MFA devices: {}",
                found.join(", ")
            ))
        }
        (None, [only]) => only.clone(),
        (None, found) => {
            return Err(format!(
                "this user has several MFA devices; choose one with --serial: {}",
                found.join(", ")
            ))
        }
    };
    println!("{} uses MFA device {serial}", identity.arn);
    let mut plan = Plan::default();
    let aws_mfa_partner = key_profile != name
        && profiles.iter().any(|p| {
            p.name == key_profile.as_str()
                && (p.mfa.as_ref().is_some_and(|m| m.key == "aws_mfa_device")
                    || key_profile.ends_with(settings.long_term_suffix.as_str()))
        });
    if aws_mfa_partner || key_profile.ends_with(settings.long_term_suffix.as_str()) {
        let edit = Edit::Set {
            section: key_profile.clone(),
            key: "aws_mfa_device".into(),
            value: serial,
        };
        plan.edit(&files.credentials, vec![edit])
            .map_err(|e| e.to_string())?;
    } else {
        let section = own
            .config_section
            .map_or_else(|| config_section_name(name), str::to_owned);
        let edit = Edit::Set {
            section,
            key: "mfa_serial".into(),
            value: serial,
        };
        plan.edit(&files.config, vec![edit])
            .map_err(|e| e.to_string())?;
    }
    confirm_and_write(
        plan,
        WriteFlags {
            dry_run: args.dry_run,
            yes: args.yes,
        },
        settings,
    )
    .map(drop)
}
