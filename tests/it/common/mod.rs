//! Shared integration-test harness: a moto server, a sandbox HOME, and runners for mfatui and
//! the real AWS CLI. Nothing here reaches real AWS: every endpoint is on 127.0.0.1.
#![allow(dead_code)]

use serde_json::Value;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

/// A moto server on a free loopback port, stopped (by PID) when dropped.
pub struct Moto {
    child: Child,
    /// `http://127.0.0.1:PORT`
    pub url: String,
    /// What `tests/moto_setup.py` created: keys, MFA serial, role ARNs.
    pub world: Value,
}

impl Moto {
    /// Starts moto and creates the IAM world; `None` (loudly) when moto is not installed
    /// locally. In CI (`CI` set) a missing moto fails the test instead.
    pub fn start() -> Option<Moto> {
        if Command::new("moto_server")
            .arg("--help")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .is_err()
        {
            assert!(
                std::env::var("CI").is_err(),
                "CI must have moto_server (pip install 'moto[server]')"
            );
            eprintln!(
                "\n!!! SKIPPING: moto_server is not installed (pip install 'moto[server]')\n"
            );
            return None;
        }
        // A port picked free can be taken by another test before moto binds it (moto then
        // exits): start again on another. A loaded machine may take long to start Python.
        let mut moto = None;
        for _ in 0..3 {
            let port = free_port();
            let mut child = Command::new("moto_server")
                .args(["-H", "127.0.0.1", "-p", &port.to_string()])
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn()
                .expect("start moto_server");
            let start = Instant::now();
            let up = loop {
                // What answers must be this moto: one that lost the port to another test's
                // moto exits, while the other answers (two tests then share one world).
                if TcpStream::connect(("127.0.0.1", port)).is_ok() {
                    std::thread::sleep(Duration::from_millis(300));
                    break child.try_wait().unwrap().is_none();
                }
                if child.try_wait().unwrap().is_some() {
                    break false;
                }
                assert!(
                    start.elapsed() < Duration::from_secs(90),
                    "moto_server did not start within 90 s"
                );
                std::thread::sleep(Duration::from_millis(100));
            };
            if up {
                moto = Some(Moto {
                    child,
                    url: format!("http://127.0.0.1:{port}"),
                    world: Value::Null,
                });
                break;
            }
        }
        let mut moto = moto.expect("moto_server exited three times (ports taken?)");
        let setup = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/moto_setup.py");
        let out = Command::new("python3")
            .arg(setup)
            .arg(&moto.url)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "moto setup failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        moto.world = serde_json::from_slice(&out.stdout).unwrap();
        Some(moto)
    }

    /// A field of the world as text.
    pub fn get(&self, key: &str) -> String {
        self.world[key].as_str().unwrap().to_owned()
    }

    /// A role's ARN.
    pub fn role(&self, name: &str) -> String {
        self.world["roles"][name].as_str().unwrap().to_owned()
    }
}

impl Drop for Moto {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A free TCP port on 127.0.0.1.
pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// Clears `cmd`'s environment but for PATH, and gives it `home` as HOME with its own XDG
/// folders and TMPDIR inside (created): a command run by a test never finds the user's
/// settings, caches, runtime folder (an open mfatui window's request socket) or temporary
/// files.
pub fn isolate(cmd: &mut Command, home: &Path) {
    cmd.env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .envs(private_env(home));
}

/// The mfatui binary as a command isolated in `home` (see [`isolate`]).
pub fn mfatui_in(home: &Path) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_mfatui"));
    isolate(&mut cmd, home);
    cmd
}

/// A temporary HOME with `~/.aws/config` and `~/.aws/credentials`.
pub struct Sandbox {
    /// The HOME directory.
    pub home: tempfile::TempDir,
    /// The endpoint every AWS call goes to.
    pub endpoint: String,
}

