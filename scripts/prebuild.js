#!/usr/bin/env node
'use strict';
// Writes the prebuilt binary that the npm package ships: prebuilds/<platform>-<arch>/grpc-native.<libc>.node,
// built by prebuildify (Node-API, stripped) through cmake-js, with C-core, abseil, re2, c-ares, zlib and OpenSSL
// linked in. node-gyp-build loads it wherever the package is installed without a build/ folder.
//
// Steps:
// 1. scripts/build-static-deps.sh makes sure the position-independent abseil and re2 exist (it returns at once
//    when they are cached), because without them the addon would need Debian's shared libabsl and libre2.
// 2. prebuildify runs in the staging folder build/prebuildify and builds through scripts/prebuildify-cmake-js.js,
//    which compiles in build/ and copies the addon into the staging folder. prebuildify strips that copy and
//    renames it into prebuilds/, which replaces an older prebuild in one step.
// 3. The prebuild is checked: it must need only the C and C++ runtime and export only Node-API entry points.
//    A prebuild that fails the check is deleted.
//
// A lock file (build/prebuild.lock) lets one run at a time use build/, so that test processes started together
// do not build over each other.
//
// npm runs this script before `npm run build` too (npm's pre-script convention for a script named prebuild).
const { execFileSync, spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const projectDir = path.join(__dirname, '..');
const stagingDir = path.join(projectDir, 'build', 'prebuildify');
const lockFile = path.join(projectDir, 'build', 'prebuild.lock');
const LOCK_POLL_MS = 500;

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
    cwd: stagingDir,
    out: projectDir,
    name: require('../package.json').name,
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

/** Returns the prebuild written after `since` and deletes older .node files beside it. */
function takeNewPrebuild(since) {
  const folder = prebuildFolder();
  const files = fs.readdirSync(folder).filter((name) => name.endsWith('.node')).map((name) => path.join(folder, name));
  const fresh = files.filter((file) => fs.statSync(file).mtimeMs >= since);
  if (fresh.length !== 1) {
    throw new Error(`expected one new .node file in ${folder}, found: ${fresh.join(', ') || 'none'}`);
  }
  for (const file of files.filter((file) => file !== fresh[0])) {
    fs.rmSync(file);
  }
  return fresh[0];
}

function processIsAlive(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return error.code === 'EPERM';
  }
}

/** Waits until this process holds the lock file, taking over a lock whose process has exited. */
async function acquireLock() {
  fs.mkdirSync(path.dirname(lockFile), { recursive: true });
  let announced = false;
  for (;;) {
    try {
      fs.writeFileSync(lockFile, String(process.pid), { flag: 'wx' });
      return;
    } catch (error) {
      if (error.code !== 'EEXIST') {
        throw error;
      }
    }
    const owner = Number.parseInt(fs.readFileSync(lockFile, 'utf8'), 10);
    if (!Number.isInteger(owner) || !processIsAlive(owner)) {
      fs.rmSync(lockFile, { force: true });
      continue;
    }
    if (!announced) {
      log(`waiting for process ${owner}, which holds ${path.relative(projectDir, lockFile)}`);
      announced = true;
    }
    await new Promise((resolve) => setTimeout(resolve, LOCK_POLL_MS));
  }
}

function releaseLock() {
  fs.rmSync(lockFile, { force: true });
}

/** Returns the reasons why `file` is not self-contained, or an empty list when it is. */
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

async function buildPrebuild() {
  const started = Date.now();
  buildStaticDependencies();

  fs.rmSync(stagingDir, { recursive: true, force: true });
  fs.mkdirSync(stagingDir, { recursive: true });
  await runPrebuildify();
  const prebuild = takeNewPrebuild(started);

  if (process.platform === 'linux') {
    const problems = checkSelfContained(prebuild);
    if (problems.length > 0) {
      fs.rmSync(prebuild);
      throw new Error(`${path.relative(projectDir, prebuild)} is not self-contained: ${problems.join('; ')}. ` +
        'It was deleted. Run scripts/build-static-deps.sh, then npm run prebuild again.');
    }
  }

  const sizeMiB = (fs.statSync(prebuild).size / (1024 * 1024)).toFixed(1);
  const seconds = ((Date.now() - started) / 1000).toFixed(0);
  log(`wrote ${path.relative(projectDir, prebuild)} (${sizeMiB} MiB) in ${seconds} s`);
}

async function main() {
  await acquireLock();
  try {
    await buildPrebuild();
  } finally {
    releaseLock();
  }
}

main().catch((error) => {
  console.error(`prebuild: ${error.message}`);
  process.exitCode = 1;
});
