//! The open TUI answering renewal requests from programs that have no terminal (an IDE, a GUI,
//! a background job running `credential-process` or `exec`).
//!
//! A Unix socket, `$XDG_RUNTIME_DIR/mfatui/requests.sock` (else `$TMPDIR/mfatui-UID/`), in a
//! folder of the user's own with mode 0700, the socket 0600. Both sides check the other before
//! saying anything: the listener refuses a folder that is not its user's own and private, and
//! drops connections from other users; a caller sends nothing unless the folder is its user's
//! own and private and the process listening runs as its user. One JSON line each way and no
//! secret: the caller asks for a renewal of a profile (`{"profile", "pid", "program"}`), the
//! person types the code in the TUI, the TUI writes the files as for any renewal and answers
//! `{"ok": true}` (or `false` with a sentence); the caller then reads the files itself.
//! Connections are read concurrently, each with a time limit, and caller text is stripped of
//! control characters before it is shown or logged.

use crate::aws::api::BoxFuture;
use crate::env::Env;
use crate::renew::code::CodeError;
use crate::renew::code::{CodeAnswer, CodeAsk, CodeSource};
use crate::text::printable;
use serde::{Deserialize, Serialize};
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::time::Duration;
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::{UnixListener, UnixStream};
use tokio::sync::mpsc;

/// How long a connection may take to send its request line.
const READ_LIMIT: Duration = Duration::from_secs(5);

/// The longest request line read.
const LINE_LIMIT: u64 = 4096;

/// A caller's request, as it crosses the socket.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Request {
    /// The profile to renew.
    pub profile: String,
    /// The program that asks (the process that ran mfatui).
    pub pid: u32,
    /// Its command line, shortened.
    pub program: String,
    /// The AWS files the caller reads (config, credentials): a window on other files declines
    /// (attack round 14, R14-5: a profile of the same name there is another account).
    #[serde(default)]
    pub files: Option<[PathBuf; 2]>,
}

