//! Snapshots of every screen, rendered on ratatui's TestBackend with a fixed clock.

use chrono::{TimeZone, Utc};
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use mfatui::aws::{AwsError, AwsErrorKind, Credentials};
use mfatui::awsfiles::AwsPaths;
use mfatui::context::{Clock, Context, Env};
use mfatui::secret::Secret;
use mfatui::settings::Settings;
use mfatui::tui::app::{App, Effect};
use mfatui::tui::job_error::JobError;
use mfatui::tui::load::load;
use mfatui::tui::msg::Msg;
use mfatui::tui::output::Output;
use mfatui::tui::screens::running::RenewJob;
use mfatui::tui::theme::Theme;
use mfatui::tui::view::render;
use ratatui::backend::TestBackend;
use ratatui::Terminal;
use std::path::PathBuf;
use std::sync::Arc;

const CONFIG: &str = "[default]\nregion = us-east-1\n\n[profile dev]\nregion = eu-west-1\nmfa_serial = arn:aws:iam::111111111111:mfa/ana\n\n\
    [profile admin]\nrole_arn = arn:aws:iam::222222222222:role/Admin\nsource_profile = dev\nmfa_serial = arn:aws:iam::111111111111:mfa/ana\nregion = eu-west-1\n\n\
    [profile broken]\nrole_arn = arn:aws:iam::222222222222:role/Broken\nsource_profile = ghost\n\n\
    [profile sso-read]\nsso_session = corp\nsso_account_id = 333333333333\nsso_role_name = ReadOnly\n";
const CREDS: &str = "[dev]\naws_access_key_id = AKIASNAPSHOTDEV1WXYZ\naws_secret_access_key = snapshot-secret-dev\n\n\
    [dev-mfa]\naws_access_key_id = ASIASNAPSHOTMFA1QRST\naws_secret_access_key = snapshot-secret-mfa\naws_session_token = snapshot-token-mfa\nexpiration = 2026-11-22T14:14:09Z\n\n\
    [ci-bot]\naws_access_key_id = ASIASNAPSHOTCI001ABC\naws_secret_access_key = snapshot-secret-ci\naws_session_token = snapshot-token-ci\nexpiration = 2026-11-22T12:07:30Z\n\n\
    [old]\naws_access_key_id = ASIASNAPSHOTOLD01DEF\naws_secret_access_key = snapshot-secret-old\naws_session_token = snapshot-token-old\nexpiration = 2026-11-22T11:57:00Z\n";

/// The path the screens show in place of a snapshot's own folder: each run's folder is its
/// own, but as long as this one, so that every line wraps the same.
const SHOWN_ROOT: &str = "/tmp/mfatui-snapshots";

/// A fresh folder for one snapshot's files, `/tmp/mfatui-snapXXXXX/NAME` (removed when the
/// guard drops): two runs at once never share one.
fn folder(name: &str) -> (tempfile::TempDir, PathBuf) {
    let root = tempfile::Builder::new()
        .prefix("mfatui-snap")
        .rand_bytes(SHOWN_ROOT.len() - "/tmp/mfatui-snap".len())
        .tempdir_in("/tmp")
        .unwrap();
    assert_eq!(root.path().as_os_str().len(), SHOWN_ROOT.len());
    let dir = root.path().join(name);
    std::fs::create_dir_all(&dir).unwrap();
    (root, dir)
}

/// A snapshot's App and the folder of its files.
struct Snap {
    app: App,
    _root: tempfile::TempDir,
}

impl std::ops::Deref for Snap {
    type Target = App;
    fn deref(&self) -> &App {
        &self.app
    }
}

impl std::ops::DerefMut for Snap {
    fn deref_mut(&mut self) -> &mut App {
        &mut self.app
    }
}

/// The App on `paths` at the snapshots' fixed time, in a context of nothing but them.
fn app_on(paths: &AwsPaths, size: (u16, u16)) -> App {
    let home = paths.config.parent().unwrap().display().to_string();
    let env = Env::from_pairs(&[("HOME", &home)]);
    let settings_path = paths.config.with_file_name("mfatui.toml");
    let mut ctx = Context::new(env, paths.clone(), Settings::default(), settings_path);
    ctx.requests = None;
    ctx.clock = Clock::Fixed(Utc.with_ymd_and_hms(2026, 11, 22, 12, 0, 0).unwrap());
    let data = load(&ctx).unwrap();
    App::new(
        Arc::new(ctx),
        data,
        chrono::FixedOffset::east_opt(0).unwrap(),
        Utc.with_ymd_and_hms(2026, 11, 22, 12, 0, 0).unwrap(),
        size,
    )
}

