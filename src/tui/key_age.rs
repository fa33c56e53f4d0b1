//! Access-key ages in the TUI: when the selected profile holds long-term keys whose age is
//! not known yet, a background job asks (cache first, then IAM); the detail pane shows the
//! answer, marked once it reaches `keys.max_age`.

use super::app::{App, Command};
use crate::awsfiles::mfa_secure::SecureSessions;
use crate::keys::key_place;
use crate::renew::current;
use crate::renew::plan::site_for;
use crate::renew::RenewOptions;
use chrono::{DateTime, Utc};

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

impl App {
    /// After every message: asks for the selected profile's key age if it is not known.
    pub(super) fn fetch_key_age(&mut self, commands: &mut Vec<Command>) {
        let Some(p) = self.selected_profile() else {
            return;
        };
        let name = p.name.to_string();
        let place = [Some(p.name.as_str()), p.long_term_profile.as_deref()]
            .into_iter()
            .flatten()
            .find_map(|n| key_place(&self.data.map, n));
        let Some(place) = place else {
            return;
        };
        let key_id = place.credentials.access_key_id.clone();
        if self.key_ages.contains_key(&key_id) {
            return;
        }
        let opts = RenewOptions::for_profile(&self.settings, &name, self.now);
        let iam = current::sessions(
            &self.data.map,
            &self.data.profiles,
            &SecureSessions::default(),
            &name,
            &opts,
        )
        .ok()
        .and_then(|found| current::fresh(&found, self.now, 60).map(|s| s.credentials.clone()))
        .unwrap_or_else(|| place.credentials.clone());
        let site = site_for(&self.data.map, self.data.map.profile(&place.profile), &opts);
        self.key_ages.insert(key_id.clone(), KeyAge::Fetching);
        commands.push(Command::FetchKeyAge {
            key_id,
            site: Box::new(site),
            keys: Box::new(place.credentials),
            iam: Box::new(iam),
        });
    }

    /// The age of the key of `profile`, if it holds one, with whether it is due for rotation.
    pub fn key_age_of(&self, profile: &crate::awsfiles::Profile) -> Option<(KeyAge, bool)> {
        let place = [
            Some(profile.name.as_str()),
            profile.long_term_profile.as_deref(),
        ]
        .into_iter()
        .flatten()
        .find_map(|n| key_place(&self.data.map, n))?;
        let age = self.key_ages.get(&place.credentials.access_key_id)?.clone();
        let old = matches!(&age, KeyAge::Known(t) if (self.now - *t).num_seconds() >= self.settings.key_max_age_secs);
        Some((age, old))
    }
}
