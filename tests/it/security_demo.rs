//! The demo is a sandbox (docs/security.md, "Demo and tests"): an open `mfatui --demo` neither
//! takes requests from real programs nor sends any, and saves its settings in its own folder;
//! the tests run isolated the same way, so a window the user has open never hears of them.

use crate::common::{text, Sandbox, Tmux};

#[test]
fn the_demo_neither_takes_nor_sends_requests_and_keeps_its_settings_to_itself() {
    let sb = Sandbox::new(
        "http://127.0.0.1:9",
        "[profile legacy]\nmfa_serial = arn:aws:iam::1:mfa/ana\n",
        "[legacy]\naws_access_key_id = AKIAREALREALREAL0001\naws_secret_access_key = real-secret\n",
    );
    let home = sb.home.path().display().to_string();
    let run = sb.home.path().join("run");
    std::fs::create_dir_all(&run).unwrap();
    let env = format!(
        "env -i PATH=/usr/bin:/bin TERM=xterm-256color HOME={home} XDG_RUNTIME_DIR={} XDG_CONFIG_HOME={home}/.config AWS_ENDPOINT_URL=http://127.0.0.1:9",
        run.display()
    );
    let bin = env!("CARGO_BIN_EXE_mfatui");
    // A real window, taking requests.
    let Some(real) = Tmux::start(&format!("{env} {bin}")) else {
        return;
    };
    real.wait_for("legacy");
    let socket = run.join("mfatui/requests.sock");
    let started = std::time::Instant::now();
    while !socket.exists() {
        assert!(started.elapsed() < std::time::Duration::from_secs(10));
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    // The demo beside it, with the same runtime folder and settings folder.
    let Some(demo) = Tmux::start(&format!("{env} {bin} --demo")) else {
        return;
    };
    demo.wait_for("mfatui --demo");
    demo.send(&["s"]);
    demo.wait_for("Defaults for");
    demo.send(&["Enter"]);
    demo.wait_for("Saved to the settings file.");
    assert!(
        !sb.home.path().join(".config/mfatui/config.toml").exists(),
        "the demo saved into the user's settings"
    );
    // A demo profile named like a real one needs a code: the demo asks no window.
    let out = sb.mfatui(&["--demo", "credential-process", "legacy"]);
    let (_, stderr) = text(&out);
    assert!(!out.status.success());
    assert!(stderr.contains("an MFA code is needed"), "{stderr}");
    std::thread::sleep(std::time::Duration::from_millis(500));
    assert!(
        !real.screen().contains("Asked for by"),
        "the real window heard from the demo:\n{}",
        real.screen()
    );
    assert!(demo.alive() && real.alive());
}

/// Attack round 13 (R13-5): `--demo -v` appended to the user's real log; it logs in its own
/// folder, gone with it.
#[test]
fn the_demo_with_v_writes_no_log_among_the_users_files() {
    let sb = Sandbox::new("http://127.0.0.1:9", "", "");
    let logs = || {
        let mut found = Vec::new();
        let mut folders = vec![sb.home.path().to_owned()];
        while let Some(dir) = folders.pop() {
            for entry in std::fs::read_dir(&dir).unwrap().flatten() {
                if entry.file_type().unwrap().is_dir() {
                    folders.push(entry.path());
                } else if entry.file_name() == "mfatui.log" {
                    found.push(entry.path());
                }
            }
        }
        found
    };
    let out = sb.mfatui(&["--demo", "-v", "list"]);
    assert!(out.status.success(), "{}", text(&out).1);
    assert_eq!(logs(), Vec::<std::path::PathBuf>::new());
    // Without --demo the same command logs among the user's files, where the search sees it.
    let out = sb.mfatui(&["-v", "list"]);
    assert!(out.status.success(), "{}", text(&out).1);
    assert_eq!(logs().len(), 1);
}
