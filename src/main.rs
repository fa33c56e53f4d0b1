//! The `mfatui` program: answers the prompt segment (`status`) and `credential-process` with a
//! fresh session on file itself, and hands every other command line to `mfatui-full`.

#![forbid(unsafe_code)]

use std::process::ExitCode;

fn main() -> ExitCode {
    let args: Vec<std::ffi::OsString> = std::env::args_os().skip(1).collect();
    match mfatui::cli::quick::run(&args) {
        Some(code) => code,
        None => mfatui::cli::quick::hand_over(&args),
    }
}
