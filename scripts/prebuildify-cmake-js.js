#!/usr/bin/env node
'use strict';
// Stands in for node-gyp when prebuildify builds the addon (prebuildify 6 spawns `<node-gyp> rebuild
// --target=<version> --devdir=<dir> --arch=<arch> --release|--debug` in its working folder), and runs cmake-js
// instead.
//
// cmake-js compiles in the project's build/ folder, the one `npm run build:native` uses, so a prebuild after a
// normal build only relinks what changed. The addon is then copied into build/Release under prebuildify's working
// folder (scripts/prebuild.js makes that a staging folder), where prebuildify strips it in place and moves it
// into prebuilds/. The project's own build/Release/grpc_native.node is never changed, because `strip` rewrites
// its file in place and would corrupt the code of any process that has that addon loaded.
//
// The Node version in --target is not passed on: the addon uses Node-API only, and cmake-js takes the Node-API
// headers from the node-api-headers package.
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const projectDir = path.join(__dirname, '..');

function parseArguments(argv) {
  const [command, ...options] = argv;
  if (command !== 'rebuild') {
    throw new Error(`prebuildify-cmake-js.js: expected the command 'rebuild' from prebuildify, got '${command}'`);
  }
  const settings = { arch: null, debug: false };
  for (const option of options) {
    if (option.startsWith('--arch=')) {
      settings.arch = option.slice('--arch='.length);
    } else if (option === '--debug') {
      settings.debug = true;
    }
  }
  return settings;
}

function main() {
  const settings = parseArguments(process.argv.slice(2));
  const cmakeJs = require.resolve('cmake-js/bin/cmake-js', { paths: [projectDir] });
  const args = [cmakeJs, 'compile', '--directory', projectDir, '--out', path.join(projectDir, 'build')];
  if (settings.arch) {
    args.push('--arch', settings.arch);
  }
  if (settings.debug) {
    args.push('--debug');
  }

  const result = spawnSync(process.execPath, args, { cwd: projectDir, stdio: 'inherit' });
  if (result.error) {
    throw result.error;
  }
  if (result.status !== 0) {
    process.exitCode = result.status ?? 1;
    return;
  }

  const configuration = settings.debug ? 'Debug' : 'Release';
  const built = path.join(projectDir, 'build', configuration, 'grpc_native.node');
  const stagingDir = path.join(process.cwd(), 'build', configuration);
  if (path.resolve(stagingDir) === path.dirname(built)) {
    throw new Error('prebuildify-cmake-js.js: run prebuildify from a staging folder (scripts/prebuild.js does), ' +
      'so that stripping does not rewrite build/Release/grpc_native.node in place');
  }
  fs.mkdirSync(stagingDir, { recursive: true });
  fs.copyFileSync(built, path.join(stagingDir, 'grpc_native.node'));
}

main();
