//! `mfatui renew` and `mfatui discover`: the commands that call AWS and write what they got
//! after the masked diff (`renew` through the renewal service's one request).

use super::args::{DiscoverArgs, RenewArgs};
use super::codes::{self, Allow};
use super::command_error::RenewCommandError;
use super::confirm::{confirm_and_write, WriteFlags};
use super::{Failure, Run};
use crate::aws::api::BoxFuture;
use crate::aws::sso::{Flow, Prompt, SsoTarget};
use crate::aws::Credentials;
use crate::awsfiles::expiry::{compact_duration, relative};
use crate::awsfiles::layout::Convention;
use crate::awsfiles::FileKind;
use crate::awsfiles::{Edit, Plan};
use crate::context::Context;
use crate::duration;
use crate::renew::bulk::{self, BulkPlan};
use crate::renew::code::{CodeAnswer, CodeAsk, CodeError, CodeSource, Codes, Given};
use crate::renew::plan::{keys_at, site_for, static_credentials, Keys};
use crate::renew::sso::{Got, SignIn, Token};
use crate::renew::{prepare, Inject, Mode, Outcome, Prepared, RenewError, Renewal, Request};
use chrono::Utc;
use std::io::IsTerminal;

/// The code sources of `renew`: `--code`, `--code-stdin`, then the usual ones; a prompt only
/// when standard input is a terminal.
fn sources(ctx: &Context, args: &RenewArgs) -> Result<Codes, CodeError> {
    let given = if args.code_stdin {
        codes::from_stdin()?
    } else {
        Given::new(args.code.as_deref())?
    };
    let allow = Allow {
        terminal: std::io::stdin().is_terminal(),
        window: false,
    };
    Ok(codes::sources_in(ctx, given, allow))
}

/// The command's code sources, gathered only when the service first asks for a code (so
/// `--code-stdin` is read, and `--code` checked, only when a code is needed).
struct Deferred<'a> {
    ctx: &'a Context,
    args: &'a RenewArgs,
    codes: Option<Codes>,
}

impl CodeSource for Deferred<'_> {
    fn code<'b>(&'b mut self, ask: &'b CodeAsk) -> BoxFuture<'b, Result<CodeAnswer, CodeError>> {
        Box::pin(async move {
            if self.codes.is_none() {
                self.codes = Some(sources(self.ctx, self.args)?);
            }
            match self.codes.as_mut() {
                Some(codes) => codes.code(ask).await,
                None => Ok(CodeAnswer::Pass),
            }
        })
    }
}

