//! A profile's layout: where its long-term keys are and where its session lives, decided
//! once per load for every profile and then only read — by planning, bulk renewals, the
//! sessions a profile is served from, the TUI's countdowns, key age, rotation and the keyring.
//!
//! The conventions, in the order they are recognised (the first that applies wins):
//! - a pair other tools made — aws-mfa's `NAME` + `NAME-SUFFIX`, or a section with
//!   `__profile__ = NAME`: the session lives in the short / `__profile__` side, the keys in the
//!   other, whichever side is asked about;
//! - aws-mfa's long-term profile named `NAME-SUFFIX` (`naming.long_term_suffix`): its session
//!   is `NAME`;
//! - long-term keys in the config section shadowed by a session in the credentials section of
//!   the same profile: the session lives right there;
//! - long-term keys anywhere else: the session goes to `naming.target` (`{profile}-mfa`);
//! - a profile named like a target (`dev-mfa`) of a profile with keys: it is that session;
//! - a profile that only holds a session: it is its own session, with no keys to renew it.
//!
//! `[profiles.NAME] target` in the settings overrides where NAME's session goes. Role
//! profiles get their role session section (the same pattern) and the AWS CLI cache entry.

use super::cli_cache::{cache_key, RoleCacheArgs};
use super::config_map::{ConfigMap, FileKind, ProfileSettings};
use super::profile::{Name, Profile, ProfileKind, KEYRING_MARKER};
use std::collections::BTreeMap;

/// How sessions are named, from mfatui's settings.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Naming {
    /// Where sessions of long-term keys and roles go (`naming.target`, `{profile}-mfa`).
    pub target_pattern: String,
    /// aws-mfa's long-term profile suffix (`naming.long_term_suffix`, `-long-term`).
    pub long_term_suffix: String,
    /// Per-profile targets (`[profiles.NAME] target`).
    pub targets: BTreeMap<String, String>,
    /// Whether role renewals write the role session section (`roles.write_profile`).
    pub role_section: bool,
    /// Whether role renewals write the AWS CLI's cache entry (`roles.write_cli_cache`).
    pub role_cli_cache: bool,
}

impl Default for Naming {
    fn default() -> Self {
        Naming {
            target_pattern: "{profile}-mfa".to_owned(),
            long_term_suffix: super::profile::AWS_MFA_LONG_TERM_SUFFIX.to_owned(),
            targets: BTreeMap::new(),
            role_section: true,
            role_cli_cache: true,
        }
    }
}

impl Naming {
    /// The section a session of `profile` goes to under the pattern (no override).
    pub fn pattern_target(&self, profile: &str) -> String {
        let mut out = String::with_capacity(self.target_pattern.len() + profile.len());
        let mut rest = self.target_pattern.as_str();
        while let Some((before, after)) = split_placeholder(rest) {
            out.push_str(before);
            out.push_str(profile);
            rest = after;
        }
        out.push_str(rest);
        out
    }

    /// The profile `name` was derived from under the pattern, if it looks like a target.
    pub fn source_of_target<'a>(&self, name: &'a str) -> Option<&'a str> {
        let (prefix, suffix) = split_placeholder(&self.target_pattern)?;
        let inner = name.strip_prefix(prefix)?.strip_suffix(suffix)?;
        (!inner.is_empty() && (prefix.len() + suffix.len()) > 0).then_some(inner)
    }
}

/// `pattern` around its first `{profile}` (found by its `{`, as every listed profile asks).
fn split_placeholder(pattern: &str) -> Option<(&str, &str)> {
    const PLACEHOLDER: &str = "{profile}";
    pattern
        .match_indices('{')
        .find(|(at, _)| pattern[*at..].starts_with(PLACEHOLDER))
        .map(|(at, _)| (&pattern[..at], &pattern[at + PLACEHOLDER.len()..]))
}

/// Where a long-term key pair is kept.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum KeyStore {
    /// In a section of one of the shared files.
    File(FileKind),
    /// In the OS keyring; the section holds only the marker with the key id.
    Keyring,
}

/// Where a profile's long-term keys are.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct KeyPlace {
    /// The profile whose section holds them (the one asked about, or its partner).
    pub profile: Name,
    /// Where.
    pub store: KeyStore,
    /// The file the section is in (for the keyring, the file that holds the marker).
    pub file: FileKind,
    /// The section (as written between the brackets).
    pub section: Name,
    /// The access key id (not secret).
    pub access_key_id: Name,
}

