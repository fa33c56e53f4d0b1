//! Flow tests of `App::update`: keys in, effects out (the jobs started, the answers given),
//! job outputs fed back, with an injected clock and a sandboxed context.

use super::*;
use crate::aws::Credentials;
use crate::awsfiles::{AwsPaths, FileKind, Plan};
use crate::context::{Clock, Env};
use crate::renew::bulk::Outcome;
use crate::renew::MfaCode;
use crate::secret::Secret;
use crate::settings::Settings;
use crate::tui::jobs::LoadJob;
use crate::tui::keep_fresh::KeepFreshJob;
use crate::tui::key_age::{KeyAge, KeyAgeJob};
use crate::tui::load::load;
use crate::tui::output::{BulkDone, KeptFresh, KeyAgeFound, WriteFailure};
use crate::tui::requests::CodeRequest;
use crate::tui::screens::bulk::{BulkForm, BulkJob, BulkRunning};
use crate::tui::screens::bulk_result::BulkResult;
use crate::tui::screens::defaults::Defaults;
use crate::tui::screens::error::ErrorDialog;
use crate::tui::screens::help::Help;
use crate::tui::screens::preview::{Preview, WriteJob};
use crate::tui::screens::renew::{Field, RenewForm};
use crate::tui::screens::rotate::{RotateForm, RotateJob};
use crate::tui::screens::running::{CodeSource, RenewJob};
use crate::tui::screens::sso_login::{SsoJob, SsoLogin};
use crate::tui::screens::table::Column;
use crate::tui::settings_job::SaveSettings;
use chrono::TimeZone;
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

const CONFIG: &str = "[profile dev]\nregion = eu-west-1\nmfa_serial = arn:aws:iam::123456789012:mfa/ana\n\n\
    [profile admin]\nrole_arn = arn:aws:iam::123456789012:role/Admin\nsource_profile = dev\nmfa_serial = arn:aws:iam::123456789012:mfa/ana\nregion = eu-west-1\n\n\
    [profile sso]\nsso_session = corp\nsso_account_id = 333333333333\nsso_role_name = Read\n";
const CREDS: &str = "[dev]\naws_access_key_id = AKIADEVDEVDEV000WXYZ\naws_secret_access_key = long-term-secret-value\n";

fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 22, 12, 0, 0).unwrap()
}

struct Fixture {
    _dir: tempfile::TempDir,
    app: App,
}

/// A context over the files in `dir`, with nothing of the real environment.
fn context(dir: &std::path::Path, selected: Option<&str>) -> Context {
    let home = dir.display().to_string();
    let env = Env::from_pairs(&[("HOME", &home)]);
    let paths = AwsPaths {
        config: dir.join("config"),
        credentials: dir.join("credentials"),
        selected_profile: selected.map(str::to_owned),
        ..AwsPaths::from_lookup(env.lookup())
    };
    let mut ctx = Context::new(env, paths, Settings::default(), dir.join("mfatui.toml"));
    ctx.requests = None;
    ctx.clock = Clock::Fixed(now());
    ctx
}

fn app_over(dir: &std::path::Path, selected: Option<&str>) -> App {
    let ctx = context(dir, selected);
    let data = load(&ctx).unwrap();
    App::new(
        Arc::new(ctx),
        data,
        FixedOffset::east_opt(0).unwrap(),
        now(),
        (120, 40),
    )
}

fn fixture_with(creds: &str, selected: Option<&str>) -> Fixture {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("config"), CONFIG).unwrap();
    std::fs::write(dir.path().join("credentials"), creds).unwrap();
    let app = app_over(dir.path(), selected);
    Fixture { _dir: dir, app }
}

fn fixture() -> Fixture {
    fixture_with(CREDS, None)
}

fn key(code: KeyCode) -> Msg {
    Msg::Key(KeyEvent::new(code, KeyModifiers::NONE))
}

fn press(app: &mut App, keys: &str) -> Vec<Effect> {
    keys.chars()
        .flat_map(|c| app.update(key(KeyCode::Char(c))))
        .collect()
}

fn names(app: &App) -> Vec<&str> {
    app.table
        .rows
        .iter()
        .map(|&i| app.data.profiles()[i].name.as_str())
        .collect()
}

fn selected(app: &App) -> String {
    app.table.selected(&app.data).unwrap().name.to_string()
}

/// The jobs of type `T` among `effects`.
fn spawned<T: 'static>(effects: &[Effect]) -> Vec<(JobId, &T)> {
    effects
        .iter()
        .filter_map(|e| match e {
            Effect::Spawn(id, job) => job.as_any().downcast_ref::<T>().map(|j| (*id, j)),
            _ => None,
        })
        .collect()
}

/// The one job of type `T` among `effects`.
fn the<T: 'static>(effects: &[Effect]) -> (JobId, &T) {
    let found = spawned::<T>(effects);
    assert_eq!(found.len(), 1, "{effects:?}");
    found[0]
}

/// The dialog on top, as a `T`.
fn dialog<T: 'static>(app: &App) -> &T {
    app.dialog()
        .and_then(|d| d.as_any().downcast_ref::<T>())
        .unwrap_or_else(|| panic!("not the expected dialog: {:?}", app.dialog()))
}

fn reply(app: &mut App, id: JobId, output: Output) -> Vec<Effect> {
    app.update(Msg::Job { id, output })
}

fn answers(effects: &[Effect]) -> Vec<(u64, bool)> {
    effects
        .iter()
        .filter_map(|e| match e {
            Effect::Answer { id, answer } => Some((*id, answer.ok)),
            _ => None,
        })
        .collect()
}

fn new_creds() -> Credentials {
    Credentials {
        access_key_id: "ASIANEWNEWNEWNEW1234".into(),
        secret_access_key: Secret::new("brand-new-secret-key-value"),
        session_token: Some(Secret::new("brand-new-session-token-value")),
        expiration: Some(now() + chrono::Duration::hours(1)),
    }
}

#[test]
fn moves_filters_and_sorts() {
    let mut f = fixture();
    let app = &mut f.app;
    assert_eq!(names(app), ["admin", "dev", "sso"]);
    press(app, "j");
    assert_eq!(selected(app), "dev");
    app.update(key(KeyCode::End));
    assert_eq!(selected(app), "sso");
    press(app, "g/ss");
    assert!(app.table.filtering);
    assert_eq!(names(app), ["sso"]);
    app.update(key(KeyCode::Esc));
    assert!(!app.table.filtering && app.table.filter.is_empty());
    assert_eq!(names(app).len(), 3);
    press(app, "/333");
    app.update(key(KeyCode::Enter));
    assert_eq!(names(app), ["sso"], "filter matches accounts too");
    app.update(key(KeyCode::Esc));
    press(app, "o");
    assert_eq!(app.table.sort.by, Column::Expires);
    press(app, "O");
    assert!(app.table.sort.reversed);
    assert_eq!(
        names(app),
        ["sso", "dev", "admin"],
        "no expiry, then by name, reversed"
    );
}

#[test]
fn aws_profile_is_preselected() {
    let f = fixture_with(CREDS, Some("dev"));
    assert_eq!(selected(&f.app), "dev");
}

