//! The serving boundary (docs/security.md, "Serving"): inside `exec --server PROFILE`, the
//! default chain gets PROFILE's session and every profile named explicitly its own identity
//! (or its own clear error); a code is sent to STS once; the run's duration holds for every
//! renewal; short sessions are not renewed on every call; a role kept only in the AWS CLI's
//! cache is served from there. The AWS CLI judges, moto answers, a recording front counts.

use crate::common::{text, Moto, Recorder, Sandbox};
use chrono::{Duration, SecondsFormat, Utc};

fn in_secs(s: i64) -> String {
    (Utc::now() + Duration::seconds(s)).to_rfc3339_opts(SecondsFormat::Secs, true)
}

/// `aws sts get-caller-identity` for each of `profiles` (`-` = no profile), one line each:
/// the ARN, or `ERROR <first line of the error>`.
fn whoami(profiles: &[&str]) -> String {
    profiles
        .iter()
        .map(|p| {
            let flag = if *p == "-" {
                String::new()
            } else {
                format!("--profile '{p}'")
            };
            format!(
                "out=$(aws sts get-caller-identity {flag} --query Arn --output text 2>&1) && echo \"{p} $out\" || echo \"{p} ERROR $(echo \"$out\" | grep -v '^$' | tail -n 1)\""
            )
        })
        .collect::<Vec<_>>()
        .join("; ")
}

fn answers(stdout: &str) -> std::collections::BTreeMap<String, String> {
    stdout
        .lines()
        .filter_map(|l| l.split_once(' '))
        .map(|(p, rest)| (p.to_owned(), rest.to_owned()))
        .collect()
}

#[test]
fn every_profile_named_inside_exec_server_gets_its_own_identity() {
    let Some(moto) = Moto::start() else { return };
    let serial = moto.get("mfa_serial");
    let bob = (
        moto.get("bob_access_key_id"),
        moto.get("bob_secret_access_key"),
    );
    for keys_in_config_default in [false, true] {
        let default_keys = format!(
            "aws_access_key_id = {}\naws_secret_access_key = {}\n",
            bob.0, bob.1
        );
        let config = format!(
            "[default]\nregion = us-east-1\n{}\n[profile dev]\nregion = us-east-1\nmfa_serial = {serial}\n\n\
             [profile other]\nregion = us-east-1\n\n[profile settings-only]\nregion = us-east-1\n\n\
             [profile admin-of-other]\nrole_arn = {}\nsource_profile = other\nregion = us-east-1\n\n\
             [profile from-default]\nrole_arn = {}\nsource_profile = default\nregion = us-east-1\n\n\
             [sso-session corp]\nsso_start_url = https://example.awsapps.com/start\nsso_region = eu-west-1\n\n\
             [profile corp-login]\nsso_session = corp\nregion = us-east-1\n\n\
             [profile secret-only]\nregion = us-east-1\n",
            if keys_in_config_default { default_keys.as_str() } else { "" },
            moto.role("Admin"),
            moto.role("Admin")
        );
        let credentials = format!(
            "{}[dev]\naws_access_key_id = {}\naws_secret_access_key = {}\n\n\
             [dev-mfa]\naws_access_key_id = ASIASERVEDSESSION001\naws_secret_access_key = served-secret\naws_session_token = served-token\nexpiration = {}\n\n\
             [other]\naws_access_key_id = {}\naws_secret_access_key = {}\n\n\
             [secret-only]\naws_secret_access_key = half-a-pair\n",
            if keys_in_config_default { String::new() } else { format!("[default]\n{default_keys}\n") },
            moto.get("access_key_id"),
            moto.get("secret_access_key"),
            in_secs(7200),
            bob.0,
            bob.1
        );
        let sb = Sandbox::new(&moto.url, &config, &credentials);
        let before = (
            sb.credentials(),
            std::fs::read_to_string(sb.aws("config")).unwrap(),
        );
        let script = whoami(&[
            "-",
            "default",
            "other",
            "admin-of-other",
            "settings-only",
            "from-default",
            "corp-login",
            "secret-only",
        ]);
        let out = sb.exec_server_sh(&script).output().unwrap();
        let (stdout, stderr) = text(&out);
        assert!(out.status.success(), "{stderr}");
        let who = answers(&stdout);
        // moto answers user/moto for the served GetSessionToken session (TEST-ENV.md).
        assert!(
            who["-"].ends_with(":user/moto"),
            "the default chain gets the served session: {stdout}\n{stderr}"
        );
        assert!(who["default"].ends_with(":user/moto"), "{stdout}");
        assert!(
            who["other"].ends_with(":user/bob"),
            "other is other: {stdout}"
        );
        assert!(
            who["admin-of-other"].contains(":assumed-role/Admin/"),
            "{stdout}"
        );
        assert!(
            who["settings-only"].starts_with("ERROR")
                && who["settings-only"].contains("no credentials of its own"),
            "a profile with no credentials gets its own error, not dev's session: {stdout}"
        );
        assert!(
            who["from-default"].contains(":assumed-role/Admin/"),
            "a role sourcing default keeps default's keys: {stdout}\n{stderr}"
        );
        // botocore passes over an sso_session without an account or role, and a secret
        // without its key id: such profiles would get the served session.
        for bare in ["corp-login", "secret-only"] {
            assert!(
                who[bare].starts_with("ERROR") && who[bare].contains("no credentials of its own"),
                "{bare} gets its own error: {stdout}"
            );
        }
        assert!(
            stderr.contains("[default] has aws_access_key_id"),
            "says what it hid and why: {stderr}"
        );
        assert!(
            stderr.contains(
                "'settings-only', 'corp-login' and 'secret-only' have no credentials of their own"
            ),
            "{stderr}"
        );
        for secret in ["served-secret", "served-token", &bob.1] {
            assert!(!stderr.contains(secret), "{stderr}");
        }
        assert_eq!(
            (
                sb.credentials(),
                std::fs::read_to_string(sb.aws("config")).unwrap()
            ),
            before,
            "the real files are untouched"
        );
        let run = sb.home.path().join("run/mfatui");
        let left: Vec<_> = std::fs::read_dir(&run)
            .map(|d| d.flatten().map(|e| e.file_name()).collect())
            .unwrap_or_default();
        assert!(
            left.iter()
                .all(|n| !n.to_string_lossy().starts_with("exec-")),
            "CMD's copies are gone with it: {left:?}"
        );
    }
}

#[test]
fn nothing_is_copied_when_nothing_could_shadow_the_endpoint_and_mfatui_inside_writes_the_real_files(
) {
    let Some(moto) = Moto::start() else { return };
    let config = format!(
        "[profile dev]\nregion = us-east-1\nmfa_serial = {}\n",
        moto.get("mfa_serial")
    );
    let credentials = format!(
        "[dev]\naws_access_key_id = {}\naws_secret_access_key = {}\n\n[dev-mfa]\naws_access_key_id = ASIASERVEDSESSION001\naws_secret_access_key = s\naws_session_token = t\nexpiration = {}\n",
        moto.get("access_key_id"),
        moto.get("secret_access_key"),
        in_secs(7200)
    );
    let sb = Sandbox::new(&moto.url, &config, &credentials);
    let script = format!(
        "echo \"files ${{AWS_CONFIG_FILE:-real}} ${{AWS_SHARED_CREDENTIALS_FILE:-real}}\"; {} set dev output json --yes >/dev/null",
        env!("CARGO_BIN_EXE_mfatui")
    );
    let out = sb.exec_server_sh(&script).output().unwrap();
    let (stdout, stderr) = text(&out);
    assert!(out.status.success(), "{stderr}");
    assert!(
        stdout.contains("files real real"),
        "no copies were needed: {stdout}"
    );
    assert!(!stderr.contains("CMD sees a"), "{stderr}");
    assert!(std::fs::read_to_string(sb.aws("config"))
        .unwrap()
        .contains("output = json"));

    // With copies (keys in [default]), mfatui inside CMD still writes the real file.
    let credentials = format!(
        "[default]\naws_access_key_id = AKIADEFAULT\naws_secret_access_key = d\n\n{credentials}"
    );
    std::fs::write(sb.aws("credentials"), credentials).unwrap();
    let script = format!(
        "{} set dev region eu-north-1 --yes >/dev/null && grep -c AKIADEFAULT \"$AWS_SHARED_CREDENTIALS_FILE\" || true",
        env!("CARGO_BIN_EXE_mfatui")
    );
    let out = sb.exec_server_sh(&script).output().unwrap();
    let (stdout, stderr) = text(&out);
    assert!(out.status.success(), "{stderr}");
    assert_eq!(
        stdout.trim(),
        "0",
        "CMD's copy has no [default] keys: {stdout}"
    );
    assert!(std::fs::read_to_string(sb.aws("config"))
        .unwrap()
        .contains("region = eu-north-1"));
    assert!(
        sb.credentials().contains("AKIADEFAULT"),
        "the real file keeps them"
    );
}

