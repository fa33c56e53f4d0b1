//! Running a planned renewal against an [`AwsApi`] and turning its result into file edits.

use super::code::MfaCode;
use super::plan::{Mode, Renewal};
use crate::aws::{AssumeRoleCall, AwsApi, AwsError, Credentials, SessionTokenCall};
use crate::awsfiles::cli_cache::CacheEntry;
use crate::awsfiles::{AwsFiles, Edit, EditError, Plan};
use crate::secret::Secret;
use chrono::{DateTime, Utc};

/// Makes the calls of `renewal`; `code` is used on the one call that needs it.
pub async fn run(
    api: &dyn AwsApi,
    renewal: &Renewal,
    code: Option<&MfaCode>,
) -> Result<Credentials, AwsError> {
    let started = std::time::Instant::now();
    let result = run_calls(api, renewal, code).await;
    crate::diag!(
        "renew {} ({} mode, source {}, {} hop(s), region {}, sts endpoint {}): {} in {} ms",
        renewal.profile,
        renewal.mode.label(),
        renewal.source.profile,
        renewal.hops.len(),
        // Its first line: a pasted secret may follow it (attack round 14, D-3).
        crate::text::first_line(&renewal.site.region),
        renewal.site.sts_endpoint.as_deref().unwrap_or("default"),
        match &result {
            Ok(_) => "ok".to_owned(),
            Err(e) => format!("{:?}: {e}", e.kind),
        },
        started.elapsed().as_millis()
    );
    result
}

async fn run_calls(
    api: &dyn AwsApi,
    renewal: &Renewal,
    code: Option<&MfaCode>,
) -> Result<Credentials, AwsError> {
    let site = &renewal.site;
    let code = code.map(|c| c.as_str().to_owned());
    let source = renewal.source.credentials().ok_or_else(|| {
        AwsError::other(
            "the renewal",
            "the long-term keys are in the OS keyring and were not read",
        )
    })?;
    match renewal.mode {
        Mode::Session => {
            let call = SessionTokenCall {
                duration_secs: renewal.duration_secs as i32,
                serial: renewal.session_serial.clone(),
                code: renewal.session_serial.as_ref().and(code),
            };
            api.get_session_token(site, source, call).await
        }
        Mode::Role => {
            let mut creds = source.clone();
            for hop in &renewal.hops {
                let call = AssumeRoleCall {
                    role_arn: hop.role_arn.clone(),
                    session_name: hop.session_name.clone(),
                    external_id: hop.external_id.clone(),
                    serial: hop.serial.clone(),
                    code: hop.serial.as_ref().and(code.clone()),
                    duration_secs: hop.duration_secs as i32,
                };
                creds = api.assume_role(site, &creds, call).await?;
            }
            Ok(creds)
        }
    }
}

/// Placeholder credentials for a dry run: no call is made, the diff shows which lines change.
pub fn placeholder(renewal: &Renewal, now: DateTime<Utc>) -> Credentials {
    Credentials {
        access_key_id: "ASIA-NEW-KEY-FROM-STS".to_owned(),
        secret_access_key: Secret::new("new-secret-from-sts"),
        session_token: Some(Secret::new("new-session-token-from-sts")),
        expiration: Some(now + chrono::Duration::seconds(i64::from(renewal.duration_secs))),
    }
}

/// The credentials-file edits that store `creds` in the renewal's target.
pub fn plan_write(
    files: &AwsFiles,
    renewal: &Renewal,
    creds: &Credentials,
) -> Result<Plan, EditError> {
    let mut plan = Plan::default();
    add_to_plan(&mut plan, files, renewal, creds)?;
    Ok(plan)
}

/// Adds the edits that store `creds` in the renewal's target to `plan` (so several renewals
/// become one change, one diff, one backup), and for a role the AWS CLI cache entry.
pub fn add_to_plan(
    plan: &mut Plan,
    files: &AwsFiles,
    renewal: &Renewal,
    creds: &Credentials,
) -> Result<(), EditError> {
    if let (Some(key), Some(token), Some(expiration)) = (
        &renewal.cli_cache_key,
        &creds.session_token,
        creds.expiration,
    ) {
        plan.cli_cache.push(CacheEntry {
            path: files.paths.cli_cache.join(format!("{key}.json")),
            profile: renewal.profile.clone(),
            access_key_id: creds.access_key_id.clone(),
            secret_access_key: creds.secret_access_key.clone(),
            session_token: token.clone(),
            expiration,
        });
    }
    if !renewal.write_target {
        return Ok(());
    }
    let section = renewal.target.clone();
    let set = |key: &str, value: &str| Edit::Set {
        section: section.clone(),
        key: key.to_owned(),
        value: value.to_owned(),
    };
    let token = creds
        .session_token
        .as_ref()
        .map(Secret::expose)
        .unwrap_or_default();
    let mut edits = vec![
        set("aws_access_key_id", &creds.access_key_id),
        set("aws_secret_access_key", creds.secret_access_key.expose()),
        set("aws_session_token", token),
    ];
    let existing = files.credentials.document.structure()?;
    if existing.value(&section, "aws_security_token").is_some() {
        edits.push(set("aws_security_token", token));
    }
    if let Some(at) = creds.expiration {
        for (key, form) in &renewal.expiry_keys {
            edits.push(set(key, &form.format(at)));
        }
        if let Some(form) = renewal.started_key {
            let started = at - chrono::Duration::seconds(i64::from(renewal.duration_secs));
            edits.push(set("__started__", &form.format(started)));
        }
    }
    for (key, value) in &renewal.copy_settings {
        edits.push(set(key, value));
    }
    plan.edit(&files.credentials, edits)
}