/// `mfatui renew PROFILE…`: builds the request, lets the renewal service pick the kind and do
/// it, then shows what came of it (the masked diff to confirm, a sign-in, a bulk result).
pub fn renew(run: &Run, args: &RenewArgs) -> Result<(), Failure> {
    let ctx = &run.ctx;
    let snapshot = ctx.snapshot()?;
    let names = if args.all_expiring {
        bulk::expiring_roles(&snapshot, ctx.settings.warn_secs, ctx.now())
    } else {
        args.profiles.clone()
    };
    let request = Request {
        group: args.all_expiring,
        profiles: names,
        mode: args.mode.map(Into::into),
        duration: args.duration.as_deref().map(duration::parse).transpose()?,
        dry_run: args.dry_run,
    };
    let prepared = prepare(ctx, &snapshot, &request).map_err(say)?;
    // A renewal whose result is written after a confirmation: refused before any call (and
    // before a code is spent) when the confirmation cannot be asked. SSO and `aws login`
    // caches are written without one.
    if matches!(prepared, Prepared::One(_) | Prepared::Many(_)) && !request.profiles.is_empty() {
        super::confirm::can_confirm(WriteFlags {
            dry_run: args.dry_run,
            yes: args.yes,
        })?;
    }
    let mut start_url = String::new();
    match &prepared {
        Prepared::One(renewal) => println!("{}", describe(renewal)),
        Prepared::Many(_) if request.profiles.is_empty() => {
            println!("Nothing to renew: no role profile is expired or expiring soon.");
            return Ok(());
        }
        Prepared::Many(plan) => announce_many(plan, request.profiles.len()),
        Prepared::Sso { target, .. } => start_url = target.start_url.clone(),
        Prepared::Login(_) => {}
    }
    let mut prompt = |prompt: &Prompt| {
        match &prompt.user_code {
            Some(code) => println!(
                "To sign in to {start_url}, open this page on any device and confirm the code {code}:\n  {}",
                prompt.url
            ),
            None => println!(
                "To sign in to {start_url}, approve the sign-in on this page (it comes back to this machine by itself):\n  {}",
                prompt.url
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
    let flow = crate::console::browser::Browser::sso_flow(ctx, args.use_device_code);
    let mut codes = Deferred {
        ctx,
        args,
        codes: None,
    };
    let inject = Inject {
        codes: &mut codes,
        sign_in: Some(SignIn {
            flow,
            prompt: &mut prompt,
        }),
        progress: &|_| {},
    };
    let renewer = run.renewer();
    let outcome = run
        .block_on(renewer.renew(&snapshot, prepared, args.dry_run, inject))?
        .map_err(say)?;
    show(run, args, flow, outcome)
}

/// The one sentence of a renewal's error (`renew`'s own words when no code came).
/// Typed, so the edge can tell a refusal to write a passed-over file from other causes.
fn say(e: RenewError) -> Failure {
    match e {
        RenewError::NoCode { .. } => RenewCommandError::NoCode.into(),
        other => other.into(),
    }
}

/// What a bulk renewal will do, before its code is asked for.
fn announce_many(bulk: &BulkPlan, count: usize) {
    println!(
        "Renewing {}{}:",
        bulk::profiles_count(count),
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
}

/// Shows what the renewal came to: the diff to confirm and write, or what was done.
fn show(run: &Run, args: &RenewArgs, flow: Flow, outcome: Outcome) -> Result<(), Failure> {
    let ctx = &run.ctx;
    let flags = WriteFlags {
        dry_run: args.dry_run,
        yes: args.yes,
    };
    match outcome {
        Outcome::Write {
            plan,
            dry_run: true,
            ..
        } => {
            println!("Dry run: no AWS call is made; new values are placeholders.");
            confirm_and_write(plan, flags, ctx)?;
            Ok(())
        }
        Outcome::Write {
            renewal,
            credentials,
            plan,
            dry_run: false,
        } => {
            let written = confirm_and_write(plan, flags, ctx)?;
            if !written.is_empty() {
                renewed(ctx, &renewal, &credentials);
            }
            Ok(())
        }
        Outcome::SsoPlanned { target, file, .. } => {
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
            Ok(())
        }
        Outcome::Sso { target, token, .. } => {
            signed_in(&target, &token);
            Ok(())
        }
        Outcome::LoginPlanned { profile, file } => {
            super::login::planned(&profile, &file);
            Ok(())
        }
        Outcome::Login {
            profile,
            file,
            token,
        } => {
            super::login::refreshed(&profile.name, &file, &token);
            Ok(())
        }
        Outcome::ManyPlanned(bulk) => {
            for (p, why) in &bulk.skipped {
                println!("  ✗ {p}: {why}");
            }
            println!("Dry run: no AWS call is made, nothing is written.");
            Ok(())
        }
        Outcome::Many { outcomes, plan } => {
            let failed = outcomes.iter().filter(|o| o.result.is_err()).count();
            for o in &outcomes {
                match &o.result {
                    Ok(target) => println!("  ✓ {} → [{target}]", o.profile),
                    Err(why) => println!("  ✗ {}: {why}", o.profile),
                }
            }
            let plan = plan?;
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
                return Err(RenewCommandError::SomeFailed {
                    failed,
                    total: outcomes.len(),
                }
                .into());
            }
            Ok(())
        }
    }
}

/// The lines after a renewal was written: until when, and how to use a new profile.
fn renewed(ctx: &Context, renewal: &Renewal, creds: &Credentials) {
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

/// The line after an SSO token was had: how, until when, where it is cached. The token
/// lands in the AWS CLI's SSO cache, where every profile of the same session finds it.
fn signed_in(target: &SsoTarget, token: &Token) {
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
pub fn discover(run: &Run, args: &DiscoverArgs) -> Result<(), Failure> {
    let ctx = &run.ctx;
    let snapshot = ctx.snapshot()?;
    let map = snapshot.map();
    let name = args.profile.as_str();
    let own = map
        .profile(name)
        .ok_or_else(|| RenewCommandError::NoProfile(name.to_owned()))?;
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
        None => {
            static_credentials(own).ok_or_else(|| RenewCommandError::NoKeys(name.to_owned()))?
        }
    };
    let site = site_for(
        map,
        Some(own),
        &crate::renew::plan::RenewOptions::of(ctx, name, ctx.now()),
    );
    let api = run.api.as_ref();
    let (identity, devices) = run.block_on(async {
        let identity = api.caller_identity(&site, &creds).await?;
        let Some(user) = identity.user_name().map(str::to_owned) else {
            return Ok((identity, None));
        };
        let devices = api.list_mfa_devices(&site, &creds, &user).await?;
        Ok::<_, crate::aws::AwsError>((identity, Some(devices)))
    })??;
    let devices = devices.ok_or_else(|| RenewCommandError::NotIamUser {
        profile: key_profile.clone(),
        arn: identity.arn.clone(),
    })?;
    let serial = match (&args.serial, devices.as_slice()) {
        (_, []) => return Err(RenewCommandError::NoDevice(identity.arn).into()),
        (Some(wanted), found) if found.contains(wanted) => wanted.clone(),
        (Some(wanted), found) => {
            return Err(RenewCommandError::NotADevice {
                wanted: wanted.clone(),
                found: found.to_vec(),
            }
            .into())
        }
        (None, [only]) => only.clone(),
        (None, found) => return Err(RenewCommandError::SeveralDevices(found.to_vec()).into()),
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
        plan.edit(&snapshot.files().credentials, vec![edit])?;
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
        plan.edit(file, vec![edit])?;
    }
    confirm_and_write(
        plan,
        WriteFlags {
            dry_run: args.dry_run,
            yes: args.yes,
        },
        ctx,
    )?;
    Ok(())
}
