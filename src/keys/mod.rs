//! Long-term access keys: where a profile's keys are kept, how old they are, rotating them.

pub mod age;
pub mod keyring;
pub mod rotate;

use crate::aws::Credentials;
use crate::awsfiles::{ConfigMap, FileKind};
use crate::renew::plan::{has_long_term_keys, static_credentials};

/// Where a profile's long-term key pair is written.
#[derive(Clone, Debug)]
pub struct KeyPlace {
    /// The profile whose keys these are (the one named, or its aws-mfa partner).
    pub profile: String,
    /// The file holding them.
    pub file: FileKind,
    /// The section in that file.
    pub section: String,
    /// The keys.
    pub credentials: Credentials,
}

/// Where profile `name`'s long-term keys are: its credentials section, else its config
/// section; `None` when neither holds a complete long-term pair.
pub fn key_place(map: &ConfigMap, name: &str) -> Option<KeyPlace> {
    let p = map.profile(name)?;
    let (file, settings, section) = if has_long_term_keys(p.credentials_only()) {
        (
            FileKind::Credentials,
            p.credentials_only(),
            p.credentials_section?,
        )
    } else if has_long_term_keys(p.config_only()) {
        (FileKind::Config, p.config_only(), p.config_section?)
    } else {
        return None;
    };
    Some(KeyPlace {
        profile: name.to_owned(),
        file,
        section: section.to_owned(),
        credentials: static_credentials(settings)?,
    })
}
