//! What the command run by `mfatui exec --server PROFILE` sees of the shared files, so that
//! every served identity is exactly the one asked for:
//!
//! - the default chain (no profile named) must reach the endpoint, so credentials in either
//!   file's `[default]` — keys, a role, SSO, a `credential_process` — must not win over it;
//! - a profile named explicitly must get its own credentials or its own clear error, never the
//!   served session: a profile with no credentials at all would otherwise fall through to the
//!   endpoint, so it gets a `credential_process` that says so;
//! - everything else is left as it is, in the user's real files.
//!
//! When (and only when) the files need it, CMD gets copies with exactly those changes in a
//! private folder (0700 under the request socket's folder, or a fresh one in mfatui's cache
//! folder when someone else holds that; files 0400), kept up to date when
//! the real files change and removed when CMD ends; stderr says what and why. A boto config
//! with AWS keys in `[Credentials]` (botocore reads it before the endpoint) gets a copy
//! without them. `mfatui` run inside CMD still reads and writes the real files
//! (`MFATUI_OVERLAY` tells it where they are).
//!
//! A copy changed by a tool in CMD (`aws configure set`, `aws configure sso`) is never
//! destroyed silently: before a copy is rewritten or removed — by this run, by its keeper
//! after a `kill -9`, or by the next run — its bytes are compared with what mfatui last wrote
//! there (the folder's record); a changed copy is first kept in mfatui's private cache folder
//! and stderr names it.

use super::requests::FolderError;
use crate::awsfiles::config_map::{config_section_name, config_section_profile, ProfileSettings};
use crate::awsfiles::plan::apply_edits;
use crate::awsfiles::syntax::js_space;
use crate::awsfiles::{
    AwsPaths, Document, Edit, EditError, FileKind, LoadError, Snapshot, SyntaxError,
};
use std::collections::BTreeMap;
use std::os::unix::ffi::{OsStrExt, OsStringExt};
use std::path::{Path, PathBuf};