impl Request {
    /// Why a window showing `files` (config, credentials) does not answer this request: its
    /// caller reads other AWS files, where a profile of the same name may be another account
    /// (attack round 14, R14-5). A caller that does not say is taken to read the same.
    pub fn other_files(&self, files: &[PathBuf; 2]) -> Option<String> {
        let [config, credentials] = self.files.as_ref()?;
        let same = |a: &Path, b: &Path| {
            a == b
                || std::fs::canonicalize(a)
                    .ok()
                    .is_some_and(|a| std::fs::canonicalize(b).ok() == Some(a))
        };
        if same(config, &files[0]) && same(credentials, &files[1]) {
            return None;
        }
        Some(format!(
            "the open mfatui window shows {} and {}, not the AWS files this program reads ({} and {}): run mfatui on those to renew '{}'",
            files[0].display(),
            files[1].display(),
            printable(&config.to_string_lossy(), 200),
            printable(&credentials.to_string_lossy(), 200),
            printable(&self.profile, 64)
        ))
    }
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
/// a 0700 folder of mfatui's in the temporary folder (`TMPDIR`, else `/tmp`).
pub fn socket_path(env: &Env) -> PathBuf {
    let uid = rustix::process::getuid().as_raw();
    let dir = match env.get("XDG_RUNTIME_DIR") {
        Some(run) => PathBuf::from(run).join("mfatui"),
        None => PathBuf::from(env.get("TMPDIR").unwrap_or("/tmp")).join(format!("mfatui-{uid}")),
    };
    dir.join("requests.sock")
}

/// Why a folder is not used for the socket (or for `exec --server`'s copies).
#[derive(Debug, thiserror::Error)]
pub enum FolderError {
    /// It could not be made or looked at.
    #[error("{}: {source}", path.display())]
    Io {
        /// The folder.
        path: PathBuf,
        /// What the system said.
        #[source]
        source: std::io::Error,
    },
    /// It is not this user's own private folder.
    #[error("{} is {what}, not a folder of your own that nobody else can enter, so mfatui will not use it; remove it, or set XDG_RUNTIME_DIR to a private folder", path.display())]
    NotPrivate {
        /// The folder.
        path: PathBuf,
        /// What it is instead (a link, not a folder, its owner and mode).
        what: String,
    },
}

/// Why asking the open window failed (one sentence each).
#[derive(Debug, thiserror::Error)]
pub enum AskError {
    /// The request could not be written to the socket.
    #[error("the open mfatui window did not take the request: {0}")]
    NotTaken(#[source] std::io::Error),
    /// No answer came in time.
    #[error("the open mfatui window did not answer within {secs} s")]
    NoAnswer {
        /// How long the caller waited.
        secs: u64,
    },
    /// The answer was not one the protocol knows.
    #[error("the open mfatui window answered something unreadable")]
    Unreadable,
    /// The window closed without answering.
    #[error("the mfatui window closed before the renewal was done; run `mfatui renew` or open mfatui again")]
    Closed,
}

/// Whether `dir` is a folder (not a link) of this user with no access for anyone else.
pub fn check_private(dir: &Path) -> Result<(), FolderError> {
    let meta = std::fs::symlink_metadata(dir).map_err(|source| FolderError::Io {
        path: dir.to_owned(),
        source,
    })?;
    let uid = rustix::process::getuid().as_raw();
    let mode = meta.permissions().mode() & 0o7777;
    if !meta.is_dir() || meta.uid() != uid || mode & 0o077 != 0 {
        let what = if meta.file_type().is_symlink() {
            "a symbolic link".to_owned()
        } else if !meta.is_dir() {
            "not a folder".to_owned()
        } else {
            format!("owned by uid {} with mode {mode:04o}", meta.uid())
        };
        return Err(FolderError::NotPrivate {
            path: dir.to_owned(),
            what,
        });
    }
    Ok(())
}

/// Creates the socket's folder 0700 (with its parents), or checks that an existing one is
/// this user's own and private.
fn private_dir(dir: &Path) -> Result<(), FolderError> {
    crate::safe_fs::create_private(dir).map_err(|source| FolderError::Io {
        path: dir.to_owned(),
        source,
    })?;
    check_private(dir)
}

/// The listening side (the TUI): removes the socket file when dropped.
pub struct Listener {
    incoming: mpsc::Receiver<(Request, Pending)>,
    accepting: tokio::task::JoinHandle<()>,
    path: PathBuf,
}

impl Drop for Listener {
    fn drop(&mut self) {
        self.accepting.abort();
        let _ = std::fs::remove_file(&self.path);
    }
}

/// Why the TUI does not listen.
#[derive(Debug, thiserror::Error)]
pub enum ListenError {
    /// Another open mfatui answers requests already.
    #[error("another open mfatui answers them")]
    Taken,
    /// The folder or socket could not be set up (one sentence).
    #[error("{0}")]
    Setup(String),
}

impl Listener {
    /// Listens at `path`. A socket left behind by an mfatui that is gone is removed first;
    /// one that answers belongs to another open mfatui, which keeps it.
    pub async fn bind(path: &Path) -> Result<Listener, ListenError> {
        let dir = path.parent().unwrap_or(Path::new("/")).to_owned();
        tokio::task::spawn_blocking(move || private_dir(&dir))
            .await
            .map_err(|e| ListenError::Setup(e.to_string()))?
            .map_err(|e| ListenError::Setup(e.to_string()))?;
        if std::fs::symlink_metadata(path).is_ok() {
            if UnixStream::connect(path).await.is_ok() {
                return Err(ListenError::Taken);
            }
            std::fs::remove_file(path)
                .map_err(|e| ListenError::Setup(format!("{}: {e}", path.display())))?;
        }
        let listener = UnixListener::bind(path)
            .map_err(|e| ListenError::Setup(format!("{}: {e}", path.display())))?;
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600))
            .map_err(|e| ListenError::Setup(format!("{}: {e}", path.display())))?;
        let (tx, incoming) = mpsc::channel(16);
        let accepting = tokio::spawn(accept(listener, tx));
        Ok(Listener {
            incoming,
            accepting,
            path: path.to_owned(),
        })
    }

    /// The next request from a process of this user, with the connection to answer on.
    /// Connections from other users, silent ones and malformed requests never get here.
    pub async fn next(&mut self) -> Option<(Request, Pending)> {
        self.incoming.recv().await
    }
}

