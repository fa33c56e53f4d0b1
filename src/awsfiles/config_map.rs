//! The merged view of config + credentials, built exactly as botocore's `Session.full_config`.
//!
//! Config file: `[default]` and `[profile NAME]` become profiles (the name read with
//! `shlex.split`, so `[profile "a b"]` is `a b` and `[profilex]` is ignored), `[sso-session N]`
//! and `[services N]` their own maps, other sections stay top-level. Credentials file: every
//! section is a profile named literally; its keys override the config's key by key.

use super::shlex;
use super::syntax::{Entry, Section, Structure};
use serde_json::{Map, Value as Json};
use std::collections::{BTreeMap, HashMap};

/// One setting's value: text, or a nested block such as `s3 =\n  addressing_style = path`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Value {
    /// A plain value.
    Text(String),
    /// A nested block's settings (keys keep their case; a repeated key keeps the last value).
    Nested(BTreeMap<String, String>),
}

impl Value {
    /// The text of a plain value; `None` for a nested block.
    pub fn as_text(&self) -> Option<&str> {
        match self {
            Value::Text(t) => Some(t),
            Value::Nested(_) => None,
        }
    }
}

/// All settings of one section or profile, by lower-case key. A handful of keys each, so a
/// small vector: less memory and faster lookups than a tree for 10,000 profiles.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Settings(Vec<(String, Value)>);

impl Settings {
    /// The value of `key`.
    pub fn get(&self, key: &str) -> Option<&Value> {
        self.0.iter().find(|(k, _)| k == key).map(|(_, v)| v)
    }

    /// Whether `key` is set.
    pub fn contains_key(&self, key: &str) -> bool {
        self.get(key).is_some()
    }

    /// Every key and value, in file order.
    pub fn iter(&self) -> impl Iterator<Item = (&String, &Value)> {
        self.0.iter().map(|(k, v)| (k, v))
    }

    /// Sets `key`, replacing an earlier value.
    fn insert(&mut self, key: String, value: Value) {
        match self.0.iter_mut().find(|(k, _)| *k == key) {
            Some(slot) => slot.1 = value,
            None => self.0.push((key, value)),
        }
    }
}

impl FromIterator<(String, Value)> for Settings {
    fn from_iter<I: IntoIterator<Item = (String, Value)>>(iter: I) -> Self {
        let mut settings = Settings::default();
        settings.extend(iter);
        settings
    }
}

impl Extend<(String, Value)> for Settings {
    fn extend<I: IntoIterator<Item = (String, Value)>>(&mut self, iter: I) {
        for (k, v) in iter {
            self.insert(k, v);
        }
    }
}

/// Which of the two shared files something comes from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum FileKind {
    /// `~/.aws/config` (or `AWS_CONFIG_FILE`).
    Config,
    /// `~/.aws/credentials` (or `AWS_SHARED_CREDENTIALS_FILE`).
    Credentials,
}

impl FileKind {
    /// A short lower-case name for messages.
    pub fn label(self) -> &'static str {
        match self {
            FileKind::Config => "config",
            FileKind::Credentials => "credentials",
        }
    }
}

/// A profile's merged settings and the sections they were read from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ProfileSettings {
    /// Merged settings: credentials-file keys win over config-file keys.
    pub settings: Settings,
    /// The config section that defines it (e.g. `profile dev`), if any.
    pub config_section: Option<String>,
    /// The credentials section that defines it, if any.
    pub credentials_section: Option<String>,
}

impl ProfileSettings {
    /// The text value of `key`, if set and not a nested block.
    pub fn get(&self, key: &str) -> Option<&str> {
        self.settings.get(key).and_then(Value::as_text)
    }

    /// Whether `key` is set at all (botocore tests presence, not emptiness).
    pub fn has(&self, key: &str) -> bool {
        self.settings.contains_key(key)
    }
}

/// The full merged configuration.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ConfigMap {
    profiles: Vec<(String, ProfileSettings)>,
    index: HashMap<String, usize>,
    /// `[sso-session NAME]` sections of the config file.
    pub sso_sessions: BTreeMap<String, Settings>,
    /// `[services NAME]` sections of the config file.
    pub services: BTreeMap<String, Settings>,
    /// Any other config-file section, by its literal name.
    pub other: BTreeMap<String, Settings>,
}

