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
        let port = free_port();
        let child = Command::new("moto_server")
            .args(["-H", "127.0.0.1", "-p", &port.to_string()])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start moto_server");
        let url = format!("http://127.0.0.1:{port}");
        let mut moto = Moto {
            child,
            url,
            world: Value::Null,
        };
        let start = Instant::now();
        while TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(
                start.elapsed() < Duration::from_secs(30),
                "moto_server did not start"
            );
            std::thread::sleep(Duration::from_millis(100));
        }
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
        cmd.env_clear()
            .env("HOME", self.home.path())
            .env("PATH", std::env::var("PATH").unwrap_or_default())
            .env("AWS_ENDPOINT_URL", &self.endpoint)
            .env("MFATUI_CALL_TIMEOUT", "20")
            .stdin(Stdio::null());
    }

    /// Runs mfatui with `args`.
    pub fn mfatui(&self, args: &[&str]) -> Output {
        self.mfatui_env(args, &[])
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

impl Sandbox {
    /// The XDG folders and TMPDIR inside the sandbox (created), so that a command finds
    /// neither the user's runtime folder (an open mfatui window's request socket) nor their
    /// temporary files.
    pub fn private_dirs(&self) -> Vec<(&'static str, String)> {
        [
            ("XDG_RUNTIME_DIR", "run"),
            ("XDG_CONFIG_HOME", ".config"),
            ("XDG_CACHE_HOME", ".cache"),
            ("XDG_STATE_HOME", ".local/state"),
            ("TMPDIR", "tmp"),
        ]
        .iter()
        .map(|(var, dir)| {
            let path = self.home.path().join(dir);
            std::fs::create_dir_all(&path).unwrap();
            (*var, path.display().to_string())
        })
        .collect()
    }

    /// Runs mfatui with `args`, extra environment, and [`Sandbox::private_dirs`].
    pub fn mfatui_private(&self, args: &[&str], extra: &[(&str, &str)]) -> Output {
        let dirs = self.private_dirs();
        let mut cmd = self.mfatui_command(args);
        cmd.envs(dirs.iter().map(|(k, v)| (*k, v.as_str())));
        cmd.envs(extra.iter().copied());
        cmd.output().unwrap()
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
