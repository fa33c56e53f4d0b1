//! The merged view of config + credentials, built exactly as botocore's `Session.full_config`.
//!
//! Config file: `[default]` and `[profile NAME]` become profiles (the name read with
//! `shlex.split`, so `[profile "a b"]` is `a b` and `[profilex]` is ignored), `[sso-session N]`
//! and `[services N]` their own maps, other sections stay top-level. Credentials file: every
//! section is a profile named literally; its keys override the config's key by key.

use super::shlex;
use super::syntax::{Entry, Section, Structure};
use foldhash::{HashMap, HashMapExt};
use serde_json::{Map, Value as Json};
use std::borrow::Cow;
use std::collections::BTreeMap;

/// One setting's value: text, or a nested block such as `s3 =\n  addressing_style = path`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Value<'s> {
    /// A plain value.
    Text(&'s str),
    /// A nested block's settings (keys keep their case; a repeated key keeps the last value).
    Nested(BTreeMap<String, String>),
}

/// All settings of one section or profile, by lower-case key, in file order. The entries are
/// the ones read from the file, moved here as they are (no copy), so they still borrow the
/// file's text until [`ConfigMap::into_owned`]. A handful of keys each: a small vector is
/// leaner and faster than a tree for 10,000 profiles.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Settings<'a>(Vec<Entry<'a>>);

impl<'a> Settings<'a> {
    /// The value of `key`.
    pub fn get(&self, key: &str) -> Option<Value<'_>> {
        self.entry(key).map(value_of)
    }

    /// The text value of `key`, if set and not a nested block.
    pub fn text(&self, key: &str) -> Option<&str> {
        // Only a nested block's value starts with a line break (syntax::read checks them).
        let value = &self.entry(key)?.value;
        (!value.starts_with('\n')).then_some(value.as_ref())
    }

    /// Whether `key` is set.
    pub fn contains_key(&self, key: &str) -> bool {
        self.entry(key).is_some()
    }

    /// Every key and value, in file order.
    pub fn iter(&self) -> impl Iterator<Item = (&str, Value<'_>)> {
        self.0.iter().map(|e| (e.key.as_ref(), value_of(e)))
    }

    fn entry(&self, key: &str) -> Option<&Entry<'a>> {
        self.0.iter().find(|e| e.key == key)
    }

    /// Sets every entry of `other`, each replacing an earlier value of the same key.
    fn overlay(&mut self, other: Vec<Entry<'a>>) {
        for entry in other {
            match self.0.iter_mut().find(|e| e.key == entry.key) {
                Some(slot) => *slot = entry,
                None => self.0.push(entry),
            }
        }
    }

    fn into_owned(self) -> Settings<'static> {
        Settings(self.0.into_iter().map(Entry::into_owned).collect())
    }
}

fn value_of<'s>(entry: &'s Entry<'_>) -> Value<'s> {
    match entry.nested() {
        Some(pairs) => Value::Nested(pairs.into_iter().collect()),
        None => Value::Text(&entry.value),
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
pub struct ProfileSettings<'a> {
    /// Merged settings: credentials-file keys win over config-file keys.
    pub settings: Settings<'a>,
    /// The config section that defines it (e.g. `profile dev`), if any.
    pub config_section: Option<Cow<'a, str>>,
    /// The credentials section that defines it, if any.
    pub credentials_section: Option<Cow<'a, str>>,
}

impl ProfileSettings<'_> {
    /// The text value of `key`, if set and not a nested block.
    pub fn get(&self, key: &str) -> Option<&str> {
        self.settings.text(key)
    }

    /// Whether `key` is set at all (botocore tests presence, not emptiness).
    pub fn has(&self, key: &str) -> bool {
        self.settings.contains_key(key)
    }
}

