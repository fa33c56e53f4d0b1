//! The OS keyring as the home of long-term access keys: one entry per profile and key (service
//! `mfatui`, user `PROFILE (KEY_ID)`: the profile whose section held the keys and the key id its
//! marker names), its secret a small JSON document
//! `{"Version":1,"AccessKeyId":…,"SecretAccessKey":…}`. The key id in the name keeps apart
//! the entries of different AWS file sets that share a profile name (two `[default]`s), and
//! the old and new key of a rotation; entries of earlier versions (user = the profile alone)
//! are moved to the new name when read, if they hold the key the marker names. The Secret Service over D-Bus on Linux
//! and the BSDs, the Keychain on macOS, Credential Manager on Windows: chosen at build time.
//! There is no fallback to a file: a keyring that cannot be reached is an error.
//!
//! Secrets read from the keyring stay in [`Zeroizing`] buffers until they are handed over as
//! [`Credentials`]; nothing here logs or formats them, and [`KeyringError`] never holds them
//! (keyring-core's own errors may carry the raw secret bytes, so none of them is kept).

use crate::aws::Credentials;
pub use crate::renew::error::KeyringError;
use crate::secret::Secret;
use keyring_core::{CredentialStore, Entry, Error as CoreError};
use serde::{Deserialize, Serialize};
use std::sync::mpsc::{self, RecvTimeoutError};
use std::sync::Arc;
use std::time::Duration;
use zeroize::Zeroizing;

/// The keyring service name of every entry mfatui writes.
pub const SERVICE: &str = "mfatui";

/// How long one keyring call may take, an unlock prompt included.
pub const CALL_TIMEOUT: Duration = Duration::from_secs(120);

/// The version of the JSON document mfatui stores.
const FORMAT_VERSION: u32 = 1;

/// The longest access key id IAM issues (its API allows 16 to 128 characters).
const MAX_KEY_ID: usize = 128;

/// Generous bound on a secret access key (IAM's are 40 characters).
const MAX_SECRET: usize = 128;

/// Room for the JSON document: both values at their longest, every character escaped once,
/// plus the field names. Reserved up front so that writing it never reallocates (a
/// reallocation would leave a copy of the secret in freed memory).
const DOCUMENT_CAPACITY: usize = 2 * (MAX_KEY_ID + MAX_SECRET) + 96;

/// The document stored as the entry's secret, as written.
#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct DocumentOut<'a> {
    version: u32,
    access_key_id: &'a str,
    secret_access_key: &'a str,
    /// The files (as [`file_id`]s) whose `mfatui_keyring` markers were written for this entry:
    /// several file sets may hold the same key under the same profile name and share it.
    #[serde(skip_serializing_if = "<[String]>::is_empty")]
    files: &'a [String],
}

/// The document stored as the entry's secret, as read: the secret wiped when dropped.
#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct DocumentIn {
    version: u32,
    access_key_id: String,
    secret_access_key: Zeroizing<String>,
    /// Absent in entries written before file sets were recorded.
    #[serde(default)]
    files: Vec<String>,
}

/// How a file is named in an entry's list of users: its path with links resolved (as given
/// when it cannot be resolved).
pub fn file_id(path: &std::path::Path) -> String {
    std::fs::canonicalize(path)
        .unwrap_or_else(|_| path.to_owned())
        .to_string_lossy()
        .into_owned()
}

/// Checks that `creds` look like a long-term AWS key pair, so the document stays small and
/// needs no escaping: ids are 16–128 letters and digits, secrets printable ASCII.
pub fn check_keys(access_key_id: &str, secret_access_key: &str) -> Result<(), KeyringError> {
    let id_ok = (16..=MAX_KEY_ID).contains(&access_key_id.len())
        && access_key_id.bytes().all(|b| b.is_ascii_alphanumeric());
    // The two lines pasted the other way round: the secret would become the entry's name,
    // shown in full wherever a key id is.
    let looks_like_id = |s: &str| {
        s.len() == 20
            && (s.starts_with("AKIA") || s.starts_with("ASIA"))
            && s.bytes()
                .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit())
    };
    if looks_like_id(secret_access_key) && !looks_like_id(access_key_id) {
        return Err(KeyringError::BadKeys(
            "the key id and the secret look swapped (the secret has the form of a key id, AKIA…): give the key id first, then the secret; nothing was stored".to_owned(),
        ));
    }
    if !id_ok {
        return Err(KeyringError::BadKeys(
            "that is not an AWS access key id (16 to 128 letters and digits, like AKIAIOSFODNN7EXAMPLE): check what was pasted and try again".to_owned(),
        ));
    }
    let secret_ok = (1..=MAX_SECRET).contains(&secret_access_key.len())
        && secret_access_key.bytes().all(|b| b.is_ascii_graphic());
    if !secret_ok {
        return Err(KeyringError::BadKeys(
            "that is not an AWS secret access key (up to 128 printable characters, no spaces): check what was pasted and try again".to_owned(),
        ));
    }
    Ok(())
}

