//! Command-line arguments (clap derive), and the man page made from them.

use crate::awsfiles::AwsPaths;
use clap::{Args, CommandFactory, Parser, Subcommand};
use clap_mangen::roff::{bold, italic, roman, Roff};
use std::path::PathBuf;

/// Renew MFA-protected AWS credentials: a terminal UI and scriptable commands.
#[derive(Debug, Parser)]
#[command(name = "mfatui", version, about, long_about = None)]
pub struct Cli {
    /// Which shared files to use.
    #[command(flatten)]
    pub files: FileArgs,
    /// Run on bundled sample profiles in a temporary folder, with offline stand-ins for STS,
    /// IAM, SSO and the console sign-in; the MFA code is 123456 (your ~/.aws is never
    /// touched, nothing goes over the network).
    #[arg(long, global = true)]
    pub demo: bool,
    /// Write a diagnostic log (never secrets) to --log-file, default
    /// $XDG_STATE_HOME/mfatui/mfatui.log (~/.local/state/mfatui/mfatui.log).
    #[arg(short, long, global = true)]
    pub verbose: bool,
    /// Where -v writes its log (implies -v).
    #[arg(long, global = true, value_name = "PATH")]
    pub log_file: Option<PathBuf>,
    /// What to do; without a command, the full-screen interface opens.
    #[command(subcommand)]
    pub command: Option<Command>,
}

/// Overrides for the shared file locations (same meaning as the AWS CLI's variables).
#[derive(Debug, Args, Default)]
pub struct FileArgs {
    /// The AWS config file [default: $AWS_CONFIG_FILE or ~/.aws/config]
    #[arg(long, global = true, value_name = "PATH")]
    pub config_file: Option<PathBuf>,
    /// The AWS credentials file [default: $AWS_SHARED_CREDENTIALS_FILE or ~/.aws/credentials]
    #[arg(long, global = true, value_name = "PATH")]
    pub credentials_file: Option<PathBuf>,
}

impl FileArgs {
    /// Paths from the environment, with these flags taking precedence.
    pub fn apply(&self, mut paths: AwsPaths) -> AwsPaths {
        if let Some(p) = &self.config_file {
            paths.config = p.clone();
        }
        if let Some(p) = &self.credentials_file {
            paths.credentials = p.clone();
        }
        paths
    }
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// List every profile with its kind, account/role, region, MFA device and expiry.
    List(ListArgs),
    /// Set one key of a profile, through the safe writer (diff, backup, atomic write).
    Set(SetArgs),
    /// List the timestamped backups mfatui made.
    Backups(BackupsArgs),
    /// Put a backup back in place (the current file is backed up first).
    Restore(RestoreArgs),
    /// Renew a profile with an MFA code (GetSessionToken or AssumeRole) and write the result.
    Renew(RenewArgs),
    /// Find the MFA device of a profile's IAM user and record it as mfa_serial.
    Discover(DiscoverArgs),
    /// Print a profile's temporary credentials as environment variables: eval "$(mfatui export dev)".
    Export(ExportArgs),
    /// Print the commands that clear what `export` set.
    Unset(UnsetArgs),
    /// Run a command with the profile's temporary credentials, renewing first if needed:
    /// mfatui exec dev -- aws s3 ls
    Exec(ExecArgs),
    /// Replace the profile's access key with a new one: create, write (diff, backup), verify,
    /// then delete the old key.
    Rotate(RotateArgs),
    /// Print the profile's session for the AWS CLI/SDK setting
    /// `credential_process = mfatui credential-process PROFILE`, renewing it when needed.
    CredentialProcess(CredentialProcessArgs),
    /// One line for a shell prompt: the profile (AWS_PROFILE, or the one named) and the time
    /// its session has left, e.g. `dev 42m`. Never a secret; always exit 0.
    Status(StatusArgs),
    /// Sign in to the AWS Management Console as the profile: opens a browser (a browser command
    /// per profile in the settings keeps accounts apart) or prints the sign-in URL.
    Console(ConsoleArgs),
    /// Keep long-term access keys in the OS keyring instead of the shared files.
    Keyring(KeyringArgs),
    /// IAM Identity Center: `mfatui sso populate SESSION` writes a profile for every account
    /// and role the sso-session reaches.
    Sso(SsoArgs),
    /// Print a shell completion script:
    /// mfatui completions bash > ~/.local/share/bash-completion/completions/mfatui
    Completions(CompletionsArgs),
    /// Print the shell function `mfa`, which switches the shell you are in to a profile's
    /// fresh session (AWS_PROFILE, never a secret): eval "$(mfatui shell-init bash)"
    ShellInit(ShellInitArgs),
    /// Renew PROFILE's session when needed and print the profile the SDKs read it from (what
    /// `mfa` puts in AWS_PROFILE); without PROFILE, pick one on the terminal.
    Use(UseArgs),
    /// Print every profile name, one per line (what `mfa` completes).
    #[command(hide = true)]
    ProfileNames,
    /// Print the man page (roff), every command on one page:
    /// mfatui man > /usr/local/share/man/man1/mfatui.1
    Man,
    /// Internal: how `exec --server` starts CMD, so that CMD ends with mfatui (a parent-death
    /// signal) instead of fetching from an endpoint that is gone, and the port is held while
    /// any descendant of CMD lives.
    #[command(hide = true, name = "exec-child")]
    ExecChild(ExecChildArgs),
    /// Internal: removes the copies `exec --server` made for CMD once mfatui is gone (even
    /// after `kill -9`).
    #[command(hide = true, name = "exec-cleanup")]
    ExecCleanup(ExecCleanupArgs),
}

