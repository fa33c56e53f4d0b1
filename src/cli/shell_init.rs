//! Switching the shell you are in: `mfatui shell-init SHELL` prints the function `mfa` (and
//! its completion) for bash, zsh or fish; `mfatui use [PROFILE]` is what it calls — renew
//! when needed through the renewal service (prompting on the terminal), then print ONLY the
//! name of the profile the SDKs read the session from, which the function exports as
//! `AWS_PROFILE` (never a secret in the environment); `mfatui profile-names` is what it
//! completes. Nothing from the files is ever evaluated by the shell: the name is assigned,
//! and completions are quoted by the shell's own completion machinery.

use super::args::{InitShell, ShellInitArgs, UseArgs};
use super::codes::{self, Allow};
use super::command_error::{ShellInitError, UseError};
use super::{Failure, Run};
use crate::awsfiles::expiry::compact_duration;
use crate::awsfiles::{Expiry, ProfileKind};
use crate::context::Context;
use crate::renew::code::Given;
use crate::renew::plan::PlanError;
use crate::renew::service::{Served, Want};
use crate::renew::session::SessionFrom;
use crate::renew::RenewError;
use std::io::{IsTerminal, Write};

/// The placeholder for the program in the scripts below.
const PROGRAM: &str = "@MFATUI@";

/// The function for bash and zsh (the same text reads the same in both).
const POSIX_FUNCTION: &str = r#"# mfatui: `mfa PROFILE` switches this shell to PROFILE's fresh session (AWS_PROFILE, never
# a secret), renewing it when needed; `mfa` picks a profile; `mfa --unset` clears AWS_PROFILE.
mfa() {
    local __mfatui_arg __mfatui_profile __mfatui_cleared=
    for __mfatui_arg in "$@"; do
        case "$__mfatui_arg" in
            --) break ;;
            -h|--help) @MFATUI@ use --help; return ;;
            --unset) unset AWS_PROFILE; return 0 ;;
        esac
    done
    __mfatui_profile="$(@MFATUI@ use "$@")" || return
    [ -n "$__mfatui_profile" ] || return 1
    for __mfatui_arg in @SHADOWING@; do
        if [ -n "$(printenv "$__mfatui_arg")" ]; then
            __mfatui_cleared="$__mfatui_cleared $__mfatui_arg"
            unset "$__mfatui_arg"
        fi
    done
    [ -z "$__mfatui_cleared" ] ||
        printf 'mfa: cleared%s (they would win over AWS_PROFILE)\n' "$__mfatui_cleared" >&2
    export AWS_PROFILE="$__mfatui_profile"
}
"#;

/// bash's completion of `mfa`: options, then profile names quoted with `printf %q`.
const BASH_COMPLETION: &str = r#"_mfatui_mfa() {
    local cur="${COMP_WORDS[COMP_CWORD]}" prev="${COMP_WORDS[COMP_CWORD-1]}" name quoted i
    COMPREPLY=()
    case "$prev" in --code|--duration) return 0 ;; esac
    case "$cur" in
        -*) COMPREPLY=($(compgen -W '--code --duration --unset --help' -- "$cur")); return 0 ;;
    esac
    for ((i = 1; i < COMP_CWORD; i++)); do
        case "${COMP_WORDS[i]}" in
            --code|--duration) ((i++)) ;;
            -*) ;;
            *) return 0 ;;
        esac
    done
    while IFS= read -r name; do
        printf -v quoted '%q' "$name"
        case "$name" in
            "$cur"*) COMPREPLY+=("$quoted") ;;
            *) case "$quoted" in "$cur"*) COMPREPLY+=("$quoted") ;; esac ;;
        esac
    done < <(@MFATUI@ profile-names 2>/dev/null)
}
complete -F _mfatui_mfa mfa
"#;

/// zsh's completion of `mfa` (when compinit is loaded: put the eval after it).
const ZSH_COMPLETION: &str = r#"_mfatui_mfa() {
    local -a _mfatui_names
    _mfatui_names=("${(@f)$(@MFATUI@ profile-names 2>/dev/null)}")
    _arguments \
        '--unset[clear AWS_PROFILE]' \
        '--code[the 6-digit MFA code]:code: ' \
        '--duration[how long a new session lasts]:duration: ' \
        '1:profile:compadd -a _mfatui_names'
}
if (( $+functions[compdef] )); then compdef _mfatui_mfa mfa; fi
"#;

/// The function and its completion for fish.
const FISH: &str = r#"# mfatui: `mfa PROFILE` switches this shell to PROFILE's fresh session (AWS_PROFILE, never
# a secret), renewing it when needed; `mfa` picks a profile; `mfa --unset` clears AWS_PROFILE.
function mfa --description "Switch this shell to a profile's fresh AWS session (mfatui)"
    for arg in $argv
        switch $arg
            case --
                break
            case -h --help
                @MFATUI@ use --help
                return
            case --unset
                set -e AWS_PROFILE
                return 0
        end
    end
    set -l profile (@MFATUI@ use $argv)
    or return
    test -n "$profile"; or return 1
    set -l cleared
    for var in @SHADOWING@
        if set -q $var
            set -e $var
            set -a cleared $var
        end
    end
    if set -q cleared[1]
        echo "mfa: cleared $cleared (they would win over AWS_PROFILE)" >&2
    end
    set -gx AWS_PROFILE $profile