impl KeyPlace {
    /// `[dev] in the credentials file`, `the OS keyring (marker in [profile dev])`.
    pub fn describe(&self) -> String {
        match self.store {
            KeyStore::File(file) => format!("[{}] in the {} file", self.section, file.label()),
            KeyStore::Keyring => format!(
                "the OS keyring (marker in [{}] of the {} file)",
                self.section,
                self.file.label()
            ),
        }
    }
}

/// Which convention a session section follows (it picks the expiry key a new one gets).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Convention {
    /// aws-mfa's short-term profile: `expiration` in aws-mfa's form.
    AwsMfa,
    /// Anything else: `__expires__` beside `__profile__`, else RFC 3339 `expiration`.
    Plain,
}

impl KeyPlace {
    /// Whether its pair is read through the `[DEFAULT]` section of its file, not written in
    /// its own section: a change there (a move to the keyring, a rotation) would edit the
    /// wrong section (attack round 14, R14b-8, D-7).
    pub fn inherited(&self, files: &super::files::AwsFiles) -> bool {
        let file = match self.file {
            FileKind::Config => &files.config,
            FileKind::Credentials => &files.credentials,
        };
        file.document.structure().ok().is_some_and(|s| {
            ["aws_access_key_id", "aws_secret_access_key"]
                .iter()
                .any(|key| {
                    s.value(&self.section, key).is_none()
                        && s.defaults.iter().any(|e| e.key == *key)
                })
        })
    }
}

/// Where a profile's MFA session (GetSessionToken) lives.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SessionPlace {
    /// The credentials-file section.
    pub section: Name,
    /// Its convention.
    pub convention: Convention,
}

/// Where a role profile's sessions go.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RolePlaces {
    /// The credentials-file section (`roles.write_profile`), if written.
    pub section: Option<Name>,
    /// Whether its sessions go to the AWS CLI cache too (`roles.write_cli_cache`; the file
    /// name: [`role_cache_key`]).
    pub cli_cache: bool,
    /// The profile whose keys or MFA session start the chain.
    pub base: Name,
}

/// The AWS CLI cache file name (without `.json`) of role profile `name`'s sessions: a SHA-1
/// of its AssumeRole arguments, as botocore computes it — worked out only where a reader
/// needs it, never for a whole listing.
pub fn role_cache_key(map: &ConfigMap, name: &str) -> Option<String> {
    let s = map.profile(name)?;
    Some(cache_key(&RoleCacheArgs {
        role_arn: s.get("role_arn").unwrap_or_default(),
        role_session_name: s.get("role_session_name"),
        external_id: s.get("external_id"),
        mfa_serial: s.get("mfa_serial"),
        duration_seconds: s.get("duration_seconds"),
    }))
}

/// One profile's layout.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ProfileLayout {
    /// Its long-term keys, if it has (or stands for) a pair.
    pub keys: Option<KeyPlace>,
    /// Where its MFA session lives.
    pub session: Option<SessionPlace>,
    /// For role profiles: where the role session goes.
    pub role: Option<RolePlaces>,
}

impl ProfileLayout {
    /// The section holding profile `name`'s session when it is another profile's (`dev` →
    /// `dev-mfa`, a role → its role section), for showing that session's countdown on
    /// `name`'s row (`name` is this layout's profile).
    pub fn session_elsewhere(&self, name: &str) -> Option<&str> {
        let section = self
            .role
            .as_ref()
            .and_then(|r| r.section.as_deref())
            .or(self.session.as_ref().map(|s| s.section.as_str()))?;
        (section != name).then_some(section)
    }
}

/// Two profiles whose renewals would write the same section (settings `[profiles.NAME]
/// target` lines naming one section, or another profile's own): a session there would be
/// served as either's (attack round 13, R13-6).
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("'{profile}' and '{other}' both keep their sessions in [{section}] (see the [profiles.…] target lines in mfatui's settings): a session there would be served as either's, so neither is renewed or served from it; give each profile a target of its own")]
pub struct SharedSession {
    /// The profile asked about.
    pub profile: Name,
    /// The other profile whose session goes to the same section.
    pub other: Name,
    /// The section.
    pub section: Name,
}