/// The JSON document for `creds` used by `files`, in a buffer wiped when dropped.
fn encode(creds: &Credentials, files: &[String]) -> Result<Zeroizing<String>, KeyringError> {
    check_keys(&creds.access_key_id, creds.secret_access_key.expose())?;
    // Each character of a path escapes to at most 6 (`\u001f`), plus quotes and a comma.
    let room: usize = files.iter().map(|f| 6 * f.len() + 3).sum::<usize>() + 12;
    let mut bytes = Zeroizing::new(Vec::with_capacity(DOCUMENT_CAPACITY + room));
    serde_json::to_writer(
        &mut *bytes,
        &DocumentOut {
            version: FORMAT_VERSION,
            access_key_id: &creds.access_key_id,
            secret_access_key: creds.secret_access_key.expose(),
            files,
        },
    )
    .map_err(|e| KeyringError::Other {
        detail: format!("cannot encode the entry: {e}"),
    })?;
    // The document is ASCII (checked above): the conversion cannot fail, and `from_utf8`
    // takes the buffer over instead of copying it.
    let text = String::from_utf8(std::mem::take(&mut *bytes)).map_err(|_| KeyringError::Other {
        detail: "the entry is not text".to_owned(),
    })?;
    Ok(Zeroizing::new(text))
}

/// The credentials in a stored document, and the files recorded as using it.
fn decode_all(profile: &str, document: &str) -> Result<(Credentials, Vec<String>), KeyringError> {
    let unreadable = || KeyringError::Unreadable {
        profile: profile.to_owned(),
    };
    let doc: DocumentIn = serde_json::from_str(document).map_err(|_| unreadable())?;
    if doc.version != FORMAT_VERSION
        || check_keys(&doc.access_key_id, &doc.secret_access_key).is_err()
    {
        return Err(unreadable());
    }
    let creds = Credentials {
        access_key_id: doc.access_key_id,
        secret_access_key: Secret::new(doc.secret_access_key.as_str()),
        session_token: None,
        expiration: None,
    };
    Ok((creds, doc.files))
}

/// Whether `a` and `b` are the same key pair.
fn same_pair(a: &Credentials, b: &Credentials) -> bool {
    a.access_key_id == b.access_key_id && a.secret_access_key == b.secret_access_key
}

/// Whether what the keyring gave `back` for `profile` is the pair just stored.
fn read_back_matches(
    profile: &str,
    back: Result<Credentials, KeyringError>,
    stored: &Credentials,
) -> Result<(), KeyringError> {
    let not_kept = || KeyringError::NotKept {
        profile: profile.to_owned(),
    };
    match back {
        Ok(back)
            if back.access_key_id == stored.access_key_id
                && back.secret_access_key == stored.secret_access_key =>
        {
            Ok(())
        }
        Ok(_) | Err(KeyringError::Missing { .. } | KeyringError::Unreadable { .. }) => {
            Err(not_kept())
        }
        Err(other) => Err(other),
    }
}

/// The entry's user name for `profile`'s key `access_key_id`. Key ids are letters and
/// digits only ([`check_keys`]), so the name reads back unambiguously.
pub fn entry_user(profile: &str, access_key_id: &str) -> String {
    format!("{profile} ({access_key_id})")
}

