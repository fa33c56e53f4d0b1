//! The environment variables of a run, captured once at the entry point: nothing below it
//! reads the process environment on its own.

use std::collections::HashMap;
use std::ffi::{OsStr, OsString};
use std::path::PathBuf;
use std::time::Duration;

/// The environment variables of the run, captured once, as the operating system gives them:
/// a value that is not UTF-8 (`FOO=$'caf\xe9'`) is kept, never a reason to stop.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Env(HashMap<OsString, OsString>);

impl Env {
    /// The process environment, read as OS strings (`std::env::vars` would panic on a
    /// variable that is not UTF-8).
    pub fn from_process() -> Env {
        let vars = std::env::vars_os().collect();
        Env(with_home(vars, user_home))
    }

    /// An environment of exactly these variables (for tests and sandboxes).
    pub fn from_pairs(pairs: &[(&str, &str)]) -> Env {
        Env(pairs
            .iter()
            .map(|(k, v)| (OsString::from(k), OsString::from(v)))
            .collect())
    }

    /// An environment of exactly these variables, as OS strings.
    pub fn from_os_pairs(pairs: impl IntoIterator<Item = (OsString, OsString)>) -> Env {
        Env(pairs.into_iter().collect())
    }

    /// The value of `key`, if set, not empty and UTF-8 (a value that is not UTF-8 reads as
    /// unset here: see [`Env::get_os`] and [`Env::path`] for the variables that name files).
    pub fn get(&self, key: &str) -> Option<&str> {
        self.get_os(key).and_then(OsStr::to_str)
    }

    /// The value of `key` as the system gave it, if set and not empty. An XDG base-directory
    /// variable (`XDG_CONFIG_HOME`, …) counts only when it is an absolute path, as the XDG
    /// specification says: a relative one would take settings, caches or sockets from
    /// whatever folder mfatui runs in — a shared one, another user's.
    pub fn get_os(&self, key: &str) -> Option<&OsStr> {
        self.0
            .get(OsStr::new(key))
            .map(OsString::as_os_str)
            .filter(|v| !v.is_empty())
            .filter(|v| !key.starts_with("XDG_") || std::path::Path::new(v).is_absolute())
    }

    /// `key` as a path when its value is not UTF-8 (so cannot go through the `~`/`$VAR`
    /// expansion that works on text): the bytes as given.
    pub fn path(&self, key: &str) -> Option<PathBuf> {
        self.get_os(key)
            .filter(|v| v.to_str().is_none())
            .map(PathBuf::from)
    }

    /// The home folder (`HOME`, whatever its bytes), empty when unset.
    pub fn home(&self) -> PathBuf {
        self.get_os("HOME").map(PathBuf::from).unwrap_or_default()
    }

    /// `key` as a number of seconds, or `default`.
    pub fn seconds(&self, key: &str, default: u64) -> Duration {
        Duration::from_secs(
            self.get(key)
                .and_then(|v| v.trim().parse().ok())
                .unwrap_or(default),
        )
    }

    /// Every variable whose name and value are UTF-8 (set ones only).
    pub fn vars(&self) -> impl Iterator<Item = (&str, &str)> {
        self.0
            .iter()
            .filter_map(|(k, v)| Some((k.to_str()?, v.to_str()?)))
    }

    /// A lookup function over this environment (owned values), for code that takes one.
    pub fn lookup(&self) -> impl Fn(&str) -> Option<String> + '_ {
        move |k| self.get(k).map(str::to_owned)
    }
}

/// Where the home folder is when `HOME` cannot be used: what the system's user database
/// (NSS: `/etc/passwd`, LDAP, sssd, systemd-homed) gives for this user, as botocore's
/// `expanduser` asks it.
fn user_home() -> Option<PathBuf> {
    let uid = nix::unistd::getuid();
    nix::unistd::User::from_uid(uid)
        .ok()
        .flatten()
        .map(|user| user.dir)
}

/// A home that cannot exist, for a user the database does not know: nothing is then read
/// from the working folder (attack round 9: a uid without a passwd line, `HOME=.`).
const NO_HOME: &str = "/nonexistent";