/// Options of `mfatui completions`.
#[derive(Debug, Args)]
pub struct CompletionsArgs {
    /// The shell.
    #[arg(value_enum)]
    pub shell: clap_complete::Shell,
}

/// The shells `shell-init` writes for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum InitShell {
    /// bash.
    Bash,
    /// zsh.
    Zsh,
    /// fish.
    Fish,
}

/// Options of `mfatui shell-init`.
#[derive(Debug, Args)]
pub struct ShellInitArgs {
    /// The shell.
    #[arg(value_enum)]
    pub shell: InitShell,
}

/// Options of `mfatui use`.
#[derive(Debug, Args)]
pub struct UseArgs {
    /// The profile [default: pick one on the terminal].
    pub profile: Option<String>,
    /// The 6-digit MFA code, if a renewal is needed (otherwise: AWS_MFA_TOKEN, mfa_process, a
    /// prompt on the terminal, or the open mfatui window).
    #[arg(long)]
    pub code: Option<String>,
    /// How long a new session lasts: 3600, 1h, 90m… [default: as for renew]
    #[arg(long)]
    pub duration: Option<String>,
}

/// Renewal mode on the command line.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum ModeArg {
    /// sts:GetSessionToken with the profile's long-term keys.
    Session,
    /// sts:AssumeRole through role_arn / source_profile.
    Role,
}

impl From<ModeArg> for crate::renew::Mode {
    fn from(m: ModeArg) -> Self {
        match m {
            ModeArg::Session => crate::renew::Mode::Session,
            ModeArg::Role => crate::renew::Mode::Role,
        }
    }
}

/// Options of `mfatui renew`.
#[derive(Debug, Args)]
pub struct RenewArgs {
    /// The profile(s) to renew; several share one MFA code.
    #[arg(required_unless_present = "all_expiring")]
    pub profiles: Vec<String>,
    /// Renew every role profile whose credentials are missing, expired or expiring soon
    /// (thresholds.warn), with one MFA code.
    #[arg(long, conflicts_with = "profiles")]
    pub all_expiring: bool,
    /// session or role [default: role for role profiles, session otherwise]
    #[arg(long, value_enum)]
    pub mode: Option<ModeArg>,
    /// How long the credentials last: 3600, 1h, 90m, 12h… [default: duration_seconds, else 12h (session) / 1h (role)]
    #[arg(long)]
    pub duration: Option<String>,
    /// The 6-digit MFA code (otherwise: --code-stdin, mfa_process, or a prompt).
    #[arg(long, conflicts_with = "code_stdin")]
    pub code: Option<String>,
    /// Read the MFA code from standard input.
    #[arg(long)]
    pub code_stdin: bool,
    /// Show what would be written (placeholders for new keys); call nothing, write nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// Write without asking for confirmation.
    #[arg(long, short = 'y')]
    pub yes: bool,
    /// SSO: sign in with the device flow (a page and a code, typed on any device) instead of
    /// the browser redirect to this machine.
    #[arg(long)]
    pub use_device_code: bool,
}

