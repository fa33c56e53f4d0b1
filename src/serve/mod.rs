//! Serving other programs, with every trust boundary in one place (sessions themselves come
//! from [`crate::renew::service`]):
//! - [`endpoint`]: the container-credentials endpoint `exec --server` gives its command —
//!   127.0.0.1 only, a random token per run, the files re-read on every fetch.
//! - [`keeper`]: what holds that endpoint's port once mfatui is gone, while any descendant of
//!   the command lives (Linux), answering every fetch with an error — so nobody else can take it.
//! - [`overlay`]: what that command sees of the shared files, so that the default chain gets
//!   the served session and every profile named explicitly its own.
//! - [`requests`]: the Unix socket on which an open TUI takes renewal requests from programs
//!   without a terminal — 0600 in a 0700 folder, owner, mode and peer user checked by both
//!   sides, no secret on it.
//!
//! Nothing here sends a secret anywhere but to the authenticated local caller it serves.

pub mod endpoint;
pub mod keeper;
pub mod overlay;
pub mod requests;

/// A random token: 32 bytes from the kernel's generator, as hex.
pub fn random_token() -> std::io::Result<String> {
    use std::io::Read;
    let mut bytes = [0u8; 32];
    std::fs::File::open("/dev/urandom")?.read_exact(&mut bytes)?;
    Ok(bytes.iter().map(|b| format!("{b:02x}")).collect())
}

/// Compares two secrets in time independent of where they differ.
pub fn same_secret(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_random_and_compared_whole() {
        let (a, b) = (random_token().unwrap(), random_token().unwrap());
        assert_eq!(a.len(), 64);
        assert_ne!(a, b);
        assert!(same_secret(a.as_bytes(), a.as_bytes()));
        assert!(!same_secret(a.as_bytes(), b.as_bytes()));
        assert!(!same_secret(b"abc", b"abcd"));
    }
}