impl Sandbox {
    /// A sandbox whose calls go to `endpoint`.
    pub fn new(endpoint: &str, config: &str, credentials: &str) -> Sandbox {
        let home = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(home.path().join(".aws")).unwrap();
        for private in [".run", ".tmp"] {
            std::fs::create_dir_all(home.path().join(private)).unwrap();
            std::fs::set_permissions(
                home.path().join(private),
                std::os::unix::fs::PermissionsExt::from_mode(0o700),
            )
            .unwrap();
        }
        std::fs::write(home.path().join(".aws/config"), config).unwrap();
        std::fs::write(home.path().join(".aws/credentials"), credentials).unwrap();
        Sandbox {
            home,
            endpoint: endpoint.to_owned(),
        }
    }

    /// `~/.aws/NAME`
    pub fn aws(&self, name: &str) -> PathBuf {
        self.home.path().join(".aws").join(name)
    }

    /// The credentials file's text.
    pub fn credentials(&self) -> String {
        std::fs::read_to_string(self.aws("credentials")).unwrap()
    }

    fn env(&self, cmd: &mut Command) {
        isolate(cmd, self.home.path());
        cmd.env("AWS_ENDPOINT_URL", &self.endpoint)
            .env("MFATUI_CALL_TIMEOUT", "20")
            .stdin(Stdio::null());
    }

    /// Runs mfatui with `args`.
    pub fn mfatui(&self, args: &[&str]) -> Output {
        self.mfatui_env(args, &[])
    }

    /// The shell words that run the real binary in a terminal with nothing of the real
    /// environment (`env -i`, this sandbox's private folders, its endpoint), `extra`
    /// (`NAME=value …`, or empty) set too.
    pub fn terminal_line(&self, extra: &str) -> String {
        let env: Vec<String> = private_env(self.home.path())
            .into_iter()
            .map(|(k, v)| format!("{k}={}", v.display()))
            .collect();
        format!(
            "env -i PATH=/usr/bin:/bin TERM=xterm-256color {} AWS_ENDPOINT_URL={} {extra} {}",
            env.join(" "),
            self.endpoint,
            env!("CARGO_BIN_EXE_mfatui")
        )
    }

    /// Runs mfatui with `args` and extra environment.
    pub fn mfatui_env(&self, args: &[&str], extra: &[(&str, &str)]) -> Output {
        let mut cmd = self.mfatui_command(args);
        cmd.envs(extra.iter().copied());
        cmd.output().unwrap()
    }

    /// The mfatui command with `args` in this sandbox's environment, not started.
    pub fn mfatui_command(&self, args: &[&str]) -> Command {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_mfatui"));
        cmd.args(args);
        self.env(&mut cmd);
        cmd
    }

    /// `mfatui exec --server dev -- sh -c SCRIPT` in this sandbox, not started.
    pub fn exec_server_sh(&self, script: &str) -> Command {
        self.mfatui_command(&["exec", "--server", "dev", "--", "sh", "-c", script])
    }

