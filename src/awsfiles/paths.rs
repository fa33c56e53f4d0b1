//! Where the shared files live: `AWS_CONFIG_FILE`, `AWS_SHARED_CREDENTIALS_FILE`, `~/.aws/…`.

use std::path::PathBuf;

/// The locations mfatui reads, resolved the way botocore resolves them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AwsPaths {
    /// The config file (`AWS_CONFIG_FILE`, default `~/.aws/config`).
    pub config: PathBuf,
    /// The credentials file (`AWS_SHARED_CREDENTIALS_FILE`, default `~/.aws/credentials`).
    pub credentials: PathBuf,
    /// The AWS CLI's assume-role cache (`~/.aws/cli/cache`; the CLI always puts it under home).
    pub cli_cache: PathBuf,
    /// aws-mfa-secure's session cache (`~/.aws/aws-mfa-secure-sessions`).
    pub mfa_secure_sessions: PathBuf,
    /// The AWS CLI's SSO token cache (`~/.aws/sso/cache`).
    pub sso_cache: PathBuf,
    /// The `aws login` cache (`AWS_LOGIN_CACHE_DIRECTORY`, default `~/.aws/login/cache`).
    pub login_cache: PathBuf,
    /// mfatui's own cache (`$XDG_CACHE_HOME/mfatui`, default `~/.cache/mfatui`): access-key
    /// creation dates, no secret.
    pub mfatui_cache: PathBuf,
    /// The profile selected by `AWS_DEFAULT_PROFILE` or `AWS_PROFILE` (botocore checks them in
    /// that order), if any.
    pub selected_profile: Option<String>,
}

impl AwsPaths {
    /// aws-mfa-secure's session cache, when these are the files it serves: its sessions are
    /// named by profile alone, so another file set's profile of the same name (another
    /// account, another user) is never served one (attack round 14, R14b-9). Only with the
    /// default `~/.aws/config` and `~/.aws/credentials`.
    pub fn mfa_secure(&self) -> Option<&std::path::Path> {
        let aws = self.mfa_secure_sessions.parent()?;
        (aws.join("config") == self.config && aws.join("credentials") == self.credentials)
            .then_some(self.mfa_secure_sessions.as_path())
    }

    /// Resolves the paths from any environment lookup (for tests).
    pub fn from_lookup(env: impl Fn(&str) -> Option<String>) -> AwsPaths {
        let home = env("HOME").unwrap_or_default();
        let resolve = |var: &str, default: &str| {
            let raw = env(var)
                .filter(|v| !v.is_empty())
                .unwrap_or_else(|| default.to_owned());
            PathBuf::from(expand_user(&expand_vars(&raw, &env), &home))
        };
        // Inside `mfatui exec --server`, CMD may see copies of the files; mfatui itself reads and
        // writes the real ones (while the variables still point at the copies).
        let overlay = env("MFATUI_OVERLAY").filter(|v| !v.is_empty());
        let real = |var: &str, real_var: &str, default: &str| {
            let path = resolve(var, default);
            match (&overlay, env(real_var).filter(|v| !v.is_empty())) {
                (Some(dir), Some(real)) if path.starts_with(dir) => PathBuf::from(real),
                _ => path,
            }
        };
        AwsPaths {
            config: real(
                "AWS_CONFIG_FILE",
                "MFATUI_REAL_CONFIG_FILE",
                "~/.aws/config",
            ),
            credentials: real(
                "AWS_SHARED_CREDENTIALS_FILE",
                "MFATUI_REAL_SHARED_CREDENTIALS_FILE",
                "~/.aws/credentials",
            ),
            cli_cache: PathBuf::from(expand_user("~/.aws/cli/cache", &home)),
            mfa_secure_sessions: PathBuf::from(expand_user(
                "~/.aws/aws-mfa-secure-sessions",
                &home,
            )),
            sso_cache: PathBuf::from(expand_user("~/.aws/sso/cache", &home)),
            login_cache: resolve("AWS_LOGIN_CACHE_DIRECTORY", "~/.aws/login/cache"),
            mfatui_cache: env("XDG_CACHE_HOME")
                .filter(|v| !v.is_empty())
                .map_or_else(
                    || PathBuf::from(expand_user("~/.cache", &home)),
                    PathBuf::from,
                )
                .join("mfatui"),
            selected_profile: env("AWS_DEFAULT_PROFILE")
                .or_else(|| env("AWS_PROFILE"))
                .filter(|p| !p.is_empty()),
        }
    }
}

