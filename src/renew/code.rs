//! The MFA code: exactly six digits, checked before any call; and where a renewal gets it —
//! [`CodeSource`]s the caller injects, tried in order. A code is handed out once: a source
//! that gave one does not give the same one again (STS refuses a code used twice).
//!
//! The sources here need no terminal and no socket: a code given up front, `AWS_MFA_TOKEN`
//! (aws-mfa-secure's variable), a profile's `mfa_process` (with a time limit). The prompt on
//! the terminal lives with the commands (`cli::codes`), the open window's answer with the
//! request socket (`serve::requests`), the TUI's dialog in the TUI.

use crate::aws::api::BoxFuture;
use std::process::Stdio;
use std::time::Duration;
use thiserror::Error;

/// A six-digit MFA code.
#[derive(Clone, PartialEq, Eq)]
pub struct MfaCode(String);

/// Why there is no code: one sentence each.
#[derive(Clone, Debug, PartialEq, Eq, Error)]
pub enum CodeError {
    /// Nothing was typed.
    #[error("type the 6-digit MFA code from your device")]
    Empty,
    /// Digits, but not six.
    #[error("the MFA code must be exactly 6 digits, not {0}")]
    Length(usize),
    /// Something other than digits.
    #[error("the MFA code must be exactly 6 digits (0-9 only)")]
    NotDigits,
    /// A source could not give one (a command failed or timed out, the window declined, the
    /// terminal is gone), said in one sentence.
    #[error("{0}")]
    Source(String),
}

impl From<String> for CodeError {
    fn from(why: String) -> CodeError {
        CodeError::Source(why)
    }
}

impl From<&str> for CodeError {
    fn from(why: &str) -> CodeError {
        CodeError::Source(why.to_owned())
    }
}

impl std::fmt::Debug for MfaCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("MfaCode(******)")
    }
}

impl MfaCode {
    /// Accepts exactly six ASCII digits (surrounding spaces ignored, inner spaces not).
    pub fn parse(text: &str) -> Result<MfaCode, CodeError> {
        let t = text.trim();
        let digits = t.chars().filter(char::is_ascii_digit).count();
        if t.chars().count() == 6 && digits == 6 {
            return Ok(MfaCode(t.to_owned()));
        }
        if t.is_empty() {
            Err(CodeError::Empty)
        } else if digits == t.chars().count() {
            Err(CodeError::Length(digits))
        } else {
            Err(CodeError::NotDigits)
        }
    }

    /// The code, for the API call.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// What a renewal asks a code source.
#[derive(Clone, Debug)]
pub struct CodeAsk {
    /// The profile being renewed.
    pub profile: String,
    /// The MFA device the code is for.
    pub serial: Option<String>,
    /// The `mfa_process` command of the profile or its source, if any.
    pub mfa_process: Option<String>,
    /// Why that command is not run, when another user could have written it (the config
    /// file is theirs, or others may write it: attack round 15c, G-5).
    pub mfa_process_distrusted: Option<String>,
    /// 1 for the first ask, 2 after STS refused the first code, …
    pub attempt: u32,
    /// Why the last code was refused, on a second or third ask.
    pub refused: Option<String>,
}

/// A source's answer.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CodeAnswer {
    /// A code a person typed just now: if STS refuses it, the person may be asked again.
    Typed(MfaCode),
    /// A code from a command, a variable or the command line: used once, never retried.
    Given(MfaCode),
    /// Someone else renewed (the open mfatui window did): read the files again.
    RenewedElsewhere,
    /// This source has no code; try the next.
    Pass,
}

/// Where codes come from. Implementations may take time (a prompt, a window) but must
/// always end: with a code, `Pass`, or one sentence.
pub trait CodeSource: Send {
    /// The answer to `ask`.
    fn code<'a>(&'a mut self, ask: &'a CodeAsk) -> BoxFuture<'a, Result<CodeAnswer, CodeError>>;
}

/// Several sources, tried in order until one answers.
#[derive(Default)]
pub struct Codes(Vec<Box<dyn CodeSource>>);