    /// Writes mfatui's settings file (`~/.config/mfatui/config.toml`).
    pub fn settings(&self, toml: &str) {
        let dir = self.home.path().join(".config/mfatui");
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join("config.toml"), toml).unwrap();
    }

    /// Runs the real AWS CLI with `args` (against the same endpoint and files).
    pub fn aws_cli(&self, args: &[&str], extra: &[(&str, &str)]) -> Output {
        let mut cmd = Command::new("aws");
        cmd.args(args);
        self.env(&mut cmd);
        cmd.envs(extra.iter().copied());
        cmd.output().expect("the AWS CLI (pip install awscli)")
    }

    /// `aws iam ACTION --user-name ana ARGS --output json` as `who` (the world's user in
    /// moto), which must succeed; its answer.
    pub fn iam_ana(&self, action: &str, args: &[&str], who: IamAs) -> Value {
        let mut line = vec!["iam", action, "--user-name", "ana", "--output", "json"];
        line.extend_from_slice(args);
        let out = match who {
            IamAs::Profile(profile) => {
                line.extend_from_slice(&["--profile", profile]);
                self.aws_cli(&line, &[])
            }
            IamAs::Key(id, secret) => self.aws_cli(
                &line,
                &[
                    ("AWS_ACCESS_KEY_ID", id),
                    ("AWS_SECRET_ACCESS_KEY", secret),
                    ("AWS_DEFAULT_REGION", "eu-west-1"),
                ],
            ),
        };
        assert!(out.status.success(), "aws iam {action}: {}", text(&out).1);
        serde_json::from_slice(&out.stdout).unwrap_or(Value::Null)
    }

    /// ana's access keys as `who` lists them: (id, `Active`/`Inactive`).
    pub fn ana_keys(&self, who: IamAs) -> Vec<(String, String)> {
        self.iam_ana("list-access-keys", &[], who)["AccessKeyMetadata"]
            .as_array()
            .unwrap()
            .iter()
            .map(|k| {
                (
                    k["AccessKeyId"].as_str().unwrap().to_owned(),
                    k["Status"].as_str().unwrap().to_owned(),
                )
            })
            .collect()
    }

    /// `aws sts get-caller-identity --profile PROFILE` must succeed; returns the ARN.
    pub fn caller_arn(&self, profile: &str) -> String {
        let out = self.aws_cli(
            &[
                "sts",
                "get-caller-identity",
                "--profile",
                profile,
                "--output",
                "json",
            ],
            &[],
        );
        assert!(
            out.status.success(),
            "aws CLI refused profile {profile}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let v: Value = serde_json::from_slice(&out.stdout).unwrap();
        v["Arn"].as_str().unwrap().to_owned()
    }

    /// `PROGRAM ARGS` in this sandbox's environment with an OS keyring in the given state:
    /// a private D-Bus session (`dbus-run-session`) whose gnome-keyring keeps its keyring under
    /// this HOME (`~/.local/share/keyrings`), so every call sees what the previous ones stored.
    /// The program's PID is written to `keyring_pid()`'s file first (`exec` keeps it).
    pub fn keyring_command(&self, state: KeyringState, program: &str, args: &[&str]) -> Command {
        let pid = "echo $$ > \"$XDG_RUNTIME_DIR/keyring-test.pid\"; exec \"$@\"";
        let mut cmd = match state {
            KeyringState::NoDbus => {
                let mut cmd = Command::new("sh");
                cmd.args(["-c", pid, "sh", program]);
                cmd
            }
            KeyringState::Unlocked | KeyringState::Locked => {
                // The daemon is started here with its output to /dev/null, and the program
                // starts only once it owns the Secret Service name: a daemon that D-Bus
                // activated on demand would inherit the test's output pipe and, outliving
                // the session, keep the test waiting for the end of that pipe forever.
                let start = if state == KeyringState::Unlocked {
                    "printf %s \"$MFATUI_TEST_KEYRING_PASSWORD\" | gnome-keyring-daemon --unlock --components=secrets >/dev/null 2>&1; "
                } else {
                    "gnome-keyring-daemon --start --components=secrets </dev/null >/dev/null 2>&1; "
                };
                let wait = "for _ in $(seq 100); do dbus-send --session --print-reply --dest=org.freedesktop.DBus /org/freedesktop/DBus org.freedesktop.DBus.NameHasOwner string:org.freedesktop.secrets 2>/dev/null | grep -q 'boolean true' && break; sleep 0.05; done; ";
                let mut cmd = Command::new("dbus-run-session");
                cmd.args([
                    "--",
                    "sh",
                    "-c",
                    &format!("{start}{wait}{pid}"),
                    "sh",
                    program,
                ]);
                cmd
            }
        };
        cmd.args(args);
        self.env(&mut cmd);
        cmd.env("MFATUI_TEST_KEYRING_PASSWORD", KEYRING_PASSWORD);
        cmd
    }

    /// Runs mfatui with `args` and an OS keyring in `state`, feeding it `stdin`.
    pub fn mfatui_keyring(&self, state: KeyringState, args: &[&str], stdin: &str) -> Output {
        let mut cmd = self.keyring_command(state, env!("CARGO_BIN_EXE_mfatui"), args);
        run_with_stdin(&mut cmd, stdin)
    }

    /// The PID of the last program [`Sandbox::keyring_command`] started.
    pub fn keyring_pid(&self) -> i32 {
        std::fs::read_to_string(self.home.path().join("run/keyring-test.pid"))
            .unwrap()
            .trim()
            .parse()
            .unwrap()
    }

    /// Every mfatui entry in the OS keyring (user name, secret), read by `secret-tool`
    /// (libsecret), not by mfatui.
    pub fn keyring_entries(&self) -> Vec<(String, String)> {
        let out = self
            .keyring_command(
                KeyringState::Unlocked,
                "secret-tool",
                &["search", "--all", "--unlock", "service", "mfatui"],
            )
            .output()
            .unwrap();
        // Per item, `[path]`, `label`, `secret`, dates on stdout; its `schema` and
        // `attribute.*` lines on stderr, in the same order of items.
        let (stdout, stderr) = text(&out);
        let secrets = stdout.lines().filter_map(|l| l.strip_prefix("secret = "));
        let users = stderr
            .lines()
            .filter_map(|l| l.strip_prefix("attribute.username = "));
        assert_eq!(
            stdout
                .lines()
                .filter(|l| l.starts_with("secret = "))
                .count(),
            stderr
                .lines()
                .filter(|l| l.starts_with("attribute.username = "))
                .count(),
            "{stdout}{stderr}"
        );
        let entries: Vec<(String, String)> = users
            .zip(secrets)
            .map(|(u, s)| (u.to_owned(), s.to_owned()))
            .collect();
        entries
    }

    /// The secret of mfatui's one entry for `profile` (named `profile (KEY_ID)`, or `profile`
    /// alone by earlier versions); `None` when there is none. Panics when there are several.
    pub fn keyring_lookup(&self, profile: &str) -> Option<String> {
        let prefix = format!("{profile} (");
        let mut found: Vec<(String, String)> = self
            .keyring_entries()
            .into_iter()
            .filter(|(u, _)| u == profile || u.starts_with(&prefix))
            .collect();
        assert!(
            found.len() <= 1,
            "several entries for {profile}: {:?}",
            found.iter().map(|(u, _)| u).collect::<Vec<_>>()
        );
        found.pop().map(|(_, s)| s)
    }

    /// The secret of mfatui's entry for the user name `user` exactly, if any.
    pub fn keyring_lookup_user(&self, user: &str) -> Option<String> {
        let out = self
            .keyring_command(
                KeyringState::Unlocked,
                "secret-tool",
                &["lookup", "service", "mfatui", "username", user],
            )
            .output()
            .unwrap();
        out.status
            .success()
            .then(|| String::from_utf8(out.stdout).unwrap())
    }

    /// Deletes mfatui's entry named `user` with `secret-tool`, behind mfatui's back.
    pub fn keyring_clear(&self, user: &str) {
        let out = self
            .keyring_command(
                KeyringState::Unlocked,
                "secret-tool",
                &["clear", "service", "mfatui", "username", user],
            )
            .output()
            .unwrap();
        assert!(out.status.success(), "{}", text(&out).1);
    }

    /// Every file under HOME whose bytes contain `needle`.
    pub fn files_containing(&self, needle: &str) -> Vec<PathBuf> {
        fn walk(dir: &Path, needle: &[u8], found: &mut Vec<PathBuf>) {
            for entry in std::fs::read_dir(dir).unwrap().flatten() {
                let path = entry.path();
                let kind = entry.file_type().unwrap();
                if kind.is_dir() {
                    walk(&path, needle, found);
                } else if kind.is_file()
                    && std::fs::read(&path)
                        .unwrap()
                        .windows(needle.len())
                        .any(|w| w == needle)
                {
                    found.push(path);
                }
            }
        }
        let mut found = Vec::new();
        walk(self.home.path(), needle.as_bytes(), &mut found);
        found
    }

    /// The backups mfatui made of the credentials file.
    pub fn backups(&self) -> Vec<PathBuf> {
        let dir = self.aws(".mfatui-backups");
        let Ok(entries) = std::fs::read_dir(dir) else {
            return Vec::new();
        };
        entries
            .map(|e| e.unwrap().path())
            .filter(|p| p.extension().is_some_and(|x| x == "bak"))
            .collect()
    }
}

