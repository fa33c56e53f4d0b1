//! The table at organisation scale (issue 32), on ratatui's TestBackend: 2,000 generated
//! profiles at 59×20, 80×24 and 160×45; columns that stay, dialogs that scroll with their
//! input and keys pinned, a diff that never scrolls past its end, hostile names drawn
//! replaced.

use chrono::{TimeZone, Utc};
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use mfatui::aws::{AwsError, AwsErrorKind};
use mfatui::awsfiles::AwsPaths;
use mfatui::context::{Clock, Context, Env};
use mfatui::renew::bulk::{BulkError, Outcome};
use mfatui::settings::Settings;
use mfatui::tui::app::{App, Effect};
use mfatui::tui::load::load;
use mfatui::tui::msg::Msg;
use mfatui::tui::output::{BulkDone, Output};
use mfatui::tui::screens::bulk::{BulkForm, BulkJob};
use mfatui::tui::screens::bulk_result::BulkResult;
use mfatui::tui::screens::preview::Preview;
use mfatui::tui::theme::Theme;
use mfatui::tui::view::render;
use ratatui::backend::TestBackend;
use ratatui::Terminal;
use std::sync::Arc;

struct Org {
    _dir: tempfile::TempDir,
    app: App,
}

/// An App over `config` and `credentials` at a fixed time, in a context of nothing else.
fn org_with(config: &str, credentials: &str, size: (u16, u16)) -> Org {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("config"), config).unwrap();
    std::fs::write(dir.path().join("credentials"), credentials).unwrap();
    let home = dir.path().display().to_string();
    let env = Env::from_pairs(&[("HOME", &home)]);
    let paths = AwsPaths {
        config: dir.path().join("config"),
        credentials: dir.path().join("credentials"),
        selected_profile: None,
        ..AwsPaths::from_lookup(env.lookup())
    };
    let now = Utc.with_ymd_and_hms(2026, 11, 22, 12, 0, 0).unwrap();
    let mut ctx = Context::new(
        env,
        paths,
        Settings::default(),
        dir.path().join("mfatui.toml"),
    );
    ctx.requests = None;
    ctx.clock = Clock::Fixed(now);
    let data = load(&ctx).unwrap();
    let app = App::new(
        Arc::new(ctx),
        data,
        chrono::FixedOffset::east_opt(0).unwrap(),
        now,
        size,
    );
    Org { _dir: dir, app }
}

/// 2,000 generated profiles, and one whose name is longer than any column.
fn org(size: (u16, u16)) -> Org {
    let (mut config, creds) = mfatui::sample::generate(2000);
    config.push_str(
        "[profile an-organisation-wide-read-only-auditor-role-with-a-very-long-name]\nrole_arn = arn:aws:iam::123456789012:role/Auditor\nsource_profile = user0\n",
    );
    org_with(&config, &creds, size)
}

fn screen(app: &App) -> Vec<String> {
    let (w, h) = app.size();
    let mut terminal = Terminal::new(TestBackend::new(w, h)).unwrap();
    terminal
        .draw(|f| render(app, Theme { colour: false }, f))
        .unwrap();
    let buffer = terminal.backend().buffer();
    let cells: Vec<&str> = buffer.content.iter().map(|c| c.symbol()).collect();
    cells
        .chunks(usize::from(w))
        .map(|row| row.concat().trim_end().to_owned())
        .collect()
}

fn press(app: &mut App, code: KeyCode) -> Vec<Effect> {
    app.update(Msg::Key(KeyEvent::new(code, KeyModifiers::NONE)))
}

fn typed(app: &mut App, text: &str) {
    for c in text.chars() {
        press(app, KeyCode::Char(c));
    }
}

/// The table's header row (without the detail pane beside it).
fn header(lines: &[String]) -> String {
    let line = lines
        .iter()
        .find(|l| l.contains("PROFILE"))
        .unwrap_or_else(|| panic!("no header:\n{}", lines.join("\n")));
    let end = line.find("EXPIRES").expect("EXPIRES");
    let rest = &line[end..];
    line[..end + rest.find('│').unwrap_or(rest.len())].to_owned()
}

