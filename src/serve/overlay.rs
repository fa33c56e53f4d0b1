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
//! private folder (0700 under the request socket's folder, or a fresh one in the temporary
//! folder when someone else holds that; files 0600), kept up to date when
//! the real files change and removed when CMD ends; stderr says what and why. `mfatui` run
//! inside CMD still reads and writes the real files (`MFATUI_OVERLAY` tells it where they are).

use super::requests::FolderError;
use crate::awsfiles::config_map::{config_section_name, ProfileSettings};
use crate::awsfiles::plan::apply_edits;
use crate::awsfiles::{AwsPaths, Document, Edit, EditError, Snapshot, SyntaxError};
use std::path::{Path, PathBuf};

/// Why CMD's copies could not be worked out or written (one sentence each).
#[derive(Debug, thiserror::Error)]
pub enum OverlayError {
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
    /// Neither the usual folder nor the one in its place can hold the copies.
    #[error("{why}, and the folder for copies in its place cannot be used: {fallback}")]
    NoFolder {
        /// Why the usual folder is refused.
        why: FolderError,
        /// Why the one in its place is.
        fallback: FolderError,
    },
}

impl From<OverlayError> for String {
    fn from(e: OverlayError) -> String {
        e.to_string()
    }
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
    let mut out = Needs::default();
    // `[default]`'s credential keys, removed from a file's copy (with their values, for the
    // roles that source `default`).
    let strip = |doc: &Document,
                 what: &str,
                 notes: &mut Vec<String>|
     -> Result<Stripped, OverlayError> {
        let structure = doc.structure()?;
        let Some(section) = structure.section("default") else {
            return Ok((None, Vec::new()));
        };
        let found: Vec<(String, String)> = SOURCE_KEYS
            .iter()
            .filter_map(|k| {
                section
                    .entry(k)
                    .map(|e| ((*k).to_owned(), e.value.to_string()))
            })
            .collect();
        if found.is_empty() {
            return Ok((None, found));
        }
        let names: Vec<&str> = found.iter().map(|(k, _)| k.as_str()).collect();
        notes.push(format!(
            "the {what} file's [default] has {}, which would win over the served session of '{served}'; CMD sees a copy without them",
            names.join(", ")
        ));
        let edits: Vec<Edit> = found
            .iter()
            .map(|(k, _)| Edit::Remove {
                section: "default".to_owned(),
                key: k.clone(),
            })
            .collect();
        let doc = apply_edits(doc, &edits)?;
        Ok((Some(doc), found))
    };
    let (mut credentials, moved_credentials) =
        strip(&files.credentials.document, "credentials", &mut out.notes)?;
    let (mut config, moved_config) = strip(&files.config.document, "config", &mut out.notes)?;

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

    /// Writes the copies the real files need now (removing those no longer needed); returns
    /// what they change.
    pub fn refresh(&self, snapshot: &Snapshot) -> Result<Needs, OverlayError> {
        let needs = needs(snapshot, &self.served, &self.exe)?;
        for (path, doc) in [
            (self.config_path(), &needs.config),
            (self.credentials_path(), &needs.credentials),
        ] {
            match doc {
                Some(doc) => write_private(&path, &doc.render())?,
                None => {
                    let _ = std::fs::remove_file(&path);
                }
            }
        }
        Ok(needs)
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
        vars
    }
}

/// The private folder of one run's copies, removed when dropped.
#[derive(Debug)]
pub struct Overlay {
    copies: Copies,
}

impl Drop for Overlay {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.copies.dir);
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
            Ok(()) => {
                let dir = base.join(format!("exec-{}", std::process::id()));
                let _ = std::fs::remove_dir_all(&dir);
                crate::safe_fs::create_private_new(&dir).map_err(|source| {
                    OverlayError::Create {
                        path: dir.clone(),
                        source,
                    }
                })?;
                dir
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

/// Writes `bytes` to `path` (in the run's private folder) atomically, mode 0600.
fn write_private(path: &Path, bytes: &[u8]) -> Result<(), OverlayError> {
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
        remove_dead(base, |name| name.strip_prefix("exec-"));
    }
    remove_dead(fallback, |name| {
        name.strip_prefix(FALLBACK_PREFIX)?.split('-').next()
    });
}

/// The PID in a copies folder's name (`exec-PID` or `mfatui-exec-PID-…`), if it is one.
fn pid_in(name: &str) -> Option<i32> {
    name.strip_prefix(FALLBACK_PREFIX)
        .and_then(|rest| rest.split('-').next())
        .or_else(|| name.strip_prefix("exec-"))
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
        let _ = std::fs::remove_dir_all(dir);
    }
}

/// Where a run's copies go: `exec-PID` beside the request socket, else (that folder is another
/// user's) a fresh folder in mfatui's own cache folder (`$XDG_CACHE_HOME/mfatui/exec`), which
/// is this user's and private — never a shared temporary folder, where a folder's name, once
/// removed, could be made again by anyone for a process of CMD's that still reads from it.
pub fn places(ctx: &crate::context::Context) -> (PathBuf, PathBuf) {
    let base = super::requests::socket_path(&ctx.env)
        .parent()
        .map(Path::to_owned)
        .unwrap_or_default();
    (base, ctx.paths.mfatui_cache.join("exec"))
}

/// The copy files of this user's runs (live or not) whose bytes contain `needle` — after a
/// secret leaves the real files, the copies that still hold it.
pub fn copies_holding(base: &Path, fallback: &Path, needle: &str) -> Vec<PathBuf> {
    use std::os::unix::fs::MetadataExt;
    let me = rustix::process::geteuid().as_raw();
    let mut found = Vec::new();
    for dir in [base, fallback] {
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
            let _ = std::fs::remove_dir_all(entry.path());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
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
