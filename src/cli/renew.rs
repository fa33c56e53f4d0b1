//! `mfatui renew` and `mfatui discover`: the commands that call AWS and write what they got
//! after the masked diff.

use super::args::{DiscoverArgs, RenewArgs};
use super::codes::{self, Allow};
use super::confirm::{confirm_and_write, WriteFlags};
use super::Run;
use crate::aws::sso::{Flow, Prompt};
use crate::awsfiles::expiry::{compact_duration, relative};
use crate::awsfiles::layout::Convention;
use crate::awsfiles::FileKind;
use crate::awsfiles::{Edit, Plan, ProfileKind, Snapshot};
use crate::duration;
use crate::renew::code::{CodeAnswer, CodeAsk, CodeSource, Given, MfaCode};
use crate::renew::plan::{keys_at, plan, site_for, static_credentials, Keys};
use crate::renew::sso::Got;
use crate::renew::{bulk, execute, Mode, Renewal};
use chrono::Utc;
use std::io::IsTerminal;

/// What `renew` says when no code came from anywhere.
const NO_CODE: &str =
    "an MFA code is needed: pass --code 123456 or --code-stdin, or set AWS_MFA_TOKEN";

/// The code sources of `renew`: `--code`, `--code-stdin`, then the usual ones; a prompt only
/// when standard input is a terminal.
fn sources(run: &Run, args: &RenewArgs) -> Result<crate::renew::code::Codes, String> {
    let given = if args.code_stdin {
        codes::from_stdin()?
    } else {
        Given::new(args.code.as_deref())?
    };
    let allow = Allow {
        terminal: std::io::stdin().is_terminal(),
        window: false,
    };
    Ok(codes::sources(run, given, allow))
}

/// `mfatui renew PROFILE`.
pub fn renew(run: &Run, args: &RenewArgs) -> Result<(), super::Failure> {
    let ctx = &run.ctx;
    let snapshot = ctx.snapshot().map_err(|e| e.to_string())?;
    let now = ctx.now();
    let flags = WriteFlags {
        dry_run: args.dry_run,
        yes: args.yes,
    };
    let names = if args.all_expiring {
        bulk::expiring_roles(&snapshot, ctx.settings.warn_secs, now)
    } else {
        args.profiles.clone()
    };
    if args.all_expiring || names.len() > 1 {
        return Ok(renew_many(run, &snapshot, &names, args)?);
    }
    let name = names.first().ok_or("no profile to renew")?;
    if snapshot
        .profile(name)
        .is_some_and(|p| p.kind == ProfileKind::Sso)
    {
        return Ok(sso_login(run, &snapshot, name, args)?);
    }
    if snapshot
        .profile(name)
        .is_some_and(|p| p.kind == ProfileKind::Login)
    {
        return Ok(super::login::renew(
            run,
            snapshot.map(),
            name,
            args.dry_run,
        )?);
    }
    let mut opts = crate::renew::plan::RenewOptions::of(ctx, name, now);
    if let Some(mode) = args.mode {
        opts.mode = Some(mode.into());
    }
    if let Some(d) = args.duration.as_deref() {
        opts.duration = Some(duration::parse(d)?);
    }
    let renewal = plan(&snapshot, name, &opts).map_err(|e| e.to_string())?;
    println!("{}", describe(&renewal));
    if args.dry_run {
        let creds = execute::placeholder(&renewal, now);
        let plan =
            execute::plan_write(snapshot.files(), &renewal, &creds).map_err(|e| e.to_string())?;
        println!("Dry run: no AWS call is made; new values are placeholders.");
        return Ok(confirm_and_write(plan, flags, ctx).map(drop)?);
    }
    crate::renew::service::check_targets(&snapshot, &renewal, ctx.backups_dir().as_deref())?;
    let renewer = run.renewer();
    let renewal = renewer.with_keys(renewal).map_err(|e| e.to_string())?;
    let mut codes = sources(run, args)?;
    let creds = run
        .block_on(renewer.run_with_code(&snapshot, &renewal, &mut codes))?
        .map_err(|e| match e {
            crate::renew::RenewError::NoCode { .. } => NO_CODE.to_owned(),
            other => other.to_string(),
        })?
        .ok_or("the renewal was made elsewhere")?;
    let plan =
        execute::plan_write(snapshot.files(), &renewal, &creds).map_err(|e| e.to_string())?;
    let written = confirm_and_write(plan, flags, ctx)?;
    if !written.is_empty() {
        let until = creds
            .expiration
            .map(|t| {
                format!(
                    " until {} (for {})",
                    t.format("%Y-%m-%d %H:%M:%S UTC"),
                    compact_duration((t - Utc::now()).num_seconds())
                )
            })
            .unwrap_or_default();
        println!(
            "Renewed '{}': profile '{}' is valid{until}.",
            renewal.profile, renewal.target
        );
        if renewal.target != renewal.profile && renewal.write_target {
            if ctx.demo {
                // The profile is in the demo's temporary files, gone when this run ends.
                println!(
                    "Demo: '{}' exists only in this demo run's temporary files (gone now); outside the demo, renew one of your own profiles.",
                    renewal.target
                );
            } else {
                println!(
                    "Use it with --profile {0} (or export AWS_PROFILE={0}).",
                    crate::awsfiles::shlex::quote(&renewal.target)
                );
            }
        }
    }
    Ok(())
}