/// How the OS keyring a command runs with is set up.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum KeyringState {
    /// A private D-Bus session with gnome-keyring's Secret Service, unlocked.
    Unlocked,
    /// The same, never unlocked (no one can answer its unlock prompt).
    Locked,
    /// No D-Bus session at all (no `DBUS_SESSION_BUS_ADDRESS`, no bus in `XDG_RUNTIME_DIR`).
    NoDbus,
}

/// The password of the sandbox's keyring.
pub const KEYRING_PASSWORD: &str = "mfatui-test-keyring";

/// Whether the tools of a private OS keyring are here (`dbus-run-session`, `gnome-keyring-daemon`,
/// `secret-tool`); `false` (loudly) when not installed locally. In CI (`CI` set) a missing tool
/// fails the test instead.
pub fn keyring_tools() -> bool {
    let missing: Vec<&str> = ["dbus-run-session", "gnome-keyring-daemon", "secret-tool"]
        .into_iter()
        .filter(|tool| {
            Command::new("sh")
                .args(["-c", &format!("command -v {tool}")])
                .stdout(Stdio::null())
                .status()
                .map_or(true, |s| !s.success())
        })
        .collect();
    if missing.is_empty() {
        return true;
    }
    assert!(
        std::env::var("CI").is_err(),
        "CI must have {} (apt-get install gnome-keyring dbus libsecret-tools)",
        missing.join(", ")
    );
    eprintln!(
        "\n!!! SKIPPING: {} not installed (apt-get install gnome-keyring dbus libsecret-tools)\n",
        missing.join(", ")
    );
    false
}

