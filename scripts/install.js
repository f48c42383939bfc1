#!/usr/bin/env node
'use strict';
// The package's install script: keeps a prebuilt binary that loads, and otherwise builds the addon from source
// against the system's gRPC C-core (found by pkg-config) with cmake-js.
//
// npm 11 and later run this script for a dependency only after `npm install-scripts approve grpc-native` (for
// global installs and npx, with --allow-scripts=grpc-native). Without that, linux-x64 still works from the
// prebuild, and elsewhere the package's loader (lib/load-binding.ts) prints the steps to build the addon.
//
// Environment:
//   npm_config_build_from_source=true  (set by `npm install|rebuild --build-from-source`) skips the prebuild.
//   GRPC_NATIVE_CORE_DIR               install prefix of a C-core built from source, for example the one that
//                                      scripts/fetch-grpc-source.sh writes to third_party/grpc/install.
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const packageRoot = path.join(__dirname, '..');

const SYSTEM_PACKAGES =
  'libgrpc-dev libssl-dev libc-ares-dev zlib1g-dev libre2-dev libabsl-dev pkg-config cmake g++';

function log(message) {
  console.log(`grpc-native: ${message}`);
}

function fail(lines) {
  console.error(['grpc-native: cannot build the native addon from source.', ...lines].join('\n'));
  process.exit(1);
}

/** Returns the path of an addon that loads in this Node, or null with the reason logged. */
function findLoadableAddon() {
  let file;
  try {
    file = require('node-gyp-build').resolve(packageRoot);
  } catch {
    log(`no prebuilt binary for ${process.platform}-${process.arch}; building from source.`);
    return null;
  }
  try {
    require(file);
    return file;
  } catch (error) {
    log(`${path.relative(packageRoot, file)} does not load here (${error.message}); building from source.`);
    return null;
  }
}

function resolveFromProject(request) {
  try {
    return require.resolve(request, { paths: [packageRoot, process.cwd()] });
  } catch {
    return null;
  }
}

function commandWorks(command, args, env) {
  const result = spawnSync(command, args, { stdio: 'ignore', env });
  return !result.error && result.status === 0;
}

/** Returns the environment for pkg-config and CMake, with GRPC_NATIVE_CORE_DIR's pkg-config folder added. */
function buildEnvironment(coreDir) {
  const env = { ...process.env };
  if (coreDir) {
    const pkgConfigDir = path.join(coreDir, 'lib', 'pkgconfig');
    env.PKG_CONFIG_PATH = env.PKG_CONFIG_PATH ? `${pkgConfigDir}:${env.PKG_CONFIG_PATH}` : pkgConfigDir;
  }
  return env;
}

function checkBuildRequirements(coreDir, env) {
  if (!commandWorks('cmake', ['--version'], env)) {
    fail([`cmake not found. Install CMake 3.18 or later and a C++17 compiler (Debian and Ubuntu: ${SYSTEM_PACKAGES}).`]);
  }
  if (!commandWorks('pkg-config', ['--version'], env)) {
    fail([`pkg-config not found. Install it with gRPC's development files (Debian and Ubuntu: ${SYSTEM_PACKAGES}).`]);
  }
  if (!commandWorks('pkg-config', ['--exists', 'grpc'], env)) {
    const where = coreDir ? `in GRPC_NATIVE_CORE_DIR=${coreDir} or the system` : 'on this system';
    fail([
      `gRPC C-core's development files (pkg-config module grpc) were not found ${where}.`,
      `Install the package libgrpc-dev (Debian and Ubuntu: sudo apt-get install ${SYSTEM_PACKAGES}),`,
      "or build C-core from Debian's source with scripts/fetch-grpc-source.sh in grpc-native's repository and",
      'set GRPC_NATIVE_CORE_DIR to the folder it prints. Then run: npm rebuild grpc-native',
    ]);
  }

  const cmakeJs = resolveFromProject('cmake-js/bin/cmake-js');
  if (!cmakeJs || !resolveFromProject('node-addon-api')) {
    fail([
      'cmake-js and node-addon-api are not installed. They are optional peer dependencies, needed only for a',
      'source build. Add them to your project and rebuild:',
      '  npm install --save-dev cmake-js node-addon-api',
      '  npm rebuild grpc-native',
    ]);
  }
  return cmakeJs;
}

function buildFromSource() {
  const coreDir = process.env.GRPC_NATIVE_CORE_DIR ? path.resolve(process.env.GRPC_NATIVE_CORE_DIR) : '';
  const env = buildEnvironment(coreDir);
  const cmakeJs = checkBuildRequirements(coreDir, env);

  const args = [cmakeJs, 'compile', '--directory', packageRoot, '--out', path.join(packageRoot, 'build')];
  if (coreDir) {
    args.push(`--CDGRPC_NATIVE_CORE_DIR=${coreDir}`);
  }
  log(`building with cmake-js against ${coreDir || "the system's gRPC"}`);
  const result = spawnSync(process.execPath, args, { cwd: packageRoot, env, stdio: 'inherit' });
  if (result.error || result.status !== 0) {
    fail([
      `cmake-js exited with ${result.error ? result.error.message : `status ${result.status}`}; its output is above.`,
      'A missing static archive (lib<name>.a not found) means a development package is missing; install',
      `${SYSTEM_PACKAGES} and run: npm rebuild grpc-native`,
    ]);
  }

  const built = path.join(packageRoot, 'build', 'Release', 'grpc_native.node');
  if (!fs.existsSync(built)) {
    fail([`cmake-js finished but ${built} does not exist.`]);
  }
  log(`built ${path.relative(packageRoot, built)}`);
}

function main() {
  if (process.env.npm_config_build_from_source === 'true') {
    log('building from source, as --build-from-source requests.');
  } else {
    const addon = findLoadableAddon();
    if (addon) {
      log(`using ${path.relative(packageRoot, addon)}`);
      return;
    }
  }
  buildFromSource();
}

main();
