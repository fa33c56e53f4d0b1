//! End to end: the real binary in a real terminal (tmux), renewing against moto, as a person
//! would: filter to the profile, Enter, type the code, Enter, read the diff, press y.

use crate::common::{Moto, Sandbox, Tmux};
use std::process::Command;
use std::time::{Duration, Instant};

#[test]
fn renew_a_role_from_the_keyboard_in_a_real_terminal() {
    let Some(moto) = Moto::start() else { return };
    let secret = moto.get("secret_access_key");
    let creds = format!(
        "[dev]\naws_access_key_id = {}\naws_secret_access_key = {secret}\n",
        moto.get("access_key_id")
    );
    let config = format!(
        "[profile dev]\nregion = eu-west-1\nmfa_serial = {}\n\n[profile admin]\nrole_arn = {}\nsource_profile = dev\nmfa_serial = {}\nregion = eu-west-1\n\n[profile zzz]\nregion = us-east-1\n",
        moto.get("mfa_serial"),
        moto.role("Admin"),
        moto.get("mfa_serial")
    );
    let sb = Sandbox::new(&moto.url, &config, &creds);
    let command = format!(
        "env -i PATH=/usr/bin:/bin TERM=xterm-256color HOME={} AWS_ENDPOINT_URL={} AWS_PROFILE=zzz {}",
        sb.home.path().display(),
        moto.url,
        env!("CARGO_BIN_EXE_mfatui")
    );
    let Some(tmux) = Tmux::start(&command) else {
        return;
    };

    let screen = tmux.wait_for("3 profiles");
    assert!(screen.contains("* zzz"), "AWS_PROFILE is marked: {screen}");
    tmux.send(&["/", "adm", "Enter"]);
    tmux.wait_for("1 shown");
    tmux.send(&["Enter"]);
    tmux.wait_for("Renew admin");
    tmux.send(&["123456"]);
    tmux.wait_for("[123456]");
    tmux.send(&["Enter"]);
    let preview = tmux.wait_for("Write the new credentials of admin?");
    assert!(
        preview.contains("+[admin-mfa]") && preview.contains("+aws_secret_access_key = ****"),
        "{preview}"
    );
    tmux.send(&["y"]);
    tmux.wait_for("admin renewed: admin-mfa valid until");
    tmux.send(&["Escape"]);
    // The reload shows the new section as a fourth profile (the detail pane may name
    // admin-mfa before it lands).
    tmux.wait_for("4 profiles  ");
    let screen = tmux.wait_for("admin-mfa");
    let row = screen
        .lines()
        .find(|l| l.contains("admin-mfa") && l.contains("session"))
        .unwrap_or_else(|| panic!("{screen}"));
    assert!(
        row.contains("59m") || row.contains("1h 00m"),
        "a live countdown: {row}"
    );
    for hidden in [secret.as_str(), "wJalrXUtnFEMI", "aws_session_token = A"] {
        assert!(!screen.contains(hidden), "secret on screen: {hidden}");
    }

    assert_eq!(sb.backups().len(), 1, "a backup was made first");
    assert!(sb.caller_arn("admin-mfa").contains(":assumed-role/Admin/"));

    tmux.send(&["q"]);
    let start = Instant::now();
    while tmux.alive() {
        assert!(start.elapsed() < Duration::from_secs(10), "q did not quit");
        std::thread::sleep(Duration::from_millis(100));
    }
}

