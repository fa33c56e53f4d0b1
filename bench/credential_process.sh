#!/usr/bin/env bash
# The hot path of `credential_process = mfatui credential-process PROFILE` (a fresh session,
# no network call), side by side with `cat` reading the same two files, on 1,000 generated
# profiles, interleaved round by round. Fails when mfatui's median is more than 3× cat's. Also
# times the same answer through clap's whole command line, for what the early answer saves.
#   bash bench/credential_process.sh        (ROUNDS=30 by default)
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release --quiet --bins --example gen_profiles
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
target/release/examples/gen_profiles 1000 "$work"
expires=$(date -u -d '+12 hours' +%Y-%m-%dT%H:%M:%SZ)
printf '\n[bench]\naws_access_key_id = ASIABENCHBENCHBENCH0\naws_secret_access_key = bench-secret\naws_session_token = bench-token\nexpiration = %s\n' \
  "$expires" >> "$work/credentials"
export AWS_CONFIG_FILE=$work/config AWS_SHARED_CREDENTIALS_FILE=$work/credentials HOME=$work
python3 - "${ROUNDS:-30}" "$PWD/target/release/mfatui" "$work" <<'PY'
import statistics, subprocess, sys, time
rounds, mfatui, work = int(sys.argv[1]), sys.argv[2], sys.argv[3]
commands = [
    ("cat config credentials", ["cat", f"{work}/config", f"{work}/credentials"]),
    ("mfatui credential-process bench", [mfatui, "credential-process", "bench"]),
    # The same answer through clap's whole command line (`--` is not taken by the early
    # answer in cli/quick.rs): what answering before full parsing saves.
    ("mfatui credential-process -- bench (clap)", [mfatui, "credential-process", "--", "bench"]),
]
out = subprocess.run(commands[1][1], capture_output=True, text=True, check=True).stdout
assert '"AccessKeyId":"ASIABENCHBENCHBENCH0"' in out, out
times = {name: [] for name, _ in commands}
for round in range(rounds + 1):
    for name, argv in commands:
        for _ in range(5):
            start = time.perf_counter()
            subprocess.run(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
            if round > 0:
                times[name].append(time.perf_counter() - start)
base = statistics.median(times["cat config credentials"])
mine = statistics.median(times["mfatui credential-process bench"])
print(f"1,000 profiles, {rounds} interleaved rounds of 5 runs each")
for name, samples in times.items():
    print(f"  {name:<44} median {statistics.median(samples)*1000:7.2f} ms")
clap = statistics.median(times["mfatui credential-process -- bench (clap)"])
print(f"  ratio: {mine/base:.2f}x cat (must stay within 3x); through clap {clap/base:.2f}x")
sys.exit(0 if mine <= 3 * base else 1)
PY