#[test]
fn renew_flow_goes_from_code_to_preview_to_write() {
    let mut f = fixture();
    let app = &mut f.app;
    assert!(app.update(key(KeyCode::Enter)).is_empty());
    assert_eq!(dialog::<RenewForm>(app).profile, "admin");
    press(app, "12345");
    assert!(app.update(key(KeyCode::Enter)).is_empty());
    assert_eq!(
        dialog::<RenewForm>(app).error.as_deref(),
        Some("the MFA code must be exactly 6 digits, not 5")
    );

    press(app, "6");
    let effects = app.update(key(KeyCode::Enter));
    let (job, renew) = the::<RenewJob>(&effects);
    assert_eq!(renew.renewal.target, "admin-mfa");
    assert_eq!(
        renew.code,
        CodeSource::Typed(MfaCode::parse("123456").unwrap())
    );
    assert!(app.busy());

    reply(app, job, Output::Renewed(Ok(new_creds())));
    let diff = dialog::<Preview>(app).diff.join("\n");
    assert!(
        diff.contains("+[admin-mfa]") && diff.contains("+aws_access_key_id = ****1234"),
        "{diff}"
    );
    for secret in [
        "brand-new-secret-key-value",
        "brand-new-session-token-value",
        "long-term-secret-value",
    ] {
        assert!(!diff.contains(secret));
    }

    let effects = press(app, "y");
    let (job, write) = the::<WriteJob>(&effects);
    assert_eq!(write.plan.changes[0].kind, FileKind::Credentials);
    let written = crate::awsfiles::Written {
        path: app.ctx.paths.credentials.clone(),
        backup: Some(
            app.ctx
                .paths
                .credentials
                .with_file_name(".mfatui-backups/credentials.2026-11-22T12-00-00Z.bak"),
        ),
        merged: false,
        cache: false,
        exposed: None,
    };
    let effects = reply(app, job, Output::WriteDone(Ok(vec![written])));
    the::<LoadJob>(&effects);
    assert!(app.dialog().is_none());
    let toast = app.toast.clone().unwrap();
    assert_eq!(
        toast.text,
        "✓ admin renewed: admin-mfa valid until 13:00:00 (for 1h). Backup in ~/.mfatui-backups/",
        "no 'until in', and the backup's folder (short, with ~) rather than its long name"
    );
    app.update(Msg::Tick(now() + chrono::Duration::seconds(9)));
    assert!(app.toast.is_none(), "toasts go away by themselves");
}

#[test]
fn cancelling_drops_the_late_answer_and_failures_write_nothing() {
    let mut f = fixture();
    let app = &mut f.app;
    app.update(key(KeyCode::Enter));
    press(app, "123456");
    let effects = app.update(key(KeyCode::Enter));
    let (job, _) = the::<RenewJob>(&effects);
    let effects = app.update(key(KeyCode::Esc));
    assert!(matches!(effects.as_slice(), [Effect::Cancel(j)] if *j == job));
    assert!(app.toast.as_ref().unwrap().text.contains("cancelled"));
    assert!(reply(app, job, Output::Renewed(Ok(new_creds()))).is_empty());
    assert!(
        app.dialog().is_none(),
        "a cancelled job's answer is ignored"
    );

    app.update(key(KeyCode::Enter));
    press(app, "123456");
    let effects = app.update(key(KeyCode::Enter));
    let (job, _) = the::<RenewJob>(&effects);
    reply(
        app,
        job,
        Output::Renewed(Err(crate::tui::job_error::JobError::Renew(
            crate::aws::AwsError {
                kind: crate::aws::AwsErrorKind::WrongCode,
                message: "The MFA code was rejected (wrong, expired or already used)".into(),
            }
            .into(),
        ))),
    );
    let message = &dialog::<ErrorDialog>(app).message;
    assert!(
        message.ends_with("already used). Nothing was written."),
        "one full stop between the sentences: {message}"
    );
    app.update(key(KeyCode::Enter));
    assert!(app.dialog().is_none());
}

#[test]
fn a_fresh_mfa_session_needs_no_code_and_sso_needs_its_session_section() {
    let creds = format!("{CREDS}\n[dev-mfa]\naws_access_key_id = ASIASESSION000000001\naws_secret_access_key = s\naws_session_token = t\nexpiration = 2026-11-22T18:00:00Z\n");
    let mut f = fixture_with(&creds, None);
    let app = &mut f.app;
    app.update(key(KeyCode::Enter));
    let effects = app.update(key(KeyCode::Enter));
    let (_, renew) = the::<RenewJob>(&effects);
    assert_eq!(renew.code, CodeSource::NotNeeded);
    assert_eq!(renew.renewal.source.profile, "dev-mfa");

    let dev = app.data.snapshot.profile("dev").unwrap();
    let (expiry, via_session) = app.data.snapshot.shown_expiry(dev);
    assert!(
        via_session && expiry.at().is_some(),
        "dev shows its session's countdown"
    );

    app.update(key(KeyCode::Esc));
    app.update(key(KeyCode::End));
    app.update(key(KeyCode::Enter));
    let message = &dialog::<ErrorDialog>(app).message;
    assert!(
        message.contains("no [sso-session corp]"),
        "signing in needs the session's start URL: {message}"
    );
}

#[test]
fn a_file_changed_on_disk_brings_the_diff_back_for_review() {
    let mut f = fixture();
    let app = &mut f.app;
    app.update(key(KeyCode::Enter));
    press(app, "123456");
    let effects = app.update(key(KeyCode::Enter));
    let (job, _) = the::<RenewJob>(&effects);
    reply(app, job, Output::Renewed(Ok(new_creds())));
    let effects = press(app, "y");
    let (job, write) = the::<WriteJob>(&effects);
    let replanned = write.plan.clone();
    reply(
        app,
        job,
        Output::WriteDone(Err(WriteFailure::Changed(replanned))),
    );
    let preview = dialog::<Preview>(app);
    assert!(preview.note.as_deref().unwrap().contains("changed on disk"));
    assert!(preview.writing.is_none(), "y is needed again");
}

#[test]
fn quitting_and_help() {
    let mut f = fixture();
    press(&mut f.app, "?");
    dialog::<Help>(&f.app);
    press(&mut f.app, "x");
    assert!(f.app.dialog().is_none());
    let ctrl_c = Msg::Key(KeyEvent::new(KeyCode::Char('c'), KeyModifiers::CONTROL));
    assert!(matches!(f.app.update(ctrl_c).as_slice(), [Effect::Quit]));
    assert!(f.app.quitting());
}