impl Codes {
    /// No source at all: a renewal that needs a code fails with one sentence.
    pub fn none() -> Codes {
        Codes(Vec::new())
    }

    /// Adds a source after the others.
    pub fn then(mut self, source: impl CodeSource + 'static) -> Codes {
        self.0.push(Box::new(source));
        self
    }
}

impl CodeSource for Codes {
    fn code<'a>(&'a mut self, ask: &'a CodeAsk) -> BoxFuture<'a, Result<CodeAnswer, CodeError>> {
        Box::pin(async move {
            for source in &mut self.0 {
                match source.code(ask).await? {
                    CodeAnswer::Pass => continue,
                    answer => return Ok(answer),
                }
            }
            Ok(CodeAnswer::Pass)
        })
    }
}

/// A code given up front (`--code`, the TUI's dialog): handed out once.
pub struct Given(Option<MfaCode>);

impl Given {
    /// The code (checked now, so a bad one fails before any call).
    pub fn new(code: Option<&str>) -> Result<Given, CodeError> {
        code.map(MfaCode::parse).transpose().map(Given)
    }

    /// A code already checked.
    pub fn code(code: MfaCode) -> Given {
        Given(Some(code))
    }

    /// A code already checked, if there is one.
    pub fn code_opt(code: Option<MfaCode>) -> Given {
        Given(code)
    }
}

impl CodeSource for Given {
    fn code<'a>(&'a mut self, ask: &'a CodeAsk) -> BoxFuture<'a, Result<CodeAnswer, CodeError>> {
        // A given code is for the first try only: after a refusal it is the wrong one.
        let answer = match self.0.take() {
            Some(code) if ask.attempt == 1 => CodeAnswer::Given(code),
            _ => CodeAnswer::Pass,
        };
        Box::pin(async move { Ok(answer) })
    }
}

/// `AWS_MFA_TOKEN` (aws-mfa-secure's variable): handed out once per run, like a given code.
pub struct EnvToken(Option<String>);

impl EnvToken {
    /// The variable's value, if set.
    pub fn new(value: Option<&str>) -> EnvToken {
        EnvToken(value.filter(|t| !t.trim().is_empty()).map(str::to_owned))
    }
}

impl CodeSource for EnvToken {
    fn code<'a>(&'a mut self, ask: &'a CodeAsk) -> BoxFuture<'a, Result<CodeAnswer, CodeError>> {
        let answer = match self.0.take() {
            Some(token) if ask.attempt == 1 => MfaCode::parse(&token)
                .map(CodeAnswer::Given)
                .map_err(|e| CodeError::Source(format!("AWS_MFA_TOKEN: {e}"))),
            _ => Ok(CodeAnswer::Pass),
        };
        Box::pin(async move { answer })
    }
}

/// The profile's `mfa_process` (as aws-vault's): run with `sh -c`, its standard output read
/// as the code, killed after `timeout`.
pub struct MfaProcess {
    /// How long the command may take.
    pub timeout: Duration,
    /// Whether the command's standard error reaches the user's (not while a screen is drawn).
    pub show_stderr: bool,
}

impl CodeSource for MfaProcess {
    fn code<'a>(&'a mut self, ask: &'a CodeAsk) -> BoxFuture<'a, Result<CodeAnswer, CodeError>> {
        Box::pin(async move {
            let Some(command) = ask.mfa_process.as_deref() else {
                return Ok(CodeAnswer::Pass);
            };
            if ask.attempt > 1 {
                return Ok(CodeAnswer::Pass);
            }
            if let Some(why) = &ask.mfa_process_distrusted {
                return Err(CodeError::Source(why.clone()));
            }
            run_mfa_process(command, self.timeout, self.show_stderr)
                .await
                .map(CodeAnswer::Given)
        })
    }
}