#[test]
fn columns_stay_while_scrolling_and_filtering() {
    for size in [(80, 24), (160, 45)] {
        let mut org = org(size);
        let app = &mut org.app;
        let first = header(&screen(app));
        assert!(first.contains("EXPIRES"), "{first}");
        for keys in [
            vec![KeyCode::PageDown, KeyCode::PageDown],
            vec![KeyCode::End],
            vec![KeyCode::Char('g')],
        ] {
            for k in keys {
                press(app, k);
            }
            assert_eq!(header(&screen(app)), first, "at {size:?} while scrolling");
        }
        for filter in ["sso1", "user", "an-organisation"] {
            press(app, KeyCode::Char('/'));
            typed(app, filter);
            assert_eq!(
                header(&screen(app)),
                first,
                "at {size:?} filtering {filter}"
            );
            press(app, KeyCode::Esc);
        }
        // The long name is cut with "…", never lost in silence; PROFILE reads first.
        press(app, KeyCode::Char('/'));
        typed(app, "an-organisation");
        let lines = screen(app);
        let row = lines
            .iter()
            .find(|l| l.contains("an-organisation-wide") && l.contains(" role "))
            .unwrap_or_else(|| panic!("{}", lines.join("\n")));
        assert!(row.contains("an-organisation-wide-read-o…"), "{row}");
        assert!(header(&lines)
            .trim_start_matches(['│', ' '])
            .starts_with("PROFILE"));
    }
    // The wide terminal has the SOURCE column `list` prints.
    let org = org((160, 45));
    let lines = screen(&org.app);
    assert!(header(&lines).contains("SOURCE"), "{}", header(&lines));
    assert!(
        lines
            .iter()
            .any(|l| l.contains("role4 ") && l.contains("user0")),
        "{}",
        lines.join("\n")
    );
}

#[test]
fn at_59x20_nothing_but_quitting_acts_on_2000_profiles() {
    let mut org = org((59, 20));
    let app = &mut org.app;
    let lines = screen(app).join("\n");
    assert!(lines.contains("Terminal too small"), "{lines}");
    for code in [KeyCode::Enter, KeyCode::Char('a'), KeyCode::Char(' ')] {
        assert!(press(app, code).is_empty());
    }
    typed(app, "123456");
    press(app, KeyCode::Enter);
    typed(app, "y");
    assert!(app.dialog().is_none());
    typed(app, "q");
    assert!(app.quitting());
}

#[test]
fn the_bulk_dialog_keeps_its_code_field_and_keys_on_screen() {
    let mut org = org((160, 45));
    let app = &mut org.app;
    press(app, KeyCode::Char('a'));
    let marked = screen(app).join("\n");
    assert!(marked.contains("1201 marked"), "{marked}");
    press(app, KeyCode::Enter);
    let form = app
        .dialog()
        .and_then(|d| d.as_any().downcast_ref::<BulkForm>())
        .expect("the bulk dialog");
    assert!(form.plan.renewals.len() + form.plan.skipped.len() >= 1200);
    for _ in 0..2 {
        let lines = screen(app);
        let text = lines.join("\n");
        assert!(
            text.contains("MFA code") || text.contains("No code needed"),
            "{text}"
        );
        assert!(text.contains("⏎ renew all · Esc cancel"), "{text}");
        assert!(text.contains("below · ↑ ↓ PgUp PgDn"), "{text}");
        assert_eq!(lines.len(), 45);
        press(app, KeyCode::End);
    }
    let form = app
        .dialog()
        .and_then(|d| d.as_any().downcast_ref::<BulkForm>())
        .unwrap();
    assert!(
        form.scroll > 1000,
        "End reached the last page: {}",
        form.scroll
    );
    let text = screen(app).join("\n");
    assert!(text.contains(" 0 below"), "{text}");
}

/// Delivers a bulk renewal's end: every profile failed for one reason.
fn all_failed(app: &mut App, why: &str) {
    press(app, KeyCode::Char('a'));
    press(app, KeyCode::Enter);
    let form = app
        .dialog()
        .and_then(|d| d.as_any().downcast_ref::<BulkForm>())
        .unwrap();
    let code = if form.plan.needs_code() { "123456" } else { "" };
    typed(app, code);
    let effects = press(app, KeyCode::Enter);
    let id = effects
        .iter()
        .find_map(|e| match e {
            Effect::Spawn(id, job) if job.as_any().is::<BulkJob>() => Some(*id),
            _ => None,
        })
        .unwrap_or_else(|| panic!("no bulk job: {:?}", app.dialog()));
    let outcomes = (0..1200)
        .map(|i| Outcome {
            profile: format!("role{i}"),
            result: Err(BulkError::Aws(AwsError {
                kind: AwsErrorKind::Other,
                message: why.to_owned(),
            })),
        })
        .collect();
    app.update(Msg::Job {
        id,
        output: Output::BulkDone(BulkDone {
            outcomes,
            plan: Ok(Default::default()),
        }),
    });
}