#[test]
fn s_saves_a_profiles_defaults_to_the_settings_file() {
    let mut f = fixture();
    let app = &mut f.app;
    press(app, "s");
    let form = &dialog::<Defaults>(app).0;
    assert_eq!((form.profile.as_str(), form.field), ("admin", Field::Mode));
    app.update(key(KeyCode::Tab));
    app.update(key(KeyCode::Right));
    let effects = app.update(key(KeyCode::Enter));
    let (job, save) = the::<SaveSettings>(&effects);
    assert_eq!(
        (save.profile.as_str(), &save.change),
        (
            "admin",
            &ProfileChange::Defaults {
                mode: crate::renew::Mode::Role,
                duration: 7200
            }
        )
    );
    assert!(app.dialog().is_none());
    let mut saved = Settings::default();
    saved.profiles.insert(
        "admin".into(),
        crate::settings::ProfileOverride {
            duration: Some(7200),
            ..Default::default()
        },
    );
    reply(app, job, Output::SettingsSaved(Ok(saved)));
    assert_eq!(
        app.toast.as_ref().unwrap().text,
        "Saved to the settings file."
    );
    let opts = crate::renew::plan::RenewOptions::of(&app.ctx, "admin", now());
    let plan = crate::renew::plan::plan(&app.data.snapshot, "admin", &opts).unwrap();
    assert_eq!(plan.duration_secs, 7200, "the new default applies at once");
}

#[test]
fn marked_profiles_renew_together_with_one_code_and_failures_stay_visible() {
    let mut f = fixture();
    let app = &mut f.app;
    press(app, " ");
    assert!(app.table.marked.contains("admin"));
    assert_eq!(selected(app), "dev", "space moves on");
    press(app, "a");
    assert_eq!(
        app.table.marked.iter().collect::<Vec<_>>(),
        ["admin"],
        "a adds expiring roles only"
    );
    app.update(key(KeyCode::Enter));
    assert_eq!(
        dialog::<BulkForm>(app)
            .plan
            .session
            .as_ref()
            .unwrap()
            .target,
        "dev-mfa",
        "one MFA session for the shared source"
    );
    assert!(
        app.update(key(KeyCode::Enter)).is_empty(),
        "a code is required"
    );
    press(app, "123456");
    let effects = app.update(key(KeyCode::Enter));
    let (job, bulk) = the::<BulkJob>(&effects);
    assert_eq!(
        bulk.code,
        CodeSource::Typed(MfaCode::parse("123456").unwrap())
    );
    assert_eq!(bulk.bulk.renewals.len(), 1);
    let outcome = Outcome {
        profile: "admin".into(),
        result: Ok("admin-mfa".into()),
    };
    reply(app, job, Output::BulkProgress(outcome.clone()));
    let lines = &dialog::<BulkRunning>(app).lines;
    assert!(
        lines.iter().any(|(p, o)| p == "admin" && o.is_some()),
        "{lines:?}"
    );
    let mut plan = Plan::default();
    let edit = crate::awsfiles::Edit::Set {
        section: "admin-mfa".into(),
        key: "aws_access_key_id".into(),
        value: "ASIAX".into(),
    };
    plan.edit(&app.data.snapshot.files().credentials, vec![edit])
        .unwrap();
    let failed = Outcome {
        profile: "dev".into(),
        result: Err(crate::renew::bulk::BulkError::Aws(crate::aws::AwsError {
            kind: crate::aws::AwsErrorKind::WrongCode,
            message: "The MFA code was rejected".into(),
        })),
    };
    reply(
        app,
        job,
        Output::BulkDone(BulkDone {
            outcomes: vec![outcome, failed],
            plan: Ok(plan),
        }),
    );
    assert_eq!(
        dialog::<Preview>(app).outcomes,
        ["✓ admin → [admin-mfa]", "✗ dev: The MFA code was rejected."],
        "the failure stays on screen until the preview is dismissed"
    );
    assert_eq!(
        dialog::<Preview>(app).profile,
        "1 profile",
        "one profile, not '1 profiles'"
    );

    // Writing the renewed ones does not make the failure pass by in a toast: the result stays
    // up, through ticks and stray keys, until the user closes it.
    app.table.marked.insert("dev".into());
    let effects = press(app, "y");
    let (job, _) = the::<WriteJob>(&effects);
    let dir = app.ctx.paths.credentials.parent().unwrap().to_owned();
    let written = crate::awsfiles::Written {
        path: app.ctx.paths.credentials.clone(),
        backup: Some(dir.join(".mfatui-backups/credentials.2026-11-22T12-00-00Z.bak")),
        merged: false,
        cache: false,
        exposed: None,
    };
    let effects = reply(app, job, Output::WriteDone(Ok(vec![written])));
    the::<LoadJob>(&effects);
    assert_eq!(
        app.table.marked.iter().collect::<Vec<_>>(),
        ["dev"],
        "the renewed profile loses its mark, the failed one keeps it for another try"
    );
    let result = dialog::<BulkResult>(app).clone();
    assert_eq!(result.title, "Renewed 1 profile; 1 failed");
    assert_eq!(
        result.outcomes,
        ["✓ admin → [admin-mfa]", "✗ dev: The MFA code was rejected."]
    );
    assert_eq!(
        result.written,
        "The renewed ones were written. Backup in ~/.mfatui-backups/"
    );
    app.update(Msg::Tick(now() + chrono::Duration::seconds(60)));
    press(app, "jx ");
    assert_eq!(dialog::<BulkResult>(app), &result, "still on screen");
    app.update(key(KeyCode::Esc));
    assert!(app.dialog().is_none());
}

#[test]
fn a_bulk_renewal_without_failures_ends_on_a_short_toast() {
    let mut f = fixture();
    let app = &mut f.app;
    let mut plan = Plan::default();
    let edit = crate::awsfiles::Edit::Set {
        section: "admin-mfa".into(),
        key: "aws_access_key_id".into(),
        value: "ASIAX".into(),
    };
    plan.edit(&app.data.snapshot.files().credentials, vec![edit])
        .unwrap();
    app.dialog = Some(Box::new(Preview::new(
        "2 profiles",
        "2 profiles",
        None,
        plan,
        vec!["✓ admin → [admin-mfa]".into(), "✓ ops → [ops-mfa]".into()],
    )));
    let effects = press(app, "y");
    let (job, _) = the::<WriteJob>(&effects);
    reply(app, job, Output::WriteDone(Ok(Vec::new())));
    assert!(app.dialog().is_none());
    assert_eq!(app.toast.as_ref().unwrap().text, "✓ Renewed 2 profiles.");
}

#[test]
fn enter_with_no_code_asks_for_the_code_instead_of_counting_zero_digits() {
    let mut f = fixture();
    let app = &mut f.app;
    app.update(key(KeyCode::Enter));
    assert!(app.update(key(KeyCode::Enter)).is_empty());
    assert_eq!(
        dialog::<RenewForm>(app).error.as_deref(),
        Some("type the 6-digit MFA code from your device")
    );
}

#[test]
fn ctrl_t_hides_the_code_while_typing() {
    let mut f = fixture();
    let app = &mut f.app;
    app.update(key(KeyCode::Enter));
    press(app, "12");
    app.update(Msg::Key(KeyEvent::new(
        KeyCode::Char('t'),
        KeyModifiers::CONTROL,
    )));
    let form = dialog::<RenewForm>(app);
    assert!(form.masked);
    assert_eq!(form.code, "12", "the shortcut types nothing");
}

fn request(id: u64, profile: &str) -> Msg {
    Msg::CodeRequest(CodeRequest {
        id,
        profile: profile.into(),
        pid: 4242,
        program: "aws sts get-caller-identity".into(),
    })
}

