#!/usr/bin/env bash
# Side by side with the AWS CLI's own profile listing on generated files of 10, 1,000 and
# 10,000 profiles. Prints the median of each command and its ratio to `mfatui list`.
#   bash bench/compare.sh            (RUNS=10 by default; slow commands get fewer runs)
set -euo pipefail
cd "$(dirname "$0")/.."
command -v hyperfine >/dev/null || { apt-get update -qq && apt-get install -y -qq hyperfine >/dev/null; }
python3 -c 'import botocore' 2>/dev/null || python3 -m pip install --quiet awscli
command -v awsumepy >/dev/null || python3 -m pip install --quiet awsume >/dev/null 2>&1 || true
command -v pyenv >/dev/null && pyenv rehash
cargo build --release --quiet --bin mfatui --example gen_profiles
bin=$PWD/target/release/mfatui
runs=${RUNS:-10}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

for n in 10 1000 10000; do
  dir=$work/$n
  target/release/examples/gen_profiles "$n" "$dir"
  export AWS_CONFIG_FILE=$dir/config AWS_SHARED_CREDENTIALS_FILE=$dir/credentials HOME=$dir
  cmds=("$bin list"
        "python3 -c 'import botocore.session as s; print(*s.Session().available_profiles, sep=\"\\n\")'"
        "aws configure list --profile user0")
  names=("mfatui list" "botocore available_profiles (= aws v2 list-profiles)" "aws configure list --profile user0")
  # `awsume` is a wrapper meant to be sourced; `awsumepy -l` is the listing it runs.
  if command -v awsumepy >/dev/null; then cmds+=("awsumepy -l"); names+=("awsume -l (awsumepy)"); fi
  # mfatui is cheap to run, so it gets at least 30 runs; the Python tools fewer at 10k.
  slow_runs=$(( n >= 10000 ? 3 : runs ))
  hyperfine --style none --warmup 3 --runs $(( runs > 30 ? runs : 30 )) --export-json "$work/$n-mfatui.json" "${cmds[0]}" >/dev/null 2>&1 || true
  hyperfine --style none --warmup 1 --runs "$slow_runs" --export-json "$work/$n.json" "${cmds[@]:1}" >/dev/null 2>&1 || true
  python3 - "$work/$n-mfatui.json" "$work/$n.json" "$n" "${names[@]}" <<'PY'
import json, sys
own, path, n, names = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4:]
results = json.load(open(own))["results"] + json.load(open(path))["results"]
base = results[0]["median"]
print(f"\n{n} profiles")
for name, r in zip(names, results):
    print(f"  {name:<55} median {r['median']*1000:9.1f} ms   {r['median']/base:7.1f}x mfatui")
PY
done