/// One sentence for a keyring-core error, keeping none of its payload but platform messages.
fn classify(err: CoreError, profile: &str) -> KeyringError {
    match err {
        CoreError::NoEntry => KeyringError::Missing {
            profile: profile.to_owned(),
            key: "named in the files".to_owned(),
        },
        CoreError::NoStorageAccess(_) => KeyringError::Locked,
        // Both carry the raw secret bytes: dropped here, never formatted.
        CoreError::BadEncoding(_) | CoreError::BadDataFormat(..) => KeyringError::Unreadable {
            profile: profile.to_owned(),
        },
        CoreError::PlatformFailure(e) => KeyringError::Other {
            detail: e.to_string(),
        },
        // Its Display formats the matching entries with Debug, which some stores fill with
        // the secret: counted, not shown.
        CoreError::Ambiguous(found) => KeyringError::Other {
            detail: format!(
                "{} entries match service mfatui and user '{profile}'; remove the extra ones",
                found.len()
            ),
        },
        e @ (CoreError::BadStoreFormat(_)
        | CoreError::TooLong(..)
        | CoreError::Invalid(..)
        | CoreError::NoDefaultStore
        | CoreError::NotSupportedByStore(_)) => KeyringError::Other {
            detail: e.to_string(),
        },
        _ => KeyringError::Other {
            detail: "an error this version of mfatui does not know".to_owned(),
        },
    }
}

/// Runs `job` on a thread of its own and waits at most `timeout` for it. zbus's blocking API
/// drives its own executor, which must not run inside the caller's (the TUI and the
/// credentials endpoint run on tokio); and a keyring waiting on a prompt nobody answers
/// must not hang mfatui (the thread is left behind; the process ends soon after).
fn on_worker<T: Send + 'static>(
    timeout: Duration,
    job: impl FnOnce() -> Result<T, KeyringError> + Send + 'static,
) -> Result<T, KeyringError> {
    let (tx, rx) = mpsc::sync_channel(1);
    std::thread::Builder::new()
        .name("mfatui-keyring".to_owned())
        .spawn(move || {
            let _ = tx.send(job());
        })
        .map_err(|e| KeyringError::Other {
            detail: format!("cannot start a thread for it: {e}"),
        })?;
    match rx.recv_timeout(timeout) {
        Ok(result) => result,
        Err(RecvTimeoutError::Timeout) => Err(KeyringError::Timeout {
            secs: timeout.as_secs(),
        }),
        Err(RecvTimeoutError::Disconnected) => Err(KeyringError::Other {
            detail: "the keyring call stopped without an answer".to_owned(),
        }),
    }
}

/// This system's keyring store.
#[cfg(all(
    unix,
    not(any(target_os = "macos", target_os = "ios", target_os = "android"))
))]
fn os_store() -> keyring_core::Result<Arc<CredentialStore>> {
    Ok(zbus_secret_service_keyring_store::Store::new()?)
}

/// This system's keyring store.
#[cfg(target_os = "macos")]
fn os_store() -> keyring_core::Result<Arc<CredentialStore>> {
    Ok(apple_native_keyring_store::keychain::Store::new()?)
}

/// This system's keyring store.
#[cfg(windows)]
fn os_store() -> keyring_core::Result<Arc<CredentialStore>> {
    Ok(windows_native_keyring_store::Store::new()?)
}

/// A connection to a keyring store: the OS's, or an in-memory one in unit tests.
#[derive(Clone)]
pub struct Keyring {
    store: Arc<CredentialStore>,
    timeout: Duration,
}

impl std::fmt::Debug for Keyring {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Keyring")
            .field("timeout", &self.timeout)
            .finish_non_exhaustive()
    }
}

impl Keyring {
    /// Connects to the OS keyring. Blocking; safe to call from async code (the work runs on
    /// a thread of its own).
    pub fn open() -> Result<Keyring, KeyringError> {
        let store = on_worker(CALL_TIMEOUT, || {
            os_store().map_err(|e| KeyringError::Unavailable {
                detail: match e {
                    CoreError::PlatformFailure(e) | CoreError::NoStorageAccess(e) => e.to_string(),
                    other => classify(other, "").to_string(),
                },
            })
        })?;
        Ok(Keyring {
            store,
            timeout: CALL_TIMEOUT,
        })
    }

    /// A keyring over any keyring-core store (keyring-core's mock in tests).
    pub fn with_store(store: Arc<CredentialStore>, timeout: Duration) -> Keyring {
        Keyring { store, timeout }
    }

