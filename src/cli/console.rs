//! `mfatui console PROFILE`: signs in to the AWS Management Console (see [`crate::console`]
//! for which credentials AWS's rules allow) and opens it in the profile's browser, or prints
//! the sign-in URL with `--print`.

use super::args::ConsoleArgs;
use super::codes::{self, Allow};
use super::Run;
use crate::console::browser::Browser;
use crate::console::{sign_in, when, ConsoleRequest};
use crate::duration;
use crate::renew::code::Given;
use crate::renew::plan::PlanError;

/// `mfatui console PROFILE`.
pub fn run(run: &Run, args: &ConsoleArgs) -> Result<(), super::Failure> {
    let ctx = &run.ctx;
    let request = ConsoleRequest {
        profile: args.profile.clone(),
        destination: args.destination.clone(),
        region: args.region.clone(),
        duration: args.duration.as_deref().map(duration::parse).transpose()?,
    };
    // The browser is found before any call: one that cannot start stops the sign-in first —
    // after the profile, the first thing to say when its name is not there.
    let browser = if args.print || ctx.demo {
        None
    } else {
        if ctx.snapshot()?.profile(&args.profile).is_none() {
            return Err(PlanError::NoProfile(args.profile.clone()).into());
        }
        Some(Browser::for_profile(ctx, &args.profile)?)
    };
    let mut codes = codes::sources(
        run,
        Given::new(args.code.as_deref())?,
        Allow {
            terminal: true,
            window: true,
        },
    );
    let login = run.block_on(sign_in(&run.renewer(), &request, &mut codes))??;
    if let Some(browser) = &browser {
        browser.open(&login.url)?;
    }
    eprintln!("Signed in to the console as {}.", login.identity);
    for note in &login.notes {
        eprintln!("{note}");
    }
    if let (Some(ends), true) = (login.ends, login.notes.is_empty()) {
        eprintln!("The console session ends {}.", when(ends, ctx.now()));
    }
    match browser {
        Some(browser) => eprintln!("Opened {} with {}.", login.destination, browser.describe()),
        None => {
            if ctx.demo {
                eprintln!("Demo: the sign-in URL below is fake, so it is printed, not opened.");
            }
            eprintln!("The sign-in URL is valid for 15 minutes; treat it like a password:");
            println!("{}", login.url.expose());
        }
    }
    Ok(())
}