/// Options of `mfatui discover`.
#[derive(Debug, Args)]
pub struct DiscoverArgs {
    /// The profile whose IAM user to look up.
    pub profile: String,
    /// Which device, when the user has several.
    #[arg(long)]
    pub serial: Option<String>,
    /// Show the change, write nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// Write without asking for confirmation.
    #[arg(long, short = 'y')]
    pub yes: bool,
}

/// Options of `mfatui exec`.
#[derive(Debug, Args)]
pub struct ExecArgs {
    /// The profile whose session the command gets.
    pub profile: String,
    /// The 6-digit MFA code, if a renewal is needed (otherwise: AWS_MFA_TOKEN, mfa_process, or
    /// a prompt on the terminal).
    #[arg(long)]
    pub code: Option<String>,
    /// How long a new session lasts: 3600, 1h, 90m… [default: as for renew]
    #[arg(long)]
    pub duration: Option<String>,
    /// Instead of static keys, give CMD a loopback credentials endpoint
    /// (AWS_CONTAINER_CREDENTIALS_FULL_URI) that serves the current session, renewed when
    /// needed, for as long as CMD runs.
    #[arg(long)]
    pub server: bool,
    /// The command and its arguments (after --).
    #[arg(
        trailing_var_arg = true,
        allow_hyphen_values = true,
        required = true,
        value_name = "CMD"
    )]
    pub command: Vec<String>,
}

/// Options of the internal `exec-child`.
#[derive(Debug, Args)]
pub struct ExecChildArgs {
    /// The mfatui that serves CMD: CMD is not started if it is already gone.
    #[arg(long)]
    pub parent: i32,
    /// The endpoint's listening socket, an inherited descriptor: this process then holds the
    /// port for CMD's tree (Linux).
    #[arg(long)]
    pub listener: Option<i32>,
    /// The pipe CMD's exit status goes back to mfatui through, an inherited descriptor.
    #[arg(long)]
    pub status: Option<i32>,
    /// The second hop: only tie CMD to its parent (the holder) and become CMD.
    #[arg(long)]
    pub hop: bool,
    /// CMD ended with this status and descendants remain: hold the port until they end.
    #[arg(long)]
    pub holding: Option<u8>,
    /// mfatui's process group (the terminal's foreground group): CMD joins it, while the holder
    /// keeps a group of its own, out of reach of a kill of mfatui's group.
    #[arg(long)]
    pub pgid: Option<i32>,
    /// The command and its arguments (after --).
    #[arg(
        trailing_var_arg = true,
        allow_hyphen_values = true,
        required = true,
        value_name = "CMD"
    )]
    pub command: Vec<String>,
}

/// Options of the internal `exec-cleanup`.
#[derive(Debug, Args)]
pub struct ExecCleanupArgs {
    /// The copies folder to remove when standard input closes (none: CMD needed no copies).
    pub dir: Option<std::path::PathBuf>,
}

/// Options of `mfatui rotate`.
#[derive(Debug, Args)]
pub struct RotateArgs {
    /// The profile whose access key is replaced.
    pub profile: String,
    /// Write without asking for confirmation.
    #[arg(long, short = 'y')]
    pub yes: bool,
    /// Say what would happen; call nothing, write nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// Deactivate the old key instead of deleting it.
    #[arg(long)]
    pub keep_old: bool,
    /// The 6-digit MFA code, if an MFA session is needed for the IAM calls.
    #[arg(long)]
    pub code: Option<String>,
}

/// Options of `mfatui console`.
#[derive(Debug, Args)]
pub struct ConsoleArgs {
    /// The profile to sign in as (a role, an IAM user or its MFA session, or SSO).
    pub profile: String,
    /// Print the sign-in URL (a secret for 15 minutes) instead of opening a browser.
    #[arg(long)]
    pub print: bool,
    /// Where the console opens: a service (ec2, s3, cloudwatch…) or a console URL
    /// [default: the console home in the region]
    #[arg(long, value_name = "SERVICE|URL")]
    pub destination: Option<String>,
    /// The console's region [default: the profile's region]
    #[arg(long)]
    pub region: Option<String>,
    /// The console session's length where AWS lets it be chosen: IAM users 15m–36h (default
    /// 1h), roles assumed directly with long-term keys 15m–12h (the role is assumed afresh);
    /// other sessions end with their credentials.
    #[arg(long)]
    pub duration: Option<String>,
    /// The 6-digit MFA code, if a renewal or the role needs one (otherwise: AWS_MFA_TOKEN,
    /// mfa_process, or a prompt on the terminal).
    #[arg(long)]
    pub code: Option<String>,
}