#[test]
fn a_request_from_another_program_opens_the_dialog_and_is_answered_once_written() {
    let mut f = fixture();
    let app = &mut f.app;
    press(app, "/ss");
    assert!(answers(&app.update(request(7, "dev"))).is_empty());
    assert!(
        app.table.filter.is_empty(),
        "the filter gives way to the request"
    );
    let form = dialog::<RenewForm>(app);
    assert_eq!(
        (form.profile.as_str(), form.asked_by.as_deref()),
        ("dev", Some("pid 4242: aws sts get-caller-identity"))
    );

    press(app, "123456");
    let effects = app.update(key(KeyCode::Enter));
    let (job, _) = the::<RenewJob>(&effects);
    reply(app, job, Output::Renewed(Ok(new_creds())));
    let effects = press(app, "y");
    let (job, _) = the::<WriteJob>(&effects);
    let effects = reply(app, job, Output::WriteDone(Ok(Vec::new())));
    assert_eq!(answers(&effects), [(7, true)]);
    assert!(app.requests.active.is_none());
}

#[test]
fn requests_queue_and_a_closed_dialog_declines() {
    let mut f = fixture();
    let app = &mut f.app;
    app.update(request(1, "dev"));
    app.update(request(2, "admin"));
    assert_eq!(app.requests.queue.len(), 1, "the second waits");
    let effects = app.update(key(KeyCode::Esc));
    assert_eq!(answers(&effects), [(1, false)]);
    assert_eq!(
        dialog::<RenewForm>(app).profile,
        "admin",
        "the next request opens"
    );

    app.update(request(3, "dev"));
    app.update(Msg::RequestGone(3));
    assert!(
        app.requests.queue.is_empty(),
        "a caller that has gone leaves the queue"
    );
    app.update(Msg::RequestGone(2));
    assert!(app.requests.active.is_none());
    assert!(app.toast.as_ref().unwrap().text.contains("has gone"));
    let effects = app.update(key(KeyCode::Esc));
    assert!(answers(&effects).is_empty(), "nobody to answer");

    let effects = app.update(request(4, "ghost"));
    assert_eq!(
        answers(&effects),
        [(4, false)],
        "an unknown profile is declined at once"
    );
    let effects = app.update(request(5, "sso"));
    assert_eq!(
        answers(&effects),
        [(5, false)],
        "so is one mfatui cannot renew"
    );
    assert!(app.dialog().is_none());
}

#[test]
fn many_requests_for_one_profile_open_one_dialog_and_ctrl_d_declines_them_all() {
    let mut f = fixture();
    let app = &mut f.app;
    for id in 1..=40 {
        app.update(request(id, "dev"));
    }
    app.update(request(41, "admin"));
    assert_eq!(dialog::<RenewForm>(app).profile, "dev");
    assert_eq!(app.requests.queue.len(), 1, "only admin's waits its turn");
    let effects = app.update(Msg::Key(KeyEvent::new(
        KeyCode::Char('d'),
        KeyModifiers::CONTROL,
    )));
    let mut declined = answers(&effects);
    declined.sort();
    assert_eq!(declined, (1..=41).map(|id| (id, false)).collect::<Vec<_>>());
    assert!(app.dialog().is_none(), "no dialog reopens");
    assert!(app.requests.queue.is_empty() && app.requests.active.is_none());

    // Without a request, Ctrl-D in the dialog is not a way out of it.
    app.update(key(KeyCode::Enter));
    assert_eq!(dialog::<RenewForm>(app).profile, "dev");
    let effects = app.update(Msg::Key(KeyEvent::new(
        KeyCode::Char('d'),
        KeyModifiers::CONTROL,
    )));
    assert!(answers(&effects).is_empty());
    assert!(app.dialog().is_some());
}

#[test]
fn kept_fresh_profiles_renew_without_a_code_and_warn_when_one_is_needed() {
    // dev-mfa: an MFA session with 10 minutes left; admin-mfa: a role session with 5.
    let creds = format!(
        "{CREDS}\n[dev-mfa]\naws_access_key_id = ASIADEVMFA\naws_secret_access_key = s\naws_session_token = t\nexpiration = 2026-11-22T12:10:00Z\n\n\
         [admin-mfa]\naws_access_key_id = ASIAADMIN\naws_secret_access_key = s\naws_session_token = t\nexpiration = 2026-11-22T12:05:00Z\n"
    );
    let mut f = fixture_with(&creds, None);
    let app = &mut f.app;
    assert!(
        app.update(Msg::Tick(now())).is_empty(),
        "nothing is kept fresh yet"
    );

    let effects = press(app, "f");
    let (job, save) = the::<SaveSettings>(&effects);
    assert_eq!(
        (save.profile.as_str(), &save.change),
        ("admin", &ProfileChange::KeepFresh(true))
    );
    let mut settings = Settings::default();
    for name in ["admin", "dev"] {
        settings.profiles.insert(
            name.into(),
            crate::settings::ProfileOverride {
                keep_fresh: true,
                ..Default::default()
            },
        );
    }
    reply(app, job, Output::SettingsSaved(Ok(settings)));

    let effects = app.update(Msg::Tick(now()));
    let (job, kept) = the::<KeepFreshJob>(&effects);
    assert_eq!(
        kept.profile, "admin",
        "assumed with dev's fresh MFA session"
    );
    assert_eq!(
        app.fresh.warnings.get("dev").map(String::as_str),
        Some("expires soon and needs an MFA code: renew it by hand (⏎)"),
        "dev itself needs a code: its row warns"
    );
    assert!(
        spawned::<KeepFreshJob>(&app.update(Msg::Tick(now() + chrono::Duration::seconds(1))))
            .is_empty(),
        "one renewal at a time"
    );
    let effects = reply(
        app,
        job,
        Output::KeptFresh(KeptFresh {
            profile: "admin".into(),
            result: Ok("[admin-mfa] renewed.".into()),
        }),
    );
    the::<LoadJob>(&effects);
    assert!(app
        .toast
        .as_ref()
        .unwrap()
        .text
        .starts_with("⟳ Kept admin fresh"));
    assert!(
        spawned::<KeepFreshJob>(&app.update(Msg::Tick(now() + chrono::Duration::seconds(2))))
            .is_empty(),
        "not again before the reload shows the new expiry"
    );
}

#[test]
fn k_rotates_the_selected_profiles_key_with_a_code_when_needed() {
    let mut f = fixture();
    let app = &mut f.app;
    press(app, "K");
    assert_eq!(
        dialog::<ErrorDialog>(app).message,
        "'admin' holds no long-term access key to rotate."
    );
    app.update(key(KeyCode::Esc));

    press(app, "jK");
    let form = dialog::<RotateForm>(app);
    assert_eq!(
        (
            form.profile.as_str(),
            form.old_key.as_str(),
            form.needs_code
        ),
        ("dev", "****WXYZ", true)
    );
    assert!(app.update(key(KeyCode::Enter)).is_empty(), "no code yet");
    press(app, "123456");
    app.update(key(KeyCode::Tab));
    let effects = app.update(key(KeyCode::Enter));
    let (job, rotate) = the::<RotateJob>(&effects);
    assert_eq!(
        (
            rotate.profile.as_str(),
            rotate.keep_old,
            rotate.code.is_some()
        ),
        ("dev", true, true)
    );
    assert!(app.busy());
    let effects = reply(
        app,
        job,
        Output::Rotated(Ok("✓ Rotated the key of dev".into())),
    );
    the::<LoadJob>(&effects);
    assert!(app.dialog().is_none());
}

