//! The environment variables of a run, captured once at the entry point: nothing below it
//! reads the process environment on its own.

use std::collections::HashMap;
use std::time::Duration;

/// The environment variables of the run, captured once.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Env(HashMap<String, String>);

impl Env {
    /// The process environment (variables that are not UTF-8 are left out).
    pub fn from_process() -> Env {
        Env(std::env::vars().collect())
    }

    /// An environment of exactly these variables (for tests and sandboxes).
    pub fn from_pairs(pairs: &[(&str, &str)]) -> Env {
        Env(pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect())
    }

    /// The value of `key`, if set and not empty.
    pub fn get(&self, key: &str) -> Option<&str> {
        self.0
            .get(key)
            .map(String::as_str)
            .filter(|v| !v.is_empty())
    }

    /// `key` as a number of seconds, or `default`.
    pub fn seconds(&self, key: &str, default: u64) -> Duration {
        Duration::from_secs(
            self.get(key)
                .and_then(|v| v.trim().parse().ok())
                .unwrap_or(default),
        )
    }

    /// Every variable (set ones only).
    pub fn vars(&self) -> impl Iterator<Item = (&str, &str)> {
        self.0.iter().map(|(k, v)| (k.as_str(), v.as_str()))
    }

    /// A lookup function over this environment (owned values), for code that takes one.
    pub fn lookup(&self) -> impl Fn(&str) -> Option<String> + '_ {
        move |k| self.get(k).map(str::to_owned)
    }
}