/// `cmd` (built on [`Sandbox`]'s cleared environment) as one POSIX shell line, for a terminal
/// multiplexer to run: `env -i NAME=VALUE… PROGRAM ARGS…`, every word single-quoted.
pub fn shell_line(cmd: &Command) -> String {
    let quote =
        |s: &std::ffi::OsStr| format!("'{}'", s.to_string_lossy().replace('\'', r#"'"'"'"#));
    let mut words = vec!["env".to_owned(), "-i".to_owned()];
    for (name, value) in cmd.get_envs() {
        if let Some(value) = value {
            let mut pair = name.to_owned();
            pair.push("=");
            pair.push(value);
            words.push(quote(&pair));
        }
    }
    words.push(quote(cmd.get_program()));
    words.extend(cmd.get_args().map(quote));
    words.join(" ")
}

/// Runs `cmd` with `stdin` as its standard input.
pub fn run_with_stdin(cmd: &mut Command, stdin: &str) -> Output {
    let mut child = cmd
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(stdin.as_bytes())
        .unwrap();
    child.wait_with_output().unwrap()
}

/// Stdout and stderr as text, for assertions.
pub fn text(out: &Output) -> (String, String) {
    (
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// A local HTTP server that answers every request with `status` and `body` (an STS XML error),
/// for error paths moto does not produce. Serves until the test process ends.
pub fn sts_error_responder(status: u16, body: &'static str) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            let _ = answer(stream, status, body);
        }
    });
    url
}

fn answer(stream: TcpStream, status: u16, body: &str) -> std::io::Result<()> {
    let mut reader = BufReader::new(stream.try_clone()?);
    let mut length = 0usize;
    loop {
        let mut line = String::new();
        reader.read_line(&mut line)?;
        if line == "\r\n" || line.is_empty() {
            break;
        }
        if let Some(v) = line.to_ascii_lowercase().strip_prefix("content-length:") {
            length = v.trim().parse().unwrap_or(0);
        }
    }
    let mut request_body = vec![0; length];
    reader.read_exact(&mut request_body)?;
    let mut stream = stream;
    write!(
        stream,
        "HTTP/1.1 {status} Error\r\nContent-Type: text/xml\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )
}

/// A listener that accepts connections and never answers (for timeouts).
pub fn black_hole() -> String {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    std::thread::spawn(move || {
        let mut held = Vec::new();
        for stream in listener.incoming().flatten() {
            held.push(stream);
        }
    });
    url
}

/// The STS error body AWS returns for a wrong MFA code (HTTP 403).
pub const WRONG_CODE: &str = r#"<ErrorResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><Error><Type>Sender</Type><Code>AccessDenied</Code><Message>MultiFactorAuthentication failed with invalid MFA one time pass code. </Message></Error><RequestId>1a2b3c</RequestId></ErrorResponse>"#;

/// A Python helper from `tests/` that prints its port on its first line and serves until
/// killed (stopped by PID when dropped).
pub struct PyServer {
    child: Child,
    /// The port it listens on (127.0.0.1).
    pub port: u16,
}

impl PyServer {
    /// Starts `python3 tests/SCRIPT ARGS…` and waits for its port.
    pub fn start(script: &str, args: &[&str]) -> PyServer {
        let path = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests")
            .join(script);
        let mut child = Command::new("python3")
            .arg(path)
            .args(args)
            .stdout(Stdio::piped())
            .spawn()
            .expect("python3");
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        let port = line
            .trim()
            .parse()
            .unwrap_or_else(|_| panic!("{script} printed no port: {line:?}"));
        PyServer { child, port }
    }

    /// `http://127.0.0.1:PORT` (or https).
    pub fn url(&self, scheme: &str) -> String {
        format!("{scheme}://127.0.0.1:{}", self.port)
    }
}

impl Drop for PyServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A local STS stand-in that answers every request with `status` and `body`, counting them:
/// the count proves that no call was made.
pub fn counting_responder(
    status: u16,
    body: &'static str,
) -> (String, std::sync::Arc<std::sync::atomic::AtomicUsize>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let count = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let seen = count.clone();
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            seen.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            let _ = answer(stream, status, body);
        }
    });
    (url, count)
}