#[test]
fn k_with_an_mfa_session_of_ten_minutes_needs_no_code_by_the_rotations_own_rule() {
    // Between the old 5- and 15-minute rules: the dialog and the rotation now agree.
    let creds = format!(
        "{CREDS}\n[dev-mfa]\naws_access_key_id = ASIADEVMFA\naws_secret_access_key = s\naws_session_token = t\nexpiration = 2026-11-22T12:10:00Z\n"
    );
    let mut f = fixture_with(&creds, None);
    let app = &mut f.app;
    press(app, "jK");
    assert!(!dialog::<RotateForm>(app).needs_code);
    let effects = app.update(key(KeyCode::Enter));
    let (_, rotate) = the::<RotateJob>(&effects);
    assert!(rotate.code.is_none());
}

#[test]
fn the_selected_keys_age_is_asked_for_once_and_marked_when_old() {
    let mut f = fixture();
    let app = &mut f.app;
    let effects = press(app, "j");
    let (job, ask) = the::<KeyAgeJob>(&effects);
    assert_eq!(ask.key_id, "AKIADEVDEVDEV000WXYZ");
    let key_id = ask.key_id.clone();
    assert!(
        spawned::<KeyAgeJob>(&press(app, "kj")).is_empty(),
        "asked once per key"
    );
    let shared_age = |app: &App| {
        let dev = app.data.snapshot.profile("dev").unwrap();
        app.key_ages.of(&app.shared(), dev)
    };
    assert_eq!(shared_age(app), Some((KeyAge::Fetching, false)));
    let created = now() - chrono::Duration::days(120);
    reply(
        app,
        job,
        Output::KeyAge(KeyAgeFound {
            key_id: key_id.clone(),
            result: Ok(created),
        }),
    );
    assert_eq!(shared_age(app), Some((KeyAge::Known(created), true)));
}

#[test]
fn enter_on_an_sso_profile_signs_in_and_esc_cancels() {
    let mut f = fixture();
    let app = &mut f.app;
    press(app, "G");
    app.update(key(KeyCode::Enter));
    let message = &dialog::<ErrorDialog>(app).message;
    assert!(message.contains("[sso-session corp]"), "{message}");
    app.update(key(KeyCode::Esc));

    let dir = tempfile::tempdir().unwrap();
    let config = format!(
        "{CONFIG}\n[sso-session corp]\nsso_start_url = https://corp.awsapps.com/start\nsso_region = eu-west-1\n"
    );
    std::fs::write(dir.path().join("config"), config).unwrap();
    std::fs::write(dir.path().join("credentials"), CREDS).unwrap();
    let mut app = app_over(dir.path(), None);
    press(&mut app, "G");
    let effects = app.update(key(KeyCode::Enter));
    let (job, sso) = the::<SsoJob>(&effects);
    assert_eq!(
        (sso.target.start_url.as_str(), sso.target.session.as_deref()),
        ("https://corp.awsapps.com/start", Some("corp"))
    );
    reply(
        &mut app,
        job,
        Output::SsoPrompt(crate::aws::sso::Prompt {
            url: "https://device/?user_code=ABCD".into(),
            user_code: Some("ABCD".into()),
        }),
    );
    assert_eq!(
        dialog::<SsoLogin>(&app)
            .prompt
            .as_ref()
            .unwrap()
            .user_code
            .as_deref(),
        Some("ABCD")
    );
    let effects = app.update(key(KeyCode::Esc));
    assert!(matches!(effects.as_slice(), [Effect::Cancel(j)] if *j == job));
    assert!(
        reply(&mut app, job, Output::SsoSignedIn(Ok("late".into()))).is_empty(),
        "a cancelled login's answer is dropped"
    );
    assert!(app.dialog().is_none());
}

#[test]
fn c_signs_in_to_the_console_and_says_when_the_session_ends() {
    use crate::tui::screens::console::{ConsoleDialog, ConsoleJob, Stage};
    let mut f = fixture();
    let app = &mut f.app;
    press(app, "c");
    let form = dialog::<ConsoleDialog>(app);
    assert_eq!(form.profile, "admin");
    assert!(
        form.needs_code,
        "the role has no session yet and its renewal needs a code"
    );
    assert!(app.update(key(KeyCode::Enter)).is_empty(), "no code yet");
    press(app, "123456");
    let effects = app.update(key(KeyCode::Enter));
    let (job, console) = the::<ConsoleJob>(&effects);
    assert_eq!(console.profile, "admin");
    assert!(console.code.is_some());
    assert!(app.busy());
    let lines = vec!["The console session ends at 2026-11-22 13:00 UTC (in 1h).".to_owned()];
    reply(app, job, Output::ConsoleSignedIn(Ok(lines.clone())));
    assert_eq!(dialog::<ConsoleDialog>(app).stage, Stage::Done(lines));
    press(app, "x");
    assert!(app.dialog().is_none());

    press(app, "jc");
    let form = dialog::<ConsoleDialog>(app);
    assert!(
        !form.needs_code,
        "an IAM user signs in with a federation token, no code"
    );
    assert!(form.how.contains("no MFA context"));
}

#[test]
fn v_shows_the_masked_diff_then_moves_the_key_into_the_keyring() {
    use crate::tui::screens::keyring::{KeyringForm, StoreJob};
    let mut f = fixture();
    let app = &mut f.app;
    press(app, "V");
    assert_eq!(
        dialog::<ErrorDialog>(app).title,
        "Cannot move the key to the OS keyring"
    );
    app.update(key(KeyCode::Esc));

    press(app, "jV");
    let form = dialog::<KeyringForm>(app);
    assert_eq!(
        (form.profile.as_str(), form.key.as_str()),
        ("dev", "****WXYZ")
    );
    let diff = form.diff.join("\n");
    assert!(diff.contains("+mfatui_keyring = ****WXYZ"), "{diff}");
    assert!(diff.contains("credential_process = "), "{diff}");
    assert!(
        !diff.contains("long-term-secret-value") && !diff.contains("AKIADEVDEVDEV000WXYZ"),
        "{diff}"
    );
    let effects = app.update(key(KeyCode::Enter));
    let (job, store) = the::<StoreJob>(&effects);
    assert_eq!(store.profile, "dev");
    assert!(app.busy());
    assert!(
        app.update(key(KeyCode::Esc)).is_empty(),
        "a move under way is not cancelled"
    );
    let effects = reply(app, job, Output::KeyStored(Ok("✓ moved".into())));
    the::<LoadJob>(&effects);
    assert!(app.dialog().is_none());
}