    /// Runs `op` on the entry of user `user` (`profile`'s, for messages), on a worker thread.
    fn call<T: Send + 'static>(
        &self,
        profile: &str,
        user: String,
        op: impl FnOnce(&Entry) -> keyring_core::Result<T> + Send + 'static,
    ) -> Result<T, KeyringError> {
        let store = self.store.clone();
        let profile = profile.to_owned();
        on_worker(self.timeout, move || {
            let entry =
                Entry::new_in_store(&store, SERVICE, &user).map_err(|e| classify(e, &profile))?;
            op(&entry).map_err(|e| classify(e, &profile))
        })
    }

    /// Stores `creds` (a long-term pair) as the entry of `profile` and its key id, replacing
    /// one of that name (callers check first what it held: see [`Keyring::existing`]). The
    /// files recorded as using the entry are kept, also when it held another secret for the
    /// same key id: their markers name the key id, so they name this entry still.
    pub fn store(&self, profile: &str, creds: &Credentials) -> Result<(), KeyringError> {
        let user = entry_user(profile, &creds.access_key_id);
        let files = match self.load_doc(profile, user.clone()) {
            Ok((_, files)) => files,
            _ => Vec::new(),
        };
        self.write_doc(profile, user, creds, &files)
    }

    /// Writes the entry of user `user`: `creds` used by `files`.
    fn write_doc(
        &self,
        profile: &str,
        user: String,
        creds: &Credentials,
        files: &[String],
    ) -> Result<(), KeyringError> {
        let document = encode(creds, files)?;
        self.call(profile, user, move |entry| entry.set_password(&document))
    }

    /// The pair in the entry of user `user`, and the files recorded as using it.
    fn load_doc(
        &self,
        profile: &str,
        user: String,
    ) -> Result<(Credentials, Vec<String>), KeyringError> {
        let document = self.call(profile, user, |entry| {
            entry.get_password().map(Zeroizing::new)
        })?;
        decode_all(profile, &document)
    }

    /// The pair in the entry of user `user`.
    fn load_user(&self, profile: &str, user: String) -> Result<Credentials, KeyringError> {
        self.load_doc(profile, user).map(|(creds, _)| creds)
    }

    /// Records that `file`'s marker names the entry of `profile` holding `creds` (written and
    /// read back). No recorded file is dropped: another file set's marker may not be written
    /// yet (its `store` is between the keyring and its files), and a list too long only makes
    /// `forget` ask for a yes. `false` when there is no such entry (or it holds another pair).
    pub fn add_user(
        &self,
        profile: &str,
        creds: &Credentials,
        file: &str,
    ) -> Result<bool, KeyringError> {
        let user = entry_user(profile, &creds.access_key_id);
        let files = match self.load_doc(profile, user.clone()) {
            Ok((held, files)) if same_pair(&held, creds) => files,
            Ok(_) | Err(KeyringError::Missing { .. }) => return Ok(false),
            Err(e) => return Err(e),
        };
        if files.iter().any(|f| f == file) {
            return Ok(true);
        }
        let mut kept = files;
        kept.push(file.to_owned());
        self.write_doc(profile, user.clone(), creds, &kept)?;
        match self.load_doc(profile, user) {
            Ok((back, files)) if same_pair(&back, creds) && files == kept => Ok(true),
            Ok(_) | Err(KeyringError::Missing { .. } | KeyringError::Unreadable { .. }) => {
                Err(KeyringError::NotKept {
                    profile: profile.to_owned(),
                })
            }
            Err(e) => Err(e),
        }
    }

    /// The recorded files of the entry of `profile`'s key `access_key_id` whose markers still
    /// name the key (`names_key`). [`KeyringError::Missing`] if there is no entry.
    pub fn users(
        &self,
        profile: &str,
        access_key_id: &str,
        names_key: &dyn Fn(&str) -> bool,
    ) -> Result<Vec<String>, KeyringError> {
        let files = self.recorded(profile, access_key_id)?;
        Ok(files.into_iter().filter(|f| names_key(f)).collect())
    }

    /// Every file recorded in the entry of `profile`'s key `access_key_id`, whether or not
    /// it still names the key. [`KeyringError::Missing`] if there is no entry.
    pub fn recorded(
        &self,
        profile: &str,
        access_key_id: &str,
    ) -> Result<Vec<String>, KeyringError> {
        let (_, files) = self.load_doc(profile, entry_user(profile, access_key_id))?;
        Ok(files)
    }

    /// The user names of every entry of service mfatui, sorted; `None` when this keyring
    /// cannot be searched.
    pub fn entries(&self) -> Result<Option<Vec<String>>, KeyringError> {
        let store = self.store.clone();
        on_worker(self.timeout, move || {
            let spec = std::collections::HashMap::from([("service", SERVICE)]);
            let found = match Entry::search_in_store(&store, &spec) {
                Ok(found) => found,
                Err(CoreError::NotSupportedByStore(_)) => return Ok(None),
                Err(e) => return Err(classify(e, "")),
            };
            let mut users: Vec<String> = found
                .iter()
                .filter_map(|entry| entry.get_specifiers())
                .filter(|(service, _)| service == SERVICE)
                .map(|(_, user)| user)
                .collect();
            users.sort();
            users.dedup();
            Ok(Some(users))
        })
    }

    /// The pair stored for `profile`'s key `access_key_id`, if its entry exists (no
    /// migration of an older entry).
    pub fn existing(
        &self,
        profile: &str,
        access_key_id: &str,
    ) -> Result<Option<Credentials>, KeyringError> {
        match self.load_user(profile, entry_user(profile, access_key_id)) {
            Ok(creds) => Ok(Some(creds)),
            Err(KeyringError::Missing { .. }) => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// The long-term pair stored for `profile`'s key `access_key_id`. An entry an earlier
    /// mfatui wrote under the profile's name alone is moved to the new name (written, read
    /// back, then the old one deleted) when it holds that very key; one holding another key
    /// is left alone (another file set's, or a replaced one).
    pub fn load(&self, profile: &str, access_key_id: &str) -> Result<Credentials, KeyringError> {
        let missing = || KeyringError::Missing {
            profile: profile.to_owned(),
            key: crate::awsfiles::mask::mask_key_id(access_key_id),
        };
        match self.load_user(profile, entry_user(profile, access_key_id)) {
            Err(KeyringError::Missing { .. }) => {}
            other => return other,
        }
        // A profile named like a new entry (`P (KEY_ID)`) has no old entry to move: its name
        // alone is another profile's entry.
        let named_like_an_entry = profile
            .strip_suffix(')')
            .and_then(|rest| rest.rsplit_once(" ("))
            .is_some_and(|(_, id)| {
                (16..=MAX_KEY_ID).contains(&id.len())
                    && id.bytes().all(|b| b.is_ascii_alphanumeric())
            });
        if named_like_an_entry {
            return Err(missing());
        }
        let legacy = match self.load_user(profile, profile.to_owned()) {
            Ok(creds) if creds.access_key_id == access_key_id => creds,
            Ok(_) | Err(KeyringError::Missing { .. } | KeyringError::Unreadable { .. }) => {
                return Err(missing())
            }
            Err(e) => return Err(e),
        };
        self.store_checked(profile, &legacy)?;
        let _ = self.call(profile, profile.to_owned(), |entry| {
            entry.delete_credential()
        });
        Ok(legacy)
    }

    /// [`Keyring::store`], then reads the entry back and compares: only then is it safe to
    /// remove the keys from anywhere else.
    pub fn store_checked(&self, profile: &str, creds: &Credentials) -> Result<(), KeyringError> {
        self.store(profile, creds)?;
        read_back_matches(
            profile,
            self.load_user(profile, entry_user(profile, &creds.access_key_id)),
            creds,
        )
    }

    /// Deletes the entry of `profile`'s key `access_key_id` ([`KeyringError::Missing`] if
    /// there is none).
    pub fn delete(&self, profile: &str, access_key_id: &str) -> Result<(), KeyringError> {
        self.call(profile, entry_user(profile, access_key_id), |entry| {
            entry.delete_credential()
        })
    }
}

/// The OS keyring, opened on first use (most runs never need it), as the renewal service and
/// rotation reach it.
#[derive(Debug, Default)]
pub struct OsKeyring {
    opened: std::sync::OnceLock<Result<Keyring, KeyringError>>,
}

impl OsKeyring {
    /// The keyring, opened now if it was not yet.
    fn keyring(&self) -> Result<&Keyring, KeyringError> {
        self.opened
            .get_or_init(Keyring::open)
            .as_ref()
            .map_err(Clone::clone)
    }
}

impl crate::renew::service::KeyringAccess for OsKeyring {
    fn load(&self, profile: &str, access_key_id: &str) -> Result<Credentials, KeyringError> {
        self.keyring()?.load(profile, access_key_id)
    }

    fn delete(&self, profile: &str, access_key_id: &str) -> Result<(), KeyringError> {
        self.keyring()?.delete(profile, access_key_id)
    }

    fn store(&self, profile: &str, creds: &Credentials) -> Result<(), KeyringError> {
        self.keyring()?.store_checked(profile, creds)
    }

    fn add_user(
        &self,
        profile: &str,
        creds: &Credentials,
        file: &str,
    ) -> Result<bool, KeyringError> {
        self.keyring()?.add_user(profile, creds, file)
    }

    fn users(
        &self,
        profile: &str,
        access_key_id: &str,
        names_key: &dyn Fn(&str) -> bool,
    ) -> Result<Vec<String>, KeyringError> {
        self.keyring()?.users(profile, access_key_id, names_key)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_key_id_and_secret_pasted_the_other_way_round_are_refused_without_naming_either() {
        let id = "AKIAIOSFODNN7EXAMPLE";
        let secret = "wJalrXUtnFEMIK7MDENGbPxRfiCYEXAMPLEKEY00";
        assert!(check_keys(id, secret).is_ok());
        let e = check_keys(secret, id).unwrap_err().to_string();
        assert!(e.contains("look swapped"), "{e}");
        assert!(!e.contains(secret) && !e.contains(id), "{e}");
    }
    use keyring_core::mock;

    const ID: &str = "AKIAIOSFODNN7EXAMPLE";
    const SECRET: &str = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";

    fn creds(id: &str, secret: &str) -> Credentials {
        Credentials {
            access_key_id: id.to_owned(),
            secret_access_key: Secret::new(secret),
            session_token: None,
            expiration: None,
        }
    }

    fn mock_keyring() -> (Keyring, Arc<mock::Store>) {
        let store = mock::Store::new().unwrap();
        (
            Keyring::with_store(store.clone(), Duration::from_secs(5)),
            store,
        )
    }

    /// The next call on `profile`'s mock entry fails with `err`.
    fn fail_next(store: &Arc<mock::Store>, profile: &str, err: CoreError) {
        let shared: Arc<CredentialStore> = store.clone();
        let entry = Entry::new_in_store(&shared, SERVICE, profile).unwrap();
        let cred: &mock::Cred = entry.as_any().downcast_ref().unwrap();
        cred.set_error(err);
    }

    /// The raw document stored for `profile`.
    fn raw(store: &Arc<mock::Store>, profile: &str) -> String {
        let shared: Arc<CredentialStore> = store.clone();
        Entry::new_in_store(&shared, SERVICE, profile)
            .unwrap()
            .get_password()
            .unwrap()
    }

    #[test]
    fn stores_the_versioned_document_and_loads_it_back() {
        let (keyring, store) = mock_keyring();
        keyring.store_checked("dev", &creds(ID, SECRET)).unwrap();
        let user = format!("dev ({ID})");
        assert_eq!(entry_user("dev", ID), user);
        assert_eq!(
            raw(&store, &user),
            format!(r#"{{"Version":1,"AccessKeyId":"{ID}","SecretAccessKey":"{SECRET}"}}"#)
        );
        assert!(raw(&store, &user).len() < 2560, "fits Windows' limit");
        let back = keyring.load("dev", ID).unwrap();
        assert_eq!(back, creds(ID, SECRET));
        assert_eq!(
            keyring.load("prod", ID).unwrap_err(),
            KeyringError::Missing {
                profile: "prod".to_owned(),
                key: "****MPLE".to_owned()
            }
        );
        keyring.delete("dev", ID).unwrap();
        assert!(matches!(
            keyring.delete("dev", ID).unwrap_err(),
            KeyringError::Missing { .. }
        ));
    }

    #[test]
    fn two_file_sets_with_the_same_profile_keep_their_keys_apart() {
        let (keyring, _store) = mock_keyring();
        let other = "AKIAI44QH8DHBEXAMPLE";
        let other_secret = "je7MtGbClwBF/2Zp9Utk/h3yCo8nvbEXAMPLEKEY";
        keyring
            .store_checked("default", &creds(ID, SECRET))
            .unwrap();
        keyring
            .store_checked("default", &creds(other, other_secret))
            .unwrap();
        assert_eq!(keyring.load("default", ID).unwrap(), creds(ID, SECRET));
        assert_eq!(
            keyring.load("default", other).unwrap(),
            creds(other, other_secret)
        );
        keyring.delete("default", other).unwrap();
        assert_eq!(keyring.load("default", ID).unwrap(), creds(ID, SECRET));
    }

    #[test]
    fn an_entry_shared_by_two_files_records_both_and_counts_only_markers_there_now() {
        let (keyring, store) = mock_keyring();
        let pair = creds(ID, SECRET);
        let naming = std::sync::Mutex::new(vec!["/a/credentials", "/b/credentials"]);
        let names_key = |f: &str| naming.lock().unwrap().contains(&f);
        assert!(!keyring
            .add_user("default", &pair, "/a/credentials")
            .unwrap());
        keyring.store_checked("default", &pair).unwrap();
        for file in ["/a/credentials", "/b/credentials", "/a/credentials"] {
            assert!(keyring.add_user("default", &pair, file).unwrap());
        }
        // Storing the same pair again (B's store) keeps both users.
        keyring.store_checked("default", &pair).unwrap();
        let user = entry_user("default", ID);
        assert!(raw(&store, &user).ends_with(r#""Files":["/a/credentials","/b/credentials"]}"#));
        // A restores: only B's marker still names the key.
        naming.lock().unwrap().retain(|f| *f != "/a/credentials");
        assert_eq!(
            keyring.users("default", ID, &names_key).unwrap(),
            vec!["/b/credentials".to_owned()]
        );
        assert_eq!(keyring.load("default", ID).unwrap(), pair);
        // A file recorded but no longer naming the key (moved, edited) counts for nothing.
        naming.lock().unwrap().clear();
        assert!(keyring.users("default", ID, &names_key).unwrap().is_empty());
        assert_eq!(
            keyring.entries().unwrap(),
            Some(vec![user.clone()]),
            "the mock store can be searched"
        );
        keyring.delete("default", ID).unwrap();
        // Another pair under the same name is not joined.
        keyring.store_checked("default", &pair).unwrap();
        let other = creds(ID, "wJalrXUtnFEMI/K7MDENG/bPxRfiCYOTHERKEY");
        assert!(!keyring
            .add_user("default", &other, "/b/credentials")
            .unwrap());
    }

    #[test]
    fn another_secret_for_the_same_key_id_keeps_the_recorded_files() {
        let (keyring, store) = mock_keyring();
        let pair = creds(ID, SECRET);
        keyring.store_checked("default", &pair).unwrap();
        for file in ["/a/credentials", "/b/credentials"] {
            assert!(keyring.add_user("default", &pair, file).unwrap());
        }
        // B's `add --yes` replaces the secret: A's marker names the same key id still.
        let other = creds(ID, "wJalrXUtnFEMI/K7MDENG/bPxRfiCYOTHERKEY");
        keyring.store_checked("default", &other).unwrap();
        assert!(keyring
            .add_user("default", &other, "/b/credentials")
            .unwrap());
        assert_eq!(keyring.load("default", ID).unwrap(), other);
        assert_eq!(
            keyring.recorded("default", ID).unwrap(),
            ["/a/credentials", "/b/credentials"]
        );
        assert!(raw(&store, &entry_user("default", ID))
            .ends_with(r#""Files":["/a/credentials","/b/credentials"]}"#));
    }

    #[test]
    fn an_entry_of_the_profile_alone_is_moved_when_it_holds_the_key_named() {
        let (keyring, store) = mock_keyring();
        let shared: Arc<CredentialStore> = store.clone();
        let legacy = Entry::new_in_store(&shared, SERVICE, "dev").unwrap();
        legacy
            .set_password(&encode(&creds(ID, SECRET), &[]).unwrap())
            .unwrap();
        let other = "AKIAI44QH8DHBEXAMPLE";
        assert!(
            matches!(
                keyring.load("dev", other).unwrap_err(),
                KeyringError::Missing { .. }
            ),
            "an entry holding another key is not this one"
        );
        assert!(legacy.get_password().is_ok(), "and it is left alone");
        assert_eq!(keyring.load("dev", ID).unwrap(), creds(ID, SECRET));
        assert!(raw(&store, &entry_user("dev", ID)).contains(SECRET));
        assert!(legacy.get_password().is_err(), "moved, not copied");
        assert_eq!(keyring.load("dev", ID).unwrap(), creds(ID, SECRET));
        // A profile named like that new entry does not take it for an old one of its own.
        let odd = entry_user("dev", ID);
        assert!(matches!(
            keyring.load(&odd, ID).unwrap_err(),
            KeyringError::Missing { .. }
        ));
        assert_eq!(keyring.load("dev", ID).unwrap(), creds(ID, SECRET));
    }

    #[test]
    fn the_longest_keys_fit_the_reserved_buffer() {
        let id = "A".repeat(MAX_KEY_ID);
        let secret = "\"".repeat(MAX_SECRET);
        let doc = encode(&creds(&id, &secret), &[]).unwrap();
        assert!(doc.len() <= DOCUMENT_CAPACITY, "{}", doc.len());
        assert_eq!(decode_all("p", &doc).unwrap().0, creds(&id, &secret));
    }

    #[test]
    fn keys_of_the_wrong_shape_are_refused_before_anything_is_stored() {
        let (keyring, _store) = mock_keyring();
        for (id, secret) in [
            ("short", SECRET),
            ("AKIA IOSFODNN7EXAMPLE", SECRET),
            (ID, ""),
            (ID, "has space inside"),
            (ID, "tab\tinside"),
        ] {
            let err = keyring.store("dev", &creds(id, secret)).unwrap_err();
            assert!(matches!(err, KeyringError::BadKeys(_)), "{id:?} {err}");
            assert!(!err.to_string().contains(secret) || secret.is_empty());
        }
        assert!(matches!(
            keyring.load("dev", ID).unwrap_err(),
            KeyringError::Missing { .. }
        ));
    }

    #[test]
    fn an_entry_mfatui_did_not_write_is_unreadable_not_a_crash() {
        let (keyring, store) = mock_keyring();
        let shared: Arc<CredentialStore> = store.clone();
        let entry = Entry::new_in_store(&shared, SERVICE, &entry_user("dev", ID)).unwrap();
        for stored in [
            "hunter2",
            r#"{"Version":2,"AccessKeyId":"AKIAIOSFODNN7EXAMPLE","SecretAccessKey":"x"}"#,
            r#"{"Version":1,"AccessKeyId":"AKIAIOSFODNN7EXAMPLE"}"#,
        ] {
            entry.set_password(stored).unwrap();
            let err = keyring.load("dev", ID).unwrap_err();
            assert_eq!(
                err,
                KeyringError::Unreadable {
                    profile: "dev".to_owned()
                }
            );
            assert!(!format!("{err} {err:?}").contains("hunter2"));
        }
    }

    #[test]
    fn store_errors_become_one_sentence_without_the_secret() {
        let (keyring, store) = mock_keyring();
        let platform = |m: &str| -> keyring_core::error::PlatformError { m.to_owned().into() };
        let cases = [
            (
                CoreError::NoStorageAccess(platform("SS error: prompt dismissed")),
                "is locked or refused access",
            ),
            (
                CoreError::PlatformFailure(platform("zbus error: gone")),
                "refused the request (zbus error: gone)",
            ),
            (
                CoreError::BadEncoding(SECRET.as_bytes().to_vec()),
                "is not one this mfatui can read",
            ),
            (
                CoreError::BadDataFormat(SECRET.as_bytes().to_vec(), platform("bad")),
                "is not one this mfatui can read",
            ),
            (
                CoreError::Ambiguous(Vec::new()),
                "0 entries match service mfatui",
            ),
        ];
        for (err, says) in cases {
            fail_next(&store, &entry_user("dev", ID), err);
            let got = keyring.load("dev", ID).unwrap_err();
            let text = format!("{got} / {got:?}");
            assert!(text.contains(says), "{text}");
            assert!(!text.contains(SECRET), "{text}");
        }
    }

    #[test]
    fn a_read_back_that_is_missing_unreadable_or_different_is_not_kept() {
        let stored = creds(ID, SECRET);
        assert_eq!(
            read_back_matches("dev", Ok(stored.clone()), &stored),
            Ok(())
        );
        let not_kept = Err(KeyringError::NotKept {
            profile: "dev".to_owned(),
        });
        let other_secret = creds(ID, "wJalrXUtnFEMI/K7MDENG/bPxRfiCYOTHERKEY");
        let other_id = creds("AKIAI44QH8DHBEXAMPLE", SECRET);
        for back in [
            Ok(other_secret),
            Ok(other_id),
            Err(KeyringError::Missing {
                profile: "dev".to_owned(),
                key: "****MPLE".to_owned(),
            }),
            Err(KeyringError::Unreadable {
                profile: "dev".to_owned(),
            }),
        ] {
            assert_eq!(read_back_matches("dev", back, &stored), not_kept);
        }
        assert_eq!(
            read_back_matches("dev", Err(KeyringError::Locked), &stored),
            Err(KeyringError::Locked),
            "a locked keyring says so"
        );
    }

    #[test]
    fn a_call_that_never_answers_times_out() {
        // A call that waits on something that never comes (a prompt nobody answers).
        let (never, waits) = mpsc::channel::<()>();
        let err = on_worker(
            Duration::from_millis(50),
            move || -> Result<(), KeyringError> {
                let _ = waits.recv();
                Ok(())
            },
        )
        .unwrap_err();
        drop(never);
        assert_eq!(err, KeyringError::Timeout { secs: 0 });
        assert!(err.to_string().contains("did not answer"));
    }
}
