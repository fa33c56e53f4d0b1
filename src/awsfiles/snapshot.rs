//! The shared files as one read of them: the documents, the merged map, every profile and
//! every profile's layout, built together and then only read. Commands, the serving layer and
//! the TUI all start from a snapshot, so they all see the same answers.
//!
//! Read top-down: [`Snapshot`] and what it answers, then the two holders it is built on (the
//! files with the map borrowing their text, and per-profile cells filled on first use). That
//! profiles built one at a time match the full list is tested below; that the full list links
//! exactly the profiles the pairing conventions link over the whole map is tested against a
//! restatement of those conventions in the integration tests (`profiles.rs`).

use super::config_map::ConfigMap;
use super::expiry::Expiry;
use super::files::{AwsFile, AwsFiles, LoadError, PassedOver};
use super::layout::{self, Naming, ProfileLayout, SharedSession};
use super::paths::AwsPaths;
use super::profile::{self, Builder, Name, Profile, ProfileKind};
use std::sync::OnceLock;

/// One read of the shared files.
#[derive(Debug)]
pub struct Snapshot {
    parsed: Parsed,
    builder: Box<Builder>,
    /// Every profile, once a reader asks for all of them.
    all: OnceLock<Vec<Profile>>,
    /// Profiles asked for one by one before that (boxed, as the layouts below).
    one: Cells<Profile>,
    /// Each profile's layout, worked out when first asked for (most reads need few; a
    /// listing asks [`Snapshot::linked_session`] instead and keeps none).
    layouts: Cells<ProfileLayout>,
    naming: Naming,
}

impl Snapshot {
    /// Reads both files named by `paths`. Profiles and their layouts are worked out when a
    /// reader first asks for them: the prompt segment and `credential-process` build the one
    /// profile they serve (and those it leads to), `list` and the TUI build all.
    pub fn load(paths: &AwsPaths, naming: &Naming) -> Result<Snapshot, LoadError> {
        Snapshot::from_files(AwsFiles::load(paths)?, naming)
    }