/// Renewing an SSO profile: the held refresh token first (no browser), else a sign-in (PKCE
/// with a loopback redirect, or the device flow), through the one place that has SSO tokens
/// ([`crate::renew::sso::token`]); the token lands in the AWS CLI's SSO cache, where every
/// profile of the same session finds it.
fn sso_login(run: &Run, snapshot: &Snapshot, name: &str, args: &RenewArgs) -> Result<(), String> {
    let ctx = &run.ctx;
    let target = crate::renew::service::sso_target(ctx, snapshot, name)?;
    let file = ctx
        .paths
        .sso_cache
        .join(crate::awsfiles::sso_cache::file_name(target.cache_key()));
    let flow = crate::console::browser::Browser::sso_flow(ctx, args.use_device_code);
    if args.dry_run {
        println!(
            "Dry run: would refresh the SSO token of {} ({}) with its refresh token if it holds one, else sign in ({}), and write the token to {}. Nothing was done.",
            target.start_url,
            target.region,
            match flow {
                Flow::Pkce => "browser, PKCE",
                Flow::DeviceCode => "device code",
            },
            file.display()
        );
        return Ok(());
    }
    let mut prompt = |prompt: &Prompt| {
        match &prompt.user_code {
            Some(code) => println!(
                "To sign in to {}, open this page on any device and confirm the code {code}:\n  {}",
                target.start_url, prompt.url
            ),
            None => println!(
                "To sign in to {}, approve the sign-in on this page (it comes back to this machine by itself):\n  {}",
                target.start_url, prompt.url
            ),
        }
        if ctx.demo {
            println!("Demo: this page is not real and nothing is opened; it approves by itself in a moment.");
        } else {
            crate::console::browser::Browser::try_open(ctx, &prompt.url);
        }
        println!("Waiting… (Ctrl-C cancels)");
        let _ = std::io::Write::flush(&mut std::io::stdout());
    };
    let sign_in = crate::renew::sso::SignIn {
        flow,
        prompt: &mut prompt,
    };
    let token = run.block_on(crate::renew::sso::token(
        ctx,
        &target,
        name,
        true,
        Some(sign_in),
    ))??;
    let record = &token.record;
    let what = match token.got {
        Got::Refreshed => "Refreshed (no sign-in needed)",
        Got::Cached => "Another mfatui just renewed it",
        Got::SignedIn => "Signed in",
    };
    let renews = if record.refreshable(Utc::now()) {
        format!(
            "; it renews itself until the client registration ends, {}",
            record.registration_expires_at.format("%Y-%m-%d %H:%M UTC")
        )
    } else {
        String::new()
    };
    println!(
        "{what}: the SSO token is valid until {} ({}){renews}; every profile of {} uses it now. Cached in {}.",
        record.expires_at.format("%Y-%m-%d %H:%M:%S UTC"),
        relative(record.expires_at, Utc::now()),
        target
            .session
            .as_deref()
            .map_or_else(|| target.start_url.clone(), |s| format!("sso-session {s}")),
        token.path.display()
    );
    Ok(())
}

