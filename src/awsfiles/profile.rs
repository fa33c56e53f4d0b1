//! Profiles as a person thinks of them: kind, account/role, MFA device, source chain, expiry.
//!
//! Built from the merged [`ConfigMap`]; holds no secret, only whether keys are present.
//!
//! Read top-down: the model ([`Profile`] and its parts), the entry points ([`profiles`], and
//! [`Builder`] for one profile at a time), how one profile is built, source chains, the
//! pairing conventions that link profiles across the map (aws-mfa's `NAME` / `NAME-SUFFIX`,
//! `__profile__`), then the single pass that reads a profile's settings.

use super::cli_cache::{CacheDir, RoleCacheArgs};
use super::config_map::{ConfigMap, ProfileSettings};
use super::expiry::{self, Expiry, ExpirySource};
use super::login_cache;
use super::mfa_secure::SecureSessions;
use super::paths::AwsPaths;
use super::sso_cache;
use std::collections::HashMap;

/// One profile, ready to show.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Profile {
    /// The profile name as the AWS CLI's `--profile` takes it.
    pub name: Name,
    /// How it gets credentials.
    pub kind: ProfileKind,
    /// Section in the config file, if any (e.g. `profile dev`).
    pub config_section: Option<Name>,
    /// Section in the credentials file, if any.
    pub credentials_section: Option<Name>,
    /// `region`.
    pub region: Option<Name>,
    /// The role this profile assumes (`role_arn`), or the one aws-mfa recorded as
    /// `assumed_role_arn` for its short-term profile.
    pub role_arn: Option<Name>,
    /// The AWS account, from the role ARN, SSO account or MFA device ARN.
    pub account: Option<Name>,
    /// The role or user name, from the same places.
    pub principal: Option<Name>,
    /// `source_profile`.
    pub source_profile: Option<Name>,
    /// `credential_source` (Environment, Ec2InstanceMetadata, EcsContainer).
    pub credential_source: Option<Name>,
    /// `sso_session` (for the SSO login hint).
    pub sso_session: Option<Name>,
    /// For roles: the profiles walked to reach base credentials, nearest first.
    pub chain: Vec<Name>,
    /// The profile holding the long-term keys this profile's MFA session comes from: its
    /// aws-mfa partner (`NAME-long-term`, or `NAME-SUFFIX` with `aws_mfa_device`), or the
    /// profile named by `__profile__` (aws-login style scripts).
    pub long_term_profile: Option<Name>,
    /// The reverse link: the profile holding this profile's MFA session by the same
    /// conventions (aws-mfa's short-term `NAME`, the section with `__profile__ = NAME`).
    pub session_profile: Option<Name>,
    /// The MFA device renewals would use.
    pub mfa: Option<MfaDevice>,
    /// `mfa_process` (a command printing the code, as aws-vault supports).
    pub has_mfa_process: bool,
    /// Whether the profile holds an access key pair.
    pub has_keys: bool,
    /// The last four characters of the access key id, for recognising keys without showing them.
    pub access_key_suffix: Option<Name>,
    /// When its temporary credentials expire.
    pub expiry: Expiry,
    /// What is wrong with it, one sentence each.
    pub problems: Vec<String>,
}

impl Profile {
    /// Where this profile's credentials come from by name: its `source_profile`,
    /// `credential_source` or aws-mfa long-term profile (the SOURCE column of `list` and the
    /// table).
    pub fn source(&self) -> Option<&str> {
        self.source_profile
            .as_deref()
            .or(self.credential_source.as_deref())
            .or(self.long_term_profile.as_deref())
    }

    /// Whether the profile matches every word of `needle` (lower case; empty matches all):
    /// each fuzzily (its characters in order, not necessarily together: `acmdev` finds
    /// `acme-dev`, as fzf and k9s match) in one of its name, kind, account, role, region,
    /// source profile, `sso_session` or MFA device. The TUI's filter and `mfa`'s picker.
    pub fn matches(&self, needle: &str) -> bool {
        needle.split_whitespace().all(|word| {
            [
                Some(self.name.as_str()),
                Some(self.kind.label()),
                self.account.as_deref(),
                self.principal.as_deref(),
                self.region.as_deref(),
                self.source(),
                self.sso_session.as_deref(),
                self.mfa.as_ref().map(|m| m.serial.as_str()),
            ]
            .into_iter()
            .flatten()
            .any(|hay| fuzzy(hay, word))
        })
    }
}