impl ProfileLayout {
    /// The credentials-file section this profile's renewals write, with whose session it is
    /// (a role's own, or that of the profile holding the keys): none for a profile that only
    /// holds a session of its own.
    pub fn written_section<'a>(&'a self, name: &'a str) -> Option<(&'a str, &'a str)> {
        match &self.role {
            Some(role) => role.section.as_deref().map(|s| (s, name)),
            None => {
                let keys = self.keys.as_ref()?;
                Some((
                    self.session.as_ref()?.section.as_str(),
                    keys.profile.as_str(),
                ))
            }
        }
    }
}

/// Whether `value` is a session token to every SDK: not empty or blank (Unicode's spaces and
/// the BOM, as the JS SDK trims) and not a comment (the JS SDK cuts ` #`/` ;`).
fn is_token(value: &str) -> bool {
    let value = value.trim_matches(|c: char| c.is_whitespace() || c == '\u{feff}');
    !value.is_empty() && !value.starts_with(['#', ';'])
}

/// Whether `settings` (one file's, as botocore reads a pair with its token) hold a session
/// token every SDK reads: `aws_session_token = …` in lower case with `=` and a token value.
/// The JS SDK v3 reads no token under `AWS_SESSION_TOKEN`, `aws_session_token:` or
/// `aws_security_token`, and uses the pair beside them as a long-term key (attack round 14).
pub fn holds_token(settings: ProfileSettings) -> bool {
    settings
        .get_plain("aws_session_token")
        .is_some_and(is_token)
}

/// Which of the keys a layout looks at a set of settings has, found in one pass.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
struct Present(u8);

impl Present {
    const ID: u8 = 1;
    const SECRET: u8 = 2;
    const TOKEN: u8 = 4;
    const MARKER: u8 = 16;

    fn of(p: ProfileSettings) -> Present {
        let mut bits = 0;
        for entry in p.settings.entries() {
            bits |= match entry.key.as_ref() {
                "aws_access_key_id" => Present::ID,
                "aws_secret_access_key" => Present::SECRET,
                // A token that is empty, blank or a comment to the JS SDK is no token: the keys
                // beside it are long-term (attack rounds 12 and 13: `aws_session_token =` or
                // `= # cleared` hid a key from the target check).
                // Only a token every SDK reads (attack round 14: `AWS_SESSION_TOKEN`,
                // `aws_session_token:` and `aws_security_token` are none to the JS SDK).
                "aws_session_token" if entry.plain && is_token(&entry.value) => Present::TOKEN,
                KEYRING_MARKER => Present::MARKER,
                _ => 0,
            };
        }
        Present(bits)
    }

    fn has(self, bit: u8) -> bool {
        self.0 & bit != 0
    }

    /// Keys, no session token.
    fn long_term_keys(self) -> bool {
        self.has(Present::ID) && self.has(Present::SECRET) && !self.has(Present::TOKEN)
    }

    /// Keys and a session token.
    fn session(self) -> bool {
        self.has(Present::ID) && self.has(Present::SECRET) && self.has(Present::TOKEN)
    }

    /// The keyring marker without a key pair of the file's own.
    fn marked(self) -> bool {
        self.has(Present::MARKER) && !self.has(Present::ID)
    }
}

/// What a profile's settings hold, in its credentials section, its config section, and the
/// two merged as botocore reads them.
#[derive(Clone, Copy, Debug)]
struct Holdings {
    credentials: Present,
    config: Present,
    merged: Present,
}

impl Holdings {
    fn of(p: ProfileSettings) -> Holdings {
        let (credentials, config) = (
            Present::of(p.credentials_only()),
            Present::of(p.config_only()),
        );
        // botocore reads a pair and its token from one file: the credentials file's section
        // when it has the key id, else the config's. A token in the other file does not make
        // the pair a session (attack round 13).
        let marker = (credentials.0 | config.0) & Present::MARKER;
        let merged = if credentials.has(Present::ID) {
            Present(credentials.0 | marker)
        } else if config.has(Present::ID) {
            Present(config.0 | marker)
        } else {
            Present(credentials.0 | config.0)
        };
        Holdings {
            credentials,
            config,
            merged,
        }
    }
}

/// Whether these settings hold a long-term key pair (keys, no session token).
pub fn has_long_term_keys(p: ProfileSettings) -> bool {
    Present::of(p).long_term_keys()
}

/// Where profile `name`'s own long-term keys are: its credentials section, else its config
/// section (where a session in the credentials section may shadow them), else the keyring
/// marker in either; `None` when it holds no pair of its own.
pub fn own_keys(map: &ConfigMap, name: &str) -> Option<KeyPlace> {
    let p = map.profile(name)?;
    own_keys_in(name, p, Holdings::of(p))
}

