#!/usr/bin/env bash
# The project's commands, each self-contained on a fresh clone with Python 3.11:
#   ./dev.sh demo   install into .venv, then run the main job (dpgf demo) on the embedded default
#   ./dev.sh test   install with the test dependencies, then run the whole test suite
#   ./dev.sh ui     the Dagster UI and daemon on the same instance (dpgf up; optional)
# Extra arguments go to the underlying command (dpgf demo, pytest, dpgf up).
set -euo pipefail
cd "$(dirname "$0")"

find_python() {
  for candidate in "${PYTHON:-}" python3.11 python3 python; do
    [ -n "$candidate" ] || continue
    if command -v "$candidate" >/dev/null 2>&1 &&
       "$candidate" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else 1)' 2>/dev/null; then
      echo "$candidate"; return 0
    fi
  done
  echo "Python 3.11 or newer is needed (set PYTHON=/path/to/python3.11)" >&2
  return 1
}

# Install into .venv once per content of pyproject.toml and set of extras; later calls skip it.
ensure_env() {
  local extras=$1 stamp want
  want="$(sha256sum pyproject.toml | cut -c1-16)-$extras"
  stamp=.venv/.dpgf-installed
  if [ -f "$stamp" ] && grep -qx -- "$want" "$stamp"; then return 0; fi
  if [ "$extras" = base ] && [ -f "$stamp" ] && grep -qx -- "$(sha256sum pyproject.toml | cut -c1-16)-test" "$stamp"; then
    return 0  # the test install includes everything the demo needs
  fi
  if [ ! -x .venv/bin/python ]; then
    "$(find_python)" -m venv .venv
  fi
  echo "Installing dependencies into .venv …" >&2
  .venv/bin/python -m pip install --quiet --disable-pip-version-check uv
  local target="."
  [ "$extras" = base ] || target=".[$extras]"
  .venv/bin/python -m uv pip install --quiet --python .venv/bin/python -e "$target"
  # Byte-compile the dependencies once (uv does not; with PYTHONDONTWRITEBYTECODE set nothing would):
  # each process (tests, Dagster runs, code servers) then starts in ~1 s instead of ~3.5 s.
  env -u PYTHONDONTWRITEBYTECODE .venv/bin/python -m compileall -q -j 0 \
    "$(.venv/bin/python -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')" >/dev/null ||
    echo "(some dependency files could not be byte-compiled; they will be compiled when imported)" >&2
  echo "$want" > "$stamp"
}

command=${1:-}
shift || true
case "$command" in
  demo) ensure_env base; exec .venv/bin/dpgf demo "$@" ;;
  test) ensure_env test; exec .venv/bin/python -m pytest "$@" ;;
  ui)   ensure_env base; exec .venv/bin/dpgf up "$@" ;;
  *) echo "usage: ./dev.sh demo | test | ui [args]" >&2; exit 2 ;;
esac