/// How a profile gets its credentials, in botocore's provider order.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum ProfileKind {
    /// `role_arn` with `source_profile` or `credential_source`.
    Role,
    /// `role_arn` with `web_identity_token_file`.
    WebIdentity,
    /// `sso_session` or `sso_start_url`.
    Sso,
    /// Keys with `aws_session_token`: temporary credentials.
    Session,
    /// Keys without a session token.
    LongTerm,
    /// `login_session`: `aws login` (AWS CLI 2.32+), credentials refreshed from its cache.
    Login,
    /// `credential_process`.
    Process,
    /// Settings only (region, output…), no way to get credentials.
    ConfigOnly,
}

impl ProfileKind {
    /// The label shown in lists and tables.
    pub fn label(self) -> &'static str {
        match self {
            ProfileKind::Role => "role",
            ProfileKind::WebIdentity => "web-identity",
            ProfileKind::Sso => "sso",
            ProfileKind::Session => "session",
            ProfileKind::LongTerm => "long-term",
            ProfileKind::Login => "login",
            ProfileKind::Process => "process",
            ProfileKind::ConfigOnly => "config-only",
        }
    }
}

/// Which convention named a profile's MFA device.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MfaDevice {
    /// The device ARN (or hardware serial).
    pub serial: Name,
    /// The key it was read from: `mfa_serial`, `aws_mfa_device` (aws-mfa) or `__mfa__`.
    pub key: &'static str,
    /// The profile it was read from (this one, or its aws-mfa `NAME-long-term` partner).
    pub profile: Name,
}

/// A short text held inline (no allocation up to 24 bytes): profile names, regions, account
/// ids and the like, so that building 10,000 profiles costs few allocations.
pub type Name = compact_str::CompactString;

/// The suffix aws-mfa gives the profile that holds the long-term keys (`NAME-long-term`).
pub const AWS_MFA_LONG_TERM_SUFFIX: &str = "-long-term";

/// The key mfatui leaves in the section whose long-term key pair it moved to the OS keyring
/// (`mfatui keyring store`): its value is the access key id (not secret); the secret access
/// key lives only in the keyring, under the name of the profile that holds this key.
pub const KEYRING_MARKER: &str = "mfatui_keyring";

/// Keys naming an MFA device, in the order they are looked at.
pub const MFA_KEYS: [&str; 3] = ["mfa_serial", "aws_mfa_device", "__mfa__"];

/// Builds every profile of the map, in botocore's order. The AWS CLI's assume-role cache
/// and aws-mfa-secure's session cache (both named by `paths`) are read for expiry.
pub fn profiles(map: &ConfigMap, paths: &AwsPaths) -> Vec<Profile> {
    profiles_with_suffix(map, paths, AWS_MFA_LONG_TERM_SUFFIX)
}

/// [`profiles`] with another aws-mfa long-term suffix (the `naming.long_term_suffix` setting).
pub fn profiles_with_suffix(
    map: &ConfigMap,
    paths: &AwsPaths,
    long_term_suffix: &str,
) -> Vec<Profile> {
    profiles_with_builder(map, &Builder::new(map, paths, long_term_suffix))
}

/// Every profile of the map, built by `builder` (made for this map).
pub fn profiles_with_builder(map: &ConfigMap, builder: &Builder) -> Vec<Profile> {
    let mut scratch = String::new();
    (0..map.profile_count())
        .map(|i| builder.build_with(map, i, &mut scratch))
        .collect()
}

/// Builds profiles one at a time, each exactly as [`profiles`] would: what one profile needs
/// of the others (aws-mfa's pairs, `__profile__` links, read across the whole map) is worked
/// out when the builder is made, so a command about one profile of thousands builds one.
#[derive(Debug)]
pub struct Builder {
    caches: Caches,
    suffix: Name,
    /// The profiles that the pairing conventions touch, built and linked up front, by
    /// position in the map (almost always none).
    linked: HashMap<usize, Profile>,
}

impl Builder {
    /// Reads the caches and links the profiles that pair up (see [`link_sessions`]).
    pub fn new(map: &ConfigMap, paths: &AwsPaths, long_term_suffix: &str) -> Builder {
        let mut builder = Builder {
            caches: Caches {
                cli: CacheDir::read(&paths.cli_cache),
                secure: paths
                    .mfa_secure()
                    .map_or_else(SecureSessions::default, SecureSessions::read),
                sso: CacheDir::read(&paths.sso_cache),
                login: paths.login_cache.clone(),
            },
            suffix: Name::from(long_term_suffix),
            linked: HashMap::new(),
        };
        let involved = builder.paired(map);
        if involved.is_empty() {
            return builder;
        }
        let mut scratch = String::new();
        let mut group: Vec<Profile> = involved
            .iter()
            .map(|&i| build_one(map, i, &builder.caches, long_term_suffix, &mut scratch))
            .collect();
        link_sessions(&mut group, long_term_suffix);
        builder.linked = involved.into_iter().zip(group).collect();
        builder
    }

