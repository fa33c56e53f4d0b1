//! Showing a planned change and writing it: masked diff, `--dry-run`, confirmation or `--yes`.

use crate::awsfiles::{commit, OnChange, Plan, WriteError, Written};
use crate::context::Context;
use std::io::{BufRead, IsTerminal, Write};

/// Why a change was not written: no confirmation could be asked, the answer could not be
/// read, or the write failed.
#[derive(Debug, thiserror::Error)]
pub enum ConfirmError {
    /// No terminal to ask on, and neither `--yes` nor `--dry-run`.
    #[error("refusing to write without confirmation: stdin is not a terminal; pass --yes (or --dry-run to only look)")]
    NoConfirmation,
    /// The answer could not be read.
    #[error("{0}")]
    Answer(std::io::Error),
    /// The write failed.
    #[error(transparent)]
    Write(#[from] WriteError),
}

/// How a command that writes was asked to behave.
#[derive(Clone, Copy, Debug, Default)]
pub struct WriteFlags {
    /// Show the diff, write nothing.
    pub dry_run: bool,
    /// Write without asking.
    pub yes: bool,
}

/// Prints the masked diff of `plan`, then writes it if confirmed. Returns what was written
/// (empty for a dry run or an empty plan).
pub fn confirm_and_write(
    plan: Plan,
    flags: WriteFlags,
    ctx: &Context,
) -> Result<Vec<Written>, ConfirmError> {
    if plan.is_noop() {
        println!("Nothing to change: the files already say that.");
        return Ok(Vec::new());
    }
    let mut plan = plan;
    loop {
        print_diff(&plan.diff(), ctx);
        if flags.dry_run {
            println!("Dry run: nothing was written.");
            return Ok(Vec::new());
        }
        if !flags.yes && !ask("Write these changes? [y/N] ")? {
            println!("Nothing was written.");
            return Ok(Vec::new());
        }
        let on_change = if flags.yes {
            OnChange::Merge
        } else {
            OnChange::Refuse
        };
        match commit(&plan, &ctx.write_options(on_change)) {
            Ok(written) => {
                report(&written);
                return Ok(written);
            }
            Err(WriteError::Changed { path, replanned }) => {
                println!(
                    "{} changed on disk meanwhile; here is the change on top of it:",
                    path.display()
                );
                plan = Plan {
                    changes: vec![*replanned],
                    cli_cache: plan.cli_cache,
                };
            }
            Err(e) => return Err(e.into()),
        }
    }
}

/// Says what was written, and where each backup went.
pub(super) fn report(written: &[Written]) {
    for w in written {
        match &w.backup {
            None if w.cache => println!("Wrote {} (AWS CLI cache, 0600)", w.path.display()),
            Some(b) => println!("Wrote {} (backup: {})", w.path.display(), b.display()),
            None => println!("Wrote {} (new file, nothing to back up)", w.path.display()),
        }
        if w.merged {
            println!(
                "  {} had changed on disk; your edits were applied on top of those changes.",
                w.path.display()
            );
        }
        if let Some(note) = w.exposure() {
            eprintln!("mfatui: warning: {note}");
        }
    }
}

/// Prints a diff, coloured when stdout is a terminal and `NO_COLOR` is unset.
pub(super) fn print_diff(diff: &str, ctx: &Context) {
    let colour = std::io::stdout().is_terminal() && ctx.env.get("NO_COLOR").is_none();
    // Its own colour codes would not pass the `println!` of `cli`: written as they are.
    let _ = std::io::stdout()
        .lock()
        .write_all(printed(diff, colour).as_bytes());
}

/// `diff` as printed: each line made printable ([`crate::text::shown`]: a comment, section
/// name or value of the files cannot redraw or retitle the terminal while the change is
/// approved), then coloured by its first character when `colour`.
fn printed(diff: &str, colour: bool) -> String {
    let mut out = String::with_capacity(diff.len() + 16);
    for line in diff.lines() {
        let line = crate::text::shown(line);
        let code = match line.as_bytes().first() {
            _ if !colour => None,
            Some(b'+') => Some("32"),
            Some(b'-') => Some("31"),
            Some(b'@') => Some("36"),
            _ => None,
        };
        match code {
            Some(c) => out.push_str(&format!("\x1b[{c}m{line}\x1b[0m\n")),
            None => {
                out.push_str(&line);
                out.push('\n');
            }
        }
    }
    out
}

/// Whether a write with `flags` can go ahead as far as confirming it goes: refused up front
/// (before an MFA code is spent on a call whose result could not be written) when there is
/// no terminal to ask on and neither `--yes` nor `--dry-run` was given.
pub(super) fn can_confirm(flags: WriteFlags) -> Result<(), ConfirmError> {
    if flags.yes || flags.dry_run || std::io::stdin().is_terminal() {
        Ok(())
    } else {
        Err(ConfirmError::NoConfirmation)
    }
}

/// Asks a yes/no question on the terminal; refuses when stdin is not a terminal.
pub(super) fn ask(question: &str) -> Result<bool, ConfirmError> {
    let stdin = std::io::stdin();
    if !stdin.is_terminal() {
        return Err(ConfirmError::NoConfirmation);
    }
    print!("{question}");
    let _ = std::io::stdout().flush();
    let mut answer = String::new();
    stdin
        .lock()
        .read_line(&mut answer)
        .map_err(ConfirmError::Answer)?;
    Ok(matches!(answer.trim(), "y" | "Y" | "yes" | "Yes"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_diff_is_printed_printable_with_its_own_colours_only() {
        let diff = "--- a\n+++ a\n@@ -1,2 +1,2 @@\n # notes \u{1b}]0;PWNED\u{7}\u{1b}[2J\n-region = us\u{1b}[31m\n+region = eu\u{202e}\u{200b}\n";
        assert_eq!(
            printed(diff, false),
            "--- a\n+++ a\n@@ -1,2 +1,2 @@\n # notes ?]0;PWNED??[2J\n-region = us?[31m\n+region = eu??\n"
        );
        let coloured = printed(diff, true);
        assert!(
            coloured.contains("\u{1b}[31m-region = us?[31m\u{1b}[0m\n"),
            "{coloured:?}"
        );
        assert!(
            coloured.contains("\u{1b}[32m+region = eu??\u{1b}[0m\n"),
            "{coloured:?}"
        );
        assert!(
            coloured.contains("\n # notes ?]0;PWNED??[2J\n"),
            "{coloured:?}"
        );
        assert_eq!(coloured.matches('\u{1b}').count(), 10, "{coloured:?}");
    }
}
