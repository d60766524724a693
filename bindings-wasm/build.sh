#!/usr/bin/env bash
# Builds kakunin-wasm: the .wasm (cargo), the JS glue for browsers and for Node (wasm-bindgen),
# a size-optimised .wasm (wasm-opt -Oz), and the native runner's example results that the
# conformance test compares with. Outputs go to dist/ (not in git).
#
# Two modules: dist/{web,node}/kakunin_wasm* (the bundled packs: what a form loads) and
# dist/{web,node}/authoring/kakunin_wasm* (feature `authoring`: also `RuleSet.fromFiles`, which
# compiles a pack as written and needs the TOML reader; loaded only when that is called).
#
#   ./build.sh                 # profile wasm-release (see the workspace Cargo.toml)
#   PROFILE=release ./build.sh # the plain release profile
#   WORKSPACE=/elsewhere ./build.sh   # build against another checkout of the workspace
#   CARGO_LOCKED= ./build.sh          # without --locked
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
workspace="${WORKSPACE:-$here/..}"
profile="${PROFILE:-wasm-release}"
manifest="$workspace/Cargo.toml"
target_dir="${CARGO_TARGET_DIR:-$workspace/target}"
dist="$here/dist"

step() { printf '\n-- %s\n' "$*"; }

# The authoring module first: both builds write the same file name, the form's module is kept.
step "cargo build ($profile, wasm32-unknown-unknown, --features authoring)"
cargo build ${CARGO_LOCKED---locked} --manifest-path "$manifest" --profile "$profile" \
  --target wasm32-unknown-unknown -p kakunin-wasm --features authoring
wasm="$target_dir/wasm32-unknown-unknown/$profile/kakunin_wasm.wasm"
mkdir -p "$dist"
cp "$wasm" "$dist/kakunin_wasm.authoring.wasm"

step "cargo build ($profile, wasm32-unknown-unknown)"
cargo build ${CARGO_LOCKED---locked} --manifest-path "$manifest" --profile "$profile" \
  --target wasm32-unknown-unknown -p kakunin-wasm

size() { wc -c < "$1" | tr -d ' '; }
gzsize() { gzip -9 -c "$1" | wc -c | tr -d ' '; }
rm -rf "$dist/web" "$dist/node" "$dist/plain"
mkdir -p "$dist"

step "wasm-opt -Oz"
# wasm-opt runs on cargo's output, before wasm-bindgen: Debian's binaryen (108) predates the
# externref table that wasm-bindgen adds and would rewrite its type. The features are the ones
# rustc enables by default for wasm32.
# --converge: the -Oz passes run again until the module stops shrinking (2.4 KB gzipped less
# than one round, for 5 s more).
opt_flags=(-Oz --converge --enable-bulk-memory --enable-sign-ext --enable-nontrapping-float-to-int
  --enable-mutable-globals --enable-multivalue --enable-reference-types)
wasm-opt "${opt_flags[@]}" -o "$dist/kakunin_wasm.opt.wasm" "$wasm"
wasm-opt "${opt_flags[@]}" -o "$dist/kakunin_wasm.authoring.opt.wasm" "$dist/kakunin_wasm.authoring.wasm"

step "wasm-bindgen (web, nodejs)"
# The size without wasm-opt, for the record.
wasm-bindgen --target web --out-dir "$dist/plain" "$wasm"
# The name and producers sections are for debuggers and surveys, not for the page that loads
# the module (about 350 bytes, 200 of them gzipped).
bindgen() { wasm-bindgen --remove-name-section --remove-producers-section "$@"; }
bindgen --target web --out-name kakunin_wasm --out-dir "$dist/web" "$dist/kakunin_wasm.opt.wasm"
bindgen --target nodejs --out-name kakunin_wasm --out-dir "$dist/node" "$dist/kakunin_wasm.opt.wasm"
bindgen --target web --out-name kakunin_wasm --out-dir "$dist/web/authoring" "$dist/kakunin_wasm.authoring.opt.wasm"
bindgen --target nodejs --out-name kakunin_wasm --out-dir "$dist/node/authoring" "$dist/kakunin_wasm.authoring.opt.wasm"
rm "$dist/kakunin_wasm.opt.wasm" "$dist/kakunin_wasm.authoring.wasm" "$dist/kakunin_wasm.authoring.opt.wasm"
# The Node glue is CommonJS; the package itself is "type": "module".
echo '{ "type": "commonjs" }' > "$dist/node/package.json"

before="$dist/plain/kakunin_wasm_bg.wasm"
after="$dist/web/kakunin_wasm_bg.wasm"
raw_before=$(size "$before")
gz_before=$(gzsize "$before")
raw_after=$(size "$after")
gz_after=$(gzsize "$after")
authoring="$dist/web/authoring/kakunin_wasm_bg.wasm"
raw_authoring=$(size "$authoring")
gz_authoring=$(gzsize "$authoring")
rm -rf "$dist/plain"
cat > "$dist/size.json" <<JSON
{ "profile": "$profile", "wasm_bytes_before_wasm_opt": $raw_before, "gzip_before_wasm_opt": $gz_before,
  "wasm_bytes": $raw_after, "gzip": $gz_after,
  "authoring_wasm_bytes": $raw_authoring, "authoring_gzip": $gz_authoring }
JSON
printf 'kakunin_wasm_bg.wasm: %s bytes (gzip -9: %s) before wasm-opt; %s bytes (gzip -9: %s) after\n' \
  "$raw_before" "$gz_before" "$raw_after" "$gz_after"
printf 'authoring/kakunin_wasm_bg.wasm (with RuleSet.fromFiles): %s bytes (gzip -9: %s)\n' \
  "$raw_authoring" "$gz_authoring"

step "native runner's example results (dist/native/)"
mkdir -p "$dist/native"
for pack in hersys opendata; do
  cargo run --quiet ${CARGO_LOCKED---locked} --manifest-path "$manifest" -p kakunin-wasm \
    --example native_examples -- "$pack" > "$dist/native/$pack.json"
done
echo "done: $dist"