/// Why CMD's copies could not be worked out or written (one sentence each).
#[derive(Debug, thiserror::Error)]
pub enum OverlayError {
    /// The real files could not be read.
    #[error("{0}")]
    Load(#[from] LoadError),
    /// A real file botocore would refuse (so no copy of it can be made).
    #[error("{0}")]
    Syntax(#[from] SyntaxError),
    /// An edit of a copy was refused.
    #[error("{0}")]
    Edit(#[from] EditError),
    /// A copy could not be written.
    #[error("{}: {source}", path.display())]
    Write {
        /// The copy.
        path: PathBuf,
        /// What failed.
        #[source]
        source: crate::safe_fs::ReplaceError,
    },
    /// The run's folder could not be made.
    #[error("{}: {source}", path.display())]
    Create {
        /// The folder.
        path: PathBuf,
        /// What the system said.
        #[source]
        source: std::io::Error,
    },
    /// A profile without credentials of its own has a name no copy can write.
    #[error("the profile '{name}' has a control character in its name, so the copy of the config file CMD reads cannot make it fail clearly instead of getting the served session: rename or remove that profile, then run exec --server again")]
    UnnameableProfile {
        /// The name, printable.
        name: String,
    },
    /// A line the JS SDK reads as another section header than botocore does.
    #[error("{}, line {line}: the AWS CLI and the JS SDK read `{text}` differently (a section header for one, not the same one or none for the other: an indent, a comment after it); CMD's SDKs would not agree on who it is: write it as a plain `[name]` line, or remove it, then run exec --server again", .path.display())]
    HeaderReadApart {
        /// The file.
        path: PathBuf,
        /// Its 1-based line.
        line: usize,
        /// The line, trimmed and printable.
        text: String,
    },
    /// Neither the usual folder nor the one in its place can hold the copies.
    #[error("{why}, and the folder for copies in its place cannot be used: {fallback}")]
    NoFolder {
        /// Why the usual folder is refused.
        why: FolderError,
        /// Why the one in its place is.
        fallback: FolderError,
    },
}

/// Refuses a file in which the JS SDK v3 and botocore (whom mfatui follows) see different
/// section headers: an indented `  [profile default]` is part of a value for botocore and a
/// section for the JS SDK, `[default] #x]` is the section `default] #x` for botocore and
/// `default` for the JS SDK, a Unicode space before a header indents it for botocore only, and
/// so on. Followed by keys, such a line gives the JS SDK inside CMD another identity than the
/// endpoint, so no copy can serve both alike.
fn refuse_headers_read_apart(file: &crate::awsfiles::AwsFile) -> Result<(), OverlayError> {
    let text = file.document.text();
    let structure = file.document.structure()?;
    let headers: std::collections::HashMap<usize, &str> =
        structure.sections().map(|s| (s.header, s.name)).collect();
    let keys: std::collections::HashSet<usize> = structure
        .sections()
        .flat_map(|s| s.entries.iter())
        .chain(structure.defaults.iter())
        .map(|e| e.line)
        .collect();
    for (n, line) in universal_lines(text).enumerate() {
        let botocore = headers.get(&n).copied();
        let js = js_section(line);
        let agree = match (botocore, js) {
            // In the config file the JS SDK also reads `[profile.NAME]` (and `[default]`) as
            // the profile it names, where botocore reads a section of no profile.
            (Some(b), Some(j)) if file.kind == FileKind::Config => {
                b == j
                    && js_config_profile(j).is_none_or(|name| {
                        config_section_profile(b).as_deref() == Some(name.as_str())
                    })
            }
            (Some(b), Some(j)) => b == j,
            // An indented line continuing a value for botocore is a setting of its own for
            // the JS SDK: one that names credentials gives it another identity.
            (None, None) => keys.contains(&n) || !js_credential_key(line),
            // `[DEFAULT]` is a header to both, kept apart from the sections by the reader.
            (None, Some("DEFAULT")) => line.trim_end() == "[DEFAULT]",
            _ => false,
        };
        // The JS SDK ends lines at `\n` only: a lone `\r` joins two of botocore's lines.
        let lone_cr = {
            let end = line.as_ptr() as usize - text.as_ptr() as usize + line.len();
            text.as_bytes().get(end) == Some(&b'\r') && text.as_bytes().get(end + 1) != Some(&b'\n')
        };
        if !agree || lone_cr {
            return Err(OverlayError::HeaderReadApart {
                path: file.path.clone(),
                line: n + 1,
                // Masked as any line shown: it is often a pasted secret (attack round 14, C-8).
                text: crate::text::printable(&crate::awsfiles::mask::mask_line(line.trim()), 80),
            });
        }
    }
    Ok(())
}

/// The lines of `text` as botocore counts them: ended by `\n`, `\r\n` or a lone `\r`.
fn universal_lines(text: &str) -> impl Iterator<Item = &str> {
    text.split('\n')
        .flat_map(|l| l.strip_suffix('\r').unwrap_or(l).split('\r'))
}

/// The profile the JS SDK v3 reads a config file section as, given the text between its
/// brackets: `parseIni` names `profile NAME` (one space, `NAME` of `[\w-@+.%:/]`, maybe
/// quoted) `profile.NAME`, keeps a name that is not of that shape as it is, and drops other
/// prefixes; `getConfigData` then takes `default` and, for a name that starts with
/// `profile.`, the rest — so `[profile.default]` is profile `default` to it, no profile to
/// botocore.
fn js_config_profile(bracket: &str) -> Option<String> {
    let word = |c: char| c.is_ascii_alphanumeric() || c == '_' || c == '-';
    let section = match bracket.find(|c: char| !word(c)) {
        Some(at) if at > 0 && bracket[at..].starts_with(js_space) => {
            let prefix = &bracket[..at];
            let space = bracket[at..].chars().next().map_or(0, char::len_utf8);
            let rest = &bracket[at + space..];
            let name_char = |c: char| word(c) || "@+.%:/".contains(c);
            let quoted = ['"', '\''].into_iter().find_map(|q| {
                rest.strip_prefix(q)
                    .and_then(|r| r.strip_suffix(q))
                    .filter(|n| !n.is_empty() && n.chars().all(name_char))
            });
            let bare = Some(rest).filter(|n| !n.is_empty() && n.chars().all(name_char));
            match quoted.or(bare) {
                Some(name) if ["profile", "sso-session", "services"].contains(&prefix) => {
                    format!("{prefix}.{name}")
                }
                Some(_) => return None,
                None => bracket.to_owned(),
            }
        }
        _ => bracket.to_owned(),
    };
    if section == "default" {
        return Some(section);
    }
    section.strip_prefix("profile.").map(str::to_owned)
}

/// Whether the JS SDK v3 reads `line` as a setting that names credentials ([`SOURCE_KEYS`]).
fn js_credential_key(line: &str) -> bool {
    let trimmed = line.trim_matches(js_space);
    !trimmed.starts_with(['#', ';'])
        && trimmed.split_once('=').is_some_and(|(key, _)| {
            let key = key.trim_matches(js_space).to_ascii_lowercase();
            SOURCE_KEYS.contains(&key.as_str())
        })
}

/// The section a line opens for the JS SDK v3's `parseIni`: the line cut at its first `;` or
/// `#` that starts it or follows whitespace, trimmed of whitespace (Unicode's, and the BOM),
/// read as a header when it is `[…]`: the text between the brackets.
fn js_section(line: &str) -> Option<&str> {
    let mut previous: Option<char> = None;
    let mut cut = line.len();
    for (i, c) in line.char_indices() {
        if matches!(c, ';' | '#') && previous.is_none_or(js_space) {
            cut = i;
            break;
        }
        previous = Some(c);
    }
    let trimmed = line[..cut].trim_matches(js_space);
    trimmed.strip_prefix('[').and_then(|t| t.strip_suffix(']'))
}

/// Keys that make a profile get credentials some way other than the endpoint.
pub const SOURCE_KEYS: [&str; 13] = [
    "aws_access_key_id",
    "aws_secret_access_key",
    "aws_session_token",
    "aws_security_token",
    "role_arn",
    "web_identity_token_file",
    "sso_session",
    "sso_start_url",
    "sso_account_id",
    "sso_role_name",
    "credential_process",
    "login_session",
    crate::awsfiles::profile::KEYRING_MARKER,
];

/// The copies CMD needs, if any, and what they change.
#[derive(Clone, Debug, Default)]
pub struct Needs {
    /// The config file as CMD should see it, when it differs.
    pub config: Option<Document>,
    /// The credentials file as CMD should see it, when it differs.
    pub credentials: Option<Document>,
    /// The boto config as CMD should see it, when one would give botocore other keys.
    pub boto: Option<BotoCopy>,
    /// One sentence per change, for stderr.
    pub notes: Vec<String>,
}

/// The section CMD's copies move `[default]`'s credentials to, for the profiles that name
/// `default` as their `source_profile`.
pub const DEFAULT_ALIAS: &str = "mfatui-exec-default";

/// A file's copy without `[default]`'s credential keys (when it had any), and those keys with
/// their values.
type Stripped = (Option<Document>, Vec<(String, String)>);

/// Whether botocore finds credentials of the profile's own (or its own error) before it would
/// reach the container endpoint: an access key id, a role, a `credential_process`, SSO with an
/// account or role, an `aws login` session. botocore passes over the rest — an `sso_session`
/// or `sso_start_url` alone, a secret without its key id, mfatui's keyring marker — and would
/// hand such a profile the served session.
fn has_own_source(p: &ProfileSettings) -> bool {
    [
        "aws_access_key_id",
        "role_arn",
        "credential_process",
        "sso_account_id",
        "sso_role_name",
        "login_session",
    ]
    .iter()
    .any(|k| p.has(k))
}

/// Works out what CMD must see differently, given the files, the served profile and the
/// mfatui binary the guards run.
pub fn needs(snapshot: &Snapshot, served: &str, exe: &str) -> Result<Needs, OverlayError> {
    let files = snapshot.files();
    for file in [&files.config, &files.credentials] {
        refuse_headers_read_apart(file)?;
    }
    let mut out = Needs::default();
    // `[default]`'s credential keys, removed from a file's copy (with their values, for the
    // roles that source `default`). In the config file every section botocore reads as
    // profile `default` counts (`[profile default]`, `[profile "default"]`, …: the names are
    // read as the rest of mfatui reads them); in the credentials file, `[default]` alone.
    let strip = |doc: &Document,
                 kind: FileKind,
                 notes: &mut Vec<String>|
     -> Result<Stripped, OverlayError> {
        let structure = doc.structure()?;
        let mut found = Vec::new();
        let mut edits = Vec::new();
        for section in structure.sections() {
            let is_default = match kind {
                FileKind::Config => {
                    config_section_profile(section.name).is_some_and(|profile| profile == "default")
                }
                FileKind::Credentials => section.name == "default",
            };
            if !is_default {
                continue;
            }
            // botocore reads the last of them (a later section replaces an earlier one).
            found = SOURCE_KEYS
                .iter()
                .filter_map(|k| {
                    section
                        .entry(k)
                        .map(|e| ((*k).to_owned(), e.value.to_string()))
                })
                .collect();
            if found.is_empty() {
                continue;
            }
            let names: Vec<&str> = found.iter().map(|(k, _)| k.as_str()).collect();
            notes.push(format!(
                "the {} file's [{}] has {}, which would win over the served session of '{served}'; CMD sees a read-only copy without them",
                kind.label(),
                section.name,
                names.join(", ")
            ));
            edits.extend(found.iter().map(|(k, _)| Edit::Remove {
                section: section.name.to_owned(),
                key: k.clone(),
            }));
        }
        if edits.is_empty() {
            return Ok((None, Vec::new()));
        }
        let doc = apply_edits(doc, &edits)?;
        Ok((Some(doc), found))
    };
    let (mut credentials, moved_credentials) = strip(
        &files.credentials.document,
        FileKind::Credentials,
        &mut out.notes,
    )?;
    let (mut config, moved_config) =
        strip(&files.config.document, FileKind::Config, &mut out.notes)?;

    // Roles that source `default` keep its credentials, under another name.
    let sourcing: Vec<(&str, ProfileSettings)> = snapshot
        .map()
        .profiles()
        .filter(|(name, p)| *name != "default" && p.get("source_profile") == Some("default"))
        .collect();
    let moved = !moved_credentials.is_empty() || !moved_config.is_empty();
    if moved && !sourcing.is_empty() {
        let alias = |moved: &[(String, String)], section: String| -> Vec<Edit> {
            moved
                .iter()
                .map(|(key, value)| Edit::Set {
                    section: section.clone(),
                    key: key.clone(),
                    value: value.clone(),
                })
                .collect()
        };
        let mut config_edits = alias(&moved_config, config_section_name(DEFAULT_ALIAS));
        let mut credentials_edits = alias(&moved_credentials, DEFAULT_ALIAS.to_owned());
        for (name, p) in &sourcing {
            let repoint = |section: String| Edit::Set {
                section,
                key: "source_profile".to_owned(),
                value: DEFAULT_ALIAS.to_owned(),
            };
            // Edit the file whose value botocore reads: the credentials file's wins.
            match p.credentials_only().has("source_profile") {
                true => credentials_edits
                    .push(repoint(p.credentials_section.unwrap_or(name).to_owned())),
                false => config_edits.push(repoint(
                    p.config_section
                        .map_or_else(|| config_section_name(name), str::to_owned),
                )),
            }
        }
        for (doc, edits, real) in [
            (&mut config, config_edits, &files.config.document),
            (
                &mut credentials,
                credentials_edits,
                &files.credentials.document,
            ),
        ] {
            if !edits.is_empty() {
                let base = doc.take().unwrap_or_else(|| real.clone());
                *doc = Some(apply_edits(&base, &edits)?);
            }
        }
        let names: Vec<&str> = sourcing.iter().map(|(n, _)| *n).collect();
        out.notes.push(format!(
            "{} {} [default] as source_profile; in CMD {} [{DEFAULT_ALIAS}], which holds [default]'s credentials",
            list(&names),
            if names.len() == 1 { "names" } else { "name" },
            if names.len() == 1 { "it sources" } else { "they source" },
        ));
    }
    out.credentials = credentials;

    let bare: Vec<(&str, ProfileSettings)> = snapshot
        .map()
        .profiles()
        .filter(|(name, p)| *name != "default" && !has_own_source(p))
        .collect();
    if bare.is_empty() {
        out.config = config;
        return Ok(out);
    }
    // Each gets a `credential_process` naming it; a control character cannot be written in
    // a value (and no shell word would carry it).
    if let Some((name, _)) = bare.iter().find(|(n, _)| n.chars().any(char::is_control)) {
        return Err(OverlayError::UnnameableProfile {
            name: crate::text::printable(name, 80),
        });
    }
    let mut doc = config.unwrap_or_else(|| files.config.document.clone());
    let edits: Vec<Edit> = bare
        .iter()
        .map(|(name, p)| Edit::Set {
            section: p
                .config_section
                .map_or_else(|| config_section_name(name), str::to_owned),
            key: "credential_process".to_owned(),
            value: format!(
                "{} credential-process {}",
                crate::awsfiles::shlex::quote(exe),
                crate::awsfiles::shlex::quote(name)
            ),
        })
        .collect();
    doc = apply_edits(&doc, &edits)?;
    let names: Vec<&str> = bare.iter().map(|(n, _)| *n).collect();
    out.notes.push(format!(
        "{} {} no credentials of {} own and would otherwise get the served session of '{served}'; in CMD {} with a clear error instead",
        list(&names),
        if names.len() == 1 { "has" } else { "have" },
        if names.len() == 1 { "its" } else { "their" },
        if names.len() == 1 { "it fails" } else { "they fail" },
    ));
    out.config = Some(doc);
    Ok(out)
}

/// A boto config as CMD should see it: the file boto would read, without the AWS keys of its
/// `[Credentials]` (botocore's `boto-config` provider, which comes before the container
/// endpoint in its chain, reads them); every other setting kept, so gsutil still works.
#[derive(Clone, Debug)]
pub struct BotoCopy {
    /// The file copied.
    pub source: PathBuf,
    /// The copy's bytes.
    pub text: Vec<u8>,
}

/// The AWS keys boto and botocore read from a boto config.
const BOTO_AWS_KEYS: [&str; 4] = [
    "aws_access_key_id",
    "aws_secret_access_key",
    "aws_session_token",
    "aws_security_token",
];

/// Where boto and botocore look for a boto config: `BOTO_CONFIG` alone when it is set, else
/// `/etc/boto.cfg` then `~/.boto`.
pub fn boto_sources(env: &crate::env::Env) -> Vec<PathBuf> {
    match env.get_os("BOTO_CONFIG") {
        Some(set) => {
            let set = PathBuf::from(set);
            match set.strip_prefix("~") {
                Ok(rest) => vec![env.home().join(rest)],
                Err(_) => vec![set],
            }
        }
        None => vec![PathBuf::from("/etc/boto.cfg"), env.home().join(".boto")],
    }
}

/// `text` without the AWS key lines (and their continuation lines) of its `[Credentials]`
/// and `[DEFAULT]` sections, read as Python's configparser reads them, and whether an access
/// key id was among them (what botocore's boto provider looks for).
fn strip_boto(text: &str) -> (String, bool) {
    let mut out = String::with_capacity(text.len());
    let (mut section, mut dropping, mut found) = (String::new(), false, false);
    for line in text.split_inclusive('\n') {
        let trimmed = line.trim();
        let indented = line.starts_with([' ', '\t']);
        if dropping && indented && !trimmed.is_empty() {
            continue;
        }
        dropping = false;
        if trimmed.is_empty() || trimmed.starts_with(['#', ';']) {
            out.push_str(line);
            continue;
        }
        if !indented && trimmed.starts_with('[') {
            if let Some(end) = trimmed.rfind(']').filter(|end| *end > 1) {
                trimmed[1..end].clone_into(&mut section);
            }
            out.push_str(line);
            continue;
        }
        if matches!(section.as_str(), "Credentials" | "DEFAULT") {
            let key = trimmed
                .split(['=', ':'])
                .next()
                .unwrap_or_default()
                .trim()
                .to_lowercase();
            if BOTO_AWS_KEYS.contains(&key.as_str()) {
                found |= key == "aws_access_key_id";
                dropping = true;
                continue;
            }
        }
        out.push_str(line);
    }
    (out, found)
}

/// The boto config CMD needs when one of `sources` (see [`boto_sources`]) would give botocore
/// AWS keys, with the sentence for stderr: a copy of the last of them that exists (the one
/// whose settings win for boto), without its AWS keys.
pub fn boto_copy(sources: &[PathBuf], served: &str) -> Option<(BotoCopy, String)> {
    let read: Vec<(&PathBuf, String)> = sources
        .iter()
        .filter_map(|p| {
            let bytes = std::fs::read(p).ok()?;
            Some((p, String::from_utf8_lossy(&bytes).into_owned()))
        })
        .collect();
    let (with_keys, _) = read.iter().find(|(_, text)| strip_boto(text).1)?;
    let (source, text) = read.last()?;
    let mut note = format!(
        "{} has AWS keys in [Credentials], which would win over the served session of '{served}'; CMD's BOTO_CONFIG names a read-only copy of {} without them",
        with_keys.display(),
        source.display()
    );
    if read.len() > 1 {
        note.push_str(&format!(
            " (boto in CMD does not read {})",
            read[..read.len() - 1]
                .iter()
                .map(|(p, _)| p.display().to_string())
                .collect::<Vec<_>>()
                .join(", ")
        ));
    }
    let copy = BotoCopy {
        source: (*source).clone(),
        text: strip_boto(text).0.into_bytes(),
    };
    Some((copy, note))
}

/// The copies CMD needs for serving `profile`, if any, written into a private folder (see
/// [`places`]) that is removed when the [`Overlay`] is dropped. The copies left by runs that
/// were killed go first.
pub fn prepare(
    ctx: &crate::context::Context,
    profile: &str,
) -> Result<Option<(Overlay, Needs)>, OverlayError> {
    let (base, fallback) = places(ctx);
    remove_stale(&base, &fallback);
    let snapshot = ctx.snapshot()?;
    let exe = std::env::current_exe()
        .ok()
        .map(|p| p.display().to_string())
        .unwrap_or_else(|| "mfatui".to_owned());
    let needs = needs(&snapshot, profile, &exe)?;
    let boto = boto_copy(&boto_sources(&ctx.env), profile);
    if needs.config.is_none() && needs.credentials.is_none() && boto.is_none() {
        return Ok(None);
    }
    let overlay = Overlay::create(&base, &fallback, &ctx.paths, profile, &exe)?;
    let mut needs = overlay.copies().refresh(&snapshot)?;
    if let Some((boto, note)) = boto {
        overlay.copies().write_boto(&boto)?;
        needs.notes.push(note);
        needs.boto = Some(boto);
    }
    Ok(Some((overlay, needs)))
}

/// `'a'`, `'a' and 'b'`, `'a', 'b' and 'c'`, `'a', 'b', 'c' and 3 others`.
fn list(names: &[&str]) -> String {
    let quoted: Vec<String> = names.iter().take(3).map(|n| format!("'{n}'")).collect();
    match (quoted.as_slice(), names.len()) {
        ([], _) => String::new(),
        ([one], 1) => one.clone(),
        (shown, n) if n == shown.len() => {
            format!("{} and {}", shown[..n - 1].join(", "), shown[n - 1])
        }
        (shown, 4) => format!("{} and one other", shown.join(", ")),
        (shown, n) => format!("{} and {} others", shown.join(", "), n - shown.len()),
    }
}

/// Writes the copies of one run into its folder.
#[derive(Clone, Debug)]
pub struct Copies {
    dir: PathBuf,
    real: AwsPaths,
    served: String,
    exe: String,
    /// Where a copy CMD changed is kept before it is rewritten or removed.
    kept: PathBuf,
}

impl Copies {
    /// Where CMD's config copy is.
    pub fn config_path(&self) -> PathBuf {
        self.dir.join("config")
    }

    /// Where CMD's credentials copy is.
    pub fn credentials_path(&self) -> PathBuf {
        self.dir.join("credentials")
    }

    /// Writes the copies the real files need now; returns what they change. A copy CMD
    /// already reads stays where CMD looks for it (as the real file itself once it no longer
    /// needs a change), and one CMD changed is kept first ([`save_changes`]); one that
    /// could not be kept is left as it is.
    pub fn refresh(&self, snapshot: &Snapshot) -> Result<Needs, OverlayError> {
        let needs = needs(snapshot, &self.served, &self.exe)?;
        let files = snapshot.files();
        let mut record = Record::read(&self.dir).unwrap_or_default();
        record.kept = self.kept.as_os_str().as_bytes().to_vec();
        for (name, doc, real_doc, real) in [
            (
                "config",
                &needs.config,
                &files.config.document,
                &self.real.config,
            ),
            (
                "credentials",
                &needs.credentials,
                &files.credentials.document,
                &self.real.credentials,
            ),
        ] {
            let bytes = match doc {
                Some(doc) => doc.render(),
                None if record.copies.contains_key(name) => real_doc.render(),
                None => continue,
            };
            self.write_copy(&mut record, name, &bytes, real)?;
        }
        Ok(needs)
    }

    /// Writes CMD's copy of the boto config (see [`boto_copy`]).
    fn write_boto(&self, boto: &BotoCopy) -> Result<(), OverlayError> {
        let mut record = Record::read(&self.dir).unwrap_or_default();
        record.kept = self.kept.as_os_str().as_bytes().to_vec();
        self.write_copy(&mut record, "boto", &boto.text, &boto.source)
    }

    /// Replaces the copy `name` with `bytes` (read-only: most writers then fail loudly) and
    /// records what was written, after keeping the copy if CMD changed it.
    fn write_copy(
        &self,
        record: &mut Record,
        name: &str,
        bytes: &[u8],
        real: &Path,
    ) -> Result<(), OverlayError> {
        use std::os::unix::fs::PermissionsExt;
        let path = self.dir.join(name);
        let written = record.copies.get(name);
        // The new copy is swapped in atomically with what stands there, and what it displaced
        // is then checked: a write CMD makes up to that very instant is seen and kept, never
        // overwritten unseen. Where the exchange is not possible (a missing copy, a file
        // system without it), check first, then replace.
        match exchange(&path, bytes) {
            Ok(displaced) => {
                let kept = save_changes(&displaced, name, written, &self.kept);
                if kept {
                    let _ = std::fs::remove_file(&displaced);
                } else {
                    // Not kept (stderr said why): CMD's version goes back where it was.
                    let _ = exchange_paths(&displaced, &path);
                    let _ = std::fs::remove_file(&displaced);
                    return Ok(());
                }
            }
            Err(_) => {
                if !save_changes(&path, name, written, &self.kept) {
                    return Ok(());
                }
                write_private(&path, bytes)?;
            }
        }
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o400)).map_err(
            |source| OverlayError::Create {
                path: path.clone(),
                source,
            },
        )?;
        record.copies.insert(
            name.to_owned(),
            Written {
                sha1: sha1_hex(bytes),
                real: real.as_os_str().as_bytes().to_vec(),
            },
        );
        record.write(&self.dir)
    }

    /// The variables CMD gets for the copies in `needs`: the copy's path, and where the real
    /// file is (for `mfatui` run inside CMD).
    pub fn environment(&self, needs: &Needs) -> Vec<(String, String)> {
        let mut vars = vec![("MFATUI_OVERLAY".to_owned(), self.dir.display().to_string())];
        if needs.config.is_some() {
            vars.push((
                "AWS_CONFIG_FILE".into(),
                self.config_path().display().to_string(),
            ));
            vars.push((
                "MFATUI_REAL_CONFIG_FILE".into(),
                self.real.config.display().to_string(),
            ));
        }
        if needs.credentials.is_some() {
            vars.push((
                "AWS_SHARED_CREDENTIALS_FILE".into(),
                self.credentials_path().display().to_string(),
            ));
            vars.push((
                "MFATUI_REAL_SHARED_CREDENTIALS_FILE".into(),
                self.real.credentials.display().to_string(),
            ));
        }
        if needs.boto.is_some() {
            vars.push((
                "BOTO_CONFIG".into(),
                self.dir.join("boto").display().to_string(),
            ));
        }
        vars
    }
}

/// What mfatui last wrote to one copy.
#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
struct Written {
    /// SHA-1 of the bytes, hex.
    sha1: String,
    /// The real file the copy stands for (its path's bytes).
    real: Vec<u8>,
}

/// The record in a run's folder of what mfatui last wrote there, read by whoever rewrites or
/// removes the copies: this run, its keeper after a `kill -9`, the next run.
#[derive(Debug, Default, serde::Serialize, serde::Deserialize)]
struct Record {
    /// Where a copy CMD changed is kept (its path's bytes).
    kept: Vec<u8>,
    /// By copy name (`config`, `credentials`, `boto`).
    copies: BTreeMap<String, Written>,
}

/// The record's name in a run's folder.
const RECORD: &str = ".written";

impl Record {
    /// The record of the run's folder `dir`, if it has one.
    fn read(dir: &Path) -> Option<Record> {
        serde_json::from_slice(&std::fs::read(dir.join(RECORD)).ok()?).ok()
    }