#[test]
fn a_caller_without_a_terminal_is_answered_from_the_open_window() {
    let Some(moto) = Moto::start() else { return };
    let creds = format!(
        "[dev]\naws_access_key_id = {}\naws_secret_access_key = {}\n",
        moto.get("access_key_id"),
        moto.get("secret_access_key")
    );
    let config = format!(
        "[profile dev]\nregion = eu-west-1\nmfa_serial = {}\n",
        moto.get("mfa_serial")
    );
    let sb = Sandbox::new(&moto.url, &config, &creds);
    let run = sb.home.path().join("run");
    std::fs::create_dir(&run).unwrap();
    std::fs::set_permissions(&run, std::os::unix::fs::PermissionsExt::from_mode(0o700)).unwrap();
    let env = format!(
        "env -i PATH=/usr/bin:/bin HOME={} AWS_ENDPOINT_URL={} XDG_RUNTIME_DIR={}",
        sb.home.path().display(),
        moto.url,
        run.display()
    );
    let Some(tmux) = Tmux::start(&format!(
        "{env} TERM=xterm-256color {}",
        env!("CARGO_BIN_EXE_mfatui")
    )) else {
        return;
    };
    tmux.wait_for("1 profile ");
    let socket = run.join("mfatui/requests.sock");
    let start = Instant::now();
    while !socket.exists() {
        assert!(
            start.elapsed() < Duration::from_secs(10),
            "no request socket"
        );
        std::thread::sleep(Duration::from_millis(50));
    }

    // As an IDE would: no terminal at all (setsid), standard input closed, output captured.
    let spawn_caller = || {
        Command::new("sh")
            .args([
                "-c",
                &format!(
                    "exec setsid -w {env} {} credential-process dev </dev/null",
                    env!("CARGO_BIN_EXE_mfatui")
                ),
            ])
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap()
    };
    let caller = spawn_caller();
    let screen = tmux.wait_for("Asked for by pid");
    assert!(screen.contains("Renew dev"), "{screen}");
    tmux.send(&["123456"]);
    tmux.wait_for("[123456]");
    tmux.send(&["Enter"]);
    tmux.wait_for("Write the new credentials of dev?");
    tmux.send(&["y"]);
    let out = caller.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(doc["AccessKeyId"], "AKIAIOSFODNN7EXAMPLE");
    assert_eq!(sb.backups().len(), 1);

    // Attack round 14 (R14-5): a caller reading other AWS files, whose `dev` may be another
    // account, is declined at once; the window opens no dialog for it.
    let other = sb.home.path().join("other");
    std::fs::create_dir(&other).unwrap();
    std::fs::write(other.join("config"), &config).unwrap();
    std::fs::write(other.join("credentials"), &creds).unwrap();
    let out = Command::new("sh")
        .args([
            "-c",
            &format!(
                "exec setsid -w {env} AWS_CONFIG_FILE={o}/config AWS_SHARED_CREDENTIALS_FILE={o}/credentials {} credential-process dev </dev/null",
                env!("CARGO_BIN_EXE_mfatui"),
                o = other.display()
            ),
        ])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("the open mfatui window shows")
            && stderr.contains(&other.join("credentials").display().to_string()),
        "{stderr}"
    );
    assert!(!tmux.screen().contains("Asked for by pid"));
    assert_eq!(sb.backups().len(), 1, "nothing written");

    // The window closes while a caller waits: the caller fails in one sentence.
    let expired = sb.credentials().replace(
        &sb.credentials()
            .lines()
            .find(|l| l.starts_with("expiration"))
            .unwrap()
            .to_owned(),
        "expiration = 2026-01-01T00:00:00Z",
    );
    std::fs::write(sb.aws("credentials"), expired).unwrap();
    let caller = spawn_caller();
    tmux.wait_for("Asked for by pid");
    tmux.send(&["C-c"]);
    let out = caller.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr.contains("window closed"), "{stderr}");
    assert_eq!(stderr.trim().lines().count(), 1, "{stderr}");
    assert!(!socket.exists(), "the socket goes with the window");
}

