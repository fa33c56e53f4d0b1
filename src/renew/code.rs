//! The MFA code: exactly six digits, checked before any call; where it comes from when
//! nobody typed it (`AWS_MFA_TOKEN`, `mfa_process`), and the prompt on the terminal.

use super::plan::Renewal;
use crate::awsfiles::AwsFiles;
use std::io::{BufRead, Write};
use std::process::{Command, Stdio};

/// A six-digit MFA code.
#[derive(Clone, PartialEq, Eq)]
pub struct MfaCode(String);

impl std::fmt::Debug for MfaCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("MfaCode(******)")
    }
}

impl MfaCode {
    /// Accepts exactly six ASCII digits (surrounding spaces ignored, inner spaces not).
    pub fn parse(text: &str) -> Result<MfaCode, String> {
        let t = text.trim();
        let digits = t.chars().filter(char::is_ascii_digit).count();
        if t.chars().count() == 6 && digits == 6 {
            return Ok(MfaCode(t.to_owned()));
        }
        if digits == t.chars().count() {
            Err(format!(
                "the MFA code must be exactly 6 digits, not {digits}"
            ))
        } else {
            Err("the MFA code must be exactly 6 digits (0-9 only)".to_owned())
        }
    }

    /// The code, for the API call.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Runs `command` with `sh -c` (as aws-vault's `mfa_process`) and reads the code from its
    /// standard output.
    pub fn from_process(command: &str) -> Result<MfaCode, String> {
        let output = Command::new("sh")
            .args(["-c", command])
            .stdin(Stdio::null())
            .stderr(Stdio::inherit())
            .output()
            .map_err(|e| format!("mfa_process could not be started: {e}"))?;
        if !output.status.success() {
            return Err(format!("mfa_process failed ({})", output.status));
        }
        let text = String::from_utf8_lossy(&output.stdout);
        MfaCode::parse(&text).map_err(|e| format!("mfa_process printed no usable code: {e}"))
    }
}

/// A code that needs no typing: `AWS_MFA_TOKEN` (aws-mfa-secure's variable), else the
/// `mfa_process` of the renewed profile or its source.
pub fn without_prompt(files: &AwsFiles, renewal: &Renewal) -> Result<Option<MfaCode>, String> {
    if let Some(token) = std::env::var("AWS_MFA_TOKEN")
        .ok()
        .filter(|t| !t.trim().is_empty())
    {
        return MfaCode::parse(&token)
            .map(Some)
            .map_err(|e| format!("AWS_MFA_TOKEN: {e}"));
    }
    let map = files.config_map().map_err(|e| e.to_string())?;
    let process = [renewal.profile.as_str(), renewal.source.profile.as_str()]
        .iter()
        .find_map(|p| map.profile(p)?.get("mfa_process").map(str::to_owned));
    process
        .map(|command| MfaCode::from_process(&command))
        .transpose()
}

/// Asks for the code on the terminal (`/dev/tty`, so that it works while standard input and
/// output belong to something else); three tries for a code that is not six digits.
pub fn prompt(renewal: &Renewal) -> Result<MfaCode, String> {
    let tty = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .open("/dev/tty")
        .map_err(|_| "an MFA code is needed and there is no terminal to ask on: pass --code 123456 or set AWS_MFA_TOKEN".to_owned())?;
    let mut reader = std::io::BufReader::new(tty.try_clone().map_err(|e| e.to_string())?);
    let mut out = tty;
    let mut last = String::new();
    for _ in 0..3 {
        write!(
            out,
            "MFA code for {} ({}): ",
            renewal.serial().unwrap_or("your device"),
            renewal.profile
        )
        .map_err(|e| e.to_string())?;
        let mut line = String::new();
        if reader.read_line(&mut line).map_err(|e| e.to_string())? == 0 {
            break;
        }
        match MfaCode::parse(&line) {
            Ok(code) => return Ok(code),
            Err(e) => {
                let _ = writeln!(out, "{e}");
                last = e;
            }
        }
    }
    Err(if last.is_empty() {
        "no MFA code was typed".to_owned()
    } else {
        last
    })
}

#[cfg(test)]
mod tests {
    use super::MfaCode;

    #[test]
    fn only_six_digits_pass() {
        assert_eq!(MfaCode::parse(" 123456\n").unwrap().as_str(), "123456");
        assert_eq!(
            MfaCode::parse("12345").unwrap_err(),
            "the MFA code must be exactly 6 digits, not 5"
        );
        assert_eq!(
            MfaCode::parse("1234567").unwrap_err(),
            "the MFA code must be exactly 6 digits, not 7"
        );
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

    #[test]
    fn mfa_process_output_is_read_and_checked() {
        assert_eq!(
            MfaCode::from_process("echo 654321").unwrap().as_str(),
            "654321"
        );
        assert!(MfaCode::from_process("echo nope")
            .unwrap_err()
            .contains("no usable code"));
        assert!(MfaCode::from_process("exit 3")
            .unwrap_err()
            .contains("failed"));
    }
}
