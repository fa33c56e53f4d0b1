//! A string that never prints itself (`Debug` and `Display` show `****`) and is wiped from
//! memory when dropped.

use std::fmt;

/// A secret value (secret access key, session token). Only [`Secret::expose`] reveals it; its
/// bytes are overwritten when it is dropped.
#[derive(Clone, PartialEq, Eq, Default)]
pub struct Secret(String);

impl Drop for Secret {
    fn drop(&mut self) {
        zeroize::Zeroize::zeroize(&mut self.0);
    }
}

impl Secret {
    /// Wraps a secret.
    pub fn new(value: impl Into<String>) -> Self {
        Secret(value.into())
    }

    /// The secret itself, for the few places that must use it (API calls, file writes, export).
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(****)")
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("****")
    }
}

#[cfg(test)]
mod tests {
    use super::Secret;

    #[test]
    fn never_formats_its_value() {
        let s = Secret::new("wJalrXUtnFEMI/K7MDENG");
        assert_eq!(
            format!("{s} {s:?} {:?}", Some(&s)),
            "**** Secret(****) Some(Secret(****))"
        );
        assert_eq!(s.expose(), "wJalrXUtnFEMI/K7MDENG");
    }
}