#[test]
fn the_result_of_a_bulk_renewal_says_the_root_cause_first() {
    let mut org = org((160, 45));
    let app = &mut org.app;
    all_failed(
        app,
        "STS at https://sts.amazonaws.com cannot be reached (connection refused)",
    );
    let result = app
        .dialog()
        .and_then(|d| d.as_any().downcast_ref::<BulkResult>())
        .expect("the result stays up");
    assert!(result.cause.is_some());
    let lines = screen(app);
    let first = lines
        .iter()
        .position(|l| l.contains("Cause (1200 of 1200)"))
        .unwrap_or_else(|| panic!("{}", lines.join("\n")));
    let first_profile = lines.iter().position(|l| l.contains("✗ role0:")).unwrap();
    assert!(first < first_profile, "the cause comes before the list");
    assert!(
        lines[first].contains("cannot be reached"),
        "{}",
        lines[first]
    );
    assert!(lines.iter().any(|l| l.contains("⏎ / Esc close")));
    press(app, KeyCode::End);
    let text = screen(app).join("\n");
    assert!(text.contains("Nothing was written."), "{text}");
}

#[test]
fn the_diff_preview_never_scrolls_past_its_end() {
    // 40 sessions renewed at once make a diff longer than the screen.
    let mut config = String::new();
    let mut creds = String::new();
    for i in 0..40 {
        config.push_str(&format!(
            "[profile r{i}]\nrole_arn = arn:aws:iam::123456789012:role/R{i}\nsource_profile = base\nmfa_serial = arn:aws:iam::123456789012:mfa/me\n\n"
        ));
    }
    config.push_str("[profile base]\nmfa_serial = arn:aws:iam::123456789012:mfa/me\n");
    creds.push_str(
        "[base]\naws_access_key_id = AKIABASEBASEBASE0000\naws_secret_access_key = base-secret\n",
    );
    let mut org = org_with(&config, &creds, (80, 24));
    let app = &mut org.app;
    press(app, KeyCode::Char('a'));
    press(app, KeyCode::Enter);
    typed(app, "123456");
    let effects = press(app, KeyCode::Enter);
    let id = effects
        .iter()
        .find_map(|e| match e {
            Effect::Spawn(id, job) if job.as_any().is::<BulkJob>() => Some(*id),
            _ => None,
        })
        .expect("a bulk job");
    let mut plan = mfatui::awsfiles::Plan::default();
    let files = app.shared().data.snapshot.files().clone();
    let mut outcomes = Vec::new();
    for i in 0..40 {
        let section = format!("r{i}-mfa");
        let edits = [
            "aws_access_key_id",
            "aws_secret_access_key",
            "aws_session_token",
        ]
        .iter()
        .map(|key| mfatui::awsfiles::Edit::Set {
            section: section.clone(),
            key: (*key).into(),
            value: "x".into(),
        })
        .collect();
        plan.edit(&files.credentials, edits).unwrap();
        outcomes.push(Outcome {
            profile: format!("r{i}"),
            result: Ok(section),
        });
    }
    app.update(Msg::Job {
        id,
        output: Output::BulkDone(BulkDone {
            outcomes,
            plan: Ok(plan),
        }),
    });
    let scroll = |app: &App| {
        app.dialog()
            .and_then(|d| d.as_any().downcast_ref::<Preview>())
            .expect("the preview")
            .scroll
    };
    for _ in 0..1000 {
        press(app, KeyCode::Char('j'));
    }
    let at_end = scroll(app);
    press(app, KeyCode::PageDown);
    assert_eq!(scroll(app), at_end, "j and PgDn stop at the last page");
    let lines = screen(app);
    let keys = lines
        .iter()
        .position(|l| l.contains("y write · n discard"))
        .unwrap_or_else(|| panic!("{}", lines.join("\n")));
    let above = &lines[keys - 1];
    assert!(
        above.contains(" 0 below"),
        "the last line is shown, no blank rows after it:\n{}",
        lines.join("\n")
    );
    let last_body = &lines[keys - 2];
    assert!(
        last_body.trim_matches(['│', ' ']).len() > 1,
        "no blank row at the end:\n{}",
        lines.join("\n")
    );
    press(app, KeyCode::Char('k'));
    assert_eq!(scroll(app), at_end - 1);
}