    /// The positions of every profile [`link_sessions`] may read or change, in map order:
    /// those naming a device under aws-mfa's key or a `__profile__`, both sides of each
    /// `NAME` / `NAME-SUFFIX` pair, the names an aws-mfa long-term profile's name starts
    /// with, and the profiles the others link to.
    fn paired(&self, map: &ConfigMap) -> Vec<usize> {
        let mut found = std::collections::BTreeSet::new();
        const PAIRING: [&str; 2] = ["aws_mfa_device", "__profile__"];
        if map.mentions(&PAIRING) {
            found.extend((0..map.profile_count()).filter(|&i| {
                let settings = map.profile_at(i).1;
                PAIRING.iter().any(|key| settings.has(key))
            }));
        }
        let suffix = self.suffix.as_str();
        for i in 0..map.profile_count() {
            let name = map.profile_at(i).0;
            if let Some(short) = name.strip_suffix(suffix).filter(|s| !s.ends_with(suffix)) {
                if let Some(s) = map.position(short) {
                    found.extend([s, i]);
                }
            }
        }
        // The short names of aws-mfa's long-term profiles, and where the links lead.
        let mut scratch = String::new();
        let mut more = Vec::new();
        for &i in &found {
            let name = map.profile_at(i).0;
            more.extend(
                name.match_indices('-')
                    .filter_map(|(at, _)| map.position(&name[..at])),
            );
            let p = build_one(map, i, &self.caches, suffix, &mut scratch);
            more.extend(
                p.long_term_profile
                    .as_deref()
                    .and_then(|lt| map.position(lt)),
            );
        }
        found.extend(more);
        found.into_iter().collect()
    }

    /// The profile at position `index` of the map.
    pub fn build(&self, map: &ConfigMap, index: usize) -> Profile {
        self.build_with(map, index, &mut String::new())
    }

    fn build_with(&self, map: &ConfigMap, index: usize, scratch: &mut String) -> Profile {
        match self.linked.get(&index) {
            Some(p) => p.clone(),
            None => build_one(map, index, &self.caches, &self.suffix, scratch),
        }
    }
}

/// The profile at position `index` of the map, before [`link_sessions`].
fn build_one(
    map: &ConfigMap,
    index: usize,
    caches: &Caches,
    suffix: &str,
    scratch: &mut String,
) -> Profile {
    let (name, settings) = map.profile_at(index);
    build(map, name, &settings, caches, suffix, scratch)
}

/// The caches read for expiry.
#[derive(Debug)]
struct Caches {
    cli: CacheDir,
    secure: SecureSessions,
    sso: CacheDir,
    /// The `aws login` cache folder, read only for login profiles.
    login: std::path::PathBuf,
}