/// The full merged configuration. Borrows the files' text (see [`ConfigMap::into_owned`]).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ConfigMap<'a> {
    profiles: Vec<(Cow<'a, str>, ProfileSettings<'a>)>,
    index: HashMap<Cow<'a, str>, usize>,
    /// `[sso-session NAME]` sections of the config file.
    pub sso_sessions: BTreeMap<String, Settings<'a>>,
    /// `[services NAME]` sections of the config file.
    pub services: BTreeMap<String, Settings<'a>>,
    /// Any other config-file section, by its literal name.
    pub other: BTreeMap<String, Settings<'a>>,
}

impl<'a> ConfigMap<'a> {
    /// Builds the merged map from the two files' structures (consumed: their values move in).
    pub fn build(config: Structure<'a>, credentials: Structure<'a>) -> ConfigMap<'a> {
        let mut map = ConfigMap {
            profiles: Vec::with_capacity(config.sections.len()),
            index: HashMap::with_capacity(config.sections.len()),
            ..ConfigMap::default()
        };
        let defaults = config.defaults;
        for section in config.sections {
            let name = section.name;
            let values = settings_of(&defaults, section);
            if name.starts_with("profile") {
                if let Some(profile) = second_word(name) {
                    map.put_config_profile(profile, values, name);
                }
            } else if name.starts_with("sso-session") {
                if let Some(session) = second_word(name) {
                    map.sso_sessions.insert(session.into_owned(), values);
                }
            } else if name.starts_with("services") {
                if let Some(service) = second_word(name) {
                    map.services.insert(service.into_owned(), values);
                }
            } else if name == "default" {
                map.put_config_profile(Cow::Borrowed(name), values, name);
            } else {
                map.other.insert(name.to_owned(), values);
            }
        }
        let defaults = credentials.defaults;
        for section in credentials.sections {
            let name = section.name;
            let values = settings_of(&defaults, section);
            let entry = map.entry(Cow::Borrowed(name));
            entry.settings.overlay(values.0);
            entry.credentials_section = Some(Cow::Borrowed(name));
        }
        map
    }

    /// The same map holding its own copies of every string, so it can outlive the files.
    pub fn into_owned(self) -> ConfigMap<'static> {
        let owned = |s: Cow<'a, str>| -> Cow<'static, str> { Cow::Owned(s.into_owned()) };
        let group = |m: BTreeMap<String, Settings<'a>>| {
            m.into_iter()
                .map(|(k, v)| (k, v.into_owned()))
                .collect::<BTreeMap<_, _>>()
        };
        let profiles: Vec<_> = self
            .profiles
            .into_iter()
            .map(|(name, p)| {
                let p = ProfileSettings {
                    settings: p.settings.into_owned(),
                    config_section: p.config_section.map(owned),
                    credentials_section: p.credentials_section.map(owned),
                };
                (owned(name), p)
            })
            .collect();
        let index = profiles
            .iter()
            .enumerate()
            .map(|(i, (name, _))| (name.clone(), i))
            .collect();
        ConfigMap {
            profiles,
            index,
            sso_sessions: group(self.sso_sessions),
            services: group(self.services),
            other: group(self.other),
        }
    }

    /// Profiles in botocore's order: config-file order, then credentials-only profiles.
    pub fn profiles(&self) -> impl ExactSizeIterator<Item = (&str, &ProfileSettings<'a>)> {
        self.profiles.iter().map(|(n, p)| (n.as_ref(), p))
    }

    /// One profile's settings.
    pub fn profile(&self, name: &str) -> Option<&ProfileSettings<'a>> {
        self.index.get(name).map(|&i| &self.profiles[i].1)
    }

    /// The map as botocore's `full_config` dict serialized to JSON (used to compare with botocore).
    pub fn to_botocore_json(&self) -> Json {
        let settings_json = |s: &Settings| -> Json {
            Json::Object(
                s.iter()
                    .map(|(k, v)| {
                        let v = match v {
                            Value::Text(t) => Json::String(t.to_owned()),
                            Value::Nested(n) => Json::Object(
                                n.iter()
                                    .map(|(k, v)| (k.clone(), Json::String(v.clone())))
                                    .collect(),
                            ),
                        };
                        (k.to_owned(), v)
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
                    .map(|(k, p)| (k.to_string(), settings_json(&p.settings)))
                    .collect(),
            ),
        );
        out.insert("sso_sessions".into(), group(&self.sso_sessions));
        out.insert("services".into(), group(&self.services));
        Json::Object(out)
    }

    /// The profile named `name`, added (empty) at the end if it is new.
    fn entry(&mut self, name: Cow<'a, str>) -> &mut ProfileSettings<'a> {
        let i = match self.index.get(name.as_ref()) {
            Some(&i) => i,
            None => {
                self.index.insert(name.clone(), self.profiles.len());
                self.profiles.push((
                    name,
                    ProfileSettings {
                        settings: Settings::default(),
                        config_section: None,
                        credentials_section: None,
                    },
                ));
                self.profiles.len() - 1
            }
        };
        &mut self.profiles[i].1
    }

    /// A later config section for the same profile replaces the earlier one wholesale, as
    /// Python's `dict.update` does in botocore's `build_profile_map`.
    fn put_config_profile(&mut self, name: Cow<'a, str>, values: Settings<'a>, section: &'a str) {
        let entry = self.entry(name);
        entry.settings = values;
        entry.config_section = Some(Cow::Borrowed(section));
    }
}

/// `_parse_section`: the second word of a header with exactly two `shlex` words.
fn second_word(header: &str) -> Option<Cow<'_, str>> {
    if !header.bytes().any(|b| matches!(b, b'\'' | b'"' | b'\\')) {
        // Without quotes or escapes, shlex splits at whitespace only.
        let mut words = shell_words(header);
        let (_, second, third) = (words.next()?, words.next()?, words.next());
        return third.is_none().then_some(Cow::Borrowed(second));
    }
    let mut words = shlex::split(header)?;
    (words.len() == 2).then(|| Cow::Owned(words.swap_remove(1)))
}

/// Words separated by shlex's whitespace (space, tab, CR, LF), for text without quotes.
fn shell_words(text: &str) -> impl Iterator<Item = &str> {
    let bytes = text.as_bytes();
    let space = |b: u8| matches!(b, b' ' | b'\t' | b'\r' | b'\n');
    let mut at = 0;
    std::iter::from_fn(move || {
        while at < bytes.len() && space(bytes[at]) {
            at += 1;
        }
        let start = at;
        while at < bytes.len() && !space(bytes[at]) {
            at += 1;
        }
        (at > start).then(|| &text[start..at])
    })
}

/// The section's settings as `cp.options()` + `cp.get()` yield them: its own keys, then the
/// `[DEFAULT]` keys it does not set itself.
fn settings_of<'a>(defaults: &[Entry<'a>], section: Section<'a>) -> Settings<'a> {
    let mut entries = section.entries;
    if !defaults.is_empty() {
        let own = entries.len();
        for d in defaults {
            if !entries[..own].iter().any(|e| e.key == d.key) {
                entries.push(d.clone());
            }
        }
    }
    Settings(entries)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        /// The quick path for headers without quotes agrees with the full shlex reading.
        #[test]
        fn second_word_matches_shlex(words in prop::collection::vec("[a-z0-9é-]{0,5}", 0..4),
                                     gaps in prop::collection::vec("[ \t\r\n]{1,3}", 4)) {
            let header: String = words
                .iter()
                .zip(&gaps)
                .flat_map(|(w, g)| [w.as_str(), g.as_str()])
                .collect();
            let expected = shlex::split(&header)
                .filter(|w| w.len() == 2)
                .map(|w| w[1].clone());
            prop_assert_eq!(second_word(&header).map(Cow::into_owned), expected);
        }
    }
}