end
function __mfatui_names
    @MFATUI@ profile-names 2>/dev/null
end
complete -c mfa -f
complete -c mfa -l unset -d 'Clear AWS_PROFILE'
complete -c mfa -l code -x -d 'The 6-digit MFA code'
complete -c mfa -l duration -x -d 'How long a new session lasts'
complete -c mfa -a '(__mfatui_names)'
"#;

/// `mfatui shell-init SHELL`: prints the function, calling this program by its full path
/// (with `--demo` in the demo, whose function never reaches the real files either).
pub fn init(ctx: &Context, args: &ShellInitArgs) -> Result<(), Failure> {
    let program = std::env::current_exe().map_err(ShellInitError::NoProgram)?;
    let program = program
        .to_str()
        .ok_or_else(|| ShellInitError::NotUtf8(program.clone()))?;
    let mut out = std::io::stdout().lock();
    Ok(out
        .write_all(script(args.shell, program, ctx.demo).as_bytes())
        .or_else(ignore_broken_pipe)?)
}

/// The script for `shell`, calling `program` (with `--demo` in the demo).
pub fn script(shell: InitShell, program: &str, demo: bool) -> String {
    let (text, quoted) = match shell {
        InitShell::Bash => (
            format!("{POSIX_FUNCTION}{BASH_COMPLETION}"),
            posix_quote(program),
        ),
        InitShell::Zsh => (
            format!("{POSIX_FUNCTION}{ZSH_COMPLETION}"),
            posix_quote(program),
        ),
        InitShell::Fish => (FISH.to_owned(), fish_quote(program)),
    };
    let call = if demo {
        format!("{quoted} --demo")
    } else {
        quoted
    };
    text.replace(PROGRAM, &call)
        // The variables `mfa` clears when it switches: each would win over `AWS_PROFILE`.
        .replace(
            "@SHADOWING@",
            &crate::credentials::AHEAD_OF_PROFILE.join(" "),
        )
}

/// `s` as one word for bash and zsh: single-quoted, `'` as `'\''`.
fn posix_quote(s: &str) -> String {
    format!("'{}'", s.replace('\'', r"'\''"))
}

/// `s` as one word for fish: single-quoted, `\` and `'` escaped.
fn fish_quote(s: &str) -> String {
    format!("'{}'", s.replace('\\', r"\\").replace('\'', r"\'"))
}

fn ignore_broken_pipe(e: std::io::Error) -> Result<(), ShellInitError> {
    if e.kind() == std::io::ErrorKind::BrokenPipe {
        Ok(())
    } else {
        Err(ShellInitError::Write(e))
    }
}

/// `mfatui profile-names`: every profile name, one per line (no layouts, no caches: it runs
/// on every Tab).
pub fn names(ctx: &Context) -> Result<(), Failure> {
    let files = crate::awsfiles::AwsFiles::load(&ctx.paths)?;
    let map = files.config_map()?;
    let stdout = std::io::stdout();
    // For the shell exactly as they are; for a person's terminal, nothing that drives it.
    let person = stdout.is_terminal();
    let mut out = std::io::BufWriter::new(stdout.lock());
    let written = map
        .profiles()
        .try_for_each(|(name, _)| match person {
            true => writeln!(out, "{}", crate::text::printable(name, usize::MAX)),
            false => writeln!(out, "{name}"),
        })
        .and_then(|()| out.flush());
    Ok(written.or_else(ignore_broken_pipe)?)
}

