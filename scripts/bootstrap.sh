#!/bin/sh
# Prepares a checkout for the demo and the tests, installing whatever is missing: the system packages, the
# position-independent abseil and re2 that make the addon self-contained, the npm dependencies, and the build of
# the addon and the TypeScript. Each step is quick when its result is already there.
set -eu
cd "$(dirname "$0")/.."

sh scripts/setup.sh
sh scripts/build-static-deps.sh

if [ ! -d node_modules ] || [ package.json -nt node_modules ]; then
  echo "bootstrap.sh: installing npm dependencies"
  npm install --no-audit --no-fund
  touch node_modules
fi

echo "bootstrap.sh: building the addon and the TypeScript"
npm run build