#[test]
fn a_code_given_to_exec_server_is_sent_once_and_its_duration_holds_for_every_renewal() {
    let Some(moto) = Moto::start() else { return };
    let front = Recorder::start(&moto);
    let config = format!(
        "[profile dev]\nregion = us-east-1\nmfa_serial = {}\n",
        moto.get("mfa_serial")
    );
    let credentials = format!(
        "[dev]\naws_access_key_id = {}\naws_secret_access_key = {}\n",
        moto.get("access_key_id"),
        moto.get("secret_access_key")
    );
    let sb = Sandbox::new(&front.url, &config, &credentials);
    let expire = format!(
        "{} set dev-mfa expiration 2001-01-01T00:00:00Z --file credentials --yes >/dev/null",
        env!("CARGO_BIN_EXE_mfatui")
    );
    let script = format!(
        "aws sts get-caller-identity >/dev/null && echo first ok; {expire}; aws sts get-caller-identity >/dev/null 2>&1 && echo second ok || echo second refused"
    );
    let out = sb.mfatui(&[
        "exec",
        "--server",
        "dev",
        "--code",
        "111111",
        "--duration",
        "20m",
        "--",
        "sh",
        "-c",
        &script,
    ]);
    let (stdout, stderr) = text(&out);
    assert!(out.status.success(), "{stderr}");
    assert!(
        stdout.contains("first ok") && stdout.contains("second refused"),
        "{stdout}\n{stderr}"
    );
    assert!(
        stderr.contains("an MFA code is needed"),
        "the second renewal asks the sources again: {stderr}"
    );
    let calls = front.calls("GetSessionToken");
    assert_eq!(calls.len(), 1, "{calls:?}");
    assert_eq!(calls[0]["TokenCode"], "111111");
    assert_eq!(
        calls[0]["DurationSeconds"], "1200",
        "--duration, not the default"
    );

    // With a source that can give another code (mfa_process), the endpoint's renewal uses that
    // one, never --code again, and the run's --duration holds for it too.
    let config = format!("{config}mfa_process = echo 333333\n");
    std::fs::write(sb.aws("config"), config).unwrap();
    std::fs::write(sb.aws("credentials"), &credentials).unwrap();
    let script = format!("{expire}; aws sts get-caller-identity >/dev/null && echo renewed ok");
    let out = sb.mfatui(&[
        "exec",
        "--server",
        "dev",
        "--code",
        "111111",
        "--duration",
        "20m",
        "--",
        "sh",
        "-c",
        &script,
    ]);
    let (stdout, stderr) = text(&out);
    assert!(stdout.contains("renewed ok"), "{stdout}\n{stderr}");
    let calls = front.calls("GetSessionToken");
    let codes: Vec<&str> = calls[1..]
        .iter()
        .map(|c| c["TokenCode"].as_str().unwrap())
        .collect();
    assert_eq!(codes, ["111111", "333333"], "each code once");
    assert!(
        calls[1..].iter().all(|c| c["DurationSeconds"] == "1200"),
        "{calls:?}"
    );
}

#[test]
fn five_calls_within_a_short_role_session_renew_it_once() {
    let Some(moto) = Moto::start() else { return };
    let front = Recorder::start(&moto);
    let serial = moto.get("mfa_serial");
    let config = format!(
        "[profile dev]\nregion = us-east-1\n\n[profile ops]\nrole_arn = {}\nsource_profile = dev\nmfa_serial = {serial}\nduration_seconds = 900\nregion = us-east-1\n\n\
         [profile work]\ncredential_process = {} credential-process ops\nregion = us-east-1\n",
        moto.role("Admin"),
        env!("CARGO_BIN_EXE_mfatui")
    );
    let credentials = format!(
        "[dev]\naws_access_key_id = {}\naws_secret_access_key = {}\n",
        moto.get("access_key_id"),
        moto.get("secret_access_key")
    );
    let sb = Sandbox::new(&front.url, &config, &credentials);
    for _ in 0..5 {
        let out = sb.aws_cli(
            &["sts", "get-caller-identity", "--profile", "work"],
            &[("AWS_MFA_TOKEN", "123456")],
        );
        assert!(out.status.success(), "{}", text(&out).1);
    }
    let assumed: Vec<_> = front
        .calls("AssumeRole")
        .into_iter()
        .filter(|c| c["TokenCode"] == "123456")
        .collect();
    assert_eq!(
        assumed.len(),
        1,
        "one code, one renewal for five calls: {assumed:?}"
    );
    assert_eq!(sb.backups().len(), 1, "one renewal, one backup");
}

#[test]
fn a_role_kept_only_in_the_aws_cli_cache_is_served_from_there() {
    let Some(moto) = Moto::start() else { return };
    let front = Recorder::start(&moto);
    let config = format!(
        "[profile dev]\nregion = us-east-1\n\n[profile ops]\nrole_arn = {}\nsource_profile = dev\nmfa_serial = {}\nregion = us-east-1\n",
        moto.role("Admin"),
        moto.get("mfa_serial")
    );
    let credentials = format!(
        "[dev]\naws_access_key_id = {}\naws_secret_access_key = {}\n",
        moto.get("access_key_id"),
        moto.get("secret_access_key")
    );
    let sb = Sandbox::new(&front.url, &config, &credentials);
    sb.settings("[roles]\nwrite_profile = false\n");
    for _ in 0..3 {
        let out = sb.mfatui_env(
            &["credential-process", "ops"],
            &[("AWS_MFA_TOKEN", "123456")],
        );
        let (stdout, stderr) = text(&out);
        assert!(out.status.success(), "{stderr}");
        assert!(stdout.contains("\"AccessKeyId\":\"ASIA"), "{stdout}");
    }
    assert_eq!(
        front.calls("AssumeRole").len(),
        1,
        "renewed once, then served from the cache"
    );
    assert!(
        !sb.credentials().contains("[ops-mfa]"),
        "no section written"
    );
}

/// The command fetches once a go-file appears, with the token; prints the status and key.
const FETCH_ON_GO: &str = r#"
import os, sys, time, urllib.request
print(os.environ["AWS_CONTAINER_CREDENTIALS_FULL_URI"], flush=True)
while not os.path.exists(sys.argv[1]):
    time.sleep(0.05)
for attempt in range(2):
    try:
        r = urllib.request.urlopen(urllib.request.Request(os.environ["AWS_CONTAINER_CREDENTIALS_FULL_URI"],
            headers={"Authorization": os.environ["AWS_CONTAINER_AUTHORIZATION_TOKEN"]}), timeout=10)
        print(r.status, __import__("json").load(r)["AccessKeyId"], flush=True)
        break
    except Exception as e:
        print("failed", type(e).__name__, flush=True)
"#;