fn build(
    map: &ConfigMap,
    name: &str,
    p: &ProfileSettings,
    caches: &Caches,
    suffix: &str,
    scratch: &mut String,
) -> Profile {
    let k = Known::of(p);
    // A value's first line only: the lines after it are another setting pasted with its
    // indent (botocore reads them as part of the value and refuses it), often a secret that
    // `list` and the detail pane would show (attack round 14, C-9).
    let text = |key: Field| k.get(key).map(|v| Name::from(crate::text::first_line(v)));
    let kind = classify(&k, p.credentials_section.is_some());
    let mut problems = Vec::new();
    let long_term_profile = if let Some(source) = k.get(Field::ProfileMarker) {
        if source != name && map.profile(source).is_some() {
            Some(Name::from(source))
        } else {
            problems.push(format!(
                "__profile__ names '{}', which is not another profile in the AWS files",
                crate::text::first_line(source)
            ));
            None
        }
    } else if name.ends_with(suffix) {
        None
    } else {
        // Looked up in a reused buffer: almost no profile has an aws-mfa partner.
        scratch.clear();
        scratch.push_str(name);
        scratch.push_str(suffix);
        map.profile(scratch).map(|_| Name::from(scratch.as_str()))
    };

    let mfa = mfa_device(name, &k).or_else(|| {
        let lt = long_term_profile.as_deref()?;
        mfa_device(lt, &Known::of(&map.profile(lt)?))
    });

    let mut chain = Vec::new();
    if kind == ProfileKind::Role {
        match (k.get(Field::SourceProfile), k.get(Field::CredentialSource)) {
            (Some(_), Some(_)) => problems.push(
                "has both source_profile and credential_source; the AWS CLI refuses this"
                    .to_owned(),
            ),
            (None, None) => {
                problems.push("role_arn needs a source_profile or credential_source".to_owned())
            }
            (Some(_), None) => match chain_from(map, name, k) {
                Ok(c) => chain = c,
                Err(problem) => problems.push(problem.to_string()),
            },
            (None, Some(_)) => {}
        }
    }
    if k.has(Field::AccessKeyId) != k.has(Field::SecretAccessKey) {
        problems.push("has only half of an access key pair (aws_access_key_id and aws_secret_access_key go together)".to_owned());
    }

    let role_arn = text(Field::RoleArn)
        .or_else(|| text(Field::AssumedRoleArn).filter(|a| a.starts_with("arn:")));
    let (account, principal) = identity(&k, role_arn.as_deref(), mfa.as_ref());
    let expiry = expiry_of(name, kind, &k, caches, &mut problems);

    Profile {
        name: Name::from(name),
        kind,
        config_section: p.config_section.map(Name::from),
        credentials_section: p.credentials_section.map(Name::from),
        region: text(Field::Region),
        role_arn,
        account,
        principal,
        source_profile: text(Field::SourceProfile),
        credential_source: text(Field::CredentialSource),
        sso_session: text(Field::SsoSession),
        chain,
        long_term_profile,
        session_profile: None,
        mfa,
        has_mfa_process: k.has(Field::MfaProcess),
        has_keys: k.has(Field::AccessKeyId) && k.has(Field::SecretAccessKey),
        access_key_suffix: k
            .get(Field::AccessKeyId)
            .or_else(|| k.get(Field::KeyringMarker))
            .map(key_suffix),
        expiry,
        problems,
    }
}

/// botocore's provider order: assume-role, web identity, SSO, credentials-file keys,
/// `aws login`, credential_process, config-file keys.
fn classify(k: &Known, in_credentials_file: bool) -> ProfileKind {
    let keys_kind = || {
        if k.has(Field::SessionToken) || k.has(Field::SecurityToken) {
            ProfileKind::Session
        } else {
            ProfileKind::LongTerm
        }
    };
    if k.has(Field::RoleArn) {
        if k.has(Field::WebIdentityTokenFile) {
            ProfileKind::WebIdentity
        } else {
            ProfileKind::Role
        }
    } else if k.has(Field::SsoSession) || k.has(Field::SsoStartUrl) {
        ProfileKind::Sso
    } else if k.has(Field::AccessKeyId) && in_credentials_file {
        keys_kind()
    } else if k.has(Field::KeyringMarker) && !k.has(Field::AccessKeyId) {
        // mfatui moved the pair to the OS keyring; its `credential_process` serves sessions.
        ProfileKind::LongTerm
    } else if k.has(Field::LoginSession) {
        ProfileKind::Login
    } else if k.has(Field::CredentialProcess) {
        ProfileKind::Process
    } else if k.has(Field::AccessKeyId) {
        keys_kind()
    } else {
        ProfileKind::ConfigOnly
    }
}

fn mfa_device(name: &str, k: &Known) -> Option<MfaDevice> {
    MFA_KEYS.iter().zip(MFA_FIELDS).find_map(|(&key, field)| {
        let serial = k
            .get(field)
            .map(crate::text::first_line)
            .filter(|s| !s.is_empty())?;
        Some(MfaDevice {
            serial: Name::from(serial),
            key,
            profile: Name::from(name),
        })
    })
}

/// Account and role/user name from the role ARN, the SSO settings or the MFA device ARN.
fn identity(
    k: &Known,
    role_arn: Option<&str>,
    mfa: Option<&MfaDevice>,
) -> (Option<Name>, Option<Name>) {
    if let Some((account, resource)) = role_arn.and_then(split_arn) {
        let role = resource.strip_prefix("role/").unwrap_or(resource);
        let role = last_segment(role);
        return (Some(account.into()), Some(role.into()));
    }
    if let Some(account) = k.get(Field::SsoAccountId).map(crate::text::first_line) {
        return (
            Some(account.into()),
            k.get(Field::SsoRoleName)
                .map(|r| Name::from(crate::text::first_line(r))),
        );
    }
    if let Some((account, resource)) = mfa.and_then(|m| split_arn(&m.serial)) {
        let user = resource.strip_prefix("mfa/").unwrap_or(resource);
        let user = last_segment(user);
        return (Some(account.into()), Some(user.into()));
    }
    (None, None)
}

