#!/usr/bin/env node
'use strict';
// Writes the prebuilt binary that the npm package ships: prebuilds/<platform>-<arch>/grpc-native.<libc>.node,
// built by prebuildify (Node-API, stripped) through cmake-js, with C-core, abseil, re2, c-ares, zlib and OpenSSL
// linked in. node-gyp-build loads it wherever the package is installed without a build/ folder.
//
// Steps:
// 1. scripts/build-static-deps.sh makes sure the position-independent abseil and re2 exist (it returns at once
//    when they are cached), because without them the addon would need Debian's shared libabsl and libre2.
// 2. prebuildify builds through scripts/prebuildify-cmake-js.js, strips the addon and moves it into prebuilds/.
// 3. The prebuild is checked: it must need only the C and C++ runtime and export only Node-API entry points.
//    A prebuild that fails the check is deleted.
// 4. The stripped addon is copied back to build/Release, because prebuildify moved it from there and the
//    tests and `npm run build:native` expect it.
//
// npm runs this script before `npm run build` too (npm's pre-script convention for a script named prebuild).
const { execFileSync, spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const projectDir = path.join(__dirname, '..');
const builtAddon = path.join(projectDir, 'build', 'Release', 'grpc_native.node');

// Node looks up only these in an addon built with node-addon-api.
const NODE_API_ENTRY_POINTS = ['napi_register_module_v1', 'node_api_module_get_api_version_v1'];

// Shared objects that any C++ addon on glibc needs. Everything else must be linked in.
const ALLOWED_NEEDED = [/^libc\.so\./, /^libm\.so\./, /^libstdc\+\+\.so\./, /^libgcc_s\.so\./, /^ld-linux[-\w]*\.so\./];

function log(message) {
  console.log(`prebuild: ${message}`);
}

function buildStaticDependencies() {
  if (process.platform !== 'linux') {
    return;
  }
  const result = spawnSync('sh', [path.join(__dirname, 'build-static-deps.sh')], { stdio: 'inherit' });
  if (result.status !== 0) {
    throw new Error('scripts/build-static-deps.sh failed, so the prebuild would not be self-contained. ' +
      'Fix the error above (usually by running scripts/setup.sh) and run npm run prebuild again.');
  }
}

function runPrebuildify() {
  const prebuildify = require('prebuildify');
  const options = {
    cwd: projectDir,
    napi: true,
    strip: true,
    tagLibc: true,
    nodeGyp: path.join(__dirname, 'prebuildify-cmake-js.js'),
    targets: [`node@${process.versions.node}`],
  };
  return new Promise((resolve, reject) => {
    prebuildify(options, (error) => (error ? reject(error) : resolve()));
  });
}

function prebuildFolder() {
  return path.join(projectDir, 'prebuilds', `${process.platform}-${process.arch}`);
}

function findPrebuild() {
  const folder = prebuildFolder();
  const files = fs.readdirSync(folder).filter((name) => name.endsWith('.node'));
  if (files.length !== 1) {
    throw new Error(`expected one .node file in ${folder}, found: ${files.join(', ') || 'none'}`);
  }
  return path.join(folder, files[0]);
}

/** Returns the reasons why `file` is not self-contained; an empty list when it is. */
function checkSelfContained(file) {
  const problems = [];

  const dynamicSection = execFileSync('readelf', ['-d', file], { encoding: 'utf8' });
  const needed = [...dynamicSection.matchAll(/\(NEEDED\)\s+Shared library: \[([^\]]+)\]/g)].map((match) => match[1]);
  const unexpectedNeeded = needed.filter((name) => !ALLOWED_NEEDED.some((pattern) => pattern.test(name)));
  if (unexpectedNeeded.length > 0) {
    problems.push(`it needs these shared objects: ${unexpectedNeeded.join(', ')}`);
  }

  const exported = execFileSync('nm', ['-D', '--defined-only', file], { encoding: 'utf8' })
    .split('\n')
    .map((line) => line.trim().split(/\s+/).pop())
    .filter(Boolean);
  const unexpectedExports = exported.filter((name) => !NODE_API_ENTRY_POINTS.includes(name));
  if (unexpectedExports.length > 0) {
    problems.push(`it exports ${unexpectedExports.length} symbols besides the Node-API entry points, ` +
      `for example ${unexpectedExports.slice(0, 5).join(', ')}`);
  }
  return problems;
}

async function main() {
  const started = Date.now();
  buildStaticDependencies();

  fs.rmSync(prebuildFolder(), { recursive: true, force: true });
  await runPrebuildify();
  const prebuild = findPrebuild();

  if (process.platform === 'linux') {
    const problems = checkSelfContained(prebuild);
    if (problems.length > 0) {
      fs.rmSync(prebuild);
      throw new Error(`${path.relative(projectDir, prebuild)} is not self-contained: ${problems.join('; ')}. ` +
        'It was deleted. Run scripts/build-static-deps.sh, then npm run prebuild again.');
    }
  }

  // A copy under another name, then a rename: processes that have the old addon loaded keep its file, whereas
  // overwriting it in place would change code that they have mapped and crash them.
  fs.mkdirSync(path.dirname(builtAddon), { recursive: true });
  const partial = `${builtAddon}.${process.pid}.partial`;
  fs.copyFileSync(prebuild, partial);
  // The same time stamp as the prebuild marks the two as one build, for anything that compares them.
  const { atime, mtime } = fs.statSync(prebuild);
  fs.utimesSync(partial, atime, mtime);
  fs.renameSync(partial, builtAddon);

  const sizeMiB = (fs.statSync(prebuild).size / (1024 * 1024)).toFixed(1);
  const seconds = ((Date.now() - started) / 1000).toFixed(0);
  log(`wrote ${path.relative(projectDir, prebuild)} (${sizeMiB} MiB) in ${seconds} s`);
}

main().catch((error) => {
  console.error(`prebuild: ${error.message}`);
  process.exitCode = 1;
});
