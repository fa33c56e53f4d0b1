#!/usr/bin/env bash
# Renders assets/screenshot.svg from the real program: `mfatui --demo` in a 120×32 tmux pane,
# with a renewal dialog open, captured with its colours. BIN_DIR=/path/to/target/release uses
# the `mfatui` built there and builds nothing.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ -n "${BIN_DIR:-}" ]; then
  bin=$(cd "$BIN_DIR" && pwd)
  [ -x "$bin/mfatui" ] || { echo "BIN_DIR has no mfatui: $bin/mfatui" >&2; exit 1; }
else
  cargo build --release --quiet --bin mfatui
  bin=$PWD/target/release
fi
socket=mfatui-shot-$$
home=$(mktemp -d)
mkdir -m 700 "$home/run" "$home/tmp" "$home/xdg"
trap 'tmux -L $socket kill-server 2>/dev/null; rm -rf "$home"' EXIT
# Nothing of this machine's HOME, runtime, config or temporary folders.
tmux -L "$socket" new-session -d -x 120 -y 32 "env -i PATH=/usr/bin:/bin TERM=xterm-256color HOME=$home XDG_RUNTIME_DIR=$home/run TMPDIR=$home/tmp XDG_CONFIG_HOME=$home/xdg XDG_CACHE_HOME=$home/xdg $bin/mfatui --demo"
sleep 2
tmux -L "$socket" send-keys j j Enter
sleep 0.5
tmux -L "$socket" send-keys 1 2 3
sleep 1
tmux -L "$socket" capture-pane -e -p | python3 assets/ansi_to_svg.py > assets/screenshot.svg
echo "wrote assets/screenshot.svg"