    /// The snapshot of files already loaded.
    pub fn from_files(files: AwsFiles, naming: &Naming) -> Result<Snapshot, LoadError> {
        let parsed = Parsed::try_new(files, |files| files.config_map())?;
        let files = parsed.borrow_owner();
        let map = parsed.borrow_dependent();
        let builder = Box::new(Builder::new(map, &files.paths, &naming.long_term_suffix));
        let count = map.profile_count();
        Ok(Snapshot {
            parsed,
            builder,
            all: OnceLock::new(),
            one: Cells::new(count),
            layouts: Cells::new(count),
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
        self.all
            .get_or_init(|| profile::profiles_with_builder(self.map(), &self.builder))
    }

    /// The profile named `name`.
    pub fn profile(&self, name: &str) -> Option<&Profile> {
        self.map().position(name).map(|i| self.profile_at(i))
    }

    /// The profile at position `index` in botocore's order.
    fn profile_at(&self, index: usize) -> &Profile {
        match self.all.get() {
            Some(all) => &all[index],
            None => self
                .one
                .get_or_init(index, || self.builder.build(self.map(), index)),
        }
    }

    /// The expiry to show for `p` — in the TUI, `list` and the prompt segment alike: its own,
    /// else that of the session its layout keeps elsewhere (then `true`: shown with `↳`).
    pub fn shown_expiry(&self, p: &Profile) -> (Expiry, bool) {
        if p.expiry != Expiry::None {
            return (p.expiry.clone(), false);
        }
        let elsewhere = self
            .linked_session(&p.name)
            .and_then(|s| self.profile(&s))
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
        let Some(i) = self.map().position(name) else {
            return &EMPTY;
        };
        self.layouts.get_or_init(i, || {
            layout::resolve(
                self.map(),
                &|other| self.profile(other),
                &self.naming,
                self.profile_at(i),
            )
        })
    }

    /// The section holding `name`'s session when it is another profile's (`dev` → `dev-mfa`,
    /// a role → its role section), for showing that session's countdown on `name`'s row.
    pub fn session_elsewhere(&self, name: &str) -> Option<&str> {
        self.layout_of(name).session_elsewhere(name)
    }

    /// [`Snapshot::session_elsewhere`] for a reader that asks it of every profile (a
    /// listing, the table's order): read from the layout when a reader already asked for it,
    /// else worked out without keeping the layout (thousands of them would cost more in
    /// memory than in time).
    pub fn linked_session(&self, name: &str) -> Option<Name> {
        let i = self.map().position(name)?;
        if let Some(layout) = self.layouts.get(i) {
            return layout.session_elsewhere(name).map(Name::from);
        }
        layout::session_elsewhere(
            self.map(),
            &|other| self.profile(other),
            &self.naming,
            self.profile_at(i),
        )
    }

    /// The other profile whose renewals write the same section as `name`'s, with another
    /// profile's keys or as another role (settings targets naming one section; a pattern and
    /// an aws-mfa suffix that meet): a session there would be served as either's.
    pub fn shared_session(&self, name: &str) -> Option<SharedSession> {
        let (section, whose) = self.layout_of(name).written_section(name)?;
        // The only profiles whose renewals can write `section`: those a target line sends
        // there, the one the pattern names it for, the section's own profile and its
        // long-term partner (aws-mfa's suffix, `__profile__`).
        let partner = format!("{section}{}", self.naming.long_term_suffix);
        let linked = self
            .profile(section)
            .and_then(|p| p.long_term_profile.as_deref());
        let candidates = self
            .naming
            .targets
            .iter()
            .filter(|(_, target)| target.as_str() == section)
            .map(|(profile, _)| profile.as_str())
            .chain(self.naming.source_of_target(section))
            .chain([section, partner.as_str()])
            .chain(linked);
        for other in candidates.filter(|other| *other != name) {
            if self.profile(other).is_none() {
                continue;
            }
            match self.layout_of(other).written_section(other) {
                Some((there, owner)) if there == section && owner != whose => {
                    return Some(SharedSession {
                        profile: Name::from(name),
                        other: Name::from(other),
                        section: Name::from(section),
                    })
                }
                _ => {}
            }
        }
        None
    }

    /// The naming the layout was decided with.
    pub fn naming(&self) -> &Naming {
        &self.naming
    }

    /// The files passed over because their paths are not regular files, config first.
    pub fn passed_over(&self) -> Vec<PassedOver> {
        let files = self.files();
        [&files.config, &files.credentials]
            .into_iter()
            .filter_map(AwsFile::passed_over)
            .collect()
    }
}

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

/// One value per profile, each worked out when first asked for; the cells themselves are
/// made on first use (a listing never needs them).
#[derive(Debug)]
struct Cells<T> {
    count: usize,
    cells: OnceLock<Vec<OnceLock<Box<T>>>>,
}

impl<T> Cells<T> {
    fn new(count: usize) -> Cells<T> {
        Cells {
            count,
            cells: OnceLock::new(),
        }
    }

    /// The value at `index`, if worked out already.
    fn get(&self, index: usize) -> Option<&T> {
        self.cells.get()?[index].get().map(Box::as_ref)
    }

    /// The value at `index`, worked out by `make` on first use.
    fn get_or_init(&self, index: usize, make: impl FnOnce() -> T) -> &T {
        let cells = self
            .cells
            .get_or_init(|| (0..self.count).map(|_| OnceLock::new()).collect());
        cells[index].get_or_init(|| Box::new(make()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::awsfiles::FileKind;
    use std::path::Path;

    fn files(dir: &Path, config: &str, credentials: &str) -> AwsFiles {
        std::fs::write(dir.join("config"), config).unwrap();
        std::fs::write(dir.join("credentials"), credentials).unwrap();
        let paths = AwsPaths::from_lookup(|key| match key {
            "AWS_CONFIG_FILE" => Some(dir.join("config").display().to_string()),
            "AWS_SHARED_CREDENTIALS_FILE" => Some(dir.join("credentials").display().to_string()),
            "HOME" => Some(dir.display().to_string()),
            _ => None,
        });
        AwsFiles::load(&paths).unwrap()
    }

    /// Profiles whose renewals would write one section with different keys: settings targets
    /// alike, one naming a role's section, and a pattern meeting an aws-mfa suffix; never the
    /// profiles of one pair, nor a profile named like its target (attack round 13, R13-6).
    #[test]
    fn two_profiles_writing_one_section_are_found_and_pairs_are_not() {
        let dir = tempfile::tempdir().unwrap();
        let config = "[profile admin]\nrole_arn = arn:aws:iam::1:role/A\nsource_profile = dev\n";
        let credentials = "[dev]\naws_access_key_id = AKIA1\naws_secret_access_key = s\n\
            [bob]\naws_access_key_id = AKIA2\naws_secret_access_key = s\n\
            [x-mfa-lt]\naws_access_key_id = AKIA3\naws_secret_access_key = s\n\
            [x]\naws_access_key_id = AKIA4\naws_secret_access_key = s\n\
            [dev-mfa]\naws_access_key_id = ASIA1\naws_secret_access_key = s\naws_session_token = t\n";
        let shared = |naming: &Naming, name: &str| {
            let snapshot =
                Snapshot::from_files(files(dir.path(), config, credentials), naming).unwrap();
            snapshot
                .shared_session(name)
                .map(|s| (s.other.to_string(), s.section.to_string()))
        };
        let plain = Naming::default();
        for name in ["dev", "dev-mfa", "bob", "admin", "x"] {
            assert_eq!(shared(&plain, name), None, "{name}");
        }
        let mut targets = Naming::default();
        targets.targets.insert("bob".into(), "admin-mfa".into());
        assert_eq!(
            shared(&targets, "admin"),
            Some(("bob".into(), "admin-mfa".into()))
        );
        assert_eq!(
            shared(&targets, "bob"),
            Some(("admin".into(), "admin-mfa".into()))
        );
        assert_eq!(shared(&targets, "dev"), None);
        targets.targets.insert("dev".into(), "bob-mfa".into());
        assert_eq!(shared(&targets, "dev"), None, "bob's own goes elsewhere");
        targets.targets.insert("x".into(), "bob-mfa".into());
        assert_eq!(
            shared(&targets, "x"),
            Some(("dev".into(), "bob-mfa".into()))
        );
        let suffix = Naming {
            long_term_suffix: "-lt".into(),
            ..Naming::default()
        };
        assert_eq!(
            shared(&suffix, "x"),
            Some(("x-mfa-lt".into(), "x-mfa".into()))
        );
        assert_eq!(
            shared(&suffix, "x-mfa-lt"),
            Some(("x".into(), "x-mfa".into()))
        );
    }

    /// Every profile asked for alone (in a fresh snapshot, before any other) is the same as
    /// in the full list: the pairing conventions read across the map are not lost.
    fn one_by_one_matches_all(config: &str, credentials: &str, naming: &Naming) {
        let dir = tempfile::tempdir().unwrap();
        let load = || Snapshot::from_files(files(dir.path(), config, credentials), naming);
        let Ok(full) = load() else { return };
        for p in full.profiles() {
            let alone = load().unwrap();
            assert_eq!(alone.profile(&p.name), Some(p), "{}", p.name);
            assert_eq!(
                alone.linked_session(&p.name).as_deref(),
                full.layout_of(&p.name).session_elsewhere(&p.name),
                "{}",
                p.name
            );
            assert_eq!(
                alone.layout_of(&p.name),
                full.layout_of(&p.name),
                "{}",
                p.name
            );
        }
    }

    #[test]
    fn files_passed_over_come_back_as_typed_values() {
        let dir = tempfile::tempdir().unwrap();
        let config = dir.path().join("config");
        let credentials = dir.path().join("credentials");
        std::fs::create_dir(&config).unwrap();
        let made = std::process::Command::new("mkfifo")
            .arg(&credentials)
            .status()
            .unwrap();
        assert!(made.success());
        let paths = AwsPaths::from_lookup(|key| match key {
            "AWS_CONFIG_FILE" => Some(config.display().to_string()),
            "AWS_SHARED_CREDENTIALS_FILE" => Some(credentials.display().to_string()),
            "HOME" => Some(dir.path().display().to_string()),
            _ => None,
        });
        // The FIFO is never opened (this would block), both read as empty.
        let snapshot = Snapshot::load(&paths, &Naming::default()).unwrap();
        assert!(snapshot.profiles().is_empty());
        let passed = snapshot.passed_over();
        assert_eq!(
            passed,
            [
                PassedOver {
                    kind: FileKind::Config,
                    path: config.clone(),
                    what: "a directory",
                },
                PassedOver {
                    kind: FileKind::Credentials,
                    path: credentials.clone(),
                    what: "a FIFO",
                },
            ]
        );
        assert_eq!(
            passed[1].to_string(),
            format!(
                "{} is a FIFO, not a regular file: mfatui reads it as empty and never writes it",
                credentials.display()
            )
        );
        // Regular files (or none at all) are passed over by nobody.
        std::fs::remove_file(&credentials).unwrap();
        std::fs::write(&credentials, "[dev]\nregion = x\n").unwrap();
        std::fs::remove_dir(&config).unwrap();
        let snapshot = Snapshot::load(&paths, &Naming::default()).unwrap();
        assert_eq!(snapshot.passed_over(), []);
    }

    #[test]
    fn a_profile_built_alone_is_the_one_of_the_full_list() {
        let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures");
        let mut read = 0;
        for dir in std::fs::read_dir(fixtures).unwrap() {
            let dir = dir.unwrap().path();
            let text = |name| std::fs::read_to_string(dir.join(name)).unwrap_or_default();
            one_by_one_matches_all(&text("config"), &text("credentials"), &Naming::default());
            read += 1;
        }
        assert!(read > 40, "fixtures read: {read}");
        // Pairs, competing pairs, `__profile__` links and their conflicts, a custom suffix.
        let config = "[profile dev]\nregion = eu-west-1\n[profile dev-ops]\nregion = us-east-1\n\
                      [profile app]\nrole_arn = arn:aws:iam::1:role/a\nsource_profile = dev\n";
        let credentials = "[dev-long-term]\naws_access_key_id = AKIA1\naws_secret_access_key = s\n\
            aws_mfa_device = arn:aws:iam::1:mfa/d\n\
            [dev]\naws_access_key_id = ASIA1\naws_secret_access_key = s\naws_session_token = t\n\
            [team-a-b]\naws_access_key_id = AKIA2\naws_secret_access_key = s\naws_mfa_device = arn:aws:iam::1:mfa/t\n\
            [team]\naws_access_key_id = ASIA2\naws_secret_access_key = s\naws_session_token = t\n\
            [team-a]\naws_access_key_id = ASIA3\naws_secret_access_key = s\naws_session_token = t\n\
            [base]\naws_access_key_id = AKIA3\naws_secret_access_key = s\nmfa_serial = arn:aws:iam::1:mfa/b\n\
            [s1]\n__profile__ = base\naws_access_key_id = ASIA4\naws_secret_access_key = s\naws_session_token = t\n\
            [s2]\n__profile__ = base\naws_access_key_id = ASIA5\naws_secret_access_key = s\naws_session_token = t\n\
            [lone]\n__profile__ = nowhere\n\
            [ops-mfa]\naws_access_key_id = AKIA4\naws_secret_access_key = s\naws_mfa_device = arn:aws:iam::1:mfa/o\n\
            [ops]\nregion = eu-west-1\n";
        one_by_one_matches_all(config, credentials, &Naming::default());
        let naming = Naming {
            long_term_suffix: "-mfa".to_owned(),
            ..Naming::default()
        };
        one_by_one_matches_all(config, credentials, &naming);
        let mut naming = Naming::default();
        naming.targets.insert("app".to_owned(), "app".to_owned());
        naming.targets.insert("dev".to_owned(), "dev-x".to_owned());
        one_by_one_matches_all(config, credentials, &naming);
        naming.role_section = false;
        one_by_one_matches_all(config, credentials, &naming);
    }
}
