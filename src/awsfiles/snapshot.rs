//! The shared files as one read of them: the documents, the merged map, every profile and
//! every profile's layout, built together and then only read. Commands, the serving layer and
//! the TUI all start from a snapshot, so they all see the same answers.

use super::config_map::ConfigMap;
use super::expiry::Expiry;
use super::files::{AwsFiles, LoadError};
use super::layout::{self, Naming, ProfileLayout};
use super::paths::AwsPaths;
use super::profile::{self, Name, Profile, ProfileKind};
use std::collections::HashMap;
use std::sync::OnceLock;

self_cell::self_cell!(
    /// The files and the map that borrows their text.
    struct Parsed {
        owner: AwsFiles,
        #[covariant]
        dependent: ConfigMap,
    }
);

impl std::fmt::Debug for Parsed {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Parsed")
            .field("paths", &self.borrow_owner().paths)
            .finish_non_exhaustive()
    }
}

/// One read of the shared files.
#[derive(Debug)]
pub struct Snapshot {
    parsed: Parsed,
    profiles: Vec<Profile>,
    index: HashMap<Name, usize>,
    /// Each profile's layout, worked out when first asked for (most reads need few).
    /// (Boxed: an empty cell is a few bytes, so a snapshot of thousands of profiles that
    /// needs one layout allocates and touches next to nothing for the rest.)
    layouts: Vec<OnceLock<Box<ProfileLayout>>>,
    naming: Naming,
}

impl Snapshot {
    /// Reads both files named by `paths` and decides every profile's layout.
    pub fn load(paths: &AwsPaths, naming: &Naming) -> Result<Snapshot, LoadError> {
        Snapshot::from_files(AwsFiles::load(paths)?, naming)
    }

    /// The snapshot of files already loaded.
    pub fn from_files(files: AwsFiles, naming: &Naming) -> Result<Snapshot, LoadError> {
        let parsed = Parsed::try_new(files, |files| files.config_map())?;
        let files = parsed.borrow_owner();
        let map = parsed.borrow_dependent();
        let profiles = profile::profiles_with_suffix(map, &files.paths, &naming.long_term_suffix);
        let layouts = profiles.iter().map(|_| OnceLock::new()).collect();
        let index = profiles
            .iter()
            .enumerate()
            .map(|(i, p)| (p.name.clone(), i))
            .collect();
        Ok(Snapshot {
            parsed,
            profiles,
            index,
            layouts,
            naming: naming.clone(),
        })
    }

    /// The files as loaded (the writer compares against them).
    pub fn files(&self) -> &AwsFiles {
        self.parsed.borrow_owner()
    }

    /// The merged configuration, as botocore builds it.
    pub fn map(&self) -> &ConfigMap<'_> {
        self.parsed.borrow_dependent()
    }

    /// Every profile, in botocore's order.
    pub fn profiles(&self) -> &[Profile] {
        &self.profiles
    }

    /// The profile named `name`.
    pub fn profile(&self, name: &str) -> Option<&Profile> {
        self.index.get(name).map(|&i| &self.profiles[i])
    }

    /// The expiry to show for `p` — in the TUI, `list` and the prompt segment alike: its own,
    /// else that of the session its layout keeps elsewhere (then `true`: shown with `↳`).
    pub fn shown_expiry(&self, p: &Profile) -> (Expiry, bool) {
        if p.expiry != Expiry::None {
            return (p.expiry.clone(), false);
        }
        let elsewhere = self
            .session_elsewhere(&p.name)
            .and_then(|s| self.profile(s))
            .map(|s| s.expiry.clone());
        match elsewhere {
            Some(e) if e != Expiry::None => (e, true),
            _ => (Expiry::None, false),
        }
    }

    /// What a profile without a countdown says instead: `not signed in` for an SSO profile
    /// with no token cached, else nothing (shown as `—`).
    pub fn no_expiry_text(p: &Profile) -> Option<&'static str> {
        (p.kind == ProfileKind::Sso).then_some("not signed in")
    }

    /// The layout of `name` (empty for an unknown profile), decided on first use and then
    /// only read.
    pub fn layout_of(&self, name: &str) -> &ProfileLayout {
        static EMPTY: ProfileLayout = ProfileLayout {
            keys: None,
            session: None,
            role: None,
        };
        let Some(&i) = self.index.get(name) else {
            return &EMPTY;
        };
        self.layouts[i].get_or_init(|| {
            Box::new(layout::resolve(
                self.map(),
                &|other| self.profile(other),
                &self.naming,
                &self.profiles[i],
            ))
        })
    }

    /// The section holding `name`'s session when it is another profile's (`dev` → `dev-mfa`,
    /// a role → its role section), for showing that session's countdown on `name`'s row.
    pub fn session_elsewhere(&self, name: &str) -> Option<&str> {
        self.layout_of(name).session_elsewhere(name)
    }

    /// The naming the layout was decided with.
    pub fn naming(&self) -> &Naming {
        &self.naming
    }

    /// One sentence per file that is not a regular file.
    pub fn notes(&self) -> Vec<String> {
        let files = self.files();
        [&files.config, &files.credentials]
            .into_iter()
            .filter_map(|f| f.note())
            .collect()
    }
}