#[test]
fn hostile_names_are_drawn_replaced_in_the_table_the_pane_and_the_dialogs() {
    // issue 29 item 7: `pro\u{200B}d` drew as `prod`, a bidi override reversed the rest.
    let config = "[profile prod]\nregion = eu-west-1\n\n[profile pro\u{200B}d]\nregion = eu-west-1\nmfa_serial = arn:aws:iam::123456789012:mfa/x\n\n[profile \u{202E}nimda]\nregion = us-east-1\n";
    let creds = "[pro\u{200B}d]\naws_access_key_id = AKIAHOSTILEHOSTILE00\naws_secret_access_key = hostile-secret\n";
    let mut org = org_with(config, creds, (120, 40));
    let app = &mut org.app;
    let text = screen(app).join("\n");
    assert!(text.contains("pro?d"), "the zero-width space shows: {text}");
    assert!(text.contains("?nimda"), "the bidi override shows: {text}");
    // Select the hostile one: its detail pane's title and its renew dialog.
    press(app, KeyCode::Char('/'));
    typed(app, "pro\u{200B}");
    press(app, KeyCode::Enter);
    let text = screen(app).join("\n");
    assert!(text.contains(" pro?d "), "the pane's title: {text}");
    press(app, KeyCode::Enter);
    let text = screen(app).join("\n");
    assert!(
        text.contains("Renew pro?d") || text.contains("pro?d"),
        "the dialog: {text}"
    );
    assert!(!text.contains('\u{200B}') && !text.contains('\u{202E}'));
    // Grouped, on its group's line: the line, the footer and the pane say `keys of pro?d`.
    press(app, KeyCode::Esc);
    press(app, KeyCode::Esc);
    press(app, KeyCode::Char('t'));
    press(app, KeyCode::Char('k'));
    let lines = screen(app);
    let text = lines.join("\n");
    assert!(text.contains("▾  keys of pro?d · 1 profile"), "{text}");
    assert!(
        footer(app).contains("▾ keys of pro?d (1 profile)"),
        "{text}"
    );
    assert!(
        lines.iter().any(|l| l.starts_with("│keys of pro?d")),
        "{text}"
    );
    assert!(!text.contains('\u{200B}') && !text.contains('\u{202E}'));
}

/// The last row: the footer.
fn footer(app: &App) -> String {
    screen(app).last().cloned().unwrap_or_default()
}

#[test]
fn the_footer_follows_the_focus_and_a_broken_row_says_how_to_fix_it() {
    let config = "[profile dev]\nmfa_serial = arn:aws:iam::123456789012:mfa/me\nregion = eu-west-1\n\n[profile typo]\nrole_arn = arn:aws:iam::123456789012:role/Admin\nsource_profile = dve\nmfa_serial = arn:aws:iam::123456789012:mfa/me\n";
    let creds =
        "[dev]\naws_access_key_id = AKIADEVDEVDEVDEV0000\naws_secret_access_key = dev-secret\n";
    let mut org = org_with(config, creds, (120, 30));
    let app = &mut org.app;
    let table = footer(app);
    for key in [
        "⏎ renew",
        "space mark",
        "a mark expiring",
        "f keep fresh",
        "c console",
        "d detail",
        "? help",
    ] {
        assert!(table.contains(key), "{key}: {table}");
    }
    // The 80-column footer keeps `? help` at its end whatever else must go.
    app.update(Msg::Resize(80, 24));
    assert!(footer(app).ends_with("? help"), "{}", footer(app));
    app.update(Msg::Resize(120, 30));

    press(app, KeyCode::Enter);
    let renew = footer(app);
    assert!(
        renew.contains("Tab field") && renew.contains("Esc cancel"),
        "{renew}"
    );
    press(app, KeyCode::Esc);
    press(app, KeyCode::Char('/'));
    assert!(footer(app).contains("Ctrl-U Ctrl-W"), "{}", footer(app));
    press(app, KeyCode::Esc);

    // The `!` row: its problem in the footer, ⏎ explains and suggests the near name.
    press(app, KeyCode::Char('j'));
    let broken = footer(app);
    assert!(broken.contains("! ") && broken.contains("dve"), "{broken}");
    press(app, KeyCode::Enter);
    let text = screen(app).join("\n");
    assert!(
        text.contains("Did you mean") && text.contains("source_profile = dev?"),
        "{text}"
    );
    assert!(
        !text.contains("MFA code"),
        "no code field for a broken profile: {text}"
    );
}

