//! Long-term access keys: where a profile's keys are (its layout decides; see
//! [`crate::awsfiles::layout`]), how old they are, rotating them.

pub mod age;
pub mod custody;
pub mod journal;
pub mod keyring;
pub mod rotate;

use crate::awsfiles::{KeyPlace, Snapshot};

/// Every section that holds the access key id of `place` as a long-term key (the same key
/// copied into several profiles, in the files or as keyring markers: `keyring store` moves
/// every copy, and a rotation must reach every one), `place` itself first.
pub fn copies(snapshot: &Snapshot, place: &KeyPlace) -> Vec<KeyPlace> {
    let mut found = vec![place.clone()];
    for p in snapshot.profiles() {
        if let Some(other) = crate::awsfiles::layout::own_keys(snapshot.map(), &p.name) {
            let same = other.access_key_id == place.access_key_id
                && !found
                    .iter()
                    .any(|f| f.file == other.file && f.section == other.section);
            if same {
                found.push(other);
            }
        }
    }
    found
}