    /// Replaces the record of `dir`.
    fn write(&self, dir: &Path) -> Result<(), OverlayError> {
        let bytes = serde_json::to_vec(self).unwrap_or_default();
        write_private(&dir.join(RECORD), &bytes)
    }
}

/// `bytes`' SHA-1, hex.
fn sha1_hex(bytes: &[u8]) -> String {
    use sha1::Digest;
    sha1::Sha1::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Before the copy at `path` is rewritten or removed: when its bytes are not what mfatui
/// last wrote there (`written`), a tool in CMD changed it, so it is kept — a new file, 0600,
/// in `kept` — and stderr says where, and that the change is not in the user's file. Returns
/// whether the copy may now go; `false` (it changed and could not be kept: stderr says so)
/// leaves it where it is. A copy that is gone, or a link (what it leads to is elsewhere), has
/// nothing to keep.
fn save_changes(path: &Path, name: &str, written: Option<&Written>, kept: &Path) -> bool {
    let Ok(meta) = std::fs::symlink_metadata(path) else {
        return true;
    };
    if !meta.is_file() {
        return true;
    }
    let bytes = match std::fs::read(path) {
        Ok(bytes) => bytes,
        Err(e) => {
            say(format!(
                "mfatui: cannot read CMD's copy {} to see whether it was changed ({e}); it is left where it is",
                path.display()
            ));
            return false;
        }
    };
    if written.is_some_and(|w| w.sha1 == sha1_hex(&bytes)) {
        return true;
    }
    let what = match name {
        "config" => "config file",
        "credentials" => "credentials file",
        _ => "boto config",
    };
    match keep_bytes(kept, name, &bytes) {
        Ok(at) => {
            let real = written.map(|w| PathBuf::from(std::ffi::OsString::from_vec(w.real.clone())));
            match real {
                Some(real) => say(format!(
                    "mfatui: a tool in CMD changed its copy of the {what}; that copy is kept in {} and its changes are not in {} (`diff {} {}` shows them)",
                    at.display(),
                    real.display(),
                    quote(&real),
                    quote(&at)
                )),
                None => say(format!(
                    "mfatui: a tool in CMD wrote {}; it is kept in {} and is not in your files",
                    path.display(),
                    at.display()
                )),
            }
            true
        }
        Err(e) => {
            say(format!(
                "mfatui: a tool in CMD changed its copy of the {what}, {}, which could not be kept in {} ({e}); it is left where it is",
                path.display(),
                kept.display()
            ));
            false
        }
    }
}

/// Says `line` on stderr made printable: the paths in it come from the environment.
fn say(line: String) {
    eprintln!("{}", crate::text::printable_lines(line));
}

/// `path` quoted for a shell command line the user may copy.
fn quote(path: &Path) -> String {
    crate::awsfiles::shlex::quote(&path.to_string_lossy())
}

/// Writes `bytes` to a new file `NAME-TIME[-N]` (0600) in the private folder `kept`.
fn keep_bytes(kept: &Path, name: &str, bytes: &[u8]) -> std::io::Result<PathBuf> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    crate::safe_fs::private_dir(kept)?;
    let stamp = chrono::Utc::now().format("%Y%m%dT%H%M%SZ");
    for n in 0..1000 {
        let path = match n {
            0 => kept.join(format!("{name}-{stamp}")),
            n => kept.join(format!("{name}-{stamp}-{n}")),
        };
        let opened = std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(0o600)
            .open(&path);
        let mut file = match opened {
            Ok(file) => file,
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => continue,
            Err(e) => return Err(e),
        };
        let written = file.write_all(bytes).and_then(|()| file.sync_all());
        if let Err(e) = written {
            let _ = std::fs::remove_file(&path);
            return Err(e);
        }
        return Ok(path);
    }
    Err(std::io::Error::other(
        "too many kept copies with the same time",
    ))
}

/// Removes a run's copies folder `dir`, after keeping every copy CMD changed
/// ([`save_changes`]); a changed copy that could not be kept keeps the folder (the next run
/// tries again).
fn retire(dir: &Path) {
    if let Some(record) = Record::read(dir) {
        let kept = PathBuf::from(std::ffi::OsString::from_vec(record.kept.clone()));
        let mut all = true;
        for (name, written) in &record.copies {
            all &= save_changes(&dir.join(name), name, Some(written), &kept);
        }
        if !all {
            return;
        }
    }
    let _ = std::fs::remove_dir_all(dir);
}

/// The private folder of one run's copies, removed when dropped.
#[derive(Debug)]
pub struct Overlay {
    copies: Copies,
}

impl Drop for Overlay {
    fn drop(&mut self) {
        retire(&self.copies.dir);
    }
}

impl Overlay {
    /// A private folder `exec-PID` under `base` (the request socket's folder). When `base` is not this user's private
    /// folder — someone else made it first — a fresh folder with an unpredictable name in
    /// `fallback` (mfatui's private cache folder, see [`places`]) takes its place: the copies
    /// never depend on a folder another user can reach, block or make again.
    pub fn create(
        base: &Path,
        fallback: &Path,
        real: &AwsPaths,
        served: &str,
        exe: &str,
    ) -> Result<Overlay, OverlayError> {
        let dir = match private_base(base) {
            // `exec-PID-` and a random part: a name nobody else can know, so that a folder
            // above it made again by another user once it is gone (a runtime folder in a
            // shared `/tmp`) still cannot hold the copies a process of CMD's reads (attack
            // round 14, C-4).
            Ok(()) => {
                let prefix = format!("exec-{}-", std::process::id());
                crate::safe_fs::fresh_private_dir(base, &prefix).map_err(|source| {
                    OverlayError::Create {
                        path: base.to_owned(),
                        source,
                    }
                })?
            }
            Err(why) => {
                crate::diag!("exec copies: {why}; using a fresh private folder instead");
                private_base(fallback)
                    .map_err(|fallback| OverlayError::NoFolder { why, fallback })?;
                let prefix = format!("{FALLBACK_PREFIX}{}-", std::process::id());
                crate::safe_fs::fresh_private_dir(fallback, &prefix).map_err(|source| {
                    OverlayError::Create {
                        path: fallback.to_owned(),
                        source,
                    }
                })?
            }
        };
        Ok(Overlay {
            copies: Copies {
                dir,
                real: real.clone(),
                served: served.to_owned(),
                exe: exe.to_owned(),
                kept: fallback.join("changed"),
            },
        })
    }

