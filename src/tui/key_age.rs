//! Access-key ages in the TUI: when the selected profile holds long-term keys whose age is
//! not known yet, a background job asks (cache first, then IAM, with the profile's MFA session
//! when one is fresh enough to reuse); the detail pane shows the answer, marked once it
//! reaches `keys.max_age`.

use super::component::Shared;
use super::job_error::JobError;
use super::jobs::{Job, JobEnv};
use super::output::{KeyAgeFound, Output};
use crate::aws::api::BoxFuture;
use crate::awsfiles::{Profile, Snapshot};
use crate::freshness::Use;
use crate::renew::plan::{keys_at, site_for, Keys};
use crate::renew::session;
use chrono::{DateTime, Utc};
use std::collections::HashMap;
use std::sync::Arc;

/// What is known of a key's age.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum KeyAge {
    /// Being asked.
    Fetching,
    /// Created then.
    Known(DateTime<Utc>),
    /// Not known, and why (no network, no permission…).
    Unknown(String),
}

/// Key ages by key id (not secret).
#[derive(Clone, Debug, Default)]
pub struct KeyAges(HashMap<String, KeyAge>);

impl KeyAges {
    /// The job asking for the selected profile's key age, when it is not known yet.
    pub fn wanted(&mut self, shared: &Shared, selected: Option<&Profile>) -> Option<KeyAgeJob> {
        let p = selected?;
        let place = shared.data.snapshot.layout_of(&p.name).keys.clone()?;
        let key_id = place.access_key_id.to_string();
        if self.0.contains_key(&key_id) {
            return None;
        }
        self.0.insert(key_id.clone(), KeyAge::Fetching);
        Some(KeyAgeJob {
            key_id,
            profile: p.name.to_string(),
            snapshot: shared.data.snapshot.clone(),
        })
    }

    /// A job's answer.
    pub fn found(&mut self, found: KeyAgeFound) {
        let age = match found.result {
            Ok(created) => KeyAge::Known(created),
            Err(why) => KeyAge::Unknown(why.to_string()),
        };
        self.0.insert(found.key_id, age);
    }

    /// The age of `profile`'s key, if it holds one, with whether it is due for rotation.
    pub fn of(&self, shared: &Shared, profile: &Profile) -> Option<(KeyAge, bool)> {
        let place = shared
            .data
            .snapshot
            .layout_of(&profile.name)
            .keys
            .as_ref()?;
        let age = self.0.get(place.access_key_id.as_str())?.clone();
        let old = matches!(&age, KeyAge::Known(t) if (shared.now - *t).num_seconds() >= shared.ctx.settings.key_max_age_secs);
        Some((age, old))
    }
}

/// Asks for one key's age.
#[derive(Debug)]
pub struct KeyAgeJob {
    /// The key id.
    pub key_id: String,
    /// The profile selected.
    pub profile: String,
    /// The files as loaded.
    pub snapshot: Arc<Snapshot>,
}

impl Job for KeyAgeJob {
    fn run(self: Box<Self>, env: JobEnv) -> BoxFuture<'static, Output> {
        Box::pin(async move {
            let result = self.ask(&env).await;
            Output::KeyAge(KeyAgeFound {
                key_id: self.key_id,
                result,
            })
        })
    }

    fn as_any(&self) -> &dyn std::any::Any {
        self
    }
}

impl KeyAgeJob {
    async fn ask(&self, env: &JobEnv) -> Result<DateTime<Utc>, JobError> {
        let ctx = &env.ctx;
        let s = &self.snapshot;
        let place = s
            .layout_of(&self.profile)
            .keys
            .clone()
            .ok_or(JobError::NoAccessKey)?;
        let keys = match keys_at(s.map(), &place).ok_or(JobError::NoAccessKey)? {
            Keys::Here(c) => c,
            Keys::Keyring {
                profile,
                access_key_id,
            } => crate::renew::service::load_expecting(
                env.keyring.as_ref(),
                &profile,
                &access_key_id,
            )?,
        };
        let now = ctx.now();
        let found = session::sessions(s, &self.profile).unwrap_or_default();
        let policy = ctx.settings.freshness();
        let iam = session::fresh(&found, &policy, Use::Reuse, None, now)
            .map(|s| s.credentials.clone())
            .unwrap_or_else(|| keys.clone());
        let opts = crate::renew::plan::RenewOptions::of(ctx, &self.profile, now);
        let site = site_for(s.map(), s.map().profile(&place.profile), &opts);
        Ok(crate::keys::age::fetch(
            env.api.as_ref(),
            &site,
            &keys,
            &iam,
            &ctx.paths.mfatui_cache,
            now,
        )
        .await?)
    }
}