#[test]
fn a_wrong_code_typed_at_the_terminal_is_asked_again_three_times_at_most() {
    // STS answers every call with "wrong MFA code".
    let sts = crate::common::sts_error_responder(403, crate::common::WRONG_CODE);
    let sb = Sandbox::new(
        &sts,
        "[profile dev]\nregion = eu-west-1\nmfa_serial = arn:aws:iam::123456789012:mfa/ana\n",
        "[dev]\naws_access_key_id = AKIALONGLONGLONG0000\naws_secret_access_key = long-secret\n",
    );
    let before = sb.credentials();
    let command = format!(
        "sh -c 'env -i PATH=/usr/bin:/bin HOME={} AWS_ENDPOINT_URL={sts} {} credential-process dev >/dev/null; echo EXIT=$?; sleep 30'",
        sb.home.path().display(),
        env!("CARGO_BIN_EXE_mfatui")
    );
    let Some(tmux) = Tmux::start(&command) else {
        return;
    };
    for asked in 1..=3 {
        let start = Instant::now();
        while tmux
            .screen()
            .matches("MFA code for arn:aws:iam::123456789012:mfa/ana (dev):")
            .count()
            < asked
        {
            assert!(
                start.elapsed() < Duration::from_secs(20),
                "{}",
                tmux.screen()
            );
            std::thread::sleep(Duration::from_millis(50));
        }
        tmux.send(&["123456", "Enter"]);
    }
    let screen = tmux.wait_for("EXIT=1");
    assert_eq!(
        screen.matches("The MFA code was rejected").count(),
        3,
        "two retries, then the final error: {screen}"
    );
    assert_eq!(screen.matches("MFA code for").count(), 3, "{screen}");
    assert_eq!(sb.credentials(), before, "nothing written");
}

#[test]
fn the_demo_shows_how_old_a_key_is_without_blocking() {
    let cache = tempfile::tempdir().unwrap();
    let command = format!(
        "env -i PATH=/usr/bin:/bin TERM=xterm-256color HOME={0} XDG_CACHE_HOME={0}/cache {1} --demo",
        cache.path().display(),
        env!("CARGO_BIN_EXE_mfatui")
    );
    let Some(tmux) = Tmux::start(&command) else {
        return;
    };
    tmux.wait_for("15 profiles");
    tmux.send(&["/", "acme-dev", "Enter"]);
    let screen = tmux.wait_for("Key age");
    assert!(screen.contains("acme-dev"), "{screen}");
    let screen = tmux.wait_for("due for rotation");
    assert!(screen.contains("123 days"), "{screen}");
    assert!(
        !cache.path().join("cache/mfatui").exists(),
        "the demo caches in its own folder"
    );
}