/// `vars` with a usable `HOME`: an absolute one is kept; an unset, empty or relative one
/// (`HOME=.` would take settings and AWS files from whatever folder mfatui runs in) is
/// replaced by the user database's home folder, or by [`NO_HOME`] when it has none.
fn with_home(
    mut vars: HashMap<OsString, OsString>,
    lookup: impl FnOnce() -> Option<PathBuf>,
) -> HashMap<OsString, OsString> {
    let usable = vars
        .get(OsStr::new("HOME"))
        .is_some_and(|h| std::path::Path::new(h).is_absolute());
    if !usable {
        let home = lookup()
            .filter(|home| home.is_absolute())
            .unwrap_or_else(|| PathBuf::from(NO_HOME));
        vars.insert("HOME".into(), home.into());
    }
    vars
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_relative_xdg_folder_is_ignored_as_the_specification_says() {
        let env = Env::from_pairs(&[
            ("XDG_CONFIG_HOME", ".config"),
            ("XDG_CACHE_HOME", "/home/ana/.cache"),
            ("AWS_CONFIG_FILE", "relative/config"),
        ]);
        assert_eq!(env.get("XDG_CONFIG_HOME"), None);
        assert_eq!(env.get("XDG_CACHE_HOME"), Some("/home/ana/.cache"));
        assert_eq!(env.get("AWS_CONFIG_FILE"), Some("relative/config"));
    }

    #[test]
    fn without_a_usable_home_the_user_databases_home_is_used() {
        let ana = || Some(PathBuf::from("/home/ana"));
        let unset = with_home(HashMap::new(), ana);
        assert_eq!(Env(unset).home(), PathBuf::from("/home/ana"));
        // An absolute HOME wins; an empty or relative one is replaced (attack round 8, H1:
        // `HOME=.` took settings from a shared folder).
        let vars = HashMap::from([(OsString::from("HOME"), OsString::from("/h"))]);
        let kept = with_home(vars, || panic!("the user database is not asked"));
        assert_eq!(kept[OsStr::new("HOME")], OsString::from("/h"));
        for odd in ["", ".", "work/.."] {
            let vars = HashMap::from([(OsString::from("HOME"), OsString::from(odd))]);
            let home = with_home(vars.clone(), ana);
            assert_eq!(
                home[OsStr::new("HOME")],
                OsString::from("/home/ana"),
                "{odd:?}"
            );
            // A user the database does not know, or a relative home there (attack round 9):
            // never the working folder.
            for unknown in [None, Some(PathBuf::from(".")), Some(PathBuf::new())] {
                let home = with_home(vars.clone(), || unknown.clone());
                assert_eq!(home[OsStr::new("HOME")], OsString::from(NO_HOME), "{odd:?}");
            }
        }
        // This process's own user is found through the system's database.
        let me = user_home().expect("the user running the tests has a home");
        assert!(me.is_absolute(), "{me:?}");
    }
    use std::os::unix::ffi::OsStringExt;

    #[test]
    fn values_that_are_not_utf8_are_kept_and_never_read_as_text() {
        let env = Env::from_os_pairs([
            (
                OsString::from("FOO"),
                OsString::from_vec(b"caf\xe9".to_vec()),
            ),
            (OsString::from("AWS_REGION"), OsString::from("eu-west-1")),
            (OsString::from_vec(b"B\xffD".to_vec()), OsString::from("x")),
        ]);
        assert_eq!(env.get("FOO"), None);
        assert_eq!(env.get_os("FOO").unwrap().len(), 4);
        assert_eq!(
            env.path("FOO"),
            Some(PathBuf::from(OsString::from_vec(b"caf\xe9".to_vec())))
        );
        assert_eq!(env.path("AWS_REGION"), None);
        assert_eq!(env.get("AWS_REGION"), Some("eu-west-1"));
        assert_eq!(
            env.vars().collect::<Vec<_>>(),
            [("AWS_REGION", "eu-west-1")]
        );
    }
}
