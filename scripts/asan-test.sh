#!/bin/sh
# Runs the tests against a build of the addon with AddressSanitizer and UndefinedBehaviorSanitizer
# (npm run test:asan). It builds into build/asan (the option GRPC_NATIVE_SANITIZE in CMakeLists.txt), then:
#
#   1. runs the whole mocha suite with leak detection off, because Node itself does not free everything at exit.
#      The package tests are left out: they check which binary a package loads, and GRPC_NATIVE_PREBUILD, which
#      points the loader at this build, would mislead them. So are the resident-set leak checks: ASan holds
#      freed memory in quarantine, so the resident set says nothing there, and step 2 checks leaks instead.
#   2. runs the leak workloads of test/robustness/fixtures/leak-child.ts under LeakSanitizer and fails on any leak
#      whose allocation stack passes through the addon (Node's own leaks at exit are not ours).
#
# Node is not built with ASan, so the sanitizer runtime that the addon links is preloaded into every process,
# child processes included. Every sanitizer report goes to build/asan/logs; any report fails the run.
#
# Usage: scripts/asan-test.sh [--skip-build] [--suite-only | --leaks-only] [mocha arguments...]
# Needs gcc's libasan and libubsan (Debian: libasan8 and libubsan1, installed with g++).
set -eu
cd "$(dirname "$0")/.."

build=yes
suite=yes
leaks=yes
while [ $# -gt 0 ]; do
  case "$1" in
    --skip-build) build=no ;;
    --suite-only) leaks=no ;;
    --leaks-only) suite=no ;;
    *) break ;;
  esac
  shift
done

out=build/asan
addon=$out/build/Release/grpc_native.node
logs=$out/logs

if [ "$build" = yes ]; then
  echo "asan-test.sh: building the addon with ASan and UBSan into $out/build"
  npx cmake-js compile --out "$out/build" --CDGRPC_NATIVE_SANITIZE=ON
fi
if [ ! -f "$addon" ]; then
  echo "asan-test.sh: $addon is missing; run without --skip-build" >&2
  exit 1
fi

# The runtime must be the one the addon was linked against.
runtime=$(ldd "$addon" | awk '/libasan/ { print $3 }')
if [ -z "$runtime" ] || [ ! -f "$runtime" ]; then
  echo "asan-test.sh: $addon does not link libasan; was it built with GRPC_NATIVE_SANITIZE=ON?" >&2
  exit 1
fi

rm -rf "$logs"
mkdir -p "$logs"
export LD_PRELOAD="$runtime"
export GRPC_NATIVE_PREBUILD="$PWD/$out"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1:log_path=$PWD/$logs/ubsan"
# A quarantine of 32 MB instead of 256 still catches a use after free of recent memory, and keeps the tests that
# measure the resident set around a leak (a few hundred MB) meaningful.
asan_common="log_path=$PWD/$logs/asan:detect_stack_use_after_return=0:quarantine_size_mb=32"

status=0

if [ "$suite" = yes ]; then
  echo "asan-test.sh: running the test suite (leak detection off)"
  if ! ASAN_OPTIONS="$asan_common:detect_leaks=0" npx mocha --ignore 'test/package-*.test.js' \
      --ignore test/robustness/leaks.test.ts "$@"; then
    status=1
  fi
fi

if [ "$leaks" = yes ]; then
  # Few iterations: LeakSanitizer reports any unreachable block, however small, and slow unwinding through
  # C-core's frames (built without frame pointers) makes each allocation expensive.
  for workload in "channels 2000 200" "calls 2000 200" "servers 200 20"; do
    set -- $workload
    echo "asan-test.sh: LeakSanitizer on the $1 workload ($2 iterations)"
    # Node's own leaks at exit would set LeakSanitizer's exit status, so the reports decide instead.
    ASAN_OPTIONS="log_path=$PWD/$logs/lsan-$1:detect_leaks=1:fast_unwind_on_malloc=0:exitcode=0" \
      node --expose-gc -r ts-node/register/transpile-only test/robustness/fixtures/leak-child.ts "$@" || status=1
  done
fi

# Reports: ASan and UBSan errors in any process, and leaks with a stack through the addon.
node - "$logs" <<'EOF' || status=1
const fs = require('fs');
const path = require('path');
const logs = process.argv[2];
let failed = false;
for (const name of fs.readdirSync(logs).sort()) {
  const text = fs.readFileSync(path.join(logs, name), 'utf8');
  if (!name.startsWith('lsan-')) {
    console.log(`asan-test.sh: sanitizer report ${name}:\n${text}`);
    failed = true;
    continue;
  }
  if (/ERROR: AddressSanitizer: (?!.*detected memory leaks)/.test(text)) {
    console.log(`asan-test.sh: sanitizer report ${name}:\n${text}`);
    failed = true;
  }
  const blocks = text.split(/\n(?=(?:Direct|Indirect) leak of )/).filter((block) => /^(Direct|Indirect) leak of/.test(block));
  const ours = blocks.filter((block) => block.includes('grpc_native.node'));
  const summary = /SUMMARY: AddressSanitizer: (.*)/.exec(text);
  console.log(`asan-test.sh: ${name}: ${blocks.length} leak reports in all (${summary ? summary[1] : 'no summary'}), `
    + `${ours.length} through the addon`);
  for (const block of ours) {
    console.log(block);
  }
  if (ours.length > 0) {
    failed = true;
  }
}
process.exitCode = failed ? 1 : 0;
EOF

if [ "$status" -eq 0 ]; then
  echo "asan-test.sh: clean"
else
  echo "asan-test.sh: FAILED; reports are in $logs" >&2
fi
exit "$status"