/// `arn:PARTITION:SERVICE:REGION:ACCOUNT:RESOURCE` → (ACCOUNT, RESOURCE).
fn split_arn(arn: &str) -> Option<(&str, &str)> {
    let rest = arn.strip_prefix("arn:")?;
    // ARNs are short: a plain scan beats starting a vectorised search once per colon.
    let mut colons = rest
        .bytes()
        .enumerate()
        .filter(|&(_, b)| b == b':')
        .map(|(i, _)| i);
    let region_end = colons.nth(2)?;
    let account_end = colons.next()?;
    let account = &rest[region_end + 1..account_end];
    let resource = &rest[account_end + 1..];
    (!account.is_empty()).then_some((account, resource))
}

/// What follows the last `/` (all of `path` if it has none).
fn last_segment(path: &str) -> &str {
    let start = path.bytes().rposition(|b| b == b'/').map_or(0, |i| i + 1);
    &path[start..]
}

fn expiry_of(
    name: &str,
    kind: ProfileKind,
    k: &Known,
    caches: &Caches,
    problems: &mut Vec<String>,
) -> Expiry {
    if let Some(found) = expiry::from_values(EXPIRY_FIELDS.map(|f| k.get(f))) {
        if let Expiry::Unknown { raw: Some(raw) } = &found {
            let key = expiry::EXPIRY_KEYS
                .iter()
                .zip(EXPIRY_FIELDS)
                .find_map(|(key, f)| k.get(f).is_some().then_some(*key))
                .unwrap_or("expiration");
            // By its first line: the lines after it may be the session's own keys pasted
            // with an indent (attack round 15, E-5).
            problems.push(format!(
                "{key} = '{}' is not a time mfatui can read, so it cannot tell when the session expires or write the new expiry in the same form",
                crate::text::first_line(raw)
            ));
        }
        return found;
    }
    if matches!(kind, ProfileKind::LongTerm | ProfileKind::Session) {
        match caches.secure.get(name) {
            Ok(Some(session)) => {
                return Expiry::At {
                    at: session.expiration,
                    source: ExpirySource::MfaSecure,
                }
            }
            Ok(None) => {}
            Err(problem) => problems.push(problem.to_string()),
        }
    }
    match kind {
        ProfileKind::Session => Expiry::Unknown { raw: None },
        ProfileKind::Role => {
            let args = RoleCacheArgs {
                role_arn: k.get(Field::RoleArn).unwrap_or_default(),
                role_session_name: k.get(Field::RoleSessionName),
                external_id: k.get(Field::ExternalId),
                mfa_serial: k.get(Field::MfaSerial),
                duration_seconds: k.get(Field::DurationSeconds),
            };
            caches.cli.expiry(&args).unwrap_or(Expiry::None)
        }
        ProfileKind::Sso => k
            .get(Field::SsoSession)
            .or_else(|| k.get(Field::SsoStartUrl))
            .and_then(|key| sso_cache::expiry(&caches.sso, key))
            .unwrap_or(Expiry::None),
        ProfileKind::Login => match k
            .get(Field::LoginSession)
            .and_then(|session| login_cache::expiry(&caches.login, session))
        {
            Some(Ok(found)) => found,
            Some(Err(e)) => {
                problems.push(format!(
                    "{e}; run `aws login --profile {name}` to sign in again"
                ));
                Expiry::Unknown { raw: None }
            }
            None => Expiry::None,
        },
        _ => Expiry::None,
    }
}

/// The last four characters of a key id, masked: `****WXYZ`.
pub fn key_suffix(key_id: &str) -> Name {
    let start = key_id.char_indices().rev().nth(3).map_or(0, |(i, _)| i);
    let mut out = Name::const_new("****");
    out.push_str(&key_id[start..]);
    out
}

/// The longest `source_profile` chain followed. Real chains are a few roles deep; botocore
/// follows them by recursion and fails long before a thousand. A limit keeps every walk (and
/// so `status`, `credential-process` and the list, which walk one per profile) short on a
/// config file of tens of thousands of chained profiles.
pub const MAX_CHAIN: usize = 64;

/// Why a role profile's `source_profile` chain leads to no credentials: one sentence each,
/// as the profile's problem says it.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ChainError {
    /// The profile asked about does not exist.
    #[error("profile '{0}' does not exist")]
    NoProfile(Name),
    /// A `source_profile` names no profile.
    #[error("source_profile '{missing}' (named in '{named_in}') does not exist")]
    MissingSource {
        /// The name given.
        missing: Name,
        /// The profile that gives it.
        named_in: Name,
    },
    /// The chain is longer than [`MAX_CHAIN`].
    #[error("the source_profile chain of '{profile}' is longer than {MAX_CHAIN} profiles ('{profile}' → '{first}' → … → '{last}'), more than mfatui follows: point source_profile at a profile closer to the keys")]
    TooLong {
        /// Where the walk started.
        profile: Name,
        /// Its source.
        first: Name,
        /// The last source followed.
        last: Name,
    },
    /// The chain comes back to a profile it passed.
    #[error("source_profile loop: {}", .0.join(" → "))]
    Loop(Vec<Name>),
    /// The chain ends at a profile with no way to get credentials.
    #[error("source profile '{0}' has no credentials")]
    NoCredentials(Name),
}