/// The rows' profile names, top to bottom, as drawn.
fn drawn_names(app: &App) -> Vec<String> {
    screen(app)
        .iter()
        .skip_while(|l| !l.contains("PROFILE"))
        .skip(1)
        .take_while(|l| l.starts_with('│'))
        .filter_map(|l| {
            l.trim_start_matches('│')
                .get(3..)
                .and_then(|rest| rest.split_whitespace().next())
                .map(str::to_owned)
        })
        .collect()
}

#[test]
fn the_filter_is_fuzzy_over_every_column_and_rows_are_in_natural_order() {
    let mut org = org((160, 45));
    let app = &mut org.app;
    let first = drawn_names(app);
    let roles: Vec<&String> = first.iter().filter(|n| n.starts_with("role")).collect();
    assert_eq!(
        roles[..3],
        ["role4", "role5", "role6"],
        "natural order: {first:?}"
    );
    // Fuzzy over the MFA device, the sso_session, the source profile.
    press(app, KeyCode::Char('/'));
    typed(app, "mfa/user1990");
    press(app, KeyCode::Enter);
    let by_device = drawn_names(app);
    assert!(by_device.contains(&"role1994".to_owned()), "{by_device:?}");
    press(app, KeyCode::Char('/'));
    typed(app, "corp3");
    press(app, KeyCode::Enter);
    let by_session = drawn_names(app);
    assert!(
        !by_session.is_empty() && by_session.iter().all(|n| n.starts_with("sso")),
        "{by_session:?}"
    );
    press(app, KeyCode::Char('/'));
    typed(app, "rl199 usr1990");
    press(app, KeyCode::Enter);
    let fuzzy = drawn_names(app);
    assert!(fuzzy.contains(&"role1995".to_owned()), "{fuzzy:?}");
    press(app, KeyCode::Esc);
}

#[test]
fn any_column_sorts_and_a_second_press_reverses_with_an_arrow() {
    let mut org = org((160, 45));
    let app = &mut org.app;
    assert!(header(&screen(app)).contains("PROFILE▲"));
    press(app, KeyCode::Char('o'));
    assert!(header(&screen(app)).contains("EXPIRES▲"));
    press(app, KeyCode::Char('o'));
    press(app, KeyCode::Char('g'));
    let by_kind = screen(app);
    assert!(header(&by_kind).contains("KIND▲"), "{}", header(&by_kind));
    let rows = drawn_names(app);
    assert_eq!(rows[0], "default", "config-only sorts first: {rows:?}");
    press(app, KeyCode::Char('O'));
    press(app, KeyCode::Char('g'));
    let reversed = screen(app);
    assert!(header(&reversed).contains("KIND▼"));
    assert!(reversed[0].contains("sorted by kind ▼"), "{}", reversed[0]);
    let rows = drawn_names(app);
    assert!(
        rows[0].starts_with("sso"),
        "web… sso sorts last, first reversed: {rows:?}"
    );
}

#[test]
fn tab_focuses_the_detail_pane_which_scrolls() {
    let mut org = org((80, 24));
    let app = &mut org.app;
    press(app, KeyCode::Char('j'));
    press(app, KeyCode::Char('j'));
    let before = screen(app);
    let first_line = |lines: &[String]| {
        lines
            .iter()
            .skip_while(|l| !l.starts_with("┌ role4"))
            .nth(1)
            .cloned()
            .unwrap_or_default()
    };
    let top = first_line(&before);
    assert!(top.contains("Kind"), "{}", before.join("\n"));
    press(app, KeyCode::Tab);
    assert!(footer(app).contains("scroll the pane"), "{}", footer(app));
    press(app, KeyCode::Char('j'));
    press(app, KeyCode::Char('j'));
    let after = screen(app);
    assert_ne!(first_line(&after), top, "the pane scrolled");
    assert!(after.iter().any(|l| l.contains("Tab back")));
    // j moved the pane, not the selection; Tab gives the keys back to the table.
    press(app, KeyCode::Tab);
    press(app, KeyCode::Char('j'));
    assert!(screen(app).iter().any(|l| l.starts_with("┌ role5")));
}