/// Whether the tests run as root (needed for another user, device nodes, `unshare`). Outside
/// CI such tests may skip, loudly; in CI they must run.
pub fn root_or_skip(what: &str) -> bool {
    if rustix::process::geteuid().is_root() {
        return true;
    }
    assert!(std::env::var("CI").is_err(), "CI must run as root: {what}");
    eprintln!("\n!!! SKIPPING (not root): {what}\n");
    false
}

/// `cmd` (not started) as user 65534 through `setpriv`, with the same arguments and
/// environment, after handing that user every folder and file under `home` (run as root:
/// see [`root_or_skip`]).
pub fn as_nobody(cmd: &Command, home: &Path) -> Command {
    use std::os::unix::fs::chown;
    let mut folders = vec![home.to_owned()];
    while let Some(dir) = folders.pop() {
        chown(&dir, Some(65534), Some(65534)).unwrap();
        for entry in std::fs::read_dir(&dir).unwrap().flatten() {
            if entry.file_type().unwrap().is_dir() {
                folders.push(entry.path());
            } else {
                chown(entry.path(), Some(65534), Some(65534)).unwrap();
            }
        }
    }
    let mut nobody = Command::new("setpriv");
    nobody
        .args(["--reuid=65534", "--regid=65534", "--clear-groups"])
        .arg(cmd.get_program())
        .args(cmd.get_args())
        .env_clear()
        .envs(
            cmd.get_envs()
                .filter_map(|(k, v)| Some((k.to_owned(), v?.to_owned()))),
        )
        .stdin(Stdio::null());
    nobody
}