/// Accepts connections, each read on its own task, so a silent one delays nobody.
async fn accept(listener: UnixListener, tx: mpsc::Sender<(Request, Pending)>) {
    let uid = rustix::process::getuid().as_raw();
    loop {
        let stream = match listener.accept().await {
            Ok((stream, _)) => stream,
            Err(e) => {
                // Out of descriptors, say: pause and go on taking requests, never stop.
                crate::diag!("request socket: accepting failed: {e}");
                tokio::time::sleep(Duration::from_millis(50)).await;
                continue;
            }
        };
        let Ok(peer) = stream.peer_cred() else {
            continue;
        };
        if peer.uid() != uid {
            crate::diag!("request socket: refused a connection from another user");
            continue;
        }
        let tx = tx.clone();
        tokio::spawn(async move {
            let mut reader = BufReader::new(stream);
            let mut line = String::new();
            let read = tokio::time::timeout(READ_LIMIT, async {
                (&mut reader).take(LINE_LIMIT).read_line(&mut line).await
            })
            .await;
            let Ok(Ok(_)) = read else { return };
            let Ok(mut request) = serde_json::from_str::<Request>(&line) else {
                return;
            };
            // The name is looked up exactly as asked (made printable only where it is shown).
            // Who asks is what the kernel says, not what the request claims: the peer is the
            // mfatui that connected, the asker its parent.
            match peer.pid().and_then(|pid| parent_of(pid as u32)) {
                Some(parent) => {
                    request.pid = parent;
                    request.program = program_of(parent);
                }
                None => {
                    request.program =
                        format!("{} (as the caller says)", printable(&request.program, 100));
                }
            }
            crate::diag!(
                "request socket: {} asks for {} (pid {})",
                request.program,
                printable(&request.profile, 200),
                request.pid
            );
            let pending = Pending {
                stream: reader.into_inner(),
            };
            let _ = tx.send((request, pending)).await;
        });
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
/// its answer. `Ok(None)` when no mfatui of this user is listening there (nothing is sent to
/// a socket in a folder that is not this user's own and private, or to a listener of another
/// user); `Ok(Some(answer))` when one answered; `Err` with one sentence when it closed or did
/// not answer in time.
pub async fn ask(
    path: &Path,
    profile: &str,
    files: &[PathBuf; 2],
    wait: Duration,
) -> Result<Option<Answer>, AskError> {
    let dir = path.parent().unwrap_or(Path::new("/"));
    if std::fs::symlink_metadata(path).is_err() {
        return Ok(None);
    }
    if let Err(why) = check_private(dir) {
        crate::diag!("request socket: not asking: {why}");
        return Ok(None);
    }
    let Ok(stream) = UnixStream::connect(path).await else {
        return Ok(None);
    };
    let uid = rustix::process::getuid().as_raw();
    if !stream.peer_cred().is_ok_and(|c| c.uid() == uid) {
        crate::diag!("request socket: not asking: the listener runs as another user");
        return Ok(None);
    }
    let request = Request {
        profile: profile.to_owned(),
        pid: rustix::process::getppid().map_or(0, |p| p.as_raw_nonzero().get() as u32),
        program: caller_program(),
        files: Some(files.clone()),
    };
    // A struct of strings and a number: encoding it cannot fail.
    let mut line = serde_json::to_string(&request).unwrap_or_default();
    line.push('\n');
    let mut reader = BufReader::new(stream);
    reader
        .get_mut()
        .write_all(line.as_bytes())
        .await
        .map_err(AskError::NotTaken)?;
    let mut reply = String::new();
    let mut limited = (&mut reader).take(LINE_LIMIT);
    match tokio::time::timeout(wait, limited.read_line(&mut reply)).await {
        Err(_) => Err(AskError::NoAnswer {
            secs: wait.as_secs(),
        }),
        Ok(Ok(n)) if n > 0 => serde_json::from_str::<Answer>(&reply)
            .map(|mut a| {
                a.message = a.message.map(|m| printable(&m, 400));
                Some(a)
            })
            .map_err(|_| AskError::Unreadable),
        Ok(_) => Err(AskError::Closed),
    }
}

/// The open window as a code source: it takes the request, the person types the code there
/// and the window renews; `Pass` when no window of this user is open.
pub struct Window {
    /// The socket.
    pub path: PathBuf,
    /// How long to wait for the person.
    pub wait: Duration,
    /// The caller's AWS files (config, credentials).
    pub files: [PathBuf; 2],
}

impl CodeSource for Window {
    fn code<'a>(&'a mut self, ask_: &'a CodeAsk) -> BoxFuture<'a, Result<CodeAnswer, CodeError>> {
        Box::pin(async move {
            match ask(&self.path, &ask_.profile, &self.files, self.wait)
                .await
                .map_err(|e| CodeError::Source(e.to_string()))?
            {
                Some(Answer { ok: true, .. }) => Ok(CodeAnswer::RenewedElsewhere),
                Some(Answer { message, .. }) => {
                    Err(CodeError::Source(message.unwrap_or_else(|| {
                        "the renewal was declined in the mfatui window".to_owned()
                    })))
                }
                None => Ok(CodeAnswer::Pass),
            }
        })
    }
}

/// The command line of the process that ran this one (what the TUI shows as the asker).
fn caller_program() -> String {
    let parent = rustix::process::getppid().map_or(0, |p| p.as_raw_nonzero().get() as u32);
    program_of(parent)
}

/// The parent of process `pid`, from `/proc` (None where there is no `/proc`).
fn parent_of(pid: u32) -> Option<u32> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    status
        .lines()
        .find_map(|l| l.strip_prefix("PPid:"))
        .and_then(|v| v.trim().parse().ok())
}

/// Process `pid`'s command line, printable and short (`pid N` when it cannot be read).
fn program_of(pid: u32) -> String {
    let raw = std::fs::read(format!("/proc/{pid}/cmdline")).unwrap_or_default();
    let text: String = String::from_utf8_lossy(&raw)
        .split('\0')
        .filter(|s| !s.is_empty())
        .collect::<Vec<_>>()
        .join(" ");
    let short = printable(&text, 120);
    if short.is_empty() {
        format!("pid {pid}")
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
    fn a_shared_folder_is_refused_by_both_sides() {
        let dir = tempfile::tempdir().unwrap();
        let shared = dir.path().join("shared");
        std::fs::create_dir(&shared).unwrap();
        std::fs::set_permissions(&shared, std::fs::Permissions::from_mode(0o777)).unwrap();
        assert!(private_dir(&shared).is_err());
        let socket = shared.join("requests.sock");
        let _squatter = std::os::unix::net::UnixListener::bind(&socket).unwrap();
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        let files = [PathBuf::from("config"), PathBuf::from("credentials")];
        let asked = runtime.block_on(ask(&socket, "dev", &files, Duration::from_secs(1)));
        assert!(
            matches!(asked, Ok(None)),
            "nothing is sent into a shared folder"
        );
    }

    #[tokio::test(flavor = "current_thread")]
    async fn silent_connections_delay_nobody_and_the_asker_is_what_the_kernel_says() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("run/requests.sock");
        let mut listener = Listener::bind(&path).await.unwrap();
        let mut silent = Vec::new();
        for _ in 0..6 {
            silent.push(UnixStream::connect(&path).await.unwrap());
        }
        let mut caller = UnixStream::connect(&path).await.unwrap();
        caller
            .write_all(
                b"{\"profile\":\"dev\\u001b[2J\",\"pid\":4242,\"program\":\"aws s3 ls \\u202egnp.exe\"}\n",
            )
            .await
            .unwrap();
        let started = std::time::Instant::now();
        let (request, _) = tokio::time::timeout(Duration::from_secs(2), listener.next())
            .await
            .expect("served while six connections stay silent")
            .unwrap();
        assert!(started.elapsed() < Duration::from_secs(2));
        // Looked up exactly as asked (attack round 14): made printable only where shown.
        assert_eq!(request.profile, "dev\u{1b}[2J");
        // The peer is this process: the asker is its parent, whatever the request claimed.
        let parent = rustix::process::getppid().unwrap().as_raw_nonzero().get() as u32;
        assert_eq!(request.pid, parent);
        assert_eq!(request.program, program_of(parent));
        assert!(!request.program.contains("gnp.exe"), "{}", request.program);
    }
}
