#!/usr/bin/env bash
# Idle cost of the TUI: open on 10,000 profiles in tmux for 10 s with countdowns ticking, and
# read the CPU time it used from /proc/PID/stat.
set -euo pipefail
cd "$(dirname "$0")/.."
command -v tmux >/dev/null || { apt-get update -qq && apt-get install -y -qq tmux >/dev/null; }
cargo build --release --quiet --bins --example gen_profiles
work=$(mktemp -d)
socket=mfatui-idle-$$
trap 'tmux -L $socket kill-server 2>/dev/null; rm -rf "$work"' EXIT
target/release/examples/gen_profiles 10000 "$work"
tmux -L "$socket" new-session -d -x 200 -y 60 \
  "env AWS_CONFIG_FILE=$work/config AWS_SHARED_CREDENTIALS_FILE=$work/credentials HOME=$work $PWD/target/release/mfatui"
sleep 3
pid=$(pgrep -f "^$PWD/target/release/mfatui$" | head -1)
ticks() { awk '{print $14 + $15}' "/proc/$pid/stat"; }
hz=$(getconf CLK_TCK)
before=$(ticks); sleep 10; after=$(ticks)
python3 -c "print(f'idle CPU over 10 s with 10,000 profiles: {($after - $before) / $hz / 10 * 100:.2f} % of one core ({$after - $before} ticks at {$hz} Hz)')"
