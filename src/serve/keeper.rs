//! The keeper of `exec --server`'s port once mfatui is gone: it holds the listening socket for
//! as long as any process of this user still carries the endpoint's URI in its environment,
//! and answers every fetch at once with an error (never credentials), so that no other local
//! user can bind the freed port and answer a late fetch with credentials of their choosing.
//!
//! A descriptor inherited by CMD's tree ([`super::endpoint::inheritable`]) cannot follow a
//! descendant that closes its descriptors (Python's `subprocess`, a tmux server, a daemon);
//! its environment, which is what makes it fetch, does follow it — so that is what is watched.
//! Linux only (`/proc/PID/environ`); elsewhere nothing can be seen and the keeper ends at once.

use super::endpoint;
use hyper::StatusCode;
use std::os::unix::fs::MetadataExt;
use std::time::Duration;

/// The variable CMD finds the endpoint by.
pub const URI_VAR: &str = "AWS_CONTAINER_CREDENTIALS_FULL_URI";

/// How often the keeper looks whether some process still carries the URI.
pub const CHECK_EVERY: Duration = Duration::from_millis(1500);

/// What mfatui writes to the keeper before it ends when no process carries the URI any more:
/// the keeper then removes the copies and ends without holding the port.
pub const UNNEEDED: &[u8] = b"unneeded\n";

/// `AWS_CONTAINER_CREDENTIALS_FULL_URI=URI` of the endpoint on `port`, as CMD's environment
/// holds it.
pub fn entry(port: u16) -> Vec<u8> {
    format!("{URI_VAR}={}", endpoint::uri(port)).into_bytes()
}

/// Holds `listener` (a descriptor of the endpoint's listening socket, on 127.0.0.1) while any
/// process of this user carries its URI, answering each request with 503 and one sentence
/// naming `profile`; returns when none does. Called only after mfatui has ended: until then
/// the keeper neither accepts nor changes the socket.
pub fn keep(listener: std::net::TcpListener, profile: &str) -> std::io::Result<()> {
    let addr = listener.local_addr()?;
    if !addr.ip().is_loopback() {
        return Err(std::io::Error::other(
            "the descriptor is not the endpoint's loopback socket",
        ));
    }
    let entry = entry(addr.port());
    let named = if profile.is_empty() {
        String::new()
    } else {
        format!(" for '{profile}'")
    };
    let body = serde_json::json!({
        "Message": format!(
            "mfatui's endpoint{named} ended: run the command again under mfatui exec --server"
        )
    });
    // Already non-blocking (a descriptor of the endpoint's tokio listener): a no-op then.
    listener.set_nonblocking(true)?;
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    runtime.block_on(async move {
        let listener = tokio::net::TcpListener::from_std(listener)?;
        let server = tokio::spawn(endpoint::accept(listener, move |_| {
            let body = body.clone();
            async move { endpoint::reply(StatusCode::SERVICE_UNAVAILABLE, body) }
        }));
        loop {
            let entry = entry.clone();
            let wanted = tokio::task::spawn_blocking(move || carried(&entry))
                .await
                .unwrap_or(false);
            if !wanted {
                break;
            }
            tokio::time::sleep(CHECK_EVERY).await;
        }
        server.abort();
        Ok(())
    })
}

/// Whether some process of this user other than this one has `entry` (`NAME=VALUE`, whole) in
/// its environment. Processes whose environment cannot be read are passed over; no `/proc`
/// (not Linux) reads as none. "None" is said only after a second look, so that a carrier that
/// forks and exits while the first look passes by (a daemon detaching) is not missed.
pub fn carried(entry: &[u8]) -> bool {
    look(entry) || look(entry)
}

/// One look through `/proc` for [`carried`].
fn look(entry: &[u8]) -> bool {
    let me = rustix::process::geteuid().as_raw();
    let own = std::process::id();
    let Ok(procs) = std::fs::read_dir("/proc") else {
        return false;
    };
    procs.flatten().any(|e| {
        let pid = e.file_name().to_str().and_then(|n| n.parse::<u32>().ok());
        if pid.is_none_or(|pid| pid == own) {
            return false;
        }
        if !e.metadata().is_ok_and(|m| m.uid() == me) {
            return false;
        }
        std::fs::read(e.path().join("environ")).is_ok_and(|environ| carries(&environ, entry))
    })
}

/// Whether the environment block `environ` (NUL-separated) holds `entry` as a whole variable.
fn carries(environ: &[u8], entry: &[u8]) -> bool {
    environ.split(|b| *b == 0).any(|v| v == entry)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_whole_variable_counts() {
        let entry = b"AWS_CONTAINER_CREDENTIALS_FULL_URI=http://127.0.0.1:4000/";
        let env = b"A=1\0AWS_CONTAINER_CREDENTIALS_FULL_URI=http://127.0.0.1:4000/\0B=2\0";
        assert!(carries(env, entry));
        for other in [
            &b"AWS_CONTAINER_CREDENTIALS_FULL_URI=http://127.0.0.1:40001/\0"[..],
            b"AWS_CONTAINER_CREDENTIALS_FULL_URI=http://127.0.0.1:4000/x\0",
            b"XAWS_CONTAINER_CREDENTIALS_FULL_URI=http://127.0.0.1:4000/\0",
            b"B=AWS_CONTAINER_CREDENTIALS_FULL_URI=http://127.0.0.1:4000/",
            b"",
        ] {
            assert!(!carries(other, entry), "{}", String::from_utf8_lossy(other));
        }
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn a_process_carrying_the_variable_is_seen_until_it_ends() {
        let entry = format!(
            "MFATUI_KEEPER_TEST={}",
            crate::serve::random_token().unwrap()
        );
        let (name, value) = entry.split_once('=').unwrap();
        assert!(!carried(entry.as_bytes()));
        let mut child = std::process::Command::new("sleep")
            .arg("30")
            .env(name, value)
            .spawn()
            .unwrap();
        assert!(carried(entry.as_bytes()));
        child.kill().unwrap();
        child.wait().unwrap();
        assert!(!carried(entry.as_bytes()));
    }
}