fn app(name: &str, size: (u16, u16)) -> Snap {
    let (root, dir) = folder(name);
    std::fs::write(dir.join("config"), CONFIG).unwrap();
    std::fs::write(dir.join("credentials"), CREDS).unwrap();
    let home = dir.display().to_string();
    let paths = AwsPaths {
        config: dir.join("config"),
        credentials: dir.join("credentials"),
        selected_profile: Some("admin".into()),
        ..AwsPaths::from_lookup(|k| (k == "HOME").then(|| home.clone()))
    };
    Snap {
        app: app_on(&paths, size),
        _root: root,
    }
}

fn screen(app: &App) -> String {
    let (w, h) = app.size();
    let mut terminal = Terminal::new(TestBackend::new(w, h)).unwrap();
    terminal
        .draw(|f| render(app, Theme { colour: false }, f))
        .unwrap();
    let buffer = terminal.backend().buffer();
    let width = usize::from(buffer.area.width);
    let cells: Vec<&str> = buffer.content.iter().map(|c| c.symbol()).collect();
    let text: Vec<String> = cells
        .chunks(width)
        .map(|row| row.concat().trim_end().to_owned())
        .collect();
    let mut screen = text.join("\n");
    // This run's folder, shown as every run's.
    let mut from = 0;
    while let Some(at) = screen[from..].find("/tmp/mfatui-snap").map(|at| from + at) {
        if screen.get(at..at + SHOWN_ROOT.len()).is_some() {
            screen.replace_range(at..at + SHOWN_ROOT.len(), SHOWN_ROOT);
        }
        from = at + 1;
    }
    for secret in [
        "snapshot-secret",
        "snapshot-token",
        "AKIASNAPSHOTDEV1",
        "brand-new-secret",
    ] {
        assert!(!screen.contains(secret), "secret on screen: {secret}");
    }
    screen
}

fn keys(app: &mut App, codes: &[KeyCode]) -> Vec<Effect> {
    codes
        .iter()
        .flat_map(|c| app.update(Msg::Key(KeyEvent::new(*c, KeyModifiers::NONE))))
        .collect()
}

/// The id of the renewal job among `effects`.
fn renew_job(effects: &[Effect]) -> u64 {
    effects
        .iter()
        .find_map(|e| match e {
            Effect::Spawn(id, job) if job.as_any().is::<RenewJob>() => Some(*id),
            _ => None,
        })
        .expect("a renewal job")
}

fn chars(s: &str) -> Vec<KeyCode> {
    s.chars().map(KeyCode::Char).collect()
}

#[test]
fn table_with_mixed_kinds_and_expiries_and_detail_pane() {
    insta::assert_snapshot!(screen(&app("table", (120, 30))));
}

#[test]
fn wide_layout_puts_the_detail_pane_beside_the_table() {
    let mut a = app("wide", (160, 24));
    keys(&mut a, &chars("jj"));
    insta::assert_snapshot!(screen(&a));
}

#[test]
fn filter_active() {
    let mut a = app("filter", (100, 20));
    keys(&mut a, &chars("/d"));
    insta::assert_snapshot!(screen(&a));
}

#[test]
fn code_entry_dialog() {
    let mut a = app("code", (100, 24));
    keys(&mut a, &chars("jjjj"));
    keys(&mut a, &[KeyCode::Enter]);
    keys(&mut a, &chars("1234"));
    insta::assert_snapshot!(screen(&a));
}

#[test]
fn diff_preview() {
    let mut a = app("preview", (100, 30));
    keys(&mut a, &[KeyCode::Enter]);
    keys(&mut a, &chars("123456"));
    let job = renew_job(&keys(&mut a, &[KeyCode::Enter]));
    let creds = Credentials {
        access_key_id: "ASIANEWNEWNEWNEW1234".into(),
        secret_access_key: Secret::new("brand-new-secret-key"),
        session_token: Some(Secret::new("brand-new-secret-token")),
        expiration: Some(Utc.with_ymd_and_hms(2026, 11, 22, 13, 0, 0).unwrap()),
    };
    a.update(Msg::Job {
        id: job,
        output: Output::Renewed(Ok(creds)),
    });
    insta::assert_snapshot!(screen(&a));
}

#[test]
fn error_dialog() {
    let mut a = app("error", (100, 24));
    keys(&mut a, &[KeyCode::Enter]);
    keys(&mut a, &chars("123456"));
    let job = renew_job(&keys(&mut a, &[KeyCode::Enter]));
    let message = "The MFA code was rejected (wrong, expired or already used): wait for the next code and try again.";
    a.update(Msg::Job {
        id: job,
        output: Output::Renewed(Err(JobError::Renew(
            AwsError {
                kind: AwsErrorKind::WrongCode,
                message: message.to_owned(),
            }
            .into(),
        ))),
    });
    insta::assert_snapshot!(screen(&a));
}

