//! The open TUI answering renewal requests from programs that have no terminal (an IDE, a GUI,
//! a background job running `credential-process` or `exec`).
//!
//! A Unix socket, `$XDG_RUNTIME_DIR/mfatui/requests.sock` (else `/tmp/mfatui-UID/`), in a
//! folder of the user's own with mode 0700, the socket 0600, and the caller's user checked
//! against ours. One JSON line each way and no secret: the caller asks for a renewal of a
//! profile (`{"profile", "pid", "program"}`), the person types the code in the TUI, the TUI
//! writes the files as for any renewal and answers `{"ok": true}` (or `false` with a
//! sentence); the caller then reads the files itself.

use serde::{Deserialize, Serialize};
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::time::Duration;
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::{UnixListener, UnixStream};

/// A caller's request, as it crosses the socket.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Request {
    /// The profile to renew.
    pub profile: String,
    /// The program that asks (the process that ran mfatui).
    pub pid: u32,
    /// Its command line, shortened.
    pub program: String,
}

/// The TUI's answer.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Answer {
    /// Whether the files now hold a renewed session.
    pub ok: bool,
    /// Why not, in one sentence.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
}

/// The socket's path: under `$XDG_RUNTIME_DIR` (private to the user by definition), else in
/// a 0700 folder of mfatui's in the temporary folder.
pub fn socket_path() -> PathBuf {
    let uid = rustix::process::getuid().as_raw();
    let dir = match std::env::var_os("XDG_RUNTIME_DIR").filter(|v| !v.is_empty()) {
        Some(run) => PathBuf::from(run).join("mfatui"),
        None => std::env::temp_dir().join(format!("mfatui-{uid}")),
    };
    dir.join("requests.sock")
}

/// Creates the socket's folder 0700, or checks that an existing one is ours and private.
fn private_dir(dir: &Path) -> std::io::Result<()> {
    std::os::unix::fs::DirBuilderExt::mode(std::fs::DirBuilder::new().recursive(true), 0o700)
        .create(dir)?;
    let meta = std::fs::symlink_metadata(dir)?;
    let uid = rustix::process::getuid().as_raw();
    if !meta.is_dir() || meta.uid() != uid || meta.permissions().mode() & 0o077 != 0 {
        return Err(std::io::Error::new(
            std::io::ErrorKind::PermissionDenied,
            format!(
                "{} is not a private folder of this user (0700); mfatui will not listen there",
                dir.display()
            ),
        ));
    }
    Ok(())
}

/// The listening side (the TUI): removes the socket file when dropped.
pub struct Listener {
    listener: UnixListener,
    path: PathBuf,
}

impl Drop for Listener {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.path);
    }
}

/// Why the TUI does not listen.
#[derive(Debug)]
pub enum ListenError {
    /// Another open mfatui answers requests already.
    Taken,
    /// The folder or socket could not be set up.
    Io(std::io::Error),
}

impl Listener {
    /// Listens at `path`. A socket left behind by an mfatui that is gone is removed first;
    /// one that answers belongs to another open mfatui, which keeps it.
    pub async fn bind(path: &Path) -> Result<Listener, ListenError> {
        let dir = path.parent().unwrap_or(Path::new("/"));
        private_dir(dir).map_err(ListenError::Io)?;
        if path.exists() {
            if UnixStream::connect(path).await.is_ok() {
                return Err(ListenError::Taken);
            }
            std::fs::remove_file(path).map_err(ListenError::Io)?;
        }
        let listener = UnixListener::bind(path).map_err(ListenError::Io)?;
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600))
            .map_err(ListenError::Io)?;
        Ok(Listener {
            listener,
            path: path.to_owned(),
        })
    }

    /// The next request from a process of this user, with the connection to answer on.
    /// Connections from other users, and malformed requests, are dropped.
    pub async fn next(&self) -> std::io::Result<(Request, Pending)> {
        let uid = rustix::process::getuid().as_raw();
        loop {
            let (stream, _) = self.listener.accept().await?;
            let same_user = stream.peer_cred().is_ok_and(|c| c.uid() == uid);
            if !same_user {
                crate::diag!("request socket: refused a connection from another user");
                continue;
            }
            let mut reader = BufReader::new(stream);
            let mut line = String::new();
            let read = tokio::time::timeout(Duration::from_secs(5), async {
                (&mut reader).take(4096).read_line(&mut line).await
            })
            .await;
            let Ok(Ok(_)) = read else { continue };
            let Ok(request) = serde_json::from_str::<Request>(&line) else {
                continue;
            };
            crate::diag!(
                "request socket: {} asks for {} (pid {})",
                request.program,
                request.profile,
                request.pid
            );
            return Ok((
                request,
                Pending {
                    stream: reader.into_inner(),
                },
            ));
        }
    }
}

