#!/usr/bin/env bash
# Install everything and run the whole pipeline on the embedded default: a sample of real ShareGPT
# conversations, judged by the embedded local model. Prints where the report is.
#   scripts/demo.sh [extra `wildvalues run` options, e.g. --sample 200 --workspace my-study]
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh --models default
exec .venv/bin/wildvalues run --demo "$@"