/// `mfatui use [PROFILE]`: a fresh session of PROFILE (renewed when needed, a code asked on
/// the terminal), then the profile the SDKs read it from on stdout, alone.
pub fn switch(run: &Run, args: &UseArgs) -> Result<(), Failure> {
    let ctx = &run.ctx;
    let duration = args
        .duration
        .as_deref()
        .map(crate::duration::parse)
        .transpose()?;
    let given = Given::new(args.code.as_deref())?;
    let snapshot = ctx.snapshot()?;
    let name = match &args.profile {
        Some(name) => name.clone(),
        None => super::pick::pick(&snapshot, ctx.now(), ctx.paths.selected_profile.as_deref())?
            .ok_or(UseError::NonePicked)?,
    };
    let Some(profile) = snapshot.profile(&name) else {
        return Err(PlanError::NoProfile(name).into());
    };
    let (read_as, expires) = match profile.kind {
        // Their credentials come to the SDKs from the profile itself; nothing to renew here.
        ProfileKind::Process | ProfileKind::WebIdentity => (name.clone(), None),
        ProfileKind::Sso => match snapshot.shown_expiry(profile).0 {
            Expiry::None => {
                return Err(UseError::SignedOut {
                    renew: ctx.command(&["renew", &name]),
                    name,
                }
                .into())
            }
            expiry => (name.clone(), expiry.at()),
        },
        _ => {
            drop(snapshot);
            let served = renewed(run, &name, duration, given)?;
            let read_as = sdk_profile(&name, &served.session.from);
            (read_as, served.session.credentials.expiration)
        }
    };
    let left = expires
        .map(|at| {
            let secs = (at - ctx.now()).num_seconds();
            if secs > 0 {
                format!(" ({} left)", compact_duration(secs))
            } else {
                " (expired)".to_owned()
            }
        })
        .unwrap_or_default();
    let show = |s: &str| crate::text::printable(s, 200);
    if read_as == name {
        eprintln!("mfatui: AWS_PROFILE={}{left}", show(&read_as));
    } else {
        eprintln!(
            "mfatui: AWS_PROFILE={}, the session of {}{left}",
            show(&read_as),
            show(&name)
        );
    }
    let mut out = std::io::stdout().lock();
    // To the shell exactly as it is; to a person's terminal, nothing that drives it.
    let printed = if out.is_terminal() {
        // Typed by hand: this process cannot change the shell that started it.
        eprintln!(
            "mfatui: to switch this shell, load the function `mfa` (eval \"$({})\", see docs/shell.md) and run mfa {}",
            ctx.command(&["shell-init", "bash"]),
            crate::awsfiles::shlex::quote(&show(&name))
        );
        show(&read_as)
    } else {
        read_as
    };
    Ok(writeln!(out, "{printed}")
        .and_then(|()| out.flush())
        .map_err(ShellInitError::Write)?)
}

/// The session of `name` fresh enough to hand out, renewed by the service when needed with a
/// code from `--code`, `AWS_MFA_TOKEN`, `mfa_process`, the terminal or the open window.
fn renewed(run: &Run, name: &str, duration: Option<u32>, given: Given) -> Result<Served, Failure> {
    let allow = Allow {
        terminal: std::io::stdin().is_terminal() || std::io::stderr().is_terminal(),
        window: true,
    };
    let mut codes = codes::sources(run, given, allow);
    let want = Want {
        duration,
        ..Want::serve()
    };
    let served = run
        .block_on(run.renewer().ensure(name, &want, &mut codes))?
        .map_err(|e| match e {
            RenewError::NoCode { .. } => Failure::from(UseError::NoCode(e)),
            e => Failure::from(e),
        })?;
    // The shell is pointed at the session's section: one that is in no file is no answer.
    if let Some(why) = served.renewed.as_ref().and_then(|r| r.not_written.clone()) {
        return Err(Failure::from(RenewError::NotWritten(why)));
    }
    if let Some(renewed) = &served.renewed {
        eprintln!(
            "{}",
            crate::text::printable(&renewed.line(name, run.ctx.now()), usize::MAX)
        );
    }
    Ok(served)
}

/// The profile every SDK reads `name`'s session `from`: the credentials-file section it lives
/// in (`dev-mfa`, a role's session section, the profile itself); for a session kept in a cache
/// the profile's own name (the AWS CLI's role cache is read by the AWS CLI and botocore under
/// the role's name; aws-mfa-secure's and `aws login`'s through the profile's settings).
pub fn sdk_profile(name: &str, from: &SessionFrom) -> String {
    match from {
        SessionFrom::Section(section) => section.clone(),
        SessionFrom::CliCache(_)
        | SessionFrom::MfaSecure(_)
        | SessionFrom::LoginCache(_)
        | SessionFrom::SsoPortal(_) => name.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_program_is_one_quoted_word_in_every_shell() {
        let odd = r#"/opt/it's "$(x)" \n/mfatui"#;
        let bash = script(InitShell::Bash, odd, false);
        assert!(!bash.contains(PROGRAM));
        assert!(bash.contains(r#"'/opt/it'\''s "$(x)" \n/mfatui' use "$@""#));
        let zsh = script(InitShell::Zsh, odd, false);
        assert!(zsh.contains("compdef _mfatui_mfa mfa"));
        let fish = script(InitShell::Fish, odd, true);
        assert!(fish.contains(r#"'/opt/it\'s "$(x)" \\n/mfatui' --demo use $argv"#));
        assert!(fish.contains("for var in AWS_DEFAULT_PROFILE AWS_ACCESS_KEY_ID"));
    }

    #[test]
    fn the_sdks_read_a_session_where_it_lives() {
        assert_eq!(
            sdk_profile("dev", &SessionFrom::Section("dev-mfa".into())),
            "dev-mfa"
        );
        assert_eq!(
            sdk_profile("admin", &SessionFrom::CliCache("abc".into())),
            "admin"
        );
        assert_eq!(
            sdk_profile("me", &SessionFrom::LoginCache("me".into())),
            "me"
        );
    }
}
