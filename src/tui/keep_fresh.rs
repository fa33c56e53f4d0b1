//! Profiles kept fresh (`f`, saved as `keep_fresh = true` in the settings): while the TUI is
//! open, each is renewed ahead of expiry (`sessions.keep_fresh_before`, earlier than any
//! caller would renew) whenever that needs no code — a role assumed with a still-fresh MFA
//! session — through the renewal service, written with a backup as usual, with a toast.
//! Where a code would be needed, the row warns instead. An SSO profile is kept fresh by
//! refreshing its session's token with the refresh token before it ends.

use super::component::Shared;
use super::job_error::JobError;
use super::jobs::{Job, JobEnv};
use super::output::{KeptFresh, Output};
use crate::aws::api::BoxFuture;
use crate::awsfiles::expiry::{Expiry, ExpirySource};
use crate::awsfiles::ProfileKind;
use crate::freshness::Use;
use crate::renew::code::Codes;
use crate::renew::plan::plan;
use crate::renew::service::Want;
use crate::renew::session;
use chrono::{DateTime, Utc};
use std::collections::{BTreeSet, HashMap};

/// A failed attempt is retried after this long, not on every tick.
const RETRY_SECS: i64 = 60;

/// What the TUI knows about its kept-fresh profiles.
#[derive(Clone, Debug, Default)]
pub struct KeepFresh {
    /// Renewals under way.
    pub running: BTreeSet<String>,
    /// When each was last tried.
    pub tried: HashMap<String, DateTime<Utc>>,
    /// Profiles that are due but cannot be renewed unattended, with the reason.
    pub warnings: HashMap<String, String>,
}

/// Whether `name` is kept fresh.
pub fn kept_fresh(shared: &Shared, name: &str) -> bool {
    shared
        .ctx
        .settings
        .profiles
        .get(name)
        .is_some_and(|o| o.keep_fresh)
}

impl KeepFresh {
    /// On every tick: the kept-fresh profiles that are due and need no code, as jobs.
    pub fn due(&mut self, shared: &Shared) -> Vec<Box<dyn Job>> {
        let ctx = shared.ctx;
        let snapshot = &shared.data.snapshot;
        let now = shared.now;
        let mut names: Vec<&String> = ctx
            .settings
            .profiles
            .iter()
            .filter(|(_, o)| o.keep_fresh)
            .map(|(n, _)| n)
            .collect();
        names.sort();
        let mut jobs: Vec<Box<dyn Job>> = Vec::new();
        for name in names {
            if snapshot.profile(name).is_none() {
                continue;
            }
            let planned = plan(
                snapshot,
                name,
                &crate::renew::plan::RenewOptions::of(ctx, name, now),
            );
            let length = planned.as_ref().ok().map(|r| r.duration_secs);
            let found = session::sessions(snapshot, name).unwrap_or_default();
            let policy = ctx.settings.freshness();
            if session::fresh(&found, &policy, Use::KeepFresh, length, now).is_some() {
                self.warnings.remove(name);
                continue;
            }
            let recent = self
                .tried
                .get(name)
                .is_some_and(|t| (now - *t).num_seconds() < RETRY_SECS);
            if self.running.contains(name) || recent {
                continue;
            }
            // An SSO profile is kept fresh by refreshing its session's token ahead of its end
            // (the renewal service refreshes it when it has 15 minutes or less).
            if let Some(p) = snapshot
                .profile(name)
                .filter(|p| p.kind == ProfileKind::Sso)
            {
                match &p.expiry {
                    Expiry::At {
                        at,
                        source: ExpirySource::SsoRefresh { token_expires, .. },
                    } if *at > now => {
                        self.warnings.remove(name);
                        if (*token_expires - now).num_seconds() <= crate::renew::sso::FRESH_SECS {
                            self.running.insert(name.clone());
                            self.tried.insert(name.clone(), now);
                            jobs.push(Box::new(KeepFreshJob {
                                profile: name.clone(),
                            }));
                        }
                    }
                    _ => {
                        self.warnings.insert(
                            name.clone(),
                            "its SSO sign-in cannot renew itself (no refresh token, or it ended): sign in with ⏎".to_owned(),
                        );
                    }
                }
                continue;
            }
            match planned {
                Ok(renewal) if !renewal.needs_code() => {
                    self.warnings.remove(name);
                    self.running.insert(name.clone());
                    self.tried.insert(name.clone(), now);
                    jobs.push(Box::new(KeepFreshJob {
                        profile: name.clone(),
                    }));
                }
                Ok(_) => {
                    self.warnings.insert(
                        name.clone(),
                        "expires soon and needs an MFA code: renew it by hand (⏎)".to_owned(),
                    );
                }
                Err(why) => {
                    self.warnings.insert(name.clone(), why.to_string());
                }
            }
        }
        jobs
    }

    /// A background renewal finished: the toast's text, whether it warns, whether to reload.
    pub fn finished(&mut self, kept: KeptFresh) -> (String, bool, bool) {
        self.running.remove(&kept.profile);
        match kept.result {
            Ok(text) => (
                format!("⟳ Kept {} fresh: {text}", kept.profile),
                false,
                true,
            ),
            Err(why) => {
                let text = format!("Keeping {} fresh failed: {why}", kept.profile);
                self.warnings.insert(kept.profile, why.to_string());
                (text, true, false)
            }
        }
    }
}

/// Renews one kept-fresh profile (no code) through the renewal service.
#[derive(Debug)]
pub struct KeepFreshJob {
    /// The profile.
    pub profile: String,
}

impl Job for KeepFreshJob {
    fn run(self: Box<Self>, env: JobEnv) -> BoxFuture<'static, Output> {
        Box::pin(async move {
            let want = Want {
                purpose: Use::KeepFresh,
                duration: None,
                mode: None,
            };
            let result = env
                .renewer()
                .ensure(&self.profile, &want, &mut Codes::none())
                .await
                .map_err(JobError::from)
                .and_then(|served| match served.renewed {
                    // Kept fresh means in the file.
                    Some(crate::renew::service::Renewed {
                        not_written: Some(why),
                        ..
                    }) => Err(JobError::from(crate::renew::RenewError::NotWritten(why))),
                    Some(r) => Ok({
                        let backup = r
                            .backup
                            .map(|b| format!(" Backup: {}", b.display()))
                            .unwrap_or_default();
                        format!("[{}] renewed.{backup}", r.target)
                    }),
                    None => Ok("it was fresh already.".to_owned()),
                });
            Output::KeptFresh(KeptFresh {
                profile: self.profile,
                result,
            })
        })
    }

    fn as_any(&self) -> &dyn std::any::Any {
        self
    }
}