/// `mfatui sso`: its subcommands.
#[derive(Debug, Args)]
pub struct SsoArgs {
    /// What to do.
    #[command(subcommand)]
    pub command: SsoCommand,
}

/// The subcommands of `mfatui sso`.
#[derive(Debug, Subcommand)]
pub enum SsoCommand {
    /// Write one profile per account × role the sso-session reaches (diff, backup, confirm);
    /// profiles already configured for a pair are left alone.
    Populate(PopulateArgs),
}

/// Options of `mfatui sso populate`.
#[derive(Debug, Args)]
pub struct PopulateArgs {
    /// The `[sso-session NAME]` to list.
    pub session: String,
    /// Put before every new profile's name.
    #[arg(long, default_value = "")]
    pub prefix: String,
    /// `region` of the new profiles.
    #[arg(long)]
    pub region: Option<String>,
    /// The name template: {account_name}, {account_id}, {role_name}, {session}.
    #[arg(long = "name", default_value = crate::awsfiles::populate::DEFAULT_TEMPLATE)]
    pub template: String,
    /// Also remove the profiles this session generated whose assignment is gone (never a
    /// hand-written one or another session's; nothing after a failed listing).
    #[arg(long)]
    pub prune: bool,
    /// Show the diff; write nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// Write without asking for confirmation.
    #[arg(long, short = 'y')]
    pub yes: bool,
    /// Sign in (if needed) with the device flow instead of the browser redirect.
    #[arg(long)]
    pub use_device_code: bool,
}

/// `mfatui keyring`: its subcommands.
#[derive(Debug, Args)]
pub struct KeyringArgs {
    /// What to do.
    #[command(subcommand)]
    pub command: KeyringCommand,
}

/// The subcommands of `mfatui keyring`.
#[derive(Debug, Subcommand)]
pub enum KeyringCommand {
    /// Move a profile's access key pair from the shared files into the OS keyring (checked
    /// with GetCallerIdentity and read back first); backups that hold the secret are
    /// rewritten without it.
    Store(KeyringMoveArgs),
    /// Put a profile's access key pair back into the shared file (its OS keyring entry is
    /// kept: `forget` removes it).
    Restore(KeyringMoveArgs),
    /// Type or paste a profile's access key pair straight into the OS keyring (hidden input,
    /// never through a file).
    Add(KeyringAddArgs),
    /// List the profiles whose keys are in the OS keyring (read from the files; the keyring
    /// is not opened unless --kept).
    List(KeyringListArgs),
    /// Delete a profile's OS keyring entry (one a `restore`, an `add` or a rotation kept),
    /// after confirmation; refused while a known marker names its key, unless --yes.
    Forget(KeyringForgetArgs),
}

/// Options of `mfatui keyring list`.
#[derive(Debug, Args)]
pub struct KeyringListArgs {
    /// Also search the OS keyring for every entry mfatui keeps, those no marker here names
    /// included (kept by `restore`, `add` or a rotation, or another file set's).
    #[arg(long)]
    pub kept: bool,
}

/// Options of `mfatui keyring forget`.
#[derive(Debug, Args)]
pub struct KeyringForgetArgs {
    /// The profile whose entry goes (the profile named in the entry: `PROFILE (KEY_ID)`).
    pub profile: String,
    /// The key id of the entry (needed when the profile has several entries, or when the
    /// keyring cannot be searched).
    #[arg(long)]
    pub key_id: Option<String>,
    /// Delete without asking, even while a marker still names the key.
    #[arg(long, short = 'y')]
    pub yes: bool,
}

/// Options of `mfatui keyring store` and `restore`.
#[derive(Debug, Args)]
pub struct KeyringMoveArgs {
    /// The profile (its own keys, or those of its aws-mfa long-term partner).
    pub profile: String,
    /// Change the files (and rewrite backups) without asking for confirmation.
    #[arg(long, short = 'y')]
    pub yes: bool,
    /// Show what would change, change nothing (no AWS call; restore reads the keyring).
    #[arg(long)]
    pub dry_run: bool,
}

/// Options of `mfatui keyring add`.
#[derive(Debug, Args)]
pub struct KeyringAddArgs {
    /// The profile the keys are for (created if it does not exist).
    pub profile: String,
    /// Read the access key id and the secret access key from standard input, one per line,
    /// instead of asking on the terminal.
    #[arg(long)]
    pub stdin: bool,
    /// Replace the key the profile keeps in the OS keyring without asking.
    #[arg(long, short = 'y')]
    pub yes: bool,
}