#[test]
fn t_groups_by_source_with_counts_and_a_group_renews_with_one_code() {
    let mut org = org((120, 40));
    let app = &mut org.app;
    press(app, KeyCode::Char('t'));
    let lines = screen(app);
    let text = lines.join("\n");
    assert!(text.contains("Profiles by source"), "{text}");
    let group = lines
        .iter()
        .find(|l| l.contains("▾") && l.contains("keys of user0 "))
        .unwrap_or_else(|| panic!("{text}"));
    assert!(group.contains(" profiles"), "{group}");
    // The group's rows are under its line: user0 and the roles sourced from it.
    press(app, KeyCode::Char('/'));
    typed(app, "user0");
    press(app, KeyCode::Enter);
    press(app, KeyCode::Char('A'));
    let toast = footer(app);
    assert!(toast.contains("marked (keys of user0)"), "{toast}");
    press(app, KeyCode::Esc);
    press(app, KeyCode::Enter);
    let form = app
        .dialog()
        .and_then(|d| d.as_any().downcast_ref::<BulkForm>())
        .expect("the bulk dialog");
    assert!(form.plan.session.is_some(), "one MFA session for the group");
    assert!(
        form.plan.renewals.len() >= 5,
        "{:?}",
        form.plan.renewals.len()
    );
    press(app, KeyCode::Esc);
    press(app, KeyCode::Esc);
    // The toast passes.
    app.update(Msg::Tick(
        Utc.with_ymd_and_hms(2026, 11, 22, 12, 1, 0).unwrap(),
    ));
    assert!(!footer(app).contains("marked"), "{}", footer(app));

    // ⏎ on the group's own line: the same dialog, for that group's members only.
    for _ in 0..8 {
        if footer(app).contains("renew the group") {
            break;
        }
        press(app, KeyCode::Char('k'));
    }
    let footer_text = footer(app);
    assert!(
        footer_text.contains("keys of user0 (8 profiles)")
            && footer_text.contains("renew the group"),
        "{footer_text}"
    );
    press(app, KeyCode::Enter);
    let form = app
        .dialog()
        .and_then(|d| d.as_any().downcast_ref::<BulkForm>())
        .expect("the bulk dialog of the group");
    let mut planned: Vec<String> = form
        .plan
        .session
        .iter()
        .chain(&form.plan.renewals)
        .map(|r| r.profile.clone())
        .chain(form.plan.skipped.iter().map(|(p, _)| p.clone()))
        .collect();
    planned.sort();
    assert_eq!(
        planned,
        [
            "an-organisation-wide-read-only-auditor-role-with-a-very-long-name",
            "role4",
            "role5",
            "role6",
            "role7",
            "role8",
            "role9",
            "user0"
        ]
    );
    assert_eq!(form.plan.session.as_ref().unwrap().profile, "user0");
    let drawn = screen(app).join("\n");
    assert!(
        drawn.contains("role7") && !drawn.contains("role14"),
        "{drawn}"
    );
    press(app, KeyCode::Esc);

    // A click on a member row while grouped selects it.
    let lines = screen(app);
    let row = lines
        .iter()
        .position(|l| l.contains(" role6 "))
        .unwrap_or_else(|| panic!("{}", lines.join("\n")));
    app.update(Msg::Mouse(
        crossterm::event::MouseEvent {
            kind: crossterm::event::MouseEventKind::Down(crossterm::event::MouseButton::Left),
            column: 10,
            row: u16::try_from(row).unwrap(),
            modifiers: KeyModifiers::NONE,
        },
        std::time::Instant::now(),
    ));
    assert!(
        screen(app).iter().any(|l| l.starts_with("┌ role6")),
        "{}",
        screen(app).join("\n")
    );
    // 2,000 profiles grouped and back without a pause worth a benchmark here: it is one sort.
    press(app, KeyCode::Esc);
    press(app, KeyCode::Char('t'));
    assert!(!screen(app).join("\n").contains("Profiles by source"));
}
