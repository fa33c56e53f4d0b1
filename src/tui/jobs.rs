//! Background jobs: the slow work (AWS calls, writes, reading the files) that runs as a tokio
//! task while the interface stays live. A job never touches the interface's state: it reports
//! what it found as an [`Output`] that comes back through the event loop to whoever started
//! it (the dialog with that job id, or the app), and a late answer to a dialog that has been
//! closed is simply dropped.

use super::job_error::JobError;
use super::load::load;
pub use super::msg::JobId;
use super::msg::Msg;
pub use super::output::Output;
use crate::aws::api::BoxFuture;
use crate::aws::AwsApi;
use crate::context::Context;
use crate::renew::service::{KeyringAccess, Renewer};
use std::any::Any;
use std::sync::Arc;
use tokio::sync::mpsc::UnboundedSender;

/// What a job may use while it runs.
#[derive(Clone)]
pub struct JobEnv {
    /// The run's context.
    pub ctx: Arc<Context>,
    /// STS and IAM.
    pub api: Arc<dyn AwsApi>,
    /// The OS keyring.
    pub keyring: Arc<dyn KeyringAccess>,
    id: JobId,
    tx: UnboundedSender<Msg>,
}

impl JobEnv {
    /// An environment for job `id` reporting to `tx`.
    pub fn new(
        ctx: Arc<Context>,
        api: Arc<dyn AwsApi>,
        keyring: Arc<dyn KeyringAccess>,
        id: JobId,
        tx: UnboundedSender<Msg>,
    ) -> JobEnv {
        JobEnv {
            ctx,
            api,
            keyring,
            id,
            tx,
        }
    }

    /// Reports something on the way (a progress step, a prompt to show); the job goes on.
    pub fn report(&self, output: Output) {
        let _ = self.tx.send(Msg::Job {
            id: self.id,
            output,
        });
    }

    /// The renewal service over this environment.
    pub fn renewer(&self) -> Renewer<'_> {
        Renewer {
            ctx: &self.ctx,
            api: self.api.as_ref(),
            keyring: self.keyring.as_ref(),
        }
    }
}

/// Work to run in the background.
pub trait Job: std::fmt::Debug + Send + 'static {
    /// Runs the job; its final output is reported like any other.
    fn run(self: Box<Self>, env: JobEnv) -> BoxFuture<'static, Output>;

    /// The job itself, for tests that check what was started.
    fn as_any(&self) -> &dyn Any;
}

/// Starts `job` as a tokio task; its final output arrives as `Msg::Job`.
pub fn spawn(job: Box<dyn Job>, env: JobEnv) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let (id, tx) = (env.id, env.tx.clone());
        let output = job.run(env).await;
        let _ = tx.send(Msg::Job { id, output });
    })
}

/// Reads the files again in the background (off the UI loop: they may be large or slow).
#[derive(Debug)]
pub struct LoadJob;

impl Job for LoadJob {
    fn run(self: Box<Self>, env: JobEnv) -> BoxFuture<'static, Output> {
        Box::pin(async move {
            let ctx = env.ctx.clone();
            let loaded = match tokio::task::spawn_blocking(move || load(&ctx)).await {
                Ok(loaded) => loaded.map_err(JobError::from),
                Err(e) => Err(JobError::Stopped(e)),
            };
            Output::Reloaded(loaded)
        })
    }

    fn as_any(&self) -> &dyn Any {
        self
    }
}
