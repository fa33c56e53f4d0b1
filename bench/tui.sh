#!/usr/bin/env bash
# The TUI at 10,000 profiles, side by side with its floors (issue 32):
#   first frame     : launch in tmux until the header shows    vs  `mfatui list > /dev/null`
#   keystroke→frame : `j` until the selection moves on screen  vs  a key echoed by `cat`
#   sort / group    : `o` (by expiry) and `t` (grouped) until drawn, vs the same echo floor
# Medians of several runs, and the ratios. BIN=debug measures a debug build (for checking
# the script; the numbers that count are release's). BIN_DIR=/path/to/target/release uses a
# build made elsewhere (its `mfatui` and `examples/gen_profiles`) and builds nothing.
set -euo pipefail
cd "$(dirname "$0")/.."
command -v tmux >/dev/null || { apt-get update -qq && apt-get install -y -qq tmux >/dev/null; }
if [ -n "${BIN_DIR:-}" ]; then
  bin=$(cd "$BIN_DIR" && pwd)
  for f in mfatui examples/gen_profiles; do
    [ -x "$bin/$f" ] || { echo "BIN_DIR has no $f: $bin/$f" >&2; exit 1; }
  done
else
  profile=${BIN:-release}
  if [ "$profile" = release ]; then
    cargo build --release --quiet --bins --example gen_profiles
  else
    cargo build --quiet --bins --example gen_profiles
  fi
  bin=$PWD/target/$profile
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
"$bin/examples/gen_profiles" 10000 "$work" >/dev/null
export WORK=$work BIN_DIR=$bin
python3 - <<'PY'
import os, statistics, subprocess, time
work, bin_dir = os.environ["WORK"], os.environ["BIN_DIR"]
for d in ("run", "tmp", "xdg"):
    os.makedirs(f"{work}/{d}", mode=0o700, exist_ok=True)
env = f"env -i PATH=/usr/bin:/bin TERM=xterm-256color HOME={work} XDG_RUNTIME_DIR={work}/run TMPDIR={work}/tmp XDG_CONFIG_HOME={work}/xdg XDG_CACHE_HOME={work}/xdg AWS_CONFIG_FILE={work}/config AWS_SHARED_CREDENTIALS_FILE={work}/credentials"
sock = f"mfatui-bench-{os.getpid()}"

def tmux(*args):
    return subprocess.run(["tmux", "-L", sock, *args], capture_output=True, text=True).stdout

def until(pred, limit=30.0):
    start = time.perf_counter()
    while True:
        screen = tmux("capture-pane", "-p", "-t", "b")
        if pred(screen):
            return time.perf_counter() - start
        if time.perf_counter() - start > limit:
            raise SystemExit(f"timed out; screen:\n{screen}")

def session(cmd):
    tmux("kill-server")
    # A server on its way out refuses a new session for a moment: try again.
    for _ in range(50):
        if subprocess.run(["tmux", "-L", sock, "new-session", "-d", "-s", "b", "-x", "160", "-y", "45", cmd]).returncode == 0:
            return
        time.sleep(0.05)
    raise SystemExit("tmux would not start a session")

def median(xs):
    return statistics.median(xs) * 1000

# First frame vs list.
lists, frames = [], []
for _ in range(5):
    t = time.perf_counter()
    subprocess.run(f"{env} {bin_dir}/mfatui list > /dev/null", shell=True, check=True)
    lists.append(time.perf_counter() - t)
    t = time.perf_counter()
    session(f"{env} {bin_dir}/mfatui")
    until(lambda s: "10001 profiles" in s)
    frames.append(time.perf_counter() - t)
# The same harness for both: a shell waiting in a pane is handed the command line, timed
# until the TUI's header shows / until `list` has finished (the pane's own start not
# counted for either).
def from_shell(command, done):
    session("sh")
    until(lambda s: "#" in s or "$" in s)
    t = time.perf_counter()
    tmux("send-keys", "-t", "b", "-l", command)
    tmux("send-keys", "-t", "b", "Enter")
    until(done)
    return time.perf_counter() - t