/// Waits (a minute at most) until process `pid` is stopped (a fault's `stop`: SIGSTOP).
pub fn wait_until_stopped(pid: u32) {
    let stat = format!("/proc/{pid}/stat");
    let stopped = || {
        std::fs::read_to_string(&stat)
            .ok()
            .and_then(|s| {
                s.rsplit_once(')')
                    .map(|(_, r)| r.trim_start().starts_with('T'))
            })
            .unwrap_or(false)
    };
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    while !stopped() {
        assert!(
            std::time::Instant::now() < deadline,
            "{pid} never stopped at its fault"
        );
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
}

/// Lets the stopped process `pid` go on.
pub fn resume(pid: u32) {
    let pid = rustix::process::Pid::from_raw(pid as i32).unwrap();
    rustix::process::kill_process(pid, rustix::process::Signal::CONT).unwrap();
}

/// moto behind a front that records every call (see tests/sts_recorder.py).
pub struct Recorder {
    _server: PyServer,
    log: tempfile::NamedTempFile,
    /// The front's URL, to use as the endpoint.
    pub url: String,
}

impl Recorder {
    /// A recording front before `moto`.
    pub fn start(moto: &Moto) -> Recorder {
        let log = tempfile::NamedTempFile::new().unwrap();
        let server = PyServer::start(
            "sts_recorder.py",
            &[&moto.url, &log.path().display().to_string()],
        );
        let url = server.url("http");
        Recorder {
            _server: server,
            log,
            url,
        }
    }

    /// The calls of `action` so far, each with its recorded parameters.
    pub fn calls(&self, action: &str) -> Vec<Value> {
        std::fs::read_to_string(self.log.path())
            .unwrap_or_default()
            .lines()
            .filter_map(|l| serde_json::from_str::<Value>(l).ok())
            .filter(|v| v["Action"] == action)
            .collect()
    }
}

/// Whom an IAM call of [`Sandbox::iam_ana`] is made as.
#[derive(Clone, Copy)]
pub enum IamAs<'a> {
    /// A profile of the sandbox's files.
    Profile(&'a str),
    /// A key pair (id, secret).
    Key(&'a str, &'a str),
}

/// A real terminal (a detached tmux session, 120×40) running one command.
pub struct Tmux {
    socket: String,
}

impl Tmux {
    /// Starts `command` in it; `None` (loudly) when tmux is missing outside CI.
    pub fn start(command: &str) -> Option<Tmux> {
        Tmux::start_sized(command, (120, 40))
    }

    /// Starts `command` in a terminal of `size` (columns, rows).
    pub fn start_sized(command: &str, size: (u16, u16)) -> Option<Tmux> {
        if Command::new("tmux").arg("-V").output().is_err() {
            assert!(std::env::var("CI").is_err(), "CI must have tmux");
            eprintln!("\n!!! SKIPPING: tmux is not installed\n");
            return None;
        }
        static STARTED: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);
        let n = STARTED.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let tmux = Tmux {
            socket: format!("mfatui-e2e-{}-{n}", std::process::id()),
        };
        let status = Command::new("tmux")
            .args([
                "-L",
                &tmux.socket,
                "new-session",
                "-d",
                "-s",
                "e2e",
                "-x",
                &size.0.to_string(),
                "-y",
                &size.1.to_string(),
                command,
            ])
            .status()
            .unwrap();
        assert!(status.success());
        Some(tmux)
    }

    /// Types `keys` (tmux key names or text).
    pub fn send(&self, keys: &[&str]) {
        let status = Command::new("tmux")
            .args(["-L", &self.socket, "send-keys", "-t", "e2e"])
            .args(keys)
            .status()
            .unwrap();
        assert!(status.success());
    }

    /// Runs a tmux command on this terminal's server (e.g. `set -s set-clipboard on`,
    /// `show-buffer`); its standard output.
    pub fn tmux(&self, args: &[&str]) -> String {
        let out = Command::new("tmux")
            .args(["-L", &self.socket])
            .args(args)
            .output()
            .unwrap();
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    /// Resizes the terminal to `size` (columns, rows).
    pub fn resize(&self, size: (u16, u16)) {
        let status = Command::new("tmux")
            .args(["-L", &self.socket, "resize-window", "-t", "e2e", "-x"])
            .arg(size.0.to_string())
            .arg("-y")
            .arg(size.1.to_string())
            .status()
            .unwrap();
        assert!(status.success());
    }

    /// What the terminal shows now.
    pub fn screen(&self) -> String {
        let out = Command::new("tmux")
            .args(["-L", &self.socket, "capture-pane", "-p", "-t", "e2e"])
            .output()
            .unwrap();
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    /// Polls the screen until `text` shows (at most 20 s).
    pub fn wait_for(&self, text: &str) -> String {
        let start = Instant::now();
        loop {
            let screen = self.screen();
            if screen.contains(text) {
                return screen;
            }
            assert!(
                start.elapsed() < Duration::from_secs(20),
                "'{text}' never showed; screen:\n{screen}"
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// Polls the screen until `text` is gone (at most 20 s): a key sent before a dialog has
    /// closed may reach the dialog (or merge with its Escape).
    pub fn wait_gone(&self, text: &str) {
        let start = Instant::now();
        while self.screen().contains(text) {
            assert!(
                start.elapsed() < Duration::from_secs(20),
                "'{text}' stayed:\n{}",
                self.screen()
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// The PID of the program the terminal's shell started (`sh -c '…'` runs it as a child),
    /// waited for (at most 20 s).
    pub fn child_pid(&self) -> u32 {
        let start = Instant::now();
        loop {
            let shell = self.tmux(&["display-message", "-p", "-t", "e2e", "#{pane_pid}"]);
            let shell = shell.trim();
            let children = std::fs::read_to_string(format!("/proc/{shell}/task/{shell}/children"))
                .unwrap_or_default();
            if let Some(pid) = children.split_whitespace().next() {
                return pid.parse().unwrap();
            }
            assert!(
                start.elapsed() < Duration::from_secs(20),
                "the program never started"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// Whether the command still runs.
    pub fn alive(&self) -> bool {
        Command::new("tmux")
            .args(["-L", &self.socket, "has-session", "-t", "e2e"])
            .status()
            .is_ok_and(|s| s.success())
    }
}

impl Drop for Tmux {
    fn drop(&mut self) {
        let _ = Command::new("tmux")
            .args(["-L", &self.socket, "kill-server"])
            .status();
    }
}

/// The XDG folders and TMPDIR for a run whose HOME is `home`, created inside it, so that the
/// run finds nothing of the user's (settings, runtime socket, caches, temporary files).
pub fn private_env(home: &Path) -> Vec<(&'static str, PathBuf)> {
    [
        ("HOME", ""),
        ("XDG_RUNTIME_DIR", "run"),
        ("XDG_CONFIG_HOME", ".config"),
        ("XDG_CACHE_HOME", ".cache"),
        ("XDG_STATE_HOME", ".local/state"),
        ("TMPDIR", "tmp"),
    ]
    .iter()
    .map(|(var, dir)| {
        let path = home.join(dir);
        std::fs::create_dir_all(&path).unwrap();
        if *var == "XDG_RUNTIME_DIR" {
            // Where the request socket's folder goes: private, as a login session's is.
            std::fs::set_permissions(&path, std::os::unix::fs::PermissionsExt::from_mode(0o700))
                .unwrap();
        }
        (*var, path)
    })
    .collect()
}

/// botocore's merged view (`Session().full_config["profiles"]`) of the shared files in `dir`
/// (`config` and `credentials`), through `tests/botocore_dump.py`: the judge of what mfatui
/// writes.
pub fn botocore_profiles(dir: &Path) -> Value {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/botocore_dump.py");
    let out = Command::new("python3")
        .arg(script)
        .arg(dir)
        .output()
        .expect("python3 with botocore");
    assert!(
        out.status.success(),
        "botocore: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let all: Value = serde_json::from_slice(&out.stdout).unwrap();
    let name = dir.file_name().unwrap().to_str().unwrap();
    all[name]["full_config"]["profiles"].clone()
}

/// tests/js/identity.mjs, run with `node`: the AWS SDK for JavaScript v3 as a judge
/// (installed by `.ci/setup` into tests/js/node_modules). `None`, said loudly, when node or
/// the SDK is missing outside CI; in CI (`CI` set) that fails the test.
pub fn js_judge() -> Option<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/js");
    let node = Command::new("node")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    let sdk = dir
        .join("node_modules/@aws-sdk/credential-providers")
        .is_dir()
        && dir.join("node_modules/@aws-sdk/client-sts").is_dir();
    if !(node && sdk) {
        let why = if node {
            "the AWS SDK for JavaScript is not installed in tests/js (run .ci/setup)"
        } else {
            "node is not installed"
        };
        assert!(std::env::var_os("CI").is_none(), "{why}");
        eprintln!("SKIPPED the JavaScript SDK judge: {why}");
        return None;
    }
    Some(dir.join("identity.mjs"))
}
