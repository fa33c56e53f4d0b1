#!/usr/bin/env bash
# The same session-token renewal by mfatui and by broamski's aws-mfa (PyPI `aws-mfa`), against
# a local moto server, on the same aws-mfa layout (`dev-long-term` → `dev`), both reading the
# code from stdin. Median wall times.
set -euo pipefail
cd "$(dirname "$0")/.."
command -v hyperfine >/dev/null || { apt-get update -qq && apt-get install -y -qq hyperfine >/dev/null; }
command -v moto_server >/dev/null || python3 -m pip install --quiet 'moto[server]' boto3
command -v aws-mfa >/dev/null || python3 -m pip install --quiet aws-mfa
command -v pyenv >/dev/null && pyenv rehash
cargo build --release --quiet --bins --example gen_profiles  # same set as the other scripts: no rebuild between them
work=$(mktemp -d)
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
moto_server -H 127.0.0.1 -p "$port" >/dev/null 2>&1 &
moto=$!
trap 'kill $moto; rm -rf "$work"' EXIT
until curl -s "http://127.0.0.1:$port/moto-api/" >/dev/null; do sleep 0.2; done
world=$(python3 tests/moto_setup.py "http://127.0.0.1:$port")
key=$(python3 -c "import json,sys; print(json.loads(sys.argv[1])['access_key_id'])" "$world")
secret=$(python3 -c "import json,sys; print(json.loads(sys.argv[1])['secret_access_key'])" "$world")
serial=$(python3 -c "import json,sys; print(json.loads(sys.argv[1])['mfa_serial'])" "$world")
mkdir -p "$work/.aws"
printf '[dev-long-term]\naws_access_key_id = %s\naws_secret_access_key = %s\naws_mfa_device = %s\n' "$key" "$secret" "$serial" > "$work/.aws/credentials"
printf '[profile dev]\nregion = us-east-1\n' > "$work/.aws/config"
export HOME=$work AWS_ENDPOINT_URL=http://127.0.0.1:$port AWS_DEFAULT_REGION=us-east-1
hyperfine --style none --warmup 2 --runs "${RUNS:-15}" --export-json "$work/renew.json" \
  "echo 123456 | $PWD/target/release/mfatui renew dev --code-stdin --yes" \
  "echo 123456 | aws-mfa --profile dev --device $serial --force" >/dev/null
python3 - "$work/renew.json" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))["results"]
m, a = r[0]["median"] * 1000, r[1]["median"] * 1000
print(f"session-token renewal against moto (same files, same endpoint)")
print(f"  mfatui renew --yes   median {m:8.1f} ms")
print(f"  aws-mfa              median {a:8.1f} ms   ({a / m:.1f}x mfatui)")
PY
