//! Where mfatui's two programs are: `mfatui`, the small program every prompt and every
//! `credential_process` call starts (it answers those itself and hands everything else on),
//! and `mfatui-full`, the whole of mfatui, installed beside it.

use std::path::PathBuf;

/// The file name of the full program.
pub const FULL: &str = "mfatui-full";

/// The file name of the small program, the one users and their tools call.
pub const SMALL: &str = "mfatui";

/// `name` (with the platform's executable suffix) in the folder of the running program.
fn beside_me(name: &str) -> std::io::Result<PathBuf> {
    let me = std::env::current_exe()?;
    Ok(me.with_file_name(format!("{name}{}", std::env::consts::EXE_SUFFIX)))
}

/// The full program, beside the running one.
pub fn full() -> std::io::Result<PathBuf> {
    beside_me(FULL)
}

/// The program other tools should call (`credential_process = … credential-process NAME`,
/// the copies `exec --server` writes): the small `mfatui` beside this one when it is there,
/// else this program itself.
pub fn for_others() -> Option<PathBuf> {
    let me = std::env::current_exe().ok()?;
    match beside_me(SMALL) {
        Ok(small) if small.is_file() => Some(small),
        _ => Some(me),
    }
}