# A pane's own start: a new session until its first output shows.
starts = []
for _ in range(5):
    t = time.perf_counter()
    session("sh -c 'echo READY; exec cat'")
    until(lambda s: "READY" in s)
    starts.append(time.perf_counter() - t)
shell_tui, shell_list = [], []
for _ in range(5):
    shell_list.append(from_shell(f"{env} {bin_dir}/mfatui list > /dev/null; echo LIST''ED", lambda s: "LISTED" in s))
    shell_tui.append(from_shell(f"{env} {bin_dir}/mfatui", lambda s: "10001 profiles" in s))
tmux("kill-server")
# The echo floor: a key to `cat` in the same kind of pane, until it shows.
session("cat")
echo = []
for i in range(20):
    c = "xyz"[i % 3]
    n = tmux("capture-pane", "-p", "-t", "b").count(c)
    t = time.perf_counter()
    tmux("send-keys", "-t", "b", "-l", c)
    until(lambda s: s.count(c) > n)
    echo.append(time.perf_counter() - t)
    if i % 10 == 9:
        tmux("send-keys", "-t", "b", "Enter")
# Keystroke to frame: j moves the selection (the detail pane's title follows it).
session(f"{env} {bin_dir}/mfatui")
until(lambda s: "10001 profiles" in s)
keys = []
for i in range(20):
    before = [l for l in tmux("capture-pane", "-p", "-t", "b").splitlines() if l.startswith("┌")]
    t = time.perf_counter()
    tmux("send-keys", "-t", "b", "j")
    until(lambda s: [l for l in s.splitlines() if l.startswith("┌")] != before)
    keys.append(time.perf_counter() - t)
sort, group = [], []
for _ in range(5):
    t = time.perf_counter(); tmux("send-keys", "-t", "b", "o")
    until(lambda s: "EXPIRES▲" in s); sort.append(time.perf_counter() - t)
    for _ in range(7):
        tmux("send-keys", "-t", "b", "o")
    until(lambda s: "PROFILE▲" in s)
    t = time.perf_counter(); tmux("send-keys", "-t", "b", "t")
    until(lambda s: "Profiles by source" in s); group.append(time.perf_counter() - t)
    tmux("send-keys", "-t", "b", "t")
    until(lambda s: "Profiles by source" not in s)
# Keystroke to frame while grouped (`t`): the same `j`.
tmux("send-keys", "-t", "b", "t")
until(lambda s: "Profiles by source" in s)
grouped_keys = []
for i in range(20):
    before = [l for l in tmux("capture-pane", "-p", "-t", "b").splitlines() if l.startswith("┌")]
    t = time.perf_counter()
    tmux("send-keys", "-t", "b", "j")
    until(lambda s: [l for l in s.splitlines() if l.startswith("┌")] != before)
    grouped_keys.append(time.perf_counter() - t)
tmux("kill-server")
floor = median(echo)
print(f"first frame at 10,000 : {median(frames):7.1f} ms   mfatui list: {median(lists):7.1f} ms   ratio {median(frames)/median(lists):.2f}x (target <= 2x)")
print(f"  a pane's own start   : {median(starts):7.1f} ms   (in the first line's TUI figure, not in its list figure)")
print(f"  both from a shell    : {median(shell_tui):7.1f} ms   mfatui list: {median(shell_list):7.1f} ms   ratio {median(shell_tui)/median(shell_list):.2f}x (the pane's start not counted)")
print(f"keystroke -> frame    : {median(keys):7.1f} ms   tmux echo  : {floor:7.1f} ms   ratio {median(keys)/floor:.2f}x (target <= 2x)")
print(f"  the same, grouped (t): {median(grouped_keys):7.1f} ms   ratio {median(grouped_keys)/floor:.2f}x")
print(f"sort by expiry (o)    : {median(sort):7.1f} ms   ratio to echo {median(sort)/floor:.2f}x")
print(f"group (t)             : {median(group):7.1f} ms   ratio to echo {median(group)/floor:.2f}x")
PY