/// Several profiles with one code: one MFA session, the roles assumed with it, one write.
fn renew_many(
    run: &Run,
    snapshot: &Snapshot,
    names: &[String],
    args: &RenewArgs,
) -> Result<(), String> {
    let ctx = &run.ctx;
    if args.mode.is_some() || args.duration.is_some() {
        return Err("--mode and --duration apply to one profile; several profiles use their own defaults (see settings)".to_owned());
    }
    if names.is_empty() {
        println!("Nothing to renew: no role profile is expired or expiring soon.");
        return Ok(());
    }
    let now = ctx.now();
    let bulk = bulk::plan_bulk(snapshot, names, &|name| {
        crate::renew::plan::RenewOptions::of(ctx, name, now)
    });
    println!(
        "Renewing {}{}:",
        bulk::profiles_count(names.len()),
        if bulk.needs_code() {
            " with one MFA code"
        } else {
            " (no MFA code needed: a fresh MFA session is reused)"
        }
    );
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
    for r in bulk.session.iter().chain(&bulk.renewals) {
        crate::renew::service::check_targets(snapshot, r, ctx.backups_dir().as_deref())
            .map_err(|e| e.to_string())?;
    }
    let code = match (&bulk.session, bulk.needs_code()) {
        (Some(session), true) => Some(one_code(run, snapshot, session, args)?),
        (None, true) => {
            return Err("these profiles need different MFA codes: renew them one by one".to_owned())
        }
        _ => None,
    };
    let (outcomes, plan) = run.block_on(bulk::run(
        run.api.as_ref(),
        run.keyring.as_ref(),
        snapshot.files(),
        &bulk,
        code.as_ref(),
        &|_| {},
    ))?;
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
            ctx,
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

/// The one code of a bulk renewal, from the command's sources.
fn one_code(
    run: &Run,
    snapshot: &Snapshot,
    session: &Renewal,
    args: &RenewArgs,
) -> Result<MfaCode, String> {
    let mut codes = sources(run, args)?;
    let ask = CodeAsk {
        profile: session.profile.clone(),
        serial: session.serial().map(str::to_owned),
        mfa_process: [&session.profile, &session.source.profile]
            .iter()
            .find_map(|p| {
                snapshot
                    .map()
                    .profile(p)?
                    .get("mfa_process")
                    .map(str::to_owned)
            }),
        attempt: 1,
        refused: None,
    };
    match run.block_on(codes.code(&ask))?? {
        CodeAnswer::Typed(code) | CodeAnswer::Given(code) => Ok(code),
        _ => Err(NO_CODE.to_owned()),
    }
}

/// One line saying what a renewal will do.
pub fn describe(r: &Renewal) -> String {
    let how = match r.mode {
        Mode::Session => format!("GetSessionToken with the keys of '{}'", r.source.profile),
        Mode::Role => {
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
    let writes = if r.write_target {
        format!("writes [{}] in the credentials file", r.target)
    } else {
        "writes the AWS CLI cache".to_owned()
    };
    format!(
        "Renewing '{}' ({} mode, {}): {how}; {writes}.",
        r.profile,
        r.mode.label(),
        duration::human(r.duration_secs),
    )
}

/// `mfatui discover PROFILE`: finds the user's MFA device and offers to record it.
pub fn discover(run: &Run, args: &DiscoverArgs) -> Result<(), String> {
    let ctx = &run.ctx;
    let snapshot = ctx.snapshot().map_err(|e| e.to_string())?;
    let map = snapshot.map();
    let name = args.profile.as_str();
    let own = map
        .profile(name)
        .ok_or_else(|| format!("there is no profile named '{name}'"))?;
    let layout = snapshot.layout_of(name);
    // Long-term keys first (wherever the layout puts them), else a session of its own.
    let place = layout.keys.clone();
    let key_profile = place
        .as_ref()
        .map_or_else(|| name.to_owned(), |k| k.profile.to_string());
    let creds = match place.as_ref().and_then(|k| keys_at(map, k)) {
        Some(Keys::Here(c)) => c,
        Some(Keys::Keyring {
            profile,
            access_key_id,
        }) => {
            crate::renew::service::load_expecting(run.keyring.as_ref(), &profile, &access_key_id)?
        }
        None => static_credentials(own)
            .ok_or_else(|| format!("profile '{name}' has no access keys to ask AWS with"))?,
    };
    let site = site_for(
        map,
        Some(own),
        &crate::renew::plan::RenewOptions::of(ctx, name, ctx.now()),
    );
    let api = run.api.as_ref();
    let (identity, devices) = run
        .block_on(async {
            let identity = api.caller_identity(&site, &creds).await?;
            let Some(user) = identity.user_name().map(str::to_owned) else {
                return Ok((identity, None));
            };
            let devices = api.list_mfa_devices(&site, &creds, &user).await?;
            Ok::<_, crate::aws::AwsError>((identity, Some(devices)))
        })?
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
    let aws_mfa = layout
        .session
        .as_ref()
        .is_some_and(|s| s.convention == Convention::AwsMfa);
    if aws_mfa && key_profile != name
        || key_profile.ends_with(ctx.settings.long_term_suffix.as_str())
    {
        let edit = Edit::Set {
            section: key_profile.clone(),
            key: "aws_mfa_device".into(),
            value: serial,
        };
        plan.edit(&snapshot.files().credentials, vec![edit])
            .map_err(|e| e.to_string())?;
    } else {
        // Where botocore reads it: a credentials section that already sets mfa_serial wins.
        let kind = super::edit::file_for(snapshot.map(), name, "mfa_serial");
        let edit = Edit::Set {
            section: super::edit::section_for(snapshot.map(), name, kind),
            key: "mfa_serial".into(),
            value: serial,
        };
        let file = match kind {
            FileKind::Config => &snapshot.files().config,
            FileKind::Credentials => &snapshot.files().credentials,
        };
        plan.edit(file, vec![edit]).map_err(|e| e.to_string())?;
    }
    confirm_and_write(
        plan,
        WriteFlags {
            dry_run: args.dry_run,
            yes: args.yes,
        },
        ctx,
    )
    .map(drop)
}
