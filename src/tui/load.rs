//! Reading the shared files for the TUI, and noticing when they change on disk.

use crate::awsfiles::{backup, AwsFiles, AwsPaths, ConfigMap, Profile};
use crate::settings::Settings;
use chrono::{DateTime, Utc};
use std::path::Path;
use std::time::SystemTime;

/// Everything the TUI shows, read from disk in one go.
#[derive(Clone, Debug)]
pub struct Loaded {
    /// The two files as loaded (the writer compares against them).
    pub files: AwsFiles,
    /// The merged configuration (its own copy: it outlives the files' text).
    pub map: ConfigMap<'static>,
    /// Every profile, botocore's order.
    pub profiles: Vec<Profile>,
    /// The newest backup mfatui made of the credentials file, if any.
    pub last_write: Option<DateTime<Utc>>,
    /// The files' stamps when read.
    pub stamp: Stamp,
}

/// Modification time and size of both files: cheap to read every second.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Stamp(Vec<Option<(SystemTime, u64)>>);

impl Stamp {
    /// The current stamp of the files named by `paths`.
    pub fn of(paths: &AwsPaths) -> Stamp {
        let one = |p: &Path| {
            std::fs::metadata(p)
                .ok()
                .map(|m| (m.modified().unwrap_or(SystemTime::UNIX_EPOCH), m.len()))
        };
        Stamp(vec![one(&paths.config), one(&paths.credentials)])
    }
}

/// Reads both files; the error is one sentence naming file and line.
pub fn load(paths: &AwsPaths, settings: &Settings) -> Result<Loaded, String> {
    let started = std::time::Instant::now();
    let stamp = Stamp::of(paths);
    let files = AwsFiles::load(paths).map_err(|e| e.to_string())?;
    let map = files.config_map().map_err(|e| e.to_string())?;
    let profiles = settings.profiles(&map, paths);
    let map = map.into_owned();
    let backups = backup::backup_dir(&paths.credentials, settings.backups_dir.as_deref());
    let last_write = backup::list(&paths.credentials, &backups)
        .ok()
        .and_then(|b| b.last().map(|b| b.time));
    crate::diag!(
        "loaded {} profiles from {} and {} in {} ms",
        profiles.len(),
        paths.config.display(),
        paths.credentials.display(),
        started.elapsed().as_millis()
    );
    Ok(Loaded {
        files,
        map,
        profiles,
        last_write,
        stamp,
    })
}