#[test]
fn help_overlay() {
    let mut a = app("help", (100, 30));
    keys(&mut a, &chars("?"));
    insta::assert_snapshot!(screen(&a));
}

#[test]
fn too_small_terminal() {
    insta::assert_snapshot!(screen(&app("small", (50, 12))));
}

#[test]
fn marked_profiles_and_bulk_dialog() {
    let mut a = app("bulk", (110, 26));
    keys(&mut a, &chars(" jj "));
    let marked = screen(&a);
    keys(&mut a, &[KeyCode::Enter]);
    keys(&mut a, &chars("12"));
    insta::assert_snapshot!(format!("{marked}\n\n{}", screen(&a)));
}

/// The demo's profiles (15) in a terminal of `size`, at a fixed time.
fn demo_app(name: &str, size: (u16, u16)) -> Snap {
    let now = Utc.with_ymd_and_hms(2026, 11, 22, 12, 0, 0).unwrap();
    let env = Env::from_pairs(&[("AWS_PROFILE", "acme-admin")]);
    let (root, dir) = folder(name);
    let paths = mfatui::cli::demo::prepare(&dir, &env, now).unwrap();
    Snap {
        app: app_on(&paths, size),
        _root: root,
    }
}

/// How many profile rows the table shows.
fn table_rows(screen: &str, app: &App) -> usize {
    app.shared()
        .data
        .profiles()
        .iter()
        .filter(|p| {
            screen
                .lines()
                .any(|l| l.split_whitespace().take(3).any(|w| w == p.name.as_str()))
        })
        .count()
}

#[test]
fn small_terminal_gives_the_table_the_room() {
    let mut a = demo_app("demo-80x24", (80, 24));
    let shown = screen(&a);
    assert!(
        table_rows(&shown, &a) >= 12,
        "only {} of {} profiles shown at 80×24:\n{shown}",
        table_rows(&shown, &a),
        a.shared().data.profiles().len()
    );
    insta::assert_snapshot!(shown);
    keys(&mut a, &chars("d"));
    let without_pane = screen(&a);
    assert_eq!(
        table_rows(&without_pane, &a),
        a.shared().data.profiles().len(),
        "d hides the pane and every profile fits:\n{without_pane}"
    );
}

#[test]
fn demo_at_140x40() {
    insta::assert_snapshot!(screen(&demo_app("demo-140x40", (140, 40))));
}

/// Every help text is on screen in full (wrapped or not), or reachable by scrolling.
fn assert_help_complete(a: &mut App) -> String {
    let mut seen = String::new();
    let rows = mfatui::tui::screens::help::rows();
    // Wrapped on a narrow terminal, the help has more lines than rows.
    for _ in 0..rows.len() * 3 {
        seen.push_str(&screen(a));
        keys(a, &[KeyCode::Down]);
    }
    let words: String = seen
        .lines()
        .map(|l| l.trim_matches(|c| c == '│' || c == ' '))
        .collect::<Vec<_>>()
        .join(" ");
    for (_, what) in rows {
        for word in what.split(' ') {
            assert!(words.contains(word), "help lost '{word}' of '{what}'");
        }
    }
    seen
}

#[test]
fn help_fits_80x24() {
    let mut a = demo_app("help-80x24", (80, 24));
    keys(&mut a, &chars("?"));
    let first = screen(&a);
    assert!(!first.contains("…"), "{first}");
    insta::assert_snapshot!(first);
    assert_help_complete(&mut a);
}

#[test]
fn help_at_140x40_and_at_the_minimum_size() {
    let mut a = demo_app("help-140x40", (140, 40));
    keys(&mut a, &chars("?"));
    insta::assert_snapshot!(screen(&a));
    let mut small = demo_app("help-60x15", (60, 15));
    keys(&mut small, &chars("?"));
    assert_help_complete(&mut small);
}

#[test]
fn an_empty_setup_names_the_files_it_read_and_the_way_to_start() {
    let (_root, dir) = folder("empty");
    let home = dir.display().to_string();
    let paths = AwsPaths {
        config: dir.join("config"),
        credentials: dir.join("credentials"),
        selected_profile: None,
        ..AwsPaths::from_lookup(|k| (k == "HOME").then(|| home.clone()))
    };
    std::fs::write(&paths.credentials, "# nothing yet\n").unwrap();
    let shown = screen(&app_on(&paths, (100, 20))).replace(&format!("{SHOWN_ROOT}/empty"), "DIR");
    let text = shown
        .lines()
        .map(|l| l.trim_matches(|c| c == '│' || c == ' '))
        .collect::<Vec<_>>()
        .join(" ");
    for said in [
        "No profiles in DIR/config (does not exist) or DIR/credentials (defines no profile).",
        "aws configure --profile NAME",
        "`mfatui discover NAME`",
        "`mfatui --demo`",
    ] {
        assert!(text.contains(said), "'{said}' not on screen:\n{shown}");
    }
}

