//! `mfatui sso populate SESSION`: every account and role the session reaches, listed from the
//! portal with the session's token (refreshed, else signed in), written as one profile each
//! through the safe writer after the masked diff; `--prune` removes this session's own
//! generated profiles whose assignment is gone.

use super::args::{PopulateArgs, SsoArgs, SsoCommand};
use super::confirm::{confirm_and_write, WriteFlags};
use super::Run;
use crate::aws::sso::Prompt;
use crate::awsfiles::plan::{FileChange, Plan};
use crate::awsfiles::populate::{self, Options};

/// Runs `mfatui sso …`.
pub fn run(run: &Run, args: &SsoArgs) -> Result<(), super::Failure> {
    match &args.command {
        SsoCommand::Populate(p) => populate(run, p),
    }
}

fn populate(run: &Run, args: &PopulateArgs) -> Result<(), super::Failure> {
    let ctx = &run.ctx;
    let snapshot = ctx.snapshot()?;
    let env = ctx.env.lookup();
    let mut target = crate::aws::sso::target_of_session(snapshot.map(), &args.session, &env)?;
    target.connect_timeout = ctx.timeouts.connect;
    target.call_timeout = ctx.timeouts.call;
    let opts = Options {
        session: args.session.clone(),
        prefix: args.prefix.clone(),
        region: args.region.clone(),
        template: args.template.clone(),
        prune: args.prune,
    };
    // The template is checked before any call.
    populate::name_for(
        &opts,
        &populate::Assignment {
            account_id: "111122223333".into(),
            account_name: "a".into(),
            role_name: "r".into(),
        },
    )?;
    let listing = if ctx.demo {
        crate::aws::demo::sso_assignments()
    } else {
        let flow = crate::console::browser::Browser::sso_flow(ctx, args.use_device_code);
        let mut prompt = |prompt: &Prompt| {
            match &prompt.user_code {
                Some(code) => eprintln!(
                    "To sign in to {}, open this page on any device and confirm the code {code}:\n  {}",
                    target.start_url, prompt.url
                ),
                None => eprintln!(
                    "To sign in to {}, approve the sign-in on this page:\n  {}",
                    target.start_url, prompt.url
                ),
            }
            crate::console::browser::Browser::try_open(ctx, &prompt.url);
        };
        let sign_in = crate::renew::sso::SignIn {
            flow,
            prompt: &mut prompt,
        };
        let portal = crate::aws::endpoint::endpoint_url(
            crate::aws::endpoint::Service::Sso,
            snapshot.map(),
            None,
            &env,
        );
        let hint = format!("sso-session {}", args.session);
        run.block_on(async {
            let token = crate::renew::sso::token(ctx, &target, &hint, false, Some(sign_in)).await?;
            let listing = crate::aws::sso::list_assignments(
                &target,
                portal.as_deref(),
                &token.record.access_token,
                crate::aws::sso::LIST_BOUND,
                crate::aws::sso::LIST_TIME,
            )
            .await?;
            Ok::<_, super::Failure>(listing)
        })??
    };
    let planned = populate::plan(
        snapshot.map(),
        &snapshot.files().config.document,
        &listing,
        &opts,
    )?;
    let accounts: std::collections::HashSet<&str> = listing
        .assignments
        .iter()
        .map(|a| a.account_id.as_str())
        .collect();
    println!(
        "sso-session {}: {} roles in {} accounts; {} already configured, {} new{}.",
        args.session,
        listing.assignments.len(),
        accounts.len(),
        planned.present,
        planned.add.len(),
        if args.prune {
            format!(", {} to prune", planned.prune.len())
        } else {
            String::new()
        }
    );
    for (name, why) in &planned.kept {
        eprintln!("mfatui: not pruning '{name}' though its assignment is gone: {why}; remove it by hand if it is no longer wanted");
    }
    if let Some(why) = &listing.incomplete {
        eprintln!(
            "mfatui: the listing is incomplete ({why}); what was listed is added{}",
            if args.prune {
                ", nothing is pruned"
            } else {
                ""
            }
        );
    }
    let config = &snapshot.files().config;
    let after = populate::apply(&config.document, &planned, &opts)?;
    let plan = Plan {
        changes: vec![FileChange::replace(config, after)],
        cli_cache: Vec::new(),
    };
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