/// Walks `source_profile` links from a role profile the way botocore's AssumeRoleProvider
/// does. Returns the profiles visited after `name`, or one sentence saying why it fails:
/// a missing profile, a loop, a source without credentials, or a chain longer than
/// [`MAX_CHAIN`].
pub fn resolve_chain(map: &ConfigMap, name: &str) -> Result<Vec<Name>, ChainError> {
    let settings = map
        .profile(name)
        .ok_or_else(|| ChainError::NoProfile(Name::from(name)))?;
    chain_from(map, name, Known::of(&settings))
}

/// [`resolve_chain`] from the profile's settings, already looked up.
fn chain_from<'m>(
    map: &'m ConfigMap,
    name: &str,
    mut k: Known<'m>,
) -> Result<Vec<Name>, ChainError> {
    // The profiles visited after `name`: the only allocation when the chain is sound.
    let mut chain: Vec<Name> = Vec::new();
    // Where `name` and each profile of `chain` stand in the map: the loop check compares
    // these numbers, not names (at most MAX_CHAIN + 1 of them).
    let mut visited: Vec<usize> = map.position(name).into_iter().collect();
    let mut current = name;
    loop {
        if k.get(Field::CredentialSource).is_some() && current != name {
            return Ok(chain);
        }
        let Some(source) = k.get(Field::SourceProfile) else {
            return Ok(chain);
        };
        let Some(at) = map.position(source) else {
            // Named by its first line, as every value shown (attack round 15, E-5).
            return Err(ChainError::MissingSource {
                missing: Name::from(crate::text::first_line(source)),
                named_in: Name::from(current),
            });
        };
        if chain.len() >= MAX_CHAIN {
            return Err(ChainError::TooLong {
                profile: Name::from(name),
                first: chain[0].clone(),
                last: Name::from(crate::text::first_line(source)),
            });
        }
        let s = Known::of(&map.profile_at(at).1);
        let static_keys = s.has(Field::AccessKeyId) || s.has(Field::SecretAccessKey);
        let seen = visited.contains(&at);
        visited.push(at);
        chain.push(Name::from(source));
        if seen {
            if source == current && static_keys {
                return Ok(chain);
            }
            let path: Vec<Name> = std::iter::once(Name::from(name)).chain(chain).collect();
            return Err(ChainError::Loop(path));
        }
        if static_keys || !s.has(Field::RoleArn) {
            let usable = static_keys
                || s.has(Field::CredentialProcess)
                || s.has(Field::SsoSession)
                || s.has(Field::SsoStartUrl)
                || s.has(Field::LoginSession)
                || s.has(Field::WebIdentityTokenFile);
            if !usable {
                return Err(ChainError::NoCredentials(Name::from(source)));
            }
            return Ok(chain);
        }
        current = source;
        k = s;
    }
}