#[test]
fn connections_that_hold_back_their_request_cannot_crowd_out_the_command() {
    use std::io::{BufRead, Write};
    let config =
        "[profile dev]\nregion = eu-central-1\nmfa_serial = arn:aws:iam::123456789012:mfa/ana\n";
    let credentials = format!(
        "[dev]\naws_access_key_id = AKIALONGLONGLONG0000\naws_secret_access_key = long-secret\n\n\
         [dev-mfa]\naws_access_key_id = ASIAFRESHFRESH001234\naws_secret_access_key = fresh-secret\n\
         aws_session_token = fresh-token\nexpiration = {}\n",
        in_secs(7200)
    );
    let sb = Sandbox::new(&crate::common::black_hole(), config, &credentials);
    let go = sb.home.path().join("go");
    // A small descriptor limit stands for a long attack: without a bound on waiting
    // connections, these few hundred exhaust it and the command's own fetch is never accepted.
    let mut command = std::process::Command::new("sh");
    command
        .args(["-c", "ulimit -n 200 && exec \"$0\" \"$@\""])
        .arg(env!("CARGO_BIN_EXE_mfatui"))
        .args([
            "exec",
            "--server",
            "dev",
            "--",
            "python3",
            "-c",
            FETCH_ON_GO,
        ])
        .arg(&go);
    let isolated = sb.mfatui_command(&[]);
    command.env_clear();
    for (k, v) in isolated.get_envs() {
        match v {
            Some(v) => command.env(k, v),
            None => command.env_remove(k),
        };
    }
    let mut child = command
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let mut lines = std::io::BufReader::new(child.stdout.take().unwrap()).lines();
    let url = lines.next().unwrap().unwrap();
    let port: u16 = url
        .trim_start_matches("http://127.0.0.1:")
        .split('/')
        .next()
        .unwrap()
        .parse()
        .unwrap();
    // Another local user holds many connections, each with half a request head, and keeps
    // opening more while the command fetches.
    let addr = std::net::SocketAddr::from(([127, 0, 0, 1], port));
    let wait = std::time::Duration::from_millis(200);
    let mut held = Vec::new();
    for _ in 0..400 {
        if let Ok(mut s) = std::net::TcpStream::connect_timeout(&addr, wait) {
            let _ = s.write_all(b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n");
            held.push(s);
        }
    }
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let flood = {
        let stop = stop.clone();
        std::thread::spawn(move || {
            let mut more = Vec::new();
            while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                if let Ok(mut s) = std::net::TcpStream::connect_timeout(&addr, wait) {
                    let _ = s.write_all(b"GET / HTTP/1.1\r\n");
                    more.push(s);
                }
                std::thread::sleep(std::time::Duration::from_millis(2));
            }
        })
    };
    std::fs::write(&go, "").unwrap();
    let answer = lines.next().unwrap().unwrap();
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    flood.join().unwrap();
    drop(held);
    let status = child.wait().unwrap();
    assert_eq!(
        answer, "200 ASIAFRESHFRESH001234",
        "the command's fetch got through"
    );
    assert!(status.success());
}

/// `dev` with a session valid for two hours, and keys in `[default]` (so CMD gets copies).
fn shadowed_files() -> (String, String) {
    (
        "[profile dev]\nregion = eu-central-1\nmfa_serial = arn:aws:iam::123456789012:mfa/ana\n".to_owned(),
        format!(
            "[default]\naws_access_key_id = AKIADEFAULTSHADOW000\naws_secret_access_key = d\n\n\
             [dev]\naws_access_key_id = AKIALONGLONGLONG0000\naws_secret_access_key = long-secret\n\n\
             [dev-mfa]\naws_access_key_id = ASIAFRESHFRESH001234\naws_secret_access_key = fresh-secret\naws_session_token = fresh-token\nexpiration = {}\n",
            in_secs(7200)
        ),
    )
}

/// Whether process `pid` still runs (a zombie of ours counts as gone once reaped).
fn running(pid: i32) -> bool {
    rustix::process::Pid::from_raw(pid)
        .is_some_and(|p| rustix::process::test_kill_process(p).is_ok())
}

#[test]
fn a_killed_mfatui_takes_its_command_along_and_its_copies_go_at_the_next_start() {
    let (config, credentials) = shadowed_files();
    let sb = Sandbox::new(&crate::common::black_hole(), &config, &credentials);
    let hupped = sb.home.path().join("hupped");
    let mut child = sb
        .mfatui_command(&[
            "exec",
            "--server",
            "dev",
            "--",
            "sh",
            "-c",
            "trap 'echo hup > \"$HUPPED\"; exit 0' HUP; echo \"$$ $MFATUI_OVERLAY\"; while :; do sleep 0.1; done",
        ])
        .env("HUPPED", &hupped)
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut line = String::new();
    std::io::BufRead::read_line(
        &mut std::io::BufReader::new(child.stdout.take().unwrap()),
        &mut line,
    )
    .unwrap();
    let (cmd_pid, copies) = line.trim().split_once(' ').unwrap();
    let cmd_pid: i32 = cmd_pid.parse().unwrap();
    let copies = std::path::PathBuf::from(copies);
    assert!(copies.join("credentials").is_file(), "{line}");
    // kill -9: mfatui can neither stop CMD nor clean up; the kernel tells CMD (SIGHUP).
    rustix::process::kill_process(
        rustix::process::Pid::from_raw(child.id() as i32).unwrap(),
        rustix::process::Signal::KILL,
    )
    .unwrap();
    child.wait().unwrap();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    while running(cmd_pid) {
        assert!(
            std::time::Instant::now() < deadline,
            "CMD outlived its endpoint (and would send the token to whoever takes the port)"
        );
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    assert_eq!(std::fs::read_to_string(&hupped).unwrap(), "hup\n");
    // The run's watcher (its pipe from mfatui closed) removes the copies with their secrets.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(5);
    while copies.exists() {
        assert!(
            std::time::Instant::now() < deadline,
            "kill -9 left the copies (and every long-term secret in them) behind"
        );
        std::thread::sleep(std::time::Duration::from_millis(50));
    }

    // A dead run's folder whose watcher could not remove it, a folder of a run still going
    // (this test's PID), and one of another user.
    let dead_pid = || {
        let mut c = std::process::Command::new("true").spawn().unwrap();
        let pid = c.id();
        c.wait().unwrap();
        pid
    };
    let base = copies.parent().unwrap();
    let copies = base.join(format!("exec-{}", dead_pid()));
    std::fs::create_dir(&copies).unwrap();
    let live = base.join(format!("exec-{}", std::process::id()));
    std::fs::create_dir(&live).unwrap();
    let foreign = base.join(format!("exec-{}", dead_pid()));
    std::fs::create_dir(&foreign).unwrap();
    let as_root = rustix::process::geteuid().is_root();
    if as_root {
        std::os::unix::fs::chown(&foreign, Some(65534), Some(65534)).unwrap();
    }
    let out = sb.mfatui(&["exec", "--server", "dev", "--", "true"]);
    assert!(out.status.success(), "{}", text(&out).1);
    assert!(
        !copies.exists(),
        "the next start removes a dead run's copies"
    );
    assert!(live.is_dir(), "a running PID's folder is kept");
    if as_root {
        assert!(
            foreign.is_dir(),
            "another user's folder is not ours to remove"
        );
    }
    let left: Vec<_> = std::fs::read_dir(base)
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with("exec-"))
        .collect();
    assert_eq!(left.len(), if as_root { 2 } else { 1 }, "{left:?}");
}