#[test]
fn p_on_an_sso_profile_populates_its_session_through_the_diff_preview() {
    use crate::tui::screens::populate::{PopulateDialog, PopulateJob};
    use crate::tui::screens::preview::Preview;
    let dir = tempfile::tempdir().unwrap();
    let config = format!(
        "{CONFIG}\n[sso-session corp]\nsso_start_url = https://corp.awsapps.com/start\nsso_region = eu-west-1\n"
    );
    std::fs::write(dir.path().join("config"), &config).unwrap();
    std::fs::write(dir.path().join("credentials"), CREDS).unwrap();
    let mut app = app_over(dir.path(), None);
    // A profile of no sso-session says why not.
    press(&mut app, "P");
    assert!(app.dialog().is_some());
    app.update(key(KeyCode::Esc));
    press(&mut app, "G");
    press(&mut app, "P");
    assert_eq!(dialog::<PopulateDialog>(&app).session, "corp");
    press(&mut app, "p");
    let effects = app.update(key(KeyCode::Enter));
    let (job, populate) = the::<PopulateJob>(&effects);
    assert!(populate.prune);
    assert_eq!(populate.target.start_url, "https://corp.awsapps.com/start");
    // The job's plan opens the same diff preview as every write.
    let file = crate::awsfiles::files::AwsFile::load(
        crate::awsfiles::FileKind::Config,
        &dir.path().join("config"),
    )
    .unwrap();
    let mut after = file.document.clone();
    after
        .add_section(
            "profile Main-Admin",
            &[
                ("sso_session", "corp"),
                ("mfatui_generated_by", "sso-session corp"),
            ],
        )
        .unwrap();
    let plan = crate::awsfiles::Plan {
        changes: vec![crate::awsfiles::plan::FileChange::replace(&file, after)],
        cli_cache: Vec::new(),
    };
    reply(
        &mut app,
        job,
        Output::Populated(Ok((plan, "1 new.".into()))),
    );
    let preview = dialog::<Preview>(&app);
    assert_eq!(preview.note.as_deref(), Some("1 new."));
    assert!(
        preview.diff.iter().any(|l| l == "+[profile Main-Admin]"),
        "{:?}",
        preview.diff
    );
    app.update(key(KeyCode::Char('n')));
    assert!(app.dialog().is_none());
    assert_eq!(
        std::fs::read_to_string(dir.path().join("config")).unwrap(),
        config
    );
}