/// Links the profiles that other tools pair up: aws-mfa's `NAME` with `NAME-SUFFIX` for any
/// suffix (the long-term profile holds keys and `aws_mfa_device`; `naming.long_term_suffix`
/// wins when present, other suffixes need no setting unless two compete), and sets the
/// reverse links ([`Profile::session_profile`]). Competing pairs become problems.
fn link_sessions(profiles: &mut [Profile], suffix: &str) {
    let candidates: Vec<usize> = (0..profiles.len())
        .filter(|&i| {
            let p = &profiles[i];
            p.kind == ProfileKind::LongTerm
                && !p.name.ends_with(suffix)
                && p.mfa
                    .as_ref()
                    .is_some_and(|m| m.key == "aws_mfa_device" && m.profile == p.name)
        })
        .collect();
    let linked = profiles.iter().any(|p| p.long_term_profile.is_some());
    if candidates.is_empty() && !linked {
        return;
    }
    let index: HashMap<Name, usize> = profiles
        .iter()
        .enumerate()
        .map(|(i, p)| (p.name.clone(), i))
        .collect();
    // short-term profile → the long-term profiles that could be its partner
    let mut partners: HashMap<usize, Vec<usize>> = HashMap::new();
    for lt in candidates {
        let name = profiles[lt].name.clone();
        let shorts: Vec<usize> = name
            .match_indices('-')
            .filter_map(|(at, _)| index.get(&name[..at]).copied())
            .filter(|&s| {
                profiles[s].long_term_profile.is_none() && profiles[s].kind != ProfileKind::LongTerm
            })
            .collect();
        match shorts.as_slice() {
            [] => {}
            [short] => partners.entry(*short).or_default().push(lt),
            several => {
                let names: Vec<&str> = several.iter().map(|&s| profiles[s].name.as_str()).collect();
                let problem = format!(
                    "could be aws-mfa's long-term profile of {}; set naming.long_term_suffix in mfatui's settings to the suffix you use",
                    names.join(" or ")
                );
                profiles[lt].problems.push(problem);
            }
        }
    }
    for (short, lts) in partners {
        if let [lt] = lts.as_slice() {
            let lt_name = profiles[*lt].name.clone();
            if profiles[short].mfa.is_none() {
                profiles[short].mfa = profiles[*lt].mfa.clone();
            }
            profiles[short].long_term_profile = Some(lt_name);
        } else {
            let names: Vec<String> = lts
                .iter()
                .map(|&l| format!("'{}'", profiles[l].name))
                .collect();
            let problem = format!(
                "{} each look like aws-mfa's long-term profile of it; set naming.long_term_suffix in mfatui's settings to the suffix you use",
                names.join(" and ")
            );
            profiles[short].problems.push(problem);
        }
    }
    for i in 0..profiles.len() {
        let Some(lt) = profiles[i].long_term_profile.clone() else {
            continue;
        };
        let Some(&l) = index.get(&lt) else { continue };
        let name = profiles[i].name.clone();
        match profiles[l].session_profile.clone() {
            None => profiles[l].session_profile = Some(name),
            Some(other) if other != name => {
                let problem = format!(
                    "both '{other}' and '{name}' hold its MFA session (__profile__ or aws-mfa naming); mfatui renews neither until one is removed"
                );
                profiles[l].problems.push(problem);
            }
            Some(_) => {}
        }
    }
}

/// The settings profile building reads.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Field {
    RoleArn,
    WebIdentityTokenFile,
    SsoSession,
    SsoStartUrl,
    SsoAccountId,
    SsoRoleName,
    LoginSession,
    AccessKeyId,
    SecretAccessKey,
    SessionToken,
    SecurityToken,
    CredentialProcess,
    SourceProfile,
    CredentialSource,
    MfaSerial,
    AwsMfaDevice,
    MfaMarker,
    MfaProcess,
    ProfileMarker,
    AssumedRoleArn,
    Region,
    Expiration,
    XSecurityTokenExpires,
    AwsExpiration,
    ExpiresMarker,
    RoleSessionName,
    ExternalId,
    KeyringMarker,
    DurationSeconds,
}

/// [`MFA_KEYS`] as fields, in the same order.
const MFA_FIELDS: [Field; MFA_KEYS.len()] =
    [Field::MfaSerial, Field::AwsMfaDevice, Field::MfaMarker];

/// [`expiry::EXPIRY_KEYS`] as fields, in the same order.
const EXPIRY_FIELDS: [Field; expiry::EXPIRY_KEYS.len()] = [
    Field::Expiration,
    Field::XSecurityTokenExpires,
    Field::AwsExpiration,
    Field::ExpiresMarker,
];

impl Field {
    const COUNT: usize = Field::DurationSeconds as usize + 1;

    fn parse(name: &str) -> Option<Field> {
        Some(match name {
            "role_arn" => Field::RoleArn,
            "web_identity_token_file" => Field::WebIdentityTokenFile,
            "sso_session" => Field::SsoSession,
            "sso_start_url" => Field::SsoStartUrl,
            "sso_account_id" => Field::SsoAccountId,
            "sso_role_name" => Field::SsoRoleName,
            "login_session" => Field::LoginSession,
            "aws_access_key_id" => Field::AccessKeyId,
            "aws_secret_access_key" => Field::SecretAccessKey,
            "aws_session_token" => Field::SessionToken,
            "aws_security_token" => Field::SecurityToken,
            "credential_process" => Field::CredentialProcess,
            "source_profile" => Field::SourceProfile,
            "credential_source" => Field::CredentialSource,
            "mfa_serial" => Field::MfaSerial,
            "aws_mfa_device" => Field::AwsMfaDevice,
            "__mfa__" => Field::MfaMarker,
            "mfa_process" => Field::MfaProcess,
            "__profile__" => Field::ProfileMarker,
            "assumed_role_arn" => Field::AssumedRoleArn,
            "region" => Field::Region,
            "expiration" => Field::Expiration,
            "x_security_token_expires" => Field::XSecurityTokenExpires,
            "aws_expiration" => Field::AwsExpiration,
            "__expires__" => Field::ExpiresMarker,
            "role_session_name" => Field::RoleSessionName,
            "external_id" => Field::ExternalId,
            "duration_seconds" => Field::DurationSeconds,
            KEYRING_MARKER => Field::KeyringMarker,
            _ => return None,
        })
    }
}

