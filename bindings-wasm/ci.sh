#!/usr/bin/env bash
# CI for kakunin-wasm: installs what is missing, builds, and runs every JS suite (the pack
# examples against the WASM build, the API, the TypeScript definitions, the demo in Chromium).
# Called by the repository's ./run-tests; also fine to run by hand from anywhere.
#
# Installs only what is missing: the wasm32 target, wasm-bindgen-cli at exactly the version
# pinned in Cargo.toml, Debian's chromium, binaryen (wasm-opt) and a Japanese font (for the
# screenshots), and the npm dev dependencies (playwright-core, typescript) from package-lock.json.
# Screenshots of the demo and of the quality report (tests/report.test.mjs) go to
# ../artifacts/screenshots/ (KAKUNIN_SCREENSHOTS overrides).
set -euo pipefail
cd "$(dirname "$0")"

step() { printf '\n== wasm: %s\n' "$*"; }

step "tools"
if ! rustup target list --installed 2>/dev/null | grep -qx wasm32-unknown-unknown; then
  rustup target add wasm32-unknown-unknown
fi
pinned="$(sed -nE 's/^wasm-bindgen = "=([0-9.]+)".*/\1/p' Cargo.toml)"
if [ -z "$pinned" ]; then
  echo "Cargo.toml does not pin wasm-bindgen with \"=x.y.z\"" >&2
  exit 2
fi
if [ "$(wasm-bindgen --version 2>/dev/null | awk '{print $2}')" != "$pinned" ]; then
  cargo install wasm-bindgen-cli --version "$pinned"
fi
apt_missing=()
command -v wasm-opt >/dev/null || apt_missing+=(binaryen)
[ -x /usr/bin/chromium ] || apt_missing+=(chromium)
if ! fc-list :lang=ja 2>/dev/null | grep -q .; then apt_missing+=(fonts-noto-cjk); fi
if [ ${#apt_missing[@]} -gt 0 ]; then
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq "${apt_missing[@]}"
fi
if [ -f package-lock.json ]; then
  npm ci --no-audit --no-fund
else
  npm install --no-audit --no-fund
fi

step "clippy (wasm32)"
cargo clippy --locked -p kakunin-wasm --target wasm32-unknown-unknown --all-targets -- -D warnings
cargo clippy --locked -p kakunin-wasm --target wasm32-unknown-unknown --all-targets --features authoring \
  -- -D warnings

step "Rust unit tests of the binding (native)"
cargo test --locked -p kakunin-wasm

step "build"
./build.sh

step "TypeScript definitions"
npx tsc -p tests/types

step "node tests: pack examples, API, demo in Chromium"
node --test tests/