/// The real binary at 59×20 over 2,000 generated profiles: `⏎ 123456 ⏎ y` acts on nothing it
/// cannot show (issue 32: it renewed and wrote unseen); enlarged to 80×24 the table is there
/// with no dialog, the files untouched; `q` quits from the small size.
#[test]
fn at_59x20_keys_do_nothing_unseen_and_q_quits() {
    let Some((sb, tmux)) = organisation((59, 20)) else {
        return;
    };
    tmux.wait_for("Terminal too small");
    tmux.send(&["Enter"]);
    tmux.send(&["123456"]);
    tmux.send(&["Enter"]);
    tmux.send(&["y", "a", "Space"]);
    tmux.resize((80, 24));
    let screen = tmux.wait_for("2001 profiles");
    assert!(
        !screen.contains("┌ Renew") && !screen.contains("Cannot renew"),
        "no dialog opened: {screen}"
    );
    assert!(!screen.contains("marked"), "nothing marked: {screen}");
    assert!(screen.contains("PROFILE"), "{screen}");
    assert_eq!(
        sb.credentials(),
        mfatui::sample::generate(2000).1,
        "nothing written"
    );
    assert!(sb.backups().is_empty());
    // A dialog open when the terminal shrinks: `q` quits through it.
    tmux.send(&["j", "Enter"]);
    tmux.wait_for("┌ Renew role4");
    tmux.resize((59, 20));
    tmux.wait_for("Terminal too small");
    tmux.send(&["q"]);
    let start = Instant::now();
    while tmux.alive() {
        assert!(start.elapsed() < Duration::from_secs(10), "q did not quit");
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// `y` copies through OSC 52: tmux with `set-clipboard on` keeps what it sets in its buffer —
/// the name first, then the export line; a secret never.
#[test]
fn y_copies_through_the_terminal() {
    let config =
        "[profile alpha]\nregion = eu-west-1\nmfa_serial = arn:aws:iam::123456789012:mfa/me\n";
    let creds = "[alpha]\naws_access_key_id = AKIAALPHAALPHAALPHA0\naws_secret_access_key = alpha-secret-value\n";
    let sb = Sandbox::new(&crate::common::black_hole(), config, creds);
    let command = sb.terminal_line("");
    let Some(tmux) = Tmux::start_sized(&command, (80, 24)) else {
        return;
    };
    tmux.tmux(&["set", "-s", "set-clipboard", "on"]);
    tmux.wait_for("1 profile");
    let buffer = |want: &str| {
        let start = Instant::now();
        loop {
            let got = tmux.tmux(&["show-buffer"]);
            if got == want {
                return;
            }
            assert!(
                start.elapsed() < Duration::from_secs(10),
                "buffer {got:?}, not {want:?}"
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    };
    tmux.send(&["y"]);
    buffer("alpha");
    tmux.wait_for("Copied: alpha");
    tmux.send(&["y"]);
    buffer("export AWS_PROFILE=alpha");
    for _ in 0..3 {
        tmux.send(&["y"]);
        std::thread::sleep(Duration::from_millis(200));
        let got = tmux.tmux(&["show-buffer"]);
        assert!(!got.contains("AKIA") && !got.contains("secret"), "{got}");
    }
}

/// The mouse as a person uses it, sent as the SGR sequences a terminal sends: a double click
/// on the second row opens its renewal, the wheel moves, a click on PROFILE reverses the order.
#[test]
fn the_mouse_clicks_double_clicks_scrolls_and_sorts() {
    let Some((_sb, tmux)) = organisation((80, 24)) else {
        return;
    };
    tmux.wait_for("2001 profiles");
    // Rows (1-based, as SGR counts): the header on line 3, the first profile on line 4.
    let click = |column: u16, row: u16| {
        tmux.send(&["-l", &format!("\x1b[<0;{column};{row}M")]);
        tmux.send(&["-l", &format!("\x1b[<0;{column};{row}m")]);
    };
    // Both clicks in one write, as a terminal sends a double click (a loaded machine must
    // not stretch them past the 400 ms a double click allows).
    let one = "\x1b[<0;10;5M\x1b[<0;10;5m";
    tmux.send(&["-l", &format!("{one}{one}")]);
    tmux.wait_for("┌ Renew role4");
    tmux.send(&["Escape"]);
    tmux.wait_gone("┌ Renew role4");
    tmux.send(&["-l", "\x1b[<65;10;8M"]);
    tmux.wait_for("┌ role7 ");
    click(6, 3);
    let screen = tmux.wait_for("PROFILE▼");
    assert!(screen.contains("sorted by name ▼"), "{screen}");
    tmux.send(&["q"]);
}

/// Grouped (`t`) over 2,000 profiles, as a person: `k` onto the group's own line, `⏎` opens
/// the one-code dialog for that group's members only; a click on a member row selects it; a
/// double click on the group's line opens the same dialog (SGR mouse sequences).
#[test]
fn grouped_enter_on_a_group_line_and_clicks_on_its_rows() {
    let Some((sb, tmux)) = organisation((120, 40)) else {
        return;
    };
    tmux.wait_for("2001 profiles");
    // user0 found with the filter, grouped: its group's line is 7 lines up (role4…role9).
    tmux.send(&["/", "user0", "Enter"]);
    tmux.wait_for("┌ user0 ");
    tmux.send(&["Escape"]);
    tmux.wait_for("2001 profiles  sorted");
    tmux.send(&["t"]);
    tmux.wait_for("Profiles by source");
    tmux.send(&["k", "k", "k", "k", "k", "k", "k"]);
    tmux.wait_for("▾ keys of user0 (7 profiles)");
    tmux.send(&["Enter"]);
    tmux.wait_for("One MFA session for 'user0'");
    // The dialog's list: the session, then exactly the group's roles (polled: a capture may
    // catch a frame half drawn).
    let listed = |screen: &str| -> Vec<String> {
        screen
            .lines()
            .flat_map(|l| l.split('│'))
            .filter(|cell| cell.starts_with("  ") && !cell.starts_with("   "))
            .filter_map(|cell| cell.trim_start().split_once(" → ["))
            .map(|(name, _)| name.to_owned())
            .collect()
    };
    let want = ["role4", "role5", "role6", "role7", "role8", "role9"];
    let start = Instant::now();
    let screen = loop {
        let screen = tmux.screen();
        if listed(&screen) == want || start.elapsed() > Duration::from_secs(20) {
            break screen;
        }
        std::thread::sleep(Duration::from_millis(100));
    };
    assert_eq!(listed(&screen), want, "{screen}");
    assert!(screen.contains("6 profiles to renew"), "{screen}");
    tmux.send(&["Escape"]);
    let start = Instant::now();
    while tmux.screen().contains("One MFA session") {
        assert!(
            start.elapsed() < Duration::from_secs(20),
            "Esc did not close"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    let row_of = |text: &str| {
        let screen = tmux.screen();
        let index = screen
            .lines()
            .position(|l| l.contains(text))
            .unwrap_or_else(|| panic!("{text}: {screen}"));
        u16::try_from(index + 1).unwrap()
    };
    let row = row_of(" role6 ");
    tmux.send(&["-l", &format!("\x1b[<0;10;{row}M\x1b[<0;10;{row}m")]);
    tmux.wait_for("┌ role6 ");
    let row = row_of("keys of user0 · ");
    // Both clicks in one write, as a terminal sends a double click.
    let one = format!("\x1b[<0;10;{row}M\x1b[<0;10;{row}m");
    tmux.send(&["-l", &format!("{one}{one}")]);
    tmux.wait_for("One MFA session for 'user0'");
    tmux.send(&["Escape"]);
    tmux.send(&["q"]);
    assert_eq!(
        sb.credentials(),
        mfatui::sample::generate(2000).1,
        "nothing written"
    );
}

/// `kill -TERM` (and SIGHUP, the terminal window closed) ends the interface like `q`: the
/// terminal is back on its main screen, mouse tracking off, the cursor shown; the exit status
/// is a shell's for that signal (143, 129).
#[test]
fn sigterm_and_sighup_restore_the_terminal() {
    let config =
        "[profile alpha]\nregion = eu-west-1\nmfa_serial = arn:aws:iam::123456789012:mfa/me\n";
    let creds = "[alpha]\naws_access_key_id = AKIAALPHAALPHAALPHA0\naws_secret_access_key = alpha-secret-value\n";
    for (signal, status) in [("TERM", 143), ("HUP", 129)] {
        let sb = Sandbox::new(&crate::common::black_hole(), config, creds);
        let command = format!(
            "sh -c '{}; echo \"exit=$?\"; sleep 60'",
            sb.terminal_line("")
        );
        let Some(tmux) = Tmux::start_sized(&command, (80, 24)) else {
            return;
        };
        tmux.wait_for("PROFILE");
        let flags = || {
            tmux.tmux(&[
                "display-message",
                "-p",
                "-t",
                "e2e",
                "#{alternate_on} #{mouse_any_flag} #{cursor_flag}",
            ])
            .trim()
            .to_owned()
        };
        assert_eq!(
            flags(),
            "1 1 0",
            "the interface is up (alternate screen, mouse, no cursor)"
        );
        // The interface is the wrapping shell's child (`env` became it).
        let pid = tmux.child_pid().to_string();
        let killed = std::process::Command::new("kill")
            .args([&format!("-{signal}"), &pid])
            .status()
            .unwrap();
        assert!(killed.success());
        let screen = tmux.wait_for("exit=");
        assert!(
            screen.contains(&format!("exit={status}")),
            "{signal}: {screen}"
        );
        assert_eq!(flags(), "0 0 1", "{signal}: the terminal is restored");
    }
}

/// The real binary over 2,000 generated profiles in a `size` terminal, with nothing of the
/// real environment; `None` where tmux is missing.
fn organisation(size: (u16, u16)) -> Option<(Sandbox, Tmux)> {
    let (config, creds) = mfatui::sample::generate(2000);
    let sb = Sandbox::new(&crate::common::black_hole(), &config, &creds);
    let command = sb.terminal_line("");
    let tmux = Tmux::start_sized(&command, size)?;
    Some((sb, tmux))
}