#[test]
fn the_sso_profiles_detail_pane_says_enter_signs_in() {
    let mut a = app("sso-detail", (120, 30));
    keys(&mut a, &chars("G"));
    let shown = screen(&a);
    let pane: String = shown
        .lines()
        .skip_while(|l| !l.contains("┌ sso-read"))
        .collect::<Vec<_>>()
        .join("\n");
    assert!(
        pane.contains("Renewal      ⏎ signs in") && pane.contains("not signed in: ⏎ signs in"),
        "{pane}"
    );
    assert!(!pane.contains("long-term keys"), "{pane}");
}

#[test]
fn the_selected_profile_is_explained_in_the_detail_pane_and_the_help() {
    let a = demo_app("selected", (120, 40));
    let shown = screen(&a);
    assert!(shown.contains("│ * acme-admin"), "{shown}");
    assert!(
        shown.contains("Kind         role · * AWS_PROFILE selects it (used without --profile)"),
        "{shown}"
    );
    let mut a = a;
    keys(&mut a, &chars("?"));
    let help = screen(&a);
    assert!(
        help.contains("*               the profile AWS_PROFILE (or AWS_DEFAULT_PROFILE) selects"),
        "{help}"
    );
}

#[test]
fn a_bulk_renewal_of_one_profile_says_one_profile() {
    let mut a = app("bulk-one", (110, 26));
    keys(&mut a, &chars(" "));
    keys(&mut a, &[KeyCode::Enter]);
    keys(&mut a, &chars("123456"));
    keys(&mut a, &[KeyCode::Enter]);
    let shown = screen(&a);
    assert!(shown.contains("Renewing 1 profile…"), "{shown}");
    assert!(!shown.contains("1 profiles"), "{shown}");
}

#[test]
fn grouped_the_cursor_on_a_group_line_and_enter_opens_its_bulk_dialog() {
    let mut a = app("grouped", (120, 30));
    keys(&mut a, &[KeyCode::Char('t'), KeyCode::Char('k')]);
    let grouped = screen(&a);
    assert!(grouped.contains("▾ keys of dev (3 profiles)"), "{grouped}");
    insta::assert_snapshot!("grouped_on_a_group_line", grouped);
    keys(&mut a, &[KeyCode::Enter]);
    insta::assert_snapshot!("grouped_enter_on_a_group_line", screen(&a));
}

/// Attack round 15b (F-1, F-4): a secret line pasted under a session's `expiration` reached
/// the detail pane ("cannot read '…'"), and one under `sso_session` the "Cannot populate"
/// dialog of `P`. Both are quoted by their first line.
#[test]
fn a_secret_pasted_under_expiration_or_sso_session_is_never_drawn() {
    let pasted = "PastedIndentedSecretValue000000000000001";
    let config = format!(
        "[profile dev]\nregion = eu-west-1\n\n[profile pasted-sso]\nsso_session = corp\n  aws_secret_access_key = {pasted}\nsso_account_id = 333333333333\nsso_role_name = ReadOnly\n\n[sso-session gone]\nsso_start_url = https://example.awsapps.com/start\nsso_region = us-east-1\n"
    );
    let creds = format!(
        "[dev]\naws_access_key_id = AKIASNAPSHOTDEV1WXYZ\naws_secret_access_key = snapshot-secret-dev\n\n[pasted-mfa]\naws_access_key_id = ASIASNAPSHOTMFA1QRST\nexpiration = 2026-11-22T14:14:09Z\n  aws_secret_access_key = {pasted}\n  aws_session_token = snapshot-token-mfa\n"
    );
    for (selected, presses) in [
        ("pasted-mfa", &[][..]),
        ("pasted-sso", &[KeyCode::Char('P')][..]),
    ] {
        let (_root, dir) = folder("pasted");
        std::fs::write(dir.join("config"), &config).unwrap();
        std::fs::write(dir.join("credentials"), &creds).unwrap();
        let home = dir.display().to_string();
        let paths = AwsPaths {
            config: dir.join("config"),
            credentials: dir.join("credentials"),
            selected_profile: Some(selected.into()),
            ..AwsPaths::from_lookup(|k| (k == "HOME").then(|| home.clone()))
        };
        let mut app = app_on(&paths, (120, 40));
        keys(&mut app, presses);
        let shown = screen(&app);
        assert!(!shown.contains(pasted), "{selected}:\n{shown}");
        let expected = if presses.is_empty() {
            "cannot read '2026-11-22T14:14:09Z"
        } else {
            "Cannot populate"
        };
        assert!(shown.contains(expected), "{selected}:\n{shown}");
    }
}
