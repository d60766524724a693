#!/usr/bin/env bash
# Builds the Python package (pyo3 + maturin) and runs its tests, as CI does.
# Usage: bindings-python/ci.sh [pytest args...]
#
# The virtualenv lives in target/python-venv and is reused; packages already installed are not
# installed again. The extension is built in release mode into target/python (its own target
# folder, so the root workspace's builds and this one do not rebuild each other).
set -euo pipefail
cd "$(dirname "$0")/.."

VENV=target/python-venv
PYTHON=${PYTHON:-python3}
export CARGO_TARGET_DIR=${KAKUNIN_PYTHON_TARGET:-$PWD/target/python}
export CARGO_TERM_COLOR=${CARGO_TERM_COLOR:-never}

if [ ! -x "$VENV/bin/python" ]; then
  echo "== creating $VENV"
  "$PYTHON" -m venv "$VENV"
fi
PY="$VENV/bin/python"

# Install only what is missing.
missing=$("$PY" - <<'PY'
import importlib.metadata as m
wanted = {"maturin": "maturin>=1.9.4,<2", "pytest": "pytest>=7", "pandas": "pandas>=2",
          "polars": "polars>=1", "pyarrow": "pyarrow>=14", "pandera": "pandera>=0.20",
          "mypy": "mypy>=1.10"}
out = []
for name, spec in wanted.items():
    try:
        m.version(name)
    except m.PackageNotFoundError:
        out.append(spec)
print(" ".join(out))
PY
)
if [ -n "$missing" ]; then
  echo "== installing $missing"
  # shellcheck disable=SC2086
  "$PY" -m pip install --quiet --disable-pip-version-check $missing
fi

echo "== building kakunin (maturin develop --release)"
(
  export VIRTUAL_ENV="$PWD/$VENV"
  export PATH="$VIRTUAL_ENV/bin:$PATH"
  cd bindings-python
  maturin develop --release --quiet
)

echo "== pytest bindings-python/tests"
set +e
"$PY" -m pytest -q -p no:cacheprovider bindings-python/tests "$@"
status=$?
set -e
if [ "$status" -eq 5 ]; then
  echo "pytest collected no tests: the Python suite is missing" >&2
  exit 1
fi
exit "$status"
