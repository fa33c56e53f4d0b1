//! Flow tests of `App::update`: keys in, commands out, with an injected clock.

use super::*;
use crate::awsfiles::{AwsPaths, FileKind};
use crate::secret::Secret;
use crate::settings::ProfileChange;
use crate::tui::load::load;
use crate::tui::screens::renew::Field;
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

fn fixture_with(creds: &str, selected: Option<&str>) -> Fixture {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("config"), CONFIG).unwrap();
    std::fs::write(dir.path().join("credentials"), creds).unwrap();
    let paths = AwsPaths {
        config: dir.path().join("config"),
        credentials: dir.path().join("credentials"),
        cli_cache: dir.path().join("cache"),
        mfa_secure_sessions: dir.path().join("mfa-secure-sessions"),
        sso_cache: dir.path().join("sso-cache"),
        login_cache: dir.path().join("login-cache"),
        mfatui_cache: dir.path().join("mfatui-cache"),
        selected_profile: selected.map(str::to_owned),
    };
    let settings = Settings::default();
    let app = App::new(
        load(&paths, &settings).unwrap(),
        settings,
        FixedOffset::east_opt(0).unwrap(),
        now(),
        (120, 40),
    );
    Fixture { _dir: dir, app }
}

fn fixture() -> Fixture {
    fixture_with(CREDS, None)
}

fn key(code: KeyCode) -> Msg {
    Msg::Key(KeyEvent::new(code, KeyModifiers::NONE))
}

fn press(app: &mut App, keys: &str) -> Vec<Command> {
    keys.chars()
        .flat_map(|c| app.update(key(KeyCode::Char(c))))
        .collect()
}

fn names(app: &App) -> Vec<&str> {
    app.rows
        .iter()
        .map(|&i| app.data.profiles[i].name.as_str())
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
    assert_eq!(app.selected_profile().unwrap().name, "dev");
    app.update(key(KeyCode::End));
    assert_eq!(app.selected_profile().unwrap().name, "sso");
    press(app, "g/ss");
    assert!(app.filtering);
    assert_eq!(names(app), ["sso"]);
    app.update(key(KeyCode::Esc));
    assert!(!app.filtering && app.filter.is_empty());
    assert_eq!(names(app).len(), 3);
    press(app, "/333");
    app.update(key(KeyCode::Enter));
    assert_eq!(names(app), ["sso"], "filter matches accounts too");
    app.update(key(KeyCode::Esc));
    press(app, "o");
    assert_eq!(app.sort, Sort::Expiry);
}

#[test]
fn aws_profile_is_preselected() {
    let f = fixture_with(CREDS, Some("dev"));
    assert_eq!(f.app.selected_profile().unwrap().name, "dev");
}