#[test]
fn a_kept_fresh_sso_profile_is_refreshed_ahead_of_its_tokens_end_and_warns_without_a_refresh_token()
{
    let dir = tempfile::tempdir().unwrap();
    let config = format!(
        "{CONFIG}\n[sso-session corp]\nsso_start_url = https://corp.awsapps.com/start\nsso_region = eu-west-1\n"
    );
    std::fs::write(dir.path().join("config"), config).unwrap();
    std::fs::write(dir.path().join("credentials"), CREDS).unwrap();
    let cache = dir.path().join(".aws/sso/cache");
    std::fs::create_dir_all(&cache).unwrap();
    let stamp = |d: chrono::Duration| (now() + d).format("%Y-%m-%dT%H:%M:%SZ").to_string();
    let token = |refresh: &str| {
        format!(
            r#"{{"accessToken": "t", "expiresAt": "{}", "clientId": "c", "clientSecret": "s", "registrationExpiresAt": "{}"{refresh}}}"#,
            stamp(chrono::Duration::minutes(10)),
            stamp(chrono::Duration::days(80))
        )
    };
    let file = cache.join(crate::awsfiles::sso_cache::file_name("corp"));
    std::fs::write(&file, token(r#", "refreshToken": "r""#)).unwrap();
    let mut app = app_over(dir.path(), None);
    press(&mut app, "G");
    let effects = press(&mut app, "f");
    let (job, _) = the::<SaveSettings>(&effects);
    let mut settings = Settings::default();
    settings.profiles.insert(
        "sso".into(),
        crate::settings::ProfileOverride {
            keep_fresh: true,
            ..Default::default()
        },
    );
    reply(&mut app, job, Output::SettingsSaved(Ok(settings.clone())));
    let effects = app.update(Msg::Tick(now()));
    let (_, kept) = the::<KeepFreshJob>(&effects);
    assert_eq!(kept.profile, "sso");
    // Without a refresh token the row says so instead.
    std::fs::write(&file, token("")).unwrap();
    let mut app = app_over(dir.path(), None);
    press(&mut app, "G");
    let (job, _) = the::<SaveSettings>(&press(&mut app, "f"));
    reply(&mut app, job, Output::SettingsSaved(Ok(settings)));
    assert!(spawned::<KeepFreshJob>(&app.update(Msg::Tick(now()))).is_empty());
    assert!(app.fresh.warnings["sso"].contains("cannot renew itself"));
}

#[test]
fn below_the_minimum_size_only_quitting_acts() {
    let mut f = fixture();
    let app = &mut f.app;
    app.update(Msg::Resize(59, 20));
    // Issue 32: `⏎ 123456 ⏎ y` at 59×20 renewed and wrote, the diff never seen.
    assert!(app.update(key(KeyCode::Enter)).is_empty());
    assert!(press(app, "123456").is_empty());
    assert!(app.update(key(KeyCode::Enter)).is_empty());
    assert!(press(app, "y/aj ").is_empty());
    assert!(app.dialog().is_none(), "nothing opened behind the notice");
    assert!(!app.table.filtering && app.table.marked.is_empty());
    assert_eq!(selected(app), "admin", "the selection did not move");
    app.update(Msg::Paste("123456".into()));
    assert!(app.dialog().is_none());

    // A dialog opened at a usable size: shrunk, its keys do nothing, but q quits through it.
    app.update(Msg::Resize(120, 40));
    app.update(key(KeyCode::Enter));
    assert_eq!(dialog::<RenewForm>(app).profile, "admin");
    app.update(Msg::Resize(80, 14));
    press(app, "123456");
    assert_eq!(dialog::<RenewForm>(app).code, "", "no code typed unseen");
    let effects = press(app, "q");
    assert!(effects.iter().any(|e| matches!(e, Effect::Quit)));
    assert!(app.quitting());
}

#[test]
fn the_filter_edits_like_a_shell_line_and_slash_starts_afresh() {
    let mut f = fixture();
    let app = &mut f.app;
    let ctrl = |c: char| Msg::Key(KeyEvent::new(KeyCode::Char(c), KeyModifiers::CONTROL));
    let alt = |c: char| Msg::Key(KeyEvent::new(KeyCode::Char(c), KeyModifiers::ALT));
    press(app, "/admin");
    assert_eq!(names(app), ["admin"]);
    app.update(ctrl('u'));
    assert_eq!(app.table.filter.as_str(), "", "Ctrl-U is not typed as u");
    assert_eq!(names(app).len(), 3);
    press(app, "eu west");
    app.update(ctrl('w'));
    assert_eq!(app.table.filter.as_str(), "eu ");
    app.update(alt('b'));
    press(app, "x");
    assert_eq!(
        app.table.filter.as_str(),
        "xeu ",
        "Alt-B moved to the word's start"
    );
    app.update(ctrl('e'));
    app.update(ctrl('h'));
    app.update(ctrl('a'));
    app.update(Msg::Key(KeyEvent::new(KeyCode::Delete, KeyModifiers::NONE)));
    assert_eq!(app.table.filter.as_str(), "eu");
    app.update(alt('f'));
    press(app, "-w");
    assert_eq!(app.table.filter.as_str(), "eu-w");
    app.update(key(KeyCode::Enter));
    assert!(!app.table.filtering);
    assert_eq!(names(app), ["admin", "dev"]);
    press(app, "/");
    assert_eq!(app.table.filter.as_str(), "", "/ starts a fresh filter");
    press(app, "sso");
    assert_eq!(names(app), ["sso"]);
}

#[test]
fn r_and_a_confirm_in_short() {
    let mut f = fixture();
    let app = &mut f.app;
    let effects = press(app, "R");
    let (job, _) = the::<LoadJob>(&effects);
    let data = load(&app.ctx).unwrap();
    reply(app, job, Output::Reloaded(Ok(data)));
    assert_eq!(app.toast.as_ref().unwrap().text, "Reloaded: 3 profiles.");
    press(app, "a");
    let toast = &app.toast.as_ref().unwrap().text;
    assert!(toast.starts_with("1 marked"), "{toast}");
    assert_eq!(app.table.marked.len(), 1);
}

#[test]
fn a_mistyped_name_has_a_near_one() {
    use crate::tui::screens::error::nearest;
    let names = ["acme-dev", "acme-prod", "dev"];
    assert_eq!(nearest("acme-dve", names.iter().copied()), Some("acme-dev"));
    assert_eq!(nearest("dve", names.iter().copied()), Some("dev"));
    assert_eq!(nearest("ghost", names.iter().copied()), None);
}

#[test]
fn y_copies_the_name_then_the_export_line_the_account_and_the_role_arn() {
    let mut f = fixture();
    let app = &mut f.app;
    let copies: Vec<String> = (0..5)
        .flat_map(|_| press(app, "y"))
        .filter_map(|e| match e {
            Effect::Copy(text) => Some(text),
            _ => None,
        })
        .collect();
    assert_eq!(
        copies,
        [
            "admin",
            "export AWS_PROFILE=admin",
            "123456789012",
            "arn:aws:iam::123456789012:role/Admin",
            "admin",
        ]
    );
    assert_eq!(app.toast.as_ref().unwrap().text, "Copied: admin");
    // The long-term profile: never its key; a new profile starts with its name.
    press(app, "j");
    let effects = press(app, "yyyy");
    let texts: Vec<&String> = effects
        .iter()
        .filter_map(|e| match e {
            Effect::Copy(text) => Some(text),
            _ => None,
        })
        .collect();
    assert_eq!(texts[0], "dev");
    for text in texts {
        assert!(
            !text.contains("AKIA") && !text.contains("long-term-secret") && !text.contains("http"),
            "{text}"
        );
    }
}

#[test]
fn the_mouse_selects_renews_scrolls_and_sorts() {
    use crossterm::event::{MouseButton, MouseEvent, MouseEventKind};
    let mut f = fixture();
    let app = &mut f.app;
    let start = std::time::Instant::now();
    let at = |ms: u64| start + std::time::Duration::from_millis(ms);
    let mouse = |kind, column, row| MouseEvent {
        kind,
        column,
        row,
        modifiers: KeyModifiers::NONE,
    };
    let click = |column, row| mouse(MouseEventKind::Down(MouseButton::Left), column, row);
    // 120×40: the table's frame starts on line 1, its header on line 2, rows from line 3.
    app.update(Msg::Mouse(click(10, 4), at(0)));
    assert_eq!(selected(app), "dev");
    assert!(app.dialog().is_none(), "one click selects");
    app.update(Msg::Mouse(click(10, 5), at(1000)));
    app.update(Msg::Mouse(click(10, 4), at(2000)));
    assert!(
        app.dialog().is_none(),
        "clicks on other rows, or slow, are no double click"
    );
    app.update(Msg::Mouse(click(10, 4), at(2300)));
    assert_eq!(
        dialog::<RenewForm>(app).profile,
        "dev",
        "a double click renews"
    );
    app.update(key(KeyCode::Esc));
    app.update(Msg::Mouse(
        mouse(MouseEventKind::ScrollDown, 10, 6),
        at(3000),
    ));
    assert_eq!(selected(app), "sso", "the wheel moves");
    app.update(Msg::Mouse(mouse(MouseEventKind::ScrollUp, 10, 6), at(3100)));
    assert_eq!(selected(app), "admin");
    // The header: PROFILE is sorted already, so a click reverses it.
    app.update(Msg::Mouse(click(5, 2), at(4000)));
    assert!(app.table.sort.reversed && app.table.sort.by == Column::Profile);
    assert_eq!(names(app), ["sso", "dev", "admin"]);
    // Under a dialog or below the smallest size the mouse does nothing.
    app.update(Msg::Resize(50, 10));
    app.update(Msg::Mouse(click(10, 4), at(5000)));
    app.update(Msg::Mouse(click(10, 4), at(5100)));
    assert!(app.dialog().is_none());
}

#[test]
fn a_code_request_rings_the_bell_and_titles_the_window_until_it_is_answered() {
    let mut f = fixture();
    let app = &mut f.app;
    let effects = app.update(request(1, "dev"));
    assert!(
        effects.iter().any(|e| matches!(e, Effect::Bell)),
        "{effects:?}"
    );
    let title = effects.iter().find_map(|e| match e {
        Effect::Title(t) => Some(t.clone()),
        _ => None,
    });
    assert!(
        title
            .as_deref()
            .is_some_and(|t| t.contains("a code for dev")),
        "{title:?}"
    );
    let effects = app.update(key(KeyCode::Esc));
    assert!(
        effects
            .iter()
            .any(|e| matches!(e, Effect::Title(t) if t == "mfatui")),
        "{effects:?}"
    );
    assert!(!app
        .update(key(KeyCode::Char('j')))
        .iter()
        .any(|e| matches!(e, Effect::Bell | Effect::Title(_))));
}

#[test]
fn f_on_a_profile_that_always_needs_a_code_says_so() {
    let mut f = fixture();
    let app = &mut f.app;
    press(app, "j");
    assert_eq!(selected(app), "dev");
    press(app, "f");
    let toast = &app.toast.as_ref().unwrap().text;
    assert!(toast.contains("dev always needs an MFA code"), "{toast}");
}

#[test]
fn cancelling_a_bulk_renewal_says_whether_the_code_was_spent() {
    for answered in [false, true] {
        let mut f = fixture();
        let app = &mut f.app;
        press(app, "a");
        app.update(key(KeyCode::Enter));
        press(app, "123456");
        let effects = app.update(key(KeyCode::Enter));
        let (job, _) = the::<BulkJob>(&effects);
        if answered {
            reply(
                app,
                job,
                Output::BulkProgress(Outcome {
                    profile: "admin".into(),
                    result: Ok("admin-mfa".into()),
                }),
            );
        }
        app.update(key(KeyCode::Esc));
        let toast = &app.toast.as_ref().unwrap().text;
        if answered {
            assert!(toast.contains("The MFA code was used"), "{toast}");
        } else {
            assert!(toast.contains("may or may not have reached STS"), "{toast}");
        }
    }
}

#[test]
fn grouped_enter_on_a_group_line_renews_that_group_and_the_mouse_picks_any_line() {
    use crossterm::event::{MouseButton, MouseEvent, MouseEventKind};
    let dir = tempfile::tempdir().unwrap();
    let config = format!(
        "{CONFIG}\n[sso-session corp]\nsso_start_url = https://corp.awsapps.com/start\nsso_region = eu-west-1\n\n\
         [profile web]\nlogin_session = arn:aws:iam::444444444444:user/ana\nregion = eu-west-1\n"
    );
    std::fs::write(dir.path().join("config"), config).unwrap();
    std::fs::write(dir.path().join("credentials"), CREDS).unwrap();
    let mut app = app_over(dir.path(), None);
    let app = &mut app;
    press(app, "t");
    let labels: Vec<&str> = app.table.groups.iter().map(|(l, _)| l.as_str()).collect();
    assert_eq!(labels, ["SSO session corp", "keys of dev", "no source"]);
    // Lines: 0 ▾ SSO, 1 sso, 2 ▾ keys of dev, 3 admin, 4 dev, 5 ▾ no source, 6 web.
    assert_eq!((selected(app), app.table.line()), ("admin".to_owned(), 3));
    press(app, "k");
    assert_eq!(app.table.selected_group(), Some(1));
    assert!(
        app.table.selected(&app.data).is_none(),
        "a group's line is no profile"
    );
    // ⏎ on it: the bulk dialog of that group only, one code (dev's session, admin through it).
    app.update(key(KeyCode::Enter));
    let form = dialog::<BulkForm>(app);
    let mut planned: Vec<&str> = form
        .plan
        .session
        .iter()
        .chain(&form.plan.renewals)
        .map(|r| r.profile.as_str())
        .chain(form.plan.skipped.iter().map(|(p, _)| p.as_str()))
        .collect();
    planned.sort();
    assert_eq!(planned, ["admin", "dev"]);
    assert_eq!(form.plan.session.as_ref().unwrap().profile, "dev");
    assert!(app.table.marked.is_empty(), "nothing was marked on the way");
    app.update(key(KeyCode::Esc));
    // A key for one profile says where the profiles are; space marks the group, again unmarks.
    press(app, "c");
    assert!(app.dialog().is_none());
    assert!(app.toast.as_ref().unwrap().text.contains("A group's line"));
    press(app, " ");
    assert_eq!(app.table.marked.len(), 2);
    assert_eq!(
        app.table.selected_group(),
        Some(1),
        "the cursor stays on the group"
    );
    press(app, " ");
    assert!(app.table.marked.is_empty());
    // A group of an `aws login` profile only: one sentence, no code field.
    press(app, "Gk");
    assert_eq!(app.table.selected_group(), Some(2));
    app.update(key(KeyCode::Enter));
    let message = &dialog::<ErrorDialog>(app).message;
    assert!(
        message.contains("No profile of this group (no source, 1 profile)"),
        "{message}"
    );
    app.update(key(KeyCode::Esc));
    // The SSO session's line signs in to the session once.
    press(app, "g");
    assert_eq!(app.table.selected_group(), Some(0));
    let effects = app.update(key(KeyCode::Enter));
    let (_, sso) = the::<SsoJob>(&effects);
    assert_eq!(sso.target.session.as_deref(), Some("corp"));
    app.update(key(KeyCode::Esc));
    // A sort keeps the cursor on its group's line.
    press(app, "O");
    let group = |app: &App| {
        app.table
            .selected_group()
            .map(|g| app.table.groups[g].0.clone())
    };
    assert_eq!(group(app).as_deref(), Some("SSO session corp"));
    press(app, "O");

    // The mouse while grouped: 120×40, the table's lines from screen row 3.
    let start = std::time::Instant::now();
    let at = |ms: u64| start + std::time::Duration::from_millis(ms);
    let mouse = |kind, column, row| MouseEvent {
        kind,
        column,
        row,
        modifiers: KeyModifiers::NONE,
    };
    let click = |row| mouse(MouseEventKind::Down(MouseButton::Left), 10, row);
    app.update(Msg::Mouse(click(3 + 4), at(0)));
    assert_eq!(selected(app), "dev", "a click on a member row selects it");
    app.update(Msg::Mouse(click(3 + 2), at(1000)));
    assert_eq!(
        group(app).as_deref(),
        Some("keys of dev"),
        "a click on a group's line selects it"
    );
    assert!(app.dialog().is_none());
    app.update(Msg::Mouse(click(3 + 2), at(1200)));
    assert!(
        app.dialog()
            .and_then(|d| d.as_any().downcast_ref::<BulkForm>())
            .is_some(),
        "a double click on a group's line opens its bulk dialog"
    );
    app.update(key(KeyCode::Esc));
    app.update(Msg::Mouse(mouse(MouseEventKind::ScrollUp, 10, 6), at(2000)));
    assert_eq!(
        app.table.selected_group(),
        Some(0),
        "the wheel moves by lines"
    );
    app.update(Msg::Mouse(
        mouse(MouseEventKind::ScrollDown, 10, 6),
        at(2100),
    ));
    assert_eq!(selected(app), "admin");
    // A header click sorts within the groups: PROFILE reversed puts dev before admin.
    app.update(Msg::Mouse(
        mouse(MouseEventKind::Down(MouseButton::Left), 5, 2),
        at(4000),
    ));
    assert!(app.table.sort.reversed && app.table.sort.by == Column::Profile);
    assert_eq!(names(app), ["sso", "dev", "admin", "web"]);
    assert_eq!(selected(app), "admin");
}

#[test]
fn grouped_a_session_kept_in_its_own_section_joins_the_keys_it_comes_from() {
    // dev's MFA session lives in [dev-mfa] (a seed layout): its credentials come from dev's
    // keys and MFA device, so it belongs with them, not under "no source".
    let creds = format!(
        "{CREDS}\n[dev-mfa]\naws_access_key_id = ASIADEVDEVDEV000WXYZ\naws_secret_access_key = s\n\
         aws_session_token = t\nexpiration = 2026-11-22T18:00:00Z\n"
    );
    let mut f = fixture_with(&creds, None);
    let app = &mut f.app;
    assert_eq!(
        app.data.snapshot.linked_session("dev").as_deref(),
        Some("dev-mfa")
    );
    press(app, "t");
    let groups: Vec<(&str, Vec<&str>)> = app
        .table
        .groups
        .iter()
        .map(|(label, range)| {
            let members = app.table.rows[range.clone()]
                .iter()
                .map(|&i| app.data.profiles()[i].name.as_str())
                .collect();
            (label.as_str(), members)
        })
        .collect();
    assert_eq!(
        groups,
        [
            ("SSO session corp", vec!["sso"]),
            ("keys of dev", vec!["admin", "dev", "dev-mfa"]),
        ]
    );
}
