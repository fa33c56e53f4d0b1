//! The merged view of config + credentials, built exactly as botocore's `Session.full_config`.
//!
//! Config file: `[default]` and `[profile NAME]` become profiles (the name read with
//! `shlex.split`, so `[profile "a b"]` is `a b` and `[profilex]` is ignored), `[sso-session N]`
//! and `[services N]` their own maps, other sections stay top-level. Credentials file: every
//! section is a profile named literally; its keys override the config's key by key.

use super::shlex;
use super::syntax::{Entry, Structure};
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

/// All settings of one section or profile, by lower-case key: a view into the files'
/// structures, so nothing is copied. A profile's settings come in four layers, strongest
/// first: its credentials section, the credentials `[DEFAULT]`, its config section, the config
/// `[DEFAULT]` (a `[DEFAULT]` counts only where the file has the section).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Layers<'m> {
    layers: [&'m [Entry<'m>]; 4],
}

impl<'m> Layers<'m> {
    /// A config-file section's settings: its own, then the `[DEFAULT]` ones it does not set.
    fn config(structure: &'m Structure<'m>, section: usize) -> Self {
        let mut s = Layers::default();
        s.set_config(structure, section);
        s
    }

    fn set_config(&mut self, structure: &'m Structure<'m>, section: usize) {
        self.layers[2] = structure.section_at(section).entries;
        self.layers[3] = &structure.defaults;
    }

    fn set_credentials(&mut self, structure: &'m Structure<'m>, section: usize) {
        self.layers[0] = structure.section_at(section).entries;
        self.layers[1] = &structure.defaults;
    }

    /// The value of `key`.
    pub fn get(&self, key: &str) -> Option<Value<'m>> {
        self.entry(key).map(value_of)
    }

    /// The text value of `key`, if set and not a nested block.
    pub fn text(&self, key: &str) -> Option<&'m str> {
        // Only a nested block's value starts with a line break (syntax::read checks them).
        let value = &self.entry(key)?.value;
        (!value.starts_with('\n')).then_some(value.as_ref())
    }

    /// Whether `key` is set.
    pub fn contains_key(&self, key: &str) -> bool {
        self.entry(key).is_some()
    }

    /// Every key and value in the order botocore's dict holds them: config keys first (own,
    /// then inherited), then credentials keys the config does not have; each key with the
    /// value of its strongest layer.
    pub fn iter(&self) -> impl Iterator<Item = (&'m str, Value<'m>)> + '_ {
        const ORDER: [usize; 4] = [2, 3, 0, 1];
        ORDER.iter().enumerate().flat_map(move |(n, &layer)| {
            self.layers[layer].iter().filter_map(move |e| {
                let earlier = ORDER[..n]
                    .iter()
                    .any(|&l| self.layers[l].iter().any(|x| x.key == e.key));
                (!earlier).then(|| (e.key.as_ref(), self.get(&e.key).expect("key is set")))
            })
        })
    }

    /// Every setting a lookup can see, strongest layer first (a key may appear more than once;
    /// its first appearance is the one that counts).
    pub fn entries(&self) -> impl Iterator<Item = &'m Entry<'m>> + '_ {
        self.layers.iter().flat_map(|l| l.iter())
    }

    fn entry(&self, key: &str) -> Option<&'m Entry<'m>> {
        self.entries().find(|e| e.key == key)
    }
}

fn value_of<'m>(entry: &'m Entry<'_>) -> Value<'m> {
    match entry.nested() {
        Some(pairs) => Value::Nested(pairs.into_iter().collect()),
        None => Value::Text(&entry.value),
    }
}

/// The config-file section for a profile that has none yet, as botocore reads it back:
/// `default`, `profile NAME`, or `profile "NAME"` when the name has spaces or quotes
/// (botocore splits the header with `shlex`, so `[profile my profile]` would be ignored).
pub fn config_section_name(profile: &str) -> String {
    if profile == "default" {
        return "default".to_owned();
    }
    let plain = !profile.is_empty()
        && !profile
            .chars()
            .any(|c| c.is_whitespace() || matches!(c, '"' | '\'' | '\\' | '#' | ';' | '[' | ']'));
    if plain {
        format!("profile {profile}")
    } else if !profile.contains(['"', '\\']) {
        format!("profile \"{profile}\"")
    } else {
        format!("profile {}", super::shlex::quote(profile))
    }
}