/// Options of `mfatui credential-process`.
#[derive(Debug, Args, PartialEq, Eq)]
pub struct CredentialProcessArgs {
    /// The profile whose session is served.
    pub profile: String,
    /// Internal: renew ahead in the background, print nothing (started by credential-process
    /// itself while it serves a session that is still valid).
    #[arg(long, hide = true)]
    pub renew_ahead: bool,
}

/// How `status` colours its line.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, clap::ValueEnum)]
pub enum StatusColour {
    /// No colour.
    #[default]
    Never,
    /// ANSI colours (starship, fish, a terminal).
    Ansi,
    /// ANSI colours wrapped for bash's PS1 (`\001`…`\002`), so line editing stays right.
    Bash,
    /// ANSI colours wrapped for zsh's PROMPT (`%{`…`%}`).
    Zsh,
}

/// The line `status` prints unless `--format` says otherwise.
pub const STATUS_FORMAT: &str = "{profile} {left}";

/// Options of `mfatui status`.
#[derive(Debug, Args, PartialEq, Eq)]
pub struct StatusArgs {
    /// The profile [default: $AWS_PROFILE, else $AWS_DEFAULT_PROFILE; none: prints nothing]
    pub profile: Option<String>,
    /// The line, with {profile}, {left} (42m, 1h05m, expired, —), {expires} (local HH:MM),
    /// {kind}, {region}, {account}.
    #[arg(long, default_value = STATUS_FORMAT)]
    pub format: String,
    /// Colour the time left by urgency (green, yellow under thresholds.warn, red under
    /// thresholds.danger); NO_COLOR turns it off.
    #[arg(long, value_enum, default_value_t)]
    pub colour: StatusColour,
}

/// Output syntax of `export` and `unset`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, clap::ValueEnum)]
pub enum ShellFormat {
    /// POSIX shells (bash, zsh, dash).
    #[default]
    Sh,
    /// fish.
    Fish,
    /// PowerShell.
    Powershell,
    /// The credential_process JSON document (Version 1).
    Json,
}

/// Options of `mfatui export`.
#[derive(Debug, Args)]
pub struct ExportArgs {
    /// The profile (its own temporary credentials, or those renewals wrote for it).
    pub profile: String,
    /// Output syntax.
    #[arg(long, value_enum, default_value_t)]
    pub format: ShellFormat,
}

/// Options of `mfatui unset`.
#[derive(Debug, Args)]
pub struct UnsetArgs {
    /// Output syntax.
    #[arg(long, value_enum, default_value_t)]
    pub format: ShellFormat,
}

/// Which shared file.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum FileChoice {
    /// The config file.
    Config,
    /// The credentials file.
    Credentials,
}

/// Options of `mfatui set`.
#[derive(Debug, Args)]
pub struct SetArgs {
    /// The profile.
    pub profile: String,
    /// The key, e.g. region or mfa_serial.
    pub key: String,
    /// The new value (not for aws_secret_access_key or aws_session_token: every local user
    /// can read a command line; use --value-stdin).
    #[arg(required_unless_present = "value_stdin")]
    pub value: Option<String>,
    /// Read the value from standard input (one line), or ask for it unseen on the terminal.
    #[arg(long, conflicts_with = "value")]
    pub value_stdin: bool,
    /// Which file [default: credentials for access keys and tokens, config otherwise]
    #[arg(long, value_enum)]
    pub file: Option<FileChoice>,
    /// Show the masked diff and write nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// Write without asking for confirmation.
    #[arg(long, short = 'y')]
    pub yes: bool,
}

/// Options of `mfatui backups`.
#[derive(Debug, Args)]
pub struct BackupsArgs {
    /// Only this file's backups.
    #[arg(value_enum)]
    pub file: Option<FileChoice>,
}

/// Options of `mfatui restore`.
#[derive(Debug, Args)]
pub struct RestoreArgs {
    /// The backup file (as listed by `mfatui backups`).
    pub backup: PathBuf,
    /// Show the masked diff and write nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// Restore without asking for confirmation.
    #[arg(long, short = 'y')]
    pub yes: bool,
}

/// Options of `mfatui list`.
#[derive(Debug, Args, PartialEq, Eq)]
pub struct ListArgs {
    /// Print a JSON array (stable fields, documented in docs/reading.md) instead of a table.
    #[arg(long)]
    pub json: bool,
}