/// One profile's values of every [`Field`], found in a single pass over its settings instead
/// of one search per question (10,000 profiles ask ~25 questions each).
#[derive(Clone, Copy)]
struct Known<'m>([Option<&'m str>; Field::COUNT]);

impl<'m> Known<'m> {
    fn of(p: &ProfileSettings<'m>) -> Self {
        let mut values = [None; Field::COUNT];
        for entry in p.settings.entries() {
            if let Some(key) = Field::parse(&entry.key) {
                // Entries come strongest layer first: the first value found is the one in force.
                values[key as usize].get_or_insert(entry.value.as_ref());
            }
        }
        Known(values)
    }

    /// Whether the key is set at all (botocore tests presence, not emptiness).
    fn has(&self, key: Field) -> bool {
        self.0[key as usize].is_some()
    }

    /// The key's text value, unless it is a nested block.
    fn get(&self, key: Field) -> Option<&'m str> {
        self.0[key as usize].filter(|v| !v.starts_with('\n'))
    }
}

/// Whether `needle` (lower case) is found in `hay` fuzzily: its characters in order.
fn fuzzy(hay: &str, needle: &str) -> bool {
    let mut wanted = needle.chars().peekable();
    for c in hay.chars().flat_map(char::to_lowercase) {
        match wanted.peek() {
            Some(&w) if w == c => {
                wanted.next();
            }
            Some(_) => {}
            None => return true,
        }
    }
    wanted.peek().is_none()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn field_lists_follow_the_key_lists() {
        for (key, field) in MFA_KEYS.iter().zip(MFA_FIELDS) {
            assert_eq!(Field::parse(key), Some(field), "{key}");
        }
        for (key, field) in expiry::EXPIRY_KEYS.iter().zip(EXPIRY_FIELDS) {
            assert_eq!(Field::parse(key), Some(field), "{key}");
        }
    }

    #[test]
    fn arns_split_into_account_and_last_segment() {
        let arn = "arn:aws:iam::123456789012:role/path/to/Admin";
        assert_eq!(split_arn(arn), Some(("123456789012", "role/path/to/Admin")));
        assert_eq!(last_segment("role/path/to/Admin"), "Admin");
        assert_eq!(last_segment("Admin"), "Admin");
        assert_eq!(split_arn("arn:aws:iam:::role/x"), None);
        assert_eq!(split_arn("arn:aws:iam"), None);
        assert_eq!(split_arn("not-an-arn"), None);
    }

    #[test]
    fn a_chain_that_leads_nowhere_says_why_as_data() {
        let config = "[profile a]\nrole_arn = arn:aws:iam::1:role/a\nsource_profile = b\n\
                      [profile b]\nrole_arn = arn:aws:iam::1:role/b\nsource_profile = a\n\
                      [profile c]\nrole_arn = arn:aws:iam::1:role/c\nsource_profile = gone\n\
                      [profile d]\nrole_arn = arn:aws:iam::1:role/d\nsource_profile = e\n\
                      [profile e]\nregion = eu-west-1\n";
        let doc = super::super::Document::from_str_lossless(config);
        let creds = super::super::Document::from_str_lossless("");
        let map = ConfigMap::build(doc.structure().unwrap(), creds.structure().unwrap());
        let loop_error = resolve_chain(&map, "a").unwrap_err();
        assert_eq!(
            loop_error,
            ChainError::Loop(vec!["a".into(), "b".into(), "a".into()])
        );
        assert_eq!(loop_error.to_string(), "source_profile loop: a → b → a");
        assert_eq!(
            resolve_chain(&map, "c").unwrap_err(),
            ChainError::MissingSource {
                missing: "gone".into(),
                named_in: "c".into()
            }
        );
        assert_eq!(
            resolve_chain(&map, "d").unwrap_err(),
            ChainError::NoCredentials("e".into())
        );
        assert_eq!(
            resolve_chain(&map, "x").unwrap_err(),
            ChainError::NoProfile("x".into())
        );
    }
}
