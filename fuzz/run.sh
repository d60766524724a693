#!/usr/bin/env bash
# Builds the fuzz targets and runs each for a fixed time: fuzz/run.sh [SECONDS] [TARGET...]
# (default 20 seconds each, all five targets, one after another). CI calls it with the default;
# a longer campaign is the same command with more seconds (see README.md).
#
# Needs the nightly toolchain and cargo-fuzz (installed here when missing). The seed corpora are
# generated from the packs' examples on the first run (corpus/ is not committed).
set -euo pipefail
cd "$(dirname "$0")"

seconds=${1:-20}
shift || true
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(record pack script csv partial)

if ! rustup toolchain list | grep -q '^nightly'; then
  rustup toolchain install nightly --profile minimal
fi
if ! cargo fuzz --version >/dev/null 2>&1; then
  # --locked can fail when the registry mirror lags behind the lock file's versions.
  cargo install cargo-fuzz --locked || cargo install cargo-fuzz
fi

cargo +nightly fuzz build -O
if [ ! -d corpus/record ] || [ ! -d corpus/partial ]; then
  "target/x86_64-unknown-linux-gnu/release/seeds"
fi

for target in "${targets[@]}"; do
  echo "== fuzz $target for ${seconds}s"
  # -timeout: an input that takes longer is a hang (the engine's limits are counts, so a slow
  # input is a bug); -rss_limit_mb: the same for memory.
  LSAN_OPTIONS="suppressions=$PWD/lsan.supp${LSAN_OPTIONS:+:$LSAN_OPTIONS}" \
    cargo +nightly fuzz run -O "$target" "corpus/$target" -- \
      -max_total_time="$seconds" -timeout=20 -rss_limit_mb=2048 -print_final_stats=1
done
