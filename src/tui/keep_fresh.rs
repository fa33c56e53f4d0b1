//! Profiles kept fresh (`f`, saved as `keep_fresh = true` in the settings): while the TUI is
//! open, each is renewed ahead of expiry — `sessions.refresh_before` before it — whenever that
//! needs no code (a role assumed with a still-fresh MFA session), written with a backup as
//! usual, with a toast. Where a code would be needed, the row warns instead.

use super::app::{App, Command};
use crate::renew::plan::plan;
use crate::renew::RenewOptions;
use crate::settings::ProfileChange;
use chrono::{DateTime, Utc};
use std::collections::{BTreeSet, HashMap};

/// A failed attempt is retried after this long, not on every tick.
const RETRY_SECS: i64 = 60;

/// What the TUI knows about its kept-fresh profiles.
#[derive(Clone, Debug, Default)]
pub struct KeepFreshState {
    /// Renewals under way.
    pub running: BTreeSet<String>,
    /// When each was last tried.
    pub tried: HashMap<String, DateTime<Utc>>,
    /// Profiles that are due but cannot be renewed unattended, with the reason.
    pub warnings: HashMap<String, String>,
}

impl App {
    /// Whether `name` is kept fresh.
    pub fn kept_fresh(&self, name: &str) -> bool {
        self.settings
            .profiles
            .get(name)
            .is_some_and(|o| o.keep_fresh)
    }

    /// `f` on the table: keeps the selected profile fresh, or stops.
    pub(super) fn toggle_keep_fresh(&mut self) -> Vec<Command> {
        let Some(name) = self.selected_profile().map(|p| p.name.to_string()) else {
            return Vec::new();
        };
        let on = !self.kept_fresh(&name);
        self.fresh.warnings.remove(&name);
        vec![Command::SaveProfile {
            profile: name,
            change: ProfileChange::KeepFresh(on),
        }]
    }

    /// On every tick: the kept-fresh profiles that are due and need no code are renewed.
    pub(super) fn keep_fresh_due(&mut self) -> Vec<Command> {
        let mut names: Vec<String> = self
            .settings
            .profiles
            .iter()
            .filter(|(_, o)| o.keep_fresh)
            .map(|(n, _)| n.clone())
            .collect();
        names.sort();
        let mut commands = Vec::new();
        for name in names {
            let Some(profile) = self.data.profiles.iter().find(|p| p.name == name.as_str()) else {
                continue;
            };
            let (expiry, _) = self.shown_expiry(profile);
            let due = expiry.at().is_none_or(|at| {
                (at - self.now).num_seconds() <= self.settings.refresh_before_secs
            });
            let recent = self
                .fresh
                .tried
                .get(&name)
                .is_some_and(|t| (self.now - *t).num_seconds() < RETRY_SECS);
            if !due {
                self.fresh.warnings.remove(&name);
                continue;
            }
            if self.fresh.running.contains(&name) || recent {
                continue;
            }
            let opts = RenewOptions::for_profile(&self.settings, &name, self.now);
            match plan(&self.data.map, &self.data.profiles, &name, &opts) {
                Ok(renewal) if !renewal.needs_code() => {
                    self.fresh.warnings.remove(&name);
                    self.fresh.running.insert(name.clone());
                    self.fresh.tried.insert(name, self.now);
                    commands.push(Command::KeepFresh {
                        renewal: Box::new(renewal),
                        files: Box::new(self.data.files.clone()),
                    });
                }
                Ok(_) => {
                    self.fresh.warnings.insert(
                        name,
                        "expires soon and needs an MFA code: renew it by hand (⏎)".to_owned(),
                    );
                }
                Err(why) => {
                    self.fresh.warnings.insert(name, why);
                }
            }
        }
        commands
    }

    /// A background renewal of a kept-fresh profile finished.
    pub(super) fn on_kept_fresh(
        &mut self,
        profile: String,
        result: Result<String, String>,
    ) -> Vec<Command> {
        self.fresh.running.remove(&profile);
        match result {
            Ok(text) => {
                self.toast(format!("⟳ Kept {profile} fresh: {text}"), false);
                vec![Command::Reload]
            }
            Err(why) => {
                self.toast(format!("Keeping {profile} fresh failed: {why}"), true);
                self.fresh.warnings.insert(profile, why);
                Vec::new()
            }
        }
    }
}
