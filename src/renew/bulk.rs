//! Many profiles, one MFA code: one `GetSessionToken` for the source all the chosen roles
//! share, then every role assumed with that session, at most 8 at a time. Each profile gets
//! its own result; all successes become one planned change.

use super::code::MfaCode;
pub use super::error::BulkError;
use super::execute;
use super::plan::{plan, Keys, Mode, RenewOptions, Renewal, Source};
use super::service::{load_expecting, KeyringAccess};
use crate::aws::{AwsApi, AwsErrorKind, Credentials};
use crate::awsfiles::{AwsFiles, EditError, Plan, ProfileKind, Snapshot};
use chrono::{DateTime, Utc};
use futures_util::StreamExt;

/// How many AssumeRole calls run at once.
pub const CONCURRENCY: usize = 8;

/// What a bulk renewal will do.
#[derive(Clone, Debug)]
pub struct BulkPlan {
    /// The one MFA session to get first, if any role needs a code.
    pub session: Option<Renewal>,
    /// The renewals to run (roles re-pointed at the session where they needed a code).
    pub renewals: Vec<Renewal>,
    /// Profiles left out, with the reason.
    pub skipped: Vec<(String, BulkError)>,
}

impl BulkPlan {
    /// Whether a code is needed (for the session, or for a lone session-mode renewal).
    pub fn needs_code(&self) -> bool {
        self.session.is_some() || self.renewals.iter().any(Renewal::needs_code)
    }
}

/// One profile's outcome.
#[derive(Clone, Debug)]
pub struct Outcome {
    /// The profile.
    pub profile: String,
    /// The target written, or the one-sentence reason it failed.
    pub result: Result<String, BulkError>,
}

/// `1 profile`, `2 profiles`.
pub fn profiles_count(n: usize) -> String {
    if n == 1 {
        "1 profile".to_owned()
    } else {
        format!("{n} profiles")
    }
}

/// Role profiles whose credentials are missing, expired or expire within `warn_secs` (the
/// countdown's warning threshold), wherever their layout keeps the role session.
pub fn expiring_roles(snapshot: &Snapshot, warn_secs: i64, now: DateTime<Utc>) -> Vec<String> {
    snapshot
        .profiles()
        .iter()
        .filter(|p| {
            p.kind == ProfileKind::Role && p.problems.is_empty() && p.credential_source.is_none()
        })
        .filter(|p| {
            let section = snapshot
                .layout_of(&p.name)
                .role
                .as_ref()
                .and_then(|r| r.section.as_deref());
            let at = section
                .and_then(|t| snapshot.profile(t))
                .and_then(|t| t.expiry.at())
                .or(p.expiry.at());
            at.is_none_or(|t| (t - now).num_seconds() < warn_secs)
        })
        .map(|p| p.name.to_string())
        .collect()
}

/// Plans renewing `names` with at most one code.
pub fn plan_bulk(
    snapshot: &Snapshot,
    names: &[String],
    options: &dyn Fn(&str) -> RenewOptions,
) -> BulkPlan {
    let mut out = BulkPlan {
        session: None,
        renewals: Vec::new(),
        skipped: Vec::new(),
    };
    let mut base: Option<String> = None;
    for name in names {
        let renewal = match plan(snapshot, name, &options(name)) {
            Ok(r) => r,
            Err(e) => {
                out.skipped.push((name.clone(), e.into()));
                continue;
            }
        };
        let wants_code = renewal.needs_code();
        let this_base = renewal.source.profile.clone();
        if !wants_code
            || (renewal.mode == Mode::Role
                && base.get_or_insert_with(|| this_base.clone()) == &this_base)
        {
            out.renewals.push(renewal);
        } else if renewal.mode == Mode::Session
            && base.get_or_insert_with(|| this_base.clone()) == &this_base
        {
            out.session = Some(renewal);
        } else {
            let others_from = base.clone().unwrap_or_default();
            out.skipped.push((
                name.clone(),
                BulkError::OwnCode {
                    keys_from: this_base,
                    others_from,
                },
            ));
        }
    }
    let Some(base) = base else { return out };
    if out.session.is_none() {
        let mut opts = options(&base);
        opts.mode = Some(Mode::Session);
        opts.duration = None;
        match plan(snapshot, &base, &opts) {
            Ok(session) => out.session = Some(session),
            Err(e) => {
                let stuck: Vec<Renewal> = out.renewals.extract_if(.., |r| r.needs_code()).collect();
                for r in stuck {
                    out.skipped.push((
                        r.profile,
                        BulkError::NoSession {
                            base: base.clone(),
                            why: e.clone(),
                        },
                    ));
                }
            }
        }
    }
    out
}

