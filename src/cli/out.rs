//! Where the subcommands' printed lines go: `print!`, `println!` and `eprintln!`
//! in `cli` are these, so that output into a pipe whose reader has gone (`| head -1`) ends
//! quietly — no panic, no backtrace — while the command goes on with its work (a write it
//! was asked for still happens) and ends with its own exit status.

use std::io::Write;
use std::sync::atomic::{AtomicBool, Ordering};

/// Set once stdout's reader has gone: nothing more is printed there.
static STDOUT_GONE: AtomicBool = AtomicBool::new(false);
/// The same for stderr.
static STDERR_GONE: AtomicBool = AtomicBool::new(false);

/// Prints `args` to stdout, quietly nothing once its reader has gone.
pub fn stdout(args: std::fmt::Arguments) {
    print_to(&mut std::io::stdout().lock(), args, &STDOUT_GONE, "stdout");
}

/// Prints `args` to stderr, quietly nothing once its reader has gone.
pub fn stderr(args: std::fmt::Arguments) {
    print_to(&mut std::io::stderr().lock(), args, &STDERR_GONE, "stderr");
}

fn print_to(out: &mut impl Write, args: std::fmt::Arguments, gone: &AtomicBool, name: &str) {
    if gone.load(Ordering::Relaxed) {
        return;
    }
    match out.write_fmt(args) {
        Ok(()) => {}
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => gone.store(true, Ordering::Relaxed),
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

    /// A writer whose reader has gone.
    struct Closed(usize);

    impl Write for Closed {
        fn write(&mut self, _: &[u8]) -> std::io::Result<usize> {
            self.0 += 1;
            Err(std::io::ErrorKind::BrokenPipe.into())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    #[test]
    fn a_closed_pipe_ends_the_output_quietly_and_is_not_tried_again() {
        let gone = AtomicBool::new(false);
        let mut out = Closed(0);
        print_to(&mut out, format_args!("one\n"), &gone, "stdout");
        print_to(&mut out, format_args!("two\n"), &gone, "stdout");
        assert!(gone.load(Ordering::Relaxed));
        assert_eq!(out.0, 1, "one try, then nothing");
    }
}
