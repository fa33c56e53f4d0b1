//! Where the subcommands' printed lines go: `print!`, `println!` and `eprintln!`
//! in `cli` are these, so that every line is made printable (a profile name, comment or value
//! from the files, or a variable from the environment, cannot drive the terminal: see
//! [`crate::text::printable_lines`]) and output into a pipe whose reader has gone (`| head -1`)
//! or a terminal that was closed ends quietly — no panic, no backtrace — while the command goes on with its work (a write it
//! was asked for still happens) and ends with its own exit status.

use std::io::{IsTerminal, Write};
use std::sync::atomic::{AtomicBool, Ordering};

/// Set once stdout's reader has gone: nothing more is printed there.
static STDOUT_GONE: AtomicBool = AtomicBool::new(false);
/// The same for stderr.
static STDERR_GONE: AtomicBool = AtomicBool::new(false);

/// Prints `args`, made printable, to stdout; quietly nothing once its reader has gone.
pub fn stdout(args: std::fmt::Arguments) {
    let text = crate::text::printable_lines(args.to_string());
    print_to(&mut std::io::stdout().lock(), &text, &STDOUT_GONE, "stdout");
}

/// Prints `args`, made printable, to stderr; quietly nothing once its reader has gone.
pub fn stderr(args: std::fmt::Arguments) {
    let text = crate::text::printable_lines(args.to_string());
    print_to(&mut std::io::stderr().lock(), &text, &STDERR_GONE, "stderr");
}

/// Prints `text` meant for another program (the credentials' JSON, shell assignments) to
/// stdout: exactly as it is into a pipe or a file, where a program reads it; made printable
/// on a terminal, where a person does. Quietly nothing once stdout's reader has gone.
pub fn data(text: &str) {
    let mut out = std::io::stdout().lock();
    if out.is_terminal() {
        let text = crate::text::printable_lines(text.to_owned());
        print_to(&mut out, &text, &STDOUT_GONE, "stdout");
    } else {
        print_to(&mut out, text, &STDOUT_GONE, "stdout");
    }
}

fn print_to(out: &mut impl Write, text: &str, gone: &AtomicBool, name: &str) {
    if gone.load(Ordering::Relaxed) {
        return;
    }
    // A pipe whose reader has gone, or a terminal that was closed (EIO: its window shut
    // while a rotation ran, which must still put the old key back: attack round 15, E-9).
    let reader_gone = |e: &std::io::Error| {
        e.kind() == std::io::ErrorKind::BrokenPipe
            || e.raw_os_error() == Some(rustix::io::Errno::IO.raw_os_error())
    };
    match out.write_all(text.as_bytes()) {
        Ok(()) => {}
        Err(e) if reader_gone(&e) => gone.store(true, Ordering::Relaxed),
        // What std's macros do with any other failure (a full disk behind `>`).
        Err(e) => panic!("failed printing to {name}: {e}"),
    }
}

macro_rules! print {
    ($($arg:tt)*) => {
        $crate::cli::out::stdout(format_args!($($arg)*))
    };
}

macro_rules! println {
    () => {
        $crate::cli::out::stdout(format_args!("\n"))
    };
    ($($arg:tt)*) => {
        $crate::cli::out::stdout(format_args!("{}\n", format_args!($($arg)*)))
    };
}

macro_rules! eprintln {
    () => {
        $crate::cli::out::stderr(format_args!("\n"))
    };
    ($($arg:tt)*) => {
        $crate::cli::out::stderr(format_args!("{}\n", format_args!($($arg)*)))
    };
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A writer whose reader has gone: a pipe (`false`) or a closed terminal (`true`, EIO).
    struct Closed(usize, bool);

    impl Write for Closed {
        fn write(&mut self, _: &[u8]) -> std::io::Result<usize> {
            self.0 += 1;
            Err(if self.1 {
                std::io::Error::from_raw_os_error(rustix::io::Errno::IO.raw_os_error())
            } else {
                std::io::ErrorKind::BrokenPipe.into()
            })
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    #[test]
    fn a_closed_pipe_or_terminal_ends_the_output_quietly_and_is_not_tried_again() {
        for terminal in [false, true] {
            let gone = AtomicBool::new(false);
            let mut out = Closed(0, terminal);
            print_to(&mut out, "one\n", &gone, "stdout");
            print_to(&mut out, "two\n", &gone, "stdout");
            assert!(gone.load(Ordering::Relaxed));
            assert_eq!(out.0, 1, "one try, then nothing");
        }
    }
}
