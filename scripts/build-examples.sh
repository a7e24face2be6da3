#!/usr/bin/env bash
# The main job: install gwc into .venv and compile every example for every target into build/.
# --allow-lossy: a target that cannot express a feature leaves it out and prints a warning saying so.
# Usage: bash scripts/build-examples.sh
set -euo pipefail
cd "$(dirname "$0")/.."
if [ ! -x .venv/bin/python ]; then
  python3 -m venv .venv
fi
.venv/bin/python -m pip install -q --disable-pip-version-check -e .
status=0
for spec in examples/*/*.yaml; do
  grep -q '^gwc:' "$spec" || continue  # a file other specs include, not a gateway
  name="${spec#examples/}"
  name="${name%.yaml}"
  echo "== $spec"
  .venv/bin/gwc validate "$spec" || status=1
  .venv/bin/gwc compile "$spec" --target all --allow-lossy --out "build/$name" || status=1
done
exit $status