/// [`own_keys`] of settings already looked up, with what they hold.
fn own_keys_in(name: &str, p: ProfileSettings, holds: Holdings) -> Option<KeyPlace> {
    let place = |file: FileKind, s: ProfileSettings, section: Option<&str>, store| {
        let id = match store {
            KeyStore::Keyring => s.get(KEYRING_MARKER)?,
            KeyStore::File(_) => s.get("aws_access_key_id")?,
        };
        Some(KeyPlace {
            profile: Name::from(name),
            store,
            file,
            section: Name::from(section?),
            access_key_id: Name::from(id),
        })
    };
    let creds = p.credentials_only();
    let config = p.config_only();
    if holds.credentials.long_term_keys() {
        return place(
            FileKind::Credentials,
            creds,
            p.credentials_section,
            KeyStore::File(FileKind::Credentials),
        );
    }
    if holds.config.long_term_keys() {
        return place(
            FileKind::Config,
            config,
            p.config_section,
            KeyStore::File(FileKind::Config),
        );
    }
    if holds.merged.long_term_keys() {
        // The pair is split across the files: the secret's file is where it is written back.
        let file = if holds.credentials.has(Present::SECRET) {
            FileKind::Credentials
        } else {
            FileKind::Config
        };
        let (s, section) = match file {
            FileKind::Credentials => (creds, p.credentials_section),
            FileKind::Config => (config, p.config_section),
        };
        let id = p.get("aws_access_key_id")?;
        return Some(KeyPlace {
            profile: Name::from(name),
            store: KeyStore::File(file),
            file,
            section: Name::from(section?),
            access_key_id: Name::from(id),
        })
        .filter(|_| s.has("aws_secret_access_key"));
    }
    if holds.credentials.marked() {
        return place(
            FileKind::Credentials,
            creds,
            p.credentials_section,
            KeyStore::Keyring,
        );
    }
    if holds.config.marked() {
        return place(
            FileKind::Config,
            config,
            p.config_section,
            KeyStore::Keyring,
        );
    }
    None
}

/// Whether profile `lt` is an aws-mfa long-term profile (its device under aws-mfa's key, or
/// named with the suffix).
fn is_aws_mfa<'p>(
    profile: &dyn Fn(&str) -> Option<&'p Profile>,
    naming: &Naming,
    lt: &str,
) -> bool {
    profile(lt).is_some_and(|p| p.mfa.as_ref().is_some_and(|m| m.key == "aws_mfa_device"))
        || lt.ends_with(naming.long_term_suffix.as_str())
}

/// Profile `p`'s layout (see the module's conventions); `profile` finds another profile of
/// the same files by name. Worked out when a reader first asks (see `Snapshot::layout_of`).
pub fn resolve<'p>(
    map: &ConfigMap,
    profile: &dyn Fn(&str) -> Option<&'p Profile>,
    naming: &Naming,
    p: &Profile,
) -> ProfileLayout {
    let name = p.name.as_str();
    let convention = |lt: &str| {
        if is_aws_mfa(profile, naming, lt) {
            Convention::AwsMfa
        } else {
            Convention::Plain
        }
    };
    let settings = map.profile(name);
    let holds = settings.map(Holdings::of);
    let own = settings
        .zip(holds)
        .and_then(|(s, holds)| own_keys_in(name, s, holds));
    let shadowed = holds.is_some_and(|h| {
        h.config.long_term_keys() && !h.merged.long_term_keys() && h.merged.session()
    });
    let found: Option<(Option<KeyPlace>, String, Convention)> = if let Some((lt, keys)) = p
        .long_term_profile
        .as_deref()
        .and_then(|lt| Some((lt, own_keys(map, lt)?)))
    {
        Some((Some(keys), name.to_owned(), convention(lt)))
    } else if let (Some(keys), Some(session)) = (&own, p.session_profile.as_deref()) {
        Some((Some(keys.clone()), session.to_owned(), convention(name)))
    } else if let Some(short) = name
        .strip_suffix(naming.long_term_suffix.as_str())
        .filter(|s| !s.is_empty() && own.is_some())
    {
        Some((own.clone(), short.to_owned(), Convention::AwsMfa))
    } else if own.is_some() && shadowed {
        Some((own.clone(), name.to_owned(), Convention::Plain))
    } else if own.is_some() {
        Some((own.clone(), naming.pattern_target(name), Convention::Plain))
    } else if let Some(keys) = naming
        .source_of_target(name)
        .and_then(|base| own_keys(map, base))
    {
        Some((Some(keys), name.to_owned(), Convention::Plain))
    } else if holds.is_some_and(|h| h.merged.session()) {
        Some((None, name.to_owned(), Convention::Plain))
    } else {
        None
    };
    let (keys, session) = match found {
        Some((keys, section, convention)) => {
            let section = match naming.targets.get(name) {
                Some(over) if keys.is_some() => over.clone(),
                _ => section,
            };
            (
                keys,
                Some(SessionPlace {
                    section: Name::from(section),
                    convention,
                }),
            )
        }
        None => (None, None),
    };
    ProfileLayout {
        keys,
        session,
        role: role_places(naming, p),
    }
}