#[test]
fn renew_flow_goes_from_code_to_preview_to_write() {
    let mut f = fixture();
    let app = &mut f.app;
    assert!(app.update(key(KeyCode::Enter)).is_empty());
    let Overlay::Renew(form) = &app.overlay else {
        panic!("no form")
    };
    assert_eq!(form.profile, "admin");
    press(app, "12345");
    assert!(app.update(key(KeyCode::Enter)).is_empty());
    let Overlay::Renew(form) = &app.overlay else {
        panic!("form closed")
    };
    assert_eq!(
        form.error.as_deref(),
        Some("the MFA code must be exactly 6 digits, not 5")
    );

    press(app, "6");
    let commands = app.update(key(KeyCode::Enter));
    let [Command::Renew { job, renewal, code }] = commands.as_slice() else {
        panic!("{commands:?}")
    };
    assert_eq!(renewal.target, "admin-mfa");
    assert_eq!(*code, CodeSource::Typed(MfaCode::parse("123456").unwrap()));
    assert!(app.busy());

    app.update(Msg::Renewed {
        job: *job,
        result: Ok(new_creds()),
    });
    let Overlay::Preview(preview) = &app.overlay else {
        panic!("no preview: {:?}", app.overlay)
    };
    let diff = preview.diff.join("\n");
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

    let commands = press(app, "y");
    let [Command::Write { job, plan }] = commands.as_slice() else {
        panic!("{commands:?}")
    };
    assert_eq!(plan.changes[0].kind, FileKind::Credentials);
    let commands = app.update(Msg::Written {
        job: *job,
        result: Ok(Vec::new()),
    });
    assert!(matches!(commands.as_slice(), [Command::Reload]));
    assert!(matches!(app.overlay, Overlay::None));
    let toast = app.toast.clone().unwrap();
    assert!(
        toast
            .text
            .starts_with("✓ admin renewed: admin-mfa valid until 13:00:00 (in 1h)"),
        "{}",
        toast.text
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
    let commands = app.update(key(KeyCode::Enter));
    let [Command::Renew { job, .. }] = commands.as_slice() else {
        panic!()
    };
    let job = *job;
    app.update(key(KeyCode::Esc));
    assert!(app.toast.as_ref().unwrap().text.contains("cancelled"));
    assert!(app
        .update(Msg::Renewed {
            job,
            result: Ok(new_creds())
        })
        .is_empty());
    assert!(
        matches!(app.overlay, Overlay::None),
        "a cancelled job's answer is ignored"
    );

    app.update(key(KeyCode::Enter));
    press(app, "123456");
    let commands = app.update(key(KeyCode::Enter));
    let [Command::Renew { job, .. }] = commands.as_slice() else {
        panic!()
    };
    app.update(Msg::Renewed { job: *job, result: Err("The MFA code was rejected (wrong, expired or already used): wait for the next code and try again.".into()) });
    let Overlay::Error { message, .. } = &app.overlay else {
        panic!()
    };
    assert!(message.ends_with("Nothing was written."));
    app.update(key(KeyCode::Enter));
    assert!(matches!(app.overlay, Overlay::None));
}

#[test]
fn a_fresh_mfa_session_needs_no_code_and_sso_needs_its_session_section() {
    let creds = format!("{CREDS}\n[dev-mfa]\naws_access_key_id = ASIASESSION000000001\naws_secret_access_key = s\naws_session_token = t\nexpiration = 2026-11-22T18:00:00Z\n");
    let mut f = fixture_with(&creds, None);
    let app = &mut f.app;
    app.update(key(KeyCode::Enter));
    let commands = app.update(key(KeyCode::Enter));
    let [Command::Renew { code, renewal, .. }] = commands.as_slice() else {
        panic!("{commands:?}")
    };
    assert_eq!(*code, CodeSource::NotNeeded);
    assert_eq!(renewal.source.profile, "dev-mfa");

    let dev = app
        .data
        .profiles
        .iter()
        .find(|p| p.name == "dev")
        .unwrap()
        .clone();
    let (expiry, via_session) = app.shown_expiry(&dev);
    assert!(
        via_session && expiry.at().is_some(),
        "dev shows its session's countdown"
    );

    app.overlay = Overlay::None;
    app.update(key(KeyCode::End));
    app.update(key(KeyCode::Enter));
    let Overlay::Error { message, .. } = &app.overlay else {
        panic!()
    };
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
    let commands = app.update(key(KeyCode::Enter));
    let [Command::Renew { job, .. }] = commands.as_slice() else {
        panic!()
    };
    app.update(Msg::Renewed {
        job: *job,
        result: Ok(new_creds()),
    });
    let commands = press(app, "y");
    let [Command::Write { job, plan }] = commands.as_slice() else {
        panic!()
    };
    let replanned = plan.clone();
    app.update(Msg::Written {
        job: *job,
        result: Err(WriteFailure::Changed(replanned)),
    });
    let Overlay::Preview(preview) = &app.overlay else {
        panic!()
    };
    assert!(preview.note.as_deref().unwrap().contains("changed on disk"));
    assert!(preview.writing.is_none(), "y is needed again");
}

#[test]
fn quitting_and_help() {
    let mut f = fixture();
    press(&mut f.app, "?");
    assert!(matches!(f.app.overlay, Overlay::Help(_)));
    press(&mut f.app, "x");
    assert!(matches!(f.app.overlay, Overlay::None));
    let ctrl_c = Msg::Key(KeyEvent::new(KeyCode::Char('c'), KeyModifiers::CONTROL));
    assert!(matches!(f.app.update(ctrl_c).as_slice(), [Command::Quit]));
    assert!(f.app.quit);
}

#[test]
fn s_saves_a_profiles_defaults_to_the_settings_file() {
    let mut f = fixture();
    let app = &mut f.app;
    press(app, "s");
    let Overlay::Defaults(form) = &app.overlay else {
        panic!("{:?}", app.overlay)
    };
    assert_eq!((form.profile.as_str(), form.field), ("admin", Field::Mode));
    app.update(key(KeyCode::Tab));
    app.update(key(KeyCode::Right));
    let commands = app.update(key(KeyCode::Enter));
    let [Command::SaveProfile { profile, change }] = commands.as_slice() else {
        panic!("{commands:?}")
    };
    assert_eq!(
        (profile.as_str(), change),
        (
            "admin",
            &crate::settings::ProfileChange::Defaults {
                mode: crate::renew::Mode::Role,
                duration: 7200
            }
        )
    );
    let mut saved = Settings::default();
    saved.profiles.insert(
        "admin".into(),
        crate::settings::ProfileOverride {
            duration: Some(7200),
            ..Default::default()
        },
    );
    app.overlay = Overlay::None;
    app.update(Msg::SettingsSaved(Ok(saved)));
    assert_eq!(
        app.toast.as_ref().unwrap().text,
        "Saved to the settings file."
    );
    let Some(Ok(plan)) = &app.selected_plan else {
        panic!()
    };
    assert_eq!(plan.duration_secs, 7200, "the new default applies at once");
}

#[test]
fn marked_profiles_renew_together_with_one_code() {
    let mut f = fixture();
    let app = &mut f.app;
    press(app, " ");
    assert!(app.marked.contains("admin"));
    assert_eq!(
        app.selected_profile().unwrap().name,
        "dev",
        "space moves on"
    );
    press(app, "a");
    assert_eq!(
        app.marked.iter().collect::<Vec<_>>(),
        ["admin"],
        "a adds expiring roles only"
    );
    app.update(key(KeyCode::Enter));
    let Overlay::Bulk(form) = &app.overlay else {
        panic!("{:?}", app.overlay)
    };
    assert_eq!(
        form.plan.session.as_ref().unwrap().target,
        "dev-mfa",
        "one MFA session for the shared source"
    );
    assert!(
        app.update(key(KeyCode::Enter)).is_empty(),
        "a code is required"
    );
    press(app, "123456");
    let commands = app.update(key(KeyCode::Enter));
    let [Command::RenewMany {
        job, bulk, code, ..
    }] = commands.as_slice()
    else {
        panic!("{commands:?}")
    };
    assert_eq!(*code, CodeSource::Typed(MfaCode::parse("123456").unwrap()));
    assert_eq!(bulk.renewals.len(), 1);
    let job = *job;
    let outcome = Outcome {
        profile: "admin".into(),
        result: Ok("admin-mfa".into()),
    };
    app.update(Msg::BulkProgress {
        job,
        outcome: outcome.clone(),
    });
    let Overlay::BulkRunning(BulkRunning { lines, .. }) = &app.overlay else {
        panic!()
    };
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
    plan.edit(&app.data.files.credentials, vec![edit]).unwrap();
    let failed = Outcome {
        profile: "dev".into(),
        result: Err("The MFA code was rejected.".into()),
    };
    app.update(Msg::RenewedMany {
        job,
        outcomes: vec![outcome, failed],
        plan: Ok(plan),
    });
    let Overlay::Preview(preview) = &app.overlay else {
        panic!("{:?}", app.overlay)
    };
    assert_eq!(
        preview.outcomes,
        ["✓ admin → [admin-mfa]", "✗ dev: The MFA code was rejected."]
    );
    assert!(app.marked.is_empty());
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
    let Overlay::Renew(form) = &app.overlay else {
        panic!()
    };
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

fn answers(commands: &[Command]) -> Vec<(u64, bool)> {
    commands
        .iter()
        .filter_map(|c| match c {
            Command::AnswerRequest { id, answer } => Some((*id, answer.ok)),
            _ => None,
        })
        .collect()
}

#[test]
fn a_request_from_another_program_opens_the_dialog_and_is_answered_once_written() {
    let mut f = fixture();
    let app = &mut f.app;
    press(app, "/ss");
    assert!(answers(&app.update(request(7, "dev"))).is_empty());
    assert!(app.filter.is_empty(), "the filter gives way to the request");
    let Overlay::Renew(form) = &app.overlay else {
        panic!("{:?}", app.overlay)
    };
    assert_eq!(
        (form.profile.as_str(), form.asked_by.as_deref()),
        ("dev", Some("pid 4242: aws sts get-caller-identity"))
    );

    press(app, "123456");
    let commands = app.update(key(KeyCode::Enter));
    let [Command::Renew { job, .. }] = commands.as_slice() else {
        panic!("{commands:?}")
    };
    app.update(Msg::Renewed {
        job: *job,
        result: Ok(new_creds()),
    });
    let commands = press(app, "y");
    let [Command::Write { job, .. }] = commands.as_slice() else {
        panic!("{commands:?}")
    };
    let commands = app.update(Msg::Written {
        job: *job,
        result: Ok(Vec::new()),
    });
    assert_eq!(answers(&commands), [(7, true)]);
    assert!(app.active_request.is_none());
}

#[test]
fn requests_queue_and_a_closed_dialog_declines() {
    let mut f = fixture();
    let app = &mut f.app;
    app.update(request(1, "dev"));
    app.update(request(2, "admin"));
    assert_eq!(app.requests.len(), 1, "the second waits");
    let commands = app.update(key(KeyCode::Esc));
    assert_eq!(answers(&commands), [(1, false)]);
    let Overlay::Renew(form) = &app.overlay else {
        panic!("{:?}", app.overlay)
    };
    assert_eq!(form.profile, "admin", "the next request opens");

    app.update(request(3, "dev"));
    app.update(Msg::RequestGone(3));
    assert!(
        app.requests.is_empty(),
        "a caller that has gone leaves the queue"
    );
    app.update(Msg::RequestGone(2));
    assert!(app.active_request.is_none());
    assert!(app.toast.as_ref().unwrap().text.contains("has gone"));
    let commands = app.update(key(KeyCode::Esc));
    assert!(answers(&commands).is_empty(), "nobody to answer");

    let commands = app.update(request(4, "ghost"));
    assert_eq!(
        answers(&commands),
        [(4, false)],
        "an unknown profile is declined at once"
    );
    let commands = app.update(request(5, "sso"));
    assert_eq!(
        answers(&commands),
        [(5, false)],
        "so is one mfatui cannot renew"
    );
    assert!(matches!(app.overlay, Overlay::None));
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

    let commands = press(app, "f");
    let [Command::SaveProfile { profile, change }] = commands.as_slice() else {
        panic!("{commands:?}")
    };
    assert_eq!(
        (profile.as_str(), change),
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
    app.update(Msg::SettingsSaved(Ok(settings)));

    let commands = app.update(Msg::Tick(now()));
    let [Command::KeepFresh { renewal, .. }] = commands.as_slice() else {
        panic!("{commands:?}")
    };
    assert_eq!(renewal.profile, "admin");
    assert!(
        !renewal.needs_code(),
        "assumed with dev's fresh MFA session"
    );
    assert_eq!(
        app.fresh.warnings.get("dev").map(String::as_str),
        Some("expires soon and needs an MFA code: renew it by hand (⏎)"),
        "dev itself needs a code: its row warns"
    );
    assert!(
        app.update(Msg::Tick(now() + chrono::Duration::seconds(1)))
            .is_empty(),
        "one renewal at a time"
    );
    let commands = app.update(Msg::KeptFresh {
        profile: "admin".into(),
        result: Ok("[admin-mfa] valid until 13:05:00.".into()),
    });
    assert!(matches!(commands.as_slice(), [Command::Reload]));
    assert!(app
        .toast
        .as_ref()
        .unwrap()
        .text
        .starts_with("⟳ Kept admin fresh"));
    assert!(
        app.update(Msg::Tick(now() + chrono::Duration::seconds(2)))
            .is_empty(),
        "not again before the reload shows the new expiry"
    );
}

#[test]
fn k_rotates_the_selected_profiles_key_with_a_code_when_needed() {
    let mut f = fixture();
    let app = &mut f.app;
    press(app, "K");
    let Overlay::Error { message, .. } = &app.overlay else {
        panic!("{:?}", app.overlay)
    };
    assert_eq!(message, "'admin' holds no long-term access key to rotate.");
    app.update(key(KeyCode::Esc));

    press(app, "jK");
    let Overlay::Rotate(form) = &app.overlay else {
        panic!("{:?}", app.overlay)
    };
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
    let commands = app.update(key(KeyCode::Enter));
    let [Command::Rotate {
        job,
        profile,
        keep_old,
        code,
    }] = commands.as_slice()
    else {
        panic!("{commands:?}")
    };
    assert_eq!(
        (profile.as_str(), *keep_old, code.as_deref()),
        ("dev", true, Some("123456"))
    );
    assert!(app.busy());
    let commands = app.update(Msg::Rotated {
        job: *job,
        result: Ok("✓ Rotated the key of dev".into()),
    });
    assert!(matches!(commands.as_slice(), [Command::Reload]));
    assert!(matches!(app.overlay, Overlay::None));
}

#[test]
fn the_selected_keys_age_is_asked_for_once_and_marked_when_old() {
    let mut f = fixture();
    let app = &mut f.app;
    let commands = press(app, "j");
    let [Command::FetchKeyAge { key_id, keys, .. }] = commands.as_slice() else {
        panic!("{commands:?}")
    };
    assert_eq!(key_id, "AKIADEVDEVDEV000WXYZ");
    assert_eq!(keys.access_key_id, "AKIADEVDEVDEV000WXYZ");
    assert!(press(app, "kj").is_empty(), "asked once per key");
    let dev = app.selected_profile().unwrap().clone();
    assert_eq!(app.key_age_of(&dev), Some((KeyAge::Fetching, false)));
    let created = now() - chrono::Duration::days(120);
    app.update(Msg::KeyAge {
        key_id: key_id.clone(),
        result: Ok(created),
    });
    assert_eq!(app.key_age_of(&dev), Some((KeyAge::Known(created), true)));
    app.update(Msg::KeyAge {
        key_id: key_id.clone(),
        result: Err("AccessDenied".into()),
    });
    assert_eq!(
        app.key_age_of(&dev),
        Some((KeyAge::Unknown("AccessDenied".into()), false))
    );
}

#[test]
fn enter_on_an_sso_profile_signs_in_and_esc_cancels() {
    let mut f = fixture();
    let app = &mut f.app;
    press(app, "G");
    app.update(key(KeyCode::Enter));
    let Overlay::Error { message, .. } = &app.overlay else {
        panic!("{:?}", app.overlay)
    };
    assert!(message.contains("[sso-session corp]"), "{message}");
    app.update(key(KeyCode::Esc));

    let dir = tempfile::tempdir().unwrap();
    let config = format!(
        "{CONFIG}\n[sso-session corp]\nsso_start_url = https://corp.awsapps.com/start\nsso_region = eu-west-1\n"
    );
    std::fs::write(dir.path().join("config"), config).unwrap();
    std::fs::write(dir.path().join("credentials"), CREDS).unwrap();
    let paths = AwsPaths {
        config: dir.path().join("config"),
        credentials: dir.path().join("credentials"),
        ..AwsPaths::from_lookup(|_| None)
    };
    let settings = Settings::default();
    let mut app = App::new(
        load(&paths, &settings).unwrap(),
        settings,
        FixedOffset::east_opt(0).unwrap(),
        now(),
        (120, 40),
    );
    press(&mut app, "G");
    let commands = app.update(key(KeyCode::Enter));
    let [Command::SsoLogin { job, target }] = commands.as_slice() else {
        panic!("{commands:?}")
    };
    assert_eq!(
        (target.start_url.as_str(), target.session.as_deref()),
        ("https://corp.awsapps.com/start", Some("corp"))
    );
    let job = *job;
    app.update(Msg::SsoPrompt {
        job,
        prompt: crate::aws::sso::Prompt {
            url: "https://device/?user_code=ABCD".into(),
            user_code: "ABCD".into(),
        },
    });
    let Overlay::SsoLogin(login) = &app.overlay else {
        panic!("{:?}", app.overlay)
    };
    assert_eq!(login.prompt.as_ref().unwrap().user_code, "ABCD");
    let commands = app.update(key(KeyCode::Esc));
    assert!(matches!(commands.as_slice(), [Command::Cancel { job: j }] if *j == job));
    assert!(
        app.update(Msg::SsoDone {
            job,
            result: Ok("late".into())
        })
        .is_empty(),
        "a cancelled login's answer is dropped"
    );
    assert!(matches!(app.overlay, Overlay::None));
}