/// A request waiting for its answer.
#[derive(Debug)]
pub struct Pending {
    stream: UnixStream,
}

impl Pending {
    /// Resolves when the caller hangs up (it was killed, or gave up waiting).
    pub async fn gone(&mut self) {
        let mut byte = [0u8; 1];
        loop {
            match self.stream.read(&mut byte).await {
                Ok(0) | Err(_) => return,
                Ok(_) => {}
            }
        }
    }

    /// Sends the answer.
    pub async fn answer(mut self, answer: &Answer) {
        let mut line = serde_json::to_string(answer).unwrap_or_default();
        line.push('\n');
        let _ = self.stream.write_all(line.as_bytes()).await;
    }
}

/// The caller's side: asks an open mfatui to renew `profile` and waits (at most `wait`) for
/// its answer. `Ok(None)` when no mfatui is open; `Ok(Some(answer))` when one answered;
/// `Err` with one sentence when it closed or did not answer in time.
pub fn ask(path: &Path, profile: &str, wait: Duration) -> Result<Option<Answer>, String> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| e.to_string())?;
    runtime.block_on(async {
        let Ok(stream) = UnixStream::connect(path).await else {
            return Ok(None);
        };
        let request = Request {
            profile: profile.to_owned(),
            pid: rustix::process::getppid().map_or(0, |p| p.as_raw_nonzero().get() as u32),
            program: caller_program(),
        };
        let mut line = serde_json::to_string(&request).map_err(|e| e.to_string())?;
        line.push('\n');
        let mut reader = BufReader::new(stream);
        reader
            .get_mut()
            .write_all(line.as_bytes())
            .await
            .map_err(|e| format!("the open mfatui window did not take the request: {e}"))?;
        let mut reply = String::new();
        match tokio::time::timeout(wait, reader.read_line(&mut reply)).await {
            Err(_) => Err(format!(
                "the open mfatui window did not answer within {} s",
                wait.as_secs()
            )),
            Ok(Ok(n)) if n > 0 => serde_json::from_str(&reply)
                .map(Some)
                .map_err(|_| "the open mfatui window answered something unreadable".to_owned()),
            Ok(_) => Err(
                "the mfatui window closed before the renewal was done; run `mfatui renew` or open mfatui again"
                    .to_owned(),
            ),
        }
    })
}

/// The command line of the process that ran this one (what the TUI shows as the asker).
fn caller_program() -> String {
    let parent = rustix::process::getppid().map_or(0, |p| p.as_raw_nonzero().get());
    let raw = std::fs::read(format!("/proc/{parent}/cmdline")).unwrap_or_default();
    let text: String = String::from_utf8_lossy(&raw)
        .split('\0')
        .filter(|s| !s.is_empty())
        .collect::<Vec<_>>()
        .join(" ");
    let short: String = text.chars().take(120).collect();
    if short.is_empty() {
        format!("pid {parent}")
    } else {
        short
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(flavor = "current_thread")]
    async fn a_stale_socket_is_replaced_and_a_live_one_is_left_alone() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("run/requests.sock");
        let first = Listener::bind(&path).await.unwrap();
        let mode = std::fs::metadata(&path).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
        let dir_mode = std::fs::metadata(path.parent().unwrap())
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(dir_mode & 0o777, 0o700);
        assert!(matches!(
            Listener::bind(&path).await,
            Err(ListenError::Taken)
        ));
        drop(first);
        // An mfatui killed with -9 leaves its socket file, with nobody listening on it.
        drop(std::os::unix::net::UnixListener::bind(&path).unwrap());
        assert!(path.exists());
        let second = Listener::bind(&path).await;
        assert!(second.is_ok(), "a stale socket is cleaned up");
        drop(second);
        assert!(!path.exists(), "the socket goes with its listener");
    }

    #[test]
    fn a_shared_folder_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let shared = dir.path().join("shared");
        std::fs::create_dir(&shared).unwrap();
        std::fs::set_permissions(&shared, std::fs::Permissions::from_mode(0o777)).unwrap();
        assert!(private_dir(&shared).is_err());
    }
}
