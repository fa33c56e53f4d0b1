//! Saving a profile's entry in the settings file (`s`, `f`) in the background, and reading the
//! settings back so the interface uses what is now on disk.

use super::job_error::JobError;
use super::jobs::{Job, JobEnv, Output};
use crate::aws::api::BoxFuture;
use crate::settings::ProfileChange;
use std::path::PathBuf;

/// Saves one change.
#[derive(Debug)]
pub struct SaveSettings {
    /// The settings file.
    pub path: PathBuf,
    /// The profile.
    pub profile: String,
    /// The change.
    pub change: ProfileChange,
}

impl Job for SaveSettings {
    fn run(self: Box<Self>, _env: JobEnv) -> BoxFuture<'static, Output> {
        Box::pin(async move {
            let result = tokio::task::spawn_blocking(move || {
                crate::settings::save_profile(&self.path, &self.profile, &self.change)?;
                let (settings, warning) = crate::settings::load(&self.path);
                warning.map_or(Ok(settings), |w| Err(JobError::SettingsReadBack(w)))
            })
            .await
            .unwrap_or_else(|e| Err(JobError::Stopped(e)));
            Output::SettingsSaved(result)
        })
    }

    fn as_any(&self) -> &dyn std::any::Any {
        self
    }
}