/// Where role profile `p`'s sessions go (`None` for other kinds).
fn role_places(naming: &Naming, p: &Profile) -> Option<RolePlaces> {
    (p.kind == ProfileKind::Role).then(|| RolePlaces {
        section: naming
            .role_section
            .then(|| match naming.targets.get(p.name.as_str()) {
                Some(target) => Name::from(target.as_str()),
                None => Name::from(naming.pattern_target(&p.name)),
            }),
        cli_cache: naming.role_cli_cache,
        base: p.chain.last().cloned().unwrap_or_else(|| p.name.clone()),
    })
}

/// [`ProfileLayout::session_elsewhere`] of `p`'s layout, without working out the rest of
/// it where the role section answers (a listing asks this of thousands of profiles).
pub fn session_elsewhere<'p>(
    map: &ConfigMap,
    profile: &dyn Fn(&str) -> Option<&'p Profile>,
    naming: &Naming,
    p: &Profile,
) -> Option<Name> {
    // The role section comes first in `ProfileLayout::session_elsewhere` too.
    if let Some(section) = role_places(naming, p).and_then(|r| r.section) {
        return (section != p.name).then_some(section);
    }
    resolve(map, profile, naming, p)
        .session_elsewhere(&p.name)
        .map(Name::from)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::awsfiles::{profile, AwsPaths, Document};

    /// Every profile's layout, worked out at once (the snapshot does it profile by profile).
    struct Layouts(std::collections::HashMap<String, ProfileLayout>);

    impl Layouts {
        fn of(&self, name: &str) -> &ProfileLayout {
            &self.0[name]
        }

        fn session_elsewhere(&self, name: &str) -> Option<&str> {
            self.of(name).session_elsewhere(name)
        }
    }

    fn layout(config: &str, credentials: &str, naming: &Naming) -> Layouts {
        let (config, credentials) = (
            Document::from_str_lossless(config),
            Document::from_str_lossless(credentials),
        );
        let map = ConfigMap::build(
            config.structure().unwrap(),
            credentials.structure().unwrap(),
        );
        let profiles = profile::profiles_with_suffix(
            &map,
            &AwsPaths::from_lookup(|_| None),
            &naming.long_term_suffix,
        );
        let find = |name: &str| profiles.iter().find(|p| p.name == name);
        Layouts(
            profiles
                .iter()
                .map(|p| (p.name.to_string(), resolve(&map, &find, naming, p)))
                .collect(),
        )
    }

    fn session(l: &Layouts, name: &str) -> Option<(String, Convention)> {
        l.of(name)
            .session
            .as_ref()
            .map(|s| (s.section.to_string(), s.convention))
    }

    fn keys(l: &Layouts, name: &str) -> Option<(String, KeyStore, String)> {
        l.of(name)
            .keys
            .as_ref()
            .map(|k| (k.profile.to_string(), k.store, k.section.to_string()))
    }

    #[test]
    fn the_pattern_is_filled_and_read_like_str_replace_and_split_once() {
        for pattern in [
            "{profile}-mfa",
            "mfa-{profile}",
            "{profile}",
            "x{profile}y{profile}z",
            "plain",
            "{prof{profile}",
            "{}{profile}{",
            "",
        ] {
            let naming = Naming {
                target_pattern: pattern.to_owned(),
                ..Naming::default()
            };
            assert_eq!(
                naming.pattern_target("dev"),
                pattern.replace("{profile}", "dev")
            );
            assert_eq!(split_placeholder(pattern), pattern.split_once("{profile}"));
        }
    }

    const KEYS: &str = "aws_access_key_id = AKIA\naws_secret_access_key = s\n";
    const SESSION: &str =
        "aws_access_key_id = ASIA\naws_secret_access_key = s\naws_session_token = t\n";

    #[test]
    fn every_convention_names_its_session_and_keys_once() {
        let config = "[profile role]\nrole_arn = arn:aws:iam::1:role/R\nsource_profile = plain\n\n\
                      [default]\n__profile__ = acct\n\n[profile seed]\n"
            .to_owned()
            + KEYS;
        let credentials = format!(
            "[plain]\n{KEYS}\n[plain-mfa]\n{SESSION}\n[dev]\n{SESSION}\n[dev-long-term]\n{KEYS}aws_mfa_device = arn:aws:iam::1:mfa/a\n\n\
             [acct]\n{KEYS}\n[seed]\n{SESSION}\n[tmp]\n{SESSION}\n[ops]\n{SESSION}\n[ops-lt]\n{KEYS}aws_mfa_device = arn:aws:iam::1:mfa/o\n"
        );
        let l = layout(&config, &credentials, &Naming::default());
        let f = |file| KeyStore::File(file);
        assert_eq!(
            session(&l, "plain"),
            Some(("plain-mfa".into(), Convention::Plain))
        );
        assert_eq!(
            session(&l, "plain-mfa"),
            Some(("plain-mfa".into(), Convention::Plain))
        );
        assert_eq!(
            keys(&l, "plain-mfa"),
            Some(("plain".into(), f(FileKind::Credentials), "plain".into()))
        );
        assert_eq!(session(&l, "dev"), Some(("dev".into(), Convention::AwsMfa)));
        assert_eq!(
            session(&l, "dev-long-term"),
            Some(("dev".into(), Convention::AwsMfa))
        );
        assert_eq!(keys(&l, "dev").unwrap().0, "dev-long-term");
        assert_eq!(
            session(&l, "ops"),
            Some(("ops".into(), Convention::AwsMfa)),
            "any suffix with aws_mfa_device"
        );
        assert_eq!(
            session(&l, "acct"),
            Some(("default".into(), Convention::Plain))
        );
        assert_eq!(
            session(&l, "default"),
            Some(("default".into(), Convention::Plain))
        );
        assert_eq!(keys(&l, "default").unwrap().0, "acct");
        assert_eq!(
            session(&l, "seed"),
            Some(("seed".into(), Convention::Plain)),
            "seed 003"
        );
        assert_eq!(
            keys(&l, "seed"),
            Some(("seed".into(), f(FileKind::Config), "profile seed".into()))
        );
        assert_eq!(session(&l, "tmp"), Some(("tmp".into(), Convention::Plain)));
        assert_eq!(
            keys(&l, "tmp"),
            None,
            "a bare session has no keys to renew it"
        );
        let role = l.of("role").role.clone().unwrap();
        assert_eq!(role.section.as_deref(), Some("role-mfa"));
        assert_eq!(role.base, "plain");
        assert!(role.cli_cache);
        assert_eq!(l.session_elsewhere("plain"), Some("plain-mfa"));
        assert_eq!(l.session_elsewhere("dev"), None);
    }

    #[test]
    fn a_settings_target_moves_the_session_for_every_reader() {
        let mut naming = Naming::default();
        naming.targets.insert("base".into(), "base-session".into());
        naming.role_cli_cache = false;
        let config = "[profile r]\nrole_arn = arn:aws:iam::1:role/R\nsource_profile = base\n";
        let credentials = format!("[base]\n{KEYS}\n[base-session]\n{SESSION}");
        let l = layout(config, &credentials, &naming);
        assert_eq!(
            session(&l, "base"),
            Some(("base-session".into(), Convention::Plain))
        );
        assert_eq!(l.session_elsewhere("base"), Some("base-session"));
        assert!(!l.of("r").role.as_ref().unwrap().cli_cache);
    }

    #[test]
    fn keys_in_the_keyring_are_found_by_their_marker() {
        let credentials = "[dev]\nmfatui_keyring = AKIAKEYRINGKEY0WXYZ\n";
        let config = "[profile dev]\nmfa_serial = arn:aws:iam::1:mfa/a\ncredential_process = mfatui credential-process dev\n";
        let l = layout(config, credentials, &Naming::default());
        let k = l.of("dev").keys.clone().unwrap();
        assert_eq!(
            (k.store, k.access_key_id.as_str()),
            (KeyStore::Keyring, "AKIAKEYRINGKEY0WXYZ")
        );
        assert_eq!(
            session(&l, "dev"),
            Some(("dev-mfa".into(), Convention::Plain))
        );
    }
}