/// Runs an `mfa_process` command and reads the code from its standard output. The command
/// runs in a process group of its own, so that when it takes too long everything it started
/// is stopped with it (a leftover child would hold the caller's output open).
pub async fn run_mfa_process(
    command: &str,
    timeout: Duration,
    show_stderr: bool,
) -> Result<MfaCode, CodeError> {
    let mut child = tokio::process::Command::new("sh")
        .args(["-c", command])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(if show_stderr {
            Stdio::inherit()
        } else {
            Stdio::null()
        })
        .process_group(0)
        .kill_on_drop(true)
        .spawn()
        .map_err(|e| format!("mfa_process could not be started: {e}"))?;
    let group = child
        .id()
        .and_then(|id| rustix::process::Pid::from_raw(id as i32));
    let mut stdout = child.stdout.take().ok_or("mfa_process has no output")?;
    let run = async {
        let mut text = Vec::new();
        tokio::io::AsyncReadExt::read_to_end(&mut stdout, &mut text).await?;
        let status = child.wait().await?;
        Ok::<_, std::io::Error>((status, text))
    };
    let (status, text) = match tokio::time::timeout(timeout, run).await {
        Ok(done) => done.map_err(|e| format!("mfa_process failed: {e}"))?,
        Err(_) => {
            if let Some(group) = group {
                let _ = rustix::process::kill_process_group(group, rustix::process::Signal::KILL);
            }
            return Err(format!(
                "mfa_process gave no code within {} s and was stopped (sessions.mfa_process_timeout in mfatui's settings)",
                timeout.as_secs()
            )
            .into());
        }
    };
    if !status.success() {
        return Err(format!("mfa_process failed ({status})").into());
    }
    let text = String::from_utf8_lossy(&text);
    MfaCode::parse(&text)
        .map_err(|e| CodeError::Source(format!("mfa_process printed no usable code: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_six_digits_pass() {
        assert_eq!(MfaCode::parse(" 123456\n").unwrap().as_str(), "123456");
        assert_eq!(MfaCode::parse("12345").unwrap_err(), CodeError::Length(5));
        assert_eq!(MfaCode::parse("").unwrap_err(), CodeError::Empty);
        assert!(MfaCode::parse("12a456").is_err());
        assert!(MfaCode::parse("123 456").is_err());
        assert!(
            MfaCode::parse("١٢٣٤٥٦").is_err(),
            "non-ASCII digits are refused"
        );
        assert_eq!(
            format!("{:?}", MfaCode::parse("123456").unwrap()),
            "MfaCode(******)"
        );
    }

    fn ask(attempt: u32, process: Option<&str>) -> CodeAsk {
        CodeAsk {
            profile: "dev".into(),
            serial: None,
            mfa_process: process.map(str::to_owned),
            mfa_process_distrusted: None,
            attempt,
            refused: None,
        }
    }

    #[tokio::test(flavor = "current_thread")]
    async fn a_given_code_and_the_variable_are_handed_out_once() {
        let mut codes = Codes::none()
            .then(Given::new(Some("111111")).unwrap())
            .then(EnvToken::new(Some("222222")));
        let first = codes.code(&ask(1, None)).await.unwrap();
        assert_eq!(first, CodeAnswer::Given(MfaCode::parse("111111").unwrap()));
        let second = codes.code(&ask(1, None)).await.unwrap();
        assert_eq!(second, CodeAnswer::Given(MfaCode::parse("222222").unwrap()));
        assert_eq!(codes.code(&ask(1, None)).await.unwrap(), CodeAnswer::Pass);
    }

    #[tokio::test(flavor = "current_thread")]
    async fn mfa_process_is_read_checked_and_stopped_in_time() {
        let run = |cmd: &'static str, secs| async move {
            MfaProcess {
                timeout: Duration::from_secs(secs),
                show_stderr: false,
            }
            .code(&ask(1, Some(cmd)))
            .await
        };
        assert_eq!(
            run("echo 654321", 5).await.unwrap(),
            CodeAnswer::Given(MfaCode::parse("654321").unwrap())
        );
        assert!(run("echo nope", 5)
            .await
            .unwrap_err()
            .to_string()
            .contains("no usable code"));
        assert!(run("exit 3", 5)
            .await
            .unwrap_err()
            .to_string()
            .contains("failed"));
        let started = std::time::Instant::now();
        let slow = run("sleep 30", 1).await.unwrap_err().to_string();
        assert!(slow.contains("within 1 s"), "{slow}");
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "stopped, not waited for"
        );
    }
}