/// The profile botocore reads a config-file section as, if any: `default` for `[default]`,
/// NAME for `[profile NAME]` (read with `shlex`, so `[profile "default"]` and
/// `[profile  default]` are `default` too), none for any other section.
pub fn config_section_profile(section: &str) -> Option<Cow<'_, str>> {
    if section == "default" {
        Some(Cow::Borrowed(section))
    } else if section.starts_with("profile") {
        second_word(section)
    } else {
        None
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
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ProfileSettings<'m> {
    /// Merged settings: credentials-file keys win over config-file keys.
    pub settings: Layers<'m>,
    /// The config section that defines it (e.g. `profile dev`), if any.
    pub config_section: Option<&'m str>,
    /// The credentials section that defines it, if any.
    pub credentials_section: Option<&'m str>,
}

impl<'m> ProfileSettings<'m> {
    /// The text value of `key`, if set and not a nested block.
    pub fn get(&self, key: &str) -> Option<&'m str> {
        self.settings.text(key)
    }

    /// Whether `key` is set at all (botocore tests presence, not emptiness).
    pub fn has(&self, key: &str) -> bool {
        self.settings.contains_key(key)
    }

    /// The text value of `key` when its line is written as every SDK reads it (the key in
    /// lower case, then `=`: see `syntax::Entry::plain`).
    pub fn get_plain(&self, key: &str) -> Option<&'m str> {
        self.settings
            .entry(key)
            .filter(|e| e.plain)
            .and_then(|_| self.get(key))
    }

    /// The same profile as the credentials file alone defines it.
    pub fn credentials_only(&self) -> ProfileSettings<'m> {
        let mut settings = self.settings;
        settings.layers[2] = &[];
        settings.layers[3] = &[];
        ProfileSettings {
            settings,
            config_section: None,
            credentials_section: self.credentials_section,
        }
    }

    /// The same profile as the config file alone defines it (the credentials file's keys,
    /// which shadow it for the AWS CLI, left out).
    pub fn config_only(&self) -> ProfileSettings<'m> {
        let mut settings = self.settings;
        settings.layers[0] = &[];
        settings.layers[1] = &[];
        ProfileSettings {
            settings,
            config_section: self.config_section,
            credentials_section: None,
        }
    }
}

/// Where one profile's settings are: its name and the sections that define it.
#[derive(Clone, Debug, PartialEq, Eq)]
struct ProfileSlot<'a> {
    name: Cow<'a, str>,
    config: Option<usize>,
    credentials: Option<usize>,
}

/// The profiles' positions by name: a hash table of 4-byte positions into the slots, which
/// hold the names (a map keyed by the names would copy every one of them).
#[derive(Clone, Default)]
struct NameIndex(hashbrown::HashTable<u32>);

impl NameIndex {
    fn with_capacity(capacity: usize) -> NameIndex {
        NameIndex(hashbrown::HashTable::with_capacity(capacity))
    }

    fn hash(name: &str) -> u64 {
        use std::hash::BuildHasher;
        foldhash::fast::FixedState::default().hash_one(name)
    }

    /// The position of the slot named `name`.
    fn find(&self, slots: &[ProfileSlot], name: &str) -> Option<usize> {
        self.0
            .find(NameIndex::hash(name), |&at| slots[at as usize].name == name)
            .map(|&at| at as usize)
    }

    /// Indexes the slot at `at` (whose name is not indexed yet).
    fn insert(&mut self, slots: &[ProfileSlot], at: usize) {
        let position = u32::try_from(at).expect("fewer than 4 billion profiles");
        self.0
            .insert_unique(NameIndex::hash(&slots[at].name), position, |&other| {
                NameIndex::hash(&slots[other as usize].name)
            });
    }
}

impl std::fmt::Debug for NameIndex {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "NameIndex({} names)", self.0.len())
    }
}

/// The index follows from the slots it indexes: two maps with equal slots are equal.
impl PartialEq for NameIndex {
    fn eq(&self, other: &NameIndex) -> bool {
        self.0.len() == other.0.len()
    }
}

