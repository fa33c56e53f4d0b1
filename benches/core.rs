//! `cargo bench`: the program's own costs on 10,000 profiles.
//! - parse + merge of both files (bytes → document → structure → merged map)
//! - building the 10k profiles (kind, chain, MFA, expiry) from the merged map
//! - one full frame of the TUI table on a 200×60 TestBackend
//! - one planned write (edit + masked diff + render) on a 1 MB credentials file

use criterion::{criterion_group, criterion_main, Criterion};
use mfatui::awsfiles::{profile, AwsFile, AwsPaths, ConfigMap, Document, Edit, FileKind, Plan};
use mfatui::settings::Settings;
use mfatui::tui::app::App;
use mfatui::tui::load::load;
use mfatui::tui::theme::Theme;
use ratatui::backend::TestBackend;
use ratatui::Terminal;
use std::hint::black_box;

fn parse_and_merge(c: &mut Criterion) {
    let (config, credentials) = mfatui::sample::generate(10_000);
    c.bench_function("parse + merge 10k profiles", |b| {
        b.iter(|| {
            let config = Document::parse(black_box(config.as_bytes())).unwrap();
            let credentials = Document::parse(black_box(credentials.as_bytes())).unwrap();
            let map = ConfigMap::build(
                config.structure().unwrap(),
                credentials.structure().unwrap(),
            );
            let profiles = map.profiles().len();
            black_box(profiles)
        })
    });
    let config = Document::parse(config.as_bytes()).unwrap();
    let credentials = Document::parse(credentials.as_bytes()).unwrap();
    let map = ConfigMap::build(
        config.structure().unwrap(),
        credentials.structure().unwrap(),
    );
    let nowhere = mfatui::awsfiles::AwsPaths::from_lookup(|_| None);
    c.bench_function("build 10k profiles from the merged map", |b| {
        b.iter(|| profile::profiles(black_box(&map), &nowhere))
    });
}

fn render_frame(c: &mut Criterion) {
    let dir = tempfile::tempdir().unwrap();
    let (config, credentials) = mfatui::sample::generate(10_000);
    std::fs::write(dir.path().join("config"), config).unwrap();
    std::fs::write(dir.path().join("credentials"), credentials).unwrap();
    let paths = AwsPaths {
        config: dir.path().join("config"),
        credentials: dir.path().join("credentials"),
        cli_cache: dir.path().join("cache"),
        mfa_secure_sessions: dir.path().join("mfa-secure-sessions"),
        sso_cache: dir.path().join("sso-cache"),
        login_cache: dir.path().join("login-cache"),
        mfatui_cache: dir.path().join("mfatui-cache"),
        selected_profile: None,
    };
    let settings = Settings::default();
    let data = load(&paths, &settings).unwrap();
    let app = App::new(
        data,
        settings,
        chrono::FixedOffset::east_opt(0).unwrap(),
        chrono::Utc::now(),
        (200, 60),
    );
    let mut terminal = Terminal::new(TestBackend::new(200, 60)).unwrap();
    c.bench_function("render one frame, 10k profiles, 200x60", |b| {
        b.iter(|| {
            terminal
                .draw(|f| mfatui::tui::view::render(&app, Theme { colour: true }, f))
                .unwrap();
        });
    });
}

fn planned_write(c: &mut Criterion) {
    let dir = tempfile::tempdir().unwrap();
    let mut text = String::with_capacity(1 << 20);
    let mut i = 0;
    while text.len() < 1 << 20 {
        text.push_str(&format!(
            "[p{i}]\naws_access_key_id = AKIA{i:016}\naws_secret_access_key = secret/{i:036}\naws_session_token = token/{i:060}\n\n"
        ));
        i += 1;
    }
    let path = dir.path().join("credentials");
    std::fs::write(&path, &text).unwrap();
    let file = AwsFile::load(FileKind::Credentials, &path).unwrap();
    let edits = vec![
        Edit::Set {
            section: format!("p{}", i / 2),
            key: "aws_session_token".into(),
            value: "new-token-value".into(),
        },
        Edit::Set {
            section: "new-mfa".into(),
            key: "aws_access_key_id".into(),
            value: "ASIANEW".into(),
        },
    ];
    c.bench_function(
        "plan a write on a 1 MB credentials file (edit + masked diff + render)",
        |b| {
            b.iter(|| {
                let mut plan = Plan::default();
                plan.edit(black_box(&file), edits.clone()).unwrap();
                (plan.diff(), plan.changes[0].after.render())
            })
        },
    );
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(20).measurement_time(std::time::Duration::from_secs(4));
    targets = parse_and_merge, render_frame, planned_write
}
criterion_main!(benches);