    /// The run's private folder.
    pub fn dir(&self) -> &Path {
        &self.copies.dir
    }

    /// The writer of the copies (for keeping them current while CMD runs).
    pub fn copies(&self) -> &Copies {
        &self.copies
    }
}

/// Puts a new file holding `bytes` (0400) in `path`'s place in one step, exchanging the two:
/// returns where what stood at `path` now is (to check, then remove). Fails, changing
/// nothing, when nothing stands at `path` or the file system cannot exchange.
fn exchange(path: &Path, bytes: &[u8]) -> std::io::Result<PathBuf> {
    use std::io::Write;
    use std::os::unix::fs::PermissionsExt;
    if !std::fs::symlink_metadata(path)?.is_file() {
        return Err(std::io::Error::other("not a regular file"));
    }
    let dir = path.parent().unwrap_or(Path::new("."));
    let mut temp = tempfile::Builder::new()
        .prefix(".new-")
        .permissions(std::fs::Permissions::from_mode(0o600))
        .tempfile_in(dir)?;
    temp.write_all(bytes)?;
    temp.as_file()
        .set_permissions(std::fs::Permissions::from_mode(0o400))?;
    let (_, temp) = temp.keep().map_err(|e| e.error)?;
    match exchange_paths(&temp, path) {
        Ok(()) => Ok(temp),
        Err(e) => {
            let _ = std::fs::remove_file(&temp);
            Err(e)
        }
    }
}

/// Swaps the files at `a` and `b` atomically (`renameat2` with `RENAME_EXCHANGE`).
fn exchange_paths(a: &Path, b: &Path) -> std::io::Result<()> {
    use rustix::fs::{renameat_with, RenameFlags, CWD};
    renameat_with(CWD, a, CWD, b, RenameFlags::EXCHANGE).map_err(std::io::Error::from)
}

/// Writes `bytes` to `path` (in the run's private folder) atomically, mode 0600 (or the
/// copy's own). A link CMD put in its place is removed, not written through (it may lead to
/// a real file).
fn write_private(path: &Path, bytes: &[u8]) -> Result<(), OverlayError> {
    if std::fs::symlink_metadata(path).is_ok_and(|m| m.file_type().is_symlink()) {
        let _ = std::fs::remove_file(path);
    }
    crate::safe_fs::replace(path, bytes).map_err(|source| OverlayError::Write {
        path: path.to_owned(),
        source,
    })
}

/// Creates `base` 0700 when missing; checks it is this user's own private folder.
fn private_base(base: &Path) -> Result<(), FolderError> {
    crate::safe_fs::create_private(base).map_err(|source| FolderError::Io {
        path: base.to_owned(),
        source,
    })?;
    super::requests::check_private(base)
}

/// The name of a run's fallback folder in the temporary folder: this, its PID, `-`, random.
const FALLBACK_PREFIX: &str = "mfatui-exec-";

/// Removes the copies left by runs that were killed before they could clean up (`kill -9`):
/// `exec-PID` folders in `base` (the request socket's folder, when it is this user's private
/// folder) and `mfatui-exec-PID-…` folders in `fallback` (the temporary folder) — only
/// folders of this user whose PID is no longer running. Called by every `exec --server`.
pub fn remove_stale(base: &Path, fallback: &Path) {
    if super::requests::check_private(base).is_ok() {
        remove_dead(base, |name| name.strip_prefix("exec-")?.split('-').next());
    }
    remove_dead(fallback, |name| {
        name.strip_prefix(FALLBACK_PREFIX)?.split('-').next()
    });
}

/// The PID in a copies folder's name (`exec-PID` or `mfatui-exec-PID-…`), if it is one.
fn pid_in(name: &str) -> Option<i32> {
    name.strip_prefix(FALLBACK_PREFIX)
        .and_then(|rest| rest.split('-').next())
        .or_else(|| {
            name.strip_prefix("exec-")
                .and_then(|rest| rest.split('-').next())
        })
        .and_then(|p| p.parse().ok())
}

/// Removes `dir` when it is a run's copies folder of this user (a real folder, not a link,
/// named `exec-PID` or `mfatui-exec-PID-…`): what the keeper of a run does when the run ends.
pub fn remove_copies(dir: &Path) {
    use std::os::unix::fs::MetadataExt;
    let named = dir
        .file_name()
        .and_then(|n| n.to_str())
        .and_then(pid_in)
        .is_some();
    let ours = std::fs::symlink_metadata(dir)
        .is_ok_and(|m| m.is_dir() && m.uid() == rustix::process::geteuid().as_raw());
    if named && ours {
        retire(dir);
    }
}

/// Where a run's copies go: `exec-PID` beside the request socket when that is in the user's
/// private runtime folder, else in mfatui's own cache folder (`$XDG_CACHE_HOME/mfatui/exec`);
/// when the first is another user's, a fresh folder in the second. Never a folder in the
/// shared temporary folder (the socket's without `XDG_RUNTIME_DIR`): there a folder's name,
/// once removed, could be made again by anyone for a process of CMD's that still reads from
/// it (attack round 14, R14-8).
pub fn places(ctx: &crate::context::Context) -> (PathBuf, PathBuf) {
    let fallback = ctx.paths.mfatui_cache.join("exec");
    let base = match ctx.runtime_dir() {
        Some(_) => super::requests::socket_path(&ctx.env)
            .parent()
            .map(Path::to_owned)
            .unwrap_or_default(),
        None => fallback.clone(),
    };
    (base, fallback)
}

/// The copy files of this user's runs (live or not) whose bytes contain `needle` — after a
/// secret leaves the real files, the copies that still hold it.
pub fn copies_holding(base: &Path, fallback: &Path, needle: &str) -> Vec<PathBuf> {
    use std::os::unix::fs::MetadataExt;
    let me = rustix::process::geteuid().as_raw();
    let mut found = Vec::new();
    let dirs = if base == fallback {
        &[base][..]
    } else {
        &[base, fallback][..]
    };
    for dir in dirs {
        let Ok(entries) = std::fs::read_dir(dir) else {
            continue;
        };
        for entry in entries.flatten() {
            let name = entry.file_name().to_string_lossy().into_owned();
            let mine =
                std::fs::symlink_metadata(entry.path()).is_ok_and(|m| m.is_dir() && m.uid() == me);
            if pid_in(&name).is_none() || !mine {
                continue;
            }
            for file in ["config", "credentials"] {
                let path = entry.path().join(file);
                let holds = std::fs::read(&path).is_ok_and(|bytes| {
                    !needle.is_empty()
                        && bytes.windows(needle.len()).any(|w| w == needle.as_bytes())
                });
                if holds {
                    found.push(path);
                }
            }
        }
    }
    found
}

/// The copies a tool in CMD changed, kept in `fallback`'s `changed` folder (this user's
/// regular files), whose bytes contain `needle`: they stay until the user deletes them.
pub fn kept_holding(fallback: &Path, needle: &str) -> Vec<PathBuf> {
    use std::os::unix::fs::MetadataExt;
    let me = rustix::process::geteuid().as_raw();
    let Ok(entries) = std::fs::read_dir(fallback.join("changed")) else {
        return Vec::new();
    };
    let mut found: Vec<PathBuf> = entries
        .flatten()
        .map(|e| e.path())
        .filter(|path| {
            std::fs::symlink_metadata(path).is_ok_and(|m| m.is_file() && m.uid() == me)
                && !needle.is_empty()
                && crate::safe_fs::read(path)
                    .is_ok_and(|bytes| bytes.windows(needle.len()).any(|w| w == needle.as_bytes()))
        })
        .collect();
    found.sort();
    found
}

/// Removes the folders in `dir` whose name gives (through `pid_of`) a PID that is not
/// running, when they are this user's own folders (never through a symbolic link).
fn remove_dead(dir: &Path, pid_of: impl Fn(&str) -> Option<&str>) {
    use std::os::unix::fs::MetadataExt;
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    let me = rustix::process::geteuid().as_raw();
    for entry in entries.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        let Some(pid) = pid_of(&name).and_then(|p| p.parse::<i32>().ok()) else {
            continue;
        };
        let Ok(meta) = std::fs::symlink_metadata(entry.path()) else {
            continue;
        };
        if !meta.is_dir() || meta.uid() != me {
            continue;
        }
        // A PID that runs (ours or anyone's: EPERM) keeps its folder.
        let alive = rustix::process::Pid::from_raw(pid).is_some_and(|p| {
            !matches!(
                rustix::process::test_kill_process(p),
                Err(rustix::io::Errno::SRCH)
            )
        });
        if !alive {
            retire(&entry.path());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kept_copies_holding_a_secret_are_found_and_only_those() {
        let dir = tempfile::tempdir().unwrap();
        let changed = dir.path().join("changed");
        std::fs::create_dir_all(&changed).unwrap();
        std::fs::write(
            changed.join("credentials-1"),
            "[ci]\naws_secret_access_key = S3CRET\n",
        )
        .unwrap();
        std::fs::write(changed.join("config-2"), "[profile ci]\nregion = x\n").unwrap();
        std::os::unix::fs::symlink(changed.join("credentials-1"), changed.join("link")).unwrap();
        assert_eq!(
            kept_holding(dir.path(), "S3CRET"),
            vec![changed.join("credentials-1")]
        );
        assert!(kept_holding(dir.path(), "").is_empty());
        assert!(kept_holding(&dir.path().join("none"), "S3CRET").is_empty());
    }
    use crate::awsfiles::Naming;

    fn snapshot(config: &str, credentials: &str) -> Snapshot {
        crate::renew::plan::tests::snapshot(config, credentials, &Naming::default())
    }

    #[test]
    fn the_watcher_removes_only_a_copies_folder_never_another_one_or_a_link() {
        let t = tempfile::tempdir().unwrap();
        let make = |name: &str| {
            let dir = t.path().join(name);
            std::fs::create_dir(&dir).unwrap();
            std::fs::write(dir.join("credentials"), "x").unwrap();
            dir
        };
        let copies = make("exec-4242");
        let fallback = make("mfatui-exec-4242-aBc");
        let other = make("projects");
        let link = t.path().join("exec-4343");
        std::os::unix::fs::symlink(&other, &link).unwrap();
        for dir in [&copies, &fallback, &other, &link] {
            remove_copies(dir);
        }
        assert!(!copies.exists() && !fallback.exists());
        assert!(other.join("credentials").is_file(), "not a copies folder");
        assert!(link.is_symlink(), "a link is not followed nor removed");
    }

    #[test]
    fn nothing_is_copied_when_nothing_would_shadow_the_endpoint() {
        let s = snapshot(
            "[default]\nregion = eu-west-1\n\n[profile ops]\nmfa_serial = arn:aws:iam::1:mfa/a\n",
            "[ops]\naws_access_key_id = AKIA\naws_secret_access_key = s\n",
        );
        let n = needs(&s, "ops", "/bin/mfatui").unwrap();
        assert!(n.config.is_none() && n.credentials.is_none() && n.notes.is_empty());
    }

    #[test]
    fn default_credentials_are_hidden_and_bare_profiles_fail_clearly() {
        let config = "# mine\n[default]\nregion = eu-west-1\naws_access_key_id = AKIACONFIG\naws_secret_access_key = s\n\n\
                      [profile \"settings only\"]\nregion = us-east-1\n";
        let credentials = "[default]\naws_access_key_id = AKIADEFAULT\naws_secret_access_key = s\n\n[other]\naws_access_key_id = AKIAOTHER\naws_secret_access_key = o\n";
        let s = snapshot(config, credentials);
        let n = needs(&s, "ops", "/opt/my bin/mfatui").unwrap();
        let creds = n.credentials.unwrap().to_text();
        assert_eq!(
            creds,
            "[default]\n\n[other]\naws_access_key_id = AKIAOTHER\naws_secret_access_key = o\n"
        );
        let config = n.config.unwrap().to_text();
        assert!(
            config.starts_with("# mine\n[default]\nregion = eu-west-1\n"),
            "{config}"
        );
        assert!(!config.contains("AKIACONFIG"), "{config}");
        assert!(
            config.contains(
                "credential_process = '/opt/my bin/mfatui' credential-process 'settings only'"
            ),
            "{config}"
        );
        assert_eq!(n.notes.len(), 3, "{:?}", n.notes);
    }

    #[test]
    fn a_profile_whose_name_no_copy_can_write_is_named_in_the_refusal() {
        let s = snapshot(
            "[profile dev]\nregion = x\n[profile we\u{1}ird]\nregion = y\n",
            "",
        );
        let e = needs(&s, "dev", "/bin/mfatui").unwrap_err().to_string();
        assert!(e.contains("'we?ird'") && e.contains("rename"), "{e}");
    }

    #[test]
    fn the_js_sdks_profile_names_follow_parse_ini_and_get_config_data() {
        for (bracket, profile) in [
            ("default", Some("default")),
            ("profile dev", Some("dev")),
            ("profile.dev", Some("dev")),
            ("profile.default", Some("default")),
            ("profile \"dev\"", Some("dev")),
            ("profile 'a.b'", Some("a.b")),
            ("profile\tdev", Some("dev")),
            ("profile\u{3000}dev", Some("dev")),
            ("profile\u{85}dev", None),
            ("profile  dev", None),
            ("profile dev ", None),
            ("profile \"dev'", None),
            ("profile a b", None),
            ("profiledev x", None),
            ("sso-session corp", None),
            ("services.x", None),
            ("profile.a.b", Some("a.b")),
            ("foo.default", None),
            (" default", None),
        ] {
            assert_eq!(
                js_config_profile(bracket).as_deref(),
                profile,
                "{bracket:?}"
            );
        }
    }

    #[test]
    fn a_section_line_the_js_sdk_and_botocore_read_apart_is_refused_in_one_sentence() {
        // Round 6 M4: botocore reads `  [profile default]` as part of `region`'s value, the JS
        // SDK v3 as the default profile with bob's keys.
        for (config, credentials) in [
            ("[profile dev]\nregion = x\n  [profile default]\naws_access_key_id = AKIABOB\naws_secret_access_key = s\n", ""),
            ("", "[ops]\nregion = x\n\t[default]\naws_access_key_id = AKIABOB\naws_secret_access_key = s\n"),
        ] {
            let s = snapshot(config, credentials);
            let e = needs(&s, "dev", "/bin/mfatui").unwrap_err().to_string();
            assert!(e.contains("line 3: the AWS CLI and the JS SDK read `["), "{e}");
        }
        // Round 7 M1: shapes that get past a check for a plain indent.
        for (config, credentials) in [
            ("[profile dev]\nregion = x\n  [profile default] ; old\naws_access_key_id = AKIABOB\n", ""),
            ("[profile dev]\nregion = x\n\u{3000}[profile default]\naws_access_key_id = AKIABOB\n", ""),
            ("[profile dev]\nregion = x\n\u{a0}[profile default]\naws_access_key_id = AKIABOB\n", ""),
            ("", "[dev]\nregion = x\n[default] #x]\naws_access_key_id = AKIABOB\n"),
            ("[profile dev]\nregion = x\n[profile default] ;x]\naws_access_key_id = AKIABOB\n", ""),
        ] {
            let s = snapshot(config, credentials);
            let e = needs(&s, "dev", "/bin/mfatui").unwrap_err().to_string();
            assert!(e.contains("line 3: the AWS CLI and the JS SDK read"), "{config:?} {credentials:?}: {e}");
        }
        // Round 8 M1: credential keys continuing a value for botocore, settings of their own
        // for the JS SDK; a lone CR, which joins two lines for the JS SDK.
        for (config, credentials, line) in [
            (
                "",
                "[default]\nnote = x\n  aws_access_key_id = AKIABOB\n  aws_secret_access_key = s\n",
                3,
            ),
            (
                "[profile default]\nregion = us-east-1\n  aws_access_key_id = AKIABOB\n",
                "",
                3,
            ),
            (
                "",
                "[default]\nnote = x\r[other]\naws_access_key_id = AKIABOB\n",
                2,
            ),
        ] {
            let s = snapshot(config, credentials);
            let e = needs(&s, "dev", "/bin/mfatui").unwrap_err().to_string();
            assert!(
                e.contains(&format!("line {line}: the AWS CLI and the JS SDK read")),
                "{config:?} {credentials:?}: {e}"
            );
        }
        // Round 9 R9-2: the JS SDK reads `[profile.default]` in the config file as profile
        // `default` (getConfigData cuts at the first dot); botocore as a section of no profile.
        for config in [
            "[profile dev]\nregion = x\n[profile.default]\naws_access_key_id = AKIABOB\n",
            "[profile dev]\nregion = x\n[profile.dev]\naws_access_key_id = AKIABOB\n",
        ] {
            let s = snapshot(config, "");
            let e = needs(&s, "dev", "/bin/mfatui").unwrap_err().to_string();
            assert!(
                e.contains("line 3: the AWS CLI and the JS SDK read"),
                "{config:?}: {e}"
            );
        }
        // What both read alike passes: a comment after a header, `[ default ]`, CRLF,
        // `[DEFAULT]`, a nested block, an indented first setting.
        for config in [
            "[profile dev] ; note\nregion = x\n[ default ]\nregion = y\n",
            "[profile dev]\r\nregion = x\r\n[profile default]\r\nregion = y\r\n",
            "[profile dev]\nregion = x\n[DEFAULT]\nregion = y\ns3 =\n  addressing_style = path\n",
            "[profile ops]\n  aws_access_key_id = AKIAOPS\n",
            "[profile dev]\nregion = x\n[profile 'default']\nregion = y\n[sso-session.corp]\nsso_region = x\n",
            "[profile dev]\nregion = x\n[profile\tdefault]\nregion = y\n[services dev]\ns3 =\n  endpoint_url = x\n",
        ] {
            let s = snapshot(config, "");
            assert!(needs(&s, "dev", "/bin/mfatui").is_ok(), "{config:?}");
        }
        // In the credentials file both read `[profile.default]` as that name, no profile.
        let s = snapshot("", "[profile.default]\naws_access_key_id = AKIABOB\n");
        assert!(needs(&s, "dev", "/bin/mfatui").is_ok());
        // A bracket inside a value's text, or a header not indented, is no reason.
        let s = snapshot(
            "[profile dev]\nregion = x [y]\n[profile default]\nregion = y\n",
            "",
        );
        assert!(needs(&s, "dev", "/bin/mfatui").is_ok());
    }

    #[test]
    fn every_config_section_botocore_reads_as_default_is_stripped() {
        for header in [
            "profile default",
            "profile \"default\"",
            "profile 'default'",
            "profile  default",
            "default",
        ] {
            let config = format!(
                "[{header}]\nregion = eu-west-1\naws_access_key_id = AKIACONFIG\naws_secret_access_key = s\n\n[profile ops]\naws_access_key_id = AKIAOPS\n"
            );
            let s = snapshot(&config, "");
            let n = needs(&s, "ops", "/bin/mfatui").unwrap();
            let copy = n.config.expect(header).to_text();
            assert!(
                !copy.contains("AKIACONFIG")
                    && copy.contains(&format!("[{header}]\nregion = eu-west-1\n")),
                "{header}: {copy}"
            );
            assert!(
                copy.contains("AKIAOPS"),
                "other profiles keep theirs: {copy}"
            );
            assert!(
                n.notes[0].starts_with(&format!(
                    "the config file's [{header}] has aws_access_key_id"
                )),
                "{:?}",
                n.notes
            );
        }
        // In the credentials file the section is named literally: `[profile default]` there
        // is a profile of that name, not `default`.
        let s = snapshot("", "[profile default]\naws_access_key_id = AKIA\n");
        assert!(needs(&s, "ops", "/bin/mfatui")
            .unwrap()
            .credentials
            .is_none());
    }

    #[test]
    fn a_boto_config_loses_only_its_aws_keys() {
        let text = "[Credentials]\ngs_oauth2_refresh_token = keep\nAWS_ACCESS_KEY_ID = AKIABOTO\naws_secret_access_key: s\n  continued\n# note\n\n[Boto]\nhttps_validate_certificates = True\naws_access_key_id = other-section\n";
        let (copy, found) = strip_boto(text);
        assert!(found);
        assert_eq!(
            copy,
            "[Credentials]\ngs_oauth2_refresh_token = keep\n# note\n\n[Boto]\nhttps_validate_certificates = True\naws_access_key_id = other-section\n"
        );
        assert!(!strip_boto("[Boto]\naws_access_key_id = x\n").1);
        let t = tempfile::tempdir().unwrap();
        let (etc, home) = (t.path().join("boto.cfg"), t.path().join(".boto"));
        std::fs::write(&etc, "[Credentials]\naws_access_key_id = AKIAETC\n").unwrap();
        std::fs::write(&home, "[GSUtil]\ndefault_project_id = p\n").unwrap();
        let (copy, note) = boto_copy(&[etc.clone(), home.clone()], "dev").unwrap();
        assert_eq!(
            copy.source, home,
            "the user's own file holds boto's settings"
        );
        assert_eq!(copy.text, b"[GSUtil]\ndefault_project_id = p\n");
        assert!(note.contains("does not read"), "{note}");
        std::fs::write(&etc, "[Boto]\nx = 1\n").unwrap();
        assert!(boto_copy(&[etc, home], "dev").is_none(), "no keys, no copy");
    }

    /// A sandbox's real files and the run's copies, the way `exec --server` makes them.
    fn run_with_copies(t: &Path, credentials: &str) -> (AwsPaths, Overlay, Needs) {
        let home = t.join("home");
        std::fs::create_dir_all(home.join(".aws")).unwrap();
        std::fs::write(
            home.join(".aws/config"),
            "[profile dev]\nregion = eu-west-1\n",
        )
        .unwrap();
        std::fs::write(home.join(".aws/credentials"), credentials).unwrap();
        let home_text = home.display().to_string();
        let paths = AwsPaths::from_lookup(|k| (k == "HOME").then(|| home_text.clone()));
        let (base, fallback) = (t.join("run"), t.join("cache"));
        let overlay = Overlay::create(&base, &fallback, &paths, "dev", "/bin/mfatui").unwrap();
        let s = Snapshot::load(&paths, &Naming::default()).unwrap();
        let needs = overlay.copies().refresh(&s).unwrap();
        (paths, overlay, needs)
    }

    /// The files kept in `t`'s cache folder, with their text.
    fn kept_in(t: &Path) -> Vec<(PathBuf, String)> {
        std::fs::read_dir(t.join("cache/changed"))
            .map(|d| {
                d.flatten()
                    .map(|e| (e.path(), std::fs::read_to_string(e.path()).unwrap()))
                    .collect()
            })
            .unwrap_or_default()
    }

    #[test]
    fn a_copy_changed_in_cmd_is_kept_before_it_is_rewritten_or_removed() {
        use std::os::unix::fs::PermissionsExt;
        let t = tempfile::tempdir().unwrap();
        let creds = "[default]\naws_access_key_id = AKIADEFAULT\naws_secret_access_key = s\n\n[dev]\naws_access_key_id = AKIADEV\n";
        let (paths, overlay, needs) = run_with_copies(t.path(), creds);
        let copy = overlay.copies().credentials_path();
        assert!(needs.credentials.is_some());
        let mode = std::fs::metadata(&copy).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o400, "read-only: most writers fail loudly");
        // Nothing changed in CMD: a rewrite keeps nothing.
        let s = Snapshot::load(&paths, &Naming::default()).unwrap();
        overlay.copies().refresh(&s).unwrap();
        assert!(kept_in(t.path()).is_empty());
        // `aws configure set … --profile ci` in CMD (root ignores the mode), then the real
        // file changes (a renewal): the rewrite keeps CMD's copy first.
        let mut text = std::fs::read_to_string(&copy).unwrap();
        text.push_str(
            "\n[ci]\naws_access_key_id = AKIANEWKEY\naws_secret_access_key = NEWSECRET\n",
        );
        std::fs::remove_file(&copy).unwrap();
        std::fs::write(&copy, &text).unwrap();
        std::fs::write(&paths.credentials, format!("{creds}region = x\n")).unwrap();
        let s = Snapshot::load(&paths, &Naming::default()).unwrap();
        overlay.copies().refresh(&s).unwrap();
        assert!(!std::fs::read_to_string(&copy)
            .unwrap()
            .contains("NEWSECRET"));
        let kept = kept_in(t.path());
        assert_eq!(kept.len(), 1, "{kept:?}");
        assert!(kept[0].1.contains("NEWSECRET"), "{kept:?}");
        let mode = std::fs::metadata(&kept[0].0).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
        // Another change, then the run ends: kept again, and the folder goes.
        std::fs::remove_file(&copy).unwrap();
        std::fs::write(&copy, "[ci2]\naws_access_key_id = AKIASECOND\n").unwrap();
        let dir = overlay.dir().to_owned();
        drop(overlay);
        assert!(!dir.exists());
        let kept = kept_in(t.path());
        assert_eq!(kept.len(), 2, "{kept:?}");
        assert!(kept.iter().any(|(_, text)| text.contains("AKIASECOND")));
    }

    #[test]
    fn a_copy_no_longer_needed_stays_as_the_real_file_and_the_keeper_keeps_changes_too() {
        let t = tempfile::tempdir().unwrap();
        let (paths, overlay, _) =
            run_with_copies(t.path(), "[default]\naws_access_key_id = AKIADEFAULT\n");
        let copy = overlay.copies().credentials_path();
        // [default]'s keys leave the real file: CMD still finds its credentials file.
        std::fs::write(&paths.credentials, "[dev]\naws_access_key_id = AKIADEV\n").unwrap();
        let s = Snapshot::load(&paths, &Naming::default()).unwrap();
        overlay.copies().refresh(&s).unwrap();
        assert_eq!(
            std::fs::read_to_string(&copy).unwrap(),
            "[dev]\naws_access_key_id = AKIADEV\n"
        );
        // mfatui killed: its keeper (`exec-cleanup DIR`) removes the folder, keeping CMD's change.
        std::fs::remove_file(&copy).unwrap();
        std::fs::write(&copy, "[ci]\naws_access_key_id = AKIAKEEPER\n").unwrap();
        let dir = overlay.dir().to_owned();
        std::mem::forget(overlay);
        remove_copies(&dir);
        assert!(!dir.exists());
        let kept = kept_in(t.path());
        assert!(
            kept.len() == 1 && kept[0].1.contains("AKIAKEEPER"),
            "{kept:?}"
        );
    }

    #[test]
    fn names_read_as_a_sentence() {
        assert_eq!(list(&["a"]), "'a'");
        assert_eq!(list(&["a", "b"]), "'a' and 'b'");
        assert_eq!(list(&["a", "b", "c"]), "'a', 'b' and 'c'");
        assert_eq!(list(&["a", "b", "c", "d"]), "'a', 'b', 'c' and one other");
        assert_eq!(
            list(&["a", "b", "c", "d", "e"]),
            "'a', 'b', 'c' and 2 others"
        );
    }
}
