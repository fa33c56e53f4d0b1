#!/usr/bin/env bash
# Side by side with the AWS CLI's own profile listing on generated files of 10, 1,000 and
# 10,000 profiles, interleaved round by round. Prints the median of each command and its ratio
# to `mfatui list`. A regression guard: fails when, at 10,000 profiles, botocore's listing is
# less than MIN_RATIO (default 40) times slower than `mfatui list`.
#   bash bench/compare.sh            (RUNS=10 rounds by default; 5 at 10,000 profiles)
set -euo pipefail
cd "$(dirname "$0")/.."
python3 -c 'import botocore' 2>/dev/null || python3 -m pip install --quiet awscli
command -v awsumepy >/dev/null || python3 -m pip install --quiet awsume >/dev/null 2>&1 || true
command -v pyenv >/dev/null && pyenv rehash
cargo build --release --quiet --bins --example gen_profiles
bin=$PWD/target/release/mfatui
runs=${RUNS:-10}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

for n in 10 1000 10000; do
  dir=$work/$n
  target/release/examples/gen_profiles "$n" "$dir"
  export AWS_CONFIG_FILE=$dir/config AWS_SHARED_CREDENTIALS_FILE=$dir/credentials HOME=$dir
  # Interleaved: every round runs each command once, so a slow or busy moment of the machine
  # falls on all of them alike. mfatui is cheap, so it runs 10 times per round.
  rounds=$(( n >= 10000 ? 5 : runs ))
  python3 - "$n" "$rounds" "$bin" <<'PY'
import os, shutil, statistics, subprocess, sys, time
n, rounds, mfatui = sys.argv[1], int(sys.argv[2]), sys.argv[3]
commands = [
    ("mfatui list", [mfatui, "list"], 10),
    ("botocore available_profiles (= aws v2 list-profiles)",
     ["python3", "-c", "import botocore.session as s; print(*s.Session().available_profiles, sep='\\n')"], 1),
    ("aws configure list --profile user0", ["aws", "configure", "list", "--profile", "user0"], 1),
]
# `awsume` is a wrapper meant to be sourced; `awsumepy -l` is the listing it runs.
if shutil.which("awsumepy"):
    commands.append(("awsume -l (awsumepy)", ["awsumepy", "-l"], 1))
times = {name: [] for name, _, _ in commands}
for round in range(rounds + 1):
    for name, argv, repeat in commands:
        for _ in range(repeat):
            start = time.perf_counter()
            subprocess.run(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
            if round > 0:  # round 0 warms caches up
                times[name].append(time.perf_counter() - start)
base = statistics.median(times["mfatui list"])
print(f"\n{n} profiles ({rounds} interleaved rounds)")
for name, samples in times.items():
    median = statistics.median(samples)
    print(f"  {name:<55} median {median*1000:9.1f} ms   {median/base:7.1f}x mfatui   ({len(samples)} runs)")
if n == "10000":
    ratio = statistics.median(times["botocore available_profiles (= aws v2 list-profiles)"]) / base
    floor = float(os.environ.get("MIN_RATIO", "40"))
    if ratio < floor:
        sys.exit(f"regression: botocore's listing is only {ratio:.1f}x slower at 10,000 profiles (floor {floor:g}x)")
PY
done