impl Cli {
    /// The command line as [`Parser::parse`] reads it, with one sentence where a habit from
    /// other tools meets mfatui's syntax: `--profile NAME` (the AWS CLI's, aws-vault's,
    /// granted's), where mfatui takes the profile as the word after the command and clap's
    /// own tip names an unrelated option.
    pub fn parse_explained() -> Cli {
        use clap::error::{ContextKind, ContextValue, ErrorKind};
        match Cli::try_parse() {
            Ok(cli) => cli,
            Err(e) => {
                let profile_option = e.kind() == ErrorKind::UnknownArgument
                    && matches!(
                        e.get(ContextKind::InvalidArg),
                        Some(ContextValue::String(arg))
                            if arg == "--profile" || arg.starts_with("--profile=")
                    );
                if profile_option {
                    eprintln!("{PROFILE_IS_A_WORD}");
                    std::process::exit(2);
                }
                e.exit()
            }
        }
    }
}

/// What [`Cli::parse_explained`] says to `--profile NAME`.
pub const PROFILE_IS_A_WORD: &str = "mfatui: the profile is the word after the command, not an option: `mfatui exec dev -- aws s3 ls`, `mfatui renew dev`, `mfatui console dev` (see `mfatui COMMAND --help`)";

/// The man page: clap_mangen's sections for `mfatui` itself, then every command with its usage,
/// what it does and its options on the same page (clap_mangen's own subcommand section points
/// at one page per command, `mfatui-renew(1)` …, which nothing installs).
pub fn man_page(out: &mut dyn std::io::Write) -> std::io::Result<()> {
    let mut cmd = Cli::command();
    cmd.build();
    let man = clap_mangen::Man::new(cmd.clone());
    man.render_title(out)?;
    man.render_name_section(out)?;
    man.render_synopsis_section(out)?;
    man.render_description_section(out)?;
    man.render_options_section(out)?;
    let mut roff = Roff::new();
    roff.control("SH", ["COMMANDS"]);
    for sub in cmd
        .get_subcommands_mut()
        .filter(|s| !s.is_hide_set() && s.get_name() != "help")
    {
        roff.control("SS", [format!("mfatui {}", sub.get_name()).as_str()]);
        let usage = sub.render_usage().to_string();
        roff.text([bold(usage.trim().trim_start_matches("Usage:").trim())]);
        roff.control("PP", []);
        if let Some(about) = sub.get_long_about().or_else(|| sub.get_about()) {
            roff.text([roman(about.to_string())]);
        }
        for arg in sub
            .get_arguments()
            .filter(|a| !a.is_hide_set() && !a.is_global_set())
            .filter(|a| !matches!(a.get_id().as_str(), "help" | "version"))
        {
            roff.control("TP", []);
            roff.text(arg_names(arg));
            let mut help = arg
                .get_long_help()
                .or_else(|| arg.get_help())
                .map(|h| h.to_string())
                .unwrap_or_default();
            let values: Vec<String> = arg
                .get_possible_values()
                .iter()
                .filter(|v| !v.is_hide_set())
                .map(|v| v.get_name().to_owned())
                .collect();
            if arg.get_action().takes_values() && !values.is_empty() {
                help.push_str(&format!(" [possible values: {}]", values.join(", ")));
            }
            roff.text([roman(help)]);
        }
    }
    roff.to_writer(out)?;
    man.render_version_section(out)
}

/// `\fB-y\fR, \fB--yes\fR`, `\fB--code\fR \fI<CODE>\fR`, `\fI<PROFILE>\fR`.
fn arg_names(arg: &clap::Arg) -> Vec<clap_mangen::roff::Inline> {
    let value = arg
        .get_value_names()
        .map(|names| {
            names
                .iter()
                .map(|n| format!("<{n}>"))
                .collect::<Vec<_>>()
                .join(" ")
        })
        .unwrap_or_else(|| format!("<{}>", arg.get_id().as_str().to_uppercase()));
    if arg.is_positional() {
        return vec![italic(value)];
    }
    let mut out = Vec::new();
    if let Some(short) = arg.get_short() {
        out.push(bold(format!("-{short}")));
        if arg.get_long().is_some() {
            out.push(roman(", "));
        }
    }
    if let Some(long) = arg.get_long() {
        out.push(bold(format!("--{long}")));
    }
    if arg.get_action().takes_values() {
        out.push(roman(" "));
        out.push(italic(value));
    }
    out
}