/// `os.path.expanduser` for the current user: a leading `~` or `~/` becomes `home`.
fn expand_user(path: &str, home: &str) -> String {
    if path == "~" {
        home.to_owned()
    } else if let Some(rest) = path.strip_prefix("~/") {
        format!("{}/{rest}", home.trim_end_matches('/'))
    } else {
        path.to_owned()
    }
}

/// `os.path.expandvars`: `$NAME` and `${NAME}` are replaced when set, left as written otherwise.
fn expand_vars(path: &str, env: &impl Fn(&str) -> Option<String>) -> String {
    let mut out = String::with_capacity(path.len());
    let mut rest = path;
    while let Some(at) = rest.find('$') {
        out.push_str(&rest[..at]);
        let after = &rest[at + 1..];
        let (name, consumed) = if let Some(braced) = after.strip_prefix('{') {
            match braced.find('}') {
                Some(end) => (&braced[..end], end + 2),
                None => ("", 0),
            }
        } else {
            let end = after
                .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
                .unwrap_or(after.len());
            (&after[..end], end)
        };
        match env(name).filter(|_| !name.is_empty()) {
            Some(value) => out.push_str(&value),
            None => out.push_str(&rest[at..at + 1 + consumed]),
        }
        rest = &after[consumed..];
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn paths(vars: &[(&str, &str)]) -> AwsPaths {
        let env: HashMap<String, String> = vars
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        AwsPaths::from_lookup(|k| env.get(k).cloned())
    }

    #[test]
    fn defaults_to_files_under_home() {
        let p = paths(&[("HOME", "/home/ana")]);
        assert_eq!(p.config, PathBuf::from("/home/ana/.aws/config"));
        assert_eq!(p.credentials, PathBuf::from("/home/ana/.aws/credentials"));
        assert_eq!(p.cli_cache, PathBuf::from("/home/ana/.aws/cli/cache"));
        assert_eq!(p.login_cache, PathBuf::from("/home/ana/.aws/login/cache"));
        assert_eq!(p.selected_profile, None);
    }

    #[test]
    fn honours_env_overrides_with_tilde_and_variables() {
        let p = paths(&[
            ("HOME", "/h"),
            ("WORK", "/srv"),
            ("AWS_CONFIG_FILE", "~/alt/config"),
            ("AWS_SHARED_CREDENTIALS_FILE", "${WORK}/creds-$MISSING"),
            ("AWS_PROFILE", "dev"),
            ("AWS_LOGIN_CACHE_DIRECTORY", "$WORK/login"),
        ]);
        assert_eq!(p.config, PathBuf::from("/h/alt/config"));
        assert_eq!(p.login_cache, PathBuf::from("/srv/login"));
        assert_eq!(p.credentials, PathBuf::from("/srv/creds-$MISSING"));
        assert_eq!(p.selected_profile.as_deref(), Some("dev"));
    }

    #[test]
    fn inside_exec_server_mfatui_reads_the_real_files() {
        let p = paths(&[
            ("HOME", "/h"),
            ("MFATUI_OVERLAY", "/run/mfatui/exec-7"),
            ("AWS_CONFIG_FILE", "/run/mfatui/exec-7/config"),
            ("MFATUI_REAL_CONFIG_FILE", "/h/.aws/config"),
            ("AWS_SHARED_CREDENTIALS_FILE", "/elsewhere/credentials"),
            ("MFATUI_REAL_SHARED_CREDENTIALS_FILE", "/h/.aws/credentials"),
        ]);
        assert_eq!(p.config, PathBuf::from("/h/.aws/config"));
        assert_eq!(
            p.credentials,
            PathBuf::from("/elsewhere/credentials"),
            "a path set by hand inside CMD is honoured"
        );
    }

    #[test]
    fn aws_default_profile_wins_over_aws_profile_like_botocore() {
        let p = paths(&[("AWS_DEFAULT_PROFILE", "a"), ("AWS_PROFILE", "b")]);
        assert_eq!(p.selected_profile.as_deref(), Some("a"));
    }
}
