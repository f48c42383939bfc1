#!/usr/bin/env node
'use strict';
// Stands in for node-gyp when prebuildify builds the addon (prebuildify 6 spawns `<node-gyp> rebuild
// --target=<version> --devdir=<dir> --arch=<arch> --release|--debug`), and runs cmake-js instead.
//
// `compile` rather than `rebuild`: it reuses the build folder that `npm run build:native` fills, so a prebuild
// after a normal build only relinks what changed. The Node version in --target is not passed on, because the
// addon uses Node-API only and cmake-js takes the Node-API headers from the node-api-headers package.
const { spawnSync } = require('node:child_process');
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
  process.exitCode = result.status ?? 1;
}

main();