impl Eq for NameIndex {}

/// The full merged configuration. Holds the two files' structures (which borrow the files'
/// text, see [`ConfigMap::into_owned`]) and, per profile, which sections define it.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ConfigMap<'a> {
    config: Structure<'a>,
    credentials: Structure<'a>,
    profiles: Vec<ProfileSlot<'a>>,
    index: NameIndex,
    /// `[sso-session NAME]` sections of the config file, by name.
    sso_sessions: BTreeMap<String, usize>,
    /// `[services NAME]` sections of the config file, by name.
    services: BTreeMap<String, usize>,
    /// Any other config-file section, by its literal name.
    other: BTreeMap<String, usize>,
}

impl<'a> ConfigMap<'a> {
    /// Builds the merged map from the two files' structures.
    pub fn build(config: Structure<'a>, credentials: Structure<'a>) -> ConfigMap<'a> {
        let capacity = config.sections().len() + credentials.sections().len();
        let mut map = ConfigMap {
            profiles: Vec::with_capacity(capacity),
            index: NameIndex::with_capacity(capacity),
            ..ConfigMap::default()
        };
        // A later config section for the same profile replaces the earlier one wholesale (its
        // slot's section is overwritten), as Python's `dict.update` does in botocore's
        // `build_profile_map`.
        for i in 0..config.sections().len() {
            let name = config.name_at(i);
            if name.starts_with("profile") {
                if let Some(profile) = second_word_of(name) {
                    map.slot(profile).config = Some(i);
                }
            } else if name.starts_with("sso-session") {
                if let Some(session) = second_word(name) {
                    map.sso_sessions.insert(session.into_owned(), i);
                }
            } else if name.starts_with("services") {
                if let Some(service) = second_word(name) {
                    map.services.insert(service.into_owned(), i);
                }
            } else if name == "default" {
                map.slot(name.clone()).config = Some(i);
            } else {
                map.other.insert(name.as_ref().to_owned(), i);
            }
        }
        for i in 0..credentials.sections().len() {
            map.slot(credentials.name_at(i).clone()).credentials = Some(i);
        }
        map.config = config;
        map.credentials = credentials;
        map
    }

    /// The same map holding its own copies of every string, so it can outlive the files.
    pub fn into_owned(self) -> ConfigMap<'static> {
        let profiles: Vec<ProfileSlot<'static>> = self
            .profiles
            .into_iter()
            .map(|p| ProfileSlot {
                name: Cow::Owned(p.name.into_owned()),
                config: p.config,
                credentials: p.credentials,
            })
            .collect();
        let mut index = NameIndex::with_capacity(profiles.len());
        for at in 0..profiles.len() {
            index.insert(&profiles, at);
        }
        ConfigMap {
            config: self.config.into_owned(),
            credentials: self.credentials.into_owned(),
            profiles,
            index,
            sso_sessions: self.sso_sessions,
            services: self.services,
            other: self.other,
        }
    }

    /// Profiles in botocore's order: config-file order, then credentials-only profiles.
    pub fn profiles(&self) -> impl ExactSizeIterator<Item = (&str, ProfileSettings<'_>)> {
        self.profiles
            .iter()
            .map(|p| (p.name.as_ref(), self.settings_of(p)))
    }

    /// How many profiles there are.
    pub fn profile_count(&self) -> usize {
        self.profiles.len()
    }

    /// The `index`-th profile in botocore's order and its settings.
    ///
    /// # Panics
    /// If there are not that many profiles.
    pub fn profile_at(&self, index: usize) -> (&str, ProfileSettings<'_>) {
        let slot = &self.profiles[index];
        (slot.name.as_ref(), self.settings_of(slot))
    }

    /// Where profile `name` stands in botocore's order.
    pub fn position(&self, name: &str) -> Option<usize> {
        self.index.find(&self.profiles, name)
    }

    /// Whether any section of either file (`[DEFAULT]` included) sets one of `keys`: a quick
    /// test before looking for the profiles that do.
    pub fn mentions(&self, keys: &[&str]) -> bool {
        self.config.mentions(keys) || self.credentials.mentions(keys)
    }

    /// One profile's settings.
    pub fn profile(&self, name: &str) -> Option<ProfileSettings<'_>> {
        self.index
            .find(&self.profiles, name)
            .map(|i| self.settings_of(&self.profiles[i]))
    }

    /// The settings of `[sso-session NAME]`.
    pub fn sso_session(&self, name: &str) -> Option<Layers<'_>> {
        let &i = self.sso_sessions.get(name)?;
        Some(Layers::config(&self.config, i))
    }

    /// The settings of `[services NAME]`.
    pub fn service(&self, name: &str) -> Option<Layers<'_>> {
        let &i = self.services.get(name)?;
        Some(Layers::config(&self.config, i))
    }

    fn settings_of(&self, slot: &ProfileSlot) -> ProfileSettings<'_> {
        let (config, credentials) = (&self.config, &self.credentials);
        let mut settings = Layers::default();
        if let Some(i) = slot.config {
            settings.set_config(config, i);
        }
        if let Some(i) = slot.credentials {
            settings.set_credentials(credentials, i);
        }
        ProfileSettings {
            settings,
            config_section: slot.config.map(|i| config.section_at(i).name),
            credentials_section: slot.credentials.map(|i| credentials.section_at(i).name),
        }
    }

    /// The map as botocore's `full_config` dict serialized to JSON (used to compare with botocore).
    pub fn to_botocore_json(&self) -> Json {
        let settings_json = |s: Layers| -> Json {
            Json::Object(
                s.iter()
                    .map(|(k, v)| {
                        let v = match v {
                            Value::Text(t) => Json::String(t.to_owned()),
                            Value::Nested(n) => Json::Object(
                                n.into_iter().map(|(k, v)| (k, Json::String(v))).collect(),
                            ),
                        };
                        (k.to_owned(), v)
                    })
                    .collect(),
            )
        };
        let config = &self.config;
        let group = |m: &BTreeMap<String, usize>| -> Json {
            Json::Object(
                m.iter()
                    .map(|(k, &i)| (k.clone(), settings_json(Layers::config(config, i))))
                    .collect(),
            )
        };
        let mut out: Map<String, Json> = self
            .other
            .iter()
            .map(|(k, &i)| (k.clone(), settings_json(Layers::config(config, i))))
            .collect();
        out.insert(
            "profiles".into(),
            Json::Object(
                self.profiles()
                    .map(|(k, p)| (k.to_owned(), settings_json(p.settings)))
                    .collect(),
            ),
        );
        out.insert("sso_sessions".into(), group(&self.sso_sessions));
        out.insert("services".into(), group(&self.services));
        Json::Object(out)
    }

    /// The slot of the profile named `name`, added (empty) at the end if it is new.
    fn slot(&mut self, name: Cow<'a, str>) -> &mut ProfileSlot<'a> {
        let i = match self.index.find(&self.profiles, &name) {
            Some(i) => i,
            None => {
                self.profiles.push(ProfileSlot {
                    name,
                    config: None,
                    credentials: None,
                });
                self.index.insert(&self.profiles, self.profiles.len() - 1);
                self.profiles.len() - 1
            }
        };
        &mut self.profiles[i]
    }
}

/// [`second_word`] of a section name, still borrowing the file's text where the name does.
fn second_word_of<'a>(header: &Cow<'a, str>) -> Option<Cow<'a, str>> {
    match header {
        Cow::Borrowed(header) => second_word(header),
        Cow::Owned(header) => second_word(header).map(|w| Cow::Owned(w.into_owned())),
    }
}

/// `_parse_section`: the second word of a header with exactly two `shlex` words.
fn second_word(header: &str) -> Option<Cow<'_, str>> {
    // The usual `profile NAME`: two plain words with one space between them.
    let plain = |b: &u8| !matches!(b, b' ' | b'\t' | b'\r' | b'\n' | b'\'' | b'"' | b'\\');
    if let Some(space) = memchr::memchr(b' ', header.as_bytes()) {
        let (first, second) = (&header[..space], &header[space + 1..]);
        if !first.is_empty()
            && !second.is_empty()
            && first.as_bytes().iter().all(plain)
            && second.as_bytes().iter().all(plain)
        {
            return Some(Cow::Borrowed(second));
        }
    }
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
