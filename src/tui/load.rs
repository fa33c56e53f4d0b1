//! Reading the files for the TUI, and what it shows of them (the job that reads them again
//! off the UI loop is [`super::jobs::LoadJob`]).

use crate::awsfiles::login_cache::LoginToken;
use crate::awsfiles::profile::Name;
use crate::awsfiles::{backup, AwsPaths, LoadError, Profile, ProfileKind, Snapshot, Stamp};
use crate::context::Context;
use chrono::{DateTime, Utc};
use std::collections::HashMap;
use std::sync::Arc;

/// Everything the TUI shows, read from disk in one go.
#[derive(Clone, Debug)]
pub struct Loaded {
    /// The files, every profile and its layout.
    pub snapshot: Arc<Snapshot>,
    /// The newest backup mfatui made of the credentials file, if any.
    pub last_write: Option<DateTime<Utc>>,
    /// The files' stamps when read.
    pub stamp: Stamp,
    /// For `aws login` profiles: the latest time their sign-in can still be refreshed (read
    /// from the login cache here, so that drawing the detail pane reads no file).
    pub login_refreshable: HashMap<Name, DateTime<Utc>>,
}

impl Loaded {
    /// Every profile, botocore's order.
    pub fn profiles(&self) -> &[Profile] {
        self.snapshot.profiles()
    }

    /// The paths read.
    pub fn paths(&self) -> &AwsPaths {
        &self.snapshot.files().paths
    }
}

/// Reads both files; the error is one sentence naming file and line.
pub fn load(ctx: &Context) -> Result<Loaded, LoadError> {
    let started = std::time::Instant::now();
    let stamp = Stamp::of(&ctx.paths);
    let snapshot = Snapshot::load(&ctx.paths, &ctx.naming())?;
    let (named, backups) = backup::backups_of(&ctx.paths.credentials, ctx.backups_dir().as_deref());
    let last_write = backup::list(&named, &backups)
        .ok()
        .and_then(|b| b.last().map(|b| b.time));
    let login_refreshable = snapshot
        .profiles()
        .iter()
        .filter(|p| p.kind == ProfileKind::Login)
        .filter_map(|p| {
            let session = snapshot.map().profile(&p.name)?.get("login_session")?;
            let token = LoginToken::load(&ctx.paths.login_cache, session).ok()?;
            Some((p.name.clone(), token.refreshable_until_at_most()?))
        })
        .collect();
    crate::diag!(
        "loaded {} profiles from {} and {} in {} ms",
        snapshot.profiles().len(),
        ctx.paths.config.display(),
        ctx.paths.credentials.display(),
        started.elapsed().as_millis()
    );
    Ok(Loaded {
        snapshot: Arc::new(snapshot),
        last_write,
        stamp,
        login_refreshable,
    })
}
