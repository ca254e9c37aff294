#!/usr/bin/env bash
# Install what the tests need and run them: scripts/test.sh [pytest args...]
set -uo pipefail
cd "$(dirname "$0")/.."
# all models: the few `realmodel` tests run the 1.5B judge and the 0.5B sibling (cached after the first pull)
bash scripts/setup.sh --models all --extras all,test,ray --browser || exit 1
.venv/bin/ruff check src tests bench || exit 1
.venv/bin/python -m pytest "$@"
rc=$?
if [ "$rc" = 5 ]; then
  echo "test.sh: pytest collected no tests - treating that as a failure" >&2
  exit 1
fi
exit "$rc"