impl ConfigMap {
    /// Builds the merged map from the two files' structures (consumed: their strings move in).
    pub fn build(config: Structure, credentials: Structure) -> ConfigMap {
        let mut map = ConfigMap::default();
        let defaults = config.defaults;
        for section in config.sections {
            let name = section.name.clone();
            let values = settings_of(&defaults, section);
            if name.starts_with("profile") {
                if let Some(profile) = second_word(&name) {
                    map.put_config_profile(profile, values, &name);
                }
            } else if name.starts_with("sso-session") {
                if let Some(session) = second_word(&name) {
                    map.sso_sessions.insert(session, values);
                }
            } else if name.starts_with("services") {
                if let Some(service) = second_word(&name) {
                    map.services.insert(service, values);
                }
            } else if name == "default" {
                map.put_config_profile(name.clone(), values, &name);
            } else {
                map.other.insert(name, values);
            }
        }
        let defaults = credentials.defaults;
        for section in credentials.sections {
            let name = section.name.clone();
            let values = settings_of(&defaults, section);
            let entry = map.entry(&name);
            entry.settings.extend(values.0);
            entry.credentials_section = Some(name);
        }
        map
    }

    /// Profiles in botocore's order: config-file order, then credentials-only profiles.
    pub fn profiles(&self) -> impl ExactSizeIterator<Item = (&str, &ProfileSettings)> {
        self.profiles.iter().map(|(n, p)| (n.as_str(), p))
    }

    /// One profile's settings.
    pub fn profile(&self, name: &str) -> Option<&ProfileSettings> {
        self.index.get(name).map(|&i| &self.profiles[i].1)
    }

    /// The map as botocore's `full_config` dict serialized to JSON (used to compare with botocore).
    pub fn to_botocore_json(&self) -> Json {
        let settings_json = |s: &Settings| -> Json {
            Json::Object(
                s.iter()
                    .map(|(k, v)| {
                        let v = match v {
                            Value::Text(t) => Json::String(t.clone()),
                            Value::Nested(n) => Json::Object(
                                n.iter()
                                    .map(|(k, v)| (k.clone(), Json::String(v.clone())))
                                    .collect(),
                            ),
                        };
                        (k.clone(), v)
                    })
                    .collect(),
            )
        };
        let group = |m: &BTreeMap<String, Settings>| -> Json {
            Json::Object(
                m.iter()
                    .map(|(k, v)| (k.clone(), settings_json(v)))
                    .collect(),
            )
        };
        let mut out: Map<String, Json> = self
            .other
            .iter()
            .map(|(k, v)| (k.clone(), settings_json(v)))
            .collect();
        out.insert(
            "profiles".into(),
            Json::Object(
                self.profiles
                    .iter()
                    .map(|(k, p)| (k.clone(), settings_json(&p.settings)))
                    .collect(),
            ),
        );
        out.insert("sso_sessions".into(), group(&self.sso_sessions));
        out.insert("services".into(), group(&self.services));
        Json::Object(out)
    }

    fn entry(&mut self, name: &str) -> &mut ProfileSettings {
        let i = match self.index.get(name) {
            Some(&i) => i,
            None => {
                self.profiles.push((
                    name.to_owned(),
                    ProfileSettings {
                        settings: Settings::default(),
                        config_section: None,
                        credentials_section: None,
                    },
                ));
                self.index.insert(name.to_owned(), self.profiles.len() - 1);
                self.profiles.len() - 1
            }
        };
        &mut self.profiles[i].1
    }

    /// A later config section for the same profile replaces the earlier one wholesale, as
    /// Python's `dict.update` does in botocore's `build_profile_map`.
    fn put_config_profile(&mut self, name: String, values: Settings, section: &str) {
        let entry = self.entry(&name);
        entry.settings = values;
        entry.config_section = Some(section.to_owned());
    }
}

/// `_parse_section`: the second word of a header with exactly two `shlex` words.
fn second_word(header: &str) -> Option<String> {
    if !header.contains(['\'', '"', '\\']) {
        // Without quotes or escapes, shlex splits at whitespace only.
        let mut words = header
            .split([' ', '\t', '\r', '\n'])
            .filter(|w| !w.is_empty());
        let (_, second, third) = (words.next()?, words.next()?, words.next());
        return third.is_none().then(|| second.to_owned());
    }
    let mut words = shlex::split(header)?;
    (words.len() == 2).then(|| words.swap_remove(1))
}

/// The section's settings as `cp.options()` + `cp.get()` yield them: its own keys, then the
/// `[DEFAULT]` keys it does not set itself; nested blocks parsed.
fn settings_of(defaults: &[Entry], section: Section) -> Settings {
    let inherited: Vec<Entry> = defaults
        .iter()
        .filter(|d| section.entry(&d.key).is_none())
        .cloned()
        .collect();
    section
        .entries
        .into_iter()
        .chain(inherited)
        .map(|e| {
            let value = match e.nested() {
                Some(pairs) => Value::Nested(pairs.into_iter().collect()),
                None => Value::Text(e.value),
            };
            (e.key, value)
        })
        .collect()
}