/// A background job of CMD that outlives mfatui's `kill -9` (and CMD's SIGHUP), then fetches,
/// as `( sleep 4; curl … ) &` does: the port stays bound (by CMD's tree and the keeper), so
/// another local user cannot take it and collect the token; the survivor's fetch gets the
/// keeper's error, never credentials.
#[test]
fn a_survivor_of_cmd_keeps_the_port_so_another_user_cannot_take_it_and_collect_the_token() {
    let (config, credentials) = shadowed_files();
    let sb = Sandbox::new(&crate::common::black_hole(), &config, &credentials);
    let fetched = sb.home.path().join("fetched");
    let fetch = "import os, urllib.request, urllib.error\n\
        r = urllib.request.Request(os.environ['AWS_CONTAINER_CREDENTIALS_FULL_URI'], \
        headers={'Authorization': os.environ['AWS_CONTAINER_AUTHORIZATION_TOKEN']})\n\
        try:\n    print('answered', urllib.request.urlopen(r, timeout=4).read())\n\
        except urllib.error.HTTPError as e:\n    print('refused', e.code, e.read().decode())\n\
        except Exception as e:\n    print('unanswered', type(e).__name__)\n";
    let mut child = sb
        .mfatui_command(&[
            "exec",
            "--server",
            "dev",
            "--",
            "sh",
            "-c",
            "( sleep 3; python3 -c \"$FETCH\" > \"$FETCHED\" 2>&1 ) &\n\
             port=${AWS_CONTAINER_CREDENTIALS_FULL_URI#http://127.0.0.1:}; echo \"$$ $! ${port%/}\"\n\
             while :; do sleep 0.1; done",
        ])
        .env("FETCH", fetch)
        .env("FETCHED", &fetched)
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut line = String::new();
    std::io::BufRead::read_line(
        &mut std::io::BufReader::new(child.stdout.take().unwrap()),
        &mut line,
    )
    .unwrap();
    let pids: Vec<&str> = line.split_whitespace().collect();
    let (cmd_pid, survivor, port): (i32, i32, u16) = (
        pids[0].parse().unwrap(),
        pids[1].parse().unwrap(),
        pids[2].parse().unwrap(),
    );
    rustix::process::kill_process(
        rustix::process::Pid::from_raw(child.id() as i32).unwrap(),
        rustix::process::Signal::KILL,
    )
    .unwrap();
    child.wait().unwrap();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    while running(cmd_pid) {
        assert!(std::time::Instant::now() < deadline, "CMD outlived mfatui");
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    assert!(running(survivor), "the background job survives: {line}");

    let said = take_port(port);
    assert!(
        said.starts_with("refused"),
        "another user took the endpoint's port: {said}"
    );
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(15);
    while running(survivor) {
        assert!(std::time::Instant::now() < deadline, "the survivor hangs");
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    let outcome = std::fs::read_to_string(&fetched).unwrap();
    assert!(outcome.starts_with("refused 503"), "{outcome}");
    assert!(!outcome.contains("fresh"), "{outcome}");
}

/// The attacker: another user (root can play one), else this user; both `SO_REUSEADDR` and
/// `SO_REUSEPORT`, binding 127.0.0.1:`port` and listening a few seconds for a fetch. What it
/// says: `refused ERRNO`, or what it took.
fn take_port(port: u16) -> String {
    let attacker = format!(
        "import socket\n\
         s = socket.socket()\n\
         s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)\n\
         s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)\n\
         try:\n    s.bind(('127.0.0.1', {port}))\n\
         except OSError as e:\n    print('refused', e.errno); raise SystemExit\n\
         s.listen(); s.settimeout(8)\n\
         c, _ = s.accept(); c.settimeout(3); print('took the port and got:', c.recv(4096))\n"
    );
    let mut command = if rustix::process::geteuid().is_root() {
        let mut c = std::process::Command::new("setpriv");
        c.args([
            "--reuid=65534",
            "--regid=65534",
            "--clear-groups",
            "/usr/bin/python3",
        ]);
        c
    } else {
        std::process::Command::new("python3")
    };
    let out = command.arg("-c").arg(&attacker).output().unwrap();
    let (said, complaint) = text(&out);
    format!("{said}{complaint}")
}

/// A grandchild of CMD that closes every descriptor and leaves CMD's session (Python's
/// `subprocess` default, as tmux servers and daemons do) outlives CMD and mfatui, then fetches
/// from the URI in its environment. mfatui's keeper holds the port for as long as such a
/// process lives, so another user cannot take it and answer with credentials of their choosing;
/// the fetch gets the keeper's error at once (never credentials), and when the grandchild ends
/// the keeper ends and the port is free.
#[test]
fn a_detached_grandchild_that_closed_every_descriptor_finds_the_port_held_and_gets_an_error() {
    let (config, credentials) = shadowed_files();
    let sb = Sandbox::new(&crate::common::black_hole(), &config, &credentials);
    let fetched = sb.home.path().join("fetched");
    let grandchild = "import os, time, urllib.request, urllib.error\n\
        time.sleep(5)\n\
        r = urllib.request.Request(os.environ['AWS_CONTAINER_CREDENTIALS_FULL_URI'], \
        headers={'Authorization': os.environ['AWS_CONTAINER_AUTHORIZATION_TOKEN']})\n\
        try:\n    print('answered', urllib.request.urlopen(r, timeout=4).read())\n\
        except urllib.error.HTTPError as e:\n    print('refused', e.code, e.read().decode())\n\
        except Exception as e:\n    print('unanswered', type(e).__name__, e)\n";
    let cmd = "import os, subprocess, sys\n\
        out = open(os.environ['FETCHED'], 'w')\n\
        p = subprocess.Popen([sys.executable, '-c', os.environ['GRANDCHILD']], \
        stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT, \
        close_fds=True, start_new_session=True)\n\
        print(p.pid, os.environ['AWS_CONTAINER_CREDENTIALS_FULL_URI'], \
        os.environ.get('MFATUI_OVERLAY', ''), flush=True)\n";
    let out = sb
        .mfatui_command(&["exec", "--server", "dev", "--", "python3", "-c", cmd])
        .env("GRANDCHILD", grandchild)
        .env("FETCHED", &fetched)
        .output()
        .unwrap();
    let (said, complaint) = text(&out);
    assert!(out.status.success(), "{said}{complaint}");
    let fields: Vec<&str> = said.split_whitespace().collect();
    let grandchild: i32 = fields[0].parse().unwrap();
    let port: u16 = fields[1]
        .trim_start_matches("http://127.0.0.1:")
        .trim_end_matches('/')
        .parse()
        .unwrap();
    // mfatui and CMD are gone; the grandchild, holding no descriptor of the socket, lives.
    assert!(running(grandchild), "{said}");
    let taken = take_port(port);
    assert!(
        taken.starts_with("refused"),
        "another user took the port of a fetch still to come: {taken}"
    );
    assert!(running(grandchild), "the attempt came after the fetch");
    if let Some(copies) = fields.get(2) {
        // The keeper keeps the port, not the copies with their secrets.
        assert!(!std::path::Path::new(copies).exists(), "{copies} kept");
    }
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(15);
    while running(grandchild) {
        assert!(std::time::Instant::now() < deadline, "the grandchild hangs");
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    let outcome = std::fs::read_to_string(&fetched).unwrap();
    assert!(
        outcome.starts_with("refused 503") && outcome.contains("endpoint has ended"),
        "{outcome}"
    );
    assert!(
        !outcome.contains("dev"),
        "the error names no profile: {outcome}"
    );
    assert!(!outcome.contains("fresh"), "{outcome}");
    // CMD's last descendant has ended: its holder ends, freeing the port.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(5);
    while std::net::TcpListener::bind(("127.0.0.1", port)).is_err() {
        assert!(
            std::time::Instant::now() < deadline,
            "the holder outlived the last descendant of CMD"
        );
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
}

/// The survivor of [`a_descendant_that_hides_the_uri_still_finds_the_port_held_and_gets_an_error`]:
/// the URI and the token in its arguments; non-dumpable when asked; sleeps, then fetches.
const HIDDEN_SURVIVOR: &str = "import sys, time, urllib.request, urllib.error\n\
    if len(sys.argv) > 3:\n    import ctypes; ctypes.CDLL(None).prctl(4, 0, 0, 0, 0)\n\
    time.sleep(5)\n\
    r = urllib.request.Request(sys.argv[1], headers={'Authorization': sys.argv[2]})\n\
    try:\n    print('answered', urllib.request.urlopen(r, timeout=4).read())\n\
    except urllib.error.HTTPError as e:\n    print('refused', e.code, e.read().decode())\n\
    except Exception as e:\n    print('unanswered', type(e).__name__, e)\n";

/// CMD: starts the survivor detached (its own session, every descriptor closed) — re-executed
/// with an empty environment (`env -i`), non-dumpable (its /proc entry then root's), or as
/// another user —
/// prints its PID and the URI, and exits 5 at once.
const HIDING_CMD: &str = "import os, subprocess, sys\n\
    uri = os.environ['AWS_CONTAINER_CREDENTIALS_FULL_URI']\n\
    token = os.environ['AWS_CONTAINER_AUTHORIZATION_TOKEN']\n\
    survivor = [sys.executable, '-c', os.environ['SURVIVOR'], uri, token]\n\
    argv = {'clean': ['env', '-i'] + survivor, 'nondumpable': survivor + ['nondumpable'], \
    'otheruser': ['setpriv', '--reuid=65534', '--regid=65534', '--clear-groups', \
    '/usr/bin/python3'] + survivor[1:]}[sys.argv[1]]\n\
    out = open(os.environ['FETCHED'], 'w')\n\
    p = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT, \
    close_fds=True, start_new_session=True)\n\
    print(p.pid, uri, flush=True)\n\
    sys.exit(5)\n";

/// The processes of the `exec --server` run of mfatui `pid` still there: its holder
/// (`exec-child --parent PID`) and the keeper of its copies (`exec-cleanup …/exec-PID`).
fn left_of_run(pid: u32) -> Vec<String> {
    let holder = format!("--parent\0{pid}\0");
    let copies = format!("exec-{pid}");
    std::fs::read_dir("/proc")
        .unwrap()
        .flatten()
        .filter_map(|e| std::fs::read(e.path().join("cmdline")).ok())
        .map(|c| String::from_utf8_lossy(&c).into_owned())
        .filter(|c| {
            (c.contains("exec-child\0") && c.contains(&holder))
                || (c.contains("exec-cleanup\0") && c.contains(&copies))
        })
        .collect()
}

/// A descendant of CMD that detaches, closes every descriptor and keeps the URI where no
/// environment scan finds it — re-executed with an empty environment and the URI in its
/// arguments, non-dumpable, or running as another user — outlives CMD and mfatui, then
/// fetches. CMD's holder (its parent, a child subreaper) inherits it and keeps the port bound
/// while it lives: another user cannot take the port; its fetch gets an error naming nothing
/// (never credentials); mfatui said CMD's exit status at once; when the survivor ends the
/// port is free and nothing of the run remains.
#[cfg(target_os = "linux")]
#[test]
fn a_descendant_that_hides_the_uri_still_finds_the_port_held_and_gets_an_error() {
    let (config, credentials) = shadowed_files();
    let sb = Sandbox::new(&crate::common::black_hole(), &config, &credentials);
    let fetched = sb.home.path().join("fetched");
    // Only root can start a process as another user.
    let as_root = rustix::process::geteuid().is_root();
    let variants: &[&str] = if as_root {
        &["clean", "nondumpable", "otheruser"]
    } else {
        &["clean", "nondumpable"]
    };
    for &variant in variants {
        let started = std::time::Instant::now();
        let mut child = sb
            .mfatui_command(&["exec", "--server", "dev", "--", "python3", "-c", HIDING_CMD])
            .arg(variant)
            .env("SURVIVOR", HIDDEN_SURVIVOR)
            .env("FETCHED", &fetched)
            .stdout(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        let run = child.id();
        let mut said = String::new();
        std::io::Read::read_to_string(&mut child.stdout.take().unwrap(), &mut said).unwrap();
        let status = child.wait().unwrap();
        let took = started.elapsed();
        assert_eq!(status.code(), Some(5), "{variant}: CMD's status: {said}");
        assert!(
            took < std::time::Duration::from_secs(4),
            "{variant}: mfatui waited for the survivor ({took:?})"
        );
        let fields: Vec<&str> = said.split_whitespace().collect();
        let survivor: i32 = fields[0].parse().unwrap();
        let port: u16 = fields[1]
            .trim_start_matches("http://127.0.0.1:")
            .trim_end_matches('/')
            .parse()
            .unwrap();
        assert!(running(survivor), "{variant}: {said}");
        let taken = take_port(port);
        assert!(
            taken.starts_with("refused"),
            "{variant}: another user took the port of a fetch still to come: {taken}"
        );
        assert!(
            running(survivor),
            "{variant}: the attempt came after the fetch"
        );
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(15);
        while running(survivor) {
            assert!(
                std::time::Instant::now() < deadline,
                "{variant}: the survivor hangs"
            );
            std::thread::sleep(std::time::Duration::from_millis(100));
        }
        let outcome = std::fs::read_to_string(&fetched).unwrap();
        assert!(outcome.starts_with("refused 503"), "{variant}: {outcome}");
        for named in ["fresh", "dev", "ASIA"] {
            assert!(!outcome.contains(named), "{variant}: {outcome}");
        }
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(5);
        while std::net::TcpListener::bind(("127.0.0.1", port)).is_err()
            || !left_of_run(run).is_empty()
        {
            assert!(
                std::time::Instant::now() < deadline,
                "{variant}: the port or a process of the run outlived CMD's last descendant: {:?}",
                left_of_run(run)
            );
            std::thread::sleep(std::time::Duration::from_millis(100));
        }
    }
}

/// CMD for the holder's own tests: starts [`HIDDEN_SURVIVOR`] detached (its own session, every
/// descriptor closed), prints its PID and the URI; then, given `stay`, waits (to be killed),
/// else removes the file its argument names (the binary of the mfatui that serves it) and
/// exits 5.
const SURVIVOR_CMD: &str = "import os, subprocess, sys, time\n\
    uri = os.environ['AWS_CONTAINER_CREDENTIALS_FULL_URI']\n\
    token = os.environ['AWS_CONTAINER_AUTHORIZATION_TOKEN']\n\
    out = open(os.environ['FETCHED'], 'w')\n\
    p = subprocess.Popen([sys.executable, '-c', os.environ['SURVIVOR'], uri, token], \
    stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT, close_fds=True, \
    start_new_session=True)\n\
    print(p.pid, uri, flush=True)\n\
    if sys.argv[1] == 'stay':\n    time.sleep(60)\n\
    os.remove(sys.argv[1])\n\
    sys.exit(5)\n";

/// Starts `command` (an `exec --server … -- python3 -c SURVIVOR_CMD ARG` run) and reads CMD's
/// line: the run, the survivor's PID and the port.
fn start_survivor_run(mut command: std::process::Command) -> (std::process::Child, i32, u16) {
    let mut tries = 0;
    let mut child = loop {
        match command.spawn() {
            Ok(child) => break child,
            // A copy just written may still be open in a process another test is starting.
            Err(e) if e.raw_os_error() == Some(26) && tries < 50 => {
                tries += 1;
                std::thread::sleep(std::time::Duration::from_millis(20));
            }
            Err(e) => panic!("cannot start mfatui: {e}"),
        }
    };
    let mut line = String::new();
    std::io::BufRead::read_line(
        &mut std::io::BufReader::new(child.stdout.take().unwrap()),
        &mut line,
    )
    .unwrap();
    let fields: Vec<&str> = line.split_whitespace().collect();
    assert_eq!(fields.len(), 2, "CMD said: {line}");
    let survivor: i32 = fields[0].parse().unwrap();
    let port: u16 = fields[1]
        .trim_start_matches("http://127.0.0.1:")
        .trim_end_matches('/')
        .parse()
        .unwrap();
    (child, survivor, port)
}

/// With CMD's survivor living: the port cannot be taken, the survivor's fetch gets the 503
/// naming nothing, and once it has ended the port is free.
fn the_port_stays_held_for(what: &str, survivor: i32, port: u16, fetched: &std::path::Path) {
    assert!(running(survivor), "{what}: the survivor is gone");
    let taken = take_port(port);
    assert!(
        taken.starts_with("refused"),
        "{what}: another user took the port of a fetch still to come: {taken}"
    );
    assert!(
        running(survivor),
        "{what}: the attempt came after the fetch"
    );
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(15);
    while running(survivor) {
        assert!(
            std::time::Instant::now() < deadline,
            "{what}: the survivor hangs"
        );
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    let outcome = std::fs::read_to_string(fetched).unwrap();
    assert!(outcome.starts_with("refused 503"), "{what}: {outcome}");
    for named in ["fresh", "dev", "ASIA"] {
        assert!(!outcome.contains(named), "{what}: {outcome}");
    }
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(5);
    while std::net::TcpListener::bind(("127.0.0.1", port)).is_err() {
        assert!(
            std::time::Instant::now() < deadline,
            "{what}: the port outlived CMD's last descendant"
        );
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
}

/// `kill -9` of mfatui's whole process group (`timeout -s KILL`, a CI job's end) while CMD
/// runs and a detached descendant of it lives: the holder is in a group of its own and named
/// `mfatui-holder` (so `pkill -x mfatui` / `killall mfatui` miss it too); it goes on holding
/// the port, and the survivor's fetch gets the error, never another user's answer.
#[cfg(target_os = "linux")]
#[test]
fn a_kill_of_mfatuis_process_group_leaves_the_port_held_for_a_survivor() {
    use std::os::unix::process::CommandExt;
    let (config, credentials) = shadowed_files();
    let sb = Sandbox::new(&crate::common::black_hole(), &config, &credentials);
    let fetched = sb.home.path().join("fetched");
    let mut command = sb.mfatui_command(&[
        "exec",
        "--server",
        "dev",
        "--",
        "python3",
        "-c",
        SURVIVOR_CMD,
    ]);
    command
        .arg("stay")
        .env("SURVIVOR", HIDDEN_SURVIVOR)
        .env("FETCHED", &fetched)
        .stdout(std::process::Stdio::piped())
        .process_group(0);
    let (mut child, survivor, port) = start_survivor_run(command);
    let group = rustix::process::Pid::from_raw(child.id() as i32).unwrap();
    rustix::process::kill_process_group(group, rustix::process::Signal::KILL).unwrap();
    child.wait().unwrap();
    // The survivor's parent once CMD is gone: the holder (CMD's subreaper), by its own name.
    let parent_name = || {
        let stat = std::fs::read_to_string(format!("/proc/{survivor}/stat")).unwrap_or_default();
        let parent: i32 = stat
            .rfind(')')
            .and_then(|end| stat[end + 2..].split(' ').nth(1))
            .and_then(|ppid| ppid.parse().ok())
            .unwrap_or(0);
        let name = std::fs::read_to_string(format!("/proc/{parent}/comm")).unwrap_or_default();
        name.trim_end().to_owned()
    };
    // (CMD's end, then the holder's re-execution, which names it anew, take a moment.)
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(2);
    while parent_name() != "mfatui-holder" && std::time::Instant::now() < deadline {
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    let name = parent_name();
    the_port_stays_held_for("kill of the group", survivor, port, &fetched);
    assert_eq!(name, "mfatui-holder", "the survivor's parent");
}

/// The binary of the mfatui serving CMD is removed while CMD runs (`cargo clean`, an
/// uninstall, a package upgrade): when CMD ends leaving a survivor, the holder goes on holding
/// (it re-executes the running binary, not its path).
#[cfg(target_os = "linux")]
#[test]
fn a_removed_binary_still_holds_the_port_for_a_survivor() {
    let (config, credentials) = shadowed_files();
    let sb = Sandbox::new(&crate::common::black_hole(), &config, &credentials);
    let fetched = sb.home.path().join("fetched");
    let bin = sb.home.path().join("bin");
    std::fs::create_dir(&bin).unwrap();
    let copy = bin.join("mfatui");
    std::fs::copy(env!("CARGO_BIN_EXE_mfatui"), &copy).unwrap();
    let template = sb.mfatui_command(&[
        "exec",
        "--server",
        "dev",
        "--",
        "python3",
        "-c",
        SURVIVOR_CMD,
    ]);
    let mut command = std::process::Command::new(&copy);
    command.env_clear().args(template.get_args());
    for (key, value) in template.get_envs() {
        if let Some(value) = value {
            command.env(key, value);
        }
    }
    command
        .arg(&copy)
        .env("SURVIVOR", HIDDEN_SURVIVOR)
        .env("FETCHED", &fetched)
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::piped());
    let (mut child, survivor, port) = start_survivor_run(command);
    let status = child.wait().unwrap();
    assert_eq!(status.code(), Some(5), "CMD's status");
    assert!(!copy.exists(), "CMD removed the binary");
    the_port_stays_held_for("a removed binary", survivor, port, &fetched);
}

#[test]
fn the_demo_exec_leaves_no_temporary_folder_behind() {
    let sb = Sandbox::new(&crate::common::black_hole(), "", "");
    let tmp = sb.home.path().join("tmp");
    for args in [
        &["--demo", "exec", "acme-dev-mfa", "--", "true"][..],
        &["--demo", "exec", "--server", "acme-dev-mfa", "--", "true"][..],
        &[
            "--demo",
            "exec",
            "acme-dev-mfa",
            "--",
            "no-such-command-here",
        ][..],
    ] {
        let out = sb.mfatui(args);
        let left: Vec<_> = std::fs::read_dir(&tmp).unwrap().flatten().collect();
        assert!(left.is_empty(), "{args:?} left {left:?}: {}", text(&out).1);
    }
}

/// Attack round 12 (R12-4): inside `--demo exec --server`, CMD read the user's real files,
/// and botocore took a real `[default]` key ahead of the demo's endpoint. CMD sees the
/// demo's files.
#[test]
fn the_demo_exec_server_never_hands_cmd_the_users_real_files() {
    let sb = Sandbox::new(
        &crate::common::black_hole(),
        "",
        "[default]\naws_access_key_id = AKIAREALUSERKEY00001\naws_secret_access_key = a-real-secret\n",
    );
    let out = sb.mfatui(&[
        "--demo",
        "exec",
        "--server",
        "acme-dev-mfa",
        "--",
        "python3",
        "-c",
        "import botocore.session as s; c = s.Session().get_credentials(); print(c.method, c.access_key)",
    ]);
    let (said, complaint) = text(&out);
    assert!(out.status.success(), "{said}{complaint}");
    assert!(said.starts_with("container-role "), "{said}{complaint}");
    assert!(!said.contains("AKIAREALUSERKEY00001"), "{said}");
}

/// The holder cannot take its descriptors over, as on a kernel before 5.6 (no `pidfd_getfd`).
const OLD_KERNEL: &str = "holder-adopt:fail";

/// CMD (a shell): what it holds, as `ls -l /proc/PID/fd` lists it, then its parent's command
/// line.
const LIST_FDS: &str = "ls -l /proc/$$/fd; tr '\\0' ' ' < /proc/$PPID/cmdline";

/// This test process's own descriptors beyond 0, 1 and 2, as `N TARGET` (what the harness was
/// given, such as a jobserver's pipe, reaches every child and is not mfatui's).
fn given_descriptors() -> std::collections::BTreeSet<String> {
    std::fs::read_dir("/proc/self/fd")
        .unwrap()
        .flatten()
        .filter_map(|e| {
            let target = std::fs::read_link(e.path()).ok()?;
            Some(format!("{} {}", e.file_name().to_str()?, target.display()))
        })
        .collect()
}

/// CMD, however it is started (`exec`, `exec --server` with and without copies of the files,
/// on a kernel without `pidfd_getfd` too, where the holder becomes CMD), holds no descriptor of
/// mfatui's: neither the endpoint's listening socket nor the pipe its exit status goes back
/// through, nor the keeper's pipe — beyond 0, 1 and 2 only what the test process itself
/// passes on.
#[cfg(target_os = "linux")]
#[test]
fn cmd_inherits_no_descriptor_of_mfatuis_neither_the_listening_socket_nor_the_status_pipe() {
    let (config, credentials) = shadowed_files();
    let shadowed = Sandbox::new(&crate::common::black_hole(), &config, &credentials);
    // Without `[default]`'s keys nothing is copied: no copies, no keeper.
    let unshadowed = format!("[dev]{}", credentials.split_once("[dev]").unwrap().1);
    let plain = Sandbox::new(&crate::common::black_hole(), &config, &unshadowed);
    let server = &["exec", "--server", "dev", "--"][..];
    for (sb, args, fault, holder) in [
        (&shadowed, server, "", true),
        (&plain, server, "", true),
        (&shadowed, server, OLD_KERNEL, false),
        (&shadowed, &["exec", "dev", "--"][..], "", false),
    ] {
        let mut command = sb.mfatui_command(args);
        command.env("MFATUI_FAULT", fault);
        let out = command.args(["sh", "-c", LIST_FDS]).output().unwrap();
        let (said, complaint) = text(&out);
        assert!(out.status.success(), "{args:?}: {complaint}");
        let given = given_descriptors();
        let held: Vec<String> = said
            .lines()
            .filter_map(|l| l.split_once(" -> "))
            .filter_map(|(head, target)| {
                let n = head.rsplit(' ').next()?;
                (n.parse::<u32>().ok()? > 2).then(|| format!("{n} {target}"))
            })
            .collect();
        assert!(said.contains(" 0 -> "), "{args:?}: the listing: {said}");
        let parent = said.lines().last().unwrap_or_default();
        assert_eq!(parent.contains(" exec-child "), holder, "{fault}: {parent}");
        let inherited: Vec<&String> = held.iter().filter(|d| !given.contains(*d)).collect();
        assert!(
            inherited.is_empty(),
            "{args:?} {fault}: CMD inherited {inherited:?}\n{said}"
        );
    }
}

/// A descendant of CMD playing the attacker with whatever it inherited: every pipe gets a
/// forged exit status (`\0\0`: "0, nothing left"), every listening socket an `accept` (a
/// stolen fetch would carry the token). Says what it managed, one line each (never the token).
const FD_ATTACKER: &str = "import os, socket, stat, threading\n\
    said = []\n\
    def steal(s, n):\n\
    \x20   try:\n\
    \x20       c, _ = s.accept(); got = c.recv(4096)\n\
    \x20       said.append(f'accepted a fetch on {n}, token seen: {b\"uthorization\" in got}')\n\
    \x20   except OSError:\n\
    \x20       pass\n\
    threads = []\n\
    given = os.environ['GIVEN'].split('\\n')\n\
    for n in sorted(int(f) for f in os.listdir('/proc/self/fd')):\n\
    \x20   try:\n\
    \x20       mode = os.fstat(n).st_mode; target = os.readlink(f'/proc/self/fd/{n}')\n\
    \x20   except OSError:\n\
    \x20       continue\n\
    \x20   if n <= 2 or f'{n} {target}' in given:\n\
    \x20       continue\n\
    \x20   if stat.S_ISFIFO(mode):\n\
    \x20       try:\n\
    \x20           os.set_blocking(n, False); os.write(n, b'\\0\\0'); said.append(f'forged the status on {n}')\n\
    \x20       except OSError:\n\
    \x20           pass\n\
    \x20   elif stat.S_ISSOCK(mode):\n\
    \x20       s = socket.socket(fileno=os.dup(n))\n\
    \x20       if s.getsockopt(socket.SOL_SOCKET, socket.SO_ACCEPTCONN):\n\
    \x20           said.append(f'a listening socket on {n}'); s.settimeout(4)\n\
    \x20           threads.append(threading.Thread(target=steal, args=(s, n))); threads[-1].start()\n\
    for t in threads:\n\
    \x20   t.join()\n\
    print(''.join(f'{line}\\n' for line in said), end='')\n";

/// CMD, the victim: starts [`FD_ATTACKER`] keeping every descriptor (as `su - USER -c …` and
/// `runuser -l` do; as another user when run as root and asked `otheruser`), fetches its
/// credentials four times meanwhile, prints what the attacker said, and exits 3.
const FD_VICTIM: &str = "import json, os, subprocess, sys, time, urllib.request\n\
    argv = [sys.executable, '-c', os.environ['ATTACKER']]\n\
    if sys.argv[1] == 'otheruser':\n\
    \x20   argv = ['setpriv', '--reuid=65534', '--regid=65534', '--clear-groups'] + argv\n\
    p = subprocess.Popen(argv, stdout=subprocess.PIPE, text=True, close_fds=False)\n\
    time.sleep(1)\n\
    r = urllib.request.Request(os.environ['AWS_CONTAINER_CREDENTIALS_FULL_URI'], \
    headers={'Authorization': os.environ['AWS_CONTAINER_AUTHORIZATION_TOKEN']})\n\
    for _ in range(4):\n\
    \x20   try:\n\
    \x20       print('fetched', json.load(urllib.request.urlopen(r, timeout=3))['AccessKeyId'], flush=True)\n\
    \x20   except Exception as e:\n\
    \x20       print('fetch failed:', type(e).__name__, flush=True)\n\
    print(p.communicate()[0], end='', flush=True)\n\
    sys.exit(3)\n";

/// A descendant of CMD — the same user, or another one (`su - postgres -c …` from a root CMD)
/// — finds nothing of the endpoint's among its descriptors: it cannot accept CMD's fetches
/// (taking the token, answering with credentials of its choosing) nor write a forged exit
/// status to the holder's pipe (mfatui would return 0 at once and CMD be hung up on). CMD's
/// fetches all get the session, and mfatui exits with CMD's own status; also on a kernel
/// without `pidfd_getfd`, where CMD starts directly (and the port is mfatui's alone).
#[cfg(target_os = "linux")]
#[test]
fn a_descendant_of_cmd_can_neither_accept_the_endpoints_connections_nor_forge_its_exit_status() {
    let (config, credentials) = shadowed_files();
    let sb = Sandbox::new(&crate::common::black_hole(), &config, &credentials);
    // Only root can start a process as another user.
    let variants: &[&str] = if rustix::process::geteuid().is_root() {
        &["sameuser", "otheruser"]
    } else {
        &["sameuser"]
    };
    // What the test process passes on to every child is not mfatui's: left alone.
    let given: Vec<String> = given_descriptors().into_iter().collect();
    for (&who, fault) in variants.iter().flat_map(|v| [(v, ""), (v, OLD_KERNEL)]) {
        let variant = format!("{who} {fault}");
        let out = sb
            .mfatui_command(&["exec", "--server", "dev", "--", "python3", "-c", FD_VICTIM])
            .arg(who)
            .env("MFATUI_FAULT", fault)
            .env("ATTACKER", FD_ATTACKER)
            .env("GIVEN", given.join("\n"))
            .output()
            .unwrap();
        let (said, complaint) = text(&out);
        assert_eq!(
            said,
            "fetched ASIAFRESHFRESH001234\n".repeat(4),
            "{variant}: {complaint}"
        );
        assert_eq!(out.status.code(), Some(3), "{variant}: {said}{complaint}");
    }
}

/// A sandbox serving dev (its session already in `[dev-mfa]`) whose credentials file has bob's
/// keys in `[default]` — the common case where CMD gets copies — with `config_extra` added to
/// the config file.
fn served_sandbox(moto: &Moto, config_extra: &str) -> Sandbox {
    let config = format!(
        "[profile dev]\nregion = us-east-1\nmfa_serial = {}\n{config_extra}",
        moto.get("mfa_serial")
    );
    let credentials = format!(
        "[default]\naws_access_key_id = {}\naws_secret_access_key = {}\n\n[dev]\naws_access_key_id = {}\naws_secret_access_key = {}\n\n\
         [dev-mfa]\naws_access_key_id = ASIASERVEDSESSION001\naws_secret_access_key = served-secret\naws_session_token = served-token\nexpiration = {}\n",
        moto.get("bob_access_key_id"),
        moto.get("bob_secret_access_key"),
        moto.get("access_key_id"),
        moto.get("secret_access_key"),
        in_secs(7200)
    );
    Sandbox::new(&moto.url, &config, &credentials)
}

/// The files stderr says hold a copy CMD changed ("… is kept in PATH and …").
fn kept_files(stderr: &str) -> Vec<std::path::PathBuf> {
    stderr
        .lines()
        .filter_map(|l| {
            l.split_once(" is kept in ")?
                .1
                .split_once(" and ")
                .map(|(p, _)| p.into())
        })
        .collect()
}

#[test]
fn keys_written_in_cmd_into_its_copy_are_kept_in_a_file_named_on_stderr() {
    let Some(moto) = Moto::start() else { return };
    let sb = served_sandbox(&moto, "");
    let before = sb.credentials();
    // `aws configure set` writes the new profile into the copy AWS_SHARED_CREDENTIALS_FILE
    // names (root: the copy's read-only mode does not stop it).
    let script = "aws configure set aws_access_key_id AKIANEWKEYNEWKEY0001 --profile ci && \
                  aws configure set aws_secret_access_key NEWSECRETxyz --profile ci && \
                  aws configure get aws_access_key_id --profile ci";
    let out = sb.exec_server_sh(script).output().unwrap();
    let (stdout, stderr) = text(&out);
    assert!(out.status.success(), "{stderr}");
    assert!(
        stdout.contains("AKIANEWKEYNEWKEY0001"),
        "{stdout}\n{stderr}"
    );
    let kept = kept_files(&stderr);
    assert_eq!(kept.len(), 1, "one sentence names the kept copy: {stderr}");
    assert!(
        stderr.contains(&format!("are not in {}", sb.aws("credentials").display())),
        "{stderr}"
    );
    assert_eq!(
        sb.files_containing("NEWSECRETxyz"),
        kept,
        "the key is in the file named, and only there"
    );
    assert!(
        kept[0].starts_with(sb.home.path().join(".cache/mfatui")),
        "{kept:?}"
    );
    use std::os::unix::fs::PermissionsExt;
    let mode = std::fs::metadata(&kept[0]).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o600);
    assert_eq!(sb.credentials(), before, "the real file is untouched");
    assert!(!stderr.contains("NEWSECRETxyz") && !stderr.contains("served-secret"));

    // The real files change while CMD runs (here CMD itself appends to the real file): the
    // copy is rewritten within a second, and CMD's key is kept first, said right then.
    let script = "aws configure set aws_access_key_id AKIANEWKEYNEWKEY0002 --profile ci2 && \
                  aws configure set aws_secret_access_key SECONDSECRETxyz --profile ci2 && \
                  printf '\\n[later]\\nregion = eu-west-1\\n' >> \"$MFATUI_REAL_SHARED_CREDENTIALS_FILE\" && \
                  for i in $(seq 100); do grep -q SECONDSECRET \"$AWS_SHARED_CREDENTIALS_FILE\" || break; sleep 0.1; done; \
                  grep -q SECONDSECRET \"$AWS_SHARED_CREDENTIALS_FILE\" && echo 'not rewritten' >&2; echo 'CMD ends' >&2";
    let out = sb.exec_server_sh(script).output().unwrap();
    let (_, stderr) = text(&out);
    assert!(out.status.success(), "{stderr}");
    assert!(!stderr.contains("not rewritten"), "{stderr}");
    let kept = kept_files(&stderr);
    assert_eq!(kept.len(), 1, "{stderr}");
    let said = stderr.find(" is kept in ").unwrap();
    assert!(
        said < stderr.find("CMD ends").unwrap(),
        "said when the copy was rewritten, while CMD ran: {stderr}"
    );
    assert_eq!(sb.files_containing("SECONDSECRETxyz"), kept);
}

/// boto3's answer to "who am I" inside `exec --server dev` with `extra` environment.
fn boto3_identity(sb: &Sandbox, extra: &[(&str, &str)]) -> (String, String) {
    let judge = "import boto3; print(boto3.client('sts').get_caller_identity()['Arn'])";
    let out = sb.mfatui_env(
        &["exec", "--server", "dev", "--", "python3", "-c", judge],
        extra,
    );
    let (stdout, stderr) = text(&out);
    (stdout.trim().to_owned(), stderr)
}

#[test]
fn no_other_source_botocore_reads_wins_over_the_endpoint_inside_exec_server() {
    let Some(moto) = Moto::start() else { return };
    let bob = (
        moto.get("bob_access_key_id"),
        moto.get("bob_secret_access_key"),
    );
    let bob_keys = format!(
        "aws_access_key_id = {}\naws_secret_access_key = {}\n",
        bob.0, bob.1
    );
    // moto answers user/moto for the served session, user/bob for bob's keys. Every case is
    // tried; the failures are listed together at the end.
    let wrong = std::cell::RefCell::new(Vec::new());
    let served = |(arn, stderr): (String, String), case: &str| {
        if !arn.ends_with(":user/moto") || stderr.contains(&bob.1) {
            wrong.borrow_mut().push(format!("{case}: {arn}\n{stderr}"));
        }
    };
    // Every section botocore reads as profile `default`.
    for header in [
        "profile default",
        "profile \"default\"",
        "profile 'default'",
        "profile  default",
    ] {
        let sb = served_sandbox(&moto, &format!("\n[{header}]\n{bob_keys}"));
        let (arn, stderr) = boto3_identity(&sb, &[]);
        if !stderr.contains(&format!(
            "the config file's [{header}] has aws_access_key_id"
        )) {
            wrong
                .borrow_mut()
                .push(format!("{header}: not said\n{stderr}"));
        }
        served((arn, stderr), header);
    }
    let sb = served_sandbox(&moto, "");
    // A gsutil-style ~/.boto: its AWS keys go, its other settings stay.
    let boto = format!("[Credentials]\n{bob_keys}gs_oauth2_refresh_token = keep-me\n\n[GSUtil]\ndefault_project_id = p\n");
    std::fs::write(sb.home.path().join(".boto"), &boto).unwrap();
    let out = sb.exec_server_sh("cat \"$BOTO_CONFIG\"").output().unwrap();
    let (copy, stderr) = text(&out);
    let settings_kept = copy.contains("gs_oauth2_refresh_token = keep-me")
        && copy.contains("default_project_id = p");
    if !settings_kept || copy.contains(&bob.0) {
        wrong
            .borrow_mut()
            .push(format!("CMD's boto config: {copy}\n{stderr}"));
    }
    served(boto3_identity(&sb, &[]), "~/.boto");
    std::fs::remove_file(sb.home.path().join(".boto")).unwrap();
    // BOTO_CONFIG naming such a file.
    let file = sb.home.path().join("boto.cfg");
    std::fs::write(&file, &boto).unwrap();
    served(
        boto3_identity(&sb, &[("BOTO_CONFIG", file.to_str().unwrap())]),
        "BOTO_CONFIG",
    );
    // The original EC2 tools' AWS_CREDENTIAL_FILE.
    let file = sb.home.path().join("ec2cred");
    std::fs::write(
        &file,
        format!("AWSAccessKeyId={}\nAWSSecretKey={}\n", bob.0, bob.1),
    )
    .unwrap();
    served(
        boto3_identity(&sb, &[("AWS_CREDENTIAL_FILE", file.to_str().unwrap())]),
        "AWS_CREDENTIAL_FILE",
    );
    // A pod's token file (EKS Pod Identity): botocore would send it instead of mfatui's token.
    let file = sb.home.path().join("pod-token");
    std::fs::write(&file, "pod-token").unwrap();
    served(
        boto3_identity(
            &sb,
            &[(
                "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE",
                file.to_str().unwrap(),
            )],
        ),
        "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE",
    );
    let wrong = wrong.into_inner();
    assert!(wrong.is_empty(), "{}", wrong.join("\n---\n"));
}

/// CMD as the same user (not root: root may trace anything) tries `pidfd_getfd` on every
/// descriptor of its parent, the holder, and of mfatui above it: the listening socket and the
/// status pipe must not be taken out of either (attack rounds 6 and 7, L1). Prints what it
/// got, then exits 5.
const GETFD_FROM_PARENT: &str = r#"
import ctypes, os
libc = ctypes.CDLL(None, use_errno=True)
SYS_pidfd_open, SYS_pidfd_getfd = 434, 438
holder = os.getppid()
with open("/proc/%d/stat" % holder) as f:
    mfatui = int(f.read().rsplit(")", 1)[1].split()[1])
taken = []
for pid in (holder, mfatui):
    pidfd = libc.syscall(SYS_pidfd_open, pid, 0)
    for fd in range(3, 64):
        got = libc.syscall(SYS_pidfd_getfd, pidfd, fd, 0)
        if got >= 0:
            taken.append(os.readlink("/proc/self/fd/%d" % got))
print("taken", taken, flush=True)
os._exit(5)
"#;

/// The holder is not dumpable: CMD, its child and the same user, cannot take its listening
/// socket or status pipe (which would let it answer the endpoint's connections or forge its
/// exit status). Runs mfatui itself as an unprivileged user (needs root to set that up).
#[cfg(target_os = "linux")]
#[test]
fn cmd_as_the_same_user_cannot_take_the_holders_descriptors() {
    if !crate::common::root_or_skip("mfatui run as another user") {
        return;
    }
    let (config, credentials) = shadowed_files();
    let sb = Sandbox::new(&crate::common::black_hole(), &config, &credentials);
    let inner = sb.mfatui_command(&[
        "exec",
        "--server",
        "dev",
        "--",
        "python3",
        "-c",
        GETFD_FROM_PARENT,
    ]);
    // After the command is made: making it makes the sandbox's private folders.
    let mut cmd = crate::common::as_nobody(&inner, sb.home.path());
    let out = cmd.output().unwrap();
    let (said, complaint) = text(&out);
    assert!(said.contains("taken []"), "{said}{complaint}");
    assert_eq!(out.status.code(), Some(5), "{said}{complaint}");
}

/// CMD adds a key to its credentials copy every few milliseconds (by rename, as the AWS CLI
/// writes), while the real files change several times a second so that mfatui rewrites the
/// copy each time: every key CMD wrote must end in some file under HOME — a kept copy, never
/// lost between mfatui's check and its rewrite (attack round 6, M3).
const ADD_KEYS_BY_RENAME: &str = r#"
import os, time
path = os.environ["AWS_SHARED_CREDENTIALS_FILE"]
for i in range(int(os.environ["WRITES"])):
    with open(path) as f:
        text = f.read()
    text += "\n[w%d]\naws_access_key_id = AKIAW%016d\naws_secret_access_key = s\n" % (i, i)
    tmp = path + ".w"
    with open(tmp, "w") as f:
        f.write(text)
    os.replace(tmp, path)
    time.sleep(0.003)
"#;

#[cfg(target_os = "linux")]
#[test]
fn no_write_cmd_makes_to_its_copy_is_lost_when_mfatui_rewrites_it_at_that_instant() {
    const WRITES: usize = 1500;
    let (config, credentials) = shadowed_files();
    let sb = Sandbox::new(&crate::common::black_hole(), &config, &credentials);
    let child = sb
        .mfatui_command(&[
            "exec",
            "--server",
            "dev",
            "--",
            "python3",
            "-c",
            ADD_KEYS_BY_RENAME,
        ])
        .env("WRITES", WRITES.to_string())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let pid = child.id() as i32;
    let mut n = 0;
    while running(pid) && n < 60 {
        std::thread::sleep(std::time::Duration::from_millis(150));
        let out = sb.mfatui(&["set", "dev", "region", &format!("eu-west-{n}"), "--yes"]);
        assert!(out.status.success(), "{}", text(&out).1);
        n += 1;
    }
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success(), "{}", text(&out).1);
    let mut everything = String::new();
    let mut folders = vec![sb.home.path().to_owned()];
    while let Some(dir) = folders.pop() {
        for entry in std::fs::read_dir(&dir).unwrap().flatten() {
            let path = entry.path();
            if entry.file_type().unwrap().is_dir() {
                folders.push(path);
            } else if let Ok(text) = std::fs::read_to_string(&path) {
                everything.push_str(&text);
            }
        }
    }
    let lost: Vec<usize> = (0..WRITES)
        .filter(|i| !everything.contains(&format!("AKIAW{i:016}")))
        .collect();
    assert!(
        n > 3,
        "the real files changed only {n} times while CMD wrote"
    );
    assert!(lost.is_empty(), "keys CMD wrote are in no file: {lost:?}");
}
