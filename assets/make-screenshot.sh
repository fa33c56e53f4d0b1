#!/usr/bin/env bash
# Renders assets/screenshot.svg from the real program: `mfatui --demo` in a 120×32 tmux pane,
# with a renewal dialog open, captured with its colours.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release --quiet --bin mfatui
socket=mfatui-shot-$$
trap 'tmux -L $socket kill-server 2>/dev/null' EXIT
tmux -L "$socket" new-session -d -x 120 -y 32 "env TERM=xterm-256color HOME=$(mktemp -d) $PWD/target/release/mfatui --demo"
sleep 2
tmux -L "$socket" send-keys j j Enter
sleep 0.5
tmux -L "$socket" send-keys 1 2 3
sleep 1
tmux -L "$socket" capture-pane -e -p | python3 assets/ansi_to_svg.py > assets/screenshot.svg
echo "wrote assets/screenshot.svg"