/// Runs the plan: the session first (with `code`), then every renewal, 8 at a time, telling
/// `progress` about each profile as soon as its outcome is known. Returns every outcome and
/// the one planned change holding all successes.
pub async fn run(
    api: &dyn AwsApi,
    keyring: &dyn KeyringAccess,
    files: &AwsFiles,
    bulk: &BulkPlan,
    code: Option<&MfaCode>,
    progress: &(dyn Fn(&Outcome) + Sync),
) -> (Vec<Outcome>, Result<Plan, EditError>) {
    let mut outcomes = Vec::new();
    let mut report = |profile: &str, result: Result<String, BulkError>| {
        let outcome = Outcome {
            profile: profile.to_owned(),
            result,
        };
        progress(&outcome);
        outcomes.push(outcome);
    };
    for (profile, why) in &bulk.skipped {
        report(profile, Err(why.clone()));
    }
    let mut done: Vec<(Renewal, Credentials)> = Vec::new();
    let mut session_creds = None;
    if let Some(session) = &bulk.session {
        let session = &with_keys(keyring, session);
        match execute::run(api, session, code).await {
            Ok(creds) => {
                report(&session.profile, Ok(session.target.clone()));
                session_creds = Some(creds.clone());
                done.push((session.clone(), creds));
            }
            Err(e) => report(&session.profile, Err(e.into())),
        }
    }
    let mut ready = Vec::new();
    for r in &bulk.renewals {
        match (&session_creds, &bulk.session, r.needs_code()) {
            (_, _, false) => ready.push(r.clone()),
            (Some(creds), Some(session), true) => {
                ready.push(through_session(r, &session.target, creds))
            }
            _ => report(&r.profile, Err(BulkError::SessionFailed)),
        }
    }
    let ready: Vec<Renewal> = ready.iter().map(|r| with_keys(keyring, r)).collect();
    let mut calls = futures_util::stream::iter(ready)
        .map(|r| async move {
            let result = execute::run(api, &r, None).await;
            (r, result)
        })
        .buffer_unordered(CONCURRENCY);
    while let Some((renewal, result)) = calls.next().await {
        match result {
            Ok(creds) => {
                report(&renewal.profile, Ok(renewal.target.clone()));
                done.push((renewal, creds));
            }
            Err(e)
                if matches!(
                    e.kind,
                    AwsErrorKind::RoleNotAssumable | AwsErrorKind::AccessDenied
                ) =>
            {
                report(&renewal.profile, Err(BulkError::MfaOnAssume(e)))
            }
            Err(e) => report(&renewal.profile, Err(e.into())),
        }
    }
    outcomes.sort_by(|a, b| a.profile.cmp(&b.profile));
    let mut plan = Plan::default();
    for (renewal, creds) in &done {
        if let Err(e) = execute::add_to_plan(&mut plan, files, renewal, creds) {
            return (outcomes, Err(e));
        }
    }
    (outcomes, Ok(plan))
}

/// `r` with keys kept in the keyring read (left as they are when that fails: the call then
/// reports it for this profile alone).
fn with_keys(keyring: &dyn KeyringAccess, r: &Renewal) -> Renewal {
    let mut r = r.clone();
    if let Keys::Keyring {
        profile,
        access_key_id,
    } = &r.source.keys
    {
        if let Ok(creds) = load_expecting(keyring, profile, access_key_id) {
            r.source.keys = Keys::Here(creds);
        }
    }
    r
}

/// The role renewal started from the fresh MFA session instead of the long-term keys.
fn through_session(r: &Renewal, session_profile: &str, creds: &Credentials) -> Renewal {
    let mut r = r.clone();
    r.source = Source {
        profile: session_profile.to_owned(),
        keys: Keys::Here(creds.clone()),
        mfa_session: true,
    };
    if let Some(first) = r.hops.first_mut() {
        first.serial = None;
    }
    r
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::awsfiles::Naming;
    use chrono::TimeZone;

    const CONFIG: &str = "[profile a]\nrole_arn = arn:aws:iam::1:role/A\nsource_profile = dev1\nmfa_serial = arn:aws:iam::1:mfa/ana\n\n\
        [profile b]\nrole_arn = arn:aws:iam::1:role/B\nsource_profile = dev1\nmfa_serial = arn:aws:iam::1:mfa/ana\n\n\
        [profile other]\nrole_arn = arn:aws:iam::2:role/O\nsource_profile = dev2\nmfa_serial = arn:aws:iam::2:mfa/bo\n\n\
        [profile dev1]\nmfa_serial = arn:aws:iam::1:mfa/ana\n\n[profile dev2]\nmfa_serial = arn:aws:iam::2:mfa/bo\n";
    const CREDS: &str = "[dev1]\naws_access_key_id = AKIA1\naws_secret_access_key = s1\n\n[dev2]\naws_access_key_id = AKIA2\naws_secret_access_key = s2\n";

    #[test]
    fn one_session_for_the_shared_source_and_other_sources_are_explained() {
        let snapshot = crate::renew::plan::tests::snapshot(CONFIG, CREDS, &Naming::default());
        let now = Utc.with_ymd_and_hms(2026, 11, 22, 12, 0, 0).unwrap();
        let names: Vec<String> = ["a", "b", "other", "ghost"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        let bulk = plan_bulk(&snapshot, &names, &|_| RenewOptions::new(now));
        let session = bulk.session.as_ref().expect("one MFA session");
        assert_eq!(
            (session.source.profile.as_str(), session.target.as_str()),
            ("dev1", "dev1-mfa")
        );
        assert_eq!(
            bulk.renewals
                .iter()
                .map(|r| r.profile.as_str())
                .collect::<Vec<_>>(),
            ["a", "b"]
        );
        let skipped: Vec<&str> = bulk.skipped.iter().map(|(p, _)| p.as_str()).collect();
        assert_eq!(skipped, ["other", "ghost"]);
        assert!(bulk.skipped[0].1.to_string().contains(
            "needs its own MFA code (its keys come from 'dev2', the others' from 'dev1')"
        ));
        assert!(bulk.needs_code());
        let creds = Credentials {
            access_key_id: "ASIA".into(),
            secret_access_key: crate::secret::Secret::new("s"),
            session_token: None,
            expiration: None,
        };
        let through = through_session(&bulk.renewals[0], "dev1-mfa", &creds);
        assert!(
            !through.needs_code() && through.source.mfa_session,
            "the session stands in for the code"
        );
    }
}
